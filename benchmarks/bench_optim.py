"""Optimizer steps on a 10M-parameter model (50 float32 tensors of 200k), minigrad against torch's foreach path.

    python benchmarks/bench_optim.py [--repeats 20] [--json out.json]

Each workload builds the parameters and fixed gradients once, takes a few warm-up steps (so the state exists),
then times ``optimizer.step()``; the two libraries are timed in alternating rounds (the machines are shared).
Target: minigrad ≤ 0.7 × torch for SGD with momentum, Adam, AdamW, RMSprop and Adagrad (issue 13); the other
optimizers are listed for information.
"""

import numpy as np

import minigrad
from _timing import compare, run_benchmark

TENSORS, SIZE = 50, 200_000
TARGET = 0.7

# (name, optimizer class name, options, target ratio or None)
WORKLOADS = [
    ("SGD momentum=0.9", "SGD", dict(lr=1e-3, momentum=0.9), TARGET),
    ("SGD momentum=0.9 nesterov wd", "SGD", dict(lr=1e-3, momentum=0.9, nesterov=True, weight_decay=1e-4), TARGET),
    ("Adam", "Adam", dict(lr=1e-3), TARGET),
    ("AdamW", "AdamW", dict(lr=1e-3), TARGET),
    ("RMSprop", "RMSprop", dict(lr=1e-3), TARGET),
    ("RMSprop centered momentum", "RMSprop", dict(lr=1e-3, centered=True, momentum=0.9), TARGET),
    ("Adagrad", "Adagrad", dict(lr=1e-2), TARGET),
    ("Adamax", "Adamax", dict(), None),
    ("NAdam", "NAdam", dict(), None),
    ("RAdam", "RAdam", dict(), None),
    ("Adadelta", "Adadelta", dict(), None),
    ("Rprop", "Rprop", dict(), None),
    ("ASGD", "ASGD", dict(), None),
]


def stepper(library, name, options, arrays, grads, **extra):
    """A zero-argument callable taking one optimizer step over parameters built from ``arrays``."""
    params = [library.tensor(array.copy(), requires_grad=True) for array in arrays]
    for p, g in zip(params, grads):
        p.grad = library.tensor(g)
    optimizer = getattr(library.optim, name)(params, **options, **extra)
    for _ in range(2):
        optimizer.step()
    return optimizer.step


def measure(torch, repeats):
    """Table rows (name, minigrad s, torch s or None, target ratio), and no extra report."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(SIZE).astype(np.float32) for _ in range(TENSORS)]
    grads = [rng.standard_normal(SIZE).astype(np.float32) * 1e-2 for _ in range(TENSORS)]
    rows = []
    for label, name, options, target in WORKLOADS:
        ours = stepper(minigrad, name, options, arrays, grads)
        theirs = stepper(torch, name, options, arrays, grads, foreach=True) if torch else None
        seconds = compare(ours, theirs, repeats)
        rows.append((f"{label} step 10M f32", *seconds, target))
    return rows, None


if __name__ == "__main__":
    run_benchmark(measure, __doc__.splitlines()[0], repeats=20)
