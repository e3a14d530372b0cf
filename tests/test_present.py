from __future__ import annotations

import re

import pytest

from citegraph.model import Corpus
from citegraph.present import (
    author_heading,
    describe_corpus,
    md_link,
    md_text,
    missing_table,
    provenance_table,
    safe_url,
    work_card,
    work_links,
    work_urls,
)
from citegraph.snapshot import new_manifest
from tests.hostile_text import EVIL, PAYLOADS, shown
from tests.hostile_text import live_markdown as _LIVE
from tests.hostile_text import markdown_shown as _shown


def _corpus(origin: str = "live", missing: list | None = None) -> Corpus:
    """Hand-built test corpus (not real bibliographic data)."""
    return Corpus.from_rows(
        works=[
            {"id": "pmid:1", "pmid": "1", "doi": "10.1/x", "title": "A <b>bold</b> *claim*",
             "journal": "J Test", "journal_abbrev": "J Tst", "year": 2024, "volume": "3",
             "issue": "2", "pages": "10-20", "is_seed": True, "pub_types": ["Review"],
             "field_sources": {"title": "https://example.org/page"}},
            {"id": "W2", "openalex_id": "W2", "title": "Other", "year": 2020},
        ],
        authors=[{"id": "name:lee|a", "name": "Ann Lee", "affiliations": ["Univ X"]},
                 {"id": "name:roe|b", "name": "Bo Roe"}],
        authorships=[{"work_id": "pmid:1", "author_id": "name:roe|b", "position": 2, "name": "Bo Roe"},
                     {"work_id": "pmid:1", "author_id": "name:lee|a", "position": 1, "name": "Ann Lee"}],
        links=[{"source": "pmid:1", "target": "W2", "kind": "references", "sources": ["pubmed"]}],
        manifest=new_manifest(seeds=["pmid:1"], sources=["pubmed"], origin=origin,
                              missing=missing or []),
    )  # fmt: skip


def test_facts_banner_says_what_is_held_and_missing() -> None:
    corpus = _corpus("verified-facts", [{"id": "pmid:1", "source": "pubmed", "reason": "r"}])
    banner = describe_corpus(corpus)
    assert banner.level == "warning"
    assert "partial record" in banner.text
    assert "2 works, 2 authors (1 with affiliations) and 1 link" in banner.text
    assert "1 gaps" in banner.text and "PMID 1" in banner.text
    assert len(missing_table(corpus)) == 1


def test_live_banner_is_info_without_gaps() -> None:
    banner = describe_corpus(_corpus("live"))
    assert banner.level == "info"
    assert banner.text.startswith("**Fetched live from pubmed**")


def test_work_card_lists_authors_in_order_and_escapes_markup() -> None:
    card = work_card(_corpus(), "pmid:1")
    assert "<b>" not in card and "\\<b\\>" in card
    assert "\\*claim\\*" in card
    assert card.index("Ann Lee") < card.index("Bo Roe")
    assert "J Test (J Tst), 2024;3(2):10-20" in _shown(card)
    assert "https://doi.org/10.1/x" in card and "https://pubmed.ncbi.nlm.nih.gov/1/" in card
    assert "not in this corpus" in work_card(_corpus(), "pmid:404")


def test_provenance_table_lists_field_sources() -> None:
    table = provenance_table(_corpus(), "pmid:1")
    assert table.to_dict("records") == [{"field": "title", "source": "https://example.org/page"}]


def test_partial_fetch_banner_says_cancelled_and_counts_stubs() -> None:
    corpus = _corpus("live", [{"id": "*", "source": "all", "reason": "crawl cancelled"}])
    corpus.manifest["state"] = "cancelled"
    corpus.works.at[1, "sources"] = []
    corpus.works.at[0, "sources"] = ["pubmed"]
    banner = describe_corpus(corpus)
    assert banner.level == "warning"
    assert banner.text.startswith("**Partial live fetch (cancelled) from pubmed**")
    assert "1 of the works are known only as link ends" in banner.text


def test_loaded_snapshot_banner_names_the_file_and_how_it_was_made() -> None:
    banner = describe_corpus(_corpus("live"), origin_label="loaded from snapshot x.json")
    assert banner.text.startswith(f"**{md_text('Loaded from snapshot x.json')}**: fetched live ")


def test_card_shows_the_abstract_escaped_and_a_doi_link_that_cannot_break_out() -> None:
    corpus = Corpus.from_rows(
        works=[
            {
                "id": "doi:10.1/x)y",
                "doi": "10.1/x)y",
                "title": "T",
                "abstract": "Hand-made *abstract* with ![img](http://evil.example/x.png)",
            }
        ]
    )
    card = work_card(corpus, "doi:10.1/x)y")
    assert "**Abstract.** " + md_text("Hand-made *abstract* with ![img]") in card
    assert "(https://doi.org/10.1/x%29y)" in card


def test_the_bundled_seed_card_carries_its_abstract() -> None:
    from citegraph.cli import DEFAULT_SNAPSHOT
    from citegraph.snapshot import load_snapshot

    corpus = load_snapshot(DEFAULT_SNAPSHOT)
    card = work_card(corpus, corpus.seed_ids()[0])
    assert "**Abstract.** Initial success with B cell-targeted chimeric antigen receptor" in _shown(
        card
    )


@pytest.mark.reliability
@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_md_text_leaves_nothing_live_and_shows_the_text(payload: str) -> None:
    escaped = md_text(payload)
    assert not _LIVE.search(escaped), escaped
    assert "\n" not in escaped and "\x00" not in escaped and "\u202e" not in escaped
    assert _shown(escaped) == shown(payload)


@pytest.mark.reliability
def test_every_text_of_a_hostile_work_reaches_the_card_escaped() -> None:
    """Each payload in every field the card and banner show: none stays live, all are seen."""
    for i, p in enumerate(PAYLOADS):
        corpus = Corpus.from_rows(
            works=[{"id": f"w{i}", "title": p, "journal": p, "journal_abbrev": p + "!",
                    "volume": p, "issue": p, "pages": p, "epub_date": p, "doi": p, "pmid": p,
                    "pmcid": p, "openalex_id": p, "pub_types": [p], "abstract": p,
                    "collective_author": p, "urls": [p], "relations": [f"CommentIn {p}"],
                    "is_seed": True}],
            authors=[{"id": "a", "name": p}],
            authorships=[{"work_id": f"w{i}", "author_id": "a", "position": 1, "name": p}],
            manifest=new_manifest(seeds=[p], sources=[p], origin="live"),
        )  # fmt: skip
        for markdown in (
            work_card(corpus, f"w{i}"),
            describe_corpus(corpus, origin_label=f"loaded from uploaded snapshot {p}").text,
            author_heading(p, 1),
        ):
            # Our own markup (bold, the "###" heading, safe links) is taken out first.
            ours = re.sub(r"\*\*[A-Z].*?(?<!\\)\*\*|^### |\[[^\]]*\]\(https://[^)\s]*\)", "", markdown,
                          flags=re.MULTILINE)  # fmt: skip
            assert not _LIVE.search(ours), (i, ours)
            assert shown(p) in _shown(markdown) or len(p) > 2000, (i, markdown)
        assert work_urls(corpus, f"w{i}") == ""


def test_links_only_for_well_formed_ids_to_their_own_host() -> None:
    links = dict(
        work_links({"doi": "10.1/a)b", "pmid": "12", "pmcid": "PMC9", "openalex_id": "W1"})
    )
    assert links == {
        "DOI 10.1/a)b": "https://doi.org/10.1/a%29b",
        "PubMed 12": "https://pubmed.ncbi.nlm.nih.gov/12/",
        "PMC9": "https://pmc.ncbi.nlm.nih.gov/articles/PMC9/",
        "OpenAlex W1": "https://openalex.org/W1",
    }
    bad = work_links({"doi": f"http://{EVIL}/x", "pmid": "1/../../x", "openalex_id": "W1?x"})
    assert [url for _, url in bad] == [None, None, None]
    assert md_link("DOI x", None) == "DOI x"
    assert md_link("a", "https://x.example/a(b)") == "[a](https://x.example/a%28b%29)"


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://example.org/a?b=1#c", True),
        ("http://example.org:8080/", True),
        (f"https://example.org@{EVIL}/", False),
        (f"https://example.org\\@{EVIL}/", False),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("//evil.example/x", False),
        ("https://exa mple.org/", False),
        ("https://example.org/\u202egpj.exe", False),
        ("https://example.org:99999/", False),
        ("https:///nohost", False),
    ],
)
def test_safe_url_accepts_http_links_to_the_host_they_show(url: str, ok: bool) -> None:
    assert safe_url(url) is ok
