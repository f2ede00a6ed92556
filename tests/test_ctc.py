"""CTC: the NumPy reference against brute force, the Cython kernel against the reference, and (when torch is
importable) parity with PyTorch."""

import numpy as np
import pytest

from tests.reference.ctc import concatenate_targets, ctc_brute_force, ctc_reference, ctc_single, torch_style_grad
from tests.reference.ctc import ctc_loss as ctc_twin

kernel = pytest.importorskip("minigrad._kernels.ctc")

DTYPES = [np.float32, np.float64]
# float32 inputs are compared with the float64 reference run on the same (rounded) values.
TOL = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=2e-5, atol=2e-5)}


# ----------------------------------------------------------------------------------------------------------------
# helpers


def log_softmax(x, axis=-1):
    x = np.asarray(x, dtype=np.float64)
    high = x.max(axis=axis, keepdims=True)
    return x - high - np.log(np.exp(x - high).sum(axis=axis, keepdims=True))


def random_case(rng, T, N, C, max_target, blank=0, dtype=np.float64, full_length=False, scale=1.0):
    """Random normalised log_probs (T, N, C), concatenated targets without blanks, and lengths."""
    log_probs = log_softmax(rng.standard_normal((T, N, C)) * scale).astype(dtype)
    target_lengths = rng.integers(0, max_target + 1, N)
    input_lengths = np.full(N, T) if full_length else rng.integers(0, T + 1, N)
    classes = np.array([c for c in range(C) if c != blank])
    targets = rng.choice(classes, size=int(target_lengths.sum()))
    return log_probs, targets.astype(np.int64), input_lengths.astype(np.int64), target_lengths.astype(np.int64)


def offsets_of(target_lengths):
    return np.concatenate([[0], np.cumsum(target_lengths)[:-1]]).astype(np.int64)


def call_kernel(
    log_probs,
    targets,
    offsets,
    input_lengths,
    target_lengths,
    blank,
    zero_infinity,
    num_threads,
    want_grad=True,
    scale=None,
    function=None,
    **keywords,
):
    """The kernel (or ``function``, e.g. its reference twin) with fresh outputs: ``(nll, grad or None)``."""
    N = log_probs.shape[1]
    scale = np.ones(N) if scale is None else scale
    nll = np.full(N, np.nan, log_probs.dtype)
    grad = np.full_like(log_probs, np.nan) if want_grad else None
    total = (function or kernel.ctc_loss)(
        log_probs,
        targets,
        offsets,
        input_lengths,
        target_lengths,
        blank,
        zero_infinity,
        scale,
        nll,
        grad,
        num_threads,
        **keywords,
    )
    assert total == pytest.approx(float(nll.sum(dtype=np.float64)), rel=TOL[nll.dtype.type]["rtol"], nan_ok=True)
    return nll, grad


def run_kernel(
    log_probs,
    targets,
    input_lengths,
    target_lengths,
    blank=0,
    zero_infinity=False,
    num_threads=1,
    force_log_space=False,
    offsets=None,
):
    """Call the kernel with concatenated targets; returns (nll, grad, paths)."""
    paths = np.full(len(input_lengths), -1, dtype=np.int8)
    nll, grad = call_kernel(
        log_probs,
        targets,
        offsets_of(target_lengths) if offsets is None else offsets,
        np.asarray(input_lengths, np.int64),
        np.asarray(target_lengths, np.int64),
        blank,
        zero_infinity,
        num_threads,
        force_log_space=force_log_space,
        paths=paths,
    )
    return nll, grad, paths


def assert_matches_reference(log_probs, targets, input_lengths, target_lengths, blank=0, zero_infinity=False, **kwargs):
    nll, grad, paths = run_kernel(log_probs, targets, input_lengths, target_lengths, blank, zero_infinity, **kwargs)
    want_nll, want_grad = ctc_reference(log_probs, targets, input_lengths, target_lengths, blank, zero_infinity)
    tol = TOL[log_probs.dtype.type]
    assert nll.dtype == log_probs.dtype and nll.shape == (log_probs.shape[1],)
    assert grad.dtype == log_probs.dtype and grad.shape == log_probs.shape
    np.testing.assert_allclose(nll, want_nll, **tol)
    np.testing.assert_allclose(grad, want_grad, **tol)
    return nll, grad, paths


# ----------------------------------------------------------------------------------------------------------------
# the reference against brute-force enumeration of every alignment


@pytest.mark.parametrize("labels", [[], [1], [2, 1], [1, 1], [1, 2, 1], [2, 2, 2]])
@pytest.mark.parametrize("T", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("blank", [0, 2])
def test_reference_matches_brute_force(labels, T, blank):
    rng = np.random.default_rng(T * 31 + len(labels))
    labels = [label if label != blank else 0 for label in labels]
    lp = log_softmax(rng.standard_normal((T, 3)))
    nll, grad = ctc_single(lp, labels, blank)
    want_nll, want_grad = ctc_brute_force(lp, labels, blank)
    np.testing.assert_allclose(nll, want_nll, rtol=1e-12)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-12, atol=1e-14)


def test_reference_matches_brute_force_unnormalised():
    # the recursion and the gradient do not assume normalised rows
    rng = np.random.default_rng(5)
    lp = rng.standard_normal((4, 3)) * 2
    np.testing.assert_allclose(ctc_single(lp, [1, 2])[0], ctc_brute_force(lp, [1, 2])[0], rtol=1e-12)
    np.testing.assert_allclose(ctc_single(lp, [1, 2])[1], ctc_brute_force(lp, [1, 2])[1], rtol=1e-12, atol=1e-14)


def test_reference_gradient_is_finite_difference_of_nll():
    rng = np.random.default_rng(6)
    lp = log_softmax(rng.standard_normal((6, 4)))
    labels = [1, 3, 3]
    _, grad = ctc_single(lp, labels)
    eps = 1e-6
    numerical = np.zeros_like(lp)
    for index in np.ndindex(lp.shape):
        plus, minus = lp.copy(), lp.copy()
        plus[index] += eps
        minus[index] -= eps
        numerical[index] = (ctc_single(plus, labels)[0] - ctc_single(minus, labels)[0]) / (2 * eps)
    np.testing.assert_allclose(grad, numerical, atol=1e-8)


# ----------------------------------------------------------------------------------------------------------------
# the kernel against the reference


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("num_threads", [1, 2])
@pytest.mark.parametrize("force_log_space", [False, True])
def test_kernel_random_batches(dtype, num_threads, force_log_space):
    rng = np.random.default_rng(11)
    for _ in range(40):
        T, N, C = rng.integers(1, 15), rng.integers(1, 6), rng.integers(2, 7)
        blank = int(rng.integers(0, C))
        case = random_case(rng, T, N, C, max_target=6, blank=blank, dtype=dtype)
        for zero_infinity in (False, True):
            assert_matches_reference(
                *case,
                blank=blank,
                zero_infinity=zero_infinity,
                num_threads=num_threads,
                force_log_space=force_log_space,
            )


@pytest.mark.parametrize("dtype", DTYPES)
def test_kernel_medium_batch_uses_scaled_path(dtype):
    rng = np.random.default_rng(12)
    case = random_case(rng, 60, 8, 12, max_target=20, dtype=dtype, full_length=True)
    _, _, paths = assert_matches_reference(*case, num_threads=2)
    feasible = case[2] >= 2 * case[3]  # comfortably feasible: always computed in scaled space
    assert np.all(paths[feasible] == kernel.PATH_SCALED)


@pytest.mark.parametrize("blank", [0, 1, 4])
def test_kernel_any_blank(blank):
    rng = np.random.default_rng(13 + blank)
    assert_matches_reference(*random_case(rng, 12, 4, 5, max_target=4, blank=blank), blank=blank)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("T, feasible", [(3, False), (4, False), (5, True), (6, True)])
def test_kernel_repeats_need_a_blank_between(dtype, T, feasible):
    # [1, 1, 1] needs T >= L + repeats = 5 (spec §5.2)
    rng = np.random.default_rng(14)
    log_probs = log_softmax(rng.standard_normal((T, 1, 4))).astype(dtype)
    targets, lengths = np.array([1, 1, 1], np.int64), np.array([3], np.int64)
    nll, grad, paths = assert_matches_reference(log_probs, targets, np.array([T]), lengths)
    if feasible:
        assert np.isfinite(nll[0]) and paths[0] == kernel.PATH_SCALED
    else:
        assert nll[0] == np.inf and paths[0] == kernel.PATH_INFEASIBLE
        assert np.isnan(grad).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_kernel_exactly_feasible_lengths(dtype):
    # T_b == L + repeats: a single alignment, probability = product of its emissions
    rng = np.random.default_rng(15)
    log_probs = log_softmax(rng.standard_normal((5, 1, 4))).astype(dtype)
    targets = np.array([1, 2, 2, 3], np.int64)
    nll, grad, _ = assert_matches_reference(log_probs, targets, np.array([5]), np.array([4]))
    path = [1, 2, 0, 2, 3]
    np.testing.assert_allclose(nll[0], -sum(float(log_probs[t, 0, c]) for t, c in enumerate(path)), rtol=1e-6)
    expected = np.zeros((5, 4))
    expected[np.arange(5), path] = -1.0
    np.testing.assert_allclose(grad[:, 0], expected, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_kernel_empty_targets(dtype):
    rng = np.random.default_rng(16)
    log_probs = log_softmax(rng.standard_normal((6, 3, 4))).astype(dtype)
    input_lengths = np.array([6, 3, 0])
    nll, grad, paths = assert_matches_reference(
        log_probs, np.zeros(0, np.int64), input_lengths, np.zeros(3, np.int64), blank=2
    )
    # nll = -Σ_t lp[t, blank]; the gradient is -1 on the blank
    np.testing.assert_allclose(nll[:2], [-log_probs[:6, 0, 2].sum(), -log_probs[:3, 1, 2].sum()], rtol=1e-6)
    assert nll[2] == 0 and paths[2] == kernel.PATH_EMPTY
    np.testing.assert_allclose(grad[:6, 0, 2], -1.0, rtol=1e-12)
    np.testing.assert_allclose(grad[:3, 1, 2], -1.0, rtol=1e-12)
    assert np.all(grad[:, :, [0, 1, 3]] == 0) and np.all(grad[3:, 1] == 0)


def test_kernel_zero_input_length():
    log_probs = log_softmax(np.random.default_rng(17).standard_normal((4, 2, 3)))
    for zero_infinity in (False, True):
        nll, grad, paths = assert_matches_reference(
            log_probs, np.array([1], np.int64), np.array([0, 0]), np.array([0, 1]), zero_infinity=zero_infinity
        )
        assert nll[0] == 0 and nll[1] == (0 if zero_infinity else np.inf)
        assert np.all(grad == 0) and np.all(paths == kernel.PATH_EMPTY)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("num_threads", [1, 2])
def test_kernel_infeasible_samples(dtype, num_threads):
    rng = np.random.default_rng(18)
    log_probs = log_softmax(rng.standard_normal((6, 3, 5))).astype(dtype)
    targets = np.array([1, 2, 3, 4, 1, 2, 3, 3, 3, 3], np.int64)  # lengths 4 (ok), 2 (ok), 4 repeats (needs 7)
    input_lengths, target_lengths = np.array([6, 5, 6]), np.array([4, 2, 4])
    nll, grad, paths = assert_matches_reference(
        log_probs, targets, input_lengths, target_lengths, num_threads=num_threads
    )
    assert nll[2] == np.inf and np.isnan(grad[:, 2]).all() and paths[2] == kernel.PATH_INFEASIBLE
    assert np.isfinite(nll[:2]).all() and np.isfinite(grad[:, :2]).all()
    assert np.all(grad[5:, 1] == 0)
    nll, grad, _ = assert_matches_reference(
        log_probs, targets, input_lengths, target_lengths, zero_infinity=True, num_threads=num_threads
    )
    assert nll[2] == 0 and np.all(grad[:, 2] == 0)


def test_kernel_infeasible_rows_beyond_input_length_are_zero():
    # PyTorch: nan rows only where t < T_b
    log_probs = log_softmax(np.random.default_rng(19).standard_normal((5, 1, 4)))
    nll, grad, _ = run_kernel(log_probs, np.array([1, 1, 1], np.int64), np.array([4]), np.array([3]))
    assert nll[0] == np.inf and np.isnan(grad[:4]).all() and np.all(grad[4] == 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_kernel_input_lengths_shorter_than_T(dtype):
    rng = np.random.default_rng(20)
    log_probs, targets, _, target_lengths = random_case(rng, 20, 5, 6, max_target=4, dtype=dtype)
    input_lengths = np.array([20, 13, 9, 8, 17])
    _, grad, _ = assert_matches_reference(log_probs, targets, input_lengths, target_lengths)
    for b, T_b in enumerate(input_lengths):
        assert np.all(grad[T_b:, b] == 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_kernel_peaked_log_probs_fall_back_to_log_space(dtype):
    # Every step's probability is ~exp(-800): c_t underflows in double, so the scaled recursion must give up and the
    # sample is redone in log space. The other sample is ordinary and stays in scaled space.
    rng = np.random.default_rng(21)
    T, C = 12, 5
    log_probs = log_softmax(rng.standard_normal((T, 2, C)))
    log_probs[:, 0, :] = -800.0 + rng.standard_normal((T, C))
    log_probs[:, 0, 4] = 0.0  # class 4 takes all the mass and is not in the target
    log_probs = log_probs.astype(dtype)
    targets = np.array([1, 2, 3, 1, 2], np.int64)
    nll, grad, paths = assert_matches_reference(log_probs, targets, np.array([T, T]), np.array([3, 2]))
    assert list(paths) == [kernel.PATH_LOG_SPACE, kernel.PATH_SCALED]
    assert 800 * T * 0.9 < nll[0] < np.inf
    np.testing.assert_allclose(grad[:, 0].sum(axis=1), -1.0, rtol=1e-6)


def test_kernel_tiny_but_representable_probabilities():
    # probabilities around 1e-200 per step: far below float32 range, fine for the double scaled recursion
    rng = np.random.default_rng(22)
    log_probs = rng.standard_normal((30, 2, 4)) - 460.0
    targets = np.array([1, 2, 3, 3, 2], np.int64)
    _, _, paths = assert_matches_reference(log_probs, targets, np.array([30, 25]), np.array([3, 2]))
    assert np.all(paths == kernel.PATH_SCALED)


def test_kernel_log_probs_with_minus_infinity():
    # a class that is impossible at every step: the sample that needs it has no alignment (inf, nan rows); the
    # others only lose some paths
    rng = np.random.default_rng(23)
    log_probs = log_softmax(rng.standard_normal((8, 3, 5)))
    log_probs[:, :, 3] = -np.inf
    log_probs[2:4, 1, 0] = -np.inf  # no blank at t = 2, 3 for sample 1
    targets = np.array([1, 3, 1, 2, 2, 1], np.int64)
    for zero_infinity in (False, True):
        nll, grad, paths = assert_matches_reference(
            log_probs, targets, np.array([8, 8, 8]), np.array([2, 2, 2]), zero_infinity=zero_infinity
        )
        assert paths[0] == kernel.PATH_LOG_SPACE
        if zero_infinity:
            assert nll[0] == 0 and np.all(grad[:, 0] == 0)
        else:
            assert nll[0] == np.inf and np.isnan(grad[:, 0]).all()
        assert np.isfinite(nll[1:]).all()


def test_kernel_nan_input_gives_nan():
    log_probs = log_softmax(np.random.default_rng(24).standard_normal((5, 2, 3)))
    log_probs[2, 0, 1] = np.nan
    nll, grad, _ = run_kernel(log_probs, np.array([1, 2, 1], np.int64), np.array([5, 5]), np.array([2, 1]))
    assert np.isnan(nll[0]) and np.isnan(grad[:5, 0]).all()
    assert np.isfinite(nll[1]) and np.isfinite(grad[:, 1]).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_kernel_unnormalised_log_probs(dtype):
    # the gradient is the true derivative whatever the rows sum to
    rng = np.random.default_rng(25)
    log_probs = (rng.standard_normal((10, 3, 6)) * 3).astype(dtype)
    _, targets, input_lengths, target_lengths = random_case(rng, 10, 3, 6, max_target=4)
    assert_matches_reference(log_probs, targets, input_lengths, target_lengths)


@pytest.mark.parametrize("dtype", DTYPES)
def test_kernel_long_sequences_stay_in_scaled_space(dtype):
    # T = 2000: the product of the probabilities is ~1e-3000; the per-step scaling keeps it in range
    rng = np.random.default_rng(26)
    log_probs, targets, input_lengths, target_lengths = random_case(
        rng, 2000, 2, 20, max_target=60, dtype=dtype, full_length=True
    )
    nll, grad, paths = run_kernel(log_probs, targets, input_lengths, target_lengths)
    log_nll, log_grad, log_paths = run_kernel(log_probs, targets, input_lengths, target_lengths, force_log_space=True)
    assert np.all(paths == kernel.PATH_SCALED) and np.all(log_paths == kernel.PATH_LOG_SPACE)
    assert np.all(nll > 1000)
    # float32: the scaled path takes exp in float, the log-space path works in double
    np.testing.assert_allclose(nll, log_nll, rtol=1e-9 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(grad, log_grad, rtol=1e-6, atol=1e-7 if dtype == np.float32 else 1e-12)


def test_kernel_gradient_rows_are_minus_posteriors():
    # Σ_c grad[t, b, c] = -1 for t < T_b: the posteriors γ_t sum to one
    rng = np.random.default_rng(27)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 30, 6, 8, max_target=10, full_length=True)
    nll, grad, _ = run_kernel(log_probs, targets, input_lengths, target_lengths, num_threads=2)
    feasible = np.isfinite(nll)
    np.testing.assert_allclose(grad[:, feasible].sum(axis=2), -1.0, rtol=1e-12)
    assert np.all(grad <= 0)


def test_kernel_finite_differences_float64():
    rng = np.random.default_rng(28)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 7, 2, 4, max_target=3)
    input_lengths[:] = [7, 5]
    target_lengths[:] = [3, 2]
    targets = rng.integers(1, 4, 5).astype(np.int64)
    _, grad, _ = run_kernel(log_probs, targets, input_lengths, target_lengths)
    eps = 1e-6
    for index in np.ndindex(log_probs.shape):
        plus, minus = log_probs.copy(), log_probs.copy()
        plus[index] += eps
        minus[index] -= eps
        b = index[1]
        numerical = (
            run_kernel(plus, targets, input_lengths, target_lengths)[0][b]
            - run_kernel(minus, targets, input_lengths, target_lengths)[0][b]
        ) / (2 * eps)
        np.testing.assert_allclose(grad[index], numerical, atol=1e-8)


def test_kernel_padded_targets_through_offsets():
    # padded (N, S) targets can be passed flattened, with offsets b * S: entries past each length are never read
    rng = np.random.default_rng(29)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 15, 4, 6, max_target=5)
    padded = np.full((4, 5), 99, np.int64)  # 99: garbage that must not be read
    for b, labels in enumerate(concatenate_targets(targets, target_lengths)):
        padded[b, : len(labels)] = labels
    want = run_kernel(log_probs, targets, input_lengths, target_lengths)
    got = run_kernel(
        log_probs, padded.reshape(-1), input_lengths, target_lengths, offsets=np.arange(4, dtype=np.int64) * 5
    )
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", DTYPES)
def test_kernel_one_and_two_threads_agree_bitwise(dtype):
    rng = np.random.default_rng(30)
    case = random_case(rng, 80, 17, 20, max_target=25, dtype=dtype, full_length=True)  # ~35k cells: 2 threads
    one = run_kernel(*case, num_threads=1)
    two = run_kernel(*case, num_threads=2)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def test_kernel_read_only_inputs():
    rng = np.random.default_rng(31)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 10, 3, 5, max_target=3)
    offsets = offsets_of(target_lengths)
    for array in (log_probs, targets, input_lengths, target_lengths, offsets):
        array.flags.writeable = False
    assert_matches_reference(log_probs, targets, input_lengths, target_lengths, offsets=offsets)


def test_kernel_rejects_non_contiguous_and_wrong_dtypes():
    # the functional wrapper makes inputs contiguous; the kernel itself refuses rather than misreads
    rng = np.random.default_rng(32)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 10, 3, 5, max_target=3)
    offsets = offsets_of(target_lengths)
    args = (targets, offsets, input_lengths, target_lengths, 0, False, 1)
    with pytest.raises((ValueError, TypeError)):
        call_kernel(np.asfortranarray(log_probs), *args)
    with pytest.raises((ValueError, TypeError)):
        call_kernel(log_probs[:, ::2], targets, offsets[::2], input_lengths[::2], target_lengths[::2], 0, False, 1)
    with pytest.raises((ValueError, TypeError)):
        call_kernel(log_probs.astype(np.float16), *args)
    with pytest.raises((ValueError, TypeError)):
        call_kernel(log_probs, targets.astype(np.int32), *args[1:])
    with pytest.raises((ValueError, TypeError)):
        call_kernel(log_probs, targets, offsets[:2], *args[2:])
    with pytest.raises((ValueError, TypeError)):
        call_kernel(log_probs[0], *args)


def test_kernel_non_contiguous_input_made_contiguous_matches():
    rng = np.random.default_rng(33)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 10, 6, 5, max_target=3)
    strided = np.repeat(log_probs, 2, axis=1)[:, ::2]
    assert not strided.flags.c_contiguous
    got = run_kernel(np.ascontiguousarray(strided), targets, input_lengths, target_lengths)
    want = run_kernel(log_probs, targets, input_lengths, target_lengths)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


def test_kernel_large_batch_many_threads():
    # more threads than samples, and a batch long enough to be split
    rng = np.random.default_rng(34)
    case = random_case(rng, 40, 3, 10, max_target=10)
    assert_matches_reference(*case, num_threads=8)
    case = random_case(rng, 60, 64, 10, max_target=8, full_length=True)  # ~35k cells: split over 4 threads
    one = run_kernel(*case, num_threads=1)
    many = run_kernel(*case, num_threads=4)
    for a, b in zip(one, many):
        np.testing.assert_array_equal(a, b)


def test_torch_style_grad_helper():
    # the difference between the two conventions is exactly exp(lp) on t < T_b
    rng = np.random.default_rng(35)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 6, 2, 4, max_target=2)
    _, grad = ctc_reference(log_probs, targets, input_lengths, target_lengths)
    torch_grad = torch_style_grad(log_probs, grad, input_lengths)
    for b, T_b in enumerate(input_lengths):
        np.testing.assert_allclose(torch_grad[:T_b, b] - grad[:T_b, b], np.exp(log_probs[:T_b, b]))
        assert np.all(torch_grad[T_b:, b] == 0)


def test_kernel_without_gradient_gives_the_same_losses():
    rng = np.random.default_rng(36)
    case = random_case(rng, 30, 5, 7, max_target=8)
    nll, grad = call_kernel(case[0], case[1], offsets_of(case[3]), case[2], case[3], 0, False, 2)
    nll_only, no_grad = call_kernel(
        case[0], case[1], offsets_of(case[3]), case[2], case[3], 0, False, 2, want_grad=False
    )
    assert no_grad is None
    np.testing.assert_array_equal(nll, nll_only)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernel_scales_each_sample_and_matches_its_twin(dtype):
    """scale[b] multiplies sample b's gradient only; the reference twin, called the same way, agrees."""
    rng = np.random.default_rng(37)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 12, 4, 5, max_target=3, dtype=dtype)
    args = (log_probs, targets, offsets_of(target_lengths), input_lengths, target_lengths, 0, False, 2)
    scale = np.array([0.5, 2.0, 0.0, -1.0])
    nll, grad = call_kernel(*args, scale=scale)
    unscaled_nll, unscaled = call_kernel(*args)
    np.testing.assert_array_equal(nll, unscaled_nll)
    np.testing.assert_allclose(grad, unscaled * scale[:, None], **TOL[dtype])
    want_nll, want_grad = call_kernel(*args, scale=scale, function=ctc_twin)
    np.testing.assert_allclose(nll, want_nll, **TOL[dtype])
    np.testing.assert_allclose(grad, want_grad, **TOL[dtype])


# ================================================================================================================
# minigrad.nn.functional.ctc_loss

import minigrad  # noqa: E402
from minigrad._threads import get_num_threads, set_num_threads  # noqa: E402
from minigrad.autograd import gradcheck  # noqa: E402
from minigrad.nn.functional.ctc import ctc_loss  # noqa: E402

REDUCTIONS = ["none", "mean", "sum"]


def padded(targets, target_lengths, width=None, fill=0):
    """Concatenated targets -> padded (N, width), filled with ``fill`` past each length."""
    labels = concatenate_targets(targets, target_lengths)
    width = max([len(l) for l in labels] + [1]) if width is None else width
    out = np.full((len(labels), width), fill, np.int64)
    for b, l in enumerate(labels):
        out[b, : len(l)] = l
    return out


def reduce_reference(nll, target_lengths, reduction):
    if reduction == "none":
        return nll
    if reduction == "sum":
        return nll.sum()
    return np.mean(nll / np.maximum(target_lengths, 1))


def reference_input_grad(grad, target_lengths, reduction, upstream):
    """d reduce(nll) / d log_probs from the per-sample gradients, for an upstream gradient of the reduced value."""
    N = grad.shape[1]
    if reduction == "none":
        weights = upstream
    elif reduction == "sum":
        weights = np.full(N, float(upstream))
    else:
        weights = float(upstream) / (N * np.maximum(target_lengths, 1))
    return grad * weights[None, :, None]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
def test_ctc_loss_matches_reference(dtype, reduction, layout):
    rng = np.random.default_rng(40)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 15, 5, 6, max_target=5, blank=2, dtype=dtype)
    nll, grad = ctc_reference(log_probs, targets, input_lengths, target_lengths, blank=2)
    leaf = minigrad.tensor(log_probs, requires_grad=True)
    target_tensor = minigrad.tensor(padded(targets, target_lengths, width=7, fill=2) if layout == "padded" else targets)
    loss = ctc_loss(
        leaf,
        target_tensor,
        minigrad.tensor(input_lengths),
        minigrad.tensor(target_lengths),
        blank=2,
        reduction=reduction,
    )
    assert loss.dtype == minigrad.tensor(log_probs).dtype
    assert loss.shape == ((5,) if reduction == "none" else ())
    tol = TOL[dtype]
    np.testing.assert_allclose(loss._data, reduce_reference(nll, target_lengths, reduction), **tol)
    upstream = rng.standard_normal(loss.shape).astype(dtype)
    loss.backward(minigrad.tensor(upstream))
    assert leaf.grad.dtype == leaf.dtype and leaf.grad.shape == leaf.shape
    np.testing.assert_allclose(leaf.grad._data, reference_input_grad(grad, target_lengths, reduction, upstream), **tol)


@pytest.mark.parametrize(
    "make_lengths",
    [
        list,
        tuple,
        np.asarray,
        minigrad.tensor,
        lambda v: minigrad.tensor(np.asarray(v, np.int32)),
        lambda v: minigrad.tensor(np.asarray(v)[None, :]),
        lambda v: minigrad.tensor(np.repeat(np.asarray(v), 2)[::2]),
    ],
)
def test_ctc_loss_lengths_forms(make_lengths):
    rng = np.random.default_rng(41)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 10, 3, 5, max_target=4)
    want = ctc_loss(
        minigrad.tensor(log_probs),
        minigrad.tensor(targets),
        minigrad.tensor(input_lengths),
        minigrad.tensor(target_lengths),
        reduction="none",
    )
    got = ctc_loss(
        minigrad.tensor(log_probs),
        minigrad.tensor(targets),
        make_lengths(input_lengths.tolist()),
        make_lengths(target_lengths.tolist()),
        reduction="none",
    )
    np.testing.assert_array_equal(got._data, want._data)


def test_ctc_loss_target_dtypes_are_cast():
    # like torch: any integer or float dtype (floats truncated)
    rng = np.random.default_rng(42)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 10, 3, 5, max_target=4)
    want = ctc_loss(
        minigrad.tensor(log_probs),
        minigrad.tensor(targets),
        input_lengths.tolist(),
        target_lengths.tolist(),
        reduction="none",
    )
    for cast in (np.int32, np.uint8, np.float32):
        got = ctc_loss(
            minigrad.tensor(log_probs),
            minigrad.tensor(targets.astype(cast)),
            input_lengths.tolist(),
            target_lengths.tolist(),
            reduction="none",
        )
        np.testing.assert_array_equal(got._data, want._data)
    got = ctc_loss(
        minigrad.tensor(log_probs),
        minigrad.tensor(targets + 0.7),
        input_lengths.tolist(),
        target_lengths.tolist(),
        reduction="none",
    )
    np.testing.assert_array_equal(got._data, want._data)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("targets_form", ["concatenated", "padded"])
@pytest.mark.parametrize("lengths_form", ["0-d", "1-element"])
def test_ctc_loss_unbatched(reduction, targets_form, lengths_form):
    rng = np.random.default_rng(43)
    log_probs = log_softmax(rng.standard_normal((9, 5)))
    labels = np.array([1, 3, 3, 2])
    targets = labels if targets_form == "concatenated" else np.concatenate([labels, [4, 4]])[None, :]
    wrap_length = (lambda v: minigrad.tensor(v)) if lengths_form == "0-d" else (lambda v: [v])
    leaf = minigrad.tensor(log_probs, requires_grad=True)
    loss = ctc_loss(leaf, minigrad.tensor(targets), wrap_length(7), wrap_length(4), reduction=reduction)
    nll, grad = ctc_single(log_probs[:7], labels)
    assert loss.shape == ()
    np.testing.assert_allclose(loss._data, nll / (4 if reduction == "mean" else 1), rtol=1e-12)
    loss.backward()
    want = np.zeros_like(log_probs)
    want[:7] = grad / (4 if reduction == "mean" else 1)
    np.testing.assert_allclose(leaf.grad._data, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_loss_zero_infinity(reduction):
    rng = np.random.default_rng(44)
    log_probs = log_softmax(rng.standard_normal((4, 3, 5)))
    targets = np.array([[1, 1, 1], [1, 2, 0], [2, 3, 4]])  # sample 0: [1,1,1] needs T >= 5
    input_lengths, target_lengths = [4, 4, 2], [3, 2, 3]  # sample 2: T_b = 2 < L = 3
    for zero_infinity in (False, True):
        leaf = minigrad.tensor(log_probs, requires_grad=True)
        loss = ctc_loss(
            leaf,
            minigrad.tensor(targets),
            input_lengths,
            target_lengths,
            reduction=reduction,
            zero_infinity=zero_infinity,
        )
        nll, grad = ctc_reference(
            log_probs,
            padded(targets.reshape(-1)[[0, 1, 2, 3, 4, 6, 7, 8]], target_lengths, 3),
            input_lengths,
            target_lengths,
            zero_infinity=zero_infinity,
        )
        np.testing.assert_allclose(loss._data, reduce_reference(nll, np.array(target_lengths), reduction))
        loss.sum().backward()
        if zero_infinity:
            assert np.all(leaf.grad._data[:, [0, 2]] == 0) and np.isfinite(loss._data).all()
        else:
            assert np.isnan(leaf.grad._data[:4, 0]).all() and np.isnan(leaf.grad._data[:2, 2]).all()
            assert np.all(leaf.grad._data[2:, 2] == 0)  # t >= T_b stays 0
        assert np.isfinite(leaf.grad._data[:, 1]).all()


def test_ctc_loss_mean_divides_by_clamped_target_lengths():
    rng = np.random.default_rng(45)
    log_probs = log_softmax(rng.standard_normal((6, 2, 4)))
    loss = ctc_loss(minigrad.tensor(log_probs), minigrad.tensor([1, 2, 3]), [6, 5], [3, 0])
    expected = (ctc_single(log_probs[:, 0], [1, 2, 3])[0] / 3 - log_probs[:5, 1, 0].sum()) / 2
    np.testing.assert_allclose(loss._data, expected, rtol=1e-12)


def test_ctc_loss_gradcheck_raw_log_probs():
    # minigrad's gradient is the true derivative, so finite differences of the raw (even unnormalised) input agree
    rng = np.random.default_rng(46)
    log_probs = rng.standard_normal((6, 3, 4))
    targets, input_lengths, target_lengths = minigrad.tensor([1, 2, 3, 3, 1]), [6, 5, 3], [2, 2, 1]
    for reduction in REDUCTIONS:
        leaf = minigrad.tensor(log_probs.copy(), requires_grad=True)
        assert gradcheck(
            lambda x: ctc_loss(x, targets, input_lengths, target_lengths, reduction=reduction),
            (leaf,),
            eps=1e-6,
            atol=1e-6,
            rtol=1e-5,
        )


def test_ctc_loss_gradcheck_through_log_softmax():
    rng = np.random.default_rng(47)
    logits = minigrad.tensor(rng.standard_normal((5, 2, 4)), requires_grad=True)
    targets = minigrad.tensor([[1, 2], [3, 0]])
    assert gradcheck(
        lambda x: ctc_loss(minigrad.log_softmax(x, 2), targets, [5, 4], [2, 1]),
        (logits,),
        eps=1e-6,
        atol=1e-6,
        rtol=1e-5,
    )


def test_ctc_loss_without_grad():
    rng = np.random.default_rng(48)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 10, 3, 5, max_target=4)
    with_grad = ctc_loss(
        minigrad.tensor(log_probs, requires_grad=True),
        minigrad.tensor(targets),
        input_lengths.tolist(),
        target_lengths.tolist(),
    )
    plain = ctc_loss(
        minigrad.tensor(log_probs), minigrad.tensor(targets), input_lengths.tolist(), target_lengths.tolist()
    )
    with minigrad.no_grad():
        no_grad = ctc_loss(
            minigrad.tensor(log_probs, requires_grad=True),
            minigrad.tensor(targets),
            input_lengths.tolist(),
            target_lengths.tolist(),
        )
    assert with_grad.requires_grad and not plain.requires_grad and not no_grad.requires_grad
    assert plain.grad_fn is None and no_grad.grad_fn is None
    assert with_grad._data == plain._data == no_grad._data


def test_ctc_loss_backward_twice_with_retain_graph():
    rng = np.random.default_rng(49)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 8, 3, 5, max_target=3)
    leaf = minigrad.tensor(log_probs, requires_grad=True)
    loss = ctc_loss(leaf, minigrad.tensor(targets), input_lengths.tolist(), target_lengths.tolist(), reduction="sum")
    loss.backward(retain_graph=True)
    first = leaf.grad._data.copy()
    loss.backward()
    np.testing.assert_allclose(leaf.grad._data, 2 * first)


def test_ctc_loss_create_graph():
    # the first derivative is differentiable w.r.t. the upstream gradient; differentiating the CTC gradient itself
    # again is not implemented (as in PyTorch) and says so
    rng = np.random.default_rng(50)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 8, 3, 5, max_target=3)
    leaf = minigrad.tensor(log_probs, requires_grad=True)
    loss = ctc_loss(leaf, minigrad.tensor(targets), input_lengths.tolist(), target_lengths.tolist(), reduction="none")
    upstream = minigrad.tensor(np.ones(3), requires_grad=True)
    (grad,) = minigrad.autograd.grad([loss], [leaf], [upstream], create_graph=True)
    np.testing.assert_allclose(
        grad._data, ctc_reference(log_probs, targets, input_lengths, target_lengths)[1], rtol=1e-10, atol=1e-12
    )
    assert grad.requires_grad
    with pytest.raises(RuntimeError, match="double backward"):
        grad.sum().backward()


def test_ctc_loss_non_contiguous_and_read_only_inputs():
    rng = np.random.default_rng(51)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 10, 4, 5, max_target=4)
    want = ctc_loss(
        minigrad.tensor(log_probs),
        minigrad.tensor(targets),
        input_lengths.tolist(),
        target_lengths.tolist(),
        reduction="none",
    )._data
    batch_major = minigrad.tensor(np.ascontiguousarray(log_probs.transpose(1, 0, 2)), requires_grad=True)
    time_major = batch_major.permute(1, 0, 2)  # a non-contiguous view, as after a batch-first network
    assert not time_major._data.flags.c_contiguous
    loss = ctc_loss(
        time_major, minigrad.tensor(targets), input_lengths.tolist(), target_lengths.tolist(), reduction="none"
    )
    np.testing.assert_array_equal(loss._data, want)
    loss.sum().backward()
    np.testing.assert_allclose(
        batch_major.grad._data.transpose(1, 0, 2),
        ctc_reference(log_probs, targets, input_lengths, target_lengths)[1],
        atol=1e-10,
    )
    read_only = [np.array(a) for a in (log_probs, targets, input_lengths, target_lengths)]
    for a in read_only:
        a.flags.writeable = False
    got = ctc_loss(
        minigrad.tensor(read_only[0]),
        minigrad.tensor(read_only[1]),
        minigrad.tensor(read_only[2]),
        minigrad.tensor(read_only[3]),
        reduction="none",
    )._data
    np.testing.assert_array_equal(got, want)


def test_ctc_loss_one_and_two_threads_agree():
    rng = np.random.default_rng(52)
    # big enough (~40k cells) that the kernel really uses two threads
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 100, 16, 10, max_target=25, full_length=True)
    results = []
    saved = get_num_threads()
    try:
        for threads in (1, 2):
            set_num_threads(threads)
            leaf = minigrad.tensor(log_probs, requires_grad=True)
            loss = ctc_loss(leaf, minigrad.tensor(targets), input_lengths.tolist(), target_lengths.tolist())
            loss.backward()
            results.append((loss._data, leaf.grad._data))
    finally:
        set_num_threads(saved)
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_ctc_loss_elementwise_mean_is_deprecated_mean():
    rng = np.random.default_rng(53)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 8, 3, 5, max_target=3)
    args = (minigrad.tensor(log_probs), minigrad.tensor(targets), input_lengths.tolist(), target_lengths.tolist())
    with pytest.warns(UserWarning, match="elementwise_mean"):
        loss = ctc_loss(*args, reduction="elementwise_mean")
    assert loss._data == ctc_loss(*args)._data


# ----------------------------------------------------------------------------------------------------------------
# errors: torch's exception types (and wording) where torch raises, clear errors where torch does not (spec §12.2)


def _error_cases():
    """(id, builder of (log_probs, targets, input_lengths, target_lengths, kwargs) from a library, exception type,
    message pattern, whether torch raises the same type)."""

    def base(lib, lp_shape=(5, 2, 4), lp_dtype="float64"):
        lp = lib.tensor(np.log(np.full(lp_shape, 0.25)).astype(lp_dtype))
        return lp, lib.tensor([[1, 2], [3, 1]]), lib.tensor([5, 4]), lib.tensor([2, 1])

    def case(name, change, error, pattern, torch_raises=True):
        return pytest.param(change, error, pattern, torch_raises, id=name)

    def replace(index, value_of):
        def change(lib):
            args = list(base(lib))
            args[index] = value_of(lib)
            return args, {}

        return change

    def kwargs(**kw):
        return lambda lib: (list(base(lib)), kw)

    def shaped(shape, dtype="float64"):
        return lambda lib: (list(base(lib, shape, dtype))[:1] + list(base(lib))[1:], {})

    return [
        case("bad-reduction", kwargs(reduction="avg"), ValueError, "avg is not a valid value for reduction"),
        case("blank-too-large", kwargs(blank=4), RuntimeError, "blank must be in label range"),
        case("blank-negative", kwargs(blank=-1), RuntimeError, "blank must be in label range"),
        case("blank-bool", kwargs(blank=True), TypeError, "blank"),
        case("blank-float", kwargs(blank=1.0), TypeError, "blank"),
        case("zero_infinity-int", kwargs(zero_infinity=1), TypeError, "zero_infinity"),
        case("zero_infinity-none", kwargs(zero_infinity=None), TypeError, "zero_infinity"),
        case("input_lengths-int", replace(2, lambda lib: 5), TypeError, "input_lengths"),
        case("input_lengths-float-tuple", replace(2, lambda lib: (5.0, 4)), TypeError, "input_lengths"),
        case(
            "input_lengths-float",
            replace(2, lambda lib: lib.tensor([5.0, 4.0])),
            RuntimeError,
            "input_lengths must be integral",
        ),
        case(
            "target_lengths-float",
            replace(3, lambda lib: lib.tensor([2.0, 1.0])),
            RuntimeError,
            "target_lengths must be integral",
        ),
        case("targets-list", replace(1, lambda lib: [[1, 2], [3, 1]]), TypeError, "targets"),
        case("log_probs-array", lambda lib: ([np.zeros((5, 2, 4))] + list(base(lib))[1:], {}), TypeError, "log_probs"),
        case("half", shaped((5, 2, 4), "float16"), NotImplementedError, "not implemented for 'Half'"),
        case("long", shaped((5, 2, 4), "int64"), NotImplementedError, "not implemented for 'Long'"),
        case("1-d", shaped((5,)), RuntimeError, "dimensional"),
        case("4-d", shaped((5, 2, 4, 1)), RuntimeError, "dimensional"),
        case("empty-C", shaped((5, 2, 0)), RuntimeError, "log_probs tensor must not be empty"),
        case("empty-T", shaped((0, 2, 4)), RuntimeError, "log_probs tensor must not be empty"),
        case(
            "empty-N",
            lambda lib: (
                [
                    base(lib, (5, 0, 4))[0],
                    lib.tensor(np.zeros((0, 2), np.int64)),
                    lib.tensor(np.zeros(0, np.int64)),
                    lib.tensor(np.zeros(0, np.int64)),
                ],
                {},
            ),
            RuntimeError,
            "log_probs tensor must not be empty",
        ),
        case(
            "input_lengths-size",
            replace(2, lambda lib: lib.tensor([5, 4, 3])),
            RuntimeError,
            "input_lengths must be of size batch_size",
        ),
        case(
            "target_lengths-size",
            replace(3, lambda lib: lib.tensor([2])),
            RuntimeError,
            "target_lengths must be of size batch_size",
        ),
        case(
            "input_lengths-too-long",
            replace(2, lambda lib: lib.tensor([6, 4])),
            RuntimeError,
            "Expected input_lengths to have value at most 5, but got value 6",
        ),
        case(
            "input_lengths-negative",
            replace(2, lambda lib: lib.tensor([-1, 4])),
            RuntimeError,
            "Expected input_lengths to have value at least 0, but got value -1",
        ),
        case(
            "target_lengths-negative",
            replace(3, lambda lib: lib.tensor([-1, 1])),
            RuntimeError,
            "Expected target_lengths to have value at least 0, but got value -1",
        ),
        case(
            "targets-3-d",
            replace(1, lambda lib: lib.tensor([[[1, 2], [3, 1]]])),
            RuntimeError,
            "Expected 1 to 2 dimensions, but got 3-dimensional tensor",
        ),
        case(
            "targets-0-d",
            replace(1, lambda lib: lib.tensor(1)),
            RuntimeError,
            "Expected 1 to 2 dimensions, but got 0-dimensional tensor",
        ),
        case(
            "padded-too-narrow",
            replace(3, lambda lib: lib.tensor([3, 1])),
            RuntimeError,
            "Expected tensor to have size at least 3 at dimension 1, but got size 2",
        ),
        case(
            "padded-wrong-batch",
            replace(1, lambda lib: lib.tensor([[1, 2]])),
            RuntimeError,
            "Expected tensor to have size 2 at dimension 0, but got size 1",
        ),
        case(
            "concatenated-wrong-length",
            replace(1, lambda lib: lib.tensor([1, 2, 3, 1])),
            RuntimeError,
            "Expected tensor to have size 3 at dimension 0, but got size 4",
        ),
        # torch does not check these (it reads out of bounds or computes garbage); minigrad raises
        case(
            "target-is-blank",
            replace(1, lambda lib: lib.tensor([[1, 0], [3, 1]])),
            RuntimeError,
            r"must not contain the blank label 0, but got 0 \(sample 0, position 1\)",
            torch_raises=False,
        ),
        case(
            "target-too-large",
            replace(1, lambda lib: lib.tensor([1, 2, 4])),
            RuntimeError,
            r"in \[0, 4\), but got 4 \(sample 1, position 0\)",
            torch_raises=False,
        ),
        case(
            "target-negative",
            replace(1, lambda lib: lib.tensor([[1, 2], [-3, 1]])),
            RuntimeError,
            r"in \[0, 4\), but got -3 \(sample 1, position 0\)",
            torch_raises=False,
        ),
        case(
            "target-nan",
            replace(1, lambda lib: lib.tensor([[1.0, np.nan], [3.0, 1.0]])),
            RuntimeError,
            r"in \[0, 4\)",
            torch_raises=False,
        ),
    ]


@pytest.mark.parametrize("change, error, pattern, torch_raises", _error_cases())
def test_ctc_loss_errors(change, error, pattern, torch_raises):
    args, kwargs = change(minigrad)
    with pytest.raises(error, match=pattern):
        ctc_loss(*args, **kwargs)


@pytest.mark.parametrize("change, error, pattern, torch_raises", _error_cases())
def test_ctc_loss_errors_match_torch(change, error, pattern, torch_raises):
    torch = pytest.importorskip("torch")
    if not torch_raises:
        pytest.skip("torch does not check this")
    args, kwargs = change(torch)
    with pytest.raises(error):
        torch.nn.functional.ctc_loss(*args, **kwargs)


def test_ctc_loss_ignores_padding_values():
    # entries past a target's length may be anything, even out-of-range classes: they are never read
    rng = np.random.default_rng(54)
    log_probs = log_softmax(rng.standard_normal((6, 2, 4)))
    a = ctc_loss(minigrad.tensor(log_probs), minigrad.tensor([[1, 2, 3], [3, 1, 2]]), [6, 6], [2, 1], reduction="none")
    b = ctc_loss(
        minigrad.tensor(log_probs), minigrad.tensor([[1, 2, -7], [3, 99, 0]]), [6, 6], [2, 1], reduction="none"
    )
    np.testing.assert_array_equal(a._data, b._data)


# ----------------------------------------------------------------------------------------------------------------
# torch parity (live, when torch is importable)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_loss_matches_torch_through_log_softmax(dtype, reduction, zero_infinity):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(60)
    T, N, C = 30, 6, 8
    logits = rng.standard_normal((T, N, C)).astype(dtype)
    target_lengths = np.array([10, 0, 5, 14, 3, 8])
    input_lengths = np.array([30, 20, 9, 25, 30, 4])  # the last one is infeasible (T_b = 4 < L = 8)
    targets = padded(rng.integers(1, C, target_lengths.sum()), target_lengths)
    ours_leaf = minigrad.tensor(logits, requires_grad=True)
    ours = ctc_loss(
        minigrad.log_softmax(ours_leaf, 2),
        minigrad.tensor(targets),
        minigrad.tensor(input_lengths),
        minigrad.tensor(target_lengths),
        reduction=reduction,
        zero_infinity=zero_infinity,
    )
    theirs_leaf = torch.tensor(logits, requires_grad=True)
    theirs = torch.nn.functional.ctc_loss(
        theirs_leaf.log_softmax(2),
        torch.tensor(targets),
        torch.tensor(input_lengths),
        torch.tensor(target_lengths),
        reduction=reduction,
        zero_infinity=zero_infinity,
    )
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    assert str(theirs.dtype).endswith(str(ours.dtype).split(".")[-1])
    np.testing.assert_allclose(ours._data, theirs.detach().numpy(), **tol)
    upstream = rng.standard_normal(ours.shape).astype(dtype)
    ours.backward(minigrad.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(ours_leaf.grad._data, theirs_leaf.grad.numpy(), **tol)


@pytest.mark.parametrize("unnormalised", [False, True])
def test_raw_log_probs_gradient_differs_from_torch_by_exp_log_probs(unnormalised):
    # spec §12.1: torch returns exp(lp) - γ for a raw log_probs leaf, minigrad the true derivative -γ
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(61)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 12, 4, 6, max_target=4)
    if unnormalised:
        log_probs = log_probs + rng.standard_normal(log_probs.shape)
    ours_leaf = minigrad.tensor(log_probs, requires_grad=True)
    ctc_loss(
        ours_leaf,
        minigrad.tensor(targets),
        minigrad.tensor(input_lengths),
        minigrad.tensor(target_lengths),
        reduction="sum",
    ).backward()
    theirs_leaf = torch.tensor(log_probs, requires_grad=True)
    theirs = torch.nn.functional.ctc_loss(
        theirs_leaf, torch.tensor(targets), torch.tensor(input_lengths), torch.tensor(target_lengths), reduction="sum"
    )
    np.testing.assert_allclose(
        ctc_loss(
            minigrad.tensor(log_probs),
            minigrad.tensor(targets),
            input_lengths.tolist(),
            target_lengths.tolist(),
            reduction="sum",
        )._data,
        theirs.detach().numpy(),
        rtol=1e-10,
    )
    theirs.backward()
    np.testing.assert_allclose(
        theirs_leaf.grad.numpy(),
        torch_style_grad(log_probs, ours_leaf.grad._data, input_lengths),
        rtol=1e-9,
        atol=1e-12,
    )


def test_ctc_loss_matches_torch_on_long_sequences():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(62)
    T, N, C, S = 400, 4, 20, 80
    logits = rng.standard_normal((T, N, C))
    targets = rng.integers(1, C, (N, S))
    lengths = np.array([S, S - 10, S // 2, 1])
    ours = ctc_loss(
        minigrad.log_softmax(minigrad.tensor(logits), 2),
        minigrad.tensor(targets),
        [T] * N,
        lengths.tolist(),
        reduction="none",
    )
    theirs = torch.nn.functional.ctc_loss(
        torch.tensor(logits).log_softmax(2),
        torch.tensor(targets),
        torch.tensor([T] * N),
        torch.tensor(lengths),
        reduction="none",
    )
    np.testing.assert_allclose(ours._data, theirs.numpy(), rtol=1e-10)
