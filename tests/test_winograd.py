"""Winograd F(2×2, 3×3) and F(4×4, 3×3) convolutions: the kernels against their NumPy twin (every padding, odd and
even sizes, blocks of one tile row or many, one or two threads), Conv's dispatch to them (the tile by dtype and
size) and its im2col fallback, torch parity (float32 at the conv parity tests' tolerances, float64) and
gradcheck/gradgradcheck in float64."""

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import _blas
from minigrad._kernels import winograd as kernel
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.ops import winograd
from minigrad.ops.conv import Window
from tests.reference import winograd as reference
from tests.test_conv import _parity as conv_parity

DTYPES = [np.float32, np.float64]
REFERENCE_TOLERANCE = {np.float32: dict(rtol=1e-4, atol=1e-4), np.float64: dict(rtol=1e-12, atol=1e-12)}

pytestmark = pytest.mark.skipif(not _blas.cblas_ready(), reason="no cblas: Conv keeps im2col")


def _geometries():
    """(input size, leading padding, output size): odd and even sizes, padding 0 to 3 per side (asymmetric),
    outputs of one row or column."""
    rng = np.random.default_rng(0)
    found = [((1, 1), (1, 1), (1, 1)), ((2, 7), (0, 1), (1, 7)), ((5, 6), (3, 0), (7, 4))]
    while len(found) < 14:
        size, before, after = rng.integers(1, 10, 2), rng.integers(0, 4, 2), rng.integers(0, 4, 2)
        out = size + before + after - 2
        if out.min() > 0:
            found.append(tuple(tuple(int(v) for v in a) for a in (size, before, out)))
    return found


def _plan(blocks, threads, dtype, *passes, images=3):
    """The kernels' (blocks, scratch, threads) for ``blocks`` blocks walking each pass ``(tile, channels, kernels,
    out)`` over ``images`` images: ``blocks`` itself when ``fits`` allows it in every pass, else one a image."""
    tiles = [
        (tile, channels, kernels, *((size + tile - 1) // tile for size in out))
        for tile, channels, kernels, out in passes
    ]
    if not all(kernel.fits(images, tiles_h, blocks) for *_, tiles_h, _ in tiles):
        blocks = images
    size = max(
        kernel.scratch_size(tile, channels, kernels, kernel.block_rows(images, tiles_h, blocks), tiles_w)
        for tile, channels, kernels, tiles_h, tiles_w in tiles
    )
    return blocks, np.empty((threads, size), dtype), threads


@pytest.mark.parametrize("tile", [2, 4])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("blocks, threads", [(1, 1), (2, 2), (3, 2), (6, 2), (9, 1)])
def test_kernels_match_reference(tile, dtype, blocks, threads):
    rng = np.random.default_rng(1)
    side, g_matrix = tile + 2, reference.MATRICES[tile][1]
    for size, padding, out in _geometries():
        x = rng.standard_normal((3, 5) + size).astype(dtype)
        w = rng.standard_normal((6, 5, 3, 3)).astype(dtype)
        b = rng.standard_normal(6).astype(dtype)
        y = np.full((3, 6) + out, 7, dtype)
        u = winograd._transformed(w, tile)
        kernel.correlate(x, u, b, y, *padding, *_plan(blocks, threads, dtype, (tile, 5, 6, out)))
        expected = reference.correlate(x, w, b, padding, out, tile)
        np.testing.assert_allclose(y, expected, **REFERENCE_TOLERANCE[dtype])
        g = rng.standard_normal(y.shape).astype(dtype)
        partial, sums = np.zeros((threads, side * side, 6, 5), dtype), np.zeros((threads, 6))
        kernel.weight_grad(x, g, partial, sums, *padding, *_plan(blocks, threads, dtype, (tile, 5, 6, out)))
        np.testing.assert_allclose(sums.sum(0), g.sum((0, 2, 3)), **REFERENCE_TOLERANCE[dtype])
        du = partial.sum(0).reshape(side, side, 6, 5).transpose(2, 3, 0, 1)
        np.testing.assert_allclose(
            g_matrix.T @ du @ g_matrix, reference.weight_grad(x, g, padding, tile), **REFERENCE_TOLERANCE[dtype]
        )


@pytest.mark.parametrize("tiles", [(2, 2), (4, 4), (2, 4), (4, 2)])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("blocks, threads", [(1, 1), (2, 2), (6, 2), (9, 1)])
def test_one_pass_backward_matches_reference(tiles, dtype, blocks, threads):
    """``backward``: the input gradient (a correlation of ``g`` with the flipped, transposed kernel, padded ``2 -
    p``; ``tiles[0]``) and the weight and bias gradients (``tiles[1]``) in one pass, over the same blocks."""
    rng = np.random.default_rng(4)
    tile_x, tile_w = tiles
    side, g_matrix = tile_w + 2, reference.MATRICES[tile_w][1]
    for size, padding, out in _geometries():
        x = rng.standard_normal((3, 5) + size).astype(dtype)
        w = rng.standard_normal((6, 5, 3, 3)).astype(dtype)
        g = rng.standard_normal((3, 6) + out).astype(dtype)
        dx, partial, sums = np.full_like(x, 7), np.zeros((threads, side * side, 6, 5), dtype), np.zeros((threads, 6))
        u = winograd._transformed_adjoint(w, tile_x)
        plan = _plan(blocks, threads, dtype, (tile_x, 6, 5, size), (tile_w, 5, 6, out))
        kernel.backward(x, g, u, dx, partial, sums, *padding, *plan)
        flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
        expected = reference.correlate(g, flipped, np.zeros(5), [2 - p for p in padding], size, tile_x)
        np.testing.assert_allclose(dx, expected, **REFERENCE_TOLERANCE[dtype])
        np.testing.assert_allclose(sums.sum(0), g.sum((0, 2, 3)), **REFERENCE_TOLERANCE[dtype])
        du = partial.sum(0).reshape(side, side, 6, 5).transpose(2, 3, 0, 1)
        np.testing.assert_allclose(
            g_matrix.T @ du @ g_matrix, reference.weight_grad(x, g, padding, tile_w), **REFERENCE_TOLERANCE[dtype]
        )


@pytest.mark.parametrize("tile", [2, 4])
def test_reference_matches_a_direct_sum(tile):
    """The twin itself against the convolution's definition, one output at a time."""
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    padding, out = (2, 1), (6, 3)
    padded = np.zeros((2, 3, 10, 8))
    padded[:, :, 2:7, 1:5] = x
    direct = np.empty((2, 4) + out)
    for i in range(out[0]):
        for j in range(out[1]):
            direct[:, :, i, j] = np.einsum("ncab,kcab->nk", padded[:, :, i : i + 3, j : j + 3], w) + b
    np.testing.assert_allclose(reference.correlate(x, w, b, padding, out, tile), direct, rtol=1e-12)
    g = rng.standard_normal(direct.shape)
    expected = np.einsum(
        "nkij,ncijab->kcab",
        g,
        np.lib.stride_tricks.sliding_window_view(padded, (3, 3), (2, 3))[:, :, : out[0], : out[1]],
    )
    np.testing.assert_allclose(reference.weight_grad(x, g, padding, tile), expected, rtol=1e-12)


# ------------------------------------------------------------------------------------------------ dispatch
@pytest.mark.parametrize(
    "x_shape, w_shape, kwargs, expected",
    [
        ((2, 8, 7, 6), (6, 8, 3, 3), dict(padding=1), True),
        ((2, 8, 5, 5), (4, 8, 3, 3), dict(padding=(0, 2)), True),
        ((2, 1, 7, 6), (6, 1, 3, 3), dict(padding=1), False),  # one input channel (MNIST's conv1): im2col
        ((2, 4, 7, 6), (6, 4, 3, 3), dict(padding=1), False),
        ((2, 8, 7, 6), (2, 8, 3, 3), dict(padding=1), False),  # two output channels: im2col
        ((2, 8, 7, 6), (6, 8, 3, 3), dict(stride=2), False),
        ((2, 8, 7, 6), (6, 8, 3, 3), dict(dilation=2), False),
        ((2, 8, 7, 6), (6, 4, 3, 3), dict(groups=2), False),
        ((2, 8, 7, 6), (6, 8, 3, 2), {}, False),
    ],
)
def test_conv2d_dispatch(monkeypatch, x_shape, w_shape, kwargs, expected):
    calls = []
    monkeypatch.setattr(winograd, "correlate", lambda *a, _f=winograd.correlate: calls.append(1) or _f(*a))
    x, w = minigrad.randn(*x_shape), minigrad.randn(*w_shape)
    F.conv2d(x, w, **kwargs)
    assert bool(calls) is expected


@pytest.mark.parametrize(
    "dtype, out_size, tile",
    [
        (np.float32, (28, 28), 2),  # float32 keeps F(2×2): F(4×4) rounds past the parity tolerances
        (np.float64, (28, 28), 4),
        (np.float64, (24, 24), 4),
        (np.float64, (4, 3), 4),
        (np.float64, (6, 6), 2),  # F(4×4) would be mostly padding: 2 tiles of 4 for 6 outputs
        (np.float64, (14, 14), 2),
    ],
)
def test_tile_for(dtype, out_size, tile):
    assert winograd.tile_for(dtype, out_size) == tile


def test_conv2d_runs_the_chosen_tile(monkeypatch):
    """Forward, input and weight gradients each ask ``tile_for`` for their own outputs' size (the input
    gradient's are the input's) and run that tile."""
    asked, kernels = [], []
    monkeypatch.setattr(
        winograd, "tile_for", lambda dtype, size: asked.append(tuple(size)) or (4 if size[0] == 6 else 2)
    )
    monkeypatch.setattr(winograd, "_transformed", lambda w, t, _f=winograd._transformed: kernels.append(t) or _f(w, t))
    x, w = (minigrad.randn(*s, dtype=minigrad.float64, requires_grad=True) for s in ((2, 8, 8, 7), (4, 8, 3, 3)))
    F.conv2d(x, w).sum().backward()  # output 6×5, input 8×7
    assert asked == [(6, 5), (6, 5), (8, 7)]  # the forward, then the weight and input gradients (one pass)
    assert kernels == [4, 2]  # the forward's and the input gradient's transformed kernels


def test_no_cblas_falls_back_to_im2col(monkeypatch):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in ((3, 8, 6, 7), (4, 8, 3, 3), (4,))]

    def run():
        x, w, b = (minigrad.tensor(a, requires_grad=True) for a in arrays)
        y = F.conv2d(x, w, b, padding=1)
        y.backward(minigrad.tensor(np.cos(np.arange(y.numel())).reshape(y.shape)))
        return [y._data, x.grad._data, w.grad._data, b.grad._data]

    fast = run()
    monkeypatch.setattr(_blas, "cblas_ready", lambda: False)
    window = Window((3, 3), (1, 1), (1, 1), (1, 1), (6, 7), (6, 7))
    assert not winograd.applies(np.empty((3, 8, 6, 7)), np.empty((4, 8, 3, 3)), window, 1)
    for mine, expected in zip(fast, run()):
        np.testing.assert_allclose(mine, expected, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------------------------ torch parity
CASES = [
    ((2, 8, 7, 6), (6, 8, 3, 3), dict(padding=1)),
    ((3, 9, 9, 8), (4, 9, 3, 3), dict(padding=(0, 2))),
    ((2, 8, 5, 5), (5, 8, 3, 3), dict(padding=3)),  # the input gradient's padding 2 - 3 is negative
    ((4, 10, 1, 9), (4, 10, 3, 3), dict(padding=(1, 0))),  # one output row
    ((3, 8, 7, 7), (4, 8, 3, 3), dict(padding="same", bias=False)),
]
# Sums of 10^4 products and more: torch's own float32 weight gradient is 7.7e-4 off the float64 one here (ours
# 1.1e-4, im2col's 1.7e-4), past the tolerance, so these compare against torch in float64.
LARGE_CASES = [
    ((16, 16, 28, 28), (32, 16, 3, 3), dict(padding=1)),  # the benchmark's channels: many blocks
    ((4, 32, 26, 26), (64, 32, 3, 3), {}),  # MNIST Net's conv2
]


def _parity(x_shape, w_shape, kwargs, dtype, oracle_dtype=None):
    kwargs = dict(kwargs)
    bias = kwargs.pop("bias", True)
    conv_parity("conv2d", x_shape, w_shape, kwargs, dtype, bias=bias, oracle_dtype=oracle_dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}{c[1]}{c[2]}")
def test_conv2d_matches_torch(case, dtype):
    _parity(*case, dtype)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}{c[1]}{c[2]}")
def test_conv2d_in_float32_through_f4_matches_torch(monkeypatch, case):
    """F(4×4) in float32 (off by default) within the parity tolerances on these small shapes (0.1-0.25 of them;
    on LARGE_CASES' 16 to 64 channels it would use 1.5-2.8)."""
    monkeypatch.setattr(winograd, "FLOAT32_TILE", 4)
    _parity(*case, np.float32)


@pytest.mark.parametrize("case", LARGE_CASES, ids=lambda c: f"{c[0]}{c[1]}{c[2]}")
def test_large_conv2d_in_float32_matches_torch_in_float64(case):
    _parity(*case, np.float32, oracle_dtype=np.float64)


def test_conv2d_matches_torch_on_two_threads(monkeypatch):
    """Blocks split over OpenMP threads, each summing its own weight gradient."""
    monkeypatch.setattr(_blas, "THREADED_MIN_MACS", 0)
    previous = minigrad.get_num_threads()
    minigrad.set_num_threads(2)
    try:
        _parity((5, 8, 9, 10), (7, 8, 3, 3), dict(padding=1), np.float32)
        _parity((5, 8, 9, 10), (7, 8, 3, 3), dict(padding=(2, 0)), np.float64)  # F(4×4): 11×8 outputs
    finally:
        minigrad.set_num_threads(previous)


# conv_transpose2d: 3×3, stride 1, through Winograd (its input and output channels equal, as the parity helper's
# bias is as long as the weight's first axis)
TRANSPOSED_CASES = [
    ((2, 8, 7, 6), (8, 8, 3, 3), dict(padding=1)),
    ((3, 9, 5, 8), (9, 9, 3, 3), dict(padding=(0, 2))),
    ((2, 8, 12, 9), (8, 8, 3, 3), {}),  # F(4×4) in float64: 14×11 outputs
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", TRANSPOSED_CASES, ids=lambda c: f"{c[0]}{c[1]}{c[2]}")
def test_conv_transpose2d_matches_torch(monkeypatch, case, dtype):
    calls = []

    def counted(function):
        return lambda *args: calls.append(1) or function(*args)

    for name in ("correlate", "correlate_transposed"):
        monkeypatch.setattr(winograd, name, counted(getattr(winograd, name)))
    conv_parity("conv_transpose2d", *case, dtype)
    assert len(calls) == 2  # the forward and the input gradient


def test_conv_transpose2d_elsewhere_keeps_the_columns(monkeypatch):
    """Strided or with few channels: im2col's path, as before."""
    monkeypatch.setattr(winograd, "correlate_transposed", None)
    F.conv_transpose2d(minigrad.randn(2, 8, 5, 5), minigrad.randn(8, 8, 3, 3), stride=2)
    F.conv_transpose2d(minigrad.randn(2, 2, 5, 5), minigrad.randn(2, 8, 3, 3))


@pytest.mark.parametrize("kwargs", [dict(padding=1), dict(padding=(0, 2))])
def test_conv2d_gradcheck_and_gradgradcheck(kwargs):
    rng = np.random.default_rng(5)
    inputs = [minigrad.tensor(rng.standard_normal(s), requires_grad=True) for s in ((2, 8, 4, 3), (4, 8, 3, 3), (4,))]

    def call(x, w, b):
        return F.conv2d(x, w, b, **kwargs)

    assert gradcheck(call, inputs)
    assert gradgradcheck(call, inputs)


def test_conv_transpose2d_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(6)
    inputs = [minigrad.tensor(rng.standard_normal(s), requires_grad=True) for s in ((2, 4, 3, 4), (4, 8, 3, 3), (8,))]

    def call(x, w, b):
        return F.conv_transpose2d(x, w, b, padding=1)

    assert gradcheck(call, inputs)
    assert gradgradcheck(call, inputs)


def test_block_budget_is_half_the_l2(tmp_path, monkeypatch):
    """``_l2_bytes`` reads the level-2 entry of sysfs's cache list (sizes as ``2048K``), else its default."""
    for index, (level, size) in enumerate([("1", "48K"), ("2", "1536K"), ("3", "32M")]):
        (tmp_path / f"index{index}").mkdir()
        (tmp_path / f"index{index}" / "level").write_text(level + "\n")
        (tmp_path / f"index{index}" / "size").write_text(size + "\n")
    monkeypatch.setattr(winograd.glob, "glob", lambda pattern: [str(p) for p in tmp_path.iterdir()])
    assert winograd._l2_bytes() == 1536 << 10
    monkeypatch.setattr(winograd.glob, "glob", lambda pattern: [])
    assert winograd._l2_bytes(default=12345) == 12345
    (tmp_path / "index1" / "size").write_text("lots\n")
    monkeypatch.setattr(winograd.glob, "glob", lambda pattern: [str(p) for p in tmp_path.iterdir()])
    assert winograd._l2_bytes(default=12345) == 12345


@pytest.mark.parametrize(
    "images, channels, size, threads, blocks",
    [
        (32, 24, 28, 2, 32),  # the issue-14 layer's size: one image (14 tile rows, 0.6 MB) a block
        (64, 8, 8, 2, 6),  # small images (22 KB): about 0.25 MB a block (10 or 11 images), an even count
        (1, 16, 28, 2, 2),  # one image, two threads: two halves
        (3, 64, 96, 2, 60),  # 19 MB an image: 20 parts of at most 1 MB (3 × 19 blocks would leave a thread behind)
        (1, 64, 2, 2, 1),  # one tile row: one block
    ],
)
def test_plan_cuts_blocks_along_images(monkeypatch, images, channels, size, threads, blocks):
    monkeypatch.setattr(winograd, "_block_bytes", lambda: 1 << 20)
    monkeypatch.setattr(winograd, "_GROUP_BYTES", 1 << 18)
    monkeypatch.setattr(winograd, "get_num_threads", lambda: threads)
    monkeypatch.setattr(_blas, "THREADED_MIN_MACS", 0)
    found, used, scratch = winograd._plan(np.float32, (2, images, channels, channels, (size, size)))
    assert (found, used) == (blocks, threads)
    tiles_h = (size + 1) // 2
    assert kernel.fits(images, tiles_h, found)
    rows = kernel.block_rows(images, tiles_h, found)
    assert scratch.shape == (threads, kernel.scratch_size(2, channels, channels, rows, tiles_h))


@pytest.mark.parametrize("blocks", [5, 7, 0, -2])
def test_blocks_that_do_not_follow_images_are_refused(blocks):
    """A count of blocks that neither holds whole images nor cuts each into parts of a tile row or more (2 images of
    3 tile rows: 5 blocks, 7 = 3.5 parts an image, none) raises before any work."""
    x, u = np.zeros((2, 8, 6, 6)), np.zeros((16, 4, 8))
    y, scratch = np.zeros((2, 4, 6, 6)), np.zeros((1, kernel.scratch_size(2, 8, 4, 3, 3)))
    with pytest.raises(ValueError, match=f"{blocks} blocks do not cut 2 images of 3 tile rows"):
        kernel.correlate(x, u, np.zeros(0), y, 1, 1, blocks, scratch, 1)
    g, du, db = np.zeros((2, 4, 6, 6)), np.zeros((1, 16, 4, 8)), np.zeros((1, 4))
    with pytest.raises(ValueError, match="do not cut"):
        kernel.weight_grad(x, g, du, db, 1, 1, blocks, scratch, 1)
    with pytest.raises(ValueError, match="do not cut"):
        kernel.backward(x, g, np.zeros((16, 8, 4)), np.zeros_like(x), du, db, 1, 1, blocks, scratch, 1)
    assert kernel.block_rows(2, 3, blocks) == 0
