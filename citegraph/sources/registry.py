"""The registry of live sources a crawl can use: which exist, in which order a crawl asks them,
and the one place that builds their clients (`make_clients`).

`citegraph.collect` plans a crawl over whatever sources this registry (or a caller, through
`Clients.extra`) hands it, without knowing any of them by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from citegraph.http import DEFAULT_TIMEOUT, Timeout, make_session
from citegraph.sources.base import Source
from citegraph.sources.icite import ICiteClient
from citegraph.sources.openalex import OpenAlexClient
from citegraph.sources.pubmed import PubMedClient

#: The live API sources, in the order they are listed to users.
ALL_SOURCES = ("pubmed", "icite", "openalex")


@dataclass
class Clients:
    """The registry of sources a crawl uses (None = source disabled).

    ``extra`` holds further sources that implement `citegraph.sources.base.Source` (e.g. a
    local snapshot); the crawl treats every source alike.
    """

    pubmed: PubMedClient | None = None
    icite: ICiteClient | None = None
    openalex: OpenAlexClient | None = None
    extra: list[Source] = field(default_factory=list)

    def sources(self) -> list[Source]:
        """Enabled sources in planning order: each round asks them in this order, so the ids
        one source reports (OpenAlex: PMIDs and DOIs of works found by W-id) reach the next."""
        named = [getattr(self, name) for name in PLAN_ORDER]
        return [src for src in named if src is not None] + list(self.extra)

    def enabled(self) -> list[str]:
        """Names of the enabled sources."""
        order = {name: i for i, name in enumerate(ALL_SOURCES)}
        return sorted((s.name for s in self.sources()), key=lambda n: order.get(n, len(order)))

    def requests_made(self) -> dict[str, int]:
        """Real (non-cache) requests per source so far."""
        return {s.name: int(getattr(s, "requests_made", 0)) for s in self.sources()}


#: The order in which a crawl asks the registered sources.
PLAN_ORDER = ("openalex", "icite", "pubmed")


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
    retries: int = 2,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> Clients:
    """Clients for the enabled sources, each with its own cached, rate-limited session.

    Keys not given here come from the environment or Streamlit's ``secrets.toml``
    (`citegraph.http.resolve_keys`). ``retries`` and ``timeout`` go to every session (tests
    that do not test retrying use 0). Few quick retries here: a call that still fails is asked
    again later in the crawl (`FetchOptions.retry_passes`), which costs less than waiting now.

    Examples
    --------
    >>> import tempfile
    >>> clients = make_clients(["icite"], rate=0, retries=0)
    >>> [s.name for s in clients.sources()], clients.requests_made()
    (['icite'], {'icite': 0})
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
