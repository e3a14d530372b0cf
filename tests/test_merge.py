"""Tests for citegraph.merge.

All records here are GENERATED for the tests: invented PMIDs, DOIs under the 10.5555 test prefix,
OpenAlex-shaped ids and people who do not exist. None of it is bibliographic data.
"""

from __future__ import annotations

import random

import pandas as pd
import pytest

from citegraph.merge import MergeError, merge_records
from citegraph.model import AuthorRecord, Institution, LinkRecord, WorkRecord

DOI = "10.5555/test.0001"


def _paper_from_three_sources() -> list[WorkRecord]:
    pubmed = WorkRecord(
        source="pubmed",
        pmid="1000001",
        doi=DOI.upper(),
        title="Generated paper one",
        journal="Journal of Generated Tests",
        year=2024,
        abstract="PubMed abstract.",
        mesh=["Humans"],
        url="https://example.test/pubmed/1000001",
        authors=[
            AuthorRecord(name="Ann B Lee", position=1, last_name="Lee", fore_name="Ann B",
                         affiliations=["Dept of Tests, Example University, Testville, USA."]),
            AuthorRecord(name="Carl Diaz", position=2, last_name="Diaz", fore_name="Carl"),
        ],
    )  # fmt: skip
    openalex = WorkRecord(
        source="openalex",
        openalex_id="https://openalex.org/W1000001",
        doi=f"https://doi.org/{DOI}",
        pmid="1000001",
        title="Generated Paper One (OpenAlex spelling)",
        journal="J Gen Tests",
        year=2023,
        abstract="OpenAlex abstract.",
        cited_by_count=12,
        url="https://example.test/openalex/W1000001",
        authors=[
            AuthorRecord(name="Ann Lee", position=1, openalex_id="A2000001",
                         institutions=[Institution("Example University", ror="https://ror.org/0test", country="US")]),
            AuthorRecord(name="C. Diaz", position=2, openalex_id="A2000002",
                         orcid="https://orcid.org/0000-0001-0000-0002"),
        ],
    )  # fmt: skip
    icite = WorkRecord(
        source="icite",
        pmid="1000001",
        doi=DOI,
        title="generated paper one",
        year=2024,
        cited_by_count=15,
        url="https://example.test/icite/1000001",
    )
    return [pubmed, openalex, icite]


def _work(corpus, work_id: str) -> pd.Series:
    rows = corpus.works[corpus.works["id"] == work_id]
    assert len(rows) == 1, f"expected one work {work_id}, got {len(rows)}"
    return rows.iloc[0]


def _author(corpus, **where) -> pd.DataFrame:
    df = corpus.authors
    for key, value in where.items():
        df = df[df[key] == value]
    return df


# --- works ---------------------------------------------------------------------------------


def test_same_paper_from_three_sources_is_one_work_with_field_sources():
    corpus = merge_records(_paper_from_three_sources())
    assert len(corpus.works) == 1
    work = _work(corpus, "pmid:1000001")
    assert work["sources"] == ["icite", "openalex", "pubmed"]
    assert work["doi"] == DOI
    assert work["openalex_id"] == "W1000001"
    assert work["title"] == "Generated paper one"  # pubmed beats openalex and icite
    assert work["year"] == 2024
    assert work["abstract"] == "PubMed abstract."
    assert work["cited_by_count"] == 15  # the max, from iCite
    fs = work["field_sources"]
    assert fs["title"] == "pubmed"
    assert fs["journal"] == "pubmed"
    assert fs["openalex_id"] == "openalex"
    assert fs["cited_by_count"] == "icite"
    assert fs["abstract"] == "pubmed"
    assert work["urls"] == [
        "https://example.test/icite/1000001",
        "https://example.test/openalex/W1000001",
        "https://example.test/pubmed/1000001",
    ]


def test_facts_win_and_their_page_is_the_field_source():
    records = _paper_from_three_sources()
    facts = WorkRecord(
        source="facts",
        pmid="1000001",
        title="Generated paper one (verified)",
        url="https://example.test/facts/a",
        field_sources={"title": "https://example.test/facts/title-page"},
    )
    work = _work(merge_records([*records, facts]), "pmid:1000001")
    assert work["title"] == "Generated paper one (verified)"
    assert work["field_sources"]["title"] == "https://example.test/facts/title-page"
    # A field facts do not vouch for keeps the next source in the precedence.
    assert work["field_sources"]["journal"] == "pubmed"
    assert "https://example.test/facts/title-page" in work["urls"]


def test_doi_case_and_url_variants_are_one_work():
    records = [
        WorkRecord(source="openalex", openalex_id="W1000002", doi="https://doi.org/10.5555/ABC.2"),
        WorkRecord(source="icite", pmid="1000002", doi="doi:10.5555/abc.2"),
        WorkRecord(source="facts", doi="https://dx.doi.org/10.5555/Abc.2."),
    ]
    corpus = merge_records(records)
    assert corpus.works["id"].tolist() == ["pmid:1000002"]
    assert _work(corpus, "pmid:1000002")["doi"] == "10.5555/abc.2"


def test_openalex_work_without_pmid_gets_doi_id_or_openalex_id():
    corpus = merge_records(
        [
            WorkRecord(source="openalex", openalex_id="W1000003", doi="10.5555/no.pmid"),
            WorkRecord(source="openalex", openalex_id="W1000004"),
        ]
    )
    assert sorted(corpus.works["id"]) == ["W1000004", "doi:10.5555/no.pmid"]
    assert pd.isna(_work(corpus, "doi:10.5555/no.pmid")["pmid"])


def test_conflicting_pmids_are_not_merged_and_reported():
    records = [
        WorkRecord(source="pubmed", pmid="1000005", doi="10.5555/shared", title="First"),
        WorkRecord(source="icite", pmid="1000006", doi="10.5555/shared", title="Second"),
    ]
    manifest = {"missing": [{"id": "pmid:9", "source": "openalex", "reason": "generated"}]}
    corpus = merge_records(records, manifest=manifest)
    assert sorted(corpus.works["id"]) == ["pmid:1000005", "pmid:1000006"]
    # The DOI stays with the first work (pubmed before icite), never on both.
    assert _work(corpus, "pmid:1000005")["doi"] == "10.5555/shared"
    assert pd.isna(_work(corpus, "pmid:1000006")["doi"])
    conflicts = corpus.manifest["merge_conflicts"]
    assert len(conflicts) == 1
    assert conflicts[0]["identifier"] == "doi:10.5555/shared"
    assert "different PMIDs" in conflicts[0]["reason"]
    # The manifest is carried through, and the caller's dict is not modified.
    assert corpus.manifest["missing"] == manifest["missing"]
    assert "merge_conflicts" not in manifest


def test_conflicting_dois_are_not_merged():
    records = [
        WorkRecord(source="openalex", openalex_id="W1000007", doi="10.5555/one"),
        WorkRecord(source="facts", openalex_id="W1000007", doi="10.5555/two"),
    ]
    corpus = merge_records(records)
    assert sorted(corpus.works["id"]) == ["doi:10.5555/one", "doi:10.5555/two"]
    assert "different DOIs" in corpus.manifest["merge_conflicts"][0]["reason"]


def test_record_without_identifier_is_skipped_and_noted():
    corpus = merge_records(
        [WorkRecord(source="openalex", title="No ids"), WorkRecord(source="pubmed", pmid="1")]
    )
    assert corpus.works["id"].tolist() == ["pmid:1"]
    assert corpus.manifest["merge_skipped"][0]["source"] == "openalex"


def test_seed_given_as_doi_is_remapped_to_pmid_id():
    corpus = merge_records(_paper_from_three_sources(), seeds=[f"https://doi.org/{DOI.upper()}"])
    assert corpus.seed_ids() == ["pmid:1000001"]


# --- links ---------------------------------------------------------------------------------


def test_link_sources_and_evidence_are_sets_over_services():
    records = [
        *_paper_from_three_sources(),
        WorkRecord(source="pubmed", pmid="1000010", doi="10.5555/cited"),
        WorkRecord(source="openalex", openalex_id="W1000010", doi="10.5555/cited"),
    ]
    records[0].references = ["1000010"]  # PubMed ReferenceList gives PMIDs
    records[1].references = ["https://openalex.org/W1000010"]
    links = [
        LinkRecord("pmid:1000001", "pmid:1000010", "references", "icite", "icite:references"),
        LinkRecord("pmid:1000001", "pmid:1000010", "references", "pubmed", "elink:pubmed_pubmed_refs"),
        # one source only:
        LinkRecord("pmid:1000001", "pmid:1000011", "similar", "pubmed", "elink:neighbor_score", 41.5),
        # two sources, given in two namespaces (W id and DOI):
        LinkRecord("W1000001", "doi:10.5555/cited", "related", "openalex", "openalex:related_works"),
        LinkRecord(f"doi:{DOI}", "W1000010", "related", "facts", "facts:related"),
    ]  # fmt: skip
    corpus = merge_records(records, links)
    by_key = {(r.source, r.target, r.kind): r for r in corpus.links.itertuples()}
    refs = by_key[("pmid:1000001", "pmid:1000010", "references")]
    assert refs.sources == ["icite", "openalex", "pubmed"]
    assert refs.evidence == [
        "elink:pubmed_pubmed_refs", "icite:references", "openalex:referenced_works",
        "pubmed:ReferenceList",
    ]  # fmt: skip
    assert pd.isna(refs.score)
    similar = by_key[("pmid:1000001", "pmid:1000011", "similar")]
    assert similar.sources == ["pubmed"] and similar.score == 41.5
    related = by_key[("pmid:1000001", "pmid:1000010", "related")]
    assert related.sources == ["facts", "openalex"]
    assert len(corpus.links) == 3


def test_unknown_endpoints_become_stub_works_and_self_loops_are_dropped():
    records = [WorkRecord(source="openalex", openalex_id="W1000020", pmid="1000020",
                          related=["W1000021"], references=["W1000020", "not an id"])]  # fmt: skip
    links = [LinkRecord("pmid:1000022", "pmid:1000020", "references", "icite", "icite:cited_by")]
    corpus = merge_records(records, links)
    assert sorted(corpus.works["id"]) == ["W1000021", "pmid:1000020", "pmid:1000022"]
    stub = _work(corpus, "pmid:1000022")
    assert stub["sources"] == [] and pd.isna(stub["title"]) and stub["pmid"] == "1000022"
    assert len(corpus.links) == 2  # the self-reference W1000020 -> pmid:1000020 is gone
    assert corpus.manifest["merge_skipped"] == [
        {"value": "not an id", "source": "openalex", "reason": "unreadable reference"}
    ]


def test_unknown_link_kind_is_an_error_that_names_the_kinds():
    with pytest.raises(MergeError, match="references, similar, related"):
        merge_records([], [LinkRecord("pmid:1", "pmid:2", "cites", "pubmed", "x")])


# --- authors -------------------------------------------------------------------------------


def _one(work_pmid: str, source: str, *authors: AuthorRecord) -> WorkRecord:
    return WorkRecord(source=source, pmid=work_pmid, authors=list(authors))


def test_same_work_aligns_pubmed_and_openalex_authors():
    corpus = merge_records(_paper_from_three_sources())
    assert len(corpus.authors) == 2
    assert len(corpus.authorships) == 2
    lee = _author(corpus, last_name="Lee").iloc[0]
    assert lee["id"] == "A2000001"
    assert lee["merge_rule"] == "same-work" and lee["merge_confidence"] == 0.9
    assert lee["fore_name"] == "Ann B" and lee["name"] == "Ann B Lee"
    assert lee["variants"] == ["Ann B Lee", "Ann Lee"]
    assert lee["institutions"] == ["Example University"] and lee["countries"] == ["US"]
    assert lee["sources"] == ["openalex", "pubmed"]
    diaz = _author(corpus, last_name="Diaz").iloc[0]
    assert diaz["id"] == "orcid:0000-0001-0000-0002"
    ship = corpus.authorships[corpus.authorships["author_id"] == "A2000001"].iloc[0]
    assert ship["position"] == 1 and ship["name"] == "Ann B Lee"  # as PubMed printed it
    assert ship["sources"] == ["openalex", "pubmed"]
    assert ship["affiliations"] == ["Dept of Tests, Example University, Testville, USA."]


def test_authors_merged_by_orcid_across_works():
    orcid = "0000-0001-0000-0003"
    corpus = merge_records([
        _one("2001", "pubmed", AuthorRecord("Eva Fox", 1, "Fox", "Eva", orcid=orcid)),
        _one("2002", "pubmed", AuthorRecord("E Fox-Grant", 1, "Fox-Grant", "E", orcid=orcid)),
    ])  # fmt: skip
    assert corpus.authors["id"].tolist() == [f"orcid:{orcid}"]
    assert corpus.authors.loc[0, "merge_rule"] == "orcid"
    assert corpus.authors.loc[0, "merge_confidence"] == 1.0
    assert len(corpus.authorships) == 2


def test_authors_merged_by_openalex_id():
    corpus = merge_records([
        WorkRecord(source="openalex", openalex_id="W3001",
                   authors=[AuthorRecord("Gus Hall", 1, openalex_id="A3001")]),
        WorkRecord(source="openalex", openalex_id="W3002",
                   authors=[AuthorRecord("G. Hall", 3, openalex_id="https://openalex.org/A3001")]),
    ])  # fmt: skip
    assert corpus.authors["id"].tolist() == ["A3001"]
    assert corpus.authors.loc[0, "merge_rule"] == "openalex"
    assert corpus.authors.loc[0, "merge_confidence"] == 0.95


def test_name_plus_affiliation_merges():
    aff = "Division of Tests, Generated Children's Hospital, Testville, USA"
    corpus = merge_records([
        _one("4001", "pubmed", AuthorRecord("Ida Jones", 1, "Jones", "Ida", affiliations=[aff])),
        _one("4002", "pubmed", AuthorRecord("I Jones", 2, "Jones", "I",
                                            affiliations=["Generated Children's Hospital, USA"])),
    ])  # fmt: skip
    assert len(corpus.authors) == 1
    row = corpus.authors.iloc[0]
    assert row["id"] == "name:jones|i"
    assert row["merge_rule"] == "name+affiliation" and row["merge_confidence"] == 0.8
    assert row["name"] == "Ida Jones"  # the fullest fore name


def test_shared_department_alone_is_not_evidence():
    corpus = merge_records([
        _one("4101", "pubmed", AuthorRecord("Ida Jones", 1, "Jones", "Ida",
                                            affiliations=["Department of Paediatrics, USA"])),
        _one("4102", "pubmed", AuthorRecord("Ida Jones", 1, "Jones", "Ida",
                                            affiliations=["Department of Paediatrics, USA"])),
    ])  # fmt: skip
    assert len(corpus.authors) == 2


def test_name_plus_coauthor_merges():
    orcid = "0000-0001-0000-0004"
    corpus = merge_records([
        _one("5001", "pubmed", AuthorRecord("Kim Lo", 1, "Lo", "Kim"),
             AuthorRecord("Max Nu", 2, "Nu", "Max", orcid=orcid)),
        _one("5002", "pubmed", AuthorRecord("K Lo", 1, "Lo", "K"),
             AuthorRecord("Max Nu", 2, "Nu", "Max", orcid=orcid)),
    ])  # fmt: skip
    lo = _author(corpus, last_name="Lo")
    assert len(lo) == 1
    assert lo.iloc[0]["merge_rule"] == "name+coauthor"
    assert lo.iloc[0]["merge_confidence"] == 0.7
    assert len(corpus.authorships) == 4


def test_different_orcids_are_never_merged_even_with_same_name_and_affiliation():
    aff = ["Generated University, Testville"]
    corpus = merge_records([
        _one("6001", "pubmed", AuthorRecord("Olga Park", 1, "Park", "Olga",
                                            orcid="0000-0001-0000-0005", affiliations=aff)),
        _one("6002", "pubmed", AuthorRecord("Olga Park", 1, "Park", "Olga",
                                            orcid="0000-0001-0000-0006", affiliations=aff)),
        # Same work, same position, one ORCID each: still two people (and the aligner must not
        # glue them together through this third record).
        _one("6002", "openalex", AuthorRecord("Olga Park", 1, orcid="0000-0001-0000-0005")),
    ])  # fmt: skip
    assert sorted(corpus.authors["id"]) == [
        "orcid:0000-0001-0000-0005",
        "orcid:0000-0001-0000-0006",
    ]


def test_name_only_is_not_merged_but_noted():
    corpus = merge_records([
        _one("7001", "pubmed", AuthorRecord("Rui Sato", 1, "Sato", "Rui")),
        _one("7002", "pubmed", AuthorRecord("R Sato", 1, "Sato", "R")),
    ])  # fmt: skip
    assert sorted(corpus.authors["id"]) == ["name:sato|r", "name:sato|r#2"]
    assert set(corpus.authors["merge_rule"]) == {"single"}
    (note,) = corpus.manifest["author_name_only"]
    assert note["author_ids"] == ["name:sato|r", "name:sato|r#2"]
    assert note["confidence"] <= 0.5


def test_john_and_jane_are_not_merged_even_with_shared_affiliation():
    aff = ["Generated University, Testville"]
    corpus = merge_records([
        _one("8001", "pubmed", AuthorRecord("John Tan", 1, "Tan", "John", affiliations=aff)),
        _one("8002", "pubmed", AuthorRecord("Jane Tan", 1, "Tan", "Jane", affiliations=aff)),
        _one("8003", "pubmed", AuthorRecord("J Tan", 1, "Tan", "J", affiliations=aff)),
    ])  # fmt: skip
    # "J" may join one of them, but John and Jane never end up as one person.
    tans = corpus.authors
    assert len(tans) == 2
    for variants in tans["variants"]:
        assert not {"John Tan", "Jane Tan"} <= set(variants)
    assert corpus.manifest["author_name_only"] == []  # John/Jane are not even candidates


def test_two_same_name_authors_on_one_paper_stay_two():
    aff = ["Generated University"]
    corpus = merge_records([
        _one("8101", "pubmed", AuthorRecord("Yu Wang", 1, "Wang", "Yu", affiliations=aff),
             AuthorRecord("Yi Wang", 2, "Wang", "Y", affiliations=aff)),
    ])  # fmt: skip
    assert len(corpus.authors) == 2
    assert len(corpus.authorships) == 2


# --- determinism ---------------------------------------------------------------------------


def _everything() -> tuple[list[WorkRecord], list[LinkRecord]]:
    records = _paper_from_three_sources()
    records += [
        WorkRecord(source="pubmed", pmid="1000005", doi="10.5555/shared", title="First"),
        WorkRecord(source="icite", pmid="1000006", doi="10.5555/shared", title="Second"),
        _one("7001", "pubmed", AuthorRecord("Rui Sato", 1, "Sato", "Rui")),
        _one("7002", "pubmed", AuthorRecord("R Sato", 1, "Sato", "R")),
        _one("5001", "pubmed", AuthorRecord("Kim Lo", 1, "Lo", "Kim"),
             AuthorRecord("Max Nu", 2, "Nu", "Max")),
        _one("5002", "openalex", AuthorRecord("K Lo", 1, "Lo", "K"),
             AuthorRecord("Max Nu", 2, "Nu", "Max")),
    ]  # fmt: skip
    links = [
        LinkRecord("pmid:1000001", "pmid:7001", "references", "icite", "icite:references"),
        LinkRecord("doi:10.5555/shared", "pmid:1000001", "similar", "pubmed", "e", 3.0),
        LinkRecord("W1000001", "pmid:7002", "related", "openalex", "openalex:related_works"),
        LinkRecord("pmid:1000001", "bad endpoint", "references", "icite", "icite:references"),
        LinkRecord("nonsense", "pmid:7002", "references", "pubmed", "elink:pubmed_pubmed_refs"),
    ]
    return records, links


def test_output_is_identical_under_shuffled_input():
    records, links = _everything()
    expected = merge_records(records, links, seeds=["pmid:1000001"])
    for seed in range(5):
        rng = random.Random(seed)
        r, lk = list(records), list(links)
        rng.shuffle(r)
        rng.shuffle(lk)
        for rec in r:
            rng.shuffle(rec.authors)
        got = merge_records(r, lk, seeds=[f"doi:{DOI}"])
        for name in ("works", "authors", "authorships", "links"):
            pd.testing.assert_frame_equal(got.table(name), expected.table(name))
        assert got.manifest == expected.manifest


def test_garbage_collector_state_is_restored():
    import gc

    assert gc.isenabled()
    merge_records(_paper_from_three_sources())
    assert gc.isenabled()
    gc.disable()
    try:
        merge_records(_paper_from_three_sources())
        assert not gc.isenabled()  # a caller that paused it keeps it paused
    finally:
        gc.enable()


def test_seed_without_record_becomes_a_seed_stub():
    corpus = merge_records([WorkRecord(source="pubmed", pmid="1")], seeds=["pmid:0001", "pmid:2"])
    assert corpus.seed_ids() == ["pmid:1", "pmid:2"]
    assert _work(corpus, "pmid:2")["sources"] == []


def test_pubmed_score_wins_over_other_scores():
    links = [
        LinkRecord("pmid:1", "pmid:2", "similar", "openalex", "x", 0.9),
        LinkRecord("pmid:1", "pmid:2", "similar", "pubmed", "elink:neighbor_score", 17.0),
        LinkRecord("pmid:2", "pmid:1", "similar", "pubmed", "elink:neighbor_score", 16.0),
    ]
    corpus = merge_records([], links)
    # Direction is kept: seed -> neighbour and neighbour -> seed are two rows.
    assert corpus.links[["source", "target", "score"]].values.tolist() == [
        ["pmid:1", "pmid:2", 17.0],
        ["pmid:2", "pmid:1", 16.0],
    ]


def test_same_work_aligns_by_name_key_when_positions_shift():
    # OpenAlex lists a group author first, so every person is one position later.
    corpus = merge_records([
        _one("9001", "pubmed", AuthorRecord("Ugo Vane", 1, "Vane", "Ugo"),
             AuthorRecord("Wen Xu", 2, "Xu", "Wen")),
        WorkRecord(source="openalex", pmid="9001", openalex_id="W9001", authors=[
            AuthorRecord("Generated Study Group", 1),
            AuthorRecord("Ugo Vane", 2, openalex_id="A9001"),
            AuthorRecord("W. Xu", 3, openalex_id="A9002"),
        ]),
    ])  # fmt: skip
    # The group is the work's collective author, not a person (as PubMed's CollectiveName).
    assert sorted(corpus.authors["id"]) == ["A9001", "A9002"]
    assert corpus.works.loc[0, "collective_author"] == "Generated Study Group"
    vane = _author(corpus, id="A9001").iloc[0]
    assert vane["merge_rule"] == "same-work" and vane["sources"] == ["openalex", "pubmed"]


def test_one_record_listing_the_same_id_twice_gives_two_distinct_author_ids():
    corpus = merge_records([
        WorkRecord(source="openalex", openalex_id="W9101", authors=[
            AuthorRecord("Zoe Abel", 1, openalex_id="A9101"),
            AuthorRecord("Zack Abel", 2, openalex_id="A9101"),
        ]),
    ])  # fmt: skip
    assert sorted(corpus.authors["id"]) == ["A9101", "A9101#2"]
    assert len(corpus.authorships) == 2


def _particle_records() -> list[WorkRecord]:
    # GENERATED records: a PubMed author with a particle in LastName, the same person as an
    # OpenAlex display name (the shape of the user's "De Benedetti" report).
    pubmed = _one(
        "9201",
        "pubmed",
        AuthorRecord("Fabrizio De Benedetti", 1, "De Benedetti", "Fabrizio", "F"),
        AuthorRecord("Robert A Colbert", 2, "Colbert", "Robert A", "RA", suffix="Jr"),
    )
    openalex = WorkRecord(source="openalex", pmid="9201", openalex_id="W9201", authors=[
        AuthorRecord("Fabrizio De Benedetti", 1),
        AuthorRecord("Robert A. Colbert Jr.", 2),
    ])  # fmt: skip
    return [pubmed, openalex]


@pytest.mark.parametrize("order", [1, -1])
def test_particle_family_name_survives_pubmed_and_openalex_in_either_order(order):
    corpus = merge_records(_particle_records()[::order])
    person = _author(corpus, last_name="De Benedetti")
    assert len(person) == 1
    row = person.iloc[0]
    assert row["fore_name"] == "Fabrizio" and row["name"] == "Fabrizio De Benedetti"
    assert row["id"] == "name:de benedetti|f"
    assert row["sources"] == ["openalex", "pubmed"]
    assert "Benedetti" not in set(corpus.authors["last_name"])


@pytest.mark.parametrize("order", [1, -1])
def test_suffix_is_one_person_with_the_suffix_kept_apart(order):
    corpus = merge_records(_particle_records()[::order])
    colbert = _author(corpus, last_name="Colbert")
    assert len(colbert) == 1 and len(corpus.authors) == 2
    row = colbert.iloc[0]
    assert (row["fore_name"], row["suffix"]) == ("Robert A", "Jr")
    assert row["name"] == "Robert A Colbert Jr" and row["id"] == "name:colbert|r"


def test_suffix_from_a_display_name_alone_reaches_the_author_row():
    corpus = merge_records([_one("9202", "openalex", AuthorRecord("Robert A. Colbert Jr.", 1))])
    row = corpus.authors.iloc[0]
    assert (row["last_name"], row["fore_name"], row["suffix"]) == ("Colbert", "Robert A.", "Jr")
