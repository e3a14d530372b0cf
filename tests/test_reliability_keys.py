"""API keys are sent but never written: not to a snapshot, an export, the HTTP cache, a log,
an error message or the manifest.

The keys are distinctive fake values; the emulator (SYNTHETIC data) requires the OpenAlex key,
so a fetch that succeeds proves the key was sent. Every check reads raw bytes and looks for the
key as written and percent-encoded (the contact e-mail, a secret too, is checked the same way).
"""

from __future__ import annotations

import gzip
import logging
import os
import subprocess
import sys
import traceback
import zipfile
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from citegraph import CitegraphError
from citegraph.collect import Collector, make_clients
from citegraph.export import FORMATS, WORK_FORMATS, export_graph, export_works
from citegraph.ids import parse_seeds
from citegraph.snapshot import load_snapshot, save_snapshot
from citegraph.sources import SourceError
from citegraph.views import build_view, view_html
from tests.apprunner import PRIVATE_ENV, ROOT
from tests.emulator.fixtures import EmulatorHandle

pytestmark = pytest.mark.reliability

NCBI_KEY = "ncbiFAKEkey4d1c9e7b2a60leakcheck"
OPENALEX_KEY = "oaFAKEkey8f3e2d1c0b9aLEAKCHECK"
EMAIL = "leak.check+citegraph@example.invalid"
SECRETS = (NCBI_KEY, OPENALEX_KEY, EMAIL)
KEY_ENV = {"NCBI_API_KEY": NCBI_KEY, "OPENALEX_API_KEY": OPENALEX_KEY, "CITEGRAPH_EMAIL": EMAIL}
#: Every view's graph is built from the same corpus rows, so one view carries whatever a key
#: in the corpus would; the similarity and co-author exports take seconds more each.
VIEWS = ("citation",)


def _forms(secret: str) -> set[bytes]:
    """The secret as it may appear in bytes: as is, percent-encoded, form-encoded, any case."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret)}
    return {f.encode() for f in forms} | {f.lower().encode() for f in forms}


def _leaks(data: bytes | str) -> list[str]:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    low = data.lower()
    return [s for s in SECRETS if any(form.lower() in low for form in _forms(s))]


def _contents(path: Path) -> bytes:
    """A file's bytes, and for a zip or gzip file its decompressed contents too."""
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            data += b"".join(archive.read(name) for name in archive.namelist())
    elif data[:2] == b"\x1f\x8b":
        data += gzip.decompress(data)
    return data


def _assert_no_secret_in_tree(folder: Path) -> int:
    """Read every byte of every file under ``folder``; return how many files were read."""
    n = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        assert _leaks(_contents(path)) == [], f"a key is written in {path}"
        n += 1
    return n


def _check_sent(emulator: EmulatorHandle) -> None:
    """The keys did go out: the emulator saw (and redacted in its log) both services' keys."""
    log = emulator.requests()
    for service in ("pubmed", "openalex"):
        sent = [r for r in log if r["service"] == service and r["query"].get("api_key")]
        assert sent, f"no {service} request carried an api_key"


def _write_everything(snapshot: Path, folder: Path) -> int:
    """Every export of every view and every bibliography format, as the CLI and page write
    them; returns the number of files."""
    corpus = load_snapshot(snapshot)
    n = 0
    for view in VIEWS:
        G = build_view(corpus, view)
        for fmt in FORMATS:
            (folder / f"{view}.{fmt}").write_bytes(export_graph(G, fmt))
            n += 1
        (folder / f"{view}.page.html").write_text(view_html(corpus, G), encoding="utf-8")
        n += 1
    for fmt in WORK_FORMATS:
        (folder / f"works.{fmt}").write_bytes(export_works(corpus, fmt))
        n += 1
    return n


def test_cli_fetch_writes_no_key_anywhere(
    emulator: EmulatorHandle,
    tmp_path: Path,
    record_property,  # type: ignore[no-untyped-def]
) -> None:
    """The CLI with keys in its environment, logging at DEBUG and some calls failing."""
    emulator.configure(
        require_openalex_key=True,
        fail_next=[("icite", 400), ("openalex", "close"), ("pubmed", 400)],
    )
    cache_dir = tmp_path / "cache"
    out_dir = tmp_path / "out"
    out = out_dir / "fetch.json"
    env = {k: v for k, v in os.environ.items() if k not in PRIVATE_ENV}
    env.update(KEY_ENV, CITEGRAPH_CACHE_DIR=str(cache_dir))
    # The CLI as `python -m citegraph` runs it, with every library logger at DEBUG on stderr.
    runner = (
        "import logging, sys; logging.basicConfig(level=logging.DEBUG, stream=sys.stderr); "
        "from citegraph.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    cmd = [
        sys.executable, "-c", runner, "fetch", emulator.seed,
        "--pubmed-url", emulator.pubmed_url, "--icite-url", emulator.icite_url,
        "--openalex-url", emulator.openalex_url, "-o", str(out),
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=180)
    stderr = proc.stderr.decode("utf-8", "replace")
    # The status of a crawl with gaps is the crawl's business; here it must have saved.
    assert out.exists(), f"the fetch saved nothing (status {proc.returncode})"
    assert "DEBUG" in stderr and "urllib3" in stderr, "the debug log was not captured"
    _check_sent(emulator)

    corpus = load_snapshot(out)
    assert corpus.counts()["works"] > 100
    # The injected failures were served; the crawl asks again later, so they may have healed.
    assert any(r.get("fault") or (r.get("status") or 200) >= 400 for r in emulator.requests())
    missing = corpus.manifest.get("missing", []) + corpus.manifest.get("not_found", [])
    assert _leaks(repr(corpus.manifest)) == []
    assert _leaks(proc.stdout + proc.stderr) == []
    n_exports = _write_everything(out, out_dir)
    assert n_exports == len(VIEWS) * (len(FORMATS) + 1) + len(WORK_FORMATS)
    assert _assert_no_secret_in_tree(out_dir) == n_exports + 1
    # Every byte of the HTTP cache (database, WAL and shared-memory files).
    assert (cache_dir / "http.sqlite").stat().st_size > 0
    n_cache = _assert_no_secret_in_tree(cache_dir)
    assert n_cache >= 1
    record_property("files_read", n_exports + 1 + n_cache)
    record_property("cache_bytes", sum(p.stat().st_size for p in cache_dir.iterdir()))
    record_property("stderr_lines", stderr.count("\n"))
    record_property("missing", len(missing))


def test_library_fetch_and_failing_calls_write_no_key_anywhere(
    emulator: EmulatorHandle,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The library with keys passed by the caller (as the page's Settings do) and from the
    environment, logging captured at DEBUG, and the errors of calls that fail."""
    caplog.set_level(logging.DEBUG)
    emulator.configure(require_openalex_key=True)
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("CITEGRAPH_CACHE_DIR", str(cache_dir))
    monkeypatch.setenv("CITEGRAPH_EMAIL", EMAIL)
    clients = make_clients(
        ncbi_api_key=NCBI_KEY,
        openalex_api_key=OPENALEX_KEY,
        pubmed_url=emulator.pubmed_url,
        icite_url=emulator.icite_url,
        openalex_url=emulator.openalex_url,
        rate=0,
        retries=0,
    )
    corpus = Collector(parse_seeds(emulator.seed), clients).run()
    _check_sent(emulator)
    assert corpus.counts()["works"] > 100

    # Calls that fail: an HTTP error, a closed connection, a stall past the timeout, a
    # refused key. Their messages, every attribute and the whole chained traceback. A cache of
    # their own: the crawl's cached answers would be served instead (stale-if-error).
    monkeypatch.setenv("CITEGRAPH_CACHE_DIR", str(tmp_path / "cache-failing"))
    fast = make_clients(
        ["pubmed", "openalex"],
        ncbi_api_key=NCBI_KEY,
        openalex_api_key=OPENALEX_KEY,
        pubmed_url=emulator.pubmed_url,
        openalex_url=emulator.openalex_url,
        rate=0,
        retries=0,
        timeout=0.5,
    )
    emulator.configure(timeout_s=2)
    calls = [
        (("openalex", 500), lambda: fast.openalex.work("W9100000000")),
        (("openalex", "close"), lambda: fast.openalex.citing("W9100000000")),
        (("openalex", "timeout"), lambda: fast.openalex.work("W9100000001")),
        (("openalex", 401), lambda: fast.openalex.citing("W9100000001")),
        (("pubmed", 503), lambda: fast.pubmed.fetch_records([emulator.seed])),
        (("pubmed", "close"), lambda: fast.pubmed.similar([emulator.seed])),
        (("pubmed", 429), lambda: fast.pubmed.refs([emulator.seed])),
    ]
    messages = []
    for fault, call in calls:
        emulator.configure(fail_next=[fault])
        with pytest.raises(SourceError) as info:
            call()
        exc = info.value
        text = "".join(traceback.format_exception(exc))
        text += repr(exc) + repr(vars(exc)) + repr(exc.args)
        assert _leaks(text) == [], f"a key is in the error of {fault}: {text}"
        messages.append(str(exc))
    assert len(messages) == len(calls)
    # A crawl whose every first call fails: its error and what it recorded hold no key.
    emulator.configure(fail_next=[("openalex", 500), ("pubmed", 503)])
    collector = Collector(parse_seeds(emulator.seed), fast)
    try:  # the crawl asks failed calls again later, so it may well succeed
        collector.run()
    except CitegraphError as exc:
        assert _leaks("".join(traceback.format_exception(exc))) == []
    assert _leaks(repr(collector.corpus().manifest)) == []

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    snapshot = save_snapshot(corpus, out_dir / "library.json.gz")
    n_exports = _write_everything(snapshot, out_dir)
    assert _assert_no_secret_in_tree(out_dir) == n_exports + 1
    assert _leaks(repr(corpus.manifest)) == []
    assert _assert_no_secret_in_tree(cache_dir) >= 1
    assert _assert_no_secret_in_tree(tmp_path / "cache-failing") >= 1
    # The log at DEBUG: urllib3 logs each request line; nothing of it holds a key.
    assert any(r.name.startswith("urllib3") for r in caplog.records)
    logged = "\n".join(
        logging.Formatter("%(name)s %(levelname)s %(message)s").format(r) for r in caplog.records
    )
    assert _leaks(logged) == []
    assert _leaks(caplog.text) == []
