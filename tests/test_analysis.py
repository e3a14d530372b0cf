"""Clusters, institution parsing and the display tables."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from citegraph import CitegraphError, OptionError
from citegraph.affiliations import parse_institution
from citegraph.analysis import (
    assign_clusters,
    author_clusters,
    author_table,
    cluster_table,
    works_table,
)
from citegraph.graphs import build_citation_graph, build_coauthor_graph
from citegraph.model import Corpus
from tests.corpora import generated_corpus, seed_like_corpus, single_work_corpus, small_corpus


def _two_cliques() -> nx.Graph:
    G = nx.complete_graph([f"a{i}" for i in range(6)])
    G.add_edges_from(nx.complete_graph([f"b{i}" for i in range(4)]).edges())
    G.add_edge("a0", "b0")
    G.add_node("lonely")
    return G


def _communities(clusters: dict[str, int]) -> list[set[str]]:
    groups: dict[int, set[str]] = {}
    for node, number in clusters.items():
        groups.setdefault(number, set()).add(node)
    return [groups[k] for k in sorted(groups)]


def _graphs() -> dict[str, nx.Graph]:
    return {
        "two cliques": _two_cliques(),
        "karate club": nx.relabel_nodes(nx.karate_club_graph(), str),
        "les miserables (weighted)": nx.les_miserables_graph(),
        "small co-author": build_coauthor_graph(small_corpus()),
        "small citation": build_citation_graph(small_corpus()).to_undirected(),
    }


@pytest.mark.parametrize("method", ["louvain", "leiden"])
@pytest.mark.parametrize("name", list(_graphs()))
def test_clusters_are_a_partition_at_least_as_modular_as_networkx_louvain(method, name):
    # Louvain is a heuristic whose result moves with node order, so the yardstick is the worst
    # of five networkx runs on the graph as given.
    G = _graphs()[name]
    weight = "weight" if any("weight" in d for *_, d in G.edges(data=True)) else None
    communities = _communities(author_clusters(G, method=method))
    assert nx.community.is_partition(G, communities)
    yardstick = min(
        nx.community.modularity(G, nx.community.louvain_communities(G, weight=weight, seed=s),
                                weight=weight)
        for s in range(5)
    )  # fmt: skip
    assert nx.community.modularity(G, communities, weight=weight) >= yardstick - 1e-9


@pytest.mark.parametrize("method", ["louvain", "leiden"])
def test_clusters_are_numbered_by_size_and_isolated_nodes_get_their_own(method):
    # The numbering users see (table, legend, VOSviewer): 1, 2, … from the largest cluster.
    for G in _graphs().values():
        clusters = author_clusters(G, method=method)
        sizes = [len(c) for c in _communities(clusters)]
        assert sorted(set(clusters.values())) == list(range(1, len(sizes) + 1))
        assert sizes == sorted(sizes, reverse=True)
    clusters = author_clusters(_two_cliques(), method=method)
    assert clusters["lonely"] == max(clusters.values())
    assert len({clusters[f"a{i}"] for i in range(6)} | {clusters[f"b{i}"] for i in range(4)}) == 2


@pytest.mark.parametrize("method", ["louvain", "leiden"])
def test_clusters_do_not_depend_on_insertion_order(method):
    G = build_coauthor_graph(small_corpus())
    nodes, edges = list(G.nodes(data=True)), list(G.edges(data=True))
    random.Random(7).shuffle(nodes)
    random.Random(7).shuffle(edges)
    H = nx.Graph()
    H.add_nodes_from(nodes)
    H.add_edges_from(edges)
    assert author_clusters(G, method=method, seed=5) == author_clusters(H, method=method, seed=5)


def test_clusters_on_a_directed_graph_and_edge_cases():
    G = build_citation_graph(small_corpus())
    clusters = author_clusters(G)
    assert set(clusters) == set(G) and min(clusters.values()) == 1
    assert author_clusters(nx.Graph()) == {}
    one = build_coauthor_graph(seed_like_corpus())
    assert set(author_clusters(one).values()) == {1}
    assert set(author_clusters(one, method="leiden").values()) == {1}


@pytest.mark.parametrize("resolution", [1.0, 0.5, 2.0])
@pytest.mark.parametrize("kind", ["coauthor", "citation"])
def test_igraph_louvain_matches_networkx_louvain_on_generated_graphs(kind, resolution):
    # networkx Louvain is kept only here, as the reference: same resolution, a partition
    # whose modularity is not below the worst of three networkx runs (small tolerance: both
    # are heuristics).
    corpus = generated_corpus(400, seed=3, refs_per_work=5, authors_per_work=3)
    G = build_coauthor_graph(corpus) if kind == "coauthor" else build_citation_graph(corpus)
    U = G.to_undirected(as_view=True) if G.is_directed() else G
    weight = "weight" if kind == "coauthor" else None
    clusters = author_clusters(G, resolution=resolution)
    communities = _communities(clusters)
    assert nx.community.is_partition(U, communities)
    yardstick = min(
        nx.community.modularity(U, nx.community.louvain_communities(
            U, weight=weight, resolution=resolution, seed=s), weight=weight, resolution=resolution)
        for s in range(3)
    )  # fmt: skip
    ours = nx.community.modularity(U, communities, weight=weight, resolution=resolution)
    assert ours >= yardstick - 0.01
    assert author_clusters(G, resolution=resolution) == clusters  # same graph, same clusters


def test_clustering_restores_igraphs_random_generator():
    import igraph as ig

    ring = ig.Graph.Ring(6)
    random.seed(11)
    before = ring.layout_random().coords
    author_clusters(_two_cliques(), seed=3)
    random.seed(11)
    assert ring.layout_random().coords == before  # igraph draws from `random` again


def test_directed_edges_add_up_and_the_graph_is_not_changed():
    G = nx.DiGraph()
    G.add_edge("a", "b", weight=2.0)
    G.add_edge("b", "a", weight=3.0)
    G.add_edge("c", "d", weight=1.0)
    G.add_edge("c", "c", weight=9.0)  # a self loop says nothing about communities
    edges_before = sorted(G.edges(data=True))
    assert author_clusters(G) == {"a": 1, "b": 1, "c": 2, "d": 2}
    assert sorted(G.edges(data=True)) == edges_before and G.is_directed()


def test_unknown_method_is_a_clear_error():
    with pytest.raises(OptionError, match="Unknown clustering method 'kmeans'.*leiden, louvain"):
        author_clusters(_two_cliques(), method="kmeans")
    assert issubclass(OptionError, CitegraphError) and issubclass(OptionError, ValueError)


def test_assign_clusters_sets_every_node():
    G = _two_cliques()
    assign_clusters(G, {"a0": 3})
    assert G.nodes["a0"]["cluster"] == 3 and G.nodes["b1"]["cluster"] == 0


@pytest.mark.parametrize(
    ("affiliation", "expected"),
    [
        (
            "Division of Immunology, Boston Children's Hospital, Boston, MA, USA.",
            "Boston Children's Hospital",
        ),
        (
            "Department of Paediatrics, Division of Rheumatology, Ohio State University, Columbus, "
            "OH, USA.",
            "Ohio State University",
        ),
        (
            "The Sidney Kimmel Comprehensive Cancer Center, Department of Oncology, Johns Hopkins "
            "University School of Medicine, Baltimore, MD, USA.",
            "Johns Hopkins University",
        ),
        (
            "Juvenile Myositis Pathogenesis and Therapeutics Unit, National Institute of Arthritis "
            "Musculoskeletal and Skin Diseases, National Institutes of Health, Bethesda, MD, USA.",
            "National Institutes of Health",
        ),
        (
            "Department of Paediatrics, Section of Rheumatology, University of Colorado School of "
            "Medicine, Children's Hospital Colorado, Aurora, CO, USA.",
            "University of Colorado",
        ),
        (
            "Center for Cancer and Immunology Research and Division of Allergy and Immunology, "
            "Children's National Hospital, Washington, DC, USA.",
            "Children's National Hospital",
        ),
        (
            "Dept. of Medicine, Karolinska Institutet, 171 77 Stockholm, Sweden. x@ki.se",
            "Karolinska Institutet",
        ),
        (
            "Klinik für Innere Medizin, Universitätsklinikum Erlangen, Erlangen, Germany",
            "Universitätsklinikum Erlangen",
        ),
        ("Boston, MA, USA.", None),
        ("", None),
    ],
)
def test_parse_institution(affiliation, expected):
    assert parse_institution(affiliation) == expected


def test_cluster_table_for_author_clusters():
    c = small_corpus()
    G = build_coauthor_graph(c)
    clusters = author_clusters(G)
    table = cluster_table(c, G, clusters, top=3)
    assert list(table.columns) == [
        "cluster",
        "label",
        "terms",
        "lead",
        "size",
        "works",
        "top_authors",
        "institutions",
        "countries",
        "journals",
        "years",
    ]
    assert table["size"].tolist() == sorted(table["size"], reverse=True)
    assert table["size"].sum() == G.number_of_nodes()
    first = table.iloc[0]
    members = [n for n, k in clusters.items() if k == first["cluster"]]
    assert first["size"] == len(members)
    assert len(first["top_authors"].split("; ")) == min(3, len(members))
    lonely = table[table["top_authors"] == "Ivy Lonely"].iloc[0]
    assert (lonely["lead"], lonely["works"], lonely["years"]) == ("Ivy Lonely", 1, "2024")
    # Named by what its one work is about (no institution known for this author).
    assert lonely["label"] == " · ".join(lonely["terms"].split("; ")) != ""


def test_cluster_table_for_the_seed_like_clique():
    c = seed_like_corpus()
    G = build_coauthor_graph(c)
    table = cluster_table(c, G, author_clusters(G))
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["size"], row["works"], row["years"]) == (24, 1, "2025")
    # Its work's terms, then the most frequent institution (4 of the 13 affiliations).
    assert row["label"].endswith(" — Boston Children's Hospital")
    assert row["label"].startswith(" · ".join(row["terms"].split("; ")))
    assert row["institutions"].startswith("Boston Children's Hospital (4)")


def test_cluster_table_for_work_clusters_and_empty():
    c = small_corpus()
    G = build_citation_graph(c)
    clusters = author_clusters(G)
    table = cluster_table(c, G, clusters)
    assert table["works"].sum() == 8 and table["size"].sum() == 8
    seed_cluster = clusters["pmid:900000001"]
    assert table.set_index("cluster").loc[seed_cluster, "lead"] == "Testwright 2025"
    for row in table.itertuples():
        members = [n for n, k in clusters.items() if k == row.cluster]
        if "pmid:900000001" not in members:  # led by its most cited work
            best = max(members, key=lambda n: G.nodes[n].get("cited_by_count", -1))
            assert row.lead == G.nodes[best]["label"]
        assert row.label == " · ".join(row.terms.split("; "))  # named by content
    empty = cluster_table(Corpus.empty(), nx.Graph(), {})
    assert len(empty) == 0 and "label" in empty.columns


def test_author_table():
    c = small_corpus()
    table = author_table(c, {"name:samplesson|b": 2})
    assert len(table) == 9
    # most works first, ties by family name (Dummond before Samplesson; Fakeley before Mockford)
    assert table["name"].tolist()[:4] == ["Ed Dummond", "Ben Samplesson", "Di Fakeley",
                                          "Cy Mockford"]  # fmt: skip
    assert table.iloc[1]["works"] == 3 and table.iloc[1]["cluster"] == 2
    assert table.iloc[0]["cluster"] == 0
    row = table.set_index("id").loc["name:mockford|c"]
    assert row["institutions"] == "North Test University"
    assert (row["first_year"], row["last_year"]) == (2022, 2025)
    assert len(author_table(single_work_corpus())) == 0


def test_works_table_order_and_columns():
    table = works_table(small_corpus())
    assert table["id"].tolist()[:3] == ["pmid:900000001", "pmid:900000008", "pmid:900000002"]
    assert table["id"].tolist()[-1] == "pmid:900000007"  # unknown year last
    seed = table.iloc[0]
    assert (
        seed["is_seed"] and seed["authors"] == "Testwright A, Samplesson B, Mockford C, Fakeley D"
    )
    assert seed["sources"] == "openalex; pubmed"
    big = works_table(seed_like_corpus()).iloc[0]
    assert big["authors"] == "Testauthor01 S, Testauthor02 S, Testauthor03 S, …, Testauthor24 S"
    lone = works_table(single_work_corpus())
    assert lone.iloc[0]["authors"] == "" and lone["year"].isna().all()
    assert len(works_table(Corpus.empty())) == 0
