"""Fractional max pooling (``F.fractional_max_pool2d/3d``, ``nn.FractionalMaxPool2d/3d``) and ``torch.grid_sampler_2d
/3d``: torch's windows, indices, values and gradients for given ``_random_samples`` (op_db can only compare shapes:
its samples draw the windows at random), second derivatives, and torch's errors."""

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

CASES = [
    (2, (2, 3, 9, 11), 3, (4, 5)),
    (2, (3, 10, 10), (2, 3), (5, 3)),
    (2, (2, 2, 8, 8), 2, (4, 4)),  # rounded values: ties inside windows
    (3, (2, 2, 7, 8, 9), (2, 3, 2), (3, 4, 5)),
]


@pytest.mark.parametrize("dims, shape, kernel, out", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch_for_given_samples(dims, shape, kernel, out, dtype):
    rng = np.random.default_rng(len(shape) * 10 + shape[-1])
    x = np.round(rng.standard_normal(shape)).astype(dtype)
    samples = rng.random((shape[0] if len(shape) == dims + 2 else 1, shape[-dims - 1], dims)).astype(dtype)
    upstream = None
    ours_x = minigrad.from_numpy(x.copy()).requires_grad_()
    theirs_x = torch.from_numpy(x.copy()).requires_grad_()
    name = f"fractional_max_pool{dims}d"
    ours = getattr(F, name)(ours_x, kernel, out, return_indices=True, _random_samples=minigrad.from_numpy(samples))
    theirs = getattr(torch.nn.functional, name)(
        theirs_x, kernel, out, return_indices=True, _random_samples=torch.from_numpy(samples)
    )
    np.testing.assert_array_equal(ours[1]._data, theirs[1].numpy())
    np.testing.assert_array_equal(ours[0]._data, theirs[0].detach().numpy())
    upstream = rng.standard_normal(ours[0].shape).astype(dtype)
    (ours[0] * minigrad.from_numpy(upstream)).sum().backward()
    theirs[0].backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(ours_x.grad._data, theirs_x.grad.numpy(), rtol=1e-6)


def test_gradcheck_and_gradgradcheck():
    x = minigrad.from_numpy(np.random.default_rng(0).permutation(50).reshape(1, 2, 5, 5) / 7.0).requires_grad_()
    samples = minigrad.tensor([[[0.3, 0.7], [0.9, 0.1]]], dtype=minigrad.float64)
    pool = lambda t: F.fractional_max_pool2d(t, 2, output_size=3, _random_samples=samples)  # noqa: E731
    assert gradcheck(pool, (x,))
    assert gradgradcheck(pool, (x,))


def test_modules_and_errors():
    assert minigrad.nn.FractionalMaxPool2d(2, output_ratio=0.5)(minigrad.zeros(3, 8, 6)).shape == (3, 4, 3)
    values, indices = minigrad.nn.FractionalMaxPool3d(2, output_size=2, return_indices=True)(
        minigrad.ones(1, 1, 4, 4, 4)
    )
    assert values.shape == indices.shape == (1, 1, 2, 2, 2) and indices.dtype == minigrad.int64
    with pytest.raises(ValueError, match="output size, or a pooling ratio"):
        minigrad.nn.FractionalMaxPool2d(2)
    with pytest.raises(ValueError, match="between 0 and 1"):
        minigrad.nn.FractionalMaxPool2d(2, output_ratio=1.5)
    with pytest.raises(ValueError, match="output_size or an output_ratio"):
        F.fractional_max_pool2d(minigrad.zeros(1, 1, 4, 4), 2)
    with pytest.raises(RuntimeError, match="pool height 3 too large"):
        F.fractional_max_pool2d(minigrad.zeros(1, 1, 9, 9), 3, output_size=8)
    with pytest.raises(RuntimeError, match="_random_samples.size"):
        F.fractional_max_pool2d(minigrad.zeros(1, 1, 4, 4), 2, 2, _random_samples=minigrad.zeros(1, 1, 3))


@pytest.mark.parametrize("interpolation, padding", [(0, 0), (1, 1), (2, 2)])
def test_grid_sampler_codes_name_grid_sample_modes(interpolation, padding):
    rng = np.random.default_rng(interpolation)
    x, grid = rng.standard_normal((2, 3, 4, 5)), rng.uniform(-1.2, 1.2, (2, 3, 2, 2))
    ours = minigrad.grid_sampler_2d(minigrad.from_numpy(x), minigrad.from_numpy(grid), interpolation, padding, True)
    theirs = torch.grid_sampler_2d(torch.from_numpy(x), torch.from_numpy(grid), interpolation, padding, True)
    np.testing.assert_allclose(ours._data, theirs.numpy(), rtol=1e-10, atol=1e-12)
