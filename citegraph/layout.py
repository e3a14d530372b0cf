"""Node positions computed in Python, so the browser does not have to simulate physics.

igraph's Fruchterman–Reingold takes well under a second at 5,000 nodes on this project's
machines, where ``networkx.spring_layout`` takes about 43 s (reference/tech-facts.md §5).
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import networkx as nx

# igraph draws from one process-wide generator; Streamlit runs each browser session in its own
# thread, so seeding it must not interleave between two sessions.
_IGRAPH_RNG_LOCK = threading.Lock()


@contextmanager
def seeded_igraph(seed: int) -> Iterator[None]:
    """Run igraph code with its random generator seeded, one thread at a time.

    Examples
    --------
    >>> import igraph as ig
    >>> g = ig.Graph.Ring(5)
    >>> with seeded_igraph(1):
    ...     a = g.layout_random().coords
    >>> with seeded_igraph(1):
    ...     b = g.layout_random().coords
    >>> a == b
    True
    """
    import igraph as ig

    with _IGRAPH_RNG_LOCK:
        ig.set_random_number_generator(random.Random(seed))
        try:
            yield
        finally:
            ig.set_random_number_generator(random)


#: Fruchterman–Reingold iterations: igraph's default 500 up to `LARGE_GRAPH` nodes, then
#: `LARGE_GRAPH_ITERATIONS`. At 10k works (citation graph, 50k edges) and 15.5k authors
#: (co-author graph) 200 iterations took 0.62 s and 0.67 s against 1.62 s and 2.34 s for 500,
#: with the same picture by the measure "mean edge length ÷ mean distance of random pairs"
#: (0.618 vs 0.616; 0.148 vs 0.144; 100 iterations: 0.636, 0.152). benchmarks/RESULTS.md, P3.
LARGE_GRAPH = 2000
LARGE_GRAPH_ITERATIONS = 200


def compute_layout(
    G: nx.Graph, *, seed: int = 42, scale: float = 1000.0, niter: int | None = None
) -> dict[str, tuple[float, float]]:
    """Positions ``{node: (x, y)}`` from a Fruchterman–Reingold layout, centred on (0, 0) and
    scaled so that the farthest node lies ``scale`` from the centre. A small clique (see
    `is_small_clique`) is placed on a circle instead, at least wide enough for one label per node.

    Edge attribute ``weight`` is used when edges have one (heavier edges pull harder). The
    result depends only on the graph and ``seed``, not on the order nodes were added in.
    Returned coordinates are plain Python floats (pyvis cannot serialise numpy types).
    ``niter`` sets the iterations (default: 500, or `LARGE_GRAPH_ITERATIONS` above
    `LARGE_GRAPH` nodes).

    Examples
    --------
    >>> G = nx.path_graph(["a", "b", "c"])
    >>> pos = compute_layout(G, scale=100)
    >>> sorted(pos), pos == compute_layout(G, scale=100)
    (['a', 'b', 'c'], True)
    >>> round(max(math.hypot(x, y) for x, y in pos.values()))
    100
    >>> compute_layout(nx.Graph())
    {}
    """
    nodes = sorted(G, key=str)
    if not nodes:
        return {}
    if len(nodes) == 1:
        return {nodes[0]: (0.0, 0.0)}
    if is_small_clique(G):
        # A force layout piles a clique's nodes (a paper's 24 co-authors) on one another and
        # their labels overlap; on a circle wide enough for a label per node every one has room.
        step = 2 * math.pi / len(nodes)
        radius = max(scale, len(nodes) * _LABEL_ROOM / (2 * math.pi))
        return {
            node: (
                radius * math.cos(math.pi / 2 - i * step),
                -radius * math.sin(math.pi / 2 - i * step),
            )
            for i, node in enumerate(nodes)
        }
    import igraph as ig

    index = {n: i for i, n in enumerate(nodes)}
    pairs: dict[tuple[int, int], float] = {}
    weighted = False
    for u, v, data in G.edges(data=True):
        i, j = sorted((index[u], index[v]))
        if i == j:
            continue
        w = data.get("weight")
        weighted |= w is not None
        pairs[(i, j)] = pairs.get((i, j), 0.0) + (1.0 if w is None else max(float(w), 0.0))
    edges = sorted(pairs)
    g = ig.Graph(n=len(nodes), edges=edges)
    # A seeded random start and a seeded igraph generator make the layout reproducible. The
    # start spans a sqrt(n)-wide square like igraph's own; a tiny start puts every node in one
    # cell of igraph's grid and makes the layout ~40x slower (measured: 30 s vs 0.7 s at 5k).
    rng = random.Random(seed)
    half = math.sqrt(len(nodes)) / 2
    start = [[rng.uniform(-half, half), rng.uniform(-half, half)] for _ in nodes]
    with seeded_igraph(seed):
        layout = g.layout_fruchterman_reingold(
            weights=[pairs[e] for e in edges] if weighted and edges else None,
            seed=start,
            niter=niter or (500 if len(nodes) <= LARGE_GRAPH else LARGE_GRAPH_ITERATIONS),
            # igraph switches to its grid approximation only above 1,000 nodes; at 922 nodes
            # the exact O(n²) version took 2.0 s against 0.3 s with the grid (benchmarks/).
            grid=len(nodes) > 200,
        )
    coords = [(float(x), float(y)) for x, y in layout.coords]
    cx = sum(x for x, _ in coords) / len(coords)
    cy = sum(y for _, y in coords) / len(coords)
    radius = max(math.hypot(x - cx, y - cy) for x, y in coords) or 1.0
    factor = scale / radius
    return {
        node: ((x - cx) * factor, (y - cy) * factor)
        for node, (x, y) in zip(nodes, coords, strict=True)
    }


#: Up to this many nodes, a graph with at least ``_CLIQUE_DENSITY`` of all possible edges is
#: drawn on a circle.
_CLIQUE_NODES = 60
_CLIQUE_DENSITY = 0.9
#: Arc length per node on a clique's circle, in drawing units: about one label's width.
_LABEL_ROOM = 110.0


def is_small_clique(G: nx.Graph) -> bool:
    """True for a small, (nearly) complete graph: drawn on a circle, without physics.

    Examples
    --------
    >>> is_small_clique(nx.complete_graph(24)), is_small_clique(nx.path_graph(24))
    (True, False)
    """
    n = G.number_of_nodes()
    if n < 4 or n > _CLIQUE_NODES:
        return False
    pairs = {frozenset((u, v)) for u, v in G.edges() if u != v}
    return len(pairs) >= _CLIQUE_DENSITY * n * (n - 1) / 2


def timeline_positions(
    G: nx.Graph,
    *,
    year_step: float = 160.0,
    lane_height: float = 240.0,
    seed: int = 42,
) -> dict[str, tuple[float, float]]:
    """Positions for a timeline: x follows the node attribute ``year``, y its ``cluster`` lane.

    Lanes are the clusters in increasing number (cluster 1, the largest, at the top), cluster
    0 ("other") last. Within its year column and lane a node is scattered (x within ±35 % of
    a year, y within ±40 % of a lane) by a generator seeded with ``seed`` and the node id, so a
    node keeps its place whatever else is in the graph. Nodes without a year stand in a column
    one and a half years before the first year.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("a", year=2020, cluster=1); G.add_node("b", year=2022, cluster=2)
    >>> G.add_node("c", cluster=1)
    >>> pos = timeline_positions(G, year_step=100, lane_height=100)
    >>> pos["a"][0] < pos["b"][0], pos["c"][0] < pos["a"][0], pos["a"][1] < pos["b"][1]
    (True, True, True)
    >>> pos == timeline_positions(G, year_step=100, lane_height=100)
    True
    """
    years = [int(y) for _, y in G.nodes(data="year") if y is not None and y == y]
    first = min(years, default=0)
    lanes = sorted({int(c or 0) for _, c in G.nodes(data="cluster")}, key=lambda c: (c == 0, c))
    lane_of = {c: i for i, c in enumerate(lanes)}
    out: dict[str, tuple[float, float]] = {}
    for node, data in G.nodes(data=True):
        rng = random.Random(f"{seed}|{node}")
        year = data.get("year")
        column = (int(year) - first) if year is not None and year == year else -1.5
        x = (column + rng.uniform(-0.35, 0.35)) * year_step
        y = (lane_of[int(data.get("cluster") or 0)] + rng.uniform(-0.4, 0.4)) * lane_height
        out[node] = (round(x, 2), round(y, 2))
    return out


def timeline_axis(
    G: nx.Graph, *, year_step: float = 160.0, lane_height: float = 240.0, max_ticks: int = 16
) -> dict[str, list]:
    """Where `timeline_positions` (same ``year_step`` and ``lane_height``) puts its years and
    lanes, for drawing an axis: ``years`` as ``[x, year]`` (at most ``max_ticks``, every k-th
    year), ``lanes`` as ``[y, cluster]`` (cluster 0 is "other"), and the band's ``top``,
    ``bottom`` and ``left`` edges. Only numbers: nothing from a source.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("a", year=2020, cluster=1); G.add_node("b", year=2022, cluster=0)
    >>> axis = timeline_axis(G, year_step=100, lane_height=100)
    >>> axis["years"], axis["lanes"]
    ([[0.0, 2020], [100.0, 2021], [200.0, 2022]], [[0.0, 1], [100.0, 0]])
    """
    years = sorted({int(y) for _, y in G.nodes(data="year") if y is not None and y == y})
    lanes = sorted({int(c or 0) for _, c in G.nodes(data="cluster")}, key=lambda c: (c == 0, c))
    ticks: list[list] = []
    if years:
        step = max(1, math.ceil((years[-1] - years[0] + 1) / max_ticks))
        ticks = [[float((y - years[0]) * year_step), y]
                 for y in range(years[0], years[-1] + 1, step)]  # fmt: skip
    return {
        "years": ticks,
        "lanes": [[float(i * lane_height), c] for i, c in enumerate(lanes)],
        "top": -0.5 * lane_height,
        "bottom": (len(lanes) - 0.5) * lane_height,
        "left": -2.0 * year_step
        if any(y is None for _, y in G.nodes(data="year"))
        else -0.5 * year_step,
    }
