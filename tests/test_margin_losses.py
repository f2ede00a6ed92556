"""multi_margin_loss, multilabel_margin_loss, triplet_margin_loss, hinge_embedding_loss, margin_ranking_loss:
torch parity (values and gradients, every reduction, the shapes torch accepts, kinks and ties), gradcheck and
gradgradcheck in float64, torch's errors, and the deliberate differences of spec/losses.md §12."""

import numpy as np
import pytest

import minigrad
from loss_parity import check_gradients, compare_with_torch, torch
from minigrad.nn.functional.margin import (
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    triplet_margin_loss,
)

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")
REDUCTIONS = ["none", "mean", "sum"]
DTYPES = [np.float32, np.float64]


def torch_loss(name):
    return getattr(torch.nn.functional, name)


def normal(rng, shape, dtype=np.float64, scale=1.0):
    return np.asarray(rng.normal(size=shape) * scale, dtype=dtype)  # an array even for shape ()


def multilabel_targets(rng, n_rows, n_classes):
    """Random rows: some targets (with repeats), a -1, then junk; plus a row starting with -1 and a full row."""
    target = rng.integers(0, n_classes, (n_rows, n_classes))
    for row in target:
        k = rng.integers(0, n_classes)
        row[k] = -1
    target[0, 0] = -1
    target[-1] = rng.permutation(n_classes)
    return target


# ------------------------------------------------------------------------------------------ torch parity
@needs_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_matches_torch(p, reduction, dtype, rng):
    x = normal(rng, (6, 5), dtype)
    target = rng.integers(0, 5, 6)
    weight = rng.uniform(0.5, 2.0, 5).astype(dtype)
    for kwargs in ({}, {"margin": 0.3, "weight": weight}, {"margin": -0.5}):
        compare_with_torch(
            multi_margin_loss,
            torch_loss("multi_margin_loss"),
            [x, target],
            dict(kwargs, p=p, reduction=reduction),
            grad=(0,),
        )


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shapes", [((5,), ()), ((5,), (1,)), ((), ()), ((), (1,)), ((1, 5), ())])
def test_multi_margin_unbatched_shapes_match_torch(shapes, reduction, rng):
    x_shape, target_shape = shapes
    x = normal(rng, x_shape)
    target = np.full(target_shape, 0 if not x_shape else 2, dtype=np.int64)
    compare_with_torch(
        multi_margin_loss, torch_loss("multi_margin_loss"), [x, target], dict(reduction=reduction, p=2), grad=(0,)
    )


@needs_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_matches_torch(reduction, dtype, rng):
    for n_rows, n_classes in [(6, 5), (4, 40)]:
        x = normal(rng, (n_rows, n_classes), dtype)
        target = multilabel_targets(rng, n_rows, n_classes)
        compare_with_torch(
            multilabel_margin_loss,
            torch_loss("multilabel_margin_loss"),
            [x, target],
            dict(reduction=reduction),
            grad=(0,),
        )
    x = normal(rng, (7,), dtype)  # 1-D: a scalar loss for every reduction
    compare_with_torch(
        multilabel_margin_loss,
        torch_loss("multilabel_margin_loss"),
        [x, np.array([3, 3, 0, -1, 5, 6, 1])],
        dict(reduction=reduction),
        grad=(0,),
    )
    compare_with_torch(
        multilabel_margin_loss,
        torch_loss("multilabel_margin_loss"),
        [x[:1].reshape(()), np.array(0)],
        dict(reduction=reduction),
        grad=(0,),
    )


@needs_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("p", [2, 1, 3, 0.5, np.inf])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_triplet_matches_torch(reduction, p, swap, dtype, rng):
    a, pos, neg = (normal(rng, (6, 5), dtype) for _ in range(3))
    pos[0] = a[0]  # d(a, p) = eps D^(1/p), and its gradient direction comes from eps
    neg[1] = pos[1]
    compare_with_torch(
        triplet_margin_loss,
        torch_loss("triplet_margin_loss"),
        [a, pos, neg],
        dict(margin=2.0, p=p, swap=swap, reduction=reduction),
        grad=(0, 1, 2),
    )


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "shapes",
    [
        ((4,), (4,), (4,)),
        ((), (), ()),
        ((2, 3, 4), (2, 3, 4), (2, 3, 4)),
        ((3, 4), (1, 4), (3, 4)),
        ((3, 1), (3, 4), (1, 4)),
        ((3, 0), (3, 0), (3, 0)),
        # each distance over its own pair's feature dim: 1-element d(a, p) and
        # d(p, n) next to a 4-element d(a, n), and the other way round
        ((1,), (1,), (4,)),
        ((3, 1), (3, 1), (1, 4)),
        ((2, 4), (2, 1), (2, 1)),
        ((3, 1), (3, 1), (3, 0)),
    ],
)
def test_triplet_shapes_match_torch(shapes, reduction, rng):
    arrays = [normal(rng, shape) for shape in shapes]
    compare_with_torch(
        triplet_margin_loss,
        torch_loss("triplet_margin_loss"),
        arrays,
        dict(margin=1.5, swap=True, eps=1e-3, reduction=reduction),
        grad=(0, 1, 2),
    )


@needs_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_embedding_matches_torch(reduction, dtype, rng):
    x = normal(rng, (5, 6), dtype)
    y = rng.choice([1.0, -1.0, 0.0, 2.0, 0.5], (5, 6)).astype(dtype)
    x[0, :2], y[0, :2] = 0.5, -1.0  # margin - x == 0: clamp_min passes the gradient
    for margin in (0.5, -0.3):
        compare_with_torch(
            hinge_embedding_loss,
            torch_loss("hinge_embedding_loss"),
            [x, y],
            dict(margin=margin, reduction=reduction),
            grad=(0,),
        )


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shapes", [((3, 4), (3, 1)), ((4,), (3, 1)), ((), ()), ((0,), (0,))])
def test_hinge_embedding_broadcasting_matches_torch(shapes, reduction, rng):
    x = normal(rng, shapes[0])
    y = rng.choice([1.0, -1.0], shapes[1])
    compare_with_torch(
        hinge_embedding_loss, torch_loss("hinge_embedding_loss"), [x, y], dict(reduction=reduction), grad=(0,)
    )


@needs_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking_matches_torch(reduction, dtype, rng):
    x1, x2 = normal(rng, (4, 5), dtype), normal(rng, (4, 5), dtype)
    y = rng.choice([1.0, -1.0, 0.5], (4, 5)).astype(dtype)
    x1[0, 0], x2[0, 0], y[0, 0] = 2.0, 1.0, 1.0  # z = -1 + margin = 0: clamp_min passes the gradient
    compare_with_torch(
        margin_ranking_loss,
        torch_loss("margin_ranking_loss"),
        [x1, x2, y],
        dict(margin=1.0, reduction=reduction),
        grad=(0, 1, 2),
    )


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "shapes", [((3, 4), (1, 4), (3, 1)), ((2, 1), (2, 3), (1, 1)), ((), (), ()), ((0,), (0,), (0,))]
)
def test_margin_ranking_broadcasting_matches_torch(shapes, reduction, rng):
    arrays = [normal(rng, shape) for shape in shapes]
    compare_with_torch(
        margin_ranking_loss,
        torch_loss("margin_ranking_loss"),
        arrays,
        dict(margin=0.2, reduction=reduction),
        grad=(0, 1, 2),
    )


@needs_torch
def test_integer_and_half_inputs_match_torch(rng):
    a, pos, neg = (rng.integers(-3, 4, (4, 3)) for _ in range(3))
    compare_with_torch(triplet_margin_loss, torch_loss("triplet_margin_loss"), [a, pos, neg], {})
    x1, x2, y = rng.integers(-3, 4, 5), rng.integers(-3, 4, 5), np.array([1, -1, 1, -1, 1])
    compare_with_torch(
        margin_ranking_loss, torch_loss("margin_ranking_loss"), [x1, x2, y], dict(margin=0.5, reduction="none")
    )
    x, y = normal(rng, (6,), np.float16), np.array([1.0, -1.0, 1.0, -1.0, 0.0, 1.0], np.float16)
    compare_with_torch(hinge_embedding_loss, torch_loss("hinge_embedding_loss"), [x, y], {}, grad=(0,))
    compare_with_torch(
        triplet_margin_loss,
        torch_loss("triplet_margin_loss"),
        [normal(rng, (3, 4), np.float16) for _ in range(3)],
        dict(reduction="sum"),
        grad=(0, 1, 2),
    )


@needs_torch
def test_large_batches_match_torch(rng):
    """Big enough for the kernels to use both threads (and multilabel's sorted path for the many-target rows)."""
    x = normal(rng, (300, 200), np.float32)
    compare_with_torch(
        multi_margin_loss, torch_loss("multi_margin_loss"), [x, rng.integers(0, 200, 300)], dict(p=2), grad=(0,)
    )
    target = np.full((300, 200), -1)
    for row, k in zip(target, rng.integers(0, 200, 300)):
        row[:k] = rng.permutation(200)[:k]
    compare_with_torch(multilabel_margin_loss, torch_loss("multilabel_margin_loss"), [x, target], {}, grad=(0,))
    compare_with_torch(
        triplet_margin_loss,
        torch_loss("triplet_margin_loss"),
        [normal(rng, (1000, 64), np.float32) for _ in range(3)],
        dict(swap=True),
        grad=(0, 1, 2),
    )


# ---------------------------------------------------------------------------------------------- gradcheck
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_gradcheck_multi_margin(p, reduction, rng):
    x = normal(rng, (4, 5))
    kwargs = dict(p=p, margin=0.7, weight=minigrad.tensor(rng.uniform(0.5, 2.0, 5)), reduction=reduction)
    check_gradients(multi_margin_loss, [x, rng.integers(0, 5, 4)], kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_multilabel_margin(reduction, rng):
    check_gradients(
        multilabel_margin_loss, [normal(rng, (4, 6)), multilabel_targets(rng, 4, 6)], dict(reduction=reduction)
    )


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("p", [1, 2, 3, np.inf])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_triplet(reduction, p, swap, rng):
    arrays = [normal(rng, (3, 4)), normal(rng, (1, 4)), normal(rng, (3, 4))]  # positive broadcasts
    check_gradients(
        triplet_margin_loss,
        arrays,
        dict(margin=3.0, p=p, swap=swap, reduction=reduction),
        grad=(0, 1, 2),
        second_order=p in (1, 2),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_hinge_and_ranking(reduction, rng):
    y = rng.choice([1.0, -1.0, 0.5], (3, 4))
    check_gradients(hinge_embedding_loss, [normal(rng, (3, 4)), y], dict(margin=0.3, reduction=reduction))
    check_gradients(
        margin_ranking_loss,
        [normal(rng, (3, 4)), normal(rng, (1, 4)), y],
        dict(margin=0.3, reduction=reduction),
        grad=(0, 1, 2),
    )


@pytest.mark.parametrize("p", [3.0, 1.5])
def test_triplet_double_backward_for_any_p(p, rng):
    """The double backward is the composite's (any p, through the norm op), not limited to p = 1 and 2."""
    arrays = [normal(rng, (3, 4)) for _ in range(3)]
    check_gradients(triplet_margin_loss, arrays, dict(margin=5.0, p=p, swap=True), grad=(0, 1, 2))


# --------------------------------------------------------------------------------------- spec values (§4)
def test_spec_examples():
    x = minigrad.tensor([[0.1, 0.2, 0.4, 0.8]], requires_grad=True)
    assert multi_margin_loss(x, minigrad.tensor([3])).item() == pytest.approx(0.325)
    loss = multi_margin_loss(x, minigrad.tensor([3]), p=2)
    loss.backward()
    np.testing.assert_allclose(x.grad._data, [[0.15, 0.2, 0.3, -0.65]], rtol=1e-6)
    weighted = multi_margin_loss(x, minigrad.tensor([3]), weight=minigrad.tensor([1.0, 2.0, 3.0, 4.0]))
    assert weighted.item() == pytest.approx(1.3)  # the target class's weight, 4, times 0.325
    assert multilabel_margin_loss(x, minigrad.tensor([[3, 0, -1, 1]])).item() == pytest.approx(0.85)
    assert multilabel_margin_loss(x, minigrad.tensor([[3, 3, -1, 0]])).item() == pytest.approx(0.65)
    loss = hinge_embedding_loss(
        minigrad.tensor([0.5, 0.5, 1, 2, -1, 0.3, 0.3], requires_grad=True),
        minigrad.tensor([1.0, -1, -1, -1, -1, 0, 2]),
        reduction="none",
    )
    np.testing.assert_allclose(loss._data, [0.5, 0.5, 0, 0, 2, 1, 1], rtol=1e-6)


def test_empty_batches():
    """spec §12.3: multi-margin 'mean' over nothing is nan and 'sum' 0 (PyTorch: uninitialised memory);
    multilabel-margin gives 0 for both; the others follow the usual nan / 0."""
    x, target = minigrad.zeros(0, 4, requires_grad=True), minigrad.zeros(0, dtype=minigrad.int64)
    assert np.isnan(multi_margin_loss(x, target).item())
    loss = multi_margin_loss(x, target, reduction="sum")
    assert loss.item() == 0
    loss.backward()
    assert x.grad.shape == (0, 4)
    assert multi_margin_loss(x, target, reduction="none").shape == (0,)
    labels = minigrad.zeros(0, 4, dtype=minigrad.int64)
    assert multilabel_margin_loss(x, labels).item() == 0
    assert multilabel_margin_loss(x, labels, reduction="sum").item() == 0
    empty = minigrad.zeros(0, 3)
    assert np.isnan(triplet_margin_loss(empty, empty, empty).item())
    assert np.isnan(hinge_embedding_loss(minigrad.zeros(0), minigrad.zeros(0)).item())
    assert margin_ranking_loss(minigrad.zeros(0), minigrad.zeros(0), minigrad.zeros(0), reduction="sum").item() == 0


def test_result_dtypes_follow_numpy_promotion():
    """spec §12.5: torch keeps the input's dtype for hinge; minigrad promotes the floating inputs."""
    x32 = minigrad.tensor([0.5, 2.0], requires_grad=True)
    y64 = minigrad.tensor([1.0, -1.0], dtype=minigrad.float64)
    loss = hinge_embedding_loss(x32, y64)
    assert loss.dtype == minigrad.float64
    loss.backward()
    assert x32.grad.dtype == minigrad.float32
    ints = minigrad.tensor([1, 2])
    assert margin_ranking_loss(ints, ints, ints).dtype == minigrad.float32
    assert hinge_embedding_loss(ints, ints, reduction="sum").dtype == minigrad.float32  # torch: int64


def test_no_grad_and_non_contiguous_inputs(rng):
    data = normal(rng, (6, 10))
    x = minigrad.tensor(data, requires_grad=True)
    transposed = x.T  # (10, 6), not contiguous
    target = minigrad.tensor(rng.integers(0, 6, 10))
    with minigrad.no_grad():
        loss = multi_margin_loss(transposed, target, p=2)
    assert not loss.requires_grad
    expected = multi_margin_loss(minigrad.tensor(np.ascontiguousarray(data.T)), target, p=2)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    multi_margin_loss(transposed, target, p=2).backward()
    assert x.grad.shape == (6, 10)


def test_threads_do_not_change_results(rng):
    x = minigrad.tensor(normal(rng, (400, 100), np.float32), requires_grad=True)
    target = minigrad.tensor(rng.integers(0, 100, 400))
    results = []
    previous = minigrad.get_num_threads()
    try:
        for threads in (1, 2):
            minigrad.set_num_threads(threads)
            x.grad = None
            loss = multi_margin_loss(x, target)
            loss.backward()
            results.append((loss.item(), x.grad._data.copy()))
    finally:
        minigrad.set_num_threads(previous)
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_target_gets_no_gradient_in_hinge_but_does_in_ranking():
    x = minigrad.tensor([0.5, -0.5], requires_grad=True)
    y = minigrad.tensor([1.0, -1.0], requires_grad=True)
    hinge_embedding_loss(x, y).backward()
    assert y.grad is None
    assert not hinge_embedding_loss(minigrad.tensor([0.5]), y[:1]).requires_grad
    margin_ranking_loss(x, minigrad.tensor([0.0, 0.0]), y, margin=1.0).backward()
    np.testing.assert_allclose(y.grad._data, [-0.25, 0.25])  # -(x1 - x2) / 2 on both (active) elements


def test_retained_graph_backward_twice():
    x = minigrad.tensor([[0.1, 0.2, 0.4, 0.8]], requires_grad=True)
    loss = multilabel_margin_loss(x, minigrad.tensor([[3, 0, -1, 1]]))
    loss.backward(retain_graph=True)
    first = x.grad._data.copy()
    x.grad.zero_()
    loss.backward()
    np.testing.assert_array_equal(x.grad._data, first)


# ------------------------------------------------------------------------------------------------- errors
X = minigrad.tensor([[0.1, 0.2, 0.4, 0.8], [0.3, 0.1, 0.9, 0.2], [0.5, 0.5, 0.5, 0.5]])
T = minigrad.tensor([3, 0, 1])
L = minigrad.tensor([[3, 0, -1, 1], [1, -1, 0, 0], [-1, 0, 0, 0]])


def int_tensor(values, dtype):
    return minigrad.tensor(np.array(values, dtype=dtype))


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: multi_margin_loss(X, T, reduction="foo"), ValueError, "foo is not a valid value for reduction"),
        (lambda: multi_margin_loss(X, T, p=3, reduction="foo"), ValueError, "foo is not a valid value"),
        (lambda: multi_margin_loss(X, T, p=3), ValueError, "only p == 1 and p == 2 supported"),
        (lambda: multi_margin_loss(X, T, weight=minigrad.ones(2, 2)), ValueError, "weight must be one-dimensional"),
        (lambda: multi_margin_loss(X, [3, 0, 1]), TypeError, "argument 'target' .* must be Tensor, not list"),
        (
            lambda: multi_margin_loss(X[None], T),
            RuntimeError,
            r"Expected non-empty vector or matrix with optional 0-dim batch size, but got: \[1, 3, 4\]",
        ),
        (lambda: multi_margin_loss(minigrad.zeros(3, 0), T), RuntimeError, r"but got: \[3, 0\]"),
        (
            lambda: multi_margin_loss(X, T[:2]),
            RuntimeError,
            r"Expected target size \[3\], but got \[2\]. Input has shape \[3, 4\].",
        ),
        (lambda: multi_margin_loss(X, T[:, None]), RuntimeError, r"but got \[3, 1\]"),
        (
            lambda: multi_margin_loss(X, T, weight=minigrad.ones(3)),
            RuntimeError,
            r"inconsistent weight size, expected 4 but got \[3\]",
        ),
        (
            lambda: multi_margin_loss(X.long(), T),
            NotImplementedError,
            "\"multi_margin_loss_cpu_kernel\" not implemented for 'Long'",
        ),
        (lambda: multi_margin_loss(X.half(), T), NotImplementedError, "not implemented for 'Half'"),
        (lambda: multi_margin_loss(X, T.int()), RuntimeError, "expected scalar type Long but found Int"),
        (lambda: multi_margin_loss(X, int_tensor([0, 1, 4], np.int64)), RuntimeError, "target out of range"),
        (lambda: multi_margin_loss(X, int_tensor([0, -1, 2], np.int64)), RuntimeError, "target out of range"),
        (
            lambda: multi_margin_loss(X, T, weight=minigrad.ones(4, dtype=minigrad.int64)),
            RuntimeError,
            "expected scalar type Float but found Long",
        ),
        (
            lambda: multi_margin_loss(X, T, weight=minigrad.ones(4, dtype=minigrad.float64)),
            RuntimeError,
            "expected scalar type Float but found Double",
        ),
        (
            lambda: multi_margin_loss(X, T, weight=minigrad.ones(4, requires_grad=True)),
            RuntimeError,
            "not differentiable with respect to argument 'weight'",
        ),
        (lambda: multilabel_margin_loss(X, L, reduction="bar"), ValueError, "bar is not a valid value for reduction"),
        (
            lambda: multilabel_margin_loss(X, L[:2]),
            RuntimeError,
            r"inconsistent target size: \[2, 4\] for input of size: \[3, 4\]",
        ),
        (
            lambda: multilabel_margin_loss(X[0], minigrad.tensor(0)),
            RuntimeError,
            r"inconsistent target size: \[\] for input of size: \[4\]",
        ),
        (lambda: multilabel_margin_loss(X[None], L[None]), RuntimeError, r"but got: \[1, 3, 4\]"),
        (lambda: multilabel_margin_loss(X, L.int()), RuntimeError, "expected scalar type Long but found Int"),
        (
            lambda: multilabel_margin_loss(X.long(), L),
            NotImplementedError,
            "\"multilabel_margin_loss_forward_out_frame\" not implemented for 'Long'",
        ),
        (lambda: multilabel_margin_loss(X, L - 1), RuntimeError, "argument #2 'target' is out of range"),
        (lambda: multilabel_margin_loss(X, L + 1), RuntimeError, "argument #2 'target' is out of range"),
        (lambda: triplet_margin_loss(X, X, X, margin=0), ValueError, "margin must be greater than 0, got 0"),
        (lambda: triplet_margin_loss(X, X, X, margin=0, reduction="x"), ValueError, "x is not a valid value"),
        (lambda: triplet_margin_loss(X, X[0], X), RuntimeError, "anchor 2D, positive 1D, and negative 2D inputs"),
        (
            lambda: triplet_margin_loss(X, X[:2], X),
            RuntimeError,
            r"The size of tensor a \(3\) must match the size of tensor b \(2\) at non-singleton dimension 0",
        ),
        (lambda: triplet_margin_loss(X > 0, X > 0, X > 0), RuntimeError, "with two bool tensors is not supported"),
        (lambda: triplet_margin_loss(X, X, X > 0), RuntimeError, "with a bool tensor is not supported"),
        (
            lambda: triplet_margin_loss(*(minigrad.zeros(3, 0),) * 3, p=float("inf")),
            RuntimeError,
            "cannot compute the inf norm on the dimension 1because this dimension is empty",
        ),
        (
            lambda: hinge_embedding_loss(X, T),
            RuntimeError,
            r"The size of tensor a \(4\) must match the size of tensor b \(3\) at non-singleton dimension 1",
        ),
        (lambda: hinge_embedding_loss(X, T, reduction="baz"), ValueError, "baz is not a valid value"),
        (lambda: hinge_embedding_loss(X > 0, X), RuntimeError, "with two bool tensors is not supported"),
        (lambda: hinge_embedding_loss(T, T), RuntimeError, "mean\\(\\): could not infer output dtype. .* Got: Long"),
        (
            lambda: margin_ranking_loss(X, X[0], X[0]),
            RuntimeError,
            r"margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: "
            r"torch.Size\(\[3, 4\]\), input2: torch.Size\(\[4\]\), target: torch.Size\(\[4\]\)",
        ),
        (lambda: margin_ranking_loss(X, X[:2], X), RuntimeError, "must match the size of tensor b"),
        (lambda: margin_ranking_loss(X > 0, X > 0, X), RuntimeError, "with two bool tensors is not supported"),
        (lambda: margin_ranking_loss(X > 0, X, X), RuntimeError, "with a bool tensor is not supported"),
        (lambda: margin_ranking_loss(X, X, X > 0), RuntimeError, "Negation, the `-` operator, on a bool tensor"),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    "fn, args",
    [
        (multi_margin_loss, (X, T)),
        (multilabel_margin_loss, (X, L)),
        (triplet_margin_loss, (X, X + 1, X - 1)),
        (hinge_embedding_loss, (X, X.sign())),
        (margin_ranking_loss, (X, X * 2, X.sign())),
    ],
)
@pytest.mark.parametrize(
    "size_average, reduce, expected",
    [(None, True, "mean"), (False, None, "sum"), (True, False, "none"), (False, False, "none")],
)
def test_legacy_flags_override_reduction(fn, args, size_average, reduce, expected):
    with pytest.warns(UserWarning, match=f"please use reduction='{expected}' instead"):
        result = fn(*args, size_average=size_average, reduce=reduce, reduction="sum" if expected != "sum" else "none")
    np.testing.assert_allclose(result._data, fn(*args, reduction=expected)._data)
