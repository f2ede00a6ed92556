"""The api-shape ops of issue 12 beyond op_db's first-order checks: float64 gradcheck/gradgradcheck, the view
semantics of as_strided/unflatten/ravel (shared memory, version counter, in-place writes through the view), and the
random fills' distributions and generators.

op_db's own inputs (values, first-order gradients, error types) run in tests/test_op_db.py.
"""

import numpy as np
import pytest

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


def _leaf(*shape, seed=0):
    values = np.random.default_rng(seed).standard_normal(shape)
    return minigrad.tensor(values, dtype=minigrad.float64, requires_grad=True)


INDEX = minigrad.tensor([2, 0, 2])
SECOND_ORDER = [
    ("as_strided", lambda x: x.as_strided((3, 3), (1, 1), 1), (_leaf(4, 3),)),  # overlapping windows
    ("as_strided_scatter", lambda x, s: x.as_strided_scatter(s, (2, 2), (3, 1), 1), (_leaf(3, 3), _leaf(2, 2, seed=1))),
    ("select_scatter", lambda x, s: x.select_scatter(s, 1, -1), (_leaf(3, 4), _leaf(3, seed=1))),
    ("slice_scatter", lambda x, s: x.slice_scatter(s, 0, 1, None, 2), (_leaf(5, 2), _leaf(2, 2, seed=1))),
    ("diagonal_scatter", lambda x, s: x.diagonal_scatter(s, 1), (_leaf(3, 4), _leaf(3, seed=1))),
    ("diag_embed", lambda x: x.diag_embed(-1, 0, 2), (_leaf(2, 3),)),
    ("diag", lambda x: x.diag(1), (_leaf(3, 4),)),
    ("diagflat", lambda x: x.diagflat(), (_leaf(2, 2),)),
    ("index_add", lambda x, s: x.index_add(0, INDEX, s, alpha=2), (_leaf(3, 2), _leaf(3, 2, seed=1))),
    ("index_fill", lambda x, v: x.index_fill(1, minigrad.tensor([0]), v), (_leaf(2, 2), _leaf(seed=1))),
    (
        "index_put",
        lambda x, v: x.index_put((INDEX,), v, accumulate=True),
        (_leaf(3, 2), _leaf(3, 2, seed=1)),
    ),
    (
        "masked_scatter",
        lambda x, s: x.masked_scatter(minigrad.tensor([[True, False], [True, True]]), s),
        (_leaf(2, 2), _leaf(4, seed=1)),
    ),
    ("put", lambda x, s: x.put(minigrad.tensor([3, 0]), s, accumulate=True), (_leaf(2, 2), _leaf(2, seed=1))),
    ("take", lambda x: x.take(minigrad.tensor([[0, 5], [5, 1]])), (_leaf(2, 3),)),
    ("rot90", lambda x: x.rot90(3, (1, 2)), (_leaf(2, 3, 4),)),
    ("tile", lambda x: x.tile((2, 1, 2)), (_leaf(2, 3),)),
    ("block_diag", lambda a, b: minigrad.block_diag(a, b), (_leaf(2, 1), _leaf(3, seed=1))),
    ("cartesian_prod", lambda a, b: minigrad.cartesian_prod(a, b), (_leaf(2), _leaf(3, seed=1))),
    ("combinations", lambda x: minigrad.combinations(x, 2, with_replacement=True), (_leaf(3),)),
    ("meshgrid", lambda a, b: minigrad.meshgrid(a, b, indexing="xy"), (_leaf(2), _leaf(3, seed=1))),
    ("tensor_split", lambda x: x.tensor_split([1, 3], 1), (_leaf(2, 4),)),
    ("column_stack", lambda a, b: minigrad.column_stack([a, b]), (_leaf(3), _leaf(3, 2, seed=1))),
    ("unflatten", lambda x: x.unflatten(1, (2, -1)), (_leaf(3, 4),)),
]
REDUCTIONS = ("sum", "mean", "amax", "amin", "prod")


@pytest.mark.parametrize("name, op, inputs", SECOND_ORDER, ids=[case[0] for case in SECOND_ORDER])
def test_gradcheck_and_gradgradcheck(name, op, inputs):
    assert gradcheck(op, inputs)
    assert gradgradcheck(op, inputs)


@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_gradcheck(reduce, include_self):
    x, src = _leaf(3, 2), _leaf(4, 2, seed=1)
    index = minigrad.tensor([[0, 1], [0, 0], [2, 1], [0, 1]])

    def op(x, src):
        return x.scatter_reduce(0, index, src, reduce, include_self=include_self)

    assert gradcheck(op, (x, src))
    if reduce != "prod":  # prod's backward weighs g by constants: its second derivative is not recorded
        assert gradgradcheck(op, (x, src))


@pytest.mark.parametrize(
    "method, values, index, source, args",
    [  # zeros in a product (the gradient is the product of the others), ties of a maximum (they share g)
        ("scatter_reduce", [[0.0, 2.0], [3.0, 0.0], [0.0, 5.0]], [[0, 1], [0, 1]], [[4.0, 0.0], [0.0, 7.0]], ("prod",)),
        ("index_reduce", [1.0, 3.0], [1, 1, 0], [3.0, 3.0, 0.0], ("amax",)),
    ],
)
def test_reduction_gradients_at_zeros_and_ties_match_torch(method, values, index, source, args):
    grads = []
    for lib in (minigrad, torch):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        src = lib.tensor(source, dtype=lib.float64, requires_grad=True)
        getattr(x, method)(0, lib.tensor(index), src, *args).sum().backward()
        grads.append((x.grad.numpy(), src.grad.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0])
    np.testing.assert_allclose(grads[0][1], grads[1][1])


# ------------------------------------------------------------------------------------------ views
def test_as_strided_is_a_view_of_the_base():
    base = minigrad.arange(12.0)
    window = base[2:].as_strided((2, 3), (3, 1))  # storage offset defaults to the view's own: 2
    assert window._base is base and window.tolist() == [[2.0, 3.0, 4.0], [5.0, 6.0, 7.0]]
    window[1, 0] = -1.0
    assert base[5].item() == -1.0
    assert base._version == window._version == 1


def test_in_place_through_as_strided_matches_torch():
    values = np.arange(6.0)
    results = []
    for lib in (minigrad, torch):
        leaf = lib.tensor(values, requires_grad=True)
        base = leaf * 1
        window = base.as_strided((2, 2), (2, 1), 1)
        window.mul_(lib.tensor([[2.0, 3.0], [4.0, 5.0]], dtype=lib.float64))
        (base * lib.arange(6.0, dtype=lib.float64)).sum().backward()
        results.append((base.detach().numpy().copy(), leaf.grad.numpy().copy()))
    np.testing.assert_allclose(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1])


def test_overlapping_as_strided_refuses_in_place_writes():
    window = minigrad.zeros(4).as_strided((2, 2), (1, 1))
    with pytest.raises(RuntimeError, match="more than one element"):
        window.add_(1)


def test_unflatten_and_ravel_are_views_when_contiguous():
    x = minigrad.zeros(2, 6)
    assert x.unflatten(1, (2, 3))._base is x and x.ravel()._base is x
    assert x.t().ravel()._base is None  # a transpose flattens by copying, as torch's reshape
    x.ravel()[3] = 7.0
    assert x[0, 3].item() == 7.0 and x._version == 1


def test_split_pieces_write_through():
    x = minigrad.zeros(6)
    pieces = x.tensor_split(3)
    pieces[1].fill_(1.0)
    assert x.tolist() == [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]


# ------------------------------------------------------------------------------------- random fills
@pytest.mark.parametrize(
    "fill, args, mean",
    [
        ("exponential_", (2.0,), 0.5),
        ("geometric_", (0.25,), 4.0),
        ("log_normal_", (0.0, 0.5), float(np.exp(0.125))),
        ("normal_", (3.0, 0.5), 3.0),
        ("uniform_", (-1.0, 3.0), 1.0),
    ],
)
def test_random_fills_have_the_distribution_mean(fill, args, mean):
    draws = getattr(minigrad.empty(20000, dtype=minigrad.float64), fill)(*args)
    assert abs(draws.mean().item() - mean) < 0.05 * max(mean, 1.0)


def test_random_fills_follow_their_generator():
    first = minigrad.empty(5).cauchy_(generator=minigrad.Generator(3))
    again = minigrad.empty(5).cauchy_(generator=minigrad.Generator(3))
    assert first.tolist() == again.tolist()
    assert minigrad.normal(0.0, 1.0, (3,), generator=minigrad.Generator(1)).tolist() == (
        minigrad.normal(0.0, 1.0, (3,), generator=minigrad.Generator(1)).tolist()
    )


def test_normal_and_bernoulli_give_zero_gradients_as_torch():
    mean = minigrad.zeros(3, requires_grad=True)
    minigrad.normal(mean, 2.0).sum().backward()
    assert mean.grad.tolist() == [0.0, 0.0, 0.0]
    p = minigrad.full((3,), 0.5, requires_grad=True)
    minigrad.bernoulli(p).sum().backward()
    assert p.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: minigrad.empty(2).exponential_(0.0), RuntimeError),
        (lambda: minigrad.empty(2).geometric_(1.5), RuntimeError),
        (lambda: minigrad.empty(2).cauchy_(0.0, -1.0), RuntimeError),
        (lambda: minigrad.empty(2).log_normal_(0.0, 0.0), RuntimeError),
        (lambda: minigrad.normal(minigrad.zeros(2), minigrad.tensor([-1.0, 1.0])), RuntimeError),
        (lambda: minigrad.zeros(2, requires_grad=True).resize_as_(minigrad.zeros(3)), RuntimeError),
        (lambda: minigrad.arange(4.0).as_strided((3,), (2,)), RuntimeError),
        (lambda: minigrad.zeros(3).index_add(0, minigrad.tensor([0]), minigrad.ones(2)), RuntimeError),
        (lambda: minigrad.zeros(3).take(minigrad.tensor([3])), IndexError),
        (lambda: minigrad.zeros(3).scatter_reduce(0, minigrad.tensor([0]), minigrad.ones(1), "max"), RuntimeError),
    ],
)
def test_bad_arguments_raise_torchs_exception_types(call, error):
    with pytest.raises(error):
        call()


def test_resize_as_keeps_the_leading_values():
    x = minigrad.arange(6)
    assert x.resize_as_(minigrad.zeros(2, 2)).tolist() == [[0, 1], [2, 3]]
