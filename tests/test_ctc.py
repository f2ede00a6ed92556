"""CTC: the NumPy reference against brute force, the Cython kernel against the reference, and (when torch is
importable) parity with PyTorch."""
import numpy as np
import pytest

from tests.reference.ctc import (concatenate_targets, ctc_brute_force, ctc_reference, ctc_single,
                                 torch_style_grad)

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


def run_kernel(log_probs, targets, input_lengths, target_lengths, blank=0, zero_infinity=False, num_threads=1,
               force_log_space=False, offsets=None):
    """Call the kernel with concatenated targets; returns (nll, grad, paths)."""
    paths = np.full(len(input_lengths), -1, dtype=np.int8)
    nll, grad = kernel.ctc_loss_and_grad(
        log_probs, targets, offsets_of(target_lengths) if offsets is None else offsets,
        np.asarray(input_lengths, np.int64), np.asarray(target_lengths, np.int64), blank, zero_infinity,
        num_threads, force_log_space=force_log_space, paths=paths)
    return nll, grad, paths


def assert_matches_reference(log_probs, targets, input_lengths, target_lengths, blank=0, zero_infinity=False,
                             **kwargs):
    nll, grad, paths = run_kernel(log_probs, targets, input_lengths, target_lengths, blank, zero_infinity, **kwargs)
    want_nll, want_grad = ctc_reference(log_probs, targets, input_lengths, target_lengths, blank, zero_infinity)
    tol = TOL[log_probs.dtype.type]
    assert nll.dtype == np.float64 and nll.shape == (log_probs.shape[1],)
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
            assert_matches_reference(*case, blank=blank, zero_infinity=zero_infinity, num_threads=num_threads,
                                     force_log_space=force_log_space)


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
    nll, grad, paths = assert_matches_reference(log_probs, np.zeros(0, np.int64), input_lengths, np.zeros(3, np.int64),
                                                blank=2)
    # nll = -Σ_t lp[t, blank]; the gradient is -1 on the blank
    np.testing.assert_allclose(nll[:2], [-log_probs[:6, 0, 2].sum(), -log_probs[:3, 1, 2].sum()], rtol=1e-6)
    assert nll[2] == 0 and paths[2] == kernel.PATH_EMPTY
    np.testing.assert_allclose(grad[:6, 0, 2], -1.0, rtol=1e-12)
    np.testing.assert_allclose(grad[:3, 1, 2], -1.0, rtol=1e-12)
    assert np.all(grad[:, :, [0, 1, 3]] == 0) and np.all(grad[3:, 1] == 0)


def test_kernel_zero_input_length():
    log_probs = log_softmax(np.random.default_rng(17).standard_normal((4, 2, 3)))
    for zero_infinity in (False, True):
        nll, grad, paths = assert_matches_reference(log_probs, np.array([1], np.int64), np.array([0, 0]),
                                                    np.array([0, 1]), zero_infinity=zero_infinity)
        assert nll[0] == 0 and nll[1] == (0 if zero_infinity else np.inf)
        assert np.all(grad == 0) and np.all(paths == kernel.PATH_EMPTY)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("num_threads", [1, 2])
def test_kernel_infeasible_samples(dtype, num_threads):
    rng = np.random.default_rng(18)
    log_probs = log_softmax(rng.standard_normal((6, 3, 5))).astype(dtype)
    targets = np.array([1, 2, 3, 4, 1, 2, 3, 3, 3, 3], np.int64)  # lengths 4 (ok), 2 (ok), 4 repeats (needs 7)
    input_lengths, target_lengths = np.array([6, 5, 6]), np.array([4, 2, 4])
    nll, grad, paths = assert_matches_reference(log_probs, targets, input_lengths, target_lengths,
                                                num_threads=num_threads)
    assert nll[2] == np.inf and np.isnan(grad[:, 2]).all() and paths[2] == kernel.PATH_INFEASIBLE
    assert np.isfinite(nll[:2]).all() and np.isfinite(grad[:, :2]).all()
    assert np.all(grad[5:, 1] == 0)
    nll, grad, _ = assert_matches_reference(log_probs, targets, input_lengths, target_lengths, zero_infinity=True,
                                            num_threads=num_threads)
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
        nll, grad, paths = assert_matches_reference(log_probs, targets, np.array([8, 8, 8]),
                                                    np.array([2, 2, 2]), zero_infinity=zero_infinity)
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
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 2000, 2, 20, max_target=60, dtype=dtype,
                                                                    full_length=True)
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
        numerical = (run_kernel(plus, targets, input_lengths, target_lengths)[0][b]
                     - run_kernel(minus, targets, input_lengths, target_lengths)[0][b]) / (2 * eps)
        np.testing.assert_allclose(grad[index], numerical, atol=1e-8)


def test_kernel_padded_targets_through_offsets():
    # padded (N, S) targets can be passed flattened, with offsets b * S: entries past each length are never read
    rng = np.random.default_rng(29)
    log_probs, targets, input_lengths, target_lengths = random_case(rng, 15, 4, 6, max_target=5)
    padded = np.full((4, 5), 99, np.int64)  # 99: garbage that must not be read
    for b, labels in enumerate(concatenate_targets(targets, target_lengths)):
        padded[b, :len(labels)] = labels
    want = run_kernel(log_probs, targets, input_lengths, target_lengths)
    got = run_kernel(log_probs, padded.reshape(-1), input_lengths, target_lengths,
                     offsets=np.arange(4, dtype=np.int64) * 5)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", DTYPES)
def test_kernel_one_and_two_threads_agree_bitwise(dtype):
    rng = np.random.default_rng(30)
    case = random_case(rng, 80, 17, 20, max_target=25, dtype=dtype)
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
    with pytest.raises(ValueError):
        kernel.ctc_loss_and_grad(np.asfortranarray(log_probs), *args)
    with pytest.raises(ValueError):
        kernel.ctc_loss_and_grad(log_probs[:, ::2], targets, offsets[::2], input_lengths[::2],
                                 target_lengths[::2], 0, False, 1)
    with pytest.raises(TypeError):
        kernel.ctc_loss_and_grad(log_probs.astype(np.float16), *args)
    with pytest.raises(ValueError):
        kernel.ctc_loss_and_grad(log_probs, targets.astype(np.int32), *args[1:])
    with pytest.raises(ValueError):
        kernel.ctc_loss_and_grad(log_probs, targets, offsets[:2], *args[2:])
    with pytest.raises(ValueError):
        kernel.ctc_loss_and_grad(log_probs[0], *args)


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
    case = random_case(rng, 25, 64, 10, max_target=8)
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
