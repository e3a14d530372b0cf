"""PubMed E-utilities: resolve ids (esearch), metadata (efetch XML), links (elink).

Three layers: parameter builders (``*_params``), parsers (``parse_*``: raw text → records or
plain dicts, no I/O) and `PubMedClient`, which batches ids (≤ 200 per request, POST above the
GET threshold) and maps every failure to a `citegraph.sources.SourceError`.

ELink is always called with one repeated ``id=`` parameter per PMID, so NCBI returns one link
set per paper ("one-to-one" links, NBK25499) rather than one merged set.
"""

from __future__ import annotations

import json
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from citegraph.http import DEFAULT_BASE_URLS
from citegraph.ids import normalize_doi, normalize_orcid, normalize_pmcid, normalize_pmid
from citegraph.model import AuthorRecord, LinkRecord, WorkRecord
from citegraph.sources import (
    AuthError,
    NotFoundError,
    RateLimitError,
    UpstreamError,
    batched,
    unique,
    wait_hint,
)
from citegraph.sources.base import Result, SourceClient, batch_label, id_kind, missing_id
from citegraph.text import element_text

SERVICE = "pubmed"
#: NCBI: "if more than about 200 UIDs are to be provided, the request should be made using POST".
BATCH_SIZE = 200
POST_ABOVE = 200
#: Keep GET URLs well below the lengths proxies reject.
MAX_GET_URL = 4000

LINK_SIMILAR = "pubmed_pubmed"
LINK_CITEDIN = "pubmed_pubmed_citedin"
LINK_REFS = "pubmed_pubmed_refs"

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}  # fmt: skip
#: CommentsCorrections RefType that is a reference list entry rather than an editorial relation.
REF_CITES = "Cites"
#: Relations that mean this record itself was retracted (NLM: "Retracted Publication").
RETRACTED_BY = ("RetractionIn", "RetractedandRepublishedIn")
RETRACTED_PUB_TYPE = "Retracted Publication"


# --------------------------------------------------------------------------- parameter builders


def esearch_params(term: str, *, retmax: int = 20) -> dict[str, str]:
    """Query parameters of an ESearch over PubMed (JSON).

    Examples
    --------
    >>> esearch_params("10.1038/x[doi]", retmax=2)
    {'db': 'pubmed', 'term': '10.1038/x[doi]', 'retmax': '2', 'retmode': 'json'}
    """
    return {"db": "pubmed", "term": term, "retmax": str(retmax), "retmode": "json"}


def efetch_params(pmids: list[str]) -> dict[str, str]:
    """Parameters of an EFetch for PubMed records (XML is the only full format).

    Examples
    --------
    >>> efetch_params(["1", "2"])
    {'db': 'pubmed', 'retmode': 'xml', 'id': '1,2'}
    """
    return {"db": "pubmed", "retmode": "xml", "id": ",".join(pmids)}


def elink_params(pmids: list[str], linkname: str | None) -> list[tuple[str, str]]:
    """Parameters of an ELink PubMed→PubMed with one repeated ``id=`` per PMID.

    Similar articles use ``cmd=neighbor_score`` so that scores come back. ``linkname=None``
    asks for every PubMed→PubMed link set (``cmd=neighbor``) in one answer.

    Examples
    --------
    >>> elink_params(["1", "2"], "pubmed_pubmed_refs")  # doctest: +NORMALIZE_WHITESPACE
    [('dbfrom', 'pubmed'), ('db', 'pubmed'), ('linkname', 'pubmed_pubmed_refs'),
     ('cmd', 'neighbor'), ('retmode', 'json'), ('id', '1'), ('id', '2')]
    """
    cmd = "neighbor_score" if linkname == LINK_SIMILAR else "neighbor"
    params = [("dbfrom", "pubmed"), ("db", "pubmed")]
    if linkname:
        params.append(("linkname", linkname))
    params += [("cmd", cmd), ("retmode", "json")]
    params.extend(("id", pmid) for pmid in pmids)
    return params


# --------------------------------------------------------------------------------- parsers


@dataclass
class LinkSet:
    """One ELink link set: the PMIDs asked about and, per link name, the linked ids and scores."""

    ids: list[str]
    links: dict[str, list[tuple[str, float | None]]] = field(default_factory=dict)


def parse_xml(text: str | bytes) -> ET.Element:
    """Parse E-utilities XML safely; raise `UpstreamError` on entity declarations or bad XML.

    Python's expat (≥ 2.4.1) already defuses entity-expansion bombs and ElementTree never
    fetches external entities or DTDs; an internal ``<!ENTITY`` has no business in an
    E-utilities answer, so it is refused outright.

    Examples
    --------
    >>> parse_xml("<eSearchResult><Count>0</Count></eSearchResult>").tag
    'eSearchResult'
    """
    data = text.encode() if isinstance(text, str) else text
    if b"<!ENTITY" in data:
        raise UpstreamError("the XML answer declares entities; refusing to parse it.",
                            service=SERVICE)  # fmt: skip
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise UpstreamError(
            f"malformed or truncated XML ({exc}). Try again; if it persists, NCBI may be "
            "having problems.",
            service=SERVICE,
        ) from None


def _check_xml_error(root: ET.Element, ident: str | None = None) -> None:
    errors = [(e.text or "").strip() for e in root.iter("ERROR")]
    errors = [e for e in errors if e]
    if errors:
        raise UpstreamError(f"NCBI reported an error: {errors[0]}", service=SERVICE, ident=ident)


def _load_json(text: str | bytes, ident: str | None = None) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, TypeError) as exc:
        raise UpstreamError(
            f"malformed or truncated JSON ({exc}). Try again later.", service=SERVICE, ident=ident
        ) from None
    if not isinstance(data, dict):
        raise UpstreamError("unexpected JSON (not an object).", service=SERVICE, ident=ident)
    return data


def parse_esearch(text: str | bytes) -> list[str]:
    """PMIDs from an ESearch answer, JSON or XML. "Not found" phrases give an empty list;
    an ``ERROR`` is an `UpstreamError`.

    Examples
    --------
    >>> parse_esearch('{"esearchresult": {"count": "1", "idlist": ["40603629"]}}')
    ['40603629']
    >>> parse_esearch("<eSearchResult><Count>0</Count><IdList/></eSearchResult>")
    []
    """
    stripped = text.lstrip()[:1] if isinstance(text, str) else text.lstrip()[:1].decode()
    if stripped == "<":
        root = parse_xml(text)
        _check_xml_error(root)
        id_list = root.find("IdList")
        return [i.text.strip() for i in id_list.iter("Id") if i.text] if id_list is not None else []
    data = _load_json(text)
    result = data.get("esearchresult") or {}
    error = data.get("ERROR") or data.get("error") or result.get("ERROR")
    if error:
        raise UpstreamError(f"NCBI reported an error: {error}", service=SERVICE)
    return [str(i) for i in result.get("idlist") or []]


def parse_elink(text: str | bytes) -> list[LinkSet]:
    """Link sets from an ELink answer: JSON (what the client asks for) or XML (older answers,
    including 2008-era ``<Score>`` elements). Scores are floats or None.

    Examples
    --------
    >>> body = ('{"linksets": [{"dbfrom": "pubmed", "ids": ["1"], "linksetdbs": [{"dbto": '
    ...         '"pubmed", "linkname": "pubmed_pubmed", "links": [{"id": "2", "score": 9}]}]}]}')
    >>> parse_elink(body)
    [LinkSet(ids=['1'], links={'pubmed_pubmed': [('2', 9.0)]})]
    """
    head = text.lstrip()[:1] if isinstance(text, str) else text.lstrip()[:1].decode()
    if head == "<":
        return _parse_elink_xml(parse_xml(text))
    data = _load_json(text)
    if data.get("ERROR") or data.get("error"):
        raise UpstreamError(f"NCBI reported an error: {data.get('ERROR') or data.get('error')}",
                            service=SERVICE)  # fmt: skip
    sets = []
    for raw in data.get("linksets") or []:
        if raw.get("ERROR"):
            raise UpstreamError(f"NCBI reported an error: {raw['ERROR']}", service=SERVICE)
        linkset = LinkSet(ids=[str(i) for i in raw.get("ids") or []])
        for db in raw.get("linksetdbs") or []:
            name = db.get("linkname") or f"{raw.get('dbfrom', '')}_{db.get('dbto', '')}"
            out = linkset.links.setdefault(name, [])
            for link in db.get("links") or []:
                if isinstance(link, dict):
                    score = link.get("score")
                    out.append((str(link.get("id")), float(score) if score is not None else None))
                else:
                    out.append((str(link), None))
        sets.append(linkset)
    return sets


def _parse_elink_xml(root: ET.Element) -> list[LinkSet]:
    _check_xml_error(root)
    sets = []
    for raw in root.iter("LinkSet"):
        id_list = raw.find("IdList")
        ids = [i.text.strip() for i in id_list.iter("Id") if i.text] if id_list is not None else []
        linkset = LinkSet(ids=ids)
        for db in raw.findall("LinkSetDb"):
            name = (db.findtext("LinkName") or "").strip() or (db.findtext("DbTo") or "").strip()
            out = linkset.links.setdefault(name, [])
            for link in db.findall("Link"):
                pmid = (link.findtext("Id") or "").strip()
                score = link.findtext("Score")
                if pmid:
                    out.append((pmid, float(score) if score and score.strip() else None))
        sets.append(linkset)
    return sets


def parse_efetch(
    text: str | bytes, *, base_url: str = DEFAULT_BASE_URLS[SERVICE]
) -> list[WorkRecord]:
    """`WorkRecord`s from an EFetch PubmedArticleSet (``<ERROR>`` → `UpstreamError`).

    Fields: PMID, title, journal (full and ISO), ISSNs, year, dates (``MedlineDate`` and
    ``Season`` too), volume/issue, pages (abbreviated ranges expanded, see
    `expand_page_range`), DOI, PMCID, publication types, abstract (structured sections as
    ``Label: text`` lines), authors (affiliations, ORCID, suffix), collective author, MeSH,
    keywords, ``references`` from ``<ReferenceList>`` and from ``CommentsCorrections
    RefType="Cites"`` (``pmid:N``, else ``doi:…``), every other CommentsCorrections as a
    ``relations`` entry ``{"type", "id", "note"}``, and ``is_retracted`` (publication type
    "Retracted Publication" or a RetractionIn relation). Titles, abstracts and collective names
    are clean Unicode text (`citegraph.text.clean_markup`).

    Examples
    --------
    >>> xml = ('<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>7</PMID><Article>'
    ...        '<ArticleTitle>A <i>title</i>.</ArticleTitle></Article></MedlineCitation>'
    ...        '</PubmedArticle></PubmedArticleSet>')
    >>> [(w.pmid, w.title) for w in parse_efetch(xml)]
    [('7', 'A title.')]
    """
    root = parse_xml(text)
    _check_xml_error(root)
    base = base_url.rstrip("/")
    works = [_parse_article(a, base) for a in root.iter("PubmedArticle")]
    # Books and chapters (GeneReviews, StatPearls) are often among citing or similar articles.
    works += [_parse_book(b, base) for b in root.iter("PubmedBookArticle")]
    return works


def _text(elem: ET.Element | None) -> str | None:
    if elem is None:
        return None
    value = re.sub(r"\s+", " ", "".join(elem.itertext())).strip()
    return value or None


def _parse_article(article: ET.Element, base: str) -> WorkRecord:
    citation = article.find("MedlineCitation")
    data = article.find("PubmedData")
    art = citation.find("Article") if citation is not None else None
    pmid = normalize_pmid(_text(citation.find("PMID"))) if citation is not None else None
    work = WorkRecord(source=SERVICE, pmid=pmid)
    work.url = f"{base}/efetch.fcgi?db=pubmed&retmode=xml&id={pmid}" if pmid else None
    if citation is not None:
        work.issn_l = _text(citation.find("MedlineJournalInfo/ISSNLinking"))
    if art is not None:
        work.title = element_text(art.find("ArticleTitle")) or element_text(
            art.find("VernacularTitle")
        )
        journal = art.find("Journal")
        if journal is not None:
            work.journal = _text(journal.find("Title"))
            work.journal_abbrev = _text(journal.find("ISOAbbreviation"))
            work.issn = unique(_text(i) for i in journal.findall("ISSN"))
            issue = journal.find("JournalIssue")
            if issue is not None:
                work.volume = _text(issue.find("Volume"))
                work.issue = _text(issue.find("Issue"))
                work.pub_date, work.year = _parse_date(issue.find("PubDate"))
        work.pages = expand_page_range(_text(art.find("Pagination/MedlinePgn"))) or _pages(
            art.find("Pagination")
        )
        for date in art.findall("ArticleDate"):
            if date.get("DateType", "Electronic") == "Electronic":
                work.epub_date, year = _parse_date(date)
                work.year = work.year or year
        work.pub_types = unique(
            _text(t) for t in art.findall("PublicationTypeList/PublicationType")
        )
        work.abstract = _abstract(art.find("Abstract"))
        for eloc in art.findall("ELocationID"):
            if eloc.get("EIdType") == "doi" and not work.doi:
                work.doi = normalize_doi(_text(eloc))
        work.authors, work.collective_author = _authors(art.find("AuthorList"))
    if citation is not None:
        cites, work.relations = _comments_corrections(citation)
        work.mesh = unique(
            _text(d) for d in citation.findall("MeshHeadingList/MeshHeading/DescriptorName")
        )
        work.keywords = unique(element_text(k) for k in citation.findall("KeywordList/Keyword"))
    if data is not None:
        # Only PubmedData's own ArticleIdList names this paper; the ones inside ReferenceList
        # name the cited papers.
        for aid in data.findall("ArticleIdList/ArticleId"):
            kind, value = aid.get("IdType"), _text(aid)
            if kind == "doi" and normalize_doi(value):
                work.doi = normalize_doi(value)
            elif kind == "pmc" and normalize_pmcid(value):
                work.pmcid = normalize_pmcid(value)
        work.references = unique(_reference_id(r) for r in data.iter("Reference"))
        if work.year is None:
            for date in data.findall("History/PubMedPubDate"):
                if date.get("PubStatus") in ("pubmed", "entrez"):
                    work.year = _parse_date(date)[1]
                    break
    if citation is not None:
        # Some records list their references only as CommentsCorrections "Cites" (valid in the
        # 2025 DTD); others have both, so the union keeps ReferenceList's order first.
        work.references = unique([*work.references, *cites])
    work.is_retracted = RETRACTED_PUB_TYPE in work.pub_types or any(
        r["type"] in RETRACTED_BY for r in work.relations
    )
    return work


def _parse_book(article: ET.Element, base: str) -> WorkRecord:
    """A ``PubmedBookArticle``: the chapter (or book) with its book as the container."""
    doc = article.find("BookDocument")
    doc = doc if doc is not None else ET.Element("BookDocument")
    pmid = normalize_pmid(_text(doc.find("PMID")))
    book = doc.find("Book")
    work = WorkRecord(source=SERVICE, pmid=pmid)
    work.url = f"{base}/efetch.fcgi?db=pubmed&retmode=xml&id={pmid}" if pmid else None
    book_title = element_text(book.find("BookTitle")) if book is not None else None
    work.title = element_text(doc.find("ArticleTitle")) or book_title
    work.journal = (
        book_title if work.title != book_title else _text(doc.find("Book/Publisher/PublisherName"))
    )
    if book is not None:
        work.pub_date, work.year = _parse_date(book.find("PubDate"))
    work.pub_types = unique(_text(t) for t in doc.findall("PublicationType")) or ["Book"]
    work.abstract = _abstract(doc.find("Abstract"))
    work.authors, work.collective_author = _authors(doc.find("AuthorList"))
    for aid in [*doc.findall("ArticleIdList/ArticleId"),
                *article.findall("PubmedBookData/ArticleIdList/ArticleId")]:  # fmt: skip
        kind, value = aid.get("IdType"), _text(aid)
        if kind == "doi" and normalize_doi(value) and not work.doi:
            work.doi = normalize_doi(value)
    return work


def _reference_id(ref: ET.Element) -> str | None:
    ids = {aid.get("IdType"): _text(aid) for aid in ref.findall("ArticleIdList/ArticleId")}
    pmid = normalize_pmid(ids.get("pubmed"))
    if pmid:
        return f"pmid:{pmid}"
    doi = normalize_doi(ids.get("doi")) or _doi_in(_text(ref.find("Citation")))
    return f"doi:{doi}" if doi else None


def _doi_in(citation: str | None) -> str | None:
    """A DOI written out in a citation string ("… 2010;1:2. doi: 10.1/x."), else None."""
    match = re.search(r"\bdoi:?\s*(10\.\d{4,9}/\S+)", citation or "", re.IGNORECASE)
    return normalize_doi(match.group(1)) if match else None


def _comments_corrections(citation: ET.Element) -> tuple[list[str], list[dict[str, str]]]:
    """(reference ids from RefType "Cites", relations from every other RefType)."""
    cites: list[str] = []
    relations: list[dict[str, str]] = []
    for item in citation.findall("CommentsCorrectionsList/CommentsCorrections"):
        kind = (item.get("RefType") or "").strip()
        source = element_text(item.find("RefSource")) or ""
        pmid = normalize_pmid(_text(item.find("PMID")))
        if kind == REF_CITES:
            doi = None if pmid else _doi_in(source)
            ident = f"pmid:{pmid}" if pmid else f"doi:{doi}" if doi else None
            if ident:
                cites.append(ident)
            continue
        if not kind:
            continue
        note = "; ".join(t for t in (source, element_text(item.find("Note"))) if t)
        relation = {"type": kind, "id": f"pmid:{pmid}" if pmid else "", "note": note}
        if relation not in relations:
            relations.append(relation)
    return unique(cites), relations


def _authors(author_list: ET.Element | None) -> tuple[list[AuthorRecord], str | None]:
    authors: list[AuthorRecord] = []
    collective = None
    if author_list is None:
        return authors, None
    for author in author_list.findall("Author"):
        if author.get("ValidYN", "Y") == "N":
            continue  # an erratum-corrected name PubMed keeps only for the record
        group = element_text(author.find("CollectiveName"))
        if group:
            collective = collective or group
            continue
        last, fore = _text(author.find("LastName")), _text(author.find("ForeName"))
        name = " ".join(p for p in (fore, last) if p) or None
        if not name:
            continue
        orcid = None
        for ident in author.findall("Identifier"):
            if (ident.get("Source") or "").upper() == "ORCID":
                orcid = normalize_orcid(_text(ident))
        authors.append(AuthorRecord(
            name=name, position=len(authors) + 1, last_name=last, fore_name=fore,
            initials=_text(author.find("Initials")), suffix=_text(author.find("Suffix")),
            orcid=orcid,
            affiliations=unique(_text(a) for a in author.findall("AffiliationInfo/Affiliation")),
        ))  # fmt: skip
    return authors, collective


def _abstract(abstract: ET.Element | None) -> str | None:
    if abstract is None:
        return None
    parts = []
    for section in abstract.findall("AbstractText"):
        body = element_text(section)
        if body:
            label = section.get("Label")
            parts.append(f"{label}: {body}" if label else body)
    return "\n".join(parts) or None


def _pages(pagination: ET.Element | None) -> str | None:
    if pagination is None:
        return None
    start, end = _text(pagination.find("StartPage")), _text(pagination.find("EndPage"))
    return f"{start}-{end}" if start and end else start


def expand_page_range(pages: str | None) -> str | None:
    """Expand MEDLINE's abbreviated page range (``MedlinePgn``) to full page numbers.

    MEDLINE drops the leading digits the last page shares with the first ("113-25"); a letter
    prefix is repeated ("S12-5" → "S12-S15"). Anything that is not one simple range (lists,
    Roman numerals, ranges whose expansion would end before they start) comes back unchanged.

    Parameters
    ----------
    pages
        A ``MedlinePgn`` value; None and "" give None.

    Returns
    -------
    str or None
        The expanded range, or the text unchanged.

    Examples
    --------
    >>> [expand_page_range(p) for p in ("113-25", "1234-6", "e123", "S12-5", "R1-R10")]
    ['113-125', '1234-1236', 'e123', 'S12-S15', 'R1-R10']
    >>> [expand_page_range(p) for p in ("179-91", "99-101", "125-13", "1-5, 10-2", "iii-x")]
    ['179-191', '99-101', '125-13', '1-5, 10-2', 'iii-x']
    """
    if pages is None:
        return None
    text = pages.strip()
    match = re.fullmatch(r"([A-Za-z]*)(\d+)\s*[-\u2013]\s*([A-Za-z]*)(\d+)", text)
    if not match:
        return text or None
    prefix, start, end_prefix, end = match.groups()
    if end_prefix and end_prefix != prefix:
        return text
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    if int(end) < int(start):
        return text
    return f"{prefix}{start}-{prefix}{end}"


def _parse_date(date: ET.Element | None) -> tuple[str | None, int | None]:
    """(ISO-ish date string as precise as given, year) from a PubDate/ArticleDate element.

    ``MedlineDate`` ("1998 Dec-1999 Jan", "2000 Dec 23-30", "2000 Spring") gives the first
    year, month and day it names; a ``Season`` is not a month, so it leaves just the year.
    """
    if date is None:
        return None, None
    year = _text(date.find("Year"))
    if not year:
        return _medline_date(_text(date.find("MedlineDate")))
    parts = [year]
    month = _month(_text(date.find("Month")))
    if month:
        parts.append(f"{month:02d}")
        day = _text(date.find("Day"))
        if day and day.isdigit():
            parts.append(f"{int(day):02d}")
    return "-".join(parts), int(year) if year.isdigit() else None


def _medline_date(text: str | None) -> tuple[str | None, int | None]:
    match = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", text or "")
    if not match:
        return None, None
    year = match.group(1)
    rest = re.match(r"\s+([A-Za-z]{3,})\.?(?:\s+(\d{1,2})\b)?", text[match.end() :])
    month = _month(rest.group(1)) if rest and rest.group(1)[:3].lower() in _MONTHS else None
    if not month:
        return year, int(year)
    day = int(rest.group(2)) if rest.group(2) else None
    if day and 1 <= day <= 31:
        return f"{year}-{month:02d}-{day:02d}", int(year)
    return f"{year}-{month:02d}", int(year)


def _month(text: str | None) -> int | None:
    if not text:
        return None
    if text.isdigit():
        value = int(text)
        return value if 1 <= value <= 12 else None
    return _MONTHS.get(text[:3].lower())


# ---------------------------------------------------------------------------------- client


class PubMedClient(SourceClient):
    """PubMed E-utilities as a `citegraph.sources.base.Source`: search, metadata and
    PubMed→PubMed links, batched (≤ 200 ids a request, POST above that) and cached.

    Parameters
    ----------
    session
        A session from `citegraph.http.make_session` (it carries the keys: ``tool``, ``email``,
        ``api_key``); made here when None, with ``api_key``/``email``/``offline``.
    base_url
        Overrides ``$CITEGRAPH_PUBMED_URL`` and the real E-utilities base.

    ``requests_made`` counts real (non-cache) requests.

    Examples
    --------
    >>> PubMedClient.link_kinds, PubMedClient.max_batch["fetch_works"]
    (('references', 'cited_by', 'similar'), 200)
    """

    name = SERVICE
    label = "PubMed"
    resolve_kinds = ("pmid", "doi", "pmcid", "title")
    id_kinds = ("pmid",)
    link_kinds = ("references", "cited_by", "similar")
    max_batch = {"resolve": 1, "fetch_works": BATCH_SIZE, "references": BATCH_SIZE,
                 "cited_by": BATCH_SIZE, "similar": BATCH_SIZE}  # fmt: skip
    batch_size = BATCH_SIZE
    post_above = POST_ABOVE

    def __init__(self, session: requests.Session | None = None, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        # elink answers references and cited-in in one call: keep the last answer for the other.
        self._both: tuple[tuple[str, ...], dict[str, dict[str, list[Any]]]] | None = None
        # A crawl asks for references and cited-by from two threads at once: one asks, the
        # other waits for that answer instead of sending the same request.
        self._both_lock = threading.Lock()

    # -- the source contract

    def resolve(self, ids: Sequence[str]) -> Result:
        """PMIDs for ``pmid:`` (as given, no request), ``doi:``, ``pmcid:`` and ``title:`` ids."""
        out = Result()
        for ident in (str(i) for i in ids):
            kind, value = id_kind(ident), ident.partition(":")[2]
            if kind == "pmid" and normalize_pmid(value):
                found: str | None = normalize_pmid(value)
            elif kind == "doi":
                found = self.resolve_doi(value)
            elif kind == "pmcid":
                found = self.resolve_pmcid(value)
            elif kind == "title":
                hits = self.search(f"{value}[title]", retmax=1)
                found = hits[0] if hits else None
            else:
                out.missing.append(missing_id(ident, SERVICE, "PubMed cannot look up this kind "
                                              "of id; give a PMID, DOI, PMCID or title"))  # fmt: skip
                continue
            if found:
                out.ids[ident] = f"pmid:{found}"
            else:
                out.missing.append(missing_id(ident, SERVICE,
                                              "PubMed has no record for this identifier"))  # fmt: skip
        return out

    def fetch_works(self, ids: Sequence[str]) -> Result:
        """Works for ``pmid:`` ids (efetch XML, with ReferenceList references)."""
        asked = {normalize_pmid(str(i).removeprefix("pmid:")): str(i) for i in _as_list(ids)}
        asked.pop(None, None)
        works = self.fetch_records(list(asked))
        out = Result(works=works)
        got = {w.pmid for w in works}
        out.missing = [
            missing_id(
                ident,
                SERVICE,
                "PubMed has no record of this PMID",
                query=f"efetch.fcgi?db=pubmed&id={pmid}",
            )  # fmt: skip
            for pmid, ident in asked.items()
            if pmid not in got
        ]
        return out

    def fetch_links(self, kind: str, ids: Sequence[str], *, limit: int | None = None) -> Result:
        """ELink links: ``references`` (pubmed_pubmed_refs), ``cited_by`` (citedin, the newest
        ``limit`` PMIDs) and ``similar`` (neighbour scores, the best ``limit``)."""
        pmids = _clean_pmids(str(i).removeprefix("pmid:") for i in _as_list(ids))
        out = Result()
        if kind == "similar":
            for pmid, items in self.similar(pmids).items():
                out.links.extend(
                    LinkRecord(
                        f"pmid:{pmid}",
                        f"pmid:{other}",
                        "similar",
                        SERVICE,
                        "elink:pubmed_pubmed",
                        score,
                    )  # fmt: skip
                    for other, score in items[:limit]
                )
            return out
        if kind not in ("references", "cited_by"):
            raise ValueError(f"PubMed answers {', '.join(self.link_kinds)} links, not {kind!r}")
        key = tuple(pmids)
        with self._both_lock:
            if self._both is None or self._both[0] != key:
                self._both = (key, self._elink(pmids, [LINK_CITEDIN, LINK_REFS], ask=None))
            both = self._both[1]
        if kind == "references":
            for pmid, items in both[LINK_REFS].items():
                out.links.extend(
                    LinkRecord(
                        f"pmid:{pmid}",
                        f"pmid:{other}",
                        "references",
                        SERVICE,
                        "elink:pubmed_pubmed_refs",
                    )  # fmt: skip
                    for other, _ in items
                )
            return out
        for pmid, items in both[LINK_CITEDIN].items():
            citers = sorted({other for other, _ in items}, key=int, reverse=True)
            if limit is not None and len(citers) > limit:
                out.missing.append(_capped(f"pmid:{pmid}", len(citers), limit))
                citers = citers[:limit]
            out.links.extend(
                LinkRecord(
                    f"pmid:{other}",
                    f"pmid:{pmid}",
                    "references",
                    SERVICE,
                    "elink:pubmed_pubmed_citedin",
                )  # fmt: skip
                for other in citers
            )
        return out

    # -- ids

    def search(self, term: str, *, retmax: int = 20) -> list[str]:
        """PMIDs matching an ESearch ``term`` (at most ``retmax``)."""
        resp = self._call("GET", "esearch.fcgi", esearch_params(term, retmax=retmax), ident=term)
        return self._parse(resp, parse_esearch, term)

    def resolve_doi(self, doi: str) -> str | None:
        """The PMID of a DOI, or None when PubMed has no (or no unique) record for it."""
        value = normalize_doi(doi)
        if not value:
            return None
        hits = self.search(f'"{value}"[doi]', retmax=2)
        return hits[0] if len(hits) == 1 else None

    def resolve_pmcid(self, pmcid: str) -> str | None:
        """The PMID of a PMCID, or None."""
        value = normalize_pmcid(pmcid)
        if not value:
            return None
        hits = self.search(f"{value}[pmcid]", retmax=2)
        return hits[0] if len(hits) == 1 else None

    # -- metadata

    def fetch_records(self, pmids: Iterable[str]) -> list[WorkRecord]:
        """Records for the PMIDs, in the order NCBI returns them; unknown PMIDs are left out."""
        ids = _clean_pmids(pmids)
        works: list[WorkRecord] = []
        for batch in batched(ids, self.batch_size):
            params = efetch_params(batch)
            method = "POST" if self._needs_post(batch, params) else "GET"
            ident = batch_label(batch, "PMIDs")
            resp = self._call(method, "efetch.fcgi", params, ident=ident)
            works.extend(
                self._parse(resp, lambda t: parse_efetch(t, base_url=self.base_url), ident)
            )
        return works

    # -- links

    def similar(self, pmids: Iterable[str]) -> dict[str, list[tuple[str, float | None]]]:
        """Similar articles per PMID with NCBI's neighbour scores, best first, self excluded."""
        links = self.links(pmids, LINK_SIMILAR)
        return {
            pmid: sorted(
                [(t, s) for t, s in targets if t != pmid],
                key=lambda ts: -(ts[1] if ts[1] is not None else float("-inf")),
            )
            for pmid, targets in links.items()
        }

    def cited_in(self, pmids: Iterable[str]) -> dict[str, list[str]]:
        """PMIDs of articles citing each PMID (PMC-deposited citations only)."""
        return {p: [t for t, _ in ts] for p, ts in self.links(pmids, LINK_CITEDIN).items()}

    def refs(self, pmids: Iterable[str]) -> dict[str, list[str]]:
        """PMIDs each PMID cites (where the reference list was deposited)."""
        return {p: [t for t, _ in ts] for p, ts in self.links(pmids, LINK_REFS).items()}

    def all_links(self, pmids: Iterable[str]) -> dict[str, dict[str, list[Any]]]:
        """Similar articles, cited-in and references in two requests per batch instead of three.

        ``cmd=neighbor_score`` (scores) for similar articles, then one ``cmd=neighbor`` call
        without a ``linkname``, which returns every PubMed→PubMed link set at once.
        Returns ``{"similar": …, "cited_in": …, "refs": …}`` shaped like the single methods.
        """
        ids = _clean_pmids(pmids)
        both = self._elink(ids, [LINK_CITEDIN, LINK_REFS], ask=None)
        return {
            "similar": self.similar(ids),
            "cited_in": {p: [t for t, _ in ts] for p, ts in both[LINK_CITEDIN].items()},
            "refs": {p: [t for t, _ in ts] for p, ts in both[LINK_REFS].items()},
        }

    def links(
        self, pmids: Iterable[str], linkname: str
    ) -> dict[str, list[tuple[str, float | None]]]:
        """One ELink link name for every PMID: ``{pmid: [(linked_pmid, score), ...]}``.

        Every PMID asked about is a key (an empty list when NCBI has no links for it).
        """
        return self._elink(_clean_pmids(pmids), [linkname], ask=linkname)[linkname]

    def _elink(
        self, ids: list[str], names: list[str], *, ask: str | None
    ) -> dict[str, dict[str, list[tuple[str, float | None]]]]:
        out: dict[str, dict[str, list[tuple[str, float | None]]]] = {
            name: {p: [] for p in ids} for name in names
        }
        for batch in batched(ids, self.batch_size):
            params = elink_params(batch, ask)
            method = "POST" if self._needs_post(batch, params) else "GET"
            ident = batch_label(batch, "PMIDs")
            resp = self._call(method, "elink.fcgi", params, ident=ident)
            for linkset in self._parse(resp, parse_elink, ident):
                if len(linkset.ids) != 1:
                    continue  # a merged set cannot be attributed to one paper
                source = linkset.ids[0]
                for name in names:
                    have = out[name].setdefault(source, [])
                    seen = {t for t, _ in have}
                    have.extend((t, s) for t, s in linkset.links.get(name, []) if t not in seen)
        return out

    # -- plumbing

    def _needs_post(self, batch: list[str], params: Any) -> bool:
        if len(batch) > self.post_above:
            return True
        return (
            len(requests.Request("GET", self.base_url, params=params).prepare().url) > MAX_GET_URL
        )

    def _call(
        self, method: str, endpoint: str, params: Any, *, ident: str | None
    ) -> requests.Response:
        pairs = list(params.items()) if isinstance(params, dict) else list(params)
        if method == "POST":
            # The ids go in the form body; the keys stay in the query (added by the session's
            # auth, redacted by the cache).
            return self._send("POST", f"/{endpoint}", data=pairs, ident=ident)
        return self._send("GET", f"/{endpoint}", params=pairs, ident=ident)

    def _check_status(self, resp: requests.Response, ident: str | None) -> None:
        _raise_for_status(resp, ident)


def _capped(ident: str, total: int, kept: int) -> dict[str, str]:
    return missing_id(
        ident, SERVICE,
        f"cited by {total} works; the {kept} newest are kept (max per kind). Raise the cap to "
        "fetch more.",
    )  # fmt: skip


def _as_list(values: Iterable[str] | str) -> list[str]:
    return [values] if isinstance(values, str) else list(values)


def _clean_pmids(pmids: Iterable[str]) -> list[str]:
    if isinstance(pmids, str):
        pmids = [pmids]
    return unique(normalize_pmid(p) for p in pmids)


def _raise_for_status(resp: requests.Response, ident: str | None) -> None:
    status = resp.status_code
    if status < 400:
        return
    body = resp.text[:500] if resp.content else ""
    message = _json_error(body)
    if status == 429:
        raise RateLimitError(
            "rate limited: NCBI rate limit exceeded even after retrying (HTTP 429). Wait a "
            "minute, or set NCBI_API_KEY (10 requests/s instead of 3).",
            service=SERVICE, ident=ident, retry_after=wait_hint(resp),
        )  # fmt: skip
    if "api key" in (message or body).lower() and status in (400, 401, 403):
        raise AuthError(
            "NCBI refused the API key. Check NCBI_API_KEY (keys are invalidated when a new one "
            "is made) or unset it to use the keyless 3 requests/s.",
            service=SERVICE, ident=ident,
        )  # fmt: skip
    if status == 404:
        raise NotFoundError("not found (HTTP 404). Check the id and the PubMed base URL.",
                            service=SERVICE, ident=ident)  # fmt: skip
    detail = message or _xml_error(body) or resp.reason or ""
    what = "server error" if status >= 500 else "refused"
    raise UpstreamError(
        f"{what} (" + f"HTTP {status} {detail}".strip() + ")"
        + (" even after retrying" if status >= 500 else "")
        + ". Try again later; if it persists, check NCBI's status.",
        service=SERVICE, ident=ident, retry_after=wait_hint(resp),
    )  # fmt: skip


def _json_error(body: str) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, dict):
        return str(data.get("error") or data.get("ERROR") or "") or None
    return None


def _xml_error(body: str) -> str | None:
    match = re.search(r"<ERROR>(.*?)</ERROR>", body, re.S)
    return match.group(1).strip()[:200] if match else None
