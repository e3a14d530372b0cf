"""The scale benchmark runs (on a tiny generated corpus, untimed) so the script never rots."""

from __future__ import annotations

import importlib
from pathlib import Path

from citegraph.analysis import author_clusters
from citegraph.graphs import build_coauthor_graph, build_similarity_graph


def _bench():
    module = importlib.import_module("benchmarks.bench_scale")
    return module


def test_bench_scale_runs_and_writes_its_section(tmp_path: Path) -> None:
    bench = _bench()
    out = tmp_path / "RESULTS.md"
    out.write_text("# Benchmark results\n\n## another benchmark's section\n", encoding="utf-8")
    bench.main(["--sizes", "30", "40", "--runs", "1", "--baseline-upto", "30",
                "--spring-upto", "30", "--out", str(out)])  # fmt: skip
    text = out.read_text(encoding="utf-8")
    assert text.count(bench.BEGIN) == 1 and "another benchmark's section" in text
    assert "| 30 works | 40 works |" in text
    assert "not run" in text  # 40 works: past --baseline-upto and --spring-upto
    assert "; yes |" in text  # the similarity graph is identical to the baseline's
    assert "nproc" in text and "scipy" in text
    bench.write_results(f"{bench.BEGIN}\nnew\n{bench.END}", out)  # replaces only its section
    again = out.read_text(encoding="utf-8")
    assert again.startswith(text.split(bench.BEGIN)[0] + bench.BEGIN)
    assert "\nnew\n" in again and "| 30 works |" not in again


def test_baseline_and_library_agree_on_a_generated_corpus() -> None:
    # The previous implementations, kept in the benchmark as its baseline, are also the
    # reference here: the same similarity graph edge by edge (with a cut through tied weights),
    # and Louvain clusters that are a partition of the same nodes.
    bench = _bench()
    corpus = bench.make_corpus(120)
    for options in ({}, {"max_edges": 150}, {"min_weight": 2, "max_edges": 40}):
        assert bench.same_graph(
            bench.baseline_similarity_graph(corpus, **options),
            build_similarity_graph(corpus, **options),
        )
    G = build_coauthor_graph(corpus)
    assert set(bench.baseline_clusters(G)) == set(author_clusters(G)) == set(G)
