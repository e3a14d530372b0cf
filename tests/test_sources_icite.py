"""iCite parser and error mapping. There is no real iCite sample in ../shared/data/api-samples,
so bodies here are GENERATED in the documented legacy ``/api/pubs`` shape (invented PMIDs)."""

from __future__ import annotations

import json

import pytest
import requests

from citegraph.sources import NotFoundError, RateLimitError, UpstreamError
from citegraph.sources.icite import (
    FIELDS,
    _raise_for_status,
    parse_pubs,
    pubs_params,
    to_work_record,
)

# GENERATED: legacy field names; lists as ints (current API) and as a space-separated string.
BODY = json.dumps({
    "meta": {"limit": 1000, "nextOffset": None, "pmids": "90000001,90000002"},
    "data": [
        {"pmid": 90000001, "doi": "10.99999/Synthetic.1", "year": 2021, "title": "Synthetic A",
         "journal": "J Synth Immunol", "citation_count": 2, "relative_citation_ratio": 1.25,
         "cited_by": [90000003, 90000004], "references": [90000005]},
        {"pmid": "90000002", "cited_by": "90000006 90000007", "references": None,
         "citation_count": None, "relative_citation_ratio": None},
    ],
})  # fmt: skip


def test_parse_pubs_reads_lists_counts_and_ids() -> None:
    first, second = parse_pubs(BODY, base_url="http://127.0.0.1:1/api")
    assert (first.pmid, first.cited_by, first.references) == (
        "90000001",
        ["90000003", "90000004"],
        ["90000005"],
    )
    assert (first.citation_count, first.relative_citation_ratio, first.year) == (2, 1.25, 2021)
    assert first.doi == "10.99999/synthetic.1"
    assert first.url == "http://127.0.0.1:1/api/pubs/90000001"
    assert (second.cited_by, second.references, second.citation_count) == (
        ["90000006", "90000007"],
        [],
        None,
    )


def test_new_field_names_are_understood() -> None:
    body = json.dumps(
        {"data": [{"pmid": 90000009, "citedByPmids": [90000001], "citedPmids": [90000002]}]}
    )
    (rec,) = parse_pubs(body)
    assert (rec.cited_by, rec.references) == (["90000001"], ["90000002"])


def test_work_record_uses_node_ids_for_references() -> None:
    work = to_work_record(parse_pubs(BODY)[0])
    assert (work.source, work.pmid, work.references, work.cited_by_count) == (
        "icite",
        "90000001",
        ["pmid:90000005"],
        2,
    )


def test_truncated_or_wrong_json_is_upstream_error() -> None:
    with pytest.raises(UpstreamError, match="truncated"):
        parse_pubs(BODY[:80])
    with pytest.raises(UpstreamError, match="no 'data'"):
        parse_pubs('{"meta": {}}')


def test_params_ask_only_for_needed_fields() -> None:
    params = pubs_params(["1", "2"])
    assert params["pmids"] == "1,2" and params["fl"].split(",") == list(FIELDS)


@pytest.mark.parametrize(
    ("status", "error"), [(429, RateLimitError), (404, NotFoundError), (502, UpstreamError)]
)
def test_status_mapping(status: int, error: type) -> None:
    resp = requests.Response()
    resp.status_code, resp._content, resp.reason = status, b"", "test"
    with pytest.raises(error) as info:
        _raise_for_status(resp, "90000001")
    assert str(info.value).startswith("NIH iCite (90000001): ")
