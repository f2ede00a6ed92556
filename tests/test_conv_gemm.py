"""The per-image im2col + GEMM convolution (``minigrad/_kernels/conv_gemm.pyx``, ``minigrad/ops/conv_gemm.py``):
the kernels against their NumPy twin (full columns and row slices, groups, the bias's row of ones, one or two
threads), Conv's dispatch and its NumPy fallback, torch parity on the paths' edges (float32 and float64) and
gradcheck/gradgradcheck in float64."""

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import _blas
from minigrad._kernels import conv_gemm as kernel
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.ops import conv_gemm
from minigrad.ops.conv import Window
from tests.reference import conv_gemm as reference
from tests.test_conv import _parity

DTYPES = [np.float32, np.float64]
REFERENCE_TOLERANCE = {np.float32: dict(rtol=1e-4, atol=1e-4), np.float64: dict(rtol=1e-12, atol=1e-12)}

pytestmark = pytest.mark.skipif(not _blas.cblas_ready(), reason="no cblas: Conv keeps its NumPy loops")


def _window(x_shape, kernel_size, stride, padding, dilation):
    out = tuple(
        (n + 2 * p - d * (k - 1) - 1) // t + 1
        for n, k, t, p, d in zip(x_shape[2:], kernel_size, stride, padding, dilation)
    )
    return Window(kernel_size, stride, padding, dilation, x_shape[2:], out)


# (x shape, weight shape, stride, padding, dilation, groups): row slices (LeNet's layers, dilation down the rows,
# stride along them, groups) and full columns (stride down the rows, one-row kernels, 1-d and 3-d)
KERNEL_CASES = [
    ((3, 1, 12, 12), (6, 1, 5, 5), (1, 1), (2, 2), (1, 1), 1),
    ((3, 6, 9, 8), (5, 6, 5, 5), (1, 1), (0, 0), (1, 1), 1),
    ((2, 4, 9, 10), (6, 2, 3, 2), (1, 2), (1, 3), (2, 1), 2),
    ((2, 4, 7, 6), (6, 4, 3, 3), (2, 1), (1, 2), (1, 2), 1),
    ((2, 3, 1, 9), (4, 3, 1, 3), (1, 1), (0, 1), (1, 1), 1),
    ((3, 5, 11), (4, 5, 5), (1,), (2,), (1,), 1),
    ((2, 2, 4, 5, 3), (3, 2, 2, 3, 2), (1, 1, 1), (1, 0, 1), (1, 1, 1), 1),
]


def _kernel_arguments(x_shape, w_shape, stride, padding, dilation, groups, rng, dtype, ones):
    window = _window(x_shape, w_shape[2:], stride, padding, dilation)
    weight = rng.standard_normal(w_shape).astype(dtype)
    bias = rng.standard_normal(w_shape[0]).astype(dtype) if ones else None
    columns, shift, slices = conv_gemm._layout(weight, window, groups, bias)
    volume = conv_gemm._volumes_shape(x_shape, window)
    return window, columns, shift, slices, volume


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("case", KERNEL_CASES, ids=lambda c: f"{c[0]}{c[1]}")
def test_kernels_match_reference(case, threads, dtype):
    x_shape, w_shape, stride, padding, dilation, groups = case
    rng = np.random.default_rng(0)
    for ones in [False, True] if groups == 1 else [False]:
        window, columns, shift, slices, volume = _kernel_arguments(
            x_shape, w_shape, stride, padding, dilation, groups, rng, dtype, ones
        )
        geometry = columns.kernel_arguments()
        x = rng.standard_normal(volume).astype(dtype)
        bias = None if ones else rng.standard_normal(w_shape[0]).astype(dtype)
        out = np.empty((x_shape[0], w_shape[0], window.positions), dtype)
        with _blas.single_threaded():
            kernel.forward(x, slices, bias, out, groups, shift, *geometry, threads)
        expected = reference.forward(x, slices, bias, groups, shift, window.positions, geometry)
        np.testing.assert_allclose(out, expected, **REFERENCE_TOLERANCE[dtype])

        grad = rng.standard_normal(out.shape).astype(dtype)
        grad_x = np.empty(volume, dtype)
        parts = np.zeros((threads, slices.shape[0], groups, slices.shape[2], w_shape[0] // groups), dtype)
        with _blas.single_threaded():
            kernel.backward(slices, grad, x, grad_x, parts, groups, shift, *geometry, threads)
        dx, dw = reference.backward(x, volume, slices, grad, groups, shift, window.positions, geometry)
        np.testing.assert_allclose(grad_x, dx, **REFERENCE_TOLERANCE[dtype])
        np.testing.assert_allclose(parts.sum(0), dw, **REFERENCE_TOLERANCE[dtype])


def test_kernels_check_their_arguments():
    x = np.zeros((2, 3, 1, 6, 6), np.float32)
    window = _window((2, 3, 6, 6), (3, 3), (1, 1), (0, 0), (1, 1))
    columns, shift, slices = conv_gemm._layout(np.zeros((4, 3, 3, 3), np.float32), window, 1)
    out = np.empty((2, 4, window.positions), np.float32)
    with pytest.raises(ValueError, match="groups"):
        kernel.forward(x, slices, None, out, 2, shift, *columns.kernel_arguments(), 1)
    with pytest.raises(ValueError, match="slices"):
        kernel.forward(x, np.ascontiguousarray(slices[:, :, 2:]), None, out, 1, shift, *columns.kernel_arguments(), 1)
    with pytest.raises(ValueError, match="slices"):
        kernel.forward(x, np.concatenate((slices, slices)), None, out, 1, shift, *columns.kernel_arguments(), 1)
    with pytest.raises(ValueError, match="out"):
        kernel.forward(x, slices, None, out[:, 1:].copy(), 1, shift, *columns.kernel_arguments(), 1)
    with pytest.raises(ValueError, match="part per thread"):
        kernel.backward(slices, out, x, None, np.zeros((1, 3, 1, 9, 4), np.float32), 1, shift,
                        *columns.kernel_arguments(), 2)  # fmt: skip


@pytest.mark.parametrize(
    "w_shape, kwargs, sliced",
    [
        ((6, 1, 5, 5), dict(padding=2), True),  # LeNet-5's first layer: 2 * 5 rows a slice >= 6 filters
        ((16, 6, 5, 5), {}, True),
        ((32, 1, 3, 3), {}, False),  # MNIST Net's first layer: 3 rows a slice for 32 filters
        ((6, 1, 5, 5), dict(stride=(2, 1)), False),
        ((6, 1, 1, 5), {}, False),
    ],
)
def test_row_slices_where_they_pay(w_shape, kwargs, sliced):
    weight = np.zeros(w_shape)
    stride, padding = kwargs.get("stride", (1, 1)), (kwargs.get("padding", 0),) * 2
    window = _window((1, w_shape[1], 28, 28), w_shape[2:], stride, padding, (1, 1))
    assert conv_gemm._sliced(weight, window, 1) is sliced


def test_dispatch(monkeypatch):
    calls = []
    monkeypatch.setattr(conv_gemm, "correlate", lambda *a, _f=conv_gemm.correlate: calls.append(1) or _f(*a))
    F.conv2d(minigrad.randn(4, 3, 8, 8), minigrad.randn(5, 3, 5, 5))
    assert calls
    calls.clear()
    previous = minigrad.get_num_threads()
    minigrad.set_num_threads(2)
    try:  # one image on two threads: the NumPy loops' threaded BLAS
        F.conv2d(minigrad.randn(1, 3, 8, 8), minigrad.randn(5, 3, 5, 5))
    finally:
        minigrad.set_num_threads(previous)
    assert not calls


def _run(arrays, kwargs):
    x, w, b = (minigrad.tensor(a, requires_grad=True) for a in arrays)
    y = getattr(F, f"conv{x.ndim - 2}d")(x, w, b, **kwargs)
    y.backward(minigrad.tensor(np.cos(np.arange(y.numel())).reshape(y.shape)))
    return [y._data, x.grad._data, w.grad._data, b.grad._data]


@pytest.mark.parametrize("how", ["numpy loops", "no cblas"])
def test_matches_the_numpy_path(monkeypatch, how):
    rng = np.random.default_rng(3)
    for shapes, kwargs in [
        (((3, 6, 9, 8), (5, 6, 5, 5), (5,)), dict(padding=1)),
        (((3, 4, 9, 8), (6, 2, 3, 3), (6,)), dict(groups=2, dilation=(2, 1))),
        (((3, 4, 9), (6, 4, 5), (6,)), dict(padding=2)),
    ]:
        arrays = [rng.standard_normal(s) for s in shapes]
        fast = _run(arrays, kwargs)
        with monkeypatch.context() as patch:
            if how == "no cblas":
                patch.setattr(_blas, "cblas_ready", lambda: False)
            else:
                patch.setattr(conv_gemm, "applies", lambda *a: False)
            slow = _run(arrays, kwargs)
        for mine, expected in zip(fast, slow):
            np.testing.assert_allclose(mine, expected, rtol=1e-12, atol=1e-12)


# (function, x shape, weight shape, kwargs): the row slices' edges and the full columns' (see KERNEL_CASES)
CASES = [
    ("conv2d", (4, 1, 28, 28), (6, 1, 5, 5), dict(padding=2)),
    ("conv2d", (4, 6, 14, 14), (16, 6, 5, 5), {}),
    ("conv2d", (3, 4, 9, 10), (6, 2, 3, 2), dict(groups=2, stride=(1, 2), padding=(1, 3), dilation=(2, 1))),
    ("conv2d", (3, 3, 6, 7), (4, 3, 4, 3), dict(padding="same")),  # even kernel height: asymmetric padding
    ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), dict(padding=4)),  # padding wider than the kernel
    ("conv2d", (2, 4, 7, 6), (6, 4, 3, 3), dict(stride=(2, 1), padding=1)),  # full columns
    ("conv2d", (2, 2, 3, 3), (4, 2, 3, 3), {}),  # one output position
    ("conv1d", (3, 5, 11), (4, 5, 5), dict(padding=2)),
    ("conv3d", (2, 2, 4, 5, 3), (3, 2, 2, 3, 2), dict(padding=(1, 0, 1))),
]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}{c[1]}{c[2]}{c[3]}")
def test_matches_torch(monkeypatch, case, dtype, threads):
    monkeypatch.setattr(conv_gemm, "_THREADED_MIN_MACS", 0)
    previous = minigrad.get_num_threads()
    minigrad.set_num_threads(threads)
    try:
        _parity(*case, dtype)
    finally:
        minigrad.set_num_threads(previous)


def test_without_bias_matches_torch():
    _parity("conv2d", (3, 6, 9, 9), (5, 6, 5, 5), {}, np.float32, bias=False)


@pytest.mark.parametrize(
    "x_shape, w_shape, kwargs",
    [
        ((2, 2, 5, 4), (3, 2, 3, 2), dict(padding=1)),
        ((2, 4, 6, 4), (4, 2, 2, 3), dict(groups=2, dilation=(2, 1), stride=(1, 2))),
    ],
)
def test_gradcheck_and_gradgradcheck(x_shape, w_shape, kwargs):
    rng = np.random.default_rng(5)
    inputs = [minigrad.tensor(rng.standard_normal(s), requires_grad=True) for s in (x_shape, w_shape, w_shape[:1])]

    def call(x, w, b):
        return F.conv2d(x, w, b, **kwargs)

    assert gradcheck(call, inputs)
    assert gradgradcheck(call, inputs)
