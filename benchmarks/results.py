"""The one writer of `benchmarks/RESULTS.md` sections, shared by every ``bench_*.py`` script.

Each script owns the text between its ``<!-- bench_x: begin -->`` and ``<!-- bench_x: end -->``
markers; readings written by hand outside the markers are never touched.
"""

from __future__ import annotations

from pathlib import Path


def write_section(text: str, begin: str, end: str, path: Path) -> None:
    """Replace the section between ``begin`` and ``end`` in ``path`` with ``text`` (which
    carries the markers itself), or append it; every other section stays as it is.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "R.md"
    >>> write_section("<a>1</a>", "<a>", "</a>", path)
    >>> write_section("<a>2</a>", "<a>", "</a>", path)
    >>> path.read_text()
    '# Benchmark results\\n\\n<a>2</a>\\n'
    """
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        new = head + text + rest.split(end, 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(new, encoding="utf-8")
