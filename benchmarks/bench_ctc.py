"""CTC loss forward + backward (float32) in minigrad and in torch, same process.

    python benchmarks/bench_ctc.py [--repeats 50] [--json out.json]

Workloads (time-major log_probs (T, N, C), padded targets of length S, every input and target at full length):
T=100 N=32 C=30 S=20 and T=400 N=16 C=64 S=80. Each library gets a log_probs leaf that requires grad and runs
``ctc_loss(..., reduction='mean')`` then ``backward()``. Prints the medians and the ratio minigrad/torch (target
<= 0.2 for both), then minigrad's speed-up from 1 to 2 threads. The libraries (and the thread counts) are timed in
alternating rounds, so that a load spike on the shared machine hits both sides of a ratio.
"""

import numpy as np

import minigrad
from _timing import compare, interleaved_medians, run_benchmark
from minigrad._threads import get_num_threads, set_num_threads
from minigrad.nn.functional.ctc import ctc_loss

WORKLOADS = [(100, 32, 30, 20), (400, 16, 64, 80)]
TARGET_RATIO = 0.2


def make_inputs(T, N, C, S, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((T, N, C))
    log_probs = (logits - np.log(np.exp(logits).sum(axis=2, keepdims=True))).astype(np.float32)
    targets = rng.integers(1, C, (N, S))  # blank = 0 never appears in a target
    return log_probs, targets, np.full(N, T), np.full(N, S)


def minigrad_step(log_probs, targets, input_lengths, target_lengths):
    leaf = minigrad.tensor(log_probs, requires_grad=True)
    targets, input_lengths, target_lengths = (minigrad.tensor(a) for a in (targets, input_lengths, target_lengths))

    def step():
        leaf.grad = None
        ctc_loss(leaf, targets, input_lengths, target_lengths, reduction="mean").backward()

    return step


def torch_step(torch, log_probs, targets, input_lengths, target_lengths):
    leaf = torch.tensor(log_probs, requires_grad=True)
    targets, input_lengths, target_lengths = (torch.tensor(a) for a in (targets, input_lengths, target_lengths))

    def step():
        leaf.grad = None
        torch.nn.functional.ctc_loss(leaf, targets, input_lengths, target_lengths, reduction="mean").backward()

    return step


def measure(torch, repeats):
    """Table rows (name, minigrad s, torch s, target) and a printer for minigrad's 1 -> 2 thread speed-up."""
    rows, speedups = [], []
    default_threads = get_num_threads()
    for T, N, C, S in WORKLOADS:
        inputs = make_inputs(T, N, C, S)
        name = f"ctc T={T} N={N} C={C} S={S} fwd+bwd f32"
        ours, theirs = compare(minigrad_step(*inputs), torch_step(torch, *inputs) if torch else None, repeats)
        rows.append((name, ours, theirs, TARGET_RATIO))

        def with_threads(threads, step=minigrad_step(*inputs)):  # noqa: B008 - built once per workload, on purpose
            def run():
                set_num_threads(threads)
                step()

            return run

        one, two = interleaved_medians([with_threads(1), with_threads(2)], repeats)
        set_num_threads(default_threads)
        speedups.append((name, one, two))

    def report():
        print(f"{'ctc: minigrad 1 -> 2 threads':<48} {'1 thread ms':>12} {'2 threads ms':>13} {'speed-up':>9}")
        for name, one, two in speedups:
            print(f"{name:<48} {one * 1e3:>12.4f} {two * 1e3:>13.4f} {one / two:>9.2f}")

    return rows, report


if __name__ == "__main__":
    run_benchmark(measure, __doc__.splitlines()[0])
