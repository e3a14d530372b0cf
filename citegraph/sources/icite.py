"""NIH iCite: citing and cited PMIDs (the NIH Open Citation Collection), ≤ 1000 PMIDs a call.

iCite's lists combine MEDLINE, PMC, Crossref and text-mined references, so they are usually
fuller than PubMed's ``pubmed_pubmed_citedin`` (which only knows PMC-deposited citations).
Legacy field names are used: ``cited_by``, ``references``, ``citation_count``, …
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import requests

from citegraph.http import DEFAULT_BASE_URLS
from citegraph.ids import normalize_doi, normalize_pmid
from citegraph.model import WorkRecord
from citegraph.sources import (
    NotFoundError,
    RateLimitError,
    UpstreamError,
    batched,
    unique,
    wait_hint,
)
from citegraph.sources.base import Result, SourceClient, batch_label, id_kind, missing_id
from citegraph.text import clean_markup

SERVICE = "icite"
#: iCite answers at most 1000 PMIDs per request.
BATCH_SIZE = 1000
FIELDS = (
    "pmid", "doi", "title", "authors", "year", "journal", "citation_count",
    "relative_citation_ratio", "cited_by", "references",
)  # fmt: skip


@dataclass
class ICiteRecord:
    """One PMID as iCite knows it. ``cited_by``/``references`` are PMIDs (strings)."""

    pmid: str
    cited_by: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    citation_count: int | None = None
    doi: str | None = None
    year: int | None = None
    title: str | None = None
    journal: str | None = None
    relative_citation_ratio: float | None = None
    url: str | None = None


def pubs_params(pmids: list[str]) -> dict[str, str]:
    """Query parameters of ``/pubs`` for a batch of PMIDs (legacy field names, only what we use).

    Examples
    --------
    >>> pubs_params(["1", "2"])["pmids"]
    '1,2'
    """
    return {"pmids": ",".join(pmids), "fl": ",".join(FIELDS)}


def parse_pubs(
    text: str | bytes, *, base_url: str = DEFAULT_BASE_URLS[SERVICE]
) -> list[ICiteRecord]:
    """Records from an iCite ``/pubs`` answer ``{"meta": …, "data": [...]}``.

    Titles are clean Unicode text (iCite copies PubMed's inline markup as tags in the string).

    Examples
    --------
    >>> body = '{"data": [{"pmid": 7, "cited_by": [9, 8], "references": "3 4", "year": 2001}]}'
    >>> r = parse_pubs(body)[0]
    >>> r.pmid, r.cited_by, r.references, r.year
    ('7', ['9', '8'], ['3', '4'], 2001)
    """
    try:
        data = json.loads(text)
    except (ValueError, TypeError) as exc:
        raise UpstreamError(f"malformed or truncated JSON ({exc}). Try again later.",
                            service=SERVICE) from None  # fmt: skip
    if isinstance(data, dict) and data.get("error") and not data.get("data"):
        raise UpstreamError(f"iCite reported an error: {data['error']}", service=SERVICE)
    rows = data.get("data") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise UpstreamError("unexpected JSON (no 'data' list).", service=SERVICE)
    base = base_url.rstrip("/")
    out = []
    for row in rows:
        pmid = normalize_pmid(row.get("pmid") or row.get("_id"))
        if not pmid:
            continue
        out.append(ICiteRecord(
            pmid=pmid,
            cited_by=_pmid_list(row.get("cited_by", row.get("citedByPmids"))),
            references=_pmid_list(row.get("references", row.get("citedPmids"))),
            citation_count=_int(row.get("citation_count", row.get("citationCount"))),
            doi=normalize_doi(row.get("doi")),
            year=_int(row.get("year")),
            title=clean_markup(row.get("title")),
            journal=(row.get("journal") or None),
            relative_citation_ratio=_float(row.get("relative_citation_ratio")),
            url=f"{base}/pubs/{pmid}",
        ))  # fmt: skip
    return out


def to_work_record(record: ICiteRecord) -> WorkRecord:
    """A `WorkRecord` (source "icite") with ``references`` as ``pmid:`` node ids.

    Examples
    --------
    >>> to_work_record(ICiteRecord(pmid="7", references=["3"])).references
    ['pmid:3']
    """
    return WorkRecord(
        source=SERVICE, pmid=record.pmid, doi=record.doi, title=record.title,
        journal=record.journal, year=record.year, cited_by_count=record.citation_count,
        url=record.url, references=[f"pmid:{p}" for p in record.references],
    )  # fmt: skip


def _pmid_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return unique(normalize_pmid(v) for v in value)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class ICiteClient(SourceClient):
    """iCite as a `citegraph.sources.base.Source`: one GET per 1000 PMIDs.

    iCite's ids are PMIDs, so ``resolve`` maps ``pmid:`` ids to themselves without a request.
    ``fetch_works`` returns works with ``references`` and ``cited_by`` (newest, i.e. highest,
    PMIDs first); iCite has no separate link calls (``link_kinds`` is empty).
    """

    name = SERVICE
    label = "iCite"
    resolve_kinds = ("pmid",)
    id_kinds = ("pmid",)
    link_kinds = ()
    max_batch = {"resolve": BATCH_SIZE, "fetch_works": BATCH_SIZE}
    batch_size = BATCH_SIZE

    def resolve(self, ids: Sequence[str]) -> Result:
        """``pmid:`` ids as they are (iCite is asked when their works are fetched)."""
        out = Result()
        for ident in ids:
            pmid = normalize_pmid(str(ident).removeprefix("pmid:"))
            if pmid and id_kind(str(ident)) in ("pmid", None):
                out.ids[str(ident)] = f"pmid:{pmid}"
            else:
                out.missing.append(missing_id(str(ident), SERVICE, "iCite looks up PMIDs only"))
        return out

    def fetch_works(self, ids: Sequence[str]) -> Result:
        """Works for ``pmid:`` ids (one request per 1000); unknown PMIDs are in ``missing``."""
        asked = {normalize_pmid(str(i).removeprefix("pmid:")): str(i) for i in _as_list(ids)}
        asked.pop(None, None)
        records = self.fetch(list(asked))
        out = Result()
        for pmid, ident in asked.items():
            rec = records.get(pmid)
            if rec is None:
                out.missing.append(missing_id(ident, SERVICE, "iCite has no record of this PMID",
                                              query=f"GET /pubs?pmids={pmid}"))  # fmt: skip
                continue
            newest = sorted(rec.cited_by, key=int, reverse=True)
            out.works.append(replace(to_work_record(rec), cited_by=[f"pmid:{p}" for p in newest]))
        return out

    def fetch_links(self, kind: str, ids: Sequence[str], *, limit: int | None = None) -> Result:
        """iCite's links come with its works (``fetch_works``); no kind is answered here."""
        raise ValueError(f"iCite answers no link kind separately (asked {kind!r}); use fetch_works")

    def fetch(self, pmids: Iterable[str]) -> dict[str, ICiteRecord]:
        """Records keyed by PMID; PMIDs iCite does not know are absent from the result."""
        ids = unique(normalize_pmid(p) for p in _as_list(pmids))
        out: dict[str, ICiteRecord] = {}
        for batch in batched(ids, self.batch_size):
            ident = batch_label(batch, "PMIDs")
            resp = self._send("GET", "/pubs", params=pubs_params(batch), ident=ident)
            records = self._parse(resp, lambda t: parse_pubs(t, base_url=self.base_url), ident)
            out.update((r.pmid, r) for r in records)
        return out

    def _check_status(self, resp: requests.Response, ident: str | None) -> None:
        _raise_for_status(resp, ident)


def _as_list(values: Iterable[str] | str) -> list[str]:
    return [values] if isinstance(values, str) else list(values)


def _raise_for_status(resp: requests.Response, ident: str | None) -> None:
    status = resp.status_code
    if status < 400:
        return
    if status == 429:
        raise RateLimitError("rate limited: too many requests (HTTP 429) even after retrying. "
                             "Wait a minute.", service=SERVICE, ident=ident,
                             retry_after=wait_hint(resp))  # fmt: skip
    if status == 404:
        raise NotFoundError("not found (HTTP 404). Check the PMIDs and the iCite base URL.",
                            service=SERVICE, ident=ident)  # fmt: skip
    what = "server error" if status >= 500 else "refused"
    raise UpstreamError(f"{what} (" + f"HTTP {status} {resp.reason or ''}".strip() + ")"
                        + (" even after retrying" if status >= 500 else "") + ". Try again later.",
                        service=SERVICE, ident=ident, retry_after=wait_hint(resp))  # fmt: skip
