"""Citegraph: the literature around a seed paper, as citation, similarity and co-author networks."""

from __future__ import annotations

__version__ = "0.1.0"


class CitegraphError(Exception):
    """Base class of every error Citegraph raises on purpose.

    The message is written for the person using the tool: what went wrong and what to do.
    """
