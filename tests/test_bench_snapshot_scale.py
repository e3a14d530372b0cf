"""The snapshot-scale benchmark runs once on a tiny GENERATED snapshot (untimed), so the script
never rots; its DuckDB SQL and the Spark job must find the same neighbourhoods."""

from __future__ import annotations

import gzip
import importlib
import importlib.util
import json
import os
import shutil
from pathlib import Path

import pytest

from citegraph.sources.openalex_snapshot import OpenAlexSnapshotSource

SPARK = bool(importlib.util.find_spec("pyspark")) and bool(
    shutil.which("java") or os.environ.get("JAVA_HOME")
)


def _bench():
    module = importlib.import_module("benchmarks.bench_snapshot_scale")
    return module


def test_the_generated_snapshot_is_the_real_layout_and_deterministic(tmp_path: Path) -> None:
    bench = _bench()
    a = bench.generate_snapshot(tmp_path / "a", 400, seed=7, threads=1)
    b = bench.generate_snapshot(tmp_path / "b", 400, seed=7, threads=1)
    assert a == b and a["works"] == 400
    works = tmp_path / "a" / "data" / "works"
    parts = sorted(works.glob("updated_date=*/part_000.gz"))
    assert len(parts) == bench.DATES
    first = json.loads(gzip.decompress(parts[0].read_bytes()).splitlines()[0])
    assert first["display_name"].startswith("Generated work")
    assert first["updated_date"].startswith(parts[0].parent.name[len("updated_date=") :])
    source = OpenAlexSnapshotSource(tmp_path / "a", threads=1)
    wid = f"W{bench.ID0 + 399}"
    (work,) = source.fetch_works([wid]).works
    assert len(work.references) >= 5 and all(r < wid for r in work.references)  # older works
    assert len(source.fetch_links("related", [wid]).links) >= 5


@pytest.mark.timeout(1500)  # three fresh processes, one of them Spark, on shared cores
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
def test_bench_runs_once_on_a_tiny_snapshot_and_writes_its_section(tmp_path: Path) -> None:
    bench = _bench()
    out = tmp_path / "RESULTS.md"
    out.write_text("# Benchmark results\n\n## another benchmark's section\n", encoding="utf-8")
    engines = "duckdb,source,spark" if SPARK else "duckdb,source"
    work = tmp_path / "work"
    bench.main(["--works", "1500", "--seeds", "15", "--threads", "1", "--memory", "512MB",
                "--spark-memory", "1g", "--engines", engines, "--workdir", str(work),
                "--out", str(out)])  # fmt: skip
    text = out.read_text(encoding="utf-8")
    assert text.count(bench.BEGIN) == 1 and "another benchmark's section" in text
    assert "GENERATED, 1,500 works" in text and "15 seeds" in text
    assert "| DuckDB SQL over Parquet" in text and "| OpenAlex API, projected: 15 singleton" in text
    if SPARK:
        assert "| DuckDB SQL and the Spark job: same members and slice | yes |" in text
    assert not work.exists()  # the workdir is deleted without --keep
