"""The snapshot: a versioned JSON file (optionally gzip) holding a Corpus and its manifest.

It is the offline default (``cache/seed-40603629.json``), the "save session" file of the page and
what ``python -m citegraph fetch`` writes. The format is documented in ``docs/snapshot-format.md``.
Loading validates every table and raises `SnapshotError` naming the file and the bad field.
"""

from __future__ import annotations

import gzip
import json
import math
import zlib
from pathlib import Path
from typing import Any

import pandas as pd

from citegraph import CitegraphError
from citegraph.model import (  # noqa: F401 - new_manifest is re-exported for callers of snapshot
    DICT_COLUMNS,
    FORMAT,
    FORMAT_VERSION,
    LINK_KINDS,
    LIST_COLUMNS,
    TABLE_COLUMNS,
    Corpus,
    new_manifest,
)

_GZIP_MAGIC = b"\x1f\x8b"

#: Required columns per table (others may be absent and default to None / empty).
_REQUIRED = {
    "works": ["id"],
    "authors": ["id", "name"],
    "authorships": ["work_id", "author_id"],
    "links": ["source", "target", "kind"],
}
_INT_COLUMNS = {"year", "cited_by_count", "position"}
_FLOAT_COLUMNS = {"score", "merge_confidence"}
_BOOL_COLUMNS = {"is_seed", "retracted"}


class SnapshotError(CitegraphError):
    """A snapshot file is missing, unreadable or invalid. The message names the file and field."""


def dumps_snapshot(corpus: Corpus, *, compress: bool = False) -> bytes:
    """Serialise a corpus to snapshot bytes (JSON, gzip when ``compress``)."""
    manifest = dict(corpus.manifest)
    manifest.setdefault("format", FORMAT)
    manifest["format_version"] = FORMAT_VERSION
    doc = {"format": FORMAT, "format_version": FORMAT_VERSION, "manifest": manifest}
    for name in TABLE_COLUMNS:
        doc[name] = _table_rows(corpus.table(name))
    text = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    data = text.encode("utf-8")
    return gzip.compress(data, mtime=0) if compress else data


def save_snapshot(corpus: Corpus, path: str | Path) -> Path:
    """Write a corpus to ``path`` (gzip when the name ends in ``.gz``), atomically.

    The file is written beside the target and renamed, so an interrupted save never leaves a
    half-written snapshot in place of a good one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = dumps_snapshot(corpus, compress=path.suffix == ".gz")
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def load_snapshot(path: str | Path) -> Corpus:
    """Read and validate a snapshot file.

    Raises
    ------
    SnapshotError
        When the file is missing, truncated, not JSON, of another format or version, or any
        field is invalid. The message names the file and the field.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SnapshotError(
            f"{path}: no such snapshot file. Check the path, or run "
            "`python -m citegraph import-facts` to rebuild the bundled seed snapshot."
        ) from None
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot be read ({exc.strerror}).") from None
    return loads_snapshot(data, name=str(path))


def loads_snapshot(data: bytes, *, name: str = "snapshot") -> Corpus:
    """Parse and validate snapshot bytes (plain or gzip JSON); ``name`` is used in messages.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[{"id": "pmid:1", "year": 2020}], manifest=new_manifest(seeds=["pmid:1"], sources=[]))
    >>> int(loads_snapshot(dumps_snapshot(c)).works.loc[0, "year"])
    2020
    >>> loads_snapshot(b'{"format": "citegraph-snapshot"', name="x.json")
    Traceback (most recent call last):
    ...
    citegraph.snapshot.SnapshotError: x.json: not valid JSON (the file may be truncated): ...
    """
    if not data:
        raise SnapshotError(f"{name}: the file is empty. Choose a snapshot saved by Citegraph.")
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise SnapshotError(f"{name}: the gzip data is damaged or truncated ({exc}).") from None
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise SnapshotError(
            f"{name}: not a text file; a snapshot is JSON (or gzip JSON)."
        ) from None
    except json.JSONDecodeError as exc:
        raise SnapshotError(
            f"{name}: not valid JSON (the file may be truncated): {exc.msg} at line {exc.lineno}."
        ) from None
    return _validate(doc, name)


def _validate(doc: Any, name: str) -> Corpus:
    if not isinstance(doc, dict):
        raise SnapshotError(f"{name}: the top level must be a JSON object.")
    if doc.get("format") != FORMAT:
        raise SnapshotError(
            f"{name}: field 'format' is {doc.get('format')!r}, expected {FORMAT!r}; "
            "this is not a Citegraph snapshot."
        )
    version = doc.get("format_version")
    if version != FORMAT_VERSION:
        hint = (
            "it was written by a newer Citegraph; update Citegraph"
            if isinstance(version, int) and version > FORMAT_VERSION
            else "it cannot be read by this version"
        )
        raise SnapshotError(
            f"{name}: field 'format_version' is {version!r}, this Citegraph reads version "
            f"{FORMAT_VERSION} ({hint})."
        )
    manifest = doc.get("manifest")
    if not isinstance(manifest, dict):
        raise SnapshotError(f"{name}: field 'manifest' must be an object.")
    _check_manifest(manifest, name)
    tables = {}
    for table in TABLE_COLUMNS:
        rows = doc.get(table)
        if not isinstance(rows, list):
            raise SnapshotError(f"{name}: field '{table}' must be a list of objects.")
        tables[table] = [_check_row(table, i, row, name) for i, row in enumerate(rows)]
    _check_references(tables, name)
    try:
        return Corpus.from_rows(**tables, manifest=manifest)
    except (ValueError, TypeError) as exc:
        raise SnapshotError(f"{name}: {exc}.") from None


def _check_manifest(manifest: dict[str, Any], name: str) -> None:
    for key in ("seeds", "sources", "missing"):
        value = manifest.get(key, [])
        if not isinstance(value, list):
            raise SnapshotError(f"{name}: field 'manifest.{key}' must be a list.")
    for key in ("seeds", "sources"):
        if key not in manifest:
            raise SnapshotError(f"{name}: field 'manifest.{key}' is missing.")
    if not isinstance(manifest.get("created_at", ""), str):
        raise SnapshotError(f"{name}: field 'manifest.created_at' must be an ISO date string.")
    for i, item in enumerate(manifest.get("missing", [])):
        if not isinstance(item, dict) or not {"id", "source", "reason"} <= set(item):
            raise SnapshotError(
                f"{name}: field 'manifest.missing[{i}]' must be an object with id, source, reason."
            )


def _check_row(table: str, index: int, row: Any, name: str) -> dict[str, Any]:
    where = f"{name}: {table}[{index}]"
    if not isinstance(row, dict):
        raise SnapshotError(f"{where} must be an object.")
    columns = TABLE_COLUMNS[table]
    unknown = sorted(set(row) - set(columns))
    if unknown:
        raise SnapshotError(f"{where} has unknown field(s) {', '.join(unknown)}.")
    for col in _REQUIRED[table]:
        value = row.get(col)
        if not isinstance(value, str) or not value:
            raise SnapshotError(f"{where}.{col} must be a non-empty string, got {value!r}.")
    lists = set(LIST_COLUMNS.get(table, ()))
    dicts = set(DICT_COLUMNS.get(table, ()))
    for col, value in row.items():
        if value is None:
            continue
        field = f"{where}.{col}"
        if col in lists:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise SnapshotError(f"{field} must be a list of strings, got {value!r}.")
        elif col in dicts:
            if not isinstance(value, dict):
                raise SnapshotError(f"{field} must be an object, got {value!r}.")
        elif col in _INT_COLUMNS:
            if isinstance(value, bool) or not isinstance(value, int):
                raise SnapshotError(f"{field} must be an integer or null, got {value!r}.")
        elif col in _FLOAT_COLUMNS:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SnapshotError(f"{field} must be a number or null, got {value!r}.")
        elif col in _BOOL_COLUMNS:
            if not isinstance(value, bool):
                raise SnapshotError(f"{field} must be true or false, got {value!r}.")
        elif not isinstance(value, str):
            raise SnapshotError(f"{field} must be a string or null, got {value!r}.")
    if table == "links" and row["kind"] not in LINK_KINDS:
        raise SnapshotError(
            f"{where}.kind is {row['kind']!r}; expected one of {', '.join(LINK_KINDS)}."
        )
    return row


def _check_references(tables: dict[str, list[dict[str, Any]]], name: str) -> None:
    work_ids = [row["id"] for row in tables["works"]]
    known = set(work_ids)
    if len(known) != len(work_ids):
        dup = next(w for w in work_ids if work_ids.count(w) > 1)
        raise SnapshotError(f"{name}: works has the id {dup!r} more than once.")
    author_ids = {row["id"] for row in tables["authors"]}
    for i, row in enumerate(tables["authorships"]):
        if row["work_id"] not in known:
            raise SnapshotError(
                f"{name}: authorships[{i}].work_id {row['work_id']!r} is not in works."
            )
        if row["author_id"] not in author_ids:
            raise SnapshotError(
                f"{name}: authorships[{i}].author_id {row['author_id']!r} is not in authors."
            )
    for i, row in enumerate(tables["links"]):
        for end in ("source", "target"):
            if row[end] not in known:
                raise SnapshotError(f"{name}: links[{i}].{end} {row[end]!r} is not in works.")


def _table_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for record in df.to_dict(orient="records"):
        rows.append({key: _native(value) for key, value in record.items()})
    return rows


def _native(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_native(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _native(v) for k, v in value.items()}
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
