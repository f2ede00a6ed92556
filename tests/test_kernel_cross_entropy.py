"""The fused cross-entropy / NLL kernels (minigrad/_kernels/cross_entropy.pyx) against the NumPy reference
(tests/reference/cross_entropy.py) and, when importable, torch."""

import numpy as np
import pytest

from reference import cross_entropy as ref

kernel = pytest.importorskip("minigrad._kernels.cross_entropy")

DTYPES = [np.float32, np.float64]
TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-11, atol=1e-13)}
REDUCTIONS = ["none", "sum", "mean"]


def mean_scale(target, num_classes, weight, ignore_index, reduction):
    """(scale, denominator): 1 / sum_n w'_n for 'mean' (inf when it is 0), else 1."""
    weight_sum = kernel.valid_weight_sum(target, num_classes, weight, ignore_index)
    with np.errstate(divide="ignore"):
        return (1.0 / np.float64(weight_sum) if reduction == "mean" else 1.0), weight_sum


def run_index(x, target, weight=None, ignore_index=-100, label_smoothing=0.0, reduction="mean", num_threads=1):
    """The kernel's reduced loss and gradient, reduced the way the functional does it."""
    losses, grad = np.empty(x.shape[0], x.dtype), np.empty_like(x)
    scale, weight_sum = mean_scale(target, x.shape[1], weight, ignore_index, reduction)
    loss_sum = kernel.cross_entropy_index(
        x, target, weight, ignore_index, label_smoothing, scale, losses, grad, num_threads
    )
    return reduce_like_functional(losses, loss_sum, weight_sum, reduction), grad


def run_probs(x, target, weight=None, label_smoothing=0.0, reduction="mean", num_threads=1):
    n = x.shape[0]
    scale = 1.0 / n if reduction == "mean" and n else 1.0
    losses, grad, target_grad = np.empty(n, x.dtype), np.empty_like(x), np.empty_like(x)
    loss_sum = kernel.cross_entropy_probs(
        x, target, weight, label_smoothing, scale, losses, grad, target_grad, num_threads
    )
    return reduce_like_functional(losses, loss_sum, n, reduction), grad, target_grad


def run_nll(x, target, weight=None, ignore_index=-100, reduction="mean", num_threads=1):
    losses, grad = np.empty(x.shape[0], x.dtype), np.empty_like(x)
    scale, weight_sum = mean_scale(target, x.shape[1], weight, ignore_index, reduction)
    loss_sum = kernel.nll(x, target, weight, ignore_index, scale, losses, grad, num_threads)
    return reduce_like_functional(losses, loss_sum, weight_sum, reduction), grad


def reduce_like_functional(losses, loss_sum, denominator, reduction):
    if reduction == "none":
        return losses
    if reduction == "sum":
        return loss_sum
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.float64(loss_sum) / denominator


def random_case(rng, n, c, dtype, ignore_index=-100, scale=3.0):
    x = (rng.standard_normal((n, c)) * scale).astype(dtype)
    target = rng.integers(0, c, n)
    target[rng.random(n) < 0.2] = ignore_index
    return x, target


def assert_close(got, want, dtype):
    np.testing.assert_allclose(np.asarray(got, np.float64), want, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.15, 1.0])
@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (33, 17), (64, 1000)])
def test_index_targets_match_reference(dtype, reduction, weighted, label_smoothing, shape):
    rng = np.random.default_rng(sum(shape))
    x, target = random_case(rng, *shape, dtype)
    weight = rng.random(shape[1]).astype(dtype) + 0.1 if weighted else None
    loss, grad = run_index(x, target, weight, -100, label_smoothing, reduction, num_threads=2)
    want_loss, (want_grad,) = ref.cross_entropy(x, target, weight, -100, label_smoothing, reduction)
    assert_close(loss, want_loss, dtype)
    assert grad.dtype == dtype
    assert_close(grad, want_grad, dtype)


def run_columns(x, target, weight=None, ignore_index=-100, label_smoothing=0.0, reduction="mean", num_threads=1):
    """The column kernel on x (N, C, D) with targets (N, D); returns the reduced loss and the gradient."""
    losses, grad = np.empty(target.size, x.dtype), np.empty_like(x)
    scale, weight_sum = mean_scale(target.reshape(-1), x.shape[1], weight, ignore_index, reduction)
    loss_sum = kernel.cross_entropy_index_columns(
        x, target.reshape(-1), weight, ignore_index, label_smoothing, scale, losses, grad, num_threads
    )
    return reduce_like_functional(losses.reshape(target.shape), loss_sum, weight_sum, reduction), grad


def as_rows(x):
    """(N, C, D) -> (N·D, C): the layout the reference (and the row kernel) works on."""
    return np.ascontiguousarray(np.moveaxis(x, 1, -1)).reshape(-1, x.shape[1])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("shape", [(1, 1, 1), (2, 3, 5), (3, 21, 300), (1, 4, 513)])  # D across 256-blocks
def test_column_kernel_matches_reference(dtype, reduction, weighted, label_smoothing, shape):
    rng = np.random.default_rng(sum(shape))
    N, C, D = shape
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    target = rng.integers(0, C, (N, D))
    target[rng.random((N, D)) < 0.2] = -100
    weight = rng.random(C).astype(dtype) + 0.1 if weighted else None
    loss, grad = run_columns(x, target, weight, -100, label_smoothing, reduction, num_threads=2)
    want_loss, (want_grad,) = ref.cross_entropy(
        as_rows(x), target.reshape(-1), weight, -100, label_smoothing, reduction
    )
    assert_close(loss, want_loss.reshape(target.shape) if reduction == "none" else want_loss, dtype)
    assert_close(as_rows(grad), want_grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_column_kernel_edge_cases(dtype):
    x = np.zeros((2, 3, 4), dtype)
    x[0, 1, 2] = np.inf  # in an ignored position: loss and gradient stay exactly 0
    x[1, 0, 3] = np.nan  # in a counted position: that position is nan
    target = np.array([[0, 1, -100, 2], [1, 1, 0, 0]])
    loss, grad = run_columns(x, target, reduction="none")
    assert loss[0, 2] == 0 and (grad[0, :, 2] == 0).all()
    assert np.isnan(loss[1, 3]) and np.isnan(grad[1, :, 3]).all()
    finite = np.ones((2, 4), bool)
    finite[1, 3] = False
    assert np.isfinite(loss[finite]).all()
    loss, grad = run_columns(x, np.full((2, 4), -100))
    assert np.isnan(loss)
    np.testing.assert_array_equal(grad, 0)
    with pytest.raises(IndexError, match="Target 3 is out of bounds."):
        run_columns(x, np.full((2, 4), 3))


@pytest.mark.parametrize("dtype", DTYPES)
def test_column_kernel_threads_agree_bitwise_and_loss_only(dtype):
    rng = np.random.default_rng(13)
    x = rng.standard_normal((3, 7, 700)).astype(dtype)
    target = rng.integers(0, 7, (3, 700))
    weight = rng.random(7).astype(dtype)
    one = run_columns(x, target, weight, -100, 0.1, "sum", num_threads=1)
    two = run_columns(x, target, weight, -100, 0.1, "sum", num_threads=2)
    assert one[0] == two[0]
    np.testing.assert_array_equal(one[1], two[1])
    losses = np.empty(target.size, dtype)
    assert kernel.cross_entropy_index_columns(x, target.reshape(-1), weight, -100, 0.1, 1.0, losses, None, 2) == one[0]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_probability_targets_match_reference(dtype, reduction, weighted, label_smoothing):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((20, 9)) * 3).astype(dtype)
    target = rng.random((20, 9)).astype(dtype)
    weight = rng.random(9).astype(dtype) if weighted else None
    loss, grad, target_grad = run_probs(x, target, weight, label_smoothing, reduction, num_threads=2)
    want_loss, (want_grad, want_target_grad, _) = ref.cross_entropy_prob_targets(
        x, target, weight, label_smoothing, reduction
    )
    assert_close(loss, want_loss, dtype)
    assert_close(grad, want_grad, dtype)
    assert_close(target_grad, want_target_grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_matches_reference(dtype, reduction, weighted):
    rng = np.random.default_rng(2)
    x, target = random_case(rng, 40, 6, dtype)
    weight = rng.random(6).astype(dtype) if weighted else None
    loss, grad = run_nll(x, target, weight, -100, reduction, num_threads=2)
    want_loss, (want_grad,) = ref.nll_loss(x, target, weight, -100, reduction)
    assert_close(loss, want_loss, dtype)
    assert_close(grad, want_grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_nll_scale_and_loss_only(dtype):
    rng = np.random.default_rng(3)
    x, target = random_case(rng, 12, 5, dtype)
    grad, losses, again = np.empty_like(x), np.empty(12, dtype), np.empty(12, dtype)
    total = kernel.nll(x, target, None, -100, 0.25, losses, grad, 1)
    want_loss, (want,) = ref.nll_loss(x, target, reduction="none")
    assert_close(grad, want * 0.25, dtype)
    assert_close(losses, want_loss, dtype)
    assert kernel.nll(x, target, None, -100, 0.25, again, None, 2) == total
    np.testing.assert_array_equal(again, losses)


# ---- edge cases --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_all_ignored(dtype, label_smoothing):
    x = np.random.default_rng(4).standard_normal((5, 4)).astype(dtype)
    target = np.full(5, -100)
    loss, grad = run_index(x, target, label_smoothing=label_smoothing, reduction="mean")
    assert np.isnan(loss)
    np.testing.assert_array_equal(grad, 0)  # zeros, not nan (spec §2.3)
    assert run_index(x, target, reduction="sum")[0] == 0
    nll_loss_value, nll_grad = run_nll(x, target)
    assert np.isnan(nll_loss_value)
    np.testing.assert_array_equal(nll_grad, 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_zero_weights_give_nan_mean_like_torch(dtype):
    # every present class has weight 0: 0/0 loss; the gradient of those rows is nan in torch too
    x = np.random.default_rng(5).standard_normal((3, 3)).astype(dtype)
    target = np.array([0, 1, 0])
    weight = np.array([0, 0, 1], dtype)
    loss, grad = run_index(x, target, weight)
    assert np.isnan(loss) and np.isnan(grad).all()
    loss, grad = run_index(x, target, weight, reduction="sum")
    assert loss == 0
    np.testing.assert_array_equal(grad, 0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
def test_negative_weights(dtype, label_smoothing):
    rng = np.random.default_rng(6)
    x, target = random_case(rng, 10, 4, dtype)
    weight = np.array([1.0, -1.0, 2.0, -0.5], dtype)
    for reduction in REDUCTIONS:
        loss, grad = run_index(x, target, weight, -100, label_smoothing, reduction)
        want_loss, (want_grad,) = ref.cross_entropy(x, target, weight, -100, label_smoothing, reduction)
        assert_close(loss, want_loss, dtype)
        assert_close(grad, want_grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_ignore_index_inside_class_range(dtype):
    rng = np.random.default_rng(7)
    x, target = random_case(rng, 30, 5, dtype, ignore_index=2)
    for label_smoothing in (0.0, 0.1):
        loss, grad = run_index(x, target, None, 2, label_smoothing)
        want_loss, (want_grad,) = ref.cross_entropy(x, target, None, 2, label_smoothing)
        assert_close(loss, want_loss, dtype)
        assert_close(grad, want_grad, dtype)
        np.testing.assert_array_equal(grad[target == 2], 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_one_class(dtype):
    x = np.array([[3.0], [-2.0]], dtype)
    loss, grad = run_index(x, np.array([0, 0]), reduction="none")
    np.testing.assert_array_equal(loss, [0, 0])
    np.testing.assert_array_equal(grad, 0)
    loss, grad, _ = run_probs(x, np.ones_like(x), reduction="none")
    np.testing.assert_array_equal(loss, [0, 0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_empty_batch(dtype):
    x = np.empty((0, 4), dtype)
    target = np.empty(0, np.int64)
    for reduction, check in (("mean", np.isnan), ("sum", lambda v: v == 0)):
        loss, grad = run_index(x, target, reduction=reduction)
        assert check(loss) and grad.shape == (0, 4)
        assert check(run_probs(x, x.copy(), reduction=reduction)[0])
        assert check(run_nll(x, target, reduction=reduction)[0])


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_huge_logits_float32_stay_finite(label_smoothing):
    rng = np.random.default_rng(8)
    x = np.where(rng.random((16, 50)) < 0.5, 1e4, -1e4).astype(np.float32)
    x += rng.standard_normal(x.shape).astype(np.float32)
    target = rng.integers(0, 50, 16)
    for reduction in REDUCTIONS:
        loss, grad = run_index(x, target, label_smoothing=label_smoothing, reduction=reduction)
        want_loss, (want_grad,) = ref.cross_entropy(x, target, label_smoothing=label_smoothing, reduction=reduction)
        assert np.isfinite(loss).all() and np.isfinite(grad).all()
        # |x| = 1e4 in float32 has a spacing of 1e-3: losses agree to that absolute size
        np.testing.assert_allclose(loss, want_loss, rtol=1e-6, atol=2e-3)
        np.testing.assert_allclose(grad, want_grad, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_infinite_and_nan_logits_poison_only_their_row(dtype):
    x = np.zeros((4, 3), dtype)
    x[1, 0] = np.inf
    x[2, 2] = np.nan
    x[3, 1] = -np.inf  # -inf on a non-target class is fine: probability 0
    loss, grad = run_index(x, np.array([0, 0, 0, 0]), reduction="none")
    assert np.isnan(loss[1:3]).all() and np.isnan(grad[1:3]).all()
    assert np.isfinite(loss[[0, 3]]).all() and np.isfinite(grad[[0, 3]]).all()
    assert grad[3, 1] == 0


@pytest.mark.parametrize("function", ["index", "nll"])
def test_out_of_range_target_raises(function):
    x = np.zeros((3, 4))
    for bad in (4, -1, 100):
        target = np.array([0, bad, 1])
        with pytest.raises(IndexError, match=f"Target {bad} is out of bounds."):
            if function == "index":
                run_index(x, target)
            else:
                run_nll(x, target)


@pytest.mark.parametrize("dtype", DTYPES)
def test_loss_only_matches_loss_with_gradient(dtype):
    rng = np.random.default_rng(9)
    x, target = random_case(rng, 300, 129, dtype)
    with_grad = np.empty(300, dtype)
    kernel.cross_entropy_index(x, target, None, -100, 0.1, 1 / 300, with_grad, np.empty_like(x), 2)
    without = np.empty(300, dtype)
    kernel.cross_entropy_index(x, target, None, -100, 0.1, 1 / 300, without, None, 2)
    np.testing.assert_array_equal(with_grad, without)
    kernel.cross_entropy_probs(x, np.abs(x), None, 0.0, 1.0, without, None, None, 2)
    assert np.isfinite(without).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_one_and_two_threads_agree_bitwise(dtype):
    rng = np.random.default_rng(10)
    x, target = random_case(rng, 517, 300, dtype)
    weight = rng.random(300).astype(dtype)
    one = run_index(x, target, weight, -100, 0.1, "mean", num_threads=1)
    two = run_index(x, target, weight, -100, 0.1, "mean", num_threads=2)
    assert one[0] == two[0]
    np.testing.assert_array_equal(one[1], two[1])
    one = run_probs(x, np.abs(x), weight, 0.1, "sum", num_threads=1)
    two = run_probs(x, np.abs(x), weight, 0.1, "sum", num_threads=2)
    assert one[0] == two[0]
    np.testing.assert_array_equal(one[1], two[1])


def test_read_only_inputs():
    rng = np.random.default_rng(11)
    x, target = random_case(rng, 8, 5, np.float64)
    weight = rng.random(5)
    for array in (x, target, weight):
        array.setflags(write=False)
    loss, grad = run_index(x, target, weight, -100, 0.1)
    want_loss, (want_grad,) = ref.cross_entropy(x, target, weight, -100, 0.1)
    assert_close(loss, want_loss, np.float64)
    assert_close(grad, want_grad, np.float64)
    run_probs(x, x, weight)
    run_nll(x, target, weight)


def test_rejects_non_contiguous_rows():
    # the functional makes inputs contiguous; the kernel refuses anything else rather than misread it
    x = np.zeros((4, 6))
    with pytest.raises(ValueError):
        kernel.cross_entropy_index(
            x[:, ::2], np.zeros(4, np.int64), None, -100, 0.0, 1.0, np.empty(4), np.empty((4, 3)), 1
        )


@pytest.mark.parametrize("dtype", DTYPES)
def test_matches_torch(dtype):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(12)
    x, target = random_case(rng, 64, 37, dtype)
    weight = rng.random(37).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    for label_smoothing in (0.0, 0.2):
        for reduction in REDUCTIONS:
            loss, grad = run_index(x, target, weight, -100, label_smoothing, reduction, num_threads=2)
            xt = torch.tensor(x, requires_grad=True)
            lt = F.cross_entropy(
                xt,
                torch.tensor(target),
                weight=torch.tensor(weight),
                reduction=reduction,
                label_smoothing=label_smoothing,
            )
            lt.sum().backward()
            np.testing.assert_allclose(loss, lt.detach().numpy(), **tol)
            np.testing.assert_allclose(grad, xt.grad.numpy(), **tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_kernels_and_reference_twins_write_the_same_outputs(dtype):
    """Each kernel and its twin in tests/reference, called identically (scale, caller's outputs, threads)."""
    rng = np.random.default_rng(21)
    x, target = random_case(rng, 30, 7, dtype)
    weight = rng.random(7).astype(dtype)
    columns = np.ascontiguousarray(x.reshape(5, 6, 7).transpose(0, 2, 1))
    calls = {
        "cross_entropy_index": ((x, target, weight, -100, 0.2), [x]),
        "cross_entropy_index_columns": ((columns, target, weight, -100, 0.2), [columns]),
        "cross_entropy_probs": ((x, np.abs(x), weight, 0.2), [x, x]),
        "nll": ((x, target, weight, -100), [x]),
    }
    for name, (arguments, grads_like) in calls.items():
        results = []
        for function in (getattr(kernel, name), getattr(ref, name)):
            losses, grads = np.empty(30, dtype), [np.empty_like(g) for g in grads_like]
            total = function(*arguments, 0.5, losses, *grads, 2)
            results.append((total, losses, grads))
        (total, losses, grads), (want_total, want_losses, want_grads) = results
        assert total == pytest.approx(want_total, rel=TOL[dtype]["rtol"])
        assert_close(losses, want_losses, dtype)
        for grad, want in zip(grads, want_grads):
            assert_close(grad, want, dtype)
