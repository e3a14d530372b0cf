"""Draw a graph as one self-contained, offline HTML page (pyvis / vis-network).

pyvis is used only as a template for vis-network, with the fixes reference/tech-facts.md §4 calls
for: vis-network is inlined (``cdn_resources="in_line"``), the Bootstrap CDN tags pyvis always
adds are removed, ``heading=`` is never used (pyvis does not escape it), node ids are strings and
attribute values native Python types, positions come from `citegraph.layout`, and physics is off
above a node threshold. Text from third-party metadata (titles, names, journals) is data, never
markup: labels are drawn on the canvas, tooltips are plain text put into the page with
``textContent``, the legend is HTML-escaped, and in the page's script all of it is JSON-encoded by
pyvis' template with ``<``, ``>`` and ``&`` as ``\\u003c`` etc. Control and bidirectional-override
characters are dropped from all of it (they would reorder or hide what is shown).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import networkx as nx

from citegraph.layout import compute_layout, is_small_clique
from citegraph.text import safe_ids, strip_controls

#: Colours for the most frequent values of ``color_by`` (colour-blind-safe "Tableau 10" order).
PALETTE = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#17becf",
    "#8cd17d", "#d37295",
]  # fmt: skip
OTHER_COLOR = "#bab0ac"
#: Above this many edges, edges get no tooltip (they would dominate the page size).
MAX_EDGE_TOOLTIPS = 5000
SEED_BORDER = "#222222"

#: Node attributes shown in the tooltip, in this order, when present.
_TOOLTIP_FIELDS = [
    ("title", ""), ("name", ""), ("journal", "Journal"), ("year", "Year"),
    ("first_year", "First year"), ("last_year", "Last year"), ("works", "Works"),
    ("institutions", "Institutions"), ("cited_by_count", "Cited by"), ("doi", "DOI"),
    ("pmid", "PMID"), ("openalex_id", "OpenAlex"), ("orcid", "ORCID"), ("sources", "Sources"),
    ("cluster", "Cluster"),
]  # fmt: skip
_EDGE_TOOLTIP_FIELDS = ["kind", "weight", "score", "similar_score", "sources", "works"]

# Any <link>/<script> element that would load something from another host.
_REMOTE_TAG = re.compile(
    r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>"
    r"|<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class Picture:
    """What a drawing of a graph shows, per node: the one source for the page, the HTML page and
    the graph files, so a file opened in Gephi or VOSviewer looks like the screen.

    Attributes
    ----------
    positions : dict
        ``{node: (x, y)}`` in drawing units (vis-network's: y grows downwards).
    colors : dict
        ``{node: "#rrggbb"}`` from ``color_by``.
    sizes : dict
        ``{node: radius}`` as drawn (seeds already enlarged).
    legend : list of (name, colour, count)
        The colour legend, most frequent value first; control characters already removed.
    color_by, size_by : str
        The node attributes behind colours and sizes (``size_by`` None: one size).
    physics : bool
        Whether the browser runs a short force simulation from ``positions`` (small graphs only).

    Examples
    --------
    >>> pic = picture(nx.Graph([("a", "b")]), color_by="cluster")
    >>> sorted(pic.positions), pic.colors["a"], pic.sizes["a"]
    (['a', 'b'], '#bab0ac', 12.0)
    """

    positions: dict[Any, tuple[float, float]]
    colors: dict[Any, str]
    sizes: dict[Any, float]
    legend: list[tuple[str, str, int]]
    color_by: str
    size_by: str | None
    physics: bool


def picture(
    G: nx.Graph,
    *,
    positions: dict | None = None,
    color_by: str = "cluster",
    size_by: str | None = None,
    legend_labels: dict | None = None,
    physics_threshold: int = 300,
) -> Picture:
    """Positions, colours, sizes and legend of ``G`` as `render_html` draws them.

    Parameters are those of `render_html`. Positions come from `citegraph.layout.compute_layout`
    (seeded, so the same graph always gets the same picture) unless given.

    Examples
    --------
    >>> G = nx.Graph([("a", "b")])
    >>> G.nodes["a"]["is_seed"] = True
    >>> pic = picture(G)
    >>> pic.sizes["a"] > pic.sizes["b"], pic.physics
    (True, True)
    """
    n = G.number_of_nodes()
    if positions is None:
        positions = compute_layout(G, scale=max(300.0, 40.0 * math.sqrt(max(n, 1))))
    # Dense small graphs (a similarity graph of 250 works can have 20k edges) are as slow to
    # simulate as big ones, so many edges also turn physics off.
    physics = n <= physics_threshold and G.number_of_edges() <= 10 * physics_threshold
    # A clique is laid out on a circle so every label has room; physics would pull it in again.
    physics = physics and not is_small_clique(G)
    colors, legend = _colors(G, color_by, legend_labels or {})
    legend = [(strip_controls(name), color, count) for name, color, count in legend]
    base = _sizes(G, size_by)
    sizes = {
        node: round(base[node] * (1.6 if _is_seed(data) else 1.0), 2)
        for node, data in G.nodes(data=True)
    }
    return Picture(
        positions={node: (float(x), float(y)) for node, (x, y) in positions.items()},
        colors=colors,
        sizes=sizes,
        legend=legend,
        color_by=color_by,
        size_by=size_by,
        physics=physics,
    )


def _is_seed(data: dict[str, Any]) -> bool:
    return bool(data.get("is_seed") or data.get("is_seed_author"))


def render_html(
    G: nx.Graph,
    *,
    positions: dict | None = None,
    color_by: str = "cluster",
    size_by: str | None = None,
    height: int = 650,
    physics_threshold: int = 300,
    legend_labels: dict | None = None,
    pic: Picture | None = None,
) -> str:
    """A self-contained HTML page drawing ``G`` that makes no request to any host.

    Parameters
    ----------
    G : networkx.Graph or DiGraph
        Nodes should have a ``label``; other scalar attributes go into the tooltip. Nodes with
        ``is_seed`` true are drawn as stars with a dark border.
    positions : dict, optional
        ``{node: (x, y)}``; computed with `citegraph.layout.compute_layout` when not given.
    color_by : str
        Node attribute whose values pick the colours (the 12 most frequent values get a colour,
        the rest grey); a legend inside the page names them.
    size_by : str, optional
        Numeric node attribute that scales node size (square root); seeds are drawn larger.
    height : int
        Height of the drawing in pixels.
    physics_threshold : int
        Above this many nodes (or ten times as many edges) physics is off and nodes stay at the
        computed positions; at or below it the simulation starts from them, stabilises and then
        stops.
    legend_labels : dict, optional
        Names for values of ``color_by`` in the legend, e.g. ``{1: "Boston Children's
        Hospital"}`` from `citegraph.analysis.cluster_table`; they are HTML-escaped.
    pic : Picture, optional
        The picture to draw (from `picture`); when given, the four options above are ignored.

    Examples
    --------
    >>> G = nx.Graph([("a", "b")])
    >>> page = render_html(G)
    >>> page.startswith("<html>") and 'src="http' not in page and 'href="http' not in page
    True
    >>> "No nodes to show" in render_html(nx.Graph())
    True
    """
    if G.number_of_nodes() == 0:
        return _empty_page(height)
    from pyvis.network import Network

    if pic is None:
        pic = picture(G, positions=positions, color_by=color_by, size_by=size_by,
                      legend_labels=legend_labels, physics_threshold=physics_threshold)  # fmt: skip
    physics, positions, colors = pic.physics, pic.positions, pic.colors
    ids = safe_ids(G)  # no control or bidi-override characters in the page, ids kept apart

    net = Network(
        height=f"{int(height)}px", width="100%", directed=G.is_directed(),
        cdn_resources="in_line", notebook=False,
    )  # fmt: skip
    # Filling pyvis' lists directly: add_node/add_edge scan every existing item (quadratic).
    for node, data in G.nodes(data=True):
        node_id = ids[node]
        seed = _is_seed(data)
        item: dict[str, Any] = {
            "id": node_id,
            "label": _plain(_native(data.get("label", node_id))),
            "title": _tooltip(node_id, data),
            "color": {"background": colors[node], "border": SEED_BORDER if seed else colors[node]},
            "borderWidth": 4 if seed else 1,
            "shape": "star" if seed else "dot",
            "size": pic.sizes[node],
        }
        if node in positions:
            x, y = positions[node]
            item["x"], item["y"] = round(float(x), 2), round(float(y), 2)
            if not physics:
                item["fixed"] = True
        net.nodes.append(item)
        net.node_ids.append(node_id)
        net.node_map[node_id] = item
    max_weight = max((float(d.get("weight", 1) or 1) for *_, d in G.edges(data=True)), default=1)
    # Edge tooltips are most of the page's weight on big graphs (10 MiB at 9k nodes / 46k
    # edges), and nobody hovers 46k edges: keep them for graphs a reader can inspect.
    edge_titles = G.number_of_edges() <= MAX_EDGE_TOOLTIPS
    for u, v, data in G.edges(data=True):
        weight = float(data.get("weight", 1) or 1)
        edge: dict[str, Any] = {"from": ids[u], "to": ids[v]}
        if edge_titles:
            edge["title"] = _edge_tooltip(data)
        if max_weight > 1:
            edge["width"] = round(1 + 4 * math.sqrt(weight / max_weight), 2)
        if G.is_directed():
            edge["arrows"] = "to"
        net.edges.append(edge)
    net.set_options(json.dumps(_options(physics, G.is_directed())))
    page = net.generate_html()
    page = _REMOTE_TAG.sub("", page)
    page = page.replace("<body>", "<body>\n" + _legend_html(pic.legend), 1)
    page = page.replace("</body>", _after_script(physics) + "\n</body>", 1)
    return page


def _options(physics: bool, directed: bool) -> dict[str, Any]:
    return {
        "nodes": {"font": {"size": 14}, "scaling": {"min": 6, "max": 40}},
        "edges": {
            "color": {"color": "#9aa5b1", "highlight": "#333333", "opacity": 0.7},
            "smooth": False,
            "arrows": {"to": {"enabled": directed, "scaleFactor": 0.5}},
        },
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": True},
        "physics": {
            "enabled": physics,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -50, "springLength": 80},
            "stabilization": {"enabled": physics, "iterations": 200, "fit": True},
        },
    }


def _after_script(physics: bool) -> str:
    # Tooltips are plain text, one field per line: set as textContent of an element (never
    # innerHTML), so a title holding "<img onerror=…>" is shown, not run; the element wraps
    # long lines, which vis-network's own text tooltip does not.
    stop = (
        'network.once("stabilizationIterationsDone", function () {'
        " network.setOptions({physics: {enabled: false}}); });"
        if physics
        else ""
    )
    return (
        "<script>(function () {\n"
        "  function el(t) { var d = document.createElement('div');"
        " d.style.maxWidth = '420px'; d.style.whiteSpace = 'pre-line';"
        " d.style.overflowWrap = 'anywhere'; d.textContent = t; return d; }\n"
        "  nodes.update(nodes.get().filter(function (n) { return typeof n.title === 'string'; })"
        ".map(function (n) { return {id: n.id, title: el(n.title)}; }));\n"
        "  edges.update(edges.get().filter(function (e) { return typeof e.title === 'string'; })"
        ".map(function (e) { return {id: e.id, title: el(e.title)}; }));\n"
        f"  {stop}\n"
        "})();</script>"
    )


def _colors(
    G: nx.Graph, attr: str, labels: dict
) -> tuple[dict[Any, str], list[tuple[str, str, int]]]:
    values = {node: data.get(attr) for node, data in G.nodes(data=True)}
    # Unknown values (and cluster 0, "not clustered") are grey, listed last, never a colour.
    known = {
        n: v
        for n, v in values.items()
        if v not in (None, "") and not (attr == "cluster" and v == 0)
    }
    counts = Counter(known.values())
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    palette = {value: PALETTE[i] for i, (value, _) in enumerate(ranked[: len(PALETTE)])}
    colors = {node: palette.get(known.get(node), OTHER_COLOR) for node in values}
    legend = [(_legend_name(attr, value, labels), palette[value], count)
              for value, count in ranked[: len(PALETTE)]]  # fmt: skip
    others = sum(count for _, count in ranked[len(PALETTE) :])
    if others:
        legend.append(("other", OTHER_COLOR, others))
    unknown = len(values) - len(known)
    if unknown:
        legend.append((_legend_name(attr, None, labels), OTHER_COLOR, unknown))
    return colors, legend


def _legend_name(attr: str, value: Any, labels: dict) -> str:
    if value in labels:
        prefix = f"{value}: " if attr == "cluster" and value is not None else ""
        return f"{prefix}{labels[value]}"
    if value is None or value == "":
        return f"{attr} unknown"
    if attr == "cluster":
        return f"cluster {value}"
    return str(value)


def _legend_html(legend: list[tuple[str, str, int]]) -> str:
    if not legend:
        return ""
    items = "".join(
        f'<div><span style="display:inline-block;width:10px;height:10px;border-radius:5px;'
        f'background:{color};margin-right:6px"></span>{html.escape(_plain(name))} ({count})</div>'
        for name, color, count in legend
    )
    return (
        '<div id="citegraph-legend" style="position:absolute;top:8px;right:8px;z-index:10;'
        "background:rgba(255,255,255,0.9);border:1px solid #ddd;border-radius:4px;"
        'padding:6px 8px;font:12px sans-serif;max-height:60%;overflow:auto">'
        f"{items}<div>&#9733; seed</div></div>"
    )


def _sizes(G: nx.Graph, attr: str | None) -> dict[Any, float]:
    if not attr:
        return dict.fromkeys(G, 12.0)
    values = {node: _number(data.get(attr)) for node, data in G.nodes(data=True)}
    top = max(values.values(), default=0.0)
    if top <= 0:
        return dict.fromkeys(G, 12.0)
    return {node: 8.0 + 32.0 * math.sqrt(max(v, 0.0) / top) for node, v in values.items()}


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _tooltip(node_id: str, data: dict[str, Any]) -> str:
    # Plain text, one field per line (the page shows it with textContent, see _after_script).
    # A retracted work says so first: a reader scanning the map must not miss it.
    lines = ["⚠ RETRACTED"] if _native(data.get("retracted")) is True else []
    for key, caption in _TOOLTIP_FIELDS:
        value = data.get(key)
        if value is None or value == "":
            continue
        text = _plain(_native(value))
        lines.append(text if not caption else f"{caption}: {text}")
    lines.append(f"id: {_plain(node_id)}")
    return "\n".join(lines)


def _edge_tooltip(data: dict[str, Any]) -> str:
    lines = []
    for key in _EDGE_TOOLTIP_FIELDS:
        value = data.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, float):
            value = f"{value:g}"
        lines.append(f"{key}: {_plain(_native(value))}")
    return "\n".join(lines)


#: Control characters (NUL included) and bidirectional overrides/isolates: invisible, and the
#: latter reorder the text around them.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _plain(value: Any) -> str:
    """One line of text for a label, tooltip or legend: no control or bidi-override characters
    (line breaks become spaces)."""
    return _INVISIBLE.sub(lambda m: " " if m.group() in "\n\r\t" else "", str(value))


def _native(value: Any) -> Any:
    # numpy scalars break pyvis' JSON encoding; .item() turns them into Python scalars.
    if isinstance(value, str):  # labels and tooltips: no control or bidi-override characters
        return strip_controls(value)
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return value.item()
        except (TypeError, ValueError):
            return str(value)
    return value


def _empty_page(height: int) -> str:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Citegraph</title></head>'
        f'<body><div style="height:{int(height)}px;display:flex;align-items:center;'
        'justify-content:center;font:16px sans-serif;color:#555">No nodes to show'
        "</div></body></html>"
    )


#: The page draws at most this many nodes by default: past it a browser spends seconds on a
#: picture nobody can read; the top nodes by size (then degree) are drawn, and the page says so.
MAX_DRAWN_NODES = 5000


def graph_data(
    G: nx.Graph,
    pic: Picture,
    *,
    max_nodes: int | None = MAX_DRAWN_NODES,
    selected: dict | None = None,
    test_hook: bool = False,
) -> dict[str, Any]:
    """The drawing of ``G`` as plain data for the page's graph component
    (`citegraph.graph_component`): the same positions, colours, sizes, labels, tooltips and
    legend as `render_html`, column by column (edges as node indexes), JSON-ready.

    Every text is data for the browser to draw on its canvas or put in an element with
    ``textContent``; control and bidi-override characters are already removed. Node ids are
    the file-safe ids (`citegraph.text.safe_ids`), which `node_for_id` maps back.

    Parameters
    ----------
    G : networkx.Graph or DiGraph
        The graph drawn by ``pic``.
    pic : Picture
        From `picture` (or `citegraph.views.view_picture`).
    max_nodes : int, optional
        Draw at most this many nodes: the seeds, then the largest (``pic.sizes``), then the
        best connected; ``shown``/``total`` say how many. None draws all.
    selected : dict, optional
        The selection to show highlighted (``{"kind": "node", "id": ...}``, ``{"kind":
        "edge", "u": ..., "v": ...}`` or ``{"kind": "cluster", "id": ...}``).
    test_hook : bool
        Let the browser expose the drawing as ``window.__citegraphNetwork`` (browser tests).

    Examples
    --------
    >>> G = nx.Graph([("a", "b"), ("b", "c")])
    >>> data = graph_data(G, picture(G), max_nodes=2)
    >>> data["ids"], data["edges"], (data["shown"], data["total"])
    (['b', 'a'], [[1, 0]], (2, 3))
    >>> graph_data(G, picture(G))["physics"]
    False
    """
    ids = safe_ids(G)
    nodes = list(G)
    if max_nodes is not None and len(nodes) > max_nodes:
        degree = dict(G.degree())
        nodes.sort(key=lambda n: (not _is_seed(G.nodes[n]), -pic.sizes.get(n, 0.0),
                                  -degree[n], ids[n]))  # fmt: skip
        nodes = nodes[: max(int(max_nodes), 0)]
    index = {node: i for i, node in enumerate(nodes)}
    palette = sorted(set(pic.colors[n] for n in nodes))
    color_index = {c: i for i, c in enumerate(palette)}
    edges: list[list[int]] = []
    edge_titles: list[str] = []
    widths: list[float] = []
    kept = [(u, v, d) for u, v, d in G.edges(data=True) if u in index and v in index]
    max_weight = max((float(d.get("weight", 1) or 1) for *_, d in kept), default=1.0)
    with_titles = len(kept) <= MAX_EDGE_TOOLTIPS
    for u, v, d in kept:
        edges.append([index[u], index[v]])
        if max_weight > 1:
            widths.append(round(1 + 4 * math.sqrt(float(d.get("weight", 1) or 1) / max_weight), 2))
        if with_titles:
            edge_titles.append(_edge_tooltip(d))
    legend = [{"name": name, "color": color, "count": count, "value": None}
              for name, color, count in pic.legend]  # fmt: skip
    if pic.color_by == "cluster":  # a legend entry names a cluster: clicking it selects one
        value_of = {pic.colors[n]: G.nodes[n].get("cluster") for n in G}
        for item in legend:
            value = value_of.get(item["color"])
            if item["color"] != OTHER_COLOR and isinstance(_native(value), int):
                item["value"] = int(_native(value))
    data: dict[str, Any] = {
        "key": f"{G.number_of_nodes()}:{G.number_of_edges()}:{len(nodes)}:{pic.color_by}",
        "directed": G.is_directed(),
        "physics": False,
        "ids": [ids[n] for n in nodes],
        "labels": [_plain(_native(G.nodes[n].get("label", ids[n]))) for n in nodes],
        "titles": [_tooltip(ids[n], G.nodes[n]) for n in nodes],
        "x": [round(float(pic.positions[n][0]), 1) if n in pic.positions else 0.0 for n in nodes],
        "y": [round(float(pic.positions[n][1]), 1) if n in pic.positions else 0.0 for n in nodes],
        "sizes": [pic.sizes[n] for n in nodes],
        "colors": [color_index[pic.colors[n]] for n in nodes],
        "clusters": [_cluster_number(G.nodes[n].get("cluster")) for n in nodes],
        "seeds": [i for i, n in enumerate(nodes) if _is_seed(G.nodes[n])],
        "palette": palette,
        "edges": edges,
        "widths": widths,
        "edge_titles": edge_titles,
        "legend": legend,
        "legend_by_cluster": pic.color_by == "cluster",
        "shown": len(nodes),
        "total": G.number_of_nodes(),
        "selected": selected,
        "test_hook": bool(test_hook),
    }
    # The key names the drawing: the browser redraws only when it changes, and keeps the
    # view (zoom, pan) when only the selection does.
    digest = hashlib.sha1(
        json.dumps([data["ids"], data["edges"], data["colors"], data["x"], data["y"]]).encode()
    ).hexdigest()[:16]
    data["key"] = f"{data['key']}:{digest}"
    return data


def _cluster_number(value: Any) -> int | None:
    value = _native(value)
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def node_for_id(G: nx.Graph, node_id: str) -> Any:
    """The node of ``G`` whose file-safe id (as in `graph_data`) is ``node_id``, or None.

    Examples
    --------
    >>> node_for_id(nx.Graph([(1, "a\\u202e")]), "a"), node_for_id(nx.Graph([(1, 2)]), "3")
    ('a\\u202e', None)
    """
    if node_id in G and safe_ids([node_id])[node_id] == node_id:
        return node_id
    for node, safe in safe_ids(G).items():
        if safe == node_id:
            return node
    return None
