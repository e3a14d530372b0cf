"""Identifiers: parse what a user types, normalise what sources return, build node ids.

Accepted seed forms (`parse_seed`): a PMID (``40603629``, ``pmid:40603629``, a PubMed URL),
a DOI (bare, ``doi:``, ``https://doi.org/…``, any case, trailing punctuation ignored, or any URL
with a DOI in its path), an OpenAlex work id or URL (``W2741809807``), a PMCID (``PMC1234567``
or a PMC URL); any other text of at least three words is a title search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from citegraph import CitegraphError
from citegraph.names import fold, parse_name

ACCEPTED_FORMS = (
    "PMID (40603629, pmid:40603629, https://pubmed.ncbi.nlm.nih.gov/40603629/), "
    "DOI (10.1038/s41584-025-01272-3, doi:…, https://doi.org/…), "
    "OpenAlex work id (W2741809807 or https://openalex.org/W2741809807), "
    "PMCID (PMC1234567), or a title of at least three words"
)

_DOI_RE = re.compile(r"(10\.\d{4,9}/\S+)", re.IGNORECASE)
_PMID_RE = re.compile(r"^\d{1,9}$")
_OPENALEX_RE = re.compile(r"^[Ww]\d{2,12}$")
_OPENALEX_AUTHOR_RE = re.compile(r"^[Aa]\d{2,12}$")
_PMCID_RE = re.compile(r"^(?:PMC)?(\d{1,9})$", re.IGNORECASE)
_ORCID_RE = re.compile(r"(\d{4})[- ]?(\d{4})[- ]?(\d{4})[- ]?(\d{3}[\dX])(?![\dX])", re.IGNORECASE)
_TRAILING = ".,;:)]}>'\""
#: "scheme:" at the start with no space after it (a title's "Therapy: a review" has one).
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]{0,30}):(?!\s)")
_KNOWN_PREFIXES = {"http", "https", "pmid", "doi", "pmcid", "openalex"}
_MARKUP_RE = re.compile(r"<\s*/?\s*[A-Za-z!?]")
#: How much of what the user typed an error message repeats.
_ECHO = 80


class IdError(CitegraphError):
    """The text is not an identifier Citegraph understands."""


@dataclass(frozen=True)
class SeedId:
    """A parsed seed: ``kind`` is pmid, doi, openalex, pmcid or title; ``value`` is normalised."""

    kind: str
    value: str

    @property
    def node_id(self) -> str | None:
        """The work node id this seed names directly (None for a title search)."""
        if self.kind == "pmid":
            return f"pmid:{self.value}"
        if self.kind == "doi":
            return f"doi:{self.value}"
        if self.kind == "openalex":
            return self.value
        if self.kind == "pmcid":
            return f"pmcid:{self.value}"
        return None

    def __str__(self) -> str:
        return self.node_id or f"title:{self.value}"


def normalize_doi(text: str | None) -> str | None:
    """Return the DOI in lower case without prefix or trailing punctuation, or None.

    Examples
    --------
    >>> normalize_doi("https://doi.org/10.1038/S41584-025-01272-3.")
    '10.1038/s41584-025-01272-3'
    >>> normalize_doi("not a doi") is None
    True
    """
    if not text:
        return None
    value = unquote(str(text).strip())
    value = re.sub(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", "", value, flags=re.IGNORECASE)
    match = _DOI_RE.search(value)
    if not match:
        return None
    doi = match.group(1).rstrip(_TRAILING).lower()
    return doi if "/" in doi and not doi.endswith("/") else None


def normalize_pmid(text: str | int | None) -> str | None:
    """Return the PMID as a string of digits without leading zeros, or None.

    Examples
    --------
    >>> normalize_pmid(" pmid: 040603629 ")
    '40603629'
    """
    if text is None:
        return None
    value = re.sub(r"^pmid:\s*", "", str(text).strip(), flags=re.IGNORECASE)
    if not _PMID_RE.match(value):
        return None
    value = value.lstrip("0")
    return value or None


def normalize_openalex_id(text: str | None) -> str | None:
    """Return ``W…`` (works) or ``A…`` (authors) from a bare id or an OpenAlex URL, or None.

    Examples
    --------
    >>> normalize_openalex_id("https://openalex.org/w2741809807")
    'W2741809807'
    """
    if not text:
        return None
    value = str(text).strip().rstrip("/")
    value = re.sub(r"^openalex:\s*", "", value, flags=re.IGNORECASE)
    if "/" in value:
        value = value.rsplit("/", 1)[1]
    if _OPENALEX_RE.match(value) or _OPENALEX_AUTHOR_RE.match(value):
        return value[0].upper() + value[1:]
    return None


def normalize_pmcid(text: str | None) -> str | None:
    """Return ``PMC`` plus digits, or None.

    Examples
    --------
    >>> normalize_pmcid("pmc2682512")
    'PMC2682512'
    """
    if not text:
        return None
    value = re.sub(r"^pmcid:\s*", "", str(text).strip(), flags=re.IGNORECASE)
    match = _PMCID_RE.match(value)
    if not match or not value.upper().startswith("PMC"):
        return None
    return f"PMC{match.group(1)}"


def normalize_orcid(text: str | None) -> str | None:
    """Return the 16-character ORCID iD (with hyphens, upper-case X), or None.

    Examples
    --------
    >>> normalize_orcid("https://orcid.org/0000-0002-1825-009x")
    '0000-0002-1825-009X'
    >>> normalize_orcid("http://orcid.org/000000021825009X")  # PubMed sometimes drops hyphens
    '0000-0002-1825-009X'
    """
    if not text:
        return None
    match = _ORCID_RE.search(str(text))
    return "-".join(match.groups()).upper() if match else None


def work_id(
    *,
    pmid: str | None = None,
    doi: str | None = None,
    openalex_id: str | None = None,
    pmcid: str | None = None,
) -> str:
    """The node id of a work: PMID first, then DOI, OpenAlex id, PMCID.

    Examples
    --------
    >>> work_id(pmid="40603629", doi="10.1038/x")
    'pmid:40603629'
    >>> work_id(openalex_id="W1")
    'W1'
    """
    if pmid:
        return f"pmid:{pmid}"
    if doi:
        return f"doi:{doi}"
    if openalex_id:
        return openalex_id
    if pmcid:
        return f"pmcid:{pmcid}"
    raise ValueError("a work needs at least one of pmid, doi, openalex_id, pmcid")


def fold_name(text: str) -> str:
    """Lower case, accents removed, only letters, spaces and hyphens kept (`citegraph.names.fold`).

    Examples
    --------
    >>> fold_name("Étienne  O'Brien")
    'etienne obrien'
    """
    return fold(text)


def name_key(last_name: str | None, fore_name: str | None = None, name: str | None = None) -> str:
    """A key for matching author names: folded family name and first initial.

    The parts win over ``name``, which is split by `citegraph.names.parse_name` (particles stay
    with the family name, so "Fabrizio De Benedetti" keys as ``de benedetti|f``).

    Examples
    --------
    >>> name_key("Wobma", "Holly")
    'wobma|h'
    >>> name_key(None, None, "Stacy P. Ardoin")
    'ardoin|s'
    """
    return parse_name(name, family=last_name, given=fore_name).key


def author_id(
    *,
    orcid: str | None = None,
    openalex_id: str | None = None,
    last_name: str | None = None,
    fore_name: str | None = None,
    name: str | None = None,
) -> str:
    """The node id of an author: ORCID first, then OpenAlex author id, then a name key.

    Examples
    --------
    >>> author_id(orcid="0000-0002-1825-0097")
    'orcid:0000-0002-1825-0097'
    >>> author_id(last_name="Wobma", fore_name="Holly")
    'name:wobma|h'
    """
    if orcid:
        return f"orcid:{orcid}"
    if openalex_id:
        return openalex_id
    return f"name:{name_key(last_name, fore_name, name)}"


def parse_seed(text: str) -> SeedId:
    """Parse one seed as typed by a user.

    Raises `IdError` (listing the accepted forms) when the text is empty, looks like an
    identifier but is malformed, or is too short to be a title.

    Examples
    --------
    >>> parse_seed("https://pubmed.ncbi.nlm.nih.gov/40603629/")
    SeedId(kind='pmid', value='40603629')
    >>> parse_seed("DOI: 10.1038/S41584-025-01272-3.")
    SeedId(kind='doi', value='10.1038/s41584-025-01272-3')
    >>> parse_seed("CAR T cell therapy for children")
    SeedId(kind='title', value='CAR T cell therapy for children')
    """
    raw = (text or "").strip()
    if not raw:
        raise IdError(f"No seed given. Enter one of: {ACCEPTED_FORMS}.")
    lowered = raw.lower()
    scheme = _SCHEME_RE.match(raw)
    if scheme and scheme.group(1).lower() not in _KNOWN_PREFIXES:
        raise IdError(
            f"{_echo(raw)} starts with '{_echo(scheme.group(1), quote=False)}:', which is not a "
            f"link Citegraph follows (only http and https links). Enter one of: {ACCEPTED_FORMS}."
        )
    if _MARKUP_RE.search(raw):
        raise IdError(
            f"{_echo(raw)} looks like HTML markup, not an identifier or a title. "
            f"Enter one of: {ACCEPTED_FORMS}."
        )

    if lowered.startswith(("http://", "https://", "www.", "pubmed.", "doi.org/", "openalex.org/")):
        return _parse_url(raw)
    if lowered.startswith("pmid:"):
        pmid = normalize_pmid(raw)
        if pmid:
            return SeedId("pmid", pmid)
        raise IdError(
            f"{_echo(raw)} is not a valid PMID (digits only). Enter one of: {ACCEPTED_FORMS}."
        )
    if lowered.startswith("doi:") or _DOI_RE.match(raw):
        doi = normalize_doi(raw)
        if doi:
            return SeedId("doi", doi)
        raise IdError(f"{_echo(raw)} is not a complete DOI. Enter one of: {ACCEPTED_FORMS}.")
    if lowered.startswith(("pmcid:", "pmc")) and normalize_pmcid(raw):
        return SeedId("pmcid", normalize_pmcid(raw))
    if lowered.startswith("openalex:") or _OPENALEX_RE.match(raw):
        wid = normalize_openalex_id(raw)
        if wid and wid.startswith("W"):
            return SeedId("openalex", wid)
    if _PMID_RE.match(raw):
        pmid = normalize_pmid(raw)
        if pmid:
            return SeedId("pmid", pmid)
    if re.fullmatch(r"[\w:./-]+", raw) and any(c.isdigit() for c in raw):
        raise IdError(
            f"{_echo(raw)} looks like an identifier but is not one Citegraph knows. "
            f"Enter one of: {ACCEPTED_FORMS}."
        )
    words = re.findall(r"\w+", raw)
    if len(words) >= 3 and len(raw) >= 10:
        return SeedId("title", re.sub(r"\s+", " ", raw))
    raise IdError(f"{_echo(raw)} is too short for a title search. Enter one of: {ACCEPTED_FORMS}.")


def _echo(text: str, *, quote: bool = True) -> str:
    """What the user typed, cut to a readable length for an error message."""
    shown = text if len(text) <= _ECHO else text[: _ECHO - 1] + "…"
    return f"'{shown}'" if quote else shown


def parse_seeds(text: str) -> list[SeedId]:
    """Parse several seeds, one per line (or separated by ';'). Duplicates are dropped.

    The page's seed box and the CLI's arguments both go through here, so both accept and
    refuse the same text.

    Examples
    --------
    >>> [str(s) for s in parse_seeds("40603629; W2741809807\\n40603629")]
    ['pmid:40603629', 'W2741809807']
    """
    parts = [p.strip() for p in re.split(r"[\n;]+", text or "") if p.strip()]
    if not parts:
        raise IdError(f"No seed given. Enter one of: {ACCEPTED_FORMS}.")
    seen: dict[str, SeedId] = {}
    for part in parts:
        seed = parse_seed(part)
        seen.setdefault(str(seed), seed)
    return list(seen.values())


def _parse_url(raw: str) -> SeedId:
    url = raw if "://" in raw else f"https://{raw}"
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    path = unquote(parsed.path)
    segments = [s for s in path.split("/") if s]
    if host.endswith("doi.org"):
        doi = normalize_doi(path.lstrip("/"))
        if doi:
            return SeedId("doi", doi)
    elif host.endswith("openalex.org"):
        for seg in reversed(segments):
            wid = normalize_openalex_id(seg)
            if wid and wid.startswith("W"):
                return SeedId("openalex", wid)
    elif host.endswith("ncbi.nlm.nih.gov") or host.endswith("nih.gov"):
        for seg in segments:
            pmcid = normalize_pmcid(seg) if seg.upper().startswith("PMC") else None
            if pmcid:
                return SeedId("pmcid", pmcid)
        for seg in segments:
            pmid = normalize_pmid(seg)
            if pmid:
                return SeedId("pmid", pmid)
        term = dict(p.split("=", 1) for p in parsed.query.split("&") if "=" in p).get("term")
        if term and normalize_pmid(term):
            return SeedId("pmid", normalize_pmid(term))
    else:
        doi = normalize_doi(path)
        if doi:
            return SeedId("doi", doi)
    raise IdError(
        f"No paper identifier found in the URL {_echo(raw)}. Enter one of: {ACCEPTED_FORMS}."
    )
