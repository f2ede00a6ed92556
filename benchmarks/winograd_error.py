"""Float32 rounding of Winograd F(m×m, 3×3) tilings against the conv parity tolerance, before building one.

    python benchmarks/winograd_error.py [--seed 0]

The conv parity tests hold float32 results to ``1e-4 + 1e-4 |exact|`` of a float64 reference. A Winograd tiling's
transforms add and subtract interpolated values much larger than the result, so its float32 error grows with the
tile (F(2×2) passes with room; F(4×4) does not, see ``minigrad/ops/winograd.py``). This models any tiling in
NumPy, rounding where the kernels round: the input and output transforms and the GEMMs in float32, the kernel
transform ``G w Gᵀ`` and the weight gradient's ``Gᵀ dU G`` in float64 (as ``ops/winograd.py`` does), the weight
gradient's tile sums in float32 blocks of ``BLOCK_TILES`` tiles added up in float32 (as ``weight_grad``'s
``beta = 1`` GEMMs). It prints, for the value ``y``, the input gradient ``dx`` and the weight gradient ``dw`` on
the parity tests' and the benchmarks' shapes, the largest error as a multiple of that tolerance next to torch's
own float32 error. A tiling is ``(rows, columns)`` of Toom-Cook interpolation points (each with infinity), so
F(3×2) is F(3, 3) down the rows and F(2, 3) along them.

Measured 2026-12-05 (seed 0) on the four large shapes: torch 0.08-0.17 for ``y``, 0.14-0.23 for ``dx``; F(2×2)
0.07-0.17 and 0.13-0.25; F(3×3) 0.45-1.19 and 0.67-3.07 (finite points 0, ±1 and one of ±1/2, ±2: none keeps
``dx`` under 0.5); F(3×2) 0.20-0.42 and 0.30-0.68; F(4×4) 1.1-2.9 and 1.8-4.8. ``dw``: F(2×2) 0.55-1.6, the
larger tiles 1.7 to 20 times that (torch's own float32 sum 0.66-7.1, which is why the large parity tests compare
with torch in float64).
"""

import argparse
from fractions import Fraction

import numpy as np

TOLERANCE = (1e-4, 1e-4)  # (atol, rtol) of the conv parity tests in float32
BLOCK_TILES = 165  # tiles per weight-gradient block: 11 tile rows of 15 tiles (28×28 outputs, F(2×2))
F32 = np.float32

# (name, input shape, weight shape, padding): issue 14's benchmark, MNIST Net's conv2, the winograd parity tests
SHAPES = [
    ("bench_conv 32x16x28x28 -> 32, p1", (32, 16, 28, 28), (32, 16, 3, 3), 1),
    ("MNIST Net conv2 64x32x26x26 -> 64", (64, 32, 26, 26), (64, 32, 3, 3), 0),
    ("test_winograd LARGE 16x16x28x28 -> 32, p1", (16, 16, 28, 28), (32, 16, 3, 3), 1),
    ("test_winograd LARGE 4x32x26x26 -> 64", (4, 32, 26, 26), (64, 32, 3, 3), 0),
    ("test_winograd 2x8x7x6 -> 6, p1", (2, 8, 7, 6), (6, 8, 3, 3), 1),
    ("test_winograd 3x9x9x8 -> 4", (3, 9, 9, 8), (4, 9, 3, 3), 0),
]

# (name, finite points down the rows, finite points along them)
HALF = Fraction(1, 2)
TILINGS = [
    ("F(2x2)", (0, 1, -1), (0, 1, -1)),
    ("F(3x3) 0,±1,1/2", (0, 1, -1, HALF), (0, 1, -1, HALF)),
    ("F(3x3) 0,±1,-1/2", (0, 1, -1, -HALF), (0, 1, -1, -HALF)),
    ("F(3x3) 0,±1,2", (0, 1, -1, 2), (0, 1, -1, 2)),
    ("F(3x3) 0,±1,-2", (0, 1, -1, -2), (0, 1, -1, -2)),
    ("F(3x2) 0,±1,-2", (0, 1, -1, -2), (0, 1, -1)),
    ("F(4x4) 0,±1,±2", (0, 1, -1, 2, -2), (0, 1, -1, 2, -2)),
    ("F(4x4) 0,±1,±1/2", (0, 1, -1, HALF, -HALF), (0, 1, -1, HALF, -HALF)),
]


def toom_cook(points, r=3):
    """``(Aᵀ, G, Bᵀ)`` of F(m, r) for ``m + r - 2`` finite ``points`` and infinity, in float64:
    ``y = Aᵀ [(G w) ⊙ (Bᵀ d)]`` is the correlation ``y_i = Σ_k w_k d_{i + k}``. ``Aᵀ[i, j] = p_j^i`` and
    ``G[j, k] = p_j^k / Π_{l ≠ j} (p_j - p_l)`` (infinity: the last column / row picks the top coefficient);
    ``Bᵀ`` then solves the ``m r α`` linear conditions of exactness."""
    p = [Fraction(x) for x in points]
    alpha = len(p) + 1
    m = alpha - r + 1
    at, g = np.zeros((m, alpha)), np.zeros((alpha, r))
    for j, pj in enumerate(p):
        scale = np.prod([pj - pl for pl in p if pl != pj], dtype=object)
        at[:, j] = [float(pj**i) for i in range(m)]
        g[j] = [float(pj**k / scale) for k in range(r)]
    at[m - 1, -1] = g[-1, r - 1] = 1
    # Σ_j Aᵀ[i, j] G[j, k] Bᵀ[j, s] = [s == i + k] for all i, k, s: one equation per (i, k, s) in Bᵀ's α² entries
    system = np.einsum("ij,jk,jb,lc->iklbc", at, g, np.eye(alpha), np.eye(alpha)).reshape(m * r * alpha, -1)
    target = np.array([float(s == i + k) for i in range(m) for k in range(r) for s in range(alpha)])
    bt = np.linalg.lstsq(system, target, rcond=None)[0].reshape(alpha, alpha)
    assert np.allclose(system @ bt.ravel(), target, atol=1e-12), points
    return at, g, bt


def _patches(x, padding, out_size, tiles):
    """``(N, C, tiles_h, tiles_w, α_h, α_w)`` input patches of ``tiles = (m_h, m_w)`` output tiles, zero outside
    ``x``; also ``(tiles_h, tiles_w)``."""
    counts = [-(-o // m) for o, m in zip(out_size, tiles)]
    sizes = [m * c + 2 for m, c in zip(tiles, counts)]
    padded = np.zeros(x.shape[:2] + tuple(sizes), x.dtype)
    (top, left), (height, width) = padding, x.shape[2:]
    rows = slice(max(top, 0), min(height + top, sizes[0]))
    cols = slice(max(left, 0), min(width + left, sizes[1]))
    padded[:, :, rows, cols] = x[:, :, rows.start - top : rows.stop - top, cols.start - left : cols.stop - left]
    iy = (np.arange(counts[0]) * tiles[0])[:, None] + np.arange(tiles[0] + 2)
    ix = (np.arange(counts[1]) * tiles[1])[:, None] + np.arange(tiles[1] + 2)
    return padded[:, :, iy[:, None, :, None], ix[None, :, None, :]], counts


def _entries(a):
    """``(N, C, th, tw, α_h, α_w) -> (α_h α_w, C, N th tw)``: one GEMM operand per transformed entry."""
    return np.ascontiguousarray(a.transpose(4, 5, 1, 0, 2, 3).reshape(a.shape[4] * a.shape[5], a.shape[1], -1))


def correlate(x, w, padding, out_size, rows, cols):
    """``y`` of the 3×3 correlation through the tiling ``rows``/``cols`` (``toom_cook`` triples), rounded as the
    kernels round."""
    (ath, gh, bth), (atw, gw, btw) = rows, cols
    tiles = (ath.shape[0], atw.shape[0])
    d, (th, tw) = _patches(x.astype(F32), padding, out_size, tiles)
    v = (bth.astype(F32) @ d) @ btw.astype(F32).T
    u = (gh @ w.astype(np.float64) @ gw.T).astype(F32)  # (K, C, α_h, α_w)
    m = np.matmul(u.transpose(2, 3, 0, 1).reshape(-1, *w.shape[:2]), _entries(v))
    m = m.reshape(v.shape[4], v.shape[5], w.shape[0], x.shape[0], th, tw).transpose(3, 2, 4, 5, 0, 1)
    y = (ath.astype(F32) @ m) @ atw.astype(F32).T  # (N, K, th, tw, m_h, m_w)
    y = y.transpose(0, 1, 2, 4, 3, 5).reshape(x.shape[0], w.shape[0], th * tiles[0], tw * tiles[1])
    return y[:, :, : out_size[0], : out_size[1]]


def weight_grad(x, g, padding, rows, cols):
    """``dw`` through the tiling: ``dU = Σ_tiles (A g Aᵀ) ⊙ (Bᵀ d B)`` in float32 blocks, ``Gᵀ dU G`` in
    float64."""
    (ath, gh, bth), (atw, gw, btw) = rows, cols
    tiles = (ath.shape[0], atw.shape[0])
    d, (th, tw) = _patches(x.astype(F32), padding, g.shape[2:], tiles)
    v = _entries((bth.astype(F32) @ d) @ btw.astype(F32).T)
    grad = np.zeros(g.shape[:2] + (th * tiles[0], tw * tiles[1]), F32)
    grad[:, :, : g.shape[2], : g.shape[3]] = g
    grad = grad.reshape(g.shape[0], g.shape[1], th, tiles[0], tw, tiles[1]).transpose(0, 1, 2, 4, 3, 5)
    dm = _entries((ath.astype(F32).T @ grad) @ atw.astype(F32))
    du = np.zeros((v.shape[0], g.shape[1], x.shape[1]), F32)
    for start in range(0, v.shape[2], BLOCK_TILES):
        block = slice(start, start + BLOCK_TILES)
        du += np.matmul(dm[:, :, block], np.ascontiguousarray(v[:, :, block].transpose(0, 2, 1)))
    du = du.astype(np.float64).reshape(ath.shape[1], atw.shape[1], *du.shape[1:]).transpose(2, 3, 0, 1)
    return gh.T @ du @ gw


def exact(x, w, padding, out_size):
    """The 3×3 correlation in float64, tap by tap."""
    d, _ = _patches(x.astype(np.float64), padding, out_size, (1, 1))
    return np.einsum("kcij,ncyxij->nkyx", w.astype(np.float64), d)[:, :, : out_size[0], : out_size[1]]


def exact_weight_grad(x, g, padding):
    d, _ = _patches(x.astype(np.float64), padding, g.shape[2:], (1, 1))
    return np.einsum("nkyx,ncyxij->kcij", g.astype(np.float64), d[:, :, : g.shape[2], : g.shape[3]])


def tolerance_multiple(result, expected):
    """The largest ``|result - expected| / (atol + rtol |expected|)``: above 1 fails the parity tests."""
    atol, rtol = TOLERANCE
    return float(np.max(np.abs(result - expected) / (atol + rtol * np.abs(expected))))


def torch_results(x, w, g, padding):
    """torch's own float32 ``(y, dx, dw)``, or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    y = torch.nn.functional.conv2d(tx, tw, padding=padding)
    y.backward(torch.tensor(g))
    return y.detach().numpy(), tx.grad.numpy(), tw.grad.numpy()


def report(name, x_shape, w_shape, pad, seed):
    """One shape's table: torch's row, then each tiling's."""
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape).astype(F32), rng.standard_normal(w_shape).astype(F32)
    size = x_shape[2:]
    out_size = tuple(s + 2 * pad - 2 for s in size)
    g = rng.standard_normal((x_shape[0], w_shape[0]) + out_size).astype(F32)
    flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))  # dx: g correlated with it
    expected = (
        exact(x, w, (pad, pad), out_size),
        exact(g, flipped, (2 - pad, 2 - pad), size),
        exact_weight_grad(x, g, (pad, pad)),
    )
    print(f"{name}: |y| <= {np.abs(expected[0]).max():.0f}, |dw| <= {np.abs(expected[2]).max():.0f}")
    rows = []
    theirs = torch_results(x, w, g, pad)
    if theirs is not None:
        rows.append(("torch (direct)", theirs))
    for label, row_points, col_points in TILINGS:
        tiling = toom_cook(row_points), toom_cook(col_points)
        results = (
            correlate(x, w, (pad, pad), out_size, *tiling),
            correlate(g, flipped, (2 - pad, 2 - pad), size, *tiling),
            weight_grad(x, g, (pad, pad), *tiling),
        )
        rows.append((label, results))
    for label, results in rows:
        multiples = [tolerance_multiple(r, e) for r, e in zip(results, expected)]
        print(f"  {label:<20} " + "  ".join(f"{part} {m:6.3f}" for part, m in zip(("y", "dx", "dw"), multiples)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of the N(0, 1) input, weight and gradient")
    args = parser.parse_args()
    print("largest error / (1e-4 + 1e-4 |exact|) against float64; above 1 fails the conv parity tests")
    for name, x_shape, w_shape, pad in SHAPES:
        report(name, x_shape, w_shape, pad, args.seed)


if __name__ == "__main__":
    main()
