"""Clusters named by content (c-TF-IDF): hand-made corpora whose right answer is obvious.

HAND-BUILT TEST DATA: titles, abstracts and headings below are written for these tests.
"""

from __future__ import annotations

import networkx as nx

from citegraph.analysis import cluster_table, merge_small_clusters
from citegraph.model import Corpus
from citegraph.topics import STOP_WORDS, cluster_terms, ctfidf_terms, work_terms
from citegraph.views import build_view, cluster_labels, view_html
from tests.corpora import XSS_TITLE, small_corpus


def _two_topics() -> Corpus:
    lupus = [
        (
            "l1",
            "CAR T cells in refractory lupus nephritis",
            "We treated lupus nephritis.",
            ["Lupus Nephritis/therapy", "Humans", "Female"],
            [],
        ),
        ("l2", "Lupus nephritis after CD19 CAR T cells", "", ["*Lupus Nephritis"], ["B cells"]),
        ("l3", "B cell depletion for lupus nephritis", "Results: remission.", [], ["B cells"]),
    ]
    asthma = [
        ("a1", "Inhaled corticosteroids in childhood asthma", "", ["Asthma", "Humans"], []),
        ("a2", "Asthma exacerbations and inhaled corticosteroids", "", ["Asthma"], []),
        ("a3", "School programmes for asthma", "The results of the study.", ["Asthma"], []),
    ]
    works = [
        {"id": wid, "title": t, "abstract": ab, "mesh": mesh, "keywords": kw, "year": 2020}
        for wid, t, ab, mesh, kw in lupus + asthma
    ]
    authors = [
        {"id": "x1", "name": "X One", "countries": ["US"]},
        {"id": "x2", "name": "X Two", "countries": ["US"]},
        {"id": "x3", "name": "X Three", "countries": ["DE"]},
        {"id": "y1", "name": "Y One", "countries": ["FR"]},
    ]
    ships = [("l1", "x1"), ("l2", "x2"), ("l3", "x3"), ("l1", "x2"), ("a1", "y1"), ("a2", "y1")]
    return Corpus.from_rows(
        works=works,
        authors=authors,
        authorships=[
            {
                "work_id": w,
                "author_id": a,
                "affiliations": ["Test Lupus Institute"] if a.startswith("x") else [],
            }
            for w, a in ships
        ],  # fmt: skip
    )


def test_work_terms_words_phrases_and_headings():
    terms = work_terms(
        {"title": "The results of CAR T cells", "abstract": None,
         "mesh": ["*Lupus Nephritis/therapy", "Humans", "Child, Preschool"],
         "keywords": ["B cells"]}
    )  # fmt: skip
    assert terms == {"car", "car t", "t cells", "cells", "lupus nephritis", "b cells"}
    assert not terms & STOP_WORDS
    assert work_terms({"title": float("nan"), "mesh": None}) == set()


def test_each_topic_gets_its_own_distinctive_terms():
    corpus = _two_topics()
    clusters = {"l1": 1, "l2": 1, "l3": 1, "a1": 2, "a2": 2, "a3": 2}
    named = cluster_terms(corpus, clusters, top=3)
    assert named[1][0] == "lupus nephritis"
    assert named[2][0] == "asthma"
    assert "inhaled corticosteroids" in named[2]
    assert not set(named[1]) & set(named[2])
    for terms in named.values():  # no two terms share a word
        words = [set(t.split()) for t in terms]
        assert all(not (a & b) for i, a in enumerate(words) for b in words[i + 1 :])


def test_author_clusters_are_named_by_their_works_and_places():
    corpus = _two_topics()
    G = nx.Graph([("x1", "x2"), ("x2", "x3"), ("x1", "x3")])
    G.add_node("y1")
    table = cluster_table(corpus, G, {"x1": 1, "x2": 1, "x3": 1, "y1": 2}).set_index("cluster")
    assert table.loc[1, "label"].startswith("lupus nephritis")
    assert table.loc[1, "label"].endswith(" — Test Lupus Institute (US)")
    assert table.loc[1, "countries"] == "US (2); DE (1)"
    assert "asthma" in table.loc[2, "label"] and table.loc[2, "label"].endswith(" — FR")


def test_small_clusters_are_pooled_as_other_and_listed_last():
    clusters = {"x1": 1, "x2": 1, "x3": 1, "y1": 2}
    merged = merge_small_clusters(clusters)
    assert merged == {"x1": 1, "x2": 1, "x3": 1, "y1": 0}
    assert merge_small_clusters(clusters, min_size=1) == clusters
    corpus = _two_topics()
    G = nx.Graph([("x1", "x2"), ("x2", "x3")])
    G.add_node("y1")
    table = cluster_table(corpus, G, merged)
    assert table["cluster"].tolist() == [1, 0]
    assert table.iloc[-1]["label"] == "other (clusters under 3)"


def test_single_work_clusters_still_get_terms():
    named = ctfidf_terms({1: [{"lupus"}], 2: [{"asthma", "inhaler"}]}, top=2)
    assert named == {1: ["lupus"], 2: ["asthma", "inhaler"]}
    assert ctfidf_terms({1: [set()]}) == {1: []}


def test_view_legend_names_clusters_by_content_and_escapes_them():
    corpus = small_corpus()
    G = build_view(corpus, "citation")
    labels = cluster_labels(corpus, G)
    assert labels and all(label for label in labels.values())
    html = view_html(corpus, G)
    # The markup title is data: its words may name a cluster, its tags never reach the page.
    assert "<script>alert(1)</script>" not in html.split("<body>", 1)[1].split("<script", 1)[0]
    assert XSS_TITLE not in html
