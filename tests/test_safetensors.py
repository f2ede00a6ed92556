"""safetensors files round-trip with minigrad and with safetensors.torch (the optional extra)."""

import numpy as np
import pytest

import minigrad

pytest.importorskip("safetensors")


def test_round_trip_with_metadata(tmp_path):
    model = minigrad.nn.Sequential(minigrad.nn.Linear(3, 4), minigrad.nn.ReLU(), minigrad.nn.Linear(4, 2))
    path = tmp_path / "model.safetensors"
    minigrad.save_safetensors(model.state_dict(), path, metadata={"epoch": "3"})
    loaded = minigrad.load_safetensors(path)
    assert set(loaded) == set(model.state_dict())
    for name, tensor in model.state_dict().items():
        np.testing.assert_array_equal(loaded[name].numpy(), tensor.detach().numpy())
    assert minigrad.safetensors_io.safetensors_metadata(path) == {"epoch": "3"}
    fresh = minigrad.nn.Sequential(minigrad.nn.Linear(3, 4), minigrad.nn.ReLU(), minigrad.nn.Linear(4, 2))
    fresh.load_state_dict(loaded)


def test_files_are_interchangeable_with_safetensors_torch(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file

    ours = {"a": minigrad.arange(6.0).reshape(2, 3), "b": minigrad.tensor([1, 2], dtype=minigrad.int64)}
    minigrad.save_safetensors(ours, tmp_path / "ours.safetensors")
    theirs = load_file(tmp_path / "ours.safetensors")
    assert theirs["a"].tolist() == ours["a"].tolist() and theirs["b"].dtype == torch.int64
    save_file({"w": torch.eye(2, dtype=torch.float64)}, tmp_path / "theirs.safetensors")
    back = minigrad.load_safetensors(tmp_path / "theirs.safetensors")
    assert back["w"].dtype == minigrad.float64 and back["w"].tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_bad_input_names_the_entry(tmp_path):
    with pytest.raises(TypeError, match="'x' is a list"):
        minigrad.save_safetensors({"x": [1, 2]}, tmp_path / "bad.safetensors")
