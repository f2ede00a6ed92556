"""The activations of ``minigrad.ops.pointwise_activation`` and the dropout family against torch: values and
gradients in float32 and float64 at random points and at every kink (where torch's one-sided choices matter), the
``inplace=`` forms, gradcheck and gradgradcheck in float64, torch's errors, module reprs; RReLU and the dropouts by
their statistics (train) and as the identity (eval)."""

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.autograd.gradcheck import gradcheck, gradgradcheck

# (name, extra arguments, points where the function has a kink or a special value)
ACTIVATIONS = [
    ("elu", (0.7,), (0.0,)),
    ("selu", (), (0.0,)),
    ("celu", (1.3,), (0.0,)),
    ("silu", (), ()),
    ("mish", (), ()),
    ("hardswish", (), (-3.0, 3.0)),
    ("hardsigmoid", (), (-3.0, 3.0)),
    ("hardtanh", (-0.5, 2.0), (-0.5, 2.0)),
    ("relu6", (), (0.0, 6.0)),
    ("threshold", (0.3, -2.0), (0.3,)),
    ("softsign", (), (0.0,)),
    ("softshrink", (0.4,), (-0.4, 0.4)),
    ("hardshrink", (0.4,), (-0.4, 0.4)),
    ("tanhshrink", (), ()),
    ("logsigmoid", (), ()),
    ("glu", (1,), ()),
    ("softmin", (1,), ()),
]
SMOOTH = {"silu", "mish", "softsign", "tanhshrink", "logsigmoid", "glu", "softmin", "selu", "elu", "celu"}


def _points(kinks, dtype, rng):
    x = rng.standard_normal((4, 6)) * 4
    x.flat[: len(kinks)] = kinks
    x.flat[len(kinks) : len(kinks) + 2] = [30.0, -30.0]
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize(("name", "args", "kinks"), ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_matches_torch(name, args, kinks, dtype, rng):
    torch = pytest.importorskip("torch")
    x = _points(kinks, dtype, rng)
    ours_x, theirs_x = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = getattr(F, name)(ours_x, *args), getattr(torch.nn.functional, name)(theirs_x, *args)
    tolerance = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tolerance, atol=tolerance)
    grad = rng.standard_normal(theirs.shape).astype(dtype)
    ours.backward(minigrad.tensor(grad))
    theirs.backward(torch.tensor(grad))
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-5, atol=tolerance)


@pytest.mark.parametrize(("name", "args", "kinks"), ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_gradcheck(name, args, kinks, rng):
    x = rng.uniform(0.2, 2.5, (2, 4)) * rng.choice([-1.0, 1.0], (2, 4))  # away from every kink
    x = minigrad.tensor(x, requires_grad=True)
    function = getattr(F, name)
    assert gradcheck(lambda t: function(t, *args), (x,))
    assert gradgradcheck(lambda t: function(t, *args), (x,))


def test_prelu_gradcheck_and_torch(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((3, 4, 5))
    weight = rng.random(4)
    ours_x, ours_w = minigrad.tensor(x, requires_grad=True), minigrad.tensor(weight, requires_grad=True)
    assert gradcheck(F.prelu, (ours_x, ours_w))
    assert gradgradcheck(F.prelu, (ours_x, ours_w))
    theirs_x, theirs_w = torch.tensor(x, requires_grad=True), torch.tensor(weight, requires_grad=True)
    F.prelu(ours_x, ours_w).sum().backward()
    torch.nn.functional.prelu(theirs_x, theirs_w).sum().backward()
    np.testing.assert_allclose(ours_w.grad.numpy(), theirs_w.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-12)


INPLACE = [("elu", (0.5,)), ("selu", ()), ("celu", (0.5,)), ("hardtanh", ()), ("relu6", ()), ("silu", ())]
INPLACE += [("mish", ()), ("hardswish", ()), ("hardsigmoid", ()), ("threshold", (0.1, 5.0)), ("leaky_relu", (0.2,))]


@pytest.mark.parametrize(("name", "args"), INPLACE, ids=[a[0] for a in INPLACE])
def test_inplace_matches_torch(name, args, rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((3, 5)) * 3
    ours_x, theirs_x = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours_y, theirs_y = ours_x * 1.0, theirs_x * 1.0
    ours = getattr(F, name)(ours_y, *args, inplace=True)
    theirs = getattr(torch.nn.functional, name)(theirs_y, *args, inplace=True)
    assert ours is ours_y
    np.testing.assert_allclose(ours_y.detach().numpy(), theirs_y.detach().numpy(), rtol=1e-12)
    (ours * ours).sum().backward()
    (theirs * theirs).sum().backward()
    # rtol 1e-7: torch scales hardsigmoid's float64 gradient by a float32 1/6
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("name", ["elu_", "selu_", "celu_", "hardtanh_", "leaky_relu_", "relu_", "rrelu_"])
def test_underscore_functions_change_their_input(name, rng):
    x = minigrad.tensor(rng.standard_normal((4, 4)) - 2)
    before = x.numpy().copy()
    assert getattr(F, name)(x) is x
    assert not np.array_equal(x.numpy(), before)
    assert np.array_equal(F.threshold_(x, 0.0, 7.0).numpy() > 0, np.ones((4, 4), bool))


def test_rrelu_train_draws_slopes_eval_is_fixed(rng):
    x = minigrad.tensor(-np.abs(rng.standard_normal(20000)) - 0.1, requires_grad=True)
    minigrad.manual_seed(0)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = (y / x).detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.005 and slopes.std() > 0.05
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes, rtol=1e-12)  # the gradient is the drawn slope
    np.testing.assert_allclose(F.rrelu(x, 0.1, 0.3).detach().numpy(), 0.2 * x.detach().numpy())
    module = nn.RReLU(0.1, 0.3)
    assert np.array_equal(module.eval()(x).detach().numpy(), F.rrelu(x, 0.1, 0.3).detach().numpy())
    positive = minigrad.tensor(np.abs(rng.standard_normal(10)))
    assert np.array_equal(module.train()(positive).numpy(), positive.numpy())


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: F.glu(x, 1), RuntimeError, "Halving dimension must be even, but dimension 1 is size 3"),
        (lambda x: F.glu(x.sum(), 0), RuntimeError, "glu does not support scalars"),
        (lambda x: F.softshrink(x, -1.0), RuntimeError, "lambda must be greater or equal to 0"),
        (lambda x: F.rrelu(x, 0.5, 0.1), RuntimeError, "Lower bound should be less than or equal"),
        (lambda x: F.prelu(x, minigrad.ones(2)), RuntimeError, "Found parameter numbers = 2 and channel size = 3"),
        (lambda x: nn.Softmax2d()(x), ValueError, "expected input to be 3D or 4D"),
    ],
)
def test_activation_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(minigrad.ones(2, 3))


def test_module_reprs_match_torch():
    torch = pytest.importorskip("torch")
    for name, args, kwargs in [
        ("ELU", (0.5,), {"inplace": True}),
        ("CELU", (), {}),
        ("Hardtanh", (-2.0, 2.0), {}),
        ("ReLU6", (), {"inplace": True}),
        ("Threshold", (0.1, 20.0), {}),
        ("RReLU", (0.1, 0.3), {}),
        ("PReLU", (3,), {}),
        ("GLU", (), {}),
        ("Softshrink", (0.3,), {}),
        ("SiLU", (), {"inplace": True}),
        ("Softmin", (1,), {}),
        ("Dropout2d", (0.2,), {}),
        ("AlphaDropout", (), {}),
    ]:
        assert repr(getattr(nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))


def test_prelu_state_dict_round_trip():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.PReLU(4, init=0.1)
    ours = nn.PReLU(4, init=0.1)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    np.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    theirs.load_state_dict({"weight": torch.arange(4.0)})
    ours.load_state_dict({k: minigrad.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    np.testing.assert_array_equal(ours.weight.detach().numpy(), np.arange(4.0))


# ----------------------------------------------------------------------------------------------- dropout
DROPOUTS = [
    (nn.Dropout1d, (50, 40, 30)),
    (nn.Dropout1d, (40, 30)),
    (nn.Dropout2d, (20, 40, 6, 5)),
    (nn.Dropout3d, (10, 40, 3, 4, 5)),
    (nn.Dropout3d, (40, 3, 4, 5)),
]


@pytest.mark.parametrize(("layer", "shape"), DROPOUTS, ids=lambda v: getattr(v, "__name__", str(v)))
def test_channel_dropout_zeroes_whole_channels(layer, shape):
    minigrad.manual_seed(0)
    x = minigrad.ones(*shape, requires_grad=True)
    y = layer(0.3)(x)
    batched = len(shape) in (3, 5) if layer is not nn.Dropout2d else True
    per_channel = y.detach().numpy().reshape(int(np.prod(shape[: 2 if batched else 1])), -1)
    assert (per_channel == per_channel[:, :1]).all()  # a channel is zeroed or scaled as a whole
    assert np.isin(per_channel, np.float32([0.0, 1 / 0.7])).all()
    assert abs((per_channel[:, 0] == 0).mean() - 0.3) < 0.08
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())  # gradient: the same mask and scale
    np.testing.assert_array_equal(layer(0.3).eval()(x).detach().numpy(), x.detach().numpy())


@pytest.mark.parametrize("layer", [nn.AlphaDropout, nn.FeatureAlphaDropout])
def test_alpha_dropout_keeps_zero_mean_unit_variance(layer, rng):
    minigrad.manual_seed(0)
    x = minigrad.tensor(rng.standard_normal((400, 100, 8)).astype(np.float32), requires_grad=True)
    y = layer(0.2)(x)
    values = y.detach().numpy()
    assert abs(values.mean()) < 0.02 and abs(values.std() - 1) < 0.02
    dropped = -1.7580993408473766 / np.sqrt((1.7580993408473766**2 * 0.2 + 1) * 0.8) * 0.8
    assert abs(np.isclose(values, dropped, atol=1e-6).mean() - 0.2) < 0.01
    y.sum().backward()
    scale = x.grad.numpy()
    assert np.isin(scale, np.float32([0.0, 1 / np.sqrt((1.7580993408473766**2 * 0.2 + 1) * 0.8)])).all()
    if layer is nn.FeatureAlphaDropout:
        assert (scale == scale[:, :, :1]).all()  # one draw per channel
    assert layer(0.2).eval()(x) is x


def test_dropout_edge_cases_and_errors():
    x = minigrad.tensor([1.0, np.nan, np.inf])
    assert np.isnan(F.dropout(x, 1.0).numpy()).sum() == 2  # x·0: NaN and inf stay NaN, as in torch
    assert F.alpha_dropout(x, 0.5) is x  # training defaults to False for the alpha dropouts
    for function in (F.dropout, F.dropout2d, F.alpha_dropout):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
            function(x, 1.5)
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
        F.dropout1d(minigrad.ones(2, 2, 2, 2))
    with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
        F.feature_alpha_dropout(minigrad.ones(3), training=True)
    with pytest.raises(ValueError, match="dropout probability"):
        nn.Dropout3d(-0.1)


def test_dropout_inplace_writes_the_input():
    minigrad.manual_seed(1)
    x = minigrad.ones(4, 8, 3, requires_grad=True)
    y = x * 1.0
    assert F.dropout2d(y, 0.5, inplace=True) is y
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())
