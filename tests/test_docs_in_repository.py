"""The design lives in this repository: no file may point at documents a clone does not have."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Built from parts so this file does not match its own pattern.
OUTSIDE = re.compile(
    "|".join(re.escape(name + ".md") for name in ("DESIGN", "PRODUCT", "STYLE")) + r"|\.\./" + "shared"
)


def _tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / name for name in listed.decode().split("\0") if name]


def test_no_file_refers_to_documents_outside_the_repository() -> None:
    offenders = []
    for path in _tracked_files():
        if not path.is_file() or path.suffix in {".png", ".mo", ".ico", ".woff2"}:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in OUTSIDE.finditer(text)]
    assert offenders == []


def test_design_pages_cited_by_the_code_exist() -> None:
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    numbers = {int(n) for n in re.findall(r"^## (\d+)\. ", design, flags=re.MULTILINE)}
    cited = set()
    for path in _tracked_files():
        if path.suffix in {".py", ".md"} and path.is_file():
            cited |= {int(n) for n in re.findall(r"decision (\d+) in `?docs/design\.md", path.read_text("utf-8"))}
    assert cited and cited <= numbers
    assert (ROOT / "docs" / "glossary.md").is_file()


def test_the_demo_guide_offers_the_report_and_schedule_as_working() -> None:
    demo = (ROOT / "docs" / "demo.md").read_text(encoding="utf-8")
    assert "`/lapor`" in demo and "`/jadwal`" in demo
    assert not re.search(r"being built|sedang (dibuat|dibangun|dikerjakan)|belum (siap|tersedia)", demo)
