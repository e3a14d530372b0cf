"""Snapshot scale: depth-1 neighbourhoods of many seeds over a GENERATED OpenAlex snapshot of
1M works — DuckDB vs Spark local vs the OpenAlex API projected from its request count.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_snapshot_scale.py \\
        [--works 1000000] [--seeds 10000] [--runs 1] [--engines duckdb,source,spark,spark-parquet] \\
        [--workdir /tmp/…] [--keep] [--out benchmarks/RESULTS.md]

1. Generates the snapshot in its real layout (``data/works/updated_date=…/part_000.gz``, gzip
   JSON Lines, one Work object a line, and the ``manifest``) with DuckDB's JSON writer straight
   from SQL (``COPY … (FORMAT json, COMPRESSION gzip)``, one part per partition): every value
   is a deterministic hash of (``--generator-seed``, work, slot), so the same arguments give the
   same bytes. Titles, authors and journals say "Generated"; nothing describes a real paper.
   Works cite older works (mostly recent ones, some "classics", so citation counts are skewed),
   5–35 references each; 10 related works; 90 % have a DOI, 70 % a PMID.
2. Converts it to Parquet with the project's command (`convert_to_parquet`).
3. For ``--seeds`` works picked by hash, times (median of ``--runs``; one run at 1M is the
   default, say so when quoting) in a fresh process each, with the process tree's peak RSS:
   ``duckdb`` the job's definition in DuckDB SQL over the Parquet (neighbourhoods table, edge
   table, slice as gzip JSON Lines: what the Spark job writes), ``source`` the page's path
   (`OpenAlexSnapshotSource.fetch_links` for references, related and citing works of every seed,
   ≤100 each, records parsed), and ``spark`` the Spark job (``local[2]``) over JSON Lines and
   over Parquet.
4. Projects the OpenAlex API path from the requests a crawl makes for the same seeds (one
   singleton resolve each, one citing-works list page each, the neighbourhood's works 100 per
   OR-ed list call) at 100 requests/s and 10,000 list calls/day (the free key's $1/day).

Prints a table and, with ``--out``, replaces its section of RESULTS.md. Deletes the workdir
unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.results import write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
BEGIN, END = "<!-- bench_snapshot_scale: begin -->", "<!-- bench_snapshot_scale: end -->"
DATES = 12  # updated_date partitions
ID0 = 2_000_000_000  # W-ids W2000000000…
#: OpenAlex, all tiers: 100 requests/s; the free key's $1/day buys 10,000 list calls.
API_RPS, API_LISTS_PER_DAY, API_LIST_USD = 100, 10_000, 0.0001
CAP = 100  # the crawl's max_per_kind


# ------------------------------------------------------------------------------- generate


def _u(con_seed: int, *parts: str) -> str:
    """SQL for a uniform [0, 1) from a hash of the generator seed and ``parts``."""
    return f"(hash({con_seed}, {', '.join(parts)}) % 1000003) / 1000003.0"


def works_sql(n: int, seed: int, lo: int = 0, hi: int | None = None) -> str:
    """SELECT of generated Work objects ``lo``…``hi - 1`` of ``n`` (columns = the JSON keys)."""
    u = lambda *p: _u(seed, *p)  # noqa: E731
    recent = f"greatest(i - 1 - floor(least(i - 1, 5000) * {u('i', 'j', '2')}), 0)"
    classic = f"floor(i * pow({u('i', 'j', '3')}, 4))"
    target = f"CASE WHEN {u('i', 'j', '1')} < 0.3 THEN {classic} ELSE {recent} END"
    return f"""
    SELECT 'https://openalex.org/W' || ({ID0} + i) AS id,
      CASE WHEN {u("i", "'doi'")} < 0.9 THEN 'https://doi.org/10.5555/gen.' || i END AS doi,
      'Generated work ' || i AS display_name,
      'Generated work ' || i AS title,
      year(dt) AS publication_year,
      strftime(dt, '%Y-%m-%d') AS publication_date,
      {{'openalex': 'https://openalex.org/W' || ({ID0} + i),
        'pmid': CASE WHEN {u("i", "'pmid'")} < 0.7
                THEN 'https://pubmed.ncbi.nlm.nih.gov/' || (30000000 + i) END}} AS ids,
      'article' AS type,
      {{'source': {{'display_name': 'Generated Journal ' || (i % 500)}}}} AS primary_location,
      list_transform(range(3), lambda a: {{
        'author_position': CASE a WHEN 0 THEN 'first' WHEN 2 THEN 'last' ELSE 'middle' END,
        'author': {{'id': 'https://openalex.org/A' || (3000000000 + hash({seed}, i, a) % {max(n // 2, 1)}),
                   'display_name': 'Generated Author ' || (hash({seed}, i, a) % {max(n // 2, 1)})}},
        'institutions': []}}) AS authorships,
      list_distinct(list_transform(range(CAST(CASE WHEN i = 0 THEN 0 ELSE
          least(i, 5 + hash({seed}, i, 'k') % 31) END AS BIGINT)),
        lambda j: 'https://openalex.org/W' || ({ID0} + ({target})::BIGINT))) AS referenced_works,
      list_transform(range(10), lambda j: 'https://openalex.org/W' || ({ID0} + (
        i + {n} + (CASE WHEN j % 2 = 0 THEN 1 ELSE -1 END)
        * (1 + hash({seed}, i, j, 'rel') % least(2000, {max(n // 2 - 1, 1)}))) % {n})) AS related_works,
      '2026-' || lpad((1 + i * {DATES} // {n})::VARCHAR, 2, '0')
        || '-01T04:12:33.512877' AS updated_date
    FROM (SELECT i, DATE '1990-01-01' + CAST(floor(i * 12775.0 / {n}) AS INTEGER) AS dt
          FROM range({lo}, {n if hi is None else hi}) t(i))
    """


def generate_snapshot(folder: Path, n: int, *, seed: int = 42, threads: int = 2) -> dict:
    """Write ``n`` generated works in the snapshot layout under ``folder``; return sizes."""
    import duckdb

    works = folder / "data" / "works"
    works.mkdir(parents=True)
    con = duckdb.connect(config={"threads": threads, "preserve_insertion_order": False})
    entries = []
    for d in range(DATES):  # partition d holds works lo…hi-1 (updated_date follows the id)
        lo, hi = -(-d * n // DATES), -(-(d + 1) * n // DATES)
        date = f"2026-{d + 1:02d}-01"
        part = works / f"updated_date={date}" / "part_000.gz"
        part.parent.mkdir()
        con.execute(f"COPY ({works_sql(n, seed, lo, hi)}) TO '{part}' "
                    "(FORMAT json, COMPRESSION gzip)")  # fmt: skip
        entries.append({"url": f"s3://openalex/data/works/updated_date={date}/part_000.gz",
                        "meta": {"content_length": part.stat().st_size, "record_count": hi - lo}})  # fmt: skip
    con.close()
    meta = {"content_length": sum(e["meta"]["content_length"] for e in entries),
            "record_count": sum(e["meta"]["record_count"] for e in entries)}  # fmt: skip
    (works / "manifest").write_text(json.dumps({"entries": entries, "meta": meta}, indent=1))
    return {"works": meta["record_count"], "bytes": meta["content_length"]}


def pick_seeds(n: int, k: int, seed: int = 42) -> list[str]:
    """``k`` distinct W-ids of the generated works, spread over the range, by a seeded RNG."""
    import random

    return [f"W{ID0 + i}" for i in sorted(random.Random(seed).sample(range(n), min(k, n)))]


# ------------------------------------------------------------------------------- the engines


def run_duckdb(parquet: Path, seeds_file: Path, out: Path, threads: int, memory: str) -> dict:
    """The Spark job's definition in DuckDB SQL over the converted Parquet."""
    import duckdb

    out.mkdir(parents=True)
    con = duckdb.connect(config={"threads": threads, "memory_limit": memory,
                                 "preserve_insertion_order": False,
                                 "temp_directory": str(out / "tmp")})  # fmt: skip
    con.execute(f"CREATE VIEW works AS SELECT * FROM read_parquet('{parquet}/**/*.parquet', "
                "hive_partitioning = true)")  # fmt: skip
    con.execute(f"CREATE TABLE seeds AS SELECT column0 AS seed FROM read_csv('{seeds_file}', "
                "header = false, columns = {'column0': 'VARCHAR'})")  # fmt: skip
    con.execute(f"""COPY (SELECT id AS citing, unnest(list_distinct(referenced_works)) AS cited
                   FROM works) TO '{out}/edges.parquet' (FORMAT parquet)""")  # fmt: skip
    con.execute(f"""
        CREATE TABLE members AS
        WITH s AS (SELECT w.id AS seed_id, w.referenced_works, w.related_works
                   FROM works w JOIN seeds ON w.id = seeds.seed),
        refs AS (SELECT seed_id, unnest(referenced_works) AS work_id,
                        generate_subscripts(referenced_works, 1) AS pos FROM s),
        rel AS (SELECT seed_id, unnest(related_works) AS work_id,
                       generate_subscripts(related_works, 1) AS pos FROM s),
        cit AS (SELECT e.cited AS seed_id, e.citing AS work_id,
                       row_number() OVER (PARTITION BY e.cited ORDER BY w.publication_date DESC
                                          NULLS LAST, e.citing) AS rank
                FROM read_parquet('{out}/edges.parquet') e
                JOIN s ON e.cited = s.seed_id JOIN works w ON w.id = e.citing)
        SELECT seed_id, seed_id AS work_id, 'seed' AS relation, 1 AS rank FROM s
        UNION ALL SELECT seed_id, work_id, 'references',
            row_number() OVER (PARTITION BY seed_id ORDER BY min(pos)) FROM refs
            GROUP BY seed_id, work_id
        UNION ALL SELECT seed_id, work_id, 'related',
            row_number() OVER (PARTITION BY seed_id ORDER BY min(pos)) FROM rel
            GROUP BY seed_id, work_id
        UNION ALL SELECT seed_id, work_id, 'cited_by', rank FROM cit
    """)  # fmt: skip
    con.execute(f"COPY members TO '{out}/neighbourhoods.parquet' (FORMAT parquet)")
    (out / "data" / "works").mkdir(parents=True)
    con.execute(f"""COPY (SELECT updated_date, work FROM works
                   WHERE id IN (SELECT work_id FROM members))
                   TO '{out}/data/works' (FORMAT csv, HEADER false, QUOTE '', ESCAPE '',
                   DELIMITER '\x01', COMPRESSION gzip, PARTITION_BY (updated_date),
                   OVERWRITE_OR_IGNORE true)""")  # fmt: skip
    counts = dict(con.execute("SELECT relation, count(*) FROM members GROUP BY 1").fetchall())
    slice_works = con.execute("SELECT count(DISTINCT work_id) FROM members WHERE work_id IN "
                              "(SELECT id FROM works)").fetchone()[0]  # fmt: skip
    con.close()
    return {"members": counts, "slice_works": int(slice_works)}


def run_source(parquet: Path, seeds: list[str], threads: int, memory: str) -> dict:
    """What a crawl asks the DuckDB source for the seeds' links (≤100 citing/related each)."""
    from citegraph.sources.openalex_snapshot import BATCH, OpenAlexSnapshotSource

    source = OpenAlexSnapshotSource(parquet, threads=threads, memory_limit=memory)
    counts: dict[str, int] = {}
    for kind in ("references", "related", "cited_by"):
        for start in range(0, len(seeds), BATCH):
            got = source.fetch_links(kind, seeds[start : start + BATCH], limit=CAP)
            counts[kind] = counts.get(kind, 0) + len(got.links)
    source.close()
    return {"links": counts}


def run_spark(snapshot: Path, seeds_file: Path, out: Path, memory: str) -> dict:
    from pyspark.sql import SparkSession

    from citegraph.jobs.spark_neighbourhoods import run_job

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    spark = (SparkSession.builder.master("local[2]").appName("bench")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", memory).config("spark.sql.shuffle.partitions", "8")
             .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.local.dir", str(out.parent / "spark-tmp")).getOrCreate())  # fmt: skip
    spark.sparkContext.setLogLevel("ERROR")
    seeds = seeds_file.read_text().splitlines()
    try:
        summary = run_job(spark, str(snapshot), seeds, str(out))
    finally:
        spark.stop()
    return {"members": summary["members"], "slice_works": summary["slice_works"]}


def _worker(args: argparse.Namespace) -> None:
    """One measured step in this process: prints {"seconds": …, …} as JSON."""
    start = time.perf_counter()
    if args.worker == "convert":
        from citegraph.sources.openalex_snapshot import convert_to_parquet

        result: dict[str, Any] = {"works": convert_to_parquet(
            args.snapshot, args.target, threads=args.threads, memory_limit=args.memory,
            temp_directory=args.target.parent / "duck-tmp")}  # fmt: skip
    elif args.worker == "duckdb":
        result = run_duckdb(args.snapshot, args.seeds_file, args.target, args.threads, args.memory)
    elif args.worker == "source":
        seeds = args.seeds_file.read_text().splitlines()
        result = run_source(args.snapshot, seeds, args.threads, args.memory)
    else:
        result = run_spark(args.snapshot, args.seeds_file, args.target, args.spark_memory)
    result["seconds"] = time.perf_counter() - start
    print(json.dumps(result))


def measure(argv: list[str]) -> dict:
    """Run this script as a worker; its result, plus the process tree's peak RSS (MiB)."""
    import psutil

    proc = subprocess.Popen([sys.executable, __file__, *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    parent, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.1)
    out, err = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"worker {argv[:2]} failed ({proc.returncode}):\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_mib"] = peak / 2**20
    return result


def du(path: Path) -> str:
    """Bytes of the files under ``path``, as MiB (KiB when small)."""
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return f"{size / 2**20:,.0f} MiB" if size >= 2**20 else f"{size / 2**10:,.0f} KiB"


# ---------------------------------------------------------------------------------- report


def api_projection(members: list[tuple[str, str, str]], n_seeds: int) -> dict:
    """Requests the OpenAlex API path makes for the seeds' depth-1 crawl, and what they cost."""
    hop1 = {work for _, work, relation in members if relation != "seed"}
    # ≤100 citing works per seed at 100 a page: one list call each, even when none cite it.
    lists = n_seeds + -(-len(hop1) // CAP)
    singles = n_seeds
    return {"singletons": singles, "lists": lists, "usd": lists * API_LIST_USD,
            "seconds": (singles + lists) / API_RPS, "days": lists / API_LISTS_PER_DAY}  # fmt: skip


def _members(folder: Path) -> list[tuple]:
    import duckdb

    return duckdb.connect().execute(f"SELECT seed_id, work_id, relation FROM read_parquet('{folder}') "
                      "WHERE relation <> 'cited_by' OR rank <= 100").fetchall()  # fmt: skip


def _fmt_s(values: list[float]) -> str:
    m = statistics.median(values)
    return f"{m:,.1f}" + (f" (median of {len(values)})" if len(values) > 1 else " (1 run)")


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=1_000_000)
    parser.add_argument("--seeds", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--engines", default="duckdb,source,spark")
    parser.add_argument("--generator-seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory", default="2GB", help="DuckDB memory_limit")
    parser.add_argument("--spark-memory", default="2g", help="spark.driver.memory")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--out", type=Path, help="RESULTS.md whose section to replace")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    for name in ("--snapshot", "--target", "--seeds-file"):
        parser.add_argument(name, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args)
        return ""
    engines = [e for e in args.engines.split(",") if e]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="citegraph-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    common = ["--threads", str(args.threads), "--memory", args.memory,
              "--spark-memory", args.spark_memory]  # fmt: skip
    load = os.getloadavg()
    rows: list[tuple[str, str, str, str]] = []
    try:
        start = time.perf_counter()
        snap = work / "snapshot"
        gen = generate_snapshot(snap, args.works, seed=args.generator_seed, threads=args.threads)
        gen_s = time.perf_counter() - start
        rows.append(("generate the snapshot, gzip JSON Lines (DuckDB JSON writer)",
                     f"{gen_s:,.1f} (1 run)", "", du(snap)))  # fmt: skip
        parquet = work / "parquet"
        conv = measure(["--worker", "convert", "--snapshot", str(snap), "--target", str(parquet),
                        *common])  # fmt: skip
        rows.append(("convert to Parquet (`openalex_snapshot convert`)", _fmt_s([conv["seconds"]]),
                     f"{conv['peak_mib']:,.0f}", du(parquet)))  # fmt: skip
        import duckdb

        gen["references"] = (
            duckdb.connect()
            .execute(
                f"SELECT sum(len(referenced_works)) FROM read_parquet('{parquet}/**/*.parquet')"
            )
            .fetchone()[0]
        )
        seeds_file = work / "seeds.txt"
        seeds = pick_seeds(args.works, args.seeds, args.generator_seed)
        seeds_file.write_text("\n".join(seeds) + "\n")
        members_dir = None
        plan = []
        if "duckdb" in engines:
            plan.append(
                ("DuckDB SQL over Parquet: neighbourhoods + edges + slice", "duckdb", parquet)
            )
        if "source" in engines:
            plan.append((f"DuckDB source over Parquet: `fetch_links` ×3 kinds, ≤{CAP} each, records "
                         "parsed", "source", parquet))  # fmt: skip
        if "spark" in engines:
            plan.append(("Spark job `local[2]` over gzip JSON Lines", "spark", snap))
        if "spark-parquet" in engines:
            plan.append(("Spark job `local[2]` over Parquet", "spark", parquet))
        details: dict[str, Any] = {}
        for label, worker, data in plan:
            times, peaks, disk = [], [], ""
            for r in range(args.runs):
                target = work / f"out-{worker}-{data.name}-{r}"
                try:
                    result = measure(["--worker", worker, "--snapshot", str(data), "--target",
                                      str(target), "--seeds-file", str(seeds_file), *common])  # fmt: skip
                except RuntimeError as exc:  # one engine failing still reports the others
                    print(exc, file=sys.stderr)
                    rows.append((label, "failed: " + str(exc).splitlines()[0], "", ""))
                    break
                times.append(result["seconds"])
                peaks.append(result["peak_mib"])
                if target.exists():
                    disk = f"{du(target)} written"
                    if worker == "spark" and members_dir is None:
                        members_dir = target / "neighbourhoods"
                        details["spark"] = result
                    elif r < args.runs - 1:
                        shutil.rmtree(target)
                details.setdefault(worker, result)
            if times:
                rows.append((label, _fmt_s(times), f"{max(peaks):,.0f}", disk))
        if members_dir is None and "duckdb" in details:
            members_dir = (
                work / f"out-duckdb-{parquet.name}-{args.runs - 1}" / "neighbourhoods.parquet"
            )
        api = None
        if members_dir is not None:
            api = api_projection(_members(members_dir), len(seeds))
            rows.append((f"OpenAlex API, projected: {api['singletons']:,} singleton + "
                         f"{api['lists']:,} list calls (${api['usd']:,.2f})",
                         f"{api['seconds']:,.0f} at {API_RPS} req/s; {api['days']:,.1f} days at "
                         f"{API_LISTS_PER_DAY:,} lists/day", "", ""))  # fmt: skip
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    text = report(args, argv, gen, rows, details, load)
    print(text)
    if args.out:
        write_results(text, args.out)
    return text


def report(args, argv, gen, rows, details, load) -> str:  # type: ignore[no-untyped-def]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import duckdb

    try:
        import pyspark

        spark_version = pyspark.__version__
    except ImportError:
        spark_version = "absent"
    java = shutil.which("java") or "absent"
    if "spark" in details and "duckdb" in details:
        same = all(details["spark"][k] == details["duckdb"][k] for k in ("members", "slice_works"))
        rows = [*rows, ("DuckDB SQL and the Spark job: same members and slice", "yes" if same
                        else "NO", "", "")]  # fmt: skip
    members = (details.get("spark") or details.get("duckdb") or {}).get("members", {})
    slice_works = (details.get("spark") or details.get("duckdb") or {}).get("slice_works")
    lines = [
        BEGIN,
        "## Snapshot scale — 10k-seed neighbourhoods over a 1M-work snapshot (`bench_snapshot_scale.py`)",
        "",
        f"Measured {when} by `benchmarks/bench_snapshot_scale.py {' '.join(argv or sys.argv[1:])}`.",
        f"Machine: {os.cpu_count()} cores (nproc), {mem:.1f} GiB RAM, {platform.machine()}, load "
        f"average {' '.join(f'{x:.1f}' for x in load)} at the start (the machine is shared); Python "
        f"{platform.python_version()}, DuckDB {duckdb.__version__} (threads {args.threads}, "
        f"memory_limit {args.memory}), PySpark {spark_version} (driver memory {args.spark_memory}, "
        f"java {java}).",
        f"Snapshot: GENERATED, {gen['works']:,} works, {gen['references']:,} references, "
        f"{DATES} partitions; {args.seeds:,} seeds. Members (seed / references / citing / related): "
        + " / ".join(f"{members.get(k, 0):,}" for k in ("seed", "references", "cited_by", "related"))
        + (f"; slice {slice_works:,} works." if slice_works is not None else "."),
        "",
        "| step | seconds | peak RSS, MiB (process tree) | disk |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
        END,
    ]  # fmt: skip
    return "\n".join(lines)


def write_results(text: str, path: Path = RESULTS) -> None:
    """Replace this benchmark's section of RESULTS.md, keeping the other sections."""
    write_section(text, BEGIN, END, path)


if __name__ == "__main__":
    main()
