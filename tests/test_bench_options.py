"""The page-options benchmark runs (on a tiny generated corpus, untimed) so the script never
rots."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from tests.conftest import ROOT


def test_bench_options_runs_and_writes_its_section(tmp_path: Path) -> None:
    bench = importlib.import_module("benchmarks.bench_options")
    out = tmp_path / "RESULTS.md"
    out.write_text("# Benchmark results\n\n## another benchmark's section\n", encoding="utf-8")
    bench.main(["--works", "40", "--runs", "1", "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    assert text.count(bench.BEGIN) == 1 and "another benchmark's section" in text
    # (the baseline, an older app.py run against today's library, may stop running one day:
    # the section then says so instead of failing)
    assert "| citation view |" in text
    assert re.search(r"building all \d+ download files", text)
    assert not list(ROOT.glob("_bench_options_baseline_*.py"))  # the baseline copy is gone
