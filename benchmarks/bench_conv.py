"""conv1d/conv2d/conv_transpose2d forward + backward (float32) in minigrad and in torch, same process.

    python benchmarks/bench_conv.py [--repeats 30] [--json out.json]

Each workload makes an input, weight and bias that all require grad (a layer inside a network), runs the
convolution and ``backward`` with a fixed upstream gradient. The two libraries are timed in alternating rounds (the
machines are shared). The first row is issue 14's target (conv2d N=32, 16->32 channels, 28x28, k=3, pad 1:
ratio <= 1.0); the next rows, without target, are other shapes. Then two training steps with issue 14's target
(ratio <= 1.0): LeNet-5 and pytorch/examples' MNIST ``Net``, batch 64 of 28x28 images, each a zero_grad, forward,
loss, backward and SGD step of the same network built in both libraries. After the table, minigrad's step on the
first workload is split into its parts (the node's forward and backward, the im2col and col2im calls within them)
measured one by one.
"""

import numpy as np

import minigrad
import minigrad.nn.functional as F
from _timing import compare, median_time, run_benchmark
from minigrad.ops.conv import _chunk_images, col2im, im2col

# (name, function, input shape, weight shape, keyword arguments, target ratio)
WORKLOADS = [
    ("conv2d 32x16x28x28 -> 32, k3 p1", "conv2d", (32, 16, 28, 28), (32, 16, 3, 3), {"padding": 1}, 1.0),
    ("conv2d 64x1x28x28 -> 32, k3 (MNIST Net conv1)", "conv2d", (64, 1, 28, 28), (32, 1, 3, 3), {}, None),
    ("conv2d 64x32x26x26 -> 64, k3 (MNIST Net conv2)", "conv2d", (64, 32, 26, 26), (64, 32, 3, 3), {}, None),
    (
        "conv2d depthwise 32x32x28x28, k3 p1",
        "conv2d",
        (32, 32, 28, 28),
        (32, 1, 3, 3),
        {"padding": 1, "groups": 32},
        None,
    ),
    ("conv1d 32x64x256 -> 64, k5 p2", "conv1d", (32, 64, 256), (64, 64, 5), {"padding": 2}, None),
    (
        "conv_transpose2d 32x32x14x14 -> 16x28x28, k4 s2 p1",
        "conv_transpose2d",
        (32, 32, 14, 14),
        (32, 16, 4, 4),
        {"stride": 2, "padding": 1},
        None,
    ),
]


def make_arrays(function, x_shape, w_shape, seed=0):
    """Input, weight and bias (as long as the output's channels: a transposed weight is ``(C_in, C_out, ...)``)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = (rng.standard_normal(w_shape) * 0.1).astype(np.float32)
    return x, w, rng.standard_normal(w_shape[1 if "transpose" in function else 0]).astype(np.float32)


def step(library, function, arrays, kwargs):
    """One forward+backward of ``library``'s convolution on leaves built once; the upstream gradient is fixed."""
    conv = getattr(F if library is minigrad else library.nn.functional, function)
    x, w, b = (library.tensor(a, requires_grad=True) for a in arrays)
    upstream = library.ones(*conv(x, w, b, **kwargs).shape)

    def run():
        x.grad = w.grad = b.grad = None
        conv(x, w, b, **kwargs).backward(upstream)

    return run


def lenet5(nn):
    """LeNet-5 for 28x28 digits (ReLU and max pooling): two 5x5 convolutions, three linear layers."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip


def mnist_net(nn):
    """pytorch/examples' MNIST ``Net``: conv 1->32 and 32->64 (3x3), max pool, dropout, two linear layers."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10), nn.LogSoftmax(dim=1),
    )  # fmt: skip


# (name, network builder, loss name, target ratio)
TRAINING = [("LeNet-5 training step, batch 64", lenet5, "cross_entropy", 1.0), ("MNIST Net training step, batch 64",
            mnist_net, "nll_loss", 1.0)]  # fmt: skip


def training_step(library, build, loss_name, seed=0):
    """One SGD training step of ``build(library.nn)`` on a fixed batch of 64 images; the weights are torch's
    initialisation copied into both libraries, so both do the same arithmetic."""
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, 64)
    net = build(library.nn)
    for p in net.parameters():
        p.data = library.tensor((rng.standard_normal(tuple(p.shape)) * 0.05).astype(np.float32))
    optimizer = library.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x, y = library.tensor(images), library.tensor(labels)
    loss_fn = getattr(minigrad.nn.functional if library is minigrad else library.nn.functional, loss_name)

    def run():
        optimizer.zero_grad()
        loss_fn(net(x), y).backward()
        optimizer.step()

    return run


def breakdown_report(arrays, kwargs, repeats):
    """Time the parts of minigrad's step on one workload: the Conv node's forward and first-order backward on
    their own, and the im2col and col2im kernel calls over the whole batch on minigrad's threads (within the node
    they run chunk by chunk on each thread's part of the batch; the rest is GEMMs, the bias and layouts)."""
    x, w, b = (minigrad.tensor(a, requires_grad=True) for a in arrays)
    node = F.conv2d(x, w, b, **kwargs).grad_fn
    grad = np.ones(F.conv2d(x, w, b, **kwargs).shape, np.float32)
    window = node.options["window"]
    rows = arrays[0].shape[1] * window.taps
    cols = np.empty((rows, arrays[0].shape[0], window.positions), np.float32)
    part = np.empty_like(arrays[0])
    parts = [
        ("Conv forward", lambda: node.forward(arrays[0], arrays[1], arrays[2], **node.options)),
        ("Conv backward_arrays", lambda: node.backward_arrays(grad)),
        ("  im2col of the batch (x2 per step)", lambda: im2col(arrays[0], window, cols)),
        ("  col2im of the batch", lambda: col2im(cols, window, part)),
    ]
    print(f"  ({_chunk_images(rows, window, 4)} images per chunk)")
    for name, fn in parts:
        print(f"  {name:<40} {median_time(fn, repeats=repeats) * 1e3:8.3f} ms")


def measure(torch, repeats):
    """Table rows (name, minigrad s, torch s, target) and the breakdown of the target workload."""
    rows = []
    for name, function, x_shape, w_shape, kwargs, target in WORKLOADS:
        arrays = make_arrays(function, x_shape, w_shape)
        ours, theirs = compare(
            step(minigrad, function, arrays, kwargs), step(torch, function, arrays, kwargs) if torch else None, repeats
        )
        rows.append((f"{name} fwd+bwd f32", ours, theirs, target))
    for name, build, loss_name, target in TRAINING:
        ours, theirs = compare(
            training_step(minigrad, build, loss_name),
            training_step(torch, build, loss_name) if torch else None,
            repeats,
        )
        rows.append((name, ours, theirs, target))

    def report():
        print(f"minigrad's step on {WORKLOADS[0][0]}, part by part:")
        breakdown_report(make_arrays(*WORKLOADS[0][1:4]), WORKLOADS[0][4], repeats)

    return rows, report


if __name__ == "__main__":
    run_benchmark(measure, __doc__.splitlines()[0], repeats=30)
