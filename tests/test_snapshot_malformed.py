"""Malformed and hostile snapshot files: each gives one SnapshotError naming the file and the
field, never another exception, and loading stays bounded in size and time.

The files are hand-made mutations of a small generated snapshot (no real bibliographic data).
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from citegraph.snapshot import (
    MAX_SNAPSHOT_BYTES,
    SnapshotError,
    dumps_snapshot,
    loads_snapshot,
    snapshot_schema,
)
from tests.conftest import ROOT
from tests.test_snapshot import _corpus

pytestmark = pytest.mark.reliability


def _doc() -> dict:
    return json.loads(dumps_snapshot(_corpus()))


def _set(path: str, value: object) -> Callable[[dict], None]:
    """A mutation that sets ``path`` (dots and [i]) in the document to ``value``."""

    def mutate(doc: dict) -> None:
        *parents, last = [
            int(p) if p.isdigit() else p for p in path.replace("[", ".").replace("]", "").split(".")
        ]
        node = doc
        for part in parents:
            node = node[part]
        node[last] = value

    return mutate


def _drop(path: str) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        *parents, last = path.split(".")
        node = doc
        for part in parents:
            node = node[part]
        node.pop(last)

    return mutate


MUTATIONS: list[tuple[str, Callable[[dict], None], str]] = [
    ("format_version true", _set("format_version", True), "format_version"),
    ("format_version 1.0", _set("format_version", 1.0), "format_version"),
    ("format_version text", _set("format_version", "1"), "format_version"),
    ("format_version null", _set("format_version", None), "format_version"),
    ("format missing", _drop("format"), "field 'format'"),
    ("manifest a list", _set("manifest", []), "manifest"),
    ("seeds integers", _set("manifest.seeds", [1, 2]), "manifest.seeds[0]"),
    ("sources integers", _set("manifest.sources", [7]), "manifest.sources[0]"),
    ("seeds a string", _set("manifest.seeds", "pmid:1"), "manifest.seeds"),
    ("requests a list", _set("manifest.requests", [1, 2]), "manifest.requests"),
    ("requests negative", _set("manifest.requests", {"pubmed": -1}), "manifest.requests.pubmed"),
    ("caps text", _set("manifest.caps", {"max_per_kind": "many"}), "manifest.caps.max_per_kind"),
    ("depth 30", _set("manifest.depth", 30), "manifest.depth"),
    ("missing a dict", _set("manifest.missing", {}), "manifest.missing"),
    (
        "missing item without reason",
        _set("manifest.missing", [{"id": "x", "source": "y"}]),
        "manifest.missing[0].reason",
    ),
    ("created_at a number", _set("manifest.created_at", 5), "manifest.created_at"),
    ("cost a string", _set("manifest.openalex_cost_usd", "free"), "manifest.openalex_cost_usd"),
    ("works an object", _set("works", {}), "field 'works'"),
    ("work a string", _set("works[0]", "pmid:1"), "works[0]"),
    ("id an integer", _set("works[0].id", 1), "works[0].id"),
    ("id empty", _set("works[0].id", ""), "works[0].id must be a non-empty string"),
    ("id 3000 characters", _set("works[0].id", "x" * 3000), "works[0].id"),
    ("title 2M characters", _set("works[0].title", "t" * 2_000_000), "works[0].title"),
    ("year 10^30", _set("works[0].year", 10**30), "works[0].year"),
    ("year negative", _set("works[0].year", -5), "works[0].year"),
    ("year a float", _set("works[0].year", 2019.5), "works[0].year"),
    ("year a string", _set("works[0].year", "2019"), "works[0].year must be an integer"),
    ("year NaN", _set("works[0].year", float("nan")), "works[0].year"),
    ("count 2^64", _set("works[0].cited_by_count", 2**64), "works[0].cited_by_count"),
    ("count negative", _set("works[0].cited_by_count", -1), "works[0].cited_by_count"),
    ("issn a string", _set("works[0].issn", "1234-5678"), "works[0].issn"),
    ("issn of numbers", _set("works[0].issn", [12345678]), "works[0].issn[0]"),
    ("field_sources a list", _set("works[0].field_sources", ["x"]), "works[0].field_sources"),
    (
        "field_sources numbers",
        _set("works[0].field_sources", {"title": 3}),
        "works[0].field_sources.title",
    ),
    ("is_seed text", _set("works[0].is_seed", "yes"), "works[0].is_seed"),
    ("retracted a number", _set("works[0].retracted", 1), "works[0].retracted"),
    ("unknown column", _set("works[0].colour", "red"), "works[0] has unknown field(s) colour"),
    (
        "relations of objects",
        _set("works[0].relations", [{"type": "RetractionIn"}]),
        "works[0].relations[0]",
    ),
    (
        "author without name",
        _drop("authors.0.name") if False else _set("authors[0].name", None),
        "authors[0].name",
    ),
    ("position negative", _set("authorships[0].position", -1), "authorships[0].position"),
    ("position 10^7", _set("authorships[0].position", 10**7), "authorships[0].position"),
    ("confidence 2", _set("authors[0].merge_confidence", 2), "authors[0].merge_confidence"),
    ("link kind cites", _set("links[0].kind", "cites"), "links[0].kind is 'cites'"),
    ("score infinite", _set("links[0].score", float("inf")), "links[0].score"),
    ("score text", _set("links[0].score", "high"), "links[0].score"),
    (
        "link to nowhere",
        _set("links[0].target", "pmid:404"),
        "links[0].target 'pmid:404' is not in works",
    ),
    (
        "authorship to nowhere",
        _set("authorships[0].author_id", "x"),
        "authorships[0].author_id 'x' is not in authors",
    ),
]


@pytest.mark.parametrize(("what", "mutate", "message"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_bad_field_is_named(what: str, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    doc = _doc()
    mutate(doc)
    text = json.dumps(doc, allow_nan=True).encode()
    with pytest.raises(SnapshotError) as err:
        loads_snapshot(text, name="bad.json")
    assert str(err.value).startswith("bad.json: ")
    assert message in str(err.value)
    assert len(str(err.value)) < 400, "a hostile value must not be echoed whole"


RAW: list[tuple[str, bytes, str]] = [
    ("empty", b"", "empty"),
    ("a JSON list", b"[]", "top level"),
    ("a JSON string", b'"snapshot"', "top level"),
    ("JSON null", b"null", "top level"),
    ("not UTF-8", b"\xff\xfe\x00\x01", "not a text file"),
    ("truncated", dumps_snapshot(_corpus())[:200], "truncated"),
    ("nested 200,000 deep", b"[" * 200_000 + b"]" * 200_000, "nested"),
    (
        "a 5,000-digit integer",
        b'{"format": "citegraph-snapshot", "format_version": ' + b"9" * 5000 + b"}",
        "bad.json: ",
    ),
    ("gzip cut short", gzip.compress(dumps_snapshot(_corpus()))[:60], "truncated"),
    (
        "gzip with a damaged body",
        gzip.compress(dumps_snapshot(_corpus()))[:20] + b"\x00" * 200,
        "damaged",
    ),
    ("gzip of garbage", gzip.compress(b"\x00\x01\x02" * 100), "bad.json: "),
]


@pytest.mark.parametrize(("what", "data", "message"), RAW, ids=[r[0] for r in RAW])
def test_unreadable_files_give_one_message(what: str, data: bytes, message: str) -> None:
    with pytest.raises(SnapshotError) as err:
        loads_snapshot(data, name="bad.json")
    assert str(err.value).startswith("bad.json: ") and message in str(err.value)
    assert len(str(err.value)) < 400


def _bomb(size: int) -> bytes:
    """``size`` bytes of spaces, gzip-compressed in chunks (a few hundred KB on disk)."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b" " * (1 << 20)
    out = [deflate.compress(chunk) for _ in range(size >> 20)]
    return b"".join(out) + deflate.flush()


def test_a_gzip_bomb_stops_at_the_cap() -> None:
    bomb = _bomb(MAX_SNAPSHOT_BYTES + (8 << 20))
    assert len(bomb) < MAX_SNAPSHOT_BYTES // 500  # what an upload of it costs
    with pytest.raises(SnapshotError, match="larger than 256 MB once decompressed"):
        loads_snapshot(bomb, name="bomb.json.gz")


def test_a_small_cap_bounds_plain_and_concatenated_gzip() -> None:
    data = dumps_snapshot(_corpus())
    with pytest.raises(SnapshotError, match="larger than"):
        loads_snapshot(data + b" " * (2 << 20), name="big.json", limit=1 << 20)
    twice = _bomb(1 << 20) + _bomb(1 << 20)
    with pytest.raises(SnapshotError, match="larger than"):
        loads_snapshot(twice, name="two.json.gz", limit=(1 << 20) + 10)


def test_the_published_schema_is_current() -> None:
    published = json.loads((ROOT / "docs" / "snapshot-schema.json").read_text(encoding="utf-8"))
    assert published == snapshot_schema(), (
        "run `python -m citegraph schema > docs/snapshot-schema.json`"
    )


def test_the_format_doc_describes_every_field() -> None:
    doc = (ROOT / "docs" / "snapshot-format.md").read_text(encoding="utf-8")
    schema = snapshot_schema()
    for table in ("works", "authors", "authorships", "links"):
        for column in schema["properties"][table]["items"]["properties"]:
            assert f"`{column}`" in doc, (
                f"docs/snapshot-format.md does not describe {table}.{column}"
            )
    for key in schema["properties"]["manifest"]["properties"]:
        assert f"`{key}`" in doc, f"docs/snapshot-format.md does not describe manifest.{key}"


def test_upload_limit_matches_what_the_loader_holds() -> None:
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    line = next(x for x in config.splitlines() if x.startswith("maxUploadSize"))
    assert int(line.split("=")[1]) * 1024 * 1024 <= MAX_SNAPSHOT_BYTES


def test_saved_snapshots_still_load(tmp_path: Path) -> None:
    assert loads_snapshot(dumps_snapshot(_corpus()), name="ok.json").counts()["works"] == 2
    paired = dumps_snapshot(_corpus()).replace(b'"Seed paper"', b'"Seed \\ud83d\\ude00 paper"')
    assert (
        loads_snapshot(paired, name="emoji.json").works.loc[0, "title"] == "Seed \U0001f600 paper"
    )
