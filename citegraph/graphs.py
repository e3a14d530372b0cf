"""Graphs built from a Corpus: citation, similarity and co-author networks, and corpus filters.

Every builder reads a `Corpus` and returns a new networkx graph whose node ids are the corpus'
stable string ids and whose attributes are plain scalars (str, int, float, bool), so that the same
graph can be drawn, clustered and written to GEXF/GraphML/JSON/CSV without conversion. Unknown
strings are ``""``; unknown numbers are left out of the node's attributes (never None).

Filters return a *filtered corpus*; the page, the CLI and every download build their graphs from
it, so what is downloaded is exactly what is shown.
"""

from __future__ import annotations

import math
import weakref
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import combinations, product
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

from citegraph import check_option
from citegraph.affiliations import institution_names
from citegraph.journals import journal_index, title_key
from citegraph.model import LINK_KINDS, Corpus, byline_position, is_missing, text_or_empty
from citegraph.names import parse_name

#: At most this many work ids are listed in a co-author edge's ``works`` attribute.
MAX_EDGE_WORKS = 20
#: Works with more authors than this add no co-author edges: a consortium paper's clique says
#: nothing about who works with whom and drowns the rest (a 117-author paper alone adds 6,786
#: edges). VOSviewer's default cut is 25; 50 keeps large clinical working groups such as the
#: seed's 24 authors and skips consortia. The skipped works are named in ``skipped_works``.
MAX_AUTHORS_PER_WORK = 50


def filter_corpus(
    corpus: Corpus,
    *,
    journals: Iterable[str] | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    pub_types: Iterable[str] | None = None,
    min_citations: int | None = None,
) -> Corpus:
    """Keep the works that pass every filter that is set, and what belongs to them.

    Works whose year, journal or citation count is unknown are dropped only when that filter is
    set. An empty ``journals`` or ``pub_types`` selection means "no filter" (as an empty
    multiselect on the page does), not "drop everything". Seeds are **not** exempt: the filtered corpus is exactly what is shown and downloaded,
    so a seed outside the journal or year range disappears from the graphs too.

    Authorships and authors are restricted to the remaining works. Links that touch a removed
    work are dropped; links to ids that were never works of the corpus (e.g. references that
    were not fetched) are kept, because they still count for bibliographic coupling. The
    manifest is copied with a ``filters`` entry naming the filters that were applied.

    Parameters
    ----------
    corpus : Corpus
    journals : iterable of str, optional
        Keep the works of these journals, each given by its ``journal_id``, by the name
        `journal_options` lists, or by any spelling of its name or abbreviation (compared with
        `citegraph.journals.title_key`): one journal is selected whole, however its works
        spell it. Corpora saved before journal ids existed get them computed.
    year_from, year_to : int, optional
        Inclusive year range.
    pub_types : iterable of str, optional
        Keep works with at least one of these publication types.
    min_citations : int, optional
        Keep works with ``cited_by_count`` at least this.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "pmid:1", "year": 2019}, {"id": "pmid:2", "year": 2024}])
    >>> f = filter_corpus(c, year_from=2020)
    >>> list(f.works["id"]), f.manifest["filters"]
    (['pmid:2'], {'year_from': 2020})
    """
    works = corpus.works
    keep = pd.Series(True, index=works.index)
    filters: dict[str, Any] = {}
    if journals is not None:
        wanted = {str(j).strip() for j in journals}
        if wanted:
            filters["journals"] = sorted(wanted)
            ids, labels = _journal_labels(works)
            selected = _selected_journals(wanted, ids, labels, works)
            keep &= pd.Series([j in selected for j in ids], index=works.index, dtype=bool)
    if year_from is not None or year_to is not None:
        years = works["year"]
        known = years.notna()
        keep &= known.fillna(False).astype(bool)
        if year_from is not None:
            filters["year_from"] = int(year_from)
            keep &= (years >= int(year_from)).fillna(False).astype(bool)
        if year_to is not None:
            filters["year_to"] = int(year_to)
            keep &= (years <= int(year_to)).fillna(False).astype(bool)
    if pub_types is not None:
        wanted_types = {str(t) for t in pub_types}
        if wanted_types:
            filters["pub_types"] = sorted(wanted_types)
            keep &= works["pub_types"].map(lambda ts: bool(wanted_types.intersection(ts or ())))
    if min_citations is not None:
        filters["min_citations"] = int(min_citations)
        keep &= (works["cited_by_count"] >= int(min_citations)).fillna(False).astype(bool)

    kept = works[keep.astype(bool)].reset_index(drop=True)
    kept_ids = set(kept["id"])
    removed = set(works["id"]) - kept_ids
    authorships = corpus.authorships[corpus.authorships["work_id"].isin(kept_ids)]
    authors = corpus.authors[corpus.authors["id"].isin(set(authorships["author_id"]))]
    links = corpus.links[
        ~(corpus.links["source"].isin(removed) | corpus.links["target"].isin(removed))
    ]
    manifest = dict(corpus.manifest)
    manifest["filters"] = {**dict(manifest.get("filters") or {}), **filters}
    return Corpus(
        works=kept,
        authors=authors.reset_index(drop=True),
        authorships=authorships.reset_index(drop=True),
        links=links.reset_index(drop=True),
        manifest=manifest,
    )


def journal_options(corpus: Corpus) -> list[str]:
    """Journals of the corpus, each once (by ``journal_id``), most works first, then by name.

    Each is shown by its display name (its abbreviation when no name is known); two journals
    with one display name are told apart by their id, e.g. ``"Cell (issn:0092-8674)"``.
    `filter_corpus` accepts these strings; the graphs' ``journal`` attribute uses them too.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "a", "journal": "B"}, {"id": "b", "journal": "A"},
    ...                             {"id": "c", "journal": "B"}, {"id": "d"}])
    >>> journal_options(c)
    ['B', 'A']
    """
    ids, labels = _journal_labels(corpus.works)
    counts = Counter(labels[j] for j in ids if j)
    return [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _journal_labels(works: pd.DataFrame) -> tuple[list[str | None], dict[str, str]]:
    """The journal id of each work row, and the one label of each journal."""
    ids, journals = journal_index(works)
    names = {jid: j.name or j.abbrev or jid for jid, j in journals.items()}
    shared = Counter(names.values())
    return ids, {jid: f"{n} ({jid})" if shared[n] > 1 else n for jid, n in names.items()}


def _selected_journals(
    wanted: set[str], ids: list[str | None], labels: dict[str, str], works: pd.DataFrame
) -> set[str]:
    by_label = {label: jid for jid, label in labels.items()}
    by_key: dict[str, set[str]] = defaultdict(set)
    for jid, label in labels.items():
        by_key[title_key(label)].add(jid)
    for jid, name, abbrev in zip(ids, works["journal"], works["journal_abbrev"], strict=True):
        if jid:
            by_key[title_key(name)].add(jid)
            by_key[title_key(abbrev)].add(jid)
    selected: set[str] = set()
    for value in wanted:
        if value in labels:
            selected.add(value)
        elif value in by_label:
            selected.add(by_label[value])
        else:
            selected |= by_key.get(title_key(value), set()) if title_key(value) else set()
    return selected


def journal_labels(corpus: Corpus) -> dict[str, str]:
    """Each journal of the corpus by ``journal_id`` → the label `journal_options` shows for it,
    in the same order (most works first, then by name).

    The page lists the labels; links and the command line name journals by id, which stays the
    same when a display name changes.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "a", "journal": "B"}, {"id": "b", "journal": "A"},
    ...                             {"id": "c", "journal": "B"}])
    >>> journal_labels(c)
    {'title:b': 'B', 'title:a': 'A'}
    """
    ids, labels = _journal_labels(corpus.works)
    counts = Counter(j for j in ids if j)
    return {j: labels[j] for j in sorted(counts, key=lambda j: (-counts[j], labels[j]))}


def journal_ids(corpus: Corpus, journals: Iterable[str]) -> dict[str, list[str]]:
    """Each of ``journals`` (an id, a label or any spelling `filter_corpus` accepts) → the
    journal ids of the corpus it selects (an empty list when it names none of them).

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "a", "journal": "The Lancet"}])
    >>> journal_ids(c, ["lancet", "title:lancet", "Cell"])
    {'lancet': ['title:lancet'], 'title:lancet': ['title:lancet'], 'Cell': []}
    """
    ids, labels = _journal_labels(corpus.works)
    return {
        j: sorted(_selected_journals({str(j).strip()}, ids, labels, corpus.works)) for j in journals
    }


def year_bounds(corpus: Corpus) -> tuple[int, int] | None:
    """The earliest and latest known publication year, or None when no year is known.

    Examples
    --------
    >>> year_bounds(Corpus.from_rows(works=[{"id": "a", "year": 2021}, {"id": "b", "year": 2018}]))
    (2018, 2021)
    >>> year_bounds(Corpus.empty()) is None
    True
    """
    years = [int(y) for y in corpus.works["year"] if not is_missing(y)]
    if not years:
        return None
    return min(years), max(years)


def build_citation_graph(corpus: Corpus, *, kinds: Iterable[str] = ("references",)) -> nx.DiGraph:
    """The citation network: one node per work, an arrow from each citing work to the cited one.

    Links whose endpoints are not works of the corpus are skipped. When several links join the
    same ordered pair (e.g. ``kinds=("references", "similar")``), they become one edge whose
    ``kind`` and ``sources`` list all of them and whose ``score`` is the highest known. A kind
    not in `citegraph.model.LINK_KINDS` raises `citegraph.OptionError`.

    Node attributes: ``label`` ("FirstAuthor Year"), ``title``, ``journal``, ``year``, ``doi``,
    ``pmid``, ``openalex_id``, ``is_seed``, ``cited_by_count``, ``in_degree_local`` (citations
    from inside the graph), ``sources`` ("openalex; pubmed"), ``n_sources``, ``retracted``
    (True when any source marks the work retracted). Edge attributes:
    ``kind``, ``sources``, ``n_sources`` and ``score`` when known.

    Examples
    --------
    >>> c = Corpus.from_rows(
    ...     works=[{"id": "pmid:1", "year": 2020}, {"id": "pmid:2", "year": 2010}],
    ...     links=[{"source": "pmid:1", "target": "pmid:2", "kind": "references",
    ...             "sources": ["pubmed"]}])
    >>> G = build_citation_graph(c)
    >>> list(G.edges(data="kind")), G.nodes["pmid:2"]["in_degree_local"]
    ([('pmid:1', 'pmid:2', 'references')], 1)
    """
    G = nx.DiGraph(name="citation", filters=_filters_text(corpus))
    _add_work_nodes(G, corpus)
    wanted = {check_option(kind, LINK_KINDS, what="link kind") for kind in kinds}
    links = corpus.links[corpus.links["kind"].isin(wanted)]
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    for src, tgt, kind, sources, score in zip(
        links["source"],
        links["target"],
        links["kind"],
        links["sources"],
        links["score"],
        strict=True,
    ):
        src, tgt = str(src), str(tgt)
        if src == tgt or src not in G or tgt not in G:
            continue
        edge = edges.setdefault((src, tgt), {"kinds": set(), "sources": set(), "score": None})
        edge["kinds"].add(str(kind))
        edge["sources"].update(str(s) for s in sources or ())
        if not is_missing(score):
            edge["score"] = max(float(score), edge["score"] or float("-inf"))
    for (src, tgt), edge in edges.items():
        attrs: dict[str, Any] = {
            "kind": "; ".join(sorted(edge["kinds"])),
            "sources": "; ".join(sorted(edge["sources"])),
            "n_sources": len(edge["sources"]),
        }
        if edge["score"] is not None:
            attrs["score"] = edge["score"]
        G.add_edge(src, tgt, **attrs)
    for node, degree in G.in_degree():
        G.nodes[node]["in_degree_local"] = int(degree)
    return G


def build_similarity_graph(
    corpus: Corpus, *, min_weight: float = 1, max_edges: int | None = None
) -> nx.Graph:
    """The similarity network: works joined by co-citation, bibliographic coupling and the
    similar/related links the services assert.

    For each pair of works of the corpus:

    - ``cocitation``: how many works (inside the corpus or not) cite both;
    - ``coupling``: how many references (inside the corpus or not) both cite;
    - ``similar``: 1 when PubMed lists one as a "similar article" of the other, with
      ``similar_score`` (PubMed's neighbour score, the highest if both directions are known);
    - ``related``: 1 when OpenAlex lists one as a related work of the other.

    ``weight`` is the sum of the four; pairs below ``min_weight`` are left out. ``kind`` names
    the kinds of evidence present ("cocitation; coupling"). Every work is a node, connected or
    not, with the same attributes as in `build_citation_graph` (without ``in_degree_local``).

    Around one seed this graph is dense (every work citing the seed is coupled to every other
    through it), so ``max_edges`` keeps only the heaviest edges (ties broken by the pair's ids);
    ``G.graph["dropped_edges"]`` then says how many were left out. The counts come from sparse
    matrix products (``A.T @ A`` of the binary citing × cited matrices) and the cut from a
    partition of the weights, so no Python object is made for a pair that is not kept.

    Examples
    --------
    >>> refs = [{"source": s, "target": t, "kind": "references", "sources": ["openalex"]}
    ...         for s, t in [("a", "c"), ("b", "c"), ("a", "d"), ("b", "d")]]
    >>> c = Corpus.from_rows(works=[{"id": i} for i in "abcd"], links=refs)
    >>> G = build_similarity_graph(c)
    >>> G.edges["a", "b"]["coupling"], G.edges["c", "d"]["cocitation"], G.edges["a", "b"]["weight"]
    (2, 2, 2.0)
    """
    G = nx.Graph(name="similarity", filters=_filters_text(corpus))
    _add_work_nodes(G, corpus, local_degree=False)
    # Works indexed in sorted id order: index pairs (i < j) then sort as the id pairs do, so
    # files written from the graph do not depend on hashing or on the order of the links.
    nodes = sorted(G)
    n = len(nodes)
    links = corpus.links
    src = links["source"].astype(str).to_numpy()
    tgt = links["target"].astype(str).to_numpy()
    kind = links["kind"].astype(str).to_numpy()
    ok = src != tgt
    work_index = pd.Index(nodes)
    src_w = work_index.get_indexer(src)  # -1: not a work of the corpus
    tgt_w = work_index.get_indexer(tgt)
    seeds = {str(s) for s in corpus.works.loc[corpus.works["is_seed"], "id"]}
    refs = ok & (kind == "references")
    # Pairs are counted through non-seed works only: every reference of the seed is co-cited
    # by it and every work citing the seed is coupled through it, which says nothing and grows
    # quadratically (4.5M pairs for a seed with 3,000 citing works).
    src_seed = pd.Series(src).isin(seeds).to_numpy()
    tgt_seed = pd.Series(tgt).isin(seeds).to_numpy()
    cc_rows = refs & (tgt_w >= 0) & ~src_seed
    cp_rows = refs & (src_w >= 0) & ~tgt_seed
    cocitation = _shared_counts(src[cc_rows], tgt_w[cc_rows], n)  # works cited together
    coupling = _shared_counts(tgt[cp_rows], src_w[cp_rows], n)  # works citing the same
    both = ok & (src_w >= 0) & (tgt_w >= 0)
    sim_rows, rel_rows = both & (kind == "similar"), both & (kind == "related")
    lo, hi = np.minimum(src_w, tgt_w).astype(np.int64), np.maximum(src_w, tgt_w).astype(np.int64)
    keys = lo * n + hi
    related = np.unique(keys[rel_rows])
    scores = pd.to_numeric(links["score"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    # PubMed's neighbour score, the highest when both directions are known (NaN: unknown).
    similar = pd.Series(scores[sim_rows]).groupby(keys[sim_rows]).max()
    sim_keys = similar.index.to_numpy(dtype=np.int64)

    # Weights first (one sort of every pair's contributions), the cut, and only then the four
    # counts of the edges that are kept.
    ones_sim, ones_rel = np.ones(len(sim_keys), np.int64), np.ones(len(related), np.int64)
    pairs, weight = _sum_by_key(
        np.concatenate([cocitation[0], coupling[0], sim_keys, related]),
        np.concatenate([cocitation[1], coupling[1], ones_sim, ones_rel]),
    )
    weight = weight.astype(float)
    keep = np.flatnonzero(weight >= min_weight)
    pairs, weight = pairs[keep], weight[keep]
    if max_edges is not None and len(pairs) > max_edges:
        top = _heaviest(weight, max(int(max_edges), 0))  # heaviest first, ties in pair order
        G.graph["dropped_edges"] = len(pairs) - len(top)
        pairs, weight = pairs[top], weight[top]
    cc, cp = _values_at(pairs, *cocitation), _values_at(pairs, *coupling)
    sim, rel = _values_at(pairs, sim_keys, ones_sim), _values_at(pairs, related, ones_rel)
    score_of = dict(zip(sim_keys.tolist(), similar.to_numpy().tolist(), strict=True))
    edges = []
    for key, c1, c2, s1, r1, w in zip(pairs.tolist(), cc.tolist(), cp.tolist(), sim.tolist(),
                                      rel.tolist(), weight.tolist(), strict=True):  # fmt: skip
        attrs: dict[str, Any] = {
            "cocitation": c1,
            "coupling": c2,
            "similar": s1,
            "related": r1,
            "kind": _KIND_NAMES[(c1 > 0, c2 > 0, s1, r1)],
            "weight": w,
        }
        score = score_of.get(key)
        if score is not None and not math.isnan(score):
            attrs["similar_score"] = score
        edges.append((nodes[key // n], nodes[key % n], attrs))
    G.add_edges_from(edges)
    return G


def build_coauthor_graph(
    corpus: Corpus, *, max_authors_per_work: int | None = MAX_AUTHORS_PER_WORK
) -> nx.Graph:
    """The co-author network: one node per author with at least one authorship in the corpus,
    an edge between two authors weighted by the number of works they share.

    Node attributes: ``label`` and ``name``, ``orcid``, ``openalex_id``, ``affiliations`` and
    ``institutions`` ("; "-joined), ``works`` (number of works in the corpus), ``first_year`` and
    ``last_year`` (when known), ``is_seed_author``, ``merge_rule``. Edge attributes: ``weight``
    and ``works`` (the shared work ids, "; "-joined, at most `MAX_EDGE_WORKS`).

    Works with more than ``max_authors_per_work`` authors still count in ``works`` but add no
    edges; their ids are listed in ``G.graph["skipped_works"]``.

    Examples
    --------
    >>> c = Corpus.from_rows(
    ...     works=[{"id": "w1", "year": 2020}, {"id": "w2", "year": 2022}],
    ...     authors=[{"id": "name:a|a", "name": "Ann A"}, {"id": "name:b|b", "name": "Bo B"}],
    ...     authorships=[{"work_id": w, "author_id": a, "position": p}
    ...                  for w in ("w1", "w2") for p, a in enumerate(["name:a|a", "name:b|b"])])
    >>> G = build_coauthor_graph(c)
    >>> G.edges["name:a|a", "name:b|b"]["weight"], G.nodes["name:a|a"]["last_year"]
    (2, 2022)
    """
    G = nx.Graph(name="coauthor", filters=_filters_text(corpus))
    year_of = {str(w): int(y) for w, y in zip(corpus.works["id"], corpus.works["year"],
                                              strict=True) if not is_missing(y)}  # fmt: skip
    work_ids = set(corpus.works["id"])
    seeds = set(corpus.seed_ids())
    by_work = {w: members for w in sorted(work_ids) if (members := corpus.authors_of(w))}
    by_author: dict[str, list[str]] = {}
    ship_affs: dict[str, list[str]] = defaultdict(list)
    name_from_ship: dict[str, str] = {}
    for wid in by_work:
        for ship in corpus.authorships_of(wid):
            aid = ship["author_id"]
            if wid not in by_author.setdefault(aid, []):
                by_author[aid].append(wid)
            for aff in ship["affiliations"] or ():
                if aff and aff not in ship_affs[aid]:
                    ship_affs[aid].append(str(aff))
            if not is_missing(ship["name"]):
                name_from_ship[aid] = str(ship["name"])
    authors = corpus.authors_by_id
    for aid in sorted(by_author, key=lambda a: (-len(by_author[a]), a)):
        row = authors.get(aid, {})
        name = text_or_empty(row.get("name"), strip=True) or name_from_ship.get(aid) or aid
        affs = list(row.get("affiliations") or []) or ship_affs.get(aid, [])
        insts = institution_names(list(row.get("institutions") or []), affs)
        years = [year_of[w] for w in by_author[aid] if w in year_of]
        attrs: dict[str, Any] = {
            "label": name,
            "name": name,
            "orcid": text_or_empty(row.get("orcid"), strip=True),
            "openalex_id": text_or_empty(row.get("openalex_id"), strip=True),
            "affiliations": "; ".join(affs),
            "institutions": "; ".join(insts),
            "works": len(by_author[aid]),
            "is_seed_author": any(w in seeds for w in by_author[aid]),
            "merge_rule": text_or_empty(row.get("merge_rule"), strip=True),
        }
        if years:
            attrs["first_year"], attrs["last_year"] = min(years), max(years)
        G.add_node(aid, **attrs)
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    skipped = []
    for wid in sorted(by_work):
        members = by_work[wid]
        if max_authors_per_work is not None and len(members) > max_authors_per_work:
            skipped.append(wid)
            continue
        for a, b in combinations(members, 2):
            shared[_pair(a, b)].append(wid)
    for (a, b), wids in shared.items():
        listed = "; ".join(wids[:MAX_EDGE_WORKS])
        if len(wids) > MAX_EDGE_WORKS:
            listed += f"; … (+{len(wids) - MAX_EDGE_WORKS} more)"
        G.add_edge(a, b, weight=len(wids), works=listed)
    if skipped:
        G.graph["skipped_works"] = "; ".join(skipped)
    return G


def work_label(first_author: str | None, year: int | None, fallback: str) -> str:
    """The short label of a work node: "FirstAuthor Year", or the fallback when both are unknown.

    Examples
    --------
    >>> work_label("Wobma", 2025, "pmid:1")
    'Wobma 2025'
    >>> work_label(None, None, "pmid:1")
    'pmid:1'
    """
    parts = [p for p in (first_author, None if year is None else str(year)) if p]
    return " ".join(parts) if parts else fallback


def first_authors(corpus: Corpus) -> dict[str, str]:
    """Family name of the first listed author of each work (collective author as fallback).

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "w"}], authors=[{"id": "x", "last_name": "Lamb"}],
    ...                      authorships=[{"work_id": "w", "author_id": "x", "position": 1}])
    >>> first_authors(c)
    {'w': 'Lamb'}
    """
    out: dict[str, str] = {}
    last_names = {str(a): text_or_empty(n, strip=True) for a, n in zip(corpus.authors["id"],
                                                  corpus.authors["last_name"], strict=True)}  # fmt: skip
    ships = corpus.authorships
    # The byline order of `Corpus.authorships_of` (position, unknown last; then author id),
    # over the whole table at once: 0.51 s → 0.14 s at 30k authorships. Plain Python values:
    # text from a source may hold what pandas' string dtype refuses (a lone surrogate).
    rows = sorted(
        (str(w), byline_position(p), str(a), i, n)  # i: two equal rows never compare names
        for i, (w, p, a, n) in enumerate(zip(ships["work_id"], ships["position"],
                                             ships["author_id"], ships["name"], strict=True))
    )  # fmt: skip
    for wid, _, author, _, name in rows:
        if wid in out:
            continue
        family = last_names.get(author) or parse_name(text_or_empty(name, strip=True)).family
        if family:
            out[wid] = family
    for wid, collective in zip(corpus.works["id"], corpus.works["collective_author"], strict=True):
        if str(wid) not in out and text_or_empty(collective, strip=True):
            out[str(wid)] = text_or_empty(collective, strip=True)
    return out


def _flag(value: Any) -> bool:
    """A boolean cell that older corpora may lack (missing → False)."""
    return False if is_missing(value) else bool(value)


def _add_work_nodes(G: nx.Graph, corpus: Corpus, *, local_degree: bool = True) -> None:
    extra = {"in_degree_local": 0} if local_degree else {}
    # add_nodes_from copies each dict: graphs never share an attribute dict with the memo.
    G.add_nodes_from((wid, {**attrs, **extra}) for wid, attrs in _work_node_attrs(corpus))


#: The work nodes' attributes, computed once per corpus (a corpus is frozen, see
#: `citegraph.model.Corpus`) and shared by the views built from it: at 10k works they took
#: 1.8 s per graph (benchmarks/RESULTS.md, P3).
_WORK_NODE_ATTRS: weakref.WeakKeyDictionary[Corpus, list[tuple[str, dict[str, Any]]]] = (
    weakref.WeakKeyDictionary()
)


def _work_node_attrs(corpus: Corpus) -> list[tuple[str, dict[str, Any]]]:
    """``(work id, attributes)`` of every work, in table order (see `build_citation_graph`)."""
    cached = _WORK_NODE_ATTRS.get(corpus)
    if cached is not None:
        return cached
    firsts = first_authors(corpus)
    # One label per journal (not per spelling), so colour-by-journal gives a journal one colour.
    journal_ids, labels = _journal_labels(corpus.works)
    works = corpus.works
    n = len(works)
    retracted = works["retracted"] if "retracted" in works.columns else [None] * n
    out: list[tuple[str, dict[str, Any]]] = []
    for jid, wid, year, title, sources, doi, pmid, oa, seed, gone, cited in zip(
        journal_ids, works["id"], works["year"], works["title"], works["sources"],
        works["doi"], works["pmid"], works["openalex_id"], works["is_seed"], retracted,
        works["cited_by_count"], strict=True,
    ):  # fmt: skip
        wid = str(wid)
        year = None if is_missing(year) else int(year)
        title = text_or_empty(title, strip=True)
        names = sorted(str(s) for s in sources or ())
        attrs: dict[str, Any] = {
            "label": work_label(firsts.get(wid), year, _short(title) or wid),
            "title": title,
            "journal": labels.get(jid or "", ""),
            "journal_id": jid or "",
            "doi": text_or_empty(doi, strip=True),
            "pmid": text_or_empty(pmid, strip=True),
            "openalex_id": text_or_empty(oa, strip=True),
            "is_seed": bool(seed),
            "retracted": _flag(gone),
            "sources": "; ".join(names),
            "n_sources": len(names),
        }
        if year is not None:
            attrs["year"] = year
        if not is_missing(cited):
            attrs["cited_by_count"] = int(cited)
        out.append((wid, attrs))
    _WORK_NODE_ATTRS[corpus] = out
    return out


_KIND_NAMES = {
    flags: "; ".join(
        name
        for name, on in zip(("cocitation", "coupling", "similar", "related"), flags, strict=True)
        if on
    )
    for flags in product((False, True), (False, True), (0, 1), (0, 1))
}


def _shared_counts(
    groups: np.ndarray, members: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """For every pair of works ``i < j`` found together in some group: the key ``i * n + j``
    and in how many distinct groups they are, sorted by key.

    ``groups`` names the group of each row (a citing or cited id), ``members`` the index of the
    work in it; duplicate rows count once. The counts are the upper triangle of ``A.T @ A`` for
    the binary group × work matrix ``A``, computed sparse (no Python object per pair).
    """
    empty = np.zeros(0, dtype=np.int64)
    if len(groups) == 0 or n < 2:
        return empty, empty
    codes, _ = pd.factorize(groups)
    A = sparse.coo_array(
        (np.ones(len(codes), dtype=np.int64), (codes, members)), shape=(codes.max() + 1, n)
    ).tocsr()
    A.sum_duplicates()
    A.data[:] = 1  # a group lists a work once, however many rows say so
    counts = sparse.triu(A.T @ A, k=1).tocoo()
    keys = counts.row.astype(np.int64) * n + counts.col.astype(np.int64)
    order = np.argsort(keys, kind="stable")
    return keys[order], counts.data.astype(np.int64)[order]


def _sum_by_key(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys, sorted, and the sum of the values given for each."""
    if len(keys) == 0:
        return keys.astype(np.int64), values.astype(np.int64)
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return keys[starts], np.add.reduceat(values, starts)


def _values_at(pairs: np.ndarray, keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The value of each of ``pairs`` in the sorted ``keys``/``values``, 0 where absent."""
    out = np.zeros(len(pairs), dtype=np.int64)
    if len(keys):
        at = np.searchsorted(keys, pairs).clip(max=len(keys) - 1)
        found = keys[at] == pairs
        out[found] = values[at[found]]
    return out


def _heaviest(weight: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` heaviest entries, heaviest first; equal weights keep their
    position order (the order a stable sort by descending weight gives), found with a
    partition rather than a sort of everything."""
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    threshold = np.partition(weight, len(weight) - k)[len(weight) - k]
    above = np.flatnonzero(weight > threshold)
    at = np.flatnonzero(weight == threshold)[: k - len(above)]
    chosen = np.concatenate([above, at])
    return chosen[np.lexsort((chosen, -weight[chosen]))]


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _filters_text(corpus: Corpus) -> str:
    # A graph attribute must be a scalar to survive GEXF/GraphML; "" means "no filter".
    filters = corpus.manifest.get("filters") or {}
    parts = []
    for key in sorted(filters):
        value = filters[key]
        if isinstance(value, list | tuple | set):
            value = ", ".join(str(v) for v in value)
        parts.append(f"{key}={value}")
    return "; ".join(parts)


def _short(title: str, limit: int = 40) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def _unique(values: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value
