"""Hostile metadata through the page in Chromium: every text from a snapshot is data, never markup.

A GENERATED snapshot (`tests.hostile_text.hostile_corpus`) holds each of the payloads in every
text field: titles, journals, names, affiliations, institutions, DOIs and other ids, URLs,
manifest seeds/sources/notes/description, missing entries, link provenance. The page loads it
from a file named with markup (the snapshot picker, ``CITEGRAPH_SNAPSHOT``) and again through the
upload, visits every view and tab, selects an author and a cluster, and must: open no dialog,
send no request off loopback, build no element or link from a payload, show no exception, and
show each payload as text. One app server serves the module; waits are on conditions.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citegraph.snapshot import dumps_snapshot
from tests.apprunner import CHROMIUM, running_app
from tests.hostile_text import EVIL, HOSTILE_FIELDS, PAYLOADS, hostile_corpus, shown
from tests.test_browser import _is_local, _settled, guard_loopback

pytestmark = [
    pytest.mark.browser,
    pytest.mark.reliability,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium"),
]

#: A file name is text from outside too; it is shown in the picker, the banner and messages.
FILE_NAME = "hostile <b>x :red[file] $x$ ![i](http:evil.example) <img src=x onerror=alert(10)>.json"
UPLOAD_NAME = "<img src=x onerror=alert(11)>:red[up] $y$.json"
BROKEN_NAME = "bad<svg onload=alert(12)>[z](javascript:alert(13)).json"
#: Hosts our own links may point to (DOI, PubMed, PMC, OpenAlex and the test's safe URL).
OUR_HOSTS = {"doi.org", "pubmed.ncbi.nlm.nih.gov", "pmc.ncbi.nlm.nih.gov", "openalex.org",
             "example.org", "docs.streamlit.io", "streamlit.io"}  # fmt: skip

#: Whatever a payload would have built if it had been read as markup, in any document.
_INJECTED = r"""([ourHosts, main]) => {
  const bad = [];
  const urlAttrs = ["src", "href", "srcset", "data", "action", "formaction", "background",
                    "poster", "style", "xlink:href"];
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      if (name.startsWith("on")) bad.push(`${el.tagName} ${name}`);
      if (urlAttrs.includes(name) && /evil\.example|javascript:|alert\(/i.test(a.value))
        bad.push(`${el.tagName} ${name}=${a.value.slice(0, 80)}`);
    }
  }
  for (const s of document.querySelectorAll("script:not([src])"))
    if (/^\s*alert\(/.test(s.textContent)) bad.push("script " + s.textContent.slice(0, 80));
  const md = "[data-testid=stMarkdownContainer]";
  const selectors = ["base", "meta[http-equiv]", "object", "embed", "svg[onload]",
    ".stMarkdownColoredText", ".stMarkdownColoredBackground", ".stMarkdownBadge", ".katex",
    `${md} img`, `${md} table`, `${md} code`, `${md} del`, `${md} blockquote`, `${md} iframe`,
    `${md} ol`, `${md} [data-testid=stIconMaterial]`];
  for (const sel of selectors) document.querySelectorAll(sel).forEach(() => bad.push(sel));
  if (main && document.querySelectorAll("h1").length > 1) bad.push("h1 from a payload");
  for (const a of document.querySelectorAll(`${md} a[href]`)) {
    if (a.getAttribute("href").startsWith("#")) continue;  // Streamlit's heading anchors
    const url = new URL(a.href, location.href);
    if (!["http:", "https:"].includes(url.protocol) || !ourHosts.includes(url.hostname))
      bad.push("link " + a.href.slice(0, 80));
  }
  return bad;
}"""


def _words(text: str) -> str:
    # The word joiner md_text puts where markdown would autolink is invisible: not compared.
    return " ".join(text.replace("\u2060", "").split())


@pytest.fixture(scope="module")
def snapshot_bytes() -> bytes:
    return dumps_snapshot(hostile_corpus())


@pytest.fixture(scope="module")
def app(tmp_path_factory, snapshot_bytes):  # type: ignore[no-untyped-def]
    """The module's one app server, opening the hostile snapshot from a file named with markup."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / FILE_NAME).write_bytes(snapshot_bytes)
    env = {
        "CITEGRAPH_TEST_HOOKS": "1",  # the drawing's DataSets, to check tooltips and labels
        "CITEGRAPH_SNAPSHOT": str(folder / FILE_NAME),
        "CITEGRAPH_CACHE_DIR": str(tmp_path_factory.mktemp("app-http-cache")),
    }
    with running_app(env=env) as base:
        yield base


@pytest.fixture
def guarded(browser, app):  # type: ignore[no-untyped-def]
    """A page on the app that records (and refuses) every request off loopback and every
    dialog; it is ready once the hostile snapshot's banner is shown."""
    context = browser.new_context(viewport={"width": 1500, "height": 2000})
    seen: dict[str, list[str]] = {"outside": [], "dialogs": []}
    guard_loopback(context, seen["outside"])
    context.on(
        "websocket", lambda ws: None if _is_local(ws.url) else seen["outside"].append(ws.url)
    )
    page = context.new_page()
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(app, wait_until="domcontentloaded")
    page.get_by_text("(CITEGRAPH_SNAPSHOT)").first.wait_for(timeout=60_000)
    _settled(page)
    yield page, seen
    context.close()


def _check(page, seen: dict[str, list[str]], *, errors: int = 0) -> None:  # type: ignore[no-untyped-def]
    """Nothing ran, loaded or was built from a payload, in the page and in the graph's frame."""
    from playwright.sync_api import expect

    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.locator('[data-testid="stAlertContentError"]')).to_have_count(errors)
    hosts = sorted(OUR_HOSTS)
    assert page.evaluate(_INJECTED, [hosts, True]) == []
    for frame in page.frames[1:]:  # any framed page
        assert frame.evaluate(_INJECTED, [hosts, False]) == [], frame.url
    assert page.evaluate(_SHADOW) == []  # the graph component's own DOM
    assert seen["dialogs"] == [], seen["dialogs"]
    assert seen["outside"] == [], f"requests left loopback: {seen['outside']}"


#: Inside the graph component's shadow roots (which querySelectorAll("*") does not enter):
#: only the elements the component itself makes, no handler attribute, no URL, and every
#: node's tooltip a text-only element.
_SHADOW = r"""() => {
  const bad = [];
  const allowed = new Set(["DIV", "SPAN", "CANVAS", "STYLE"]);
  for (const host of document.querySelectorAll("*")) {
    if (!host.shadowRoot) continue;
    for (const el of host.shadowRoot.querySelectorAll("*")) {
      if (!allowed.has(el.tagName)) bad.push("element " + el.tagName);
      for (const a of el.attributes) {
        if (a.name.toLowerCase().startsWith("on")) bad.push(`${el.tagName} ${a.name}`);
        if (/evil\.example|javascript:|alert\(/i.test(a.value)) bad.push(`${el.tagName} ${a.name}`);
      }
    }
  }
  return bad;
}"""


def _drawing(page, script: str):  # type: ignore[no-untyped-def]
    """Evaluate ``script`` on the drawn graph's DataSets (exposed by the test hook)."""
    return page.evaluate(
        f"(() => {{ const nodes = window.__citegraphDrawing.nodes; return {script}; }})()"
    )


def _show_view(page, label: str) -> None:  # type: ignore[no-untyped-def]
    page.locator('[data-testid="stSidebar"]').get_by_text(label, exact=True).first.click()
    page.get_by_text(f"{label} network:").first.wait_for(timeout=60_000)
    _settled(page)


def _pick_first_row(page, tab: str, shows: re.Pattern) -> None:  # type: ignore[no-untyped-def]
    """Select the first row of the tab's table (its row-marker cell) and wait for the heading
    that ``shows``."""
    page.get_by_role("tab", name=tab).click()
    panel = page.locator('[data-testid="stTabs"] [role="tabpanel"]:visible').first
    grid = panel.locator('[data-testid="stDataFrame"]').first
    grid.locator("canvas").first.wait_for(timeout=30_000)
    # The row-marker column is 30 px wide, the header and each row 35 px high.
    grid.click(position={"x": 15, "y": 35 + 17})
    page.get_by_role("heading", name=shows).first.wait_for(timeout=60_000)
    # The drawing sits in the hidden Graph tab now, so wait for the run only, not its paint.
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=60_000
    )


def test_every_payload_in_every_field_is_shown_as_text_in_every_view(guarded) -> None:  # type: ignore[no-untyped-def]
    page, seen = guarded
    body = _words(page.locator("body").inner_text())
    missing = [i for i, p in enumerate(PAYLOADS) if _words(shown(p)) not in body]
    assert missing == [], f"payloads not shown as text: {missing}"
    _check(page, seen)
    for label in ("Citation", "Similarity", "Co-author"):
        _show_view(page, label)
        # Tooltips are text-only elements; labels are drawn on the canvas, as given.
        assert _drawing(
            page,
            "nodes.get().every(n => n.title instanceof HTMLElement"
            " && n.title.children.length === 0)",
        )
        assert _drawing(page, "nodes.get().length") == len(PAYLOADS)
        labels = _drawing(page, "nodes.get().map(n => n.label)")
        assert "<script>alert(1)</script>" in " ".join(labels)
        _check(page, seen)
    # Drill down on a hostile author: the details beside the graph show the payloads as text.
    node = _drawing(page, "nodes.getIds()[0]")
    x, y = page.evaluate(
        """(id) => { const net = window.__citegraphNetwork;
          net.focus(id, {scale: 2, animation: false});
          const d = net.canvasToDOM(net.getPositions([id])[id]);
          net.body.container.scrollIntoView({block: "center"});
          const r = net.body.container.getBoundingClientRect();
          return [r.left + d.x, r.top + d.y]; }""",
        node,
    )
    page.mouse.click(x, y)
    page.get_by_text("Identity:").first.wait_for(timeout=60_000)
    _settled(page)
    _check(page, seen)
    page.get_by_role("combobox", name="Colour by").click()
    page.get_by_role("option", name="Institution").click()
    legend = page.locator(".cg-legend")
    legend.get_by_text('"><script>alert(6)</script>').first.wait_for(timeout=60_000)
    _settled(page)
    legend = _words(legend.inner_text())
    assert _words(shown(":red[coloured text]")) in legend
    _check(page, seen)
    page.get_by_role("tab", name="Works").click()
    _pick_first_row(page, "Authors", re.compile(r"work\(s\) in this corpus"))
    _check(page, seen)
    _pick_first_row(page, "Clusters", re.compile(r"Cluster \d+: \d+ authors"))
    _check(page, seen)


def test_uploaded_hostile_snapshot_and_a_broken_one_with_a_hostile_name(
    guarded, snapshot_bytes: bytes
) -> None:  # type: ignore[no-untyped-def]
    page, seen = guarded
    upload = page.locator("input[type=file]")
    upload.set_input_files({"name": UPLOAD_NAME, "mimeType": "application/json",
                            "buffer": snapshot_bytes})  # fmt: skip
    page.get_by_text(f"Loaded from uploaded snapshot {UPLOAD_NAME}").first.wait_for(timeout=60_000)
    _settled(page)
    _check(page, seen)
    upload.set_input_files({"name": BROKEN_NAME, "mimeType": "application/json",
                            "buffer": b'{"format": "citegraph-snapshot", "works": ['})  # fmt: skip
    page.get_by_text(f"{BROKEN_NAME}: not valid JSON").first.wait_for(timeout=60_000)
    _settled(page)
    _check(page, seen, errors=1)  # the broken file's one message, the corpus kept
    assert page.get_by_text(f"Loaded from uploaded snapshot {UPLOAD_NAME}").count() >= 1


def test_the_payload_set_is_large_enough() -> None:
    """The issue asks for at least 30 payloads in every text field."""
    assert len(PAYLOADS) >= 30 and HOSTILE_FIELDS >= 40
    assert any(EVIL in p for p in PAYLOADS) and any("\u202e" in p for p in PAYLOADS)
