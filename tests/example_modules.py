"""Import the scripts of ``examples/`` as modules (they are scripts, not a package)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def example_names() -> list[str]:
    """Every runnable example (``examples/*.py`` except the ``_``-prefixed helpers)."""
    return sorted(p.stem for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` (with ``examples/`` on the path for its helpers)."""
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    return importlib.import_module(name)
