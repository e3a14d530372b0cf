"""The page's clickable graph: a Streamlit v2 (bidirectional) component around vis-network.

Two components make the drawing:

- ``citegraph_vis`` carries vis-network 9.1.2 (the copy pyvis vendors) and nothing else. Its
  element never changes, so Streamlit's message cache sends its 470 KB once per browser
  session and a reference on every later run; the browser imports it once (its blob URL is
  keyed by content) and it defines ``globalThis.vis``.
- ``citegraph_graph`` is a small module that draws `citegraph.render.graph_data` with it. Only
  that data changes from one run to the next; a run that changes only the selection keeps the
  drawing, its zoom and pan.

Clicking a node sets the component's state ``selected`` to ``{"kind": "node", "id": ...}``, an
edge to ``{"kind": "edge", "u": ..., "v": ...}``, a cluster in the legend to ``{"kind":
"cluster", "id": ...}``, the background to None. The selection is drawn highlighted (the rest
dimmed). Physics is off: nodes sit where `citegraph.render.picture` put them, the positions
the graph files carry, so a file opened in Gephi looks like the screen; nodes can still be
dragged, and the drawing zoomed and panned.

A v2 component runs in the page itself (no sandbox). So the HTML, CSS and JS below are
constants: text from a source reaches the browser only in ``data``, and the module puts it only
where it stays text: vis-network's canvas (labels), ``textContent`` (tooltips, legend, the
"showing N of M" line). No request leaves the page's own server.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from citegraph import CitegraphError

#: The drawing's height in pixels.
HEIGHT = 650

_VIS_NAME = "citegraph_vis"
_GRAPH_NAME = "citegraph_graph"

_CSS = """
.cg-wrap { position: relative; width: 100%; height: 650px; border: 1px solid #e6e6e6;
  border-radius: 4px; background: #fff; font: 12px sans-serif; color: #222; }
.cg-canvas { position: absolute; inset: 0; }
.cg-legend { position: absolute; top: 8px; right: 8px; z-index: 10; max-height: 60%;
  overflow: auto; background: rgba(255,255,255,0.92); border: 1px solid #ddd;
  border-radius: 4px; padding: 6px 8px; max-width: 40%; }
.cg-legend div { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.cg-legend .cg-pick { cursor: pointer; }
.cg-legend .cg-pick:hover { text-decoration: underline; }
.cg-legend .cg-on { font-weight: bold; }
.cg-dot { display: inline-block; width: 10px; height: 10px; border-radius: 5px;
  margin-right: 6px; vertical-align: -1px; }
.cg-status { position: absolute; left: 8px; bottom: 6px; z-index: 10; color: #555;
  background: rgba(255,255,255,0.85); padding: 1px 4px; border-radius: 3px; }
.vis-tooltip { position: absolute; visibility: hidden; padding: 5px; white-space: pre-line;
  max-width: 420px; overflow-wrap: anywhere; font: 13px sans-serif; color: #000;
  background: #f5f4ed; border: 1px solid #808074; border-radius: 3px;
  box-shadow: 3px 3px 10px rgba(0,0,0,.2); pointer-events: none; z-index: 20; }
"""

_HTML = (
    '<div class="cg-wrap"><div class="cg-canvas"></div><div class="cg-legend"></div>'
    '<div class="cg-status"></div></div>'
)

#: The drawing module. Data goes in only through ``data``; text only through ``textContent``,
#: vis-network's canvas labels and tooltip elements built here with ``textContent``.
_GRAPH_JS = r"""
const DIM = "#e4e4e4";
const SEED_BORDER = "#222222";
const drawings = new WeakMap();

function whenVis() {
  return new Promise((resolve) => {
    const look = () => (globalThis.vis && globalThis.vis.Network) ? resolve(globalThis.vis)
                                                                   : setTimeout(look, 15);
    look();
  });
}

function textBox(text) {
  const box = document.createElement("div");
  box.textContent = text;
  return box;
}

function nodeItem(data, i, dim) {
  const seed = data.seedSet.has(i);
  const color = dim ? DIM : data.palette[data.colors[i]];
  const item = {
    id: data.ids[i], label: data.labels[i], x: data.x[i], y: data.y[i],
    size: data.sizes[i], shape: seed ? "star" : "dot", borderWidth: seed ? 4 : 1,
    color: {background: color, border: seed && !dim ? SEED_BORDER : color,
            highlight: {background: color, border: "#000000"}},
    font: {color: dim ? "#bbbbbb" : "#343434"},
  };
  return item;
}

function build(vis, root, data, setStateValue) {
  data.seedSet = new Set(data.seeds);
  const canvas = root.querySelector(".cg-canvas");
  const nodes = new vis.DataSet(data.ids.map((_, i) => {
    const item = nodeItem(data, i, false);
    item.title = textBox(data.titles[i]);
    return item;
  }));
  const edges = new vis.DataSet(data.edges.map(([u, v], k) => {
    const e = {id: k, from: data.ids[u], to: data.ids[v]};
    if (data.widths.length) e.width = data.widths[k];
    if (data.edge_titles.length) e.title = textBox(data.edge_titles[k]);
    return e;
  }));
  const options = {
    nodes: {font: {size: 14}, scaling: {min: 6, max: 40}},
    edges: {color: {color: "#9aa5b1", highlight: "#333333", opacity: 0.7}, smooth: false,
            arrows: {to: {enabled: data.directed, scaleFactor: 0.5}}},
    interaction: {hover: true, tooltipDelay: 150, hideEdgesOnDrag: true,
                  hideEdgesOnZoom: data.ids.length > 2000},
    physics: {enabled: false},
    layout: {improvedLayout: false},
  };
  const network = new vis.Network(canvas, {nodes, edges}, options);
  if (data.axis) timelineAxis(network, data.axis);
  const drawing = {key: data.key, network, nodes, edges, data, selectedKey: null};
  network.on("click", (p) => {
    let sel = null;
    if (p.nodes.length) sel = {kind: "node", id: p.nodes[0]};
    else if (p.edges.length) {
      const e = edges.get(p.edges[0]);
      sel = {kind: "edge", u: e.from, v: e.to};
    }
    highlight(drawing, sel);
    setStateValue("selected", sel);
  });
  network.once("afterDrawing", () => {
    // The whole graph in view at first (the canvas may have had no size when vis-network
    // fitted it at construction); later zooming and panning are the reader's.
    network.fit({animation: false});
    drawing.drawn = true;
    root.dataset.drawn = data.key;
    root.dispatchEvent(new CustomEvent("citegraph-drawn", {bubbles: true, composed: true}));
  });
  legend(root, drawing, setStateValue);
  const status = root.querySelector(".cg-status");
  status.textContent = data.shown < data.total
    ? `showing ${data.shown} of ${data.total} nodes (the largest; raise "Nodes drawn" to see more)`
    : `${data.total} nodes`;
  if (data.test_hook) {
    window.__citegraphNetwork = network;
    window.__citegraphDrawing = drawing;
  }
  return drawing;
}

// The timeline's years across the top and cluster lanes down the left, drawn on the canvas
// under the graph (numbers only: `citegraph.layout.timeline_axis`).
function timelineAxis(network, axis) {
  network.on("beforeDrawing", (ctx) => {
    ctx.save(); ctx.font = "bold 30px sans-serif"; ctx.fillStyle = "#666";
    ctx.strokeStyle = "rgba(0,0,0,0.08)"; ctx.lineWidth = 2; ctx.textAlign = "center";
    for (const [x, year] of axis.years) {
      ctx.beginPath(); ctx.moveTo(x, axis.top); ctx.lineTo(x, axis.bottom); ctx.stroke();
      ctx.fillText(String(Number(year)), x, axis.top - 10);
    }
    ctx.textAlign = "right";
    for (const [y, lane] of axis.lanes) {
      ctx.fillText(lane ? "cluster " + Number(lane) : "other", axis.left, y);
    }
    ctx.restore();
  });
}

function legend(root, drawing, setStateValue) {
  const box = root.querySelector(".cg-legend");
  box.replaceChildren();
  const data = drawing.data;
  for (const item of data.legend) {
    const row = document.createElement("div");
    const dot = document.createElement("span");
    dot.className = "cg-dot";
    dot.style.background = item.color;  // a colour from our palette, never from a source
    row.appendChild(dot);
    row.appendChild(document.createTextNode(`${item.name} (${item.count})`));
    if (data.legend_by_cluster && item.value !== null) {
      row.className = "cg-pick";
      row.dataset.cluster = String(item.value);
      row.title = "Select this cluster";
      row.addEventListener("click", () => {
        const sel = {kind: "cluster", id: item.value};
        highlight(drawing, sel);
        setStateValue("selected", sel);
      });
    }
    box.appendChild(row);
  }
  if (data.seeds.length) box.appendChild(document.createTextNode("\u2605 seed"));
  box.style.display = box.childNodes.length ? "" : "none";
}

function members(drawing, sel) {
  const data = drawing.data;
  const on = new Set();
  if (!sel) return null;
  if (sel.kind === "node") {
    on.add(sel.id);
    for (const n of drawing.network.getConnectedNodes(sel.id)) on.add(n);
  } else if (sel.kind === "edge") {
    on.add(sel.u); on.add(sel.v);
  } else if (sel.kind === "cluster") {
    data.clusters.forEach((c, i) => { if (c === sel.id) on.add(data.ids[i]); });
  }
  return on;
}

function highlight(drawing, sel) {
  const key = JSON.stringify(sel || null);
  if (drawing.selectedKey === key) return;
  drawing.selectedKey = key;
  const data = drawing.data;
  const valid = sel && ((sel.kind === "node" && drawing.nodes.get(sel.id)) ||
    (sel.kind === "edge" && drawing.nodes.get(sel.u) && drawing.nodes.get(sel.v)) ||
    sel.kind === "cluster");
  const on = valid ? members(drawing, sel) : null;
  drawing.nodes.update(data.ids.map((id, i) => {
    const item = nodeItem(data, i, on !== null && !on.has(id));
    delete item.x; delete item.y;  // keep nodes where the reader dragged them
    return item;
  }));
  if (valid && sel.kind === "node") drawing.network.selectNodes([sel.id]);
  else if (valid && sel.kind === "edge") {
    const found = drawing.edges.get({filter: (e) =>
      (e.from === sel.u && e.to === sel.v) || (!data.directed && e.from === sel.v && e.to === sel.u)});
    drawing.network.setSelection({nodes: [], edges: found.map((e) => e.id)},
                                 {unselectAll: true, highlightEdges: false});
  } else drawing.network.unselectAll();
  for (const row of drawing.network.body.container.parentNode.querySelectorAll(".cg-pick")) {
    row.classList.toggle("cg-on", valid && sel.kind === "cluster" && row.dataset.cluster === String(sel.id));
  }
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const root = parentElement.querySelector(".cg-wrap");
  if (!root || !data) return;
  let live = true;
  whenVis().then((vis) => {
    if (!live) return;
    let drawing = drawings.get(root);
    if (!drawing || drawing.key !== data.key) {
      if (drawing) drawing.network.destroy();
      drawing = build(vis, root, data, setStateValue);
      drawings.set(root, drawing);
    }
    highlight(drawing, data.selected);
  });
  return () => { live = false; };
}
"""

_VIS_JS_TAIL = "\nexport default function () {}\n"


@cache
def _vis_source() -> str:
    """vis-network as pyvis vendors it (its UMD wrapper sets ``globalThis.vis``)."""
    import pyvis

    path = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2" / "vis-network.min.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CitegraphError(
            f"vis-network was not found at {path}: reinstall pyvis (pip install -r "
            "requirements.txt), which ships it."
        ) from exc


@dataclass(frozen=True)
class ComponentSpec:
    """The arguments of ``st.components.v2.component`` for one component: constants only.

    Examples
    --------
    >>> spec = graph_spec()
    >>> spec.name, "vis.Network" in spec.js
    ('citegraph_graph', True)
    """

    name: str
    js: str
    html: str | None = None
    css: str | None = None


def vis_spec() -> ComponentSpec:
    """The component that only loads vis-network (mount it with ``height=0`` and no data).

    Examples
    --------
    >>> len(vis_spec().js) > 400_000
    True
    """
    return ComponentSpec(_VIS_NAME, js=_vis_source() + _VIS_JS_TAIL)


def graph_spec() -> ComponentSpec:
    """The component that draws `citegraph.render.graph_data` and reports the selection.

    Mount it with ``data=graph_data(...)``, ``default={"selected": None}`` and an
    ``on_selected_change`` callback; ``result.selected`` is then the reader's selection.

    Examples
    --------
    >>> "innerHTML" in graph_spec().js
    False
    """
    return ComponentSpec(_GRAPH_NAME, js=_GRAPH_JS, html=_HTML, css=_CSS)
