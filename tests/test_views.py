from __future__ import annotations

import re
from collections import Counter

import networkx as nx
import pytest

from citegraph import OptionError
from citegraph.analysis import MIN_CLUSTER_SIZE
from citegraph.views import (
    MAX_SIMILARITY_EDGES,
    QUERY_KEYS,
    PageOptions,
    ViewOptions,
    build_filtered_view,
    build_view,
    cluster_labels,
    file_bytes,
    view_html,
    view_notes,
)
from tests.corpora import small_corpus


def test_every_view_assigns_clusters_to_every_node() -> None:
    corpus = small_corpus()
    for view in ("citation", "similarity", "coauthor", "timeline"):
        G = build_view(corpus, view)
        assert G.graph["view"] == view
        assert G.number_of_nodes() > 0
        # 0 is "other": the clusters under MIN_CLUSTER_SIZE, pooled.
        assert all(
            isinstance(d["cluster"], int) and d["cluster"] >= 0 for _, d in G.nodes(data=True)
        )
        sizes = Counter(d["cluster"] for _, d in G.nodes(data=True))
        assert all(n >= MIN_CLUSTER_SIZE for c, n in sizes.items() if c != 0)


def test_legend_names_clusters_and_html_is_offline() -> None:
    corpus = small_corpus()
    G = build_view(corpus, "coauthor")
    labels = cluster_labels(corpus, G)
    assert set(labels) == {d["cluster"] for _, d in G.nodes(data=True)}
    html = view_html(corpus, G)
    assert any(label in html for label in labels.values())
    assert 'src="http' not in html and 'href="http' not in html


def test_similarity_weight_threshold_prunes_edges() -> None:
    corpus = small_corpus()
    loose = build_view(corpus, "similarity", ViewOptions(min_weight=1))
    strict = build_view(corpus, "similarity", ViewOptions(min_weight=2))
    assert strict.number_of_edges() < loose.number_of_edges()


def test_notes_say_what_was_left_out() -> None:
    G = nx.Graph(dropped_edges=5, skipped_works="pmid:1; pmid:2")
    notes = view_notes(G)
    assert f"{MAX_SIMILARITY_EDGES:,}" in notes[0] and "5 weaker" in notes[0]
    assert notes[1].startswith("2 work(s) with more than 50 authors")
    assert view_notes(nx.Graph()) == []


def test_colour_by_institution_names_institutions_in_the_legend() -> None:
    from citegraph.views import COLOR_OPTIONS

    corpus = small_corpus()
    G = build_view(corpus, "coauthor")
    institutions = {d["institution"] for _, d in G.nodes(data=True)} - {""}
    assert institutions
    html = view_html(corpus, G, color_by="institution")
    assert all(name.replace("'", "&#x27;") in html or name in html for name in institutions)
    assert set(COLOR_OPTIONS) == {"citation", "similarity", "coauthor", "timeline"}


def test_similarity_counts_shared_references_the_filters_hid() -> None:
    """A and B (2021) share R (2010): filtering to 2020+ hides R but not their coupling."""
    from citegraph.graphs import filter_corpus
    from citegraph.model import Corpus

    refs = [{"source": s, "target": "R", "kind": "references", "sources": ["icite"]} for s in "AB"]
    full = Corpus.from_rows(
        works=[{"id": "A", "year": 2021}, {"id": "B", "year": 2021}, {"id": "R", "year": 2010}],
        links=refs,
    )
    filtered = filter_corpus(full, year_from=2020)
    assert build_view(filtered, "similarity").number_of_edges() == 0
    G = build_view(filtered, "similarity", unfiltered=full)
    assert set(G) == {"A", "B"} and G.edges["A", "B"]["coupling"] == 1


def test_unknown_view_or_colour_key_is_an_option_error() -> None:
    from citegraph import OptionError

    corpus = small_corpus()
    with pytest.raises(OptionError, match="Unknown view 'cocitation'. Choose one of: citation, "):
        build_view(corpus, "cocitation")
    G = build_view(corpus, "citation")
    with pytest.raises(
        OptionError, match="Unknown colour key 'institution'.*cluster, journal, year"
    ):
        view_html(corpus, G, color_by="institution")
    with pytest.raises(OptionError, match="Unknown clustering method 'kmeans'"):
        build_view(corpus, "coauthor", ViewOptions(cluster_method="kmeans"))


def test_a_consortium_paper_adds_no_coauthor_clique_and_the_page_says_so() -> None:
    from citegraph.graphs import MAX_AUTHORS_PER_WORK, build_coauthor_graph
    from citegraph.model import Corpus
    from citegraph.views import view_notes

    n = MAX_AUTHORS_PER_WORK + 1  # a GENERATED consortium paper
    corpus = Corpus.from_rows(
        works=[{"id": "w1", "sources": ["openalex"]}],
        authors=[{"id": f"a{i}", "name": f"Author {i}"} for i in range(n)],
        authorships=[{"work_id": "w1", "author_id": f"a{i}", "position": i + 1} for i in range(n)],
    )
    G = build_coauthor_graph(corpus)
    assert G.number_of_nodes() == n and G.number_of_edges() == 0
    assert f"more than {MAX_AUTHORS_PER_WORK} authors" in view_notes(G)[0]


# ---------------------------------------------------------------- one option set (PageOptions)
def _every_option_set() -> PageOptions:
    return PageOptions(
        view="similarity", journals=("title:test journal b", "title:test journal a"),
        year_from=2020, year_to=2024, min_citations=2, min_weight=2.0, color_by="journal",
        cluster_method="louvain", resolution=1.5, rank="pagerank",
    )  # fmt: skip


def test_page_options_survive_the_url_and_the_command_line() -> None:
    import argparse

    options = _every_option_set()
    assert options.journals == ("title:test journal a", "title:test journal b")  # sorted
    query = options.to_query()
    assert set(query) == set(QUERY_KEYS.values())  # every option differs from its default
    assert PageOptions.from_query(query) == (options, [])
    assert PageOptions.from_query({k: [v] for k, v in query.items()}) == (options, [])
    parser = argparse.ArgumentParser()
    PageOptions.add_cli_arguments(parser)
    assert PageOptions.from_cli(parser.parse_args(options.to_cli_args())) == options
    assert PageOptions.from_cli(parser.parse_args([])) == PageOptions()
    assert PageOptions().to_query() == {"view": "coauthor"}


def test_bad_link_values_are_reported_once_each_and_replaced_by_defaults() -> None:
    options, problems = PageOptions.from_query({
        "view": "galaxy", "color": "journal", "method": "kmeans", "resolution": "9",
        "min_weight": "heavy", "year_from": "2024", "year_to": "2001", "min_citations": "-3",
        "seed": "40603629", "node": "pmid:1",  # other parts of the page own these keys
    })  # fmt: skip
    assert options == PageOptions(year_from=2024)
    assert len(problems) == 7
    for key in ("view", "color", "method", "resolution", "min_weight", "year_to", "min_citations"):
        assert sum(p.startswith(f"The link's {key}=") for p in problems) == 1, key
    assert all("seed" not in p and "node" not in p for p in problems)
    assert "Choose one of: citation, similarity, coauthor, timeline." in problems[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"view": "map"}, "Unknown view 'map'"),
        ({"color_by": "year"}, "Unknown colour key for the coauthor view 'year'"),
        ({"cluster_method": "kmeans"}, "Unknown clustering method 'kmeans'"),
        ({"resolution": 0}, "Resolution must be from 0.2 to 3, not 0."),
        ({"min_weight": float("nan")}, "Minimum similarity weight must be a number"),
        ({"min_citations": 2.5}, "minimum citations must be a whole number"),
        ({"min_citations": -1}, "Minimum citations must be from 0"),
        ({"year_from": 2025, "year_to": 2020}, "The year range 2025-2020 is empty"),
        ({"journals": "Cell"}, "journals must be a list"),
    ],
)
def test_a_bad_option_is_an_option_error_that_says_what_to_give(kwargs: dict, message: str) -> None:
    with pytest.raises(OptionError, match=re.escape(message)):
        PageOptions(**kwargs)


def test_filters_name_journals_one_way_however_they_were_given() -> None:
    corpus = small_corpus()
    by_id = PageOptions(journals=("title:test journal a",)).filter(corpus)
    by_name = PageOptions(journals=("test journal A",)).filter(corpus)
    assert list(by_id.works["id"]) == list(by_name.works["id"]) and len(by_id.works) == 3
    assert (
        by_id.manifest["filters"] == by_name.manifest["filters"] == {"journals": ["Test Journal A"]}
    )
    with pytest.raises(OptionError, match="No journal of this corpus matches 'Nature'"):
        PageOptions(journals=("Nature",)).filter(corpus)


def test_every_download_comes_from_one_function() -> None:
    corpus = small_corpus()
    options = _every_option_set()
    filtered, G = build_filtered_view(corpus, options)
    assert G.graph["view"] == "similarity" and set(G) <= set(filtered.works["id"])
    html = file_bytes(filtered, G, "html", "html", color_by="journal").decode()
    assert "Test Journal A" in html
    assert file_bytes(filtered, G, "nodes", "csv").startswith(b"id,")
    assert file_bytes(filtered, G, "works", "ris").count(b"TY  - ") == len(filtered.works)
    with pytest.raises(OptionError, match="Unknown kind of download 'pdf'"):
        file_bytes(filtered, G, "pdf", "pdf")
