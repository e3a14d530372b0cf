"""What the page opens on (AppTest, GENERATED emulator corpus): the link's seed fetched, or
from the cache, or the bundled snapshot with a notice saying why; the switch that turns
auto-fetch off; fetch options in the URL; and the OpenAlex snapshot as a source."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from citegraph import collect
from citegraph.collect import FetchOptions, fetch_corpus, make_clients
from tests.emulator.snapshot import write_openalex_snapshot

APP = str(Path(__file__).resolve().parent.parent / "app.py")
DEAD = "http://127.0.0.1:9"  # the discard port: nothing listens, the connect is refused


@pytest.fixture(autouse=True)
def _auto_fetch_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Auto-fetch as a user has it (conftest turns it off for every other page test); clients
    that do not retry (no test here is about retrying)."""
    monkeypatch.setenv("CITEGRAPH_AUTO_FETCH", "1")
    monkeypatch.setattr(collect, "make_clients", functools.partial(make_clients, retries=0))
    st.cache_resource.clear()  # the server's recent corpora: each test is a fresh server


def _open(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], **query: str) -> AppTest:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def _shown(text: str) -> str:
    """Markdown text as the reader sees it (the page escapes punctuation in messages)."""
    return re.sub(r"\\(.)", r"\1", text)


def _warnings(at: AppTest) -> list[str]:
    return [_shown(w.value) for w in at.warning]


def _errors(at: AppTest) -> list[str]:
    return [_shown(e.value) for e in at.error]


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _dead_env() -> dict[str, str]:
    return {"CITEGRAPH_PUBMED_URL": f"{DEAD}/entrez/eutils", "CITEGRAPH_ICITE_URL": f"{DEAD}/api",
            "CITEGRAPH_OPENALEX_URL": DEAD}  # fmt: skip


def _direct(emulator, **options) -> object:  # type: ignore[no-untyped-def]
    clients = make_clients(options.get("sources", collect.ALL_SOURCES),
                           pubmed_url=emulator.pubmed_url, icite_url=emulator.icite_url,
                           openalex_url=emulator.openalex_url, retries=0, rate=0)  # fmt: skip
    return fetch_corpus([emulator.seed], clients=clients, options=FetchOptions(**options))


def test_a_link_opens_on_its_seed_fetched_then_from_the_cache(
    monkeypatch: pytest.MonkeyPatch, emulator
) -> None:  # type: ignore[no-untyped-def]
    at = _open(monkeypatch, emulator.environ(), seed=emulator.seed, view="similarity")
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any(i.value.startswith("**Fetched live from pubmed, icite, openalex**") for i in at.info)
    direct = _direct(emulator)
    assert _metric(at, "Works") == str(len(direct.works))
    assert _metric(at, "Links") == str(len(direct.links))
    assert at.sidebar.text_area[0].value == emulator.seed
    assert at.radio(key="view").value == "similarity"
    assert at.query_params["seed"] == emulator.seed  # and the other keys are kept
    assert at.query_params["view"] == "similarity"
    assert {r["service"] for r in emulator.requests()} == {"pubmed", "icite", "openalex"}

    emulator.reset()  # a colleague opens the same link: nothing is asked
    again = _open(monkeypatch, {}, seed=emulator.seed, view="similarity")
    assert not again.exception and not again.error
    assert any(i.value.startswith("**Opened from the local cache**") for i in again.info)
    assert _metric(again, "Works") == str(len(direct.works))
    st.cache_resource.clear()  # a restarted server: rebuilt from the HTTP cache
    third = _open(monkeypatch, {}, seed=emulator.seed, view="similarity")
    assert not third.exception and not third.error
    assert any(i.value.startswith("**Opened from the local cache**") for i in third.info)
    assert _metric(third, "Links") == str(len(direct.links))
    assert emulator.requests() == []


def test_fetch_options_in_the_link_are_used_and_shown(
    monkeypatch: pytest.MonkeyPatch, emulator
) -> None:  # type: ignore[no-untyped-def]
    at = _open(monkeypatch, emulator.environ(), seed=emulator.seed, depth="2", max="20",
               sources="pubmed,openalex")  # fmt: skip
    assert not at.exception and not at.error, [e.value for e in at.error]
    direct = _direct(emulator, depth=2, max_per_kind=20, sources=("pubmed", "openalex"))
    assert _metric(at, "Works") == str(len(direct.works))
    assert {r["service"] for r in emulator.requests()} == {"pubmed", "openalex"}
    assert at.sidebar.radio(key="depth").value == 2
    assert at.sidebar.number_input(key="cap").value == 20
    assert {c.key: c.value for c in at.sidebar.checkbox if c.key.startswith("src_")} == {
        "src_pubmed": True, "src_icite": False, "src_openalex": True,
        "src_openalex-snapshot": False}  # fmt: skip
    assert at.query_params["sources"] == "pubmed,openalex"


def test_unreachable_services_open_the_bundled_snapshot_and_say_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = _open(monkeypatch, _dead_env(), seed="90040486", view="similarity")
    assert not at.exception
    notice = next(w for w in _warnings(at) if w.startswith("Not loaded"))
    assert "90040486" in notice and "could not connect to 127.0.0.1:9" in notice
    assert "the local cache does not hold it" in notice
    assert any("Offline snapshot" in w.value for w in at.warning)
    assert _metric(at, "Authors") == "24"
    assert at.sidebar.text_area[0].value == "40603629"  # what is loaded, not the link's seed
    assert at.query_params["seed"] == "90040486"  # kept: reopening the link tries again
    assert any(b.label == "Fetch seed 90040486" for b in at.sidebar.button)


def test_auto_fetch_off_opens_the_bundled_snapshot_and_fetches_on_request(
    monkeypatch: pytest.MonkeyPatch, emulator
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CITEGRAPH_AUTO_FETCH", "off")
    at = _open(monkeypatch, emulator.environ(), seed=emulator.seed)
    assert not at.exception and not at.error
    notice = next(w for w in _warnings(at) if w.startswith("Not loaded"))
    assert "auto-fetch is off (CITEGRAPH_AUTO_FETCH in the environment)" in notice
    assert _metric(at, "Authors") == "24" and emulator.requests() == []
    toggle = at.sidebar.toggle(key="auto_fetch")
    assert toggle.value is False and toggle.disabled
    button = next(b for b in at.sidebar.button if b.label.startswith("Fetch seed "))
    button.click().run()
    assert not at.exception and not at.error
    assert _metric(at, "Works") == str(len(_direct(emulator).works))
    assert at.sidebar.text_area[0].value == emulator.seed
    assert not [w for w in at.warning if w.value.startswith("Not loaded")]


def test_the_toggle_keeps_auto_fetch_off_in_the_link(
    monkeypatch: pytest.MonkeyPatch, emulator
) -> None:  # type: ignore[no-untyped-def]
    at = _open(monkeypatch, _dead_env(), seed=emulator.seed)
    at.sidebar.toggle(key="auto_fetch").set_value(False).run()
    assert at.query_params["autofetch"] == "off"
    again = _open(monkeypatch, emulator.environ(), seed=emulator.seed, autofetch="off")
    assert emulator.requests() == []
    assert any("auto-fetch is off in this link" in w for w in _warnings(again))
    assert again.sidebar.toggle(key="auto_fetch").value is False


def test_a_bad_link_value_is_named_and_the_defaults_are_used(
    monkeypatch: pytest.MonkeyPatch, emulator
) -> None:  # type: ignore[no-untyped-def]
    at = _open(monkeypatch, emulator.environ(), seed=emulator.seed, depth="9")
    assert not at.exception
    assert any("Depth must be 1 or 2, got 9" in e for e in _errors(at))
    assert _metric(at, "Works") == str(len(_direct(emulator).works))  # fetched with depth 1


def test_the_openalex_snapshot_source_from_the_sidebar(
    monkeypatch: pytest.MonkeyPatch, emulator, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CITEGRAPH_AUTO_FETCH", "0")
    at = _open(monkeypatch, emulator.environ())
    at.sidebar.checkbox(key="src_openalex-snapshot").check()
    at.sidebar.checkbox(key="src_openalex").uncheck().run()
    at.sidebar.text_input(key="snapshot_dir").set_value(str(tmp_path)).run()
    assert any("no works in" in _shown(e.value) for e in at.sidebar.error)  # validated as typed
    at.sidebar.text_area[0].set_value(emulator.seed)
    at.sidebar.button[0].click().run()
    assert any("no works in" in e for e in _errors(at))  # and refused by Fetch
    assert _metric(at, "Authors") == "24"

    write_openalex_snapshot(emulator.corpus, tmp_path / "oa")
    at.sidebar.text_input(key="snapshot_dir").set_value(str(tmp_path / "oa")).run()
    assert not at.sidebar.error
    at.sidebar.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(_shown(i.value).startswith("**Fetched live from pubmed, icite, openalex-snapshot**")
               for i in at.info)  # fmt: skip
    assert "openalex" not in {r["service"] for r in emulator.requests()}
    assert int(_metric(at, "Works")) > 100
    assert at.query_params["sources"] == "pubmed,icite,openalex-snapshot"
    assert at.query_params["snapshot_dir"] == str(tmp_path / "oa")

    # the link reopens on the same corpus, through the snapshot source again
    emulator.reset()
    works = _metric(at, "Works")
    again = _open(monkeypatch, emulator.environ() | {"CITEGRAPH_AUTO_FETCH": "1"},
                  seed=emulator.seed, sources="pubmed,icite,openalex-snapshot",
                  snapshot_dir=str(tmp_path / "oa"))  # fmt: skip
    assert not again.exception and not again.error
    assert _metric(again, "Works") == works
    assert again.sidebar.checkbox(key="src_openalex-snapshot").value


def test_a_snapshot_chosen_from_the_list_is_named_by_the_seed_box_and_the_link(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from citegraph.snapshot import save_snapshot
    from tests.corpora import small_corpus

    corpus = small_corpus()
    corpus.manifest.setdefault("sources", ["pubmed", "openalex"])
    ids = set(corpus.works["id"])
    corpus = corpus.with_tables(
        links=corpus.links[corpus.links["source"].isin(ids) & corpus.links["target"].isin(ids)]
    )
    path = save_snapshot(corpus, tmp_path / "small.json")
    at = _open(monkeypatch, {"CITEGRAPH_AUTO_FETCH": "0", "CITEGRAPH_SNAPSHOT": str(path)})
    assert at.sidebar.text_area[0].value == "900000001"
    at.sidebar.selectbox[0].set_value("seed-40603629.json").run()
    assert not at.exception and not at.error
    assert _metric(at, "Authors") == "24"
    assert at.sidebar.text_area[0].value == "40603629"
    assert at.query_params["seed"] == "40603629"


@pytest.mark.parametrize(
    "payload", ["![x](http://evil.invalid/x.png)", "<img src=x onerror=alert(1)>"]
)
def test_a_hostile_link_seed_is_shown_as_text(
    monkeypatch: pytest.MonkeyPatch, payload: str
) -> None:
    from tests.hostile_text import live_markdown

    at = _open(monkeypatch, _dead_env(), seed=payload)
    assert not at.exception
    notice = next(w.value for w in at.warning if "Not loaded" in w.value)
    button = next(b for b in at.sidebar.button if b.label.startswith("Fetch seed "))
    for text in (notice, button.label):
        assert not live_markdown.search(text.replace("**", "")), text
