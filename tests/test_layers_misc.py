"""The normalisation, embedding-bag and shape layers added for issue 14 against torch: ``BatchNorm3d`` and the
running-statistics options of every batch norm, ``InstanceNorm1d/2d/3d``, ``RMSNorm``, ``LocalResponseNorm``,
``EmbeddingBag``, ``Embedding``'s ``max_norm``/``scale_grad_by_freq``, the padding layers, ``PixelShuffle``,
``ChannelShuffle``, ``Bilinear`` and ``Unflatten``: values and gradients (float32 and float64), state-dict round
trips both ways, gradcheck/gradgradcheck in float64 and torch's errors. (module_db's cases run in
``test_module_db_layers.py``.)"""

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.autograd.gradcheck import gradcheck, gradgradcheck


def _torch_copy(torch, ours_module, theirs_module):
    """Load torch's state into ours (both ways are checked: keys equal, values copied)."""
    assert list(ours_module.state_dict()) == list(theirs_module.state_dict())
    ours_module.load_state_dict({k: minigrad.tensor(v.numpy().copy()) for k, v in theirs_module.state_dict().items()})


def _step(torch, ours_module, theirs_module, x, rng):
    """One forward+backward of both modules on ``x``; returns (ours, theirs) outputs with the input grads."""
    ours_x, theirs_x = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = ours_module(ours_x), theirs_module(theirs_x)
    grad = rng.standard_normal(tuple(theirs.shape)).astype(x.dtype)
    ours.backward(minigrad.tensor(grad))
    theirs.backward(torch.tensor(grad))
    return (ours, ours_x.grad), (theirs, theirs_x.grad)


def _assert_same(ours, theirs, tolerance):
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tolerance, atol=tolerance)


def _assert_state(ours_module, theirs_module, tolerance):
    for key, value in theirs_module.state_dict().items():
        np.testing.assert_allclose(ours_module.state_dict()[key].numpy(), value.numpy(), rtol=tolerance, err_msg=key)
    for key, parameter in theirs_module.named_parameters():
        ours_grad = dict(ours_module.named_parameters())[key].grad.numpy()
        np.testing.assert_allclose(ours_grad, parameter.grad.numpy(), rtol=tolerance, atol=tolerance, err_msg=key)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"momentum": None}, {"affine": False}, {"track_running_stats": False}, {"momentum": 0.5, "eps": 1e-3}],
    ids=["default", "cumulative", "no-affine", "no-stats", "momentum"],
)
def test_batchnorm3d_steps_match_torch(kwargs, dtype, rng):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.BatchNorm3d(3, **kwargs).to(getattr(torch, np.dtype(dtype).name))
    ours = nn.BatchNorm3d(3, **kwargs, dtype=getattr(minigrad, np.dtype(dtype).name))
    _torch_copy(torch, ours, theirs)
    tolerance = 1e-4 if dtype == np.float32 else 1e-10
    for step in range(3):  # the running statistics after several steps (cumulative average: 1/n each)
        x = (rng.standard_normal((2, 3, 3, 2, 4)) * (step + 1) + step).astype(dtype)
        _assert_same(*_step(torch, ours, theirs, x, rng), tolerance)
        _assert_state(ours, theirs, tolerance)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((2, 3, 2, 2, 2)).astype(dtype)
    _assert_same(*_step(torch, ours, theirs, x, rng), tolerance)


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(minigrad.ones(1, 3))
    with pytest.raises(ValueError, match="expected 5D input"):
        nn.BatchNorm3d(3)(minigrad.ones(2, 3, 4, 4))
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        nn.BatchNorm2d(3)(minigrad.ones(2, 4, 2, 2))
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\]"):
        nn.LayerNorm(4)(minigrad.ones(2, 3))


def test_layer_norm_without_bias_matches_torch(rng):
    torch = pytest.importorskip("torch")
    theirs, ours = torch.nn.LayerNorm((3, 4), bias=False).double(), nn.LayerNorm((3, 4), bias=False).double()
    assert list(ours.state_dict()) == ["weight"]
    theirs.weight.data.uniform_()
    _torch_copy(torch, ours, theirs)
    _assert_same(*_step(torch, ours, theirs, rng.standard_normal((2, 3, 4)), rng), 1e-10)
    _assert_state(ours, theirs, 1e-10)


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize(
    "kwargs", [{}, {"affine": True}, {"track_running_stats": True}, {"affine": True, "track_running_stats": True}]
)
def test_instance_norm_matches_torch(dims, kwargs, rng):
    torch = pytest.importorskip("torch")
    name = f"InstanceNorm{dims}d"
    theirs, ours = getattr(torch.nn, name)(3, **kwargs).double(), getattr(nn, name)(3, **kwargs).double()
    if kwargs.get("affine"):
        theirs.weight.data.uniform_()
        theirs.bias.data.uniform_()
    _torch_copy(torch, ours, theirs)
    spatial = (4, 3, 2)[:dims]
    for shape in [(2, 3, *spatial), (3, *spatial)]:  # batched and unbatched
        _assert_same(*_step(torch, ours, theirs, rng.standard_normal(shape) * 2 + 1, rng), 1e-10)
        _assert_state(ours, theirs, 1e-10)
        theirs.zero_grad()
        ours.zero_grad()
    ours.eval()
    theirs.eval()
    _assert_same(*_step(torch, ours, theirs, rng.standard_normal((2, 3, *spatial)), rng), 1e-10)


def test_instance_norm_errors_and_gradcheck(rng):
    with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match num_features \(3\), but got: 4"):
        nn.InstanceNorm1d(3, affine=True)(minigrad.ones(2, 4, 5))
    with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
        F.instance_norm(minigrad.ones(2, 3, 1))
    with pytest.raises(RuntimeError, match="Expected running_mean and running_var to be defined"):
        F.instance_norm(minigrad.ones(2, 3, 4), use_input_stats=False)
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.InstanceNorm1d(3)(minigrad.ones(2, 3, 4, 4))
    x = minigrad.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    weight, bias = (minigrad.tensor(rng.standard_normal(2), requires_grad=True) for _ in range(2))
    function = lambda *t: F.instance_norm(t[0], weight=t[1], bias=t[2])  # noqa: E731
    assert gradcheck(function, (x, weight, bias))
    assert gradgradcheck(function, (x, weight, bias))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize(("shape", "eps", "affine"), [((4,), None, True), ((3, 4), 1e-3, True), (4, None, False)])
def test_rms_norm_matches_torch(shape, eps, affine, dtype, rng):
    torch = pytest.importorskip("torch")
    torch_dtype = getattr(torch, np.dtype(dtype).name)
    theirs = torch.nn.RMSNorm(shape, eps=eps, elementwise_affine=affine, dtype=torch_dtype)
    ours = nn.RMSNorm(shape, eps=eps, elementwise_affine=affine, dtype=getattr(minigrad, np.dtype(dtype).name))
    assert repr(ours) == repr(theirs)
    if affine:
        theirs.weight.data.uniform_()
    _torch_copy(torch, ours, theirs)
    x = (rng.standard_normal((2, 3, 4)) * 1e-4).astype(dtype)  # small: eps=None's dtype epsilon matters
    tolerance = 1e-5 if dtype == np.float32 else 1e-10
    _assert_same(*_step(torch, ours, theirs, x, rng), tolerance)
    if affine:
        _assert_state(ours, theirs, tolerance)


def test_rms_norm_gradcheck_and_errors(rng):
    x, weight = (minigrad.tensor(rng.standard_normal(s), requires_grad=True) for s in ((2, 3), (3,)))
    assert gradcheck(lambda a, w: F.rms_norm(a, (3,), w), (x, weight))
    assert gradgradcheck(lambda a, w: F.rms_norm(a, (3,), w), (x, weight))
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with shape \[\*4\]"):
        F.rms_norm(x, [4])
    with pytest.raises(RuntimeError, match="Expected weight to be of same shape as normalized_shape"):
        F.rms_norm(x, [3], minigrad.ones(4))


@pytest.mark.parametrize("shape", [(2, 6, 5), (2, 6, 3, 4), (1, 5, 2, 3, 2)])
@pytest.mark.parametrize("size", [1, 2, 3])
def test_local_response_norm_matches_torch(shape, size, rng):
    torch = pytest.importorskip("torch")
    theirs, ours = torch.nn.LocalResponseNorm(size, 0.5, 0.6, 1.5), nn.LocalResponseNorm(size, 0.5, 0.6, 1.5)
    assert repr(ours) == repr(theirs)
    _assert_same(*_step(torch, ours, theirs, rng.standard_normal(shape), rng), 1e-10)
    x = minigrad.tensor(rng.standard_normal((1, 3, 2)), requires_grad=True)
    assert gradgradcheck(lambda t: F.local_response_norm(t, size, 0.5, 0.6, 1.5), (x,))


# ------------------------------------------------------------------------------------------- embedding bag
BAG_CASES = [
    {"mode": "sum"},
    {"mode": "mean"},
    {"mode": "max"},
    {"mode": "mean", "padding_idx": 2},
    {"mode": "max", "padding_idx": 0},
    {"mode": "sum", "include_last_offset": True},
    {"mode": "mean", "max_norm": 1.0},
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("kwargs", BAG_CASES, ids=lambda k: "-".join(f"{a}={b}" for a, b in k.items()))
def test_embedding_bag_matches_torch(kwargs, dtype, rng):
    torch = pytest.importorskip("torch")
    torch_dtype = getattr(torch, np.dtype(dtype).name)
    torch.manual_seed(0)
    theirs = torch.nn.EmbeddingBag(10, 4, dtype=torch_dtype, **kwargs)
    ours = nn.EmbeddingBag(10, 4, dtype=getattr(minigrad, np.dtype(dtype).name), **kwargs)
    assert repr(ours) == repr(theirs)
    _torch_copy(torch, ours, theirs)
    tolerance = 1e-5 if dtype == np.float32 else 1e-10
    indices = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 0, 2])
    # with include_last_offset the last offset is the input length (torch's float64 path ignores it otherwise)
    offsets = np.array([0, 2, 2, 5, 11] if kwargs.get("include_last_offset") else [0, 2, 2, 5, 8])
    for args in [(indices, offsets), (rng.integers(0, 10, (3, 4)), None)]:  # 1-D with offsets, 2-D
        theirs.zero_grad()
        ours.zero_grad()
        theirs_args = [None if a is None else torch.tensor(a) for a in args]
        theirs_out = theirs(*theirs_args)
        ours_out = ours(*[None if a is None else minigrad.tensor(a) for a in args])
        np.testing.assert_allclose(
            ours_out.detach().numpy(), theirs_out.detach().numpy(), rtol=tolerance, atol=tolerance
        )
        grad = rng.standard_normal(tuple(theirs_out.shape)).astype(dtype)
        theirs_out.backward(torch.tensor(grad))
        ours_out.backward(minigrad.tensor(grad))
        _assert_state(ours, theirs, tolerance)  # the weight (renormalised in place by max_norm) and its gradient


def test_embedding_bag_per_sample_weights_and_gradcheck(rng):
    torch = pytest.importorskip("torch")
    weight, per_sample = rng.standard_normal((6, 3)), rng.standard_normal(7)
    indices, offsets = np.array([0, 5, 2, 2, 1, 3, 4]), np.array([0, 3, 3])
    ours = [minigrad.tensor(a, requires_grad=True) for a in (weight, per_sample)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (weight, per_sample)]
    ours_out = F.embedding_bag(minigrad.tensor(indices), ours[0], minigrad.tensor(offsets), mode="sum",
                               per_sample_weights=ours[1])  # fmt: skip
    theirs_out = torch.nn.functional.embedding_bag(
        torch.tensor(indices), theirs[0], torch.tensor(offsets), mode="sum", per_sample_weights=theirs[1]
    )
    _assert_same((ours_out,), (theirs_out,), 1e-12)
    ours_out.sum().backward()
    theirs_out.sum().backward()
    _assert_same([t.grad for t in ours], [t.grad for t in theirs], 1e-12)
    for mode in ("sum", "mean", "max"):
        function = lambda w: F.embedding_bag(  # noqa: E731
            minigrad.tensor(indices), w, minigrad.tensor(offsets), mode=mode
        )
        assert gradcheck(function, (ours[0],))
        assert gradgradcheck(function, (ours[0],))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"input": [1, 7], "offsets": [0]}, RuntimeError, r"Index 1 of input takes value 7 which is not in the valid"),
        ({"input": [1.0, 2.0], "offsets": [0]}, RuntimeError, "to have one of the following scalar types: Long, Int"),
        ({"input": [1, 2], "offsets": [1]}, RuntimeError, "offsets\\[0\\] has to be 0"),
        ({"input": [1, 2], "offsets": [0, 3]}, RuntimeError, "offsets\\[-1\\] can not be greater than input's length"),
        ({"input": [1, 2]}, ValueError, "offsets has to be a 1D Tensor but got None"),
        ({"input": [[1, 2]], "offsets": [0]}, ValueError, "if input is 2D, then offsets has to be None"),
        ({"input": [1, 2], "offsets": [0], "mode": "min"}, ValueError, "mode has to be one of sum, mean or max"),
        ({"input": [1], "offsets": [0], "mode": "max", "per_sample_weights": [1.0]}, NotImplementedError, "only"),
        ({"input": [1], "offsets": [0], "mode": "sum", "per_sample_weights": [1.0, 2]}, ValueError, "same shape"),
        ({"input": [1], "offsets": [0], "mode": "max", "scale_grad_by_freq": True}, ValueError, "max mode"),
    ],
)
def test_embedding_bag_errors(kwargs, error, match):
    kwargs = {k: minigrad.tensor(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    with pytest.raises(error, match=match):
        F.embedding_bag(weight=minigrad.ones(5, 3), **kwargs)


def test_embedding_bag_from_pretrained_and_state_dict():
    torch = pytest.importorskip("torch")
    table = np.arange(12.0).reshape(4, 3)
    ours = nn.EmbeddingBag.from_pretrained(minigrad.tensor(table), mode="sum")
    theirs = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(table), mode="sum")
    assert (
        not ours.weight.requires_grad
        and nn.EmbeddingBag.from_pretrained(minigrad.tensor(table), False).weight.requires_grad
    )
    x = np.array([[0, 3], [1, 1]])
    np.testing.assert_array_equal(ours(minigrad.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())
    back = torch.nn.EmbeddingBag(4, 3)
    back.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    np.testing.assert_array_equal(back.weight.detach().numpy(), table)


def test_embedding_max_norm_and_frequency_scaling_match_torch(rng):
    torch = pytest.importorskip("torch")
    table = rng.standard_normal((6, 4)) * 3
    indices = np.array([[0, 2, 2], [5, 0, 2]])
    ours, theirs = minigrad.tensor(table.copy(), requires_grad=True), torch.tensor(table.copy(), requires_grad=True)
    ours_out = F.embedding(minigrad.tensor(indices), ours, max_norm=2.0, scale_grad_by_freq=True, padding_idx=5)
    theirs_out = torch.nn.functional.embedding(
        torch.tensor(indices), theirs, max_norm=2.0, scale_grad_by_freq=True, padding_idx=5
    )
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)  # rows renormalised
    np.testing.assert_allclose(ours_out.detach().numpy(), theirs_out.detach().numpy(), rtol=1e-12)
    grad = rng.standard_normal(ours_out.shape)
    ours_out.backward(minigrad.tensor(grad))
    theirs_out.backward(torch.tensor(grad))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
    with pytest.raises(IndexError, match="index out of range in self"):
        F.embedding(minigrad.tensor([6]), ours)
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar types: Long, Int"):
        F.embedding(minigrad.tensor([1.0]), ours)


# ------------------------------------------------------------------------------------------- shape layers
PADS = [
    (f"{kind}Pad{dims}d", args, (2, 3, 4, 5, 6)[: dims + 2 - unbatched])
    for kind, args in [
        ("Zero", ((1, 2, 0, 1, 2, 0),)),
        ("Constant", ((1, 2, 0, 1, 2, 0), 2.5)),
        ("Reflection", ((1, 2, 0, 1, 2, 0),)),
        ("Replication", ((1, 2, 0, 1, 2, 0),)),
        ("Circular", ((1, 2, 0, 1, 2, 0),)),
    ]  # fmt: skip
    for dims in (1, 2, 3)
    for unbatched in (0, 1)
]


@pytest.mark.parametrize(("name", "args", "shape"), PADS, ids=[f"{p[0]}-{len(p[2])}D" for p in PADS])
def test_padding_layers_match_torch(name, args, shape, rng):
    torch = pytest.importorskip("torch")
    dims = int(name[-2])
    args = (args[0][: 2 * dims], *args[1:])
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    _assert_same(*_step(torch, ours, theirs, rng.standard_normal(shape), rng), 1e-12)
    int_padding = getattr(nn, name)(1, *args[1:])
    assert int_padding.padding == getattr(torch.nn, name)(1, *args[1:]).padding


def test_circular_pad_checks_dims():
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        nn.CircularPad2d(1)(minigrad.ones(3, 3))


def test_pixel_and_channel_shuffle_match_torch(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 8, 4, 6))  # extra leading dims are batch dims
    for ours, theirs in [
        (nn.PixelShuffle(2), torch.nn.PixelShuffle(2)),
        (nn.PixelUnshuffle(2), torch.nn.PixelUnshuffle(2)),
        (nn.ChannelShuffle(3), torch.nn.ChannelShuffle(3)),
    ]:
        assert repr(ours) == repr(theirs)
        _assert_same(*_step(torch, ours, theirs, x, rng), 0)
    y = minigrad.tensor(x)
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(y, 2), 2).numpy(), x)
    for call, match in [
        (lambda: F.pixel_shuffle(minigrad.ones(2, 3), 2), "at least 3 dimensions"),
        (lambda: F.pixel_shuffle(minigrad.ones(5, 2, 2), 2), "input.size\\(-3\\)=5 is not divisible by 4"),
        (lambda: F.pixel_unshuffle(minigrad.ones(4, 5, 2), 2), "height to be divisible by downscale_factor"),
        (lambda: F.pixel_unshuffle(minigrad.ones(4, 2, 2), 0), "positive downscale_factor, but got 0"),
        (lambda: F.channel_shuffle(minigrad.ones(2, 5, 3), 2), "Got 5 channels and 2 groups"),
        (lambda: F.channel_shuffle(minigrad.ones(2, 4), 2), "channel_shuffle expects input with > 2 dims"),
    ]:
        with pytest.raises(RuntimeError, match=match):
            call()


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_bilinear_matches_torch(dtype, rng):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Bilinear(3, 4, 5, dtype=getattr(torch, np.dtype(dtype).name))
    ours = nn.Bilinear(3, 4, 5, dtype=getattr(minigrad, np.dtype(dtype).name))
    assert repr(ours) == repr(theirs)
    bound = 1 / np.sqrt(3)
    assert np.abs(ours.weight.detach().numpy()).max() <= bound and np.abs(ours.bias.detach().numpy()).max() <= bound
    _torch_copy(torch, ours, theirs)
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    for batch in [(2, 6), (7,), ()]:
        a, b = (rng.standard_normal((*batch, n)).astype(dtype) for n in (3, 4))
        ours_in = [minigrad.tensor(v, requires_grad=True) for v in (a, b)]
        theirs_in = [torch.tensor(v, requires_grad=True) for v in (a, b)]
        ours_out, theirs_out = ours(*ours_in), theirs(*theirs_in)
        ours_out.sum().backward()
        theirs_out.sum().backward()
        _assert_same([ours_out, *(t.grad for t in ours_in)], [theirs_out, *(t.grad for t in theirs_in)], tolerance)
        _assert_state(ours, theirs, tolerance * 10)
        ours.zero_grad()
        theirs.zero_grad()


def test_bilinear_gradcheck_and_errors(rng):
    a, b, w, bias = (
        minigrad.tensor(rng.standard_normal(s), requires_grad=True) for s in ((2, 3), (2, 2), (4, 3, 2), 4)
    )
    assert gradcheck(F.bilinear, (a, b, w, bias))
    assert gradgradcheck(F.bilinear, (a, b, w, bias))
    for args, match in [
        ((a, minigrad.ones(2, 5), w), "input2 size does not match weight size: got 5 but expected 2"),
        ((a, minigrad.ones(3, 2), w), "input batch dimensions do not match: got 2 and 3"),
        ((a, b, w, minigrad.ones(3)), "bias size does not match weight size: got 3 but expected 4"),
        ((a, b, minigrad.ones(4, 3)), "weight must be three-dimensional"),
    ]:
        with pytest.raises(RuntimeError, match=match):
            F.bilinear(*args)


def test_unflatten_and_identity():
    torch = pytest.importorskip("torch")
    x = np.arange(24.0).reshape(2, 12)
    ours, theirs = nn.Unflatten(1, (3, -1)), torch.nn.Unflatten(1, (3, -1))
    assert repr(ours) == repr(theirs)
    np.testing.assert_array_equal(ours(minigrad.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())
    np.testing.assert_array_equal(nn.Unflatten(-1, (2, 6))(minigrad.tensor(x)).shape, (2, 2, 6))
    with pytest.raises(TypeError, match="unflattened_size must be a tuple of ints, but found type int"):
        nn.Unflatten(1, 3)
    y = minigrad.tensor(x)
    assert nn.Identity(54, unused="argument")(y) is y
