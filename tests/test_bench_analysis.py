"""The analysis benchmark runs (on a tiny generated corpus, untimed) so the script never rots."""

from __future__ import annotations

import importlib
from pathlib import Path


def test_bench_analysis_runs_and_writes_only_its_section(tmp_path: Path) -> None:
    bench = importlib.import_module("benchmarks.bench_analysis")
    out = tmp_path / "RESULTS.md"
    out.write_text("# Benchmark results\n\n## another benchmark's section\n", encoding="utf-8")
    bench.main(["--sizes", "40", "--runs", "1", "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    assert text.count(bench.BEGIN) == 1 and "another benchmark's section" in text
    assert "| 40 works (" in text and "timeline positions" in text
    bench.main(["--sizes", "30", "--runs", "1", "--out", str(out)])
    again = out.read_text(encoding="utf-8")
    assert again.count(bench.BEGIN) == 1 and "| 30 works (" in again and "| 40 works" not in again
