"""nn.utils against torch.nn.utils: the total norm and clipping (in place, as torch), parameters_to_vector and
vector_to_parameters."""

import warnings

import numpy as np
import pytest

import minigrad
from minigrad import nn

torch = pytest.importorskip("torch")


def _params(lib, dtypes=("float32", "float64", "float32")):
    rng = np.random.default_rng(3)
    params = []
    for shape, dtype in zip([(3, 4), (5,), (2, 2)], dtypes):
        p = lib.tensor(rng.standard_normal(shape), dtype=getattr(lib, dtype), requires_grad=True)
        p.grad = lib.tensor(rng.standard_normal(shape) * 3, dtype=getattr(lib, dtype))
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 0.5, 4, float("inf"), -float("inf")])
def test_total_norm_and_clipping_with_mixed_dtypes_match_torch(norm_type):
    ours, theirs = _params(minigrad), _params(torch)
    arrays = [p.grad._data for p in ours]
    total = nn.utils.clip_grad_norm_(ours, 0.7, norm_type)
    their_total = torch.nn.utils.clip_grad_norm_(theirs, 0.7, norm_type)
    assert total.dtype.name == str(their_total.dtype).replace("torch.", "")
    np.testing.assert_allclose(total.item(), their_total.item(), rtol=1e-6)
    for p, q, array in zip(ours, theirs, arrays):
        assert p.grad._data is array  # scaled in place
        assert p.grad.dtype.name == str(q.grad.dtype).replace("torch.", "")
        np.testing.assert_allclose(p.grad._data, q.grad.numpy(), rtol=1e-6)


def test_get_total_norm_and_clip_grads_with_norm_match_torch():
    ours, theirs = _params(minigrad, ("float64",) * 3), _params(torch, ("float64",) * 3)
    total = nn.utils.get_total_norm([p.grad for p in ours], 3.0)
    their_total = torch.nn.utils.get_total_norm([p.grad for p in theirs], 3.0)
    np.testing.assert_allclose(total.item(), their_total.item(), rtol=1e-13)
    nn.utils.clip_grads_with_norm_(ours, 1.5, total)
    torch.nn.utils.clip_grads_with_norm_(theirs, 1.5, their_total)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad._data, q.grad.numpy(), rtol=1e-13)
    assert nn.utils.get_total_norm([]).item() == 0.0


def test_clip_grad_value_in_place_and_version():
    ours, theirs = _params(minigrad), _params(torch)
    grad = ours[0].grad
    before = grad._version
    nn.utils.clip_grad_value_(ours, 0.5)
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    assert ours[0].grad is grad and grad._version > before
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad._data, q.grad.numpy())


def test_empty_generator_warns_like_torch():
    with pytest.warns(UserWarning, match="empty generator"):
        nn.utils.clip_grad_norm_((p for p in []), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.utils.clip_grad_norm_([], 1.0)


def test_parameters_to_vector_is_differentiable_and_vector_to_parameters_shares_memory():
    ours = nn.Linear(3, 2)
    theirs = torch.nn.Linear(3, 2)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight._data))
        theirs.bias.copy_(torch.from_numpy(ours.bias._data))
    vec = nn.utils.parameters_to_vector(ours.parameters())
    their_vec = torch.nn.utils.parameters_to_vector(theirs.parameters())
    np.testing.assert_array_equal(vec._data, their_vec.detach().numpy())
    (vec * minigrad.arange(8.0)).sum().backward()
    np.testing.assert_array_equal(ours.weight.grad._data.ravel(), np.arange(6.0))
    np.testing.assert_array_equal(ours.bias.grad._data, [6.0, 7.0])

    new = minigrad.arange(8.0)
    nn.utils.vector_to_parameters(new, ours.parameters())
    torch.nn.utils.vector_to_parameters(torch.arange(8.0), theirs.parameters())
    np.testing.assert_array_equal(ours.weight._data, theirs.weight.detach().numpy())
    np.testing.assert_array_equal(ours.bias._data, theirs.bias.detach().numpy())
    new._data[0] = 100.0  # the parameters are views of the vector, as in torch
    assert ours.weight._data[0, 0] == 100.0
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        nn.utils.vector_to_parameters([1.0], ours.parameters())
