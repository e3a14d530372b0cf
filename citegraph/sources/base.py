"""The source contract: what every source of works offers the crawl, and the steps they share.

A source answers three questions, each with a `Result` (works, links, missing ids):

- ``resolve(ids)``: which of these ids (``pmid:…``, ``doi:…``, ``W…``, ``pmcid:…``,
  ``title:…``) does this source know, under which of its own ids (``Result.ids``)?
- ``fetch_works(ids)``: the works, with ``references`` and, where the source knows them,
  ``cited_by`` (newest first) and ``related``.
- ``fetch_links(kind, ids, *, limit=)``: links of one kind (``references``, ``cited_by``,
  ``similar``, ``related``) for each id, at most ``limit`` per id (citing works: the newest;
  similar works: the best scored).

A source also says what it takes: ``name`` (its provenance tag), ``label`` (shown to people),
``resolve_kinds`` and ``id_kinds`` (the id kinds of `id_kind` that ``resolve`` and
``fetch_works`` accept, preferred first), ``link_kinds`` (what ``fetch_links`` answers) and
``max_batch`` (how many ids one call of each operation should carry). `citegraph.collect` plans
the crawl from these alone, so a new source (say DuckDB over the OpenAlex snapshot) implements
this `Source` protocol and is added to the registry; collect, graphs and the page stay as they
are. Failures of a whole call raise a `citegraph.sources.SourceError`; ids a source does not
know are listed in ``Result.missing``.

`SourceClient` holds what the HTTP clients share: the session (which carries the keys, see
`citegraph.http.make_session`), request counting, the status check, one parse-evict-raise step
and one paging generator.

Examples
--------
A source over a dict (what a test double or a local snapshot source looks like):

>>> from citegraph.model import WorkRecord
>>> class DictSource:
...     name, label = "local", "Local file"
...     resolve_kinds = id_kinds = ("pmid",)
...     link_kinds = ("cited_by",)
...     max_batch = {"resolve": 1, "fetch_works": 500, "cited_by": 500}
...     requests_made = 0
...     def __init__(self, works):
...         self.works = works
...     def resolve(self, ids):
...         return Result(ids={i: i for i in ids if i in self.works},
...                       missing=[missing_id(i, self.name, "unknown") for i in ids
...                                if i not in self.works])
...     def fetch_works(self, ids):
...         return Result(works=[self.works[i] for i in ids if i in self.works])
...     def fetch_links(self, kind, ids, *, limit=None):
...         return Result()
>>> src = DictSource({"pmid:1": WorkRecord(source="local", pmid="1", cited_by=["pmid:2"])})
>>> isinstance(src, Source)
True
>>> src.resolve(["pmid:1", "pmid:9"]).missing[0]["id"]
'pmid:9'
>>> src.fetch_works(["pmid:1"]).works[0].cited_by
['pmid:2']
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable
from urllib.parse import urlencode

import requests

from citegraph.http import base_url as _base_url
from citegraph.http import make_session, redact, sibling_session
from citegraph.model import LinkRecord, WorkRecord
from citegraph.sources import SourceError, evict, send_request

__all__ = [
    "LINK_KINDS",
    "Result",
    "Source",
    "SourceClient",
    "describe_query",
    "id_kind",
    "missing_id",
    "paginate",
]

#: Link kinds ``fetch_links`` may be asked for.
LINK_KINDS = ("references", "cited_by", "similar", "related")


@dataclass
class Result:
    """What one source call returned.

    ``works`` and ``links`` are model records; ``missing`` lists ids the source could not
    answer (``id``, ``source``, ``reason``, ``query``); ``ids`` maps an id asked to ``resolve``
    to this source's own id for it.

    Examples
    --------
    >>> r = Result(ids={"doi:10.1/x": "pmid:1"})
    >>> r.extend(Result(missing=[missing_id("pmid:2", "pubmed", "unknown")]))
    >>> r.ids, [m["id"] for m in r.missing]
    ({'doi:10.1/x': 'pmid:1'}, ['pmid:2'])
    """

    works: list[WorkRecord] = field(default_factory=list)
    links: list[LinkRecord] = field(default_factory=list)
    missing: list[dict[str, str]] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)

    def extend(self, other: Result) -> None:
        """Add ``other``'s works, links, missing ids and resolved ids to this result."""
        self.works.extend(other.works)
        self.links.extend(other.links)
        self.missing.extend(other.missing)
        self.ids.update(other.ids)


@runtime_checkable
class Source(Protocol):
    """The source contract (see the module docstring)."""

    name: str
    label: str
    resolve_kinds: tuple[str, ...]
    id_kinds: tuple[str, ...]
    link_kinds: tuple[str, ...]
    max_batch: Mapping[str, int]
    requests_made: int

    def resolve(self, ids: Sequence[str]) -> Result: ...

    def fetch_works(self, ids: Sequence[str]) -> Result: ...

    def fetch_links(self, kind: str, ids: Sequence[str], *, limit: int | None = None) -> Result: ...


def id_kind(ident: str) -> str | None:
    """The kind of a work id: pmid, doi, openalex, pmcid, title, or None.

    Examples
    --------
    >>> [id_kind(i) for i in ("pmid:1", "doi:10.1/x", "W12", "pmcid:PMC3", "title:A", "x")]
    ['pmid', 'doi', 'openalex', 'pmcid', 'title', None]
    """
    text = str(ident)
    prefix, sep, _ = text.partition(":")
    if sep and prefix in ("pmid", "doi", "pmcid", "title"):
        return prefix
    if re.fullmatch(r"W\d+", text):
        return "openalex"
    return None


def missing_id(ident: str, source: str, reason: str, *, query: str = "") -> dict[str, str]:
    """One entry of ``Result.missing`` (and of a manifest's ``missing`` list).

    Examples
    --------
    >>> missing_id("pmid:1", "icite", "not in iCite", query="/pubs?pmids=1")["query"]
    '/pubs?pmids=1'
    """
    return {"id": str(ident), "source": source, "reason": reason, "query": query}


def paginate(
    fetch_page: Callable[[Any], tuple[list[Any], Any]],
    *,
    start: Any,
    limit: int | None = None,
) -> Iterator[Any]:
    """Items of a paged answer, page after page, asking for no page that is not needed.

    ``fetch_page(token)`` returns ``(items, next_token)``; paging starts at ``start`` and stops
    when the next token is None, a page comes back empty, or ``limit`` items have been yielded
    (pyalex's ``Paginator`` with ``n_max``).

    Examples
    --------
    >>> pages = {"*": ([1, 2], "b"), "b": ([3, 4], "c"), "c": ([5], None)}
    >>> calls = []
    >>> def fetch(token):
    ...     calls.append(token)
    ...     return pages[token]
    >>> list(paginate(fetch, start="*")), calls
    ([1, 2, 3, 4, 5], ['*', 'b', 'c'])
    >>> calls.clear()
    >>> list(paginate(fetch, start="*", limit=3)), calls
    ([1, 2, 3], ['*', 'b'])
    """
    token, given = start, 0
    while token is not None:
        items, token = fetch_page(token)
        for item in items:
            if limit is not None and given >= limit:
                return
            yield item
            given += 1
        if not items or (limit is not None and given >= limit):
            return


class SourceClient:
    """What the HTTP clients share: session, base URL, request count, status check, parsing.

    Subclasses set the class attributes of the `Source` protocol and `_check_status`.
    ``requests_made`` counts HTTP requests actually sent (not cache hits, not client calls):
    every urllib3 retry and every request that timed out counts, as the server sees them.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    resolve_kinds: ClassVar[tuple[str, ...]] = ()
    id_kinds: ClassVar[tuple[str, ...]] = ()
    link_kinds: ClassVar[tuple[str, ...]] = ()
    max_batch: ClassVar[Mapping[str, int]] = {}
    #: Calls a crawl may have out at once (each thread gets its own session): the rate limit,
    #: not this, decides how fast requests go.
    max_in_flight: ClassVar[int] = 8

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        email: str | None = None,
        offline: bool = False,
    ) -> None:
        if session is None:
            session = make_session(self.name, api_key=api_key, email=email, offline=offline)
        self._twins_lock = threading.Lock()
        self._shared_lock = threading.RLock()  # for a session that cannot be twinned
        self.session = session
        self.base_url = _base_url(self.name, base_url)
        self._calls = 0  # for sessions that do not count (a test's plain requests.Session)
        self._sent_before = self._sent()

    @property
    def session(self) -> requests.Session:
        """The session of the calling thread: the one given, in the thread that gave it; in
        any other thread its `citegraph.http.sibling_session` (same cache, limiter and keys),
        made once per thread. A session that cannot be twinned (a test's plain Session) is
        shared, one request at a time."""
        ident = threading.get_ident()
        if ident == self._owner:
            return self._root
        with self._twins_lock:
            twin = self._twins.get(ident)
            if twin is None:
                self._drop_dead_twins()
                twin = self._twins[ident] = sibling_session(self._root) or self._root
        return twin

    def _drop_dead_twins(self) -> None:
        """Close the sessions of threads that have ended (a page serves for days; its crawls
        come and go with their threads). Called with ``_twins_lock`` held."""
        alive = {t.ident for t in threading.enumerate()}
        for ident in [i for i in self._twins if i not in alive]:
            twin = self._twins.pop(ident)
            if twin is not self._root:
                self._retired += int(getattr(twin, "real_requests", 0) or 0)
                twin.close()

    @session.setter
    def session(self, value: requests.Session) -> None:
        self.close_twins()
        self._root = value
        self._owner = threading.get_ident()
        self._twinnable = getattr(value, "_recipe", None) is not None

    def close_twins(self) -> None:
        """Close the sessions made for other threads (their requests stay counted)."""
        with self._twins_lock:
            twins = getattr(self, "_twins", {})
            self._twins = {}
            self._retired = getattr(self, "_retired", 0)
            for twin in twins.values():
                if twin is not getattr(self, "_root", None):
                    self._retired += int(getattr(twin, "real_requests", 0) or 0)
                    twin.close()

    def _sent(self) -> int | None:
        sent = getattr(self._root, "real_requests", None)
        if not isinstance(sent, int):
            return None
        with self._twins_lock:
            twins = [t for t in self._twins.values() if t is not self._root]
        return sent + self._retired + sum(int(getattr(t, "real_requests", 0)) for t in twins)

    @property
    def requests_made(self) -> int:
        """HTTP requests this client sent so far, from every thread (retries included, cache
        hits not)."""
        sent = self._sent()
        if sent is None or self._sent_before is None:
            return self._calls
        return sent - self._sent_before

    @property
    def has_key(self) -> bool:
        """Whether the session sends an API key (keys live in the session, never here)."""
        keys = getattr(self.session, "keys", None)
        return bool(getattr(keys, "api_key", None))

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        data: Any = None,
        ident: str | None,
    ) -> requests.Response:
        """One request to ``base_url + path``: counted, and checked by `_check_status`. An
        error raised says in ``query`` exactly what was asked (`describe_query`)."""
        guard = nullcontext() if self._twinnable else self._shared_lock
        try:
            with guard:
                resp = send_request(self.session, self.name, method, f"{self.base_url}{path}",
                                    params=params, data=data, ident=ident)  # fmt: skip
            if not getattr(resp, "from_cache", False):
                with self._twins_lock:
                    self._calls += 1
                    self._seen(resp)
            self._check_status(resp, ident)
        except SourceError as exc:
            exc.query = describe_query(method, f"{self.base_url}{path}", params=params, data=data)
            raise
        return resp

    def _seen(self, resp: requests.Response) -> None:
        """Hook for a real (non-cache) answer, e.g. to read cost headers."""

    def _check_status(self, resp: requests.Response, ident: str | None) -> None:
        """Raise the `SourceError` an HTTP error status means for this service."""
        raise NotImplementedError

    def _parse(
        self, resp: requests.Response, parser: Callable[[bytes], Any], ident: str | None
    ) -> Any:
        """``parser(resp.content)``; a body that is an error or junk is evicted from the cache
        (so the next run asks again instead of replaying it) and raised with ``ident``."""
        try:
            return parser(resp.content)
        except SourceError as exc:
            evict(self.session, resp)
            error = exc.about(ident)
            request = resp.request
            error.query = describe_query(str(request.method or "GET"), str(request.url or ""))
            raise error from None


def describe_query(method: str, path: str, *, params: Any = None, data: Any = None) -> str:
    """A request as it was sent, for ``missing[].query``: method, path, query string and (for
    POST) the form, without keys or e-mail (`citegraph.http.redact`), at most 2,000 characters.

    Examples
    --------
    >>> describe_query("GET", "/works", params={"filter": "cites:W1", "api_key": "k"})
    'GET /works?filter=cites%3AW1&api_key=REDACTED'
    >>> describe_query("POST", "/efetch.fcgi", data=[("id", "1,2")])
    'POST /efetch.fcgi form id=1%2C2'
    """
    text = f"{method} {path}"
    if params:
        text += ("&" if "?" in path else "?") + urlencode(params, doseq=True)
    if data:
        text += " form " + (urlencode(data, doseq=True) if not isinstance(data, str) else data)
    return redact(text)[:2000]


def batch_label(batch: Sequence[str], what: str = "ids") -> str:
    """How a batch is named in an error message.

    Examples
    --------
    >>> batch_label(["1"]), batch_label(["1", "2"], "PMIDs")
    ('1', '2 PMIDs from 1')
    """
    return batch[0] if len(batch) == 1 else f"{len(batch)} {what} from {batch[0]}"
