"""Plain NumPy twins of the recurrence kernels (``minigrad._kernels.recurrence``), written to be read: one time step
of an LSTM, a GRU or an Elman RNN over ``(rows, ·)`` arrays. ``gx`` is the step's input projection (with ``b_ih``),
``gh`` the hidden projection ``h_prev W_hhᵀ`` (without bias), ``bias`` the hidden bias ``b_hh``."""

import numpy as np

__all__ = ["lstm_forward", "lstm_backward", "gru_forward", "gru_backward", "rnn_forward", "rnn_backward"]


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def lstm_forward(gx, gh, bias, c_prev):
    """``(gates, c, h)``: gates ``[σ(i), σ(f), tanh(g), σ(o)]`` of ``gx + gh + bias``; ``c = σ(f)·c_prev +
    σ(i)·tanh(g)``; ``h = σ(o)·tanh(c)``."""
    i, f, g, o = np.split(gx + gh + bias, 4, axis=1)
    i, f, g, o = _sigmoid(i), _sigmoid(f), np.tanh(g), _sigmoid(o)
    c = f * c_prev + i * g
    return np.concatenate([i, f, g, o], axis=1), c, o * np.tanh(c)


def lstm_backward(dh, dc, gates, c, c_prev):
    """``(dgates, dc_prev)``: the gradients of the pre-activations and of ``c_prev`` from those of ``h`` and ``c``."""
    i, f, g, o = np.split(gates, 4, axis=1)
    t = np.tanh(c)
    dcell = dc + dh * o * (1 - t * t)
    dgates = [dcell * g * i * (1 - i), dcell * c_prev * f * (1 - f), dcell * i * (1 - g * g), dh * t * o * (1 - o)]
    return np.concatenate(dgates, axis=1), dcell * f


def gru_forward(gx, gh, bias, h_prev):
    """``(gates, hn, h)``: ``r, z = σ(gx + gh + bias)`` (first two blocks), ``hn = gh_n + b_n``,
    ``n = tanh(gx_n + r·hn)``, ``h = (1 - z)·n + z·h_prev``; gates ``[r, z, n]``."""
    x_r, x_z, x_n = np.split(gx, 3, axis=1)
    h_r, h_z, h_n = np.split(gh + bias, 3, axis=1)
    r, z = _sigmoid(x_r + h_r), _sigmoid(x_z + h_z)
    n = np.tanh(x_n + r * h_n)
    return np.concatenate([r, z, n], axis=1), h_n, (1 - z) * n + z * h_prev


def gru_backward(dh, gates, hn, h_prev):
    """``(dgx, dgh, direct)``: gradients of the input and hidden projections, and ``z·dh`` (the part of ``h_prev``'s
    gradient that bypasses ``W_hh``)."""
    r, z, n = np.split(gates, 3, axis=1)
    dpre = dh * (1 - z) * (1 - n * n)
    dr = dpre * hn * r * (1 - r)
    dz = dh * (h_prev - n) * z * (1 - z)
    return np.concatenate([dr, dz, dpre], axis=1), np.concatenate([dr, dz, dpre * r], axis=1), dh * z


def rnn_forward(gx, gh, bias, relu):
    """``tanh(gx + gh + bias)`` (``max(·, 0)`` with ``relu``)."""
    pre = gx + gh + bias
    return np.maximum(pre, 0) if relu else np.tanh(pre)


def rnn_backward(dh, h, relu):
    """The pre-activation's gradient: ``dh·[h > 0]`` with ``relu``, else ``dh·(1 - h²)``."""
    return dh * (h > 0) if relu else dh * (1 - h * h)
