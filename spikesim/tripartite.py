"""The biophysical tripartite synapse: a G-ChI astrocyte whose gliotransmitter modulates release.

De Pittà et al. (2011, 2016) as written in Stimberg, Goodman, Brette & De Pittà (2019),
"Modeling neuron-glia interactions with the Brian 2 simulator", figure 3 (Brian2's
``examples/frompapers/Stimberg_et_al_2018/example_3_io_synapse.py``). Numpy only, float64.

Units. Time in ms for ``dt`` and every recorded time, but the *rates* of this model are in
1/s (Hz) and its fluxes in µM/s, as in the paper, so the defaults are the paper's numbers.
Concentrations in µM, fractions dimensionless.

**Synapse** (one per tripartite synapse; integrated exactly over a step, ``G_A`` held):

* ``dY_S/dt = -Omega_c Y_S``                                   released neurotransmitter (µM)
* ``dGamma_S/dt = O_G G_A (1 - Gamma_S) - Omega_G Gamma_S``    activated presynaptic receptors
* ``du_S/dt = -Omega_f u_S``                                   facilitation (release probability)
* ``dx_S/dt = Omega_d (1 - x_S)``                              available resources (depression)

On a presynaptic spike: ``U_0 = (1 - Gamma_S) U_0_star + alpha Gamma_S``,
``u_S += U_0 (1 - u_S)``, ``r_S = u_S x_S``, ``x_S -= r_S``, ``Y_S += rho_c Y_T r_S``.
``r_S`` keeps the value of the last release. With ``Gamma_S = 0`` this is the
Tsodyks–Markram model with facilitation (:func:`tsodyks_markram_release`).

**Astrocyte** (G-ChI; integrated with classical RK4, as Brian2's ``method='rk4'``):

* ``dI/dt = J_delta - J_3K - J_5P + J_ex``  (IP3, µM), with
  ``J_delta = O_delta / (1 + I/kappa_delta) * C^2/(C^2 + K_delta^2)``,
  ``J_3K = O_3K * C^4/(C^4 + K_D^4) * I/(I + K_3K)``, ``J_5P = Omega_5P I``,
  ``J_ex = -F_ex/2 (1 + tanh((|I - I_bias| - I_Theta)/omega_I)) sign(I - I_bias)``
* ``dC/dt = (Omega_C m_inf^3 h^3 + Omega_L)(C_T - (1 + rho_A) C) - O_P C^2/(C^2 + K_P^2)``  (Ca²⁺, µM),
  ``m_inf = I/(I + d_1) * C/(C + d_5)``
* ``dh/dt = (h_inf - h) O_2 (Q_2 + C)``, ``h_inf = Q_2/(Q_2 + C)``, ``Q_2 = d_2 (I + d_1)/(I + d_3)``
* ``dx_A/dt = Omega_A (1 - x_A)``  (gliotransmitter resources), ``dG_A/dt = -Omega_e G_A`` (µM)

Gliotransmitter release when ``C`` crosses ``C_Theta`` upwards: ``G_A += rho_e G_T U_A x_A``,
``x_A -= U_A x_A``. The astrocyte is then refractory until ``C`` is back at or below
``C_Theta`` (Brian2's ``threshold='C>C_Theta', refractory='C>C_Theta'``).

**Coupling.** A synapse sees the ``G_A`` of its astrocyte (0 without one).

**One step** (of ``dt`` ms), in Brian2's schedule: the state is recorded; each synapse copies
its astrocyte's ``G_A``; the astrocytes integrate (RK4) and the synapses integrate (exact);
astrocytes whose ``C`` crossed ``C_Theta`` release; presynaptic spikes of this step act on
their synapses. A presynaptic spike of step k therefore acts at the end of step k (Brian2's
``on_pre`` with zero delay).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from .values import SpecError, check_finite


def _check(owner: str, name: str, value: float, lo: float = 0.0, hi: float = math.inf,
           lo_open: bool = False) -> None:
    """SpecError naming ``owner.name`` unless ``value`` is finite and in the range."""
    check_finite(f"{owner}.{name}", value)
    if value < lo or (lo_open and value == lo) or value > hi:
        low = f"> {lo:g}" if lo_open else f">= {lo:g}"
        rng = low if hi == math.inf else f"in {'(' if lo_open else '['}{lo:g}, {hi:g}]"
        raise SpecError(f"{owner}.{name}={value!r} must be {rng}")


@dataclass(frozen=True)
class TripartiteSynapse:
    """Release of one synapse with presynaptic receptors for gliotransmitter (defaults: the paper).

    Rates in 1/s, ``Y_T`` in µM, ``O_G`` in 1/(µM·s), the rest dimensionless.
    ``alpha`` is the nature of gliotransmission: 0 depresses release, 1 facilitates it."""

    rho_c: float = 0.005        # synaptic vesicle-to-extracellular volume ratio
    Y_T: float = 500_000.0      # total vesicular neurotransmitter (µM) = 500 mM
    Omega_c: float = 40.0       # neurotransmitter clearance rate (1/s)
    U_0_star: float = 0.6       # resting release probability
    Omega_f: float = 3.33       # facilitation rate (1/s)
    Omega_d: float = 2.0        # depression (recovery) rate (1/s)
    O_G: float = 1.5            # agonist binding rate (1/(µM·s))
    Omega_G: float = 0.5 / 60   # agonist unbinding rate (1/s)
    alpha: float = 0.0          # gliotransmission nature, in [0, 1]

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name in ("U_0_star", "alpha"):
                _check("TripartiteSynapse", f.name, v, 0.0, 1.0)
            elif f.name == "rho_c":
                _check("TripartiteSynapse", f.name, v, 0.0, 1.0, lo_open=True)
            else:
                _check("TripartiteSynapse", f.name, v)


# Parameters of GChIAstrocyte that appear as denominators: they must be > 0.
_POSITIVE = ("K_P", "C_T", "d_1", "d_2", "d_3", "d_5", "kappa_delta", "K_delta", "K_D", "K_3K",
             "omega_I", "G_T", "rho_e")


@dataclass(frozen=True)
class GChIAstrocyte:
    """G-ChI Ca²⁺/IP₃ astrocyte with threshold gliotransmitter release (defaults: the paper).

    Rates ``Omega_*`` in 1/s, fluxes ``O_*`` and ``F_ex`` in µM/s (``O_2`` in 1/(µM·s)),
    concentrations in µM, ``rho_*`` and ``U_A`` dimensionless."""

    O_P: float = 0.9            # maximal Ca²⁺ uptake by SERCAs (µM/s)
    K_P: float = 0.05           # Ca²⁺ affinity of SERCAs (µM)
    C_T: float = 2.0            # total free Ca²⁺ content (µM)
    rho_A: float = 0.18         # ER-to-cytoplasm volume ratio
    Omega_C: float = 6.0        # maximal Ca²⁺ release by IP3Rs (1/s)
    Omega_L: float = 0.1        # maximal Ca²⁺ leak from the ER (1/s)
    d_1: float = 0.13           # IP3 binding affinity (µM)
    d_2: float = 1.05           # Ca²⁺ inactivation dissociation constant (µM)
    O_2: float = 0.2            # IP3R binding rate for Ca²⁺ inhibition (1/(µM·s))
    d_3: float = 0.9434         # IP3 dissociation constant (µM)
    d_5: float = 0.08           # Ca²⁺ activation dissociation constant (µM)
    O_delta: float = 0.6        # maximal IP3 production by PLCdelta (µM/s)
    kappa_delta: float = 1.5    # inhibition constant of PLCdelta by IP3 (µM)
    K_delta: float = 0.1        # Ca²⁺ affinity of PLCdelta (µM)
    Omega_5P: float = 0.05      # maximal IP3 degradation by IP-5P (1/s)
    K_D: float = 0.7            # Ca²⁺ affinity of IP3-3K (µM)
    K_3K: float = 1.0           # IP3 affinity of IP3-3K (µM)
    O_3K: float = 4.5           # maximal IP3 degradation by IP3-3K (µM/s)
    F_ex: float = 2.0           # maximal exogenous IP3 flow (µM/s)
    I_Theta: float = 0.3        # threshold gradient for IP3 diffusion (µM)
    omega_I: float = 0.05       # scaling factor of diffusion (µM)
    C_Theta: float = 0.5        # Ca²⁺ threshold for exocytosis (µM)
    Omega_A: float = 0.6        # gliotransmitter recycling rate (1/s)
    U_A: float = 0.6            # gliotransmitter release probability
    G_T: float = 200_000.0      # total vesicular gliotransmitter (µM) = 200 mM
    rho_e: float = 6.5e-4       # astrocytic vesicle-to-extracellular volume ratio
    Omega_e: float = 60.0       # gliotransmitter clearance rate (1/s)

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "U_A":
                _check("GChIAstrocyte", f.name, v, 0.0, 1.0)
            elif f.name != "C_Theta":
                _check("GChIAstrocyte", f.name, v, lo_open=f.name in _POSITIVE)
        # Free Ca²⁺ cannot exceed C_T/(1 + rho_A): there the ER is empty and every flux is <= 0.
        _check("GChIAstrocyte", "C_Theta", self.C_Theta, 0.0, self.C_T / (1.0 + self.rho_A), lo_open=True)

    def derivatives(self, I, C, h, x_A, G_A, I_bias, xp=np):
        """Time derivatives (per second) of ``I``, ``C`` (µM/s), ``h``, ``x_A`` (1/s), ``G_A`` (µM/s).
        ``xp`` is the array namespace (numpy or jax.numpy)."""
        J_delta = self.O_delta / (1.0 + I / self.kappa_delta) * C**2 / (C**2 + self.K_delta**2)
        J_3K = self.O_3K * C**4 / (C**4 + self.K_D**4) * I / (I + self.K_3K)
        J_5P = self.Omega_5P * I
        dI_bias = I - I_bias
        J_ex = -self.F_ex / 2 * (1.0 + xp.tanh((xp.abs(dI_bias) - self.I_Theta) / self.omega_I)) * xp.sign(dI_bias)
        m_inf = I / (I + self.d_1) * C / (C + self.d_5)
        Q_2 = self.d_2 * (I + self.d_1) / (I + self.d_3)
        h_inf = Q_2 / (Q_2 + C)
        tau_h = 1.0 / (self.O_2 * (Q_2 + C))
        dC = (self.Omega_C * m_inf**3 * h**3 + self.Omega_L) * (self.C_T - (1.0 + self.rho_A) * C) \
            - self.O_P * C**2 / (C**2 + self.K_P**2)
        return (J_delta - J_3K - J_5P + J_ex, dC, (h_inf - h) / tau_h,
                self.Omega_A * (1.0 - x_A), -self.Omega_e * G_A)

    def rk4(self, state: tuple, I_bias, h_s: float, xp=np) -> tuple:
        """One classical Runge–Kutta step of ``h_s`` seconds of ``(I, C, h, x_A, G_A)``."""
        k1 = self.derivatives(*state, I_bias, xp)
        k2 = self.derivatives(*(s + h_s / 2 * k for s, k in zip(state, k1)), I_bias, xp)
        k3 = self.derivatives(*(s + h_s / 2 * k for s, k in zip(state, k2)), I_bias, xp)
        k4 = self.derivatives(*(s + h_s * k for s, k in zip(state, k3)), I_bias, xp)
        return tuple(s + h_s / 6 * (a + 2 * b + 2 * c + d) for s, a, b, c, d in zip(state, k1, k2, k3, k4))

    @property
    def release_amount(self) -> float:
        """``rho_e G_T U_A``: the G_A jump (µM) of a release from full resources (x_A = 1)."""
        return self.rho_e * self.G_T * self.U_A


SYNAPSE_VARS = ("Y_S", "Gamma_S", "u_S", "x_S", "r_S")
ASTRO_VARS = ("I", "C", "h", "x_A", "G_A")
# The initial state: the example's astrocyte (I = 0.4 µM, h = 0.9, x_A = 1) and a resting synapse
# with full resources (x_S = 1; Brian2's example leaves x_S = 0 and lets it recover for 16.5 s).
DEFAULT_INIT = {"Y_S": 0.0, "Gamma_S": 0.0, "u_S": 0.0, "x_S": 1.0, "r_S": 0.0,
                "I": 0.4, "C": 0.0, "h": 0.9, "x_A": 1.0, "G_A": 0.0}


def tsodyks_markram_release(spike_times_ms: np.ndarray, U_0: float = 0.6, Omega_f: float = 3.33,
                            Omega_d: float = 2.0, u0: float = 0.0, x0: float = 1.0) -> np.ndarray:
    """The release ``r_S`` at each spike of the plain Tsodyks–Markram synapse (no astrocyte), in
    closed form between spikes: ``u <- u e^{-Omega_f Δt}``, ``x <- 1 - (1 - x) e^{-Omega_d Δt}``
    (rates in 1/s, Δt in ms), then ``u += U_0 (1 - u)``, ``r = u x``, ``x -= r``."""
    u, x, last = u0, x0, None
    out = []
    for t in np.asarray(spike_times_ms, dtype=float):
        if last is not None:
            u *= math.exp(-Omega_f * (t - last) / 1000.0)
            x = 1.0 - (1.0 - x) * math.exp(-Omega_d * (t - last) / 1000.0)
        u += U_0 * (1.0 - u)
        out.append(u * x)
        x -= u * x
        last = t
    return np.array(out)


class Tripartite:
    """Tripartite synapses driven by the spikes of ``pre`` (made by ``Network.add_tripartite``).

    Synapse k listens to neuron ``pre_index[k]`` of ``pre`` and to astrocyte ``astrocyte_of[k]``
    (-1: none). Astrocyte j receives the exogenous IP3 drive towards ``i_bias[j]`` (µM).
    Recordable variables: synapses ``Y_S`` (µM), ``Gamma_S``, ``u_S``, ``x_S``, ``r_S``;
    astrocytes ``I``, ``C``, ``G_A`` (µM), ``h``, ``x_A``."""

    def __init__(self, name: str, pre, astrocyte_of, i_bias, pre_index=None,
                 synapse: TripartiteSynapse | None = None, astrocyte: GChIAstrocyte | None = None,
                 init: dict[str, float] | None = None) -> None:
        self.name = name
        self.pre = pre
        self.synapse = TripartiteSynapse() if synapse is None else synapse
        self.astrocyte = GChIAstrocyte() if astrocyte is None else astrocyte
        if not isinstance(self.synapse, TripartiteSynapse):
            raise SpecError(f"add_tripartite: synapse={self.synapse!r} is not a TripartiteSynapse")
        if not isinstance(self.astrocyte, GChIAstrocyte):
            raise SpecError(f"add_tripartite: astrocyte={self.astrocyte!r} is not a GChIAstrocyte")
        self.i_bias = np.atleast_1d(np.asarray(i_bias, dtype=float))
        check_finite("i_bias", self.i_bias)
        if self.i_bias.ndim != 1 or np.any(self.i_bias < 0):
            raise SpecError(f"add_tripartite: i_bias={self.i_bias.tolist()} must be a list of values >= 0 µM")
        self.astrocyte_of = np.atleast_1d(np.asarray(astrocyte_of))
        n = self.astrocyte_of.size
        if n == 0 or self.astrocyte_of.ndim != 1 or not np.issubdtype(self.astrocyte_of.dtype, np.integer):
            raise SpecError(f"add_tripartite: astrocyte_of={self.astrocyte_of.tolist()} must be a non-empty "
                            "list of astrocyte indices (-1: no astrocyte)")
        bad = (self.astrocyte_of < -1) | (self.astrocyte_of >= self.i_bias.size)
        if np.any(bad):
            raise SpecError(f"add_tripartite: astrocyte_of={int(self.astrocyte_of[bad][0])} is outside "
                            f"[-1, {self.i_bias.size}) (there are {self.i_bias.size} astrocytes, one per i_bias)")
        if pre_index is None:
            pre_index = np.zeros(n, int) if pre.n == 1 else np.arange(pre.n)
        local = np.atleast_1d(np.asarray(pre_index))
        if local.shape != (n,) or not np.issubdtype(local.dtype, np.integer):
            raise SpecError(f"add_tripartite: pre_index has shape {local.shape}; expected {n} integers "
                            "(one presynaptic neuron per synapse)")
        if np.any((local < 0) | (local >= pre.n)):
            raise SpecError(f"add_tripartite: pre_index={int(local[(local < 0) | (local >= pre.n)][0])} "
                            f"is outside [0, {pre.n}) for {pre.name!r}")
        self.pre_neuron = np.asarray(pre.indices)[local]  # population indices
        self.init = dict(DEFAULT_INIT)
        for var, value in (init or {}).items():
            if var not in DEFAULT_INIT:
                raise SpecError(f"add_tripartite: init[{var!r}] is unknown; choose from {sorted(DEFAULT_INIT)}")
            check_finite(f"init[{var!r}]", value)
            self.init[var] = float(value)
        for var in ("Gamma_S", "u_S", "x_S", "r_S", "h", "x_A"):
            _check("add_tripartite: init", var, self.init[var], 0.0, 1.0)
        for var in ("Y_S", "I", "C", "G_A"):
            _check("add_tripartite: init", var, self.init[var])
        self.records: dict[str, int] = {}
        self.state = {v: np.full(n, self.init[v]) for v in SYNAPSE_VARS}
        self.state.update({v: np.full(self.i_bias.size, self.init[v]) for v in ASTRO_VARS})
        self.state["armed"] = np.ones(self.i_bias.size, bool)  # False while refractory (C above C_Theta)

    @property
    def n(self) -> int:
        """Number of synapses."""
        return self.astrocyte_of.size

    def __repr__(self) -> str:
        return f"Tripartite({self.name!r}, {self.n} synapses, {self.i_bias.size} astrocytes, pre={self.pre.name!r})"

    def record(self, var: str, every: int) -> None:
        """Record ``var`` at the start of every step that is a multiple of ``every``."""
        if var not in SYNAPSE_VARS + ASTRO_VARS:
            raise SpecError(f"record: var={var!r} is unknown for tripartite {self.name!r}; "
                            f"choose from {SYNAPSE_VARS + ASTRO_VARS}")
        if self.records.get(var, every) != every:
            raise SpecError(f"record: {var!r} of {self.name!r} is already recorded every {self.records[var]} steps")
        self.records[var] = every

    def step(self, s: dict, hit, dt: float, xp=np) -> tuple[dict, Any]:
        """One step of ``dt`` ms of the state ``s`` (a dict of arrays: the variables of
        ``SYNAPSE_VARS`` and ``ASTRO_VARS``, and ``armed``, False while an astrocyte is refractory),
        in Brian2's schedule (module docstring). ``hit``: the synapses whose presynaptic neuron
        spiked in this step. Returns the new state and ``fired`` (the astrocytes that released)."""
        syn, ast = self.synapse, self.astrocyte
        h_s = dt / 1000.0
        g_syn = xp.where(self.astrocyte_of >= 0, s["G_A"][np.maximum(self.astrocyte_of, 0)], 0.0)
        armed = s["armed"] | (s["C"] <= ast.C_Theta)
        I, C, h, x_A, G_A = ast.rk4(tuple(s[v] for v in ASTRO_VARS), self.i_bias, h_s, xp)
        Y = s["Y_S"] * math.exp(-syn.Omega_c * h_s)
        u = s["u_S"] * math.exp(-syn.Omega_f * h_s)
        x = 1.0 - (1.0 - s["x_S"]) * math.exp(-syn.Omega_d * h_s)
        rate = syn.O_G * g_syn + syn.Omega_G  # Gamma_S relaxes to O_G G_A / rate at this rate
        gamma_inf = syn.O_G * g_syn / xp.where(rate > 0, rate, 1.0)
        gamma = gamma_inf + (s["Gamma_S"] - gamma_inf) * xp.exp(-rate * h_s)
        fired = (C > ast.C_Theta) & armed
        # presynaptic spikes (on_pre)
        U_0 = (1.0 - gamma) * syn.U_0_star + syn.alpha * gamma
        u = xp.where(hit, u + U_0 * (1.0 - u), u)
        r = xp.where(hit, u * x, s["r_S"])
        x = xp.where(hit, x - r, x)
        Y = xp.where(hit, Y + syn.rho_c * syn.Y_T * r, Y)
        # gliotransmitter release (reset)
        G_A = xp.where(fired, G_A + ast.release_amount * x_A, G_A)
        x_A = xp.where(fired, x_A - ast.U_A * x_A, x_A)
        new = dict(zip(SYNAPSE_VARS, (Y, gamma, u, x, r)))
        new.update(zip(ASTRO_VARS, (I, C, h, x_A, G_A)))
        new["armed"] = armed & ~fired
        return new, fired

    def check_dt(self, dt: float) -> None:
        """SpecError when ``dt`` (ms) is too long for the astrocyte's RK4."""
        ast = self.astrocyte
        fastest = max(ast.Omega_e, ast.Omega_A, ast.Omega_5P, ast.O_2 * (ast.d_2 + ast.C_T))
        if dt / 1000.0 * fastest > 1.0:
            raise SpecError(f"dt={dt} ms is too long for the astrocyte's RK4: dt x fastest rate "
                            f"({fastest:g}/s) = {dt / 1000.0 * fastest:g} must be <= 1")


def advance_network(net, res, start: int, n_steps: int, drop: list[str]) -> None:
    """Advance every tripartite synapse of ``net`` over the run that produced ``res`` (steps
    ``start`` … ``start + n_steps - 1``) and put its recordings into ``res``; then remove the
    spikes of the populations in ``drop`` (recorded only to drive the synapses)."""
    from .backends.jax_tripartite import advance

    for tri in net.tripartites.values():
        times, neurons = res.spikes(tri.pre.population.name)
        out = advance(tri, net.dt, start, n_steps, np.rint(times / net.dt).astype(np.int64), neurons)
        for var, trace in out.items():
            if var != "release":
                res.state_data[(tri.name, var)] = trace
        res.spike_data[f"{tri.name}.astrocytes"] = out["release"]
        res.sizes[f"{tri.name}.astrocytes"] = tri.i_bias.size
    for name in drop:
        res.spike_data.pop(name, None)
