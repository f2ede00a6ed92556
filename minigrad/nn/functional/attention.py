"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward`` (what ``nn.MultiheadAttention``
runs), with torch's arguments and mask conventions.

``attention(Q, K, V) = softmax(Q Kᵀ · scale + bias) V`` with ``scale = 1/√E`` by default. Masks, as torch:

* in ``scaled_dot_product_attention``, a bool ``attn_mask`` says where attention is *allowed* (False → -inf), a float
  one is added; ``is_causal`` allows each query position only the keys up to it;
* in ``MultiheadAttention``, a bool ``attn_mask`` or ``key_padding_mask`` says where attention is *not* allowed
  (True → -inf), a float one is added.

The attention itself is the blockwise node of ``ops.attention`` (online softmax over key blocks, the backward
recomputing the probabilities; double backward through its plain composite). Where the whole matrix is needed —
the weights ``MultiheadAttention`` returns with ``need_weights``, or dropout on them in training — the plain
formulation (matmul, softmax, dropout, matmul) runs instead.
"""

import math

import numpy as np

from ...autograd.tensor import Tensor
from ...ops.activation import softmax
from ...ops.attention import attention, attention_matrix, causal_bias, packed_fusable, packed_self_attention
from ...ops.linalg import linear
from ...ops.shape import cat
from .dropout import dropout, dropout_factors

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _as_bias(mask, allowed_when_true, dtype):
    """A mask as an additive bias array: a bool mask becomes 0 / -inf, a float mask is the bias itself."""
    if mask is None:
        return None
    if mask._data.dtype == np.bool_:
        blocked = mask._data if not allowed_when_true else ~mask._data
        return np.where(blocked, -np.inf, 0.0).astype(dtype)
    return mask._data.astype(dtype, copy=False)


def _sdpa_bias(mask, dtype):
    """scaled_dot_product_attention's mask as the op's bias: a bool mask (True: allowed) as a constant 0 / -inf
    array, a float mask as the Tensor itself (so it gets a gradient, as torch's)."""
    if mask is None or mask._data.dtype != np.bool_:
        return mask
    return _as_bias(mask, allowed_when_true=True, dtype=dtype)


def _check_sdpa(query, key, value, attn_mask, is_causal, enable_gqa):
    """torch's errors for inputs scaled_dot_product_attention cannot take (all RuntimeError)."""
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be at least 2 dimensional, but got query.dim: "
            f"{query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead."
        )
    dtypes = [t._data.dtype for t in (query, key, value)]
    if len(set(dtypes)) > 1:
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{dtypes[0]} key.dtype: {dtypes[1]} and value.dtype: {dtypes[2]} instead."
        )
    if key.shape[-1] != query.shape[-1]:
        raise RuntimeError(f"query and key head dimensions differ: {query.shape[-1]} and {key.shape[-1]}")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"key and value sequence lengths differ: {key.shape[-2]} and {value.shape[-2]}")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if attn_mask is not None and attn_mask._data.dtype not in (np.bool_, dtypes[0]):
        raise RuntimeError(
            "Expected attn_mask dtype to be bool or float or to match query dtype, but got attn_mask.dtype: "
            f"{attn_mask._data.dtype} and query.dtype: {dtypes[0]} instead."
        )
    if enable_gqa and query.ndim > 2 and query.shape[-3] % key.shape[-3]:
        raise RuntimeError("Number of heads in key and value must divide the number of heads in query")


def scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False
):
    """``softmax(Q Kᵀ · scale + mask) V`` over the last two dims: ``query (..., L, E)``, ``key (..., S, E)``,
    ``value (..., S, Ev)`` → ``(..., L, Ev)`` (leading dims broadcast); ``scale = 1/√E`` by default.
    ``enable_gqa`` repeats each key/value head (dim -3) for its group of query heads. A query whose every key is
    masked gets output 0.

    Computed in blocks over the keys with an online softmax (``ops.attention``): memory grows with the sequence
    length, not its square, and the backward recomputes the probabilities. With ``dropout_p > 0`` the dropout
    mask needs the whole matrix, so that case runs the plain formulation (matmul, softmax, dropout, matmul).
    A float (additive) mask gets a gradient, as in torch; a boolean one is a constant.

    Gradient: with ``S = Q Kᵀ · scale + mask`` and ``P = softmax(S)``: ``Pᵀ g`` to ``V``; ``dS = P ⊙ (g Vᵀ - rowsum(P ⊙
    g Vᵀ))``, then ``dS K · scale`` to ``Q`` and ``dSᵀ Q · scale`` to ``K``.

    >>> q = k = v = minigrad.ones(1, 2, 3)
    >>> F.scaled_dot_product_attention(q, k, v)
    tensor([[[1., 1., 1.],
             [1., 1., 1.]]])
    """
    _check_sdpa(query, key, value, attn_mask, is_causal, enable_gqa)
    if enable_gqa and key.shape[-3] != query.shape[-3]:
        repeats = query.shape[-3] // key.shape[-3]
        key, value = key.repeat_interleave(repeats, dim=-3), value.repeat_interleave(repeats, dim=-3)
    dtype = query._data.dtype
    bias = _sdpa_bias(attn_mask, dtype)
    try:
        np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
        if bias is not None:
            np.broadcast_shapes(bias.shape, query.shape[:-1] + key.shape[-2:-1])
    except ValueError as error:
        raise RuntimeError(f"scaled_dot_product_attention: shapes do not broadcast: {error}") from None
    return _blockwise(query, key, value, bias, is_causal, dropout_p, scale)


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """torch's AssertionErrors for inputs of the wrong rank; whether the input is batched."""
    if query.ndim not in (2, 3):
        raise AssertionError(
            f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query tensor"
        )
    kind = "batched (3-D)" if query.ndim == 3 else "unbatched (2-D)"
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise AssertionError(
            f"For {kind} `query`, expected `key` and `value` to be {query.ndim}-D but found {key.ndim}-D and "
            f"{value.ndim}-D tensors respectively"
        )
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise AssertionError(
            f"For {kind} `query`, expected `key_padding_mask` to be `None` or {query.ndim - 1}-D but found "
            f"{key_padding_mask.ndim}-D tensor instead"
        )
    if attn_mask is not None and attn_mask.ndim not in (2, 3):
        raise AssertionError(
            f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found {attn_mask.ndim}-D tensor "
            "instead"
        )
    if attn_mask is not None and query.ndim == 2 and attn_mask.ndim == 3:
        expected = (num_heads, query.shape[0], key.shape[0])
        if tuple(attn_mask.shape) != expected:
            raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {tuple(attn_mask.shape)}")
    return query.ndim == 3


def _canonical_mask(mask, name, dtype):
    """A bool (True: blocked) or float mask as an additive bias array of ``dtype``; other dtypes are refused."""
    if mask is not None and mask._data.dtype != np.bool_ and mask._data.dtype.kind != "f":
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return _as_bias(mask, allowed_when_true=False, dtype=dtype)


def _projections(
    query, key, value, in_proj_weight, in_proj_bias, separate, q_proj_weight, k_proj_weight, v_proj_weight
):
    """The input projections ``q, k, v`` (sequence-first), from the packed ``in_proj_weight`` or the three
    separate weights."""
    biases = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
    if separate:
        for name, weight in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if weight is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight is None")
        weights = (q_proj_weight, k_proj_weight, v_proj_weight)
    else:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        weights = in_proj_weight.chunk(3)
    return [linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases)]


def _heads(x, static, batch, num_heads, head_dim, name):
    """A projection ``(S, N, E)`` as ``(N, H, S, head_dim)``, or the given ``static_k``/``static_v``
    ``(N·H, S, head_dim)`` in its place."""
    if static is None:
        return x.reshape(x.shape[0], batch, num_heads, head_dim).permute(1, 2, 0, 3)
    if static.shape[0] != batch * num_heads:
        raise AssertionError(f"expecting {name}.size(0) of {batch * num_heads}, but got {static.shape[0]}")
    if static.shape[2] != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {static.shape[2]}")
    return static.reshape(batch, num_heads, static.shape[1], head_dim)


def _check_attn_mask(mask, length, source, batch, num_heads):
    """torch's RuntimeError for an ``attn_mask`` of the wrong shape; the mask as a 4-D bias."""
    expected = (length, source) if mask.ndim == 2 else (batch * num_heads, length, source)
    if mask.shape != expected:
        raise RuntimeError(
            f"The shape of the {mask.ndim}D attn_mask is {_size(mask.shape)}, but should be {_size(expected)}."
        )
    return mask.reshape(-1, num_heads if mask.ndim == 3 else 1, length, source)


def _size(shape):
    return f"torch.Size([{', '.join(map(str, shape))}])"


def _pad_keys(bias):
    """A bias with one more (zero: allowed) key position, for the one ``bias_k`` or ``add_zero_attn`` appends."""
    return None if bias is None else np.concatenate([bias, np.zeros(bias.shape[:-1] + (1,), bias.dtype)], -1)


def multi_head_attention_forward(
    query,
    key,
    value,
    embed_dim_to_check,
    num_heads,
    in_proj_weight,
    in_proj_bias,
    bias_k,
    bias_v,
    add_zero_attn,
    dropout_p,
    out_proj_weight,
    out_proj_bias,
    training=True,
    key_padding_mask=None,
    need_weights=True,
    attn_mask=None,
    use_separate_proj_weight=False,
    q_proj_weight=None,
    k_proj_weight=None,
    v_proj_weight=None,
    static_k=None,
    static_v=None,
    average_attn_weights=True,
    is_causal=False,
):
    """Multi-head attention on sequence-first inputs ``query (L, N, E)``, ``key``/``value (S, N, E_k/E_v)`` (or
    unbatched ``(L, E)``): project, split into ``num_heads`` heads, attend, join, project out. Returns
    ``(output (L, N, E), weights)`` with weights ``(N, L, S)`` averaged over heads (``(N, H, L, S)`` otherwise) or
    None when ``need_weights`` is False.

    Masks: True in a bool ``key_padding_mask (N, S)`` or ``attn_mask (L, S)`` / ``(N·H, L, S)`` blocks a
    position, a float one is added to the scores. ``is_causal`` is a hint that ``attn_mask`` is the causal mask
    (required, as torch). With ``need_weights`` the weights are formed (a query whose keys are all masked gives
    nan, as torch's); without, the attention runs blockwise (``scaled_dot_product_attention``; such a query gives
    0). ``static_k``/``static_v (N·H, S, head_dim)`` replace the projected keys/values.

    Plain self-attention (``query is key is value``, the packed weight, no mask but the causal one, no
    ``bias_k``/``add_zero_attn``/static keys, ``need_weights=False``) projects with one GEMM and runs one
    attention node over the packed projection (``ops.attention.packed_self_attention``), dropout included.

    Gradient: through its ops: the input projections (``linear``'s), each head's attention
    (``scaled_dot_product_attention``'s) and the output projection.

    >>> q = minigrad.randn(3, 1, 4)  # (L, N, E)
    >>> w_in, w_out, b = minigrad.randn(12, 4), minigrad.randn(4, 4), minigrad.zeros(12)
    >>> out, weights = F.multi_head_attention_forward(q, q, q, 4, 2, w_in, b, None, None, False, 0.0, w_out, b[:4])
    >>> out.shape, weights.shape
    ((3, 1, 4), (1, 3, 3))
    """
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        key_padding_mask = None if key_padding_mask is None else key_padding_mask.unsqueeze(0)
    length, batch, embed_dim = query.shape
    dtype = query._data.dtype
    padding = _canonical_mask(key_padding_mask, "key_padding_mask", dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer module method "
            "`generate_square_subsequent_mask` to create this mask."
        )
    causal = is_causal and padding is None and not need_weights
    mask = None if causal else _canonical_mask(attn_mask, "attn_mask", dtype)
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    dropout_p = dropout_p if training else 0.0
    # plain self-attention (one input, the packed weight, no mask but the causal one, no extra key, no weights):
    # one projection GEMM and one attention node over it, dropout included
    plain = not (use_separate_proj_weight or need_weights or add_zero_attn or dropout_p == 1.0)
    extras = (mask, padding, bias_k, static_k, static_v)
    if (
        plain
        and query is key is value
        and in_proj_weight is not None
        and all(extra is None for extra in extras)
        and packed_fusable(query)
    ):
        qkv = linear(query, in_proj_weight, in_proj_bias)  # one GEMM for q, k and v, as torch's self-attention
        keep = None if dropout_p == 0.0 else dropout_factors((batch, num_heads, length, length), dropout_p, dtype)
        output = linear(packed_self_attention(qkv, num_heads, causal, keep=keep), out_proj_weight, out_proj_bias)
        return (output if batched else output.squeeze(1)), None
    if use_separate_proj_weight and key.shape[:2] != value.shape[:2]:
        raise AssertionError(
            f"key's sequence and batch dims {_size(key.shape[:2])} do not match value's {_size(value.shape[:2])}"
        )
    if not use_separate_proj_weight and key.shape != value.shape:
        raise AssertionError(f"key shape {_size(key.shape)} does not match value shape {_size(value.shape)}")
    q, k, v = _projections(
        query,
        key,
        value,
        in_proj_weight,
        in_proj_bias,
        use_separate_proj_weight,
        q_proj_weight,
        k_proj_weight,
        v_proj_weight,
    )
    if mask is not None:
        mask = _check_attn_mask(mask, length, key.shape[0], batch, num_heads)
    if (bias_k is None) != (bias_v is None):
        raise AssertionError(
            "bias_k is set but bias_v is None" if bias_v is None else "bias_v is set but bias_k is None"
        )
    if bias_k is not None:  # one more learned key/value position, which every query may attend
        if static_k is not None or static_v is not None:
            raise AssertionError(f"bias cannot be added to static {'key' if static_k is not None else 'value'}.")
        k, v = cat([k, bias_k.expand(1, batch, embed_dim)]), cat([v, bias_v.expand(1, batch, embed_dim)])
        mask, padding = _pad_keys(mask), _pad_keys(padding)
    q = _heads(q, None, batch, num_heads, head_dim, "")
    k, v = (
        _heads(k, static_k, batch, num_heads, head_dim, "static_k"),
        _heads(v, static_v, batch, num_heads, head_dim, "static_v"),
    )
    if add_zero_attn:
        zeros = Tensor._wrap(np.zeros((batch, num_heads, 1, head_dim), dtype))
        k, v = cat([k, zeros], 2), cat([v, zeros], 2)
        mask, padding = _pad_keys(mask), _pad_keys(padding)
    source = k.shape[2]
    if padding is not None:
        if padding.shape != (batch, source):
            index = 0 if padding.shape[0] != batch else 1
            raise AssertionError(
                f"Expected key_padded_mask.shape[{index}] to be {(batch, source)[index]}, but got "
                f"{padding.shape[index]}"
            )
        padding = padding.reshape(batch, 1, 1, source)
        mask = padding if mask is None else mask + padding
    if need_weights:
        scores = q.matmul(k.mT) * (1.0 / math.sqrt(head_dim))
        weights = softmax(scores if mask is None else scores + Tensor._wrap(mask), -1)
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p, training=True)  # the weights returned are these, as torch's
        output = weights.matmul(v)
    else:
        output, weights = _blockwise(q, k, v, mask, causal, dropout_p), None
    output = linear(output.permute(2, 0, 1, 3).reshape(length, batch, embed_dim), out_proj_weight, out_proj_bias)
    if not batched:
        output = output.squeeze(1)
    if weights is None:
        return output, None
    weights = weights.mean(1) if average_attn_weights else weights
    return output, (weights.squeeze(0) if not batched else weights)


def _blockwise(q, k, v, bias, causal, dropout_p, scale=None):
    """Attention without its weights: the blockwise op, or the plain formulation when dropout needs the whole
    matrix (a query whose keys are all masked gives 0 either way)."""
    if dropout_p == 0.0:
        return attention(q, k, v, bias, causal, scale)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    if causal:
        bias = causal_bias(q.shape[-2], k.shape[-2], q._data.dtype)
    return dropout(attention_matrix(q.matmul(k.mT) * scale, bias), dropout_p, training=True).matmul(v)
