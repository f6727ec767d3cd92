"""spikesim: one spiking-network description, run on JAX (CPU/GPU), fixed point and FPGA.

Units everywhere: time in ms, voltage in mV, rates in Hz.
"""

from . import eprop, fixed, plot
from .batch import run_batch
from .connectivity import AllToAll, FixedInDegree, FixedProbability, FromArrays, OneToOne
from .fixed import QuantizationReport, quantize_plan
from .lower import DelayRoundingWarning, lower
from .network import Network, NoiseCurrent, Population, PopulationView, Projection, StepCurrent
from .neurons import IZHIKEVICH_TYPES, LIF, Izhikevich
from .plan import Plan
from .plasticity import STDP, Modulator, ThreeFactor, TripletSTDP, da_stdp, pair_window, spnet_stdp
from .result import Result
from .synapses import CurrentPulse, Delta, ExpConductance, ExpCurrent
from .tripartite import GChIAstrocyte, Tripartite, TripartiteSynapse
from .values import Normal, SpecError, Uniform

__version__ = "0.1.0"

__all__ = [
    "IZHIKEVICH_TYPES",
    "LIF",
    "STDP",
    "AllToAll",
    "CurrentPulse",
    "DelayRoundingWarning",
    "Delta",
    "ExpConductance",
    "ExpCurrent",
    "FixedInDegree",
    "FixedProbability",
    "FromArrays",
    "GChIAstrocyte",
    "Izhikevich",
    "Modulator",
    "Network",
    "NoiseCurrent",
    "Normal",
    "OneToOne",
    "Plan",
    "Population",
    "PopulationView",
    "Projection",
    "QuantizationReport",
    "Result",
    "SpecError",
    "StepCurrent",
    "ThreeFactor",
    "Tripartite",
    "TripartiteSynapse",
    "TripletSTDP",
    "Uniform",
    "da_stdp",
    "eprop",
    "fixed",
    "lower",
    "pair_window",
    "plot",
    "quantize_plan",
    "run_batch",
    "spnet_stdp",
]
