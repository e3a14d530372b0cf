"""Graph files read back by the tools' own libraries, valid against the official schemas, and
carrying the picture on screen: positions, colours, sizes and cluster names survive each round
trip, counts agree across formats, and the CLI writes the bytes the page offers.

Corpora: a crawl of the emulator (SYNTHETIC data) and the hostile-text corpus
(tests/hostile_text.py). Schemas: tests/data/ (README there), resolved locally, never fetched.

GEXF 1.3 is checked twice: the whole file against the RelaxNG grammar (the normative one, which
puts ``viz:`` elements in ``http://gexf.net/1.3/viz``), and the file without its ``viz:``
elements against the XSD generated from it, whose ``viz.xsd`` lost that namespace and so
expects ``<color>`` in the GEXF namespace, where no reader looks for it (tests/data/README.md).
"""

from __future__ import annotations

import io
import json
import zipfile
from functools import cache
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from lxml import etree

from citegraph.collect import Collector, FetchOptions, make_clients
from citegraph.export import DRAWN_ATTRIBUTES, FORMATS, export_graph
from citegraph.model import Corpus
from citegraph.render import Picture, picture
from citegraph.text import strip_controls
from citegraph.views import VIEWS, PageOptions, build_view, cluster_labels, view_file, view_picture
from tests.conftest import ROOT
from tests.emulator.server import EmulatorServer
from tests.hostile_text import PAYLOADS, hostile_corpus

DATA = ROOT / "tests" / "data"
VIZ = "{http://gexf.net/1.3/viz}"
FILTERS = {"journals": ['Journal <A> & "B"'], "year_from": 2019, "year_to": None}


# ------------------------------------------------------------------------------ schemas
def _parser() -> etree.XMLParser:
    # no_network: a schemaLocation that is not a local file fails instead of being fetched.
    return etree.XMLParser(no_network=True, resolve_entities=False)


@cache
def _schemas() -> dict[str, etree._Validator]:
    parse = _parser()
    return {
        "gexf-rng": etree.RelaxNG(etree.parse(str(DATA / "gexf-1.3" / "gexf.rng"), parse)),
        "gexf-xsd": etree.XMLSchema(etree.parse(str(DATA / "gexf-1.3" / "gexf.xsd"), parse)),
        "graphml": etree.XMLSchema(etree.parse(str(DATA / "graphml-1.0" / "graphml.xsd"), parse)),
    }


def _valid(schema: str, doc: etree._Element) -> None:
    validator = _schemas()[schema]
    assert validator.validate(doc), f"{schema}: {validator.error_log.last_error}"


def assert_valid_gexf(data: bytes) -> None:
    """``data`` is GEXF 1.3 by the RelaxNG grammar, and by the XSD once without ``viz:``."""
    doc = etree.fromstring(data, _parser())
    _valid("gexf-rng", doc)
    for element in list(doc.iter(f"{VIZ}*")):
        element.getparent().remove(element)
    _valid("gexf-xsd", doc)


def assert_valid_graphml(data: bytes) -> None:
    _valid("graphml", etree.fromstring(data, _parser()))


# ------------------------------------------------------------------------------ corpora
@pytest.fixture(scope="module")
def crawled(emulator_server: EmulatorServer) -> Corpus:
    """The emulator's SYNTHETIC corpus as the real clients crawl it."""
    emulator_server.reset()
    clients = make_clients(
        pubmed_url=emulator_server.pubmed_url,
        icite_url=emulator_server.icite_url,
        openalex_url=emulator_server.openalex_url,
        rate=1000,
        retries=0,
    )
    corpus = Collector([emulator_server.seed], clients, FetchOptions(max_per_kind=200)).run()
    emulator_server.reset()
    return corpus


@cache
def _hostile() -> Corpus:
    return hostile_corpus()


@pytest.fixture(params=["emulator", "hostile"])
def corpus(request: pytest.FixtureRequest) -> Corpus:
    if request.param == "hostile":
        return _hostile()
    return request.getfixturevalue("crawled")


class Drawn:
    """A view's graph with its picture and cluster names, and its files."""

    def __init__(self, corpus: Corpus, view: str) -> None:
        self.corpus = corpus
        self.G = build_view(corpus, view)
        self.pic: Picture = view_picture(corpus, self.G)
        self.names = cluster_labels(corpus, self.G)
        self.files = {
            fmt: view_file(corpus, self.G, fmt, pic=self.pic, filters=FILTERS) for fmt in FORMATS
        }


# ------------------------------------------------------------------------------ tests
@pytest.mark.parametrize("view", VIEWS)
def test_every_view_is_valid_and_carries_the_picture(corpus: Corpus, view: str) -> None:
    d = Drawn(corpus, view)
    G, pic = d.G, d.pic
    assert G.number_of_nodes() > 0
    assert_valid_gexf(d.files["gexf"])
    assert_valid_graphml(d.files["graphml"])
    n, m = G.number_of_nodes(), G.number_of_edges()
    named = {node for node, data in G.nodes(data=True) if d.names.get(data.get("cluster"))}
    assert named, "some clusters have names"

    # GEXF (networkx' reader): viz position (y up), colour, size; cluster id and name.
    H = nx.read_gexf(io.BytesIO(d.files["gexf"]))
    assert (H.number_of_nodes(), H.number_of_edges()) == (n, m)
    node = next(iter(named))
    gexf = _by_label_and_id(H, G)
    for v, data in G.nodes(data=True):
        viz = H.nodes[gexf[v]]["viz"]
        x, y = pic.positions[v]
        assert (viz["position"]["x"], viz["position"]["y"]) == pytest.approx(
            (round(x, 2), -round(y, 2)), abs=1e-3
        )
        assert _hex(viz["color"]) == pic.colors[v]
        assert viz["size"] == pytest.approx(pic.sizes[v])
        assert H.nodes[gexf[v]]["cluster"] == data["cluster"]
    assert H.nodes[gexf[node]]["cluster_name"] == _one_line(d.names[G.nodes[node]["cluster"]])

    # GraphML: n0.. ids, the original in citegraph_id; x, y, colour, size, cluster name.
    H = nx.read_graphml(io.BytesIO(d.files["graphml"]))
    assert (H.number_of_nodes(), H.number_of_edges()) == (n, m)
    assert all(str(k).startswith("n") and str(k)[1:].isdigit() for k in H)
    rows = {data["citegraph_id"]: data for _, data in H.nodes(data=True)}
    assert len(rows) == n
    _check_drawn(G, pic, d.names, _by_id(rows, G))
    assert H.graph["view"] == view and "Journal <A>" in H.graph["filters"]

    # Cytoscape JSON: networkx reads it; positions sit beside the data, as Cytoscape reads them.
    doc = json.loads(d.files["cyjs"])
    H = nx.cytoscape_graph(doc)
    assert (H.number_of_nodes(), H.number_of_edges()) == (n, m)
    assert H.is_directed() == G.is_directed()
    cy = {e["data"]["id"]: e for e in doc["elements"]["nodes"]}
    _check_drawn(G, pic, d.names, _by_id({k: e["data"] for k, e in cy.items()}, G))
    for v, entry in _by_id(cy, G).items():
        assert (entry["position"]["x"], entry["position"]["y"]) == pytest.approx(
            (round(pic.positions[v][0], 2), round(pic.positions[v][1], 2)), abs=1e-3
        )
    assert doc["data"]["filters"] and doc["style"][0]["style"]["background-color"] == "data(color)"

    # Node-link JSON with "links", as D3 and networkx's reader (edges="links") take it.
    doc = json.loads(d.files["json"])
    H = nx.node_link_graph(doc, edges="links")
    assert (H.number_of_nodes(), H.number_of_edges()) == (n, m)
    _check_drawn(G, pic, d.names, _by_id(dict(H.nodes(data=True)), G))
    assert doc["graph"]["filters"]["journals"] == FILTERS["journals"]

    # CSV: one row per node and edge, picture columns included.
    with zipfile.ZipFile(io.BytesIO(d.files["csv"])) as archive:
        nodes = pd.read_csv(archive.open("nodes.csv"), dtype=str, keep_default_na=False)
        edges = pd.read_csv(archive.open("edges.csv"), dtype=str, keep_default_na=False)
    assert (len(nodes), len(edges)) == (n, m)
    assert set(DRAWN_ATTRIBUTES) <= set(nodes.columns)
    table = {row["id"]: row for row in nodes.to_dict("records")}
    for v, row in _by_id(table, G).items():
        assert (float(row["x"]), float(row["y"])) == pytest.approx(
            (round(pic.positions[v][0], 2), round(pic.positions[v][1], 2)), abs=1e-3
        )
        assert row["color"] == pic.colors[v]

    # VOSviewer: x, y (y up), clusters with names, url, terminology, one link per pair.
    doc = json.loads(d.files["vosviewer"])
    items = doc["network"]["items"]
    assert len(items) == n
    pairs = {frozenset(e) for e in G.edges if e[0] != e[1]}
    assert len(doc["network"]["links"]) == len(pairs)
    for v, item in zip(G, items, strict=True):
        x, y = pic.positions[v]
        assert (item["x"], item["y"]) == pytest.approx((round(x, 2), -round(y, 2)), abs=1e-3)
        if G.nodes[v].get("cluster", 0) > 0:
            assert item["cluster"] == min(G.nodes[v]["cluster"], 1000)
    labels = {c["cluster"]: c["label"] for c in doc["network"]["clusters"]}
    assert labels and all(_one_line(d.names[c]) == label for c, label in labels.items())
    terms = doc["config"]["terminology"]
    assert terms["item"] == ("author" if view == "coauthor" else "work")
    colors = {c["cluster"]: c["color"] for c in doc["config"]["color_schemes"]["cluster_colors"]}
    for v, item in zip(G, items, strict=True):
        if "cluster" in item and item["cluster"] < 1000:
            assert colors[item["cluster"]] == pic.colors[v]
    assert all(item["url"].startswith("https://") for item in items if "url" in item)


def _hex(color: dict) -> str:
    return "#{:02x}{:02x}{:02x}".format(color["r"], color["g"], color["b"])


def _by_label_and_id(H: nx.Graph, G: nx.Graph) -> dict:
    """G's nodes → H's (the same ids, or their file-safe form for hostile ids)."""
    from citegraph.text import safe_ids

    ids = safe_ids(G)
    assert set(ids.values()) == set(H)
    return ids


def _by_id(rows: dict, G: nx.Graph) -> dict:
    from citegraph.text import safe_ids

    ids = safe_ids(G)
    assert set(rows) == set(ids.values())
    return {v: rows[ids[v]] for v in G}


def _check_drawn(G: nx.Graph, pic: Picture, names: dict, rows: dict) -> None:
    for v, row in rows.items():
        x, y = pic.positions[v]
        assert (row["x"], row["y"]) == pytest.approx((round(x, 2), round(y, 2)), abs=1e-3)
        assert row["color"] == pic.colors[v] and row["size"] == pytest.approx(pic.sizes[v])
        name = names.get(G.nodes[v].get("cluster"))
        assert row.get("cluster_name") == (_one_line(name) if name else None)


def _one_line(name: str) -> str:
    """A cluster name as files hold it: one line, no control characters."""
    return strip_controls(name, one_line=True).strip()


def test_hostile_text_stays_data_in_every_graph_file() -> None:
    corpus = _hostile()
    for view in VIEWS:
        d = Drawn(corpus, view)
        vos = json.loads(d.files["vosviewer"])
        # VOSviewer shows descriptions and info as HTML: only escaped text and <br>, <b>.
        for item in vos["network"]["items"]:
            stripped = item["description"].replace("<br>", "").replace("<b>", "")
            assert "<" not in stripped.replace("</b>", ""), item["description"][:80]
        assert "<" not in vos["info"]["description"]
        # Labels are drawn as text (canvas), so they keep the title as it is.
        assert any("<script>" in item["label"] for item in vos["network"]["items"])
        for fmt in ("gexf", "graphml"):  # well-formed XML whatever the titles hold
            etree.fromstring(d.files[fmt], _parser())
    assert len(PAYLOADS) >= 30


def test_cli_writes_the_bytes_the_page_offers(tmp_path: Path) -> None:
    from citegraph.cli import main
    from citegraph.snapshot import load_snapshot, save_snapshot
    from tests.corpora import small_corpus

    corpus = small_corpus()
    corpus.manifest.setdefault("sources", ["pubmed", "openalex"])
    ids = set(corpus.works["id"])
    corpus = corpus.with_tables(
        links=corpus.links[corpus.links["source"].isin(ids) & corpus.links["target"].isin(ids)]
    )
    path = save_snapshot(corpus, tmp_path / "s.json")
    loaded = load_snapshot(path)
    for view in VIEWS:
        G = build_view(loaded, view, unfiltered=loaded)
        for fmt in sorted(FORMATS):
            out = tmp_path / f"{view}.{fmt}"
            assert (
                main(["export", str(path), "--graph", view, "--format", fmt, "-o", str(out)]) == 0
            )
            # The page's download: file_bytes → view_file with the page's options in the header.
            header = PageOptions(view=view).to_query()
            expected = view_file(loaded, G, fmt, color_by="cluster", filters=header)
            assert out.read_bytes() == expected, (view, fmt)


def test_files_are_the_same_bytes_every_time() -> None:
    d1, d2 = Drawn(_hostile(), "coauthor"), Drawn(_hostile(), "coauthor")
    for fmt in sorted(FORMATS):
        assert d1.files[fmt] == d2.files[fmt], fmt


def test_a_picture_given_is_the_picture_written() -> None:
    G = nx.DiGraph([("doi:10.1/a|b", "c"), ("c", "d")])
    G.nodes["doi:10.1/a|b"]["doi"] = "10.1/a|b"
    for n in G:
        G.nodes[n]["cluster"] = 1 if n != "d" else 2
    pos = {"doi:10.1/a|b": (10.0, 20.0), "c": (-5.5, 0.25), "d": (0.0, -100.0)}
    pic = picture(G, positions=pos, color_by="cluster")
    names = {1: "Lead <i>paper</i> & co", 2: "Other"}
    gexf = export_graph(G, "gexf", picture=pic, cluster_names=names)
    assert_valid_gexf(gexf)
    H = nx.read_gexf(io.BytesIO(gexf))
    assert H.nodes["doi:10.1/a|b"]["viz"]["position"] == {"x": 10.0, "y": -20.0, "z": 0.0}
    assert H.nodes["c"]["cluster_name"] == "Lead <i>paper</i> & co"
    graphml = export_graph(G, "graphml", picture=pic, cluster_names=names)
    assert_valid_graphml(graphml)
    H = nx.read_graphml(io.BytesIO(graphml))
    assert H.nodes["n0"]["citegraph_id"] == "doi:10.1/a|b" and H.nodes["n0"]["x"] == 10.0
    assert (H.nodes["n0"]["r"], H.nodes["n0"]["g"], H.nodes["n0"]["b"]) == (78, 121, 167)
    vos = json.loads(export_graph(G, "vosviewer", picture=pic, cluster_names=names))
    assert vos["network"]["clusters"] == [
        {"cluster": 1, "label": "Lead <i>paper</i> & co"},
        {"cluster": 2, "label": "Other"},
    ]
    assert vos["network"]["items"][0]["url"] == "https://doi.org/10.1/a%7Cb"


def test_empty_graphs_are_valid_files() -> None:
    G = build_view(Corpus.empty(), "citation")
    assert_valid_gexf(view_file(Corpus.empty(), G, "gexf"))
    assert_valid_graphml(view_file(Corpus.empty(), G, "graphml"))
    doc = json.loads(view_file(Corpus.empty(), G, "cyjs"))
    assert nx.cytoscape_graph(doc).number_of_nodes() == 0


#: VOSviewer's JSON format as documented (VOSviewer Online docs, "VOSviewer JSON files").
_VOS_TOP = {"network", "config", "info"}
_VOS_ITEM = {"id", "label", "description", "url", "x", "y", "cluster", "weights", "scores"}
_VOS_LINK = {"source_id", "target_id", "strength"}
_VOS_CONFIG = {"color_schemes", "parameters", "terminology", "templates", "styles"}
_VOS_TERMS = {"item", "items", "link", "links", "cluster", "clusters", "link_strength",
              "total_link_strength"}  # fmt: skip


@pytest.mark.parametrize("view", VIEWS)
def test_vosviewer_file_follows_the_documented_format(view: str) -> None:
    doc = json.loads(Drawn(_hostile(), view).files["vosviewer"])
    assert set(doc) <= _VOS_TOP and set(doc["config"]) <= _VOS_CONFIG
    assert set(doc["network"]) <= {"items", "links", "clusters"}
    ids = set()
    for item in doc["network"]["items"]:
        assert set(item) <= _VOS_ITEM and isinstance(item["id"], int)
        assert isinstance(item["label"], str) and isinstance(item["description"], str)
        assert isinstance(item["x"], float) and isinstance(item["y"], float)
        assert 1 <= item.get("cluster", 1) <= 1000 and isinstance(item.get("cluster", 1), int)
        assert all(isinstance(v, int | float) and v >= 0 for v in item["weights"].values())
        assert all(isinstance(v, int | float) for v in item.get("scores", {}).values())
        ids.add(item["id"])
    for link in doc["network"]["links"]:
        assert set(link) == _VOS_LINK and {link["source_id"], link["target_id"]} <= ids
        assert link["strength"] >= 0
    for cluster in doc["network"].get("clusters", []):
        assert set(cluster) == {"cluster", "label"} and 1 <= cluster["cluster"] <= 1000
    assert set(doc["config"]["terminology"]) == _VOS_TERMS
    for entry in doc["config"].get("color_schemes", {}).get("cluster_colors", []):
        assert set(entry) == {"cluster", "color"} and len(entry["color"]) == 7
    assert set(doc["info"]) == {"title", "description"}


def test_view_file_names_the_formats_it_writes() -> None:
    from citegraph import OptionError

    G = build_view(Corpus.empty(), "citation")
    with pytest.raises(OptionError, match="Unknown export format 'pdf'"):
        view_file(Corpus.empty(), G, "pdf")


def test_html_file_draws_the_picture_given() -> None:
    G = nx.Graph([("doi:10.1/a\u202e", "b")])
    pic = picture(G, positions={"doi:10.1/a\u202e": (123.25, -7.5), "b": (0.0, 0.0)})
    page = export_graph(G, "html", picture=pic).decode()
    assert '"x": 123.25' in page and '"y": -7.5' in page and "\u202e" not in page
