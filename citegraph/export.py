"""Write a graph as GEXF, GraphML, Cytoscape JSON, JSON (node-link), CSV (nodes + edges,
zipped), HTML or VOSviewer JSON (`FORMATS`, `export_graph`); and the works of a corpus as BibTeX, RIS or CSV
(`WORK_FORMATS`, `export_works`).

Each format has, as in networkx' readwrite modules, a ``generate_<format>`` function that
returns the file as bytes and a ``write_<format>`` beside it that writes them to a path or a
binary file; both name every option they take, so a misspelt option is a `TypeError`.
`export_graph` and `export_works` pick the function by format name for the page and the CLI.

GEXF and GraphML writers reject None and lists, misread lists as dynamic attributes, and write
two keys with the same name when one attribute has mixed types (reference/tech-facts.md §5). So
every export goes through `sanitize_graph` first: None dropped, lists and sets joined with "; ",
numpy scalars cast to Python, dicts as JSON text, and each attribute given one type across the
graph (bool, int, float or str). Every file reads back with networkx to the same graph.

Graph files carry the picture on screen (`citegraph.render.Picture`: positions, colours,
sizes) and the cluster names, each where its tool reads them (GEXF ``viz:``; GraphML keys;
Cytoscape ``position``; VOSviewer ``x``/``y``/``clusters``), and say which view and filters
made them before the nodes. GEXF and GraphML are valid against their official schemas
(tests/data/); docs/exports.md shows what each tool makes of each file.

Text from a snapshot or an API is data in every file (issue 8): `citegraph.text.strip_controls`
takes control, bidi-override and XML-illegal characters out of every text value and node id;
CSV cells a spreadsheet would run as a formula get a leading ``'`` (OWASP's rule, `csv_cell`);
RIS and BibTeX fields are one line each, so no text can start a record of its own.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

import networkx as nx

from citegraph import __version__, check_option
from citegraph.journals import Journal, journal_index
from citegraph.model import Corpus, is_missing, text_or_empty
from citegraph.names import PersonName, fold, parse_name
from citegraph.text import clean_markup, safe_ids, strip_controls

if TYPE_CHECKING:
    from citegraph.render import Picture

#: Where the ``write_*`` functions write: a file name or a binary file object.
PathOrFile = str | Path | IO[bytes]


@dataclass(frozen=True)
class ExportFormat:
    """One file format: extension, MIME type, the ``generate_*`` function that returns the file
    as bytes (a graph for graph formats, a corpus for bibliography formats) and a label."""

    extension: str
    mime: str
    writer: Callable[..., bytes]
    description: str


def sanitize_graph(G: nx.Graph) -> nx.Graph:
    """A copy of ``G`` whose node, edge and graph attributes every networkx writer accepts.

    Node ids become strings (one line, no control characters: `citegraph.text.safe_ids`); text loses its
    control and bidi-override characters (`citegraph.text.strip_controls`); None values are dropped; lists, tuples and sets are joined with
    "; "; dicts become JSON text; numpy scalars become Python scalars. Each attribute then gets
    one type across all nodes (or edges): bool if all values are bool, int if all are int,
    float if all are numbers, otherwise str.

    Examples
    --------
    >>> G = nx.Graph()
    >>> G.add_node(1, year=2020, tags=["a", "b"], note=None)
    >>> G.add_node(2, year="unknown")
    >>> dict(sanitize_graph(G).nodes(data=True))
    {'1': {'year': '2020', 'tags': 'a; b'}, '2': {'year': 'unknown'}}
    """
    H = G.__class__()
    H.graph.update({k: v for k, v in ((k, _scalar(v)) for k, v in G.graph.items())
                    if v is not None})  # fmt: skip
    ids = safe_ids(G)
    nodes = [(ids[n], {k: _scalar(v) for k, v in d.items()}) for n, d in G.nodes(data=True)]
    edges = [(ids[u], ids[v], {k: _scalar(x) for k, x in d.items()})
             for u, v, d in G.edges(data=True)]  # fmt: skip
    _unify([d for _, d in nodes])
    _unify([d for *_, d in edges])
    H.add_nodes_from(nodes)
    H.add_edges_from(edges)
    return H


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell that no spreadsheet runs: text loses its control and bidi-override
    characters, and text that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return
    gets a leading ``'`` (OWASP's rule for CSV injection), also when spaces or zero-width
    characters come first. Numbers, and text that is just a number ("-3", "1.5e-3"), stay
    as they are: a spreadsheet reads them as numbers, not formulas.

    Examples
    --------
    >>> [csv_cell(v) for v in ("=1+1", "-2+3", "@SUM(A1)", " =1", "-3", -3, "CD4+ T cells")]
    ["'=1+1", "'-2+3", "'@SUM(A1)", "' =1", '-3', -3, 'CD4+ T cells']
    """
    if not isinstance(value, str):
        return value
    value = strip_controls(value)  # first: "\x00=1+1" must not hide its "="
    if value[:1] not in _LOOK_CLOSER:  # most cells: a letter or digit first
        return value
    lead = value.lstrip(_BLANK)[:1]
    if (value[:1] in _LINE_START or lead in _FORMULA_START) and not _NUMBER.match(value):
        value = "'" + value
    return value


#: First characters that make a spreadsheet read a cell as a formula (OWASP: CSV Injection).
_FORMULA_START = tuple("=+-@")
#: Tab and line breaks (carriage returns are line breaks after `strip_controls`) also start
#: a formula cell in OWASP's rule.
_LINE_START = tuple("\t\r\n")
#: What a spreadsheet may skip before the first character it looks at.
_BLANK = " \t\r\n\u00a0\u200b\u200c\u200d\u2060"
_LOOK_CLOSER = frozenset((*_FORMULA_START, *_LINE_START, *_BLANK))
#: Text that is a plain number (no formula to run).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")


def export_graph(G: nx.Graph, fmt: str, **options: Any) -> bytes:
    """The graph in format ``fmt`` (one of `FORMATS`) as bytes, ready for a download button.

    ``options`` go to the format's ``generate_*`` function, which names every keyword it takes
    (`generate_gexf`, `generate_graphml`, `generate_cytoscape`, `generate_json`,
    `generate_csv_zip`, `generate_html`, `generate_vosviewer`); an option the format does not
    take raises `TypeError`. Every format takes ``picture=`` (what the page draws:
    `citegraph.render.Picture`); all but HTML take ``cluster_names=``, all but CSV and HTML
    ``filters=``. An unknown format raises `citegraph.OptionError`.

    Examples
    --------
    >>> G = nx.Graph([("a", "b")])
    >>> sorted(FORMATS)
    ['csv', 'cyjs', 'gexf', 'graphml', 'html', 'json', 'vosviewer']
    >>> json.loads(export_graph(G, "json"))["links"]
    [{'source': 'a', 'target': 'b'}]
    >>> export_graph(G, "graphml", postions={})
    Traceback (most recent call last):
    ...
    TypeError: generate_graphml() got an unexpected keyword argument 'postions'
    """
    check_option(fmt, sorted(FORMATS), what="export format")
    return FORMATS[fmt].writer(G, **options)


def export_filename(graph_name: str, fmt: str) -> str:
    """A file name for a download: ``citegraph-<graph name>.<extension>``.

    Examples
    --------
    >>> export_filename("Co-author network", "csv")
    'citegraph-co-author-network.zip'
    >>> export_filename("citation", "gexf")
    'citegraph-citation.gexf'
    """
    check_option(fmt, sorted(FORMATS), what="export format")
    slug = re.sub(r"[^a-z0-9]+", "-", graph_name.lower()).strip("-") or "graph"
    return f"citegraph-{slug}.{FORMATS[fmt].extension}"


def export_csv_tables(
    G: nx.Graph, *, picture: Picture | None = None, cluster_names: dict | None = None
) -> tuple[bytes, bytes]:
    """``(nodes.csv, edges.csv)`` as UTF-8 bytes.

    nodes.csv has ``id`` then every node attribute (``label`` first) and the picture's columns
    (`DRAWN_ATTRIBUTES`: ``x``, ``y`` in screen coordinates, ``size``, ``color``,
    ``cluster_name``); edges.csv has ``source``, ``target`` then every edge attribute. Missing
    values are empty cells. ``picture`` and ``cluster_names`` as in `generate_gexf`.

    Examples
    --------
    >>> nodes, edges = export_csv_tables(nx.Graph([("a", "b")]))
    >>> nodes.decode().splitlines()[0], edges.decode().splitlines()
    ('id,x,y,size,color', ['source,target', 'a,b'])
    """
    drawn = _drawing(G, picture, cluster_names, None)
    rows = drawn.node_rows()
    node_cols = _columns(d for _, d in rows)
    edge_cols = _columns(d for *_, d in drawn.H.edges(data=True))
    nodes = _csv(["id", *node_cols], ([n, *(d.get(c) for c in node_cols)] for n, d in rows))
    edges = _csv(["source", "target", *edge_cols], ([u, v, *(d.get(c) for c in edge_cols)]
                 for u, v, d in drawn.H.edges(data=True)))  # fmt: skip
    return nodes, edges


# ------------------------------------------------------------------------------ graph formats
#: Node attributes the graph files (GraphML, JSON, Cytoscape JSON, CSV) gain from the picture:
#: where the node is drawn (screen coordinates as on the page: y grows downwards), its radius,
#: its colour (``#rrggbb``) and the name of its cluster. GEXF carries the first four in its
#: ``viz`` elements, VOSviewer JSON in its own fields.
DRAWN_ATTRIBUTES = ("x", "y", "size", "color", "cluster_name")

_GEXF_NS = "http://gexf.net/1.3"
_GEXF_VIZ_NS = "http://gexf.net/1.3/viz"
_GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
_XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
_GEXF_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}
_GRAPHML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}
#: Characters a GraphML ``attr.name`` (an XML NMTOKEN) cannot hold.
_NOT_NMTOKEN = re.compile(r"[^\w.:-]")


@dataclass(frozen=True)
class _Drawing:
    """A sanitised graph with its picture keyed by the sanitised node ids, and its header."""

    H: nx.Graph
    positions: dict[str, tuple[float, float]]
    colors: dict[str, str]
    sizes: dict[str, float]
    names: dict[str, str]  # node -> its cluster's name
    clusters: dict[int, str]  # cluster -> name
    header: dict[str, Any]
    color_by: str

    def drawn(self, node: str) -> dict[str, Any]:
        """The `DRAWN_ATTRIBUTES` of ``node`` that are known."""
        out: dict[str, Any] = {}
        if node in self.positions:
            out["x"], out["y"] = self.positions[node]
        if node in self.sizes:
            out["size"] = self.sizes[node]
        if node in self.colors:
            out["color"] = self.colors[node]
        if node in self.names:
            out["cluster_name"] = self.names[node]
        return out

    def node_rows(self) -> list[tuple[str, dict[str, Any]]]:
        """Each node with its attributes and then its drawn attributes."""
        return [(n, {**d, **self.drawn(n)}) for n, d in self.H.nodes(data=True)]


def _drawing(
    G: nx.Graph, picture: Picture | None, cluster_names: dict | None, filters: Any
) -> _Drawing:
    from citegraph.render import picture as draw

    if picture is None:  # the picture the page draws by default
        picture = draw(G)
    H = sanitize_graph(G)
    ids = safe_ids(G)
    # Rounded as the page rounds them, so a file places each node exactly where the page does.
    positions = {ids[n]: (round(float(x), 2), round(float(y), 2))
                 for n, (x, y) in picture.positions.items() if n in ids}  # fmt: skip
    colors = {ids[n]: str(c) for n, c in picture.colors.items() if n in ids}
    sizes = {ids[n]: float(s) for n, s in picture.sizes.items() if n in ids}
    clusters = {
        int(k): strip_controls(str(v), one_line=True).strip()
        for k, v in (cluster_names or {}).items()
        if not isinstance(k, bool) and isinstance(k, int | str) and str(k).lstrip("-").isdigit()
    }
    names = {
        n: clusters[d["cluster"]]
        for n, d in H.nodes(data=True)
        if isinstance(d.get("cluster"), int) and clusters.get(d["cluster"])
    }
    header: dict[str, Any] = {"software": "citegraph", "software_version": __version__}
    header.update({k: v for k, v in H.graph.items() if k != "filters" or v})
    header.update({
        "nodes": H.number_of_nodes(),
        "edges": H.number_of_edges(),
        "directed": H.is_directed(),
        "color_by": strip_controls(str(picture.color_by)),
        "size_by": strip_controls(str(picture.size_by or "")),
    })  # fmt: skip
    if filters is not None:  # journal names in filters are data too; sets, dates as text
        header["filters"] = json.loads(json.dumps(_strip_all(filters), default=_json_value))
    return _Drawing(H, positions, colors, sizes, names, clusters, header, picture.color_by)


def _json_value(value: Any) -> Any:
    """A value JSON has no type for: sets as sorted lists (same bytes every run), else text."""
    if isinstance(value, set | frozenset):
        return sorted((_strip_all(v) for v in value), key=str)
    return strip_controls(str(value))


def _description(header: dict[str, Any]) -> str:
    """One sentence saying what a file holds: view, size, colours, filters."""
    what = header.get("view") or header.get("name") or "graph"
    parts = [f"Citegraph {what} network: {header['nodes']} nodes, {header['edges']} edges",
             f"coloured by {header['color_by']}"]  # fmt: skip
    if header.get("size_by"):
        parts.append(f"sized by {header['size_by']}")
    if header.get("filters"):
        filters = header["filters"]
        if not isinstance(filters, str):
            filters = json.dumps(filters, ensure_ascii=False, sort_keys=True, default=str)
        parts.append(f"filters: {filters}")
    return strip_controls("; ".join(parts) + ".")


def _header_scalars(header: dict[str, Any]) -> dict[str, Any]:
    """The header with every value a scalar (dicts and lists as JSON text)."""
    return {k: v if isinstance(v, bool | int | float | str) else
            json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)
            for k, v in header.items()}  # fmt: skip


def _xml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _types(rows: Any, skip: tuple[str, ...] = ()) -> dict[str, type]:
    """Attribute name → its one Python type (`sanitize_graph` unified them), in first-seen
    order."""
    types: dict[str, type] = {}
    for row in rows:
        for key, value in row.items():
            if key not in skip and key not in types:
                types[key] = str if type(value) not in _GEXF_TYPES else type(value)
    return types


def _rgb(color: str) -> tuple[int, int, int]:
    text = color.lstrip("#")
    try:
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    except ValueError:
        return 186, 176, 172  # render.OTHER_COLOR


class _Xml:
    """A small XML writer: one element per line, indented, every attribute and text escaped.

    ElementTree's serialiser took most of an export's time at a few thousand nodes; this
    writes the same document a few times faster. Callers pass text that `sanitize_graph`
    already cleared of characters XML 1.0 cannot hold.
    """

    def __init__(self) -> None:
        self.lines = ['<?xml version="1.0" encoding="UTF-8"?>']

    def start(self, depth: int, tag: str, attrs: dict[str, str] | None = None) -> None:
        self.lines.append(f"{'  ' * depth}<{tag}{_xml_attrs(attrs)}>")

    def end(self, depth: int, tag: str) -> None:
        self.lines.append(f"{'  ' * depth}</{tag}>")

    def empty(self, depth: int, tag: str, attrs: dict[str, str]) -> None:
        self.lines.append(f"{'  ' * depth}<{tag}{_xml_attrs(attrs)}/>")

    def text(self, depth: int, tag: str, text: str, attrs: dict[str, str] | None = None) -> None:
        body = text.translate(_XML_TEXT)
        self.lines.append(f"{'  ' * depth}<{tag}{_xml_attrs(attrs)}>{body}</{tag}>")

    def bytes(self) -> bytes:
        return ("\n".join(self.lines) + "\n").encode("utf-8")


#: Escapes for XML text and attribute values; line breaks and tabs as references, so a parser
#: gives them back instead of normalising them to spaces or "\n".
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_XML_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                           "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})  # fmt: skip


def _xml_attrs(attrs: dict[str, str] | None) -> str:
    if not attrs:
        return ""
    return "".join(f' {k}="{v.translate(_XML_ATTR)}"' for k, v in attrs.items())


def generate_gexf(
    G: nx.Graph,
    *,
    picture: Picture | None = None,
    cluster_names: dict | None = None,
    filters: Any = None,
) -> bytes:
    """``G`` as GEXF 1.3 (Gephi, Gephi Lite, graphology/sigma.js), UTF-8 bytes.

    Every node carries its place, colour and size from ``picture`` (`citegraph.render.Picture`;
    default: `citegraph.render.picture` of ``G``) in ``viz:position`` (y upwards, as Gephi
    draws it: the screen's y negated), ``viz:color`` (r, g, b) and ``viz:size``, and its
    cluster's name (``cluster_names``: cluster number → name) in a ``cluster_name``
    attribute. The ``<meta>`` element before the graph names the software, and its
    description says which view, colouring and ``filters`` produced the file. Node ids are
    kept (GEXF ids are strings); edge weights go into ``weight``.

    Valid against the GEXF 1.3 RelaxNG schema; tests/test_export_graphs.py says why the XSD
    generated from it is checked without the ``viz`` elements.

    Examples
    --------
    >>> G = nx.Graph([("doi:10.1/a", "b")])
    >>> H = nx.read_gexf(io.BytesIO(generate_gexf(G, cluster_names={})))
    >>> sorted(H.nodes["b"]["viz"])
    ['color', 'position', 'size']
    """
    drawn = _drawing(G, picture, cluster_names, filters)
    H = drawn.H
    xml = _Xml()
    # No xsi:schemaLocation: the RelaxNG grammar allows no attribute it does not name.
    xml.start(0, "gexf", {"xmlns": _GEXF_NS, "xmlns:viz": _GEXF_VIZ_NS, "version": "1.3"})
    xml.start(1, "meta")
    xml.text(2, "creator", f"Citegraph {__version__}")
    xml.text(2, "description", _description(drawn.header))
    xml.text(2, "keywords", f"citegraph, {drawn.header.get('view') or 'graph'}, clusters")
    xml.end(1, "meta")
    kind = "directed" if H.is_directed() else "undirected"
    xml.start(1, "graph", {"defaultedgetype": kind, "mode": "static"})
    rows = [(n, {**d, **({"cluster_name": drawn.names[n]} if n in drawn.names else {})})
            for n, d in H.nodes(data=True)]  # fmt: skip
    node_types = _types((d for _, d in rows), skip=("label",))
    weighted = all(isinstance(w, int | float) and not isinstance(w, bool)
                   for *_, w in H.edges(data="weight", default=1))  # fmt: skip
    edge_types = _types((d for *_, d in H.edges(data=True)), skip=("weight",) if weighted else ())
    node_ids = _gexf_attributes(xml, "node", node_types)
    edge_ids = _gexf_attributes(xml, "edge", edge_types)
    xml.start(2, "nodes", {"count": str(H.number_of_nodes())})
    for node, data in rows:
        xml.start(3, "node", {"id": node, "label": str(data.get("label", node))})
        _gexf_values(xml, data, node_ids)
        if node in drawn.colors:
            r, g, b = _rgb(drawn.colors[node])
            xml.empty(4, "viz:color", {"r": str(r), "g": str(g), "b": str(b)})
        if node in drawn.positions:
            x, y = drawn.positions[node]
            xml.empty(4, "viz:position", {"x": repr(x), "y": repr(-y + 0.0), "z": "0.0"})
        if node in drawn.sizes:
            xml.empty(4, "viz:size", {"value": repr(drawn.sizes[node])})
        xml.end(3, "node")
    xml.end(2, "nodes")
    xml.start(2, "edges", {"count": str(H.number_of_edges())})
    for i, (u, v, data) in enumerate(H.edges(data=True)):
        attrs = {"id": str(i), "source": u, "target": v}
        if weighted and "weight" in data:
            attrs["weight"] = repr(float(data["weight"]))
        if any(k in edge_ids for k in data):
            xml.start(3, "edge", attrs)
            _gexf_values(xml, data, edge_ids)
            xml.end(3, "edge")
        else:
            xml.empty(3, "edge", attrs)
    xml.end(2, "edges")
    xml.end(1, "graph")
    xml.end(0, "gexf")
    return xml.bytes()


def _gexf_attributes(xml: _Xml, kind: str, types: dict[str, type]) -> dict[str, str]:
    if not types:
        return {}
    xml.start(2, "attributes", {"class": kind, "mode": "static"})
    ids = {}
    for i, (title, kind_) in enumerate(types.items()):
        ids[title] = str(i)
        xml.empty(3, "attribute", {"id": str(i), "title": title, "type": _GEXF_TYPES[kind_]})
    xml.end(2, "attributes")
    return ids


def _gexf_values(xml: _Xml, data: dict[str, Any], ids: dict[str, str]) -> None:
    values = [(ids[k], v) for k, v in data.items() if k in ids]
    if values:
        xml.start(4, "attvalues")
        for key, value in values:
            xml.empty(5, "attvalue", {"for": key, "value": _xml_value(value)})
        xml.end(4, "attvalues")


def write_gexf(
    G: nx.Graph,
    path: PathOrFile,
    *,
    picture: Picture | None = None,
    cluster_names: dict | None = None,
    filters: Any = None,
) -> None:
    """Write `generate_gexf` of ``G`` to ``path`` (a file name or a binary file object).

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> write_gexf(nx.Graph([("a", "b")]), buffer)
    >>> nx.read_gexf(io.BytesIO(buffer.getvalue())).number_of_edges()
    1
    """
    _save(path, generate_gexf(G, picture=picture, cluster_names=cluster_names, filters=filters))


def generate_graphml(
    G: nx.Graph,
    *,
    picture: Picture | None = None,
    cluster_names: dict | None = None,
    filters: Any = None,
) -> bytes:
    """``G`` as GraphML (Cytoscape, yEd, Gephi, igraph), UTF-8 bytes, valid against the
    GraphML 1.0 schema.

    GraphML node ids must be XML name tokens, which DOIs (``/``) and name keys (``|``) are
    not: nodes are numbered ``n0``, ``n1``, ... in graph order and keep their own id in the
    ``citegraph_id`` attribute. Each node also gets the picture's `DRAWN_ATTRIBUTES` (``x``,
    ``y`` in screen coordinates, ``size``, ``color`` as ``#rrggbb``, ``cluster_name``) and
    ``r``, ``g``, ``b`` (Gephi's GraphML importer reads ``x``, ``y``, ``size``, ``r``, ``g``,
    ``b``). Graph-level data (view, colouring, ``filters``, software) come before the nodes.
    ``picture`` and ``cluster_names`` as in `generate_gexf`.

    Examples
    --------
    >>> H = nx.read_graphml(io.BytesIO(generate_graphml(nx.Graph([("doi:10.1/a", "b")]))))
    >>> sorted(H.nodes), H.nodes["n0"]["citegraph_id"]
    (['n0', 'n1'], 'doi:10.1/a')
    """
    drawn = _drawing(G, picture, cluster_names, filters)
    H = drawn.H
    number = {node: f"n{i}" for i, node in enumerate(H)}
    rows = []
    for node, data in drawn.node_rows():
        row = {"citegraph_id": node, **data}
        if "color" in row:
            row["r"], row["g"], row["b"] = _rgb(row["color"])
        rows.append((node, row))
    header = _header_scalars(drawn.header)
    xml = _Xml()
    xml.start(0, "graphml", {
        "xmlns": _GRAPHML_NS, "xmlns:xsi": _XSI_NS,
        "xsi:schemaLocation": f"{_GRAPHML_NS} {_GRAPHML_NS}/1.0/graphml.xsd",
    })  # fmt: skip
    keys: dict[tuple[str, str], str] = {}
    for kind, types in (("graph", _types([header])), ("node", _types(d for _, d in rows)),
                        ("edge", _types(d for *_, d in H.edges(data=True)))):  # fmt: skip
        for name, kind_ in types.items():
            key = keys[kind, name] = f"d{len(keys)}"
            xml.empty(1, "key", {
                "id": key, "for": kind, "attr.name": _NOT_NMTOKEN.sub("_", name) or "_",
                "attr.type": _GRAPHML_TYPES[kind_],
            })  # fmt: skip
    edgedefault = "directed" if H.is_directed() else "undirected"
    xml.start(1, "graph", {"id": "G", "edgedefault": edgedefault})
    _graphml_data(xml, 2, header, keys, "graph")
    for node, row in rows:
        xml.start(2, "node", {"id": number[node]})
        _graphml_data(xml, 3, row, keys, "node")
        xml.end(2, "node")
    for u, v, data in H.edges(data=True):
        attrs = {"source": number[u], "target": number[v]}
        if data:
            xml.start(2, "edge", attrs)
            _graphml_data(xml, 3, data, keys, "edge")
            xml.end(2, "edge")
        else:
            xml.empty(2, "edge", attrs)
    xml.end(1, "graph")
    xml.end(0, "graphml")
    return xml.bytes()


def _graphml_data(xml: _Xml, depth: int, data: dict, keys: dict, kind: str) -> None:
    for name, value in data.items():
        if (kind, name) in keys:
            xml.text(depth, "data", _xml_value(value), {"key": keys[kind, name]})


def write_graphml(
    G: nx.Graph,
    path: PathOrFile,
    *,
    picture: Picture | None = None,
    cluster_names: dict | None = None,
    filters: Any = None,
) -> None:
    """Write `generate_graphml` of ``G`` to ``path`` (a file name or a binary file object).

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> write_graphml(nx.Graph([("a", "b")]), buffer)
    >>> buffer.getvalue().startswith(b"<?xml")
    True
    """
    _save(path, generate_graphml(G, picture=picture, cluster_names=cluster_names,
                                 filters=filters))  # fmt: skip


def generate_json(
    G: nx.Graph,
    *,
    name: str | None = None,
    picture: Picture | None = None,
    cluster_names: dict | None = None,
    filters: Any = None,
) -> bytes:
    """``G`` as node-link JSON (D3, networkx), with ``nodes`` and ``links`` as D3 expects;
    ``networkx.node_link_graph(data, edges="links")`` reads it back. Nodes carry the
    picture's `DRAWN_ATTRIBUTES` (screen coordinates, as SVG has them). The ``graph`` header
    holds ``name`` (else the graph's own, else "graph"), ``created_at``, the software and its
    version, the view, its colouring and ``filters`` when given. ``picture`` and
    ``cluster_names`` as in `generate_gexf`.

    Examples
    --------
    >>> data = json.loads(generate_json(nx.Graph([("a", "b")]), name="demo"))
    >>> data["graph"]["name"], data["links"]
    ('demo', [{'source': 'a', 'target': 'b'}])
    """
    drawn = _drawing(G, picture, cluster_names, filters)
    H = drawn.H.copy()
    for node, data in drawn.node_rows():
        H.nodes[node].update(data)
    data = nx.node_link_data(H, edges="links")
    header = dict(drawn.header)
    header.update({
        # No creation time: the same options give the same bytes on the page and in the CLI
        # (the snapshot the graph comes from records when it was fetched).
        "name": _strip_all(name) or header.get("name") or "graph",
    })  # fmt: skip
    data["graph"] = header
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def write_json(
    G: nx.Graph,
    path: PathOrFile,
    *,
    name: str | None = None,
    picture: Picture | None = None,
    cluster_names: dict | None = None,
    filters: Any = None,
) -> None:
    """Write `generate_json` of ``G`` to ``path`` (a file name or a binary file object).

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> write_json(nx.Graph([("a", "b")]), buffer, filters={"year_from": 2020})
    >>> json.loads(buffer.getvalue())["graph"]["filters"]
    {'year_from': 2020}
    """
    _save(path, generate_json(G, name=name, picture=picture, cluster_names=cluster_names,
                              filters=filters))  # fmt: skip


#: How Cytoscape.js draws a `generate_cytoscape` file: each node's own colour, size and label.
_CYTOSCAPE_STYLE = [
    {"selector": "node", "style": {
        "background-color": "data(color)", "width": "data(diameter)",
        "height": "data(diameter)", "label": "data(label)", "font-size": 10,
    }},
    {"selector": "edge", "style": {"line-color": "#9aa5b1", "opacity": 0.7, "width": 1}},
    {"selector": "edge[?directed]", "style": {
        "curve-style": "bezier", "target-arrow-shape": "triangle",
        "target-arrow-color": "#9aa5b1",
    }},
]  # fmt: skip


def generate_cytoscape(
    G: nx.Graph,
    *,
    picture: Picture | None = None,
    cluster_names: dict | None = None,
    filters: Any = None,
) -> bytes:
    """``G`` as Cytoscape.js JSON (``.cyjs``: Cytoscape desktop's File > Import > Network,
    Cytoscape.js ``cy.json()``), UTF-8 bytes.

    ``elements.nodes`` hold ``data`` (``id``, ``value`` and ``name`` as networkx's
    `networkx.cytoscape_graph` reads them, every node attribute and the picture's
    `DRAWN_ATTRIBUTES` plus ``diameter``) and ``position`` (screen coordinates, as on the
    page); ``elements.edges`` hold ``data`` with ``source``, ``target`` and every edge
    attribute. ``data`` at the top is the graph header (view, colouring, ``filters``);
    ``style`` maps each node's ``color`` and ``diameter`` for Cytoscape.js (Cytoscape
    desktop keeps styles apart and ignores it). ``picture`` and ``cluster_names`` as in
    `generate_gexf`.

    Examples
    --------
    >>> data = json.loads(generate_cytoscape(nx.DiGraph([("a", "b")])))
    >>> H = nx.cytoscape_graph(data)
    >>> sorted(H.edges), sorted(data["elements"]["nodes"][0]["position"])
    ([('a', 'b')], ['x', 'y'])
    """
    drawn = _drawing(G, picture, cluster_names, filters)
    H = drawn.H
    nodes = []
    for node, data in drawn.node_rows():
        item = {**data, "id": node, "value": node, "name": data.get("name") or
                data.get("label") or node}  # fmt: skip
        if "size" in item:
            item["diameter"] = round(2 * item["size"], 2)
        entry: dict[str, Any] = {"data": item}
        if node in drawn.positions:
            x, y = drawn.positions[node]
            entry["position"] = {"x": x, "y": y}
        nodes.append(entry)
    edges = [{"data": {**data, "id": f"e{i}", "source": u, "target": v,
                       "directed": H.is_directed()}}
             for i, (u, v, data) in enumerate(H.edges(data=True))]  # fmt: skip
    header = _header_scalars(drawn.header)
    header["name"] = str(header.get("name") or header.get("view") or "graph")
    header["description"] = _description(drawn.header)
    document = {
        "format_version": "1.0",
        "generated_by": f"citegraph-{__version__}",
        "target_cytoscapejs_version": "~3.0",
        "data": header,
        "directed": H.is_directed(),
        "multigraph": False,
        "elements": {"nodes": nodes, "edges": edges},
        "style": _CYTOSCAPE_STYLE,
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def write_cytoscape(
    G: nx.Graph,
    path: PathOrFile,
    *,
    picture: Picture | None = None,
    cluster_names: dict | None = None,
    filters: Any = None,
) -> None:
    """Write `generate_cytoscape` of ``G`` to ``path`` (a file name or a binary file object).

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> write_cytoscape(nx.Graph([("a", "b")]), buffer)
    >>> len(json.loads(buffer.getvalue())["elements"]["nodes"])
    2
    """
    _save(path, generate_cytoscape(G, picture=picture, cluster_names=cluster_names,
                                   filters=filters))  # fmt: skip


def generate_csv_zip(
    G: nx.Graph, *, picture: Picture | None = None, cluster_names: dict | None = None
) -> bytes:
    """A zip archive holding ``nodes.csv`` and ``edges.csv`` (see `export_csv_tables`). The
    entries carry a fixed date, so the same graph always gives the same bytes.

    Examples
    --------
    >>> with zipfile.ZipFile(io.BytesIO(generate_csv_zip(nx.Graph([("a", "b")])))) as archive:
    ...     archive.namelist()
    ['nodes.csv', 'edges.csv']
    """
    nodes, edges = export_csv_tables(G, picture=picture, cluster_names=cluster_names)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in (("nodes.csv", nodes), ("edges.csv", edges)):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def write_csv_zip(
    G: nx.Graph,
    path: PathOrFile,
    *,
    picture: Picture | None = None,
    cluster_names: dict | None = None,
) -> None:
    """Write `generate_csv_zip` of ``G`` to ``path`` (a file name or a binary file object).

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> write_csv_zip(nx.Graph([("a", "b")]), buffer)
    >>> zipfile.is_zipfile(buffer)
    True
    """
    _save(path, generate_csv_zip(G, picture=picture, cluster_names=cluster_names))


def generate_html(
    G: nx.Graph,
    *,
    positions: dict | None = None,
    color_by: str = "cluster",
    size_by: str | None = None,
    height: int = 650,
    physics_threshold: int = 300,
    legend_labels: dict | None = None,
    picture: Picture | None = None,
) -> bytes:
    """The offline interactive page of ``G`` (`citegraph.render.render_html`, whose options
    these are; ``picture`` is its ``pic``), UTF-8 bytes.

    Examples
    --------
    >>> generate_html(nx.Graph([("a", "b")]), height=300).startswith(b"<html>")
    True
    """
    from citegraph.render import render_html

    ids = safe_ids(G)  # node ids become safe strings in the sanitised copy
    if positions is not None:
        positions = {ids[n]: p for n, p in positions.items() if n in ids}
    if picture is not None:
        picture = replace(
            picture,
            positions={ids[n]: p for n, p in picture.positions.items() if n in ids},
            colors={ids[n]: c for n, c in picture.colors.items() if n in ids},
            sizes={ids[n]: s for n, s in picture.sizes.items() if n in ids},
        )
    return render_html(
        sanitize_graph(G), positions=positions, color_by=color_by, size_by=size_by,
        height=height, physics_threshold=physics_threshold, legend_labels=legend_labels,
        pic=picture,
    ).encode("utf-8")  # fmt: skip


def write_html(
    G: nx.Graph,
    path: PathOrFile,
    *,
    positions: dict | None = None,
    color_by: str = "cluster",
    size_by: str | None = None,
    height: int = 650,
    physics_threshold: int = 300,
    legend_labels: dict | None = None,
    picture: Picture | None = None,
) -> None:
    """Write `generate_html` of ``G`` to ``path`` (a file name or a binary file object).

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> write_html(nx.Graph([("a", "b")]), buffer, color_by="label")
    >>> b"vis-network" in buffer.getvalue()
    True
    """
    _save(path, generate_html(
        G, positions=positions, color_by=color_by, size_by=size_by, height=height,
        physics_threshold=physics_threshold, legend_labels=legend_labels, picture=picture,
    ))  # fmt: skip


#: VOSviewer's words for the items and links of each view (its ``config.terminology``).
_VOS_TERMS = {
    "citation": ("work", "works", "citation link", "citation links", "citations"),
    "similarity": ("work", "works", "similarity link", "similarity links", "similarity"),
    "timeline": ("work", "works", "citation link", "citation links", "citations"),
    "coauthor": ("author", "authors", "co-authorship link", "co-authorship links",
                 "shared works"),
}  # fmt: skip


def generate_vosviewer(
    G: nx.Graph,
    *,
    picture: Picture | None = None,
    cluster_names: dict | None = None,
    filters: Any = None,
) -> bytes:
    """``G`` as VOSviewer JSON (VOSviewer 1.6.x, VOSviewer Online), following VOSviewer's
    documented JSON format.

    ``network.items`` get integer ids 1..n in node order, the ``label``, ``x`` and ``y`` from
    ``picture`` (the screen's y negated: VOSviewer's grows upwards), ``cluster`` (VOSviewer
    numbers clusters 1-1000; unclustered nodes have none, clusters past 1000 share 1000),
    weights "Links", "Total link strength" (and "Documents", "Citations" where known), scores
    "Year" or "Avg. pub. year", a ``url`` (DOI, else PubMed, else OpenAlex; ORCID, else
    OpenAlex for authors) and a ``description``, which VOSviewer shows as HTML and is
    therefore built from HTML-escaped text only. ``network.links`` carry ``strength`` (the
    edge ``weight``, else 1; a pair linked both ways is one link). ``network.clusters``
    names the clusters (``cluster_names``); ``config.terminology`` says "work"/"author" and
    what a link is; ``config.color_schemes.cluster_colors`` gives each cluster its colour
    on the page when the picture is coloured by cluster; ``info`` says what the file holds.
    ``picture`` and ``cluster_names`` as in `generate_gexf`.

    Examples
    --------
    >>> data = json.loads(generate_vosviewer(nx.Graph([("a", "b")])))
    >>> [item["label"] for item in data["network"]["items"]], data["network"]["links"]
    (['a', 'b'], [{'source_id': 1, 'target_id': 2, 'strength': 1.0}])
    """
    drawn = _drawing(G, picture, cluster_names, filters)
    H = drawn.H
    ids = {node: i for i, node in enumerate(H, 1)}
    strength = dict.fromkeys(H, 0.0)
    undirected = H.to_undirected(as_view=True) if H.is_directed() else H
    for u, v, w in H.edges(data="weight", default=1):
        strength[u] += _weight(w)
        strength[v] += _weight(w)
    items = []
    cluster_colors: dict[int, str] = {}
    for node, data in H.nodes(data=True):
        item: dict[str, Any] = {"id": ids[node], "label": str(data.get("label", node))}
        cluster = _vos_cluster(data.get("cluster"))
        if cluster is not None:
            item["cluster"] = cluster
            if node in drawn.colors:
                cluster_colors.setdefault(cluster, drawn.colors[node])
        if node in drawn.positions:
            x, y = drawn.positions[node]
            item["x"], item["y"] = x, -y + 0.0  # screen y grows down, VOSviewer's up
        url = _vos_url(data)
        if url:
            item["url"] = url
        weights = {"Links": undirected.degree(node), "Total link strength": strength[node]}
        if isinstance(data.get("works"), int):
            weights["Documents"] = data["works"]
        if isinstance(data.get("cited_by_count"), int):
            weights["Citations"] = data["cited_by_count"]
        item["weights"] = weights
        if isinstance(data.get("year"), int):
            item["scores"] = {"Year": data["year"]}
        elif isinstance(data.get("first_year"), int) and isinstance(data.get("last_year"), int):
            item["scores"] = {"Avg. pub. year": (data["first_year"] + data["last_year"]) / 2}
        item["description"] = _vos_description(data, drawn.names.get(node))
        items.append(item)
    pairs: dict[tuple[int, int], float] = {}  # VOSviewer links are undirected: A→B + B→A is one
    for u, v, w in H.edges(data="weight", default=1):
        key = (min(ids[u], ids[v]), max(ids[u], ids[v]))
        pairs[key] = pairs.get(key, 0.0) + _weight(w)
    links = [{"source_id": a, "target_id": b, "strength": w} for (a, b), w in pairs.items()]
    network: dict[str, Any] = {"items": items, "links": links}
    present = sorted({item["cluster"] for item in items if "cluster" in item})
    named = [{"cluster": c, "label": drawn.clusters[c]} for c in present if drawn.clusters.get(c)]
    if named:
        network["clusters"] = named
    view = str(drawn.header.get("view") or "")
    item1, items1, link1, links1, strength1 = _VOS_TERMS.get(
        view, ("item", "items", "link", "links", "link strength"))  # fmt: skip
    config: dict[str, Any] = {"terminology": {
        "item": item1, "items": items1, "link": link1, "links": links1,
        "cluster": "cluster", "clusters": "clusters", "link_strength": strength1,
        "total_link_strength": f"total {strength1}",
    }}  # fmt: skip
    if drawn.color_by == "cluster" and cluster_colors:
        config["color_schemes"] = {
            "cluster_colors": [
                {"cluster": c, "color": cluster_colors[c]} for c in sorted(cluster_colors)
            ]
        }
    info = {"title": html.escape(f"Citegraph {view or 'graph'} network"),
            "description": html.escape(_description(drawn.header))}  # fmt: skip
    data = {"network": network, "config": config, "info": info}
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def _weight(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 1.0


def _vos_cluster(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return min(value, 1000)  # VOSviewer accepts 1-1000; the many one-node clusters share 1000
    return None


def _vos_url(data: dict[str, Any]) -> str | None:
    """The page of a work (DOI, PubMed, OpenAlex) or an author (ORCID, OpenAlex); only ids
    that look like ids, percent-encoded, so no text can become a link elsewhere."""
    doi = str(data.get("doi") or "").strip()
    if doi.startswith("10.") and "/" in doi:
        return "https://doi.org/" + quote(doi, safe="/():;._-")
    pmid = str(data.get("pmid") or "").strip()
    if pmid.isdigit():
        return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    orcid = str(data.get("orcid") or "").strip().removeprefix("https://orcid.org/")
    if re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", orcid):
        return f"https://orcid.org/{orcid}"
    openalex = str(data.get("openalex_id") or "").strip().removeprefix("https://openalex.org/")
    if re.fullmatch(r"[WA]\d+", openalex):
        return f"https://openalex.org/{openalex}"
    return None


#: Fields a VOSviewer item description shows, with their captions.
_VOS_FIELDS = [("title", ""), ("name", ""), ("journal", "Journal"), ("year", "Year"),
               ("institutions", "Institutions"), ("works", "Works"), ("doi", "DOI"),
               ("pmid", "PMID"), ("orcid", "ORCID")]  # fmt: skip


def _vos_description(data: dict[str, Any], cluster_name: str | None) -> str:
    lines = ["<b>RETRACTED</b>"] if data.get("retracted") is True else []
    for key, caption in _VOS_FIELDS:
        value = data.get(key)
        if value in (None, ""):
            continue
        text = html.escape(str(value))
        lines.append(f"{caption}: {text}" if caption else text)
    if cluster_name:
        lines.append(
            f"Cluster: {html.escape(str(data.get('cluster')))} {html.escape(cluster_name)}"
        )
    return "<br>".join(lines)


def write_vosviewer(
    G: nx.Graph,
    path: PathOrFile,
    *,
    picture: Picture | None = None,
    cluster_names: dict | None = None,
    filters: Any = None,
) -> None:
    """Write `generate_vosviewer` of ``G`` to ``path`` (a file name or a binary file object).

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> write_vosviewer(nx.Graph([("a", "b")]), buffer)
    >>> sorted(json.loads(buffer.getvalue())["network"])
    ['items', 'links']
    """
    _save(path, generate_vosviewer(G, picture=picture, cluster_names=cluster_names,
                                   filters=filters))  # fmt: skip


def _strip_all(value: Any) -> Any:
    """``value`` with `strip_controls` applied to every string in it (dicts, lists)."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, dict):
        return {_strip_all(k): _strip_all(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strip_all(v) for v in value]
    return value


def _one_line(value: Any) -> Any:
    """``value`` with every string in it on one line and without control characters: in RIS
    and BibTeX a line break inside a field could start a record of its own."""
    if isinstance(value, str):
        return strip_controls(value, one_line=True).strip()
    if isinstance(value, dict):
        return {k: _one_line(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_one_line(v) for v in value]
    return value


def _save(path: PathOrFile, data: bytes) -> None:
    if hasattr(path, "write"):
        path.write(data)  # type: ignore[union-attr]
    else:
        Path(path).write_bytes(data)


#: Graph formats, by the name `export_graph` takes.
FORMATS: dict[str, ExportFormat] = {
    "gexf": ExportFormat("gexf", "application/gexf+xml", generate_gexf, "GEXF 1.3 (Gephi)"),
    "graphml": ExportFormat(
        "graphml", "application/graphml+xml", generate_graphml, "GraphML (Cytoscape, yEd, igraph)"
    ),
    "cyjs": ExportFormat(
        "cyjs", "application/json", generate_cytoscape, "Cytoscape JSON (Cytoscape, Cytoscape.js)"
    ),
    "json": ExportFormat(
        "json", "application/json", generate_json, "JSON node-link (networkx, D3)"
    ),
    "csv": ExportFormat("zip", "application/zip", generate_csv_zip, "CSV nodes + edges (zip)"),
    "html": ExportFormat("html", "text/html", generate_html, "Interactive HTML (offline)"),
    "vosviewer": ExportFormat(
        "vos.json", "application/json", generate_vosviewer, "VOSviewer JSON (VOSviewer, Online)"
    ),
}


def _scalar(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        # XML 1.0 forbids most controls (GEXF and GraphML readers stop at them), no encoding
        # writes lone surrogates, bidi overrides disguise text; third-party titles hold them all.
        return strip_controls(value)
    if isinstance(value, bool | int | float):
        if isinstance(value, float) and value != value:  # NaN: unknown
            return None
        return value
    if hasattr(value, "item") and not isinstance(value, list | tuple | set | dict):
        try:
            return _scalar(value.item())
        except (TypeError, ValueError):
            return strip_controls(str(value))
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return strip_controls("; ".join(str(_scalar(v)) for v in items if v is not None))
    if isinstance(value, dict):
        return strip_controls(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return strip_controls(str(value))


def _unify(rows: list[dict[str, Any]]) -> None:
    # Drop None, then give each key one type: bool < int < float < str.
    kinds: dict[str, set[type]] = {}
    for row in rows:
        for key in [k for k, v in row.items() if v is None]:
            del row[key]
        for key, value in row.items():
            kinds.setdefault(key, set()).add(type(value))
    target: dict[str, type] = {}
    for key, types in kinds.items():
        if types <= {bool}:
            target[key] = bool
        elif types <= {int}:
            target[key] = int
        elif types <= {int, float}:
            target[key] = float
        else:
            target[key] = str
    for row in rows:
        for key, value in row.items():
            if type(value) is not target[key]:
                row[key] = target[key](value)


def _columns(rows: Any) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    cols = list(seen)
    return (["label"] if "label" in seen else []) + [c for c in cols if c != "label"]


def _csv(header: list[str], rows: Any) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


# ------------------------------------------------------------------------------ works as a list
def export_works(corpus: Corpus, fmt: str) -> bytes:
    """The works of ``corpus`` as a reference list in format ``fmt`` (one of `WORK_FORMATS`:
    BibTeX, RIS or CSV), seed first, then newest first. An unknown format raises
    `citegraph.OptionError`. `export_works_file` also says how many works the file holds.

    Every work is written, also one known only by its id (with the id and its URL). BibTeX is
    UTF-8 with only BibTeX's own special characters escaped and acronyms brace-protected in
    titles; RIS uses the tags Zotero maps (``T2`` journal, ``J2`` abbreviation, PMID and PMCID
    as ``M2`` lines that land in Zotero's Extra); the CSV has every author and every
    bibliographic field. A retracted work carries a note ("RETRACTED; Retraction in PMID …"):
    RIS ``N1``, BibTeX ``note``, the CSV's ``retracted`` and ``note`` columns.
    ``docs/exports.md`` ("Reference lists") says what goes where.

    Examples
    --------
    >>> c = Corpus.from_rows(
    ...     works=[{"id": "pmid:1", "pmid": "1", "title": "A & B", "year": 2020, "sources": ["pubmed"]}],
    ...     authors=[{"id": "a", "name": "Ann Lee", "last_name": "Lee", "fore_name": "Ann"}],
    ...     authorships=[{"work_id": "pmid:1", "author_id": "a", "position": 1}])
    >>> print(export_works(c, "ris").decode().splitlines()[:3])
    ['TY  - JOUR', 'TI  - A & B', 'AU  - Lee, Ann']
    >>> "title = {A \\\\& B}" in export_works(c, "bibtex").decode()
    True
    """
    return export_works_file(corpus, fmt).data


@dataclass(frozen=True)
class WorksFile:
    """A reference list as written: the file, its format, how many works it holds and how many
    were left out (and why).

    Every format writes every work (a work known only by its id gets its id and URL), so
    ``left_out`` is 0 today; callers report `summary`, which counts what was written.

    Examples
    --------
    >>> WorksFile(b"", "ris", written=3).summary
    '3 works written (RIS)'
    >>> WorksFile(b"", "bibtex", written=1, left_out=2, reason="no title").summary
    '1 work written (BibTeX), 2 left out: no title'
    """

    data: bytes
    fmt: str
    written: int
    left_out: int = 0
    reason: str = ""

    @property
    def summary(self) -> str:
        """One line for a person: "N works written (FORMAT)[, M left out: reason]"."""
        label = WORK_FORMATS[self.fmt].description if self.fmt in WORK_FORMATS else self.fmt
        text = f"{self.written} work{'' if self.written == 1 else 's'} written ({label})"
        if self.left_out:
            text += f", {self.left_out} left out: {self.reason}"
        return text


def export_works_file(corpus: Corpus, fmt: str) -> WorksFile:
    """The works of ``corpus`` as a reference list in format ``fmt``, with the number of
    works the file holds (see `export_works`).

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "pmid:1", "title": "T", "sources": ["pubmed"]},
    ...                             {"id": "W2"}])
    >>> export_works_file(c, "bibtex").summary
    '2 works written (BibTeX)'
    """
    check_option(fmt, WORK_FORMATS, what="works format")
    refs = reference_list(corpus)
    return WorksFile(_WORK_WRITERS[fmt](refs), fmt, written=len(refs))


@dataclass(frozen=True)
class Reference:
    """One work as a reference list shows it: clean one-line text ("" when unknown).

    ``title`` and ``abstract`` are Unicode without markup (`citegraph.text.clean_markup`), the
    title without PubMed's closing full stop; ``authors`` are the ordered authors, a collective
    author (group) last unless already listed; ``journal``, ``journal_abbrev`` and ``issn`` are
    the journal's one name, abbreviation and ISSN-L (`citegraph.journals.journal_index`);
    ``first_page`` and ``last_page`` split the page range; ``note`` is the retraction note
    (`retraction_note`); ``url`` is the DOI link, else the PubMed page, else the OpenAlex page.

    Examples
    --------
    >>> ref = reference_list(Corpus.from_rows(works=[
    ...     {"id": "pmid:7", "pmid": "7", "title": "CD4<sup>+</sup> cells", "pages": "10-12"}]))[0]
    >>> ref.title, ref.first_page, ref.last_page, ref.url, ref.has_metadata
    ('CD4⁺ cells', '10', '12', 'https://pubmed.ncbi.nlm.nih.gov/7/', True)
    """

    id: str
    title: str = ""
    authors: tuple[PersonName, ...] = ()
    journal: str = ""
    journal_abbrev: str = ""
    issn: str = ""
    year: int | None = None
    pub_date: str = ""
    volume: str = ""
    issue: str = ""
    first_page: str = ""
    last_page: str = ""
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    openalex_id: str = ""
    types: tuple[str, ...] = ()
    abstract: str = ""
    keywords: tuple[str, ...] = ()
    cited_by_count: int | None = None
    retracted: bool = False
    note: str = ""
    is_seed: bool = False
    sources: tuple[str, ...] = ()
    url: str = ""

    @property
    def has_metadata(self) -> bool:
        """False for a work known only by its ids (no title, author or journal)."""
        return bool(self.title or self.authors or self.journal)

    @property
    def pages(self) -> str:
        """The page range as written in a CSV cell: "494-506", or the one page."""
        return f"{self.first_page}-{self.last_page}" if self.last_page else self.first_page


def reference_list(corpus: Corpus) -> list[Reference]:
    """Every work of ``corpus`` as a `Reference`: seeds first, then newest first, then by id.

    The one model the BibTeX, RIS and CSV writers share, so the three files hold the same works
    with the same fields.

    Examples
    --------
    >>> c = Corpus.from_rows(
    ...     works=[{"id": "a", "year": 2020}, {"id": "b", "year": 2024, "collective_author": "X Group"},
    ...            {"id": "c", "is_seed": True}])
    >>> [(r.id, [n.family for n in r.authors]) for r in reference_list(c)]
    [('c', []), ('b', ['X Group']), ('a', [])]
    """
    works = corpus.works
    journal_ids, journals = journal_index(works)  # text is cleaned below, surrogates too
    people: dict[tuple[Any, Any], PersonName] = {}  # authors recur across works: parse once
    refs = [
        _reference(corpus, row, journals.get(jid) if jid else None, people)
        for row, jid in zip(works.to_dict(orient="records"), journal_ids, strict=True)
    ]
    refs.sort(key=lambda r: (not r.is_seed, -r.year if r.year is not None else 1, r.id))
    return refs


def _text(value: Any) -> str:
    """``value`` as one line of clean text ("" when unknown)."""
    return _one_line(text_or_empty(value))


def _texts(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        return ()
    return tuple(t for t in (_text(v) for v in value) if t)


def _int(value: Any) -> int | None:
    if is_missing(value):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _reference(
    corpus: Corpus,
    row: dict[str, Any],
    journal: Journal | None,
    people: dict[tuple[Any, Any], PersonName],
) -> Reference:
    wid = _text(row["id"])
    doi, pmid = _text(row.get("doi")), _text(row.get("pmid"))
    openalex_id = _text(row.get("openalex_id"))
    issns = _texts(row.get("issn"))
    first, last = _pages(_text(row.get("pages")))
    flag = row.get("retracted")
    return Reference(
        id=wid,
        title=_title(row.get("title")),
        authors=_authors(corpus, row, people),
        journal=_text(journal.name if journal else None) or _text(row.get("journal")),
        journal_abbrev=(
            _text(journal.abbrev if journal else None) or _text(row.get("journal_abbrev"))
        ),  # fmt: skip
        issn=(
            _text(journal.issn_l if journal else None)
            or _text(row.get("issn_l"))
            or (issns[0] if issns else "")
        ),  # fmt: skip
        year=_int(row.get("year")),
        pub_date=_text(row.get("pub_date")),
        volume=_text(row.get("volume")),
        issue=_text(row.get("issue")),
        first_page=first,
        last_page=last,
        doi=doi,
        pmid=pmid,
        pmcid=_text(row.get("pmcid")),
        openalex_id=openalex_id,
        types=_texts(row.get("pub_types")),
        abstract=_text(clean_markup(_text(row.get("abstract")))),
        keywords=_texts(row.get("keywords")),
        cited_by_count=_int(row.get("cited_by_count")),
        retracted=not is_missing(flag) and bool(flag),
        note=_text(retraction_note(row)),
        is_seed=not is_missing(row.get("is_seed")) and bool(row.get("is_seed")),
        sources=_texts(row.get("sources")),
        url=_url(wid, doi=doi, pmid=pmid, openalex_id=openalex_id),
    )


def _title(value: Any) -> str:
    """A title as a reference list shows it: Unicode without markup, without the full stop
    PubMed ends every title with (Zotero's PubMed import drops it too; styles add their own)."""
    title = _text(clean_markup(_text(value)))
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1].rstrip()
    return title


def _authors(
    corpus: Corpus, row: dict[str, Any], people: dict[tuple[Any, Any], PersonName]
) -> tuple[PersonName, ...]:
    """The ordered authors of a work row; its collective author (a group) last when no
    author of the work has that name. ``people`` caches names by author id and shown name."""
    named: list[tuple[int, PersonName]] = []
    for ship in corpus.authorships_of(row["id"]):
        key = (ship["author_id"], ship["name"] if isinstance(ship["name"], str) else None)
        name = people.get(key)
        if name is None:
            person = corpus.authors_by_id.get(ship["author_id"], {})
            shown = _text(ship["name"]) or _text(person.get("name"))
            name = people[key] = parse_name(
                shown,
                family=_text(person.get("last_name")),
                given=_text(person.get("fore_name")),
                suffix=_text(person.get("suffix")),
            )
        pos = 0 if is_missing(ship["position"]) else int(ship["position"])
        named.append((pos, name))
    names = [n for _, n in sorted(named, key=lambda p: (p[0], p[1].family, p[1].given))]
    group = _text(row.get("collective_author"))
    if group and fold(group) not in {fold(n.full) for n in names}:
        names.append(PersonName(family=group, is_group=True))
    return tuple(n for n in names if n.family or n.given)


def _pages(pages: str) -> tuple[str, str]:
    start, _, end = pages.replace("\u2013", "-").partition("-")
    return start.strip(), end.strip()


def _url(wid: str, *, doi: str, pmid: str, openalex_id: str) -> str:
    """The one link a reference manager stores: DOI, else PubMed, else OpenAlex."""
    kind, _, value = wid.partition(":")
    doi = doi or (value if kind == "doi" else "")
    pmid = pmid or (value if kind == "pmid" else "")
    if doi:
        # Only characters a URL may hold raw; BibTeX then writes it verbatim.
        return "https://doi.org/" + quote(doi, safe="/:;()-._,+=@!*'")
    if pmid.isdigit():
        return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    oa = openalex_id or wid
    if re.fullmatch(r"W\d+", oa):
        return f"https://openalex.org/{oa}"
    return ""


def _stub_note(ref: Reference) -> str:
    return f"Citegraph knows only the identifiers of this work ({ref.id})"


def retraction_note(row: dict[str, Any]) -> str | None:
    """The note a bibliography entry of a retracted work carries, else None.

    Examples
    --------
    >>> retraction_note({"retracted": True, "relations": ["ErratumIn pmid:4",
    ...                                                   "RetractionIn pmid:3"]})
    'RETRACTED; Retraction in PMID 3'
    >>> retraction_note({"retracted": False, "relations": []}) is None
    True
    """
    flag = row.get("retracted")
    if is_missing(flag) or not flag:
        return None
    parts = ["RETRACTED"]
    relations = row.get("relations")
    for relation in relations if isinstance(relations, list | tuple) else ():
        kind, _, ident = str(relation).partition(" ")
        if kind in ("RetractionIn", "RetractedandRepublishedIn"):
            where = ident.replace("pmid:", "PMID ") if ident else ""
            label = "Retraction in" if kind == "RetractionIn" else "Retracted and republished in"
            parts.append(f"{label} {where}".strip())
    return "; ".join(parts)


# ---------------------------------------------------------------------------------- works CSV
#: Columns of the works CSV, in order (docs/exports.md describes each).
WORKS_CSV_COLUMNS = [
    "title", "authors", "author_names", "journal", "journal_abbrev", "issn", "year",
    "pub_date", "volume", "issue", "pages", "doi", "pmid", "pmcid", "openalex_id", "type",
    "cited_by_count", "retracted", "note", "is_seed", "sources", "url", "id",
]  # fmt: skip


def generate_works_csv(corpus: Corpus) -> bytes:
    """The works as CSV (UTF-8): one row per work, every author, every bibliographic field.

    ``authors`` lists every author as PubMed prints them ("Wobma H, Ardoin SP, Lamb M"),
    ``author_names`` as "Family, Given, Suffix" separated by "; " (particles and suffixes kept
    apart). Lists are "; "-joined. Text cells go through `csv_cell`, so no cell is a formula.

    Examples
    --------
    >>> generate_works_csv(Corpus.from_rows(works=[{"id": "a"}])).decode().split(",")[:3]
    ['title', 'authors', 'author_names']
    """
    return _works_csv(reference_list(corpus))


def _works_csv(refs: list[Reference]) -> bytes:
    rows = []
    for ref in refs:
        rows.append([
            ref.title,
            ", ".join(n.label for n in ref.authors),
            "; ".join(n.ris for n in ref.authors),
            ref.journal, ref.journal_abbrev, ref.issn, ref.year, ref.pub_date, ref.volume,
            ref.issue, ref.pages, ref.doi, ref.pmid, ref.pmcid, ref.openalex_id,
            "; ".join(ref.types), ref.cited_by_count, ref.retracted,
            ref.note or ("" if ref.has_metadata else _stub_note(ref)),
            ref.is_seed, "; ".join(ref.sources), ref.url, ref.id,
        ])  # fmt: skip
    return _csv(WORKS_CSV_COLUMNS, rows)


def write_works_csv(corpus: Corpus, path: PathOrFile) -> None:
    """Write `generate_works_csv` of ``corpus`` to ``path`` (a file name or binary file object).

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> write_works_csv(Corpus.from_rows(works=[{"id": "a"}]), buffer)
    >>> buffer.getvalue().startswith(b"title,")
    True
    """
    _save(path, generate_works_csv(corpus))


# ---------------------------------------------------------------------------------------- RIS
def generate_ris(corpus: Corpus) -> bytes:
    """The works as RIS (UTF-8), with the tags Zotero's RIS import maps to its fields.

    ``TY`` JOUR (GEN for a work known only by its ids), ``TI``, one ``AU`` per author
    ("Family, Given, Suffix"; a group as one name), ``PY`` and ``DA`` (year and
    "YYYY/MM/DD/"), ``T2`` full journal name (Publication), ``J2`` its abbreviation (Journal
    Abbr), ``VL``, ``IS``, ``SP``/``EP``, ``SN`` ISSN, ``DO``, ``UR``, ``AB``, ``KW``, and
    ``M2  - PMID: …`` / ``M2  - PMCID: …``, which Zotero puts in Extra, one per line, as its
    own PubMed import does. ``N1`` (a note) holds a retraction. Each value is one line.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "pmid:1", "pmid": "1", "title": "A",
    ...                              "journal": "Journal of Tests", "journal_abbrev": "J Tests"}])
    >>> generate_ris(c).decode().splitlines()
    ['TY  - JOUR', 'TI  - A', 'T2  - Journal of Tests', 'J2  - J Tests', 'UR  - https://pubmed.ncbi.nlm.nih.gov/1/', 'M2  - PMID: 1', 'ER  - ', '']
    """
    return _ris_file(reference_list(corpus))


def _ris_file(refs: list[Reference]) -> bytes:
    out: list[str] = []
    for ref in refs:
        lines = [("TY", "JOUR" if ref.has_metadata else "GEN"), ("TI", ref.title)]
        lines += [("AU", name.ris) for name in ref.authors]
        lines += [("PY", "" if ref.year is None else str(ref.year)),
                  ("DA", _ris_date(ref.pub_date)), ("T2", ref.journal),
                  ("J2", ref.journal_abbrev), ("VL", ref.volume), ("IS", ref.issue),
                  ("SP", ref.first_page), ("EP", ref.last_page), ("SN", ref.issn),
                  ("DO", ref.doi), ("UR", ref.url), ("AB", ref.abstract)]  # fmt: skip
        lines += [("KW", k) for k in ref.keywords]
        lines += [("M2", f"PMID: {ref.pmid}" if ref.pmid else ""),
                  ("M2", f"PMCID: {ref.pmcid}" if ref.pmcid else ""),
                  ("N1", ref.note or ("" if ref.has_metadata else _stub_note(ref)))]  # fmt: skip
        out += [f"{tag}  - {value}" for tag, value in lines if value]
        out += ["ER  - ", ""]
    return "".join(line + "\n" for line in out).encode("utf-8")


def _ris_date(date: str) -> str:
    """ "2025-07-03" as RIS's "2025/07/03/" ("2025/07//" for a month)."""
    parts = date.split("-")
    if not (1 <= len(parts) <= 3 and all(p.isdigit() for p in parts) and len(parts[0]) == 4):
        return ""
    parts += [""] * (3 - len(parts))
    return "/".join(parts) + "/"


def write_ris(corpus: Corpus, path: PathOrFile) -> None:
    """Write `generate_ris` of ``corpus`` to ``path`` (a file name or a binary file object).

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> write_ris(Corpus.empty(), buffer)
    >>> buffer.getvalue()
    b''
    """
    _save(path, generate_ris(corpus))


# ------------------------------------------------------------------------------------- BibTeX
def generate_bibtex(corpus: Corpus) -> bytes:
    r"""The works as BibTeX in UTF-8, as biblatex/biber, Zotero, JabRef and Citation.js read it.

    Text stays Unicode; only what BibTeX or LaTeX would misread is escaped (`bibtex_text`),
    and in titles acronyms, gene and chemical symbols are brace-protected so that styles do
    not lower-case them. ``doi`` and ``url`` are written verbatim (biblatex reads them so).
    A work with metadata is an ``@article``; one known only by its ids a ``@misc`` with its
    URL and a ``note``. ``pmid`` and ``pmcid`` fields land in Zotero's Extra.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "pmid:1", "title": "CAR T cells & IL-6", "year": 2020,
    ...                              "sources": ["pubmed"]}])
    >>> print(generate_bibtex(c).decode(), end="")
    @article{anon2020,
      title = {{CAR} {T} cells \& {IL-6}},
      year = {2020},
      url = {https://pubmed.ncbi.nlm.nih.gov/1/}
    }
    """
    return _bibtex_file(reference_list(corpus))


def _bibtex_file(refs: list[Reference]) -> bytes:
    taken: set[str] = set()
    return "\n".join(_bibtex_entry(ref, taken) for ref in refs).encode("utf-8")


def write_bibtex(corpus: Corpus, path: PathOrFile) -> None:
    """Write `generate_bibtex` of ``corpus`` to ``path`` (a file name or a binary file object).

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> write_bibtex(Corpus.empty(), buffer)
    >>> buffer.getvalue()
    b''
    """
    _save(path, generate_bibtex(corpus))


def _bibtex_entry(ref: Reference, taken: set[str]) -> str:
    key = _bibtex_key(ref, taken)
    fields: list[tuple[str, str]] = []
    if ref.authors:
        fields.append(("author", " and ".join(_bibtex_name(n) for n in ref.authors)))
    fields += [
        ("title", bibtex_text(ref.title, protect=True)),
        ("journal", bibtex_text(ref.journal)),
        ("shortjournal", bibtex_text(ref.journal_abbrev)),
        ("year", "" if ref.year is None else str(ref.year)),
        ("volume", bibtex_text(ref.volume)),
        ("number", bibtex_text(ref.issue)),
        (
            "pages",
            bibtex_text(ref.first_page)
            + ("--" + bibtex_text(ref.last_page) if ref.last_page else ""),
        ),  # fmt: skip
        ("issn", bibtex_text(ref.issn)),
        ("doi", _verbatim(ref.doi)),
        ("pmid", bibtex_text(ref.pmid)),
        ("pmcid", bibtex_text(ref.pmcid)),
        ("url", _verbatim(ref.url)),
        ("abstract", bibtex_text(ref.abstract)),
        ("keywords", bibtex_text(", ".join(ref.keywords))),
        ("note", bibtex_text(ref.note or ("" if ref.has_metadata else _stub_note(ref)))),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    kind = "article" if ref.has_metadata else "misc"
    return f"@{kind}{{{key},\n{body}\n}}\n" if body else f"@{kind}{{{key}}}\n"


def _bibtex_key(ref: Reference, taken: set[str]) -> str:
    """ "family" + year ("debenedetti2020"), ASCII; "anon" without authors; a work known only
    by its ids keyed by them ("w123"); "a", "b", ... appended until unique."""
    if ref.has_metadata or not ref.id:
        first = ref.authors[0].family if ref.authors else "anon"
        base = re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", fold(first))) or "anon"
        base += str(ref.year) if ref.year is not None else "nd"
    else:
        base = re.sub(r"[^a-z0-9]", "", ref.id.lower())[:40] or "work"
    key, n = base, 0
    while key in taken:
        n += 1
        key = base + "abcdefghijklmnopqrstuvwxyz"[(n - 1) % 26] * (1 + (n - 1) // 26)
    taken.add(key)
    return key


def _bibtex_name(name: PersonName) -> str:
    """One name of an ``author`` list: "von Last, Jr, First"; a group braced whole. A part
    holding a comma or the word "and" is braced so that BibTeX does not split it there."""
    if name.is_group:
        return "{" + bibtex_text(name.family) + "}"

    def part(text: str) -> str:
        value = bibtex_text(text)
        return "{" + value + "}" if "," in text or _AND.search(text) else value

    given = name.given or " ".join(f"{i}." for i in name.initials)
    return ", ".join(part(p) for p in (name.family, name.suffix, given) if p)


_AND = re.compile(r"\band\b", re.IGNORECASE)

#: What BibTeX or LaTeX would read as markup, written so that BibTeX, biber, Zotero and
#: pylatexenc read back the character. A brace without a partner in the text uses Zotero's
#: own form (a ``\vphantom`` keeps BibTeX's brace count even: it counts escaped braces too).
_BIBTEX_ESCAPES = {
    "\\": "{\\textbackslash}",
    "{": "\\{\\vphantom{\\}}",
    "}": "\\vphantom{\\{}\\}",
    "%": "\\%",
    "&": "\\&",
    "#": "\\#",
    "$": "\\$",
    "_": "\\_",
    "~": "{\\textasciitilde}",
    "^": "{\\textasciicircum}",
}
#: Between two characters that TeX joins into one glyph ("--" en dash, "''" closing quote,
#: "?`" inverted question mark, "<<" guillemet): an empty group there keeps both.
_LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=')(?=')|(?<=`)(?=`)|(?<=[?!])(?=`)|(?<=,)(?=,)"
                       r"|(?<=<)(?=<)|(?<=>)(?=>)")  # fmt: skip
_BIBTEX_SPECIAL = re.compile(r"[\\{}%&#$_~^]")
#: A word of a title: letters and digits (super/subscripts included) and ⁺ ⁻ ₊ ₋ signs,
#: hyphenated compounds ("IL-6", "anti-CD19") as one.
_PART = r"(?:[^\W_]|[\u207a\u207b\u208a\u208b])+"
_WORD = re.compile(rf"{_PART}(?:[-\u2010]{_PART})*")


def bibtex_text(text: str, *, protect: bool = False) -> str:
    r"""``text`` as the value of a BibTeX field: UTF-8 as it is, with only the characters
    BibTeX or LaTeX read as markup escaped (``\ { } % & # $ _ ~ ^``, and the ligatures
    ``--`` ``''`` ``` `` ``` kept apart), so that biber, Zotero, JabRef and bibtexparser read
    back the text.

    Parameters
    ----------
    text
        Plain text (no markup: `citegraph.text.clean_markup` first).
    protect : bool
        Brace-protect the words a style must not lower-case (for titles): acronyms and
        words with an inner capital ("CAR", "mRNA", "iPSC"), words mixing letters and digits
        ("CD19", "IL-6", "Ca²⁺"), and single capital letters ("T cell"; "A" only in a title
        that is not in title case; none as the title's first word, whose first letter styles
        keep). A title without any lower-case letter is left as it is.

    Examples
    --------
    >>> print(bibtex_text("50% of {x} & \\ $1 -- ok_ish {"))
    50\% of \{x\} \& {\textbackslash} \$1 -{}- ok\_ish \{\vphantom{\}}
    >>> print(bibtex_text("CAR T cell therapy: anti-CD19 mRNA and IL-6 in Ca²⁺ flux", protect=True))
    {CAR} {T} cell therapy: anti-{CD19} {mRNA} and {IL-6} in {Ca²⁺} flux
    >>> print(bibtex_text("Hepatitis A in a Cohort", protect=True), "|",
    ...       bibtex_text("Vitamin A in children", protect=True))
    Hepatitis A in a Cohort | Vitamin {A} in children
    """
    paired = _paired_braces(text)
    if not protect or not any(c.islower() for c in text):
        return _escape_bibtex(text, paired=paired)
    title_case = _is_title_case(text)
    out, end = [], 0
    for match in _WORD.finditer(text):  # words hold no braces
        out.append(_escape_bibtex(text[end : match.start()], paired=paired, start=end))
        word = match.group()
        if len(word) == 1 and not text[: match.start()].strip():
            out.append(word)  # a style keeps a title's first letter as it is
        else:
            out.append(_protect_word(word, keep_a=title_case))
        end = match.end()
    out.append(_escape_bibtex(text[end:], paired=paired, start=end))
    return "".join(out)


def _paired_braces(text: str) -> frozenset[int]:
    """Positions of the braces in ``text`` that close or are closed by another: those are
    written ``\\{`` ``\\}`` (as Zotero does); a lone one needs the ``\\vphantom`` form."""
    paired, opened = set(), []
    for i, ch in enumerate(text):
        if ch == "{":
            opened.append(i)
        elif ch == "}" and opened:
            paired.update((opened.pop(), i))
    return frozenset(paired)


def _escape_bibtex(text: str, *, paired: frozenset[int] = frozenset(), start: int = 0) -> str:
    if not text:
        return ""

    def one(match: re.Match[str]) -> str:
        ch = match.group()
        if ch in "{}" and start + match.start() in paired:
            return "\\" + ch
        return _BIBTEX_ESCAPES[ch]

    return _LIGATURE.sub("{}", _BIBTEX_SPECIAL.sub(one, text))


def _protect_word(word: str, *, keep_a: bool) -> str:
    parts = re.split(r"([-\u2010])", word)
    words = parts[::2]
    keep = [_keeps_case(w, keep_a=keep_a) for w in words]
    if any(keep) and all(k or not any(c.isalpha() for c in w)
                         for w, k in zip(words, keep, strict=True)):  # fmt: skip
        return "{" + _escape_bibtex(word) + "}"
    out = []
    for i, piece in enumerate(parts):
        if i % 2 == 0 and keep[i // 2]:
            out.append("{" + _escape_bibtex(piece) + "}")
        else:
            out.append(_escape_bibtex(piece))
    return "".join(out)


def _keeps_case(word: str, *, keep_a: bool) -> bool:
    """True for a word whose capitals carry meaning (see `bibtex_text`)."""
    if len(word) == 1:
        return word.isupper() and (word != "A" or not keep_a)
    if any(c.isupper() for c in word[1:]):
        return True
    return any(c.isalpha() for c in word) and any(c.isdigit() for c in word)


def _is_title_case(text: str) -> bool:
    """True when most longer words after the first start with a capital ("A Study of T
    Cells in Children"): there a lone "A" is an article, not a symbol."""
    words = [w for w in re.findall(r"[^\W\d_]{4,}", text)[1:]]
    return bool(words) and sum(w[0].isupper() for w in words) * 2 >= len(words)


def _verbatim(text: str) -> str:
    """A DOI or URL for a verbatim BibTeX field (biblatex prints it as written): raw, except
    braces and backslashes, which BibTeX would count or read, percent-encoded."""
    return text.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


_WORK_WRITERS: dict[str, Callable[[list[Reference]], bytes]] = {
    "bibtex": _bibtex_file,
    "ris": _ris_file,
    "csv": _works_csv,
}

#: Bibliography formats for the works of a (filtered) corpus, by the name `export_works` takes.
WORK_FORMATS: dict[str, ExportFormat] = {
    "bibtex": ExportFormat("bib", "application/x-bibtex", generate_bibtex, "BibTeX"),
    "ris": ExportFormat("ris", "application/x-research-info-systems", generate_ris, "RIS"),
    "csv": ExportFormat("csv", "text/csv", generate_works_csv, "CSV"),
}
