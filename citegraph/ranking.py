"""Which works and authors matter most: citation counts, PageRank, prior and derivative works.

Three ranks per work: citations from inside the corpus (in-degree in the citation network),
citations overall (``cited_by_count``, as OpenAlex or iCite count them) and PageRank on the
citation network (a work cited by well-cited works ranks high, as Inciteful's "most important"
list). Per author: works in the corpus, the citations of those works (inside the corpus and
overall) and PageRank on the co-author network (weighted by shared works).

"Prior works" and "derivative works" are Connected Papers' two lists: the works most cited by the
corpus's works (also those outside the corpus, from the ``references`` links), and the works that
cite most of the corpus's works. Every result is ordered by score, then by id, so ties never
depend on the order of the tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

from citegraph import check_option
from citegraph.graphs import first_authors, work_label
from citegraph.model import Corpus, is_missing, text_or_empty

#: What node size (and the ranked tables) can follow; the first is the default.
RANKS = {
    "citations": "Citations inside this corpus",
    "global": "Citations overall (OpenAlex / iCite count)",
    "pagerank": "PageRank (citation network; co-author network for authors)",
    "works": "Works in this corpus (authors; works are drawn the same size)",
}
#: The node attribute each rank sets (see `assign_ranks`).
RANK_ATTRIBUTES = {
    "citations": "citations",
    "global": "cited_by_count",
    "pagerank": "pagerank",
    "works": "works",
}


def check_rank(rank: str) -> str:
    """``rank`` when it is one of `RANKS`, else `citegraph.OptionError` naming the choices.

    Examples
    --------
    >>> check_rank("pagerank")
    'pagerank'
    >>> check_rank("degree")
    Traceback (most recent call last):
    ...
    citegraph.OptionError: Unknown rank 'degree'. Choose one of: citations, global, pagerank, works.
    """
    return check_option(rank, RANKS, what="rank")


def citation_edges(corpus: Corpus) -> list[tuple[str, str]]:
    """The distinct (citing, cited) pairs between works of the corpus, sorted.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "a"}, {"id": "b"}], links=[
    ...     {"source": "a", "target": "b", "kind": "references"},
    ...     {"source": "a", "target": "b", "kind": "references"},
    ...     {"source": "a", "target": "x", "kind": "references"}])
    >>> citation_edges(c)
    [('a', 'b')]
    """
    return sorted(set(_citation_pairs(corpus, corpus.works_by_id)))


def work_ranks(corpus: Corpus) -> pd.DataFrame:
    """One row per work with its three ranks, in the order of ``corpus.works``.

    Columns: ``id``, ``citations`` (citing works inside the corpus), ``cited_by_count``
    (overall; missing when no source gave it) and ``pagerank`` (on the citation network,
    damping 0.85; the values of a corpus sum to 1).

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "a", "cited_by_count": 7}, {"id": "b"}, {"id": "c"}],
    ...     links=[{"source": s, "target": t, "kind": "references"}
    ...            for s, t in [("a", "b"), ("c", "b"), ("b", "c")]])
    >>> r = work_ranks(c)
    >>> r["citations"].tolist(), r["cited_by_count"].tolist()
    ([0, 2, 1], [7, <NA>, <NA>])
    >>> r.sort_values("pagerank", ascending=False)["id"].tolist()
    ['b', 'c', 'a']
    """
    ids = [str(w) for w in corpus.works["id"]]
    cited, rank = _work_scores(corpus)
    return pd.DataFrame(
        {
            # object, not pandas' str dtype: ids from a source may hold lone surrogates.
            "id": pd.Series(ids, dtype=object),
            "citations": pd.array([cited.get(w, 0) for w in ids], dtype="Int64"),
            "cited_by_count": pd.array(
                [None if is_missing(v) else int(v) for v in corpus.works["cited_by_count"]],
                dtype="Int64",
            ),
            "pagerank": [rank.get(w, 0.0) for w in ids],
        }
    )


def author_ranks(corpus: Corpus, coauthors: nx.Graph | None = None) -> pd.DataFrame:
    """One row per author with at least one work: works, citations and PageRank.

    Columns: ``id``, ``works`` (in the corpus), ``citations`` (citations inside the corpus of
    those works, summed), ``cited_by_count`` (their overall citations, summed over the works
    that have a count) and ``pagerank`` on ``coauthors`` (edge ``weight`` = shared works; built
    with `citegraph.graphs.build_coauthor_graph` when not given). Sorted by works, then
    citations, then id.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "w1", "cited_by_count": 3}, {"id": "w2"}],
    ...     authorships=[{"work_id": "w1", "author_id": "x"}, {"work_id": "w2", "author_id": "x"},
    ...                  {"work_id": "w2", "author_id": "y"}],
    ...     links=[{"source": "w2", "target": "w1", "kind": "references"}])
    >>> author_ranks(c)[["id", "works", "citations", "cited_by_count"]].values.tolist()
    [['x', 2, 1, 3], ['y', 1, 0, 0]]
    """
    from citegraph.graphs import build_coauthor_graph

    works = corpus.works_by_id
    cited, _ = _work_scores(corpus, pagerank=False)
    overall = {w: int(r["cited_by_count"]) for w, r in works.items()
               if not is_missing(r["cited_by_count"])}  # fmt: skip
    if coauthors is None:
        coauthors = build_coauthor_graph(corpus)
    rank = _graph_pagerank(coauthors)
    rows = []
    for aid in {str(a) for a in corpus.authorships["author_id"]}:
        wids = [w for w in corpus.works_of(aid) if w in works]
        rows.append((
            aid,
            len(wids),
            sum(cited.get(w, 0) for w in wids),
            sum(overall.get(w, 0) for w in wids),
            rank.get(aid, 0.0),
        ))  # fmt: skip
    rows.sort(key=lambda r: (-r[1], -r[2], r[0]))
    names = ["id", "works", "citations", "cited_by_count", "pagerank"]
    # Built column by column, ids as object: pandas' str dtype rejects the lone surrogates a
    # source's name can hold.
    return pd.DataFrame(
        {k: pd.Series([r[i] for r in rows], dtype=object if k == "id" else None)
         for i, k in enumerate(names)}
    )  # fmt: skip


def assign_ranks(G: nx.Graph, corpus: Corpus) -> None:
    """Set the rank attributes of `RANK_ATTRIBUTES` on every node of a view's graph.

    Work nodes get ``citations`` and ``pagerank`` (``cited_by_count`` is already there when
    known); author nodes get ``citations``, ``cited_by_count`` and ``pagerank`` (PageRank on
    ``G`` itself, the co-author network; ``works`` is already there). All are plain scalars, so
    graph files carry them.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "a"}, {"id": "b"}],
    ...                      links=[{"source": "a", "target": "b", "kind": "references"}])
    >>> G = nx.DiGraph([("a", "b")])
    >>> assign_ranks(G, c)
    >>> G.nodes["b"]["citations"], G.nodes["b"]["pagerank"] > G.nodes["a"]["pagerank"]
    (1, True)
    """
    works = corpus.works_by_id
    if all(str(n) in works for n in G):
        cited, rank = _work_scores(corpus)
        for node, data in G.nodes(data=True):
            data["citations"] = int(cited.get(str(node), 0))
            data["pagerank"] = round(float(rank.get(str(node), 0.0)), 8)
        return
    table = author_ranks(corpus, G)
    scores = {
        a: (int(c), int(g), float(p))
        for a, c, g, p in zip(table["id"], table["citations"], table["cited_by_count"],
                              table["pagerank"], strict=True)
    }  # fmt: skip
    for node, data in G.nodes(data=True):
        if str(node) in scores:
            c, g, p = scores[str(node)]
            data["citations"], data["cited_by_count"], data["pagerank"] = c, g, round(p, 8)


def prior_works(corpus: Corpus, *, top: int = 20) -> pd.DataFrame:
    """The works the corpus's works cite most often, also those outside the corpus.

    Columns: ``id``, ``label`` ("FirstAuthor Year" for works of the corpus, else the id),
    ``title``, ``year``, ``cited_by`` (how many of the corpus's works cite it), ``share``
    (that count over the corpus's works that cite anything) and ``in_corpus`` (False also for
    the stub works merge makes from a reference it has no record of). The ``top``
    rows with the highest counts, ties by id; only works cited by at least two of the corpus's
    works count once the corpus has more than one citing work (one reference is no pattern).

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": w, "title": w.upper()} for w in "abc"], links=[
    ...     {"source": s, "target": t, "kind": "references"}
    ...     for s, t in [("a", "x"), ("b", "x"), ("c", "x"), ("a", "c"), ("b", "c"), ("a", "y")]])
    >>> prior_works(c)[["id", "cited_by", "in_corpus"]].values.tolist()
    [['x', 3, False], ['c', 2, True]]
    """
    citers = _references_by(corpus, "target")  # who in the corpus cites each work
    citing = len({s for group in citers.values() for s in group})
    return _listed(corpus, citers, "cited_by", citing, top=top)


def derivative_works(corpus: Corpus, *, top: int = 20) -> pd.DataFrame:
    """The works that cite most of the corpus's works (inside the corpus or not).

    Columns as `prior_works`, with ``cites`` (how many of the corpus's works it cites) in place
    of ``cited_by`` and ``share`` over the corpus's works that are cited at all.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "a"}, {"id": "b"}, {"id": "c"}], links=[
    ...     {"source": s, "target": t, "kind": "references"}
    ...     for s, t in [("z", "a"), ("z", "b"), ("c", "a"), ("c", "b"), ("b", "a")]])
    >>> derivative_works(c)[["id", "cites", "share"]].values.tolist()
    [['c', 2, 1.0], ['z', 2, 1.0]]
    """
    cited = _references_by(corpus, "source")  # which of the corpus's works each one cites
    targets = len({t for group in cited.values() for t in group})
    return _listed(corpus, cited, "cites", targets, top=top)


def _references_by(corpus: Corpus, end: str) -> dict[str, set[str]]:
    """Reference links grouped by their ``end`` ("source" or "target"): for each id there, the
    works of the corpus at the other end (self-references left out)."""
    works = corpus.works_by_id
    refs = corpus.links[corpus.links["kind"] == "references"]
    other = "target" if end == "source" else "source"
    groups: dict[str, set[str]] = defaultdict(set)
    for key, member in zip(refs[end], refs[other], strict=True):
        key, member = str(key), str(member)
        if key != member and member in works:
            groups[key].add(member)
    return groups


def find_matches(corpus: Corpus, query: str, *, limit: int = 20) -> list[tuple[str, str]]:
    """Works and authors whose id, PMID, DOI, title or name contains ``query`` (case-insensitive),
    as ``(id, label)`` pairs: exact id matches first, then works by overall citations, then
    authors by works; at most ``limit``. Labels are plain text (data, never markup).

    Examples
    --------
    >>> c = Corpus.from_rows(
    ...     works=[{"id": "pmid:1", "pmid": "1", "title": "Lupus in children", "year": 2020}],
    ...     authors=[{"id": "orcid:1", "name": "Ann Lupusova", "last_name": "Lupusova"}],
    ...     authorships=[{"work_id": "pmid:1", "author_id": "orcid:1"}])
    >>> find_matches(c, "lupus")
    [('pmid:1', 'Lupusova 2020 — Lupus in children'), ('orcid:1', 'Ann Lupusova (author, 1 work)')]
    >>> find_matches(c, "  ")
    []
    """
    needle = " ".join(str(query).split()).lower()
    if not needle:
        return []
    firsts = first_authors(corpus)
    found: list[tuple[tuple[Any, ...], str, str]] = []
    for wid, row in corpus.works_by_id.items():
        title = text_or_empty(row.get("title"), strip=True)
        fields = [wid, text_or_empty(row.get("pmid")), text_or_empty(row.get("doi")),
                  text_or_empty(row.get("openalex_id")), title]  # fmt: skip
        if not any(needle in f.lower() for f in fields if f):
            continue
        exact = needle in {f.lower() for f in fields[:4] if f}
        year = None if is_missing(row.get("year")) else int(row["year"])
        label = work_label(firsts.get(wid), year, wid)
        cites = row.get("cited_by_count")
        cites = -1 if is_missing(cites) else int(cites)
        found.append(
            ((not exact, 0, -cites, label, wid), wid, f"{label} — {title}" if title else label)
        )
    for aid, row in corpus.authors_by_id.items():
        n = len(corpus.works_of(aid))
        if not n:
            continue
        name = text_or_empty(row.get("name"), strip=True) or aid
        fields = [aid, text_or_empty(row.get("orcid")), text_or_empty(row.get("openalex_id")), name]
        if not any(needle in f.lower() for f in fields if f):
            continue
        exact = needle in {f.lower() for f in fields[:3] if f}
        plural = "work" if n == 1 else "works"
        found.append(((not exact, 1, -n, name, aid), aid, f"{name} (author, {n} {plural})"))
    found.sort(key=lambda item: item[0])
    return [(node, label) for _, node, label in found[: max(int(limit), 0)]]


def _listed(
    corpus: Corpus, groups: dict[str, set[str]], column: str, total: int, *, top: int
) -> pd.DataFrame:
    columns = ["id", "label", "title", "year", column, "share", "in_corpus"]
    works = corpus.works_by_id
    floor = 2 if total > 1 else 1
    ranked = sorted(
        ((node, len(group)) for node, group in groups.items() if len(group) >= floor),
        key=lambda kv: (-kv[1], kv[0]),
    )[: max(int(top), 0)]
    firsts = first_authors(corpus) if ranked else {}
    rows = []
    for node, n in ranked:
        row = works.get(node, {})
        year = None if is_missing(row.get("year")) else int(row["year"])
        rows.append(
            {
                "id": node,
                "label": work_label(firsts.get(node), year, node) if row else node,
                "title": text_or_empty(row.get("title"), strip=True),
                "year": year,
                column: n,
                "share": round(n / total, 3) if total else 0.0,
                "in_corpus": bool(row) and not _is_stub(row),
            }
        )
    df = pd.DataFrame(rows, columns=columns, dtype=object)
    df["year"] = pd.array(df["year"].tolist(), dtype="Int64")
    df[column] = pd.array(df[column].tolist(), dtype="Int64")
    df["in_corpus"] = df["in_corpus"].astype(bool)
    df["share"] = df["share"].astype(float)
    return df


def _is_stub(row: dict[str, Any]) -> bool:
    """A work merge made from a link's endpoint alone: no source, no title, no year."""
    sources = row.get("sources")
    return (
        (sources is None or len(sources) == 0)
        and not text_or_empty(row.get("title"), strip=True)
        and is_missing(row.get("year"))
    )


def _work_scores(
    corpus: Corpus, *, pagerank: bool = True
) -> tuple[dict[str, int], dict[str, float]]:
    """Citations inside the corpus and PageRank on the citation network, by work id."""
    ids = sorted(corpus.works_by_id)
    index = {w: i for i, w in enumerate(ids)}
    edges = {(index[s], index[t]) for s, t in _citation_pairs(corpus, index)}
    cited: dict[str, int] = defaultdict(int)
    for _, t in edges:
        cited[ids[t]] += 1
    if not pagerank:
        return cited, {}
    ordered = sorted(edges)
    scores = _pagerank_arrays(
        len(ids), [e[0] for e in ordered], [e[1] for e in ordered], [1.0] * len(ordered)
    )
    return cited, dict(zip(ids, scores.tolist(), strict=True))


def _citation_pairs(corpus: Corpus, known: Container[str]) -> list[tuple[str, str]]:
    """(citing, cited) of every references link between two ``known`` works, self-links
    left out, duplicates kept."""
    refs = corpus.links[corpus.links["kind"] == "references"]
    return [
        (s, t)
        for s, t in zip(refs["source"].astype(object), refs["target"].astype(object), strict=True)
        if s != t and s in known and t in known
    ]


def _graph_pagerank(G: nx.Graph) -> dict[str, float]:
    """PageRank on ``G`` (edge ``weight``, default 1; an undirected edge counts both ways)."""
    nodes = sorted(str(n) for n in G)
    index = {n: i for i, n in enumerate(nodes)}
    rows, cols, weights = [], [], []
    for u, v, w in sorted((str(u), str(v), float(w if w is not None else 1.0))
                          for u, v, w in G.edges(data="weight")):  # fmt: skip
        if u == v:
            continue
        rows.append(index[u])
        cols.append(index[v])
        weights.append(w)
        if not G.is_directed():
            rows.append(index[v])
            cols.append(index[u])
            weights.append(w)
    scores = _pagerank_arrays(len(nodes), rows, cols, weights)
    return dict(zip(nodes, scores.tolist(), strict=True))


def _pagerank_arrays(
    n: int,
    rows: list[int],
    cols: list[int],
    weights: list[float],
    *,
    alpha: float = 0.85,
    tol: float = 1.0e-10,
    max_iter: int = 200,
) -> np.ndarray:
    """PageRank by power iteration over a sparse matrix, as networkx's ``pagerank`` computes
    it (dangling nodes spread their rank evenly), without building a networkx graph: at 5k
    works that copy cost more than the ranking itself."""
    if n == 0:
        return np.zeros(0)
    A = sparse.csr_array((weights, (rows, cols)), shape=(n, n), dtype=float)
    out = np.asarray(A.sum(axis=1)).ravel()
    dangling = out == 0
    scale = np.divide(1.0, out, out=np.zeros(n), where=~dangling)
    M = sparse.diags_array(scale) @ A
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        last = x
        x = alpha * (x @ M + last[dangling].sum() / n) + (1.0 - alpha) / n
        if np.abs(x - last).sum() < n * tol:
            break
    return x / x.sum()


def ranked(table: pd.DataFrame, rank: str) -> pd.DataFrame:
    """``table`` (with the columns of `work_ranks` or `author_ranks`) sorted by ``rank``,
    highest first, ties by id.

    Examples
    --------
    >>> t = pd.DataFrame({"id": ["a", "b"], "citations": [1, 1], "cited_by_count": [3, 9],
    ...                   "pagerank": [0.5, 0.5], "works": [1, 2]})
    >>> ranked(t, "global")["id"].tolist(), ranked(t, "citations")["id"].tolist()
    (['b', 'a'], ['a', 'b'])
    """
    check_rank(rank)
    col = RANK_ATTRIBUTES[rank]
    if col not in table.columns:
        col = "citations"
    key = table[col].astype("Float64").fillna(-1.0)
    order = table.assign(_k=key).sort_values(["_k", "id"], ascending=[False, True], kind="stable")
    return table.loc[order.index].reset_index(drop=True)
