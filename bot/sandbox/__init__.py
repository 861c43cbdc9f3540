"""A local stand-in for the Telegram Bot API (see ``docs/sandbox.md``).

The real PTB ``Application`` talks to it through ``base_url``/``base_file_url``; tests, the demo page and the
benchmarks play the users through the control API under ``/sandbox``.

The public names are imported lazily so that ``bot.sandbox.client`` (used by benchmarks and tests) does not pull
in uvicorn and FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.sandbox.config import SandboxConfig
    from bot.sandbox.runner import SandboxHandle, run_sandbox
    from bot.sandbox.server import create_sandbox_app

__all__ = ["SandboxConfig", "SandboxHandle", "create_sandbox_app", "run_sandbox"]

_HOMES = {
    "SandboxConfig": "bot.sandbox.config",
    "SandboxHandle": "bot.sandbox.runner",
    "run_sandbox": "bot.sandbox.runner",
    "create_sandbox_app": "bot.sandbox.server",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(name)
