"""Text and tables for the page, built from a Corpus (no Streamlit here, so it is testable).

The page (``app.py``) only places what these functions return. Text from a source, a snapshot or
the user is data, never markup: every function returning markdown passes such text through
`md_text` (the page's one escaping step) and links only through `md_link` (http(s), the host it
shows); plain-text messages are escaped with `md_text` where the page shows them.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import networkx as nx
import pandas as pd

from citegraph.affiliations import affiliation_tokens
from citegraph.analysis import author_table, works_table
from citegraph.model import Corpus, is_missing, text_or_empty
from citegraph.views import VIEWS, PageOptions

PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
DOI_URL = "https://doi.org/{doi}"
OPENALEX_URL = "https://openalex.org/{wid}"
PMC_URL = "https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/"


@dataclass(frozen=True)
class Banner:
    """What the page says about the loaded corpus: a level (info/warning) and markdown text."""

    level: str
    text: str


def describe_corpus(corpus: Corpus, *, origin_label: str | None = None) -> Banner:
    """One paragraph saying exactly what the loaded corpus holds and where it came from.

    Examples
    --------
    >>> from citegraph.model import Corpus, text_or_empty
    >>> describe_corpus(Corpus.empty({"origin": "verified-facts"})).level
    'warning'
    """
    m = corpus.manifest
    counts = corpus.counts()
    made = md_text(_date(m.get("created_at")))
    seeds = ", ".join(md_text(_seed_label(str(s))) for s in m.get("seeds", [])) or "none"
    n_aff = int(sum(1 for a in corpus.authors["affiliations"] if len(a)))
    holds = (
        f"{_n(counts['works'], 'work')}, {_n(counts['authors'], 'author')} "
        f"({n_aff} with affiliations) and {_n(counts['links'], 'link')} between works"
    )
    kinds = ", ".join(
        f"{counts[f'links.{k}']} {k}"
        for k in ("references", "similar", "related")
        if counts[f"links.{k}"]
    )
    if kinds:
        holds += f" ({kinds})"
    missing = m.get("missing", [])
    origin = m.get("origin")
    if origin == "verified-facts":
        text = (
            f"**Offline snapshot — partial record.** Seed {seeds}; built {made} from "
            f"hand-verified bibliographic facts only (every field traces to the public page it "
            f"was read from). It holds {holds}. It does **not** hold the seed's references, the "
            f"works citing it or its similar articles ({len(missing)} gaps, listed under "
            f"*What is missing*). Fetch live from PubMed, iCite and OpenAlex (sidebar) where "
            f"this machine has network access."
        )
        return Banner("warning", text)
    stubs = int(sum(1 for src in corpus.works["sources"] if not len(src)))
    if stubs:
        holds += f"; {stubs} of the works are known only as link ends, without metadata"
    retracted = int(corpus.works["retracted"].sum()) if "retracted" in corpus.works else 0
    if retracted:
        holds += f"; {_n(retracted, 'work')} marked **retracted**"
    sources = ", ".join(md_text(s) for s in m.get("sources", [])) or "no source"
    if origin == "live" and m.get("state") in ("cancelled", "failed", "running"):
        how = f"partial live fetch ({m['state']}) from {sources}"
    elif origin == "live":
        how = f"fetched live from {sources}"
    else:
        how = "made from a snapshot file"
    if origin_label:
        label = md_text(origin_label[0].upper() + origin_label[1:])
        text = f"**{label}**: {how} on {made}."
    else:
        text = f"**{how[0].upper()}{how[1:]}** on {made}."
    text += f" Seed {seeds}. It holds {holds}."
    if missing:
        text += f" {len(missing)} item(s) could not be fetched (see *What is missing*)."
    return Banner("warning" if missing else "info", text)


def missing_table(corpus: Corpus) -> pd.DataFrame:
    """The manifest's ``missing`` list as a table (id, source, reason)."""
    rows = corpus.manifest.get("missing", [])
    return pd.DataFrame(rows, columns=["id", "source", "reason"])


def work_card(corpus: Corpus, work_id: str) -> str:
    """Markdown card of one work: title, all authors, journal, year, volume/issue/pages, links.

    A retracted work opens with a warning line; editorial relations (retraction notices,
    errata, comments, …) are listed with links to PubMed where their id is a PMID.
    Every value from the data is escaped for markdown/HTML, so a title cannot inject markup.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "pmid:1", "title": "T", "retracted": True,
    ...                              "relations": ["RetractionIn pmid:2"]}])
    >>> print(work_card(c, "pmid:1"))  # doctest: +NORMALIZE_WHITESPACE
    **⚠ RETRACTED**: a source marks this work as retracted.
    <BLANKLINE>
    ### T
    <BLANKLINE>
    Journal unknown
    <BLANKLINE>
    Relations: Retraction in [PubMed 2](https://pubmed.ncbi.nlm.nih.gov/2/)
    """
    rows = corpus.works[corpus.works["id"] == work_id]
    if rows.empty:
        return f"Work {md_text(work_id)} is not in this corpus."
    w = rows.iloc[0]
    names = [md_text(str(ship["name"])) for ship in corpus.authorships_of(work_id)]
    retracted = not is_missing(w.get("retracted")) and bool(w.get("retracted"))
    lines = ["**⚠ RETRACTED**: a source marks this work as retracted."] if retracted else []
    lines.append(f"### {md_text(text_or_empty(w['title']) or work_id)}")
    if names:
        lines.append(
            ", ".join(names)
            + (
                f"; {md_text(text_or_empty(w['collective_author']))}"
                if text_or_empty(w["collective_author"])
                else ""
            )
        )
    citation = md_text(text_or_empty(w["journal"]) or "Journal unknown")
    if text_or_empty(w["journal_abbrev"]) and text_or_empty(w["journal_abbrev"]) != text_or_empty(
        w["journal"]
    ):
        citation += f" ({md_text(text_or_empty(w['journal_abbrev']))})"
    if not pd.isna(w["year"]):
        citation += f", {int(w['year'])}"
    vol = "".join(
        part
        for part in (
            text_or_empty(w["volume"]),
            f"({text_or_empty(w['issue'])})" if text_or_empty(w["issue"]) else "",
            f":{text_or_empty(w['pages'])}" if text_or_empty(w["pages"]) else "",
        )
    )
    if vol:
        citation += f";{md_text(vol)}"
    if text_or_empty(w["epub_date"]):
        citation += f" · epub {md_text(text_or_empty(w['epub_date']))}"
    lines.append(citation)
    links = work_links(w)
    if links:
        lines.append(" · ".join(md_link(label, url) for label, url in links))
    if len(w["pub_types"]):
        lines.append("Type: " + md_text(", ".join(w["pub_types"])))
    relations = w.get("relations")
    if isinstance(relations, list | tuple) and relations:
        lines.append("Relations: " + "; ".join(_relation_md(str(r)) for r in relations))
    if text_or_empty(w.get("abstract"), strip=True):
        lines.append("**Abstract.** " + md_text(text_or_empty(w["abstract"], strip=True)))
    return "\n\n".join(lines)


def _relation_md(relation: str) -> str:
    """One "Type id" relation as markdown: "ErratumIn pmid:5" → "Erratum in [PubMed 5](…)"."""
    kind, _, ident = relation.partition(" ")
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind)
    label = words[:1] + words[1:].lower() if words else ""
    pmid = ident[5:] if re.fullmatch(r"pmid:[0-9]{1,12}", ident) else ""
    if pmid:
        return f"{md_text(label)} {md_link(f'PubMed {pmid}', PUBMED_URL.format(pmid=pmid))}"
    return md_text(f"{label} {ident}".strip())


def work_links(work: pd.Series | dict[str, Any]) -> list[tuple[str, str | None]]:
    """(label, URL) pairs for a work's DOI, PubMed, PMC and OpenAlex pages.

    An identifier links only in its proper form (DOI ``10.…/…``, PMID digits, ``PMC`` digits,
    OpenAlex ``W`` digits), to its service's host; any other value is listed with URL None,
    to be shown as text.

    Examples
    --------
    >>> work_links({"doi": "10.1/a)b", "pmid": "javascript:alert(1)"})
    [('DOI 10.1/a)b', 'https://doi.org/10.1/a%29b'), ('PubMed javascript:alert(1)', None)]
    """
    out: list[tuple[str, str | None]] = []
    doi, pmid = text_or_empty(work.get("doi")), text_or_empty(work.get("pmid"))
    pmcid, wid = text_or_empty(work.get("pmcid")), text_or_empty(work.get("openalex_id"))
    if doi:
        # Percent-encoded: a DOI may hold ")" or spaces, which would end a markdown link early.
        ok = re.fullmatch(r"10\.\d+/\S+", doi)
        out.append((f"DOI {doi}", DOI_URL.format(doi=quote(doi, safe="/:;")) if ok else None))
    if pmid:
        ok = re.fullmatch(r"\d{1,12}", pmid)
        out.append((f"PubMed {pmid}", PUBMED_URL.format(pmid=pmid) if ok else None))
    if pmcid:
        ok = re.fullmatch(r"PMC\d{1,12}", pmcid)
        out.append((pmcid, PMC_URL.format(pmcid=pmcid) if ok else None))
    if wid:
        ok = re.fullmatch(r"W\d{1,15}", wid)
        out.append((f"OpenAlex {wid}", OPENALEX_URL.format(wid=wid) if ok else None))
    return out


def works_of_authors(corpus: Corpus, author_ids: Iterable[str]) -> pd.DataFrame:
    """The works table (as `citegraph.analysis.works_table`) restricted to these authors' works.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "w1", "title": "A"}, {"id": "w2", "title": "B"}],
    ...     authors=[{"id": "a", "name": "Ann"}], authorships=[{"work_id": "w2", "author_id": "a"}])
    >>> works_of_authors(c, ["a"])["title"].tolist()
    ['B']
    """
    ids = {work for author in author_ids for work in corpus.works_of(author)}
    table = works_table(corpus)
    return table[table["id"].isin(ids)].reset_index(drop=True)


def provenance_table(corpus: Corpus, work_id: str) -> pd.DataFrame:
    """Which source (or page) each field of a work came from."""
    rows = corpus.works[corpus.works["id"] == work_id]
    if rows.empty:
        return pd.DataFrame(columns=["field", "source"])
    fs = rows.iloc[0]["field_sources"] or {}
    return pd.DataFrame(sorted(fs.items()), columns=["field", "source"])


#: How the page names each view (radio buttons, captions, empty states).
VIEW_LABELS = {
    "citation": "Citation",
    "similarity": "Similarity",
    "coauthor": "Co-author",
    "timeline": "Timeline",
}


@dataclass(frozen=True)
class Download:
    """One download button: its label, what it holds and how the file is named.

    ``what`` is ``"graph"`` (the view's graph in graph format ``fmt``), ``"html"`` (the page's
    drawing), ``"nodes"`` / ``"edges"`` (the CSV tables) or ``"works"`` (the filtered works in
    bibliography format ``fmt``).
    """

    label: str
    what: str
    fmt: str
    file_name: str
    mime: str


def downloads(view: str) -> list[Download]:
    """The page's downloads for ``view``, in the order they are shown.

    Examples
    --------
    >>> [d.file_name for d in downloads("citation")][:2]
    ['citegraph-citation.gexf', 'citegraph-citation.graphml']
    >>> len(downloads("coauthor"))
    11
    """
    from citegraph.export import FORMATS, WORK_FORMATS, export_filename

    files = [
        Download(FORMATS[fmt].description, "graph", fmt, export_filename(view, fmt),
                 FORMATS[fmt].mime)
        for fmt in ("gexf", "graphml", "cyjs", "json", "vosviewer")
    ]  # fmt: skip
    files += [
        # The interactive page exactly as shown (its legend names the clusters).
        Download("Interactive HTML (offline)", "html", "html", export_filename(view, "html"),
                 FORMATS["html"].mime),
        Download("Nodes CSV", "nodes", "csv", f"citegraph-{view}-nodes.csv", "text/csv"),
        Download("Edges CSV", "edges", "csv", f"citegraph-{view}-edges.csv", "text/csv"),
    ]  # fmt: skip
    files += [
        Download(f"Works as {spec.description}", "works", fmt,
                 f"citegraph-works.{spec.extension}", spec.mime)
        for fmt, spec in WORK_FORMATS.items()
    ]  # fmt: skip
    return files


def downloads_caption(view: str) -> str:
    """What the downloads hold, in one sentence.

    Examples
    --------
    >>> downloads_caption("coauthor")[:54]
    'Exactly what is on screen: the co-author network after'
    """
    return (
        f"Exactly what is on screen: the {VIEW_LABELS[view].lower()} network after filters, "
        "and the filtered works as a reference list."
    )


def graph_caption(G: nx.Graph, view: str) -> str:
    """The line above the drawing: what the view shows and how big it is.

    Examples
    --------
    >>> graph_caption(nx.Graph([("a", "b")]), "coauthor").endswith("shared works — 2 nodes, 1 edges.")
    True
    """
    return VIEWS[view] + f" — {G.number_of_nodes()} nodes, {G.number_of_edges()} edges."


def empty_graph_notice(filtered: Corpus, G: nx.Graph, view: str) -> str | None:
    """Why there is nothing to draw (None when there is something).

    Examples
    --------
    >>> empty_graph_notice(Corpus.empty(), nx.Graph(), "citation")[:31]
    'No works match these filters. C'
    """
    if filtered.works.empty:
        return "No works match these filters. Clear the journal filter or widen the year range."
    if G.number_of_nodes() == 0:
        return (
            f"The {VIEW_LABELS[view].lower()} network of this corpus has no nodes yet "
            "(this snapshot holds no links of that kind). Try the co-author view."
        )
    return None


def corpus_metrics(filtered: Corpus, G: nx.Graph) -> list[tuple[str, int]]:
    """The counts above the tabs: works, authors and links after filters, and the clusters of
    the graph on screen ``G`` (author clusters in the co-author view, work clusters in the
    others), so the counts need no graph but the one drawn.

    Examples
    --------
    >>> corpus_metrics(Corpus.empty(), nx.Graph())
    [('Works', 0), ('Authors', 0), ('Links', 0), ('Author clusters', 0)]
    """
    # Cluster 0 pools the clusters too small to name ("other"): it is not one more cluster.
    clusters = {c for _, c in G.nodes(data="cluster")} - {0}
    kind = "Author" if G.graph.get("view", "coauthor") == "coauthor" else "Work"
    return [
        ("Works", len(filtered.works)),
        ("Authors", len(filtered.authors)),
        ("Links", len(filtered.links)),
        (f"{kind} clusters", len(clusters)),
    ]


def cancelled_fetch(corpus: Corpus, *, stage: str) -> tuple[bool, str]:
    """After the user cancelled a fetch: whether its partial ``corpus`` is worth showing (it
    holds works with metadata), and the message saying what was kept.

    Examples
    --------
    >>> cancelled_fetch(Corpus.empty(), stage="PubMed links")
    (False, 'Fetch cancelled before any work arrived; the current corpus is kept.')
    """
    kept = int(sum(1 for src in corpus.works["sources"] if len(src)))
    if not kept:
        return False, "Fetch cancelled before any work arrived; the current corpus is kept."
    return True, (
        f"Fetch cancelled during {stage or 'start-up'}: kept the {kept} works "
        "with metadata fetched so far. Fetch again to resume from the cache."
    )


def page_filters(
    *,
    journals: list[str],
    years: tuple[int, int] | None,
    bounds: tuple[int, int] | None,
    min_citations: int,
) -> dict[str, Any]:
    """The keyword arguments of `citegraph.graphs.filter_corpus` for what the sidebar shows:
    an empty selection, a year range end at the corpus's bound and 0 citations mean "no
    filter" (as the page's `citegraph.views.PageOptions` says it).

    Examples
    --------
    >>> page_filters(journals=[], years=(2000, 2025), bounds=(2000, 2025), min_citations=0)
    {'journals': None, 'year_from': None, 'year_to': None, 'min_citations': None}
    >>> page_filters(journals=["J"], years=(2010, 2025), bounds=(2000, 2025), min_citations=5)
    {'journals': ['J'], 'year_from': 2010, 'year_to': None, 'min_citations': 5}
    """
    year_from = year_to = None
    if years is not None and bounds is not None:
        year_from = years[0] if years[0] > bounds[0] else None
        year_to = years[1] if years[1] < bounds[1] else None
    return {
        "journals": journals or None,
        "year_from": year_from,
        "year_to": year_to,
        "min_citations": int(min_citations) or None,
    }


def link_problems(problems: list[str]) -> str:
    """One notice for the values of a shared link the page could not use (plain text: it
    quotes the link; escape it with `md_text`).

    Examples
    --------
    >>> link_problems(["The link's method='x' was not used: Unknown clustering method 'x'."])
    "The link's method='x' was not used: Unknown clustering method 'x'. Those options are at their defaults."
    """
    return " ".join(problems) + " Those options are at their defaults."


def cli_hint() -> str:
    """The caption above `cli_command` in the Downloads tab."""
    return (
        "The same files from the command line, from this corpus saved with the Save snapshot "
        "button (change the format; the works command takes the same flags for the reference "
        "lists):"
    )


def cli_command(options: PageOptions) -> str:
    """The command that writes the files on screen from a saved snapshot of the corpus (every
    value shell-quoted: journal ids come from the corpus).

    Examples
    --------
    >>> print(cli_command(PageOptions(view="citation", min_citations=5)))
    python -m citegraph export citegraph-snapshot.json.gz --format gexf -o citegraph-citation.gexf --view citation --min-citations 5
    """
    return shlex.join(
        ["python", "-m", "citegraph", "export", "citegraph-snapshot.json.gz", "--format", "gexf",
         "-o", f"citegraph-{options.view}.gexf", *options.to_cli_args()]
    )  # fmt: skip


def work_urls(corpus: Corpus, work_id: str) -> str:
    """The http(s) URLs recorded for a work as a markdown list of autolinks.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "w", "urls": ["https://example.org/a", "x<y>"]}])
    >>> print(work_urls(c, "w"))
    - <https://example.org/a>
    """
    rows = corpus.works.loc[corpus.works["id"] == work_id, "urls"]
    urls = [str(u) for u in (rows.iloc[0] if len(rows) else None) or ()]
    # An autolink shows its own target, so the text cannot claim another host.
    return "\n".join(f"- <{u}>" for u in urls if safe_url(u))


def author_heading(name: str, works: int) -> str:
    """Heading above the works of a selected author (the name escaped: it is data).

    Examples
    --------
    >>> print(author_heading("Ann *Lee*", 2))
    Ann \\*Lee\\*: 2 work(s) in this corpus
    """
    return f"{md_text(str(name))}: {works} work(s) in this corpus"


# ---------------------------------------------------------------- ranking, find, charts
#: How the page names each rank (the "Node size" choice); keys are `citegraph.ranking.RANKS`.
RANK_LABELS = {
    "citations": "Citations in this corpus",
    "global": "Citations overall",
    "pagerank": "PageRank",
    "works": "Works (authors)",
}

PRIOR_WORKS_CAPTION = (
    "Prior works: the works the works on screen cite most often, also those outside the corpus "
    "(from their reference lists). Often the field's foundations. Cited by: how many works "
    "on screen cite it; share: of the works on screen that cite anything."
)
DERIVATIVE_WORKS_CAPTION = (
    "Derivative works: the works that cite most of the works on screen. Often reviews or later "
    "work that builds on this field. Cites: how many works on screen it cites; share: of "
    "the works on screen that are cited at all."
)
CLUSTERS_CAPTION = (
    "Each cluster is named by its most distinctive terms: frequent in its works' titles, "
    "abstracts, MeSH headings and keywords, rare in the other clusters (c-TF-IDF). Lead: its "
    "seed or most cited work. Clusters of fewer than 3 are pooled as other."
)
RANKING_CAPTION = (
    "Citations in this corpus: citing works among those on screen. Citations overall: "
    "OpenAlex/iCite count. PageRank: a work ranks high when works that rank high cite it "
    "(citation network); an author, when well-connected authors write with them (co-author "
    "network). Click a column header to sort by it."
)


def central_works(corpus: Corpus, *, rank: str = "pagerank", top: int = 10) -> pd.DataFrame:
    """The ``top`` works by ``rank`` (see `citegraph.ranking.RANKS`; "works" ranks by
    citations in the corpus), with the columns a reader scans.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "a", "title": "A"}, {"id": "b", "title": "B"}],
    ...     links=[{"source": "b", "target": "a", "kind": "references"}])
    >>> central_works(c)["title"].tolist()
    ['A', 'B']
    """
    from citegraph.analysis import ranked_works_table
    from citegraph.ranking import ranked

    table = ranked(ranked_works_table(corpus), rank)
    columns = ["first_author", "year", "title", "journal", "citations", "cited_by_count",
               "pagerank", "retracted", "id"]  # fmt: skip
    return table[columns].head(max(int(top), 0)).reset_index(drop=True)


def top_authors(
    corpus: Corpus, coauthors: nx.Graph, *, rank: str = "citations", top: int = 20
) -> pd.DataFrame:
    """The ``top`` authors by ``rank`` ("global" = their works' overall citations, "works" =
    works in the corpus), with name, institutions and cluster from the co-author network.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "w"}], authors=[{"id": "a", "name": "Ann"}],
    ...                      authorships=[{"work_id": "w", "author_id": "a"}])
    >>> top_authors(c, nx.Graph())[["name", "works"]].values.tolist()
    [['Ann', 1]]
    """
    from citegraph.ranking import author_ranks, ranked

    table = ranked(author_ranks(corpus, coauthors if coauthors.number_of_nodes() else None), rank)
    nodes = dict(coauthors.nodes(data=True))
    authors = corpus.authors_by_id
    table.insert(
        0,
        "name",
        [text_or_empty(authors.get(a, {}).get("name"), strip=True) or a for a in table["id"]],
    )
    table["institutions"] = [str(nodes.get(a, {}).get("institutions") or "") for a in table["id"]]
    table["cluster"] = [int(nodes.get(a, {}).get("cluster") or 0) for a in table["id"]]
    table["pagerank"] = table["pagerank"].astype(float).round(5)
    columns = ["name", "works", "citations", "cited_by_count", "pagerank", "institutions",
               "cluster", "id"]  # fmt: skip
    return table[columns].head(max(int(top), 0)).reset_index(drop=True)


def journal_chart(table: pd.DataFrame) -> Any:
    """A horizontal bar chart (Altair / Vega-Lite spec) of `citegraph.analysis.top_journals`,
    most works on top, with room for journal names (Streamlit's own bar chart cuts them at
    ~20 characters). Journal names are data: Vega-Lite draws them as text.

    Examples
    --------
    >>> spec = journal_chart(pd.DataFrame({"journal": ["J A"], "works": [2]})).to_dict()
    >>> spec["mark"]["type"], spec["encoding"]["y"]["axis"]["labelLimit"]
    ('bar', 320)
    """
    import altair as alt

    return (
        alt.Chart(table)
        .mark_bar()
        .encode(
            x=alt.X("works:Q", title="works"),
            y=alt.Y("journal:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
            tooltip=["journal", "works"],
        )
        .properties(height=alt.Step(26))
    )


def find_choices(corpus: Corpus, query: str, *, limit: int = 20) -> dict[str, str]:
    """The find box's choices: ``{id: label}`` in `citegraph.ranking.find_matches` order.
    Labels are plain text for a select box (which shows them as text, never markup).

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "pmid:1", "title": "Lupus", "year": 2020}])
    >>> find_choices(c, "lupus")
    {'pmid:1': '2020 — Lupus'}
    """
    from citegraph.ranking import find_matches

    return dict(find_matches(corpus, query, limit=limit))


def find_caption(query: str, found: int, *, limit: int = 20) -> str:
    """What the find box found, in one line (the query escaped: it is the user's text).

    Examples
    --------
    >>> print(find_caption("*x*", 0))
    Nothing on screen matches \\*x\\*: try part of a title, a name, a PMID or a DOI.
    >>> find_caption("lupus", 20)
    'The first 20 matches: refine the search to see others.'
    """
    if not found:
        return (
            f"Nothing on screen matches {md_text(query)}: try part of a title, a name, a PMID "
            "or a DOI."
        )
    if found >= limit:
        return f"The first {limit} matches: refine the search to see others."
    return f"{found} match{'' if found == 1 else 'es'}."


def _seed_label(seed: str) -> str:
    return seed.replace("pmid:", "PMID ").replace("doi:", "DOI ")


def _date(value: Any) -> str:
    return str(value)[:10] if value else "at an unknown date"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# ---------------------------------------------------------------- what is selected in the graph
#: How the merge joined records into one person, in words (rules of `citegraph.merge.authors`).
MERGE_RULES = {
    "single": "one record only: nothing was merged",
    "orcid": "records carrying the same ORCID",
    "openalex": "records carrying the same OpenAlex author id",
    "same-work": "the same work's author lists from different sources, aligned by position "
    "or by a name that occurs once in each list",
    "name+affiliation": "the same family name and compatible given names, on works that "
    "share an institution",
    "name+coauthor": "the same family name and compatible given names, on works that "
    "share a co-author",
    "name-only": "the same name alone",
}
ORCID_URL = "https://orcid.org/{orcid}"
OPENALEX_AUTHOR_URL = "https://openalex.org/{aid}"


@dataclass(frozen=True)
class Details:
    """What the page shows about the selection in the graph.

    ``heading`` and each of ``paragraphs`` are markdown (data escaped with `md_text`);
    ``tables`` are (caption as markdown, table) pairs, plain-text cells.

    Examples
    --------
    >>> Details("### x", ["text"], []).heading
    '### x'
    """

    heading: str
    paragraphs: list[str]
    tables: list[tuple[str, pd.DataFrame]]


def parse_selection(text: str | None) -> dict[str, Any] | None:
    """The selection a URL's ``select`` value names (`selection_param` writes it), or None.

    Examples
    --------
    >>> parse_selection("node:pmid:1"), parse_selection("cluster:3")
    ({'kind': 'node', 'id': 'pmid:1'}, {'kind': 'cluster', 'id': 3})
    >>> parse_selection('edge:["a","b"]'), parse_selection("edge:oops"), parse_selection(None)
    ({'kind': 'edge', 'u': 'a', 'v': 'b'}, None, None)
    """
    kind, _, rest = str(text or "").partition(":")
    if kind == "node" and rest:
        return {"kind": "node", "id": rest}
    if kind == "cluster" and re.fullmatch(r"-?\d{1,9}", rest):
        return {"kind": "cluster", "id": int(rest)}
    if kind == "edge":
        try:
            u, v = json.loads(rest)
        except (ValueError, TypeError):
            return None
        if isinstance(u, str) and isinstance(v, str):
            return {"kind": "edge", "u": u, "v": v}
    return None


def selection_param(selection: dict[str, Any] | None) -> str | None:
    """The URL's ``select`` value for a selection from the graph (None: nothing selected).

    Examples
    --------
    >>> selection_param({"kind": "edge", "u": "a", "v": "b"})
    'edge:["a","b"]'
    >>> selection_param({"kind": "node", "id": "W1"}), selection_param(None)
    ('node:W1', None)
    """
    if not isinstance(selection, dict):
        return None
    kind = selection.get("kind")
    if kind == "node" and isinstance(selection.get("id"), str):
        return f"node:{selection['id']}"
    if kind == "cluster" and isinstance(selection.get("id"), int):
        return f"cluster:{selection['id']}"
    if (
        kind == "edge"
        and isinstance(selection.get("u"), str)
        and isinstance(selection.get("v"), str)
    ):
        return "edge:" + json.dumps([selection["u"], selection["v"]], separators=(",", ":"))
    return None


def selection_details(
    corpus: Corpus,
    G: nx.Graph,
    selection: dict[str, Any] | None,
    *,
    cluster_names: dict[int, str] | None = None,
) -> Details | None:
    """What to show about ``selection`` (from the graph or the URL) in ``G``, a view of
    ``corpus``; None when nothing is selected or the selection is not in ``G``.

    - a work: its card (links, retraction status) and its references and citers in the corpus;
    - an author: their works, co-authors, cluster and how their records were merged (ORCID,
      OpenAlex id, or name with the evidence found in their authorships);
    - an edge: the papers behind it: the citation; the shared references and shared citers and
      what the services assert for a similarity edge; the shared works of two co-authors;
    - a cluster: its members.

    Ids in ``selection`` are the drawing's (`citegraph.render.graph_data`).

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "w1", "title": "One"}, {"id": "w2", "title": "Two"}],
    ...     links=[{"source": "w1", "target": "w2", "kind": "references"}])
    >>> from citegraph.graphs import build_citation_graph
    >>> G = build_citation_graph(c)
    >>> d = selection_details(c, G, {"kind": "edge", "u": "w1", "v": "w2"})
    >>> d.heading, [caption for caption, _ in d.tables]
    ('#### Citation: One → Two', ['The citing work', 'The cited work'])
    >>> selection_details(c, G, {"kind": "node", "id": "nope"}) is None
    True
    """
    from citegraph.render import node_for_id

    if not isinstance(selection, dict):
        return None
    kind = selection.get("kind")
    if kind == "cluster":
        return _cluster_details(corpus, G, selection.get("id"), cluster_names or {})
    if kind == "node":
        node = node_for_id(G, str(selection.get("id")))
        if node is None:
            return None
        if G.graph.get("view") == "coauthor" or (
            node in corpus.authors_by_id and node not in corpus.works_by_id
        ):
            return _author_details(corpus, G, node, cluster_names or {})
        return _work_details(corpus, str(node))
    if kind == "edge":
        u = node_for_id(G, str(selection.get("u")))
        v = node_for_id(G, str(selection.get("v")))
        if u is None or v is None or not G.has_edge(u, v):
            return None
        return _edge_details(corpus, G, u, v)
    return None


def _works_by_ids(corpus: Corpus, ids: Iterable[str]) -> pd.DataFrame:
    wanted = set(ids)
    table = works_table(corpus)
    return table[table["id"].isin(wanted)].reset_index(drop=True)


def _references(corpus: Corpus) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(work → what it cites, work → what cites it) over the corpus' reference links."""
    refs = corpus.links[corpus.links["kind"] == "references"]
    cites: dict[str, set[str]] = {}
    cited_by: dict[str, set[str]] = {}
    for s, t in zip(refs["source"].astype(str), refs["target"].astype(str), strict=True):
        if s != t:
            cites.setdefault(s, set()).add(t)
            cited_by.setdefault(t, set()).add(s)
    return cites, cited_by


def _title(corpus: Corpus, work_id: str) -> str:
    row = corpus.works_by_id.get(work_id) or {}
    return text_or_empty(row.get("title"), strip=True) or work_id


def _work_details(corpus: Corpus, work_id: str) -> Details:
    if work_id not in corpus.works_by_id:
        return Details(f"### {md_text(work_id)}", ["This work is not in this corpus."], [])
    row = corpus.works_by_id[work_id]
    retracted = not is_missing(row.get("retracted")) and bool(row.get("retracted"))
    status = (
        "**Retraction status:** marked **retracted** by a source."
        if retracted
        else "**Retraction status:** no source marks this work as retracted."
    )
    cites, cited_by = _references(corpus)
    works = set(corpus.works_by_id)
    refs = sorted(cites.get(work_id, set()) & works)
    citers = sorted(cited_by.get(work_id, set()) & works)
    return Details(
        heading="#### Selected work",
        paragraphs=[work_card(corpus, work_id), status],
        tables=[
            (f"Its references in this corpus ({len(refs)})", _works_by_ids(corpus, refs)),
            (f"Works in this corpus citing it ({len(citers)})", _works_by_ids(corpus, citers)),
        ],
    )


def _author_details(
    corpus: Corpus, G: nx.Graph, author_id: str, cluster_names: dict[int, str]
) -> Details:
    row = corpus.authors_by_id.get(author_id) or {}
    data = G.nodes[author_id]
    name = text_or_empty(row.get("name"), strip=True) or str(data.get("name") or author_id)
    works = corpus.works_of(author_id)
    lines = []
    ids = []
    orcid = text_or_empty(row.get("orcid"), strip=True)
    if orcid:
        ok = re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", orcid)
        ids.append(md_link(f"ORCID {orcid}", ORCID_URL.format(orcid=orcid) if ok else None))
    oaid = text_or_empty(row.get("openalex_id"), strip=True)
    if oaid:
        ok = re.fullmatch(r"A\d{1,15}", oaid)
        ids.append(
            md_link(f"OpenAlex {oaid}", OPENALEX_AUTHOR_URL.format(aid=oaid) if ok else None)
        )
    if ids:
        lines.append(" · ".join(ids))
    cluster = data.get("cluster")
    if isinstance(cluster, int) and cluster:
        label = cluster_names.get(cluster)
        lines.append(f"**Cluster** {cluster}" + (f": {md_text(label)}" if label else ""))
    insts = text_or_empty(data.get("institutions"), strip=True)
    if insts:
        lines.append(f"**Institutions:** {md_text(insts)}")
    lines.append(merge_explanation(corpus, author_id))
    neighbours = sorted(
        G[author_id].items(), key=lambda kv: (-float(kv[1].get("weight", 1) or 1), str(kv[0]))
    )
    coauthors = pd.DataFrame(
        [{"name": str(G.nodes[n].get("name") or n), "shared works": int(d.get("weight", 1) or 1),
          "cluster": G.nodes[n].get("cluster"), "id": str(n)} for n, d in neighbours],
        columns=["name", "shared works", "cluster", "id"],
    )  # fmt: skip
    return Details(
        heading=f"#### {md_text(name)}",
        paragraphs=lines,
        tables=[
            (f"Works in this corpus ({len(works)})", works_of_authors(corpus, [author_id])),
            (f"Co-authors in this view ({len(coauthors)})", coauthors),
        ],
    )


def merge_explanation(corpus: Corpus, author_id: str) -> str:
    """How the merge made one person of this author's records, with the evidence, as markdown.

    The rule is the weakest one the merge used for the person (``merge_rule``); the evidence
    is read back from the authorships: the name forms printed on each work, and for the name
    rules the institutions or co-authors that more than one of the works share.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "w1"}, {"id": "w2"}, {"id": "w3"}],
    ...     authors=[{"id": "a", "name": "Ann Lee", "merge_rule": "name+coauthor",
    ...               "variants": ["Ann Lee", "A. Lee"]}, {"id": "b", "name": "Bo Chen"}],
    ...     authorships=[{"work_id": "w1", "author_id": "a", "name": "Ann Lee"},
    ...                  {"work_id": "w1", "author_id": "b", "name": "Bo Chen"},
    ...                  {"work_id": "w2", "author_id": "a", "name": "A. Lee"},
    ...                  {"work_id": "w2", "author_id": "b", "name": "Bo Chen"}])
    >>> print(merge_explanation(c, "a"))  # doctest: +NORMALIZE_WHITESPACE
    **Identity:** merged from the same family name and compatible given names, on works that
    share a co-author. Evidence: co-author Bo Chen on 2 works. Name forms: Ann Lee, A\\. Lee.
    """
    row = corpus.authors_by_id.get(author_id) or {}
    rule = text_or_empty(row.get("merge_rule"), strip=True) or "single"
    orcid = text_or_empty(row.get("orcid"), strip=True)
    oaid = text_or_empty(row.get("openalex_id"), strip=True)
    text = f"**Identity:** merged from {MERGE_RULES.get(rule) or md_text(rule)}"
    if rule == "orcid" and orcid:
        text += f" ({md_text(orcid)})"
    elif rule == "openalex" and oaid:
        text += f" ({md_text(oaid)})"
    text += "."
    works = corpus.works_of(author_id)
    evidence = ""
    if rule == "name+affiliation":
        seen: dict[str, set[str]] = {}
        for wid in works:
            for ship in corpus.authorships_of(wid):
                if ship["author_id"] == author_id:
                    for token in affiliation_tokens(list(ship["affiliations"] or ())):
                        seen.setdefault(token, set()).add(wid)
        shared = sorted(
            (t for t, ws in seen.items() if len(ws) > 1), key=lambda t: (-len(seen[t]), t)
        )
        if shared:
            evidence = "; ".join(
                f"{md_text(t.split(':', 1)[-1])} on {len(seen[t])} works" for t in shared[:5]
            )
            evidence = f"institution {evidence}"
    elif rule == "name+coauthor":
        seen = {}
        for wid in works:
            for other in corpus.authors_of(wid):
                if other != author_id:
                    seen.setdefault(other, set()).add(wid)
        shared = sorted(
            (a for a, ws in seen.items() if len(ws) > 1), key=lambda a: (-len(seen[a]), a)
        )
        if shared:
            names = corpus.authors_by_id
            evidence = "; ".join(
                f"co-author {md_text(text_or_empty((names.get(a) or {}).get('name')) or a)} "
                f"on {len(seen[a])} works"
                for a in shared[:5]
            )
    if evidence:
        text += f" Evidence: {evidence}."
    elif rule.startswith("name"):
        text += " The evidence is not in this (filtered) corpus."
    variants = list(dict.fromkeys(md_text(v) for v in row.get("variants") or ()))
    if len(variants) > 1:  # as shown: forms that differ only in invisible characters are one
        text += " Name forms: " + ", ".join(variants) + "."
    sources = [str(s) for s in row.get("sources") or ()]
    if sources and rule != "single":
        text += " Sources: " + ", ".join(md_text(s) for s in sources) + "."
    return text


def _edge_details(corpus: Corpus, G: nx.Graph, u: Any, v: Any) -> Details:
    data = G.edges[u, v]
    view = G.graph.get("view") or G.graph.get("name")
    if view == "coauthor":
        shared = sorted(set(corpus.works_of(u)) & set(corpus.works_of(v)))
        names = [md_text(str(G.nodes[n].get("name") or n)) for n in (u, v)]
        return Details(
            heading=f"#### Co-authors: {names[0]} and {names[1]}",
            paragraphs=[f"{len(shared)} shared work(s) in this corpus."],
            tables=[("Their shared works", _works_by_ids(corpus, shared))],
        )
    if G.is_directed():
        how = md_text(str(data.get("kind") or "references"))
        sources = md_text(str(data.get("sources") or "unknown"))
        return Details(
            heading=f"#### Citation: {md_text(_title(corpus, str(u)))} → {md_text(_title(corpus, str(v)))}",
            paragraphs=[f"Link kind: {how}; asserted by: {sources}."],
            tables=[("The citing work", _works_by_ids(corpus, [str(u)])),
                    ("The cited work", _works_by_ids(corpus, [str(v)]))],
        )  # fmt: skip
    cites, cited_by = _references(corpus)
    seeds = set(corpus.seed_ids())
    # As the similarity graph counts them: not through a seed (everything is linked to it).
    refs = sorted((cites.get(str(u), set()) & cites.get(str(v), set())) - seeds)
    citers = sorted((cited_by.get(str(u), set()) & cited_by.get(str(v), set())) - seeds)
    asserted = []
    if data.get("similar"):
        score = data.get("similar_score")
        asserted.append("PubMed lists them as similar articles"
                        + (f" (score {score:g})" if isinstance(score, float) else ""))  # fmt: skip
    if data.get("related"):
        asserted.append("OpenAlex lists them as related works")
    weight = data.get("weight")
    paragraphs = [
        f"Weight {weight:g}: {len(refs)} shared reference(s), {len(citers)} shared citer(s)"
        + (f"; {'; '.join(asserted)}" if asserted else "")
        + "."
        if isinstance(weight, int | float)
        else f"{len(refs)} shared reference(s), {len(citers)} shared citer(s)."
    ]
    return Details(
        heading=f"#### Similar: {md_text(_title(corpus, str(u)))} and {md_text(_title(corpus, str(v)))}",
        paragraphs=paragraphs,
        tables=[
            ("The two works", _works_by_ids(corpus, [str(u), str(v)])),
            (f"References both cite ({len(refs)})", _works_by_ids(corpus, refs)),
            (f"Works citing both ({len(citers)})", _works_by_ids(corpus, citers)),
        ],
    )


def _cluster_details(
    corpus: Corpus, G: nx.Graph, cluster: Any, cluster_names: dict[int, str]
) -> Details | None:
    if not isinstance(cluster, int):
        return None
    members = [n for n, c in G.nodes(data="cluster") if c == cluster]
    if not members:
        return None
    label = cluster_names.get(cluster)
    heading = f"#### Cluster {cluster}" + (f": {md_text(label)}" if label else "")
    if G.graph.get("view") == "coauthor":
        authors = author_table(corpus, {n: cluster for n in members})
        authors = authors[authors["id"].isin(set(members))].reset_index(drop=True)
        return Details(
            heading=heading,
            paragraphs=[f"{len(members)} authors, highlighted in the graph."],
            tables=[(f"Authors ({len(authors)})", authors),
                    ("Their works", works_of_authors(corpus, members))],
        )  # fmt: skip
    return Details(
        heading=heading,
        paragraphs=[f"{len(members)} works, highlighted in the graph."],
        tables=[(f"Works ({len(members)})", _works_by_ids(corpus, [str(m) for m in members]))],
    )


# ---------------------------------------------------------------- text from data as markdown
#: Every ASCII punctuation mark: CommonMark lets each be escaped with a backslash, and together
#: they are all the markup Streamlit reads (emphasis, links, images, HTML, entities, lists,
#: headings, tables, ``:red[…]``/``:material/…:`` directives, emoji shortcodes, ``$`` LaTeX,
#: autolinked ``http://``, ``www.`` and e-mail addresses).
_MD_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
#: Characters a reader cannot see that change what is shown: C0/C1 controls (NUL included),
#: bidirectional overrides and isolates, which would reorder the text around them.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: Line and paragraph breaks: data is inline text, a break must not start a new block.
_BREAKS = re.compile(r"\s*[\n\r\f\v\u0085\u2028\u2029]\s*")
#: Where GitHub-flavoured markdown would turn plain text into a link *after* escapes are
#: read (``http://``, ``https://``, ``www.``, ``name@host``): an invisible word joiner
#: (U+2060) goes there, so the text stays text and reads the same.
_AUTOLINK = re.compile(r"(?i)(?<=https)(?=://)|(?<=http)(?=://)|(?<=www)(?=\.)|(?<=@)")


def md_text(text: object) -> str:
    """Escape any value from a source or a snapshot for a Streamlit element that reads markdown.

    The one escaping step of the page: ``st.markdown``, ``st.subheader``, ``st.caption``,
    alerts (``st.error`` …), metric, expander, tab and button labels all read their text as
    markdown, so data reaches them only through this function. Every ASCII punctuation mark is
    backslash-escaped (so no link, image, HTML tag, entity, directive, LaTeX or emoji
    shortcode can form), control and bidirectional-override characters are dropped, line
    breaks become spaces, and an invisible word joiner (U+2060) follows ``http``/``www``/``@``
    where GitHub-flavoured markdown would autolink the text (it does so after reading the
    escapes). The text a reader sees is the data itself, less those invisible characters.

    Tables (``st.dataframe`` cells) and select options are plain text: do not escape them.

    Parameters
    ----------
    text : object
        The value to show; ``str()`` is applied first.

    Returns
    -------
    str
        Markdown that displays ``text`` literally.

    Examples
    --------
    >>> print(md_text("![a](http://evil.example/x.png)").replace("\u2060", "<WJ>"))
    \\!\\[a\\]\\(http<WJ>\\:\\/\\/evil\\.example\\/x\\.png\\)
    >>> print(md_text(":red[alarm] $x$ <b>"))
    \\:red\\[alarm\\] \\$x\\$ \\<b\\>
    >>> md_text("A\\u202eB\\x00\\nC")
    'AB C'
    """
    text = _AUTOLINK.sub("\u2060", _BREAKS.sub(" ", _INVISIBLE.sub("", str(text))))
    return _MD_PUNCTUATION.sub(r"\\\1", text)


def md_link(label: object, url: str | None) -> str:
    """A markdown link whose text is ``label`` (escaped), or just the text when ``url`` is not
    a safe link (see `safe_url`).

    Examples
    --------
    >>> md_link("PubMed 1", "https://pubmed.ncbi.nlm.nih.gov/1/")
    '[PubMed 1](https://pubmed.ncbi.nlm.nih.gov/1/)'
    >>> md_link("x", "javascript:alert(1)")
    'x'
    """
    if url is None or not safe_url(url):
        return md_text(label)
    # Percent-encoded parentheses mean the same URL and cannot end the link early.
    return f"[{md_text(label)}]({url.replace('(', '%28').replace(')', '%29')})"


def safe_url(url: str) -> bool:
    """Whether ``url`` may be shown as a link: http(s), a plain host (no user part that would
    make ``https://good.example@evil.example`` go elsewhere than it reads), and nothing a
    markdown link or a browser would read differently (spaces, ``<>``, backslashes, controls).

    Examples
    --------
    >>> safe_url("https://doi.org/10.1/x"), safe_url("https://a.example@evil.example/")
    (True, False)
    >>> safe_url("javascript:alert(1)"), safe_url("http://x.example/a b")
    (False, False)
    """
    if not re.fullmatch(r"https?://[^\s<>\\\"'`\x00-\x1f\x7f-\x9f]+", url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    return bool(host) and "@" not in parts.netloc and not _INVISIBLE.search(url)
