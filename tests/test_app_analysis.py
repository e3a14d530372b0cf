"""The page's ranking, find box, timeline and charts in Streamlit's AppTest (no browser)."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from citegraph import collect
from citegraph.collect import make_clients
from citegraph.model import make_table
from citegraph.snapshot import save_snapshot
from tests.apprunner import open_tab
from tests.corpora import XSS_TITLE, small_corpus

APP = str(Path(__file__).resolve().parent.parent / "app.py")
OUTSIDE = "doi:10.5555/outside.1"


@pytest.fixture(autouse=True)
def _no_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collect, "make_clients", functools.partial(make_clients, retries=0))


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    """The small test corpus with its outside reference as the stub work merge would make."""
    corpus = small_corpus()
    corpus.manifest.setdefault("sources", ["pubmed", "openalex"])
    stub = make_table("works", [{"id": OUTSIDE, "doi": "10.5555/outside.1"}])
    corpus = corpus.with_tables(works=pd.concat([corpus.works, stub], ignore_index=True))
    return save_snapshot(corpus, tmp_path / "small.json")


def _run(monkeypatch: pytest.MonkeyPatch, snapshot: Path) -> AppTest:
    monkeypatch.setenv("CITEGRAPH_SNAPSHOT", str(snapshot))
    return AppTest.from_file(APP, default_timeout=120).run()


def _table(at: AppTest, *columns: str) -> pd.DataFrame:
    for frame in at.dataframe:
        if set(columns) <= set(frame.value.columns):
            return frame.value
    raise AssertionError(f"no table with columns {columns}")


def test_ranking_tab_lists_prior_and_derivative_works(
    monkeypatch: pytest.MonkeyPatch, snapshot: Path
) -> None:
    at = _run(monkeypatch, snapshot)
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Graph", "Works", "Authors", "Clusters", "Ranking",
                                          "Timeline", "Downloads"]  # fmt: skip
    open_tab(at, "Ranking")
    prior = _table(at, "cited_by", "share")
    assert prior["id"].tolist() == ["pmid:900000004", "pmid:900000005", OUTSIDE]
    assert prior["in_corpus"].tolist() == [True, True, False]
    derivative = _table(at, "cites", "share")
    assert derivative["id"].tolist()[:3] == ["pmid:900000001", "pmid:900000002", "pmid:900000003"]
    assert any(s.value == "Prior works" for s in at.subheader)
    central = _table(at, "title", "pagerank", "citations")
    assert len(central) == 9


def _drawn(at: AppTest) -> dict:
    """The data the page's clickable graph draws (the component's ``data`` argument)."""
    import json

    return json.loads(at.get("bidi_component")[1].proto.json)


def test_works_table_has_rank_columns_and_node_size_follows_the_choice(
    monkeypatch: pytest.MonkeyPatch, snapshot: Path
) -> None:
    at = open_tab(_run(monkeypatch, snapshot), "Works")
    works = _table(at, "title", "journal")
    assert {"citations", "cited_by_count", "pagerank"} <= set(works.columns)
    assert works.iloc[0]["citations"] == 3
    size = at.selectbox(key="opt_rank")
    assert size.options == ["Citations in this corpus", "Citations overall", "PageRank",
                            "Works (authors)"]  # fmt: skip
    before = _drawn(at)["sizes"]
    size.set_value("works").run()
    assert not at.exception
    after = _drawn(at)["sizes"]
    assert before != after  # sizes follow the works count now
    authors = _table(open_tab(at, "Ranking"), "name", "works", "pagerank")
    assert authors["works"].tolist() == sorted(authors["works"], reverse=True)


def test_find_box_shows_a_work_card_and_an_author(
    monkeypatch: pytest.MonkeyPatch, snapshot: Path
) -> None:
    at = _run(monkeypatch, snapshot)
    at.text_input(key="find").set_value("work four").run()
    assert not at.exception
    assert at.selectbox(key="find_pick").value == "pmid:900000004"
    assert any("Test work four" in m.value for m in at.markdown)
    assert at.session_state["found_node"] == "pmid:900000004"
    assert "select" not in at.query_params  # a work is not a node of the co-author view
    at.text_input(key="find").set_value("testwright").run()
    assert any("Ada Testwright" in m.value and "2 work(s)" in m.value for m in at.markdown)
    found = at.session_state["found_node"]  # an author: selected in the graph as well
    assert at.query_params["select"] in (f"node:{found}", [f"node:{found}"])
    at.text_input(key="find").set_value("script").run()  # markup in a title stays text
    assert not any(XSS_TITLE in m.value for m in at.markdown)
    at.text_input(key="find").set_value("no such paper").run()
    assert any("Nothing on screen matches" in c.value for c in at.caption)


def test_timeline_view_and_charts(monkeypatch: pytest.MonkeyPatch, snapshot: Path) -> None:
    at = _run(monkeypatch, snapshot)
    at.radio(key="view").set_value("timeline").run()
    assert not at.exception
    drawn = _drawn(at)  # drawn where the timeline puts it (physics off), with its year axis
    assert drawn["physics"] is False and drawn["axis"]["years"]
    charts = open_tab(at, "Timeline").get("vega_lite_chart")
    assert len(charts) == 2
    assert any(s.value == "Works per year" for s in at.subheader)
    assert any(s.value == "Top journals" for s in at.subheader)


def test_clusters_tab_names_the_views_clusters_by_content(
    monkeypatch: pytest.MonkeyPatch, snapshot: Path
) -> None:
    at = open_tab(_run(monkeypatch, snapshot), "Clusters")
    authors = _table(at, "cluster", "label", "terms", "lead", "countries")
    assert len(authors) >= 1
    at.radio(key="view").set_value("citation").run()
    assert not at.exception
    assert any(s.value == "Clusters of the citation network" for s in at.subheader)
    works = _table(at, "cluster", "label", "terms", "lead")
    named = works[works["cluster"] != 0]
    assert (named["label"] == named["terms"].str.replace("; ", " · ")).all()
    assert "Testwright 2025" in set(works["lead"]) or 0 in set(works["cluster"])
