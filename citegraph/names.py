"""Person names: one parser for every place that splits, labels, cites, matches or sorts a name.

Sources describe a person two ways. PubMed gives structured parts (``LastName``, ``ForeName``,
``Initials``, ``Suffix``); OpenAlex gives one display name ("Fabrizio De Benedetti"). `parse_name`
prefers the parts and splits a display name only when nothing else is known; `merge_names`
combines two descriptions of one person, keeping the structured parts. Every other module reads
names through `PersonName` (labels, BibTeX/RIS forms, matching and sort keys), so a name is split
the same way in the merge, the node ids, the graph labels and the downloads.

Why not the ``nameparser`` package: it reads Western names well, but takes about 0.5 ms per name
here (the merge parses every mention of every author), reads PubMed's "Smith JA" as first name
"Smith", and treats given names such as "Dean" or "Prince" as titles. The rules below cover the
forms bibliographic sources actually print, at a few microseconds per name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache

__all__ = [
    "PersonName",
    "family_compatible",
    "fold",
    "given_compatible",
    "given_tokens",
    "is_group_name",
    "merge_names",
    "parse_name",
]

#: Generational suffixes, folded (no dot) -> as written in output.
_SUFFIXES = {
    "jr": "Jr",
    "sr": "Sr",
    "ii": "II",
    "iii": "III",
    "iv": "IV",
    "2nd": "2nd",
    "3rd": "3rd",
}
#: Family-name prefixes that stay with the family name ("van Beethoven", "De Benedetti").
_PARTICLES = {
    "van", "von", "der", "den", "de", "del", "della", "dei", "degli", "di", "da", "dos", "das",
    "do", "du", "des", "le", "la", "lo", "bin", "binti", "ibn", "al", "el", "ter", "ten", "zu",
    "abu", "bint", "af", "av", "y",
}  # fmt: skip
#: Particles that are also common given names or syllables when capitalised ("Do", "Y"): those
#: count as particles only when written in lower case.
_LOWER_ONLY = {"do", "y", "lo", "af", "av", "zu", "abu", "bint", "binti"}
#: Common Vietnamese family names, folded: "Van" before one of them is a middle name.
_VIETNAMESE_FAMILY = {
    "nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do",
    "ho", "ngo", "duong", "ly", "dinh", "truong", "lam", "mai", "trinh", "luong", "cao", "ha",
}  # fmt: skip
#: Words that make a name a group, never a person.
_GROUP = re.compile(
    r"\b(?:group|groups|consortium|consortia|committee|network|collaborat\w*|investigators|"
    r"working|society|alliance|team|task force|study|trialists|registry|et al)\b",
    re.IGNORECASE,
)
#: Common two-character Chinese family names (an unspaced CJK name otherwise has a one-character
#: family name).
_CJK_COMPOUND = {"欧阳", "司马", "诸葛", "上官", "皇甫", "令狐", "慕容", "南宫", "西门", "东方",
                 "歐陽", "司徒", "夏侯", "尉迟", "公孙", "長孫", "长孙", "宇文", "轩辕"}  # fmt: skip
_HYPHENS = str.maketrans({c: "-" for c in "‐‑‒–—―−"})
#: Latin letters that Unicode does not decompose into a base letter plus an accent.
_LATIN = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
                        "ß": "ss", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th",
                        "Þ": "TH", "ł": "l", "Ł": "L", "ı": "i"})  # fmt: skip
_PUBMED_INITIALS = re.compile(r"^[A-Z]{1,3}$")


@dataclass(frozen=True)
class PersonName:
    """One person's name in parts.

    ``family`` includes its particles ("De Benedetti", "van Beethoven"); ``particles`` repeats
    them; ``initials`` are capitals without dots ("RA"); ``suffix`` is "Jr", "III" and so on.
    A group ("IMPAID Study Group") has ``is_group`` and its whole name as ``family``.
    ``structured`` says the parts came from the source, not from splitting a display name.

    Examples
    --------
    >>> n = parse_name("Fabrizio De Benedetti")
    >>> n.family, n.given, n.particles, n.label, n.bibtex, n.key
    ('De Benedetti', 'Fabrizio', 'De', 'De Benedetti F', 'De Benedetti, Fabrizio', 'de benedetti|f')
    """

    family: str = ""
    given: str = ""
    initials: str = ""
    particles: str = ""
    suffix: str = ""
    is_group: bool = False
    structured: bool = field(default=False, compare=False)

    @property
    def is_cjk(self) -> bool:
        """True when the name is written in CJK characters (family first, no spaces)."""
        return _is_cjk(self.family + self.given)

    @property
    def full(self) -> str:
        """The name as one reads it: "Fabrizio De Benedetti", "Robert A. Colbert Jr", "王小明".

        Examples
        --------
        >>> parse_name(family="Colbert", given="Robert A.", suffix="Jr.").full
        'Robert A. Colbert Jr'
        """
        if self.is_group:
            return self.family
        if self.is_cjk:
            return f"{self.family}{self.given}"
        given = self.given or _dotted(self.initials)
        return " ".join(p for p in (given, self.family, self.suffix) if p)

    @property
    def label(self) -> str:
        """Short label as PubMed prints author lists: "De Benedetti F", "Colbert RA Jr".

        Examples
        --------
        >>> parse_name("Ludwig van Beethoven").label
        'van Beethoven L'
        """
        if self.is_group or self.is_cjk:
            return self.full
        return " ".join(p for p in (self.family, self.initials, self.suffix) if p)

    @property
    def bibtex(self) -> str:
        """BibTeX's "von Last, Jr, First" form; a group is braced so BibTeX keeps it whole.

        Examples
        --------
        >>> parse_name("Robert A. Colbert Jr.").bibtex
        'Colbert, Jr, Robert A.'
        >>> parse_name("IMPAID Study Group").bibtex
        '{IMPAID Study Group}'
        """
        if self.is_group:
            return "{" + self.family + "}"
        given = self.given or _dotted(self.initials)
        return ", ".join(p for p in (self.family, self.suffix, given) if p)

    @property
    def ris(self) -> str:
        """RIS ``AU`` form "Last, First, Suffix": "De Benedetti, Fabrizio".

        Examples
        --------
        >>> parse_name("Colbert, Robert A., Jr.").ris
        'Colbert, Robert A., Jr'
        """
        if self.is_group:
            return self.family
        given = self.given or _dotted(self.initials)
        return ", ".join(p for p in (self.family, given, self.suffix) if p)

    @property
    def key(self) -> str:
        """Matching key: folded family name and folded first initial (``wobma|h``).

        Examples
        --------
        >>> parse_name("Étienne O’Brien").key == parse_name("O'Brien, E.").key
        True
        """
        first = fold(self.given or self.initials)[:1]
        return f"{fold(self.family)}|{first}"

    @property
    def sort_key(self) -> str:
        """Key for alphabetical author lists: family name without lower-case particles (as
        BibTeX sorts "van Beethoven" under B), then given name, folded.

        Examples
        --------
        >>> sorted(["Anna Zorn", "Ludwig van Beethoven", "Fabrizio De Benedetti"],
        ...        key=lambda s: parse_name(s).sort_key)
        ['Ludwig van Beethoven', 'Fabrizio De Benedetti', 'Anna Zorn']
        """
        words = self.family.split()
        while len(words) > 1 and words[0].islower() and words[0] in _PARTICLES:
            words.pop(0)
        return f"{fold(' '.join(words))}|{fold(self.given or self.initials)}|{self.suffix}"


def parse_name(
    display: str | None = None,
    *,
    family: str | None = None,
    given: str | None = None,
    initials: str | None = None,
    suffix: str | None = None,
) -> PersonName:
    """Parse a person's name, preferring structured parts over splitting ``display``.

    A display name is read as "Family, Given[, Suffix]" when it has a comma; as PubMed's
    "Family INITIALS" when it ends in one to three capitals ("Smith JA"); as "Given Family"
    otherwise, keeping particles with the family ("Ludwig van Beethoven") and generational
    suffixes apart ("Robert A. Colbert Jr."). In mixed case, all-capital words are the family
    ("SMITH John"); an all-capital name is title-cased. CJK names are family first. A single word
    is a family name; a group name ("... Study Group", "et al.") is never a person.

    Examples
    --------
    >>> parse_name(family="De Benedetti", given="Fabrizio").label
    'De Benedetti F'
    >>> n = parse_name("Smith JA")
    >>> n.family, n.initials, n.full
    ('Smith', 'JA', 'J. A. Smith')
    >>> parse_name("王小明").family, parse_name("Madonna").family, parse_name("et al.").is_group
    ('王', 'Madonna', True)
    """
    family = _clean(family)
    given = _clean(given)
    initials = _clean(initials).replace(".", "").replace(" ", "")
    suffix = _suffix(_clean(suffix)) if suffix else ""
    if family:
        return _structured(family, given, initials, suffix)
    return _parse_display(_clean(display), given, initials, suffix)


def merge_names(a: PersonName, b: PersonName) -> PersonName:
    """One name from two descriptions of one person: structured parts win, then the fuller
    given name; missing initials, given name or suffix are taken from the other description.

    Examples
    --------
    >>> pubmed = parse_name(family="De Benedetti", given="F", initials="F")
    >>> openalex = parse_name("Fabrizio De Benedetti")
    >>> merge_names(pubmed, openalex).full, merge_names(openalex, pubmed).full
    ('Fabrizio De Benedetti', 'Fabrizio De Benedetti')
    """
    if a.is_group != b.is_group:
        return b if a.is_group else a
    base, other = sorted((a, b), key=_preference)
    if base.is_group:
        return base
    changes: dict[str, str] = {}
    if _bare(base.family) == _bare(other.family):
        fuller = given_tokens(other.given)
        mine = given_tokens(base.given)
        if (
            given_compatible(base.given or base.initials, other.given)
            and len(fuller) >= len(mine)
            and sum(map(len, fuller)) > sum(map(len, mine))
        ):
            changes["given"] = other.given
        if not base.initials and other.initials:
            changes["initials"] = other.initials
        if not base.suffix and other.suffix:
            changes["suffix"] = other.suffix
    return replace(base, **changes) if changes else base


def is_group_name(text: str) -> bool:
    """True for a collective author ("IMPAID Study Group", "et al."), never a person.

    Examples
    --------
    >>> is_group_name("COVID-19 Genomics UK Consortium"), is_group_name("Anna Grouper")
    (True, False)
    """
    return bool(_GROUP.search(text or ""))


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Folded text for matching: accents stripped, case-folded, apostrophes dropped, dashes as
    hyphens, only letters, spaces and hyphens kept.

    Examples
    --------
    >>> fold("Étienne  O’Brien"), fold("Bjørn Smith–Jones")
    ('etienne obrien', 'bjorn smith-jones')
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_LATIN).translate(_HYPHENS))
    plain = "".join(c for c in decomposed if c.isalpha() or c in " -" or c.isspace())
    return re.sub(r"\s+", " ", plain.casefold()).strip()


@lru_cache(maxsize=200_000)
def given_tokens(given: str) -> tuple[str, ...]:
    """Folded given-name tokens, PubMed initials ("JA") spread into letters.

    Examples
    --------
    >>> given_tokens("Jean-Luc"), given_tokens("JA"), given_tokens("J. A.")
    (('jean', 'luc'), ('j', 'a'), ('j', 'a'))
    """
    tokens: list[str] = []
    for raw in re.split(r"[\s.\-‐‑–]+", given or ""):
        if not raw:
            continue
        if raw.isupper() and 1 < len(raw) <= 3 and raw.isalpha():
            tokens.extend(raw.lower())
        else:
            folded = fold(raw).replace(" ", "")
            if folded:
                tokens.append(folded)
    return tuple(tokens)


def given_compatible(a: str, b: str) -> bool:
    """Given names that can be one person's: "J" ~ "John", "J A" ~ "John Andrew", "John" !~ "Jane".

    Examples
    --------
    >>> given_compatible("J", "John"), given_compatible("John", "Jane")
    (True, False)
    >>> given_compatible("JA", "John A."), given_compatible("John A", "John B")
    (True, False)
    """
    for x, y in zip(given_tokens(a), given_tokens(b), strict=False):
        if x == y:
            continue
        if (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y)):
            continue
        return False
    return True


def family_compatible(a: str, b: str) -> bool:
    """Folded family names that can be one person's: equal but for spaces and hyphens, or one a
    subset of the other's words ("garcia" ~ "garcia lopez").

    Examples
    --------
    >>> family_compatible("smith-jones", "smith jones"), family_compatible("smith", "jones")
    (True, False)
    """
    if not a or not b:
        return False
    if a.replace(" ", "").replace("-", "") == b.replace(" ", "").replace("-", ""):
        return True
    ta, tb = set(re.split(r"[\s-]+", a)), set(re.split(r"[\s-]+", b))
    return ta <= tb or tb <= ta


# ---------------------------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    if not text:
        return ""
    # Typographic apostrophes are kept as written (they are data); only `fold` drops them.
    return re.sub(r"\s+", " ", str(text)).strip()


def _suffix(token: str) -> str:
    return _SUFFIXES.get(token.strip().rstrip(".").lower(), "")


def _is_suffix(token: str) -> bool:
    return token.rstrip(".,").lower() in _SUFFIXES


def _is_cjk(text: str) -> bool:
    letters = [c for c in text if not c.isspace()]
    return bool(letters) and all(
        "\u2e80" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" or "\uf900" <= c <= "\ufaff"
        for c in letters
    )


def _is_particle(word: str) -> bool:
    low = word.lower()
    return low in _PARTICLES and (word.islower() or low not in _LOWER_ONLY)


def _particles(family: str) -> str:
    words = family.split()
    taken = []
    for word in words[:-1]:
        if not _is_particle(word):
            break
        taken.append(word)
    return " ".join(taken)


def _initials(given: str) -> str:
    out = []
    for raw in re.split(r"[\s.\-‐‑–]+", given):
        if not raw:
            continue
        if raw.isupper() and 1 < len(raw) <= 3 and raw.isalpha():
            out.append(raw)
        else:
            first = next((c for c in raw if c.isalpha()), "")
            out.append(first.upper())
    return "".join(out)


def _dotted(initials: str) -> str:
    return " ".join(f"{c}." for c in initials)


def _titled(word: str) -> str:
    """Title case for a word of an all-capital source ("O'BRIEN" -> "O'Brien")."""
    if word.lower() in _PARTICLES:
        return word.capitalize()
    return "-".join(p.title() for p in word.split("-"))


def _structured(family: str, given: str, initials: str, suffix: str) -> PersonName:
    if not suffix:
        words = family.split()
        if len(words) > 1 and _is_suffix(words[-1]):
            suffix, family = _suffix(words[-1]), " ".join(words[:-1])
        words = given.split()
        if len(words) > 1 and _is_suffix(words[-1]):
            suffix, given = _suffix(words[-1]), " ".join(words[:-1])
    if _all_initials(given):
        # PubMed's ForeName is sometimes only initials ("JA"): they are not a given name.
        initials, given = initials or given, ""
    if not given and not initials and is_group_name(family):
        return PersonName(family=family, is_group=True, structured=True)
    if _is_cjk(family + given):
        initials = initials or given[:1]
    else:
        initials = initials or _initials(given)
    return PersonName(family=family, given=given, initials=initials,
                      particles=_particles(family), suffix=suffix, structured=True)  # fmt: skip


@lru_cache(maxsize=200_000)
def _parse_display(text: str, given: str, initials: str, suffix: str) -> PersonName:
    if not text:
        return PersonName(given=given, initials=initials or _initials(given), suffix=suffix)
    if is_group_name(text):
        return PersonName(family=text, is_group=True)
    if _is_cjk(text):
        words = text.split()
        if len(words) > 1:
            fam, giv = words[0], "".join(words[1:])
        else:
            size = 2 if text[:2] in _CJK_COMPOUND and len(text) > 2 else 1
            fam, giv = (text[:size], text[size:]) if len(text) > 1 else (text, "")
        return PersonName(family=fam, given=given or giv, initials=initials or giv[:1],
                          suffix=suffix)  # fmt: skip
    fam, giv, suf = _split_display(text)
    giv = given or giv
    return PersonName(
        family=fam,
        given="" if _all_initials(giv) else giv,
        initials=initials or _initials(giv),
        particles=_particles(fam),
        suffix=suffix or suf,
    )


def _all_initials(given: str) -> bool:
    # PubMed's "JA" after the family name: initials, not a given name.
    return bool(_PUBMED_INITIALS.match(given))


def _split_display(text: str) -> tuple[str, str, str]:
    """(family, given, suffix) of a display name."""
    suffix = ""
    if "," in text:
        parts = [p.strip() for p in text.split(",") if p.strip()]
        rest = []
        for p in parts[1:]:
            if _is_suffix(p) and not suffix:
                suffix = _suffix(p)
            else:
                rest.append(p)
        fam_words = parts[0].split() if parts else []
        if len(fam_words) > 1 and _is_suffix(fam_words[-1]) and not suffix:
            suffix = _suffix(fam_words.pop())
        giv_words = " ".join(rest).split()
        if len(giv_words) > 1 and _is_suffix(giv_words[-1]) and not suffix:
            suffix = _suffix(giv_words.pop())
        fam, giv = " ".join(fam_words), " ".join(giv_words)
        if fam.isupper() and not giv.isupper():
            fam = " ".join(_titled(w) for w in fam.split())
        elif (fam + giv).isupper():
            fam = " ".join(_titled(w) for w in fam.split())
            giv = " ".join(_titled(w) if len(w) > 3 else w for w in giv.split())
        return fam, giv, suffix
    words = text.split()
    kept = []
    for w in words:
        if _is_suffix(w) and not suffix and len(words) > 1:
            suffix = _suffix(w)
        else:
            kept.append(w)
    words = kept
    if len(words) == 1:
        word = words[0]
        return (_titled(word) if word.isupper() and len(word) > 3 else word), "", suffix
    # PubMed's "Smith JA", "De Benedetti F": capitals after a mixed-case family name.
    # In an all-capital name the same holds after a long first word ("SMITH JA").
    if _PUBMED_INITIALS.match(words[-1].replace(".", "")) and (
        any(not w.isupper() for w in words[:-1]) or len(words[0]) > 3
    ):
        family = words[:-1] if not text.isupper() else [_titled(w) for w in words[:-1]]
        return " ".join(family), words[-1].replace(".", ""), suffix
    if text.isupper():
        words = [_titled(w) for w in words]
    else:
        # Mixed case: words in capitals (two letters or more) mark the family ("SMITH John").
        caps = [i for i, w in enumerate(words)
                if w.isupper() and "." not in w and sum(c.isalpha() for c in w) > 1]  # fmt: skip
        if caps and len(caps) < len(words) and caps == list(range(caps[0], caps[-1] + 1)):
            fam = " ".join(_titled(words[i]) for i in caps)
            giv = " ".join(w for i, w in enumerate(words) if i not in caps)
            return fam, giv, suffix
    start = len(words) - 1
    # "Anh Van Nguyen": Vietnamese "Van" before the family name is a middle name, not Dutch.
    vietnamese = fold(words[-1]) in _VIETNAMESE_FAMILY
    while (
        start > 1
        and _is_particle(words[start - 1])
        and not (vietnamese and words[start - 1].lower() == "van")
    ):
        start -= 1
    return " ".join(words[start:]), " ".join(words[:start]), suffix


def _preference(n: PersonName) -> tuple:
    # Structured parts first, then the fuller given name; the rest only makes the choice
    # independent of argument order.
    tokens = given_tokens(n.given)
    return (not n.structured, -len(tokens), -len(n.given), n.family, n.given, n.initials,
            n.suffix, n.particles)  # fmt: skip


def _bare(family: str) -> str:
    return fold(family).replace(" ", "").replace("-", "")
