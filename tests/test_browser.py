"""The running app in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

One app server serves the whole module (its clients pointed at the session's emulator, its HTTP
cache in a fresh folder); every test opens its own browser context, i.e. its own Streamlit
session. Tests wait on conditions (text, Streamlit's script state, a painted canvas), never on
fixed sleeps, and look for Streamlit's error elements rather than words: the page is configured
with ``showErrorDetails = "none"``, so no traceback text ever reaches it.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.apprunner import CHROMIUM, ROOT, running_app
from tests.emulator.fixtures import EmulatorHandle

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


def guard_loopback(context, outside: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Record in ``outside`` and abort every request of ``context`` that would leave loopback."""

    def route(route):  # type: ignore[no-untyped-def]
        if _is_local(route.request.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)


@pytest.fixture(scope="module")
def app(emulator_server, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The base URL of the module's one app server (started once, healthy before first use)."""
    env = EmulatorHandle(emulator_server).environ()
    env["CITEGRAPH_CACHE_DIR"] = str(tmp_path_factory.mktemp("app-http-cache"))
    with running_app(env=env) as base:
        yield base


@pytest.fixture
def page_with_guard(browser, app):
    """A page on the app whose every non-loopback request is recorded and aborted."""
    context = browser.new_context(viewport={"width": 1500, "height": 2300})
    outside: list[str] = []
    guard_loopback(context, outside)
    context.on("websocket", lambda ws: None if _is_local(ws.url) else outside.append(ws.url))
    page = context.new_page()
    page.goto(app, wait_until="domcontentloaded")
    page.get_by_text("Offline snapshot").first.wait_for(timeout=60_000)
    _settled(page)  # the first run has drawn the graph: widgets are not replaced under a click
    yield page, outside
    context.close()


#: True once the canvas inside the drawing's frame has any painted pixel.
_PAINTED = """() => {
  const canvas = document.querySelector("canvas");
  if (!canvas || !canvas.width || !canvas.height) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) return true;
  return false;
}"""


def _settled(page, *, timeout: float = 60_000) -> None:
    """Wait until the script run has finished and the graph drawing, if any, has painted.

    Call it after waiting for something the new run shows: right after a click the previous
    run's "not running" state is still there.
    """
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=timeout
    )
    if page.locator(".cg-wrap").count():  # the graph component (in its shadow root)
        page.locator(".cg-wrap[data-drawn]").first.wait_for(state="attached", timeout=timeout)
    frames = page.locator("iframe")
    if frames.count():
        frame = frames.first.element_handle().content_frame()
        frame.wait_for_function(_PAINTED, polling=100, timeout=timeout)


def _no_errors(page, *, alerts: bool = True) -> None:
    """No exception element on the page (and, with ``alerts``, no error alert)."""
    from playwright.sync_api import expect

    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    if alerts:
        expect(page.locator('[data-testid="stAlertContentError"]')).to_have_count(0)


def _enter_seed(page, seed: str) -> None:
    """Type a seed and apply it (Ctrl+Enter): done when the box no longer says "… to apply"."""
    from playwright.sync_api import expect

    box = page.get_by_role("textbox", name="PMID, DOI, OpenAlex id, PMCID")
    box.fill(seed)
    box.press("Control+Enter")
    pending = page.locator('[data-testid="stSidebar"] [data-testid="InputInstructions"]')
    expect(pending.filter(has_text="to apply")).to_have_count(0)


def _shot(page, name: str) -> Path:
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("CITEGRAPH_DOCS_SCREENSHOTS"):
        shutil.copy(path, ROOT / "docs" / name)
    return path


def test_app_shows_seed_and_coauthor_graph_without_leaving_loopback(page_with_guard) -> None:
    page, outside = page_with_guard
    page.get_by_text("CAR T cell therapy for children with rheumatic disease").first.wait_for(
        timeout=60_000
    )
    page.locator(".cg-canvas canvas").first.wait_for(timeout=60_000)
    # Colour by institution: the seed's authors are one cluster, their institutions differ.
    page.get_by_role("combobox", name="Colour by").click()
    page.get_by_role("option", name="Institution").click()
    page.locator(".cg-legend").get_by_text("Ohio State University").first.wait_for(timeout=30_000)
    _settled(page)
    shot = _shot(page, "screenshot-coauthor.png")
    assert shot.stat().st_size > 10_000
    _no_errors(page)
    assert "Wobma" in page.locator("body").inner_text()
    assert outside == [], f"requests left loopback: {outside}"


def test_citation_view_switches_without_errors(page_with_guard) -> None:
    page, outside = page_with_guard
    page.get_by_text("Citation", exact=True).first.click()
    page.get_by_text("Citation network").first.wait_for(timeout=30_000)
    _settled(page)
    _shot(page, "screenshot-citation.png")
    _no_errors(page)
    assert outside == [], f"requests left loopback: {outside}"


# Runs before the full fetch below, which then resumes from what this one left in the shared
# server's HTTP cache (as a user's second fetch would); in the other order this fetch would be
# answered from the cache too fast to cancel.
def test_cancel_keeps_a_partial_corpus_and_a_bad_upload_keeps_it_too(
    page_with_guard, emulator, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    page, outside = page_with_guard
    emulator.configure(latency_ms=700)  # slow enough to press Cancel mid-fetch
    _enter_seed(page, emulator.seed)
    page.get_by_role("button", name="Fetch", exact=True).click()
    page.get_by_role("button", name="Cancel fetch").wait_for(timeout=30_000)
    # The seed's records have arrived. The services are asked side by side, so a stage's name
    # shows before its answer does: wait for the progress count ("stage: answered/sent"); the
    # first five answers (OpenAlex's resolve, iCite's and PubMed's records, PubMed's two
    # elinks) all come back after one latency, and the crawl has three more round trips to go.
    page.get_by_text(re.compile(r": ([5-9]|\d\d+)/\d+$")).first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Cancel fetch").click()
    page.get_by_text("Fetch cancelled during").first.wait_for(timeout=30_000)
    page.get_by_text("Synthetic work 0").first.wait_for()
    _no_errors(page)
    # A damaged snapshot upload: one message, and the partial corpus stays on screen.
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "citegraph-snapshot", "format_version": 1, "works": [')
    page.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_text("broken.json: not valid JSON").first.wait_for(timeout=30_000)
    page.get_by_text("Synthetic work 0").first.wait_for()
    _settled(page)
    _shot(page, "screenshot-cancel-and-bad-upload.png")
    _no_errors(page, alerts=False)  # the upload's error alert is expected
    assert page.locator('[data-testid="stAlertContentError"]').count() == 1
    assert outside == [], f"requests left loopback: {outside}"


def test_fetch_from_the_emulator_through_the_page(page_with_guard, emulator) -> None:  # type: ignore[no-untyped-def]
    """A user pastes a seed and presses Fetch; the page talks to the emulator (SYNTHETIC data)."""
    page, outside = page_with_guard
    _enter_seed(page, f"https://pubmed.ncbi.nlm.nih.gov/{emulator.seed}/")
    page.get_by_role("button", name="Fetch", exact=True).click()
    page.get_by_text("Fetched live from pubmed, icite, openalex").first.wait_for(timeout=90_000)
    page.get_by_text("Synthetic work 0").first.wait_for()
    page.get_by_text("Citation", exact=True).first.click()
    page.get_by_text("Citation network").first.wait_for(timeout=30_000)
    _settled(page)
    _shot(page, "screenshot-fetch-citation.png")
    _no_errors(page)
    services = {r["service"] for r in emulator.requests()}
    assert services == {"pubmed", "icite", "openalex"}
    assert outside == [], f"requests left loopback: {outside}"
