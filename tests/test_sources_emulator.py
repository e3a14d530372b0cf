"""The live clients against tests/emulator (a loopback server speaking the three APIs over a
SYNTHETIC corpus): what they fetch, how many requests it takes, and how failures surface."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from citegraph.http import make_session
from citegraph.sources import (
    AuthError,
    BudgetExceededError,
    NotFoundError,
    OfflineError,
    RateLimitError,
    SourceError,
    UpstreamError,
)
from citegraph.sources.icite import ICiteClient
from citegraph.sources.openalex import OpenAlexClient
from citegraph.sources.pubmed import PubMedClient

KEY = "emulator-key-5f1c2e"


def _pubmed(emu, **kw) -> PubMedClient:
    session = kw.pop("session", None) or make_session("pubmed", rate=0, backoff=0, **kw)
    return PubMedClient(session, base_url=emu.pubmed_url)


def _icite(emu) -> ICiteClient:
    return ICiteClient(make_session("icite", rate=0, backoff=0), base_url=emu.icite_url)


def _openalex(emu, **kw) -> OpenAlexClient:
    session = make_session("openalex", rate=0, backoff=0, **kw)
    return OpenAlexClient(session, base_url=emu.openalex_url)


def _pmids(emu) -> list[str]:
    return [w["pmid"] for w in emu.corpus["works"] if w["pmid"]]


def _wids(emu) -> list[str]:
    return [w["openalex_id"] for w in emu.corpus["works"] if w["openalex_id"]]


def _calls(emu, service: str, path_end: str = "", *, at_least: int = 0) -> list[dict]:
    # The emulator logs a request after writing its answer, so the last entry can trail the
    # client by a moment: poll (bounded) until the expected number has arrived.
    deadline = time.monotonic() + 2.0
    while True:
        found = [
            r for r in emu.requests() if r["service"] == service and r["path"].endswith(path_end)
        ]
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


# --------------------------------------------------------------------------------- PubMed


def test_fetch_works_batches_of_200_and_repeat_is_free(emulator) -> None:
    pmids = _pmids(emulator)
    assert len(pmids) >= 201
    client = _pubmed(emulator)
    works = client.fetch_records(pmids)
    assert sorted(w.pmid for w in works) == sorted(pmids)
    calls = _calls(emulator, "pubmed", "efetch.fcgi")
    assert len(calls) == -(-len(pmids) // 200) and client.requests_made == len(calls)
    assert max(c["ids"] for c in calls) == 200
    emulator.reset()
    again = client.fetch_records(pmids)
    assert len(again) == len(works) and emulator.requests() == []
    assert client.requests_made == len(calls)  # cache hits are not counted


def test_fetch_works_fields_and_reference_list(emulator) -> None:
    seed = emulator.seed
    (work,) = _pubmed(emulator).fetch_records([seed])
    truth = emulator.index.by_pmid(seed)
    assert (work.pmid, work.title.rstrip("."), work.year) == (seed, truth["title"], truth["year"])
    assert work.authors and [a.position for a in work.authors] == list(
        range(1, len(work.authors) + 1)
    )
    expected = [w for w in emulator.index.reference_list(seed) if w["pmid"] or w["doi"]]
    assert len(work.references) == len(expected)  # references without any id are skipped
    pmid_refs = {f"pmid:{w['pmid']}" for w in expected if w["pmid"]}
    assert pmid_refs <= set(work.references)
    assert "api_key" not in (work.url or "")


def test_post_above_the_get_threshold(emulator) -> None:
    pmids = _pmids(emulator)[:250]
    client = _pubmed(emulator)
    client.batch_size = 500  # one request for all: must be a POST
    works = client.fetch_records(pmids)
    (call,) = _calls(emulator, "pubmed", "efetch.fcgi")
    assert call["method"] == "POST" and call["ids"] == 250 and len(works) == 250
    emulator.reset()
    client.fetch_records(pmids)
    assert emulator.requests() == []  # POST answers are cached too


def test_links_one_linkset_per_pmid_with_scores(emulator) -> None:
    idx = emulator.index
    pmids = _pmids(emulator)[:5]
    client = _pubmed(emulator)
    similar = client.similar(pmids)
    cited_in = client.cited_in(pmids)
    refs = client.refs(pmids)
    for pmid in pmids:
        assert [t for t, _ in similar[pmid]] == [p for p, _ in idx.similar(pmid)]
        scores = [s for _, s in similar[pmid]]
        assert scores == sorted(scores, reverse=True) and pmid not in [t for t, _ in similar[pmid]]
        assert sorted(cited_in[pmid]) == sorted(set(idx.pubmed_citedin(pmid)))
        assert sorted(refs[pmid]) == sorted(set(idx.pubmed_refs(pmid)))
    calls = _calls(emulator, "pubmed", "elink.fcgi")
    assert len(calls) == 3
    assert all(c["query"]["id"] == pmids for c in calls)  # repeated id=, not id=1,2,3


def test_all_links_in_two_requests(emulator) -> None:
    pmids = _pmids(emulator)[:5]
    client = _pubmed(emulator)
    links = client.all_links(pmids)
    assert len(_calls(emulator, "pubmed", "elink.fcgi")) == 2
    assert links["refs"] == client.refs(pmids) and links["cited_in"] == client.cited_in(pmids)


def test_resolve_doi_pmcid_and_search(emulator) -> None:
    truth = emulator.index.by_pmid(emulator.seed)
    client = _pubmed(emulator)
    assert client.resolve_doi(truth["doi"]) == emulator.seed
    assert client.resolve_doi("10.99999/does-not-exist") is None
    assert emulator.seed in client.search(truth["title"], retmax=5)


def test_ncbi_keys_sent_but_absent_from_sqlite(emulator, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NCBI_API_KEY", KEY)
    monkeypatch.setenv("CITEGRAPH_EMAIL", "private.person@example.org")
    monkeypatch.setenv("CITEGRAPH_CACHE_DIR", str(tmp_path))
    client = PubMedClient(base_url=emulator.pubmed_url)  # keys from the environment
    client.session.limiter = None
    client.fetch_records(_pmids(emulator)[:3])
    client.similar(_pmids(emulator)[:3])
    (call, *_) = emulator.requests()
    assert call["query"]["tool"] == ["citegraph"] and "email" in call["query"]
    assert "api_key" in call["query"]  # sent (the emulator's log redacts the value)
    client.session.cache.responses.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"efetch.fcgi" in stored
    assert KEY.encode() not in stored and b"private.person@example.org" not in stored


def test_ncbi_429_becomes_rate_limit_error_after_retries(emulator) -> None:
    emulator.configure(fail_next=[("pubmed", 429)] * 3)
    client = _pubmed(emulator, retries=2)
    with pytest.raises(RateLimitError, match="NCBI_API_KEY"):
        client.fetch_records([emulator.seed])
    assert len(_calls(emulator, "pubmed", at_least=3)) == 3


def test_transient_503_is_retried(emulator) -> None:
    emulator.configure(fail_next=[("pubmed", 503)])
    (work,) = _pubmed(emulator).fetch_records([emulator.seed])
    assert work.pmid == emulator.seed and len(_calls(emulator, "pubmed", at_least=2)) == 2


def test_one_truncated_answer_is_asked_again(emulator) -> None:
    emulator.configure(fail_next=[("pubmed", "truncate")])
    (work,) = _pubmed(emulator).fetch_records([emulator.seed])
    assert work.pmid == emulator.seed and len(_calls(emulator, "pubmed", at_least=2)) == 2


def test_truncated_answer_is_upstream_error_and_not_cached(emulator) -> None:
    emulator.configure(fail_next=[("pubmed", "truncate")] * 3)
    client = _pubmed(emulator, retries=0)
    with pytest.raises((UpstreamError, OfflineError)):
        client.fetch_records([emulator.seed])
    (work,) = client.fetch_records([emulator.seed])  # asks again instead of replaying junk
    assert work.pmid == emulator.seed


def test_timeout_is_offline_error(emulator) -> None:
    emulator.configure(fail_next=[("icite", "timeout")])
    session = make_session("icite", rate=0, retries=0, timeout=0.5)
    with pytest.raises(OfflineError, match="no answer in time|cannot connect"):
        ICiteClient(session, base_url=emulator.icite_url).fetch([emulator.seed])


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        ("timeout", "TimedOutError", "timeout: connected, but no answer in time"),
        ("close", "UpstreamError", "server error: the connection was closed"),
        (503, "UpstreamError", "server error (HTTP 503"),
        ("rate_limit", "RateLimitError", "rate limited"),
    ],
)
def test_each_failure_says_its_real_cause(emulator, fault, error, message) -> None:  # type: ignore[no-untyped-def]
    emulator.configure(fail_next=[("icite", fault)], timeout_s=1.0, fault_rate=0.0)
    session = make_session("icite", rate=0, retries=0, timeout=(1.0, 0.3))
    with pytest.raises(SourceError, match=re.escape(message)) as caught:
        ICiteClient(session, base_url=emulator.icite_url).fetch([emulator.seed])
    assert type(caught.value).__name__ == error and caught.value.transient
    assert "cannot connect" not in str(caught.value)
    if fault == "rate_limit":
        assert caught.value.retry_after == 1.0  # Retry-After: 1, for the crawl's next pass


def test_a_refused_connection_is_unreachable() -> None:
    session = make_session("icite", rate=0, retries=0)
    with pytest.raises(OfflineError, match="unreachable: cannot connect"):
        ICiteClient(session, base_url="http://127.0.0.1:9/api").fetch(["1"])


def test_offline_mode_hit_and_miss(emulator) -> None:
    _pubmed(emulator).fetch_records([emulator.seed])
    emulator.reset()
    offline = PubMedClient(base_url=emulator.pubmed_url, offline=True)
    assert offline.fetch_records([emulator.seed])[0].pmid == emulator.seed
    with pytest.raises(OfflineError, match="offline"):
        offline.fetch_records([_pmids(emulator)[-1]])
    assert emulator.requests() == []


# ----------------------------------------------------------------------------------- iCite


def test_icite_lists_in_one_call(emulator) -> None:
    idx = emulator.index
    pmids = _pmids(emulator)
    client = _icite(emulator)
    records = client.fetch(pmids)
    assert len(_calls(emulator, "icite")) == 1 and client.requests_made == 1
    known = [p for p in pmids if idx.by_pmid(p).get("in_icite", True)]
    assert set(records) == set(known)
    for pmid in known[:20]:
        assert sorted(records[pmid].cited_by) == sorted(set(idx.icite_cited_by(pmid)))
        assert sorted(records[pmid].references) == sorted(set(idx.icite_refs(pmid)))
    emulator.reset()
    client.fetch(pmids)
    assert emulator.requests() == []


# -------------------------------------------------------------------------------- OpenAlex


def test_openalex_singletons_are_free(emulator) -> None:
    truth = emulator.index.by_pmid(emulator.seed)
    client = _openalex(emulator)
    by_pmid = client.work(f"pmid:{emulator.seed}")
    by_w = client.work(truth["openalex_id"])
    assert by_pmid.openalex_id == by_w.openalex_id == truth["openalex_id"]
    assert sorted(by_w.references) == sorted(emulator.index.openalex_refs(truth["openalex_id"]))
    assert by_w.related == emulator.index.related(truth["openalex_id"])
    assert by_w.authors and by_w.authors[0].position == 1
    if truth.get("doi"):
        assert client.work(f"doi:{truth['doi']}").openalex_id == truth["openalex_id"]
    assert client.cost_usd == 0.0


def test_openalex_batches_of_100(emulator) -> None:
    wids = _wids(emulator)
    client = _openalex(emulator, api_key=KEY)
    works = client.works(wids)
    assert sorted(w.openalex_id for w in works) == sorted(wids)
    calls = _calls(emulator, "openalex", "/works")
    assert len(calls) == -(-len(wids) // 100)
    assert all(c["query"]["per_page"] == ["100"] for c in calls)
    assert client.cost_usd > 0 and "X-RateLimit-Remaining-USD" in client.rate_limit
    dois = [w["doi"] for w in emulator.corpus["works"] if w["doi"] and w["openalex_id"]][:150]
    emulator.reset()
    assert len(client.works_by_doi(dois)) == len(dois)
    assert len(_calls(emulator, "openalex")) == 2


def test_openalex_citing_pages_without_key_and_cursor_with_key(emulator) -> None:
    wid = emulator.index.by_pmid(emulator.seed)["openalex_id"]
    expected = sorted(emulator.index.openalex_cites(wid))
    keyless = _openalex(emulator)
    assert sorted(w.openalex_id for w in keyless.citing(wid)) == expected
    # Singleton lookups (free) re-fetch works whose list answer cut the authors; pages are lists.
    pages = [c for c in _calls(emulator, "openalex") if c["path"] == "/works"]
    assert all("page" in c["query"] for c in pages) and len(pages) == max(
        1, -(-len(expected) // 100)
    )
    emulator.reset()
    emulator.configure(require_openalex_key=True)
    keyed = _openalex(emulator, api_key=KEY)
    assert sorted(w.openalex_id for w in keyed.citing(wid)) == expected
    assert all(
        "cursor" in c["query"] for c in _calls(emulator, "openalex") if c["path"] == "/works"
    )
    emulator.reset()
    assert len(keyless.citing(wid, limit=3)) == min(3, len(expected))


def test_openalex_search_title(emulator) -> None:
    truth = emulator.index.by_pmid(emulator.seed)
    hits = _openalex(emulator).search_title(truth["title"], limit=3)
    assert truth["openalex_id"] in [w.openalex_id for w in hits] and len(hits) <= 3


@pytest.mark.parametrize(
    ("fault", "error"),
    [(401, AuthError), (403, RateLimitError), (429, BudgetExceededError), (500, UpstreamError)],
)
def test_openalex_error_mapping(emulator, fault: int, error: type) -> None:
    emulator.configure(fail_next=[("openalex", fault)] * 3)
    with pytest.raises(error) as info:
        _openalex(emulator, retries=2).works(_wids(emulator)[:2])
    assert "OpenAlex" in str(info.value)


def test_openalex_unknown_work_is_not_found(emulator) -> None:
    with pytest.raises(NotFoundError, match="no such work"):
        _openalex(emulator).work("W999999999999")


def test_openalex_daily_budget(emulator) -> None:
    emulator.configure(openalex_daily_budget=0.0)
    with pytest.raises(BudgetExceededError, match="midnight UTC"):
        _openalex(emulator, api_key=KEY).works(_wids(emulator)[:5])


def test_openalex_key_absent_from_sqlite(emulator, tmp_path: Path) -> None:
    client = _openalex(emulator, api_key=KEY, cache_dir=tmp_path)
    client.works(_wids(emulator)[:5])
    client.work(_wids(emulator)[0])
    client.session.cache.responses.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"/works" in stored and KEY.encode() not in stored


def test_an_openalex_429_is_a_rate_limit_unless_the_daily_budget_is_spent(emulator) -> None:  # type: ignore[no-untyped-def]
    session = make_session("openalex", rate=0, retries=0)
    client = OpenAlexClient(session, base_url=emulator.openalex_url)
    seed_w = emulator.index.works[emulator.index.seed_key]["openalex_id"]
    emulator.configure(fail_next=[("openalex", "rate_limit")])  # 429 + Retry-After: 1
    with pytest.raises(RateLimitError, match="rate limited") as caught:
        client.fetch_works([seed_w])
    assert caught.value.transient and caught.value.retry_after == 1.0
    emulator.configure(fail_next=[("openalex", 429)])  # "Daily limit exceeded"
    with pytest.raises(BudgetExceededError, match="daily OpenAlex budget") as spent:
        client.fetch_works([seed_w])
    assert not spent.value.transient


def test_a_client_asked_from_several_threads_gives_each_its_own_session(emulator) -> None:  # type: ignore[no-untyped-def]
    import threading

    client = _icite(emulator)
    pmids = _pmids(emulator)[:6]
    seen: dict[str, object] = {}

    def ask(pmid: str) -> None:
        client.fetch([pmid])
        seen[pmid] = client.session

    threads = [threading.Thread(target=ask, args=(p,)) for p in pmids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sessions = set(map(id, seen.values()))
    assert len(sessions) == len(pmids) and id(client.session) not in sessions
    path = client.session.cache.responses.db_path
    assert all(s.cache.responses.db_path == path for s in seen.values())  # one cache file
    assert all(s.limiter is client.session.limiter for s in seen.values())  # one limit
    assert client.requests_made == len(emulator.requests()) == len(pmids)
    emulator.reset()
    client.fetch(pmids[:1])  # answered from the cache another thread filled
    assert emulator.requests() == [] and client.requests_made == len(pmids)
