from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from citegraph.model import Corpus
from citegraph.snapshot import (
    SnapshotError,
    dumps_snapshot,
    load_snapshot,
    loads_snapshot,
    new_manifest,
    save_snapshot,
)


def _corpus() -> Corpus:
    """Hand-built test corpus (not real bibliographic data)."""
    return Corpus.from_rows(
        works=[
            {
                "id": "pmid:1",
                "pmid": "1",
                "title": "Seed paper",
                "year": 2024,
                "is_seed": True,
                "journal": "J Test",
                "sources": ["pubmed", "openalex"],
                "field_sources": {"title": "pubmed"},
                "pub_types": ["Review"],
            },
            {
                "id": "W2",
                "openalex_id": "W2",
                "title": "Cited work",
                "year": 2019,
                "cited_by_count": 12,
                "sources": ["openalex"],
            },
        ],
        authors=[
            {
                "id": "orcid:0000-0001-2345-6789",
                "name": "Ann Lee",
                "orcid": "0000-0001-2345-6789",
                "affiliations": ["Dept X, Univ Y"],
                "merge_rule": "orcid",
                "merge_confidence": 1.0,
            }
        ],
        authorships=[
            {
                "work_id": "pmid:1",
                "author_id": "orcid:0000-0001-2345-6789",
                "position": 1,
                "name": "Ann Lee",
            }
        ],
        links=[
            {
                "source": "pmid:1",
                "target": "W2",
                "kind": "references",
                "sources": ["openalex", "pubmed"],
                "evidence": ["openalex:referenced_works"],
            },
            {
                "source": "pmid:1",
                "target": "W2",
                "kind": "similar",
                "sources": ["pubmed"],
                "score": 12345.0,
            },
        ],
        manifest=new_manifest(
            seeds=["pmid:1"],
            sources=["pubmed", "openalex"],
            missing=[{"id": "pmid:1", "source": "icite", "reason": "HTTP 503"}],
        ),
    )


@pytest.mark.parametrize("name", ["snap.json", "snap.json.gz"])
def test_round_trip_keeps_every_table(tmp_path: Path, name: str) -> None:
    corpus = _corpus()
    path = save_snapshot(corpus, tmp_path / name)
    back = load_snapshot(path)
    assert dumps_snapshot(back) == dumps_snapshot(corpus)
    assert back.works["year"].tolist() == [2024, 2019]
    assert back.links["score"].tolist()[1] == 12345.0
    assert back.manifest["missing"] == corpus.manifest["missing"]
    assert back.counts() == corpus.counts()
    assert back.seed_ids() == ["pmid:1"]
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")


def _doc() -> dict:
    return json.loads(dumps_snapshot(_corpus()))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format="other"), "field 'format'"),
        (lambda d: d.update(format_version=2), "newer Citegraph"),
        (lambda d: d.update(format_version=0), "format_version"),
        (lambda d: d.pop("manifest"), "field 'manifest'"),
        (lambda d: d["manifest"].pop("seeds"), "manifest.seeds"),
        (lambda d: d.update(works={}), "field 'works'"),
        (lambda d: d["works"][1].update(year="2019"), "works[1].year must be an integer"),
        (lambda d: d["works"][0].update(id=""), "works[0].id must be a non-empty string"),
        (lambda d: d["works"][0].update(pub_types="Review"), "works[0].pub_types must be a list"),
        (lambda d: d["works"][0].update(colour="red"), "works[0] has unknown field(s) colour"),
        (lambda d: d["links"][0].update(kind="cites"), "links[0].kind is 'cites'"),
        (
            lambda d: d["links"][0].update(target="pmid:404"),
            "links[0].target 'pmid:404' is not in works",
        ),
        (
            lambda d: d["authorships"][0].update(author_id="x"),
            "authorships[0].author_id 'x' is not in authors",
        ),
        (lambda d: d["manifest"]["missing"].append({"id": "x"}), "manifest.missing[1]"),
        (lambda d: d["works"].append(dict(d["works"][0])), "more than once"),
    ],
)
def test_invalid_snapshot_names_file_and_field(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    doc = _doc()
    mutate(doc)
    with pytest.raises(SnapshotError) as err:
        loads_snapshot(json.dumps(doc).encode(), name="bad.json")
    assert str(err.value).startswith("bad.json: ")
    assert message in str(err.value)


def test_truncated_empty_missing_and_binary_files(tmp_path: Path) -> None:
    data = dumps_snapshot(_corpus())
    with pytest.raises(SnapshotError, match="truncated"):
        loads_snapshot(data[: len(data) // 2], name="t.json")
    with pytest.raises(SnapshotError, match="truncated"):
        loads_snapshot(gzip.compress(data)[:100], name="t.json.gz")
    with pytest.raises(SnapshotError, match="empty"):
        loads_snapshot(b"", name="e.json")
    with pytest.raises(SnapshotError, match="not a text file"):
        loads_snapshot(b"\xff\xfe\x00garbage", name="b.json")
    with pytest.raises(SnapshotError, match="no such snapshot file"):
        load_snapshot(tmp_path / "nope.json")


def test_save_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    save_snapshot(_corpus(), path)
    assert not list(tmp_path.glob("*.part"))
    assert load_snapshot(path).counts()["works"] == 2


def test_bundled_snapshot_carries_the_seed_abstract_with_its_source() -> None:
    from citegraph.cli import DEFAULT_SNAPSHOT
    from tests.conftest import SEED_FACTS

    if not SEED_FACTS.exists():
        pytest.skip("../shared seed facts not present")
    raw = json.loads(SEED_FACTS.read_text(encoding="utf-8").splitlines()[0])
    work = load_snapshot(DEFAULT_SNAPSHOT).works.iloc[0]
    assert raw["abstract"] and work["abstract"] == raw["abstract"]
    assert work["field_sources"]["abstract"] == raw["field_sources"]["abstract"]
