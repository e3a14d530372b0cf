"""Time a depth-1 and a depth-2 crawl against the local emulator (GENERATED, synthetic corpus):
first with an empty HTTP cache, then again with the cache warm (what a second visit costs).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_collect.py [--runs 3] [--latency-ms 0]

``--latency-ms`` adds a delay to every emulator answer, to see how the crawl behaves when the
services are slow (real E-utilities answers take a few hundred ms). Prints medians and the
cold/warm ratio, and the requests each run made per service.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from citegraph.collect import FetchOptions, fetch_corpus, make_clients
from tests.emulator.server import EmulatorServer


def _crawl(server: EmulatorServer, options: FetchOptions) -> tuple[float, dict]:
    clients = make_clients(
        pubmed_url=server.pubmed_url,
        icite_url=server.icite_url,
        openalex_url=server.openalex_url,
        rate=1000,  # the emulator has no rate limit; real defaults are 3/s (NCBI) and 10/s
    )
    start = time.perf_counter()
    corpus = fetch_corpus([server.seed], clients=clients, options=options)
    return time.perf_counter() - start, corpus.manifest["requests"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()

    with EmulatorServer(latency_ms=args.latency_ms) as server:
        for label, options in (
            ("depth 1", FetchOptions(depth=1)),
            ("depth 2, max 50 per kind", FetchOptions(depth=2, max_per_kind=50)),
        ):
            cold, warm, requests = [], [], {}
            for _ in range(args.runs):
                with tempfile.TemporaryDirectory() as cache_dir:
                    os.environ["CITEGRAPH_CACHE_DIR"] = cache_dir
                    seconds, requests = _crawl(server, options)
                    cold.append(seconds)
                    warm.append(_crawl(server, options)[0])
            c, w = statistics.median(cold), statistics.median(warm)
            print(f"{label:28s} cold {c:6.2f} s  warm {w:6.2f} s  cold/warm {c / w:5.1f}x  "
                  f"requests (cold) {requests}")  # fmt: skip


if __name__ == "__main__":
    main()
