"""End to end: an MLP trained for 20 steps from the same weights on the same data ends with torch's parameters."""

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import optim

torch = pytest.importorskip("torch")


def _cross_entropy(logits, target):
    """minigrad's fused cross-entropy when it exists, else the same value composed from log_softmax."""
    if hasattr(F, "cross_entropy"):
        return F.cross_entropy(logits, target)
    return -(F.log_softmax(logits, dim=1)[minigrad.arange(target.shape[0]), target]).mean()


def _mlp(lib, activation):
    return lib.nn.Sequential(
        lib.nn.Linear(20, 16),
        getattr(lib.nn, activation)(),
        lib.nn.Linear(16, 16),
        getattr(lib.nn, activation)(),
        lib.nn.Linear(16, 3),
    )


OPTIMIZERS = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=1e-3)),
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, weight_decay=1e-2, amsgrad=True)),
    ("AdamW", dict(lr=1e-2)),
    ("AdamW", dict(lr=1e-2, weight_decay=0.1, amsgrad=True)),
]


@pytest.mark.parametrize("dtype, tolerance", [("float32", 1e-5), ("float64", 1e-11)])
@pytest.mark.parametrize("activation", ["Tanh", "ReLU"])
@pytest.mark.parametrize("name, options", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
def test_mlp_training_matches_torch(name, options, activation, dtype, tolerance):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 20)).astype(dtype)
    y = rng.integers(0, 3, 64)
    torch.manual_seed(0)
    theirs = _mlp(torch, activation).to(getattr(torch, dtype))
    ours = _mlp(minigrad, activation).to(getattr(minigrad, dtype))
    ours.load_state_dict({k: minigrad.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    theirs_opt = getattr(torch.optim, name)(theirs.parameters(), **options)
    ours_opt = getattr(optim, name)(ours.parameters(), **options)
    tx, ty = torch.tensor(x), torch.tensor(y)
    mx, my = minigrad.tensor(x), minigrad.tensor(y)
    for step in range(20):
        batch = slice(16 * (step % 4), 16 * (step % 4 + 1))  # minibatches, so every step sees new data
        theirs_opt.zero_grad()
        theirs_loss = torch.nn.functional.cross_entropy(theirs(tx[batch]), ty[batch])
        theirs_loss.backward()
        theirs_opt.step()
        ours_opt.zero_grad()
        ours_loss = _cross_entropy(ours(mx[batch]), my[batch])
        ours_loss.backward()
        ours_opt.step()
        assert abs(ours_loss.item() - theirs_loss.item()) < tolerance
    theirs_state = theirs.state_dict()
    for key, value in ours.state_dict().items():
        assert value.dtype.name == dtype
        np.testing.assert_allclose(value._data, theirs_state[key].numpy(), rtol=tolerance, atol=tolerance, err_msg=key)
