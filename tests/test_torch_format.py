"""PyTorch checkpoints without PyTorch: files from torch.save load into minigrad (state dicts, every dtype, shared
and non-contiguous storages, nested containers), minigrad.save(format="torch") files load in torch with
weights_only=True, and a .pt file that would run code is refused."""

import io
import pickle

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn

torch = pytest.importorskip("torch")


def _torch_bytes(obj):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return buffer


def _mlp(lib):
    return lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Linear(8, 3))


def test_a_torch_state_dict_loads_into_the_same_minigrad_model_and_back(tmp_path):
    theirs = _mlp(torch)
    path = tmp_path / "model.pt"
    torch.save(theirs.state_dict(), path)
    ours = _mlp(minigrad)
    ours.load_state_dict(minigrad.load(path))
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(
        ours(minigrad.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )
    back = tmp_path / "back.pt"
    minigrad.save(ours.state_dict(), back, format="torch")
    again = _mlp(torch)
    again.load_state_dict(torch.load(back, weights_only=True))
    for a, b in zip(again.parameters(), theirs.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"])
def test_every_dtype_round_trips_both_ways(dtype):
    values = torch.arange(-3, 3).reshape(2, 3).to(getattr(torch, dtype))
    ours = minigrad.load(_torch_bytes({"x": values, "scalar": values[0, 1]}))
    np.testing.assert_array_equal(ours["x"].numpy(), values.numpy())
    assert ours["x"].dtype == getattr(minigrad, dtype) and ours["scalar"].shape == ()
    buffer = io.BytesIO()
    minigrad.save(ours, buffer, format="torch")
    buffer.seek(0)
    back = torch.load(buffer, weights_only=True)
    torch.testing.assert_close(back["x"], values, rtol=0, atol=0)
    assert back["scalar"].shape == ()


def test_shared_and_non_contiguous_storages_stay_shared():
    base = torch.arange(12.0).reshape(3, 4)
    loaded = minigrad.load(_torch_bytes({"base": base, "t": base.t(), "row": base[1], "again": base}))
    np.testing.assert_array_equal(loaded["t"].numpy(), base.t().numpy())
    np.testing.assert_array_equal(loaded["row"].numpy(), base[1].numpy())
    loaded["base"].numpy()[1, 2] = 100.0  # one storage in the file: one memory in minigrad, as in torch
    assert loaded["t"].numpy()[2, 1] == loaded["row"].numpy()[2] == loaded["again"].numpy()[1, 2] == 100.0


def test_nested_containers_parameters_and_optimizer_state():
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.ones(1, 2)).sum().backward()
    optimizer.step()
    checkpoint = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": 3,
        "name": "run",
        "history": [0.5, 0.25],
        "pair": (1, torch.ones(1)),
        "param": torch.nn.Parameter(torch.zeros(2)),
    }
    loaded = minigrad.load(_torch_bytes(checkpoint))
    assert loaded["epoch"] == 3 and loaded["name"] == "run" and loaded["history"] == [0.5, 0.25]
    assert isinstance(loaded["param"], nn.Parameter) and loaded["param"].requires_grad
    assert loaded["optimizer"]["param_groups"][0]["momentum"] == 0.9
    momentum = loaded["optimizer"]["state"][0]["momentum_buffer"]
    np.testing.assert_array_equal(momentum.numpy(), optimizer.state_dict()["state"][0]["momentum_buffer"].numpy())


class _RunsCode:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_a_checkpoint_that_would_run_code_is_refused(capsys):
    with pytest.raises(pickle.UnpicklingError, match="unsupported global"):
        minigrad.load(_torch_bytes({"weights": torch.ones(2), "payload": _RunsCode()}))
    assert "this must never run" not in capsys.readouterr().out


def test_minigrad_format_is_still_the_default(tmp_path):
    path = tmp_path / "checkpoint"
    minigrad.save({"w": minigrad.ones(2)}, path)
    with pytest.raises(RuntimeError):  # an .npz archive, not torch's zip layout
        torch.load(path, weights_only=True)
    assert minigrad.load(path)["w"].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="format must be"):
        minigrad.save({}, io.BytesIO(), format="onnx")
