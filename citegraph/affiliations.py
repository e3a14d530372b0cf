"""Affiliations and institutions: one place that compares, cleans and reads them.

- `normalize_affiliation`: the comparison form of an affiliation string (never shown).
- `is_junk_affiliation`: strings that say nothing (``"[]"``, ``"USA"``, an e-mail address alone).
- `dedupe_affiliations`: one entry per near-duplicate, the best-formed original text kept.
- `institution_names`: structured institutions (OpenAlex, with ROR id and country first); the
  heuristic `parse_institution` only where a person has no structured institution.
- `affiliation_tokens`: institution-level evidence for merging people by name + affiliation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from citegraph.model import Institution, is_missing

__all__ = [
    "affiliation_tokens",
    "dedupe_affiliations",
    "institution_names",
    "is_junk_affiliation",
    "normalize_affiliation",
    "parse_institution",
]

#: An e-mail address, with "Electronic address:" before it. A match starts only at that prefix or
#: at the start of a word, and the part before "@" holds no "@": linear time, where a free start
#: took 38 s on one 50,000-character word (every start scanned the rest of the word).
_EMAIL = re.compile(
    r"(?:\belectronic\s+address\s*:?\s*|(?<![^\s,;()<>]))[^\s,;()<>@]+@[^\s,;()<>]+", re.I
)
_ELECTRONIC = re.compile(r"\belectronic\s+address\s*:?", re.I)
_PUNCT = re.compile(r"[\W_]+")
#: Country spellings (folded) → one form, so "…, USA." and "…, United States" compare equal.
_COUNTRY_ALIASES = {
    "usa": "us", "u s a": "us", "us": "us", "u s": "us", "united states": "us",
    "united states of america": "us", "america": "us",
    "uk": "gb", "u k": "gb", "united kingdom": "gb", "great britain": "gb", "england": "gb",
    "scotland": "gb", "wales": "gb", "northern ireland": "gb",
    "netherlands": "nl", "the netherlands": "nl", "holland": "nl",
    "korea": "kr", "south korea": "kr", "republic of korea": "kr", "korea republic of": "kr",
    "china": "cn", "pr china": "cn", "p r china": "cn", "people s republic of china": "cn",
    "peoples republic of china": "cn",
    "canada": "ca", "australia": "au", "germany": "de", "deutschland": "de", "france": "fr",
    "italy": "it", "italia": "it", "spain": "es", "espana": "es", "japan": "jp",
    "switzerland": "ch", "sweden": "se", "norway": "no", "denmark": "dk", "finland": "fi",
    "belgium": "be", "austria": "at", "israel": "il", "india": "in", "brazil": "br",
    "singapore": "sg", "ireland": "ie", "portugal": "pt", "poland": "pl", "mexico": "mx",
    "turkey": "tr", "turkiye": "tr", "russia": "ru", "russian federation": "ru",
    "new zealand": "nz", "south africa": "za", "argentina": "ar", "chile": "cl", "egypt": "eg",
    "greece": "gr", "iran": "ir", "taiwan": "tw", "hong kong": "hk", "czech republic": "cz",
    "czechia": "cz", "hungary": "hu", "saudi arabia": "sa", "thailand": "th", "pakistan": "pk",
}  # fmt: skip
#: Strings that stand for "no affiliation" in source data.
#: Author footnotes that OpenAlex's raw affiliation strings carry: notes, not institutions.
_FOOTNOTES = re.compile(
    r"^(?:(?:these|the) authors? contributed equally\b.*|contributed equally\b.*"
    r"|equal(?:ly)? contribut\w*(?: to this work)?|co ?first authors?|joint first authors?"
    r"|deceased|corresponding authors?\b.*)$"
)
_PLACEHOLDERS = {"", "none", "null", "n a", "na", "nan", "unknown", "not available", "undefined"}
_US_STATE = re.compile(r"^[a-z]{2}$")
_COUNTRY_CODES = frozenset(_COUNTRY_ALIASES.values())


def normalize_affiliation(text: Any) -> str:
    """The comparison form of an affiliation ("" for nothing): never shown to anyone.

    Unicode NFKC then accents removed, case-folded, e-mail addresses and "Electronic address:"
    dropped, apostrophes removed ("Children's" ~ "Childrens"), "&" read as "and", punctuation
    as space, spaces collapsed, and a trailing country
    written one way ("USA", "U.S.A.", "United States" → "us").

    Examples
    --------
    >>> normalize_affiliation("Dept. of Pediatrics,  Boston Children's Hospital, Boston, MA, USA.")
    'dept of pediatrics boston childrens hospital boston ma us'
    >>> normalize_affiliation("dept of pediatrics boston childrens hospital boston ma "
    ...                       "United States")
    'dept of pediatrics boston childrens hospital boston ma us'
    >>> normalize_affiliation("Hôpital Necker, Paris, France. Electronic address: a@b.fr")
    'hopital necker paris fr'
    """
    if text is None or is_missing(text):
        return ""
    return _normalize(str(text))


@lru_cache(maxsize=200_000)
def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _EMAIL.sub(" ", text)
    text = _ELECTRONIC.sub(" ", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"['\u2019`\u00b4]", "", text)
    words = _PUNCT.sub(" ", text.replace("&", " and ")).split()
    for size in (4, 3, 2, 1):
        if len(words) >= size and " ".join(words[-size:]) in _COUNTRY_ALIASES:
            words[-size:] = [_COUNTRY_ALIASES[" ".join(words[-size:])]]
            break
    return " ".join(words)


def is_junk_affiliation(text: Any) -> bool:
    """True for affiliation strings that name nothing: empty, only punctuation (``"[]"``, as
    OpenAlex's raw affiliation field has it), an e-mail address or "Electronic address:" alone,
    a placeholder ("N/A", "null"), a country alone, or one word of two letters (a state code).

    Single words that could be an institution ("Inserm", "Genentech") are kept.

    Examples
    --------
    >>> [is_junk_affiliation(a) for a in ("[]", " ", "USA", "United States.", "x@y.org", "CA")]
    [True, True, True, True, True, True]
    >>> is_junk_affiliation("Electronic address: ann.lee@example.org.")
    True
    >>> is_junk_affiliation("Equal contribution"), is_junk_affiliation("Deceased.")
    (True, True)
    >>> is_junk_affiliation("Inserm"), is_junk_affiliation("Kyoto University, Kyoto, Japan")
    (False, False)
    """
    if text is None or (not isinstance(text, str) and is_missing(text)):
        return True
    return _read(str(text)) is None


@lru_cache(maxsize=200_000)
def _read(text: str) -> tuple[str, tuple[bool, bool, int]] | None:
    """(comparison key, form rank) of an affiliation string; None for junk. Cached: the same
    strings come back on every paper of a person."""
    key = _normalize(text)
    if key in _PLACEHOLDERS or key in _COUNTRY_CODES or key in _COUNTRY_ALIASES:
        return None
    if _FOOTNOTES.match(key):
        return None
    if " " not in key and (_US_STATE.match(key) or key.isdigit()):
        return None
    text = text.strip()
    flat = any(c.isalpha() for c in text) and (text == text.upper() or text == text.lower())
    punctuation = sum(1 for c in text if c in ",;.")
    return key, (flat, "  " in text, -punctuation)


def dedupe_affiliations(texts: Iterable[Any]) -> list[str]:
    """Affiliations without junk and near-duplicates, in order of first appearance.

    Near-duplicates have one `normalize_affiliation`; of those the best-formed original is kept
    (mixed case over all upper or lower case, then without doubled spaces, then the one with more
    punctuation, i.e. commas between its parts, then the first seen), with outer spaces stripped.

    Examples
    --------
    >>> dedupe_affiliations([
    ...     "Department of Medicine Kyoto University Kyoto Japan",
    ...     "[]",
    ...     "Department of Medicine, Kyoto University, Kyoto, Japan.",
    ...     "DEPARTMENT OF MEDICINE, KYOTO UNIVERSITY, KYOTO, JAPAN",
    ...     "Japan",
    ... ])
    ['Department of Medicine, Kyoto University, Kyoto, Japan.']
    """
    best: dict[str, tuple[tuple[bool, bool, int], str]] = {}
    for raw in texts:
        if raw is None or (not isinstance(raw, str) and is_missing(raw)):
            continue
        text = str(raw)
        read = _read(text)
        if read is None:
            continue
        key, rank = read
        # Strictly better only: among equals the first seen stays.
        if key not in best or rank < best[key][0]:
            best[key] = (rank, text.strip())
    return [text for _, text in best.values()]


def institution_names(
    institutions: Iterable[Institution | str], affiliations: Iterable[str] = ()
) -> list[str]:
    """The institutions of a person or authorship, each once.

    Structured institutions come first: those with a ROR id and a country, then with a ROR id,
    then the rest, in the order given. Only when there is none is each affiliation string read
    with the heuristic `parse_institution`.

    Examples
    --------
    >>> names = institution_names(
    ...     [Institution("Generated Clinic"), Institution("Example University",
    ...                                                   ror="https://ror.org/0test", country="US")],
    ...     ["Dept of Tests, Example University, Testville, USA."])
    >>> names
    ['Example University', 'Generated Clinic']
    >>> institution_names([], ["Division of Immunology, Boston Children's Hospital, Boston, MA",
    ...                        "Boston Childrens Hospital, Boston"])
    ["Boston Children's Hospital"]
    """
    structured: list[Institution] = []
    for inst in institutions:
        if isinstance(inst, Institution):
            structured.append(inst)
        elif isinstance(inst, str) or (inst is not None and not is_missing(inst)):
            structured.append(Institution(name=str(inst)))
    ranked = sorted(
        enumerate(structured), key=lambda t: (not (t[1].ror and t[1].country), not t[1].ror, t[0])
    )
    names = _dedupe_names(i.name for _, i in ranked)
    if names:
        return names
    return _dedupe_names(_parse_cached(a) for a in dedupe_affiliations(affiliations))


def _dedupe_names(names: Iterable[str | None]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        read = _read(name) if name else None
        if read is not None:
            seen.setdefault(read[0], name.strip())
    return list(seen.values())


@lru_cache(maxsize=100_000)
def _parse_cached(affiliation: str) -> str | None:
    return parse_institution(affiliation)


def affiliation_tokens(
    affiliations: Iterable[str], institutions: Iterable[Institution] = ()
) -> set[str]:
    """Institution-level evidence that two mentions are one person.

    ROR ids (``ror:…``), OpenAlex institution ids (``oa:…``), institution names, and every
    segment of an affiliation that names an institution by the rules of `parse_institution`
    (``inst:<normalized>``). Departments, cities and countries are not evidence: "Department
    of Paediatrics, USA" is printed by thousands of people.

    Examples
    --------
    >>> sorted(affiliation_tokens(["Division of Tests, Generated Children's Hospital, Testville"],
    ...                           [Institution("Example University", ror="https://ror.org/0TEST")]))
    ['inst:example university', 'inst:generated childrens hospital', 'ror:0test']
    >>> affiliation_tokens(["Department of Paediatrics, USA"])
    set()
    """
    tokens: set[str] = set()
    for inst in institutions:
        if inst.ror:
            tokens.add(f"ror:{inst.ror.rstrip('/').rsplit('/', 1)[-1].lower()}")
        if inst.openalex_id:
            tokens.add(f"oa:{inst.openalex_id.rsplit('/', 1)[-1].upper()}")
        if inst.name and normalize_affiliation(inst.name):
            tokens.add(f"inst:{normalize_affiliation(inst.name)}")
    for aff in affiliations:
        if aff and not is_missing(aff):
            tokens.update(_segment_tokens(str(aff)))
    return tokens


@lru_cache(maxsize=100_000)
def _segment_tokens(affiliation: str) -> frozenset[str]:
    return frozenset(
        f"inst:{normalize_affiliation(segment)}"
        for _, _, segment in _institution_segments(affiliation)
        if normalize_affiliation(segment)
    )


_KEEP = [
    # (tier, pattern): the highest tier wins; within a tier the last segment wins, because
    # affiliations run from the smallest unit to the parent organisation.
    (4, r"\bNational Institutes of Health\b"),
    (3, r"\bUniversit|\bUniversidad|\bUniversidade|\bUniversiteit|\bUniwersytet|\bInstitutet\b"),
    (
        2,
        r"\bHospital|\bHôpital|\bHospitalier|\bKlinik|\bClinic\b|\bInstitut|\bIstituto"
        r"|\bMedical Cent|\bHealth System\b|\bChildren's\b|\bCancer Cent",
    ),  # fmt: skip
    (
        1,
        r"\bCollege\b|\bSchool\b|\bCent(?:er|re|ro)\b|\bFoundation\b|\bAcademy\b|\bAcademia"
        r"|\bLaborator(?:y|ies)\b|\bCouncil\b|\bAgency\b|\bMinistry\b|\bInc\b|\bLtd\b|\bGmbH\b"
        r"|\bLLC\b|\bCorporation\b|\bPharmaceuticals?\b|\bConsortium\b|\bCampus\b",
    ),  # fmt: skip
]
_UNIT = re.compile(
    r"^(?:the\s+)?(?:Dept\.?|Departments?|Division|Section|Unit|Program(?:me)?|Service|Lab\b"
    r"|Laboratory of|Graduate|Faculty of|Chair of|Group|Branch|Team)\b"
    r"|\b(?:Unit|Branch|Section|Program(?:me)?|Group|Division|Department|Team)$",
    re.IGNORECASE,
)
_SUBUNIT = re.compile(
    r"\s+(?:Graduate\s+)?(?:School|College|Faculty|Department) of .*$", re.IGNORECASE
)
#: "Perelman School of Medicine at the University of Pennsylvania": the parent comes last.
_AT_PARENT = re.compile(r"\b(?:at|of)\s+(?:the\s+)?(Universit\w*\s+of\s+.+)$", re.IGNORECASE)
#: University systems whose campuses are separate institutions; the campus follows a comma.
_SYSTEMS = {"University of California", "University of Texas", "University of Wisconsin",
            "University of Illinois", "University of Massachusetts", "University of Maryland"}  # fmt: skip
_INSTITUTION_WORD = re.compile(r"Hospital|Universit|Institut|Clinic|Cent(?:er|re)", re.IGNORECASE)


def _institution_segments(affiliation: str) -> list[tuple[int, int, str]]:
    """(tier, index, segment) of each comma- or semicolon-separated part naming an institution."""
    text = _EMAIL.sub("", affiliation)
    out = []
    for index, segment in enumerate(_segments(text)):
        if not segment or _UNIT.search(segment) or is_junk_affiliation(segment):
            continue
        # Street numbers, postcodes, PO boxes; but "Hospital Universitario 12 de Octubre" stays.
        if re.search(r"\d", segment) and not _INSTITUTION_WORD.search(segment):
            continue
        # Upper tiers match case-sensitively (names are capitalised); read ALL-CAPS as Title Case.
        probe = segment.title() if segment.isupper() else segment
        for tier, pattern in _KEEP:
            if re.search(pattern, probe, re.IGNORECASE if tier < 2 else 0):
                out.append((tier, index, segment))
                break
    return out


def _segments(text: str) -> list[str]:
    return [raw.strip().strip(".").strip() for raw in re.split(r"[,;]", text)]


def parse_institution(affiliation: Any) -> str | None:
    """The institution named in an affiliation string, or None when none is recognisable.

    The heuristic for affiliations without a structured institution (see `institution_names`).
    Departments, divisions and units, street addresses and postcodes, countries and e-mail
    addresses are dropped; of the rest, a segment naming a university beats a hospital or
    institute, which beats a school, centre or company; among equals the last one (the parent
    organisation) wins. "X University School of Medicine" is shortened to "X University".

    Examples
    --------
    >>> parse_institution("Division of Immunology, Boston Children's Hospital, Boston, MA, USA.")
    "Boston Children's Hospital"
    >>> parse_institution("Department of Oncology, Johns Hopkins University School of Medicine, "
    ...                   "Baltimore, MD, USA.")
    'Johns Hopkins University'
    >>> parse_institution("Boston, MA, USA.") is None
    True
    >>> parse_institution("Perelman School of Medicine at the University of Pennsylvania, "
    ...                   "Philadelphia, PA, USA")
    'University of Pennsylvania'
    >>> parse_institution("Department of Pediatrics, University of California, San Francisco, CA")
    'University of California, San Francisco'
    >>> parse_institution("Kyoto University Graduate School of Medicine, Kyoto, Japan")
    'Kyoto University'
    >>> parse_institution("Servicio de Pediatría, Hospital Universitario 12 de Octubre, Madrid")
    'Hospital Universitario 12 de Octubre'

    """
    if not affiliation or is_missing(affiliation):
        return None
    text = _EMAIL.sub("", str(affiliation))
    candidates = _institution_segments(text)
    if not candidates:
        return None
    tier, index, name = max(candidates, key=lambda c: (c[0], c[1]))
    parent = _AT_PARENT.search(name)
    if parent and _SUBUNIT.search(name[: parent.start()] + " "):
        name = parent.group(1)
    elif tier >= 2:
        match = _SUBUNIT.search(name)
        # Trim "… School of Medicine" only after the institution's own name.
        if match and _INSTITUTION_WORD.search(name[: match.start()]):
            name = name[: match.start()]
    segments = _segments(text)
    nxt = segments[index + 1] if index + 1 < len(segments) else ""
    if name in _SYSTEMS and nxt and len(nxt) > 2 and not re.search(r"\d", nxt):
        name = f"{name}, {nxt}"  # University of California, San Francisco
    return re.sub(r"^the\s+", "", name, flags=re.IGNORECASE).strip() or None
