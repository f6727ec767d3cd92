"""Host programs of tests/hdl/test_driver.py: plain functions of a CoreDriver, run inside the simulation
by spikesim.fpga.sim_host.simulate (pickled by reference: this module is imported by the simulator's
Python through tests/hdl on sys.path). They would run unchanged on a board."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from spikesim.fpga.driver import LOAD_MEMORIES, CoreBusyError, CoreDriver, WriteRejectedError, memory_images


def _error(fn, *args, **kwargs) -> str:
    try:
        fn(*args, **kwargs)
    except (CoreBusyError, WriteRejectedError) as e:
        return f"{type(e).__name__}: {e}"
    return ""


def axi_program(driver: CoreDriver, design: Any, steps: int, dma_min_words: int) -> dict[str, Any]:
    """Busy rejection, MODULATOR, a DMA interleaved with register accesses, load of ``design`` (DMA for
    the big images, MEM_WDATA for the small ones, verified), a run in two pieces; spikes and state."""
    out: dict[str, Any] = {"id": driver.check_id(), "info": driver.info}
    dma = driver.bus.dma
    # --- a run in progress (STEPS = 0: until STOP): the driver refuses, the hardware rejects and counts
    driver.start(0)
    out["busy"] = _error(driver.write_memory, "STATE", [1, 2, 3])
    out["rejected"] = _error(driver.write_memory, "STATE", [1, 2, 3], force=True)
    driver.dma_min_words = 4
    out["rejected_dma"] = _error(driver.write_memory, "WEIGHT", list(range(5)), dma=dma, force=True)
    out["read_busy"] = _error(driver.read_memory, "STATE", 2)
    driver.stop()
    driver.wait()
    out["status_after_busy"] = driver.status()
    out["counters_busy"] = driver.counters()
    # --- the modulator register: Q8.24, read back, reward read-modify-write saturating to int32
    driver.set_modulator(1.5)
    out["m_set"] = driver.modulator()
    out["m_reward"] = driver.reward(-0.25)
    driver.set_modulator_raw((1 << 31) - 10)
    out["m_saturated"] = (driver.reward(1.0), driver.modulator_raw())
    driver.set_modulator(0.0)
    # --- a DMA while the host keeps using the register block (the loader arbitrates the write channels)
    words = [(0x1000 + k) * 0x10001 & 0xFFFFFFFF for k in range(40)]
    driver.select("STATE", 0)
    buf = np.asarray(words, np.uint32)
    dma.sendchannel.transfer(buf)
    scratch = [driver.write_reg("SCRATCH", 0xA5A50000 + k) or driver.read_reg("SCRATCH") for k in range(6)]
    dma.sendchannel.wait()
    out["scratch"] = scratch
    out["dma_readback"] = driver.read_memory("STATE", len(words)).tolist() == words
    out["dma_words"] = words
    # --- load the design (soft reset first), big images by DMA, verified by reading everything back
    driver.dma_min_words = dma_min_words
    beats0 = dma.sendchannel.source.beats
    out.update(load_and_run(driver, design, steps, dma=dma, verify=True))
    out["dma_beats"] = dma.sendchannel.source.beats - beats0
    out["images"] = {k: v.size for k, v in memory_images(design).items()}
    return out


def load_and_run(driver: CoreDriver, design: Any, steps: int, *, dma: Any = None, verify: bool = False,
                 memories: Sequence[str] = LOAD_MEMORIES) -> dict[str, Any]:
    """The part shared by every bus (AXI4-Lite, UART): load ``design``, set and reward the modulator,
    run ``steps`` steps in two pieces (the second START continues), read spikes, STATE and counters."""
    out: dict[str, Any] = {"loaded": driver.load(design, dma=dma, verify=verify, memories=memories)}
    out["counters_after_load"] = driver.counters()
    driver.set_modulator(0.75)
    out["m"] = (driver.modulator(), driver.reward(-1.5), driver.modulator_raw())
    driver.run(steps // 2)
    first = driver.read_spikes()
    driver.run(steps - steps // 2)
    second = driver.read_spikes()
    out["steps"] = np.concatenate([first.steps, second.steps])
    out["idx"] = np.concatenate([first.idx, second.idx])
    info = driver.info
    out["state"] = driver.read_memory("STATE", info.n_neurons * info.state_lanes)
    out["counters"] = driver.counters()
    return out
