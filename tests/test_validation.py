"""Bad input fails early: a :class:`spikesim.SpecError` (a ValueError) whose message names the
parameter and the bad value, raised while the network is described or lowered, before any
backend is built or anything is compiled."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import spikesim as ss
import spikesim.backends

DT = 0.1
NAN, INF = float("nan"), float("inf")


def lif(**params) -> ss.LIF:
    return ss.LIF(**{"tau_m": 10.0, "v_rest": -65.0, "v_thresh": -50.0, "v_reset": -65.0, **params})


def network(model: ss.LIF | ss.Izhikevich | None = None, n: int = 4, dt: float = DT, init=None) -> ss.Network:
    """Two populations "A" (``model``) and "B" (a plain LIF), ``n`` neurons each."""
    net = ss.Network(dt=dt, seed=1)
    net.add_population("A", n, model or lif(), init=init)
    net.add_population("B", n, lif())
    return net


def connected(connector=None, dt: float = DT, post: str = "B", pre_view: slice = slice(None), **connect_kw) -> ss.Network:
    """``network()`` with one projection "A->B" from ``A[pre_view]`` to ``post`` (all-to-all unless told:
    16 synapses)."""
    net = network(dt=dt)
    net.connect(net.populations["A"][pre_view], post, connector or ss.AllToAll(), name="A->B", **connect_kw)
    return net


def run(net: ss.Network, duration: float = 1.0, **run_kw) -> None:
    net.run(duration, **run_kw)


def spike_source(n: int, times, indices) -> None:
    ss.Network(dt=DT).add_spike_source("S", n, times, indices)


def poisson_net() -> ss.Network:
    net = ss.Network(dt=DT)
    net.add_poisson("S", 3, 1.0)
    return net


# (id, builder, fragments the message must contain: the parameter and the bad value)
CASES = [
    ("unknown precision", lambda: ss.Network(dt=DT, precision="float16"), ["precision", "'float16'"]),
    # time constants
    ("tau_m zero", lambda: run(network(lif(tau_m=0.0))), ["tau_m", "0.0"]),
    ("tau_m negative", lambda: run(network(lif(tau_m=-5.0))), ["tau_m", "-5.0"]),
    ("tau_m one bad neuron", lambda: run(network(lif(tau_m=[10.0, 10.0, -1.0, 10.0]))), ["tau_m", "-1.0"]),
    ("ExpCurrent tau zero", lambda: ss.ExpCurrent(tau=0.0), ["ExpCurrent.tau", "0.0"]),
    ("ExpCurrent tau negative", lambda: ss.ExpCurrent(tau=-3.0), ["ExpCurrent.tau", "-3.0"]),
    ("ExpConductance tau negative", lambda: ss.ExpConductance(tau=-2.0, e_rev=0.0), ["ExpConductance.tau", "-2.0"]),
    ("dt above tau_m", lambda: run(network(lif(tau_m=0.2), dt=0.5)), ["tau_m=0.2", "dt=0.5"]),
    ("dt above ExpCurrent tau", lambda: run(connected(dt=0.5, synapse=ss.ExpCurrent(tau=0.2))), ["tau=0.2", "dt=0.5"]),
    ("dt above ExpConductance tau",
     lambda: run(connected(dt=0.5, synapse=ss.ExpConductance(tau=0.3, e_rev=0.0))), ["tau=0.3", "dt=0.5"]),
    # thresholds
    ("v_thresh below v_reset", lambda: run(network(lif(v_thresh=-70.0))), ["v_thresh=-70.0", "v_reset=-65.0"]),
    ("v_thresh equal to v_reset", lambda: run(network(lif(v_thresh=-65.0))), ["v_thresh=-65.0", "v_reset=-65.0"]),
    ("Izhikevich v_peak below c",
     lambda: run(network(ss.Izhikevich(a=0.02, b=0.2, c=-65.0, d=8.0, v_peak=-70.0))), ["v_peak=-70.0", "c=-65.0"]),
    ("t_ref negative", lambda: run(network(lif(t_ref=-1.0))), ["t_ref=-1.0"]),
    # connection probability
    ("p above 1", lambda: ss.FixedProbability(1.5), ["FixedProbability.p", "1.5"]),
    ("p below 0", lambda: ss.FixedProbability(-0.1), ["FixedProbability.p", "-0.1"]),
    ("p nan", lambda: ss.FixedProbability(NAN), ["FixedProbability.p", "nan"]),
    # array lengths
    ("neuron param length", lambda: run(network(lif(tau_m=[10.0, 10.0, 10.0]))), ["tau_m", "(3,)", "4"]),
    ("init length", lambda: run(network(init={"v": np.zeros(3)})), ["init['v']", "(3,)", "4"]),
    ("init unknown variable", lambda: run(network(init={"u": 0.0})), ["init['u']"]),
    ("weight length", lambda: run(connected(weight=np.ones(5))), ["weight", "(5,)", "16"]),
    ("delay length", lambda: run(connected(delay=np.full(3, 1.0))), ["delay", "(3,)", "16"]),
    ("FromArrays lengths", lambda: ss.FromArrays(np.array([0, 1, 2]), np.array([0, 1])), ["FromArrays", "(3,)", "(2,)"]),
    ("FromArrays index outside view",
     lambda: run(connected(ss.FromArrays(np.array([0, 5]), np.array([0, 1])))), ["FromArrays.pre[1]", "5"]),
    ("FromArrays float indices", lambda: ss.FromArrays(np.array([0.0, 1.0]), np.array([0, 1])), ["FromArrays.pre", "float64"]),
    ("Poisson rate length", lambda: ss.Network(dt=DT).add_poisson("S", 3, [1.0, 2.0]), ["rate_hz", "2", "n=3"]),
    ("2-D weight", lambda: connected(weight=np.ones((4, 4))), ["weight", "(4, 4)"]),
    # NaN and inf
    ("tau_m nan", lambda: lif(tau_m=NAN), ["tau_m", "nan"]),
    ("v_rest inf", lambda: lif(v_rest=INF), ["v_rest", "inf"]),
    ("i_offset -inf in array", lambda: lif(i_offset=[0.0, -INF]), ["i_offset", "-inf"]),
    ("Izhikevich a nan", lambda: ss.Izhikevich(a=NAN, b=0.2, c=-65.0, d=8.0), ["Izhikevich.a", "nan"]),
    ("init nan", lambda: run(network(init={"v": np.array([0.0, NAN, 0.0, 0.0])})), ["init['v']", "nan"]),
    ("Uniform nan", lambda: ss.Uniform(NAN, 1.0), ["Uniform.low", "nan"]),
    ("Normal std inf", lambda: ss.Normal(0.0, INF), ["Normal.std", "inf"]),
    ("weight nan", lambda: connected(weight=NAN), ["weight", "nan"]),
    ("weight array inf", lambda: connected(weight=np.r_[np.ones(15), INF]), ["weight", "inf"]),
    ("delay nan", lambda: connected(delay=NAN), ["delay", "nan"]),
    ("delay inf", lambda: connected(delay=INF), ["delay", "inf"]),
    ("dt nan", lambda: ss.Network(dt=NAN), ["dt", "nan"]),
    ("dt inf", lambda: ss.Network(dt=INF), ["dt", "inf"]),
    ("Poisson rate nan", lambda: ss.Network(dt=DT).add_poisson("S", 3, NAN), ["rate_hz", "nan"]),
    ("spike time inf", lambda: spike_source(3, [INF], [0]), ["times", "inf"]),
    ("duration nan", lambda: run(network(), NAN), ["duration", "nan"]),
    ("noise std nan", lambda: network().add_noise_current("A", NAN), ["std", "nan"]),
    # delays
    ("delay negative", lambda: connected(delay=-1.0), ["delay=-1.0"]),
    ("delay zero", lambda: connected(delay=0.0), ["delay=0.0"]),
    ("delay array with zero", lambda: connected(delay=np.r_[np.ones(15), 0.0]), ["delay=0.0"]),
    ("delay rounds to 0 steps", lambda: run(connected(delay=0.04)), ["delay=0.04", "dt=0.1"]),
    ("delay distribution rounds to 0 steps", lambda: run(connected(delay=ss.Uniform(0.01, 0.04))), ["delay=0.0", "dt=0.1"]),
    ("delay distribution negative", lambda: run(connected(delay=ss.Normal(-5.0, 0.1))), ["delay=-"]),
    # running
    ("unknown backend", lambda: run(network(), backend="numpy"), ["backend", "'numpy'"]),
    ("duration not a multiple of dt", lambda: run(network(), 0.15), ["duration=0.15", "dt=0.1"]),
    ("duration negative", lambda: run(network(), -1.0), ["duration=-1.0"]),
    ("chunk below dt", lambda: run(network(), chunk=0.01), ["chunk=0.01"]),
    ("spike_buffer zero", lambda: run(network(), spike_buffer=0), ["spike_buffer=0"]),
    # recording
    ("unknown record variable", lambda: network().record("A", "u"), ["var='u'"]),
    ("unknown projection variable", lambda: connected().record("A->B", "v"), ["var='v'"]),
    ("record every zero", lambda: network().record("A", "v", every=0), ["every=0"]),
    ("record spikes every 2", lambda: network().record("A", "spikes", every=2), ["every=2"]),
    # names
    ("duplicate population", lambda: network().add_population("A", 3, lif()), ["name='A'"]),
    ("duplicate Poisson name", lambda: network().add_poisson("B", 3, 5.0), ["name='B'"]),
    ("projection named like a population", lambda: network().connect("A", "B", ss.AllToAll(), name="B"), ["name='B'"]),
    ("population named like a projection", lambda: connected().add_population("A->B", 3, lif()), ["name='A->B'"]),
    ("duplicate projection", lambda: connected().connect("B", "A", ss.AllToAll(), name="A->B"), ["name='A->B'"]),
    # inputs
    ("Poisson rate negative", lambda: ss.Network(dt=DT).add_poisson("S", 3, -5.0), ["rate_hz=-5.0"]),
    ("Poisson rate array negative", lambda: ss.Network(dt=DT).add_poisson("S", 3, [1.0, -2.0, 3.0]), ["rate_hz=-2.0"]),
    ("Poisson rate above 1/dt", lambda: ss.Network(dt=DT).add_poisson("S", 3, 20000.0), ["rate_hz=20000.0"]),
    ("conductance weight negative",
     lambda: run(connected(synapse=ss.ExpConductance(tau=5.0, e_rev=0.0), weight=-1.0)), ["weight=-1.0"]),
    ("spike source index too large", lambda: spike_source(3, [1.0], [3]), ["indices", "3", "[0, 3)"]),
    ("spike source index negative", lambda: spike_source(3, [1.0, 2.0], [0, -1]), ["indices", "-1"]),
    ("spike source two spikes in one step", lambda: spike_source(3, [1.0, 1.04], [1, 1]), ["source 1", "t=1 ms"]),
    ("spike source negative time", lambda: spike_source(3, [-1.0], [0]), ["times=-1.0"]),
    ("drive a spike source", lambda: poisson_net().add_noise_current("S", 1.0), ["target='S'"]),
    # connectors
    ("FixedInDegree k above n_pre", lambda: run(connected(ss.FixedInDegree(5))), ["FixedInDegree.k=5", "4"]),
    ("FixedInDegree k above n_pre - 1 without self",
     lambda: run(connected(ss.FixedInDegree(4, allow_self=False), post="A")), ["FixedInDegree.k=4", "3"]),
    ("FixedInDegree k negative", lambda: ss.FixedInDegree(-1), ["FixedInDegree.k=-1"]),
    ("OneToOne sizes differ",
     lambda: run(connected(ss.OneToOne(), pre_view=slice(0, 3))), ["OneToOne", "pre has 3", "post has 4"]),
]


@pytest.fixture
def no_compile(monkeypatch):
    """Building a backend runner means validation came too late: make it fail loudly."""

    def make_runner(*args, **kwargs):
        raise AssertionError("a backend runner was built before the spec was rejected")

    monkeypatch.setattr(spikesim.backends, "make_runner", make_runner)


def assert_spec_error(build, fragments: list[str]) -> None:
    with pytest.raises(ss.SpecError) as exc:
        build()
    assert isinstance(exc.value, ValueError)
    message = str(exc.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


@pytest.mark.parametrize(("build", "fragments"), [pytest.param(b, f, id=i) for i, b, f in CASES])
def test_bad_input_is_a_spec_error_naming_parameter_and_value(no_compile, build, fragments):
    assert_spec_error(build, fragments)


# Whole-number arguments that are not finite, and out-of-range view indices.
BAD_INTEGERS = [
    ("FixedInDegree k nan", lambda: ss.FixedInDegree(NAN), ["FixedInDegree.k", "nan"]),
    ("FixedInDegree k inf", lambda: ss.FixedInDegree(INF), ["FixedInDegree.k", "inf"]),
    ("population size inf", lambda: ss.Network(dt=DT).add_population("A", INF, lif()), ["n=inf"]),
    ("population size nan", lambda: ss.Network(dt=DT).add_poisson("S", NAN, 1.0), ["n=nan"]),
    ("seed nan", lambda: ss.Network(dt=DT, seed=NAN), ["seed=nan"]),
    ("record every inf", lambda: network().record("A", "v", every=INF), ["every=inf"]),
    ("spike_buffer inf", lambda: run(network(), spike_buffer=INF), ["spike_buffer=inf"]),
    ("view index out of range", lambda: network().populations["A"][[7]], ["'A'", "out of range"]),
]


@pytest.mark.parametrize(("build", "fragments"), [pytest.param(b, f, id=i) for i, b, f in BAD_INTEGERS])
def test_bad_integer_input_is_a_spec_error(no_compile, build, fragments):
    assert_spec_error(build, fragments)


# --------------------------------------------------------------------------- frozen after a run
@pytest.fixture(scope="module")
def ran_network() -> ss.Network:
    net = connected()
    net.run(0.5)
    return net


@pytest.mark.parametrize("add", [
    pytest.param(lambda net: net.add_population("C", 3, lif()), id="add_population"),
    pytest.param(lambda net: net.add_poisson("C", 3, 1.0), id="add_poisson"),
    pytest.param(lambda net: net.add_spike_source("C", 3, [1.0], [0]), id="add_spike_source"),
    pytest.param(lambda net: net.connect("A", "B", ss.OneToOne()), id="connect"),
    pytest.param(lambda net: net.add_step_current("A", [0.0], [1.0]), id="add_step_current"),
    pytest.param(lambda net: net.add_noise_current("A", 1.0), id="add_noise_current"),
])
def test_structure_is_frozen_after_a_run(ran_network, add):
    before = (dict(ran_network.populations), dict(ran_network.projections), list(ran_network.currents))
    with pytest.raises(ss.SpecError, match="already been run"):
        add(ran_network)
    assert before == (ran_network.populations, ran_network.projections, ran_network.currents)


def test_lowering_freezes_the_structure():
    net = connected()
    assert net.plan is net.plan
    with pytest.raises(ss.SpecError, match="frozen"):
        net.add_population("C", 3, lif())


# --------------------------------------------------------------------------- delay rounding
def _rounding_warnings(delay, dt: float) -> tuple[list[warnings.WarningMessage], np.ndarray]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net = connected(dt=dt, delay=delay)
        delays = net.connections("A->B")["delay"]
    return [w for w in caught if issubclass(w.category, ss.DelayRoundingWarning)], delays


@pytest.mark.parametrize(("delay", "dt", "expected_ms"), [
    (0.17, 0.1, 0.2),
    (0.33, 0.1, 0.3),
    (1.26, 0.5, 1.5),
    (np.r_[np.full(15, 0.2), 0.26], 0.1, np.r_[np.full(15, 0.2), 0.3]),
])
def test_delay_rounding_warns_and_rounds_to_the_nearest_step(delay, dt, expected_ms):
    caught, delays = _rounding_warnings(delay, dt)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "A->B" in message and f"dt={dt}" in message
    np.testing.assert_allclose(delays, np.broadcast_to(expected_ms, delays.shape), rtol=1e-12)


def test_delay_rounding_warns_for_a_distribution():
    caught, delays = _rounding_warnings(ss.Uniform(0.1, 2.0), 0.1)
    assert len(caught) == 1
    steps = delays / 0.1
    np.testing.assert_allclose(steps, np.rint(steps), atol=1e-9)


@pytest.mark.parametrize(("delay", "dt"), [
    (0.1, 0.1), (0.3, 0.1), (0.7, 0.1), (1.5, 0.025), (2.0, 1.0), (np.arange(1, 17) * 0.1, 0.1),
])
def test_whole_step_delays_do_not_warn(delay, dt):
    caught, delays = _rounding_warnings(delay, dt)
    assert caught == []
    np.testing.assert_allclose(delays, np.broadcast_to(delay, delays.shape), rtol=1e-12)
