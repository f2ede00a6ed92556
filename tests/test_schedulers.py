"""Every learning-rate scheduler against torch.optim.lr_scheduler: the same learning rates (and cycled momenta),
bit for bit, over 200 steps, with the optimizer's and scheduler's state dicts taken through the other library
midway (ours → torch → ours, and torch → ours → torch); ReduceLROnPlateau on fixed metric sequences; ``step(epoch)``
with the closed forms."""

import math
import warnings

import numpy as np
import pytest

import minigrad
from minigrad import optim

torch = pytest.importorskip("torch")

STEPS = 200


class Halving:
    """A callable object: torch saves its ``__dict__`` in the state dict."""

    def __init__(self):
        self.rate = 0.97

    def __call__(self, epoch):
        return self.rate ** (epoch // 3)


def _sequential(s, opt):
    return s.SequentialLR(
        opt,
        [
            s.LinearLR(opt, start_factor=0.1, total_iters=10),
            s.CosineAnnealingLR(opt, T_max=60, eta_min=1e-3),
            s.ExponentialLR(opt, gamma=0.98),
        ],
        milestones=[10, 70],
    )


def _chained(s, opt):
    return s.ChainedScheduler(
        [
            s.ConstantLR(opt, factor=0.5, total_iters=20),
            s.ExponentialLR(opt, gamma=0.99),
            s.MultiStepLR(opt, milestones=[50, 120], gamma=0.5),
        ]
    )


CASES = {
    "LambdaLR": lambda s, opt: s.LambdaLR(opt, lambda epoch: 1 / (1 + 0.05 * epoch)),
    "LambdaLR-per-group": lambda s, opt: s.LambdaLR(opt, [lambda e: 0.99**e, lambda e: 1.0 + (e % 7) / 10]),
    "LambdaLR-object": lambda s, opt: s.LambdaLR(opt, Halving()),
    "MultiplicativeLR": lambda s, opt: s.MultiplicativeLR(opt, lambda epoch: 0.99 if epoch % 2 else 1.001),
    "StepLR": lambda s, opt: s.StepLR(opt, step_size=30, gamma=0.5),
    "MultiStepLR": lambda s, opt: s.MultiStepLR(opt, milestones=[20, 60, 60, 150], gamma=0.3),
    "ConstantLR": lambda s, opt: s.ConstantLR(opt, factor=0.25, total_iters=40),
    "LinearLR": lambda s, opt: s.LinearLR(opt, start_factor=0.05, end_factor=0.9, total_iters=120),
    "ExponentialLR": lambda s, opt: s.ExponentialLR(opt, gamma=0.985),
    "PolynomialLR": lambda s, opt: s.PolynomialLR(opt, total_iters=150, power=2.0),
    "CosineAnnealingLR": lambda s, opt: s.CosineAnnealingLR(opt, T_max=40, eta_min=1e-4),
    "CosineAnnealingWarmRestarts": lambda s, opt: s.CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=2, eta_min=1e-3),
    "CosineAnnealingWarmRestarts-1": lambda s, opt: s.CosineAnnealingWarmRestarts(opt, T_0=7),
    "CyclicLR": lambda s, opt: s.CyclicLR(opt, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=15, step_size_down=25),
    "CyclicLR-triangular2": lambda s, opt: s.CyclicLR(opt, 0.01, 0.1, step_size_up=20, mode="triangular2"),
    "CyclicLR-exp_range": lambda s, opt: s.CyclicLR(
        opt, 0.01, 0.1, step_size_up=10, mode="exp_range", gamma=0.99, base_momentum=0.7, max_momentum=0.95
    ),
    "CyclicLR-scale_fn": lambda s, opt: s.CyclicLR(
        opt,
        0.01,
        0.1,
        step_size_up=8,
        cycle_momentum=False,
        scale_fn=lambda x: 0.5 * (1 + math.sin(x)),
        scale_mode="iterations",
    ),
    "OneCycleLR": lambda s, opt: s.OneCycleLR(opt, max_lr=[0.5, 1.0], total_steps=STEPS + 1),
    "OneCycleLR-linear-three-phase": lambda s, opt: s.OneCycleLR(
        opt,
        max_lr=0.3,
        epochs=201,
        steps_per_epoch=1,
        anneal_strategy="linear",
        three_phase=True,
        pct_start=0.25,
        div_factor=10.0,
    ),
    "OneCycleLR-adam": lambda s, opt: s.OneCycleLR(opt, max_lr=0.01, total_steps=STEPS + 1, base_momentum=0.8),
    "SequentialLR": _sequential,
    "ChainedScheduler": _chained,
}


def _library(lib):
    return minigrad if lib == "minigrad" else torch


def _optimizer(lib, case):
    params = [_library(lib).ones(2, requires_grad=True) for _ in range(2)]
    groups = [{"params": params[:1]}, {"params": params[1:], "lr": 0.3}]
    if case.endswith("-adam"):
        return _library(lib).optim.Adam(groups, lr=0.1)
    return _library(lib).optim.SGD(groups, lr=0.1, momentum=0.9)


def _settings(opt):
    """What a scheduler sets: each group's lr, momentum and β₁."""
    return [(g["lr"], g.get("momentum"), g.get("betas", (None,))[0]) for g in opt.param_groups]


def _moved(state, lib):
    """An optimizer state dict with its tensors in ``lib`` (scheduler state dicts hold none)."""

    def move(value):
        if isinstance(value, dict):
            return {key: move(item) for key, item in value.items()}
        if isinstance(value, torch.Tensor):
            return minigrad.tensor(value.numpy())
        if isinstance(value, minigrad.Tensor):
            return torch.tensor(value._data)
        return value

    return move(state) if lib != "same" else state


def _history(lib, case, round_trip=True):
    """The settings after construction and after each of ``STEPS`` steps; midway the optimizer and scheduler go
    through the other library (fresh objects loading the state dicts) and come back."""
    opt = _optimizer(lib, case)
    scheduler = CASES[case](_library(lib).optim.lr_scheduler, opt)
    history = [_settings(opt)]
    for step in range(STEPS):
        if round_trip and step == STEPS // 2:
            for there in ("torch" if lib == "minigrad" else "minigrad", lib):
                visitor_opt = _optimizer(there, case)
                visitor = CASES[case](_library(there).optim.lr_scheduler, visitor_opt)
                visitor_opt.load_state_dict(_moved(opt.state_dict(), there))
                visitor.load_state_dict(scheduler.state_dict())
                opt, scheduler = visitor_opt, visitor
        opt.step()
        scheduler.step()
        assert scheduler.get_last_lr() == [g["lr"] for g in opt.param_groups]
        history.append(_settings(opt))
    return history, scheduler


@pytest.mark.parametrize("case", list(CASES))
def test_learning_rates_match_torch_bit_for_bit(case):
    ours, scheduler = _history("minigrad", case)
    theirs, their_scheduler = _history("torch", case)
    assert ours == theirs
    assert ours == _history("minigrad", case, round_trip=False)[0]
    assert set(scheduler.state_dict()) == set(their_scheduler.state_dict())


METRICS = np.concatenate(
    [
        np.linspace(1.0, 0.5, 30),
        np.full(20, 0.5),
        0.5 + 0.01 * np.sin(np.arange(50)),
        np.linspace(0.5, 0.2, 40),
        np.full(60, 0.2),
    ]
)
PLATEAU_CASES = [
    dict(),
    dict(mode="min", factor=0.5, patience=3, threshold=1e-3, cooldown=2),
    dict(mode="min", factor=0.5, patience=2, threshold=0.01, threshold_mode="abs", min_lr=[0.01, 0.05]),
    dict(mode="max", factor=0.3, patience=4, threshold_mode="rel", min_lr=1e-3),
    dict(mode="max", factor=0.7, patience=0, threshold=0.005, threshold_mode="abs", cooldown=5, eps=0.025),
]


@pytest.mark.parametrize("options", PLATEAU_CASES, ids=[str(i) for i in range(len(PLATEAU_CASES))])
def test_reduce_lr_on_plateau_matches_torch(options):
    def run(lib, round_trip):
        opt = _optimizer(lib, "plateau")
        scheduler = _library(lib).optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
        history = []
        for step, metric in enumerate(METRICS):
            if round_trip and step == 100:
                state = scheduler.state_dict()
                opt2 = _optimizer(lib, "plateau")
                opt2.load_state_dict(_moved(opt.state_dict(), "same"))
                scheduler = (
                    optim.lr_scheduler.ReduceLROnPlateau(opt2, **options)
                    if lib == "minigrad"
                    else torch.optim.lr_scheduler.ReduceLROnPlateau(opt2, **options)
                )
                scheduler.load_state_dict(state)
                opt = opt2
            opt.step()
            scheduler.step(metric if step % 2 else minigrad.tensor(metric) if lib == "minigrad" else metric)
            history.append((scheduler.get_last_lr(), scheduler.num_bad_epochs, scheduler.cooldown_counter))
        return history, scheduler

    ours, scheduler = run("minigrad", round_trip=True)
    theirs, their_scheduler = run("torch", round_trip=False)
    assert ours == theirs
    assert scheduler.state_dict() == {k: v for k, v in their_scheduler.state_dict().items() if k != "optimizer"}
    assert len({lrs[0][0] for lrs in ours}) > 1  # the metric sequence does reduce the learning rate


@pytest.mark.parametrize(
    "case",
    [
        "StepLR",
        "MultiStepLR",
        "ConstantLR",
        "LinearLR",
        "ExponentialLR",
        "PolynomialLR",
        "CosineAnnealingLR",
        "CosineAnnealingWarmRestarts",
        "CyclicLR",
        "LambdaLR",
    ],
)
def test_step_with_epoch_uses_torch_closed_forms(case):
    def jumps(lib):
        opt = _optimizer(lib, case)
        scheduler = CASES[case](_library(lib).optim.lr_scheduler, opt)
        seen = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for epoch in (3, 17, 40, 41, 10, 130, 2.5 if case == "CosineAnnealingWarmRestarts" else 2):
                opt.step()
                scheduler.step(epoch)
                seen.append(scheduler.get_last_lr())
        return seen, [str(w.message)[:40] for w in caught]

    ours, our_warnings = jumps("minigrad")
    theirs, their_warnings = jumps("torch")
    assert ours == theirs
    assert our_warnings == their_warnings


def test_warnings_like_torch():
    opt = optim.SGD([minigrad.ones(1, requires_grad=True)], lr=1.0)
    scheduler = optim.lr_scheduler.StepLR(opt, 3)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        scheduler.step()
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        scheduler.get_lr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        scheduler.step()


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda s, o: s.ConstantLR(o, factor=2.0), ValueError, "between 0 and 1"),
        (lambda s, o: s.LinearLR(o, start_factor=0), ValueError, "greater than 0"),
        (lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "positive integer T_0"),
        (lambda s, o: s.CyclicLR(o, 0.1, 1.0, mode="nope"), ValueError, "mode is invalid"),
        (lambda s, o: s.OneCycleLR(o, 1.0), ValueError, "either total_steps OR"),
        (lambda s, o: s.OneCycleLR(o, 1.0, total_steps=10, pct_start=1), ValueError, "pct_start"),
        (lambda s, o: s.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0"),
        (lambda s, o: s.ReduceLROnPlateau(o, mode="avg"), ValueError, "mode avg is unknown"),
        (lambda s, o: s.SequentialLR(o, [s.StepLR(o, 2)], milestones=[3]), ValueError, "one more than"),
        (lambda s, o: s.ChainedScheduler([s.ReduceLROnPlateau(o)]), ValueError, "does not support"),
        (lambda s, o: s.MultiplicativeLR(o, 0.5), TypeError, "lr_lambda should be a function"),
    ],
)
def test_errors_like_torch(make, error, message):
    for lib in ("minigrad", "torch"):
        with pytest.raises(error, match=message):
            make(_library(lib).optim.lr_scheduler, _optimizer(lib, "errors"))
