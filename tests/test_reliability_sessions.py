"""Five browser sessions on ONE app server at once, each driving its own view and filters.

Streamlit runs every browser tab as its own session (own thread, own ``session_state``) over
shared caches (``st.cache_data``/``st.cache_resource``). Each of the five contexts here opens
the page at the same time and changes something different; the actions are interleaved so
that their script runs overlap on the server. Afterwards every page must show its own state,
computed independently with the library: the graph caption of its view and filters (node and
edge counts), its own corpus, no other session's caption, no Streamlit exception element and
no request that left loopback.

The app serves a SYNTHETIC corpus fetched from the emulator (named by ``CITEGRAPH_SNAPSHOT``,
so it is the default snapshot); one session switches to the bundled seed snapshot instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from citegraph.collect import Collector, make_clients
from citegraph.graphs import filter_corpus, journal_options, year_bounds
from citegraph.ids import parse_seeds
from citegraph.model import Corpus
from citegraph.present import graph_caption, page_filters
from citegraph.snapshot import load_snapshot, save_snapshot
from citegraph.views import ViewOptions, build_view
from tests.apprunner import CHROMIUM, ROOT, running_app
from tests.emulator.fixtures import EmulatorHandle
from tests.test_browser import _is_local, _no_errors, _settled, guard_loopback

pytestmark = [
    pytest.mark.browser,
    pytest.mark.reliability,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium"),
]
BUNDLED = ROOT / "cache" / "seed-40603629.json"
WAIT_MS = 120_000


@dataclass
class Session:
    """One browser context and what it should end up showing."""

    name: str
    page: Any
    outside: list[str] = field(default_factory=list)
    expected: str = ""  # the graph caption this session must show
    own_text: str = ""  # a text only this session's corpus holds


def _expected_caption(
    corpus: Corpus,
    view: str,
    *,
    journals: list[str] | None = None,
    years: tuple[int, int] | None = None,
) -> str:
    """The caption the page draws for this view and these sidebar values (as app.py does)."""
    bounds = year_bounds(corpus)
    filters = page_filters(
        journals=journals or [], years=years or bounds, bounds=bounds, min_citations=0
    )
    filtered = filter_corpus(corpus, **filters)
    return graph_caption(build_view(filtered, view, ViewOptions(), unfiltered=corpus), view)


@pytest.fixture(scope="module")
def synthetic(emulator_server, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """A depth-1 crawl of the emulator's seed (SYNTHETIC data), saved as a snapshot."""
    emulator = EmulatorHandle(emulator_server)
    emulator.reset()
    folder = tmp_path_factory.mktemp("sessions")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CITEGRAPH_CACHE_DIR", str(folder / "fetch-cache"))
        clients = make_clients(
            pubmed_url=emulator.pubmed_url,
            icite_url=emulator.icite_url,
            openalex_url=emulator.openalex_url,
            rate=0,
            retries=0,
        )
        corpus = Collector(parse_seeds(emulator.seed), clients).run()
    emulator.reset()
    return save_snapshot(_without_large_teams(corpus), folder / "synthetic-corpus.json")


def _without_large_teams(corpus: Corpus, *, max_authors: int = 20) -> Corpus:
    """The corpus less its works with more than ``max_authors`` authors (the emulator has two,
    with 117 and 134): their cliques make 15,000 of the co-author graph's 16,600 edges, and
    five sessions drawing that at once take minutes on two shared cores."""
    sizes = corpus.authorships.groupby("work_id").size()
    large = set(sizes[sizes > max_authors].index)

    def rows(name: str, keep) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
        return [row for row in corpus.table(name).to_dict("records") if keep(row)]

    authorships = rows("authorships", lambda r: r["work_id"] not in large)
    people = {row["author_id"] for row in authorships}
    return Corpus.from_rows(
        works=rows("works", lambda r: r["id"] not in large),
        authors=rows("authors", lambda r: r["id"] in people),
        authorships=authorships,
        links=rows("links", lambda r: r["source"] not in large and r["target"] not in large),
        manifest=dict(corpus.manifest),
    )


@pytest.fixture(scope="module")
def app(synthetic: Path, emulator_server, tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    env = EmulatorHandle(emulator_server).environ()
    env["CITEGRAPH_CACHE_DIR"] = str(tmp_path_factory.mktemp("sessions-http-cache"))
    env["CITEGRAPH_SNAPSHOT"] = str(synthetic)
    with running_app(env=env) as base:
        yield base


def _open(browser, app: str, name: str) -> Session:  # type: ignore[no-untyped-def]
    """A new context (a new Streamlit session) whose off-loopback requests are recorded and
    aborted; the page starts loading without waiting for it."""
    context = browser.new_context(viewport={"width": 1500, "height": 1800})
    session = Session(name=name, page=None)
    guard_loopback(context, session.outside)
    context.on(
        "websocket", lambda ws: None if _is_local(ws.url) else session.outside.append(ws.url)
    )
    session.page = context.new_page()
    session.page.goto(app, wait_until="commit")
    return session


def _sidebar_slider(page, label: str):  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stSidebar"] [data-testid="stSlider"]').filter(has_text=label)


def test_five_sessions_at_once_each_keep_their_own_view_and_filters(
    browser, app, synthetic
) -> None:  # type: ignore[no-untyped-def]
    corpus = load_snapshot(synthetic)
    bundled = load_snapshot(BUNDLED)
    journal = max(
        journal_options(corpus), key=lambda j: len(filter_corpus(corpus, journals=[j]).works)
    )
    default_caption = _expected_caption(corpus, "coauthor")
    sessions = {
        name: _open(browser, app, name)
        for name in ("citation", "similarity", "years", "journal", "bundled")
    }
    try:
        # Every page has drawn its first run (the synthetic corpus, co-author view).
        for s in sessions.values():
            s.page.get_by_text(default_caption).first.wait_for(timeout=WAIT_MS)
            _settled(s.page, timeout=WAIT_MS)

        # Round 1: each session starts its own change; no waiting in between, so the
        # server runs the five scripts at the same time.
        pages = {name: s.page for name, s in sessions.items()}
        pages["citation"].get_by_text("Citation", exact=True).first.click()
        pages["similarity"].get_by_text("Similarity", exact=True).first.click()
        thumb = _sidebar_slider(pages["years"], "Years").get_by_role("slider").first
        thumb.focus()
        for _ in range(6):
            thumb.press("ArrowRight")
        box = pages["journal"].get_by_role("combobox", name="Journals")
        box.click()
        box.fill(journal)
        box.press("Enter")
        box.press("Escape")
        pages["bundled"].get_by_role("combobox", name="Snapshot").click()
        pages["bundled"].get_by_role("option", name=BUNDLED.name).click()

        # Round 2: two sessions, once their first change shows, switch view while the other
        # sessions are still running theirs.
        bounds = year_bounds(corpus)
        low, high = bounds[0] + 6, bounds[1]  # six steps of one year
        for name, filters in (
            ("years", {"years": (low, high)}),
            ("journal", {"journals": [journal]}),
        ):
            page = pages[name]
            page.get_by_text(_expected_caption(corpus, "coauthor", **filters)).first.wait_for(
                timeout=WAIT_MS
            )
            _settled(page, timeout=WAIT_MS)
            page.get_by_text("Citation", exact=True).first.click()
        slider_text = _sidebar_slider(pages["years"], "Years").inner_text().split()
        assert slider_text[1:3] == [str(low), str(high)], f"the year slider shows {slider_text}"

        sessions["citation"].expected = _expected_caption(corpus, "citation")
        sessions["similarity"].expected = _expected_caption(corpus, "similarity")
        sessions["years"].expected = _expected_caption(corpus, "citation", years=(low, high))
        sessions["journal"].expected = _expected_caption(corpus, "citation", journals=[journal])
        sessions["bundled"].expected = _expected_caption(bundled, "coauthor")
        sessions["bundled"].own_text = "CAR T cell therapy for children with rheumatic disease"

        captions = {s.expected for s in sessions.values()}
        assert len(captions) == len(sessions), f"two sessions would look alike: {captions}"
        for s in sessions.values():
            s.page.get_by_text(s.expected).first.wait_for(timeout=WAIT_MS)
            _settled(s.page, timeout=WAIT_MS)

        # Now every session shows its own state and nobody else's.
        for s in sessions.values():
            body = s.page.locator("body").inner_text()
            assert s.expected in body, f"{s.name}: its caption is gone"
            for other in captions - {s.expected}:
                assert other not in body, f"{s.name} shows another session's graph: {other}"
            synthetic_seed = "Synthetic work" in body
            assert synthetic_seed == (s.name != "bundled"), f"{s.name} shows the wrong corpus"
            if s.own_text:
                assert s.own_text in body
            _no_errors(s.page)
            assert s.outside == [], f"{s.name}: requests left loopback: {s.outside}"
        assert pages["journal"].get_by_role("combobox", name="Journals").is_visible()
        assert journal in pages["journal"].locator('[data-testid="stSidebar"]').inner_text()
    finally:
        for s in sessions.values():
            s.page.context.close()
