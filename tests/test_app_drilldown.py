"""The page's graph and selection in AppTest (no browser): a URL's ``select`` opens the details.

HAND-BUILT test corpus (tests/corpora.py). Clicking happens in Chromium
(tests/test_browser_drilldown.py); AppTest cannot run the component's JavaScript.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from citegraph.snapshot import save_snapshot
from tests.corpora import generated_corpus, small_corpus

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    corpus = small_corpus()
    corpus.manifest.setdefault("sources", ["pubmed", "openalex"])
    ids = set(corpus.works["id"])
    corpus = corpus.with_tables(
        links=corpus.links[corpus.links["source"].isin(ids) & corpus.links["target"].isin(ids)]
    )
    monkeypatch.setenv("CITEGRAPH_SNAPSHOT", str(save_snapshot(corpus, tmp_path / "s.json")))
    return AppTest.from_file(APP, default_timeout=120)


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_a_selected_work_in_the_url_opens_its_details(app: AppTest) -> None:
    app.query_params["view"] = "citation"
    app.query_params["select"] = "node:pmid:900000002"
    at = app.run()
    assert not at.exception
    text = _markdown(at)
    assert "#### Selected work" in text and "Test work two" in text
    assert "**Its references in this corpus (2)**" in text
    data = json.loads(at.get("bidi_component")[1].proto.json)
    assert data["selected"] == {"kind": "node", "id": "pmid:900000002"}  # drawn highlighted
    assert at.query_params["select"] == "node:pmid:900000002"  # kept for the next link


def test_an_edge_and_a_cluster_in_the_url(app: AppTest) -> None:
    app.query_params["view"] = "coauthor"
    app.query_params["select"] = 'edge:["name:samplesson|b","orcid:0000-0000-0000-0001"]'
    at = app.run()
    assert not at.exception
    assert "**Their shared works**" in _markdown(at)
    at.query_params["select"] = "cluster:1"
    at.run()
    assert "#### Cluster 1" in _markdown(at)


def test_a_selection_not_in_the_view_asks_for_a_click(app: AppTest) -> None:
    app.query_params["select"] = "node:pmid:1"
    at = app.run()
    assert not at.exception
    assert any("Click a node, an edge or a cluster" in c.value for c in at.caption)


def test_a_big_graph_draws_the_top_nodes_with_a_control(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = generated_corpus(1100, seed=5)  # GENERATED data
    seeds = [str(w) for w in corpus.works.loc[corpus.works["is_seed"], "id"]]
    corpus.manifest.update(sources=["openalex"], seeds=seeds)
    monkeypatch.setenv("CITEGRAPH_SNAPSHOT", str(save_snapshot(corpus, tmp_path / "big.json")))
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params["view"] = "citation"
    at.run()
    assert not at.exception
    data = json.loads(at.get("bidi_component")[1].proto.json)
    assert (data["shown"], data["total"]) == (1100, 1100)
    at.number_input(key="max_nodes_citation").set_value(500).run()
    data = json.loads(at.get("bidi_component")[1].proto.json)
    assert (data["shown"], data["total"]) == (500, 1100) and seeds[0] in data["ids"]
