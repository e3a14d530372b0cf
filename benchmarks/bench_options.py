"""Server time of a filter change on the page, before and after downloads on demand (issue 12,
Build item 3; issue 10, item 6).

The page is run in Streamlit's AppTest (the script run on the server, no browser) on a GENERATED
corpus (`tests.corpora.generated_corpus`, no real bibliographic data) saved as a snapshot. For
each view, after a first run, the year filter is moved ``--runs`` times (each time to a range
not seen before, so no cached graph is reused) and each rerun is timed:

- before: ``app.py`` as it was at the baseline commit (every download file built on every run,
  the co-author graph built in every view), taken from git and run beside the current one;
- now: ``app.py`` of the working tree (downloads built when clicked, the co-author graph only
  in the co-author view or when the Authors/Clusters tab is open).

Then, for the page now: opening the Authors tab in the citation view (the co-author graph it
builds then) and the time of building every download of the last state, as clicks would.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_options.py [--works 1500] [--runs 3]

Writes its section of ``benchmarks/RESULTS.md`` (``--out`` for another file). Benchmarks are
measurements, not tests: nothing here passes or fails on a timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.runtime.media_file_manager import MediaFileManager  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from benchmarks.results import write_section  # noqa: E402
from citegraph.graphs import year_bounds  # noqa: E402
from citegraph.snapshot import save_snapshot  # noqa: E402
from tests.corpora import generated_corpus  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
BEGIN, END = "<!-- bench_options: begin -->", "<!-- bench_options: end -->"
#: The page before this change (every download built on every run).
BASELINE = "236e814"
VIEWS = ("coauthor", "citation")


def _page(app: Path, view: str) -> AppTest:
    at = AppTest.from_file(str(app), default_timeout=600)
    at.query_params["view"] = view
    return at.run()


def _years(at: AppTest):  # type: ignore[no-untyped-def]
    return next(s for s in at.sidebar.slider if s.label == "Years")


def filter_changes(app: Path, view: str, bounds: tuple[int, int], runs: int) -> list[float]:
    """Seconds of each rerun after moving the year filter to a new range."""
    at = _page(app, view)
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    low, high = bounds
    times = []
    for k in range(1, runs + 1):
        _years(at).set_value((low + k, high))
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(at.exception[0].message)
    return times


def on_demand(app: Path, bounds: tuple[int, int]) -> dict[str, float]:
    """The page now, citation view: opening the Authors tab, and building every download."""
    found: dict[str, Callable[[], Any]] = {}
    register = MediaFileManager.add_deferred

    def spy(self, data_callable, *args, **kwargs):  # type: ignore[no-untyped-def]
        file_id = register(self, data_callable, *args, **kwargs)
        found[file_id] = data_callable
        return file_id

    MediaFileManager.add_deferred = spy  # type: ignore[method-assign]
    try:
        at = _page(app, "citation")
        _years(at).set_value((bounds[0] + 1, bounds[1] - 1))
        at.run()
        at.session_state["tab"] = "Authors"
        start = time.perf_counter()
        at.run()
        tab = time.perf_counter() - start
        ids = [b.proto.deferred_file_id for b in at.get("download_button")]
        start = time.perf_counter()
        sizes = [len(found[i]()) for i in ids if i in found]
        files = time.perf_counter() - start
    finally:
        MediaFileManager.add_deferred = register  # type: ignore[method-assign]
    return {"tab": tab, "files": files, "count": len(sizes), "bytes": sum(sizes)}


def machine() -> str:
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    libs = ", ".join(f"{p} {version(p)}" for p in ("streamlit", "networkx", "igraph", "pandas"))
    return (f"{os.cpu_count()} cores (nproc), {platform.machine()}, load average {load} at the "
            f"start (the machine is shared); Python {platform.python_version()}, {libs}")  # fmt: skip


def section(rows: dict[str, Any], args: argparse.Namespace, argv: list[str]) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")

    def med(xs: list[float] | None) -> str:
        return "n/a" if not xs else f"{statistics.median(xs):.2f}"

    lines = [
        BEGIN,
        "## Page options: a filter change builds only the graph on screen (`bench_options.py`)",
        "",
        f"Measured {when} by `benchmarks/bench_options.py {' '.join(argv)}`.",
        f"Machine: {rows['machine']}.",
        f"Corpus: `tests.corpora.generated_corpus({args.works})` (generated data; "
        f"{rows['counts']}). Server time of one script run in Streamlit's AppTest after the "
        f"year filter moves to a range not seen before (median of {args.runs}); before = "
        f"`app.py` at {BASELINE} (all 11 download files and the co-author graph built on every "
        "run), now = downloads built when clicked (`st.download_button(data=callable)`) and the "
        "co-author graph built only in the co-author view or when its tabs are open.",
        "",
        "| filter change, seconds | before | now | ratio |",
        "|---|---|---|---|",
    ]
    for view in VIEWS:
        before, now = rows[f"before:{view}"], rows[f"now:{view}"]
        ratio = (f"{statistics.median(before) / statistics.median(now):.1f}× faster"
                 if before and now else "n/a")  # fmt: skip
        lines.append(f"| {view} view | {med(before)} | {med(now)} | {ratio} |")
    demand = rows["demand"]
    lines += [
        "",
        f"Paid only on demand now (citation view): opening the Authors tab builds the co-author "
        f"graph once, {demand['tab']:.2f} s; building all {demand['count']} download files of "
        f"that state ({demand['bytes'] / 1e6:.1f} MB), as {demand['count']} clicks would, "
        f"{demand['files']:.2f} s in total.",
    ]
    if rows.get("baseline_error"):
        lines += ["", f"Baseline not measured: {rows['baseline_error']}"]
    lines.append(END)
    return "\n".join(lines)


def write_results(text: str, path: Path = RESULTS) -> None:
    """Replace this benchmark's section of RESULTS.md, keeping the other sections."""
    write_section(text, BEGIN, END, path)


def main(argv: list[str] | None = None) -> str:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=1500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS, help="the RESULTS.md to update")
    args = parser.parse_args(argv)
    rows: dict[str, Any] = {"machine": machine()}
    corpus = generated_corpus(args.works)
    seeds = list(corpus.works.loc[corpus.works["is_seed"].astype(bool), "id"])
    corpus.manifest.update({"seeds": seeds, "sources": ["openalex", "pubmed"]})
    counts = corpus.counts()
    rows["counts"] = (f"{counts['works']:,} works, {counts['authors']:,} authors, "
                      f"{counts['links']:,} links")  # fmt: skip
    bounds = year_bounds(corpus)
    assert bounds is not None and bounds[1] - bounds[0] > args.runs + 1
    saved_env = os.environ.get("CITEGRAPH_SNAPSHOT")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            _measure(rows, corpus, Path(tmp), bounds, args.runs)
    finally:  # the page reads its snapshot from here; leave the caller's setting as it was
        if saved_env is None:
            os.environ.pop("CITEGRAPH_SNAPSHOT", None)
        else:
            os.environ["CITEGRAPH_SNAPSHOT"] = saved_env
    text = section(rows, args, argv)
    write_results(text, args.out)
    print(text)
    return text


def _measure(
    rows: dict[str, Any], corpus: Any, tmp: Path, bounds: tuple[int, int], runs: int
) -> None:
    snapshot = save_snapshot(corpus, tmp / "generated.json")
    os.environ["CITEGRAPH_SNAPSHOT"] = str(snapshot)
    before_app = ROOT / f"_bench_options_baseline_{os.getpid()}.py"  # beside app.py (ROOT)
    try:
        source = subprocess.run(["git", "show", f"{BASELINE}:app.py"], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout  # fmt: skip
        before_app.write_text(source, encoding="utf-8")
        for view in VIEWS:
            print(f"== before, {view}", flush=True)
            rows[f"before:{view}"] = filter_changes(before_app, view, bounds, runs)
    except (subprocess.CalledProcessError, RuntimeError, StopIteration) as exc:
        rows["baseline_error"] = f"{type(exc).__name__}: {exc}".strip()[:300]
    finally:
        before_app.unlink(missing_ok=True)
    for view in VIEWS:
        print(f"== now, {view}", flush=True)
        rows[f"now:{view}"] = filter_changes(ROOT / "app.py", view, bounds, runs)
        rows.setdefault(f"before:{view}", None)
    rows["demand"] = on_demand(ROOT / "app.py", bounds)


if __name__ == "__main__":
    main()
