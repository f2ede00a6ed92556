"""nll_loss and cross_entropy (minigrad/nn/functional/classification.py): torch parity of values and gradients
over shapes (unbatched, 2-D, K-dim), targets (indices, probabilities), weights, ignore_index, label smoothing
and reductions; gradcheck/gradgradcheck in float64; the backward's buffer hand-over; and torch's errors."""

import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import minigrad
from loss_parity import check_gradients, compare_with_torch, torch
from minigrad.nn.functional.classification import cross_entropy, nll_loss

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")
REDUCTIONS = ["none", "mean", "sum"]
DTYPES = [np.float32, np.float64]
# (input shape, index-target shape): unbatched, plain, and K = 1, 2, 3 spatial dims
SHAPES = [((5,), ()), ((6, 5), (6,)), ((3, 4, 5), (3, 5)), ((2, 3, 4, 2), (2, 4, 2)), ((2, 3, 2, 2, 3), (2, 2, 2, 3))]


def index_case(input_shape, target_shape, dtype, seed=0, ignore_index=-100):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(input_shape) * 2).astype(dtype)
    classes = input_shape[0 if len(input_shape) == 1 else 1]
    target = rng.integers(0, classes, target_shape)
    if target.ndim:
        target[rng.random(target_shape) < 0.25] = ignore_index
    return x, target, rng.random(classes).astype(dtype) + 0.2


def torch_fn(name):
    return getattr(torch.nn.functional, name)


# ------------------------------------------------------------------------------------------------ torch parity
@needs_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_index_targets_match_torch(dtype, reduction, shapes, weighted, label_smoothing):
    x, target, weight = index_case(*shapes, dtype)
    kwargs = dict(reduction=reduction, label_smoothing=label_smoothing)
    if weighted:
        kwargs["weight"] = weight
    compare_with_torch(cross_entropy, torch_fn("cross_entropy"), [x, target], kwargs, grad=(0,))


@needs_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_matches_torch(dtype, reduction, shapes, weighted):
    x, target, weight = index_case(*shapes, dtype)
    kwargs = dict(reduction=reduction, weight=weight) if weighted else dict(reduction=reduction)
    compare_with_torch(nll_loss, torch_fn("nll_loss"), [x, target], kwargs, grad=(0,))


@needs_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("input_shape", [(5,), (6, 5), (3, 4, 5), (2, 3, 2, 2)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_cross_entropy_probability_targets_match_torch(dtype, reduction, input_shape, weighted, label_smoothing):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(input_shape).astype(dtype)
    target = rng.random(input_shape).astype(dtype)
    classes = input_shape[0 if len(input_shape) == 1 else 1]
    kwargs = dict(reduction=reduction, label_smoothing=label_smoothing)
    grad = (0, 1)
    if weighted:
        kwargs["weight"] = rng.random(classes).astype(dtype)
        grad = (0, 1, "weight")  # the weight is differentiable with probability targets
    compare_with_torch(cross_entropy, torch_fn("cross_entropy"), [x, target], kwargs, grad=grad)


@needs_torch
@pytest.mark.parametrize("ignore_index", [0, 2, -1, 7])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_ignore_index_anywhere_matches_torch(ignore_index, label_smoothing):
    x, target, weight = index_case((20, 4), (20,), np.float64, seed=2, ignore_index=ignore_index)
    for reduction in REDUCTIONS:
        kwargs = dict(ignore_index=ignore_index, label_smoothing=label_smoothing, reduction=reduction, weight=weight)
        compare_with_torch(cross_entropy, torch_fn("cross_entropy"), [x, target], kwargs, grad=(0,))
        kwargs.pop("label_smoothing")
        compare_with_torch(nll_loss, torch_fn("nll_loss"), [x, target], kwargs, grad=(0,))


@needs_torch
@pytest.mark.parametrize(
    "case",
    [
        "all_ignored",
        "zero_weights",
        "negative_weights",
        "one_class",
        "empty",
        "huge",
        "negative_smoothing",
        "full_smoothing",
        "uint8_targets",
        "unbatched_1d_target",
    ],
)
def test_edge_cases_match_torch(case):
    dtype = np.float32
    x, target, weight = index_case((6, 4), (6,), dtype, seed=3)
    kwargs = {}
    if case == "all_ignored":
        target[:] = -100
    elif case == "zero_weights":
        weight[:] = 0
    elif case == "negative_weights":
        weight = np.array([1.0, -1.0, 2.0, -0.5], dtype)
    elif case == "one_class":
        x, target = x[:, :1].copy(), np.zeros(6, np.int64)
        weight = weight[:1].copy()
    elif case == "empty":
        x, target = x[:0].copy(), target[:0].copy()
    elif case == "huge":
        x = np.where(x > 0, 1e4, -1e4).astype(dtype) + x
    elif case == "negative_smoothing":
        kwargs["label_smoothing"] = -0.5  # torch treats it as 0
    elif case == "full_smoothing":
        kwargs["label_smoothing"] = 1.0
    elif case == "uint8_targets":
        target = np.abs(target).astype(np.uint8) % 4
    elif case == "unbatched_1d_target":
        x, target = x[0].copy(), target[:1] % 4
    for reduction in REDUCTIONS:
        for weighted in (False, True):
            extra = dict(kwargs, reduction=reduction, weight=weight) if weighted else dict(kwargs, reduction=reduction)
            # torch's own backward fails for a (C,) input with a (1,) target ("size mismatch"): values only
            grad = () if case == "unbatched_1d_target" else (0,)
            out = compare_with_torch(cross_entropy, torch_fn("cross_entropy"), [x, target], extra, grad=grad)
            if case == "huge":
                assert np.isfinite(out._data).all()
            extra.pop("label_smoothing", None)
            compare_with_torch(nll_loss, torch_fn("nll_loss"), [x, target], extra, grad=grad)


def test_unbatched_input_with_one_element_target():
    # torch computes the value but cannot backward it; minigrad's gradient is that of the 0-dim target
    x, target, weight = index_case((5,), (), np.float64, seed=3)
    for fn in (cross_entropy, nll_loss):
        grads = []
        for t in (target, target.reshape(1)):
            xt = minigrad.tensor(x, requires_grad=True)
            fn(xt, minigrad.tensor(t), weight=minigrad.tensor(weight)).backward()
            grads.append(xt.grad.numpy())
        np.testing.assert_array_equal(grads[0], grads[1])


@needs_torch
@pytest.mark.parametrize("dtypes", [(np.float32, np.float64), (np.float64, np.float32), (np.float16, np.float32)])
def test_probability_targets_promote_like_torch(dtypes):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 3)).astype(dtypes[0])
    target = rng.random((4, 3)).astype(dtypes[1])
    compare_with_torch(cross_entropy, torch_fn("cross_entropy"), [x, target], {}, grad=(0, 1), rtol=2e-3, atol=2e-3)


@needs_torch
def test_float16_inputs_match_torch():
    x, target, weight = index_case((8, 5), (8,), np.float16, seed=5)
    for fn in ("cross_entropy", "nll_loss"):
        compare_with_torch(globals()[fn], torch_fn(fn), [x, target], dict(weight=weight), grad=(0,))


def test_one_and_two_threads_agree():
    x, target, weight = index_case((400, 300), (400,), np.float32, seed=6)
    results = []
    previous = minigrad.get_num_threads()
    try:
        for threads in (1, 2):
            minigrad.set_num_threads(threads)
            xt = minigrad.tensor(x, requires_grad=True)
            loss = cross_entropy(xt, minigrad.tensor(target), weight=minigrad.tensor(weight), label_smoothing=0.1)
            loss.backward()
            results.append((loss.item(), xt.grad.numpy()))
    finally:
        minigrad.set_num_threads(previous)
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])


@needs_torch
def test_non_contiguous_and_read_only_inputs():
    rng = np.random.default_rng(7)
    base = rng.standard_normal((5, 8)).astype(np.float32)
    x = base.T  # (8, 5), Fortran-ordered
    target = rng.integers(0, 5, 16)[::2]  # strided
    read_only = base.copy()
    read_only.setflags(write=False)
    compare_with_torch(cross_entropy, torch_fn("cross_entropy"), [np.ascontiguousarray(x), target], {}, grad=(0,))
    xt = minigrad.tensor(x, requires_grad=True)
    loss = cross_entropy(xt, minigrad.tensor(target))
    loss.backward()
    expected = torch.tensor(np.ascontiguousarray(x), requires_grad=True)
    torch_fn("cross_entropy")(expected, torch.tensor(target)).backward()
    np.testing.assert_allclose(xt.grad.numpy(), expected.grad.numpy(), rtol=1e-5, atol=1e-7)
    assert np.isfinite(cross_entropy(minigrad.tensor(read_only), minigrad.tensor(target[:5])).item())


# ------------------------------------------------------------------------------------------- finite differences
@pytest.mark.parametrize("shapes", [((4,), ()), ((4, 3), (4,)), ((2, 3, 2), (2, 2))])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_cross_entropy_gradcheck(shapes, reduction, label_smoothing):
    x, target, weight = index_case(*shapes, np.float64, seed=8)
    check_gradients(
        cross_entropy, [x, target], dict(weight=weight, reduction=reduction, label_smoothing=label_smoothing)
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_gradcheck(reduction):
    x, target, weight = index_case((4, 3), (4,), np.float64, seed=9)
    check_gradients(nll_loss, [x, target], dict(weight=weight, reduction=reduction))


@pytest.mark.parametrize("input_shape", [(4,), (3, 4), (2, 3, 2)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_probability_targets_gradcheck(input_shape, reduction):
    rng = np.random.default_rng(10)
    x, target = rng.standard_normal(input_shape), rng.random(input_shape)
    weight = rng.random(input_shape[0 if len(input_shape) == 1 else 1])
    check_gradients(
        cross_entropy, [x, target], dict(weight=weight, reduction=reduction, label_smoothing=0.2), grad=(0, 1, "weight")
    )


# --------------------------------------------------------------------------------------- the cached gradient
def test_backward_with_retain_graph_and_in_place_grad_changes():
    x, target, _ = index_case((5, 4), (5,), np.float64, seed=11)
    xt = minigrad.tensor(x, requires_grad=True)
    loss = cross_entropy(xt, minigrad.tensor(target))
    loss.backward(retain_graph=True)
    first = xt.grad.numpy().copy()
    xt.grad.zero_()  # the handed-over buffer may be changed by its new owner...
    loss.backward()  # ...so a second backward recomputes the gradient
    np.testing.assert_allclose(xt.grad.numpy(), first)


def test_upstream_gradient_scales_the_cached_gradient():
    x, target, _ = index_case((5, 4), (5,), np.float64, seed=12)
    grads = []
    for factor in (1.0, -2.5):
        xt = minigrad.tensor(x, requires_grad=True)
        (cross_entropy(xt, minigrad.tensor(target), reduction="sum") * factor).backward()
        grads.append(xt.grad.numpy())
    np.testing.assert_allclose(grads[1], -2.5 * grads[0])


def test_no_gradient_work_without_grad():
    x, target, _ = index_case((5, 4), (5,), np.float32, seed=13)
    with minigrad.no_grad():
        loss = cross_entropy(minigrad.tensor(x, requires_grad=True), minigrad.tensor(target))
    assert loss.grad_fn is None and not loss.requires_grad
    plain = cross_entropy(minigrad.tensor(x), minigrad.tensor(target))
    assert plain.grad_fn is None
    assert loss.item() == plain.item()


def test_second_derivative_matches_torch():
    if torch is None:
        pytest.skip("torch not installed")
    x, target, weight = index_case((4, 3), (4,), np.float64, seed=14)
    xt = minigrad.tensor(x, requires_grad=True)
    (g,) = minigrad.autograd.grad(
        cross_entropy(xt, minigrad.tensor(target), weight=minigrad.tensor(weight), label_smoothing=0.1),
        [xt],
        create_graph=True,
    )
    (g * g).sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    (tg,) = torch.autograd.grad(
        torch_fn("cross_entropy")(tx, torch.tensor(target), weight=torch.tensor(weight), label_smoothing=0.1),
        [tx],
        create_graph=True,
    )
    (tg * tg).sum().backward()
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-12)


# ----------------------------------------------------------------------------------------------------- errors
X = np.zeros((3, 4), np.float32)
Y = np.array([0, 1, 2])
# (description, call(api, tensor) -- api holds the loss functions, tensor builds tensors --, exception, message)
ERRORS = [
    (
        "int32 target",
        lambda F, t: F.cross_entropy(t(X), t(Y.astype(np.int32))),
        RuntimeError,
        "expected target dtype to be Long or Byte, but got Int",
    ),
    (
        "float index target",
        lambda F, t: F.nll_loss(t(X), t(Y.astype(np.float32))),
        RuntimeError,
        "expected target dtype to be Long or Byte, but got Float",
    ),
    (
        "out of bounds",
        lambda F, t: F.cross_entropy(t(X), t(np.array([0, 4, 1]))),
        IndexError,
        "Target 4 is out of bounds.",
    ),
    (
        "negative target",
        lambda F, t: F.nll_loss(t(X), t(np.array([0, -1, 1])), reduction="none"),
        IndexError,
        "Target -1 is out of bounds.",
    ),
    (
        "weight size",
        lambda F, t: F.cross_entropy(t(X), t(Y), weight=t(np.ones(2, np.float32))),
        RuntimeError,
        "weight tensor should be defined either for all 4 classes or no classes but got weight tensor of shape: [2]",
    ),
    (
        "weight dtype",
        lambda F, t: F.cross_entropy(t(X), t(Y), weight=t(np.ones(4))),
        RuntimeError,
        "expected scalar type Float but found Double",
    ),
    (
        "weight size spatial",
        lambda F, t: F.cross_entropy(
            t(np.zeros((2, 3, 2, 2), np.float32)), t(np.zeros((2, 2, 2), np.int64)), weight=t(np.ones(2, np.float32))
        ),
        RuntimeError,
        "weight tensor should be defined either for all or no classes",
    ),
    (
        "prob weight size",
        lambda F, t: F.cross_entropy(t(X), t(X), weight=t(np.ones(3, np.float32))),
        RuntimeError,
        "cross_entropy: weight tensor should be defined either for all 4 classes or no classes but got weight tensor "
        "of shape: [3]",
    ),
    (
        "0-dim nll",
        lambda F, t: F.nll_loss(t(np.float32(1)), t(np.int64(0))),
        ValueError,
        "Expected 1 or more dimensions (got 0)",
    ),
    (
        "0-dim ce index",
        lambda F, t: F.cross_entropy(t(np.float32(1)), t(np.int64(0))),
        RuntimeError,
        "Expected floating point type for target with class probabilities, got Long",
    ),
    (
        "batch mismatch",
        lambda F, t: F.cross_entropy(t(X), t(Y[:2])),
        ValueError,
        "Expected input batch_size (3) to match target batch_size (2).",
    ),
    (
        "0-d target, empty batch",
        lambda F, t: F.nll_loss(t(X[:0]), t(np.int64(1))),
        IndexError,
        "Dimension specified as 0 but tensor has no dimensions",
    ),
    (
        "0-d float target, empty batch",
        lambda F, t: F.cross_entropy(t(X[:0]), t(np.float32(1))),
        RuntimeError,
        "expected target dtype to be Long or Byte, but got Float",
    ),
    (
        "0-d target",
        lambda F, t: F.cross_entropy(t(X), t(np.int64(1))),
        ValueError,
        "Expected input batch_size (3) to match target batch_size (0).",
    ),
    (
        "2-D target",
        lambda F, t: F.nll_loss(t(X), t(np.zeros((3, 2), np.int64))),
        RuntimeError,
        "0D or 1D target tensor expected, multi-target not supported",
    ),
    (
        "1-D input target size",
        lambda F, t: F.cross_entropy(t(X[0]), t(Y[:2])),
        ValueError,
        "For 1D input, 1D target must have size 1, but got target size: 2",
    ),
    (
        "3-D size",
        lambda F, t: F.cross_entropy(t(np.zeros((2, 3, 5), np.float32)), t(np.zeros((2, 4), np.int64))),
        RuntimeError,
        "Expected target size [2, 5], got [2, 4]",
    ),
    (
        "4-D size",
        lambda F, t: F.cross_entropy(t(np.zeros((2, 3, 2, 2), np.float32)), t(np.zeros((2, 2, 3), np.int64))),
        RuntimeError,
        "size mismatch (got input: [2, 3, 2, 2] , target: [2, 2, 3]",
    ),
    (
        "4-D target dims",
        lambda F, t: F.nll_loss(t(np.zeros((2, 3, 2, 2), np.float32)), t(np.zeros((2, 4), np.int64))),
        RuntimeError,
        "only batches of spatial targets supported (3D tensors) but got targets of dimension: 2",
    ),
    (
        "5-D size",
        lambda F, t: F.cross_entropy(t(np.zeros((2, 3, 2, 2, 2), np.float32)), t(np.zeros((2, 2, 3, 2), np.int64))),
        RuntimeError,
        "Expected target size [2, 2, 2, 2], got [2, 2, 3, 2]",
    ),
    (
        "label smoothing",
        lambda F, t: F.cross_entropy(t(X), t(Y), label_smoothing=1.5),
        RuntimeError,
        "label_smoothing must be between 0.0 and 1.0. Got: 1.5",
    ),
    (
        "label smoothing probs",
        lambda F, t: F.cross_entropy(t(X), t(X), label_smoothing=2.0),
        RuntimeError,
        "label_smoothing must be between 0.0 and 1.0. Got: 2",
    ),
    (
        "prob ignore_index",
        lambda F, t: F.cross_entropy(t(X), t(X), ignore_index=1),
        RuntimeError,
        "ignore_index is not supported for floating point target",
    ),
    (
        "long prob target",
        lambda F, t: F.cross_entropy(t(X), t(np.zeros((3, 4), np.int64))),
        RuntimeError,
        "Expected floating point type for target with class probabilities, got Long",
    ),
    (
        "integer input ce",
        lambda F, t: F.cross_entropy(t(np.zeros((3, 4), np.int64)), t(Y)),
        NotImplementedError,
        "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'",
    ),
    (
        "integer input nll",
        lambda F, t: F.nll_loss(t(np.zeros((3, 4), np.int64)), t(Y)),
        NotImplementedError,
        "\"nll_loss_out_frame\" not implemented for 'Long'",
    ),
    (
        "bad reduction",
        lambda F, t: F.cross_entropy(t(X), t(Y), reduction="avg"),
        ValueError,
        "avg is not a valid value for reduction",
    ),
    (
        "ignore_index type",
        lambda F, t: F.cross_entropy(t(X), t(Y), ignore_index=1.5),
        TypeError,
        "cross_entropy_loss(): argument 'ignore_index' (position 5) must be int, not float",
    ),
    (
        "input type",
        lambda F, t: F.cross_entropy([[1.0, 2.0]], t(np.array([0]))),
        TypeError,
        "cross_entropy_loss(): argument 'input' (position 1) must be Tensor, not list",
    ),
    (
        "weight requires grad",
        lambda F, t: F.nll_loss(t(X), t(Y), weight=F.ones(4, requires_grad=True)),
        RuntimeError,
        "The function 'nll_loss_forward' is not differentiable with respect to argument 'weight'. This "
        "input cannot have requires_grad True.",
    ),
]


MINIGRAD_API = SimpleNamespace(cross_entropy=cross_entropy, nll_loss=nll_loss, ones=minigrad.ones)


@pytest.mark.parametrize("description, call, error, message", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(description, call, error, message):
    with pytest.raises(error) as raised:
        call(MINIGRAD_API, minigrad.tensor)
    assert str(raised.value) == message


@needs_torch
@pytest.mark.parametrize("description, call, error, message", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_torchs(description, call, error, message):
    # the expected messages are torch's own: the same call against torch raises them
    api = SimpleNamespace(
        cross_entropy=torch.nn.functional.cross_entropy, nll_loss=torch.nn.functional.nll_loss, ones=torch.ones
    )
    with pytest.raises(error) as raised:
        call(api, torch.tensor)
    assert str(raised.value).split("\n")[0] == message


def test_legacy_size_average_and_reduce():
    x, target, _ = index_case((5, 4), (5,), np.float64, seed=15)
    xt, tt = minigrad.tensor(x), minigrad.tensor(target)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        summed = cross_entropy(xt, tt, size_average=False, reduction="none")
    assert summed.item() == pytest.approx(cross_entropy(xt, tt, reduction="sum").item())
    with pytest.warns(UserWarning):
        unreduced = nll_loss(xt, tt, reduce=False, reduction="mean")
    assert unreduced.shape == (5,)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cross_entropy(xt, tt)
