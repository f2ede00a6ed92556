"""Every optimizer against torch.optim: the same problem, the same options, 100 steps, float64 — the parameters and
the state must agree, with a state-dict round trip through the other library midway (ours → torch → ours for our
run, torch → ours → torch for torch's run).

The problem is fixed NumPy (gradients from closed forms, the same arrays for both libraries), so only the optimizers
are compared. A fixed-seed sample of the argument combinations runs by default; ``MINIGRAD_FULL_PARITY=1`` runs all.
"""

import os
import random

import numpy as np
import pytest

import minigrad
from minigrad import optim
from minigrad.autograd.tensor import Tensor

torch = pytest.importorskip("torch")

STEPS = 100
SHAPES = [(4, 3), (3,), (2, 2)]
_rng = np.random.default_rng(7)
A, B = _rng.standard_normal((5, 4)), _rng.standard_normal((5, 3))
C, E = _rng.standard_normal(3), _rng.standard_normal((2, 2))
INIT = [_rng.standard_normal(shape) for shape in SHAPES]
NOISE = [[0.3 * _rng.standard_normal(shape) for shape in SHAPES] for _ in range(STEPS)]


def loss_and_grads(arrays, step=None):
    """A smooth non-convex loss of three arrays and its gradients (plus a fixed per-step noise when ``step``)."""
    x0, x1, x2 = arrays
    residual = A @ x0 - B
    loss = 0.5 * (residual**2).sum() + np.log(np.cosh(x1 - C)).sum() + 0.25 * (x2**4).sum() - (x2 * E).sum()
    grads = [A.T @ residual, np.tanh(x1 - C), x2**3 - E]
    if step is not None:
        grads = [g + noise for g, noise in zip(grads, NOISE[step])]
    return loss, grads


CONFIGS = [
    ("SGD", dict(lr=0.01, momentum=0.9, dampening=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.01, betas=(0.3, 0.5), weight_decay=0.2)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.02, betas=(0.5, 0.9), eps=1e-3, weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("NAdam", dict(lr=0.01, betas=(0.3, 0.8))),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, betas=(0.6, 0.9))),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-4, centered=True)),
    ("RMSprop", dict(lr=0.005, momentum=0.9, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.005, momentum=0.5, centered=True, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.5, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, eps=1e-3, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, maximize=True)),
    ("Rprop", dict(lr=0.01)),
    ("Rprop", dict(lr=0.02, etas=(0.3, 1.5), step_sizes=(1e-3, 0.1))),
    ("Rprop", dict(lr=0.01, maximize=True)),
    ("ASGD", dict(lr=0.01)),
    ("ASGD", dict(lr=0.01, lambd=0.01, alpha=0.5, t0=30, weight_decay=0.1)),
    ("ASGD", dict(lr=0.01, t0=10, maximize=True)),
    ("LBFGS", dict(lr=0.5, max_iter=3)),
    ("LBFGS", dict(lr=1, max_iter=4, history_size=3)),
    ("LBFGS", dict(lr=1, max_iter=5, history_size=4, line_search_fn="strong_wolfe")),
    ("LBFGS", dict(max_iter=20, tolerance_grad=1e-5, tolerance_change=1e-7, line_search_fn="strong_wolfe")),
]
CONFIGS += [(name, {**options, "foreach": False}) for name, options in CONFIGS[:3]]  # accepted and ignored
SAMPLED = (
    CONFIGS
    if os.environ.get("MINIGRAD_FULL_PARITY") == "1"
    else sorted(random.Random(13).sample(CONFIGS, 24), key=CONFIGS.index)
)


def _library(lib):
    return minigrad if lib == "minigrad" else torch


def _convert(value, lib):
    """A state dict (or any part of one) with its tensors moved to ``lib``'s Tensor type."""
    if isinstance(value, dict):
        return {key: _convert(item, lib) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_convert(item, lib) for item in value)
    if isinstance(value, Tensor):
        return torch.from_numpy(np.array(value._data)) if lib == "torch" else value
    if isinstance(value, torch.Tensor):
        return Tensor._wrap(value.detach().numpy().copy()) if lib == "minigrad" else value
    return value


def _make(lib, name, params, options):
    module = _library(lib).optim
    if name == "LBFGS":
        return module.LBFGS(params, **options)
    return getattr(module, name)(
        [{"params": params[:2]}, {"params": params[2:], "lr": options.get("lr", 0.01) / 2}], **options
    )


def _arrays(params):
    return [p.detach().numpy() if isinstance(p, torch.Tensor) else p._data for p in params]


def _run(lib, name, options, dtype="float64"):
    """``STEPS`` steps (6 for LBFGS, each up to ``max_iter`` iterations: beyond, its quasi-Newton updates amplify
    the last-bit differences of NumPy's and torch's dot products); midway the state goes through the other library
    into a fresh optimizer."""
    steps = 6 if name == "LBFGS" else STEPS
    module = _library(lib)
    params = [module.tensor(a.astype(dtype), requires_grad=True) for a in INIT]
    optimizer = _make(lib, name, params, options)
    other = "torch" if lib == "minigrad" else "minigrad"
    for step in range(steps):
        if step == steps // 2:
            there = [_library(other).tensor(a.astype(dtype), requires_grad=True) for a in INIT]
            visitor = _make(other, name, there, options)
            visitor.load_state_dict(_convert(optimizer.state_dict(), other))
            optimizer = _make(lib, name, params, options)
            optimizer.load_state_dict(_convert(visitor.state_dict(), lib))

        def closure(step=step):
            loss, grads = loss_and_grads(_arrays(params), None if name == "LBFGS" else step)
            for p, g in zip(params, grads):  # maximize the negated loss: the same bounded descent
                p.grad = module.tensor((-g if options.get("maximize") else g).astype(dtype))
            return module.tensor(loss)

        optimizer.step(closure)
    return _arrays(params), optimizer.state_dict()


@pytest.mark.parametrize("name, options", SAMPLED, ids=[f"{n}-{sorted(o.items())}" for n, o in SAMPLED])
def test_optimizer_matches_torch_after_100_steps(name, options):
    ours, our_state = _run("minigrad", name, options)
    theirs, their_state = _run("torch", name, options)
    tolerance = 1e-6 if name == "LBFGS" else 1e-9  # its curvature pairs amplify the dot products' rounding
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=tolerance, atol=tolerance / 100)
    assert our_state["param_groups"] == their_state["param_groups"]
    assert list(our_state["state"]) == list(their_state["state"])
    for index, entry in their_state["state"].items():
        assert list(our_state["state"][index]) == list(entry)
        for key, value in entry.items():
            _assert_close(our_state["state"][index][key], value, tolerance * 10)


FLOAT32 = [(name, options) for name, options in CONFIGS if name in ("RMSprop", "Adagrad", "Adadelta", "Adam", "AdamW")]


@pytest.mark.parametrize("name, options", FLOAT32, ids=[f"{n}-{sorted(o.items())}" for n, o in FLOAT32])
def test_compiled_kernels_match_torch_in_float32(name, options):
    ours, _ = _run("minigrad", name, options, "float32")
    theirs, _ = _run("torch", name, options, "float32")
    for a, b in zip(ours, theirs):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _assert_close(ours, theirs, atol):
    if isinstance(theirs, list):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _assert_close(a, b, atol)
    elif isinstance(theirs, torch.Tensor):
        assert isinstance(ours, Tensor) and ours.dtype.name == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_allclose(ours._data, theirs.numpy(), rtol=1e-5, atol=atol)
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-6)
    else:
        assert ours == theirs


@pytest.mark.parametrize(
    "name", ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta", "Rprop", "ASGD"]
)
def test_defaults_and_group_keys_match_torch(name):
    ours = getattr(optim, name)([minigrad.ones(2, requires_grad=True)], lr=0.1)
    theirs = getattr(torch.optim, name)([torch.ones(2, requires_grad=True)], lr=0.1)
    assert ours.defaults == theirs.defaults
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize(
    "name",
    ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta", "Rprop", "ASGD", "LBFGS"],
)
def test_step_bumps_versions_so_a_stale_graph_refuses_to_backward(name):
    p = minigrad.tensor([1.0, -2.0], requires_grad=True)
    optimizer = getattr(optim, name)([p], lr=0.1)
    stale = (p * p).sum()

    def closure():
        optimizer.zero_grad()
        loss = (p * p * p * p).sum()
        loss.backward()
        return loss

    before = p._version
    optimizer.step(closure)
    assert p._version > before
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        stale.backward()


def test_lbfgs_errors_and_convergence():
    with pytest.raises(ValueError, match="per-parameter options"):
        optim.LBFGS(
            [{"params": [minigrad.ones(1, requires_grad=True)]}, {"params": [minigrad.ones(1, requires_grad=True)]}]
        )
    x = minigrad.tensor([1.5, -0.5], dtype=minigrad.float64, requires_grad=True)
    optimizer = optim.LBFGS([x], line_search_fn="strong_wolfe", max_iter=100)

    def rosenbrock():
        optimizer.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        loss.backward()
        return loss

    optimizer.step(rosenbrock)
    np.testing.assert_allclose(x._data, [1.0, 1.0], atol=1e-5)
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        optim.LBFGS([x], line_search_fn="backtracking").step(rosenbrock)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: optim.RMSprop(p, alpha=-1), "Invalid alpha value: -1"),
        (lambda p: optim.RMSprop(p, momentum=-1), "Invalid momentum value: -1"),
        (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
        (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
        (lambda p: optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
        (lambda p: optim.Rprop(p, etas=(1.5, 2.0)), "Invalid eta values: 1.5, 2.0"),
        (lambda p: optim.NAdam(p, momentum_decay=-1), "Invalid momentum_decay value: -1"),
        (lambda p: optim.Adamax(p, betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
        (lambda p: optim.RAdam(p, eps=-1), "Invalid epsilon value: -1"),
        (lambda p: optim.ASGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda p: optim.LBFGS(p, lr=-1), "Invalid learning rate: -1"),
    ],
)
def test_invalid_options_raise_like_torch(make, message):
    with pytest.raises(ValueError, match=message):
        make([minigrad.ones(2, requires_grad=True)])
