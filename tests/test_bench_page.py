"""The page benchmark runs (tiny generated corpora, one visit each, untimed) so it never rots."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.apprunner import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium"),
]


def test_bench_page_runs_and_writes_its_section(tmp_path: Path) -> None:
    bench = importlib.import_module("benchmarks.bench_page")
    out = tmp_path / "RESULTS.md"
    out.write_text("# Benchmark results\n\n## another benchmark's section\n", encoding="utf-8")
    bench.main(["--works", "30", "--p4-works", "40", "--runs", "1", "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    assert text.count(bench.BEGIN) == 1 and "another benchmark's section" in text
    assert "| P2 filter change (year +1) → redrawn canvas |" in text
    assert "| P4 navigation → 40 nodes drawn and still |" in text
