"""Fuzzing every loss in ``minigrad.nn.functional`` with random and adversarial inputs (hypothesis).

Each generated case must either

* give PyTorch's result: the same shape, the same dtype when all inputs share one floating dtype, values and
  gradients within float tolerance (spec/losses.md §12 differences respected), or
* raise ValueError / RuntimeError / IndexError / TypeError / NotImplementedError with a message (and raise when
  PyTorch raises, with the same exception type);

and it must leave its input arrays untouched. Inputs reach the losses through ``minigrad.from_numpy``, so
non-contiguous, Fortran-ordered and read-only arrays arrive as they are. Without torch only the
"result or clean exception" and "inputs untouched" parts run.

Profiles (tests/conftest.py): "ci" runs 25 examples per test; ``MINIGRAD_HYPOTHESIS_PROFILE=long`` runs 2000.
The helpers here (``Case``, ``run_case``, the array strategies) are shared with test_fuzz_ops.py.
"""

import math
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
import minigrad.nn.functional as F

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # torch is only the oracle
    torch = TF = None

EXPECTED_ERRORS = (ValueError, RuntimeError, IndexError, TypeError, NotImplementedError)

F16, F32, F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
I32, I64, U8, BOOL = np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.uint8), np.dtype(np.bool_)
RTOL = {F16: 1e-2, F32: 1e-4, F64: 1e-9}

# ------------------------------------------------------------------------------------------------ strategies
SPECIAL = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    1e-8,
    -1e-8,
    1e-30,
    1e-45,
    5e-324,
    88.8,
    -88.8,
    710.0,
    -710.0,
    1e4,
    -1e4,
    1e30,
    -1e30,
    3.4e38,
    -3.4e38,
    1e300,
    -1e300,
    math.inf,
    -math.inf,
    math.nan,
]
PLAIN = st.floats(-8, 8, allow_nan=False, allow_infinity=False, allow_subnormal=False)
VALUES = {
    "plain": PLAIN,
    "unit": st.floats(0, 1, allow_subnormal=False),  # probabilities
    "positive": st.floats(1e-3, 8, allow_subnormal=False),
    "special": st.one_of(PLAIN, PLAIN, st.sampled_from(SPECIAL)),
    "huge": st.one_of(st.floats(-1e4, 1e4, allow_subnormal=False), st.sampled_from([1e4, -1e4, 3e3, -3e3])),
}
FLOAT_DTYPES = st.sampled_from([F32, F32, F64, F64, F16])
ANY_DTYPES = st.sampled_from([F32, F32, F32, F64, F64, F64, F16, I64, I32, BOOL])
LAYOUTS = st.sampled_from(["contiguous", "contiguous", "strided", "fortran", "readonly", "readonly-strided"])
REDUCTIONS = st.sampled_from(["none", "mean", "sum"] * 4 + ["elementwise_mean", "bogus"])
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


def laid_out(array, layout):
    """``array``'s values in the memory layout named ``layout`` (a view that is not C-contiguous, read-only, ...)."""
    if layout in ("strided", "readonly-strided") and array.ndim:
        buffer = np.zeros(array.shape[:-1] + (2 * array.shape[-1] + 1,), array.dtype)
        buffer[..., 1::2] = array
        array = buffer[..., 1::2]
    elif layout == "fortran" and array.ndim > 1:  # (np.asfortranarray makes a 0-d array 1-d)
        array = np.asfortranarray(array)
    else:
        array = array.copy()
    if layout.startswith("readonly"):
        array.flags.writeable = False
    return array


@st.composite
def arrays(draw, shape=SHAPES, dtype=ANY_DTYPES, values="special", layout=LAYOUTS):
    """An ndarray of the drawn shape and dtype: floats from ``VALUES[values]`` (cast, so float32 can overflow to
    inf), small or huge integers, or bools; in the drawn memory layout."""
    shape = draw(shape) if isinstance(shape, st.SearchStrategy) else tuple(shape)
    dtype = np.dtype(draw(dtype) if isinstance(dtype, st.SearchStrategy) else dtype)
    if dtype.kind == "f":
        base = draw(hnp.arrays(F64, shape, elements=VALUES[values]))
        with np.errstate(over="ignore"):
            array = base.astype(dtype)
    elif dtype.kind == "b":
        array = draw(hnp.arrays(BOOL, shape))
    else:
        # large, but products of three still fit (torch computes integer-only arithmetic in integers, and wraps)
        huge = 2 ** (np.iinfo(dtype).bits // 4)
        ints = st.one_of(st.integers(-3, 6), st.sampled_from([-huge, huge, -100]))
        array = draw(hnp.arrays(dtype, shape, elements=ints))
    return laid_out(array, draw(layout) if isinstance(layout, st.SearchStrategy) else layout)


@st.composite
def related_shape(draw, shape):
    """A shape for a second operand: usually ``shape``, else a broadcastable variant, else anything."""
    kind = draw(st.sampled_from(["same"] * 6 + ["broadcast", "broadcast", "other"]))
    if kind == "same":
        return tuple(shape)
    if kind == "other":
        return draw(SHAPES)
    dropped = draw(st.integers(0, len(shape)))
    return tuple(1 if draw(st.booleans()) else n for n in shape[dropped:])


# ------------------------------------------------------------------------------------------------ the harness
@dataclass
class Case:
    """One call ``fn(*args, **kwargs)`` in both libraries. ndarray arguments become tensors (the same array twice
    is the same tensor twice); ``grad`` names (positions or keywords) those that require grad when floating."""

    fn: str
    args: list
    kwargs: dict = field(default_factory=dict)
    grad: tuple = (0,)
    power: float = 1.0  # the loss grows like |input|**power (scales the absolute tolerance)
    safer: bool = False  # spec §12.4: minigrad may be finite where torch overflows
    compare: bool = True  # False where torch's answer is undefined (spec §0.5 garbage, ...)
    minigrad_fn: object = None  # default: minigrad.nn.functional.<fn>
    torch_fn: object = None  # default: torch.nn.functional.<fn>
    torch_if_refused: bool = True  # False: do not hand torch what minigrad refused (it may crash on it)
    extends_torch: bool = False  # minigrad may compute what torch refuses (a spec §12 difference)
    compare_grads: bool = True  # False: run minigrad's backward, but torch's gradient means something else
    strict_dtype: bool = False  # the result dtypes must agree whatever the input dtypes (ops, not losses)
    kinks: object = None  # case -> where the loss bends, as float64 values bending at 0: no
    #                                      gradient contract when one is within rounding of 0 (either side is right)

    def arrays(self):
        return [(i, a) for i, a in enumerate(self.args) if isinstance(a, np.ndarray)] + [
            (k, a) for k, a in self.kwargs.items() if isinstance(a, np.ndarray)
        ]


def _build(case, library):
    """The case's arguments as ``library`` tensors; returns (args, kwargs, {key: leaf that requires grad})."""
    leaves, made = {}, {}

    def convert(key, value):
        if not isinstance(value, np.ndarray):
            return value
        if id(value) in made:  # the same array passed twice is the same tensor twice (aliasing)
            return made[id(value)]
        wants_grad = key in case.grad and value.dtype.kind == "f"
        if library == "torch":
            tensor = torch.tensor(np.array(value), requires_grad=wants_grad)
        else:
            tensor = minigrad.from_numpy(value)
            if wants_grad:
                tensor.requires_grad_(True)
        if wants_grad:
            leaves[key] = tensor
        made[id(value)] = tensor
        return tensor

    args = [convert(i, v) for i, v in enumerate(case.args)]
    kwargs = {k: convert(k, v) for k, v in case.kwargs.items()}
    return args, kwargs, leaves


def _attempt(call):
    """("ok", result) or ("raised", exception); only the expected exception types count as a clean refusal."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            try:
                return "ok", call()
            except EXPECTED_ERRORS as error:
                # (a bounds-checked build, MINIGRAD_BOUNDSCHECK=1, turns a kernel's out-of-bounds access into this)
                assert "Out of bounds on buffer access" not in str(error), f"a kernel indexed out of bounds: {error}"
                return "raised", error


def _no_numpy_error(error):
    """minigrad says what went wrong in torch's words: NumPy's own exceptions (AxisError, UFuncTypeError, ...)
    escaping from it are unchecked input."""
    assert not type(error).__module__.startswith("numpy"), (
        f"NumPy's {type(error).__name__} escaped from minigrad: {error}"
    )


def _run(case, library):
    """Forward and (when something requires grad) backward with a fixed upstream gradient.
    Returns ("ok", value, {key: gradient or None}) or ("raised", exception, None)."""
    if library == "minigrad":
        fn = case.minigrad_fn or getattr(F, case.fn)
    else:
        fn = case.torch_fn or getattr(TF, case.fn)
    args, kwargs, leaves = _build(case, library)
    status, out = _attempt(lambda: fn(*args, **kwargs))
    if status == "raised":
        if library == "minigrad":
            _no_numpy_error(out)
        return status, out, None
    value = out.detach().numpy() if library == "torch" else out._data
    grads = {}
    if leaves and out.requires_grad:
        upstream = np.random.default_rng(0).standard_normal(value.shape).astype(value.dtype)
        seed = torch.tensor(upstream) if library == "torch" else minigrad.tensor(upstream)
        status, error = _attempt(lambda: out.backward(seed))
        if status == "raised":
            if library == "torch":  # torch cannot differentiate what it computed: no gradient to compare with
                return "ok", value, {}
            raise AssertionError(f"minigrad's backward raised {type(error).__name__}: {error}") from error
        for key, leaf in leaves.items():
            grads[key] = None if leaf.grad is None else (leaf.grad.numpy() if library == "torch" else leaf.grad._data)
    return "ok", value, grads


# what torch says where its handling of empty tensors skips or garbles a check (compared with minigrad's refusal
# or result only when some input is empty)
_EMPTY_TENSOR_COMPLAINT = re.compile("not implemented for|expected scalar type|but found|dtype|size mismatch")


def _inputs_magnitude(case):
    finite = [np.abs(a[np.isfinite(a)].astype(np.float64)).max(initial=0.0) for _, a in case.arrays()]
    return max(finite, default=0.0)


def _finite_inputs(case):
    return all(np.isfinite(a).all() for _, a in case.arrays() if a.dtype.kind == "f")


def _assert_close(ours, theirs, rtol, atol, what, safer=False, extreme_inputs=False, precise=None):
    """Elementwise ``|ours - theirs| <= atol + rtol |theirs|``, or the same infinity, or both nan.

    Where they differ, ours is accepted if it matches ``precise()``, torch's result in float64 (torch's float32 or
    float16 overflowed or cancelled where minigrad's double accumulation did not), or, where theirs is not finite,
    if ``safer`` (a numerically safer formula, spec §12.4; ours may then also be the infinity where theirs is
    nan).
    ``extreme_inputs``: the inputs held inf, nan or values whose squares overflow; then which intermediate
    overflows, and whether inf·0 or inf - inf turns up, depends only on how a formula is arranged: ours may be
    anything where theirs is nan, and non-finite where theirs is finite or infinite.
    """
    ours, theirs = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape}, torch {theirs.shape}"

    def close_to(reference):
        with np.errstate(invalid="ignore"):
            within = np.abs(ours - reference) <= atol + rtol * np.abs(reference)
            return np.isfinite(ours) & np.isfinite(reference) & within

    good = (ours == theirs) | (np.isnan(ours) & np.isnan(theirs)) | close_to(theirs)
    if safer:  # finite, or the infinity the true value overflows to where torch's formula gives inf/inf = nan
        good |= ~np.isnan(ours) & ~np.isfinite(theirs)
    if not good.all() and precise is not None:  # torch's float32/float16 overflowed or cancelled, minigrad's not
        reference = np.asarray(precise(), dtype=np.float64)
        good |= close_to(reference) | (ours == reference)
    if extreme_inputs:
        good |= np.isnan(theirs) | ~np.isfinite(ours)
    if not good.all():
        index = tuple(int(i) for i in np.argwhere(~good)[0]) if good.ndim else ()
        raise AssertionError(
            f"{what}: minigrad {ours[index]!r} vs torch {theirs[index]!r} at {index} "
            f"({int((~good).sum())} of {good.size} differ; rtol {rtol:g}, atol {atol:g})"
        )


def _in_float64(case):
    """The case with every floating array in float64 (for torch's precise answer); an array passed twice still
    is one array."""
    converted = {}

    def up(value):
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            return converted.setdefault(id(value), value.astype(F64))
        return value

    return Case(
        **{**case.__dict__, "args": [up(a) for a in case.args], "kwargs": {k: up(v) for k, v in case.kwargs.items()}}
    )


INDEX_TARGET_LOSSES = {"nll_loss", "cross_entropy", "multi_margin_loss", "multilabel_margin_loss", "ctc_loss"}


def run_case(case):
    """Run ``case`` in minigrad (and torch); assert the contract described in the module docstring."""
    note(f"case: {case.fn}(args={case.args!r}, kwargs={case.kwargs!r}, grad={case.grad})")
    before = [(key, array.copy()) for key, array in case.arrays()]
    status, value, grads = _run(case, "minigrad")
    if status == "ok":  # a Tensor's data is always an ndarray (NumPy likes to return scalars for 0-d results)
        assert type(value) is np.ndarray, f"{case.fn} returned a Tensor holding a {type(value).__name__}"
        for key, grad in grads.items():
            assert grad is None or type(grad) is np.ndarray, f"{case.fn}: .grad of {key!r} holds a {type(grad)}"
    for (key, original), (_, array) in zip(before, case.arrays()):
        assert original.tobytes() == np.ascontiguousarray(array).tobytes(), f"{case.fn} modified argument {key!r}"
    if status == "raised":
        assert str(value).strip(), f"{case.fn} raised {type(value).__name__} without a message"
        note(f"minigrad raised {type(value).__name__}: {value}")
    event(f"minigrad {'raised ' + type(value).__name__ if status == 'raised' else 'computed'}")
    if torch is None or not case.compare or (status == "raised" and not case.torch_if_refused):
        return
    torch_status, torch_value, torch_grads = _run(case, "torch")
    if torch_status == "raised" and status == "ok" and case.extends_torch:
        return
    torch_empty = torch_status == "ok" and torch_value.size == 0
    if (
        status != torch_status
        and (torch_empty or any(a.size == 0 for _, a in case.arrays()))
        and (_EMPTY_TENSOR_COMPLAINT.search(str(value if status == "raised" else torch_value)) or torch_empty)
    ):
        # on empty tensors (in or out) torch dispatches no kernel and so skips some dtype, shape and bounds checks
        # (x[:0, [5]] of a (1, 1) tensor is empty in torch, an IndexError in minigrad)
        return
    if status == "raised" or torch_status == "raised":
        # With several things wrong at once the two libraries may complain about different ones first, so only
        # the refusal itself must agree; single-fault messages are pinned down in the per-loss tests.
        def outcome(library_status, result):
            return f"raised {result!r}" if library_status == "raised" else "returned"

        assert status == torch_status, (
            f"{case.fn}: minigrad {outcome(status, value)}, torch {outcome(torch_status, torch_value)}"
        )
        return
    if case.strict_dtype and not (value.size == 0 and torch_value.dtype.kind != "f"):  # (torch: no kernel ran)
        assert value.dtype == torch_value.dtype, f"{case.fn}: dtype {value.dtype}, torch {torch_value.dtype}"
    if torch_value.dtype.kind != "f" and value.dtype.kind == "f":
        return  # integer-only inputs: torch computes in integers, minigrad in float32 (spec §12.5)
    floats = {a.dtype for _, a in case.arrays() if a.dtype.kind == "f"}
    # one floating dtype (besides integer class indices): no promotion question, so the dtypes must agree
    if len(floats) == 1 and (case.fn in INDEX_TARGET_LOSSES or all(a.dtype.kind == "f" for _, a in case.arrays())):
        assert value.dtype == torch_value.dtype, f"{case.fn}: dtype {value.dtype}, torch {torch_value.dtype}"
    # the least precise floating dtype involved sets the tolerance (torch may compute in the input's precision
    # and return the target's dtype)
    # and integer inputs are computed in the default float32
    involved = floats | {value.dtype, torch_value.dtype}
    if any(a.dtype.kind in "biu" for _, a in case.arrays()):
        involved.add(F32)
    rtol = max(RTOL.get(d, RTOL[F32]) for d in involved)
    count = max((a.size for _, a in case.arrays()), default=1)
    magnitude = _inputs_magnitude(case)
    scale = (1.0 + magnitude) ** case.power
    precise_run = []

    def precise(key=None):
        if not precise_run:
            precise_run.append(_run(_in_float64(case), "torch"))
        _, precise_value, precise_grads = precise_run[0]
        return precise_value if key is None else precise_grads.get(key, np.nan)

    narrowest = np.finfo(
        min((d for d in floats | {value.dtype, torch_value.dtype, F32} if d.kind == "f"), key=lambda d: d.itemsize)
    )
    extreme = not _finite_inputs(case) or magnitude > np.sqrt(narrowest.max)
    # values below the narrowest dtype's normal range are flushed or kept depending on where each library converts
    # (e.g. a float64 0-d operand with a float32 tensor), which flips the sign at kinks: no gradient contract there
    underflow = any(((a != 0) & (np.abs(a) < narrowest.tiny)).any() for _, a in case.arrays() if a.dtype.kind == "f")
    _assert_close(value, torch_value, rtol, rtol * scale * count, f"{case.fn} value", case.safer, extreme, precise)
    for key, grad in grads.items():
        if key not in torch_grads or not case.compare_grads:
            continue
        expected = torch_grads[key]
        if expected is None and grad is not None and not grad.any():
            continue  # torch leaves .grad None where nothing flowed back; minigrad stores zeros: same meaning
        if grad is None and expected is not None and expected.size == 0:
            continue  # an empty tensor minigrad left out of the graph: nothing to differentiate either way
        assert (grad is None) == (expected is None), f"{case.fn}: gradient of {key!r} is {grad}, torch {expected}"
        if grad is None:
            continue
        assert grad.shape == expected.shape and grad.dtype == expected.dtype, (
            f"{case.fn}: gradient of {key!r} is {grad.dtype}{grad.shape}, torch {expected.dtype}{expected.shape}"
        )
        if np.isnan(torch_value).any() or underflow:
            continue  # the gradient of an undefined (nan) loss is no contract either
        if case.kinks is not None and (np.abs(case.kinks(case)) <= rtol * scale * count).any():
            continue  # at a kink the two libraries' roundings may fall on different sides
        # with inf/nan inputs torch's nan gradients are artefacts (0 · inf) of its formulas, not a contract
        _assert_close(
            grad,
            expected,
            rtol,
            rtol * scale * count,
            f"{case.fn} gradient of {key!r}",
            case.safer,
            extreme,
            lambda: precise(key),
        )


# ------------------------------------------------------------------------------------ elementwise losses
@st.composite
def elementwise_case(
    draw,
    fn,
    input_values="special",
    target_values="special",
    target_grad=True,
    kwargs=None,
    weight=None,
    power=1.0,
    safer=False,
    reductions=REDUCTIONS,
    extends=None,
    artefact=None,
):
    """``fn(input, target, **kwargs)``: a target of a related shape and dtype (sometimes the input itself),
    ``weight=`` (and other array keywords named in ``weight``) of related shapes, and a reduction. ``artefact(x,
    y)`` says when torch's gradient is an artefact of its arithmetic rather than a contract."""
    shape = draw(SHAPES)
    input_dtype = draw(ANY_DTYPES)
    x = draw(arrays(shape, input_dtype, input_values))
    if draw(st.integers(0, 11)) == 0:
        y = x
    else:
        target_dtype = input_dtype if draw(st.booleans()) else draw(ANY_DTYPES)
        y = draw(arrays(draw(related_shape(shape)), target_dtype, target_values))
    options = dict(draw(kwargs)) if kwargs is not None else {}
    for name in weight or ():
        if draw(st.booleans()):
            options[name] = draw(arrays(draw(related_shape(shape)), draw(FLOAT_DTYPES), "positive"))
    options["reduction"] = draw(reductions)
    grad = (0, 1) if target_grad and draw(st.booleans()) else (0,)
    return Case(
        fn,
        [x, y],
        options,
        grad=grad,
        power=power,
        safer=safer,
        extends_torch=extends is not None and extends(x, y, options),
        compare_grads=artefact is None or not artefact(x, y),
    )


ELEMENTWISE = {
    "l1_loss": dict(weight=("weight",)),
    "mse_loss": dict(weight=("weight",), power=2),
    "smooth_l1_loss": dict(
        power=2, kwargs=st.fixed_dictionaries({"beta": st.sampled_from([1.0, 0.5, 2.0, 1e-3, 0.0, -1.0])})
    ),
    # torch's huber result follows the input's dtype, so it refuses an integer input with a float target;
    # minigrad promotes (spec §12.5)
    "huber_loss": dict(
        weight=("weight",),
        power=2,
        kwargs=st.fixed_dictionaries({"delta": st.sampled_from([1.0, 0.5, 2.0, 1e-3, 0.0, -1.0])}),
        extends=lambda x, y, options: x.dtype.kind != "f",
    ),
    "soft_margin_loss": dict(power=1, safer=True),
    # torch divides by max((1 - x) x, 1e-12), and in float16 the 1e-12 rounds to 0: at x = -0.0 the max is -0.0
    # and the gradient's infinity takes the wrong sign
    "binary_cross_entropy": dict(
        input_values="unit",
        target_values="unit",
        weight=("weight",),
        artefact=lambda x, y: np.result_type(x, y) == F16 and (np.signbit(x) & (x == 0)).any(),
    ),
    # torch's result takes the target's dtype, so it refuses integer and bool targets; minigrad promotes (§12.5)
    "binary_cross_entropy_with_logits": dict(
        target_values="unit",
        weight=("weight", "pos_weight"),
        safer=True,
        extends=lambda x, y, options: y.dtype.kind != "f",
    ),
    "kl_div": dict(
        reductions=st.sampled_from(["none", "mean", "sum", "batchmean", "bogus"]),
        kwargs=st.fixed_dictionaries({"log_target": st.booleans()}),
        power=2,
    ),
    "poisson_nll_loss": dict(
        kwargs=st.fixed_dictionaries(
            {"log_input": st.booleans(), "full": st.booleans(), "eps": st.sampled_from([1e-8, 0.0, 0.5])}
        ),
        power=2,
    ),
    # minigrad's margin kernels compute bool and integer inputs in float32 (spec §12.5); torch refuses bool
    # arithmetic and an integer 'mean'
    "hinge_embedding_loss": dict(
        target_grad=False,
        kwargs=st.fixed_dictionaries({"margin": st.sampled_from([1.0, 0.0, -1.0, 2.5])}),
        extends=lambda x, y, options: x.dtype.kind != "f" and y.dtype.kind != "f" or BOOL in (x.dtype, y.dtype),
    ),
    "multilabel_soft_margin_loss": dict(target_values="unit", weight=("weight",)),
}


@pytest.mark.parametrize("fn", sorted(ELEMENTWISE))
@given(data=st.data())
def test_elementwise_losses(fn, data):
    run_case(data.draw(elementwise_case(fn, **ELEMENTWISE[fn])))


@pytest.mark.parametrize(
    "fn",
    [
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "soft_margin_loss",
        "hinge_embedding_loss",
        "multilabel_soft_margin_loss",
    ],
)
@given(data=st.data())
def test_elementwise_losses_on_special_values(fn, data):
    """Any value, including out-of-range probabilities, nan, ±inf and float32 overflow."""
    options = dict(ELEMENTWISE[fn], input_values="special", target_values="special")
    run_case(data.draw(elementwise_case(fn, **options)))


# ------------------------------------------------------------------------------- three-argument losses
@st.composite
def gaussian_nll_case(draw):
    shape = draw(SHAPES)
    dtype = draw(FLOAT_DTYPES)
    x = draw(arrays(shape, dtype))
    y = draw(arrays(draw(related_shape(shape)), draw(st.sampled_from([dtype, dtype, F32, F64]))))
    kind = draw(st.sampled_from(["tensor", "tensor", "rows", "float", "int", "negative"]))
    if kind == "float":
        var = draw(st.sampled_from([1.0, 0.0, 1e-9, 2.5, -1.0]))
    elif kind == "int":
        var = 2
    else:
        var_shape = shape[:-1] if kind == "rows" and shape else draw(related_shape(shape))
        var = draw(
            arrays(var_shape, draw(st.sampled_from([dtype, F32, F64])), "special" if kind == "negative" else "positive")
        )
    options = {
        "full": draw(st.booleans()),
        "eps": draw(st.sampled_from([1e-6, 1e-2, 0.0])),
        "reduction": draw(REDUCTIONS),
    }
    # a zero variance with eps = 0 is log 0 + d²/0: -inf, nan or +inf depending on the sign of the zero and d
    undefined = options["eps"] == 0 and (
        var == 0 if isinstance(var, float) else isinstance(var, np.ndarray) and (var == 0).any()
    )
    return Case(
        "gaussian_nll_loss",
        [x, y, var],
        options,
        grad=draw(st.sampled_from([(0,), (0, 1, 2)])),
        power=2,
        compare=not undefined,
    )


@st.composite
def same_ndim_triple(draw, values="special"):
    """Three arrays with the same number of dims (mostly broadcastable), float or int."""
    shape = draw(SHAPES)
    dtype = draw(ANY_DTYPES)
    result = [draw(arrays(shape, dtype, values))]
    for _ in range(2):
        other = draw(related_shape(shape))
        if len(other) != len(shape) and draw(st.integers(0, 3)):
            other = tuple(shape)
        result.append(draw(arrays(other, dtype if draw(st.booleans()) else draw(ANY_DTYPES), values)))
    return result


@st.composite
def margin_ranking_case(draw):
    args = draw(same_ndim_triple())
    options = {"margin": draw(st.sampled_from([0.0, 1.0, -0.5])), "reduction": draw(REDUCTIONS)}
    return Case("margin_ranking_loss", args, options, grad=(0, 1, 2), power=2, extends_torch=_any_bool(args))


def _any_bool(arrays):
    """The margin kernels compute bool inputs as 0/1 floats; torch refuses bool arithmetic (spec §12.5)."""
    return any(a.dtype == BOOL for a in arrays)


@st.composite
def triplet_case(draw, fn):
    args = draw(same_ndim_triple())
    options = {
        "margin": draw(st.sampled_from([1.0, 0.5, 0.0, -1.0])),
        "swap": draw(st.booleans()),
        "reduction": draw(
            REDUCTIONS if fn == "triplet_margin_loss" else st.sampled_from(["none", "mean", "sum", "bogus"])
        ),
    }
    if fn == "triplet_margin_loss":
        options["p"] = draw(st.sampled_from([2.0, 1.0, 3.0, 0.5, math.inf, 0.0]))
        options["eps"] = draw(st.sampled_from([1e-6, 0.0, 1.0]))
    # With mixed float dtypes minigrad computes all three distances in the promoted dtype, torch each pair in its
    # own: ties in swap's min (which split the gradient) can exist in one library and not the other.
    # (integer inputs count as torch's default float32)
    mixed = len({a.dtype if a.dtype.kind == "f" else F32 for a in args}) > 1
    return Case(
        fn,
        args,
        options,
        grad=(0, 1, 2),
        extends_torch=fn == "triplet_margin_loss" and _any_bool(args),
        compare_grads=not (mixed and options["swap"]),
        kinks=_triplet_kinks,
    )


def _triplet_kinks(case):
    """The hinge's argument margin + d(a, p) - d_neg and, with swap, the min's d(a, n) - d(p, n), in float64."""
    anchor, positive, negative = (torch.tensor(np.asarray(a, dtype=F64)) for a in case.args)
    options = case.kwargs

    def distance(u, v):
        return torch.nn.functional.pairwise_distance(u, v, options.get("p", 2.0), options.get("eps", 1e-6))

    to_negative = distance(anchor, negative)
    kinks = []
    if options["swap"]:
        kinks.append(to_negative - distance(positive, negative))
        to_negative = torch.minimum(to_negative, distance(positive, negative))
    kinks.append(options["margin"] + distance(anchor, positive) - to_negative)
    return np.concatenate([kink.numpy().reshape(-1) for kink in kinks])


@st.composite
def cosine_embedding_case(draw):
    batched = draw(st.booleans())
    n, d = draw(st.integers(0, 4)), draw(st.integers(0, 4))
    shape = (n, d) if batched else (d,)
    dtype = draw(FLOAT_DTYPES)
    x1 = draw(arrays(shape, dtype))
    x2 = draw(arrays(draw(st.sampled_from([shape, shape, (1, d) if batched else (d,), (d,)])), dtype))
    target_shape = draw(st.sampled_from([(n,) if batched else (), (n,) if batched else (), (2, 2)]))
    y = laid_out(draw(hnp.arrays(dtype, target_shape, elements=st.sampled_from([1.0, -1.0, 0.0, 2.0]))), draw(LAYOUTS))
    options = {"margin": draw(st.sampled_from([0.0, 0.5, -0.5])), "reduction": draw(REDUCTIONS)}
    return Case("cosine_embedding_loss", [x1, x2, y], options, grad=(0, 1))


@given(data=st.data())
def test_gaussian_nll_loss(data):
    run_case(data.draw(gaussian_nll_case()))


@given(data=st.data())
def test_margin_ranking_loss(data):
    run_case(data.draw(margin_ranking_case()))


@pytest.mark.parametrize("fn", ["triplet_margin_loss", "triplet_margin_with_distance_loss"])
@given(data=st.data())
def test_triplet_losses(fn, data):
    run_case(data.draw(triplet_case(fn)))


@given(data=st.data())
def test_cosine_embedding_loss(data):
    run_case(data.draw(cosine_embedding_case()))


# ------------------------------------------------------------------------------- losses over class scores
CLASS_INPUT_SHAPES = st.one_of(
    st.tuples(st.integers(0, 5), st.integers(0, 5)),  # (N, C)
    st.tuples(st.integers(0, 5)),  # (C,)
    st.tuples(st.integers(0, 3), st.integers(0, 4), st.integers(0, 3)),  # (N, C, d1)
    st.tuples(st.integers(0, 2), st.integers(0, 4), st.integers(0, 3), st.integers(0, 2)),
    st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 2), st.integers(1, 2), st.integers(1, 2)),
    st.just(()),
)
CLASS_TARGET_DTYPES = st.sampled_from([I64, I64, I64, I64, U8, I32, F32, BOOL])


def class_axis_shapes(shape):
    """(number of classes, the index target's shape) for class scores of ``shape``."""
    if len(shape) <= 1:
        return (shape[0] if shape else 1), ()
    return shape[1], shape[:1] + shape[2:]


@st.composite
def class_targets(draw, shape, classes, extra_values=()):
    """Index targets for scores of ``shape``: mostly valid classes, sometimes -100, -1, C or huge values; mostly
    of the matching shape."""
    target_shape = class_axis_shapes(shape)[1]
    if draw(st.integers(0, 9)) == 0:
        target_shape = draw(st.sampled_from([(1,), draw(SHAPES)]))
    valid = st.integers(0, max(classes - 1, 0))
    values = st.one_of(valid, valid, valid, st.sampled_from([-100, -1, classes, 255, 2**40] + list(extra_values)))
    dtype = draw(CLASS_TARGET_DTYPES)
    raw = draw(hnp.arrays(I64, target_shape, elements=values))
    with np.errstate(invalid="ignore", over="ignore"):
        return laid_out(raw.astype(dtype), draw(LAYOUTS))


@st.composite
def class_weight(draw, classes, dtype, probability_targets=False):
    """None mostly; else (C,) class weights, sometimes negative, zero, of the wrong length or dtype."""
    kind = draw(st.sampled_from(["none", "none", "positive", "positive", "special", "length", "dtype"]))
    if kind == "none":
        return None
    length = classes + draw(st.sampled_from([-1, 1])) if kind == "length" else classes
    weight_dtype = draw(FLOAT_DTYPES) if kind == "dtype" else dtype
    return draw(arrays((max(length, 0),), weight_dtype, "special" if kind == "special" else "positive"))


@st.composite
def cross_entropy_case(draw, fn):
    shape = draw(CLASS_INPUT_SHAPES)
    classes = class_axis_shapes(shape)[0]
    dtype = draw(st.sampled_from([F32, F32, F64, F64, F16, I64]))
    x = draw(arrays(shape, dtype, draw(st.sampled_from(["plain", "plain", "special", "huge"]))))
    ignore_index = draw(st.sampled_from([-100, -100, -1, 0, 1, 2**40]))
    probabilities = fn == "cross_entropy" and draw(st.integers(0, 3)) == 0
    if probabilities:
        target = draw(arrays(shape, draw(st.sampled_from([dtype, dtype, F32, F64])), "unit"))
    else:
        target = draw(class_targets(shape, classes, extra_values=[ignore_index]))
    options = {
        "weight": draw(class_weight(classes, dtype if dtype.kind == "f" else F32)),
        "ignore_index": ignore_index,
        "reduction": draw(REDUCTIONS),
    }
    if fn == "cross_entropy":
        options["label_smoothing"] = draw(st.sampled_from([0.0, 0.0, 0.1, 1.0, -0.5, 1.5]))
    grad = (0,)
    if probabilities:
        grad = draw(st.sampled_from([(0,), (0, 1), (0, 1, "weight")]))
    # torch takes uint8 targets only for 1-D and 2-D inputs (its K-dim kernels want int64); minigrad for all
    uint8_k_dim = target.dtype == U8 and x.ndim >= 3
    # with no classes torch's smoothing term is (ε/0)·0 = nan even for a 'sum' over nothing
    smoothing = options.get("label_smoothing", 0) > 0
    no_classes_smoothed = len(shape) >= 1 and classes == 0 and smoothing
    # torch's smoothing path fails on an unbatched input with a (1,) target ("output with shape [] doesn't match
    # the broadcast shape [1]"), which it accepts without smoothing
    unbatched_smoothed = len(shape) == 1 and target.shape == (1,) and smoothing
    # and it gathers with a uint8 index there, which torch's gather refuses
    uint8_smoothed = target.dtype == U8 and smoothing
    return Case(
        fn,
        [x, target],
        options,
        grad=grad,
        compare=not no_classes_smoothed,
        extends_torch=uint8_k_dim or unbatched_smoothed or uint8_smoothed,
    )


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
@given(data=st.data())
def test_class_index_losses(fn, data):
    run_case(data.draw(cross_entropy_case(fn)))


@st.composite
def multi_margin_case(draw):
    shape = draw(
        st.sampled_from([(0, 3), (1, 1)])
        | st.tuples(st.integers(0, 5), st.integers(0, 5))
        | st.tuples(st.integers(0, 5))
        | st.just(())
    )
    dtype = draw(st.sampled_from([F32, F32, F64, F64, F16, I64]))
    x = draw(arrays(shape, dtype, draw(st.sampled_from(["plain", "plain", "special"]))))
    classes = shape[-1] if shape else 1
    target = draw(class_targets(shape[:1] + (classes,) if len(shape) == 2 else (classes,), classes))
    if len(shape) == 2:  # class_targets gives (N,) for (N, C)
        pass
    options = {
        "p": draw(st.sampled_from([1, 2, 1, 2, 3])),
        "margin": draw(st.sampled_from([1.0, 0.0, -0.5, 2.0])),
        "weight": draw(class_weight(classes, dtype if dtype.kind == "f" else F32)),
        "reduction": draw(REDUCTIONS),
    }
    # torch's empty-batch 'mean'/'sum' is uninitialised memory (spec §0.5, §12.3): nothing to compare with
    empty_reduced = len(shape) == 2 and shape[0] == 0 and options["reduction"] != "none"
    # a weight of another float dtype is promoted, where torch refuses it (documented in minigrad's margin.py)
    weight = options["weight"]
    promoted_weight = weight is not None and x.dtype.kind == "f" and weight.dtype != x.dtype
    return Case("multi_margin_loss", [x, target], options, compare=not empty_reduced, extends_torch=promoted_weight)


@st.composite
def multilabel_margin_case(draw):
    shape = draw(st.tuples(st.integers(0, 4), st.integers(0, 5)) | st.tuples(st.integers(0, 5)) | st.just(()))
    dtype = draw(st.sampled_from([F32, F32, F64, F64, F16, I64]))
    x = draw(arrays(shape, dtype, draw(st.sampled_from(["plain", "plain", "special"]))))
    classes = shape[-1] if shape else 1
    target_shape = shape if draw(st.integers(0, 7)) else draw(SHAPES)
    values = st.one_of(st.integers(-1, max(classes - 1, -1)), st.sampled_from([-1, -2, classes]))
    raw = draw(hnp.arrays(I64, target_shape, elements=values))
    target = laid_out(raw.astype(draw(st.sampled_from([I64, I64, I64, I32]))), draw(LAYOUTS))
    # torch's empty batches skip its checks and its reduced results are uninitialised memory (spec §0.5)
    empty = len(shape) == 2 and shape[0] == 0
    return Case("multilabel_margin_loss", [x, target], {"reduction": draw(REDUCTIONS)}, compare=not empty)


@given(data=st.data())
def test_multi_margin_loss(data):
    run_case(data.draw(multi_margin_case()))


@given(data=st.data())
def test_multilabel_margin_loss(data):
    run_case(data.draw(multilabel_margin_case()))


# ------------------------------------------------------------------------------------------------------ CTC
@st.composite
def ctc_lengths(draw, count, low, high, wild):
    """``count`` lengths in [low, high], sometimes one out of range; as a list, tuple or integer (or float) array."""
    values = [draw(st.integers(low, max(low, high))) for _ in range(count)]
    if values and draw(st.integers(0, 5)) == 0:
        values[draw(st.integers(0, count - 1))] = draw(st.sampled_from(wild))
    kind = draw(st.sampled_from(["list", "tuple", "int64", "int64", "int32", "float", "0-d"]))
    if kind == "list":
        return values
    if kind == "tuple":
        return tuple(values)
    if kind == "0-d" and count == 1:
        return np.array(values[0], dtype=I64)
    dtype = {"int32": I32, "float": F32}.get(kind, I64)
    return laid_out(np.array(values, dtype=np.int64).astype(dtype), draw(LAYOUTS))


@st.composite
def ctc_case(draw):
    """ctc_loss on small (T, N, C) inputs: logits fed through log_softmax (gradients comparable with torch) or raw
    log-probabilities (torch's gradient is minigrad's + exp(lp), spec §12.1); padded or concatenated targets;
    lengths and targets sometimes out of range, the blank sometimes inside a target (spec §12.2)."""
    T, N, C = draw(st.integers(0, 6)), draw(st.integers(0, 3)), draw(st.integers(0, 5))
    unbatched = draw(st.integers(0, 5)) == 0
    count = 1 if unbatched else N
    dtype = draw(st.sampled_from([F32, F32, F64, F64, F16, I64]))
    scores = draw(
        arrays((T, C) if unbatched else (T, N, C), dtype, draw(st.sampled_from(["plain", "plain", "special", "huge"])))
    )
    normalise = dtype.kind == "f" and draw(st.booleans())
    blank = draw(st.sampled_from([0, 0, 0, max(C - 1, 0), C, -1]))
    target_lengths = draw(ctc_lengths(count, 0, 4, [-1, 7, 2**40]))
    lengths = [int(v) for v in np.asarray(target_lengths).reshape(-1)]
    labels = [c for c in range(C) if c != blank] or [0]
    label = st.one_of(st.sampled_from(labels), st.sampled_from(labels), st.sampled_from([blank, C, -1]))
    if draw(st.booleans()):  # padded (N, S)
        width = max([0] + [v for v in lengths if 0 <= v <= 8]) + draw(st.integers(-1, 2))
        targets = draw(hnp.arrays(I64, (count, max(width, 0)), elements=label))
    else:  # concatenated
        total = sum(v for v in lengths if 0 <= v <= 8) + draw(st.sampled_from([0, 0, 0, -1, 1]))
        targets = draw(hnp.arrays(I64, (max(total, 0),), elements=label))
    targets = laid_out(targets.astype(draw(st.sampled_from([I64, I64, I64, I32, F32]))), draw(LAYOUTS))
    input_lengths = draw(ctc_lengths(count, 0, T, [T + 1, -1, 2**40]))
    options = {"blank": blank, "reduction": draw(REDUCTIONS), "zero_infinity": draw(st.sampled_from([False, True]))}

    def ctc(library):
        functional = F if library == "minigrad" else TF
        return lambda scores, *rest, **kw: functional.ctc_loss(
            functional.log_softmax(scores, -1) if normalise else scores, *rest, **kw
        )

    # torch takes the lengths both as lists or both as tensors; minigrad takes any mix
    mixed = isinstance(input_lengths, np.ndarray) != isinstance(target_lengths, np.ndarray)
    return Case(
        "ctc_loss",
        [scores, targets, input_lengths, target_lengths],
        options,
        grad=(0,),
        minigrad_fn=ctc("minigrad"),
        torch_fn=ctc("torch") if torch else None,
        compare_grads=normalise,  # w.r.t. raw log_probs torch returns exp(lp) - γ, minigrad -γ (§12.1)
        extends_torch=mixed,
        torch_if_refused=False,
    )  # torch reads out of bounds on some inputs minigrad refuses (spec §12.2)


@given(data=st.data())
def test_ctc_loss(data):
    run_case(data.draw(ctc_case()))
