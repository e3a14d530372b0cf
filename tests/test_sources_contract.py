"""One contract suite for every source (`citegraph.sources.base.Source`), run against the
emulator's SYNTHETIC (generated) corpus: what each source promises the crawl."""

from __future__ import annotations

import json
import math
import re
import time

import pytest
import requests

from citegraph.collect import make_clients
from citegraph.model import LINK_KINDS as MODEL_LINK_KINDS
from citegraph.model import LinkRecord, WorkRecord
from citegraph.sources.base import LINK_KINDS, Result, Source, id_kind, paginate
from citegraph.sources.openalex import CITING_SORT, OpenAlexClient

SOURCES = ["pubmed", "icite", "openalex"]
UNKNOWN = {"pmid": "pmid:89999999", "openalex": "W9999999999", "doi": "doi:10.99999/absent.0"}


def _source(emulator, name: str) -> Source:  # type: ignore[no-untyped-def]
    clients = make_clients(
        [name], pubmed_url=emulator.pubmed_url, icite_url=emulator.icite_url,
        openalex_url=emulator.openalex_url, rate=0, retries=0,
    )  # fmt: skip
    (source,) = clients.sources()
    return source


def _seed_id(emulator, source: Source) -> str:  # type: ignore[no-untyped-def]
    """The seed under the id kind ``source`` prefers."""
    seed = emulator.index.works[emulator.index.seed_key]
    ids = {
        "pmid": f"pmid:{seed['pmid']}",
        "openalex": seed["openalex_id"],
        "doi": f"doi:{seed['doi']}",
    }
    return ids[source.id_kinds[0]]


def _ids(emulator, source: Source) -> list[str]:  # type: ignore[no-untyped-def]
    """Every work of the corpus under the id kind ``source`` prefers."""
    kind = source.id_kinds[0]
    out = []
    for work in emulator.corpus["works"]:
        if kind == "pmid" and work["pmid"]:
            out.append(f"pmid:{work['pmid']}")
        elif kind == "openalex" and work["openalex_id"]:
            out.append(work["openalex_id"])
    return out


_SINGLETON = re.compile(r"^/works/W\d+$")


def _requests(emulator, service: str, expected: int) -> list[dict]:  # type: ignore[no-untyped-def]
    # The emulator logs a request just after answering it: poll (bounded) for the last one.
    deadline = time.monotonic() + 2.0
    while True:
        found = [r for r in emulator.requests() if r["service"] == service]
        if len(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


@pytest.mark.parametrize("name", SOURCES)
def test_declares_what_it_takes(emulator, name: str) -> None:  # type: ignore[no-untyped-def]
    source = _source(emulator, name)
    assert isinstance(source, Source) and source.name == name and source.label
    assert source.id_kinds and set(source.id_kinds) <= {"pmid", "doi", "openalex", "pmcid"}
    assert set(source.link_kinds) <= set(LINK_KINDS)
    for operation in ("resolve", "fetch_works", *source.link_kinds):
        assert source.max_batch[operation] >= 1
    with pytest.raises(ValueError, match="link"):
        source.fetch_links("no-such-kind", [_seed_id(emulator, source)])


@pytest.mark.parametrize("name", SOURCES)
def test_resolve_maps_ids_and_reports_unknown_ones_by_id(emulator, name: str) -> None:  # type: ignore[no-untyped-def]
    source = _source(emulator, name)
    seed = f"pmid:{emulator.seed}"
    unknown = UNKNOWN["openalex"] if "pmid" not in source.resolve_kinds else "title:zzqx no such"
    if name == "icite":
        unknown = "doi:10.1/not-a-pmid"  # iCite resolves PMIDs only
    result = source.resolve([seed, unknown])
    assert isinstance(result, Result)
    assert id_kind(result.ids[seed]) in source.id_kinds
    assert all(isinstance(w, WorkRecord) and w.source == name for w in result.works)
    assert [m["id"] for m in result.missing] == [unknown]
    assert {"id", "source", "reason", "query"} <= set(result.missing[0])
    assert result.missing[0]["source"] == name and result.missing[0]["reason"]


@pytest.mark.parametrize("name", SOURCES)
def test_fetch_works_batches_and_reports_missing_ids(emulator, name: str) -> None:  # type: ignore[no-untyped-def]
    source = _source(emulator, name)
    size = source.max_batch["fetch_works"]
    ids = _ids(emulator, source)[: size + 1]
    unknown = UNKNOWN[source.id_kinds[0]]
    emulator.reset()
    result = source.fetch_works([*ids, unknown])
    calls = _requests(emulator, name, math.ceil((len(ids) + 1) / size))
    # OpenAlex singleton lookups (free) re-fetch works whose list answer cut the authors.
    batches = [c for c in calls if not _SINGLETON.match(c["path"])]
    assert len(batches) == math.ceil((len(ids) + 1) / size)
    assert len(calls) == source.requests_made
    assert all(isinstance(w, WorkRecord) and w.source == name for w in result.works)
    got = {key for w in result.works for key in (f"pmid:{w.pmid}", w.openalex_id)}
    missing = {m["id"] for m in result.missing}
    assert unknown in missing and all(m["source"] == name for m in result.missing)
    assert set(ids) <= got | missing  # every id asked is answered or reported
    assert not (set(ids) & got & missing)


@pytest.mark.parametrize("name", SOURCES)
def test_citing_works_newest_first_within_the_limit(emulator, name: str) -> None:  # type: ignore[no-untyped-def]
    """Where a source knows who cites a work, it says so: iCite in ``cited_by`` (newest PMIDs
    first), PubMed and OpenAlex through ``fetch_links("cited_by")`` (at most ``limit``)."""
    source = _source(emulator, name)
    index = emulator.index
    seed_id = _seed_id(emulator, source)
    truth = {
        "pubmed": {f"pmid:{p}" for p in index.pubmed_citedin(emulator.seed)},
        "icite": {f"pmid:{p}" for p in index.icite_cited_by(emulator.seed)},
        "openalex": set(index.openalex_cites(seed_id)),
    }[name]
    assert len(truth) > 3
    if "cited_by" not in source.link_kinds:
        (work,) = source.fetch_works([seed_id]).works
        assert set(work.cited_by) == truth
        assert work.cited_by == sorted(work.cited_by, key=lambda p: -int(p[5:]))
        return
    everyone = source.fetch_links("cited_by", [seed_id])
    assert {link.source for link in everyone.links} == truth and not everyone.missing
    capped = source.fetch_links("cited_by", [seed_id], limit=3)
    assert len(capped.links) == 3 and {link.target for link in capped.links} == {seed_id}
    assert all(link.kind == "references" and link.asserted_by == name for link in capped.links)
    assert [m["id"] for m in capped.missing] == [seed_id]
    assert "3 newest are kept" in capped.missing[0]["reason"]
    if name == "pubmed":  # newest = highest PMIDs
        newest = sorted(truth, key=lambda p: -int(p[5:]))[:3]
        assert {link.source for link in capped.links} == set(newest)


@pytest.mark.parametrize("name", SOURCES)
def test_links_of_every_kind_are_model_links(emulator, name: str) -> None:  # type: ignore[no-untyped-def]
    source = _source(emulator, name)
    seed_id = _seed_id(emulator, source)
    for kind in source.link_kinds:
        result = source.fetch_links(kind, [seed_id], limit=5)
        assert result.links, kind
        for link in result.links:
            assert isinstance(link, LinkRecord) and link.asserted_by == name
            assert link.kind in MODEL_LINK_KINDS
            assert seed_id in (link.source, link.target)
            assert id_kind(link.source) and id_kind(link.target)
        if kind != "references":
            assert len(result.links) <= 5


# ------------------------------------------------------------------- OpenAlex paging details


def test_openalex_cursor_paging_stops_without_an_extra_call(emulator) -> None:  # type: ignore[no-untyped-def]
    wid = emulator.index.by_pmid(emulator.seed)["openalex_id"]
    expected = sorted(emulator.index.openalex_cites(wid))
    session_client = make_clients(
        ["openalex"], openalex_api_key="emulator-key-5f1c2e", openalex_url=emulator.openalex_url,
        rate=0, retries=0,
    ).openalex  # fmt: skip
    emulator.reset()
    works = session_client.citing(wid)
    calls = _requests(emulator, "openalex", math.ceil(len(expected) / 100))
    calls = [c for c in calls if not _SINGLETON.match(c["path"])]  # truncated-author re-fetches
    assert sorted(w.openalex_id for w in works) == expected
    assert len(calls) == max(1, math.ceil(len(expected) / 100))  # no trailing empty page
    assert all(c["query"].get("sort") == [CITING_SORT] for c in calls)
    assert all("cursor" in c["query"] for c in calls)


class _Canned(requests.adapters.BaseAdapter):
    """Answers GETs from a dict of path → JSON body (a hand-made OpenAlex, GENERATED data)."""

    def __init__(self, bodies: dict[str, dict]) -> None:
        super().__init__()
        self.bodies = bodies
        self.paths: list[str] = []

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        path = requests.utils.urlparse(request.url).path
        self.paths.append(path)
        resp = requests.Response()
        resp.status_code = 200 if path in self.bodies else 404
        resp._content = json.dumps(self.bodies.get(path, {"error": "Not Found"})).encode()
        resp.url, resp.request = request.url, request
        return resp

    def close(self) -> None:
        pass


def test_openalex_refetches_works_whose_authors_were_truncated() -> None:
    many = [{"author": {"display_name": f"Author {i}"}} for i in range(150)]
    listed = {"id": "https://openalex.org/W11", "is_authors_truncated": True,
              "authorships": many[:100]}  # fmt: skip
    adapter = _Canned({
        "/works": {"meta": {"count": 2}, "results": [listed, {"id": "https://openalex.org/W22"}]},
        "/works/W11": {"id": "https://openalex.org/W11", "authorships": many},
    })  # fmt: skip
    session = requests.Session()
    session.mount("http://", adapter)
    client = OpenAlexClient(session, base_url="http://127.0.0.1:9")
    works = client.fetch_works(["W11", "W22"]).works
    assert [len(w.authors) for w in works] == [150, 0]
    assert adapter.paths == ["/works", "/works/W11"]


def test_paginate_asks_no_page_past_the_limit() -> None:
    asked: list[int] = []

    def fetch(page: int) -> tuple[list[int], int | None]:
        asked.append(page)
        return [page * 10 + i for i in range(10)], page + 1

    assert len(list(paginate(fetch, start=1, limit=20))) == 20 and asked == [1, 2]
