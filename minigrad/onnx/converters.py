"""One converter per minigrad op: the ONNX nodes that compute the same thing.

``convert(graph, op, inputs, options, output)`` looks up the op's class name in ``CONVERTERS``; each converter adds
nodes to ``graph`` (see ``export._Graph``) and returns the name of the value holding the op's result. Inputs that
are parameters or constants arrive as initializers through ``graph.name_of``.
"""

import math

import numpy as np

__all__ = ["convert", "CONVERTERS"]


def _names(graph, inputs):
    return [graph.name_of(x) for x in inputs]


def _same(onnx_op):
    """An op whose ONNX twin takes the same inputs in the same order."""
    return lambda graph, inputs, options, output: graph.node(onnx_op, _names(graph, inputs))


def _linear(graph, inputs, options, output):
    x, weight, bias = inputs
    names = _names(graph, [x, weight] + ([bias] if bias is not None else []))
    if x.ndim == 2:
        return graph.node("Gemm", names, transB=1)
    product = graph.node("MatMul", [names[0], graph.constant(weight._data.T.copy(), "weight_t")])
    return graph.node("Add", [product, names[2]]) if bias is not None else product


def _reshape(graph, inputs, options, output):
    (x,) = inputs
    shape = list(options["shape"])
    if len(shape) == 1 and x.ndim > 0:
        shape = [-1]
    elif shape and x.ndim and shape[0] == x.shape[0]:
        shape[0] = 0  # copy the leading (batch) dim, so a dynamic batch size works
        if len(shape) == 2:
            shape[1] = -1
    return graph.node("Reshape", [graph.name_of(x), graph.constant(np.array(shape, np.int64), "shape")])


def _reduce(onnx_op):
    """A reduction over ``options["axes"]``: the axes are an input from opset 13 (ReduceSum) or 18 (the others),
    an attribute before."""

    def convert(graph, inputs, options, output):
        axes, keepdims = list(options["axes"]), int(options["keepdim"])
        if graph.opset >= (13 if onnx_op == "ReduceSum" else 18):
            return graph.node(
                onnx_op, [graph.name_of(inputs[0]), graph.constant(np.array(axes, np.int64), "axes")], keepdims=keepdims
            )
        return graph.node(onnx_op, [graph.name_of(inputs[0])], axes=axes, keepdims=keepdims)

    return convert


def _extremum(graph, inputs, options, output):
    onnx_op = "ReduceMax" if options["numpy_reduce"] is np.max else "ReduceMin"
    return _reduce(onnx_op)(graph, inputs, options, output)


def _index(graph, inputs, options, output):
    """Basic indexing (ints and slices) as Slice, then Squeeze for the ints."""
    (x,) = inputs
    index = options["index"] if isinstance(options["index"], tuple) else (options["index"],)
    if options["advanced"] or any(item is None or item is Ellipsis for item in index):
        raise NotImplementedError("ONNX export supports indexing with ints and slices only")
    starts, ends, axes, steps, squeeze = [], [], [], [], []
    for axis, item in enumerate(index):
        if isinstance(item, slice):
            start, stop, step = item.indices(x.shape[axis])
            if (start, stop, step) == (0, x.shape[axis], 1):
                continue
            if stop < 0:  # a backward slice to the front: ONNX reads -1 as "the last", so say "before the first"
                stop = np.iinfo(np.int64).min
        else:
            start = int(item) % x.shape[axis]
            stop, step = start + 1, 1
            squeeze.append(axis)
        starts.append(start)
        ends.append(stop)
        axes.append(axis)
        steps.append(step)
    value = graph.name_of(x)
    if axes:
        value = graph.node(
            "Slice",
            [value]
            + [
                graph.constant(np.array(v, np.int64), stem)
                for v, stem in ((starts, "starts"), (ends, "ends"), (axes, "axes"), (steps, "steps"))
            ],
        )
    if squeeze:
        value = graph.node("Squeeze", [value, graph.constant(np.array(squeeze, np.int64), "axes")])
    return value


def _clamp(graph, inputs, options, output):
    x, low, high = inputs
    bound = lambda v: "" if v is None else graph.name_of(np.asarray(v, dtype=x._data.dtype))
    return graph.node("Clip", [graph.name_of(x), bound(low), bound(high)])


def _composed(*steps):
    """A unary op as a chain: each step is (onnx_op, constant or None, constant_first)."""

    def convert(graph, inputs, options, output):
        value = graph.name_of(inputs[0])
        dtype = inputs[0]._data.dtype
        for onnx_op, constant, constant_first in steps:
            operands = [value]
            if constant is not None:
                name = graph.constant(np.array(constant, dtype))
                operands = [name, value] if constant_first else [value, name]
            value = graph.node(onnx_op, operands)
        return value

    return convert


CONVERTERS = {
    **{
        name: _same(name)
        for name in (
            "Add",
            "Sub",
            "Mul",
            "Div",
            "Pow",
            "Neg",
            "Abs",
            "Exp",
            "Log",
            "Sqrt",
            "Sin",
            "Cos",
            "Tan",
            "Sinh",
            "Cosh",
            "Asin",
            "Acos",
            "Atan",
            "Asinh",
            "Acosh",
            "Atanh",
            "Tanh",
            "Sigmoid",
            "Relu",
            "Erf",
            "MatMul",
        )
    },
    "Maximum": _same("Max"),
    "Minimum": _same("Min"),
    "Clone": _same("Identity"),
    "Log1p": _composed(("Add", 1.0, False), ("Log", None, False)),
    "Expm1": _composed(("Exp", None, False), ("Sub", 1.0, False)),
    "Exp2": _composed(("Pow", 2.0, True)),
    "Log2": _composed(("Log", None, False), ("Div", math.log(2.0), False)),
    "Log10": _composed(("Log", None, False), ("Div", math.log(10.0), False)),
    "Rsqrt": _composed(("Sqrt", None, False), ("Reciprocal", None, False)),
    "Linear": _linear,
    "Reshape": _reshape,
    "Permute": lambda graph, inputs, options, output: graph.node(
        "Transpose", _names(graph, inputs), perm=list(options["axes"])
    ),
    "BroadcastTo": lambda graph, inputs, options, output: graph.node(
        "Expand", [graph.name_of(inputs[0]), graph.constant(np.array(options["shape"], np.int64), "shape")]
    ),
    "Softmax": lambda graph, inputs, options, output: graph.node(
        "Softmax", _names(graph, inputs), axis=options["axis"]
    ),
    "LogSoftmax": lambda graph, inputs, options, output: graph.node(
        "LogSoftmax", _names(graph, inputs), axis=options["axis"]
    ),
    "LeakyRelu": lambda graph, inputs, options, output: graph.node(
        "LeakyRelu", _names(graph, inputs), alpha=float(options["slope"])
    ),
    "Sum": _reduce("ReduceSum"),
    "Extremum": _extremum,
    "Concatenate": lambda graph, inputs, options, output: graph.node(
        "Concat", _names(graph, inputs), axis=options["dim"]
    ),
    "Cast": lambda graph, inputs, options, output: graph.node(
        "Cast", _names(graph, inputs), to=graph.helper.np_dtype_to_tensor_dtype(np.dtype(options["dtype"]))
    ),
    "Where": lambda graph, inputs, options, output: graph.node(
        "Where", [graph.constant(np.asarray(options["condition"]), "condition")] + _names(graph, inputs)
    ),
    "MaskedFill": lambda graph, inputs, options, output: graph.node(
        "Where",
        [
            graph.constant(np.asarray(options["mask"]), "mask"),
            graph.constant(np.array(options["value"], inputs[0]._data.dtype), "value"),
            graph.name_of(inputs[0]),
        ],
    ),
    "Clamp": _clamp,
    "Index": _index,
}


def convert(graph, op, inputs, options, output):
    """The ONNX value name of ``output``, computed by nodes added to ``graph``."""
    converter = CONVERTERS.get(op.__name__)
    if converter is None:
        raise NotImplementedError(f"ONNX export has no converter for {op.__name__} yet")
    return converter(graph, inputs, options, output)
