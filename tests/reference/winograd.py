"""Plain NumPy twin of ``minigrad._kernels.winograd``: Winograd F(2×2, 3×3), one 2×2 output tile at a time.

A 3×3 stride-1 correlation ``y[n, k, i, j] = Σ_c Σ_{a, b} w[k, c, a, b] x[n, c, i - p_h + a, j - p_w + b]`` is
cut into 2×2 output tiles; the tile at ``(2 ty, 2 tx)`` reads the 4×4 input patch ``d`` at ``(2 ty - p_h, 2 tx -
p_w)`` (zero outside ``x``) and is ``Aᵀ [Σ_c (G w Gᵀ) ⊙ (Bᵀ d B)] A``, clipped to the output. The weight gradient
runs the tiles backwards: ``dU[k, c] = Σ_tiles (A g Aᵀ) ⊙ (Bᵀ d B)`` and ``dw = Gᵀ dU G``.
"""

import numpy as np

__all__ = ["BT", "G", "AT", "transform_kernel", "correlate", "weight_grad"]

BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=np.float64)
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=np.float64)


def transform_kernel(w):
    """``U[k, c] = G w[k, c] Gᵀ``: ``(K, C, 3, 3) -> (K, C, 4, 4)``."""
    return G @ w @ G.T


def _patches(x, padding, out_size):
    """The zero-padded input, ``(N, C, 2 tiles_h + 2, 2 tiles_w + 2)``: entry ``(y, x)`` is ``x[y - p_h, x - p_w]``
    (zero outside), so tile ``(ty, tx)`` reads ``[2 ty : 2 ty + 4, 2 tx : 2 tx + 4]``."""
    tiles = [(o + 1) // 2 for o in out_size]
    padded = np.zeros(x.shape[:2] + tuple(2 * t + 2 for t in tiles), np.float64)
    rows = [(max(p, 0), min(size + p, 2 * t + 2)) for p, size, t in zip(padding, x.shape[2:], tiles)]
    (top, bottom), (left, right) = rows
    if top < bottom and left < right:
        padded[:, :, top:bottom, left:right] = x[
            :, :, top - padding[0] : bottom - padding[0], left - padding[1] : right - padding[1]
        ]
    return padded, tiles


def correlate(x, w, bias, padding, out_size):
    """``y (N, K, *out_size)`` tile by tile (``bias`` may be None), in float64."""
    padded, (tiles_h, tiles_w) = _patches(x, padding, out_size)
    u = transform_kernel(w.astype(np.float64))
    y = np.zeros((x.shape[0], w.shape[0], 2 * tiles_h, 2 * tiles_w))
    for ty in range(tiles_h):
        for tx in range(tiles_w):
            v = BT @ padded[:, :, 2 * ty : 2 * ty + 4, 2 * tx : 2 * tx + 4] @ BT.T  # (N, C, 4, 4)
            m = np.einsum("kcij,ncij->nkij", u, v)
            y[:, :, 2 * ty : 2 * ty + 2, 2 * tx : 2 * tx + 2] = AT @ m @ AT.T
    y = y[:, :, : out_size[0], : out_size[1]]
    return y if bias is None else y + np.asarray(bias, np.float64)[:, None, None]


def weight_grad(x, g, padding):
    """``dw (K, C, 3, 3)`` of the correlation whose output gradient is ``g (N, K, out_h, out_w)``, in float64."""
    padded, (tiles_h, tiles_w) = _patches(x, padding, g.shape[2:])
    grad = np.zeros(g.shape[:2] + (2 * tiles_h, 2 * tiles_w))
    grad[:, :, : g.shape[2], : g.shape[3]] = g
    du = np.zeros((g.shape[1], x.shape[1], 4, 4))
    for ty in range(tiles_h):
        for tx in range(tiles_w):
            v = BT @ padded[:, :, 2 * ty : 2 * ty + 4, 2 * tx : 2 * tx + 4] @ BT.T
            dm = AT.T @ grad[:, :, 2 * ty : 2 * ty + 2, 2 * tx : 2 * tx + 2] @ AT  # (N, K, 4, 4)
            du += np.einsum("nkij,ncij->kcij", dm, v)
    return G.T @ du @ G
