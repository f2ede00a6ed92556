"""Issue 12's two speed clauses on about 20 common ops, forward + backward, in one process (alternating rounds,
medians): on 10x10 float32 tensors against torch (target: the median ratio over the ops ≤ 0.5), and on 1e6
float32 elements (1000x1000) against the same computation written in plain NumPy (target: each op ≤ 1.2×).
Run the 1e6 table single-threaded so both sides use one core::

    python benchmarks/bench_small_ops.py
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/bench_small_ops.py --large-only
"""

import argparse

import numpy as np

from _timing import forward_backward, import_torch, interleaved_medians, median_time

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

# the 1e6 forms of the two ops whose 10x10 form names fixed sizes
LARGE_OPS = {
    **OPS,
    "reshape": lambda lib, a, b: a.reshape(500, 2000),
    "index": lambda lib, a, b: a[200:700, ::2],
}


def _softmax(a):
    e = np.exp(a - a.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _log_softmax(a):
    shifted = a - a.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def _max_rows(a, b):
    index = a.argmax(1)[:, None]
    return np.take_along_axis(a, index, 1)[:, 0], index


def _scatter_rows(g, index, shape):
    out = np.zeros(shape, g.dtype)
    np.put_along_axis(out, index, g[:, None], 1)
    return out


def _sliced(g, shape):
    out = np.zeros(shape, g.dtype)
    out[200:700, ::2] = g
    return out


# name: (forward(a, b) -> (y, saved), backward(g, a, b, y, saved) -> gradients of a and b), written as a NumPy user
# would: the forward keeps what the backward needs, each gradient is the upstream times the local derivative. As
# in torch, two leaves' gradients never share memory (a.grad may be changed in place), so add's second is a copy.
NUMPY_TWINS = {
    "add": (lambda a, b: (a + b, None), lambda g, a, b, y, s: (g, g.copy())),
    "mul": (lambda a, b: (a * b, None), lambda g, a, b, y, s: (g * b, g * a)),
    "div": (
        lambda a, b: (lambda d: (a / d, d))(np.abs(b) + 1),
        lambda g, a, b, y, d: (lambda ga: (ga, -ga * y * np.sign(b)))(g / d),
    ),
    "matmul": (lambda a, b: (a @ b, None), lambda g, a, b, y, s: (g @ b.T, a.T @ g)),
    "exp": (lambda a, b: (np.exp(a), None), lambda g, a, b, y, s: (g * y,)),
    "log": (lambda a, b: (lambda d: (np.log(d), d))(np.abs(a) + 1), lambda g, a, b, y, d: (g / d * np.sign(a),)),
    "tanh": (lambda a, b: (np.tanh(a), None), lambda g, a, b, y, s: (g * (1 - y * y),)),
    "sigmoid": (lambda a, b: (1 / (1 + np.exp(-a)), None), lambda g, a, b, y, s: (g * y * (1 - y),)),
    "relu": (lambda a, b: (np.maximum(a, 0), None), lambda g, a, b, y, s: (g * (a > 0),)),
    "pow": (lambda a, b: (a * a, None), lambda g, a, b, y, s: (g * 2 * a,)),
    "sum": (lambda a, b: (a.sum(0), None), lambda g, a, b, y, s: (np.broadcast_to(g, a.shape).copy(),)),
    "mean": (
        lambda a, b: (a.mean(1), None),
        lambda g, a, b, y, s: (np.broadcast_to(g[:, None] / a.shape[1], a.shape).copy(),),
    ),
    "max": (_max_rows, lambda g, a, b, y, index: (_scatter_rows(g, index, a.shape),)),
    "softmax": (lambda a, b: (_softmax(a), None), lambda g, a, b, y, s: (y * (g - (g * y).sum(-1, keepdims=True)),)),
    "log_softmax": (
        lambda a, b: (_log_softmax(a), None),
        lambda g, a, b, y, s: (g - np.exp(y) * g.sum(-1, keepdims=True),),
    ),
    "reshape": (lambda a, b: (a.reshape(500, 2000), None), lambda g, a, b, y, s: (g.reshape(a.shape),)),
    "transpose": (lambda a, b: (a.T, None), lambda g, a, b, y, s: (g.T,)),
    "index": (lambda a, b: (a[200:700, ::2], None), lambda g, a, b, y, s: (_sliced(g, a.shape),)),
    "cat": (lambda a, b: (np.concatenate([a, b], 1), None), lambda g, a, b, y, s: (g[:, :1000], g[:, 1000:])),
    "where": (
        lambda a, b: (lambda m: (np.where(m, a, b), m))(a > 0),
        lambda g, a, b, y, m: (np.where(m, g, 0), np.where(m, 0, g)),
    ),
    "linear": (lambda a, b: (a @ b.T, None), lambda g, a, b, y, s: (g @ b, g.T @ a)),
}


def numpy_step(forward, backward, a, b):
    """One forward + backward in NumPy, as ``forward_backward`` runs the op: the forward, its sum, and the
    gradients under an upstream of ones."""

    def run():
        y, saved = forward(a, b)
        y.sum()
        backward(np.ones_like(y), a, b, y, saved)

    return run


def small_table(minigrad, torch, repeats):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((10, 10)).astype(np.float32) for _ in range(2)]
    ours_inputs = [minigrad.tensor(a) for a in arrays]
    theirs_inputs = [torch.tensor(a) for a in arrays] if torch is not None else None
    ratios = []
    print(f"{'op (10x10, fwd+bwd)':<22}{'minigrad us':>12}{'torch us':>10}{'ratio':>8}")
    for name, op in OPS.items():
        ours = forward_backward(minigrad, op, ours_inputs)
        if torch is None:
            print(f"{name:<22}{median_time(ours, repeats) * 1e6:>12.1f}")
            continue
        mine, theirs = interleaved_medians([ours, forward_backward(torch, op, theirs_inputs)], repeats)
        ratios.append(mine / theirs)
        print(f"{name:<22}{mine * 1e6:>12.1f}{theirs * 1e6:>10.1f}{mine / theirs:>8.2f}")
    if ratios:
        print(f"median ratio over {len(ratios)} ops: {np.median(ratios):.3f} (target <= 0.5)")


def large_table(minigrad, repeats):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((1000, 1000)).astype(np.float32) for _ in range(2)]
    inputs = [minigrad.tensor(a) for a in arrays]
    print(f"{'op (1e6 f32, fwd+bwd)':<22}{'minigrad ms':>12}{'NumPy ms':>10}{'ratio':>8}  (target <= 1.2)")
    worst = 0.0
    for name, op in LARGE_OPS.items():
        mine, theirs = interleaved_medians(
            [forward_backward(minigrad, op, inputs), numpy_step(*NUMPY_TWINS[name], *arrays)], repeats
        )
        worst = max(worst, mine / theirs)
        print(f"{name:<22}{mine * 1e3:>12.2f}{theirs * 1e3:>10.2f}{mine / theirs:>8.2f}")
    print(f"largest 1e6 ratio over {len(LARGE_OPS)} ops: {worst:.2f} (target <= 1.2)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=300, help="timed runs per 10x10 figure")
    parser.add_argument("--large-repeats", type=int, default=25, help="timed runs per 1e6 figure")
    parser.add_argument("--large-only", action="store_true", help="only the 1e6 table against NumPy")
    args = parser.parse_args()
    import minigrad

    if not args.large_only:
        small_table(minigrad, import_torch(), args.repeats)
        print()
    large_table(minigrad, args.large_repeats)


if __name__ == "__main__":
    main()
