"""The graphs a user can look at, built the same way for the page, the CLI and the downloads.

A *view* is a name (``citation``, ``similarity``, ``coauthor``, ``timeline``) plus the recipe that
turns a (filtered) corpus into a graph with clusters and ranks assigned, so that what is on screen
and what is downloaded are the same graph. The timeline is the citation network drawn with year
across and clusters as lanes (`citegraph.layout.timeline_positions`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import networkx as nx

from citegraph import check_option
from citegraph.analysis import (
    assign_clusters,
    author_clusters,
    cluster_table,
    merge_small_clusters,
)
from citegraph.graphs import (
    MAX_AUTHORS_PER_WORK,
    build_citation_graph,
    build_coauthor_graph,
    build_similarity_graph,
)
from citegraph.layout import timeline_axis, timeline_positions
from citegraph.model import Corpus
from citegraph.ranking import RANK_ATTRIBUTES, RANKS, assign_ranks
from citegraph.render import render_html

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

    cluster_method: str = "louvain"
    resolution: float = 1.0
    seed: int = 42
    #: Similarity view: pairs whose summed evidence is below this are left out.
    min_weight: float = 1.0
    #: What node size follows: one of `citegraph.ranking.RANKS`.
    rank: str = "citations"

    def __post_init__(self) -> None:
        check_option(self.rank, RANKS, what="rank")


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


def view_html(corpus: Corpus, G: nx.Graph, *, color_by: str = "cluster") -> str:
    """The interactive page of a view's graph, coloured by ``color_by`` (the legend names the
    clusters when colouring by cluster), node size following the view's rank
    (``G.graph["rank"]``, see `ViewOptions.rank`); the timeline view is drawn at
    `citegraph.layout.timeline_positions`.

    For a graph built by `build_view`, ``color_by`` must be one of ``COLOR_OPTIONS[view]``
    (else `citegraph.OptionError`); any node attribute is accepted for other graphs.

    Examples
    --------
    >>> from citegraph.model import Corpus
    >>> G = build_view(Corpus.empty(), "coauthor")
    >>> view_html(Corpus.empty(), G, color_by="journal")
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
    rank = G.graph.get("rank")
    size_by = RANK_ATTRIBUTES.get(rank) if rank else None
    if view == "timeline":  # positions fixed: physics would pull the years apart
        page = render_html(G, color_by=color_by, legend_labels=labels, size_by=size_by,
                           positions=view_positions(G), physics_threshold=0)  # fmt: skip
        return page.replace("</body>", _timeline_axis_script(G) + "\n</body>", 1)
    return render_html(G, color_by=color_by, legend_labels=labels, size_by=size_by)


def view_positions(G: nx.Graph) -> dict[str, tuple[float, float]] | None:
    """Fixed positions a view is drawn at, for graph files that carry them (GEXF ``viz``,
    VOSviewer ``x``/``y``): the timeline's year-and-lane places; None for the other views
    (their layout is computed when drawn).

    Examples
    --------
    >>> from citegraph.model import Corpus
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
