"""Converters of the pooling functions (``tracing.unit``s whose converters read torch's arguments from
``options``): max/avg pooling, adaptive pooling, power-average pooling and max unpooling, in 1, 2 and 3 dims.
Unbatched inputs (no N dim) are given one for the ONNX op and lose it after.

Indices: torch's are flat positions within one ``(N, C)`` plane, ONNX's ``MaxPool``/``MaxUnpool`` index the whole
``(N, C, *spatial)`` tensor. So ``max_pool``'s indices are ONNX's modulo the plane's volume, and ``max_unpool``
adds ``plane · volume`` to torch's, the number of planes read from the indices' shape at run time (any batch).
"""

import functools
import math

import numpy as np

from .converters import reduce_node, register

__all__ = []


def _spatial_tuple(value, spatial):
    return (value,) * spatial if isinstance(value, int) else tuple(value) * (spatial if len(value) == 1 else 1)


def _around_batch(graph, tensors, spatial, make):
    """``make(*names of tensors with an N dim)`` (one name or a list), unsqueezing the tensors and squeezing the
    results along dim 0 when they have no N dim."""
    if tensors[0].ndim == spatial + 2:
        return make(*[graph.name_of(t) for t in tensors])
    axes = graph.constant(np.array([0], np.int64), "axes")
    results = make(*[graph.node("Unsqueeze", [graph.name_of(t), axes]) for t in tensors])
    if isinstance(results, str):
        return graph.node("Squeeze", [results, axes])
    return [graph.node("Squeeze", [name, axes]) for name in results]


def _window_attributes(spatial, options):
    """kernel_shape, strides (torch's stride None or empty: the kernel) and pads of a strided pooling."""
    kernel = _spatial_tuple(options["kernel_size"], spatial)
    stride = options["stride"]
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else stride
    return dict(
        kernel_shape=list(kernel),
        strides=list(_spatial_tuple(stride, spatial)),
        pads=list(_spatial_tuple(options.get("padding", 0), spatial)) * 2,
    )


def _max_pool(spatial, graph, inputs, options, output):
    """MaxPool; with ``return_indices`` its second output too, made torch's (modulo the plane's volume)."""
    x = options["input"]
    attributes = dict(
        _window_attributes(spatial, options),
        dilations=list(_spatial_tuple(options["dilation"], spatial)),
        ceil_mode=int(options["ceil_mode"]),
    )
    if not options["return_indices"]:
        return _around_batch(graph, [x], spatial, lambda name: graph.node("MaxPool", [name], **attributes))
    volume = graph.constant(np.array(math.prod(x.shape[x.ndim - spatial :]), np.int64), "volume")

    def make(name):
        stem = graph.fresh("maxpool")
        values, indices = graph.node("MaxPool", [name], [f"{stem}_Y", f"{stem}_I"], **attributes), f"{stem}_I"
        return [values, graph.node("Mod", [indices, volume])]

    return _around_batch(graph, [x], spatial, make)


def _avg_pool(spatial, graph, inputs, options, output):
    if options.get("divisor_override") is not None:
        raise NotImplementedError(f"ONNX export of avg_pool{spatial}d with divisor_override is not supported")
    attributes = dict(
        _window_attributes(spatial, options),
        ceil_mode=int(options["ceil_mode"]),
        count_include_pad=int(options["count_include_pad"]),
    )
    return _around_batch(
        graph, [options["input"]], spatial, lambda name: graph.node("AveragePool", [name], **attributes)
    )


def adaptive_pool(graph, onnx_op, spatial, x, size, name):
    """Adaptive pooling of ``x`` to ``size`` (torch's output_size: an int, a tuple, None entries keeping the input
    size): Global*Pool for an all-ones output, a plain pooling when each size divides evenly (the windows are then
    disjoint and equal); other sizes have overlapping uneven windows, which ONNX cannot express (refused, naming
    ``name``)."""
    sizes = x.shape[x.ndim - spatial :]
    wanted = tuple(
        n if o is None else o
        for n, o in zip(sizes, (size,) * spatial if size is None else _spatial_tuple(size, spatial))
    )
    if all(o == 1 for o in wanted):
        make = lambda value: graph.node(f"Global{onnx_op}", [value])
    elif all(n % o == 0 for n, o in zip(sizes, wanted)):
        kernel = [n // o for n, o in zip(sizes, wanted)]
        make = lambda value: graph.node(onnx_op, [value], kernel_shape=kernel, strides=kernel)
    else:
        raise NotImplementedError(
            f"ONNX export of {name} needs each input size divisible by its output size, got "
            f"{list(sizes)} -> {list(wanted)}"
        )
    return _around_batch(graph, [x], spatial, make)


def _adaptive_pool(onnx_op, spatial, graph, inputs, options, output):
    name = f"adaptive_{'max' if onnx_op == 'MaxPool' else 'avg'}_pool{spatial}d"
    if options.get("return_indices"):
        raise NotImplementedError(f"ONNX export of {name} with return_indices=True is not supported")
    return adaptive_pool(graph, onnx_op, spatial, options["input"], options["output_size"], name)


def _lp_pool(spatial, graph, inputs, options, output):
    """``(Σ_window x^p)^(1/p)``: ``LpPool`` for an even integer ``p`` without ceil_mode (where ONNX's ``|x|^p``
    and its sum over whole windows are torch's); else torch's own formula ``(k · mean_window(x^p))^(1/p)``
    (a partial ceil_mode window is averaged over what it covers, then scaled by the whole window's ``k``); ``p =
    ±inf`` is a max pooling of ``±|x|``."""
    x, p = options["input"], float(options["norm_type"])
    attributes = _window_attributes(spatial, options)
    ceil_mode = int(options["ceil_mode"])
    constant = lambda value: graph.constant(np.array(value, x._data.dtype))
    if math.isinf(p):
        sign = "Identity" if p > 0 else "Neg"

        def make(name):
            signed = graph.node(sign, [graph.node("Abs", [name])])
            return graph.node(sign, [graph.node("MaxPool", [signed], ceil_mode=ceil_mode, **attributes)])

    elif p.is_integer() and p > 0 and p % 2 == 0 and not ceil_mode:
        make = lambda name: graph.node("LpPool", [name], p=int(p), **attributes)
    else:
        taps = math.prod(attributes["kernel_shape"])

        def make(name):
            powered = graph.node("Pow", [name, constant(p)])
            mean = graph.node("AveragePool", [powered], ceil_mode=ceil_mode, count_include_pad=0, **attributes)
            return graph.node("Pow", [graph.node("Mul", [mean, constant(taps)]), constant(1.0 / p)])

    return _around_batch(graph, [x], spatial, make)


def leading_dims(graph, value):
    """The value's ``(N, C)`` at run time, as a 1-D int64 value."""
    bounds = [graph.constant(np.array([v], np.int64), stem) for v, stem in ((0, "starts"), (2, "ends"))]
    return graph.node("Slice", [graph.node("Shape", [value])] + bounds)


def _plane_offsets(graph, indices, spatial, volume):
    """``plane · volume`` shaped ``(N, C, 1, ...)`` for the ``(N, C, *spatial)`` value ``indices``."""
    first_two = leading_dims(graph, indices)
    planes = reduce_node(graph, "ReduceProd", first_two, [0], keepdims=False)
    one, zero = graph.constant(np.array(1, np.int64), "one"), graph.constant(np.array(0, np.int64), "zero")
    offsets = graph.node("Mul", [graph.node("Range", [zero, planes, one]), graph.constant(np.array(volume, np.int64))])
    shape = graph.node("Concat", [first_two, graph.constant(np.ones(spatial, np.int64), "ones")], axis=0)
    return graph.node("Reshape", [offsets, shape])


def _max_unpool(spatial, graph, inputs, options, output):
    """MaxUnpool of the output's size, torch's per-plane indices made ONNX's whole-tensor ones."""
    x, indices = options["input"], options["indices"]
    size = output.shape[output.ndim - spatial :]
    attributes = _window_attributes(spatial, options)

    def make(value, index):  # torch checked that the indices are int64
        index = graph.node("Add", [index, _plane_offsets(graph, index, spatial, math.prod(size))])
        shape = graph.node(
            "Concat", [leading_dims(graph, value), graph.constant(np.array(size, np.int64), "size")], axis=0
        )
        return graph.node("MaxUnpool", [value, index, shape], **attributes)

    return _around_batch(graph, [x, indices], spatial, make)


for _spatial in (1, 2, 3):
    register(f"max_pool{_spatial}d")(functools.partial(_max_pool, _spatial))
    register(f"avg_pool{_spatial}d")(functools.partial(_avg_pool, _spatial))
    register(f"adaptive_max_pool{_spatial}d")(functools.partial(_adaptive_pool, "MaxPool", _spatial))
    register(f"adaptive_avg_pool{_spatial}d")(functools.partial(_adaptive_pool, "AveragePool", _spatial))
    register(f"lp_pool{_spatial}d")(functools.partial(_lp_pool, _spatial))
    register(f"max_unpool{_spatial}d")(functools.partial(_max_unpool, _spatial))
