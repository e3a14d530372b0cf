"""The baseline of P1: a naive client that asks each service about one work per request.

It gathers the same neighbourhood as a depth-1 `citegraph.collect` crawl (the seed's references,
citing works, similar and related works), but the way a first script would: one ``efetch`` per
PMID, one iCite ``/pubs/{pmid}`` per PMID, one OpenAlex singleton per work. Each service is asked
one request at a time (three services side by side, each in its own thread), through the same
rate-limited sessions (`citegraph.http.make_session`), so it differs from the library only in
how many requests it sends and in sending them one after another. Benchmark code, not a test;
it only counts and times what it asks (the records are not parsed into a corpus).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from citegraph.http import make_session

#: Neighbours of each kind kept, as the crawl's ``max_per_kind`` default.
MAX_PER_KIND = 100


@dataclass
class NaiveResult:
    """Requests sent per service, and the works asked about."""

    requests: dict[str, int] = field(default_factory=dict)
    pmids: set[str] = field(default_factory=set)
    openalex_ids: set[str] = field(default_factory=set)


def naive_crawl(
    seed: str,
    *,
    pubmed_url: str,
    icite_url: str,
    openalex_url: str,
    ncbi_api_key: str | None = None,
    openalex_api_key: str | None = None,
    cache_dir: str,
    limit: int | None = None,
) -> NaiveResult:
    """Crawl depth 1 around PMID ``seed``, one work per request; ``limit`` caps the works
    asked per service (a tiny run for the test that keeps the script working)."""
    sessions = {
        "pubmed": make_session("pubmed", api_key=ncbi_api_key, cache_dir=cache_dir, retries=2),
        "icite": make_session("icite", cache_dir=cache_dir, retries=2),
        "openalex": make_session(
            "openalex", api_key=openalex_api_key, cache_dir=cache_dir, retries=2
        ),
    }
    out = NaiveResult(requests=dict.fromkeys(sessions, 0))
    lock = threading.Lock()

    def get(service: str, url: str, **params: Any) -> Any:
        resp = sessions[service].get(url, params=params or None)
        with lock:
            out.requests[service] += 1
        resp.raise_for_status()
        return resp

    # Step 1, the seed, one service after another: what it links to decides the rest.
    seed_w = get("openalex", f"{openalex_url}/works/pmid:{seed}").json()
    wid = seed_w["id"].rsplit("/", 1)[-1]
    links = get("pubmed", f"{pubmed_url}/elink.fcgi", dbfrom="pubmed", db="pubmed",
                id=seed, retmode="json").json()  # fmt: skip
    scored = get("pubmed", f"{pubmed_url}/elink.fcgi", dbfrom="pubmed", db="pubmed",
                 id=seed, cmd="neighbor_score", retmode="json").json()  # fmt: skip
    icite_seed = get("icite", f"{icite_url}/pubs/{seed}").json()
    pmids: dict[str, None] = {}
    for linkset in links.get("linksets") or []:
        for db in linkset.get("linksetdbs") or []:
            pmids.update(dict.fromkeys(str(i) for i in db.get("links", [])[:MAX_PER_KIND]))
    for linkset in scored.get("linksets") or []:
        for db in linkset.get("linksetdbs") or []:
            ranked = [str(x["id"] if isinstance(x, dict) else x) for x in db.get("links", [])]
            pmids.update(dict.fromkeys(ranked[:MAX_PER_KIND]))
    for name in ("references", "cited_by"):
        pmids.update(dict.fromkeys(str(p) for p in (icite_seed.get(name) or [])[:MAX_PER_KIND]))
    pmids.pop(seed, None)
    works = [w.rsplit("/", 1)[-1] for w in seed_w.get("referenced_works") or []]
    works += [w.rsplit("/", 1)[-1] for w in seed_w.get("related_works") or []]
    page = 1
    while True:  # citing works: a list is the only way to ask OpenAlex, 100 a page
        citing = get("openalex", f"{openalex_url}/works", filter=f"cites:{wid}",
                     per_page=100, page=page).json()  # fmt: skip
        for work in citing.get("results") or []:
            works.append(work["id"].rsplit("/", 1)[-1])
            pmid = ((work.get("ids") or {}).get("pmid") or "").rsplit("/", 1)[-1]
            if pmid:
                pmids[pmid] = None
        if len(citing.get("results") or []) < 100 or page * 100 >= MAX_PER_KIND:
            break
        page += 1
    asked_pmids = list(pmids)[:limit]
    asked_works = list(dict.fromkeys(works))[:limit]
    out.pmids, out.openalex_ids = set(asked_pmids), set(asked_works)

    # Step 2, the neighbours: one request per work per service, the services side by side.
    def each(service: str, urls: list[tuple[str, dict[str, Any]]]) -> Callable[[], None]:
        def run() -> None:
            for url, params in urls:
                try:
                    get(service, url, **params)
                except Exception:  # noqa: BLE001 - a baseline counts requests; a 404 is one too
                    pass

        return run

    jobs = {
        "pubmed": [(f"{pubmed_url}/efetch.fcgi", {"db": "pubmed", "id": p, "retmode": "xml"})
                   for p in [seed, *asked_pmids]],
        "icite": [(f"{icite_url}/pubs/{p}", {}) for p in asked_pmids],
        "openalex": [(f"{openalex_url}/works/{w}", {}) for w in asked_works]
        + [(f"{openalex_url}/works/pmid:{p}", {}) for p in asked_pmids],
    }  # fmt: skip
    threads = [threading.Thread(target=each(s, urls)) for s, urls in jobs.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for session in sessions.values():
        session.close()
    return out
