"""citegraph.http: cache before limiter, retries, keys kept out of the cache, logs and errors.

A tiny loopback server (below) answers with scripted statuses and counts what reaches it.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from citegraph import __version__
from citegraph.http import (
    cache_path,
    make_limiter,
    make_session,
    redact,
    resolve_keys,
    user_agent,
)
from citegraph.sources import OfflineError, send_request

SECRET_KEY = "SEKRET-key-7f3a9"
SECRET_MAIL = "someone.private@example.org"


class _Server:
    """Loopback server: ``script`` maps a path to statuses served in order (last one repeats)."""

    def __init__(self) -> None:
        self.hits: list[dict] = []
        self.script: dict[str, list[tuple[int, dict[str, str]]]] = {}
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        requests.get(f"{self.url}/health", timeout=5).raise_for_status()  # ready check
        self.hits.clear()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep pytest output clean
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                parsed = urlparse(self.path)
                server.hits.append({
                    "method": self.command, "path": parsed.path,
                    "query": parse_qs(parsed.query), "body": body,
                    "ua": self.headers.get("User-Agent", ""),
                })  # fmt: skip
                steps = server.script.get(parsed.path, [(200, {})])
                status, headers = steps.pop(0) if len(steps) > 1 else steps[0]
                payload = json.dumps({"path": parsed.path, "n": len(server.hits)}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = _answer
            do_POST = _answer

        return Handler

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server():
    srv = _Server()
    yield srv
    srv.close()


@pytest.fixture()
def srv(server: _Server) -> _Server:
    server.hits.clear()
    server.script.clear()
    return server


class _CountingLimiter:
    def __init__(self) -> None:
        self.acquired = 0

    def try_acquire(self, name: str = "", weight: int = 1) -> bool:
        self.acquired += 1
        return True


def _session(service: str = "pubmed", **kwargs):
    kwargs.setdefault("rate", 0)
    kwargs.setdefault("backoff", 0)
    return make_session(service, **kwargs)


def test_cache_hit_costs_no_request_and_no_limiter_token(srv: _Server) -> None:
    s = _session()
    s.limiter = _CountingLimiter()
    first = s.get(f"{srv.url}/a", params={"id": "1"})
    second = s.get(f"{srv.url}/a", params={"id": "1"})
    assert first.json() == second.json()
    assert (len(srv.hits), s.limiter.acquired, s.real_requests) == (1, 1, 1)
    assert second.from_cache and not first.from_cache


def test_post_is_cached_and_keyed_by_body(srv: _Server) -> None:
    s = _session()
    for ids in ("1,2", "1,2", "3"):
        s.post(f"{srv.url}/efetch.fcgi", data={"id": ids})
    assert [h["body"] for h in srv.hits] == ["id=1%2C2", "id=3"]


def test_retries_5xx_and_429_then_succeeds(srv: _Server) -> None:
    srv.script["/flaky"] = [(503, {}), (429, {"Retry-After": "0"}), (200, {})]
    session = _session()
    resp = session.get(f"{srv.url}/flaky")
    assert resp.status_code == 200
    assert len(srv.hits) == 3
    assert session.real_requests == 3  # HTTP requests sent, not calls made


def test_requests_counted_as_sent_when_retries_run_out(srv: _Server) -> None:
    srv.script["/down"] = [(503, {})] * 5
    session = _session(retries=2)
    assert session.get(f"{srv.url}/down").status_code == 503
    assert session.real_requests == len(srv.hits) == 3


def test_timeouts_are_short_and_apart_by_default() -> None:
    from citegraph.http import DEFAULT_TIMEOUT

    connect, read = DEFAULT_TIMEOUT
    assert connect < read <= 10  # a stall costs seconds, not 30 s
    assert _session().default_timeout == DEFAULT_TIMEOUT


def test_post_is_retried_too(srv: _Server) -> None:
    srv.script["/post"] = [(502, {}), (200, {})]
    resp = _session().post(f"{srv.url}/post", data={"id": "1"})
    assert resp.status_code == 200 and [h["method"] for h in srv.hits] == ["POST", "POST"]


def test_403_is_retried_for_openalex_only(srv: _Server) -> None:
    srv.script["/works"] = [(403, {}), (200, {})]
    assert _session("openalex").get(f"{srv.url}/works").status_code == 200
    assert len(srv.hits) == 2
    srv.hits.clear()
    srv.script["/esearch.fcgi"] = [(403, {}), (200, {})]
    assert _session("pubmed").get(f"{srv.url}/esearch.fcgi").status_code == 403
    assert len(srv.hits) == 1


def test_retries_exhausted_hand_back_the_last_status(srv: _Server) -> None:
    srv.script["/down"] = [(503, {})]
    resp = _session(retries=2).get(f"{srv.url}/down")
    assert resp.status_code == 503 and len(srv.hits) == 3


def test_keys_never_reach_the_sqlite_file(srv: _Server, tmp_path: Path) -> None:
    s = _session("pubmed", api_key=SECRET_KEY, email=SECRET_MAIL, cache_dir=tmp_path)
    query = {"id": "1", "api_key": SECRET_KEY, "email": SECRET_MAIL, "tool": "citegraph"}
    s.get(f"{srv.url}/esearch.fcgi", params=query)
    s.post(f"{srv.url}/efetch.fcgi", params=query, data={"id": "1,2"})
    assert srv.hits[0]["query"]["api_key"] == [SECRET_KEY]  # the key was really sent
    assert SECRET_MAIL in srv.hits[0]["ua"]
    s.cache.responses.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"esearch.fcgi" in stored  # the responses are there...
    assert SECRET_KEY.encode() not in stored  # ...but not the key
    assert SECRET_MAIL.encode() not in stored


def test_changing_the_key_reuses_the_cache(srv: _Server, tmp_path: Path) -> None:
    for key in ("key-one-1234", "key-two-5678"):
        s = _session("openalex", cache_dir=tmp_path)
        s.get(f"{srv.url}/works/W123", params={"api_key": key})
    assert len(srv.hits) == 1


def test_offline_mode_answers_from_cache_or_raises(srv: _Server, tmp_path: Path) -> None:
    _session(cache_dir=tmp_path).get(f"{srv.url}/known")
    offline = _session(cache_dir=tmp_path, offline=True)
    assert send_request(offline, "pubmed", "GET", f"{srv.url}/known").status_code == 200
    with pytest.raises(OfflineError, match="offline mode"):
        send_request(offline, "pubmed", "GET", f"{srv.url}/unknown", ident="123")
    assert len(srv.hits) == 1


def test_stale_answer_is_served_when_refresh_fails(srv: _Server, tmp_path: Path) -> None:
    srv.script["/stale"] = [(200, {}), (503, {})]
    s = _session(cache_dir=tmp_path, expire_after=timedelta(seconds=0), retries=0)
    first = s.get(f"{srv.url}/stale")
    again = s.get(f"{srv.url}/stale")
    assert again.status_code == 200 and again.json() == first.json()
    assert len(srv.hits) == 2  # it did try to refresh


def test_connection_refused_is_offline_error_without_the_key() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed once the block ends: nothing listens there
    s = _session(retries=1)
    with pytest.raises(OfflineError) as info:
        send_request(s, "openalex", "GET", f"http://127.0.0.1:{port}/works/W1",
                     params={"api_key": SECRET_KEY}, ident="W1")  # fmt: skip
    assert "OpenAlex (W1)" in str(info.value) and SECRET_KEY not in str(info.value)
    assert info.value.service == "openalex" and info.value.ident == "W1"


def test_debug_logs_do_not_show_keys(srv: _Server, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        _session().get(f"{srv.url}/logged", params={"api_key": SECRET_KEY, "id": "1"})
    assert any("/logged" in r.getMessage() for r in caplog.records)
    assert all(SECRET_KEY not in r.getMessage() for r in caplog.records)


def test_user_agent_names_citegraph_version_and_contact() -> None:
    assert user_agent("me@example.org").startswith(
        f"Citegraph/{__version__} (mailto:me@example.org)"
    )
    assert "mailto" not in user_agent(None)
    s = _session(email="me@example.org")
    assert "me@example.org" in s.headers["User-Agent"]


def test_cache_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITEGRAPH_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert cache_path() == tmp_path / "elsewhere" / "http.sqlite"
    _session()
    assert (tmp_path / "elsewhere" / "http.sqlite").exists()


def test_rates_default_to_ncbi_limits_and_are_shared() -> None:
    plain = make_session("pubmed")
    keyed = make_session("pubmed", api_key="abcd-1234")
    assert plain.limiter is make_session("pubmed").limiter  # one limiter per process
    assert plain.limiter is make_limiter("pubmed", 3.0)
    assert keyed.limiter is make_limiter("pubmed", 10.0)
    assert make_session("pubmed", rate=0).limiter is None


def test_key_precedence_caller_env_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_keys("openalex").api_key is None  # no env, no secrets file: no crash
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        'OPENALEX_API_KEY = "from-secrets"\nCITEGRAPH_EMAIL = "s@example.org"\n'
    )
    keys = resolve_keys("openalex")
    assert (keys.api_key, keys.email, keys.origin) == ("from-secrets", "s@example.org", "secrets")
    monkeypatch.setenv("OPENALEX_API_KEY", "from-env")
    assert resolve_keys("openalex").api_key == "from-env"
    assert resolve_keys("openalex", api_key="from-caller").api_key == "from-caller"
    assert "from-caller" not in repr(resolve_keys("openalex", api_key="from-caller"))


def test_redact_removes_query_keys_and_known_values() -> None:
    resolve_keys("openalex", api_key="zz-known-secret", use_env=False, use_secrets=False)
    assert redact("x?email=a@b.c&api_key=1&apikey=2") == (
        "x?email=REDACTED&api_key=REDACTED&apikey=REDACTED"
    )
    assert "zz-known-secret" not in redact("failed with zz-known-secret in the body")


def test_unknown_service_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown service"):
        make_session("scopus")


def test_openalex_daily_budget_429_is_not_retried(srv: _Server) -> None:
    srv.script["/works"] = [(429, {"Retry-After": "43200"}), (200, {})]
    assert _session("openalex").get(f"{srv.url}/works").status_code == 429
    assert len(srv.hits) == 1


def test_retry_after_on_403_is_honoured_for_openalex_only(srv: _Server) -> None:
    srv.script["/efetch.fcgi"] = [(403, {"Retry-After": "0"}), (200, {})]
    assert _session("pubmed").get(f"{srv.url}/efetch.fcgi").status_code == 403
    assert len(srv.hits) == 1


def test_tracebacks_in_library_logs_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    """requests-cache logs the failed refresh's exception (with its URL) when serving stale."""
    logger = logging.getLogger("requests_cache.session")
    try:
        raise requests.HTTPError(f"503 Server Error for url: http://x/works?api_key={SECRET_KEY}")
    except requests.HTTPError:
        with caplog.at_level(logging.WARNING, logger="requests_cache.session"):
            logger.warning("Request failed; using stale cache", exc_info=True)
    text = caplog.text
    assert "503 Server Error" in text and SECRET_KEY not in text
