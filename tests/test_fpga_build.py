"""spikesim.fpga.build: boards, resource estimate and refusal, CLI, and the open flow to a bitstream.

Fast tests: the board table against amaranth-boards, the generated constraints, the estimate against
recorded yosys counts, the refusal of a network that does not fit (before any tool runs), the CLI.
The flow (``slow``, minutes: yosys + nextpnr on the whole core): a 16-neuron network to an ECP5 ``.bit``
for the ULX3S, and a 16-neuron network with Delta synapses (no exponential current, so 7 multipliers)
to an iCE40 ``.bin`` for the iCEBreaker.
"""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import spikesim as ss
from spikesim.cli import NetworkFileError, load_network, main
from spikesim.fpga.boards import BOARDS, DoesNotFit, bram_blocks, check_fit, estimate, get_board
from spikesim.fpga.build import BOARD_TOP, build

ROOT = Path(__file__).resolve().parents[1]
#: Stated accuracy of the estimate against yosys: block RAMs, LUT4s, DSPs (ratio either way).
FACTOR = {"bram": 1.15, "lut": 1.3, "dsp": 1.0}


def small_net(n: int, seed: int = 0, p: float = 0.5, n_in: int = 4) -> ss.Network:
    """``n`` LIF neurons, ``n_in`` spike-train inputs, one exponential current, delays 0.1-0.8 ms."""
    rng = np.random.default_rng(seed)
    net = ss.Network(dt=0.1, seed=seed)
    model = ss.LIF(tau_m=20.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0, t_ref=2.0)
    pop = net.add_population("E", n, model, init={"v": ss.Uniform(-65.0, -55.0)})
    times = np.sort(rng.random(20)) * 10.0
    src = net.add_spike_source("In", n_in, times, rng.integers(0, n_in, times.size))
    syn = ss.ExpCurrent(tau=5.0)
    net.connect(src, pop, ss.FixedProbability(p), synapse=syn, weight=12.0, delay=ss.Uniform(0.1, 0.8))
    net.connect(pop, pop, ss.FixedProbability(p), synapse=syn, weight=2.0, delay=ss.Uniform(0.1, 0.8))
    return net


def delta_net(n: int, seed: int = 0) -> ss.Network:
    """``n`` LIF neurons with Delta synapses only (no current channel: NCUR = 0), 4 spike-train inputs, no
    step current (IEXT = 0): the iCEBreaker's size."""
    rng = np.random.default_rng(seed)
    net = ss.Network(dt=0.1, seed=seed)
    pop = net.add_population("E", n, ss.LIF(tau_m=20.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0, t_ref=2.0),
                             init={"v": ss.Uniform(-65.0, -55.0)})
    times = np.sort(rng.random(20)) * 10.0
    src = net.add_spike_source("In", 4, times, rng.integers(0, 4, times.size))
    net.connect(src, pop, ss.FixedProbability(0.5), synapse=ss.Delta(), weight=12.0, delay=ss.Uniform(0.1, 0.8))
    net.connect(pop, pop, ss.FixedProbability(0.5), synapse=ss.Delta(), weight=2.0, delay=ss.Uniform(0.1, 0.8))
    return net


def big_net(n: int) -> ss.Network:
    """The benchmark network of bench/fpga_resources.py (two currents, ~50 inputs per neuron)."""
    sys.path.insert(0, str(ROOT))
    from bench.fpga_resources import network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ss.DelayRoundingWarning)
        return network(n)


# ------------------------------------------------------------------ boards and constraints

AMARANTH = {"ulx3s-85f": ("ulx3s", "ULX3S_85F_Platform", "clk25", ("uart", 0), ("led", 0)),
            "orangecrab-25f": ("orangecrab_r0_2", "OrangeCrabR0_2_25FPlatform", "clk", None, ("rgb_led", 0)),
            "icebreaker": ("icebreaker", "ICEBreakerPlatform", "clk12", ("uart", 0), ("led_r", 0))}


def _pins(res) -> dict[str, str]:
    """Subsignal (or the resource itself: "") -> pin name of an amaranth Resource."""
    from amaranth.build import Pins, Subsignal

    out = {}
    for io in res.ios:
        if isinstance(io, Subsignal):
            out.update({f"{io.name}{('.' + k) if k else ''}": v for k, v in _pins(io).items()})
        elif isinstance(io, Pins):
            out[""] = io.names[0]
    return out


@pytest.mark.parametrize("name", list(BOARDS))
def test_board_pins_match_amaranth_boards(name):
    pytest.importorskip("amaranth_boards")
    import importlib

    mod, cls, clk, uart, led = AMARANTH[name]
    plat = getattr(importlib.import_module(f"amaranth_boards.{mod}"), cls)
    b = BOARDS[name]
    assert plat.device == b.device
    res = {(r.name, r.number): r for r in plat.resources}
    assert _pins(res[(clk, 0)])[""] == b.clk_pin
    assert res[(clk, 0)].clock.frequency == pytest.approx(b.clk_hz)
    if uart is not None:
        pins = _pins(res[uart])
        assert (pins["rx"], pins["tx"]) == (b.uart_rx, b.uart_tx)
    else:  # OrangeCrab: no UART on the board; Feather header pins 0 (RX) and 1 (TX)
        conn = dict(next(c for c in plat.connectors if c.name == "io").mapping)
        assert (conn["0"], conn["1"]) == (b.uart_rx, b.uart_tx)
    led_pins = _pins(res[led])
    assert (led_pins.get("") or led_pins["r"]) == b.led


def test_constraint_files():
    name, lpf = BOARDS["ulx3s-85f"].constraints()
    assert name == "board.lpf"
    assert 'LOCATE COMP "clk" SITE "G2";' in lpf and 'FREQUENCY PORT "clk" 25 MHZ;' in lpf
    assert 'LOCATE COMP "uart_rx" SITE "M1";' in lpf and 'LOCATE COMP "uart_tx" SITE "L4";' in lpf
    assert len(re.findall(r"^IOBUF PORT", lpf, re.MULTILINE)) == 4
    name, pcf = BOARDS["icebreaker"].constraints()
    assert name == "board.pcf"
    assert {ln.split()[-2]: ln.split()[-1] for ln in pcf.splitlines() if ln.startswith("set_io")} == {
        "clk": "35", "uart_rx": "6", "uart_tx": "9", "led": "11"}
    with pytest.raises(ValueError, match=r"board='nope' is not known; choose one of \['icebreaker'"):
        get_board("nope")


def test_board_top_lints_clean(tmp_path):
    from spikesim.fpga.synth import lint

    design = small_net(8).emit_verilog(str(tmp_path))
    assert lint([*design.uart_sources, BOARD_TOP], "spikesim_board_top", parameters={"POR_BITS": 4}) == []


# ------------------------------------------------------------------ estimate and refusal

def test_bram_blocks_shapes():
    assert bram_blocks(4096, 36, "ecp5") == 8          # 8 x (512 x 36)
    assert bram_blocks(1024, 32, "ecp5") == 2          # 2 x (1024 x 18)
    assert bram_blocks(1024, 32, "ice40") == 8         # 8 x (1024 x 4)
    assert bram_blocks(64, 288, "ice40") == 18         # 18 x (256 x 16)
    assert bram_blocks(16, 288, "ecp5") == 0           # 16 words: LUT RAM
    # the iCE40 has no LUT RAM (yosys 0.70 synth_ice40: 32 x 5 -> 1 block, 16 x 160 -> 10, 4 x 64 -> flip-flops)
    assert bram_blocks(32, 5, "ice40") == 1
    assert bram_blocks(16, 160, "ice40") == 10
    assert bram_blocks(4, 64, "ice40") == 0
    assert bram_blocks(32, 37, "ice40", rom=True) == 0 and bram_blocks(64, 37, "ice40", rom=True) == 3


# yosys 0.70 on spikesim_axi_top (no UART bridge) of bench/fpga_resources.py's network, docs/hdl.md (2026-12-05)
RECORDED = {(64, "ecp5"): {"lut": 3375, "bram": 31, "dsp": 23}, (256, "ecp5"): {"lut": 3346, "bram": 88, "dsp": 23},
            (64, "ice40"): {"lut": 3917, "bram": 105, "dsp": 23}, (256, "ice40"): {"lut": 4286, "bram": 323, "dsp": 23}}


@pytest.mark.parametrize("n", [64, 256])
def test_estimate_against_recorded_yosys(n, tmp_path):
    design = big_net(n).emit_verilog(str(tmp_path))
    for family in ("ecp5", "ice40"):
        est = estimate(design.params, design.sys_params, family, uart=False).as_dict()
        for k, v in RECORDED[(n, family)].items():
            assert max(est[k] / v, v / est[k]) <= FACTOR[k], (n, family, k, est[k], v)


def test_refuses_network_too_big_before_any_tool(tmp_path):
    with pytest.raises(DoesNotFit) as ei:
        build(big_net(1024), "icebreaker", tmp_path / "b")
    msg = str(ei.value)
    assert "board 'icebreaker' (iCE40UP5K)" in msg and "1024 neurons" in msg
    m = re.search(r"block RAMs: estimated (\d+), the iCE40UP5K has 30", msg)
    assert m and int(m.group(1)) > 1000
    assert "DSP blocks: estimated 23, the iCE40UP5K has 8" in msg
    assert not (tmp_path / "b" / "design.json").exists() and not (tmp_path / "b" / "board.pcf").exists()
    with pytest.raises(DoesNotFit, match=r"board 'ulx3s-85f' \(LFE5U-85F\): block RAMs: estimated \d{3}, the LFE5U-85F has 208"):
        build(big_net(1024), "ulx3s-85f", tmp_path / "c")


def test_small_network_fits_ecp5_not_ice40(tmp_path):
    design = small_net(16).emit_verilog(str(tmp_path))
    for name in ("ulx3s-85f", "orangecrab-25f"):
        check_fit(estimate(design.params, design.sys_params, "ecp5"), BOARDS[name])
    with pytest.raises(DoesNotFit, match="DSP blocks: estimated 15, the iCE40UP5K has 8"):  # one current: 15
        check_fit(estimate(design.params, design.sys_params, "ice40"), BOARDS["icebreaker"])


def test_delta_network_fits_the_icebreaker(tmp_path):
    """No exponential current and no step current: no current channel (one multiplier, 7 SB_MAC16), no
    external-current RAM; the estimate fits the iCE40UP5K (yosys: 3460 LUT4, 25 EBR, 7 MAC16)."""
    with pytest.warns(ss.DelayRoundingWarning):
        design = delta_net(16).emit_verilog(str(tmp_path))
    assert design.params["NCUR"] == 0 and design.params["IEXT"] == 0
    est = estimate({**design.params}, {**design.sys_params, "FIFO_AW": BOARDS["icebreaker"].fifo_aw}, "ice40")
    assert est.dsp == 7 and est.bram == 25 and "iext" not in est.per_memory
    check_fit(est, BOARDS["icebreaker"])
    assert round(est.lut * 1.21) < 5280


def test_build_argument_errors(tmp_path):
    net = small_net(4)
    with pytest.raises(ValueError, match="board='zedboard' is not known"):
        build(net, "zedboard", tmp_path)
    with pytest.raises(ValueError, match="baud=0 must be a positive"):
        build(net, "ulx3s-85f", tmp_path, baud=0)
    with pytest.raises(ValueError, match=r"fifo_aw=40 must be 1 \.\. 16"):
        build(net, "ulx3s-85f", tmp_path, fifo_aw=40)
    with pytest.raises(TypeError, match=r"net: expected a spikesim\.Network"):
        build("net.py", "ulx3s-85f", tmp_path)


# ------------------------------------------------------------------ CLI

def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_cli_network_file(tmp_path, capsys):
    body = "import spikesim as ss\n"
    f1 = _write(tmp_path / "a.py", body + "def build_network():\n    net = ss.Network(dt=0.1)\n    return net\n")
    f2 = _write(tmp_path / "b.py", body + "net = ss.Network(dt=0.1)\n")
    assert isinstance(load_network(f1), ss.Network) and isinstance(load_network(f2), ss.Network)
    f3 = _write(tmp_path / "c.py", "x = 1\n")
    with pytest.raises(NetworkFileError, match=r"define build_network\(\).*it defines: x"):
        load_network(f3)
    f4 = _write(tmp_path / "d.py", "net = 42\n")
    with pytest.raises(NetworkFileError, match=r"net is a int, expected a spikesim\.Network"):
        load_network(f4)
    assert main(["build-fpga", "--board", "ulx3s-85f", str(f3)]) == 2
    assert "define build_network()" in capsys.readouterr().err
    assert main(["build-fpga", "--board", "nope", str(f1)]) == 2
    big = _write(tmp_path / "big.py", f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                 "from bench.fpga_resources import network\nnet = network(1024)\n")
    assert main(["build-fpga", "--board", "icebreaker", str(big), "--out", str(tmp_path / "o")]) == 3
    err = capsys.readouterr().err
    assert "does not fit board 'icebreaker'" in err and "the iCE40UP5K has 30" in err


def test_python_m_spikesim_boards():
    out = subprocess.run([sys.executable, "-m", "spikesim", "boards"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert [ln.split()[0] for ln in out.stdout.splitlines()] == list(BOARDS)


# ------------------------------------------------------------------ the full flow (slow)

def _check_common(rep, board: str) -> None:
    b = BOARDS[board]
    for res, (used, avail) in rep.utilisation.items():
        assert 0 <= used <= avail, (res, used, avail)
    assert rep.fmax_mhz > 0 and rep.target_mhz == b.design_hz / 1e6 == b.clk_mhz / (1 << b.div_bits)
    assert set(rep.clocks) and all(a > 0 and c > 0 for a, c in rep.clocks.values())
    assert rep.timing_met, f"timing not met on {board}: {rep.clocks} (MHz achieved, constraint)"
    assert set(rep.times) >= {"synth", "pnr", "pack"} and all(t > 0 for t in rep.times.values())
    for log in rep.logs.values():
        assert log.exists(), log


@pytest.mark.slow
def test_flow_ulx3s_bitstream(tmp_path):
    rep = build(small_net(16), "ulx3s-85f", tmp_path / "ulx3s")
    print(rep.summary())
    _check_common(rep, "ulx3s-85f")
    data = rep.bitstream.read_bytes()
    assert rep.bitstream.suffix == ".bit" and rep.bitstream.parent == tmp_path / "ulx3s"
    assert data[:2] == b"\xff\x00"                       # comment block, then the preamble
    assert b"\xff\xff\xbd\xb3" in data[:1024]
    assert bytes.fromhex("41113043") in data[:1024]      # VERIFY_ID: the LFE5U-85F's IDCODE
    assert rep.used("bram")[0] == rep.synth["bram"] > 0 and rep.used("dsp")[0] == rep.synth["dsp"]
    for k in ("bram", "lut", "dsp"):
        est, got = rep.estimate.as_dict()[k], rep.synth[k]
        assert max(est / got, got / est) <= FACTOR[k], (k, est, got)


@pytest.mark.slow
def test_flow_icebreaker_bitstream(tmp_path):  # ~2 min: yosys ~20 s, nextpnr router1 ~110 s
    rep = build(delta_net(16), "icebreaker", tmp_path / "ice")
    print(rep.summary())
    _check_common(rep, "icebreaker")
    data = rep.bitstream.read_bytes()
    assert rep.bitstream.suffix == ".bin"
    assert len(data) == 104090                           # the iCE40UP5K's configuration image
    assert data[:4] == b"\xff\x00\x00\xff" and data[4:8] == b"\x7e\xaa\x99\x7e"
    assert rep.used("dsp")[0] == rep.synth["dsp"] == 7 and 0 < rep.used("bram")[0] == rep.synth["bram"] <= 30
    for k in ("bram", "lut", "dsp"):
        est, got = rep.estimate.as_dict()[k], rep.synth[k]
        assert max(est / got, got / est) <= FACTOR[k], (k, est, got)
    assert rep.used("io")[0] == 4                        # clk, uart_rx, uart_tx, led
