"""Devices on a CPU-only library: the objects and queries of torch's device API, so a script that picks
"cuda if available else cpu" runs unchanged, and a clear error for any other device."""

import pytest

import minigrad
import minigrad.nn as nn


def test_the_device_picking_idiom_runs_unchanged():
    device = minigrad.device("cuda" if minigrad.cuda.is_available() else "cpu")
    model = nn.Linear(3, 2).to(device)
    x = minigrad.randn(4, 3, device=device).to(device)
    assert model(x).device == device == minigrad.device("cpu") == "cpu"
    assert not minigrad.accelerator.is_available() and minigrad.accelerator.current_accelerator() is None
    assert not minigrad.backends.mps.is_available() and minigrad.cuda.device_count() == 0
    minigrad.backends.cudnn.benchmark = True  # settable, as scripts do
    minigrad.cuda.manual_seed_all(0)  # a no-op, as torch's without CUDA


def test_backend_switches_import_as_modules():
    # pytorch/examples' dcgan: ``import torch.backends.cudnn as cudnn`` needs real submodules, not attributes
    import minigrad.backends.cuda as cuda_backend
    import minigrad.backends.cudnn as cudnn
    import minigrad.backends.mps as mps

    cudnn.benchmark = True
    cuda_backend.matmul.allow_tf32 = True
    assert minigrad.backends.cudnn.benchmark and not cudnn.is_available() and cudnn.version() is None
    assert not mps.is_available() and not mps.is_built() and not cuda_backend.is_built()


def test_device_flags_match_torch_on_cpu():
    torch = pytest.importorskip("torch")
    flags = ["is_cpu", "is_cuda", "is_mps", "is_xpu", "is_meta", "is_sparse", "is_quantized"]
    ours, theirs = minigrad.zeros(2), torch.zeros(2)
    assert [getattr(ours, f) for f in flags] == [getattr(theirs, f) for f in flags]


@pytest.mark.parametrize(
    "spec, expected",
    [("cpu", ("cpu", None)), ("cuda:1", ("cuda", 1)), (("cuda", 0), ("cuda", 0)), ("mps", ("mps", None))],
)
def test_device_objects_match_torch(spec, expected):
    torch = pytest.importorskip("torch")
    ours = minigrad.device(*spec) if isinstance(spec, tuple) else minigrad.device(spec)
    theirs = torch.device(*spec) if isinstance(spec, tuple) else torch.device(spec)
    assert (ours.type, ours.index) == expected == (theirs.type, theirs.index)
    assert str(ours) == str(theirs) and repr(ours) == repr(theirs)


@pytest.mark.parametrize(
    "make",
    [
        lambda: minigrad.zeros(2, device="cuda"),
        lambda: minigrad.tensor([1.0]).to("cuda:0"),
        lambda: nn.Linear(2, 2).to(minigrad.device("mps")),
        lambda: minigrad.ones_like(minigrad.zeros(1), device="cuda"),
    ],
)
def test_other_devices_raise_naming_the_device(make):
    with pytest.raises(RuntimeError, match="CPU only; got device '(cuda|cuda:0|mps)'"):
        make()


def test_bad_device_strings_raise_like_torch():
    with pytest.raises(RuntimeError, match="device type"):
        minigrad.device("gpu")
    with pytest.raises(RuntimeError, match="Invalid device string"):
        minigrad.device("cuda:x")


def test_set_default_dtype_changes_what_floats_become():
    try:
        minigrad.set_default_dtype(minigrad.float64)
        made = (minigrad.tensor([1.5]), minigrad.zeros(1), nn.Linear(2, 2).weight)
        assert all(t.dtype == minigrad.float64 for t in made)
        with pytest.raises(TypeError, match="floating-point"):
            minigrad.set_default_dtype(minigrad.int64)
    finally:
        minigrad.set_default_dtype(minigrad.float32)
    assert minigrad.tensor([1.5]).dtype == minigrad.float32
