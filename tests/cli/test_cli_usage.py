"""A command typed wrongly is told in two Indonesian lines with exit code 2 — what is wrong, where the help is —
never Typer's four English lines or pydantic's "Input should be…"; the help pages speak Indonesian too."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli_errors import jsika

ENGLISH = ("Usage:", "Try '", "Error:", "Input should", "Missing option", "No such", "Invalid value", "Got unexpected")

CASES = [
    (["nope"], "jsika: perintah nope tidak ada", "jsika"),
    (["sed"], "jsika: perintah sed tidak ada; maksudnya seed?", "jsika"),
    (["user", "add"], "jsika user add: --name wajib diisi", "jsika user add"),
    (["import", "households"], "jsika import households: file wajib diisi", "jsika import households"),
    (["seed", "-n", "abc"], "jsika seed: nilai --households / -n salah: harus bilangan bulat (sekarang: 'abc')", "jsika seed"),
    (["seed", "-n", "0"], "jsika seed: nilai --households / -n salah: paling kecil 1 (sekarang: '0')", "jsika seed"),
    (["remind", "--in-flight", "99"], "jsika remind: nilai --in-flight salah: paling besar 64 (sekarang: '99')", "jsika remind"),
    (
        ["user", "add", "--name", "Siti", "--phone", "0812", "--role", "lurah", "--area", "36"],
        "jsika user add: nilai --role salah: harus salah satu dari 'pendamping', 'koordinator', 'admin' (sekarang: 'lurah')",
        "jsika user add",
    ),
    (["seed", "--househols", "3"], "jsika seed: opsi --househols tidak dikenal; maksudnya --households?", "jsika seed"),
    (["backup", "-o"], "jsika backup: opsi -o perlu nilai", "jsika backup"),
    (["seed", "--append=ya", "-n", "3"], "jsika seed: opsi --append tidak menerima nilai", "jsika seed"),
    (["db", "upgrade", "heads", "lagi"], "jsika db upgrade: argumen berlebih: lagi", "jsika db upgrade"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "problem", "command"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_a_usage_error_is_two_indonesian_lines_and_exit_code_2(
    args: list[str], problem: str, command: str, tmp_path: Path
) -> None:
    result = jsika(args, tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [problem, f"Bantuan: {command} --help"]
    assert not any(word in result.stderr for word in ENGLISH)
    assert list(tmp_path.iterdir()) == []  # nothing ran: no database was created


def test_a_usage_error_follows_jsika_language(tmp_path: Path) -> None:
    result = jsika(["seed", "-n", "abc"], tmp_path, JSIKA_LANGUAGE="en")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "jsika seed: wrong value for --households / -n: must be a whole number (now: 'abc')",
        "Help: jsika seed --help",
    ]


def test_help_pages_use_indonesian_headings_and_notes(tmp_path: Path) -> None:
    result = jsika(["seed", "--help"], tmp_path)
    assert result.returncode == 0
    page = result.stdout
    assert page.startswith("Pemakaian / usage: jsika seed [OPSI]")
    assert "Opsi / options:" in page
    assert "-n, --households <bilangan>" in page
    assert "wajib]" in page and "[bawaan: 1]" in page
    for english in ("Options:", "Usage:", "required]", "[default:", "<int", "Show this message"):
        assert english not in page
    top = jsika(["--help"], tmp_path).stdout
    assert top.startswith("Pemakaian / usage: jsika [OPSI] PERINTAH [ARGUMEN]...")
    assert "Perintah / commands:" in top and "Commands:" not in top
    arguments = jsika(["db", "upgrade", "--help"], tmp_path).stdout
    assert "Argumen / arguments:" in arguments and "[bawaan: heads]" in arguments


def test_a_setting_limit_reads_as_a_person_writes_it(tmp_path: Path) -> None:
    result = jsika(["db", "current"], tmp_path, JSIKA_SEND_RATE_GLOBAL="0")
    assert result.returncode == 2
    assert result.stderr.strip() == "Konfigurasi salah — JSIKA_SEND_RATE_GLOBAL: harus lebih dari 0 (sekarang: '0')"


def test_a_line_of_env_that_cannot_be_read_stops_with_its_line_number(tmp_path: Path) -> None:
    """python-dotenv would skip it with an English warning and run without that setting."""
    (tmp_path / ".env").write_text('JSIKA_LOG_LEVEL=INFO\nTELEGRAM_BOT_TOKEN="123:abc\n', encoding="utf-8")
    result = jsika(["db", "current"], tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "Konfigurasi salah — .env baris 2 tidak bisa dibaca; tulis satu NAMA=nilai per baris (tanda kutip ditutup "
        "di baris yang sama)"
    ]
    assert "123:abc" not in result.stderr and "python-dotenv" not in result.stderr
