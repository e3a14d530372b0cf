"""Page options in Chromium: a link sets every option, the URL follows the widgets, and a
download, built only when its button is clicked, equals the CLI's file for the same options.

The app serves a small GENERATED corpus (`tests.corpora.small_corpus`) through
``CITEGRAPH_SNAPSHOT``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from citegraph.cli import main as cli
from citegraph.snapshot import save_snapshot
from tests.apprunner import CHROMIUM, running_app
from tests.corpora import small_corpus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium"),
]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    corpus = small_corpus()
    corpus.manifest.setdefault("sources", ["pubmed", "openalex"])
    ids = set(corpus.works["id"])
    corpus = corpus.with_tables(
        links=corpus.links[corpus.links["source"].isin(ids) & corpus.links["target"].isin(ids)]
    )
    return save_snapshot(corpus, tmp_path_factory.mktemp("snap") / "small.json")


@pytest.fixture(scope="module")
def app(snapshot: Path, tmp_path_factory):  # type: ignore[no-untyped-def]
    env = {"CITEGRAPH_SNAPSHOT": str(snapshot),
           "CITEGRAPH_CACHE_DIR": str(tmp_path_factory.mktemp("app-http-cache"))}  # fmt: skip
    with running_app(env=env) as base:
        yield base


def _settled(page) -> None:  # type: ignore[no-untyped-def]
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=60_000
    )


def _query(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_a_link_sets_the_options_and_a_clicked_download_equals_the_cli_file(
    browser, app: str, snapshot: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    link = f"{app}/?view=citation&min_citations=2&color=year&method=louvain&resolution=1.5"
    context = browser.new_context(viewport={"width": 1500, "height": 2000}, accept_downloads=True)
    page = context.new_page()
    page.goto(link, wait_until="domcontentloaded")
    page.get_by_text("Citation network").first.wait_for(timeout=60_000)
    _settled(page)
    expect(page.get_by_role("spinbutton", name="Min. citations")).to_have_value("2")
    assert _query(page) == {"view": "citation", "min_citations": "2", "color": "year",
                            "method": "louvain", "resolution": "1.5"}  # fmt: skip

    page.get_by_role("tab", name="Downloads").click()
    button = page.get_by_role("button", name="GEXF 1.3 (Gephi)")
    button.wait_for(timeout=60_000)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    got = tmp_path / "page.gexf"
    info.value.save_as(got)
    out = tmp_path / "cli.gexf"
    args = ["export", str(snapshot), "--graph", "citation", "--format", "gexf", "--min-citations",
            "2", "--color-by", "year", "--cluster-method", "louvain", "--resolution", "1.5",
            "-o", str(out)]  # fmt: skip
    assert cli(args) == 0
    assert got.read_bytes() == out.read_bytes()

    # A widget change goes to the URL; keys the options do not own stay.
    page.get_by_text("Similarity", exact=True).first.click()
    # (the Downloads tab stays open: its caption names the view)
    page.get_by_text("the similarity network after filters").first.wait_for(timeout=60_000)
    _settled(page)
    expect(page).to_have_url(re.compile(r"view=similarity"))
    query = _query(page)
    assert query["view"] == "similarity" and query["min_citations"] == "2"
    assert query["color"] == "year"  # the similarity view can be coloured by year too: kept
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    context.close()
