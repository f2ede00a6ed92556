"""The pointwise ops of issue 12 (``ops/logic.py``, ``ops/pointwise.py``, the aliases and in-place forms bound in
``ops/methods.py``) where op_db's samples do not reach: gradcheck/gradgradcheck in float64, the edges torch defines
(shifts past the width, nan in fmax/heaviside, -0.0), in-place dtype rules, operators and error types. op_db's own
samples run in test_op_db.py."""

import numpy as np
import pytest

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

# (name, fn(lib, *tensors), shapes, low, high): smooth where the inputs are drawn
DIFFERENTIABLE = [
    ("hypot", lambda lib, a, b: lib.hypot(a, b), ((3, 4), (4,)), 0.5, 2.0),
    ("logaddexp", lambda lib, a, b: lib.logaddexp(a, b), ((3, 4), (3, 1)), -3.0, 3.0),
    ("logaddexp2", lambda lib, a, b: a.logaddexp2(b), ((2, 3), (3,)), -3.0, 3.0),
    ("copysign", lambda lib, a, b: lib.copysign(a, b), ((3, 4), (4,)), 0.5, 2.0),
    ("copysign_scalar", lambda lib, a: lib.copysign(a, -1.0), ((5,),), 0.5, 2.0),
    ("fmax", lambda lib, a, b: lib.fmax(a, b), ((3, 4), (4,)), -2.0, 2.0),
    ("fmin", lambda lib, a, b: lib.fmin(a, b), ((3, 4), (3, 1)), -2.0, 2.0),
    ("ldexp", lambda lib, a, b: lib.ldexp(a, b), ((3, 4), (4,)), -2.0, 2.0),
    ("float_power", lambda lib, a, b: lib.float_power(a, b), ((3, 4), (4,)), 0.5, 2.0),
    ("float_power_scalar", lambda lib, a: lib.float_power(a, 2.5), ((4,),), 0.5, 2.0),
    ("frexp", lambda lib, a: lib.frexp(a).mantissa * 3, ((3, 4),), -5.0, 5.0),
    ("deg2rad", lambda lib, a: lib.deg2rad(a) ** 2, ((3,),), -2.0, 2.0),
    ("rad2deg", lambda lib, a: a.rad2deg() ** 2, ((3,),), -2.0, 2.0),
    ("reciprocal", lambda lib, a: lib.reciprocal(a), ((3, 4),), 0.5, 2.0),
    ("rsub", lambda lib, a, b: lib.rsub(a, b, alpha=2.5), ((3, 4), (4,)), -2.0, 2.0),
    ("nan_to_num", lambda lib, a: lib.nan_to_num(a.log(), nan=1.5) ** 2, ((3, 4),), -2.0, 2.0),
    ("fill", lambda lib, a, v: lib.fill(a, v) * a, ((3, 4), ()), -2.0, 2.0),
    ("renorm", lambda lib, a: lib.renorm(a, 2, 1, 1.5), ((3, 4, 2),), -2.0, 2.0),
    ("renorm_p1", lambda lib, a: a.renorm(1, 0, 2.0) ** 2, ((3, 4),), 0.2, 2.0),
]


def _inputs(shapes, low, high, dtype, seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(low, high, shape).astype(dtype) for shape in shapes]


@pytest.mark.parametrize("name, fn, shapes, low, high", DIFFERENTIABLE, ids=[c[0] for c in DIFFERENTIABLE])
def test_gradcheck_and_gradgradcheck_float64(name, fn, shapes, low, high):
    inputs = [minigrad.tensor(a, requires_grad=True) for a in _inputs(shapes, low, high, np.float64, 0)]
    assert gradcheck(lambda *xs: fn(minigrad, *xs), tuple(inputs))
    assert gradgradcheck(lambda *xs: fn(minigrad, *xs), tuple(inputs))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, fn, shapes, low, high", DIFFERENTIABLE, ids=[c[0] for c in DIFFERENTIABLE])
def test_values_and_gradients_match_torch(name, fn, shapes, low, high, dtype):
    arrays = _inputs(shapes, low, high, dtype, 1)
    ours = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out_ours, out_theirs = fn(minigrad, *ours), fn(torch, *theirs)
    assert out_ours.dtype.name == str(out_theirs.dtype).removeprefix("torch.")
    rtol = 1e-5 if dtype == np.float32 else 1e-7
    np.testing.assert_allclose(out_ours._data, out_theirs.detach().numpy(), rtol=rtol, atol=rtol)
    upstream = np.random.default_rng(2).standard_normal(out_theirs.shape)
    got = minigrad.autograd.grad(
        [out_ours], ours, [minigrad.tensor(upstream.astype(out_ours._data.dtype))], allow_unused=True
    )
    expected = torch.autograd.grad(
        [out_theirs], theirs, [torch.tensor(upstream, dtype=out_theirs.dtype)], allow_unused=True
    )
    for g, e, x in zip(got, expected, arrays):  # None: a zero gradient (copysign's sign operand)
        g, e = (np.zeros_like(x) if v is None else v for v in (g, e))
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=10 * rtol, atol=10 * rtol)


def _same(ours, theirs):
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours._data, theirs.numpy())


INF, NAN = float("inf"), float("nan")
EDGE_CASES = {  # name: fn(lib) -> tensor, compared exactly (values and dtype)
    "left_shift_past_width": lambda lib: lib.bitwise_left_shift(lib.tensor([1, -3, 5]), lib.tensor([-1, 64, 70])),
    "right_shift_past_width": lambda lib: lib.tensor([-8, 8, -1]) >> lib.tensor([64, 99, -2]),
    "int8_shifts": lambda lib: lib.tensor([-8, 100, 3], dtype=lib.int8) << lib.tensor([7, 1, 8], dtype=lib.int8),
    "uint8_right_shift": lambda lib: lib.tensor([200, 3], dtype=lib.uint8) >> 9,
    "scalar_shifted": lambda lib: 3 << lib.tensor([1, 2]),
    "reflected_and": lambda lib: 6 & lib.tensor([3, 12]),
    "bool_xor_int": lambda lib: lib.bitwise_xor(lib.tensor([True, False]), lib.tensor([3, 3], dtype=lib.int16)),
    "bitwise_not_bool": lambda lib: lib.bitwise_not(lib.tensor([True, False])),
    "gcd_negative": lambda lib: lib.gcd(lib.tensor([-12, 0, 0, 7]), lib.tensor([18, 0, -5, 0])),
    "lcm_negative": lambda lib: lib.lcm(lib.tensor([-4, 0, 6]), lib.tensor([6, 3, -9])),
    "heaviside_nan": lambda lib: lib.heaviside(lib.tensor([NAN, 0.0, -INF, INF]), lib.tensor([0.25])),
    "heaviside_int": lambda lib: lib.heaviside(lib.tensor([-2, 0, 3]), lib.tensor(7)),
    "signbit_zeros": lambda lib: lib.signbit(lib.tensor([-0.0, 0.0, -INF, NAN])),
    "signbit_bool": lambda lib: lib.signbit(lib.tensor([True, False])),
    "isin_invert": lambda lib: lib.isin(lib.tensor([[1, 2], [3, 4]]), lib.tensor([2, 3]), invert=True),
    "isin_scalar": lambda lib: lib.isin(2, lib.tensor([1, 2])),
    "isin_promotes": lambda lib: lib.isin(lib.tensor([1, 2]), lib.tensor([2.0, 2.5])),
    "isposinf_int": lambda lib: lib.isposinf(lib.tensor([1, 2])),
    "isneginf": lambda lib: lib.isneginf(lib.tensor([-INF, INF, NAN])),
    "nan_to_num_defaults_f16": lambda lib: lib.nan_to_num(lib.tensor([NAN, INF, -INF], dtype=lib.float16)),
    "nan_to_num_defaults_f32": lambda lib: lib.nan_to_num(lib.tensor([NAN, INF, -INF])),
    "nan_to_num_int": lambda lib: lib.nan_to_num(lib.tensor([1, 2]), nan=3.0),
    "fmax_nan": lambda lib: lib.fmax(lib.tensor([NAN, NAN, 1.0]), lib.tensor([NAN, 2.0, NAN])),
    "fmin_int": lambda lib: lib.fmin(lib.tensor([1, 5]), lib.tensor([3, 2], dtype=lib.int8)),
    "copysign_int": lambda lib: lib.copysign(lib.tensor([1, -2]), lib.tensor([-0.0, 1.0])),
    "copysign_negative_zero": lambda lib: lib.copysign(lib.tensor([0.0, 2.0]), -0.0),
    "frexp_edges": lambda lib: lib.frexp(lib.tensor([0.0, INF, NAN, -3.0, 1e-40])).exponent,
    "ldexp_int": lambda lib: lib.ldexp(lib.tensor([1, 2]), lib.tensor([2, -1])),
    "float_power_scalar_base": lambda lib: lib.float_power(2, lib.tensor([1, -1])),
    "deg2rad_bool": lambda lib: lib.deg2rad(lib.tensor([True, False])),
    "reciprocal_int": lambda lib: lib.reciprocal(lib.tensor([0, 2])),
    "sgn_bool": lambda lib: lib.sgn(lib.tensor([True, False])),
    "rsub_int": lambda lib: lib.rsub(lib.tensor([1, 2]), 10, alpha=3),
    "fill_int_with_float": lambda lib: lib.fill(lib.tensor([1, 2]), 2.7),
    "eq_in_place": lambda lib: lib.tensor([1.0, 2.0, 3.0]).eq_(2),
    "greater_equal_in_place": lambda lib: lib.tensor([1, 2, 3]).greater_equal_(lib.tensor([2])),
    "logical_xor_in_place": lambda lib: lib.tensor([0.0, 2.0]).logical_xor_(lib.tensor([1, 1])),
    "bitwise_and_in_place": lambda lib: lib.tensor([1, 2, 3]).bitwise_and_(lib.tensor([True])),
    "ilshift": lambda lib: _augmented(lib.tensor([1, 2]), "<<=", 3),
    "ixor": lambda lib: _augmented(lib.tensor([5, 6]), "^=", lib.tensor([1, 1])),
    "arccos_in_place": lambda lib: lib.tensor([0.5, -1.0]).arccos_(),
    "fix": lambda lib: lib.tensor([1.7, -1.7]).fix(),
    "true_divide_in_place": lambda lib: lib.tensor([3.0, 1.0]).true_divide_(2),
    "xlogy_method": lambda lib: lib.tensor([0.0, 2.0]).xlogy(lib.tensor([0.0, 3.0])),
    "float_power_in_place": lambda lib: lib.tensor([2.0, 3.0], dtype=lib.float64).float_power_(2),
    "zero_function": lambda lib: lib.zero_(lib.tensor([1, 2])),
}


def _augmented(tensor, operator, other):
    namespace = {"t": tensor, "o": other}
    exec(f"t {operator} o", namespace)
    return namespace["t"]


@pytest.mark.parametrize("name", list(EDGE_CASES))
def test_edge_values_match_torch(name):
    _same(EDGE_CASES[name](minigrad), EDGE_CASES[name](torch))


def test_in_place_keeps_the_history():
    x = minigrad.tensor([1.0, -2.0, 3.0], requires_grad=True)
    t = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    for lib, leaf in ((minigrad, x), (torch, t)):
        y = leaf * 2
        y.deg2rad_().sin_().hypot_(lib.tensor([1.0, -1.0, 2.0]))  # one result-saving op: it comes last
        y.sum().backward()
    np.testing.assert_allclose(x.grad._data, t.grad.numpy(), rtol=1e-6)


ERRORS = {  # name: (fn(lib), the argument or phrase torch's message names)
    "eq_number_first": (lambda lib: lib.eq(2, lib.tensor([1])), None),
    "logical_and_number": (lambda lib: lib.logical_and(lib.tensor([1]), 2), "other"),
    "compare_broadcast": (lambda lib: lib.lt(lib.ones(3), lib.ones(2)), "size of tensor a"),
    "bitwise_float": (lambda lib: lib.bitwise_or(lib.ones(2), lib.ones(2)), "bitwise_or"),
    "bitwise_not_float": (lambda lib: lib.bitwise_not(lib.ones(2)), "bitwise_not"),
    "shift_float": (lambda lib: lib.ones(2) << 1, None),
    "gcd_float": (lambda lib: lib.gcd(lib.ones(2), lib.ones(2)), "gcd"),
    "gcd_number": (lambda lib: lib.gcd(lib.tensor([4]), 2), "other"),
    "heaviside_dtypes": (lambda lib: lib.heaviside(lib.ones(2), lib.tensor(1.0, dtype=lib.float64)), "dtypes"),
    "hypot_int": (lambda lib: lib.hypot(lib.tensor([1]), lib.tensor([1])), "hypot"),
    "logaddexp_int": (lambda lib: lib.logaddexp(lib.tensor([1]), lib.tensor([1])), "logaddexp"),
    "fmax_number": (lambda lib: lib.fmax(lib.ones(2), 2), "other"),
    "rsub_number_first": (lambda lib: lib.rsub(2, lib.ones(2)), None),
    "frexp_int": (lambda lib: lib.frexp(lib.tensor([1])), "floating-point"),
    "positive_bool": (lambda lib: lib.positive(lib.tensor([True])), "bool"),
    "fill_vector_value": (lambda lib: lib.fill(lib.ones(2), lib.ones(1)), "0-dimension"),
    "renorm_1d": (lambda lib: lib.renorm(lib.ones(3), 2, 0, 1.0), "at least 2 dimensions"),
    "renorm_negative_maxnorm": (lambda lib: lib.renorm(lib.ones(3, 2), 2, 0, -1.0), "maxnorm"),
    "float_power_in_place_float32": (lambda lib: lib.ones(2).float_power_(2), "float_power_"),
    "sin_in_place_int": (lambda lib: lib.tensor([1, 2]).sin_(), "can't be cast"),
    "bool_and_int_in_place": (lambda lib: lib.tensor([True]).bitwise_and_(lib.tensor([3])), "can't be cast"),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name):
    fn, phrase = ERRORS[name]
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(theirs.type) as ours:
        fn(minigrad)
    if phrase:
        assert phrase in str(ours.value)


OUT_CASES = {  # name: (fn(lib, out) -> result, make out(lib))
    "same_shape": (lambda lib, out: lib.hypot(lib.tensor([3.0, 5.0]), lib.tensor([4.0, 12.0]), out=out), "zeros2"),
    "resized_from_empty": (lambda lib, out: lib.logaddexp(lib.zeros(2, 3), lib.ones(3), out=out), "empty"),
    "cast_to_out_dtype": (lambda lib, out: lib.eq(lib.tensor([1, 2]), 2, out=out), "zeros2"),
    "integer_op": (lambda lib, out: lib.gcd(lib.tensor([4, 6]), lib.tensor([6, 9]), out=out), "zeros2_long"),
    "tuple_result": (lambda lib, out: lib.frexp(lib.tensor([8.0, 3.0]), out=out), "frexp_pair"),
}
_OUTS = {
    "zeros2": lambda lib: lib.zeros(2),
    "empty": lambda lib: lib.empty(0),
    "zeros2_long": lambda lib: lib.zeros(2, dtype=lib.int64),
    "frexp_pair": lambda lib: (lib.zeros(2), lib.zeros(2, dtype=lib.int32)),
}


@pytest.mark.parametrize("name", list(OUT_CASES))
def test_out_argument_matches_torch(name):
    fn, make = OUT_CASES[name]
    results = []
    for lib in (minigrad, torch):
        out = _OUTS[make](lib)
        result = fn(lib, out)
        outs, got = (out, result) if isinstance(out, tuple) else ((out,), (result,))
        assert all(r is o for r, o in zip(got, outs))  # out itself comes back
        results.append(outs)
    for ours, theirs in zip(*results):
        _same(ours, theirs)


def test_out_refuses_what_torch_refuses():
    for lib in (minigrad, torch):
        with pytest.raises(RuntimeError, match="can't be cast"):
            lib.hypot(lib.ones(1), lib.ones(1), out=lib.zeros(1, dtype=lib.int64))
        with pytest.raises(RuntimeError, match="automatic differentiation"):
            lib.hypot(lib.ones(1, requires_grad=True), lib.ones(1), out=lib.zeros(1))
        with pytest.warns(UserWarning, match="resized"):
            lib.signbit(lib.ones(2), out=lib.zeros(3, dtype=lib.bool))
