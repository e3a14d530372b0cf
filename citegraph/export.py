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
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

import bibtexparser
import networkx as nx
import pandas as pd
import rispy
from bibtexparser.middlewares import MergeCoAuthors
from bibtexparser.model import Entry, Field
from pylatexenc.latexencode import UnicodeToLatexEncoder

from citegraph import __version__, check_option
from citegraph.model import Corpus, is_missing, text_or_empty
from citegraph.names import PersonName, parse_name
from citegraph.text import safe_ids, strip_controls

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
        "name": _strip_all(name) or header.get("name") or "graph",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
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


def _clean_corpus(corpus: Corpus) -> Corpus:
    """``corpus`` with `strip_controls` applied to the text of its works, authors and
    authorships, for tables that pandas cannot build from a lone surrogate (a JSON "\\ud800"
    escape in a snapshot)."""
    tables = {}
    for name in ("works", "authors", "authorships"):
        df = corpus.table(name).copy()
        for column in df.columns:
            if df[column].dtype == object:
                df[column] = df[column].map(_strip_all)
        tables[name] = df
    return corpus.with_tables(**tables)


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
    """The works of ``corpus`` in bibliography format ``fmt`` (one of `WORK_FORMATS`: BibTeX,
    RIS or CSV), seed first, then newest first. An unknown format raises
    `citegraph.OptionError`.

    BibTeX is written with bibtexparser (LaTeX special characters encoded, so titles with
    ``&`` or ``%`` compile), RIS with rispy; stub works (no metadata) are left out of both.
    A retracted work carries a note ("RETRACTED; Retraction in PMID …"): RIS ``N1``, BibTeX
    ``note``; the CSV has a ``retracted`` column.

    Examples
    --------
    >>> c = Corpus.from_rows(
    ...     works=[{"id": "pmid:1", "pmid": "1", "title": "A & B", "year": 2020, "sources": ["pubmed"]}],
    ...     authors=[{"id": "a", "name": "Ann Lee", "last_name": "Lee", "fore_name": "Ann"}],
    ...     authorships=[{"work_id": "pmid:1", "author_id": "a", "position": 1}])
    >>> print(export_works(c, "ris").decode().splitlines()[:3])
    ['TY  - JOUR', 'AU  - Lee, Ann', 'PY  - 2020']
    >>> "A \\\\& B" in export_works(c, "bibtex").decode()
    True
    """
    check_option(fmt, WORK_FORMATS, what="works format")
    return WORK_FORMATS[fmt].writer(corpus)


def generate_works_csv(corpus: Corpus) -> bytes:
    """The works table (`citegraph.analysis.works_table`) as CSV, UTF-8 bytes.

    Examples
    --------
    >>> generate_works_csv(Corpus.from_rows(works=[{"id": "a"}])).decode().split(",")[:2]
    ['title', 'first_author']
    """
    from citegraph.analysis import works_table

    try:
        table = works_table(corpus)
    except UnicodeEncodeError:  # a lone surrogate (JSON "\\ud800") breaks pandas' strings
        table = works_table(_clean_corpus(corpus))
    for column in table.columns:
        if not (pd.api.types.is_numeric_dtype(table[column]) or
                pd.api.types.is_bool_dtype(table[column])):  # fmt: skip
            table[column] = table[column].map(csv_cell, na_action="ignore")
    return table.to_csv(index=False, lineterminator="\n").encode("utf-8")


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


def generate_ris(corpus: Corpus) -> bytes:
    """The works with metadata as RIS (rispy), UTF-8 bytes.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "pmid:1", "title": "A", "sources": ["pubmed"]}])
    >>> generate_ris(c).decode().splitlines()[:2]
    ['TY  - JOUR', 'TI  - A']
    """
    entries = [_one_line(_ris(e)) for e in _bibliography(corpus)]
    entries = [{k: v for k, v in e.items() if v not in ("", [])} for e in entries]
    return rispy.dumps(entries, implementation=_RisWriter).encode("utf-8")


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


def generate_bibtex(corpus: Corpus) -> bytes:
    """The works with metadata as BibTeX (bibtexparser, LaTeX special characters encoded),
    UTF-8 bytes.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "pmid:1", "title": "A", "year": 2020,
    ...                              "sources": ["pubmed"]}])
    >>> generate_bibtex(c).decode().splitlines()[0]
    '@article{anon2020,'
    """
    entries = [_one_line(e) for e in _bibliography(corpus)]
    library = bibtexparser.Library()
    taken: set[str] = set()
    for entry in entries:
        library.add(_bibtex(entry, taken))
    # Every value is LaTeX-encoded in `_bibtex` (author lists name by name, so a group's
    # protecting braces survive); MergeCoAuthors joins the names with "and".
    text = bibtexparser.write_string(library, prepend_middleware=[MergeCoAuthors()])
    return text.encode("utf-8")


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


#: Bibliography formats for the works of a (filtered) corpus, by the name `export_works` takes.
WORK_FORMATS: dict[str, ExportFormat] = {
    "bibtex": ExportFormat("bib", "application/x-bibtex", generate_bibtex, "BibTeX"),
    "ris": ExportFormat("ris", "application/x-research-info-systems", generate_ris, "RIS"),
    "csv": ExportFormat("csv", "text/csv", generate_works_csv, "CSV"),
}


class _RisWriter(rispy.RisWriter):
    """RIS without rispy's "1." counter line before each record (not an RIS tag)."""

    def set_header(self, count: int) -> str:
        return ""


def _bibliography(corpus: Corpus) -> Any:
    """Work rows with metadata, each with its ordered authors as `PersonName`s."""
    works = corpus.works[corpus.works["sources"].map(len) > 0]
    works = works.sort_values(["is_seed", "year", "id"], ascending=[False, False, True],
                              na_position="last")  # fmt: skip
    for row in works.to_dict(orient="records"):
        named: list[tuple[int, PersonName]] = []
        for ship in corpus.authorships_of(row["id"]):
            person = corpus.authors_by_id.get(ship["author_id"], {})
            shown = _name_part(ship["name"]) or _name_part(person.get("name"))
            name = parse_name(
                shown,
                family=_name_part(person.get("last_name")),
                given=_name_part(person.get("fore_name")),
                suffix=_name_part(person.get("suffix")),
            )
            pos = 0 if pd.isna(ship["position"]) else int(ship["position"])
            named.append((pos, name))
        row["_authors"] = [
            n for _, n in sorted(named, key=lambda p: (p[0], p[1].family, p[1].given))
        ]
        yield row


def _name_part(value: Any) -> str:
    return _one_line(text_or_empty(value, strip=True))


def _pages(pages: str) -> tuple[str, str]:
    start, _, end = pages.partition("-")
    return start.strip(), end.strip()


def _ris(row: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"type_of_reference": "JOUR"}
    if row["_authors"]:
        entry["authors"] = [name.ris for name in row["_authors"]]
    for key, field in (("year", "year"), ("title", "title"), ("journal", "journal_name"),
                       ("journal_abbrev", "alternate_title2"), ("volume", "volume"),
                       ("issue", "number"), ("doi", "doi"), ("abstract", "abstract")):  # fmt: skip
        value = text_or_empty(row.get(key))
        if value:
            entry[field] = value
    if text_or_empty(row.get("pages")):
        start, end = _pages(text_or_empty(row["pages"]))
        entry["start_page"] = start
        if end:
            entry["end_page"] = end
    if text_or_empty(row.get("pmid")):
        entry["accession_number"] = f"PMID:{row['pmid']}"
    if len(row.get("keywords") or []):
        entry["keywords"] = list(row["keywords"])
    urls = [f"https://doi.org/{row['doi']}"] if text_or_empty(row.get("doi")) else []
    if text_or_empty(row.get("pmid")):
        urls.append(f"https://pubmed.ncbi.nlm.nih.gov/{row['pmid']}/")
    if urls:
        entry["urls"] = urls
    note = retraction_note(row)
    if note:
        entry["notes"] = [note]
    return entry


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


#: LaTeX for plain text: every special character encoded. bibtexparser's default encoder keeps
#: "$...$" and URLs verbatim, braces and all, which lets a title close its field.
_LATEX = UnicodeToLatexEncoder(conversion_rules=["defaults"], unknown_char_warning=False)


def _latex(text: str) -> str:
    r"""``text`` as the value of a BibTeX field: LaTeX-encoded, with braces balanced.

    BibTeX counts every brace, escaped or not, so ``\}`` would still end the field; a
    literal brace is written as ``{\textbraceright}`` instead.

    Examples
    --------
    >>> print(_latex("50% of {x} & \\ $1"))
    50\% of {\textbraceleft}x{\textbraceright} \& {\textbackslash} \$1
    """
    encoded = _LATEX.unicode_to_latex(text)
    return encoded.replace("\\{", "{\\textbraceleft}").replace("\\}", "{\\textbraceright}")


def _bibtex(row: dict[str, Any], taken: set[str]) -> Entry:
    first = row["_authors"][0].family if row["_authors"] else "anon"
    base = re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", first).lower()) or "anon"
    base += text_or_empty(row.get("year")) or "nd"
    key, n = base, 0
    while key in taken:
        n += 1
        key = base + "abcdefghijklmnopqrstuvwxyz"[(n - 1) % 26] * (1 + (n - 1) // 26)
    taken.add(key)
    fields = []
    if row["_authors"]:
        names = [
            "{" + _latex(name.family) + "}" if name.is_group else _latex(name.bibtex)
            for name in row["_authors"]
        ]
        fields.append(Field("author", names))
    for key_, field in (("title", "title"), ("journal", "journal"), ("year", "year"),
                        ("volume", "volume"), ("issue", "number"), ("doi", "doi"),
                        ("pmid", "pmid"), ("pmcid", "pmcid")):  # fmt: skip
        value = text_or_empty(row.get(key_))
        if value:
            fields.append(Field(field, _latex(value)))
    if text_or_empty(row.get("pages")):
        start, end = _pages(text_or_empty(row["pages"]))
        fields.append(Field("pages", _latex(f"{start}--{end}" if end else start)))
    note = retraction_note(row)
    if note:
        fields.append(Field("note", _latex(note)))
    return Entry("article", key, fields)
