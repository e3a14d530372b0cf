from __future__ import annotations

import pytest

from citegraph.ids import IdError, author_id, normalize_doi, parse_seed, parse_seeds, work_id


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("40603629", "pmid", "40603629"),
        ("pmid:40603629", "pmid", "40603629"),
        ("PMID: 40603629", "pmid", "40603629"),
        ("https://pubmed.ncbi.nlm.nih.gov/40603629/", "pmid", "40603629"),
        ("pubmed.ncbi.nlm.nih.gov/40603629", "pmid", "40603629"),
        ("https://www.ncbi.nlm.nih.gov/pubmed/40603629", "pmid", "40603629"),
        ("10.1038/s41584-025-01272-3", "doi", "10.1038/s41584-025-01272-3"),
        ("doi:10.1038/S41584-025-01272-3", "doi", "10.1038/s41584-025-01272-3"),
        ("https://doi.org/10.1038/s41584-025-01272-3.", "doi", "10.1038/s41584-025-01272-3"),
        ("http://dx.doi.org/10.1038/s41584-025-01272-3", "doi", "10.1038/s41584-025-01272-3"),
        ("https://www.nature.com/doi/10.1038/abc);", "doi", "10.1038/abc"),
        ("W2741809807", "openalex", "W2741809807"),
        ("w2741809807", "openalex", "W2741809807"),
        ("https://openalex.org/W2741809807", "openalex", "W2741809807"),
        ("https://api.openalex.org/works/W2741809807", "openalex", "W2741809807"),
        ("PMC2682512", "pmcid", "PMC2682512"),
        ("https://pmc.ncbi.nlm.nih.gov/articles/PMC2682512/", "pmcid", "PMC2682512"),
        ("CAR T cell therapy for children", "title", "CAR T cell therapy for children"),
    ],
)
def test_parse_seed_accepts_every_form(text: str, kind: str, value: str) -> None:
    seed = parse_seed(text)
    assert (seed.kind, seed.value) == (kind, value)


@pytest.mark.parametrize(
    "text", ["", "   ", "pmid:abc", "10.1038", "abc", "https://example.org/x", "W12x"]
)
def test_parse_seed_rejects_with_accepted_forms(text: str) -> None:
    with pytest.raises(IdError) as err:
        parse_seed(text)
    assert "PMID" in str(err.value) and "DOI" in str(err.value)


def test_parse_seeds_splits_and_dedupes() -> None:
    seeds = parse_seeds("40603629\nhttps://pubmed.ncbi.nlm.nih.gov/40603629/; W1234")
    assert [str(s) for s in seeds] == ["pmid:40603629", "W1234"]


def test_node_ids_prefer_stable_identifiers() -> None:
    assert work_id(pmid="1", doi="10.1/x", openalex_id="W1") == "pmid:1"
    assert work_id(doi="10.1/x", openalex_id="W1") == "doi:10.1/x"
    assert author_id(orcid="0000-0001-2345-6789", openalex_id="A1") == "orcid:0000-0001-2345-6789"
    assert author_id(openalex_id="A1", last_name="X") == "A1"
    assert (
        author_id(name="Holly Wobma")
        == author_id(last_name="Wobma", fore_name="H.")
        == "name:wobma|h"
    )
    assert normalize_doi("DOI: 10.1000/ABC.") == "10.1000/abc"


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,<b>x</b>",
        "ftp://example.org/10.1000/x",
        "mailto:someone@example.org",
        "<script>alert(1)</script> a long title",
        "<img src=x onerror=alert(1)> CAR T cells",
    ],
)
def test_script_schemes_and_markup_are_refused(text: str) -> None:
    with pytest.raises(IdError, match="not a link Citegraph follows|looks like HTML markup"):
        parse_seed(text)


def test_a_long_input_is_not_echoed_whole() -> None:
    with pytest.raises(IdError) as err:
        parse_seed("1" * 10_000 + "x")
    assert len(str(err.value)) < 600 and "…" in str(err.value)


def test_titles_with_a_colon_are_still_titles() -> None:
    assert parse_seed("CAR T cell therapy: the time is now").kind == "title"


def test_page_and_cli_parse_the_same_text_the_same_way(capsys) -> None:  # type: ignore[no-untyped-def]
    text = "pmid:40603629; DROP TABLE works"
    seeds = parse_seeds(text)
    assert [s.kind for s in seeds] == ["pmid", "title"]
    from citegraph.cli import main

    # The CLI reaches the same parse (it then fails to connect: no sources answer offline).
    status = main(["fetch", "javascript:alert(1)", "-o", "/dev/null", "--offline"])
    assert status == 2 and "not a link Citegraph follows" in capsys.readouterr().err


def test_every_openalex_form_gives_one_canonical_seed() -> None:
    forms = ["W2741809807", "w2741809807", "openalex:W2741809807",
             "https://openalex.org/W2741809807", "https://api.openalex.org/works/W2741809807"]  # fmt: skip
    assert {str(parse_seed(f)) for f in forms} == {"W2741809807"}
