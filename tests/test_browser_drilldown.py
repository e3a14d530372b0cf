"""Click to drill down, in Chromium: the emulator's corpus, a node, an edge, an author, a
cluster, and a shared link that reopens the selection.

The corpus is fetched from the emulator (SYNTHETIC data, tests/emulator/) once per module and
opened as a snapshot. The app runs with ``CITEGRAPH_TEST_HOOKS=1``, so the drawing exposes its
vis-network as ``window.__citegraphNetwork``: the test asks it where a node is on screen
(``getPositions`` + ``canvasToDOM``) and clicks there with the mouse, as a reader would.
Screenshots go to test-results/ (and to docs/ with ``CITEGRAPH_DOCS_SCREENSHOTS=1``).
"""

from __future__ import annotations

import math
import os
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import pytest

from citegraph.collect import FetchOptions, fetch_corpus, make_clients
from citegraph.present import selection_param
from citegraph.snapshot import save_snapshot
from citegraph.views import build_view, view_picture
from tests.apprunner import CHROMIUM, ROOT, running_app
from tests.emulator.fixtures import EmulatorHandle
from tests.test_browser import _no_errors, guard_loopback

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium"),
]
SHOTS = ROOT / "test-results"

#: Where a drawn node is in the page (CSS pixels), from the drawing's own coordinates, after
#: zooming in on it as a reader would in a dense part of the graph.
_NODE_XY = """(id) => {
  const net = window.__citegraphNetwork;
  net.focus(id, {scale: Math.max(net.getScale(), 2.5), animation: false});
  const p = net.getPositions([id])[id];
  const d = net.canvasToDOM(p);
  net.body.container.scrollIntoView({block: "center"});
  const r = net.body.container.getBoundingClientRect();
  return [r.left + d.x, r.top + d.y];
}"""


@pytest.fixture(scope="module")
def corpus(emulator_server):  # type: ignore[no-untyped-def]
    handle = EmulatorHandle(emulator_server)
    clients = make_clients(pubmed_url=handle.pubmed_url, icite_url=handle.icite_url,
                           openalex_url=handle.openalex_url, retries=0)  # fmt: skip
    return fetch_corpus([handle.seed], clients=clients, options=FetchOptions())


@pytest.fixture(scope="module")
def app(corpus, tmp_path_factory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("drilldown")
    env = {
        "CITEGRAPH_SNAPSHOT": str(save_snapshot(corpus, folder / "emulator-corpus.json")),
        "CITEGRAPH_CACHE_DIR": str(tmp_path_factory.mktemp("app-http-cache")),
        "CITEGRAPH_TEST_HOOKS": "1",
    }
    with running_app(env=env) as base:
        yield base


@pytest.fixture
def guarded(browser):  # type: ignore[no-untyped-def]
    """A fresh context (its own Streamlit session) whose requests must stay on loopback."""
    context = browser.new_context(viewport={"width": 1500, "height": 1900})
    outside: list[str] = []
    guard_loopback(context, outside)
    yield context, outside
    context.close()


def _open(context, url: str):  # type: ignore[no-untyped-def]
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url, wait_until="domcontentloaded")
    _drawn(page)
    return page


def _drawn(page, *, timeout: float = 60_000) -> None:  # type: ignore[no-untyped-def]
    """The script run is over and the drawing it sent is on the canvas."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=timeout
    )
    page.wait_for_function(
        "() => window.__citegraphDrawing && document.querySelector('[data-testid=stApp]')"
        " && [...document.querySelectorAll('*')].some(e => e.shadowRoot &&"
        " e.shadowRoot.querySelector('.cg-wrap[data-drawn]'))",
        timeout=timeout,
    )


def _clear_of_others(corpus, G, candidates):  # type: ignore[no-untyped-def]
    """The first candidate no other node overlaps in the page's picture (the reader could
    click it), else the one with the most room."""
    pic = view_picture(corpus, G)
    pos = pic.positions

    def room(n):  # type: ignore[no-untyped-def]
        return min(math.dist(pos[n], pos[m]) - pic.sizes[m] for m in G if m != n)

    for n in candidates:
        if room(n) >= 3:  # its centre is not under another node
            return n
    return max(candidates, key=room)


def _click_node(page, node_id: str) -> None:  # type: ignore[no-untyped-def]
    x, y = page.evaluate(_NODE_XY, node_id)
    page.mouse.click(x, y)


def _selected(page) -> str | None:  # type: ignore[no-untyped-def]
    return (parse_qs(urlparse(page.url).query).get("select") or [None])[0]


def _wait_selected(page, value: str) -> None:  # type: ignore[no-untyped-def]
    """The URL names the selection (the page writes it in the run the click started)."""
    page.wait_for_function(
        "(v) => new URLSearchParams(location.search).get('select') === v", arg=value
    )


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """The whole drawing in view, no tooltip, then the page."""
    page.evaluate(
        "() => { const net = window.__citegraphNetwork; net.fit({animation: false});"
        " for (const t of net.body.container.querySelectorAll('.vis-tooltip'))"
        " t.style.visibility = 'hidden'; }"
    )
    page.mouse.move(5, 5)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)
    if os.environ.get("CITEGRAPH_DOCS_SCREENSHOTS"):
        shutil.copy(SHOTS / name, ROOT / "docs" / name)


def _wait_text(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_text(text).first.wait_for(timeout=60_000)


def test_click_a_work_then_a_citation(app, corpus, guarded) -> None:  # type: ignore[no-untyped-def]
    context, outside = guarded
    page = _open(context, f"{app}/?view=citation")
    G = build_view(corpus, "citation")
    # The non-seed work citing the most others in the corpus: it has a list to show.
    works = sorted((n for n in G if not G.nodes[n].get("is_seed")),
                   key=lambda n: (-G.out_degree(n), -G.in_degree(n), n))  # fmt: skip
    work = _clear_of_others(corpus, G, works)
    _click_node(page, work)
    _wait_text(page, f"Its references in this corpus ({G.out_degree(work)})")
    _wait_text(page, f"Works in this corpus citing it ({G.in_degree(work)})")
    page.get_by_text("Retraction status:").first.wait_for()
    _wait_selected(page, f"node:{work}")
    assert page.evaluate("window.__citegraphNetwork.getSelectedNodes()") == [work]
    _shot(page, "screenshot-drilldown-work.png")

    # An edge: click half-way along the citation whose middle is farthest from every node.
    u, v, x, y = page.evaluate("""() => {
      const net = window.__citegraphNetwork, body = net.body;
      net.fit({animation: false});
      const r = body.container.getBoundingClientRect();
      const ids = body.data.nodes.getIds(), pos = net.getPositions(ids);
      const dom = Object.fromEntries(ids.map((i) => [i, net.canvasToDOM(pos[i])]));
      let best = null;
      for (const e of body.data.edges.get()) {
        const a = dom[e.from], b = dom[e.to];
        const m = {x: (a.x + b.x) / 2, y: (a.y + b.y) / 2};
        if (Math.hypot(a.x - b.x, a.y - b.y) < 60) continue;
        const near = Math.min(...ids.map((i) => Math.hypot(dom[i].x - m.x, dom[i].y - m.y)));
        if (m.x < 5 || m.y < 5 || m.x > r.width - 5 || m.y > r.height - 5) continue;
        if (!best || near > best[0]) best = [near, e.from, e.to, r.left + m.x, r.top + m.y];
      }
      return best.slice(1);
    }""")
    page.mouse.click(x, y)
    _wait_text(page, "The citing work")
    chosen = _selected(page)
    assert chosen is not None and chosen.startswith("edge:")
    assert chosen == selection_param({"kind": "edge", "u": u, "v": v})
    page.get_by_text("The cited work").first.wait_for()
    _shot(page, "screenshot-drilldown-citation-edge.png")
    _no_errors(page)
    assert outside == [], outside


def test_click_an_author_and_a_cluster_and_reopen_the_link(app, corpus, guarded) -> None:  # type: ignore[no-untyped-def]
    context, outside = guarded
    page = _open(context, f"{app}/?view=coauthor")
    G = build_view(corpus, "coauthor")
    authors = sorted(G, key=lambda n: (not G.degree(n), -G.nodes[n]["works"], -G.degree(n), n))
    author = _clear_of_others(corpus, G, authors)
    _click_node(page, author)
    _wait_text(page, "Identity:")
    page.get_by_text(f"Works in this corpus ({G.nodes[author]['works']})").first.wait_for()
    page.get_by_text(f"Co-authors in this view ({G.degree(author)})").first.wait_for()
    _wait_selected(page, f"node:{author}")
    _shot(page, "screenshot-drilldown-author.png")

    # A cluster from the legend: its members stay coloured, every other node is dimmed.
    pick = page.locator(".cg-legend .cg-pick").first
    cluster = int(pick.get_attribute("data-cluster"))
    pick.click()
    page.get_by_role("heading", name=re.compile(f"^Cluster {cluster}")).first.wait_for()
    _wait_selected(page, f"cluster:{cluster}")
    members = {n for n, c in G.nodes(data="cluster") if c == cluster}
    dimmed = set(page.evaluate(
        "window.__citegraphDrawing.nodes.get().filter(n => n.color.background === '#e4e4e4')"
        ".map(n => n.id)"
    ))  # fmt: skip
    assert dimmed == set(G) - members
    _no_errors(page)

    # The link, opened by a colleague (a new context: a new session), shows the same selection.
    other = context.browser.new_context(viewport={"width": 1500, "height": 1900})
    try:
        link = f"{app}/?view=coauthor&select={quote(f'node:{author}')}"
        page2 = _open(other, link)
        _wait_text(page2, "Identity:")
        assert page2.evaluate("window.__citegraphNetwork.getSelectedNodes()") == [author]
        _no_errors(page2)
    finally:
        other.close()
    assert outside == [], outside


def test_the_library_is_sent_once_per_session(app, guarded) -> None:  # type: ignore[no-untyped-def]
    """vis-network (470 KB) arrives with the first run only; a filter change sends the data."""
    context, _ = guarded
    received: list[int] = []
    page = context.new_page()
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: received.append(
        len(f) if isinstance(f, bytes | str) else 0)))  # fmt: skip
    page.goto(f"{app}/?view=citation", wait_until="domcontentloaded")
    _drawn(page)
    first = sum(received)
    assert first > 400_000  # the library came once
    received.clear()
    key = page.evaluate("window.__citegraphDrawing.key")
    page.get_by_role("combobox", name="Colour by").click()
    page.get_by_role("option", name="Journal").click()
    page.wait_for_function(f"() => window.__citegraphDrawing.key !== {key!r}", timeout=60_000)
    _drawn(page)
    assert 0 < sum(received) < 300_000, sum(received)
