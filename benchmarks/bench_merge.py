"""Time `citegraph.merge.merge_records` on a GENERATED corpus (no real bibliographic data).

About 10,000 work records (5,000 papers seen by PubMed and OpenAlex), 100,000 authorships drawn
from a pool of invented people with shared name keys, plus reference links. Prints the median of
a few runs:

    PYTHONPATH=. .venv/bin/python benchmarks/bench_merge.py [--papers 5000] [--authors 10]
        [--runs 3] [--common 0]

``--common N`` adds N people who share one name key, the worst case for the name rules.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from citegraph.merge import merge_records
from citegraph.model import AuthorRecord, Institution, LinkRecord, WorkRecord

_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "da", "fu", "gi", "ha"]
# Letters only: name matching folds digits away, so "Name12" and "Name13" would be one key.
_LAST = sorted({a.title() + b + c for a in _SYLLABLES for b in _SYLLABLES for c in _SYLLABLES})
_FORE = ["Ann", "Ben", "Cara", "Dan", "Eve", "Finn", "Gia", "Hal", "Ida", "Jon", "Kai", "Lea"]
_INST = [f"Generated University {i}" for i in range(400)]


def generate(papers: int, authors_per_paper: int, seed: int = 0, common: int = 0):
    rng = random.Random(seed)
    people = [
        (rng.choice(_LAST), rng.choice(_FORE), rng.choice(_INST), f"A{9000000 + i}")
        for i in range(papers * authors_per_paper // 6)
    ]
    records: list[WorkRecord] = []
    links: list[LinkRecord] = []
    for p in range(papers):
        pmid = str(30000000 + p)
        doi = f"10.5555/gen.{p}"
        team = rng.sample(people, authors_per_paper)
        pub = [
            AuthorRecord(f"{fore} {last}", i + 1, last, fore, affiliations=[f"Dept X, {inst}, USA"])
            for i, (last, fore, inst, _) in enumerate(team)
        ]
        oa = [
            AuthorRecord(
                f"{fore[0]}. {last}", i + 1, openalex_id=aid, institutions=[Institution(inst)]
            )
            for i, (last, fore, inst, aid) in enumerate(team)
        ]
        refs = [str(30000000 + rng.randrange(papers)) for _ in range(10)]
        records.append(WorkRecord(source="pubmed", pmid=pmid, doi=doi, title=f"Generated {p}",
                                  year=2000 + p % 25, authors=pub, references=refs))  # fmt: skip
        records.append(WorkRecord(source="openalex", openalex_id=f"W{8000000 + p}", doi=doi,
                                  cited_by_count=p % 50, authors=oa))  # fmt: skip
        links.append(LinkRecord(f"pmid:{pmid}", f"pmid:{refs[0]}", "similar", "pubmed", "e", 1.0))
    # Worst case for name rules: many distinct people behind one name key (like "wang|y").
    for c in range(common):
        fore = "Y" + "".join(rng.choice("aeiou") + rng.choice("nlmr") for _ in range(3))
        records.append(
            WorkRecord(source="pubmed", pmid=str(40000000 + c),
                       authors=[AuthorRecord(f"{fore} Wang", 1, "Wang", fore,
                                             affiliations=[rng.choice(_INST)])])
        )  # fmt: skip
    return records, links


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=5000)
    parser.add_argument("--authors", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--common", type=int, default=0, help="extra one-name-key people")
    args = parser.parse_args()
    records, links = generate(args.papers, args.authors, common=args.common)
    n_authorships = sum(len(r.authors) for r in records)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        corpus = merge_records(records, links, seeds=["pmid:30000000"])
        times.append(time.perf_counter() - start)
    print(
        f"merge_records: {len(records)} work records, {n_authorships} author records, "
        f"{len(links)} link records -> {corpus.counts()}"
    )
    print(f"median {statistics.median(times):.2f} s over {args.runs} runs (min {min(times):.2f} s)")
    # Shared machines vary a lot; a fixed pure-Python loop lets runs on different days compare.
    start = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    print(f"CPU reference: a 10M-step Python loop took {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
