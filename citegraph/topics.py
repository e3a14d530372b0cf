"""What a cluster is about: its distinctive terms, by class-based TF-IDF (c-TF-IDF).

Each cluster's works are joined into one "class document" made of the words of their titles and
abstracts (single words and two-word phrases, English stop-words left out) and of their MeSH
headings and keywords (PubMed's author keywords, OpenAlex's keywords; the model does not carry
OpenAlex topics yet), each heading one term. A term scores high in a cluster when it is
frequent there and rare in the other clusters (the
weighting BERTopic calls c-TF-IDF: ``tf(t, c) * log(1 + A / f(t))``, with ``A`` the average
number of terms per cluster and ``f(t)`` the term's frequency over all clusters). A work counts
each term once, so one long abstract cannot name a cluster on its own.

Implemented with numpy and scipy (already dependencies); scikit-learn's ``CountVectorizer`` would
add a 40 MB dependency for what is a tokenizer and one sparse matrix here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from scipy import sparse

from citegraph.model import Corpus, is_missing, text_or_empty

#: English function words, plus the section headings and reporting verbs every abstract has.
STOP_WORDS = frozenset(
    """
    a about above after again against all almost also although always am among an and another
    any are around as at be because been before being below between both but by can cannot
    could did do does doing done down due during each either else enough etc even ever every
    few for from further had has have having he her here hers him his how however i if in into
    is it its itself just least less let like made make many may me might more most much must
    my neither no nor not now of off often on once one only or other others otherwise our ours
    out over own per perhaps quite rather really same several shall she should show showed
    shown shows since so some such than that the their theirs them themselves then there
    therefore these they this those though through thus to together too toward towards under
    until up upon us very via was we well were what whatever when where whereas whether which
    while who whom whose why will with within without would yet you your
    abstract aim aims background conclusion conclusions discussion introduction method methods
    objective objectives purpose result results summary findings study studies paper article
    review reviewed report reported reports present presented describe described using used use
    uses based associated including include includes included new two three four five first
    second found find provide provides potential significant significantly compared different
    high higher low lower increased decreased among however may might approach approaches
    """.split()
)

#: MeSH check tags and other headings nearly every clinical paper carries: they name no topic.
GENERIC_HEADINGS = frozenset(
    h.strip()
    for h in """
    humans|animals|male|female|adult|child|adolescent|infant|aged|middle aged|young adult|
    child, preschool|aged, 80 and over|infant, newborn|mice|rats|retrospective studies|
    prospective studies|treatment outcome|cohort studies|cross-sectional studies|
    follow-up studies|pregnancy|risk factors|time factors|case-control studies
    """.split("|")
)

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*|\d+[A-Za-z][A-Za-z0-9]*")


def work_terms(row: Mapping[str, Any]) -> set[str]:
    """The terms one work contributes: words and two-word phrases of its title and abstract
    (lower case, no stop-words), and its MeSH headings and keywords as whole terms.

    A single letter counts only inside a phrase when written in capitals ("CAR T cells" gives
    "car t" and "t cells"); headings lose MeSH qualifiers ("Lupus/therapy" → "lupus") and the
    major-topic star; `GENERIC_HEADINGS` (Humans, Female…) are left out.

    Examples
    --------
    >>> sorted(work_terms({"title": "CAR T cells for lupus", "mesh": ["*Lupus/therapy", "Humans"]}))
    ['car', 'car t', 'cells', 'lupus', 't cells']
    """
    terms: set[str] = set()
    for field in ("title", "abstract"):
        text = _text(row.get(field))
        if not text:
            continue
        for sentence in re.split(r"[.;:!?()\[\]]", text):
            tokens = [_token(m.group()) for m in _WORD.finditer(sentence)]
            for i, token in enumerate(tokens):
                if token and len(token) > 1:
                    terms.add(token)
                if i and token and tokens[i - 1]:
                    terms.add(f"{tokens[i - 1]} {token}")
    for field in ("mesh", "keywords"):
        values = row.get(field)
        if values is None or isinstance(values, str) or is_missing(values):
            continue
        for value in values:
            heading = text_or_empty(value, strip=True).lstrip("*").split("/")[0].strip().lower()
            if heading and heading not in GENERIC_HEADINGS and heading not in STOP_WORDS:
                terms.add(heading)
    return terms


def ctfidf_terms(
    documents: Mapping[Any, Iterable[Iterable[str]]],
    *,
    top: int = 4,
    min_count: int = 2,
    max_share: float = 0.5,
) -> dict[Any, list[str]]:
    """The ``top`` most distinctive terms of each class, by c-TF-IDF.

    ``documents`` maps a class (a cluster number) to the term sets of its members (works); a
    term counts once per member. Terms found in fewer than ``min_count`` members of a class
    are used only when the class has too few others (so a one-work cluster still gets terms),
    and terms found in more than ``max_share`` of the members of every class (of two members
    or more: every abstract's boilerplate, the field's own name) only after those: c-TF-IDF
    alone still ranks a term that every member has above one that a quarter of a cluster has.
    A term is skipped when it shares a word with a term already chosen ("t cells" or "car"
    after "car t cells"; "cell" after "b cells"), so the few terms shown say different things. Ties go to the longer phrase ("lupus nephritis" before
    "lupus"), then to the alphabetically first term.

    Examples
    --------
    >>> docs = {1: [{"lupus", "b cells"}, {"lupus", "b cells", "kidney"}],
    ...         2: [{"asthma"}, {"asthma", "lupus"}]}
    >>> ctfidf_terms(docs, top=2)
    {1: ['b cells', 'lupus'], 2: ['asthma', 'lupus']}
    """
    classes = list(documents)
    sizes = [len(list(documents[c])) for c in classes]
    counts = [Counter(t for member in documents[c] for t in set(member)) for c in classes]
    vocab = sorted({t for counter in counts for t in counter})
    if not vocab:
        return {c: [] for c in classes}
    index = {t: i for i, t in enumerate(vocab)}
    rows, cols, vals = [], [], []
    for r, counter in enumerate(counts):
        for term, n in counter.items():
            rows.append(r)
            cols.append(index[term])
            vals.append(n)
    X = sparse.csr_matrix((vals, (rows, cols)), shape=(len(classes), len(vocab)), dtype=float)
    per_class = np.asarray(X.sum(axis=1)).ravel()
    per_term = np.asarray(X.sum(axis=0)).ravel()
    average = per_class.mean()
    idf = np.log1p(average / per_term)
    tf = sparse.diags(1.0 / np.maximum(per_class, 1.0)) @ X
    scores = (tf @ sparse.diags(idf)).tocsr()
    # A term most members of every cluster have (boilerplate, the field's own name) names none.
    big = [r for r, n in enumerate(sizes) if n >= 2] or list(range(len(classes)))
    everywhere = {t for t in vocab if all(counts[r][t] > max_share * sizes[r] for r in big)}
    out: dict[Any, list[str]] = {}
    for r, c in enumerate(classes):
        row = scores.getrow(r)
        ranked = sorted(
            zip(row.indices.tolist(), row.data.tolist(), strict=True),
            key=lambda kv: (-round(kv[1], 12), -vocab[kv[0]].count(" "), vocab[kv[0]]),
        )
        tiers: list[list[str]] = [[], [], []]
        for i, _ in ranked:
            if vocab[i] in everywhere:
                tiers[2].append(vocab[i])
            else:
                tiers[0 if counts[r][vocab[i]] >= min_count else 1].append(vocab[i])
        out[c] = _distinct(tiers[0] + tiers[1] + tiers[2], top)
    return out


def cluster_terms(
    corpus: Corpus, clusters: Mapping[str, int], *, top: int = 4, min_count: int = 2
) -> dict[int, list[str]]:
    """Distinctive terms of each cluster of ``clusters`` (``{node: number}``), by `ctfidf_terms`.

    Nodes may be works (citation, similarity and timeline views) or authors (co-author view:
    an author cluster is about the works of its members). Cluster 0 ("other", see
    `citegraph.analysis.merge_small_clusters`) takes part as a class, so that what every
    cluster shares is not distinctive of any.

    Examples
    --------
    >>> c = Corpus.from_rows(works=[
    ...     {"id": "a", "title": "Lupus nephritis in children"},
    ...     {"id": "b", "title": "Lupus nephritis outcomes"},
    ...     {"id": "c", "title": "Asthma in children"},
    ...     {"id": "d", "title": "Asthma inhaler adherence"}])
    >>> cluster_terms(c, {"a": 1, "b": 1, "c": 2, "d": 2}, top=2)
    {1: ['lupus nephritis', 'outcomes'], 2: ['asthma', 'inhaler adherence']}
    """
    works = corpus.works_by_id
    terms_of: dict[str, set[str]] = {}

    def terms(wid: str) -> set[str]:
        if wid not in terms_of:
            terms_of[wid] = work_terms(works[wid]) if wid in works else set()
        return terms_of[wid]

    documents: dict[int, list[set[str]]] = {}
    for node, number in clusters.items():
        node = str(node)
        wids = [node] if node in works else corpus.works_of(node)
        documents.setdefault(int(number), []).extend(terms(w) for w in wids)
    named = ctfidf_terms(documents, top=top, min_count=min_count)
    return {int(c): named[c] for c in sorted(named)}


def _distinct(terms: list[str], top: int) -> list[str]:
    chosen: list[str] = []
    words: list[set[str]] = []
    for term in terms:
        mine = {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in term.split()}
        if any(mine & w for w in words):
            continue
        chosen.append(term)
        words.append(mine)
        if len(chosen) == top:
            break
    return chosen


def _token(word: str) -> str:
    lower = word.lower()
    if lower in STOP_WORDS or lower.isdigit():
        return ""
    if len(word) == 1 and not word.isupper():
        return ""
    return lower


def _text(value: Any) -> str:
    return "" if is_missing(value) else str(value)


def label_from_terms(terms: Iterable[str], *, fallback: str = "") -> str:
    """A cluster name from its terms: "lupus nephritis · b cells · kidney".

    Examples
    --------
    >>> label_from_terms(["lupus", "b cells"]), label_from_terms([], fallback="Cluster 3")
    ('lupus · b cells', 'Cluster 3')
    """
    terms = [t for t in terms if t]
    return " · ".join(terms) if terms else fallback


__all__ = [
    "GENERIC_HEADINGS",
    "STOP_WORDS",
    "ctfidf_terms",
    "cluster_terms",
    "label_from_terms",
    "work_terms",
]
