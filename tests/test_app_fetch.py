"""The page's fetch status in Streamlit's AppTest: a partial fetch says what is missing and
"Fetch the missing parts" fills it from the cache (GENERATED emulator corpus)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from citegraph import collect
from citegraph.collect import make_clients

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clients that give up at once (the crawl's own passes do the asking again)."""
    monkeypatch.setattr(collect, "make_clients", functools.partial(make_clients, retries=0))


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_a_partial_fetch_says_what_is_missing_and_fetches_it(
    monkeypatch: pytest.MonkeyPatch, emulator
) -> None:  # type: ignore[no-untyped-def]
    for key, value in emulator.environ().items():
        monkeypatch.setenv(key, value)
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.sidebar.text_area[0].set_value(emulator.seed)
    emulator.configure(fail_next=[("openalex", 429)])  # the daily budget: a gap until rerun
    at.sidebar.button[0].click().run()
    assert not at.exception, at.exception
    notices = [w.value for w in at.warning if w.value.startswith("This fetch is partial")]
    assert len(notices) == 1 and "could not be fetched" in notices[0]
    assert "seed lookup" in notices[0] or "work record" in notices[0]
    partial_works = int(_metric(at, "Works"))
    emulator.reset()
    button = next(b for b in at.button if b.label == "Fetch the missing parts")
    button.click().run()
    assert not at.exception, at.exception
    assert not [w for w in at.warning if w.value.startswith("This fetch is partial")]
    assert not [b for b in at.button if b.label == "Fetch the missing parts"]
    assert int(_metric(at, "Works")) > partial_works
    # ids a service did not know are counted, not raised as a warning
    assert any("were not known to one of the services" in c.value for c in at.caption)
