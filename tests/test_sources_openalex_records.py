"""OpenAlex (and iCite) records read faithfully: every real OpenAlex sample compared field by
field, plus hand-made bodies for markup in titles and the retraction flag.

Expected values for the real samples were written out after reading the JSON files in
``../shared/data/api-samples/openalex/``. Bodies marked HAND-MADE describe no real paper.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from citegraph.model import WorkRecord
from citegraph.sources.icite import parse_pubs, to_work_record
from citegraph.sources.openalex import parse_list, parse_single, parse_work
from tests.conftest import require_samples

FIELDS = (
    "source", "pmid", "doi", "pmcid", "openalex_id", "title", "journal", "journal_abbrev",
    "issn", "year", "pub_date", "epub_date", "volume", "issue", "pages", "pub_types", "mesh",
    "cited_by_count", "collective_author", "cited_by", "relations", "is_retracted",
)  # fmt: skip


def _fields(work: WorkRecord) -> dict[str, Any]:
    return {name: getattr(work, name) for name in FIELDS}


def _base(**values: Any) -> dict[str, Any]:
    out = {
        "source": "openalex", "pmid": None, "doi": None, "pmcid": None, "journal_abbrev": None,
        "epub_date": None, "pub_types": ["article"], "mesh": [], "collective_author": None,
        "cited_by": [], "relations": [], "is_retracted": False,
    }  # fmt: skip
    out.update(values)
    return out


EXPECTED = {
    "W2741809807": _base(
        pmid="29456894", doi="10.7717/peerj.4375", pmcid="PMC5815332",
        openalex_id="W2741809807",
        title="The state of OA: a large-scale analysis of the prevalence and impact of Open "
        "Access articles",
        journal="PeerJ", issn=["2167-8359"], year=2018, pub_date="2018-02-13", volume="6",
        issue=None, pages="e4375", cited_by_count=962,
    ),
    "W2600965442": _base(
        openalex_id="W2600965442",
        title="Patriotism as criterion of changes of transition political process: problems "
        "on the way to information society",
        journal="Бизнес. Общество. Власть", issn=[], year=2015, pub_date="2015-01-01",
        volume=None, issue="22", pages="15-27", cited_by_count=0,
    ),
    "W2042435470": _base(
        openalex_id="W2042435470",
        title="Survey of Cultural Resources for William Perlman's Proposed Southern Ute No. "
        "20-1B Well Site, Southern Ute Reservation, Colorado",
        journal=None, issn=[], year=1982, pub_date="1982-01-01", volume=None, issue=None,
        pages=None, cited_by_count=0,
    ),
    "W2497229624": _base(
        doi="10.5580/1cbc", openalex_id="W2497229624",
        title="Skin Glue Improves Outcome after Excision and Primary Closure of Sacrococcygeal "
        "Pilonidal Disease",
        journal="The Internet Journal of Surgery", issn=["1528-8242"], year=2009,
        pub_date="2009-01-01", volume="20", issue="1", pages=None, cited_by_count=0,
    ),
    "W7120675484": _base(
        openalex_id="W7120675484",
        title="A função retórica da lei para os limites da tolerância",
        journal="LA Referencia (Red Federada de Repositorios Institucionales de Publicaciones "
        "Científicas)",
        issn=[], year=2013, pub_date="2013-06-10", volume=None, issue=None, pages=None,
        cited_by_count=0,
    ),
    "W2117049431": _base(
        doi="10.1016/j.landusepol.2004.08.009", openalex_id="W2117049431",
        title="ELECTRE III as a support for participatory decision-making on the localisation "
        "of waste-treatment plants",
        journal="Land Use Policy", issn=["0264-8377", "1873-5754"], year=2004,
        pub_date="2004-12-12", volume="23", issue="1", pages="76-85", cited_by_count=106,
    ),
}  # fmt: skip

#: (references, related, authors, keywords, abstract start or None) read off the JSON.
COUNTS = {
    "W2741809807": (45, 10, 9, 4, "Despite growing interest in Open Access (OA)"),
    "W2600965442": (0, 20, 2, 11, None),
    "W2042435470": (0, 0, 2, 6, None),
    "W2497229624": (0, 10, 0, 7, "Evaluating the effect of Histoacryl"),
    "W7120675484": (0, 0, 1, 9, "Thinking of the discussions about the legal effects"),
    "W2117049431": (34, 10, 1, 23, None),
}

#: (name, position, orcid, openalex id, institutions, is_corresponding) of the list sample.
LIST_AUTHORS = {
    "W2600965442": [("Беспалов Дмитрий Николаевич", 1, None, "A5061498750", 1, False),
                    ("Казаков Михаил Анатольевич", 2, None, "A5008571861", 0, False)],
    "W2042435470": [("Jamie A. Karlson", 1, None, "A5019636629", 0, False),
                    ("Robert W. Biggs", 2, None, "A5037324256", 0, False)],
    "W2497229624": [],
    "W7120675484": [("João Maurício Adeodato", 1, None, "A5122438040", 0, True)],
    "W2117049431": [("Maria Franca Norese", 1, "0000-0001-7317-8107", "A5082396023", 1, True)],
}  # fmt: skip


def _sample(name: str) -> bytes:
    return (require_samples() / "openalex" / name).read_bytes()


@pytest.fixture(scope="module")
def sample_works() -> dict[str, WorkRecord]:
    single = parse_single(_sample("openalex_work_W2741809807.json"))
    listed, meta = parse_list(_sample("openalex_list_works_sample5_2026-07-23.json"))
    assert meta["count"] == 5 and len(listed) == 5
    return {w.openalex_id: w for w in [single, *listed]}


def test_every_sample_work_is_read(sample_works: dict[str, WorkRecord]) -> None:
    assert sorted(sample_works) == sorted(EXPECTED)


@pytest.mark.parametrize("wid", sorted(EXPECTED))
def test_sample_fields(sample_works: dict[str, WorkRecord], wid: str) -> None:
    assert _fields(sample_works[wid]) == EXPECTED[wid]


@pytest.mark.parametrize("wid", sorted(EXPECTED))
def test_sample_lists_and_abstract(sample_works: dict[str, WorkRecord], wid: str) -> None:
    work = sample_works[wid]
    n_refs, n_related, n_authors, n_keywords, abstract = COUNTS[wid]
    assert (len(work.references), len(work.related), len(work.authors), len(work.keywords)) == (
        n_refs, n_related, n_authors, n_keywords,
    )  # fmt: skip
    assert all(r.startswith("W") for r in work.references + work.related)
    if abstract is None:
        assert work.abstract is None
    else:
        assert work.abstract.startswith(abstract) and "<" not in work.abstract


@pytest.mark.parametrize("wid", sorted(LIST_AUTHORS))
def test_list_sample_authors(sample_works: dict[str, WorkRecord], wid: str) -> None:
    got = [(a.name, a.position, a.orcid, a.openalex_id, len(a.institutions), a.is_corresponding)
           for a in sample_works[wid].authors]  # fmt: skip
    assert got == LIST_AUTHORS[wid]


def test_single_sample_authors(sample_works: dict[str, WorkRecord]) -> None:
    authors = sample_works["W2741809807"].authors
    assert [a.name for a in authors] == [
        "Heather Piwowar", "Jason Priem", "Vincent Larivière", "Juan Pablo Alperín",
        "Lisa Matthias", "Bree Norlander", "Ashley Farley", "Jevin D. West", "Stefanie Haustein",
    ]  # fmt: skip
    assert authors[0].orcid == "0000-0003-1613-5981"
    assert authors[0].institutions[0].ror == "https://ror.org/05ppvf150"
    assert [len(a.affiliations) for a in authors] == [1, 1, 2, 2, 1, 2, 2, 1, 2]


def test_sample_is_retracted_matches_json(sample_works: dict[str, WorkRecord]) -> None:
    raw = [json.loads(_sample("openalex_work_W2741809807.json"))]
    raw += json.loads(_sample("openalex_list_works_sample5_2026-07-23.json"))["results"]
    for item in raw:
        wid = item["id"].rsplit("/", 1)[-1]
        assert sample_works[wid].is_retracted is item["is_retracted"]


# ------------------------------------------------------------------------------- HAND-MADE


def test_retracted_flag_and_markup_title() -> None:
    work = parse_work({
        "id": "https://openalex.org/W900000001", "is_retracted": True,
        "display_name": "HAND-MADE: CD4<sup>+</sup> <i>T</i> cells &amp; CO<sub>2</sub>",
        "title": "HAND-MADE: CD4<sup>+</sup> <i>T</i> cells &amp; CO<sub>2</sub>",
    })  # fmt: skip
    assert work.is_retracted is True
    assert work.title == "HAND-MADE: CD4⁺ T cells & CO₂"


def test_missing_retraction_flag_is_unknown_and_title_falls_back() -> None:
    work = parse_work({"id": "W900000002", "title": "HAND-MADE <b>bold</b> title"})
    assert work.is_retracted is None
    assert work.title == "HAND-MADE bold title"


def test_icite_titles_are_clean() -> None:
    body = json.dumps({"data": [{
        "pmid": 90000003, "title": "HAND-MADE <i>In vivo</i> Ca<sup>2+</sup> &amp; IL-2",
    }]})  # fmt: skip
    (record,) = parse_pubs(body)
    assert record.title == "HAND-MADE In vivo Ca²⁺ & IL-2"
    assert to_work_record(record).title == "HAND-MADE In vivo Ca²⁺ & IL-2"
