"""Shared test fixtures. The autouse guard makes any non-loopback network use fail the test."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

from tests.emulator.fixtures import emulator, emulator_server  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
API_SAMPLES = SHARED / "data" / "api-samples"
SEED_FACTS = SHARED / "data" / "seed-40603629" / "works.jsonl"

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


class NetworkAccessError(AssertionError):
    """A test tried to reach a host outside the loopback range."""


def _is_loopback(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    host = str(host)
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any attempt to resolve or connect to a non-loopback host."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            if not _is_loopback(address[0]):
                raise NetworkAccessError(f"test tried to connect to {address[0]!r}")

    def connect(sock, address):  # type: ignore[no-untyped-def]
        check(sock, address)
        return real_connect(sock, address)

    def connect_ex(sock, address):  # type: ignore[no-untyped-def]
        check(sock, address)
        return real_connect_ex(sock, address)

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not _is_loopback(host):
            raise NetworkAccessError(f"test tried to resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def require_samples() -> Path:
    """The real API samples folder, or skip the test where ../shared is absent."""
    if not API_SAMPLES.is_dir():
        pytest.skip(f"real API samples not found at {API_SAMPLES}")
    return API_SAMPLES


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep the HTTP cache of every test out of the repository's cache/ folder."""
    monkeypatch.setenv("CITEGRAPH_CACHE_DIR", str(tmp_path_factory.mktemp("http-cache")))
    # Pages open on the bundled snapshot unless a test is about opening (tests/test_app_open.py).
    monkeypatch.setenv("CITEGRAPH_AUTO_FETCH", "0")
    for name in ("NCBI_API_KEY", "OPENALEX_API_KEY", "CITEGRAPH_EMAIL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """Debian's headless Chromium through Playwright, one per test module (never downloaded)."""
    from playwright.sync_api import sync_playwright

    from tests.apprunner import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
