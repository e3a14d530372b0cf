"""clean_markup: inline markup from sources as clean Unicode text (inputs are HAND-MADE)."""

from __future__ import annotations

import pytest

from citegraph.text import clean_markup


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CD4<sup>+</sup> T cells", "CD4⁺ T cells"),
        ("CD8<sup>-</sup>", "CD8⁻"),
        ("CO<sub>2</sub> and H<sub>2</sub>O", "CO₂ and H₂O"),
        ("Ca<sup>2+</sup>", "Ca²⁺"),
        ("10<sup>−3</sup>", "10⁻³"),
        ("Apoe<sup>−/−</sup> mice", "Apoe−/− mice"),  # "/" has no superscript: plain text
        ("T<sub>reg</sub> cells", "Treg cells"),
        (
            "<i>In vivo</i>, <b>bold</b>, <u>under</u>, <sc>Small</sc>",
            "In vivo, bold, under, Small",
        ),
        ("<em>x</em><strong>y</strong>", "xy"),
        ("A &amp; B &lt;C&gt; &#233;", "A & B <C> é"),
        ("&lt;i&gt;Homo sapiens&lt;/i&gt;", "Homo sapiens"),  # double-escaped markup
        ("p < 0.05 and a<b and c>d", "p < 0.05 and a<b and c>d"),  # "<" that opens no tag
        ("  many\n\t spaces  ", "many spaces"),
        ("<p>One</p><p>Two</p>", "One Two"),
        ("line<br/>break", "line break"),
        ("unclosed <sup>2", "unclosed ²"),
        ('<span class="x">kept</span>', "kept"),
        ("<script>alert(1)</script>safe", "safe"),
        ("", None),
        (None, None),
    ],
)
def test_clean_markup(raw: str | None, expected: str | None) -> None:
    assert clean_markup(raw) == expected


MML = 'xmlns:mml="http://www.w3.org/1998/Math/MathML"'


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            f"<mml:math {MML}><mml:msup><mml:mi>x</mml:mi><mml:mn>2</mml:mn></mml:msup></mml:math>",
            "x²",
        ),
        (
            f"<mml:math {MML}><mml:msub><mml:mi>a</mml:mi><mml:mi>ij</mml:mi></mml:msub></mml:math>",
            "aij",
        ),
        ("<math><msubsup><mi>x</mi><mn>1</mn><mn>2</mn></msubsup></math>", "x₁²"),
        ("<math><mfrac><mn>1</mn><mn>2</mn></mfrac></math>", "1/2"),
        (
            "<math><mmultiscripts><mi>He</mi><mprescripts/><none/><mn>3</mn></mmultiscripts>"
            "</math>",
            "³He",
        ),
        ("<math><semantics><mi>y</mi><annotation>LaTeX y</annotation></semantics></math>", "y"),
        ("(<math>\n  <mi>α</mi>\n  <mo>=</mo>\n  <mn>0.5</mn>\n</math>)", "(α=0.5)"),
    ],
)
def test_mathml(raw: str, expected: str) -> None:
    assert clean_markup(raw) == expected


def test_plain_text_is_returned_unchanged() -> None:
    text = "Plain title without markup."
    assert clean_markup(text) is text or clean_markup(text) == text
