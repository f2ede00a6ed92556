"""The recurrence's two time loops against torch: the compiled one (one kernel call per layer and direction, the
per-step products through the packed thin GEMM or through BLAS from C; with several threads each runs the loop over
its own share of the batch) and the NumPy one kept for when NumPy's BLAS cannot be bound (``_blas.cblas_ready()``
False). Packed variable-length batches, both directions, projections, both dtypes; values, final states and every
gradient. And the thin GEMM itself against NumPy on every edge of its blocking."""

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
from minigrad import _blas
from minigrad._kernels import recurrence as kernel
from minigrad.nn.utils import rnn as rnn_utils
from minigrad.ops import recurrence as recurrence_op

torch = pytest.importorskip("torch")
trnn = torch.nn.utils.rnn

LENGTHS = [3, 7, 5, 7, 1, 4, 6, 2, 5, 1, 3, 2]  # 12 sequences, unsorted, two of full length
CONFIGS = [
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(proj_size=3)),
    ("GRU", dict(bidirectional=True)),
    ("GRU", dict(bias=False)),
    ("RNN", dict(nonlinearity="relu", bidirectional=True)),
    ("RNN", dict()),
]


def _states(state):
    return list(state) if isinstance(state, tuple) else [state]


def _run(kind, options, dtype):
    """Outputs, final states, input and parameter gradients of minigrad's and torch's layer on one packed batch."""
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(5, 6, **options).to(getattr(torch, dtype))
    ours = getattr(nn, kind)(5, 6, dtype=getattr(minigrad, dtype), **options)
    ours.load_state_dict({k: minigrad.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(1)
    x = rng.standard_normal((7, len(LENGTHS), 5)).astype(dtype)
    # nonzero initial states: in reverse the shorter sequences start late, from the initial state, in every share
    layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    sizes = [options.get("proj_size") or 6] + ([6] if kind == "LSTM" else [])
    initial = [rng.standard_normal((layers, len(LENGTHS), size)).astype(dtype) for size in sizes]
    results = []
    for library, utils, module in ((minigrad, rnn_utils, ours), (torch, trnn, theirs)):
        leaf = library.tensor(x, requires_grad=True)
        hx = [library.tensor(state) for state in initial]
        hx = tuple(hx) if kind == "LSTM" else hx[0]
        output, state = module(utils.pack_padded_sequence(leaf, LENGTHS, enforce_sorted=False), hx)
        values = [utils.pad_packed_sequence(output)[0]] + _states(state)
        library.stack([(v * v).sum() for v in values]).sum().backward()
        grads = [leaf.grad] + [p.grad for _, p in sorted(module.named_parameters(), key=lambda item: item[0])]
        results.append([t.detach().numpy() for t in values + grads])
    return results


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("loop", ["compiled", "compiled, BLAS products", "compiled, 3 threads", "numpy"])
@pytest.mark.parametrize("kind, options", CONFIGS, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CONFIGS)])
def test_time_loops_match_torch(kind, options, loop, dtype, monkeypatch):
    if loop == "numpy":
        monkeypatch.setattr(_blas, "cblas_ready", lambda: False)
    elif not _blas.cblas_ready():
        pytest.skip("NumPy's BLAS is not an OpenBLAS minigrad can bind")
    if loop.endswith("BLAS products"):
        monkeypatch.setattr(recurrence_op, "THIN_PRODUCTS", False)
    threads = 3 if loop.endswith("3 threads") else 1  # three shares of 4 sequences, the last of lengths 2, 2, 1, 1
    monkeypatch.setattr(recurrence_op, "get_num_threads", lambda: threads)
    ours, theirs = _run(kind, options, dtype)
    tol = 2e-5 if dtype == "float32" else 1e-11
    for got, want in zip(ours, theirs):
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_batch_shares_follow_the_thread_count(monkeypatch):
    shares = []
    monkeypatch.setattr(recurrence_op, "get_num_threads", lambda: 4)
    for batch in (3, 8, 11, 40):
        with recurrence_op._loop_threads(batch, 1) as (parts, _, _):
            shares.append(parts)
    assert shares == [1, 2, 2, 4]  # at least MIN_SHARE_ROWS sequences per share


@pytest.mark.skipif(not kernel.thin_gemm_available(), reason="the thin GEMM needs AVX-512")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("accumulate", [False, True])
def test_thin_gemm_matches_numpy_on_every_edge(dtype, accumulate):
    rng = np.random.default_rng(2)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for m in (1, 2, 3, 5, 7, 8, 9, 10, 11, 12, 13, 15, 20, 25, 32):  # blocks of every height 1-12, 2 or 3 of them
        for n in (1, 8, 15, 16, 17, 31, 32, 33, 200, 800):  # part of one register, one, two, a partial panel
            k = int(rng.integers(1, 70))
            a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
            c = rng.standard_normal((m, n)).astype(dtype)
            want = a @ b + (c if accumulate else 0)
            kernel.thin_matmul(a, b, c, accumulate)
            np.testing.assert_allclose(c, want, rtol=tol, atol=tol * k)
