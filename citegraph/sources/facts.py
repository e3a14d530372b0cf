"""Hand-verified bibliographic facts (``works.jsonl``) → `WorkRecord`s with per-field provenance.

The bundled offline snapshot is built from these facts only: each record lists the public pages
it was read from (``sources``, ``field_sources``). Unknown values are null in the file and stay
unknown here; nothing is filled in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from citegraph import CitegraphError
from citegraph.ids import (
    normalize_doi,
    normalize_openalex_id,
    normalize_orcid,
    normalize_pmcid,
    normalize_pmid,
)
from citegraph.model import AuthorRecord, WorkRecord
from citegraph.names import parse_name

SOURCE = "facts"

#: What the bundled seed snapshot cannot hold, and why (shown on the page and in `info`).
FACTS_MISSING_REASON = (
    "not in the verified facts: no public copy of this list was reachable without live API "
    "access when the snapshot was built; fetch live to add it"
)
FACTS_GAPS = [
    ("pubmed", "references (elink pubmed_pubmed_refs, efetch ReferenceList)"),
    ("pubmed", "cited by (elink pubmed_pubmed_citedin)"),
    ("pubmed", "similar articles (elink pubmed_pubmed, cmd=neighbor_score)"),
    ("icite", "cited_by and references"),
    ("openalex", "work record, referenced_works, related_works, citing works (filter=cites:)"),
]

#: Keys of the facts file's field_sources → the WorkRecord fields they vouch for.
_FIELD_MAP = {
    "pmid": ["pmid"],
    "doi": ["doi"],
    "title": ["title"],
    "journal": ["journal"],
    "journal_abbrev": ["journal_abbrev"],
    "issn_electronic": ["issn"],
    "volume/issue/pages": ["volume", "issue", "pages"],
    "pub_date": ["pub_date", "year"],
    "epub_date": ["epub_date"],
    "pub_types": ["pub_types"],
    "author_order_and_pubmed_names": ["authors"],
    "author_full_names": ["author_names"],
    "affiliations_1_13": ["affiliations"],
    "collective_author": ["collective_author"],
}


class FactsError(CitegraphError):
    """The facts file is missing or a record in it is malformed."""


def read_facts(path: str | Path) -> list[tuple[WorkRecord, dict[str, Any]]]:
    """Read a verified-facts JSON Lines file: one (record, raw dict) per line.

    The raw dict is returned too so callers can read fields the model has no place for
    (``role``, ``notes``).
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise FactsError(f"{path}: no such facts file.") from None
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FactsError(f"{path}:{number}: not valid JSON ({exc.msg}).") from None
        out.append((parse_fact(raw, where=f"{path}:{number}"), raw))
    return out


def parse_fact(raw: dict[str, Any], *, where: str = "facts") -> WorkRecord:
    """One verified-facts record → a `WorkRecord` with ``source="facts"``.

    Examples
    --------
    >>> r = parse_fact({"pmid": "1", "title": "T", "authors": [{"name": "Ann Lee",
    ...     "last_name": "Lee", "fore_name": "Ann", "affiliations": []}], "sources": ["https://x"]})
    >>> r.pmid, r.authors[0].position, r.url
    ('1', 1, 'https://x')
    """
    pmid = normalize_pmid(raw.get("pmid"))
    doi = normalize_doi(raw.get("doi"))
    openalex_id = normalize_openalex_id(raw.get("openalex_id"))
    pmcid = normalize_pmcid(raw.get("pmcid"))
    if not (pmid or doi or openalex_id or pmcid):
        raise FactsError(f"{where}: a record needs a pmid, doi, openalex_id or pmcid.")
    authors = []
    for position, author in enumerate(raw.get("authors") or [], start=1):
        if not isinstance(author, dict) or not author.get("name"):
            raise FactsError(f"{where}: author {position} has no name.")
        fore = author.get("fore_name")
        authors.append(
            AuthorRecord(
                name=author["name"],
                position=position,
                last_name=author.get("last_name"),
                fore_name=fore,
                initials=(parse_name(given=fore).initials or None) if fore else None,
                orcid=normalize_orcid(author.get("orcid")),
                affiliations=list(author.get("affiliations") or []),
            )
        )
    sources = [str(s) for s in raw.get("sources") or []]
    field_sources: dict[str, str] = {}
    for key, where_from in (raw.get("field_sources") or {}).items():
        for field in _FIELD_MAP.get(key, [key]):
            field_sources[field] = str(where_from)
    issn = [raw[k] for k in ("issn_print", "issn_electronic") if raw.get(k)]
    year = raw.get("year")
    return WorkRecord(
        source=SOURCE,
        pmid=pmid,
        doi=doi,
        pmcid=pmcid,
        openalex_id=openalex_id,
        title=raw.get("title"),
        journal=raw.get("journal"),
        journal_abbrev=raw.get("journal_abbrev"),
        issn=issn,
        year=int(year) if year is not None else None,
        pub_date=raw.get("pub_date"),
        epub_date=raw.get("epub_date"),
        volume=raw.get("volume"),
        issue=raw.get("issue"),
        pages=raw.get("pages"),
        pub_types=list(raw.get("pub_types") or []),
        abstract=raw.get("abstract"),
        mesh=list(raw.get("mesh") or []),
        keywords=list(raw.get("keywords") or []),
        collective_author=raw.get("collective_author"),
        authors=authors,
        url=sources[0] if sources else None,
        field_sources=field_sources,
    )
