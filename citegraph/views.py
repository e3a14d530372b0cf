"""The graphs a user can look at, built the same way for the page, the CLI and the downloads.

A *view* is a name (``citation``, ``similarity``, ``coauthor``, ``timeline``) plus the recipe that
turns a (filtered) corpus into a graph with clusters and ranks assigned, so that what is on screen
and what is downloaded are the same graph. The timeline is the citation network drawn with year
across and clusters as lanes (`citegraph.layout.timeline_positions`).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import networkx as nx

from citegraph import OptionError, check_option
from citegraph.analysis import (
    CLUSTER_METHODS,
    assign_clusters,
    author_clusters,
    cluster_table,
    merge_small_clusters,
)
from citegraph.export import export_csv_tables, export_graph, export_works
from citegraph.graphs import (
    MAX_AUTHORS_PER_WORK,
    build_citation_graph,
    build_coauthor_graph,
    build_similarity_graph,
    filter_corpus,
    journal_ids,
)
from citegraph.layout import timeline_axis, timeline_positions
from citegraph.model import Corpus
from citegraph.ranking import RANK_ATTRIBUTES, RANKS, assign_ranks
from citegraph.render import MAX_DRAWN_NODES, Picture, graph_data, picture, render_html

#: Around one seed the similarity graph is dense (every citing work is coupled to every
#: other through the seed: 159k edges at 2,000 works); keep the heaviest edges only.
MAX_SIMILARITY_EDGES = 20_000

#: Node attributes a view can be coloured by (the first is the default).
COLOR_OPTIONS = {
    "citation": ("cluster", "journal", "year"),
    "similarity": ("cluster", "journal", "year"),
    "coauthor": ("cluster", "institution"),
    "timeline": ("cluster", "journal", "year"),
}

VIEWS = {
    "citation": "Citation network: works, arrows from citing to cited work",
    "similarity": "Similarity network: co-citation, bibliographic coupling, PubMed similar, OpenAlex related",
    "coauthor": "Co-author network: authors, edges weighted by shared works",
    "timeline": "Timeline: the citation network with year across and clusters as lanes",
}


@dataclass(frozen=True)
class ViewOptions:
    """Options that change how a view's graph is built (part of the cache key on the page)."""

    cluster_method: str = "leiden"
    resolution: float = 1.0
    seed: int = 42
    #: Similarity view: pairs whose summed evidence is below this are left out.
    min_weight: float = 1.0
    #: What node size follows: one of `citegraph.ranking.RANKS`.
    rank: str = "citations"

    def __post_init__(self) -> None:
        check_option(self.rank, RANKS, what="rank")


#: The view a first visit shows (and the CLI's ``--view`` default).
DEFAULT_VIEW = "coauthor"
#: The ranges of the page's resolution and weight sliders and of its min.-citations box; links
#: and the command line take the same ranges, so every value one takes, the other shows.
RESOLUTION_RANGE = (0.2, 3.0)
MIN_WEIGHT_RANGE = (1.0, 10.0)
MIN_CITATIONS_RANGE = (0, 100_000)

#: `PageOptions` field → its key in the page's URL. Only these keys are the options' own; the
#: page keeps every other key (seed, fetch options, selection) as it finds it.
QUERY_KEYS = {
    "view": "view",
    "journals": "journals",
    "year_from": "year_from",
    "year_to": "year_to",
    "min_citations": "min_citations",
    "min_weight": "min_weight",
    "color_by": "color",
    "cluster_method": "method",
    "resolution": "resolution",
    "rank": "rank",
}


@dataclass(frozen=True)
class PageOptions:
    """Every filter and view option of the page, as one value shared by the page, its URL and
    the command line, so that each reproduces what the others show.

    Parameters
    ----------
    view : str
        One of `VIEWS`.
    journals : tuple of str
        Keep works of these journals; empty keeps all. The page and its links use journal ids
        (`citegraph.graphs.journal_labels`); `filter` also accepts any name `filter_corpus`
        does. Kept sorted and without repeats.
    year_from, year_to : int or None
        Inclusive year range; None leaves that end open.
    min_citations : int
        Keep works cited at least this often; 0 keeps all (also works with no known count).
    min_weight : float
        Similarity view: leave out pairs whose summed evidence is below this.
    color_by : str
        Node attribute the drawing is coloured by, one of ``COLOR_OPTIONS[view]``.
    cluster_method : str
        One of `citegraph.analysis.CLUSTER_METHODS`.
    resolution : float
        Clustering resolution; higher gives more, smaller clusters.
    rank : str
        What node size follows, one of `citegraph.ranking.RANKS`.

    A value the page could not show raises `citegraph.OptionError` naming it and what to give
    instead.

    Examples
    --------
    >>> o = PageOptions(view="citation", year_from=2020, color_by="journal")
    >>> o.to_query()
    {'view': 'citation', 'year_from': '2020', 'color': 'journal'}
    >>> o.to_cli_args()
    ['--view', 'citation', '--year-from', '2020', '--color-by', 'journal']
    >>> PageOptions(view="coauthor", color_by="journal")
    Traceback (most recent call last):
    ...
    citegraph.OptionError: Unknown colour key for the coauthor view 'journal'. Choose one of: cluster, institution.
    """

    view: str = DEFAULT_VIEW
    journals: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    min_citations: int = 0
    min_weight: float = 1.0
    color_by: str = "cluster"
    cluster_method: str = "leiden"
    resolution: float = 1.0
    rank: str = "citations"

    def __post_init__(self) -> None:
        check_option(self.view, VIEWS, what="view")
        check_option(self.rank, RANKS, what="rank")
        if isinstance(self.journals, str):
            raise OptionError(f"journals must be a list of journals, not the text {self.journals!r}.")  # fmt: skip
        journals = tuple(sorted({str(j).strip() for j in self.journals if str(j).strip()}))
        object.__setattr__(self, "journals", journals)
        for end in ("year_from", "year_to"):
            value = getattr(self, end)
            if value is not None:
                object.__setattr__(self, end, _whole(value, f"{end.replace('_', ' ')} year"))
        if (
            self.year_from is not None
            and self.year_to is not None
            and self.year_from > self.year_to
        ):
            raise OptionError(
                f"The year range {self.year_from}-{self.year_to} is empty (the first year is "
                "after the last). Give the earlier year first."
            )  # fmt: skip
        low, high = MIN_CITATIONS_RANGE
        count = _whole(self.min_citations, "minimum citations")
        if not low <= count <= high:
            raise OptionError(f"Minimum citations must be from {low} to {high:,}, not {count}.")
        object.__setattr__(self, "min_citations", count)
        object.__setattr__(self, "min_weight", _in_range(self.min_weight, MIN_WEIGHT_RANGE, "Minimum similarity weight"))  # fmt: skip
        check_option(self.color_by, COLOR_OPTIONS[self.view], what=f"colour key for the {self.view} view")  # fmt: skip
        check_option(self.cluster_method, CLUSTER_METHODS, what="clustering method")
        object.__setattr__(self, "resolution", _in_range(self.resolution, RESOLUTION_RANGE, "Resolution"))  # fmt: skip

    @property
    def view_options(self) -> ViewOptions:
        """How the view's graph is built (the minimum weight counts in the similarity view only,
        so the other views' cached graphs survive a change of it).

        Examples
        --------
        >>> PageOptions(view="citation", min_weight=3).view_options.min_weight
        1.0
        """
        weight = self.min_weight if self.view == "similarity" else ViewOptions.min_weight
        return ViewOptions(cluster_method=self.cluster_method, resolution=self.resolution,
                           min_weight=weight, rank=self.rank)  # fmt: skip

    def filter(self, corpus: Corpus) -> Corpus:
        """``corpus`` after the journal, year and citation filters.

        Journals are matched as `citegraph.graphs.filter_corpus` matches them and handed on by
        the label the page shows, however they were named, so the page and the command line
        write the same files. A journal that matches none of the corpus raises
        `citegraph.OptionError`.

        Examples
        --------
        >>> c = Corpus.from_rows(works=[{"id": "a", "journal": "The Lancet", "year": 2020},
        ...                             {"id": "b", "journal": "Cell", "year": 2024}])
        >>> f = PageOptions(journals=("lancet",)).filter(c)
        >>> list(f.works["id"]), f.manifest["filters"]
        (['a'], {'journals': ['The Lancet']})
        >>> PageOptions(journals=("Nature",)).filter(c)
        Traceback (most recent call last):
        ...
        citegraph.OptionError: No journal of this corpus matches 'Nature'. Name it as the page's Journals filter lists it (or by a journal id such as issn:0140-6736); the works CSV (`python -m citegraph works SNAPSHOT --format csv`) lists every journal.
        """
        journals = None
        if self.journals:
            from citegraph.graphs import journal_labels

            found = journal_ids(corpus, self.journals)
            unknown = [j for j, ids in found.items() if not ids]
            if unknown:
                raise OptionError(
                    f"No journal of this corpus matches {', '.join(map(repr, unknown))}. Name it "
                    "as the page's Journals filter lists it (or by a journal id such as "
                    "issn:0140-6736); the works CSV (`python -m citegraph works SNAPSHOT "
                    "--format csv`) lists every journal."
                )
            labels = journal_labels(corpus)
            journals = sorted({labels[i] for ids in found.values() for i in ids})
        return filter_corpus(
            corpus,
            journals=journals,
            year_from=self.year_from,
            year_to=self.year_to,
            min_citations=self.min_citations or None,
        )

    def to_query(self) -> dict[str, str]:
        """The options as URL query parameters: the view always, every other option only when
        it differs from its default (so a plain link stays short).

        Examples
        --------
        >>> PageOptions().to_query()
        {'view': 'coauthor'}
        >>> PageOptions(journals=("issn:1759-4790", "title:cell"), resolution=1.5).to_query()
        {'view': 'coauthor', 'journals': 'issn:1759-4790,title:cell', 'resolution': '1.5'}
        """
        default = PageOptions()
        query = {}
        for name, key in QUERY_KEYS.items():
            value = getattr(self, name)
            if name == "view" or value != getattr(default, name):
                query[key] = _query_text(value)
        return query

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> tuple[PageOptions, list[str]]:
        """The options a URL's query parameters name, and a sentence for each value that could
        not be used (that option keeps its default). Keys that are not the options' are ignored.

        ``params`` maps keys to text (``st.query_params``) or to lists of text (the last
        counts). Journals are comma-separated journal ids (ids hold no commas).

        Examples
        --------
        >>> options, problems = PageOptions.from_query(
        ...     {"view": "citation", "color": "journal", "method": "kmeans", "seed": "1"})
        >>> options.view, options.color_by, options.cluster_method
        ('citation', 'journal', 'leiden')
        >>> problems
        ["The link's method='kmeans' was not used: Unknown clustering method 'kmeans'. Choose one of: leiden, louvain."]
        """
        options, problems = cls(), []
        for name, key in QUERY_KEYS.items():
            if key not in params:
                continue
            raw = params[key]
            if isinstance(raw, list | tuple):
                raw = raw[-1] if raw else ""
            text = str(raw).strip()
            try:
                options = replace(options, **{name: _from_query_text(name, text)})
            except (OptionError, ValueError) as exc:
                shown = text if len(text) <= 60 else text[:57] + "..."
                problems.append(f"The link's {key}={shown!r} was not used: {_reason(exc)}")
        return options, problems

    @staticmethod
    def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
        """Add one flag per option to a command's ``parser`` (defaults as on the page).

        Examples
        --------
        >>> parser = argparse.ArgumentParser()
        >>> PageOptions.add_cli_arguments(parser)
        >>> PageOptions.from_cli(parser.parse_args(["--graph", "citation", "--resolution", "2"]))
        PageOptions(view='citation', journals=(), year_from=None, year_to=None, min_citations=0, min_weight=1.0, color_by='cluster', cluster_method='leiden', resolution=2.0, rank='citations')
        """
        d = PageOptions()
        add = parser.add_argument
        add("--view", "--graph", dest="view", choices=list(VIEWS), default=d.view,
            help=f"the network (default: {d.view}, as on the page)")  # fmt: skip
        add("--journal", action="append", default=[], metavar="J",
            help="keep works in this journal (repeatable): its name as the page lists it, any "
            "spelling of it, or its journal id (issn:…)")  # fmt: skip
        add("--year-from", type=int, metavar="Y", help="keep works published in Y or later")
        add("--year-to", type=int, metavar="Y", help="keep works published in Y or earlier")
        add("--min-citations", type=int, default=d.min_citations, metavar="N",
            help="keep works cited at least N times (OpenAlex/iCite counts); 0 keeps all, "
            "including works whose count is unknown")  # fmt: skip
        add("--min-weight", type=float, default=d.min_weight, metavar="W",
            help=f"similarity view: keep pairs whose co-citations + shared references + PubMed "
            f"similar + OpenAlex related reach W ({MIN_WEIGHT_RANGE[0]:g}-{MIN_WEIGHT_RANGE[1]:g})")  # fmt: skip
        colours = "; ".join(f"{v}: {', '.join(c)}" for v, c in COLOR_OPTIONS.items())
        add("--color-by", default=d.color_by, metavar="KEY",
            help=f"what the HTML drawing is coloured by ({colours}; default cluster)")  # fmt: skip
        add("--cluster-method", choices=list(CLUSTER_METHODS), default=d.cluster_method,
            help="community detection (default leiden)")  # fmt: skip
        add("--resolution", type=float, default=d.resolution, metavar="R",
            help=f"clustering resolution, {RESOLUTION_RANGE[0]:g}-{RESOLUTION_RANGE[1]:g}; higher "
            "gives more, smaller clusters (default 1)")  # fmt: skip
        add("--rank", choices=list(RANKS), default=d.rank,
            help="what node size follows in the HTML drawing and the graph files' sizes "
            "(default citations: in this corpus)")  # fmt: skip

    @classmethod
    def from_cli(cls, args: argparse.Namespace) -> PageOptions:
        """The options the flags of `add_cli_arguments` name (`citegraph.OptionError` if one
        is out of range or does not fit the view)."""
        return cls(
            view=args.view,
            journals=tuple(args.journal or ()),
            year_from=args.year_from,
            year_to=args.year_to,
            min_citations=args.min_citations,
            min_weight=args.min_weight,
            color_by=args.color_by,
            cluster_method=args.cluster_method,
            resolution=args.resolution,
            rank=args.rank,
        )

    def to_cli_args(self) -> list[str]:
        """The command-line flags that give these options (the view always, the rest only when
        not the default), e.g. to show next to the page's downloads."""
        default = PageOptions()
        args = ["--view", self.view]
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "view" or value == getattr(default, f.name):
                continue
            flag = "--" + {"journals": "journal"}.get(f.name, f.name).replace("_", "-")
            for item in value if f.name == "journals" else (value,):
                args += [flag, _query_text(item)]
        return args


def _whole(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise OptionError(f"The {what} must be a whole number, not {value!r}.")
    return int(value)


def _in_range(value: Any, bounds: tuple[float, float], what: str) -> float:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise OptionError(f"{what} must be a number from {low:g} to {high:g}, not {value!r}.")
    if not low <= value <= high:
        raise OptionError(f"{what} must be from {low:g} to {high:g}, not {value:g}.")
    return round(float(value), 2)  # a slider's 1.5000000000000002 is the 1.5 a link says


def _query_text(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _from_query_text(name: str, text: str) -> Any:
    if name == "journals":
        return tuple(j for j in text.split(",") if j.strip())
    if name in ("year_from", "year_to", "min_citations"):
        try:
            return int(text)
        except ValueError:
            raise OptionError("it is not a whole number.") from None
    if name in ("min_weight", "resolution"):
        try:
            return float(text)
        except ValueError:
            raise OptionError("it is not a number.") from None
    return text


def _reason(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:]


def build_view(
    corpus: Corpus,
    view: str,
    options: ViewOptions = ViewOptions(),
    *,
    unfiltered: Corpus | None = None,
) -> nx.Graph:
    """Build the graph for ``view`` from ``corpus`` and assign a ``cluster`` to every node.

    ``unfiltered``: the corpus before filters. The similarity view then counts co-citations
    and shared references through every link of it (a 2010 reference shared by two 2021
    papers still couples them when the year filter starts at 2020); nodes stay the filtered
    works.

    Examples
    --------
    >>> from citegraph.model import Corpus
    >>> G = build_view(Corpus.empty(), "coauthor")
    >>> G.number_of_nodes()
    0
    """
    check_option(view, VIEWS, what="view")
    if view in ("citation", "timeline"):
        G = build_citation_graph(corpus)
    elif view == "similarity":
        source = corpus
        if unfiltered is not None:
            source = replace(corpus, links=unfiltered.links)
        G = build_similarity_graph(
            source, min_weight=options.min_weight, max_edges=MAX_SIMILARITY_EDGES
        )
    else:
        G = build_coauthor_graph(corpus)
    clusters = author_clusters(  # clusters a directed graph as undirected, without a copy
        G,
        seed=options.seed,
        resolution=options.resolution,
        method=options.cluster_method,
    )
    # Clusters too small to name are pooled as 0, "other" (legend, tables and files alike).
    assign_clusters(G, merge_small_clusters(clusters))
    assign_ranks(G, corpus)
    G.graph["rank"] = options.rank
    if view == "coauthor":  # one colourable institution per person: the first one named
        for _, data in G.nodes(data=True):
            data["institution"] = str(data.get("institutions") or "").split("; ")[0]
    G.graph["view"] = view
    return G


def cluster_labels(corpus: Corpus, G: nx.Graph) -> dict[int, str]:
    """Cluster number → a readable name (top institution for authors, lead paper for works)."""
    clusters = {n: d["cluster"] for n, d in G.nodes(data=True) if "cluster" in d}
    if not clusters:
        return {}
    table = cluster_table(corpus, G, clusters)
    return {int(c): str(label) for c, label in zip(table["cluster"], table["label"], strict=True)}


def view_picture(
    corpus: Corpus, G: nx.Graph, *, color_by: str = "cluster", size_by: str | None = None
) -> Picture:
    """The picture of a view's graph (positions, colours, sizes, legend), coloured by
    ``color_by``; the legend names the clusters when colouring by cluster. Node size follows
    ``size_by`` (default: the view's rank, ``G.graph["rank"]``, see `ViewOptions.rank`); the
    timeline view is drawn at `view_positions`. Physics is off: the page, its HTML download and
    the graph files all draw from it, so the nodes are where the files say.

    For a graph built by `build_view`, ``color_by`` must be one of ``COLOR_OPTIONS[view]``
    (else `citegraph.OptionError`); any node attribute is accepted for other graphs.

    Examples
    --------
    >>> from citegraph.model import Corpus
    >>> G = build_view(Corpus.empty(), "coauthor")
    >>> view_picture(Corpus.empty(), G, color_by="journal")
    Traceback (most recent call last):
    ...
    citegraph.OptionError: Unknown colour key 'journal'. Choose one of: cluster, institution.
    """
    view = G.graph.get("view")
    if view in COLOR_OPTIONS:
        check_option(color_by, COLOR_OPTIONS[view], what="colour key")
    labels = cluster_labels(corpus, G) if color_by == "cluster" else None
    if labels and 0 in labels:  # "other" is drawn grey, as nodes without a cluster
        labels[None] = labels.pop(0)
    if size_by is None and G.graph.get("rank"):
        size_by = RANK_ATTRIBUTES.get(G.graph["rank"])
    # Physics off (threshold 0): nodes stay where the files put them, and the timeline's years
    # stay apart.
    return picture(G, color_by=color_by, size_by=size_by, legend_labels=labels,
                   positions=view_positions(G), physics_threshold=0)  # fmt: skip


def view_html(
    corpus: Corpus, G: nx.Graph, *, color_by: str = "cluster", pic: Picture | None = None
) -> str:
    """The interactive page of a view's graph, drawn from ``pic`` (default: `view_picture`
    with ``color_by``); the timeline view gets its year axis and cluster lanes.

    Examples
    --------
    >>> from citegraph.model import Corpus
    >>> G = build_view(Corpus.empty(), "coauthor")
    >>> "No nodes to show" in view_html(Corpus.empty(), G)
    True
    """
    if pic is None:
        pic = view_picture(corpus, G, color_by=color_by)
    page = render_html(G, pic=pic)
    if G.graph.get("view") == "timeline" and G.number_of_nodes():
        page = page.replace("</body>", _timeline_axis_script(G) + "\n</body>", 1)
    return page


def view_graph_data(G: nx.Graph, pic: Picture, *, max_nodes: int | None = MAX_DRAWN_NODES) -> dict:
    """`citegraph.render.graph_data` for the page's clickable graph, plus the timeline view's
    axis (years and lanes, numbers only) under ``"axis"``.

    Examples
    --------
    >>> from citegraph.model import Corpus
    >>> c = Corpus.from_rows(works=[{"id": "a", "year": 2020}, {"id": "b", "year": 2021}])
    >>> G = build_view(c, "timeline")
    >>> [year for _, year in view_graph_data(G, view_picture(c, G))["axis"]["years"]]
    [2020, 2021]
    """
    data = graph_data(G, pic, max_nodes=max_nodes)
    if G.graph.get("view") == "timeline" and G.number_of_nodes():
        data["axis"] = timeline_axis(G)
    return data


def view_file(
    corpus: Corpus,
    G: nx.Graph,
    fmt: str,
    *,
    color_by: str = "cluster",
    filters: dict | None = None,
    pic: Picture | None = None,
) -> bytes:
    """A view's graph as a file in graph format ``fmt`` (`citegraph.export.FORMATS`), drawn
    exactly as the page draws it: positions, colours and sizes from ``pic`` (default:
    `view_picture` with ``color_by``), clusters named as in the legend, and ``filters`` (what
    `citegraph.graphs.filter_corpus` was given) in the file's header. The page and the CLI
    both call this, so the same options give the same bytes.

    Examples
    --------
    >>> from citegraph.model import Corpus
    >>> G = build_view(Corpus.empty(), "coauthor")
    >>> view_file(Corpus.empty(), G, "cyjs")[:1]
    b'{'
    """
    check_option(fmt, _FILE_FORMATS, what="export format")
    if pic is None:
        pic = view_picture(corpus, G, color_by=color_by)
    if fmt == "html":
        return view_html(corpus, G, pic=pic).encode("utf-8")
    names = cluster_labels(corpus, G)
    if fmt == "csv":
        return export_graph(G, fmt, picture=pic, cluster_names=names)
    return export_graph(G, fmt, picture=pic, cluster_names=names, filters=filters)


def view_tables(
    corpus: Corpus, G: nx.Graph, *, color_by: str = "cluster", pic: Picture | None = None
) -> tuple[bytes, bytes]:
    """``(nodes.csv, edges.csv)`` of a view's graph (`citegraph.export.export_csv_tables`)
    with the picture's columns, drawn as in `view_file`.

    Examples
    --------
    >>> from citegraph.model import Corpus
    >>> G = build_view(Corpus.empty(), "citation")
    >>> view_tables(Corpus.empty(), G)[1].splitlines()
    [b'source,target']
    """
    if pic is None:
        pic = view_picture(corpus, G, color_by=color_by)
    return export_csv_tables(G, picture=pic, cluster_names=cluster_labels(corpus, G))


#: The graph formats `view_file` writes (`citegraph.export.FORMATS`).
_FILE_FORMATS = ("gexf", "graphml", "cyjs", "json", "csv", "html", "vosviewer")


def view_positions(G: nx.Graph) -> dict[str, tuple[float, float]] | None:
    """Fixed positions a view is drawn at, for graph files that carry them (GEXF ``viz``,
    VOSviewer ``x``/``y``): the timeline's year-and-lane places; None for the other views
    (their layout is computed when drawn).
    >>> c = Corpus.from_rows(works=[{"id": "a", "year": 2020}, {"id": "b", "year": 2021}])
    >>> pos = view_positions(build_view(c, "timeline"))
    >>> pos["a"][0] < pos["b"][0], view_positions(build_view(c, "citation"))
    (True, None)
    """
    return timeline_positions(G) if G.graph.get("view") == "timeline" else None


def _timeline_axis_script(G: nx.Graph) -> str:
    """Years across the top and lane numbers down the left, drawn on the canvas under the
    graph (so they pan and zoom with it). The data are numbers from `timeline_axis`, never
    text from a source, and are JSON-encoded with ``<`` escaped all the same."""
    axis = json.dumps(timeline_axis(G)).replace("<", "\\u003c")
    return (
        "<script>(function () {\n"
        f"  var axis = {axis};\n"
        "  network.on('beforeDrawing', function (ctx) {\n"
        "    ctx.save(); ctx.font = 'bold 30px sans-serif'; ctx.fillStyle = '#666';\n"
        "    ctx.strokeStyle = 'rgba(0,0,0,0.08)'; ctx.lineWidth = 2; ctx.textAlign = 'center';\n"
        "    axis.years.forEach(function (t) { ctx.beginPath(); ctx.moveTo(t[0], axis.top);\n"
        "      ctx.lineTo(t[0], axis.bottom); ctx.stroke();\n"
        "      ctx.fillText(String(t[1]), t[0], axis.top - 10); });\n"
        "    ctx.textAlign = 'right';\n"
        "    axis.lanes.forEach(function (l) {\n"
        "      ctx.fillText(l[1] ? 'cluster ' + l[1] : 'other', axis.left, l[0]); });\n"
        "    ctx.restore(); });\n"
        "  network.redraw();\n"
        "})();</script>"
    )


def view_notes(G: nx.Graph) -> list[str]:
    """What a view left out on purpose, in words for the user (empty when nothing)."""
    notes = []
    dropped = int(G.graph.get("dropped_edges", 0) or 0)
    if dropped:
        notes.append(
            f"{dropped} weaker similarity edges are not drawn (only the {MAX_SIMILARITY_EDGES:,} "
            "heaviest are kept); raise the minimum weight to see a sparser network."
        )
    skipped = G.graph.get("skipped_works")
    if skipped:
        count = len(str(skipped).split("; "))
        notes.append(
            f"{count} work(s) with more than {MAX_AUTHORS_PER_WORK} authors add no co-author "
            "edges (consortium papers would link everyone to everyone); their authors are "
            "still listed."
        )
    return notes


def build_filtered_view(corpus: Corpus, options: PageOptions) -> tuple[Corpus, nx.Graph]:
    """The filtered corpus and the view's graph for ``options``: the one path by which the page,
    its downloads and the command line turn a corpus into what is shown and written.

    Examples
    --------
    >>> from citegraph.model import Corpus
    >>> c = Corpus.from_rows(works=[{"id": "a", "year": 2020}, {"id": "b", "year": 2024}])
    >>> filtered, G = build_filtered_view(c, PageOptions(view="citation", year_from=2021))
    >>> list(filtered.works["id"]), list(G)
    (['b'], ['b'])
    """
    filtered = options.filter(corpus)
    G = build_view(filtered, options.view, options.view_options, unfiltered=corpus)
    return filtered, G


#: What a download holds (`file_bytes`): the graph in a graph format, the drawing, one of the
#: CSV tables, or the works in a bibliography format.
FILE_KINDS = ("graph", "html", "nodes", "edges", "works")


def file_bytes(
    filtered: Corpus,
    G: nx.Graph,
    what: str,
    fmt: str,
    *,
    color_by: str = "cluster",
    filters: dict | None = None,
    pic: Picture | None = None,
) -> bytes:
    """The bytes of one download: ``what`` (one of `FILE_KINDS`) of the view's graph ``G`` built
    from ``filtered``, in format ``fmt`` (a graph format for ``"graph"``, a bibliography format
    for ``"works"``; ignored otherwise), drawn from ``pic`` (default: `view_picture` with
    ``color_by``) with ``filters`` in graph files' headers. The page's buttons and the command
    line both write through here, so the same options give the same bytes.

    Examples
    --------
    >>> from citegraph.model import Corpus
    >>> filtered, G = build_filtered_view(Corpus.empty(), PageOptions())
    >>> file_bytes(filtered, G, "nodes", "csv").splitlines()[0][:2]
    b'id'
    """
    check_option(what, FILE_KINDS, what="kind of download")
    if what == "works":
        return export_works(filtered, fmt)
    if what in ("graph", "html"):
        fmt = "html" if what == "html" else fmt
        return view_file(filtered, G, fmt, color_by=color_by, filters=filters, pic=pic)
    nodes, edges = view_tables(filtered, G, color_by=color_by, pic=pic)
    return nodes if what == "nodes" else edges
