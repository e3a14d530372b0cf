"""Collect a corpus: from verified facts (offline) or by crawling the live sources.

Every path ends in `citegraph.merge.merge_records`, so a corpus built from facts and one fetched
live have the same shape and the same provenance rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from citegraph import CitegraphError
from citegraph.http import make_session
from citegraph.ids import SeedId, parse_seed, work_id
from citegraph.merge import merge_records, work_keys
from citegraph.model import Corpus, LinkRecord, WorkRecord
from citegraph.snapshot import new_manifest
from citegraph.sources import (
    AuthError,
    BudgetExceededError,
    NotCachedError,
    OfflineError,
    SourceError,
    TimedOutError,
)
from citegraph.sources.facts import read_facts
from citegraph.sources.icite import ICiteClient, ICiteRecord
from citegraph.sources.icite import to_work_record as icite_to_work_record
from citegraph.sources.openalex import OpenAlexClient
from citegraph.sources.pubmed import PubMedClient

#: What the bundled seed snapshot cannot hold, and why (shown on the page and in `info`).
FACTS_MISSING_REASON = (
    "not in the verified facts: no public copy of this list was reachable without live API "
    "access when the snapshot was built; fetch live to add it"
)
_FACTS_GAPS = [
    ("pubmed", "references (elink pubmed_pubmed_refs, efetch ReferenceList)"),
    ("pubmed", "cited by (elink pubmed_pubmed_citedin)"),
    ("pubmed", "similar articles (elink pubmed_pubmed, cmd=neighbor_score)"),
    ("icite", "cited_by and references"),
    ("openalex", "work record, referenced_works, related_works, citing works (filter=cites:)"),
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
        for source, what in _FACTS_GAPS
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

ALL_SOURCES = ("pubmed", "icite", "openalex")

#: Progress callback: (stage, done, total). Stages are short phrases shown to the user.
Progress = Callable[[str, int, int], None]


class CollectError(CitegraphError):
    """No seed could be resolved in any enabled source (nothing to build a corpus from)."""


class Cancelled(CitegraphError):
    """The user cancelled a fetch; `Collector.corpus` still returns what arrived so far."""


@dataclass(frozen=True)
class FetchOptions:
    """What to crawl.

    ``max_per_kind`` caps PubMed similar articles (top by score), the citing works each source
    reports for a seed (PubMed and iCite: the newest PMIDs; OpenAlex: its first page(s)) and,
    at depth 2, the works added per kind (chosen by how many depth-1 works they connect to).
    References are not capped: a reference list is bounded by the paper itself.
    """

    depth: int = 1
    max_per_kind: int = 100
    sources: tuple[str, ...] = ALL_SOURCES

    def __post_init__(self) -> None:
        if self.depth not in (1, 2):
            raise CitegraphError(f"Depth must be 1 or 2, got {self.depth}.")
        if self.max_per_kind < 1:
            raise CitegraphError(f"Max per kind must be at least 1, got {self.max_per_kind}.")
        unknown = sorted(set(self.sources) - set(ALL_SOURCES))
        if unknown or not self.sources:
            raise CitegraphError(
                f"Unknown source(s) {', '.join(unknown) or '(none given)'}; "
                f"choose from {', '.join(ALL_SOURCES)}."
            )


@dataclass
class Clients:
    """The source clients a crawl uses (None = source disabled)."""

    pubmed: PubMedClient | None = None
    icite: ICiteClient | None = None
    openalex: OpenAlexClient | None = None

    def enabled(self) -> list[str]:
        return [name for name in ALL_SOURCES if getattr(self, name) is not None]

    def requests_made(self) -> dict[str, int]:
        """Real (non-cache) requests per service so far."""
        return {n: int(getattr(getattr(self, n), "requests_made", 0)) for n in self.enabled()}


def make_clients(
    sources: Iterable[str] = ALL_SOURCES,
    *,
    ncbi_api_key: str | None = None,
    openalex_api_key: str | None = None,
    email: str | None = None,
    pubmed_url: str | None = None,
    icite_url: str | None = None,
    openalex_url: str | None = None,
    offline: bool = False,
    rate: float | None = None,
    retries: int = 4,
    timeout: float = 30.0,
) -> Clients:
    """Clients for the enabled sources, each with its own cached, rate-limited session.

    Keys not given here come from the environment or Streamlit secrets (`citegraph.http`).
    ``retries`` and ``timeout`` go to every session (tests that do not test retrying use 0).
    """
    wanted = set(sources)
    common: dict[str, Any] = {"email": email, "offline": offline, "rate": rate,
                              "retries": retries, "timeout": timeout}  # fmt: skip
    clients = Clients()
    if "pubmed" in wanted:
        session = make_session("pubmed", api_key=ncbi_api_key, **common)
        clients.pubmed = PubMedClient(session, base_url=pubmed_url)
    if "icite" in wanted:
        session = make_session("icite", **common)
        clients.icite = ICiteClient(session, base_url=icite_url)
    if "openalex" in wanted:
        session = make_session("openalex", api_key=openalex_api_key, **common)
        clients.openalex = OpenAlexClient(session, base_url=openalex_url)
    return clients


@dataclass
class Collector:
    """One crawl. Every record is kept as it arrives, so a cancelled, interrupted or failed
    crawl still turns into a corpus (`corpus`), and a rerun resumes from the HTTP cache.

    Depth 1 gathers the seeds' references (PubMed refs, iCite references, OpenAlex
    referenced_works), citing works (PubMed citedin, iCite cited_by, OpenAlex ``cites:``),
    PubMed similar articles (top ``max_per_kind`` by score) and OpenAlex related works, then
    metadata for all of them in batches. Depth 2 adds, per kind (references, citing), the
    ``max_per_kind`` works that the most depth-1 works cite or are cited by.

    Links between two non-seed works are kept only when both ends are in the corpus, so the
    reference lists of hundreds of neighbours do not flood the graph with stubs.

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
    seed_ids: list[str] = field(default_factory=list)
    state: str = "new"  # new | running | done | cancelled | failed
    stage: str = ""
    _icite: dict[str, ICiteRecord] = field(default_factory=dict)
    _disabled: set[str] = field(default_factory=set)
    _offline: set[str] = field(default_factory=set)
    _ref_dois: set[str] = field(default_factory=set)
    _asked: dict[str, set[str]] = field(default_factory=dict)
    _not_cached: set[str] = field(default_factory=set)
    _timeouts: dict[str, int] = field(default_factory=dict)

    # -- public

    def run(self) -> Corpus:
        """Crawl, then merge. Raises `CollectError` when no seed resolves anywhere."""
        self.state = "running"
        try:
            self._crawl()
        except Cancelled:
            self.state = "cancelled"
            return self.corpus()
        except CitegraphError:
            self.state = "failed"
            raise
        self.state = "done"
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
        """Merge everything gathered so far (usable at any point, also after a failure)."""
        missing = list(self.missing)
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
            requests=self.clients.requests_made(),
            state=self.state,
        )
        if self.clients.openalex is not None:
            manifest["openalex_cost_usd"] = round(
                float(getattr(self.clients.openalex, "cost_usd", 0.0) or 0.0), 6
            )
        records, links = self._pruned()
        return merge_records(records, links, seeds=self.seed_ids, manifest=manifest)

    # -- crawl

    def _crawl(self) -> None:
        seeds = [parse_seed(s) if isinstance(s, str) else s for s in self.seeds]
        resolved = self._resolve(seeds)
        if not resolved:
            self._fail(seeds)
        seed_pmids = [p for p, _ in resolved if p]
        seed_wids = [w for _, w in resolved if w]
        pmids = {p: 0 for p in seed_pmids}
        wids = {w: 0 for w in seed_wids}
        self._seed_reference_lists(seed_pmids, pmids)
        self._pubmed_links(seed_pmids, pmids)
        self._icite_links(seed_pmids, pmids)
        self._openalex_links(seed_wids, wids)
        self._metadata(pmids, wids, hop=1)
        if self.options.depth == 2:
            self._depth2(pmids, wids)
        found = set()
        for rec in self.records:
            found |= set(work_keys(rec))
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

    def _resolve(self, seeds: list[SeedId]) -> list[tuple[str | None, str | None]]:
        out = []
        pm, oa = self.clients.pubmed, self.clients.openalex
        for i, seed in enumerate(seeds):
            self._step("resolving seeds", i, len(seeds))
            pmid = seed.value if seed.kind == "pmid" else None
            wid = None  # an OpenAlex id counts once OpenAlex has returned its record
            if pm is not None and pmid is None and seed.kind != "openalex":
                pmid = self._try("pubmed", str(seed), lambda s=seed: self._pubmed_resolve(s))
            if oa is not None:
                record = self._openalex_resolve(seed, pmid)
                if record is not None:
                    self.records.append(record)
                    wid = record.openalex_id
                    pmid = pmid or record.pmid
            if pm is not None and pmid is None and seed.kind == "openalex":
                self._note(
                    str(seed), "pubmed", "this work has no PMID, so PubMed and iCite skip it"
                )
            if pmid or wid:
                self.seed_ids.append(work_id(pmid=pmid, openalex_id=wid))
                out.append((pmid, wid))
            else:
                self._note(str(seed), "all", "not found in any enabled source")
        self._step("resolving seeds", len(seeds), len(seeds))
        return out

    def _pubmed_resolve(self, seed: SeedId) -> str | None:
        pm = self.clients.pubmed
        if seed.kind == "doi":
            found = pm.resolve_doi(seed.value)
        elif seed.kind == "pmcid":
            found = pm.resolve_pmcid(seed.value)
        else:
            hits = pm.search(f"{seed.value}[title]", retmax=1)
            found = hits[0] if hits else None
        if found is None:
            self._note(str(seed), "pubmed", "PubMed has no record for this identifier")
        return found

    def _openalex_resolve(self, seed: SeedId, pmid: str | None) -> WorkRecord | None:
        oa = self.clients.openalex
        if seed.kind == "title":
            hits = self._try("openalex", str(seed), lambda: oa.search_title(seed.value, limit=1))
            return hits[0] if hits else None
        ident = {
            "pmid": f"pmid:{seed.value}",
            "doi": f"doi:{seed.value}",
            "openalex": seed.value,
            "pmcid": f"pmcid:{seed.value}",
        }.get(seed.kind) or (f"pmid:{pmid}" if pmid else None)
        if ident is None:
            return None
        return self._try("openalex", str(seed), lambda: oa.work(ident))

    def _seed_reference_lists(self, seed_pmids: list[str], pmids: dict[str, int]) -> None:
        """PubMed records of the seeds first: their ReferenceList names cited works (by PMID or
        DOI) that elink's refs may lack, and those must be fetched with the rest."""
        pm = self.clients.pubmed
        if pm is None or not seed_pmids:
            return
        todo = self._unasked("pubmed", seed_pmids)
        for rec in self._batched("PubMed seed records", todo, 200, pm.fetch_works, "pubmed"):
            self.records.append(rec)
            for ref in rec.references:
                if ref.startswith("pmid:"):
                    pmids.setdefault(ref[5:], 1)
                elif ref.startswith("doi:"):
                    self._ref_dois.add(ref[4:])

    def _pubmed_links(self, seed_pmids: list[str], pmids: dict[str, int]) -> None:
        pm = self.clients.pubmed
        if pm is None or not seed_pmids:
            return
        self._step("PubMed links", 0, 1)
        # all_links: similar (with scores), cited-in and refs in two elink calls, not three.
        found = self._try("pubmed", ",".join(seed_pmids), lambda: pm.all_links(seed_pmids)) or {}
        for key, evidence, backwards in (
            ("refs", "elink:pubmed_pubmed_refs", False),
            ("cited_in", "elink:pubmed_pubmed_citedin", True),  # the other paper cites the seed
        ):
            for seed, items in found.get(key, {}).items():
                if backwards:
                    items = self._newest_citers(seed, "pubmed", items)
                for other in items:
                    pmids.setdefault(other, 1)
                    src, dst = (other, seed) if backwards else (seed, other)
                    self.links.append(
                        LinkRecord(f"pmid:{src}", f"pmid:{dst}", "references", "pubmed", evidence)
                    )
        for seed, items in found.get("similar", {}).items():
            for other, score in items[: self.options.max_per_kind]:
                if other != seed:
                    pmids.setdefault(other, 1)
                    self.links.append(
                        LinkRecord(
                            f"pmid:{seed}",
                            f"pmid:{other}",
                            "similar",
                            "pubmed",
                            "elink:pubmed_pubmed",
                            score,
                        )
                    )
        self._step("PubMed links", 1, 1)

    def _icite_links(self, seed_pmids: list[str], pmids: dict[str, int]) -> None:
        if self.clients.icite is None or not seed_pmids:
            return
        self._step("iCite citations", 0, 1)
        for rec in self._icite_fetch(self._unasked("icite", seed_pmids), seeds=True):
            for ref in rec.references:
                pmids.setdefault(ref, 1)
            for citer in rec.cited_by:
                pmids.setdefault(citer, 1)

    def _openalex_links(self, seed_wids: list[str], wids: dict[str, int]) -> None:
        oa = self.clients.openalex
        if oa is None or not seed_wids:
            return
        by_wid = {r.openalex_id: r for r in self.records if r.source == "openalex"}
        for i, wid in enumerate(seed_wids):
            self._step("OpenAlex citing works", i, len(seed_wids))
            record = by_wid.get(wid)
            for other in (record.references + record.related) if record else []:
                wids.setdefault(other, 1)
            citing = (
                self._try(
                    "openalex", wid, lambda w=wid: oa.citing(w, limit=self.options.max_per_kind)
                )
                or []
            )
            for rec in citing:
                self.records.append(rec)
                if rec.openalex_id:
                    wids.setdefault(rec.openalex_id, 1)
                    self.links.append(
                        LinkRecord(rec.openalex_id, wid, "references", "openalex", "openalex:cites")
                    )

    def _metadata(self, pmids: dict[str, int], wids: dict[str, int], *, hop: int) -> None:
        """Metadata for the works at ``hop``: OpenAlex by W-id, iCite, PubMed, OpenAlex by DOI.

        Each id is asked of each service at most once per crawl: what a service did not know at
        hop 1 is not asked again (OpenAlex list calls are billed).
        """
        pm, oa = self.clients.pubmed, self.clients.openalex
        if oa is not None:
            have = {r.openalex_id for r in self.records if r.source == "openalex"}
            todo = self._unasked(
                "openalex", [w for w, h in wids.items() if h <= hop and w not in have]
            )
            for rec in self._batched("OpenAlex works", todo, 100, oa.works, "openalex"):
                self.records.append(rec)
                if rec.pmid:
                    pmids.setdefault(rec.pmid, hop)
        if self.clients.icite is not None:
            self._icite_fetch(self._unasked("icite", [p for p, h in pmids.items() if h <= hop]))
        if pm is not None:
            have = {r.pmid for r in self.records if r.source == "pubmed"}
            todo = self._unasked(
                "pubmed", [p for p, h in pmids.items() if h <= hop and p not in have]
            )
            found = self._batched("PubMed metadata", todo, 200, pm.fetch_works, "pubmed")
            self.records.extend(found)
        if oa is not None:
            oa_dois = {r.doi for r in self.records if r.source == "openalex" and r.doi}
            dois = {r.doi for r in self.records if r.doi and r.source != "openalex"}
            todo = self._unasked("openalex-doi", sorted((dois | self._ref_dois) - oa_dois))
            for rec in self._batched("OpenAlex by DOI", todo, 100, oa.works_by_doi, "openalex"):
                self.records.append(rec)
                if rec.openalex_id:
                    wids.setdefault(rec.openalex_id, hop)

    def _newest_citers(self, seed: str, source: str, citers: list[str]) -> list[str]:
        """At most ``max_per_kind`` citing PMIDs of a seed, the newest (highest PMIDs) first;
        what is left out is noted in ``missing``."""
        k = self.options.max_per_kind
        if len(citers) <= k:
            return list(citers)
        self._note(
            f"pmid:{seed}", source,
            f"cited by {len(citers)} works; the {k} newest are kept (max per kind). Raise the "
            "cap to fetch more.",
        )  # fmt: skip
        return sorted(citers, key=int, reverse=True)[:k]

    def _unasked(self, what: str, ids: list[str]) -> list[str]:
        asked = self._asked.setdefault(what, set())
        todo = [i for i in dict.fromkeys(ids) if i not in asked]
        asked.update(todo)
        return todo

    def _depth2(self, pmids: dict[str, int], wids: dict[str, int]) -> None:
        """Add, per kind, the ``max_per_kind`` works that the most depth-1 works cite (or are
        cited by). Each depth-1 work counts once per candidate, whichever sources report the
        link, and a candidate known under a PMID and a W-id is one candidate."""
        alias: dict[str, str] = {}  # any id of a known work -> its canonical key
        for rec in self.records:
            keys = set(work_keys(rec))
            canon = f"pmid:{rec.pmid}" if rec.pmid else min(keys) if keys else None
            for key in keys:
                alias.setdefault(key, canon)
        layer1 = {f"pmid:{p}" for p, h in pmids.items() if h == 1}
        layer1 |= {alias.get(w, w) for w, h in wids.items() if h == 1}
        known = {alias.get(k, k) for k in [f"pmid:{p}" for p in pmids] + list(wids)}
        cited: dict[str, set[str]] = {}
        citing: dict[str, set[str]] = {}

        def add(table: dict[str, set[str]], candidate: str, by: str) -> None:
            candidate = alias.get(candidate, candidate)
            if candidate not in known and not candidate.startswith("doi:"):
                table.setdefault(candidate, set()).add(by)

        for rec in self._icite.values():
            me = alias.get(f"pmid:{rec.pmid}", f"pmid:{rec.pmid}")
            if me in layer1:
                for ref in rec.references:
                    add(cited, f"pmid:{ref}", me)
                for citer in rec.cited_by:
                    add(citing, f"pmid:{citer}", me)
        for rec in self.records:
            keys = set(work_keys(rec))
            me = alias.get(next(iter(sorted(keys)), ""), "")
            if rec.source in ("pubmed", "openalex") and me in layer1:
                for ref in rec.references:
                    add(cited, ref, me)
        k = self.options.max_per_kind
        for table in (cited, citing):
            ranked = sorted(table, key=lambda c: (-len(table[c]), c))[:k]
            for node in ranked:
                if node.startswith("pmid:"):
                    pmids.setdefault(node[5:], 2)
                else:
                    wids.setdefault(node, 2)
        self._metadata(pmids, wids, hop=2)

    # -- plumbing

    def _icite_fetch(self, pmids: list[str], *, seeds: bool = False) -> list[ICiteRecord]:
        ic = self.clients.icite
        found = self._batched(
            "iCite records", pmids, 1000, lambda batch: list(ic.fetch(batch).values()), "icite"
        )
        if seeds:  # a landmark seed can have thousands of citing works: cap them
            found = [
                replace(rec, cited_by=self._newest_citers(rec.pmid, "icite", rec.cited_by))
                for rec in found
            ]
        for rec in found:
            self._icite[rec.pmid] = rec
            self.records.append(icite_to_work_record(rec))
            for cited in rec.references:
                self.links.append(LinkRecord(f"pmid:{rec.pmid}", f"pmid:{cited}", "references",
                                             "icite", "icite:references"))  # fmt: skip
            for citer in rec.cited_by:
                self.links.append(LinkRecord(f"pmid:{citer}", f"pmid:{rec.pmid}", "references",
                                             "icite", "icite:cited_by"))  # fmt: skip
        return found

    def _batched(self, stage: str, ids: list[str], size: int, call: Callable, service: str) -> list:
        out: list = []
        batches = [ids[i : i + size] for i in range(0, len(ids), size)]
        for i, batch in enumerate(batches):
            self._step(stage, i, len(batches))
            out.extend(self._try(service, _batch_label(batch), lambda b=batch: call(b)) or [])
        if batches:
            self._step(stage, len(batches), len(batches))
        return out

    def _try(self, service: str, ident: str, call: Callable[[], Any]) -> Any:
        """Run one source call; a failure is noted in ``missing`` and the crawl goes on.

        A service that cannot be reached, refuses the key or has spent its daily budget is
        disabled for the rest of the crawl (so one outage does not cost a timeout per remaining
        request); so is one that timed out twice. An offline-mode cache miss concerns that one
        request only: the cache may hold the rest.
        """
        if service in self._disabled:  # its failure is already noted once
            return None
        try:
            return call()
        except NotCachedError as exc:
            self._not_cached.add(service)
            self._note(ident, service, str(exc))
        except TimedOutError as exc:
            self._timeouts[service] = self._timeouts.get(service, 0) + 1
            if self._timeouts[service] >= 2:
                self._disabled.add(service)
                self._offline.add(service)
            self._note(ident, service, str(exc))
        except (OfflineError, BudgetExceededError, AuthError) as exc:
            self._disabled.add(service)
            if isinstance(exc, OfflineError):
                self._offline.add(service)
            self._note(ident, service, str(exc))
        except SourceError as exc:
            self._note(ident, service, str(exc))
        return None

    def _note(self, ident: str, source: str, reason: str) -> None:
        self.missing.append({"id": ident, "source": source, "reason": reason})

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
                )
            )
        return records, links


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


def _batch_label(batch: list[str]) -> str:
    return ",".join(batch) if len(batch) <= 3 else f"{batch[0]}…{batch[-1]} ({len(batch)} ids)"
