"""What the page opens on: the URL's fetch request, the auto-fetch switch, the network probe and
the cache-only crawl (against the emulator's GENERATED corpus)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from citegraph import CitegraphError, OptionError
from citegraph.startup import (
    AutoFetch,
    FetchRequest,
    auto_fetch_setting,
    cached_corpus,
    check_snapshot_dir,
    plan_opening,
    probe_network,
    seed_text,
)
from tests.emulator.snapshot import write_openalex_snapshot


def _keys(emulator) -> dict:  # type: ignore[no-untyped-def]
    return {"pubmed_url": emulator.pubmed_url, "icite_url": emulator.icite_url,
            "openalex_url": emulator.openalex_url, "rate": 0, "retries": 0}  # fmt: skip


# ------------------------------------------------------------------------- the URL's request


def test_a_request_survives_the_round_trip_through_the_url() -> None:
    request = FetchRequest("90040486\nW9000000001", depth=2, max_per_kind=25,
                           sources=("pubmed", "openalex-snapshot"), snapshot_dir="/data/oa")  # fmt: skip
    query = {k: v for k, v in request.to_query().items() if v is not None}
    assert query == {"seed": "90040486\nW9000000001", "depth": "2", "max": "25",
                     "sources": "pubmed,openalex-snapshot", "snapshot_dir": "/data/oa"}  # fmt: skip
    assert FetchRequest.from_query(query) == request


def test_defaults_stay_out_of_the_url() -> None:
    assert FetchRequest().to_query() == {"seed": "40603629", "depth": None, "max": None,
                                         "sources": None, "snapshot_dir": None}  # fmt: skip
    assert FetchRequest.from_query({"seed": "  "}) == FetchRequest()


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"depth": "3"}, "Depth must be 1 or 2, got 3"),
        ({"depth": "x"}, "depth='x' is not a number"),
        ({"max": "0"}, "Max per kind must be from 1 to 2000"),
        ({"sources": "pubmed,scopus"}, "Unknown source(s) 'scopus'"),
        ({"sources": "openalex-snapshot"}, "needs a folder"),
    ],
)
def test_a_bad_link_says_which_key_is_wrong(query: dict, says: str) -> None:
    with pytest.raises(OptionError, match=None) as err:
        FetchRequest.from_query(query)
    assert says in str(err.value)


def test_the_snapshot_folder_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITEGRAPH_OPENALEX_SNAPSHOT", "/srv/openalex")
    request = FetchRequest.from_query({"sources": "openalex-snapshot"})
    assert request.snapshot_dir == "/srv/openalex" and request.api_sources == ()


def test_a_fetched_corpus_gives_back_its_request() -> None:
    manifest = {"seeds": ["pmid:90040486"], "depth": 2, "caps": {"max_per_kind": 30},
                "sources": ["pubmed", "openalex", "openalex-snapshot"]}  # fmt: skip
    request = FetchRequest.from_manifest(manifest, snapshot_dir="/x")
    assert request == FetchRequest("90040486", 2, 30, ("pubmed", "openalex", "openalex-snapshot"),
                                   "/x")  # fmt: skip
    # without the folder, the snapshot source cannot be asked again
    assert FetchRequest.from_manifest(manifest).sources == ("pubmed", "openalex")


def test_the_snapshot_folder_is_checked(tmp_path: Path, emulator) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CitegraphError, match="no such folder"):
        check_snapshot_dir(str(tmp_path / "absent"))
    with pytest.raises(CitegraphError, match="no works in"):
        check_snapshot_dir(str(tmp_path))
    with pytest.raises(OptionError, match="No OpenAlex snapshot folder given"):
        check_snapshot_dir(" ")
    write_openalex_snapshot(emulator.corpus, tmp_path / "oa")
    assert check_snapshot_dir(str(tmp_path / "oa")) == str(tmp_path / "oa")


# ------------------------------------------------------------------------- the switch


@pytest.mark.parametrize(
    ("env", "secrets", "expected"),
    [
        ({}, {}, AutoFetch(True, "default")),
        ({"CITEGRAPH_AUTO_FETCH": "0"}, {}, AutoFetch(False, "environment")),
        ({"CITEGRAPH_AUTO_FETCH": "Yes"}, {"CITEGRAPH_AUTO_FETCH": False},
         AutoFetch(True, "environment")),
        ({}, {"CITEGRAPH_AUTO_FETCH": "off"}, AutoFetch(False, "secrets")),
        ({"CITEGRAPH_AUTO_FETCH": " "}, {"CITEGRAPH_AUTO_FETCH": True}, AutoFetch(True, "secrets")),
    ],
)  # fmt: skip
def test_the_auto_fetch_switch(env: dict, secrets: dict, expected: AutoFetch) -> None:
    assert auto_fetch_setting(env, secrets) == expected


def test_a_bad_switch_value_says_what_to_write() -> None:
    with pytest.raises(OptionError, match="neither on nor off. Use 1, true"):
        auto_fetch_setting({"CITEGRAPH_AUTO_FETCH": "maybe"}, {})


def test_the_switch_is_read_from_secrets_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text("CITEGRAPH_AUTO_FETCH = false\n")
    monkeypatch.chdir(tmp_path)
    assert auto_fetch_setting({}) == AutoFetch(False, "secrets")


# ------------------------------------------------------------------------- the probe


def test_the_probe_reaches_a_listening_host(emulator) -> None:  # type: ignore[no-untyped-def]
    probe = probe_network(urls=[emulator.pubmed_url, "http://127.0.0.1:9/closed"])
    assert probe.reachable and probe.reached == (emulator.base_url.removeprefix("http://"),)


def test_the_probe_says_why_nothing_answered() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    probe = probe_network(urls=[f"http://127.0.0.1:{port}/x", "https://api.openalex.org"])
    assert not probe.reachable
    assert set(probe.failures) == {f"127.0.0.1:{port}", "api.openalex.org"}
    # the test's network guard stands in for a machine without network access
    assert "could not connect to 127.0.0.1" in probe.describe()


def test_a_hanging_host_costs_the_probe_its_timeout_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def hang(address, timeout=None):  # type: ignore[no-untyped-def]
        time.sleep(5)

    monkeypatch.setattr(socket, "create_connection", hang)
    probe = probe_network(urls=["http://127.0.0.1:9"], timeout=0.2)
    assert not probe.reachable
    assert probe.failures == {"127.0.0.1:9": "no answer within the probe's time"}
    assert probe.seconds < 5  # returned without waiting for the hanging try (not a timing test)


def test_the_probe_uses_the_configured_base_urls(monkeypatch: pytest.MonkeyPatch, emulator) -> None:  # type: ignore[no-untyped-def]
    for key, value in emulator.environ().items():
        monkeypatch.setenv(key, value)
    assert probe_network(["pubmed", "openalex-snapshot"]).reachable


# ------------------------------------------------------------------------- the cache


def test_the_cache_gives_the_corpus_only_after_a_fetch(emulator) -> None:  # type: ignore[no-untyped-def]
    request = FetchRequest(emulator.seed)
    assert cached_corpus(request, **_keys(emulator)) is None  # nothing cached yet
    assert emulator.requests() == []  # and nothing was asked
    live = request.collector(**_keys(emulator)).run()
    emulator.reset()
    cached = cached_corpus(request, **_keys(emulator))
    assert cached is not None and cached.manifest["state"] == "done"
    assert emulator.requests() == []
    assert cached.counts() == live.counts()
    assert seed_text(cached) == emulator.seed


def test_the_snapshot_source_needs_no_cache(emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_openalex_snapshot(emulator.corpus, tmp_path / "oa")
    request = FetchRequest(emulator.seed, sources=("openalex-snapshot",),
                           snapshot_dir=str(tmp_path / "oa"))  # fmt: skip
    corpus = cached_corpus(request, **_keys(emulator))
    assert corpus is not None and corpus.counts()["works"] > 100
    assert corpus.manifest["sources"] == ["openalex-snapshot"]
    assert emulator.requests() == []


# ------------------------------------------------------------------------- the decision


def test_the_opening_follows_cache_then_network_then_bundled(
    monkeypatch: pytest.MonkeyPatch, emulator
) -> None:  # type: ignore[no-untyped-def]
    request = FetchRequest(emulator.seed)
    off = plan_opening(request, auto=False, why_not="auto-fetch is off in this link")
    assert (off.action, off.why) == ("bundled", "auto-fetch is off in this link")
    assert emulator.requests() == []
    for key, value in emulator.environ().items():
        monkeypatch.setenv(key, value)
    assert plan_opening(request, **_keys(emulator)).action == "fetch"  # uncached, reachable
    live = request.collector(**_keys(emulator)).run()
    cached = plan_opening(request, **_keys(emulator))
    assert cached.action == "cached" and cached.corpus.counts() == live.counts()
    # a request the cache holds only in part (depth 2 on top of depth 1), and the probe (it
    # reads the base URLs from the environment) finds no network
    monkeypatch.setenv("CITEGRAPH_PUBMED_URL", "http://127.0.0.1:9/entrez/eutils")
    monkeypatch.setenv("CITEGRAPH_ICITE_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("CITEGRAPH_OPENALEX_URL", "http://127.0.0.1:9")
    partial = plan_opening(FetchRequest(emulator.seed, depth=2), **_keys(emulator))
    assert partial.action == "partial" and partial.corpus.seed_ids()
    assert "cannot be fetched now (could not connect to 127.0.0.1:9" in partial.notice
    nothing = plan_opening(FetchRequest("90000001"), **_keys(emulator))
    assert nothing.action == "bundled" and nothing.why.endswith("the local cache does not hold it")


def test_the_probe_tries_the_proxy_requests_would_use(
    monkeypatch: pytest.MonkeyPatch, emulator
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HTTPS_PROXY", emulator.base_url)  # stands in for a proxy that answers
    monkeypatch.setenv("NO_PROXY", "localhost")
    probe = probe_network(urls=["https://api.openalex.org"])  # never resolved: the guard allows it
    assert probe.reachable and probe.reached == (emulator.base_url.removeprefix("http://"),)
    monkeypatch.setenv("NO_PROXY", "api.openalex.org")
    assert not probe_network(urls=["https://api.openalex.org"]).reachable
