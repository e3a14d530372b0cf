"""Affiliations and institutions (citegraph.affiliations) and their use in merge and graphs.

Affiliation strings are shaped like PubMed's and OpenAlex's (real institutions' names in the
parse cases of the seed paper's affiliation style); people, works and ids are GENERATED.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from citegraph.affiliations import (
    affiliation_tokens,
    dedupe_affiliations,
    institution_names,
    is_junk_affiliation,
    normalize_affiliation,
    parse_institution,
)
from citegraph.graphs import build_coauthor_graph
from citegraph.merge import merge_records
from citegraph.model import AuthorRecord, Corpus, Institution, WorkRecord

BASE = "Division of Immunology, Boston Children's Hospital, Boston, MA, USA."


@pytest.mark.parametrize(
    "variant",
    [
        "Division of Immunology, Boston Children's Hospital, Boston, MA, USA",  # no period
        "Division of Immunology,  Boston Children's Hospital,  Boston, MA, USA.",  # double spaces
        "Division of Immunology Boston Children's Hospital Boston MA USA",  # no commas
        "DIVISION OF IMMUNOLOGY, BOSTON CHILDREN'S HOSPITAL, BOSTON, MA, USA.",  # case
        "Division of Immunology, Boston Children’s Hospital, Boston, MA, U.S.A.",  # ’ and U.S.A.
        "Division of Immunology, Boston Children's Hospital, Boston, MA, United States",
        "Division of Immunology, Boston Childrens Hospital, Boston, MA, USA.",  # no apostrophe
        "Division of Immunology, Boston Children's Hospital, Boston, MA, USA. "
        "Electronic address: someone@example.org.",
        "Division\u00a0of Immunology, Boston Children's Hospital, Boston, MA, USA.",  # NBSP
    ],
)
def test_near_duplicates_normalise_alike(variant):
    assert normalize_affiliation(variant) == normalize_affiliation(BASE)


def test_different_affiliations_stay_different():
    assert normalize_affiliation("Kyoto University, Kyoto, Japan") != normalize_affiliation(
        "Osaka University, Osaka, Japan"
    )
    assert normalize_affiliation("Université Paris Cité, Paris, France") == (
        "universite paris cite paris fr"
    )


@pytest.mark.parametrize(
    "text",
    ["", "   ", "[]", "[ ]", "['']", "-", ".", ";", "N/A", "null", "USA", "U.S.A.", "UK",
     "United States", "Japan", "the Netherlands", "CA", "someone@example.org",
     "Electronic address: someone@example.org.", "Electronic address:", None, float("nan")],
)  # fmt: skip
def test_junk(text):
    assert is_junk_affiliation(text)


@pytest.mark.parametrize(
    "text",
    ["Inserm", "Genentech, South San Francisco, CA, USA", "Kyoto University",
     "Department of Paediatrics, USA", "University of Gen, Testville, United Kingdom"],
)  # fmt: skip
def test_not_junk(text):
    assert not is_junk_affiliation(text)


def test_dedupe_keeps_the_best_formed_original_in_first_seen_order():
    got = dedupe_affiliations(
        [
            "division of immunology boston childrens hospital boston ma usa",
            "[]",
            "Kyoto University, Kyoto, Japan",
            BASE,
            "Division of Immunology,  Boston Children's Hospital, Boston, MA, USA",
            "USA",
            "  Kyoto University, Kyoto, Japan.  ",
        ]
    )
    assert got == [BASE, "Kyoto University, Kyoto, Japan."]
    assert dedupe_affiliations([]) == [] and dedupe_affiliations(["[]", None, ""]) == []


def test_institutions_structured_first_heuristic_only_without():
    ror_country = Institution("Example University", ror="https://ror.org/0test", country="US")
    ror_only = Institution("Generated Institute", ror="https://ror.org/0gen")
    plain = Institution("Generated Clinic")
    assert institution_names([plain, ror_only, ror_country], [BASE]) == [
        "Example University",
        "Generated Institute",
        "Generated Clinic",
    ]
    assert institution_names([], [BASE, "[]"]) == ["Boston Children's Hospital"]
    assert institution_names(["Example University", "EXAMPLE UNIVERSITY"]) == ["Example University"]
    assert institution_names([], ["Department of Paediatrics, USA"]) == []


def test_tokens_are_institutions_not_departments_or_countries():
    assert affiliation_tokens(["Department of Paediatrics, Boston, MA, USA"]) == set()
    a = affiliation_tokens(["Division of Immunology,  BOSTON CHILDREN'S HOSPITAL, Boston"])
    b = affiliation_tokens([BASE])
    assert a == b == {"inst:boston childrens hospital"}
    inst = Institution("X", ror="https://ror.org/0ABC/", openalex_id="https://openalex.org/i12")
    assert affiliation_tokens([], [inst]) == {"ror:0abc", "oa:I12", "inst:x"}


def test_parse_institution_ignores_email_and_junk_segments():
    assert parse_institution("Boston Children's Hospital, Boston, MA, USA. Electronic address: "
                             "someone@example.org.") == "Boston Children's Hospital"  # fmt: skip
    assert parse_institution("[]") is None and parse_institution(None) is None


def _merged():
    pubmed = WorkRecord(
        source="pubmed", pmid="940000001", title="Generated paper",
        authors=[AuthorRecord("Ann Lee", 1, "Lee", "Ann", affiliations=[
            "Division of Tests,  Example University Hospital, Testville, USA",
            "Electronic address: ann.lee@example.org.",
        ])],
    )  # fmt: skip
    openalex = WorkRecord(
        source="openalex", openalex_id="W9400000001", pmid="940000001",
        authors=[AuthorRecord("Ann Lee", 1, openalex_id="A9400000001", affiliations=[
            "Division of Tests, Example University Hospital, Testville, USA.", "[]", "USA",
        ], institutions=[Institution("Example University Hospital", ror="https://ror.org/0test",
                                     country="US")])],
    )  # fmt: skip
    second = WorkRecord(
        source="pubmed", pmid="940000002", title="Generated paper two",
        authors=[AuthorRecord("A Lee", 1, "Lee", "A", affiliations=[
            "DIVISION OF TESTS, EXAMPLE UNIVERSITY HOSPITAL, TESTVILLE, UNITED STATES",
        ])],
    )  # fmt: skip
    return merge_records([pubmed, openalex, second])


def test_merge_dedupes_affiliations_and_drops_junk():
    c = _merged()
    assert len(c.authors) == 1  # name + affiliation across the case variant
    row = c.authors.iloc[0]
    assert row["merge_rule"] == "name+affiliation"
    assert row["affiliations"] == [
        "Division of Tests, Example University Hospital, Testville, USA."
    ]
    assert row["institutions"] == ["Example University Hospital"] and row["countries"] == ["US"]
    ships = c.authorships.set_index("work_id")
    assert ships.loc["pmid:940000001", "affiliations"] == [
        "Division of Tests, Example University Hospital, Testville, USA."
    ]
    # No structured institution on the second paper: the heuristic reads the affiliation.
    assert ships.loc["pmid:940000002", "institutions"] == ["EXAMPLE UNIVERSITY HOSPITAL"]


def test_coauthor_graph_reads_institutions_for_old_rows_without_them():
    c = Corpus.from_rows(
        works=[{"id": "w"}],
        authors=[{"id": "name:lee|a", "name": "Ann Lee",
                  "affiliations": [BASE, BASE.upper(), "[]"]}],
        authorships=[{"work_id": "w", "author_id": "name:lee|a", "position": 1}],
    )  # fmt: skip
    node = build_coauthor_graph(c).nodes["name:lee|a"]
    assert node["institutions"] == "Boston Children's Hospital"


def test_graphs_does_not_import_analysis():
    code = "import sys, citegraph.graphs; print('citegraph.analysis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_real_openalex_institutions_with_ror_and_country_come_first():
    import json

    from citegraph.sources.openalex import parse_work
    from tests.conftest import require_samples

    path = require_samples() / "openalex" / "openalex_work_W2741809807.json"
    records = [parse_work(json.loads(path.read_text()))]
    author = next(
        a for r in records for a in r.authors
        if any(i.name == "Public Knowledge Project" for i in a.institutions)
    )  # fmt: skip
    # "Public Knowledge Project" has a ROR id but no country: after Simon Fraser University.
    assert institution_names(author.institutions, author.affiliations)[:2] == [
        "Simon Fraser University",
        "Public Knowledge Project",
    ]
    assert dedupe_affiliations(author.affiliations) == [a for a in author.affiliations if a]
