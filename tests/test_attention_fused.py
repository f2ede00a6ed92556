"""The fused attention kernels (``flash_forward``/``flash_backward`` in ``minigrad._kernels.attention``, the
bias-free path of ``ops.attention``) and ``MultiheadAttention``'s packed self-attention node: against the NumPy twin
(``tests/reference/attention.py``) over tile sizes that cut the sequences unevenly, on strided (head-split) views,
at one and two threads, against torch (values and gradients, float32/float64, causal, scale, gqa, batch_first,
unbatched), gradcheck/gradgradcheck in float64, and the NumPy path taken when C BLAS cannot be reached."""

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import _blas
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.nn.functional.dropout import dropout_factors
from minigrad.ops import attention as op
from reference import attention as reference

torch = pytest.importorskip("torch")

needs_cblas = pytest.mark.skipif(not _blas.cblas_ready(), reason="NumPy's BLAS cannot be called from C here")


def _arrays(heads, length, source, dim, value_dim, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    shapes = ((1, heads, length, dim), (1, heads, source, dim), (1, heads, source, value_dim))
    return [rng.standard_normal(shape).astype(dtype) for shape in shapes]


@needs_cblas
@pytest.mark.parametrize("stored", [False, True], ids=["recomputed", "stored"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("tiles", [(8, 16), (16, 8), (64, 128)])
@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
# tiles past the last row and key, L > S and S > L (causal: keys no query sees get zero gradients), one query
@pytest.mark.parametrize("shape", [(3, 17, 29, 8, 6), (2, 29, 17, 8, 6), (1, 1, 5, 4, 4), (2, 40, 90, 5, 3)])
def test_fused_kernels_match_the_reference(shape, causal, tiles, threads, stored, monkeypatch):
    monkeypatch.setattr(op, "ROW_BLOCK", tiles[0])
    monkeypatch.setattr(op, "COL_BLOCK", tiles[1])
    monkeypatch.setattr(op, "PARALLEL_MIN_MACS", 0)  # the threads split even these small heads
    q, k, v = _arrays(*shape)
    scale = 0.4
    saved = minigrad.get_num_threads()
    minigrad.set_num_threads(threads)
    try:
        out, lse, probs = op._fused_forward(q, k, v, causal, scale, backward=stored)
        assert (probs is not None) == stored
        grad = np.random.default_rng(1).standard_normal(out.shape)
        grads = op._fused_backward(q, k, v, out, grad, lse, causal, scale, probs=probs)
    finally:
        minigrad.set_num_threads(saved)
    expected_out, expected_lse = reference.forward(q[0], k[0], v[0], None, causal, scale)
    np.testing.assert_allclose(out[0], expected_out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(lse[0], expected_lse, rtol=1e-12, atol=1e-12)
    if stored:  # softmax(q kᵀ·scale) with 0 where the causal mask hides a key, every entry written
        scores = q[0] @ k[0].transpose(0, 2, 1) * scale
        if causal:
            scores = scores + op.causal_bias(shape[1], shape[2], scores.dtype)
        np.testing.assert_allclose(probs[0], np.exp(scores - expected_lse[..., None]), rtol=1e-12, atol=1e-12)
    for ours, expected in zip(grads, reference.backward(q[0], k[0], v[0], grad[0], None, causal, scale)):
        np.testing.assert_allclose(ours[0], expected, rtol=1e-10, atol=1e-12)


def _sdpa_case(ours_lib, arrays, causal, scale, gqa, permuted):
    """scaled_dot_product_attention forward + backward with a fixed output gradient; (out, grads)."""
    leaves = [ours_lib.tensor(a, requires_grad=True) for a in arrays]
    inputs = [x.permute(1, 0, 2, 3) for x in leaves] if permuted else leaves
    fn = F.scaled_dot_product_attention if ours_lib is minigrad else torch.nn.functional.scaled_dot_product_attention
    out = fn(*inputs, is_causal=causal, scale=scale, enable_gqa=gqa)
    grad = np.random.default_rng(2).standard_normal(tuple(out.shape)).astype(arrays[0].dtype)
    out.backward(ours_lib.tensor(grad))
    return out.detach().numpy(), [x.grad.numpy() for x in leaves]


@pytest.mark.parametrize("cblas", [True, False], ids=["fused", "numpy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "case",
    [
        dict(shape=(2, 3, 70, 16), causal=False),
        dict(shape=(2, 3, 70, 16), causal=True),
        dict(shape=(2, 3, 33, 8), causal=True, scale=0.3),
        dict(shape=(3, 2, 40, 8), causal=False, permuted=True),  # head-split views: read in place
        dict(shape=(1, 4, 20, 8), causal=True, gqa=True),
        dict(shape=(5, 8), causal=False),  # 2-D: no batch dims
    ],
    ids=["full", "causal", "scale", "strided", "gqa", "2d"],
)
def test_sdpa_matches_torch(case, dtype, cblas, monkeypatch):
    if not cblas:
        monkeypatch.setattr(op._blas, "cblas_ready", lambda: False)
    elif not _blas.cblas_ready():
        pytest.skip("NumPy's BLAS cannot be called from C here")
    rng = np.random.default_rng(0)
    shape = case["shape"]
    arrays = [rng.standard_normal(shape).astype(dtype) for _ in range(3)]
    if case.get("gqa"):
        arrays[1], arrays[2] = arrays[1][:, :2], arrays[2][:, :2]
    args = (case["causal"], case.get("scale"), case.get("gqa", False), case.get("permuted", False))
    ours, ours_grads = _sdpa_case(minigrad, arrays, *args)
    theirs, their_grads = _sdpa_case(torch, arrays, *args)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours, theirs, **tol)
    for a, b in zip(ours_grads, their_grads):
        np.testing.assert_allclose(a, b, **tol)


def _mha_pair(dtype, batch_first, seed=0):
    """A minigrad and a torch MultiheadAttention(16, 4) with the same (random) parameters."""
    rng = np.random.default_rng(seed)
    mg_dtype, th_dtype = (minigrad.float64, torch.float64) if dtype == np.float64 else (minigrad.float32, torch.float32)
    ours = minigrad.nn.MultiheadAttention(16, 4, batch_first=batch_first, dtype=mg_dtype)
    theirs = torch.nn.MultiheadAttention(16, 4, batch_first=batch_first, dtype=th_dtype)
    for name, parameter in theirs.named_parameters():
        value = rng.standard_normal(tuple(parameter.shape)).astype(dtype) * 0.3
        with torch.no_grad():
            parameter.copy_(torch.tensor(value))
        dict(ours.named_parameters())[name].data = minigrad.tensor(value)
    return ours, theirs


def _mha_run(lib, layer, x, causal):
    leaf = lib.tensor(x, requires_grad=True)
    length = x.shape[1] if (layer.batch_first and x.ndim == 3) else x.shape[0]
    mask = torch.nn.Transformer.generate_square_subsequent_mask(length, dtype=torch.float64).numpy().astype(x.dtype)
    out, weights = layer(
        leaf, leaf, leaf, need_weights=False, attn_mask=lib.tensor(mask) if causal else None, is_causal=causal
    )
    out.backward(lib.tensor(np.random.default_rng(3).standard_normal(tuple(out.shape)).astype(x.dtype)))
    grads = [leaf.grad] + [p.grad for _, p in sorted(layer.named_parameters(), key=lambda item: item[0])]
    return out, weights, [g.numpy() for g in grads]


@pytest.mark.parametrize("cblas", [True, False], ids=["packed", "numpy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
@pytest.mark.parametrize("layout", ["seq_first", "batch_first", "unbatched"])
def test_packed_self_attention_matches_torch(layout, causal, dtype, cblas, monkeypatch):
    if not cblas:
        monkeypatch.setattr(op._blas, "cblas_ready", lambda: False)
    elif not _blas.cblas_ready():
        pytest.skip("NumPy's BLAS cannot be called from C here")
    ours, theirs = _mha_pair(dtype, layout == "batch_first")
    shape = {"seq_first": (20, 3, 16), "batch_first": (3, 20, 16), "unbatched": (20, 16)}[layout]
    x = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    out, weights, grads = _mha_run(minigrad, ours, x, causal)
    expected, _, expected_grads = _mha_run(torch, theirs, x, causal)
    assert weights is None
    node = out.grad_fn.next_functions[0][0] if layout != "unbatched" else None
    if layout == "seq_first":  # the joined heads come straight from the packed node (batch_first adds a transpose)
        assert isinstance(node, op.PackedSelfAttention) == cblas
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), **tol)
    for a, b in zip(grads, expected_grads):
        np.testing.assert_allclose(a, b, **tol)


@needs_cblas
@pytest.mark.parametrize("store_max", [0, op.STORE_MAX_SOURCE], ids=["recomputed", "stored"])
@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
def test_packed_gradcheck_and_gradgradcheck_float64(causal, store_max, monkeypatch):
    monkeypatch.setattr(op, "STORE_MAX_SOURCE", store_max)
    qkv = minigrad.tensor(np.random.default_rng(0).standard_normal((5, 2, 12)), requires_grad=True)
    assert gradcheck(lambda x: op.packed_self_attention(x, 2, causal), (qkv,))
    assert gradgradcheck(lambda x: op.packed_self_attention(x, 2, causal), (qkv,))


@needs_cblas
def test_fused_sdpa_gradcheck_on_strided_views():
    rng = np.random.default_rng(0)
    leaves = [minigrad.tensor(rng.standard_normal((4, 2, 3, 5)), requires_grad=True) for _ in range(3)]

    def fn(q, k, v):  # (L, N, H, E) -> (N, H, L, E): strided heads, as MultiheadAttention splits them
        return F.scaled_dot_product_attention(*(x.permute(1, 2, 0, 3) for x in (q, k, v)), is_causal=True)

    assert gradcheck(fn, leaves)
    assert gradgradcheck(fn, leaves)


@needs_cblas
def test_packed_path_needs_plain_self_attention():
    """Masks other than the causal one, weights, separate inputs or dropout 1 keep the general path."""
    layer = minigrad.nn.MultiheadAttention(8, 2, dropout=0.5)
    x, other = minigrad.randn(6, 2, 8), minigrad.randn(6, 2, 8)

    def packed(out):
        return isinstance(out.grad_fn.next_functions[0][0], op.PackedSelfAttention)

    assert packed(layer(x, x, x, need_weights=False)[0])  # dropout in training: inside the kernels
    layer.eval()
    assert packed(layer(x, x, x, need_weights=False)[0])
    assert not packed(layer(x, other, other, need_weights=False)[0])
    padding = minigrad.tensor(np.zeros((2, 6), bool))
    assert not packed(layer(x, x, x, need_weights=False, key_padding_mask=padding)[0])
    assert not packed(layer(x, x, x)[0])  # the weights are wanted
    certain = minigrad.nn.MultiheadAttention(8, 2, dropout=1.0)
    assert not packed(certain(x, x, x, need_weights=False)[0])


@needs_cblas
@pytest.mark.parametrize("store_max", [0, op.STORE_MAX_SOURCE], ids=["recomputed", "stored"])
@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
def test_dropout_inside_the_kernels_equals_the_plain_formulation(causal, store_max, monkeypatch):
    """Same seed, same draws: MultiheadAttention's packed path with dropout gives the plain path's output and
    gradients (that path: C BLAS off), with the probabilities stored by the forward or recomputed."""
    monkeypatch.setattr(op, "STORE_MAX_SOURCE", store_max)
    rng = np.random.default_rng(0)
    x, grad = rng.standard_normal((12, 3, 16)), rng.standard_normal((12, 3, 16))

    def run():
        minigrad.manual_seed(0)
        layer = minigrad.nn.MultiheadAttention(16, 4, dropout=0.3, dtype=minigrad.float64)
        mask = minigrad.nn.Transformer.generate_square_subsequent_mask(12, dtype=minigrad.float64)
        leaf = minigrad.tensor(x, requires_grad=True)
        out, _ = layer(leaf, leaf, leaf, need_weights=False, attn_mask=mask if causal else None, is_causal=causal)
        out.backward(minigrad.tensor(grad))
        return [out.detach().numpy(), leaf.grad.numpy(), layer.in_proj_weight.grad.numpy()]

    fused = run()
    monkeypatch.setattr(op._blas, "cblas_ready", lambda: False)
    for ours, expected in zip(fused, run()):
        np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-12)


@needs_cblas
def test_dropout_factors_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(0)
    qkv = minigrad.tensor(rng.standard_normal((5, 2, 12)), requires_grad=True)
    keep = (rng.random((2, 2, 5, 5)) < 0.7) / 0.7

    def fn(x):
        return op.packed_self_attention(x, 2, causal=True, keep=keep)

    assert gradcheck(fn, (qkv,))
    assert gradgradcheck(fn, (qkv,))


@needs_cblas
@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_stored_probabilities_survive_a_second_backward(dropout):
    """The backward reads the stored probabilities without writing them: backward twice (retain_graph) gives
    twice the gradient."""
    minigrad.manual_seed(0)
    qkv = minigrad.tensor(np.random.default_rng(0).standard_normal((6, 2, 24)), requires_grad=True)
    keep = None if dropout == 0.0 else dropout_factors((2, 4, 6, 6), dropout, np.dtype(np.float64))
    out = op.packed_self_attention(qkv, 4, causal=True, keep=keep)
    assert out.grad_fn.probs is not None
    out.sum().backward(retain_graph=True)
    first = qkv.grad.numpy().copy()
    out.sum().backward()
    np.testing.assert_allclose(qkv.grad.numpy(), 2 * first, rtol=1e-12, atol=1e-12)


def _split_projection_attention(lib, x, weight, heads, causal, shared=False):
    """A GPT block's attention as users write it: one projection, ``split`` into q, k, v, each viewed as heads."""
    batch, steps, width = x.shape[0], x.shape[1], weight.shape[0] // 3
    projected = lib.nn.functional.linear(x, weight)
    pieces = projected.split(width, dim=2)
    q, k, v = (piece.reshape(batch, steps, heads, width // heads).transpose(1, 2) for piece in pieces)
    if shared:  # one piece three times: the gradients must not share one array
        k = v = q
    out = lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
    return out.transpose(1, 2).reshape(batch, steps, width)


@needs_cblas
@pytest.mark.parametrize("shared", [False, True], ids=["split", "one-piece"])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_attention_on_a_split_projection_matches_torch_and_its_split_gradient_is_written_in_place(
    dtype, causal, shared, monkeypatch
):
    from minigrad.ops import shape

    whole = []
    original = shape._whole
    monkeypatch.setattr(shape, "_whole", lambda *args: whole.append(original(*args)) or whole[-1])
    rng = np.random.default_rng(4)
    x, weight = rng.standard_normal((3, 11, 12)).astype(dtype), rng.standard_normal((36, 12)).astype(dtype)
    grads = []
    for lib in (minigrad, torch):
        leaves = [lib.tensor(a, requires_grad=True) for a in (x, weight)]
        out = _split_projection_attention(lib, *leaves, heads=2, causal=causal, shared=shared)
        (out * out).sum().backward()
        grads.append([out.detach().numpy()] + [leaf.grad.numpy() for leaf in leaves])
    tol = dict(rtol=1e-3, atol=1e-3) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, **tol)
    # q, k, v's gradients were written where q, k, v are in the projection: the split passes that array on
    assert [w is not None for w in whole] == [not shared]


def test_split_backward_copies_gradients_that_are_not_its_pieces_in_place():
    from minigrad.ops.shape import _whole

    base = np.arange(12.0).reshape(2, 6)
    keys = [(slice(None), slice(0, 3)), (slice(None), slice(3, 6))]
    assert _whole([base[:, :3], base[:, 3:]], keys, (2, 6)) is not None
    assert _whole([base[:, 3:], base[:, :3]], keys, (2, 6)) is None  # swapped places
    assert _whole([base[:, :3], None], keys, (2, 6)) is None
    assert _whole([base[:, :3].copy(), base[:, 3:]], keys, (2, 6)) is None
    assert (
        _whole([base[:1, :3], base[:1, 3:]], [(slice(None), slice(0, 3)), (slice(None), slice(3, 6))], (1, 6)) is None
    )
