"""The fused tanh GELU (``F.gelu(x, approximate="tanh")``): torch's values and gradients, and its double backward."""

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_and_gradients_match_torch(dtype):
    rng = np.random.default_rng(0)
    # wide inputs: the tails (t -> ±1) and the region around 0 where the cubic term matters
    data = np.concatenate([rng.standard_normal(60) * 3, [0.0, -0.0, 8.0, -8.0, 30.0, -30.0]]).astype(dtype)
    upstream = rng.standard_normal(data.shape).astype(dtype)
    ours = minigrad.tensor(data, requires_grad=True)
    out = F.gelu(ours, approximate="tanh")
    out.backward(minigrad.tensor(upstream))
    theirs = torch.tensor(data, requires_grad=True)
    expected = torch.nn.functional.gelu(theirs, approximate="tanh")
    expected.backward(torch.tensor(upstream))
    tolerance = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-13}
    assert out.dtype == ours.dtype
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), **tolerance)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), **tolerance)


def test_gradcheck_and_gradgradcheck():
    x = minigrad.tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(lambda t: F.gelu(t, approximate="tanh"), (x,))
    assert gradgradcheck(lambda t: F.gelu(t, approximate="tanh"), (x,))


def test_module_uses_the_fused_node():
    out = minigrad.nn.GELU(approximate="tanh")(minigrad.ones(2, requires_grad=True))
    assert type(out.grad_fn).__name__ == "GeluTanh"  # one node, not the eight of the composite
