"""Live sources: PubMed E-utilities, NIH iCite and OpenAlex, plus the errors they raise.

Each module has three layers that can be tested separately: URL/parameter builders (pure),
parsers (raw JSON/XML → `citegraph.model` records, pure) and a thin client doing I/O through an
injected `requests.Session` (see `citegraph.http.make_session`). Every client implements the
source contract of `citegraph.sources.base` (resolve, fetch_works, fetch_links → `Result`),
which is all `citegraph.collect` knows of a source.

Every failure a client can meet is one of the `SourceError` subclasses below. Their messages say
which service failed, for which id, and what to do; they never contain an API key or e-mail.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime
from typing import Any

import requests
import urllib3

from citegraph import CitegraphError
from citegraph.http import SERVICE_LABELS, redact

__all__ = [
    "AuthError",
    "BudgetExceededError",
    "NotFoundError",
    "OfflineError",
    "RateLimitError",
    "SourceError",
    "UpstreamError",
    "batched",
    "send_request",
    "wait_hint",
]


class SourceError(CitegraphError):
    """A live source failed. ``service`` is pubmed, icite or openalex; ``ident`` the id asked for.

    Examples
    --------
    >>> err = NotFoundError("no such work; check the id", service="openalex", ident="W1")
    >>> str(err)
    'OpenAlex (W1): no such work; check the id'
    >>> err.service, err.ident
    ('openalex', 'W1')
    >>> str(err.about("W2"))
    'OpenAlex (W2): no such work; check the id'
    """

    def __init__(
        self,
        message: str,
        *,
        service: str,
        ident: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.service = service
        self.ident = ident
        self.detail = message
        #: Seconds the service asked us to wait before asking again (Retry-After, OpenAlex's
        #: X-RateLimit-Reset), when it said so.
        self.retry_after = retry_after
        #: The request that failed, as sent (set by the client that sent it), or "".
        self.query = ""
        label = SERVICE_LABELS.get(service, service)
        where = f"{label} ({ident})" if ident else label
        super().__init__(redact(f"{where}: {message}"))

    def about(self, ident: str | None) -> SourceError:
        """The same error (same class, service, message, wait and query) about ``ident``."""
        error = type(self)(
            self.detail, service=self.service, ident=ident, retry_after=self.retry_after
        )
        error.query = self.query
        return error

    @property
    def transient(self) -> bool:
        """Whether asking again later in the same crawl may succeed (rate limits, server
        errors, timeouts, closed connections), as opposed to a refused key, a spent budget,
        an unknown id or an offline-mode cache miss."""
        return not isinstance(self, (AuthError, BudgetExceededError, NotFoundError,
                                     NotCachedError))  # fmt: skip


class RateLimitError(SourceError):
    """Too many requests per second (NCBI 429, OpenAlex 403) even after the retries."""


class BudgetExceededError(SourceError):
    """OpenAlex's daily budget is spent (HTTP 429); it resets at midnight UTC."""


class AuthError(SourceError):
    """The API key was refused (OpenAlex 401, NCBI "API key invalid") or one is required."""


class NotFoundError(SourceError):
    """The service does not know this id (HTTP 404 or an empty answer for a single id)."""


class UpstreamError(SourceError):
    """The service answered with an error: 5xx after retries, an ``<ERROR>`` element, or a
    malformed or truncated body."""


class OfflineError(SourceError):
    """The service could not be reached (refused, DNS, timeout), or offline mode and the answer
    is not in the cache."""


class TimedOutError(OfflineError):
    """The service accepted the connection but did not answer in time (after retries)."""


class NotCachedError(OfflineError):
    """Offline mode: this answer is not in the local cache (other answers may well be)."""


def batched(items: list[str], size: int) -> list[list[str]]:
    """Split ``items`` into consecutive chunks of at most ``size``.

    Examples
    --------
    >>> [len(b) for b in batched([str(i) for i in range(450)], 200)]
    [200, 200, 50]
    """
    return [items[i : i + size] for i in range(0, len(items), size)]


def unique(items: Any) -> list[str]:
    """Strings of ``items`` in first-seen order without duplicates or empties.

    Examples
    --------
    >>> unique(["2", "1", "2", "", None, 3])
    ['2', '1', '3']
    """
    seen: dict[str, None] = {}
    for item in items:
        if item is None:
            continue
        text = str(item).strip()
        if text:
            seen.setdefault(text, None)
    return list(seen)


def send_request(
    session: requests.Session,
    service: str,
    method: str,
    url: str,
    *,
    params: Any = None,
    data: Any = None,
    ident: str | None = None,
) -> requests.Response:
    """Send one request and turn transport failures and offline cache misses into errors.

    HTTP error statuses are left to the caller (each service maps them differently), except the
    synthetic 504 that requests-cache returns for a cache miss in offline mode.
    """
    try:
        response = _request_whole(session, method, url, params=params, data=data)
    except requests.exceptions.RetryError as exc:
        raise UpstreamError(
            f"server error ({_short_reason(exc)}) even after retrying. Try again later; already "
            "fetched data is kept in the cache.",
            service=service,
            ident=ident,
        ) from None
    except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
        raise _transport_error(exc, service, ident) from None
    except (
        requests.exceptions.ChunkedEncodingError,
        requests.exceptions.ContentDecodingError,
    ) as exc:
        raise UpstreamError(
            f"server error: the answer was cut short ({type(exc).__name__}), three times. Try "
            "again later; already fetched data is kept in the cache.",
            service=service,
            ident=ident,
        ) from None
    except requests.exceptions.RequestException as exc:
        raise UpstreamError(
            f"request failed ({type(exc).__name__}). Try again later.", service=service, ident=ident
        ) from None
    # requests-cache answers an offline miss with a synthetic 504; only 200s are ever cached,
    # so in offline mode a 504 always means "not in the cache".
    if response.status_code == 504 and _is_offline(session):
        raise NotCachedError(
            "not in the local cache and offline mode is on. Run once with network access "
            "(without --offline) to fetch it.",
            service=service,
            ident=ident,
        )
    return response


def _request_whole(session: requests.Session, method: str, url: str, **kwargs: Any) -> Any:
    """``session.request``, tried again (twice at most) when the body arrives cut short: urllib3's
    Retry only covers failures before the body is read."""
    for attempt in range(3):
        try:
            return session.request(method, url, **kwargs)
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ):
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def evict(session: requests.Session, response: requests.Response) -> None:
    """Drop a response from the cache (used when a 200 answer turns out to be an error or junk,
    so that the next run asks again instead of replaying it)."""
    cache = getattr(session, "cache", None)
    if cache is None:
        return
    try:
        cache.delete(requests=[response.request])
    except Exception:  # noqa: BLE001 - eviction is best effort; the error being raised matters more
        pass


def wait_hint(resp: requests.Response) -> float | None:
    """Seconds a service asked us to wait: ``Retry-After`` (seconds or an HTTP date), else
    OpenAlex's ``X-RateLimit-Reset`` (seconds until the limit resets), else None.

    Examples
    --------
    >>> r = requests.Response()
    >>> r.headers["Retry-After"] = "2"
    >>> wait_hint(r)
    2.0
    >>> del r.headers["Retry-After"]
    >>> r.headers["X-RateLimit-Reset"] = "30"
    >>> wait_hint(r), wait_hint(requests.Response())
    (30.0, None)
    """
    for name in ("Retry-After", "X-RateLimit-Reset"):
        value = (resp.headers.get(name) or "").strip()
        if not value:
            continue
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return None


def _transport_error(exc: BaseException, service: str, ident: str | None) -> SourceError:
    """The error a transport failure means, named by its real cause: a timeout (the service
    accepted the connection, or did not accept it, in time), a connection closed without an
    answer (a server fault, not our network), or an unreachable service (refused, DNS)."""
    cause = _root_cause(exc)
    kept = "already fetched data is kept in the cache."
    if isinstance(cause, urllib3.exceptions.NewConnectionError):  # refused, DNS (a subclass
        cause = None  # of ConnectTimeoutError in urllib3 2, for history's sake)
        exc = requests.exceptions.ConnectionError(str(exc))
    if isinstance(cause, urllib3.exceptions.ReadTimeoutError) or isinstance(
        exc, requests.exceptions.ReadTimeout
    ):
        return TimedOutError(
            f"timeout: connected, but no answer in time (read timeout). Try again later; {kept}",
            service=service,
            ident=ident,
        )
    if isinstance(cause, urllib3.exceptions.ConnectTimeoutError) or isinstance(
        exc, requests.exceptions.Timeout
    ):
        return TimedOutError(
            f"timeout: could not connect in time (connect timeout). Check the network, or try "
            f"again later; {kept}",
            service=service,
            ident=ident,
        )
    if isinstance(cause, urllib3.exceptions.ProtocolError) or "RemoteDisconnected" in str(exc):
        return UpstreamError(
            f"server error: the connection was closed without an answer. Try again later; {kept}",
            service=service,
            ident=ident,
        )
    return OfflineError(
        f"unreachable: cannot connect ({_short_reason(exc)}). Check the network connection or "
        "the service's base URL setting, then try again.",
        service=service,
        ident=ident,
    )


def _root_cause(exc: BaseException) -> BaseException | None:
    """The urllib3 error inside a requests exception (``MaxRetryError.reason`` unwrapped)."""
    inner: Any = exc.args[0] if exc.args else None
    if isinstance(inner, urllib3.exceptions.MaxRetryError):
        inner = inner.reason
    return inner if isinstance(inner, BaseException) else None


def _is_offline(session: requests.Session) -> bool:
    settings = getattr(session, "settings", None)
    return bool(getattr(settings, "only_if_cached", False))


def _short_reason(exc: BaseException) -> str:
    # requests wraps urllib3 errors several levels deep; the innermost names the real cause
    # (refused, name resolution, max retries) without the full URL.
    text = str(exc)
    for marker in (
        "Connection refused",
        "Name or service not known",
        "timed out",
        "Temporary failure in name resolution",
        "too many 5",
        "Max retries exceeded",
    ):
        if marker.lower() in text.lower():
            return marker
    return type(exc).__name__
