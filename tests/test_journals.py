"""Journal identity (citegraph.journals), its use in the merge, filters, options and colours.

Real-world data: Nature Reviews Rheumatology (the seed's journal) has print ISSN 1759-4790 (also
its ISSN-L) and electronic ISSN 1759-4804; NLM's title is "Nature reviews. Rheumatology", ISO
abbreviation "Nat Rev Rheumatol". Everything else is GENERATED: the emulator's "Emulated Cell
Therapy", ISSNs in the unassigned 9999- block (valid check digits), PMIDs 93xxxxxxx, W9300…
"""

from __future__ import annotations

import json
import random

import pytest

from citegraph.graphs import build_citation_graph, filter_corpus, journal_options
from citegraph.journals import assign_journals, journal_index, normalize_issn, title_key
from citegraph.merge import merge_records
from citegraph.model import Corpus, WorkRecord
from citegraph.render import render_html
from citegraph.snapshot import dumps_snapshot, loads_snapshot, new_manifest

NRR_PRINT, NRR_ELECTRONIC = "1759-4790", "1759-4804"
EMU_L, EMU_E = "9999-1004", "9999-1012"  # generated


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1759-4790", "1759-4790"),
        ("17594804", "1759-4804"),
        (" 1759 4804 ", "1759-4804"),
        ("ISSN 1759-4790", "1759-4790"),
        ("1759\u20114804", "1759-4804"),  # non-breaking hyphen, as some pages print it
        ("9999-108x", "9999-108X"),  # generated; lower-case check character
        ("1759-4791", None),  # wrong check digit
        ("1759-479", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_issn(raw, expected):
    assert normalize_issn(raw) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Nature reviews. Rheumatology", "Nature Reviews Rheumatology"),
        ("Emulated cell therapy", "EMULATED CELL THERAPY"),
        ("Journal of Generated Bone & Joint Tests", "Journal of Generated Bone and Joint Tests"),
        ("The Generated Journal", "Generated journal"),
        ("Revista Española de Pruebas", "Revista Espanola de Pruebas"),
        ("Generated  Journal:  Series A", "Generated Journal - Series A"),
    ],
)
def test_title_key_equal(a, b):
    assert title_key(a) == title_key(b) != ""


def test_title_key_keeps_different_titles_apart():
    assert title_key("Generated Journal A") != title_key("Generated Journal B")
    assert title_key("Theory of Generated Tests") == "theory of generated tests"  # not "The…"
    assert title_key(None) == "" and title_key("  ") == ""


def _nrr_records() -> dict[str, list[WorkRecord]]:
    """The seed's journal as each source spells it, on four different (generated) works."""
    return {
        "pmid:930000001": [
            WorkRecord(source="pubmed", pmid="930000001", journal="Nature reviews. Rheumatology",
                       journal_abbrev="Nat Rev Rheumatol", issn=[NRR_ELECTRONIC],
                       issn_l=NRR_PRINT),
        ],
        "W9300000002": [
            WorkRecord(source="openalex", openalex_id="W9300000002",
                       journal="Nature Reviews Rheumatology", issn_l=NRR_PRINT,
                       issn=[NRR_PRINT, NRR_ELECTRONIC]),
        ],
        "pmid:930000003": [  # electronic ISSN only, no ISSN-L: joined by the shared ISSN
            WorkRecord(source="pubmed", pmid="930000003", journal="Nature reviews. Rheumatology",
                       issn=[NRR_ELECTRONIC]),
        ],
        "pmid:930000004": [  # iCite gives only the abbreviation, no ISSN: joined by title
            WorkRecord(source="icite", pmid="930000004", journal="Nat Rev Rheumatol"),
        ],
    }  # fmt: skip


def test_print_electronic_and_linking_issns_are_one_journal():
    journals = assign_journals(_nrr_records())
    assert {j.id for j in journals.values()} == {f"issn:{NRR_PRINT}"}
    j = journals["W9300000002"]
    assert j.name == "Nature reviews. Rheumatology"  # PubMed's title wins over OpenAlex's
    assert j.abbrev == "Nat Rev Rheumatol"
    assert j.issn_l == NRR_PRINT and j.issns == (NRR_PRINT, NRR_ELECTRONIC)
    assert j.name_source == "pubmed"


def test_facts_title_wins_and_id_without_issn_l_is_the_smallest_issn():
    recs = {
        "a": [WorkRecord(source="facts", pmid="1", journal="Nature Reviews Rheumatology",
                         issn=[NRR_ELECTRONIC])],
        "b": [WorkRecord(source="pubmed", pmid="2", journal="Nature reviews. Rheumatology",
                         issn=[NRR_ELECTRONIC, NRR_PRINT])],
    }  # fmt: skip
    journals = assign_journals(recs)
    assert journals["a"].id == journals["b"].id == f"issn:{NRR_PRINT}"
    assert journals["a"].name == "Nature Reviews Rheumatology"


def test_case_variants_never_pick_the_all_lower_or_all_caps_spelling():
    recs = {
        "p": [WorkRecord(source="pubmed", pmid="1", journal="emulated cell therapy",
                         journal_abbrev="EMUL CELL THER", issn=[EMU_E], issn_l=EMU_L)],
        "o": [WorkRecord(source="openalex", openalex_id="W1", journal="Emulated Cell Therapy",
                         journal_abbrev="Emul Cell Ther", issn=[EMU_L])],
        "i": [WorkRecord(source="icite", pmid="3", journal="EMULATED CELL THERAPY",
                         issn=[EMU_E])],
    }  # fmt: skip
    journals = assign_journals(recs)
    assert {j.id for j in journals.values()} == {f"issn:{EMU_L}"}
    assert journals["p"].name == "Emulated Cell Therapy"
    assert journals["p"].abbrev == "Emul Cell Ther"


def test_ties_are_deterministic_whatever_the_order():
    recs = {
        f"w{i}": [WorkRecord(source="openalex", openalex_id=f"W{i}", journal=name, issn=[EMU_L])]
        for i, name in enumerate(["Emulated Cell therapy", "Emulated cell Therapy",
                                  "Emulated cell Therapy"])
    }  # fmt: skip
    expected = assign_journals(recs)
    # The spelling most works print wins a tie of source rank.
    assert expected["w0"].name == "Emulated cell Therapy"
    items = list(recs.items())
    for seed in range(5):
        random.Random(seed).shuffle(items)
        assert assign_journals(dict(items)) == expected


def test_title_only_journals_join_on_and_and_ampersand():
    recs = {
        "a": [WorkRecord(source="openalex", openalex_id="W1",
                         journal="Journal of Generated Bone & Joint Tests")],
        "b": [WorkRecord(source="pubmed", pmid="2",
                         journal="The journal of generated bone and joint tests")],
    }  # fmt: skip
    journals = assign_journals(recs)
    assert journals["a"] == journals["b"]
    assert journals["a"].id == "title:journal of generated bone and joint tests"
    assert journals["a"].name == "The journal of generated bone and joint tests"  # PubMed's


def test_one_title_two_issn_linkings_stay_two_journals():
    recs = {
        "a": [WorkRecord(source="pubmed", pmid="1", journal="Generated Surgery",
                         issn_l="9999-1020", issn=["9999-1020"])],
        "b": [WorkRecord(source="pubmed", pmid="2", journal="Generated Surgery",
                         issn_l="9999-1039", issn=["9999-1039"])],
        # A record that would chain them through a shared ISSN is refused (like two PMIDs).
        "c": [WorkRecord(source="openalex", openalex_id="W3", journal="Generated Surgery",
                         issn_l="9999-1039", issn=["9999-1039", "9999-1020"])],
        # Without an ISSN the title is ambiguous: a journal of its own.
        "d": [WorkRecord(source="icite", pmid="4", journal="Generated Surgery")],
    }  # fmt: skip
    journals = assign_journals(recs)
    assert journals["a"].id == "issn:9999-1020"
    assert journals["b"].id == journals["c"].id == "issn:9999-1039"
    assert journals["d"].id == "title:generated surgery"


def test_works_without_journal_data_get_no_journal():
    assert assign_journals({"x": [WorkRecord(source="pubmed", pmid="1")]}) == {}


def _merged() -> Corpus:
    recs = [r for rs in _nrr_records().values() for r in rs]
    recs += [
        WorkRecord(source="pubmed", pmid="930000010", journal="Emulated cell therapy",
                   journal_abbrev="Emul Cell Ther", issn=[EMU_E], issn_l=EMU_L, year=2023),
        WorkRecord(source="openalex", openalex_id="W9300000011", journal="Emulated Cell Therapy",
                   issn_l=EMU_L, issn=[EMU_L, EMU_E], year=2024),
        WorkRecord(source="openalex", openalex_id="W9300000012", journal="Emulated Cell Therapy",
                   issn_l=EMU_L, issn=[EMU_L, EMU_E], year=2024),
    ]  # fmt: skip
    return merge_records(recs)


def test_merge_gives_every_work_of_one_journal_one_id_name_and_abbreviation():
    works = _merged().works.set_index("id")
    emu = works.loc[["pmid:930000010", "W9300000011", "W9300000012"]]
    assert set(emu["journal_id"]) == {f"issn:{EMU_L}"}
    assert set(emu["journal"]) == {"Emulated cell therapy"}
    assert set(emu["journal_abbrev"]) == {"Emul Cell Ther"}
    assert set(emu["issn_l"]) == {EMU_L}
    assert emu.loc["W9300000011", "field_sources"]["journal"] == "pubmed"
    nrr = works.loc[["pmid:930000001", "W9300000002", "pmid:930000003", "pmid:930000004"]]
    assert set(nrr["journal_id"]) == {f"issn:{NRR_PRINT}"}
    assert set(nrr["issn_l"]) == {NRR_PRINT}  # also where the work's own record had none


def test_filter_options_and_colours_treat_one_journal_as_one():
    c = _merged()
    assert journal_options(c) == ["Nature reviews. Rheumatology", "Emulated cell therapy"]
    for chosen in (["Emulated cell therapy"], ["EMULATED CELL THERAPY"], [f"issn:{EMU_L}"],
                   ["Emul Cell Ther"]):  # fmt: skip
        kept = filter_corpus(c, journals=chosen)
        assert sorted(kept.works["id"]) == ["W9300000011", "W9300000012", "pmid:930000010"]
    G = build_citation_graph(c)
    assert len({d["journal"] for _, d in G.nodes(data=True)}) == 2
    html = render_html(G, color_by="journal")
    assert html.count("Emulated cell therapy") >= 1 and "Emulated Cell Therapy" not in html


def _old_corpus() -> Corpus:
    """A corpus as saved before journal ids: names differ in case, ISSNs tell them apart."""
    return Corpus.from_rows(
        works=[
            {"id": "pmid:930000020", "journal": "Emulated cell therapy", "issn": [EMU_E],
             "field_sources": {"journal": "pubmed"}},
            {"id": "W9300000021", "journal": "Emulated Cell Therapy", "issn": [EMU_L, EMU_E],
             "field_sources": {"journal": "openalex"}},
            {"id": "W9300000022", "journal": "Generated Other Journal"},
            {"id": "W9300000023"},
        ],
        manifest=new_manifest(seeds=["pmid:930000020"], sources=["pubmed", "openalex"]),
    )  # fmt: skip


def test_snapshot_without_journal_ids_still_loads_and_filters():
    doc = json.loads(dumps_snapshot(_old_corpus()))
    for row in doc["works"]:
        row.pop("journal_id", None)
        row.pop("issn_l", None)
    c = loads_snapshot(json.dumps(doc).encode(), name="old.json")
    assert journal_options(c) == ["Emulated cell therapy", "Generated Other Journal"]
    kept = filter_corpus(c, journals=["Emulated Cell Therapy"])
    assert sorted(kept.works["id"]) == ["W9300000021", "pmid:930000020"]
    ids, journals = journal_index(c.works)
    assert ids[:2] == [f"issn:{EMU_L}", f"issn:{EMU_L}"] and ids[3] is None  # smallest ISSN
    assert journals[ids[2]].id == "title:generated other journal"


def test_two_journals_with_one_name_are_labelled_apart():
    c = Corpus.from_rows(
        works=[
            {"id": "a", "journal": "Generated Surgery", "journal_id": "issn:9999-1020"},
            {"id": "b", "journal": "Generated Surgery", "journal_id": "issn:9999-1039"},
            {"id": "c", "journal": "Generated Surgery", "journal_id": "issn:9999-1039"},
        ]
    )
    options = journal_options(c)
    assert options == ["Generated Surgery (issn:9999-1039)", "Generated Surgery (issn:9999-1020)"]
    assert list(filter_corpus(c, journals=[options[1]]).works["id"]) == ["a"]


def test_bundled_snapshot_journal():
    from citegraph.cli import DEFAULT_SNAPSHOT
    from citegraph.snapshot import load_snapshot

    works = load_snapshot(DEFAULT_SNAPSHOT).works
    assert works.loc[0, "journal_id"] == f"issn:{NRR_ELECTRONIC}"
    assert journal_options(load_snapshot(DEFAULT_SNAPSHOT)) == ["Nature Reviews Rheumatology"]


def test_parsers_read_the_linking_issn_from_real_responses():
    from citegraph.sources.openalex import parse_work
    from citegraph.sources.pubmed import parse_efetch
    from tests.conftest import require_samples

    samples = require_samples()
    pubmed = parse_efetch((samples / "eutils" / "biopython_pubmed2.xml").read_bytes())
    cryo = next(w for w in pubmed if w.journal == "Cryobiology")
    assert (cryo.issn, cryo.issn_l) == (["0011-2240"], "0011-2240")
    peerj = parse_work(
        json.loads((samples / "openalex" / "openalex_work_W2741809807.json").read_text())
    )
    assert (peerj.journal, peerj.issn_l) == ("PeerJ", "2167-8359")
    listed = json.loads(
        (samples / "openalex" / "openalex_list_works_sample5_2026-07-23.json").read_text()
    )
    records = [parse_work(w) for w in listed["results"]]
    land = next(w for w in records if w.journal == "Land Use Policy")
    assert land.issn_l == "0264-8377" and land.issn == ["0264-8377", "1873-5754"]
    journals = assign_journals({f"w{i}": [r] for i, r in enumerate(records + pubmed + [peerj])})
    ids = {j.name: j.id for j in journals.values()}
    assert ids["Land Use Policy"] == "issn:0264-8377" and ids["Cryobiology"] == "issn:0011-2240"
    # OpenAlex gives no ISSN for this source: a title-only journal.
    assert ids["Бизнес. Общество. Власть"] == "title:бизнес общество власть"
