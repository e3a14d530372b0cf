"""Collect a corpus: from verified facts (offline) or by crawling the live sources.

Every path ends in `citegraph.merge.merge_records`, so a corpus built from facts and one fetched
live have the same shape and the same provenance rules.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from citegraph import CitegraphError
from citegraph.ids import SeedId, parse_seed, work_id
from citegraph.merge import merge_records, work_keys
from citegraph.model import Corpus, LinkRecord, WorkRecord, new_manifest
from citegraph.sources import (
    AuthError,
    BudgetExceededError,
    NotCachedError,
    OfflineError,
    SourceError,
    TimedOutError,
)
from citegraph.sources.base import Source, id_kind, missing_id
from citegraph.sources.facts import FACTS_GAPS, FACTS_MISSING_REASON, read_facts
from citegraph.sources.registry import ALL_SOURCES, PLAN_ORDER, Clients, make_clients

_log = logging.getLogger(__name__)

__all__ = [
    "ALL_SOURCES",
    "PLAN_ORDER",
    "Cancelled",
    "Clients",
    "CollectError",
    "Collector",
    "FetchOptions",
    "collect_facts",
    "fetch_corpus",
    "gap_counts",
    "make_clients",
]


def collect_facts(path: str | Path) -> Corpus:
    """Build a corpus from a verified-facts JSON Lines file (the bundled offline snapshot).

    Only what the file states goes in: its works (with every page they were read from in
    ``urls``), their authors and affiliations. Records with ``role == "seed"`` are the seeds. The
    manifest lists, under ``missing``, every list the facts do not hold for each seed.
    """
    path = Path(path)
    pairs = read_facts(path)
    records = [record for record, _ in pairs]
    seeds = [_record_id(record) for record, raw in pairs if raw.get("role") == "seed"] or [
        _record_id(records[0])
    ]
    notes = " ".join(str(raw["notes"]) for _, raw in pairs if raw.get("notes"))
    missing = [
        {"id": seed, "source": source, "reason": f"{what}: {FACTS_MISSING_REASON}"}
        for seed in seeds
        for source, what in FACTS_GAPS
    ]
    manifest = new_manifest(
        seeds=seeds,
        sources=["facts"],
        notes=notes,
        missing=missing,
        origin="verified-facts",
        facts_file=path.name,
        description=(
            "Partial offline record built from hand-verified bibliographic facts only: the seed "
            "work, its authors and the affiliations that could be read. Its references, citing "
            "works and similar articles are not included."
        ),
    )
    corpus = merge_records(records, seeds=seeds, manifest=manifest)
    # The pages each record was read from (field_sources annotate them; the list is cleaner).
    pages = {_record_id(record): _pages(raw) for record, raw in pairs}
    corpus.works["urls"] = [
        pages.get(wid) or urls
        for wid, urls in zip(corpus.works["id"], corpus.works["urls"], strict=True)
    ]
    return corpus


def _record_id(record: WorkRecord) -> str:
    return work_id(
        pmid=record.pmid, doi=record.doi, openalex_id=record.openalex_id, pmcid=record.pmcid
    )


def _pages(raw: dict) -> list[str]:
    return [str(s) for s in raw.get("sources") or []]


# ---------------------------------------------------------------------------------- live crawl

#: Progress callback: (stage, done, total). Stages are short phrases shown to the user.
Progress = Callable[[str, int, int], None]


class CollectError(CitegraphError):
    """No seed could be resolved in any enabled source (nothing to build a corpus from)."""


class Cancelled(CitegraphError):
    """The user cancelled a fetch; `Collector.corpus` still returns what arrived so far."""


@dataclass(frozen=True)
class FetchOptions:
    """What to crawl.

    ``max_per_kind`` caps similar articles (top by score), the citing works each source
    reports for a seed (the newest: highest PMIDs at PubMed and iCite, latest publication date
    at OpenAlex) and,
    at depth 2, the works added per kind (chosen by how many depth-1 works they connect to).
    References are not capped: a reference list is bounded by the paper itself.

    Examples
    --------
    >>> FetchOptions().workers, FetchOptions(workers=1).workers  # side by side, one at a time
    (8, 1)
    >>> FetchOptions(workers=0)
    Traceback (most recent call last):
    ...
    citegraph.CitegraphError: workers must be at least 1, got 0.
    """

    depth: int = 1
    max_per_kind: int = 100
    sources: tuple[str, ...] = ALL_SOURCES
    #: How often the calls that failed for a passing reason (rate limited, server error,
    #: timeout, closed connection) are asked again, each time after the rest of the crawl.
    retry_passes: int = 2
    #: The longest wait (seconds) before a pass, whatever Retry-After or X-RateLimit-Reset ask:
    #: what the service asks for longer is left as a gap for "Fetch the missing parts".
    retry_wait_max: float = 10.0
    #: After this many failed calls in a row, a service is not asked again in the same pass
    #: (its remaining calls wait for the next one), so a dead service costs seconds.
    give_up_after: int = 2
    #: Calls asked at once. With more than one, the services run side by side, each at its own
    #: rate limit, and each step starts as soon as what it needs has arrived; 1 asks one call
    #: at a time, in the order of the steps below. Both send the same requests and give the
    #: same corpus: a source asks for works only once no call that may name more of them is
    #: out, and a batch's ids are sorted, so the same works make the same requests (the HTTP
    #: cache's keys) whichever answer came first (tests/test_collect.py checks both ways).
    workers: int = 8

    def __post_init__(self) -> None:
        if self.depth not in (1, 2):
            raise CitegraphError(f"Depth must be 1 or 2, got {self.depth}.")
        if self.max_per_kind < 1:
            raise CitegraphError(f"Max per kind must be at least 1, got {self.max_per_kind}.")
        if self.retry_passes < 0 or self.retry_wait_max < 0 or self.give_up_after < 1:
            raise CitegraphError(
                "retry_passes and retry_wait_max must be at least 0 and give_up_after at least 1; "
                f"got {self.retry_passes}, {self.retry_wait_max}, {self.give_up_after}."
            )
        if self.workers < 1:
            raise CitegraphError(f"workers must be at least 1, got {self.workers}.")
        unknown = sorted(set(self.sources) - set(ALL_SOURCES))
        if unknown or not self.sources:
            raise CitegraphError(
                f"Unknown source(s) {', '.join(unknown) or '(none given)'}; "
                f"choose from {', '.join(ALL_SOURCES)}."
            )


@dataclass
class Collector:
    """One crawl, planned over the source contract (`citegraph.sources.base.Source`) only.

    Every record is kept as it arrives, so a cancelled, interrupted or failed crawl still turns
    into a corpus (`corpus`), and a rerun resumes from the HTTP cache.

    1. Resolve: each seed is offered to every source (its own id first, then the ids other
       sources found for it) until each source knows it or has no id it can look up.
    2. Seeds: every source fetches the seed works it has not returned yet, then each link kind
       it answers (``link_kinds``): references in full, citing and similar works at most
       ``max_per_kind`` each (citing works newest first). The seeds' references, citing works
       (capped the same way) and related works join the crawl at hop 1.
    3. Works: each source is asked, in batches of its ``max_batch["fetch_works"]``, for every
       work at hop ≤ 1 it has not returned or been asked about, by the best id it takes;
       rounds repeat until no source has anything left to ask (ids a source reports, such as
       PMIDs of works found by OpenAlex id, reach the others). Ids a source does not know go
       to ``unknown`` (the manifest's ``not_found``); capped lists to ``missing``.
    4. Depth 2 adds, per kind (references, citing), the ``max_per_kind`` works that the most
       depth-1 works cite or are cited by, then step 3 for them.
    5. Calls that failed for a passing reason (rate limited, server error, timeout, closed
       connection) are asked again after the rest, up to ``retry_passes`` times, after a wait
       that honours what the service asked (Retry-After, OpenAlex's X-RateLimit-Reset) up to
       ``retry_wait_max`` s; then step 3 for what they named. Only a refused key or a spent
       daily budget stops asking a service. Every id of a call that still failed is in
       ``missing`` (one entry per id: service, reason, query) and the crawl ends "partial".

    Links between two non-seed works are kept only when both ends are in the corpus, so the
    reference lists of hundreds of neighbours do not flood the graph with stubs.

    With ``options.workers`` above 1 (the default) these steps overlap: the services are asked
    side by side and each step starts for a source as soon as its input has arrived (see
    `_Scheduler`); the corpus, its manifest and the requests sent are the same as with
    ``workers=1``, which asks one call at a time in the order above.

    Examples
    --------
    >>> c = Collector(["40603629"], Clients())
    >>> c.corpus().counts()["works"]
    0
    """

    seeds: list[str | SeedId]
    clients: Clients
    options: FetchOptions = field(default_factory=FetchOptions)
    progress: Progress | None = None
    should_stop: Callable[[], bool] | None = None
    records: list[WorkRecord] = field(default_factory=list)
    links: list[LinkRecord] = field(default_factory=list)
    missing: list[dict[str, str]] = field(default_factory=list)
    #: Ids a source answered it does not know (a work absent from one of several sources is
    #: no gap in the corpus, so these stay out of the manifest's ``missing``).
    unknown: list[dict[str, str]] = field(default_factory=list)
    seed_ids: list[str] = field(default_factory=list)
    state: str = "new"  # new | running | done | partial | cancelled | failed
    stage: str = ""
    _hop: dict[str, int] = field(default_factory=dict)  # work id -> hop it joined at
    _group: dict[str, set[str]] = field(default_factory=dict)  # work id -> all ids of its work
    _asked: dict[str, set[str]] = field(default_factory=dict)  # source -> ids asked or returned
    _seed_keys: set[str] = field(default_factory=set)
    _disabled: dict[str, str] = field(default_factory=dict)  # source -> why it is not asked
    _offline: set[str] = field(default_factory=set)
    _not_cached: set[str] = field(default_factory=set)
    _queue: list[_Call] = field(default_factory=list)  # failed calls to ask again
    _pass: int = 0  # 0: the first pass; 1..retry_passes: asking again
    _in_a_row: dict[str, int] = field(default_factory=dict)  # source -> failed calls in a row
    _resting: dict[str, SourceError] = field(default_factory=dict)  # not asked this pass
    _gaps: dict[str, int] = field(default_factory=dict)  # what failed: works, link_lists, seeds
    _requests_before: dict[str, int] = field(default_factory=dict)  # sent before this crawl
    _neighboured: set[int] = field(default_factory=set)  # seed records whose links joined

    # -- public

    def run(self) -> Corpus:
        """Crawl, then merge. Raises `CollectError` when no seed resolves anywhere."""
        self.state = "running"
        self._requests_before = self.clients.requests_made()
        try:
            self._crawl()
        except Cancelled:
            self.state = "cancelled"
            return self.corpus()
        except CitegraphError:
            self.state = "failed"
            raise
        self.state = "partial" if self._gaps else "done"
        return self.corpus()

    def cancel(self) -> Corpus:
        """Stop here and keep what arrived: state "cancelled", the partial corpus returned.

        Called by the page's Cancel button and the CLI's Ctrl-C handler; a crawl that already
        ended keeps its state.
        """
        if self.state in ("new", "running"):
            self.state = "cancelled"
        return self.corpus()

    def resume(self) -> Collector:
        """A collector that crawls the same seeds again with the same clients and options.

        Every answer already fetched is replayed from the HTTP cache, so resuming an interrupted
        or cancelled crawl only spends requests on what had not arrived.
        """
        return Collector(
            self.seeds,
            self.clients,
            self.options,
            progress=self.progress,
            should_stop=self.should_stop,
        )

    def corpus(self) -> Corpus:
        """Merge everything gathered so far (usable at any point, also after a failure).

        The manifest lists its notes in one order (by id, service, reason), whatever order the
        answers arrived in, so a crawl asked concurrently and one asked call by call give the
        same snapshot."""
        missing = sorted(self.missing, key=_entry_key)
        if self.state in ("cancelled", "running", "failed"):
            missing.append(
                {"id": "*", "source": "all", "reason": f"crawl {self.state} during: {self.stage}"}
            )
        manifest = new_manifest(
            seeds=self.seed_ids,
            sources=self.clients.enabled(),
            missing=missing,
            origin="live",
            depth=self.options.depth,
            caps={"max_per_kind": self.options.max_per_kind},
            requests={
                name: n - self._requests_before.get(name, 0)
                for name, n in self.clients.requests_made().items()
            },
            state=self.state,
            gaps=dict(sorted(self._gaps.items())),
            not_found=sorted(self.unknown, key=_entry_key),
        )
        for src in self.clients.sources():
            cost = getattr(src, "cost_usd", None)
            if cost is not None:  # sources that bill report what this crawl cost
                manifest[f"{src.name}_cost_usd"] = round(float(cost or 0.0), 6)
        records, links = self._pruned()
        return merge_records(records, links, seeds=self.seed_ids, manifest=manifest)

    # -- crawl

    def _crawl(self) -> None:
        seeds = [parse_seed(s) if isinstance(s, str) else s for s in self.seeds]
        sources = self.clients.sources()
        if self.options.workers > 1:
            _Scheduler(self, seeds, sources).run()
            return
        groups = self._resolve(seeds, sources)
        if not groups:
            self._fail(seeds)
        self._seed_works_and_links(groups, sources)
        self._fetch_all(sources, hop=1)
        if self.options.depth == 2:
            self._depth2(sources)
        self._ask_again(sources)
        found = {key for rec in self.records for key in work_keys(rec)}
        if not found & set(self.seed_ids):
            self._fail(seeds)
        self._step("merging", 1, 1)

    def _fail(self, seeds: list[SeedId]) -> None:
        """No source returned a record for any seed: say why in one message."""
        enabled = set(self.clients.enabled())
        if self._not_cached and self._not_cached | self._offline >= enabled:
            raise CollectError(
                "The seed is not in the local cache and offline mode is on. Run the same fetch "
                "once with network access (without --offline); later runs can be offline."
            )
        if self._offline and self._offline >= enabled:
            raise CollectError(
                f"Cannot reach {', '.join(sorted(self._offline))}: this machine seems to have no "
                "network access to them. Nothing was changed; try again when online, or load a "
                "snapshot."
            )
        reasons = "; ".join(dict.fromkeys(f"{m['source']}: {m['reason']}" for m in self.missing))
        raise CollectError(
            f"None of the seeds ({', '.join(str(s) for s in seeds)}) could be found"
            f"{f' ({reasons})' if reasons else ''}. Check the identifier or try another form "
            "of it (PMID, DOI, OpenAlex id)."
        )

    def _resolve(self, seeds: list[SeedId], sources: list[Source]) -> list[list[str]]:
        """The ids each seed is known under (its seed id first), one list per resolved seed."""
        out = []
        for i, seed in enumerate(seeds):
            self._step("resolving seeds", i, len(seeds))
            asked = str(seed)
            aliases, confirmed = [asked], []
            waiting = list(sources)
            grew = True
            while grew:  # a source may learn an id it can use only from a later one
                grew = False
                for src in list(waiting):
                    cands = [a for a in aliases if id_kind(a) in src.resolve_kinds]
                    if not cands:
                        continue
                    waiting.remove(src)
                    misses: list[dict[str, str]] = []
                    for cand in cands:  # the seed as given first, then what others found
                        res = self._try(
                            src.name, [cand], "resolve", lambda s=src, c=cand: s.resolve([c])
                        )
                        if res is None:
                            misses = []  # the failure is already noted
                            break
                        self._take(src, res.works, hop=0)
                        if cand in res.ids:
                            found = [res.ids[cand]] + [k for w in res.works for k in work_keys(w)]
                            confirmed.extend(found)
                            grew |= any(k not in aliases for k in found)
                            aliases.extend(k for k in found if k not in aliases)
                            misses = []
                            break
                        misses = res.missing
                    self.missing.extend(misses)
            for src in waiting:
                kinds = " or ".join(src.resolve_kinds)
                self._note(asked, src.name,
                           f"no {kinds} id is known for this work, so {src.label} skips it")  # fmt: skip
            ids = {id_kind(k): k for k in reversed(confirmed)}
            pmid, wid, doi = ids.get("pmid"), ids.get("openalex"), ids.get("doi")
            if not (pmid or wid or doi):
                self._note(asked, "all", "not found in any enabled source")
                continue
            seed_id = work_id(pmid=pmid and pmid[5:], doi=doi and doi[4:], openalex_id=wid)
            self.seed_ids.append(seed_id)
            group = [seed_id] + [a for a in dict.fromkeys(confirmed) if a != seed_id]
            self._join(group, hop=0)
            self._seed_keys.update(group)
            out.append(group)
        self._step("resolving seeds", len(seeds), len(seeds))
        return out

    def _seed_works_and_links(self, groups: list[list[str]], sources: list[Source]) -> None:
        """Each source's seed works and links; then what they name joins the crawl at hop 1."""
        k = self.options.max_per_kind
        for src in sources:
            ids = [i for i in (self._pick(src, g) for g in groups) if i]
            if not ids:
                continue
            self._fetch(src, self._unasked(src, ids), hop=0, stage=f"{src.label} seed records")
            for kind in src.link_kinds:
                limit = None if kind == "references" else k  # a reference list is bounded
                stage = f"{src.label} {kind.replace('_', ' ')}"
                size = max(1, src.max_batch.get(kind, len(ids)))
                batches = [ids[i : i + size] for i in range(0, len(ids), size)]
                for n, batch in enumerate(batches):
                    self._step(stage, n, len(batches))
                    self._try(src.name, batch, f"fetch_links {kind}",
                              lambda s=src, b=batch, kd=kind, n=limit: s.fetch_links(kd, b, limit=n),
                              take=lambda res, s=src: self._take_links(s, res))  # fmt: skip
                self._step(stage, len(batches), len(batches))
        self._seed_neighbours()

    def _seed_neighbours(self) -> None:
        """The works the seed records name join the crawl at hop 1 (citing works capped)."""
        k = self.options.max_per_kind
        for i, rec in enumerate(self.records):
            if i in self._neighboured or not set(work_keys(rec)) & self._seed_keys:
                continue
            self._neighboured.add(i)
            if len(rec.cited_by) > k:  # a landmark seed can have thousands of citing works
                self._note(work_keys(rec)[0], rec.source,
                           f"cited by {len(rec.cited_by)} works; the {k} newest are kept (max per "
                           "kind). Raise the cap to fetch more.")  # fmt: skip
                rec = self.records[i] = replace(rec, cited_by=rec.cited_by[:k])
            for other in [*rec.references, *rec.cited_by, *rec.related]:
                self._hop.setdefault(other, 1)

    def _take_links(self, src: Source, res: Any) -> None:
        """Keep what one ``fetch_links`` call returned: its works, links and notes."""
        self._take(src, res.works, hop=1)
        self.missing.extend(res.missing)
        for link in res.links:
            self.links.append(link)
            for end in (link.source, link.target):
                self._hop.setdefault(end, 1)

    def _ask_again(self, sources: list[Source]) -> None:
        """Step 5: the failed calls again, after a wait, then the works they named."""
        while self._queue and self._pass < self.options.retry_passes:
            self._pass += 1
            queue, self._queue = self._queue, []
            self._in_a_row.clear()
            self._resting.clear()
            self._pause(self._wait(queue))
            for n, call in enumerate(queue):
                self._step(f"asking {call.service} again (pass {self._pass})", n, len(queue))
                self._try(call.service, call.ids, call.query, call.call, take=call.take)
            self._seed_neighbours()
            self._fetch_all(sources, hop=self.options.depth)
        for call in self._queue:  # only when retry_passes is 0
            self._gap(call.service, call.ids, call.query, str(call.error), sent=call.error.query)
        self._queue = []

    def _wait(self, queue: list[_Call]) -> float:
        """Seconds to wait before asking ``queue`` again: what the services asked for, at
        least an exponential backoff (1, 2, 4 s), at most ``retry_wait_max``."""
        asked = [c.error.retry_after for c in queue if c.error.retry_after is not None]
        wait = max([2.0 ** (self._pass - 1), *asked])
        return min(wait, self.options.retry_wait_max)

    def _pause(self, seconds: float) -> None:
        """Sleep ``seconds`` in short steps, so Cancel still stops the crawl at once."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self._step(f"waiting {left:.0f} s before asking again", 0, 1)
            time.sleep(min(0.1, left))

    def _fetch_all(self, sources: list[Source], *, hop: int) -> None:
        """Works for every id at ``hop`` or less from every source that may know them, in
        rounds until no source has an id left to ask (each work is asked of a source once).

        A round asks each source only by the id kind it takes best (``id_kinds[0]``) while any
        source has such ids left: the answers often reveal that id for works known so far by
        another one (a DOI), which saves a lookup. Then one round by every kind it takes.
        """
        while True:
            for best_only in (True, False):
                asked_any = False
                for src in sources:
                    frontier = [i for i, h in self._hop.items() if h <= hop]
                    kinds = src.id_kinds[:1] if best_only else src.id_kinds
                    todo = self._unasked(src, frontier, kinds=kinds)
                    if todo:
                        asked_any = True
                        self._fetch(src, todo, hop=hop, stage=f"{src.label} works")
                if asked_any:
                    break  # start again from the best ids
            else:
                return

    def _depth2(self, sources: list[Source]) -> None:
        """Add, per kind, the ``max_per_kind`` works that the most depth-1 works cite (or are
        cited by). Each depth-1 work counts once per candidate, whichever sources report the
        link, and a candidate known under several ids is one candidate."""
        layer1 = {self._canon(i) for i, h in self._hop.items() if h == 1}
        known = {self._canon(i) for i in self._hop}
        cited: dict[str, set[str]] = {}
        citing: dict[str, set[str]] = {}

        def add(table: dict[str, set[str]], candidate: str, by: str) -> None:
            candidate = self._canon(candidate)
            if candidate not in known and id_kind(candidate) != "doi":
                table.setdefault(candidate, set()).add(by)

        for rec in self.records:
            keys = work_keys(rec)
            me = self._canon(keys[0]) if keys else ""
            if me in layer1:
                for ref in rec.references:
                    add(cited, ref, me)
                for citer in rec.cited_by:
                    add(citing, citer, me)
        k = self.options.max_per_kind
        for table in (cited, citing):
            for node in sorted(table, key=lambda c: (-len(table[c]), c))[:k]:
                self._hop.setdefault(node, 2)
        if sources:
            self._fetch_all(sources, hop=2)

    # -- bookkeeping

    def _fetch(self, src: Source, ids: list[str], *, hop: int, stage: str) -> None:
        """``src.fetch_works`` in batches of its ``max_batch``; what arrives is kept."""
        # Sorted: the same works make the same batches, and so the same requests (the HTTP
        # cache's keys), however their ids arrived (a set's order changes between processes,
        # and a rerun after a kill is another process).
        ids = sorted(ids)
        size = max(1, src.max_batch.get("fetch_works", len(ids) or 1))
        batches = [ids[i : i + size] for i in range(0, len(ids), size)]
        for n, batch in enumerate(batches):
            self._step(stage, n, len(batches))
            self._try(src.name, batch, "fetch_works", lambda b=batch: src.fetch_works(b),
                      take=lambda res, b=batch: self._take_works(src, b, res, hop=hop))  # fmt: skip
        if batches:
            self._step(stage, len(batches), len(batches))

    def _take_works(self, src: Source, batch: list[str], res: Any, *, hop: int) -> None:
        """Keep what one ``fetch_works`` call returned. Every id asked for and neither returned
        nor named in ``res.missing`` is noted in ``unknown`` too: an empty answer is news."""
        self._take(src, res.works, hop=hop)
        self.unknown.extend(res.missing)
        told = {m.get("id") for m in res.missing}
        returned = {key for rec in res.works for key in work_keys(rec)}
        for ident in batch:
            if ident not in told and not self._group.get(ident, {ident}) & returned:
                self.unknown.append(
                    missing_id(
                        ident,
                        src.name,
                        f"{src.label} returned no record for this id",
                        query="fetch_works",
                    )  # fmt: skip
                )

    def _take(self, src: Source, works: list[WorkRecord], *, hop: int) -> None:
        """Keep ``works`` from ``src``: their ids join the crawl and count as asked of it."""
        asked = self._asked.setdefault(src.name, set())
        for rec in works:
            self.records.append(rec)
            keys = work_keys(rec)
            self._join(keys, hop=hop)
            asked.update(keys)

    def _join(self, keys: list[str], *, hop: int) -> None:
        """Record that ``keys`` name one work, which joins the crawl at ``hop`` at the latest."""
        group: set[str] = set(keys)
        for key in keys:
            group |= self._group.get(key, set())
        for key in group:
            self._group[key] = group
        for key in keys:
            self._hop.setdefault(key, hop)

    def _canon(self, ident: str) -> str:
        """One id per work (PMID, else OpenAlex id, else DOI, else PMCID)."""
        group = self._group.get(ident)
        if not group:
            return ident
        return min(group, key=lambda k: (_KIND_RANK.get(id_kind(k), 9), k))

    def _pick(
        self, src: Source, ids: Iterable[str], *, kinds: Iterable[str] | None = None
    ) -> str | None:
        """The id of one work ``src`` takes best (its ``id_kinds`` order, or only ``kinds``),
        or None."""
        group: set[str] = set()
        for ident in ids:
            group |= self._group.get(ident, {ident})
        for kind in src.id_kinds if kinds is None else kinds:
            found = sorted(k for k in group if id_kind(k) == kind)
            if found:
                return found[0]
        return None

    def _unasked(
        self, src: Source, ids: list[str], *, kinds: Iterable[str] | None = None
    ) -> list[str]:
        """One id (the one ``src`` takes best, of ``kinds`` if given) per work not yet asked of
        or returned by ``src``; those works count as asked from now on."""
        asked = self._asked.setdefault(src.name, set())
        todo = []
        for ident in dict.fromkeys(ids):
            group = self._group.get(ident, {ident})
            if group & asked:
                continue
            choice = self._pick(src, group, kinds=kinds)
            if choice is None:
                continue
            asked.update(group)
            todo.append(choice)
        return todo

    def _try(
        self,
        service: str,
        ids: list[str],
        query: str,
        call: Callable[[], Any],
        *,
        take: Callable[[Any], None] | None = None,
    ) -> Any:
        """Run one source call and hand its result to ``take``; the crawl goes on if it fails.

        A call that failed for a passing reason (`SourceError.transient`) is queued and asked
        again after the rest of the crawl (`_ask_again`); a call without ``take`` (resolving a
        seed, which the rest depends on) is asked again at once, after the same wait. After
        ``give_up_after`` failures in a row a service rests until the next pass: its calls are
        queued without being sent. Only a refused key or a spent daily budget disables the
        service for the rest of the crawl (asking again cannot succeed today). When a call
        finally fails, every id it asked about is noted in ``missing`` with the service, the
        reason and ``query`` (the operation).
        """
        if service in self._disabled:
            self._gap(service, ids, query, f"not asked: {self._disabled[service]}")
            return None
        error: SourceError | None = None
        last = self._pass >= self.options.retry_passes
        if service in self._resting:
            exc = self._resting[service]
            if take is not None and not last:
                self._queue.append(_Call(service, ids, query, call, take, exc))
            else:
                self._gap(service, ids, query, f"not asked again in this crawl after "
                          f"{self.options.give_up_after} failed calls in a row: {exc}")  # fmt: skip
            return None
        for attempt in range(1 + (0 if take is not None else self.options.retry_passes)):
            if attempt:
                self._pause(min(2.0 ** (attempt - 1), self.options.retry_wait_max))
            try:
                res = call()
            except SourceError as exc:
                if isinstance(exc, NotCachedError):
                    self._not_cached.add(service)
                elif isinstance(exc, OfflineError) and not isinstance(exc, TimedOutError):
                    self._offline.add(service)
                elif isinstance(exc, (BudgetExceededError, AuthError)):
                    self._disabled[service] = str(exc)
                error = exc
                if not exc.transient:
                    break
                continue
            self._in_a_row[service] = 0
            if take is not None:
                take(res)
            return res
        assert error is not None  # the loop runs at least once and returns on success
        if error.transient:
            self._in_a_row[service] = self._in_a_row.get(service, 0) + 1
            if self._in_a_row[service] >= self.options.give_up_after:
                self._resting[service] = error
            if take is not None and not last:
                self._queue.append(_Call(service, ids, query, call, take, error))
                return None
        self._gap(service, ids, query, str(error), sent=error.query)
        return None

    def _gap(self, service: str, ids: list[str], op: str, reason: str, *, sent: str = "") -> None:
        """Note every id of a call that failed (one entry per id) and count the gap. The
        entry's ``query`` is the operation (``op``) and, where known, the request as sent."""
        what = ("seeds" if op == "resolve" else
                "link_lists" if op.startswith("fetch_links") else "works")  # fmt: skip
        self._gaps[what] = self._gaps.get(what, 0) + len(ids)
        for ident in ids:
            self._note(ident, service, reason, query=f"{op}: {sent}" if sent else op)

    def _note(self, ident: str, source: str, reason: str, *, query: str = "") -> None:
        self.missing.append(missing_id(ident, source, reason, query=query))

    def _step(self, stage: str, done: int, total: int) -> None:
        self.stage = stage
        if self.should_stop is not None and self.should_stop():
            raise Cancelled(f"Fetch cancelled during {stage}.")
        if self.progress is not None:
            self.progress(stage, done, total)

    def _pruned(self) -> tuple[list[WorkRecord], list[LinkRecord]]:
        """Records and links with neighbour-to-outside links dropped (see the class docstring)."""
        keys_of = [set(work_keys(rec)) for rec in self.records]
        known: set[str] = set().union(*keys_of)
        seed_keys: set[str] = set(self.seed_ids)
        for keys in keys_of:
            if keys & set(self.seed_ids):
                seed_keys |= keys

        def keep(a: str, b: str) -> bool:
            return a in seed_keys or b in seed_keys or (a in known and b in known)

        links = [link for link in self.links if keep(link.source, link.target)]
        records = []
        for rec, keys in zip(self.records, keys_of, strict=True):
            if keys & seed_keys:
                records.append(rec)
                continue
            records.append(
                replace(
                    rec,
                    references=[r for r in rec.references if r in known],
                    related=[r for r in rec.related if r in known],
                    cited_by=[r for r in rec.cited_by if r in known],
                )
            )
        return records, links


@dataclass
class _Task:
    """One source call the scheduler sends: what it asks, and what to do with the answer."""

    service: str
    ids: list[str]
    query: str
    call: Callable[[], Any]
    take: Callable[[Any], None]
    stage: str
    #: Resolving a seed: ask again soon (up to ``retry_passes`` times), never in a later pass;
    #: ``failed`` runs when it finally fails.
    resolving: bool = False
    failed: Callable[[], None] | None = None
    attempt: int = 0


class _Scheduler:
    """`Collector`'s steps with the services asked side by side (``FetchOptions.workers`` > 1).

    Worker threads only send calls (each with its own session, see `citegraph.sources.base`);
    every answer is taken, and every next call planned, here in the calling thread, so the
    bookkeeping, the progress callback and Cancel work as in the step-by-step crawl. Each
    service is held back only by its own rate limit (in its session) and by its input:

    - a source resolves a seed as soon as it has an id it can look up, and starts on the
      seed's records and links as soon as it knows the seed (PubMed's efetch and elinks go
      out while OpenAlex is still resolving the PMID);
    - a source asks for the works at the current hop by its best id once no call is out, its
      own or another service's, that may name more works for it (anything but works asked
      by ids of that same kind): waiting for them keeps its batches full, so the crawl sends no more
      requests than the step-by-step one, and the same works make the same batches (so the
      same cached requests: a resumed or offline crawl is answered from the cache);
    - other id kinds (OpenAlex by DOI) are asked only when every service is idle and no
      source has a best id left, as in the step-by-step crawl;
    - a source has at most its ``max_in_flight`` calls out (one for a source that does not
      say: it may not be safe to call from several threads), and after a failed call one at
      a time until one succeeds, so a dead service still rests after ``give_up_after``
      failures in a row.

    Then depth 2 and the retry passes, each once the crawl before it is idle.
    """

    def __init__(self, c: Collector, seeds: list[SeedId], sources: list[Source]) -> None:
        self.c = c
        self.seeds = seeds
        self.sources = sources
        self.running: dict[Future[Any], _Task] = {}
        self.later: list[tuple[float, _Task]] = []
        self.backlog: dict[str, list[_Task]] = {}
        self.sent = self.answered = 0
        self.hop = 1
        self.depth2_done = False
        self.changed = True  # something arrived or was sent since the last plan
        self.started: set[str] = set()
        n = len(seeds)
        self.aliases: list[list[str]] = [[str(seed)] for seed in seeds]
        self.found: list[dict[str, list[str]]] = [{} for _ in range(n)]
        self.resolving: list[dict[str, str]] = [
            {src.name: "waiting" for src in sources} for _ in range(n)
        ]
        self.settled: list[bool] = [False] * n
        self.groups: list[list[str] | None] = [None] * n
        self.seed_of: list[str | None] = [None] * n
        #: Calls of one source out at once: HTTP clients say how many they take
        #: (``max_in_flight``, a session per thread); any other source gets one at a time.
        self.limits = {src.name: max(1, int(getattr(src, "max_in_flight", 1))) for src in sources}
        self.pool = ThreadPoolExecutor(
            max_workers=c.options.workers, thread_name_prefix="citegraph-crawl"
        )

    def run(self) -> None:
        try:
            self._loop()
        finally:
            # Calls still out (after Cancel or an error) finish in the background; their
            # answers land in the HTTP cache, where a resumed crawl finds them.
            self.pool.shutdown(wait=False, cancel_futures=True)
            for src in self.sources:
                close = getattr(src, "close_twins", None)
                if close is not None and not self.running:
                    close()

    # -- the loop

    def _loop(self) -> None:
        c = self.c
        while True:
            if self.changed:
                self.changed = False
                self._plan()
            if not self.running and not self.later and not self._backlogged():
                if self._when_idle():
                    self.changed = True
                    continue
                break
            self._wait()
        found = {key for rec in c.records for key in work_keys(rec)}
        if not found & set(c.seed_ids):
            c._fail(self.seeds)
        c._step("merging", 1, 1)

    def _wait(self) -> None:
        """Until a call ends (or a delayed one is due), polling Cancel every 0.1 s."""
        now = time.monotonic()
        due = min((t for t, _ in self.later), default=now + 0.1)
        if self.running:
            done, _ = wait(list(self.running), timeout=max(0.0, min(0.1, due - now)),
                           return_when=FIRST_COMPLETED)  # fmt: skip
        else:
            done = set()
            time.sleep(max(0.0, min(0.1, due - now)))
        self.c._step(self.c.stage, self.answered, max(self.sent, 1))
        now = time.monotonic()
        ready = [task for t, task in self.later if t <= now]
        self.later = [(t, task) for t, task in self.later if t > now]
        for task in ready:
            self.changed = True
            self._send(task)
        # Answers are taken in the order their calls were sent, not as they happen to end.
        for future in [f for f in self.running if f in done]:
            self.changed = True
            task = self.running.pop(future)
            self.answered += 1
            self._finish(task, future)
            self._release(task.service)

    def _plan(self) -> None:
        self._plan_resolving()
        for src in self.sources:
            if src.name not in self.started and self._knows_seeds(src):
                self.started.add(src.name)
                self._seed_calls(src)
        self.c._seed_neighbours()
        for src in self.sources:
            if src.name in self.started:
                self._ask_works(src, kinds=src.id_kinds[:1], wait_for_others=True)

    def _when_idle(self) -> bool:
        """Everything asked so far has been answered: other id kinds, then depth 2, then a
        retry pass. False when the crawl is over."""
        c = self.c
        if not all(self.settled):
            return False  # nothing out and a seed unsettled: cannot happen; do not spin
        for src in self.sources:
            if self._ask_works(src, kinds=src.id_kinds, wait_for_others=False):
                return True
        if c.options.depth == 2 and not self.depth2_done:
            self.depth2_done = True
            c._depth2([])
            self.hop = 2
            return True
        if c._queue and c._pass < c.options.retry_passes:
            c._pass += 1
            queue, c._queue = c._queue, []
            c._in_a_row.clear()
            c._resting.clear()
            c._pause(c._wait(queue))
            self.hop = c.options.depth
            for call in queue:
                stage = f"asking {call.service} again (pass {c._pass})"
                self._submit(_Task(call.service, call.ids, call.query, call.call, call.take,
                                   stage))  # fmt: skip
            return True
        for call in c._queue:  # only when retry_passes is 0
            c._gap(call.service, call.ids, call.query, str(call.error), sent=call.error.query)
        c._queue = []
        return False

    # -- step 1: resolve

    def _plan_resolving(self) -> None:
        for i in range(len(self.seeds)):
            if self.settled[i]:
                continue
            states = self.resolving[i]
            for src in self.sources:
                if states[src.name] != "waiting":
                    continue
                cands = [a for a in self.aliases[i] if id_kind(a) in src.resolve_kinds]
                if cands:
                    states[src.name] = "asking"
                    self._resolve(i, src, cands, 0)
            if "asking" not in states.values():
                self._settle(i)
        if all(self.settled) and not self.c.seed_ids:
            self.c._fail(self.seeds)

    def _resolve(self, i: int, src: Source, cands: list[str], pos: int) -> None:
        cand = cands[pos]

        def take(res: Any) -> None:
            self.c._take(src, res.works, hop=0)
            if cand in res.ids:
                found = [res.ids[cand]] + [k for w in res.works for k in work_keys(w)]
                self.found[i].setdefault(src.name, []).extend(found)
                self.aliases[i].extend(k for k in dict.fromkeys(found) if k not in self.aliases[i])
                # The seed's ids are at hop 0 before any link naming them can arrive.
                self.c._join([cand, *found], hop=0)
                self.c._seed_keys.update([cand, *found])
                self.resolving[i][src.name] = "hit"
            elif pos + 1 < len(cands):
                self._resolve(i, src, cands, pos + 1)
            else:
                self.resolving[i][src.name] = "missed"
                self.c.missing.extend(res.missing)

        def failed() -> None:
            self.resolving[i][src.name] = "missed"  # the failure is already noted

        self._submit(_Task(src.name, [cand], "resolve", lambda: src.resolve([cand]), take,
                           "resolving seeds", resolving=True, failed=failed))  # fmt: skip

    def _settle(self, i: int) -> None:
        """No source is resolving seed ``i`` any more: name its ids, as `Collector._resolve`."""
        c = self.c
        self.settled[i] = True
        asked = str(self.seeds[i])
        for src in self.sources:
            if self.resolving[i][src.name] == "waiting":
                kinds = " or ".join(src.resolve_kinds)
                c._note(asked, src.name,
                        f"no {kinds} id is known for this work, so {src.label} skips it")  # fmt: skip
        confirmed = [k for src in self.sources for k in self.found[i].get(src.name, [])]
        ids = {id_kind(k): k for k in reversed(confirmed)}
        pmid, wid, doi = ids.get("pmid"), ids.get("openalex"), ids.get("doi")
        if not (pmid or wid or doi):
            c._note(asked, "all", "not found in any enabled source")
        else:
            seed_id = work_id(pmid=pmid and pmid[5:], doi=doi and doi[4:], openalex_id=wid)
            group = [seed_id] + [a for a in dict.fromkeys(confirmed) if a != seed_id]
            c._join(group, hop=0)
            c._seed_keys.update(group)
            self.groups[i], self.seed_of[i] = group, seed_id
        c.seed_ids[:] = [s for s in self.seed_of if s is not None]

    # -- step 2: the seeds' records and links

    def _knows_seeds(self, src: Source) -> bool:
        hit = all(states[src.name] == "hit" for states in self.resolving)
        return hit or all(self.settled)

    def _seed_calls(self, src: Source) -> None:
        c = self.c
        groups = [
            self.groups[i] or (self.aliases[i] if self.resolving[i][src.name] == "hit" else None)
            for i in range(len(self.seeds))
        ]
        ids = [i for i in (c._pick(src, g) for g in groups if g) if i]
        if not ids:
            return
        self._fetch(src, c._unasked(src, ids), hop=0, stage=f"{src.label} seed records")
        k = c.options.max_per_kind
        for kind in src.link_kinds:
            limit = None if kind == "references" else k  # a reference list is bounded
            size = max(1, src.max_batch.get(kind, len(ids)))
            for batch in [ids[j : j + size] for j in range(0, len(ids), size)]:
                self._submit(_Task(
                    src.name, batch, f"fetch_links {kind}",
                    lambda s=src, b=batch, kd=kind, n=limit: s.fetch_links(kd, b, limit=n),
                    lambda res, s=src: c._take_links(s, res),
                    f"{src.label} {kind.replace('_', ' ')}",
                ))  # fmt: skip

    # -- step 3: works

    def _ask_works(self, src: Source, *, kinds: tuple[str, ...], wait_for_others: bool) -> bool:
        """Ask ``src`` for the works at the current hop it has not been asked about, by
        ``kinds``, once no other service has a call out that may name more of them."""
        c = self.c
        best = src.id_kinds[0] if src.id_kinds else None
        others = any(
            # works asked by ids this source already holds bring it no new ones; anything
            # else may, its own links calls too (OpenAlex's citing works arrive as records)
            not (t.query == "fetch_works" and all(id_kind(i) == best for i in t.ids))
            for t in self._pending()
        )
        frontier = [i for i, h in c._hop.items() if h <= self.hop]
        todo = self._todo(src, frontier, kinds)
        if wait_for_others and others:
            # Not even a full batch early: which ids fill it would depend on which answers
            # came first, and the same works must always make the same requests (a resumed or
            # offline crawl finds them in the cache only then).
            return False
        if not todo:
            return False
        self._fetch(src, c._unasked(src, todo, kinds=kinds), hop=self.hop,
                    stage=f"{src.label} works")  # fmt: skip
        return True

    def _todo(self, src: Source, ids: list[str], kinds: Iterable[str]) -> list[str]:
        """What `Collector._unasked` would return, without marking anything asked."""
        asked = self.c._asked.get(src.name, set())
        todo, seen = [], set()
        for ident in dict.fromkeys(ids):
            group = frozenset(self.c._group.get(ident, {ident}))
            if group & asked or group in seen:
                continue
            if self.c._pick(src, group, kinds=kinds) is not None:
                seen.add(group)
                todo.append(ident)
        return todo

    def _fetch(self, src: Source, ids: list[str], *, hop: int, stage: str) -> None:
        # The same works make the same batches (and so the same cached requests) in whatever
        # order their ids arrived: a second crawl is answered from the cache.
        ids = sorted(ids)
        size = max(1, src.max_batch.get("fetch_works", len(ids) or 1))
        for batch in [ids[j : j + size] for j in range(0, len(ids), size)]:
            self._submit(_Task(
                src.name, batch, "fetch_works", lambda b=batch: src.fetch_works(b),
                lambda res, b=batch: self.c._take_works(src, b, res, hop=hop), stage,
            ))  # fmt: skip

    # -- sending and answers (what `Collector._try` does, split at the wait)

    def _pending(self) -> list[_Task]:
        out = list(self.running.values()) + [task for _, task in self.later]
        return out + [task for tasks in self.backlog.values() for task in tasks]

    def _backlogged(self) -> bool:
        return any(self.backlog.values())

    def _submit(self, task: _Task) -> None:
        c = self.c
        if task.service in c._disabled:
            c._gap(task.service, task.ids, task.query, f"not asked: {c._disabled[task.service]}")
            if task.failed:
                task.failed()
            return
        if task.service in c._resting:
            exc = c._resting[task.service]
            if not task.resolving and c._pass < c.options.retry_passes:
                c._queue.append(_Call(task.service, task.ids, task.query, task.call,
                                      task.take, exc))  # fmt: skip
            else:
                c._gap(task.service, task.ids, task.query, f"not asked again in this crawl "
                       f"after {c.options.give_up_after} failed calls in a row: {exc}")  # fmt: skip
                if task.failed:
                    task.failed()
            return
        out = sum(1 for t in self.running.values() if t.service == task.service)
        if out and (c._in_a_row.get(task.service, 0) or out >= self.limits[task.service]):
            self.backlog.setdefault(task.service, []).append(task)  # waits for one to end
            return
        self._send(task)

    def _send(self, task: _Task) -> None:
        _log.debug("send %s %s (%d ids)", task.service, task.query, len(task.ids))
        self.sent += 1
        self.c._step(task.stage, self.answered, self.sent)
        self.running[self.pool.submit(task.call)] = task

    def _release(self, service: str) -> None:
        """A call of ``service`` ended: send what waited behind it."""
        waiting = self.backlog.pop(service, [])
        for task in waiting:
            self._submit(task)

    def _finish(self, task: _Task, future: Future[Any]) -> None:
        c = self.c
        service = task.service
        try:
            res = future.result()
        except SourceError as exc:
            _log.debug("failed %s %s: %s", service, task.query, exc)
            self._failed(task, exc)
            return
        _log.debug("answer %s %s (%d ids)", service, task.query, len(task.ids))
        c._in_a_row[service] = 0
        task.take(res)

    def _failed(self, task: _Task, exc: SourceError) -> None:
        c = self.c
        service = task.service
        if isinstance(exc, NotCachedError):
            c._not_cached.add(service)
        elif isinstance(exc, OfflineError) and not isinstance(exc, TimedOutError):
            c._offline.add(service)
        elif isinstance(exc, (BudgetExceededError, AuthError)):
            c._disabled[service] = str(exc)
        if task.resolving and exc.transient and task.attempt < c.options.retry_passes:
            wait_s = min(2.0**task.attempt, c.options.retry_wait_max)
            task.attempt += 1
            self.later.append((time.monotonic() + wait_s, task))
            return
        last = c._pass >= c.options.retry_passes
        if exc.transient:
            c._in_a_row[service] = c._in_a_row.get(service, 0) + 1
            if c._in_a_row[service] >= c.options.give_up_after:
                c._resting[service] = exc
            if not task.resolving and not last:
                c._queue.append(_Call(service, task.ids, task.query, task.call, task.take, exc))
                return
        c._gap(service, task.ids, task.query, str(exc), sent=exc.query)
        if task.failed:
            task.failed()


@dataclass
class _Call:
    """A failed source call kept to be asked again: what it asked, how, and what went wrong."""

    service: str
    ids: list[str]
    query: str
    call: Callable[[], Any]
    take: Callable[[Any], None]
    error: SourceError


def _entry_key(entry: dict[str, str]) -> tuple[str, ...]:
    return tuple(str(entry.get(k, "")) for k in ("id", "source", "reason", "query"))


def gap_counts(manifest: dict[str, Any]) -> dict[str, int]:
    """What a crawl could not fetch, from its manifest: ids of ``works`` whose records, and
    of works whose ``link_lists``, failed to arrive, and ``seeds`` that could not be resolved,
    plus ``not_found`` (ids a source answered it does not know: normal, not a gap).

    Examples
    --------
    >>> gap_counts({"gaps": {"works": 3}, "not_found": [{"id": "pmid:1"}]})
    {'works': 3, 'link_lists': 0, 'seeds': 0, 'not_found': 1}
    """
    gaps = manifest.get("gaps") or {}
    out = {kind: int(gaps.get(kind, 0)) for kind in ("works", "link_lists", "seeds")}
    out["not_found"] = len(manifest.get("not_found") or [])
    return out


def fetch_corpus(
    seeds: Iterable[str | SeedId],
    *,
    clients: Clients,
    options: FetchOptions = FetchOptions(),
    progress: Progress | None = None,
) -> Corpus:
    """Crawl the neighbourhood of ``seeds`` and merge it into one corpus.

    A thin wrapper over `Collector` for callers that do not need to keep partial state.
    """
    return Collector(list(seeds), clients, options, progress=progress).run()


#: Which id names a work in depth-2 counting: PMID, then OpenAlex id, DOI, PMCID.
_KIND_RANK = {"pmid": 0, "openalex": 1, "doi": 2, "pmcid": 3}
