"""The elementwise loss kernels (minigrad._kernels.elementwise_losses) against the NumPy references in
tests/reference/elementwise_losses.py: float32 and float64, elementwise and summed, 1 and 2 threads, with and
without weights and gradients, read-only inputs, and the values spec/losses.md lists at the edges."""

import numpy as np
import pytest

from minigrad._kernels import elementwise_losses as kernels
from reference import elementwise_losses as reference

DTYPES = [np.float32, np.float64]
TOL = {np.float32: 3e-6, np.float64: 1e-13}
SIZES = [0, 1, 17, 100_003]  # empty, a tail only, and enough blocks for two threads


def assert_close(actual, expected, dtype, scale):
    """Relative to the dtype, plus an absolute part for cancellation between terms of size ``scale``."""
    np.testing.assert_allclose(actual, expected, rtol=TOL[dtype], atol=TOL[dtype] * scale, equal_nan=True)


def inputs(rng, size, dtype, kind):
    x = rng.normal(0, 4, size)
    y = {
        "regression": rng.normal(0, 4, size),
        "probability": rng.random(size),
        "sign": rng.choice([-1.0, 1.0, 0.5], size),
    }[kind]
    if kind == "probability" and size:
        x = rng.uniform(0, 1, size)
        x[:4] = [0.0, 1.0, 1e-30, 0.5][:size]  # log(0) is clamped at -100 in the value
    arrays = [x.astype(dtype), y.astype(dtype)]
    for array in arrays:
        array.flags.writeable = False
    return arrays


def _weights(x):
    rng = np.random.default_rng(x.size)
    return rng.uniform(0.2, 2, x.size).astype(x.dtype), rng.uniform(0.5, 3, x.size).astype(x.dtype)


# name: (kernel name, options(x) between the inputs and the scale, kind of inputs, number of gradient outputs)
CASES = {
    "mse": ("mse", lambda x: (), "regression", 1),
    "smooth_l1": ("smooth_l1", lambda x: (0.7,), "regression", 1),
    "huber": ("huber", lambda x: (1.3,), "regression", 1),
    "bce": ("binary_cross_entropy", lambda x: (None,), "probability", 2),
    "bce weighted": ("binary_cross_entropy", lambda x: (_weights(x)[0],), "probability", 2),
    "bce_with_logits": ("binary_cross_entropy_with_logits", lambda x: (None, None), "probability_logits", 2),
    "bce_with_logits weighted": (
        "binary_cross_entropy_with_logits",
        lambda x: (_weights(x)[1], _weights(x)[0]),
        "probability_logits",
        2,
    ),
    "bce_with_logits pos_weight only": (
        "binary_cross_entropy_with_logits",
        lambda x: (_weights(x)[1], None),
        "probability_logits",
        2,
    ),
    "soft_margin": ("soft_margin", lambda x: (), "sign", 1),
    "hinge_embedding": ("hinge_embedding", lambda x: (0.5,), "sign", 1),
}


def run(function, x, y, options, reduce, need_grad, target_grad, threads, grads, scale=1.0):
    """Call a kernel (or its reference twin) with fresh outputs: ``(loss or its sum, grad_x, grad_y)``."""
    loss = None if reduce else np.full_like(x, np.nan)
    outputs = [np.full_like(x, np.nan) if need_grad else None, np.full_like(x, np.nan) if target_grad else None]
    total = function(x, y, *options, scale, loss, *outputs[:grads], threads)
    assert isinstance(total, float)
    return (total if reduce else loss), outputs[0], (outputs[1] if grads == 2 else None)


def call_case(name, x, y, reduce, need_grad, target_grad, threads, module=kernels):
    kernel, options, _, grads = CASES[name]
    return run(getattr(module, kernel), x, y, options(x), reduce, need_grad, target_grad, threads, grads)


def make_inputs(rng, size, dtype, kind):
    if kind == "probability_logits":  # logits with probability targets
        x, _ = inputs(rng, size, dtype, "regression")
        _, y = inputs(rng, size, dtype, "probability")
        return x, y
    return inputs(rng, size, dtype, kind)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", CASES)
def test_matches_reference(name, dtype, threads, rng):
    _, _, kind, grads = CASES[name]
    has_target_grad = grads == 2
    for size in SIZES:
        x, y = make_inputs(rng, size, dtype, kind)
        expected_loss, expected_dx, expected_dy = call_case(name, x, y, False, True, True, 1, reference)
        scale = float(10 * (1 + np.abs(x).max())) if size else 1.0  # the size of the terms that may cancel
        loss, dx, dy = call_case(name, x, y, False, True, True, threads)
        assert loss.dtype == dtype and dx.dtype == dtype
        assert_close(loss, expected_loss, dtype, scale)
        assert_close(dx, expected_dx, dtype, scale)
        if has_target_grad:
            finite = np.isfinite(expected_dy)  # log(1 - x) - log(x) is infinite at x in {0, 1}
            assert_close(dy[finite], expected_dy[finite], dtype, scale)
            np.testing.assert_array_equal(dy[~finite], expected_dy[~finite])
        else:
            assert dy is None
        total, dx_again, _ = call_case(name, x, y, True, True, False, threads)
        assert total == pytest.approx(expected_loss.sum(), rel=TOL[dtype] * 10, abs=TOL[dtype] * scale * size)
        np.testing.assert_array_equal(dx_again, dx)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", CASES)
def test_threads_give_identical_bits_and_skipped_outputs_agree(name, dtype, rng):
    """The thread count never changes a bit. A loop without the gradient is compiled separately, and the compiler
    may fuse its multiply-adds differently, so the loss then agrees to rounding only."""
    x, y = make_inputs(rng, 300_001, dtype, CASES[name][2])
    one, two = (call_case(name, x, y, True, True, True, threads) for threads in (1, 2))
    assert one[0] == two[0]
    np.testing.assert_array_equal(one[1], two[1])
    total, dx, _ = call_case(name, x, y, True, False, True, 2)
    assert total == pytest.approx(one[0], rel=TOL[dtype]) and dx is None
    loss, dx, _ = call_case(name, x, y, False, False, False, 2)
    assert_close(loss, call_case(name, x, y, False, True, False, 1)[0], dtype, 1.0)
    assert dx is None and loss.sum(dtype=np.float64) == pytest.approx(total, rel=TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_gradient_scale(dtype, rng):
    x, y = make_inputs(rng, 1000, dtype, "regression")
    kernel = kernels.binary_cross_entropy_with_logits
    _, dx, dy = run(kernel, x, y, (None, None), True, True, True, 1, 2, scale=1e-3)
    _, unscaled, unscaled_dy = run(kernel, x, y, (None, None), True, True, True, 1, 2)
    np.testing.assert_allclose(dy, unscaled_dy * 1e-3, rtol=TOL[dtype] * 10)
    np.testing.assert_allclose(dx, unscaled * 1e-3, rtol=TOL[dtype] * 10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_edges_from_the_spec(dtype):
    """spec §3.1: the logs are clamped at -100 in the value but not in the gradient."""
    x = np.array([0, 1, 0.5, 1e-50, 1e-45, 0.3, 1, 0], dtype)
    y = np.array([0, 1, 1, 1, 1, 0.7, 0, 1], dtype)
    loss, dx, dy = run(kernels.binary_cross_entropy, x, y, (None,), False, True, True, 1, 2)
    np.testing.assert_allclose(loss, [0, 0, 0.6931472, 100, 100, 0.9497834, 100, 100], rtol=1e-6)
    np.testing.assert_allclose(dx, [0, 0, -2, -1e12, -1e12, -1.9047619, 1e12, -1e12], rtol=1e-5)
    assert dy[0] == np.inf and dy[1] == -np.inf


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_edges_from_the_spec(dtype):
    """spec §3.2 values; for x = -20, y = 0 the kernel keeps the true 2.06e-9 (torch's float32 gives 0)."""
    x = np.array([-100, -5, 0, 5, 100, 3, -20], dtype)
    y = np.array([1, 0, 0.5, 1, 0, 0.2, 0], dtype)
    loss, dx, _ = run(kernels.binary_cross_entropy_with_logits, x, y, (None, None), False, True, False, 1, 2)
    np.testing.assert_allclose(loss, [100, 0.0067153, 0.6931472, 0.0067153, 100, 2.4485873, 2.0611537e-9], rtol=1e-5)
    np.testing.assert_allclose(dx, [-1, 0.0066929, 0, -0.0066929, 1, 0.7525741, 2.0611537e-9], rtol=1e-4)


def test_soft_margin_does_not_overflow_in_float32():
    """spec §12.4: log1p(exp(89)) overflows float32 in torch; softplus stays finite."""
    loss, dx, _ = run(
        kernels.soft_margin,
        np.array([-89.0, 20.0], np.float32),
        np.array([1.0, 1.0], np.float32),
        (),
        False,
        True,
        False,
        1,
        1,
    )
    np.testing.assert_allclose(loss, [89.0, 2.0611537e-9], rtol=1e-6)
    np.testing.assert_allclose(dx, [-1.0, -2.0611537e-9], rtol=1e-5)


def test_kinks_follow_torch():
    """smooth L1 and Huber switch branches at |d| == beta / delta with matching slopes; MSE's gradient is 0 at 0."""
    x = np.array([0.0, 0.7, -0.7, 2.0], np.float64)
    y = np.zeros(4)
    _, slope, _ = run(kernels.smooth_l1, x, y, (0.7,), False, True, False, 1, 1)
    np.testing.assert_array_equal(slope, [0, 1, -1, 1])
    loss, slope, _ = run(kernels.huber, x, y, (0.7,), False, True, False, 1, 1)
    np.testing.assert_allclose(loss, [0, 0.245, 0.245, 0.7 * (2 - 0.35)])
    np.testing.assert_array_equal(slope, [0, 0.7, -0.7, 0.7])


@pytest.mark.parametrize("dtype", DTYPES)
def test_matches_torch(dtype, rng):
    """The kernels against torch's own kernels, elementwise (float64: to the last digits but a few ulps)."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    size = 5000
    x, y = (rng.normal(0, 3, size).astype(dtype) for _ in range(2))
    p, t = rng.uniform(0, 1, size).astype(dtype), rng.uniform(0, 1, size).astype(dtype)
    p[:3] = [0.0, 1.0, 1e-30]
    w, pw = rng.uniform(0.5, 2, size).astype(dtype), rng.uniform(0.5, 3, size).astype(dtype)
    sign = rng.choice([-1.0, 1.0], size).astype(dtype)

    def ours(kernel, a, b, options=(), grads=1):
        return run(kernel, a, b, options, False, True, False, 1, grads)[:2]

    cases = [
        (ours(kernels.mse, x, y), F.mse_loss, (x, y), {}),
        (ours(kernels.smooth_l1, x, y, (0.7,)), F.smooth_l1_loss, (x, y), {"beta": 0.7}),
        (ours(kernels.huber, x, y, (1.3,)), F.huber_loss, (x, y), {"delta": 1.3}),
        (
            ours(kernels.binary_cross_entropy, p, t, (w,), 2),
            F.binary_cross_entropy,
            (p, t),
            {"weight": torch.tensor(w)},
        ),
        (
            ours(kernels.binary_cross_entropy_with_logits, x, t, (pw, w), 2),
            F.binary_cross_entropy_with_logits,
            (x, t),
            {"weight": torch.tensor(w), "pos_weight": torch.tensor(pw)},
        ),
        (ours(kernels.soft_margin, x, sign), F.soft_margin_loss, (x, sign), {}),
        (ours(kernels.hinge_embedding, x, sign, (0.5,)), F.hinge_embedding_loss, (x, sign), {"margin": 0.5}),
    ]
    for (loss, dx), fn, (a, b), kwargs in cases:
        leaf = torch.tensor(a, requires_grad=True)
        expected = fn(leaf, torch.tensor(b), reduction="none", **kwargs)
        expected.sum().backward()
        scale = 10 * (1 + np.abs(a).max()) * 6  # terms up to |x| times the weights may cancel
        assert_close(loss, expected.detach().numpy(), dtype, scale)
        assert_close(dx, leaf.grad.numpy(), dtype, scale)
