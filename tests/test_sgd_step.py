"""SGD's fused last move (``_kernels.optim.sgd_step``, ``p ← p - lr·g`` in one pass) against NumPy's two-pass form,
bit for bit, on one thread and split over two; and the NumPy path SGD keeps for gradients it cannot pass to it."""

import numpy as np
import pytest

import minigrad
from minigrad._kernels.optim import sgd_step


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size, threads", [(7, 1), (1 << 19, 1), (1 << 19, 2)])
def test_sgd_step_is_numpys_update(dtype, size, threads):
    rng = np.random.default_rng(0)
    param, grad = rng.standard_normal(size).astype(dtype), rng.standard_normal(size).astype(dtype)
    want = param.copy()
    want -= grad * 0.1
    sgd_step(param, grad, 0.1, threads)
    np.testing.assert_array_equal(param, want)


def test_sgd_takes_gradients_the_kernel_cannot():
    rng = np.random.default_rng(1)
    weight = minigrad.nn.Parameter(minigrad.tensor(rng.standard_normal((3, 4)).astype(np.float32)))
    start = weight.detach().numpy().copy()
    grad = rng.standard_normal((4, 3)).astype(np.float32)
    weight.grad = minigrad.tensor(grad).t()  # a transposed view: not C-contiguous
    minigrad.optim.SGD([weight], lr=0.5).step()
    np.testing.assert_allclose(weight.detach().numpy(), start - 0.5 * grad.T, rtol=1e-6)
