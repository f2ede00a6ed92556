"""Numerical robustness: float32 logits up to ±1e4 give finite losses and gradients wherever the true value is
finite, matching a float64 computation on the same (float32) inputs; CTC's scaled recursion falls back to log space
on extreme, very peaked inputs and still matches the float64 log-space reference.

The tolerance for float32 is a few ulps of the largest logit (the log-sum-exp of values near 1e4 is only known to
~1e-3 in float32) plus a relative 1e-5.
"""

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from reference import cross_entropy as ce_reference
from reference import elementwise_losses as elementwise_reference
from reference.ctc import ctc_reference, torch_style_grad

SCALES = [1.0, 1e2, 1e3, 1e4]


def logits(rng, shape, scale, dtype=np.float32):
    """Random logits spread over ±scale, always including both extremes."""
    x = rng.uniform(-1, 1, shape) * scale
    x.reshape(-1)[:2] = [scale, -scale][: x.size]
    return x.astype(dtype)


def assert_finite_and_close(actual, expected, magnitude, what, dtype=np.float32):
    actual = np.asarray(actual, dtype=np.float64)
    assert np.isfinite(actual).all(), f"{what}: not finite at {np.argwhere(~np.isfinite(actual))[:3].tolist()}"
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(
        actual, expected, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=8 * eps * max(magnitude, 1.0), err_msg=what
    )


def leaf(array):
    return minigrad.tensor(array, requires_grad=True)


# ----------------------------------------------------------------------------------------------- softmax family
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_and_logsumexp_of_large_logits(scale, dtype, rng):
    x = logits(rng, (16, 33), scale, dtype)
    reference = ce_reference.log_softmax(x)
    upstream = rng.standard_normal(x.shape)

    t = leaf(x)
    out = F.log_softmax(t, 1)
    out.backward(minigrad.tensor(upstream.astype(dtype)))
    assert_finite_and_close(out._data, reference, scale, "log_softmax", dtype)
    expected_grad = upstream - np.exp(reference) * upstream.sum(1, keepdims=True)
    assert_finite_and_close(t.grad._data, expected_grad, upstream.sum(1).max() * 2, "log_softmax gradient", dtype)

    t = leaf(x)
    lse = minigrad.logsumexp(t, 1)
    lse.sum().backward()
    assert_finite_and_close(lse._data, (x.astype(np.float64) - reference)[:, 0], scale, "logsumexp", dtype)
    # exp(x - lse) with lse rounded to the dtype: an error of ~eps·|x| (torch's too)
    assert_finite_and_close(t.grad._data, np.exp(reference), scale, "logsumexp gradient", dtype)


def test_logsumexp_with_infinite_entries():
    x = np.array([[-np.inf, -np.inf], [-np.inf, 1e4], [1e4, 1e4], [-1e4, -1e4]], dtype=np.float32)
    t = leaf(x)
    lse = minigrad.logsumexp(t, 1)
    lse.sum().backward()
    expected = [-np.inf, 1e4, 1e4 + np.log(2), -1e4 + np.log(2)]
    np.testing.assert_allclose(lse._data, expected, rtol=1e-6)
    assert np.isfinite(t.grad._data[1:]).all()
    np.testing.assert_allclose(t.grad._data[1:], [[0, 1], [0.5, 0.5], [0.5, 0.5]], atol=1e4 * 2e-7)  # (see above)


# ------------------------------------------------------------------------------------------------ cross-entropy
CE_SHAPES = [(64, 10), (7, 1000), (3, 5, 4, 6), (5,)]  # rows, wide rows, the column (K-dim) kernel, unbatched


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("shape", CE_SHAPES, ids=str)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_of_large_logits(scale, shape, label_smoothing, rng):
    x = logits(rng, shape, scale)
    classes = shape[1] if len(shape) > 1 else shape[0]
    target = rng.integers(0, classes, shape[:1] + shape[2:] if len(shape) > 1 else ())
    weight = rng.uniform(0.5, 2.0, classes).astype(np.float32)
    t = leaf(x)
    loss = F.cross_entropy(
        t, minigrad.tensor(target), weight=minigrad.tensor(weight), reduction="sum", label_smoothing=label_smoothing
    )
    loss.backward()
    rows = np.moveaxis(x, 1, -1).reshape(-1, classes) if len(shape) > 1 else x.reshape(1, -1)
    expected, (grad,) = ce_reference.cross_entropy(
        rows, np.asarray(target).reshape(-1), weight, label_smoothing=label_smoothing, reduction="sum"
    )
    assert_finite_and_close(loss._data, expected, scale * rows.shape[0] * 2 * weight.max(), "cross_entropy")
    grad = np.moveaxis(grad.reshape(np.moveaxis(x, 1, -1).shape), -1, 1) if len(shape) > 1 else grad.reshape(shape)
    assert_finite_and_close(t.grad._data, grad, 2 * weight.max(), "cross_entropy gradient")


@pytest.mark.parametrize("scale", SCALES)
def test_cross_entropy_with_probability_targets_of_large_logits(scale, rng):
    x = logits(rng, (32, 12), scale)
    target = rng.dirichlet(np.ones(12), 32).astype(np.float32)
    t, p = leaf(x), leaf(target)
    loss = F.cross_entropy(t, p, reduction="sum")
    loss.backward()
    expected, (grad_x, grad_t, _) = ce_reference.cross_entropy_prob_targets(x, target, reduction="sum")
    assert_finite_and_close(loss._data, expected, scale * 64, "cross_entropy(probabilities)")
    assert_finite_and_close(t.grad._data, grad_x, 2.0, "gradient w.r.t. the logits")
    assert_finite_and_close(p.grad._data, grad_t, 2 * scale, "gradient w.r.t. the target")


# --------------------------------------------------------------------------------------- binary / soft margin
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("pos_weight", [None, 3.0])
def test_binary_cross_entropy_with_logits_of_large_logits(scale, pos_weight, rng):
    x = logits(rng, (40, 25), scale)
    y = rng.choice([0.0, 1.0, 0.3, 0.999], size=x.shape).astype(np.float32)
    p = None if pos_weight is None else np.full(25, pos_weight, np.float32)
    t = leaf(x)
    loss = F.binary_cross_entropy_with_logits(
        t, minigrad.tensor(y), reduction="none", pos_weight=None if p is None else minigrad.tensor(p)
    )
    loss.sum().backward()
    expected, grad, _ = elementwise_reference.binary_cross_entropy_with_logits.readable(
        x, y, None if p is None else np.broadcast_to(p, x.shape)
    )
    assert_finite_and_close(loss._data, expected, scale * (pos_weight or 1) * 2, "BCE with logits")
    assert_finite_and_close(t.grad._data, grad, 2 * (pos_weight or 1), "BCE with logits gradient")


@pytest.mark.parametrize("scale", SCALES)
def test_soft_margin_loss_of_large_logits(scale, rng):
    """softplus(-y x) stays finite where torch's float32 log1p(exp(-y x)) overflows (spec §12.4)."""
    x = logits(rng, (50, 20), scale)
    y = rng.choice([-1.0, 1.0], size=x.shape).astype(np.float32)
    t = leaf(x)
    loss = F.soft_margin_loss(t, minigrad.tensor(y), reduction="none")
    loss.sum().backward()
    expected, grad, _ = elementwise_reference.soft_margin.readable(x, y)
    assert_finite_and_close(loss._data, expected, scale * 2, "soft_margin_loss")
    assert_finite_and_close(t.grad._data, grad, 2.0, "soft_margin_loss gradient")


# ------------------------------------------------------------------------------------------------------- CTC
def ctc_case(rng, T, N, C, max_target, scale, min_input_fraction=1.0):
    """Logits (T, N, C) over ±scale, concatenated targets without blank (0), lengths; every sample feasible."""
    x = logits(rng, (T, N, C), scale)
    target_lengths = rng.integers(1, max_target + 1, N)
    input_lengths = rng.integers(int(T * min_input_fraction), T + 1, N)
    targets = rng.integers(1, C, int(target_lengths.sum()))
    return x, targets, input_lengths, target_lengths


def check_ctc_against_reference(x, targets, input_lengths, target_lengths, magnitude):
    """minigrad's CTC of log_softmax(x) against the float64 log-space reference on the same log-probabilities."""
    t = leaf(x)
    log_probs = F.log_softmax(t, 2)
    loss = F.ctc_loss(
        log_probs,
        minigrad.tensor(targets),
        minigrad.tensor(input_lengths),
        minigrad.tensor(target_lengths),
        reduction="none",
    )
    loss.sum().backward()
    nll, grad = ctc_reference(log_probs._data, targets, input_lengths, target_lengths)
    finite = np.isfinite(nll)
    assert finite.any()
    assert_finite_and_close(loss._data[finite], nll[finite], magnitude * x.shape[0], "ctc_loss")
    # w.r.t. the logits (through log_softmax) the gradient is exp(lp) - γ on t < T_b, as torch's
    expected_grad = torch_style_grad(log_probs._data, grad, input_lengths)
    assert_finite_and_close(t.grad._data[:, finite], expected_grad[:, finite], 4.0, "ctc_loss gradient")
    return loss._data


@pytest.mark.parametrize("scale", SCALES)
def test_ctc_of_large_logits_matches_float64_log_space(scale, rng):
    check_ctc_against_reference(*ctc_case(rng, T=30, N=4, C=6, max_target=5, scale=scale), magnitude=scale)


def peaked_against_the_target(rng, T, C, labels, depth):
    """Logits that put every frame's mass on the blank, with the target's labels ``depth`` below it: each path
    has probability about e^(-depth·L), below double's range for depth 1e3 and more, so the scaled recursion
    underflows, while the negative log-likelihood itself is a finite ~depth·L."""
    x = np.full((T, 1, C), -2 * depth, dtype=np.float32)
    x[:, 0, 0] = 0.0
    x[:, 0, labels] = -depth
    return x


@pytest.mark.parametrize("depth, fallback", [(50.0, False), (800.0, True), (1e4, True)])
def test_ctc_falls_back_to_log_space_on_peaked_inputs(depth, fallback, rng):
    labels = np.array([1, 2, 2, 3])
    x = peaked_against_the_target(rng, 12, 5, labels, depth)
    loss = check_ctc_against_reference(x, labels, np.array([12]), np.array([4]), magnitude=depth)
    assert loss[0] > depth  # really that unlikely
    kernel = pytest.importorskip("minigrad._kernels.ctc")
    paths = np.empty(1, np.int8)
    kernel.ctc_loss(
        np.ascontiguousarray(ce_reference.log_softmax(x).astype(np.float32)),
        labels,
        np.zeros(1, np.int64),
        np.array([12]),
        np.array([4]),
        0,
        False,
        np.ones(1),
        np.empty(1, np.float32),
        None,
        1,
        paths=paths,
    )
    assert paths[0] == (kernel.PATH_LOG_SPACE if fallback else kernel.PATH_SCALED)


def test_ctc_fallback_is_per_sample(rng):
    """One extreme sample in a batch of ordinary ones: each sample is right, and the ordinary ones are exactly
    what they are on their own (the fallback does not spill over)."""
    x, targets, input_lengths, target_lengths = ctc_case(rng, T=16, N=5, C=6, max_target=3, scale=3.0)
    labels = targets[: target_lengths[0]]
    x[:, :1] = peaked_against_the_target(rng, 16, 6, labels, 5e3)
    input_lengths[0] = 16
    batch = check_ctc_against_reference(x, targets, input_lengths, target_lengths, magnitude=5e3)
    alone = F.ctc_loss(
        F.log_softmax(minigrad.tensor(x[:, 1:]), 2),
        minigrad.tensor(targets[target_lengths[0] :]),
        minigrad.tensor(input_lengths[1:]),
        minigrad.tensor(target_lengths[1:]),
        reduction="none",
    )
    np.testing.assert_array_equal(batch[1:], alone._data)


def test_ctc_long_sequences_do_not_underflow(rng):
    """T = 2000 frames of moderate logits: the unscaled path probability is far below double's range."""
    check_ctc_against_reference(
        *ctc_case(rng, T=2000, N=2, C=5, max_target=20, scale=4.0, min_input_fraction=0.9), magnitude=4.0
    )


def test_ctc_scaled_and_log_space_kernels_agree_on_extreme_inputs(rng):
    """The kernel's own check: with the log-space path forced, the same losses and gradients."""
    kernel = pytest.importorskip("minigrad._kernels.ctc")
    for scale in (1.0, 1e2, 1e4):
        x, targets, input_lengths, target_lengths = ctc_case(rng, T=25, N=6, C=7, max_target=6, scale=scale)
        log_probs = np.ascontiguousarray(ce_reference.log_softmax(x).astype(np.float32))
        offsets = np.concatenate([[0], np.cumsum(target_lengths)[:-1]]).astype(np.int64)
        results = []
        for forced in (False, True):
            nll, grad = np.empty(len(input_lengths), np.float32), np.empty_like(log_probs)
            kernel.ctc_loss(
                log_probs,
                targets,
                offsets,
                input_lengths,
                target_lengths,
                0,
                False,
                np.ones(len(input_lengths)),
                nll,
                grad,
                1,
                force_log_space=forced,
            )
            results.append((nll, grad))
        (nll, grad), (nll_log, grad_log) = results
        finite = np.isfinite(nll_log)
        np.testing.assert_array_equal(np.isfinite(nll), finite)
        np.testing.assert_allclose(nll[finite], nll_log[finite], rtol=1e-5, atol=1e-3 * max(scale, 1))
        np.testing.assert_allclose(grad[:, finite], grad_log[:, finite], atol=1e-4)
