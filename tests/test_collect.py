"""The crawl end to end against the emulator's default (SYNTHETIC, generated) corpus."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from citegraph.cli import main as cli_main
from citegraph.collect import (
    Cancelled,
    CollectError,
    Collector,
    FetchOptions,
    collect_facts,
    fetch_corpus,
    make_clients,
)
from citegraph.ids import work_id
from citegraph.snapshot import dumps_snapshot, load_snapshot
from tests.conftest import SEED_FACTS


def _clients(emulator, **kwargs):  # type: ignore[no-untyped-def]
    return make_clients(
        pubmed_url=emulator.pubmed_url,
        icite_url=emulator.icite_url,
        openalex_url=emulator.openalex_url,
        rate=1000,
        retries=0,  # no test here is about retrying
        **kwargs,
    )


def _node(work: dict) -> str:
    return work_id(pmid=work["pmid"], doi=work["doi"], openalex_id=work["openalex_id"])


def _expected_seed_references(emulator) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    """Truly cited works of the seed that at least one service reports → expected sources."""
    index = emulator.index
    seed = index.works[index.seed_key]
    out: dict[str, set[str]] = {}
    for edge in emulator.corpus["citations"]:
        if edge["citing"] != index.seed_key:
            continue
        sources = set(edge["sources"])
        cited = index.works[edge["cited"]]
        # efetch's ReferenceList names a cited work by PMID or DOI; a bare citation text is not a link.
        if edge.get("reference_list") and seed["in_pmc"] and (cited["pmid"] or cited["doi"]):
            sources.add("pubmed")
        if not cited["pmid"]:
            sources.discard("icite")  # PubMed-side services only report works with a PMID
        if sources:
            out[_node(cited)] = sources
    return out


@pytest.fixture
def corpus(emulator):  # type: ignore[no-untyped-def]
    return fetch_corpus(
        [emulator.seed], clients=_clients(emulator), options=FetchOptions(max_per_kind=1000)
    )


def test_depth1_links_carry_every_source_that_asserted_them(emulator, corpus) -> None:  # type: ignore[no-untyped-def]
    seed = f"pmid:{emulator.seed}"
    assert corpus.seed_ids() == [seed]
    refs = corpus.links[(corpus.links["source"] == seed) & (corpus.links["kind"] == "references")]
    got = {row.target: set(row.sources) for row in refs.itertuples()}
    expected = _expected_seed_references(emulator)
    assert got == expected
    by_count = {n: sum(1 for s in got.values() if len(s) == n) for n in (1, 2, 3)}
    assert all(by_count[n] > 0 for n in (1, 2, 3)), by_count


def test_citing_works_and_similar_articles(emulator, corpus) -> None:  # type: ignore[no-untyped-def]
    index = emulator.index
    seed = f"pmid:{emulator.seed}"
    citing = corpus.links[(corpus.links["target"] == seed) & (corpus.links["kind"] == "references")]
    reported = set(index.pubmed_citedin(emulator.seed)) | set(index.icite_cited_by(emulator.seed))
    reported_w = set(index.openalex_cites(index.works[index.seed_key]["openalex_id"]))
    expected = {_node(index.by_pmid(p)) for p in reported} | {
        _node(index.by_openalex(w)) for w in reported_w
    }
    # A work PubMed was asked about may name the seed in its own record's reference lists
    # (CommentsCorrections "Cites"), which no citing-list service reports.
    fetched = set(corpus.works.loc[corpus.works["sources"].map(lambda s: "pubmed" in s), "id"])
    seed_pmid = str(emulator.seed)
    for fact in index.truth()["works"].values():
        node = f"pmid:{fact['ids']['pmid']}" if fact["ids"]["pmid"] else None
        if node in fetched and any(r.get("pmid") == seed_pmid for r in fact["references"]):
            expected.add(node)
    assert set(citing["source"]) == expected
    similar = corpus.links[corpus.links["kind"] == "similar"].sort_values("score", ascending=False)
    assert [
        (t.removeprefix("pmid:"), s)
        for t, s in zip(similar["target"], similar["score"], strict=True)
    ] == [(p, float(s)) for p, s in index.similar(emulator.seed)]
    assert set(corpus.links.loc[corpus.links["kind"] == "similar", "sources"].map(tuple)) == {
        ("pubmed",)
    }


def test_every_work_has_metadata_and_one_row_per_paper(emulator, corpus) -> None:  # type: ignore[no-untyped-def]
    works = corpus.works
    assert works["id"].is_unique
    assert works["doi"].dropna().is_unique and works["pmid"].dropna().is_unique
    assert works["openalex_id"].dropna().is_unique
    titled = works[works["title"].notna()]
    assert len(titled) == len(works), works.loc[works["title"].isna(), "id"].tolist()
    multi = works[works["sources"].map(len) >= 2]
    assert len(multi) > len(works) // 2
    # A work known to PubMed and OpenAlex keeps the source of each field.
    row = multi.iloc[0]
    assert set(row["field_sources"].values()) <= {"pubmed", "openalex", "icite"}


def test_authors_merge_by_orcid_and_keep_same_name_people_apart(emulator, corpus) -> None:  # type: ignore[no-untyped-def]
    authors = corpus.authors
    assert authors["orcid"].dropna().is_unique
    merged = authors[authors["sources"].map(lambda s: {"pubmed", "openalex"} <= set(s))]
    assert len(merged) > 0
    assert set(merged["merge_rule"]) & {"orcid", "same-work", "openalex"}
    people = emulator.corpus["people"].values()
    keys: dict[str, list[str]] = {}
    for person in people:
        if person.get("orcid"):
            keys.setdefault(f"{person['last_name']}|{person['fore_name'][0]}".lower(), []).append(
                person["orcid"]
            )
    clashes = [orcids for orcids in keys.values() if len(orcids) > 1]
    assert clashes, "the generated corpus should hold two people sharing a name key"
    for orcids in clashes:
        present = [o for o in orcids if o in set(authors["orcid"].dropna())]
        assert len({authors.loc[authors["orcid"] == o, "id"].iloc[0] for o in present}) == len(
            present
        )


def test_request_counts_and_a_repeat_costs_nothing(emulator) -> None:  # type: ignore[no-untyped-def]
    emulator.reset()
    first = fetch_corpus([emulator.seed], clients=_clients(emulator))
    by_service: dict[str, int] = {}
    for req in emulator.requests():
        by_service[req["service"]] = by_service.get(req["service"], 0) + 1
    assert first.manifest["requests"] == by_service
    assert by_service["pubmed"] <= 6 and by_service["icite"] <= 3 and by_service["openalex"] <= 8
    emulator.reset()
    again = fetch_corpus([emulator.seed], clients=_clients(emulator))
    assert emulator.requests() == []
    assert again.counts() == first.counts()


def test_cancel_leaves_a_usable_partial_corpus_and_a_rerun_resumes(emulator) -> None:  # type: ignore[no-untyped-def]
    full = fetch_corpus([emulator.seed], clients=_clients(emulator))
    full_requests = len(emulator.requests())
    emulator.reset()
    stages: list[str] = []
    collector = Collector(
        [emulator.seed],
        _clients(emulator),
        FetchOptions(),
        should_stop=lambda: "PubMed works" in stages,
        progress=lambda stage, done, total: stages.append(stage),
    )
    # The cache of the first run is still there: start from a fresh cache to see resuming.
    partial = collector.run()
    assert collector.state == "cancelled"
    assert partial.seed_ids() == [f"pmid:{emulator.seed}"]
    assert any(
        m["source"] == "all" and "cancelled" in m["reason"] for m in partial.manifest["missing"]
    )
    assert len(partial.works) <= len(full.works)
    # Resume: everything fetched before the cancel comes from the cache.
    emulator.reset()
    resumed = fetch_corpus([emulator.seed], clients=_clients(emulator))
    assert resumed.counts() == full.counts()
    assert len(emulator.requests()) < full_requests or full_requests == 0


def test_interrupted_fetch_resumes_from_the_cache(emulator, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CITEGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    emulator.reset()
    stages: list[str] = []

    def stop_at_openalex_second_round(stage: str, done: int, total: int) -> None:
        # OpenAlex's second round asks for the DOIs PubMed's records brought in.
        if stage == "OpenAlex works" and "PubMed works" in stages:
            raise KeyboardInterrupt  # what a closed browser tab or Ctrl-C does mid-run
        stages.append(stage)

    collector = Collector(
        [emulator.seed], _clients(emulator), progress=stop_at_openalex_second_round
    )
    with pytest.raises(KeyboardInterrupt):
        collector.run()
    before = len(emulator.requests())
    assert before > 0 and collector.records
    emulator.reset()
    done = fetch_corpus([emulator.seed], clients=_clients(emulator))
    after = emulator.requests()
    assert 0 < len(after) < before + 3
    assert {r["service"] for r in after} == {"openalex"}
    assert done.manifest["state"] == "done"


#: Waits between passes kept short: these tests are about what is kept, not about waiting.
_QUICK = {"retry_wait_max": 0.05}


def test_a_call_that_fails_is_asked_again_later_and_nothing_is_lost(emulator) -> None:  # type: ignore[no-untyped-def]
    emulator.reset()
    emulator.configure(fail_next=[("icite", "truncate")] * 3 + [("openalex", 503)])
    collector = Collector([emulator.seed], _clients(emulator), FetchOptions(**_QUICK))
    corpus = collector.run()
    assert corpus.manifest["state"] == "done" and corpus.manifest["missing"] == []
    assert corpus.manifest["gaps"] == {}
    emulator.reset()
    clean = Collector([emulator.seed], _clients(emulator)).run()  # from the cache
    assert sorted(clean.works["id"]) == sorted(corpus.works["id"])
    assert len(clean.links) == len(corpus.links)


def test_a_service_that_keeps_failing_is_listed_by_id_and_the_crawl_is_partial(emulator) -> None:  # type: ignore[no-untyped-def]
    emulator.reset()
    emulator.configure(fail_next=[("icite", 503)] * 200)
    collector = Collector([emulator.seed], _clients(emulator), FetchOptions(**_QUICK))
    corpus = collector.run()
    assert corpus.manifest["state"] == "partial"
    missing = [m for m in corpus.manifest["missing"] if m["source"] == "icite"]
    assert missing and all("server error (HTTP 503" in m["reason"] for m in missing)
    assert all(" ids)" not in m["id"] and "…" not in m["id"] for m in missing)  # one id each
    assert all(
        m["query"].startswith(
            ("resolve: GET http", "fetch_works: GET http", "fetch_links cited_by: GET http")
        )
        for m in missing
    )
    assert any("/pubs?pmids=" in m["query"] for m in missing)  # the exact request
    assert len({m["id"] for m in missing}) == len(missing)
    assert sum(corpus.manifest["gaps"].values()) == len(missing)
    assert len(corpus.works) > 10  # the other sources still delivered
    # a dead service rests after give_up_after failures in a row: few requests are spent on it
    sent = [e for e in emulator.requests() if e["service"] == "icite"]
    assert len(sent) <= (1 + FetchOptions().retry_passes) * (FetchOptions().give_up_after + 1)
    assert corpus.manifest["requests"]["icite"] == len(sent)
    emulator.reset()
    resumed = collector.resume().run()  # "Fetch the missing parts"
    assert resumed.manifest["state"] == "done" and resumed.manifest["missing"] == []
    again = [e for e in emulator.requests() if e["service"] == "icite"]
    assert resumed.manifest["requests"]["icite"] == len(again)  # this crawl's requests only


def test_unreachable_services_give_one_clear_error() -> None:
    clients = make_clients(
        pubmed_url="http://127.0.0.1:9/entrez/eutils", icite_url="http://127.0.0.1:9/api",
        openalex_url="http://127.0.0.1:9", rate=1000, retries=0,
    )  # fmt: skip
    with pytest.raises(CollectError, match="Cannot reach icite, openalex, pubmed"):
        fetch_corpus(["40603629"], clients=clients)


def test_unknown_seed_is_not_found(emulator) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CollectError, match="could be found"):
        fetch_corpus(["89999999"], clients=_clients(emulator))


def test_doi_and_openalex_seeds_resolve_to_the_same_work(emulator) -> None:  # type: ignore[no-untyped-def]
    seed = emulator.index.works[emulator.index.seed_key]
    by_doi = fetch_corpus([seed["doi"]], clients=_clients(emulator))
    by_w = fetch_corpus([seed["openalex_id"]], clients=_clients(emulator))
    assert by_doi.seed_ids() == by_w.seed_ids() == [f"pmid:{seed['pmid']}"]
    assert by_doi.counts() == by_w.counts()


def test_depth2_adds_at_most_max_per_kind_per_kind(emulator) -> None:  # type: ignore[no-untyped-def]
    d1 = fetch_corpus(
        [emulator.seed], clients=_clients(emulator), options=FetchOptions(max_per_kind=5)
    )
    d2 = fetch_corpus(
        [emulator.seed], clients=_clients(emulator), options=FetchOptions(depth=2, max_per_kind=5)
    )
    added = len(d2.works) - len(d1.works)
    assert 0 < added <= 2 * 5 + 5  # refs + citers (+ works reached through them by id)
    assert d2.manifest["depth"] == 2


def test_cli_fetch_writes_the_same_corpus(emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.json"
    status = cli_main([
        "fetch", emulator.seed, "--depth", "1", "--pubmed-url", emulator.pubmed_url,
        "--icite-url", emulator.icite_url, "--openalex-url", emulator.openalex_url, "-o", str(out),
    ])  # fmt: skip
    assert status == 0
    from_cli = load_snapshot(out)
    direct = fetch_corpus([emulator.seed], clients=_clients(emulator))
    assert from_cli.counts() == direct.counts()
    assert from_cli.works["id"].tolist() == direct.works["id"].tolist()


def test_cli_fetch_with_gaps_exits_3_and_a_rerun_fills_them(
    emulator, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    from citegraph.cli import EXIT_PARTIAL

    out = tmp_path / "x.json"
    args = [
        "fetch", emulator.seed, "--pubmed-url", emulator.pubmed_url, "--icite-url",
        emulator.icite_url, "--openalex-url", emulator.openalex_url, "-o", str(out),
    ]  # fmt: skip
    emulator.reset()
    emulator.configure(fail_next=[("openalex", 429)])  # the daily budget: not asked again today
    assert cli_main(args) == EXIT_PARTIAL == 3
    err = capsys.readouterr().err
    assert "partial:" in err and "Run the same command again" in err
    partial = load_snapshot(out)
    assert partial.manifest["state"] == "partial"
    assert {m["source"] for m in partial.manifest["missing"]} == {"openalex"}
    assert "daily OpenAlex budget" in partial.manifest["missing"][0]["reason"]
    emulator.reset()
    assert cli_main(args) == 0
    assert load_snapshot(out).manifest["state"] == "done"


def test_facts_snapshot_holds_only_the_verified_seed() -> None:
    if not SEED_FACTS.exists():
        pytest.skip("../shared seed facts not present")
    corpus = collect_facts(SEED_FACTS)
    assert corpus.counts()["works"] == 1 and corpus.counts()["links"] == 0
    assert corpus.counts()["authors"] == 24
    assert corpus.manifest["origin"] == "verified-facts"
    assert {m["source"] for m in corpus.manifest["missing"]} == {"pubmed", "icite", "openalex"}
    work = corpus.works.iloc[0]
    assert work["title"].startswith("CAR T cell therapy for children")
    assert all(u.startswith("http") for u in work["urls"]) and len(work["urls"]) == 6
    assert sum(1 for a in corpus.authors["affiliations"] if a) == 13


def test_cancelled_is_a_citegraph_error() -> None:
    assert issubclass(Cancelled, Exception)


def test_offline_cache_miss_does_not_drop_what_the_cache_holds(emulator) -> None:  # type: ignore[no-untyped-def]
    online = fetch_corpus([emulator.seed], clients=_clients(emulator))
    offline = fetch_corpus(["W9100000999", emulator.seed], clients=_clients(emulator, offline=True))
    assert offline.counts()["links.source.openalex"] == online.counts()["links.source.openalex"]
    assert any("not in the local cache" in m["reason"] for m in offline.manifest["missing"])


def test_offline_with_an_empty_cache_says_so(emulator) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CollectError, match="not in the local cache and offline mode is on"):
        fetch_corpus([emulator.seed], clients=_clients(emulator, offline=True))


def test_a_pmcid_seed_resolves_through_openalex(emulator) -> None:  # type: ignore[no-untyped-def]
    seed = emulator.index.works[emulator.index.seed_key]
    corpus = fetch_corpus(
        [seed["pmcid"]], clients=_clients(emulator), options=FetchOptions(sources=("openalex",))
    )
    assert corpus.seed_ids() == [f"pmid:{seed['pmid']}"]


def test_depth2_asks_each_id_of_each_source_once(emulator) -> None:  # type: ignore[no-untyped-def]
    clients = _clients(emulator)
    asked: dict[str, list[str]] = {}
    for source in clients.sources():
        real = source.fetch_works

        def spy(ids, real=real, name=source.name):  # type: ignore[no-untyped-def]
            asked.setdefault(name, []).extend(ids)
            return real(ids)

        source.fetch_works = spy  # type: ignore[method-assign]
    fetch_corpus([emulator.seed], clients=clients, options=FetchOptions(depth=2, max_per_kind=20))
    assert any(i.startswith("doi:") for i in asked["openalex"])
    for ids in asked.values():
        assert ids and len(ids) == len(set(ids))


def test_citing_works_are_capped_per_source_newest_first(emulator) -> None:  # type: ignore[no-untyped-def]
    k = 10
    corpus = fetch_corpus(
        [emulator.seed], clients=_clients(emulator), options=FetchOptions(max_per_kind=k)
    )
    seed = f"pmid:{emulator.seed}"
    citing = corpus.links[(corpus.links["target"] == seed) & (corpus.links["kind"] == "references")]
    by_icite = [
        s for s, src in zip(citing["source"], citing["sources"], strict=True) if "icite" in src
    ]
    everyone = sorted(emulator.index.icite_cited_by(emulator.seed), key=int, reverse=True)
    assert len(everyone) > k
    assert {f"pmid:{p}" for p in everyone[:k]} <= set(by_icite)
    # iCite may also assert links from works another source brought in (their reference lists
    # name the seed), but no source brings in more than k citing works.
    assert len(set(citing["source"])) <= 3 * k
    notes = [m for m in corpus.manifest["missing"] if m["source"] == "icite"]
    assert notes and f"the {k} newest are kept" in notes[0]["reason"]


class _ListSource:
    """A source over a hand-made (GENERATED) list of works that fails on chosen ids: any
    object with the contract's attributes and methods can join a crawl (`Clients.extra`)."""

    name, label = "listed", "Listed"
    resolve_kinds = id_kinds = ("pmid",)
    link_kinds = ("cited_by",)
    max_batch = {"resolve": 1, "fetch_works": 2, "cited_by": 10}

    def __init__(self, fail: dict[str, Exception]) -> None:
        self.fail = fail
        self.requests_made = 0
        self.asked: list[list[str]] = []

    def resolve(self, ids):  # type: ignore[no-untyped-def]
        from citegraph.sources.base import Result

        return Result(ids={i: i for i in ids})

    def fetch_works(self, ids):  # type: ignore[no-untyped-def]
        from citegraph.model import WorkRecord
        from citegraph.sources.base import Result

        self.asked.append(list(ids))
        for ident in ids:
            if ident in self.fail:
                raise self.fail[ident]
        return Result(works=[WorkRecord(source=self.name, pmid=i[5:], title=i) for i in ids])

    def fetch_links(self, kind, ids, *, limit=None):  # type: ignore[no-untyped-def]
        from citegraph.model import LinkRecord
        from citegraph.sources.base import Result

        citers = [f"pmid:{n}" for n in range(11, 19)][:limit]
        return Result(
            links=[LinkRecord(c, ids[0], "references", self.name, "listed") for c in citers]
        )


def test_any_source_joins_the_crawl_and_a_failed_call_lists_every_id() -> None:
    from citegraph.collect import Clients
    from citegraph.sources import UpstreamError

    source = _ListSource({"pmid:13": UpstreamError("bad answer; try again", service="listed")})
    corpus = Collector(["1"], Clients(extra=[source])).run()
    assert corpus.seed_ids() == ["pmid:1"]
    failed = [m for m in corpus.manifest["missing"] if m["source"] == "listed"]
    assert [m["id"] for m in failed] == ["pmid:13", "pmid:14"]  # the batch of 2 that failed
    assert {m["query"] for m in failed} == {"fetch_works"}
    assert "bad answer" in failed[0]["reason"]
    fetched = corpus.works[corpus.works["sources"].map(len) > 0]
    assert len(fetched) == 1 + 8 - 2  # later batches were still asked


@pytest.mark.parametrize("workers", [1, 8])
def test_a_refused_key_stops_asking_that_source_and_lists_what_was_not_asked(workers) -> None:  # type: ignore[no-untyped-def]
    from citegraph.collect import Clients
    from citegraph.sources import AuthError

    # One call at a time (a source that does not say it takes more gets one at a time in a
    # concurrent crawl too): the calls after the refusal are not sent.
    source = _ListSource({"pmid:13": AuthError("key refused; check it", service="listed")})
    options = FetchOptions(workers=workers)
    corpus = Collector(["1"], Clients(extra=[source]), options).run()
    assert source.asked[-1] == ["pmid:13", "pmid:14"]  # nothing asked after the refusal
    notes = {m["id"]: m["reason"] for m in corpus.manifest["missing"]}
    assert set(notes) == {f"pmid:{n}" for n in range(13, 19)}
    assert notes["pmid:17"].startswith("not asked: ") and "key refused" in notes["pmid:17"]


def test_a_refused_key_in_a_concurrent_crawl_loses_only_what_it_refused() -> None:
    from citegraph.collect import Clients
    from citegraph.sources import AuthError

    # The four batches go out together; the refusal arrives when the others are already
    # answered, so only the refused batch is missing, and nothing is asked after it.
    source = _ListSource({"pmid:13": AuthError("key refused; check it", service="listed")})
    source.max_in_flight = 4  # says it can be asked from several threads at once
    corpus = Collector(["1"], Clients(extra=[source]), FetchOptions(workers=4)).run()
    assert len(source.asked) == 1 + 4  # the seed, then the four batches of its citing works
    notes = {m["id"]: m["reason"] for m in corpus.manifest["missing"]}
    assert set(notes) == {"pmid:13", "pmid:14"}
    assert all("key refused" in reason for reason in notes.values())
    assert corpus.manifest["state"] == "partial"


def test_ids_a_source_does_not_know_are_listed_apart_from_gaps(emulator) -> None:  # type: ignore[no-untyped-def]
    collector = Collector([emulator.seed], _clients(emulator))
    corpus = collector.run()
    assert collector.unknown and corpus.manifest["missing"] == []
    absent_from_icite = {
        f"pmid:{w['pmid']}"
        for w in emulator.corpus["works"]
        if w["pmid"] and not w.get("in_icite", True)
    }
    told = {m["id"] for m in collector.unknown if m["source"] == "icite"}
    assert told and told <= absent_from_icite


class _SilentSource(_ListSource):
    """Answers a batch without some of its works and without saying so (GENERATED)."""

    def fetch_works(self, ids):  # type: ignore[no-untyped-def]
        from citegraph.model import WorkRecord
        from citegraph.sources.base import Result

        return Result(
            works=[WorkRecord(source=self.name, pmid=i[5:], title=i) for i in ids if i != "pmid:15"]
        )


def test_ids_asked_for_and_not_returned_reach_the_manifest_as_not_found() -> None:
    from citegraph.collect import Clients, gap_counts

    corpus = Collector(["1"], Clients(extra=[_SilentSource({})])).run()
    assert corpus.manifest["state"] == "done"  # not a gap: the service answered
    not_found = corpus.manifest["not_found"]
    assert [m["id"] for m in not_found] == ["pmid:15"]
    assert "returned no record" in not_found[0]["reason"]
    assert gap_counts(corpus.manifest) == {"works": 0, "link_lists": 0, "seeds": 0, "not_found": 1}


@pytest.mark.parametrize("options", [FetchOptions(), FetchOptions(depth=2, max_per_kind=5)])
def test_a_concurrent_crawl_gives_the_sequential_crawls_snapshot(  # type: ignore[no-untyped-def]
    emulator, tmp_path: Path, monkeypatch, options: FetchOptions
) -> None:
    """Same seed, same emulator (GENERATED corpus), each crawl in a cold cache of its own: the
    snapshots are the same bytes apart from when they were made, request counts included."""
    _assert_same_snapshots(emulator, tmp_path, monkeypatch, [emulator.seed], options)


def test_two_seeds_by_doi_and_openalex_id_give_the_same_snapshot_both_ways(  # type: ignore[no-untyped-def]
    emulator, tmp_path: Path, monkeypatch
) -> None:
    # Seeds that PubMed and iCite can only ask once OpenAlex has told their PMIDs.
    seed = emulator.index.works[emulator.index.seed_key]
    other = next(w for w in emulator.corpus["works"] if w["pmid"] and w["openalex_id"]
                 and w["pmid"] != emulator.seed)  # fmt: skip
    seeds = [f"doi:{seed['doi']}", other["openalex_id"]]
    _assert_same_snapshots(emulator, tmp_path, monkeypatch, seeds, FetchOptions())


def _assert_same_snapshots(emulator, tmp_path, monkeypatch, seeds, options) -> None:  # type: ignore[no-untyped-def]
    snapshots = []
    for workers in (1, 8):
        monkeypatch.setenv("CITEGRAPH_CACHE_DIR", str(tmp_path / f"cache-{workers}"))
        emulator.reset()
        corpus = Collector(seeds, _clients(emulator), replace(options, workers=workers)).run()
        assert corpus.manifest["state"] == "done"
        assert corpus.manifest["requests"] == _sent_per_service(emulator)
        doc = json.loads(dumps_snapshot(corpus))
        doc["manifest"].pop("created_at")
        snapshots.append(json.dumps(doc, sort_keys=False).encode())
    assert snapshots[0] == snapshots[1]


def _sent_per_service(emulator) -> dict[str, int]:  # type: ignore[no-untyped-def]
    counts: dict[str, int] = {}
    for req in emulator.requests():
        counts[req["service"]] = counts.get(req["service"], 0) + 1
    return counts
