"""Every differentiable op: gradcheck and gradgradcheck in float64, dtype preservation in float32, and (when torch
is importable) values and gradients equal to torch's in float32 and float64."""

import numpy as np
import pytest

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck
from op_cases import CASES

try:
    import torch
except ImportError:  # torch is only an oracle
    torch = None


def make_inputs(case, dtype, seed=0):
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in case.shapes:
        values = rng.uniform(case.low, case.high, shape)
        for kink in case.away_from:  # nudge values off the kinks, where finite differences are meaningless
            close = np.abs(values - kink) < 0.05
            values[close] = kink + 0.1
        arrays.append(values.astype(dtype))
    return arrays


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_gradcheck_float64(case):
    inputs = [minigrad.tensor(a, requires_grad=True) for a in make_inputs(case, np.float64)]
    assert gradcheck(lambda *xs: case.fn(minigrad, *xs), tuple(inputs))


@pytest.mark.parametrize("case", [c for c in CASES if c.second_order], ids=lambda c: c.name)
def test_gradgradcheck_float64(case):
    inputs = [minigrad.tensor(a, requires_grad=True) for a in make_inputs(case, np.float64, seed=1)]
    assert gradgradcheck(lambda *xs: case.fn(minigrad, *xs), tuple(inputs))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_float32_values_and_gradients_stay_float32(case):
    inputs = [minigrad.tensor(a, requires_grad=True) for a in make_inputs(case, np.float32)]
    out = case.fn(minigrad, *inputs)
    assert out.dtype == minigrad.float32
    out.sum().backward()
    for x in inputs:
        assert x.grad is not None and x.grad.dtype == minigrad.float32 and x.grad.shape == x.shape


@pytest.mark.skipif(torch is None, reason="torch not installed")
@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-4), (np.float64, 1e-6)])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_matches_torch(case, dtype, rtol):
    arrays = make_inputs(case, dtype, seed=2)
    ours = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out_ours, out_theirs = case.fn(minigrad, *ours), case.fn(torch, *theirs)
    np.testing.assert_allclose(out_ours.detach().numpy(), out_theirs.detach().numpy(), rtol=rtol, atol=rtol)
    upstream = np.random.default_rng(3).standard_normal(out_theirs.shape).astype(dtype)
    out_ours.backward(minigrad.tensor(upstream))
    out_theirs.backward(torch.tensor(upstream))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=rtol * 10)
