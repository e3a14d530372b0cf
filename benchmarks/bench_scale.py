"""Clusters and similarity at scale (issue 12, P3), each against its baseline in the same run.

On GENERATED corpora (`tests.corpora.generated_corpus`, ~5 references and ~3 authors per work,
so 10k works give ~50k references and ~30k authorships; no real bibliographic data), the median
of ``--runs`` runs of:

- the similarity graph (top 20k edges, as the page builds it): the previous pure-Python build
  (one Counter entry per pair, a sort of every pair) against `build_similarity_graph` (scipy
  sparse products, top-k on the arrays); the two graphs are compared edge by edge, in order;
- clustering the co-author graph: networkx Louvain over a sorted copy of the graph (the previous
  `author_clusters`) against igraph's ``community_multilevel``, with both modularities;
- clustering the citation and co-author graphs with igraph's Louvain and Leiden (the default);
- the citation graph's layout: networkx ``spring_layout`` (once, up to ``--spring-upto`` works:
  it grows ~n^1.6, 40 s at 3,000) against `compute_layout`;
- the whole of graphs + clusters + layout for the three views (citation, similarity, co-author),
  the previous way and now, and each view alone as the page builds it;
- the peak memory (max RSS) of a fresh process doing the whole once, the previous way and now.

The previous implementations run up to ``--baseline-upto`` works (at 50k they take minutes).

Then writes the table to ``benchmarks/RESULTS.md`` (its own section; other benchmarks may own
other sections) with the machine, versions and date.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_scale.py [--sizes 1000 10000 50000] [--runs 3]
        [--baseline-upto 10000] [--spring-upto 1000]

The previous implementations live only here, as the baseline. Benchmarks are measurements, not
tests: nothing here passes or fails on a timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from importlib.metadata import version
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import write_section  # noqa: E402
from citegraph import graphs  # noqa: E402
from citegraph.analysis import author_clusters  # noqa: E402
from citegraph.graphs import (  # noqa: E402
    _KIND_NAMES,
    _add_work_nodes,
    _filters_text,
    _pair,
    build_citation_graph,
    build_coauthor_graph,
    build_similarity_graph,
)
from citegraph.layout import compute_layout  # noqa: E402
from citegraph.model import Corpus, is_missing  # noqa: E402
from citegraph.views import MAX_SIMILARITY_EDGES  # noqa: E402
from tests.corpora import generated_corpus  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
BEGIN, END = "<!-- bench_scale: begin -->", "<!-- bench_scale: end -->"


# --- the baseline: the implementations this replaced (citegraph at c0f2422) -------------------


def baseline_similarity_graph(
    corpus: Corpus, *, min_weight: float = 1, max_edges: int | None = None
) -> nx.Graph:
    """`build_similarity_graph` as it was: Python sets and Counters, one tuple per pair."""
    G = nx.Graph(name="similarity", filters=_filters_text(corpus))
    _add_work_nodes(G, corpus, local_degree=False)
    in_corpus = set(G)
    seeds = set(corpus.works.loc[corpus.works["is_seed"], "id"])
    links = corpus.links
    cited_by: dict[str, set[str]] = defaultdict(set)
    citers: dict[str, set[str]] = defaultdict(set)
    similar: dict[tuple[str, str], float | None] = {}
    related: set[tuple[str, str]] = set()
    for src, tgt, kind, score in zip(
        links["source"], links["target"], links["kind"], links["score"], strict=True
    ):
        src, tgt = str(src), str(tgt)
        if src == tgt:
            continue
        if kind == "references":
            if tgt in in_corpus and src not in seeds:
                cited_by[src].add(tgt)
            if src in in_corpus and tgt not in seeds:
                citers[tgt].add(src)
        elif kind in ("similar", "related") and src in in_corpus and tgt in in_corpus:
            pair = _pair(src, tgt)
            if kind == "related":
                related.add(pair)
            else:
                old = similar.get(pair)
                new = None if is_missing(score) else float(score)
                similar[pair] = new if old is None else old if new is None else max(old, new)
    cocitation = _count_pairs(cited_by.values())
    coupling = _count_pairs(citers.values())
    edges = []
    for pair in sorted(set(cocitation) | set(coupling) | set(similar) | related):
        cc, cp = cocitation.get(pair, 0), coupling.get(pair, 0)
        sim, rel = int(pair in similar), int(pair in related)
        weight = float(cc + cp + sim + rel)
        if weight < min_weight:
            continue
        attrs: dict[str, Any] = {
            "cocitation": cc,
            "coupling": cp,
            "similar": sim,
            "related": rel,
            "kind": _KIND_NAMES[(cc > 0, cp > 0, sim, rel)],
            "weight": weight,
        }
        if similar.get(pair) is not None:
            attrs["similar_score"] = similar[pair]
        edges.append((pair, attrs))
    if max_edges is not None and len(edges) > max_edges:
        edges.sort(key=lambda e: -e[1]["weight"])
        G.graph["dropped_edges"] = len(edges) - max(int(max_edges), 0)
        edges = edges[: max(int(max_edges), 0)]
    G.add_edges_from((a, b, attrs) for (a, b), attrs in edges)
    return G


def _count_pairs(groups: Iterable[set[str]]) -> dict[tuple[str, str], int]:
    from collections import Counter

    counts: Counter[tuple[str, str]] = Counter()
    for group in groups:
        if len(group) > 1:
            counts.update(combinations(sorted(group), 2))
    return counts


def baseline_clusters(G: nx.Graph, *, seed: int = 42, resolution: float = 1.0) -> dict[str, int]:
    """`author_clusters(method="louvain")` as it was: networkx Louvain over a sorted copy."""
    if G.number_of_nodes() == 0:
        return {}
    H = nx.Graph()
    H.add_nodes_from(sorted(str(n) for n in G))
    edges = []
    for u, v, data in G.edges(data=True):
        u, v = (str(u), str(v)) if str(u) <= str(v) else (str(v), str(u))
        if u == v:
            continue
        w = data.get("weight")
        edges.append((u, v, {} if w is None else {"weight": float(w)}))
    for u, v, data in sorted(edges, key=lambda e: (e[0], e[1])):
        if H.has_edge(u, v) and "weight" in data:
            H.edges[u, v]["weight"] = H.edges[u, v].get("weight", 1.0) + data["weight"]
        else:
            H.add_edge(u, v, **data)
    weighted = any("weight" in d for _, _, d in H.edges(data=True))
    if H.number_of_edges() == 0:
        communities = [{n} for n in H]
    else:
        communities = nx.community.louvain_communities(
            H, weight="weight" if weighted else None, resolution=resolution, seed=seed
        )
    ordered = sorted((sorted(c) for c in communities), key=lambda c: (-len(c), c[0]))
    out = {node: number for number, members in enumerate(ordered, 1) for node in members}
    return {node: out[node] for node in sorted(out)}


def _builders(*, baseline: bool) -> dict[str, Callable[[Corpus], nx.Graph]]:
    """The three views' graph builders, as the page calls them (the previous similarity build
    for the baseline)."""
    similarity = baseline_similarity_graph if baseline else build_similarity_graph
    return {
        "citation": build_citation_graph,
        "similarity": lambda c: similarity(c, max_edges=MAX_SIMILARITY_EDGES),
        "coauthor": build_coauthor_graph,
    }


def pipeline(corpus: Corpus, *, baseline: bool) -> dict[str, int]:
    """Graphs + clusters + layout of the three views, the previous way or now."""
    if not baseline:
        return {name: one_view(corpus, name, fresh=False) for name in _builders(baseline=False)}
    sizes = {}
    for name, build in _builders(baseline=True).items():
        graphs._WORK_NODE_ATTRS.clear()  # each graph computed its work nodes' attributes itself
        G = build(corpus)
        # as views.build_view did: an undirected deep copy of the citation graph
        clusters = baseline_clusters(G.to_undirected() if G.is_directed() else G)
        compute_layout(G, niter=500)  # 500 iterations at every size
        sizes[name] = len(set(clusters.values()))
    return sizes


def one_view(corpus: Corpus, view: str, *, fresh: bool = True) -> int:
    """What the page builds for the view on screen: its graph, clusters and layout. ``fresh``:
    the work nodes' attributes not yet computed for this corpus (as on a first view)."""
    if fresh:
        graphs._WORK_NODE_ATTRS.clear()
    G = _builders(baseline=False)[view](corpus)
    clusters = author_clusters(G)
    compute_layout(G)
    return len(set(clusters.values()))


# --- measuring ---------------------------------------------------------------------------------


def make_corpus(n: int) -> Corpus:
    return generated_corpus(n, seed=n, refs_per_work=5, authors_per_work=3)


def _median(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def same_graph(A: nx.Graph, B: nx.Graph) -> bool:
    """Same nodes, same edges with the same attributes in the same order, same graph data."""
    return (
        list(A.nodes(data=True)) == list(B.nodes(data=True))
        and list(A.edges(data=True)) == list(B.edges(data=True))
        and A.graph == B.graph
    )


def _modularity(G: nx.Graph, clusters: dict[str, int]) -> float:
    groups: dict[int, set[str]] = defaultdict(set)
    for node, k in clusters.items():
        groups[k].add(node)
    return nx.community.modularity(G, list(groups.values()), weight="weight")


def peak_memory(n: int, which: str) -> dict[str, float]:
    """Max RSS of a fresh process that builds the corpus, then runs the pipeline once."""
    out = subprocess.run(
        [sys.executable, __file__, "--peak", which, str(n)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _peak_child(which: str, n: int) -> None:
    corpus = make_corpus(n)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pipeline(corpus, baseline=which == "baseline")
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"corpus_mib": before, "peak_mib": after}))


def bench_size(n: int, runs: int, *, baseline: bool = True, spring: bool = False) -> dict[str, Any]:
    """One corpus size. ``baseline``: also the previous implementations (slow at 50k);
    ``spring``: also networkx ``spring_layout`` on the citation graph, once (40 s at 3,000)."""
    corpus = make_corpus(n)
    row: dict[str, Any] = {
        "works": len(corpus.works),
        "refs": int((corpus.links["kind"] == "references").sum()),
        "authorships": len(corpus.authorships),
        "authors": len(corpus.authors),
    }
    k = MAX_SIMILARITY_EDGES
    row["sim_new"], new = _median(lambda: build_similarity_graph(corpus, max_edges=k), runs)
    row["sim_edges"] = new.number_of_edges()
    row["sim_dropped"] = new.graph.get("dropped_edges", 0)
    G = build_coauthor_graph(corpus)
    row["coauthor_size"] = (G.number_of_nodes(), G.number_of_edges())
    row["louvain_new"], new_c = _median(lambda: author_clusters(G, method="louvain"), runs)
    row["q_new"], row["clusters_new"] = _modularity(G, new_c), len(set(new_c.values()))
    if baseline:
        row["sim_old"], old = _median(
            lambda: baseline_similarity_graph(corpus, max_edges=k), runs
        )
        row["sim_same"] = same_graph(old, new)
        row["louvain_old"], old_c = _median(lambda: baseline_clusters(G), runs)
        row["q_old"], row["clusters_old"] = _modularity(G, old_c), len(set(old_c.values()))
    # Leiden, the default since it was measured here: per view, igraph Louvain against it.
    C = build_citation_graph(corpus)
    for view, graph in (("coauthor", G), ("citation", C)):
        U = graph.to_undirected() if graph.is_directed() else graph
        for method in ("louvain", "leiden"):
            took, parts = _median(lambda g=graph, m=method: author_clusters(g, method=m), runs)
            row[f"{view}_{method}"] = (took, _modularity(U, parts), len(set(parts.values())))
    row["one_view"] = {
        name: _median(lambda v=name: one_view(corpus, v), runs)[0]
        for name in ("citation", "similarity", "coauthor")
    }
    row["layout_now"], _ = _median(lambda: compute_layout(C), runs)
    if spring:
        row["spring"], _ = _median(lambda: nx.spring_layout(C, seed=42), 1)
    row["total_new"], _ = _median(lambda: pipeline(corpus, baseline=False), runs)
    row["mem_new"] = peak_memory(n, "new")
    if baseline:
        row["total_old"], _ = _median(lambda: pipeline(corpus, baseline=True), runs)
        row["mem_old"] = peak_memory(n, "baseline")
    return row


def machine() -> str:
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB RAM"
    except OSError:
        pass
    libs = ", ".join(
        f"{p} {version(p)}" for p in ("networkx", "igraph", "scipy", "numpy", "pandas")
    )
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores (nproc), {mem}, {platform.machine()}, load average {load} "
        f"at the start (the machine is shared); Python {platform.python_version()}, {libs}"
    )


def table(rows: list[dict[str, Any]], runs: int) -> str:
    def ratio(old: float | None, new: float) -> str:
        return "–" if old is None or new <= 0 else f"{old / new:.1f}×"

    def cell(r: dict[str, Any], key: str, fmt: Callable[[Any], str]) -> str:
        return fmt(r[key]) if key in r else "not run"

    sizes = " | ".join(f"{r['works']:,} works" for r in rows)
    lines = [
        f"| step (median of {runs}, seconds) | {sizes} |",
        "|---|" + "---|" * len(rows),
    ]

    def add(name: str, cells: Iterable[str]) -> None:
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    add("corpus: references / authorships / authors",
        (f"{r['refs']:,} / {r['authorships']:,} / {r['authors']:,}" for r in rows))  # fmt: skip
    add(f"similarity graph, top {MAX_SIMILARITY_EDGES:,} edges: baseline (Python pairs)",
        (cell(r, "sim_old", lambda v: f"{v:.2f}") for r in rows))  # fmt: skip
    add("similarity graph: now (scipy sparse, top-k on arrays)",
        (f"{r['sim_new']:.2f} ({ratio(r.get('sim_old'), r['sim_new'])} faster)" for r in rows))  # fmt: skip
    add("similarity graph: edges kept / dropped; identical to baseline",
        (f"{r['sim_edges']:,} / {r['sim_dropped']:,}; "
         + cell(r, "sim_same", lambda v: "yes" if v else "NO") for r in rows))  # fmt: skip
    add("co-author Louvain: baseline (networkx, sorted copy)",
        (cell(r, "louvain_old", lambda v, r=r: f"{v:.2f} (Q {r['q_old']:.4f}, "
              f"{r['clusters_old']} clusters)") for r in rows))  # fmt: skip
    add("co-author Louvain: now (igraph multilevel)",
        (f"{r['louvain_new']:.2f} (Q {r['q_new']:.4f}, {r['clusters_new']} clusters; "
         f"{ratio(r.get('louvain_old'), r['louvain_new'])} faster)" for r in rows))  # fmt: skip
    for view in ("citation", "coauthor"):
        add(f"{view} clusters: igraph Louvain / Leiden, 2 passes (the default)",
            (f"{r[f'{view}_louvain'][0]:.2f} (Q {r[f'{view}_louvain'][1]:.4f}) / "
             f"{r[f'{view}_leiden'][0]:.2f} (Q {r[f'{view}_leiden'][1]:.4f})" for r in rows))  # fmt: skip
    add("co-author graph (nodes / edges)",
        (f"{r['coauthor_size'][0]:,} / {r['coauthor_size'][1]:,}" for r in rows))  # fmt: skip
    add("citation layout: networkx `spring_layout` (one run) / `compute_layout` (now)",
        (cell(r, "spring", lambda v: f"{v:.2f}") + f" / {r['layout_now']:.2f}"
         for r in rows))  # fmt: skip
    add("graphs + clusters + layout, 3 views: baseline",
        (cell(r, "total_old", lambda v: f"{v:.2f}") for r in rows))  # fmt: skip
    add("graphs + clusters + layout, 3 views: now",
        (f"{r['total_new']:.2f} ({ratio(r.get('total_old'), r['total_new'])} faster)"
         for r in rows))  # fmt: skip
    add("one view, as the page builds it: citation / similarity / co-author",
        (" / ".join(f"{r['one_view'][v]:.2f}" for v in ("citation", "similarity", "coauthor"))
         for r in rows))  # fmt: skip
    add("peak memory: max RSS of the process, MiB (while building the corpus): baseline",
        (cell(r, "mem_old", lambda m: f"{m['peak_mib']:.0f} ({m['corpus_mib']:.0f})")
         for r in rows))  # fmt: skip
    add("peak memory: max RSS of the process, MiB (while building the corpus): now",
        (f"{r['mem_new']['peak_mib']:.0f} ({r['mem_new']['corpus_mib']:.0f})" for r in rows))  # fmt: skip
    return "\n".join(lines)


def section(rows: list[dict[str, Any]], runs: int, argv: list[str]) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join([
        BEGIN,
        "## P3 — clusters and similarity at scale (`bench_scale.py`)",
        "",
        f"Measured {when} by `benchmarks/bench_scale.py {' '.join(argv)}`.",
        f"Machine: {machine()}.",
        "Corpora: `tests.corpora.generated_corpus(n, seed=n, refs_per_work=5, "
        "authors_per_work=3)` (generated data). Baseline: the previous implementations, kept in "
        "the script and run in the same process, same corpus.",
        "",
        table(rows, runs),
        "",
        "The columns differ by the similarity build, the clustering, the layout's iterations "
        "above 2,000 nodes (baseline 500 at every size, now 200: `citegraph.layout.LARGE_GRAPH`) "
        "and the work nodes' attributes (baseline: computed for each graph; now once per "
        "corpus); both use the current citation and co-author builders. Peak memory is measured in a fresh process per column; when the "
        "two numbers are equal, generating the corpus, not the pipeline, set the peak "
        "(tracemalloc was tried and makes networkx Louvain too slow to finish).",
        END,
    ])  # fmt: skip


def write_results(text: str, path: Path = RESULTS) -> None:
    """Replace this benchmark's section of RESULTS.md, keeping the other sections."""
    write_section(text, BEGIN, END, path)


def main(argv: list[str] | None = None) -> str:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-upto", type=int, default=10000, metavar="N",
                        help="run the previous implementations only up to N works")
    parser.add_argument("--spring-upto", type=int, default=1000, metavar="N",
                        help="run networkx spring_layout only up to N works (40 s at 3,000)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="the RESULTS.md to update")
    parser.add_argument("--peak", nargs=2, metavar=("WHICH", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.peak:
        _peak_child(args.peak[0], int(args.peak[1]))
        return ""
    rows = []
    for n in args.sizes:
        print(f"== {n} generated works", flush=True)
        rows.append(bench_size(n, args.runs, baseline=n <= args.baseline_upto,
                               spring=n <= args.spring_upto))  # fmt: skip
        print(json.dumps(rows[-1]), flush=True)  # each size as soon as it is measured
    text = section(rows, args.runs, argv)
    write_results(text, args.out)
    print(text)
    return text


if __name__ == "__main__":
    main()
