"""The handler list type each feature module exports as ``HANDLERS``."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from handlers.context import AppContext

HandlerList = list[BaseHandler[Update, AppContext, Any]]
