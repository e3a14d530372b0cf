"""The running app in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright)."""

from __future__ import annotations

import ipaddress
import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.apprunner import CHROMIUM, CHROMIUM_ARGS, ROOT, running_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium"),
]
SHOTS = ROOT / "test-results"


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https", "ws", "wss"):
        return True  # data:, blob:, about:
    host = parsed.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_with_guard(browser):
    """A page whose every non-loopback request is recorded and aborted."""
    context = browser.new_context(viewport={"width": 1500, "height": 2300})
    outside: list[str] = []

    def route(route):
        if _is_local(route.request.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    context.on("websocket", lambda ws: None if _is_local(ws.url) else outside.append(ws.url))
    page = context.new_page()
    yield page, outside
    context.close()


def _shot(page, name: str) -> Path:
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("CITEGRAPH_DOCS_SCREENSHOTS"):
        shutil.copy(path, ROOT / "docs" / name)
    return path


def test_app_shows_seed_and_coauthor_graph_without_leaving_loopback(page_with_guard) -> None:
    page, outside = page_with_guard
    with running_app() as base:
        page.goto(base, wait_until="domcontentloaded")
        page.get_by_text("CAR T cell therapy for children with rheumatic disease").first.wait_for(
            timeout=60_000
        )
        page.get_by_text("Offline snapshot").first.wait_for()
        frame = page.frame_locator("iframe").first
        frame.locator("canvas").first.wait_for(timeout=60_000)
        # Colour by institution: the seed's authors are one cluster, their institutions differ.
        page.get_by_role("combobox", name="Colour by").click()
        page.get_by_role("option", name="Institution").click()
        frame.get_by_text("Ohio State University").first.wait_for(timeout=30_000)
        frame.locator("canvas").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)  # let vis-network draw its first frame for the screenshot
        shot = _shot(page, "screenshot-coauthor.png")
        assert shot.stat().st_size > 10_000
        body = page.locator("body").inner_text()
        assert "Traceback" not in body
        assert "Wobma" in body
    assert outside == [], f"requests left loopback: {outside}"


def test_citation_view_switches_without_errors(page_with_guard) -> None:
    page, outside = page_with_guard
    with running_app() as base:
        page.goto(base, wait_until="domcontentloaded")
        page.get_by_text("Offline snapshot").first.wait_for(timeout=60_000)
        page.get_by_text("Citation", exact=True).first.click()
        page.get_by_text("Citation network").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        _shot(page, "screenshot-citation.png")
        assert "Traceback" not in page.locator("body").inner_text()
    assert outside == [], f"requests left loopback: {outside}"


def test_fetch_from_the_emulator_through_the_page(page_with_guard, emulator) -> None:  # type: ignore[no-untyped-def]
    """A user pastes a seed and presses Fetch; the page talks to the emulator (SYNTHETIC data)."""
    page, outside = page_with_guard
    with running_app(env=emulator.environ()) as base:
        page.goto(base, wait_until="domcontentloaded")
        page.get_by_text("Offline snapshot").first.wait_for(timeout=60_000)
        box = page.get_by_role("textbox", name="PMID, DOI, OpenAlex id, PMCID")
        box.fill(f"https://pubmed.ncbi.nlm.nih.gov/{emulator.seed}/")
        box.press("Control+Enter")
        page.wait_for_timeout(500)
        page.get_by_role("button", name="Fetch", exact=True).click()
        page.get_by_text("Fetched live from pubmed, icite, openalex").first.wait_for(timeout=90_000)
        page.get_by_text("Synthetic work 0").first.wait_for()
        page.get_by_text("Citation", exact=True).first.click()
        page.get_by_text("Citation network").first.wait_for(timeout=30_000)
        page.frame_locator("iframe").first.locator("canvas").first.wait_for(timeout=60_000)
        page.wait_for_timeout(2500)
        _shot(page, "screenshot-fetch-citation.png")
        body = page.locator("body").inner_text()
        assert "Traceback" not in body
    services = {r["service"] for r in emulator.requests()}
    assert services == {"pubmed", "icite", "openalex"}
    assert outside == [], f"requests left loopback: {outside}"


def test_cancel_keeps_a_partial_corpus_and_a_bad_upload_keeps_it_too(
    page_with_guard, emulator, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    page, outside = page_with_guard
    emulator.configure(latency_ms=700)  # slow enough to press Cancel mid-fetch
    with running_app(env=emulator.environ()) as base:
        page.goto(base, wait_until="domcontentloaded")
        page.get_by_text("Offline snapshot").first.wait_for(timeout=60_000)
        box = page.get_by_role("textbox", name="PMID, DOI, OpenAlex id, PMCID")
        box.fill(emulator.seed)
        box.press("Control+Enter")
        page.wait_for_timeout(500)
        page.get_by_role("button", name="Fetch", exact=True).click()
        page.get_by_role("button", name="Cancel fetch").wait_for(timeout=30_000)
        page.get_by_text("PubMed links").first.wait_for(timeout=30_000)
        page.get_by_role("button", name="Cancel fetch").click()
        page.get_by_text("Fetch cancelled during").first.wait_for(timeout=30_000)
        page.get_by_text("Synthetic work 0").first.wait_for()
        assert "Traceback" not in page.locator("body").inner_text()
        # A damaged snapshot upload: one message, and the partial corpus stays on screen.
        bad = tmp_path / "broken.json"
        bad.write_text('{"format": "citegraph-snapshot", "format_version": 1, "works": [')
        page.locator("input[type=file]").set_input_files(str(bad))
        page.get_by_text("broken.json: not valid JSON").first.wait_for(timeout=30_000)
        page.get_by_text("Synthetic work 0").first.wait_for()
        _shot(page, "screenshot-cancel-and-bad-upload.png")
    assert outside == [], f"requests left loopback: {outside}"
