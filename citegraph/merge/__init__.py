"""Merge records from every source into one `Corpus`, keeping who said what.

One work per real paper (union of identifiers across PubMed, iCite, OpenAlex and verified facts),
one link row per (source, target, kind) with the set of services that asserted it, one author row
per person (merged by ORCID, OpenAlex author id, same-work alignment, then name plus evidence),
each with the rule and confidence of the merge. The rules and the field precedence table are in
``docs/merge-rules.md``; this package is their only implementation:
`citegraph.merge.works` (work identity) and `citegraph.merge.authors` (author identity)
never import each other; `citegraph.merge.rules` holds what both share.

Output is deterministic: the same records in any order give identical tables.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from citegraph import CitegraphError
from citegraph import journals as _journals
from citegraph.merge.authors import merge_authors
from citegraph.merge.rules import FIELD_PRECEDENCE, REFERENCE_EVIDENCE, RULE_CONFIDENCE
from citegraph.merge.works import (
    WorkUnion,
    canonical_order,
    endpoint_key,
    set_journal,
    work_keys,
    work_row,
)
from citegraph.model import LINK_KINDS, Corpus, LinkRecord, WorkRecord
from citegraph.names import is_group_name

__all__ = [
    "FIELD_PRECEDENCE",
    "RULE_CONFIDENCE",
    "MergeError",
    "merge_records",
    "work_keys",
]


class MergeError(CitegraphError):
    """Records cannot be merged because one of them is malformed (a parser bug, not bad data)."""


def merge_records(
    works: Iterable[WorkRecord],
    links: Iterable[LinkRecord] = (),
    *,
    seeds: Iterable[str] = (),
    manifest: dict | None = None,
) -> Corpus:
    """Merge work records and link records from every source into one `Corpus`.

    Parameters
    ----------
    works
        One `WorkRecord` per work per source (PubMed, iCite, OpenAlex, facts), in any order.
    links
        `LinkRecord`s; endpoints may be ``pmid:…``, ``doi:…``, ``pmcid:…`` or ``W…`` in any
        namespace. Endpoints that match no record become stub works (id only, no sources).
    seeds
        Seed ids in any namespace; they are remapped to the merged work ids (``is_seed``).
    manifest
        Carried through (copied). Merge adds ``merge_conflicts`` (identifiers not merged
        because two PMIDs or two DOIs disagreed), ``merge_skipped`` (unreadable link endpoints)
        and ``author_name_only`` (people kept apart that share only a name).

    Returns
    -------
    Corpus
        Tables sorted by id so the same input always gives the same corpus.

    Raises
    ------
    MergeError
        When a link has a kind not in `citegraph.model.LINK_KINDS` (a parser bug).

    Examples
    --------
    >>> a = WorkRecord(source="pubmed", pmid="1", doi="10.1000/X", title="A paper")
    >>> b = WorkRecord(source="openalex", openalex_id="W99", doi="https://doi.org/10.1000/x",
    ...                title="A Paper", cited_by_count=3)
    >>> c = merge_records([a, b], seeds=["doi:10.1000/x"])
    >>> [c.works.loc[0, k] for k in ("id", "openalex_id", "title")], bool(c.works.loc[0, "is_seed"])
    (['pmid:1', 'W99', 'A paper'], True)
    >>> c.works.loc[0, "sources"], c.works.loc[0, "field_sources"]["cited_by_count"]
    (['openalex', 'pubmed'], 'openalex')
    """
    # Merging allocates hundreds of thousands of small containers and no reference cycles; the
    # cyclic collector would rescan them over and over (measured: more than half the run time at
    # 100k authorships). Pause it, and restore it as it was.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _merge(list(works), list(links), list(seeds), manifest)
    finally:
        if was_enabled:
            gc.enable()


def _merge(
    works: list[WorkRecord],
    links: list[LinkRecord],
    seeds: list[str],
    manifest: dict | None,
) -> Corpus:
    out_manifest: dict[str, Any] = dict(manifest or {})
    conflicts: list[dict[str, Any]] = list(out_manifest.get("merge_conflicts", []))
    skipped: list[dict[str, Any]] = list(out_manifest.get("merge_skipped", []))

    records = canonical_order(_groups_apart(rec) for rec in works)
    link_list = list(links)

    # --- work identity: union-find over identifier keys ("pmid:1", "doi:…", "W…", "pmcid:…")
    uf = WorkUnion()
    record_keys: list[str] = []
    kept: list[WorkRecord] = []
    for rec in records:
        keys = work_keys(rec)
        if not keys:
            # One unreadable record must not sink a whole crawl: note it and go on.
            skipped.append(
                {
                    "value": str(rec.title),
                    "source": rec.source,
                    "reason": "work record without a readable pmid, doi, openalex_id or pmcid",
                }
            )
            continue
        kept.append(rec)
        first = keys[0]
        uf.add(first)
        for key in keys[1:]:
            uf.add(key)
            problem = uf.union(first, key)
            if problem:
                conflicts.append(
                    {
                        "source": rec.source,
                        "record": first,
                        "identifier": key,
                        "reason": problem,
                        "action": f"{key} kept on the other work, not merged into this one",
                    }
                )
        record_keys.append(first)
    records = kept

    # Link endpoints, references, related works and seeds: unknown ones become stubs.
    def resolve(value: str, source: str, what: str) -> str | None:
        key = endpoint_key(value)
        if key is None:
            skipped.append({"value": str(value), "source": source, "reason": f"unreadable {what}"})
            return None
        uf.add(key)
        return key

    raw_links: list[tuple[str, str, str, str, str, float | None]] = []
    for link in link_list:
        if link.kind not in LINK_KINDS:
            raise MergeError(
                f"Link {link.source} -> {link.target} from {link.asserted_by} has kind "
                f"{link.kind!r}; use one of {', '.join(LINK_KINDS)}."
            )
        src = resolve(link.source, link.asserted_by, "link source")
        dst = resolve(link.target, link.asserted_by, "link target")
        if src and dst:
            raw_links.append((src, dst, link.kind, link.asserted_by, link.evidence, link.score))
    for rec, key in zip(records, record_keys, strict=True):
        for ref in rec.references:
            dst = resolve(ref, rec.source, "reference")
            if dst:
                ev = REFERENCE_EVIDENCE.get(rec.source, f"{rec.source}:references")
                raw_links.append((key, dst, "references", rec.source, ev, None))
        for citer in rec.cited_by:
            src = resolve(citer, rec.source, "citing work")
            if src:
                raw_links.append(
                    (src, key, "references", rec.source, f"{rec.source}:cited_by", None)
                )
        for rel in rec.related:
            dst = resolve(rel, rec.source, "related work")
            if dst:
                raw_links.append(
                    (key, dst, "related", rec.source, f"{rec.source}:related_works", None)
                )
    seed_keys = [k for k in (resolve(s, "seeds", "seed") for s in seeds) if k]

    # --- one work row per component
    comp_records: dict[str, list[WorkRecord]] = defaultdict(list)
    for rec, key in zip(records, record_keys, strict=True):
        comp_records[uf.find(key)].append(rec)
    comp_id: dict[str, str] = {}
    rows_by_id: dict[str, dict[str, Any]] = {}
    for root in uf.roots():
        row = work_row(uf.members(root), comp_records.get(root, []))
        comp_id[root] = row["id"]
        rows_by_id[row["id"]] = row

    # --- journals: one id, name and abbreviation per journal, decided over all works at once
    by_work = {comp_id[root]: recs for root, recs in comp_records.items()}
    for work, journal in _journals.assign_journals(by_work).items():
        set_journal(rows_by_id[work], journal)

    def wid(key: str) -> str:
        return comp_id[uf.find(key)]

    for key in seed_keys:
        rows_by_id[wid(key)]["is_seed"] = True

    # --- links
    merged_links: dict[tuple[str, str, str], dict[str, Any]] = {}
    for src, dst, kind, by, evidence, score in raw_links:
        s, t = wid(src), wid(dst)
        if s == t:
            continue  # a self-loop only means two ids of one paper; not a citation
        row = merged_links.setdefault(
            (s, t, kind),
            {"source": s, "target": t, "kind": kind, "sources": set(), "evidence": set(),
             "_scores": []},
        )  # fmt: skip
        row["sources"].add(by)
        if evidence:
            row["evidence"].add(evidence)
        if score is not None:
            row["_scores"].append((0 if by == "pubmed" else 1, -float(score)))
    link_rows = []
    for key in sorted(merged_links):
        row = merged_links[key]
        scores = sorted(row.pop("_scores"))
        row["score"] = -scores[0][1] if scores else None
        row["sources"] = sorted(row["sources"])
        row["evidence"] = sorted(row["evidence"])
        link_rows.append(row)

    # --- authors
    work_authors = [(comp_id[root], recs) for root, recs in comp_records.items()]
    author_rows, authorship_rows, name_only = merge_authors(
        sorted(work_authors, key=lambda x: x[0])
    )

    out_manifest["merge_conflicts"] = conflicts
    # Link records come in any order: sort (and dedupe) so the manifest is deterministic too.
    unique_skipped = {(d["source"], d["reason"], d["value"]): d for d in skipped}
    out_manifest["merge_skipped"] = [unique_skipped[k] for k in sorted(unique_skipped)]
    out_manifest["author_name_only"] = name_only
    return Corpus.from_rows(
        works=[rows_by_id[k] for k in sorted(rows_by_id)],
        authors=author_rows,
        authorships=authorship_rows,
        links=link_rows,
        manifest=out_manifest,
    )


def _groups_apart(rec: WorkRecord) -> WorkRecord:
    """A group listed among a work's authors ("… Working Group" as an OpenAlex authorship) is
    its collective author, not a person: the people are numbered without it, as PubMed numbers
    its AuthorList around a CollectiveName, so both sources align position by position.

    Examples
    --------
    >>> from citegraph.model import AuthorRecord
    >>> r = WorkRecord(source="openalex", openalex_id="W1", authors=[
    ...     AuthorRecord("Ann Lee", 1), AuthorRecord("IMPACT Working Group", 2),
    ...     AuthorRecord("Bo Chen", 3)])
    >>> g = _groups_apart(r)
    >>> g.collective_author, [(a.name, a.position) for a in g.authors]
    ('IMPACT Working Group', [('Ann Lee', 1), ('Bo Chen', 2)])
    """
    groups = [a for a in rec.authors if is_group_name(a.name)]
    if not groups:
        return rec
    people = [
        replace(a, position=i)
        for i, a in enumerate((a for a in rec.authors if not is_group_name(a.name)), start=1)
    ]
    return replace(rec, authors=people, collective_author=rec.collective_author or groups[0].name)
