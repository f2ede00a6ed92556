"""MultiheadAttention and multi_head_attention_forward beyond the module_db cases, against torch: the blockwise
path (``need_weights=False``: masks of each kind, a fully padded sequence, the ``is_causal`` hint), ``static_k`` /
``static_v``, the Transformer's activation as a callable and its ``layer_norm_eps``, and torch's exception types for
bad inputs (float64)."""

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F

torch = pytest.importorskip("torch")

L, S, N, E, H = 4, 5, 3, 8, 2


def _pair(options=None):
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(E, H, **(options or {})).double()
    ours = nn.MultiheadAttention(E, H, dtype=minigrad.float64, **(options or {}))
    ours.load_state_dict({k: minigrad.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _masks(kind):
    rng = np.random.default_rng(2)
    padding = np.zeros((N, S), bool)
    padding[1, -2:] = True
    if kind == "padding_all":
        padding[2] = True  # the whole third sequence is padding: its output is 0 (need_weights=False), as torch's
    attn = {
        "bool": rng.random((L, S)) > 0.7,
        "float": rng.standard_normal((L, S)),
        "float3d": rng.standard_normal((N * H, L, S)),
    }.get(kind)
    return attn, (padding if kind.startswith("padding") else None)


@pytest.mark.parametrize("kind", ["none", "bool", "float", "float3d", "padding", "padding_all"])
def test_blockwise_path_matches_torch(kind):
    ours, theirs = _pair()
    attn, padding = _masks(kind)
    rng = np.random.default_rng(1)
    q, kv = rng.standard_normal((L, N, E)), rng.standard_normal((S, N, E))
    results = []
    for lib, module in ((minigrad, ours), (torch, theirs)):
        tensors = [lib.tensor(a, requires_grad=True) for a in (q, kv)]
        kwargs = {"need_weights": False}
        if attn is not None:
            kwargs["attn_mask"] = lib.tensor(attn)
        if padding is not None:
            kwargs["key_padding_mask"] = lib.tensor(padding)
        out, weights = module(tensors[0], tensors[1], tensors[1], **kwargs)
        assert weights is None
        (out * out).sum().backward()
        results.append(
            [out.detach().numpy()]
            + [t.grad.numpy() for t in tensors]
            + [p.grad.numpy() for _, p in sorted(module.named_parameters())]
        )
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


def test_is_causal_hint_uses_the_causal_kernel():
    ours, theirs = _pair({"batch_first": True})
    x = np.random.default_rng(3).standard_normal((N, L, E))
    mask = np.triu(np.full((L, L), -np.inf), 1)
    outs = []
    for lib, module in ((minigrad, ours), (torch, theirs)):
        t = lib.tensor(x)
        outs.append(module(t, t, t, attn_mask=lib.tensor(mask), is_causal=True, need_weights=False)[0].detach().numpy())
    np.testing.assert_allclose(*outs, rtol=1e-10, atol=1e-12)


def test_static_key_and_value_match_torch():
    ours, theirs = _pair()
    rng = np.random.default_rng(4)
    q, kv = rng.standard_normal((L, N, E)), rng.standard_normal((S, N, E))
    static_k, static_v = rng.standard_normal((N * H, 6, E // H)), rng.standard_normal((N * H, 6, E // H))
    outs = []
    for lib, functional, module in ((minigrad, F, ours), (torch, torch.nn.functional, theirs)):
        out, weights = functional.multi_head_attention_forward(
            lib.tensor(q),
            lib.tensor(kv),
            lib.tensor(kv),
            E,
            H,
            module.in_proj_weight,
            module.in_proj_bias,
            None,
            None,
            False,
            0.0,
            module.out_proj.weight,
            module.out_proj.bias,
            static_k=lib.tensor(static_k),
            static_v=lib.tensor(static_v),
        )
        outs.append((out.detach().numpy(), weights.detach().numpy()))
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_transformer_options_match_torch():
    """A callable activation, layer_norm_eps, bias=False, norm_first: values and gradients."""
    options = dict(dim_feedforward=16, dropout=0.0, layer_norm_eps=1e-3, bias=False, norm_first=True)
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoderLayer(E, H, activation=torch.tanh, **options).double()
    ours = nn.TransformerEncoderLayer(E, H, activation=minigrad.tanh, dtype=minigrad.float64, **options)
    ours.load_state_dict({k: minigrad.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(5).standard_normal((L, N, E))
    results = []
    for lib, module in ((minigrad, ours), (torch, theirs)):
        t = lib.tensor(x, requires_grad=True)
        out = module(t)
        (out * out).sum().backward()
        results.append([out.detach().numpy(), t.grad.numpy()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


ERRORS = {
    "embed_dim_not_divisible": (AssertionError, lambda lib: lib.nn.MultiheadAttention(6, 4)),
    "attn_mask_2d_shape": (RuntimeError, lambda lib: _call(lib, attn_mask=lib.zeros(L + 1, S))),
    "attn_mask_3d_shape": (RuntimeError, lambda lib: _call(lib, attn_mask=lib.zeros(N, L, S))),
    "attn_mask_rank": (AssertionError, lambda lib: _call(lib, attn_mask=lib.zeros(1, 1, L, S))),
    "attn_mask_dtype": (AssertionError, lambda lib: _call(lib, attn_mask=lib.zeros(L, S, dtype=lib.int64))),
    "padding_shape": (AssertionError, lambda lib: _call(lib, key_padding_mask=lib.zeros(N, S + 1, dtype=lib.bool))),
    "padding_rank": (AssertionError, lambda lib: _call(lib, key_padding_mask=lib.zeros(S, dtype=lib.bool))),
    "causal_without_mask": (RuntimeError, lambda lib: _call(lib, is_causal=True)),
    "query_rank": (AssertionError, lambda lib: lib.nn.MultiheadAttention(E, H)(*(lib.zeros(1, L, N, E),) * 3)),
    "embed_dim_of_query": (AssertionError, lambda lib: lib.nn.MultiheadAttention(E, H)(*(lib.zeros(L, N, E + 2),) * 3)),
    "key_value_shapes": (
        AssertionError,
        lambda lib: lib.nn.MultiheadAttention(E, H)(lib.zeros(L, N, E), lib.zeros(S, N, E), lib.zeros(S + 1, N, E)),
    ),
}


def _call(lib, **kwargs):
    x, y = lib.zeros(L, N, E), lib.zeros(S, N, E)
    return lib.nn.MultiheadAttention(E, H)(x, y, y, **kwargs)


@pytest.mark.parametrize("name", ERRORS)
def test_errors_raise_torchs_type(name):
    error, make = ERRORS[name]
    with pytest.raises(error):
        make(torch)
    with pytest.raises(error):
        make(minigrad)
