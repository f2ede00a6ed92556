"""max_pool2d 2×2 forward+backward (float32, 64×32×28×28) in minigrad and in torch, same process.

    python benchmarks/bench_pooling.py [--repeats 50] [--json out.json]

Each step makes the pooled output of a leaf that requires grad and backpropagates a fixed upstream gradient; the two
libraries are timed in alternating rounds (the machines are shared). Target ratio minigrad/torch: <= 1.0.
Also shown, untargeted: avg_pool2d 2×2 and adaptive_avg_pool2d to 1×1 (a classifier head) on the same input, and
max_pool3d 2×2×2 on a 16×16×16×28×28 volume (as many elements).
"""

import numpy as np

import minigrad
from _timing import compare, run_benchmark

SHAPE = (64, 32, 28, 28)
# (name, function name, input shape, positional arguments, target ratio)
WORKLOADS = [
    ("max_pool2d 2x2 64x32x28x28", "max_pool2d", SHAPE, (2,), 1.0),
    ("avg_pool2d 2x2 64x32x28x28", "avg_pool2d", SHAPE, (2,), None),
    ("adaptive_avg_pool2d 1x1 64x32x28x28", "adaptive_avg_pool2d", SHAPE, (1,), None),
    ("max_pool3d 2x2x2 16x16x16x28x28", "max_pool3d", (16, 16, 16, 28, 28), (2,), None),
]


def step(library, function_name, args, x, upstream_shape):
    """One forward+backward of ``library``'s pooling on a leaf built once."""
    pool = getattr(library.nn.functional, function_name)
    leaf = library.tensor(x, requires_grad=True)
    upstream = library.tensor(np.ones(upstream_shape, np.float32))

    def run():
        leaf.grad = None
        pool(leaf, *args).backward(upstream)

    return run


def measure(torch, repeats):
    rows = []
    for name, function_name, shape, args, target in WORKLOADS:
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        out_shape = getattr(minigrad.nn.functional, function_name)(minigrad.tensor(x), *args).shape
        ours, theirs = compare(
            step(minigrad, function_name, args, x, out_shape),
            step(torch, function_name, args, x, out_shape) if torch else None,
            repeats,
        )
        rows.append((f"{name} fwd+bwd f32", ours, theirs, target))
    return rows, None


if __name__ == "__main__":
    run_benchmark(measure, __doc__.splitlines()[0])
