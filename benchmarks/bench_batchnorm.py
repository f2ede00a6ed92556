"""BatchNorm2d + ReLU forward+backward in training mode (float32, 32×16×32×32) in minigrad and in torch.

    python benchmarks/bench_batchnorm.py [--repeats 50] [--json out.json]

Each step runs the layer (batch statistics, running averages updated) and a ReLU on a leaf that requires grad and
backpropagates a fixed upstream gradient into the input, weight and bias; the two libraries are timed in
alternating rounds (the machines are shared). Target ratio minigrad/torch: <= 1.0. Also shown, untargeted:
the same layer in eval mode, and LayerNorm(512) on 4096 rows.
"""

import numpy as np

import minigrad
from _timing import compare, run_benchmark

# (name, make the layer from a library, input shape, train, target ratio)
WORKLOADS = [
    ("BatchNorm2d(16)+ReLU train 32x16x32x32", lambda lib: lib.nn.BatchNorm2d(16), (32, 16, 32, 32), True, 1.0),
    ("BatchNorm2d(16)+ReLU eval 32x16x32x32", lambda lib: lib.nn.BatchNorm2d(16), (32, 16, 32, 32), False, None),
    ("LayerNorm(512)+ReLU 4096x512", lambda lib: lib.nn.LayerNorm(512), (4096, 512), True, None),
]


def step(library, make, x, train):
    """One forward+backward of ``library``'s layer followed by a ReLU, on a leaf built once."""
    layer = make(library)
    layer.train(train)
    leaf = library.tensor(x, requires_grad=True)
    upstream = library.tensor(np.random.default_rng(1).standard_normal(x.shape).astype(np.float32))

    def run():
        leaf.grad = None
        layer.zero_grad()
        library.nn.functional.relu(layer(leaf)).backward(upstream)

    return run


def measure(torch, repeats):
    rows = []
    for name, make, shape, train, target in WORKLOADS:
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        ours, theirs = compare(step(minigrad, make, x, train), step(torch, make, x, train) if torch else None, repeats)
        rows.append((f"{name} fwd+bwd f32", ours, theirs, target))
    return rows, None


if __name__ == "__main__":
    run_benchmark(measure, __doc__.splitlines()[0])
