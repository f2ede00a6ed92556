"""Scans, order statistics, nan-skipping reductions, search and histograms: on 10x10 float32 tensors forward +
backward against torch (issue 12's small-op target: median ratio ≤ 0.5), and on 1e6 float32 elements forward
against the same computation in plain NumPy (target: each within 1.2x). One process, alternating rounds, medians.

    python benchmarks/bench_reduce_ops.py [--repeats 100]
"""

import functools

import numpy as np

from _timing import forward_backward, import_torch, interleaved_medians, parse_args

SMALL = {
    "cumprod": lambda lib, a: a.cumprod(1),
    "cummax": lambda lib, a: a.cummax(1).values,
    "logcumsumexp": lambda lib, a: a.logcumsumexp(1),
    "median(dim)": lambda lib, a: a.median(1).values,
    "quantile": lambda lib, a: lib.quantile(a, 0.3, dim=1),
    "nansum": lambda lib, a: lib.nansum(a, 1),
    "nanmean": lambda lib, a: lib.nanmean(a, 1),
    "aminmax": lambda lib, a: lib.aminmax(a, dim=1).max,
    "diff": lambda lib, a: lib.diff(a, dim=1),
    "trapezoid": lambda lib, a: lib.trapezoid(a, dim=1),
    "trace": lambda lib, a: lib.trace(a),
}

# (name, minigrad on a tensor, NumPy on the array)
LARGE = [
    ("cumprod", lambda lib, t: lib.cumprod(t, 0), lambda a: np.cumprod(a)),
    ("logcumsumexp", lambda lib, t: lib.logcumsumexp(t, 0), lambda a: np.logaddexp.accumulate(a)),
    ("nansum", lambda lib, t: lib.nansum(t), lambda a: np.nansum(a)),
    ("nanmean", lambda lib, t: lib.nanmean(t), lambda a: np.nanmean(a)),
    ("median", lambda lib, t: lib.median(t), lambda a: np.median(a)),
    ("quantile", lambda lib, t: lib.quantile(t, 0.3), lambda a: np.quantile(a, 0.3)),
    ("diff", lambda lib, t: lib.diff(t), lambda a: np.diff(a)),
    ("trapezoid", lambda lib, t: lib.trapezoid(t), lambda a: np.trapezoid(a)),
    ("histc", lambda lib, t: lib.histc(t, 100), lambda a: np.histogram(a, 100, (a.min(), a.max()))[0]),
    ("searchsorted", lambda lib, t: lib.searchsorted(lib.sort(t).values, t), lambda a: np.searchsorted(np.sort(a), a)),
    ("unique", lambda lib, t: lib.unique(t), lambda a: np.unique(a)),
]


def main():
    args = parse_args(__doc__.split("\n\n")[0], repeats=100)
    import minigrad

    torch = import_torch()
    rng = np.random.default_rng(0)
    small = rng.standard_normal((10, 10)).astype(np.float32)
    if torch is not None:
        ratios = []
        print(f"{'op (10x10, fwd+bwd)':<22}{'minigrad us':>12}{'torch us':>10}{'ratio':>8}")
        for name, op in SMALL.items():
            mine, theirs = interleaved_medians(
                [
                    forward_backward(minigrad, op, [minigrad.tensor(small)]),
                    forward_backward(torch, op, [torch.tensor(small)]),
                ],
                args.repeats,
            )
            ratios.append(mine / theirs)
            print(f"{name:<22}{mine * 1e6:>12.1f}{theirs * 1e6:>10.1f}{mine / theirs:>8.2f}")
        print(f"median ratio over {len(ratios)} ops: {np.median(ratios):.2f} (target <= 0.5)\n")
    large = rng.uniform(0.999, 1.001, 1_000_000).astype(np.float32)
    tensor = minigrad.tensor(large)
    print(f"{'op (1e6 f32, forward)':<22}{'minigrad ms':>12}{'NumPy ms':>10}{'ratio':>8}")
    for name, ours, numpy_op in LARGE:
        mine, theirs = interleaved_medians(
            [functools.partial(ours, minigrad, tensor), functools.partial(numpy_op, large)], max(args.repeats // 10, 5)
        )
        print(f"{name:<22}{mine * 1e3:>12.2f}{theirs * 1e3:>10.2f}{mine / theirs:>8.2f}")


if __name__ == "__main__":
    main()
