"""Transposed convolution: F.conv_transpose1d/2d/3d and the ConvTranspose modules against torch (values, gradients,
double backward, errors, reprs, init, state dicts, ``output_size``), the ConvTranspose node against its composite
and against the adjoint identity with Conv, and gradcheck/gradgradcheck in float64. module_db's ModuleInfos run in
tests/test_module_db_layers.py."""

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.ops import conv as conv_ops
from minigrad.ops.conv import Conv, ConvTranspose, Window
from tests.test_conv import assert_matches_composite

DTYPES = [np.float32, np.float64]
TOLERANCE = {np.float32: dict(rtol=1e-4, atol=1e-4), np.float64: dict(rtol=1e-10, atol=1e-10)}

# (function, input shape, weight shape, keyword arguments)
CASES = [
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    ("conv_transpose1d", (4, 6), (4, 2, 2), dict(groups=2, dilation=3, output_padding=2)),
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 2), dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0))),
    ("conv_transpose2d", (3, 4, 4, 4), (4, 2, 4, 4), dict(stride=2, padding=1, groups=2)),
    ("conv_transpose2d", (2, 4, 3, 4), (4, 1, 3, 3), dict(groups=4, dilation=2, padding=2)),
    ("conv_transpose2d", (4, 5, 5), (4, 3, 1, 1), dict()),
    ("conv_transpose3d", (2, 4, 3, 4, 2), (4, 2, 2, 3, 2), dict(stride=2, dilation=(1, 2, 1), groups=2)),
    ("conv_transpose3d", (1, 2, 3, 3, 3), (2, 3, 3, 3, 3), dict(stride=(1, 2, 3), padding=1, output_padding=(0, 1, 2))),
]


def _torch():
    return pytest.importorskip("torch")


def _arrays(x_shape, w_shape, kwargs, dtype, seed=0):
    rng = np.random.default_rng(seed)
    bias = rng.standard_normal(w_shape[1] * kwargs.get("groups", 1))
    return [rng.standard_normal(shape).astype(dtype) for shape in (x_shape, w_shape)] + [bias.astype(dtype)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}{c[1]}{c[3]}")
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
def test_conv_transpose_matches_torch(case, dtype, bias):
    torch = _torch()
    function, x_shape, w_shape, kwargs = case
    arrays = _arrays(x_shape, w_shape, kwargs, dtype)[: 3 if bias else 2]
    ours = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    result, expected = getattr(F, function)(*ours, **kwargs), getattr(torch.nn.functional, function)(*theirs, **kwargs)
    assert result.shape == tuple(expected.shape) and result._data.dtype == dtype
    np.testing.assert_allclose(result._data, expected.detach().numpy(), **TOLERANCE[dtype])
    upstream = np.random.default_rng(1).standard_normal(result.shape).astype(dtype)
    result.backward(minigrad.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    for mine, torchs in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad._data, torchs.grad.numpy(), **TOLERANCE[dtype])


@pytest.mark.parametrize("case", [CASES[0], CASES[1], CASES[3], CASES[6]], ids=lambda c: f"{c[0]}{c[3]}")
def test_conv_transpose_gradcheck_and_gradgradcheck(case):
    function, x_shape, w_shape, kwargs = case
    inputs = [minigrad.tensor(a, requires_grad=True) for a in _arrays(x_shape, w_shape, kwargs, np.float64)]

    def call(x, w, b):
        return getattr(F, function)(x, w, b, **kwargs)

    assert gradcheck(call, inputs)
    assert gradgradcheck(call, inputs)


def _node_inputs():
    rng = np.random.default_rng(2)
    window = Window((3, 2), (2, 1), (1, 0), (1, 2), (7, 5), (3, 3))  # a convolution from 7x5 to 3x3
    shapes = [(3, 6, 3, 3), (6, 2, 3, 2), (4,)]  # x (N, C_in, *window.out_size), weight (C_in, C_out / G, *k)
    return window, [minigrad.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]


def test_fused_conv_transpose_matches_its_composite():
    """The NumPy forward and first-order backward of ConvTranspose against Unfold/Fold + matmul."""
    window, inputs = _node_inputs()
    assert_matches_composite(ConvTranspose, inputs, window=window, groups=2)


def test_conv_transpose_is_the_adjoint_of_conv():
    """<Conv(u, W), v> = <u, ConvTranspose(v, W)> over one window."""
    window, (v, w, _) = _node_inputs()
    u = minigrad.tensor(np.random.default_rng(4).standard_normal((3, 4, 7, 5)))
    left = (Conv.apply(u, w, None, window=window, groups=2) * v).sum()
    right = (u * ConvTranspose.apply(v, w, None, window=window, groups=2)).sum()
    np.testing.assert_allclose(left._data, right._data, rtol=1e-12)


def test_conv_transpose_in_several_blocks_of_images_matches_one_block(monkeypatch):
    window, (x, w, b) = _node_inputs()
    one_block = ConvTranspose.apply(x, w, b, window=window, groups=2)
    grads = minigrad.autograd.grad(one_block.sum(), [x, w, b])
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 1000)  # one image per chunk
    blocked = ConvTranspose.apply(x, w, b, window=window, groups=2)
    np.testing.assert_allclose(blocked._data, one_block._data, rtol=1e-12)
    for mine, expected in zip(minigrad.autograd.grad(blocked.sum(), [x, w, b]), grads):
        np.testing.assert_allclose(mine._data, expected._data, rtol=1e-12)


def test_conv_transpose_double_backward_matches_torch():
    torch = _torch()
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal((2, 4, 3, 3)), rng.standard_normal((4, 3, 4, 4)), rng.standard_normal(3)]
    ours = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]

    def second(lib, conv, tensors):
        y = conv(*tensors, padding=1, stride=2)
        gx, gw = lib.autograd.grad((y * y).sum(), tensors[:2], create_graph=True)
        (gx.pow(2).sum() + (gw * gw).sum()).backward()
        return [t.grad for t in tensors]

    mine = second(minigrad, F.conv_transpose2d, ours)
    expected = second(torch, torch.nn.functional.conv_transpose2d, theirs)
    for a, b in zip(mine, expected):
        np.testing.assert_allclose(a._data, b.numpy(), rtol=1e-10)


def test_conv_double_backward_goes_through_conv_transpose():
    x, w = (minigrad.tensor(np.ones(s), requires_grad=True) for s in ((1, 2, 5, 5), (3, 2, 3, 3)))
    (gx,) = minigrad.autograd.grad(F.conv2d(x, w).sum(), [x], create_graph=True)
    assert type(gx.grad_fn).__name__ == "ConvTranspose"


ERROR_CASES = [
    ("conv_transpose2d", ((2, 4, 5, 5), (4, 3, 3, 3)), dict(output_padding=1)),
    ("conv_transpose2d", ((2, 4, 5, 5), (4, 3, 3, 3)), dict(stride=2, output_padding=(1, 2))),
    ("conv_transpose1d", ((2, 4, 5), (4, 3, 3)), dict(stride=2, output_padding=2)),
    ("conv_transpose3d", ((1, 4, 3, 3, 3), (4, 3, 3, 3, 3)), dict(stride=2, output_padding=2)),
    ("conv_transpose2d", ((2, 4, 5, 5), (4, 3, 3, 3)), dict(padding=5)),
    ("conv_transpose1d", ((2, 4, 5), (4, 3, 3)), dict(padding=5)),
    ("conv_transpose3d", ((1, 4, 3, 3, 3), (4, 3, 3, 3, 3)), dict(padding=3)),
    ("conv_transpose2d", ((2, 4, 5, 5), (4, 3, 3, 3)), dict(padding=-1)),
    ("conv_transpose2d", ((2, 4, 5, 5), (4, 3, 3, 3)), dict(output_padding=-1)),
    ("conv_transpose2d", ((2, 4, 5, 5), (4, 3, 3, 3)), dict(stride=0)),
    ("conv_transpose2d", ((2, 4, 5, 5), (4, 3, 3, 3)), dict(dilation=0)),
    ("conv_transpose1d", ((2, 4, 5), (4, 3, 3)), dict(dilation=0)),
    ("conv_transpose3d", ((1, 4, 3, 3, 3), (4, 3, 3, 3, 3)), dict(dilation=(1, 0, 1))),
    ("conv_transpose2d", ((2, 4, 5, 5), (4, 3, 3, 3)), dict(groups=3)),
    ("conv_transpose2d", ((2, 4, 5, 5), (4, 3, 3, 3)), dict(groups=0)),
    ("conv_transpose2d", ((2, 4, 5, 5), (3, 3, 3, 3)), dict()),
    ("conv_transpose2d", ((2, 4, 5, 5), (4, 3, 3, 3), (4,)), dict()),
    ("conv_transpose2d", ((5, 5), (4, 3, 3, 3)), dict()),
    ("conv_transpose2d", ((2, 4, 5, 5), (4, 3, 3)), dict()),
    ("conv_transpose2d", ((2, 4, 5, 5), (4, 3, 3, 3)), dict(stride=(1, 1, 1))),
]


@pytest.mark.parametrize("function, shapes, kwargs", ERROR_CASES, ids=lambda v: str(v))
def test_errors_match_torch(function, shapes, kwargs):
    """float64: torch's float32 path reports some of these through oneDNN, its float64 kernel names the argument."""
    torch = _torch()
    arrays = [np.ones(shape) for shape in shapes]
    with pytest.raises(Exception) as expected:
        getattr(torch.nn.functional, function)(*map(torch.tensor, arrays), **kwargs)
    with pytest.raises(type(expected.value)) as raised:
        getattr(F, function)(*map(minigrad.tensor, arrays), **kwargs)
    assert str(raised.value) == str(expected.value)


MODULE_CASES = [
    ("ConvTranspose1d", (3, 4, 3), dict(stride=2, output_padding=1, bias=False)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, groups=2, padding=1, dilation=2)),
    ("ConvTranspose2d", (2, 4, (1, 3)), dict(padding=(0, 1), output_padding=(0, 1), stride=(1, 2))),
    ("ConvTranspose3d", (2, 3, 2), dict(stride=2)),
]


@pytest.mark.parametrize("name, args, kwargs", MODULE_CASES, ids=lambda v: str(v))
def test_conv_transpose_modules_match_torch(name, args, kwargs):
    torch = _torch()
    theirs, ours = getattr(torch.nn, name)(*args, **kwargs).double(), getattr(nn, name)(*args, **kwargs).double()
    assert repr(ours) == repr(theirs)
    assert ours.transposed and ours.output_padding == theirs.output_padding
    assert [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()] == [
        (k, v.shape) for k, v in ours.state_dict().items()
    ]
    ours.load_state_dict({k: minigrad.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    for shape in ((2, args[0]) + (4,) * ours._dims, (args[0],) + (3,) * ours._dims):  # batched and unbatched
        x = np.random.default_rng(10).standard_normal(shape)
        mine, expected = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        result, expected_result = ours(mine), theirs(expected)
        np.testing.assert_allclose(result._data, expected_result.detach().numpy(), rtol=1e-10, atol=1e-10)
        result.sum().backward()
        expected_result.sum().backward()
        np.testing.assert_allclose(mine.grad._data, expected.grad.numpy(), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(ours.weight.grad._data, theirs.weight.grad.numpy(), rtol=1e-10, atol=1e-10)
    theirs.load_state_dict({k: torch.tensor(v._data) for k, v in ours.state_dict().items()})  # and back


@pytest.mark.parametrize("output_size", [(9, 9), (10, 10), (9, 10), [2, 3, 10, 9]])
def test_output_size_picks_torchs_output_padding(output_size):
    torch = _torch()
    theirs = torch.nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1).double()
    ours = nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1).double()
    ours.load_state_dict({k: minigrad.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(12).standard_normal((2, 4, 5, 5))
    result = ours(minigrad.tensor(x), output_size=output_size)
    expected = theirs(torch.tensor(x), output_size=output_size)
    np.testing.assert_allclose(result._data, expected.detach().numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(
    "x_shape, output_size", [((2, 4, 5, 5), (20, 20)), ((2, 4, 5, 5), (1, 2, 3)), ((4, 5, 5), [9])]
)
def test_bad_output_size_errors_match_torch(x_shape, output_size):
    torch = _torch()
    x = np.ones(x_shape)
    with pytest.raises(ValueError) as expected:
        torch.nn.ConvTranspose2d(4, 3, 3, stride=2).double()(torch.tensor(x), output_size=output_size)
    with pytest.raises(ValueError) as raised:
        nn.ConvTranspose2d(4, 3, 3, stride=2).double()(minigrad.tensor(x), output_size=output_size)
    assert str(raised.value) == str(expected.value)


def test_conv_transpose_module_init_follows_torch_bounds():
    conv = nn.ConvTranspose2d(16, 32, 4, groups=2)
    bound = 1 / np.sqrt(16 * 16)  # fan_in from the weight's dim 1: out_channels / groups · k · k
    assert conv.weight.shape == (16, 16, 4, 4) and conv.weight._data.dtype == np.float32
    assert np.abs(conv.weight._data).max() <= bound and np.abs(conv.bias._data).max() <= bound
    assert abs(conv.weight._data.std() - bound / np.sqrt(3)) < 0.1 * bound


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(padding_mode="reflect"), 'Only "zeros" padding mode is supported for ConvTranspose2d'),
        (dict(groups=3), "in_channels must be divisible by groups"),
        (dict(groups=2, out_channels=5), "out_channels must be divisible"),
        (dict(padding="same"), "padding"),
    ],
)
def test_conv_transpose_module_constructor_errors(kwargs, message):
    arguments = dict(in_channels=4, out_channels=6, kernel_size=3)
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        nn.ConvTranspose2d(**arguments)
