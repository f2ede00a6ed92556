"""Attention (float32) in minigrad and in torch, same process: MultiheadAttention forward+backward, a Transformer
encoder training step, and the peak memory of a long-sequence scaled_dot_product_attention.

    python benchmarks/bench_attention.py [--repeats 20] [--json out.json]

* ``MultiheadAttention(256, 8)`` self-attention, sequence 128, batch 8, forward + backward: target <= 1.0;
* a 2-layer ``TransformerEncoder`` (d_model 128, 4 heads, feed-forward 512, causal, dropout 0.1), sequence 64,
  batch 16: forward, mean-square loss, backward and an ``AdamW`` step: target <= 1.0;
* ``scaled_dot_product_attention`` at sequence 4096 (batch 1, 8 heads, head dim 64), forward + backward: its time
  next to torch's, and minigrad's peak extra memory (tracemalloc, which NumPy reports its allocations to) against
  the 64 MB bound (the attention matrix alone is 512 MB).
"""

import tracemalloc

import numpy as np

import minigrad
from _timing import compare, median_time, run_benchmark

SEQ, BATCH, EMBED, HEADS = 128, 8, 256, 8


def mha_step(library, x):
    """MultiheadAttention self-attention forward + backward on a leaf input."""
    library.manual_seed(0)
    layer = library.nn.MultiheadAttention(EMBED, HEADS)
    leaf = library.tensor(x, requires_grad=True)

    def run():
        leaf.grad = None
        layer.zero_grad()
        out, _ = layer(leaf, leaf, leaf, need_weights=False)
        out.sum().backward()

    return run


def encoder_step(library, x):
    """A 2-layer causal TransformerEncoder training step with AdamW."""
    library.manual_seed(0)
    layer = library.nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, dropout=0.1)
    model = library.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    optimizer = library.optim.AdamW(model.parameters(), lr=1e-3)
    src = library.tensor(x)
    mask = library.nn.Transformer.generate_square_subsequent_mask(x.shape[0])

    def run():
        optimizer.zero_grad()
        out = model(src, mask=mask, is_causal=True)
        (out * out).mean().backward()
        optimizer.step()

    return run


def long_sdpa_step(library, arrays):
    """scaled_dot_product_attention forward + backward at sequence 4096, causal."""
    q, k, v = (library.tensor(a, requires_grad=True) for a in arrays)

    def run():
        for t in (q, k, v):
            t.grad = None
        library.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True).sum().backward()

    return run


def long_arrays(seq=4096):
    rng = np.random.default_rng(0)
    return [rng.standard_normal((1, 8, seq, 64)).astype(np.float32) for _ in range(3)]


def peak_extra_bytes(fn):
    """The peak of what ``fn`` allocates (tracemalloc) beyond what was allocated when it started."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - before


def measure(torch, repeats):
    rng = np.random.default_rng(0)
    rows = []
    x = rng.standard_normal((SEQ, BATCH, EMBED)).astype(np.float32)
    ours, theirs = compare(mha_step(minigrad, x), mha_step(torch, x) if torch else None, repeats)
    rows.append(("MHA(256,8) self-attn L128 N8 fwd+bwd f32", ours, theirs, 1.0))
    x = rng.standard_normal((64, 16, 128)).astype(np.float32)
    ours, theirs = compare(encoder_step(minigrad, x), encoder_step(torch, x) if torch else None, repeats)
    rows.append(("TransformerEncoder 2x(128,4,ff512) L64 N16 AdamW", ours, theirs, 1.0))
    arrays = long_arrays()
    # one timed run each (a step takes seconds): a rough figure, next to the memory bound that is the point here
    ours = median_time(long_sdpa_step(minigrad, arrays), repeats=1, warmup=0)
    theirs = median_time(long_sdpa_step(torch, arrays), repeats=1, warmup=0) if torch else None
    rows.append(("SDPA B1 H8 L4096 E64 causal fwd+bwd f32", ours, theirs, None))

    def report():
        step = long_sdpa_step(minigrad, arrays)
        peak = peak_extra_bytes(step)
        print(
            f"SDPA B1 H8 L4096 E64 fwd+bwd: minigrad peak extra memory {peak / 2**20:.1f} MB "
            f"(bound 64 MB; the attention matrix alone: {8 * 4096 * 4096 * 4 / 2**20:.0f} MB)"
        )

    return rows, report


if __name__ == "__main__":
    run_benchmark(measure, __doc__.splitlines()[0], repeats=20)
