"""nn.Module, Parameter, layers, containers, init, Dropout, grad clipping and the activation functionals,
checked against torch where it is importable."""

import copy
import math
import pickle
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is the oracle")


def _block_class(lib):
    """A module with a child, a parameter, a persistent and a non-persistent buffer, for either library."""

    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(3, 4)
            self.scale = lib.nn.Parameter(lib.ones(4))
            self.register_buffer("running", lib.zeros(4))
            self.register_buffer("cache", lib.zeros(2), persistent=False)

        def forward(self, x):
            return self.fc(x) * self.scale + self.running

    return Block


def _net(lib):
    """The same architecture built with either library."""
    block = _block_class(lib)
    return lib.nn.Sequential(
        lib.nn.Linear(5, 3),
        lib.nn.Tanh(),
        block(),
        lib.nn.ModuleList([lib.nn.Linear(4, 4), lib.nn.ReLU()]),
        lib.nn.ModuleDict({"head": lib.nn.Linear(4, 2), "act": lib.nn.Sigmoid()}),
    )


def _copy_weights(source, target):
    """Copy a torch module's state into a minigrad module with the same keys."""
    target.load_state_dict({k: minigrad.tensor(v.detach().numpy()) for k, v in source.state_dict().items()})


# -------------------------------------------------------------------------------------------------- Module
@needs_torch
def test_named_parameters_buffers_and_state_dict_match_torch():
    ours, theirs = _net(minigrad), _net(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert isinstance(ours_sd, OrderedDict)
    assert list(ours_sd) == list(theirs_sd)
    assert [tuple(v.shape) for v in ours_sd.values()] == [tuple(v.shape) for v in theirs_sd.values()]
    assert "2.cache" not in ours_sd
    assert all(not v.requires_grad and v.grad_fn is None for v in ours_sd.values())
    assert [n for n, _ in ours.named_parameters(prefix="net", recurse=True)][0] == "net.0.weight"
    assert [n for n, _ in ours[2].named_parameters(recurse=False)] == ["scale"]


def test_state_dict_shares_memory_and_keep_vars():
    layer = nn.Linear(2, 2)
    state = layer.state_dict()
    state["weight"]._data[0, 0] = 42.0
    assert layer.weight._data[0, 0] == 42.0
    assert layer.state_dict(keep_vars=True)["weight"] is layer.weight


def test_shared_parameters_are_listed_once():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert len(list(model.modules())) == 3  # the Sequential, the Linear (once), the ReLU
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # state_dict keeps both names


@needs_torch
def test_load_state_dict_round_trip_and_forward_parity():
    theirs = _net(torch)
    ours = _net(minigrad)
    _copy_weights(theirs, ours)
    x = np.random.default_rng(0).standard_normal((6, 5)).astype(np.float32)
    body_theirs, body_ours = theirs[:3], ours[:3]
    np.testing.assert_allclose(
        body_ours(minigrad.tensor(x))._data, body_theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6
    )
    result = ours.load_state_dict(ours.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"


@needs_torch
def test_load_state_dict_strict_errors_match_torch():
    def messages(lib, convert):
        model = _net(lib)
        state = OrderedDict((k, convert(v)) for k, v in model.state_dict().items())
        del state["0.bias"], state["2.running"]
        state["extra"] = convert(model.state_dict()["0.bias"])
        state["3.0.unknown"] = convert(model.state_dict()["0.bias"])
        with pytest.raises(RuntimeError) as error:
            model.load_state_dict(state)
        relaxed = model.load_state_dict(state, strict=False)
        return str(error.value), relaxed

    ours, ours_relaxed = messages(minigrad, lambda v: v)
    theirs, theirs_relaxed = messages(torch, lambda v: v)
    assert ours == theirs
    assert ours_relaxed.missing_keys == theirs_relaxed.missing_keys == ["0.bias", "2.running"]
    assert ours_relaxed.unexpected_keys == theirs_relaxed.unexpected_keys == ["extra", "3.0.unknown"]


@needs_torch
def test_load_state_dict_missing_keys_non_strict_and_size_mismatch():
    for lib in (minigrad, torch):
        model = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Linear(3, 1))
        partial = {"0.weight": model.state_dict()["0.weight"], "junk": model.state_dict()["0.bias"]}
        result = model.load_state_dict(partial, strict=False)
        assert result.missing_keys == ["0.bias", "1.weight", "1.bias"]
        assert result.unexpected_keys == ["junk"]
    model = nn.Sequential(nn.Linear(2, 3))
    with pytest.raises(
        RuntimeError,
        match=r"Error\(s\) in loading state_dict for Sequential:\n\tsize mismatch for "
        r"0\.weight: copying a param with shape \(4, 2\) from checkpoint, the shape "
        r"in current model is \(3, 2\)\.",
    ):
        model.load_state_dict({"0.weight": minigrad.zeros(4, 2), "0.bias": minigrad.zeros(3)})
    with pytest.raises(RuntimeError, match="size mismatch"):  # even when not strict
        model.load_state_dict({"0.weight": minigrad.zeros(4, 2)}, strict=False)
    with pytest.raises(TypeError, match="dict-like"):
        model.load_state_dict([1, 2])


def test_load_state_dict_copies_in_place_casts_and_assign():
    layer = nn.Linear(2, 2)
    weight = layer.weight
    layer.load_state_dict({"weight": minigrad.ones(2, 2, dtype=minigrad.float64), "bias": np.zeros(2)})
    assert layer.weight is weight and layer.weight.dtype is minigrad.float32
    np.testing.assert_array_equal(layer.weight._data, np.ones((2, 2)))
    new_weight = minigrad.full((2, 2), 3.0)
    layer.load_state_dict({"weight": new_weight, "bias": minigrad.zeros(2)}, assign=True)
    assert isinstance(layer.weight, nn.Parameter) and layer.weight is not weight
    assert layer.weight.requires_grad
    assert np.shares_memory(layer.weight._data, new_weight._data)


@needs_torch
def test_repr_matches_torch():
    for build in (
        _net,
        lambda lib: lib.nn.Sequential(
            lib.nn.Linear(4, 3, bias=False),
            lib.nn.LeakyReLU(0.2),
            lib.nn.GELU(approximate="tanh"),
            lib.nn.Dropout(0.25),
            lib.nn.Flatten(),
            lib.nn.Softmax(dim=1),
            lib.nn.LogSoftmax(dim=-1),
            lib.nn.Identity(),
            lib.nn.ReLU(),
            lib.nn.Softplus(beta=2.0),
            lib.nn.Sequential(),
            lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(3)] + [lib.nn.Tanh()]),
            lib.nn.ModuleList(),
        ),
    ):
        assert repr(build(minigrad)) == repr(build(torch))


def test_parameter_repr_and_type():
    p = nn.Parameter(minigrad.tensor([1.0, 2.0]))
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert isinstance(p, minigrad.Tensor) and p.is_leaf and p.requires_grad
    assert type(p * 2) is minigrad.Tensor
    assert not nn.Parameter(minigrad.zeros(2), requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)


def test_parameter_shares_memory_copies_and_pickles():
    base = minigrad.zeros(3)
    p = nn.Parameter(base)
    base._data[0] = 5.0
    assert p._data[0] == 5.0
    for clone in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(clone) is nn.Parameter and clone.requires_grad
        np.testing.assert_array_equal(clone._data, p._data)
        assert not np.shares_memory(clone._data, p._data)
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(minigrad.tensor([1, 2]))


def test_deepcopy_of_a_module_keeps_sharing_and_independence():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, shared)
    clone = copy.deepcopy(model)
    assert clone[0] is clone[1] and clone[0].weight is not shared.weight
    clone[0].weight._data[...] = 0
    assert shared.weight._data.any()


def test_setattr_registration_and_errors():
    m = nn.Module()
    m.w = nn.Parameter(minigrad.zeros(2))
    m.child = nn.Linear(1, 1)
    m.register_buffer("buf", minigrad.ones(1))
    m.plain = 3
    assert set(m._parameters) == {"w"} and set(m._modules) == {"child"} and set(m._buffers) == {"buf"}
    assert "plain" in m.__dict__ and m.w is m._parameters["w"]
    with pytest.raises(TypeError, match="cannot assign 'minigrad.autograd.tensor.Tensor' as parameter 'w'"):
        m.w = minigrad.zeros(2)
    with pytest.raises(TypeError, match="as child module 'child'"):
        m.child = 3
    with pytest.raises(TypeError, match="as buffer 'buf'"):
        m.buf = 3
    m.buf = minigrad.zeros(1)  # a Tensor replaces a buffer
    m.w = None
    assert m.w is None and list(m.parameters()) == [m.child.weight, m.child.bias]
    m.child = nn.Parameter(minigrad.zeros(1))  # a Parameter replaces the module of the same name
    assert "child" not in m._modules and "child" in m._parameters
    del m.child, m.buf, m.plain
    assert not hasattr(m, "child") and not hasattr(m, "buf") and not hasattr(m, "plain")
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'missing'"):
        m.missing
    with pytest.raises(KeyError, match="attribute 'training' already exists"):
        m.register_buffer("training", None)
    with pytest.raises(KeyError, match="name can.*t contain"):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)
    with pytest.raises(TypeError, match="minigrad.nn.Parameter or None required"):
        m.register_parameter("q", minigrad.zeros(1))
    with pytest.raises(ValueError, match="non-leaf"):
        m.register_parameter("q", _non_leaf_parameter())

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(minigrad.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def _non_leaf_parameter():
    p = nn.Parameter(minigrad.zeros(1))
    p.grad_fn = (p * 2).grad_fn
    return p


def test_forward_hooks_and_missing_forward():
    layer = nn.Identity()
    calls = []
    pre = layer.register_forward_pre_hook(lambda module, args: (args[0] + 1,))
    post = layer.register_forward_hook(lambda module, args, output: calls.append(output.item()) or output * 10)
    assert layer(minigrad.tensor(1.0)).item() == 20.0 and calls == [2.0]
    pre.remove()
    post.remove()
    assert layer(minigrad.tensor(1.0)).item() == 1.0
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


@needs_torch
def test_train_eval_apply_and_requires_grad():
    ours, theirs = _net(minigrad), _net(torch)
    assert ours.eval() is ours and not any(m.training for m in ours.modules())
    ours.train()
    assert all(m.training for m in ours.modules())
    with pytest.raises(ValueError, match="boolean"):
        ours.train("yes")
    ours_order, theirs_order = [], []
    ours.apply(lambda m: ours_order.append(type(m).__name__))
    theirs.apply(lambda m: theirs_order.append(type(m).__name__))
    assert ours_order == theirs_order
    ours.requires_grad_(False)
    assert not any(p.requires_grad for p in ours.parameters())


def test_zero_grad():
    layer = nn.Linear(3, 2)
    layer(minigrad.ones(1, 3)).sum().backward()
    layer.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad._data.any() for p in layer.parameters())
    layer.zero_grad()
    assert all(p.grad is None for p in layer.parameters())


def test_to_casts_floating_parameters_in_place():
    model = _net(minigrad)
    model[0](minigrad.ones(1, 5)).sum().backward()
    model[2].register_buffer("counter", minigrad.tensor([1, 2]))
    weight = model[0].weight
    assert model.to(minigrad.float64) is model
    assert model[0].weight is weight and weight.dtype is minigrad.float64 and weight.grad.dtype is minigrad.float64
    assert model[2].running.dtype is minigrad.float64 and model[2].counter.dtype is minigrad.int64
    assert model.float()[0].weight.dtype is minigrad.float32
    assert model.double()[0].weight.dtype is minigrad.float64
    assert model.to(minigrad.zeros(1)).state_dict()["0.weight"].dtype is minigrad.float32
    assert model.to("cpu") is model and model.to(device="cpu", dtype=minigrad.float32) is model
    with pytest.raises(TypeError, match="floating point"):
        model.to(minigrad.int64)
    with pytest.raises(RuntimeError, match="CPU only"):
        model.to("cuda")


def test_get_submodule_and_dir():
    model = _net(minigrad)
    assert model.get_submodule("2.fc") is model[2].fc and model.get_submodule("") is model
    with pytest.raises(AttributeError):
        model.get_submodule("2.nope")
    assert "fc" in dir(model[2]) and "running" in dir(model[2])


# ------------------------------------------------------------------------------------------------ layers
@needs_torch
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)])
def test_linear_matches_torch_forward_and_backward(shape):
    theirs = torch.nn.Linear(4, 3, dtype=torch.float64)
    ours = nn.Linear(4, 3, dtype=minigrad.float64)
    _copy_weights(theirs, ours)
    x = np.random.default_rng(1).standard_normal(shape)
    tx, mx = torch.tensor(x, requires_grad=True), minigrad.tensor(x, requires_grad=True)
    (theirs(tx) ** 2).sum().backward()
    (ours(mx) ** 2).sum().backward()
    np.testing.assert_allclose(mx.grad._data, tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight.grad._data, theirs.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.bias.grad._data, theirs.bias.grad.numpy(), rtol=1e-12)


def test_linear_layout_and_default_init():
    minigrad.manual_seed(0)
    layer = nn.Linear(400, 300)
    assert layer.weight.shape == (300, 400) and layer.bias.shape == (300,)
    assert layer.weight.dtype is minigrad.float32 and layer.weight.grad_fn is None and layer.weight.requires_grad
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=√5) gives U(-1/√fan_in, 1/√fan_in)
    for p in (layer.weight, layer.bias):
        assert np.abs(p._data).max() <= bound
        assert abs(p._data.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert layer.weight._data.max() > 0.99 * bound and layer.weight._data.min() < -0.99 * bound
    no_bias = nn.Linear(2, 3, bias=False)
    assert no_bias.bias is None and "bias" in no_bias._parameters and len(list(no_bias.parameters())) == 1
    assert no_bias(minigrad.ones(1, 2)).shape == (1, 3)
    minigrad.manual_seed(7)
    first = nn.Linear(3, 3).weight._data.copy()
    minigrad.manual_seed(7)
    np.testing.assert_array_equal(nn.Linear(3, 3).weight._data, first)


@needs_torch
@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.nn.ReLU(),
        lambda lib: lib.nn.LeakyReLU(0.1),
        lambda lib: lib.nn.GELU(),
        lambda lib: lib.nn.GELU("tanh"),
        lambda lib: lib.nn.Sigmoid(),
        lambda lib: lib.nn.Tanh(),
        lambda lib: lib.nn.Softmax(dim=1),
        lambda lib: lib.nn.LogSoftmax(dim=0),
        lambda lib: lib.nn.Identity(3, k=4),
        lambda lib: lib.nn.Flatten(),
        lambda lib: lib.nn.Flatten(0, 1),
        lambda lib: lib.nn.Softplus(2.0, 1.0),
    ],
)
def test_activation_modules_match_torch(make):
    x = np.random.default_rng(2).standard_normal((3, 4, 2))
    tx, mx = torch.tensor(x, requires_grad=True), minigrad.tensor(x, requires_grad=True)
    t_out, m_out = make(torch)(tx), make(minigrad)(mx)
    np.testing.assert_allclose(m_out._data, t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = np.random.default_rng(3).standard_normal(t_out.shape)
    (t_out * torch.tensor(weights)).sum().backward()
    (m_out * minigrad.tensor(weights)).sum().backward()
    np.testing.assert_allclose(mx.grad._data, tx.grad.numpy(), rtol=1e-9, atol=1e-12)


@needs_torch
@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("relu", {}),
        ("leaky_relu", {"negative_slope": 0.3}),
        ("gelu", {}),
        ("gelu", {"approximate": "tanh"}),
        ("softplus", {"beta": 0.5, "threshold": 3.0}),
        ("sigmoid", {}),
        ("tanh", {}),
        ("softmax", {"dim": -1}),
        ("log_softmax", {"dim": 0}),
    ],
)
def test_activation_functionals_match_torch(name, kwargs):
    x = np.random.default_rng(4).standard_normal((4, 5))
    expected = getattr(torch.nn.functional, name)(torch.tensor(x), **kwargs).numpy()
    np.testing.assert_allclose(getattr(F, name)(minigrad.tensor(x), **kwargs)._data, expected, rtol=1e-10, atol=1e-12)


@needs_torch
def test_functional_linear_and_softmax_stacklevel_position():
    x, w, b = (np.random.default_rng(5).standard_normal(s) for s in [(3, 4), (2, 4), (2,)])
    expected = torch.nn.functional.linear(torch.tensor(x), torch.tensor(w), torch.tensor(b)).numpy()
    np.testing.assert_allclose(F.linear(minigrad.tensor(x), minigrad.tensor(w), minigrad.tensor(b))._data, expected)
    # torch's third positional argument is _stacklevel, not dtype
    np.testing.assert_allclose(
        F.softmax(minigrad.tensor(x), 1, 5)._data, torch.nn.functional.softmax(torch.tensor(x), 1, 5).numpy()
    )


# ----------------------------------------------------------------------------------------------- Dropout
def test_dropout_scales_survivors_and_is_identity_in_eval():
    minigrad.manual_seed(0)
    layer = nn.Dropout(p=0.25)
    x = minigrad.ones(200, 500, requires_grad=True)
    y = layer(x)
    kept = y._data != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y._data[kept], 1 / 0.75, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._data, y._data)  # the gradient goes through the same mask and scale
    layer.eval()
    assert layer(x) is x
    assert F.dropout(x, 0.5, training=False) is x and F.dropout(x, 0.0) is x
    np.testing.assert_array_equal(F.dropout(x, 1.0)._data, np.zeros((200, 500)))
    minigrad.manual_seed(3)
    first = F.dropout(minigrad.ones(10))._data
    minigrad.manual_seed(3)
    np.testing.assert_array_equal(F.dropout(minigrad.ones(10))._data, first)


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_bad_probability(p):
    with pytest.raises(ValueError, match=f"dropout probability has to be between 0 and 1, but got {p}"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match="dropout probability"):
        F.dropout(minigrad.ones(2), p)


def test_dropout_keeps_dtype():
    assert F.dropout(minigrad.ones(4, dtype=minigrad.float64), 0.5).dtype is minigrad.float64
    assert F.dropout(minigrad.ones(4), 0.5).dtype is minigrad.float32


# -------------------------------------------------------------------------------------------- containers
def test_sequential_indexing_and_editing():
    a, b, c = nn.Linear(2, 2), nn.ReLU(), nn.Tanh()
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c and list(seq) == [a, b, c]
    sliced = seq[1:]
    assert isinstance(sliced, nn.Sequential) and list(sliced._modules) == ["1", "2"] and list(sliced) == [b, c]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        seq[3]
    seq[1] = nn.Sigmoid()
    assert isinstance(seq[1], nn.Sigmoid)
    seq.append(nn.Identity())
    seq.insert(0, nn.Flatten())
    assert [type(m).__name__ for m in seq] == ["Flatten", "Linear", "Sigmoid", "Tanh", "Identity"]
    assert isinstance(seq.pop(0), nn.Flatten)
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2"] and [type(m).__name__ for m in seq] == ["Linear", "Tanh", "Identity"]
    assert len(seq + nn.Sequential(nn.ReLU())) == 4
    named = nn.Sequential(OrderedDict([("first", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert [n for n, _ in named.named_parameters()] == ["first.weight", "first.bias"]
    assert named(minigrad.ones(4, 2)).shape == (4, 3)
    assert seq.extend([nn.ReLU()]) is seq and len(seq) == 4


def test_module_list_and_dict():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])
    layers.append(nn.Tanh())
    layers += [nn.Sigmoid()]
    layers.insert(1, nn.Identity())
    assert [type(m).__name__ for m in layers] == ["Linear", "Identity", "ReLU", "Tanh", "Sigmoid"]
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    assert isinstance(layers.pop(-1), nn.Sigmoid) and len(layers) == 4
    del layers[0]
    assert list(layers._modules) == ["0", "1", "2"]
    assert len(layers + nn.ModuleList([nn.ReLU()])) == 4 and len(list(nn.ModuleList().parameters())) == 0
    with pytest.raises(TypeError, match="iterable"):
        layers.extend(3)

    heads = nn.ModuleDict({"a": nn.Linear(2, 1)})
    heads.update([("b", nn.Linear(2, 2))])
    heads["c"] = nn.ReLU()
    assert list(heads) == ["a", "b", "c"] and "b" in heads and len(heads) == 3
    assert [n for n, _ in heads.named_parameters()] == ["a.weight", "a.bias", "b.weight", "b.bias"]
    assert isinstance(heads.pop("c"), nn.ReLU) and list(heads.keys()) == ["a", "b"]
    assert [k for k, _ in heads.items()] == ["a", "b"] and len(list(heads.values())) == 2
    with pytest.raises(ValueError, match="has length 1; 2 is required"):
        heads.update([("x",)])
    heads.clear()
    assert len(heads) == 0


# ---------------------------------------------------------------------------------------------------- init
@needs_torch
@pytest.mark.parametrize(
    "nonlinearity, param",
    [
        ("linear", None),
        ("conv2d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", 3),
        ("selu", None),
    ],
)
def test_calculate_gain_matches_torch(nonlinearity, param):
    assert nn.init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(nonlinearity, param)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        nn.init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        nn.init.calculate_gain("leaky_relu", True)


@needs_torch
@pytest.mark.parametrize("shape", [(3, 5), (4, 2, 3), (6, 3, 2, 5)])
def test_fans_match_torch(shape):
    assert nn.init._calculate_fan_in_and_fan_out(minigrad.zeros(shape)) == torch.nn.init._calculate_fan_in_and_fan_out(
        torch.zeros(shape)
    )


def test_fan_needs_two_dims_and_mode_is_checked():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(minigrad.zeros(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        nn.init.kaiming_normal_(minigrad.zeros(3, 3), mode="fan_avg")


@pytest.mark.parametrize(
    "fill, mean, std, bound",
    [
        (lambda t: nn.init.uniform_(t, -2.0, 4.0), 1.0, 6 / math.sqrt(12), (-2.0, 4.0)),
        (lambda t: nn.init.normal_(t, 0.5, 2.0), 0.5, 2.0, None),
        (lambda t: nn.init.xavier_uniform_(t, gain=2.0), 0.0, 2.0 * math.sqrt(2 / (300 + 200)), None),
        (lambda t: nn.init.xavier_normal_(t), 0.0, math.sqrt(2 / (300 + 200)), None),
        (lambda t: nn.init.kaiming_uniform_(t, nonlinearity="relu"), 0.0, math.sqrt(2 / 200), None),
        (lambda t: nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), 0.0, math.sqrt(2 / 300), None),
        (
            lambda t: nn.init.kaiming_uniform_(t, a=math.sqrt(5)),
            0.0,
            1 / math.sqrt(3 * 200),
            (-1 / math.sqrt(200), 1 / math.sqrt(200)),
        ),
        (lambda t: nn.init.trunc_normal_(t, 0.0, 1.0, -1.0, 2.0), None, None, (-1.0, 2.0)),
    ],
)
def test_random_init_statistics(fill, mean, std, bound):
    minigrad.manual_seed(0)
    weight = nn.Parameter(minigrad.zeros(300, 200))
    assert fill(weight) is weight
    assert weight.grad_fn is None and weight.requires_grad
    values = weight._data
    if mean is not None:
        assert abs(values.mean() - mean) < 4 * std / math.sqrt(values.size) + 1e-12
        assert abs(values.std() - std) < 0.02 * std
    if bound is not None:
        assert values.min() >= bound[0] and values.max() <= bound[1]


def test_deterministic_inits_and_generator():
    weight = nn.Parameter(minigrad.zeros(3, 4))
    nn.init.constant_(weight, 0.5)
    assert (weight._data == 0.5).all()
    nn.init.ones_(weight)
    assert (weight._data == 1).all()
    nn.init.zeros_(weight)
    assert not weight._data.any()
    nn.init.eye_(weight)
    np.testing.assert_array_equal(weight._data, np.eye(3, 4))
    with pytest.raises(ValueError, match="2 dimensions"):
        nn.init.eye_(minigrad.zeros(2, 2, 2))
    a = nn.init.normal_(minigrad.zeros(5), generator=minigrad.Generator(3))._data.copy()
    np.testing.assert_array_equal(nn.init.normal_(minigrad.zeros(5), generator=minigrad.Generator(3))._data, a)
    with pytest.warns(UserWarning, match="zero-element"):
        nn.init.kaiming_uniform_(minigrad.zeros(0, 3))


@pytest.mark.parametrize("shape", [(4, 6), (6, 4), (3, 2, 2)])
def test_orthogonal_init(shape):
    weight = nn.init.orthogonal_(minigrad.zeros(shape), gain=2.0)._data.reshape(shape[0], -1)
    small = min(weight.shape)
    gram = weight @ weight.T if weight.shape[0] == small else weight.T @ weight
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-5)


# -------------------------------------------------------------------------------------------- grad clipping
def _grads(lib, rng_seed, dtype):
    rng = np.random.default_rng(rng_seed)
    params = []
    for shape in [(3, 4), (5,), (2, 2)]:
        p = lib.zeros(shape, dtype=dtype, requires_grad=True)
        p.grad = lib.tensor(rng.standard_normal(shape) * 3, dtype=dtype)
        params.append(p)
    params.append(lib.zeros(2, dtype=dtype, requires_grad=True))  # no gradient: skipped
    return params


@needs_torch
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype):
    ours = _grads(minigrad, 0, getattr(minigrad, dtype))
    theirs = _grads(torch, 0, getattr(torch, dtype))
    total_ours = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    total_theirs = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    tolerance = 1e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(total_ours.item(), total_theirs.item(), rtol=tolerance)
    assert total_ours.dtype.name == dtype
    for p, q in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(p.grad._data, q.grad.numpy(), rtol=tolerance)
    assert ours[3].grad is None


def test_clip_grad_norm_edge_cases():
    p = minigrad.zeros(2, requires_grad=True)
    assert nn.utils.clip_grad_norm_([p], 1.0).item() == 0.0
    p.grad = minigrad.tensor([3.0, 4.0])
    assert nn.utils.clip_grad_norm_(p, 1.0).item() == 5.0  # a single Tensor is accepted
    np.testing.assert_allclose(p.grad._data, [0.6, 0.8], rtol=1e-6)
    p.grad = minigrad.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


@needs_torch
def test_clip_grad_value_matches_torch():
    ours, theirs = _grads(minigrad, 1, minigrad.float32), _grads(torch, 1, torch.float32)
    assert nn.utils.clip_grad_value_(ours, 1.5) is None
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    for p, q in zip(ours[:3], theirs[:3]):
        np.testing.assert_array_equal(p.grad._data, q.grad.numpy())
        assert p.grad.dtype is minigrad.float32


def test_no_warnings_in_normal_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Dropout(0.1))
        model(minigrad.ones(4, 3)).sum().backward()
