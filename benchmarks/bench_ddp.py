"""What DistributedDataParallel adds to a training step, on 2 ranks of this machine, for minigrad (MPI) and torch
(gloo over loopback), at about 100k and 10M parameters.

Run it as ``python benchmarks/bench_ddp.py``: it starts itself under ``python -m minigrad.distributed.run
--nproc-per-node 2`` (one thread per rank). Each rank times a plain step and a DDP step on the same per-rank batch;
rank 0 prints the medians and the added time. Targets (issue 18): ≤ +1 ms at 100k, ≤ +30 ms at 10M parameters.
"""

import os
import subprocess
import sys

import numpy as np

from _timing import median_time

WIDTHS = {"100k": (256, 256, 10), "10M": (2048, 2048, 2048, 512)}  # ~0.07M and ~9.4M parameters
# (row name, model, DDP options): torch's defaults, and gradient_as_bucket_view (.grad as views of the buckets)
CASES = [(name, name, {}) for name in WIDTHS] + [("10M view", "10M", {"gradient_as_bucket_view": True})]
BATCH = 32


def _steps(lib, nn, F, model, x, y):
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01)

    def step():
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()

    return step


def _mlp(nn, widths):
    layers = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def minigrad_figures(widths, options):
    import minigrad
    import minigrad.distributed as dist
    import minigrad.nn as nn
    import minigrad.nn.functional as F

    rng = np.random.default_rng(dist.get_rank())
    x = minigrad.tensor(rng.standard_normal((BATCH, widths[0])).astype(np.float32))
    y = minigrad.tensor(rng.integers(0, widths[-1], BATCH))
    plain = median_time(_steps(minigrad, nn, F, _mlp(nn, widths), x, y))
    wrapped = median_time(_steps(minigrad, nn, F, dist.DistributedDataParallel(_mlp(nn, widths), **options), x, y))
    return plain, wrapped


def torch_figures(widths, options, torch):
    import torch.distributed as dist

    rng = np.random.default_rng(dist.get_rank())
    x = torch.tensor(rng.standard_normal((BATCH, widths[0])).astype(np.float32))
    y = torch.tensor(rng.integers(0, widths[-1], BATCH))
    plain = median_time(_steps(torch, torch.nn, torch.nn.functional, _mlp(torch.nn, widths), x, y))
    model = torch.nn.parallel.DistributedDataParallel(_mlp(torch.nn, widths), **options)
    wrapped = median_time(_steps(torch, torch.nn, torch.nn.functional, model, x, y))
    return plain, wrapped


def rank_main():
    import minigrad.distributed as dist

    dist.init_process_group("mpi")
    rank = dist.get_rank()
    try:
        import torch
        import torch.distributed as torch_dist

        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ.setdefault("MASTER_PORT", "29517")
        torch.set_num_threads(1)
        torch_dist.init_process_group("gloo", rank=rank, world_size=dist.get_world_size())
    except ImportError:
        torch = None
    rows = []
    for name, model, options in CASES:
        widths = WIDTHS[model]
        parameters = sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))
        ours = minigrad_figures(widths, options)
        theirs = torch_figures(widths, options, torch) if torch is not None else None
        rows.append((name, parameters, ours, theirs))
    if rank == 0:
        print(
            f"{'model':<10}{'params':>10}  {'minigrad step':>14}{'+DDP':>10}{'added':>9}   {'torch step':>11}"
            f"{'+DDP':>10}{'added':>9}   (ms, 2 ranks x 1 thread)"
        )
        for name, parameters, (plain, wrapped), theirs in rows:
            added = (wrapped - plain) * 1e3
            line = f"{name:<10}{parameters:>10,}  {plain * 1e3:>14.2f}{wrapped * 1e3:>10.2f}{added:>9.2f}"
            if theirs is not None:
                line += f"   {theirs[0] * 1e3:>11.2f}{theirs[1] * 1e3:>10.2f}{(theirs[1] - theirs[0]) * 1e3:>9.2f}"
            print(line, flush=True)


if __name__ == "__main__":
    if os.environ.get("PMI_RANK") is None and os.environ.get("OMPI_COMM_WORLD_RANK") is None:
        sys.exit(
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "minigrad.distributed.run",
                    "--nproc-per-node",
                    "2",
                    "--threads-per-rank",
                    "1",
                    __file__,
                ]
            ).returncode
        )
    rank_main()
