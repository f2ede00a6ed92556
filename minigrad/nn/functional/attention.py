"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward`` (what ``nn.MultiheadAttention``
runs), with torch's arguments and mask conventions.

``attention(Q, K, V) = softmax(Q Kᵀ · scale + bias) V`` with ``scale = 1/√E`` by default. Masks, as torch:

* in ``scaled_dot_product_attention``, a bool ``attn_mask`` says where attention is *allowed* (False → -inf), a float
  one is added; ``is_causal`` allows each query position only the keys up to it;
* in ``MultiheadAttention``, a bool ``attn_mask`` or ``key_padding_mask`` says where attention is *not* allowed
  (True → -inf), a float one is added.

Built from matmul, softmax and dropout, so gradients and double backward come from those ops.
"""

import math

import numpy as np

from ...autograd.tensor import Tensor
from ...ops.activation import softmax
from ...ops.linalg import linear
from ...ops.shape import cat
from .dropout import dropout

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _as_bias(mask, allowed_when_true, dtype):
    """A mask as an additive bias: a bool mask becomes 0 / -inf, a float mask is the bias itself."""
    if mask is None:
        return None
    if mask._data.dtype == np.bool_:
        blocked = mask._data if not allowed_when_true else ~mask._data
        return Tensor._wrap(np.where(blocked, -np.inf, 0.0).astype(dtype))
    return mask.to(dtype) if mask._data.dtype != dtype else mask


def scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False
):
    """``softmax(Q Kᵀ · scale + mask) V`` over the last two dims: ``query (..., L, E)``, ``key (..., S, E)``,
    ``value (..., S, Ev)`` → ``(..., L, Ev)``. ``enable_gqa`` repeats key/value heads (dim -3) to the query's.

    >>> q = k = v = minigrad.ones(1, 2, 3)
    >>> F.scaled_dot_product_attention(q, k, v)
    tensor([[[1., 1., 1.],
             [1., 1., 1.]]])
    """
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if enable_gqa and key.shape[-3] != query.shape[-3]:
        repeats = query.shape[-3] // key.shape[-3]
        key, value = key.repeat_interleave(repeats, dim=-3), value.repeat_interleave(repeats, dim=-3)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = query.matmul(key.transpose(-2, -1)) * scale
    if is_causal:
        length, source = query.shape[-2], key.shape[-2]
        attn_mask = Tensor._wrap(np.tril(np.ones((length, source), dtype=bool)))
    bias = _as_bias(attn_mask, allowed_when_true=True, dtype=scores._data.dtype)
    weights = softmax(scores if bias is None else scores + bias, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return weights.matmul(value)


def _check_dims(query, key, value, embed_dim, batch_first):
    if query.ndim not in (2, 3):
        raise AssertionError(
            f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query tensor"
        )
    if query.shape[-1] != embed_dim:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim}, but got {query.shape[-1]}")
    if key.shape[:-1] != value.shape[:-1]:
        raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")


def multi_head_attention_forward(
    query,
    key,
    value,
    embed_dim,
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
    None when ``need_weights`` is False."""
    _check_dims(query, key, value, embed_dim, batch_first=False)
    unbatched = query.ndim == 2
    if unbatched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        key_padding_mask = None if key_padding_mask is None else key_padding_mask.unsqueeze(0)
    length, batch, _ = query.shape
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        biases = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = (
            linear(x, w, b)
            for x, w, b in zip((query, key, value), (q_proj_weight, k_proj_weight, v_proj_weight), biases)
        )
    else:
        weights = in_proj_weight.chunk(3)
        biases = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = (linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases))
    dtype = q._data.dtype
    if is_causal and attn_mask is None:
        attn_mask = Tensor._wrap(~np.tril(np.ones((length, key.shape[0]), dtype=bool)))
    attn_bias = _as_bias(attn_mask, allowed_when_true=False, dtype=dtype)
    padding_bias = _as_bias(key_padding_mask, allowed_when_true=False, dtype=dtype)
    if bias_k is not None:  # one more learned key/value position, which every query may attend
        k, v = cat([k, bias_k.expand(1, batch, embed_dim)]), cat([v, bias_v.expand(1, batch, embed_dim)])
        attn_bias = None if attn_bias is None else _pad_last(attn_bias)
        padding_bias = None if padding_bias is None else _pad_last(padding_bias)
    # (S or L, N, E) -> (N, H, S or L, head_dim)
    split = lambda x: x.reshape(x.shape[0], batch, num_heads, head_dim).permute(1, 2, 0, 3)
    q, k, v = split(q), split(k), split(v)
    if add_zero_attn:
        zeros = Tensor._wrap(np.zeros((batch, num_heads, 1, head_dim), dtype))
        k, v = cat([k, zeros], 2), cat([v, zeros], 2)
        attn_bias = None if attn_bias is None else _pad_last(attn_bias)
        padding_bias = None if padding_bias is None else _pad_last(padding_bias)
    scores = q.matmul(k.transpose(-2, -1)) * (1.0 / math.sqrt(head_dim))
    if attn_bias is not None:  # (L, S) or (N·H, L, S)
        scores = scores + (attn_bias if attn_bias.ndim == 2 else attn_bias.reshape(batch, num_heads, length, -1))
    if padding_bias is not None:  # (N, S)
        scores = scores + padding_bias.reshape(batch, 1, 1, -1)
    weights = softmax(scores, -1)
    if training and dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)  # the weights returned are these, as torch's
    output = weights.matmul(v).permute(2, 0, 1, 3).reshape(length, batch, embed_dim)
    output = linear(output, out_proj_weight, out_proj_bias)
    if unbatched:
        output = output.squeeze(1)
    if not need_weights:
        return output, None
    weights = weights.mean(1) if average_attn_weights else weights
    return output, (weights.squeeze(0) if unbatched else weights)


def _pad_last(bias):
    """A bias with one more (zero: allowed) column, for the position ``bias_k``/``add_zero_attn`` appends."""
    return cat([bias, Tensor._wrap(np.zeros(bias.shape[:-1] + (1,), bias._data.dtype))], -1)
