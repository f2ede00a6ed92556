"""l1_loss, mse_loss, smooth_l1_loss, huber_loss: torch parity (values and gradients for input and target, every
reduction, broadcasting, weights), gradcheck/gradgradcheck in float64, and the edge cases of spec/losses.md 1."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from loss_parity import check_gradients, compare_with_torch, torch
from minigrad.nn.functional.regression import huber_loss, l1_loss, mse_loss, smooth_l1_loss

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")
REDUCTIONS = ["none", "mean", "sum"]
LOSSES = {
    "l1_loss": (l1_loss, {}),
    "mse_loss": (mse_loss, {}),
    "smooth_l1_loss": (smooth_l1_loss, {"beta": 0.7}),
    "huber_loss": (huber_loss, {"delta": 0.6}),
}


def torch_loss(name):
    return getattr(torch.nn.functional, name)


def pair(shape_x, shape_y, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return np.asarray(rng.normal(0, 1.5, shape_x), dtype), np.asarray(rng.normal(0, 1.5, shape_y), dtype)


# ------------------------------------------------------------------------------------------------ torch parity
@needs_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
def test_matches_torch(name, reduction, dtype):
    fn, extra = LOSSES[name]
    x, y = pair((4, 5), (4, 5), dtype)
    compare_with_torch(fn, torch_loss(name), [x, y], dict(extra, reduction=reduction), grad=(0, 1))


@needs_torch
@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("shapes", [((3, 1), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (3,))])
def test_broadcasting_matches_torch(name, reduction, shapes):
    fn, extra = LOSSES[name]
    x, y = pair(*shapes, np.float64, seed=1)
    compare_with_torch(fn, torch_loss(name), [x, y], dict(extra, reduction=reduction), grad=(0, 1))


@needs_torch
@pytest.mark.filterwarnings("ignore:Using a target size")
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4),
    seed=st.integers(0, 2**16),
    reduction=st.sampled_from(REDUCTIONS),
    name=st.sampled_from(sorted(LOSSES)),
    scale=st.sampled_from([0.1, 1.0, 10.0]),
)
def test_random_shapes_match_torch(shapes, seed, reduction, name, scale):
    fn, extra = LOSSES[name]
    x, y = pair(*shapes.input_shapes, np.float64, seed)
    compare_with_torch(fn, torch_loss(name), [np.asarray(x * scale), y], dict(extra, reduction=reduction), grad=(0, 1))


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "huber_loss"])
def test_weight_matches_torch(name, reduction):
    fn, extra = LOSSES[name]
    x, y = pair((3, 4), (3, 4), np.float64, seed=2)
    weight = np.random.default_rng(3).uniform(0.1, 2.0, (3, 4))
    compare_with_torch(
        fn, torch_loss(name), [x, y], dict(extra, reduction=reduction, weight=weight), grad=(0, 1, "weight")
    )


@needs_torch
@pytest.mark.parametrize("name", LOSSES)
def test_float16_matches_torch(name):
    fn, extra = LOSSES[name]
    x, y = pair((6,), (6,), np.float16, seed=4)
    compare_with_torch(fn, torch_loss(name), [x, y], dict(extra, reduction="sum"), grad=(0,))


# ---------------------------------------------------------------------------------------------- gradcheck
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
def test_gradcheck(name, reduction):
    fn, extra = LOSSES[name]
    x, y = pair((3, 4), (3, 4), np.float64, seed=5)
    check_gradients(fn, [x, y], dict(extra, reduction=reduction), grad=(0, 1))


@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "huber_loss"])
def test_gradcheck_weight(name):
    fn, extra = LOSSES[name]
    x, y = pair((2, 3), (2, 3), np.float64, seed=6)
    weight = np.random.default_rng(7).uniform(0.5, 2.0, (2, 3))
    check_gradients(fn, [x, y], dict(extra, weight=weight), grad=(0, 1, "weight"))


# ---------------------------------------------------------------------------------------- spec values (1.x)
def values_and_grad(fn, x, **kwargs):
    x = minigrad.tensor(x, requires_grad=True)
    loss = fn(x, minigrad.zeros(len(x._data)), reduction="none", **kwargs)
    loss.sum().backward()
    return loss._data, x.grad._data


X = [0.0, 0.5, 1.0, -1.0, 2.0, -0.3]


def test_smooth_l1_spec_table():
    loss, grad = values_and_grad(smooth_l1_loss, X)
    np.testing.assert_allclose(loss, [0, 0.125, 0.5, 0.5, 1.5, 0.045], rtol=1e-6)
    np.testing.assert_allclose(grad, [0, 0.5, 1, -1, 1, -0.3], rtol=1e-6)
    loss, grad = values_and_grad(smooth_l1_loss, X, beta=0.5)
    np.testing.assert_allclose(loss, [0, 0.25, 0.75, 0.75, 1.75, 0.09], rtol=1e-6)
    np.testing.assert_allclose(grad, [0, 1, 1, -1, 1, -0.6], rtol=1e-6)


def test_huber_spec_table():
    loss, grad = values_and_grad(huber_loss, X, delta=0.5)
    np.testing.assert_allclose(loss, [0, 0.125, 0.375, 0.375, 0.875, 0.045], rtol=1e-6)
    np.testing.assert_allclose(grad, [0, 0.5, 0.5, -0.5, 0.5, -0.3], rtol=1e-6)


def test_l1_gradient_is_zero_where_equal():
    loss, grad = values_and_grad(l1_loss, [0.0, 2.0, -3.0])
    np.testing.assert_array_equal(grad, [0, 1, -1])


def test_smooth_l1_beta_zero_is_l1():
    x = minigrad.tensor([0.0, 0.5, -2.0], requires_grad=True)
    loss = smooth_l1_loss(x, minigrad.zeros(3), beta=0.0, reduction="sum")
    loss.backward()
    assert loss.item() == pytest.approx(2.5)
    np.testing.assert_array_equal(x.grad._data, [0, 1, -1])


def test_mse_broadcast_mean_gradient():
    x = minigrad.tensor(np.ones((3, 1)), requires_grad=True)
    with pytest.warns(UserWarning, match="Using a target size"):
        loss = mse_loss(x, minigrad.zeros(3, 4, dtype=minigrad.float64))
    loss.backward()
    np.testing.assert_allclose(x.grad._data, np.full((3, 1), 2 * 4 / 12))


def test_weighted_means():
    x, y = minigrad.tensor([1.0, 3.0]), minigrad.tensor([0.0, 0.0])
    w = minigrad.tensor([1.0, 3.0])
    assert l1_loss(x, y, weight=w).item() == pytest.approx((1 + 9) / 4)
    assert mse_loss(x, y, weight=w).item() == pytest.approx((1 + 27) / 4)
    assert huber_loss(x, y, weight=w).item() == pytest.approx((0.5 + 3 * 2.5) / 2)  # mean(w l), not / Σw


def test_weighted_mse_takes_torch_composite_path_for_integers_and_bools():
    # torch computes the weighted MSE with tensor ops: integers stay integers, bool subtraction raises
    x, y = minigrad.tensor([1, 2, 3]), minigrad.tensor([0, 0, 0])
    loss = mse_loss(x, y, weight=minigrad.tensor([1, 2, 3]), reduction="none")
    assert loss.dtype == minigrad.int64 and loss.tolist() == [1, 8, 27]
    assert mse_loss(x, y, weight=minigrad.tensor([1, 2, 3])).item() == 6.0  # Σ w d² / Σ w, true division
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool tensors"):
        mse_loss(minigrad.tensor([True]), minigrad.tensor([False]), weight=minigrad.tensor([1.0]))
    with pytest.raises(NotImplementedError, match="mse_cpu"):  # without weight: torch's fused kernel
        mse_loss(x, y)
    with pytest.raises(ValueError, match="Weights and input must have the same size"):  # checked first
        mse_loss(minigrad.tensor([True, False]), minigrad.tensor([1.0, 0.0]), weight=minigrad.ones(3))


# ------------------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("fn", [l1_loss, mse_loss, smooth_l1_loss, huber_loss])
def test_invalid_reduction(fn):
    x = minigrad.tensor([1.0])
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        fn(x, x, reduction="foo")


@pytest.mark.parametrize("fn", [l1_loss, mse_loss, smooth_l1_loss, huber_loss])
def test_elementwise_mean_is_deprecated_mean(fn):
    x, y = minigrad.tensor([1.0, 4.0]), minigrad.tensor([0.0, 0.0])
    with pytest.warns(UserWarning, match="elementwise_mean"):
        result = fn(x, y, reduction="elementwise_mean")
    assert result.item() == fn(x, y).item()


@pytest.mark.parametrize("fn", [l1_loss, mse_loss, huber_loss])
def test_weight_errors(fn):
    x = minigrad.tensor([[1.0, 2.0]])
    with pytest.raises(ValueError, match="Weights and input must have the same size."):
        fn(x, x, weight=minigrad.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="Invalid reduction mode: elementwise_mean"):
        fn(x, x, weight=minigrad.ones(1, 2), reduction="elementwise_mean")


@pytest.mark.parametrize("fn", [l1_loss, mse_loss, smooth_l1_loss])
@pytest.mark.parametrize(
    "size_average, reduce, expected",
    [(None, True, "mean"), (False, None, "sum"), (True, False, "none"), (False, False, "none")],
)
def test_legacy_flags_override_reduction(fn, size_average, reduce, expected):
    x, y = minigrad.tensor([1.0, -3.0]), minigrad.tensor([0.0, 0.0])
    with pytest.warns(UserWarning, match=f"please use reduction='{expected}' instead"):
        result = fn(x, y, size_average=size_average, reduce=reduce, reduction="sum" if expected != "sum" else "none")
    np.testing.assert_allclose(result._data, fn(x, y, reduction=expected)._data)


def test_parameter_errors():
    x = minigrad.tensor([1.0])
    with pytest.raises(RuntimeError, match="smooth_l1_loss does not support negative values for beta."):
        smooth_l1_loss(x, x, beta=-1.0)
    for delta in (0.0, -1.0):
        with pytest.raises(RuntimeError, match="huber_loss does not support non-positive values for delta."):
            huber_loss(x, x, delta=delta)


def test_size_mismatch_warns_and_incompatible_raises():
    with pytest.warns(
        UserWarning,
        match=r"Using a target size \(\[4, 1, 2\]\) that is different to the input size "
        r"\(\[2, 3\]\)",
    ):
        with pytest.raises(RuntimeError, match="The size of tensor a"):
            mse_loss(minigrad.ones(2, 3), minigrad.ones(4, 1, 2))


def test_integer_inputs():
    a, b = minigrad.tensor([1, 2, 3]), minigrad.tensor([1, 0, 3])
    assert l1_loss(a, b, reduction="sum").item() == 2
    assert l1_loss(a, b, reduction="none").dtype == minigrad.int64
    with pytest.raises(RuntimeError, match="mean"):
        l1_loss(a, b)
    for fn, kernel in [(mse_loss, "mse_cpu"), (smooth_l1_loss, "smooth_l1_cpu"), (huber_loss, "huber_cpu")]:
        with pytest.raises(NotImplementedError, match=f"\"{kernel}\" not implemented for 'Long'"):
            fn(a, b)
    assert mse_loss(minigrad.tensor([1.0, 2.0, 3.0]), b).item() == pytest.approx(4 / 3)  # a float input is enough


@pytest.mark.parametrize("fn", [l1_loss, mse_loss, smooth_l1_loss, huber_loss])
def test_empty_and_dtypes(fn):
    empty = minigrad.zeros(0, 3)
    assert np.isnan(fn(empty, empty).item())
    assert fn(empty, empty, reduction="sum").item() == 0
    assert fn(empty, empty, reduction="none").shape == (0, 3)
    x32 = minigrad.tensor([0.5, 2.0])
    x64 = minigrad.tensor(np.array([0.1, 0.2]))
    assert fn(x32, x64).dtype == minigrad.float64  # NumPy-style promotion (spec 12.5), Huber included
    assert fn(x32, x32).dtype == minigrad.float32


def test_no_warning_when_shapes_match():
    x = minigrad.ones(2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn in (l1_loss, mse_loss, smooth_l1_loss, huber_loss):
            fn(x, x)
