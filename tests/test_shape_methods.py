"""Tensor.unfold, sum_to_size, swapaxes/swapdims, the in-place view ops (squeeze_, unsqueeze_, t_, transpose_,
swapaxes_, swapdims_), resize_, addmm_ and Tensor.multinomial against torch: values, gradients, views, version
counters and errors."""

import numpy as np
import pytest

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

DTYPES = [(np.float32, 1e-6), (np.float64, 1e-12)]


def _pair(shape, dtype, seed=0, requires_grad=False):
    data = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return (
        minigrad.from_numpy(data.copy()).requires_grad_(requires_grad),
        torch.from_numpy(data.copy()).requires_grad_(requires_grad),
    )


def _close(ours, theirs, tol):
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tol, atol=tol)


# ------------------------------------------------------------------------------------------------ unfold
UNFOLD_CASES = [((7,), 0, 3, 2), ((7,), 0, 2, 3), ((3, 5, 4), 1, 2, 1), ((3, 5, 4), -1, 4, 1), ((4, 4), 0, 0, 1)]


@pytest.mark.parametrize("dtype, tol", DTYPES)
@pytest.mark.parametrize("shape, dim, size, step", UNFOLD_CASES)
def test_unfold_values_and_gradients_match_torch(shape, dim, size, step, dtype, tol):
    ours, theirs = _pair(shape, dtype, requires_grad=True)
    out, ref = ours.unfold(dim, size, step), theirs.unfold(dim, size, step)
    _close(out, ref, tol)
    upstream = np.random.default_rng(1).standard_normal(ref.shape).astype(dtype)
    out.backward(minigrad.from_numpy(upstream.copy()))
    ref.backward(torch.from_numpy(upstream))
    _close(ours.grad, theirs.grad, tol * 10)


def test_unfold_of_a_0d_tensor_and_a_view_of_its_input():
    assert minigrad.tensor(3.0).unfold(0, 1, 1).tolist() == [3.0]
    assert minigrad.tensor(3.0).unfold(-1, 0, 1).shape == torch.tensor(3.0).unfold(-1, 0, 1).shape
    x = minigrad.arange(6.0)
    x.unfold(0, 2, 2)[1, 0] = 10.0  # non-overlapping windows are a writable view, as torch's
    assert x.tolist() == [0.0, 1.0, 10.0, 3.0, 4.0, 5.0]
    with pytest.raises(RuntimeError, match="more than one element"):
        x.unfold(0, 3, 1)[0, 2] = 1.0  # overlapping ones refuse writes, as torch's


def test_unfold_gradcheck_and_gradgradcheck():
    x = minigrad.randn(3, 6, dtype=minigrad.float64, requires_grad=True)
    assert gradcheck(lambda t: t.unfold(1, 3, 2), (x,))
    assert gradgradcheck(lambda t: t.unfold(1, 4, 1) ** 2, (x,))


@pytest.mark.parametrize(
    "args, exception, message",
    [((0, 8, 2), RuntimeError, "maximum size for tensor at dimension 0 is 7 but size is 8"), ((0, 2, 0), RuntimeError,
     "step is 0 but must be > 0"), ((0, -1, 1), RuntimeError, "size is -1"), ((1, 2, 1), IndexError, "Dimension")],
)  # fmt: skip
def test_unfold_errors_match_torch(args, exception, message):
    with pytest.raises(exception):
        torch.arange(7.0).unfold(*args)
    with pytest.raises(exception, match=message):
        minigrad.arange(7.0).unfold(*args)


# ------------------------------------------------------------------------------------------- sum_to_size
@pytest.mark.parametrize("dtype, tol", DTYPES)
@pytest.mark.parametrize("shape, size", [((2, 3), (3,)), ((2, 3), (2, 1)), ((4, 1, 3), (1, 1)), ((), ())])
def test_sum_to_size_values_and_gradients_match_torch(shape, size, dtype, tol):
    ours, theirs = _pair(shape, dtype, requires_grad=True)
    out, ref = ours.sum_to_size(size), theirs.sum_to_size(size)
    _close(out, ref, tol * 10)
    upstream = np.random.default_rng(1).standard_normal(ref.shape).astype(dtype)
    out.backward(minigrad.from_numpy(upstream.copy()))
    ref.backward(torch.from_numpy(upstream))
    _close(ours.grad, theirs.grad, tol)


def test_sum_to_size_forms_dtypes_and_gradcheck():
    x = minigrad.ones(2, 3, dtype=minigrad.int8)
    assert x.sum_to_size((1, 3)).dtype == minigrad.int64  # integers sum as int64, as torch
    assert x.sum_to_size(2, 3) is x  # already that size: the tensor itself, as torch
    assert torch.tensor(True).sum_to_size(()).dtype == torch.int64  # a 0-d tensor is summed even to its own size
    assert minigrad.tensor(True).sum_to_size(()).dtype == minigrad.int64
    y = minigrad.randn(3, 4, dtype=minigrad.float64, requires_grad=True)
    assert gradcheck(lambda t: t.sum_to_size(1, 4), (y,))
    assert gradgradcheck(lambda t: t.sum_to_size(3, 1) ** 2, (y,))
    for size in ((2,), (1, 2, 3)):
        with pytest.raises(RuntimeError):
            torch.ones(2, 3).sum_to_size(*size)
        with pytest.raises(RuntimeError, match="is not expandable to size"):
            minigrad.ones(2, 3).sum_to_size(*size)


# --------------------------------------------------------------------------------------- swapaxes/swapdims
@pytest.mark.parametrize("name", ["swapaxes", "swapdims"])
def test_swapaxes_and_swapdims_are_transpose(name):
    ours, theirs = _pair((2, 3, 4), np.float64)
    _close(getattr(minigrad, name)(ours, 0, 2), getattr(torch, name)(theirs, 0, 2), 0)
    _close(getattr(ours, name)(-1, 1), getattr(theirs, name)(-1, 1), 0)
    with pytest.raises(IndexError):
        getattr(minigrad, name)(ours, 0, 3)


# ---------------------------------------------------------------------------------- in-place view ops
INPLACE_VIEW_CASES = [
    ("squeeze_", (2, 1, 3, 1), ()),
    ("squeeze_", (2, 1, 3, 1), (1,)),
    ("squeeze_", (2, 1, 3, 1), ((1, 3),)),
    ("unsqueeze_", (2, 3), (1,)),
    ("unsqueeze_", (2, 3), (-1,)),
    ("t_", (2, 3), ()),
    ("t_", (3,), ()),
    ("transpose_", (2, 3, 4), (0, 2)),
    ("swapaxes_", (2, 3, 4), (1, -1)),
    ("swapdims_", (2, 3, 4), (0, 1)),
]


@pytest.mark.parametrize("name, shape, args", INPLACE_VIEW_CASES)
def test_inplace_view_ops_change_shape_version_and_keep_the_graph(name, shape, args):
    ours_leaf, theirs_leaf = _pair(shape, np.float64, requires_grad=True)
    ours, theirs = ours_leaf * 2, theirs_leaf * 2
    assert getattr(ours, name)(*args) is ours
    getattr(theirs, name)(*args)
    _close(ours, theirs, 0)
    assert ours._version == theirs._version
    upstream = np.random.default_rng(2).standard_normal(theirs.shape)
    (ours * minigrad.from_numpy(upstream.copy())).sum().backward()
    (theirs * torch.from_numpy(upstream)).sum().backward()
    _close(ours_leaf.grad, theirs_leaf.grad, 1e-12)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(ours_leaf, name)(*args)
    with minigrad.no_grad():  # as torch: allowed (and unrecorded) under no_grad; the leaf stays a leaf
        getattr(ours_leaf, name)(*args)
    assert ours_leaf.requires_grad and ours_leaf.is_leaf and ours_leaf.shape == ours.shape


def test_inplace_view_op_on_a_view_writes_through_and_shares_the_version_counter():
    base, torch_base = minigrad.arange(6.0).reshape(2, 3), torch.arange(6.0).reshape(2, 3)
    view, torch_view = base[0:1], torch_base[0:1]
    view.squeeze_().mul_(10.0)
    torch_view.squeeze_().mul_(10.0)
    _close(base, torch_base, 0)
    assert (view._version, base._version) == (torch_view._version, torch_base._version)


def test_views_taken_before_an_inplace_view_op_follow_later_writes():
    # y's view v is taken from y's old shape; after y.t_(), an in-place write into y must rebuild v's history
    def run(lib):
        leaf = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=lib.float64, requires_grad=True)
        y = leaf * 1
        v = y[0]
        y.t_()
        y.mul_(y.detach() + 1)
        (v * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
        return y.detach().numpy(), v.detach().numpy(), leaf.grad.numpy()

    for ours, theirs in zip(run(minigrad), run(torch)):
        np.testing.assert_allclose(ours, theirs)


def test_inplace_view_ops_gradcheck():
    x = minigrad.randn(2, 3, dtype=minigrad.float64, requires_grad=True)
    assert gradcheck(lambda t: (t * 1).t_().unsqueeze_(0) * 3, (x,))
    assert gradgradcheck(lambda t: (t * t).transpose_(0, 1).squeeze_(), (x,))


def test_inplace_view_op_errors_match_torch():
    with pytest.raises(RuntimeError):
        torch.ones(2, 3, 4).t_()
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 dimensions"):
        minigrad.ones(2, 3, 4).t_()
    with pytest.raises(IndexError):
        minigrad.ones(2, 3).transpose_(0, 2)


# ---------------------------------------------------------------------------------------------- resize_
@pytest.mark.parametrize("shape, size", [((5, 5, 5), (25, 5)), ((), (1, 1, 1)), ((2, 3), (4,)), ((2, 3), (3, 3))])
def test_resize_keeps_the_flat_prefix_as_torch_and_zeroes_new_elements(shape, size):
    ours, theirs = _pair(shape, np.float32)
    theirs = theirs.clone()  # a from_numpy storage cannot grow
    ours.resize_(size)
    theirs.resize_(size)
    kept = min(int(np.prod(shape)), int(np.prod(size)))
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy().reshape(-1)[:kept], theirs.numpy().reshape(-1)[:kept])
    assert not ours.numpy().reshape(-1)[kept:].any()  # torch leaves these uninitialised; minigrad zeroes them
    assert ours._version == theirs._version == 1


def test_resize_refuses_tensors_that_require_grad_as_torch():
    for lib in (minigrad, torch):
        leaf = lib.ones(2, 3, requires_grad=True)
        for tensor in (leaf, leaf * 1):
            with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
                tensor.resize_(6)


def test_resize_of_a_view_gets_its_own_memory():
    base = minigrad.arange(6.0)
    view = base[0:2]
    view.resize_(4)
    view.fill_(7.0)
    assert view.tolist() == [7.0] * 4 and base.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


# ----------------------------------------------------------------------------------------------- addmm_
def test_addmm_inplace_matches_torch_values_and_gradients():
    (ours_leaf, theirs_leaf), (m1, t1), (m2, t2) = (
        _pair(shape, np.float64, seed, True) for seed, shape in enumerate([(2, 3), (2, 4), (4, 3)])
    )
    ours, theirs = ours_leaf * 1, theirs_leaf * 1
    ours.addmm_(m1, m2, beta=0.5, alpha=2.0)
    theirs.addmm_(t1, t2, beta=0.5, alpha=2.0)
    _close(ours, theirs, 1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    for a, b in ((ours_leaf, theirs_leaf), (m1, t1), (m2, t2)):
        _close(a.grad, b.grad, 1e-12)
    with pytest.raises(RuntimeError):
        torch.ones(1).addmm_(torch.ones(2, 2), torch.ones(2, 3))
    with pytest.raises(RuntimeError):
        minigrad.ones(1).addmm_(minigrad.ones(2, 2), minigrad.ones(2, 3))


# ------------------------------------------------------------------------------------------ multinomial
def test_multinomial_method_is_the_function_and_refuses_integer_weights():
    weights = minigrad.tensor([[0.2, 0.0, 0.8], [0.0, 1.0, 0.0]])
    draw = lambda: weights.multinomial(4, replacement=True, generator=minigrad.Generator(5))  # noqa: E731
    expected = minigrad.multinomial(weights, 4, replacement=True, generator=minigrad.Generator(5))
    assert draw().tolist() == expected.tolist()
    assert draw()[1].tolist() == [1, 1, 1, 1]
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).multinomial(1)
    with pytest.raises(RuntimeError, match="floating-point dtypes"):
        minigrad.tensor([1, 2]).multinomial(1)
