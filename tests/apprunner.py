"""Start the real Streamlit app on a free loopback port for browser tests (and stop it)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Never handed down to the app under test (tests send no keys, even where the shell has them).
PRIVATE_ENV = ("NCBI_API_KEY", "OPENALEX_API_KEY", "CITEGRAPH_EMAIL")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(
    *, env: dict[str, str] | None = None, timeout: float = 60.0, script: Path | None = None
) -> Iterator[str]:
    """Run ``streamlit run app.py`` (or ``script``) on 127.0.0.1 and yield its base URL once
    healthy.

    ``env`` is added to this process' environment, less `PRIVATE_ENV`; readiness is polled on
    Streamlit's health endpoint.
    """
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script or ROOT / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=ROOT,
        # Auto-fetch off unless ``env`` turns it on: most tests start from the bundled snapshot.
        env={"CITEGRAPH_AUTO_FETCH": "0",
             **{k: v for k, v in os.environ.items() if k not in PRIVATE_ENV}, **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early:\n{proc.stdout.read()}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                    if resp.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("streamlit did not become healthy in time")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def open_tab(at, name: str):  # type: ignore[no-untyped-def]
    """Open one of the page's tabs in an AppTest run and run the page again.

    Only the open tab is built (``app._open``), as a user's click on it does.
    """
    at.session_state["tab"] = name
    return at.run()
