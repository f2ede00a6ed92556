"""Converters of the layer ops: convolution and transposed convolution, pooling, batch and layer norm, embedding
lookup.

Each registers itself in ``converters.CONVERTERS``. Convolutions and layer norm are single Functions (``Conv``,
``ConvTranspose``, ``LayerNorm``); pooling, batch norm and the embedding lookup are ``tracing.unit`` functions
whose converters read torch's arguments from ``options``. Group norm needs nothing of its own: it is traced as
reshapes around a ``LayerNorm`` and an affine map. Unbatched inputs (no N dim) are given one for the ONNX op and
lose it after.
"""

import functools

import numpy as np

from .converters import register

__all__ = []


def _spatial_tuple(value, spatial):
    return (value,) * spatial if isinstance(value, int) else tuple(value) * (spatial if len(value) == 1 else 1)


def _around_batch(graph, x, spatial, make):
    """``make(name of x with an N dim)`` applied to ``x``, unsqueezing and squeezing dim 0 when ``x`` has none."""
    if x.ndim == spatial + 2:
        return make(graph.name_of(x))
    axes = graph.constant(np.array([0], np.int64), "axes")
    result = make(graph.node("Unsqueeze", [graph.name_of(x), axes]))
    return graph.node("Squeeze", [result, axes])


@register("Conv")
def _conv(graph, inputs, options, output):
    """``Conv`` with its window's padding before each dim and, after, what the output size needs (never
    negative: trailing inputs a stride skips are simply not read)."""
    x, weight, bias = inputs
    window = options["window"]
    after = [
        max(0, (o - 1) * s + d * (k - 1) + 1 - n - p)
        for k, s, p, d, n, o in zip(
            window.kernel, window.stride, window.padding, window.dilation, window.in_size, window.out_size
        )
    ]
    names = [graph.name_of(t) for t in (x, weight, bias) if t is not None]
    return graph.node(
        "Conv",
        names,
        kernel_shape=list(window.kernel),
        strides=list(window.stride),
        pads=list(window.padding) + after,
        dilations=list(window.dilation),
        group=int(options["groups"]),
    )


@register("ConvTranspose")
def _conv_transpose(graph, inputs, options, output):
    """``ConvTranspose`` with torch's padding on both sides of each dim and, as ``output_padding``, what the
    output size has beyond ``(n - 1) s - 2 p + d (k - 1) + 1`` (the op's ``window`` is that of the convolution it
    is the adjoint of: its ``in_size`` is this op's output size, its ``out_size`` this op's input size)."""
    x, weight, bias = inputs
    window = options["window"]
    output_padding = [
        size - ((n - 1) * s - 2 * p + d * (k - 1) + 1)
        for size, n, k, s, p, d in zip(
            window.in_size, window.out_size, window.kernel, window.stride, window.padding, window.dilation
        )
    ]
    names = [graph.name_of(t) for t in (x, weight, bias) if t is not None]
    return graph.node(
        "ConvTranspose",
        names,
        kernel_shape=list(window.kernel),
        strides=list(window.stride),
        pads=list(window.padding) * 2,
        output_padding=output_padding,
        dilations=list(window.dilation),
        group=int(options["groups"]),
    )


def _max_pool(spatial, graph, inputs, options, output):
    if options["return_indices"]:
        raise NotImplementedError(f"ONNX export of max_pool{spatial}d with return_indices=True is not supported")
    dilation = _spatial_tuple(options["dilation"], spatial)
    return _strided_pool(graph, "MaxPool", spatial, options, dilations=list(dilation))


def _avg_pool(spatial, graph, inputs, options, output):
    if options.get("divisor_override") is not None:
        raise NotImplementedError(f"ONNX export of avg_pool{spatial}d with divisor_override is not supported")
    return _strided_pool(graph, "AveragePool", spatial, options, count_include_pad=int(options["count_include_pad"]))


def _strided_pool(graph, onnx_op, spatial, options, **extra):
    """A MaxPool/AveragePool node from torch's kernel_size, stride (None or empty: the kernel), padding, ceil_mode."""
    kernel = _spatial_tuple(options["kernel_size"], spatial)
    stride = options["stride"]
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else stride
    attributes = dict(
        kernel_shape=list(kernel),
        strides=list(_spatial_tuple(stride, spatial)),
        pads=list(_spatial_tuple(options["padding"], spatial)) * 2,
        ceil_mode=int(options["ceil_mode"]),
        **extra,
    )
    return _around_batch(graph, options["input"], spatial, lambda name: graph.node(onnx_op, [name], **attributes))


def _adaptive_pool(onnx_op, spatial, graph, inputs, options, output):
    """Adaptive pooling: Global*Pool for an all-ones output, a plain pooling when each size divides evenly (the
    windows are then disjoint and equal); other sizes have overlapping uneven windows, which ONNX cannot express."""
    name = f"adaptive_{'max' if onnx_op == 'MaxPool' else 'avg'}_pool{spatial}d"
    if options.get("return_indices"):
        raise NotImplementedError(f"ONNX export of {name} with return_indices=True is not supported")
    x = options["input"]
    sizes = x.shape[x.ndim - spatial :]
    size = options["output_size"]
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
    return _around_batch(graph, x, spatial, make)


for _spatial in (1, 2, 3):
    register(f"max_pool{_spatial}d")(functools.partial(_max_pool, _spatial))
    register(f"avg_pool{_spatial}d")(functools.partial(_avg_pool, _spatial))
    register(f"adaptive_max_pool{_spatial}d")(functools.partial(_adaptive_pool, "MaxPool", _spatial))
    register(f"adaptive_avg_pool{_spatial}d")(functools.partial(_adaptive_pool, "AveragePool", _spatial))


@register("batch_norm")
def _batch_norm(graph, inputs, options, output):
    """Inference batch norm (the running statistics) as BatchNormalization; a missing weight/bias is 1/0."""
    x = options["input"]
    if options["training"]:
        raise NotImplementedError("ONNX export of batch_norm uses the running statistics: export in eval mode")
    channels, dtype = x.shape[1], x._data.dtype
    weight, bias = options["weight"], options["bias"]
    names = [
        graph.name_of(x),
        graph.name_of(weight) if weight is not None else graph.constant(np.ones(channels, dtype), "scale"),
        graph.name_of(bias) if bias is not None else graph.constant(np.zeros(channels, dtype), "bias"),
        graph.name_of(options["running_mean"]),
        graph.name_of(options["running_var"]),
    ]
    return graph.node("BatchNormalization", names, epsilon=float(options["eps"]))


@register("LayerNorm")
def _layer_norm(graph, inputs, options, output):
    """LayerNormalization (opset 17) over the last ``dims`` dims; a missing weight is ones, a missing bias none."""
    if graph.opset < 17:
        raise NotImplementedError("ONNX export of layer_norm needs opset_version >= 17 (LayerNormalization)")
    x, weight, bias = inputs
    dims = options["dims"]
    scale = (
        graph.name_of(weight)
        if weight is not None
        else graph.constant(np.ones(x.shape[x.ndim - dims :], x._data.dtype), "scale")
    )
    names = [graph.name_of(x), scale] + ([graph.name_of(bias)] if bias is not None else [])
    return graph.node("LayerNormalization", names, axis=-dims, epsilon=float(options["eps"]))


@register("embedding")
def _embedding(graph, inputs, options, output):
    """Rows of the weight at the indices: Gather on axis 0 (the indices as int64)."""
    indices = options["input"]
    name = graph.name_of(indices)
    if np.asarray(getattr(indices, "_data", indices)).dtype != np.int64:
        name = graph.node("Cast", [name], to=graph.onnx.TensorProto.INT64)
    return graph.node("Gather", [graph.name_of(options["weight"]), name], axis=0)
