"""Ranking, timeline, charts, content-named clusters and the find box in headless Chromium, on
a corpus fetched from the emulator (SYNTHETIC data), without a request leaving loopback.

Vega-Lite charts are Streamlit's own bundle: the guard below would record any other host.
``CITEGRAPH_DOCS_SCREENSHOTS=1`` copies the screenshots into ``docs/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.apprunner import CHROMIUM, ROOT, running_app
from tests.emulator.fixtures import EmulatorHandle
from tests.test_browser import _no_errors, _settled, _shot, guard_loopback

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium"),
]


@pytest.fixture(scope="module")
def app(emulator_server, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The app on a snapshot of the emulator's seed (depth 2), fetched by the CLI."""
    handle = EmulatorHandle(emulator_server)
    folder = tmp_path_factory.mktemp("analysis-app")
    snapshot = folder / "emulator.json.gz"
    env = {**os.environ, **handle.environ(), "CITEGRAPH_CACHE_DIR": str(folder / "cache")}
    subprocess.run(
        [sys.executable, "-m", "citegraph", "fetch", handle.seed, "--depth", "2", "-o",
         str(snapshot)],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    with running_app(env={"CITEGRAPH_SNAPSHOT": str(snapshot),
                          "CITEGRAPH_CACHE_DIR": str(folder / "cache")}) as base:  # fmt: skip
        yield base


def test_ranking_timeline_charts_and_find_stay_on_loopback(browser, app) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1500, "height": 2300})
    outside: list[str] = []
    guard_loopback(context, outside)
    page = context.new_page()
    try:
        page.goto(app, wait_until="domcontentloaded")
        page.get_by_text("Find a work or author").first.wait_for(timeout=60_000)
        _settled(page)

        page.get_by_role("tab", name="Ranking").click()
        page.get_by_text("Prior works", exact=True).first.wait_for(timeout=30_000)
        page.get_by_text("Derivative works", exact=True).first.wait_for(timeout=30_000)
        _shot(page, "screenshot-ranking.png")

        page.get_by_role("tab", name="Timeline").click()
        charts = page.locator('[data-testid="stVegaLiteChart"]')
        charts.first.wait_for(timeout=30_000)
        page.locator('[data-testid="stVegaLiteChart"] canvas, '
                     '[data-testid="stVegaLiteChart"] svg').first.wait_for(timeout=30_000)  # fmt: skip
        assert charts.count() == 2
        _shot(page, "screenshot-charts.png")

        page.locator('[data-testid="stSidebar"]').get_by_text("Timeline", exact=True).click()
        page.get_by_role("tab", name="Graph").click()
        caption = "Timeline: the citation network with year across and clusters as lanes —"
        page.get_by_text(caption).first.wait_for(timeout=60_000)
        _settled(page)
        page.locator(".cg-wrap[data-drawn]").first.wait_for(state="attached", timeout=30_000)
        legend = page.locator(".cg-legend").first.inner_text()
        assert " · " in legend  # clusters named by their terms
        _shot(page, "screenshot-timeline.png")

        page.get_by_role("textbox", name="Find a work or author").fill("lupus nephritis")
        page.get_by_role("textbox", name="Find a work or author").press("Enter")
        page.get_by_text("Matches").first.wait_for(timeout=30_000)
        _settled(page)
        _shot(page, "screenshot-find.png")
        _no_errors(page)
    finally:
        context.close()
    assert outside == [], f"requests left loopback: {outside}"
