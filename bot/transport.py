"""How the bot talks HTTP to the Bot API (Telegram or the sandbox): PTB's networking backend over aiohttp.

PTB ships one backend, ``HTTPXRequest``, and documents ``BaseRequest`` as the place to plug in another. We do,
because the Bot API calls were the bot's largest CPU cost: every button press makes two of them (answer the
press, edit the question). Measured against the sandbox on the development box, one ``sendMessage`` costs the
calling process ~5.0 ms of CPU through httpx and ~0.8 ms through aiohttp (0.5 ms with uvloop), which is the
difference between the bot keeping up with 1,000 pendamping and queueing them (``docs/report.md``).

Everything above the wire stays PTB's: it builds the parameters, parses the answer, raises ``BadRequest``,
``Forbidden``, ``RetryAfter`` from the status and body. This class only moves bytes and turns transport failures
into PTB's own ``TimedOut`` / ``NetworkError``, so callers (the outbox's retry rules, the poller) cannot tell the
difference. Proxies come from the usual ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``NO_PROXY`` variables, as with httpx.
"""

from __future__ import annotations

import functools
import urllib.parse
import urllib.request
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

USER_AGENT = "JSiKa-Bot (python-telegram-bot; aiohttp)"
_DEFAULT = type(BaseRequest.DEFAULT_NONE)  # PTB's DefaultValue, without importing its private module


class AiohttpRequest(BaseRequest):
    """A pool of keep-alive connections to the Bot API; timeouts as PTB means them, in seconds (None: no limit).

    ``pool_timeout`` bounds the wait for a free connection when all ``pool_size`` are busy — as with httpx, a
    request that never got a connection is reported as ``TimedOut`` and was not sent.
    """

    def __init__(
        self,
        pool_size: int = 256,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=self._pool_size),
                headers={"User-Agent": USER_AGENT},
                # Not trust_env: aiohttp would then read the environment and ~/.netrc in a thread for every
                # request (a third of the transport's CPU under load); ``_proxy_for`` reads it once per host.
                timeout=aiohttp.ClientTimeout(total=None),
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data is not None else None
        fields = request_data.json_parameters if request_data is not None else None
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, self._media_write_timeout if files else self._write_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        # aiohttp has no write timeout of its own: the whole exchange is bounded by the sum of PTB's four instead
        # (no bound if any of them is None), which keeps its meaning of "give up after this long".
        limits = [limit for limit in (read, write, connect, pool) if limit is not None]
        total = sum(limits) if len(limits) == 4 else None
        timeout = aiohttp.ClientTimeout(total=total, connect=pool, sock_connect=connect, sock_read=read)
        body: aiohttp.FormData | dict[str, str] | None = _form(fields or {}, files) if files else fields
        try:
            proxy = _proxy_for(url)
            async with self._session.request(method, url, data=body, timeout=timeout, proxy=proxy) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


@functools.cache
def _proxy_by_origin(scheme: str, host: str) -> str | None:
    if urllib.request.proxy_bypass_environment(host):  # type: ignore[attr-defined]  # stdlib, not in typeshed
        return None
    return urllib.request.getproxies_environment().get(scheme)


def _proxy_for(url: str) -> str | None:
    """``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``NO_PROXY`` as httpx honoured them, read once per host."""
    parts = urllib.parse.urlsplit(url)
    return _proxy_by_origin(parts.scheme, parts.hostname or "")


def _given(value: Any, default: float | None) -> float | None:
    """PTB passes a ``DefaultValue`` for "the default": then ours; anything else (None too) as given."""
    return default if isinstance(value, _DEFAULT) else value


def _form(fields: dict[str, str], files: dict[str, tuple[str, Any, str]]) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form


def bot_api_request(pool_size: int = 256) -> AiohttpRequest:
    """The bot's settings for every Bot API call: a slow mobile network on Telegram's side is not ours to fail."""
    return AiohttpRequest(pool_size, connect_timeout=10, read_timeout=15, write_timeout=15)
