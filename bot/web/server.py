"""Serve an ASGI app with uvicorn inside the bot's own event loop, stopped by the bot, not by uvicorn.

uvicorn normally installs its own SIGINT/SIGTERM handlers; the bot's service owns the signals instead (stop the
receivers, finish the updates in hand, then close the server), so the server here ignores them.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Generator
from typing import Any

import uvicorn


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket; port 0 lets the kernel pick (tests read it back with ``getsockname``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:  # name the address: "port in use" alone does not say which setting to change
        sock.close()
        raise OSError(error.errno, error.strerror, f"{host}:{port}") from error
    sock.listen(2048)
    sock.setblocking(False)
    return sock


@contextlib.asynccontextmanager
async def serving(app: Any, host: str, port: int, *, log_level: str = "warning") -> AsyncIterator[int]:
    """Serve ``app`` until the block ends; yields the bound port. Open requests get a few seconds to finish."""
    sock = bind(host, port)
    bound = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level=log_level.lower(),
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=5,
        timeout_keep_alive=30,
        proxy_headers=True,
    )
    server = _Server(config)
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]), name=f"http-{bound}")
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("HTTP server stopped during start-up")
            await asyncio.sleep(0.005)
        yield bound
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, timeout=10)
        sock.close()
