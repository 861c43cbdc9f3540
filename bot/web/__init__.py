"""HTTP side of the bot: the Telegram webhook, ``/healthz``, ``/readyz``, ``/metrics`` and the OPD API v1."""

from bot.web.app import create_app
from bot.web.context import WebContext

__all__ = ["WebContext", "create_app"]
