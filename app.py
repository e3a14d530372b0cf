"""Citegraph: the Streamlit page. Widgets, layout and cached loaders only; logic is in citegraph/.

`main` reads as the page's table of contents; each ``_render_*`` function places one part of it.
``st.session_state`` holds what this browser session chose or fetched (the corpus on screen, its
key and origin, a running collector) and one-shot messages; everything shown is computed by the
library, through the cached loaders below.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import networkx as nx
import pandas as pd
import streamlit as st

from citegraph import CitegraphError, OptionError, __version__
from citegraph.analysis import (
    CLUSTER_METHODS,
    author_table,
    cluster_table,
    ranked_works_table,
    top_journals,
    works_per_year,
)
from citegraph.collect import Collector, gap_counts
from citegraph.graph_component import HEIGHT, graph_spec, vis_spec
from citegraph.graphs import journal_ids, journal_labels, year_bounds
from citegraph.ids import ACCEPTED_FORMS
from citegraph.model import Corpus, text_or_empty
from citegraph.present import (
    CLUSTERS_CAPTION,
    DERIVATIVE_WORKS_CAPTION,
    PRIOR_WORKS_CAPTION,
    RANK_LABELS,
    RANKING_CAPTION,
    VIEW_LABELS,
    author_heading,
    cancelled_fetch,
    central_works,
    cli_command,
    cli_hint,
    corpus_metrics,
    describe_corpus,
    downloads,
    downloads_caption,
    empty_graph_notice,
    find_caption,
    find_choices,
    graph_caption,
    journal_chart,
    link_problems,
    md_text,
    missing_table,
    parse_selection,
    provenance_table,
    selection_details,
    selection_param,
    top_authors,
    work_card,
    work_urls,
    works_of_authors,
)
from citegraph.ranking import RANKS, derivative_works, prior_works
from citegraph.render import MAX_DRAWN_NODES, Picture
from citegraph.snapshot import dumps_snapshot, load_snapshot, loads_snapshot
from citegraph.startup import (
    MAX_PER_KIND,
    SNAPSHOT_SOURCE,
    SOURCES,
    AutoFetch,
    FetchRequest,
    Opening,
    auto_fetch_setting,
    check_snapshot_dir,
    opening_notice,
    plan_opening,
    seed_text,
)
from citegraph.views import (
    COLOR_OPTIONS,
    MIN_CITATIONS_RANGE,
    MIN_WEIGHT_RANGE,
    QUERY_KEYS,
    RESOLUTION_RANGE,
    VIEWS,
    PageOptions,
    ViewOptions,
    build_view,
    cluster_labels,
    file_bytes,
    view_graph_data,
    view_html,
    view_notes,
    view_picture,
)

ROOT = Path(__file__).resolve().parent
BUNDLED = sorted((ROOT / "cache").glob("seed-*.json*"))
#: How many fetched corpora the server keeps for links opened again, and for how long (the
#: HTTP cache's own expiry is days; this only saves rebuilding from it).
RECENT_MAX = 8
RECENT_SECONDS = 3600.0
#: Settings widgets (keys stay in the browser session) → `make_clients` arguments.
KEY_WIDGETS = {"ncbi_api_key": "ncbi_key", "openalex_api_key": "oa_key", "email": "email"}
#: Browser tests set it: the drawing exposes its vis-network as window.__citegraphNetwork.
TEST_HOOKS = os.environ.get("CITEGRAPH_TEST_HOOKS") == "1"


# ---------------------------------------------------------------- cached loaders
@st.cache_resource(show_spinner=False)
def _snapshot_file(path: str, mtime: float) -> Corpus:
    return load_snapshot(path)


@st.cache_resource(show_spinner=False)
def _recent_corpora() -> dict[FetchRequest, tuple[float, Corpus]]:
    """Corpora fetched in this server process, by request: a link opened again (by anyone)
    is shown at once instead of being rebuilt from the HTTP cache (parsing and merging take
    seconds). Corpora are frozen, so sessions can share them; `_recent_lock` guards the dict."""
    return {}


@st.cache_resource(show_spinner=False)
def _recent_lock() -> threading.Lock:
    return threading.Lock()  # in a cache: a lock made by the script would be new on every run


@st.cache_data(show_spinner="Building the graph…", max_entries=64)
def _graph(
    _corpus: Corpus, _unfiltered: Corpus, key: str, view: str, options: ViewOptions
) -> nx.Graph:
    return build_view(_corpus, view, options, unfiltered=_unfiltered)


@st.cache_data(show_spinner="Drawing the graph…", max_entries=32)
def _html(_corpus: Corpus, _G: nx.Graph, key: str, color_by: str) -> str:
    # The file shows the nodes where the screen does (the picture has physics off).
    return view_html(_corpus, _G, pic=_picture(_corpus, _G, key, color_by))


@st.cache_resource(show_spinner="Laying out the graph…", max_entries=32)
def _picture(_corpus: Corpus, _G: nx.Graph, key: str, color_by: str) -> Picture:
    # One picture per drawing, shared (read-only) by the page's graph and every file.
    return view_picture(_corpus, _G, color_by=color_by)


@st.cache_data(show_spinner=False, max_entries=32)
def _graph_data(_corpus: Corpus, _G: nx.Graph, key: str, color_by: str, max_nodes: int) -> dict:
    return view_graph_data(_G, _picture(_corpus, _G, key, color_by), max_nodes=max_nodes)


@st.cache_data(show_spinner=False, max_entries=32)
def _cluster_names(_corpus: Corpus, _G: nx.Graph, key: str) -> dict[int, str]:
    return cluster_labels(_corpus, _G)


@st.cache_resource(show_spinner=False, max_entries=16)
def _filtered(_corpus: Corpus, key: str, _options: PageOptions) -> Corpus:
    # One shared object per corpus and filters (no copy per run): its indexes stay built.
    return _options.filter(_corpus)


@st.cache_data(show_spinner="Ranking the works…", max_entries=16)
def _ranked_works(_corpus: Corpus, key: str) -> pd.DataFrame:
    return ranked_works_table(_corpus)


@st.cache_data(show_spinner="Ranking…", max_entries=16)
def _ranking(
    _corpus: Corpus, _coauthors: nx.Graph, key: str, rank: str
) -> tuple[pd.DataFrame, ...]:
    return (
        central_works(_corpus, rank=rank),
        top_authors(_corpus, _coauthors, rank=rank, top=10),
        prior_works(_corpus),
        derivative_works(_corpus),
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _found(_corpus: Corpus, key: str, query: str) -> dict[str, str]:
    return find_choices(_corpus, query)


@st.cache_data(show_spinner=False, max_entries=16)
def _clusters(_corpus: Corpus, _G: nx.Graph, key: str) -> pd.DataFrame:
    return cluster_table(_corpus, _G, {n: d["cluster"] for n, d in _G.nodes(data=True)})


@st.cache_resource(show_spinner=False)
def _components() -> tuple:
    """The graph's two v2 components (vis-network, and the drawing), registered once."""
    return tuple(
        st.components.v2.component(spec.name, html=spec.html, css=spec.css, js=spec.js)
        for spec in (vis_spec(), graph_spec())
    )


# ---------------------------------------------------------------- what is on screen
@dataclass(frozen=True)
class _Screen:
    """The corpus on screen, filtered, and the view's graph (keys name them in caches).

    The co-author graph (Authors and Clusters tabs) is the view's graph in the co-author view
    and is otherwise built only when first asked for, i.e. when one of those tabs is open.
    """

    corpus: Corpus
    filtered: Corpus
    fkey: str
    options: PageOptions
    G: nx.Graph
    gkey: str

    @property
    def view(self) -> str:
        return self.options.view

    @property
    def color_by(self) -> str:
        return self.options.color_by

    @functools.cached_property
    def coauthors(self) -> nx.Graph:
        if self.view == "coauthor":
            return self.G
        options = replace(self.options.view_options, min_weight=ViewOptions.min_weight)
        return _graph(self.filtered, self.corpus, self.fkey, "coauthor", options)

    @functools.cached_property
    def clusters(self) -> dict[str, int]:
        return {n: d["cluster"] for n, d in self.coauthors.nodes(data=True)}


# ---------------------------------------------------------------- page
def main() -> None:
    st.set_page_config(page_title="Citegraph", layout="wide")
    _render_header()
    _start_session()
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
    options = _render_filters_sidebar(corpus)
    _render_snapshot_download(corpus)
    _render_banner(corpus)
    _render_seeds(corpus)
    _render_missing(corpus)
    screen = _screen(corpus, options)
    _render_metrics(screen)
    _render_find(screen)
    # Tabs that know which one is open: only the open one is built (see `_open`).
    tab_graph, tab_works, tab_authors, tab_clusters, tab_rank, tab_time, tab_dl = st.tabs(
        ["Graph", "Works", "Authors", "Clusters", "Ranking", "Timeline", "Downloads"],
        key="tab",
        on_change="rerun",
    )
    with tab_graph:
        _render_graph_view(screen)
    with tab_works:
        if _open(tab_works):
            _render_works_table(screen)
    with tab_authors:
        if _open(tab_authors):
            _render_authors_table(screen)
    with tab_clusters:
        if _open(tab_clusters):
            _render_clusters_table(screen)
    with tab_rank:
        if _open(tab_rank):
            _render_ranking(screen)
    with tab_time:
        if _open(tab_time):
            _render_timeline_charts(screen)
    with tab_dl:
        if _open(tab_dl):
            _render_downloads(screen)
    st.caption(f"Citegraph {__version__} · GPL-3.0-or-later · data: PubMed, NIH iCite, OpenAlex")


def _screen(corpus: Corpus, options: PageOptions) -> _Screen:
    """Filter and build the view's graph only (the path of `citegraph.views.build_filtered_view`,
    through the caches)."""
    only_filters = PageOptions(journals=options.journals, year_from=options.year_from,
                               year_to=options.year_to, min_citations=options.min_citations)  # fmt: skip
    fkey = f"{st.session_state.corpus_key}|{only_filters.to_query()}"
    filtered = _filtered(corpus, fkey, only_filters)
    view_options = options.view_options
    G = _graph(filtered, corpus, fkey, options.view, view_options)
    return _Screen(corpus=corpus, filtered=filtered, fkey=fkey, options=options, G=G,
                   gkey=f"{fkey}|{options.view}|{view_options}")  # fmt: skip


def _open(tab: object) -> bool:
    """Whether a tab's content runs now: when it is the open tab (or the tabs do not say).

    Only the open tab is built and sent: the works table, charts, downloads and the co-author
    graph's tables cost the browser time on every run even when hidden (first paint of a
    1,000-work page 6.4 → 5.4 s, its bytes 0.98 → 0.76 MiB; benchmarks/RESULTS.md, P2)."""
    return getattr(tab, "open", None) is not False



# ---------------------------------------------------------------- sidebar
def _render_header() -> None:
    st.title("Citegraph")
    st.caption(
        "The literature around a paper: what it cites, what cites it, what is similar, "
        "who writes it."
    )


def _start_session() -> None:
    """On a session's first run, open on the URL's (or the default) seed's neighbourhood.

    From the HTTP cache when it holds it; else fetched with the progress display when a quick
    probe reaches a service; else the bundled snapshot, with a notice saying why. The fetch
    widgets start from the link's request, and the seed box names what is actually loaded.
    """
    if "opened" in st.session_state:
        return
    st.session_state.opened = True
    # The fallback first: what stays on screen if the fetch below is cancelled or fails.
    choices = _snapshot_choices()
    if choices:
        _choose_file(next(iter(choices)), choices)
    asked = "seed" in st.query_params
    try:
        request = FetchRequest.from_query(st.query_params.to_dict())
    except OptionError as exc:
        st.session_state.fetch_error = f"{exc} The page opened with the default fetch options."
        request = FetchRequest(seeds=st.query_params.get("seed") or FetchRequest().seeds)
    _show_request(request)
    try:
        auto = auto_fetch_setting()
    except OptionError as exc:
        st.session_state.fetch_error = f"{exc} Auto-fetch is off until it is fixed."
        auto = AutoFetch(False, "environment")
    st.session_state.auto_fetch_setting = auto
    st.session_state.auto_fetch = auto.enabled and st.query_params.get("autofetch") != "off"
    with _recent_lock():
        recent = _recent_corpora().get(request)
    if st.session_state.auto_fetch and recent and time.time() - recent[0] < RECENT_SECONDS:
        _set_corpus(recent[1], f"live:{uuid.uuid4().hex}", "opened from the local cache")
        _opened_fetched(request)
        return
    try:
        with st.spinner("Looking for the seed's neighbourhood: the local cache, then the network…"):
            opening = plan_opening(
                request,
                auto=st.session_state.auto_fetch,
                why_not=auto.describe() if not auto.enabled else "auto-fetch is off in this link",
                retries=0,
            )
    except CitegraphError as exc:  # seeds that do not parse, a folder that is no snapshot
        st.session_state.fetch_error = str(exc)
        opening = Opening("bundled", why="the link's fetch options are not usable")
    if opening.action == "fetch":
        try:
            st.session_state.collector = request.collector()
        except CitegraphError as exc:
            st.session_state.fetch_error = str(exc)
        else:
            st.session_state.fetch_request = request
            _render_fetch()
            if st.session_state.get("corpus_label") is None and "corpus" in st.session_state:
                _opened_fetched(request)
                return
        opening = Opening("bundled", why="the fetch did not succeed, see the message above")
    if opening.corpus is not None:  # from the cache: complete, or all there is offline
        if opening.action == "cached":
            _remember(request, opening.corpus)
        _set_corpus(opening.corpus, f"live:{uuid.uuid4().hex}", "opened from the local cache")
        _opened_fetched(request)
        if opening.notice:
            st.session_state.opening_notice = opening.notice
        return
    # Say why unless nothing was asked for: no seed in the link, and auto-fetch off.
    _open_bundled(request, opening.why if asked or st.session_state.auto_fetch else None)


def _remember(request: FetchRequest, corpus: Corpus) -> None:
    """Keep a complete corpus for `_recent_corpora` (the newest few only)."""
    recent = _recent_corpora()
    with _recent_lock():
        recent.pop(request, None)
        recent[request] = (time.time(), corpus)
        while len(recent) > RECENT_MAX:
            recent.pop(next(iter(recent)), None)


def _show_request(request: FetchRequest) -> None:
    """Start the fetch widgets from ``request`` (before they are drawn in this run)."""
    st.session_state.seed_text = request.seeds
    st.session_state.depth = request.depth
    st.session_state.cap = request.max_per_kind
    for name in SOURCES:
        st.session_state[f"src_{name}"] = name in request.sources
    st.session_state.snapshot_dir = request.snapshot_dir


def _opened_fetched(request: FetchRequest) -> None:
    """A fetched corpus is on screen: the snapshot list must not replace it, the URL names it."""
    st.session_state.chosen_file = _default_snapshot_label()
    _write_fetch_query(request)


def _open_bundled(request: FetchRequest, why: str | None) -> None:
    """Stay on the snapshot `_start_session` loaded first; with ``why``, say the link's seed
    is not it."""
    st.session_state.chosen_file = _default_snapshot_label()
    loaded = None
    if st.session_state.get("corpus_label") is not None and "corpus" in st.session_state:
        loaded = seed_text(st.session_state.corpus)
        st.session_state.seed_text = loaded
    if why is not None:
        st.session_state.opening_notice = opening_notice(request.seeds, why, loaded=loaded)
        st.session_state.linked_request = request


def _default_snapshot_label() -> str | None:
    return next(iter(_snapshot_choices()), None)


def _write_fetch_query(request: FetchRequest) -> None:
    """Put ``request`` in the URL (only its own keys: view, filters and selection stay)."""
    for key, value in request.to_query().items():
        if value is None:
            st.query_params.pop(key, None)
        elif st.query_params.get(key) != value:
            st.query_params[key] = value


def _loaded_from_file() -> None:
    """The user loaded a snapshot file: the link and the seed box name its seed (a link cannot
    carry the file; it fetches the same seed). Rerun, since the box is drawn already."""
    corpus: Corpus | None = st.session_state.get("corpus")
    if corpus is None or st.session_state.get("corpus_key", "").startswith("live:"):
        return  # the file did not load: the corpus on screen and its link stay
    try:
        request = FetchRequest.from_manifest(corpus.manifest)
    except CitegraphError:
        request = FetchRequest(seeds=seed_text(corpus) or FetchRequest().seeds)
    _write_fetch_query(request)
    st.session_state.seed_box_pending = request.seeds
    st.rerun()


def _render_fetch_sidebar() -> None:
    if "seed_box_pending" in st.session_state:  # set after the box was drawn: apply it now
        st.session_state.seed_text = st.session_state.pop("seed_box_pending")
    st.sidebar.header("Seed")
    text = st.sidebar.text_area(
        "PMID, DOI, OpenAlex id, PMCID, URL or title (one per line)",
        height=68,
        help=f"Accepted: {ACCEPTED_FORMS}.",
        key="seed_text",
    )
    with st.sidebar.expander("Fetch options"):
        st.caption("Sources")
        use = [n for n in SOURCES if st.checkbox(SOURCES[n], key=f"src_{n}", help=_SOURCE_HELP[n])]
        # Always drawn (disabled when unused), so the folder is kept while the source is off.
        folder = st.text_input(
            "OpenAlex snapshot folder",
            key="snapshot_dir",
            placeholder="/data/openalex",
            disabled=SNAPSHOT_SOURCE not in use,
            help="The folder holding the snapshot's data/works (gzip JSON Lines), or the "
            "Parquet converted from it; read locally with DuckDB (no key, no rate limit).",
        )
        if SNAPSHOT_SOURCE in use:
            try:
                check_snapshot_dir(folder)
            except CitegraphError as exc:
                st.error(md_text(str(exc)))
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
            MAX_PER_KIND,
            step=25,
            key="cap",
            help="Cap on similar articles, citing works per source (newest first) and depth-2 works per kind.",
        )
        setting: AutoFetch = st.session_state.get("auto_fetch_setting", AutoFetch())
        st.toggle(
            "Fetch on open",
            key="auto_fetch",
            on_change=_auto_fetch_changed,
            disabled=not setting.enabled,
            help="Open the page on the seed's neighbourhood: from the local cache, else "
            "fetched when the network answers within a second, else the bundled snapshot. "
            f"Off: open on the bundled snapshot (kept in the link as autofetch=off). Now: "
            f"{setting.describe()}.",
        )
    with st.sidebar.expander("Settings (keys stay in this browser session)"):
        st.text_input(
            "NCBI API key",
            type="password",
            key="ncbi_key",
            help="Raises PubMed's limit from 3 to 10 requests/s.",
        )
        st.text_input(
            "OpenAlex API key",
            type="password",
            key="oa_key",
            help="Free; needed for OpenAlex list calls since 2026-02.",
        )
        st.text_input(
            "Contact email",
            key="email",
            help="Sent to NCBI and in the User-Agent, as their terms ask.",
        )
    if st.sidebar.button("Fetch", type="primary", width="stretch"):
        try:
            request = FetchRequest(text, int(depth), int(cap), tuple(use), folder)
            if SNAPSHOT_SOURCE in use:
                check_snapshot_dir(folder)
            collector = request.collector(**_client_keys())
        except CitegraphError as exc:
            st.session_state.fetch_error = str(exc)
            return
        st.session_state.collector = collector
        st.session_state.fetch_request = request
        st.session_state.pop("fetch_error", None)
    _render_linked_request()


_SOURCE_HELP = {
    "pubmed": "NCBI E-utilities: records, references, PMC citations, similar articles.",
    "icite": "NIH iCite: fuller PubMed citation lists.",
    "openalex": "The OpenAlex API: DOIs, references, citing and related works.",
    "openalex-snapshot": "A local copy of the OpenAlex snapshot, read with DuckDB.",
}


def _client_keys() -> dict[str, str | None]:
    return {arg: st.session_state.get(widget) or None for arg, widget in KEY_WIDGETS.items()}


def _auto_fetch_changed() -> None:
    if st.session_state.auto_fetch:
        st.query_params.pop("autofetch", None)
    else:
        st.query_params["autofetch"] = "off"


def _render_linked_request() -> None:
    """While the seed the page was opened for is not what is shown, offer to fetch it."""
    request: FetchRequest | None = st.session_state.get("linked_request")
    if request is None or "opening_notice" not in st.session_state:
        return
    st.sidebar.button(  # a label is markdown, and the seed text comes from a link
        f"Fetch seed {md_text(' '.join(request.seeds.split())[:40])}",
        key="fetch_linked",
        on_click=_fetch_linked,
        args=(request,),
        width="stretch",
    )


def _fetch_linked(request: FetchRequest) -> None:
    try:
        collector = request.collector(**_client_keys())
    except CitegraphError as exc:
        st.session_state.fetch_error = str(exc)
        return
    _show_request(request)  # a callback runs before the widgets: the box may change
    st.session_state.collector = collector
    st.session_state.fetch_request = request


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
            _choose_file(choice, choices)
            _loaded_from_file()
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
                _loaded_from_file()


def _render_filters_sidebar(corpus: Corpus) -> PageOptions:
    """The filter and view widgets, defaulting to what the URL names; every option is written
    back to the URL (only the options' own keys), so a copied link reproduces the view.

    Widgets are keyed, so the URL sets them on a session's first run only; after that each
    keeps what the user chose. Values the URL gives that the page cannot use are said once
    (the URL is rewritten without them).
    """
    asked, problems = PageOptions.from_query(st.query_params)
    labels = journal_labels(corpus)  # journal id → the name listed
    found = journal_ids(corpus, asked.journals)
    unknown = [j for j, ids in found.items() if not ids]
    if unknown:
        problems.append(
            f"The link's journals={','.join(unknown)!r} was not used: no journal of this "
            "corpus has that id or name."
        )
    chosen = {i for ids in found.values() for i in ids} if not unknown else set()
    st.sidebar.header("Filters")
    picked = st.sidebar.multiselect(
        "Journals",
        list(labels.values()),
        default=[label for jid, label in labels.items() if jid in chosen],
        placeholder="All journals",
        key="opt_journals",
    )
    by_label = {label: jid for jid, label in labels.items()}
    bounds = year_bounds(corpus)
    year_from = year_to = None
    if bounds and bounds[0] < bounds[1]:
        low, high = bounds
        start = min(max(asked.year_from or low, low), high)
        end = max(min(asked.year_to or high, high), start)
        years = st.sidebar.slider("Years", low, high, (start, end), key="opt_years")
        # An end at the corpus's bound is no filter (as the URL and the CLI say it).
        year_from = years[0] if years[0] > low else None
        year_to = years[1] if years[1] < high else None
    elif bounds:
        st.sidebar.caption(f"Years: all works are from {bounds[0]}.")
    st.sidebar.header("View")
    view = st.sidebar.radio(
        "Network",
        list(VIEWS),
        format_func=VIEW_LABELS.get,
        horizontal=True,
        index=list(VIEWS).index(asked.view),
        help="\n\n".join(VIEWS.values()),
        key="view",
    )
    colours = COLOR_OPTIONS[view]
    color_by = st.sidebar.selectbox(
        "Colour by",
        colours,
        index=colours.index(asked.color_by) if asked.color_by in colours else 0,
        format_func=str.capitalize,
        key=f"color_{view}",
    )
    rank = st.sidebar.selectbox(
        "Node size", list(RANKS), format_func=RANK_LABELS.get, key="opt_rank",
        index=list(RANKS).index(asked.rank),
        help="What node size follows; the Works and Ranking tabs sort by the same ranks.",
    )  # fmt: skip
    with st.sidebar.expander("Clustering"):
        methods = list(CLUSTER_METHODS)
        method = st.selectbox(
            "Method",
            methods,
            index=methods.index(asked.cluster_method),
            format_func=str.capitalize,
            key="opt_method",
        )
        resolution = st.slider(
            "Resolution", *RESOLUTION_RANGE, asked.resolution, 0.1, key="opt_resolution",
            help="Higher values give more, smaller clusters.",
        )  # fmt: skip
    min_citations = st.sidebar.number_input(
        "Min. citations", *MIN_CITATIONS_RANGE, asked.min_citations, step=5, key="opt_min_citations",
        help="Keep works cited at least this often (OpenAlex/iCite counts); 0 keeps all, "
        "including works whose count is unknown.",
    )  # fmt: skip
    min_weight = asked.min_weight  # kept in the URL while another view is shown
    if view == "similarity":
        min_weight = st.sidebar.slider(
            "Min. similarity weight", *MIN_WEIGHT_RANGE, asked.min_weight, 1.0, key="opt_min_weight",
            help="Weight = co-citations + shared references + PubMed similar + OpenAlex related. "
            "Raise it to keep only the strongest pairs.",
        )  # fmt: skip
    options = PageOptions(
        view=view,
        journals=tuple(by_label[label] for label in picked if label in by_label),
        year_from=year_from,
        year_to=year_to,
        min_citations=int(min_citations),
        min_weight=min_weight,
        rank=rank,
        color_by=color_by,
        cluster_method=method,
        resolution=resolution,
    )
    if problems:
        st.sidebar.warning(md_text(link_problems(problems)))
    _write_options_query(options)
    return options


def _write_options_query(options: PageOptions) -> None:
    """Put the options in the URL: set the keys that changed, drop those now at their default;
    every other key (seed, fetch options, selection) stays as it is."""
    wanted = options.to_query()
    for key in QUERY_KEYS.values():
        if key in wanted:
            if st.query_params.get(key) != wanted[key]:
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]


def _render_snapshot_download(corpus: Corpus) -> None:
    st.sidebar.download_button(
        "Save snapshot",
        functools.partial(dumps_snapshot, corpus, compress=True),  # built when clicked
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
        "Fetching from " + ", ".join(SOURCES[s] for s in collector.clients.enabled()) + "…",
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
    if "fetch_request" in st.session_state:  # a shareable link to this corpus
        request = st.session_state.pop("fetch_request")
        _write_fetch_query(request)
        if collector.state == "done":
            _remember(request, corpus)


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
    try:
        request = FetchRequest.from_manifest(
            manifest, snapshot_dir=st.session_state.get("snapshot_dir") or ""
        )
        collector = request.collector(**_client_keys())
    except CitegraphError as exc:
        st.session_state.fetch_error = f"{exc} The current corpus is kept."
        return
    st.session_state.collector = collector


def _request_cancel() -> None:
    st.session_state.cancel_requested = True


def _set_corpus(corpus: Corpus, key: str, label: str | None) -> None:
    """Make ``corpus`` the one on screen; ``label`` says where it was loaded from (None: fetched
    in this session)."""
    st.session_state.corpus = corpus
    st.session_state.corpus_key = key
    st.session_state.corpus_label = label
    for key in ("fetch_notice", "opening_notice", "linked_request"):
        st.session_state.pop(key, None)


def _snapshot_choices() -> dict[str, Path]:
    """Bundled snapshots, plus the file named by CITEGRAPH_SNAPSHOT (listed first) if set."""
    choices = {}
    extra = os.environ.get("CITEGRAPH_SNAPSHOT")
    if extra:
        choices[f"{Path(extra).name} (CITEGRAPH_SNAPSHOT)"] = Path(extra)
    choices.update({p.name: p for p in BUNDLED})
    return choices


def _choose_file(choice: str, choices: dict[str, Path]) -> None:
    """Load the snapshot the list shows, else (with nothing on screen) the first that loads."""
    st.session_state.chosen_file = choice
    st.session_state.pop("load_error", None)
    if not _load_file(choice, choices[choice]) and "corpus" not in st.session_state:
        for label, path in choices.items():  # fall back to the first one that loads
            if label != choice and _load_file(label, path):
                break


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
    for key in ("fetch_notice", "opening_notice"):  # shown while their corpus is on screen
        if key in st.session_state:
            st.warning(md_text(st.session_state[key]))


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
        st.columns(4), corpus_metrics(screen.filtered, screen.G), strict=True
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


def _render_find(screen: _Screen) -> None:
    """A search over the works and authors on screen; the one picked is shown as a card (work)
    or with its works (author), and kept in ``st.session_state.found_node``."""
    query = st.text_input(
        "Find a work or author", key="find", placeholder="Part of a title, a name, a PMID or a DOI"
    )
    if not query.strip():
        st.session_state.pop("found_node", None)
        return
    choices = _found(screen.filtered, screen.fkey, query)
    st.caption(find_caption(query, len(choices)))
    if not choices:
        return
    node = st.selectbox("Matches", list(choices), format_func=choices.get, key="find_pick")
    if st.session_state.get("found_node") != node and node in screen.G:
        # A new pick is selected in the graph too (highlighted there, its details beside it).
        st.query_params["select"] = selection_param({"kind": "node", "id": node})
    st.session_state.found_node = node
    with st.container(border=True):
        if node in screen.filtered.works_by_id:
            st.markdown(work_card(screen.filtered, node))
        else:
            works = works_of_authors(screen.filtered, [node])
            name = text_or_empty(screen.filtered.authors_by_id[node]["name"], strip=True)
            st.markdown(author_heading(name or node, len(works)))
            st.dataframe(works, hide_index=True, width="stretch")


def _render_works_table(screen: _Screen) -> None:
    st.caption("Click a column header to sort: citations in this corpus, overall, PageRank…")
    st.dataframe(_ranked_works(screen.filtered, screen.fkey), hide_index=True, width="stretch")


def _render_ranking(screen: _Screen) -> None:
    rank = str(screen.G.graph.get("rank") or "citations")
    st.caption(RANKING_CAPTION)
    by = RANK_LABELS[rank].lower()
    works, authors, prior, derivative = _ranking(
        screen.filtered, screen.coauthors, f"{screen.gkey}|coauthors", rank
    )
    left, right = st.columns(2)
    with left:
        st.subheader("Most central works", help=f"By {by} (the Node size choice).")
        st.dataframe(works, hide_index=True, width="stretch")
    with right:
        st.subheader("Most central authors", help=f"By {by} (the Node size choice).")
        st.dataframe(authors, hide_index=True, width="stretch")
    st.subheader("Prior works")
    st.caption(PRIOR_WORKS_CAPTION)
    st.dataframe(prior, hide_index=True, width="stretch")
    st.subheader("Derivative works")
    st.caption(DERIVATIVE_WORKS_CAPTION)
    st.dataframe(derivative, hide_index=True, width="stretch")


def _render_timeline_charts(screen: _Screen) -> None:
    st.caption("Pick Timeline under Network for the citation network with year across.")
    per_year = works_per_year(screen.filtered)
    journals = top_journals(screen.filtered)
    left, right = st.columns(2)
    with left:
        st.subheader("Works per year")
        if per_year.empty:
            st.info("No work on screen has a year.")
        else:
            st.bar_chart(per_year, x="year", y="works", height=320)
    with right:
        st.subheader("Top journals")
        if journals.empty:
            st.info("No work on screen names its journal.")
        else:
            st.altair_chart(journal_chart(journals), width="stretch")


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
    if screen.view != "coauthor" and screen.G.number_of_nodes():
        st.subheader(f"Clusters of the {VIEW_LABELS[screen.view].lower()} network")
        st.caption(CLUSTERS_CAPTION)
        st.dataframe(_clusters(screen.filtered, screen.G, screen.gkey), hide_index=True,
                     width="stretch")  # fmt: skip
        st.subheader("Author clusters (co-author network)")
    table = _clusters(screen.filtered, screen.coauthors, f"{screen.gkey}|coauthors")
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
    """One button per file; each file is built only when its button is clicked (a callable as
    ``data``), through `citegraph.views.file_bytes`, as the CLI writes it."""
    st.caption(downloads_caption(screen.view))
    pic = _picture(screen.filtered, screen.G, screen.gkey, screen.color_by)  # as on screen
    cols = st.columns(4)
    for i, item in enumerate(downloads(screen.view)):
        cols[i % 4].download_button(
            item.label,
            functools.partial(
                file_bytes,
                screen.filtered,
                screen.G,
                item.what,
                item.fmt,
                color_by=screen.color_by,
                filters=screen.options.to_query(),
                pic=pic,
            ),  # fmt: skip
            file_name=item.file_name,
            mime=item.mime,
            on_click="ignore",
            key=f"dl-{item.file_name}",
            width="stretch",
        )
    st.caption(cli_hint())
    st.code(cli_command(screen.options), language="bash", wrap_lines=True)


if __name__ == "__main__":
    main()
