"""The hard cases of real records, added to a generated corpus, and the ground truth of each.

Everything here is SYNTHETIC test data. `add_variety` runs at the end of
`tests.emulator.corpus.generate_corpus` with its own random generator (so the base corpus,
its counts and every existing expectation stay as they were) and marks works with what real
PubMed and OpenAlex records do that the simple generator did not:

- references listed as ``CommentsCorrectionsList/CommentsCorrections RefType="Cites"``
  instead of a ``ReferenceList`` (some of those links are known to no other service);
- retractions (``RetractionIn``/``RetractionOf``, publication type "Retracted Publication",
  OpenAlex ``is_retracted``), errata (``ErratumIn``/``ErratumFor``), comments
  (``CommentIn``/``CommentOn``);
- abbreviated ``MedlinePgn`` ("113-25"), ``MedlineDate`` ("2019 Nov-Dec") and ``Season`` dates;
- particle, suffix, hyphenated and apostrophe names; group authors in both services;
- inline markup in titles (PubMed elements, OpenAlex text);
- journals whose PubMed ISSN is the electronic one while ISSN-L is the print one;
- near-duplicate and junk affiliation strings in OpenAlex;
- works with more than 100 authors (OpenAlex lists cut them at 100).

`truth` then says, per work, what a faithful client must end up with.

Example
-------
>>> from tests.emulator.corpus import generate_corpus
>>> facts = truth(generate_corpus())
>>> facts["generated"], any(w["retracted"] for w in facts["works"].values())
(True, True)
"""

from __future__ import annotations

import random
from typing import Any

_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_SEASONS = {12: "Winter", 1: "Winter", 2: "Winter", 3: "Spring", 4: "Spring", 5: "Spring",
            6: "Summer", 7: "Summer", 8: "Summer", 9: "Autumn", 10: "Autumn", 11: "Autumn"}  # fmt: skip

#: Name of the group author; PubMed shows it as ``CollectiveName``, OpenAlex as an authorship.
GROUP_NAME = "Synthetic Paediatric Cell Therapy Working Group"
GROUP_OPENALEX_ID = "A9990000001"

#: (LastName, ForeName, Initials, Suffix, OpenAlex display_name) of people whose names trip
#: naive splitting. Invented; no real person is meant.
_HARD_NAMES = [
    ("De Benedetti", "Fabrizio", "F", None, "Fabrizio De Benedetti"),
    ("Colbert", "Robert A", "RA", "Jr", "Robert A. Colbert Jr."),
    ("Whitfield", "James T", "JT", "III", "James T. Whitfield III"),
    ("van der Berg", "Anke", "A", None, "Anke van der Berg"),
    ("García-López", "María José", "MJ", None, "María José García-López"),
    ("O'Neill", "Siobhán", "S", None, "Siobhán O'Neill"),
    ("Le Roux", "Claire-Marie", "CM", None, "Claire-Marie Le Roux"),
    ("dos Reis", "Ana Paula", "AP", None, "Ana Paula dos Reis"),
]

#: Title topics with inline markup: (PubMed XML fragment, clean Unicode). OpenAlex shows the
#: same tags as literal text.
_MARKUP_TOPICS = [
    ("Ca<sup>2+</sup> flux in <i>Mus musculus</i> T cells", "Ca²⁺ flux in Mus musculus T cells"),
    ("CD4<sup>+</sup> and CD8<sup>+</sup> T cell reconstitution",
     "CD4⁺ and CD8⁺ T cell reconstitution"),
    ("H<sub>2</sub>O<sub>2</sub> release by <i>ex vivo</i> B cells",
     "H₂O₂ release by ex vivo B cells"),
]  # fmt: skip

#: Affiliation strings that name no place (OpenAlex ``raw_affiliation_strings`` has them).
JUNK_AFFILIATIONS = ["", "*", "Equal contribution.", "Electronic address: author@example.org."]

#: Relation pairs: (kind of the notice, type on the original, type on the notice, notice
#: publication types, OpenAlex type of the notice).
_RELATIONS = [
    ("retraction", "RetractionIn", "RetractionOf", ["Retraction of Publication"], "retraction"),
    ("erratum", "ErratumIn", "ErratumFor", ["Published Erratum"], "erratum"),
    ("comment", "CommentIn", "CommentOn", ["Comment", "Letter"], "letter"),
]


def abbreviate_pages(pages: str) -> str:
    """MEDLINE's short page range: the last page without the digits it shares with the first.

    Examples
    --------
    >>> abbreviate_pages("113-125"), abbreviate_pages("5-9"), abbreviate_pages("98-104")
    ('113-25', '5-9', '98-104')
    """
    first, last = pages.split("-")
    if len(first) != len(last):
        return pages
    i = 0
    while i < len(first) - 1 and first[i] == last[i]:
        i += 1
    return f"{first}-{last[i:]}"


def _medline_date(year: int, month: int) -> str:
    if month == 12:
        return f"{year} Nov-Dec"
    return f"{year} {_MONTHS[month - 1]}-{_MONTHS[month]}"


def add_variety(corpus: dict[str, Any], rng: random.Random) -> None:
    """Mark works of `corpus` (in place) with the real-world cases listed in the module doc."""
    works = corpus["works"]
    people = corpus["people"]
    by_key = {w["key"]: w for w in works}
    for n, journal in enumerate(corpus["journals"].values(), start=1):
        # ISSN-L is the print ISSN; PubMed's Journal/ISSN shows the electronic one.
        journal["issn_l"] = journal["issn"]
        journal["issn_electronic"] = _issn_like(200 + n)
    for work in works:
        work.setdefault("pubmed_reference_style", "ReferenceList")
        work.setdefault("relations", [])
        work.setdefault("retracted", False)
        work.setdefault("medline_pgn", work["pages"])
        work.setdefault("pubmed_date_style", "date")
        work.setdefault("title_xml", None)
        work.setdefault("title_openalex", work["title"])
        work.setdefault("openalex_type", work["type"])
        work.setdefault("openalex_group_author", False)
        for authorship in work["authorships"]:
            authorship.setdefault("openalex_extra_affiliations", [])
    for person in people.values():
        person.setdefault("suffix", None)

    seed_key = corpus["seed"]["key"]
    both = [
        w
        for w in works
        if w["key"] != seed_key and w["pmid"] and w["openalex_id"]
        and w["role"] in ("reference", "citing")
    ]  # fmt: skip
    notices_pool = [w for w in works if w["role"] == "similar" and w["pmid"] and w["openalex_id"]]
    originals = rng.sample(both, 2 * len(_RELATIONS))
    notices = rng.sample(notices_pool, 2 * len(_RELATIONS))
    for n, (kind, on_original, on_notice, pub_types, oa_type) in enumerate(
        [r for r in _RELATIONS for _ in range(2)]
    ):
        original, notice = originals[n], notices[n]
        original["relations"].append({"type": on_original, "key": notice["key"]})
        notice["relations"].append({"type": on_notice, "key": original["key"]})
        notice["pub_types"] = list(pub_types)
        notice["openalex_type"] = oa_type
        label = {"retraction": "Retraction notice", "erratum": "Erratum", "comment": "Comment"}[
            kind
        ]
        notice["title"] = f"Synthetic work {notice['index']}: {label} to work {original['index']}"
        notice["title_openalex"] = notice["title"]
        if kind == "retraction":
            original["retracted"] = True
            original["pub_types"] = [*original["pub_types"], "Retracted Publication"]

    # References as CommentsCorrections "Cites" instead of a ReferenceList.
    cited_by_work: dict[str, list[dict[str, Any]]] = {}
    for edge in corpus["citations"]:
        cited_by_work.setdefault(edge["citing"], []).append(edge)
    for work in works:
        if work["key"] == seed_key or not work["in_pmc"] or work["role"] == "background":
            continue
        edges = [e for e in cited_by_work.get(work["key"], []) if e["reference_list"]]
        if edges and rng.random() < 0.4:
            work["pubmed_reference_style"] = "CommentsCorrections"
            for edge in edges:
                # Some of these links are in the record only: no other service reports them.
                if by_key[edge["cited"]]["pmid"] and rng.random() < 0.3:
                    edge["sources"] = []

    for work in works:
        if work["key"] == seed_key:
            continue
        short = abbreviate_pages(work["pages"])
        if short != work["pages"] and rng.random() < 0.4:
            work["medline_pgn"] = short
        r = rng.random()
        work["pubmed_date_style"] = "medline_date" if r < 0.1 else "season" if r < 0.15 else "date"

    # Names that naive splitting gets wrong: first authors of works both services know.
    renamed: set[str] = {"P0001", "P0002"}
    for work, (last, fore, initials, suffix, display) in zip(
        rng.sample(both, len(both)), _HARD_NAMES, strict=False
    ):
        person_key = next(
            (a["person"] for a in work["authorships"] if a["person"] not in renamed), None
        )
        if person_key is None:
            continue
        renamed.add(person_key)
        people[person_key].update(
            last_name=last, fore_name=fore, initials=initials, suffix=suffix,
            openalex_display_name=display,
        )  # fmt: skip

    # Group authors: PubMed CollectiveName; OpenAlex an authorship named like a person.
    for work in works:
        if work["collective_name"]:
            work["collective_name"] = GROUP_NAME
            work["openalex_group_author"] = bool(work["openalex_id"])
    for work in rng.sample(both, 2):
        work["collective_name"] = GROUP_NAME
        work["openalex_group_author"] = True

    # Inline markup in titles.
    for n, work in enumerate(rng.sample(both, 6)):
        markup, clean = _MARKUP_TOPICS[n % len(_MARKUP_TOPICS)]
        work["title"] = f"Synthetic work {work['index']}: {clean}"
        work["title_xml"] = f"Synthetic work {work['index']}: {markup}"
        work["title_openalex"] = work["title_xml"]

    # Near-duplicate and junk affiliation strings in OpenAlex.
    for work in works:
        for authorship in work["authorships"]:
            if not authorship["institution"]:
                continue
            r = rng.random()
            if r < 0.08:
                authorship["openalex_extra_affiliations"] = ["double-space"]
            elif r < 0.14:
                authorship["openalex_extra_affiliations"] = ["upper"]
            elif r < 0.2:
                authorship["openalex_extra_affiliations"] = ["no-comma"]
            if rng.random() < 0.08:
                authorship["openalex_extra_affiliations"].append(
                    "junk:" + rng.choice(JUNK_AFFILIATIONS)
                )

    # Works with more than 100 authors: one known to OpenAlex only, one to both services.
    citing_oa_only = [
        w for w in works if w["role"] == "citing" and w["openalex_id"] and not w["pmid"]
    ]
    big = rng.sample(citing_oa_only, 1) + rng.sample(
        [w for w in both if w["role"] == "citing" and not w["collective_name"]], 1
    )
    for work, total in zip(big, (117, 134), strict=True):
        work["collective_name"] = None
        work["openalex_group_author"] = False
        have = {a["person"] for a in work["authorships"]}
        extra = rng.sample([p for p in people if p not in have], total - len(have))
        added = [
            {
                "person": person,
                "institution": people[person]["institution"],
                "pubmed_affiliation": rng.random() < 0.5,
                "openalex_institution": rng.random() < 0.9,
                "orcid_in_pubmed": False,
                "orcid_in_openalex": bool(people[person]["orcid"]) and rng.random() < 0.9,
                "is_corresponding": False,
                "openalex_extra_affiliations": [],
            }
            for person in extra
        ]
        work["authorships"] = work["authorships"][:-1] + added + work["authorships"][-1:]


def _issn_like(serial: int) -> str:
    """An ISSN with a valid check digit in the 9999- block (as corpus._issn)."""
    digits = [9, 9, 9, 9] + [int(c) for c in f"{serial:03d}"]
    total = sum(d * w for d, w in zip(digits, range(8, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return f"9999-{serial:03d}{'X' if check == 10 else check}"


def affiliation_variant(text: str, kind: str) -> str:
    """One near-duplicate spelling of an affiliation (``double-space``, ``upper``, ``no-comma``).

    Examples
    --------
    >>> affiliation_variant("Dept A, Uni B, Town, US.", "no-comma")
    'Dept A Uni B, Town, US.'
    """
    if kind == "double-space":
        return text.replace(", ", ",  ", 1)
    if kind == "upper":
        return text.upper()
    if kind == "no-comma":
        return text.replace(", ", " ", 1)
    if kind.startswith("junk:"):
        return kind[5:]
    raise ValueError(f"unknown affiliation variant {kind!r}")


def _ids(work: dict[str, Any]) -> dict[str, str | None]:
    return {"pmid": work["pmid"], "doi": work["doi"], "openalex_id": work["openalex_id"]}


def truth(corpus: dict[str, Any]) -> dict[str, Any]:
    """What a faithful client must end up with, per work, as plain JSON-ready dicts.

    ``works[key]`` holds ``ids`` (pmid, doi, openalex_id), ``references`` (ids of every work it
    cites that some service reports, each with ``via``: the services (``pubmed`` elink, ``icite``,
    ``openalex``) and PubMed record lists (``pubmed_reference_list``,
    ``pubmed_comments_corrections``) that name it), ``retracted``,
    ``relations`` (``{"type", "id"}`` with ``id`` like ``"pmid:90001234"``), ``pages`` (full
    range), ``year``, ``title`` (clean Unicode: markup gone, super/subscripts as Unicode, no
    PubMed full stop), ``authors`` (``family``, ``given``, ``suffix``, ``group``; a group author has
    only ``name``), ``n_authors``, ``journal`` (``issn_l`` and its one ``name``) and
    ``affiliations`` (the distinct real affiliation texts some service shows for the work,
    without near-duplicates or junk).

    Examples
    --------
    >>> from tests.emulator.corpus import generate_corpus
    >>> facts = truth(generate_corpus())
    >>> big = [w for w in facts["works"].values() if w["n_authors"] > 100]
    >>> len(big), all(len(w["authors"]) == w["n_authors"] for w in big)
    (2, True)
    """
    works = {w["key"]: w for w in corpus["works"]}
    people = corpus["people"]
    journals = corpus["journals"]
    refs: dict[str, list[dict[str, Any]]] = {}
    for edge in corpus["citations"]:
        citing, cited = works[edge["citing"]], works[edge["cited"]]
        via = list(edge["sources"])
        if edge.get("reference_list") and citing["in_pmc"] and citing["pmid"]:
            style = citing.get("pubmed_reference_style", "ReferenceList")
            if style == "ReferenceList" and (cited["pmid"] or cited["doi"]):
                via.append("pubmed_reference_list")
            elif style == "CommentsCorrections" and cited["pmid"]:
                via.append("pubmed_comments_corrections")
        if via:
            refs.setdefault(citing["key"], []).append({**_ids(cited), "via": via})
    out: dict[str, Any] = {}
    for key, work in works.items():
        authors: list[dict[str, Any]] = []
        affiliations: list[str] = []
        for authorship in work["authorships"]:
            person = people[authorship["person"]]
            authors.append(
                {
                    "family": person["last_name"],
                    "given": person["fore_name"],
                    "suffix": person.get("suffix"),
                    "group": False,
                }
            )
            shown = bool(work["openalex_id"]) or (
                bool(work["pmid"]) and authorship["pubmed_affiliation"]
            )
            if authorship["institution"] and shown:
                affiliations.append(_affiliation(corpus, authorship))
        if work["collective_name"]:
            authors.append({"name": work["collective_name"], "group": True})
        journal = journals[work["journal"]]
        out[key] = {
            "key": key,
            "ids": _ids(work),
            "references": refs.get(key, []),
            "retracted": bool(work.get("retracted")),
            "relations": [
                {"type": r["type"], "id": f"pmid:{works[r['key']]['pmid']}"}
                for r in work.get("relations", [])
            ],
            "pages": work["pages"],
            "year": work["year"],
            "title": work["title"],
            "authors": authors,
            "n_authors": len(authors),
            "journal": {
                "issn_l": journal.get("issn_l", journal["issn"]),
                "name": journal["display_name"],
            },  # fmt: skip
            "affiliations": sorted(set(affiliations)),
        }
    return {
        "generated": True,
        "notice": corpus["notice"],
        "generator_seed": corpus["generator_seed"],
        "seed": corpus["seed"]["key"],
        "works": out,
    }


def _affiliation(corpus: dict[str, Any], authorship: dict[str, Any]) -> str:
    # Same text as formats.affiliation_text (kept here so this module needs no CorpusIndex).
    inst = corpus["institutions"][authorship["institution"]]
    department = ["Department of Synthetic Immunology", "Division of Generated Rheumatology"][
        int(authorship["person"][1:]) % 2
    ]
    return f"{department}, {inst['display_name']}, {inst['city']}, {inst['country_code']}."
