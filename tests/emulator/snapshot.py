"""The emulator's corpus in the OpenAlex snapshot's layout (SYNTHETIC data).

``write_openalex_snapshot(corpus, folder)`` writes ``folder/data/works/updated_date=…/part_….gz``
(gzip JSON Lines, one Work object per line) and ``folder/data/works/manifest`` (Redshift manifest
format, as OpenAlex documents it: ``entries`` of ``{url, meta: {content_length, record_count}}``
and a total ``meta``). Each line is exactly the Work object the emulator's OpenAlex API serves
for a singleton lookup (every author), plus the ``updated_date`` every snapshot record carries.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from tests.emulator import formats
from tests.emulator.corpus import CorpusIndex

#: The partitions works are spread over (round robin), so a reader meets several.
UPDATED_DATES = ("2026-09-14", "2026-10-20", "2026-11-25")
#: Records per part file (OpenAlex: up to 400,000); small so partitions hold several parts.
PART_SIZE = 40


def openalex_snapshot_works(corpus: dict[str, Any]) -> list[dict[str, Any]]:
    """The Work objects of every work OpenAlex knows, as the API's singleton lookups serve them,
    each with an ``updated_date``.

    Examples
    --------
    >>> from tests.emulator.corpus import generate_corpus
    >>> works = openalex_snapshot_works(generate_corpus())
    >>> works[0]["id"].startswith("https://openalex.org/W"), works[0]["updated_date"][:10]
    (True, '2026-09-14')
    """
    index = CorpusIndex(corpus)
    out = []
    for i, work in enumerate(w for w in corpus["works"] if w["openalex_id"]):
        record = formats.openalex_work(index, work)
        record["updated_date"] = f"{UPDATED_DATES[i % len(UPDATED_DATES)]}T04:12:33.512877"
        out.append(record)
    return out


def write_openalex_snapshot(
    corpus: dict[str, Any], folder: str | Path, *, part_size: int = PART_SIZE
) -> Path:
    """Write the corpus's OpenAlex works in the snapshot layout under ``folder``; return the
    ``data/works`` folder.

    Examples
    --------
    >>> import tempfile
    >>> from tests.emulator.corpus import generate_corpus
    >>> works = write_openalex_snapshot(generate_corpus(), tempfile.mkdtemp())
    >>> sorted(p.name for p in works.iterdir())[:2]
    ['manifest', 'updated_date=2026-09-14']
    """
    works_dir = Path(folder) / "data" / "works"
    works_dir.mkdir(parents=True, exist_ok=True)
    by_date: dict[str, list[dict[str, Any]]] = {}
    for record in openalex_snapshot_works(corpus):
        by_date.setdefault(record["updated_date"][:10], []).append(record)
    entries = []
    for date in sorted(by_date):
        records = by_date[date]
        partition = works_dir / f"updated_date={date}"
        partition.mkdir(exist_ok=True)
        for n, start in enumerate(range(0, len(records), part_size)):
            chunk = records[start : start + part_size]
            path = partition / f"part_{n:03d}.gz"
            lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chunk)
            path.write_bytes(gzip.compress(lines.encode("utf-8"), mtime=0))
            entries.append(
                {
                    "url": f"s3://openalex/data/works/updated_date={date}/{path.name}",
                    "meta": {"content_length": path.stat().st_size, "record_count": len(chunk)},
                }
            )
    manifest = {
        "entries": entries,
        "meta": {
            "content_length": sum(e["meta"]["content_length"] for e in entries),
            "record_count": sum(e["meta"]["record_count"] for e in entries),
        },
    }
    (works_dir / "manifest").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return works_dir
