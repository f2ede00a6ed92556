"""The backward engine: accumulation, shared nodes, deep chains, retain_graph, grad mode, create_graph, hooks,
autograd.grad, and graphs freed with their last reference."""

import gc
import weakref

import numpy as np
import pytest

import minigrad
from minigrad import autograd
from minigrad.autograd import anomaly_mode, grad_mode, tracing


def leaf(values, dtype=minigrad.float64):
    return minigrad.tensor(values, dtype=dtype, requires_grad=True)


def test_shared_node_gets_the_sum_of_its_consumers_gradients():
    x = leaf([1.0, 2.0])
    y = x * x  # used twice below
    z = (y + y * 3).sum()
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), 8 * x._data)  # d/dx 4x² = 8x


def test_diamond_graph():
    x = leaf(3.0)
    a, b = x * 2, x * x
    (a * b).backward()  # d/dx 2x³ = 6x²
    assert x.grad.item() == pytest.approx(54.0)


def test_chain_of_100k_ops_does_not_recurse():
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, -1.0])
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 5.0])


def test_second_backward_through_freed_graph_raises():
    x = leaf(2.0)
    y = x.exp() * x
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = leaf(2.0)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(8.0)


def test_non_scalar_backward_needs_gradient():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(minigrad.tensor([1.0, 0.5], dtype=minigrad.float64))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 1.0])


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        minigrad.tensor([1.0]).sum().backward()


def test_no_grad_context_and_decorator():
    x = leaf([1.0])
    with minigrad.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None

    @minigrad.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    with minigrad.no_grad():
        with minigrad.enable_grad():
            assert (x * 2).requires_grad
    assert minigrad.is_grad_enabled()


def test_set_grad_enabled():
    x = leaf([1.0])
    with minigrad.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    minigrad.set_grad_enabled(False)
    try:
        assert not minigrad.is_grad_enabled()
    finally:
        minigrad.set_grad_enabled(True)


def test_create_graph_gives_second_derivatives():
    x = leaf(1.5)
    y = x**3
    (dy,) = autograd.grad(y, x, create_graph=True)
    assert dy.item() == pytest.approx(3 * 1.5**2)
    (d2y,) = autograd.grad(dy, x)
    assert d2y.item() == pytest.approx(6 * 1.5)


def test_backward_with_create_graph_makes_grad_differentiable():
    x = leaf([0.3, -0.7])
    x.sin().sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), -np.sin(x._data))


def test_autograd_grad_does_not_touch_dot_grad_and_reports_unused():
    x, z = leaf([1.0, 2.0]), leaf([3.0])
    (g,) = autograd.grad((x * x).sum(), x)
    np.testing.assert_array_equal(g.numpy(), [2.0, 4.0])
    assert x.grad is None
    with pytest.raises(RuntimeError, match="not have been used"):
        autograd.grad((x * 2).sum(), [x, z])
    gx, gz = autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gz is None


def test_autograd_grad_of_intermediate_tensor():
    x = leaf([1.0, 2.0])
    h = x * 3
    (gh,) = autograd.grad((h * h).sum(), h)
    np.testing.assert_allclose(gh.numpy(), 2 * h._data)


def test_hooks_on_leaf_and_intermediate():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: g * 10)
    y = x * 2
    handle = y.register_hook(lambda g: seen.append(g.numpy().copy()))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [20.0, 20.0])
    np.testing.assert_array_equal(seen[0], [1.0, 1.0])
    handle.remove()


def test_retain_grad_keeps_intermediate_gradient():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), 2 * y._data)


def test_graph_is_freed_when_last_reference_goes():
    x = leaf(np.ones(3))
    y = (x.exp() * 2).sum()
    node = weakref.ref(y.grad_fn)
    intermediate = weakref.ref(y.grad_fn.next_edges[0])
    gc.disable()  # prove that reference counting alone frees it: no cycles
    try:
        del y
        assert node() is None and intermediate() is None
    finally:
        gc.enable()


def test_leaf_gradients_do_not_alias_each_other():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    a.grad.mul_(5)
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


@pytest.mark.parametrize(
    "build", [lambda a, b, c: a + (b + c), lambda a, b, c: (a + b) - c, lambda a, b, c: a - (b + c)]
)
def test_leaf_gradients_passed_on_unchanged_through_several_nodes_do_not_alias(build):
    # the first-order backwards hand the incoming array on as it is: each leaf must still get memory of its own
    leaves = [leaf([1.0, 2.0]) for _ in range(3)]
    build(*leaves).sum().backward()
    grads = [x.grad.numpy().copy() for x in leaves]
    leaves[0].grad.mul_(5)
    leaves[1].grad.mul_(7)
    np.testing.assert_array_equal(leaves[2].grad.numpy(), grads[2])
    np.testing.assert_array_equal(leaves[1].grad.numpy(), grads[1] * 7)


def test_user_gradient_is_not_aliased_by_leaf_grad():
    x = leaf([1.0, 2.0])
    seed = minigrad.tensor([1.0, 1.0], dtype=minigrad.float64)
    x.backward(seed)
    x.grad.zero_()
    np.testing.assert_array_equal(seed.numpy(), [1.0, 1.0])


def test_inplace_on_leaf_requiring_grad_raises():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with minigrad.no_grad():
        x.add_(1)
    assert x.item() == 2.0


def test_integer_results_do_not_require_grad():
    x = leaf([1.5, 2.5])
    assert not x.long().requires_grad
    assert not (x > 2).requires_grad
    assert not x.argmax().requires_grad


def test_grad_dtype_matches_tensor_dtype_under_mixed_precision():
    x32 = leaf([1.0, 2.0], dtype=minigrad.float32)
    y64 = leaf([1.0, 2.0], dtype=minigrad.float64)
    out = x32 * y64
    assert out.dtype == minigrad.float64
    out.sum().backward()
    assert x32.grad.dtype == minigrad.float32 and y64.grad.dtype == minigrad.float64


def test_backward_inputs_accumulates_only_into_the_given_tensors():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    y = x * w
    (y * y).sum().backward(inputs=[x, y])
    np.testing.assert_allclose(x.grad.numpy(), [18.0, 64.0])  # 2 y w
    np.testing.assert_allclose(y.grad.numpy(), [6.0, 16.0])  # a non-leaf input gets .grad too, as torch
    assert w.grad is None
    with pytest.raises(RuntimeError, match="cannot be empty"):
        (x * 2).sum().backward(inputs=[])


def test_mode_counts_return_to_empty():
    """The per-op path skips the thread-local reads while no thread has a mode away from its default (the lists
    ``grad_mode._off``, ``anomaly_mode._on``, ``tracing._on``): every way of switching must leave them balanced, and a
    thread with recording off must still record nothing while they are not empty."""
    w = minigrad.ones(2, requires_grad=True)
    with minigrad.no_grad():
        assert not (w * 2).requires_grad and not minigrad.is_grad_enabled()
        with minigrad.enable_grad():
            (w * w).sum().backward(create_graph=True)  # the engine switches grad mode on and back
        assert not (w * 2).requires_grad
        (w * 3).sum()  # nothing recorded: nothing to run backward through
    minigrad.set_grad_enabled(False)
    assert not (w * 2).requires_grad
    minigrad.set_grad_enabled(True)
    with pytest.raises(ValueError), minigrad.no_grad():
        raise ValueError
    with pytest.warns(UserWarning), autograd.detect_anomaly():
        (w * 2).sum().backward()
        assert autograd.is_anomaly_enabled()
    with autograd.set_detect_anomaly(False):
        pass
    seen = []
    with tracing.record(lambda op, *rest: seen.append(op)):
        (w + 1).sum().backward()
    assert seen and tracing.recorder() is None
    assert grad_mode._off == [] and anomaly_mode._on == [] and tracing._on == []
    assert (w * 2).requires_grad and minigrad.is_grad_enabled() and not autograd.is_anomaly_enabled()


class _Spy(minigrad.autograd.Function):
    """Identity whose backward records the array it is handed (and passes it on unchanged)."""

    seen = []

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        _Spy.seen.append(grad)
        return grad


def test_backward_borrows_the_callers_gradient_without_copying_it():
    # the root's backward reads the caller's array itself (read-only), so no Function can write into it; what keeps
    # a gradient (a leaf's .grad, retain_grad, autograd.grad's results) copies it, so the caller's array is never
    # aliased and never changes
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    upstream = minigrad.tensor([4.0, 5.0, 6.0])
    _Spy.seen.clear()
    y = _Spy.apply(x)
    y.backward(upstream)
    (handed,) = _Spy.seen
    assert np.shares_memory(handed.numpy(), upstream.numpy()) and not handed.numpy().flags.writeable
    assert not np.shares_memory(x.grad.numpy(), upstream.numpy()) and x.grad.numpy().flags.writeable
    x.grad.mul_(2)  # the leaf's gradient is its own
    np.testing.assert_array_equal(upstream.numpy(), [4.0, 5.0, 6.0])
    assert upstream.numpy().flags.writeable  # only the view handed to the graph is read-only

    h = x * 1.0
    h.retain_grad()
    h.view(3).backward(upstream)  # reaches h's hook as handed (read-only), through a view's backward
    np.testing.assert_array_equal(h.grad.numpy(), [4.0, 5.0, 6.0])
    assert not np.shares_memory(h.grad.numpy(), upstream.numpy()) and h.grad.numpy().flags.writeable

    y = x.view(3)
    (got,) = autograd.grad(y, x, upstream)
    assert not np.shares_memory(got.numpy(), upstream.numpy()) and got.numpy().flags.writeable
    h.grad.mul_(2)  # the user's in-place edits of what was handed back change nothing of the caller's
    got.mul_(2)
    np.testing.assert_array_equal(upstream.numpy(), [4.0, 5.0, 6.0])


def test_backward_copies_the_gradient_for_hooks_create_graph_and_strided_arrays():
    # a hook of the root may change its argument in place, a recorded backward may keep the seed in its graph, and a
    # backward may expect a C-contiguous gradient: all get a copy, as before
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    upstream = minigrad.tensor([3.0, 4.0])
    y = x * 2.0
    y.register_hook(lambda g: g.mul_(10))
    y.backward(upstream)
    np.testing.assert_array_equal(x.grad.numpy(), [60.0, 80.0])
    np.testing.assert_array_equal(upstream.numpy(), [3.0, 4.0])
    _Spy.seen.clear()
    _Spy.apply(x).backward(upstream, create_graph=True)
    assert not np.shares_memory(_Spy.seen[0].numpy(), upstream.numpy())
    wide = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    _Spy.seen.clear()
    _Spy.apply(minigrad.ones(2, 2, requires_grad=True)).backward(wide.t())  # not C-contiguous: a contiguous copy
    assert _Spy.seen[0].numpy().flags.c_contiguous and not np.shares_memory(_Spy.seen[0].numpy(), wide.numpy())


def _through_backward(root, x, upstream, create_graph=False):
    root.backward(upstream, create_graph=create_graph)
    return x.grad


def _through_functional_backward(root, x, upstream, create_graph=False):
    autograd.backward(root, upstream, create_graph=create_graph)
    return x.grad


def _through_grad(root, x, upstream, create_graph=False):
    return autograd.grad(root, x, upstream, create_graph=create_graph)[0]


@pytest.mark.parametrize("entry", [_through_backward, _through_functional_backward, _through_grad])
@pytest.mark.parametrize("root_is_leaf", [True, False])
def test_a_hook_on_the_root_gets_its_own_copy_of_the_seed_from_every_entry_point(entry, root_is_leaf):
    # Tensor._seed borrows the caller's gradient only when the root has no hooks: a leaf's hooks (its own _hooks,
    # which are its AccumulateGrad's pre_hooks) and a result's (its grad_fn's pre_hooks) both count, whether the
    # backward starts from Tensor.backward, autograd.backward or autograd.grad
    x = leaf([1.0, 2.0])
    root = x if root_is_leaf else x * 1.0
    upstream = minigrad.tensor([3.0, 4.0], dtype=minigrad.float64)
    root.register_hook(lambda g: g.mul_(10))  # would raise on a read-only (borrowed) seed
    np.testing.assert_array_equal(entry(root, x, upstream).numpy(), [30.0, 40.0])
    np.testing.assert_array_equal(upstream.numpy(), [3.0, 4.0])


@pytest.mark.parametrize("entry", [_through_backward, _through_functional_backward, _through_grad])
def test_a_create_graph_backward_copies_the_seed_from_every_entry_point(entry):
    x = leaf([1.0, 2.0])
    upstream = minigrad.tensor([3.0, 4.0], dtype=minigrad.float64)
    _Spy.seen.clear()
    got = entry(_Spy.apply(x), x, upstream, create_graph=True)
    assert not np.shares_memory(_Spy.seen[0].numpy(), upstream.numpy()) and _Spy.seen[0].numpy().flags.writeable
    np.testing.assert_array_equal(got.numpy(), [3.0, 4.0])


def test_a_recorded_gradient_keeps_its_graph_when_its_array_is_read_only():
    # sum's backward broadcasts: with create_graph the gradient of x is a read-only view with a grad_fn, and
    # autograd.grad hands it back as torch does (an expanded tensor), still differentiable: d/ds Σ_i ∂(s Σx)/∂x_i = 3
    x, s = leaf([1.0, 2.0, 3.0]), leaf(2.0)
    (g,) = autograd.grad(x.sum() * s, x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    np.testing.assert_array_equal(g.detach().numpy(), [2.0, 2.0, 2.0])
    (gs,) = autograd.grad(g.sum(), s)
    assert gs.item() == 3.0
    h = x * 1.0  # retain_grad's .grad is still detached and its own (a copy of the read-only broadcast)
    h.retain_grad()
    (h.sum() * s).backward(create_graph=True)
    assert not h.grad.requires_grad and h.grad.numpy().flags.writeable
    np.testing.assert_array_equal(h.grad.numpy(), [2.0, 2.0, 2.0])


def test_retain_grad_keeps_a_gradient_of_its_own():
    # torch's retain_grad clones: the gradient flowing on may also become a leaf's .grad (a + b sends it to both) or
    # another retained .grad (a view's backward passes it on), and an in-place edit of one must not reach the others
    a, b = leaf([1.0, 2.0, 3.0]), leaf([1.0, 2.0, 3.0])
    h = a + b
    k = h.view(3)
    h.retain_grad()
    k.retain_grad()
    (k * 2).sum().backward()
    h.grad.mul_(10)
    np.testing.assert_array_equal(h.grad.numpy(), [20.0, 20.0, 20.0])
    for other in (k.grad, a.grad, b.grad):
        np.testing.assert_array_equal(other.numpy(), [2.0, 2.0, 2.0])
