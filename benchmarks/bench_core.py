"""One MLP training step (forward, cross-entropy, backward, Adam) in minigrad and in torch, same process.

    python benchmarks/bench_core.py [--repeats 200] [--json out.json]

Workloads: batch 64 through 784-128-10 (compute-bound) and 64-32-10 (per-op overhead decides). Prints the
median time per step and the ratio minigrad/torch (targets: <= 0.8 and <= 0.6).
"""

import numpy as np

import minigrad
import minigrad.nn as mnn
import minigrad.nn.functional as mF
from _timing import compare, import_torch, parse_args, print_table


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
    args = parse_args(__doc__.splitlines()[1], repeats=300)
    torch = import_torch()
    rows = []
    for name, sizes, target in [
        ("mlp step 64x(784-128-10) adam", (784, 128, 10), 0.8),
        ("mlp step 64x(64-32-10) adam", (64, 32, 10), 0.6),
    ]:
        theirs = make_step(torch, torch.nn, torch.nn.functional, sizes, 64) if torch else None
        rows.append((name, *compare(make_step(minigrad, mnn, mF, sizes, 64), theirs, args.repeats), target))
    print_table(rows, args.json, torch)


if __name__ == "__main__":
    main()
