"""scaled_dot_product_attention and MultiheadAttention against torch: values, attention weights and gradients for
every mask kind, batch_first, separate key/value sizes, bias_k/bias_v, add_zero_attn; gradcheck in float64."""

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
Q, K, V = (RNG.standard_normal(shape) for shape in ((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)))
BOOL_MASK = RNG.random((4, 5)) > 0.3
BOOL_MASK[:, 0] = True  # every query keeps one key (an all-blocked row is nan in both libraries)

SDPA_CASES = {
    "plain": {},
    "scale": {"scale": 0.3},
    "bool_mask": {"attn_mask": BOOL_MASK},
    "float_mask": {"attn_mask": RNG.standard_normal((4, 5))},
    "causal": {"is_causal": True},
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", SDPA_CASES)
def test_scaled_dot_product_attention_matches_torch(name, dtype):
    results = []
    for lib, functional in ((minigrad, F), (torch, torch.nn.functional)):
        q, k, v = (lib.tensor(a.astype(dtype), requires_grad=True) for a in (Q, K, V))
        options = {
            key: lib.tensor(value.astype(dtype) if value.dtype != bool else value)
            if isinstance(value, np.ndarray)
            else value
            for key, value in SDPA_CASES[name].items()
        }
        out = functional.scaled_dot_product_attention(q, k, v, **options)
        (out * lib.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape).astype(dtype))).sum().backward()
        results.append([out.detach().numpy(), q.grad.numpy(), k.grad.numpy(), v.grad.numpy()])
    tolerance = 1e-5 if dtype == "float32" else 1e-10
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=tolerance)


MHA_CASES = {
    "default": ({}, {}),
    "batch_first_no_bias": ({"batch_first": True, "bias": False}, {}),
    "kdim_vdim": ({"kdim": 6, "vdim": 5}, {}),
    "bias_kv_zero_attn": ({"add_bias_kv": True, "add_zero_attn": True}, {}),
    "masks": ({}, {"attn_mask": "bool", "key_padding_mask": True}),
    "float_mask_per_head": ({}, {"attn_mask": "float3d", "average_attn_weights": False}),
    "causal": ({}, {"attn_mask": "causal", "is_causal": True}),
}


def _mha_inputs(lib, options, forward, dtype):
    length, source, batch, embed = 4, 5, 2, 8
    first = (batch, length) if options.get("batch_first") else (length, batch)
    first_s = (batch, source) if options.get("batch_first") else (source, batch)
    rng = np.random.default_rng(1)
    q = rng.standard_normal(first + (embed,))
    k = rng.standard_normal(first_s + (options.get("kdim", embed),))
    v = rng.standard_normal(first_s + (options.get("vdim", embed),))
    tensors = [lib.tensor(a.astype(dtype), requires_grad=True) for a in (q, k, v)]
    kwargs = {}
    for key, value in forward.items():
        if value == "bool":
            kwargs[key] = lib.tensor(~BOOL_MASK)
        elif value == "float3d":
            kwargs[key] = lib.tensor(rng.standard_normal((batch * 2, length, source)).astype(dtype))
        elif value == "causal":
            kwargs[key] = lib.tensor(~np.tril(np.ones((length, source), bool)))
        elif key == "key_padding_mask":
            mask = np.zeros((batch, source), bool)
            mask[0, -2:] = True
            kwargs[key] = lib.tensor(mask)
        else:
            kwargs[key] = value
    return tensors, kwargs


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", MHA_CASES)
def test_multihead_attention_matches_torch(name, dtype):
    options, forward = MHA_CASES[name]
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(8, 2, **options).to(getattr(torch, dtype))
    ours = nn.MultiheadAttention(8, 2, dtype=getattr(minigrad, dtype), **options)
    assert set(ours.state_dict()) == set(theirs.state_dict())
    ours.load_state_dict({k: minigrad.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    results = []
    for lib, module in ((minigrad, ours), (torch, theirs)):
        tensors, kwargs = _mha_inputs(lib, options, forward, dtype)
        out, weights = module(*tensors, **kwargs)
        (out.sum() + (weights * weights).sum()).backward()
        results.append(
            [out.detach().numpy(), weights.detach().numpy()]
            + [t.grad.numpy() for t in tensors]
            + [p.grad.numpy() for _, p in sorted(module.named_parameters())]
        )
    tolerance = 1e-4 if dtype == "float32" else 1e-9
    for ours_value, theirs_value in zip(*results):
        np.testing.assert_allclose(ours_value, theirs_value, rtol=tolerance, atol=tolerance)


def test_need_weights_false_unbatched_and_repr():
    layer = nn.MultiheadAttention(4, 2)
    x = minigrad.randn(3, 4)
    out, weights = layer(x, x, x, need_weights=False)
    assert out.shape == (3, 4) and weights is None
    assert layer(x, x, x)[1].shape == (3, 3)
    with pytest.raises(AssertionError, match="divisible by num_heads"):
        nn.MultiheadAttention(5, 2)


def test_gradcheck_float64():
    minigrad.manual_seed(0)
    layer = nn.MultiheadAttention(4, 2, dtype=minigrad.float64)
    x = minigrad.randn(3, 2, 4, dtype=minigrad.float64, requires_grad=True)
    assert gradcheck(lambda t: layer(t, t, t)[0], (x,))
    q = minigrad.randn(1, 3, 4, dtype=minigrad.float64, requires_grad=True)
    assert gradgradcheck(lambda t: F.scaled_dot_product_attention(t, t, t, is_causal=True), (q,))


TRANSFORMER_CASES = {
    "encoder_post_norm": ("TransformerEncoderLayer", dict(dim_feedforward=16, dropout=0.0)),
    "encoder_pre_norm_gelu": (
        "TransformerEncoderLayer",
        dict(dim_feedforward=16, dropout=0.0, norm_first=True, activation="gelu", batch_first=True),
    ),
    "decoder": ("TransformerDecoderLayer", dict(dim_feedforward=16, dropout=0.0)),
    "transformer": ("Transformer", dict(num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=16, dropout=0.0)),
}


@pytest.mark.parametrize("name", TRANSFORMER_CASES)
def test_transformer_layers_match_torch(name):
    kind, options = TRANSFORMER_CASES[name]
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(8, 2, **options).double()
    ours = getattr(nn, kind)(8, 2, dtype=minigrad.float64, **options)
    assert set(ours.state_dict()) == set(theirs.state_dict())
    ours.load_state_dict({k: minigrad.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(5)
    src, tgt = rng.standard_normal((5, 3, 8)), rng.standard_normal((4, 3, 8))
    causal = np.triu(np.full((4, 4), -np.inf), 1)
    results = []
    for lib, module in ((minigrad, ours), (torch, theirs)):
        s, t = lib.tensor(src, requires_grad=True), lib.tensor(tgt, requires_grad=True)
        if kind == "TransformerEncoderLayer":
            padding = np.zeros((3, 5), bool)
            padding[1, -1] = True  # the second sequence is one shorter
            out = module(
                s.transpose(0, 1) if options.get("batch_first") else s, src_key_padding_mask=lib.tensor(padding)
            )
        elif kind == "TransformerDecoderLayer":
            out = module(t, s, tgt_mask=lib.tensor(causal))
        else:
            out = module(s, t, tgt_mask=lib.tensor(causal))
        (out * out).sum().backward()
        results.append(
            [out.detach().numpy(), s.grad.numpy()] + [p.grad.numpy() for _, p in sorted(module.named_parameters())]
        )
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-9)


def test_square_subsequent_mask_matches_torch():
    np.testing.assert_array_equal(
        nn.Transformer.generate_square_subsequent_mask(4).numpy(),
        torch.nn.Transformer.generate_square_subsequent_mask(4).numpy(),
    )
