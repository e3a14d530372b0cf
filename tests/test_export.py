"""Every export reads back with networkx to the same nodes, edges and attributes."""

from __future__ import annotations

import io
import json
import zipfile

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from citegraph import CitegraphError
from citegraph.analysis import assign_clusters, author_clusters
from citegraph.export import (
    FORMATS,
    export_csv_tables,
    export_filename,
    export_graph,
    sanitize_graph,
)
from citegraph.graphs import build_citation_graph, build_coauthor_graph, build_similarity_graph
from citegraph.model import Corpus
from tests.corpora import XSS_TITLE, generated_corpus, seed_like_corpus, small_corpus


def _graphs() -> dict[str, nx.Graph]:
    c = small_corpus()
    out = {
        "citation": build_citation_graph(c, kinds=("references", "similar")),
        "similarity": build_similarity_graph(c),
        "coauthor": build_coauthor_graph(c),
        "seed": build_coauthor_graph(seed_like_corpus()),
    }
    for G in out.values():
        assign_clusters(G, author_clusters(G))
    return out


GRAPHS = _graphs()


def _same(G: nx.Graph, H: nx.Graph, *, float_keys: tuple[str, ...] = ()) -> None:
    assert set(H.nodes) == set(G.nodes)
    assert {tuple(e) for e in H.edges} == {tuple(e) for e in G.edges} or not G.is_directed() and \
        {frozenset(e) for e in H.edges} == {frozenset(e) for e in G.edges}  # fmt: skip
    assert H.is_directed() == G.is_directed()
    for n, data in G.nodes(data=True):
        assert H.nodes[n] == data, n
    for u, v, data in G.edges(data=True):
        got = dict(H.edges[u, v])
        for key in float_keys:
            if key in got:
                assert got[key] == pytest.approx(float(data[key]))
                got[key] = data[key]
        assert got == data, (u, v)


#: What graph files add to each node from the picture (tests/test_export_graphs.py checks them).
DRAWN = {"x", "y", "size", "color", "cluster_name", "r", "g", "b", "viz", "citegraph_id"}


def _undrawn(H: nx.Graph) -> nx.Graph:
    """``H`` read from a file, without what the picture added; GraphML's ``n0``, ``n1``, ...
    replaced by the ids they stand for."""
    if any("citegraph_id" in d for _, d in H.nodes(data=True)):
        H = nx.relabel_nodes(H, {n: d["citegraph_id"] for n, d in H.nodes(data=True)})
    for _, data in H.nodes(data=True):
        for key in DRAWN & set(data):
            del data[key]
    return H


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_graphml_round_trip(name):
    G = GRAPHS[name]
    H = nx.read_graphml(io.BytesIO(export_graph(G, "graphml")))
    _same(G, _undrawn(H))


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_gexf_round_trip(name):
    G = GRAPHS[name]
    H = nx.read_gexf(io.BytesIO(export_graph(G, "gexf")))
    # GEXF stores an edge weight as a float and adds an edge id; nothing else changes.
    for *_, data in H.edges(data=True):
        data.pop("id", None)
    _same(G, _undrawn(H), float_keys=("weight",))


def test_gexf_carries_positions_for_gephi():
    from citegraph.render import picture

    G = GRAPHS["coauthor"]
    pos = {n: (float(i), float(-i)) for i, n in enumerate(G)}
    H = nx.read_gexf(io.BytesIO(export_graph(G, "gexf", picture=picture(G, positions=pos))))
    first = next(iter(G))
    assert H.nodes[first]["viz"]["position"]["x"] == pos[first][0]


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_json_round_trip_and_header(name):
    G = GRAPHS[name]
    data = json.loads(export_graph(G, "json", filters={"year_from": 2020}))
    assert "links" in data and "edges" not in data  # as D3 expects
    header = data["graph"]
    assert header["software"] == "citegraph" and header["filters"] == {"year_from": 2020}
    assert "created_at" not in header  # same options, same bytes, whenever written
    H = nx.node_link_graph(data, edges="links")
    _same(G, _undrawn(H))


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_csv_round_trip(name):
    G = GRAPHS[name]
    with zipfile.ZipFile(io.BytesIO(export_graph(G, "csv"))) as archive:
        assert sorted(archive.namelist()) == ["edges.csv", "nodes.csv"]
        nodes = pd.read_csv(archive.open("nodes.csv"), dtype=str, keep_default_na=False)
        edges = pd.read_csv(archive.open("edges.csv"), dtype=str, keep_default_na=False)
    H = nx.from_pandas_edgelist(edges, "source", "target", edge_attr=True,
                                create_using=G.__class__())  # fmt: skip
    for row in nodes.to_dict("records"):
        H.add_node(row.pop("id"), **{k: v for k, v in row.items() if v != "" and k not in DRAWN})
    for *_, data in H.edges(data=True):
        for key in [k for k, v in data.items() if v == ""]:
            del data[key]
    # CSV has no types and no difference between "" and missing: compare as non-empty text
    # (True -> "True", 3 -> "3", 2.0 -> "2.0").
    S = sanitize_graph(G)
    for _, data in list(S.nodes(data=True)) + [(None, d) for *_, d in S.edges(data=True)]:
        for key, value in list(data.items()):
            if value == "":
                del data[key]
            else:
                data[key] = str(value)
    _same(S, H)


def test_csv_tables_have_id_label_first():
    nodes, edges = export_csv_tables(GRAPHS["citation"])
    assert nodes.decode().splitlines()[0].startswith("id,label,")
    assert edges.decode().splitlines()[0].startswith("source,target,")
    assert XSS_TITLE in nodes.decode()  # data is kept verbatim in data files


def test_html_export_is_the_rendered_page():
    page = export_graph(GRAPHS["citation"], "html").decode()
    assert page.startswith("<html>") and "<script>alert(1)</script>" not in page


def test_sanitize_unifies_types_and_drops_none():
    G = nx.DiGraph()
    G.add_node(np.int64(1), a=np.int64(3), b=1, c=True, d=None, e=["x", None, "y"], f={"k": 1})
    G.add_node("2", a=2, b=2.5, c=False, d=None, e=(), f={})
    G.add_edge(np.int64(1), "2", w=np.float32(1.5))
    H = sanitize_graph(G)
    assert dict(H.nodes["1"]) == {"a": 3, "b": 1.0, "c": True, "e": "x; y", "f": '{"k": 1}'}
    assert type(H.nodes["1"]["a"]) is int and type(H.nodes["1"]["b"]) is float
    assert H.edges["1", "2"]["w"] == 1.5 and type(H.edges["1", "2"]["w"]) is float
    assert isinstance(H, nx.DiGraph)
    for fmt in ("gexf", "graphml", "json", "csv"):
        assert export_graph(G, fmt)


def test_mixed_types_make_one_graphml_key():
    G = nx.Graph()
    G.add_node("a", year=2020)
    G.add_node("b", year="unknown")
    text = export_graph(G, "graphml").decode()
    assert text.count('attr.name="year"') == 1


def test_empty_graph_exports():
    G = build_coauthor_graph(Corpus.empty())
    for fmt in FORMATS:
        assert export_graph(G, fmt)
    assert nx.read_graphml(io.BytesIO(export_graph(G, "graphml"))).number_of_nodes() == 0


def test_formats_and_filenames():
    assert set(FORMATS) == {"gexf", "graphml", "cyjs", "json", "csv", "html", "vosviewer"}
    assert export_filename("coauthor", "cyjs") == "citegraph-coauthor.cyjs"
    assert export_filename("coauthor", "vosviewer") == "citegraph-coauthor.vos.json"
    assert FORMATS["csv"].mime == "application/zip"
    assert export_filename("coauthor", "graphml") == "citegraph-coauthor.graphml"
    assert export_filename("Citation (filtered)", "json") == "citegraph-citation-filtered.json"
    with pytest.raises(CitegraphError, match="Unknown export format 'pdf'"):
        export_graph(GRAPHS["seed"], "pdf")
    with pytest.raises(CitegraphError, match="Choose one of"):
        export_filename("x", "pdf")


def test_a_misspelt_or_foreign_option_is_a_type_error() -> None:
    G = GRAPHS["seed"]
    with pytest.raises(TypeError, match="postions"):
        export_graph(G, "gexf", postions={})
    with pytest.raises(TypeError, match="positions"):
        export_graph(G, "graphml", positions={})  # GraphML has no positions
    with pytest.raises(TypeError, match="filters"):
        export_graph(G, "csv", filters={})  # a CSV table has no header to hold them


def test_write_functions_write_what_generate_returns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from citegraph import export

    G = GRAPHS["seed"]
    for name in ("gexf", "graphml", "vosviewer", "cytoscape", "csv_zip"):
        path = tmp_path / f"g.{name}"
        getattr(export, f"write_{name}")(G, path)
        assert path.read_bytes() == getattr(export, f"generate_{name}")(G)
    corpus = _works_corpus()
    for name in ("bibtex", "ris", "works_csv"):
        path = tmp_path / f"w.{name}"
        getattr(export, f"write_{name}")(corpus, str(path))
        assert path.read_bytes() == getattr(export, f"generate_{name}")(corpus)


def test_vosviewer_json_items_links_and_escaped_descriptions():
    from citegraph.render import picture

    G = GRAPHS["citation"]
    pos = {n: (float(i), float(i * 2)) for i, n in enumerate(G)}
    data = json.loads(export_graph(G, "vosviewer", picture=picture(G, positions=pos)))
    items, links = data["network"]["items"], data["network"]["links"]
    assert [i["id"] for i in items] == list(range(1, G.number_of_nodes() + 1))
    by_label = {i["label"]: i for i in items}
    seed = by_label["Testwright 2025"]
    assert seed["cluster"] == G.nodes["pmid:900000001"]["cluster"] >= 1
    assert (seed["x"], seed["y"]) == (pos["pmid:900000001"][0], -pos["pmid:900000001"][1])
    assert seed["weights"]["Links"] == G.to_undirected().degree(
        "pmid:900000001"
    )  # distinct neighbours
    assert seed["weights"]["Citations"] == 4 and seed["scores"] == {"Year": 2025}
    assert len(links) == G.to_undirected().number_of_edges()  # mutual citations: one link
    assert sum(link["strength"] for link in links) == G.number_of_edges()  # weights add up
    xss = next(i for i in items if "alert" in i["description"])
    assert "<script>" not in xss["description"] and "&lt;script&gt;" in xss["description"]


def test_vosviewer_strength_is_the_edge_weight():
    G = GRAPHS["seed"]
    data = json.loads(export_graph(G, "vosviewer"))
    assert len(data["network"]["links"]) == 276
    first = data["network"]["items"][0]
    assert first["weights"] == {"Links": 23, "Total link strength": 23.0, "Documents": 1}
    assert first["scores"] == {"Avg. pub. year": 2025.0} and "x" in first


def test_generated_coauthor_graph_round_trips_through_graphml():
    G = build_coauthor_graph(generated_corpus(150, seed=9))
    assign_clusters(G, author_clusters(G))
    _same(G, _undrawn(nx.read_graphml(io.BytesIO(export_graph(G, "graphml")))))


_REPRO = """
import hashlib, json, sys
sys.path.insert(0, {root!r})
from tests.corpora import generated_corpus
from citegraph.analysis import author_clusters
from citegraph.export import export_graph
from citegraph.graphs import build_coauthor_graph, build_similarity_graph
from citegraph.layout import compute_layout
c = generated_corpus(120, seed=4)
A, S = build_coauthor_graph(c), build_similarity_graph(c)
parts = [json.dumps(sorted(author_clusters(A).items())),
         json.dumps(sorted(author_clusters(S, method="leiden").items())),
         json.dumps(sorted(compute_layout(A).items()))]
parts += [export_graph(G, f).decode() for G in (A, S) for f in ("graphml", "gexf")]
print(hashlib.sha256("".join(parts).encode()).hexdigest())
"""


def test_clusters_layout_and_files_do_not_depend_on_hash_seed():
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parent.parent)
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", _REPRO.format(root=root)], env=env,
                             capture_output=True, text=True, check=True, timeout=120)  # fmt: skip
        digests.add(out.stdout.strip())
    assert len(digests) == 1


# ---------------------------------------------------------------- works as BibTeX / RIS / CSV
def _works_corpus():  # type: ignore[no-untyped-def]
    """Hand-built test data: two works by the same first author and year, one stub."""
    from citegraph.model import Corpus

    return Corpus.from_rows(
        works=[
            {"id": "pmid:900000101", "pmid": "900000101", "doi": "10.5555/test_1",
             "title": "Müller & Co: 50% of tests", "journal": "Test Journal A", "year": 2024,
             "volume": "3", "issue": "2", "pages": "10-20", "sources": ["pubmed"]},
            {"id": "pmid:900000102", "pmid": "900000102", "title": "Second test work",
             "year": 2024, "is_seed": True, "sources": ["pubmed"]},
            {"id": "W9000000103", "openalex_id": "W9000000103", "sources": []},
        ],
        authors=[{"id": "a1", "name": "Jürgen Müller", "last_name": "Müller", "fore_name": "Jürgen"},
                 {"id": "a2", "name": "Ann Test"}],
        authorships=[{"work_id": "pmid:900000101", "author_id": "a2", "position": 2},
                     {"work_id": "pmid:900000101", "author_id": "a1", "position": 1},
                     {"work_id": "pmid:900000102", "author_id": "a1", "position": 1}],
    )  # fmt: skip


def test_works_as_ris_read_back_with_rispy() -> None:
    import rispy

    from citegraph.export import export_works

    entries = rispy.loads(export_works(_works_corpus(), "ris").decode())
    assert [e.get("title") for e in entries] == [
        "Second test work", "Müller & Co: 50% of tests", None,  # the stub: ids only
    ]  # fmt: skip
    first = entries[1]
    assert first["authors"] == ["Müller, Jürgen", "Test, Ann"]
    assert (first["start_page"], first["end_page"], first["doi"]) == ("10", "20", "10.5555/test_1")
    # PMID in M2 ("PMID: …"), which Zotero's RIS import puts in Extra; AN is "Loc. in Archive".
    assert first["unknown_tag"]["M2"] == ["PMID: 900000101"] and "accession_number" not in first
    assert entries[2]["type_of_reference"] == "GEN"
    assert entries[2]["urls"] == ["https://openalex.org/W9000000103"]


def test_works_as_bibtex_parse_back_with_unique_keys_and_encoded_latex() -> None:
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware

    from citegraph.export import export_works

    text = export_works(_works_corpus(), "bibtex").decode()
    assert "\\&" in text and "\\%" in text and "pages = {10--20}" in text
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert not library.failed_blocks
    keys = [e.key for e in library.entries]
    assert keys[2] == "w9000000103" and library.entries[2].entry_type == "misc"  # ids only
    assert len(set(keys)) == 3 and all(k.startswith("muller2024") for k in keys[:2])
    fields = library.entries[1].fields_dict
    assert fields["title"].value == "Müller & Co: 50% of tests"
    assert fields["pages"].value in ("10--20", "10–20")  # the decoder turns -- into an en dash


def test_works_csv_and_unknown_format() -> None:
    import pandas as pd

    from citegraph import OptionError
    from citegraph.export import export_works

    table = pd.read_csv(io.BytesIO(export_works(_works_corpus(), "csv")))
    assert len(table) == 3
    with pytest.raises(OptionError, match="'endnote'. Choose one of: bibtex, ris, csv"):
        export_works(_works_corpus(), "endnote")


def test_xml_illegal_characters_do_not_break_gexf_or_graphml(tmp_path) -> None:  # type: ignore[no-untyped-def]
    G = nx.Graph()
    G.add_node("a", label="Bad\x0bchar\x01 title", title="lone \ud800 surrogate")
    G.add_node("b", label="fine")
    G.add_edge("a", "b", weight=1.0)
    for fmt, reader in (("gexf", nx.read_gexf), ("graphml", nx.read_graphml)):
        path = tmp_path / f"g.{fmt}"
        path.write_bytes(export_graph(G, fmt))
        back = _undrawn(reader(path))
        assert back.nodes["a"]["label"] == "Bad\nchar title"  # VT is a line break
        assert back.nodes["a"]["title"] == "lone  surrogate"
    assert json.loads(export_graph(G, "json"))


def test_vosviewer_caps_clusters_and_merges_mutual_links() -> None:
    G = nx.DiGraph()
    G.add_nodes_from((f"n{i}", {"label": f"n{i}", "cluster": i}) for i in range(1, 1205))
    G.add_edge("n1", "n2", weight=1.0)
    G.add_edge("n2", "n1", weight=2.0)
    doc = json.loads(export_graph(G, "vosviewer"))
    items = doc["network"]["items"]
    assert max(item["cluster"] for item in items) == 1000
    assert doc["network"]["links"] == [{"source_id": 1, "target_id": 2, "strength": 3.0}]
    assert items[0]["weights"]["Links"] == 1


def test_works_export_tolerates_missing_positions() -> None:
    from citegraph.export import export_works
    from citegraph.model import Corpus

    c = Corpus.from_rows(
        works=[{"id": "pmid:1", "pmid": "1", "title": "T", "sources": ["pubmed"]}],
        authors=[{"id": "a", "name": "Ann Lee"}, {"id": "b", "name": "Bo Roe"}],
        authorships=[{"work_id": "pmid:1", "author_id": "a", "position": 2},
                     {"work_id": "pmid:1", "author_id": "b"}],
    )  # fmt: skip
    assert b"AU  - Roe, Bo" in export_works(c, "ris")
    assert b"Roe, Bo and Lee, Ann" in export_works(c, "bibtex")
