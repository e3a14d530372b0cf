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


def test_timeline_positions_follow_year_and_cluster_lane():
    from citegraph.layout import timeline_positions

    G = nx.DiGraph()
    for node, year, cluster in [("a", 2010, 1), ("b", 2015, 1), ("c", 2015, 2), ("d", None, 0),
                                ("e", 2020, 0)]:  # fmt: skip
        G.add_node(node, cluster=cluster, **({"year": year} if year else {}))
    pos = timeline_positions(G, year_step=100, lane_height=100)
    xs = {n: x for n, (x, _) in pos.items()}
    ys = {n: y for n, (_, y) in pos.items()}
    assert xs["d"] < xs["a"] < xs["b"] < xs["e"]  # no year: a column before the first year
    assert abs(xs["b"] - xs["c"]) < 100  # same year, same column
    assert ys["a"] < ys["c"] < ys["e"]  # lanes: cluster 1, 2, then 0 ("other") last
    assert all(-40 <= ys[n] <= 40 for n in ("a", "b"))
    # A node keeps its place whatever else is in the graph.
    G.remove_node("c")
    assert timeline_positions(G, year_step=100, lane_height=100)["a"] == pos["a"]


def test_timeline_view_is_drawn_at_fixed_timeline_positions():
    import json
    import re

    from citegraph.views import build_view, view_html
    from tests.corpora import small_corpus

    corpus = small_corpus()
    G = build_view(corpus, "timeline")
    page = view_html(corpus, G)
    nodes = json.loads(re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);", page, re.DOTALL)[1])
    assert all(n.get("fixed") for n in nodes)
    x = {n["id"]: n["x"] for n in nodes}
    years = dict(G.nodes(data="year"))
    dated = [(y, x[n]) for n, y in years.items() if y is not None]
    # Jitter stays within ±0.35 of a year: an earlier year is always further left.
    assert all(xa < xb for ya, xa in dated for yb, xb in dated if ya < yb)
    assert len({y for y, _ in dated}) >= 5
    # The year axis is drawn under the graph from numbers only.
    axis = json.loads(re.search(r"var axis = (\{.*?\});", page)[1])
    assert [t[1] for t in axis["years"]] == list(range(2019, 2026))
    assert all(isinstance(v, int | float) for t in axis["years"] + axis["lanes"] for v in t)
    assert "var axis" not in view_html(corpus, build_view(corpus, "citation"))
