"""PYNQ driver of the spikesim AXI system: a ``pynq.DefaultIP`` bound to the IP's VLNV.

Importing this module imports pynq (only a PYNQ board has it; nothing else in spikesim does) and
registers :class:`SpikesimIP` for :data:`spikesim.fpga.driver.VLNV`, so import it **before**
loading the overlay::

    import spikesim.fpga.pynq_ip                  # registers the driver for the VLNV
    from pynq import Overlay

    ol = Overlay("spikesim.bit")                  # the .hwh next to it names the IP and the DMA
    core = ol.spikesim_0                          # a SpikesimIP (the instance name of the block design)
    core.load(net, dma=ol.axi_dma_0)              # memories of the emitted design; big ones by DMA
    spikes = core.run(1000)                       # Spikes(steps, idx), the FIFO drained while it runs
    core.set_modulator(0.5)

or :func:`open_overlay`, which finds the core and an AXI DMA in the overlay. Everything goes through
the shared :class:`~spikesim.fpga.driver.CoreDriver` (``core.driver``) on the IP's MMIO: the same
register program as the UART link and the simulated bus. Written against the API pynq 3.x and 4.x
share (``Overlay``, ``DefaultIP``, ``MMIO``, ``allocate``). Not yet tried on a board.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pynq import DefaultIP, Overlay  # type: ignore[import-not-found]  # PYNQ boards only

from .driver import VLNV, CoreDriver, Spikes

__all__ = ["VLNV", "SpikesimIP", "open_overlay"]

#: VLNV prefix of Xilinx's AXI DMA (the one ``open_overlay`` picks for bulk loads).
DMA_VLNV_PREFIX = "xilinx.com:ip:axi_dma:"


class SpikesimIP(DefaultIP):
    """The spikesim core in an overlay (pynq instantiates it for every IP of type :data:`VLNV`).

    ``description`` is pynq's entry of ``Overlay.ip_dict``. The register program is
    ``self.driver`` (a :class:`CoreDriver` on this IP's ``read(offset)`` / ``write(offset, value)``);
    the methods below are shorthands for it.
    """

    bindto: ClassVar[list[str]] = [VLNV]

    def __init__(self, description: dict[str, Any]) -> None:
        super().__init__(description=description)
        self.driver = CoreDriver(self, check=False)  # no bus access while pynq builds the overlay

    def check_id(self) -> dict[str, Any]:
        """ID / VERSION / HW_INFO of the core (:meth:`CoreDriver.check_id`)."""
        return self.driver.check_id()

    def load(self, net: Any, dma: Any = None, verify: bool = False) -> dict[str, int]:
        """Write the memories of ``net`` (a Network, Plan or emitted Design of the network the bitstream
        was built from, possibly with other weights / delays / initial state); ``dma``: an AXI DMA whose
        MM2S stream feeds the core's ``s_axis`` port (images of >= ``driver.dma_min_words`` words)."""
        self.driver.check_id()
        return self.driver.load(net, dma=dma, verify=verify)

    def run(self, steps: int, timeout_s: float | None = None) -> Spikes:
        """Run ``steps`` steps and return the spikes of this run (:class:`~spikesim.fpga.driver.Spikes`)."""
        self.driver.run(steps, timeout_s=timeout_s)
        return self.driver.read_spikes()

    def read_spikes(self) -> Spikes:
        """Spikes drained since the last call."""
        return self.driver.read_spikes()

    def set_modulator(self, x: float) -> None:
        """MODULATOR = ``x`` (Q8.24)."""
        self.driver.set_modulator(x)

    def modulator(self) -> float:
        """The core's current modulator M."""
        return self.driver.modulator()

    def reward(self, amount: float) -> float:
        """M += ``amount`` (saturating); the new M."""
        return self.driver.reward(amount)

    def counters(self) -> dict[str, int]:
        """SAT_COUNT, OVERFLOW_COUNT, REJECT_COUNT, STEP_COUNT."""
        return self.driver.counters()

    def soft_reset(self) -> None:
        """CTRL.SOFT_RESET and wait for the clear."""
        self.driver.soft_reset()


def open_overlay(bitfile: str, download: bool = True, **kwargs: Any) -> tuple[Any, SpikesimIP, Any]:
    """``pynq.Overlay(bitfile)``; returns (overlay, the spikesim core, the first AXI DMA or None).

    The core's ID and register-map version are checked (WrongCoreError otherwise)."""
    ol = Overlay(bitfile, download=download, **kwargs)
    cores = [name for name, d in ol.ip_dict.items() if d.get("type") == VLNV]
    if not cores:
        found = sorted({str(d.get("type")) for d in ol.ip_dict.values()})
        raise LookupError(f"{bitfile}: no IP of type {VLNV} in the overlay (IPs: {found})")
    core = getattr(ol, cores[0])
    dmas = [name for name, d in ol.ip_dict.items() if str(d.get("type", "")).startswith(DMA_VLNV_PREFIX)]
    core.check_id()
    return ol, core, (getattr(ol, dmas[0]) if dmas else None)
