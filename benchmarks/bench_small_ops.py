"""Small-op overhead: about 20 common ops on 10x10 float32 tensors, forward + backward, minigrad vs torch in one
process (alternating rounds, medians). Issue 12's target: the median ratio over the ops ≤ 0.5.

    python benchmarks/bench_small_ops.py
"""

import numpy as np

from _timing import forward_backward, import_torch, interleaved_medians, median_time, parse_args

OPS = {
    "add": lambda lib, a, b: a + b,
    "mul": lambda lib, a, b: a * b,
    "div": lambda lib, a, b: a / (b.abs() + 1),
    "matmul": lambda lib, a, b: a @ b,
    "exp": lambda lib, a, b: a.exp(),
    "log": lambda lib, a, b: (a.abs() + 1).log(),
    "tanh": lambda lib, a, b: a.tanh(),
    "sigmoid": lambda lib, a, b: a.sigmoid(),
    "relu": lambda lib, a, b: a.relu(),
    "pow": lambda lib, a, b: a**2,
    "sum": lambda lib, a, b: a.sum(0),
    "mean": lambda lib, a, b: a.mean(1),
    "max": lambda lib, a, b: a.max(1).values,
    "softmax": lambda lib, a, b: a.softmax(-1),
    "log_softmax": lambda lib, a, b: a.log_softmax(-1),
    "reshape": lambda lib, a, b: a.reshape(5, 20),
    "transpose": lambda lib, a, b: a.t(),
    "index": lambda lib, a, b: a[2:7, ::2],
    "cat": lambda lib, a, b: lib.cat([a, b], 1),
    "where": lambda lib, a, b: lib.where(a > 0, a, b),
    "linear": lambda lib, a, b: lib.nn.functional.linear(a, b),
}


def main():
    args = parse_args(__doc__.split("\n\n")[0], repeats=300)
    import minigrad

    torch = import_torch()
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((10, 10)).astype(np.float32) for _ in range(2)]
    ours_inputs = [minigrad.tensor(a) for a in arrays]
    theirs_inputs = [torch.tensor(a) for a in arrays] if torch is not None else None
    ratios = []
    print(f"{'op (10x10, fwd+bwd)':<22}{'minigrad us':>12}{'torch us':>10}{'ratio':>8}")
    for name, op in OPS.items():
        ours = forward_backward(minigrad, op, ours_inputs)
        if torch is None:
            print(f"{name:<22}{median_time(ours, args.repeats) * 1e6:>12.1f}")
            continue
        mine, theirs = interleaved_medians([ours, forward_backward(torch, op, theirs_inputs)], args.repeats)
        ratios.append(mine / theirs)
        print(f"{name:<22}{mine * 1e6:>12.1f}{theirs * 1e6:>10.1f}{mine / theirs:>8.2f}")
    if ratios:
        print(f"median ratio over {len(ratios)} ops: {np.median(ratios):.2f} (target <= 0.5)")


if __name__ == "__main__":
    main()
