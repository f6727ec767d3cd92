"""Native (C++) kernels for the JAX CPU backend, called through ``jax.ffi``.

The source is compiled on first use with the system C++ compiler against the XLA FFI
headers that ship with jaxlib, and cached in ``~/.cache/spikesim`` (or
``$SPIKESIM_CACHE``). When no compiler is available, :func:`load` returns False and
the backend uses its pure-XLA path, which gives bit-identical results.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

_SOURCE = Path(__file__).with_name("push.cc")
_TARGETS = {"spikesim_push": "SpikesimPush", "spikesim_deliver": "SpikesimDeliver"}
_state: dict = {}


def _cache_dir() -> Path:
    root = os.environ.get("SPIKESIM_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "spikesim")
    return Path(root)


def _build() -> Path:
    src = _SOURCE.read_bytes()
    include = jax.ffi.include_dir()
    tag = hashlib.sha256(src + include.encode() + jax.__version__.encode()).hexdigest()[:16]
    lib = _cache_dir() / f"libspikesim_push_{tag}.so"
    if lib.exists():
        return lib
    cxx = os.environ.get("CXX") or shutil.which("c++") or shutil.which("g++") or shutil.which("clang++")
    if cxx is None:
        raise RuntimeError("no C++ compiler (c++, g++ or clang++) on PATH")
    lib.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=lib.parent) as tmp:
        out = Path(tmp) / lib.name
        cmd = [cxx, "-O3", "-std=c++17", "-shared", "-fPIC", f"-I{include}", str(_SOURCE), "-o", str(out)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"compiling {_SOURCE.name} failed:\n{proc.stderr[-2000:]}")
        os.replace(out, lib)  # atomic: concurrent builders never see a partial file
    return lib


def load() -> bool:
    """Compile (once) and register the native push; False if that is impossible here."""
    if "ok" not in _state:
        try:
            lib = ctypes.cdll.LoadLibrary(str(_build()))
            for target, symbol in _TARGETS.items():
                jax.ffi.register_ffi_target(target, jax.ffi.pycapsule(getattr(lib, symbol)), platform="cpu")
            _state["ok"] = True
        except Exception as exc:  # no compiler, no headers: fall back to pure XLA
            warnings.warn(f"spikesim: native CPU kernels unavailable, using the pure-XLA path ({exc})", stacklevel=2)
            _state["ok"] = False
    return _state["ok"]


def push(ring, spiked, code, weight, rowlen, t, depth: int, width: int):
    """Native equivalent of :func:`spikesim.backends.jax_core.push`; returns (ring, count).
    Under ``jax.vmap`` the kernel gets the whole batch in one call (operands shared by the
    batch keep a leading axis of 1), with ``t`` the same for every member."""
    call = jax.ffi.ffi_call(
        "spikesim_push",
        (jax.ShapeDtypeStruct(ring.shape, jnp.float32), jax.ShapeDtypeStruct((), jnp.int32)),
        input_output_aliases={0: 0},
        vmap_method="expand_dims",
    )
    return call(ring, spiked, code, weight, rowlen, jnp.asarray(t, jnp.int32).reshape(1),
                depth=np.int64(depth), width=np.int64(width), k=np.int64(code.shape[-1]), n=np.int64(spiked.shape[-1]))


def deliver(ring, t, depth: int, width: int):
    """Native equivalent of :func:`spikesim.backends.jax_core.deliver`; returns (ring, row)."""
    call = jax.ffi.ffi_call(
        "spikesim_deliver",
        (jax.ShapeDtypeStruct(ring.shape, jnp.float32), jax.ShapeDtypeStruct((width,), jnp.float32)),
        input_output_aliases={0: 0},
        vmap_method="expand_dims",
    )
    return call(ring, jnp.asarray(t, jnp.int32).reshape(1), depth=np.int64(depth), width=np.int64(width))
