"""Ranks, prior and derivative works, and the find box's matches, on hand-checkable corpora.

`tests.corpora.small_corpus` (hand-built test data) has these references: 1→2, 1→3, 1→4, 1→5,
2→4, 2→5, 3→4, 3→5, 8→1, and 2→outside.1, 8→outside.1 (a work outside the corpus).
"""

from __future__ import annotations

import networkx as nx
import pytest

from citegraph import OptionError
from citegraph.analysis import ranked_works_table
from citegraph.graphs import build_citation_graph
from citegraph.model import Corpus
from citegraph.ranking import (
    RANKS,
    assign_ranks,
    author_ranks,
    check_rank,
    citation_edges,
    derivative_works,
    find_matches,
    prior_works,
    ranked,
    work_ranks,
)
from citegraph.views import ViewOptions, build_view
from tests.corpora import XSS_TITLE, generated_corpus, small_corpus


def _w(n: int) -> str:
    return f"pmid:9000000{n:02d}"


def test_in_corpus_citations_are_the_citation_graphs_in_degree():
    corpus = small_corpus()
    ranks = work_ranks(corpus).set_index("id")
    assert ranks.loc[_w(4), "citations"] == 3 and ranks.loc[_w(5), "citations"] == 3
    assert ranks.loc[_w(1), "citations"] == 1 and ranks.loc[_w(8), "citations"] == 0
    G = build_citation_graph(corpus)
    for node, degree in G.in_degree():
        assert ranks.loc[node, "citations"] == degree
    assert ranks.loc[_w(2), "cited_by_count"] == 10
    assert ranks["cited_by_count"].isna().sum() == 1  # work 5 has no count


def test_pagerank_sums_to_one_and_ranks_the_most_cited_first():
    ranks = work_ranks(small_corpus())
    assert ranks["pagerank"].sum() == pytest.approx(1.0)
    top = ranks.sort_values(["pagerank", "id"], ascending=[False, True])["id"].tolist()
    # 4 and 5 are cited by the same three works: equal PageRank, ties by id.
    assert top[:2] == [_w(4), _w(5)]
    assert ranks.set_index("id").loc[_w(4), "pagerank"] == pytest.approx(
        ranks.set_index("id").loc[_w(5), "pagerank"]
    )


def test_ranks_do_not_depend_on_row_order():
    corpus = small_corpus()
    shuffled = corpus.with_tables(
        works=corpus.works.iloc[::-1].reset_index(drop=True),
        links=corpus.links.iloc[::-1].reset_index(drop=True),
    )
    a = work_ranks(corpus).set_index("id").sort_index()
    b = work_ranks(shuffled).set_index("id").sort_index()
    assert a["citations"].tolist() == b["citations"].tolist()
    assert a["pagerank"].tolist() == pytest.approx(b["pagerank"].tolist())


def test_author_ranks_sum_their_works():
    ranks = author_ranks(small_corpus()).set_index("id")
    ada = ranks.loc["orcid:0000-0000-0000-0001"]  # works 1 and 2: cited 1 + 1 inside
    assert (ada["works"], ada["citations"], ada["cited_by_count"]) == (2, 2, 14)
    ben = ranks.loc["name:samplesson|b"]  # works 1, 2, 3
    assert (ben["works"], ben["citations"]) == (3, 3)
    assert ranks["pagerank"].sum() == pytest.approx(1.0)


def test_prior_works_count_citers_including_works_outside_the_corpus():
    table = prior_works(small_corpus())
    assert table[["id", "cited_by", "in_corpus"]].values.tolist() == [
        [_w(4), 3, True],
        [_w(5), 3, True],
        ["doi:10.5555/outside.1", 2, False],
    ]
    # Four works cite anything (1, 2, 3, 8).
    assert table["share"].tolist() == [0.75, 0.75, 0.5]
    assert table.loc[0, "label"] == "Fakeley 2019" and table.loc[0, "title"] == "Test work four"
    assert table.loc[2, "label"] == "doi:10.5555/outside.1"
    assert len(prior_works(small_corpus(), top=1)) == 1


def test_derivative_works_count_the_corpus_works_they_cite():
    table = derivative_works(small_corpus())
    assert table[["id", "cites"]].values.tolist() == [[_w(1), 4], [_w(2), 2], [_w(3), 2]]
    assert table["share"].tolist() == [0.8, 0.4, 0.4]  # five works are cited at all


def test_lists_are_empty_without_references():
    empty = Corpus.from_rows(works=[{"id": "a"}])
    assert prior_works(empty).empty and derivative_works(empty).empty
    assert list(prior_works(empty).columns)[:5] == ["id", "label", "title", "year", "cited_by"]


def test_find_matches_works_and_authors():
    corpus = small_corpus()
    assert find_matches(corpus, "work four")[0] == (_w(4), "Fakeley 2019 — Test work four")
    assert find_matches(corpus, "900000003")[0][0] == _w(3)  # exact PMID first
    assert find_matches(corpus, "TESTWRIGHT") == [
        ("orcid:0000-0000-0000-0001", "Ada Testwright (author, 2 works)")
    ]
    # By overall citations: 10, 5, 3 (work 3's title is the one with markup).
    assert [m[0] for m in find_matches(corpus, "test work", limit=3)] == [_w(2), _w(8), _w(3)]
    # A title holding markup is returned as it is: the page shows it as text.
    assert any(label.endswith(XSS_TITLE) for _, label in find_matches(corpus, "script"))
    assert find_matches(corpus, "no such thing") == []


def test_assign_ranks_on_every_view_and_rank_option():
    corpus = small_corpus()
    for view in ("citation", "similarity", "timeline", "coauthor"):
        G = build_view(corpus, view)
        assert all("citations" in d and "pagerank" in d for _, d in G.nodes(data=True))
    G = build_view(corpus, "coauthor", ViewOptions(rank="pagerank"))
    assert G.graph["rank"] == "pagerank"
    with pytest.raises(OptionError, match="Unknown rank 'size'"):
        ViewOptions(rank="size")
    assert check_rank("global") == "global" and list(RANKS)[0] == "citations"


def test_assign_ranks_on_an_empty_graph_does_nothing():
    G = nx.Graph()
    assign_ranks(G, Corpus.empty())
    assert G.number_of_nodes() == 0


def test_ranked_works_table_has_a_column_per_rank():
    table = ranked_works_table(small_corpus())
    assert {"citations", "cited_by_count", "pagerank"} <= set(table.columns)
    # Equal citations and PageRank: newest first, as the works table orders.
    assert table["id"].tolist()[:2] == [_w(5), _w(4)]
    by_global = ranked(table, "global")
    assert by_global["id"].tolist()[0] == _w(2)  # cited_by_count 10
    assert ranked(table, "works")["id"].tolist()[:2] == [_w(4), _w(5)]  # no works: citations


def test_ranks_on_a_generated_corpus_are_complete():
    corpus = generated_corpus(120, seed=3)
    ranks = work_ranks(corpus)
    assert len(ranks) == len(corpus.works) and ranks["pagerank"].notna().all()
    assert (ranks["citations"] >= 0).all()


def test_pagerank_matches_networkx():
    corpus = generated_corpus(150, seed=5)
    ours = work_ranks(corpus).set_index("id")["pagerank"]
    G = nx.DiGraph()
    G.add_nodes_from(str(w) for w in corpus.works["id"])
    G.add_edges_from(citation_edges(corpus))
    theirs = nx.pagerank(G, alpha=0.85, tol=1e-12)
    assert max(abs(ours[n] - theirs[n]) for n in G) < 1e-8
    coauthors = build_view(corpus, "coauthor")
    mine = author_ranks(corpus, coauthors).set_index("id")["pagerank"]
    reference = nx.pagerank(coauthors, alpha=0.85, weight="weight", tol=1e-12)
    assert max(abs(mine[n] - reference[n]) for n in coauthors) < 1e-8
