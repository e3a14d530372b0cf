"""The graphs a user can look at, built the same way for the page, the CLI and the downloads.

A *view* is a name (``citation``, ``similarity``, ``coauthor``) plus the recipe that turns a
(filtered) corpus into a graph with clusters assigned, so that what is on screen and what is
downloaded are the same graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from citegraph.analysis import assign_clusters, author_clusters
from citegraph.graphs import build_citation_graph, build_coauthor_graph, build_similarity_graph
from citegraph.model import Corpus

VIEWS = {
    "citation": "Citation network: works, arrows from citing to cited work",
    "similarity": "Similarity network: co-citation, bibliographic coupling, PubMed similar, OpenAlex related",
    "coauthor": "Co-author network: authors, edges weighted by shared works",
}


@dataclass(frozen=True)
class ViewOptions:
    """Options that change how a view's graph is built (part of the cache key on the page)."""

    cluster_method: str = "louvain"
    resolution: float = 1.0
    seed: int = 42
    #: Similarity view: pairs whose summed evidence is below this are left out.
    min_weight: float = 1.0


def build_view(corpus: Corpus, view: str, options: ViewOptions = ViewOptions()) -> nx.Graph:
    """Build the graph for ``view`` from ``corpus`` and assign a ``cluster`` to every node.

    Examples
    --------
    >>> from citegraph.model import Corpus
    >>> G = build_view(Corpus.empty(), "coauthor")
    >>> G.number_of_nodes()
    0
    """
    if view == "citation":
        G = build_citation_graph(corpus)
    elif view == "similarity":
        G = build_similarity_graph(corpus, min_weight=options.min_weight)
    elif view == "coauthor":
        G = build_coauthor_graph(corpus)
    else:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    clusters = author_clusters(
        G.to_undirected() if G.is_directed() else G,
        seed=options.seed,
        resolution=options.resolution,
        method=options.cluster_method,
    )
    assign_clusters(G, clusters)
    G.graph["view"] = view
    return G
