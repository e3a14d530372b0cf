"""The citation edge table and the neighbourhoods of many seeds, as one Spark job over the
OpenAlex works snapshot; it writes a slice of the snapshot that the DuckDB source opens unchanged.

Run it on a cluster (the file ships alone: it needs only PySpark and the standard library)::

    spark-submit citegraph/jobs/spark_neighbourhoods.py --snapshot s3a://…/openalex \\
        --seeds seeds.txt --out s3a://…/field-slice

or on one machine in Spark's local mode::

    python -m citegraph.jobs.spark_neighbourhoods --snapshot DIR --seeds FILE --out DIR

It reads what `citegraph.sources.openalex_snapshot` reads: gzip JSON Lines under
``data/works/updated_date=…/part_….gz`` (the parts its ``manifest`` lists, when there is one), or
the Parquet that source's ``convert`` command writes. A seed's neighbourhood is what that source
gives a depth-1 crawl: the seed, its references (``referenced_works``, all), the works citing it
(newest first: ``publication_date`` descending, then W-id) and its related works
(``related_works`` in order); ``--max-per-kind N`` caps the last two as the crawl does, and
without it every citing work is kept, so a crawl of the slice with any cap gives what a crawl
of the whole snapshot gives. ``OUT`` receives:

``OUT/data/works/updated_date=…/part-….gz`` and ``OUT/data/works/manifest``
    The works of every neighbourhood, each line the snapshot's Work object unchanged (or, with
    ``--format parquet``, the converted Parquet: ``id, doi, pmid, pmcid, publication_date,
    referenced_works, related_works, work, part`` by ``updated_date``). Open it with
    ``OpenAlexSnapshotSource(OUT)`` or ``citegraph fetch --openalex-snapshot OUT``.
``OUT/edges/`` (Parquet ``citing, cited``)
    The citation edge table: every distinct ``referenced_works`` pair of the snapshot
    (``--edges slice``: only those of the slice's works; ``--edges none``: not written).
``OUT/neighbourhoods/`` (Parquet ``seed, seed_id, work_id, relation, rank``)
    One row per seed and member: ``relation`` is ``seed``, ``references``, ``cited_by`` or
    ``related``; ``rank`` the 1-based place in the seed's list (newest first for ``cited_by``).
``OUT/summary.json``
    Counts, and the seeds the snapshot does not hold.

docs/scale.md has the route from one seed to a whole field, measured times and sizes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

try:  # inside Citegraph its errors share the base class; shipped alone, a plain Exception
    from citegraph import CitegraphError as _ErrorBase
except ImportError:  # pragma: no cover - only on a cluster without the package
    _ErrorBase = Exception  # type: ignore[misc,assignment]

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

__all__ = ["JobError", "SLICE_COLUMNS", "build_neighbourhoods", "main", "parse_seed", "run_job"]

#: The columns of the converted Parquet (`citegraph.sources.openalex_snapshot`), in its order.
SLICE_COLUMNS = ("id", "doi", "pmid", "pmcid", "publication_date", "referenced_works",
                 "related_works", "work", "part")  # fmt: skip
RELATIONS = ("seed", "references", "cited_by", "related")
EDGES = ("all", "slice", "none")
FORMATS = ("jsonl", "parquet")

_W_ID = r"W\d+$"
_DOI_PREFIX = r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)"


class JobError(_ErrorBase):
    """The job was given something it cannot use: no seeds, no snapshot at the path, a bad option.

    Examples
    --------
    >>> str(JobError("no seeds in seeds.txt. Put one id per line."))
    'no seeds in seeds.txt. Put one id per line.'
    """


# ------------------------------------------------------------------------------ seeds (pure)


def parse_seed(text: str) -> tuple[str, str] | None:
    """The snapshot column and normalised value a seed id is looked up by, or None.

    Takes what `citegraph.sources.openalex_snapshot` resolves: a W-id (or its openalex.org URL),
    ``pmid:N`` (or bare digits), ``doi:…`` (or a bare ``10.…`` DOI or doi.org URL) and
    ``pmcid:PMC…``. Blank lines and ``#`` comments give None.

    Examples
    --------
    >>> parse_seed("https://openalex.org/W2741809807"), parse_seed("pmid:40603629")
    (('id', 'W2741809807'), ('pmid', '40603629'))
    >>> parse_seed("https://doi.org/10.1038/S41584-025-01272-3"), parse_seed("PMC123")
    (('doi', '10.1038/s41584-025-01272-3'), ('pmcid', '123'))
    >>> parse_seed("# a comment") is None, parse_seed("title:words") is None
    (True, True)
    """
    value = text.split("#", 1)[0].strip()
    if not value:
        return None
    if re.search(_W_ID, value, flags=re.IGNORECASE) and (
        value.upper().startswith("W") or "openalex.org/" in value.lower()
    ):
        return "id", "W" + re.search(r"\d+$", value).group(0)  # type: ignore[union-attr]
    kind, sep, rest = value.partition(":")
    kind = kind.lower() if sep else ""
    if kind == "pmid" or value.isdigit():
        digits = (rest if kind == "pmid" else value).strip().lstrip("0")
        return ("pmid", digits) if digits.isdigit() else None
    if kind == "pmcid" or value.upper().startswith("PMC"):
        digits = re.sub(r"^PMC", "", (rest if kind == "pmcid" else value).strip(), flags=re.I)
        return ("pmcid", digits) if digits.isdigit() else None
    doi = re.sub(_DOI_PREFIX, "", value, flags=re.IGNORECASE).strip().rstrip(".,;").lower()
    return ("doi", doi) if doi.startswith("10.") and "/" in doi else None


def read_seeds(lines: Iterable[str]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(seed, column, value) for each usable line, and the lines that are no id.

    Examples
    --------
    >>> read_seeds(["W1", "", "pmid:7", "title:x", "W1"])
    ([('W1', 'id', 'W1'), ('pmid:7', 'pmid', '7')], ['title:x'])
    """
    seeds: dict[str, tuple[str, str, str]] = {}
    bad = []
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        parsed = parse_seed(text)
        if parsed is None:
            bad.append(text)
        else:
            seeds.setdefault(text, (text, *parsed))
    return list(seeds.values()), bad


# ------------------------------------------------------------------------- files (Hadoop FS)


def _fs(spark: SparkSession, path: str) -> tuple[Any, Any]:
    """(Hadoop FileSystem, Path) for any URI Spark reads: local, hdfs://, s3a://, gs://."""
    jpath = spark._jvm.org.apache.hadoop.fs.Path(path)  # noqa: SLF001 - the documented bridge
    return jpath.getFileSystem(spark._jsc.hadoopConfiguration()), jpath  # noqa: SLF001


def _glob(spark: SparkSession, pattern: str) -> list[str]:
    fs, jpath = _fs(spark, pattern)
    found = fs.globStatus(jpath)
    return sorted(str(s.getPath().toString()) for s in found) if found else []


def _exists(spark: SparkSession, path: str) -> bool:
    fs, jpath = _fs(spark, path)
    return bool(fs.exists(jpath))


def _read_text(spark: SparkSession, path: str) -> str:
    return "\n".join(r.value for r in spark.read.text(path, wholetext=True).collect())


def _write_text(spark: SparkSession, path: str, text: str) -> None:
    fs, jpath = _fs(spark, path)
    stream = fs.create(jpath, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()


def find_works(spark: SparkSession, snapshot: str) -> tuple[str, list[str], str]:
    """(``"jsonl"`` or ``"parquet"``, the files, the works folder) of a snapshot folder, found
    as `citegraph.sources.openalex_snapshot.find_works` finds them (same folders, same manifest
    check), on any file system Spark reads.

    Examples
    --------
    >>> find_works(spark, "s3a://bucket/openalex")  # doctest: +SKIP
    ('jsonl', ['s3a://bucket/openalex/data/works/updated_date=2026-09-14/part_000.gz', ...], ...)
    """
    root = snapshot.rstrip("/")
    for works in (f"{root}/data/works", f"{root}/works", root):
        parquet = _glob(spark, f"{works}/updated_date=*/*.parquet") or _glob(
            spark, f"{works}/*.parquet"
        )
        if parquet:
            return "parquet", parquet, works
        parts = _manifest_parts(spark, works) or _glob(spark, f"{works}/updated_date=*/*.gz")
        if parts:
            return "jsonl", parts, works
    raise JobError(
        f"no works in {snapshot}: expected data/works/updated_date=…/part_….gz (gzip JSON Lines) "
        "or the Parquet that `python -m citegraph.sources.openalex_snapshot convert` writes. "
        "Check the path."
    )


def _manifest_parts(spark: SparkSession, works: str) -> list[str]:
    manifest = f"{works}/manifest"
    if not _exists(spark, manifest):
        return []
    try:
        entries = json.loads(_read_text(spark, manifest))["entries"]
        parts = [f"{works}/" + str(e["url"]).split("/works/", 1)[-1] for e in entries]
    except (ValueError, KeyError, TypeError) as exc:
        raise JobError(f"unreadable manifest {manifest} ({exc}). Download it again or delete "
                       "it to read every part present.") from None  # fmt: skip
    absent = [p for p in parts if not _exists(spark, p)]
    if absent:
        raise JobError(f"{len(absent)} part(s) the manifest lists are missing (first: "
                       f"{absent[0]}). Finish the download or remove the manifest.")  # fmt: skip
    return parts


# ---------------------------------------------------------------------------------- queries


def _nonempty(column: Column) -> Column:
    from pyspark.sql import functions as F

    return F.when(column != "", column)


def read_works(spark: SparkSession, snapshot: str) -> DataFrame:
    """The works of a snapshot with the converted Parquet's columns (`SLICE_COLUMNS`) and
    ``updated_date``, ids normalised as the DuckDB source normalises them.

    Examples
    --------
    >>> read_works(spark, "/data/openalex").select("id", "pmid").first()  # doctest: +SKIP
    Row(id='W2741809807', pmid='29456894')
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    fmt, files, works = find_works(spark, snapshot)
    if fmt == "parquet":
        frame = spark.read.option("basePath", works).parquet(*files)
        missing = set(SLICE_COLUMNS) - set(frame.columns)
        if missing:
            raise JobError(f"{files[0]} lacks the columns {', '.join(sorted(missing))}: it was "
                           "not written by `python -m citegraph.sources.openalex_snapshot "
                           "convert`. Convert the JSON Lines first.")  # fmt: skip
        if "updated_date" not in frame.columns:
            frame = frame.withColumn("updated_date", F.substring(F.get_json_object(
                "work", "$.updated_date"), 1, 10))  # fmt: skip
        return frame.select(*SLICE_COLUMNS, F.col("updated_date").cast("string"))
    schema = T.StructType([
        T.StructField("id", T.StringType()),
        T.StructField("doi", T.StringType()),
        T.StructField("ids", T.StructType([T.StructField("pmid", T.StringType()),
                                           T.StructField("pmcid", T.StringType())])),
        T.StructField("publication_date", T.StringType()),
        T.StructField("updated_date", T.StringType()),
        T.StructField("referenced_works", T.ArrayType(T.StringType())),
        T.StructField("related_works", T.ArrayType(T.StringType())),
    ])  # fmt: skip
    lines = spark.read.text(files).select("value", F.col("_metadata.file_path").alias("file_path"))
    j = F.from_json("value", schema)
    doi = F.lower(F.regexp_replace(j["doi"], r"^https?://(dx\.)?doi\.org/", ""))
    return lines.select(
        _nonempty(F.regexp_extract(j["id"], _W_ID, 0)).alias("id"),
        doi.alias("doi"),
        _nonempty(F.regexp_extract(j["ids"]["pmid"], r"(\d+)/?$", 1)).alias("pmid"),
        _nonempty(F.regexp_extract(j["ids"]["pmcid"], r"(\d+)/?$", 1)).alias("pmcid"),
        j["publication_date"].alias("publication_date"),
        F.transform(j["referenced_works"], lambda x: F.regexp_extract(x, _W_ID, 0)).alias(
            "referenced_works"
        ),
        F.transform(j["related_works"], lambda x: F.regexp_extract(x, _W_ID, 0)).alias(
            "related_works"
        ),
        F.col("value").alias("work"),
        F.regexp_extract("file_path", r"(updated_date=[^/]+/[^/]+)$", 1).alias("part"),
        F.coalesce(
            F.substring(j["updated_date"], 1, 10),
            _nonempty(F.regexp_extract("file_path", r"updated_date=([^/]+)/", 1)),
        ).alias("updated_date"),
    ).where(F.col("id").isNotNull())


def citation_edges(works: DataFrame) -> DataFrame:
    """Distinct (``citing``, ``cited``) W-id pairs from every work's ``referenced_works``.

    Examples
    --------
    >>> citation_edges(read_works(spark, "/data/openalex")).count()  # doctest: +SKIP
    19943885
    """
    from pyspark.sql import functions as F

    return (
        works.select(
            F.col("id").alias("citing"),
            F.explode(F.array_distinct("referenced_works")).alias("cited"),
        )  # fmt: skip
        .where(F.col("cited") != "")
        .distinct()
    )


def _listed(seeds: DataFrame, column: str, relation: str, cap: int | None) -> DataFrame:
    """Members from a list column of the seed works, first occurrence kept, 1-based rank."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    exploded = (
        seeds.select("seed", "seed_id", F.posexplode(column).alias("pos", "work_id"))
        .where(F.col("work_id") != "")
        .groupBy("seed", "seed_id", "work_id")
        .agg(F.min("pos").alias("pos"))
    )
    ranked = exploded.withColumn(
        "rank", F.row_number().over(Window.partitionBy("seed").orderBy("pos"))
    )
    if cap is not None:
        ranked = ranked.where(F.col("rank") <= cap)
    return ranked.select("seed", "seed_id", "work_id", F.lit(relation).alias("relation"), "rank")


def build_neighbourhoods(
    works: DataFrame, seeds: DataFrame, edges: DataFrame, *, max_per_kind: int | None = None
) -> DataFrame:
    """One row per seed and member (``seed, seed_id, work_id, relation, rank``).

    ``seeds`` has ``seed`` (the text given), ``column`` and ``value`` (`parse_seed`); seeds no
    work matches have no rows. A seed that matches several works (a PMID twice) takes the
    smallest W-id, as the DuckDB source does.

    Examples
    --------
    >>> works = read_works(spark, "/data/openalex")  # doctest: +SKIP
    >>> seeds = spark.createDataFrame([("pmid:7", "pmid", "7")], "seed string, column string, "
    ...                               "value string")  # doctest: +SKIP
    >>> build_neighbourhoods(works, seeds, citation_edges(works), max_per_kind=100)  # doctest: +SKIP
    DataFrame[seed: string, seed_id: string, work_id: string, relation: string, rank: int]
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    matches = None
    for column in ("id", "pmid", "doi", "pmcid"):
        match = (
            seeds.where(F.col("column") == column)
            .join(
                works.select(F.col(column).alias("value"), F.col("id").alias("seed_id")), "value"
            )  # fmt: skip
            .select("seed", "seed_id")
        )
        matches = match if matches is None else matches.unionByName(match)
    resolved = matches.groupBy("seed").agg(F.min("seed_id").alias("seed_id"))
    seed_works = resolved.join(
        works.select(F.col("id").alias("seed_id"), "referenced_works", "related_works"), "seed_id"
    )
    own = resolved.select("seed", "seed_id", F.col("seed_id").alias("work_id"),
                          F.lit("seed").alias("relation"), F.lit(1).alias("rank"))  # fmt: skip
    references = _listed(seed_works, "referenced_works", "references", None)
    related = _listed(seed_works, "related_works", "related", max_per_kind)
    dates = works.select(F.col("id").alias("citing"), "publication_date")
    citing = (
        edges.join(F.broadcast(resolved.select(F.col("seed_id").alias("cited")).distinct()),
                   "cited")  # fmt: skip
        .join(dates, "citing")
        .withColumn("rank", F.row_number().over(Window.partitionBy("cited").orderBy(
            F.col("publication_date").desc_nulls_last(), F.col("citing")))))  # fmt: skip
    if max_per_kind is not None:
        citing = citing.where(F.col("rank") <= max_per_kind)
    cited_by = resolved.join(
        citing.select(F.col("cited").alias("seed_id"), F.col("citing").alias("work_id"), "rank"),
        "seed_id",
    ).select("seed", "seed_id", "work_id", F.lit("cited_by").alias("relation"), "rank")
    rows = own.unionByName(references).unionByName(cited_by).unionByName(related)
    return rows.withColumn("rank", F.col("rank").cast("int"))


def run_job(
    spark: SparkSession,
    snapshot: str,
    seeds: Sequence[str],
    out: str,
    *,
    max_per_kind: int | None = None,
    edges: str = "all",
    fmt: str = "jsonl",
) -> dict[str, Any]:
    """Build the edges and the seeds' neighbourhoods over ``snapshot``; write them and the slice
    under ``out`` (see the module); return the summary also written to ``out/summary.json``.

    ``seeds`` are ids as `parse_seed` takes them; ``out`` must not exist yet.

    Examples
    --------
    >>> run_job(None, "/snapshot", [], "/out")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    citegraph.jobs.spark_neighbourhoods.JobError: no seeds given. Put one id per line ...
    """
    if edges not in EDGES:
        raise JobError(f"--edges takes {', '.join(EDGES)}, not {edges!r}.")
    if fmt not in FORMATS:
        raise JobError(f"--format takes {', '.join(FORMATS)}, not {fmt!r}.")
    if max_per_kind is not None and max_per_kind < 1:
        raise JobError(f"--max-per-kind must be at least 1, got {max_per_kind}.")
    parsed, not_ids = read_seeds(seeds)
    if not parsed:
        listed = f"; these are no ids: {', '.join(not_ids[:5])}" if not_ids else ""
        raise JobError("no seeds given. Put one id per line (W…, pmid:…, doi:…, pmcid:…) in "
                       f"the seeds file{listed}.")  # fmt: skip
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    out = out.rstrip("/")
    if _exists(spark, out):
        raise JobError(f"{out} exists. Give a new folder for the slice (the job never "
                       "overwrites one).")  # fmt: skip
    works = read_works(spark, snapshot)
    # One pass over the files for the narrow columns (kept), one more for the slice's JSON.
    narrow = works.drop("work", "part").persist(StorageLevel.MEMORY_AND_DISK)
    edge_frame = citation_edges(narrow)
    if edges == "all":
        edge_frame.write.parquet(f"{out}/edges")
        edge_frame = spark.read.parquet(f"{out}/edges")
    seed_frame = spark.createDataFrame(parsed, "seed string, column string, value string")
    members = build_neighbourhoods(narrow, seed_frame, edge_frame, max_per_kind=max_per_kind)
    members.write.parquet(f"{out}/neighbourhoods")
    members = spark.read.parquet(f"{out}/neighbourhoods")
    wanted = members.select(F.col("work_id").alias("id")).distinct()
    if edges == "slice":
        of_slice = edge_frame.join(
            wanted.select(F.col("id").alias("citing")), "citing", "left_semi"
        )
        of_slice.write.parquet(f"{out}/edges")
    slice_ = works.join(wanted, "id", "left_semi")
    works_dir = f"{out}/data/works"
    if fmt == "parquet":
        slice_.select(*SLICE_COLUMNS, "updated_date").write.partitionBy("updated_date").parquet(
            works_dir
        )
        slice_works = spark.read.parquet(works_dir).count()
    else:
        slice_.select("updated_date", F.col("work").alias("value")).write.partitionBy(
            "updated_date"
        ).option("compression", "gzip").text(works_dir)
        slice_works = _write_manifest(spark, works_dir)
    narrow.unpersist()
    counts = {r["relation"]: r["n"] for r in members.groupBy("relation").agg(
        F.count("*").alias("n")).collect()}  # fmt: skip
    resolved = {r["seed"] for r in members.where(F.col("relation") == "seed").collect()}
    summary = {
        "snapshot": snapshot,
        "format": fmt,
        "seeds": len(parsed),
        "seeds_found": len(resolved),
        "seeds_not_found": [s for s, _, _ in parsed if s not in resolved],
        "not_ids": not_ids,
        "members": {k: int(counts.get(k, 0)) for k in RELATIONS},
        "slice_works": int(slice_works),
        "edges": spark.read.parquet(f"{out}/edges").count() if edges != "none" else None,
        "max_per_kind": max_per_kind,
    }
    _write_text(spark, f"{out}/summary.json", json.dumps(summary, indent=1) + "\n")
    return summary


def _write_manifest(spark: SparkSession, works_dir: str) -> int:
    """Write the snapshot's manifest (``entries`` of ``{url, meta: {content_length,
    record_count}}``) for the parts just written, urls relative to the slice's root
    (``data/works/…``); return the record count."""
    from pyspark.sql import functions as F

    parts = _glob(spark, f"{works_dir}/updated_date=*/*.gz")
    counts = {
        r["path"]: r["n"]
        for r in spark.read.text(parts)
        .groupBy(F.col("_metadata.file_path").alias("path")).agg(F.count("*").alias("n"))
        .collect()
    } if parts else {}  # fmt: skip
    entries = []
    for path in parts:
        fs, jpath = _fs(spark, path)
        rel = re.search(r"(updated_date=[^/]+/[^/]+)$", path).group(1)  # type: ignore[union-attr]
        n = next((v for k, v in counts.items() if k.endswith(rel)), 0)
        entries.append({"url": f"data/works/{rel}",
                        "meta": {"content_length": int(fs.getFileStatus(jpath).getLen()),
                                 "record_count": int(n)}})  # fmt: skip
    manifest = {"entries": entries, "meta": {
        "content_length": sum(e["meta"]["content_length"] for e in entries),
        "record_count": sum(e["meta"]["record_count"] for e in entries)}}  # fmt: skip
    _write_text(spark, f"{works_dir}/manifest", json.dumps(manifest, indent=1) + "\n")
    return int(manifest["meta"]["record_count"])


# ---------------------------------------------------------------------------------- command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spark-submit citegraph/jobs/spark_neighbourhoods.py",
        description="Citation edges and depth-1 neighbourhoods of many seeds over the OpenAlex "
        "works snapshot, written as a slice the openalex-snapshot source reads.",
    )
    parser.add_argument("--snapshot", required=True,
                        help="snapshot folder (holding data/works) or converted Parquet; any URI "
                        "Spark reads")  # fmt: skip
    parser.add_argument("--seeds", required=True,
                        help="file of seed ids, one a line: W…, pmid:…, doi:…, pmcid:…")  # fmt: skip
    parser.add_argument("--out", required=True, help="new folder for the slice")
    parser.add_argument("--max-per-kind", type=int, default=None,
                        help="keep the N newest citing and first N related works per seed "
                        "(default: all, so any crawl cap gives the full snapshot's answer)")  # fmt: skip
    parser.add_argument("--edges", choices=EDGES, default="all",
                        help="edge table: of the whole snapshot (all), of the slice's works, none")  # fmt: skip
    parser.add_argument("--format", choices=FORMATS, default="jsonl", dest="fmt",
                        help="slice as gzip JSON Lines (the snapshot's layout) or converted Parquet")  # fmt: skip
    parser.add_argument("--master", help="Spark master when run with python (default local[*]); "
                        "spark-submit sets its own")  # fmt: skip
    parser.add_argument("--shuffle-partitions", type=int,
                        help="spark.sql.shuffle.partitions (default Spark's, 200)")  # fmt: skip
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see `_parser`); 0 on success, 2 when the input is unusable.

    Examples
    --------
    >>> main(["--snapshot", "/data/openalex", "--seeds", "seeds.txt",
    ...       "--out", "/data/slice"])  # doctest: +SKIP
    0
    """
    args = _parser().parse_args(argv)
    from pyspark.sql import SparkSession

    try:
        with open(args.seeds, encoding="utf-8") as handle:
            seeds = handle.read().splitlines()
    except OSError as exc:
        print(f"error: cannot read the seeds file ({exc}).", file=sys.stderr)
        return 2
    active = SparkSession.getActiveSession()
    builder = SparkSession.builder.appName("citegraph-neighbourhoods")
    if args.master:
        builder = builder.master(args.master)
    if active is None:
        builder = builder.config("spark.ui.showConsoleProgress", "false")
    spark = builder.getOrCreate()
    if args.shuffle_partitions:
        spark.conf.set("spark.sql.shuffle.partitions", str(args.shuffle_partitions))
    try:
        summary = run_job(spark, args.snapshot, seeds, args.out, max_per_kind=args.max_per_kind,
                          edges=args.edges, fmt=args.fmt)  # fmt: skip
    except JobError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if active is None:
            spark.stop()
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
