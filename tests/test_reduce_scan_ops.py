"""Scans, order statistics, nan-skipping reductions, differences and integrals: first and second derivatives in
float64 (``gradcheck`` / ``gradgradcheck``), the edge cases op_db's samples do not reach (zeros in ``cumprod``,
nans, ties, q as a tensor) against torch, and torch's exception types on bad arguments.
"""

import numpy as np
import pytest

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


def _leaf(array):
    return minigrad.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def _distinct(shape, seed=0):
    """float64 values far enough apart that a finite-difference step never reorders them."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.prod(shape)).reshape(shape) * 0.37 + rng.uniform(-0.1, 0.1, shape)


# each case: (name, function of the input tensor, input array); all are twice differentiable where torch's are
CASES = [
    ("cumprod", lambda x: minigrad.cumprod(x, 1), np.random.default_rng(1).uniform(0.5, 1.5, (3, 4))),
    ("cumprod-zero", lambda x: minigrad.cumprod(x, 1), [[0.5, 0.0, 1.5, 2.0], [1.2, 0.7, 0.0, 0.0]]),
    ("cummax", lambda x: minigrad.cummax(x, 1).values, _distinct((3, 4))),
    ("cummin", lambda x: minigrad.cummin(x, 0).values, _distinct((3, 4))),
    ("logcumsumexp", lambda x: minigrad.logcumsumexp(x, 1), _distinct((2, 4))),
    ("median", lambda x: minigrad.median(x), _distinct((3, 3))),
    ("median-dim", lambda x: minigrad.median(x, 1).values, _distinct((3, 4))),
    ("nanmedian", lambda x: minigrad.nanmedian(x, 0, keepdim=True).values, _distinct((3, 4))),
    ("mode", lambda x: minigrad.mode(x, 1).values, _distinct((3, 4))),  # (a tie is a kink: no derivative)
    ("quantile", lambda x: minigrad.quantile(x, 0.3, dim=1), _distinct((3, 5))),
    ("nanquantile", lambda x: minigrad.nanquantile(x, 0.7), _distinct((3, 5))),
    ("aminmax", lambda x: minigrad.aminmax(x, dim=1).max, _distinct((3, 4))),
    ("nansum", lambda x: minigrad.nansum(x, 1), _distinct((3, 4))),
    ("nanmean", lambda x: minigrad.nanmean(x), _distinct((3, 4))),
    ("msort", lambda x: minigrad.msort(x), _distinct((4, 2))),
    ("diff", lambda x: minigrad.diff(x, n=2, dim=0), _distinct((5, 3))),
    ("gradient", lambda x: minigrad.gradient(x, spacing=0.5, edge_order=2)[1], _distinct((3, 4))),
    (
        "gradient-coordinates",
        lambda x: minigrad.gradient(x, spacing=[minigrad.tensor([0.0, 0.5, 1.5, 3.0])], dim=1)[0],
        _distinct((3, 4)),
    ),
    (
        "trapezoid",
        lambda x: minigrad.trapezoid(x, minigrad.tensor([0.0, 1.0, 3.0, 3.5], dtype=minigrad.float64)),
        _distinct((2, 4)),
    ),
    ("cumulative_trapezoid", lambda x: minigrad.cumulative_trapezoid(x, dx=0.5), _distinct((2, 4))),
    ("trace", lambda x: minigrad.trace(x), _distinct((3, 4))),
]


@pytest.mark.parametrize("name, function, array", CASES, ids=[c[0] for c in CASES])
def test_gradients_twice(name, function, array):
    x = _leaf(array)
    assert gradcheck(function, (x,))
    assert gradgradcheck(function, (x,))


def test_quantile_gradient_reaches_q():
    x, q = _leaf(_distinct((2, 5))), _leaf([0.3, 0.6])  # (q·4 an integer is a kink)
    assert gradcheck(lambda a, b: minigrad.quantile(a, b, dim=1), (x, q))
    assert gradgradcheck(lambda a, b: minigrad.quantile(a, b, dim=1), (x, q))


def _leaves(result):
    """A result's tensors, nested tuples (histogramdd's edges) flattened."""
    if isinstance(result, (tuple, list)):
        return [leaf for item in result for leaf in _leaves(item)]
    return [result]


def _compare(ours, theirs):
    ours, theirs = _leaves(ours), _leaves(theirs)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o._data, t.detach().numpy(), rtol=1e-6, atol=1e-7, equal_nan=True)
        assert o._data.dtype == t.detach().numpy().dtype


def _both(function, *arrays, grad=True):
    """function(minigrad, *tensors) and function(torch, *tensors), values and gradients of the first input."""
    ours = [minigrad.tensor(a, requires_grad=grad and i == 0) for i, a in enumerate(arrays)]
    theirs = [torch.tensor(a, requires_grad=grad and i == 0) for i, a in enumerate(arrays)]
    got, expected = function(minigrad, *ours), function(torch, *theirs)
    _compare(
        tuple(got) if isinstance(got, tuple) else got, tuple(expected) if isinstance(expected, tuple) else expected
    )
    if grad:
        first = got[0] if isinstance(got, tuple) else got
        reference = expected[0] if isinstance(expected, tuple) else expected
        first.sum().backward()
        reference.sum().backward()
        np.testing.assert_allclose(ours[0].grad._data, theirs[0].grad.numpy(), rtol=1e-6, atol=1e-7)


NAN = float("nan")


@pytest.mark.parametrize(
    "function, array",
    [
        (lambda lib, x: lib.cumprod(x, 0), [2.0, 0.0, 3.0, 0.0, 4.0]),
        (lambda lib, x: lib.cumprod(x, 1), [[0.0, 2.0, 3.0], [1.0, 2.0, 0.0]]),
        (lambda lib, x: lib.cummax(x, 0), [1.0, 3.0, 3.0, NAN, 2.0, 5.0]),
        (lambda lib, x: lib.cummin(x, 0), [4.0, 1.0, 1.0, 2.0, NAN, 0.0]),
        (lambda lib, x: lib.median(x), [1.0, 2.0, 2.0, 2.0, 3.0]),
        (lambda lib, x: lib.median(x, 1), [[1.0, NAN, 2.0, NAN], [3.0, 1.0, 2.0, 0.0]]),
        (lambda lib, x: lib.nanmedian(x, 1), [[NAN, NAN, NAN], [1.0, NAN, 0.0]]),
        (lambda lib, x: lib.nanmedian(x), [NAN, 1.0, 3.0, NAN, 2.0]),
        (lambda lib, x: lib.mode(x, 0), [3.0, 1.0, 3.0, 1.0, 2.0]),
        (lambda lib, x: lib.quantile(x, 0.4, dim=0, keepdim=True, interpolation="nearest"), [[1.0, 2.0], [3.0, 4.0]]),
        (lambda lib, x: lib.quantile(x, 0.5, interpolation="midpoint"), [[1.0, 2.0], [3.0, 7.0]]),
        (lambda lib, x: lib.quantile(x, 0.5, dim=1), [[1.0, NAN, 2.0], [3.0, 1.0, 2.0]]),
        (lambda lib, x: lib.nanquantile(x, 0.5, dim=1), [[1.0, NAN, 2.0], [NAN, NAN, NAN]]),
        (lambda lib, x: lib.aminmax(x), [[3.0, 1.0], [1.0, 3.0]]),
        (lambda lib, x: lib.nansum(x, 0), [[NAN, 1.0], [2.0, NAN]]),
        (lambda lib, x: lib.nanmean(x, 1), [[NAN, 1.0], [NAN, NAN]]),
        (lambda lib, x: lib.logcumsumexp(x, 0), [-np.inf, 0.0, 1000.0, -1000.0]),
        (lambda lib, x: lib.diff(x, prepend=lib.tensor([0.0]), append=lib.tensor([1.0, 2.0])), [1.0, 4.0, 9.0]),
        (lambda lib, x: lib.gradient(x, edge_order=2), [[1.0, 2.0, 4.0], [3.0, 5.0, 9.0], [0.0, 1.0, 1.0]]),
    ],
)
def test_edge_values_and_gradients_match_torch(function, array):
    _both(function, np.asarray(array, dtype=np.float64))


@pytest.mark.parametrize(
    "function, arrays",
    [
        (lambda lib, x: lib.unique(x, return_inverse=True, return_counts=True), ([3.0, NAN, 1.0, NAN, 3.0],)),
        (lambda lib, x: lib.unique(x, dim=1, return_inverse=True, return_counts=True), ([[1, 2, 1], [0, 3, 0]],)),
        (lambda lib, x: lib.unique_consecutive(x, return_inverse=True, return_counts=True), ([1, 1, 2, 2, 1],)),
        (lambda lib, x: lib.unique_consecutive(x, dim=0, return_counts=True), ([[1, 2], [1, 2], [0, 1]],)),
        (lambda lib, s, v: lib.searchsorted(s, v, right=True), ([[1.0, 3.0, 5.0], [0.0, 2.0, 2.0]], [[3.0], [2.0]])),
        (lambda lib, s, v: lib.searchsorted(s, v, side="right", out_int32=True), ([1, 3, 5], [[0, 3], [5, 6]])),
        (lambda lib, v, b: lib.bucketize(v, b, right=True), ([1.0, 3.0, 9.0], [1.0, 3.0, 5.0])),
        (lambda lib, x, w: lib.bincount(x, w, minlength=5), ([0, 2, 2, 3], [0.5, 1.0, 2.0, 0.25])),
        (lambda lib, x: lib.histc(x, bins=4), ([1.0, 2.0, 1.0, 7.0, 0.0],)),
        (lambda lib, x: lib.histogram(x, 3, range=(0.0, 3.0), density=True), ([0.0, 0.5, 1.0, 2.9, 3.0, 4.0],)),
        (lambda lib, x, e: lib.histogram(x, e), ([0.0, 0.5, 1.0, 2.9, 3.0], [0.0, 1.0, 3.0])),
        (lambda lib, x: lib.histogramdd(x, [2, 3]), ([[0.0, 0.0], [1.0, 1.0], [0.5, 0.2]],)),
    ],
)
def test_search_and_histograms_match_torch(function, arrays):
    _both(function, *[np.asarray(a) for a in arrays], grad=False)


def test_in_place_scans():
    x, t = minigrad.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0])
    assert x.cumsum_(0) is x and x.cumprod_(0) is x
    _compare(x, t.cumsum_(0).cumprod_(0))


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda lib: lib.quantile(lib.tensor([1.0, 2.0]), 1.5), RuntimeError, "q"),
        (lambda lib: lib.quantile(lib.tensor([1, 2]), 0.5), RuntimeError, "input"),
        (lambda lib: lib.quantile(lib.tensor([1.0]), 0.5, interpolation="cubic"), RuntimeError, "interpolation"),
        (lambda lib: lib.median(lib.zeros(2, 0), 1), IndexError, "dim"),
        (lambda lib: lib.mode(lib.zeros(2, 0), 1), IndexError, "dim"),
        (lambda lib: lib.aminmax(lib.zeros(0)), RuntimeError, "aminmax"),
        (lambda lib: lib.cummax(lib.zeros(2), 1), IndexError, "Dimension"),
        (lambda lib: lib.nanmean(lib.tensor([1, 2])), RuntimeError, "nanmean"),
        (lambda lib: lib.bincount(lib.tensor([-1, 2])), RuntimeError, "bincount"),
        (lambda lib: lib.bucketize(lib.tensor([1.0]), lib.zeros(2, 2)), RuntimeError, "boundaries"),
        (
            lambda lib: lib.searchsorted(lib.tensor([1.0]), lib.tensor([1.0]), side="left", right=True),
            RuntimeError,
            "side",
        ),
        (lambda lib: lib.diff(lib.tensor([1.0]), n=-1), RuntimeError, "order"),
        (lambda lib: lib.gradient(lib.zeros(3), edge_order=3), RuntimeError, "edge_order"),
        (lambda lib: lib.gradient(lib.zeros(2), edge_order=2), RuntimeError, "edge_order"),
        (lambda lib: lib.trace(lib.zeros(2, 2, 2)), RuntimeError, "matrix"),
        (lambda lib: lib.histc(lib.tensor([1.0]), bins=2, min=3, max=1), RuntimeError, "max"),
    ],
)
def test_errors_match_torch(call, error, words):
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error, match=words):
        call(minigrad)
