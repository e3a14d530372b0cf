"""Work identity: one work per real paper, from the union of its identifiers across sources.

A union-find over identifier keys (``pmid:1``, ``doi:…``, ``W…``, ``pmcid:…``) that refuses to
join two PMIDs or two DOIs, and the merged row of each component with per-field provenance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from citegraph.ids import (
    normalize_doi,
    normalize_openalex_id,
    normalize_pmcid,
    normalize_pmid,
)
from citegraph.ids import work_id as _work_node_id
from citegraph.merge.rules import (
    COUNT_TIE_ORDER,
    FIELD_PRECEDENCE,
    ID_FIELDS,
    SOURCE_RANK,
    find_root,
)
from citegraph.model import WorkRecord

if TYPE_CHECKING:
    from citegraph.journals import Journal


class WorkUnion:
    """Union-find over identifier keys that refuses to join two PMIDs or two DOIs."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._pmid: dict[str, str | None] = {}
        self._doi: dict[str, str | None] = {}
        self._members: dict[str, list[str]] = {}

    def add(self, key: str) -> None:
        if key in self._parent:
            return
        self._parent[key] = key
        self._pmid[key] = key if key.startswith("pmid:") else None
        self._doi[key] = key if key.startswith("doi:") else None
        self._members[key] = [key]

    def find(self, key: str) -> str:
        return find_root(self._parent, key)

    def union(self, a: str, b: str) -> str | None:
        """Join the works of a and b; return why not when they carry different PMIDs/DOIs."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        for table, what in ((self._pmid, "PMIDs"), (self._doi, "DOIs")):
            x, y = table[ra], table[rb]
            if x and y and x != y:
                return f"different {what}: {x} and {y} would be one work"
        # Smaller root string wins so the structure does not depend on input order.
        if rb < ra:
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._pmid[ra] = self._pmid[ra] or self._pmid[rb]
        self._doi[ra] = self._doi[ra] or self._doi[rb]
        self._members[ra].extend(self._members.pop(rb))
        return None

    def roots(self) -> list[str]:
        return sorted(self._members)

    def members(self, root: str) -> list[str]:
        return sorted(self._members[root])


def _record_sort_key(rec: WorkRecord) -> tuple:
    return (SOURCE_RANK.get(rec.source, 9), rec.source, work_keys(rec), rec.title or "")


def canonical_order(works: Iterable[WorkRecord]) -> list[WorkRecord]:
    """Records in an order that does not depend on the input order (precedence first).

    The full ``repr`` only breaks ties between records with the same source, ids and title,
    which are rare, so it is computed for those alone.
    """
    keyed = sorted(((_record_sort_key(r), i, r) for i, r in enumerate(works)), key=lambda t: t[0])
    out: list[WorkRecord] = []
    start = 0
    while start < len(keyed):
        end = start + 1
        while end < len(keyed) and keyed[end][0] == keyed[start][0]:
            end += 1
        group = [t[2] for t in keyed[start:end]]
        out.extend(sorted(group, key=repr) if len(group) > 1 else group)
        start = end
    return out


def work_keys(rec: WorkRecord) -> list[str]:
    """Identifier keys of a record, PMID first (the order decides which id a conflict drops)."""
    keys = []
    pmid = normalize_pmid(rec.pmid)
    if pmid:
        keys.append(f"pmid:{pmid}")
    doi = normalize_doi(rec.doi)
    if doi:
        keys.append(f"doi:{doi}")
    oa = normalize_openalex_id(rec.openalex_id)
    if oa and oa.startswith("W"):
        keys.append(oa)
    pmcid = normalize_pmcid(rec.pmcid)
    if pmcid:
        keys.append(f"pmcid:{pmcid}")
    return keys


def endpoint_key(value: Any) -> str | None:
    """An identifier key for a link endpoint, reference or seed in any namespace."""
    if value is None:
        return None
    # The same cited papers come back from many records: normalise each spelling once.
    return _endpoint_key_text(str(value).strip())


@lru_cache(maxsize=500_000)
def _endpoint_key_text(text: str) -> str | None:
    low = text.lower()
    if low.startswith("pmid:") or text.isdigit():
        pmid = normalize_pmid(text)
        return f"pmid:{pmid}" if pmid else None
    if low.startswith("pmcid:") or (low.startswith("pmc") and normalize_pmcid(text)):
        pmcid = normalize_pmcid(text)
        return f"pmcid:{pmcid}" if pmcid else None
    if "openalex" in low or re.fullmatch(r"[Ww]\d+", text):
        oa = normalize_openalex_id(text)
        return oa if oa and oa.startswith("W") else None
    if "pubmed.ncbi.nlm.nih.gov" in low:
        match = re.search(r"/(\d+)/?$", text)
        return f"pmid:{normalize_pmid(match.group(1))}" if match else None
    doi = normalize_doi(text)
    return f"doi:{doi}" if doi else None


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _field_source(rec: WorkRecord, field: str) -> str:
    """The facts' page for a field when the record names one, else the source name."""
    return rec.field_sources.get(field) or rec.source


def work_row(keys: list[str], recs: list[WorkRecord]) -> dict[str, Any]:
    ids: dict[str, list[str]] = {"pmid": [], "doi": [], "openalex_id": [], "pmcid": []}
    for key in keys:
        if key.startswith("pmid:"):
            ids["pmid"].append(key[5:])
        elif key.startswith("doi:"):
            ids["doi"].append(key[4:])
        elif key.startswith("pmcid:"):
            ids["pmcid"].append(key[6:])
        else:
            ids["openalex_id"].append(key)
    ordered = recs  # callers pass records in canonical order

    row: dict[str, Any] = {"field_sources": {}}
    field_sources: dict[str, str] = row["field_sources"]

    # Identifiers come from the component, not from records: a conflicting id a record carries
    # belongs to another work and must not appear twice.
    normalizers = {
        "pmid": normalize_pmid,
        "doi": normalize_doi,
        "pmcid": normalize_pmcid,
        "openalex_id": normalize_openalex_id,
    }
    for field in ID_FIELDS:
        candidates = ids[field]
        value = None
        givers = [
            r for r in _in_precedence(ordered, FIELD_PRECEDENCE[field])
            if normalizers[field](getattr(r, field)) in candidates
        ]  # fmt: skip
        if givers:
            value = normalizers[field](getattr(givers[0], field))
            field_sources[field] = _field_source(givers[0], field)
        elif candidates:
            # Known only from link endpoints or from a source outside the precedence list.
            others = [r for r in ordered if normalizers[field](getattr(r, field)) in candidates]
            value = normalizers[field](getattr(others[0], field)) if others else candidates[0]
            if others:
                field_sources[field] = _field_source(others[0], field)
        row[field] = value
    row["id"] = _work_node_id(
        pmid=row["pmid"], doi=row["doi"], openalex_id=row["openalex_id"], pmcid=row["pmcid"]
    )

    for field, order in FIELD_PRECEDENCE.items():
        if field in ID_FIELDS:
            continue
        for rec in _in_precedence(ordered, order):
            value = getattr(rec, field)
            if _present(value):
                row[field] = list(value) if isinstance(value, list) else value
                field_sources[field] = _field_source(rec, field)
                break

    counts = [
        (-rec.cited_by_count, _tie_rank(rec.source), rec)
        for rec in ordered
        if rec.cited_by_count is not None
    ]
    if counts:
        best = min(counts, key=lambda c: (c[0], c[1]))[2]
        row["cited_by_count"] = best.cited_by_count
        field_sources["cited_by_count"] = _field_source(best, "cited_by_count")

    # Retraction is never outvoted: one source that says so is enough for a reader to be warned.
    retracted_by = [rec for rec in ordered if rec.is_retracted]
    row["retracted"] = bool(retracted_by)
    if retracted_by:
        field_sources["retracted"] = _field_source(retracted_by[0], "retracted")
    row["relations"] = relation_strings(recs)

    row["sources"] = sorted({rec.source for rec in recs})
    urls = set()
    for rec in recs:
        if rec.url:
            urls.add(rec.url)
        urls.update(v for v in rec.field_sources.values() if v.startswith(("http://", "https://")))
    row["urls"] = sorted(urls)
    row["is_seed"] = False
    return row


def relation_strings(recs: Iterable[WorkRecord]) -> list[str]:
    """The ``relations`` cell: ``"Type id"`` strings, sorted and deduped, over all records.

    Relation ids go through the same normalisation as references (`endpoint_key`); a relation
    without a readable id keeps its type alone.

    Examples
    --------
    >>> rec = WorkRecord(source="pubmed", relations=[
    ...     {"type": "RetractionIn", "id": "pmid:0123", "note": "J X. 2020"},
    ...     {"type": "ErratumIn", "id": "", "note": "J X. 2021"},
    ...     {"type": "RetractionIn", "id": "123", "note": ""}])
    >>> relation_strings([rec])
    ['ErratumIn', 'RetractionIn pmid:123']
    """
    out = set()
    for rec in recs:
        for relation in rec.relations or []:
            kind = str(relation.get("type") or "").strip()
            if not kind:
                continue
            key = endpoint_key(relation.get("id")) if relation.get("id") else None
            out.add(f"{kind} {key}" if key else kind)
    return sorted(out)


def set_journal(row: dict[str, Any], journal: Journal) -> None:
    """Give a work row its journal's id, ISSN-L and the one name and abbreviation of the journal
    (chosen by `citegraph.journals.assign_journals` over every work of that journal)."""
    row["journal_id"] = journal.id
    row["issn_l"] = journal.issn_l
    for field, value, source in (
        ("journal", journal.name, journal.name_source),
        ("journal_abbrev", journal.abbrev, journal.abbrev_source),
    ):
        # A work whose own winning record already spells it so keeps that record's provenance.
        if value and row.get(field) != value:
            row[field] = value
            row["field_sources"][field] = source


def _in_precedence(ordered: list[WorkRecord], order: tuple[str, ...]) -> list[WorkRecord]:
    rank = {name: i for i, name in enumerate(order)}
    return sorted((r for r in ordered if r.source in rank), key=lambda r: rank[r.source])


def _tie_rank(source: str) -> int:
    return COUNT_TIE_ORDER.index(source) if source in COUNT_TIE_ORDER else len(COUNT_TIE_ORDER)
