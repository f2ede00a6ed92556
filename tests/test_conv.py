"""Convolution: the im2col/col2im kernels against their NumPy twins, F.conv*/unfold/fold/pad and the Conv modules
against torch (values, gradients, errors, reprs, init, state dicts, module_db's ModuleInfos), the fused Conv node
against its composite, and gradcheck/gradgradcheck in float64."""

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad._kernels import im2col as kernel
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.ops import conv as conv_ops
from minigrad.ops.conv import Conv, Window
from tests.reference import im2col as reference

DTYPES = [np.float32, np.float64]
TOLERANCE = {np.float32: dict(rtol=1e-4, atol=1e-4), np.float64: dict(rtol=1e-10, atol=1e-10)}


def _torch():
    return pytest.importorskip("torch")


def _geometries(count, seed=0, plane=False):
    """Random 3-D window geometries (with asymmetric trailing padding) whose output is not empty; with ``plane``,
    2-D ones (a trivial leading dim), mostly with stride 1, and padding up to 4, which the kernels' per-tap plane
    paths take (rows of equal length included, and padding wider than the kernel reaches); a third of them have
    rows 16 to 39 wide, past the padded-plane path for short rows."""
    rng = np.random.default_rng(seed)
    found = []
    while len(found) < count:
        spatial, kernel_size = rng.integers(1, 7, 3), rng.integers(1, 4, 3)
        stride, dilation = rng.integers(1, 3, 3), rng.integers(1, 3, 3)
        before, after = rng.integers(0, 3, 3), rng.integers(0, 3, 3)
        if plane:
            spatial[0], kernel_size[0], before[0], after[0] = 1, 1, 0, 0
            stride[0], before[1:], after[1:] = 1, rng.integers(0, 5, 2), rng.integers(0, 5, 2)
            stride[1:] = rng.integers(1, 3, 2) if rng.random() < 0.3 else 1
            if rng.random() < 0.3:
                spatial[2] = rng.integers(16, 40)
            if rng.random() < 0.5:  # 'same': as many output as input columns
                after[2] = max(0, dilation[2] * (kernel_size[2] - 1) - before[2])
                before[2] = dilation[2] * (kernel_size[2] - 1) - after[2]
        out = (spatial + before + after - dilation * (kernel_size - 1) - 1) // stride + 1
        if out.min() > 0:
            found.append(tuple(tuple(int(v) for v in a) for a in (spatial, kernel_size, stride, before, dilation, out)))
    return found


# ------------------------------------------------------------------------------------------------ kernels
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("plane", [False, True])
def test_kernels_match_reference_in_both_layouts(dtype, threads, plane):
    rng = np.random.default_rng(1)
    for spatial, k, stride, padding, dilation, out in _geometries(60, plane=plane):
        x = rng.standard_normal((2, 3) + spatial).astype(dtype)
        expected = reference.im2col(x, k, stride, padding, dilation, out)
        cols = np.full(expected.shape, 7, dtype)  # (C K, N, L): the layout Conv multiplies
        kernel.im2col(x, cols, k, stride, padding, dilation, out, threads)
        np.testing.assert_array_equal(cols, expected)
        unfold_layout = np.full((2,) + expected.shape[:1] + expected.shape[2:], 7, dtype)  # (N, C K, L)
        kernel.im2col(x, unfold_layout.transpose(1, 0, 2), k, stride, padding, dilation, out, threads)
        np.testing.assert_array_equal(unfold_layout.transpose(1, 0, 2), expected)
        grad = rng.standard_normal(expected.shape).astype(dtype)
        back = np.full(x.shape, 5, dtype)
        kernel.col2im(grad, back, k, stride, padding, dilation, out, threads)
        np.testing.assert_allclose(
            back, reference.col2im(grad, x.shape, k, stride, padding, dilation, out), **TOLERANCE[dtype]
        )
        # adjoint: <im2col(x), g> == <x, col2im(g)>
        assert np.isclose(np.vdot(expected, grad), np.vdot(x, back), rtol=1e-4)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("plane", [False, True])
def test_depthwise_kernels_match_the_columns(dtype, threads, plane):
    """The direct depthwise kernels against im2col's reference: ``y = Σ_tap w cols + b``, its adjoint, and
    ``dW = Σ g cols`` (the unit-stride planes take the padded-plane path)."""
    rng = np.random.default_rng(2)
    for spatial, k, stride, padding, dilation, out in _geometries(40, seed=3, plane=plane):
        x = rng.standard_normal((2, 3) + spatial).astype(dtype)
        taps, positions = int(np.prod(k)), int(np.prod(out))
        w, b = rng.standard_normal((3, taps)).astype(dtype), rng.standard_normal(3).astype(dtype)
        cols = reference.im2col(x, k, stride, padding, dilation, out).reshape(3, taps, 2, positions)
        result = np.full((2, 3, positions), 7, dtype)
        kernel.depthwise(x, w, b, result, k, stride, padding, dilation, out, threads)
        np.testing.assert_allclose(result, np.einsum("ck,cknl->ncl", w, cols) + b[:, None], **TOLERANCE[dtype])
        grad = rng.standard_normal((2, 3, positions)).astype(dtype)
        grad_x = np.full(x.shape, 5, dtype)
        kernel.depthwise_input_grad(grad, w, grad_x, k, stride, padding, dilation, out, threads)
        spread = np.einsum("ck,ncl->cknl", w, grad).reshape(3 * taps, 2, positions)
        expected = reference.col2im(spread, x.shape, k, stride, padding, dilation, out)
        np.testing.assert_allclose(grad_x, expected, **TOLERANCE[dtype])
        grad_w = np.full((3, taps), 5, dtype)
        kernel.depthwise_weight_grad(x, grad, grad_w, k, stride, padding, dilation, out, threads)
        np.testing.assert_allclose(grad_w, np.einsum("ncl,cknl->ck", grad, cols), **TOLERANCE[dtype])


def test_kernel_rejects_columns_strided_along_their_last_axis():
    x = np.zeros((1, 1, 1, 3, 3))
    cols = np.zeros((4, 1, 8))[:, :, ::2]
    with pytest.raises(ValueError, match="contiguous"):
        kernel.im2col(x, cols, (1, 2, 2), (1, 1, 1), (0, 0, 0), (1, 1, 1), (1, 2, 2), 1)


# ------------------------------------------------------------------------------------------------ F.conv*
CONV_CASES = [
    ("conv2d", (2, 4, 7, 6), (6, 4, 3, 3), {}),
    ("conv2d", (2, 4, 7, 6), (6, 2, 3, 2), dict(groups=2, stride=(2, 1), padding=(1, 2), dilation=(1, 2))),
    ("conv2d", (2, 4, 7, 6), (8, 1, 3, 3), dict(groups=4, padding="same")),  # depthwise, multiplier 2
    ("conv2d", (2, 4, 7, 6), (4, 1, 2, 4), dict(groups=4, padding="same", dilation=2)),  # even kernel: asymmetric
    ("conv2d", (3, 7, 6), (5, 3, 3, 3), dict(padding="valid", stride=2)),  # unbatched
    ("conv2d", (37, 3, 9, 9), (4, 3, 3, 3), dict(padding=1)),
    ("conv2d", (0, 4, 7, 6), (6, 4, 3, 3), {}),  # empty batch
    ("conv1d", (2, 4, 9), (3, 4, 3), dict(padding=2, stride=3)),
    ("conv1d", (4, 9), (3, 4, 3), dict(padding="same", dilation=3)),
    ("conv1d", (2, 6, 9), (6, 2, 4), dict(groups=3, padding=1)),
    ("conv3d", (2, 2, 5, 6, 4), (3, 2, 2, 3, 2), dict(stride=(1, 2, 1), padding=1)),
    ("conv3d", (2, 5, 6, 4), (4, 2, 1, 2, 3), dict(padding="same")),
    # depthwise (one filter per channel: the direct kernels), strided, dilated, padded wider than the kernel
    ("conv2d", (3, 5, 9, 8), (5, 1, 3, 3), dict(groups=5, stride=2, padding=(2, 1), dilation=(1, 2))),
    ("conv2d", (37, 6, 9, 9), (6, 1, 3, 3), dict(groups=6, padding=1)),
    ("conv1d", (2, 3, 11), (3, 1, 5), dict(groups=3, padding=3, stride=2)),
    ("conv3d", (2, 2, 4, 5, 6), (2, 1, 2, 3, 3), dict(groups=2, padding=(0, 1, 2), stride=(1, 2, 1))),
    ("conv3d", (2, 2, 1, 5, 5), (3, 2, 3, 3, 3), dict(padding=1)),  # one plane deep: the taps off it read zeros
    ("conv3d", (2, 2, 1, 5, 5), (3, 2, 1, 3, 3), dict(padding=1, stride=3)),  # (its one output plane reads padding)
    ("conv3d", (2, 2, 1, 5, 5), (2, 1, 3, 3, 3), dict(groups=2, padding=1)),
    # one output channel per group over several inputs: the depthwise kernels and a sum over the group
    ("conv2d", (3, 5, 8, 7), (1, 5, 3, 3), dict(padding=1)),
    ("conv2d", (2, 6, 7, 6), (3, 2, 2, 3), dict(groups=3, padding="same", dilation=(2, 1))),
    ("conv1d", (2, 4, 9), (1, 4, 5), dict(padding=1)),
    ("conv2d", (3, 5, 8, 7), (1, 5, 3, 3), dict(padding=1, stride=2)),  # (strided: through the columns)
]


def _parity(function, x_shape, w_shape, kwargs, dtype, bias=True, seed=0, oracle_dtype=None):
    """Values and gradients against torch's, computed in ``oracle_dtype`` (default: ``dtype``)."""
    torch = _torch()
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[:1])]
    arrays = [a.astype(dtype) for a in arrays[: 3 if bias else 2]]
    ours = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.astype(oracle_dtype or dtype), requires_grad=True) for a in arrays]
    result = getattr(F, function)(*ours, **kwargs)
    expected = getattr(torch.nn.functional, function)(*theirs, **kwargs)
    assert result.shape == tuple(expected.shape)
    np.testing.assert_allclose(result._data, expected.detach().numpy(), **TOLERANCE[dtype])
    upstream = rng.standard_normal(expected.shape).astype(dtype)
    result.backward(minigrad.tensor(upstream))
    expected.backward(torch.tensor(upstream.astype(oracle_dtype or dtype)))
    for mine, torchs in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad._data, torchs.grad.numpy(), **TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: f"{c[0]}{c[1]}{c[3]}")
def test_conv_matches_torch(case, dtype):
    _parity(*case, dtype)


def test_conv_without_bias_matches_torch():
    _parity("conv2d", (2, 3, 5, 5), (4, 3, 2, 2), dict(padding=1), np.float32, bias=False)


def _conv_inputs(x_shape, w_shape, seed=0):
    rng = np.random.default_rng(seed)
    return [
        minigrad.tensor(rng.standard_normal(shape), requires_grad=True) for shape in (x_shape, w_shape, w_shape[:1])
    ]


@pytest.mark.parametrize(
    "case",
    [CONV_CASES[i] for i in (1, 3, 7, 9, 12, 14, 15, 19, 20)],
    ids=lambda c: f"{c[0]}{c[3]}",
)
def test_conv_gradcheck_and_gradgradcheck(case):
    function, x_shape, w_shape, kwargs = case
    inputs = _conv_inputs(x_shape, w_shape)

    def call(x, w, b):
        return getattr(F, function)(x, w, b, **kwargs)

    assert gradcheck(call, inputs)
    assert gradgradcheck(call, inputs)


def assert_matches_composite(node, inputs, **options):
    """``node``'s NumPy forward and first-order backward against its ``composite`` (float64)."""
    fused = node.apply(*inputs, **options)
    composite = node().composite(*inputs, **options)
    np.testing.assert_allclose(fused._data, composite._data, rtol=1e-12, atol=1e-12)
    upstream = minigrad.tensor(np.random.default_rng(3).standard_normal(fused.shape))
    fused_grads = minigrad.autograd.grad(fused, inputs, upstream)
    composite_grads = minigrad.autograd.grad(composite, inputs, upstream)
    for mine, oracle in zip(fused_grads, composite_grads):
        np.testing.assert_allclose(mine._data, oracle._data, rtol=1e-12, atol=1e-12)


def test_fused_conv_matches_its_composite():
    """The NumPy forward and first-order backward of Conv against Unfold + matmul + reshape."""
    window = Window((3, 2), (2, 1), (1, 0), (1, 2), (6, 5), (3, 3))
    assert_matches_composite(Conv, _conv_inputs((3, 4, 6, 5), (6, 2, 3, 2)), window=window, groups=2)


def test_conv_in_several_blocks_of_images_matches_one_block(monkeypatch):
    x, w, b = _conv_inputs((7, 4, 6, 5), (6, 2, 3, 3))
    one_block = F.conv2d(x, w, b, padding=1, groups=2)
    grads = minigrad.autograd.grad(one_block.sum(), [x, w, b])
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 1000)  # one image per chunk
    blocked = F.conv2d(x, w, b, padding=1, groups=2)
    np.testing.assert_allclose(blocked._data, one_block._data, rtol=1e-12)
    for mine, expected in zip(minigrad.autograd.grad(blocked.sum(), [x, w, b]), grads):
        np.testing.assert_allclose(mine._data, expected._data, rtol=1e-12)


def test_conv_node_keeps_no_column_buffer():
    """Nothing but the inputs lives between forward and backward (the backward rebuilds the columns)."""
    x, w, b = _conv_inputs((4, 3, 8, 8), (5, 3, 3, 3))
    y = F.conv2d(x, w, b, padding=1)
    assert not [value for value in vars(y.grad_fn).values() if isinstance(value, np.ndarray)]
    y.sum().backward()
    assert x.grad.shape == x.shape


def test_conv_double_backward_matches_torch():
    torch = _torch()
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3))]
    ours = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]

    def second(lib, conv, tensors):
        y = conv(*tensors, padding=1, stride=2)
        (gx,) = lib.autograd.grad((y * y).sum(), [tensors[0]], create_graph=True)
        gx.pow(2).sum().backward()
        return tensors[1].grad

    np.testing.assert_allclose(
        second(minigrad, F.conv2d, ours)._data, second(torch, torch.nn.functional.conv2d, theirs).numpy(), rtol=1e-10
    )


# ------------------------------------------------------------------------------------------------ unfold / fold
UNFOLD_CASES = [
    ((2, 3, 6, 5), dict(kernel_size=(2, 3), padding=1, stride=(2, 1), dilation=(1, 2))),
    ((3, 5, 5), dict(kernel_size=2)),
    ((1, 2, 4, 4), dict(kernel_size=3, padding=2, stride=3)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, kwargs", UNFOLD_CASES)
def test_unfold_and_fold_match_torch(shape, kwargs, dtype):
    torch = _torch()
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape).astype(dtype)
    ours, theirs = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    cols, expected = F.unfold(ours, **kwargs), torch.nn.functional.unfold(theirs, **kwargs)
    np.testing.assert_allclose(cols._data, expected.detach().numpy(), **TOLERANCE[dtype])
    folded = F.fold(cols, shape[-2:], **kwargs)
    expected_folded = torch.nn.functional.fold(expected, shape[-2:], **kwargs)
    np.testing.assert_allclose(folded._data, expected_folded.detach().numpy(), **TOLERANCE[dtype])
    upstream = rng.standard_normal(folded.shape).astype(dtype)
    folded.backward(minigrad.tensor(upstream))
    expected_folded.backward(torch.tensor(upstream))
    np.testing.assert_allclose(ours.grad._data, theirs.grad.numpy(), **TOLERANCE[dtype])


def test_unfold_fold_gradcheck_and_gradgradcheck():
    x = minigrad.tensor(np.random.default_rng(6).standard_normal((2, 2, 5, 4)), requires_grad=True)
    kwargs = dict(kernel_size=(2, 3), padding=1, stride=(2, 1), dilation=(1, 2))
    cols = minigrad.tensor(np.random.default_rng(7).standard_normal(F.unfold(x, **kwargs).shape), requires_grad=True)
    for call, inputs in ((lambda t: F.unfold(t, **kwargs), (x,)), (lambda t: F.fold(t, (5, 4), **kwargs), (cols,))):
        assert gradcheck(call, inputs)
        assert gradgradcheck(call, inputs)


# ------------------------------------------------------------------------------------------------ pad
PAD_CASES = [
    ((2, 3, 4, 5), (1, 2), "constant"),
    ((2, 3, 4, 5), (-1, 2, 1, -2), "constant"),
    ((2, 3, 4, 5), (1, 2, 2, 3), "reflect"),
    ((3, 5), (4, 2), "reflect"),
    ((2, 3, 4), (-1, 3), "reflect"),
    ((2, 3, 4, 5), (1, 2, 2, 3), "replicate"),
    ((2, 2, 3, 4, 5), (1, 1, 2, 0, 1, 2), "replicate"),
    ((2, 3, 4, 5), (0, 5, 4, 4), "circular"),
    ((2, 3, 4), (-1, 3), "circular"),
    ((2, 3, 4), (2, -1), "circular"),
]


@pytest.mark.parametrize("shape, amounts, mode", PAD_CASES)
def test_pad_matches_torch(shape, amounts, mode):
    torch = _torch()
    rng = np.random.default_rng(8)
    x = rng.standard_normal(shape)
    ours, theirs = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    result, expected = F.pad(ours, amounts, mode=mode), torch.nn.functional.pad(theirs, amounts, mode=mode)
    np.testing.assert_allclose(result._data, expected.detach().numpy())
    upstream = rng.standard_normal(expected.shape)
    result.backward(minigrad.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(ours.grad._data, theirs.grad.numpy())


def test_pad_constant_value_and_gradgradcheck():
    np.testing.assert_array_equal(F.pad(minigrad.ones(1, 2), (1, 1), value=3.0)._data, [[3, 1, 1, 3]])
    x = minigrad.tensor(np.random.default_rng(9).standard_normal((1, 2, 3, 4)), requires_grad=True)
    for mode in ("constant", "reflect", "replicate", "circular"):
        assert gradgradcheck(lambda t: F.pad(t, (1, 2, 2, 1), mode=mode), (x,))


# ------------------------------------------------------------------------------------------------ errors
ERROR_CASES = [
    ("conv2d", ((2, 4, 5, 5), (6, 4, 3)), {}),
    ("conv2d", ((1, 2, 4, 5, 5), (6, 4, 3, 3)), {}),
    ("conv1d", ((4,), (2, 3, 2)), {}),
    ("conv2d", ((2, 3, 5, 5), (6, 4, 3, 3)), {}),
    ("conv2d", ((2, 4, 2, 2), (6, 4, 3, 3)), {}),
    ("conv2d", ((2, 4, 2, 2), (6, 4, 3, 3)), dict(padding=(0, 1))),
    ("conv2d", ((2, 4, 5, 5), (6, 4, 3, 3)), dict(stride=0)),
    ("conv2d", ((2, 4, 5, 5), (6, 4, 3, 3)), dict(padding=-1)),
    ("conv2d", ((2, 4, 5, 5), (6, 4, 3, 3)), dict(dilation=0)),
    ("conv2d", ((2, 4, 5, 5), (6, 4, 3, 3)), dict(groups=0)),
    ("conv2d", ((2, 4, 5, 5), (5, 2, 3, 3)), dict(groups=2)),
    ("conv2d", ((2, 4, 5, 5), (6, 1, 3, 3)), dict(groups=3)),
    ("conv2d", ((2, 4, 5, 5), (6, 4, 3, 3)), dict(stride=2, padding="same")),
    ("conv2d", ((2, 4, 5, 5), (6, 4, 3, 3)), dict(padding="foo")),
    ("conv2d", ((2, 4, 5, 5), (6, 4, 3, 3)), dict(stride=(1, 1, 1))),
    ("conv2d", ((2, 4, 5, 5), (6, 4, 3, 3), (5,)), {}),
    ("unfold", ((1, 1, 4, 5, 5),), dict(kernel_size=2)),
    ("unfold", ((1, 1, 2, 2),), dict(kernel_size=3)),
    ("unfold", ((1, 1, 4, 4),), dict(kernel_size=2, stride=0)),
    ("unfold", ((1, 1, 4, 4),), dict(kernel_size=2, padding=-1)),
    ("unfold", ((1, 1, 4, 4),), dict(kernel_size=0)),
    ("fold", ((1, 4, 5),), dict(output_size=(3, 3), kernel_size=2)),
    ("fold", ((1, 5, 4),), dict(output_size=(3, 3), kernel_size=2)),
    ("fold", ((1, 4, 4, 1),), dict(output_size=(3, 3), kernel_size=2)),
    ("pad", ((1, 2, 3, 3),), dict(pad=(1,))),
    ("pad", ((1, 2, 3, 3),), dict(pad=(1, 1) * 5)),
    ("pad", ((1, 2, 3, 3),), dict(pad=(1, 1), mode="reflect")),
    ("pad", ((1, 2, 3, 3),), dict(pad=(3, 3, 0, 0), mode="reflect")),
    ("pad", ((1, 2, 3, 3),), dict(pad=(4, 4, 0, 0), mode="circular")),
    ("pad", ((1, 2, 3, 3),), dict(pad=(1, 1), mode="foo")),
    ("pad", ((1, 2, 3, 3),), dict(pad=(1, 1, 1, 1), mode="reflect", value=1.0)),
]


@pytest.mark.parametrize("function, shapes, kwargs", ERROR_CASES, ids=lambda v: str(v))
def test_errors_match_torch(function, shapes, kwargs):
    torch = _torch()
    arrays = [np.ones(shape, np.float32) for shape in shapes]
    with pytest.raises(Exception) as expected:
        getattr(torch.nn.functional, function)(*map(torch.tensor, arrays), **kwargs)
    with pytest.raises(type(expected.value)) as raised:
        getattr(F, function)(*map(minigrad.tensor, arrays), **kwargs)
    assert str(raised.value) == str(expected.value)


def test_dtype_mismatch_errors_match_torch():
    torch = _torch()
    for x_dtype, w_dtype, b_dtype in ((np.float64, np.float32, np.float32), (np.float32, np.float32, np.float64)):
        arrays = [np.ones((1, 2, 4, 4), x_dtype), np.ones((3, 2, 2, 2), w_dtype), np.ones(3, b_dtype)]
        with pytest.raises(RuntimeError) as expected:
            torch.nn.functional.conv2d(*map(torch.tensor, arrays))
        with pytest.raises(RuntimeError, match=expected.value.args[0].replace("(", r"\(").replace(")", r"\)")):
            F.conv2d(*map(minigrad.tensor, arrays))


# ------------------------------------------------------------------------------------------------ modules
MODULE_CASES = [
    ("Conv1d", (3, 4, 3), dict(padding="same", padding_mode="reflect", bias=False, dilation=2)),
    ("Conv2d", (2, 4, 3), dict(stride=2, groups=2)),
    ("Conv2d", (2, 4, (1, 3)), dict(padding=(1, 2), padding_mode="circular")),
    ("Conv2d", (4, 4, 3), dict(padding=1, padding_mode="replicate", groups=4)),
    ("Conv3d", (2, 3, 2), dict(padding="valid")),
    ("Conv3d", (2, 4, 3), dict(padding=1, padding_mode="reflect", stride=(1, 2, 1))),
]


@pytest.mark.parametrize("name, args, kwargs", MODULE_CASES, ids=lambda v: str(v))
def test_conv_modules_match_torch(name, args, kwargs):
    torch = _torch()
    theirs, ours = getattr(torch.nn, name)(*args, **kwargs).double(), getattr(nn, name)(*args, **kwargs).double()
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()] == [
        (k, v.shape) for k, v in ours.state_dict().items()
    ]
    ours.load_state_dict({k: minigrad.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(10).standard_normal((2, args[0]) + (7,) * ours._dims)
    mine, expected = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    result, expected_result = ours(mine), theirs(expected)
    np.testing.assert_allclose(result._data, expected_result.detach().numpy(), rtol=1e-10, atol=1e-10)
    result.sum().backward()
    expected_result.sum().backward()
    np.testing.assert_allclose(mine.grad._data, expected.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ours.weight.grad._data, theirs.weight.grad.numpy(), rtol=1e-10, atol=1e-10)
    theirs.load_state_dict({k: torch.tensor(v._data) for k, v in ours.state_dict().items()})  # and back


def test_conv_module_init_follows_torch_bounds():
    conv = nn.Conv2d(16, 32, 3)
    bound = 1 / np.sqrt(16 * 9)  # kaiming_uniform_(a=√5) and the bias both give U(-1/√fan_in, 1/√fan_in)
    assert conv.weight.shape == (32, 16, 3, 3) and conv.weight._data.dtype == np.float32
    assert np.abs(conv.weight._data).max() <= bound and np.abs(conv.bias._data).max() <= bound
    assert abs(conv.weight._data.std() - bound / np.sqrt(3)) < 0.1 * bound
    assert nn.Conv1d(2, 4, 3, bias=False).bias is None


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(groups=0), "groups must be a positive integer"),
        (dict(groups=3), "in_channels must be divisible by groups"),
        (dict(groups=2, out_channels=5), "out_channels must be divisible"),
        (dict(padding="foo"), "Invalid padding string 'foo'"),
        (dict(padding="same", stride=2), "not supported for strided"),
        (dict(padding_mode="x"), "padding_mode must be one of"),
    ],
)
def test_conv_module_constructor_errors(kwargs, message):
    arguments = dict(in_channels=4, out_channels=6, kernel_size=3)
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        nn.Conv2d(**arguments)


def test_fold_modules_match_torch():
    torch = _torch()
    assert repr(nn.Unfold(2, padding=1)) == repr(torch.nn.Unfold(2, padding=1))
    assert repr(nn.Fold((4, 5), 2)) == repr(torch.nn.Fold((4, 5), 2))
    x = np.random.default_rng(11).standard_normal((2, 3, 4, 5))
    cols = nn.Unfold(2, padding=1)(minigrad.tensor(x))
    np.testing.assert_allclose(cols._data, torch.nn.Unfold(2, padding=1)(torch.tensor(x)).numpy())
    np.testing.assert_allclose(
        nn.Fold((4, 5), 2, padding=1)(cols)._data, torch.nn.Fold((4, 5), 2, padding=1)(torch.tensor(cols._data)).numpy()
    )


def test_module_db_conv_inputs():
    """Every module_inputs_func case of torch's Conv1d/2d/3d ModuleInfos: outputs and gradients."""
    torch = _torch()
    common_modules = pytest.importorskip("torch.testing._internal.common_modules")
    infos = [
        info
        for info in common_modules.module_db
        if info.module_cls in (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)
    ]
    assert len(infos) == 3
    for info in infos:
        ours_cls = getattr(nn, info.module_cls.__name__)
        for case in info.module_inputs_func(info, device="cpu", dtype=torch.float64, requires_grad=True, training=True):
            theirs = info.module_cls(*case.constructor_input.args, **case.constructor_input.kwargs).double()
            ours = ours_cls(*case.constructor_input.args, **case.constructor_input.kwargs).double()
            ours.load_state_dict({k: minigrad.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
            x = case.forward_input.args[0]
            mine = minigrad.tensor(x.detach().numpy(), requires_grad=True)
            expected, result = theirs(x), ours(mine)
            np.testing.assert_allclose(result._data, expected.detach().numpy(), rtol=1e-10, atol=1e-10)
            expected.sum().backward()
            result.sum().backward()
            np.testing.assert_allclose(mine.grad._data, x.grad.numpy(), rtol=1e-10, atol=1e-10)
            for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
                np.testing.assert_allclose(p.grad._data, q.grad.numpy(), rtol=1e-10, atol=1e-10, err_msg=name)
