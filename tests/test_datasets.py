"""minigrad.datasets: scikit-learn's digits, IDX reading/writing with clear errors, and MNIST from IDX files."""

import gzip
import os
import sys

import numpy as np
import pytest

import minigrad
from minigrad.datasets import MNIST, load_digits, read_idx, write_idx
from minigrad.utils.data import DataLoader
from minigrad.utils.data._fetch import _tensor_batch_reader


# ------------------------------------------------------------------------------------------------ digits
def test_load_digits_shapes_dtypes_and_scaling():
    pytest.importorskip("sklearn")
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert sorted(set(y.tolist())) == list(range(10))


def test_load_digits_without_scikit_learn_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"pip install scikit-learn.*minigrad\[examples\]"):
        load_digits()


# --------------------------------------------------------------------------------------------------- IDX
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_round_trip(tmp_path, dtype, suffix):
    array = (
        (np.arange(60).reshape(3, 4, 5) * 3 - 20).astype(dtype)
        if dtype != np.uint8
        else np.arange(60, dtype=np.uint8).reshape(3, 4, 5)
    )
    path = tmp_path / f"data.idx{suffix}"
    write_idx(path, array)
    result = read_idx(path)
    assert result.dtype == array.dtype and result.dtype.isnative
    np.testing.assert_array_equal(result, array)


def test_idx_header_is_big_endian_mnist_style(tmp_path):
    write_idx(tmp_path / "images", np.zeros((2, 28, 28), np.uint8))
    write_idx(tmp_path / "labels", np.zeros(2, np.uint8))
    assert (tmp_path / "images").read_bytes()[:16] == bytes.fromhex("00000803 00000002 0000001c 0000001c")
    assert (tmp_path / "labels").read_bytes()[:8] == bytes.fromhex("00000801 00000002")


def test_gzip_is_detected_by_content_not_name(tmp_path):
    write_idx(tmp_path / "labels.gz", np.arange(5, dtype=np.uint8))
    os.rename(tmp_path / "labels.gz", tmp_path / "labels")
    assert read_idx(tmp_path / "labels").tolist() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "too short"),
        (b"\x00\x00", "too short"),
        (b"PK\x03\x04rest", r"not an IDX file \(magic number 0x504b0304"),
        (bytes.fromhex("00000703 00000001"), r"not an IDX file \(magic number 0x00000703"),
        (bytes.fromhex("00000800"), "not an IDX file"),
        (bytes.fromhex("00000803 00000001 0000001c"), "truncated IDX header"),
        (bytes.fromhex("00000801 00000003") + b"\x01\x02", r"payload has 2 bytes but dimensions \(3,\)"),
        (bytes.fromhex("00000801 00000003") + b"\x01\x02\x03\x04", "payload has 4 bytes"),
        (bytes.fromhex("00000c01 00000002") + b"\x00" * 7, "of int32 need 8"),
    ],
)
def test_bad_idx_files_raise_clear_value_errors(tmp_path, content, message):
    path = tmp_path / "bad"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_corrupt_and_truncated_gzip(tmp_path):
    packed = gzip.compress(bytes.fromhex("00000801 00000003") + b"\x01\x02\x03")
    (tmp_path / "cut.gz").write_bytes(packed[:-6])
    with pytest.raises(ValueError, match="corrupt gzip data"):
        read_idx(tmp_path / "cut.gz")
    (tmp_path / "garbage.gz").write_bytes(b"\x1f\x8b" + b"\xff" * 30)
    with pytest.raises(ValueError, match="corrupt gzip data"):
        read_idx(tmp_path / "garbage.gz")


def test_write_idx_refuses_unsupported_arrays(tmp_path):
    with pytest.raises(ValueError, match="int64"):
        write_idx(tmp_path / "x", np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="0 dimensions"):
        write_idx(tmp_path / "x", np.uint8(3))


# ------------------------------------------------------------------------------------------------- MNIST
def write_mnist(folder, n_train=12, n_test=5, gz=True, seed=0):
    """Tiny synthetic MNIST: random images whose label is written in pixel (0, 0)."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    suffix = ".gz" if gz else ""
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
        images[:, 0, 0] = labels
        write_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte{suffix}"), images)
        write_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte{suffix}"), labels)


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_reads_train_and_test(tmp_path, gz):
    write_mnist(tmp_path, gz=gz)
    train, test = MNIST(tmp_path), MNIST(tmp_path, train=False)
    assert len(train) == 12 and len(test) == 5
    assert train.data.shape == (12, 784) and train.data.dtype == minigrad.float32
    assert train.targets.shape == (12,) and train.targets.dtype == minigrad.int64
    assert 0.0 <= train.data.numpy().min() and train.data.numpy().max() <= 1.0
    np.testing.assert_allclose(train.data.numpy()[:, 0] * 255, train.targets.numpy(), atol=1e-4)
    x, y = train[3]
    assert x.shape == (784,) and y.item() == train.targets[3].item()


def test_mnist_in_torchvision_layout_and_through_a_loader(tmp_path):
    write_mnist(tmp_path / "MNIST" / "raw")
    loader = DataLoader(MNIST(tmp_path), batch_size=5, shuffle=True, generator=minigrad.Generator(0))
    assert (
        _tensor_batch_reader(loader.dataset) is not None
    )  # MNIST is a TensorDataset: batches come from one indexing per tensor
    assert [x.shape for x, _ in loader] == [(5, 784), (5, 784), (2, 784)]


def test_missing_mnist_files_name_them_and_where_to_get_them(tmp_path):
    write_mnist(tmp_path)
    os.remove(tmp_path / "t10k-labels-idx1-ubyte.gz")
    MNIST(tmp_path)  # the training pair is complete
    with pytest.raises(FileNotFoundError) as info:
        MNIST(tmp_path, train=False)
    message = str(info.value)
    assert "t10k-labels-idx1-ubyte" in message and "t10k-images" not in message.split("missing")[1].split("(")[0]
    assert "https://" in message and "download=True" in message


def test_mnist_rejects_inconsistent_files(tmp_path):
    write_mnist(tmp_path, gz=False)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(11, np.uint8))
    with pytest.raises(ValueError, match="expected 12 unsigned-byte labels"):
        MNIST(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.full(12, 10, np.uint8))
    with pytest.raises(ValueError, match="digits 0-9"):
        MNIST(tmp_path)
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((12, 28, 27), np.uint8))
    with pytest.raises(ValueError, match=r"shape \(N, 28, 28\)"):
        MNIST(tmp_path)
