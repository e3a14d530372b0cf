"""Time graph building, clustering, layout, rendering and export on GENERATED corpora.

The corpora come from `tests.corpora.generated_corpus` (seeded; no real bibliographic data):
N works with up to 8 references each, 5 authors each from a pool of 2N, and a few similar links.
For each size it prints the median of a few runs per step, then times ``networkx.spring_layout``
against `citegraph.layout.compute_layout` on one small co-author graph (spring_layout is O(n²)
and takes ~43 s at 5k nodes here, so it is only run small).

    .venv/bin/python benchmarks/bench_graphs.py [--sizes 500 2000 5000] [--runs 3] [--spring 500]

Benchmarks are measurements, not tests: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from citegraph.analysis import assign_clusters, author_clusters, cluster_table  # noqa: E402
from citegraph.export import export_graph  # noqa: E402
from citegraph.graphs import (  # noqa: E402
    build_citation_graph,
    build_coauthor_graph,
    build_similarity_graph,
    filter_corpus,
)
from citegraph.layout import compute_layout  # noqa: E402
from citegraph.render import picture, render_html  # noqa: E402
from tests.corpora import generated_corpus  # noqa: E402


def _median(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench_size(n: int, runs: int) -> list[tuple[str, str, float, str]]:
    corpus = generated_corpus(n, seed=n)
    rows = []

    def row(graph: str, step: str, fn: Callable[[], Any], note: Callable[[Any], str] = str):
        seconds, result = _median(fn, runs)
        rows.append((graph, step, seconds, note(result) if result is not None else ""))
        return result

    row("corpus", "filter (years)", lambda: filter_corpus(corpus, year_from=2005),
        lambda c: f"{len(c.works)} works")  # fmt: skip
    # The full similarity graph is dense (159k edges at 2k works); only its build is timed. The
    # graph that is clustered, drawn and exported keeps the 20k heaviest edges.
    row("sim. (all)", "build", lambda: build_similarity_graph(corpus), _size)
    graphs = {
        "citation": row("citation", "build", lambda: build_citation_graph(corpus), _size),
        "similarity": row(
            "similarity",
            "build top 20k",
            lambda: build_similarity_graph(corpus, max_edges=20_000),
            _size,
        ),  # fmt: skip
        "coauthor": row("coauthor", "build", lambda: build_coauthor_graph(corpus), _size),
    }
    for name, G in graphs.items():
        clusters = row(name, "louvain", lambda G=G: author_clusters(G),
                       lambda c: f"{len(set(c.values()))} clusters")  # fmt: skip
        row(name, "leiden", lambda G=G: author_clusters(G, method="leiden"),
            lambda c: f"{len(set(c.values()))} clusters")  # fmt: skip
        assign_clusters(G, clusters)
        if name == "coauthor":
            row(name, "cluster_table", lambda G=G, c=clusters: cluster_table(corpus, G, c),
                lambda t: f"{len(t)} rows")  # fmt: skip
        pos = row(name, "layout", lambda G=G: compute_layout(G), lambda p: f"{len(p)} nodes")
        row(name, "render", lambda G=G, p=pos: render_html(G, positions=p),
            lambda h: f"{len(h) / 2**20:.1f} MiB")  # fmt: skip
        pic = picture(G, positions=pos)  # the files carry the picture drawn on the page
        for fmt in ("gexf", "graphml", "cyjs", "json", "csv", "vosviewer"):
            row(name, f"export {fmt}", lambda G=G, f=fmt, p=pic: export_graph(G, f, picture=p),
                lambda b: f"{len(b) / 2**20:.2f} MiB")  # fmt: skip
    return rows


def bench_spring(n: int) -> tuple[int, float, float]:
    # Below 500 nodes spring_layout uses its dense numpy code; above it needs scipy, which the
    # project does not install. Compare on a citation graph of n < 500 works.
    G = build_citation_graph(generated_corpus(min(n, 499), seed=1))
    start = time.perf_counter()
    nx.spring_layout(G, seed=1, iterations=50)
    spring = time.perf_counter() - start
    start = time.perf_counter()
    compute_layout(G, seed=1)
    ours = time.perf_counter() - start
    return G.number_of_nodes(), spring, ours


def _size(G: nx.Graph) -> str:
    return f"{G.number_of_nodes()} nodes, {G.number_of_edges()} edges"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--spring", type=int, default=499, help="works for the spring_layout run")
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, networkx {nx.__version__}, runs={args.runs}")
    for n in args.sizes:
        print(f"\n== {n} generated works ==")
        print(f"{'graph':<11} {'step':<15} {'median s':>9}  result")
        for graph, step, seconds, note in bench_size(n, args.runs):
            print(f"{graph:<11} {step:<15} {seconds:>9.3f}  {note}")
    nodes, spring, ours = bench_spring(args.spring)
    print(f"\n== layout on a citation graph of {nodes} nodes ==")
    print(f"networkx spring_layout(iterations=50): {spring:.2f} s")
    print(f"citegraph compute_layout (igraph FR):  {ours:.2f} s  ({spring / ours:.0f}x faster)")


if __name__ == "__main__":
    main()
