"""Pooling (``minigrad.ops.pooling``, ``nn.MaxPool*``/``AvgPool*``/``Adaptive*Pool*``): the kernels against their
NumPy twins, values, indices and gradients against torch in float32 and float64, gradcheck and gradgradcheck,
the modules' attributes and repr, and torch's errors on bad arguments."""

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad._kernels import pooling as kernel
from minigrad.autograd.gradcheck import gradcheck, gradgradcheck
from reference import pooling as reference

# (function name, input shape, positional arguments, keyword arguments)
CASES = [
    ("max_pool2d", (2, 3, 8, 8), (2,), {}),
    ("max_pool2d", (2, 3, 7, 6), ((3, 2),), {"stride": (2, 1), "padding": 1, "dilation": (2, 1), "ceil_mode": True}),
    ("max_pool2d", (3, 7, 6), (3,), {"stride": 2, "padding": 1}),  # unbatched
    ("max_pool2d", (1, 2, 9, 9), (3,), {"stride": 2, "ceil_mode": True, "dilation": 2}),
    ("max_pool1d", (2, 3, 9), (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
    ("max_pool1d", (3, 10), (2,), {"dilation": 3}),
    ("avg_pool2d", (2, 3, 7, 6), (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
    ("avg_pool2d", (2, 3, 7, 6), (3,), {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}),
    ("avg_pool2d", (3, 7, 6), ((3, 2),), {"stride": 2, "padding": 1, "divisor_override": 5}),
    ("avg_pool1d", (2, 3, 7), (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
    ("avg_pool1d", (2, 3, 8), (4,), {"padding": 2, "count_include_pad": False}),
    ("adaptive_avg_pool2d", (2, 3, 7, 6), ((3, 4),), {}),
    ("adaptive_avg_pool2d", (2, 3, 7, 6), ((None, 4),), {}),
    ("adaptive_avg_pool2d", (3, 5, 5), (7,), {}),  # output larger than input
    ("adaptive_avg_pool1d", (2, 3, 7), (3,), {}),
    ("adaptive_max_pool2d", (2, 3, 7, 6), ((3, 4),), {}),
    ("adaptive_max_pool1d", (2, 3, 7), (5,), {}),
    ("max_pool3d", (2, 3, 5, 6, 4), (2,), {}),
    ("max_pool3d", (2, 5, 7, 6), ((3, 2, 2),), {"stride": (2, 1, 2), "padding": 1, "dilation": (1, 2, 1)}),
    ("max_pool3d", (1, 2, 6, 7, 5), (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
    ("avg_pool3d", (2, 3, 5, 6, 4), (2,), {}),
    ("avg_pool3d", (2, 5, 7, 6), (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
    ("avg_pool3d", (2, 2, 5, 7, 6), (3,), {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}),
    ("avg_pool3d", (2, 5, 7, 6), ((3, 2, 2),), {"stride": 2, "padding": 1, "divisor_override": 5}),
    ("adaptive_avg_pool3d", (2, 3, 5, 7, 6), ((2, 3, 4),), {}),
    ("adaptive_avg_pool3d", (3, 5, 5, 4), ((None, 7, 2),), {}),
    ("adaptive_max_pool3d", (2, 3, 5, 7, 6), ((2, 3, 4),), {}),
    ("adaptive_max_pool3d", (3, 4, 5, 4), (3,), {}),
]
WITH_INDICES = tuple(f"{kind}max_pool{d}d" for kind in ("", "adaptive_") for d in (1, 2, 3))


def _case_id(case):
    return f"{case[0]}-{'x'.join(map(str, case[1]))}-{case[2]}-{case[3]}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_matches_torch(case, dtype, rng):
    torch = pytest.importorskip("torch")
    name, shape, args, kwargs = case
    if name in WITH_INDICES:
        kwargs = dict(kwargs, return_indices=True)
    x = rng.standard_normal(shape).astype(dtype)
    ours_x, theirs_x = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = (
        getattr(F, name)(ours_x, *args, **kwargs),
        getattr(torch.nn.functional, name)(theirs_x, *args, **kwargs),
    )
    if name in WITH_INDICES:
        np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
        ours, theirs = ours[0], theirs[0]
    assert ours.shape == tuple(theirs.shape) and ours.dtype == getattr(minigrad, str(theirs.dtype)[6:])
    tolerance = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tolerance, atol=tolerance)
    grad = rng.standard_normal(tuple(theirs.shape)).astype(dtype)
    ours.backward(minigrad.tensor(grad))
    theirs.backward(torch.tensor(grad))
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize(
    "name, shape, args, kwargs",
    [
        ("max_pool2d", (1, 2, 4, 5), (2,), {"stride": 1, "padding": 1}),
        ("max_pool1d", (2, 2, 7), (3,), {"stride": 2, "dilation": 2, "ceil_mode": True}),
        ("avg_pool2d", (1, 2, 5, 4), (3,), {"stride": 2, "padding": 1, "count_include_pad": False}),
        ("avg_pool1d", (2, 2, 5), (2,), {"ceil_mode": True}),
        ("adaptive_avg_pool2d", (1, 2, 5, 3), ((2, 2),), {}),
        ("adaptive_max_pool1d", (2, 2, 5), (3,), {}),
        ("max_pool3d", (1, 2, 4, 3, 5), (2,), {"stride": 1, "padding": 1, "dilation": (1, 1, 2)}),
        ("avg_pool3d", (2, 3, 4, 5), (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
        ("adaptive_avg_pool3d", (1, 2, 3, 5, 3), ((2, 2, 2),), {}),
        ("adaptive_max_pool3d", (2, 3, 4, 3), (2,), {}),
    ],
)
def test_gradcheck_and_gradgradcheck(name, shape, args, kwargs, rng):
    x = minigrad.tensor(rng.standard_normal(shape), requires_grad=True)

    def pool(t):
        return getattr(F, name)(t, *args, **kwargs)

    assert gradcheck(pool, (x,))
    assert gradgradcheck(pool, (x,))


def test_max_pool_of_a_non_contiguous_input(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 6, 5, 3))
    ours = F.max_pool2d(minigrad.tensor(x).permute(0, 3, 1, 2), 2, ceil_mode=True)
    theirs = torch.nn.functional.max_pool2d(torch.tensor(x).permute(0, 3, 1, 2), 2, ceil_mode=True)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_nan_wins_the_window_as_in_torch():
    torch = pytest.importorskip("torch")
    x = np.array([[[1.0, np.nan, 3.0, 2.0], [np.nan, 0.0, -np.inf, -np.inf]]])
    ours, ours_index = F.max_pool1d(minigrad.tensor(x), 2, return_indices=True)
    theirs, theirs_index = torch.nn.functional.max_pool1d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(ours_index.numpy(), theirs_index.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ties_signed_zeros_and_nans_pick_torchs_index(dtype):
    """The kernel compares order-preserving integer keys: -0.0 must tie with 0.0 (the first wins), a NaN of
    either sign must win, a later NaN over an earlier one, an all -inf window give its first tap."""
    torch = pytest.importorskip("torch")
    nan, inf = np.nan, np.inf
    x = np.array([[[-0.0, 0.0, 0.0, -0.0, 2.0, 2.0, -nan, 1.0, nan, -nan, -inf, -inf, 5.0, -nan, -1.0, -2.0]]])
    x = x.astype(dtype)
    for size in (2, 4):
        ours, ours_index = F.max_pool1d(minigrad.tensor(x), size, return_indices=True)
        theirs, theirs_index = torch.nn.functional.max_pool1d(torch.tensor(x), size, return_indices=True)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        np.testing.assert_array_equal(np.signbit(ours.numpy()), np.signbit(theirs.numpy()))
        np.testing.assert_array_equal(ours_index.numpy(), theirs_index.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_match_their_numpy_twins(dtype, rng):
    x = rng.standard_normal((3, 4, 7, 8)).astype(dtype)
    x[0, 1, 2, 3] = np.nan
    depths = (np.array([0, 1, 2]), np.array([3, 4, 4]), 2)  # dilated, clipped at the end
    rows = (np.array([0, 1, 3, 5]), np.array([3, 4, 6, 7]), 2)  # dilated rows, clipped at the edges
    cols = (np.array([0, 0, 2, 5]), np.array([2, 4, 6, 8]), 1)
    out, index = np.empty((3, 3, 4, 4), dtype), np.empty((3, 3, 4, 4), np.int64)
    kernel.window_max_forward(x, *depths, *rows, *cols, out, index, 2)
    expected_out, expected_index = reference.window_max(x, *depths, *rows, *cols)
    np.testing.assert_array_equal(out, expected_out)
    np.testing.assert_array_equal(index, expected_index)

    grad = rng.standard_normal((3, 48)).astype(dtype)
    scattered = np.empty((3, 224), dtype)
    kernel.scatter_to_planes(grad, index.reshape(3, 48), scattered, 2)
    np.testing.assert_allclose(scattered, reference.scatter_to_planes(grad, index.reshape(3, 48), 224), rtol=1e-6)

    bounds = (depths[0], depths[1], rows[0], rows[1], cols[0], cols[1])
    scale = rng.random((3, 4, 4))
    sums = np.empty((3, 3, 4, 4), dtype)
    kernel.window_sum_forward(x, *bounds, scale, sums, 2)
    np.testing.assert_allclose(sums, reference.window_sum(x, *bounds, scale), rtol=1e-5, atol=1e-6)
    adjoint = np.empty(x.shape, dtype)
    kernel.window_sum_backward(out, *bounds, scale, False, adjoint, 2)
    np.testing.assert_allclose(
        adjoint, reference.window_sum_adjoint(out, *bounds, scale, x.shape), rtol=1e-5, atol=1e-6
    )

    # windows that tile the volume (each input in one window): the backward writes instead of adding
    tiles = (np.array([0, 1]), np.array([1, 4]), np.array([0, 3, 5]), np.array([3, 5, 7]), np.array([0, 2, 6]))
    bounds = tiles[:4] + (tiles[4], np.array([2, 6, 8]))
    scale = rng.random((2, 3, 3))
    sums = np.empty((3, 2, 3, 3), dtype)
    kernel.window_sum_forward(x, *bounds, scale, sums, 2)
    np.testing.assert_allclose(sums, reference.window_sum(x, *bounds, scale), rtol=1e-5, atol=1e-6)
    adjoint = np.full(x.shape, np.nan, dtype)
    kernel.window_sum_backward(sums, *bounds, scale, True, adjoint, 2)
    np.testing.assert_allclose(
        adjoint, reference.window_sum_adjoint(sums, *bounds, scale, x.shape), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x: F.max_pool2d(x, 2, padding=2), "pad should be at most half"),
        (lambda x: F.avg_pool2d(x, 3, padding=2), "pad should be at most half"),
        (lambda x: F.max_pool2d(x, 2, stride=0), "stride"),
        (lambda x: F.max_pool2d(x, 0), "kernel size"),
        (lambda x: F.max_pool2d(x, 2, dilation=0), "dilation"),
        (lambda x: F.max_pool2d(x, 2, padding=-1), "pad"),
        (lambda x: F.max_pool2d(x, 7), "Output size is too small"),
        (lambda x: F.avg_pool2d(x, 2, divisor_override=0), "divisor"),
        (lambda x: F.max_pool2d(x[0, 0], 2), "input"),
        (lambda x: F.adaptive_avg_pool2d(x[0, 0, 0], 2), "input"),
        (lambda x: F.max_pool2d(x, (2, 2, 2)), "kernel_size"),
    ],
)
def test_bad_arguments_raise_torchs_error(call, message):
    x = minigrad.randn(2, 3, 5, 5)
    with pytest.raises(RuntimeError, match=message):
        call(x)


def test_torch_raises_the_same_type_on_bad_arguments():
    torch = pytest.importorskip("torch")
    x = torch.randn(2, 3, 5, 5)
    for call in (
        lambda: torch.nn.functional.max_pool2d(x, 2, padding=2),
        lambda: torch.nn.functional.max_pool2d(x, 7),
        lambda: torch.nn.functional.max_pool2d(x, 2, stride=0),
    ):
        with pytest.raises(RuntimeError):
            call()


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8"])
def test_integer_max_pooling_matches_torch(dtype):
    """torch's max_pool2d/3d take integer tensors (the maxima and their first positions, exactly)."""
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(0).integers(0, 4, (2, 3, 5, 6)).astype(dtype)  # small values: many ties
    if dtype == "int64":
        data = data + 2**62  # neighbours float64 cannot tell apart
    for pool in (
        lambda lib, x: lib.nn.functional.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, return_indices=True),
        lambda lib, x: lib.nn.functional.max_pool3d(x[None], (1, 2, 2), return_indices=True),
    ):
        ours, theirs = pool(minigrad, minigrad.tensor(data)), pool(torch, torch.tensor(data))
        for o, t in zip(ours, theirs):
            np.testing.assert_array_equal(o.numpy(), t.numpy())
            assert o.numpy().dtype == t.numpy().dtype


def test_integer_input_is_refused_where_torch_refuses_it():
    x = minigrad.tensor(np.zeros((1, 1, 4, 4), np.int32))
    for call, name in (
        (lambda: F.max_pool1d(x[0], 2), "max_pool1d"),
        (lambda: F.avg_pool2d(x, 2), "avg_pool2d"),
        (lambda: F.adaptive_max_pool2d(x, 1), "adaptive_max_pool2d"),
    ):
        with pytest.raises(NotImplementedError, match=name):
            call()


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
        lambda lib: lib.nn.MaxPool2d((2, 3), return_indices=True),
        lambda lib: lib.nn.MaxPool1d(3, dilation=2),
        lambda lib: lib.nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False, divisor_override=4),
        lambda lib: lib.nn.AvgPool1d(3, padding=1),
        lambda lib: lib.nn.AdaptiveAvgPool2d((2, None)),
        lambda lib: lib.nn.AdaptiveAvgPool1d(2),
        lambda lib: lib.nn.AdaptiveMaxPool2d(3, return_indices=True),
        lambda lib: lib.nn.AdaptiveMaxPool1d(2),
        lambda lib: lib.nn.MaxPool3d((2, 3, 2), stride=1, padding=1, return_indices=True),
        lambda lib: lib.nn.AvgPool3d(3, stride=2, padding=1, ceil_mode=True, divisor_override=4),
        lambda lib: lib.nn.AdaptiveAvgPool3d((2, None, 3)),
        lambda lib: lib.nn.AdaptiveMaxPool3d(2, return_indices=True),
    ],
)
def test_modules_match_torch(make, rng):
    torch = pytest.importorskip("torch")
    ours, theirs = make(minigrad), make(torch)
    assert repr(ours) == repr(theirs)
    shape = {"1d": (2, 3, 9), "2d": (2, 3, 9, 8), "3d": (2, 3, 5, 9, 8)}[type(theirs).__name__[-2:]]
    x = rng.standard_normal(shape)
    ours_out, theirs_out = ours(minigrad.tensor(x)), theirs(torch.tensor(x))
    if isinstance(theirs_out, tuple):
        np.testing.assert_array_equal(ours_out[1].numpy(), theirs_out[1].numpy())
        ours_out, theirs_out = ours_out[0], theirs_out[0]
    np.testing.assert_allclose(ours_out.numpy(), theirs_out.numpy(), rtol=1e-12, atol=1e-12)
    assert not list(ours.parameters()) and not ours.state_dict()


@pytest.mark.parametrize("name, args", [("max_pool2d", (2,)), ("avg_pool2d", (2,)), ("adaptive_avg_pool2d", (1,))])
def test_input_gradient_is_handed_over_without_a_copy(name, args, rng):
    """The backward allocates the gradient in the input's shape (the kernel writes through a view), so a leaf's
    .grad takes that array as it is; the window geometry is cached, read-only, and gives the same result again."""
    x = minigrad.tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    first = getattr(F, name)(x, *args)
    first.sum().backward()
    assert x.grad._data.flags.owndata and x.grad._data.flags.c_contiguous
    again = getattr(F, name)(x.detach(), *args)
    np.testing.assert_array_equal(again.numpy(), first.detach().numpy())
