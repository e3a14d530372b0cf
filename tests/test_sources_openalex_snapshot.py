"""The OpenAlex snapshot source (DuckDB) against the emulator's SYNTHETIC (generated) corpus,
written in the snapshot's real layout by `tests.emulator.snapshot.write_openalex_snapshot`.

(a) the source contract's checks (tests/test_sources_contract.py builds its sources with
`make_clients` and requires ``WorkRecord.source == source.name``; this source's records say
"openalex" on purpose, so the checks are mirrored here); (b) a crawl with OpenAlex from the
snapshot gives the same corpus as one with OpenAlex from the API emulator; (c) the Parquet
conversion answers as the JSON Lines do.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from citegraph.cli import main as cli_main
from citegraph.collect import Collector, FetchOptions, make_clients
from citegraph.model import LINK_KINDS as MODEL_LINK_KINDS
from citegraph.model import Corpus, LinkRecord, WorkRecord
from citegraph.snapshot import load_snapshot
from citegraph.sources.base import LINK_KINDS, Result, Source, id_kind
from citegraph.sources.openalex_snapshot import (
    OpenAlexSnapshotSource,
    SnapshotSourceError,
    convert_to_parquet,
    main,
)
from tests.emulator.corpus import CorpusIndex
from tests.emulator.fixtures import EmulatorHandle
from tests.emulator.snapshot import write_openalex_snapshot

UNKNOWN = "W9999999999"


@pytest.fixture(scope="module")
def snapshot_dir(emulator_server, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("openalex-snapshot")
    write_openalex_snapshot(emulator_server.corpus, folder)
    return folder


@pytest.fixture(scope="module")
def parquet_dir(snapshot_dir: Path, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    target = tmp_path_factory.mktemp("parquet") / "works"
    assert main(["convert", str(snapshot_dir), str(target), "--threads", "1"]) == 0
    return target


@pytest.fixture(scope="module")
def source(snapshot_dir: Path) -> OpenAlexSnapshotSource:
    return OpenAlexSnapshotSource(snapshot_dir, threads=1, memory_limit="512MB")


@pytest.fixture(scope="module")
def index(emulator_server) -> CorpusIndex:  # type: ignore[no-untyped-def]
    return emulator_server.index


def _seed_wid(index: CorpusIndex) -> str:
    return index.works[index.seed_key]["openalex_id"]


# --------------------------------------------------------------- (a) the contract's checks


def test_layout_has_partitions_parts_and_a_true_manifest(snapshot_dir: Path, index) -> None:  # type: ignore[no-untyped-def]
    works = snapshot_dir / "data" / "works"
    manifest = json.loads((works / "manifest").read_text())
    parts = sorted(works.glob("updated_date=*/part_*.gz"))
    assert len({p.parent.name for p in parts}) > 1 and len(parts) == len(manifest["entries"])
    total = 0
    for entry in manifest["entries"]:
        path = works / entry["url"].split("/works/", 1)[1]
        lines = gzip.decompress(path.read_bytes()).decode().splitlines()
        assert entry["meta"] == {"content_length": path.stat().st_size, "record_count": len(lines)}
        assert all(
            json.loads(line)["updated_date"].startswith(path.parent.name[13:]) for line in lines
        )
        total += len(lines)
    known = [w for w in index.corpus["works"] if w["openalex_id"]]
    assert total == manifest["meta"]["record_count"] == len(known)


def test_declares_what_it_takes(source: OpenAlexSnapshotSource) -> None:
    assert isinstance(source, Source) and source.name == "openalex-snapshot" and source.label
    assert source.id_kinds and set(source.id_kinds) <= {"pmid", "doi", "openalex", "pmcid"}
    assert set(source.link_kinds) <= set(LINK_KINDS)
    for operation in ("resolve", "fetch_works", *source.link_kinds):
        assert source.max_batch[operation] >= 1
    with pytest.raises(ValueError, match="link"):
        source.fetch_links("no-such-kind", ["W1"])


def test_resolve_maps_every_id_kind_and_reports_unknown_ones(source, index) -> None:  # type: ignore[no-untyped-def]
    seed = index.works[index.seed_key]
    asked = [f"pmid:{seed['pmid']}", f"doi:{seed['doi'].upper()}", seed["openalex_id"],
             f"pmcid:{seed['pmcid']}", UNKNOWN, "title:no titles here"]  # fmt: skip
    result = source.resolve(asked)
    assert isinstance(result, Result)
    assert {result.ids[i] for i in asked[:4]} == {seed["openalex_id"]}
    assert all(isinstance(w, WorkRecord) and w.source == "openalex" for w in result.works)
    assert [m["id"] for m in result.missing] == [UNKNOWN, "title:no titles here"]
    assert all(m["source"] == "openalex-snapshot" and m["reason"] for m in result.missing)
    assert source.requests_made == 0


def test_fetch_works_is_the_api_record_and_reports_missing_ids(source, index) -> None:  # type: ignore[no-untyped-def]
    ids = [w["openalex_id"] for w in index.corpus["works"] if w["openalex_id"]]
    pubmed_only = next(w for w in index.corpus["works"] if not w["openalex_id"] and w["doi"])
    result = source.fetch_works([*ids, UNKNOWN, f"doi:{pubmed_only['doi']}"])
    assert sorted(w.openalex_id for w in result.works) == sorted(ids)
    assert [m["id"] for m in result.missing] == [UNKNOWN, f"doi:{pubmed_only['doi']}"]
    # The most-authored work: every author (list answers cut at 100; the snapshot never does).
    most = max(result.works, key=lambda w: len(w.authors))
    assert len(most.authors) > 100
    assert all(w.url and w.url.startswith("openalex-snapshot:updated_date=") for w in result.works)


def test_citing_works_newest_first_within_the_limit(source, index) -> None:  # type: ignore[no-untyped-def]
    wid = _seed_wid(index)
    truth = set(index.openalex_cites(wid))
    assert len(truth) > 3
    everyone = source.fetch_links("cited_by", [wid])
    assert {link.source for link in everyone.links} == truth and not everyone.missing
    assert {w.openalex_id for w in everyone.works} == truth
    capped = source.fetch_links("cited_by", [wid], limit=3)
    assert len(capped.links) == 3 and {link.target for link in capped.links} == {wid}
    assert all(
        link.kind == "references" and link.asserted_by == "openalex" for link in capped.links
    )
    assert [m["id"] for m in capped.missing] == [wid]
    assert "3 newest are kept" in capped.missing[0]["reason"]
    dates = sorted((index.by_openalex(w)["pub_date"] for w in truth), reverse=True)
    assert [w.pub_date for w in capped.works] == dates[:3]


def test_links_of_every_kind_are_model_links(source, index) -> None:  # type: ignore[no-untyped-def]
    wid = _seed_wid(index)
    expected = {"references": set(index.openalex_refs(wid)), "related": set(index.related(wid))}
    for kind in source.link_kinds:
        result = source.fetch_links(kind, [wid], limit=5)
        assert result.links, kind
        for link in result.links:
            assert isinstance(link, LinkRecord) and link.asserted_by == "openalex"
            assert link.kind in MODEL_LINK_KINDS and link.evidence.startswith("openalex-snapshot:")
            assert wid in (link.source, link.target)
            assert id_kind(link.source) and id_kind(link.target)
        if kind == "references":
            assert {link.target for link in result.links} == expected["references"]
        else:
            assert len(result.links) <= 5
        if kind == "related":
            assert {link.target for link in result.links} <= expected["related"]


def test_a_folder_that_is_not_a_snapshot_says_what_to_do(tmp_path: Path, snapshot_dir) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SnapshotSourceError, match="no such folder"):
        OpenAlexSnapshotSource(tmp_path / "absent")
    with pytest.raises(SnapshotSourceError, match="no works in"):
        OpenAlexSnapshotSource(tmp_path)
    partial = tmp_path / "partial"
    shutil.copytree(snapshot_dir, partial)
    next((partial / "data" / "works").glob("updated_date=*/part_001.gz")).unlink()
    with pytest.raises(SnapshotSourceError, match="missing .*Finish the download"):
        OpenAlexSnapshotSource(partial)


# --------------------------------------------------- (b) the same corpus as through the API


def _crawl(emulator, folder: Path | None, *, depth: int = 1, alone: bool = False) -> Corpus:  # type: ignore[no-untyped-def]
    api = ("pubmed", "icite") if folder else ("pubmed", "icite", "openalex")
    if alone:
        api = () if folder else ("openalex",)
    clients = make_clients(api, pubmed_url=emulator.pubmed_url, icite_url=emulator.icite_url,
                           openalex_url=emulator.openalex_url, rate=1000, retries=0)  # fmt: skip
    if folder:
        clients.extra.append(OpenAlexSnapshotSource(folder, threads=1))
    return Collector([emulator.seed], clients, FetchOptions(depth=depth)).run()


@pytest.fixture(scope="module")
def through_api(emulator_server):  # type: ignore[no-untyped-def]
    """Crawls with OpenAlex from the API emulator, by depth (each made once per module)."""
    crawls: dict[int, Corpus] = {}

    def crawl(depth: int) -> Corpus:
        if depth not in crawls:
            emulator_server.reset()
            crawls[depth] = _crawl(EmulatorHandle(emulator_server), None, depth=depth)
        return crawls[depth]

    return crawl


def _evidence(values: list[str]) -> list[str]:
    """Evidence with the snapshot's prefix read as OpenAlex's: the one inherent difference."""
    return sorted({v.replace("openalex-snapshot:", "openalex:") for v in values})


def _frame(corpus: Corpus, table: str):  # type: ignore[no-untyped-def]
    frame = getattr(corpus, table).copy()
    if table == "links":
        frame["evidence"] = frame["evidence"].map(_evidence)
    if table == "works":  # provenance URLs name the API call or the snapshot part
        frame = frame.drop(columns=["urls"])
    return frame.map(lambda v: tuple(v) if isinstance(v, list) else v)


@pytest.mark.parametrize("depth", [1, 2])
def test_a_crawl_through_the_snapshot_gives_the_api_corpus(
    emulator, snapshot_dir, through_api, depth
) -> None:  # type: ignore[no-untyped-def]
    through_api = through_api(depth)
    through_snapshot = _crawl(emulator, snapshot_dir, depth=depth)
    assert through_snapshot.counts() == through_api.counts()
    assert through_snapshot.counts()["links.source.openalex"] > 100
    assert set(through_snapshot.works["id"]) == set(through_api.works["id"])
    for table in ("works", "authors", "authorships", "links"):
        a, b = _frame(through_api, table), _frame(through_snapshot, table)
        key = list(a.columns[:3])
        a, b = (f.sort_values(key, ignore_index=True).astype(str) for f in (a, b))
        assert b.equals(a), table
    snap_urls = {u for urls in through_snapshot.works["urls"] for u in urls}
    assert any(u.startswith("openalex-snapshot:") for u in snap_urls)
    assert through_snapshot.manifest["sources"] == ["pubmed", "icite", "openalex-snapshot"]
    assert through_snapshot.manifest["requests"]["openalex-snapshot"] == 0


def test_the_snapshot_alone_gives_the_openalex_api_alone_corpus(emulator, snapshot_dir) -> None:  # type: ignore[no-untyped-def]
    through_api = _crawl(emulator, None, alone=True)
    through_snapshot = _crawl(emulator, snapshot_dir, alone=True)
    assert through_snapshot.counts() == through_api.counts()
    assert through_snapshot.counts()["works"] > 100
    for table in ("works", "authors", "links"):
        a, b = _frame(through_api, table), _frame(through_snapshot, table)
        key = list(a.columns[:3])
        a, b = (f.sort_values(key, ignore_index=True).astype(str) for f in (a, b))
        assert b.equals(a), table


def test_cli_fetch_with_the_snapshot_source(
    emulator, snapshot_dir, through_api, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.json"
    status = cli_main([
        "fetch", emulator.seed, "--sources", "pubmed,icite,openalex-snapshot",
        "--openalex-snapshot", str(snapshot_dir), "--pubmed-url", emulator.pubmed_url,
        "--icite-url", emulator.icite_url, "-o", str(out),
    ])  # fmt: skip
    assert status == 0
    assert not [r for r in emulator.requests() if r["service"] == "openalex"]
    from_cli = load_snapshot(out)
    assert from_cli.manifest["requests"]["openalex-snapshot"] == 0
    assert from_cli.counts() == through_api(1).counts()


def test_cli_fetch_snapshot_source_without_a_folder_says_so(capsys) -> None:  # type: ignore[no-untyped-def]
    status = cli_main(["fetch", "1", "--sources", "openalex-snapshot", "-o", "/tmp/never.json"])
    assert status == 2
    assert "needs --openalex-snapshot DIR" in capsys.readouterr().err


# ------------------------------------------------------- (c) Parquet answers as JSON Lines


def test_parquet_gives_the_same_answers(source, parquet_dir: Path, index) -> None:  # type: ignore[no-untyped-def]
    parquet = OpenAlexSnapshotSource(parquet_dir, threads=1)
    assert (source.format, parquet.format) == ("jsonl", "parquet")
    assert sorted(p.name for p in parquet_dir.iterdir())[0].startswith("updated_date=")
    seed = index.works[index.seed_key]
    wids = [w["openalex_id"] for w in index.corpus["works"] if w["openalex_id"]]
    asked = [f"pmid:{seed['pmid']}", f"doi:{seed['doi']}", f"pmcid:{seed['pmcid']}", UNKNOWN]
    assert parquet.resolve(asked) == source.resolve(asked)
    assert parquet.fetch_works([*wids, UNKNOWN]) == source.fetch_works([*wids, UNKNOWN])
    for kind in parquet.link_kinds:
        for limit in (None, 3):
            assert parquet.fetch_links(kind, wids, limit=limit) == source.fetch_links(
                kind, wids, limit=limit
            ), (kind, limit)


def test_convert_refuses_a_folder_in_use_and_foreign_parquet(
    snapshot_dir, parquet_dir, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    assert main(["convert", str(snapshot_dir), str(parquet_dir)]) == 2
    assert "is not empty" in capsys.readouterr().err
    with pytest.raises(SnapshotSourceError, match="Parquet already"):
        convert_to_parquet(parquet_dir, tmp_path / "again")
    import duckdb

    (tmp_path / "theirs").mkdir()
    duckdb.sql(f"COPY (SELECT 'W1' AS id) TO '{tmp_path}/theirs/part.parquet' (FORMAT parquet)")
    with pytest.raises(SnapshotSourceError, match="lacks the columns .*convert"):
        OpenAlexSnapshotSource(tmp_path / "theirs")


def test_fetch_by_pmid_also_finds_works_known_only_by_pmid(snapshot_dir, index) -> None:  # type: ignore[no-untyped-def]
    plain = OpenAlexSnapshotSource(snapshot_dir, threads=1)
    by_pmid = OpenAlexSnapshotSource(snapshot_dir, threads=1, fetch_by_pmid=True)
    assert by_pmid.id_kinds == ("openalex", "doi", "pmid") and plain.id_kinds == ("openalex", "doi")
    both = [w for w in index.corpus["works"] if w["openalex_id"] and w["pmid"]][:5]
    asked = [f"pmid:{w['pmid']}" for w in both]
    assert [m["id"] for m in plain.fetch_works(asked).missing] == asked
    found = by_pmid.fetch_works([*asked, "pmid:89999999"])
    assert sorted(w.openalex_id for w in found.works) == sorted(w["openalex_id"] for w in both)
    assert [m["id"] for m in found.missing] == ["pmid:89999999"]
