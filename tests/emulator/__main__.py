"""``python -m tests.emulator``: run the API emulator, print its seed, or write its corpus or
its ground truth."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tests.emulator.corpus import (
    DEFAULT_GENERATOR_SEED,
    CorpusError,
    generate_corpus,
    load_corpus,
    write_corpus,
)
from tests.emulator.server import EmulatorServer
from tests.emulator.snapshot import write_openalex_snapshot
from tests.emulator.variety import truth


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.emulator",
        description="Local emulator of PubMed E-utilities, iCite and OpenAlex (SYNTHETIC data).",
    )
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (keep it local)")
    parser.add_argument("--corpus", help="corpus JSON written by --write-corpus")
    parser.add_argument(
        "--generator-seed", type=int, default=DEFAULT_GENERATOR_SEED, help="seed of the generator"
    )
    parser.add_argument("--latency-ms", type=float, default=0, help="delay added to each answer")
    parser.add_argument("--ncbi-rps", type=float, help="PubMed requests/second before 429")
    parser.add_argument("--openalex-rps", type=float, help="OpenAlex requests/second before 403")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of failing requests")
    parser.add_argument("--timeout-s", type=float, default=3.0, help="stall of a timeout fault")
    parser.add_argument(
        "--require-openalex-key", action="store_true", help="cursor paging needs api_key"
    )
    parser.add_argument(
        "--openalex-daily-budget", type=float, help="USD per day for OpenAlex list calls"
    )
    parser.add_argument("--log", help="append one JSON line per request to this file")
    parser.add_argument("--print-seed", action="store_true", help="print the seed PMID and exit")
    parser.add_argument("--write-corpus", metavar="PATH", help="write the corpus JSON and exit")
    parser.add_argument(
        "--write-openalex-snapshot",
        metavar="DIR",
        help="write the OpenAlex works in the snapshot layout (data/works/…) and exit",
    )
    parser.add_argument(
        "--truth",
        metavar="FILE",
        help="write the ground truth (what a faithful client gets) and exit",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        corpus = load_corpus(args.corpus) if args.corpus else generate_corpus(args.generator_seed)
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.print_seed:
        print(corpus["seed"]["pmid"])
        return 0
    if args.truth:
        facts = truth(corpus)
        Path(args.truth).write_text(
            json.dumps(facts, indent=1, ensure_ascii=False), encoding="utf-8"
        )
        print(
            f"wrote ground truth of the SYNTHETIC corpus ({len(facts['works'])} works) to {args.truth}"
        )
        return 0
    if args.write_openalex_snapshot:
        works = write_openalex_snapshot(corpus, args.write_openalex_snapshot)
        print(f"wrote SYNTHETIC OpenAlex snapshot (works) to {works}")
        return 0
    if args.write_corpus:
        path = write_corpus(corpus, args.write_corpus)
        print(f"wrote SYNTHETIC corpus ({len(corpus['works'])} works) to {path}")
        return 0
    try:
        server = EmulatorServer(
            corpus,
            host=args.host,
            port=args.port,
            log_path=args.log,
            latency_ms=args.latency_ms,
            ncbi_rps=args.ncbi_rps,
            openalex_rps=args.openalex_rps,
            fault_rate=args.fault_rate,
            timeout_s=args.timeout_s,
            require_openalex_key=args.require_openalex_key,
            openalex_daily_budget=args.openalex_daily_budget,
        )
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    print(
        f"Citegraph API emulator (SYNTHETIC data, seed PMID {server.seed}) "
        f"listening on {server.base_url}",
        flush=True,
    )
    print(f"  CITEGRAPH_PUBMED_URL={server.pubmed_url}", flush=True)
    print(f"  CITEGRAPH_ICITE_URL={server.icite_url}", flush=True)
    print(f"  CITEGRAPH_OPENALEX_URL={server.openalex_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
