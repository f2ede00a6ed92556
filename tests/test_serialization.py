"""minigrad.serialization: exact round trips, atomic writes, no pickle, clear errors on damaged or foreign files,
and state_dicts that load into torch."""

import collections
import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

import minigrad
from minigrad.nn.parameter import Parameter
from minigrad.serialization import load, save


def same(a, b):
    """Equal in type, structure, dtype and every bit."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(type(k) is type(l) for k, l in zip(a, b)) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, minigrad.Tensor):
        return a.requires_grad == b.requires_grad and same(a._data, b._data)
    if isinstance(a, (np.ndarray, np.generic)):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, float):
        return np.float64(a).tobytes() == np.float64(b).tobytes()
    return a == b


def optimizer_like_state():
    """The shape of torch's Adam.state_dict(): int keys in "state", a list of param groups with tuples."""
    return {
        "state": {
            0: {"step": minigrad.tensor(3.0), "exp_avg": minigrad.randn(3, 2), "exp_avg_sq": minigrad.rand(3, 2)},
            1: {"step": minigrad.tensor(3.0), "exp_avg": minigrad.randn(2), "exp_avg_sq": minigrad.rand(2)},
        },
        "param_groups": [
            {
                "lr": 1e-3,
                "betas": (0.9, 0.999),
                "eps": 1e-8,
                "weight_decay": 0,
                "amsgrad": False,
                "maximize": False,
                "foreach": None,
                "params": [0, 1],
            }
        ],
    }


def checkpoint():
    model = collections.OrderedDict(
        [
            ("0.weight", minigrad.randn(4, 3)),
            ("0.bias", minigrad.zeros(4)),
            ("2.weight", minigrad.randn(2, 4, dtype=minigrad.float64)),
        ]
    )
    return {
        "model": model,
        "optimizer": optimizer_like_state(),
        "epoch": 7,
        "best": 0.9712,
        "name": "mlp",
        "seed": None,
        "done": True,
        "history": [1.5, 0.25],
        "big": 2**80,
        "negative_zero": -0.0,
        "special": [float("nan"), float("inf"), -float("inf")],
        "np_scalar": np.float32(2.5),
        "np_int": np.int64(-3),
        "array": np.arange(6, dtype=np.int16).reshape(2, 3),
        "empty": np.zeros((0, 3)),
        "strings": np.array(["a", "bc"]),
        (1, "tuple key"): {None: 1, 2.5: 2, False: 3},
        "flags": minigrad.tensor([True, False]),
    }


def round_trip(obj):
    buffer = io.BytesIO()
    save(obj, buffer)
    buffer.seek(0)
    return load(buffer)


# --------------------------------------------------------------------------------------------- round trips
def test_round_trip_preserves_structure_types_and_bits():
    obj = checkpoint()
    result = round_trip(obj)
    assert same(result, obj)
    assert type(result["model"]) is collections.OrderedDict and type(result["optimizer"]) is dict
    assert list(result["optimizer"]["state"]) == [0, 1]  # int keys stay ints


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_floats_are_bit_exact_including_nan_payloads_and_subnormals(dtype):
    info = np.finfo(dtype)
    values = np.array(
        [0.0, -0.0, info.tiny, info.tiny / 4, info.max, -info.max, np.inf, -np.inf, np.pi, 1 / 3], dtype=dtype
    )
    nan_payload = np.array(
        [0x7FC00123 if dtype == np.float32 else 0x7FF8000000000123],
        dtype=np.uint32 if dtype == np.float32 else np.uint64,
    ).view(dtype)
    tensor = minigrad.from_numpy(np.concatenate([values, nan_payload]))
    assert round_trip(tensor)._data.tobytes() == tensor._data.tobytes()


def test_requires_grad_parameters_and_shared_tensors():
    w = Parameter(minigrad.randn(3))
    t = minigrad.ones(2, requires_grad=True)
    result = round_trip({"w": w, "tied": [w, w], "t": t, "plain": minigrad.ones(1)})
    assert type(result["w"]) is Parameter and result["w"].requires_grad
    assert result["tied"][0] is result["w"] and result["tied"][1] is result["w"]
    assert type(result["t"]) is minigrad.Tensor and result["t"].requires_grad and result["t"].is_leaf
    assert not result["plain"].requires_grad
    frozen = round_trip(Parameter(minigrad.ones(2), requires_grad=False))
    assert type(frozen) is Parameter and not frozen.requires_grad


def test_noncontiguous_and_fortran_arrays():
    a = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    t = minigrad.arange(12.0).reshape(3, 4).T
    result = round_trip({"a": a, "t": t, "slice": a[:, ::2]})
    np.testing.assert_array_equal(result["a"], a)
    np.testing.assert_array_equal(result["t"].numpy(), t.numpy())
    np.testing.assert_array_equal(result["slice"], a[:, ::2])


def test_loaded_tensors_are_writable_and_independent():
    w = minigrad.ones(3)
    result = round_trip({"w": w})["w"]
    result._data[0] = 5
    assert w._data[0] == 1


# ------------------------------------------------------------------------------------------------ paths
def test_save_to_a_path_is_atomic_and_adds_no_extension(tmp_path):
    path = tmp_path / "model.pt"
    save({"v": 1}, path)
    save({"v": 2}, str(path))
    assert os.listdir(tmp_path) == ["model.pt"]  # no temporary left, no ".npz" appended
    assert load(path) == {"v": 2}
    with open(path, "rb") as f:
        assert load(f) == {"v": 2}


def test_a_failing_save_leaves_the_previous_checkpoint_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    save({"v": 1}, path)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # e.g. Ctrl-C in the middle of writing

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        save({"v": 2}, path)
    monkeypatch.undo()
    assert load(path) == {"v": 1}
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_other_objects_are_pickled_and_load_only_when_trusted(tmp_path):
    """torch 2.6's contract: anything can be saved; what is not tensors and containers loads only with
    weights_only=False, which warns that unpickling can run code."""
    model = minigrad.nn.Sequential(minigrad.nn.Linear(2, 3), minigrad.nn.ReLU())
    for name, obj in (("module", model), ("objects", {"o": np.array([{}, 1], dtype=object)})):
        path = tmp_path / name
        save(obj, path)
        with pytest.raises(pickle.UnpicklingError, match="weights_only set to False"):
            load(path)
        with pytest.warns(UserWarning, match="arbitrary code"):
            loaded = load(path, weights_only=False)
        assert type(loaded) is type(obj)
    with pytest.warns(UserWarning):
        restored = load(tmp_path / "module", weights_only=False)
    save({minigrad.ones(1): 1}, tmp_path / "tensor_key")  # tensors and containers only: weights-only loads it
    assert list(load(tmp_path / "tensor_key").values()) == [1]
    save({"s": {1, 2}}, tmp_path / "set")  # torch's weights-only unpickler allows sets too
    assert load(tmp_path / "set") == {"s": {1, 2}}
    x = minigrad.randn(4, 2)
    np.testing.assert_array_equal(restored(x).detach().numpy(), model(x).detach().numpy())


def test_load_accepts_torch_style_arguments(tmp_path):
    save({"v": 1}, tmp_path / "c")
    assert load(tmp_path / "c", map_location="cpu", weights_only=True) == {"v": 1}
    with pytest.raises(RuntimeError, match="CPU only"):
        load(tmp_path / "c", map_location="cuda:0")


# ----------------------------------------------------------------------------------- damaged and foreign files
def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.npz")


def test_foreign_files_are_value_errors(tmp_path):
    cases = {
        "empty": b"",
        "text": b"hello world\n",
        "pickle": pickle.dumps({"a": 1}),
        "npy": b"\x93NUMPY" + b"\x00" * 20,
    }
    plain = io.BytesIO()
    np.savez(plain, x=np.ones(2))
    cases["plain npz"] = plain.getvalue()
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("hello.txt", "hi")
    cases["zip"] = other_zip.getvalue()
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ValueError, match="not a (valid )?minigrad (or torch )?checkpoint") as info:
            load(path)
        assert str(path) in str(info.value)


def test_torch_save_files_load(tmp_path):  # the whole story is in test_torch_format.py
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2)}, tmp_path / "t.pt")
    assert load(tmp_path / "t.pt")["w"].tolist() == [1.0, 1.0]


def test_every_truncation_is_a_value_error():
    buffer = io.BytesIO()
    save(checkpoint(), buffer)
    raw = buffer.getvalue()
    for n in range(0, len(raw), max(1, len(raw) // 300)):
        with pytest.raises(ValueError):
            load(io.BytesIO(raw[:n]))


def test_corrupted_bytes_give_a_value_error_or_the_exact_original():
    obj = checkpoint()
    buffer = io.BytesIO()
    save(obj, buffer)
    raw = buffer.getvalue()
    rng = np.random.default_rng(0)
    for position in rng.choice(len(raw), 400, replace=False):
        damaged = bytearray(raw)
        damaged[position] ^= 1 << int(rng.integers(8))
        try:
            result = load(io.BytesIO(bytes(damaged)))
        except ValueError:
            continue
        assert same(result, obj)  # a flip in bytes nobody reads (zip timestamps, padding) changes nothing


def write_npz(arrays, structure):
    buffer = io.BytesIO()
    if structure is not None:
        arrays = dict(arrays, __minigrad__=np.frombuffer(json.dumps(structure).encode(), dtype=np.uint8))
    np.savez(buffer, **arrays)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    "structure, message",
    [
        ({"format": "minigrad", "version": 1, "root": {"tensor": "a9"}}, "missing array entry 'a9'"),
        ({"format": "minigrad", "version": 1, "root": {"tensor": "__minigrad__"}}, "missing array entry"),
        ({"format": "minigrad", "version": 1, "root": {"pickle": []}}, "unknown structure node kind 'pickle'"),
        ({"format": "minigrad", "version": 1, "root": {"dict": [[{"list": []}, 1]]}}, "dict key of type list"),
        ({"format": "minigrad", "version": 1, "root": {"dict": [[1]]}}, r"\[key, value\] pair"),
        ({"format": "minigrad", "version": 1, "root": {"list": 3}}, "should hold a list"),
        ({"format": "minigrad", "version": 1, "root": [1, 2]}, "unexpected structure node"),
        ({"format": "minigrad", "version": 1, "root": {"numpy_scalar": "a0"}}, "should hold a scalar"),
        ({"format": "minigrad", "version": 1, "root": {"tensor": "a1", "requires_grad": True}}, "requires grad"),
        ({"format": "minigrad", "version": 1, "root": {"tensor": "a2"}}, "dtype <U1"),
        ({"format": "minigrad", "version": 99, "root": None}, "version 99 is not supported"),
        ({"format": "other", "version": 1, "root": None}, "not a minigrad checkpoint description"),
        ([1, 2, 3], "not a minigrad checkpoint description"),
    ],
)
def test_tampered_structures_are_value_errors(structure, message):
    arrays = {"a0": np.ones(2), "a1": np.arange(3), "a2": np.array(["x"])}
    with pytest.raises(ValueError, match=message):
        load(write_npz(arrays, structure))


def test_deeply_nested_structures_are_value_errors():
    depth = 100_000
    text = '{"format": "minigrad", "version": 1, "root": ' + '{"list": [' * depth + "null" + "]}" * depth + "}"
    buffer = io.BytesIO()
    np.savez(buffer, __minigrad__=np.frombuffer(text.encode(), dtype=np.uint8))
    buffer.seek(0)
    with pytest.raises(ValueError, match="not a valid minigrad checkpoint"):
        load(buffer)
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        save(loop, io.BytesIO())


def test_pickled_object_arrays_are_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return os.mkdir, (str(marker),)

    evil = np.empty(1, dtype=object)
    evil[0] = Exploit()
    buffer = write_npz({"a0": evil}, {"format": "minigrad", "version": 1, "root": {"ndarray": "a0"}})
    with pytest.raises(ValueError, match="pickled Python objects, which minigrad never loads"):
        load(buffer)
    assert not marker.exists()


# ---------------------------------------------------------------------------------------------- torch
def test_saved_state_dict_loads_into_torch_with_the_same_outputs(tmp_path):
    torch = pytest.importorskip("torch")
    nn = pytest.importorskip("minigrad.nn")
    if not hasattr(nn, "Linear") or not hasattr(nn, "Sequential"):
        pytest.skip("minigrad.nn.Linear / Sequential not available yet")
    minigrad.manual_seed(0)
    ours = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))
    save(ours.state_dict(), tmp_path / "model.npz")
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in load(tmp_path / "model.npz").items()})
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(minigrad.from_numpy(x)).detach().numpy(), expected, rtol=1e-6, atol=1e-6)


def test_training_resumed_from_a_checkpoint_matches_an_uninterrupted_run(tmp_path):
    nn = pytest.importorskip("minigrad.nn")
    x = minigrad.from_numpy(np.random.default_rng(0).standard_normal((16, 4)).astype(np.float32))
    y = minigrad.from_numpy(np.random.default_rng(1).integers(0, 3, 16))

    def setup():
        minigrad.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
        return model, minigrad.optim.Adam(model.parameters(), lr=0.01)

    def train(model, optimizer, steps):
        for _ in range(steps):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()

    model, optimizer = setup()
    train(model, optimizer, 5)
    expected = {k: v.numpy().copy() for k, v in model.state_dict().items()}

    model, optimizer = setup()
    train(model, optimizer, 3)
    save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, tmp_path / "ckpt.npz")
    model, optimizer = setup()
    checkpoint = load(tmp_path / "ckpt.npz")
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    assert list(checkpoint["optimizer"]["state"]) == [0, 1, 2, 3]
    train(model, optimizer, 2)
    for key, value in model.state_dict().items():
        assert value.numpy().tobytes() == expected[key].tobytes(), key
