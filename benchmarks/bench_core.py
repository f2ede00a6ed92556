"""One MLP training step (forward, cross-entropy, backward, Adam) in minigrad and in torch, same process.

    python benchmarks/bench_core.py [--repeats 200] [--json out.json]

Workloads: batch 64 through 784-128-10 (compute-bound) and 64-32-10 (per-op overhead decides). Prints the
median time per step and the ratio minigrad/torch (targets: <= 0.8 and <= 0.6).
"""
import argparse

import numpy as np

from _timing import import_torch, median_time, print_table

import minigrad
import minigrad.nn as mnn
import minigrad.nn.functional as mF


def make_step(lib, nn, F, sizes, batch, seed=0):
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(sizes[0], sizes[1]), nn.ReLU(), nn.Linear(sizes[1], sizes[2]))
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    x = lib.tensor(rng.standard_normal((batch, sizes[0])).astype(np.float32))
    y = lib.tensor(rng.integers(0, sizes[2], batch))

    def step():
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--json", default=None, help="also write the table as JSON here")
    args = parser.parse_args()
    torch = import_torch()
    rows = []
    for name, sizes, target in [("mlp step 64x(784-128-10) adam", (784, 128, 10), 0.8),
                                ("mlp step 64x(64-32-10) adam", (64, 32, 10), 0.6)]:
        ours = median_time(make_step(minigrad, mnn, mF, sizes, 64), repeats=args.repeats, warmup=20)
        theirs = None
        if torch is not None:
            import torch.nn as tnn
            import torch.nn.functional as tF
            theirs = median_time(make_step(torch, tnn, tF, sizes, 64), repeats=args.repeats, warmup=20)
        rows.append((name, ours, theirs, target))
    print_table(rows, args.json)


if __name__ == "__main__":
    main()
