"""Graph builders and corpus filters, on the hand-built corpora of tests/corpora.py."""

from __future__ import annotations

import networkx as nx
import pytest

from citegraph.graphs import (
    MAX_EDGE_WORKS,
    build_citation_graph,
    build_coauthor_graph,
    build_similarity_graph,
    filter_corpus,
    first_authors,
    journal_options,
    year_bounds,
)
from citegraph.model import Corpus
from tests.corpora import generated_corpus, seed_like_corpus, single_work_corpus, small_corpus

SEED = "pmid:900000001"


def _p(n: int) -> str:
    return f"pmid:9000000{n:02d}"


# --- filters -----------------------------------------------------------------------------------


def test_filter_by_journal_keeps_matching_works_and_their_authors_and_links():
    c = filter_corpus(small_corpus(), journals=["Test Journal B"])
    assert sorted(c.works["id"]) == [_p(3), _p(4)]
    assert set(c.authorships["work_id"]) == {_p(3), _p(4)}
    assert set(c.authors["id"]) == set(c.authorships["author_id"])
    assert len(c.authors) == 5  # a2, a3 on work 3; a4, a5, a6 on work 4
    # ref(3, 4) survives; every link touching a removed work is gone
    assert list(zip(c.links["source"], c.links["target"], strict=True)) == [(_p(3), _p(4))]
    assert c.manifest["filters"] == {"journals": ["Test Journal B"]}
    assert c.manifest["origin"] == "hand-built test data"


def test_filter_by_year_drops_unknown_years_only_when_set():
    full = small_corpus()
    assert _p(7) in set(filter_corpus(full, journals=["Test Journal C"]).works["id"])
    c = filter_corpus(full, year_from=2021, year_to=2023)
    assert sorted(c.works["id"]) == [_p(2), _p(3), _p(5)]
    c2 = filter_corpus(full, year_from=2024)
    assert sorted(c2.works["id"]) == [_p(1), _p(8)]  # the seed is not exempt, but passes here
    unfiltered = filter_corpus(full)
    assert len(unfiltered.works) == 8 and unfiltered.manifest["filters"] == {}


def test_filter_drops_seed_when_outside_the_range():
    c = filter_corpus(small_corpus(), year_to=2020)
    assert SEED not in set(c.works["id"])
    assert c.seed_ids() == []


def test_filter_by_type_and_min_citations():
    c = filter_corpus(small_corpus(), pub_types=["Review"])
    assert sorted(c.works["id"]) == [_p(1), _p(5)]
    c = filter_corpus(small_corpus(), min_citations=3)
    # work 5 has no known count: dropped because the filter is set
    assert sorted(c.works["id"]) == [_p(1), _p(2), _p(3), _p(8)]
    assert c.manifest["filters"] == {"min_citations": 3}


def test_filter_keeps_links_to_ids_outside_the_corpus():
    c = filter_corpus(small_corpus(), year_from=2023)
    targets = set(c.links["target"])
    assert "doi:10.5555/outside.1" in targets


def test_journal_options_and_year_bounds():
    c = small_corpus()
    assert journal_options(c) == ["Test Journal A", "Test Journal B", "Test Journal C"]
    assert year_bounds(c) == (2019, 2025)
    assert journal_options(Corpus.empty()) == [] and year_bounds(Corpus.empty()) is None
    abbrev_only = Corpus.from_rows(works=[{"id": "x", "journal_abbrev": "Test J Abbr"}])
    assert journal_options(abbrev_only) == ["Test J Abbr"]
    assert len(filter_corpus(abbrev_only, journals=["Test J Abbr"]).works) == 1
    assert year_bounds(single_work_corpus()) is None


# --- citation graph ----------------------------------------------------------------------------


def test_citation_graph_nodes_edges_and_attributes():
    G = build_citation_graph(small_corpus())
    assert isinstance(G, nx.DiGraph)
    assert G.number_of_nodes() == 8
    # 11 references, 2 of them to an id outside the corpus
    assert G.number_of_edges() == 9
    assert G.has_edge(_p(8), SEED) and not G.has_edge(SEED, _p(8))
    seed = G.nodes[SEED]
    assert seed["label"] == "Testwright 2025"
    assert seed["is_seed"] is True and seed["n_sources"] == 2
    assert seed["sources"] == "openalex; pubmed"
    assert seed["in_degree_local"] == 1 and seed["cited_by_count"] == 4
    assert G.nodes[_p(4)]["in_degree_local"] == 3
    assert "year" not in G.nodes[_p(7)]  # unknown numbers are left out, never None
    assert G.nodes[_p(6)]["journal"] == ""
    assert G.nodes[_p(8)]["label"] == "Lonely 2024"
    edge = G.edges[SEED, _p(2)]
    assert edge == {"kind": "references", "sources": "openalex; pubmed", "n_sources": 2}
    for _, data in G.nodes(data=True):
        assert all(v is not None and not isinstance(v, list) for v in data.values())


def test_citation_graph_with_similar_kind_keeps_the_highest_score():
    G = build_citation_graph(small_corpus(), kinds=("references", "similar"))
    assert G.edges[SEED, _p(6)]["score"] == pytest.approx(35120123.0)
    assert G.edges[SEED, _p(6)]["kind"] == "similar"
    assert G.number_of_edges() == 11


def test_citation_graph_of_empty_and_single_work():
    assert build_citation_graph(Corpus.empty()).number_of_nodes() == 0
    G = build_citation_graph(single_work_corpus())
    assert G.number_of_nodes() == 1 and G.number_of_edges() == 0
    assert G.nodes["pmid:900000200"]["label"] == "Test lone work"


# --- similarity graph --------------------------------------------------------------------------


def test_similarity_graph_counts_cocitation_coupling_similar_related():
    G = build_similarity_graph(small_corpus())
    assert G.number_of_nodes() == 8
    # works 2 and 3 both cite 4 and 5 (coupling 2); both are cited by the seed, which does not
    # count: every reference of the seed is co-cited by it, which says nothing
    e = G.edges[_p(2), _p(3)]
    assert (e["coupling"], e["cocitation"], e["weight"]) == (2, 0, 2.0)
    assert e["kind"] == "coupling"
    # works 2 and 8 share a reference outside the corpus
    assert G.edges[_p(2), _p(8)]["coupling"] == 1
    sim = G.edges[SEED, _p(6)]
    assert sim["similar"] == 1 and sim["similar_score"] == pytest.approx(35120123.0)
    assert G.edges[SEED, _p(7)]["related"] == 1
    heavy = build_similarity_graph(small_corpus(), min_weight=2)
    # 4 and 5 are both cited by 2 and 3 (cocitation 2; the seed's citation is not counted);
    # the seed, 2 and 3 all cite 4 and 5 (coupling 2 between each pair)
    assert sorted(tuple(sorted(e)) for e in heavy.edges()) == [
        (SEED, _p(2)), (SEED, _p(3)), (_p(2), _p(3)), (_p(4), _p(5))
    ]  # fmt: skip
    assert heavy.edges[_p(4), _p(5)]["cocitation"] == 2
    assert heavy.number_of_nodes() == 8  # nodes stay, edges are filtered


def test_similarity_pairs_are_not_counted_through_the_seed():
    seed_refs = [{"source": "s", "target": t, "kind": "references", "sources": ["pubmed"]}
                 for t in ("a", "b")]  # fmt: skip
    citing = [{"source": c, "target": "s", "kind": "references", "sources": ["pubmed"]}
              for c in ("c", "d")]  # fmt: skip
    works = [{"id": "s", "is_seed": True}] + [{"id": i} for i in "abcd"]
    G = build_similarity_graph(Corpus.from_rows(works=works, links=seed_refs + citing))
    assert G.number_of_edges() == 0  # a-b only co-cited by the seed, c-d only coupled through it


def test_similarity_graph_empty():
    assert build_similarity_graph(Corpus.empty()).number_of_edges() == 0
    assert build_similarity_graph(single_work_corpus()).number_of_nodes() == 1


# --- co-author graph ---------------------------------------------------------------------------


def test_coauthor_graph_weights_and_attributes():
    G = build_coauthor_graph(small_corpus())
    assert G.number_of_nodes() == 9
    ada, ben = "orcid:0000-0000-0000-0001", "name:samplesson|b"
    assert G.edges[ada, ben]["weight"] == 2
    assert G.edges[ada, ben]["works"] == f"{SEED}; {_p(2)}"
    node = G.nodes[ben]
    assert (node["name"], node["works"], node["first_year"], node["last_year"]) == (
        "Ben Samplesson",
        3,
        2022,
        2025,
    )
    assert node["is_seed_author"] is True
    assert node["institutions"] == "North Test University Hospital"
    assert G.nodes[ada]["orcid"] == "0000-0000-0000-0001"
    assert G.nodes["name:stubbs|g"]["is_seed_author"] is False
    assert G.degree("name:lonely|i") == 0  # sole author: a node without edges
    # 4 authors on the seed: 6 pairs; total distinct pairs across works
    assert G.number_of_edges() == 11


def test_coauthor_graph_of_seed_like_corpus_is_a_24_clique():
    G = build_coauthor_graph(seed_like_corpus())
    assert G.number_of_nodes() == 24 and G.number_of_edges() == 24 * 23 // 2
    assert all(d["weight"] == 1 for *_, d in G.edges(data=True))
    with_aff = [n for n, d in G.nodes(data=True) if d["affiliations"]]
    assert len(with_aff) == 13
    assert all(d["is_seed_author"] for _, d in G.nodes(data=True))


def test_coauthor_graph_skips_pairs_of_huge_author_lists_and_caps_edge_work_lists():
    G = build_coauthor_graph(seed_like_corpus(), max_authors_per_work=10)
    assert G.number_of_nodes() == 24 and G.number_of_edges() == 0
    assert G.graph["skipped_works"] == "pmid:900000100"
    works = [{"id": f"w{i:02d}"} for i in range(MAX_EDGE_WORKS + 3)]
    ships = [{"work_id": w["id"], "author_id": a} for w in works for a in ("x", "y")]
    G = build_coauthor_graph(Corpus.from_rows(works=works, authorships=ships))
    assert G.edges["x", "y"]["weight"] == MAX_EDGE_WORKS + 3
    assert G.edges["x", "y"]["works"].endswith("… (+3 more)")


def test_coauthor_graph_empty_and_without_authors():
    assert build_coauthor_graph(Corpus.empty()).number_of_nodes() == 0
    assert build_coauthor_graph(single_work_corpus()).number_of_nodes() == 0


def test_builders_on_a_generated_corpus_agree_with_the_tables():
    c = generated_corpus(300, seed=3)
    G = build_citation_graph(c)
    refs = c.links[c.links["kind"] == "references"]
    assert G.number_of_nodes() == 300 and G.number_of_edges() == len(refs)
    A = build_coauthor_graph(c)
    assert A.number_of_nodes() == c.authorships["author_id"].nunique()
    assert sum(d["works"] for _, d in A.nodes(data=True)) == len(c.authorships)


def test_similarity_graph_max_edges_keeps_the_heaviest():
    full = build_similarity_graph(small_corpus())
    top = build_similarity_graph(small_corpus(), max_edges=2)
    assert top.number_of_edges() == 2 and top.number_of_nodes() == 8
    assert top.graph["dropped_edges"] == full.number_of_edges() - 2
    weights = sorted((d["weight"] for *_, d in full.edges(data=True)), reverse=True)
    assert sorted((d["weight"] for *_, d in top.edges(data=True)), reverse=True) == weights[:2]
    assert "dropped_edges" not in full.graph


@pytest.mark.parametrize("k", [0, 1, 37, 400])
def test_similarity_cut_keeps_the_heaviest_with_ties_in_pair_order(k):
    # Many edges share a weight at the cut: the kept ones are the first k of the full graph's
    # edges ordered by weight (heaviest first), then by the pair's ids; counts stay the same.
    corpus = generated_corpus(150, seed=4, refs_per_work=5, authors_per_work=3)
    full = build_similarity_graph(corpus)
    edges = {(min(a, b), max(a, b)): d for a, b, d in full.edges(data=True)}
    ranked = sorted(edges, key=lambda pair: (-edges[pair]["weight"], pair))
    top = build_similarity_graph(corpus, max_edges=k)
    kept = {(min(a, b), max(a, b)): d for a, b, d in top.edges(data=True)}
    assert kept == {pair: edges[pair] for pair in ranked[:k]}
    assert top.graph["dropped_edges"] == full.number_of_edges() - k
    assert list(top.nodes(data=True)) == list(full.nodes(data=True))


def test_similarity_links_repeated_or_outside_the_corpus_count_once():
    refs = [("a", "x"), ("b", "x"), ("a", "x"), ("a", "y"), ("b", "y"), ("q", "a"), ("q", "b")]
    links = [{"source": s, "target": t, "kind": "references", "sources": ["openalex"]}
             for s, t in refs]  # fmt: skip
    links += [{"source": "b", "target": "a", "kind": "similar", "sources": ["pubmed"]},
              {"source": "a", "target": "b", "kind": "similar", "sources": ["pubmed"],
               "score": 7.0}, {"source": "a", "target": "zz", "kind": "related",
               "sources": ["openalex"]}]  # fmt: skip
    G = build_similarity_graph(Corpus.from_rows(works=[{"id": "a"}, {"id": "b"}], links=links))
    e = G.edges["a", "b"]
    assert (e["coupling"], e["cocitation"], e["similar"], e["related"]) == (2, 1, 1, 0)
    assert e["weight"] == 4.0 and e["similar_score"] == 7.0 and G.number_of_edges() == 1


def test_empty_selections_mean_no_filter():
    c = filter_corpus(small_corpus(), journals=[], pub_types=[])
    assert len(c.works) == 8 and c.manifest["filters"] == {}


def test_journal_filter_matches_names_with_stray_spaces() -> None:
    from citegraph.graphs import filter_corpus, journal_options
    from citegraph.model import Corpus

    c = Corpus.from_rows(works=[{"id": "a", "journal": "Blood "}, {"id": "b", "journal": "Blood"}])
    assert journal_options(c) == ["Blood"]
    assert len(filter_corpus(c, journals=["Blood"]).works) == 2


def test_unknown_link_kind_is_an_option_error() -> None:
    from citegraph import OptionError

    with pytest.raises(OptionError, match="Unknown link kind 'cites'. Choose one of: references"):
        build_citation_graph(small_corpus(), kinds=("cites",))


def test_views_of_one_corpus_share_node_values_but_not_attribute_dicts():
    # The work nodes' attributes are computed once per corpus; each graph gets its own dicts.
    corpus = small_corpus()
    citation = build_citation_graph(corpus)
    similarity = build_similarity_graph(corpus)
    node = next(iter(citation))
    shared = {k: v for k, v in citation.nodes[node].items() if k != "in_degree_local"}
    assert shared == similarity.nodes[node]
    citation.nodes[node]["label"] = "changed by a caller"
    similarity.nodes[node]["title"] = "changed too"
    again = build_citation_graph(corpus)
    assert again.nodes[node]["label"] == shared["label"]
    assert again.nodes[node]["title"] == shared["title"]
    assert "in_degree_local" not in similarity.nodes[node]


def test_first_authors_follow_byline_order_whatever_the_table_order():
    corpus = generated_corpus(60, seed=3)
    shuffled = corpus.with_tables(authorships=corpus.authorships.sample(frac=1, random_state=1))
    firsts = first_authors(corpus)
    assert firsts == first_authors(shuffled)
    for wid, family in list(firsts.items())[:20]:
        lead = corpus.authors_by_id[corpus.authors_of(wid)[0]]
        assert family == lead["last_name"]
