"""Make ``metering_strategies`` (this folder's helpers) importable by its plain name.

The suite runs with ``--import-mode=importlib`` and only ``tests/`` on the path, like
``tests/strategies.py``; this folder's own strategies sit beside its tests instead of in
the shared module, which other engineers edit.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
