"""The page in Streamlit's AppTest (no browser): loading, filters, downloads, errors, fetch."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from citegraph import collect
from citegraph.collect import FetchOptions, fetch_corpus, make_clients
from citegraph.present import md_text
from citegraph.snapshot import save_snapshot
from tests.apprunner import open_tab
from tests.corpora import small_corpus

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(autouse=True)
def _no_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test here is about retrying: the page's clients give up at once (an unreachable
    host otherwise costs ~21 s of urllib3 backoff)."""
    monkeypatch.setattr(collect, "make_clients", functools.partial(make_clients, retries=0))


def _run(monkeypatch: pytest.MonkeyPatch, snapshot: Path | None = None, **env: str) -> AppTest:
    if snapshot is not None:
        monkeypatch.setenv("CITEGRAPH_SNAPSHOT", str(snapshot))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    at = AppTest.from_file(APP, default_timeout=120)
    return at.run()


def _table(at: AppTest, column: str) -> pd.DataFrame:
    """The first dataframe on the page that has ``column``."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with column {column!r}")


def _graph_json(at: AppTest) -> dict:
    """The data the page's graph component draws (citegraph.render.graph_data)."""
    return json.loads(at.get("bidi_component")[1].proto.json)


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture
def small_snapshot(tmp_path: Path) -> Path:
    corpus = small_corpus()
    corpus.manifest.setdefault("sources", ["pubmed", "openalex"])
    # A snapshot's links must end in its works (merge adds stubs); this test corpus has one
    # link to an outside work on purpose, for the graph builders.
    ids = set(corpus.works["id"])
    corpus = corpus.with_tables(
        links=corpus.links[corpus.links["source"].isin(ids) & corpus.links["target"].isin(ids)]
    )
    return save_snapshot(corpus, tmp_path / "small.json")


def test_default_page_shows_the_bundled_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run(monkeypatch)
    assert not at.exception
    assert any("Offline snapshot" in w.value for w in at.warning)
    assert any("CAR T cell therapy for children" in m.value for m in at.markdown)
    assert _metric(at, "Works") == "1" and _metric(at, "Authors") == "24"
    vis, graph = at.get("bidi_component")  # vis-network, then the drawing (data only)
    assert "vis-network" in vis.proto.js_content and not vis.proto.json
    assert len(_graph_json(at)["ids"]) == 24 and "http" not in graph.proto.js_content
    open_tab(at, "Downloads")
    labels = {b.label for b in at.get("download_button")}
    assert {"GEXF 1.3 (Gephi)", "GraphML (Cytoscape, yEd, igraph)", "JSON node-link (networkx, D3)",
            "Cytoscape JSON (Cytoscape, Cytoscape.js)",
            "VOSviewer JSON (VOSviewer, Online)", "Interactive HTML (offline)", "Nodes CSV",
            "Edges CSV", "Save snapshot"} <= labels  # fmt: skip


def test_filters_change_every_table(monkeypatch: pytest.MonkeyPatch, small_snapshot: Path) -> None:
    at = open_tab(_run(monkeypatch, small_snapshot), "Works")
    assert not at.exception
    assert len(_table(at, "title")) == 8
    at.sidebar.multiselect[0].set_value(["Test Journal A"]).run()
    works = _table(at, "title")
    assert len(works) == 3 and set(works["journal"]) == {"Test Journal A"}
    assert _metric(at, "Works") == "3"
    at.sidebar.slider[0].set_value((2024, 2025)).run()
    assert len(_table(at, "title")) == 1


def test_filters_that_leave_nothing_show_an_empty_state(
    monkeypatch: pytest.MonkeyPatch, small_snapshot: Path
) -> None:
    at = _run(monkeypatch, small_snapshot)
    at.sidebar.multiselect[0].set_value(["Test Journal B"]).run()
    at.sidebar.slider[0].set_value((2024, 2025)).run()
    assert not at.exception and not at.error
    assert any("No works match these filters" in i.value for i in at.info)


def test_views_switch_and_downloads_follow_the_view(
    monkeypatch: pytest.MonkeyPatch, small_snapshot: Path
) -> None:
    at = open_tab(_run(monkeypatch, small_snapshot), "Downloads")
    for view in ("citation", "similarity", "coauthor"):
        at.radio(key="view").set_value(view).run()
        assert not at.exception
        label = {"citation": "citation", "similarity": "similarity", "coauthor": "co-author"}[view]
        assert any(f"the {label} network after filters" in c.value for c in at.caption)
        assert len(at.get("download_button")) == 12


def test_a_bad_snapshot_shows_one_error_and_the_seed_stays(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "citegraph-snapshot", "format_version": 1, "manif')
    at = _run(monkeypatch, bad)
    assert not at.exception
    assert len(at.error) == 1 and md_text("bad.json") in at.error[0].value
    assert "truncated" in at.error[0].value
    assert any("CAR T cell therapy for children" in m.value for m in at.markdown)


def test_a_malformed_seed_gives_the_accepted_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run(monkeypatch)
    at.sidebar.text_area[0].set_value("pmid:abc")
    at.sidebar.button[0].click().run()
    assert not at.exception
    assert len(at.error) == 1 and md_text("Enter one of: PMID") in at.error[0].value
    assert _metric(at, "Authors") == "24"  # the loaded corpus is kept


def test_fetch_unreachable_keeps_the_current_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    dead = "http://127.0.0.1:9"
    at = _run(
        monkeypatch,
        CITEGRAPH_PUBMED_URL=f"{dead}/entrez/eutils",
        CITEGRAPH_ICITE_URL=f"{dead}/api",
        CITEGRAPH_OPENALEX_URL=dead,
    )
    at.sidebar.button[0].click().run()
    assert not at.exception
    assert len(at.error) == 1 and "Cannot reach" in at.error[0].value
    assert _metric(at, "Authors") == "24"


def test_fetch_from_the_emulator_gives_the_cli_corpus(
    monkeypatch: pytest.MonkeyPatch, emulator
) -> None:  # type: ignore[no-untyped-def]
    at = _run(monkeypatch, **emulator.environ())
    at.sidebar.text_area[0].set_value(emulator.seed)
    at.sidebar.button[0].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any(i.value.startswith("**Fetched live from pubmed, icite, openalex**") for i in at.info)
    direct = fetch_corpus(
        [emulator.seed],
        clients=make_clients(
            pubmed_url=emulator.pubmed_url, icite_url=emulator.icite_url,
            openalex_url=emulator.openalex_url, retries=0,
        ),
        options=FetchOptions(),
    )  # fmt: skip
    assert _metric(at, "Works") == str(len(direct.works))
    assert _metric(at, "Links") == str(len(direct.links))
    assert len(_table(open_tab(at, "Works"), "title")) == len(direct.works)


def test_min_citations_filter_and_view_from_the_url(
    monkeypatch: pytest.MonkeyPatch, small_snapshot: Path
) -> None:
    monkeypatch.setenv("CITEGRAPH_SNAPSHOT", str(small_snapshot))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["view"] = "citation"
    at.query_params["seed"] = "10.1038/s41584-025-01272-3"
    at.run()
    assert not at.exception
    assert at.radio(key="view").value == "citation"
    # the box names what is loaded (the link's seed is not: auto-fetch is off in tests)
    assert at.sidebar.text_area[0].value == "900000001"
    works = _table(open_tab(at, "Works"), "title")
    threshold = 10
    expected = int((works["cited_by_count"].fillna(-1) >= threshold).sum())
    assert 0 < expected < len(works)
    next(n for n in at.sidebar.number_input if n.label == "Min. citations").set_value(
        threshold
    ).run()
    assert len(_table(at, "title")) == expected


def test_similarity_view_has_a_weight_threshold(
    monkeypatch: pytest.MonkeyPatch, small_snapshot: Path
) -> None:
    at = _run(monkeypatch, small_snapshot)
    at.radio(key="view").set_value("similarity").run()
    edges = lambda: int(next(c.value for c in at.caption if "Similarity network" in c.value)  # noqa: E731
                        .split(" nodes, ")[1].split(" edges")[0])  # fmt: skip
    before = edges()
    weight = next(s for s in at.sidebar.slider if s.label == "Min. similarity weight")
    weight.set_value(2.0).run()
    assert not at.exception
    assert edges() < before


def test_colour_by_switches_without_errors(
    monkeypatch: pytest.MonkeyPatch, small_snapshot: Path
) -> None:
    at = _run(monkeypatch, small_snapshot)
    at.selectbox(key="color_coauthor").set_value("institution").run()
    assert not at.exception
    assert "Test University" in str(_graph_json(at)["legend"])
    at.radio(key="view").set_value("citation").run()
    at.selectbox(key="color_citation").set_value("journal").run()
    assert not at.exception
    assert "Test Journal A" in str(_graph_json(at)["legend"])


@pytest.mark.reliability
def test_hostile_snapshot_text_reaches_every_element_escaped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every payload in every field (GENERATED): each view runs, and no markdown-reading
    element holds live markup outside the page's own bold/heading/links."""
    import re

    from citegraph.snapshot import dumps_snapshot
    from tests.hostile_text import PAYLOADS, hostile_corpus, live_markdown, markdown_shown, shown

    path = tmp_path / "hostile :red[x] $y$ <b>.json"
    path.write_bytes(dumps_snapshot(hostile_corpus()))
    at = _run(monkeypatch, path)
    for view in ("citation", "similarity", "coauthor"):
        at.radio(key="view").set_value(view).run()
        assert not at.exception, at.exception
        assert _metric(at, "Works") == str(len(PAYLOADS))
        elements = [*at.markdown, *at.caption, *at.subheader, *at.error, *at.warning, *at.info]
        texts = [e.value for e in elements] + [m.label for m in at.metric]
        seen = " ".join(markdown_shown(t) for t in texts)
        assert all(shown(p) in seen for p in PAYLOADS)  # the banner and the cards show them
        ours = r"\*\*[A-Z].*?(?<!\\)\*\*|^### |\[[^\]]*\]\(https://[^)\s]*\)|<https://[^>\s]*>"
        for text in texts:
            rest = re.sub(ours, "", text, flags=re.MULTILINE)
            rest = rest.replace("*What is missing*", "").replace("- ", "")
            assert not live_markdown.search(rest), text[:300]
