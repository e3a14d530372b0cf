"""Citegraph: the literature around a seed paper, as citation, similarity and co-author networks."""

from __future__ import annotations

from collections.abc import Iterable

__version__ = "0.1.0"


class CitegraphError(Exception):
    """Base class of every error Citegraph raises on purpose.

    The message is written for the person using the tool: what went wrong and what to do.
    """


class OptionError(CitegraphError, ValueError):
    """An option was given a value it does not take: an unknown clustering method, export
    format, view, link kind or colour key. The message names the bad value and the valid ones.

    It is also a `ValueError`, so code that guards option values the standard way catches it.
    """


def check_option(value: str, choices: Iterable[str], *, what: str) -> str:
    """``value`` if it is one of ``choices``, else an `OptionError` naming both.

    Parameters
    ----------
    value : str
        The value a caller passed.
    choices : iterable of str
        The values the option takes, in the order the message should list them.
    what : str
        What the option is, for the message ("export format", "clustering method").

    Examples
    --------
    >>> check_option("gexf", ["gexf", "graphml"], what="export format")
    'gexf'
    >>> check_option("gefx", ["gexf", "graphml"], what="export format")
    Traceback (most recent call last):
    ...
    citegraph.OptionError: Unknown export format 'gefx'. Choose one of: gexf, graphml.
    """
    choices = list(choices)
    if value not in choices:
        raise OptionError(
            f"Unknown {what} {value!r}. Choose one of: {', '.join(map(str, choices))}."
        )
    return value
