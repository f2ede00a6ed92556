"""minigrad.distributions against torch.distributions (the oracle, float64): log_prob, entropy, moments and
kl_divergence values; gradients of log_prob and of rsample-based expectations; sample statistics with a fixed seed;
validation errors; and a REINFORCE step."""

import numpy as np
import pytest

import minigrad as mg
from minigrad import distributions as D
from minigrad.autograd.gradcheck import gradcheck, gradgradcheck
from minigrad.distributions.linalg import cholesky, solve_triangular
from minigrad.ops.special import erfinv

torch = pytest.importorskip("torch")
TD = torch.distributions

RNG = np.random.default_rng(0)
BATCHES = [(), (3,), (2, 3)]


def close(ours, theirs, atol=1e-10):
    """``ours`` (a minigrad Tensor) equals ``theirs`` (a torch tensor), NaN/inf included."""
    np.testing.assert_allclose(ours._data, theirs.detach().numpy(), rtol=1e-9, atol=atol, equal_nan=True)
    assert ours.shape == tuple(theirs.shape)


def pair(array, requires_grad=True):
    """The same float64 array as a minigrad leaf and a torch leaf."""
    array = np.asarray(array, dtype=np.float64)
    return mg.tensor(array, requires_grad=requires_grad), torch.tensor(array, requires_grad=requires_grad)


def spd(batch, n):
    """Symmetric positive-definite matrices of shape ``batch + (n, n)``."""
    m = RNG.standard_normal(batch + (n, n))
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


def lower(batch, n):
    """Lower-triangular matrices with a positive diagonal."""
    return np.linalg.cholesky(spd(batch, n))


def grads_equal(ours, theirs, leaves):
    """Backpropagate the sums of ``ours`` and ``theirs`` and compare the gradients of each leaf pair."""
    ours.sum().backward()
    theirs.sum().backward()
    for mine, reference in leaves:
        if reference.grad is None:  # the result does not depend on this parameter
            assert mine.grad is None or not mine.grad._data.any()
        else:
            close(mine.grad, reference.grad, atol=1e-9)


def _unit(shape):
    return RNG.uniform(0.05, 0.95, shape)


# Each case: (name, build(module, *params), parameter arrays, value array for log_prob).
def cases(batch):
    k = 4
    probs = RNG.uniform(0.1, 1.0, batch + (k,))
    return [
        (
            "normal",
            lambda d, loc, scale: d.Normal(loc, scale),
            [RNG.standard_normal(batch), RNG.uniform(0.5, 2, batch)],
            RNG.standard_normal(batch),
        ),
        (
            "uniform",
            lambda d, low, width: d.Uniform(low, low + width),
            [RNG.uniform(-1, 0, batch), RNG.uniform(2, 3, batch)],
            RNG.uniform(0, 0.9, batch),
        ),
        ("bernoulli_probs", lambda d, p: d.Bernoulli(probs=p), [_unit(batch)], RNG.integers(0, 2, batch)),
        (
            "bernoulli_logits",
            lambda d, l: d.Bernoulli(logits=l),
            [RNG.standard_normal(batch)],
            RNG.integers(0, 2, batch),
        ),
        ("categorical_probs", lambda d, p: d.Categorical(probs=p), [probs], RNG.integers(0, k, batch)),
        (
            "categorical_logits",
            lambda d, l: d.Categorical(logits=l),
            [RNG.standard_normal(batch + (k,))],
            RNG.integers(0, k, batch),
        ),
        (
            "onehot",
            lambda d, l: d.OneHotCategorical(logits=l),
            [RNG.standard_normal(batch + (k,))],
            np.eye(k)[RNG.integers(0, k, batch)],
        ),
        (
            "mvn_cov",
            lambda d, loc, cov: d.MultivariateNormal(loc, covariance_matrix=cov),
            [RNG.standard_normal(batch + (3,)), spd(batch, 3)],
            RNG.standard_normal(batch + (3,)),
        ),
        (
            "mvn_tril",
            lambda d, loc, tril: d.MultivariateNormal(loc, scale_tril=tril),
            [RNG.standard_normal(batch + (3,)), lower(batch, 3)],
            RNG.standard_normal(batch + (3,)),
        ),
        (
            "mvn_precision",
            lambda d, loc, prec: d.MultivariateNormal(loc, precision_matrix=prec),
            [RNG.standard_normal(batch + (3,)), spd(batch, 3)],
            RNG.standard_normal(batch + (3,)),
        ),
        (
            "independent",
            lambda d, loc, scale: d.Independent(d.Normal(loc, scale), 1),
            [RNG.standard_normal(batch + (2,)), RNG.uniform(0.5, 2, batch + (2,))],
            RNG.standard_normal(batch + (2,)),
        ),
    ]


CASES = [(batch, *case) for batch in BATCHES for case in cases(batch)]
IDS = [f"{name}-{batch}" for batch, name, *_ in CASES]


def values(array):
    """A value for log_prob, as float64 in both frameworks."""
    array = np.asarray(array, dtype=np.float64)
    return mg.tensor(array), torch.tensor(array)


def build_both(build, params):
    leaves = [pair(p) for p in params]
    return build(D, *(m for m, _ in leaves)), build(TD, *(t for _, t in leaves)), leaves


@pytest.mark.parametrize("batch, name, build, params, value", CASES, ids=IDS)
def test_log_prob_and_its_gradient_match_torch(batch, name, build, params, value):
    ours, theirs, leaves = build_both(build, params)
    assert ours.batch_shape == tuple(theirs.batch_shape) and ours.event_shape == tuple(theirs.event_shape)
    mine_value, their_value = values(value)
    mine, reference = ours.log_prob(mine_value), theirs.log_prob(their_value)
    close(mine, reference)
    grads_equal(mine, reference, leaves)


@pytest.mark.parametrize("batch, name, build, params, value", CASES, ids=IDS)
def test_entropy_and_moments_match_torch(batch, name, build, params, value):
    ours, theirs, leaves = build_both(build, params)
    for attribute in ("mean", "variance", "stddev", "mode"):
        if name.startswith("uniform") and attribute == "mode":
            continue  # torch's Uniform.mode is NaN; checked below
        close(getattr(ours, attribute), getattr(theirs, attribute))
    close(ours.entropy(), theirs.entropy())
    grads_equal(ours.entropy(), theirs.entropy(), leaves)
    expanded_ours, expanded_theirs = ours.expand((5,) + batch), theirs.expand((5,) + batch)
    assert expanded_ours.batch_shape == tuple(expanded_theirs.batch_shape)
    mine_value, their_value = values(value)
    close(expanded_ours.log_prob(mine_value), expanded_theirs.log_prob(their_value))


@pytest.mark.parametrize("batch, name, build, params, value", CASES, ids=IDS)
def test_samples_have_torch_shapes_and_their_log_prob_matches(batch, name, build, params, value):
    """``sample((5, 2))`` is shaped as torch's; the log-probability of those samples (leading sample dimensions
    broadcast against the batch) equals torch's."""
    ours, theirs, _ = build_both(build, params)
    mg.manual_seed(2)
    sample = ours.sample((5, 2))
    assert sample.shape == tuple(theirs.sample((5, 2)).shape)
    assert sample.dtype.numpy == theirs.sample().numpy().dtype
    if ours.has_rsample:
        assert ours.rsample((3,)).shape == tuple(theirs.rsample((3,)).shape)
    close(ours.log_prob(sample), theirs.log_prob(torch.from_numpy(sample._data.copy())))


def test_uniform_mode_is_nan_and_cdf_icdf_match():
    (low, tlow), (high, thigh) = pair([0.0, -1.0]), pair([2.0, 3.0])
    ours, theirs = D.Uniform(low, high), TD.Uniform(tlow, thigh)
    assert np.isnan(ours.mode._data).all()
    x = np.array([0.5, 2.5])
    close(ours.cdf(mg.tensor(x)), theirs.cdf(torch.tensor(x)))
    p, tp = values([0.1, 0.9])
    close(ours.icdf(p), theirs.icdf(tp))
    close(
        ours.log_prob(mg.tensor([2.0, -1.0], dtype=mg.float64)),
        TD.Uniform(tlow, thigh, validate_args=False).log_prob(torch.tensor([2.0, -1.0], dtype=torch.float64)),
    )


def test_normal_cdf_and_broadcasting_of_numbers_and_values():
    ((loc, tloc),) = [pair(RNG.standard_normal((3,)))]
    ours, theirs = D.Normal(loc, 2.0), TD.Normal(tloc, 2.0)
    value = RNG.standard_normal((4, 1, 3))
    close(ours.log_prob(mg.tensor(value)), theirs.log_prob(torch.tensor(value)))
    close(ours.cdf(mg.tensor(value)), theirs.cdf(torch.tensor(value)))
    assert D.Normal(0.0, 1.0).batch_shape == () and D.Normal(0.0, 1.0).sample((2, 3)).shape == (2, 3)


def test_normal_icdf_and_erfinv_match_torch():
    (loc, tloc), (scale, tscale), (p, tp) = pair([0.5, -1.0, 2.0]), pair([1.0, 0.3, 2.0]), pair([0.01, 0.5, 0.97])
    mine, reference = D.Normal(loc, scale).icdf(p), TD.Normal(tloc, tscale).icdf(tp)
    close(mine, reference)
    grads_equal(mine, reference, [(loc, tloc), (scale, tscale), (p, tp)])
    x = np.concatenate([np.linspace(-0.999999, 0.999999, 101), [-1.0, 1.0, 1.5]])
    close(erfinv(mg.tensor(x)), torch.erfinv(torch.tensor(x)), atol=1e-12)
    assert gradcheck(erfinv, (mg.tensor([-0.9, 0.1, 0.6], dtype=mg.float64, requires_grad=True),))


def test_enumerate_support_matches_torch():
    logits = RNG.standard_normal((2, 3))
    for ours, theirs in [
        (D.Categorical(logits=mg.tensor(logits)), TD.Categorical(logits=torch.tensor(logits))),
        (D.OneHotCategorical(logits=mg.tensor(logits)), TD.OneHotCategorical(logits=torch.tensor(logits))),
        (D.Bernoulli(logits=mg.tensor(logits)), TD.Bernoulli(logits=torch.tensor(logits))),
    ]:
        for expand in (True, False):
            np.testing.assert_array_equal(
                ours.enumerate_support(expand)._data, theirs.enumerate_support(expand).numpy()
            )


# KL pairs: (name, build(module, *params) -> (p, q), parameter arrays)
def kl_cases(batch):
    k = 4
    return [
        (
            "normal",
            lambda d, a, b, c, e: (d.Normal(a, b), d.Normal(c, e)),
            [
                RNG.standard_normal(batch),
                RNG.uniform(0.5, 2, batch),
                RNG.standard_normal((1,) * len(batch)),
                RNG.uniform(0.5, 2, batch),
            ],
        ),
        (
            "bernoulli",
            lambda d, a, b: (d.Bernoulli(probs=a), d.Bernoulli(logits=b)),
            [_unit(batch), RNG.standard_normal(batch)],
        ),
        (
            "categorical",
            lambda d, a, b: (d.Categorical(probs=a), d.Categorical(logits=b)),
            [RNG.uniform(0.1, 1, batch + (k,)), RNG.standard_normal(batch + (k,))],
        ),
        (
            "onehot",
            lambda d, a, b: (d.OneHotCategorical(logits=a), d.OneHotCategorical(probs=b)),
            [RNG.standard_normal(batch + (k,)), RNG.uniform(0.1, 1, batch + (k,))],
        ),
        (
            "uniform",
            lambda d, a, b, c, e: (d.Uniform(a, a + b), d.Uniform(c, c + e)),
            [
                RNG.uniform(0, 1, batch),
                RNG.uniform(0.5, 1, batch),
                RNG.uniform(-1, 0.5, batch),
                RNG.uniform(2, 3, batch),
            ],
        ),
        (
            "mvn",
            lambda d, a, b, c, e: (d.MultivariateNormal(a, covariance_matrix=b), d.MultivariateNormal(c, scale_tril=e)),
            [RNG.standard_normal(batch + (3,)), spd(batch, 3), RNG.standard_normal((3,)), lower((), 3)],
        ),
        (
            "independent",
            lambda d, a, b, c, e: (d.Independent(d.Normal(a, b), 1), d.Independent(d.Normal(c, e), 1)),
            [
                RNG.standard_normal(batch + (2,)),
                RNG.uniform(0.5, 2, batch + (2,)),
                RNG.standard_normal(batch + (2,)),
                RNG.uniform(0.5, 2, batch + (2,)),
            ],
        ),
    ]


KL_CASES = [(batch, *case) for batch in BATCHES for case in kl_cases(batch)]


@pytest.mark.parametrize("batch, name, build, params", KL_CASES, ids=[f"{c[1]}-{c[0]}" for c in KL_CASES])
def test_kl_divergence_and_its_gradient_match_torch(batch, name, build, params):
    leaves = [pair(p) for p in params]
    mine = D.kl_divergence(*build(D, *(m for m, _ in leaves)))
    reference = TD.kl_divergence(*build(TD, *(t for _, t in leaves)))
    close(mine, reference)
    grads_equal(mine, reference, leaves)


def test_kl_edge_cases_give_torch_infinities_and_zeros():
    probs_p, probs_q = np.array([[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]]), np.array([[0.2, 0.8, 0.0], [0.3, 0.3, 0.4]])
    close(
        D.kl_divergence(D.Categorical(mg.tensor(probs_p)), D.Categorical(mg.tensor(probs_q))),
        TD.kl_divergence(TD.Categorical(torch.tensor(probs_p)), TD.Categorical(torch.tensor(probs_q))),
    )
    bp, bq = np.array([0.0, 1.0, 0.3, 0.3]), np.array([0.5, 0.5, 0.0, 1.0])
    close(
        D.kl_divergence(D.Bernoulli(mg.tensor(bp)), D.Bernoulli(mg.tensor(bq))),
        TD.kl_divergence(TD.Bernoulli(torch.tensor(bp)), TD.Bernoulli(torch.tensor(bq))),
    )
    close(
        D.kl_divergence(D.Uniform(mg.tensor([0.0]), mg.tensor([2.0])), D.Uniform(mg.tensor([1.0]), mg.tensor([3.0]))),
        TD.kl_divergence(
            TD.Uniform(torch.tensor([0.0]), torch.tensor([2.0])), TD.Uniform(torch.tensor([1.0]), torch.tensor([3.0]))
        ),
    )


def test_kl_registry_dispatches_to_subclasses_and_refuses_unknown_pairs():
    class MyNormal(D.Normal):
        pass

    p, q = MyNormal(mg.tensor([0.0]), mg.tensor([1.0])), D.Normal(mg.tensor([1.0]), mg.tensor([2.0]))
    np.testing.assert_allclose(D.kl_divergence(p, q)._data, D.kl_divergence(D.Normal(p.loc, p.scale), q)._data)

    @D.register_kl(MyNormal, D.Normal)
    def _constant(p, q):
        return mg.zeros(1)

    assert D.kl_divergence(p, q)._data.tolist() == [0.0]
    with pytest.raises(NotImplementedError, match="No KL"):
        D.kl_divergence(q, D.Uniform(0.0, 1.0))
    with pytest.raises(TypeError):
        D.register_kl(int, D.Normal)


@pytest.mark.parametrize("upper", [False, True])
def test_local_linalg_functions_pass_gradcheck_and_gradgradcheck(upper):
    """The Cholesky and triangular-solve Functions MultivariateNormal is built on, to second order, batched and
    broadcast (``A`` with a batch of 2, ``B`` without)."""
    a = mg.tensor(lower((2,), 3), requires_grad=True)
    a_upper = mg.tensor(np.swapaxes(a._data, -1, -2).copy(), requires_grad=True) if upper else a
    b = mg.tensor(RNG.standard_normal((3, 2)), requires_grad=True)
    assert gradcheck(lambda x, y: solve_triangular(x, y, upper=upper), (a_upper, b))
    assert gradgradcheck(lambda x, y: solve_triangular(x, y, upper=upper), (a_upper, b))
    # Cholesky's input is symmetric: differentiate through the symmetrisation, as torch's own tests do.
    c = mg.tensor(spd((2,), 3), requires_grad=True)
    assert gradcheck(lambda x: cholesky((x + x.mT) / 2), (c,))
    assert gradgradcheck(lambda x: cholesky((x + x.mT) / 2), (c,))


def test_mvn_matrices_and_rsample_gradients_match_torch():
    (loc, tloc), (tril, ttril) = pair(RNG.standard_normal((2, 3))), pair(lower((), 3))
    ours, theirs = D.MultivariateNormal(loc, scale_tril=tril), TD.MultivariateNormal(tloc, scale_tril=ttril)
    for attribute in ("covariance_matrix", "precision_matrix", "scale_tril"):
        close(getattr(ours, attribute), getattr(theirs, attribute))
    ((prec, tprec),) = [pair(spd((), 3))]
    close(
        D.MultivariateNormal(loc, precision_matrix=prec).scale_tril,
        TD.MultivariateNormal(tloc, precision_matrix=tprec).scale_tril,
    )
    # The same noise through both reparameterisations: gradients of E[f(x)] ≈ mean f(μ + L ε) agree.
    mg.manual_seed(0)
    sample = ours.rsample((7,))
    eps = np.linalg.solve(ttril.detach().numpy(), (sample._data - loc._data)[..., None])[..., 0]
    reference = tloc + (ttril @ torch.tensor(eps).unsqueeze(-1)).squeeze(-1)
    close(sample, reference)
    grads_equal(sample.pow(2), reference.pow(2), [(loc, tloc), (tril, ttril)])


@pytest.mark.parametrize("family", ["normal", "uniform"])
def test_rsample_gradients_match_torch_with_the_same_noise(family):
    (a, ta), (b, tb) = pair(RNG.standard_normal((3,))), pair(RNG.uniform(0.5, 2, (3,)))
    ours = D.Normal(a, b) if family == "normal" else D.Uniform(a, a + b)
    mg.manual_seed(1)
    sample = ours.rsample((5,))
    noise = (sample._data - a._data) / b._data  # ε for Normal, u for Uniform
    reference = ta + torch.tensor(noise) * tb
    close(sample, reference)
    grads_equal((sample.sin() * sample), (reference.sin() * reference), [(a, ta), (b, tb)])


def test_sample_statistics():
    mg.manual_seed(123)
    n = 200_000
    normal = D.Normal(mg.tensor([1.0, -2.0], dtype=mg.float64), mg.tensor([0.5, 3.0], dtype=mg.float64)).sample((n,))
    assert normal.shape == (n, 2)
    np.testing.assert_allclose(normal._data.mean(0), [1.0, -2.0], atol=0.03)
    np.testing.assert_allclose(normal._data.var(0), [0.25, 9.0], rtol=0.02)
    uniform = D.Uniform(mg.tensor(-1.0), mg.tensor(3.0)).sample((n,))._data
    assert uniform.min() >= -1 and uniform.max() < 3
    np.testing.assert_allclose([uniform.mean(), uniform.var()], [1.0, 16 / 12], rtol=0.02)
    bernoulli = D.Bernoulli(probs=mg.tensor([0.2, 0.7])).sample((n,))._data
    assert set(np.unique(bernoulli)) <= {0.0, 1.0}
    np.testing.assert_allclose(bernoulli.mean(0), [0.2, 0.7], atol=0.01)
    cov = spd((), 3)
    mvn = D.MultivariateNormal(mg.tensor([1.0, 0.0, -1.0], dtype=mg.float64), mg.tensor(cov)).sample((n,))._data
    np.testing.assert_allclose(mvn.mean(0), [1.0, 0.0, -1.0], atol=0.05)
    np.testing.assert_allclose(np.cov(mvn.T), cov, rtol=0.05, atol=0.05)


def test_categorical_frequencies_pass_a_chi_square_check():
    mg.manual_seed(7)
    probs = np.array([[0.1, 0.2, 0.3, 0.4], [0.7, 0.0, 0.2, 0.1]])
    n = 50_000
    samples = D.Categorical(probs=mg.tensor(probs)).sample((n,))
    assert samples.shape == (n, 2) and samples.dtype == mg.int64
    for row in range(2):
        counts = np.bincount(samples._data[:, row], minlength=4)
        expected = n * probs[row]
        assert counts[expected == 0].sum() == 0
        chi2 = ((counts - expected) ** 2 / np.where(expected > 0, expected, 1))[expected > 0].sum()
        assert chi2 < 16.3  # the 99.9% quantile of chi-square with 3 degrees of freedom
    onehot = D.OneHotCategorical(probs=mg.tensor(probs)).sample((n,))._data
    assert onehot.shape == (n, 2, 4) and (onehot.sum(-1) == 1).all()
    np.testing.assert_allclose(onehot.mean(0), probs, atol=0.01)


def test_manual_seed_makes_sampling_reproducible():
    dist = D.Categorical(logits=mg.tensor([0.1, 0.5, 2.0]))
    mg.manual_seed(5)
    first = dist.sample((20,))._data, D.Normal(0.0, 1.0).rsample((3,))._data
    mg.manual_seed(5)
    second = dist.sample((20,))._data, D.Normal(0.0, 1.0).rsample((3,))._data
    for x, y in zip(first, second):
        np.testing.assert_array_equal(x, y)


def test_samples_carry_no_gradient_and_rsample_does():
    loc = mg.tensor([0.0, 1.0], requires_grad=True)
    assert not D.Normal(loc, 1.0).sample().requires_grad
    assert D.Normal(loc, 1.0).rsample().requires_grad
    logits = mg.tensor([0.0, 1.0], requires_grad=True)
    assert not D.Categorical(logits=logits).sample().requires_grad
    straight = D.OneHotCategoricalStraightThrough(logits=logits).rsample()
    (straight * mg.tensor([1.0, 2.0])).sum().backward()
    assert logits.grad is not None


def test_reinforce_step():
    """Policy gradient: ∇ E[R] ≈ R(a) ∇ log π(a), with a ~ π = Categorical(logits)."""
    mg.manual_seed(0)
    logits = mg.tensor([[0.5, -1.0, 2.0], [0.0, 0.0, 0.0]], requires_grad=True, dtype=mg.float64)
    dist = D.Categorical(logits=logits)
    action = dist.sample()
    reward = mg.tensor([1.0, -0.5], dtype=mg.float64)
    loss = -(dist.log_prob(action) * reward).sum()
    loss.backward()
    # d/dl log softmax(l)[a] = onehot(a) - softmax(l)
    p = np.exp(logits._data) / np.exp(logits._data).sum(-1, keepdims=True)
    expected = -(np.eye(3)[action._data] - p) * reward._data[:, None]
    np.testing.assert_allclose(logits.grad._data, expected, rtol=1e-12)


def test_reinforce_through_a_policy_module():
    mg.manual_seed(3)
    policy = mg.nn.Linear(4, 3)
    dist = D.Categorical(logits=policy(mg.randn(5, 4)))
    action = dist.sample()
    (-(dist.log_prob(action) * mg.randn(5)).mean()).backward()
    assert action.shape == (5,) and policy.weight.grad.shape == (3, 4) and policy.bias.grad.shape == (3,)


VALIDATION = [
    (lambda d, T: d.Normal(T([0.0]), T([-1.0])), "Expected parameter scale"),
    (lambda d, T: d.Normal(T([0.0, 1.0, 2.0]), 1.0).log_prob(T([1.0, 2.0])), "Value is not broadcastable"),
    (lambda d, T: d.Normal(0.0, 1.0).log_prob(1.0), "The value argument to log_prob must be a Tensor"),
    (lambda d, T: d.Categorical(T([0.5, 0.5])).log_prob(T(2.0)), "Expected value argument"),
    (lambda d, T: d.Categorical(T(1.0)), "`probs` parameter must be at least one-dimensional."),
    (lambda d, T: d.Categorical(T([-0.5, 1.0])), "Expected parameter probs"),
    (lambda d, T: d.Bernoulli(), "Either `probs` or `logits` must be specified, but not both."),
    (lambda d, T: d.Bernoulli(T(0.3), T(0.1)), "Either `probs` or `logits` must be specified, but not both."),
    (lambda d, T: d.Bernoulli(T([1.5])), "Expected parameter probs"),
    (lambda d, T: d.Bernoulli(T(0.5)).log_prob(T(0.5)), "Expected value argument"),
    (lambda d, T: d.Uniform(1.0, 0.0), "Expected parameter low"),
    (lambda d, T: d.Uniform(0.0, 1.0).log_prob(T(2.0)), "Expected value argument"),
    (lambda d, T: d.MultivariateNormal(T([0.0, 0.0])), "Exactly one of covariance_matrix"),
    (lambda d, T: d.MultivariateNormal(T(0.0), T([[1.0]])), "loc must be at least one-dimensional."),
    (
        lambda d, T: d.MultivariateNormal(T([0.0, 0.0]), scale_tril=T([[1.0, 0.0], [0.0, -1.0]])),
        "Expected parameter scale_tril",
    ),
    (
        lambda d, T: d.MultivariateNormal(T([0.0, 0.0]), T([[1.0, 2.0], [0.0, 1.0]])),
        "Expected parameter covariance_matrix",
    ),
    (lambda d, T: d.MultivariateNormal(T([0.0]), T([1.0])), "covariance_matrix must be at least two-dimensional"),
    (lambda d, T: d.OneHotCategorical(T([0.5, 0.5])).log_prob(T([1.0, 1.0])), "Expected value argument"),
    (lambda d, T: d.Independent(d.Normal(T([0.0, 1.0]), 1.0), 2), "Expected reinterpreted_batch_ndims"),
    (
        lambda d, T: d.MultivariateNormal(T([0.0, 1.0]), T([[1.0, 0.0], [0.0, 1.0]])).log_prob(T([1.0, 2.0, 3.0])),
        "The right-most size of value must match event_shape",
    ),
    (
        lambda d, T: d.Independent(d.Normal(T([[0.0, 1.0]]), 1.0), 1).log_prob(T([1.0, 2.0, 3.0])),
        "Value is not broadcastable",
    ),
]


@pytest.mark.parametrize("make, message", VALIDATION, ids=[m for _, m in VALIDATION])
def test_validation_errors_like_torch(make, message):
    with pytest.raises(ValueError, match=message):
        make(TD, lambda x: torch.tensor(x))
    with pytest.raises(ValueError, match=message):
        make(D, lambda x: mg.tensor(x))


def test_default_validation_can_be_switched_off():
    assert D.Distribution._validate_args
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args(3)
    D.Distribution.set_default_validate_args(False)
    try:
        D.Normal(mg.tensor([0.0]), mg.tensor([-1.0]))  # accepted without checks
    finally:
        D.Distribution.set_default_validate_args(True)
    D.Normal(mg.tensor([0.0]), mg.tensor([-1.0]), validate_args=False)
    with pytest.raises(ValueError):
        D.Normal(mg.tensor([0.0]), mg.tensor([-1.0]), validate_args=True)


def test_repr_and_support_like_torch():
    assert repr(D.Normal(mg.zeros(2), 1.0)) == "Normal(loc: (2,), scale: (2,))"
    assert repr(D.Categorical(logits=mg.zeros(3)).support) == "IntegerInterval(lower_bound=0, upper_bound=2)"
    assert repr(D.Independent(D.Normal(mg.zeros(2), 1.0), 1)) == "Independent(Normal(loc: (2,), scale: (2,)), 1)"
    assert repr(D.constraints.positive) == repr(TD.constraints.positive)
    assert repr(D.constraints.real_vector) == repr(TD.constraints.real_vector)
