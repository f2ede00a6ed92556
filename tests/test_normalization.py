"""Normalisation (``minigrad.ops.normalization``, ``nn.BatchNorm1d/2d``, ``nn.LayerNorm``, ``nn.GroupNorm``): values
and gradients against torch in float32 and float64, running statistics (momentum, cumulative average,
``track_running_stats``), train/eval, state_dict round trips both ways, gradcheck and gradgradcheck, the batch-norm
kernels against their NumPy twins, and torch's errors."""

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad._kernels import normalization as kernel
from minigrad.autograd.gradcheck import gradcheck, gradgradcheck
from reference import normalization as reference


def _pair(torch, array, requires_grad=True):
    return minigrad.tensor(array, requires_grad=requires_grad), torch.tensor(array, requires_grad=requires_grad)


def _close(ours, theirs, dtype):
    tolerance = 2e-5 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (4, 3, 5, 2)])
def test_batch_norm_matches_torch(shape, training, dtype, rng):
    torch = pytest.importorskip("torch")
    x, weight, bias = (rng.standard_normal(s).astype(dtype) for s in (shape, 3, 3))
    running = [rng.standard_normal(3).astype(dtype), rng.random(3).astype(dtype) + 0.5]
    (ours_x, theirs_x), (ours_w, theirs_w), (ours_b, theirs_b) = (_pair(torch, a) for a in (x, weight, bias))
    ours_stats = [minigrad.tensor(a.copy()) for a in running]
    theirs_stats = [torch.tensor(a.copy()) for a in running]
    ours = F.batch_norm(ours_x, *ours_stats, ours_w, ours_b, training, 0.3, 1e-3)
    theirs = torch.nn.functional.batch_norm(theirs_x, *theirs_stats, theirs_w, theirs_b, training, 0.3, 1e-3)
    _close(ours, theirs, dtype)
    grad = rng.standard_normal(shape).astype(dtype)
    ours.backward(minigrad.tensor(grad))
    theirs.backward(torch.tensor(grad))
    for a, b in [
        (ours_x.grad, theirs_x.grad),
        (ours_w.grad, theirs_w.grad),
        (ours_b.grad, theirs_b.grad),
        *zip(ours_stats, theirs_stats),
    ]:
        _close(a, b, dtype)


def test_batch_norm_without_affine_or_running_stats(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((5, 2, 3))
    ours_x, theirs_x = _pair(torch, x)
    ours, theirs = (
        F.batch_norm(ours_x, None, None, training=True),
        torch.nn.functional.batch_norm(theirs_x, None, None, training=True),
    )
    _close(ours, theirs, np.float64)
    (ours**3).sum().backward()
    (theirs**3).sum().backward()
    _close(ours_x.grad, theirs_x.grad, np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_norm_and_group_norm_match_torch(dtype, rng):
    torch = pytest.importorskip("torch")
    for fn, shape, args, param_shape in [
        ("layer_norm", (3, 2, 4), ((4,),), (4,)),
        ("layer_norm", (3, 2, 4), ((2, 4),), (2, 4)),
        ("group_norm", (3, 6, 4), (3,), (6,)),
        ("group_norm", (2, 4, 3, 2), (1,), (4,)),
    ]:
        x, weight, bias = (rng.standard_normal(s).astype(dtype) for s in (shape, param_shape, param_shape))
        (ours_x, theirs_x), (ours_w, theirs_w), (ours_b, theirs_b) = (_pair(torch, a) for a in (x, weight, bias))
        ours = getattr(F, fn)(ours_x, *args, ours_w, ours_b)
        theirs = getattr(torch.nn.functional, fn)(theirs_x, *args, theirs_w, theirs_b)
        _close(ours, theirs, dtype)
        grad = rng.standard_normal(shape).astype(dtype)
        ours.backward(minigrad.tensor(grad))
        theirs.backward(torch.tensor(grad))
        for a, b in [(ours_x.grad, theirs_x.grad), (ours_w.grad, theirs_w.grad), (ours_b.grad, theirs_b.grad)]:
            _close(a, b, dtype)


@pytest.mark.parametrize("p, dim", [(2.0, 1), (1.0, 0), (3.0, -1)])
def test_normalize_matches_torch(p, dim, rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((3, 4))
    x[1] = 0  # a zero row: the eps floor
    ours_x, theirs_x = _pair(torch, x)
    ours, theirs = F.normalize(ours_x, p, dim), torch.nn.functional.normalize(theirs_x, p, dim)
    _close(ours, theirs, np.float64)
    (ours * ours.detach()).sum().backward()
    (theirs * theirs.detach()).sum().backward()
    _close(ours_x.grad, theirs_x.grad, np.float64)


@pytest.mark.parametrize(
    "call",
    [
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda x, w, b: F.batch_norm(
            x, minigrad.full((2,), 0.5, dtype=minigrad.float64), minigrad.full((2,), 2.0, dtype=minigrad.float64), w, b
        ),
        lambda x, w, b: F.layer_norm(x, (2,), w, b),
        lambda x, w, b: F.group_norm(x, 1, w, b),
    ],
    ids=["batch_norm_train", "batch_norm_eval", "layer_norm", "group_norm"],
)
def test_gradcheck_and_gradgradcheck(call, rng):
    inputs = tuple(minigrad.tensor(rng.standard_normal(s), requires_grad=True) for s in ((3, 2, 2), (2,), (2,)))
    assert gradcheck(call, inputs)
    assert gradgradcheck(call, inputs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_kernels_match_their_numpy_twins(training, dtype, rng):
    x, grad = (rng.standard_normal((4, 3, 10)).astype(dtype) + 3 for _ in range(2))
    mean, var = np.empty(3), np.empty(3)
    kernel.channel_stats(x, mean, var, 2)
    expected_mean, expected_var = reference.channel_stats(x)
    np.testing.assert_allclose(mean, expected_mean, rtol=1e-12)
    np.testing.assert_allclose(var, expected_var, rtol=1e-6)
    invstd, weight = 1 / np.sqrt(var + 1e-5), rng.standard_normal(3)
    sum_g, sum_gx, grad_x = np.empty(3), np.empty(3), np.empty_like(x)
    kernel.batch_norm_backward(grad, x, mean, invstd, weight, training, sum_g, sum_gx, grad_x, 2)
    for ours, expected in zip(
        (sum_g, sum_gx, grad_x), reference.batch_norm_backward(grad, x, mean, invstd, weight, training)
    ):
        np.testing.assert_allclose(ours, expected, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_kernels_match_their_numpy_twins(affine, dtype, rng):
    x, grad = (rng.standard_normal((6, 11)).astype(dtype) * 3 + 1 for _ in range(2))
    weight, bias = (
        (rng.standard_normal(11).astype(dtype) for _ in range(2))
        if affine
        else (np.ones(11, dtype), np.zeros(11, dtype))
    )
    out, mean, invstd = np.empty_like(x), np.empty(6), np.empty(6)
    kernel.layer_norm_forward(x, weight, bias, 1e-5, out, mean, invstd, 2)
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    for ours, expected in zip((out, mean, invstd), reference.layer_norm_forward(x, weight, bias, 1e-5)):
        np.testing.assert_allclose(ours, expected, rtol=tolerance, atol=tolerance)
    grad_x, sum_gx, sum_g = np.empty_like(x), np.zeros((2, 11)), np.zeros((2, 11))
    kernel.layer_norm_backward(grad, x, mean, invstd, weight, grad_x, sum_gx, sum_g, 2)
    for ours, expected in zip(
        (grad_x, sum_gx.sum(0), sum_g.sum(0)), reference.layer_norm_backward(grad, x, mean, invstd, weight)
    ):
        np.testing.assert_allclose(ours, expected, rtol=tolerance * 10, atol=tolerance * 10)


# ---------------------------------------------------------------------------------------------------- modules
@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda lib: lib.nn.BatchNorm1d(3), (6, 3)),
        (lambda lib: lib.nn.BatchNorm1d(3, momentum=None, affine=False), (6, 3, 4)),
        (lambda lib: lib.nn.BatchNorm2d(3, eps=1e-3, momentum=0.5), (4, 3, 2, 5)),
        (lambda lib: lib.nn.BatchNorm2d(3, track_running_stats=False), (4, 3, 2, 2)),
        (lambda lib: lib.nn.BatchNorm2d(3, bias=False), (4, 3, 2, 2)),
        (lambda lib: lib.nn.LayerNorm((3, 4)), (2, 3, 4)),
        (lambda lib: lib.nn.LayerNorm(4, elementwise_affine=False), (2, 3, 4)),
        (lambda lib: lib.nn.LayerNorm(4, bias=False), (2, 3, 4)),
        (lambda lib: lib.nn.GroupNorm(2, 4), (2, 4, 3)),
        (lambda lib: lib.nn.GroupNorm(1, 4, affine=False), (2, 4, 3, 3)),
    ],
    ids=lambda v: "" if callable(v) else "x".join(map(str, v)),
)
def test_modules_match_torch_in_train_and_eval(make, shape, rng):
    torch = pytest.importorskip("torch")
    ours, theirs = make(minigrad), make(torch)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for name, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[name].numpy(), value.numpy(), err_msg=name)
    with torch.no_grad():  # non-trivial parameters, loaded into ours from torch's state_dict
        for p in theirs.parameters():
            p.uniform_(0.5, 1.5)
    ours.load_state_dict({k: minigrad.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    for step in range(3):
        x = (rng.standard_normal(shape) * 2 + step).astype(np.float32)  # the layers' default dtype
        ours_x, theirs_x = _pair(torch, x)
        ours_out, theirs_out = ours(ours_x), theirs(theirs_x)
        _close(ours_out, theirs_out, np.float32)
        (ours_out**2).sum().backward()
        (theirs_out**2).sum().backward()
        _close(ours_x.grad, theirs_x.grad, np.float32)
    for name, value in theirs.state_dict().items():  # running statistics and num_batches_tracked after training
        np.testing.assert_allclose(ours.state_dict()[name].numpy(), value.numpy(), rtol=1e-5, err_msg=name)
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(
            dict(ours.named_parameters())[name].grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-3, err_msg=name
        )  # sums of squares over the batch: float32 rounding
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    _close(ours(minigrad.tensor(x)), theirs(torch.tensor(x)), np.float32)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})  # and back


def test_batch_norm_module_dtype_and_buffers():
    layer = nn.BatchNorm2d(4, dtype=minigrad.float64)
    assert layer.weight.dtype == minigrad.float64 and layer.running_var.dtype == minigrad.float64
    assert layer.num_batches_tracked.dtype == minigrad.int64 and layer.num_batches_tracked.item() == 0
    assert [name for name, _ in layer.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    layer(minigrad.randn(2, 4, 3, 3, dtype=minigrad.float64))
    layer.reset_running_stats()
    assert layer.num_batches_tracked.item() == 0 and float(layer.running_var.sum()) == 4.0


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: F.batch_norm(minigrad.randn(1, 3), None, None, training=True),
            ValueError,
            "Expected more than 1 value per channel when training",
        ),
        (lambda: nn.BatchNorm1d(3)(minigrad.randn(1, 3)), ValueError, "Expected more than 1 value per channel"),
        (lambda: F.batch_norm(minigrad.randn(2, 3), None, None), RuntimeError, "running_mean must be defined"),
        (
            lambda: F.batch_norm(minigrad.randn(2, 3), minigrad.zeros(4), minigrad.ones(4)),
            RuntimeError,
            "running_mean should contain 3 elements not 4",
        ),
        (
            lambda: F.batch_norm(minigrad.randn(2, 3), None, None, minigrad.ones(2), training=True),
            RuntimeError,
            "weight should contain 3 elements",
        ),
        (lambda: nn.BatchNorm2d(3)(minigrad.randn(2, 3, 4)), ValueError, "expected 4D input"),
        (lambda: nn.BatchNorm1d(3)(minigrad.randn(2, 3, 4, 4)), ValueError, "expected 2D or 3D input"),
        (lambda: F.layer_norm(minigrad.randn(2, 3), (4,)), RuntimeError, "normalized_shape"),
        (lambda: nn.LayerNorm(4)(minigrad.randn(4, 3)), RuntimeError, "normalized_shape"),
        (lambda: F.layer_norm(minigrad.randn(2, 3), (3,), minigrad.ones(4)), RuntimeError, "weight"),
        (lambda: F.group_norm(minigrad.randn(2, 6, 4), 4), RuntimeError, "divisible by num_groups"),
        (lambda: nn.GroupNorm(4, 6), ValueError, r"num_channels \(6\) must be divisible by num_groups \(4\)"),
    ],
)
def test_bad_inputs_raise_torchs_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_training_counts_batches_in_place_as_add_():
    """The counter and running statistics are updated on their arrays (a fast path) with the versions an in-place
    add_/mul_ would leave, and through the Tensor ops when a view of the buffer exists."""
    layer = nn.BatchNorm1d(2)
    x = minigrad.tensor(np.arange(8.0, dtype=np.float32).reshape(4, 2))
    counter, version = layer.num_batches_tracked, layer.num_batches_tracked._version
    layer(x)
    assert counter.item() == 1 and counter._version == version + 1
    view = counter.view(1)  # no longer a plain buffer: the in-place op updates the view too
    layer(x)
    assert counter.item() == 2 and view.item() == 2 and counter._version == version + 2
