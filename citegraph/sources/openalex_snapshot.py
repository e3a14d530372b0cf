"""The OpenAlex snapshot as a source: DuckDB (embedded) over local files, in bulk SQL.

OpenAlex publishes its database as gzip JSON Lines under ``data/works/updated_date=…/part_….gz``
with a ``manifest`` (Redshift manifest: ``entries`` of ``{url, meta: {content_length,
record_count}}``); each line is the API's Work object. `OpenAlexSnapshotSource` answers the source
contract (`citegraph.sources.base.Source`) from such a folder (or the ``data/works`` folder of
it, or a slice of its partitions), or from Parquet converted from it once with::

    python -m citegraph.sources.openalex_snapshot convert SNAPSHOT_DIR PARQUET_DIR

The Parquet has one column per thing a query filters on (``id``, ``doi``, ``pmid``, ``pmcid``,
``publication_date``, ``referenced_works``, ``related_works``), the Work object as JSON text
(``work``) and the part it came from, partitioned by ``updated_date``: resolving ids and finding
citing works read the narrow columns only, and ``work`` is read for the rows returned. Over
JSON Lines every query reads the gzip files whole, which is fine for a slice and slow for the
full snapshot (~330 GB): convert first.

Records are parsed by `citegraph.sources.openalex.parse_work`, so a work gives the same
`WorkRecord` (``source`` "openalex") as from the API, and the merge treats it as OpenAlex; the
record's ``url`` and the links' ``evidence`` name the snapshot (``openalex-snapshot:…``). No rate
limit, no key, no network: ``requests_made`` stays 0.

DuckDB settings follow its tuning guide: ``memory_limit``, ``threads``, ``temp_directory``
(where joins and sorts spill) and ``preserve_insertion_order=false``. docs/openalex-snapshot.md
has the commands, the differences from the API path, and measured times.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from citegraph.ids import normalize_doi, normalize_openalex_id, normalize_pmcid, normalize_pmid
from citegraph.model import LinkRecord, WorkRecord
from citegraph.sources import SourceError, unique
from citegraph.sources.base import Result, id_kind, missing_id
from citegraph.sources.openalex import CITING_SORT, parse_work

__all__ = ["OpenAlexSnapshotSource", "SnapshotSourceError", "convert_to_parquet"]

SERVICE = "openalex-snapshot"
#: The provenance tag of the records and links: the merge ranks them as OpenAlex.
ASSERTED_BY = "openalex"
#: Ids per SQL query (DuckDB takes them as one list parameter).
BATCH = 5000


class SnapshotSourceError(SourceError):
    """The snapshot folder is missing, empty, incomplete or unreadable.

    Examples
    --------
    >>> str(SnapshotSourceError("no such folder: /x. Give the folder holding data/works."))
    'openalex-snapshot: no such folder: /x. Give the folder holding data/works.'
    """

    def __init__(self, message: str, *, ident: str | None = None) -> None:
        super().__init__(message, service=SERVICE, ident=ident)


# ----------------------------------------------------------------------------- the files


def find_works(folder: str | Path) -> tuple[str, list[Path], Path]:
    """(format, files, works folder) of a snapshot folder: ``"jsonl"`` with its ``.gz`` parts
    (those its ``manifest`` lists, when it has one), or ``"parquet"``.

    ``folder`` may be the snapshot root (holding ``data/works``), its ``data`` or ``works``
    folder, or a folder of Parquet converted from it. Raises `SnapshotSourceError` when the
    folder is absent, holds no works, or lacks parts its manifest lists.

    Examples
    --------
    >>> find_works("/no/such/folder")
    Traceback (most recent call last):
    ...
    citegraph.sources.openalex_snapshot.SnapshotSourceError: openalex-snapshot: no such folder: /no/such/folder. Give the folder holding data/works (or the Parquet converted from it).
    """
    root = Path(folder)
    if not root.is_dir():
        raise SnapshotSourceError(f"no such folder: {root}. Give the folder holding data/works "
                                  "(or the Parquet converted from it).")  # fmt: skip
    for works in (root / "data" / "works", root / "works", root):
        if works.is_dir():
            parquet = sorted(works.rglob("*.parquet"))
            if parquet:
                return "parquet", parquet, works
            parts = _manifest_parts(works) or sorted(works.glob("updated_date=*/*.gz"))
            if parts:
                return "jsonl", parts, works
    raise SnapshotSourceError(
        f"no works in {root}: expected data/works/updated_date=…/part_….gz (gzip JSON Lines) or "
        "Parquet files. Check the folder, or download the works of the snapshot into it."
    )


def _manifest_parts(works: Path) -> list[Path]:
    """The parts the ``manifest`` lists (their url's path below ``works/``), checked present."""
    manifest = works / "manifest"
    if not manifest.is_file():
        return []
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8"))["entries"]
        rel = [str(e["url"]).split("/works/", 1)[-1] for e in entries]
    except (ValueError, KeyError, TypeError) as exc:
        raise SnapshotSourceError(f"unreadable manifest {manifest} ({exc}). Download it again "
                                  "or delete it to read every part present.") from None  # fmt: skip
    parts = [works / r for r in rel]
    absent = [str(p.relative_to(works)) for p in parts if not p.is_file()]
    if absent:
        raise SnapshotSourceError(
            f"{len(absent)} part(s) the manifest lists are missing (first: {absent[0]}). "
            "Finish the download (aws s3 sync … --no-sign-request) or remove the manifest."
        )
    return parts


def _sql_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _jsonl_select(files: Sequence[Path], works: Path) -> str:
    """SELECT of the narrow columns plus the Work JSON from gzip JSON Lines."""
    prefix = str(works).rstrip("/") + "/"
    return f"""
        SELECT regexp_extract(json ->> '$.id', 'W\\d+$') AS id,
               lower(regexp_replace(json ->> '$.doi', '^https?://(dx\\.)?doi\\.org/', '')) AS doi,
               regexp_extract(json ->> '$.ids.pmid', '(\\d+)/?$', 1) AS pmid,
               regexp_extract(json ->> '$.ids.pmcid', '(\\d+)/?$', 1) AS pmcid,
               json ->> '$.publication_date' AS publication_date,
               left(json ->> '$.updated_date', 10) AS updated_date,
               list_transform(json_extract_string(json, '$.referenced_works[*]'),
                              lambda x: regexp_extract(x, 'W\\d+$')) AS referenced_works,
               list_transform(json_extract_string(json, '$.related_works[*]'),
                              lambda x: regexp_extract(x, 'W\\d+$')) AS related_works,
               CAST(json AS VARCHAR) AS work,
               replace(filename, '{prefix.replace("'", "''")}', '') AS part
        FROM read_json_objects({_sql_list(files)}, format = 'newline_delimited',
                               filename = true)
    """


def _connect(
    *, memory_limit: str | None, threads: int | None, temp_directory: str | Path | None
) -> Any:
    import duckdb  # imported here: only this source needs it

    config: dict[str, Any] = {"preserve_insertion_order": False}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if threads:
        config["threads"] = int(threads)
    if temp_directory:
        config["temp_directory"] = str(temp_directory)
    return duckdb.connect(":memory:", config=config)


def convert_to_parquet(
    snapshot: str | Path,
    target: str | Path,
    *,
    memory_limit: str | None = None,
    threads: int | None = None,
    temp_directory: str | Path | None = None,
) -> int:
    """Write the snapshot's works as Parquet partitioned by ``updated_date``; return the count.

    One ``COPY … TO … (FORMAT parquet, PARTITION_BY (updated_date))``; ``target`` must be absent
    or empty. Later queries over ``target`` read only the columns they need.

    Examples
    --------
    >>> convert_to_parquet("/no/such/snapshot", "/tmp/x")
    Traceback (most recent call last):
    ...
    citegraph.sources.openalex_snapshot.SnapshotSourceError: openalex-snapshot: no such folder: /no/such/snapshot. Give the folder holding data/works (or the Parquet converted from it).
    """
    fmt, files, works = find_works(snapshot)
    if fmt != "jsonl":
        raise SnapshotSourceError(f"{snapshot} is Parquet already; nothing to convert.")
    out = Path(target)
    if out.exists() and any(out.iterdir()):
        raise SnapshotSourceError(f"{out} is not empty. Give a new or empty folder for the "
                                  "Parquet files.")  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    con = _connect(memory_limit=memory_limit, threads=threads, temp_directory=temp_directory)
    try:
        path = str(out).replace("'", "''")
        con.execute(f"COPY ({_jsonl_select(files, works)}) TO '{path}' "
                    "(FORMAT parquet, PARTITION_BY (updated_date), OVERWRITE_OR_IGNORE true)")  # fmt: skip
        written = f"read_parquet('{path}/**/*.parquet')"
        return int(con.execute(f"SELECT count(*) FROM {written}").fetchone()[0])
    finally:
        con.close()


# ----------------------------------------------------------------------------------- source


class OpenAlexSnapshotSource:
    """A `citegraph.sources.base.Source` over a local OpenAlex snapshot (see the module).

    It takes the same ids as the API source (``id_kinds``: W-ids, then DOIs; so a crawl finds
    the same works), resolves W-ids, PMIDs (``ids.pmid``), DOIs and PMCIDs, and answers
    ``references``, ``related`` and ``cited_by`` links (citing works newest first, capped like the
    API's); ``fetch_works`` returns references and related works in the records as the API does.

    Parameters
    ----------
    folder
        The snapshot folder, its ``data/works``, or Parquet converted from it.
    memory_limit, threads, temp_directory
        DuckDB settings (e.g. ``"8GB"``, 4, a folder on a large disk for spilling); None keeps
        DuckDB's defaults (80 % of RAM, every core).
    fetch_by_pmid
        Also fetch works by PMID (``ids.pmid``). Off by default, so a crawl asks it exactly what
        it asks the API (whose batch lookup by PMID is broken upstream) and gets the same
        corpus; on, it also finds the OpenAlex records of PubMed works known without a DOI.

    Examples
    --------
    >>> OpenAlexSnapshotSource.id_kinds, OpenAlexSnapshotSource.link_kinds
    (('openalex', 'doi'), ('cited_by', 'references', 'related'))
    """

    name = SERVICE
    label = "OpenAlex snapshot"
    resolve_kinds = ("openalex", "pmid", "doi", "pmcid")
    id_kinds = ("openalex", "doi")
    link_kinds = ("cited_by", "references", "related")
    max_batch = {"resolve": BATCH, "fetch_works": BATCH, "cited_by": BATCH,
                 "references": BATCH, "related": BATCH}  # fmt: skip

    def __init__(
        self,
        folder: str | Path,
        *,
        memory_limit: str | None = None,
        threads: int | None = None,
        temp_directory: str | Path | None = None,
        fetch_by_pmid: bool = False,
    ) -> None:
        if fetch_by_pmid:  # an instance attribute: what collect reads
            self.id_kinds = (*type(self).id_kinds, "pmid")
        self.format, files, works = find_works(folder)
        self.folder = Path(folder)
        self.requests_made = 0
        self._lock = threading.Lock()  # a DuckDB connection is not for concurrent use
        self._con = _connect(memory_limit=memory_limit, threads=threads,
                             temp_directory=temp_directory)  # fmt: skip
        if self.format == "parquet":
            _check_converted(self._con, files)
            source = (f"SELECT * FROM read_parquet({_sql_list(files)}, hive_partitioning = true,"
                      " union_by_name = true)")  # fmt: skip
        else:
            source = _jsonl_select(files, works)
        try:
            self._con.execute(f"CREATE VIEW works AS {source}")
        except Exception as exc:  # noqa: BLE001 - duckdb's errors have no common base we import
            raise SnapshotSourceError(f"cannot read {folder} ({exc}).") from None

    def close(self) -> None:
        """Close the DuckDB connection."""
        self._con.close()

    # -- the source contract

    def resolve(self, ids: Sequence[str]) -> Result:
        """Works for ``W…``, ``pmid:…``, ``doi:…`` and ``pmcid:…`` ids; others are ``missing``."""
        out = Result()
        wanted: dict[str, list[tuple[str, str]]] = {}
        for ident in (str(i) for i in ids):
            column, value = _column_value(ident)
            if value is not None:
                wanted.setdefault(column, []).append((ident, value))
        found: dict[str, WorkRecord] = {}
        for column, pairs in wanted.items():
            rows = self._query(
                f"SELECT {column}, work, part FROM works WHERE {column} IN "
                "(SELECT unnest(?::VARCHAR[])) ORDER BY id",
                [[v for _, v in pairs]],
            )
            by_value: dict[str, WorkRecord] = {}
            for value, work, part in rows:
                by_value.setdefault(value, _record(work, part))
            for ident, value in pairs:
                if value in by_value:
                    found[ident] = by_value[value]
        for ident in (str(i) for i in ids):
            if ident in found:
                rec = found[ident]
                out.works.append(rec)
                out.ids[ident] = rec.openalex_id or ident
            elif _column_value(ident)[1] is None:
                out.missing.append(missing_id(ident, SERVICE, "not an id the OpenAlex snapshot "
                                              "can look up; give W…, pmid:…, doi:… or pmcid:…"))  # fmt: skip
            else:
                out.missing.append(missing_id(ident, SERVICE, "not in the OpenAlex snapshot"))
        return out

    def fetch_works(self, ids: Sequence[str]) -> Result:
        """Works for ``W…`` and ``doi:…`` ids (and ``pmid:…`` with ``fetch_by_pmid``), one query
        per kind; unknown ids are ``missing``."""
        asked = [str(i) for i in ids]
        out = Result()
        known: set[str] = set()
        columns = [{"openalex": "id"}.get(kind, kind) for kind in self.id_kinds]
        for column in columns:
            values = unique(v for c, v in map(_column_value, asked) if c == column and v)
            if not values:
                continue
            for rec in self._works(column, values):
                out.works.append(rec)
                known.update(k for k in (rec.openalex_id, rec.doi and f"doi:{rec.doi}",
                                          rec.pmid and f"pmid:{rec.pmid}") if k)  # fmt: skip
        for ident in asked:
            column, value = _column_value(ident)
            key = value if column == "id" else f"{column}:{value}" if column in columns else None
            if key not in known:
                out.missing.append(missing_id(ident, SERVICE, "the OpenAlex snapshot has no "
                                              "work with this id"))  # fmt: skip
        return out

    def fetch_links(self, kind: str, ids: Sequence[str], *, limit: int | None = None) -> Result:
        """Links of ``kind`` for each ``W…`` id: ``references`` (all ``referenced_works``),
        ``related`` (``related_works``, at most ``limit``) or ``cited_by`` (works whose
        ``referenced_works`` hold it, newest first, at most ``limit``; they come as works too)."""
        if kind not in self.link_kinds:
            raise ValueError(f"the OpenAlex snapshot answers link kinds {self.link_kinds}, "
                             f"not {kind!r}")  # fmt: skip
        wids = unique(normalize_openalex_id(str(i)) for i in ids if id_kind(str(i)) == "openalex")
        if kind == "cited_by":
            return self._citing(wids, limit=limit)
        column = "referenced_works" if kind == "references" else "related_works"
        cap = None if kind == "references" else limit
        out = Result()
        rows = self._query(f"SELECT id, {column} FROM works WHERE id IN "
                           "(SELECT unnest(?::VARCHAR[])) ORDER BY id", [wids])  # fmt: skip
        for wid, targets in rows:
            for target in unique(targets or [])[:cap]:
                out.links.append(LinkRecord(wid, target, kind, ASSERTED_BY,
                                            f"{SERVICE}:{column}"))  # fmt: skip
        return out

    # -- plumbing

    def _citing(self, wids: list[str], *, limit: int | None) -> Result:
        """Citing works of each id, newest first (the API's ``sort=publication_date:desc``)."""
        out = Result()
        if not wids:
            return out
        # Narrow columns first (which works, ranked); the Work objects of those alone after.
        ranked = self._query(
            """
            WITH edges AS (
                SELECT ref AS target, id, publication_date
                FROM (SELECT id, publication_date, unnest(referenced_works) AS ref FROM works)
                WHERE ref IN (SELECT unnest(?::VARCHAR[]))
            )
            SELECT target, id, count(*) OVER (PARTITION BY target) AS total,
                   row_number() OVER (PARTITION BY target
                                      ORDER BY publication_date DESC NULLS LAST, id) AS n
            FROM edges
            QUALIFY ? IS NULL OR n <= ?
            ORDER BY target, n
            """,
            [wids, limit, limit],
        )
        records = {rec.openalex_id: rec for rec in self._works("id", unique(r[1] for r in ranked))}
        totals: dict[str, tuple[int, int]] = {}
        for target, wid, total, _ in ranked:
            rec = records.get(wid)
            if rec is None:
                continue
            totals[target] = (int(total), totals.get(target, (0, 0))[1] + 1)
            out.works.append(rec)
            out.links.append(LinkRecord(wid, target, "references", ASSERTED_BY,
                                        f"{SERVICE}:cites"))  # fmt: skip
        for wid in wids:
            total, kept = totals.get(wid, (0, 0))
            if limit is not None and total > kept:
                out.missing.append(missing_id(
                    wid, SERVICE, f"cited by {total} works; the {kept} newest are kept (max per "
                    "kind). Raise the cap to fetch more.",
                    query=f"referenced_works contains {wid}, sort={CITING_SORT}",
                ))  # fmt: skip
        return out

    def _works(self, column: str, values: list[str]) -> list[WorkRecord]:
        """Records of the works whose ``column`` is one of ``values``, by W-id."""
        if not values:
            return []
        rows = self._query(f"SELECT work, part FROM works WHERE {column} IN "
                           "(SELECT unnest(?::VARCHAR[])) ORDER BY id", [values])  # fmt: skip
        return [_record(work, part) for work, part in rows]

    def _query(self, sql: str, params: list[Any]) -> list[tuple]:
        with self._lock:
            try:
                return self._con.execute(sql, params).fetchall()
            except Exception as exc:  # noqa: BLE001 - duckdb's errors have no common base we import
                raise SnapshotSourceError(
                    f"query over {self.folder} failed ({type(exc).__name__}: {str(exc)[:200]}). "
                    "Check that the files are a complete OpenAlex works snapshot."
                ) from None


def _check_converted(con: Any, files: Sequence[Path]) -> None:
    """Parquet must be what `convert_to_parquet` writes (OpenAlex's own Parquet has no ``work``
    column holding the Work object)."""
    names = {row[0] for row in con.execute(
        f"DESCRIBE SELECT * FROM read_parquet({_sql_list(files[:1])})").fetchall()}  # fmt: skip
    need = {"id", "doi", "pmid", "pmcid", "publication_date", "referenced_works", "related_works",
            "work", "part"}  # fmt: skip
    if not need <= names:
        raise SnapshotSourceError(
            f"{files[0]} lacks the columns {', '.join(sorted(need - names))}: it was not written by "
            "`python -m citegraph.sources.openalex_snapshot convert`. Convert the JSON Lines "
            "snapshot with that command and give its output folder."
        )


def _column_value(ident: str) -> tuple[str, str | None]:
    """The column and normalised value a query compares an id with."""
    kind = id_kind(ident)
    if kind == "openalex":
        return "id", normalize_openalex_id(ident)
    if kind == "pmid":
        return "pmid", normalize_pmid(ident.partition(":")[2])
    if kind == "doi":
        return "doi", normalize_doi(ident)
    if kind == "pmcid":
        pmcid = normalize_pmcid(ident.partition(":")[2])
        return "pmcid", pmcid[3:] if pmcid else None
    return "", None


def _record(work: str, part: str | None) -> WorkRecord:
    return parse_work(json.loads(work), url=f"{SERVICE}:{part}" if part else SERVICE)


# ---------------------------------------------------------------------------------- command


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m citegraph.sources.openalex_snapshot convert SNAPSHOT_DIR PARQUET_DIR``."""
    parser = argparse.ArgumentParser(
        prog="python -m citegraph.sources.openalex_snapshot",
        description="Convert an OpenAlex works snapshot to partitioned Parquet, once.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    convert = sub.add_parser("convert", help="gzip JSON Lines snapshot -> Parquet")
    convert.add_argument("snapshot", type=Path)
    convert.add_argument("target", type=Path)
    convert.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 8GB")
    convert.add_argument("--threads", type=int)
    convert.add_argument("--temp-directory", type=Path, help="where DuckDB spills")
    args = parser.parse_args(argv)
    try:
        n = convert_to_parquet(args.snapshot, args.target, memory_limit=args.memory_limit,
                               threads=args.threads, temp_directory=args.temp_directory)  # fmt: skip
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {n} works as Parquet to {args.target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
