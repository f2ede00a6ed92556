"""Plain NumPy twins of the blockwise attention (``minigrad.ops.attention`` and its kernel
``minigrad._kernels.attention``: the block steps and the fused ``flash_forward``/``flash_backward``), in float64,
written to be read: the whole (L, S) matrix at once.

``q (N, L, E)``, ``k (N, S, E)``, ``v (N, S, Ev)``; ``bias`` an additive (L, S) array or None; ``causal`` allows
query ``i`` the keys ``j <= i``. A query whose every key is masked gets probabilities 0 (output 0, lse -inf)."""

import numpy as np

__all__ = ["probabilities", "forward", "backward", "online_forward"]


def _scores(q, k, bias, causal, scale):
    scores = np.einsum("nle,nse->nls", q, k) * scale
    if bias is not None:
        scores = scores + bias
    if causal:
        length, source = scores.shape[-2:]
        scores = np.where(np.tril(np.ones((length, source), bool)), scores, -np.inf)
    return scores


def probabilities(q, k, bias=None, causal=False, scale=1.0):
    """``(P, lse)``: the softmax of the scores over the keys and its log normaliser per query."""
    scores = _scores(q, k, bias, causal, scale)
    top = scores.max(-1, keepdims=True)
    blocked = np.isneginf(top)
    exps = np.exp(scores - np.where(blocked, 0, top))
    total = exps.sum(-1, keepdims=True)
    lse = np.where(blocked, -np.inf, top + np.log(np.where(blocked, 1, total)))
    return np.where(blocked, 0, exps / np.where(blocked, 1, total)), lse[..., 0]


def forward(q, k, v, bias=None, causal=False, scale=1.0):
    """``(out, lse)`` with ``out = P v``."""
    p, lse = probabilities(q, k, bias, causal, scale)
    return p @ v, lse


def backward(q, k, v, grad, bias=None, causal=False, scale=1.0):
    """``(dq, dk, dv)``: ``dV = Pᵀ dO``, ``dS = P ⊙ (dO Vᵀ - rowsum(dO ⊙ O))``, ``dQ = dS K·scale``,
    ``dK = dSᵀ Q·scale``."""
    p, _ = probabilities(q, k, bias, causal, scale)
    out = p @ v
    ds = p * (grad @ v.transpose(0, 2, 1) - (grad * out).sum(-1, keepdims=True))
    return ds @ k * scale, ds.transpose(0, 2, 1) @ q * scale, p.transpose(0, 2, 1) @ grad


def online_forward(q, k, v, block, bias=None, causal=False, scale=1.0):
    """``(out, lse)`` by the online-softmax recurrence over key blocks of ``block`` columns (the kernel's
    algorithm, one block at a time): running max ``m``, sum ``l`` and output ``acc``, rescaled by
    ``exp(m_old - m_new)`` whenever the max grows."""
    scores = _scores(q, k, bias, causal, scale)
    heads, length, _ = q.shape
    m, total = np.full((heads, length, 1), -np.inf), np.zeros((heads, length, 1))
    acc = np.zeros((heads, length, v.shape[-1]))
    for c0 in range(0, k.shape[1], block):
        s = scores[:, :, c0 : c0 + block]
        m_new = np.maximum(m, s.max(-1, keepdims=True))
        safe = np.where(np.isneginf(m_new), 0, m_new)  # nothing allowed yet: probabilities stay 0
        p = np.exp(s - safe)
        alpha = np.exp(np.where(np.isneginf(m), -np.inf, m - safe))
        total = total * alpha + p.sum(-1, keepdims=True)
        acc = acc * alpha + p @ v[:, c0 : c0 + block]
        m = m_new
    empty = total == 0
    out = acc / np.where(empty, 1, total)
    return out, np.where(empty, -np.inf, m + np.log(np.where(empty, 1, total)))[..., 0]
