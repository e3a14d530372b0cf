"""Author identity: one row per person across works and sources.

Mentions are merged by ORCID, then OpenAlex author id, then alignment within one work, then name
plus affiliation or co-author evidence; each person keeps the weakest rule used and its
confidence. Different ORCIDs are never merged.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache, reduce
from itertools import combinations
from typing import Any

from citegraph.affiliations import affiliation_tokens, dedupe_affiliations, institution_names
from citegraph.ids import author_id as _author_node_id
from citegraph.ids import fold_name, normalize_openalex_id, normalize_orcid
from citegraph.merge.rules import RULE_CONFIDENCE, SOURCE_RANK, find_root
from citegraph.model import AuthorRecord, WorkRecord
from citegraph.names import (
    PersonName,
    family_compatible,
    given_compatible,
    given_tokens,
    merge_names,
    parse_name,
)


class _Mention:
    """One author of one work as one record lists them."""

    __slots__ = ("idx", "work", "record", "source", "rank", "author", "person", "last", "fore",
                 "last_fold", "key", "orcid", "openalex", "aff_tokens")  # fmt: skip

    def __init__(self, idx: int, work: str, record: int, source: str, author: AuthorRecord):
        self.idx = idx
        self.work = work
        self.record = record
        self.source = source
        self.rank = SOURCE_RANK.get(source, 9)
        self.author = author
        self.person = _person(
            author.name, author.last_name, author.fore_name, author.initials, author.suffix
        )
        # A group has no fore name, so name rules (which need one) never join two groups.
        self.last, self.fore = self.person.family, self.person.given or self.person.initials
        self.last_fold = _fold(self.last)
        self.key = self.person.key
        self.orcid = _orcid(author.orcid) if author.orcid else None
        self.openalex = _author_openalex(author.openalex_id) if author.openalex_id else None
        self.aff_tokens = affiliation_tokens(author.affiliations, author.institutions)


class _People:
    """Union-find over mentions that never joins two ORCIDs, two OpenAlex ids, or two
    mentions from one record (one record never lists the same person twice).

    Per-root data lives in lists indexed by mention; the root is always the smallest mention
    index of its group, so the structure does not depend on the order of unions' arguments.
    """

    def __init__(self, mentions: list[_Mention]) -> None:
        n = len(mentions)
        self.parent = list(range(n))
        # At most one of each per person, so a scalar is enough.
        self.orcid: list[str | None] = [m.orcid for m in mentions]
        self.openalex: list[str | None] = [m.openalex for m in mentions]
        self.records = [{m.record} for m in mentions]
        self.works = [{m.work} for m in mentions]
        self.fores = [{m.fore} if m.fore else set() for m in mentions]
        self.tokens = [set(m.aff_tokens) for m in mentions]
        self.rule = ["single"] * n

    def find(self, i: int) -> int:
        return find_root(self.parent, i)

    def can_join(self, a: int, b: int) -> bool:
        oa, ob = self.orcid[a], self.orcid[b]
        if oa and ob and oa != ob:
            return False
        xa, xb = self.openalex[a], self.openalex[b]
        if xa and xb and xa != xb:
            return False
        return self.records[a].isdisjoint(self.records[b])

    def union(self, i: int, j: int, rule: str) -> bool:
        a, b = self.find(i), self.find(j)
        if a == b or not self.can_join(a, b):
            return False
        if b < a:
            a, b = b, a
        self.parent[b] = a
        self.orcid[a] = self.orcid[a] or self.orcid[b]
        self.openalex[a] = self.openalex[a] or self.openalex[b]
        self.records[a] = _merge_sets(self.records[a], self.records[b])
        self.works[a] = _merge_sets(self.works[a], self.works[b])
        self.fores[a] = _merge_sets(self.fores[a], self.fores[b])
        self.tokens[a] = _merge_sets(self.tokens[a], self.tokens[b])
        self.records[b] = self.works[b] = self.fores[b] = self.tokens[b] = _EMPTY
        # The person's rule is the weakest one used; "single" only until the first join.
        ra, rb = self.rule[a], self.rule[b]
        weakest = rule
        for other in (ra, rb):
            if other != "single" and RULE_CONFIDENCE[other] < RULE_CONFIDENCE[weakest]:
                weakest = other
        self.rule[a] = weakest
        return True


_EMPTY: frozenset = frozenset()


def _merge_sets(x: set, y: set) -> set:
    """Union that grows the larger set in place (linear total cost over all joins)."""
    if len(x) < len(y):
        x, y = y, x
    x |= y
    return x


def merge_authors(
    works: list[tuple[str, list[WorkRecord]]],
) -> tuple[list[dict], list[dict], list[dict]]:
    mentions: list[_Mention] = []
    per_record: list[list[_Mention]] = []
    per_work: dict[str, list[list[_Mention]]] = {}
    for work_id, recs in works:
        lists = []
        for rec in recs:  # canonical order
            record_index = len(per_record)
            ms = []
            for author in sorted(rec.authors, key=lambda a: (a.position, a.name)):
                m = _Mention(len(mentions), work_id, record_index, rec.source, author)
                mentions.append(m)
                ms.append(m)
            per_record.append(ms)
            lists.append(ms)
        per_work[work_id] = lists
    people = _People(mentions)

    # 1. ORCID, 2. OpenAlex author id: everything that shares the id, in canonical order.
    for attr, rule in (("orcid", "orcid"), ("openalex", "openalex")):
        groups: dict[str, list[int]] = defaultdict(list)
        for m in mentions:
            value = getattr(m, attr)
            if value:
                groups[value].append(m.idx)
        for value in sorted(groups):
            first, *rest = groups[value]
            for other in rest:
                people.union(first, other, rule)

    # 3. Same work, different records: align by position (compatible names) or by unique name key.
    for work_id in sorted(per_work):
        lists = per_work[work_id]
        for i in range(len(lists)):
            for j in range(i + 1, len(lists)):
                _align(people, lists[i], lists[j])

    # 4. Same name key with compatible fore names plus evidence, until nothing changes.
    groups: dict[str, list[int]] = defaultdict(list)
    for m in mentions:
        if m.fore and m.last_fold:
            groups[m.key].append(m.idx)
    groups = {k: v for k, v in groups.items() if len(v) > 1}
    by_work: dict[str, list[int]] = defaultdict(list)
    for m in mentions:
        by_work[m.work].append(m.idx)
    # Each pass may enable the next (a merged co-author is new evidence); stops when stable.
    changed = True
    while changed:
        changed = False
        live = {}
        for key in sorted(groups):
            roots = sorted({people.find(i) for i in groups[key]})
            if len(roots) > 1:
                live[key] = roots
        for roots in live.values():
            tokens = {r: people.tokens[r] for r in roots}
            changed |= _merge_on_shared(people, roots, tokens, "name+affiliation")
        for roots in live.values():
            roots = sorted({people.find(r) for r in roots})
            if len(roots) > 1:
                coauthors = {r: _coauthors(people, r, by_work) for r in roots}
                changed |= _merge_on_shared(people, roots, coauthors, "name+coauthor")

    # 5. Same name key, compatible names, no evidence: kept apart, listed for the reader.
    name_only = []
    for key in sorted(groups):
        roots = sorted({people.find(i) for i in groups[key]})
        if len(roots) > 1:
            kept = _name_only_candidates(people, roots)
            if kept:
                name_only.append((key, kept))

    return _author_tables(mentions, people, name_only)


def _align(people: _People, left: list[_Mention], right: list[_Mention]) -> None:
    # Position 0 means "not given": only real positions can align people.
    by_pos = {m.author.position: m for m in right if m.author.position}
    right_keys: dict[str, list[_Mention]] = defaultdict(list)
    for m in right:
        right_keys[m.key].append(m)
    left_keys: dict[str, int] = defaultdict(int)
    for m in left:
        left_keys[m.key] += 1
    used: set[int] = set()
    for m in left:
        other = by_pos.get(m.author.position) if m.author.position else None
        if (
            other is not None
            and other.idx not in used
            and family_compatible(m.last_fold, other.last_fold)
            and given_compatible(m.fore, other.fore)
        ):
            pass
        elif left_keys[m.key] == 1 and len(right_keys[m.key]) == 1:
            other = right_keys[m.key][0]
            if other.idx in used or not given_compatible(m.fore, other.fore):
                continue
        else:
            continue
        if people.union(m.idx, other.idx, "same-work"):
            used.add(other.idx)


def _merge_on_shared(
    people: _People, roots: list[int], evidence: dict[int, set], rule: str
) -> bool:
    """Merge clusters of one name key that share an evidence item (only those pairs are tried,
    so a common name key costs what its evidence overlaps cost, not all pairs)."""
    index: dict[Any, list[int]] = defaultdict(list)
    for r in roots:
        for item in evidence[r]:
            index[item].append(r)
    changed = False
    for item in sorted(index):
        members = index[item]
        if len(members) < 2:
            continue
        for i, j in _candidate_pairs(people, members):
            a, b = people.find(i), people.find(j)
            if a != b and _could_be_same(people, a, b):
                changed |= people.union(a, b, rule)
    return changed


def _candidate_pairs(people: _People, members: list[int]) -> list[tuple[int, int]]:
    """Pairs that may have compatible fore names: same first fore-name token, or one side
    known only by initials. Many different "Y. Wang"s at one university stay cheap."""
    buckets: dict[str, list[int]] = defaultdict(list)
    initials: list[int] = []
    for r in members:
        firsts = {t[0] for t in map(given_tokens, people.fores[people.find(r)]) if t}
        if all(len(t) == 1 for t in firsts):
            initials.append(r)
        for t in firsts:
            if len(t) > 1:
                buckets[t].append(r)
    pairs: set[tuple[int, int]] = set()
    for bucket in buckets.values():
        pairs.update(combinations(bucket, 2))
    for i in initials:
        pairs.update((min(i, r), max(i, r)) for r in members if r != i)
    return sorted(pairs)


def _name_only_candidates(people: _People, roots: list[int]) -> list[int]:
    """The people of one name key that could be someone else in the group (rule 5).

    Only people whose first fore-name token matches (or is the initial of) another's can be
    compatible, so candidates come from an index on that token instead of all pairs: a common
    key such as ``wang|y`` with thousands of distinct people stays cheap.
    """
    by_first: dict[str, list[int]] = defaultdict(list)
    initials_only: list[int] = []
    firsts: dict[int, set[str]] = {}
    for r in roots:
        tokens = {t[0] for t in (given_tokens(f) for f in people.fores[r]) if t}
        firsts[r] = tokens
        for t in tokens:
            by_first[t].append(r)
        if all(len(t) == 1 for t in tokens):
            initials_only.append(r)
    kept: set[int] = set()
    for r in roots:
        if r in kept:
            continue
        if r in initials_only:
            candidates: list[int] = roots  # an initial is compatible with every first name
        else:
            candidates = [c for t in firsts[r] for c in by_first[t] + by_first[t[0]]]
            candidates += initials_only
        for other in candidates:
            if other != r and _could_be_same(people, r, other):
                kept.update((r, other))
                break
    return sorted(kept)


def _could_be_same(people: _People, a: int, b: int) -> bool:
    """Rule 4 preconditions: joinable, never on one paper together, all fore names compatible."""
    if not people.can_join(a, b) or people.works[a] & people.works[b]:
        return False
    return all(given_compatible(x, y) for x in people.fores[a] for y in people.fores[b])


def _coauthors(people: _People, root: int, by_work: dict[str, list[int]]) -> set[int]:
    out: set[int] = set()
    for work in people.works[root]:
        for i in by_work[work]:
            r = people.find(i)
            if r != root:
                out.add(r)
    return out


@lru_cache(maxsize=200_000)
def _person(
    name: str, last: str | None, fore: str | None, initials: str | None, suffix: str | None
) -> PersonName:
    # PubMed's parts win over the display name; the same names recur across records.
    return parse_name(name, family=last, given=fore, initials=initials, suffix=suffix)


@lru_cache(maxsize=200_000)
def _orcid(text: str) -> str | None:
    return normalize_orcid(text)


@lru_cache(maxsize=200_000)
def _author_openalex(text: str) -> str | None:
    value = normalize_openalex_id(text)
    return value if value and value.startswith("A") else None


@lru_cache(maxsize=200_000)
def _fold(text: str) -> str:
    # Names and affiliations repeat across records; folding is the costliest step of the merge.
    return fold_name(text)


def _author_tables(
    mentions: list[_Mention], people: _People, name_only: list[tuple[str, list[int]]]
) -> tuple[list[dict], list[dict], list[dict]]:
    clusters: dict[int, list[_Mention]] = defaultdict(list)
    for m in mentions:
        clusters[people.find(m.idx)].append(m)

    # The name: structured parts (PubMed) first, then the fullest fore name, then the stronger
    # source; merge_names fills what the first lacks (a fuller given name, a suffix).
    def best(ms: list[_Mention]) -> PersonName:
        ms = sorted(ms, key=lambda m: (not m.person.structured, -len(given_tokens(m.fore)),
                                       -len(m.fore), m.rank, m.fore, m.last))  # fmt: skip
        return reduce(merge_names, (m.person for m in ms))

    names: dict[int, PersonName] = {}
    base_ids: dict[int, str] = {}
    for root, ms in clusters.items():
        b = names[root] = best(ms)
        base_ids[root] = _author_node_id(
            orcid=people.orcid[root],
            openalex_id=people.openalex[root],
            last_name=b.family,
            fore_name=b.given or b.initials,
        )
    # Separate people who share a name id get "#2", "#3" in the order of their first authorship.
    by_base: dict[str, list[int]] = defaultdict(list)
    for root in clusters:
        by_base[base_ids[root]].append(root)
    final: dict[int, str] = {}
    for base, roots in by_base.items():
        roots.sort(key=lambda r: min((m.work, m.author.position, m.source) for m in clusters[r]))
        for n, root in enumerate(roots, start=1):
            final[root] = base if n == 1 else f"{base}#{n}"

    author_rows = []
    authorship_rows = []
    for root, ms in clusters.items():
        b = names[root]
        countries: dict[str, None] = {}
        variants: dict[str, None] = {}
        for m in ms:
            countries.update(dict.fromkeys(i.country for i in m.author.institutions if i.country))
            if m.author.name:
                variants[m.author.name] = None
        affs = dedupe_affiliations(a for m in ms for a in m.author.affiliations)
        insts = [i for m in ms for i in m.author.institutions]
        rule = people.rule[root]
        author_rows.append(
            {
                "id": final[root],
                "name": b.full,
                "last_name": b.family or None,
                "fore_name": b.given or b.initials or None,
                "suffix": b.suffix or None,
                "orcid": people.orcid[root],
                "openalex_id": people.openalex[root],
                "affiliations": affs,
                "institutions": institution_names(insts, affs),
                "countries": list(countries),
                "variants": list(variants),
                "sources": sorted({m.source for m in ms}),
                "merge_rule": rule,
                "merge_confidence": RULE_CONFIDENCE[rule],
            }
        )
        per_work: dict[str, list[_Mention]] = defaultdict(list)
        for m in ms:
            per_work[m.work].append(m)
        for work, wms in per_work.items():
            wms.sort(key=lambda m: (m.rank, m.source, m.author.position))
            lead = wms[0]
            w_affs = dedupe_affiliations(a for m in wms for a in m.author.affiliations)
            w_insts = [i for m in wms for i in m.author.institutions]
            authorship_rows.append(
                {
                    "work_id": work,
                    "author_id": final[root],
                    "position": lead.author.position,
                    "name": lead.author.name,
                    "affiliations": w_affs,
                    "institutions": institution_names(w_insts, w_affs),
                    "sources": sorted({m.source for m in wms}),
                }
            )
    author_rows.sort(key=lambda r: r["id"])
    authorship_rows.sort(key=lambda r: (r["work_id"], r["position"] or 0, r["author_id"]))
    notes = [
        {
            "name_key": key,
            "author_ids": sorted(final[r] for r in roots),
            "rule": "name-only",
            "confidence": RULE_CONFIDENCE["name-only"],
            "action": "not merged: same name key, compatible names, no shared affiliation or "
            "co-author",
        }
        for key, roots in name_only
    ]
    return author_rows, authorship_rows, notes
