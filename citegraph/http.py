"""The one place that makes HTTP sessions: cache, retries, rate limits, keys, User-Agent.

A session from `make_session` stacks, from the caller down to the socket:

1. requests-cache (`CacheMixin`, SQLite backend, ``wal=True``): a hit returns here and costs
   neither a request nor a rate-limit token. POST is cached too (large NCBI batches are POSTs).
2. `_LimitedSession.send`: takes a token from a process-wide pyrate-limiter per service (NCBI
   counts per IP or key, so every thread's session shares it), applies the default timeout
   (`DEFAULT_TIMEOUT`: connect and read apart, short, so a stalled server costs seconds) and
   counts real requests.
3. urllib3 `Retry` in the adapter: 429/5xx (and 403 for OpenAlex, its "slow down") are retried
   with exponential backoff, honouring ``Retry-After``; POST is retried as well. Every retry is
   an HTTP request sent too, so it is counted in ``real_requests``.

Keys (``NCBI_API_KEY``, ``OPENALEX_API_KEY``, ``CITEGRAPH_EMAIL``) are resolved by
`resolve_keys` and added to every request by the session's `QueryAuth` (the clients never handle
them). They are sent as query parameters but never stored: requests-cache redacts the
ignored parameters from cache keys and from the stored request and URL, and `redact` removes
them from any text that may reach a log line or an error message.

Streamlit secrets are read from ``.streamlit/secrets.toml`` with `tomllib` (the file Streamlit
itself reads), so this library never imports Streamlit; the page may also pass keys in.

One session per thread: Streamlit runs each browser session in its own thread and requests'
`Session` is not documented as thread-safe. Never call ``requests_cache.install_cache()``.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from pyrate_limiter import Duration, Limiter, Rate
from requests.adapters import HTTPAdapter
from requests_cache import BaseCache, CacheMixin
from urllib3.util import Retry

from citegraph import __version__

SERVICES = ("pubmed", "icite", "openalex")
SERVICE_LABELS = {"pubmed": "PubMed E-utilities", "icite": "NIH iCite", "openalex": "OpenAlex"}

#: Default base URLs (no trailing slash) and the environment variables that override them.
DEFAULT_BASE_URLS = {
    "pubmed": "https://eutils.ncbi.nlm.nih.gov/entrez/eutils",
    "icite": "https://icite.od.nih.gov/api",
    "openalex": "https://api.openalex.org",
}
BASE_URL_ENV = {
    "pubmed": "CITEGRAPH_PUBMED_URL",
    "icite": "CITEGRAPH_ICITE_URL",
    "openalex": "CITEGRAPH_OPENALEX_URL",
}
KEY_ENV = {"pubmed": "NCBI_API_KEY", "openalex": "OPENALEX_API_KEY"}
EMAIL_ENV = "CITEGRAPH_EMAIL"
CACHE_DIR_ENV = "CITEGRAPH_CACHE_DIR"
CACHE_FILE = "http.sqlite"

#: Requests per second without / with an API key. NCBI: 3, or 10 with a key (NBK25497).
#: iCite documents no limit; 5/s is polite. OpenAlex allows 100/s on every tier; 10/s keeps us
#: far from its 403 "slow down".
DEFAULT_RATES = {"pubmed": (3.0, 10.0), "icite": (5.0, 5.0), "openalex": (10.0, 10.0)}

#: How long answers stay fresh. Metadata barely changes; link lists grow as papers are cited,
#: so they expire sooner. Stale entries are still served when a refresh fails (stale_if_error).
DEFAULT_EXPIRY = {
    "pubmed": timedelta(days=7),
    "icite": timedelta(days=7),
    "openalex": timedelta(days=7),
}
URL_EXPIRY = {
    "*/efetch.fcgi*": timedelta(days=30),
    "*/esearch.fcgi*": timedelta(days=1),
}

#: Seconds to wait for a connection and, once connected, for each read of the answer. Short on
#: purpose: a stalled server then costs seconds, and the crawl asks again later (a second pass)
#: instead of waiting 30 s per attempt. 3.05 s is just over TCP's 3 s retransmission window.
DEFAULT_TIMEOUT: tuple[float, float] = (3.05, 10.0)

#: A timeout: one number for connect and read, or a (connect, read) pair.
Timeout = float | tuple[float, float]

#: Statuses retried with backoff. OpenAlex says "slow down" with 403; its 429 means the daily
#: budget is spent (until midnight UTC), so retrying it only blocks the page.
RETRY_STATUSES = {
    "pubmed": frozenset({429, 500, 502, 503, 504}),
    "icite": frozenset({429, 500, 502, 503, 504}),
    "openalex": frozenset({403, 500, 502, 503, 504}),
}

#: Query parameters and headers that must never be stored or logged. requests-cache's defaults
#: plus the contact e-mail (in NCBI's query and in our User-Agent).
SECRET_PARAMETERS = (
    "Authorization", "Proxy-Authorization", "X-API-Key", "access_token", "api_key", "apikey",
    "email", "mailto", "User-Agent",
)  # fmt: skip

_SECRET_QUERY_RE = re.compile(r"((?:api_?key|apikey|access_token|email|mailto)=)[^&\s'\"#]+", re.I)
_KNOWN_SECRETS: set[str] = set()
_LIMITERS: dict[tuple[str, float], Limiter] = {}
_LIMITERS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Keys:
    """API key and contact e-mail for one service. The repr never shows their values.

    Examples
    --------
    >>> Keys(api_key="secret", email="me@example.org", origin="caller")
    Keys(api_key=set, email=set, origin='caller')
    """

    api_key: str | None = field(default=None)
    email: str | None = field(default=None)
    origin: str = "none"

    def __repr__(self) -> str:
        shown = {name: ("set" if getattr(self, name) else None) for name in ("api_key", "email")}
        return f"Keys(api_key={shown['api_key']}, email={shown['email']}, origin={self.origin!r})"


def resolve_keys(
    service: str,
    *,
    api_key: str | None = None,
    email: str | None = None,
    use_env: bool = True,
    use_secrets: bool = True,
) -> Keys:
    """Find the API key and contact e-mail for ``service``.

    Precedence, first non-empty wins, separately for the key and the e-mail:
    the caller's argument (e.g. typed into the page), then the environment (``NCBI_API_KEY``,
    ``OPENALEX_API_KEY``, ``CITEGRAPH_EMAIL``), then Streamlit secrets (same names, read only if
    streamlit is importable and a ``secrets.toml`` exists). iCite takes no key.

    Every value found is registered with `redact` so it can never leak into a message.

    Examples
    --------
    >>> resolve_keys("openalex", api_key="k", use_env=False, use_secrets=False).api_key
    'k'
    >>> resolve_keys("icite", api_key="k", use_env=False, use_secrets=False).api_key is None
    True
    """
    _check_service(service)
    key_name = KEY_ENV.get(service)
    origins = []
    key = api_key or None
    mail = email or None
    if key or mail:
        origins.append("caller")
    if use_env:
        if not key and key_name and os.environ.get(key_name):
            key = os.environ[key_name]
            origins.append("env")
        if not mail and os.environ.get(EMAIL_ENV):
            mail = os.environ[EMAIL_ENV]
            origins.append("env")
    if use_secrets and ((not key and key_name) or not mail):
        secrets = _streamlit_secrets()
        if not key and key_name and secrets.get(key_name):
            key = str(secrets[key_name])
            origins.append("secrets")
        if not mail and secrets.get(EMAIL_ENV):
            mail = str(secrets[EMAIL_ENV])
            origins.append("secrets")
    if service == "icite":
        key = None  # iCite has no keys; never send one anywhere
    for value in (key, mail):
        if value:
            _KNOWN_SECRETS.add(value)
    origin = "+".join(dict.fromkeys(origins)) or "none"
    return Keys(api_key=key, email=mail, origin=origin)


def base_url(service: str, override: str | None = None) -> str:
    """The base URL of ``service``: the argument, else its environment variable, else the
    real service. No trailing slash.

    Examples
    --------
    >>> base_url("icite", "http://127.0.0.1:8000/api/")
    'http://127.0.0.1:8000/api'
    """
    _check_service(service)
    url = override or os.environ.get(BASE_URL_ENV[service]) or DEFAULT_BASE_URLS[service]
    return url.rstrip("/")


def cache_path(cache_dir: str | Path | None = None) -> Path:
    """Where the SQLite cache lives: ``cache_dir``, else ``$CITEGRAPH_CACHE_DIR``, else
    ``cache/`` in the working directory; the file is ``http.sqlite``."""
    folder = Path(cache_dir or os.environ.get(CACHE_DIR_ENV) or "cache")
    return folder / CACHE_FILE


def user_agent(email: str | None = None) -> str:
    """The User-Agent naming Citegraph, its version and the contact e-mail if given.

    Examples
    --------
    >>> user_agent("me@example.org")  # doctest: +ELLIPSIS
    'Citegraph/... (mailto:me@example.org) python-requests/...'
    """
    contact = f" (mailto:{email})" if email else ""
    return f"Citegraph/{__version__}{contact} python-requests/{requests.__version__}"


def redact(text: str) -> str:
    """Remove API keys and e-mails from ``text`` (query parameters and any known key value).

    Examples
    --------
    >>> redact("GET /works?filter=x&api_key=abc123&page=2")
    'GET /works?filter=x&api_key=REDACTED&page=2'
    """
    text = _SECRET_QUERY_RE.sub(r"\1REDACTED", str(text))
    for secret in _KNOWN_SECRETS:
        if len(secret) >= 4:
            text = text.replace(secret, "REDACTED")
    return text


def redact_url(url: str | None) -> str | None:
    """`redact` for a URL that may be None (provenance URLs on records)."""
    return redact(url) if url else url


def make_limiter(service: str, rate: float) -> Limiter | None:
    """The process-wide limiter for ``service`` at ``rate`` requests per second (None: no limit).

    Shared by every session of the service in this process, because NCBI counts requests per
    IP address or key, not per thread.
    """
    if not rate or rate <= 0 or rate == float("inf"):
        return None
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get((service, rate))
        if limiter is None:
            if rate >= 1:
                # Whole requests per whole second keeps bursts at the documented size.
                per_second = max(1, int(rate))
                limiter = Limiter(Rate(per_second, Duration.SECOND))
            else:
                limiter = Limiter(Rate(1, int(1000 / rate)))
            _LIMITERS[(service, rate)] = limiter
        return limiter


class _LimitedSession(requests.Session):
    """A Session whose ``send`` (called only on cache misses) takes a rate-limit token, applies
    the default timeout and counts real requests."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.limiter: Limiter | None = None
        self.limiter_name = "citegraph"
        self.default_timeout: Timeout = DEFAULT_TIMEOUT
        self.real_requests = 0
        super().__init__(*args, **kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if self.limiter is not None:
            self.limiter.try_acquire(self.limiter_name)
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        self.real_requests += 1
        return super().send(request, **kwargs)


class CitegraphSession(CacheMixin, _LimitedSession):
    """requests-cache in front of the rate limiter: cache hits never reach `_LimitedSession`.

    Attributes: ``service``, ``keys`` (`Keys`), ``offline``, ``limiter``, ``rate`` (requests
    per second its limiter allows; 0 = none), ``real_requests``.
    """

    service: str = ""
    keys: Keys = Keys()
    offline: bool = False
    rate: float = 0.0
    #: The `make_session` arguments it was made with, for `sibling_session` (never logged).
    _recipe: dict[str, Any] | None = None


class QueryAuth(requests.auth.AuthBase):
    """Adds a service's key parameters to each request's query string (pyalex's ``AuthBase``).

    Parameters the caller already set are left alone. requests-cache ignores these parameters
    in its cache keys and redacts them from what it stores.

    Examples
    --------
    >>> req = requests.Request("GET", "http://127.0.0.1/x?id=1").prepare()
    >>> QueryAuth([("api_key", "k"), ("id", "2")])(req).url
    'http://127.0.0.1/x?id=1&api_key=k'
    """

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = list(pairs)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        query = requests.utils.urlparse(request.url or "").query
        present = {part.split("=", 1)[0] for part in query.split("&") if part}
        extra = [(k, v) for k, v in self.pairs if k not in present]
        if extra:
            request.prepare_url(request.url, extra)
        return request

    def __repr__(self) -> str:
        return f"QueryAuth({[k for k, _ in self.pairs]})"


def auth_params(service: str, keys: Keys) -> list[tuple[str, str]]:
    """The query parameters that identify us to ``service``.

    NCBI asks for ``tool`` and ``email`` (and takes ``api_key``); OpenAlex takes ``api_key``
    (``mailto`` is gone); iCite takes none.

    Examples
    --------
    >>> auth_params("pubmed", Keys(email="a@b.c"))
    [('tool', 'citegraph'), ('email', 'a@b.c')]
    >>> auth_params("icite", Keys(api_key="k"))
    []
    """
    pairs: list[tuple[str, str]] = []
    if service == "pubmed":
        pairs.append(("tool", "citegraph"))
        if keys.email:
            pairs.append(("email", keys.email))
    if service in KEY_ENV and keys.api_key:
        pairs.append(("api_key", keys.api_key))
    return pairs


class _CountingRetry(Retry):
    """urllib3 `Retry` that counts each retry it allows on the session (``real_requests``):
    a retry is one more HTTP request sent, though the client made one call.

    An `increment` that raises (retries exhausted) sends nothing more, so it is not counted.
    """

    session: _LimitedSession | None = None

    def new(self, **kw: Any) -> _CountingRetry:
        fresh = super().new(**kw)
        fresh.session = self.session
        return fresh

    def increment(self, *args: Any, **kwargs: Any) -> _CountingRetry:
        fresh = super().increment(*args, **kwargs)
        if self.session is not None:
            self.session.real_requests += 1
        return fresh


class _OpenAlexRetry(_CountingRetry):
    """Retry that also honours Retry-After on OpenAlex's 403 "slow down" (and not on its 429:
    a spent daily budget does not come back in seconds)."""

    RETRY_AFTER_STATUS_CODES = frozenset({403, 413, 503})


def make_session(
    service: str,
    *,
    api_key: str | None = None,
    email: str | None = None,
    cache_dir: str | Path | None = None,
    offline: bool = False,
    rate: float | None = None,
    retries: int = 4,
    backoff: float = 0.5,
    timeout: Timeout = DEFAULT_TIMEOUT,
    expire_after: timedelta | int | None = None,
    use_env: bool = True,
    cache: BaseCache | None = None,
) -> CitegraphSession:
    """Make a cached, retrying, rate-limited session for one service.

    Parameters
    ----------
    service
        ``pubmed``, ``icite`` or ``openalex``: picks the rate, expiry and retried statuses.
    api_key, email
        Override the environment and Streamlit secrets (see `resolve_keys`). The session only
        remembers them in ``session.keys``; the clients add them to each request's query.
    cache_dir
        Folder of ``http.sqlite``; default ``$CITEGRAPH_CACHE_DIR`` or ``cache/``.
    offline
        Answer only from the cache (a miss becomes a synthetic 504, which the clients turn into
        `citegraph.sources.OfflineError`). For the CLI's ``--offline``.
    rate
        Requests per second; None picks the service default (NCBI 3/s, 10/s with a key);
        0 disables the limiter (tests against the local emulator).
    retries, backoff
        Retries for connection errors and retried statuses; backoff ``backoff * 2**(n-1)`` s,
        unless the server sends Retry-After.
    timeout
        Seconds to connect and to wait for each read, as a ``(connect, read)`` pair or one
        number for both, unless the caller passes one; default `DEFAULT_TIMEOUT`.
    cache
        An open requests-cache backend to use instead of opening ``cache_dir`` (e.g. a memory
        backend in a test). Not for sharing between threads: each thread's session opens its
        own connection (`sibling_session`).

    Examples
    --------
    >>> import tempfile
    >>> s = make_session("icite", cache_dir=tempfile.mkdtemp(), rate=0)
    >>> s.service, s.limiter is None, s.headers["User-Agent"].startswith("Citegraph/")
    ('icite', True, True)
    """
    _check_service(service)
    keys = resolve_keys(service, api_key=api_key, email=email, use_env=use_env)
    path = cache_path(cache_dir)
    if cache is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        where: dict[str, Any] = {"cache_name": str(path), "backend": "sqlite", "wal": True}
    else:
        where = {"backend": cache}
    session = CitegraphSession(
        **where,
        expire_after=expire_after if expire_after is not None else DEFAULT_EXPIRY[service],
        urls_expire_after=URL_EXPIRY if service == "pubmed" else None,
        allowable_codes=(200,),
        allowable_methods=("GET", "HEAD", "POST"),
        ignored_parameters=SECRET_PARAMETERS,
        stale_if_error=True,
        only_if_cached=offline,
    )
    session.service = service
    session.keys = keys
    session.auth = QueryAuth(auth_params(service, keys))
    session.offline = offline
    session.default_timeout = timeout
    session.headers["User-Agent"] = user_agent(keys.email)
    if rate is None:
        rate = DEFAULT_RATES[service][1 if keys.api_key else 0]
    session.limiter = make_limiter(service, rate)
    session.limiter_name = service
    session.rate = float(rate) if session.limiter is not None else 0.0
    session._recipe = {
        "service": service, "api_key": api_key, "email": email, "cache_dir": path.parent,
        "offline": offline, "rate": rate, "retries": retries, "backoff": backoff,
        "timeout": timeout, "expire_after": expire_after, "use_env": use_env,
    }  # fmt: skip
    retry_class = _OpenAlexRetry if service == "openalex" else _CountingRetry
    retry = retry_class(
        total=retries,
        connect=retries,
        read=min(retries, 1),  # a stalled server rarely answers at once; the crawl asks later
        status=retries,
        other=0,
        allowed_methods=None,  # None = every method: NCBI POSTs must be retried too
        status_forcelist=RETRY_STATUSES[service],
        backoff_factor=backoff,
        backoff_max=60,
        retry_after_max=120,
        respect_retry_after_header=True,
        raise_on_status=False,  # hand the last response to the client, which maps it to an error
    )
    retry.session = session
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def sibling_session(session: requests.Session) -> requests.Session | None:
    """A new session for another thread that behaves as ``session`` does: the same service,
    keys, cache file, rate limiter (process-wide, so both count against one limit), timeout and
    retries. None when ``session`` was not made by `make_session` (callers then share it behind
    a lock). requests' `Session` is not documented as thread-safe, so a crawl that asks one
    service from several threads gives each thread its own.

    Examples
    --------
    >>> import tempfile
    >>> s = make_session("pubmed", cache_dir=tempfile.mkdtemp(), rate=3)
    >>> t = sibling_session(s)
    >>> t is not s, t.limiter is s.limiter, t.cache.responses.db_path == s.cache.responses.db_path
    (True, True, True)
    >>> sibling_session(requests.Session()) is None
    True
    """
    recipe = getattr(session, "_recipe", None)
    if not isinstance(session, CitegraphSession) or not recipe:
        return None
    # Its own connection to the same SQLite file (WAL: readers never wait, writers take turns):
    # requests-cache lets threads read through one shared connection at once, which sqlite3
    # refuses ("bad parameter or other API misuse").
    twin = make_session(**recipe)
    twin.limiter = session.limiter  # a test or caller may have changed it on the original
    twin.rate = session.rate
    twin.default_timeout = session.default_timeout
    return twin


class _RedactFilter(logging.Filter):
    """Strip keys from log records of the libraries that log URLs: the message, its arguments
    and the traceback text (requests-cache logs the failed URL's exception when it serves a
    stale answer)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            try:
                record.msg = record.getMessage()
            except Exception:  # noqa: BLE001 - a malformed record is the logger's problem
                return True
            record.args = None
        record.msg = redact(str(record.msg))
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def _install_redaction() -> None:
    """Filters sit on loggers, not on their parents: add one to every logger of the libraries
    that log URLs (their modules are imported above, so their loggers exist now)."""
    prefixes = ("urllib3", "requests_cache", "requests")
    names = [n for n in list(logging.Logger.manager.loggerDict) if n.startswith(prefixes)]
    for name in {*names, *prefixes}:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactFilter) for f in logger.filters):
            logger.addFilter(_RedactFilter())


_install_redaction()


def _check_service(service: str) -> None:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; use one of {', '.join(SERVICES)}")


def _streamlit_secrets() -> dict[str, Any]:
    """Top-level values of Streamlit's ``secrets.toml`` (user folder, then working folder; the
    later file wins, as in Streamlit), or {} when there is none or it cannot be read.

    Read with `tomllib` so that no library module imports Streamlit.
    """
    found: dict[str, Any] = {}
    for path in (Path.home() / ".streamlit" / "secrets.toml",
                 Path.cwd() / ".streamlit" / "secrets.toml"):  # fmt: skip
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError):
            continue  # absent or broken: a CLI run must not stop for it
        found.update({str(k): v for k, v in data.items() if not isinstance(v, dict)})
    return found
