"""Write a graph as GEXF, GraphML, JSON (node-link), CSV (nodes + edges, zipped), HTML or
VOSviewer JSON (`FORMATS`, `export_graph`); and the works of a corpus as BibTeX, RIS or CSV
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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

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
    (`generate_gexf`, `generate_graphml`, `generate_json`, `generate_csv_zip`, `generate_html`,
    `generate_vosviewer`); an option the format does not take raises `TypeError`. An unknown
    format raises `citegraph.OptionError`.

    Examples
    --------
    >>> G = nx.Graph([("a", "b")])
    >>> sorted(FORMATS)
    ['csv', 'gexf', 'graphml', 'html', 'json', 'vosviewer']
    >>> json.loads(export_graph(G, "json"))["edges"]
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


def export_csv_tables(G: nx.Graph) -> tuple[bytes, bytes]:
    """``(nodes.csv, edges.csv)`` as UTF-8 bytes.

    nodes.csv has ``id`` then every node attribute (``label`` first); edges.csv has ``source``,
    ``target`` then every edge attribute. Missing values are empty cells.

    Examples
    --------
    >>> nodes, edges = export_csv_tables(nx.Graph([("a", "b")]))
    >>> nodes.decode().splitlines(), edges.decode().splitlines()
    (['id', 'a', 'b'], ['source,target', 'a,b'])
    """
    H = sanitize_graph(G)
    node_cols = _columns(d for _, d in H.nodes(data=True))
    edge_cols = _columns(d for *_, d in H.edges(data=True))
    nodes = _csv(["id", *node_cols], ([n, *(d.get(c) for c in node_cols)]
                                      for n, d in H.nodes(data=True)))  # fmt: skip
    edges = _csv(["source", "target", *edge_cols], ([u, v, *(d.get(c) for c in edge_cols)]
                                                    for u, v, d in H.edges(data=True)))  # fmt: skip
    return nodes, edges


# ------------------------------------------------------------------------------ graph formats
def generate_gexf(G: nx.Graph, *, positions: dict | None = None) -> bytes:
    """``G`` as GEXF 1.2 (Gephi), UTF-8 bytes.

    ``positions``: ``{node: (x, y)}`` written as ``viz`` positions, which Gephi shows as the
    starting layout.

    Examples
    --------
    >>> H = nx.read_gexf(io.BytesIO(generate_gexf(nx.Graph([("a", "b")]))))
    >>> sorted(H.edges())
    [('a', 'b')]
    """
    H = sanitize_graph(G)
    if positions:
        ids = safe_ids(G)
        for node, (x, y) in positions.items():
            if node in ids:
                H.nodes[ids[node]]["viz"] = {"position": {"x": float(x), "y": float(y), "z": 0.0}}
    buffer = io.BytesIO()
    nx.write_gexf(H, buffer, version="1.2draft")
    return buffer.getvalue()


def write_gexf(G: nx.Graph, path: PathOrFile, *, positions: dict | None = None) -> None:
    """Write `generate_gexf` of ``G`` to ``path`` (a file name or a binary file object).

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> write_gexf(nx.Graph([("a", "b")]), buffer)
    >>> nx.read_gexf(io.BytesIO(buffer.getvalue())).number_of_edges()
    1
    """
    _save(path, generate_gexf(G, positions=positions))


def generate_graphml(G: nx.Graph) -> bytes:
    """``G`` as GraphML (Cytoscape, yEd, igraph), UTF-8 bytes.

    Examples
    --------
    >>> nx.read_graphml(io.BytesIO(generate_graphml(nx.Graph([("a", "b")])))).number_of_nodes()
    2
    """
    buffer = io.BytesIO()
    # Default key ids (d0, d1, …): named ids would collide where a node and an edge attribute
    # share a name with different types (co-author node "works" is a count, edge "works" a list).
    nx.write_graphml(sanitize_graph(G), buffer)
    return buffer.getvalue()


def write_graphml(G: nx.Graph, path: PathOrFile) -> None:
    """Write `generate_graphml` of ``G`` to ``path`` (a file name or a binary file object).

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> write_graphml(nx.Graph([("a", "b")]), buffer)
    >>> buffer.getvalue().startswith(b"<?xml")
    True
    """
    _save(path, generate_graphml(G))


def generate_json(G: nx.Graph, *, name: str | None = None, filters: Any = None) -> bytes:
    """``G`` as node-link JSON (networkx, D3) with a header: ``name`` (else the graph's own,
    else "graph"), ``created_at``, the software and its version, and ``filters`` when given.

    Examples
    --------
    >>> data = json.loads(generate_json(nx.Graph([("a", "b")]), name="demo"))
    >>> data["graph"]["name"], data["edges"]
    ('demo', [{'source': 'a', 'target': 'b'}])
    """
    H = sanitize_graph(G)
    data = nx.node_link_data(H, edges="edges")
    header = dict(data.get("graph") or {})
    header.update({
        "name": _strip_all(name) or header.get("name") or "graph",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "software": "citegraph",
        "software_version": __version__,
    })  # fmt: skip
    if filters is not None:
        header["filters"] = _strip_all(filters)  # journal names in filters are data too
    data["graph"] = header
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def write_json(
    G: nx.Graph, path: PathOrFile, *, name: str | None = None, filters: Any = None
) -> None:
    """Write `generate_json` of ``G`` to ``path`` (a file name or a binary file object).

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> write_json(nx.Graph([("a", "b")]), buffer, filters={"year_from": 2020})
    >>> json.loads(buffer.getvalue())["graph"]["filters"]
    {'year_from': 2020}
    """
    _save(path, generate_json(G, name=name, filters=filters))


def generate_csv_zip(G: nx.Graph) -> bytes:
    """A zip archive holding ``nodes.csv`` and ``edges.csv`` (see `export_csv_tables`).

    Examples
    --------
    >>> with zipfile.ZipFile(io.BytesIO(generate_csv_zip(nx.Graph([("a", "b")])))) as archive:
    ...     archive.namelist()
    ['nodes.csv', 'edges.csv']
    """
    nodes, edges = export_csv_tables(G)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("nodes.csv", nodes)
        archive.writestr("edges.csv", edges)
    return buffer.getvalue()


def write_csv_zip(G: nx.Graph, path: PathOrFile) -> None:
    """Write `generate_csv_zip` of ``G`` to ``path`` (a file name or a binary file object).

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> write_csv_zip(nx.Graph([("a", "b")]), buffer)
    >>> zipfile.is_zipfile(buffer)
    True
    """
    _save(path, generate_csv_zip(G))


def generate_html(
    G: nx.Graph,
    *,
    positions: dict | None = None,
    color_by: str = "cluster",
    size_by: str | None = None,
    height: int = 650,
    physics_threshold: int = 300,
    legend_labels: dict | None = None,
) -> bytes:
    """The offline interactive page of ``G`` (`citegraph.render.render_html`, whose options
    these are), UTF-8 bytes.

    Examples
    --------
    >>> generate_html(nx.Graph([("a", "b")]), height=300).startswith(b"<html>")
    True
    """
    from citegraph.render import render_html

    if positions is not None:  # node ids become safe strings in the sanitised copy
        ids = safe_ids(G)
        positions = {ids[n]: p for n, p in positions.items() if n in ids}
    return render_html(
        sanitize_graph(G), positions=positions, color_by=color_by, size_by=size_by,
        height=height, physics_threshold=physics_threshold, legend_labels=legend_labels,
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
        physics_threshold=physics_threshold, legend_labels=legend_labels,
    ))  # fmt: skip


def generate_vosviewer(G: nx.Graph, *, positions: dict | None = None) -> bytes:
    """``G`` as VOSviewer JSON: ``{"network": {"items": [...], "links": [...]}}``.

    Items get integer ids 1..n in node order, the ``label``, ``cluster`` (VOSviewer numbers
    clusters from 1; unclustered nodes have none), ``x``/``y`` when positions are given, weights
    "Links" and "Total link strength" (and "Documents" for authors), scores "Year" or
    "Avg. pub. year" where known, and an HTML ``description`` built from escaped text (VOSviewer
    shows descriptions as HTML). Links carry ``strength`` (the edge ``weight``, else 1).

    Examples
    --------
    >>> data = json.loads(generate_vosviewer(nx.Graph([("a", "b")])))
    >>> [item["label"] for item in data["network"]["items"]], data["network"]["links"]
    (['a', 'b'], [{'source_id': 1, 'target_id': 2, 'strength': 1.0}])
    """
    H = sanitize_graph(G)
    ids = {node: i for i, node in enumerate(H, 1)}
    safe = safe_ids(G)
    pos = {safe[k]: v for k, v in (positions or {}).items() if k in safe}
    strength = {n: 0.0 for n in H}
    undirected = H.to_undirected(as_view=True) if H.is_directed() else H
    for u, v, w in H.edges(data="weight", default=1):
        strength[u] += float(w)
        strength[v] += float(w)
    items = []
    for node, data in H.nodes(data=True):
        item: dict[str, Any] = {"id": ids[node], "label": str(data.get("label", node))}
        if isinstance(data.get("cluster"), int) and data["cluster"] > 0:
            # VOSviewer accepts clusters 1-1000; the many one-node clusters beyond share 1000.
            item["cluster"] = min(data["cluster"], 1000)
        if node in pos:
            x, y = pos[node]
            item["x"], item["y"] = float(x), float(-y)  # screen y grows down, VOSviewer's up
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
        item["description"] = "<br>".join(
            f"{html.escape(key)}: {html.escape(str(data[key]))}"
            for key in ("title", "name", "journal", "year", "institutions", "doi", "pmid")
            if data.get(key) not in (None, "")
        )
        items.append(item)
    pairs: dict[tuple[int, int], float] = {}  # VOSviewer links are undirected: A→B + B→A is one
    for u, v, w in H.edges(data="weight", default=1):
        key = (min(ids[u], ids[v]), max(ids[u], ids[v]))
        pairs[key] = pairs.get(key, 0.0) + float(w)
    links = [{"source_id": a, "target_id": b, "strength": w} for (a, b), w in pairs.items()]
    data = {"network": {"items": items, "links": links}}
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def write_vosviewer(G: nx.Graph, path: PathOrFile, *, positions: dict | None = None) -> None:
    """Write `generate_vosviewer` of ``G`` to ``path`` (a file name or a binary file object).

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> write_vosviewer(nx.Graph([("a", "b")]), buffer)
    >>> list(json.loads(buffer.getvalue())["network"])
    ['items', 'links']
    """
    _save(path, generate_vosviewer(G, positions=positions))


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
    "gexf": ExportFormat("gexf", "application/gexf+xml", generate_gexf, "GEXF 1.2 (Gephi)"),
    "graphml": ExportFormat(
        "graphml", "application/graphml+xml", generate_graphml, "GraphML (Cytoscape, yEd, igraph)"
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
