"""Multi-output Functions against torch: a ctx-style custom Function whose forward returns a tuple (backward gets
one gradient per output: zeros or None for outputs without one, as ``set_materialize_grads`` says; non-differentiable
outputs; double backward; gradcheck), and the one-node split/chunk/unbind/tensor_split (gradients with pieces that
get none, double backward, views, hooks)."""

import numpy as np
import pytest

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.viz import to_dot

torch = pytest.importorskip("torch")


def functions(lib, seen):
    """Tuple-output custom Functions written once for either library; ``seen`` records what each backward got
    (per output: None, or the gradient's values)."""

    class ProductAndSum(lib.autograd.Function):
        """(x * y, x + y, argmax of x * y): two differentiable outputs and an integer one."""

        @staticmethod
        def forward(ctx, x, y, materialize=True):
            ctx.set_materialize_grads(materialize)
            ctx.save_for_backward(x, y)
            product = x * y
            return product, x + y, product.argmax()

        @staticmethod
        def backward(ctx, g_product, g_sum, g_index):
            seen.append([None if g is None else g.detach().numpy().copy() for g in (g_product, g_sum)])
            x, y = ctx.saved_tensors
            gx = gy = None
            if g_product is not None:
                gx, gy = g_product * y, g_product * x  # Tensor ops: differentiable again
            if g_sum is not None:
                gx = g_sum if gx is None else gx + g_sum
                gy = g_sum if gy is None else gy + g_sum
            return gx, gy, None

    class Halves(lib.autograd.Function):
        """(exp(x), x as it came in, a second output marked non-differentiable)."""

        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            marker = x * 0
            ctx.mark_non_differentiable(marker)
            ctx.save_for_backward(result)
            return result, x, marker

        @staticmethod
        def backward(ctx, g_result, g_x, g_marker):
            seen.append([None if g is None else g.detach().numpy().copy() for g in (g_result, g_x, g_marker)])
            (result,) = ctx.saved_tensors
            return g_result * result + g_x

    return ProductAndSum, Halves


def _pair(seed, dtype=np.float64, shape=(3, 4)):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(dtype) for _ in range(2)]


LOSSES = {  # which outputs the loss reads
    "both": lambda a, b: (a * a).sum() + (b * 3).sum(),
    "first": lambda a, b: (a * a).sum(),
    "second": lambda a, b: b.sin().sum(),
}


def _run(lib, arrays, loss, materialize, create_graph=False):
    seen = []
    product_and_sum, _ = functions(lib, seen)
    x, y = (lib.tensor(a, requires_grad=True) for a in arrays)
    a, b, index = product_and_sum.apply(x, y, materialize)
    grads = lib.autograd.grad(LOSSES[loss](a, b), (x, y), create_graph=create_graph)
    return x, y, grads, seen, (a, b, index)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("materialize", [True, False])
@pytest.mark.parametrize("loss", LOSSES)
def test_tuple_outputs_match_torch(loss, materialize, dtype):
    arrays = _pair(0, dtype)
    *_, ours, our_seen, (a, b, index) = _run(minigrad, arrays, loss, materialize)
    *_, theirs, their_seen, (ta, tb, tindex) = _run(torch, arrays, loss, materialize)
    for g, t in zip(ours, theirs):
        np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-6)
    assert [type(g) for g in our_seen[0]] == [type(g) for g in their_seen[0]]  # None where torch gives None
    for g, t in zip(our_seen[0], their_seen[0]):
        if t is not None:
            np.testing.assert_allclose(g, t, rtol=1e-6)
    assert (a.requires_grad, b.requires_grad, index.requires_grad) == (True, True, False)
    assert a.grad_fn.name() == b.grad_fn.name() == "ProductAndSumBackward"
    assert int(index) == int(tindex)


@pytest.mark.parametrize("loss", LOSSES)
def test_double_backward_through_a_tuple_output_function(loss):
    arrays = _pair(1)
    results = []
    for lib in (minigrad, torch):
        x, y, grads, *_ = _run(lib, arrays, loss, True, create_graph=True)
        total = sum((g * g).sum() for g in grads if g.requires_grad)
        second = lib.autograd.grad(total, (x, y), allow_unused=True, materialize_grads=True)
        results.append([g.detach().numpy() for g in grads + second])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_gradcheck_and_gradgradcheck_of_a_tuple_output_function():
    product_and_sum, _ = functions(minigrad, [])
    x, y = (minigrad.tensor(a, requires_grad=True) for a in _pair(2, shape=(2, 3)))
    assert gradcheck(lambda x, y: product_and_sum.apply(x, y)[:2], (x, y))
    assert gradgradcheck(lambda x, y: product_and_sum.apply(x, y)[:2], (x, y))


@pytest.mark.parametrize("loss", ["result", "returned input", "both"])
def test_returned_input_and_non_differentiable_outputs_match_torch(loss):
    (array, _) = _pair(3)
    results = []
    for lib in (minigrad, torch):
        seen = []
        _, halves = functions(lib, seen)
        x = lib.tensor(array, requires_grad=True)
        result, same, marker = halves.apply(x)
        assert same is not x and same.requires_grad and not marker.requires_grad
        total = {"result": result.sum(), "returned input": (same * 2).sum(), "both": result.sum() + same.sum()}[loss]
        total.backward()
        results.append((x.grad.numpy(), seen[0]))
    (ours, our_seen), (theirs, their_seen) = results
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    for g, t in zip(our_seen, their_seen):  # materialized zeros for the unused and the non-differentiable output
        np.testing.assert_allclose(g, t)


def test_hooks_retain_grad_and_grad_of_one_output():
    product_and_sum, _ = functions(minigrad, [])
    x, y = (minigrad.tensor(a, requires_grad=True) for a in _pair(4))
    a, b, _ = product_and_sum.apply(x, y)
    calls = []
    a.register_hook(lambda g: calls.append("a") or g * 2)  # only a's gradient is doubled
    b.retain_grad()
    (a.sum() + (b * 3).sum()).backward(retain_graph=True)
    assert calls == ["a"]
    np.testing.assert_allclose(b.grad.numpy(), np.full((3, 4), 3.0))
    np.testing.assert_allclose(x.grad.numpy(), 2 * y.detach().numpy() + 3)
    (gb,) = minigrad.autograd.grad((a.sum() + (b * 3).sum()), b)
    np.testing.assert_allclose(gb.numpy(), np.full((3, 4), 3.0))
    consumer = (a * b).grad_fn
    assert [(type(n).__name__, i) for n, i in consumer.next_functions] == [("ProductAndSum", 0), ("ProductAndSum", 1)]


def test_a_freed_node_refuses_a_second_backward_through_another_output():
    product_and_sum, _ = functions(minigrad, [])
    x, y = (minigrad.tensor(a, requires_grad=True) for a in _pair(5))
    a, b, _ = product_and_sum.apply(x, y)
    a.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        b.sum().backward()


def test_once_differentiable_with_two_outputs_refuses_a_double_backward():
    class Both(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        @minigrad.autograd.once_differentiable
        def backward(ctx, g2, g3):
            return g2 * 2 + g3 * 3

    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    two, three = Both.apply(x)
    (g,) = minigrad.autograd.grad((two * two).sum() + three.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [11.0, 19.0])
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()


# ------------------------------------------------------------------------------ split, chunk, unbind, tensor_split
SPLITS = {
    "split": lambda x: x.split(2, 1),
    "split_sizes": lambda x: x.split([1, 3, 1], 1),
    "chunk": lambda x: x.chunk(2, 0),
    "unbind": lambda x: x.unbind(1),
    "unbind_last": lambda x: x.unbind(-1),
    "tensor_split": lambda x: x.tensor_split(3, 1),
    "tensor_split_indices": lambda x: x.tensor_split([1, 4, 9], 1),
    "hsplit": lambda x: x.hsplit([2]),
}


def _weighted(pieces, used):
    """A loss reading the pieces of ``used`` (others get no gradient), each with its own weight."""
    return sum(((p * p) * (i + 1)).sum() for i, p in enumerate(pieces) if i in used)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("used", [(0,), (1,), (0, 2), (0, 1, 2, 3, 4)], ids=str)
@pytest.mark.parametrize("name", SPLITS)
def test_split_family_gradients_match_torch(name, used, dtype):
    array = np.random.default_rng(6).standard_normal((3, 5)).astype(dtype)
    grads = []
    for lib in (minigrad, torch):
        x = lib.tensor(array, requires_grad=True)
        pieces = SPLITS[name](x)
        loss = _weighted(pieces, [i for i in used if i < len(pieces)])
        if isinstance(loss, int):  # no piece used
            pytest.skip("fewer pieces than the loss reads")
        loss.backward()
        grads.append((x.grad.numpy(), [p.shape for p in pieces]))
    (ours, our_shapes), (theirs, their_shapes) = grads
    assert [tuple(s) for s in our_shapes] == [tuple(s) for s in their_shapes]
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


@pytest.mark.parametrize("name", SPLITS)
def test_split_family_double_backward_matches_torch(name):
    array = np.random.default_rng(7).standard_normal((3, 5))
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor(array, requires_grad=True)
        pieces = SPLITS[name](x)
        (g,) = lib.autograd.grad(_weighted(pieces, range(1, 5)).sum() * x.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        results.append((g.detach().numpy(), gg.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_split_is_one_node_of_views_with_gradcheck():
    x = minigrad.tensor(np.random.default_rng(8).standard_normal((4, 3)), requires_grad=True)
    pieces = x.split([1, 2, 1])
    assert len({id(p.grad_fn.node) for p in pieces}) == 1
    assert [p.grad_fn.index for p in pieces] == [0, 1, 2]
    assert all(p._base is x and np.shares_memory(p._data, x._data) for p in pieces)
    assert gradcheck(lambda x: x.split([1, 2, 1])[::2], (x,))
    assert gradgradcheck(lambda x: tuple(p * p for p in x.unbind(1)[1:]), (x,))


def test_a_split_piece_keeps_hooks_retain_grad_and_in_place_rules():
    x = minigrad.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    q, k, v = x.unbind(0)
    k.register_hook(lambda g: g * 10)
    v.retain_grad()
    (q.sum() + k.sum() + (v * 2).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1, 1], [10, 10], [2, 2]])
    np.testing.assert_allclose(v.grad.numpy(), [2, 2])
    # an in-place change of the base after the split: the pieces are views, their values and history follow it
    y = x * 1
    a, b = y.split(2)
    y.mul_(3)
    np.testing.assert_allclose(b.detach().numpy(), [[12.0, 15.0]])
    x.grad = None
    b.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0], [0, 0], [3, 3]])


def test_viz_draws_a_multi_output_node_once():
    x = minigrad.ones(2, 3, requires_grad=True)
    a, b = x.split([1, 2], 1)
    dot = to_dot(a.sum() * b.sum())
    assert dot.count("SplitBackward") == 1  # one ellipse, with an arrow to each Sum
    assert dot.count(f"f{id(a.grad_fn.node)} ->") == 2
