"""Converters of the layer ops: convolution and transposed convolution, batch and layer norm, embedding lookup
(pooling has its own module, ``pooling``).

Each registers itself in ``converters.CONVERTERS``. Convolutions and layer norm are single Functions (``Conv``,
``ConvTranspose``, ``LayerNorm``); batch and instance norm and the embedding lookup are ``tracing.unit`` functions whose
converters read torch's arguments from ``options``. Group norm needs nothing of its own: it is traced as reshapes
around a ``LayerNorm`` and an affine map.
"""

import numpy as np

from .converters import reduce_node, register

__all__ = []


def _convolution(graph, onnx_op, inputs, options, after, **extra):
    """A Conv/ConvTranspose node over the op's ``window``: its padding before each dim, ``after`` after it."""
    window = options["window"]
    return graph.node(
        onnx_op,
        [graph.name_of(t) for t in inputs if t is not None],
        kernel_shape=list(window.kernel),
        strides=list(window.stride),
        pads=list(window.padding) + list(after),
        dilations=list(window.dilation),
        group=int(options["groups"]),
        **extra,
    )


@register("Conv")
def _conv(graph, inputs, options, output):
    """``Conv`` with its window's padding before each dim and, after, what the output size needs (never
    negative: trailing inputs a stride skips are simply not read)."""
    window = options["window"]
    after = [
        max(0, (o - 1) * s + d * (k - 1) + 1 - n - p)
        for k, s, p, d, n, o in zip(
            window.kernel, window.stride, window.padding, window.dilation, window.in_size, window.out_size
        )
    ]
    return _convolution(graph, "Conv", inputs, options, after)


@register("ConvTranspose")
def _conv_transpose(graph, inputs, options, output):
    """``ConvTranspose`` with torch's padding on both sides of each dim and, as ``output_padding``, what the
    output size has beyond ``(n - 1) s - 2 p + d (k - 1) + 1`` (the op's ``window`` is that of the convolution it
    is the adjoint of: its ``in_size`` is this op's output size, its ``out_size`` this op's input size)."""
    window = options["window"]
    output_padding = [
        size - ((n - 1) * s - 2 * p + d * (k - 1) + 1)
        for size, n, k, s, p, d in zip(
            window.in_size, window.out_size, window.kernel, window.stride, window.padding, window.dilation
        )
    ]
    return _convolution(graph, "ConvTranspose", inputs, options, window.padding, output_padding=output_padding)


def _normalized_affine(graph, options):
    """The value names of x and of the per-channel scale and bias (ones and zeros when missing)."""
    x = options["input"]
    channels, dtype = x.shape[1], x._data.dtype
    weight, bias = options["weight"], options["bias"]
    return [
        graph.name_of(x),
        graph.name_of(weight) if weight is not None else graph.constant(np.ones(channels, dtype), "scale"),
        graph.name_of(bias) if bias is not None else graph.constant(np.zeros(channels, dtype), "bias"),
    ]


def _running(graph, options):
    """BatchNormalization on the running statistics."""
    names = _normalized_affine(graph, options) + [
        graph.name_of(options["running_mean"]),
        graph.name_of(options["running_var"]),
    ]
    return graph.node("BatchNormalization", names, epsilon=float(options["eps"]))


@register("batch_norm")
def _batch_norm(graph, inputs, options, output):
    """Inference batch norm (the running statistics) as BatchNormalization; a missing weight/bias is 1/0."""
    if options["training"]:
        raise NotImplementedError("ONNX export of batch_norm uses the running statistics: export in eval mode")
    return _running(graph, options)


@register("instance_norm")
def _instance_norm(graph, inputs, options, output):
    """InstanceNormalization (each plane's own statistics), or, without ``use_input_stats``, BatchNormalization
    on the running statistics (an InstanceNorm tracking them, in eval mode). The running buffers' update is
    training's business, not the exported graph's."""
    if not options["use_input_stats"]:
        return _running(graph, options)
    return graph.node("InstanceNormalization", _normalized_affine(graph, options), epsilon=float(options["eps"]))


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


def _bag_membership(graph, index, options):
    """``(B, N)`` bool, whether position ``j`` of a 1-D input lies in bag ``b``: ``offsets[b] <= j < end[b]``,
    ``end`` the next offset (the input's length after the last one; with ``include_last_offset`` the last offset
    ends the last bag, positions after it in none). Comparisons of the positions with the offsets, so the bags'
    number and lengths follow the graph's inputs."""
    int64 = lambda values: graph.constant(np.array(values, np.int64))
    offsets = graph.name_of(options["offsets"])
    if options["offsets"]._data.dtype != np.int64:
        offsets = graph.node("Cast", [offsets], to=graph.onnx.TensorProto.INT64)
    length = graph.node("Shape", [index])
    later = graph.node("Slice", [offsets, int64([1]), int64([np.iinfo(np.int64).max])])
    if options["include_last_offset"]:
        starts, ends = graph.node("Slice", [offsets, int64([0]), int64([-1])]), later
    else:
        starts, ends = offsets, graph.node("Concat", [later, length], axis=0)
    end = graph.node("Squeeze", [length, int64([0])])
    positions = graph.node("Unsqueeze", [graph.node("Range", [int64(0), end, int64(1)]), int64([0])])  # (1, N)
    column = lambda value: graph.node("Unsqueeze", [value, int64([1])])  # (B, 1)
    inside = graph.node("GreaterOrEqual", [positions, column(starts)])
    return graph.node("And", [inside, graph.node("Less", [positions, column(ends)])])


@register("embedding_bag")
def _embedding_bag(graph, inputs, options, output):
    """The rows of the bags, gathered as ``(B, L, D)`` for a 2-D ``(B, L)`` input (one bag per row) or ``(1, N,
    D)`` for a 1-D input with ``offsets`` (every bag masks the positions it holds, ``_bag_membership``), reduced
    over axis 1 (sum, mean or max): the ``padding_idx`` positions left out (an empty bag gives 0, as torch's) and
    ``per_sample_weights`` scaling the rows of a sum. ``max_norm`` rewrites the weight while it runs: refused."""
    indices, weight, mode = options["input"], options["weight"], options["mode"]
    if options["max_norm"] is not None:
        raise NotImplementedError("ONNX export of embedding_bag with max_norm is not supported")
    dtype = weight._data.dtype
    constant = lambda value, kind=dtype: graph.constant(np.array(value, kind))
    index = graph.name_of(indices)
    if indices._data.dtype != np.int64:
        index = graph.node("Cast", [index], to=graph.onnx.TensorProto.INT64)
    rows = graph.node("Gather", [graph.name_of(weight), index], axis=0)
    if options["per_sample_weights"] is not None:
        scale = graph.node("Unsqueeze", [graph.name_of(options["per_sample_weights"]), constant([-1], np.int64)])
        rows = graph.node("Mul", [rows, scale])
    kept = None  # (B, L) or (B, N): the positions each bag reduces over (None: all)
    if indices.ndim == 1:
        kept = _bag_membership(graph, index, options)
        rows = graph.node("Unsqueeze", [rows, constant([0], np.int64)])
    padding = options["padding_idx"]
    if padding is not None:
        unpadded = graph.node("Not", [graph.node("Equal", [index, constant(padding % weight.shape[0], np.int64)])])
        kept = unpadded if kept is None else graph.node("And", [kept, unpadded])
    if kept is None and mode == "max":
        return reduce_node(graph, "ReduceMax", rows, [1], keepdims=False)
    if kept is not None:
        kept = graph.node("Unsqueeze", [kept, constant([2], np.int64)])
    if mode == "max":
        top = reduce_node(graph, "ReduceMax", graph.node("Where", [kept, rows, constant(-np.inf)]), [1], False)
        return graph.node("Where", [graph.node("IsInf", [top], detect_positive=0), constant(0.0), top])
    weights = None if kept is None else graph.node("Cast", [kept], to=graph.helper.np_dtype_to_tensor_dtype(dtype))
    total = reduce_node(graph, "ReduceSum", rows if weights is None else graph.node("Mul", [rows, weights]), [1], False)
    if mode == "sum":
        return total
    if weights is None:
        return graph.node("Div", [total, constant(indices.shape[1])])
    count = reduce_node(graph, "ReduceSum", weights, [1], False)
    return graph.node("Div", [total, graph.node("Max", [count, constant(1.0)])])
