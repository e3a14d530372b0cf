"""What opening the page costs before anything is drawn (`citegraph.startup`), against the local
emulator (GENERATED, synthetic corpus):

- the network probe when a host answers, refuses, or never answers (a loopback listener whose
  accept queue is full: SYNs are dropped, as by a firewall that drops packets);
- the cache-only crawl with an empty cache (what a first open of an uncached seed adds) and with
  a warm one (the "instant" open), against a live fetch at the real default rates (NCBI 3/s,
  iCite 5/s, OpenAlex 10/s) with ``--latency-ms`` per answer.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_open.py [--runs 3] [--latency-ms 200] \
        [--out benchmarks/RESULTS.md]

Writes its section of RESULTS.md between its markers (the rest of the file is left alone).
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.results import write_section  # noqa: E402
from citegraph.startup import FetchRequest, cached_corpus, probe_network
from tests.emulator.server import EmulatorServer

BEGIN = "<!-- bench_open: begin -->"
END = "<!-- bench_open: end -->"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def _median(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _full_listener(stack: ExitStack) -> int:
    """A loopback port whose connects hang: a listener with a full accept queue."""
    server = stack.enter_context(socket.socket())
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    for _ in range(4):  # fill the queue; later SYNs are dropped
        client = stack.enter_context(socket.socket())
        client.setblocking(False)
        client.connect_ex(("127.0.0.1", port))
    time.sleep(0.1)
    return port


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(runs: int, latency_ms: float) -> list[tuple[str, str]]:
    rows = []
    with ExitStack() as stack, EmulatorServer(latency_ms=latency_ms) as server:
        hanging = _full_listener(stack)
        for label, urls in (
            ("probe: the host answers", [server.pubmed_url]),
            ("probe: refused (nothing listens)", [f"http://127.0.0.1:{_free_port()}"]),
            ("probe: no answer (SYNs dropped)", [f"http://127.0.0.1:{hanging}"]),
        ):
            seconds, probe = _median(lambda urls=urls: probe_network(urls=urls), runs)
            rows.append((label, f"{seconds:.3f} s ({probe.describe()})"))
        urls = {"pubmed_url": server.pubmed_url, "icite_url": server.icite_url,
                "openalex_url": server.openalex_url}  # fmt: skip
        request = FetchRequest(server.seed)
        empty, cold, warm = [], [], []
        works = 0
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as cache_dir:
                os.environ["CITEGRAPH_CACHE_DIR"] = cache_dir
                start = time.perf_counter()
                assert cached_corpus(request, **urls) is None
                empty.append(time.perf_counter() - start)
                start = time.perf_counter()
                corpus = request.collector(**urls).run()  # default rates: NCBI 3/s …
                cold.append(time.perf_counter() - start)
                start = time.perf_counter()
                again = cached_corpus(request, **urls)
                warm.append(time.perf_counter() - start)
                assert again is not None and again.counts() == corpus.counts()
                works = len(corpus.works)
        rows += [
            ("cache-only crawl, empty cache (added to an uncached first open)",
             f"{statistics.median(empty):.3f} s"),
            (f"live fetch, empty cache, default rates, {latency_ms:g} ms per answer "
             f"({works} works)", f"{statistics.median(cold):.2f} s"),
            ("open from the cache (cache-only crawl, warm cache)",
             f"{statistics.median(warm):.2f} s"),
        ]  # fmt: skip
    return rows


def render(rows: list[tuple[str, str]], argv: Sequence[str]) -> str:
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        BEGIN,
        "## Opening the page (`bench_open.py`)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/bench_open.py "
        f"{' '.join(argv)}` against the emulator (generated data). Machine: {os.cpu_count()} "
        f"cores, load average {load} at the start (shared); Python {platform.python_version()}.",
        "",
        "| step (median) | time |",
        "|---|---|",
        *[f"| {label} | {value} |" for label, value in rows],
        END,
    ]
    return "\n".join(lines)


def write_results(section: str, out: Path) -> None:
    """Replace this benchmark's section of ``out`` (or append it)."""
    write_section(section, BEGIN, END, out)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    rows = measure(args.runs, args.latency_ms)
    for label, value in rows:
        print(f"{label:80s} {value}")
    write_results(render(rows, sys.argv[1:] if argv is None else argv), args.out)


if __name__ == "__main__":
    main()
