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
    """Import ``examples/<name>.py`` (with ``examples/`` first on the path for its helpers).

    ``bench/`` has scripts of the same names (``fpga_flow``), and other tests put ``bench/`` on the
    path: a module of that name imported from elsewhere is not the example, so it is imported anew."""
    if str(EXAMPLES) in sys.path:
        sys.path.remove(str(EXAMPLES))
    sys.path.insert(0, str(EXAMPLES))
    path = EXAMPLES / f"{name}.py"
    module = sys.modules.get(name)
    if module is not None and Path(getattr(module, "__file__", "") or "").resolve() != path:
        del sys.modules[name]
    return importlib.import_module(name)
