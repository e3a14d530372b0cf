"""Text from sources as clean Unicode: inline markup (PubMed XML, HTML-ish tags in OpenAlex and
iCite strings, MathML) turned into the characters a reader sees.

Titles and abstracts arrive with ``CD4<sup>+</sup>``, ``<i>in vivo</i>``, ``CO<sub>2</sub>`` or
whole ``<mml:math>`` formulas. Left as they are, they garble CSV cells, BibTeX fields and tooltips;
stripped naively, ``CD4<sup>+</sup>`` becomes "CD4+" and ``10<sup>-3</sup>`` becomes "10-3".
`clean_markup` keeps the meaning where Unicode can: superscript and subscript digits and signs
become ``⁺ ⁻ ² ₂``, everything else keeps its text.

The result is plain text, never markup: whoever displays it still escapes it.

`strip_controls` is the one place that takes out what no exported file should hold: control
characters, bidi overrides and isolates, lone surrogates and the characters XML 1.0 forbids.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any

__all__ = ["clean_markup", "element_markup", "element_text", "safe_ids", "strip_controls"]

_SUPERSCRIPT = str.maketrans("0123456789+-−=()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾")
_SUBSCRIPT = str.maketrans("0123456789+-−=()", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎")
_SCRIPTABLE = set("0123456789+-−=()")
#: Tags after which words must not run together (block-ish HTML, line breaks).
_BREAKS = {"br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
           "title", "abstracttext", "disp-formula", "dispformula"}  # fmt: skip
#: Content that is never text a reader should see.
_DROP = {"script", "style", "annotation", "annotation-xml"}
#: Tag names read as markup; any other "<" is text ("a<b and c>d" keeps its letters).
_KNOWN_TAGS = {
    "i", "b", "u", "em", "strong", "sup", "sub", "sc", "span", "small", "big", "tt", "s",
    "strike", "a", "font", "ul", "ol", "italic", "bold", "underline", "inf",
    "math", "mi", "mo", "mn", "ms", "mtext", "mrow", "msup", "msub", "msubsup", "mfrac",
    "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mspace",
    "mstyle", "mfenced", "menclose", "mpadded", "mphantom", "semantics", "mglyph",
    "mmultiscripts", "mprescripts", "none", "maligngroup", "malignmark", "merror",
    *_BREAKS, *_DROP,
}  # fmt: skip
#: A tag: optional namespace prefix, a name, then nothing, "/", or name="value" attributes.
_TAG = re.compile(
    r"<(/?)((?:[A-Za-z][\w.-]*:)?([A-Za-z][\w.-]*))"
    r"(\s*/?>|\s+[\w:.-]+\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*')[^<>]*>)"
)
#: A quick test for anything clean_markup would change.
_NEEDS_WORK = re.compile(r"[<&]|\s\s|[\t\n\r]|^\s|\s$")
#: Known inline tags still present after one round of unescaping (double-escaped input).
_LEFTOVER_TAG = re.compile(r"</?(?:i|b|u|em|strong|sup|sub|sc|span|mml:\w+)\b[^<>]*>", re.I)


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        # Each open <sup>/<sub> collects its text so it can be mapped as a whole.
        self.stack: list[tuple[str, list[str]]] = []
        self.drop = 0

    def _emit(self, text: str) -> None:
        if self.drop:
            return
        (self.stack[-1][1] if self.stack else self.out).append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name = tag.rsplit(":", 1)[-1].lower()
        if name in _DROP:
            self.drop += 1
        elif name in ("sup", "sub"):
            self.stack.append((name, []))
        elif name in _BREAKS:
            self._emit(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.rsplit(":", 1)[-1].lower() in _BREAKS:
            self._emit(" ")

    def handle_endtag(self, tag: str) -> None:
        name = tag.rsplit(":", 1)[-1].lower()
        if name in _DROP:
            self.drop = max(0, self.drop - 1)
        elif name in ("sup", "sub") and self.stack and self.stack[-1][0] == name:
            self._close_script()
        elif name in _BREAKS:
            self._emit(" ")

    def _close_script(self) -> None:
        name, parts = self.stack.pop()
        text = "".join(parts)
        core = text.strip()
        if core and set(core) <= _SCRIPTABLE:
            text = core.translate(_SUPERSCRIPT if name == "sup" else _SUBSCRIPT)
        self._emit(text)

    def handle_data(self, data: str) -> None:
        self._emit(data)

    def finish(self) -> str:
        self.close()
        while self.stack:  # an unclosed <sup> still shows its text
            self._close_script()
        return "".join(self.out)


def clean_markup(text: str | None) -> str | None:
    """Clean Unicode text from a string that may hold inline markup or entities.

    Superscripts and subscripts made only of digits, ``+``, ``-``/``−``, ``=`` and brackets
    become Unicode super/subscripts; other ones, ``<i>``, ``<b>``, ``<u>``, ``<sc>``, MathML and
    any other tag keep their text and lose the tag (MathML scripts are mapped like
    ``<sup>``/``<sub>``, prescripts included: ``³He``); entities are unescaped once; runs of
    whitespace become one space. A "<" that does not start a tag ("p < 0.05") is text.

    Parameters
    ----------
    text
        A title, abstract or other string from a source; None stays None.

    Returns
    -------
    str or None
        The text, or None when nothing is left.

    Examples
    --------
    >>> clean_markup("CD4<sup>+</sup> T cells and CO<sub>2</sub>")
    'CD4⁺ T cells and CO₂'
    >>> clean_markup("<i>In vivo</i> Ca<sup>2+</sup> at 10<sup>−3</sup> M; T<sub>reg</sub>")
    'In vivo Ca²⁺ at 10⁻³ M; Treg'
    >>> clean_markup("Smith &amp; Jones:  p &lt; 0.05\\n")
    'Smith & Jones: p < 0.05'
    >>> clean_markup('(<mml:math><mml:msup><mml:mi>x</mml:mi><mml:mn>2</mml:mn></mml:msup></mml:math>)')
    '(x²)'
    >>> clean_markup("  ") is None
    True
    """
    if text is None:
        return None
    text = str(text)
    if _NEEDS_WORK.search(text):
        text = _strip(text)
        if _LEFTOVER_TAG.search(text):
            # Double-escaped markup ("&lt;i&gt;") is still markup, not text.
            text = _strip(text)
    return text or None


def _strip(text: str) -> str:
    if "<" in text:
        text = _MATH_BLOCK.sub(_math_block, text)
        text = _escape_stray_lt(text)
        parser = _Extractor()
        parser.feed(text)
        text = parser.finish()
    else:
        text = html.unescape(text)
    return re.sub(r"\s+", " ", text).strip()


#: A whole MathML formula, with or without a namespace prefix.
_MATH_BLOCK = re.compile(r"<((?:\w+:)?)math\b[^>]*>.*?</\1math\s*>", re.S)


def _math_block(match: re.Match[str]) -> str:
    """A MathML formula as text (escaped again, since the HTML pass unescapes it)."""
    raw = re.sub(r"<(/?)[\w.-]+:", r"<\1", match.group(0))
    raw = re.sub(r"\s[\w.-]+:[\w.-]+\s*=\s*(\"[^\"]*\"|'[^']*')", "", raw)  # prefixed attrs
    raw = re.sub(r"\sxmlns\s*=\s*(\"[^\"]*\"|'[^']*')", "", raw)
    try:
        elem = ET.fromstring(raw)
    except ET.ParseError:
        return match.group(0)  # the HTML pass keeps its text content
    return html.escape(_math_text(elem), quote=False)


def _script(text: str, table: dict[int, str]) -> str:
    core = text.strip()
    return core.translate(table) if core and set(core) <= _SCRIPTABLE else core


def _math_text(elem: ET.Element) -> str:
    """Text of a MathML element: scripts as Unicode super/subscripts where they exist."""
    name = elem.tag.rsplit("}", 1)[-1].lower()
    kids = list(elem)
    if name in ("annotation", "annotation-xml", "none", "mprescripts"):
        return ""
    if name in ("mi", "mn", "mo", "ms", "mtext"):
        text = re.sub(r"\s+", " ", "".join(elem.itertext()))
        return text if name == "mtext" else text.strip()
    if name == "semantics" and kids:
        return _math_text(kids[0])
    parts = [_math_text(k) for k in kids]
    if name == "msup" and len(parts) == 2:
        return parts[0] + _script(parts[1], _SUPERSCRIPT)
    if name == "msub" and len(parts) == 2:
        return parts[0] + _script(parts[1], _SUBSCRIPT)
    if name == "msubsup" and len(parts) == 3:
        return parts[0] + _script(parts[1], _SUBSCRIPT) + _script(parts[2], _SUPERSCRIPT)
    if name == "mfrac" and len(parts) == 2:
        return f"{parts[0]}/{parts[1]}"
    if name == "msqrt":
        return "√" + "".join(parts)
    if name == "mmultiscripts" and kids:
        names = [k.tag.rsplit("}", 1)[-1].lower() for k in kids]
        split = names.index("mprescripts") if "mprescripts" in names else len(kids)
        post, pre = parts[1:split], parts[split + 1 :]

        def scripts(pairs: list[str]) -> str:
            out = ""
            for i in range(0, len(pairs) - 1, 2):
                out += _script(pairs[i], _SUBSCRIPT) + _script(pairs[i + 1], _SUPERSCRIPT)
            return out

        return scripts(pre) + parts[0] + scripts(post)
    return "".join(parts)


def _escape_stray_lt(text: str) -> str:
    """Escape every "<" that does not open a known (or namespaced) tag."""
    out, pos = [], 0
    for match in re.finditer("<", text):
        start = match.start()
        tag = _TAG.match(text, start)
        known = tag and (":" in tag.group(2) or tag.group(3).lower() in _KNOWN_TAGS)
        if not known:
            out.append(text[pos:start] + "&lt;")
            pos = start + 1
    out.append(text[pos:])
    return "".join(out)


def element_markup(elem: ET.Element | None) -> str | None:
    """The content of an XML element (its text and children, not its own tag) as markup.

    Examples
    --------
    >>> element_markup(ET.fromstring("<T>CD4<sup>+</sup> &amp; B</T>"))
    'CD4<sup>+</sup> &amp; B'
    """
    if elem is None:
        return None
    parts = [html.escape(elem.text or "", quote=False)]
    parts += [ET.tostring(child, encoding="unicode") for child in elem]
    return "".join(parts)


def element_text(elem: ET.Element | None) -> str | None:
    """Clean Unicode text of an XML element with inline markup (see `clean_markup`).

    Examples
    --------
    >>> element_text(ET.fromstring("<ArticleTitle>CD4<sup>+</sup> <i>T</i> cells</ArticleTitle>"))
    'CD4⁺ T cells'
    >>> element_text(None) is None
    True
    """
    return clean_markup(element_markup(elem))


#: Characters no exported file should hold: C0 controls other than tab and the line breaks,
#: DEL and C1 controls other than NEL, the Arabic letter mark, the left-to-right and right-to-left
#: marks, bidi embeddings, overrides and isolates (they reorder what a reader sees: "txt.exe"
#: shown as "exe.txt"), the byte order mark, lone surrogates (no encoding can write them) and
#: U+FFFE/U+FFFF (XML 1.0 forbids them, like the C0 controls).
_CONTROLS = re.compile(
    "[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u061c\u200e\u200f\u202a-\u202e"
    "\u2066-\u2069\ufeff\ufffe\uffff\ud800-\udfff]"
)
#: Line breaks in any reader's sense (Python's ``str.splitlines`` splits at every one of them).
_BREAK_CHARS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_BREAK = re.compile(f"\r\n|[{_BREAK_CHARS}]")
_BREAK_RUN = re.compile(f"[ \t]*[{_BREAK_CHARS}][{_BREAK_CHARS} \t]*")


def strip_controls(text: str, *, one_line: bool = False) -> str:
    """``text`` without control, bidi-override and XML-illegal characters, ready for a file.

    Removed: C0 controls (NUL, ESC, ...), DEL, C1 controls, lone surrogates, U+FFFE/U+FFFF,
    the bidi marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F,
    U+202A-U+202E, U+2066-U+2069) and the byte order mark U+FEFF. Zero-width spaces and
    joiners stay: scripts and emoji need them, and they neither reorder nor run anything.
    Every kind of line break (CR, CRLF, VT, FF, the separators U+001C-U+001E, NEL, U+2028,
    U+2029) becomes ``"\\n"``; tabs stay.

    Parameters
    ----------
    text
        Any text from a snapshot or an API.
    one_line : bool
        Collapse each run of line breaks and tabs (with the spaces around it) to one space,
        for formats where a line break ends a field (RIS, BibTeX).

    Returns
    -------
    str
        The cleaned text; the text itself is otherwise unchanged.

    Examples
    --------
    >>> strip_controls("evil\\u202etxt.exe\\x00 and \\ud800 gone")
    'eviltxt.exe and  gone'
    >>> strip_controls("one\\r\\ntwo\\u2028three")
    'one\\ntwo\\nthree'
    >>> strip_controls("Title\\nTY  - JOUR\\tx", one_line=True)
    'Title TY  - JOUR x'
    """
    if text.isprintable():  # the usual case, checked in C: nothing to take out
        return text
    text = _CONTROLS.sub("", text)
    if one_line:
        return _BREAK_RUN.sub(" ", text).replace("\t", " ")
    return _BREAK.sub("\n", text)


def safe_ids(keys: Iterable[Any]) -> dict[Any, str]:
    r"""A file-safe id for each key (a graph's nodes, say): ``str(key)`` on one line, without
    control or bidi-override characters (`strip_controls`). Two keys that would then share an
    id are told apart by a suffix ``~2``, ``~3``, ... in the order given, so no node is merged
    into another.

    Examples
    --------
    >>> safe_ids([1, "doi:10.5555/x\u202e", "doi:10.5555/x", "a\nb"])
    {1: '1', 'doi:10.5555/x\u202e': 'doi:10.5555/x', 'doi:10.5555/x': 'doi:10.5555/x~2', 'a\nb': 'a b'}
    """
    ids: dict[Any, str] = {}
    used: set[str] = set()
    for key in keys:
        base = safe = strip_controls(str(key), one_line=True)
        n = 1
        while safe in used:
            n += 1
            safe = f"{base}~{n}"
        used.add(safe)
        ids[key] = safe
    return ids
