"""A shared link reproduces the corpus and the view, in headless Chromium with two browser
contexts (two users, two Streamlit sessions) on one app server (GENERATED emulator corpus).

Context A opens the page, fetches the emulator's seed and switches to the similarity view;
the URL then names seed and view. Context B opens that URL fresh and must see the same corpus
(metrics, seed card, seed box) and view, answered from the server's HTTP cache.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.apprunner import CHROMIUM, running_app
from tests.emulator.fixtures import EmulatorHandle
from tests.test_browser import _no_errors, _settled, _shot, guard_loopback

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium"),
]


@pytest.fixture(scope="module")
def app(emulator_server, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The app with auto-fetch on (as users have it), its clients pointed at the emulator."""
    env = EmulatorHandle(emulator_server).environ()
    env["CITEGRAPH_CACHE_DIR"] = str(tmp_path_factory.mktemp("app-http-cache"))
    env["CITEGRAPH_AUTO_FETCH"] = "1"
    with running_app(env=env) as base:
        yield base


def _context(browser, outside: list[str]):  # type: ignore[no-untyped-def]
    """A fresh browser context (no cookies, no storage) whose non-loopback requests are
    recorded and aborted."""
    context = browser.new_context(viewport={"width": 1500, "height": 2300})
    guard_loopback(context, outside)
    return context


def _metrics(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    return dict(zip([x.strip() for x in labels], [v.strip() for v in values], strict=True))


def _seed_card(page) -> str:  # type: ignore[no-untyped-def]
    """The text of the seed's card (the first markdown with a heading: its title)."""
    return page.locator('[data-testid="stMarkdownContainer"]:has(h3)').first.inner_text()


def _seed_box(page):  # type: ignore[no-untyped-def]
    return page.get_by_role("textbox", name="PMID, DOI, OpenAlex id, PMCID")


def test_a_copied_link_opens_the_same_corpus_and_view_in_a_fresh_browser(
    browser, app, emulator
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    outside: list[str] = []
    # -- A: open, fetch the emulator's seed, switch to the similarity view
    context_a = _context(browser, outside)
    page = context_a.new_page()
    page.goto(app, wait_until="domcontentloaded")
    # The default seed is not in the emulator's corpus: the page says so and shows the bundled one.
    page.get_by_text("Offline snapshot").first.wait_for(timeout=90_000)
    _settled(page)
    box = _seed_box(page)
    box.fill(emulator.seed)
    box.press("Control+Enter")
    page.get_by_role("button", name="Fetch", exact=True).click()
    page.get_by_text("Fetched live from pubmed, icite, openalex").first.wait_for(timeout=90_000)
    page.get_by_text("Similarity", exact=True).first.click()
    page.get_by_text("Similarity network").first.wait_for(timeout=30_000)
    # Drawn: the graph and the counts are on screen (not the skeletons of a run in progress).
    page.locator(".cg-wrap[data-drawn]").first.wait_for(state="attached", timeout=60_000)
    page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=60_000)
    _settled(page)
    _no_errors(page)
    expect(page).to_have_url(re.compile(rf"[?&]seed={emulator.seed}(&|$)"), timeout=30_000)
    link = page.url
    assert parse_qs(urlsplit(link).query) == {"seed": [emulator.seed], "view": ["similarity"]}
    seen_a = _metrics(page)
    card_a = _seed_card(page)
    _shot(page, "screenshot-link-sender.png")
    context_a.close()

    # -- B: a colleague opens the copied link in a fresh browser
    emulator.reset()
    context_b = _context(browser, outside)
    page = context_b.new_page()
    page.goto(link, wait_until="domcontentloaded")
    page.get_by_text("Opened from the local cache").first.wait_for(timeout=90_000)
    page.get_by_text("Similarity network").first.wait_for(timeout=30_000)
    # Drawn: the graph and the counts are on screen (not the skeletons of a run in progress).
    page.locator(".cg-wrap[data-drawn]").first.wait_for(state="attached", timeout=60_000)
    page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=60_000)
    _settled(page)
    _no_errors(page)
    assert _metrics(page) == seen_a and int(seen_a["Works"]) > 100
    card_b = _seed_card(page)
    assert card_b == card_a and "Synthetic work 0" in card_b
    expect(_seed_box(page)).to_have_value(emulator.seed)
    expect(page.get_by_role("radio", name="Similarity")).to_be_checked()
    assert parse_qs(urlsplit(page.url).query) == parse_qs(urlsplit(link).query)
    _shot(page, "screenshot-link-receiver.png")
    context_b.close()
    assert emulator.requests() == []  # B's corpus came from the cache
    assert outside == [], f"requests left loopback: {outside}"
