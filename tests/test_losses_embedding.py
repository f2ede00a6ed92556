"""pairwise_distance, cosine_similarity, cosine_embedding_loss, triplet_margin_with_distance_loss and
sigmoid_focal_loss: torch parity (values and gradients of every differentiable argument), gradcheck in float64,
the spec's observed values (spec/losses.md 4.6, 4.8, 4.9, 10) and error conditions."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from loss_parity import check_gradients, compare_with_torch, torch
from minigrad.nn.functional.distance import cosine_similarity, pairwise_distance
from minigrad.nn.functional.margin import cosine_embedding_loss, triplet_margin_with_distance_loss
from minigrad.nn.functional.probabilistic import sigmoid_focal_loss

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")
REDUCTIONS = ["none", "mean", "sum"]
FLOATS = [np.float32, np.float64]


def torch_fn(name):
    return getattr(torch.nn.functional, name)


def normal(shape, dtype=np.float64, seed=0):
    return np.asarray(np.random.default_rng(seed).normal(0, 1, shape), dtype)


# ====================================================================================== pairwise_distance
@needs_torch
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, 0.5, math.inf])
@pytest.mark.parametrize("shapes", [((4, 5), (4, 5)), ((5,), (4, 5)), ((4, 5), (1, 5)), ((2, 3, 4), (3, 4))])
def test_pairwise_distance_matches_torch(shapes, p, dtype):
    compare_with_torch(
        pairwise_distance,
        torch_fn("pairwise_distance"),
        [normal(shapes[0], dtype, 1), normal(shapes[1], dtype, 2)],
        {"p": p},
        grad=(0, 1),
    )


@needs_torch
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4),
    seed=st.integers(0, 2**16),
    keepdim=st.booleans(),
    eps=st.sampled_from([0.0, 1e-6, 0.1]),
)
def test_pairwise_distance_random_shapes_match_torch(shapes, seed, keepdim, eps):
    x1, x2 = normal(shapes.input_shapes[0], seed=seed), normal(shapes.input_shapes[1], seed=seed + 1)
    compare_with_torch(
        pairwise_distance, torch_fn("pairwise_distance"), [x1, x2], {"keepdim": keepdim, "eps": eps}, grad=(0, 1)
    )


def test_pairwise_distance_adds_eps_to_the_difference():
    a, p = minigrad.tensor([[1.0, 1.0]]), minigrad.tensor([[1.0, 2.0]])
    assert pairwise_distance(a, p).item() == pytest.approx(0.99999899, abs=1e-8)
    assert pairwise_distance(p, a).item() == pytest.approx(1.0000010, abs=1e-7)
    assert pairwise_distance(a, a).item() == pytest.approx(math.sqrt(2) * 1e-6, rel=1e-4)
    assert pairwise_distance(minigrad.ones(2, 0), minigrad.ones(2, 0)).tolist() == [0.0, 0.0]
    assert pairwise_distance(minigrad.tensor(1.0), minigrad.tensor(3.0)).shape == ()
    assert pairwise_distance(minigrad.ones(2, 3), minigrad.zeros(2, 3), keepdim=True).shape == (2, 1)
    assert pairwise_distance(minigrad.tensor([1, 2]), minigrad.tensor([0, 0])).dtype == minigrad.float32
    with pytest.raises(RuntimeError, match="The size of tensor a"):
        pairwise_distance(minigrad.ones(2, 3), minigrad.ones(2, 4))


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, math.inf])
def test_pairwise_distance_gradcheck(p):
    check_gradients(
        pairwise_distance,
        [normal((3, 4), seed=3), normal((3, 4), seed=4)],
        {"p": p},
        grad=(0, 1),
        second_order=p != math.inf,
    )


# ====================================================================================== cosine_similarity
@needs_torch
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("shapes", [((4, 3), (4, 3)), ((1, 3), (4, 3)), ((4, 1), (4, 3))])
def test_cosine_similarity_matches_torch(shapes, dim, dtype):
    compare_with_torch(
        cosine_similarity,
        torch_fn("cosine_similarity"),
        [normal(shapes[0], dtype, 1), normal(shapes[1], dtype, 2)],
        {"dim": dim},
        grad=(0, 1),
    )


@needs_torch
def test_cosine_similarity_clamps_norms_like_torch():
    # tiny norms (below eps) are clamped for the value but the clamp does not enter the gradient; a zero row too
    x1 = np.array([[1e-5, 0.0], [1e-9, 2e-9], [3.0, 4.0], [0.0, 0.0]])
    x2 = np.array([[1e-5, 0.0], [1.0, 1.0], [1e-9, 0.0], [1.0, 2.0]])
    out = compare_with_torch(cosine_similarity, torch_fn("cosine_similarity"), [x1, x2], grad=(0, 1))
    np.testing.assert_allclose(out._data, [1.0, 0.3 / math.sqrt(2), 0.06, 0.0], rtol=1e-6)
    compare_with_torch(
        cosine_similarity, torch_fn("cosine_similarity"), [np.array(2.0), np.array(-3.0)], {"dim": 0}, grad=(0, 1)
    )
    compare_with_torch(
        cosine_similarity,
        torch_fn("cosine_similarity"),
        [normal((2, 3), np.float32, 3), normal((2, 3), seed=4)],
        grad=(0, 1),
    )


def test_cosine_similarity_dtypes_and_errors():
    ints = minigrad.tensor([[1, 2, 3]])
    assert cosine_similarity(ints, minigrad.tensor([[1.0, 0.0, 0.0]])).item() == pytest.approx(1 / math.sqrt(14))
    with pytest.raises(RuntimeError, match="expected common dtype to be floating point, yet common dtype is Long"):
        cosine_similarity(ints, ints)
    with pytest.raises(IndexError, match="Dimension out of range"):
        cosine_similarity(minigrad.ones(2, 3), minigrad.ones(2, 3), dim=2)
    with pytest.raises(RuntimeError, match="The size of tensor a"):
        cosine_similarity(minigrad.ones(2, 3), minigrad.ones(3, 3))
    assert cosine_similarity(minigrad.tensor([1e-6, 0.0]), minigrad.tensor([1.0, 0.0]), dim=0).item() == 1.0


def test_cosine_similarity_gradcheck():
    # (below eps the gradient is deliberately not the derivative of the clamped value; the parity test covers it)
    check_gradients(cosine_similarity, [normal((3, 4), seed=5), normal((3, 4), seed=6)], grad=(0, 1))


# ================================================================================== cosine_embedding_loss
@needs_torch
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.2])
def test_cosine_embedding_matches_torch(margin, reduction, dtype):
    target = np.array([1, -1, 1, -1, 0, 2], dtype)  # other values give 0
    compare_with_torch(
        cosine_embedding_loss,
        torch_fn("cosine_embedding_loss"),
        [normal((6, 4), dtype, 1), normal((6, 4), dtype, 2), target],
        {"margin": margin, "reduction": reduction},
        grad=(0, 1),
    )


@needs_torch
def test_cosine_embedding_shapes_match_torch():
    compare_with_torch(
        cosine_embedding_loss,
        torch_fn("cosine_embedding_loss"),
        [normal((4,), seed=1), normal((4,), seed=2), np.array(-1.0)],
        {"margin": -0.5},
        grad=(0, 1),
    )
    compare_with_torch(
        cosine_embedding_loss,
        torch_fn("cosine_embedding_loss"),
        [normal((3, 4), seed=1), normal((1, 4), seed=2), np.array([1, -1, 1])],
        grad=(0, 1),
    )
    compare_with_torch(
        cosine_embedding_loss,
        torch_fn("cosine_embedding_loss"),  # a zero vector: huge gradient
        [np.array([[0.0, 0.0], [1.0, 2.0]]), np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([1, 1])],
        {"reduction": "sum"},
        grad=(0, 1),
    )


def test_cosine_embedding_values_and_kinks():
    loss = cosine_embedding_loss(minigrad.tensor([[1e-6, 0.0]]), minigrad.tensor([[1.0, 0.0]]), minigrad.tensor([1.0]))
    assert loss.item() == pytest.approx(1 - 1 / math.sqrt(2), rel=1e-4)  # cos = 0.7071 because of the 1e-12
    x1 = minigrad.tensor(np.array([[0.0, 1.0]]), requires_grad=True)
    loss = cosine_embedding_loss(x1, minigrad.tensor(np.array([[1.0, 0.0]])), minigrad.tensor([-1]), margin=0.0)
    loss.backward()
    assert loss.item() == 0 and x1.grad._data[0, 0] == pytest.approx(1.0)  # cos == margin: clamp_min passes


def test_cosine_embedding_errors():
    x = minigrad.ones(2, 3)
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected, multi-target not supported"):
        cosine_embedding_loss(x, x, minigrad.ones(2, 1))
    with pytest.raises(
        RuntimeError,
        match=r"1D target tensor expects 2D input tensors, but found inputs with sizes "
        r"\[3\] and \[3\].",
    ):
        cosine_embedding_loss(minigrad.ones(3), minigrad.ones(3), minigrad.ones(2))
    with pytest.raises(RuntimeError, match="0D target tensor expects 1D input tensors"):
        cosine_embedding_loss(x, x, minigrad.tensor(1.0))
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        cosine_embedding_loss(x, x, minigrad.ones(2), reduction="foo")
    assert np.isnan(cosine_embedding_loss(minigrad.zeros(0, 3), minigrad.zeros(0, 3), minigrad.zeros(0)).item())
    target = minigrad.tensor([1.0, -1.0], requires_grad=True)
    x1 = minigrad.tensor(normal((2, 3)), requires_grad=True)
    cosine_embedding_loss(x1, minigrad.tensor(normal((2, 3), seed=1)), target).backward()
    assert x1.grad is not None and target.grad is None  # the target only selects a branch


def test_cosine_embedding_gradcheck():
    check_gradients(
        cosine_embedding_loss,
        [normal((4, 3), seed=7), normal((4, 3), seed=8), np.array([1, -1, 1, -1])],
        {"margin": -0.9, "reduction": "sum"},
        grad=(0, 1),
    )


# ===================================================================================== triplet with distance
def l2_without_eps(u, v):
    return (u - v).norm(2, -1)  # same spelling in minigrad and torch


def l1_distance(u, v):
    return (u - v).abs().sum(-1)


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("distance", [None, l1_distance])
def test_triplet_with_distance_matches_torch(distance, swap, reduction):
    a, p, n = normal((6, 4), seed=1), normal((6, 4), seed=2), normal((6, 4), seed=3)
    compare_with_torch(
        triplet_margin_with_distance_loss,
        torch_fn("triplet_margin_with_distance_loss"),
        [a, p, n],
        {"distance_function": distance, "swap": swap, "reduction": reduction, "margin": 1.5},
        grad=(0, 1, 2),
    )


@needs_torch
def test_triplet_with_distance_tie_splits_the_gradient_like_torch():
    # d(a, n) == d(p, n) == 1: minimum's gradient goes half to each
    a, p, n = np.array([[0.0, 0.0]]), np.array([[2.0, 0.0]]), np.array([[1.0, 0.0]])
    compare_with_torch(
        triplet_margin_with_distance_loss,
        torch_fn("triplet_margin_with_distance_loss"),
        [a, p, n],
        {"distance_function": l2_without_eps, "swap": True},
        grad=(0, 1, 2),
    )
    out = compare_with_torch(
        triplet_margin_with_distance_loss,
        torch_fn("triplet_margin_with_distance_loss"),
        [np.zeros((1, 2)), np.zeros((1, 2)), np.full((1, 2), 0.5)],
        grad=(0, 1, 2),
    )  # a == p
    assert out.item() > 0


def test_triplet_with_distance_default_is_pairwise_distance():
    a, p, n = (minigrad.tensor(normal((3, 4), seed=s)) for s in (4, 5, 6))
    expected = (1.0 + pairwise_distance(a, p) - pairwise_distance(a, n)).clamp_min(0).mean()
    assert triplet_margin_with_distance_loss(a, p, n).item() == pytest.approx(expected.item())


def test_triplet_with_distance_errors():
    x = minigrad.ones(2, 3)
    with pytest.raises(ValueError, match="elementwise_mean is not a valid value for reduction"):
        triplet_margin_with_distance_loss(x, x, x, reduction="elementwise_mean")
    with pytest.raises(ValueError, match="margin must be greater than 0, got 0.0"):
        triplet_margin_with_distance_loss(x, x, x, margin=0.0)
    with pytest.raises(RuntimeError, match="anchor 2D, positive 1D, and negative 2D inputs"):
        triplet_margin_with_distance_loss(x, minigrad.ones(3), x)
    with pytest.raises(TypeError):
        triplet_margin_with_distance_loss(x, x, x, None)  # keyword-only, as in torch


@pytest.mark.parametrize("swap", [False, True])
def test_triplet_with_distance_gradcheck(swap):
    check_gradients(
        triplet_margin_with_distance_loss,
        [normal((4, 3), seed=s) for s in (7, 8, 9)],
        {"swap": swap, "margin": 2.0},
        grad=(0, 1, 2),
    )


# ========================================================================================= sigmoid focal loss
def torchvision_sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2, reduction="none"):
    """torchvision.ops.sigmoid_focal_loss, written out (torchvision is not a dependency of the tests)."""
    p = torch.sigmoid(inputs)
    ce_loss = torch.nn.functional.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


@needs_torch
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("alpha, gamma", [(0.25, 2), (-1, 2), (0.5, 0), (0.75, 3.5), (0.25, 1)])
def test_sigmoid_focal_loss_matches_torchvision(alpha, gamma, reduction, dtype):
    x = normal((4, 5), dtype, 1) * 3
    y = np.asarray(np.random.default_rng(2).uniform(0, 1, (4, 5)), dtype)
    compare_with_torch(
        sigmoid_focal_loss,
        torchvision_sigmoid_focal_loss,
        [x, y],
        {"alpha": alpha, "gamma": gamma, "reduction": reduction},
        grad=(0, 1),
    )


def test_sigmoid_focal_loss_values_and_errors():
    loss = sigmoid_focal_loss(minigrad.tensor([0.0]), minigrad.tensor([1.0]))
    assert loss.shape == (1,) and loss.item() == pytest.approx(0.25 * 0.25 * math.log(2), rel=1e-6)
    with pytest.raises(ValueError, match="Invalid Value for arg 'reduction': 'foo"):
        sigmoid_focal_loss(minigrad.zeros(2), minigrad.zeros(2), reduction="foo")
    with pytest.raises(ValueError, match="Target size"):
        sigmoid_focal_loss(minigrad.zeros(2), minigrad.zeros(3))


def test_sigmoid_focal_loss_gradcheck():
    check_gradients(
        sigmoid_focal_loss,
        [normal((3, 4), seed=1), np.random.default_rng(2).uniform(0, 1, (3, 4))],
        {"reduction": "mean"},
        grad=(0, 1),
    )
