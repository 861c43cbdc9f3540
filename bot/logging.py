"""One line per event, with the update or request id when there is one — and never a secret or a full NIK.

The id travels in a context variable so that handlers and queries need not pass it around.

Every line goes through ``redact`` on its way out (a filter on the one handler ``setup`` installs), whichever
library logged it: PTB and the transport log Bot API calls at DEBUG with the bot token in the URL, the webhook
secret in ``setWebhook`` and people's messages (NIK, KK, phone numbers) in the updates; a database error carries
the statement and, unless the engine hides them, its parameters. Redacting at the handler keeps that out of the
log files at every level, whatever a library decides to print next.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from typing import Any

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


_secrets: set[str] = set()
_MIN_SECRET = 6  # shorter values would blank out ordinary words and numbers

# A Bot API token (``123456789:AA…``), bare or inside a Bot API URL (``/bot<token>/``).
_TOKEN = re.compile(r"(?<![\w])\d{5,15}:[A-Za-z0-9_-]{20,}")
_TOKEN_IN_URL = re.compile(r"(/(?:file/)?bot)\d+:[^/\s'\"]+")
# The password in a database URL (``postgresql+asyncpg://user:password@host``).
_URL_PASSWORD = re.compile(r"(://[^:/@\s'\"]+:)[^@\s'\"]+@")
# NIK and KK: 16 digits. The first four (province, kabupaten) stay readable; the rest would identify a person.
_NIK = re.compile(r"(?<!\d)(\d{4})\d{12}(?!\d)")
# A phone number wherever a key names it, then Indonesian mobiles and any number written with a leading ``+``.
_PHONE_FIELD = re.compile(r"(phone(?:_number)?['\"]?\s*[:=]\s*['\"]?)\+?\d[\d -]{5,}\d", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\d+])(\+?62[ -]?|0)(8\d)(?:[ -]?\d){6,11}(?!\d)")
_PHONE_INTL = re.compile(r"(?<![\w+])\+(\d{2})\d{7,13}(?!\d)")


def register_secret(value: str | None) -> None:
    """Never write ``value`` in a log line (the bot token, the webhook secret, a metrics token …)."""
    if value and len(value) >= _MIN_SECRET:
        _secrets.add(value)


def redact(text: str) -> str:
    """``text`` without registered secrets, Bot API tokens, database passwords, full NIK/KK or phone numbers.

    Also used for the error text the inbox stores with a failed update (``bot/inbox.py``): it is read by whoever
    looks at the table, so it follows the same rule as the log.
    """
    for secret in sorted(_secrets, key=len, reverse=True):  # the longest first: one secret may contain another
        if secret in text:
            text = text.replace(secret, "<rahasia>")
    text = _TOKEN_IN_URL.sub(r"\1<token>", text)
    text = _TOKEN.sub("<token>", text)
    text = _URL_PASSWORD.sub(r"\1***@", text)
    text = _NIK.sub(r"\1************", text)
    text = _PHONE_FIELD.sub(r"\1<telepon>", text)
    text = _PHONE.sub(r"\1\2******", text)
    return _PHONE_INTL.sub(r"+\1*******", text)


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class RedactingFilter(logging.Filter):
    """Rewrites each record once, message and traceback both, before any formatter sees it.

    The message is rendered here (``getMessage``) and the arguments dropped, so a formatter cannot bring the raw
    values back; the traceback text is stored in ``exc_text``, which ``logging.Formatter`` prints instead of
    formatting ``exc_info`` again.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a library's bad format string: still log, without the arguments
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record.redacted = True
        return True


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "req": getattr(record, "request_id", "-"),
            "msg": record.getMessage(),
        }
        if record.exc_text:  # already redacted (RedactingFilter)
            payload["exc"] = record.exc_text
        elif record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is *now*, so a replaced stream (test capture, daemonising) is followed."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def setup(level: str = "INFO", *, json_lines: bool = False) -> None:
    handler = _StderrHandler()
    handler.addFilter(_ContextFilter())
    handler.addFilter(RedactingFilter())
    if json_lines:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every Bot API call at INFO; that is noise at province scale.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # APScheduler logs every run of the 2-second outbox job; our own jobs log what they did.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # alembic lists its autogenerate plugins at INFO on every start; nothing an operator acts on.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
