"""Optimizers and LR schedulers against torch: the same parameters and gradient sequence must give the same
parameters, for every option; schedulers must give torch's learning rates."""

import math
import pickle
import warnings

import numpy as np
import pytest

import minigrad
from minigrad import nn, optim

torch = pytest.importorskip("torch")

SHAPES = [(4, 3), (3,), (2, 2, 2)]


def _run(lib, make_optimizer, dtype, steps=25, skip=None, seed=0):
    """Run ``steps`` optimizer steps on fixed gradients; ``skip(step, index)`` leaves a gradient out."""
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(shape) for shape in SHAPES]
    grads = [[rng.standard_normal(shape) for shape in SHAPES] for _ in range(steps)]
    np_dtype = np.dtype(dtype)
    params = [lib.tensor(a.astype(np_dtype), requires_grad=True) for a in init]
    optimizer = make_optimizer(lib, params)
    for step in range(steps):
        for index, (p, g) in enumerate(zip(params, grads[step])):
            p.grad = None if skip and skip(step, index) else lib.tensor(g.astype(np_dtype))
        optimizer.step()
    return [p.detach().numpy() for p in params], optimizer


def _lib_optim(lib):
    return optim if lib is minigrad else torch.optim


CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.01, nesterov=True, maximize=True)),
    ("SGD", dict(lr=0.05, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.5, weight_decay=0.2, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True, weight_decay=0.05)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.5))),  # 1 - β₁ ≥ 0.5: the other branch of torch's lerp
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.0, maximize=True)),
    ("AdamW", dict(lr=0.02, betas=(0.5, 0.9), weight_decay=0.3, amsgrad=True, maximize=True)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name, options", CONFIGS, ids=[f"{n}-{sorted(o.items())}" for n, o in CONFIGS])
def test_optimizer_matches_torch(name, options, dtype):
    def make(lib, params):
        return getattr(_lib_optim(lib), name)(params, **options)

    ours, ours_optimizer = _run(minigrad, make, dtype)
    theirs, theirs_optimizer = _run(torch, make, dtype)
    for a, b in zip(ours, theirs):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(
            a, b, rtol=1e-6 if dtype == "float32" else 1e-12, atol=1e-6 if dtype == "float32" else 1e-12
        )
    ours_state, theirs_state = ours_optimizer.state_dict(), theirs_optimizer.state_dict()
    assert ours_state["state"].keys() == theirs_state["state"].keys()
    for index, entry in theirs_state["state"].items():
        assert list(ours_state["state"][index]) == list(entry)
        for key, value in entry.items():
            ours_value = ours_state["state"][index][key]
            assert ours_value.dtype.name == str(value.dtype).replace("torch.", "")
            np.testing.assert_allclose(ours_value._data, value.numpy(), rtol=1e-5, atol=1e-6)


def test_state_dict_layout_matches_torch():
    def build(lib):
        a, b, c = (lib.ones(2, requires_grad=True) for _ in range(3))
        opt = _lib_optim(lib).Adam([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1)
        for p in (a, b, c):
            p.grad = lib.ones(2)
        opt.step()
        return opt.state_dict()

    ours, theirs = build(minigrad), build(torch)
    assert theirs["param_groups"] == ours["param_groups"]  # torch's keys too (foreach, fused, ...): loadable there
    assert list(ours["state"]) == [0, 1, 2] and list(ours["state"][0]) == ["step", "exp_avg", "exp_avg_sq"]
    assert ours["state"][2]["step"].item() == 1.0 and ours["state"][2]["step"].dtype is minigrad.float32


@pytest.mark.parametrize(
    "name, options", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(amsgrad=True)), ("AdamW", dict(lr=0.01))]
)
def test_load_state_dict_resumes_exactly(name, options):
    def make(lib, params):
        return getattr(optim, name)(params, **options)

    straight, _ = _run(minigrad, make, "float64", steps=12)
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(shape) for shape in SHAPES]
    grads = [[rng.standard_normal(shape) for shape in SHAPES] for _ in range(12)]
    params = [minigrad.tensor(a, requires_grad=True) for a in init]
    first = make(minigrad, params)
    for step in range(12):
        if step == 5:  # checkpoint (through pickle, as a file would) and continue with a fresh optimizer
            saved = pickle.loads(pickle.dumps(first.state_dict()))
            first = make(minigrad, params)
            first.load_state_dict(saved)
        for p, g in zip(params, grads[step]):
            p.grad = minigrad.tensor(g)
        first.step()
    for a, b in zip(straight, params):
        np.testing.assert_array_equal(a, b._data)


def test_load_state_dict_casts_and_checks_sizes():
    p = minigrad.zeros(2, dtype=minigrad.float64, requires_grad=True)
    p.grad = minigrad.ones(2, dtype=minigrad.float64)
    source = optim.SGD([p], lr=0.1, momentum=0.9)
    source.step()
    q = minigrad.zeros(2, requires_grad=True)
    target = optim.SGD([q], lr=0.5, momentum=0.9)
    target.load_state_dict(source.state_dict())
    assert target.state[q]["momentum_buffer"].dtype is minigrad.float32
    assert target.param_groups[0]["lr"] == 0.1 and target.param_groups[0]["params"][0] is q
    assert target.state[q]["momentum_buffer"]._data is not source.state[p]["momentum_buffer"]._data
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [q]}, {"params": [p]}]).load_state_dict(source.state_dict())
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD([q, minigrad.zeros(1, requires_grad=True)]).load_state_dict(source.state_dict())


def test_adamw_load_keeps_decoupled_weight_decay():
    p = minigrad.zeros(2, requires_grad=True)
    state = optim.Adam([p]).state_dict()
    adamw = optim.AdamW([p])
    adamw.load_state_dict(state)
    assert adamw.param_groups[0]["decoupled_weight_decay"] is True


def test_param_groups_options_and_skipping():
    a, b = minigrad.ones(2, requires_grad=True), minigrad.ones(2, requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 1.0}], lr=0.1, momentum=0.0)
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[0]["lr"] == 0.1
    assert opt.param_groups[1]["momentum"] == 0.0 and opt.param_groups[1]["nesterov"] is False
    a.grad = minigrad.ones(2)
    opt.step()  # b has no gradient: untouched
    np.testing.assert_allclose(a._data, [0.9, 0.9])
    np.testing.assert_array_equal(b._data, [1.0, 1.0])
    c = minigrad.ones(1, requires_grad=True)
    opt.add_param_group({"params": [c], "lr": 2.0})
    assert len(opt.param_groups) == 3 and opt.param_groups[2]["weight_decay"] == 0
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="ordered collections"):
        opt.add_param_group({"params": {minigrad.ones(1, requires_grad=True)}})
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([c, c])


def test_named_parameters_are_accepted():
    model = nn.Linear(2, 1)
    opt = optim.Adam(model.named_parameters())
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.param_groups[0]["params"] == [model.weight, model.bias]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: optim.SGD(p, lr=-1), "Invalid learning rate: -1"),
        (lambda p: optim.SGD(p, momentum=-0.5), "Invalid momentum value: -0.5"),
        (lambda p: optim.SGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda p: optim.SGD(p, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
        (lambda p: optim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov momentum requires"),
        (lambda p: optim.Adam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
        (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
        (lambda p: optim.Adam(p, eps=-1e-8), "Invalid epsilon value"),
        (lambda p: optim.AdamW(p, lr=-0.1), "Invalid learning rate"),
        (lambda p: optim.Adam(p, weight_decay=-0.1), "Invalid weight_decay value"),
        (lambda p: optim.SGD([], lr=0.1), "empty parameter list"),
        (lambda p: optim.SGD([p[0] * 2]), "non-leaf"),
    ],
)
def test_invalid_options_raise_value_error_like_torch(make, message):
    with pytest.raises(ValueError, match=message):
        make([minigrad.ones(2, requires_grad=True)])


def test_other_argument_errors():
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(minigrad.ones(2, requires_grad=True))
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([3.0])
    with pytest.raises(NotImplementedError):
        optim.Adam([minigrad.ones(1, requires_grad=True)], differentiable=True)


def test_zero_grad_closure_and_repr():
    p = minigrad.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with minigrad.no_grad():  # the closure runs with grad mode on regardless
        loss = opt.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_allclose(p._data, [0.0, 0.0])
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and not p.grad._data.any()
    opt.zero_grad()
    assert p.grad is None
    assert repr(opt) == repr(torch.optim.SGD([torch.ones(1, requires_grad=True)], lr=0.5))


def test_step_updates_arrays_in_place_and_leaves_gradients_alone():
    p = minigrad.ones(3, requires_grad=True)
    array = p._data
    for optimizer in (
        optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1, maximize=True),
        optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True),
        optim.Adam([p], weight_decay=0.1),
        optim.AdamW([p], amsgrad=True, maximize=True),
    ):
        for _ in range(2):
            p.grad = minigrad.ones(3)
            optimizer.step()
            np.testing.assert_array_equal(p.grad._data, np.ones(3))
    assert p._data is array


def test_numpy_scalar_options_keep_float32():
    p = minigrad.ones(3, requires_grad=True)
    p.grad = minigrad.ones(3)
    optim.SGD([p], lr=np.float64(0.1), momentum=np.float64(0.5)).step()
    assert p.dtype is minigrad.float32
    np.testing.assert_array_equal(p._data, np.float32(1) - np.float32(1) * np.float32(0.1))


# ----------------------------------------------------------------------------------------------- schedulers
SCHEDULERS = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[3, 10, 10, 30], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("CosineAnnealingLR", dict(T_max=50)),
    ("CosineAnnealingLR", dict(T_max=12, eta_min=0.01)),  # past T_max: torch's periodic branch
    ("LambdaLR", dict(lr_lambda=lambda epoch: 0.95**epoch + 0.01 * (epoch % 3))),
    ("LambdaLR", dict(lr_lambda=[lambda epoch: 1 / (epoch + 1), lambda epoch: 1.0 + epoch])),
]


def _scheduled(lib, name, options, steps=50):
    params = [lib.ones(1, requires_grad=True), lib.ones(1, requires_grad=True)]
    opt = _lib_optim(lib).SGD([{"params": params[:1]}, {"params": params[1:], "lr": 0.3}], lr=0.1)
    scheduler = getattr(_lib_optim(lib).lr_scheduler, name)(opt, **options)
    history = [scheduler.get_last_lr()]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        history.append(scheduler.get_last_lr())
        assert [g["lr"] for g in opt.param_groups] == history[-1]
    return history, scheduler, opt


@pytest.mark.parametrize("name, options", SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)])
def test_scheduler_matches_torch_exactly(name, options):
    ours, scheduler, opt = _scheduled(minigrad, name, options)
    theirs, _, _ = _scheduled(torch, name, options)
    assert ours == theirs  # bit for bit: the same recursive formulas in double precision
    assert scheduler.last_epoch == 50 and scheduler.base_lrs == [0.1, 0.3]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.3]


@pytest.mark.parametrize("name, options", SCHEDULERS[:5], ids=[n for n, _ in SCHEDULERS[:5]])
def test_scheduler_state_dict_resumes(name, options):
    full, _, _ = _scheduled(minigrad, name, options, steps=20)
    _, scheduler, opt = _scheduled(minigrad, name, options, steps=8)
    state = pickle.loads(pickle.dumps(scheduler.state_dict()))
    assert "optimizer" not in state
    resumed = getattr(optim.lr_scheduler, name)(opt, **options, last_epoch=state["last_epoch"])
    resumed.load_state_dict(state)
    history = []
    for _ in range(12):
        opt.step()
        resumed.step()
        history.append(resumed.get_last_lr())
    assert history == full[9:]


def test_lambda_scheduler_state_dict_saves_callable_objects():
    class Decay:
        def __init__(self):
            self.factor = 0.5

        def __call__(self, epoch):
            return self.factor**epoch

    opt = optim.SGD([minigrad.ones(1, requires_grad=True)], lr=1.0)
    decay = Decay()
    scheduler = optim.lr_scheduler.LambdaLR(opt, decay)
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [{"factor": 0.5}]
    decay.factor = 0.1
    scheduler.load_state_dict(state)
    assert decay.factor == 0.5
    plain = optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1.0)
    assert plain.state_dict()["lr_lambdas"] == [None]
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas, but got 2"):
        optim.lr_scheduler.LambdaLR(opt, [decay, decay])


@pytest.mark.parametrize("name, options", SCHEDULERS[:5], ids=[n for n, _ in SCHEDULERS[:5]])
def test_scheduler_step_with_epoch_uses_closed_form(name, options):
    def jump(lib):
        params = [lib.ones(1, requires_grad=True)]
        opt = _lib_optim(lib).SGD(params, lr=0.2)
        scheduler = getattr(_lib_optim(lib).lr_scheduler, name)(opt, **options)
        opt.step()
        scheduler.step(17)
        return scheduler.get_last_lr()

    with pytest.warns(UserWarning, match="epoch parameter"):
        ours = jump(minigrad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ours == jump(torch)


def test_scheduler_errors():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        optim.lr_scheduler.StepLR(object(), 3)
    opt = optim.SGD([minigrad.ones(1, requires_grad=True)], lr=1.0)
    with pytest.raises(KeyError, match="initial_lr"):
        optim.lr_scheduler.ExponentialLR(opt, 0.9, last_epoch=3)


def test_cosine_annealing_reaches_eta_min():
    opt = optim.SGD([minigrad.ones(1, requires_grad=True)], lr=1.0)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.1)
    for _ in range(10):
        opt.step()
        scheduler.step()
    assert math.isclose(scheduler.get_last_lr()[0], 0.1, abs_tol=1e-12)
