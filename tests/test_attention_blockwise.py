"""The blockwise scaled_dot_product_attention (``minigrad.ops.attention``, kernel ``minigrad._kernels.attention``):
against its NumPy twin (``tests/reference/attention.py``) over many block sizes, against torch (values and
gradients, float32/float64, every mask kind, causal, gqa, scale, leading batch dims, all-masked rows), gradcheck and
gradgradcheck in float64, a sequence of 1000 with large scores, torch's errors, and the memory bound: the peak of
a long sequence stays far below the (L, S) matrix."""

import tracemalloc

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad._kernels import attention as kernel
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.ops import attention as op
from reference import attention as reference

RNG = np.random.default_rng(0)


def _arrays(heads, length, source, dim=8, value_dim=6, seed=0):
    rng = np.random.default_rng(seed)
    return [
        rng.standard_normal(shape) for shape in ((heads, length, dim), (heads, source, dim), (heads, source, value_dim))
    ]


@pytest.mark.parametrize("block_elements", [1 << 6, 1 << 9, 1 << 20], ids=["tiny", "small", "default"])
@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
# (4, 70, 70): several heads per group and, causal, several key blocks: a block starting past row 0 cuts a
# non-contiguous slice of the running statistics of the group (the char_lm example met it); (2, 40, 90), causal:
# the key blocks past the last query are skipped (their keys' gradients are zeros)
@pytest.mark.parametrize("shape", [(3, 17, 29), (2, 29, 17), (1, 1, 5), (4, 70, 70), (2, 40, 90)])
def test_blockwise_matches_reference(shape, causal, block_elements, monkeypatch):
    monkeypatch.setattr(op, "BLOCK_ELEMENTS", block_elements)
    monkeypatch.setattr(op, "CAUSAL_MIN_WIDTH", 32)  # causal key blocks of 32 at these lengths
    q, k, v = _arrays(*shape)
    bias = None if causal else RNG.standard_normal(shape[1:])
    scale = 0.4
    out, lse = op._forward(q, k, v, None if bias is None else op._Bias(bias, shape[:1], *shape[1:]), causal, scale)
    expected_out, expected_lse = reference.forward(q, k, v, bias, causal, scale)
    np.testing.assert_allclose(out, expected_out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(lse, expected_lse, rtol=1e-12, atol=1e-12)
    grad = RNG.standard_normal(out.shape)
    flat_bias = None if bias is None else op._Bias(bias, shape[:1], *shape[1:])
    grads = op._backward(q, k, v, out, grad, lse, flat_bias, causal, scale, False)[:3]
    for ours, expected in zip(grads, reference.backward(q, k, v, grad, bias, causal, scale)):
        np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 5, 7), (2, 1, 130), (1, 4, 0)])
def test_row_dots_kernel_sums_each_row_in_float64(shape, dtype):
    a, b = (RNG.standard_normal(shape).astype(dtype) for _ in range(2))
    out = np.empty(shape[:2])
    kernel.row_dots(a, b, out, 2)
    np.testing.assert_allclose(out, np.einsum("nle,nle->nl", a.astype(np.float64), b.astype(np.float64)), rtol=1e-12)


def test_reference_recurrence_equals_the_whole_softmax():
    q, k, v = _arrays(2, 7, 23)
    bias = np.where(RNG.random((7, 23)) < 0.3, -np.inf, 0.0)
    bias[2] = -np.inf  # a row with every key masked
    for block in (1, 4, 23):
        for ours, expected in zip(reference.online_forward(q, k, v, block, bias), reference.forward(q, k, v, bias)):
            np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12)


def test_all_masked_rows_give_zero_output_and_gradient():
    q, k, v = (minigrad.tensor(a, requires_grad=True) for a in _arrays(2, 4, 5))
    mask = np.ones((4, 5), bool)
    mask[1] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=minigrad.tensor(mask))
    out.sum().backward()
    assert np.all(out.detach().numpy()[:, 1] == 0) and np.all(q.grad.numpy()[:, 1] == 0)
    assert all(np.isfinite(t.grad.numpy()).all() for t in (q, k, v))


torch = pytest.importorskip("torch")

SHAPES = ((2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5))  # (N, H, L or S, E)
CASES = {
    "plain": ({}, SHAPES),
    "scale": ({"scale": 0.3}, SHAPES),
    "bool_mask": ({"attn_mask": ("bool", (4, 6))}, SHAPES),
    "bool_mask_per_batch": ({"attn_mask": ("bool", (2, 1, 4, 6))}, SHAPES),
    "bool_mask_rows_blocked": ({"attn_mask": ("bool_blocked_row", (4, 6))}, SHAPES),
    "float_mask": ({"attn_mask": ("float", (4, 6))}, SHAPES),
    "float_mask_per_head": ({"attn_mask": ("float", (2, 3, 4, 6))}, SHAPES),
    "float_mask_key_row": ({"attn_mask": ("float", (1, 6))}, SHAPES),
    "causal": ({"is_causal": True}, SHAPES),
    "causal_longer_queries": ({"is_causal": True}, ((2, 3, 7, 8), (2, 3, 4, 8), (2, 3, 4, 5))),
    "gqa": ({"enable_gqa": True}, ((2, 6, 4, 8), (2, 2, 6, 8), (2, 2, 6, 5))),
    "unbatched": ({}, ((4, 8), (6, 8), (6, 5))),
    "five_dims": ({"is_causal": True}, ((2, 2, 2, 4, 8), (2, 2, 2, 6, 8), (2, 2, 2, 6, 5))),
    "broadcast_batch": ({}, ((2, 3, 4, 8), (1, 3, 6, 8), (1, 3, 6, 5))),
}


def _mask(lib, kind, shape, dtype, requires_grad):
    rng = np.random.default_rng(3)
    if kind == "float":
        return lib.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=requires_grad)
    mask = rng.random(shape) > 0.3
    mask[..., 0] = True
    if kind == "bool_blocked_row":
        mask[1] = False
    return lib.tensor(mask)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", CASES)
def test_matches_torch(name, dtype, monkeypatch):
    monkeypatch.setattr(op, "BLOCK_ELEMENTS", 16)  # several blocks even at these sizes
    options, shapes = CASES[name]
    arrays = [np.random.default_rng(i).standard_normal(s).astype(dtype) for i, s in enumerate(shapes)]
    results = []
    for lib, functional in ((minigrad, F), (torch, torch.nn.functional)):
        tensors = [lib.tensor(a, requires_grad=True) for a in arrays]
        kwargs = {
            key: _mask(lib, *value, dtype, requires_grad=True) if isinstance(value, tuple) else value
            for key, value in options.items()
        }
        out = functional.scaled_dot_product_attention(*tensors, **kwargs)
        upstream = lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)).astype(dtype))
        (out * upstream).sum().backward()
        mask = kwargs.get("attn_mask")
        results.append(
            [out.detach().numpy()]
            + [t.grad.numpy() for t in tensors]
            + ([mask.grad.numpy()] if mask is not None and mask.requires_grad else [])
        )
    tolerance = 2e-5 if dtype == "float32" else 1e-10
    assert len(results[0]) == len(results[1])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=tolerance)


def test_dropout_falls_back_to_the_plain_formulation():
    q = minigrad.randn(2, 3, 5, 4, requires_grad=True)
    minigrad.manual_seed(0)
    out = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    out.sum().backward()
    assert out.shape == (2, 3, 5, 4) and np.isfinite(q.grad.numpy()).all()
    assert out.grad_fn.name() != "ScaledDotProductAttentionBackward"


@pytest.mark.parametrize("causal", [False, True])
def test_gradcheck_and_gradgradcheck_float64(causal, monkeypatch):
    monkeypatch.setattr(op, "BLOCK_ELEMENTS", 8)
    rng = np.random.default_rng(4)
    q, k, v = (minigrad.tensor(rng.standard_normal(s), requires_grad=True) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 3)))
    mask = None if causal else minigrad.tensor(rng.standard_normal((3, 5)), requires_grad=True)
    inputs = (q, k, v) if causal else (q, k, v, mask)

    def attend(*tensors):
        return F.scaled_dot_product_attention(*tensors[:3], attn_mask=mask if causal else tensors[3], is_causal=causal)

    assert gradcheck(attend, inputs)
    assert gradgradcheck(attend, inputs)


def test_long_sequence_is_stable():
    """Sequence 1000 with scores in the hundreds: float32 stays finite and matches torch's float64."""
    rng = np.random.default_rng(5)
    q, k, v = (rng.standard_normal((1, 2, 1000, 16)) * scale for scale in (6.0, 6.0, 1.0))
    ours = [minigrad.tensor(a.astype(np.float32), requires_grad=True) for a in (q, k, v)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    out = F.scaled_dot_product_attention(*ours, is_causal=True)
    expected = torch.nn.functional.scaled_dot_product_attention(*theirs, is_causal=True)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-3, atol=1e-3)
    for a, b in zip(ours, theirs):
        assert np.isfinite(a.grad.numpy()).all()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=2e-2, atol=2e-2)


ERRORS = {
    "head_dims_differ": ((2, 4, 8), (2, 5, 7), (2, 5, 8), {}),
    "dtypes_differ": ((2, 4, 8), (2, 5, 8), (2, 5, 8), {"key_dtype": "float64"}),
    "key_value_lengths": ((2, 4, 8), (2, 5, 8), (2, 6, 8), {}),
    "one_dimensional": ((8,), (8,), (8,), {}),
    "mask_shape": ((2, 4, 8), (2, 5, 8), (2, 5, 8), {"attn_mask": np.ones((4, 4), bool)}),
    "mask_dtype": ((2, 4, 8), (2, 5, 8), (2, 5, 8), {"attn_mask": np.ones((4, 5), np.int64)}),
    "causal_and_mask": ((2, 4, 8), (2, 5, 8), (2, 5, 8), {"attn_mask": np.ones((4, 5), bool), "is_causal": True}),
    "gqa_heads": ((1, 4, 4, 8), (1, 3, 5, 8), (1, 3, 5, 8), {"enable_gqa": True}),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_match_torch(name):
    q_shape, k_shape, v_shape, options = ERRORS[name]
    options = dict(options)
    key_dtype = options.pop("key_dtype", "float32")
    for lib, functional in ((torch, torch.nn.functional), (minigrad, F)):
        q, v = (lib.tensor(np.ones(s, np.float32)) for s in (q_shape, v_shape))
        k = lib.tensor(np.ones(k_shape, key_dtype))
        kwargs = {key: lib.tensor(val) if isinstance(val, np.ndarray) else val for key, val in options.items()}
        with pytest.raises(RuntimeError):
            functional.scaled_dot_product_attention(q, k, v, **kwargs)


def _peak_extra(fn):
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - before


def test_memory_grows_with_the_sequence_not_its_square():
    """Forward + backward at L = S = 2048 (4 heads, float32): the attention matrix alone would be 64 MB; the
    blockwise op's whole peak (output, gradients, one block of scores and its gradient) stays under 16 MB."""
    rng = np.random.default_rng(6)
    q, k, v = (
        minigrad.tensor(rng.standard_normal((1, 4, 2048, 16)).astype(np.float32), requires_grad=True) for _ in range(3)
    )
    peak = _peak_extra(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True).sum().backward())
    matrix = 4 * 2048 * 2048 * 4
    assert peak < 16 * 2**20 < matrix, f"peak {peak / 2**20:.1f} MB"
