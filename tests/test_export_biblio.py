"""Reference lists read back by the tools their users use (issue 10, item 4).

Each works export is written and read back: BibTeX with bibtexparser 2 (names split with
``SplitNameParts``, LaTeX decoded with pylatexenc as its ``LatexDecodingMiddleware`` does, the
verbatim ``doi`` and ``url`` fields left as they are, as biblatex reads them), RIS with rispy,
CSV with pandas. Corpora: a crawl of the emulator (SYNTHETIC data, compared field by field
with the emulator's ground truth), hand-built GENERATED works with hard names and titles, and
hostile text (tests/hostile_text.py).
"""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path
from typing import Any

import bibtexparser
import pandas as pd
import pytest
import rispy
from bibtexparser.middlewares import SeparateCoAuthors, SplitNameParts
from pylatexenc.latex2text import LatexNodes2Text

from citegraph.cli import main
from citegraph.collect import Collector, FetchOptions, make_clients
from citegraph.export import (
    WORKS_CSV_COLUMNS,
    bibtex_text,
    csv_cell,
    export_works,
    export_works_file,
    reference_list,
)
from citegraph.model import Corpus
from citegraph.snapshot import save_snapshot
from citegraph.text import clean_markup, strip_controls
from tests.emulator.server import EmulatorServer
from tests.hostile_text import hostile_corpus

FORMATS = ("bibtex", "ris", "csv")
_decode = LatexNodes2Text().latex_to_text


# ------------------------------------------------------------------------------ readers
def read_bibtex(text: str) -> list[dict[str, Any]]:
    """Entries as bibtexparser 2 reads them: ``author`` as (family, given, suffix) tuples
    (family = von + last), every other field LaTeX-decoded except ``doi`` and ``url``."""
    library = bibtexparser.parse_string(
        text, append_middleware=[SeparateCoAuthors(), SplitNameParts()]
    )
    assert not library.failed_blocks, library.failed_blocks[0].raw[:200]
    entries = []
    for entry in library.entries:
        fields: dict[str, Any] = {"ENTRYTYPE": entry.entry_type, "ID": entry.key}
        for field in entry.fields:
            if field.key == "author":
                fields["author"] = [
                    (_decode(" ".join(n.von + n.last)), _decode(" ".join(n.first)),
                     _decode(" ".join(n.jr)))
                    for n in field.value
                ]  # fmt: skip
            elif field.key in ("doi", "url"):
                fields[field.key] = field.value
            else:
                fields[field.key] = _decode(field.value)
        entries.append(fields)
    return entries


def read_ris(text: str) -> list[dict[str, Any]]:
    return rispy.loads(text)


def read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def _given(value: str | None) -> str:
    """Given names compare without full stops ("Jana M." and "Jana M" are the same name)."""
    return " ".join((value or "").replace(".", " ").split())


def _ris_extra(record: dict[str, Any]) -> dict[str, str]:
    """The ``M2`` lines ("PMID: …") as Zotero's Extra holds them: label → value."""
    lines = record.get("unknown_tag", {}).get("M2", [])
    return dict(line.split(": ", 1) for line in lines)


# ------------------------------------------------------------------------------ emulator crawl
class Crawl:
    """One crawl of the emulator (SYNTHETIC), its ground truth, and the three files."""

    def __init__(self, server: EmulatorServer) -> None:
        server.reset()
        clients = make_clients(
            pubmed_url=server.pubmed_url,
            icite_url=server.icite_url,
            openalex_url=server.openalex_url,
            rate=1000,
            retries=0,
        )
        self.corpus = Collector([server.seed], clients, FetchOptions(max_per_kind=1000)).run()
        server.reset()
        self.truth = server.index.truth()["works"]
        self.files = {fmt: export_works_file(self.corpus, fmt) for fmt in FORMATS}
        by_id = {}
        for fact in self.truth.values():
            ids = fact["ids"]
            if ids["pmid"]:
                by_id[f"pmid:{ids['pmid']}"] = fact
            if ids["doi"]:
                by_id[f"doi:{ids['doi'].lower()}"] = fact
            if ids["openalex_id"]:
                by_id[ids["openalex_id"]] = fact
        #: work id → truth, for every work of the crawl
        self.fact: dict[str, dict[str, Any]] = {}
        for row in self.corpus.works.itertuples():
            keys = [f"pmid:{row.pmid}" if isinstance(row.pmid, str) else "",
                    f"doi:{row.doi.lower()}" if isinstance(row.doi, str) else "",
                    row.openalex_id if isinstance(row.openalex_id, str) else ""]  # fmt: skip
            found = [by_id[k] for k in keys if k in by_id]
            if found:
                self.fact[row.id] = found[0]


@pytest.fixture(scope="module")
def crawl(emulator_server: EmulatorServer) -> Crawl:
    return Crawl(emulator_server)


def test_every_work_is_written_and_counted(crawl: Crawl) -> None:
    n = len(crawl.corpus.works)
    assert n > 150 and len(crawl.fact) == n
    bib = read_bibtex(crawl.files["bibtex"].data.decode("utf-8"))
    ris = read_ris(crawl.files["ris"].data.decode("utf-8"))
    csv = read_csv(crawl.files["csv"].data)
    assert len(bib) == len(ris) == len(csv) == n
    assert {f.written for f in crawl.files.values()} == {n}
    assert {f.left_out for f in crawl.files.values()} == {0}
    assert len({e["ID"] for e in bib}) == n  # unique keys


def test_bibtex_round_trips_field_by_field(crawl: Crawl) -> None:
    works = crawl.corpus.works.set_index("id")
    entries = read_bibtex(crawl.files["bibtex"].data.decode("utf-8"))
    refs = reference_list(crawl.corpus)
    problems = []
    for ref, entry in zip(refs, entries, strict=True):
        fact, row = crawl.fact[ref.id], works.loc[ref.id]
        want_authors = [
            (a["name"], "", "") if a["group"] else (a["family"], _given(a["given"]), a["suffix"] or "")
            for a in fact["authors"]
        ]  # fmt: skip
        got_authors = [(f, _given(g), s) for f, g, s in entry.get("author", [])]
        checks = {
            "title": (entry["title"], fact["title"]),  # PubMed's closing full stop dropped
            "year": (entry["year"], str(fact["year"])),
            "pages": (entry["pages"], fact["pages"].replace("-", "–")),  # "--" reads as en dash
            "doi": (entry.get("doi", "").lower(), (fact["ids"]["doi"] or "").lower()),
            "pmid": (entry.get("pmid", ""), fact["ids"]["pmid"] or ""),
            "journal": (entry["journal"].lower(), fact["journal"]["name"].lower()),
            "shortjournal": (entry.get("shortjournal"), row["journal_abbrev"] or None),
            "volume": (entry.get("volume"), row["volume"] or None),
            "issn": (entry.get("issn"), fact["journal"]["issn_l"]),
        }
        if fact["ids"]["pmid"]:  # PubMed names every author in full (OpenAlex: display names)
            checks["author"] = (got_authors, want_authors)
        for name, (got, want) in checks.items():
            if got != want:
                problems.append(f"{ref.id} {name}: {got!r} ≠ {want!r}")
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems[:20])


def test_bibtex_is_utf8_without_latex_soup(crawl: Crawl) -> None:
    text = crawl.files["bibtex"].data.decode("utf-8")
    for soup in ("\\ensuremath", '{\\"', "\\texttwosuperior", "{\\o}", "\\'", "<sup>", "&lt;"):
        assert soup not in text, soup
    assert "Østergaard" in text or "García" in text  # names stay Unicode
    # Markup titles became Unicode, symbols brace-protected so styles keep their case.
    assert re.search(r"title = \{Synthetic work \d+: \{H₂O₂\} release by ex vivo \{B\} cells", text)
    assert re.search(r"\{Ca²⁺\} flux in Mus musculus \{T\} cells", text)
    assert re.search(r"\{CD4⁺\} and \{CD8⁺\} \{T\} cell", text)


def test_hard_names_round_trip_in_every_format(crawl: Crawl) -> None:
    """Particles stay with the family name, suffixes apart, groups whole: in BibTeX's
    von/last/jr/first, RIS's "Family, Given, Suffix" and the CSV's author_names."""
    bib = read_bibtex(crawl.files["bibtex"].data.decode("utf-8"))
    ris = read_ris(crawl.files["ris"].data.decode("utf-8"))
    csv = read_csv(crawl.files["csv"].data)
    names_bib = {a for e in bib for a in e.get("author", [])}
    names_ris = {a for r in ris for a in r.get("authors", [])}
    names_csv = {a for cell in csv["author_names"] for a in cell.split("; ") if a}
    for family, given, suffix in (("De Benedetti", "Fabrizio", ""), ("Colbert", "Robert A", "Jr"),
                                  ("Whitfield", "James T", "III"), ("van der Berg", "Anke", ""),
                                  ("dos Reis", "Ana Paula", ""), ("Le Roux", "Claire-Marie", ""),
                                  ("O'Neill", "Siobhán", ""), ("García-López", "María José", "")):  # fmt: skip
        assert (family, given, suffix) in names_bib, family
        as_ris = ", ".join(p for p in (family, given, suffix) if p)
        assert as_ris in names_ris and as_ris in names_csv, as_ris
    group = "Synthetic Paediatric Cell Therapy Working Group"
    assert (group, "", "") in names_bib and group in names_ris and group in names_csv


def test_ris_has_the_tags_zotero_maps(crawl: Crawl) -> None:
    text = crawl.files["ris"].data.decode("utf-8")
    records = read_ris(text)
    assert not re.search(r"^(JO|JF|JA|AN)  - ", text, re.MULTILINE)  # Zotero misfiles these
    refs = reference_list(crawl.corpus)
    works = crawl.corpus.works.set_index("id")
    problems = []
    for ref, record in zip(refs, records, strict=True):
        fact, row = crawl.fact[ref.id], works.loc[ref.id]
        extra = _ris_extra(record)
        start, _, end = fact["pages"].partition("-")
        checks = {
            "TI": (record["title"], fact["title"]),
            "T2": (record["secondary_title"].lower(), fact["journal"]["name"].lower()),
            "J2": (record.get("alternate_title1"), row["journal_abbrev"] or None),
            "PY": (record["year"], str(fact["year"])),
            "VL": (record.get("volume"), row["volume"] or None),
            "SP/EP": ((record["start_page"], record["end_page"]), (start, end)),
            "DO": (record.get("doi", "").lower(), (fact["ids"]["doi"] or "").lower()),
            "PMID": (extra.get("PMID", ""), fact["ids"]["pmid"] or ""),
            "PMCID": (extra.get("PMCID"), row["pmcid"] or None),
            "UR": (len(record.get("urls", [])), 1),
        }
        if fact["ids"]["pmid"]:
            want = [a["name"] if a["group"] else
                    ", ".join(p for p in (a["family"], _given(a["given"]), a["suffix"]) if p)
                    for a in fact["authors"]]  # fmt: skip
            got = [", ".join(_given(p) for p in a.split(", ")) for a in record.get("authors", [])]
            checks["AU"] = (got, want)
        for name, (got, want) in checks.items():
            if got != want:
                problems.append(f"{ref.id} {name}: {got!r} ≠ {want!r}")
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems[:20])


def test_ris_and_bibtex_keep_the_retraction_note(crawl: Crawl) -> None:
    retracted = [k for k, fact in crawl.fact.items() if fact["retracted"]]
    assert retracted
    records = {r.id: rec for r, rec in zip(reference_list(crawl.corpus),
                                           read_ris(crawl.files["ris"].data.decode()), strict=True)}  # fmt: skip
    for wid in retracted:
        assert records[wid]["notes"][0].startswith("RETRACTED; Retraction in PMID ")
    bib = read_bibtex(crawl.files["bibtex"].data.decode())
    assert sum(e.get("note", "").startswith("RETRACTED") for e in bib) == len(retracted)


def test_works_csv_has_every_author_and_field(crawl: Crawl) -> None:
    table = read_csv(crawl.files["csv"].data)
    assert list(table.columns) == WORKS_CSV_COLUMNS
    for column in ("volume", "issue", "pages", "pmid", "pmcid", "doi", "openalex_id", "journal",
                   "journal_abbrev", "issn", "year", "pub_date", "type", "cited_by_count",
                   "retracted", "sources"):  # fmt: skip
        assert column in table.columns
    assert not table["authors"].str.contains("…").any()
    by_id = table.set_index("id")
    counts = crawl.corpus.authorships.groupby("work_id").size()
    big = [k for k, fact in crawl.fact.items() if fact["n_authors"] > 100]
    assert len(big) == 2
    for wid in big:
        assert len(by_id.loc[wid, "author_names"].split("; ")) == crawl.fact[wid]["n_authors"]
        assert len(by_id.loc[wid, "authors"].split(", ")) == counts[wid]
    for wid, fact in crawl.fact.items():
        row = by_id.loc[wid]
        assert row["pages"] == fact["pages"] and row["year"] == str(fact["year"])
        assert row["pmid"] == (fact["ids"]["pmid"] or "")
        assert row["doi"].lower() == (fact["ids"]["doi"] or "").lower()
    typed = pd.read_csv(io.BytesIO(crawl.files["csv"].data))
    assert pd.api.types.is_integer_dtype(typed["year"]) and typed["retracted"].dtype == bool


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_reports_the_count_the_file_holds(
    crawl: Crawl, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = save_snapshot(crawl.corpus, tmp_path / "s.json")
    out = tmp_path / f"works.{fmt}"
    assert main(["works", str(snapshot), "--format", fmt, "-o", str(out)]) == 0
    said = re.search(r"(\d+) works? written", capsys.readouterr().err)
    assert said, "no count on stderr"
    data = out.read_bytes()
    held = {"bibtex": lambda: len(read_bibtex(data.decode())),
            "ris": lambda: len(read_ris(data.decode())),
            "csv": lambda: len(read_csv(data))}[fmt]()  # fmt: skip
    assert int(said.group(1)) == held == len(crawl.corpus.works)


# ------------------------------------------------------------------------------ generated works
def _corpus(title: str = "Generated title", **work: Any) -> Corpus:
    """GENERATED: one work with hard names, and one work known only by its id."""
    return Corpus.from_rows(
        works=[{"id": "pmid:900000001", "pmid": "900000001", "pmcid": "PMC900001",
                "doi": "10.5555/gen_1#x", "title": title, "journal": "Generated Journal",
                "journal_abbrev": "Gen J", "issn": ["9999-0001"], "year": 2024,
                "volume": "12", "issue": "3", "pages": "e100-e110",
                "collective_author": "Generated Study Group", "sources": ["pubmed"], **work},
               {"id": "W9000000002", "openalex_id": "W9000000002", "sources": []}],
        authors=[{"id": "a", "name": "Fabrizio De Benedetti", "last_name": "De Benedetti",
                  "fore_name": "Fabrizio"},
                 {"id": "b", "name": "Robert A Colbert Jr", "last_name": "Colbert",
                  "fore_name": "Robert A", "suffix": "Jr"},
                 {"id": "c", "name": "Ann Smith, and Jones", "last_name": "Smith and Jones",
                  "fore_name": "Ann"},
                 {"id": "d", "name": "王小明", "last_name": "王", "fore_name": "小明"}],
        authorships=[{"work_id": "pmid:900000001", "author_id": a, "position": p}
                     for p, a in enumerate("abcd", start=1)],
    )  # fmt: skip


def test_generated_work_round_trips_in_all_three_formats() -> None:
    c = _corpus("CAR T cell therapy & IL-6: 50% of {CD19}⁺ mRNA_x ~ ^ \\ $ # --- ''q``")
    bib = read_bibtex(export_works(c, "bibtex").decode())
    ris = read_ris(export_works(c, "ris").decode())
    csv = read_csv(export_works(c, "csv"))
    title = "CAR T cell therapy & IL-6: 50% of {CD19}⁺ mRNA_x ~ ˆ \\ $ # --- ''q``"
    # pylatexenc (and Zotero) read LaTeX's \textasciicircum as U+02C6 "ˆ"; everything else exact.
    assert bib[0]["title"] == title
    assert ris[0]["title"] == csv.loc[0, "title"] == title.replace("ˆ", "^")
    authors = [("De Benedetti", "Fabrizio", ""), ("Colbert", "Robert A", "Jr"),
               ("Smith and Jones", "Ann", ""), ("王", "小明", ""), ("Generated Study Group", "", "")]  # fmt: skip
    assert bib[0]["author"] == authors
    assert ris[0]["authors"] == [", ".join(p for p in a if p) for a in authors]
    assert csv.loc[0, "author_names"] == "; ".join(", ".join(p for p in a if p) for a in authors)
    assert (bib[0]["journal"], bib[0]["shortjournal"]) == ("Generated Journal", "Gen J")
    assert (ris[0]["secondary_title"], ris[0]["alternate_title1"]) == ("Generated Journal", "Gen J")
    assert (bib[0]["pages"], ris[0]["start_page"], ris[0]["end_page"]) == (
        "e100–e110",
        "e100",
        "e110",
    )
    assert bib[0]["doi"] == ris[0]["doi"] == csv.loc[0, "doi"] == "10.5555/gen_1#x"
    assert bib[0]["url"] == ris[0]["urls"][0] == "https://doi.org/10.5555/gen_1%23x"
    assert (bib[0]["pmid"], bib[0]["pmcid"]) == ("900000001", "PMC900001")
    assert _ris_extra(ris[0]) == {"PMID": "900000001", "PMCID": "PMC900001"}
    assert csv.loc[0, ["pmid", "pmcid", "issn", "volume", "issue", "pages"]].tolist() == [
        "900000001", "PMC900001", "9999-0001", "12", "3", "e100-e110",
    ]  # fmt: skip
    # The work known only by its id: written with the id and its URL, and counted.
    assert (bib[1]["ENTRYTYPE"], bib[1]["url"]) == ("misc", "https://openalex.org/W9000000002")
    assert (ris[1]["type_of_reference"], ris[1]["urls"]) == (
        "GEN",
        ["https://openalex.org/W9000000002"],
    )
    assert csv.loc[1, ["id", "openalex_id", "url"]].tolist() == [
        "W9000000002", "W9000000002", "https://openalex.org/W9000000002",
    ]  # fmt: skip
    assert "W9000000002" in bib[1]["note"] and "W9000000002" in ris[1]["notes"][0]


@pytest.mark.parametrize(
    ("title", "protected"),
    [
        ("CAR T cell therapy for children", "{CAR} {T} cell therapy for children"),
        ("IL-6 and CD19 in mRNA vaccines", "{IL-6} and {CD19} in {mRNA} vaccines"),
        ("anti-CD19 T-cell iPSC lines", "anti-{CD19} {T}-cell {iPSC} lines"),
        ("Ca²⁺ and H₂O₂ in COVID-19", "{Ca²⁺} and {H₂O₂} in {COVID-19}"),
        ("Vitamin A deficiency in children", "Vitamin {A} deficiency in children"),
        ("A Study of Children With Lupus", "A Study of Children With Lupus"),
        ("ALL CAPS TITLE", "ALL CAPS TITLE"),
        ("p53 and 2024 data", "{p53} and 2024 data"),
        ("A função retórica da lei. A study", "A função retórica da lei. {A} study"),
        ("T cells in children", "T cells in children"),
    ],
)
def test_titles_protect_acronyms_and_symbols(title: str, protected: str) -> None:
    assert bibtex_text(title, protect=True) == protected
    assert _decode(protected) == title


@pytest.mark.parametrize(
    "char", [*"{}\\%&#$_~", "{x}", "}{", "--", "---", "''", "``", "?`", "!`", "<<"]
)
def test_every_bibtex_special_reads_back_exactly(char: str) -> None:
    text = f"a{char}b {char} {char}{char}"
    escaped = bibtex_text(text)
    assert escaped.count("{") == escaped.count("}")  # BibTeX counts escaped braces too
    entry = read_bibtex(f"@misc{{k, title = {{{escaped}}}}}")[0]
    assert entry["title"] == text


def test_no_latex_warnings_on_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    c = _corpus("Greek αβγ, maths ∑∫√≤ ≥ ±, arrows → ⇒, emoji 🧬, CJK 中文, Ĳ ŉ ǅ ẞ")
    export_works(c, "bibtex")
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


# ------------------------------------------------------------------------------ hostile text
@cache
def _hostile() -> Corpus:
    return hostile_corpus()


def _shown_title(payload: str) -> str:
    """A hostile title as a reference list shows it: markup gone (script and style bodies,
    tags), text on one line, without control characters."""
    cleaned = clean_markup(strip_controls(payload, one_line=True)) or ""
    title = strip_controls(cleaned, one_line=True).strip()
    return title[:-1].rstrip() if title.endswith(".") and not title.endswith("..") else title


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_text_reads_back_one_entry_per_work(fmt: str) -> None:
    c = _hostile()
    data = export_works(c, fmt)
    if fmt == "bibtex":
        titles = [e.get("title", "").replace("ˆ", "^") for e in read_bibtex(data.decode("utf-8"))]
    elif fmt == "ris":
        titles = [e.get("title", "") for e in read_ris(data.decode("utf-8"))]
    else:
        titles = read_csv(data)["title"].tolist()
    assert len(titles) == len(c.works) == export_works_file(c, fmt).written
    want = {strip_controls(w["id"], one_line=True).strip(): _shown_title(w["title"])
            for w in c.works.to_dict("records")}  # fmt: skip
    got = {ref.id: title for ref, title in zip(reference_list(c), titles, strict=True)}
    if fmt == "csv":  # a spreadsheet formula gets a leading "'" (csv_cell)
        want = {k: csv_cell(v) for k, v in want.items()}
    assert got == want


SURROGATE_FIELDS = ("title", "journal", "journal_abbrev", "volume", "issue", "pages", "doi",
                    "pmid", "pmcid", "abstract", "pub_date", "collective_author")  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
def test_lone_surrogates_and_controls_never_crash(fmt: str) -> None:
    bad = "x\ud800y\x00z\x1b[31m\u202e\udfff\r\nend"
    c = Corpus.from_rows(
        works=[{"id": "pmid:1", **dict.fromkeys(SURROGATE_FIELDS, bad), "year": 2020,
                "keywords": [bad], "pub_types": [bad], "issn": [bad], "sources": [bad]},
               {"id": bad}],
        authors=[{"id": "a", "name": bad, "last_name": bad, "fore_name": bad, "suffix": bad}],
        authorships=[{"work_id": "pmid:1", "author_id": "a", "position": 1, "name": bad}],
    )  # fmt: skip
    file = export_works_file(c, fmt)
    text = file.data.decode("utf-8")  # strict: no surrogate got through
    assert not re.search("[\x00-\x08\x0b-\x1f\u202e]", text)
    held = {"bibtex": lambda: len(read_bibtex(text)), "ris": lambda: len(read_ris(text)),
            "csv": lambda: len(read_csv(file.data))}[fmt]()  # fmt: skip
    assert held == file.written == 2
    assert "xyz" in text and "end" in text


# ------------------------------------------------------------------------------ real records
def test_real_records_read_back_in_every_format() -> None:
    """The real PubMed and OpenAlex samples (../shared/data/api-samples), parsed and merged as
    a crawl would: every work in every file, titles and author counts as in the corpus."""
    from citegraph.merge import merge_records
    from citegraph.sources.openalex import parse_list, parse_single
    from citegraph.sources.pubmed import parse_efetch
    from tests.conftest import require_samples

    samples = require_samples()
    records = []
    for name in ("biopython_pubmed1.xml", "biopython_pubmed2.xml",
                 "biopython_pubmed7_with_ReferenceList.xml"):  # fmt: skip
        records += parse_efetch((samples / "eutils" / name).read_bytes())
    listed, _ = parse_list(
        (samples / "openalex/openalex_list_works_sample5_2026-07-23.json").read_bytes()
    )
    records += [
        *listed,
        parse_single((samples / "openalex/openalex_work_W2741809807.json").read_bytes()),
    ]
    corpus = merge_records(records)
    refs = reference_list(corpus)
    assert len(refs) == len(corpus.works) >= 8
    bib = read_bibtex(export_works(corpus, "bibtex").decode("utf-8"))
    ris = read_ris(export_works(corpus, "ris").decode("utf-8"))
    csv = read_csv(export_works(corpus, "csv"))
    assert len(bib) == len(ris) == len(csv) == len(refs)
    for ref, entry, record, row in zip(refs, bib, ris, csv.to_dict("records"), strict=True):
        assert (
            entry.get("title", "").replace("ˆ", "^")
            == record.get("title", "")
            == row["title"]
            == ref.title
        )
        assert len(entry.get("author", [])) == len(record.get("authors", [])) == len(ref.authors)
        assert row["author_names"] == "; ".join(n.ris for n in ref.authors)
        assert record.get("doi", "") == row["doi"] == ref.doi
        if ref.pmid:
            assert entry["pmid"] == row["pmid"] == _ris_extra(record)["PMID"] == ref.pmid
