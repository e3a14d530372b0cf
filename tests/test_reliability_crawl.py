"""Faults of every kind the emulator injects, at 10/30/50 %: nothing is lost silently.

For each run (fixed ``fault_seed``, GENERATED emulator corpus): either the corpus equals a clean
run's (works, links with their sources, authors), or every work and link of the clean run that
is absent is accounted for by a ``missing`` entry of a service that asserted it (naming the
work or one of its neighbours), the crawl says "partial", and a rerun without faults (resumed
from the HTTP cache, `Collector.resume`) gives the clean corpus.

Figures (runs, faults injected, what was lost before and after the rerun, wall time) are
printed per run; ``pytest -m reliability -s tests/test_reliability_crawl.py`` shows them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from citegraph.collect import Collector, FetchOptions, make_clients
from citegraph.model import Corpus
from tests.emulator.fixtures import EmulatorHandle

pytestmark = pytest.mark.reliability

#: Every fault the emulator can inject: server errors, a 429 with Retry-After, a stall longer
#: than the client's read timeout, a connection closed without an answer, a cut body.
KINDS = [500, 503, "rate_limit", "timeout", "close", "truncate"]
#: Small crawls, so that the whole file stays well under a minute.
OPTIONS = FetchOptions(max_per_kind=4, retry_wait_max=0.05)
#: The stall outlasts the read timeout, so a "timeout" fault is a real client timeout.
STALL_S, TIMEOUT = 0.4, (1.0, 0.2)
#: Per rate: two crawls that ask failed calls again, one that does not (so gaps must be named).
RUNS = [
    (rate, seed, passes) for rate in (0.1, 0.3, 0.5) for seed, passes in ((11, 2), (12, 2), (13, 0))
]
#: Reasons a gap may give: each true to its cause.
CAUSES = ("rate limited", "server error", "timeout", "unreachable", "not asked again")


def _clients(emulator: EmulatorHandle, *, retries: int) -> Any:
    return make_clients(
        pubmed_url=emulator.pubmed_url,
        icite_url=emulator.icite_url,
        openalex_url=emulator.openalex_url,
        rate=0,
        retries=retries,
        timeout=TIMEOUT,
    )


def _signature(corpus: Corpus) -> dict[str, set[Any]]:
    links = {
        (row.source, row.target, row.kind, src)
        for row in corpus.links.itertuples()
        for src in row.sources
    }
    return {
        "works": set(corpus.works["id"]),
        "links": links,
        "authors": set(corpus.authors["id"]),
    }


def _ids(row: Any) -> set[str]:
    out = {str(row.id)}
    if row.pmid:
        out |= {f"pmid:{row.pmid}", str(row.pmid)}
    if row.doi:
        out.add(f"doi:{row.doi}")
    if row.openalex_id:
        out.add(str(row.openalex_id))
    return out


@pytest.fixture(scope="module")
def clean(emulator_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    """One fault-free crawl in its own cache: what every run is compared with."""
    handle = EmulatorHandle(emulator_server)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CITEGRAPH_CACHE_DIR", str(tmp_path_factory.mktemp("clean-cache")))
        handle.reset()
        corpus = Collector([handle.seed], _clients(handle, retries=0), OPTIONS).run()
    assert corpus.manifest["state"] == "done" and corpus.manifest["gaps"] == {}
    yield corpus


def _notes(corpus: Corpus) -> set[tuple[str, str, str]]:
    """The manifest's ``missing`` as a set (a clean run has notes too: capped lists)."""
    return {(m["id"], m["source"], m["reason"]) for m in corpus.manifest["missing"]}


def _gaps(clean: Corpus, faulty: Corpus) -> list[dict[str, str]]:
    """``missing`` entries of ``faulty`` that the clean run does not have."""
    known = _notes(clean)
    return [
        m for m in faulty.manifest["missing"] if (m["id"], m["source"], m["reason"]) not in known
    ]


def _unaccounted(clean: Corpus, faulty: Corpus) -> list[str]:
    """Works and links of ``clean`` absent from ``faulty`` that no missing entry explains: none
    names the work, an end of the link, or a work linked to it."""
    # Any service's gap counts: one service's answers lead the crawl to the others (OpenAlex
    # tells the PMID of a work found by its W-id, which PubMed and iCite are then asked for).
    named = {m["id"] for m in _gaps(clean, faulty)}
    ids = {row.id: _ids(row) for row in clean.works.itertuples()}
    neighbours: dict[str, set[str]] = {}
    for row in clean.links.itertuples():
        neighbours.setdefault(row.source, set()).add(row.target)
        neighbours.setdefault(row.target, set()).add(row.source)

    def explained(work: str) -> bool:
        near = ids.get(work, {work}).union(*(ids.get(n, {n}) for n in neighbours.get(work, ())))
        return bool(near & named)

    got = _signature(faulty)
    want = _signature(clean)
    lost = [f"work {w}" for w in want["works"] - got["works"] if not explained(w)]
    for source, target, kind, src in want["links"] - got["links"]:
        if not (explained(source) or explained(target)):
            lost.append(f"link {source} -> {target} ({kind}, {src})")
    return lost


@pytest.mark.parametrize(("rate", "seed", "passes"), RUNS)
def test_faults_lose_nothing_silently_and_a_rerun_fills_the_gaps(
    emulator: EmulatorHandle, clean: Corpus, rate: float, seed: int, passes: int
) -> None:
    emulator.reset()
    emulator.configure(
        fault_rate=rate, fault_seed=seed + round(rate * 100), fault_kinds=KINDS, timeout_s=STALL_S
    )
    retries = seed % 2  # half the runs also let urllib3 retry at once
    options = replace(OPTIONS, retry_passes=passes)
    collector = Collector([emulator.seed], _clients(emulator, retries=retries), options)
    started = time.monotonic()
    faulty = collector.run()
    took = time.monotonic() - started
    log = emulator.requests()
    faults = sum(1 for e in log if e["fault"] is not None)
    manifest = faulty.manifest
    assert sum(manifest["requests"].values()) == len(log)  # HTTP requests, retries included

    want, got = _signature(clean), _signature(faulty)
    lost = {k: len(want[k] - got[k]) for k in want}
    gaps = _gaps(clean, faulty)
    if gaps:
        assert manifest["state"] == "partial"
        assert sum(manifest["gaps"].values()) == len(gaps)
        assert _unaccounted(clean, faulty) == []
        reasons = {m["reason"] for m in gaps}
        assert all(any(cause in r for cause in CAUSES) for r in reasons), reasons
        assert all(" ids)" not in m["id"] for m in gaps)  # one entry per id
    else:
        assert manifest["state"] == "done"
        assert got == want

    emulator.reset()  # no more faults: "Fetch the missing parts"
    rerun = collector.resume().run()
    assert rerun.manifest["state"] == "done" and _notes(rerun) == _notes(clean)
    assert _signature(rerun) == want
    print(
        f"\nreliability rate={rate:.0%} seed={seed + round(rate * 100)} retries={retries} passes={passes}: {len(log)} requests, "
        f"{faults} faults, {len(gaps)} missing entries, lost works/links/authors "
        f"{lost['works']}/{lost['links']}/{lost['authors']} of "
        f"{len(want['works'])}/{len(want['links'])}/{len(want['authors'])} -> 0/0/0 after the "
        f"rerun; {took:.1f} s"
    )
