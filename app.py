"""Citegraph: the Streamlit page. Widgets, layout and cached loaders only; logic is in citegraph/.

`main` reads as the page's table of contents; each ``_render_*`` function places one part of it.
``st.session_state`` holds what this browser session chose or fetched (the corpus on screen, its
key and origin, a running collector) and one-shot messages; everything shown is computed by the
library, through the cached loaders below.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import networkx as nx
import pandas as pd
import streamlit as st

from citegraph import CitegraphError, __version__
from citegraph.analysis import CLUSTER_METHODS, author_table, cluster_table, works_table
from citegraph.collect import Collector, FetchOptions, gap_counts, make_clients
from citegraph.export import export_csv_tables, export_graph, export_works
from citegraph.graph_component import HEIGHT, graph_spec, vis_spec
from citegraph.graphs import filter_corpus, journal_options, year_bounds
from citegraph.ids import ACCEPTED_FORMS, parse_seeds
from citegraph.model import Corpus
from citegraph.present import (
    VIEW_LABELS,
    Download,
    author_heading,
    cancelled_fetch,
    corpus_metrics,
    describe_corpus,
    downloads,
    downloads_caption,
    empty_graph_notice,
    graph_caption,
    md_text,
    missing_table,
    page_filters,
    parse_selection,
    provenance_table,
    selection_details,
    selection_param,
    work_card,
    work_urls,
    works_of_authors,
)
from citegraph.render import MAX_DRAWN_NODES, Picture, graph_data
from citegraph.snapshot import dumps_snapshot, load_snapshot, loads_snapshot
from citegraph.views import (
    COLOR_OPTIONS,
    VIEWS,
    ViewOptions,
    build_view,
    cluster_labels,
    view_html,
    view_notes,
    view_picture,
)

ROOT = Path(__file__).resolve().parent
BUNDLED = sorted((ROOT / "cache").glob("seed-*.json*"))
DEFAULT_SEED = "40603629"
DEFAULT_VIEW = "coauthor"
SOURCE_LABELS = {"pubmed": "PubMed", "icite": "iCite", "openalex": "OpenAlex"}
#: Browser tests set it: the drawing exposes its vis-network as window.__citegraphNetwork.
TEST_HOOKS = os.environ.get("CITEGRAPH_TEST_HOOKS") == "1"


# ---------------------------------------------------------------- cached loaders
@st.cache_resource(show_spinner=False)
def _snapshot_file(path: str, mtime: float) -> Corpus:
    return load_snapshot(path)


@st.cache_data(show_spinner="Building the graph…", max_entries=64)
def _graph(
    _corpus: Corpus, _unfiltered: Corpus, key: str, view: str, options: ViewOptions
) -> nx.Graph:
    return build_view(_corpus, view, options, unfiltered=_unfiltered)


@st.cache_data(show_spinner="Drawing the graph…", max_entries=32)
def _html(_corpus: Corpus, _G: nx.Graph, key: str, color_by: str) -> str:
    # Physics off, as in the page's drawing: the file shows the nodes where the screen does.
    return view_html(_corpus, _G, pic=replace(_picture(_corpus, _G, key, color_by), physics=False))


@st.cache_resource(show_spinner="Laying out the graph…", max_entries=32)
def _picture(_corpus: Corpus, _G: nx.Graph, key: str, color_by: str) -> Picture:
    # One picture per drawing, shared (read-only) by the page's graph and its HTML file.
    return view_picture(_corpus, _G, color_by=color_by)


@st.cache_data(show_spinner=False, max_entries=32)
def _graph_data(_corpus: Corpus, _G: nx.Graph, key: str, color_by: str, max_nodes: int) -> dict:
    return graph_data(_G, _picture(_corpus, _G, key, color_by), max_nodes=max_nodes)


@st.cache_data(show_spinner=False, max_entries=32)
def _cluster_names(_corpus: Corpus, _G: nx.Graph, key: str) -> dict[int, str]:
    return cluster_labels(_corpus, _G)


@st.cache_data(show_spinner=False, max_entries=128)
def _export(_G: nx.Graph, key: str, fmt: str) -> bytes:
    return export_graph(_G, fmt)


@st.cache_data(show_spinner=False, max_entries=32)
def _works_file(_corpus: Corpus, key: str, fmt: str) -> bytes:
    return export_works(_corpus, fmt)


@st.cache_data(show_spinner=False, max_entries=32)
def _csv_tables(_G: nx.Graph, key: str) -> tuple[bytes, bytes]:
    return export_csv_tables(_G)


@st.cache_data(show_spinner=False, max_entries=8)
def _snapshot_bytes(_corpus: Corpus, key: str) -> bytes:
    return dumps_snapshot(_corpus, compress=True)


@st.cache_resource(show_spinner=False)
def _components() -> tuple:
    """The graph's two v2 components (vis-network, and the drawing), registered once."""
    return tuple(
        st.components.v2.component(spec.name, html=spec.html, css=spec.css, js=spec.js)
        for spec in (vis_spec(), graph_spec())
    )


# ---------------------------------------------------------------- what is on screen
@dataclass(frozen=True)
class _Choice:
    """What the sidebar asks for: filters, the view and how to cluster and colour it."""

    filters: dict
    view: str
    options: ViewOptions
    color_by: str


@dataclass(frozen=True)
class _Screen:
    """The corpus on screen, filtered, and the graphs built from it (keys name them in caches)."""

    corpus: Corpus
    filtered: Corpus
    fkey: str
    view: str
    color_by: str
    coauthors: nx.Graph
    clusters: dict[str, int]
    G: nx.Graph
    gkey: str


# ---------------------------------------------------------------- page
def main() -> None:
    st.set_page_config(page_title="Citegraph", layout="wide")
    _render_header()
    _render_fetch_sidebar()
    _render_corpus_sidebar()
    if "collector" in st.session_state:
        _render_fetch()
    _render_messages()
    if "corpus" in st.session_state:
        _render_fetch_status(st.session_state.corpus)
    if "corpus" not in st.session_state:
        st.error("No snapshot could be loaded. Run `make snapshot` to rebuild the bundled one.")
        st.stop()
    corpus: Corpus = st.session_state.corpus
    choice = _render_filters_sidebar(corpus)
    _render_snapshot_download(corpus)
    _render_banner(corpus)
    _render_seeds(corpus)
    _render_missing(corpus)
    screen = _screen(corpus, choice)
    _render_metrics(screen)
    tab_graph, tab_works, tab_authors, tab_clusters, tab_dl = st.tabs(
        ["Graph", "Works", "Authors", "Clusters", "Downloads"]
    )
    with tab_graph:
        _render_graph_view(screen)
    with tab_works:
        _render_works_table(screen)
    with tab_authors:
        _render_authors_table(screen)
    with tab_clusters:
        _render_clusters_table(screen)
    with tab_dl:
        _render_downloads(screen)
    st.caption(f"Citegraph {__version__} · GPL-3.0-or-later · data: PubMed, NIH iCite, OpenAlex")


def _screen(corpus: Corpus, choice: _Choice) -> _Screen:
    filtered = filter_corpus(corpus, **choice.filters)
    fkey = f"{st.session_state.corpus_key}|{choice.filters}"
    # The co-author graph is always built: its clusters fill the Authors and Clusters tabs.
    coauthors = _graph(filtered, corpus, fkey, "coauthor", choice.options)
    G = coauthors
    if choice.view != "coauthor":
        G = _graph(filtered, corpus, fkey, choice.view, choice.options)
    return _Screen(
        corpus=corpus,
        filtered=filtered,
        fkey=fkey,
        view=choice.view,
        color_by=choice.color_by,
        coauthors=coauthors,
        clusters={n: d["cluster"] for n, d in coauthors.nodes(data=True)},
        G=G,
        gkey=f"{fkey}|{choice.view}|{choice.options}",
    )


# ---------------------------------------------------------------- sidebar
def _render_header() -> None:
    st.title("Citegraph")
    st.caption(
        "The literature around a paper: what it cites, what cites it, what is similar, "
        "who writes it."
    )


def _render_fetch_sidebar() -> None:
    st.sidebar.header("Seed")
    text = st.sidebar.text_area(
        "PMID, DOI, OpenAlex id, PMCID, URL or title (one per line)",
        st.query_params.get("seed", DEFAULT_SEED),
        height=68,
        help=f"Accepted: {ACCEPTED_FORMS}.",
        key="seed_text",
    )
    with st.sidebar.expander("Fetch options"):
        cols = st.columns(3)
        use = [
            n
            for i, n in enumerate(SOURCE_LABELS)
            if cols[i].checkbox(SOURCE_LABELS[n], value=True, key=f"src_{n}")
        ]
        depth = st.radio(
            "Depth",
            [1, 2],
            horizontal=True,
            key="depth",
            help="1: references, citing, similar and related works of the seed. "
            "2: also the works most connected to those.",
        )
        cap = st.number_input(
            "Max per kind",
            1,
            2000,
            100,
            step=25,
            key="cap",
            help="Cap on similar articles, citing works per source (newest first) and depth-2 works per kind.",
        )
    with st.sidebar.expander("Settings (keys stay in this browser session)"):
        keys = {
            "ncbi_api_key": st.text_input(
                "NCBI API key",
                type="password",
                key="ncbi_key",
                help="Raises PubMed's limit from 3 to 10 requests/s.",
            ),
            "openalex_api_key": st.text_input(
                "OpenAlex API key",
                type="password",
                key="oa_key",
                help="Free; needed for OpenAlex list calls since 2026-02.",
            ),
            "email": st.text_input(
                "Contact email",
                key="email",
                help="Sent to NCBI and in the User-Agent, as their terms ask.",
            ),
        }
    if st.sidebar.button("Fetch", type="primary", width="stretch"):
        try:
            seeds = parse_seeds(text)
            options = FetchOptions(depth=depth, max_per_kind=int(cap), sources=tuple(use))
        except CitegraphError as exc:
            st.session_state.fetch_error = str(exc)
            return
        st.query_params["seed"] = text.strip()  # a shareable link to this seed
        clients = make_clients(use, **{k: v or None for k, v in keys.items()})
        st.session_state.collector = Collector(seeds, clients, options)
        st.session_state.pop("fetch_error", None)


def _render_corpus_sidebar() -> None:
    st.sidebar.header("Corpus")
    choices = _snapshot_choices()
    if choices:
        choice = st.sidebar.selectbox(
            "Snapshot",
            list(choices),
            help="Offline snapshots shipped in cache/ (or CITEGRAPH_SNAPSHOT).",
        )
        if st.session_state.get("chosen_file") != choice:
            st.session_state.chosen_file = choice
            st.session_state.pop("load_error", None)
            if not _load_file(choice, choices[choice]) and "corpus" not in st.session_state:
                for label, path in choices.items():  # fall back to the first one that loads
                    if label != choice and _load_file(label, path):
                        break
    upload = st.sidebar.file_uploader(
        "Load snapshot",
        type=["json", "gz"],
        help="A snapshot saved by Citegraph (.json or .json.gz).",
    )
    if upload is not None:
        data = upload.getvalue()
        key = "upload:" + hashlib.sha256(data).hexdigest()[:16]
        if st.session_state.get("upload_key") != key:
            st.session_state.upload_key = key
            try:
                corpus = loads_snapshot(data, name=upload.name)
            except CitegraphError as exc:
                st.session_state.load_error = f"{exc} The current corpus is kept."
            else:
                st.session_state.pop("load_error", None)
                _set_corpus(corpus, key, f"loaded from uploaded snapshot {upload.name}")


def _render_filters_sidebar(corpus: Corpus) -> _Choice:
    st.sidebar.header("Filters")
    journals = st.sidebar.multiselect(
        "Journals", journal_options(corpus), placeholder="All journals"
    )
    bounds = year_bounds(corpus)
    years = None
    if bounds and bounds[0] < bounds[1]:
        years = st.sidebar.slider("Years", bounds[0], bounds[1], bounds)
    elif bounds:
        st.sidebar.caption(f"Years: all works are from {bounds[0]}.")
    st.sidebar.header("View")
    asked = st.query_params.get("view")
    view = st.sidebar.radio(
        "Network",
        list(VIEWS),
        format_func=VIEW_LABELS.get,
        horizontal=True,
        index=list(VIEWS).index(asked if asked in VIEWS else DEFAULT_VIEW),
        help="\n\n".join(VIEWS.values()),
        key="view",
    )
    st.query_params["view"] = view
    color_by = st.sidebar.selectbox(
        "Colour by", COLOR_OPTIONS[view], format_func=str.capitalize, key=f"color_{view}"
    )
    with st.sidebar.expander("Clustering"):
        method = st.selectbox("Method", list(CLUSTER_METHODS), format_func=str.capitalize)
        resolution = st.slider(
            "Resolution", 0.2, 3.0, 1.0, 0.1, help="Higher values give more, smaller clusters."
        )
    min_citations = st.sidebar.number_input(
        "Min. citations", 0, 100_000, 0, step=5,
        help="Keep works cited at least this often (OpenAlex/iCite counts); 0 keeps all, "
        "including works whose count is unknown.",
    )  # fmt: skip
    min_weight = 1.0
    if view == "similarity":
        min_weight = st.sidebar.slider(
            "Min. similarity weight", 1.0, 10.0, 1.0, 1.0,
            help="Weight = co-citations + shared references + PubMed similar + OpenAlex related. "
            "Raise it to keep only the strongest pairs.",
        )  # fmt: skip
    return _Choice(
        filters=page_filters(
            journals=journals, years=years, bounds=bounds, min_citations=min_citations
        ),
        view=view,
        options=ViewOptions(cluster_method=method, resolution=resolution, min_weight=min_weight),
        color_by=color_by,
    )


def _render_snapshot_download(corpus: Corpus) -> None:
    st.sidebar.download_button(
        "Save snapshot",
        _snapshot_bytes(corpus, st.session_state.corpus_key),
        file_name="citegraph-snapshot.json.gz",
        mime="application/gzip",
        on_click="ignore",
        width="stretch",
        help="The whole corpus (not only the filtered view), to reload later.",
    )


# ---------------------------------------------------------------- fetching and loading
def _render_fetch() -> None:
    """Run the collector kept in the session; after an interrupted run, resume or cancel.

    Any widget change while a fetch runs stops the script; only the Cancel button means
    "stop": other interruptions start the fetch again, which the HTTP cache makes cheap.
    """
    collector: Collector = st.session_state.collector
    if collector.state == "running" and st.session_state.pop("cancel_requested", False):
        corpus = collector.cancel()
        del st.session_state.collector
        keep, notice = cancelled_fetch(corpus, stage=collector.stage)
        if keep:
            _set_corpus(corpus, f"live:{uuid.uuid4().hex}", None)
        st.session_state.fetch_notice = notice
        return
    if collector.state == "running":  # interrupted by another widget: start again
        collector = collector.resume()
        st.session_state.collector = collector
    st.session_state.pop("cancel_requested", None)
    with st.status(
        "Fetching from " + ", ".join(SOURCE_LABELS[s] for s in collector.clients.enabled()) + "…",
        expanded=True,
    ) as status:
        bar = st.progress(0.0, text="starting")
        st.button("Cancel fetch", key="cancel_fetch", on_click=_request_cancel)

        def progress(stage: str, done: int, total: int) -> None:
            bar.progress(min(done / total, 1.0) if total else 0.0, text=f"{stage}: {done}/{total}")

        collector.progress = progress
        try:
            corpus = collector.run()
        except CitegraphError as exc:
            status.update(label="Fetch failed", state="error")
            st.session_state.fetch_error = f"{exc} The current corpus is kept."
            del st.session_state.collector
            return
        partial = " (some parts missing)" if collector.state == "partial" else ""
        status.update(
            label=f"Fetched {len(corpus.works)} works{partial}", state="complete", expanded=False
        )
    del st.session_state.collector
    _set_corpus(corpus, f"live:{uuid.uuid4().hex}", None)
    # Kept for "Fetch the missing parts": the same clients (keys, cache) and options.
    st.session_state.last_collector = collector


def _render_fetch_status(corpus: Corpus) -> None:
    """Say what a partial fetch lacks and offer to fetch it; count ids no service knew.

    The button resumes the crawl (`Collector.resume`): every answer already fetched comes from
    the HTTP cache, so only the missing parts cost requests. The corpus on screen stays until
    the new one arrives (a failed resume keeps it too).
    """
    manifest = corpus.manifest
    gaps = gap_counts(manifest)
    if manifest.get("state") != "partial":
        if manifest.get("origin") == "live" and gaps["not_found"]:
            st.caption(
                f"{gaps['not_found']} id(s) asked for were not known to one of the services "
                "(normal: not every service holds every work)."
            )
        return
    parts = [
        f"{gaps['works']} work record(s)" if gaps["works"] else "",
        f"{gaps['link_lists']} link list(s) (references, citing or similar works)"
        if gaps["link_lists"]
        else "",
        f"{gaps['seeds']} seed lookup(s)" if gaps["seeds"] else "",
    ]
    what = ", ".join(p for p in parts if p) or "some parts"
    st.warning(
        f"This fetch is partial: {what} could not be fetched, even when asked again (rate "
        "limits, server errors or timeouts; each is listed under *What is missing*). The works "
        "and links shown are complete as far as they go."
    )
    st.button("Fetch the missing parts", key="fetch_missing", on_click=_fetch_missing,
              args=(corpus,))  # fmt: skip


def _fetch_missing(corpus: Corpus) -> None:
    """Resume the crawl that made ``corpus`` (or, for a loaded snapshot, the same crawl again
    with the keys in Settings); answers already fetched come from the cache."""
    last: Collector | None = st.session_state.get("last_collector")
    manifest = corpus.manifest
    if last is not None and list(last.seed_ids) == list(manifest.get("seeds") or []):
        st.session_state.collector = last.resume()
        return
    sources = tuple(s for s in manifest.get("sources") or () if s in SOURCE_LABELS)
    keys = {"ncbi_api_key": "ncbi_key", "openalex_api_key": "oa_key", "email": "email"}
    try:
        options = FetchOptions(
            depth=int(manifest.get("depth") or 1),
            max_per_kind=int((manifest.get("caps") or {}).get("max_per_kind") or 100),
            sources=sources,
        )
        clients = make_clients(
            sources, **{k: st.session_state.get(w) or None for k, w in keys.items()}
        )
    except CitegraphError as exc:
        st.session_state.fetch_error = f"{exc} The current corpus is kept."
        return
    st.session_state.collector = Collector(list(manifest.get("seeds") or []), clients, options)


def _request_cancel() -> None:
    st.session_state.cancel_requested = True


def _set_corpus(corpus: Corpus, key: str, label: str | None) -> None:
    """Make ``corpus`` the one on screen; ``label`` says where it was loaded from (None: fetched
    in this session)."""
    st.session_state.corpus = corpus
    st.session_state.corpus_key = key
    st.session_state.corpus_label = label
    st.session_state.pop("fetch_notice", None)


def _snapshot_choices() -> dict[str, Path]:
    """Bundled snapshots, plus the file named by CITEGRAPH_SNAPSHOT (listed first) if set."""
    choices = {}
    extra = os.environ.get("CITEGRAPH_SNAPSHOT")
    if extra:
        choices[f"{Path(extra).name} (CITEGRAPH_SNAPSHOT)"] = Path(extra)
    choices.update({p.name: p for p in BUNDLED})
    return choices


def _load_file(label: str, path: Path) -> bool:
    try:
        corpus = _snapshot_file(str(path), path.stat().st_mtime if path.exists() else 0.0)
    except CitegraphError as exc:
        kept = " The current corpus is kept." if "corpus" in st.session_state else ""
        st.session_state.load_error = f"{exc}{kept}"
        return False
    _set_corpus(corpus, f"file:{path}:{path.stat().st_mtime}", f"loaded from snapshot {label}")
    return True


def _render_messages() -> None:
    # Messages quote ids and file names from the user or a snapshot: text, never markdown.
    for key in ("fetch_error", "load_error"):  # shown once, on the run that caused them
        if key in st.session_state:
            st.error(md_text(st.session_state.pop(key)))
    if "fetch_notice" in st.session_state:
        st.warning(md_text(st.session_state.fetch_notice))


# ---------------------------------------------------------------- main area
def _render_banner(corpus: Corpus) -> None:
    banner = describe_corpus(corpus, origin_label=st.session_state.corpus_label)
    getattr(st, banner.level)(banner.text)


def _render_seeds(corpus: Corpus) -> None:
    for seed in corpus.seed_ids():
        with st.container(border=True):
            st.markdown(work_card(corpus, seed))
            with st.expander("Where each field comes from"):
                st.dataframe(provenance_table(corpus, seed), hide_index=True, width="stretch")
                st.markdown(work_urls(corpus, seed))


def _render_missing(corpus: Corpus) -> None:
    table = missing_table(corpus)
    if len(table):
        with st.expander(f"What is missing ({len(table)})"):
            st.dataframe(table, hide_index=True, width="stretch")


def _render_metrics(screen: _Screen) -> None:
    for col, (label, value) in zip(
        st.columns(4), corpus_metrics(screen.filtered, screen.coauthors), strict=True
    ):
        col.metric(label, value)


def _render_graph_view(screen: _Screen) -> None:
    """The clickable graph and, beside it, what is selected in it (kept in the URL)."""
    st.caption(graph_caption(screen.G, screen.view))
    notice = empty_graph_notice(screen.filtered, screen.G, screen.view)
    if notice:
        st.info(notice)
        return
    for note in view_notes(screen.G):
        st.caption(note)
    total = screen.G.number_of_nodes()
    max_nodes = min(total, MAX_DRAWN_NODES)
    if total > 1000:
        max_nodes = int(st.number_input(
            "Nodes drawn", 100, total, max_nodes, step=500, key=f"max_nodes_{screen.view}",
            help="The largest nodes (seeds first) are drawn; a browser cannot usefully show "
            "many more than 5,000. Tables and downloads hold every node.",
        ))  # fmt: skip
    selection = parse_selection(st.query_params.get("select"))
    data = _graph_data(screen.filtered, screen.G, screen.gkey, screen.color_by, max_nodes)
    data = {**data, "selected": selection, "test_hook": TEST_HOOKS}
    key = f"graph_{screen.view}"
    col_graph, col_details = st.columns([3, 2])
    with col_graph:
        vis, graph = _components()
        vis(key="citegraph_vis", height=0)  # the same element every run: sent once
        graph(data=data, key=key, default={"selected": None}, height=HEIGHT + 2,
              on_selected_change=lambda: _on_graph_select(key))  # fmt: skip
    with col_details, st.container(height=HEIGHT + 2, border=False):
        _render_selection(screen, selection)


def _on_graph_select(key: str) -> None:
    """A click in the graph: the selection goes into the URL (restored when it is opened)."""
    value = st.session_state.get(key) or {}
    param = selection_param(value.get("selected"))
    if param:
        st.query_params["select"] = param
    elif "select" in st.query_params:
        del st.query_params["select"]


def _render_selection(screen: _Screen, selection: dict | None) -> None:
    details = None
    if selection is not None:
        names = _cluster_names(screen.filtered, screen.G, screen.gkey)
        details = selection_details(screen.filtered, screen.G, selection, cluster_names=names)
    if details is None:
        st.caption("Click a node, an edge or a cluster in the legend to see the papers behind it.")
        return
    st.markdown(details.heading)
    for paragraph in details.paragraphs:
        st.markdown(paragraph)
    for caption, table in details.tables:
        st.markdown(f"**{caption}**")
        if len(table):
            st.dataframe(table, hide_index=True, width="stretch")


def _render_works_table(screen: _Screen) -> None:
    st.dataframe(works_table(screen.filtered), hide_index=True, width="stretch")


def _render_authors_table(screen: _Screen) -> None:
    authors = author_table(screen.filtered, screen.clusters)
    person = _picked_row(authors, key=f"author_pick|{screen.gkey}")
    if person is None:
        st.caption("Select an author row to see their papers.")
        return
    st.subheader(author_heading(person["name"], person["works"]))
    st.dataframe(
        works_of_authors(screen.filtered, [person["id"]]), hide_index=True, width="stretch"
    )


def _render_clusters_table(screen: _Screen) -> None:
    table = cluster_table(screen.filtered, screen.coauthors, screen.clusters)
    if table.empty:
        st.info("No authors in the filtered corpus, so no clusters.")
        return
    # The selection belongs to this table: a new corpus, filter or clustering resets it.
    row = _picked_row(table, key=f"cluster_pick|{screen.gkey}")
    if row is None:
        st.caption("Select a cluster row to see its authors and papers.")
        return
    cid = int(row["cluster"])
    members = [n for n, c in screen.clusters.items() if c == cid]
    st.subheader(f"Cluster {cid}: {len(members)} authors")
    authors = author_table(screen.filtered, screen.clusters)
    st.dataframe(authors[authors["cluster"] == cid], hide_index=True, width="stretch")
    st.dataframe(works_of_authors(screen.filtered, members), hide_index=True, width="stretch")


def _picked_row(table: pd.DataFrame, *, key: str) -> pd.Series | None:
    """Show ``table`` with single-row selection; the selected row, or None."""
    picked = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun",
                          selection_mode="single-row", key=key)  # fmt: skip
    rows = [r for r in (picked.selection.rows if picked else []) if r < len(table)]
    return table.iloc[rows[0]] if rows else None


def _render_downloads(screen: _Screen) -> None:
    st.caption(downloads_caption(screen.view))
    cols = st.columns(4)
    for i, item in enumerate(downloads(screen.view)):
        cols[i % 4].download_button(
            item.label,
            _download_bytes(screen, item),
            file_name=item.file_name,
            mime=item.mime,
            on_click="ignore",
            key=f"dl-{item.file_name}",
            width="stretch",
        )


def _download_bytes(screen: _Screen, item: Download) -> bytes:
    if item.what == "graph":
        return _export(screen.G, screen.gkey, item.fmt)
    if item.what == "html":  # the page exactly as drawn above
        return _html(screen.filtered, screen.G, screen.gkey, screen.color_by).encode()
    if item.what in ("nodes", "edges"):
        nodes, edges = _csv_tables(screen.G, screen.gkey)
        return nodes if item.what == "nodes" else edges
    return _works_file(screen.filtered, screen.fkey, item.fmt)


if __name__ == "__main__":
    main()
