"""Calls that real PyTorch scripts make, found by running them on minigrad with only their imports changed
(docs/porting.md, "Scripts tried"); each test names the script that needed it and checks torch's behaviour."""

import contextlib

import pytest

import minigrad


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((0, 10, (4,)), {}),
        ((10, (4,)), {}),
        ((10,), {"size": (1,)}),  # pytorch/examples mnist_forward_forward: randint(len(x), size=(1,))
        ((), {"high": 7, "size": (2, 3)}),
        ((), {"low": 2, "high": 7, "size": (3,)}),
    ],
)
def test_randint_call_forms_match_torch(args, kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = minigrad.randint(*args, **kwargs), torch.randint(*args, **kwargs)
    assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype).replace(
        "torch", "minigrad"
    )
    low = kwargs.get("low", args[0] if len(args) == 3 else 0)
    high = kwargs.get("high", args[1] if len(args) == 3 else args[0] if args else None)
    assert low <= ours.min().item() and ours.max().item() < high


def test_randint_without_size_raises_type_error_like_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        torch.randint(5)
    with pytest.raises(TypeError, match="size"):
        minigrad.randint(5)
    with pytest.raises(TypeError, match="high"):
        minigrad.randint(size=(2,))


LEGACY_TYPES = [name for name in minigrad.tensor_types.__all__ if name != "tensortype"]  # torch has each


def _same(ours, theirs):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]


@pytest.mark.parametrize("name", LEGACY_TYPES)
@pytest.mark.parametrize(
    "args", [(), (3,), (2, 3), ([1, 0, 1],), ([[1.5, 2.0]],)], ids=["empty", "size", "sizes", "ints", "floats"]
)
def test_legacy_types_build_like_torch(name, args):
    # pytorch/examples gcn: torch.FloatTensor(array), torch.LongTensor(labels); old layers: FloatTensor(out, in)
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(minigrad, name)(*args), getattr(torch, name)(*args)
    _same(ours, theirs)
    if args and isinstance(args[0], list):
        assert ours.tolist() == theirs.tolist()
    assert isinstance(ours, getattr(minigrad, name)) and isinstance(ours, minigrad.Tensor)
    assert all(not isinstance(ours, getattr(minigrad, other)) for other in LEGACY_TYPES if other != name)


def test_legacy_types_from_arrays_tensors_and_errors():
    torch = pytest.importorskip("torch")
    np = pytest.importorskip("numpy")
    a = np.arange(3, dtype=np.int32)
    assert minigrad.FloatTensor(a).tolist() == torch.FloatTensor(a).tolist() == [0.0, 1.0, 2.0]
    x = minigrad.zeros(2)
    assert minigrad.FloatTensor(x) is x  # torch hands back the same storage
    with pytest.raises(TypeError):
        torch.FloatTensor(torch.zeros(2, dtype=torch.float64))
    with pytest.raises(TypeError):
        minigrad.FloatTensor(minigrad.zeros(2, dtype=minigrad.float64))
    for bad in [(2.5,), ([1], [2]), (2, 3.0)]:
        with pytest.raises(TypeError):
            torch.FloatTensor(*bad)
        with pytest.raises(TypeError):
            minigrad.FloatTensor(*bad)
    with pytest.raises(RuntimeError, match="negative dimension"):
        minigrad.FloatTensor(-1)


@pytest.mark.parametrize("target", ["LongTensor", "DoubleTensor", "torch.IntTensor", "torch.BoolTensor"])
def test_type_converts_to_legacy_types_and_names(target):
    torch = pytest.importorskip("torch")
    values = [[0.0, 1.5], [-2.0, 3.0]]
    if target.startswith("torch."):
        ours, theirs = minigrad.tensor(values).type(target), torch.tensor(values).type(target)
    else:
        ours, theirs = (
            minigrad.tensor(values).type(getattr(minigrad, target)),
            torch.tensor(values).type(getattr(torch, target)),
        )
    _same(ours, theirs)
    assert ours.tolist() == theirs.tolist() and ours.type() == theirs.type()
    with pytest.raises(ValueError, match="invalid type"):
        minigrad.zeros(1).type("foo")


@pytest.mark.parametrize(
    "args", [(), (4,), (2, 3), ([1, 2],), ([[1.5], [2.0]],)], ids=["empty", "size", "sizes", "ints", "floats"]
)
def test_tensor_class_constructor_is_torchs_legacy_one(args):
    # old scripts' custom layers: nn.Parameter(torch.Tensor(in_features, out_features)); torch.Tensor([1, 2]) is float
    torch = pytest.importorskip("torch")
    ours, theirs = minigrad.Tensor(*args), torch.Tensor(*args)
    _same(ours, theirs)
    if args and isinstance(args[0], list):
        assert ours.tolist() == theirs.tolist()


def test_tensor_class_constructor_follows_default_dtype_and_shares_tensors():
    x = minigrad.arange(3)
    shared = minigrad.Tensor(x)
    shared.add_(1)  # torch.Tensor(t) is t's storage, in t's dtype
    assert x.tolist() == [1, 2, 3] and shared.dtype is minigrad.int64
    minigrad.set_default_dtype(minigrad.float64)
    try:
        assert minigrad.Tensor(2).dtype is minigrad.float64 and minigrad.Tensor([1]).dtype is minigrad.float64
        assert minigrad.FloatTensor(2).dtype is minigrad.float32
    finally:
        minigrad.set_default_dtype(minigrad.float32)
    with pytest.raises(TypeError, match="sequence"):
        minigrad.Tensor(2.5)
    weight = minigrad.nn.Parameter(minigrad.Tensor(3, 2))
    minigrad.nn.init.uniform_(weight)
    assert weight.shape == (3, 2) and weight.requires_grad


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_tensors_pickle_round_trip(protocol):
    # DataLoader workers send batches through pickle (pytorch/examples super_resolution, num_workers=4): the legacy
    # constructor must not be what unpickling calls
    import pickle

    for x in (minigrad.arange(3), minigrad.ones(2, 2, requires_grad=True), minigrad.zeros(0, dtype=minigrad.float64)):
        y = pickle.loads(pickle.dumps(x, protocol=protocol))
        assert y.dtype is x.dtype and y.shape == x.shape and y.tolist() == x.tolist()
        assert y.requires_grad == x.requires_grad


class _Tagger(minigrad.nn.Module):
    """A whole model saved with ``torch.save(model, f)``, as pytorch/examples' word_language_model does."""

    def __init__(self):
        super().__init__()
        self.embed = minigrad.nn.Embedding(5, 3)
        self.rnn = minigrad.nn.GRU(3, 4)
        self.kinds = {"a", "b"}  # a set in the pickled state: torch's weights-only unpickler allows builtins.set


def test_whole_model_loads_under_safe_globals_like_torch(tmp_path):
    import pickle

    from minigrad import serialization

    path = tmp_path / "model.pt"
    model = _Tagger()
    with open(path, "wb") as f:
        minigrad.save(model, f)
    allowed = [_Tagger, minigrad.nn.modules.sparse.Embedding, minigrad.nn.modules.rnn.GRU]
    with pytest.raises(pickle.UnpicklingError, match="add_safe_globals"):
        minigrad.load(path)
    with serialization.safe_globals(allowed):
        assert serialization.get_safe_globals() == allowed
        loaded = minigrad.load(path)
    assert serialization.get_safe_globals() == []
    assert isinstance(loaded, _Tagger) and loaded.kinds == {"a", "b"}
    assert loaded.rnn.weight_hh_l0.tolist() == model.rnn.weight_hh_l0.tolist()
    with pytest.raises(pickle.UnpicklingError):  # the context manager's globals are gone again
        minigrad.load(path)
    serialization.add_safe_globals(allowed)
    try:
        assert isinstance(minigrad.load(path), _Tagger)
    finally:
        serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []


def test_module_classes_under_torchs_module_paths():
    # word_language_model names torch.nn.modules.activation.MultiheadAttention and
    # torch.nn.modules.linear.NonDynamicallyQuantizableLinear in its safe_globals list
    torch = pytest.importorskip("torch")
    assert minigrad.nn.modules.activation.MultiheadAttention is minigrad.nn.MultiheadAttention
    linear = minigrad.nn.modules.linear.NonDynamicallyQuantizableLinear
    assert issubclass(linear, minigrad.nn.Linear)
    assert repr(minigrad.nn.MultiheadAttention(4, 2)) == repr(torch.nn.MultiheadAttention(4, 2))


def test_bfloat16_is_named_but_not_stored():
    # karpathy/nanoGPT's train.py builds {'float32': torch.float32, 'bfloat16': torch.bfloat16, ...} on any machine
    import copy
    import pickle

    torch = pytest.importorskip("torch")
    assert repr(minigrad.bfloat16) == "minigrad.bfloat16" and minigrad.bfloat16 != minigrad.float16
    assert minigrad.bfloat16.is_floating_point == torch.bfloat16.is_floating_point
    assert minigrad.bfloat16.itemsize == torch.bfloat16.itemsize
    assert pickle.loads(pickle.dumps(minigrad.bfloat16)) is minigrad.bfloat16
    assert copy.deepcopy(minigrad.bfloat16) is minigrad.bfloat16
    for make in (
        lambda: minigrad.zeros(2, dtype=minigrad.bfloat16),
        lambda: minigrad.tensor([1.0], dtype=minigrad.bfloat16),
        lambda: minigrad.ones(2).to(minigrad.bfloat16),
        lambda: minigrad.nn.Linear(2, 2).to(minigrad.bfloat16),
        lambda: minigrad.set_default_dtype(minigrad.bfloat16),
    ):
        with pytest.raises(TypeError, match="no bfloat16 tensors"):
            make()
    assert minigrad.get_default_dtype() is minigrad.float32


@pytest.mark.parametrize(
    "name, args",
    [
        ("matmul", lambda lib: (lib.ones(2, 3), lib.ones(3, 2))),  # pytorch/tutorials tensorqs: matmul(a, b, out=y3)
        ("mul", lambda lib: (lib.ones(2, 2), lib.full((2, 2), 3.0))),
        ("add", lambda lib: (lib.ones(2), 2.5)),
        ("sum", lambda lib: (lib.arange(6.0).view(2, 3), 1)),
        ("exp", lambda lib: (lib.zeros(3),)),
        ("stack", lambda lib: ([lib.ones(2), lib.zeros(2)],)),
        ("zeros", lambda lib: (3,)),
        ("arange", lambda lib: (5,)),
        ("cat", lambda lib: ([lib.ones(2, 1), lib.zeros(2, 2)], 1)),  # cat, where, sigmoid: out= of their own
        ("where", lambda lib: (lib.tensor([True, False]), lib.ones(2), lib.zeros(2))),
        ("sigmoid", lambda lib: (lib.tensor([0.0, 2.0]),)),
    ],
)
def test_out_forms_match_torch(name, args):
    torch = pytest.importorskip("torch")
    ours, theirs = minigrad.empty(0), torch.empty(0)
    result = getattr(minigrad, name)(*args(minigrad), out=ours)
    getattr(torch, name)(*args(torch), out=theirs)
    assert result is ours and ours.tolist() == theirs.tolist() and tuple(ours.shape) == tuple(theirs.shape)
    # a float result does not go into an integer out, with torch's error type
    if name in ("matmul", "mul", "exp", "cat", "sigmoid"):
        error = TypeError if name == "cat" else RuntimeError
        with pytest.raises(error):
            getattr(torch, name)(*args(torch), out=torch.empty(0, dtype=torch.long))
        with pytest.raises(error, match="can't be cast"):
            getattr(minigrad, name)(*args(minigrad), out=minigrad.empty(0, dtype=minigrad.int64))


def test_out_refuses_autograd_like_torch():
    x = minigrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        minigrad.mul(x, 2, out=minigrad.empty(2))
    assert minigrad.mul(x, 2).requires_grad  # without out= the call is the plain op


def test_variable_is_a_detached_tensor_like_torch():
    # pytorch/tutorials beginner_source/nlp/*: autograd.Variable(torch.randn(2, 5)), Variable(LongTensor(idxs))
    torch = pytest.importorskip("torch")
    from minigrad.autograd import Variable

    base = minigrad.tensor([1.0, 2.0], requires_grad=True) * 3
    theirs_base = torch.tensor([1.0, 2.0], requires_grad=True) * 3
    for kwargs in [{}, {"requires_grad": True}]:
        ours, theirs = Variable(base, **kwargs), torch.autograd.Variable(theirs_base, **kwargs)
        assert ours.tolist() == theirs.tolist()
        assert (ours.requires_grad, ours.is_leaf, ours.grad_fn) == (theirs.requires_grad, theirs.is_leaf, None)
    shared = minigrad.zeros(2)
    Variable(shared).add_(1)  # same memory, as torch
    assert shared.tolist() == [1.0, 1.0]
    leaf = Variable(minigrad.ones(3), True)
    (leaf * 2).sum().backward()
    assert leaf.grad.tolist() == [2.0, 2.0, 2.0]
    assert isinstance(minigrad.ones(1), Variable) and isinstance(minigrad.tensor([1]), Variable)
    assert not isinstance(3.0, Variable)
    empty, theirs_empty = Variable(), torch.autograd.Variable()
    assert tuple(empty.shape) == tuple(theirs_empty.shape) and str(empty.dtype) == "minigrad.float32"
    assert Variable(minigrad.tensor([1, 2])).dtype == minigrad.int64


def test_variable_errors_and_volatile_like_torch():
    torch = pytest.importorskip("torch")
    from minigrad.autograd import Variable

    with pytest.raises(TypeError):
        torch.autograd.Variable(3)
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got int"):
        Variable(3)
    with pytest.raises(RuntimeError):
        torch.autograd.Variable(torch.tensor([1, 2]), requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        Variable(minigrad.tensor([1, 2]), requires_grad=True)
    with pytest.warns(UserWarning, match="volatile was removed"):
        assert not Variable(minigrad.ones(2), volatile=True).requires_grad


SCALAR_FIRST_CASES = [
    ("add", lambda t, a, b: t.add(-0.5, b)),
    ("sub", lambda t, a, b: t.sub(2, b)),
    ("add", lambda t, a, b: t.add(2, 3.0)),
    ("addcmul", lambda t, a, b: t.addcmul(0.5, a, b)),
    ("addcdiv", lambda t, a, b: t.addcdiv(-2, a, b)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "name, call", SCALAR_FIRST_CASES, ids=[c[0] + str(i) for i, c in enumerate(SCALAR_FIRST_CASES)]
)
@pytest.mark.parametrize("module_form", [False, True], ids=["method", "torch_fn"])
def test_scalar_first_forms_match_torch(name, call, dtype, module_form):
    # pytorch/tutorials char_rnn_classification: p.data.add_(-learning_rate, p.grad.data), and the old optimizers'
    # exp_avg.add_(1 - beta1, grad), addcmul_(1 - beta2, grad, grad), addcdiv_(-step, exp_avg, denom)
    torch = pytest.importorskip("torch")
    import numpy as np

    rng = np.random.default_rng(0)
    values = [rng.standard_normal((2, 3)).astype(dtype) for _ in range(2)] + [rng.random(3).astype(dtype) + 0.5]
    results = []
    for lib in (minigrad, torch):
        x, a, b = (lib.tensor(v, requires_grad=True) for v in values)
        with (
            pytest.warns(UserWarning, match=f"This overload of {name} is deprecated")
            if lib is minigrad
            else contextlib.nullcontext()
        ):
            out = call(_AsModuleCall(lib, x) if module_form else x, a, b)
        (out * lib.tensor(values[0])).sum().backward()
        results.append([out.detach().numpy()] + [t.grad.numpy() if t.grad is not None else None for t in (x, a, b)])
    for ours, theirs in zip(*results):
        if theirs is None:
            assert ours is None
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


class _AsModuleCall:
    """``torch.add(x, 2, b)`` written as ``_AsModuleCall(torch, x).add(2, b)`` so one case list serves both forms."""

    def __init__(self, lib, x):
        self.lib, self.x = lib, x

    def __getattr__(self, name):
        return lambda *args: getattr(self.lib, name)(self.x, *args)


@pytest.mark.filterwarnings("ignore:This overload")
@pytest.mark.parametrize("name", ["add_", "sub_", "addcmul_", "addcdiv_"])
def test_scalar_first_inplace_forms_match_torch(name):
    torch = pytest.importorskip("torch")
    args = {"add_": (-0.5, [1.0, 2.0]), "sub_": (2, [1.0, 2.0])}.get(name, (0.5, [1.0, 2.0], [4.0, 8.0]))
    results = []
    for lib in (minigrad, torch):
        x = lib.ones(2)
        with (
            pytest.warns(UserWarning, match=f"This overload of {name} is deprecated")
            if lib is minigrad
            else contextlib.nullcontext()
        ):
            assert getattr(x, name)(args[0], *(lib.tensor(v) for v in args[1:])) is x
        results.append(x.tolist())
    assert results[0] == results[1]


@pytest.mark.parametrize(
    "call",
    [
        lambda t, x: x.add(x, x),  # the scale must be a number
        lambda t, x: x.add_(2, x, alpha=3),  # and not given twice
        lambda t, x: x.add(2, x, 3),
        lambda t, x: x.addcmul(x, x, 2),  # value is keyword-only
        lambda t, x: x.addcdiv_(x, x, x),
    ],
)
def test_scalar_first_misuse_raises_type_error_like_torch(call):
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        call(torch, torch.ones(2))
    with pytest.raises(TypeError, match="positional argument"):
        call(minigrad, minigrad.ones(2))


def test_add_and_sub_take_alpha_at_module_level():
    torch = pytest.importorskip("torch")
    for name in ("add", "sub", "subtract"):
        ours = getattr(minigrad, name)(minigrad.tensor([1.0, 2.0]), minigrad.tensor([3.0, 5.0]), alpha=2)
        theirs = getattr(torch, name)(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 5.0]), alpha=2)
        assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize(
    "shape, sizes", [((3, 2), (2, 1, 1)), ((1, 2), (3, 1)), ((2,), (4,)), ((1, 1), (2, 3)), ((2, 2), (1, 1))]
)
def test_repeat_is_always_a_copy_like_torch(shape, sizes):
    # pytorch/examples fast_neural_style: style.repeat(batch, 1, 1, 1), then normalize_batch's batch.div_(255)
    torch = pytest.importorskip("torch")
    ours, theirs = minigrad.ones(*shape).repeat(*sizes), torch.ones(*shape).repeat(*sizes)
    ours.mul_(minigrad.arange(ours.numel(), dtype=minigrad.float32).view(ours.shape))
    theirs.mul_(torch.arange(theirs.numel(), dtype=torch.float32).view(theirs.shape))
    assert ours.tolist() == theirs.tolist()
    x = minigrad.ones(*shape, requires_grad=True)
    y = x.repeat(*sizes) * 2
    y.sum().backward()
    tx = torch.ones(*shape, requires_grad=True)
    (tx.repeat(*sizes) * 2).sum().backward()
    assert x.grad.tolist() == tx.grad.tolist()


@pytest.mark.parametrize(
    "target, key, value_shape",
    [((3, 4), 0, (1, 4)), ((3, 4), slice(1, 3), (1, 1, 1, 4)), ((10, 10), 2, (1, 10)), ((2, 3), (0, 1), (1, 1))],
)
def test_setitem_drops_the_values_leading_ones_like_torch(target, key, value_shape):
    # pytorch/tutorials seq2seq_translation: decoder_attentions[di] = decoder_attention.data, a (1, n) row
    torch = pytest.importorskip("torch")
    import numpy as np

    source = np.arange(np.prod(value_shape), dtype=np.float32).reshape(value_shape) + 1
    ours, theirs = minigrad.zeros(*target), torch.zeros(*target)
    ours[key], theirs[key] = minigrad.tensor(source), torch.tensor(source)
    assert ours.tolist() == theirs.tolist()
    grads = []
    for lib in (minigrad, torch):
        value = lib.tensor(source, requires_grad=True)
        out = lib.zeros(*target)
        out[key] = value * 2
        (out * lib.arange(out.numel(), dtype=lib.float32).reshape(target)).sum().backward()
        grads.append(value.grad.tolist())
    assert grads[0] == grads[1]


def test_setitem_refuses_a_value_with_more_dims_like_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="number of sizes provided"):
        torch.zeros(3, 4)[0] = torch.ones(2, 4)
    with pytest.raises(RuntimeError, match=r"expand\(\[2, 4\], size=\[4\]\): the number of sizes provided \(1\)"):
        minigrad.zeros(3, 4)[0] = minigrad.ones(2, 4)


@pytest.mark.parametrize("batch_first", [False, True])
def test_lstm_takes_its_state_as_a_list_like_torch(batch_first):
    # yunjey/pytorch-tutorial language_model: `states = [state.detach() for state in states]; model(inputs, states)`
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(3, 4, num_layers=2, batch_first=batch_first).double()
    ours = minigrad.nn.LSTM(3, 4, num_layers=2, batch_first=batch_first).double()
    ours.load_state_dict({k: minigrad.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = torch.randn(2, 5, 3).double() if batch_first else torch.randn(5, 2, 3).double()
    h, c = torch.randn(2, 2, 4).double(), torch.randn(2, 2, 4).double()
    expected, (h_n, c_n) = theirs(x, [h, c])
    got, (our_h, our_c) = ours(minigrad.tensor(x.numpy()), [minigrad.tensor(h.numpy()), minigrad.tensor(c.numpy())])
    for a, b in ((got, expected), (our_h, h_n), (our_c, c_n)):
        assert a.detach().numpy() == pytest.approx(b.detach().numpy(), abs=1e-12)


def test_lstm_cell_takes_its_state_as_a_list_like_torch():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.LSTMCell(3, 4).double()
    ours = minigrad.nn.LSTMCell(3, 4).double()
    ours.load_state_dict({k: minigrad.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x, h, c = torch.randn(2, 3).double(), torch.randn(2, 4).double(), torch.randn(2, 4).double()
    expected = theirs(x, [h, c])
    got = ours(minigrad.tensor(x.numpy()), [minigrad.tensor(h.numpy()), minigrad.tensor(c.numpy())])
    for a, b in zip(got, expected):
        assert a.detach().numpy() == pytest.approx(b.detach().numpy(), abs=1e-12)


def test_lstm_gradient_flows_into_a_list_state():
    h = minigrad.randn(1, 2, 4, dtype=minigrad.float64, requires_grad=True)
    c = minigrad.randn(1, 2, 4, dtype=minigrad.float64, requires_grad=True)
    lstm = minigrad.nn.LSTM(3, 4).double()
    x = minigrad.randn(5, 2, 3, dtype=minigrad.float64)
    assert minigrad.autograd.gradcheck(lambda h, c: lstm(x, [h, c])[0], (h, c))
