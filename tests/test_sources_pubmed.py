"""PubMed parsers on the real E-utilities samples, plus error mapping.

Inline bodies marked GENERATED are hand-written in the real formats for edge cases the samples
lack; they describe no real paper.
"""

from __future__ import annotations

import json

import pytest
import requests

from citegraph.sources import AuthError, NotFoundError, RateLimitError, UpstreamError
from citegraph.sources.pubmed import (
    _raise_for_status,
    elink_params,
    parse_efetch,
    parse_elink,
    parse_esearch,
    parse_xml,
)
from tests.conftest import require_samples


def _sample(name: str) -> bytes:
    return (require_samples() / "eutils" / name).read_bytes()


# ------------------------------------------------------------------- efetch on real samples


def test_efetch_pubmed1_two_articles() -> None:
    works = parse_efetch(_sample("biopython_pubmed1.xml"), base_url="https://e.example/eutils")
    assert [w.pmid for w in works] == ["12091962", "9997"]
    first, second = works
    assert first.title == "The treatment of AIDS behind the walls of correctional facilities."
    assert (first.journal, first.journal_abbrev) == (
        "Social justice (San Francisco, Calif.)",
        "Soc Justice",
    )
    assert (first.year, first.pub_date, first.volume, first.issue, first.pages) == (
        1990,
        "1990",
        "17",
        "1",
        "113-125",  # MedlinePgn "113-25", expanded
    )
    assert first.pub_types == ["Journal Article", "Review"]
    assert first.issn == ["1043-1578"]
    assert "Prisoners" in first.mesh and len(first.mesh) == 19
    assert first.keywords == ["Health Care and Public Health", "Legal Approach"]
    assert first.doi is None and first.references == []
    assert [(a.name, a.position, a.last_name, a.initials) for a in first.authors] == [
        ("J Michael Olivero", 1, "Olivero", "JM")
    ]
    assert first.source == "pubmed"
    assert first.url == "https://e.example/eutils/efetch.fcgi?db=pubmed&retmode=xml&id=12091962"
    assert second.doi == "10.1016/0005-2795(76)90109-4"
    assert second.pub_date == "1976-09-28"
    assert second.abstract.startswith("Electron paramagnetic resonance")


def test_efetch_pubmed2_authors_in_order() -> None:
    works = parse_efetch(_sample("biopython_pubmed2.xml"))
    assert [w.pmid for w in works] == ["11748933", "11700088"]
    assert [len(w.authors) for w in works] == [8, 6]
    assert [a.position for a in works[0].authors] == list(range(1, 9))
    assert works[0].doi == "10.1006/cryo.2001.2328"


def test_efetch_reference_list_orcid_affiliations_pmc() -> None:
    (work,) = parse_efetch(_sample("biopython_pubmed7_with_ReferenceList.xml"))
    assert work.pmid == "29963580"
    assert work.doi == "10.1117/1.jmi.5.2.026002"  # own id, not one from the ReferenceList
    assert work.pmcid == "PMC6022861"
    assert work.epub_date == "2018-06-28"
    assert len(work.references) == 49 - _refs_without_ids()
    assert work.references[:2] == ["pmid:25144646", "pmid:8028666"]
    assert all(r.startswith(("pmid:", "doi:")) for r in work.references)
    capaldi = work.authors[1]
    assert (capaldi.last_name, capaldi.orcid) == ("Capaldi", "0000-0002-4590-7461")
    assert len(work.authors[0].affiliations) == 3
    assert work.collective_author == "Canadian Respiratory Research Network"
    assert "Canadian Respiratory Research Network" not in [a.name for a in work.authors]


def _refs_without_ids() -> int:
    # Count references that carry neither a PMID nor a DOI straight from the sample.
    import xml.etree.ElementTree as ET

    root = ET.fromstring(_sample("biopython_pubmed7_with_ReferenceList.xml"))
    return sum(
        1
        for ref in root.iter("Reference")
        if not {a.get("IdType") for a in ref.iter("ArticleId")} & {"pubmed", "doi"}
    )


def test_efetch_of_pmc_articleset_yields_no_pubmed_records() -> None:
    assert parse_efetch(_sample("biopython_efetch_pmc.xml")) == []


# ------------------------------------------------------------------- esearch on real samples


@pytest.mark.parametrize(
    ("name", "count", "first"),
    [
        ("biopython_esearch1.xml", 20, "41282813"),
        ("biopython_esearch2.xml", 100, "41297076"),
        ("biopython_esearch3.xml", 6, "11121077"),
        ("biopython_esearch8.xml", 0, None),
        ("klortho2012_esearch.pubmed.xml", 100, "23175848"),
        ("klortho2012_esearch.pubmed.json", 100, "23175848"),
    ],
)
def test_esearch_samples(name: str, count: int, first: str | None) -> None:
    ids = parse_esearch(_sample(name))
    assert len(ids) == count
    assert (ids[0] if ids else None) == first


# --------------------------------------------------------------------- elink on real samples


def test_elink_2008_xml_keeps_scores() -> None:
    (linkset,) = parse_elink(_sample("biopython_2008_elink1_with_scores.xml"))
    assert linkset.ids == ["9298984"]
    similar = linkset.links["pubmed_pubmed"]
    assert len(similar) == 144
    assert similar[1] == ("8794856", 65259341.0)
    assert all(score is not None for _, score in similar)
    (other,) = parse_elink(_sample("biopython_2008_elink4_with_scores.xml"))
    assert other.ids == ["12242737"] and len(other.links["pubmed_pubmed"]) == 211


def test_elink_current_xml_all_link_names() -> None:
    (linkset,) = parse_elink(_sample("biopython_elink1.xml"))
    counts = {name: len(links) for name, links in linkset.links.items()}
    assert counts["pubmed_pubmed"] == 101
    assert counts["pubmed_pubmed_citedin"] == 39
    assert counts["pubmed_pubmed_refs"] == 56
    assert all(score is None for _, score in linkset.links["pubmed_pubmed_refs"])


def test_elink_merged_set_keeps_both_ids() -> None:
    (linkset,) = parse_elink(_sample("biopython_elink3.xml"))
    assert linkset.ids == ["11812492", "11774222"]
    assert len(linkset.links["pubmed_pubmed"]) == 284


@pytest.mark.parametrize("name", ["biopython_elink7.xml", "biopython_elink8.xml"])
def test_elink_check_answers_have_no_links(name: str) -> None:
    assert all(not ls.links for ls in parse_elink(_sample(name)))


def test_elink_json_sample_bare_string_links() -> None:
    (linkset,) = parse_elink(_sample("pubtrends_elink_pubmed_gds.json"))
    assert linkset.ids == ["33763704"]
    assert linkset.links["pubmed_gds"][0] == ("200165870", None)
    assert len(linkset.links["pubmed_gds"]) == 4


def test_elink_json_neighbor_score_objects() -> None:
    # GENERATED: the documented neighbor_score JSON shape, two ids (one link set each).
    body = json.dumps({"linksets": [
        {"dbfrom": "pubmed", "ids": ["11"], "linksetdbs": [{"dbto": "pubmed",
         "linkname": "pubmed_pubmed", "links": [{"id": "11", "score": 99}, {"id": "12", "score": 5}]}]},
        {"dbfrom": "pubmed", "ids": ["13"]},
    ]})  # fmt: skip
    sets = parse_elink(body)
    assert [s.ids for s in sets] == [["11"], ["13"]]
    assert sets[0].links["pubmed_pubmed"] == [("11", 99.0), ("12", 5.0)]
    assert sets[1].links == {}


# ------------------------------------------------------------------------- errors and safety


def test_error_element_is_upstream_error() -> None:
    body = "<eFetchResult><ERROR>Cannot retrieve history data: OUT OF RANGE</ERROR></eFetchResult>"
    with pytest.raises(UpstreamError, match="OUT OF RANGE"):
        parse_efetch(body)


def test_json_error_key_is_upstream_error() -> None:
    with pytest.raises(UpstreamError, match="Invalid uid"):
        parse_elink('{"ERROR": "Invalid uid 0 at position=0"}')
    with pytest.raises(UpstreamError, match="Search Backend failed"):
        parse_esearch('{"esearchresult": {"ERROR": "Search Backend failed"}}')


def test_truncated_bodies_are_upstream_errors() -> None:
    with pytest.raises(UpstreamError, match="malformed or truncated XML"):
        parse_efetch(_sample("biopython_pubmed1.xml")[:3000])
    with pytest.raises(UpstreamError, match="malformed or truncated JSON"):
        parse_elink('{"linksets": [{"ids": ["1"')


def test_entity_declarations_are_refused() -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(UpstreamError, match="entities"):
        parse_xml(bomb)


def test_elink_params_repeat_id_and_ask_for_scores() -> None:
    params = elink_params(["1", "2", "3"], "pubmed_pubmed")
    assert [v for k, v in params if k == "id"] == ["1", "2", "3"]
    assert ("cmd", "neighbor_score") in params
    assert ("cmd", "neighbor") in elink_params(["1"], "pubmed_pubmed_citedin")


def _response(status: int, body: str) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = body.encode()
    resp.reason = "test"
    return resp


@pytest.mark.parametrize(
    ("status", "body", "error", "words"),
    [
        (429, '{"error":"API rate limit exceeded","count":"11"}', RateLimitError, "NCBI_API_KEY"),
        (
            400,
            '{"error":"API key invalid","api-key":"abc","type":"invalid"}',
            AuthError,
            "NCBI_API_KEY",
        ),
        (404, "", NotFoundError, "Check the id"),
        (
            500,
            "<eFetchResult><ERROR>Backend down</ERROR></eFetchResult>",
            UpstreamError,
            "Backend down",
        ),
        (503, "", UpstreamError, "Try again later"),
    ],
)
def test_status_mapping(status: int, body: str, error: type, words: str) -> None:
    with pytest.raises(error) as info:
        _raise_for_status(_response(status, body), "40603629")
    assert words in str(info.value)
    assert info.value.service == "pubmed" and info.value.ident == "40603629"
    assert str(info.value).startswith("PubMed E-utilities (40603629): ")


def test_book_chapters_are_read_too() -> None:
    """GeneReviews/StatPearls chapters come as PubmedBookArticle (hand-written test XML)."""
    xml = (
        "<PubmedArticleSet><PubmedBookArticle><BookDocument><PMID>900000301</PMID>"
        "<Book><Publisher><PublisherName>Test Press</PublisherName></Publisher>"
        "<BookTitle>Test Reviews</BookTitle><PubDate><Year>2021</Year></PubDate></Book>"
        "<ArticleTitle>A test chapter</ArticleTitle><AuthorList><Author><LastName>Lee</LastName>"
        "<ForeName>Ann</ForeName></Author></AuthorList></BookDocument>"
        "<PubmedBookData><ArticleIdList><ArticleId IdType='doi'>10.5555/BOOK.1</ArticleId>"
        "</ArticleIdList></PubmedBookData></PubmedBookArticle></PubmedArticleSet>"
    )
    (work,) = parse_efetch(xml)
    assert (work.pmid, work.title, work.journal, work.year) == (
        "900000301",
        "A test chapter",
        "Test Reviews",
        2021,
    )
    assert work.doi == "10.5555/book.1" and [a.last_name for a in work.authors] == ["Lee"]
