"""Tensor construction, dtype rules (torch's, not NumPy's), attributes, conversions and factories."""

import re

import numpy as np
import pytest

import minigrad

try:
    import torch
except ImportError:
    torch = None


@pytest.mark.parametrize(
    "data, expected",
    [
        ([1.0, 2.0], minigrad.float32),
        ([1, 2], minigrad.int64),
        ([True, False], minigrad.bool),
        ([1, 2.5], minigrad.float32),
        (3.0, minigrad.float32),
        (7, minigrad.int64),
        (np.zeros(2, np.float64), minigrad.float64),
        (np.zeros(2, np.int32), minigrad.int32),
    ],
)
def test_tensor_infers_dtype_like_torch(data, expected):
    assert minigrad.tensor(data).dtype is expected


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: minigrad.ones(3) * 2.5, minigrad.float32),  # scalars never widen
        (lambda: minigrad.ones(3, dtype=minigrad.int64) * 2.5, minigrad.float32),  # float scalar on ints: default float
        (lambda: minigrad.ones(3, dtype=minigrad.int64) * 2, minigrad.int64),
        (lambda: minigrad.ones(3) + minigrad.tensor(1.0, dtype=minigrad.float64), minigrad.float32),  # 0-d is weaker
        (
            lambda: minigrad.ones(3, dtype=minigrad.int64) + minigrad.tensor(1.5, dtype=minigrad.float64),
            minigrad.float64,
        ),
        (lambda: minigrad.ones(3) + minigrad.ones(3, dtype=minigrad.float64), minigrad.float64),
        (lambda: minigrad.ones(3, dtype=minigrad.int64) / 2, minigrad.float32),  # true division
        (lambda: minigrad.arange(3).exp(), minigrad.float32),
        (lambda: minigrad.ones(2, dtype=minigrad.int32).sum(), minigrad.int64),
    ],
)
def test_type_promotion(make, expected):
    assert make().dtype is expected


def test_attributes_and_conversions():
    x = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2 and x.numel() == 6
    assert x.size() == (2, 3) and x.size(-1) == 3 and x.is_leaf and x.grad_fn is None
    assert x.T.shape == (3, 2) and x.mT.shape == (3, 2)
    y = x * 2
    assert not y.is_leaf and y.grad_fn.name() == "MulBackward"
    assert x.detach().requires_grad is False
    assert x.sum().item() == 21.0 and x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    with pytest.raises(RuntimeError, match="requires grad"):
        x.numpy()
    assert x.double().dtype is minigrad.float64 and x.long().dtype is minigrad.int64
    assert x.int().dtype is minigrad.int32 and x.bool().dtype is minigrad.bool and x.float() is x
    assert x.to(minigrad.float64).dtype is minigrad.float64 and x.to("cpu") is x
    assert x.type_as(minigrad.zeros(1, dtype=minigrad.float64)).dtype is minigrad.float64
    c = x.clone()
    c.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3)))
    x.grad.zero_()
    assert x.grad.sum().item() == 0


def test_requires_grad_only_for_floats():
    with pytest.raises(RuntimeError, match="floating point"):
        minigrad.tensor([1, 2], requires_grad=True)
    t = minigrad.tensor([1.0]).requires_grad_()
    assert t.requires_grad


def test_repr():
    assert repr(minigrad.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert "requires_grad=True" in repr(minigrad.tensor([1.0], requires_grad=True))
    assert "dtype=minigrad.float64" in repr(minigrad.tensor([1.0], dtype=minigrad.float64))
    assert "grad_fn=<MulBackward>" in repr(minigrad.tensor([1.0], requires_grad=True) * 2)


def test_factories():
    assert minigrad.zeros(2, 3).shape == (2, 3) and minigrad.zeros((2, 3)).dtype is minigrad.float32
    assert minigrad.ones(2, dtype=minigrad.float64).dtype is minigrad.float64
    assert minigrad.full((2,), 7).dtype is minigrad.int64 and minigrad.full((2,), 7.0).dtype is minigrad.float32
    assert minigrad.arange(5).tolist() == [0, 1, 2, 3, 4] and minigrad.arange(0, 1, 0.5).dtype is minigrad.float32
    assert minigrad.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert minigrad.eye(3).sum().item() == 3
    x = minigrad.randn(4, 5)
    assert minigrad.zeros_like(x).shape == (4, 5) and minigrad.ones_like(x).dtype is minigrad.float32
    assert minigrad.full_like(x, 2.0).sum().item() == 40
    assert minigrad.randint(0, 10, (100,)).dtype is minigrad.int64
    assert sorted(minigrad.randperm(6).tolist()) == list(range(6))
    r = minigrad.rand(1000)
    assert 0 <= r.min().item() and r.max().item() < 1
    with pytest.raises(RuntimeError, match="negative dimension"):
        minigrad.zeros(-1)


def test_manual_seed_makes_runs_reproducible():
    minigrad.manual_seed(0)
    a = (minigrad.randn(3), minigrad.rand(2), minigrad.randint(0, 9, (4,)), minigrad.empty(3).uniform_(-1, 1))
    minigrad.manual_seed(0)
    b = (minigrad.randn(3), minigrad.rand(2), minigrad.randint(0, 9, (4,)), minigrad.empty(3).uniform_(-1, 1))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


def test_indexing_errors_and_setitem():
    x = minigrad.zeros(3, 4)
    with pytest.raises(IndexError):
        x[5]
    x[1, 2] = 7.0
    assert x.sum().item() == 7.0
    with pytest.raises(IndexError, match="0-dim"):
        minigrad.tensor(1.0)[0]


def test_max_min_with_dim_return_values_and_indices():
    x = minigrad.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    values, indices = x.max(1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    values, indices = minigrad.min(x, 0, keepdim=True)
    assert values.shape == (1, 3) and indices.tolist() == [[0, 1, 0]]
    assert x.argmax().item() == 3 and x.argmin(1).tolist() == [0, 1]


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_shape_errors_match_torch_exception_types():
    cases = [
        lambda lib: lib.ones(2, 3) @ lib.ones(2, 3),
        lambda lib: lib.ones(2, 3).reshape(4, 2),
        lambda lib: lib.ones(2, 3) + lib.ones(4),
        lambda lib: lib.cat([lib.ones(2, 3), lib.ones(3, 2)]),
        lambda lib: lib.ones(2, 3).sum(3),
        lambda lib: lib.ones(2, 3).expand(4, 3),
        lambda lib: lib.ones(2, 3).permute(0, 0),
        lambda lib: lib.ones(2, 3).gather(1, lib.tensor([[3], [0]])),
    ]
    for make in cases:
        with pytest.raises(Exception) as theirs:
            make(torch)
        with pytest.raises(Exception) as ours:
            make(minigrad)
        assert (
            isinstance(ours.value, type(theirs.value))
            or type(theirs.value).__name__ in ("RuntimeError",)
            and isinstance(ours.value, (RuntimeError, ValueError))
        ), (theirs.value, ours.value)


def test_integer_power_with_negative_exponents_truncates_like_torch():
    # 1 / base^|b| truncated toward zero: 1 for base 1, ±1 for base -1 by parity, 0 otherwise (0 included)
    base = minigrad.tensor([0, 1, -1, 2, -2, -1, 1])
    exponent = minigrad.tensor([-1, -3, -3, -1, -2, -2, 2])
    result = base**exponent
    assert result.dtype == minigrad.int64
    np.testing.assert_array_equal(result.numpy(), [0, 1, -1, 0, 0, 1, 1])
    np.testing.assert_array_equal((2 ** minigrad.tensor([-1, 0, 3])).numpy(), [0, 1, 8])
    np.testing.assert_array_equal((minigrad.tensor([[2], [-1]]) ** minigrad.tensor(-1)).numpy(), [[0], [-1]])
    for exponent in (-1, np.int64(-2)):  # torch refuses a negative scalar exponent on integer tensors
        with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
            minigrad.tensor([2, 3]) ** exponent
    assert (minigrad.tensor([2.0]) ** -1).item() == 0.5


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_integer_power_matches_torch_on_every_small_pair():
    values = np.arange(-3, 4)
    base, exponent = np.meshgrid(values, values)
    expected = (torch.tensor(base) ** torch.tensor(exponent)).numpy()
    np.testing.assert_array_equal((minigrad.tensor(base) ** minigrad.tensor(exponent)).numpy(), expected)


INDEX_KEYS = [
    (0, slice(None), [0, 1]),
    (slice(None), 0, [0, 1]),
    ([0, 1], slice(None), 0),
    (0, [0, 1], [1, 2]),
    (0, Ellipsis, [1, 2]),
    (None, 0, slice(None), [1, 2]),
    (0, slice(None), [[0, 1]]),
    (0, slice(None), np.array([True, False, True, False])),
    (Ellipsis, 1, [2, 0]),
    (1, None, [2, 0]),
    (0, True, [0, 1]),
    ([0, 1], True, 0),
    (None, 0, True, [1, 2]),
    (1, True, slice(None), [3]),
]


@pytest.mark.parametrize("key", INDEX_KEYS, ids=repr)
def test_integers_select_before_index_arrays_like_torch(key):
    # NumPy counts integers among the index arrays, which moves the arrays' dims: x[0, :, [0, 1]] of a (2, 3, 4)
    # tensor is (2, 3) in NumPy and (3, 2) in torch
    data = np.arange(24.0).reshape(2, 3, 4)
    x = minigrad.tensor(data, requires_grad=True)
    result = x[key]
    if torch is not None:
        expected = torch.tensor(data)[key].numpy()
        np.testing.assert_array_equal(result.detach().numpy(), expected)
    result.sum().backward()  # each element picked once: the gradient counts the picks
    if torch is not None:
        leaf = torch.tensor(data, requires_grad=True)
        leaf[key].sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), leaf.grad.numpy())
    target = minigrad.zeros(2, 3, 4, dtype=minigrad.float64)
    target[key] = result.detach() + 1
    np.testing.assert_array_equal(target[key].numpy(), result.detach().numpy() + 1)


def test_integer_then_array_index_shape():
    x = minigrad.zeros(2, 3, 4)
    assert x[0, :, [0, 1]].shape == (3, 2) and x[minigrad.tensor(0), :, [0, 1]].shape == (3, 2)
    x[1, :, minigrad.tensor([3])] = minigrad.ones(3, 1)
    assert x.sum().item() == 3.0


def test_float16_with_a_scalar_computes_in_float32_like_torch():
    # the scalar is not rounded to float16 first: 0 / 1e-8 is 0 (not 0 / 0) and 1e-3 * 1e5 is finite
    x = minigrad.tensor([0.0, 1e-3, 2.0], dtype=minigrad.float16)
    for result in (x / 1e-8, x / minigrad.tensor(1e-8)):
        assert result.dtype == minigrad.float16 and result.tolist() == [0.0, float("inf"), float("inf")]
    for result in (x * 1e5, 1e5 * x, x * minigrad.tensor(100000)):
        assert result.dtype == minigrad.float16 and result[1].item() == pytest.approx(100.06, abs=0.01)
    assert (x + minigrad.tensor(1e-4, dtype=minigrad.float64))[0].item() == pytest.approx(1e-4, rel=1e-3)
    # torch rounds the scalar to float16 for +, -, pow and a 0-d tensor first operand
    assert (x ** minigrad.tensor(-1e-8)).tolist() == [1.0, 1.0, 1.0]
    assert (minigrad.tensor([65504.0], dtype=minigrad.float16) - 70000).item() == float("-inf")
    assert np.isnan((minigrad.tensor(np.float32(1e5)) * x)[0].item())  # 1e5 rounds to inf; inf * 0 = nan
    assert x.clone().mul_(1e5)[1].item() == pytest.approx(100.06, abs=0.01)
    assert x.clone().div_(1e-8)[0].item() == 0.0
    leaf = minigrad.tensor([1.0, 2.0], dtype=minigrad.float16, requires_grad=True)
    (leaf * 1e5).sum().backward()
    assert leaf.grad.dtype == minigrad.float16 and leaf.grad.tolist() == [float("inf")] * 2  # as torch: 1e5 in f16


def test_cat_promotes_over_skipped_legacy_empties():
    # torch skips 1-D empty tensors when concatenating, but their dtypes still take part in the promotion
    empty32, empty64 = minigrad.zeros(0), minigrad.zeros(0, dtype=minigrad.float64)
    assert minigrad.cat([empty32, empty64]).dtype == minigrad.float64
    assert minigrad.cat([empty64, minigrad.ones(2, 3)]).dtype == minigrad.float64


def test_zero_norm_gradient_is_zero_even_at_inf():
    x = minigrad.tensor([1.0, float("inf"), 0.0, float("nan")], requires_grad=True)
    x.norm(0).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 0.0]


def test_inplace_arithmetic_promotes_like_the_out_of_place_ops():
    x = minigrad.tensor([1.0, 2.0])
    assert x.add_(minigrad.tensor([1.0], dtype=minigrad.float64)).dtype == minigrad.float32  # written back
    assert x.add_(minigrad.tensor([1.0, 1.0]), alpha=3).tolist() == [5.0, 6.0]
    assert minigrad.tensor([1, 2], dtype=minigrad.int32).sub_(minigrad.tensor([1])).tolist() == [0, 1]
    assert minigrad.tensor([1, 2]).add_(2, alpha=2).tolist() == [5, 6]


def test_setitem_shape_mismatch_and_empty_nested_index():
    x = minigrad.zeros(2, 3)
    with pytest.raises(
        RuntimeError,
        match=re.escape("value tensor of shape [3] cannot be broadcast to indexing result of shape [2, 2]"),
    ):
        x[:, [0, 1]] = minigrad.ones(3)
    assert x[0, [[]]].shape == (1, 0)  # an empty nested list selects nothing (NumPy would make it a float index)


@pytest.mark.parametrize(
    "reduce",
    [
        lambda x: x.sum(()),
        lambda x: x.mean([]),
        lambda x: x.var(()),
        lambda x: x.std(()),
        lambda x: x.norm(dim=()),
        lambda x: x.amax(()),
    ],
)
def test_an_empty_dim_list_reduces_every_dim(reduce):
    x = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 9.0]])
    assert reduce(x).shape == () and reduce(x).item() == pytest.approx(reduce(x.reshape(-1)).item())
    assert x.sum((), keepdim=True).shape == (1, 1)


def test_linear_bias_that_broadcasts_gets_a_gradient_of_its_own_shape():
    x, w = minigrad.tensor([[1.0, 2.0]]), minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    for shape, expected in [((), 4.0), ((1,), [4.0]), ((1, 2), [[1.0, 3.0]])]:
        bias = minigrad.ones(*shape, requires_grad=True)
        (minigrad.nn.functional.linear(x, w, bias) * minigrad.tensor([[1.0, 3.0]])).sum().backward()
        assert bias.grad.shape == shape and bias.grad.tolist() == expected
    with pytest.raises(RuntimeError):  # a bias may broadcast to the output but not grow it
        minigrad.nn.functional.linear(x, w, minigrad.ones(2, 1))


def test_arange_computes_in_float64_and_truncates_for_integer_dtypes():
    assert minigrad.arange(1e8, 1e8 + 4, dtype=minigrad.int64).tolist() == [10**8 + i for i in range(4)]
    assert minigrad.arange(0, 1, 0.1, dtype=minigrad.float64)[1].item() == 0.1
    assert minigrad.arange(1, 2.5, dtype=minigrad.int64).tolist() == [1]
    assert minigrad.arange(-2.5, 0, dtype=minigrad.int64).tolist() == [-2, -1]
    assert minigrad.arange(0, 1, 0.25).dtype == minigrad.float32 and minigrad.arange(3).dtype == minigrad.int64


def test_clamp_with_tensor_bounds_gives_ties_to_the_input_like_torch():
    x = minigrad.tensor([0.0, 1.0, 2.0], requires_grad=True)
    low = minigrad.tensor([0.0, 2.0, 1.0], requires_grad=True)
    (x.clamp(min=low) * minigrad.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 3.0] and low.grad.tolist() == [0.0, 2.0, 0.0]  # x == low: all to x
    x = minigrad.tensor([0.0, 5.0], requires_grad=True)
    low, high = minigrad.tensor([1.0, 1.0], requires_grad=True), minigrad.tensor([0.0, 9.0], requires_grad=True)
    x.clamp(low, high).sum().backward()  # low > high: the result is high, and high takes the gradient
    assert (x.grad.tolist(), low.grad.tolist(), high.grad.tolist()) == ([0.0, 1.0], [0.0, 0.0], [1.0, 0.0])


def test_masked_fill_with_a_tensor_value_differentiates_the_value():
    x, value = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True), minigrad.tensor(5.0, requires_grad=True)
    (x.masked_fill(minigrad.tensor([True, False, True]), value) * minigrad.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 0.0] and value.grad.item() == 4.0


def test_maximum_minimum_and_max_route_gradients_through_nan_like_torch():
    nan = float("nan")
    a, b = (
        minigrad.tensor([nan, 2.0, 3.0, 1.0], requires_grad=True),
        minigrad.tensor([1.0, nan, 3.0, 2.0], requires_grad=True),
    )
    minigrad.maximum(a, b).sum().backward()  # no winner at a nan: both get the gradient; ties split
    assert a.grad.tolist() == [1.0, 1.0, 0.5, 0.0] and b.grad.tolist() == [1.0, 1.0, 0.5, 1.0]
    x = minigrad.tensor([1.0, nan, 2.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]
    x = minigrad.tensor([1.0, nan, 2.0], requires_grad=True)
    x.norm(float("inf")).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


REFUSALS = [
    # in-place arithmetic: NumPy would truncate a float result into an integer tensor without a word
    (
        lambda T: T.tensor([1, 2]).add_(1.5),
        RuntimeError,
        "result type Float can't be cast to the desired output type Long",
    ),
    (
        lambda T: T.tensor([1, 2]).div_(2),
        RuntimeError,
        "result type Float can't be cast to the desired output type Long",
    ),
    (
        lambda T: T.tensor([True]).add_(1),
        RuntimeError,
        "result type Long can't be cast to the desired output type Bool",
    ),
    (
        lambda T: T.ones(2).add_(T.ones(2, 2)),
        RuntimeError,
        "output with shape [2] doesn't match the broadcast shape [2, 2]",
    ),
    (lambda T: T.ones(2, 2, 3).mm(T.ones(2, 3, 2)), RuntimeError, "self must be a matrix"),
    (lambda T: T.ones(2, 3).dot(T.ones(3, 2)), RuntimeError, "1D tensors expected, but got 2D and 2D tensors"),
    (lambda T: T.arange(10, 0), RuntimeError, "upper bound and lower bound inconsistent with step sign"),
    (
        lambda T: T.full((2,), float("nan"), dtype=T.int64),
        RuntimeError,
        "value cannot be converted to type int64_t without overflow",
    ),
    (lambda T: T.full((2,), 1e40), RuntimeError, "value cannot be converted to type float without overflow"),
    (
        lambda T: T.full((1,), 300, dtype=T.uint8),
        RuntimeError,
        "value cannot be converted to type uint8_t without overflow",
    ),
    (lambda T: T.tensor([1, 2]) & 1.5, NotImplementedError, "\"bitwise_and_cpu\" not implemented for 'Float'"),
]


@pytest.mark.parametrize("call, error, message", REFUSALS)
def test_refusals_match_torch(call, error, message):
    with pytest.raises(error) as raised:
        call(minigrad)
    assert str(raised.value) == message
    if torch is not None:
        with pytest.raises(error, match=re.escape(message)):
            call(torch)


def test_factories_and_bitwise_ops_follow_torch_dtypes():
    assert minigrad.full((1,), -1, dtype=minigrad.uint8).tolist() == [255]
    assert minigrad.full((1,), 70000, dtype=minigrad.float16).tolist() == [float("inf")]
    assert minigrad.randint_like(minigrad.ones(2), 5).shape == (2,)  # one bound is the high one
    assert minigrad.ones(3).gather(0, minigrad.tensor([0], dtype=minigrad.int32)).tolist() == [1.0]
    assert (
        minigrad.tensor([1, 2], dtype=minigrad.uint8) & minigrad.tensor(3, dtype=minigrad.int8)
    ).dtype == minigrad.uint8  # a 0-d tensor does not widen
    assert minigrad.tensor([1, 2], dtype=minigrad.uint8).any().dtype == minigrad.uint8


@pytest.mark.parametrize("step", ["floor", "ceil", "round", "sign"])
def test_step_functions_stay_in_the_graph_with_zero_gradient(step):
    x = minigrad.tensor([0.4, 1.6, -2.5], requires_grad=True)
    y = getattr(x, step)()
    assert y.requires_grad  # as in torch: backward through it works and gives zeros
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    x.grad = None
    (x + (getattr(x, step)() - x).detach()).sum().backward()  # the straight-through estimator
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_optimizer_style_inplace_composites_match_torch():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (minigrad, torch):
        p = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.no_grad():
            p.addcdiv_(lib.tensor([0.5, 0.25]), lib.tensor([4.0, 9.0]).sqrt(), value=-0.1)
            p.lerp_(lib.tensor([1.0, 1.0]), 0.5)
            p.clamp_min_(0.9)
            p.clamp_max_(1.4)
        y = p * 1
        y.addcmul_(p, p, value=2)
        y.sum().backward()
        results.append((p.detach().numpy().copy(), p.grad.numpy().copy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
