from __future__ import annotations

import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import networkx as nx
import pytest

from citegraph.cli import DEFAULT_SNAPSHOT, EXIT_PIPE, main
from citegraph.snapshot import load_snapshot, save_snapshot
from tests.conftest import ROOT, SEED_FACTS
from tests.corpora import small_corpus


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    corpus = small_corpus()
    corpus.manifest.setdefault("sources", ["pubmed", "openalex"])
    ids = set(corpus.works["id"])  # a snapshot's links end in its works
    corpus = corpus.with_tables(
        links=corpus.links[corpus.links["source"].isin(ids) & corpus.links["target"].isin(ids)]
    )
    return save_snapshot(corpus, tmp_path / "small.json")


def _info(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    assert main(["info", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert all(": " in line for line in lines)
    return dict(line.split(": ", 1) for line in lines)


def test_info_prints_counts_per_kind_and_source(snapshot: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    info = _info(snapshot, capsys)
    corpus = load_snapshot(snapshot)
    assert info["works"] == str(len(corpus.works)) == "8"
    assert info["authors"] == str(len(corpus.authors))
    assert info["authorships"] == str(len(corpus.authorships))
    assert info["links"] == str(len(corpus.links))
    kinds = sum(int(info[f"links.{k}"]) for k in ("references", "similar", "related"))
    assert kinds == len(corpus.links)
    assert any(key.startswith("links.source.") for key in info)
    assert info["missing"] == "0"


def test_info_on_the_bundled_snapshot(capsys) -> None:  # type: ignore[no-untyped-def]
    info = _info(DEFAULT_SNAPSHOT, capsys)
    assert (info["works"], info["authors"], info["authorships"], info["links"]) == (
        "1",
        "24",
        "24",
        "0",
    )
    assert info["origin"] == "verified-facts" and info["seeds"] == "pmid:40603629"
    assert int(info["missing"]) >= 3


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "cyjs", "json", "csv", "html"])
@pytest.mark.parametrize("graph", ["citation", "coauthor", "similarity"])
def test_export_writes_every_format(snapshot: Path, tmp_path: Path, fmt: str, graph: str) -> None:
    out = tmp_path / f"g.{fmt}"
    assert main(["export", str(snapshot), "--graph", graph, "--format", fmt, "-o", str(out)]) == 0
    data = out.read_bytes()
    assert data
    if fmt == "gexf":
        G = nx.read_gexf(out)
    elif fmt == "graphml":
        G = nx.read_graphml(out)
    elif fmt == "csv":
        with zipfile.ZipFile(out) as zf:
            assert {"nodes.csv", "edges.csv"} <= set(zf.namelist())
        return
    elif fmt == "json":
        import json

        G = nx.node_link_graph(json.loads(data), edges="links")
    elif fmt == "cyjs":
        import json

        G = nx.cytoscape_graph(json.loads(data))
    else:
        assert b"vis-network" in data and b'src="http' not in data
        return
    assert G.number_of_nodes() > 0


def test_export_filters_by_journal_and_year(snapshot: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.graphml"
    args = ["export", str(snapshot), "--graph", "citation", "--format", "graphml",
            "--journal", "Test Journal A", "--year-from", "2022", "-o", str(out)]  # fmt: skip
    assert main(args) == 0
    G = nx.read_graphml(out)
    assert G.number_of_nodes() == 2
    assert {d["journal"] for _, d in G.nodes(data=True)} == {"Test Journal A"}
    assert all(int(d["year"]) >= 2022 for _, d in G.nodes(data=True))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["info", "nope.json"], "no such snapshot file"),
        (["fetch", "pmid:abc", "-o", "x.json"], "Enter one of: PMID"),
        (["fetch", "40603629", "--sources", "scopus", "-o", "x.json"], "Unknown source(s) scopus"),
    ],
)
def test_errors_exit_2_with_one_message(args: list[str], message: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_a_corrupt_snapshot_from_the_shell_exits_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "citegraph-snapshot", "format_version": 1, "works": [')
    proc = subprocess.run(
        [sys.executable, "-m", "citegraph", "info", str(bad)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "bad.json" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_import_facts_rebuilds_the_bundled_snapshot(tmp_path: Path) -> None:
    if not SEED_FACTS.exists():
        pytest.skip("../shared seed facts not present")
    out = tmp_path / "seed.json"
    assert main(["import-facts", "--facts", str(SEED_FACTS), "-o", str(out)]) == 0
    rebuilt, bundled = load_snapshot(out), load_snapshot(DEFAULT_SNAPSHOT)
    for table in ("works", "authors", "authorships", "links"):
        assert rebuilt.table(table).astype(str).equals(bundled.table(table).astype(str)), table
    skip = {"created_at"}
    assert {k: v for k, v in rebuilt.manifest.items() if k not in skip} == {
        k: v for k, v in bundled.manifest.items() if k not in skip
    }


@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csv"])
def test_works_writes_the_filtered_reference_list(snapshot: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"w.{fmt}"
    args = ["works", str(snapshot), "--format", fmt, "--journal", "Test Journal A", "-o", str(out)]
    assert main(args) == 0
    text = out.read_text()
    journal_a = load_snapshot(snapshot).works.query("journal == 'Test Journal A'")
    assert len(journal_a) == 3
    if fmt == "ris":
        assert text.count("TY  - JOUR") == 3
    elif fmt == "bibtex":
        assert text.count("@article{") == 3
    else:
        assert len(text.strip().splitlines()) == 1 + 3


# ---------------------------------------------------------------- every page option; pipes
def test_every_page_option_is_a_flag_of_export_and_works(snapshot: Path, tmp_path: Path) -> None:
    from citegraph.views import PageOptions, build_filtered_view, file_bytes

    options = PageOptions(
        view="citation", journals=("Test Journal A", "Test Journal B"), year_from=2020,
        min_citations=3, color_by="year", cluster_method="leiden", resolution=2.0,
    )  # fmt: skip
    flags = ["--graph", "citation", "--journal", "Test Journal A", "--journal", "test journal b",
             "--year-from", "2020", "--min-citations", "3", "--color-by", "year",
             "--cluster-method", "leiden", "--resolution", "2"]  # fmt: skip
    html, ris = tmp_path / "g.html", tmp_path / "w.ris"
    assert main(["export", str(snapshot), "--format", "html", *flags, "-o", str(html)]) == 0
    assert main(["works", str(snapshot), "--format", "ris", *flags, "-o", str(ris)]) == 0
    filtered, G = build_filtered_view(load_snapshot(snapshot), options)
    assert 0 < len(filtered.works) < 8
    assert html.read_bytes() == file_bytes(filtered, G, "html", "html", color_by="year")
    assert ris.read_bytes() == file_bytes(filtered, G, "works", "ris")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--graph", "coauthor", "--color-by", "journal"], "Unknown colour key for the coauthor"),
        (["--resolution", "7"], "Resolution must be from 0.2 to 3, not 7."),
        (["--journal", "Nature"], "No journal of this corpus matches 'Nature'"),
        (["--year-from", "2024", "--year-to", "2020"], "The year range 2024-2020 is empty"),
    ],
)
def test_a_bad_option_exits_2_with_one_message(
    snapshot: Path, tmp_path: Path, flags: list[str], message: str, capsys
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "g.gexf"
    assert main(["export", str(snapshot), "--format", "gexf", *flags, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and not out.exists()


def test_output_dash_writes_the_file_to_stdout(snapshot: Path, tmp_path: Path) -> None:
    out = tmp_path / "w.bib"
    assert main(["works", str(snapshot), "--format", "bibtex", "-o", str(out)]) == 0
    proc = subprocess.run(
        [sys.executable, "-m", "citegraph", "works", str(snapshot), "--format", "bibtex", "-o", "-"],
        cwd=ROOT, capture_output=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stdout == out.read_bytes()


def _closed_pipe_run(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    """Run the CLI with stdout a pipe whose reader has already gone (every write fails)."""
    import os

    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([sys.executable, "-m", "citegraph", *args], cwd=ROOT,
                              stdout=write, stderr=subprocess.PIPE, timeout=120)  # fmt: skip
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "args",
    [
        ["info"],
        ["export", "--graph", "coauthor", "--format", "html", "-o", "-"],
        ["works", "--format", "ris", "-o", "-"],
    ],
)
def test_a_closed_pipe_ends_quietly(snapshot: Path, args: list[str]) -> None:
    args = [args[0], str(snapshot), *args[1:]]
    proc = _closed_pipe_run(args)
    assert proc.returncode == EXIT_PIPE, proc.stderr
    assert b"Traceback" not in proc.stderr and b"Error" not in proc.stderr
    assert b"unexpected error" not in proc.stderr


def test_info_into_head_prints_one_line_and_nothing_on_stderr(snapshot: Path) -> None:
    # The way users meet it: a real shell pipeline, the reader leaving after one line.
    # info is short: head may leave before or after it is written; either way, no noise.
    cmd = f"{shlex.quote(sys.executable)} -m citegraph info {shlex.quote(str(snapshot))} | head -1"
    proc = subprocess.run(["sh", "-c", cmd], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert proc.stdout == f"file: {snapshot}\n" and proc.stderr == ""
