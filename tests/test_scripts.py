"""scripts/_setup.sh on a stock Debian Python: uv comes from a private virtual environment, never the system pip."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3")


def fake_uv_wheel(folder: Path, version: str) -> Path:
    """A wheel named like uv's whose only content is a ``uv`` command, so pip installs offline (PIP_NO_INDEX)."""
    folder.mkdir()
    wheel = folder / f"uv-{version}-py3-none-any.whl"
    files = {
        "fake_uv.py": "def main() -> None:\n    print('fake-uv')\n",
        f"uv-{version}.dist-info/entry_points.txt": "[console_scripts]\nuv = fake_uv:main\n",
        f"uv-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: uv\nVersion: {version}\n",
        f"uv-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
            digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
            record.append(f"{name},sha256={digest},{len(text)}")
        record.append(f"uv-{version}.dist-info/RECORD,,")
        archive.writestr(f"uv-{version}.dist-info/RECORD", "\n".join(record) + "\n")
    return folder


@pytest.mark.skipif(
    not (SYSTEM_PYTHON.exists() and list(Path("/usr/lib").glob("python3*/EXTERNALLY-MANAGED"))),
    reason="needs an externally managed system python3 (Debian, Ubuntu)",
)
def test_ensure_uv_installs_into_a_private_venv_with_an_externally_managed_python(tmp_path: Path) -> None:
    version = subprocess.run(
        ["bash", "-c", "source scripts/_setup.sh; echo $UV_VERSION"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(SYSTEM_PYTHON)
    for tool in ("bash", "rm", "dirname", "mkdir", "cat", "env"):
        if found := shutil.which(tool, path="/usr/bin:/bin"):
            (bin_dir / tool).symlink_to(found)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": str(bin_dir),  # no uv anywhere, only Debian's python3
        "HOME": str(home),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(fake_uv_wheel(tmp_path / "wheels", version)),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    refused = subprocess.run(
        [str(bin_dir / "python3"), "-m", "pip", "install", f"uv=={version}"], env=env, capture_output=True, text=True
    )
    assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr  # the premise

    result = subprocess.run(
        [str(bin_dir / "bash"), "-c", "source scripts/_setup.sh && ensure_uv && command -v uv && uv"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    venv = home / ".cache" / "jsika" / "uv-venv"
    assert result.stdout.splitlines() == [str(venv / "bin" / "uv"), "fake-uv"]
    assert not (home / ".local").exists()  # nothing went to pip --user, nothing to the system

    again = subprocess.run(
        [str(bin_dir / "bash"), "-c", "source scripts/_setup.sh && ensure_uv && command -v uv"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert again.stdout.strip() == str(venv / "bin" / "uv") and "memasang" not in again.stderr  # reused


def test_run_script_syncs_like_uv_run_does_not_remove_dev_tools() -> None:
    script = (ROOT / "scripts" / "run.sh").read_text()
    assert "uv sync --frozen --no-dev --inexact" in script  # installs what the bot needs, removes nothing
    assert "uv run --frozen --no-sync" in script
    setup = (ROOT / "scripts" / "_setup.sh").read_text()
    assert setup.count("DPkg::Lock::Timeout=600") == 2  # apt waits for another apt's lock
    assert os.access(ROOT / "scripts" / "run.sh", os.X_OK)
