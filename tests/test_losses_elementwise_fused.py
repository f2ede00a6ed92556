"""The fused elementwise losses (mse, smooth_l1, huber, binary_cross_entropy(_with_logits), soft_margin): the
kernel's cached gradient (a plain backward) and the Tensor-op gradient the backward writes under
create_graph=True must be the same first derivatives, for every reduction, dtype, broadcast and weighting, at the
kinks too. Also: the fused node is the default path, and a retained graph's second backward gives the gradients
again even after the first ones were changed in place."""

import warnings

import numpy as np
import pytest

import minigrad
from minigrad.autograd import grad
from minigrad.nn.functional import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    huber_loss,
    mse_loss,
    smooth_l1_loss,
    soft_margin_loss,
)

REDUCTIONS = ["none", "mean", "sum"]
TOLERANCE = {np.float16: 2e-3, np.float32: 2e-6, np.float64: 1e-12}


def regression_case(rng, shape, target_shape, dtype):
    return rng.normal(0, 2, shape).astype(dtype), rng.normal(0, 2, target_shape).astype(dtype), {}


# name -> (loss, make(rng, dtype) -> (input, target, keyword arrays), whether the target is differentiable)
CASES = {
    "mse": (mse_loss, lambda rng, dtype: regression_case(rng, (3, 4), (3, 4), dtype), True),
    "mse broadcast target": (mse_loss, lambda rng, dtype: regression_case(rng, (3, 1), (2, 1, 4), dtype), True),
    "mse weight": (
        mse_loss,
        lambda rng, dtype: (
            regression_case(rng, (3, 4), (3, 4), dtype)[:2] + ({"weight": rng.uniform(0.5, 2, (3, 4)).astype(dtype)},)
        ),
        True,
    ),
    "smooth_l1": (
        lambda x, y, **kw: smooth_l1_loss(x, y, beta=0.7, **kw),
        lambda rng, dtype: regression_case(rng, (3, 4), (4,), dtype),
        True,
    ),
    "huber": (
        lambda x, y, **kw: huber_loss(x, y, delta=1.3, **kw),
        lambda rng, dtype: regression_case(rng, (3, 4), (3, 4), dtype),
        True,
    ),
    "huber weight": (
        lambda x, y, **kw: huber_loss(x, y, delta=0.4, **kw),
        lambda rng, dtype: (
            regression_case(rng, (3, 4), (3, 4), dtype)[:2] + ({"weight": rng.uniform(0.5, 2, (3, 4)).astype(dtype)},)
        ),
        True,
    ),
    "bce": (
        binary_cross_entropy,
        lambda rng, dtype: (
            rng.uniform(0.02, 0.98, (3, 4)).astype(dtype),
            rng.uniform(0, 1, (3, 4)).astype(dtype),
            {"weight": rng.uniform(0.5, 2, (3, 1)).astype(dtype)},
        ),
        True,
    ),
    "bce_with_logits": (
        binary_cross_entropy_with_logits,
        lambda rng, dtype: (rng.normal(0, 3, (3, 4)).astype(dtype), rng.uniform(0, 1, (3, 4)).astype(dtype), {}),
        True,
    ),
    "bce_with_logits weights": (
        binary_cross_entropy_with_logits,
        lambda rng, dtype: (
            rng.normal(0, 3, (3, 4)).astype(dtype),
            rng.uniform(0, 1, (3, 4)).astype(dtype),
            {
                "weight": rng.uniform(0.5, 2, (4,)).astype(dtype),
                "pos_weight": rng.uniform(0.5, 3, (3, 1)).astype(dtype),
            },
        ),
        True,
    ),
    "soft_margin": (
        soft_margin_loss,
        lambda rng, dtype: (
            rng.normal(0, 3, (3, 4)).astype(dtype),
            rng.choice([-1.0, 1.0, 0.5], (4,)).astype(dtype),
            {},
        ),
        False,
    ),
}


def gradients(loss, x, y, kwargs, differentiable_target, reduction, upstream, create_graph):
    """The gradients of the loss w.r.t. input (and target), the first or the recorded way."""
    inputs = [minigrad.tensor(x, requires_grad=True), minigrad.tensor(y, requires_grad=differentiable_target)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the broadcast-target warning
        out = loss(*inputs, reduction=reduction, **{k: minigrad.tensor(v) for k, v in kwargs.items()})
    seed = minigrad.tensor(upstream(out.shape).astype(out._data.dtype))
    results = grad(out, inputs[: 1 + differentiable_target], seed, create_graph=create_graph)
    assert all(r.requires_grad == create_graph for r in results)
    return [r._data for r in results]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", CASES)
def test_fused_and_create_graph_first_derivatives_agree(name, reduction, dtype, rng):
    loss, make, differentiable_target = CASES[name]
    x, y, kwargs = make(rng, dtype)

    def upstream(shape):  # the same upstream gradient for both
        return np.random.default_rng(5).standard_normal(shape)

    fused = gradients(loss, x, y, kwargs, differentiable_target, reduction, upstream, create_graph=False)
    recorded = gradients(loss, x, y, kwargs, differentiable_target, reduction, upstream, create_graph=True)
    for a, b, argument in zip(fused, recorded, (x, y)):
        assert a.shape == b.shape == argument.shape and a.dtype == b.dtype == argument.dtype
        np.testing.assert_allclose(a, b, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


# the kinks and edges: d = 0 and |d| = beta / delta exactly, infinite and nan d, BCE at x in {0, 1} (±1e12 and
# infinite gradients), logits and margins far out
EDGES = {
    "smooth_l1": (
        lambda x, y, **kw: smooth_l1_loss(x, y, beta=0.5, **kw),
        [0.0, 0.5, -0.5, 0.25, 3.0, np.inf, np.nan],
        [0.0, 0.0, 0.0, 0.25, -1.0, 0.0, 0.0],
    ),
    "huber": (
        lambda x, y, **kw: huber_loss(x, y, delta=0.5, **kw),
        [0.0, 0.5, -0.5, 0.25, 3.0, -np.inf, 1.0],
        [0.0, 0.0, 0.0, 0.25, -1.0, 0.0, np.nan],
    ),
    "mse": (mse_loss, [0.0, 1.0, -2.0, 1e3, 5.0, -0.5, np.nan], [0.0, 1.0, 2.0, -1e3, 5.0, 0.5, 0.0]),
    "bce": (binary_cross_entropy, [0.0, 1.0, 0.5, 1e-30, 1.0, 0.0], [0.0, 1.0, 1.0, 1.0, 0.0, 1.0]),
    "bce_with_logits": (
        binary_cross_entropy_with_logits,
        [-100.0, -20.0, 0.0, 20.0, 100.0, 3.0],
        [1.0, 0.0, 0.5, 1.0, 0.0, 0.2],
    ),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", EDGES)
def test_paths_agree_at_kinks_and_edges(name, dtype):
    loss, x, y = EDGES[name]
    x, y = np.array(x, dtype), np.array(y, dtype)
    ones = np.ones
    with np.errstate(all="ignore"):
        fused = gradients(loss, x, y, {}, True, "none", ones, create_graph=False)
        recorded = gradients(loss, x, y, {}, True, "none", ones, create_graph=True)
    for a, b in zip(fused, recorded):
        np.testing.assert_allclose(a, b, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


def test_soft_margin_paths_agree_far_out():
    x, y = np.array([-89.0, 20.0, -1e4, 1e4, 0.0], np.float32), np.array([1.0, 1.0, -1.0, 1.0, 1.0], np.float32)
    fused = gradients(soft_margin_loss, x, y, {}, False, "none", np.ones, create_graph=False)
    recorded = gradients(soft_margin_loss, x, y, {}, False, "none", np.ones, create_graph=True)
    np.testing.assert_allclose(fused[0], recorded[0], rtol=1e-6, atol=0)
    np.testing.assert_allclose(fused[0], [-1.0, -2.0611537e-9, 0.0, -0.0, -0.5], rtol=1e-5)


@pytest.mark.parametrize(
    "loss, node",
    [
        (mse_loss, "MseLoss"),
        (smooth_l1_loss, "SmoothL1Loss"),
        (huber_loss, "HuberLoss"),
        (binary_cross_entropy, "BinaryCrossEntropy"),
        (binary_cross_entropy_with_logits, "BinaryCrossEntropyWithLogits"),
        (soft_margin_loss, "SoftMarginLoss"),
    ],
)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_fused_node_is_the_default_and_a_retained_graph_gives_the_gradients_again(loss, node, reduction):
    x = minigrad.tensor(np.linspace(0.1, 0.9, 12).reshape(3, 4), requires_grad=True)
    y = minigrad.tensor(np.linspace(0.9, 0.2, 12).reshape(3, 4), requires_grad=loss is not soft_margin_loss)
    out = loss(x, y, reduction=reduction)
    assert out.grad_fn.name() == node + "Backward"
    seed = minigrad.tensor(np.full(out.shape, 2.0))
    out.backward(seed, retain_graph=True)
    first = [t.grad._data.copy() for t in (x, y) if t.requires_grad]
    for t in (x, y):
        if t.requires_grad:
            t.grad._data *= 100  # the handed-over gradient belongs to the receiver now
            t.grad = None
    out.backward(seed)
    for expected, t in zip(first, (x, y)):
        np.testing.assert_array_equal(t.grad._data, expected)
