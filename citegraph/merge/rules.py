"""Merge rules that both identities share: which source wins each field, source ranks,
the confidence of each author merge rule, and the union-find root helper.

``docs/merge-rules.md`` documents these tables; this module is their only home.
"""

from __future__ import annotations

from typing import Any

#: Which source wins for each work field (first source with a value wins).
BIBLIO = ("facts", "pubmed", "openalex", "icite")
FIELD_PRECEDENCE: dict[str, tuple[str, ...]] = {
    "title": BIBLIO,
    "journal": BIBLIO,
    "journal_abbrev": BIBLIO,
    "issn": BIBLIO,
    "year": BIBLIO,
    "pub_date": BIBLIO,
    "epub_date": BIBLIO,
    "volume": BIBLIO,
    "issue": BIBLIO,
    "pages": BIBLIO,
    "pub_types": BIBLIO,
    "collective_author": BIBLIO,
    "abstract": ("facts", "pubmed", "openalex"),
    "mesh": ("facts", "pubmed"),
    "keywords": ("facts", "pubmed", "openalex"),
    # OpenAlex owns its ids; facts may carry one that was checked by hand.
    "openalex_id": ("openalex", "facts"),
    # Identifier provenance: the first source (in this order) that gave the merged value.
    "pmid": BIBLIO,
    "doi": BIBLIO,
    "pmcid": BIBLIO,
}
#: cited_by_count is the maximum over sources; on a tie the first of these wins.
COUNT_TIE_ORDER = ("openalex", "icite", "pubmed", "facts")

#: Confidence attached to each author merge rule (the weakest rule used names the person's rule).
RULE_CONFIDENCE: dict[str, float] = {
    "single": 1.0,
    "orcid": 1.0,
    "openalex": 0.95,
    "same-work": 0.9,
    "name+affiliation": 0.8,
    "name+coauthor": 0.7,
    "name-only": 0.5,
}

SOURCE_RANK = {"facts": 0, "pubmed": 1, "openalex": 2, "icite": 3}
ID_FIELDS = ("pmid", "doi", "openalex_id", "pmcid")
#: Evidence strings for links read from WorkRecord.references / .related, by record source.
REFERENCE_EVIDENCE = {
    "pubmed": "pubmed:ReferenceList",
    "openalex": "openalex:referenced_works",
    "icite": "icite:references",
    "facts": "facts:references",
}


def find_root(parent: Any, key: Any) -> Any:
    """Union-find root of ``key`` in ``parent`` (dict or list), compressing the path."""
    root = key
    while parent[root] != root:
        root = parent[root]
    while parent[key] != root:
        parent[key], key = root, parent[key]
    return root
