"""Packed sequences and the compiled recurrence against torch: nn.utils.rnn's packing functions (values and
gradients), every recurrent layer on a PackedSequence (enforce_sorted both ways, batch_first, bidirectional,
several layers, LSTM proj_size, GRU, initial states), the fused step kernels against their NumPy twins, gradcheck
through the kernel in float64, a 1000-step sequence, and bad input."""

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
from minigrad._kernels import recurrence as kernel
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.nn.utils import rnn as rnn_utils
from tests.reference import recurrence as reference

torch = pytest.importorskip("torch")
trnn = torch.nn.utils.rnn

LENGTHS = [5, 2, 4, 1]  # unsorted: enforce_sorted=False sorts them


def _both(array, requires_grad=True):
    return minigrad.tensor(array, requires_grad=requires_grad), torch.tensor(array, requires_grad=requires_grad)


def _close(ours, theirs, rtol=1e-6):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    np.testing.assert_allclose(ours.detach().numpy(), theirs, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_and_pad_match_torch(batch_first, enforce_sorted, as_tensor):
    lengths = sorted(LENGTHS, reverse=True) if enforce_sorted else LENGTHS
    shape = (4, 5, 3) if batch_first else (5, 4, 3)
    x_ours, x_theirs = _both(np.random.default_rng(0).standard_normal(shape))
    ours = rnn_utils.pack_padded_sequence(
        x_ours, minigrad.tensor(lengths) if as_tensor else lengths, batch_first, enforce_sorted
    )
    theirs = trnn.pack_padded_sequence(x_theirs, torch.tensor(lengths) if as_tensor else lengths, batch_first,
                                       enforce_sorted)  # fmt: skip
    _close(ours.data, theirs.data)
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    for mine, want in ((ours.sorted_indices, theirs.sorted_indices), (ours.unsorted_indices, theirs.unsorted_indices)):
        assert (mine is None) == (want is None) and (mine is None or mine.tolist() == want.tolist())
    padded_ours, lengths_ours = rnn_utils.pad_packed_sequence(ours, batch_first, padding_value=-1.5, total_length=6)
    padded_theirs, lengths_theirs = trnn.pad_packed_sequence(theirs, batch_first, padding_value=-1.5, total_length=6)
    _close(padded_ours, padded_theirs)
    assert lengths_ours.tolist() == lengths_theirs.tolist() and lengths_ours.dtype == minigrad.int64
    upstream = np.random.default_rng(1).standard_normal(padded_theirs.shape)
    (padded_ours * minigrad.tensor(upstream)).sum().backward()
    (padded_theirs * torch.tensor(upstream)).sum().backward()
    _close(x_ours.grad, x_theirs.grad)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_and_friends_match_torch(batch_first, padding_side):
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((n, 2)) for n in LENGTHS]
    ours, theirs = zip(*[_both(a) for a in arrays])
    padded_ours = rnn_utils.pad_sequence(ours, batch_first, 0.5, padding_side)
    padded_theirs = trnn.pad_sequence(theirs, batch_first, 0.5, padding_side)
    _close(padded_ours, padded_theirs)
    upstream = rng.standard_normal(padded_theirs.shape)
    (padded_ours * minigrad.tensor(upstream)).sum().backward()
    (padded_theirs * torch.tensor(upstream)).sum().backward()
    for a, b in zip(ours, theirs):
        _close(a.grad, b.grad)
    if padding_side == "right":
        for a, b in zip(rnn_utils.unpad_sequence(padded_ours, LENGTHS, batch_first),
                        trnn.unpad_sequence(padded_theirs, torch.tensor(LENGTHS), batch_first)):  # fmt: skip
            _close(a, b)
    packed_ours, packed_theirs = rnn_utils.pack_sequence(ours, False), trnn.pack_sequence(theirs, False)
    _close(packed_ours.data, packed_theirs.data)
    for a, b in zip(rnn_utils.unpack_sequence(packed_ours), trnn.unpack_sequence(packed_theirs)):
        _close(a, b)


def test_packed_sequence_is_a_namedtuple_with_torch_methods():
    packed = rnn_utils.pack_sequence([minigrad.ones(3, 2), minigrad.ones(1, 2)])
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert batch_sizes.tolist() == [2, 1, 1] and sorted_indices is None and unsorted_indices is None
    assert packed.double().data.dtype == minigrad.float64 and packed.to(minigrad.float32) is packed
    assert not packed.is_cuda and packed.cpu() is packed
    rebuilt = rnn_utils.PackedSequence(data, batch_sizes, minigrad.tensor([1, 0]))
    assert rebuilt.unsorted_indices.tolist() == [1, 0]


CONFIGS = [
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(num_layers=2, proj_size=2, batch_first=True)),
    ("GRU", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("GRU", dict(bias=False)),
    ("RNN", dict(nonlinearity="relu", bidirectional=True)),
    ("RNN", dict(num_layers=2)),
]


def _pair(kind, options, dtype="float64", sizes=(3, 4)):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(*sizes, **options).to(getattr(torch, dtype))
    ours = getattr(nn, kind)(*sizes, dtype=getattr(minigrad, dtype), **options)
    ours.load_state_dict({k: minigrad.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _states(state):
    return list(state) if isinstance(state, tuple) else [state]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("kind, options", CONFIGS, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CONFIGS)])
def test_layers_on_packed_sequences_match_torch(kind, options, enforce_sorted, dtype):
    ours, theirs = _pair(kind, options, dtype)
    batch_first = options.get("batch_first", False)
    lengths = sorted(LENGTHS, reverse=True) if enforce_sorted else LENGTHS
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5, 3) if batch_first else (5, 4, 3)).astype(dtype)
    x_ours, x_theirs = _both(x)
    directions = 2 if options.get("bidirectional") else 1
    layers, out = options.get("num_layers", 1) * directions, options.get("proj_size") or 4
    h0 = rng.standard_normal((layers, 4, out)).astype(dtype)
    hx = (h0, rng.standard_normal((layers, 4, 4)).astype(dtype)) if kind == "LSTM" else h0
    hx_ours = tuple(map(minigrad.tensor, hx)) if kind == "LSTM" else minigrad.tensor(hx)
    hx_theirs = tuple(map(torch.tensor, hx)) if kind == "LSTM" else torch.tensor(hx)
    packed_ours = rnn_utils.pack_padded_sequence(x_ours, lengths, batch_first, enforce_sorted)
    packed_theirs = trnn.pack_padded_sequence(x_theirs, lengths, batch_first, enforce_sorted)
    out_ours, state_ours = ours(packed_ours, hx_ours)
    out_theirs, state_theirs = theirs(packed_theirs, hx_theirs)
    assert isinstance(out_ours, rnn_utils.PackedSequence)
    assert out_ours.batch_sizes.tolist() == out_theirs.batch_sizes.tolist()
    rtol = 1e-5 if dtype == "float32" else 1e-10
    got = [rnn_utils.pad_packed_sequence(out_ours, batch_first)[0]] + _states(state_ours)
    want = [trnn.pad_packed_sequence(out_theirs, batch_first)[0]] + _states(state_theirs)
    for a, b in zip(got, want):
        _close(a, b, rtol)
    upstream = [rng.standard_normal(b.shape).astype(dtype) for b in want]
    minigrad.stack([(a * minigrad.tensor(u)).sum() for a, u in zip(got, upstream)]).sum().backward()
    sum((b * torch.tensor(u)).sum() for b, u in zip(want, upstream)).backward()
    _close(x_ours.grad, x_theirs.grad, rtol * 10)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad, theirs_params[name].grad, rtol * 10)


def test_packed_final_state_is_each_sequences_last_real_step():
    ours, _ = _pair("GRU", {})
    x = minigrad.randn(5, 4, 3, dtype=minigrad.float64)
    output, h_n = ours(rnn_utils.pack_padded_sequence(x, LENGTHS, enforce_sorted=False))
    padded, lengths = rnn_utils.pad_packed_sequence(output)
    for b, length in enumerate(lengths.tolist()):
        np.testing.assert_allclose(h_n[0, b].detach().numpy(), padded[length - 1, b].detach().numpy())
        alone, h_alone = ours(x[:length, b])  # unbatched, no padding at all
        np.testing.assert_allclose(h_alone[0].detach().numpy(), h_n[0, b].detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_gradcheck_through_the_fused_kernel_on_packed_input(kind):
    options = dict(proj_size=2) if kind == "LSTM" else {}
    ours, _ = _pair(kind, dict(bidirectional=True, **options), sizes=(2, 3))
    x = minigrad.randn(3, 3, 2, dtype=minigrad.float64, requires_grad=True)

    def run(t, lengths=(3, 1, 2)):
        output, state = ours(rnn_utils.pack_padded_sequence(t, lengths, enforce_sorted=False))
        return rnn_utils.pad_packed_sequence(output)[0], *_states(state)

    assert gradcheck(run, (x,))
    assert gradgradcheck(
        lambda t: run(t, (1, 2))[1].sum(), (minigrad.randn(2, 2, 2, dtype=minigrad.float64, requires_grad=True),)
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_step_kernels_match_their_numpy_twins(dtype):
    rng = np.random.default_rng(4)
    rows, size = 5, 7
    rand = lambda *shape: (rng.standard_normal(shape) * 3).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    gx, gh, bias, c_prev, dh, dc = (
        rand(rows, 4 * size),
        rand(rows, 4 * size),
        rand(4 * size),
        *(rand(rows, size) for _ in range(3)),
    )
    gates, c, h = np.empty((rows, 4 * size), dtype), np.empty((rows, size), dtype), np.empty((rows, size), dtype)
    kernel.lstm_forward(gx, gh, bias, c_prev, gates, c, h, 2)
    for got, want in zip((gates, c, h), reference.lstm_forward(gx, gh, bias, c_prev)):
        np.testing.assert_allclose(got, want, **tol)
    dgates, dc_kernel = np.empty_like(gates), dc.copy()
    kernel.lstm_backward(dh, dc_kernel, gates, c, c_prev, dgates, 2)
    for got, want in zip((dgates, dc_kernel), reference.lstm_backward(dh, dc, gates, c, c_prev)):
        np.testing.assert_allclose(got, want, **tol)
    gx, gh, bias = rand(rows, 3 * size), rand(rows, 3 * size), rand(3 * size)
    gates, hn = np.empty((rows, 3 * size), dtype), np.empty((rows, size), dtype)
    kernel.gru_forward(gx, gh, bias, c_prev, gates, hn, h, 2)
    for got, want in zip((gates, hn, h), reference.gru_forward(gx, gh, bias, c_prev)):
        np.testing.assert_allclose(got, want, **tol)
    dgx, dgh, direct = np.empty_like(gates), np.empty_like(gates), np.empty_like(hn)
    kernel.gru_backward(dh, gates, hn, c_prev, dgx, dgh, direct, 2)
    for got, want in zip((dgx, dgh, direct), reference.gru_backward(dh, gates, hn, c_prev)):
        np.testing.assert_allclose(got, want, **tol)
    for relu in (False, True):
        gx, gh, bias = rand(rows, size), rand(rows, size), rand(size)
        kernel.rnn_forward(gx, gh, bias, relu, h, 2)
        np.testing.assert_allclose(h, reference.rnn_forward(gx, gh, bias, relu), **tol)
        dpre = np.empty_like(h)
        kernel.rnn_backward(dh, h, relu, dpre, 2)
        np.testing.assert_allclose(dpre, reference.rnn_backward(dh, h, relu), **tol)


def test_sigmoid_saturates_without_overflow():
    big = np.array([[1e4, -1e4, 80.0, -80.0]], np.float32)
    gates, c, h = np.empty((1, 4), np.float32), np.empty((1, 1), np.float32), np.empty((1, 1), np.float32)
    kernel.lstm_forward(big, np.zeros_like(big), np.zeros(4, np.float32), np.ones((1, 1), np.float32), gates, c, h, 1)
    assert np.isfinite(gates).all() and gates[0, 0] == 1 and gates[0, 1] == 0


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_long_sequence_stays_close_to_torch(kind):
    ours, theirs = _pair(kind, {}, "float32", sizes=(4, 8))
    x_ours, x_theirs = _both(np.random.default_rng(5).standard_normal((1000, 2, 4)).astype(np.float32))
    (out_ours, _), (out_theirs, _) = ours(x_ours), theirs(x_theirs)
    _close(out_ours, out_theirs, 1e-4)
    out_ours[-1].sum().backward()
    out_theirs[-1].sum().backward()
    assert np.isfinite(x_ours.grad.numpy()).all()
    _close(x_ours.grad, x_theirs.grad, 1e-4)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad, theirs_params[name].grad, 1e-3)


def test_bad_input_raises_like_torch():
    x = minigrad.randn(5, 4, 3)
    with pytest.raises(RuntimeError, match="`lengths` array must be sorted in decreasing order"):
        rnn_utils.pack_padded_sequence(x, LENGTHS)
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        rnn_utils.pack_padded_sequence(x, [5, 3, 2, 0])
    with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to batch_size"):
        rnn_utils.pack_padded_sequence(x, [5, 3])
    packed = rnn_utils.pack_padded_sequence(x, [5, 3, 2, 1])
    with pytest.raises(ValueError, match="Expected total_length to be at least"):
        rnn_utils.pad_packed_sequence(packed, total_length=3)
    with pytest.raises(RuntimeError, match="Expected padding_side to be one of left or right"):
        rnn_utils.pad_sequence([x[0]], padding_side="middle")
    with pytest.raises(RuntimeError, match="received an empty list of sequences"):
        rnn_utils.pad_sequence([])
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        nn.GRU(2, 4)(packed)
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 4, 4\), got \[1, 2, 4\]"):
        nn.GRU(3, 4)(packed, minigrad.zeros(1, 2, 4))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size \(1, 4, 4\), got \[1, 4, 5\]"):
        nn.LSTM(3, 4)(packed, (minigrad.zeros(1, 4, 4), minigrad.zeros(1, 4, 5)))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx should also be 3-D but got 2-D tensor"):
        nn.RNN(3, 4)(x, minigrad.zeros(4, 4))
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"):
        nn.RNN(3, 4)(x[:, 0], minigrad.zeros(1, 1, 4))
