"""The snapshot: a versioned JSON file (optionally gzip) holding a Corpus and its manifest.

It is the offline default (``cache/seed-40603629.json``), the "save session" file of the page and
what ``python -m citegraph fetch`` writes. The format is documented in ``docs/snapshot-format.md``.
Loading is bounded (decompressed size capped, streamed) and validates every field against one JSON
Schema (`snapshot_schema`); it raises `SnapshotError` naming the file and the bad field.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import zlib
from pathlib import Path
from typing import Any

import fastjsonschema
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


#: Decompressed size a snapshot may have: several times the largest corpus the page can draw
#: (a 10,000-work crawl is about 40 MB of JSON), small enough that parsing it stays within a
#: few GB. A gzip bomb stops here instead of filling the memory.
MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024
_CHUNK = 1024 * 1024
#: How far a text value is shown in an error message.
_SHOWN = 60


def loads_snapshot(
    data: bytes, *, name: str = "snapshot", limit: int = MAX_SNAPSHOT_BYTES
) -> Corpus:
    """Parse and validate snapshot bytes (plain or gzip JSON); ``name`` is used in messages.

    Decompression is streamed and stops at ``limit`` bytes; every field is checked against
    `snapshot_schema` (types, ranges, unknown fields) before a corpus is built.

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
        data = _gunzip(data, name=name, limit=limit)
    elif len(data) > limit:
        raise SnapshotError(_too_big(name, limit))
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
    except RecursionError:
        raise SnapshotError(
            f"{name}: the JSON is nested far deeper than a snapshot ever is; it is not a "
            "Citegraph snapshot."
        ) from None
    except ValueError as exc:  # e.g. an integer with more digits than Python will read
        raise SnapshotError(f"{name}: not a valid snapshot ({_short(str(exc))}).") from None
    if _SURROGATE_ESCAPE.search(data):
        _refuse_lone_surrogates(doc, name)
    return _validate(doc, name)


#: A UTF-16 surrogate written as a JSON escape: the only way a lone surrogate gets into a file.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _refuse_lone_surrogates(doc: Any, name: str) -> None:
    """A ``\\ud800`` escape without its pair is not text: the tables, CSV and the page cannot
    encode it. Pairs (emoji written as escapes) are fine."""
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise SnapshotError(
            f"{name}: holds a lone UTF-16 surrogate (a '\\ud800'-style escape without its "
            "pair), which is not text. Re-save the file from Citegraph or fix that field."
        ) from None


def _gunzip(data: bytes, *, name: str, limit: int) -> bytes:
    """Decompress gzip data in chunks, refusing more than ``limit`` bytes of output."""
    out = bytearray()
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        pending = data
        while pending:
            out += inflater.decompress(pending, _CHUNK)
            if len(out) > limit:
                raise SnapshotError(_too_big(name, limit))
            pending = inflater.unconsumed_tail
            if not pending and inflater.eof and inflater.unused_data:
                # A second gzip member (concatenated files): keep reading within the same cap.
                pending = inflater.unused_data
                inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        if not inflater.eof:
            raise SnapshotError(f"{name}: the gzip data is damaged or truncated (it ends early).")
    except zlib.error as exc:
        raise SnapshotError(f"{name}: the gzip data is damaged or truncated ({exc}).") from None
    return bytes(out)


def _too_big(name: str, limit: int) -> str:
    return (
        f"{name}: larger than {limit // (1024 * 1024)} MB once decompressed; a Citegraph "
        "snapshot of a crawl is far smaller. Split the corpus or check that this is the "
        "right file."
    )


def _validate(doc: Any, name: str) -> Corpus:
    if not isinstance(doc, dict):
        raise SnapshotError(f"{name}: the top level must be a JSON object.")
    if doc.get("format") != FORMAT:
        raise SnapshotError(
            f"{name}: field 'format' is {_shown(doc.get('format'))}, expected {FORMAT!r}; "
            "this is not a Citegraph snapshot."
        )
    version = doc.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:
        hint = (
            "it was written by a newer Citegraph; update Citegraph"
            if type(version) is int and version > FORMAT_VERSION
            else "it cannot be read by this version"
        )
        raise SnapshotError(
            f"{name}: field 'format_version' is {_shown(version)}, this Citegraph reads version "
            f"{FORMAT_VERSION} ({hint})."
        )
    try:
        _VALIDATE(doc)
    except fastjsonschema.JsonSchemaValueException as error:
        raise SnapshotError(f"{name}: {_describe(error, doc)}") from None
    tables = {table: doc[table] for table in TABLE_COLUMNS}
    _check_references(tables, name)
    try:
        return Corpus.from_rows(**tables, manifest=doc["manifest"])
    except (ValueError, TypeError, OverflowError) as exc:
        raise SnapshotError(f"{name}: {_short(str(exc))}.") from None


# ------------------------------------------------------------------------------- JSON Schema

_TEXT = {"type": "string", "maxLength": 1_000_000}
_ID = {"type": "string", "minLength": 1, "maxLength": 2000}
_OPT_TEXT = {"type": ["string", "null"], "maxLength": 1_000_000}
_TEXTS = {"type": "array", "items": _TEXT}
#: Ranges of the numeric columns: wide enough for any real record, narrow enough that a value
#: always fits the table's 64-bit column.
_RANGES: dict[str, tuple[str, float, float]] = {
    "year": ("integer", 1000, 2999),
    "cited_by_count": ("integer", 0, 10**12),
    "position": ("integer", 0, 10**6),
    "score": ("number", -(10**15), 10**15),
    "merge_confidence": ("number", 0, 1),
}
_BOOL_COLUMNS = {"is_seed", "retracted"}
_REQUIRED = {
    "works": ["id"],
    "authors": ["id", "name"],
    "authorships": ["work_id", "author_id"],
    "links": ["source", "target", "kind"],
}


#: Text cells whose form other code relies on: pattern, and how a message words it.
_ISSN = r"^[0-9]{4}-[0-9]{3}[0-9Xx]$"
_RELATION = r"^[A-Za-z]+( [^ ]+)?$"  # "Type" or "Type id", e.g. "RetractionIn pmid:123"
_PATTERN_WORDS = {_ISSN: "an ISSN like '1234-567X'", _RELATION: "'Type' or 'Type id'"}


def _column_schema(table: str, column: str) -> dict[str, Any]:
    if column in _REQUIRED[table]:
        return _ID
    if (table, column) == ("works", "issn_l"):
        return {"type": ["string", "null"], "pattern": _ISSN}
    if (table, column) == ("works", "relations"):
        return {"type": ["array", "null"], "items": {**_TEXT, "pattern": _RELATION}}
    if column in LIST_COLUMNS.get(table, ()):
        return {"type": ["array", "null"], "items": _TEXT}
    if column in DICT_COLUMNS.get(table, ()):
        return {"type": ["object", "null"], "additionalProperties": _TEXT}
    if column in _RANGES:
        kind, low, high = _RANGES[column]
        return {"type": [kind, "null"], "minimum": low, "maximum": high}
    if column in _BOOL_COLUMNS:
        return {"type": ["boolean", "null"]}
    return _OPT_TEXT


def snapshot_schema() -> dict[str, Any]:
    """The JSON Schema (draft 7) every snapshot is validated against.

    Built from the corpus columns in `citegraph.model`, so the schema and the tables cannot
    drift apart; ``docs/snapshot-schema.json`` is this schema written out (a test keeps it
    current) and ``docs/snapshot-format.md`` describes each field.

    Examples
    --------
    >>> s = snapshot_schema()
    >>> s["properties"]["works"]["items"]["properties"]["year"]["maximum"]
    2999
    """
    tables = {}
    for table, columns in TABLE_COLUMNS.items():
        row = {
            "type": "object",
            "properties": {column: _column_schema(table, column) for column in columns},
            "required": _REQUIRED[table],
            "additionalProperties": False,
        }
        if table == "links":
            row["properties"]["kind"] = {"enum": list(LINK_KINDS)}
        tables[table] = {"type": "array", "items": row}
    missing_item = {
        "type": "object",
        "properties": {"id": _TEXT, "source": _TEXT, "reason": _TEXT, "query": _TEXT},
        "required": ["id", "source", "reason"],
    }
    counts = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0,
                                                         "maximum": 10**12}}  # fmt: skip
    manifest = {
        "type": "object",
        "properties": {
            "format": {"const": FORMAT},
            "format_version": {"const": FORMAT_VERSION},
            "seeds": {"type": "array", "items": _ID},
            "sources": {"type": "array", "items": _ID},
            "created_at": _TEXT,
            "software_version": _TEXT,
            "notes": _TEXT,
            "origin": _TEXT,
            "description": _TEXT,
            "facts_file": _TEXT,
            "state": _TEXT,
            "missing": {"type": "array", "items": missing_item},
            "not_found": {"type": "array", "items": missing_item},
            "gaps": counts,
            "depth": {"type": "integer", "minimum": 1, "maximum": 2},
            "caps": counts,
            "requests": counts,
            "openalex_cost_usd": {"type": "number", "minimum": 0, "maximum": 10**9},
            "filters": {"type": "object"},
            "merge_conflicts": {"type": "array", "items": {"type": "object"}},
            "merge_skipped": {"type": "array", "items": {"type": "object"}},
            "author_name_only": {"type": "array", "items": {"type": "object"}},
        },
        "required": ["seeds", "sources"],
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Citegraph snapshot",
        "type": "object",
        "properties": {
            "format": {"const": FORMAT},
            "format_version": {"const": FORMAT_VERSION},
            "manifest": manifest,
            **tables,
        },
        "required": ["format", "format_version", "manifest", *TABLE_COLUMNS],
    }


#: Compiled once (fastjsonschema generates Python code: about 18 times faster than the
#: reference validator on a 10,000-work snapshot, measured 2.5 s vs 44 s).
_VALIDATE = fastjsonschema.compile(snapshot_schema())
_TYPE_WORDS = {
    "string": "a string", "integer": "an integer", "number": "a number", "boolean": "true or false",
    "array": "a list", "object": "an object", "null": "null",
}  # fmt: skip


def _path(error: fastjsonschema.JsonSchemaValueException, doc: Any) -> list[str | int]:
    """The error's path in the document, list positions as integers (the validator gives text)."""
    out: list[str | int] = []
    node = doc
    for part in error.path[1:]:  # the first element is the validator's name for the root
        if isinstance(node, list):
            part = int(part)
        out.append(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return out


def _where(path: list[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(error: fastjsonschema.JsonSchemaValueException, doc: Any) -> str:
    """One sentence naming the field, what it must be and what it is."""
    path = _path(error, doc)
    where = _where(path)
    field = f"field '{where}'" if where and "[" not in where else where or "the document"
    value, rule, schema = error.value, error.rule, error.definition or {}
    if rule == "type":
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        words = " or ".join(_TYPE_WORDS[t] for t in types)
        if types[0] == "array" and "items" in schema:
            words = words.replace("a list", "a list of strings", 1)
        return f"{field} must be {words}, got {_shown(value)}."
    if rule == "required":
        missing = next(p for p in schema["required"] if p not in value)
        return f"field '{_where([*path, missing])}' is missing."
    if rule == "additionalProperties":
        extra = sorted(set(value) - set(schema.get("properties", {})))
        return f"{field} has unknown field(s) {', '.join(_short(e) for e in extra)}."
    if rule == "minLength":
        return f"{field} must be a non-empty string, got {_shown(value)}."
    if rule == "maxLength":
        return f"{field} is {len(value):,} characters long; at most {schema['maxLength']:,}."
    if rule in ("minimum", "maximum"):
        return (
            f"{field} must be between {schema.get('minimum')} and {schema.get('maximum')}, "
            f"got {_shown(value)}."
        )
    if rule == "enum":
        return f"{field} is {_shown(value)}; expected one of {', '.join(schema['enum'])}."
    if rule == "pattern":
        words = _PATTERN_WORDS.get(schema.get("pattern"), f"of the form {schema.get('pattern')}")
        return f"{field} must be {words}, got {_shown(value)}."
    if rule == "const":
        return f"{field} must be {schema['const']!r}, got {_shown(value)}."
    return f"{field}: {_short(error.message)}."


def _shown(value: Any) -> str:
    """``repr`` of a value from the file, cut short so a hostile file cannot flood a message."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**_SHOWN:
        return f"an integer of {len(str(abs(value)))} digits"
    return _short(repr(value))


def _short(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


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
