"""A local HTTP emulator of PubMed E-utilities, NIH iCite and OpenAlex, serving SYNTHETIC data.

Start it with ``python -m tests.emulator --port PORT`` or use the ``emulator`` pytest fixture.
See tests/emulator/README.md.
"""

from __future__ import annotations

from tests.emulator.corpus import (
    DEFAULT_GENERATOR_SEED,
    CorpusError,
    CorpusIndex,
    generate_corpus,
    load_corpus,
    write_corpus,
)
from tests.emulator.server import EmulatorConfig, EmulatorServer
from tests.emulator.snapshot import write_openalex_snapshot
from tests.emulator.variety import truth

__all__ = [
    "DEFAULT_GENERATOR_SEED",
    "CorpusError",
    "CorpusIndex",
    "EmulatorConfig",
    "EmulatorServer",
    "generate_corpus",
    "load_corpus",
    "truth",
    "write_corpus",
    "write_openalex_snapshot",
]
