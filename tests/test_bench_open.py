"""The opening benchmark runs once (untimed, emulator's GENERATED corpus) so it never rots."""

from __future__ import annotations

import importlib
from pathlib import Path


def test_bench_open_runs_and_writes_its_section(tmp_path: Path) -> None:
    bench = importlib.import_module("benchmarks.bench_open")
    out = tmp_path / "RESULTS.md"
    out.write_text("# Benchmark results\n\n## another benchmark's section\n", encoding="utf-8")
    bench.main(["--runs", "1", "--latency-ms", "0", "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    assert text.count(bench.BEGIN) == 1 and "another benchmark's section" in text
    assert "Connection refused" in text and "no answer within the probe's time" in text
    assert "| open from the cache (cache-only crawl, warm cache) |" in text
    bench.main(["--runs", "1", "--latency-ms", "0", "--out", str(out)])  # replaces its section
    assert out.read_text(encoding="utf-8").count(bench.BEGIN) == 1
