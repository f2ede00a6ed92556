"""Timing helpers shared by the benchmarks: medians of repeated runs, alternating rounds, a ratio table.

The benchmark machines are shared and noisy, so minigrad and torch are timed in alternating rounds (a load spike
hits both sides of a ratio) and every figure is a median.
"""

import argparse
import json
import time

import numpy as np


def median_time(fn, repeats=30, warmup=5):
    """Median wall time of ``fn()`` in seconds over ``repeats`` runs, after ``warmup`` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def interleaved_medians(functions, repeats, rounds=5):
    """Median time of each function, measured in alternating rounds so that all of them see the same machine load:
    the median over rounds of each round's median."""
    per_round = [
        [median_time(fn, repeats=max(1, repeats // rounds), warmup=2) for fn in functions] for _ in range(rounds)
    ]
    return [float(np.median(column)) for column in zip(*per_round)]


def compare(ours, theirs, repeats):
    """(minigrad seconds, torch seconds or None) for two zero-argument callables; ``theirs`` may be None."""
    if theirs is None:
        return median_time(ours, repeats=repeats), None
    return tuple(interleaved_medians([ours, theirs], repeats))


def forward_backward(lib, op, inputs, differentiable=True):
    """A zero-argument callable running ``op(lib, *leaves)`` on fresh leaves detached from ``inputs`` (requiring
    grad when ``differentiable``), then ``.sum().backward()`` on the result when ``differentiable``: one timed
    step of a small-op benchmark, the same for minigrad and torch."""

    def run():
        leaves = [x.detach().requires_grad_(differentiable) for x in inputs]
        out = op(lib, *leaves)
        if differentiable:
            out.sum().backward()

    return run


def parse_args(description, repeats=50):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeats", type=int, default=repeats, help="timed runs per figure")
    parser.add_argument("--json", default=None, help="also write the table as JSON here")
    return parser.parse_args()


def import_torch():
    try:
        import torch
    except ImportError:
        print("torch not importable: timing minigrad only")
        return None
    return torch


def print_table(rows, json_path=None, torch=None):
    """Print rows of (workload, minigrad seconds, torch seconds or None, target ratio or None) with their ratios."""
    import minigrad

    note = f"minigrad threads: {minigrad.get_num_threads()}"
    if torch is not None:
        note += f", torch threads: {torch.get_num_threads()}"
    print(note)
    print(f"{'workload':<48} {'minigrad ms':>12} {'torch ms':>10} {'ratio':>7} {'target':>7}")
    records = []
    for name, ours, theirs, target in rows:
        ratio = ours / theirs if theirs else None
        verdict = "" if ratio is None or target is None else (" ok" if ratio <= target else " MISS")
        print(
            f"{name:<48} {ours * 1e3:>12.4f} {theirs * 1e3 if theirs else float('nan'):>10.4f} "
            f"{ratio if ratio is not None else float('nan'):>7.3f} {target if target else float('nan'):>7.2f}{verdict}"
        )
        records.append(
            {
                "workload": name,
                "minigrad_ms": ours * 1e3,
                "torch_ms": theirs * 1e3 if theirs else None,
                "ratio": ratio,
                "target": target,
            }
        )
    if json_path:
        with open(json_path, "w") as f:
            json.dump(records, f, indent=2)
    return records


def run_benchmark(measure, description, repeats=50):
    """The command line of one benchmark file: parse arguments, time ``measure(torch, repeats)``'s workloads,
    print the table (and JSON), then the extra report ``measure`` returns, if any."""
    args = parse_args(description, repeats)
    torch = import_torch()
    rows, report = measure(torch, args.repeats)
    print_table(rows, args.json, torch)
    if report is not None:
        print()
        report()
