"""``python -m citegraph``: see `citegraph.cli`."""

from __future__ import annotations

import sys

from citegraph.cli import main

sys.exit(main())
