"""Timing helpers shared by the benchmarks: medians of repeated runs, and a ratio table."""
import json
import time

import numpy as np


def median_time(fn, repeats=30, warmup=5, min_time=0.0):
    """Median wall time of ``fn()`` in seconds over ``repeats`` runs, after ``warmup`` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    start_all = time.perf_counter()
    while len(times) < repeats or time.perf_counter() - start_all < min_time:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def print_table(rows, json_path=None):
    """Print rows of (workload, minigrad seconds, torch seconds or None, target ratio or None)."""
    print(f"{'workload':<44} {'minigrad ms':>12} {'torch ms':>10} {'ratio':>7} {'target':>7}")
    records = []
    for name, ours, theirs, target in rows:
        ratio = ours / theirs if theirs else None
        verdict = "" if ratio is None or target is None else (" ok" if ratio <= target else " MISS")
        print(f"{name:<44} {ours * 1e3:>12.4f} {theirs * 1e3 if theirs else float('nan'):>10.4f} "
              f"{ratio if ratio is not None else float('nan'):>7.3f} {target if target else float('nan'):>7.2f}{verdict}")
        records.append({"workload": name, "minigrad_ms": ours * 1e3, "torch_ms": theirs * 1e3 if theirs else None,
                        "ratio": ratio, "target": target})
    if json_path:
        with open(json_path, "w") as f:
            json.dump(records, f, indent=2)
    return records


def import_torch():
    try:
        import torch
    except ImportError:
        print("torch not importable: timing minigrad only")
        return None
    return torch
