"""Fidelity: a live-client crawl of the emulator compared with its ground truth, field by field.

The emulator serves the hard cases of real records (tests/emulator/variety.py) and knows, per
work, what a faithful client must end up with (`CorpusIndex.truth`). Here the real clients
(`make_clients`, ``retries=0``) crawl the default SYNTHETIC corpus at depth 1 and every work
the crawl holds is checked against that truth: reference links (including those only PubMed's
``CommentsCorrections`` list names), retraction flag and relations, full page ranges, clean
titles, author family/given/suffix, group authors, one journal per ISSN-L, all authors of
works OpenAlex lists cut at 100, and affiliations without near-duplicates or junk. Each assertion lists every work that differs, so one run shows
the whole gap.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from citegraph.collect import Collector, FetchOptions, make_clients
from citegraph.model import Corpus
from tests.emulator.server import EmulatorServer
from tests.emulator.variety import GROUP_NAME


class Crawl:
    """One crawl of the emulator, the requests it made, and the truth to compare with."""

    def __init__(self, server: EmulatorServer) -> None:
        server.reset()
        clients = make_clients(
            pubmed_url=server.pubmed_url,
            icite_url=server.icite_url,
            openalex_url=server.openalex_url,
            rate=1000,
            retries=0,
        )
        self.corpus: Corpus = Collector(
            [server.seed], clients, FetchOptions(max_per_kind=1000)
        ).run()
        self.requests = server.requests()
        server.reset()
        self.truth: dict[str, dict[str, Any]] = server.index.truth()["works"]
        works = self.corpus.works
        self.row_of: dict[str, int] = {}
        for i, row in enumerate(works.itertuples()):
            for key in _keys(row.pmid, row.doi, row.openalex_id):
                self.row_of.setdefault(key, i)
        #: truth key → row number, for every true work the crawl holds
        self.found: dict[str, int] = {}
        for key, fact in self.truth.items():
            rows = {self.row_of[k] for k in _keys(**fact["ids"]) if k in self.row_of}
            if rows:
                assert len(rows) == 1, f"{key} is split over rows {rows}"
                self.found[key] = rows.pop()

    def row(self, key: str) -> Any:
        return self.corpus.works.iloc[self.found[key]]

    def node(self, ids: dict[str, Any]) -> str | None:
        keys = _keys(ids["pmid"], ids["doi"], ids["openalex_id"])
        rows = {self.row_of[k] for k in keys if k in self.row_of}
        return self.corpus.works.iloc[rows.pop()]["id"] if rows else None


def _keys(pmid: str | None, doi: str | None, openalex_id: str | None) -> list[str]:
    keys = []
    if isinstance(pmid, str) and pmid:
        keys.append(f"pmid:{pmid}")
    if isinstance(doi, str) and doi:
        keys.append(f"doi:{doi.lower()}")
    if isinstance(openalex_id, str) and openalex_id:
        keys.append(openalex_id)
    return keys


@pytest.fixture(scope="module")
def crawl(emulator_server: EmulatorServer) -> Crawl:
    return Crawl(emulator_server)


def _report(problems: list[str], what: str) -> str:
    head = "\n  ".join(problems[:15])
    more = f"\n  … and {len(problems) - 15} more" if len(problems) > 15 else ""
    return f"{len(problems)} works differ from the truth in {what}:\n  {head}{more}"


def test_the_crawl_covers_the_variety(crawl: Crawl) -> None:
    found = [crawl.truth[k] for k in crawl.found]
    assert len(found) > 150
    assert any(f["retracted"] for f in found)
    assert {r["type"] for f in found for r in f["relations"]} >= {
        "RetractionIn", "ErratumIn", "CommentIn", "RetractionOf", "ErratumFor", "CommentOn"
    }  # fmt: skip
    assert sum(f["n_authors"] > 100 for f in found) == 2
    assert any(a.get("suffix") for f in found for a in f["authors"])
    assert any(a["group"] for f in found for a in f["authors"])


def test_the_clients_send_nothing_the_apis_refuse(crawl: Crawl) -> None:
    refused = [r for r in crawl.requests if r["status"] in (400, 401, 404) and r["ids"] != 1]
    ignored = [r for r in crawl.requests if r.get("ignored")]
    assert not refused, refused[:3]
    assert not ignored, ignored[:3]


def _reference_problems(crawl: Crawl, *, only_record: bool) -> tuple[list[str], int]:
    links = crawl.corpus.links
    refs = links[links["kind"] == "references"]
    have = set(zip(refs["source"], refs["target"], strict=True))
    problems, checked = [], 0
    for key, row_number in crawl.found.items():
        source = crawl.corpus.works.iloc[row_number]["id"]
        for ref in crawl.truth[key]["references"]:
            if only_record and ref["via"] != ["pubmed_comments_corrections"]:
                continue
            target = crawl.node(ref)
            if target is None:
                continue  # pruned by design: both ends must be in the corpus
            checked += 1
            if (source, target) not in have:
                problems.append(f"{source} → {target} (named by {', '.join(ref['via'])})")
    return problems, checked


def test_every_true_reference_between_crawled_works_is_a_link(crawl: Crawl) -> None:
    problems, checked = _reference_problems(crawl, only_record=False)
    assert checked > 200
    assert not problems, _report(problems, "reference links")


def test_references_only_commentscorrections_names_are_links(crawl: Crawl) -> None:
    problems, checked = _reference_problems(crawl, only_record=True)
    assert checked > 0
    assert not problems, _report(problems, "CommentsCorrections 'Cites' links")


def test_retracted_flag_and_relations(crawl: Crawl) -> None:
    problems = []
    for key in crawl.found:
        row, fact = crawl.row(key), crawl.truth[key]
        relations = sorted(f"{r['type']} {r['id']}" for r in fact["relations"])
        got = sorted(row["relations"] or [])
        if bool(row["retracted"]) != fact["retracted"] or got != relations:
            problems.append(
                f"{row['id']}: retracted={row['retracted']!r} relations={got} "
                f"(truth: {fact['retracted']}, {relations})"
            )
    assert not problems, _report(problems, "retraction/relations")


def test_pages_are_full_ranges(crawl: Crawl) -> None:
    problems = [
        f"{crawl.row(k)['id']}: {crawl.row(k)['pages']!r} (truth {crawl.truth[k]['pages']!r})"
        for k in crawl.found
        if crawl.row(k)["pages"] != crawl.truth[k]["pages"]
    ]
    assert not problems, _report(problems, "pages")


def test_titles_are_clean_unicode(crawl: Crawl) -> None:
    problems = []
    for key in crawl.found:
        title = crawl.row(key)["title"]
        # PubMed ends titles with a full stop; that is a convention, not part of the title.
        if not isinstance(title, str) or title.rstrip(".") != crawl.truth[key]["title"]:
            problems.append(
                f"{crawl.row(key)['id']}: {title!r} (truth {crawl.truth[key]['title']!r})"
            )
    assert not problems, _report(problems, "titles")


def _authors_of(crawl: Crawl, key: str) -> list[dict[str, Any]]:
    corpus = crawl.corpus
    work_id = crawl.row(key)["id"]
    rows = corpus.authorships[corpus.authorships["work_id"] == work_id].sort_values("position")
    authors = corpus.authors.set_index("id")
    return [authors.loc[a].to_dict() for a in rows["author_id"]]


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def _given(value: object) -> str | None:
    """Given names compare without full stops ("Jana M." and "Jana M" are the same name)."""
    return " ".join(value.replace(".", " ").split()) if _text(value) else None  # type: ignore[union-attr]


def test_author_family_given_and_suffix(crawl: Crawl) -> None:
    """Works PubMed knows name every author in full (LastName, ForeName, Suffix)."""
    problems = []
    for key in crawl.found:
        fact = crawl.truth[key]
        if not fact["ids"]["pmid"]:
            continue
        people = [a for a in fact["authors"] if not a["group"]]
        got = [
            (a["last_name"], _given(a["fore_name"]), a["suffix"] if _text(a["suffix"]) else None)
            for a in _authors_of(crawl, key)
        ]
        want = [(a["family"], _given(a["given"]), a["suffix"]) for a in people]
        if got != want:
            diff = [f"{g} ≠ {w}" for g, w in zip(got, want, strict=False) if g != w]
            if len(got) != len(want):
                diff.append(f"{len(got)} authors, truth {len(want)}")
            problems.append(f"{crawl.row(key)['id']}: " + "; ".join(diff[:3]))
    assert not problems, _report(problems, "author names")


def test_group_authors_are_groups_not_people(crawl: Crawl) -> None:
    problems = []
    for key in crawl.found:
        fact = crawl.truth[key]
        groups = [a["name"] for a in fact["authors"] if a["group"]]
        row = crawl.row(key)
        people = _authors_of(crawl, key)
        as_person = [a for a in people if GROUP_NAME in str(a["name"])]
        collective = row["collective_author"] if isinstance(row["collective_author"], str) else None
        if (groups[0] if groups else None) != collective or as_person:
            problems.append(
                f"{row['id']}: collective_author={collective!r}, "
                f"{len(as_person)} group author(s) listed as people (truth {groups})"
            )
    assert not problems, _report(problems, "group authors")


def test_truncated_works_have_all_their_authors(crawl: Crawl) -> None:
    problems = []
    for key in crawl.found:
        fact = crawl.truth[key]
        if fact["n_authors"] <= 100:
            continue
        got = len(_authors_of(crawl, key))
        if got != fact["n_authors"]:
            problems.append(f"{crawl.row(key)['id']}: {got} authors (truth {fact['n_authors']})")
    assert not problems, _report(problems, "author counts of works with > 100 authors")


def test_one_journal_name_and_id_per_issn_l(crawl: Crawl) -> None:
    names: dict[str, Counter] = {}
    ids: dict[str, Counter] = {}
    problems = []
    for key in crawl.found:
        fact, row = crawl.truth[key], crawl.row(key)
        issn_l = fact["journal"]["issn_l"]
        if row["issn_l"] != issn_l:
            problems.append(f"{row['id']}: issn_l={row['issn_l']!r} (truth {issn_l})")
        names.setdefault(issn_l, Counter())[row["journal"]] += 1
        ids.setdefault(issn_l, Counter())[row["journal_id"]] += 1
    for issn_l, seen in names.items():
        if len(seen) != 1:
            problems.append(f"ISSN-L {issn_l}: journal names {dict(seen)}")
        if len(ids[issn_l]) != 1 or None in ids[issn_l]:
            problems.append(f"ISSN-L {issn_l}: journal_id values {dict(ids[issn_l])}")
    truth_names = {f["journal"]["issn_l"]: f["journal"]["name"] for f in crawl.truth.values()}
    for issn_l, seen in names.items():
        name = next(iter(seen))
        if len(seen) == 1 and str(name).casefold() != truth_names[issn_l].casefold():
            problems.append(f"ISSN-L {issn_l}: {name!r} (truth {truth_names[issn_l]!r})")
    assert not problems, _report(problems, "journal identity")


def _affiliation_key(text: str) -> str:
    """Near-duplicates (case, doubled spaces, a missing comma, a final full stop) share this key."""
    return " ".join(text.casefold().replace(",", " ").split()).rstrip(".")


def test_affiliations_are_distinct_and_free_of_junk(crawl: Crawl) -> None:
    problems = []
    authorships = crawl.corpus.authorships
    for key in crawl.found:
        row = crawl.row(key)
        want = {_affiliation_key(a) for a in crawl.truth[key]["affiliations"]}
        texts = [
            a
            for affs in authorships.loc[authorships["work_id"] == row["id"], "affiliations"]
            for a in (affs if isinstance(affs, list) else [])
        ]
        got = {_affiliation_key(a) for a in texts}
        near_duplicates = len(set(texts)) - len(got)
        if crawl.truth[key]["ids"]["openalex_id"] and "openalex" not in row["sources"]:
            want &= got  # the crawl never asked OpenAlex for this work: only PubMed's subset
        if got != want or near_duplicates:
            problems.append(
                f"{row['id']}: {near_duplicates} near-duplicate(s), "
                f"junk or extra {sorted(got - want)[:2]}, missing {sorted(want - got)[:2]}"
            )
    assert not problems, _report(problems, "affiliations")
