"""conv1d/conv2d forward + backward (float32) in minigrad and in torch, same process.

    python benchmarks/bench_conv.py [--repeats 30] [--json out.json]

Each workload makes an input, weight and bias that all require grad (a layer inside a network), runs the
convolution and ``backward`` with a fixed upstream gradient. The two libraries are timed in alternating rounds (the
machines are shared). The first row is issue 14's target (conv2d N=32, 16->32 channels, 28x28, k=3, pad 1:
ratio <= 1.0); the others have no target. After the table, minigrad's step on that workload is split into its
parts (im2col, the three GEMMs, col2im, the layout copies) measured one by one, to show where the time goes.
"""
import numpy as np

from _timing import median_time, compare, run_benchmark

import minigrad
import minigrad.nn.functional as F
from minigrad.ops.conv import Window, col2im, im2col

# (name, function, input shape, weight shape, keyword arguments, target ratio)
WORKLOADS = [
    ("conv2d 32x16x28x28 -> 32, k3 p1", "conv2d", (32, 16, 28, 28), (32, 16, 3, 3), {"padding": 1}, 1.0),
    ("conv2d 64x1x28x28 -> 32, k3 (MNIST Net conv1)", "conv2d", (64, 1, 28, 28), (32, 1, 3, 3), {}, None),
    ("conv2d 64x32x26x26 -> 64, k3 (MNIST Net conv2)", "conv2d", (64, 32, 26, 26), (64, 32, 3, 3), {}, None),
    ("conv2d depthwise 32x32x28x28, k3 p1", "conv2d", (32, 32, 28, 28), (32, 1, 3, 3), {"padding": 1, "groups": 32},
     None),
    ("conv1d 32x64x256 -> 64, k5 p2", "conv1d", (32, 64, 256), (64, 64, 5), {"padding": 2}, None),
]


def make_arrays(x_shape, w_shape, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = (rng.standard_normal(w_shape) * 0.1).astype(np.float32)
    return x, w, rng.standard_normal(w_shape[0]).astype(np.float32)


def step(library, function, arrays, kwargs):
    """One forward+backward of ``library``'s convolution on leaves built once; the upstream gradient is fixed."""
    conv = getattr(F if library is minigrad else library.nn.functional, function)
    x, w, b = (library.tensor(a, requires_grad=True) for a in arrays)
    upstream = library.ones(*conv(x, w, b, **kwargs).shape)

    def run():
        x.grad = w.grad = b.grad = None
        conv(x, w, b, **kwargs).backward(upstream)
    return run


def breakdown_report(x, w, repeats):
    """Time each part of minigrad's conv2d step on its own (the same arrays Conv's forward and backward use)."""
    n, c, h, width = x.shape
    o = w.shape[0]
    window = Window((3, 3), (1, 1), (1, 1), (1, 1), (h, width), (h, width))
    cols = np.empty((c * 9, n, h * width), np.float32)
    matrix = cols.reshape(c * 9, -1)
    weight = w.reshape(o, -1)
    grad = np.ones((n, o, h * width), np.float32)
    grad_t = np.ascontiguousarray(grad.transpose(1, 0, 2)).reshape(o, -1)
    product = weight @ matrix
    parts = [
        ("im2col", lambda: im2col(x, window, cols)),
        ("GEMM forward W cols", lambda: np.matmul(weight, matrix, out=product)),
        ("copy (O, N L) -> (N, O, L) + bias", lambda: np.add(product.reshape(o, n, -1).transpose(1, 0, 2), 1.0)),
        ("copy grad (N, O, L) -> (O, N L)", lambda: np.ascontiguousarray(grad.transpose(1, 0, 2))),
        ("GEMM weight grad g colsT", lambda: grad_t @ matrix.T),
        ("GEMM column grad WT g", lambda: weight.T @ grad_t),
        ("col2im", lambda: col2im(cols, x.shape, window)),
    ]
    total = 0.0
    for name, fn in parts:
        seconds = median_time(fn, repeats=repeats)
        total += seconds
        print(f"  {name:<40} {seconds * 1e3:8.3f} ms")
    print(f"  {'sum of the parts':<40} {total * 1e3:8.3f} ms")


def measure(torch, repeats):
    """Table rows (name, minigrad s, torch s, target) and the breakdown of the target workload."""
    rows = []
    for name, function, x_shape, w_shape, kwargs, target in WORKLOADS:
        arrays = make_arrays(x_shape, w_shape)
        ours, theirs = compare(step(minigrad, function, arrays, kwargs),
                               step(torch, function, arrays, kwargs) if torch else None, repeats)
        rows.append((f"{name} fwd+bwd f32", ours, theirs, target))

    def report():
        print(f"minigrad's step on {WORKLOADS[0][0]}, part by part:")
        x, w, _ = make_arrays(WORKLOADS[0][2], WORKLOADS[0][3])
        breakdown_report(x, w, repeats)
    return rows, report


if __name__ == "__main__":
    run_benchmark(measure, __doc__.splitlines()[0], repeats=30)
