"""P2/P4: the page in headless Chromium against a bare Streamlit page showing the same graph.

P2 (issue 12): on a generated corpus of ``--works`` works (its citation view: one node per
work), the time from navigation to the first drawn canvas, and from a filter change (the year
range's lower end +1) to the redrawn canvas. P4: the same on ``--p4-works`` works (5,000 nodes:
"drawn and still"; physics is off on both pages at that size, so drawn is still), with the bytes
the browser received over the page's websocket (the page size).

Each measurement is made on the Citegraph page (``app.py``: the graph component, vis-network
sent once per session, the graph as data) and on a baseline written by this script: a bare
Streamlit page that loads the same snapshot, builds the same view with the same library calls and
shows `citegraph.views.view_html` in ``st.iframe`` (what the page did before the component), with
the same year slider. Both servers are warmed first (one untimed visit and filter change), so the
medians are "warm": the graph comes from the servers' caches, as on a second visit. Each timed
visit is a fresh browser context (a new Streamlit session). Times are wall-clock from Python
(Playwright over CDP, polling on animation frames) and the same for both pages.

Writes its section of ``benchmarks/RESULTS.md`` (between its markers; other sections stay).
Generated data only. Not a test: nothing passes or fails on a timing;
``tests/test_bench_page.py`` runs it once on a tiny corpus.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_page.py [--works 1000] [--p4-works 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import write_section  # noqa: E402
from citegraph.snapshot import save_snapshot  # noqa: E402
from tests.apprunner import CHROMIUM, CHROMIUM_ARGS, running_app  # noqa: E402
from tests.corpora import generated_corpus  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
BEGIN, END = "<!-- bench_page: begin -->", "<!-- bench_page: end -->"

#: The baseline page: the same snapshot, view and library calls, drawn by pyvis in an iframe.
BARE_PAGE = """
import os
import streamlit as st
from citegraph.graphs import filter_corpus, year_bounds
from citegraph.snapshot import load_snapshot
from citegraph.views import build_view, view_html

corpus = st.cache_resource(load_snapshot)(os.environ["CITEGRAPH_SNAPSHOT"])
lo, hi = year_bounds(corpus)
years = st.sidebar.slider("Years", lo, hi, (lo, hi))

@st.cache_data
def page(years):
    filtered = filter_corpus(corpus, year_from=years[0], year_to=years[1])
    return view_html(filtered, build_view(filtered, "citation"))

st.iframe(page(years), height=700)
"""

#: The Citegraph page's drawing is on its canvas (set by the component's afterDrawing).
_OURS_DRAWN = "() => { const d = window.__citegraphDrawing; return !!(d && d.drawn && !d.__old); }"
_OURS_MARK = "() => { window.__citegraphDrawing.__old = true; }"
#: The baseline's iframe holds a new page whose canvas has painted pixels.
_BARE_DRAWN = """() => {
  const f = document.querySelector("iframe");
  const w = f && f.contentWindow;
  if (!w || w.__old || !w.document) return false;
  const c = w.document.querySelector("canvas");
  if (!c || !c.width || !c.height) return false;
  const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  for (let i = 3; i < px.length; i += 4) if (px[i]) return true;
  return false;
}"""
_BARE_MARK = "() => { document.querySelector('iframe').contentWindow.__old = true; }"
_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PAGES = {"citegraph": (_OURS_DRAWN, _OURS_MARK), "bare": (_BARE_DRAWN, _BARE_MARK)}


def snapshot_of(n_works: int, folder: Path) -> Path:
    """A snapshot of ``generated_corpus(n_works)`` (generated data), labelled as such."""
    corpus = generated_corpus(n_works, seed=n_works)
    seeds = [str(w) for w in corpus.works.loc[corpus.works["is_seed"], "id"]]
    corpus.manifest.update(sources=["openalex"], seeds=seeds, origin="generated benchmark data")
    return save_snapshot(corpus, folder / f"generated-{n_works}.json")


def visit(browser: Any, url: str, page_kind: str, *, change: bool) -> dict[str, float]:
    """One visit in a fresh context: seconds to the first drawn canvas, bytes received; with
    ``change``, then the year filter's lower end +1: seconds to the redrawn canvas, bytes."""
    drawn, mark = PAGES[page_kind]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        received = [0]

        def count(frame: Any) -> None:
            received[0] += len(frame) if isinstance(frame, bytes | str) else 0

        page.on("websocket", lambda ws: ws.on("framereceived", count))
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_function(drawn, polling="raf", timeout=180_000)
        out = {"first": time.perf_counter() - start}
        page.locator(_IDLE).wait_for(timeout=180_000)
        out["first_bytes"] = received[0]
        if change:
            page.evaluate(mark)
            received[0] = 0
            thumb = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"] input').first
            thumb.focus()
            start = time.perf_counter()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(drawn, polling="raf", timeout=180_000)
            out["change"] = time.perf_counter() - start
            page.locator(_IDLE).wait_for(timeout=180_000)
            out["change_bytes"] = received[0]
        return out
    finally:
        context.close()


def measure(browser: Any, urls: dict[str, str], runs: int, *, change: bool) -> dict[str, Any]:
    """Warm both servers, then ``runs`` visits of each page, alternating; the medians."""
    for kind, url in urls.items():
        visit(browser, url, kind, change=change)  # untimed: fills the servers' caches
    samples: dict[str, list[dict[str, float]]] = {kind: [] for kind in urls}
    for _ in range(runs):
        for kind, url in urls.items():
            samples[kind].append(visit(browser, url, kind, change=change))
    return {
        kind: {key: statistics.median(s[key] for s in runs_) for key in runs_[0]}
        for kind, runs_ in samples.items()
    }


def _mib(n: float) -> str:
    return f"{n / 2**20:.2f} MiB"


def section(p2: dict, p4: dict, args: argparse.Namespace, argv: list[str], notes: list[str]) -> str:
    def row(label: str, key: str, fmt: Callable[[float], str], table: dict) -> str:
        ours, bare = table["citegraph"][key], table["bare"][key]
        return f"| {label} | {fmt(ours)} | {fmt(bare)} | {ours / bare:.2f}× |" if bare else ""

    secs = lambda v: f"{v:.2f} s"  # noqa: E731
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        BEGIN,
        "## P2/P4 — the page in Chromium (`bench_page.py`)",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/bench_page.py "
        f"{' '.join(argv)}`. Machine: {os.cpu_count()} cores, {platform.machine()}, load "
        f"average {load} at the end (shared machine); Python {platform.python_version()}, "
        f"Streamlit {version('streamlit')}, Playwright {version('playwright')}, Debian "
        "Chromium (headless).",
        f"Corpora: `tests.corpora.generated_corpus(n, seed=n)` (generated data), citation view "
        f"({args.works:,} and {args.p4_works:,} nodes). Baseline, same run: a bare Streamlit page "
        "showing the same graph (`view_html` in `st.iframe`, same year slider). Medians of "
        f"{args.runs} warm visits, each in a new browser session; ratio = Citegraph / baseline.",
        "",
        "| measurement | Citegraph page | bare page (baseline) | ratio |",
        "|---|---|---|---|",
        row(f"P2 navigation → first drawn canvas, {args.works:,} nodes", "first", secs, p2),
        row("P2 filter change (year +1) → redrawn canvas", "change", secs, p2),
        row("P2 bytes received: first visit", "first_bytes", _mib, p2),
        row("P2 bytes received: filter change", "change_bytes", _mib, p2),
        row(f"P4 navigation → {args.p4_works:,} nodes drawn and still", "first", secs, p4),
        row("P4 page size (bytes received, first visit)", "first_bytes", _mib, p4),
        "",
        "Targets (issue 12): P2 ≤ 1.5 s first paint, ≤ 0.5 s filter change; P4 ≤ 3 s with a "
        "smaller page. The Citegraph page's first visit includes the whole app (seed card, "
        "tables, five tabs), not only the graph; later runs send vis-network (470 KB) as a "
        "cached reference and only the graph's data.",
        *notes,
        END,
    ]
    return "\n".join(line for line in lines if line != "" or True)


def write_results(text: str, path: Path = RESULTS) -> None:
    """Replace this benchmark's section of RESULTS.md, keeping the other sections."""
    write_section(text, BEGIN, END, path)


def main(argv: list[str] | None = None) -> str:
    from playwright.sync_api import sync_playwright

    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=1000, help="P2 corpus size")
    parser.add_argument("--p4-works", type=int, default=5000, help="P4 corpus size")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS, help="the RESULTS.md to update")
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        folder = Path(tmp)
        bare = folder / "bare_page.py"
        bare.write_text(BARE_PAGE, encoding="utf-8")
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, n, change in (("p2", args.works, True), ("p4", args.p4_works, False)):
            env = {"CITEGRAPH_SNAPSHOT": str(snapshot_of(n, folder)),
                   "CITEGRAPH_CACHE_DIR": str(folder / "http-cache"),
                   "CITEGRAPH_TEST_HOOKS": "1", "PYTHONPATH": str(ROOT)}  # fmt: skip
            with ExitStack() as stack:
                ours = stack.enter_context(running_app(env=env))
                theirs = stack.enter_context(running_app(env=env, script=bare))
                urls = {"citegraph": f"{ours}/?view=citation", "bare": theirs}
                print(f"== {name}: {n} works", flush=True)
                results[name] = measure(browser, urls, args.runs, change=change)
                print(results[name], flush=True)
        browser.close()
    text = section(results["p2"], results["p4"], args, argv, [])
    write_results(text, args.out)
    print(text)
    return text


if __name__ == "__main__":
    main()
