"""interpolate / Upsample, grid_sample / affine_grid and linear_cross_entropy against torch: values and gradients in
float32 and float64 over every mode and option, torch's exceptions for bad arguments, gradcheck and gradgradcheck
in float64, and linear_cross_entropy's memory bound (tracemalloc: NumPy reports its buffers to it)."""

import contextlib
import itertools
import tracemalloc

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

TOLERANCE = {np.float32: 2e-5, np.float64: 1e-10}


def _pair(array, requires_grad=True):
    return minigrad.tensor(array, requires_grad=requires_grad), torch.tensor(array, requires_grad=requires_grad)


def _close(ours, theirs, dtype, scale=1.0):
    tol = TOLERANCE[dtype] * scale
    np.testing.assert_allclose(ours._data, theirs.detach().numpy(), rtol=tol, atol=tol)


def _run_both(ours_fn, theirs_fn, arrays, dtype, seed=0):
    """Forward both, backward a random upstream gradient; compare the outputs and every input's gradient."""
    pairs = [_pair(a) for a in arrays]
    ours = ours_fn(*[p[0] for p in pairs])
    theirs = theirs_fn(*[p[1] for p in pairs])
    assert ours.shape == tuple(theirs.shape)
    _close(ours, theirs, dtype)
    upstream = np.random.default_rng(seed).standard_normal(theirs.shape).astype(dtype)
    ours.backward(minigrad.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    for mine, reference in pairs:
        if reference.grad is not None:
            assert mine.grad is not None
            _close(mine.grad, reference.grad, dtype, scale=10)
    return ours, theirs


# ------------------------------------------------------------------------------------------------------ interpolate
MODES = [
    ("nearest", 3),
    ("nearest", 4),
    ("nearest", 5),
    ("nearest-exact", 3),
    ("nearest-exact", 4),
    ("linear", 3),
    ("bilinear", 4),
    ("bicubic", 4),
    ("trilinear", 5),
    ("area", 3),
    ("area", 4),
    ("area", 5),
]
SIZES = [
    {"size": 7},
    {"size": 1},
    {"scale_factor": 2},
    {"scale_factor": 0.5},
    {"scale_factor": 1.7},
    {"scale_factor": 0.37},
    {"scale_factor": 1.7, "recompute_scale_factor": True},
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("mode,rank", MODES, ids=[f"{m}-{r}d" for m, r in MODES])
def test_interpolate_matches_torch(mode, rank, dtype):
    rng = np.random.default_rng(rank)
    corners = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
    for spec, align_corners in itertools.product(SIZES, corners):
        low = 3 if spec.get("scale_factor", 1) < 1 else 1
        x = rng.standard_normal((2, 3) + tuple(rng.integers(low, 8, rank - 2))).astype(dtype)
        kwargs = dict(spec, mode=mode, align_corners=align_corners)
        ours, theirs = _run_both(
            lambda t: F.interpolate(t, **kwargs), lambda t: TF.interpolate(t, **kwargs), [x], dtype
        )
        if mode.startswith("nearest"):  # a gather: bit for bit
            np.testing.assert_array_equal(ours._data, theirs.detach().numpy())


def test_interpolate_non_contiguous_and_size_tuple():
    x = np.random.default_rng(0).standard_normal((2, 5, 4, 3)).transpose(0, 1, 3, 2)
    for mode in ("bilinear", "bicubic", "nearest", "area"):
        extra = {"align_corners": True} if mode in ("bilinear", "bicubic") else {}
        _run_both(
            lambda t: F.interpolate(t, size=(5, 2), mode=mode, **extra),
            lambda t: TF.interpolate(t, size=(5, 2), mode=mode, **extra),
            [x],
            np.float64,
        )


@pytest.mark.parametrize(
    "args,kwargs",
    [
        ((np.zeros((1, 2, 4)),), {"size": 3, "scale_factor": 2.0}),
        ((np.zeros((1, 2, 4)),), {}),
        ((np.zeros((1, 2, 4)),), {"size": 3, "align_corners": True}),
        ((np.zeros((1, 2, 4)),), {"size": (3, 3)}),
        ((np.zeros((1, 2, 4)),), {"scale_factor": (2.0, 2.0)}),
        ((np.zeros((1, 2, 4)),), {"size": 3, "recompute_scale_factor": True}),
        ((np.zeros((1, 2, 4)),), {"size": 3, "mode": "bilinear"}),
        ((np.zeros((1, 2, 4, 4)),), {"size": 3, "mode": "trilinear"}),
        ((np.zeros((1, 2, 4, 4, 4)),), {"size": 3, "mode": "bicubic"}),
        ((np.zeros((1, 2, 4)),), {"size": 3, "mode": "cubic"}),
        ((np.zeros((1, 2, 4)),), {"size": 0}),
        ((np.zeros((1, 2, 4)),), {"scale_factor": 0.1, "mode": "linear"}),
        ((np.zeros((1, 0, 4)),), {"size": 3}),
        ((np.zeros((1, 2, 4, 4)),), {"size": 3, "mode": "nearest", "antialias": True}),
        ((np.zeros((1, 2, 4)),), {"size": (3.5,)}),
    ],
)
def test_interpolate_errors_match_torch(args, kwargs):
    with pytest.raises(Exception) as expected:
        TF.interpolate(torch.tensor(args[0]), **kwargs)
    with pytest.raises(type(expected.value)) as raised:
        F.interpolate(minigrad.tensor(args[0]), **kwargs)
    assert str(raised.value).split(",")[0] == str(expected.value).split(",")[0]


@pytest.mark.parametrize(
    "mode,shape,kwargs",
    [
        ("nearest", (1, 2, 3), {"scale_factor": 1.5}),
        ("linear", (1, 2, 4), {"size": 6, "align_corners": False}),
        ("bilinear", (1, 1, 3, 2), {"size": (2, 5), "align_corners": True}),
        ("bicubic", (1, 1, 3, 4), {"scale_factor": 1.5}),
        ("trilinear", (1, 1, 2, 2, 3), {"size": (3, 2, 2)}),
        ("area", (1, 2, 5, 3), {"size": (2, 2)}),
    ],
)
def test_interpolate_gradcheck(mode, shape, kwargs):
    x = minigrad.tensor(np.random.default_rng(1).standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda t: F.interpolate(t, mode=mode, **kwargs), (x,))
    assert gradgradcheck(lambda t: F.interpolate(t, mode=mode, **kwargs), (x,))


def test_upsample_modules_match_torch():
    x = np.random.default_rng(2).standard_normal((2, 3, 4, 5))
    modules = [
        ({"scale_factor": 2}, "Upsample"),
        ({"size": (3, 7), "mode": "bilinear", "align_corners": True}, "Upsample"),
        ({"scale_factor": (1.5, 0.5), "mode": "bicubic", "recompute_scale_factor": True}, "Upsample"),
        ({"scale_factor": 2}, "UpsamplingNearest2d"),
        ({"size": 6}, "UpsamplingBilinear2d"),
    ]
    for kwargs, name in modules:
        ours, theirs = getattr(minigrad.nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
        assert repr(ours) == repr(theirs)
        _run_both(ours, theirs, [x], np.float64)


def test_deprecated_upsample_functions_match_torch():
    x = np.random.default_rng(3).standard_normal((1, 2, 3, 4))
    with pytest.warns(UserWarning):
        expected = TF.upsample_bilinear(torch.tensor(x), scale_factor=2)
    np.testing.assert_allclose(F.upsample_bilinear(minigrad.tensor(x), scale_factor=2)._data, expected.numpy())
    with pytest.warns(UserWarning):
        expected = TF.upsample_nearest(torch.tensor(x), size=(5, 5))
    np.testing.assert_array_equal(F.upsample_nearest(minigrad.tensor(x), size=(5, 5))._data, expected.numpy())
    with pytest.warns(UserWarning):
        expected = TF.upsample(torch.tensor(x), size=3, mode="bicubic", align_corners=False)
    np.testing.assert_allclose(F.upsample(minigrad.tensor(x), size=3, mode="bicubic")._data, expected.numpy())


# ------------------------------------------------------------------------------------------------------ grid_sample
GRID_CASES = [
    (dims, mode, padding, align)
    for dims in (2, 3)
    for mode in ("bilinear", "nearest", "bicubic")
    for padding in ("zeros", "border", "reflection")
    for align in (False, True)
    if not (mode == "bicubic" and dims == 3)
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("dims,mode,padding,align", GRID_CASES)
def test_grid_sample_matches_torch(dims, mode, padding, align, dtype):
    rng = np.random.default_rng(dims * 7 + len(mode))
    x = rng.standard_normal((2, 3) + tuple(rng.integers(1, 6, dims))).astype(dtype)
    grid = (rng.random((2,) + tuple(rng.integers(1, 5, dims)) + (dims,)) * 3.4 - 1.7).astype(dtype)
    kwargs = {"mode": mode, "padding_mode": padding, "align_corners": align}
    _run_both(lambda a, g: F.grid_sample(a, g, **kwargs), lambda a, g: TF.grid_sample(a, g, **kwargs), [x, grid], dtype)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
def test_grid_sample_gradcheck(mode, padding):
    rng = np.random.default_rng(4)
    x = minigrad.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    # points away from pixel centres and borders, where the sampling is smooth in the grid
    grid = minigrad.tensor(rng.random((1, 2, 3, 2)) * 1.6 - 0.8, requires_grad=True)
    for align in (False, True):
        if mode == "nearest":  # piecewise constant in the grid: only the input's derivatives
            assert gradcheck(lambda a: F.grid_sample(a, grid, mode=mode, padding_mode=padding, align_corners=align), x)
            continue
        inputs = (x, grid)
        assert gradcheck(lambda a, g: F.grid_sample(a, g, mode=mode, padding_mode=padding, align_corners=align), inputs)
        assert gradgradcheck(
            lambda a, g: F.grid_sample(a, g, mode=mode, padding_mode=padding, align_corners=align), inputs
        )


@pytest.mark.parametrize(
    "shapes,kwargs",
    [
        (((1, 1, 3, 3), (2, 2, 2, 2)), {}),
        (((1, 1, 3, 3), (1, 2, 2, 3)), {}),
        (((1, 1, 3, 3, 3), (1, 2, 2, 2, 3)), {"mode": "bicubic"}),
        (((1, 1, 0, 3), (1, 2, 2, 2)), {}),
        (((1, 1, 3, 3), (1, 2, 2, 2)), {"mode": "linear"}),
        (((1, 1, 3, 3), (1, 2, 2, 2)), {"padding_mode": "circular"}),
    ],
)
def test_grid_sample_errors_match_torch(shapes, kwargs):
    arrays = [np.zeros(s, np.float32) for s in shapes]
    with pytest.raises(Exception) as expected:
        TF.grid_sample(*map(torch.tensor, arrays), align_corners=False, **kwargs)
    with pytest.raises(type(expected.value), match=str(expected.value)[:40].replace("(", r"\(").replace(")", r"\)")):
        F.grid_sample(*map(minigrad.tensor, arrays), align_corners=False, **kwargs)


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 3, 4, 5), (1, 1, 1, 1), (1, 2, 1, 3)])
@pytest.mark.parametrize("align", [False, True])
def test_affine_grid_matches_torch(size, align):
    theta = np.random.default_rng(5).standard_normal((size[0], len(size) - 2, len(size) - 1))
    with pytest.warns(UserWarning) if align and 1 in size[2:] else contextlib.nullcontext():
        _run_both(
            lambda t: F.affine_grid(t, size, align_corners=align),
            lambda t: TF.affine_grid(t, size, align_corners=align),
            [theta],
            np.float64,
        )
    t = minigrad.tensor(theta, requires_grad=True)
    assert gradcheck(lambda a: F.affine_grid(a, size, align_corners=align), (t,))


@pytest.mark.parametrize(
    "theta,size",
    [
        (np.zeros((1, 2, 3), np.int64), (1, 1, 2, 2)),
        (np.zeros((1, 3, 3)), (1, 1, 2, 2)),
        (np.zeros((1, 2, 3)), (1, 1, 2, 2, 2)),
        (np.zeros((1, 2, 3)), (1, 1, 2)),
        (np.zeros((1, 2, 3)), (1, 1, 0, 2)),
    ],
)
def test_affine_grid_errors_match_torch(theta, size):
    with pytest.raises(Exception) as expected:
        TF.affine_grid(torch.tensor(theta), size, align_corners=False)
    with pytest.raises(type(expected.value)):
        F.affine_grid(minigrad.tensor(theta), size, align_corners=False)


# ---------------------------------------------------------------------------------------------- linear_cross_entropy
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_linear_cross_entropy_matches_torch(reduction, dtype):
    rng = np.random.default_rng(6)
    hidden, classes = 5, 11
    for rows, bias, weighted, smoothing, chunk in itertools.product(
        (0, 1, 33), (False, True), (False, True), (0.0, 0.1), (None, 4)
    ):
        x, w = rng.standard_normal((rows, hidden)).astype(dtype), rng.standard_normal((classes, hidden)).astype(dtype)
        b, class_weight = rng.standard_normal(classes).astype(dtype), (rng.random(classes) + 0.5).astype(dtype)
        target = rng.integers(0, classes, rows)
        target[: rows // 4] = -100
        options = None if chunk is None else minigrad.nn.LinearCrossEntropyOptions(batch_chunk_size=chunk)

        def ours(a, m, c):
            return F.linear_cross_entropy(
                a, m, minigrad.tensor(target), linear_bias=c if bias else None,
                weight=minigrad.tensor(class_weight) if weighted else None, reduction=reduction,
                label_smoothing=smoothing, options=options,
            )  # fmt: skip

        def theirs(a, m, c):
            return TF.linear_cross_entropy(
                a, m, torch.tensor(target), linear_bias=c if bias else None,
                weight=torch.tensor(class_weight) if weighted else None, reduction=reduction,
                label_smoothing=smoothing,
            )  # fmt: skip

        with np.errstate(invalid="ignore"):
            pairs = [_pair(a) for a in (x, w, b)]
            mine, reference = ours(*[p[0] for p in pairs]), theirs(*[p[1] for p in pairs])
            np.testing.assert_allclose(mine._data, reference.detach().numpy(), rtol=TOLERANCE[dtype], atol=1e-6)
            upstream = rng.standard_normal(reference.shape).astype(dtype)
            mine.backward(minigrad.tensor(upstream))
            reference.backward(torch.tensor(upstream))
            for (m, t), used in zip(pairs, (True, True, bias)):
                if used:
                    tol = 10 * TOLERANCE[dtype]
                    np.testing.assert_allclose(m.grad._data, t.grad.numpy(), rtol=tol, atol=tol)


def test_linear_cross_entropy_reference_cases_match_torch():
    """Unbatched input, K-dimensional weights and probability targets (the reference formula)."""
    rng = np.random.default_rng(7)
    cases = [
        (rng.standard_normal(5), rng.standard_normal((7, 5)), np.array(3), {}),
        (rng.standard_normal(5), rng.standard_normal((7, 5)), np.array(3), {"reduction": "none"}),
        (rng.standard_normal((4, 5)), rng.standard_normal((7, 3, 5)), rng.integers(0, 7, (4, 3)), {}),
        (rng.standard_normal((4, 5)), rng.standard_normal((7, 5)), rng.dirichlet(np.ones(7), 4), {}),
    ]
    for x, w, target, kwargs in cases:
        _run_both(
            lambda a, m: F.linear_cross_entropy(a, m, minigrad.tensor(target), **kwargs),
            lambda a, m: TF.linear_cross_entropy(a, m, torch.tensor(target), **kwargs),
            [x, w],
            np.float64,
        )


def test_linear_cross_entropy_twice_differentiable():
    rng = np.random.default_rng(8)
    x = minigrad.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = minigrad.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    b = minigrad.tensor(rng.standard_normal(5), requires_grad=True)
    target = minigrad.tensor(np.array([0, 4, -100]))
    for reduction in ("mean", "none"):

        def loss(a, m, c, reduction=reduction):
            return F.linear_cross_entropy(a, m, target, linear_bias=c, reduction=reduction, label_smoothing=0.2)

        assert gradcheck(loss, (x, w, b))
        assert gradgradcheck(loss, (x, w, b))


def test_linear_cross_entropy_retained_graph_backward_twice():
    rng = np.random.default_rng(9)
    x = minigrad.tensor(rng.standard_normal((6, 4)), requires_grad=True)
    w = minigrad.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    loss = F.linear_cross_entropy(x, w, minigrad.tensor(rng.integers(0, 5, 6)))
    loss.backward(retain_graph=True)
    first = x.grad._data.copy()
    loss.backward()
    np.testing.assert_allclose(x.grad._data, 2 * first)


@pytest.mark.parametrize(
    "shapes,kwargs",
    [
        (((2, 3, 5), (7, 5), (2,)), {}),
        (((2, 5), (7, 4), (2,)), {}),
        (((2, 5), (5,), (2,)), {}),
        (((2, 5), (7, 5), (3,)), {}),
        (((5,), (7, 2, 5), (2,)), {}),
        (((2, 5), (7, 5), (2, 7)), {"ignore_index": 1}),
    ],
)
def test_linear_cross_entropy_errors_match_torch(shapes, kwargs):
    x, w, target = (np.zeros(shapes[0]), np.zeros(shapes[1]), np.zeros(shapes[2]))
    target = target if len(shapes[2]) == 2 and shapes[2][1] == 7 else target.astype(np.int64)
    with pytest.raises(Exception) as expected:
        TF.linear_cross_entropy(*map(torch.tensor, (x, w, target)), **kwargs)
    with pytest.raises(type(expected.value), match=str(expected.value)[:30].replace("(", r"\(").replace(")", r"\)")):
        F.linear_cross_entropy(*map(minigrad.tensor, (x, w, target)), **kwargs)


def test_linear_cross_entropy_options_validate_like_torch():
    for kwargs in ({"acc_policy": "fast"}, {"chunking_method": "rows"}, {"batch_chunk_size": 0}):
        with pytest.raises(ValueError):
            torch.nn.LinearCrossEntropyOptions(**kwargs)
        with pytest.raises(ValueError):
            minigrad.nn.LinearCrossEntropyOptions(**kwargs)
    for rows, hidden, classes, method in ((4096, 512, 32000, "aspect_ratio:2"), (100, 8, 50, "aspect_ratio")):
        ours = minigrad.nn.LinearCrossEntropyOptions(chunking_method=method)
        theirs = torch.nn.LinearCrossEntropyOptions(chunking_method=method)._adjust(
            rows, hidden, classes, torch.float32
        )
        assert ours.chunk_size(rows, hidden, classes) == theirs.batch_chunk_size
    with pytest.raises(ValueError, match="pass only one"):
        minigrad.nn.LinearCrossEntropyOptions(batch_chunk_size=3, chunking_method="aspect_ratio").chunk_size(
            4096, 512, 32000
        )


def test_linear_cross_entropy_peak_memory_is_an_eighth_of_the_logits():
    """Extra memory of a forward + backward (beyond the returned gradients) with chunks of N/16 rows, against the
    whole float32 logits: at most 1/8 (deterministic: the buffers are the chunk's logits, a 32-row kernel buffer
    and a block of the weight gradient)."""
    rows, hidden, classes = 2048, 32, 2000
    rng = np.random.default_rng(10)
    x = minigrad.tensor(rng.standard_normal((rows, hidden), dtype=np.float32), requires_grad=True)
    w = minigrad.tensor(rng.standard_normal((classes, hidden), dtype=np.float32), requires_grad=True)
    target = minigrad.tensor(rng.integers(0, classes, rows))
    options = minigrad.nn.LinearCrossEntropyOptions(batch_chunk_size=rows // 16)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        F.linear_cross_entropy(x, w, target, options=options).backward()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    extra = peak - x.grad._data.nbytes - w.grad._data.nbytes
    assert extra <= rows * classes * 4 / 8


def test_linear_cross_entropy_loss_module_matches_torch():
    rng = np.random.default_rng(11)
    for out_features, bias in (((), True), ((2,), False)):
        theirs = torch.nn.LinearCrossEntropyLoss(5, 7, out_features=out_features, bias=bias, label_smoothing=0.1)
        ours = minigrad.nn.LinearCrossEntropyLoss(5, 7, out_features=out_features, bias=bias, label_smoothing=0.1)
        assert repr(ours) == repr(theirs)
        ours.load_state_dict({k: minigrad.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
        x = rng.standard_normal((4, 5)).astype(np.float32)
        target = rng.integers(0, 7, (4,) + out_features)
        mine, reference = (
            ours(minigrad.tensor(x), minigrad.tensor(target)),
            theirs(torch.tensor(x), torch.tensor(target)),
        )
        np.testing.assert_allclose(mine._data, reference.detach().numpy(), rtol=1e-5)
        mine.backward()
        reference.backward()
        np.testing.assert_allclose(
            ours.linear.weight.grad._data, theirs.linear.weight.grad.numpy(), rtol=1e-4, atol=1e-6
        )
    with pytest.raises(RuntimeError, match="label_smoothing"):
        minigrad.nn.LinearCrossEntropyLoss(5, 7, label_smoothing=1.5)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("shape", [(2, 3, 5), (1, 2, 4, 3), (1, 1, 3, 2, 4)], ids=["1d", "2d", "3d"])
def test_interpolate_nearest_keeps_uint8_like_torch(shape, mode):
    """The nearest modes copy values, so torch's CPU kernels take uint8 (regression: minigrad raised)."""
    x = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    for kwargs in ({"scale_factor": 1.7}, {"size": tuple(s + 2 for s in shape[2:])}):
        ours = F.interpolate(minigrad.tensor(x), mode=mode, **kwargs)
        theirs = TF.interpolate(torch.tensor(x), mode=mode, **kwargs)
        assert ours.dtype == minigrad.uint8
        np.testing.assert_array_equal(ours._data, theirs.numpy())


@pytest.mark.parametrize(
    "dtype,shape,mode",
    [
        (np.int8, (1, 1, 3), "nearest"),
        (np.int64, (1, 1, 3, 3), "nearest-exact"),
        (np.int64, (1, 1, 3), "linear"),
        (np.uint8, (1, 1, 3, 3, 3), "trilinear"),
        (np.int8, (1, 1, 3, 3), "bicubic"),
        (np.uint8, (1, 1, 3, 3), "area"),
        (np.int16, (1, 1, 3, 3, 3), "area"),
    ],
)
def test_interpolate_integer_errors_match_torch(dtype, shape, mode):
    """torch's exception type and dtype name (the kernel it names also depends on the memory layout)."""
    x = np.ones(shape, dtype)
    with pytest.raises(NotImplementedError) as expected:
        TF.interpolate(torch.tensor(x), size=5, mode=mode)
    with pytest.raises(NotImplementedError) as raised:
        F.interpolate(minigrad.tensor(x), size=5, mode=mode)
    assert str(raised.value).split('"')[-1] == str(expected.value).split('"')[-1]
