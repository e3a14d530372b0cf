"""The P1 crawl benchmark runs (once, on the emulator's GENERATED corpus, untimed) so the script
and its naive baseline never rot."""

from __future__ import annotations

import importlib
from pathlib import Path


def _bench():  # type: ignore[no-untyped-def]
    module = importlib.import_module("benchmarks.bench_collect")
    return module


def test_bench_collect_runs_and_writes_its_section(tmp_path: Path) -> None:
    bench = _bench()
    out = tmp_path / "RESULTS.md"
    out.write_text("# Benchmark results\n\n## another benchmark's section\n", encoding="utf-8")
    argv = ["--runs", "1", "--latency-ms", "0", "--modes", "key", "--naive-limit", "2"]
    bench.main([*argv, "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    assert text.count(bench.BEGIN) == 1 and "another benchmark's section" in text
    assert "| requests: PubMed / iCite / OpenAlex | 4 / 2 / 6 |" in text
    assert "× floor" in text and "naive client" in text
    assert "| same requests and works in every run, both ways | yes |" in text
    bench.write_results(f"{bench.BEGIN}\nnew\n{bench.END}", out)  # replaces only its section
    again = out.read_text(encoding="utf-8")
    assert "\nnew\n" in again and "× floor" not in again and "another benchmark's" in again


def test_the_floor_is_the_slower_of_rate_and_dependencies() -> None:
    floors = _bench().floors
    no_key = floors({"pubmed": 4, "icite": 2, "openalex": 6}, False, 0.3)
    key = floors({"pubmed": 4, "icite": 2, "openalex": 6}, True, 0.3)
    assert round(no_key["floor"], 2) == 1.63  # PubMed's 4 requests at 3/s, then one answer
    assert round(key["floor"], 2) == 1.2  # four dependent requests of 0.3 s each
