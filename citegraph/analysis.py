"""Communities and summary tables: author clusters, institutions, works and authors tables.

Clustering is deterministic: the same graph and seed give the same clusters, numbered 1, 2, …
from the largest down, whatever order the graph's nodes were added in. Clusters smaller than
`MIN_CLUSTER_SIZE` are pooled as cluster 0, "other" (`merge_small_clusters`). A cluster is named
by what it is about: its distinctive terms (`citegraph.topics`), and for authors also their most
frequent institution and country.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import networkx as nx
import pandas as pd

from citegraph import check_option
from citegraph.affiliations import dedupe_affiliations, institution_names
from citegraph.journals import journal_index
from citegraph.layout import seeded_igraph
from citegraph.model import Corpus, is_missing, text_or_empty
from citegraph.names import PersonName, parse_name
from citegraph.ranking import work_ranks
from citegraph.topics import cluster_terms, label_from_terms

CLUSTER_METHODS = ("leiden", "louvain")
#: Clusters with fewer nodes than this are pooled as cluster 0, "other".
MIN_CLUSTER_SIZE = 3
#: Terms in a cluster's name.
LABEL_TERMS = 3


def author_clusters(
    G: nx.Graph, *, seed: int = 42, resolution: float = 1.0, method: str = "leiden"
) -> dict[str, int]:
    """Communities of ``G`` as ``{node: cluster}``, clusters numbered 1.. by size (largest first).

    ``method="leiden"`` (the default) uses igraph's ``community_leiden`` with the modularity
    objective, two passes (Traag et al. 2019: communities are guaranteed connected, and here it
    reaches a higher modularity than Louvain in less time); ``method="louvain"`` uses igraph's
    ``community_multilevel`` (19x faster than networkx's at 10k works, with the same
    modularity); any other method raises
    `citegraph.OptionError`. Both use the edge attribute ``weight`` when edges have one. A
    directed graph is clustered as undirected (the weights of both directions add up); self
    loops are ignored. Isolated nodes each form a cluster of their own. Ties in size are broken
    by the smallest node id, so numbering is stable; the clusters depend only on the graph and
    ``seed``, not on the order its nodes and edges were added in.

    Examples
    --------
    >>> G = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("x", "y")])
    >>> G.add_node("z")
    >>> author_clusters(G)
    {'a': 1, 'b': 1, 'c': 1, 'x': 2, 'y': 2, 'z': 3}
    """
    check_option(method, CLUSTER_METHODS, what="clustering method")
    if G.number_of_nodes() == 0:
        return {}
    nodes, edges, weights = _canonical_edges(G)
    if not edges:
        parts: list[list[int]] = [[i] for i in range(len(nodes))]
    else:
        parts = _igraph_communities(
            len(nodes), edges, weights, method=method, seed=seed, resolution=resolution
        )
    # Node indices follow sorted ids, so a part's smallest index is its smallest id.
    ordered = sorted((sorted(p) for p in parts if p), key=lambda p: (-len(p), p[0]))
    number = [0] * len(nodes)
    for k, members in enumerate(ordered, 1):
        for i in members:
            number[i] = k
    return dict(zip(nodes, number, strict=True))


def merge_small_clusters(
    clusters: dict[str, int], *, min_size: int = MIN_CLUSTER_SIZE
) -> dict[str, int]:
    """``clusters`` with every cluster of fewer than ``min_size`` nodes pooled as cluster 0
    ("other"); the others keep their numbers (clusters are numbered largest first, so the kept
    ones stay 1, 2, … without gaps).

    Examples
    --------
    >>> merge_small_clusters({"a": 1, "b": 1, "c": 1, "d": 2, "e": 2, "f": 3})
    {'a': 1, 'b': 1, 'c': 1, 'd': 0, 'e': 0, 'f': 0}
    """
    sizes = Counter(clusters.values())
    return {n: (c if sizes[c] >= min_size else 0) for n, c in clusters.items()}


def assign_clusters(G: nx.Graph, clusters: dict[str, int]) -> None:
    """Set the node attribute ``cluster`` (0 for nodes that have no cluster).

    Examples
    --------
    >>> G = nx.Graph([("a", "b")])
    >>> assign_clusters(G, {"a": 1})
    >>> dict(G.nodes(data="cluster"))
    {'a': 1, 'b': 0}
    """
    for node in G:
        G.nodes[node]["cluster"] = int(clusters.get(node, 0))


def cluster_table(
    corpus: Corpus, G: nx.Graph, clusters: dict[str, int], *, top: int = 5
) -> pd.DataFrame:
    """One row per cluster: what it is made of, largest cluster first.

    Works as nodes (citation or similarity graph) and authors as nodes (co-author graph) are
    both understood: a cluster's works are its member works, or the works of its member authors.

    Columns: ``cluster``, ``label`` (what the cluster is about: its `LABEL_TERMS` most
    distinctive terms by c-TF-IDF, see `citegraph.topics.cluster_terms`; for authors followed
    by their most frequent institution and country; cluster 0 is "other"), ``terms`` (the
    terms alone), ``lead`` (for works: the seed if a member, else the most cited work; for
    authors: the author with most works in it), ``size`` (nodes), ``works``, ``top_authors``,
    ``institutions``, ``countries`` and ``journals`` (the ``top`` most frequent, "; "-joined,
    with counts) and ``years`` ("2019–2025").

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "w", "year": 2020, "journal": "J",
    ...                              "title": "Lupus in children"}],
    ...     authors=[{"id": "a", "name": "Ann A", "countries": ["GB"]}],
    ...     authorships=[{"work_id": "w", "author_id": "a", "affiliations": ["Oxford University"]}])
    >>> G = nx.Graph(); G.add_node("a")
    >>> print(cluster_table(c, G, {"a": 1})[["label", "size", "works", "years"]].to_string())
                                           label  size  works years
    0  children · lupus — Oxford University (GB)     1      1  2020
    """
    columns = ["cluster", "label", "terms", "lead", "size", "works", "top_authors",
               "institutions", "countries", "journals", "years"]  # fmt: skip
    ctx = _Context(corpus)
    members: dict[int, list[str]] = defaultdict(list)
    for node in G:
        if node in clusters:
            members[int(clusters[node])].append(str(node))
    named = cluster_terms(
        corpus, {n: c for c, nodes in members.items() for n in nodes}, top=LABEL_TERMS
    )
    rows = []
    for number, nodes in members.items():
        work_ids: set[str] = set()
        author_ids: list[str] = []
        for node in nodes:
            if node in ctx.works:
                work_ids.add(node)
                author_ids.extend(ctx.authors_of.get(node, ()))
            else:
                author_ids.append(node)
                work_ids.update(ctx.works_of.get(node, ()))
        author_counts = Counter(author_ids)
        # Rank authors by works inside the cluster, then by name for a stable order.
        ranked = sorted(author_counts, key=lambda a: (-len(set(ctx.works_of.get(a, ())) & work_ids),
                                                      ctx.name(a)))  # fmt: skip
        institutions = Counter(i for a in set(author_ids) for i in ctx.institutions(a))
        countries = Counter(k for a in set(author_ids) for k in ctx.countries(a))
        journals = Counter(ctx.works[w]["journal"] for w in work_ids if ctx.works[w]["journal"])
        years = [ctx.works[w]["year"] for w in work_ids if ctx.works[w]["year"] is not None]
        top_authors = [ctx.name(a) for a in ranked[:top]]
        terms = named.get(number, [])
        if all(n in ctx.works for n in nodes):
            # The landmark paper: the seed if it is a member, else the most cited one.
            best = max(nodes, key=lambda n: (bool(G.nodes[n].get("is_seed")),
                                             _int(G.nodes[n].get("cited_by_count")),
                                             str(G.nodes[n].get("label", n))))  # fmt: skip
            lead = str(G.nodes[best].get("label") or best)
            label = label_from_terms(terms, fallback=lead)
        else:
            lead = top_authors[0] if top_authors else ""
            place = _most_common(institutions)
            country = _most_common(countries)
            if place and country:
                place = f"{place} ({country})"
            label = " — ".join(p for p in (label_from_terms(terms), place or country) if p)
            label = label or lead or _most_common(journals) or f"Cluster {number}"
        if number == 0:
            label = f"other (clusters under {MIN_CLUSTER_SIZE})"
        rows.append({
            "cluster": number,
            "label": label,
            "terms": "; ".join(terms),
            "lead": lead,
            "size": len(nodes),
            "works": len(work_ids),
            "top_authors": "; ".join(top_authors),
            "institutions": _counted(institutions, top),
            "countries": _counted(countries, top),
            "journals": _counted(journals, top),
            "years": _span(years),
        })  # fmt: skip
    df = pd.DataFrame(rows, columns=columns)
    if len(df):  # "other" last, however big
        order = df.assign(_o=df["cluster"] == 0)
        order = order.sort_values(["_o", "size", "cluster"], ascending=[True, False, True],
                                  kind="stable")  # fmt: skip
        df = df.loc[order.index]
    return df.reset_index(drop=True)


def author_table(corpus: Corpus, clusters: dict[str, int] | None = None) -> pd.DataFrame:
    """One row per author with at least one authorship: most works first, then by family name.

    Columns: ``name``, ``works``, ``first_year``, ``last_year``, ``affiliations``,
    ``institutions``, ``orcid``, ``cluster`` (0 when not clustered), ``id``.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "w", "year": 2021}], authors=[{"id": "a", "name": "Ann"}],
    ...                      authorships=[{"work_id": "w", "author_id": "a"}])
    >>> print(author_table(c, {"a": 2})[["name", "works", "first_year", "cluster"]].to_string())
      name  works  first_year  cluster
    0  Ann      1        2021        2
    """
    columns = ["name", "works", "first_year", "last_year", "affiliations", "institutions",
               "orcid", "cluster", "id"]  # fmt: skip
    ctx = _Context(corpus)
    rows = []
    for aid, wids in ctx.works_of.items():
        years = [ctx.works[w]["year"] for w in wids if w in ctx.works
                 and ctx.works[w]["year"] is not None]  # fmt: skip
        rows.append({
            "name": ctx.name(aid),
            "works": len(wids),
            "first_year": min(years) if years else None,
            "last_year": max(years) if years else None,
            "affiliations": "; ".join(ctx.affiliations(aid)),
            "institutions": "; ".join(ctx.institutions(aid)),
            "orcid": ctx.author_field(aid, "orcid"),
            "cluster": int((clusters or {}).get(aid, 0)),
            "id": aid,
        })  # fmt: skip
    df = pd.DataFrame(rows, columns=columns)
    for col in ("first_year", "last_year"):
        df[col] = pd.array(df[col].tolist(), dtype="Int64")
    if len(df):
        # Ties by family name, as author indexes are ordered (not by given name).
        family = df["id"].map(lambda a: ctx.person(a).sort_key)
        order = df.assign(_f=family).sort_values(
            ["works", "_f", "name", "id"], ascending=[False, True, True, True], kind="stable"
        )
        df = df.loc[order.index]
    return df.reset_index(drop=True)


def works_table(corpus: Corpus) -> pd.DataFrame:
    """The works as a display table: seeds first, then newest first, then by title.

    Columns: ``title``, ``first_author``, ``authors`` (short: "Wobma H, Ardoin SP, … Lamb M"),
    ``journal``, ``year``, ``doi``, ``pmid``, ``cited_by_count``, ``sources`` ("; "-joined),
    ``is_seed``, ``retracted`` (True when any source marks the work retracted), ``id``.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "a", "year": 2020}, {"id": "b", "year": 2024},
    ...                             {"id": "c", "year": 2010, "is_seed": True}])
    >>> works_table(c)["id"].tolist()
    ['c', 'b', 'a']
    """
    columns = ["title", "first_author", "authors", "journal", "year", "doi", "pmid",
               "cited_by_count", "sources", "is_seed", "retracted", "id"]  # fmt: skip
    ctx = _Context(corpus)
    rows = []
    for row in corpus.works.to_dict("records"):
        wid = str(row["id"])
        names = [ctx.short_name(a) for a in ctx.authors_of.get(wid, ())]
        if len(names) > 4:
            names = names[:3] + ["…", names[-1]]
        if not names and text_or_empty(row["collective_author"], strip=True):
            names = [text_or_empty(row["collective_author"], strip=True)]
        rows.append({
            "title": text_or_empty(row["title"], strip=True),
            "first_author": names[0] if names else "",
            "authors": ", ".join(names),
            "journal": text_or_empty(row["journal"], strip=True) or text_or_empty(row["journal_abbrev"], strip=True),
            "year": None if is_missing(row["year"]) else int(row["year"]),
            "doi": text_or_empty(row["doi"], strip=True),
            "pmid": text_or_empty(row["pmid"], strip=True),
            "cited_by_count": None if is_missing(row["cited_by_count"]) else int(row["cited_by_count"]),
            "sources": "; ".join(sorted(str(s) for s in row["sources"] or ())),
            "is_seed": bool(row["is_seed"]),
            "retracted": not is_missing(row.get("retracted")) and bool(row.get("retracted")),
            "id": wid,
        })  # fmt: skip
    df = pd.DataFrame(rows, columns=columns)
    for col in ("year", "cited_by_count"):
        df[col] = pd.array(df[col].tolist(), dtype="Int64")
    df["is_seed"] = df["is_seed"].astype(bool)
    df["retracted"] = df["retracted"].astype(bool)
    if len(df):
        order = df.assign(_y=df["year"].fillna(-1).astype(int))
        order = order.sort_values(["is_seed", "_y", "title", "id"],
                                  ascending=[False, False, True, True], kind="stable")  # fmt: skip
        df = df.loc[order.index]
    return df.reset_index(drop=True)


def ranked_works_table(corpus: Corpus) -> pd.DataFrame:
    """`works_table` with the ranks of `citegraph.ranking.work_ranks` as columns
    (``citations`` inside the corpus, ``cited_by_count`` overall, ``pagerank``), most cited
    inside the corpus first (then by PageRank, then as `works_table` orders).

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "a", "year": 2020}, {"id": "b", "year": 2024}],
    ...     links=[{"source": "b", "target": "a", "kind": "references"}])
    >>> ranked_works_table(c)[["id", "citations"]].values.tolist()
    [['a', 1], ['b', 0]]
    """
    table = works_table(corpus)
    ranks = work_ranks(corpus)
    cited = dict(zip(ranks["id"], ranks["citations"], strict=True))
    rank = dict(zip(ranks["id"], ranks["pagerank"], strict=True))
    table.insert(table.columns.get_loc("cited_by_count"), "citations",
                 pd.array([cited[w] for w in table["id"]], dtype="Int64"))  # fmt: skip
    table.insert(table.columns.get_loc("cited_by_count") + 1, "pagerank",
                 [round(float(rank[w]), 5) for w in table["id"]])  # fmt: skip
    if len(table):
        order = table.sort_values(["citations", "pagerank"], ascending=False, kind="stable")
        table = table.loc[order.index]
    return table.reset_index(drop=True)


def works_per_year(corpus: Corpus) -> pd.DataFrame:
    """Works per publication year, every year from the first to the last (zeros included), as
    columns ``year`` (text, so a chart does not print "2,020") and ``works``.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "a", "year": 2020}, {"id": "b", "year": 2022},
    ...                             {"id": "c", "year": 2022}, {"id": "d"}])
    >>> works_per_year(c).values.tolist()
    [['2020', 1], ['2021', 0], ['2022', 2]]
    """
    years = Counter(int(y) for y in corpus.works["year"] if not is_missing(y))
    span = range(min(years), max(years) + 1) if years else range(0)
    return pd.DataFrame({"year": [str(y) for y in span], "works": [years.get(y, 0) for y in span]})


def top_journals(corpus: Corpus, *, top: int = 10) -> pd.DataFrame:
    """The ``top`` journals by number of works (one name per journal), ties by name.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "a", "journal": "J B"}, {"id": "b", "journal": "J A"},
    ...                             {"id": "c", "journal": "J B"}, {"id": "d"}])
    >>> top_journals(c).values.tolist()
    [['J B', 2], ['J A', 1]]
    """
    ctx = _Context(corpus)
    counts = Counter(w["journal"] for w in ctx.works.values() if w["journal"])
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: max(int(top), 0)]
    return pd.DataFrame(ranked, columns=["journal", "works"])


class _Context:
    """Look-ups over one corpus shared by the table builders (built once per call)."""

    def __init__(self, corpus: Corpus) -> None:
        self.works: dict[str, dict[str, Any]] = {}
        # One name per journal, also for corpora saved before journal ids existed.
        journal_ids, journals = journal_index(corpus.works)
        for wid, year, jid in zip(corpus.works["id"], corpus.works["year"], journal_ids,
                                  strict=True):  # fmt: skip
            journal = journals[jid] if jid else None
            self.works[str(wid)] = {
                "year": None if is_missing(year) else int(year),
                "journal": (journal.name or journal.abbrev or "") if journal else "",
            }
        self.authors = corpus.authors_by_id
        self.authors_of: dict[str, list[str]] = defaultdict(list)
        self.works_of: dict[str, list[str]] = defaultdict(list)
        self._ship_names: dict[str, str] = {}
        self._ship_affs: dict[str, list[str]] = defaultdict(list)
        for wid in sorted(self.works):
            for ship in corpus.authorships_of(wid):
                aid, name = ship["author_id"], text_or_empty(ship["name"], strip=True)
                if aid not in self.authors_of[wid]:
                    self.authors_of[wid].append(aid)
                if wid not in self.works_of[aid]:
                    self.works_of[aid].append(wid)
                if name:
                    self._ship_names.setdefault(aid, name)
                for aff in ship["affiliations"] or ():
                    if aff and aff not in self._ship_affs[aid]:
                        self._ship_affs[aid].append(str(aff))
        self._institutions: dict[str, list[str]] = {}
        self._people: dict[str, PersonName] = {}

    def author_field(self, aid: str, column: str) -> str:
        return text_or_empty(self.authors.get(aid, {}).get(column), strip=True)

    def name(self, aid: str) -> str:
        return self.author_field(aid, "name") or self._ship_names.get(aid) or aid

    def person(self, aid: str) -> PersonName:
        if aid not in self._people:
            self._people[aid] = parse_name(
                self.name(aid),
                family=self.author_field(aid, "last_name"),
                given=self.author_field(aid, "fore_name"),
                suffix=self.author_field(aid, "suffix"),
            )
        return self._people[aid]

    def short_name(self, aid: str) -> str:
        """ "Wobma H" style, as PubMed prints author lists."""
        return self.person(aid).label or self.name(aid)

    def affiliations(self, aid: str) -> list[str]:
        listed = self.authors.get(aid, {}).get("affiliations")
        if listed is not None and len(listed):
            return dedupe_affiliations(str(a) for a in listed)
        return dedupe_affiliations(self._ship_affs.get(aid, []))

    def countries(self, aid: str) -> list[str]:
        listed = self.authors.get(aid, {}).get("countries")
        if listed is None or isinstance(listed, str) or is_missing(listed):
            return []
        return list(dict.fromkeys(str(c) for c in listed if c))

    def institutions(self, aid: str) -> list[str]:
        if aid not in self._institutions:
            listed = self.authors.get(aid, {}).get("institutions")
            listed = [str(i) for i in listed] if listed is not None else []
            self._institutions[aid] = institution_names(listed, self.affiliations(aid))
        return self._institutions[aid]


def _canonical_edges(G: nx.Graph) -> tuple[list[str], list[tuple[int, int]], list[float] | None]:
    """Sorted node ids, and the undirected edges between their indices in sorted order with
    their weights (None when no edge has one): what igraph needs, read from ``G`` without
    copying it."""
    # igraph's results depend on vertex and edge order; numbering both by sorted id makes the
    # clusters depend only on the graph and the seed, not on how it was assembled.
    nodes = sorted(str(n) for n in G)
    index = {n: i for i, n in enumerate(nodes)}
    pairs: dict[tuple[int, int], float] = {}
    weighted = False
    for u, v, w in G.edges(data="weight"):
        i, j = index[str(u)], index[str(v)]
        if i == j:
            continue
        key = (i, j) if i < j else (j, i)
        if w is not None:
            weighted = True
        # Both directions of a DiGraph add up, as they would in an undirected copy.
        pairs[key] = pairs.get(key, 0.0) + (1.0 if w is None else float(w))
    edges = sorted(pairs)
    return nodes, edges, [pairs[e] for e in edges] if weighted else None


def _igraph_communities(
    n: int,
    edges: list[tuple[int, int]],
    weights: list[float] | None,
    *,
    method: str,
    seed: int,
    resolution: float,
) -> list[list[int]]:
    import igraph as ig

    g = ig.Graph(n=n, edges=edges)
    with seeded_igraph(seed):
        if method == "louvain":
            parts = g.community_multilevel(weights=weights, resolution=resolution)
        else:
            parts = g.community_leiden(
                objective_function="modularity",
                weights=weights,
                resolution=resolution,
                # igraph's default: two passes. On 10k generated works (benchmarks/RESULTS.md,
                # P3) they reach a higher modularity than Louvain in every view (citation 0.308
                # vs 0.287) and take 0.16 s where Louvain takes 1.2 s; running to convergence
                # (-1) took 3.8 s for 0.326.
                n_iterations=2,
            )
    return [list(p) for p in parts]


def _int(value: Any) -> int:
    return -1 if value is None or is_missing(value) else int(value)


def _counted(counter: Counter[str], top: int) -> str:
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return "; ".join(f"{name} ({n})" for name, n in ranked)


def _most_common(counter: Counter[str]) -> str:
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return ranked[0][0] if ranked else ""


def _span(years: Iterable[int]) -> str:
    years = list(years)
    if not years:
        return ""
    lo, hi = min(years), max(years)
    return str(lo) if lo == hi else f"{lo}–{hi}"
