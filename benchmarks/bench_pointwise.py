"""Issue 12's pointwise ops (hypot, logaddexp, copysign, fmax, ldexp, nan_to_num, comparisons and bitwise ops):
forward + backward on 10x10 float32 tensors against torch (target: median ratio ≤ 0.5), and forward + backward on
1e6 elements against the same computation in plain NumPy (target: each ≤ 1.2×). One process, alternating rounds.

    python benchmarks/bench_pointwise.py [--repeats 300]
"""

import numpy as np

from _timing import forward_backward, import_torch, interleaved_medians, parse_args

# name: (op(lib, a, b), its NumPy forward and partial derivatives, or None for a non-differentiable op)
OPS = {
    "hypot": (lambda lib, a, b: lib.hypot(a, b), lambda a, b: (lambda y: (y, a / y, b / y))(np.hypot(a, b))),
    "logaddexp": (
        lambda lib, a, b: lib.logaddexp(a, b),
        lambda a, b: (np.logaddexp(a, b), 1 / (1 + np.exp(b - a)), 1 / (1 + np.exp(a - b))),
    ),
    "copysign": (lambda lib, a, b: lib.copysign(a, b), lambda a, b: (np.copysign(a, b), np.sign(a) * np.sign(b))),
    "fmax": (lambda lib, a, b: lib.fmax(a, b), lambda a, b: (np.fmax(a, b), a >= b, a < b)),
    "ldexp": (lambda lib, a, b: lib.ldexp(a, b), lambda a, b: (lambda p: (a * p, p, a * p * np.log(2)))(2.0**b)),
    "nan_to_num": (lambda lib, a, b: lib.nan_to_num(a), lambda a, b: (np.nan_to_num(a), np.isfinite(a))),
    "eq": (lambda lib, a, b: lib.eq(a, b), None),
    "bitwise_and": (lambda lib, a, b: lib.bitwise_and(a > 0, b > 0), None),
}


def _numpy_step(numpy_op, a, b):
    """The same computation in NumPy: forward, the sum, and each gradient as upstream (ones) times its partial."""

    def run():
        values, *partials = numpy_op(a, b)
        values.sum()
        upstream = np.ones_like(values)
        for partial in partials:
            upstream * partial

    return run


def main():
    args = parse_args(__doc__.split("\n\n")[0], repeats=300)
    import minigrad

    torch = import_torch()
    rng = np.random.default_rng(0)
    small = [rng.standard_normal((10, 10)).astype(np.float32) for _ in range(2)]
    large = [rng.standard_normal(1_000_000).astype(np.float32) for _ in range(2)]
    header = f"{'op':<14}{'10x10 minigrad us':>18}{'torch us':>10}{'ratio':>7}"
    print(header + f"{'1e6 minigrad ms':>17}{'NumPy ms':>10}{'ratio':>7}")
    small_ratios = []
    for name, (op, numpy_op) in OPS.items():
        differentiable = numpy_op is not None
        ours = forward_backward(minigrad, op, [minigrad.tensor(a) for a in small], differentiable)
        row = f"{name:<14}"
        if torch is not None:
            theirs = forward_backward(torch, op, [torch.tensor(a) for a in small], differentiable)
            mine, reference = interleaved_medians([ours, theirs], args.repeats)
            small_ratios.append(mine / reference)
            row += f"{mine * 1e6:>18.1f}{reference * 1e6:>10.1f}{mine / reference:>7.2f}"
        if differentiable:
            big = forward_backward(minigrad, op, [minigrad.tensor(a) for a in large])
            mine, reference = interleaved_medians([big, _numpy_step(numpy_op, *large)], max(5, args.repeats // 30))
            row += f"{mine * 1e3:>17.2f}{reference * 1e3:>10.2f}{mine / reference:>7.2f}"
        print(row)
    if small_ratios:
        print(f"median 10x10 ratio over {len(small_ratios)} ops: {np.median(small_ratios):.2f} (target <= 0.5)")


if __name__ == "__main__":
    main()
