"""``bot.logging``'s redaction on its own: what each pattern hides, and that tracebacks and JSON lines get it too
(``tests/e2e/test_log_redaction.py`` runs a whole conversation through it)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from bot.logging import redact, register_secret, setup


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def test_redact_masks_what_the_log_must_not_show() -> None:
    line = (
        "GET /bot7012345678:AAHk9-Zq3Xv_ExampleTokenForLogTest42/getMe nik 3601011204850001 "
        "{'phone_number': '6281234509876'} hp +6281234509876 atau 0812-3450-9876 "
        "postgresql+asyncpg://jsika:sandi-rahasia@db:5432/jsika update 123456789 pada 1764921600"
    )
    shown = redact(line)
    for hidden in ("AAHk9", "1204850001", "81234509876", "3450-9876", "sandi-rahasia"):
        assert hidden not in shown, hidden
    assert "3601************" in shown and "update 123456789 pada 1764921600" in shown


def test_json_lines_redact_the_message_and_the_traceback(
    capsys: pytest.CaptureFixture[str], restore_root: None
) -> None:
    register_secret("rahasia-metrik-77")
    setup("INFO", json_lines=True)
    capsys.readouterr()
    try:
        raise ValueError("kontak +6281298765432 ditolak")
    except ValueError:
        logging.getLogger("jsika.test").exception(
            "gagal untuk NIK %s dengan %s", "3601014107900007", "rahasia-metrik-77"
        )
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["msg"] == "gagal untuk NIK 3601************ dengan <rahasia>"
    assert "ValueError" in line["exc"] and "81298765432" not in line["exc"]
