"""Hostile text for the page's escaping tests (hand-written payloads; GENERATED test data).

Each entry is something a third-party record or an uploaded snapshot could hold that a page
would run, load or style if it read it as markup: HTML and script, links and images to another
host, Streamlit's markdown directives, LaTeX, link breakouts, template and format strings,
invisible characters and very long text.
"""

from __future__ import annotations

import re

from citegraph.model import Corpus, new_manifest

EVIL = "evil.example"

PAYLOADS: list[str] = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    f'<img src="http://{EVIL}/img.png">',
    "javascript:alert(3)",
    "[click me](javascript:alert(4))",
    f"![a](http://{EVIL}/x.png)",
    f"[DOI](http://{EVIL}/doi)",
    ":red[coloured text]",
    ":material/warning: icon",
    ":smile: :+1: shortcodes",
    "$x^2$ and $$\\int_0^1 f$$",
    "\\(a\\) and \\[b\\] delimiters",
    f"10.1/x) ](http://{EVIL}/breakout) (",
    "<!-- hidden comment -->after comment",
    "abc\u202eRTL override txt",
    "NUL\x00byte and bell\x07",
    "long " + "x" * 1990,  # as long as an id may be (2,000 characters)
    "{{7*7}} {% raw %} ${7*7}",
    "%s %d %(x)s {0} {name}",
    "emoji 🧬🔥👩\u200d🔬",
    f"<style>body{{background:url(http://{EVIL}/c.png)}}</style>",
    f"<div style=\"background:url('http://{EVIL}/d.png')\">css url</div>",
    f'<iframe src="http://{EVIL}/f"></iframe>',
    "<svg onload=alert(5)>",
    '"><script>alert(6)</script>',
    "'; alert(7); //",
    "</script><script>alert(8)</script>",
    f'<a href="http://{EVIL}/a">html link</a>',
    "**bold** _italic_ ~~strike~~ `code`",
    "# Heading text",
    "- list item\n1. numbered\n> quote",
    "| a | b |\n|---|---|\n| c | d |",
    "&lt;script&gt;alert(9)&lt;/script&gt;",
    f"<http://{EVIL}/autolink>",
    f"www.{EVIL} and user@{EVIL}",
    f"@import url(http://{EVIL}/e.css);",
    "=cmd|'/c calc'!A1",
    f'<base href="http://{EVIL}/">',
    f'<meta http-equiv="refresh" content="0;url=http://{EVIL}/">',
    f"[ref]: http://{EVIL}/ref\n\n![ref]",
    f"<object data=http://{EVIL}/o></object><embed src=http://{EVIL}/e>",
    "line one\r\nline two\ttab",
]

#: Markdown that is live when it appears unescaped: an image, a link, a tag, an entity, a
#: directive, LaTeX, an autolink, emphasis, code, a table, a heading or list at a line start.
live_markdown = re.compile(
    r"(?<!\\)(?:!\[|\]\(|<[a-zA-Z!/]|&[#\w]|:[\w/]|\$|\*|_|`|~|\||https?:|www\.)"
    r"|^\s*(?:#|[-+>]\s|\d+[.)])",
    re.MULTILINE,
)


def markdown_shown(markdown: str) -> str:
    """What a reader sees of markdown made only of text and backslash escapes."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")


#: What a reader sees of each payload: control and bidi characters gone, line breaks as spaces.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(payload: str) -> str:
    """The payload as the page shows it (what a browser's innerText of the element holds)."""
    text = _INVISIBLE.sub("", payload)
    return re.sub(r"\s*[\n\r\f\v\u0085\u2028\u2029]\s*", " ", text)


def hostile_corpus() -> Corpus:
    """A GENERATED corpus with every payload in every text field (``len(PAYLOADS)`` works,
    authors and seeds; citation, similarity and co-author links among them).

    Work ``i`` and author ``i`` carry payload ``i`` in each of their text fields; the manifest
    holds every payload as a seed, a source and a ``missing`` entry, and in its notes,
    description, origin date and state.
    """
    n = len(PAYLOADS)
    ids = [f"hostile{i}:{p[:100]}" for i, p in enumerate(PAYLOADS)]
    works, authors, ships, links = [], [], [], []
    for i, p in enumerate(PAYLOADS):
        works.append({
            "id": ids[i], "pmid": p, "doi": p, "pmcid": p, "openalex_id": p, "title": p,
            "journal": p, "journal_abbrev": p, "journal_id": p, "year": 2000 + i % 20,
            "pub_date": p, "epub_date": p, "volume": p, "issue": p, "pages": p,
            "pub_types": [p], "abstract": p, "mesh": [p], "keywords": [p],
            "collective_author": p, "relations": ["CommentIn " + "".join(p.split())[:200]],
            "is_seed": True, "sources": ["pubmed", p], "field_sources": {"title": p, p[:200]: p},
            "urls": [p, f"https://example.org@{EVIL}/x", "https://example.org/ok"],
        })  # fmt: skip
        authors.append({
            "id": f"A{i}", "name": p, "last_name": p, "fore_name": p, "suffix": p, "orcid": p,
            "openalex_id": p, "affiliations": [p], "institutions": [p], "countries": [p],
            "variants": [p], "sources": [p], "merge_rule": p,
        })  # fmt: skip
        for pos, j in ((1, i), (2, (i + 1) % n)):
            ships.append({"work_id": ids[i], "author_id": f"A{j}", "position": pos,
                          "name": PAYLOADS[j], "affiliations": [PAYLOADS[j]],
                          "institutions": [PAYLOADS[j]], "sources": [p]})  # fmt: skip
        for step, kind in ((1, "references"), (2, "references"), (3, "similar")):
            links.append({"source": ids[i], "target": ids[(i + step) % n], "kind": kind,
                          "sources": [p], "evidence": [p], "score": 1.0})  # fmt: skip
    manifest = new_manifest(
        seeds=[p[:2000] for p in PAYLOADS], sources=[p[:2000] for p in PAYLOADS],
        notes=" ".join(PAYLOADS), description=" ".join(PAYLOADS), origin="live",
        missing=[{"id": p, "source": p, "reason": p, "query": p} for p in PAYLOADS],
    )  # fmt: skip
    manifest.update(created_at=PAYLOADS[0], state=PAYLOADS[1])
    return Corpus.from_rows(
        works=works, authors=authors, authorships=ships, links=links, manifest=manifest
    )


#: Text fields of `hostile_corpus` that hold a payload: 23 of a work, 12 of an author, 4 of an
#: authorship, 2 of a link, 9 of the manifest (seeds, sources, notes, description, created_at,
#: and a missing entry's id, source, reason, query).
HOSTILE_FIELDS = 23 + 12 + 4 + 2 + 9
