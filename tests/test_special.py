"""``minigrad.special`` against ``torch.special`` where op_db's samples do not reach: the far tails (where erfc
underflows and the Bessel series switch to their asymptotic forms), the domain edges, integer promotion and bad
arguments. op_db's own samples run in test_op_db.py, gradcheck/gradgradcheck in test_ops.py (op_cases.py)."""

import numpy as np
import pytest

import minigrad

torch = pytest.importorskip("torch")

TAILS = [-700.0, -40.0, -26.5, -25.0, -8.0, -1.0, -1e-3, -0.0, 0.0, 1e-3, 0.7, 5.0, 25.0, 26.5, 30.0, 31.0, 40.0]
EDGES = [float("nan"), float("inf"), -float("inf")]


def _pair(values, dtype):
    array = np.array(values, dtype=dtype)
    return minigrad.from_numpy(array.copy()).requires_grad_(), torch.from_numpy(array.copy()).requires_grad_()


def _check(ours, theirs, x, t, rtol):
    np.testing.assert_allclose(ours._data, theirs.detach().numpy(), rtol=rtol, atol=0, equal_nan=True)
    upstream = np.linspace(-1, 1, ours.numel()).reshape(ours.shape).astype(ours._data.dtype)
    (g,) = minigrad.autograd.grad([ours], [x], [minigrad.from_numpy(upstream.copy())])
    (e,) = torch.autograd.grad([theirs], [t], [torch.from_numpy(upstream)])
    # gradients at finite inputs only: at nan torch's i1/i1e give 0.5 (their x == 0 branch) and at -inf log_ndtr
    # nan, where minigrad gives nan and the limit inf
    finite = np.isfinite(x._data)
    np.testing.assert_allclose(g._data[finite], e.numpy()[finite], rtol=rtol, atol=1e-300)


@pytest.mark.parametrize("name", ["ndtr", "log_ndtr", "erfc", "erfcx", "i0e", "i1e"])
def test_tails_and_edges_match_torch(name):
    # float64 only: minigrad computes float32 inputs in float64, torch in float32, which loses up to 2% in the tails
    # (log_ndtr(-700) is -688 in torch's float32); op_db's float32 samples run in test_op_db.py
    values = TAILS + EDGES
    if name == "ndtr":  # torch computes (1 + erf(x/√2))/2, which loses all digits below x ≈ -6 (minigrad uses erfc)
        values = [v for v in values if not v < -6]
    x, t = _pair(values, "float64")
    # 1e-10: torch's log_ndtr gradient at -700 is off by 4e-11 (the true φ/Φ ≈ 700 + 1/700 - 2/700³ is minigrad's)
    _check(getattr(minigrad.special, name)(x), getattr(torch.special, name)(t), x, t, 1e-10)


@pytest.mark.parametrize("name", ["i0", "i1"])
def test_bessel_up_to_overflow(name):
    # no nan: torch's i1 gradient at nan is 0.5 (its x == 0 test), minigrad's nan
    x, t = _pair([v for v in TAILS if abs(v) < 700], "float64")
    _check(getattr(minigrad.special, name)(x), getattr(torch.special, name)(t), x, t, 1e-12)


def test_ndtri_far_tails():
    p = [0.0, 1e-300, 1e-20, 1e-10, 0.02, 0.5, 0.9, 1 - 1e-10, 1.0, -0.1, 1.1, float("nan")]
    x, t = _pair(p, "float64")
    ours, theirs = minigrad.special.ndtri(x), torch.special.ndtri(t)
    np.testing.assert_allclose(ours._data, theirs.detach().numpy(), rtol=1e-13, equal_nan=True)
    # the gradient √(2π) exp(y²/2) is exact from the output; compare where it is finite
    finite = np.isfinite(theirs.detach().numpy()) & (np.abs(theirs.detach().numpy()) < 30)
    (g,) = minigrad.autograd.grad([ours], [x], [minigrad.ones_like(ours)])
    (e,) = torch.autograd.grad([theirs], [t], [torch.ones_like(theirs)])
    np.testing.assert_allclose(g._data[finite], e.numpy()[finite], rtol=1e-12)


def test_entr_and_xlog1py_edges():
    x, t = _pair([-1.0, 0.0, 0.5, 3.0, float("nan"), float("inf")], "float64")
    np.testing.assert_allclose(minigrad.special.entr(x)._data, torch.special.entr(t).detach().numpy(), equal_nan=True)
    a, ta = _pair([0.0, 0.0, 2.0, 2.0, 0.0], "float64")
    b, tb = _pair([-1.0, float("nan"), -1.0, 0.5, 3.0], "float64")
    ours, theirs = minigrad.special.xlog1py(a, b), torch.special.xlog1py(ta, tb)
    np.testing.assert_allclose(ours._data, theirs.detach().numpy(), equal_nan=True)
    grads = minigrad.autograd.grad([ours.sum()], [a, b])
    expected = torch.autograd.grad([theirs.sum()], [ta, tb])
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g._data, e.numpy(), equal_nan=True)


@pytest.mark.parametrize("name", ["ndtr", "ndtri", "log_ndtr", "erfc", "erfcx", "erfinv", "i0", "i0e", "i1", "i1e"])
def test_integers_become_float32(name):
    ints = np.array([0, 1, 2], dtype=np.int64)
    ours = getattr(minigrad.special, name)(minigrad.from_numpy(ints))
    theirs = getattr(torch.special, name)(torch.from_numpy(ints))
    assert ours._data.dtype == np.float32
    np.testing.assert_allclose(ours._data, theirs.numpy(), rtol=1e-6, equal_nan=True)


def test_xlog1py_and_xlogy_promote_like_torch():
    ints = np.array([0, 1, 2], dtype=np.int64)
    for name in ("xlogy", "xlog1py"):
        ours = getattr(minigrad.special, name)(minigrad.from_numpy(ints), 3)
        theirs = getattr(torch.special, name)(torch.from_numpy(ints), 3)
        assert ours._data.dtype == np.float32
        np.testing.assert_allclose(ours._data, theirs.numpy(), rtol=1e-6)


def test_two_numbers_are_rejected():
    with pytest.raises(TypeError, match="input"):
        minigrad.special.xlog1py(2, 3)
    with pytest.raises(TypeError, match="input"):
        torch.special.xlog1py(2, 3)
    with pytest.raises(TypeError, match="other"):
        minigrad.atan2(minigrad.tensor([1.0]), 2.0)


def test_aliases_are_the_same_objects():
    assert minigrad.special.expit is minigrad.sigmoid
    assert minigrad.special.exp2 is minigrad.exp2
    assert minigrad.special.modified_bessel_i0 is minigrad.special.i0
    assert minigrad.erfinv is minigrad.special.erfinv
