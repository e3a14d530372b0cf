"""kill -9 in the middle of a CLI fetch, then a rerun: nothing lost, nothing half-written.

Each case runs ``python -m citegraph fetch`` against the emulator (SYNTHETIC data) in a
subprocess with its own ``CITEGRAPH_CACHE_DIR``, waits until the emulator has logged a given
number of requests (the kill point; the emulator logs a request before it answers, and the
injected latency keeps that answer pending) and sends SIGKILL. Then:

- the HTTP cache (SQLite, WAL) passes ``PRAGMA integrity_check``;
- the good snapshot an earlier fetch left at the output path is still there, byte for byte: no
  half-written one replaced it (saves go to ``OUT.part`` and are renamed);
- a rerun with the same cache completes, gives the same corpus as an uninterrupted run (counts
  and every work, author, authorship and link id), and sends fewer requests than a cold run:
  at most the cold count less the answers the killed run had cached.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from citegraph import cli
from citegraph.snapshot import load_snapshot
from tests.apprunner import PRIVATE_ENV, ROOT
from tests.emulator.fixtures import EmulatorHandle

pytestmark = pytest.mark.reliability

#: Per-request latency injected by the emulator: the crawl takes a few seconds, and an answer
#: is still pending when its request shows up in the log.
LATENCY_MS = 100
#: Kill after this many logged requests (a cold depth-1 crawl of the emulator's seed sends 12;
#: the figure is checked below). "last" waits for the cold run's final request: the kill lands
#: while its answer is pending or during merge and save.
KILL_POINTS = [1, 3, 5, 7, 9, "last"]
WAIT_S = 60.0


def _fetch_cmd(emulator: EmulatorHandle, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "citegraph", "fetch", emulator.seed,
        "--pubmed-url", emulator.pubmed_url, "--icite-url", emulator.icite_url,
        "--openalex-url", emulator.openalex_url, "-o", str(out),
    ]  # fmt: skip


def _env(cache_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PRIVATE_ENV}
    env["CITEGRAPH_CACHE_DIR"] = str(cache_dir)
    return env


def _run(emulator: EmulatorHandle, cache_dir: Path, out: Path) -> subprocess.CompletedProcess:
    """One fetch to completion (raises with its stderr when it fails)."""
    proc = subprocess.run(
        _fetch_cmd(emulator, out), cwd=ROOT, env=_env(cache_dir),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, f"fetch failed ({proc.returncode}):\n{proc.stderr}"
    return proc


def _identity(path: Path) -> dict[str, Any]:
    """What must be equal between two runs: counts and the ids of every row."""
    corpus = load_snapshot(path)
    return {
        "counts": corpus.counts(),
        "works": sorted(corpus.works["id"]),
        "authors": sorted(corpus.authors["id"]),
        "authorships": sorted(corpus.authorships[["work_id", "author_id"]].itertuples(index=False)),
        "links": sorted(corpus.links[["source", "target", "kind"]].itertuples(index=False)),
        "missing": len(corpus.manifest.get("missing", [])),
    }


@pytest.fixture(scope="module")
def cold(emulator_server, tmp_path_factory) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """An uninterrupted run from an empty cache: its corpus and its request count."""
    emulator = EmulatorHandle(emulator_server)
    emulator.reset()
    emulator.configure(latency_ms=LATENCY_MS)
    folder = tmp_path_factory.mktemp("cold")
    out = folder / "cold.json"
    try:
        _run(emulator, folder / "cache", out)
        n_requests = len(emulator.requests())
    finally:
        emulator.reset()
    return {"identity": _identity(out), "requests": n_requests, "snapshot": out.read_bytes()}


def _wait_for_requests(emulator: EmulatorHandle, proc: subprocess.Popen, n: int) -> int:
    """Poll the emulator's log until it holds ``n`` requests (or the fetch has ended)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        seen = len(emulator.requests())
        if seen >= n or proc.poll() is not None:
            return seen
        time.sleep(0.005)
    raise AssertionError(f"the fetch did not reach {n} requests in {WAIT_S:.0f} s")


def test_a_cold_run_is_a_real_crawl(cold: dict[str, Any]) -> None:
    # The kill points are meaningful only if the crawl spans them.
    assert cold["requests"] >= 11
    assert cold["identity"]["counts"]["works"] > 100
    assert cold["identity"]["missing"] == 0


@pytest.mark.parametrize("point", KILL_POINTS, ids=[f"after-{p}" for p in KILL_POINTS])
def test_kill_9_then_rerun_gives_the_same_corpus(
    point: int | str,
    cold: dict[str, Any],
    emulator: EmulatorHandle,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    record_property,  # type: ignore[no-untyped-def]
) -> None:
    n = cold["requests"] if point == "last" else int(point)
    cache_dir = tmp_path / "cache"
    out = tmp_path / "out.json"
    out.write_bytes(cold["snapshot"])  # a good snapshot from an earlier fetch is in place
    emulator.configure(latency_ms=LATENCY_MS)
    proc = subprocess.Popen(
        _fetch_cmd(emulator, out), cwd=ROOT, env=_env(cache_dir),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_requests(emulator, proc, n)
        assert proc.poll() is None, "the fetch ended before its kill point"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    # The cache survived: SQLite recovers its WAL and finds nothing wrong.
    db = cache_dir / "http.sqlite"
    assert db.exists()
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        cached = con.execute("SELECT count(*) FROM responses").fetchone()[0]
    con.close()
    # The crawl asks the services side by side: several requests are out at once, so the log
    # cannot tell which answers were complete at the kill. The cache can (one row per whole
    # answer, and the file is intact).
    answered = cached

    # Nothing half-written where the snapshot goes (a stray OUT.part may hold a partial write;
    # nothing reads it). Either the earlier snapshot is still there byte for byte, or, when the
    # kill came after the save's rename (a loaded machine can let the fetch finish its save
    # before the signal lands; only "last" is that late), a whole new snapshot of the same corpus.
    if out.read_bytes() != cold["snapshot"]:
        assert point == "last", "a killed fetch changed the snapshot in place"
        assert _identity(out) == cold["identity"], "a killed fetch left a different snapshot"

    # The rerun runs the same CLI in this process (a second interpreter start-up per case would
    # double the file's run time and test nothing more). The killed run's requests still in the
    # emulator's injected latency end first, so the rerun's count holds only its own.
    assert emulator.wait_idle(), "the emulator is still answering the killed fetch"
    emulator.reset()
    emulator.configure(latency_ms=LATENCY_MS)
    monkeypatch.setenv("CITEGRAPH_CACHE_DIR", str(cache_dir))
    assert cli.main(_fetch_cmd(emulator, out)[3:]) == 0
    rerun = len(emulator.requests())
    # Figures for docs/reliability.md (`--junitxml` shows them).
    for name, value in (("cold", cold["requests"]), ("answered_before_kill", answered),
                        ("cached", cached), ("rerun", rerun)):  # fmt: skip
        record_property(name, value)
    assert not out.with_name(out.name + ".part").exists()
    assert _identity(out) == cold["identity"]
    # Each answer the killed run cached is one request the rerun does not send.
    assert rerun <= cold["requests"] - cached
    if answered:
        assert rerun < cold["requests"]
