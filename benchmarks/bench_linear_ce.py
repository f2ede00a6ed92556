"""linear_cross_entropy forward + backward (float32) in minigrad and in torch, same process; and minigrad's peak
extra memory.

    python benchmarks/bench_linear_ce.py [--repeats 3] [--json out.json]

Workload (issue 14): N = 4096 tokens, hidden 512, vocabulary 32000; ``input`` and ``linear_weight`` require grad,
reduction 'mean', ``backward()``. Torch runs its default (``options=None``: the whole logits) and its chunked path
(``LinearCrossEntropyOptions()``); minigrad its default (chunks of 256 rows). Each step takes seconds, so the
libraries alternate step by step (``compare``'s rounds) with few repeats. Target: minigrad / torch <= 1.0.

Memory: minigrad's peak traced allocation (tracemalloc; NumPy reports its buffers to it) during one step, minus the
two gradients it must return, against the 4·N·C bytes of the whole logits. Target <= 1/8.
"""

import tracemalloc

import numpy as np

import minigrad
from _timing import compare, run_benchmark
from minigrad.nn.functional import linear_cross_entropy

TOKENS, HIDDEN, VOCAB = 4096, 512, 32000


def make_inputs(seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((TOKENS, HIDDEN), dtype=np.float32),
        (rng.standard_normal((VOCAB, HIDDEN), dtype=np.float32) * 0.05),
        rng.integers(0, VOCAB, TOKENS),
    )


def step(library, x, w, target, options=None):
    """One forward + backward of ``library``'s linear_cross_entropy on leaves built once."""
    x, w, target = library.tensor(x, requires_grad=True), library.tensor(w, requires_grad=True), library.tensor(target)
    function = linear_cross_entropy if library is minigrad else library.nn.functional.linear_cross_entropy
    extra = {} if options is None else {"options": options}

    def run():
        x.grad = w.grad = None
        function(x, w, target, **extra).backward()

    return run, (x, w)


def extra_memory(inputs):
    """Peak bytes traced during one minigrad step, minus the gradients it returns."""
    run, (x, w) = step(minigrad, *inputs)
    run()  # first call outside the trace: one-off allocations
    x.grad = w.grad = None
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    run()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak - x.grad._data.nbytes - w.grad._data.nbytes


def measure(torch, repeats):
    inputs = make_inputs()
    ours = step(minigrad, *inputs)[0]
    rows = []
    if torch is None:
        rows.append(("linear_ce 4096x512x32000 fwd+bwd f32", *compare(ours, None, repeats), 1.0))
    else:
        reference = step(torch, *inputs)[0]
        chunked = step(torch, *inputs, options=torch.nn.LinearCrossEntropyOptions())[0]
        mine, theirs = compare(ours, reference, repeats)
        rows.append(("linear_ce 4096x512x32000 vs torch default", mine, theirs, 1.0))
        mine, theirs = compare(ours, chunked, repeats)
        rows.append(("linear_ce 4096x512x32000 vs torch chunked", mine, theirs, 1.0))
    extra = extra_memory(inputs)

    def report():
        logits = 4 * TOKENS * VOCAB
        print(
            f"minigrad peak extra memory {extra / 1e6:.1f} MB = {extra / logits:.4f} of the whole logits "
            f"({logits / 1e6:.1f} MB); target <= {1 / 8:.3f}"
        )

    return rows, report


if __name__ == "__main__":
    run_benchmark(measure, __doc__.splitlines()[0], repeats=5)
