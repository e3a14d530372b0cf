"""Journal identity: which works appeared in one journal, and one name and abbreviation for it.

Sources spell one journal differently (PubMed "Emulated cell therapy", OpenAlex "Emulated Cell
Therapy"). Identity comes from ISSNs first and from the title only where no ISSN is known:

1. **ISSN-L** (PubMed ``MedlineJournalInfo/ISSNLinking``, OpenAlex ``source.issn_l``).
2. **Any shared ISSN** (print or electronic, the ``issn`` lists): all ISSNs one record names are
   one journal. Two groups with different ISSN-Ls are never joined (as two PMIDs never make one
   work).
3. **Normalised title** (`title_key`) for works without any ISSN: they join the one ISSN group
   whose names have that key, or, when none or several do, a group of their own.

The id is ``issn:<ISSN-L>``, else ``issn:<smallest ISSN of the group>``, else
``title:<key of the display name>``. ``docs/merge-rules.md`` §1 states the same rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd

# Only the shared tables: citegraph.merge imports this module (as a module, so either may be
# imported first).
from citegraph.merge.rules import SOURCE_RANK, find_root
from citegraph.model import WorkRecord, is_missing, text_or_empty

__all__ = [
    "Journal",
    "assign_journals",
    "journal_index",
    "normalize_issn",
    "title_key",
]

_ISSN = re.compile(r"^(\d{4})-?(\d{3}[\dX])$")


@dataclass(frozen=True)
class Journal:
    """One journal: its id, the one display name and abbreviation shown for it, its ISSNs."""

    id: str
    name: str | None
    abbrev: str | None
    issn_l: str | None
    issns: tuple[str, ...] = ()
    #: The service whose spelling of the name / abbreviation was chosen ("table" for old tables).
    name_source: str | None = None
    abbrev_source: str | None = None


def normalize_issn(value: Any) -> str | None:
    """An ISSN as ``NNNN-NNNC`` (upper-case check character), or None when it is not one.

    The check character is verified, so a misprinted ISSN never joins two journals.

    Examples
    --------
    >>> normalize_issn("1759-4804"), normalize_issn(" 0028 0836 "), normalize_issn("ISSN 17594790")
    ('1759-4804', '0028-0836', '1759-4790')
    >>> normalize_issn("9999-108x")  # generated, in the unassigned 9999- block
    '9999-108X'
    >>> normalize_issn("1759-4805") is None, normalize_issn(None) is None
    (True, True)
    """
    if value is None or (not isinstance(value, str) and is_missing(value)):
        return None
    return _issn_text(str(value))


@lru_cache(maxsize=100_000)
def _issn_text(value: str) -> str | None:
    text = re.sub(r"[\s\u2010-\u2015]+", "", value.upper()).replace("ISSN", "")
    match = _ISSN.match(text.replace("-", "", 1) if text.count("-") == 1 else text)
    if not match:
        return None
    digits = match.group(1) + match.group(2)
    total = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    if digits[7] != ("X" if check == 10 else str(check)):
        return None
    return f"{digits[:4]}-{digits[4:]}"


def title_key(title: Any) -> str:
    """A journal title folded for comparison ("" when there is nothing to compare).

    NFKD with accents removed, case-folded, "&" read as "and", punctuation as space, spaces
    collapsed, a leading "The" dropped.

    Examples
    --------
    >>> title_key("The Journal of Bone & Joint Surgery")
    'journal of bone and joint surgery'
    >>> title_key("Nature reviews. Rheumatology") == title_key("Nature Reviews Rheumatology")
    True
    >>> title_key("Revista Española de Cardiología")
    'revista espanola de cardiologia'
    """
    if title is None or (not isinstance(title, str) and is_missing(title)):
        return ""
    return _title_key_text(str(title))


@lru_cache(maxsize=100_000)
def _title_key_text(title: str) -> str:
    text = unicodedata.normalize("NFKD", title)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ")
    text = re.sub(r"[\W_]+", " ", text).strip()
    return re.sub(r"^the ", "", text)


@dataclass
class _Mention:
    """What one record (or one table row) says about the journal of one work."""

    work: str
    source: str
    name: str | None
    abbrev: str | None
    issn_l: str | None
    issns: tuple[str, ...]


def assign_journals(records_by_work: Mapping[str, Iterable[WorkRecord]]) -> dict[str, Journal]:
    """The journal of each work, over all records of a merge (see the module docstring).

    Parameters
    ----------
    records_by_work
        Work id → the records merged into that work (any order).

    Returns
    -------
    dict
        Work id → `Journal`, for every work some record names a journal or ISSN for.
        Display name: PubMed's (then facts', OpenAlex's, iCite's) ``journal`` among the
        variants that are not all lower or all upper case when a mixed-case one exists; ties go to
        the variant most works print, then the alphabetically first. The abbreviation is chosen
        the same way from ``journal_abbrev``.

    Examples
    --------
    >>> # generated records (the emulator's journal, ISSNs in the unassigned 9999- block)
    >>> pm = WorkRecord(source="pubmed", pmid="1", journal="Emulated cell therapy",
    ...                 journal_abbrev="Emul Cell Ther", issn=["9999-1004"], issn_l="9999-1004")
    >>> oa = WorkRecord(source="openalex", openalex_id="W2", journal="Emulated Cell Therapy",
    ...                 issn=["9999-1004", "9999-1012"])
    >>> j = assign_journals({"pmid:1": [pm], "W2": [oa]})
    >>> j["W2"] == j["pmid:1"], j["W2"].id, j["W2"].name, j["W2"].abbrev
    (True, 'issn:9999-1004', 'Emulated cell therapy', 'Emul Cell Ther')
    """
    mentions = [
        _Mention(
            work=work,
            source=rec.source,
            name=text_or_empty(rec.journal, strip=True) or None,
            abbrev=text_or_empty(rec.journal_abbrev, strip=True) or None,
            issn_l=normalize_issn(rec.issn_l),
            issns=tuple(i for i in map(normalize_issn, rec.issn or ()) if i),
        )
        for work, recs in records_by_work.items()
        for rec in recs
    ]
    return _assign(mentions)


def journal_index(works: pd.DataFrame) -> tuple[list[str | None], dict[str, Journal]]:
    """The journal id of each row of a works table, and each journal by id.

    Rows keep the ``journal_id`` the merge gave them. Tables saved before journal ids existed
    (the column is absent or empty) get ids computed from their ``issn_l``, ``issn``,
    ``journal`` and ``journal_abbrev`` with the rules of `assign_journals`, each row counting
    as the source that gave its ``journal`` (``field_sources``).

    Examples
    --------
    >>> works = pd.DataFrame({"id": ["a", "b", "c"],  # generated
    ...                       "journal": ["Emulated cell therapy", "Emulated Cell Therapy", None],
    ...                       "issn": [["9999-1004"], [], []]})
    >>> ids, journals = journal_index(works)
    >>> ids
    ['issn:9999-1004', 'issn:9999-1004', None]
    >>> journals["issn:9999-1004"].name
    'Emulated Cell Therapy'
    """
    n = len(works)
    col = _column(works, "journal_id", n)
    names, abbrevs = _column(works, "journal", n), _column(works, "journal_abbrev", n)
    issn_ls, issns = _column(works, "issn_l", n), _column(works, "issn", n)
    sources = _column(works, "field_sources", n)
    mentions = []
    for i in range(n):
        given = isinstance(sources[i], dict) and sources[i].get("journal")
        mentions.append(
            _Mention(
                work=str(i),
                source=given if given in SOURCE_RANK else "table",
                name=text_or_empty(names[i], strip=True) or None,
                abbrev=text_or_empty(abbrevs[i], strip=True) or None,
                issn_l=normalize_issn(issn_ls[i]),
                issns=tuple(x for x in map(normalize_issn, _listed(issns[i])) if x),
            )
        )
    known = [text_or_empty(v, strip=True) for v in col]
    if n and all(known[i] or not _says_anything(mentions[i]) for i in range(n)):
        # Merged tables: the ids are given; names are already one per journal.
        by_id: dict[str, list[_Mention]] = defaultdict(list)
        for i, m in enumerate(mentions):
            if known[i]:
                by_id[known[i]].append(m)
        journals = {jid: _journal(jid, ms) for jid, ms in by_id.items()}
        return [k or None for k in known], journals
    assigned = _assign(mentions)
    ids = [assigned[str(i)].id if str(i) in assigned else None for i in range(n)]
    return ids, {j.id: j for j in assigned.values()}


def _assign(mentions: list[_Mention]) -> dict[str, Journal]:
    by_work: dict[str, list[_Mention]] = defaultdict(list)
    for m in mentions:
        if _says_anything(m):
            by_work[m.work].append(m)

    # ISSN groups: union-find over ISSNs that refuses to join two ISSN-Ls.
    parent: dict[str, str] = {}
    linking: dict[str, str | None] = {}

    def add(key: str, issn_l: str | None) -> None:
        if key not in parent:
            parent[key] = key
            linking[key] = None
        root = find_root(parent, key)
        if issn_l and not linking[root]:
            linking[root] = issn_l

    def union(a: str, b: str) -> None:
        ra, rb = find_root(parent, a), find_root(parent, b)
        if ra == rb or (linking[ra] and linking[rb] and linking[ra] != linking[rb]):
            return
        if rb < ra:
            ra, rb = rb, ra
        parent[rb] = ra
        linking[ra] = linking[ra] or linking[rb]

    work_issns: dict[str, list[str]] = {}
    for work in sorted(by_work):
        keys: list[str] = []
        for m in by_work[work]:
            issns = ([m.issn_l] if m.issn_l else []) + list(m.issns)
            for issn in issns:
                add(issn, m.issn_l)
            # One record names one journal: all its ISSNs go together.
            for other in issns[1:]:
                union(issns[0], other)
            keys.extend(issns)
        if keys:
            work_issns[work] = keys
    # A work whose records disagree (two ISSN-L groups) goes with its first record's group.
    group_of: dict[str, str] = {w: find_root(parent, keys[0]) for w, keys in work_issns.items()}

    # Title keys of each ISSN group, so works without ISSNs can join the one that matches.
    titles_of_group: dict[str, set[str]] = defaultdict(set)
    for work, root in group_of.items():
        for m in by_work[work]:
            titles_of_group[root].update(_title_keys(m))
    groups_by_title: dict[str, set[str]] = defaultdict(set)
    for root, keys in titles_of_group.items():
        for key in keys:
            groups_by_title[key].add(root)

    title_parent: dict[str, str] = {}
    for work in sorted(by_work):
        if work in group_of:
            continue
        keys = sorted({k for m in by_work[work] for k in _title_keys(m)})
        matches = {g for k in keys for g in groups_by_title.get(k, ())}
        if len(matches) == 1:
            group_of[work] = next(iter(matches))
            continue
        for key in keys:
            title_parent.setdefault(f"title:{key}", f"title:{key}")
        for key in keys[1:]:
            a = find_root(title_parent, f"title:{keys[0]}")
            b = find_root(title_parent, f"title:{key}")
            if a != b:
                title_parent[max(a, b)] = min(a, b)
        if keys:
            group_of[work] = find_root(title_parent, f"title:{keys[0]}")

    members: dict[str, list[_Mention]] = defaultdict(list)
    for work in sorted(group_of):
        root = group_of[work]
        if root.startswith("title:"):
            root = find_root(title_parent, root)
            group_of[work] = root
        members[root].extend(by_work[work])
    smallest: dict[str, str] = {}
    for key in parent:
        root = find_root(parent, key)
        smallest[root] = min(smallest.get(root, key), key)
    journals: dict[str, Journal] = {}
    for root, ms in members.items():
        jid = "" if root.startswith("title:") else f"issn:{linking[root] or smallest[root]}"
        journals[root] = _journal(jid, ms)
    return {work: journals[root] for work, root in group_of.items()}


def _journal(jid: str, ms: list[_Mention]) -> Journal:
    name, name_source = _pick([(m.source, m.name) for m in ms])
    abbrev, abbrev_source = _pick([(m.source, m.abbrev) for m in ms])
    issn_ls = Counter(m.issn_l for m in ms if m.issn_l)
    issn_l = min(issn_ls, key=lambda x: (-issn_ls[x], x)) if issn_ls else None
    issns = sorted({i for m in ms for i in ((m.issn_l,) if m.issn_l else ()) + m.issns})
    if not jid:
        jid = f"title:{title_key(name or abbrev)}"
    return Journal(
        id=jid,
        name=name,
        abbrev=abbrev,
        issn_l=issn_l,
        issns=tuple(issns),
        name_source=name_source,
        abbrev_source=abbrev_source,
    )


def _pick(variants: list[tuple[str, str | None]]) -> tuple[str | None, str | None]:
    """One spelling: mixed case over all-lower/all-upper, then source rank (facts, PubMed,
    OpenAlex, iCite, others), then the spelling most mentions use, then alphabetical."""
    counts = Counter(text for _, text in variants if text)
    if not counts:
        return None, None
    best_rank: dict[str, int] = {}
    for source, text in variants:
        if text:
            rank = _rank(source)
            best_rank[text] = min(best_rank.get(text, rank), rank)

    def key(text: str) -> tuple:
        flat = text == text.lower() or text == text.upper()
        return (flat, best_rank[text], -counts[text], text)

    text = min(counts, key=key)
    return text, min((s for s, t in variants if t == text), key=lambda s: (_rank(s), s))


def _rank(source: str) -> int:
    return SOURCE_RANK.get(source, len(SOURCE_RANK))


def _title_keys(m: _Mention) -> set[str]:
    return {k for k in (title_key(m.name), title_key(m.abbrev)) if k}


def _says_anything(m: _Mention) -> bool:
    return bool(m.name or m.abbrev or m.issn_l or m.issns)


def _column(works: pd.DataFrame, name: str, n: int) -> list[Any]:
    return list(works[name]) if name in works.columns else [None] * n


def _listed(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if value is None or is_missing(value):
        return []
    try:
        return list(value)  # numpy arrays from parquet or pandas
    except TypeError:
        return [value]
