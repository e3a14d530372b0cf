"""What the page opens on, and the fetch a shared link asks for.

A page session starts from a `FetchRequest`: the seed(s) and fetch options, read from the URL's
query parameters (``?seed=…&depth=…&max=…&sources=…&snapshot_dir=…``) or the defaults, and
written back to the URL after a fetch, so that a link reproduces the corpus it was made on.
Only these keys (`QUERY_KEYS`) belong to this module; the page's other URL keys (view,
filters, selection) are left alone.

On first open the page asks, in this order and stopping at the first that gives the corpus:

1. the HTTP cache (`cached_corpus`: the same crawl with every session answering only from the
   cache, so nothing leaves the machine; instant when the seed was fetched before);
2. the network, when `probe_network` reaches one of the services within a second;
3. otherwise the bundled snapshot, with `Opening.notice` saying why.

`auto_fetch_setting` reads the switch that turns steps 1–2 off (``CITEGRAPH_AUTO_FETCH`` in
the environment or ``.streamlit/secrets.toml``). Decisions live here and the page only shows
them, so each step is testable without Streamlit.
"""

from __future__ import annotations

import os
import queue
import socket
import threading
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from citegraph import CitegraphError, OptionError, collect
from citegraph.collect import Collector, FetchOptions
from citegraph.http import SERVICE_LABELS, _streamlit_secrets, base_url
from citegraph.ids import parse_seeds
from citegraph.model import Corpus
from citegraph.sources.registry import ALL_SOURCES, Clients

__all__ = [
    "AUTO_FETCH_ENV",
    "DEFAULT_SEED",
    "MAX_PER_KIND",
    "QUERY_KEYS",
    "SNAPSHOT_DIR_ENV",
    "SOURCES",
    "AutoFetch",
    "FetchRequest",
    "Opening",
    "Probe",
    "auto_fetch_setting",
    "cached_corpus",
    "check_snapshot_dir",
    "opening_notice",
    "plan_opening",
    "probe_network",
    "seed_text",
]

#: The seed a page opens on when the URL names none (Wobma et al. 2025, the bundled snapshot).
DEFAULT_SEED = "40603629"
#: Every source a page can fetch through, in the order they are listed to users.
SOURCES = {
    "pubmed": "PubMed",
    "icite": "iCite",
    "openalex": "OpenAlex API",
    "openalex-snapshot": "OpenAlex snapshot",
}
SNAPSHOT_SOURCE = "openalex-snapshot"
#: Environment (or secrets.toml) switch of the fetch on open: 0/false/no/off turns it off.
AUTO_FETCH_ENV = "CITEGRAPH_AUTO_FETCH"
#: The OpenAlex snapshot folder the page proposes (the folder box's first value).
SNAPSHOT_DIR_ENV = "CITEGRAPH_OPENALEX_SNAPSHOT"
#: The URL keys this module reads and writes (the page's other keys are not its business).
QUERY_KEYS = ("seed", "depth", "max", "sources", "snapshot_dir", "autofetch")
#: The largest cap a page or link may ask for (a bigger crawl belongs to the CLI).
MAX_PER_KIND = 2000
#: Seconds the network probe may take in all (every host is tried at once).
PROBE_TIMEOUT = 1.0

_FALSE = {"0", "false", "no", "off"}
_TRUE = {"1", "true", "yes", "on"}
_DEFAULT_OPTIONS = FetchOptions()


@dataclass(frozen=True)
class FetchRequest:
    """The seeds and fetch options a page fetches, as carried by its URL.

    Parameters
    ----------
    seeds : str
        The seed box text: one identifier or title per line (parsed when fetching).
    depth : int
        1 or 2, as `citegraph.collect.FetchOptions`.
    max_per_kind : int
        At least 1, as `citegraph.collect.FetchOptions`.
    sources : tuple of str
        Names from `SOURCES`: the API sources and/or ``openalex-snapshot``.
    snapshot_dir : str
        The OpenAlex snapshot folder (used when ``openalex-snapshot`` is a source).

    Examples
    --------
    >>> r = FetchRequest.from_query({"seed": "90040486", "depth": "2", "sources": "pubmed,icite"})
    >>> r.depth, r.sources, r.api_sources
    (2, ('pubmed', 'icite'), ('pubmed', 'icite'))
    >>> r.to_query()
    {'seed': '90040486', 'depth': '2', 'max': None, 'sources': 'pubmed,icite', 'snapshot_dir': None}
    """

    seeds: str = DEFAULT_SEED
    depth: int = _DEFAULT_OPTIONS.depth
    max_per_kind: int = _DEFAULT_OPTIONS.max_per_kind
    sources: tuple[str, ...] = ALL_SOURCES
    snapshot_dir: str = ""

    def __post_init__(self) -> None:
        if self.depth not in (1, 2):
            raise OptionError(f"Depth must be 1 or 2, got {self.depth!r}.")
        if not 1 <= self.max_per_kind <= MAX_PER_KIND:
            raise OptionError(
                f"Max per kind must be from 1 to {MAX_PER_KIND}, got {self.max_per_kind!r}."
            )
        unknown = [s for s in self.sources if s not in SOURCES]
        if unknown or not self.sources:
            raise OptionError(
                f"Unknown source(s) {', '.join(map(repr, unknown)) or '(none given)'}; choose "
                f"from {', '.join(SOURCES)}."
            )
        if SNAPSHOT_SOURCE in self.sources and not self.snapshot_dir.strip():
            raise OptionError(
                "The OpenAlex snapshot source needs a folder: give the folder holding the "
                "snapshot's data/works (or the Parquet converted from it)."
            )

    @classmethod
    def from_query(
        cls, params: Mapping[str, Any], *, default_seed: str = DEFAULT_SEED
    ) -> FetchRequest:
        """The request a URL's query parameters describe (absent keys take the defaults).

        Raises `citegraph.OptionError` naming the key and its bad value.

        Examples
        --------
        >>> FetchRequest.from_query({}).seeds
        '40603629'
        >>> FetchRequest.from_query({"depth": "three"})
        Traceback (most recent call last):
        ...
        citegraph.OptionError: The link's depth='three' is not a number. Use depth=1 or depth=2.
        """
        seeds = str(params.get("seed") or "").strip() or default_seed
        depth = _int_param(params, "depth", _DEFAULT_OPTIONS.depth, "Use depth=1 or depth=2.")
        cap = _int_param(params, "max", _DEFAULT_OPTIONS.max_per_kind,
                         "Use a whole number of at least 1, e.g. max=100.")  # fmt: skip
        raw = str(params.get("sources") or "").strip()
        sources = tuple(s.strip() for s in raw.split(",") if s.strip()) if raw else ALL_SOURCES
        folder = str(params.get("snapshot_dir") or "").strip() or os.environ.get(
            SNAPSHOT_DIR_ENV, ""
        )
        return cls(seeds, depth, cap, sources, folder)

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any], *, snapshot_dir: str = "") -> FetchRequest:
        """The request that made a fetched corpus (seeds, depth, cap, sources of its manifest).

        Examples
        --------
        >>> m = {"seeds": ["pmid:1"], "depth": 2, "caps": {"max_per_kind": 5}, "sources": ["icite"]}
        >>> FetchRequest.from_manifest(m)
        FetchRequest(seeds='1', depth=2, max_per_kind=5, sources=('icite',), snapshot_dir='')
        """
        sources = tuple(s for s in manifest.get("sources") or () if s in SOURCES)
        if SNAPSHOT_SOURCE in sources and not snapshot_dir:
            sources = tuple(s for s in sources if s != SNAPSHOT_SOURCE)
        return cls(
            seeds="\n".join(_seed_label(str(s)) for s in manifest.get("seeds") or []),
            depth=int(manifest.get("depth") or _DEFAULT_OPTIONS.depth),
            max_per_kind=int(
                (manifest.get("caps") or {}).get("max_per_kind") or _DEFAULT_OPTIONS.max_per_kind
            ),
            sources=sources or ALL_SOURCES,
            snapshot_dir=snapshot_dir,
        )

    @property
    def api_sources(self) -> tuple[str, ...]:
        """The sources reached over HTTP (all but the local OpenAlex snapshot)."""
        return tuple(s for s in self.sources if s != SNAPSHOT_SOURCE)

    def to_query(self) -> dict[str, str | None]:
        """This request as URL query values; None for a key at its default (to be removed, so
        links stay short). Seeds are always written.

        Examples
        --------
        >>> FetchRequest("W1", max_per_kind=50).to_query()
        {'seed': 'W1', 'depth': None, 'max': '50', 'sources': None, 'snapshot_dir': None}
        """
        snapshot = SNAPSHOT_SOURCE in self.sources
        return {
            "seed": self.seeds.strip(),
            "depth": str(self.depth) if self.depth != _DEFAULT_OPTIONS.depth else None,
            "max": str(self.max_per_kind)
            if self.max_per_kind != _DEFAULT_OPTIONS.max_per_kind
            else None,
            "sources": ",".join(self.sources) if self.sources != ALL_SOURCES else None,
            "snapshot_dir": self.snapshot_dir if snapshot else None,
        }

    def fetch_options(self) -> FetchOptions:
        """`FetchOptions` for this request (they name the API sources only, as in the CLI)."""
        extra = {"sources": self.api_sources} if self.api_sources else {}
        return FetchOptions(depth=self.depth, max_per_kind=self.max_per_kind, **extra)

    def clients(self, *, offline: bool = False, **keys: Any) -> Clients:
        """The clients of this request's sources: `citegraph.collect.make_clients` for the API
        sources (``keys``: its key, e-mail, retries… arguments) plus the OpenAlex snapshot
        source. Raises `citegraph.CitegraphError` (e.g. a folder that is no snapshot)."""
        # Looked up on the module when called, so a caller's (or test's) replacement applies.
        clients = collect.make_clients(self.api_sources, offline=offline, **keys)
        if SNAPSHOT_SOURCE in self.sources:
            clients.extra.append(_snapshot_source(self.snapshot_dir))
        return clients

    def collector(self, **keys: Any) -> Collector:
        """A `citegraph.collect.Collector` for this request. Raises `citegraph.CitegraphError`
        for seeds that do not parse or a snapshot folder that is none."""
        seeds = parse_seeds(self.seeds)
        return Collector(seeds, self.clients(**keys), self.fetch_options())

    def with_seeds(self, seeds: str) -> FetchRequest:
        """The same request for other seeds."""
        return replace(self, seeds=seeds)


def _int_param(params: Mapping[str, Any], key: str, default: int, how: str) -> int:
    raw = params.get(key)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        return int(str(raw).strip())
    except ValueError:
        raise OptionError(f"The link's {key}={str(raw)[:40]!r} is not a number. {how}") from None


def _snapshot_source(folder: str) -> Any:
    from citegraph.sources.openalex_snapshot import OpenAlexSnapshotSource

    return OpenAlexSnapshotSource(Path(folder).expanduser())


def check_snapshot_dir(folder: str) -> str:
    """``folder`` if it holds an OpenAlex snapshot's works, else a `CitegraphError` saying what
    the folder lacks and what it should hold.

    Examples
    --------
    >>> check_snapshot_dir("/no/such/folder")
    Traceback (most recent call last):
    ...
    citegraph.sources.openalex_snapshot.SnapshotSourceError: openalex-snapshot: no such folder: /no/such/folder. Give the folder holding data/works (or the Parquet converted from it).
    """
    from citegraph.sources.openalex_snapshot import find_works

    if not folder.strip():
        raise OptionError(
            "No OpenAlex snapshot folder given: enter the folder holding the snapshot's "
            "data/works (or the Parquet converted from it)."
        )
    find_works(Path(folder.strip()).expanduser())
    return folder.strip()


def seed_text(corpus: Corpus) -> str:
    """The seed box text that names ``corpus``'s seeds (PMIDs and DOIs without their prefix).

    Examples
    --------
    >>> seed_text(Corpus.empty({"seeds": ["pmid:40603629", "doi:10.1/ab", "W1"]}))
    '40603629\\n10.1/ab\\nW1'
    """
    seeds = corpus.manifest.get("seeds") or corpus.seed_ids()
    return "\n".join(_seed_label(str(s)) for s in seeds)


def _seed_label(seed: str) -> str:
    return seed.removeprefix("pmid:").removeprefix("doi:")


# ---------------------------------------------------------------------------- the switch


@dataclass(frozen=True)
class AutoFetch:
    """Whether the page fetches the seed's neighbourhood on open, and who said so
    (``"default"``, ``"environment"`` or ``"secrets"``).

    Examples
    --------
    >>> AutoFetch(False, "environment").describe()
    'auto-fetch is off (CITEGRAPH_AUTO_FETCH in the environment)'
    """

    enabled: bool = True
    origin: str = "default"

    def describe(self) -> str:
        """A short phrase for the page."""
        state = "on" if self.enabled else "off"
        if self.origin == "default":
            return f"auto-fetch is {state} (the default)"
        where = "the environment" if self.origin == "environment" else ".streamlit/secrets.toml"
        return f"auto-fetch is {state} ({AUTO_FETCH_ENV} in {where})"


def auto_fetch_setting(
    environ: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None
) -> AutoFetch:
    """The fetch-on-open switch: ``CITEGRAPH_AUTO_FETCH`` in the environment, else in
    Streamlit's ``secrets.toml``, else on. Raises `citegraph.OptionError` for a value that is
    neither on (1/true/yes/on) nor off (0/false/no/off).

    Examples
    --------
    >>> auto_fetch_setting({"CITEGRAPH_AUTO_FETCH": "off"}, {})
    AutoFetch(enabled=False, origin='environment')
    >>> auto_fetch_setting({}, {"CITEGRAPH_AUTO_FETCH": False})
    AutoFetch(enabled=False, origin='secrets')
    >>> auto_fetch_setting({}, {}).enabled
    True
    """
    environ = os.environ if environ is None else environ
    if environ.get(AUTO_FETCH_ENV, "").strip():
        return AutoFetch(_flag(environ[AUTO_FETCH_ENV], "the environment"), "environment")
    secrets = _streamlit_secrets() if secrets is None else secrets
    value = secrets.get(AUTO_FETCH_ENV)
    if value is not None and str(value).strip():
        return AutoFetch(_flag(value, ".streamlit/secrets.toml"), "secrets")
    return AutoFetch()


def _flag(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _FALSE | _TRUE:
        return text in _TRUE
    raise OptionError(
        f"{AUTO_FETCH_ENV}={str(value)[:20]!r} in {where} is neither on nor off. Use 1, true, yes "
        "or on to fetch the seed's neighbourhood when the page opens; 0, false, no or off not to."
    )


# ---------------------------------------------------------------------------- the probe


@dataclass(frozen=True)
class Probe:
    """What a quick connect to the services' hosts found.

    ``reachable``: some host accepted a connection; ``failures``: host → why not (for the
    hosts that failed or had not answered when the probe stopped).

    Examples
    --------
    >>> Probe(False, failures={"api.openalex.org": "timed out"}).describe()
    'could not connect to api.openalex.org (timed out)'
    """

    reachable: bool
    reached: tuple[str, ...] = ()
    failures: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def describe(self) -> str:
        """A short phrase for the page."""
        if self.reachable:
            return f"reached {', '.join(self.reached)}"
        if not self.failures:
            return "no service to reach"
        parts = [f"{host} ({why})" for host, why in self.failures.items()]
        return "could not connect to " + ", ".join(parts)


def probe_network(
    sources: tuple[str, ...] | list[str] = ALL_SOURCES,
    *,
    timeout: float = PROBE_TIMEOUT,
    urls: list[str] | None = None,
) -> Probe:
    """Try one TCP connection to each service's host (its `citegraph.http.base_url`, so the
    emulator's in tests), all at once, for at most ``timeout`` seconds in all.

    Where the environment names a proxy for a URL's scheme (``HTTPS_PROXY``…, not bypassed
    by ``NO_PROXY``), the proxy is tried instead, since requests will go through it.

    Returns as soon as one host accepts (the crawl copes with the others). Name lookups
    cannot be given a timeout, so each try runs in a daemon thread that is left behind when
    the time is up: a hanging resolver costs the page ``timeout``, never more.

    Examples
    --------
    >>> probe_network([], urls=[]).reachable
    False
    """
    if urls is None:
        urls = [base_url(s) for s in sources if s in SERVICE_LABELS]
    proxies = urllib.request.getproxies()  # requests goes through the same ones
    targets = {}
    for url in urls:
        parts = urlsplit(url)
        proxy = proxies.get(parts.scheme)
        if proxy and parts.hostname and not urllib.request.proxy_bypass(parts.hostname):
            parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        if parts.hostname:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            targets[f"{parts.hostname}:{port}" if parts.port else parts.hostname] = (
                parts.hostname,
                port,
            )
    start = time.monotonic()
    answers: queue.Queue[tuple[str, str | None]] = queue.Queue()
    for name, address in targets.items():
        threading.Thread(
            target=_connect, args=(name, address, timeout, answers), daemon=True
        ).start()
    failures = {name: "no answer within the probe's time" for name in targets}
    reached: list[str] = []
    deadline = start + timeout
    for _ in targets:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            name, error = answers.get(timeout=left)
        except queue.Empty:
            break
        if error is None:
            reached.append(name)
            failures.pop(name)
            break
        failures[name] = error
    return Probe(bool(reached), tuple(reached), failures, round(time.monotonic() - start, 3))


def _connect(name: str, address: tuple[str, int], timeout: float, answers: queue.Queue) -> None:
    try:
        with socket.create_connection(address, timeout=timeout):
            pass
    except socket.gaierror:
        answers.put((name, "name not found"))
    except TimeoutError:
        answers.put((name, "timed out"))
    except OSError as exc:
        answers.put((name, exc.strerror or type(exc).__name__))
    except Exception as exc:  # noqa: BLE001 - e.g. a test's network guard: unreachable all the same
        answers.put((name, type(exc).__name__))
    else:
        answers.put((name, None))


# ---------------------------------------------------------------------------- the cache


def cached_corpus(request: FetchRequest, **keys: Any) -> Corpus | None:
    """The request's corpus built from the HTTP cache alone (no request leaves the machine),
    or None when the cache does not hold the seeds. Its manifest's ``state`` is ``"done"``
    when the cache held every answer, ``"partial"`` when it lacked some.

    Raises `citegraph.CitegraphError` only for a request that cannot be made (bad seeds, a
    folder that is no snapshot).
    """
    collector = Collector(
        parse_seeds(request.seeds),
        request.clients(offline=True, **keys),
        replace(request.fetch_options(), retry_passes=0),
    )
    try:
        corpus = collector.run()
    except CitegraphError:
        return None
    return corpus if corpus.seed_ids() else None


# ---------------------------------------------------------------------------- the decision


@dataclass(frozen=True)
class Opening:
    """What a page session opens on, decided by `plan_opening`.

    ``action``: ``"cached"`` (show ``corpus``, complete from the cache), ``"fetch"`` (fetch the
    request live, with the progress display), ``"partial"`` (show ``corpus``, what the cache
    holds, with ``notice``) or ``"bundled"`` (the bundled snapshot; ``why`` says why not the
    request, None when nothing was asked for).

    Examples
    --------
    >>> Opening("bundled", why="auto-fetch is off (the default)").corpus is None
    True
    """

    action: str
    corpus: Corpus | None = None
    why: str | None = None
    notice: str | None = None


def plan_opening(
    request: FetchRequest,
    *,
    auto: bool = True,
    why_not: str = "auto-fetch is off",
    probe_timeout: float = PROBE_TIMEOUT,
    **keys: Any,
) -> Opening:
    """Decide what a page opens on (see the module): with ``auto`` off the bundled snapshot
    (``why_not`` says why); else the request's corpus from the HTTP cache; else a live fetch
    when `probe_network` reaches a service; else what the cache holds of it; else the bundled
    snapshot. ``keys`` go to the clients (`FetchRequest.clients`).

    Raises `citegraph.CitegraphError` for a request that cannot be made (seeds that do not
    parse, a folder that is no snapshot).

    Examples
    --------
    >>> plan_opening(FetchRequest(), auto=False, why_not="auto-fetch is off in this link")
    Opening(action='bundled', corpus=None, why='auto-fetch is off in this link', notice=None)
    """
    if not auto:
        return Opening("bundled", why=why_not)
    cached = cached_corpus(request, **keys)
    if cached is not None and cached.manifest.get("state") == "done":
        return Opening("cached", cached)
    if request.api_sources:
        probe = probe_network(request.api_sources, timeout=probe_timeout)
        if probe.reachable:
            return Opening("fetch")
        why = probe.describe()
    else:
        why = "the OpenAlex snapshot does not hold the seed"
    if cached is not None:  # partly cached and no network: better than the bundled seed
        notice = (
            f"Only part of this corpus is in the local cache, and the rest cannot be fetched "
            f"now ({why}). Press Fetch in the sidebar to complete it when online."
        )
        return Opening("partial", cached, notice=notice)
    return Opening("bundled", why=f"{why}, and the local cache does not hold it")


# ---------------------------------------------------------------------------- the page's words


def opening_notice(asked: str, why: str, *, loaded: str | None) -> str:
    """What the page says when it could not open on the asked seeds (plain text: the page
    escapes it, since ``asked`` comes from a link).

    Examples
    --------
    >>> opening_notice("90040486", "auto-fetch is off (the default)", loaded="40603629")
    'Not loaded: the neighbourhood of seed 90040486 (auto-fetch is off (the default)). Showing the snapshot of seed 40603629 instead; the seed box names what is shown. Press Fetch in the sidebar to load it.'
    """
    seeds = " ".join(asked.split())
    shown = (
        f"Showing the snapshot of seed {' '.join(loaded.split())} instead; the seed box names "
        "what is shown."
        if loaded is not None
        else "No corpus is shown."
    )
    return f"Not loaded: the neighbourhood of seed {seeds} ({why}). {shown} Press Fetch in the sidebar to load it."
