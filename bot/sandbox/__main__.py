"""``python -m bot.sandbox``: run the sandbox alone, e.g. for a bot started by hand or for a benchmark.

Point the bot at it with ``JSIKA_TELEGRAM_BASE_URL=http://127.0.0.1:8081/bot`` and any ``<digits>:<secret>``
token.
"""

from __future__ import annotations

import argparse
import logging

from bot.sandbox.config import SandboxConfig
from bot.sandbox.runner import PromptServer, bind_socket, server_config
from bot.sandbox.server import create_sandbox_app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description="Local Telegram Bot API sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port (printed on start)")
    parser.add_argument("--token", default=None, help="accept only this bot token (default: any <digits>:<x>)")
    parser.add_argument("--username", default="jsika_sandbox_bot")
    parser.add_argument("--no-rate-limits", action="store_true", help="switch off Telegram's flood limits")
    parser.add_argument("--log-level", default="warning")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    config = SandboxConfig(bot_token=args.token, bot_username=args.username, rate_limits=not args.no_rate_limits)
    sock = bind_socket(args.host, args.port)
    host, port = sock.getsockname()[:2]
    print(f"sandbox listening on http://{host}:{port} (Bot API base URL http://{host}:{port}/bot)", flush=True)
    app = create_sandbox_app(config)
    server = PromptServer(server_config(app, args.log_level), before_shutdown=app.state.sandbox.release_waiters)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
