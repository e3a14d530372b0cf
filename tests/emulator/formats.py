"""Render corpus works in the real response formats of PubMed E-utilities, iCite and OpenAlex.

Pure functions: a `CorpusIndex` and some works in, text or JSON-ready dicts out. The shapes
copy the real samples in ``../shared/data/api-samples/`` (PubmedArticleSet XML as in
``biopython_pubmed7_with_ReferenceList.xml``, elink JSON as in ``pubtrends_elink_pubmed_gds.json``,
OpenAlex Work objects as in ``openalex_work_W2741809807.json``), so a parser that reads the real
samples reads these too.

Example
-------
>>> from tests.emulator.corpus import CorpusIndex, generate_corpus
>>> index = CorpusIndex(generate_corpus())
>>> xml = efetch_xml(index, [index.works[index.seed_key]])
>>> xml.startswith('<?xml version="1.0" ?>') and "<PubmedArticleSet>" in xml
True
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from tests.emulator.corpus import CorpusIndex
from tests.emulator.variety import _SEASONS, GROUP_OPENALEX_ID, _medline_date, affiliation_variant

_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_PUBTYPE_UI = {
    "Journal Article": "D016428",
    "Review": "D016454",
    "Retracted Publication": "D016441",
    "Retraction of Publication": "D016440",
    "Published Erratum": "D016425",
    "Comment": "D016420",
    "Letter": "D016422",
}
#: OpenAlex cuts ``authorships`` at this many in list answers (singletons have all).
OPENALEX_LIST_MAX_AUTHORS = 100

EFETCH_HEADER = (
    '<?xml version="1.0" ?>\n'
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)


def _e(text: object) -> str:
    return escape(str(text))


def _date_parts(work: dict[str, Any]) -> tuple[str, str, str]:
    year, month, day = work["pub_date"].split("-")
    return year, month, day


def _citation_text(index: CorpusIndex, work: dict[str, Any]) -> str:
    journal = index.journals[work["journal"]]
    year, month, _ = _date_parts(work)
    return (
        f"{journal['iso_abbrev']}. {year} {_MONTHS[int(month) - 1]};"
        f"{work['volume']}({work['issue']}):{work['pages']}"
    )


# --------------------------------------------------------------------------- PubMed efetch
def pubmed_article_xml(index: CorpusIndex, work: dict[str, Any]) -> str:
    """One ``<PubmedArticle>`` element for a work that has a PMID."""
    journal = index.journals[work["journal"]]
    year, month, day = _date_parts(work)
    pmid = work["pmid"]
    first, last = work["pages"].split("-")
    date_style = work.get("pubmed_date_style", "date")
    if date_style == "medline_date":
        pub_date = f"<MedlineDate>{_medline_date(int(year), int(month))}</MedlineDate>"
    elif date_style == "season":
        pub_date = f"<Year>{year}</Year><Season>{_SEASONS[int(month)]}</Season>"
    else:
        pub_date = f"<Year>{year}</Year><Month>{_MONTHS[int(month) - 1]}</Month>"
    medline_pgn = work.get("medline_pgn", work["pages"])
    if medline_pgn != work["pages"]:
        # Older MEDLINE records carry only the abbreviated range ("113-25").
        pagination = f"<Pagination><MedlinePgn>{medline_pgn}</MedlinePgn></Pagination>"
    else:
        pagination = (
            f"<Pagination><StartPage>{first}</StartPage><EndPage>{last}</EndPage>"
            f"<MedlinePgn>{medline_pgn}</MedlinePgn></Pagination>"
        )
    # Inline markup (<i>, <sup>, <sub>) is XML inside ArticleTitle, not text.
    title_xml = work.get("title_xml") or _e(work["title"])
    issn_l = journal.get("issn_l", journal["issn"])
    out = [
        '<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM" IndexingMethod="Automated">',
        f'<PMID Version="1">{pmid}</PMID>',
        f"<DateRevised><Year>{year}</Year><Month>{month}</Month><Day>{day}</Day></DateRevised>",
        '<Article PubModel="Print-Electronic"><Journal>',
        f'<ISSN IssnType="Electronic">{journal.get("issn_electronic", journal["issn"])}</ISSN>',
        f'<JournalIssue CitedMedium="Internet"><Volume>{work["volume"]}</Volume>'
        f"<Issue>{work['issue']}</Issue><PubDate>{pub_date}</PubDate></JournalIssue>",
        f"<Title>{_e(journal['pubmed_title'])}</Title>",
        f"<ISOAbbreviation>{_e(journal['iso_abbrev'])}</ISOAbbreviation></Journal>",
        # PubMed ends article titles with a full stop; OpenAlex does not.
        f"<ArticleTitle>{title_xml}.</ArticleTitle>",
        pagination,
    ]
    if work["doi"]:
        out.append(f'<ELocationID EIdType="doi" ValidYN="Y">{_e(work["doi"])}</ELocationID>')
    out.append(f"<Abstract><AbstractText>{_e(work['abstract'])}</AbstractText></Abstract>")
    out.append('<AuthorList CompleteYN="Y">')
    for authorship in work["authorships"]:
        person = index.people[authorship["person"]]
        out.append(
            f'<Author ValidYN="Y"><LastName>{_e(person["last_name"])}</LastName>'
            f"<ForeName>{_e(person['fore_name'])}</ForeName>"
            f"<Initials>{_e(person['initials'])}</Initials>"
            + (f"<Suffix>{_e(person['suffix'])}</Suffix>" if person.get("suffix") else "")
        )
        if authorship["orcid_in_pubmed"]:
            # PubMed carries ORCIDs both as URLs and bare; parsers must accept both.
            orcid = person["orcid"]
            value = orcid if int(pmid) % 3 == 0 else f"https://orcid.org/{orcid}"
            out.append(f'<Identifier Source="ORCID">{value}</Identifier>')
        if authorship["pubmed_affiliation"] and authorship["institution"]:
            out.append(
                f"<AffiliationInfo><Affiliation>{_e(affiliation_text(index, authorship))}"
                "</Affiliation></AffiliationInfo>"
            )
        out.append("</Author>")
    if work["collective_name"]:
        out.append(
            f'<Author ValidYN="Y"><CollectiveName>{_e(work["collective_name"])}'
            "</CollectiveName></Author>"
        )
    out.append("</AuthorList><Language>eng</Language><PublicationTypeList>")
    for pub_type in work["pub_types"]:
        ui = _PUBTYPE_UI.get(pub_type, "D016428")
        out.append(f'<PublicationType UI="{ui}">{_e(pub_type)}</PublicationType>')
    out.append("</PublicationTypeList>")
    if date_style == "date":
        out.append(
            f'<ArticleDate DateType="Electronic"><Year>{year}</Year><Month>{month}</Month>'
            f"<Day>{day}</Day></ArticleDate>"
        )
    out.append("</Article>")
    out.append(
        "<MedlineJournalInfo><Country>United States</Country>"
        f"<MedlineTA>{_e(journal['iso_abbrev'])}</MedlineTA>"
        f"<NlmUniqueID>99{journal['openalex_id'][-5:]}</NlmUniqueID>"
        f"<ISSNLinking>{issn_l}</ISSNLinking></MedlineJournalInfo>"
    )
    out.append(_comments_corrections(index, work))
    out.append("<MeshHeadingList>")
    for ui, name in work["mesh"]:
        out.append(
            f'<MeshHeading><DescriptorName UI="{ui}" MajorTopicYN="N">{_e(name)}'
            "</DescriptorName></MeshHeading>"
        )
    out.append("</MeshHeadingList>")
    if work["keywords"]:
        out.append('<KeywordList Owner="NOTNLM">')
        out.extend(f'<Keyword MajorTopicYN="N">{_e(k)}</Keyword>' for k in work["keywords"])
        out.append("</KeywordList>")
    out.append("</MedlineCitation><PubmedData><History>")
    out.append(
        f'<PubMedPubDate PubStatus="entrez"><Year>{year}</Year><Month>{int(month)}</Month>'
        f"<Day>{int(day)}</Day></PubMedPubDate></History>"
    )
    out.append("<PublicationStatus>ppublish</PublicationStatus><ArticleIdList>")
    out.append(f'<ArticleId IdType="pubmed">{pmid}</ArticleId>')
    if work["doi"]:
        out.append(f'<ArticleId IdType="doi">{_e(work["doi"])}</ArticleId>')
    if work["pmcid"]:
        out.append(f'<ArticleId IdType="pmc">{work["pmcid"]}</ArticleId>')
    out.append("</ArticleIdList>")
    references = index.reference_list(pmid)
    if references and work.get("pubmed_reference_style", "ReferenceList") == "ReferenceList":
        out.append("<ReferenceList>")
        for ref in references:
            out.append(f"<Reference><Citation>{_e(_citation_text(index, ref))}</Citation>")
            ids = []
            if ref["doi"]:
                ids.append(f'<ArticleId IdType="doi">{_e(ref["doi"])}</ArticleId>')
            if ref["pmid"]:
                ids.append(f'<ArticleId IdType="pubmed">{ref["pmid"]}</ArticleId>')
            if ids:
                out.append("<ArticleIdList>" + "".join(ids) + "</ArticleIdList>")
            out.append("</Reference>")
        out.append("</ReferenceList>")
    out.append("</PubmedData></PubmedArticle>")
    return "".join(out)


def _comments_corrections(index: CorpusIndex, work: dict[str, Any]) -> str:
    """``CommentsCorrectionsList``: relations (retraction, erratum, comment) and, for works
    whose references MEDLINE lists this way, ``RefType="Cites"`` entries."""
    entries = []
    for relation in work.get("relations", []):
        other = index.works[relation["key"]]
        entries.append((relation["type"], other))
    if work.get("pubmed_reference_style") == "CommentsCorrections":
        entries.extend(("Cites", ref) for ref in index.reference_list(work["pmid"]))
    if not entries:
        return ""
    out = ["<CommentsCorrectionsList>"]
    for ref_type, other in entries:
        out.append(
            f'<CommentsCorrections RefType="{ref_type}">'
            f"<RefSource>{_e(_citation_text(index, other))}</RefSource>"
        )
        if other["pmid"]:
            out.append(f'<PMID Version="1">{other["pmid"]}</PMID>')
        out.append("</CommentsCorrections>")
    out.append("</CommentsCorrectionsList>")
    return "".join(out)


def affiliation_text(index: CorpusIndex, authorship: dict[str, Any]) -> str:
    """The free-text affiliation PubMed shows for one authorship."""
    inst = index.institutions[authorship["institution"]]
    department = ["Department of Synthetic Immunology", "Division of Generated Rheumatology"][
        int(authorship["person"][1:]) % 2
    ]
    return f"{department}, {inst['display_name']}, {inst['city']}, {inst['country_code']}."


def efetch_xml(index: CorpusIndex, works: list[dict[str, Any]]) -> str:
    """A ``PubmedArticleSet`` document for `works` (all must have a PMID)."""
    body = "\n".join(pubmed_article_xml(index, w) for w in works)
    return f"{EFETCH_HEADER}<PubmedArticleSet>\n{body}\n</PubmedArticleSet>\n"


def efetch_error_xml(message: str) -> str:
    """The ``<eFetchResult><ERROR>`` document NCBI sends for unusable requests."""
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        '<!DOCTYPE eFetchResult PUBLIC "-//NLM//DTD efetch 20131226//EN" '
        '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20131226/efetch.dtd">\n'
        f"<eFetchResult>\n\t<ERROR>{_e(message)}</ERROR>\n</eFetchResult>\n"
    )


# --------------------------------------------------------------------------- PubMed esearch
def esearch_json(ids: list[str], count: int, retstart: int, retmax: int, term: str) -> dict:
    """An esearch ``retmode=json`` answer (``esearchresult.idlist``; numbers as strings)."""
    result: dict[str, Any] = {
        "count": str(count),
        "retmax": str(len(ids)),
        "retstart": str(retstart),
        "idlist": ids,
        "translationset": [],
        "querytranslation": term,
    }
    if count == 0:
        result["errorlist"] = {"phrasesnotfound": [term], "fieldsnotfound": []}
        result["warninglist"] = {
            "phrasesignored": [],
            "quotedphrasesnotfound": [],
            "outputmessages": ["No items found."],
        }
    return {"header": {"type": "esearch", "version": "0.3"}, "esearchresult": result}


def esearch_xml(ids: list[str], count: int, retstart: int, term: str) -> str:
    """An esearch XML answer (``eSearchResult`` with ``IdList/Id``)."""
    id_xml = "".join(f"\n<Id>{i}</Id>" for i in ids)
    # As the JSON form: a search that finds nothing says which phrase was not found.
    notes = (
        f"<ErrorList><PhraseNotFound>{_e(term)}</PhraseNotFound></ErrorList>"
        "<WarningList><OutputMessage>No items found.</OutputMessage></WarningList>"
        if count == 0
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        '<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
        '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
        f"<eSearchResult><Count>{count}</Count><RetMax>{len(ids)}</RetMax>"
        f"<RetStart>{retstart}</RetStart><IdList>{id_xml}\n</IdList><TranslationSet/>"
        f"<QueryTranslation>{_e(term)}</QueryTranslation>{notes}</eSearchResult>\n"
    )


# --------------------------------------------------------------------------- PubMed esummary
def esummary_json(index: CorpusIndex, pmids: list[str]) -> dict:
    """An esummary ``retmode=json`` answer (``result.uids`` plus one document per uid)."""
    result: dict[str, Any] = {"uids": list(pmids)}
    for pmid in pmids:
        work = index.by_pmid(pmid)
        if work is None:
            result[pmid] = {"uid": pmid, "error": "cannot get document summary"}
            continue
        journal = index.journals[work["journal"]]
        year, month, day = _date_parts(work)
        names = [
            f"{index.people[a['person']]['last_name']} {index.people[a['person']]['initials']}"
            for a in work["authorships"]
        ]
        article_ids = [{"idtype": "pubmed", "idtypen": 1, "value": pmid}]
        if work["doi"]:
            article_ids.append({"idtype": "doi", "idtypen": 3, "value": work["doi"]})
        if work["pmcid"]:
            article_ids.append({"idtype": "pmc", "idtypen": 8, "value": work["pmcid"]})
        result[pmid] = {
            "uid": pmid,
            "pubdate": f"{year} {_MONTHS[int(month) - 1]}",
            "epubdate": f"{year} {_MONTHS[int(month) - 1]} {int(day)}",
            "source": journal["iso_abbrev"],
            "authors": [{"name": n, "authtype": "Author", "clusterid": ""} for n in names],
            "lastauthor": names[-1] if names else "",
            "title": work["title"] + ".",
            "volume": work["volume"],
            "issue": work["issue"],
            "pages": work.get("medline_pgn", work["pages"]),
            "lang": ["eng"],
            "issn": "",
            "essn": journal["issn"],
            "pubtype": list(work["pub_types"]),
            "articleids": article_ids,
            "pmcrefcount": len(index.pubmed_citedin(pmid)),
            "fulljournalname": journal["pubmed_title"],
            "sortpubdate": f"{year}/{month}/{day} 00:00",
            "elocationid": f"doi: {work['doi']}" if work["doi"] else "",
        }
    return {"header": {"type": "esummary", "version": "0.3"}, "result": result}


# --------------------------------------------------------------------------- PubMed elink
def elink_json(linksets: list[dict[str, Any]], error: str | None = None) -> dict:
    """An elink ``retmode=json`` answer; `linksets` are already shaped."""
    body: dict[str, Any] = {"header": {"type": "elink", "version": "0.3"}, "linksets": linksets}
    if error:
        body["ERROR"] = error
    return body


def elink_xml(linksets: list[dict[str, Any]], error: str | None = None) -> str:
    """The XML form of the same link sets (``eLinkResult/LinkSet/LinkSetDb/Link``)."""
    out = [
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        '<!DOCTYPE eLinkResult PUBLIC "-//NLM//DTD elink 20101123//EN" '
        '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20101123/elink.dtd">\n<eLinkResult>\n'
    ]
    for linkset in linksets:
        out.append(f"<LinkSet><DbFrom>{linkset['dbfrom']}</DbFrom><IdList>")
        out.extend(f"<Id>{i}</Id>" for i in linkset["ids"])
        out.append("</IdList>")
        for db in linkset.get("linksetdbs", []):
            out.append(f"<LinkSetDb><DbTo>{db['dbto']}</DbTo><LinkName>{db['linkname']}</LinkName>")
            for link in db["links"]:
                if isinstance(link, dict):
                    out.append(f"<Link><Id>{link['id']}</Id><Score>{link['score']}</Score></Link>")
                else:
                    out.append(f"<Link><Id>{link}</Id></Link>")
            out.append("</LinkSetDb>")
        out.append("</LinkSet>\n")
    if error:
        out.append(f"<ERROR>{_e(error)}</ERROR>\n")
    out.append("</eLinkResult>\n")
    return "".join(out)


# --------------------------------------------------------------------------- iCite
def icite_record(index: CorpusIndex, work: dict[str, Any]) -> dict[str, Any]:
    """One iCite ``/api/pubs`` record with the legacy field names (PMIDs as integers)."""
    pmid = work["pmid"]
    cited_by = [int(p) for p in index.icite_cited_by(pmid)]
    references = [int(p) for p in index.icite_refs(pmid)]
    years = max(1, 2025 - work["year"] + 1)
    authors = []
    for authorship in work["authorships"]:
        person = index.people[authorship["person"]]
        authors.append(
            {
                "lastName": person["last_name"],
                "fullName": f"{person['last_name']}, {person['fore_name']}",
                "firstName": person["fore_name"],
            }
        )
    return {
        "_id": pmid,
        "pmid": int(pmid),
        "doi": work["doi"],
        "title": work["title"] + ".",
        "authors": authors,
        "year": work["year"],
        "journal": index.journals[work["journal"]]["iso_abbrev"],
        "is_research_article": "Review" not in work["pub_types"],
        "citation_count": len(cited_by),
        "field_citation_rate": 3.1,
        "expected_citations_per_year": 1.4,
        "citations_per_year": round(len(cited_by) / years, 3),
        "relative_citation_ratio": work["rcr"] if cited_by else None,
        "nih_percentile": 50.0 if cited_by else None,
        "human": 1,
        "animal": 0,
        "molecular_cellular": 0,
        "x_coord": 0,
        "y_coord": 1,
        "apt": 0.25,
        "is_clinical": False,
        "cited_by_clin": [],
        "cited_by": cited_by,
        "references": references,
        "provisional": work["year"] >= 2024,
    }


# --------------------------------------------------------------------------- OpenAlex
def _inverted_index(text: str) -> dict[str, list[int]]:
    inverted: dict[str, list[int]] = {}
    for position, word in enumerate(text.split()):
        inverted.setdefault(word, []).append(position)
    return inverted


def openalex_work(
    index: CorpusIndex, work: dict[str, Any], *, in_list: bool = False
) -> dict[str, Any]:
    """A full OpenAlex Work object, shaped like ``openalex_work_W2741809807.json``.

    ``in_list=True`` gives the form of a list answer: ``authorships`` cut at 100 with
    ``is_authors_truncated`` (a singleton answer has every author and no such field).
    """
    base = "https://openalex.org/"
    wid = work["openalex_id"]
    journal = index.journals[work["journal"]]
    doi_url = f"https://doi.org/{work['doi'].lower()}" if work["doi"] else None
    ids: dict[str, Any] = {"openalex": base + wid}
    if doi_url:
        ids["doi"] = doi_url
    if work["pmid"]:
        ids["pmid"] = f"https://pubmed.ncbi.nlm.nih.gov/{work['pmid']}"
    if work["pmcid"]:
        # OpenAlex writes PMCIDs as PMC URLs with the digits only.
        ids["pmcid"] = f"https://www.ncbi.nlm.nih.gov/pmc/articles/{work['pmcid'][3:]}"
    source = {
        "id": base + journal["openalex_id"],
        "display_name": journal["display_name"],
        "issn_l": journal.get("issn_l", journal["issn"]),
        "issn": [journal["issn"], journal.get("issn_electronic", journal["issn"])],
        "is_oa": False,
        "is_in_doaj": False,
        "is_core": True,
        "host_organization": None,
        "host_organization_name": None,
        "host_organization_lineage": [],
        "host_organization_lineage_names": [],
        "type": "journal",
    }
    location = {
        "is_oa": False,
        "landing_page_url": doi_url,
        "pdf_url": None,
        "source": source,
        "license": None,
        "license_id": None,
        "version": "publishedVersion",
        "is_accepted": True,
        "is_published": True,
    }
    authorships = []
    n = len(work["authorships"])
    for position, authorship in enumerate(work["authorships"]):
        person = index.people[authorship["person"]]
        institutions = []
        raw_affiliations = []
        if authorship["institution"]:
            inst = index.institutions[authorship["institution"]]
            text = affiliation_text(index, authorship)
            raw_affiliations.append(text)
            for kind in authorship.get("openalex_extra_affiliations", []):
                raw_affiliations.append(affiliation_variant(text, kind))
            if authorship["openalex_institution"]:
                institutions.append(
                    {
                        "id": base + inst["openalex_id"],
                        "display_name": inst["display_name"],
                        "ror": inst["ror"],
                        "country_code": inst["country_code"],
                        "type": inst["type"],
                        "lineage": [base + inst["openalex_id"]],
                    }
                )
        orcid = person["orcid"] if authorship["orcid_in_openalex"] else None
        authorships.append(
            {
                "author_position": "first"
                if position == 0
                else "last"
                if position == n - 1
                else "middle",
                "author": {
                    "id": base + person["openalex_id"],
                    "display_name": person["openalex_display_name"],
                    "orcid": f"https://orcid.org/{orcid}" if orcid else None,
                },
                "institutions": institutions,
                "countries": [i["country_code"] for i in institutions],
                "is_corresponding": authorship["is_corresponding"],
                "raw_author_name": person["openalex_display_name"]
                if person.get("suffix")
                else f"{person['fore_name']} {person['last_name']}",
                "raw_affiliation_strings": raw_affiliations,
                "affiliations": [
                    {
                        "raw_affiliation_string": raw,
                        "institution_ids": [i["id"] for i in institutions] if raw.strip() else [],
                    }
                    for raw in raw_affiliations
                ],
            }
        )
    if work.get("openalex_group_author") and work.get("collective_name"):
        # OpenAlex lists a group as if it were a person (an author id, no ORCID).
        authorships.append(
            {
                "author_position": "last",
                "author": {
                    "id": base + GROUP_OPENALEX_ID,
                    "display_name": work["collective_name"],
                    "orcid": None,
                },
                "institutions": [],
                "countries": [],
                "is_corresponding": False,
                "raw_author_name": work["collective_name"],
                "raw_affiliation_strings": [],
                "affiliations": [],
            }
        )
        if len(authorships) > 2 and authorships[-2]["author_position"] == "last":
            authorships[-2]["author_position"] = "middle"
    truncated = in_list and len(authorships) > OPENALEX_LIST_MAX_AUTHORS
    if truncated:
        authorships = authorships[:OPENALEX_LIST_MAX_AUTHORS]
    referenced = [base + w for w in index.openalex_refs(wid)]
    citing = index.openalex_cites(wid)
    first, last = work["pages"].split("-")
    title = work.get("title_openalex") or work["title"]
    record = {
        "id": base + wid,
        "doi": doi_url,
        "title": title,
        "display_name": title,
        "publication_year": work["year"],
        "publication_date": work["pub_date"],
        "ids": ids,
        "language": "en",
        "primary_location": location,
        "type": work.get("openalex_type", work["type"]),
        "indexed_in": ["crossref", "pubmed"] if work["pmid"] else ["crossref"],
        "open_access": {
            "is_oa": False,
            "oa_status": "closed",
            "oa_url": None,
            "any_repository_has_fulltext": False,
        },
        "authorships": authorships,
        "is_authors_truncated": truncated,
        "institutions": [],
        "countries_distinct_count": len({c for a in authorships for c in a["countries"]}),
        "institutions_distinct_count": len(
            {i["id"] for a in authorships for i in a["institutions"]}
        ),
        "corresponding_author_ids": [
            a["author"]["id"] for a in authorships if a["is_corresponding"]
        ],
        "corresponding_institution_ids": [],
        "apc_list": None,
        "apc_paid": None,
        "fwci": 1.0,
        "has_fulltext": False,
        "cited_by_count": len(citing) + work["openalex_extra_citations"],
        "biblio": {
            "volume": work["volume"],
            "issue": work["issue"],
            "first_page": first,
            "last_page": last,
        },
        "is_retracted": bool(work.get("retracted")),
        "is_paratext": False,
        "primary_topic": None,
        "topics": [],
        "keywords": [
            {
                "id": f"https://openalex.org/keywords/{k.lower().replace(' ', '-')}",
                "display_name": k,
                "score": 0.5,
            }
            for k in work["keywords"]
        ],
        "concepts": [],
        "mesh": [
            {
                "descriptor_ui": ui,
                "descriptor_name": name,
                "qualifier_ui": "",
                "qualifier_name": None,
                "is_major_topic": False,
            }
            for ui, name in work["mesh"]
        ]
        if work["pmid"]
        else [],
        "locations_count": 1,
        "locations": [location],
        "best_oa_location": None,
        "sustainable_development_goals": [],
        "referenced_works_count": len(referenced),
        "referenced_works": referenced,
        "related_works": [base + w for w in index.related(wid)],
        "abstract_inverted_index": _inverted_index(work["abstract"])
        if work["openalex_has_abstract"]
        else None,
        "cited_by_api_url": f"https://api.openalex.org/works?filter=cites:{wid}",
        "counts_by_year": [],
        "updated_date": "2026-11-01T00:00:00.000000",
        "created_date": f"{work['year']}-01-01T00:00:00",
    }
    if not in_list:
        del record["is_authors_truncated"]
    return record


def select_fields(record: dict[str, Any], select: str | None) -> dict[str, Any]:
    """Keep only the root-level fields named in a ``select=`` value (None keeps everything)."""
    if not select:
        return record
    names = [s.strip() for s in select.split(",") if s.strip()]
    return {name: record[name] for name in names if name in record}


def openalex_error(error: str, message: str) -> dict[str, str]:
    """The JSON body of an OpenAlex error."""
    return {"error": error, "message": message}
