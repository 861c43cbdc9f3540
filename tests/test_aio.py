"""The bot's process runner: uvloop, and the garbage collector tuned for many short-lived objects per update."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_the_bot_runs_on_uvloop_with_start_up_objects_frozen_and_a_higher_young_threshold() -> None:
    # A subprocess: the settings are process-wide and must not leak into the test run.
    script = textwrap.dedent(
        """
        import asyncio, gc
        from bot import aio

        async def main():
            return type(asyncio.get_running_loop()).__module__, gc.get_threshold()[0], gc.get_freeze_count()

        print(*aio.run(main()))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    loop_module, young, frozen = out[0], int(out[1]), int(out[2])
    assert loop_module.startswith("uvloop")
    assert young == 7_000
    assert frozen > 10_000  # the imported modules' objects, out of every collection
