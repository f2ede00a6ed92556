"""cross_entropy / nll_loss forward + backward (float32) in minigrad and in torch, same process.

    python benchmarks/bench_ce.py [--repeats 50] [--json out.json]

Each workload makes a logits leaf that requires grad, runs the loss with reduction='mean' and ``backward()``.
The two libraries are timed in alternating rounds (the machines are shared). Prints the medians and the ratio
minigrad/torch against its target (<= 0.7 for ce 32x10, <= 0.5 for the others),
then, for ce 4096x1000, the effective bandwidth of minigrad's step against the 2·N·C·4-byte minimum (read the
logits once, write the gradient once) and against a measured ``np.copyto`` of the same array; and, for nll 4096x1000,
the floor of any implementation that returns a dense gradient: writing the N·C gradient values alone (the
``nll_backward`` kernel into a preallocated buffer), as a fraction of torch's whole step.
"""

import numpy as np

import minigrad
from _timing import compare, median_time, run_benchmark
from minigrad._kernels import cross_entropy as _kernel
from minigrad.nn.functional.classification import cross_entropy, nll_loss

# (name, loss, input shape, keyword arguments, target ratio); "weight" becomes a random (C,) weight. The last
# workload (segmentation-shaped, class axis 1 of a 4-D input) has no target: it shows the column kernel.
WORKLOADS = [
    ("ce 32x10", "cross_entropy", (32, 10), {}, 0.7),
    ("ce 512x1000", "cross_entropy", (512, 1000), {}, 0.5),
    ("ce 4096x1000", "cross_entropy", (4096, 1000), {}, 0.5),
    ("ce 4096x1000 weight+smoothing 0.1", "cross_entropy", (4096, 1000), {"weight": True, "label_smoothing": 0.1}, 0.5),
    ("nll 4096x1000", "nll_loss", (4096, 1000), {}, 0.5),
    ("ce 16x21x64x64 (N,C,H,W)", "cross_entropy", (16, 21, 64, 64), {}, None),
]


def make_inputs(shape, seed=0):
    rng = np.random.default_rng(seed)
    classes = shape[1]
    return (
        (rng.standard_normal(shape) * 2).astype(np.float32),
        rng.integers(0, classes, shape[:1] + shape[2:]),
        (rng.random(classes) + 0.5).astype(np.float32),
    )


def step(library, loss_name, logits, target, weight, kwargs):
    """One forward+backward of ``library``'s loss (minigrad or torch) on fresh leaves built once."""
    functions = (
        {"cross_entropy": cross_entropy, "nll_loss": nll_loss}
        if library is minigrad
        else {"cross_entropy": library.nn.functional.cross_entropy, "nll_loss": library.nn.functional.nll_loss}
    )
    loss_fn = functions[loss_name]
    leaf = library.tensor(logits, requires_grad=True)
    target = library.tensor(target)
    kwargs = dict(kwargs, weight=library.tensor(weight)) if kwargs.get("weight") else kwargs

    def run():
        leaf.grad = None
        loss_fn(leaf, target, **kwargs).backward()

    return run


def bandwidth_report(N, C, seconds, repeats):
    """GB/s of the minimal traffic 2·N·C·4 bytes in ``seconds``, next to what np.copyto reaches."""
    src = np.random.default_rng(1).standard_normal((N, C)).astype(np.float32)
    dst = np.empty_like(src)
    copy = median_time(lambda: np.copyto(dst, src), repeats=repeats)
    minimum = 2 * N * C * 4
    print(
        f"ce {N}x{C} bandwidth: minimum traffic {minimum / 1e6:.1f} MB; minigrad step {seconds * 1e3:.3f} ms "
        f"= {minimum / seconds / 1e9:.1f} GB/s effective; np.copyto (same traffic) {copy * 1e3:.3f} ms "
        f"= {minimum / copy / 1e9:.1f} GB/s; minigrad / copyto = {seconds / copy:.2f}"
    )


def gradient_floor_report(N, C, torch_seconds, repeats):
    """How long zeroing the (N, C) float32 gradient and writing its N target entries takes on its own (the nll
    kernel, whose loss reads only the N target entries)."""
    x, grad, losses = np.zeros((N, C), np.float32), np.empty((N, C), np.float32), np.empty(N, np.float32)
    target = np.random.default_rng(2).integers(0, C, N)
    floor = median_time(
        lambda: _kernel.nll(x, target, None, -100, 1 / N, losses, grad, minigrad.get_num_threads()), repeats=repeats
    )
    versus = f" = {floor / torch_seconds:.2f} of torch's step" if torch_seconds else ""
    print(
        f"nll {N}x{C} floor: writing the dense {N * C * 4 / 1e6:.1f} MB gradient alone takes "
        f"{floor * 1e3:.3f} ms{versus}"
    )


def measure(torch, repeats):
    """Table rows (name, minigrad s, torch s, target) and a printer for ce 4096x1000's bandwidth and nll
    4096x1000's floor."""
    rows, bandwidth_case, floor_case = [], None, None
    for name, loss_name, shape, kwargs, target_ratio in WORKLOADS:
        inputs = make_inputs(shape)
        ours, theirs = compare(
            step(minigrad, loss_name, *inputs, kwargs),
            step(torch, loss_name, *inputs, kwargs) if torch else None,
            repeats,
        )
        rows.append((f"{name} fwd+bwd f32", ours, theirs, target_ratio))
        if name == "ce 4096x1000":
            bandwidth_case = shape + (ours,)
        if name == "nll 4096x1000":
            floor_case = shape + (theirs,)

    def report():
        bandwidth_report(*bandwidth_case, repeats)
        gradient_floor_report(*floor_case, repeats)

    return rows, report


if __name__ == "__main__":
    run_benchmark(measure, __doc__.splitlines()[0])
