"""Settings of one sandbox instance.

A frozen dataclass rather than pydantic-settings: the sandbox is configured by code (tests, ``jsika demo``, the
benchmark), never by the environment, and building it must cost nothing in a test.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """How the simulated Telegram behaves.

    The rate-limit defaults follow Telegram's published guidance (about 30 messages per second in total and
    about one per second per chat, with a small burst allowed), so a bot that is fine here is fine there.
    Tests that are not about rate limits can pass ``rate_limits=False``.
    """

    bot_token: str | None = None
    """When set, only this exact token is accepted; otherwise any ``<digits>:<secret>`` token is."""
    bot_id: int = 123456
    """The bot's user id before any call has shown the real token digits (used by the control API)."""
    bot_username: str = "jsika_sandbox_bot"
    bot_first_name: str = "JSiKa Sandbox"

    first_update_id: int = 1
    """The id of the first update queued. ``jsika demo`` continues after the ids its inbox still holds, so a
    restarted demo does not reuse them (Telegram's ids never go backwards either)."""

    rate_limits: bool = True
    global_rate: float = 30.0
    """Sending calls per second to all chats together (refill rate of the global token bucket)."""
    global_burst: int = 30
    chat_rate: float = 1.0
    """Sustained sending calls per second into one chat."""
    chat_burst: int = 4
    """How many messages one chat may receive at once before the per-chat limit starts to bite."""

    max_long_poll: float = 50.0
    """Upper bound for getUpdates' ``timeout`` (Telegram caps it at 50 s as well)."""
    max_wait: float = 60.0
    """Upper bound for the control API's ``wait`` long polls."""

    allow_http_webhooks: bool = True
    """Telegram insists on HTTPS; a local sandbox has no certificates, so plain HTTP is accepted by default."""
    webhook_retry_initial: float = 0.05
    webhook_retry_max: float = 2.0
    webhook_timeout: float = 10.0

    max_calls_logged: int = 200_000
    """The calls log is a ring buffer; older entries fall off so a long demo does not grow without bound."""
    max_upload_bytes: int = 50 * 1024 * 1024
