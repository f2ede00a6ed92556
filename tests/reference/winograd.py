"""Plain NumPy twin of ``minigrad._kernels.winograd``: Winograd F(m×m, 3×3) (``m`` 2 or 4), one m×m output tile
at a time.

A 3×3 stride-1 correlation ``y[n, k, i, j] = Σ_c Σ_{a, b} w[k, c, a, b] x[n, c, i - p_h + a, j - p_w + b]`` is
cut into m×m output tiles; the tile at ``(m ty, m tx)`` reads the (m + 2)² input patch ``d`` at ``(m ty - p_h, m
tx - p_w)`` (zero outside ``x``) and is ``Aᵀ [Σ_c (G w Gᵀ) ⊙ (Bᵀ d B)] A``, clipped to the output. The weight
gradient runs the tiles backwards: ``dU[k, c] = Σ_tiles (A g Aᵀ) ⊙ (Bᵀ d B)`` and ``dw = Gᵀ dU G``. F(4×4, 3×3)
interpolates at 0, ±1, ±2 and infinity (Lavin & Gray).
"""

import numpy as np

__all__ = ["MATRICES", "transform_kernel", "correlate", "weight_grad"]

# m: (Bᵀ, G, Aᵀ) of F(m×m, 3×3)
MATRICES = {
    2: (
        np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=np.float64),
        np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]),
        np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=np.float64),
    ),
    4: (
        np.array(
            [
                [4, 0, -5, 0, 1, 0],
                [0, -4, -4, 1, 1, 0],
                [0, 4, -4, -1, 1, 0],
                [0, -2, -1, 2, 1, 0],
                [0, 2, -1, -2, 1, 0],
                [0, 4, 0, -5, 0, 1],
            ],
            dtype=np.float64,
        ),
        np.array(
            [
                [1 / 4, 0, 0],
                [-1 / 6, -1 / 6, -1 / 6],
                [-1 / 6, 1 / 6, -1 / 6],
                [1 / 24, 1 / 12, 1 / 6],
                [1 / 24, -1 / 12, 1 / 6],
                [0, 0, 1],
            ]
        ),
        np.array(
            [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]], dtype=np.float64
        ),
    ),
}


def transform_kernel(w, tile=2):
    """``U[k, c] = G w[k, c] Gᵀ``: ``(K, C, 3, 3) -> (K, C, m + 2, m + 2)``."""
    g = MATRICES[tile][1]
    return g @ w @ g.T


def _patches(x, padding, out_size, tile):
    """The zero-padded input, ``(N, C, m tiles_h + 2, m tiles_w + 2)``: entry ``(y, x)`` is ``x[y - p_h, x -
    p_w]`` (zero outside), so tile ``(ty, tx)`` reads ``[m ty : m ty + m + 2, m tx : m tx + m + 2]``."""
    tiles = [(o + tile - 1) // tile for o in out_size]
    padded = np.zeros(x.shape[:2] + tuple(tile * t + 2 for t in tiles), np.float64)
    rows = [(max(p, 0), min(size + p, tile * t + 2)) for p, size, t in zip(padding, x.shape[2:], tiles)]
    (top, bottom), (left, right) = rows
    if top < bottom and left < right:
        padded[:, :, top:bottom, left:right] = x[
            :, :, top - padding[0] : bottom - padding[0], left - padding[1] : right - padding[1]
        ]
    return padded, tiles


def correlate(x, w, bias, padding, out_size, tile=2):
    """``y (N, K, *out_size)`` tile by tile (``bias`` may be None), in float64."""
    bt, _, at = MATRICES[tile]
    padded, (tiles_h, tiles_w) = _patches(x, padding, out_size, tile)
    u = transform_kernel(w.astype(np.float64), tile)
    y = np.zeros((x.shape[0], w.shape[0], tile * tiles_h, tile * tiles_w))
    for ty in range(tiles_h):
        for tx in range(tiles_w):
            d = padded[:, :, tile * ty : tile * ty + tile + 2, tile * tx : tile * tx + tile + 2]
            m = np.einsum("kcij,ncij->nkij", u, bt @ d @ bt.T)
            y[:, :, tile * ty : tile * ty + tile, tile * tx : tile * tx + tile] = at @ m @ at.T
    y = y[:, :, : out_size[0], : out_size[1]]
    return y if bias is None else y + np.asarray(bias, np.float64)[:, None, None]


def weight_grad(x, g, padding, tile=2):
    """``dw (K, C, 3, 3)`` of the correlation whose output gradient is ``g (N, K, out_h, out_w)``, in float64."""
    bt, gm, at = MATRICES[tile]
    padded, (tiles_h, tiles_w) = _patches(x, padding, g.shape[2:], tile)
    grad = np.zeros(g.shape[:2] + (tile * tiles_h, tile * tiles_w))
    grad[:, :, : g.shape[2], : g.shape[3]] = g
    du = np.zeros((g.shape[1], x.shape[1], tile + 2, tile + 2))
    for ty in range(tiles_h):
        for tx in range(tiles_w):
            v = bt @ padded[:, :, tile * ty : tile * ty + tile + 2, tile * tx : tile * tx + tile + 2] @ bt.T
            dm = at.T @ grad[:, :, tile * ty : tile * ty + tile, tile * tx : tile * tx + tile] @ at
            du += np.einsum("nkij,ncij->kcij", dm, v)
    return gm.T @ du @ gm
