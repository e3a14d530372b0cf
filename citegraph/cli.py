"""Command line: ``python -m citegraph {info,export,import-facts,fetch} ...``.

Errors print one message on stderr and exit with status 2, never a traceback.

Exit status: 0 done; 2 error (nothing written); 3 (`EXIT_PARTIAL`) ``fetch`` wrote a snapshot
with gaps: some calls still failed after the crawl asked them again (manifest ``state`` is
"partial", every gap is in ``manifest.missing``); running the same command again fetches the
missing parts and replays the rest from the HTTP cache; 130 interrupted; 141 (`EXIT_PIPE`) the
reader of standard output went away (``info … | head -1``): quietly, as a command killed by
SIGPIPE would, with the rest of the output dropped.

``export`` and ``works`` take every filter and view option of the page
(`citegraph.views.PageOptions`), so the same options write the same bytes as the page's
downloads; ``-o -`` writes to standard output.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from citegraph import CitegraphError, __version__

if TYPE_CHECKING:
    from citegraph.model import Corpus
    from citegraph.sources.openalex_snapshot import OpenAlexSnapshotSource
    from citegraph.views import PageOptions

DEFAULT_FACTS = (
    Path(__file__).resolve().parent.parent.parent / "shared/data/seed-40603629/works.jsonl"
)
#: Exit status of a ``fetch`` that wrote a snapshot with gaps (state "partial").
EXIT_PARTIAL = 3
#: Exit status when standard output was closed by its reader (128 + SIGPIPE, as a shell reports
#: a command the signal ended), so ``set -o pipefail`` scripts see what they see for any tool.
EXIT_PIPE = 141

DEFAULT_SNAPSHOT = Path(__file__).resolve().parent.parent / "cache" / "seed-40603629.json"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser(command=argv[0] if argv else None)
    args = parser.parse_args(argv)
    try:
        status = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except BrokenPipeError:
        _drop_stdout()
        return EXIT_PIPE
    except CitegraphError as exc:
        print(f"citegraph: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("citegraph: interrupted; nothing was written.", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still no traceback for the user, but say what to report
        print(
            f"citegraph: unexpected error ({type(exc).__name__}: {exc}). "
            "Please report it with the command you ran.",
            file=sys.stderr,
        )
        return 2


def _drop_stdout() -> None:
    """Point standard output at the null device, as the Python docs advise after a
    `BrokenPipeError` (signal module, "Note on SIGPIPE"), so the final flush at exit does not
    fail again; stderr stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (e.g. captured in a test)
        pass


def _parser(*, command: str | None = None) -> argparse.ArgumentParser:
    """The CLI's parser. With ``command`` given, the page-option flags (whose definitions import
    the graph and export stack) are added only when it is ``export`` or ``works``, so that
    ``info`` and ``fetch`` start as fast as before."""
    parser = argparse.ArgumentParser(
        prog="python -m citegraph",
        description="Citation, similarity and co-author networks around a seed paper.",
    )
    parser.add_argument("--version", action="version", version=f"citegraph {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    info = sub.add_parser("info", help="print what a snapshot holds, one 'name: value' per line")
    info.add_argument("snapshot", type=Path)
    info.set_defaults(func=_cmd_info)

    same = (
        "Every filter and view option of the page is a flag here; the same options give the "
        "same bytes as the page's download. The page's Downloads tab shows the flags of what "
        "is on screen."
    )
    export = sub.add_parser(
        "export", help="write a (filtered) graph from a snapshot", description=same
    )
    export.add_argument("snapshot", type=Path)
    export.add_argument(
        "--format", choices=["gexf", "graphml", "cyjs", "json", "csv", "html", "vosviewer"],
        required=True,
        help="graph file format; csv is a zip of nodes.csv and edges.csv; html is the page's "
        "interactive drawing, coloured by --color-by",
    )  # fmt: skip
    if command in (None, "export"):
        _add_options(export)
    export.set_defaults(func=_cmd_export)

    works = sub.add_parser(
        "works",
        help="write the (filtered) works as BibTeX, RIS or CSV",
        description=same + " Only the filters change the list of works; the view options are "
        "accepted so one set of flags serves both commands.",
    )
    works.add_argument("snapshot", type=Path)
    works.add_argument("--format", choices=["bibtex", "ris", "csv"], required=True)
    if command in (None, "works"):
        _add_options(works)
    works.set_defaults(func=_cmd_works)

    fetch = sub.add_parser(
        "fetch",
        help="fetch a seed's neighbourhood from PubMed, iCite and OpenAlex into a snapshot",
        epilog=(
            "exit status: 0 done; 2 error, nothing written; 3 partial: the snapshot was written "
            "but some calls still failed after being asked again (listed by id in "
            "manifest.missing); run the same command again to fetch the missing parts (the rest "
            "comes from the cache); 130 interrupted (the partial corpus is written)."
        ),
    )
    fetch.add_argument(
        "seeds",
        nargs="+",
        metavar="SEED",
        help="PMID, DOI, OpenAlex id, PMCID, PubMed/doi.org URL or a title",
    )
    fetch.add_argument("--depth", type=int, choices=[1, 2], default=1)
    fetch.add_argument(
        "--max-per-kind",
        type=int,
        default=100,
        metavar="N",
        help="cap on similar articles, citing works per source (newest first) and depth-2 works per kind",
    )
    fetch.add_argument(
        "--workers", type=int, default=8, metavar="N",
        help="calls out at once (default 8: the services side by side, each at its own rate "
        "limit; 1 asks one call at a time). Both send the same requests and give the same corpus",
    )  # fmt: skip
    fetch.add_argument(
        "--sources",
        default="pubmed,icite,openalex",
        help="comma-separated subset of pubmed,icite,openalex,openalex-snapshot",
    )
    fetch.add_argument(
        "--openalex-snapshot",
        type=Path,
        metavar="DIR",
        help="local OpenAlex snapshot (data/works/…, or Parquet converted from it) read with "
        "DuckDB: the openalex-snapshot source (no rate limit, no key)",
    )
    fetch.add_argument("--pubmed-url", metavar="U", help="E-utilities base URL")
    fetch.add_argument("--icite-url", metavar="U", help="iCite API base URL")
    fetch.add_argument("--openalex-url", metavar="U", help="OpenAlex API base URL")
    fetch.add_argument(
        "--offline",
        action="store_true",
        help="answer only from the HTTP cache (no network requests)",
    )
    fetch.add_argument("-o", "--output", type=Path, required=True)
    fetch.set_defaults(func=_cmd_fetch)

    facts = sub.add_parser(
        "import-facts", help="(re)build the bundled snapshot from verified facts (works.jsonl)"
    )
    facts.add_argument("--facts", type=Path, default=DEFAULT_FACTS)
    facts.add_argument("-o", "--output", type=Path, default=DEFAULT_SNAPSHOT)
    facts.set_defaults(func=_cmd_import_facts)
    return parser


def _add_options(parser: argparse.ArgumentParser) -> None:
    from citegraph.views import PageOptions

    PageOptions.add_cli_arguments(parser)
    parser.add_argument("-o", "--output", type=Path, required=True,
                        help="file to write; - writes to standard output")  # fmt: skip


def _options(args: argparse.Namespace) -> tuple[Corpus, PageOptions]:
    """The snapshot's corpus and the page options the command's flags name."""
    from dataclasses import replace

    from citegraph.graphs import journal_ids
    from citegraph.snapshot import load_snapshot
    from citegraph.views import PageOptions

    options = PageOptions.from_cli(args)  # a bad option is reported before the file is read
    corpus = load_snapshot(args.snapshot)
    if options.journals:  # named as the page names them (journal ids), so files say the same
        found = journal_ids(corpus, options.journals)
        ids = [i for j in options.journals for i in (found[j] or [j])]
        options = replace(options, journals=tuple(ids))
    return corpus, options


def _cmd_works(args: argparse.Namespace) -> int:
    from citegraph.export import export_works_file

    corpus, options = _options(args)
    written = export_works_file(options.filter(corpus), args.format)  # counts what it holds
    _write(args.output, written.data)
    print(f"wrote {args.output}: {written.summary}", file=sys.stderr)
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from citegraph.snapshot import load_snapshot

    corpus = load_snapshot(args.snapshot)
    manifest = corpus.manifest
    lines = {
        "file": str(args.snapshot),
        "format_version": manifest.get("format_version"),
        "created_at": manifest.get("created_at"),
        "software_version": manifest.get("software_version"),
        "origin": manifest.get("origin", ""),
        "seeds": ", ".join(manifest.get("seeds", [])),
        "sources": ", ".join(manifest.get("sources", [])),
        "state": manifest.get("state", "complete"),
    }
    lines.update(corpus.counts())
    for service, count in manifest.get("requests", {}).items():
        lines[f"requests.{service}"] = count
    for name, value in lines.items():
        print(f"{name}: {value}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from citegraph.views import build_filtered_view, file_bytes

    corpus, options = _options(args)
    filtered, G = build_filtered_view(corpus, options)
    # Drawn as the page draws it (positions, colours, cluster names): same options, same bytes.
    what = "html" if args.format == "html" else "graph"
    data = file_bytes(filtered, G, what, args.format, color_by=options.color_by,
                      filters=options.to_query())  # fmt: skip
    _write(args.output, data)
    print(
        f"wrote {args.output} ({options.view} graph, {G.number_of_nodes()} nodes, "
        f"{G.number_of_edges()} edges, {args.format})",
        file=sys.stderr,
    )
    return 0


def _cmd_fetch(args: argparse.Namespace) -> int:
    from citegraph.collect import Collector, FetchOptions, gap_counts, make_clients
    from citegraph.ids import parse_seeds
    from citegraph.snapshot import save_snapshot

    seeds = parse_seeds("\n".join(args.seeds))
    sources = tuple(s.strip() for s in args.sources.split(",") if s.strip())
    snapshot = _snapshot_source(args, sources)
    sources = tuple(s for s in sources if s != "openalex-snapshot")
    # FetchOptions names the API sources only; with the snapshot alone, its default stands in.
    options = FetchOptions(depth=args.depth, max_per_kind=args.max_per_kind, workers=args.workers,
                           **({"sources": sources} if sources or not snapshot else {}))  # fmt: skip
    clients = make_clients(
        sources,
        pubmed_url=args.pubmed_url,
        icite_url=args.icite_url,
        openalex_url=args.openalex_url,
        offline=args.offline,
    )
    if snapshot is not None:
        clients.extra.append(snapshot)
    bar = _ProgressBar()
    collector = Collector(seeds, clients, options, progress=bar)
    try:
        corpus = collector.run()
    except KeyboardInterrupt:
        bar.close()
        corpus = collector.cancel()
        save_snapshot(corpus, args.output)
        print(
            f"citegraph: interrupted; the partial corpus was saved to {args.output}.",
            file=sys.stderr,
        )
        return 130
    finally:
        bar.close()
    save_snapshot(corpus, args.output)
    counts = corpus.counts()
    requests = ", ".join(f"{k} {v}" for k, v in corpus.manifest.get("requests", {}).items())
    print(
        f"wrote {args.output}: {counts['works']} works, {counts['authors']} authors, "
        f"{counts['links']} links; requests: {requests or 'none'}",
        file=sys.stderr,
    )
    if corpus.manifest.get("state") == "partial":
        gaps = gap_counts(corpus.manifest)
        print(
            f"citegraph: partial: {gaps['works']} work record(s), {gaps['link_lists']} link "
            f"list(s) and {gaps['seeds']} seed lookup(s) could not be fetched, even when asked "
            f"again (listed by id in the snapshot's manifest.missing; `python -m citegraph info "
            f"{args.output}`). Run the same command again to fetch the missing parts.",
            file=sys.stderr,
        )
        return EXIT_PARTIAL
    if counts["missing"]:
        print(
            f"{counts['missing']} item(s) could not be fetched: see `python -m citegraph info "
            f"{args.output}` and the snapshot's manifest.missing.",
            file=sys.stderr,
        )
    return 0


def _snapshot_source(
    args: argparse.Namespace, sources: tuple[str, ...]
) -> OpenAlexSnapshotSource | None:
    """The openalex-snapshot source when ``--openalex-snapshot DIR`` is given (which enables it)."""
    if args.openalex_snapshot is None:
        if "openalex-snapshot" in sources:
            raise CitegraphError("--sources openalex-snapshot needs --openalex-snapshot DIR: the "
                                 "folder holding the snapshot's data/works (or its Parquet).")  # fmt: skip
        return None
    from citegraph.sources.openalex_snapshot import OpenAlexSnapshotSource

    return OpenAlexSnapshotSource(args.openalex_snapshot)


class _ProgressBar:
    """A tqdm bar per crawl stage on stderr (quiet when stderr is not a terminal)."""

    def __init__(self) -> None:
        self._bar = None
        self._stage = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if stage != self._stage:
            self.close()
            self._stage = stage
            self._bar = tqdm(
                total=total,
                desc=stage,
                unit="step",
                file=sys.stderr,
                leave=False,
                disable=not sys.stderr.isatty(),
            )
        if self._bar is not None:
            self._bar.total = total
            self._bar.n = done
            self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _cmd_import_facts(args: argparse.Namespace) -> int:
    from citegraph.collect import collect_facts
    from citegraph.snapshot import save_snapshot

    corpus = collect_facts(args.facts)
    save_snapshot(corpus, args.output)
    counts = corpus.counts()
    print(
        f"wrote {args.output}: {counts['works']} works, {counts['authors']} authors, "
        f"{counts['links']} links from {args.facts.name}",
        file=sys.stderr,
    )
    return 0


def _write(path: Path, data: bytes) -> None:
    if str(path) == "-":
        sys.stdout.buffer.write(data)
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        raise CitegraphError(f"cannot write {path}: {exc.strerror}.") from None
