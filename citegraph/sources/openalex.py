"""OpenAlex: works by id, references, related works, citing works, authorships, cost.

Costs (late 2026): singleton lookups (``/works/W…``, ``/works/pmid:…``, ``/works/doi:…``) are
free; list calls are metered (``X-RateLimit-Cost-USD``). So single ids use singletons, and sets
of ids use ``filter=openalex:W1|W2|…`` with ≤ 100 values and ``per_page=100``: one metered call
per 100 works. Batch lookup by PMID is broken upstream, so PMIDs go through free singletons.

Citing works (``filter=cites:W…``) come newest first (``sort=publication_date:desc``), paged
with ``page=N`` without a key and with ``cursor=*`` → ``meta.next_cursor`` with one (cursor
paging without a key answers 401); paging stops when ``next_cursor`` is null, the results run
out or the cap is reached. List answers cut authorships at 100 (``is_authors_truncated``); those
works are fetched again as free singletons.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import requests

from citegraph.http import redact_url
from citegraph.ids import (
    normalize_doi,
    normalize_openalex_id,
    normalize_orcid,
    normalize_pmcid,
    normalize_pmid,
)
from citegraph.model import AuthorRecord, Institution, LinkRecord, WorkRecord
from citegraph.sources import (
    AuthError,
    BudgetExceededError,
    NotFoundError,
    RateLimitError,
    UpstreamError,
    batched,
    unique,
    wait_hint,
)
from citegraph.sources.base import (
    Result,
    SourceClient,
    batch_label,
    id_kind,
    missing_id,
    paginate,
)
from citegraph.text import clean_markup

SERVICE = "openalex"
#: "You can combine up to 100 values with | in a single filter. Use per_page=100."
MAX_OR_VALUES = 100
PER_PAGE = 100
#: Citing works come newest first, so a cap keeps the newest (as PubMed and iCite do).
CITING_SORT = "publication_date:desc"
#: Basic paging stops at page * per_page = 10,000.
MAX_BASIC_PAGING = 10_000
RATE_HEADERS = (
    "X-RateLimit-Limit-USD", "X-RateLimit-Remaining-USD", "X-RateLimit-Cost-USD",
    "X-RateLimit-Prepaid-Remaining-USD", "X-RateLimit-Limit", "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
)  # fmt: skip


# --------------------------------------------------------------------------- URL builders


def singleton_path(ident: str) -> str:
    """The ``/works/…`` path of one work: ``W…``, ``pmid:…``, ``doi:…`` (or a DOI/OpenAlex URL).

    Examples
    --------
    >>> singleton_path("https://openalex.org/W2741809807")
    '/works/W2741809807'
    >>> singleton_path("pmid:29456894")
    '/works/pmid:29456894'
    >>> singleton_path("doi:10.7717/PEERJ.4375")
    '/works/doi:10.7717/peerj.4375'
    >>> singleton_path("https://doi.org/10.3386/w23456")
    '/works/doi:10.3386/w23456'
    """
    text = str(ident).strip()
    lowered = text.lower()
    # DOIs first: "10.3386/w23456" (NBER) ends in something that looks like a W-id.
    if lowered.startswith(("doi:", "10.")) or "doi.org/" in lowered:
        doi = normalize_doi(text)
        if doi:
            return f"/works/doi:{quote(doi, safe='/:().;-_')}"
    if re.fullmatch(r"(?:https?://(?:api\.)?openalex\.org/(?:works/)?)?[Ww]\d+/?", text):
        return f"/works/{normalize_openalex_id(text)}"
    if text.lower().startswith("pmid:") or text.isdigit():
        pmid = normalize_pmid(text)
        if pmid:
            return f"/works/pmid:{pmid}"
    if text.lower().startswith("pmcid:") or text.upper().startswith("PMC"):
        pmcid = normalize_pmcid(text)
        if pmcid:
            return f"/works/pmcid:{pmcid}"
    doi = normalize_doi(text)
    if doi:
        return f"/works/doi:{quote(doi, safe='/:().;-_')}"
    raise ValueError(f"not an OpenAlex work id, pmid:…, pmcid:… or doi:…: {ident!r}")


def list_params(
    filter_: str | None = None,
    *,
    search: str | None = None,
    per_page: int = PER_PAGE,
    page: int | None = None,
    cursor: str | None = None,
) -> dict[str, str]:
    """Query parameters of a ``/works`` list call.

    Examples
    --------
    >>> list_params("openalex:W1|W2", page=1)
    {'filter': 'openalex:W1|W2', 'per_page': '100', 'page': '1'}
    """
    params: dict[str, str] = {}
    if filter_:
        params["filter"] = filter_
    if search:
        params["search"] = search
    params["per_page"] = str(per_page)
    if cursor is not None:
        params["cursor"] = cursor
    elif page is not None:
        params["page"] = str(page)
    return params


# ---------------------------------------------------------------------------------- parsers


def rebuild_abstract(inverted: dict[str, list[int]] | None) -> str | None:
    """Rebuild an abstract from OpenAlex's inverted index (word → positions).

    Examples
    --------
    >>> rebuild_abstract({"world": [1], "Hello": [0], "again": [3], "hello": [2]})
    'Hello world hello again'
    """
    if not inverted:
        return None
    slots = [(pos, word) for word, positions in inverted.items() for pos in positions or []]
    return " ".join(word for _, word in sorted(slots)) or None


def parse_work(data: dict[str, Any], *, url: str | None = None) -> WorkRecord:
    """A `WorkRecord` (source "openalex") from one OpenAlex Work object.

    ``references`` are the ``referenced_works`` W-ids, ``related`` the ``related_works``;
    authors keep OpenAlex's order (1-based ``position``), ORCID, institutions with ROR and
    country, and the raw affiliation strings. ``is_retracted`` is OpenAlex's flag (None when
    absent). Title (``display_name``, else ``title``) and abstract are clean Unicode text: the
    HTML-ish tags OpenAlex keeps from publishers (``CD4<sup>+</sup>``) are resolved by
    `citegraph.text.clean_markup`.

    Examples
    --------
    >>> w = parse_work({"id": "https://openalex.org/W11", "display_name": "T",
    ...                 "ids": {"pmid": "https://pubmed.ncbi.nlm.nih.gov/7"},
    ...                 "referenced_works": ["https://openalex.org/W22"]})
    >>> w.openalex_id, w.pmid, w.title, w.references
    ('W11', '7', 'T', ['W22'])
    >>> parse_work({"id": "W1", "title": "CD4<sup>+</sup> <i>T</i>", "is_retracted": True}).title
    'CD4⁺ T'

    """
    ids = data.get("ids") or {}
    location = data.get("primary_location") or {}
    source = location.get("source") or {}
    biblio = data.get("biblio") or {}
    first, last = biblio.get("first_page"), biblio.get("last_page")
    pages = first if not last or last == first else f"{first}-{last}" if first else None
    work = WorkRecord(
        source=SERVICE,
        openalex_id=normalize_openalex_id(data.get("id") or ids.get("openalex")),
        doi=normalize_doi(data.get("doi") or ids.get("doi")),
        pmid=_pmid_from_url(ids.get("pmid")),
        pmcid=_pmcid_from_url(ids.get("pmcid")),
        title=clean_markup(data.get("display_name")) or clean_markup(data.get("title")),
        journal=source.get("display_name"),
        issn=unique(source.get("issn") or ([source["issn_l"]] if source.get("issn_l") else [])),
        issn_l=source.get("issn_l") or None,
        year=_int(data.get("publication_year")),
        pub_date=data.get("publication_date"),
        volume=biblio.get("volume"),
        issue=biblio.get("issue"),
        pages=pages,
        pub_types=unique([data.get("type")]),
        abstract=clean_markup(rebuild_abstract(data.get("abstract_inverted_index"))),
        mesh=unique(m.get("descriptor_name") for m in data.get("mesh") or []),
        keywords=unique(k.get("display_name") for k in data.get("keywords") or []),
        cited_by_count=_int(data.get("cited_by_count")),
        authors=[_author(a, i) for i, a in enumerate(data.get("authorships") or [], start=1)],
        url=redact_url(url),
        references=unique(normalize_openalex_id(w) for w in data.get("referenced_works") or []),
        related=unique(normalize_openalex_id(w) for w in data.get("related_works") or []),
        is_retracted=data["is_retracted"] if isinstance(data.get("is_retracted"), bool) else None,
    )  # fmt: skip
    return work


def parse_list(text: str | bytes, *, url: str | None = None) -> tuple[list[WorkRecord], dict]:
    """(works, meta) from a ``/works`` list answer.

    Examples
    --------
    >>> works, meta = parse_list('{"meta": {"count": 1}, "results": [{"id": "W55"}]}')
    >>> [w.openalex_id for w in works], meta["count"]
    (['W55'], 1)
    """
    data = _load_json(text)
    if "results" not in data:
        raise UpstreamError("unexpected JSON (no 'results' list).", service=SERVICE)
    works = [parse_work(r, url=url) for r in data.get("results") or [] if isinstance(r, dict)]
    return works, dict(data.get("meta") or {})


def parse_single(text: str | bytes, *, url: str | None = None) -> WorkRecord:
    """A `WorkRecord` from a singleton ``/works/…`` answer."""
    data = _load_json(text)
    if not data.get("id"):
        raise UpstreamError("unexpected JSON (a work without 'id').", service=SERVICE)
    return parse_work(data, url=url)


_TRUNCATED_RE = re.compile(rb'"is_authors_truncated"\s*:\s*true')


def authors_truncated(text: str | bytes) -> list[str]:
    """W-ids of the works in a ``/works`` list answer whose authorships were cut at 100
    (``is_authors_truncated: true``); their singletons list every author.

    Examples
    --------
    >>> authors_truncated('{"results": [{"id": "W11", "is_authors_truncated": true}, {"id": "W22"}]}')
    ['W11']
    """
    raw = text.encode() if isinstance(text, str) else text
    if not _TRUNCATED_RE.search(raw):
        return []  # the usual case, found without parsing the whole answer a second time
    data = _load_json(text)
    return [
        normalize_openalex_id(r.get("id"))
        for r in data.get("results") or []
        if isinstance(r, dict) and r.get("is_authors_truncated") and r.get("id")
    ]


def rate_limit_headers(headers: Any) -> dict[str, str]:
    """The ``X-RateLimit-*`` headers present (case-insensitive), with canonical names.

    Examples
    --------
    >>> rate_limit_headers({"x-ratelimit-cost-usd": "0.0001", "Server": "x"})
    {'X-RateLimit-Cost-USD': '0.0001'}
    """
    lower = {str(k).lower(): v for k, v in dict(headers).items()}
    return {name: str(lower[name.lower()]) for name in RATE_HEADERS if name.lower() in lower}


def _author(authorship: dict[str, Any], position: int) -> AuthorRecord:
    author = authorship.get("author") or {}
    institutions = [
        Institution(
            name=inst.get("display_name") or "",
            ror=inst.get("ror"),
            country=inst.get("country_code"),
            openalex_id=normalize_openalex_id(inst.get("id")) or _short_id(inst.get("id")),
        )
        for inst in authorship.get("institutions") or []
        if inst
    ]
    return AuthorRecord(
        name=author.get("display_name") or authorship.get("raw_author_name") or "",
        position=position,
        orcid=normalize_orcid(author.get("orcid")),
        openalex_id=normalize_openalex_id(author.get("id")),
        affiliations=unique(authorship.get("raw_affiliation_strings") or []),
        institutions=institutions,
        is_corresponding=authorship.get("is_corresponding"),
    )


def _short_id(url: str | None) -> str | None:
    return url.rstrip("/").rsplit("/", 1)[-1] if url else None


def _pmid_from_url(value: str | None) -> str | None:
    if not value:
        return None
    match = re.search(r"(\d+)/?$", str(value))
    return normalize_pmid(match.group(1)) if match else None


def _pmcid_from_url(value: str | None) -> str | None:
    if not value:
        return None
    match = re.search(r"(?:PMC)?(\d+)/?$", str(value), re.I)
    return normalize_pmcid(f"PMC{match.group(1)}") if match else None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _load_json(text: str | bytes) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, TypeError) as exc:
        raise UpstreamError(f"malformed or truncated JSON ({exc}). Try again later.",
                            service=SERVICE) from None  # fmt: skip
    if not isinstance(data, dict):
        raise UpstreamError("unexpected JSON (not an object).", service=SERVICE)
    return data


# ----------------------------------------------------------------------------------- client


class OpenAlexClient(SourceClient):
    """OpenAlex as a `citegraph.sources.base.Source`: free singletons, batched filters, citing
    works newest first, cost tracking.

    ``cost_usd`` adds up the cost OpenAlex reports for uncached list calls; ``rate_limit`` holds
    the last ``X-RateLimit-*`` headers seen; ``requests_made`` counts real requests.

    Examples
    --------
    >>> OpenAlexClient.id_kinds, OpenAlexClient.link_kinds
    (('openalex', 'doi'), ('cited_by',))
    """

    name = SERVICE
    label = "OpenAlex"
    resolve_kinds = ("openalex", "pmid", "doi", "pmcid", "title")
    id_kinds = ("openalex", "doi")
    link_kinds = ("cited_by",)
    max_batch = {"resolve": 1, "fetch_works": MAX_OR_VALUES, "cited_by": 1}

    def __init__(self, session: requests.Session | None = None, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self.cost_usd = 0.0
        self.rate_limit: dict[str, str] = {}

    # -- the source contract

    def resolve(self, ids: Sequence[str]) -> Result:
        """Works for ``W…``, ``pmid:…``, ``doi:…``, ``pmcid:…`` (free singletons) and
        ``title:…`` (the best ``search=`` match) ids."""
        out = Result()
        for ident in (str(i) for i in ids):
            try:
                if id_kind(ident) == "title":
                    hits = self.search_title(ident.partition(":")[2], limit=1)
                    if not hits:
                        raise NotFoundError("no work with this title.", service=SERVICE,
                                            ident=ident)  # fmt: skip
                    work = hits[0]
                else:
                    work = self.work(ident)
            except NotFoundError as exc:
                out.missing.append(missing_id(ident, SERVICE, exc.detail))
                continue
            out.works.append(work)
            if work.openalex_id:
                out.ids[ident] = work.openalex_id
        return out

    def fetch_works(self, ids: Sequence[str]) -> Result:
        """Works for ``W…`` and ``doi:…`` ids: one list call per 100 (one id: a free singleton);
        ids OpenAlex does not know are in ``missing``."""
        asked = [str(i) for i in _as_list(ids)]
        wids = unique(normalize_openalex_id(i) for i in asked if id_kind(i) == "openalex")
        dois = unique(normalize_doi(i) for i in asked if id_kind(i) == "doi")
        out = Result()
        if wids:
            out.works.extend(self.works(wids))
        if dois:
            out.works.extend(self.works_by_doi(dois))
        known = {k for w in out.works for k in (w.openalex_id, f"doi:{w.doi}" if w.doi else None)}
        for ident in asked:
            wid = normalize_openalex_id(ident) if id_kind(ident) == "openalex" else None
            key = wid or f"doi:{normalize_doi(ident)}"
            if key not in known:
                query = f"/works?filter={'openalex' if wid else 'doi'}:{key.removeprefix('doi:')}"
                out.missing.append(
                    missing_id(ident, SERVICE, "OpenAlex has no work with this id", query=query)
                )
        return out

    def fetch_links(self, kind: str, ids: Sequence[str], *, limit: int | None = None) -> Result:
        """``cited_by``: the works citing each ``W…`` id (``filter=cites:``), newest first
        (``sort=publication_date:desc``), at most ``limit`` each; the citing works come too."""
        if kind != "cited_by":
            raise ValueError(f"OpenAlex answers cited_by links only, not {kind!r}; references "
                             "and related works come with fetch_works")  # fmt: skip
        out = Result()
        for ident in _as_list(ids):
            wid = normalize_openalex_id(str(ident))
            citing, total = self._citing(wid or str(ident), limit=limit)
            if limit is not None and total is not None and total > len(citing):
                out.missing.append(missing_id(
                    wid, SERVICE, f"cited by {total} works; the {len(citing)} newest are kept "
                    "(max per kind). Raise the cap to fetch more.",
                    query=f"/works?filter=cites:{wid}&sort={CITING_SORT}",
                ))  # fmt: skip
            out.works.extend(citing)
            out.links.extend(
                LinkRecord(rec.openalex_id, wid, "references", SERVICE, "openalex:cites")
                for rec in citing
                if rec.openalex_id
            )
        return out

    # -- calls

    def work(self, ident: str) -> WorkRecord:
        """One work by ``W…``, ``pmid:…``, ``pmcid:…`` or ``doi:…`` (free). Raises
        `NotFoundError` when OpenAlex does not know it."""
        try:
            path = singleton_path(ident)
        except ValueError:
            raise NotFoundError(
                "not an id OpenAlex can look up; give W…, pmid:…, pmcid:… or doi:….",
                service=SERVICE, ident=str(ident),
            ) from None  # fmt: skip
        resp = self._send("GET", path, ident=str(ident))
        work = self._parse(resp, lambda t: parse_single(t, url=resp.url), str(ident))
        return self._own_url(work) if id_kind(str(ident)) == "openalex" else work

    def works(self, openalex_ids: Iterable[str]) -> list[WorkRecord]:
        """Works by OpenAlex id: one list call per 100 ids (a single id uses the free singleton)."""
        ids = unique(normalize_openalex_id(i) for i in _as_list(openalex_ids))
        if len(ids) == 1:
            return [self.work(ids[0])]
        return self._batched_filter("openalex", ids)

    def works_by_doi(self, dois: Iterable[str]) -> list[WorkRecord]:
        """Works by DOI: one list call per 100 DOIs (a single DOI, or one containing "," or "|",
        uses the free singleton)."""
        values = unique(normalize_doi(d) for d in _as_list(dois))
        # "," and "|" are legal in DOIs but split OpenAlex filter values: look those up alone.
        alone = [d for d in values if "," in d or "|" in d]
        batch = [d for d in values if d not in alone]
        if len(batch) == 1:
            alone, batch = alone + batch, []
        out = self._batched_filter("doi", batch) if batch else []
        for doi in alone:
            try:
                out.append(self.work(f"doi:{doi}"))
            except NotFoundError:
                pass
        return out

    def citing(self, openalex_id: str, *, limit: int | None = None) -> list[WorkRecord]:
        """Works that cite ``openalex_id`` (``filter=cites:``), newest first, all or ``limit``."""
        return self._citing(openalex_id, limit=limit)[0]

    def search_title(self, title: str, *, limit: int = 5) -> list[WorkRecord]:
        """Best matches for a title (``search=``, one list call; search calls cost more)."""
        per_page = max(1, min(limit, PER_PAGE))
        ident = title[:60]
        resp = self._send("GET", "/works", params=list_params(search=title, per_page=per_page,
                                                              page=1), ident=ident)  # fmt: skip
        works, _ = self._parse(resp, lambda t: parse_list(t, url=resp.url), ident)
        return self._complete(works[:limit], resp, ident)

    # -- plumbing

    def _citing(
        self, openalex_id: str, *, limit: int | None
    ) -> tuple[list[WorkRecord], int | None]:
        wid = normalize_openalex_id(openalex_id)
        if not wid:
            raise NotFoundError("not an OpenAlex work id (W…).", service=SERVICE,
                                ident=str(openalex_id))  # fmt: skip
        meta: dict[str, Any] = {}
        works = list(self._list(f"cites:{wid}", ident=wid, limit=limit, sort=CITING_SORT,
                                meta=meta))  # fmt: skip
        return works, _int(meta.get("count"))

    def _batched_filter(self, field: str, values: list[str]) -> list[WorkRecord]:
        out: list[WorkRecord] = []
        for batch in batched(values, MAX_OR_VALUES):
            # Usually one page; more when several works share a DOI.
            out.extend(self._list(f"{field}:{'|'.join(batch)}", ident=batch_label(batch),
                                  limit=None, cursor=False))  # fmt: skip
        return out

    def _list(
        self,
        filter_: str,
        *,
        ident: str,
        limit: int | None,
        sort: str | None = None,
        cursor: bool | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Iterator[WorkRecord]:
        """Works of a ``/works`` list call, page by page (`paginate`): cursor paging with a
        key (``cursor=*`` → ``meta.next_cursor``), ``page=`` without one (cursor paging without a
        key answers 401). No page is asked once ``next_cursor`` is null, the results run out
        (``meta.count`` reached or an empty page) or ``limit`` works have come. ``meta``, if
        given, receives the answer's ``meta`` (its ``count`` of all matching works)."""
        per_page = PER_PAGE if limit is None else max(1, min(PER_PAGE, limit))
        use_cursor = self.has_key if cursor is None else cursor
        seen = [0]

        def fetch(token: Any) -> tuple[list[WorkRecord], Any]:
            params = list_params(filter_, per_page=per_page,
                                 cursor=token if use_cursor else None,
                                 page=None if use_cursor else token)  # fmt: skip
            if sort:
                params["sort"] = sort
            resp = self._send("GET", "/works", params=params, ident=ident)
            works, answer = self._parse(resp, lambda t: parse_list(t, url=resp.url), ident)
            works = [self._own_url(w) for w in self._complete(works, resp, ident)]
            if meta is not None:
                meta.update(answer)  # the caller sees the last page's meta (count)
            seen[0] += len(works)
            count = _int(answer.get("count"))
            if count is not None and seen[0] >= count:
                return works, None
            if use_cursor:
                return works, answer.get("next_cursor") or None
            return works, token + 1 if (token + 1) * per_page <= MAX_BASIC_PAGING else None

        return paginate(fetch, start="*" if use_cursor else 1, limit=limit)

    def _complete(
        self, works: list[WorkRecord], resp: requests.Response, ident: str
    ) -> list[WorkRecord]:
        """Works whose list answer cut the authors at 100 (``is_authors_truncated``), fetched
        again as free singletons, which list every author."""
        truncated = set(self._parse(resp, authors_truncated, ident))
        cut = [w.openalex_id for w in works if w.openalex_id in truncated]
        if not cut:
            return works
        # Free singletons, asked at once (each thread has its own session): a cut list costs
        # one round trip, not one per work.
        with ThreadPoolExecutor(
            max_workers=min(4, len(cut)), thread_name_prefix="openalex"
        ) as pool:
            full = dict(zip(cut, pool.map(self.work, cut), strict=True))
        return [full.get(w.openalex_id, w) if w.openalex_id else w for w in works]

    def _own_url(self, work: WorkRecord) -> WorkRecord:
        """``work`` with its own API page as its URL (``/works/W…``), whether it came alone or
        in a list: a list's URL names every id of its batch, so it would make a work's
        provenance depend on which works happened to be asked with it."""
        if not work.openalex_id:
            return work
        return replace(work, url=f"{self.base_url}/works/{work.openalex_id}")

    def _seen(self, resp: requests.Response) -> None:
        headers = rate_limit_headers(resp.headers)
        if headers:
            self.rate_limit = headers
            cost = headers.get("X-RateLimit-Cost-USD")
            try:
                self.cost_usd += float(cost) if cost is not None else 0.0
            except ValueError:
                pass

    def _check_status(self, resp: requests.Response, ident: str | None) -> None:
        _raise_for_status(resp, ident or "", has_key=self.has_key)


def _as_list(values: Iterable[str] | str) -> list[str]:
    return [values] if isinstance(values, str) else list(values)


def _raise_for_status(resp: requests.Response, ident: str, *, has_key: bool) -> None:
    status = resp.status_code
    if status < 400:
        return
    detail = _error_text(resp)
    if status == 401:
        what = ("OpenAlex refused the API key (HTTP 401). Check OPENALEX_API_KEY; keys are free "
                "at openalex.org." if has_key else
                "OpenAlex needs an API key for this (HTTP 401). Set OPENALEX_API_KEY (free at "
                "openalex.org).")  # fmt: skip
        raise AuthError(what, service=SERVICE, ident=ident)
    wait = wait_hint(resp)
    if status == 403:
        raise RateLimitError("rate limited: too many requests per second (HTTP 403 'slow down') "
                             "even after retrying. Wait a few seconds and try again.",
                             service=SERVICE, ident=ident, retry_after=wait)  # fmt: skip
    if status == 429 and not _budget_spent(detail, wait):
        raise RateLimitError(f"rate limited (HTTP 429{': ' + detail if detail else ''}). Wait "
                             f"{wait or 1:g} s and try again.",
                             service=SERVICE, ident=ident, retry_after=wait)  # fmt: skip
    if status == 429:
        raise BudgetExceededError(
            "the daily OpenAlex budget is spent (HTTP 429). It resets at midnight UTC"
            + ("." if has_key else "; a free API key (OPENALEX_API_KEY) raises it.")
            + " Data already fetched is kept.",
            service=SERVICE, ident=ident,
        )  # fmt: skip
    if status == 404:
        raise NotFoundError("OpenAlex has no such work (HTTP 404). Check the id, or try its "
                            "DOI or PMID.", service=SERVICE, ident=ident)  # fmt: skip
    if status == 400:
        raise UpstreamError(f"OpenAlex rejected the request (HTTP 400{': ' + detail if detail else ''})."
                            " This is a Citegraph bug; please report it.",
                            service=SERVICE, ident=ident)  # fmt: skip
    what = "server error" if status >= 500 else "refused"
    raise UpstreamError(f"{what} (HTTP {status}{': ' + detail if detail else ''})"
                        + (" even after retrying" if status >= 500 else "") + ". Try again later.",
                        service=SERVICE, ident=ident, retry_after=wait)  # fmt: skip


#: A 429 that asks us to wait longer than this is the daily budget, whatever its text says.
_BUDGET_WAIT_S = 300.0


def _budget_spent(detail: str, wait: float | None) -> bool:
    """Whether an OpenAlex 429 means the daily budget is spent (until midnight UTC) rather than
    a short rate limit: its text says so ("Daily limit exceeded"), it asks for a long wait, or
    it gives no hint at all (429 is documented as the daily limit)."""
    if "daily" in detail.lower() or "budget" in detail.lower():
        return True
    return wait is None or wait > _BUDGET_WAIT_S


def _error_text(resp: requests.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return ""
    if isinstance(data, dict):
        return str(data.get("message") or data.get("error") or "")[:200]
    return ""
