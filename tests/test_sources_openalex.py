"""OpenAlex parsers on the real samples, URL builders, and error mapping."""

from __future__ import annotations

import json

import pytest
import requests

from citegraph.sources import (
    AuthError,
    BudgetExceededError,
    NotFoundError,
    RateLimitError,
    UpstreamError,
)
from citegraph.sources.openalex import (
    _raise_for_status,
    list_params,
    parse_list,
    parse_single,
    rate_limit_headers,
    rebuild_abstract,
    singleton_path,
)
from tests.conftest import require_samples


def _sample(name: str) -> bytes:
    return (require_samples() / "openalex" / name).read_bytes()


def test_single_work_sample() -> None:
    url = "https://api.openalex.org/works/W2741809807?api_key=secret-in-url"
    work = parse_single(_sample("openalex_work_W2741809807.json"), url=url)
    raw = json.loads(_sample("openalex_work_W2741809807.json"))
    assert (work.source, work.openalex_id, work.doi) == (
        "openalex",
        "W2741809807",
        "10.7717/peerj.4375",
    )
    assert (work.pmid, work.pmcid) == ("29456894", "PMC5815332")
    assert work.title.startswith("The state of OA")
    assert (work.journal, work.issn) == ("PeerJ", ["2167-8359"])
    assert (work.year, work.pub_date, work.volume, work.pages) == (2018, "2018-02-13", "6", "e4375")
    assert work.cited_by_count == raw["cited_by_count"]
    assert len(work.references) == len(raw["referenced_works"]) and work.references[0].startswith(
        "W"
    )
    assert len(work.related) == len(raw["related_works"])
    assert work.url == "https://api.openalex.org/works/W2741809807?api_key=REDACTED"
    assert work.abstract.startswith("Despite growing interest in Open Access")
    assert len(work.abstract.split()) == sum(
        len(p) for p in raw["abstract_inverted_index"].values()
    )
    first = work.authors[0]
    assert (first.name, first.position, first.orcid, first.openalex_id) == (
        "Heather Piwowar",
        1,
        "0000-0003-1613-5981",
        "A5048491430",
    )
    assert first.affiliations == ["Impactstory, Sanford, NC, USA"]
    inst = first.institutions[0]
    assert (inst.ror, inst.country, inst.openalex_id) == (
        "https://ror.org/05ppvf150",
        "US",
        "I4210166736",
    )
    assert [a.position for a in work.authors] == list(range(1, len(raw["authorships"]) + 1))


def test_list_sample_and_meta() -> None:
    works, meta = parse_list(_sample("openalex_list_works_sample5_2026-07-23.json"))
    assert len(works) == 5 and meta["count"] == 5 and meta["cost_usd"] == 0.0001
    assert [w.openalex_id for w in works][:2] == ["W2600965442", "W2042435470"]
    assert works[1].journal is None  # primary_location.source is null there
    assert works[0].journal == "Бизнес. Общество. Власть"


def test_rate_limit_headers_from_real_sample() -> None:
    raw = json.loads(_sample("openalex_list_works_sample5_2026-07-23.response_headers.json"))
    headers = {name: values[0] for name, values in raw["headers"].items()}
    seen = rate_limit_headers(headers)
    assert seen["X-RateLimit-Cost-USD"] == "0.0001"
    assert seen["X-RateLimit-Remaining-USD"] == "0.0972"
    assert "Server" not in seen


def test_rebuild_abstract_orders_by_position() -> None:
    assert rebuild_abstract({"b": [1, 3], "a": [0, 2]}) == "a b a b"
    assert rebuild_abstract(None) is None and rebuild_abstract({}) is None


@pytest.mark.parametrize(
    ("ident", "path"),
    [
        ("W2741809807", "/works/W2741809807"),
        ("https://openalex.org/W2741809807", "/works/W2741809807"),
        ("pmid:29456894", "/works/pmid:29456894"),
        ("PMC5815332", "/works/pmcid:PMC5815332"),
        ("https://doi.org/10.7717/peerj.4375", "/works/doi:10.7717/peerj.4375"),
    ],
)
def test_singleton_paths(ident: str, path: str) -> None:
    assert singleton_path(ident) == path


def test_singleton_path_rejects_junk() -> None:
    with pytest.raises(ValueError):
        singleton_path("hello")


def test_list_params_page_or_cursor() -> None:
    assert list_params("cites:W11", page=2)["page"] == "2"
    params = list_params("cites:W11", cursor="*")
    assert params["cursor"] == "*" and "page" not in params


def test_broken_bodies_are_upstream_errors() -> None:
    with pytest.raises(UpstreamError, match="truncated"):
        parse_single(_sample("openalex_work_W2741809807.json")[:500])
    with pytest.raises(UpstreamError, match="no 'results'"):
        parse_list('{"meta": {}}')


def _response(status: int, body: dict | None = None) -> requests.Response:
    resp = requests.Response()
    resp.status_code, resp.reason = status, "test"
    resp._content = json.dumps(body).encode() if body is not None else b""
    return resp


@pytest.mark.parametrize(
    ("status", "has_key", "error", "words"),
    [
        (401, True, AuthError, "refused the API key"),
        (401, False, AuthError, "Set OPENALEX_API_KEY"),
        (403, True, RateLimitError, "slow down"),
        (429, True, BudgetExceededError, "midnight UTC"),
        (404, True, NotFoundError, "no such work"),
        (400, True, UpstreamError, "Invalid filter"),
        (500, True, UpstreamError, "Try again later"),
    ],
)
def test_status_mapping(status: int, has_key: bool, error: type, words: str) -> None:
    body = {"error": "Invalid query parameters error.", "message": "Invalid filter"}
    with pytest.raises(error) as info:
        _raise_for_status(_response(status, body), "W11", has_key=has_key)
    assert words in str(info.value)
    assert str(info.value).startswith("OpenAlex (W11): ")
    distinct = {AuthError, RateLimitError, BudgetExceededError, NotFoundError}
    assert sum(isinstance(info.value, cls) for cls in distinct) <= 1


def test_dois_with_comma_or_pipe_are_looked_up_alone() -> None:
    """',' and '|' are legal in DOIs but split OpenAlex filter values."""
    from citegraph.sources.openalex import OpenAlexClient

    client = OpenAlexClient.__new__(OpenAlexClient)
    batches: list[list[str]] = []
    singles: list[str] = []
    client._batched_filter = lambda field, values: batches.append(list(values)) or []  # type: ignore[method-assign]
    client.work = lambda ident: singles.append(ident) or None  # type: ignore[method-assign]
    client.works_by_doi(["10.5555/a", "10.5555/b", "10.5555/c,d", "10.5555/e|f"])
    assert batches == [["10.5555/a", "10.5555/b"]]
    assert singles == ["doi:10.5555/c,d", "doi:10.5555/e|f"]
