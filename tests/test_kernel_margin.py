"""The margin-loss kernels (minigrad._kernels.margin, and hinge / ranking in minigrad._kernels.elementwise_losses)
against the NumPy references in tests/reference/margin.py, whose kernel-convention twins are called exactly as the
kernels are: random data and the edge cases (kinks, ties, empty batches, duplicated targets, rows starting with
-1, rows listing every class, many targets, inf/nan scores), float32 and float64, 1 and 2 threads, read-only
inputs."""

import numpy as np
import pytest

from minigrad._kernels import elementwise_losses as elementwise_kernels
from minigrad._kernels import margin as kernels
from reference import elementwise_losses as elementwise_reference
from reference import margin as reference

DTYPES = [np.float32, np.float64]
TOL = {np.float32: 2e-5, np.float64: 1e-12}
THREADS = [1, 2]


def assert_close(actual, expected, dtype, scale=1.0):
    """Equal to the dtype's tolerance; ``scale`` widens the absolute part (for differences of large values)."""
    np.testing.assert_allclose(actual, expected, rtol=TOL[dtype], atol=TOL[dtype] * scale, equal_nan=True)


def read_only(*arrays):
    for array in arrays:
        array.flags.writeable = False
    return arrays


def rows_call(kernel, inputs, options, rows, grads, need_grad, threads, **keywords):
    """Call a row kernel with fresh outputs as the convention has it: ``(loss_out, *grad_outs)`` (None for the
    gradients not asked for); checks that the returned sum is the sum of loss_out."""
    loss = np.full(rows, np.nan, inputs[0].dtype)
    outputs = [np.full_like(inputs[0], np.nan) if need_grad else None for _ in range(grads)]
    total = kernel(*inputs, *options, 1.0, loss, *outputs, threads, **keywords)
    assert total == pytest.approx(float(loss.sum(dtype=np.float64)), rel=TOL[loss.dtype.type], nan_ok=True)
    return (loss, *outputs)


# ------------------------------------------------------------------------------------------------ multi-margin
def multi_margin(x, target, p=1, margin=1.0, weight=None, threads=1, need_grad=True, module=kernels):
    weight = np.ones(x.shape[1], x.dtype) if weight is None else weight
    return rows_call(module.multi_margin, (x, target, weight), (p, margin), len(x), 1, need_grad, threads)


def multilabel(x, target, threads=1, path="auto", need_grad=True, module=kernels):
    keywords = {"path": path} if module is kernels else {}
    return rows_call(module.multilabel_margin, (x, target), (), len(x), 1, need_grad, threads, **keywords)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("dtype", DTYPES)
def test_multi_margin_matches_reference(dtype, p, threads, rng):
    x = rng.normal(size=(300, 130)).astype(dtype)  # big enough to run on two threads
    target = rng.integers(0, 130, 300)
    weight = rng.uniform(0.5, 2, 130).astype(dtype)
    x, target, weight = read_only(x, target, weight)
    for margin in (1.0, 0.3, -0.5):
        loss, grad = multi_margin(x, target, p, margin, weight, threads)
        expected_loss, expected_grad = multi_margin(
            x.astype(np.float64), target, p, margin, weight.astype(np.float64), module=reference
        )
        assert_close(loss, expected_loss, dtype)
        assert_close(grad, expected_grad, dtype)
        assert grad.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_multi_margin_kink_is_strict(dtype):
    # z = margin - x[y] + x[i] is exactly 0 for class 0: no loss, no gradient there.
    x = np.array([[0.0, 1.0, 0.5]], dtype)
    loss, grad = multi_margin(x, np.array([1]), p=1)
    assert grad[0, 0] == 0
    assert_close(grad, [[0, -1 / 3, 1 / 3]], dtype)
    assert loss[0] == pytest.approx(0.5 / 3)


@pytest.mark.parametrize("dtype", DTYPES)
def test_multi_margin_target_at_either_end_and_one_class(dtype, rng):
    x = rng.normal(size=(4, 5)).astype(dtype)
    target = np.array([0, 4, 0, 4])
    for p in (1, 2):
        loss, grad = multi_margin(x, target, p)
        expected_loss, expected_grad = reference.multi_margin_loss(x, target, p, reduction="none")
        assert_close(loss, expected_loss, dtype)
        assert_close(grad, expected_grad, dtype)
    loss, grad = multi_margin(np.ones((3, 1), dtype), np.zeros(3, np.int64))
    np.testing.assert_array_equal(loss, 0)
    np.testing.assert_array_equal(grad, 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_multi_margin_empty_batch(dtype):
    loss, grad = multi_margin(np.empty((0, 4), dtype), np.empty(0, np.int64))
    assert loss.shape == (0,) and grad.shape == (0, 4)


@pytest.mark.parametrize("dtype", DTYPES)
def test_multi_margin_non_finite_scores(dtype):
    # inf contributes inf (its gradient is finite for p = 1); nan never passes z > 0.
    x = np.array([[np.inf, 0.0, 1.0], [np.nan, 0.0, 1.0], [0.0, np.nan, 1.0]], dtype)
    loss, grad = multi_margin(x, np.array([1, 1, 1]))
    expected_loss, expected_grad = reference.multi_margin_loss(x, np.array([1, 1, 1]), reduction="none")
    assert_close(loss, expected_loss, dtype)
    assert_close(grad, expected_grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_multi_margin_without_gradient(dtype, rng):
    x = rng.normal(size=(50, 20)).astype(dtype)
    target = rng.integers(0, 20, 50)
    loss, grad = multi_margin(x, target, 2, threads=2, need_grad=False)
    assert grad is None
    np.testing.assert_array_equal(loss, multi_margin(x, target, 2)[0])


def test_multi_margin_threads_give_identical_bits(rng):
    x = rng.normal(size=(512, 200)).astype(np.float32)
    target = rng.integers(0, 200, 512)
    one, two = multi_margin(x, target, 2, threads=1), multi_margin(x, target, 2, threads=2)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------------------------- multilabel margin
def random_targets(rng, n_rows, n_classes, n_targets):
    """Rows listing ``n_targets`` classes (with repeats), then -1, then junk that must be ignored."""
    target = rng.integers(0, n_classes, (n_rows, n_classes))
    for row in target:
        k = min(n_targets, n_classes)
        row[:k] = rng.integers(0, n_classes, k)
        if k < n_classes:
            row[k] = -1
    return target


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("path", ["auto", "direct", "sorted"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_multilabel_matches_reference(dtype, path, threads, rng):
    for n_rows, n_classes, n_targets in [(40, 7, 3), (200, 180, 5), (30, 300, 120), (10, 50, 50), (5, 6, 0)]:
        x = rng.normal(size=(n_rows, n_classes)).astype(dtype)
        target = random_targets(rng, n_rows, n_classes, n_targets)
        x, target = read_only(x, target)
        loss, grad = multilabel(x, target, threads, path)
        expected_loss, expected_grad = multilabel(x.astype(np.float64), target, module=reference)
        assert_close(loss, expected_loss, dtype)
        assert_close(grad, expected_grad, dtype)


@pytest.mark.parametrize("path", ["direct", "sorted"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_multilabel_edge_rows(dtype, path):
    x = np.array([[0.1, 0.2, 0.4, 0.8]] * 6, dtype)
    target = np.array(
        [
            [3, 0, -1, 1],  # the doc example: 0.85
            [3, 3, -1, 0],  # a duplicate counts twice: 0.65
            [-1, 0, 1, 2],  # starts with -1: nothing
            [0, 1, 2, 3],  # every class is a target: nothing
            [2, 1, 0, 3],  # idem, in another order
            [1, -1, -1, -1],  # one target
        ]
    )
    loss, grad = multilabel(x, target, 1, path)
    expected_loss, expected_grad = reference.multilabel_margin_loss(x, target, "none")
    assert_close(loss, expected_loss, dtype)
    assert_close(grad, expected_grad, dtype)
    assert loss[0] == pytest.approx(0.85) and loss[1] == pytest.approx(0.65)
    np.testing.assert_array_equal(loss[2:5], 0)
    np.testing.assert_array_equal(grad[2:5], 0)


@pytest.mark.parametrize("path", ["direct", "sorted"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_multilabel_kink_is_strict(dtype, path):
    # 1 - x[0] + x[2] == 0 exactly: that pair adds nothing; 1 - x[0] + x[1] = 0.5 counts.
    x = np.array([[1.5, 1.0, 0.5]], dtype)
    loss, grad = multilabel(x, np.array([[0, 0, -1]]), 1, path)
    assert loss[0] == pytest.approx(2 * 0.5 / 3)
    np.testing.assert_allclose(grad, [[-2 / 3, 2 / 3, 0]])


@pytest.mark.parametrize("path", ["direct", "sorted"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_multilabel_non_finite_scores(dtype, path):
    x = np.array([[0.0, np.inf, 1.0, -np.inf, np.nan, 0.5]] * 3, dtype)
    target = np.array([[0, 2, 5, -1, 0, 0], [1, 0, -1, 0, 0, 0], [3, 4, 0, -1, 0, 0]])
    with np.errstate(invalid="ignore"):
        expected_loss, expected_grad = reference.multilabel_margin_loss(x, target, "none")
    loss, grad = multilabel(x, target, 1, path)
    assert_close(loss, expected_loss, dtype)
    assert_close(grad, expected_grad, dtype)


def test_multilabel_threads_give_identical_bits(rng):
    x = rng.normal(size=(400, 120)).astype(np.float32)
    target = random_targets(rng, 400, 120, 9)
    one = multilabel(x, target, 1)
    two = multilabel(x, target, 2)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", DTYPES)
def test_multilabel_without_gradient_and_empty(dtype, rng):
    x = rng.normal(size=(300, 150)).astype(dtype)
    target = random_targets(rng, 300, 150, 4)
    loss, grad = multilabel(x, target, 2, need_grad=False)
    assert grad is None
    np.testing.assert_array_equal(loss, multilabel(x, target, 1)[0])
    loss, grad = multilabel(np.empty((0, 3), dtype), np.empty((0, 3), np.int64))
    assert loss.shape == (0,) and grad.shape == (0, 3)


# ---------------------------------------------------------------------------------------------------- triplet
def triplet(a, p, n, margin=1.0, norm=2.0, eps=1e-6, swap=False, threads=1, need_grad=True, module=kernels):
    return rows_call(module.triplet_margin, (a, p, n), (margin, norm, eps, swap), len(a), 3, need_grad, threads)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("norm", [2.0, 1.0, 3.0, 1.5, 0.5, 0.0, -1.0, np.inf, -np.inf])
@pytest.mark.parametrize("dtype", DTYPES)
def test_triplet_matches_reference(dtype, norm, swap, threads, rng):
    a, p, n = (rng.normal(size=(300, 110)).astype(dtype) for _ in range(3))
    p[0] = a[0]  # d(a, p) = eps D^(1/p)
    n[1] = p[1]  # d(p, n) is the tiny one
    n[2] = a[2] + 0.5  # every component of a - n equal: ties for the inf-norms
    a, p, n = read_only(a, p, n)
    for margin in (1.0, 30.0):  # most rows inactive, then all active
        out = triplet(a, p, n, margin, norm, 1e-6, swap, threads)
        expected_loss, *expected_grads = triplet(a, p, n, margin, norm, 1e-6, swap, module=reference)
        # The loss is a difference of distances, each rounded to the dtype (as torch does): absolute error.
        assert_close(out[0], expected_loss, dtype, scale=max(1.0, np.abs(expected_loss).max()))
        for grad, expected in zip(out[1:], expected_grads):
            assert_close(grad, expected, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_triplet_kink_passes_and_swap_tie_splits(dtype):
    # margin + d(a, p) - d(a, n) = 1 + 1 - 2 = 0 exactly (eps = 0): clamp_min passes the gradient.
    a, p, n = np.array([[0.0, 0.0]], dtype), np.array([[0.0, 1.0]], dtype), np.array([[0.0, 2.0]], dtype)
    loss, ga, gp, gn = triplet(a, p, n, eps=0.0)
    assert loss[0] == 0
    np.testing.assert_array_equal(ga, [[0, 0]])  # -(0, 1) / 1 + (0, 2) / 2
    np.testing.assert_array_equal(gp, [[0, 1]])
    np.testing.assert_array_equal(gn, [[0, -1]])
    # d(a, n) == d(p, n) with swap: half of the negative gradient through each distance.
    a, p, n = np.array([[0.0, 0.0]], dtype), np.array([[2.0, 0.0]], dtype), np.array([[1.0, 5.0]], dtype)
    out = triplet(a, p, n, margin=10.0, eps=0.0, swap=True)
    expected_loss, expected_grads = reference.triplet_margin_loss(a, p, n, 10.0, 2.0, 0.0, True, "none")
    assert_close(out[0], expected_loss, dtype)
    for grad, expected in zip(out[1:], expected_grads):
        assert_close(grad, expected, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_triplet_empty_and_without_gradient(dtype, rng):
    loss, *grads = triplet(*(np.empty((0, 3), dtype),) * 3)
    assert loss.shape == (0,) and all(g.shape == (0, 3) for g in grads)
    loss, *grads = triplet(*(np.empty((4, 0), dtype),) * 3, margin=0.5)  # D = 0: every distance is 0
    np.testing.assert_array_equal(loss, 0.5)
    a, p, n = (rng.normal(size=(20, 8)).astype(dtype) for _ in range(3))
    for norm in (2.0, 3.0):
        loss, *grads = triplet(a, p, n, norm=norm, swap=True, need_grad=False)
        assert grads == [None, None, None]
        np.testing.assert_array_equal(loss, triplet(a, p, n, norm=norm, swap=True)[0])


def test_triplet_threads_give_identical_bits(rng):
    a, p, n = (rng.normal(size=(600, 64)).astype(np.float32) for _ in range(3))
    for norm in (1.0, 2.0, 3.0):
        one, two = triplet(a, p, n, norm=norm, swap=True, threads=1), triplet(a, p, n, norm=norm, swap=True, threads=2)
        for x, y in zip(one, two):
            np.testing.assert_array_equal(x, y)


# ---------------------------------------------------------------------------------------- hinge / ranking
def elementwise_call(kernel, inputs, margin, reduce, grads, need_grad, threads):
    """An elementwise kernel with fresh outputs: ``(loss, or its sum with reduce, *grad_outs)``."""
    loss = None if reduce else np.full_like(inputs[0], np.nan)
    outputs = [np.full_like(inputs[0], np.nan) if need_grad else None for _ in range(grads)]
    total = kernel(*inputs, margin, 1.0, loss, *outputs, threads)
    return (total if reduce else loss, *outputs)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("reduce", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_hinge_matches_reference(dtype, reduce, threads, rng):
    for size in (0, 1, 17, 50_000):
        x = rng.normal(size=size).astype(dtype)
        y = rng.choice([1.0, -1.0, 0.0, 2.0, 0.5], size).astype(dtype)
        if size:
            x[0], y[0] = 0.5, -1.0  # margin - x == 0: clamp_min passes
        x, y = read_only(x, y)
        loss, grad = elementwise_call(elementwise_kernels.hinge_embedding, (x, y), 0.5, reduce, 1, True, threads)
        expected_loss, expected_grad = elementwise_call(
            elementwise_reference.hinge_embedding, (x, y), 0.5, reduce, 1, True, 1
        )
        assert_close(loss, expected_loss, dtype)
        assert_close(grad, expected_grad, dtype)
        if size:
            assert grad[0] == -1


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("reduce", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_margin_ranking_matches_reference(dtype, reduce, threads, rng):
    for size in (0, 1, 17, 50_000):
        x1, x2 = (rng.normal(size=size).astype(dtype) for _ in range(2))
        y = rng.choice([1.0, -1.0, 0.5, 0.0], size).astype(dtype)
        if size:
            x1[0], x2[0], y[0] = 2.0, 1.0, 1.0  # z = -1 + margin = 0: clamp_min passes
        x1, x2, y = read_only(x1, x2, y)
        loss, g1, gy = elementwise_call(elementwise_kernels.margin_ranking, (x1, x2, y), 1.0, reduce, 2, True, threads)
        expected_loss, e1, ey = elementwise_call(
            elementwise_reference.margin_ranking, (x1, x2, y), 1.0, reduce, 2, True, 1
        )
        assert_close(loss, expected_loss, dtype)
        assert_close(g1, e1, dtype)
        assert_close(gy, ey, dtype)
        if size:
            assert g1[0] == -1 and gy[0] == -1


@pytest.mark.parametrize("dtype", DTYPES)
def test_elementwise_sums_do_not_depend_on_threads_and_skip_gradients(dtype, rng):
    x, x2 = (rng.normal(size=100_003).astype(dtype) for _ in range(2))
    y = rng.choice([1.0, -1.0], x.size).astype(dtype)
    hinge, ranking = elementwise_kernels.hinge_embedding, elementwise_kernels.margin_ranking
    sums = {elementwise_call(hinge, (x, y), 1.0, True, 1, True, t)[0] for t in THREADS}
    assert len(sums) == 1
    loss, grad = elementwise_call(hinge, (x, y), 1.0, True, 1, False, 2)
    assert grad is None and loss == pytest.approx(sums.pop(), rel=1e-6)
    loss, g1, gy = elementwise_call(ranking, (x, x2, y), 0.1, True, 2, False, 2)
    assert g1 is None and gy is None
    assert loss == pytest.approx(elementwise_call(ranking, (x, x2, y), 0.1, True, 2, True, 1)[0], rel=1e-6)


def test_kernels_refuse_non_contiguous_arrays_without_crashing():
    x = np.ones((4, 6))[:, ::2]
    with pytest.raises(ValueError):
        kernels.multi_margin(x, np.zeros(4, np.int64), np.ones(3), 1, 1.0, 1.0, np.empty(4), None, 1)
    with pytest.raises(ValueError):
        elementwise_kernels.hinge_embedding(np.ones(8)[::2], np.ones(4), 1.0, 1.0, np.empty(4), None, 1)
