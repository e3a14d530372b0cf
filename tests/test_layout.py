"""Node positions: deterministic, scaled, native floats, every node placed."""

from __future__ import annotations

import math

import networkx as nx

from citegraph.graphs import build_coauthor_graph
from citegraph.layout import compute_layout
from tests.corpora import generated_corpus, seed_like_corpus


def test_every_node_gets_a_native_float_position_within_scale():
    G = build_coauthor_graph(generated_corpus(200, seed=1))
    pos = compute_layout(G, scale=500)
    assert set(pos) == set(G)
    assert all(type(x) is float and type(y) is float for x, y in pos.values())
    radius = max(math.hypot(x, y) for x, y in pos.values())
    assert math.isclose(radius, 500, rel_tol=1e-9)


def test_same_seed_same_layout_different_seed_different_layout():
    G = nx.relabel_nodes(nx.karate_club_graph(), str)  # not a clique: a force layout
    H = nx.Graph()
    H.add_nodes_from(reversed(list(G.nodes)))
    H.add_edges_from(reversed(list(G.edges(data=True))))
    assert compute_layout(G, seed=1) == compute_layout(H, seed=1)
    assert compute_layout(G, seed=1) != compute_layout(G, seed=2)


def test_connected_nodes_end_up_closer_than_unconnected_ones():
    G = nx.complete_graph(["a1", "a2", "a3", "a4"])
    G.add_edges_from(nx.complete_graph(["b1", "b2", "b3", "b4"]).edges())
    G.add_edge("a1", "b1")
    pos = compute_layout(G)

    def d(u: str, v: str) -> float:
        return math.dist(pos[u], pos[v])

    assert d("a2", "a3") < d("a2", "b3") and d("b2", "b3") < d("b2", "a3")


def test_small_and_directed_graphs():
    assert compute_layout(nx.Graph()) == {}
    one = nx.Graph()
    one.add_node("x")
    assert compute_layout(one) == {"x": (0.0, 0.0)}
    D = nx.DiGraph([("a", "b"), ("b", "a"), ("b", "c")])
    assert set(compute_layout(D)) == {"a", "b", "c"}


def test_a_small_clique_is_drawn_on_a_circle_with_room_for_every_label():
    # The seed's 24 co-authors form a clique; a force layout piled their labels on one another.
    G = build_coauthor_graph(seed_like_corpus())
    pos = compute_layout(G, scale=1000)
    assert len(pos) == 24
    radius = {round(math.hypot(x, y), 6) for x, y in pos.values()}
    assert len(radius) == 1 and radius.pop() >= 1000
    nearest = min(math.dist(p, q) for a, p in pos.items() for b, q in pos.items() if a < b)
    assert nearest > 2 * 1000 * math.sin(math.pi / 24) - 1e-6  # evenly spaced
    small = compute_layout(G, scale=100)  # still room for a label per node
    assert min(math.dist(p, q) for a, p in small.items() for b, q in small.items() if a < b) > 100
