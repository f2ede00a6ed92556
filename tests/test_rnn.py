"""RNN, LSTM, GRU and their cells against torch: the same weights (moved through state_dict, so the parameter names
and shapes are torch's) give the same outputs, final states and gradients; gradcheck in float64; bad input."""

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
from minigrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

CONFIGS = [
    ("LSTM", dict(num_layers=1)),
    ("LSTM", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("LSTM", dict(num_layers=2, proj_size=3)),
    ("GRU", dict(num_layers=2, bidirectional=True)),
    ("GRU", dict(num_layers=1, bias=False, batch_first=True)),
    ("RNN", dict(num_layers=2, nonlinearity="relu")),
    ("RNN", dict(num_layers=1, bidirectional=True)),
]


def _pair(kind, options, dtype):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(4, 5, **options).to(getattr(torch, dtype))
    ours = getattr(nn, kind)(4, 5, dtype=getattr(minigrad, dtype), **options)
    ours.load_state_dict({k: minigrad.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _flat(result):
    out, state = result
    return [out] + (list(state) if isinstance(state, tuple) else [state])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind, options", CONFIGS, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CONFIGS)])
def test_layers_match_torch(kind, options, dtype):
    ours, theirs = _pair(kind, options, dtype)
    assert set(ours.state_dict()) == set(theirs.state_dict())
    rng = np.random.default_rng(1)
    shape = (3, 6, 4) if options.get("batch_first") else (6, 3, 4)
    x = rng.standard_normal(shape).astype(dtype)
    x_ours, x_theirs = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    got, want = _flat(ours(x_ours)), _flat(theirs(x_theirs))
    rtol = 1e-5 if dtype == "float32" else 1e-10
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=rtol)
    upstream = [rng.standard_normal(b.shape).astype(dtype) for b in want]
    minigrad.stack([(a * minigrad.tensor(u)).sum() for a, u in zip(got, upstream)]).sum().backward()
    sum((b * torch.tensor(u)).sum() for b, u in zip(want, upstream)).backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=rtol * 10, atol=rtol * 10)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_params[name].grad.numpy(), rtol=rtol * 10, atol=rtol * 10)


def test_initial_states_and_unbatched_input():
    ours, theirs = _pair("LSTM", dict(num_layers=2), "float64")
    x = np.random.default_rng(2).standard_normal((5, 4))
    h0, c0 = np.ones((2, 5)) * 0.1, np.ones((2, 5)) * -0.2
    got = _flat(ours(minigrad.tensor(x), (minigrad.tensor(h0), minigrad.tensor(c0))))
    want = _flat(theirs(torch.tensor(x), (torch.tensor(h0), torch.tensor(c0))))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_torch(kind):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(3, 4).double()
    ours = getattr(nn, kind)(3, 4, dtype=minigrad.float64)
    ours.load_state_dict({k: minigrad.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((2, 3))
    got, want = ours(minigrad.tensor(x)), theirs(torch.tensor(x))
    for a, b in zip(got if isinstance(got, tuple) else [got], want if isinstance(want, tuple) else [want]):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_gradcheck_and_gradgradcheck_float64(kind):
    minigrad.manual_seed(0)
    layer = getattr(nn, kind)(2, 3, dtype=minigrad.float64)
    x = minigrad.randn(3, 2, 2, dtype=minigrad.float64, requires_grad=True)
    assert gradcheck(lambda t: layer(t)[0], (x,))
    assert gradgradcheck(lambda t: layer(t)[0].sum(0), (x,))


def test_bad_input_raises_like_torch():
    layer = nn.LSTM(4, 5)
    with pytest.raises(RuntimeError, match="input_size"):
        layer(minigrad.randn(3, 2, 7))
    with pytest.raises(ValueError, match="2D or 3D"):
        layer(minigrad.randn(3))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size"):
        layer(minigrad.randn(3, 2, 4), (minigrad.zeros(1, 3, 5), minigrad.zeros(1, 2, 5)))
    with pytest.raises(ValueError, match="proj_size has to be smaller"):
        nn.LSTM(4, 5, proj_size=5)
    with pytest.raises(ValueError, match="dropout should be a number"):
        nn.GRU(4, 5, dropout=1.5)
    assert repr(nn.LSTM(4, 5, num_layers=2, bidirectional=True)) == "LSTM(4, 5, num_layers=2, bidirectional=True)"
