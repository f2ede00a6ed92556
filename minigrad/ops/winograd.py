"""Winograd F(2×2, 3×3) and F(4×4, 3×3) for 3×3, stride-1, undilated, ungrouped 2-d convolutions: forward, input
and weight gradients as arrays, for ``Conv``'s fast path (``minigrad/_kernels/winograd.pyx`` has the tile
arithmetic).

A 3×3 convolution costs ``9 C K`` multiply-adds per output, which im2col's GEMM spends in full; F(m×m, 3×3)
spends ``(m + 2)² C K`` per m×m outputs (2.25x fewer for m = 2, 4x for m = 4) in ``(m + 2)²`` GEMMs of the
transformed kernel ``U = G w Gᵀ`` (``((m + 2)², K, C)``, made here once per call) by the transformed input tiles.
The input gradient is again a 3×3 stride-1 correlation, of the output gradient with the kernel flipped and its
channel axes swapped, padded ``2 - p``; the weight gradient sums ``dU[e] = Σ_tiles dM[e] V[e]ᵀ`` in the
transformed domain and maps it back with ``dw = Gᵀ dU G``. The transforms' extra additions round more than a
direct sum: a few float32 ulps of the largest partial sums for F(2×2), about ten times that for F(4×4), which is
why float32 keeps F(2×2) (``tile_for``). Where it does not pay (one or two input or output channels: the
transforms then cost more than the multiplies they save) or cannot run (no ``cblas``), ``applies`` says no and
``Conv`` keeps im2col.
"""

import functools
import glob

import numpy as np

from .. import _blas
from .._kernels import winograd as _kernel
from .._threads import get_num_threads

__all__ = ["applies", "correlate", "correlate_grads", "correlate_transposed", "tile_for"]

# G of F(m×m, 3×3) by m: a 3-tap kernel row to the m + 2 entries of its transformed row (F(4×4) at 0, ±1, ±2, ∞)
_G = {
    2: np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]]),
    4: np.array(
        [
            [1 / 4, 0.0, 0.0],
            [-1 / 6, -1 / 6, -1 / 6],
            [-1 / 6, 1 / 6, -1 / 6],
            [1 / 24, 1 / 12, 1 / 6],
            [1 / 24, -1 / 12, 1 / 6],
            [0.0, 0.0, 1.0],
        ]
    ),
}
# G ⊗ G by m: ``U = G w Gᵀ`` of every (kernel, channel) pair at once is one product with the flattened 3×3 kernels
# (``U[e] = Σ_ab KRON[e, ab] w[ab]`` for entry e = (i, j)), and ``dw = Gᵀ dU G`` one with its transpose: a batch
# of 3×3 matmuls per pair cost 0.05-0.07 ms a call on the issue-14 layer, single-threaded work in every step.
_KRON = {tile: np.kron(g, g) for tile, g in _G.items()}

# Measured single-threaded, forward and both gradients of 32 images of 28x28 (Winograd / im2col CPU time): 3 input
# channels 1.9, 4: 1.5 (32 outputs) to 0.9 (4 outputs), 8: 0.75-0.87, 16 and more 0.4-0.7 (4 to 64 outputs). With
# few input channels the transforms' cost per output channel outweighs the small GEMMs' savings.
MIN_IN_CHANNELS = 8
MIN_OUT_CHANNELS = 4

# F(4×4, 3×3) in float32 rounds about 10x more than a direct sum (its transforms' coefficients reach 8 and the
# products' sums grow with them): on 16 to 64 channels of N(0, 1) data that is 2-7e-4 on outputs of about 20, 1.5
# to 2.8 times the conv parity tests' tolerance (1e-4 + 1e-4 |y|) where F(2×2) and torch use 0.1-0.3 of it. So
# float32 keeps F(2×2); float64 (10^-14 either way) takes F(4×4) where it pays. F(3×3) (5×5 tiles, 2.78 multiplies
# an output against F(2×2)'s 4) does not fit either: 0.45-1.2 of the tolerance on y and 0.67-3.1 on the input
# gradient, whichever of ±1/2, ±2 joins 0, ±1 (benchmarks/winograd_error.py models every tiling).
FLOAT32_TILE = 2
# Measured in float64, one thread, forward and both gradients of 3 to 28 pixel outputs, 8 to 64 channels: F(4×4)
# ran 1.15-1.55x faster than F(2×2) where its work per output was 1.9-2.7x smaller (output sizes 3, 4, 7, 8, 12,
# 16, 28), 0.8-1.08x where it was 1.33-1.56x smaller (5, 6, 9, 10, 14: mostly padding in the last tile).
F4_MIN_SAVING = 1.6


def _l2_bytes(default=1 << 20):
    """A core's L2 cache in bytes, as Linux's sysfs gives it (``2048K``), or ``default`` where it does not."""
    for index in sorted(glob.glob("/sys/devices/system/cpu/cpu0/cache/index*")):
        try:
            with open(f"{index}/level") as level, open(f"{index}/size") as size:
                if level.read().strip() == "2":
                    text = size.read().strip()
                    return int(text.rstrip("KMG")) << {"K": 10, "M": 20, "G": 30}.get(text[-1:], 0)
        except (OSError, ValueError):
            return default
    return default


@functools.cache
def _block_bytes():
    """Bytes of one block's transformed input and products, (m + 2)² (C + K) per tile, at most: half a core's L2
    (read on the first call, not at import), so that each tile's numbers go from transform to GEMM to inverse
    transform without leaving the cache, with room for the rows they come from.

    A block is one image where it fits (``_plan``), else equal parts of one; images much smaller are grouped into
    blocks of about ``_GROUP_BYTES`` (a block's 16 GEMM calls and transform loops cost the same however few its
    tiles). Measured on 2 MB of L2, forward and backward of 16 -> 32 channels (per thread's block: smaller is
    better), images of 28x28 (0.65 MB): one a block 3.19 ms, two 3.58, half 3.72; of 56x56 (2.5 MB): 4 parts 3.09,
    2 parts 3.18, 7 parts 3.36, whole 4.23; of 14x14, 16 -> 16 channels (0.11 MB): two a block 0.54, one 0.63, four
    0.58."""
    return _l2_bytes() // 2


_GROUP_BYTES = 1 << 18


def applies(x, weight, window, groups):
    """Whether ``Conv`` of ``x`` by ``weight`` over ``window`` runs here: a 2-d 3×3 kernel, stride and dilation
    1, no groups, float32 or float64 throughout, at least ``MIN_IN_CHANNELS`` input and ``MIN_OUT_CHANNELS``
    output channels, a non-empty batch and output, and ``cblas`` available."""
    return (
        len(window.kernel) == 2
        and tuple(window.kernel) == (3, 3)
        and tuple(window.stride) == (1, 1)
        and tuple(window.dilation) == (1, 1)
        and groups == 1
        and x.dtype in (np.float32, np.float64)
        and weight.dtype == x.dtype
        and weight.shape[1] >= MIN_IN_CHANNELS
        and weight.shape[0] >= MIN_OUT_CHANNELS
        and x.shape[0] > 0
        and window.positions > 0
        and _blas.cblas_ready()
    )


def tile_for(dtype, out_size):
    """The output tile ``m`` (2 or 4) of the F(m×m, 3×3) that computes a correlation (or its weight gradient) of
    ``out_size`` outputs in ``dtype``: 2 in float32 (``FLOAT32_TILE``), else 4 where its work per output (``36``
    per 4×4 tile, the image rounded up to whole tiles) is at most ``1 / F4_MIN_SAVING`` of F(2×2)'s (``16`` per
    2×2 tile, plus the spare tile column)."""
    if np.dtype(dtype) == np.float32 and FLOAT32_TILE == 2:
        return 2
    (h, w), up = out_size, lambda size, tile: -(-size // tile)
    two, four = 16 * up(h, 2) * (up(w, 2) + 1), 36 * up(h, 4) * up(w, 4)
    return 4 if two >= F4_MIN_SAVING * four else 2


def _transformed(weight, tile):
    """``U[e, k, c] = (G w[k, c] Gᵀ)[e]`` of F(tile×tile, 3×3): ``(K, C, 3, 3) -> ((tile + 2)², K, C)``,
    contiguous, in the weight's dtype (computed in float64)."""
    u = _KRON[tile] @ weight.reshape(-1, 9).T  # ((tile + 2)², K C)
    return u.astype(weight.dtype).reshape(-1, *weight.shape[:2])


def _plan(dtype, *passes):
    """(blocks, threads, per-thread scratch) for kernel passes over the same images that walk their tiles in the
    same blocks, each pass ``(tile, images, channels, kernels, out_size)``. A block is one image where an image's
    transformed tiles (the kernel's scratch for its tile rows) fit in ``_block_bytes()``; whole images up to
    ``_GROUP_BYTES`` where several fit, in a multiple of the threads' count of blocks; else equal parts of every
    image, at least one block per thread. A second thread only for ``_blas.THREADED_MIN_MACS`` GEMM multiply-adds
    (``(tile + 2)² C K`` per tile) or more."""
    images, budget = passes[0][1], _block_bytes()
    shapes = [
        (tile, channels, kernels, *((size + tile - 1) // tile for size in out_size))  # (…, tiles_h, tiles_w)
        for tile, _, channels, kernels, out_size in passes
    ]
    macs = images * sum((tile + 2) ** 2 * c * k * tiles_h * tiles_w for tile, c, k, tiles_h, tiles_w in shapes)
    threads = get_num_threads() if macs >= _blas.THREADED_MIN_MACS else 1
    image_bytes = np.dtype(dtype).itemsize * max(_kernel.scratch_size(*shape) for shape in shapes)
    if image_bytes <= budget and images >= threads:
        blocks = -(-images // max(1, _GROUP_BYTES // image_bytes))
        blocks = min(images, -(-blocks // threads) * threads)
    else:
        most = min(tiles_h for *_, tiles_h, _ in shapes)  # parts of a tile row at least
        parts = min(most, max(-(-image_bytes // budget), -(-threads // images)))
        while images * parts % threads and parts < most:
            parts += 1
        blocks = images * parts
    size = max(
        _kernel.scratch_size(tile, c, k, _kernel.block_rows(images, tiles_h, blocks), tiles_w)
        for tile, c, k, tiles_h, tiles_w in shapes
    )
    return blocks, threads, np.empty((threads, size), dtype)


def _run(x, u, bias, out, pad):
    """``out = correlate x with the 3×3 kernel whose transform is u``, padded ``pad`` before each dim."""
    tile = 2 if u.shape[0] == 16 else 4
    blocks, threads, scratch = _plan(x.dtype, (tile, x.shape[0], x.shape[1], u.shape[1], out.shape[2:]))
    with _blas.single_threaded():
        _kernel.correlate(x, u, bias, out, pad[0], pad[1], blocks, scratch, threads)
    return out


def correlate(x, weight, bias, window):
    """``y[n, k, i, j] = b[k] + Σ_c Σ_{a, b < 3} w[k, c, a, b] x[n, c, i - p_h + a, j - p_w + b]``: the
    convolution's value, ``(N, K, *window.out_size)``."""
    x = np.ascontiguousarray(x)
    out = np.empty((x.shape[0], weight.shape[0]) + tuple(window.out_size), x.dtype)
    u = _transformed(weight, tile_for(x.dtype, window.out_size))
    return _run(x, u, _bias_array(bias, x.dtype), out, window.padding)


def correlate_transposed(g, weight, bias, window):
    """The adjoint of ``correlate`` (a transposed convolution, and the convolution's input gradient):
    ``y[n, c, i, j] = b[c] + Σ_k Σ_{a, b < 3} w[k, c, a, b] g[n, k, i + p_h - a, j + p_w - b]`` for ``g (N, K,
    *window.out_size)``, ``(N, C, *window.in_size)``: the correlation of ``g`` with ``w`` flipped and transposed
    (``(C, K, 3, 3)``), padded ``2 - p``."""
    g = np.ascontiguousarray(g)
    out = np.empty((g.shape[0], weight.shape[1]) + tuple(window.in_size), g.dtype)
    u = _transformed_adjoint(weight, tile_for(g.dtype, window.in_size))
    return _run(g, u, _bias_array(bias, g.dtype), out, [2 - p for p in window.padding])


def _transformed_adjoint(weight, tile):
    """``_transformed`` of the kernel ``correlate_transposed`` correlates with: ``w`` flipped and transposed."""
    return _transformed(weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3), tile)


def _bias_array(bias, dtype):
    """The kernel's bias argument: contiguous in ``dtype``, empty for none."""
    return np.empty(0, dtype) if bias is None else np.ascontiguousarray(bias, dtype=dtype)


def correlate_grads(x, weight, grad, window, need_x, need_w):
    """The convolution's input, weight and bias gradients (None where not needed; the bias's comes with the
    weight's): ``dx = correlate_transposed(g, w)``; ``dw = Gᵀ (Σ_threads dU) G``; ``db = Σ g`` from the same
    tiles. Both at once run as one kernel pass (``backward``)."""
    grad = np.ascontiguousarray(grad)
    if not need_w:
        return (correlate_transposed(grad, weight, None, window) if need_x else None), None, None
    x = np.ascontiguousarray(x)
    (kernels, channels), images = weight.shape[:2], x.shape[0]
    tile = tile_for(x.dtype, grad.shape[2:])
    passes = [(tile, images, channels, kernels, grad.shape[2:])]
    if need_x:
        tile_x = tile_for(x.dtype, window.in_size)
        passes.append((tile_x, images, kernels, channels, window.in_size))
    blocks, threads, scratch = _plan(x.dtype, *passes)
    side = tile + 2
    partial, sums = np.zeros((threads, side * side, kernels, channels), x.dtype), np.zeros((threads, kernels))
    grad_x = np.empty_like(x) if need_x else None
    with _blas.single_threaded():
        if need_x:
            u = _transformed_adjoint(weight, tile_x)
            _kernel.backward(x, grad, u, grad_x, partial, sums, *window.padding, blocks, scratch, threads)
        else:
            _kernel.weight_grad(x, grad, partial, sums, *window.padding, blocks, scratch, threads)
    du = partial.sum(0, dtype=np.float64).reshape(side * side, kernels * channels)
    grad_w = (du.T @ _KRON[tile]).astype(x.dtype).reshape(weight.shape)
    return grad_x, grad_w, sums.sum(0).astype(x.dtype)
