"""Small corpora for tests: HAND-BUILT TEST DATA, not real bibliographic records.

Identifiers use ranges no real record has (PMIDs 9000000xx, DOIs under the 10.5555 test prefix,
OpenAlex-shaped ids W90000000xx) and titles/names say they are test data. The shapes are
realistic: several journals and years, works known to one or two sources, references, PubMed
"similar" links with scores, an OpenAlex "related" link, a link to a work outside the corpus,
authors with and without ORCIDs and affiliations, and one title that tries to inject a script.

- `small_corpus`: 8 works, 9 authors in two groups that share one bridging author.
- `seed_like_corpus`: one seed work with 24 authors, affiliations for 13, no ORCIDs (the shape
  of the bundled snapshot of PMID 40603629), names generated.
- `single_work_corpus`: one work without authors, year or journal.
- `generated_corpus`: a seeded random corpus of any size (for property checks and benchmarks).
"""

from __future__ import annotations

import random

from citegraph.model import Corpus

XSS_TITLE = "<script>alert(1)</script> Test work with markup in its title"

_AFFS = {
    "north": "Division of Test Immunology, North Test University Hospital, Testville, MA, USA.",
    "north2": "Department of Paediatrics, North Test University School of Medicine, Testville, "
    "MA 02115, USA. tester@example.org",
    "south": "Section of Rheumatology, South Example Institute of Health, Exampleton, Germany.",
    "south2": "Laboratory of Cell Therapy, South Example Institute of Health, Exampleton, Germany.",
}


def _w(n: int, **kw: object) -> dict:
    row = {"id": f"pmid:9000000{n:02d}", "pmid": f"9000000{n:02d}", "doi": f"10.5555/test.{n}"}
    row.update(kw)
    return row


def small_corpus() -> Corpus:
    """8 works (1 seed), 9 authors, 9 references, 2 similar, 1 related, 1 link outside."""
    works = [
        _w(1, title="Test seed work: CAR T cells in a test disease", journal="Test Journal A",
           year=2025, is_seed=True, cited_by_count=4, pub_types=["Review"],
           sources=["pubmed", "openalex"], openalex_id="W9000000001"),
        _w(2, title="Test work two", journal="Test Journal A", year=2023, cited_by_count=10,
           pub_types=["Journal Article"], sources=["pubmed"]),
        _w(3, title=XSS_TITLE, journal="Test Journal B", year=2022, cited_by_count=3,
           pub_types=["Journal Article"], sources=["openalex"], openalex_id="W9000000003"),
        _w(4, title="Test work four", journal="Test Journal B", year=2019, cited_by_count=0,
           pub_types=["Journal Article"], sources=["pubmed", "openalex"]),
        _w(5, title="Test work five", journal="Test Journal A", year=2021,
           pub_types=["Review"], sources=["pubmed"]),
        _w(6, title="Test work six (no journal)", year=2020, cited_by_count=1,
           pub_types=["Journal Article"], sources=["openalex"]),
        _w(7, title="Test work seven (no year)", journal="Test Journal C", cited_by_count=2,
           pub_types=["Letter"], sources=["pubmed"]),
        _w(8, title="Test work eight", journal="Test Journal C", year=2024, cited_by_count=5,
           pub_types=["Journal Article"], sources=["pubmed"], collective_author="Test Group"),
    ]  # fmt: skip
    people = [
        ("a1", "Ada Testwright", "Testwright", "Ada", "0000-0000-0000-0001", ["north"]),
        ("a2", "Ben Samplesson", "Samplesson", "Ben", None, ["north"]),
        ("a3", "Cy Mockford", "Mockford", "Cy", None, ["north2"]),
        ("a4", "Di Fakeley", "Fakeley", "Di", "0000-0000-0000-0004", ["north", "south"]),
        ("a5", "Ed Dummond", "Dummond", "Ed", None, ["south"]),
        ("a6", "Flo Placeholder", "Placeholder", "Flo", None, ["south2"]),
        ("a7", "Gus Stubbs", "Stubbs", "Gus", None, []),
        ("a8", "Hal Proxima", "Proxima", "Hal", None, ["south"]),
        ("a9", "Ivy Lonely", "Lonely", "Ivy", None, []),
    ]
    authors = [
        {"id": f"orcid:{orcid}" if orcid else f"name:{last.lower()}|{fore[0].lower()}",
         "name": name, "last_name": last, "fore_name": fore, "orcid": orcid,
         "affiliations": [_AFFS[a] for a in affs], "sources": ["pubmed"],
         "merge_rule": "orcid" if orcid else "name"}
        for _, name, last, fore, orcid, affs in people
    ]  # fmt: skip
    aid = {p[0]: a["id"] for p, a in zip(people, authors, strict=True)}
    aff_of = {p[0]: [_AFFS[a] for a in p[5]] for p in people}
    by_work = {
        1: ["a1", "a2", "a3", "a4"],
        2: ["a1", "a2"],
        3: ["a2", "a3"],
        4: ["a4", "a5", "a6"],
        5: ["a5", "a6", "a8"],
        6: ["a7"],
        7: ["a5", "a8"],
        8: ["a9"],
    }
    authorships = [
        {"work_id": f"pmid:9000000{w:02d}", "author_id": aid[a], "position": i + 1,
         "name": dict((p[0], p[1]) for p in people)[a], "affiliations": aff_of[a],
         "sources": ["pubmed"]}
        for w, members in by_work.items() for i, a in enumerate(members)
    ]  # fmt: skip

    def ref(s: int, t: int | str, src: tuple[str, ...] = ("pubmed",)) -> dict:
        target = t if isinstance(t, str) else f"pmid:9000000{t:02d}"
        return {"source": f"pmid:9000000{s:02d}", "target": target, "kind": "references",
                "sources": list(src), "evidence": [f"{x}:test" for x in src]}  # fmt: skip

    links = [
        ref(1, 2, ("pubmed", "openalex")), ref(1, 3), ref(1, 4, ("openalex",)), ref(1, 5),
        ref(2, 4), ref(3, 4), ref(2, 5), ref(3, 5),
        ref(8, 1), ref(8, "doi:10.5555/outside.1"), ref(2, "doi:10.5555/outside.1"),
        {"source": "pmid:900000001", "target": "pmid:900000006", "kind": "similar",
         "sources": ["pubmed"], "evidence": ["elink:neighbor_score"], "score": 35120123.0},
        {"source": "pmid:900000006", "target": "pmid:900000001", "kind": "similar",
         "sources": ["pubmed"], "evidence": ["elink:neighbor_score"], "score": 35000000.0},
        {"source": "pmid:900000001", "target": "pmid:900000007", "kind": "related",
         "sources": ["openalex"], "evidence": ["openalex:related_works"]},
    ]  # fmt: skip
    return Corpus.from_rows(
        works=works, authors=authors, authorships=authorships, links=links,
        manifest={"seeds": ["pmid:900000001"], "origin": "hand-built test data"},
    )  # fmt: skip


SEED_LIKE_AFFILIATIONS = [
    # Realistic affiliation *shapes* (generic institutions), used to test the parser on them.
    "Division of Immunology, Boston Children's Hospital, Boston, MA, USA.",
    "Department of Paediatrics, Division of Rheumatology, Ohio State University, Columbus, OH, USA.",
    "The Sidney Kimmel Comprehensive Cancer Center, Department of Oncology, Johns Hopkins "
    "University School of Medicine, Baltimore, MD, USA.",
    "Juvenile Myositis Pathogenesis and Therapeutics Unit, National Institute of Arthritis "
    "Musculoskeletal and Skin Diseases, National Institutes of Health, Bethesda, MD, USA.",
]


def seed_like_corpus() -> Corpus:
    """One seed work with 24 generated authors (affiliations for the first 13, no ORCIDs)."""
    wid = "pmid:900000100"
    authors, authorships = [], []
    for i in range(24):
        last, fore = f"Testauthor{i + 1:02d}", "Sam"
        affs = [SEED_LIKE_AFFILIATIONS[i % len(SEED_LIKE_AFFILIATIONS)]] if i < 13 else []
        author = f"name:{last.lower()}|s"
        authors.append({"id": author, "name": f"{fore} {last}", "last_name": last,
                        "fore_name": fore, "affiliations": affs, "merge_rule": "name"})  # fmt: skip
        authorships.append({"work_id": wid, "author_id": author, "position": i + 1,
                            "name": f"{fore} {last}", "affiliations": affs})  # fmt: skip
    return Corpus.from_rows(
        works=[{"id": wid, "pmid": "900000100", "title": "Test seed with 24 authors",
                "journal": "Test Journal A", "year": 2025, "is_seed": True,
                "sources": ["facts"]}],
        authors=authors, authorships=authorships,
        manifest={"seeds": [wid], "origin": "hand-built test data"},
    )  # fmt: skip


def single_work_corpus() -> Corpus:
    """One work, no authors, no year, no journal, no links."""
    return Corpus.from_rows(works=[{"id": "pmid:900000200", "title": "Test lone work",
                                    "is_seed": True}])  # fmt: skip


def generated_corpus(n_works: int, *, seed: int = 0, refs_per_work: int = 8,
                     authors_per_work: int = 5) -> Corpus:  # fmt: skip
    """GENERATED corpus: ``n_works`` random works with references mostly to older works, authors
    drawn from a pool with "home groups" (so co-author communities exist) and a few similar and
    related links. Deterministic for a seed."""
    rng = random.Random(seed)
    journals = [f"Generated Journal {i}" for i in range(12)]
    n_authors = max(3, n_works * 2)
    n_groups = max(1, n_authors // 20)
    works, ships, links = [], [], []
    for i in range(n_works):
        works.append({
            "id": f"W9{i:09d}", "openalex_id": f"W9{i:09d}", "title": f"Generated work {i}",
            "journal": rng.choice(journals), "year": 2000 + (i * 25) // max(n_works, 1),
            "cited_by_count": rng.randint(0, 200), "is_seed": i == n_works - 1,
            "sources": rng.choice([["openalex"], ["pubmed"], ["openalex", "pubmed"]]),
            "pub_types": [rng.choice(["Journal Article", "Review"])],
        })  # fmt: skip
        group = rng.randrange(n_groups)
        members = set()
        while len(members) < min(authors_per_work, n_authors):
            if rng.random() < 0.8:
                members.add(group * 20 + rng.randrange(20) if group * 20 + 19 < n_authors
                            else rng.randrange(n_authors))  # fmt: skip
            else:
                members.add(rng.randrange(n_authors))
        for pos, a in enumerate(sorted(members)):
            ships.append({"work_id": f"W9{i:09d}", "author_id": f"A9{a:09d}",
                          "position": pos + 1, "name": f"Gen Author{a}"})  # fmt: skip
        for _ in range(min(refs_per_work, i)):
            j = rng.randrange(i)
            links.append({"source": f"W9{i:09d}", "target": f"W9{j:09d}", "kind": "references",
                          "sources": ["openalex"]})  # fmt: skip
        if i and rng.random() < 0.1:
            links.append({"source": f"W9{i:09d}", "target": f"W9{rng.randrange(i):09d}",
                          "kind": "similar", "sources": ["pubmed"],
                          "score": float(rng.randint(10**6, 10**8))})  # fmt: skip
    used = sorted({s["author_id"] for s in ships})
    authors = [{"id": a, "name": f"Gen Author{int(a[2:])}", "last_name": f"Author{int(a[2:])}",
                "fore_name": "Gen", "openalex_id": a,
                "affiliations": [f"Generated University {int(a[2:]) // 20}, Gentown"]}
               for a in used]  # fmt: skip
    # Duplicate (source, target, kind) rows would not come out of the merge step; drop them.
    unique = {(l_["source"], l_["target"], l_["kind"]): l_ for l_ in links}
    return Corpus.from_rows(works=works, authors=authors, authorships=ships,
                            links=list(unique.values()),
                            manifest={"origin": "generated test data"})  # fmt: skip
