"""``minigrad.amp.GradScaler`` against torch's on the CPU: the same scale trajectory, skipped steps and parameters
(nanoGPT's train.py builds ``torch.cuda.amp.GradScaler(enabled=...)``, which disables itself without CUDA)."""

import warnings

import numpy as np
import pytest

import minigrad


def _run(lib, losses_scale, init_scale, growth_interval):
    scaler = lib.amp.GradScaler("cpu", init_scale=init_scale, growth_interval=growth_interval)
    weight = lib.nn.Parameter(lib.tensor([1.0, -2.0, 0.5]))
    optimizer = lib.optim.SGD([weight], lr=0.1)
    trace = []
    for factor in losses_scale:
        optimizer.zero_grad()
        loss = (weight * weight).sum() * factor  # factor inf makes an inf gradient: the step is skipped
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        scaler.step(optimizer)
        scaler.update()
        trace.append((scaler.get_scale(), weight.detach().numpy().copy()))
    return trace, scaler.state_dict()


def test_scale_trajectory_and_steps_match_torch():
    torch = pytest.importorskip("torch")
    factors = [1.0, 1.0, float("inf"), 1.0, 1.0, 1.0, float("nan"), 1.0]
    ours, our_state = _run(minigrad, factors, 1024.0, 2)
    theirs, their_state = _run(torch, factors, 1024.0, 2)
    for (our_scale, our_w), (their_scale, their_w) in zip(ours, theirs):
        assert our_scale == their_scale
        np.testing.assert_allclose(our_w, their_w, rtol=1e-6)
    assert our_state == their_state


def test_cuda_scaler_disables_itself_like_torch():
    torch = pytest.importorskip("torch")
    with pytest.warns(UserWarning, match="CUDA is not available"):
        ours = minigrad.cuda.amp.GradScaler(enabled=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.cuda.amp.GradScaler(enabled=True)
    assert ours.is_enabled() == theirs.is_enabled() is False
    assert ours.get_scale() == theirs.get_scale() == 1.0 and ours.state_dict() == theirs.state_dict() == {}
    weight = minigrad.nn.Parameter(minigrad.ones(2))
    optimizer = minigrad.optim.SGD([weight], lr=0.5)
    loss = ours.scale((weight * 2).sum())
    loss.backward()
    ours.unscale_(optimizer)
    ours.step(optimizer)
    ours.update()
    assert weight.tolist() == [0.0, 0.0]  # a plain step: the scaler is a no-op
    assert not minigrad.cuda.amp.GradScaler(enabled=False).is_enabled()


def test_errors_and_state_dict_round_trip():
    scaler = minigrad.amp.GradScaler("cpu", init_scale=4.0)
    weight = minigrad.nn.Parameter(minigrad.ones(1))
    optimizer = minigrad.optim.SGD([weight], lr=0.1)
    scaler.scale(weight.sum()).backward()
    scaler.unscale_(optimizer)
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.unscale_(optimizer)
    assert weight.grad.tolist() == [1.0]
    with pytest.raises(ValueError, match="growth factor"):
        minigrad.amp.GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(ValueError, match="backoff factor"):
        minigrad.amp.GradScaler("cpu", backoff_factor=1.0)
    restored = minigrad.amp.GradScaler("cpu")
    restored.load_state_dict(scaler.state_dict())
    assert restored.get_scale() == 4.0 and restored.state_dict() == scaler.state_dict()
    assert scaler.scale([minigrad.tensor(1.0), (minigrad.tensor(2.0),)])[1][0].item() == 8.0
