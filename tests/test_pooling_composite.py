"""``max_unpool1d/2d/3d`` and ``lp_pool1d/2d/3d`` (``minigrad.ops.pooling_composite``) and their modules against
torch: values and gradients in float32 and float64, gradcheck/gradgradcheck, torch's errors, reprs. module_db's
LPPool ModuleInfos run in tests/test_module_db_layers.py (module_db has no MaxUnpool)."""

import re

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.autograd.gradcheck import gradcheck, gradgradcheck

TOLERANCE = {np.float32: 1e-5, np.float64: 1e-12}

# (dims, input shape, pooling arguments, unpool keyword arguments beyond the pooling's)
UNPOOL_CASES = [
    (1, (2, 3, 9), dict(kernel_size=2), {}),
    (1, (3, 8), dict(kernel_size=3, stride=1), {}),  # overlapping windows: an index repeats
    (2, (2, 3, 6, 7), dict(kernel_size=2), dict(output_size=(7, 7))),
    (2, (3, 7, 6), dict(kernel_size=3, stride=2, padding=1), dict(output_size=(7, 6))),
    (2, (1, 2, 5, 5), dict(kernel_size=(2, 3), stride=1), dict(output_size=(1, 2, 5, 5))),
    (3, (2, 2, 4, 4, 6), dict(kernel_size=2), {}),
    (3, (2, 5, 4, 6), dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=(1, 0, 1)), dict(output_size=(5, 4, 6))),
]


def _torch():
    return pytest.importorskip("torch")


def _pooled(torch, dims, shape, pool, dtype):
    """The values and indices of a torch max pooling of a random input, as the unpool's inputs."""
    x = torch.tensor(np.random.default_rng(0).standard_normal(shape).astype(dtype))
    values, indices = getattr(torch.nn.functional, f"max_pool{dims}d")(x, **pool, return_indices=True)
    return values.numpy(), indices.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", UNPOOL_CASES, ids=str)
def test_max_unpool_matches_torch(case, dtype):
    torch = _torch()
    dims, shape, pool, extra = case
    values, indices = _pooled(torch, dims, shape, pool, dtype)
    name = f"max_unpool{dims}d"
    ours_x, theirs_x = minigrad.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    ours = getattr(F, name)(ours_x, minigrad.tensor(indices), **pool, **extra)
    theirs = getattr(torch.nn.functional, name)(theirs_x, torch.tensor(indices), **pool, **extra)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    grad = np.random.default_rng(1).standard_normal(tuple(theirs.shape)).astype(dtype)
    ours.backward(minigrad.tensor(grad))
    theirs.backward(torch.tensor(grad))
    np.testing.assert_array_equal(ours_x.grad.numpy(), theirs_x.grad.numpy())


def test_max_unpool_gradcheck_and_gradgradcheck():
    """Non-overlapping windows: where an index repeats the last write wins, which finite differences see as a zero
    derivative for the others (torch's gradient gathers for every one, as ours)."""
    values, indices = _pooled(_torch(), 2, (1, 2, 4, 6), dict(kernel_size=2), np.float64)
    x = minigrad.tensor(values, requires_grad=True)

    def unpool(v):
        return F.max_unpool2d(v, minigrad.tensor(indices), 2)

    assert gradcheck(unpool, [x])
    assert gradgradcheck(unpool, [x])


def _unpool_error_calls(lib):
    """Calls that must fail, each given the library's (values, indices) of a 2x2 max pooling of 2x3x4x4."""
    functional = lib.nn.functional
    return [
        lambda y, i: functional.max_unpool2d(y, i, 2, output_size=(7, 7)),
        lambda y, i: functional.max_unpool2d(y, i, 2, output_size=(5,)),
        lambda y, i: functional.max_unpool2d(y, i * 10, 2),
        lambda y, i: functional.max_unpool2d(y, -i, 2),
        lambda y, i: functional.max_unpool2d(y, i.double(), 2),
        lambda y, i: functional.max_unpool2d(y, i[:, :1], 2),
        lambda y, i: functional.max_unpool2d(y[0, 0], i[0, 0], 2),
        lambda y, i: functional.max_unpool1d(y[0], i[0, :, 0], 2),
        lambda y, i: functional.max_unpool3d(y[:, :, None], i[:, :, None] * 9, 2),
        lambda y, i: lib.nn.MaxUnpool2d(2)(y, i, output_size=(8, 8)),
    ]


@pytest.mark.parametrize("index", range(10))
def test_max_unpool_errors_match_torch(index):
    torch = _torch()
    values, indices = _pooled(torch, 2, (2, 3, 4, 4), dict(kernel_size=2), np.float64)
    with pytest.raises(Exception) as expected:
        _unpool_error_calls(torch)[index](torch.tensor(values), torch.tensor(indices))
    with pytest.raises(type(expected.value)) as raised:
        _unpool_error_calls(minigrad)[index](minigrad.tensor(values), minigrad.tensor(indices))
    # which invalid index torch reports depends on its threads: compare the messages without it
    assert re.sub(r"index: -?\d+", "index: N", str(raised.value)) == re.sub(
        r"index: -?\d+", "index: N", str(expected.value)
    )


LP_CASES = [
    (1, (2, 3, 9), (2.0, 3), {}),
    (1, (3, 10), (1.5, 3), dict(stride=2, ceil_mode=True)),
    (2, (2, 3, 7, 6), (2, 3), dict(stride=2)),
    (2, (3, 7, 6), (3.0, (2, 3)), dict(ceil_mode=True)),
    (2, (2, 3, 6, 6), (float("inf"), 2), {}),
    (3, (2, 2, 5, 4, 6), (2.0, 2), {}),
    (3, (2, 5, 6, 7), (1.0, (2, 3, 2)), dict(stride=(1, 2, 2), ceil_mode=True)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", LP_CASES, ids=str)
def test_lp_pool_matches_torch(case, dtype):
    torch = _torch()
    dims, shape, args, kwargs = case
    x = np.random.default_rng(2).standard_normal(shape).astype(dtype)
    x = np.abs(x) if args[0] not in (2, 2.0) else x  # a fractional power of a negative sum is NaN in both
    name = f"lp_pool{dims}d"
    ours_x, theirs_x = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = getattr(F, name)(ours_x, *args, **kwargs)
    theirs = getattr(torch.nn.functional, name)(theirs_x, *args, **kwargs)
    tolerance = TOLERANCE[dtype]
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tolerance, atol=tolerance)
    grad = np.random.default_rng(3).standard_normal(tuple(theirs.shape)).astype(dtype)
    ours.backward(minigrad.tensor(grad))
    theirs.backward(torch.tensor(grad))
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=10 * tolerance, atol=10 * tolerance)


def test_lp_pool_gradcheck_and_gradgradcheck():
    x = minigrad.tensor(np.random.default_rng(4).random((1, 2, 5, 4)) + 0.5, requires_grad=True)
    assert gradcheck(lambda v: F.lp_pool2d(v, 3.0, 2, stride=1), [x])
    assert gradgradcheck(lambda v: F.lp_pool2d(v, 3.0, 2, stride=1), [x])


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.nn.MaxUnpool1d(2, stride=1, padding=1),
        lambda lib: lib.nn.MaxUnpool2d((2, 3)),
        lambda lib: lib.nn.MaxUnpool3d(2),
        lambda lib: lib.nn.LPPool1d(2, 3, ceil_mode=True),
        lambda lib: lib.nn.LPPool2d(2, (3, 2), stride=2),
        lambda lib: lib.nn.LPPool3d(1.5, 3, 2),
    ],
)
def test_modules_repr_and_attributes_match_torch(make):
    torch = _torch()
    ours, theirs = make(minigrad), make(torch)
    assert repr(ours) == repr(theirs)
    for name in ("kernel_size", "stride", "padding", "norm_type", "ceil_mode"):
        assert getattr(ours, name, None) == getattr(theirs, name, None), name
    assert not list(ours.parameters()) and not ours.state_dict()


def test_max_unpool_module_inverts_max_pool_module():
    torch = _torch()
    x = np.random.default_rng(5).standard_normal((2, 3, 5, 6, 4))
    ours_pool, theirs_pool = nn.MaxPool3d(2, return_indices=True), torch.nn.MaxPool3d(2, return_indices=True)
    ours = nn.MaxUnpool3d(2)(*ours_pool(minigrad.tensor(x)), output_size=x.shape)
    theirs = torch.nn.MaxUnpool3d(2)(*theirs_pool(torch.tensor(x)), output_size=x.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
