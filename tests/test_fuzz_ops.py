"""Fuzzing the main Tensor ops (elementwise, reductions, shape and indexing, matmul) against torch (hypothesis).

The contract is test_fuzz_losses.py's: for random and adversarial inputs (empty and 0-d tensors, nan, ±inf, huge
values, bool and integer dtypes, non-contiguous and read-only arrays, out-of-range dims and indices) each op gives
torch's result (value, dtype, gradient) or raises a clean ValueError / RuntimeError / IndexError / TypeError /
NotImplementedError where torch raises too, and leaves its inputs untouched.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from test_fuzz_losses import ANY_DTYPES, SHAPES, Case, arrays, related_shape, run_case


def op_case(name, call, args, grad=(0,), power=1.0, **options):
    """A Case running ``call(lib, *tensors)`` in both libraries (lib is the minigrad or torch module).

    minigrad computes float-only functions (exp, softmax, var, norm, ...) of integer and bool tensors in float32
    where some of torch's kernels refuse them; that is allowed (``extends_torch``), the reverse is not.
    """
    options["extends_torch"] = options.get("extends_torch", False) or any(a.dtype.kind in "biu" for a in args)
    import minigrad

    try:
        import torch
    except ImportError:
        torch = None
    return Case(
        name,
        list(args),
        grad=grad,
        power=power,
        strict_dtype=True,
        minigrad_fn=lambda *tensors: call(minigrad, *tensors),
        torch_fn=(lambda *tensors: call(torch, *tensors)) if torch else None,
        **options,
    )


def functional(lib):
    return lib.nn.functional


# -------------------------------------------------------------------------------------------- elementwise
UNARY = {
    "exp": lambda lib, x: x.exp(),
    "log": lambda lib, x: x.log(),
    "log1p": lambda lib, x: x.log1p(),
    "expm1": lambda lib, x: x.expm1(),
    "sqrt": lambda lib, x: x.sqrt(),
    "sin": lambda lib, x: x.sin(),
    "cos": lambda lib, x: x.cos(),
    "tanh": lambda lib, x: x.tanh(),
    "sigmoid": lambda lib, x: x.sigmoid(),
    "relu": lambda lib, x: x.relu(),
    "abs": lambda lib, x: x.abs(),
    "neg": lambda lib, x: -x,
    "sign": lambda lib, x: x.sign(),
    "floor": lambda lib, x: x.floor(),
    "ceil": lambda lib, x: x.ceil(),
    "round": lambda lib, x: x.round(),
    "reciprocal": lambda lib, x: x.reciprocal(),
    "square": lambda lib, x: x.square(),
    "clamp": lambda lib, x: x.clamp(-0.5, 0.7),
    "clamp_min": lambda lib, x: x.clamp_min(0.1),
    "isnan": lambda lib, x: x.isnan(),
    "isfinite": lambda lib, x: x.isfinite(),
    "float": lambda lib, x: x.float(),
    "double": lambda lib, x: x.double(),
    "softplus": lambda lib, x: functional(lib).softplus(x, beta=2.0, threshold=3.0),
    "gelu": lambda lib, x: functional(lib).gelu(x),
    "gelu_tanh": lambda lib, x: functional(lib).gelu(x, approximate="tanh"),
    "leaky_relu": lambda lib, x: functional(lib).leaky_relu(x, 0.1),
    "logsigmoid": lambda lib, x: functional(lib).logsigmoid(x),
    "pow_scalar": lambda lib, x: x**3,
    "rpow": lambda lib, x: 2.0**x,
    # (the gradient at -0.0 is an infinity whose sign differs: -0.0 is mapped to 0.0 in the test)
    "pow_half": lambda lib, x: x**0.5,
    "pow_zero": lambda lib, x: x**0,
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_ops(name, data):
    # square of a bool tensor: torch gives int64 (it is pow), minigrad bool (x * x); reported, not fuzzed
    x = data.draw(arrays(dtype=ANY_DTYPES.filter(lambda d: d != np.bool_) if name == "square" else ANY_DTYPES))
    if name == "pow_half":
        x = np.where(x == 0, np.zeros_like(x), x)  # -0.0 becomes 0.0
    if name == "gelu":
        # composite gelu: g·x·φ overflows to inf·0 = nan for x near the float32 maximum (reported)
        x = np.where(np.abs(x) > 1e30, np.zeros_like(x), x)
    run_case(op_case(name, UNARY[name], [x], power=3 if name in ("pow_scalar", "square") else 1))


BINARY = {
    "add": lambda lib, a, b: a + b,
    "sub": lambda lib, a, b: a - b,
    "mul": lambda lib, a, b: a * b,
    "div": lambda lib, a, b: a / b,
    "pow": lambda lib, a, b: a**b,
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "minimum": lambda lib, a, b: lib.minimum(a, b),
    "eq": lambda lib, a, b: a == b,
    "lt": lambda lib, a, b: a < b,
    "ge": lambda lib, a, b: a >= b,
    "where": lambda lib, a, b: lib.where(a > 0, a, b),
}
SCALARS = st.sampled_from([0, 1, -2, 2.5, -0.5, 0.0, True, False, 1e30, math.inf, math.nan])


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_ops(name, data):
    a = data.draw(arrays())
    if data.draw(st.integers(0, 4)) == 0:  # tensor with a Python scalar, on either side
        # (not x ** False: torch's gradient there is an artefact, nan at x = 0)
        scalars = SCALARS.filter(lambda v: not isinstance(v, bool)) if name == "pow" else SCALARS
        if a.dtype == np.float16:  # (a scalar beyond float16's range: torch's conversions of it differ by op)
            scalars = scalars.filter(lambda v: not abs(v) > np.finfo(np.float16).max)
        scalar = data.draw(scalars)
        call = BINARY[name]
        as_tensor = name in ("maximum", "minimum", "where")  # torch takes only tensors there
        # (minigrad may compute with a scalar torch refuses to convert, e.g. 1e30 for a float16 tensor)

        def operand(lib):
            return lib.tensor(scalar) if as_tensor else scalar

        if data.draw(st.booleans()):
            case = op_case(
                f"{name}(x, {scalar!r})", lambda lib, x: call(lib, x, operand(lib)), [a], power=2, extends_torch=True
            )
        else:
            # torch divides a scalar by x as scalar * (1 / x): where 1 / x overflows (x subnormal) its answer is
            # an artefact (0 / 5e-324 is nan in torch, 0 in minigrad)
            reciprocal_overflows = (
                name == "div"
                and a.dtype.kind == "f"
                and bool(((a != 0) & (np.abs(a) < 1 / np.finfo(a.dtype).max)).any())
            )
            case = op_case(
                f"{name}({scalar!r}, x)",
                lambda lib, x: call(lib, operand(lib), x),
                [a],
                power=2,
                extends_torch=True,
                compare=not reciprocal_overflows,
            )
    else:
        b = a if data.draw(st.integers(0, 9)) == 0 else data.draw(arrays(data.draw(related_shape(a.shape))))
        case = op_case(name, BINARY[name], [a, b], grad=(0, 1), power=2)
    run_case(case)


# ------------------------------------------------------------------------------------------------ matmul
@given(data=st.data())
def test_matmul(data):
    shape = data.draw(st.sampled_from([(), (0,), (3,), (2, 3), (0, 3), (2, 0), (2, 2, 3), (1, 2, 3)]))
    other = data.draw(st.sampled_from([(), (3,), (0,), (3, 2), (3, 0), (0, 2), (2, 3, 2), (2, 2), (4,)]))
    dtype = data.draw(st.sampled_from([np.dtype(np.float32), np.dtype(np.float64)]) | ANY_DTYPES)
    a, b = data.draw(arrays(shape, dtype)), data.draw(arrays(other, dtype if data.draw(st.booleans()) else ANY_DTYPES))
    # mixed float dtypes are promoted by minigrad, refused by torch
    run_case(op_case("matmul", lambda lib, x, y: x @ y, [a, b], grad=(0, 1), power=2, extends_torch=a.dtype != b.dtype))


# -------------------------------------------------------------------------------------------- reductions
# Not dim=(): torch reduces over every dim there (sum, mean, var, std, norm), minigrad over none (reported).
DIMS = st.one_of(st.none(), st.integers(-4, 3), st.tuples(st.integers(-3, 3), st.integers(-3, 3)))
REDUCTIONS = {
    "sum": lambda lib, x, dim, keepdim: x.sum() if dim is None else x.sum(dim, keepdim=keepdim),
    "mean": lambda lib, x, dim, keepdim: x.mean() if dim is None else x.mean(dim, keepdim=keepdim),
    "amax": lambda lib, x, dim, keepdim: x.amax() if dim is None else x.amax(dim, keepdim=keepdim),
    "max_dim": lambda lib, x, dim, keepdim: x.max() if dim is None else x.max(dim, keepdim=keepdim)[0],
    "max_dim_indices": lambda lib, x, dim, keepdim: x.argmax() if dim is None else x.max(dim, keepdim=keepdim)[1],
    "min_dim": lambda lib, x, dim, keepdim: x.min() if dim is None else x.min(dim, keepdim=keepdim)[0],
    "argmin": lambda lib, x, dim, keepdim: x.argmin() if dim is None else x.argmin(dim, keepdim=keepdim),
    "var": lambda lib, x, dim, keepdim: x.var() if dim is None else x.var(dim, keepdim=keepdim),
    "std_biased": lambda lib, x, dim, keepdim: x.std(dim, unbiased=False, keepdim=keepdim),
    "logsumexp": lambda lib, x, dim, keepdim: lib.logsumexp(
        x, tuple(range(x.ndim)) if dim is None else dim, keepdim=keepdim
    ),
    "softmax": lambda lib, x, dim, keepdim: lib.softmax(x, 0 if dim is None else dim),
    "log_softmax": lambda lib, x, dim, keepdim: lib.log_softmax(x, 0 if dim is None else dim),
    "norm2": lambda lib, x, dim, keepdim: x.norm(2, dim, keepdim),
    "norm1": lambda lib, x, dim, keepdim: x.norm(1, dim, keepdim),
    "norm_inf": lambda lib, x, dim, keepdim: x.norm(math.inf, dim, keepdim),
    "norm_half": lambda lib, x, dim, keepdim: x.norm(0.5, dim, keepdim),
    "all": lambda lib, x, dim, keepdim: x.all() if dim is None else x.all(dim, keepdim=keepdim),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(data=st.data())
def test_reductions(name, data):
    x = data.draw(arrays())
    if name.startswith(("norm", "std", "var")) and x.dtype.kind == "f":
        # Squares (and p-th powers) of |x| < 1e-18 underflow in float32: minigrad loses such components where torch
        # accumulates in double (reported), and for p < 1 minigrad's (|x|/‖x‖)^(p-1) is then inf where torch's
        # |x|^(p-1)/‖x‖^(p-1) is ~1e160.
        x = np.where(np.abs(x) < 1e-18, 0, x).astype(x.dtype)
    dim, keepdim = data.draw(DIMS), data.draw(st.booleans())
    if name in ("softmax", "log_softmax", "max_dim", "max_dim_indices", "min_dim", "argmin", "all") and isinstance(
        dim, tuple
    ):
        dim = dim[0] if dim else None  # these take one dim
    call = REDUCTIONS[name]
    run_case(
        op_case(
            f"{name}(dim={dim!r}, keepdim={keepdim})",
            lambda lib, t: call(lib, t, dim, keepdim),
            [x],
            power=2 if name == "var" else 1,  # (an error scales with the values' square)
            compare_grads=not (name == "std_biased" and nearly_constant(x, dim)),
        )
    )


def nearly_constant(x, dim):
    """Some reduced slice's values agree to ~1e-3 of their size: the standard deviation is then rounding noise
    (torch's float32 mean is off by an ulp where minigrad's is exact, or the reverse), and its gradient, which is
    ~1/std, is noise too."""
    if x.dtype.kind != "f" or x.size == 0:
        return False
    try:
        spread = np.ptp(x.astype(np.float64), axis=dim)
    except (ValueError, TypeError):  # (AxisError is a ValueError)
        return False  # an invalid dim: both raise
    return bool((np.asarray(spread) <= 1e-3 * (1 + np.abs(x.astype(np.float64)).max())).any())


# ------------------------------------------------------------------------------------- shape and indexing
@st.composite
def shape_case(draw):
    x = draw(arrays())
    ndim, size = x.ndim, x.size
    kind = draw(
        st.sampled_from(
            [
                "reshape",
                "transpose",
                "permute",
                "squeeze",
                "unsqueeze",
                "expand",
                "flatten",
                "T",
                "cat",
                "stack",
                "gather",
                "index",
                "masked_fill",
                "contiguous",
            ]
        )
    )
    dim = draw(st.integers(-ndim - 2, ndim + 1))
    if kind == "reshape":
        target = list(draw(SHAPES))
        if target and draw(st.booleans()):
            target[draw(st.integers(0, len(target) - 1))] = -1
        if draw(st.integers(0, 2)) == 0:
            target = [size]
        return op_case(f"reshape{tuple(target)}", lambda lib, t: t.reshape(tuple(target)) * 1, [x])
    if kind == "transpose":
        other = draw(st.integers(-ndim - 1, ndim))
        return op_case(f"transpose({dim}, {other})", lambda lib, t: t.transpose(dim, other) * 1, [x])
    if kind == "permute":
        valid = draw(st.integers(0, 3)) > 0
        order = draw(st.permutations(range(ndim)) if valid else st.lists(st.integers(-3, 3), max_size=4))
        return op_case(f"permute{tuple(order)}", lambda lib, t: t.permute(tuple(order)) * 1, [x])
    if kind == "squeeze":
        return op_case(f"squeeze({dim})", lambda lib, t: t.squeeze(dim) * 1, [x])
    if kind == "unsqueeze":
        return op_case(f"unsqueeze({dim})", lambda lib, t: t.unsqueeze(dim) * 1, [x])
    if kind == "expand":
        sizes = list(draw(related_shape(x.shape)))
        sizes = [draw(st.sampled_from([2, -1, n])) for n in sizes]
        if draw(st.booleans()):
            sizes = [draw(st.integers(1, 3))] + sizes
        return op_case(f"expand{tuple(sizes)}", lambda lib, t: t.expand(tuple(sizes)) * 1, [x])
    if kind == "flatten":
        end = draw(st.integers(-ndim - 1, ndim))
        return op_case(f"flatten({dim}, {end})", lambda lib, t: t.flatten(dim, end) * 1, [x])
    if kind == "T":
        return op_case(kind, lambda lib, t: t.T * 1, [x])
    if kind == "contiguous":
        return op_case(kind, lambda lib, t: t.contiguous() * 1, [x])
    if kind in ("cat", "stack"):
        y = draw(arrays(draw(related_shape(x.shape)), x.dtype if draw(st.booleans()) else ANY_DTYPES))
        return op_case(f"{kind}(dim={dim})", lambda lib, a, b: getattr(lib, kind)([a, b], dim) * 1, [x, y], grad=(0, 1))
    if kind == "gather":
        index_shape = tuple(draw(st.integers(0, 3)) for _ in range(ndim))
        high = x.shape[dim] if -ndim <= dim < ndim else 2
        index = draw(arrays(index_shape, np.dtype(np.int64), layout="contiguous")) % max(high + 1, 1)
        return op_case(f"gather({dim})", lambda lib, t, i: t.gather(dim, i) * 1, [x, index])
    if kind == "masked_fill":
        mask = draw(arrays(draw(related_shape(x.shape)), np.dtype(np.bool_)))
        value = draw(st.sampled_from([0.5, -1, math.inf, math.nan]))
        return op_case(f"masked_fill(value={value})", lambda lib, t, m: t.masked_fill(m, value), [x, mask])
    key = draw(index_key(x.shape))

    def index(lib, t):
        return t[lib.tensor(key) if isinstance(key, np.ndarray) else key] * 1

    return op_case(f"index[{key!r}]", index, [x])


@st.composite
def index_key(draw, shape):
    """An indexing key: ints (maybe out of range), slices (negative steps are refused by both), integer lists,
    bool masks, None and Ellipsis."""
    parts = []
    for n in shape[: draw(st.integers(0, len(shape) + 1))]:
        kind = draw(st.sampled_from(["int", "slice", "slice", "list", "none", "ellipsis"]))
        if kind == "int":
            parts.append(draw(st.integers(-n - 1, n)))
        elif kind == "slice":
            parts.append(
                slice(
                    draw(st.none() | st.integers(-5, 5)),
                    draw(st.none() | st.integers(-5, 5)),
                    draw(st.none() | st.integers(1, 3)),
                )
            )
        elif kind == "list":
            parts.append(draw(st.lists(st.integers(-n - 1, n), max_size=3)))
        elif kind == "none":
            parts.append(None)
        elif Ellipsis not in parts:
            parts.append(Ellipsis)
    if shape and draw(st.integers(0, 5)) == 0:
        return draw(arrays(shape[:1], np.dtype(np.bool_), layout="contiguous"))
    return tuple(parts) if len(parts) != 1 else parts[0]


@given(data=st.data())
def test_shape_and_indexing_ops(data):
    run_case(data.draw(shape_case()))
