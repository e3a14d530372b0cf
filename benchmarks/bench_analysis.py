"""Time ranking, prior/derivative works, content-named clusters and the timeline on GENERATED
corpora (`tests.corpora.generated_corpus`, seeded; no real bibliographic data).

    .venv/bin/python benchmarks/bench_analysis.py [--sizes 1000 5000] [--runs 3] [--out FILE]

Writes its own section of benchmarks/RESULTS.md (between its markers, others kept). Benchmarks
are measurements, not tests: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
sys.path.insert(0, str(ROOT))

import networkx as nx  # noqa: E402

from benchmarks.results import write_section  # noqa: E402
from citegraph.analysis import cluster_table, ranked_works_table  # noqa: E402
from citegraph.layout import timeline_positions  # noqa: E402
from citegraph.ranking import (  # noqa: E402
    author_ranks,
    citation_edges,
    derivative_works,
    find_matches,
    prior_works,
    work_ranks,
)
from citegraph.topics import cluster_terms  # noqa: E402
from citegraph.views import build_view  # noqa: E402
from tests.corpora import generated_corpus  # noqa: E402

BEGIN, END = "<!-- bench_analysis: begin -->", "<!-- bench_analysis: end -->"


def _median(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_size(n: int, runs: int) -> dict[str, float | int]:
    corpus = generated_corpus(n, seed=n)
    corpus.works_by_id, corpus.authors_by_id, corpus.works_of("")  # indexes built once, untimed
    citation = build_view(corpus, "citation")
    coauthors = build_view(corpus, "coauthor")
    work_clusters = {w: c for w, c in citation.nodes(data="cluster")}

    def networkx_pagerank() -> None:
        G = nx.DiGraph()
        G.add_nodes_from(sorted(corpus.works_by_id))
        G.add_edges_from(citation_edges(corpus))
        nx.pagerank(G)

    return {
        "works": n,
        "links": len(corpus.links),
        "work_ranks": _median(lambda: work_ranks(corpus), runs),
        "networkx_pagerank": _median(networkx_pagerank, runs),
        "author_ranks": _median(lambda: author_ranks(corpus, coauthors), runs),
        "prior_derivative": _median(lambda: (prior_works(corpus), derivative_works(corpus)), runs),
        "find": _median(lambda: find_matches(corpus, "test"), runs),
        "ranked_works_table": _median(lambda: ranked_works_table(corpus), runs),
        "cluster_terms": _median(lambda: cluster_terms(corpus, work_clusters), runs),
        "cluster_table_works": _median(
            lambda: cluster_table(corpus, citation, work_clusters), runs
        ),
        "timeline_positions": _median(lambda: timeline_positions(citation), runs),
    }


def section(rows: list[dict[str, Any]], runs: int, argv: list[str]) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    steps = [
        ("work ranks (in-corpus citations + PageRank, sparse power iteration)", "work_ranks"),
        ("the same PageRank with networkx (graph build + `nx.pagerank`), for scale",
         "networkx_pagerank"),
        ("author ranks (co-author graph given)", "author_ranks"),
        ("prior + derivative works", "prior_derivative"),
        ("find (\"test\" matches every title)", "find"),
        ("works table with rank columns", "ranked_works_table"),
        ("c-TF-IDF terms of the citation view's clusters", "cluster_terms"),
        ("cluster table of the citation view (terms, lead, counts)", "cluster_table_works"),
        ("timeline positions", "timeline_positions"),
    ]  # fmt: skip
    head = " | ".join(f"{r['works']:,} works ({r['links']:,} links)" for r in rows)
    lines = [f"| step (median of {runs}, seconds) | {head} |", "|---|" + "---|" * len(rows)]
    for name, key in steps:
        lines.append(f"| {name} | " + " | ".join(f"{r[key]:.3f}" for r in rows) + " |")
    return "\n".join([
        BEGIN,
        "## Analysis — ranking, prior/derivative works, cluster names, timeline "
        "(`bench_analysis.py`)",
        "",
        f"Measured {when} by `benchmarks/bench_analysis.py {' '.join(argv)}` on "
        f"{os.cpu_count()} cores, load average {load} at the start (the machine is shared: "
        f"compare rows, not runs); Python {platform.python_version()}. Corpora: "
        "`tests.corpora.generated_corpus(n, seed=n)` (generated data).",
        "",
        *lines,
        END,
    ])  # fmt: skip


def write_results(text: str, path: Path = RESULTS) -> None:
    """Replace this benchmark's section of RESULTS.md, keeping the other sections."""
    write_section(text, BEGIN, END, path)


def main(argv: list[str] | None = None) -> str:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS, help="the RESULTS.md to update")
    args = parser.parse_args(argv)
    rows = []
    for n in args.sizes:
        print(f"== {n} generated works", flush=True)
        rows.append(bench_size(n, args.runs))
    text = section(rows, args.runs, argv)
    write_results(text, args.out)
    print(text)
    return text


if __name__ == "__main__":
    main()
