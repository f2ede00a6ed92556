"""``F.embedding`` (the function, not the embedding losses), ``F.one_hot`` and ``nn.Embedding``: values and
gradients against torch (padding_idx, max_norm renormalisation in place, scale_grad_by_freq), gradcheck and
gradgradcheck, the module's init, repr, from_pretrained and state_dict, and torch's errors."""

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.autograd.gradcheck import gradcheck, gradgradcheck

INDICES = np.array([[1, 2, 1, 4], [4, 1, 0, 1]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"padding_idx": 1},
        {"padding_idx": -1, "scale_grad_by_freq": True},
        {"max_norm": 1.0},
        {"max_norm": 1.5, "norm_type": 1.0},
    ],
    ids=["plain", "padding", "padding_negative_freq", "max_norm", "max_norm_l1"],
)
def test_embedding_matches_torch(kwargs, dtype, rng):
    torch = pytest.importorskip("torch")
    weight = rng.standard_normal((5, 3)).astype(dtype)
    ours_w, theirs_w = minigrad.tensor(weight, requires_grad=True), torch.tensor(weight, requires_grad=True)
    ours = F.embedding(minigrad.tensor(INDICES), ours_w, **kwargs)
    theirs = torch.nn.functional.embedding(torch.tensor(INDICES), theirs_w, **kwargs)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours_w.detach().numpy(), theirs_w.detach().numpy(), rtol=1e-6)  # renormed rows
    grad = rng.standard_normal(INDICES.shape + (3,)).astype(dtype)
    ours.backward(minigrad.tensor(grad))
    theirs.backward(torch.tensor(grad))
    np.testing.assert_allclose(ours_w.grad.numpy(), theirs_w.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_embedding_of_int32_and_scalar_indices(rng):
    weight = minigrad.tensor(rng.standard_normal((4, 2)))
    assert F.embedding(minigrad.tensor(np.array([3, 0], np.int32)), weight).shape == (2, 2)
    np.testing.assert_array_equal(F.embedding(minigrad.tensor(2), weight).numpy(), weight.numpy()[2])


def test_gradcheck_and_gradgradcheck(rng):
    weight = minigrad.tensor(rng.standard_normal((5, 3)), requires_grad=True)

    def lookup(w):
        return F.embedding(minigrad.tensor(INDICES), w) ** 2

    assert gradcheck(lookup, (weight,))
    assert gradgradcheck(lookup, (weight,))


def test_double_backward_keeps_the_padding_row_out(rng):
    torch = pytest.importorskip("torch")
    weight = rng.standard_normal((5, 3))
    results = []
    for lib in (minigrad, torch):
        w = lib.tensor(weight, requires_grad=True)
        out = lib.nn.functional.embedding(lib.tensor(INDICES), w, padding_idx=1)
        (grad,) = lib.autograd.grad((out**3).sum(), w, create_graph=True)
        (grad**2).sum().backward()
        results.append(w.grad.numpy())
    np.testing.assert_allclose(*results, rtol=1e-10)


def test_one_hot_matches_torch():
    torch = pytest.importorskip("torch")
    for values, classes in [([0, 2, 1], -1), ([[1], [3]], 5), ([], 3)]:
        ours = F.one_hot(minigrad.tensor(np.array(values, np.int64)), classes)
        theirs = torch.nn.functional.one_hot(torch.tensor(np.array(values, np.int64)), classes)
        assert ours.dtype == minigrad.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda w: F.embedding(minigrad.tensor([5]), w), IndexError, "index out of range in self"),
        (lambda w: F.embedding(minigrad.tensor([-1]), w), IndexError, "index out of range in self"),
        (lambda w: F.embedding(minigrad.tensor([0.5]), w), RuntimeError, "'indices' to have one of the following"),
        (lambda w: F.embedding(minigrad.tensor([1]), w, padding_idx=5), AssertionError, "Padding_idx"),
        (lambda w: nn.Embedding(5, 3, padding_idx=-6), AssertionError, "Padding_idx"),
        (lambda w: F.one_hot(minigrad.tensor([3]), 3), RuntimeError, "smaller than num_classes"),
        (lambda w: F.one_hot(minigrad.tensor([-1])), RuntimeError, "non-negative"),
        (lambda w: F.one_hot(minigrad.tensor([1.0])), RuntimeError, "LongTensor"),
        (lambda w: nn.Embedding.from_pretrained(minigrad.zeros(3)), AssertionError, "2-dimensional"),
    ],
)
def test_bad_inputs_raise_torchs_error(call, error, message):
    with pytest.raises(error, match=message):
        call(minigrad.randn(5, 3))


def test_embedding_module_matches_torch(rng):
    torch = pytest.importorskip("torch")
    for kwargs in [
        {},
        {"padding_idx": 2},
        {"padding_idx": -1, "max_norm": 2.0, "norm_type": 1.0, "scale_grad_by_freq": True},
    ]:
        ours, theirs = nn.Embedding(6, 4, **kwargs), torch.nn.Embedding(6, 4, **kwargs)
        assert repr(ours) == repr(theirs) and ours.padding_idx == theirs.padding_idx
        assert list(ours.state_dict()) == ["weight"] and ours.weight.dtype == minigrad.float32
        if ours.padding_idx is not None:
            assert not ours.weight.detach().numpy()[ours.padding_idx].any()
        ours.load_state_dict({"weight": minigrad.tensor(theirs.weight.detach().numpy())})
        ours_out, theirs_out = ours(minigrad.tensor(INDICES)), theirs(torch.tensor(INDICES))
        np.testing.assert_allclose(ours_out.detach().numpy(), theirs_out.detach().numpy(), rtol=1e-6)
        ours_out.sum().backward()
        theirs_out.sum().backward()
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-6)


def test_embedding_draws_from_a_standard_normal():
    weight = nn.Embedding(400, 50).weight.detach().numpy()
    assert abs(weight.mean()) < 0.02 and abs(weight.std() - 1) < 0.02


def test_from_pretrained_freezes_and_shares(rng):
    torch = pytest.importorskip("torch")
    table = rng.standard_normal((4, 2)).astype(np.float32)
    ours = nn.Embedding.from_pretrained(minigrad.tensor(table), padding_idx=0)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table), padding_idx=0)
    assert repr(ours) == repr(theirs)
    assert not ours.weight.requires_grad
    assert nn.Embedding.from_pretrained(minigrad.tensor(table), freeze=False).weight.requires_grad
    np.testing.assert_array_equal(ours(minigrad.tensor([3, 0])).numpy(), theirs(torch.tensor([3, 0])).numpy())
