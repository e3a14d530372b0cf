"""The rendered page: offline, escaped, physics by threshold, positions from Python."""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
import pytest

from citegraph.analysis import assign_clusters, author_clusters
from citegraph.graphs import build_citation_graph, build_coauthor_graph
from citegraph.render import render_html
from tests.corpora import XSS_TITLE, generated_corpus, seed_like_corpus, small_corpus


def _nodes(page: str) -> list[dict]:
    match = re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);", page, re.DOTALL)
    assert match, "node data not found in the page"
    return json.loads(match.group(1))


def _options(page: str) -> dict:
    match = re.search(r"var options = (\{.*?\});\n", page, re.DOTALL)
    assert match, "options not found in the page"
    return json.loads(match.group(1))


def _citation():
    G = build_citation_graph(small_corpus())
    assign_clusters(G, author_clusters(G))
    return G


def test_page_loads_nothing_from_any_host():
    page = render_html(_citation())
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", page, re.IGNORECASE)
    assert "bootstrap" not in page.lower()
    assert "vis-network" in page or "vis.Network" in page  # the library is inlined
    assert "<h1>" not in page.replace("<h1></h1>", "")  # no pyvis heading


def test_markup_in_titles_is_never_live():
    page = render_html(_citation())
    assert XSS_TITLE not in page
    assert "<script>alert(1)</script>" not in page
    # Tooltips are plain text (the page shows them with textContent): the markup is data.
    titles = [n["title"] for n in _nodes(page)]
    assert any("<script>alert(1)</script>" in t for t in titles)
    assert not any("&lt;" in t or "<br>" in t for t in titles)
    assert "innerHTML" not in page.split("</body>")[0].rsplit("<script>", 1)[-1]


def test_control_and_bidi_characters_never_reach_labels_tooltips_or_legend():
    G = nx.Graph([("a", "b")])
    G.nodes["a"].update(label="x\u202eevil\x00", name="n\u2066a\x07me", institution="I\u202dnst\nX")
    page = render_html(G, color_by="institution")
    node = next(n for n in _nodes(page) if n["id"] == "a")
    assert node["label"] == "xevil" and node["title"].startswith("name\n")
    legend = page.split('id="citegraph-legend"', 1)[1].split("</div></div>", 1)[0]
    assert "Inst X (1)" in legend
    assert not re.search("[\x00-\x08\u202a-\u202e\u2066-\u2069]", legend + node["title"])


def test_labels_and_ids_are_strings_and_seed_is_highlighted():
    nodes = {n["id"]: n for n in _nodes(render_html(_citation()))}
    assert len(nodes) == 8
    seed = nodes["pmid:900000001"]
    assert seed["label"] == "Testwright 2025" and seed["shape"] == "star"
    assert seed["borderWidth"] > nodes["pmid:900000002"]["borderWidth"]


def test_physics_on_below_threshold_off_above_with_positions_present():
    G = _citation()
    small = render_html(G, physics_threshold=100)
    assert _options(small)["physics"]["enabled"] is True
    assert "stabilizationIterationsDone" in small
    assert all("x" in n and "y" in n for n in _nodes(small))
    big = render_html(G, physics_threshold=5)
    assert _options(big)["physics"]["enabled"] is False
    nodes = _nodes(big)
    assert all(n["fixed"] is True and isinstance(n["x"], float) for n in nodes)


def test_physics_off_for_a_small_but_dense_graph():
    G = nx.complete_graph([f"n{i}" for i in range(60)])
    G.remove_edges_from([(f"n{i}", f"n{j}") for i in range(60) for j in range(i + 1, 60)
                         if (i + j) % 3 == 0])  # fmt: skip  # dense, but not a clique
    assert G.number_of_edges() > 10 * 100
    assert _options(render_html(G, physics_threshold=100))["physics"]["enabled"] is False
    assert _options(render_html(G, physics_threshold=200))["physics"]["enabled"] is True


def test_physics_off_for_a_clique_drawn_on_a_circle():
    G = nx.complete_graph([f"n{i}" for i in range(24)])  # the seed's 24 co-authors
    assert _options(render_html(G))["physics"]["enabled"] is False


def test_given_positions_are_used():
    G = nx.Graph([("a", "b")])
    page = render_html(G, positions={"a": (1.5, -2.0), "b": (3.0, 4.0)}, physics_threshold=0)
    nodes = {n["id"]: n for n in _nodes(page)}
    assert (nodes["a"]["x"], nodes["a"]["y"]) == (1.5, -2.0)


def test_legend_names_clusters_and_is_escaped():
    G = build_coauthor_graph(seed_like_corpus())
    assign_clusters(G, author_clusters(G))
    page = render_html(G)
    assert 'id="citegraph-legend"' in page and "cluster 1 (24)" in page
    H = nx.Graph()
    H.add_node("x", journal="<b>J</b>")
    page = render_html(H, color_by="journal")
    assert "&lt;b&gt;J&lt;/b&gt; (1)" in page and "<b>J</b>" not in page


def test_legend_uses_given_cluster_labels_escaped():
    G = build_coauthor_graph(seed_like_corpus())
    assign_clusters(G, author_clusters(G))
    page = render_html(G, legend_labels={1: "<i>Boston</i> Children's"})
    assert "1: &lt;i&gt;Boston&lt;/i&gt; Children&#x27;s (24)" in page
    assert "<i>Boston</i>" not in page


def test_size_by_scales_nodes():
    G = _citation()
    nodes = {n["id"]: n for n in _nodes(render_html(G, size_by="cited_by_count"))}
    assert nodes["pmid:900000002"]["size"] > nodes["pmid:900000004"]["size"]


def test_empty_graph_gives_a_valid_page():
    page = render_html(nx.Graph())
    assert "No nodes to show" in page and page.rstrip().endswith("</html>")


def test_numpy_attributes_do_not_break_rendering():
    import numpy as np

    G = nx.Graph()
    G.add_node("a", label="a", year=np.int64(2020), score=np.float32(0.5))
    G.add_edge("a", "b", weight=np.float64(2.0))
    assert "2020" in render_html(G)


def test_a_thousand_nodes_render_with_physics_off():
    G = build_coauthor_graph(generated_corpus(500, seed=2))
    page = render_html(G)
    assert G.number_of_nodes() > 300
    assert _options(page)["physics"]["enabled"] is False
    assert len(_nodes(page)) == G.number_of_nodes()


# --- in a real browser -------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium")
@pytest.mark.parametrize("threshold", [0, 300])
def test_page_draws_offline_in_chromium_without_running_titles(tmp_path, threshold):
    from playwright.sync_api import sync_playwright

    G = _citation()
    positions = {n: (float(i * 50), float(-i * 20)) for i, n in enumerate(sorted(G))}
    path = tmp_path / "graph.html"
    path.write_text(render_html(G, positions=positions, physics_threshold=threshold), "utf-8")
    requests: list[str] = []
    dialogs: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update"],
        )  # fmt: skip
        try:
            page = browser.new_page()
            page.on("request", lambda r: None if r.url.startswith("file:") else
                    requests.append(r.url))  # fmt: skip
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.as_uri())
            page.wait_for_function("typeof network !== 'undefined' && network.body !== undefined")
            # Physics is off from the start, or stops once the layout has stabilised.
            page.wait_for_function("network.physics.physicsEnabled === false", timeout=30_000)
            drawn = page.evaluate("Object.keys(network.getPositions()).length")
            title = page.evaluate(
                "(() => { const t = nodes.get('pmid:900000003').title;"
                " return [t instanceof HTMLElement, t.textContent, t.children.length]; })()"
            )
            seed_pos = page.evaluate("network.getPositions(['pmid:900000001'])['pmid:900000001']")
        finally:
            browser.close()
    assert requests == [] and dialogs == [] and errors == []
    assert drawn == G.number_of_nodes()
    assert title[0] is True and "<script>alert(1)</script>" in title[1]  # shown as text
    assert title[2] == 0  # and nothing in it was parsed into an element
    if threshold == 0:
        assert (seed_pos["x"], seed_pos["y"]) == pytest.approx(positions["pmid:900000001"])


def _edges(page: str) -> list[dict]:
    match = re.search(r"edges = new vis\.DataSet\((\[.*?\])\);", page, re.DOTALL)
    assert match, "edge data not found in the page"
    return json.loads(match.group(1))


def test_edge_tooltips_only_on_graphs_small_enough_to_inspect(monkeypatch):
    G = _citation()
    edges = _edges(render_html(G))
    assert len(edges) == 9 and all("kind: references" in e["title"] for e in edges)
    monkeypatch.setattr("citegraph.render.MAX_EDGE_TOOLTIPS", 5)
    assert all("title" not in e for e in _edges(render_html(G)))


def test_unknown_values_are_grey_and_listed_last() -> None:
    from citegraph.render import OTHER_COLOR, _colors

    G = nx.Graph()
    G.add_nodes_from([("a", {"institution": ""}), ("b", {"institution": ""}),
                      ("c", {"institution": "Test University"})])  # fmt: skip
    colors, legend = _colors(G, "institution", {})
    assert colors["a"] == colors["b"] == OTHER_COLOR != colors["c"]
    assert legend[-1] == ("institution unknown", OTHER_COLOR, 2)
    assert legend[0][0] == "Test University"
