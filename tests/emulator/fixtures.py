"""Pytest fixtures: one emulator per test session, reset before each test that uses it.

``tests/conftest.py`` imports these, so every test can ask for ``emulator``:

>>> # def test_seed_refs(emulator):
>>> #     response = requests.get(emulator.pubmed_url + "/elink.fcgi", params=...)
>>> #     assert emulator.requests()[0]["service"] == "pubmed"
"""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.emulator.corpus import CorpusIndex
from tests.emulator.server import EmulatorConfig, EmulatorServer


class EmulatorHandle:
    """What a test sees of the running emulator (addresses, corpus, log, behaviour)."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return self.server.base_url

    @property
    def pubmed_url(self) -> str:
        """E-utilities base: ``http://127.0.0.1:PORT/entrez/eutils``."""
        return self.server.pubmed_url

    @property
    def icite_url(self) -> str:
        """iCite base: ``http://127.0.0.1:PORT/api``."""
        return self.server.icite_url

    @property
    def openalex_url(self) -> str:
        """OpenAlex base: ``http://127.0.0.1:PORT``."""
        return self.server.openalex_url

    @property
    def seed(self) -> str:
        """PMID of the seed of the served (SYNTHETIC) corpus."""
        return self.server.seed

    @property
    def corpus(self) -> dict[str, Any]:
        """The corpus dict being served (see tests/emulator/corpus.py for its layout)."""
        return self.server.corpus

    @property
    def index(self) -> CorpusIndex:
        """Per-service views of the corpus, for computing expected answers."""
        return self.server.index

    def environ(self) -> dict[str, str]:
        """The environment variables that point Citegraph's clients at this emulator."""
        return {
            "CITEGRAPH_PUBMED_URL": self.pubmed_url,
            "CITEGRAPH_ICITE_URL": self.icite_url,
            "CITEGRAPH_OPENALEX_URL": self.openalex_url,
        }

    def requests(self) -> list[dict[str, Any]]:
        """Service requests since the last reset, oldest first (control calls left out)."""
        return self.server.requests()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until the emulator handles no request (see `EmulatorServer.wait_idle`)."""
        return self.server.wait_idle(timeout)

    def reset(self) -> None:
        """Clear the log and all injected behaviour."""
        self.server.reset()

    def configure(self, **changes: Any) -> EmulatorConfig:
        """Inject behaviour, e.g. ``configure(fail_next=[("pubmed", 503)])``."""
        return self.server.configure(**changes)


def wait_until_healthy(base_url: str, timeout: float = 10.0) -> None:
    """Poll ``/_emulator/health`` until it answers "ok" (raise RuntimeError after `timeout`)."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base_url + "/_emulator/health", timeout=1) as response:
                if response.read() == b"ok":
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.02)
    raise RuntimeError(f"emulator at {base_url} did not become healthy within {timeout}s: {last}")


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    """The session's emulator, started once on a free 127.0.0.1 port."""
    server = EmulatorServer().start()
    wait_until_healthy(server.base_url)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[EmulatorHandle]:
    """A handle on the session emulator, reset before (and after) the test."""
    emulator_server.reset()
    yield EmulatorHandle(emulator_server)
    emulator_server.reset()
