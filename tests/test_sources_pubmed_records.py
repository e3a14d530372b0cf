"""PubMed records read faithfully: every real efetch sample compared field by field, and
hand-made snippets for what the samples lack (CommentsCorrections, MedlineDate, Season, page
ranges, inline markup, MathML, retraction).

Expected values for the real samples were written out after reading the XML files in
``../shared/data/api-samples/eutils/``. Snippets marked HAND-MADE are written in the 2025 DTD's
shape by hand; their ids and text describe no real paper.
"""

from __future__ import annotations

from typing import Any

import pytest

from citegraph.model import WorkRecord
from citegraph.sources.pubmed import expand_page_range, parse_efetch
from tests.conftest import require_samples

BASE = "https://e.example/eutils"
FIELDS = (
    "source", "pmid", "doi", "pmcid", "openalex_id", "title", "journal", "journal_abbrev",
    "issn", "year", "pub_date", "epub_date", "volume", "issue", "pages", "pub_types",
    "keywords", "cited_by_count", "collective_author", "url", "related", "cited_by",
    "relations", "is_retracted",
)  # fmt: skip


def _sample(name: str) -> bytes:
    return (require_samples() / "eutils" / name).read_bytes()


def _fields(work: WorkRecord) -> dict[str, Any]:
    return {name: getattr(work, name) for name in FIELDS}


def _url(pmid: str) -> str:
    return f"{BASE}/efetch.fcgi?db=pubmed&retmode=xml&id={pmid}"


# ------------------------------------------------------------ real samples, field by field

EXPECTED = {
    "12091962": {
        "source": "pubmed", "pmid": "12091962", "doi": None, "pmcid": None, "openalex_id": None,
        "title": "The treatment of AIDS behind the walls of correctional facilities.",
        "journal": "Social justice (San Francisco, Calif.)", "journal_abbrev": "Soc Justice",
        "issn": ["1043-1578"], "year": 1990,
        # <PubDate><Year>1990</Year><Season>Spring</Season>: a season is not a month.
        "pub_date": "1990", "epub_date": None, "volume": "17", "issue": "1",
        "pages": "113-125",  # MedlinePgn "113-25"; StartPage 113, EndPage 125
        "pub_types": ["Journal Article", "Review"],
        "keywords": ["Health Care and Public Health", "Legal Approach"],
        "cited_by_count": None, "collective_author": None, "url": _url("12091962"),
        "related": [], "cited_by": [], "relations": [], "is_retracted": False,
    },
    "9997": {
        "source": "pubmed", "pmid": "9997", "doi": "10.1016/0005-2795(76)90109-4", "pmcid": None,
        "openalex_id": None,
        "title": "Magnetic studies of Chromatium flavocytochrome C552. A mechanism for "
        "heme-flavin interaction.",
        "journal": "Biochimica et biophysica acta", "journal_abbrev": "Biochim Biophys Acta",
        "issn": ["0006-3002"], "year": 1976, "pub_date": "1976-09-28", "epub_date": None,
        "volume": "446", "issue": "1", "pages": "179-191", "pub_types": ["Journal Article"],
        "keywords": [], "cited_by_count": None, "collective_author": None, "url": _url("9997"),
        "related": [], "cited_by": [], "relations": [], "is_retracted": False,
    },
    "11748933": {
        "source": "pubmed", "pmid": "11748933", "doi": "10.1006/cryo.2001.2328", "pmcid": None,
        "openalex_id": None,
        "title": "Is cryopreservation a homogeneous process? Ultrastructure and motility of "
        "untreated, prefreezing, and postthawed spermatozoa of Diplodus puntazzo (Cetti).",
        "journal": "Cryobiology", "journal_abbrev": "Cryobiology", "issn": ["0011-2240"],
        "year": 2001, "pub_date": "2001-06", "epub_date": None, "volume": "42", "issue": "4",
        "pages": "244-255", "pub_types": ["Journal Article", "Research Support, Non-U.S. Gov't"],
        "keywords": [], "cited_by_count": None, "collective_author": None,
        "url": _url("11748933"), "related": [], "cited_by": [], "relations": [],
        "is_retracted": False,
    },
    "11700088": {
        "source": "pubmed", "pmid": "11700088", "doi": "10.1006/jmre.2001.2429", "pmcid": None,
        "openalex_id": None,
        "title": "Proton MRI of (13)C distribution by J and chemical shift editing.",
        "journal": "Journal of magnetic resonance (San Diego, Calif. : 1997)",
        "journal_abbrev": "J Magn Reson", "issn": ["1090-7807"], "year": 2001,
        "pub_date": "2001-11", "epub_date": None, "volume": "153", "issue": "1",
        "pages": "117-123", "pub_types": ["Journal Article"], "keywords": [],
        "cited_by_count": None, "collective_author": None, "url": _url("11700088"),
        "related": [], "cited_by": [], "relations": [], "is_retracted": False,
    },
    "29963580": {
        "source": "pubmed", "pmid": "29963580", "doi": "10.1117/1.jmi.5.2.026002",
        "pmcid": "PMC6022861", "openalex_id": None,
        "title": "Development of a pulmonary imaging biomarker pipeline for phenotyping of "
        "chronic lung disease.",
        "journal": "Journal of medical imaging (Bellingham, Wash.)",
        "journal_abbrev": "J Med Imaging (Bellingham)", "issn": ["2329-4302"], "year": 2018,
        "pub_date": "2018-04", "epub_date": "2018-06-28", "volume": "5", "issue": "2",
        "pages": "026002", "pub_types": ["Journal Article"],
        "keywords": ["asthma", "chronic obstructive lung disease", "image processing, biomarkers",
                     "magnetic resonance imaging", "thoracic computed tomography"],
        "cited_by_count": None, "collective_author": "Canadian Respiratory Research Network",
        "url": _url("29963580"), "related": [], "cited_by": [], "relations": [],
        "is_retracted": False,
    },
}  # fmt: skip

#: (abstract start, abstract end, length, MeSH count, first MeSH) per PMID, read off the XML.
ABSTRACTS = {
    "12091962": None,
    "9997": ("Electron paramagnetic resonance and magnetic susceptibility studies",
             "indicating the existence of a mechanism for heme-flavin interaction.", 676, 13,
             "Binding Sites"),
    "11748933": ("This study subdivides the cryopreservation procedure",
                 "to better understand the process of sperm damage.", 1834, 11, "Animals"),
    "11700088": ("The sensitivity of (13)C NMR imaging can be considerably favored",
                 "glucose and lactic and glutamic acid in water.", 1167, 0, None),
    "29963580": ("We designed and generated pulmonary imaging biomarker pipelines",
                 "for point-of-care and high-throughput research.", 1467, 0, None),
}  # fmt: skip

#: (name, position, last, fore, initials, suffix, orcid, number of affiliations) per PMID.
AUTHORS = {
    "12091962": [("J Michael Olivero", 1, "Olivero", "J Michael", "JM", None, None, 0)],
    "9997": [("T C Strekas", 1, "Strekas", "T C", "TC", None, None, 0)],
    "11748933": [
        ("A R Taddei", 1, "Taddei", "A R", "AR", None, None, 1),
        ("F Barbato", 2, "Barbato", "F", "F", None, None, 0),
        ("L Abelli", 3, "Abelli", "L", "L", None, None, 0),
        ("S Canese", 4, "Canese", "S", "S", None, None, 0),
        ("F Moretti", 5, "Moretti", "F", "F", None, None, 0),
        ("K J Rana", 6, "Rana", "K J", "KJ", None, None, 0),
        ("A M Fausto", 7, "Fausto", "A M", "AM", None, None, 0),
        ("M Mazzini", 8, "Mazzini", "M", "M", None, None, 0),
    ],
    "11700088": [
        ("C Casieri", 1, "Casieri", "C", "C", None, None, 1),
        ("C Testa", 2, "Testa", "C", "C", None, None, 0),
        ("G Carpinelli", 3, "Carpinelli", "G", "G", None, None, 0),
        ("R Canese", 4, "Canese", "R", "R", None, None, 0),
        ("F Podo", 5, "Podo", "F", "F", None, None, 0),
        ("F De Luca", 6, "De Luca", "F", "F", None, None, 0),
    ],
    "29963580": [
        ("Fumin Guo", 1, "Guo", "Fumin", "F", None, None, 3),
        ("Dante Capaldi", 2, "Capaldi", "Dante", "D", None, "0000-0002-4590-7461", 2),
        ("Miranda Kirby", 3, "Kirby", "Miranda", "M", None, None, 1),
        ("Khadija Sheikh", 4, "Sheikh", "Khadija", "K", None, None, 1),
        ("Sarah Svenningsen", 5, "Svenningsen", "Sarah", "S", None, None, 1),
        ("David G McCormack", 6, "McCormack", "David G", "DG", None, None, 1),
        ("Aaron Fenster", 7, "Fenster", "Aaron", "A", None, "0000-0003-3525-2788", 3),
        ("Grace Parraga", 8, "Parraga", "Grace", "G", None, None, 3),
    ],
}


@pytest.fixture(scope="module")
def sample_works() -> dict[str, WorkRecord]:
    works = []
    for name in ("biopython_pubmed1.xml", "biopython_pubmed2.xml",
                 "biopython_pubmed7_with_ReferenceList.xml"):  # fmt: skip
        works += parse_efetch(_sample(name), base_url=BASE)
    return {w.pmid: w for w in works}


def test_every_efetch_sample_article_is_read(sample_works: dict[str, WorkRecord]) -> None:
    assert sorted(sample_works) == sorted(EXPECTED)


@pytest.mark.parametrize("pmid", sorted(EXPECTED))
def test_sample_fields(sample_works: dict[str, WorkRecord], pmid: str) -> None:
    assert _fields(sample_works[pmid]) == EXPECTED[pmid]


@pytest.mark.parametrize("pmid", sorted(EXPECTED))
def test_sample_abstract_and_mesh(sample_works: dict[str, WorkRecord], pmid: str) -> None:
    work = sample_works[pmid]
    if ABSTRACTS[pmid] is None:
        assert (
            work.abstract is None
            and len(work.mesh) == 19
            and work.mesh[0] == ("AIDS Serodiagnosis")
        )
        return
    start, end, length, n_mesh, first_mesh = ABSTRACTS[pmid]
    assert work.abstract.startswith(start) and work.abstract.endswith(end)
    assert len(work.abstract) == length
    assert "<" not in work.abstract.replace("P < 0.0", "")  # only the real "P < 0.01" stays
    assert len(work.mesh) == n_mesh and (work.mesh[0] if work.mesh else None) == first_mesh


@pytest.mark.parametrize("pmid", sorted(EXPECTED))
def test_sample_authors(sample_works: dict[str, WorkRecord], pmid: str) -> None:
    got = [
        (a.name, a.position, a.last_name, a.fore_name, a.initials, a.suffix, a.orcid,
         len(a.affiliations))
        for a in sample_works[pmid].authors
    ]  # fmt: skip
    assert got == AUTHORS[pmid]


def test_sample_entities_and_less_than_are_text(sample_works: dict[str, WorkRecord]) -> None:
    taddei = sample_works["11748933"]
    assert "(P < 0.001)" in taddei.abstract  # "P &lt; 0.001" in the XML
    assert taddei.authors[0].affiliations == [
        "Dipartimento di Scienze Ambientali, Università degli Studi della Tuscia, "
        "01100 Viterbo, Italy."
    ]


def test_sample_mathml_abstract_is_unicode(sample_works: dict[str, WorkRecord]) -> None:
    abstract = sample_works["29963580"].abstract
    # <mml:mmultiscripts> with prescripts 3 / 129 / 1 → ³He, ¹²⁹Xe, ¹H.
    assert "(1) inhaled ³He/¹²⁹Xe MRI ventilation and apparent diffusion coefficients" in abstract
    assert "(3) ultrashort echo-time ¹H MRI proton density measurements" in abstract
    assert "free-breathing ¹H MRI specific ventilation" in abstract


def test_sample_reference_list(sample_works: dict[str, WorkRecord]) -> None:
    refs = sample_works["29963580"].references
    assert len(refs) == 49  # 49 <Reference>, each with a pubmed ArticleId
    assert refs[:3] == ["pmid:25144646", "pmid:8028666", "pmid:19585597"]
    assert refs[-1] == "pmid:18216052"
    for pmid in ("12091962", "9997", "11748933", "11700088"):
        assert sample_works[pmid].references == []


def test_samples_agree_with_biopython() -> None:
    entrez = pytest.importorskip("Bio.Entrez")
    for name in ("biopython_pubmed1.xml", "biopython_pubmed2.xml",
                 "biopython_pubmed7_with_ReferenceList.xml"):  # fmt: skip
        path = require_samples() / "eutils" / name
        with path.open("rb") as handle:
            records = entrez.read(handle)["PubmedArticle"]
        ours = parse_efetch(path.read_bytes())
        assert [str(r["MedlineCitation"]["PMID"]) for r in records] == [w.pmid for w in ours]
        for record, work in zip(records, ours, strict=True):
            article = record["MedlineCitation"]["Article"]
            pgn = article["Pagination"]["MedlinePgn"]
            assert work.pages == expand_page_range(str(pgn))
            lists = record["PubmedData"].get("ReferenceList") or []
            assert sum(len(rl.get("Reference", [])) for rl in lists) == len(work.references)
            plain = str(article["ArticleTitle"])
            assert work.title == plain  # the samples' titles have no markup


# ------------------------------------------------------------------ hand-made snippets


def _article(
    *,
    title: str = "HAND-MADE title.",
    pub_date: str = "<Year>2020</Year>",
    pagination: str = "<Pagination><MedlinePgn>1-2</MedlinePgn></Pagination>",
    abstract: str = "",
    authors: str = "",
    pub_types: str = "<PublicationType UI='D016428'>Journal Article</PublicationType>",
    comments: str = "",
    pubmed_data: str = "",
    pmid: str = "90000001",
) -> bytes:
    """One HAND-MADE PubmedArticle in the pubmed_250101 shape (no real paper)."""
    return f"""<?xml version="1.0"?>
<PubmedArticleSet><PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">
<PMID Version="1">{pmid}</PMID>
<Article PubModel="Print"><Journal><ISSN IssnType="Print">0000-0000</ISSN>
<JournalIssue CitedMedium="Print"><Volume>1</Volume><PubDate>{pub_date}</PubDate></JournalIssue>
<Title>HAND-MADE Journal</Title></Journal>
<ArticleTitle>{title}</ArticleTitle>{pagination}{abstract}
<AuthorList CompleteYN="Y">{authors}</AuthorList><Language>eng</Language>
<PublicationTypeList>{pub_types}</PublicationTypeList></Article>
<MedlineJournalInfo><Country>X</Country></MedlineJournalInfo>
{comments}
</MedlineCitation><PubmedData><PublicationStatus>ppublish</PublicationStatus>
<ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId></ArticleIdList>{pubmed_data}
</PubmedData></PubmedArticle></PubmedArticleSet>""".encode()


def _one(**kwargs: str) -> WorkRecord:
    (work,) = parse_efetch(_article(**kwargs))
    return work


# HAND-MADE: three "Cites" entries (one without PMID but with a DOI in its RefSource), one
# RetractionIn, one ErratumIn without PMID, one CommentIn with a Note.
COMMENTS = """<CommentsCorrectionsList>
<CommentsCorrections RefType="Cites"><RefSource>J Hand. 2001;1:1-2</RefSource>
<PMID Version="1">11111111</PMID></CommentsCorrections>
<CommentsCorrections RefType="Cites"><RefSource>J Hand. 2002;2:3-4</RefSource>
<PMID Version="1">22222222</PMID></CommentsCorrections>
<CommentsCorrections RefType="Cites"><RefSource>J Made. 2003;3:5. doi: 10.9999/hand.made.3.
</RefSource></CommentsCorrections>
<CommentsCorrections RefType="RetractionIn"><RefSource>J Hand. 2024;9:99</RefSource>
<PMID Version="1">33333333</PMID></CommentsCorrections>
<CommentsCorrections RefType="ErratumIn"><RefSource>J Hand. 2021;5:7</RefSource>
</CommentsCorrections>
<CommentsCorrections RefType="CommentIn"><RefSource>J Made. 2022;6:8</RefSource>
<PMID Version="1">44444444</PMID><Note>HAND-MADE note</Note></CommentsCorrections>
</CommentsCorrectionsList>"""


def test_comments_corrections_cites_are_references() -> None:
    work = _one(comments=COMMENTS)
    assert work.references == ["pmid:11111111", "pmid:22222222", "doi:10.9999/hand.made.3"]


def test_comments_corrections_other_types_are_relations_and_retraction() -> None:
    work = _one(comments=COMMENTS)
    assert work.relations == [
        {"type": "RetractionIn", "id": "pmid:33333333", "note": "J Hand. 2024;9:99"},
        {"type": "ErratumIn", "id": "", "note": "J Hand. 2021;5:7"},
        {"type": "CommentIn", "id": "pmid:44444444", "note": "J Made. 2022;6:8; HAND-MADE note"},
    ]
    assert work.is_retracted is True


def test_reference_list_and_cites_are_united_without_duplicates() -> None:
    refs = """<ReferenceList><Reference><Citation>HAND-MADE ref</Citation><ArticleIdList>
    <ArticleId IdType="pubmed">22222222</ArticleId></ArticleIdList></Reference>
    <Reference><Citation>HAND-MADE ref two. doi: 10.9999/hand.ref.2</Citation></Reference>
    </ReferenceList>"""
    work = _one(comments=COMMENTS, pubmed_data=refs)
    assert work.references == [
        "pmid:22222222", "doi:10.9999/hand.ref.2", "pmid:11111111", "doi:10.9999/hand.made.3",
    ]  # fmt: skip


def test_retracted_publication_type_marks_retraction() -> None:
    types = ("<PublicationType UI='D016428'>Journal Article</PublicationType>"
             "<PublicationType UI='D016441'>Retracted Publication</PublicationType>")  # fmt: skip
    assert _one(pub_types=types).is_retracted is True
    notice = "<PublicationType UI='D016440'>Retraction of Publication</PublicationType>"
    comments = """<CommentsCorrectionsList><CommentsCorrections RefType="RetractionOf">
    <RefSource>J Hand. 2020;1:1</RefSource><PMID Version="1">55555555</PMID>
    </CommentsCorrections></CommentsCorrectionsList>"""
    # The retraction notice itself is not retracted.
    assert _one(pub_types=notice, comments=comments).is_retracted is False


@pytest.mark.parametrize(
    ("pub_date", "expected"),
    [
        ("<MedlineDate>1998 Dec-1999 Jan</MedlineDate>", ("1998-12", 1998)),
        ("<MedlineDate>2000 Spring</MedlineDate>", ("2000", 2000)),
        ("<MedlineDate>2000 Spring-Summer</MedlineDate>", ("2000", 2000)),
        ("<MedlineDate>2000 Dec 23-30</MedlineDate>", ("2000-12-23", 2000)),
        ("<MedlineDate>1975-1976</MedlineDate>", ("1975", 1975)),
        ("<MedlineDate>2001 Nov-Dec</MedlineDate>", ("2001-11", 2001)),
        ("<Year>1990</Year><Season>Winter</Season>", ("1990", 1990)),
        ("<Year>2019</Year><Month>Feb</Month><Day>3</Day>", ("2019-02-03", 2019)),
    ],
)
def test_pub_dates(pub_date: str, expected: tuple[str, int]) -> None:
    work = _one(pub_date=pub_date)
    assert (work.pub_date, work.year) == expected


@pytest.mark.parametrize(
    ("pgn", "expected"),
    [
        ("113-25", "113-125"),
        ("1234-6", "1234-1236"),
        ("e123", "e123"),
        ("S12-5", "S12-S15"),
        ("R1-R10", "R1-R10"),
        ("12-5", "12-15"),
        ("1-5, 10-2", "1-5, 10-2"),
        ("xii-xv", "xii-xv"),
        ("125-13", "125-13"),
        ("e1001234", "e1001234"),
    ],
)
def test_page_ranges(pgn: str, expected: str) -> None:
    pagination = f"<Pagination><MedlinePgn>{pgn}</MedlinePgn></Pagination>"
    assert _one(pagination=pagination).pages == expected


def test_start_and_end_page_without_medline_pgn() -> None:
    pagination = "<Pagination><StartPage>7</StartPage><EndPage>19</EndPage></Pagination>"
    assert _one(pagination=pagination).pages == "7-19"


def test_inline_markup_in_title_and_structured_abstract() -> None:
    title = ("CD4<sup>+</sup> T cells, CO<sub>2</sub> and <i>in vivo</i> Ca<sup>2+</sup> "
             "with <b>bold</b>, <u>under</u> &amp; 10<sup>−3</sup>.")  # fmt: skip
    abstract = """<Abstract><AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">IL-2
    <i>in   vitro</i>.</AbstractText><AbstractText Label="RESULTS">P &lt; 0.05 for
    <mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML"><mml:msup><mml:mi>x</mml:mi>
    <mml:mn>2</mml:mn></mml:msup></mml:math>.</AbstractText></Abstract>"""
    work = _one(title=title, abstract=abstract)
    assert work.title == "CD4⁺ T cells, CO₂ and in vivo Ca²⁺ with bold, under & 10⁻³."
    assert work.abstract == "BACKGROUND: IL-2 in vitro.\nRESULTS: P < 0.05 for x²."


def test_collective_name_and_suffix() -> None:
    authors = """<Author ValidYN="Y"><LastName>Handmade</LastName><ForeName>Ann</ForeName>
    <Initials>A</Initials><Suffix>Jr</Suffix></Author>
    <Author ValidYN="Y"><CollectiveName>HAND-MADE <i>Study</i> Group</CollectiveName></Author>"""
    work = _one(authors=authors)
    assert [(a.name, a.suffix) for a in work.authors] == [("Ann Handmade", "Jr")]
    assert work.collective_author == "HAND-MADE Study Group"


def test_expand_page_range_none_and_blank() -> None:
    assert expand_page_range(None) is None and expand_page_range("  ") is None
