"""Retraction and editorial relations from the parsers to every place a reader meets a work:
merge, works table, graph node, tooltip, work card, exports and snapshot.

All records here are GENERATED (made-up PMIDs in the 9xxxxxxx range); they describe no paper.
"""

from __future__ import annotations

import json
import re

import pytest

from citegraph.analysis import works_table
from citegraph.export import export_works
from citegraph.graphs import build_citation_graph
from citegraph.merge import merge_records
from citegraph.model import AuthorRecord, WorkRecord
from citegraph.present import work_card
from citegraph.render import render_html
from citegraph.snapshot import SnapshotError, dumps_snapshot, loads_snapshot, new_manifest
from citegraph.sources.pubmed import parse_efetch

RETRACTED_XML = b"""<?xml version="1.0"?>
<PubmedArticleSet><PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">
<PMID Version="1">90000010</PMID><Article PubModel="Print"><Journal>
<JournalIssue CitedMedium="Print"><PubDate><Year>2020</Year></PubDate></JournalIssue>
<Title>GENERATED Journal</Title></Journal><ArticleTitle>GENERATED CD4<sup>+</sup> paper
</ArticleTitle><AuthorList><Author><LastName>Made</LastName><ForeName>Gen</ForeName></Author>
</AuthorList><PublicationTypeList><PublicationType UI="D016428">Journal Article</PublicationType>
</PublicationTypeList></Article><CommentsCorrectionsList>
<CommentsCorrections RefType="Cites"><RefSource>GENERATED</RefSource>
<PMID Version="1">90000011</PMID></CommentsCorrections>
<CommentsCorrections RefType="RetractionIn"><RefSource>GENERATED notice</RefSource>
<PMID Version="1">90000012</PMID></CommentsCorrections>
<CommentsCorrections RefType="ErratumIn"><RefSource>GENERATED erratum</RefSource>
<PMID Version="1">090000013</PMID></CommentsCorrections>
</CommentsCorrectionsList></MedlineCitation><PubmedData>
<PublicationStatus>ppublish</PublicationStatus><ArticleIdList>
<ArticleId IdType="pubmed">90000010</ArticleId><ArticleId IdType="doi">10.9999/gen.10</ArticleId>
</ArticleIdList></PubmedData></PubmedArticle></PubmedArticleSet>"""


@pytest.fixture(scope="module")
def corpus():  # type: ignore[no-untyped-def]
    (pubmed,) = parse_efetch(RETRACTED_XML)
    openalex = WorkRecord(source="openalex", openalex_id="W9000000010", doi="10.9999/gen.10",
                          title="GENERATED CD4+ paper", year=2020, is_retracted=False)  # fmt: skip
    clean = WorkRecord(source="pubmed", pmid="90000011", title="GENERATED cited paper",
                       year=2019, is_retracted=False,
                       authors=[AuthorRecord(name="Ann Other", last_name="Other",
                                             fore_name="Ann", position=1)])  # fmt: skip
    return merge_records([openalex, pubmed, clean], seeds=["pmid:90000010"],
                         manifest=new_manifest(seeds=["pmid:90000010"], sources=["pubmed"]))  # fmt: skip


def _row(corpus, wid: str) -> dict:  # type: ignore[no-untyped-def]
    return corpus.works.set_index("id").loc[wid].to_dict()


def test_merge_any_source_retracted_wins_and_relations_are_strings(corpus) -> None:  # type: ignore[no-untyped-def]
    row = _row(corpus, "pmid:90000010")
    assert row["retracted"] is True or bool(row["retracted"]) is True
    assert row["field_sources"]["retracted"] == "pubmed"
    assert row["relations"] == ["ErratumIn pmid:90000013", "RetractionIn pmid:90000012"]
    assert row["title"] == "GENERATED CD4⁺ paper"
    assert not bool(_row(corpus, "pmid:90000011")["retracted"])
    assert _row(corpus, "pmid:90000011")["relations"] == []
    # The Cites entry is a reference link; relation targets never become works.
    links = set(zip(corpus.links["source"], corpus.links["target"], strict=True))
    assert ("pmid:90000010", "pmid:90000011") in links
    assert "pmid:90000012" not in set(corpus.works["id"])


def test_works_table_and_csv_have_retracted_column(corpus) -> None:  # type: ignore[no-untyped-def]
    table = works_table(corpus)
    assert dict(zip(table["id"], table["retracted"], strict=True)) == {
        "pmid:90000010": True, "pmid:90000011": False,
    }  # fmt: skip
    csv = export_works(corpus, "csv").decode()
    header = csv.splitlines()[0].split(",")
    assert "retracted" in header


def test_ris_and_bibtex_carry_a_retraction_note(corpus) -> None:  # type: ignore[no-untyped-def]
    ris = export_works(corpus, "ris").decode()
    assert "N1  - RETRACTED; Retraction in PMID 90000012" in ris
    assert ris.count("RETRACTED") == 1
    bib = export_works(corpus, "bibtex").decode()
    assert re.search(r"note = \{RETRACTED; Retraction in PMID 90000012\}", bib)


def test_graph_node_attribute_and_tooltip(corpus) -> None:  # type: ignore[no-untyped-def]
    G = build_citation_graph(corpus)
    assert G.nodes["pmid:90000010"]["retracted"] is True
    assert G.nodes["pmid:90000011"]["retracted"] is False
    page = render_html(G)
    match = re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);", page, re.DOTALL)
    nodes = {n["id"]: n for n in json.loads(match.group(1))}
    assert nodes["pmid:90000010"]["title"].startswith("⚠ RETRACTED\n")  # plain text
    assert "RETRACTED" not in nodes["pmid:90000011"]["title"]


def test_work_card_warns_and_lists_relations(corpus) -> None:  # type: ignore[no-untyped-def]
    card = work_card(corpus, "pmid:90000010")
    assert card.startswith("**⚠ RETRACTED**")
    assert "Retraction in [PubMed 90000012](https://pubmed.ncbi.nlm.nih.gov/90000012/)" in card
    assert "Erratum in [PubMed 90000013]" in card
    assert "RETRACTED" not in work_card(corpus, "pmid:90000011")


def test_snapshot_round_trip_keeps_new_columns(corpus) -> None:  # type: ignore[no-untyped-def]
    again = loads_snapshot(dumps_snapshot(corpus))
    row = _row(again, "pmid:90000010")
    assert bool(row["retracted"]) and row["relations"] == _row(corpus, "pmid:90000010")["relations"]


def _doc(**work: object) -> dict:
    return {
        "format": "citegraph-snapshot", "format_version": 1,
        "manifest": {"seeds": [], "sources": []},
        "works": [{"id": "pmid:1", **work}], "authors": [], "authorships": [], "links": [],
    }  # fmt: skip


def test_old_snapshot_without_new_columns_still_loads() -> None:
    corpus = loads_snapshot(json.dumps(_doc(title="GENERATED")).encode())
    row = corpus.works.iloc[0]
    assert row["retracted"] is False or not bool(row["retracted"])
    assert list(row["relations"]) == [] and row["issn_l"] is None
    assert "suffix" in corpus.authors.columns


@pytest.mark.parametrize(
    ("work", "words"),
    [
        ({"relations": ["Retraction In pmid:1 x"]}, "relations[0] must be 'Type' or 'Type id'"),
        ({"relations": "RetractionIn pmid:1"}, "relations must be a list of strings"),
        ({"retracted": "yes"}, "retracted must be true or false"),
        ({"issn_l": "12345678X"}, "issn_l must be an ISSN"),
    ],
)
def test_invalid_new_columns_are_named(work: dict, words: str) -> None:
    with pytest.raises(SnapshotError, match=re.escape(words)):
        loads_snapshot(json.dumps(_doc(**work)).encode())


def test_valid_new_columns_load() -> None:
    doc = _doc(issn_l="1234-567X", journal_id="issn:1234-567X", retracted=True,
               relations=["ErratumIn", "RetractionIn pmid:2"])  # fmt: skip
    row = loads_snapshot(json.dumps(doc).encode()).works.iloc[0]
    assert bool(row["retracted"]) and row["issn_l"] == "1234-567X"


def test_banner_counts_retracted_works(corpus) -> None:  # type: ignore[no-untyped-def]
    from citegraph.present import describe_corpus

    assert "1 work marked **retracted**" in describe_corpus(corpus).text
