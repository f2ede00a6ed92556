"""Margin losses (and two elementwise losses) forward + backward in float32, minigrad and torch in one process.

    python benchmarks/bench_margin.py [--repeats 50] [--json out.json]

Each workload makes leaves that require grad, runs the loss with reduction='mean' and ``backward()``, and prints
the medians and the ratio minigrad/torch against its target: multi_margin 512x1000 <= 0.15, multilabel_margin
256x100 with 5 targets per row <= 0.2, triplet 1024x128 <= 0.5, mse and bce_with_logits on 1e6 elements <= 1.0.

The mse and bce_with_logits rows time the public functionals; the "fused kernel" rows time the same losses through
a minimal autograd Function around minigrad._kernels.elementwise_losses (the kernel call, the cached gradient
scaled in place in the backward), i.e. what the functionals give once they call those kernels.
"""
import argparse

import numpy as np

from _timing import import_torch, median_time, print_table

import minigrad
from minigrad._kernels import elementwise_losses
from minigrad.autograd.function import Function
from minigrad.nn.functional import margin, probabilistic, regression
from minigrad.ops._util import wrap


class FusedElementwiseMean(Function):
    """``forward(input, target, kernel)``: the 'mean' of an elementwise loss kernel, its gradient cached."""

    def forward(self, input, target, kernel):
        x, y = input.data.ravel(), target.data.ravel()
        total, self.grad, _ = kernel(x, y, 1.0 / x.size, input.requires_grad)
        self.shape = input.shape
        return np.asarray(total / x.size, dtype=x.dtype)

    def backward(self, grad):
        self.grad *= self.grad.dtype.type(grad.data)
        return wrap(self.grad if self.grad.shape == self.shape else self.grad.reshape(self.shape)), None, None


def fused_mse(input, target):
    return FusedElementwiseMean.apply(input, target, lambda x, y, s, g: elementwise_losses.mse(
        x, y, s, True, g, minigrad.get_num_threads()) + (None,))


def fused_bce_with_logits(input, target):
    return FusedElementwiseMean.apply(input, target, lambda x, y, s, g: elementwise_losses.
                                      binary_cross_entropy_with_logits(x, y, None, None, s, True, g, False,
                                                                       minigrad.get_num_threads()))


def multi_margin(rng):
    return [rng.standard_normal((512, 1000)).astype(np.float32)], [rng.integers(0, 1000, 512)], {}


def multilabel_margin(rng):
    target = np.full((256, 100), -1)
    target[:, :5] = np.stack([rng.permutation(100)[:5] for _ in range(256)])
    return [rng.standard_normal((256, 100)).astype(np.float32)], [target], {}


def triplet(rng):
    return [rng.standard_normal((1024, 128)).astype(np.float32) for _ in range(3)], [], {}


def mse(rng):
    return [rng.standard_normal(1_000_000).astype(np.float32)], [rng.standard_normal(1_000_000).astype(np.float32)], {}


def bce_with_logits(rng):
    return [rng.standard_normal(1_000_000).astype(np.float32)], [rng.random(1_000_000).astype(np.float32)], {}


# (name, inputs, minigrad loss, torch.nn.functional name, target ratio)
WORKLOADS = [
    ("multi_margin 512x1000", multi_margin, margin.multi_margin_loss, "multi_margin_loss", 0.15),
    ("multilabel_margin 256x100 (5 targets)", multilabel_margin, margin.multilabel_margin_loss,
     "multilabel_margin_loss", 0.2),
    ("triplet 1024x128", triplet, margin.triplet_margin_loss, "triplet_margin_loss", 0.5),
    ("mse 1e6", mse, regression.mse_loss, "mse_loss", 1.0),
    ("bce_with_logits 1e6", bce_with_logits, probabilistic.binary_cross_entropy_with_logits,
     "binary_cross_entropy_with_logits", 1.0),
    ("mse 1e6 (fused kernel)", mse, fused_mse, "mse_loss", 1.0),
    ("bce_with_logits 1e6 (fused kernel)", bce_with_logits, fused_bce_with_logits,
     "binary_cross_entropy_with_logits", 1.0),
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--json", default=None, help="also write the table as JSON")
    args = parser.parse_args()
    torch = import_torch()

    rows = []
    for name, make, loss_fn, torch_name, target in WORKLOADS:
        leaves, constants, kwargs = make(np.random.default_rng(0))
        ours = median_time(step(minigrad, loss_fn, leaves, constants, kwargs), repeats=args.repeats)
        theirs = None
        if torch:
            theirs = median_time(step(torch, getattr(torch.nn.functional, torch_name), leaves, constants, kwargs),
                                 repeats=args.repeats)
        rows.append((f"{name} fwd+bwd f32", ours, theirs, target))
    note = f"minigrad threads: {minigrad.get_num_threads()}"
    if torch:
        note += f", torch threads: {torch.get_num_threads()}"
    print(note)
    print_table(rows, args.json)


if __name__ == "__main__":
    main()
