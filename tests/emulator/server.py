"""The emulator: one local HTTP server speaking PubMed E-utilities, iCite and OpenAlex.

Standard library only (``http.server.ThreadingHTTPServer``) so it starts in milliseconds.
Paths are the real ones, so a base URL is ``http://127.0.0.1:PORT`` plus the real prefix:

- PubMed: ``/entrez/eutils/{esearch,esummary,efetch,elink}.fcgi`` (GET, or POST form body)
- iCite: ``/api/pubs?pmids=…`` and ``/api/pubs/{pmid}``
- OpenAlex: ``/works/{W…|pmid:N|doi:…|full URL}`` and ``/works?filter=…|search=…``
- control: ``GET /_emulator/health`` ("ok"), ``GET /_emulator/log``, ``GET /_emulator/config``,
  ``GET /_emulator/corpus``, ``POST /_emulator/config`` (JSON), ``POST /_emulator/reset``

Injected behaviour (see `EmulatorConfig`): latency, per-service requests-per-second limits
(NCBI → 429 JSON with Retry-After; OpenAlex → 403 "slow down"), an OpenAlex daily budget
(→ 429), random faults at a rate, and a `fail_next` queue for deterministic tests. Every request
is logged as one JSON line (kept in memory, and appended to a file when asked).

Example
-------
>>> import urllib.request
>>> with EmulatorServer() as server:
...     urllib.request.urlopen(server.base_url + "/_emulator/health").read()
b'ok'
"""

from __future__ import annotations

import base64
import json
import random
import re
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.emulator import formats
from tests.emulator.corpus import CorpusIndex, generate_corpus

PUBMED_PREFIX = "/entrez/eutils"
ICITE_PREFIX = "/api"
FAULT_KINDS = ("timeout", "truncate", "close")
_OPENALEX_MAX_OR = 100
_OPENALEX_LIST_COST = 0.0001
_OPENALEX_SEARCH_COST = 0.001
_ICITE_MAX_PMIDS = 1000
_WORD_RE = re.compile(r"[a-z0-9]+")

#: Query parameters OpenAlex accepts (ourresearch/openalex-elastic-api, core/validate.py);
#: anything else answers 400 "<name> is not a valid parameter. Valid parameters are: …".
OPENALEX_PARAMS = (
    "apc_sum", "api-key", "api_key", "cited_by_count_sum", "cursor", "data_version",
    "data-version", "filter", "format", "include_xpac", "include-xpac", "group_by", "group-by",
    "group_bys", "group-bys", "mailto", "page", "per_page", "per-page", "q", "sample", "seed",
    "search", "select", "sort", "warm",
)  # fmt: skip
_OPENALEX_SEARCH_PARAMS = (
    "search", "search.semantic", "search.exact", "search.title", "search.title.exact",
    "search.title_and_abstract", "search.title_and_abstract.exact",
)  # fmt: skip
#: Filters the emulator implements; other real OpenAlex filters answer 400 saying so, and
#: names OpenAlex does not know answer its own "is not a valid field" 400.
_OPENALEX_FILTERS = (
    "openalex", "ids.openalex", "openalex_id", "doi", "cites", "cited_by", "related_to",
    "title.search", "display_name.search", "title_and_abstract.search", "publication_year",
    "ids.pmid", "pmid",
)  # fmt: skip
_OPENALEX_REAL_FILTERS = (
    "type", "is_oa", "oa_status", "from_publication_date", "to_publication_date",
    "publication_date", "authorships.author.id", "authorships.institutions.id",
    "primary_location.source.id", "primary_location.source.issn", "is_retracted", "has_doi",
    "has_abstract", "has_pmid", "ids.pmcid", "pmcid", "ids.mag", "language", "topics.id",
    "concepts.id", "cited_by_count", "referenced_works_count", "institutions.id",
    "authorships.author.orcid", "default.search", "abstract.search", "fulltext.search",
    "keywords.id", "mesh.descriptor_ui", "indexed_in", "is_paratext", "best_oa_location.is_oa",
)  # fmt: skip
#: Sort keys the emulator implements (``publication_year`` sorts by date, as upstream does).
_OPENALEX_SORTS = ("publication_date", "cited_by_count", "display_name", "relevance_score")
#: Parameters E-utilities reads; NCBI ignores any other (the log lists them as ``ignored``).
EUTILS_PARAMS = frozenset(
    "db dbfrom id term retmode rettype retstart retmax sort field datetype reldate mindate "
    "maxdate usehistory WebEnv webenv query_key cmd linkname holding version idtype tool email "
    "api_key retmax strand seq_start seq_stop complexity".split()
)


@dataclass
class EmulatorConfig:
    """Behaviour that tests inject. Defaults: a fast, well-behaved server.

    latency_ms
        Added before every service response.
    ncbi_rps, openalex_rps
        Requests per second allowed (sliding one-second window); None means unlimited.
    fault_rate
        Probability that a service request fails at random (500, 503, timeout or truncation,
        or one of ``fault_kinds``).
    fail_next
        Queue of ``(service, kind)``; the next request of that service (``"pubmed"``,
        ``"icite"``, ``"openalex"`` or ``"*"``) fails with ``kind``: an HTTP status (int) or
        ``"timeout"`` (stall `timeout_s`, then close), ``"truncate"`` (Content-Length larger
        than the bytes sent) or ``"close"`` (close without answering).
    require_openalex_key
        Cursor paging without ``api_key`` answers 401.
    openalex_daily_budget
        USD per day for OpenAlex list calls; past it lists answer 429. None: not enforced.
    timeout_s
        How long a "timeout" fault stalls before closing the connection.
    fault_seed
        Seed of the random fault generator (same seed, same fault sequence).
    fault_kinds
        What a random fault may be (None: 500, 503, ``"timeout"``, ``"truncate"``): HTTP
        statuses and the ``fail_next`` kinds, plus ``"rate_limit"``: a 429 with
        ``Retry-After: 1`` from any service (OpenAlex's text says "Rate limit exceeded", not
        its daily limit).
    """

    latency_ms: float = 0
    ncbi_rps: float | None = None
    openalex_rps: float | None = None
    fault_rate: float = 0.0
    fail_next: list[tuple[str, int | str]] = field(default_factory=list)
    require_openalex_key: bool = False
    openalex_daily_budget: float | None = None
    timeout_s: float = 3.0
    fault_seed: int = 0
    fault_kinds: list[int | str] | None = None


class _Reply:
    """A response before it is written (so faults can truncate it)."""

    def __init__(
        self,
        status: int,
        body: bytes | str | dict | list,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False)
            content_type = content_type or "application/json"
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.status = status
        self.body = body
        self.content_type = content_type or "text/plain; charset=utf-8"
        self.headers = dict(headers or {})
        self.ids: int | None = None
        self.ignored: list[str] = []


class EmulatorServer:
    """A running emulator on ``host:port`` (port 0 picks a free one).

    Parameters
    ----------
    corpus
        The corpus dict to serve; default: `generate_corpus()` (SYNTHETIC).
    host, port
        Where to listen. Keep the host on loopback.
    log_path
        If given, every request is appended there as one JSON line.
    **config
        Initial `EmulatorConfig` values; `reset` returns to them.
    """

    def __init__(
        self,
        corpus: dict[str, Any] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_path: str | Path | None = None,
        **config: Any,
    ) -> None:
        self.corpus = corpus if corpus is not None else generate_corpus()
        self.index = CorpusIndex(self.corpus)
        self._defaults = EmulatorConfig(**config)
        self._lock = threading.Lock()
        self._log_path = Path(log_path) if log_path else None
        self._log: list[dict[str, Any]] = []
        self._handling = 0  # requests being handled now (see `wait_idle`)
        self._reset_state()
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.emulator = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> EmulatorServer:
        """Serve in a background thread; return self."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="citegraph-emulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (the CLI uses this)."""
        self._httpd.serve_forever()

    def stop(self) -> None:
        """Stop the background thread started by `start` and close the socket."""
        self._httpd.shutdown()
        self.close()

    def close(self) -> None:
        """Close the listening socket (after `serve_forever` returned)."""
        self._httpd.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The TCP port actually bound."""
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self._httpd.server_address[0]}:{self.port}"

    @property
    def pubmed_url(self) -> str:
        """E-utilities base (client appends ``/efetch.fcgi`` …)."""
        return self.base_url + PUBMED_PREFIX

    @property
    def icite_url(self) -> str:
        """iCite base (client appends ``/pubs``)."""
        return self.base_url + ICITE_PREFIX

    @property
    def openalex_url(self) -> str:
        """OpenAlex base (client appends ``/works…``)."""
        return self.base_url

    @property
    def seed(self) -> str:
        """PMID of the corpus seed."""
        return self.index.seed_pmid

    # -- control -----------------------------------------------------------------------------
    def _reset_state(self) -> None:
        self.config = EmulatorConfig(**asdict(self._defaults))
        self.config.fail_next = [tuple(f) for f in self._defaults.fail_next]  # type: ignore[misc]
        self._windows: dict[str, deque[float]] = {"pubmed": deque(), "openalex": deque()}
        self._spent_usd = 0.0
        self._rng = random.Random(self.config.fault_seed)
        self._log.clear()

    def reset(self) -> None:
        """Clear the log, rate windows, budget and injected behaviour (back to start-up config)."""
        with self._lock:
            self._reset_state()

    def configure(self, **changes: Any) -> EmulatorConfig:
        """Change behaviour; unknown names raise TypeError. Returns the new config."""
        known = {f.name for f in fields(EmulatorConfig)}
        unknown = set(changes) - known
        if unknown:
            raise TypeError(
                f"unknown emulator setting(s) {sorted(unknown)}; known: {sorted(known)}"
            )
        with self._lock:
            for name, value in changes.items():
                if name == "fail_next":
                    value = [tuple(item) for item in (value or [])]
                setattr(self.config, name, value)
            if "fault_seed" in changes:
                self._rng = random.Random(self.config.fault_seed)
            return self.config

    def requests(self, *, include_control: bool = False) -> list[dict[str, Any]]:
        """Logged requests since the last reset (control requests left out by default)."""
        with self._lock:
            entries = list(self._log)
        if include_control:
            return entries
        return [e for e in entries if e["service"] != "emulator"]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no request is being handled (True) or ``timeout`` s have passed (False).

        A client killed mid-request leaves its request running here (in the injected latency);
        it is logged when it ends. Waiting keeps it out of the log of whatever comes next.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._handling:
                    return True
            time.sleep(0.01)
        return False

    def _busy(self, step: int) -> None:
        with self._lock:
            self._handling += step

    def _record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._log.append(entry)
            if self._log_path:
                with self._log_path.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry) + "\n")

    # -- decisions (called from handler threads) ---------------------------------------------
    def _take_fault(self, service: str) -> int | str | None:
        """The fault for this request, if any: queued first, then random."""
        with self._lock:
            for i, (target, kind) in enumerate(self.config.fail_next):
                if target in (service, "*", "any"):
                    del self.config.fail_next[i]
                    return kind
            if self.config.fault_rate and self._rng.random() < self.config.fault_rate:
                kinds = self.config.fault_kinds or [500, 503, "timeout", "truncate"]
                return self._rng.choice(list(kinds))
        return None

    def _over_rate(self, service: str) -> int | None:
        """Requests in the last second if over the service's limit, else None."""
        limit = {"pubmed": self.config.ncbi_rps, "openalex": self.config.openalex_rps}.get(service)
        now = time.monotonic()
        with self._lock:
            window = self._windows.get(service)
            if window is None:
                return None
            while window and window[0] <= now - 1.0:
                window.popleft()
            window.append(now)
            if limit is not None and len(window) > limit:
                return len(window)
        return None

    def _charge(self, cost: float, api_key: str | None) -> tuple[bool, dict[str, str]]:
        """Charge an OpenAlex call; return (allowed, rate-limit headers)."""
        with self._lock:
            budget = self.config.openalex_daily_budget
            limit = budget if budget is not None else (1.0 if api_key else 0.1)
            allowed = budget is None or self._spent_usd + cost <= budget + 1e-12
            if allowed:
                self._spent_usd += cost
            remaining = max(0.0, limit - self._spent_usd)
        now = datetime.now(UTC)
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        headers = {
            "X-RateLimit-Limit": str(int(round(limit * 10000))),
            "X-RateLimit-Remaining": str(int(round(remaining * 10000))),
            "X-RateLimit-Limit-USD": f"{limit:g}",
            "X-RateLimit-Remaining-USD": f"{remaining:.4f}".rstrip("0").rstrip(".") or "0",
            "X-RateLimit-Cost-USD": f"{cost:g}" if allowed else "0",
            "X-RateLimit-Prepaid-Remaining-USD": "0",
            "X-RateLimit-Reset": str(int((midnight - now).total_seconds())),
        }
        return allowed, headers


_PARAMS_ERROR = "Invalid query parameters error."
_PAGING_ERROR = "Pagination error."


def _not_a_field(name: str) -> str:
    """Upstream's message for a filter or sort key it does not know (core/utils.py)."""
    valid = sorted(set(_OPENALEX_FILTERS + _OPENALEX_REAL_FILTERS + _OPENALEX_SORTS))
    return (
        f"{name} is not a valid field. Valid fields are underscore or hyphenated versions of: "
        f"{', '.join(valid)}"
    )


def _redact(query: dict[str, list[str]]) -> dict[str, list[str]]:
    # Keys must never reach a log file (DESIGN: keys are never written to disk).
    return {
        k: (["REDACTED"] if k.lower() in ("api_key", "apikey") else v) for k, v in query.items()
    }


def _split_ids(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(text.lower())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, keep-alive clients wait
    # ~40 ms per request for the delayed ACK.
    disable_nagle_algorithm = True
    server_version = "CitegraphEmulator/1 (SYNTHETIC data)"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # the JSON log replaces the default stderr access log

    @property
    def emulator(self) -> EmulatorServer:
        return self.server.emulator  # type: ignore[attr-defined]

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    # -- plumbing ----------------------------------------------------------------------------
    def _handle(self, method: str) -> None:
        self.emulator._busy(+1)
        try:
            self._handle_request(method)
        finally:
            self.emulator._busy(-1)

    def _handle_request(self, method: str) -> None:
        started = time.monotonic()
        parts = urlsplit(self.path)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        raw_body = b""
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            raw_body = self.rfile.read(length)
        content_type = self.headers.get("Content-Type", "")
        if method == "POST" and "application/x-www-form-urlencoded" in content_type:
            for name, values in parse_qs(raw_body.decode("utf-8"), keep_blank_values=True).items():
                query.setdefault(name, []).extend(values)

        service = self._service_of(path)
        emulator = self.emulator
        fault: int | str | None = None
        if service == "emulator":
            reply = self._control(method, path, raw_body)
        else:
            if emulator.config.latency_ms:
                time.sleep(emulator.config.latency_ms / 1000)
            fault = emulator._take_fault(service) if service != "unknown" else None
            reply = None
            if fault is None:
                reply = self._rate_limited(service, query)
            if reply is None:
                try:
                    reply = self._route(service, method, path, query)
                except Exception as exc:  # an emulator bug must surface as a 500, not a hang
                    reply = _Reply(500, f"emulator error: {exc!r}")
            if isinstance(fault, int):
                reply = self._fault_reply(service, fault)
            elif fault == "rate_limit":
                reply = self._rate_limit_reply(service)

        entry = {
            "ts": round(time.time(), 3),
            "service": service,
            "method": method,
            "path": path,
            "query": _redact(query),
            "status": reply.status,
            "ids": reply.ids,
            "fault": fault,
            "bytes": len(reply.body),
        }
        if reply.ignored:
            entry["ignored"] = reply.ignored
        if fault in ("timeout", "close"):
            entry["status"] = None
        # Log before answering, so a client that has its answer always finds it in the log.
        entry["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        emulator._record(entry)
        self._write(reply, fault)

    def _write(self, reply: _Reply, fault: int | str | None) -> None:
        if fault == "timeout":
            time.sleep(self.emulator.config.timeout_s)
        if fault in ("timeout", "close"):
            self.close_connection = True
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if fault == "truncate":
            self.send_header("Connection", "close")
        self.end_headers()
        if fault == "truncate":
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(reply.body)

    @staticmethod
    def _service_of(path: str) -> str:
        if path.startswith("/_emulator/"):
            return "emulator"
        if path.startswith(PUBMED_PREFIX + "/"):
            return "pubmed"
        if path == ICITE_PREFIX + "/pubs" or path.startswith(ICITE_PREFIX + "/pubs/"):
            return "icite"
        if path == "/works" or path.startswith("/works/"):
            return "openalex"
        return "unknown"

    # -- control endpoints -------------------------------------------------------------------
    def _control(self, method: str, path: str, raw_body: bytes) -> _Reply:
        emulator = self.emulator
        name = path[len("/_emulator/") :].strip("/")
        if name == "health":
            return _Reply(200, "ok")
        if name == "log" and method == "GET":
            return _Reply(200, emulator.requests())
        if name == "corpus" and method == "GET":
            return _Reply(200, emulator.corpus)
        if name == "config" and method == "GET":
            return _Reply(200, asdict(emulator.config))
        if name == "config" and method == "POST":
            try:
                changes = json.loads(raw_body or b"{}")
                config = emulator.configure(**changes)
            except (ValueError, TypeError) as exc:
                return _Reply(400, {"error": str(exc)})
            return _Reply(200, asdict(config))
        if name == "reset" and method == "POST":
            emulator.reset()
            return _Reply(200, "ok")
        return _Reply(404, {"error": f"no control endpoint {method} {path}"})

    # -- limits and faults -------------------------------------------------------------------
    def _rate_limited(self, service: str, query: dict[str, list[str]]) -> _Reply | None:
        count = self.emulator._over_rate(service)
        if count is None:
            return None
        if service == "pubmed":
            limit = self.emulator.config.ncbi_rps
            body = {
                "error": "API rate limit exceeded",
                "api-key": self.client_address[0],
                "count": str(count),
                "limit": str(int(limit or 0)),
            }
            return _Reply(429, body, headers={"Retry-After": "1"})
        return _Reply(
            403,
            formats.openalex_error(
                "Rate limit exceeded; slow down",
                "Too many requests per second; slow down and retry.",
            ),
        )

    def _rate_limit_reply(self, service: str) -> _Reply:
        """A 429 that asks to wait a second (a short limit, not OpenAlex's daily budget)."""
        if service == "openalex":
            body: Any = formats.openalex_error("Rate limit exceeded", "Retry after 1 second.")
        else:
            body = {"error": "API rate limit exceeded", "count": "11"}
        return _Reply(429, body, headers={"Retry-After": "1"})

    def _fault_reply(self, service: str, status: int) -> _Reply:
        if service == "pubmed" and status == 429:
            return _Reply(
                429,
                {"error": "API rate limit exceeded", "count": "11"},
                headers={"Retry-After": "1"},
            )
        if service == "openalex" and status == 403:
            return _Reply(403, formats.openalex_error("Rate limit exceeded; slow down", ""))
        if service == "openalex" and status == 429:
            return _Reply(
                429,
                formats.openalex_error("Daily limit exceeded", "Budget resets at midnight UTC."),
            )
        if service == "openalex":
            return _Reply(status, formats.openalex_error(f"HTTP {status}", "Injected fault."))
        if status == 503:
            return _Reply(
                503,
                "<html><head><title>503 Service Temporarily Unavailable</title></head>"
                "<body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>",
                "text/html",
                headers={"Retry-After": "1"},
            )
        return _Reply(status, f"<html><body><h1>{status} Error</h1></body></html>", "text/html")

    # -- routing -----------------------------------------------------------------------------
    def _route(self, service: str, method: str, path: str, query: dict[str, list[str]]) -> _Reply:
        if service == "pubmed":
            return self._pubmed(path[len(PUBMED_PREFIX) + 1 :], query)
        if service == "icite":
            return self._icite(path, query)
        if service == "openalex":
            return self._openalex(path, query)
        return _Reply(404, {"error": f"the emulator does not serve {path}"})

    # -- PubMed ------------------------------------------------------------------------------
    def _pubmed(self, endpoint: str, query: dict[str, list[str]]) -> _Reply:
        reply = self._pubmed_answer(endpoint, query)
        # Like NCBI, answer as if unknown parameters were absent; the log says which they were.
        reply.ignored = sorted(name for name in query if name not in EUTILS_PARAMS)
        return reply

    def _pubmed_answer(self, endpoint: str, query: dict[str, list[str]]) -> _Reply:
        db = (query.get("db") or query.get("dbfrom") or ["pubmed"])[0]
        if db != "pubmed":
            return _Reply(
                400, formats.efetch_error_xml(f"Database '{db}' is not served here"), "text/xml"
            )
        if endpoint == "efetch.fcgi":
            return self._efetch(query)
        if endpoint == "esearch.fcgi":
            return self._esearch(query)
        if endpoint == "esummary.fcgi":
            return self._esummary(query)
        if endpoint == "elink.fcgi":
            return self._elink(query)
        return _Reply(404, f"unknown E-utility {endpoint}")

    def _efetch(self, query: dict[str, list[str]]) -> _Reply:
        ids = _split_ids(query.get("id", []))
        valid = [i for i in ids if i.isdigit()]
        if not ids:
            reply = _Reply(
                400, formats.efetch_error_xml("Empty id list - nothing todo"), "text/xml"
            )
        elif not valid:
            reply = _Reply(
                400,
                formats.efetch_error_xml("ID list is empty! Possibly it has no correct IDs."),
                "text/xml",
            )
        else:
            index = self.emulator.index
            works = [w for w in (index.by_pmid(i.lstrip("0")) for i in valid) if w is not None]
            reply = _Reply(200, formats.efetch_xml(index, works), "text/xml; charset=UTF-8")
        reply.ids = len(ids)
        return reply

    def _esearch(self, query: dict[str, list[str]]) -> _Reply:
        term = (query.get("term") or [""])[0].strip()
        retstart = int((query.get("retstart") or ["0"])[0] or 0)
        retmax = int((query.get("retmax") or ["20"])[0] or 20)
        hits = self._search_pubmed(term)
        page = hits[retstart : retstart + retmax]
        if (query.get("retmode") or ["xml"])[0] == "json":
            return _Reply(200, formats.esearch_json(page, len(hits), retstart, retmax, term))
        return _Reply(200, formats.esearch_xml(page, len(hits), retstart, term), "text/xml")

    def _search_pubmed(self, term: str) -> list[str]:
        index = self.emulator.index
        match = re.fullmatch(r'"?(.+?)"?\s*\[(\w+)\]', term, flags=re.IGNORECASE)
        field_name = match.group(2).lower() if match else "all"
        value = match.group(1).strip() if match else term.strip('"')
        if field_name in ("doi", "aid", "lid", "location id"):
            work = index.by_doi(value)
            return [work["pmid"]] if work and work["pmid"] else []
        if field_name in ("pmid", "uid"):
            work = index.by_pmid(value)
            return [work["pmid"]] if work else []
        wanted = _words(value)
        if not wanted:
            return []
        hits = []
        for work in index.corpus["works"]:
            if not work["pmid"]:
                continue
            text = (
                work["title"]
                if field_name in ("title", "ti")
                else work["title"] + " " + work["abstract"]
            )
            if all(word in _words(text) for word in wanted):
                hits.append(work["pmid"])
        # PubMed's default sort puts the newest first.
        return sorted(hits, key=int, reverse=True)

    def _esummary(self, query: dict[str, list[str]]) -> _Reply:
        ids = _split_ids(query.get("id", []))
        if (query.get("retmode") or ["xml"])[0] != "json":
            reply = _Reply(
                400,
                "<eSummaryResult><ERROR>The emulator serves esummary with retmode=json only"
                "</ERROR></eSummaryResult>",
                "text/xml",
            )
        else:
            reply = _Reply(200, formats.esummary_json(self.emulator.index, ids))
        reply.ids = len(ids)
        return reply

    def _elink(self, query: dict[str, list[str]]) -> _Reply:
        index = self.emulator.index
        cmd = (query.get("cmd") or ["neighbor"])[0]
        linkname = (query.get("linkname") or [""])[0]
        as_json = (query.get("retmode") or ["xml"])[0] == "json"
        groups = [[p.strip() for p in v.split(",") if p.strip()] for v in query.get("id", [])]
        total = sum(len(g) for g in groups)
        if cmd not in ("neighbor", "neighbor_score"):
            error = f"The emulator does not support cmd={cmd}"
            reply = _Reply(
                200, formats.elink_json([], error) if as_json else formats.elink_xml([], error)
            )
            reply.ids = total
            return reply
        if cmd == "neighbor_score":
            names = ["pubmed_pubmed"]
        elif linkname:
            names = [linkname]
        else:
            names = ["pubmed_pubmed", "pubmed_pubmed_citedin", "pubmed_pubmed_refs"]
        linksets, errors = [], []
        position = 0
        for group in groups:
            ids = []
            for pmid in group:
                if pmid.isdigit():
                    ids.append(pmid.lstrip("0"))
                else:
                    errors.append(f"Invalid uid {pmid} at position={position}")
                position += 1
            if not ids:
                continue
            linkset: dict[str, Any] = {"dbfrom": "pubmed", "ids": ids}
            dbs = []
            for name in names:
                links = self._links(index, ids, name, scored=cmd == "neighbor_score")
                if links:
                    dbs.append({"dbto": "pubmed", "linkname": name, "links": links})
            if dbs:
                linkset["linksetdbs"] = dbs
            linksets.append(linkset)
        error = "; ".join(errors) or None
        body = (
            formats.elink_json(linksets, error) if as_json else formats.elink_xml(linksets, error)
        )
        reply = _Reply(200, body, None if as_json else "text/xml")
        reply.ids = total
        return reply

    @staticmethod
    def _links(index: CorpusIndex, ids: list[str], name: str, *, scored: bool) -> list[Any]:
        known = [i for i in ids if index.by_pmid(i)]
        if not known:
            return []
        if name == "pubmed_pubmed":
            scores: dict[str, int] = {}
            for pmid in known:
                neighbours = index.similar(pmid)
                # Like the real service, a single paper lists itself first, with the top score.
                if len(ids) == 1:
                    top = (neighbours[0][1] if neighbours else 50_000_000) + 1_000_000
                    scores[pmid] = top
                for other, score in neighbours:
                    scores[other] = max(score, scores.get(other, 0))
            ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
            if scored:
                return [{"id": pmid, "score": score} for pmid, score in ranked]
            return [pmid for pmid, _ in ranked]
        if name == "pubmed_pubmed_citedin":
            found = [p for pmid in known for p in index.pubmed_citedin(pmid)]
        elif name == "pubmed_pubmed_refs":
            found = [p for pmid in known for p in index.pubmed_refs(pmid)]
        else:
            return []
        # NCBI lists linked PMIDs newest (largest) first, without duplicates.
        return sorted(set(found), key=int, reverse=True)

    # -- iCite -------------------------------------------------------------------------------
    def _icite(self, path: str, query: dict[str, list[str]]) -> _Reply:
        index = self.emulator.index
        if path.startswith(ICITE_PREFIX + "/pubs/"):
            pmids = [path.rsplit("/", 1)[1]]
        else:
            pmids = _split_ids(query.get("pmids", []))
        if len(pmids) > _ICITE_MAX_PMIDS:
            reply = _Reply(
                400,
                {"error": f"Too many PMIDs: {len(pmids)}. The maximum allowed is 1000."},
            )
            reply.ids = len(pmids)
            return reply
        fl = (query.get("fl") or [""])[0]
        records = []
        for pmid in pmids:
            work = index.by_pmid(pmid.lstrip("0")) if pmid.isdigit() else None
            if work and work["in_icite"]:
                record = formats.icite_record(index, work)
                if fl:
                    record = formats.select_fields(record, fl)
                records.append(record)
        meta = {"pmids": ",".join(pmids), "offset": 0, "limit": len(pmids), "fl": fl}
        reply = _Reply(200, {"meta": meta, "data": records})
        reply.ids = len(pmids)
        return reply

    # -- OpenAlex ----------------------------------------------------------------------------
    def _openalex(self, path: str, query: dict[str, list[str]]) -> _Reply:
        api_key = (query.get("api_key") or [None])[0]
        if api_key is not None and not api_key.strip():
            return _Reply(401, formats.openalex_error("Invalid API key", "The api_key is empty."))
        refused = self._openalex_refusal(query)
        if refused is not None:
            return refused
        if path == "/works":
            return self._openalex_list(query, api_key)
        ident = unquote(self.path.split("?", 1)[0][len("/works/") :])
        work = self._resolve_openalex(ident)
        _, headers = self.emulator._charge(0.0, api_key)
        if work is None or not work["openalex_id"]:  # PubMed-only works are unknown here
            reply = _Reply(
                404,
                formats.openalex_error("Not Found", f"No work found for id {ident!r}."),
                headers=headers,
            )
        else:
            record = formats.openalex_work(self.emulator.index, work)
            select = (query.get("select") or [None])[0]
            reply = _Reply(200, formats.select_fields(record, select), headers=headers)
        reply.ids = 1
        return reply

    def _openalex_refusal(self, query: dict[str, list[str]]) -> _Reply | None:
        """The 400 OpenAlex gives for unknown parameters, repeated filters and bad selects."""

        def bad(message: str) -> _Reply:
            return _Reply(400, formats.openalex_error(_PARAMS_ERROR, message))

        for name in query:
            if name.startswith("search."):
                if name not in _OPENALEX_SEARCH_PARAMS:
                    return bad(
                        f"'{name}' is not a valid search parameter. "
                        f"Valid search parameters are: {', '.join(_OPENALEX_SEARCH_PARAMS)}."
                    )
            elif name not in OPENALEX_PARAMS:
                return bad(
                    f"{name} is not a valid parameter. "
                    f"Valid parameters are: {', '.join(OPENALEX_PARAMS)}."
                )
        if len(query.get("filter", [])) > 1:
            return bad(
                "Only one filter parameter is allowed. Your URL contains filters like: "
                "/works?filter=publication_year:2020&filter=is_open_access:true. Combine and "
                "separate filters with a comma, like: "
                "/works?filter=publication_year:2020,is_open_access:true."
            )
        select = (query.get("select") or [""])[0]
        fields_ = self._openalex_fields()
        for name in (f.strip() for f in select.split(",") if f.strip()):
            if name not in fields_:
                # Nested paths (open_access.is_oa) are refused like unknown names.
                return bad(
                    f"{name} is not a valid select field. "
                    f"Valid fields for select are: {', '.join(fields_)}."
                )
        return None

    def _openalex_fields(self) -> list[str]:
        index = self.emulator.index
        record = formats.openalex_work(index, index.works[index.seed_key], in_list=True)
        return list(record)

    def _sort_keys(
        self, sort: str, scores: dict[str, float], searching: bool
    ) -> tuple[list[tuple[str, bool]], _Reply | None]:
        """Parse ``sort=key:dir,…`` as upstream does (direction defaults to asc)."""
        keys: list[tuple[str, bool]] = []
        for part in (p for p in sort.split(",") if p):
            key, _, direction = part.partition(":")
            key = key.strip().replace("-", "_")
            direction = direction.strip() or "asc"
            if key == "publication_year":
                key = "publication_date"
            error = None
            if key == "relevance_score" and direction == "asc":
                error = "Sorting relevance score ascending is not allowed."
            elif key == "relevance_score" and not searching:
                error = (
                    "Must include a search query (such as ?search=example or "
                    "/filter=fulltext.search:example) in order to sort by relevance_score."
                )
            elif key not in _OPENALEX_SORTS:
                error = _not_a_field(key)
            if error:
                return [], _Reply(400, formats.openalex_error(_PARAMS_ERROR, error))
            if direction in ("asc", "desc"):  # upstream ignores any other direction
                keys.append((key, direction == "desc"))
        return keys, None

    def _sort_value(self, key: str, work_key: str, scores: dict[str, float]) -> Any:
        index = self.emulator.index
        work = index.works[work_key]
        if key == "publication_date":
            return work["pub_date"]
        if key == "cited_by_count":
            wid = work["openalex_id"]
            return len(index.openalex_cites(wid)) + work["openalex_extra_citations"]
        if key == "display_name":
            return (work.get("title_openalex") or work["title"]).lower()
        return scores.get(work_key, 0.0)

    def _resolve_openalex(self, ident: str) -> dict[str, Any] | None:
        index = self.emulator.index
        text = ident.strip()
        lowered = text.lower()
        if lowered.startswith("pmid:"):
            value = text[5:].rstrip("/").rsplit("/", 1)[-1]
            return index.by_pmid(value) if value.isdigit() else None
        if lowered.startswith("pmcid:"):
            value = text[6:].rstrip("/").rsplit("/", 1)[-1]
            value = value if value.upper().startswith("PMC") else f"PMC{value}"
            return index.by_pmcid(value)
        if lowered.startswith("doi:"):
            text, lowered = text[4:], lowered[4:]
        doi_match = re.search(r"(10\.\d{4,9}/\S+)", text)
        if doi_match and ("doi.org/" in lowered or lowered.startswith("10.")):
            return index.by_doi(doi_match.group(1))
        wid = text.rstrip("/").rsplit("/", 1)[-1]
        if re.fullmatch(r"[Ww]\d+", wid):
            return index.by_openalex("W" + wid[1:])
        return None

    def _openalex_list(self, query: dict[str, list[str]], api_key: str | None) -> _Reply:
        def bad(message: str, status: int = 400, error: str = _PARAMS_ERROR) -> _Reply:
            return _Reply(status, formats.openalex_error(error, message))

        index = self.emulator.index
        per_page_text = (query.get("per_page") or query.get("per-page") or ["25"])[0]
        if not per_page_text.isdigit():
            return bad("Param per-page must be a number.")
        if not 1 <= int(per_page_text) <= 100:
            return bad("per-page parameter must be between 1 and 100.", error=_PAGING_ERROR)
        per_page = int(per_page_text)
        cursor = (query.get("cursor") or [None])[0]
        page_text = (query.get("page") or [None])[0]
        if cursor is not None and page_text not in (None, "1"):
            return bad("Cannot use page parameter with cursor.", error=_PAGING_ERROR)
        if cursor is not None and self.emulator.config.require_openalex_key and not api_key:
            return bad(
                "Cursor paging requires an API key; add api_key=YOUR_KEY.",
                401,
                "API key required",
            )
        page = 1
        if page_text is not None:
            if not page_text.lstrip("-").isdigit():
                return bad("Param page must be a number.")
            page = int(page_text)
            if page < 1:
                return bad("Page parameter must be greater than 0.", error=_PAGING_ERROR)
            if page * per_page > 10000:
                return bad(
                    "Maximum results size of 10,000 records is exceeded. Cursor pagination is "
                    "required for records beyond 10,000. See: "
                    "https://developers.openalex.org/guides/page-through-results",
                    error=_PAGING_ERROR,
                )
        offset = (page - 1) * per_page
        if cursor is not None and cursor.lower() in ("null", "none"):
            return bad("Cursor is null. Likely reached end of results.", error=_PAGING_ERROR)
        if cursor is not None and cursor != "*":
            try:
                offset = int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)[1])
            except (ValueError, IndexError, UnicodeDecodeError):
                return bad("Invalid cursor value", error=_PAGING_ERROR)

        keys = [w["key"] for w in index.corpus["works"] if w["openalex_id"]]
        selected = set(keys)
        is_search = False
        n_ids: int | None = None
        ordered_keys: list[str] | None = None
        for clause in [c for v in query.get("filter", []) for c in v.split(",") if c]:
            name, sep, value = clause.partition(":")
            if not sep:
                return bad(f"Invalid filter {clause!r}: filters look like name:value.")
            name = name.strip().lower().replace("-", "_")
            if name not in _OPENALEX_FILTERS:
                if name in _OPENALEX_REAL_FILTERS:
                    return bad(f"The emulator does not implement the filter {name}.")
                return bad(_not_a_field(name))
            values = [v.strip() for v in value.split("|") if v.strip()]
            if len(values) > _OPENALEX_MAX_OR:
                return bad(
                    f"Too many values in filter {name}: {len(values)}. "
                    f"The maximum number of OR values is {_OPENALEX_MAX_OR}."
                )
            matched: list[str] = []
            if name in ("openalex", "ids.openalex", "openalex_id"):
                n_ids = len(values)
                for v in values:
                    work = self._resolve_openalex(v)
                    if work and work["openalex_id"]:
                        matched.append(work["key"])
                ordered_keys = matched
            elif name == "doi":
                n_ids = len(values)
                for v in values:
                    work = index.by_doi(
                        re.sub(r"^(?:https?://(?:dx\.)?doi\.org/)", "", v, flags=re.I)
                    )
                    if work and work["openalex_id"]:
                        matched.append(work["key"])
                ordered_keys = matched
            elif name in ("ids.pmid", "pmid"):
                # Mirrors the upstream bug (ourresearch/OpenAlex#8): batch PMID filters fail.
                return bad("Invalid", error="Invalid")
            elif name in ("cites", "cited_by", "related_to"):
                for v in values:
                    work = self._resolve_openalex(v)
                    if not work or not work["openalex_id"]:
                        continue
                    wid = work["openalex_id"]
                    found = {
                        "cites": index.openalex_cites,
                        "cited_by": index.openalex_refs,
                        "related_to": index.related,
                    }[name](wid)
                    matched.extend(index.by_openalex(w)["key"] for w in found)
            elif name in ("title.search", "display_name.search", "title_and_abstract.search"):
                is_search = True
                words = _words(" ".join(values))
                for key in keys:
                    work = index.works[key]
                    text = work["title"]
                    if name == "title_and_abstract.search":
                        text += " " + work["abstract"]
                    if words and all(w in _words(text) for w in words):
                        matched.append(key)
            elif name == "publication_year":
                years = set(values)
                matched = [k for k in keys if str(index.works[k]["year"]) in years]
            else:
                return bad(f"{name} is not a valid filter for works (in the emulator).")
            selected &= set(matched)
        search = (query.get("search") or [None])[0]
        scores: dict[str, float] = {}
        if search is not None:
            is_search = True
            words = _words(search)
            for key in list(selected):
                work = index.works[key]
                text = _words(work["title"] + " " + work["abstract"])
                hits = sum(1 for w in words if w in text)
                if words and hits == len(words):
                    scores[key] = round(10.0 * hits / (1 + len(text) / 50), 4)
                else:
                    selected.discard(key)

        sort_keys, refused = self._sort_keys((query.get("sort") or [""])[0], scores, is_search)
        if refused is not None:
            return refused
        order = ordered_keys if ordered_keys is not None else keys
        results_keys = [k for k in dict.fromkeys(order) if k in selected]
        if scores and not sort_keys:
            results_keys.sort(key=lambda k: -scores[k])
        for key, descending in reversed(sort_keys):  # stable sorts, last key first
            results_keys.sort(
                key=lambda k, key=key: self._sort_value(key, k, scores), reverse=descending
            )
        cost = _OPENALEX_SEARCH_COST if is_search else _OPENALEX_LIST_COST
        allowed, headers = self.emulator._charge(cost, api_key)
        if not allowed:
            reply = _Reply(
                429,
                formats.openalex_error(
                    "Daily limit exceeded",
                    "You have used your daily budget; it resets at midnight UTC.",
                ),
                headers=headers,
            )
            reply.ids = n_ids
            return reply
        chunk = results_keys[offset : offset + per_page]
        select = (query.get("select") or [None])[0]
        results = []
        for key in chunk:
            record = formats.openalex_work(index, index.works[key], in_list=True)
            if scores:
                record = {
                    **{k: record[k] for k in ("id", "doi", "title", "display_name")},
                    "relevance_score": scores[key],
                    **record,
                }
            results.append(formats.select_fields(record, select))
        meta: dict[str, Any] = {
            "count": len(results_keys),
            "db_response_time_ms": 7,
            "page": None if cursor is not None else page,
            "per_page": per_page,
        }
        if cursor is not None:
            # Upstream (core/cursor.py) gives a cursor whenever the page is full, so a result
            # count that is a multiple of per_page ends with one empty page and a null cursor.
            more = len(chunk) == per_page
            token = f"offset:{offset + per_page}".encode()
            meta["next_cursor"] = base64.urlsafe_b64encode(token).decode() if more else None
        meta["groups_count"] = None
        meta["cost_usd"] = cost
        reply = _Reply(200, {"meta": meta, "results": results, "group_by": []}, headers=headers)
        reply.ids = n_ids
        return reply
