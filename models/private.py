"""Files that hold personal data are readable by their owner only (mode 0600), whatever the umask says.

A backup is the whole registry; an import error file repeats the rows it could not load, NIK and all. On a shared
server the usual umask (022) would leave both readable by every account on the machine, so they are created with
0600 from the start — not chmod-ed afterwards, which would leave a moment in which another user could open them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

PRIVATE_MODE = 0o600


def create_private(path: Path) -> None:
    """Make sure ``path`` exists with mode 0600 before a library that opens it by name (openpyxl, sqlite3,
    pg_dump) writes into it: opening an existing file for writing keeps its mode."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_MODE)
    try:
        os.fchmod(fd, PRIVATE_MODE)  # an older file of the same name may have been created readable by others
    finally:
        os.close(fd)


def open_private(path: Path, mode: str = "w", **kwargs: Any) -> IO[Any]:
    """``open(path, mode, …)`` for writing a new file (truncated if it exists) with mode 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    try:
        os.fchmod(fd, PRIVATE_MODE)
        return os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise
