"""The page's options (AppTest, no browser): the URL sets every filter and view option and gets
them back; each download is built only when clicked and equals the CLI's file for the same
options; the co-author graph is built only when something on screen needs it."""

from __future__ import annotations

import io
import shlex
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from citegraph import views
from citegraph.cli import main as cli
from citegraph.present import downloads as page_downloads
from citegraph.present import md_text
from citegraph.snapshot import save_snapshot
from tests.apprunner import open_tab
from tests.corpora import small_corpus

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def small_snapshot(tmp_path: Path) -> Path:
    corpus = small_corpus()
    corpus.manifest.setdefault("sources", ["pubmed", "openalex"])
    ids = set(corpus.works["id"])  # a snapshot's links end in its works
    corpus = corpus.with_tables(
        links=corpus.links[corpus.links["source"].isin(ids) & corpus.links["target"].isin(ids)]
    )
    return save_snapshot(corpus, tmp_path / "small.json")


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], bytes]]:
    """Every callable the page hands to a download button, by the button's deferred file id
    (Streamlit calls it when the button is clicked; here the test does)."""
    found: dict[str, Callable[[], bytes]] = {}
    register = MediaFileManager.add_deferred

    def spy(self, data_callable, *args, **kwargs):  # type: ignore[no-untyped-def]
        file_id = register(self, data_callable, *args, **kwargs)
        found[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return found


def _page(monkeypatch: pytest.MonkeyPatch, snapshot: Path, query: dict[str, str]) -> AppTest:
    monkeypatch.setenv("CITEGRAPH_SNAPSHOT", str(snapshot))
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def _query(at: AppTest) -> dict[str, str]:
    return {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}


PAGE_STATES = {
    "similarity": (
        {"view": "similarity", "journals": "title:test journal a,title:test journal b",
         "year_from": "2020", "min_weight": "2", "color": "journal", "method": "louvain",
         "resolution": "1.5"},
        ["--graph", "similarity", "--journal", "Test Journal A", "--journal", "Test Journal B",
         "--year-from", "2020", "--min-weight", "2", "--color-by", "journal",
         "--cluster-method", "louvain", "--resolution", "1.5"],
    ),
    "coauthor": (
        {"view": "coauthor", "year_to": "2024", "min_citations": "2", "color": "institution",
         "resolution": "0.5"},
        ["--year-to", "2024", "--min-citations", "2", "--color-by", "institution",
         "--resolution", "0.5"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("state", list(PAGE_STATES))
def test_each_download_equals_the_cli_file_for_the_same_options(
    monkeypatch: pytest.MonkeyPatch,
    small_snapshot: Path,
    tmp_path: Path,
    deferred,
    state: str,
) -> None:  # type: ignore[no-untyped-def]
    query, flags = PAGE_STATES[state]
    at = _page(monkeypatch, small_snapshot, query)
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert _query(at) == query  # the page shows (and keeps) exactly what the link says
    buttons = {b.label: b for b in open_tab(at, "Downloads").get("download_button")}

    def run(*args: str) -> bytes:
        out = tmp_path / "out"
        assert cli([*args, str(small_snapshot), *flags, "-o", str(out)]) == 0
        return out.read_bytes()

    csv_zip = zipfile.ZipFile(io.BytesIO(run("export", "--format", "csv")))
    items = page_downloads(query["view"])
    assert len(items) >= 10
    for item in items:
        button = buttons[item.label]
        assert button.proto.deferred_file_id and not button.proto.url  # built only on click
        data = deferred[button.proto.deferred_file_id]()
        if item.what in ("graph", "html"):
            assert data == run("export", "--format", item.fmt), item.file_name
        elif item.what in ("nodes", "edges"):
            assert data == csv_zip.read(f"{item.what}.csv"), item.file_name
        else:
            assert data == run("works", "--format", item.fmt), item.file_name
    # The command the Downloads tab shows writes the same GEXF from a saved snapshot.
    shown = shlex.split(next(c.value for c in at.code if "-m citegraph export" in c.value))
    assert shown[:4] == ["python", "-m", "citegraph", "export"]
    args = [str(small_snapshot) if a == "citegraph-snapshot.json.gz" else a for a in shown[4:]]
    out = tmp_path / args[args.index("-o") + 1]
    args[args.index("-o") + 1] = str(out)
    assert cli(["export", *args]) == 0
    gexf = next(i for i in items if i.fmt == "gexf")
    assert out.read_bytes() == deferred[buttons[gexf.label].proto.deferred_file_id]()


def test_the_url_follows_every_widget_and_keeps_other_keys(
    monkeypatch: pytest.MonkeyPatch, small_snapshot: Path
) -> None:
    at = _page(monkeypatch, small_snapshot, {"view": "citation", "node": "pmid:900000002"})
    assert _query(at) == {"view": "citation", "node": "pmid:900000002"}
    at.sidebar.multiselect[0].set_value(["Test Journal A"]).run()
    at.sidebar.slider(key="opt_years").set_value((2021, 2025)).run()
    at.selectbox(key="color_citation").set_value("year").run()
    at.selectbox(key="opt_method").set_value("louvain").run()
    at.slider(key="opt_resolution").set_value(2.0).run()
    at.number_input(key="opt_min_citations").set_value(5).run()
    assert not at.exception
    assert _query(at) == {
        "view": "citation", "node": "pmid:900000002", "journals": "title:test journal a",
        "year_from": "2021", "color": "year", "method": "louvain", "resolution": "2",
        "min_citations": "5",
    }  # fmt: skip
    at.slider(key="opt_years").set_value((2019, 2025)).run()  # back to the corpus's bounds
    at.selectbox(key="opt_method").set_value("leiden").run()
    assert "year_from" not in _query(at) and "method" not in _query(at)
    # A fresh page from that URL shows the same options.
    again = _page(monkeypatch, small_snapshot, _query(at))
    assert again.sidebar.multiselect[0].value == ["Test Journal A"]
    assert again.number_input(key="opt_min_citations").value == 5
    assert again.selectbox(key="color_citation").value == "year"
    assert again.slider(key="opt_resolution").value == 2.0


def test_bad_link_values_give_one_warning_then_defaults(
    monkeypatch: pytest.MonkeyPatch, small_snapshot: Path
) -> None:
    query = {"view": "citation", "color": "institution", "method": "kmeans",
             "resolution": "<b>9</b>", "journals": "Nature", "min_citations": "many"}  # fmt: skip
    at = _page(monkeypatch, small_snapshot, query)
    assert not at.exception and not at.error
    assert len(at.warning) == 1
    shown = at.warning[0].value
    for key in ("color", "method", "resolution", "journals", "min_citations"):
        assert md_text(f"The link's {key}=") in shown, key
    assert md_text("<b>9</b>") in shown  # link text is shown as text
    assert _query(at) == {"view": "citation"}
    at.run()
    assert not at.warning  # said once: the URL now holds what is shown


def test_citation_view_builds_no_coauthor_graph_and_no_download(
    monkeypatch: pytest.MonkeyPatch, small_snapshot: Path
) -> None:
    built: list[str] = []
    for name in ("build_coauthor_graph", "export_graph", "export_works", "export_csv_tables"):
        real = getattr(views, name)

        def counting(*args, _real=real, _name=name, **kwargs):  # type: ignore[no-untyped-def]
            built.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(views, name, counting)
    at = _page(monkeypatch, small_snapshot, {"view": "citation"})
    at.sidebar.multiselect[0].set_value(["Test Journal A"]).run()
    assert not at.exception and built == []
    assert next(m.label for m in at.metric if m.label.endswith("clusters")) == "Work clusters"
    at.session_state["tab"] = "Authors"  # opening the tab builds it, once
    at.run()
    assert not at.exception and built == ["build_coauthor_graph"]
    assert any("name" in frame.value.columns for frame in at.dataframe)
