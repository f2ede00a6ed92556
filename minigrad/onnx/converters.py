"""One converter per minigrad op: the ONNX nodes that compute the same thing.

``convert(graph, op, inputs, options, output)`` looks up the op's name (a Function's class name, or the name of a
``minigrad.autograd.tracing.unit``) in ``CONVERTERS``; each converter adds nodes to ``graph`` (see
``export._Graph``) and returns the name of the value holding the op's result (a list of names, one per tensor,
when the op returns several). Inputs that are parameters or constants arrive as initializers through
``graph.name_of``. The converters of layers live in ``layers`` and ``recurrent`` and register themselves here with
``@register("Name")``: a new Function needs one small registered converter.
"""

import math

import numpy as np

__all__ = ["convert", "register", "reduce_node", "CONVERTERS"]


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
    product = graph.node("MatMul", [names[0], graph.node("Transpose", [names[1]])])  # the weight keeps its name
    return graph.node("Add", [product, names[2]]) if bias is not None else product


def _reshape(graph, inputs, options, output):
    """Reshape to the traced shape, except the sizes that follow a dynamic axis: an axis of the same size that
    also varies at the same index of the input is copied (0), one other is inferred (-1)."""
    (x,) = inputs
    shape = list(output.shape)
    copied = graph.varying_axes(x)
    free = []
    for axis, varies in enumerate(graph.varying_axes(output)):
        if varies and axis < x.ndim and copied[axis] and x.shape[axis] == shape[axis]:
            shape[axis] = 0
        elif varies:
            free.append(axis)
    if len(free) > 1:
        raise NotImplementedError(f"ONNX export of a reshape to {list(output.shape)} with several dynamic sizes")
    for axis in free:
        shape[axis] = -1
    return graph.node("Reshape", [graph.name_of(x), graph.constant(np.array(shape, np.int64), "shape")])


def _broadcast_to(graph, inputs, options, output):
    """Expand to the traced shape; a size that follows a dynamic axis is 1 there, so Expand keeps the input's."""
    shape = [1 if varies else size for size, varies in zip(output.shape, graph.varying_axes(output))]
    return graph.node("Expand", [graph.name_of(inputs[0]), graph.constant(np.array(shape, np.int64), "shape")])


def reduce_node(graph, onnx_op, value, axes, keepdims):
    """A reduction of the value ``value`` over ``axes``: the axes are an input from opset 13 (ReduceSum) or 18
    (the others), an attribute before."""
    axes, keepdims = list(axes), int(keepdims)
    if graph.opset >= (13 if onnx_op == "ReduceSum" else 18):
        return graph.node(onnx_op, [value, graph.constant(np.array(axes, np.int64), "axes")], keepdims=keepdims)
    return graph.node(onnx_op, [value], axes=axes, keepdims=keepdims)


def _reduce(onnx_op):
    """A reduction over ``options["axes"]``."""
    return lambda graph, inputs, options, output: reduce_node(
        graph, onnx_op, graph.name_of(inputs[0]), options["axes"], options["keepdim"]
    )


def _extremum(graph, inputs, options, output):
    onnx_op = "ReduceMax" if options["numpy_reduce"] is np.max else "ReduceMin"
    return _reduce(onnx_op)(graph, inputs, options, output)


def _taken(graph, x, index):
    """``x[:, ..., :, indices]``, one integer array along one axis (what ``repeat_interleave`` and
    ``index_select`` trace), as Gather; None for any other advanced index."""
    arrays = [(axis, item) for axis, item in enumerate(index) if not isinstance(item, slice)]
    full = all(item == slice(None) for item in index if isinstance(item, slice))
    if len(arrays) != 1 or not full:
        return None
    axis, indices = arrays[0]
    indices = np.asarray(indices)
    if indices.ndim != 1 or indices.dtype.kind not in "iu":
        return None
    return graph.node("Gather", [graph.name_of(x), graph.constant(indices.astype(np.int64), "indices")], axis=axis)


def _index(graph, inputs, options, output):
    """Basic indexing (ints and slices) as Slice, then Squeeze for the ints; one integer array along one axis as
    Gather."""
    (x,) = inputs
    index = options["index"] if isinstance(options["index"], tuple) else (options["index"],)
    if options["advanced"]:
        taken = _taken(graph, x, index)
        if taken is None:
            raise NotImplementedError("ONNX export supports advanced indexing by one integer array along one axis only")
        return taken
    if any(item is None or item is Ellipsis for item in index):
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


def _softplus(graph, inputs, options, output):
    """``x`` where ``βx > threshold``, else ``Softplus(βx) / β``."""
    (x,) = inputs
    dtype = x._data.dtype
    scaled = graph.node("Mul", [graph.name_of(x), graph.constant(np.array(options["beta"], dtype), "beta")])
    soft = graph.node("Div", [graph.node("Softplus", [scaled]), graph.constant(np.array(options["beta"], dtype))])
    linear = graph.node("Greater", [scaled, graph.constant(np.array(options["threshold"], dtype), "threshold")])
    return graph.node("Where", [linear, graph.name_of(x), soft])


def _constant_pad(graph, inputs, options, output):
    """Pad with ``pads`` = every dim's amount before, then every dim's amount after."""
    (x,) = inputs
    widths = options["widths"]
    pads = np.array([before for before, _ in widths] + [after for _, after in widths], np.int64)
    value = graph.constant(np.array(options["value"], x._data.dtype), "value")
    return graph.node("Pad", [graph.name_of(x), graph.constant(pads, "pads"), value], mode="constant")


def _cumsum(graph, inputs, options, output):
    axis = graph.constant(np.array(options["axis"], np.int64), "axis")
    return graph.node("CumSum", [graph.name_of(inputs[0]), axis], reverse=int(options["reverse"]))


def _gather(graph, inputs, options, output):
    """``torch.gather``: GatherElements with the (traced) index as a constant."""
    index = graph.constant(np.asarray(options["index"], np.int64), "index")
    return graph.node("GatherElements", [graph.name_of(inputs[0]), index], axis=options["dim"])


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
    "BroadcastTo": _broadcast_to,
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
    "Mean": _reduce("ReduceMean"),
    "Prod": _reduce("ReduceProd"),
    "LogSumExp": _reduce("ReduceLogSumExp"),
    "Cumsum": _cumsum,
    "Gather": _gather,
    "Softplus": _softplus,
    "ConstantPad": _constant_pad,
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
    "Split": lambda graph, inputs, options, output: [  # each piece as its own basic index
        _index(graph, inputs, {"index": key, "advanced": False}, piece) for key, piece in zip(options["keys"], output)
    ],
}


def register(*names):
    """Decorator: the decorated ``converter(graph, inputs, options, output)`` converts the ops ``names``."""

    def decorate(converter):
        for name in names:
            CONVERTERS[name] = converter
        return converter

    return decorate


def convert(graph, op, inputs, options, output):
    """The ONNX value name(s) of ``output``, computed by nodes added to ``graph``."""
    name = getattr(op, "__name__", op)
    converter = CONVERTERS.get(name)
    if converter is None:
        raise NotImplementedError(f"ONNX export has no converter for {name} yet")
    return converter(graph, inputs, options, output)
