"""The import structure: every module imports only from lower layers, never sideways or up.

Each module of `citegraph` has a rank below; a module may import a citegraph module only when
that module's rank is strictly lower. Modules of equal rank are peers and never import each
other. Imports inside functions count too (a lazy import is still a dependency). A new module
must be added to the table, which makes its place in the layering a decision, not an accident.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

#: Low to high. Read as "may import anything with a smaller number".
RANKS = {
    "citegraph": 0,  # CitegraphError, the package's version
    "citegraph.model": 1,
    "citegraph.text": 1,
    "citegraph.names": 2,
    "citegraph.journals": 5.5,  # journal identity over records: a merge rule (merge.rules)
    "citegraph.affiliations": 2,
    "citegraph.ids": 3,
    "citegraph.http": 4,
    "citegraph.sources": 5,  # the errors every source raises
    "citegraph.sources.base": 6,  # the source contract and the shared client steps
    "citegraph.sources.pubmed": 7,
    "citegraph.sources.icite": 7,
    "citegraph.sources.openalex": 7,
    "citegraph.sources.facts": 7,
    "citegraph.sources.registry": 7.8,  # builds the API sources' clients
    # DuckDB over the snapshot; above openalex because it reuses its parser (same WorkRecords)
    "citegraph.sources.openalex_snapshot": 7.5,
    # Spark job: imports only CitegraphError, so the file ships to a cluster alone
    "citegraph.jobs": 1,
    "citegraph.jobs.spark_neighbourhoods": 1,
    "citegraph.merge.rules": 5,
    "citegraph.merge.works": 6,
    "citegraph.merge.authors": 6,
    "citegraph.merge": 7,
    "citegraph.snapshot": 8,
    "citegraph.collect": 8,
    "citegraph.startup": 8.5,  # what the page opens on: a request, the cache, a probe
    "citegraph.layout": 9,
    "citegraph.graphs": 9,
    "citegraph.topics": 9.5,  # c-TF-IDF cluster terms (analysis names clusters with them)
    "citegraph.ranking": 9.5,  # PageRank, prior/derivative works, find
    "citegraph.analysis": 10,
    "citegraph.render": 11,
    "citegraph.graph_component": 11.5,  # the page's clickable drawing of render.graph_data
    "citegraph.export": 12,
    "citegraph.views": 13,
    "citegraph.present": 14,  # the page's texts, over the views
    "citegraph.cli": 15,
    "citegraph.__main__": 16,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str) -> set[str]:
    """Every citegraph module that ``path`` imports, at any depth of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # "from citegraph.merge import works" imports the submodule when one exists.
                full = f"{base}.{alias.name}"
                found.add(full if full in RANKS else base)
    return {name for name in found if name == "citegraph" or name.startswith("citegraph.")}


MODULES = sorted((ROOT / "citegraph").rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    unknown = sorted({_module_name(p) for p in MODULES} - set(RANKS))
    assert not unknown, f"add {unknown} to RANKS in tests/test_layers.py"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_imports_only_reach_down(path: Path) -> None:
    module = _module_name(path)
    rank = RANKS[module]
    wrong = sorted(
        f"{name} (layer {RANKS.get(name, '?')})"
        for name in _imports(path, module)
        if name != module and RANKS.get(name, 99) >= rank
    )
    assert not wrong, f"{module} (layer {rank}) imports sideways or up: {', '.join(wrong)}"


def test_the_library_never_imports_streamlit() -> None:
    """Only the page (app.py) knows Streamlit; the library runs without it."""
    users = [
        _module_name(p)
        for p in MODULES
        if any(
            isinstance(n, ast.Import | ast.ImportFrom)
            and any(
                (getattr(n, "module", None) or a.name).split(".")[0] == "streamlit" for a in n.names
            )
            for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        )
    ]
    assert not users, f"library modules importing streamlit: {users}"
