"""Margin and elementwise losses forward + backward in float32, minigrad and torch in one process.

    python benchmarks/bench_margin.py [--repeats 50] [--json out.json]

Each workload makes leaves that require grad, runs the public functional with reduction='mean' and
``backward()``; the two libraries are timed in alternating rounds (the machines are shared). Prints the medians
and the ratio minigrad/torch against its target: multi_margin 512x1000 <= 0.15, multilabel_margin 256x100 with 5
targets per row <= 0.2, triplet 1024x128 <= 0.5, and <= 1.0 for the six elementwise losses on 1e6 elements (mse,
smooth_l1, huber, bce, bce_with_logits, soft_margin: fused kernels in both libraries).
"""

import numpy as np

import minigrad
from _timing import compare, run_benchmark
from minigrad.nn.functional import margin, probabilistic, regression


def multi_margin(rng):
    return [rng.standard_normal((512, 1000)).astype(np.float32)], [rng.integers(0, 1000, 512)], {}


def multilabel_margin(rng):
    target = np.full((256, 100), -1)
    target[:, :5] = np.stack([rng.permutation(100)[:5] for _ in range(256)])
    return [rng.standard_normal((256, 100)).astype(np.float32)], [target], {}


def triplet(rng):
    return [rng.standard_normal((1024, 128)).astype(np.float32) for _ in range(3)], [], {}


def elementwise(input_kind, target_kind):
    """Inputs of 1e6 float32 elements: 'normal' values, 'unit' values in [0, 1) or random 'signs'."""

    def make(rng):
        draw = {"normal": rng.standard_normal, "unit": rng.random, "signs": lambda n: rng.choice([-1.0, 1.0], n)}
        return [draw[input_kind](1_000_000).astype(np.float32)], [draw[target_kind](1_000_000).astype(np.float32)], {}

    return make


# (name, inputs, minigrad loss, torch.nn.functional name, target ratio)
WORKLOADS = [
    ("multi_margin 512x1000", multi_margin, margin.multi_margin_loss, "multi_margin_loss", 0.15),
    (
        "multilabel_margin 256x100 (5 targets)",
        multilabel_margin,
        margin.multilabel_margin_loss,
        "multilabel_margin_loss",
        0.2,
    ),
    ("triplet 1024x128", triplet, margin.triplet_margin_loss, "triplet_margin_loss", 0.5),
    ("mse 1e6", elementwise("normal", "normal"), regression.mse_loss, "mse_loss", 1.0),
    ("smooth_l1 1e6", elementwise("normal", "normal"), regression.smooth_l1_loss, "smooth_l1_loss", 1.0),
    ("huber 1e6", elementwise("normal", "normal"), regression.huber_loss, "huber_loss", 1.0),
    ("bce 1e6", elementwise("unit", "unit"), probabilistic.binary_cross_entropy, "binary_cross_entropy", 1.0),
    (
        "bce_with_logits 1e6",
        elementwise("normal", "unit"),
        probabilistic.binary_cross_entropy_with_logits,
        "binary_cross_entropy_with_logits",
        1.0,
    ),
    ("soft_margin 1e6", elementwise("normal", "signs"), probabilistic.soft_margin_loss, "soft_margin_loss", 1.0),
]


def step(library, loss_fn, leaves, constants, kwargs):
    """One forward + backward of ``loss_fn`` on leaves (requiring grad) and constants, both built once."""
    leaves = [library.tensor(array, requires_grad=True) for array in leaves]
    constants = [library.tensor(array) for array in constants]

    def run():
        for leaf in leaves:
            leaf.grad = None
        loss_fn(*leaves, *constants, **kwargs).backward()

    return run


def measure(torch, repeats):
    """Table rows (name, minigrad s, torch s or None, target ratio), and no extra report."""
    rows = []
    for name, make, loss_fn, torch_name, target in WORKLOADS:
        leaves, constants, kwargs = make(np.random.default_rng(0))
        ours, theirs = compare(
            step(minigrad, loss_fn, leaves, constants, kwargs),
            step(torch, getattr(torch.nn.functional, torch_name), leaves, constants, kwargs) if torch else None,
            repeats,
        )
        rows.append((f"{name} fwd+bwd f32", ours, theirs, target))
    return rows, None


if __name__ == "__main__":
    run_benchmark(measure, __doc__.splitlines()[0])
