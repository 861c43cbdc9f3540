"""Run the sandbox inside the current event loop, for tests and for ``jsika demo``.

uvicorn serves a socket we bind ourselves, so port 0 works: the kernel picks a free port and we read it back
before anyone needs the URL. Stopping first releases every long poll, otherwise uvicorn's graceful shutdown would
wait for a bot's 10-second getUpdates to time out.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI

from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import create_sandbox_app
from bot.sandbox.state import SandboxState


@dataclass(frozen=True, slots=True)
class SandboxHandle:
    """Where a running sandbox listens, and its state for in-process assertions."""

    host: str
    port: int
    app: FastAPI
    state: SandboxState

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def bot_api_base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: PTB appends ``<token>/<method>``."""
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.url}/file/bot"


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket on ``host:port``; port 0 lets the kernel choose, ``getsockname()`` tells which.

    ``proto`` must be IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose listening
    socket says so, and without it every keep-alive response waits ~40 ms for a delayed ACK.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:  # name the address: "port in use" alone does not say which setting to change
        sock.close()
        raise OSError(error.errno, error.strerror, f"{host}:{port}") from error
    sock.listen(2048)
    sock.setblocking(False)
    return sock


class PromptServer(uvicorn.Server):
    """uvicorn's server, minus its fixed 100 ms sleeps when stopping, plus a hook to end long polls.

    A test suite starts and stops a sandbox per test; uvicorn polls ``should_exit`` every 100 ms and sleeps
    another 100 ms before waiting for connections, which would add 0.2 s to every test. Here stopping is an
    event and the connection wait polls every 5 ms; the order of the steps is uvicorn's own. ``before_shutdown``
    runs first so pending long polls (getUpdates, wait) answer at once instead of holding the shutdown up.
    """

    def __init__(self, config: uvicorn.Config, before_shutdown: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        self.stop_requested = asyncio.Event()
        self._before_shutdown = before_shutdown

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.1):
                    await self.stop_requested.wait()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._before_shutdown is not None:
            self._before_shutdown()
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.config.timeout_graceful_shutdown or 2)
        while (self.server_state.connections or self.server_state.tasks) and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.005)  # uvicorn keeps plain sets of connections and tasks: nothing to await
        for task in list(self.server_state.tasks):
            task.cancel()
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()


def server_config(app: Any, log_level: str = "warning") -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=2,
        timeout_keep_alive=30,
    )


@asynccontextmanager
async def serve_asgi(
    app: Any, *, host: str = "127.0.0.1", port: int = 0, on_stop: Callable[[], None] | None = None
) -> AsyncIterator[int]:
    """Serve any ASGI app in this event loop until the block exits; yields the port actually bound.

    Tests use it for throw-away servers too (a webhook receiver, for one). ``on_stop`` runs before the server
    shuts down, to release requests that would otherwise hold the graceful shutdown up.
    """
    sock = bind_socket(host, port)
    actual_port = sock.getsockname()[1]
    server = PromptServer(server_config(app), before_shutdown=on_stop)
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]), name=f"asgi-server-{actual_port}")
    try:
        while not server.started:
            if task.done():
                task.result()  # re-raise the start-up error
                raise RuntimeError("server stopped during start-up")
            await asyncio.sleep(0.002)
        yield actual_port
    finally:
        server.should_exit = True
        server.stop_requested.set()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, timeout=5)
        sock.close()


@asynccontextmanager
async def run_sandbox(
    config: SandboxConfig | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    configure: Callable[[FastAPI], None] | None = None,
) -> AsyncIterator[SandboxHandle]:
    """Serve a fresh sandbox on ``host:port`` (0 = any free port) until the block exits.

    ``configure`` may add routes or mount static files on the app before it starts (``jsika demo`` serves its
    web chat page from the same origin, so the page can call the control API without CORS).
    """
    app = create_sandbox_app(config)
    if configure is not None:
        configure(app)
    state: SandboxState = app.state.sandbox
    async with serve_asgi(app, host=host, port=port, on_stop=state.release_waiters) as actual_port:
        yield SandboxHandle(host=host, port=actual_port, app=app, state=state)
