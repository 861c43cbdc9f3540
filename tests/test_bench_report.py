"""docs/performance.md is built from recorded figures only: a target shows the figure that answers it, met or
not, and a target nobody measured says so instead of showing a number."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import report, results
from bench.results import Figure


@pytest.fixture
def results_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(results, "RESULTS", tmp_path)
    return tmp_path


def test_recorded_figures_answer_their_targets_on_the_page(results_dir: Path, tmp_path: Path) -> None:
    results.record(
        "reminder-planning",
        [Figure("reminder planning, slowest moment", 4.25, "s", target="< 10 s", met=True)],
        scale="province",
        database="postgresql",
        params={"households": 650_000},
        load_before=0.5,
    )
    results.record(
        "memory",
        [Figure("bot process peak RSS", 312, "MB", target="< 300 MB", met=False)],
        scale="province",
        database="postgresql",
    )
    page = report.render(results.load_all())
    planning = next(line for line in page.splitlines() if line.startswith("| Perencanaan pengingat, 650k"))
    assert "4,25 s" in planning and "✅ ya" in planning
    memory = next(line for line in page.splitlines() if line.startswith("| Memori proses bot"))
    assert "312 MB" in memory and "❌ tidak" in memory
    unmeasured = next(line for line in page.splitlines() if line.startswith("| Impor 650k"))
    assert "belum diukur" in unmeasured
    assert "households=650000" in page  # each run shows its parameters and machine


def test_a_newer_run_of_the_same_benchmark_replaces_the_older(results_dir: Path) -> None:
    for value in (9.0, 3.0):
        results.record("reminder-planning", [Figure("x", value, "s")], scale="province", database="postgresql")
    runs = results.load_all()
    assert [run.figures[0].value for run in runs] == [3.0]


def test_scale_names_follow_the_product_brief() -> None:
    assert results.scale_of(650_000) == "province"
    assert results.scale_of(50_000) == "jamsosratu"
    assert results.scale_of(2_000) == "2000-households"


def test_a_benchmark_answering_two_targets_shows_each_figure_on_its_own_row(results_dir: Path) -> None:
    results.record(
        "supervisor-summaries",
        [
            Figure("/ringkasan p95, admin / Banten", 12, "ms", target="< 200 ms", met=True),
            Figure("/tunggakan p95, admin / Banten", 15, "ms", target="< 200 ms", met=True),
        ],
        scale="province",
        database="postgresql",
    )
    results.record(
        "pendamping-list",
        [Figure("pendamping's list (/lapor, /jadwal) p95, 838 households", 97, "ms", target="< 30 ms", met=False)],
        scale="province",
        database="postgresql",
    )
    lines = report.render(results.load_all()).splitlines()
    summary = [line for line in lines if line.startswith("| Ringkasan koordinator")]
    worklist = [line for line in lines if line.startswith("| Daftar kerja pendamping")]
    assert len(summary) == 2 and "/ringkasan" in summary[0] and "/tunggakan" in summary[1] and "✅ ya" in summary[0]
    assert len(worklist) == 1 and "97 ms" in worklist[0] and "❌ tidak" in worklist[0]


def test_a_run_is_credited_to_the_commit_checked_out_when_it_started(
    results_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(results, "_started_at", None)  # restored after the test, like the other patches
    monkeypatch.setattr(results, "_commit", lambda: "aaaaaaa")
    results.started()
    monkeypatch.setattr(results, "_commit", lambda: "bbbbbbb")  # someone commits while the run goes on
    results.record("memory", [Figure("x", 1.0, "MB")], scale="province", database="postgresql")
    assert [run.machine["commit"] for run in results.load_all()] == ["aaaaaaa"]


def test_period_close_figures_answer_both_of_its_targets(results_dir: Path) -> None:
    results.record(
        "period-close",
        [
            Figure("period close, 643,000 households: time", 14.2, "s", target="< 30 s", met=True, ratio=1.4),
            Figure("province list export, 643,000 rows: time", 72.0, "s", target="< 60 s", met=False),
        ],
        scale="province",
        database="postgresql",
    )
    page = report.render(results.load_all()).splitlines()
    close = next(line for line in page if line.startswith("| Tutup periode 650k KK"))
    export = next(line for line in page if line.startswith("| Ekspor daftar penyaluran provinsi"))
    assert "14,2 s" in close and "✅ ya" in close and "72" not in close
    assert "72 s" in export and "❌ tidak" in export
    from bench.__main__ import suite

    assert any(i.bench == "period-close" and "period_close.py" in i.argv for i in suite("province"))
