"""The converter of ``ScaledDotProductAttention`` (the blockwise attention node): the plain formulation
``Softmax(MatMul(q, kᵀ) · scale + bias) V`` as ONNX nodes (ONNX's own ``Attention`` op needs opset 23).

The bias reaches the node already additive: ``scaled_dot_product_attention`` turns a bool mask (True: allowed)
into a constant 0 / -inf array, a float mask is the Tensor itself (a graph value or a constant). ``causal`` is
the top-left mask ``j ≤ i``: a constant when the two sequence lengths are fixed, else built from their runtime
sizes with ``Trilu`` (opset 14). Leading dims broadcast in ``MatMul`` as in minigrad; grouped-query attention
(``enable_gqa``) reaches the node with its key/value heads already repeated (a traced ``repeat_interleave``).

A query whose every key is masked gets 0 in minigrad, where ``Softmax`` of a row of -inf is nan: such rows take
a bias of 0 for the softmax and their probabilities are multiplied by 0 after it (``attention_matrix``'s rule);
for a constant bias the rows are found now, for a graph-valued one by ``IsInf`` in the graph.
"""

import numpy as np

from ..autograd.tensor import Tensor
from ..ops.attention import causal_bias
from .converters import reduce_node, register

__all__ = []


def _last_two_swapped(ndim):
    return list(range(ndim - 2)) + [ndim - 1, ndim - 2]


def _causal_allowed(graph, q, k):
    """A bool value, True where key ``j ≤`` query ``i``, of shape (L, S) taken from the values ``q`` and ``k``
    (ONNX names) at run time."""
    if graph.opset < 14:
        raise NotImplementedError(
            "ONNX export of causal attention over a dynamic sequence length needs opset_version >= 14 (Trilu)"
        )
    lengths = [
        graph.node(
            "Slice",
            [graph.node("Shape", [t])] + [graph.constant(np.array([v], np.int64)) for v in (-2, -1)],
        )
        for t in (q, k)
    ]
    ones = graph.node(
        "ConstantOfShape",
        [graph.node("Concat", lengths, axis=0)],
        value=graph.onnx.numpy_helper.from_array(np.ones(1, np.int64)),
    )
    return graph.node("Cast", [graph.node("Trilu", [ones], upper=0)], to=graph.onnx.TensorProto.BOOL)


def _sequence_varies(graph, q, k):
    return graph.varying_axes(q)[-2] or graph.varying_axes(k)[-2]


def _blocked_rows(graph, bias, dtype):
    """(bias with its fully masked rows set to 0, a ``(..., L, 1)`` value that is 1 on the rows to keep, 0 on
    the fully masked ones), or (bias, None) when no row can be fully masked."""
    if isinstance(bias, Tensor) and id(bias) in graph.names:  # computed by the graph: test at run time
        value = graph.name_of(bias)
        masked = graph.node("Cast", [graph.node("IsInf", [value], detect_positive=0)], to=_float(graph, dtype))
        blocked = reduce_node(graph, "ReduceMin", masked, [-1], keepdims=True)  # 1 where every key is -inf
        bias_value = graph.node(
            "Where", [graph.node("Cast", [blocked], to=graph.onnx.TensorProto.BOOL), _zero(graph, dtype), value]
        )
        return bias_value, graph.node("Sub", [graph.constant(np.array(1, dtype)), blocked])
    array = bias._data if isinstance(bias, Tensor) else np.asarray(bias)
    blocked = np.all(np.isneginf(array), axis=-1, keepdims=True)
    if not blocked.any():
        return graph.name_of(bias), None
    kept = graph.constant(np.where(blocked, 0, array).astype(dtype), "bias")
    return kept, graph.constant((~blocked).astype(dtype), "kept_rows")


def _float(graph, dtype):
    return graph.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def _zero(graph, dtype):
    return graph.constant(np.array(0, dtype), "zero")


def _causal(graph, scores, q, k, varies, lengths, dtype):
    """``scores`` with the top-left causal mask: -inf where key ``j > i``; ``q`` and ``k`` the values whose
    lengths the mask follows when they ``varies`` at run time, else the fixed ``lengths`` (L, S)."""
    if varies:
        minus_inf = graph.constant(np.array(-np.inf, dtype), "minus_inf")
        return graph.node("Where", [_causal_allowed(graph, q, k), scores, minus_inf])
    return graph.node("Add", [scores, graph.constant(causal_bias(*lengths, dtype), "causal")])


@register("ScaledDotProductAttention")
def _attention(graph, inputs, options, output):
    q, k, v, bias = inputs
    dtype = q._data.dtype
    key_t = graph.node("Transpose", [graph.name_of(k)], perm=_last_two_swapped(k.ndim))
    scores = graph.node(
        "Mul",
        [graph.node("MatMul", [graph.name_of(q), key_t]), graph.constant(np.array(options["scale"], dtype), "scale")],
    )
    kept = None
    if options["causal"]:
        varies = _sequence_varies(graph, q, k)
        scores = _causal(graph, scores, graph.name_of(q), graph.name_of(k), varies, (q.shape[-2], k.shape[-2]), dtype)
    elif bias is not None:
        bias_value, kept = _blocked_rows(graph, bias, dtype)
        scores = graph.node("Add", [scores, bias_value])
    weights = graph.node("Softmax", [scores], axis=-1)
    if kept is not None:
        weights = graph.node("Mul", [weights, kept])
    return graph.node("MatMul", [weights, graph.name_of(v)])


@register("PackedSelfAttention")
def _packed_attention(graph, inputs, options, output):
    """``MultiheadAttention``'s packed self-attention: ``qkv (L, B, 3E)`` split into q, k, v heads (Reshape,
    Transpose, Gather), the plain attention per head (dropout factors, when traced in training, as a constant),
    and the heads joined back to ``(L, B, E)``."""
    (qkv,) = inputs
    dtype, heads, keep = qkv._data.dtype, options["heads"], options["keep"]
    length, width = qkv.shape[0], qkv.shape[2] // 3
    shape = graph.constant(np.array([0, 0, 3, heads, width // heads], np.int64), "shape")  # 0: that dim as is
    parts = graph.node("Transpose", [graph.node("Reshape", [graph.name_of(qkv), shape])], perm=[2, 1, 3, 0, 4])
    q, k, v = (graph.node("Gather", [parts, graph.constant(np.array(i, np.int64), "part")], axis=0) for i in range(3))
    scale = graph.constant(np.array(options["scale"], dtype), "scale")
    scores = graph.node("Mul", [graph.node("MatMul", [q, graph.node("Transpose", [k], perm=[0, 1, 3, 2])]), scale])
    if options["causal"]:
        scores = _causal(graph, scores, q, k, graph.varying_axes(qkv)[0], (length, length), dtype)
    weights = graph.node("Softmax", [scores], axis=-1)
    if keep is not None:
        weights = graph.node("Mul", [weights, graph.constant(keep.astype(dtype), "dropout")])
    joined = graph.node("Transpose", [graph.node("MatMul", [weights, v])], perm=[2, 0, 1, 3])
    return graph.node("Reshape", [joined, graph.constant(np.array([0, 0, width], np.int64), "shape")])
