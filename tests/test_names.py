"""Tests for citegraph.names.

The name forms below are the shapes bibliographic sources print (particles, hyphens, apostrophes,
CJK, single names, capitals, initials, suffixes, groups). The people are GENERATED examples or
well-known public figures used only as name shapes; none of this is bibliographic data.
"""

from __future__ import annotations

import pytest

from citegraph.names import (
    PersonName,
    family_compatible,
    fold,
    given_compatible,
    merge_names,
    parse_name,
)

# (display name, expected family, expected given, expected label)
DISPLAY_FORMS = [
    # particles stay with the family name
    ("Fabrizio De Benedetti", "De Benedetti", "Fabrizio", "De Benedetti F"),
    ("Ludwig van Beethoven", "van Beethoven", "Ludwig", "van Beethoven L"),
    ("Johannes van der Waals", "van der Waals", "Johannes", "van der Waals J"),
    ("Maria dos Santos", "dos Santos", "Maria", "dos Santos M"),
    ("Jean-Luc Le Goff", "Le Goff", "Jean-Luc", "Le Goff JL"),
    ("Otto von Bismarck", "von Bismarck", "Otto", "von Bismarck O"),
    ("Giovanni di Lorenzo", "di Lorenzo", "Giovanni", "di Lorenzo G"),
    ("Ahmed bin Ali", "bin Ali", "Ahmed", "bin Ali A"),
    ("Khalid al Saud", "al Saud", "Khalid", "al Saud K"),
    ("Jose da Silva", "da Silva", "Jose", "da Silva J"),
    ("Anna Della Rosa", "Della Rosa", "Anna", "Della Rosa A"),
    ("Pierre du Pont", "du Pont", "Pierre", "du Pont P"),
    ("Vincent Van Gogh", "Van Gogh", "Vincent", "Van Gogh V"),
    ("Gerard ter Horst", "ter Horst", "Gerard", "ter Horst G"),
    ("Al Gore", "Gore", "Al", "Gore A"),
    ("Anh Van Nguyen", "Nguyen", "Anh Van", "Nguyen AV"),
    ("Jean-Pierre de la Fontaine", "de la Fontaine", "Jean-Pierre", "de la Fontaine JP"),
    ("Иван Петров", "Петров", "Иван", "Петров И"),
    ("De Benedetti, Fabrizio", "De Benedetti", "Fabrizio", "De Benedetti F"),
    ("van Beethoven, Ludwig", "van Beethoven", "Ludwig", "van Beethoven L"),
    # hyphens
    ("Mary Smith-Jones", "Smith-Jones", "Mary", "Smith-Jones M"),
    ("Hyun-Ju Kim", "Kim", "Hyun-Ju", "Kim HJ"),
    ("Smith-Jones", "Smith-Jones", "", "Smith-Jones"),
    ("Anne-Marie Dupont-Aignan", "Dupont-Aignan", "Anne-Marie", "Dupont-Aignan AM"),
    # apostrophes, straight and typographic
    ("Patrick O'Brien", "O'Brien", "Patrick", "O'Brien P"),
    ("Mario D’Angelo", "D’Angelo", "Mario", "D’Angelo M"),
    ("Jean le Rond d'Alembert", "d'Alembert", "Jean le Rond", "d'Alembert JLR"),
    ("O'Brien, Patrick", "O'Brien", "Patrick", "O'Brien P"),
    # CJK: family first, no spaces
    ("王小明", "王", "小明", "王小明"),
    ("李 明", "李", "明", "李明"),
    ("欧阳修", "欧阳", "修", "欧阳修"),
    ("김민수", "김", "민수", "김민수"),
    # single names
    ("Madonna", "Madonna", "", "Madonna"),
    ("Prince", "Prince", "", "Prince"),
    # capitals
    ("SMITH JOHN", "John", "Smith", "John S"),
    ("SMITH John", "Smith", "John", "Smith J"),
    ("John SMITH", "Smith", "John", "Smith J"),
    ("Fabrizio DE BENEDETTI", "De Benedetti", "Fabrizio", "De Benedetti F"),
    ("SMITH JA", "Smith", "", "Smith JA"),
    ("O'BRIEN, PATRICK", "O'Brien", "Patrick", "O'Brien P"),
    # PubMed style and initials only
    ("Smith JA", "Smith", "", "Smith JA"),
    ("Wang Y", "Wang", "", "Wang Y"),
    ("De Benedetti F", "De Benedetti", "", "De Benedetti F"),
    ("van der Waals JD", "van der Waals", "", "van der Waals JD"),
    ("J. A. Smith", "Smith", "J. A.", "Smith JA"),
    ("J.A. Smith", "Smith", "J.A.", "Smith JA"),
    ("Y. Wang", "Wang", "Y.", "Wang Y"),
    ("Stacy P. Ardoin", "Ardoin", "Stacy P.", "Ardoin SP"),
    # suffixes anywhere
    ("Robert A. Colbert Jr.", "Colbert", "Robert A.", "Colbert RA Jr"),
    ("Colbert, Robert A., Jr.", "Colbert", "Robert A.", "Colbert RA Jr"),
    ("Colbert Jr., Robert A.", "Colbert", "Robert A.", "Colbert RA Jr"),
    ("Martin Luther King Jr", "King", "Martin Luther", "King ML Jr"),
    ("John Smith III", "Smith", "John", "Smith J III"),
    ("Henry Ford II", "Ford", "Henry", "Ford H II"),
    ("Pedro Sanchez Sr.", "Sanchez", "Pedro", "Sanchez P Sr"),
    # accents
    ("Étienne Lévy", "Lévy", "Étienne", "Lévy É"),
    ("Bjørn Ødegård", "Ødegård", "Bjørn", "Ødegård B"),
    ("Dean Smith", "Smith", "Dean", "Smith D"),
]

GROUPS = [
    "IMPAID Study Group",
    "COVID-19 Genomics UK Consortium",
    "PRINTO Investigators",
    "Paediatric Rheumatology European Society",
    "Writing Committee for the Generated Trial",
    "Generated Research Network",
    "et al.",
    "The Generated Collaborative",
]


@pytest.mark.parametrize(("display", "family", "given", "label"), DISPLAY_FORMS)
def test_display_names_split_into_family_given_and_label(display, family, given, label):
    name = parse_name(display)
    assert (name.family, name.given, name.label) == (family, given, label)
    assert not name.is_group


def test_the_table_is_large_enough():
    assert len(DISPLAY_FORMS) + len(GROUPS) >= 50


@pytest.mark.parametrize("display", GROUPS)
def test_group_names_are_never_a_person(display):
    name = parse_name(display)
    assert name.is_group and name.family == display and name.given == ""
    assert name.label == display and name.full == display
    assert name.bibtex == "{" + display + "}"


@pytest.mark.parametrize(
    ("parts", "family", "given", "label"),
    [
        ({"family": "De Benedetti", "given": "Fabrizio"}, "De Benedetti", "Fabrizio", "De Benedetti F"),
        ({"family": "Kim", "given": "Hyun-Ju", "initials": "HJ"}, "Kim", "Hyun-Ju", "Kim HJ"),
        ({"family": "Colbert", "given": "Robert A", "suffix": "Jr"}, "Colbert", "Robert A", "Colbert RA Jr"),
        ({"family": "Colbert", "given": "Robert A", "initials": "RA", "suffix": "Jr."},
         "Colbert", "Robert A", "Colbert RA Jr"),
        ({"family": "Wobma", "initials": "H"}, "Wobma", "", "Wobma H"),
        ({"family": "王", "given": "小明"}, "王", "小明", "王小明"),
        ({"family": "Madonna"}, "Madonna", "", "Madonna"),
    ],
)  # fmt: skip
def test_structured_parts_are_used_as_given(parts, family, given, label):
    name = parse_name("ignored display name", **parts)
    assert (name.family, name.given, name.label) == (family, given, label)
    assert name.structured


def test_structured_parts_beat_a_misleading_display_name():
    name = parse_name("Fabrizio De Benedetti", family="De Benedetti", given="Fabrizio")
    assert name.particles == "De"
    assert parse_name("Hyun-Ju Kim", family="Kim", given="Hyun-Ju").label == "Kim HJ"


def test_citation_forms():
    name = parse_name("Fabrizio De Benedetti")
    assert name.full == "Fabrizio De Benedetti"
    assert name.bibtex == "De Benedetti, Fabrizio"
    assert name.ris == "De Benedetti, Fabrizio"
    colbert = parse_name("Robert A. Colbert Jr.")
    assert colbert.bibtex == "Colbert, Jr, Robert A."
    assert colbert.ris == "Colbert, Robert A., Jr"
    assert colbert.full == "Robert A. Colbert Jr"
    initials = parse_name("Smith JA")
    assert initials.bibtex == "Smith, J. A." and initials.full == "J. A. Smith"
    assert parse_name("Madonna").bibtex == "Madonna"


def test_keys_fold_accents_case_apostrophes_and_dashes():
    assert parse_name("Étienne O’Brien").key == parse_name("O'BRIEN, ETIENNE").key == "obrien|e"
    assert fold("Smith–Jones") == fold("smith-jones")
    assert parse_name(family="Wobma", given="Holly").key == "wobma|h"
    assert parse_name("Fabrizio De Benedetti").key == "de benedetti|f"
    assert parse_name("Smith JA").key == parse_name("John A. Smith").key == "smith|j"
    assert parse_name("王小明").key == "王|小"
    # Non-Latin letters are kept: they used to fold away, giving every such author "name:|".
    assert parse_name("Иван Петров").key == "петров|и"


def test_the_same_person_parses_to_one_key_in_every_form():
    forms = ["Robert A. Colbert Jr.", "Colbert, Robert A., Jr.", "Colbert RA", "R. A. Colbert"]
    assert {parse_name(f).key for f in forms} == {"colbert|r"}
    assert {parse_name(f).family for f in forms} == {"Colbert"}


def test_sort_key_ignores_lower_case_particles_only():
    names = ["Anna Zorn", "Ludwig van Beethoven", "Fabrizio De Benedetti", "Carl Adams"]
    ordered = sorted(names, key=lambda s: parse_name(s).sort_key)
    assert ordered == ["Carl Adams", "Ludwig van Beethoven", "Fabrizio De Benedetti", "Anna Zorn"]


def test_merge_prefers_structured_parts_in_either_order():
    pubmed = parse_name(family="De Benedetti", given="Fabrizio", initials="F")
    openalex = parse_name("Fabrizio De Benedetti")
    for merged in (merge_names(pubmed, openalex), merge_names(openalex, pubmed)):
        assert (merged.family, merged.given, merged.label) == ("De Benedetti", "Fabrizio",
                                                               "De Benedetti F")  # fmt: skip


def test_merge_takes_the_fuller_given_name_and_a_missing_suffix():
    pubmed = parse_name(family="Colbert", given="R A", initials="RA")
    openalex = parse_name("Robert A. Colbert Jr.")
    merged = merge_names(pubmed, openalex)
    assert merged == merge_names(openalex, pubmed)
    assert (merged.family, merged.given, merged.suffix) == ("Colbert", "Robert A.", "Jr")


def test_merge_never_takes_an_incompatible_given_name():
    merged = merge_names(parse_name(family="Lee", given="Ann"), parse_name("Bob Lee"))
    assert merged.given == "Ann"


def test_compatibility_helpers():
    assert given_compatible("JA", "John A.") and not given_compatible("John", "Jane")
    assert family_compatible("garcia", "garcia lopez") and not family_compatible("", "x")


def test_empty_input_is_an_empty_name():
    assert parse_name() == PersonName()
    assert parse_name("   ").label == ""


def test_pubmed_suffix_is_read_into_the_author_record():
    from citegraph.sources.pubmed import parse_efetch

    # GENERATED PubMed XML: an invented PMID and person, only the element shapes are real.
    xml = """<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>99000001</PMID>
      <Article><ArticleTitle>Generated</ArticleTitle><AuthorList>
        <Author ValidYN="Y"><LastName>Colbert</LastName><ForeName>Robert A</ForeName>
          <Initials>RA</Initials><Suffix>Jr</Suffix></Author>
        <Author ValidYN="Y"><LastName>De Benedetti</LastName><ForeName>Fabrizio</ForeName>
          <Initials>F</Initials></Author>
      </AuthorList></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"""
    first, second = parse_efetch(xml)[0].authors
    assert (first.last_name, first.suffix) == ("Colbert", "Jr")
    assert second.suffix is None
    name = parse_name(first.name, family=first.last_name, given=first.fore_name,
                      initials=first.initials, suffix=first.suffix)  # fmt: skip
    assert name.label == "Colbert RA Jr"


# Names as the other modules show them. GENERATED corpus: invented ids, name shapes only.


def _corpus():
    from citegraph.model import Corpus

    return Corpus.from_rows(
        works=[{"id": "pmid:1", "pmid": "1", "title": "Generated", "year": 2020,
                "sources": ["pubmed"]}],
        authors=[
            {"id": "a", "name": "Fabrizio De Benedetti", "last_name": "De Benedetti",
             "fore_name": "Fabrizio"},
            {"id": "b", "name": "Robert A Colbert Jr", "last_name": "Colbert",
             "fore_name": "Robert A", "suffix": "Jr"},
            {"id": "g", "name": "IMPAID Study Group"},
            {"id": "c", "name": "Ludwig van Beethoven"},
        ],
        authorships=[{"work_id": "pmid:1", "author_id": a, "position": p}
                     for p, a in enumerate("abgc", start=1)],
    )  # fmt: skip


def test_export_writes_particles_suffixes_and_groups_as_citation_managers_read_them():
    from citegraph.export import export_works

    bib = export_works(_corpus(), "bibtex").decode()
    assert "author = {De Benedetti, Fabrizio and Colbert, Jr, Robert A and " in bib
    assert "{IMPAID Study Group} and van Beethoven, Ludwig}" in bib
    assert bib.startswith("@article{debenedetti2020,")
    ris = export_works(_corpus(), "ris").decode().splitlines()
    assert [line for line in ris if line.startswith("AU")] == [
        "AU  - De Benedetti, Fabrizio", "AU  - Colbert, Robert A, Jr",
        "AU  - IMPAID Study Group", "AU  - van Beethoven, Ludwig",
    ]  # fmt: skip


def test_work_labels_and_author_lists_keep_particles():
    from citegraph.analysis import works_table
    from citegraph.graphs import first_authors

    corpus = _corpus()
    assert first_authors(corpus) == {"pmid:1": "De Benedetti"}
    authors = works_table(corpus).loc[0, "authors"]
    assert authors == "De Benedetti F, Colbert RA Jr, IMPAID Study Group, van Beethoven L"


def test_first_author_label_from_a_display_name_alone():
    from citegraph.graphs import first_authors
    from citegraph.model import Corpus

    corpus = Corpus.from_rows(
        works=[{"id": "w"}], authors=[{"id": "x"}],
        authorships=[{"work_id": "w", "author_id": "x", "position": 1,
                      "name": "Maria dos Santos"}],
    )  # fmt: skip
    assert first_authors(corpus) == {"w": "dos Santos"}
