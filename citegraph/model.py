"""The data model: what a source says about a work (records) and the merged corpus (tables).

Sources produce *records*: one `WorkRecord` per work as one service describes it, with its
`AuthorRecord`s, plus `LinkRecord`s between works. `citegraph.merge` turns records from every
source into one `Corpus`: four pandas tables in which each row says which sources asserted it.

Node ids are stable strings (see `citegraph.ids.work_id` and `citegraph.ids.author_id`):
``pmid:40603629``, ``doi:10.1038/...``, ``W2741809807`` for works; ``orcid:0000-...``,
``A5023888391`` or ``name:wobma|h`` for authors.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import pandas as pd

from citegraph import __version__

#: Services that can assert a work or a link; "facts" is hand-verified bibliographic facts.
SOURCE_NAMES = ("pubmed", "icite", "openalex", "facts")

#: Kinds of link between works.
#: references: source cites target (also used for "cited by": the citing work is the source).
#: similar: PubMed "similar articles" (source is the paper asked about, score kept).
#: related: OpenAlex ``related_works`` (source is the paper asked about).
LINK_KINDS = ("references", "similar", "related")


@dataclass
class Institution:
    """An institution as a source names it (OpenAlex gives ROR and country; PubMed does not)."""

    name: str
    ror: str | None = None
    country: str | None = None
    openalex_id: str | None = None


@dataclass
class AuthorRecord:
    """One author of one work, as one source lists them."""

    name: str
    position: int = 0
    last_name: str | None = None
    fore_name: str | None = None
    initials: str | None = None
    #: Generational suffix as the source gives it apart from the name ("Jr", "III").
    suffix: str | None = None
    orcid: str | None = None
    openalex_id: str | None = None
    affiliations: list[str] = field(default_factory=list)
    institutions: list[Institution] = field(default_factory=list)
    is_corresponding: bool | None = None


@dataclass
class WorkRecord:
    """One work as one source describes it. Unknown values are None or empty lists."""

    source: str
    pmid: str | None = None
    doi: str | None = None
    pmcid: str | None = None
    openalex_id: str | None = None
    title: str | None = None
    journal: str | None = None
    journal_abbrev: str | None = None
    issn: list[str] = field(default_factory=list)
    #: The linking ISSN (PubMed ``ISSNLinking``, OpenAlex ``issn_l``): one journal's identity.
    issn_l: str | None = None
    year: int | None = None
    pub_date: str | None = None
    epub_date: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    pub_types: list[str] = field(default_factory=list)
    abstract: str | None = None
    mesh: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    cited_by_count: int | None = None
    collective_author: str | None = None
    authors: list[AuthorRecord] = field(default_factory=list)
    #: The URL (or request) this record was read from: its provenance.
    url: str | None = None
    #: Per-field provenance when fields came from different places (field -> where).
    field_sources: dict[str, str] = field(default_factory=dict)
    #: Ids of works this one cites, as the source gave them (PMIDs, W-ids or DOIs).
    references: list[str] = field(default_factory=list)
    #: OpenAlex related_works (W-ids).
    related: list[str] = field(default_factory=list)
    #: Ids of works that cite this one, where the source knows them (iCite cited_by).
    cited_by: list[str] = field(default_factory=list)
    #: Editorial relations to other works, e.g. ``{"type": "RetractionIn", "id": "pmid:123"}``
    #: (PubMed CommentsCorrections other than "Cites"; ``note`` keeps the source's text).
    relations: list[dict[str, str]] = field(default_factory=list)
    #: True when the source marks the work as retracted (PubMed publication type "Retracted
    #: Publication" or a RetractionIn relation; OpenAlex ``is_retracted``); None = not stated.
    is_retracted: bool | None = None


@dataclass
class LinkRecord:
    """A link between two works asserted by one source.

    ``source`` and ``target`` are work ids (``pmid:…``, ``doi:…``, ``W…``). ``asserted_by`` is the
    service; ``evidence`` says how (e.g. ``elink:pubmed_pubmed_refs``, ``icite:cited_by``,
    ``openalex:referenced_works``); ``score`` is PubMed's neighbour score for similar articles.
    """

    source: str
    target: str
    kind: str
    asserted_by: str
    evidence: str
    score: float | None = None


WORK_COLUMNS = [
    "id", "pmid", "doi", "pmcid", "openalex_id", "title", "journal", "journal_abbrev", "issn",
    "issn_l", "journal_id", "year", "pub_date", "epub_date", "volume", "issue", "pages",
    "pub_types", "abstract", "mesh", "keywords", "cited_by_count", "collective_author",
    "retracted", "relations", "is_seed", "sources", "field_sources", "urls",
]  # fmt: skip
AUTHOR_COLUMNS = [
    "id", "name", "last_name", "fore_name", "suffix", "orcid", "openalex_id", "affiliations",
    "institutions", "countries", "variants", "sources", "merge_rule", "merge_confidence",
]  # fmt: skip
AUTHORSHIP_COLUMNS = [
    "work_id", "author_id", "position", "name", "affiliations", "institutions", "sources",
]  # fmt: skip
LINK_COLUMNS = ["source", "target", "kind", "sources", "evidence", "score"]

#: Columns that hold lists (of strings) in every table.
LIST_COLUMNS = {
    "works": ["issn", "pub_types", "mesh", "keywords", "relations", "sources", "urls"],
    "authors": ["affiliations", "institutions", "countries", "variants", "sources"],
    "authorships": ["affiliations", "institutions", "sources"],
    "links": ["sources", "evidence"],
}
#: Columns that hold dicts.
DICT_COLUMNS = {"works": ["field_sources"]}

TABLE_COLUMNS = {
    "works": WORK_COLUMNS,
    "authors": AUTHOR_COLUMNS,
    "authorships": AUTHORSHIP_COLUMNS,
    "links": LINK_COLUMNS,
}


def make_table(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Build one corpus table from row dicts, with the canonical columns in canonical order.

    Missing keys become None (lists and dicts become empty); extra keys are an error, so a typo
    cannot create a column silently.
    """
    columns = TABLE_COLUMNS[name]
    lists = set(LIST_COLUMNS.get(name, ()))
    dicts = set(DICT_COLUMNS.get(name, ()))
    clean = []
    for row in rows:
        extra = set(row) - set(columns)
        if extra:
            raise ValueError(f"unknown {name} column(s): {sorted(extra)}")
        out = {}
        for col in columns:
            value = row.get(col)
            if col in lists:
                value = list(value) if value is not None else []
            elif col in dicts:
                value = dict(value) if value is not None else {}
            out[col] = value
        clean.append(out)
    # dtype=object: pandas 3 would infer its str dtype and turn missing text into NaN.
    df = pd.DataFrame(clean, columns=columns, dtype=object)
    for col in ("year", "cited_by_count", "position"):
        if col in df.columns:
            df[col] = pd.array([None if is_missing(v) else int(v) for v in df[col]], dtype="Int64")
    if "score" in df.columns:
        df["score"] = pd.array(
            [None if is_missing(v) else float(v) for v in df["score"]], dtype="Float64"
        )
    if "merge_confidence" in df.columns:
        df["merge_confidence"] = pd.array(
            [None if is_missing(v) else float(v) for v in df["merge_confidence"]], dtype="Float64"
        )
    for col in ("is_seed", "retracted"):
        if col in df.columns:
            df[col] = df[col].map(lambda v: False if is_missing(v) else bool(v)).astype(bool)
    return df


def byline_position(value: Any) -> int:
    """A byline position for sorting: unknown positions go last."""
    return 1 << 30 if is_missing(value) else int(value)


def is_missing(value: Any) -> bool:
    """True for None, NaN and pandas' NA (a list or other container is never missing).

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing(""), is_missing([])
    (True, True, False, False)
    """
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def text_or_empty(value: Any, *, strip: bool = False) -> str:
    """A table cell as text: "" when missing (see `is_missing`), else ``str(value)``.

    Examples
    --------
    >>> text_or_empty(None), text_or_empty(" Blood ", strip=True)
    ('', 'Blood')
    """
    if is_missing(value):
        return ""
    return str(value).strip() if strip else str(value)


@dataclass(frozen=True, eq=False)
class Corpus:
    """A merged set of works, authors, authorships and links, with the manifest that says
    where it came from.

    A corpus is frozen: its tables are never reassigned (`with_tables` gives a new corpus), so
    the indexes below are built once, on first use, and shared by every caller: `authors_of`,
    `authorships_of`, `works_of`, `first_author`, `works_by_id`, `authors_by_id`, `work` and
    `author`.

    Tables (pandas DataFrames, columns in `TABLE_COLUMNS`):

    - ``works``: one row per real paper, ``id`` is its node id.
    - ``authors``: one row per person, ``id`` is its node id; ``merge_rule`` and
      ``merge_confidence`` say how records were merged into this person.
    - ``authorships``: (work_id, author_id, position) with the affiliations printed on that work.
    - ``links``: (source, target, kind) with the ``sources`` that asserted it and ``evidence``.

    The manifest is a plain dict (see `citegraph.snapshot` for its fields).
    """

    works: pd.DataFrame
    authors: pd.DataFrame
    authorships: pd.DataFrame
    links: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_rows(
        cls,
        *,
        works: list[dict[str, Any]] = (),
        authors: list[dict[str, Any]] = (),
        authorships: list[dict[str, Any]] = (),
        links: list[dict[str, Any]] = (),
        manifest: dict[str, Any] | None = None,
    ) -> Corpus:
        """Build a corpus from row dicts (missing columns default to None / empty).

        Examples
        --------
        >>> c = Corpus.from_rows(works=[{"id": "pmid:1", "title": "A", "year": 2020}])
        >>> len(c.works), int(c.works.loc[0, "year"])
        (1, 2020)
        """
        return cls(
            works=make_table("works", list(works)),
            authors=make_table("authors", list(authors)),
            authorships=make_table("authorships", list(authorships)),
            links=make_table("links", list(links)),
            manifest=dict(manifest or {}),
        )

    @classmethod
    def empty(cls, manifest: dict[str, Any] | None = None) -> Corpus:
        """A corpus with no rows."""
        return cls.from_rows(manifest=manifest)

    def table(self, name: str) -> pd.DataFrame:
        """One of the four tables by name."""
        return getattr(self, name)

    def with_tables(self, **tables: pd.DataFrame | dict[str, Any]) -> Corpus:
        """A new corpus with some tables (or the manifest) replaced; this one is unchanged.

        Examples
        --------
        >>> c = Corpus.from_rows(works=[{"id": "a"}, {"id": "b"}])
        >>> len(c.with_tables(works=c.works.iloc[:1]).works), len(c.works)
        (1, 2)
        """
        unknown = sorted(set(tables) - {*TABLE_COLUMNS, "manifest"})
        if unknown:
            raise TypeError(f"unknown corpus table(s): {', '.join(unknown)}")
        return replace(self, **tables)

    # -- indexes (built once per corpus, on first use)

    @cached_property
    def _authorship_index(self) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[str]]]:
        # Rows per work in byline order (ties by author id, so the order never depends on the
        # table's); works per author in id order.
        by_work: dict[str, list[dict[str, Any]]] = {}
        by_author: dict[str, dict[str, None]] = {}
        for row in self.authorships.to_dict("records"):
            row["work_id"], row["author_id"] = str(row["work_id"]), str(row["author_id"])
            by_work.setdefault(row["work_id"], []).append(row)
            by_author.setdefault(row["author_id"], {})[row["work_id"]] = None
        for rows in by_work.values():
            rows.sort(key=lambda r: (byline_position(r["position"]), r["author_id"]))
        return by_work, {a: sorted(ws) for a, ws in by_author.items()}

    @cached_property
    def works_by_id(self) -> dict[str, dict[str, Any]]:
        """Every work's row as a dict, by id. The dicts are shared: read them, do not change
        them."""
        return {str(r["id"]): r for r in self.works.to_dict("records")}

    @cached_property
    def authors_by_id(self) -> dict[str, dict[str, Any]]:
        """Every author's row as a dict, by id. The dicts are shared: read them, do not change
        them."""
        return {str(r["id"]): r for r in self.authors.to_dict("records")}

    def authors_of(self, work_id: str) -> list[str]:
        """Author ids of a work in byline order (empty when unknown).

        Examples
        --------
        >>> c = Corpus.from_rows(works=[{"id": "w"}], authors=[{"id": "a"}, {"id": "b"}],
        ...     authorships=[{"work_id": "w", "author_id": "b", "position": 2},
        ...                  {"work_id": "w", "author_id": "a", "position": 1}])
        >>> c.authors_of("w"), c.works_of("b"), c.first_author("w"), c.first_author("x")
        (['a', 'b'], ['w'], 'a', None)
        """
        rows = self._authorship_index[0].get(work_id, ())
        return list(dict.fromkeys(r["author_id"] for r in rows))

    def authorships_of(self, work_id: str) -> list[dict[str, Any]]:
        """A work's authorship rows (author id, position, printed name, affiliations…) in
        byline order. The dicts are shared: read them, do not change them."""
        return list(self._authorship_index[0].get(work_id, ()))

    def works_of(self, author_id: str) -> list[str]:
        """Ids of the works an author is on, sorted (empty when unknown)."""
        return list(self._authorship_index[1].get(author_id, ()))

    def first_author(self, work_id: str) -> str | None:
        """The id of a work's first author, or None when it has no authors."""
        rows = self._authorship_index[0].get(work_id)
        return rows[0]["author_id"] if rows else None

    def work(self, work_id: str) -> dict[str, Any]:
        """One work's row as a dict. Raises KeyError for an id not in the corpus."""
        return self.works_by_id[work_id]

    def author(self, author_id: str) -> dict[str, Any]:
        """One author's row as a dict. Raises KeyError for an id not in the corpus."""
        return self.authors_by_id[author_id]

    def counts(self) -> dict[str, int]:
        """Row counts, links per kind and links per asserting source.

        Examples
        --------
        >>> Corpus.empty().counts()["works"]
        0
        """
        out = {
            "works": len(self.works),
            "authors": len(self.authors),
            "authorships": len(self.authorships),
            "links": len(self.links),
        }
        for kind in LINK_KINDS:
            out[f"links.{kind}"] = int((self.links["kind"] == kind).sum())
        per_source: dict[str, int] = {}
        for sources in self.links["sources"]:
            for name in sources:
                per_source[name] = per_source.get(name, 0) + 1
        for name in sorted(per_source):
            out[f"links.source.{name}"] = per_source[name]
        by_n: dict[int, int] = {}
        for sources in self.links["sources"]:
            by_n[len(sources)] = by_n.get(len(sources), 0) + 1
        for n in sorted(by_n):
            out[f"links.by_n_sources.{n}"] = by_n[n]
        out["missing"] = len(self.manifest.get("missing", []))
        return out

    def seed_ids(self) -> list[str]:
        """Ids of the seed works, in the order of the manifest's seeds where known."""
        return [str(i) for i in self.works.loc[self.works["is_seed"], "id"]]


#: The manifest (and snapshot file) format, defined with the model so that collect can write a
#: manifest without importing snapshot.
FORMAT = "citegraph-snapshot"
FORMAT_VERSION = 1


def new_manifest(
    *,
    seeds: list[str],
    sources: list[str],
    notes: str = "",
    missing: list[dict[str, str]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A manifest with the required fields filled in (created now, by this software version).

    Examples
    --------
    >>> m = new_manifest(seeds=["pmid:1"], sources=["pubmed"])
    >>> m["format_version"], m["seeds"], m["missing"]
    (1, ['pmid:1'], [])
    """
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "seeds": list(seeds),
        "sources": list(sources),
        "created_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "software_version": f"citegraph {__version__}",
        "notes": notes,
        "missing": list(missing or []),
    }
    manifest.update(extra)
    return manifest
