"""Telegram-facing code: one module per feature. ``register`` wires them into a PTB application in order."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    from handlers import admin, common, households, start

    for module in (start, common, admin, households):
        application.add_handlers(module.HANDLERS)
    application.add_handlers(common.FALLBACKS, group=1)
    application.add_error_handler(common.on_error)
