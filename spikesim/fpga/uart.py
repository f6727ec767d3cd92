"""Host side of the UART bridge (``hdl/rtl/ss_uart_bridge.v``): frames, CRC and a register-level link.

The protocol is described in ``docs/uart.md``. In short (8N1; words little endian; the CRC is
CRC-16/CCITT-FALSE over CMD .. PAYLOAD, sent high byte first)::

    request   A5 | CMD | LEN | PAYLOAD | CRC_HI CRC_LO
    response  5A | CMD | STATUS | LEN | PAYLOAD | CRC_HI CRC_LO

:class:`UartLink` talks to any object with pyserial's ``write(bytes)``, ``read(n) -> bytes`` and
``timeout`` (seconds): a real port (:meth:`UartLink.open`, which imports pyserial lazily) or the
simulated port of the cocotb tests. Register names are those of :mod:`spikesim.fpga.regmap`.
Errors raise :class:`UartError`; a status sent back by the bridge is in ``UartError.status``.

A ``UartLink`` is a transport of :class:`spikesim.fpga.driver.CoreDriver` (``read`` / ``write`` at
byte offsets, ``write_many`` / ``read_many`` = WRITE_BURST / READ_BURST, ``read_stream`` =
READ_STREAM): ``CoreDriver(link)`` is the same driver a PYNQ board or the simulated bus uses;
:meth:`UartLink.run`, :meth:`UartLink.write_mem`, :meth:`UartLink.read_mem` and
:meth:`UartLink.wait_idle` are shorthands that go through it (:meth:`UartLink.driver`).
Only the standard library and :mod:`spikesim.fpga.regmap` are imported at import time (the emitter
imports :func:`check_clock`); the driver is imported when first used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Protocol

from . import regmap as rm

if TYPE_CHECKING:
    from .driver import CoreDriver

__all__ = ["MAX_WORDS", "Command", "Response", "SerialPort", "Status", "UartError", "UartLink", "check_clock",
           "crc16", "decode_request", "decode_response", "encode_request", "encode_response"]

SYNC_REQUEST = 0xA5
SYNC_RESPONSE = 0x5A
#: Words per burst / stream command (the bridge's buffer).
MAX_WORDS = 63
#: Clocks per bit the bridge accepts (CLK_HZ // BAUD).
MIN_CLKS_PER_BIT, MAX_CLKS_PER_BIT = 8, 65535
#: Inter-byte timeout of the bridge within a frame, in bit times (ss_uart_bridge TIMEOUT_BITS).
TIMEOUT_BITS = 1024
#: Version the bridge reports in INFO.
BRIDGE_VERSION = 1


class Command(IntEnum):
    """Request commands (CMD byte)."""

    READ = 0x01  # [addr] -> word
    WRITE = 0x02  # [addr, word] -> nothing
    WRITE_BURST = 0x03  # [addr, word x n] -> nothing; n writes to one register
    READ_BURST = 0x04  # [addr, n] -> n words; n reads of one register
    READ_STREAM = 0x05  # [addr, k] -> words read while bit 31 is set, at most k
    INFO = 0x06  # [] -> {version, err_count, max words, 0}


class Status(IntEnum):
    """Response status (STATUS byte)."""

    OK = 0
    CRC_ERROR = 1
    BAD_LENGTH = 2
    UNKNOWN_COMMAND = 3
    BUS_ERROR = 4
    FRAMING_ERROR = 5
    TIMEOUT = 6


class UartError(RuntimeError):
    """A failed exchange: the bridge's error status (``status``), or no / a damaged response (``status`` None)."""

    def __init__(self, message: str, status: Status | None = None) -> None:
        super().__init__(message)
        self.status = status


class SerialPort(Protocol):
    """What :class:`UartLink` needs of a port (pyserial's ``Serial`` has it)."""

    timeout: float | None

    def write(self, data: bytes) -> int | None: ...

    def read(self, size: int = 1) -> bytes: ...


@dataclass(frozen=True)
class Response:
    """A decoded response frame."""

    cmd: int
    status: int
    payload: bytes


def check_clock(clk_hz: int, baud: int) -> int:
    """Clocks per bit ``clk_hz // baud`` (Hz, bit/s); ValueError unless it is 8 .. 65535 (the bridge's range)."""
    if int(baud) <= 0 or int(clk_hz) <= 0:
        raise ValueError(f"UART clock: CLK_HZ={clk_hz} Hz and BAUD={baud} bit/s must be positive")
    cpb = int(clk_hz) // int(baud)
    if not MIN_CLKS_PER_BIT <= cpb <= MAX_CLKS_PER_BIT:
        raise ValueError(f"UART clock: CLK_HZ/BAUD = {clk_hz}/{baud} = {cpb} clocks per bit; the bridge needs "
                         f"{MIN_CLKS_PER_BIT} .. {MAX_CLKS_PER_BIT}")
    return cpb


def crc16(data: bytes | Iterable[int], crc: int = 0xFFFF) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, not reflected, no final xor); check("123456789") = 0x29B1."""
    for byte in data:
        crc ^= (byte & 0xFF) << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        crc &= 0xFFFF
    return crc


def _seal(sync: int, body: bytes) -> bytes:
    c = crc16(body)
    return bytes([sync]) + body + bytes([c >> 8, c & 0xFF])


def _check_len(payload: bytes) -> None:
    if len(payload) > 255:
        raise ValueError(f"frame payload of {len(payload)} bytes; at most 255")


def encode_request(cmd: int, payload: bytes = b"") -> bytes:
    """A request frame: A5, cmd, len, payload, CRC (high byte first)."""
    _check_len(payload)
    return _seal(SYNC_REQUEST, bytes([cmd & 0xFF, len(payload)]) + bytes(payload))


def encode_response(cmd: int, status: int, payload: bytes = b"") -> bytes:
    """A response frame: 5A, cmd, status, len, payload, CRC (what the bridge sends)."""
    _check_len(payload)
    return _seal(SYNC_RESPONSE, bytes([cmd & 0xFF, status & 0xFF, len(payload)]) + bytes(payload))


def _unseal(frame: bytes, sync: int, header: int) -> bytes:
    """The body (CMD .. PAYLOAD) of a frame after checking sync, length and CRC."""
    frame = bytes(frame)
    if len(frame) < header + 3 or frame[0] != sync:
        raise UartError(f"not a frame (sync {sync:#04x}, {header} header bytes): {frame.hex()}")
    n = frame[header]
    if len(frame) != header + 3 + n:
        raise UartError(f"frame of {len(frame)} bytes, its LEN={n} says {header + 3 + n}: {frame.hex()}")
    if crc16(frame[1:]) != 0:
        raise UartError(f"frame CRC mismatch (CRC {frame[-2:].hex()}, computed {crc16(frame[1:-2]):04x}): {frame.hex()}")
    return frame[1:-2]


def decode_request(frame: bytes) -> tuple[int, bytes]:
    """(cmd, payload) of a request frame; UartError if it is malformed or its CRC is wrong."""
    body = _unseal(frame, SYNC_REQUEST, 2)
    return body[0], body[2:]


def decode_response(frame: bytes) -> Response:
    """The :class:`Response` of a response frame; UartError if it is malformed or its CRC is wrong."""
    body = _unseal(frame, SYNC_RESPONSE, 3)
    return Response(body[0], body[1], body[3:])


def _words(payload: bytes) -> list[int]:
    return [int.from_bytes(payload[i:i + 4], "little") for i in range(0, len(payload), 4)]


def _le(words: Iterable[int]) -> bytes:
    out = b""
    for w in words:
        if not 0 <= int(w) < 1 << 32:
            raise ValueError(f"word {w!r} does not fit in 32 bits")
        out += int(w).to_bytes(4, "little")
    return out


class UartLink:
    """Register access to a spikesim design through the UART bridge.

    ``port``: a pyserial-like port (``write``, ``read``, ``timeout`` in s; the timeout bounds the
    wait for each response). ``max_skip``: bytes of noise tolerated before a response's sync byte.
    """

    def __init__(self, port: SerialPort, max_skip: int = 64) -> None:
        self.port = port
        self.max_skip = int(max_skip)
        self._driver: CoreDriver | None = None

    @classmethod
    def open(cls, device: str, baud: int = 115200, timeout: float = 0.5) -> UartLink:
        """Open serial ``device`` at ``baud`` bit/s (8N1) with pyserial (``pip install pyserial``)."""
        try:
            import serial  # type: ignore[import-not-found]  # optional: only for real hardware
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("UartLink.open needs pyserial: pip install 'spikesim[board]' (or pyserial)") from e
        return cls(serial.Serial(device, baudrate=int(baud), bytesize=8, parity="N", stopbits=1, timeout=timeout))

    # ------------------------------------------------------------------ frames
    def _read_exact(self, n: int, what: str) -> bytes:
        data = bytes(self.port.read(n))
        if len(data) != n:
            raise UartError(f"no response from the UART bridge: {what} got {len(data)} of {n} bytes within "
                            f"timeout={self.port.timeout} s (wrong port, baud rate or clock?)")
        return data

    def receive(self) -> Response:
        """Read one response frame (skipping up to ``max_skip`` bytes before its sync byte)."""
        for _ in range(self.max_skip + 1):
            if self._read_exact(1, "sync byte")[0] == SYNC_RESPONSE:
                break
        else:
            raise UartError(f"no response sync byte 0x5a in {self.max_skip + 1} bytes (wrong baud rate?)")
        head = self._read_exact(3, "header")
        rest = self._read_exact(head[2] + 2, "payload")
        return decode_response(bytes([SYNC_RESPONSE]) + head + rest)

    def exchange(self, frame: bytes) -> Response:
        """Send raw request bytes and return the response, whatever its status."""
        self.port.write(bytes(frame))
        return self.receive()

    def transact(self, cmd: Command, payload: bytes = b"", what: str = "") -> bytes:
        """Send a request; the response payload, or :class:`UartError` naming the bridge's status."""
        rsp = self.exchange(encode_request(cmd, payload))
        label = f"{Command(cmd).name}{f' {what}' if what else ''}"
        if rsp.cmd != int(cmd):
            raise UartError(f"{label}: the response is for command {rsp.cmd:#04x}")
        if rsp.status != Status.OK:
            try:
                status = Status(rsp.status)
            except ValueError:
                raise UartError(f"{label}: unknown status {rsp.status}") from None
            raise UartError(f"{label}: the UART bridge answered {status.name}", status)
        return rsp.payload

    def resync(self, max_reads: int = 100) -> int:
        """Read and discard input until the line is quiet for one ``port.timeout``; the bytes dropped.

        With ``port.timeout`` longer than the bridge's inter-byte timeout (TIMEOUT_BITS bit times,
        8.9 ms at 115200 bit/s) the bridge has dropped any half-received frame by then (after a
        wrong baud rate, a cable glitch or an interrupted host)."""
        dropped = 0
        for _ in range(int(max_reads)):
            junk = bytes(self.port.read(4096))
            if not junk:
                return dropped
            dropped += len(junk)
        raise UartError(f"the line did not go quiet: {dropped} bytes in {max_reads} reads")

    # ------------------------------------------------------------------ registers
    @staticmethod
    def offset(reg: str | int) -> int:
        """Byte offset of a register (a name of :mod:`spikesim.fpga.regmap`, or an offset 0 .. 252)."""
        off = rm.by_name(reg).offset if isinstance(reg, str) else int(reg)
        if not 0 <= off <= 0xFF or off % 4:
            raise ValueError(f"register offset {reg!r} is not a word-aligned byte offset 0 .. 252")
        return off

    def read(self, reg: str | int) -> int:
        """Read one register."""
        return _words(self.transact(Command.READ, bytes([self.offset(reg)]), str(reg)))[0]

    def write(self, reg: str | int, value: int) -> None:
        """Write one register."""
        self.transact(Command.WRITE, bytes([self.offset(reg)]) + _le([value]), str(reg))

    def write_burst(self, reg: str | int, words: Sequence[int]) -> None:
        """Write ``words`` to one register in order (frames of up to MAX_WORDS words)."""
        off = self.offset(reg)
        for i in range(0, len(words), MAX_WORDS):
            self.transact(Command.WRITE_BURST, bytes([off]) + _le(words[i:i + MAX_WORDS]), str(reg))

    def read_burst(self, reg: str | int, n: int) -> list[int]:
        """Read one register ``n`` times (frames of up to MAX_WORDS reads)."""
        off, out = self.offset(reg), []
        while len(out) < n:
            k = min(MAX_WORDS, n - len(out))
            out += _words(self.transact(Command.READ_BURST, bytes([off, k]), str(reg)))
        return out

    def read_stream(self, reg: str | int, max_words: int) -> list[int]:
        """Read one register while bit 31 of the word is set, at most ``max_words`` times (READ_STREAM
        frames of up to MAX_WORDS); the words as read (bit 31 set)."""
        off, out = self.offset(reg), []
        while len(out) < max_words:
            k = min(MAX_WORDS, max_words - len(out))
            got = _words(self.transact(Command.READ_STREAM, bytes([off, k]), str(reg)))
            out += got
            if len(got) < k:
                break
        return out

    # the CoreDriver transport's burst names
    def write_many(self, reg: str | int, words: Sequence[int]) -> None:
        """:meth:`write_burst` (the driver's name)."""
        self.write_burst(reg, list(words))

    def read_many(self, reg: str | int, n: int) -> list[int]:
        """:meth:`read_burst` (the driver's name)."""
        return self.read_burst(reg, n)

    def read_spikes(self, max_words: int | None = None) -> list[int]:
        """Drain SPIKE_DATA: the spike words (VALID bit cleared) until the FIFO is empty or ``max_words``."""
        got = self.read_stream("SPIKE_DATA", (1 << 62) if max_words is None else int(max_words))
        return [w & 0x7FFFFFFF for w in got]

    def info(self) -> dict[str, int]:
        """The bridge's INFO: version, err_count (rejected frames, saturating at 255), max_words."""
        p = self.transact(Command.INFO)
        return {"version": p[0], "err_count": p[1], "max_words": p[2]}

    # ------------------------------------------------------------------ memories and runs (through CoreDriver)
    def driver(self) -> CoreDriver:
        """The :class:`~spikesim.fpga.driver.CoreDriver` on this link (one per link; no ID check, no timeout)."""
        if self._driver is None:
            from .driver import CoreDriver

            self._driver = CoreDriver(self, check=False, timeout_s=None)
        return self._driver

    def write_mem(self, mem: str, addr: int, words: Sequence[int]) -> None:
        """Write ``words`` into memory ``mem`` (regmap.MEMORIES) from word ``addr`` (MEM_SEL.AUTO_INC)."""
        self.driver().write_memory(mem, words, addr)

    def read_mem(self, mem: str, addr: int, n: int) -> list[int]:
        """Read ``n`` words of memory ``mem`` from word ``addr``."""
        return [int(w) for w in self.driver().read_memory(mem, n, addr)]

    def wait_idle(self, timeout_s: float | None = 60.0) -> None:
        """Poll STATUS until BUSY = 0 (after a reset the core clears its delay ring)."""
        self.driver().wait_idle(timeout_s)

    def run(self, steps: int, timeout_s: float | None = None) -> list[int]:
        """Run ``steps`` steps (STEPS, CTRL.START) and drain the spike FIFO until DONE; the spike words."""
        d = self.driver()
        d.wait_idle(timeout_s)
        d.run(int(steps), timeout_s=timeout_s)
        return d.read_spike_words()

    def __repr__(self) -> str:
        port: Any = self.port
        return f"UartLink({getattr(port, 'port', None) or type(port).__name__})"
