"""Converters of the activations whose branches minigrad decides outside the graph (``tracing.unit``s in
``ops.pointwise_activation``, their arguments in ``options`` by torch's names) and of the fused tanh GELU:
each is one ONNX op where ONNX has it (``Elu``, ``Selu``, ``Celu``, ``HardSwish``, ``HardSigmoid``, ``Clip``,
``Shrink``, ``PRelu``, ``LeakyRelu``), else a few elementwise nodes.
"""

import math

import numpy as np

from ..ops.pointwise_activation import SELU_ALPHA, SELU_SCALE
from .converters import register

__all__ = []


def _input(graph, options):
    return graph.name_of(options["x"])


def _constant(graph, options, value):
    return graph.constant(np.array(value, options["x"]._data.dtype))


@register("elu")
def _elu(graph, inputs, options, output):
    return graph.node("Elu", [_input(graph, options)], alpha=float(options["alpha"]))


@register("selu")
def _selu(graph, inputs, options, output):
    return graph.node("Selu", [_input(graph, options)], alpha=SELU_ALPHA, gamma=SELU_SCALE)


@register("celu")
def _celu(graph, inputs, options, output):
    return graph.node("Celu", [_input(graph, options)], alpha=float(options["alpha"]))


@register("hardswish")
def _hardswish(graph, inputs, options, output):
    return graph.node("HardSwish", [_input(graph, options)])


@register("hardsigmoid")
def _hardsigmoid(graph, inputs, options, output):
    """``max(0, min(1, x/6 + 1/2))``: ONNX's HardSigmoid with α = 1/6, β = 1/2."""
    return graph.node("HardSigmoid", [_input(graph, options)], alpha=1.0 / 6.0, beta=0.5)


@register("hardtanh")
def _hardtanh(graph, inputs, options, output):
    bounds = [_constant(graph, options, options[name]) for name in ("min_val", "max_val")]
    return graph.node("Clip", [_input(graph, options)] + bounds)


@register("relu6")
def _relu6(graph, inputs, options, output):
    return graph.node("Clip", [_input(graph, options), _constant(graph, options, 0.0), _constant(graph, options, 6.0)])


@register("threshold")
def _threshold(graph, inputs, options, output):
    """``x`` where ``x > threshold``, else ``value``."""
    x = _input(graph, options)
    keep = graph.node("Greater", [x, _constant(graph, options, options["threshold"])])
    return graph.node("Where", [keep, x, _constant(graph, options, options["value"])])


def _shrink(soft):
    """ONNX's Shrink: 0 on ``[-λ, λ]``, else ``x ∓ bias`` (bias λ for softshrink, 0 for hardshrink)."""

    def convert(graph, inputs, options, output):
        lambd = float(options["lambd"])
        return graph.node("Shrink", [_input(graph, options)], lambd=lambd, bias=lambd if soft else 0.0)

    return convert


register("softshrink")(_shrink(True))
register("hardshrink")(_shrink(False))


@register("prelu")
def _prelu(graph, inputs, options, output):
    """PRelu with the slope shaped to broadcast from the channel dim (dim 1), as torch's."""
    x, weight = options["x"], options["weight"]
    shape = () if weight.numel() == 1 else (-1,) + (1,) * (x.ndim - 2)
    slope = graph.node("Reshape", [graph.name_of(weight), graph.constant(np.array(shape, np.int64), "shape")])
    return graph.node("PRelu", [graph.name_of(x), slope])


@register("rrelu")
def _rrelu(graph, inputs, options, output):
    """The evaluation rrelu, a leaky ReLU of slope ``(lower + upper) / 2`` (training draws random slopes)."""
    if options["training"]:
        raise NotImplementedError("ONNX export of rrelu draws no random slopes: export with training=False")
    slope = (float(options["lower"]) + float(options["upper"])) / 2
    return graph.node("LeakyRelu", [_input(graph, options)], alpha=slope)


@register("GeluTanh")
def _gelu_tanh(graph, inputs, options, output):
    """``x/2 · (1 + tanh(√(2/π) (x + 0.044715 x³)))`` (ONNX's own Gelu needs opset 20)."""
    (x,) = inputs
    dtype = x._data.dtype
    constant = lambda value: graph.constant(np.array(value, dtype))
    value = graph.name_of(x)
    cubed = graph.node("Mul", [graph.node("Mul", [value, value]), value])
    inner = graph.node("Add", [value, graph.node("Mul", [cubed, constant(0.044715)])])
    t = graph.node("Tanh", [graph.node("Mul", [inner, constant(math.sqrt(2 / math.pi))])])
    return graph.node("Mul", [graph.node("Mul", [value, constant(0.5)]), graph.node("Add", [t, constant(1.0)])])
