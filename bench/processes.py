"""The processes a benchmark starts beside itself — the sandbox and a real ``jsika run`` — and what /proc says
about them (CPU seconds, peak memory), so each benchmark reads the bot's own figures, not the driver's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _die_with_parent() -> None:
    """Runs in the child before exec: a benchmark killed half-way must not leave a bot polling (it would hold
    the PostgreSQL poller and leader locks, and the next run would wait for their leases)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def start_sandbox(*, rate_limits: bool = False, token: str | None = None) -> tuple[subprocess.Popen[str], str]:
    """``python -m bot.sandbox`` on a free port; returns the process and its base URL."""
    command = [sys.executable, "-m", "bot.sandbox", "--port", "0"]
    if not rate_limits:
        command.append("--no-rate-limits")
    if token:
        command += ["--token", token]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, preexec_fn=_die_with_parent)
    assert process.stdout is not None
    line = process.stdout.readline()  # "sandbox listening on http://127.0.0.1:PORT (…)"
    if "listening on" not in line:
        process.kill()
        raise RuntimeError(f"sandbox did not start: {line!r}")
    return process, line.split("listening on ", 1)[1].split()[0]


def start_bot(
    db_url: str, sandbox_url: str, token: str, *, workers: int = 1, port: int = 0, reminders: bool = False
) -> subprocess.Popen[bytes]:
    """``jsika run`` exactly as production runs it (polling mode), pointed at the sandbox."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "JSIKA_DATABASE_URL": db_url,
        "TELEGRAM_BOT_TOKEN": token,
        "JSIKA_TELEGRAM_BASE_URL": f"{sandbox_url}/bot",
        "JSIKA_INBOX_POLL_SECONDS": "0.05",
        "JSIKA_REMINDERS_ENABLED": "true" if reminders else "false",
        "JSIKA_LOG_LEVEL": "WARNING",
    }
    if port:
        env["JSIKA_LISTEN_PORT"] = str(port)
    else:
        env["JSIKA_SERVE_HTTP"] = "false"
    env.pop("JSIKA_WEBHOOK_URL", None)
    command = [sys.executable, "-c", "from bot.cli import main; main()", "run", "--workers", str(workers)]
    return subprocess.Popen(command, cwd=ROOT, env=env, preexec_fn=_die_with_parent)


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str] | None, seconds: float = 60) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cpu_seconds(pid: int | str = "self") -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def rss_mb(pid: int) -> float:
    """Resident memory now (VmRSS), in MB; 0 when the process is gone."""
    try:
        return _status_mb(pid, "VmRSS")
    except OSError:
        return 0.0


def peak_rss_mb(pid: int) -> list[float]:
    """Peak resident memory (VmHWM) of a process and its children (a supervisor's workers), in MB."""
    try:
        own = _status_mb(pid, "VmHWM")
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [own] + [mb for child in children for mb in peak_rss_mb(int(child))]


def process_tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its children, from /proc."""
    total = 0.0
    try:
        total += cpu_seconds(pid)
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(process_tree_cpu(int(child)) for child in children)
