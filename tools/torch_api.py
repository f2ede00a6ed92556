"""Regenerate ``docs/torch_api.md``: PyTorch's OpInfo database (``op_db``) as minigrad's API checklist.

Run from the project root (needs torch, and ``expecttest`` which torch's test helpers import)::

    python tools/torch_api.py            # rewrite docs/torch_api.md
    python tools/torch_api.py --check    # exit 1 if the committed page is stale

The page lists every in-scope op_db name, per namespace, with whether minigrad has torch's function, ``Tensor``
method and in-place ``_`` method for it. ``tests/test_op_db.py`` uses the same name resolution (``bindings``) to
decide which op_db entries it runs against minigrad, and this module's ``KNOWN_DIFFERENCES`` as its xfail reasons
(``tests/op_db_differences.json`` names the samples each concerns), so the page, the parity suite and the xfail list
cannot drift apart.

Scope (issue 12): everything but complex numbers, sparse tensors, fft / signal processing, ``masked.*``, quantised
ops and internal aten ops (``_``-prefixed names, ``torch.ops.*``, the ``*_copy`` view-copies, ``native_*`` and
``*_backward`` kernels, the CUDA-only ``jiterator_*`` test ops).
"""

import argparse
import collections
import pathlib
import re
import sys
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "torch_api.md"

NAMESPACES = ("torch", "nn.functional", "linalg", "special")

# op_db names whose subject is complex numbers (they take or make complex tensors, or are no-ops without them)
COMPLEX_NAMES = frozenset(
    {
        "H",
        "mH",
        "angle",
        "cdouble",
        "cfloat",
        "chalf",
        "complex",
        "conj",
        "conj_physical",
        "imag",
        "isreal",
        "polar",
        "real",
        "resolve_conj",
        "resolve_neg",
        "view_as_complex",
        "view_as_real",
    }
)
OUT_OF_SCOPE_NAMES = frozenset({"stft", "istft", "to_sparse", "hash_tensor"}) | COMPLEX_NAMES
OUT_OF_SCOPE_PREFIXES = ("_", "torch.", "fft.", "signal.", "masked.", "sparse.", "jiterator_", "native_")

# Where minigrad knowingly differs from torch on op_db's inputs: {key: reason}. A key is an op_db name (every case
# of the op), an OpInfo variant ("norm.nuc") or one pytest case id of tests/test_op_db.py ("square-bool",
# "eye-errors", "add:method-uint8"; a key without ":method" / ":inplace" covers those spellings too). The entry is
# printed on the coverage page; tests/op_db_differences.json (python tools/op_db_differences.py) lists, per case it
# covers, the samples that differ, and tests/test_op_db.py holds each to it strictly: a listed sample that matches
# torch fails the case (the entry is stale), an unlisted one that differs fails it too (a new difference).
# "bug:" marks a minigrad bug waiting for a fix, "missing:" a torch feature minigrad lacks yet, "difference:" a
# deliberate or harmless difference.
_PYTHON_NUMBERS = "difference: accepts Python numbers for both operands, torch requires a tensor"
KNOWN_DIFFERENCES = {
    "gather": "difference: torch accepts an empty uint8 index (it skips the dtype check on empty indices)",
    "nn.functional.grid_sample-float32": "difference: float32 bicubic sums of values ~200 cancelling to ~0.02 "
    "differ from torch's vectorised kernel by up to 4e-6 (its coordinate and weight arithmetic rounds otherwise)",
    "nn.functional.interpolate.bicubic-float32": "difference: a few float32 bicubic weights (align_corners, and "
    "the antialiased filter's) differ from torch's in the last bits (3e-6 on values ~10, 1.3e-6 on sums cancelling "
    "to ~0.02); float64 and uint8 agree",
    "matmul-float32": "difference: float32 sums in another order (an entry of 0.32 cancelling from terms ~100 "
    "differs by 1e-5)",
    "nn.functional.ctc_loss": "difference: the gradient w.r.t. raw log_probs is the true -gamma, torch's is "
    "exp(lp) - gamma; they agree after log_softmax (docs/losses.md)",
    "nn.functional.margin_ranking_loss-uint8": "difference: torch computes uint8 losses in wrapping uint8 arithmetic "
    "(232 where minigrad's float arithmetic gives 0)",
    "where-uint8": "difference: torch still accepts a uint8 condition (deprecated); minigrad requires bool",
    "nn.functional.triplet_margin_loss-uint8": "difference: torch computes uint8 distances in wrapping uint8 "
    "arithmetic, minigrad in float",
    "max.binary-errors": _PYTHON_NUMBERS,
    "min.binary-errors": _PYTHON_NUMBERS,
    "maximum-errors": _PYTHON_NUMBERS,
    "minimum-errors": _PYTHON_NUMBERS,
    "pow-errors": _PYTHON_NUMBERS,
    # int8 arithmetic that overflows in torch: minigrad keeps the mathematical value
    "nn.functional.softsign-int8": "difference: torch computes x / (|x| + 1) with |x| + 1 in int8, which wraps at "
    "127 and -128 (softsign(127) is -0.99, softsign(-128) 1.008); minigrad divides in float (0.99, -0.99)",
    "gcd-int8": "difference: torch's Euclid takes |-128| in int8 (still -128), so its remainders turn negative: "
    "gcd(127, -128) is -1 where minigrad's is 1 (gcd(-128, -128) is 128 wrapped to -128 in both)",
    "linalg.eigh-float32": "difference: float32 eigenvector gradients differ from torch's by up to 1e-3 relative "
    "where two eigenvalues lie close (-0.19 and -0.12 in op_db's sample); minigrad's is 2e-7 from the float64 "
    "gradient, torch's 8e-6",
    **{
        f"linalg.lstsq{variant}-float32": "difference: float32 gradients of a least-squares solve differ from "
        "torch's by 2e-5 on entries ~20 (minigrad's is 4e-6 from the float64 gradient, torch's 1.7e-5)"
        for variant in ("", ".grad_oriented")
    },
    "nn.functional.conv2d-float32": "difference: float32 sums in another order than torch's (a grouped sample's "
    "0.2665 cancelling from terms ~90 is off by 1e-5, another's 0.364 from terms ~80 by 5e-6; both within float32 "
    "rounding of the float64 result)",
    "nn.functional.conv_transpose3d-float32": (
        "difference: float32 sums in another order than torch's (a sample whose terms reach 40 cancels to 0.16,"
        " off by 1e-5)"
    ),
    "nn.functional.local_response_norm-int64": "difference: torch averages the squares of an integer input in "
    "integer arithmetic (truncating), minigrad in float",
    **{
        f"special.{name}-{dtype}": "difference: i1(±inf) is ±inf, the limit (i0(±inf) is inf); torch gives nan "
        "(0 · inf in its scaled form)"
        for name in ("i1", "modified_bessel_i1")
        for dtype in ("float32", "float64")
    },
    # the special functions compute in double (float32 results are rounded once) and match mpmath where torch does not
    "special.airy_ai": "difference: torch's Ai(x) for -3 < x < -2.09 is off by up to 3e-3 (its asymptotic branch "
    "starts too early); minigrad's agrees with mpmath to 1e-12",
    "sinc-float32": "difference: the float32 gradient (πx cos πx - sin πx) / (πx²) cancels as torch's does, but "
    "NumPy's float32 sin and cos round otherwise than torch's vectorised ones (17 of a 1M-element sample differ by "
    "more than 1e-4)",
    "special.laguerre_polynomial_l-int64": "difference: the recurrence runs in double, so a float32 result beyond "
    "float32's range is ±inf where torch's float32 recurrence overflows into inf - inf = nan",
    # found by MINIGRAD_FULL_PARITY=1 on the special functions: torch's float32 (and integer-input) results are
    # computed in float32, minigrad's in double and rounded once
    **{
        f"{name}-{dtype}": "difference: computed in double and rounded once; torch's float32 arithmetic loses digits "
        "(trigamma near the poles, recurrences and cos(n acos x) at large degrees, J/Y of large integers) or "
        "overflows into inf - inf = nan where the double result is ±inf in float32"
        for name, dtypes in (
            ("digamma", ("float32",)),
            ("polygamma.polygamma_n_0", ("float32", "int16", "int8")),
            *((f"polygamma.polygamma_n_{n}", ("int16", "int8")) for n in range(1, 5)),
            ("special.bessel_j1", ("int64", "int32", "int16")),
            ("special.bessel_y0", ("int64", "int32", "int16")),
            ("special.chebyshev_polynomial_t", ("float32", "int64", "int32", "int16", "int8", "uint8")),
            *(
                (
                    f"special.shifted_chebyshev_polynomial_{kind}",
                    ("float32", "int64", "int32", "int16", "int8", "uint8"),
                )
                for kind in "tuvw"
            ),
            ("special.laguerre_polynomial_l", ("float32", "int32", "int16", "int8", "uint8")),
            ("special.hermite_polynomial_h", ("float32",)),
            ("special.hermite_polynomial_he", ("float32",)),
            *(
                (f"special.{name}", ("int64", "int32", "int16", "int8", "uint8"))
                for name in (
                    "chebyshev_polynomial_u",
                    "chebyshev_polynomial_v",
                    "chebyshev_polynomial_w",
                    "hermite_polynomial_h",
                    "hermite_polynomial_he",
                    "legendre_polynomial_p",
                )
            ),
        )
        for dtype in dtypes
    },
    # api-shape: strided views and random draws
    "as_strided.partial_views": "difference: op_db's input is a view into a larger torch storage; the parity test "
    "hands minigrad a compact copy, whose storage holds only the view's elements",
    **{
        f"as_strided_scatter-{dtype}": "difference: torch 2.13's gradient for `input` is `g` inside the scattered "
        "region, where the output does not depend on `input`; minigrad's is `g` outside it"
        for dtype in ("float32", "float64")
    },
    # api-linalg
    "matrix_exp-float32": "difference: float32 entries cancelling among terms ~1e5 differ from torch's by ~1e-3 "
    "relative; both are float32 roundings of the float64 exponential (max error 0.035 here, torch's 0.05)",
    **{
        f"grid_sampler_{dims}d-float32": "difference: float32 gradients w.r.t. the grid differ from torch's vectorised "
        "kernel by up to 6e-5 where taps of ~30 cancel (grid_sample's own float32 rounding; float64 agrees)"
        for dims in (2, 3)
    },
    **{
        f"addbmm:inplace-{dtype}": "difference: torch's addbmm_ resizes a self of shape () or (1,) to the product's "
        "(n, p) (its out= path); minigrad's in-place ops keep self's shape and raise, as torch's other in-place ops do"
        for dtype in ("float32", "float64", "int64", "int32", "int16", "int8", "uint8")
    },
    **{
        f"{name}-{dtype}": "difference: singular vectors are defined up to sign; NumPy's LAPACK call picks other "
        "signs than torch's for some wide matrices (U diag(S) Vᵀ and the gradients of invariant losses agree)"
        for name in ("svd", "linalg.svd")
        for dtype in ("float32", "float64")
    },
    # (fractional_max_pool3d draws its windows the same way, but op_db's 3-d samples do not tell the draws apart)
    "nn.functional.fractional_max_pool2d": "difference: without _random_samples the windows come from minigrad's "
    "generator, not torch's (op_db's samples draw them); with given samples the values, indices and gradients are "
    "torch's exactly (tests/test_fractional_pooling.py)",
    "linalg.eig": "missing: out of scope, its results are complex tensors (minigrad has no complex dtype)",
    "linalg.eigvals": "missing: out of scope, its results are complex tensors (minigrad has no complex dtype)",
    # pointwise (api-pointwise): the in-place i0_ meets op_db samples with ±inf that the function's subset misses
    **{
        f"{name}-{dtype}": "difference: i0(±inf) is inf, the limit; torch gives nan (0 · inf in its scaled form)"
        for name in ("i0", "special.modified_bessel_i0")
        for dtype in ("float32", "float64")
    },
    # found by MINIGRAD_FULL_PARITY=1 at the edges of the special functions' domains (2026-12-05)
    **{
        f"special.i1e-{dtype}": "difference: the gradient at a NaN input is NaN; torch's is g/2 (its backward "
        "takes every x that is not above eps in magnitude, NaN included, for the x = 0 case)"
        for dtype in ("float32", "float64")
    },
    **{
        f"special.zeta-{dtype}": "difference: ζ(1e20, q) is 0 for q > 1 (every term (k + q)^-x underflows), "
        "torch's is NaN; ζ(NaN, -inf) is NaN where torch returns its pole value inf"
        for dtype in ("float32", "float64")
    },
    **{
        f"special.log_ndtr-{dtype}": "difference: the gradient φ(x)/Φ(x) is computed from erfcx and is right to the "
        "last bits (501.002 at x = -501, +inf at -inf, the limit); torch's exp(-x²/2 - log_ndtr(x))/√(2π) cancels "
        "catastrophically there (499.63 in float32, 0.4% off at -5e6 in float64, NaN at -inf)"
        for dtype in ("float32", "float64")
    },
    "digamma-float64": "difference: digamma's gradient ψ⁽¹⁾ is inf at its poles 0, -1, -2, ...; torch's is "
    "π²/sin²(πx) with a rounded sin (7e32 at -1, 3e27 at -501)",
    "logcumsumexp-float32": "difference: where the positive and negative parts of the upstream gradient cancel, "
    "float32 gradients differ from torch's by up to 3e-3 relative (both are that far from the float64 value)",
    # api-rest: the names left out of issue 12, each with its reason
    "bfloat16": "missing: NumPy has no bfloat16. ml_dtypes (jax-ml's, what ONNX and JAX use) adds one, but as an "
    "extra it would not make .bfloat16() work end to end: NumPy promotes it otherwise than torch (bfloat16 + int64 "
    "tensor is float64, torch's is bfloat16; a bfloat16 matmul returns float32) and the Cython kernels take float32/"
    "float64 only, so every op would need its own cast path",
    "slice": "missing: op_db's `slice` is aten's internal slice op, with no torch function or Tensor method; "
    "Python slicing (x[a:b:c], narrow) covers it",
}


@dataclass(frozen=True)
class Binding:
    """One way torch spells an op: ``kind`` is "function" (``path`` is dotted from the package root, e.g.
    ``nn.functional.relu``), "method" or "inplace" (``path`` is a ``Tensor`` attribute name)."""

    kind: str
    path: str


def namespace(name):
    """The namespace an op_db name lives in ("torch", "nn.functional", "linalg", "special"), None if out of scope."""
    if name in OUT_OF_SCOPE_NAMES or name.startswith(OUT_OF_SCOPE_PREFIXES) or name.endswith(("_copy", "_backward")):
        return None
    for ns in NAMESPACES[1:]:
        if name.startswith(ns + "."):
            return ns
    return None if "." in name else "torch"


def resolve(lib, binding):
    """The attribute of ``lib`` (the ``torch`` or ``minigrad`` module) a binding names, or None if it has none."""
    if binding.kind == "function":
        obj = lib
        for part in binding.path.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj if callable(obj) else None
    return getattr(lib.Tensor, binding.path, None)


def bindings(torch, opinfo):
    """Every spelling torch has for an OpInfo: its function and aliases, its method, its in-place method."""
    names = [opinfo.name] + [alias.name for alias in opinfo.aliases]
    found = [Binding("function", n) for n in names if resolve(torch, Binding("function", n)) is not None]
    method_names = [getattr(opinfo.method_variant, "__name__", None)]
    if namespace(opinfo.name) == "torch":  # Tensor attributes without a method variant in op_db: T, mT, item, ...
        method_names += names
    found += [Binding("method", n) for n in dict.fromkeys(method_names) if n and hasattr(torch.Tensor, n)]
    inplace = getattr(opinfo.inplace_variant, "__name__", None)
    if inplace and hasattr(torch.Tensor, inplace):
        found.append(Binding("inplace", inplace))
    return found


def load_op_db():
    """torch's OpInfo list (raises ImportError without torch or expecttest)."""
    from torch.testing._internal.common_methods_invocations import op_db  # noqa: PLC0415 (heavy, torch-only)

    return op_db


def coverage(torch, minigrad, op_db):
    """{namespace: {name: {kind: (torch's names, minigrad's names)}}} for every in-scope op_db name."""
    table = collections.defaultdict(dict)
    for opinfo in op_db:
        ns = namespace(opinfo.name)
        if ns is None:
            continue
        row = table[ns].setdefault(opinfo.name, {kind: (set(), set()) for kind in ("function", "method", "inplace")})
        for binding in bindings(torch, opinfo):
            row[binding.kind][0].add(binding.path)
            if resolve(minigrad, binding) is not None:
                row[binding.kind][1].add(binding.path)
    return table


def exposed(row):
    """Whether minigrad has an op under any of torch's names for it."""
    return any(ours for _, ours in row.values())


def _cell(theirs, ours):
    if not theirs:
        return "—"
    missing = sorted(theirs - ours)
    if not ours:
        return "no"
    return "yes" + (f" (not {', '.join(f'`{m}`' for m in missing)})" if missing else "")


def _differences(name):
    """The KNOWN_DIFFERENCES reasons filed under an op name, its variants ("norm.nuc") or its test cases
    ("square-bool", "eye-errors"), each once, prefixed with the cases it applies to."""
    where = collections.defaultdict(list)
    for key, reason in sorted(KNOWN_DIFFERENCES.items()):
        op = re.split(r"[-:]", key)[0]
        if op == name or op.startswith(name + "."):
            where[reason].append(key[len(name) :].lstrip(".-"))
    return [f"{', '.join(cases)}: {reason}" if any(cases) else reason for reason, cases in where.items()]


def render(torch, minigrad, op_db):
    """The markdown text of the coverage page."""
    table = coverage(torch, minigrad, op_db)
    counts = {ns: (sum(exposed(r) for r in table[ns].values()), len(table[ns])) for ns in NAMESPACES}
    total = tuple(sum(c[i] for c in counts.values()) for i in (0, 1))
    lines = [
        "# minigrad and PyTorch's op surface",
        "",
        f"Generated by `python tools/torch_api.py` from torch {torch.__version__}'s OpInfo database "
        "(`torch.testing._internal.common_methods_invocations.op_db`); `tests/test_torch_api_page.py` fails when "
        "this page is stale. `tests/test_op_db.py` runs every op marked here against torch on op_db's own sample, "
        "reference and error inputs. Where torch leaves a result unspecified (the order of equal values after an "
        "unstable sort, which of several equal values kthvalue, topk and mode point at, eigenvector signs, gradients "
        "at NaN inputs of the activations whose NaN gradient depends on torch's code path) it accepts every valid "
        "answer.",
        "",
        "Out of scope: complex numbers, sparse tensors, fft and signal processing, `masked.*`, quantised ops and "
        "internal aten ops (`_`-prefixed, `torch.ops.*`, `*_copy`, `native_*`, `*_backward`, `jiterator_*`).",
        "",
        "| namespace | minigrad has | op_db names |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| `{'torch' if ns == 'torch' else 'torch.' + ns}` | {counts[ns][0]} | {counts[ns][1]} |" for ns in NAMESPACES
    ]
    lines += [f"| all | {total[0]} | {total[1]} |", ""]
    lines += [
        "Columns: whether minigrad has torch's function, `Tensor` method and in-place method for the op "
        "(— where torch has none; `not x` lists torch's aliases minigrad lacks)."
    ]
    for ns in NAMESPACES:
        lines += [
            "",
            f"## `{'torch' if ns == 'torch' else 'torch.' + ns}` ({counts[ns][0]}/{counts[ns][1]})",
            "",
            "| op | function | method | in-place | difference from torch |",
            "| --- | --- | --- | --- | --- |",
        ]
        for name in sorted(table[ns]):
            row = table[ns][name]
            cells = " | ".join(_cell(*row[kind]) for kind in ("function", "method", "inplace"))
            lines.append(f"| `{name}` | {cells} | {'; '.join(_differences(name))} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/torch_api.md is stale")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import torch  # noqa: PLC0415

    import minigrad  # noqa: PLC0415 (this checkout's minigrad, found through the path set just above)

    text = render(torch, minigrad, load_op_db())
    if args.check:
        stale = not PAGE.exists() or PAGE.read_text() != text
        print(f"{PAGE.relative_to(ROOT)} is {'stale: run python tools/torch_api.py' if stale else 'up to date'}")
        return int(stale)
    PAGE.write_text(text)
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
