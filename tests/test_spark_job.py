"""The Spark job (`citegraph.jobs.spark_neighbourhoods`) in local mode against the DuckDB source,
over the emulator's SYNTHETIC (generated) corpus written in the OpenAlex snapshot's layout.

The job must give the edges and the depth-1 neighbourhoods the DuckDB source gives, and its
slice must be a snapshot that source opens unchanged: a crawl of the slice gives the corpus a
crawl of the whole snapshot gives. One Spark session (``local[2]``, UI off, 2 shuffle
partitions, loopback only) serves the module; the job runs twice (JSON Lines in and out, then
Parquet in and out with caps). Skipped, saying why, where PySpark or Java is missing.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from citegraph.collect import Collector, FetchOptions, make_clients
from citegraph.jobs.spark_neighbourhoods import JobError, main, run_job
from citegraph.model import Corpus
from citegraph.sources.openalex_snapshot import OpenAlexSnapshotSource, convert_to_parquet
from tests.emulator.snapshot import write_openalex_snapshot

pytest.importorskip(
    "pyspark", reason="PySpark is not installed: pip install -r requirements-dev.txt"
)
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip(
        "Java is not installed, and Spark needs a Java 17+ runtime: `make test` installs "
        "openjdk-17-jre-headless when run as root; install it (or set JAVA_HOME) to run this.",
        allow_module_level=True,
    )

pytestmark = [
    pytest.mark.timeout(1200),  # Spark's start and stages on two shared cores
    # pyspark checks the pandas version on import; the job never converts to pandas
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

UNKNOWN = "W9999999999"


@pytest.fixture(scope="module")
def spark():  # type: ignore[no-untyped-def]
    from pyspark.sql import SparkSession

    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"  # the driver binds to loopback only
    session = (
        SparkSession.builder.master("local[2]")
        .appName("citegraph-test")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def snapshot_dir(emulator_server, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("openalex-snapshot")
    write_openalex_snapshot(emulator_server.corpus, folder)
    return folder


@pytest.fixture(scope="module")
def duck(snapshot_dir: Path) -> OpenAlexSnapshotSource:
    return OpenAlexSnapshotSource(snapshot_dir, threads=1)


@pytest.fixture(scope="module")
def seeds(emulator_server) -> list[str]:  # type: ignore[no-untyped-def]
    """The emulator's seed by W-id and by PMID, twelve more works, one unknown, one non-id."""
    index = emulator_server.index
    seed = index.works[index.seed_key]
    wids = [w["openalex_id"] for w in index.corpus["works"] if w["openalex_id"]]
    others = [w for w in wids if w != seed["openalex_id"]][::23][:12]
    return [seed["openalex_id"], f"pmid:{seed['pmid']}", *others, UNKNOWN, "title:not an id"]


@pytest.fixture(scope="module")
def job(spark, snapshot_dir: Path, seeds: list[str], tmp_path_factory):  # type: ignore[no-untyped-def]
    """The job over the JSON Lines snapshot: every edge, no caps, a JSON Lines slice."""
    out = tmp_path_factory.mktemp("spark") / "slice"
    summary = run_job(spark, str(snapshot_dir), seeds, str(out))
    return out, summary


def _rows(spark, folder: Path, table: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [r.asDict() for r in spark.read.parquet(str(folder / table)).collect()]


def _crawl(folder: Path, *, max_per_kind: int = 100, seed: str) -> Corpus:
    clients = make_clients((), rate=1000, retries=0)
    clients.extra.append(OpenAlexSnapshotSource(folder, threads=1))
    return Collector([seed], clients, FetchOptions(depth=1, max_per_kind=max_per_kind)).run()


def _tables(corpus: Corpus) -> dict[str, list[tuple]]:
    """The corpus's tables as sorted rows, without the works' urls (they name the part file)."""
    out = {}
    for table in ("works", "authors", "authorships", "links"):
        frame = getattr(corpus, table)
        if table == "works":
            frame = frame.drop(columns=["urls"])
        rows = frame.map(lambda v: tuple(v) if isinstance(v, list) else v).astype(str)
        out[table] = sorted(map(tuple, rows.itertuples(index=False)))
    return out


# ------------------------------------------------------------------- same as the DuckDB source


def test_edges_are_every_referenced_work_pair(spark, job, duck, emulator_server) -> None:  # type: ignore[no-untyped-def]
    out, summary = job
    wids = [w["openalex_id"] for w in emulator_server.corpus["works"] if w["openalex_id"]]
    expected = {(link.source, link.target) for link in duck.fetch_links("references", wids).links}
    edges = {(r["citing"], r["cited"]) for r in _rows(spark, out, "edges")}
    assert len(expected) > 500 and edges == expected
    assert summary["edges"] == len(expected)


def test_neighbourhoods_are_the_duckdb_sources_links(spark, job, duck, seeds) -> None:  # type: ignore[no-untyped-def]
    out, summary = job
    rows = _rows(spark, out, "neighbourhoods")
    assert summary["seeds_not_found"] == [UNKNOWN] and summary["not_ids"] == ["title:not an id"]
    assert summary["seeds_found"] == len(seeds) - 2
    resolved = duck.resolve(seeds[:-2]).ids
    for seed in seeds[:-2]:
        wid = resolved[seed]
        mine = [r for r in rows if r["seed"] == seed]
        assert {r["seed_id"] for r in mine} == {wid}
        by = {rel: [r["work_id"] for r in sorted(mine, key=lambda r: r["rank"]) if
                    r["relation"] == rel] for rel in ("seed", "references", "cited_by", "related")}  # fmt: skip
        assert by["seed"] == [wid]
        assert by["references"] == [x.target for x in duck.fetch_links("references", [wid]).links]
        assert by["related"] == [x.target for x in duck.fetch_links("related", [wid]).links]
        assert by["cited_by"] == [x.source for x in duck.fetch_links("cited_by", [wid]).links]
        for rel in ("references", "cited_by", "related"):  # ranks 1..n without gaps
            assert sorted(r["rank"] for r in mine if r["relation"] == rel) == list(
                range(1, len(by[rel]) + 1)
            )
    assert sum(len(r) for r in [rows]) == sum(summary["members"].values())
    assert summary["members"]["cited_by"] > 20


def test_the_slice_holds_every_member_the_snapshot_has_unchanged(job, duck, spark) -> None:  # type: ignore[no-untyped-def]
    out, summary = job
    members = {r["work_id"] for r in _rows(spark, out, "neighbourhoods")}
    sliced = OpenAlexSnapshotSource(out, threads=1)
    assert sliced.format == "jsonl"
    in_full = duck.fetch_works(sorted(members)).works
    in_slice = sliced.fetch_works(sorted(members)).works
    assert summary["slice_works"] == len(in_slice) == len(in_full) > 100

    def strip(works):  # the record's url names its part file, which differs
        return sorted((replace(w, url=None) for w in works), key=lambda w: w.openalex_id)

    assert strip(in_slice) == strip(in_full)
    manifest = json.loads((out / "data" / "works" / "manifest").read_text())
    assert manifest["meta"]["record_count"] == len(in_slice)
    assert all(e["url"].startswith("data/works/updated_date=") for e in manifest["entries"])


@pytest.mark.parametrize("max_per_kind", [100, 3])
def test_a_crawl_of_the_slice_gives_the_whole_snapshots_corpus(
    job, snapshot_dir, emulator_server, max_per_kind
) -> None:  # type: ignore[no-untyped-def]
    out, _ = job
    seed = emulator_server.seed
    whole = _crawl(snapshot_dir, max_per_kind=max_per_kind, seed=seed)
    sliced = _crawl(out, max_per_kind=max_per_kind, seed=seed)
    assert whole.counts() == sliced.counts() and whole.counts()["works"] > 20
    assert _tables(sliced) == _tables(whole)


# --------------------------------------------------- Parquet in and out, caps, the command


def test_the_command_over_parquet_with_caps(
    spark, job, snapshot_dir, seeds, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    parquet = tmp_path / "parquet"
    convert_to_parquet(snapshot_dir, parquet, threads=1)
    (tmp_path / "seeds.txt").write_text("\n".join(seeds[:4]) + "\n# a comment\n")
    out = tmp_path / "capped"
    argv = ["--snapshot", str(parquet), "--seeds", str(tmp_path / "seeds.txt"), "--out", str(out),
            "--max-per-kind", "3", "--edges", "slice", "--format", "parquet"]  # fmt: skip
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary == json.loads((out / "summary.json").read_text())
    full = {(r["seed"], r["relation"], r["work_id"]): r["rank"]
            for r in _rows(spark, job[0], "neighbourhoods")}  # fmt: skip
    capped = {(r["seed"], r["relation"], r["work_id"]): r["rank"]
              for r in _rows(spark, out, "neighbourhoods")}  # fmt: skip
    assert capped == {k: n for k, n in full.items() if k[0] in seeds[:4]
                      and (n <= 3 or k[1] in ("seed", "references"))}  # fmt: skip
    sliced = OpenAlexSnapshotSource(out, threads=1)
    assert sliced.format == "parquet"
    members = sorted({k[2] for k in capped})
    assert len(sliced.fetch_works(members).works) == summary["slice_works"] > 10
    slice_ids = {w.openalex_id for w in sliced.fetch_works(members).works}
    edges = _rows(spark, out, "edges")
    assert edges and {e["citing"] for e in edges} <= slice_ids
    assert main(argv) == 2  # never overwrites
    assert "exists" in capsys.readouterr().err


def test_unusable_input_says_what_to_do(spark, tmp_path, snapshot_dir) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(JobError, match="no seeds given.*one id per line"):
        run_job(spark, str(snapshot_dir), ["title:x", ""], str(tmp_path / "a"))
    with pytest.raises(JobError, match="no works in"):
        run_job(spark, str(tmp_path), ["W1"], str(tmp_path / "b"))
    partial = tmp_path / "partial"
    shutil.copytree(snapshot_dir, partial)
    next((partial / "data" / "works").glob("updated_date=*/part_001.gz")).unlink()
    with pytest.raises(JobError, match="missing .*Finish the download"):
        run_job(spark, str(partial), ["W1"], str(tmp_path / "c"))
    with pytest.raises(JobError, match="--edges takes"):
        run_job(spark, str(snapshot_dir), ["W1"], str(tmp_path / "d"), edges="some")
