"""PyTorch's own OpInfo database as minigrad's op oracle.

For every entry of ``torch.testing._internal.common_methods_invocations.op_db`` that minigrad exposes under one of
torch's names (``tools/torch_api.py`` resolves them: ``torch.X`` -> ``minigrad.X``, ``nn.functional.X``,
``linalg.X``, ``special.X``, aliases, ``Tensor.X``), each case runs op_db's ``reference_inputs`` (its
``sample_inputs`` where it has none) through torch and minigrad and compares values, dtypes and shapes, and for
differentiable float samples the gradients under a random upstream gradient; ``error_inputs`` must raise torch's
exception type. A new minigrad op is picked up the moment it is exposed.

By default each (op, dtype) runs a fixed-seed subset of at most ``SAMPLES_PER_CASE`` samples, in float32, float64,
int64 and bool, so CI stays fast; ``MINIGRAD_FULL_PARITY=1`` runs every sample in every integer dtype as well.
A sample minigrad cannot take by design is skipped with its reason; a case whose samples are all skipped is a skip.

Known differences are strict and per sample: ``tools/torch_api.py``'s ``KNOWN_DIFFERENCES`` gives the reason, and
``tests/op_db_differences.json`` (written by ``python tools/op_db_differences.py`` from a full run) lists, per case,
the indices of op_db's samples that differ. Such a sample must still differ (else the case fails: the entry is
stale), every other sample must match, and a case in which a listed sample differed is reported as an xfail.
"""

import functools
import importlib.util
import itertools
import json
import os
import pathlib
import random
import re
import zlib
from dataclasses import dataclass

import numpy as np
import pytest

import minigrad

torch = pytest.importorskip("torch")

_spec = importlib.util.spec_from_file_location(
    "torch_api", pathlib.Path(__file__).resolve().parent.parent / "tools" / "torch_api.py"
)
torch_api = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(torch_api)

try:
    OP_DB = torch_api.load_op_db()
except ImportError as exc:  # torch's test helpers import expecttest, which a plain torch install lacks
    pytest.skip(f"torch's OpInfo database does not import ({exc}); pip install expecttest", allow_module_level=True)

FULL = os.environ.get("MINIGRAD_FULL_PARITY") == "1"
SAMPLES_PER_CASE = None if FULL else 3
CANDIDATE_SAMPLES = 40  # the default subset is drawn from the first this-many samples (generating all is slow)
ERROR_INPUTS_PER_OP = None if FULL else 3
DTYPES = (torch.float32, torch.float64, torch.int64, torch.bool) + (
    (torch.int32, torch.int16, torch.int8, torch.uint8) if FULL else ()
)
DTYPE_NAMES = {
    torch.float16: "float16",
    torch.float32: "float32",
    torch.float64: "float64",
    torch.int64: "int64",
    torch.int32: "int32",
    torch.int16: "int16",
    torch.int8: "int8",
    torch.uint8: "uint8",
    torch.bool: "bool",
}

KNOWN_DIFFERENCES = torch_api.KNOWN_DIFFERENCES
# case id -> the indices (in op_db's generation order) of the samples that differ, from a full run
DIFFERING_SAMPLES = json.loads((pathlib.Path(__file__).resolve().parent / "op_db_differences.json").read_text())

# (rtol, atol) per result dtype before an op's own tolerance overrides; gradients sum over more terms, so they get
# more slack. float64 rtol 1e-7 is torch's own default (its sums are pairwise, NumPy's differ in the last bits).
VALUE_TOLERANCE = {torch.float16: (1e-3, 1e-5), torch.float32: (1e-5, 1e-6), torch.float64: (1e-7, 1e-7)}
GRAD_TOLERANCE = {torch.float16: (1e-3, 1e-5), torch.float32: (1e-4, 1e-5), torch.float64: (1e-7, 1e-7)}
# ops whose values are undefined (uninitialised memory); random ops are found by running torch under two seeds
UNINITIALISED = frozenset({"empty", "empty_like", "empty_strided", "empty_permuted", "new_empty", "new_empty_strided"})
# op -> the position of its index result. Without stable=True torch's CPU sort leaves equal values in whatever order
# its algorithm does (std::sort, or x86-simd-sort, whose order depends on the CPU's vector width) and documents the
# order as unspecified; minigrad's sort is always stable. Such indices must sort the input as torch's do.
UNSTABLE_ORDER = {"sort": 1, "argsort": 0}
# op -> (position of its index result, position of its dim argument). Which of several equal values' positions these
# report is unspecified too: torch's CPU kthvalue and topk partition with a quickselect and mode reads an unstable
# sort (the docs promise no particular one). An index is valid when it holds the value torch found (topk's must be
# distinct along dim as well).
UNSPECIFIED_TIE_INDEX = {"kthvalue": (1, 1), "topk": (1, 1), "mode": (1, 0)}
# op -> the position of its result whose columns are each defined up to sign: eigenvectors, whose signs LAPACK
# builds pick differently (NumPy's OpenBLAS and torch's MKL disagree on op_db's UPLO='U' samples). Compared up to
# each column's sign; gradients flow through |V|, as op_db's own output_process_fn_grad for eigh does.
SIGN_GAUGE = {"linalg.eigh": 1}

# ops whose gradient at a NaN input torch leaves to the code path: its vectorised CPU kernels (whole SIMD vectors of
# a long input) give NaN, 0 or g there, its scalar loop (short inputs and the tail) another one of those (elu's is g
# for 7 elements, NaN for 64; hardtanh's g, then 0). The gradient is not compared at NaN inputs of these.
NAN_INPUT_GRADIENT_VARIES = frozenset(
    f"nn.functional.{name}"
    for name in ("elu", "celu", "selu", "softshrink", "hardshrink", "hardtanh", "relu6", "hardswish")
)

# ops whose gradient carries random draws even where the values hide them (rrelu in training multiplies -inf by a
# random slope: -inf under any seed, but the slope is the gradient there); their gradients are not compared
RANDOM_GRADIENT = frozenset({"nn.functional.rrelu"})
# results of at most RANDOM_PROBE_SIZE elements are drawn again under RANDOM_PROBES seeds before calling the op
# deterministic (larger ones under one: their chance of repeating is negligible)
RANDOM_PROBE_SIZE, RANDOM_PROBES = 8, 10


class Unsupported(Exception):
    """A sample minigrad cannot take by design; the message is the skip reason."""


def _minigrad_bindings(opinfo):
    """torch's spellings of the op that minigrad has, one per kind: function, method, in-place (aliases add names,
    not behaviour). The default run tests the first; the full run tests each."""
    per_kind = {}
    for binding in torch_api.bindings(torch, opinfo):
        if binding.kind not in per_kind and torch_api.resolve(minigrad, binding) is not None:
            per_kind[binding.kind] = binding
    found = [per_kind[kind] for kind in ("function", "method", "inplace") if kind in per_kind]
    return found if FULL else found[:1]


def _case_id(opinfo):
    return opinfo.name + (f".{opinfo.variant_test_name}" if opinfo.variant_test_name else "")


@dataclass(frozen=True)
class Known:
    """A case's known difference: its KNOWN_DIFFERENCES key and reason and the indices of the samples it concerns."""

    key: str = ""
    reason: str = ""
    samples: frozenset = frozenset()


def known_difference(case_id, *keys):
    """The Known of a case: the first KNOWN_DIFFERENCES entry filed under ``case_id`` or one of ``keys`` (broader
    keys: without the binding label, the variant, the op), with the samples recorded for ``case_id``."""
    key = next((key for key in (case_id, *keys) if key in KNOWN_DIFFERENCES), None)
    if key is None:
        return Known()
    return Known(key, KNOWN_DIFFERENCES[key], frozenset(DIFFERING_SAMPLES.get(case_id, ())))


def _param(opinfo, binding, label, suffix, *rest):
    """A pytest case with a stable id and its Known difference (a KNOWN_DIFFERENCES entry for its id, with or
    without the ":method" / ":inplace" label, its OpInfo variant or its op name)."""
    case_id = f"{_case_id(opinfo)}{label}-{suffix}"
    known = known_difference(case_id, f"{_case_id(opinfo)}-{suffix}", _case_id(opinfo), opinfo.name)
    return pytest.param(opinfo, binding, *rest, known, id=case_id)


# (OpInfo, binding, id label): the first binding is the plain op name, the others ":method" / ":inplace"
EXPOSED = [
    (o, b, f":{b.kind}" if k else "")
    for o in OP_DB
    if torch_api.namespace(o.name)
    for k, b in enumerate(_minigrad_bindings(o))
]
VALUE_CASES = [
    _param(o, b, label, DTYPE_NAMES[dtype], dtype)
    for o, b, label in EXPOSED
    for dtype in DTYPES
    if dtype in o.supported_dtypes("cpu")
]
ERROR_CASES = [_param(o, b, label, "errors") for o, b, label in EXPOSED if o.error_inputs_func is not None]


def _seed(text):
    return zlib.crc32(text.encode())


def _pick(items, limit, seed):
    """Every item (``limit`` None), or a stable subset: ``limit`` of the first CANDIDATE_SAMPLES, drawn with a fixed
    seed (generating every reference input of an op takes longer than comparing three); as (index, item) pairs,
    the index counting op_db's generation order."""
    if limit is None:
        return list(enumerate(items))
    candidates = list(enumerate(itertools.islice(items, CANDIDATE_SAMPLES)))
    return random.Random(seed).sample(candidates, min(limit, len(candidates)))


def _tolerances(opinfo, dtype, base):
    """{result dtype: (rtol, atol)}: ``base`` widened by the op's own toleranceOverride / precisionOverride for the
    sample dtype on the CPU (an integer sample's float results keep the base tolerance of their float dtype)."""
    rtol_extra, atol_extra = 0.0, 0.0
    for decoration in opinfo.decorators:
        if getattr(decoration, "device_type", None) not in (None, "cpu"):
            continue
        for decorator in getattr(decoration, "decorators", [decoration]):
            override = getattr(decorator, "d", {}).get(dtype)
            if isinstance(override, float):  # precisionOverride: an absolute precision
                atol_extra = max(atol_extra, override)
            elif override is not None:
                atol_extra, rtol_extra = max(atol_extra, override.atol), max(rtol_extra, override.rtol)
    return {
        np.dtype(DTYPE_NAMES[d]): (max(rtol, rtol_extra), max(atol, atol_extra)) for d, (rtol, atol) in base.items()
    }


def _convert(obj, memo):
    """A torch sample argument as (what torch is called with, what minigrad is called with).

    Each tensor is converted once (``memo``: id -> pair) so aliased arguments stay aliased; a tensor that requires
    grad becomes a fresh torch leaf, because op_db's leaves may be expanded views whose gradient torch drops."""
    if isinstance(obj, torch.Tensor):
        if obj.is_complex():
            raise Unsupported("complex sample")
        if obj.layout != torch.strided:
            raise Unsupported("sparse sample")
        if obj.device.type != "cpu":
            raise Unsupported(f"{obj.device.type} tensor sample")
        if obj.dtype not in DTYPE_NAMES:
            raise Unsupported(f"{obj.dtype} sample")
        if obj.dim() > 64:
            raise Unsupported("sample has more dimensions than NumPy's 64")
        if id(obj) not in memo:
            ours = minigrad.from_numpy(obj.detach().numpy().copy()).requires_grad_(obj.requires_grad)
            theirs = obj.detach().clone().requires_grad_() if obj.requires_grad else obj
            memo[id(obj)] = (theirs, ours)
        return memo[id(obj)]
    if isinstance(obj, torch.Size):
        return obj, tuple(obj)
    if isinstance(obj, (list, tuple)):
        pairs = [_convert(item, memo) for item in obj]
        return type(obj)(p[0] for p in pairs), type(obj)(p[1] for p in pairs)
    if isinstance(obj, dict):
        pairs = {key: _convert(value, memo) for key, value in obj.items()}
        return {k: p[0] for k, p in pairs.items()}, {k: p[1] for k, p in pairs.items()}
    if isinstance(obj, torch.dtype):
        if obj not in DTYPE_NAMES:
            raise Unsupported(f"{obj} argument")
        return obj, getattr(minigrad, DTYPE_NAMES[obj])
    if isinstance(obj, torch.device):
        return obj, str(obj)
    if obj is None or isinstance(obj, (bool, int, float, str, slice, type(Ellipsis))):
        return obj, obj
    if isinstance(obj, complex):
        raise Unsupported("complex sample")
    raise Unsupported(f"sample passes a {type(obj).__name__}")


def _prepare(sample, memo):
    """(torch's, minigrad's) (input, args, kwargs) for one SampleInput."""
    if "out" in sample.kwargs:
        raise Unsupported("minigrad has no `out=`")
    pairs = [_convert(x, memo) for x in (sample.input, sample.args, sample.kwargs)]
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


def _call(lib, binding, sample_input, args, kwargs):
    target = torch_api.resolve(lib, binding)
    if binding.kind == "function":
        return target(sample_input, *args, **kwargs)
    if binding.kind == "inplace":  # each call gets its own copy: the sample must stay as op_db made it
        sample_input = sample_input.clone()
    attribute = getattr(sample_input, binding.path)
    return attribute(*args, **kwargs) if callable(attribute) else attribute


def _run_minigrad(binding, arguments):
    try:
        return _call(minigrad, binding, *arguments)
    except TypeError as exc:
        kwarg = re.search(r"unexpected keyword argument '(\w+)'", str(exc))
        if kwarg:
            raise Unsupported(f"sample uses an unsupported kwarg {kwarg.group(1)}") from exc
        raise


def _flatten(out):
    """An op's result as a flat list of leaves (named tuples, tuples and lists of tensors unpacked)."""
    if isinstance(out, (tuple, list)) and not isinstance(out, torch.Size):
        return [leaf for item in out for leaf in _flatten(item)]
    return [out]


def _as_array(value):
    if isinstance(value, torch.Tensor):
        return value.detach().numpy(force=True)  # force: a ZeroTensor (sgn's gradient) converts too
    if isinstance(value, minigrad.Tensor):
        return value._data
    return np.asarray(value)


def _compare(ours, theirs, tolerances, what, values=True):
    """Raise AssertionError naming ``what`` unless one result matches the other in type, shape, dtype and value."""
    if isinstance(theirs, torch.Tensor) and not isinstance(ours, minigrad.Tensor):
        raise AssertionError(f"{what}: minigrad returned {type(ours).__name__}, torch a Tensor")
    mine, ref = _as_array(ours), _as_array(theirs)
    if mine.shape != ref.shape:
        raise AssertionError(f"{what}: shape {mine.shape} != torch's {ref.shape}")
    if isinstance(theirs, torch.Tensor) and mine.dtype != ref.dtype:
        raise AssertionError(f"{what}: dtype {mine.dtype} != torch's {ref.dtype}")
    if not values:
        return
    if ref.dtype.kind == "f":
        rtol, atol = tolerances[ref.dtype]
        np.testing.assert_allclose(mine, ref, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(mine, ref, err_msg=what)


def _compare_grads(opinfo, dtype, ours, theirs, memo):
    """Gradients of every floating output w.r.t. every input that requires grad, under a seeded random upstream."""
    inputs = [(t, m) for t, m in memo.values() if t.requires_grad]
    pairs = [(o, t) for o, t in zip(ours, theirs) if isinstance(t, torch.Tensor) and t.requires_grad]
    if not inputs or not pairs:
        return
    if not all(isinstance(o, minigrad.Tensor) and o.requires_grad for o, _ in pairs):
        raise AssertionError("gradient: minigrad's output does not require grad, torch's does")
    rng = np.random.default_rng(_seed(_case_id(opinfo)))
    upstream = [rng.standard_normal(t.shape).astype(_as_array(t).dtype) for _, t in pairs]
    try:
        expected = torch.autograd.grad(
            [t for _, t in pairs], [t for t, _ in inputs], [torch.from_numpy(u) for u in upstream], allow_unused=True
        )
    except RuntimeError as exc:  # e.g. remainder(number, tensor): torch has no derivative for that overload
        if "derivative for" in str(exc) and "is not implemented" in str(exc):
            return
        raise
    try:
        got = minigrad.autograd.grad(
            [o for o, _ in pairs],
            [m for _, m in inputs],
            [minigrad.from_numpy(u.copy()) for u in upstream],
            allow_unused=True,
        )
    except Exception as exc:  # noqa: BLE001  (torch's backward ran: any exception of minigrad's is a difference)
        raise AssertionError(f"minigrad's backward raised {type(exc).__name__}: {exc}") from exc
    tolerances = _tolerances(opinfo, dtype, GRAD_TOLERANCE)
    for k, (g, e, (t, t_m)) in enumerate(zip(got, expected, inputs)):
        g = minigrad.zeros_like(t_m) if g is None else g
        e = torch.zeros_like(t) if e is None else e
        if opinfo.name in NAN_INPUT_GRADIENT_VARIES and t.dtype.is_floating_point:
            g, e = _masked(g, e, np.isnan(_as_array(t)))
        _compare(g, e, tolerances, f"gradient of input {k}")


def _masked(ours, theirs, mask):
    """Both gradients with the entries at ``mask`` set to 0 (their values there are not compared)."""
    if not mask.any():
        return ours, theirs
    return (
        minigrad.from_numpy(np.where(mask, 0, _as_array(ours))),
        torch.from_numpy(np.where(mask, 0, _as_array(theirs))),
    )


def _unstable_indices(opinfo, sample):
    """The position of the index result whose order among equal values is unspecified in this sample, else None."""
    position = UNSTABLE_ORDER.get(opinfo.name)
    if position is None or sample.kwargs.get("stable", False) or sample.input.dim() == 0:
        return None
    return position


def _compare_order(ours, theirs, sample, what):
    """Raise AssertionError unless ``ours`` is a permutation along the sorted dim that puts the input in the order
    torch's indices ``theirs`` do (equal values in any order)."""
    _compare(ours, theirs, {}, what, values=False)
    dim = sample.args[0] if sample.args else sample.kwargs.get("dim", -1)
    data, mine, ref = sample.input.detach().numpy(), _as_array(ours), _as_array(theirs)
    positions = np.arange(data.shape[dim]).reshape([-1 if k == dim % data.ndim else 1 for k in range(data.ndim)])
    np.testing.assert_array_equal(np.sort(mine, axis=dim), np.broadcast_to(positions, mine.shape), err_msg=what)
    np.testing.assert_array_equal(
        np.take_along_axis(data, mine, axis=dim), np.take_along_axis(data, ref, axis=dim), err_msg=what
    )


def _tie_index(opinfo, sample):
    """The position of the index result that may name any of several equal values in this sample, else None."""
    position, _ = UNSPECIFIED_TIE_INDEX.get(opinfo.name, (None, None))
    return None if position is None or sample.input.dim() == 0 else position


def _compare_tie_index(ours, theirs, opinfo, sample, what):
    """Raise AssertionError unless ``ours`` picks, along the reduced dim, entries equal to those torch's indices
    ``theirs`` pick (distinct ones for topk)."""
    _compare(ours, theirs, {}, what, values=False)
    _, dim_position = UNSPECIFIED_TIE_INDEX[opinfo.name]
    args = sample.args[dim_position:] if len(sample.args) > dim_position else ()
    dim = args[0] if args else sample.kwargs.get("dim", -1)
    data, mine, ref = sample.input.detach().numpy(), _as_array(ours), _as_array(theirs)
    dim %= data.ndim
    if mine.ndim < data.ndim:  # keepdim=False dropped the reduced dim
        mine, ref = np.expand_dims(mine, dim), np.expand_dims(ref, dim)
    if mine.size and (mine.min() < 0 or mine.max() >= data.shape[dim]):
        raise AssertionError(f"{what}: an index is out of range")
    np.testing.assert_array_equal(
        np.take_along_axis(data, mine, axis=dim), np.take_along_axis(data, ref, axis=dim), err_msg=what
    )
    if opinfo.name == "topk" and mine.size:
        assert (np.diff(np.sort(mine, axis=dim), axis=dim) != 0).all(), f"{what}: repeated indices"


def _column_signs_like(ours, theirs):
    """``ours`` with each column (last-but-one axis) flipped to the sign of torch's column."""
    mine = _as_array(ours)
    signs = np.where((mine * _as_array(theirs)).sum(axis=-2, keepdims=True) < 0, -1, 1).astype(mine.dtype)
    return minigrad.from_numpy(mine * signs)


def _values_defined(opinfo, binding, torch_arguments, first):
    """False for ops whose values are not a function of their inputs: uninitialised memory, or random (torch gives
    another result under another seed); only shapes and dtypes are compared for those."""
    if opinfo.name in UNINITIALISED:
        return False
    first = [t.clone() if isinstance(t, torch.Tensor) else t for t in first]  # an in-place result is its input
    # a random result of a few elements can repeat under another seed by chance (a 0-d dropout does half the time)
    size = sum(t.numel() for t in first if isinstance(t, torch.Tensor))
    for probe in range(1, 2 if size > RANDOM_PROBE_SIZE else RANDOM_PROBES + 1):
        torch.manual_seed(_seed(opinfo.name) + probe)
        with torch.no_grad():
            again = _flatten(_call(torch, binding, *torch_arguments))
        if not all(
            not isinstance(a, torch.Tensor)
            or torch.equal(a, b)
            or (a.dtype.is_floating_point and torch.allclose(a, b, equal_nan=True))
            for a, b in zip(first, again)
        ):
            return False
    return True


def _check_sample(opinfo, binding, dtype, sample):
    """Run one sample through both libraries; return a skip reason, or None when it matched (raises if not)."""
    memo = {}
    try:
        torch_arguments, minigrad_arguments = _prepare(sample, memo)
    except Unsupported as exc:
        return str(exc)
    torch.manual_seed(_seed(opinfo.name))
    try:
        theirs = _call(torch, binding, *torch_arguments)
    except Exception:  # noqa: BLE001  (op_db wrote the sample for OpInfo's wrapper around the op)
        return f"torch's {binding.path} rejects op_db's sample (it is written for OpInfo's wrapper)"
    theirs_flat = _flatten(theirs)
    values = _values_defined(opinfo, binding, torch_arguments, theirs_flat)
    minigrad.manual_seed(_seed(opinfo.name))  # a random op's draws, and so whether they differ, in any test order
    try:
        ours = _run_minigrad(binding, minigrad_arguments)
    except Unsupported as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001
        raise AssertionError(f"minigrad raised {type(exc).__name__}: {exc}") from exc
    ours_flat = [ours] if isinstance(theirs, torch.Size) else _flatten(ours)  # a shape: minigrad's are tuples
    if len(ours_flat) != len(theirs_flat):
        raise AssertionError(f"minigrad returned {len(ours_flat)} results, torch {len(theirs_flat)}")
    tolerances = _tolerances(opinfo, dtype, VALUE_TOLERANCE)
    unstable, tie = _unstable_indices(opinfo, sample), _tie_index(opinfo, sample)
    for k, (o, t) in enumerate(zip(ours_flat, theirs_flat)):
        if k == unstable and values:
            _compare_order(o, t, sample, f"result {k} (indices; equal values in any order)")
        elif k == tie and values:
            _compare_tie_index(o, t, opinfo, sample, f"result {k} (indices; any of equal values)")
        elif k == SIGN_GAUGE.get(opinfo.name) and values:
            _compare(_column_signs_like(o, t), t, tolerances, f"result {k} (columns up to sign)")
        else:
            _compare(o, t, tolerances, f"result {k}", values)
    random_gradient = opinfo.name in RANDOM_GRADIENT and sample.kwargs.get("training", False)
    gauge = SIGN_GAUGE.get(opinfo.name)
    if gauge is not None:
        ours_flat[gauge], theirs_flat[gauge] = ours_flat[gauge].abs(), theirs_flat[gauge].abs()
    if values and dtype.is_floating_point and binding.kind != "inplace" and not random_gradient:
        _compare_grads(opinfo, dtype, ours_flat, theirs_flat, memo)
    return None


def _samples(opinfo, dtype, requires_grad):
    """op_db's reference inputs for ``dtype``, else its sample inputs (some reference generators break on some
    dtypes); raises Unsupported when neither generates."""
    errors = []
    for generator in (opinfo.reference_inputs, opinfo.sample_inputs):
        try:
            return list(
                itertools.islice(
                    generator("cpu", dtype, requires_grad=requires_grad), None if FULL else CANDIDATE_SAMPLES
                )
            )
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{type(exc).__name__}: {exc}")
    raise Unsupported(f"op_db cannot generate {DTYPE_NAMES[dtype]} samples ({errors[-1]})")


def _report(binding, checks, what, known):
    """Run ``checks`` ((index, SampleInput, thunk) triples; a thunk returns a skip reason or None, or raises
    AssertionError): fail naming every mismatching sample that ``known`` does not list and every listed sample that
    now matches; xfail when a listed sample differed as recorded; skip when no sample could run; else pass."""
    skips, failures, differed, stale = [], [], [], []
    for index, sample, check in checks:
        try:
            reason = check()
        except AssertionError as exc:
            (differed if index in known.samples else failures).append(f"{sample.summary()}\n  {exc}")
            continue
        if reason:
            skips.append(reason)
        elif index in known.samples:
            stale.append(f"sample {index}: {sample.summary()}")
    if failures:
        pytest.fail(f"minigrad.{binding.path} ({binding.kind}) {what}:\n" + "\n".join(failures))
    if stale:
        pytest.fail(
            f"known difference no longer reproduces ({known.reason}); narrow the entry (python tools/"
            "op_db_differences.py) or drop it:\n" + "\n".join(stale)
        )
    if differed:
        pytest.xfail(known.reason)
    if len(skips) == len(checks):
        pytest.skip("; ".join(sorted(set(skips))) or "op_db has no such input on the CPU")


def value_checks(opinfo, binding, dtype, limit=SAMPLES_PER_CASE):
    """One case's samples as ``_report``'s (index, SampleInput, thunk) triples (``limit`` None: every sample);
    raises Unsupported when op_db cannot generate them."""
    case = f"{_case_id(opinfo)}-{DTYPE_NAMES[dtype]}"
    torch.manual_seed(_seed(case))
    requires_grad = dtype.is_floating_point and opinfo.supports_autograd and binding.kind != "inplace"
    samples = _pick(_samples(opinfo, dtype, requires_grad), limit, _seed(case))
    return [(k, sample, functools.partial(_check_sample, opinfo, binding, dtype, sample)) for k, sample in samples]


@pytest.mark.parametrize("opinfo, binding, dtype, known", VALUE_CASES)
def test_op_db_parity(opinfo, binding, dtype, known):
    try:
        checks = value_checks(opinfo, binding, dtype)
    except Unsupported as exc:
        pytest.skip(str(exc))
    _report(binding, checks, "differs from torch", known)


def _check_error(binding, error):
    """Run one ErrorInput; return a skip reason, or None when minigrad raised torch's exception type."""
    try:
        torch_arguments, minigrad_arguments = _prepare(error.sample_input, {})
    except Unsupported as exc:
        return str(exc)
    try:
        _call(torch, binding, *torch_arguments)
    except error.error_type:
        pass
    except Exception:  # noqa: BLE001
        return f"torch's {binding.path} raises another type on it (the error input is written for OpInfo's wrapper)"
    else:
        return f"torch's {binding.path} accepts it (the error input is written for OpInfo's wrapper)"
    try:
        _run_minigrad(binding, minigrad_arguments)
    except Unsupported as exc:
        return str(exc)
    except error.error_type:
        return None
    except Exception as exc:  # noqa: BLE001
        raise AssertionError(
            f"raised {type(exc).__name__} ({exc}), torch raises {error.error_type.__name__} ({error.error_regex})"
        ) from exc
    raise AssertionError(f"no error, torch raises {error.error_type.__name__} ({error.error_regex})")


def error_checks(opinfo, binding, limit=ERROR_INPUTS_PER_OP):
    """An op's error inputs as ``_report``'s (index, SampleInput, thunk) triples (``limit`` None: every one)."""
    torch.manual_seed(_seed(_case_id(opinfo)))
    errors = _pick(opinfo.error_inputs("cpu"), limit, _seed(_case_id(opinfo)))
    return [(k, error.sample_input, functools.partial(_check_error, binding, error)) for k, error in errors]


@pytest.mark.parametrize("opinfo, binding, known", ERROR_CASES)
def test_op_db_error_inputs(opinfo, binding, known):
    _report(binding, error_checks(opinfo, binding), "on torch's error inputs", known)


def test_every_known_difference_is_used():
    """Each recorded sample list belongs to a case with a KNOWN_DIFFERENCES entry, and each entry that covers a case
    run here differs on some sample: an entry that cannot fail would hide nothing but also test nothing. (Entries
    for ops minigrad does not expose are notes for the coverage page.)"""
    cases = {param.id: param.values[-1] for param in VALUE_CASES + ERROR_CASES}
    orphans = sorted(case for case in DIFFERING_SAMPLES if case in cases and not cases[case].key)
    assert not orphans, f"samples recorded for cases without a KNOWN_DIFFERENCES entry: {orphans}"
    if not FULL:  # the default run's cases are a subset: an entry's differing cases may all be in the full run
        return
    used = {cases[case].key for case in DIFFERING_SAMPLES if case in cases}
    unused = sorted({known.key for known in cases.values() if known.key} - used)
    assert not unused, f"KNOWN_DIFFERENCES entries on no differing sample: {unused}"


class _Sample:
    def summary(self):
        return "SampleInput(...)"


def _differs():
    raise AssertionError("result 0 differs")


@pytest.mark.parametrize(
    "outcomes, listed, expected",
    [
        ((None, None), (), "passed"),
        ((None, _differs), (1,), "xfailed"),  # the listed sample still differs
        ((None, None), (1,), "failed"),  # a listed sample matches now: the entry is stale
        ((_differs, _differs), (1,), "failed"),  # an unlisted sample differs: a new difference
        ((lambda: "no such input", None), (1,), "failed"),  # skips count neither way
        ((lambda: "no such input", lambda: "no such input"), (1,), "skipped"),
    ],
)
def test_known_differences_are_strict(outcomes, listed, expected):
    """``_report`` on stand-in checks: the outcome each mix of matching, differing and skipped samples gets."""
    checks = [(k, _Sample(), outcome or (lambda: None)) for k, outcome in enumerate(outcomes)]
    known = Known("key", "difference: a reason", frozenset(listed))
    outcome = "passed"
    try:
        _report(torch_api.Binding("function", "op"), checks, "differs from torch", known)
    except pytest.xfail.Exception:  # (a subclass of pytest.fail's: caught first)
        outcome = "xfailed"
    except pytest.fail.Exception:
        outcome = "failed"
    except pytest.skip.Exception:
        outcome = "skipped"
    assert outcome == expected
