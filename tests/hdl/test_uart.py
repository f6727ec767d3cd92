"""The UART host bridge (hdl/rtl/ss_uart_bridge.v, spikesim/fpga/uart.py, docs/uart.md).

* Pure Python: the CRC against its catalogued check value, frame round trips (hypothesis), the
  link's framing of bursts against a fake port, the clock check of the emitter.
* RTL: ``spikesim_uart_top`` as emitted, on Icarus and Verilator, at 8 and 13 clocks per bit, driven
  by the unchanged :class:`~spikesim.fpga.uart.UartLink` through a simulated serial port
  (tests/hdl/cocotb_uart.py): a network run bit-exact with jax_fixed (spikes through the streamed
  readout, final state through burst reads), register and memory bursts, and error injection.
"""

from __future__ import annotations

import binascii
import dataclasses
import fcntl
import json
import os
import pickle
import subprocess
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rtl_sim import golden
from test_core_bitexact import random_network
from test_driver import check_load_and_run, variant

from spikesim.backends.verilog import Design, emit, unpack_state
from spikesim.fpga import regmap as rm
from spikesim.fpga import uart
from spikesim.fpga.cosim import cocotb_tests
from spikesim.fpga.synth import lint
from spikesim.fpga.tools import cache_dir

HERE = Path(__file__).resolve().parent
RTL = HERE.parents[1] / "hdl" / "rtl"
TB = HERE / "cocotb_uart.py"
CLK_HZ = 10_000_000
CASES = cocotb_tests(TB)  # bitexact_run, driver_load_and_run, registers_and_bursts, errors_..., timeout_...
STEPS = 80
#: Also read the final STATE back (burst reads) and compare it: 64 more words, +30 % simulation time.
STATE_READBACK = os.environ.get("SPIKESIM_UART_STATE", "") not in ("", "0")
pytestmark = pytest.mark.filterwarnings("ignore::spikesim.DelayRoundingWarning")


# ---------------------------------------------------------------------- pure Python
def test_crc16_check_value() -> None:
    assert uart.crc16(b"123456789") == 0x29B1  # CRC-16/CCITT-FALSE catalogue check
    assert uart.crc16(b"") == 0xFFFF
    frame = uart.encode_request(uart.Command.READ, b"\x48")
    assert frame.hex() == "a5010148" + f"{uart.crc16(bytes([1, 1, 0x48])):04x}"
    assert uart.crc16(frame[1:]) == 0  # CRC appended high byte first: the residue is 0


@given(cmd=st.integers(0, 255), payload=st.binary(max_size=255))
def test_request_round_trip(cmd: int, payload: bytes) -> None:
    frame = uart.encode_request(cmd, payload)
    assert len(frame) == len(payload) + 5
    assert int.from_bytes(frame[-2:], "big") == binascii.crc_hqx(frame[1:-2], 0xFFFF)  # an independent CRC
    assert uart.decode_request(frame) == (cmd, payload)


@given(cmd=st.integers(0, 255), status=st.integers(0, 255), payload=st.binary(max_size=255),
       bit=st.integers(0, 8 * 258 - 1))
def test_response_round_trip_and_any_flipped_bit_is_caught(cmd: int, status: int, payload: bytes, bit: int) -> None:
    frame = uart.encode_response(cmd, status, payload)
    assert uart.decode_response(frame) == uart.Response(cmd, status, payload)
    bad = bytearray(frame)
    bad[1 + (bit // 8) % (len(frame) - 1)] ^= 1 << (bit % 8)  # any bit after the sync byte
    with pytest.raises(uart.UartError):
        uart.decode_response(bytes(bad))


def test_worked_example_of_the_docs() -> None:
    """docs/uart.md: WRITE SCRATCH = 0x12345678 and its response."""
    req = uart.encode_request(uart.Command.WRITE, bytes([rm.by_name("SCRATCH").offset]) + (0x12345678).to_bytes(4, "little"))
    assert req.hex(" ") == "a5 02 05 48 78 56 34 12 11 93"
    assert uart.encode_response(uart.Command.WRITE, uart.Status.OK).hex(" ") == "5a 02 00 00 a2 fc"


class FakePort:
    """A port that answers every request frame OK, reading SPIKE_DATA from a list of words."""

    timeout = 0.1

    def __init__(self, spikes: list[int]) -> None:
        self.frames: list[tuple[int, bytes]] = []
        self.spikes = list(spikes)
        self.out = b""

    def write(self, data: bytes) -> int:
        cmd, payload = uart.decode_request(data)
        self.frames.append((cmd, payload))
        body = b""
        if cmd == uart.Command.READ_STREAM:
            k = payload[1]
            got, self.spikes = self.spikes[:k], self.spikes[k:]
            body = b"".join((w | 1 << 31).to_bytes(4, "little") for w in got)
        self.out += uart.encode_response(cmd, uart.Status.OK, body)
        return len(data)

    def read(self, size: int = 1) -> bytes:
        data, self.out = self.out[:size], self.out[size:]
        return data


def test_link_splits_bursts_and_drains_streams() -> None:
    port = FakePort(list(range(100)))
    link = uart.UartLink(port)
    link.write_burst("MEM_WDATA", list(range(130)))
    assert [len(p) for _, p in port.frames] == [1 + 4 * 63, 1 + 4 * 63, 1 + 4 * 4]
    assert uart.UartLink(port).read_spikes() == list(range(100))  # 63 + 37: stops on a short answer
    assert [p for c, p in port.frames[3:]] == [bytes([0x34, 63])] * 2
    with pytest.raises(KeyError):
        link.read("NO_SUCH_REG")
    with pytest.raises(ValueError, match="offset 2 "):
        link.read(2)


def test_link_names_the_status_and_times_out() -> None:
    class Answer(FakePort):
        def write(self, data: bytes) -> int:
            self.out += uart.encode_response(data[1], uart.Status.CRC_ERROR)
            return len(data)

    with pytest.raises(uart.UartError, match="WRITE SCRATCH: the UART bridge answered CRC_ERROR") as e:
        uart.UartLink(Answer([])).write("SCRATCH", 1)
    assert e.value.status == uart.Status.CRC_ERROR

    class Mute(FakePort):
        def write(self, data: bytes) -> int:
            return len(data)

    with pytest.raises(uart.UartError, match="no response from the UART bridge"):
        uart.UartLink(Mute([])).read("ID")


def test_clock_check_in_python_and_at_elaboration(tmp_path: Path) -> None:
    assert uart.check_clock(10_000_000, 1_250_000) == 8
    with pytest.raises(ValueError, match="7 clocks per bit"):
        uart.check_clock(7_000_000, 1_000_000)
    net = random_network("lif", 8, seed=1)
    with pytest.raises(ValueError, match="CLK_HZ/BAUD = 1000000/200000 = 5 clocks per bit"):
        emit(net.plan, tmp_path / "bad", uart_clk_hz=1_000_000, uart_baud=200_000)
    assert not (tmp_path / "bad").exists()  # refused before anything was written
    files = [str(RTL / f) for f in ("ss_uart_rx.v", "ss_uart_tx.v", "ss_uart_bridge.v", "ss_ram.v")]
    for baud, ok in ((125_000, True), (1_000_000, False)):  # 8 and 1 clock(s) per bit at 1 MHz
        proc = subprocess.run(["iverilog", "-g2001", "-s", "ss_uart_bridge", "-o", str(tmp_path / "a.out"),
                               "-Pss_uart_bridge.CLK_HZ=1000000", f"-Pss_uart_bridge.BAUD={baud}", *files],
                              capture_output=True, text=True)
        assert (proc.returncode == 0) == ok, proc.stderr
        if not ok:
            assert "ss_uart_bridge_needs_CLK_HZ_over_BAUD_from_8_to_65535" in proc.stderr


# ---------------------------------------------------------------------- RTL
def _network():
    return random_network("lif", 16, seed=21, rate_hz=1500.0, max_delay=4)


def _design(sim: str, cpb: int) -> tuple[Design, object]:
    """The emitted test network and the network.

    The design lives in a fixed cache directory, so the simulator builds (keyed by the sources'
    paths and contents) are reused between runs; it is emitted into a staging directory under a
    lock and only changed files are moved in, so parallel tests never see a half-written file."""
    net = _network()
    out = cache_dir() / "uart_test" / f"{sim}-{cpb}"
    out.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f".{out.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with tempfile.TemporaryDirectory(dir=out.parent) as stage, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            design = emit(net.plan, stage, mem_dir=f"{out}/", uart_clk_hz=CLK_HZ, uart_baud=CLK_HZ // cpb)
            for f in Path(stage).iterdir():
                if not (out / f.name).exists() or (out / f.name).read_bytes() != f.read_bytes():
                    os.replace(f, out / f.name)
    moved = {name: [out / p.name for p in getattr(design, name)] for name in ("sources", "axi_sources", "uart_sources")}
    return dataclasses.replace(design, out_dir=out, **moved), net


def test_emitted_uart_top_lints_clean(verilator_available: None) -> None:
    design, _ = _design("lint", 8)
    assert design.uart_sources[-1].name == "spikesim_uart_top.v"
    assert set(design.axi_sources) < set(design.uart_sources)
    msgs = lint(design.uart_sources, "spikesim_uart_top")  # the whole emitted design, as a board build sees it
    assert msgs == [], "verilator -Wall:\n" + "\n".join(msgs)


#: (cocotb test, bridge clocks per bit): everything at 8, the frame errors at 13 too (CI time)
RUNS = [(case, 8) for case in CASES] + [("errors_are_answered_counted_and_never_applied", 13)]


@pytest.mark.parametrize(("case", "cpb"), RUNS)
def test_uart_bridge(sim: str, run_cocotb: Callable[..., int], case: str, cpb: int, tmp_path: Path) -> None:
    design, net = _design(sim, cpb)
    out = tmp_path / "rtl.json"
    lanes = 1 << design.sys_params["SLB"]
    env = {"SS_CLK_HZ": str(CLK_HZ), "SS_CPB": str(cpb), "SS_STEPS": str(STEPS), "SS_N": str(design.n_neurons),
           "SS_LANES": str(lanes), "SS_STATE": str(int(STATE_READBACK)), "SS_OUT": str(out)}
    if case == "driver_load_and_run":  # the CoreDriver loads network B (same structure) over the UART
        net = variant(_network(), delays=False)  # DELAY is not loaded here
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            other = emit(net.plan, tmp_path / "b", mem_dir=f"{tmp_path / 'b'}/")
        (tmp_path / "design.pkl").write_bytes(pickle.dumps(other))
        env["SS_DESIGN"] = str(tmp_path / "design.pkl")
    assert run_cocotb(sim, design.uart_sources, "spikesim_uart_top", TB, testcase=case, extra_env=env,
                      timescale=("1ns", "1ns")) == 1
    if case == "driver_load_and_run":
        check_load_and_run(pickle.loads(out.read_bytes()), design, golden(net, STEPS, other), STEPS, min_spikes=20)
        return
    if case != "bitexact_run":
        return
    data = json.loads(out.read_text())
    print(f"{sim}: {len(data['spikes'])} spikes and {len(data['state'])} state words over the UART in "
          f"{data['sim_ms']:.2f} ms simulated ({data['sim_ms'] * CLK_HZ * 1e-3:.0f} clocks), {data['wall_s']:.1f} s")
    gold = golden(net, STEPS, design)
    sb = design.params["SB"]
    words = np.asarray(data["spikes"], np.int64)
    steps, idx = words >> sb, words & ((1 << sb) - 1)  # STEPS < 2**(31 - SB): no wrap
    order = np.lexsort((idx, steps))
    steps, idx = steps[order], idx[order]
    g_t, g_i = gold["spikes"]
    assert (g_i < design.n_neurons).sum() >= 30, "too few spikes for the test to mean anything"
    np.testing.assert_array_equal(steps, g_t)
    np.testing.assert_array_equal(idx, g_i)
    assert data["sat"] == gold["sat"]
    if not STATE_READBACK:
        return
    state = [sum(data["state"][i * lanes + j] << (32 * j) for j in range(2 + design.params["NCUR"]))
             for i in range(design.n_neurons)]
    got = unpack_state(design, state)
    for f, want in gold["state"].items():
        np.testing.assert_array_equal(got[f], want, err_msg=f"final state {f!r}")
