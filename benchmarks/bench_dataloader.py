"""DataLoader throughput with worker processes: a dataset whose ``__getitem__`` costs 1 ms, loaded with
``num_workers=2`` against ``num_workers=0``, and the time from ``iter(loader)`` to the first batch.

Targets (issue 13): 2 workers give >= 1.8x the samples per second of one process, and the first batch arrives
within 0.5 s. The 1 ms is a sleep by default: what reading a file or decoding an image waits for, and a figure that
other programs on a shared machine distort less (a heavily loaded machine still delays the workers' wake-ups).
``--busy`` spins the CPU for it instead (then the speed-up is bounded by the free cores). A third row times warm
epochs of persistent workers (no start-up). torch's DataLoader on the same dataset is timed for scale when torch is
installed.

    python benchmarks/bench_dataloader.py [--items 512] [--batch-size 16] [--repeats 5] [--busy] [--start-method fork]
"""

import argparse
import statistics
import time

import numpy as np

import minigrad
from minigrad.utils.data import DataLoader, Dataset


class CostlyItems(Dataset):
    """``n`` items of 64 float32 each, every one costing ``cost`` seconds (slept, or spun with ``busy``)."""

    def __init__(self, n, cost=1e-3, busy=False):
        self.n, self.cost, self.busy = n, cost, busy

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if self.busy:
            end = time.perf_counter() + self.cost
            while time.perf_counter() < end:
                pass
        else:
            time.sleep(self.cost)
        return np.full(64, i, dtype=np.float32), i


def epoch_seconds(make_loader):
    """Wall time of one full pass over a fresh loader (worker start-up included), and of its first batch."""
    start = time.perf_counter()
    iterator = iter(make_loader())
    next(iterator)
    first = time.perf_counter() - start
    for _ in iterator:
        pass
    return time.perf_counter() - start, first


def measure(make_loader, repeats):
    """Medians over ``repeats`` runs of (epoch seconds, first-batch seconds)."""
    runs = [epoch_seconds(make_loader) for _ in range(repeats)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def steady_epoch_seconds(loader, repeats):
    """Median epoch time of a loader with persistent workers, after one warm-up epoch (start-up excluded)."""
    for _ in loader:
        pass
    return statistics.median(epoch_seconds(lambda: loader)[0] for _ in range(repeats))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--busy", action="store_true", help="spin the CPU for the 1 ms instead of sleeping")
    parser.add_argument("--start-method", default=None, help="fork, spawn or forkserver (default: the platform's)")
    args = parser.parse_args()
    dataset = CostlyItems(args.items, busy=args.busy)
    try:
        import torch
        import torch.utils.data as torch_data
    except ImportError:
        torch = None

    def ours(workers, persistent=False):
        context = args.start_method if workers else None
        return lambda: DataLoader(
            dataset,
            batch_size=args.batch_size,
            shuffle=True,
            num_workers=workers,
            multiprocessing_context=context,
            generator=minigrad.Generator(0),
            persistent_workers=persistent,
        )

    def theirs(workers, persistent=False):
        context = args.start_method if workers else None
        return lambda: torch_data.DataLoader(
            dataset,
            batch_size=args.batch_size,
            shuffle=True,
            num_workers=workers,
            multiprocessing_context=context,
            persistent_workers=persistent,
        )

    print(
        f"{args.items} items of 1 ms ({'busy' if args.busy else 'sleep'}), batch {args.batch_size}, "
        f"median of {args.repeats} epochs, each on a fresh loader (worker start-up included)"
    )
    print(f"{'loader':<28} {'epoch s':>8} {'items/s':>9} {'speed-up':>9} {'first batch s':>14}")
    for name, factory in (("minigrad", ours), ("torch", theirs if torch else None)):
        if factory is None:
            continue
        base, _ = measure(factory(0), args.repeats)
        two, first = measure(factory(2), args.repeats)
        print(f"{name + ' num_workers=0':<28} {base:>8.3f} {args.items / base:>9.0f} {1.0:>9.2f} {'':>14}")
        verdict = ("ok" if base / two >= 1.8 else "MISS") if name == "minigrad" else ""
        first_verdict = ("ok" if first <= 0.5 else "MISS") if name == "minigrad" else ""
        print(
            f"{name + ' num_workers=2':<28} {two:>8.3f} {args.items / two:>9.0f} {base / two:>9.2f} "
            f"{first:>14.3f}  {verdict} {first_verdict}".rstrip()
        )
        steady = steady_epoch_seconds(factory(2, persistent=True)(), args.repeats)
        print(f"{name + ' 2 persistent, warm':<28} {steady:>8.3f} {args.items / steady:>9.0f} {base / steady:>9.2f}")


if __name__ == "__main__":
    main()
