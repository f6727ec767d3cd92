"""The ``spikesim`` command line (also ``python -m spikesim``).

Commands
--------
``spikesim build-fpga --board BOARD network.py [--out DIR] [--baud B] [--seed S] [--no-fit-check]``
    Build a bitstream of the network defined in ``network.py`` (:func:`spikesim.fpga.build`) and print
    the report (utilisation, Fmax against the design clock, bitstream path, stage times).
``spikesim boards``
    List the boards (:data:`spikesim.fpga.boards.BOARDS`).

How ``network.py`` provides the network
---------------------------------------
The file is run as a module (its directory first on ``sys.path``, so it can import its neighbours);
then spikesim takes, in this order:

1. ``build_network()``, a function without required arguments that returns a :class:`spikesim.Network`;
2. ``net``, a module-level :class:`spikesim.Network`.

Anything else is an error naming the file and what it defines instead. Exit status: 0 built,
1 the build failed (tool error), 2 bad arguments / network file, 3 the network does not fit the board.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["NetworkFileError", "load_network", "main"]


class NetworkFileError(ValueError):
    """``network.py`` does not define a usable network."""


def load_network(path: str | Path) -> Any:
    """Run ``path`` and return its network: ``build_network()`` if defined, else the module-level ``net``."""
    from .network import Network

    p = Path(path)
    if not p.is_file():
        raise NetworkFileError(f"network file {str(path)!r} does not exist")
    spec = importlib.util.spec_from_file_location(f"_spikesim_user_net_{p.stem}", p)
    if spec is None or spec.loader is None:
        raise NetworkFileError(f"network file {str(path)!r} cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(p.resolve().parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(p.resolve().parent))
    if callable(getattr(module, "build_network", None)):
        net = module.build_network()
        what = "build_network() returned"
    elif hasattr(module, "net"):
        net, what = module.net, "net is"
    else:
        names = sorted(k for k in vars(module) if not k.startswith("_"))
        raise NetworkFileError(f"{path}: define build_network() returning a spikesim.Network, or a module-level "
                               f"`net = spikesim.Network(...)` (it defines: {', '.join(names) or 'nothing'})")
    if not isinstance(net, Network):
        raise NetworkFileError(f"{path}: {what} a {type(net).__name__}, expected a spikesim.Network")
    return net


def _boards(_args: argparse.Namespace) -> int:
    from .fpga.boards import BOARDS

    for b in BOARDS.values():
        cap = ", ".join(f"{k} {v}" for k, v in b.capacity.items())
        print(f"{b.name:16s} {b.title} -- {b.device}, {b.clk_mhz:g} MHz; {cap}; UART: {b.uart_note}")
    return 0


def _build_fpga(args: argparse.Namespace) -> int:
    from .fpga.boards import DoesNotFit, get_board
    from .fpga.build import build

    try:
        board = get_board(args.board)
        net = load_network(args.network)
    except (ValueError, TypeError) as e:
        print(f"spikesim build-fpga: error: {e}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else Path("build") / f"fpga-{board.name}"
    try:
        rep = build(net, board, out, baud=args.baud, fit_check=not args.no_fit_check, seed=args.seed)
    except DoesNotFit as e:
        print(f"spikesim build-fpga: error: {e}", file=sys.stderr)
        return 3
    except RuntimeError as e:  # SynthError, BuildError, ToolNotFound
        print(f"spikesim build-fpga: the build failed: {e}", file=sys.stderr)
        return 1
    print(rep.summary())
    if args.json:
        print(json.dumps(rep.as_dict(), indent=1))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``spikesim``; returns the exit status."""
    from .fpga.boards import BOARDS

    ap = argparse.ArgumentParser(prog="spikesim", description="spikesim command line")
    sub = ap.add_subparsers(dest="command", required=True)
    bp = sub.add_parser("build-fpga", help="build an FPGA bitstream of a network (yosys, nextpnr, ecppack/icepack)",
                        description=__doc__.split("How ``network.py``")[0].split("Commands")[0].strip())
    bp.add_argument("network", help="Python file defining build_network() or a module-level `net`")
    bp.add_argument("--board", required=True, help=f"one of {', '.join(BOARDS)}")
    bp.add_argument("--out", default=None, help="build directory (default: ./build/fpga-BOARD)")
    bp.add_argument("--baud", type=int, default=115200, help="UART bit rate (bit/s), default 115200")
    bp.add_argument("--seed", type=int, default=1, help="nextpnr placement seed")
    bp.add_argument("--no-fit-check", action="store_true", help="run the flow even when the estimate exceeds the device")
    bp.add_argument("--json", action="store_true", help="also print the report as JSON")
    bp.set_defaults(func=_build_fpga)
    sub.add_parser("boards", help="list the FPGA boards").set_defaults(func=_boards)
    args = ap.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
