"""spikesim.fpga.pynq_ip against a real pynq (skipped where pynq is not installed, e.g. the project's .venv).

pynq runs on x86 but finds no device, so the IP gets a fake device (capability MEMORY_MAPPED) whose
``mmap`` returns :class:`RegisterModel`: a small Python model of the core's register map (ID,
HW_INFO, MEM_* with AUTO_INC and busy rejection, STEPS/START/DONE, a spike FIFO, MODULATOR). That
drives pynq's own ``DefaultIP`` / ``MMIO`` code: the VLNV binding, ``read(offset)`` /
``write(offset, value)`` (pynq's MMIO accepts only a Python int), and the driver's DMA path with a
fake DMA. Run it with a pynq venv: ``python3 -m venv /tmp/pynqvenv && /tmp/pynqvenv/bin/pip install
pynq pytest`` then ``PYTHONPATH=. /tmp/pynqvenv/bin/python -m pytest tests/test_pynq_ip.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pynq = pytest.importorskip("pynq")

from spikesim.fpga import regmap as rm  # noqa: E402
from spikesim.fpga.driver import VLNV, memory_images  # noqa: E402

R = {r.name: r.offset // 4 for r in rm.REGISTERS}


class RegisterModel:
    """Word-indexed registers of a spikesim core (enough of them for the driver)."""

    def __init__(self, info0: int, info1: int) -> None:
        self.regs = {R["ID"]: rm.ID_VALUE, R["VERSION"]: (rm.VERSION[0] << 16) | (rm.VERSION[1] << 8) | rm.VERSION[2],
                     R["HW_INFO0"]: info0, R["HW_INFO1"]: info1}
        self.mem: dict[int, dict[int, int]] = {}
        self.fifo: list[int] = []
        self.busy = False
        self.sb = (info1 >> 8) & 0xFF

    def __getitem__(self, idx: int) -> int:
        if idx == R["STATUS"]:
            return self.regs.get(idx, 0) | int(self.busy) | (bool(self.fifo) << 8)
        if idx == R["SPIKE_COUNT"]:
            return len(self.fifo)
        if idx == R["SPIKE_DATA"]:
            return (self.fifo.pop(0) | 1 << 31) if self.fifo else 0
        if idx == R["MEM_RDATA"]:
            sel, addr = self.regs.get(R["MEM_SEL"], 0), self.regs.get(R["MEM_ADDR"], 0)
            if sel >> 16 & 1:
                self.regs[R["MEM_ADDR"]] = addr + 1
            return self.mem.get(sel & 0xFF, {}).get(addr, 0)
        return self.regs.get(idx, 0)

    def __setitem__(self, idx: int, value: int) -> None:
        assert isinstance(value, (int, np.integer)), value
        value = int(value)
        if idx == R["CTRL"]:
            if value & 4:  # SOFT_RESET
                self.regs[R["STEP_COUNT"]], self.regs[R["REJECT_COUNT"]], self.fifo = 0, 0, []
            if value & 1 and not self.busy:  # START: a run of STEPS steps, one spike per step
                first, steps = self.regs.get(R["STEP_COUNT"], 0), self.regs.get(R["STEPS"], 0)
                self.fifo += [((first + k) << self.sb) | (k % 3) for k in range(steps)]
                self.regs[R["STEP_COUNT"]] = first + steps
                self.regs[R["STATUS"]] = 2  # DONE
            return
        if idx == R["MEM_WDATA"]:
            if self.busy:
                self.regs[R["REJECT_COUNT"]] = self.regs.get(R["REJECT_COUNT"], 0) + 1
                return
            sel, addr = self.regs.get(R["MEM_SEL"], 0), self.regs.get(R["MEM_ADDR"], 0)
            self.mem.setdefault(sel & 0xFF, {})[addr] = value
            if sel >> 16 & 1:
                self.regs[R["MEM_ADDR"]] = addr + 1
        self.regs[idx] = value


class FakeDevice:
    """Enough of pynq's Device for MMIO: memory mapped, ``mmap`` returns the register model."""

    def __init__(self, model: RegisterModel) -> None:
        self.model = model

    def has_capability(self, cap: str) -> bool:
        return cap == "MEMORY_MAPPED"

    def mmap(self, base_addr: int, length: int) -> RegisterModel:
        return self.model


class FakeDma:
    """An AXI DMA whose MM2S stream is the core's s_axis: every word is a MEM_WDATA write."""

    def __init__(self, model: RegisterModel) -> None:
        model_ = model

        class Channel:
            words = 0

            def transfer(self, buf) -> None:
                for w in np.asarray(buf):
                    model_[R["MEM_WDATA"]] = int(w)
                Channel.words += len(buf)

            def wait(self) -> None:
                pass

        self.sendchannel = Channel()


@pytest.fixture
def design(tmp_path):
    import spikesim as ss
    from spikesim.backends.verilog import emit

    net = ss.Network(dt=0.1, seed=3)
    P = net.add_population("P", 24, ss.LIF(tau_m=20.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0, t_ref=1.0))
    S = net.add_spike_source("S", 4, [1.0, 2.0], [0, 1])
    net.connect(S, P, ss.FixedProbability(0.5), synapse=ss.ExpCurrent(tau=5.0), weight=2.0, delay=0.5)
    net.connect(P, P, ss.FixedProbability(0.2), synapse=ss.ExpCurrent(tau=5.0), weight=-1.0, delay=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return emit(net.plan, tmp_path, mem_dir=f"{tmp_path}/")


def test_the_ip_binds_to_the_vlnv_and_drives_the_core(design) -> None:
    from pynq.overlay import _ip_drivers

    from spikesim.fpga.pynq_ip import SpikesimIP

    assert _ip_drivers[VLNV] is SpikesimIP
    model = RegisterModel(design.sys_params["HW_INFO0"], design.sys_params["HW_INFO1"])
    images = memory_images(design)
    model.mem[rm.MEMORIES["ROW_PTR"]] = dict(enumerate(images["ROW_PTR"].tolist()))  # part of the "bitstream"
    ip = SpikesimIP({"phys_addr": 0x43C00000, "addr_range": 0x10000, "device": FakeDevice(model),
                     "type": VLNV, "fullpath": "spikesim_axi_0", "registers": {}, "parameters": {}})
    assert ip.check_id()["version"] == rm.VERSION
    ip.driver.allocate = lambda shape, dtype: np.zeros(shape, dtype)  # pynq.allocate needs a board
    ip.driver.dma_min_words = 100
    dma = FakeDma(model)
    written = ip.load(design, dma=dma, verify=True)
    assert dma.sendchannel.words == sum(n for n in written.values() if n >= 100) > 0
    for name, mid in (("STATE", 5), ("WEIGHT", 0), ("DELAY", 1)):
        got = [model.mem[mid][a] for a in range(images[name].size)]
        assert got == images[name].tolist(), name
    spikes = ip.run(5)
    assert spikes.steps.tolist() == [0, 1, 2, 3, 4] and spikes.idx.tolist() == [0, 1, 2, 0, 1]
    ip.set_modulator(-2.5)
    assert model.regs[R["MODULATOR"]] == (-(5 << 23)) & 0xFFFFFFFF and ip.modulator() == -2.5
    assert ip.reward(0.75) == -1.75
    assert ip.counters()["STEP_COUNT"] == 5
