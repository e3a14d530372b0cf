"""The page's clickable graph: its data (render.graph_data) and its constant HTML/CSS/JS.

HAND-BUILT and GENERATED test corpora (tests/corpora.py). The component itself runs in
Chromium in tests/test_browser_drilldown.py; here, what goes into it.
"""

from __future__ import annotations

import json
import re

import networkx as nx

from citegraph.analysis import assign_clusters, author_clusters
from citegraph.graph_component import graph_spec, vis_spec
from citegraph.graphs import build_citation_graph, build_coauthor_graph
from citegraph.render import graph_data, node_for_id, picture, render_html
from citegraph.views import build_view, view_picture
from tests.corpora import XSS_TITLE, generated_corpus, small_corpus
from tests.hostile_text import PAYLOADS


def _citation() -> nx.DiGraph:
    G = build_citation_graph(small_corpus())
    assign_clusters(G, author_clusters(G))
    return G


def test_the_data_draws_what_the_html_page_draws() -> None:
    G = _citation()
    pic = picture(G)
    data = graph_data(G, pic)
    assert data["shown"] == data["total"] == G.number_of_nodes()
    assert len(data["edges"]) == G.number_of_edges() and data["directed"]
    page = render_html(G, pic=pic)
    nodes = json.loads(re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);", page, re.S).group(1))
    by_id = {n["id"]: n for n in nodes}
    for i, node_id in enumerate(data["ids"]):
        drawn = by_id[node_id]
        assert (drawn["x"], drawn["y"]) == (round(data["x"][i], 1), round(data["y"][i], 1)) or (
            abs(drawn["x"] - data["x"][i]) < 0.1 and abs(drawn["y"] - data["y"][i]) < 0.1
        )
        assert drawn["color"]["background"] == data["palette"][data["colors"][i]]
        assert drawn["size"] == data["sizes"][i] and drawn["label"] == data["labels"][i]
    # Physics off: nodes stay at the picture's positions, the ones the graph files carry.
    assert data["physics"] is False


def test_text_from_sources_is_data_never_code() -> None:
    """Titles reach the browser only inside the JSON data; the component's code is constant."""
    G = _citation()
    data = graph_data(G, picture(G))
    assert any(XSS_TITLE in t for t in data["titles"])
    spec = graph_spec()
    for part in (spec.js, spec.html or "", spec.css or ""):
        assert "alert(" not in part and XSS_TITLE not in part
    # Text is put in the page only as text: no HTML parsing sink in the drawing module.
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function", "setAttribute(\"on"):  # fmt: skip
        assert sink not in spec.js
    assert "textContent" in spec.js


def test_hostile_labels_lose_invisible_characters_and_keep_the_rest() -> None:
    G = nx.Graph()
    for i, payload in enumerate(PAYLOADS):
        G.add_node(f"n{i}", label=payload, title=payload)
    data = graph_data(G, picture(G))
    assert all("\u202e" not in t and "\x00" not in t for t in data["labels"] + data["titles"])
    assert "<script>alert(1)</script>" in data["labels"]


def test_nothing_is_fetched_from_another_host() -> None:
    """vis-network is inlined; the module names no URL it could load."""
    for spec in (vis_spec(), graph_spec()):
        assert not re.search(r"\bimport\s*\(|fetch\(|XMLHttpRequest|https?://[^\s\"')]+\.js",
                             spec.js)  # fmt: skip
    assert "https://" not in graph_spec().js and "http://" not in graph_spec().css


def test_big_graphs_draw_the_top_nodes_and_say_so() -> None:
    G = build_view(generated_corpus(300, seed=3), "citation")
    pic = picture(G, size_by="cited_by_count")
    data = graph_data(G, pic, max_nodes=50)
    assert (data["shown"], data["total"]) == (50, 300)
    seeds = [n for n, s in G.nodes(data="is_seed") if s]
    assert all(s in data["ids"] for s in seeds)  # seeds are always drawn
    drawn = set(data["ids"])
    smallest_drawn = min(pic.sizes[n] for n in drawn if n not in seeds)
    assert all(pic.sizes[n] <= smallest_drawn for n in G if n not in drawn)
    assert all(max(e) < 50 for e in data["edges"])
    assert len(data["edges"]) == G.subgraph(drawn).number_of_edges()


def test_legend_entries_name_the_cluster_they_select() -> None:
    corpus = small_corpus()
    G = build_view(corpus, "coauthor")
    data = graph_data(G, view_picture(corpus, G))
    values = [item["value"] for item in data["legend"] if item["value"] is not None]
    assert values and set(values) <= {c for _, c in G.nodes(data="cluster")}
    for item in data["legend"]:
        if item["value"] is not None:
            members = [i for i, c in enumerate(data["clusters"]) if c == item["value"]]
            assert len(members) == item["count"]
    assert (
        graph_data(G, view_picture(corpus, G, color_by="institution"))["legend_by_cluster"] is False
    )


def test_the_key_changes_with_the_drawing_only() -> None:
    G = _citation()
    pic = picture(G)
    assert (
        graph_data(G, pic)["key"] == graph_data(G, pic, selected={"kind": "node", "id": "x"})["key"]
    )
    other = picture(G, color_by="journal")
    assert graph_data(G, pic)["key"] != graph_data(G, other)["key"]


def test_drawn_ids_map_back_to_nodes() -> None:
    G = build_coauthor_graph(small_corpus())
    G.add_node("odd\u202eid", label="x")
    data = graph_data(G, picture(G))
    assert {node_for_id(G, i) for i in data["ids"]} == set(G)
