"""The Bot API methods the sandbox implements, by their canonical (spec) names.

Any other method in the spec is validated and then answered with "method not supported by the sandbox", so a
bot that starts using a new method fails loudly in tests instead of silently doing nothing.
"""

from __future__ import annotations

from bot.sandbox.methods import account, messages
from bot.sandbox.methods.common import Handler

HANDLERS: dict[str, Handler] = {**account.HANDLERS, **messages.HANDLERS}

__all__ = ["HANDLERS", "Handler"]
