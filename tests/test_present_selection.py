"""What the page says about a selection in the graph (present.selection_details and friends).

HAND-BUILT test corpora (tests/corpora.py), whose links and authors are known by heart.
"""

from __future__ import annotations

import pytest

from citegraph.model import Corpus
from citegraph.present import (
    merge_explanation,
    parse_selection,
    selection_details,
    selection_param,
)
from citegraph.views import build_view, cluster_labels
from tests.corpora import XSS_TITLE, small_corpus

W = "pmid:9000000{:02d}".format


def _tables(details) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return {caption.split(" (")[0]: list(table["id"]) for caption, table in details.tables}


def test_a_work_shows_its_card_references_and_citers_in_the_corpus() -> None:
    corpus = small_corpus()
    G = build_view(corpus, "citation")
    d = selection_details(corpus, G, {"kind": "node", "id": W(2)})
    assert "Test work two" in d.paragraphs[0]  # the card, with links
    assert "https://doi.org/10.5555/test.2" in d.paragraphs[0]
    assert "no source marks this work as retracted" in d.paragraphs[1]
    tables = _tables(d)
    assert sorted(tables["Its references in this corpus"]) == [W(4), W(5)]
    assert tables["Works in this corpus citing it"] == [W(1)]


def test_a_retracted_work_says_so() -> None:
    corpus = Corpus.from_rows(works=[{"id": "w", "title": "T", "retracted": True}])
    G = build_view(corpus, "citation")
    d = selection_details(corpus, G, {"kind": "node", "id": "w"})
    assert "RETRACTED" in d.paragraphs[0] and "marked **retracted**" in d.paragraphs[1]


def test_a_citation_edge_names_the_citing_and_the_cited_work() -> None:
    corpus = small_corpus()
    G = build_view(corpus, "citation")
    d = selection_details(corpus, G, {"kind": "edge", "u": W(1), "v": W(2)})
    assert d.heading.startswith("#### Citation: Test seed work")
    assert _tables(d) == {"The citing work": [W(1)], "The cited work": [W(2)]}
    assert "openalex\\; pubmed" in d.paragraphs[0]


def test_a_similarity_edge_lists_shared_references_and_shared_citers() -> None:
    corpus = small_corpus()
    G = build_view(corpus, "similarity")
    # 2 and 3 both cite 4 and 5 (coupling 2); both are cited by the seed, which is not counted.
    d = selection_details(corpus, G, {"kind": "edge", "u": W(2), "v": W(3)})
    tables = _tables(d)
    assert sorted(tables["References both cite"]) == [W(4), W(5)]
    assert tables["Works citing both"] == []
    assert G.edges[W(2), W(3)]["coupling"] == 2
    # 4 and 5 are co-cited by 2 and 3 (and the seed, left out as the graph leaves it out).
    d = selection_details(corpus, G, {"kind": "edge", "u": W(4), "v": W(5)})
    assert sorted(_tables(d)["Works citing both"]) == [W(2), W(3)]
    assert G.edges[W(4), W(5)]["cocitation"] == 2
    # The seed and 6: PubMed says similar, with its score.
    d = selection_details(corpus, G, {"kind": "edge", "u": W(1), "v": W(6)})
    assert "PubMed lists them as similar articles (score 3.51201e+07)" in d.paragraphs[0]


def test_a_coauthor_edge_lists_the_shared_works_and_an_author_their_identity() -> None:
    corpus = small_corpus()
    G = build_view(corpus, "coauthor")
    a1, a2 = "orcid:0000-0000-0000-0001", "name:samplesson|b"
    d = selection_details(corpus, G, {"kind": "edge", "u": a2, "v": a1})
    assert sorted(_tables(d)["Their shared works"]) == [W(1), W(2)]
    d = selection_details(corpus, G, {"kind": "node", "id": a1},
                          cluster_names=cluster_labels(corpus, G))  # fmt: skip
    assert d.heading == "#### Ada Testwright"
    assert "(https://orcid.org/0000-0000-0000-0001)" in d.paragraphs[0]
    assert any("records carrying the same ORCID" in p for p in d.paragraphs)
    assert any(p.startswith("**Cluster** ") for p in d.paragraphs)
    tables = _tables(d)
    assert sorted(tables["Works in this corpus"]) == [W(1), W(2)]
    assert sorted(tables["Co-authors in this view"]) == sorted(G[a1])


def test_name_merges_show_their_evidence() -> None:
    aff = "Division of Tests, Generated Children's Hospital, Testville"
    corpus = Corpus.from_rows(
        works=[{"id": "w1"}, {"id": "w2"}],
        authors=[{"id": "p", "name": "Ann Lee", "merge_rule": "name+affiliation",
                  "variants": ["Ann Lee", "A Lee"], "sources": ["pubmed", "openalex"]}],
        authorships=[{"work_id": "w1", "author_id": "p", "name": "Ann Lee", "affiliations": [aff]},
                     {"work_id": "w2", "author_id": "p", "name": "A Lee", "affiliations": [aff]}],
    )  # fmt: skip
    text = merge_explanation(corpus, "p")
    assert "share an institution" in text
    assert "Evidence: institution generated childrens hospital on 2 works" in text
    assert "Name forms: Ann Lee, A Lee" in text and "Sources: pubmed, openalex" in text


def test_a_cluster_lists_its_members() -> None:
    corpus = small_corpus()
    G = build_view(corpus, "coauthor")
    cluster = G.nodes["name:dummond|e"]["cluster"]
    d = selection_details(corpus, G, {"kind": "cluster", "id": cluster})
    members = {n for n, c in G.nodes(data="cluster") if c == cluster}
    assert set(_tables(d)["Authors"]) == members
    assert selection_details(corpus, G, {"kind": "cluster", "id": 999}) is None


def test_markup_in_titles_stays_text() -> None:
    corpus = small_corpus()
    G = build_view(corpus, "citation")
    d = selection_details(corpus, G, {"kind": "edge", "u": W(1), "v": W(3)})
    assert "<script>" not in d.heading and "\\<script\\>" in d.heading
    assert XSS_TITLE in set(d.tables[1][1]["title"])  # table cells are plain text, unescaped


@pytest.mark.parametrize(
    "selection",
    [{"kind": "node", "id": "doi:10.1/a|b c"}, {"kind": "edge", "u": "name:a|b", "v": "W1"},
     {"kind": "cluster", "id": 4}, {"kind": "edge", "u": 'x"]', "v": "y:z"}],
)  # fmt: skip
def test_selections_survive_the_url(selection) -> None:  # type: ignore[no-untyped-def]
    assert parse_selection(selection_param(selection)) == selection


def test_what_is_not_a_selection_selects_nothing() -> None:
    corpus = small_corpus()
    G = build_view(corpus, "citation")
    for bad in (None, {}, {"kind": "node"}, {"kind": "edge", "u": W(2), "v": W(1)},
                {"kind": "node", "id": "pmid:1"}, {"kind": "what"}):  # fmt: skip
        assert selection_details(corpus, G, bad) is None
    for text in ("", "node:", "cluster:x", "edge:[1,2]", "edge:{", "other:1"):
        assert parse_selection(text) is None
