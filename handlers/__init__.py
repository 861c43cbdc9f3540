"""Telegram-facing code: one module per feature. ``register`` wires them into a PTB application in order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI imports handlers.i18n; loading PTB for it would cost a second per command
    from telegram.ext import Application


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    from handlers import (
        admin,
        common,
        history,
        households,
        relink,
        reminder_actions,
        report,
        schedule,
        start,
        supervisor,
    )

    for module in (start, relink, common, admin, households, report, schedule, history, supervisor, reminder_actions):
        application.add_handlers(module.HANDLERS)
    application.add_handlers(common.IGNORED, group=common.IGNORED_GROUP)  # edits and channel posts: silence
    application.add_handlers(report.INPUT_HANDLERS, group=report.INPUT_GROUP)
    # Same group as the features, added last: PTB runs only the first matching handler of a group, so a
    # fallback answers only what no feature took (a later group would run *as well*).
    application.add_handlers(common.FALLBACKS)
    application.add_error_handler(common.on_error)
