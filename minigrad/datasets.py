"""Small real datasets for the examples: scikit-learn's 8x8 digits, and MNIST read from its IDX files.

* ``load_digits()`` returns NumPy arrays ``(X, y)``: 1797 images of 8x8 pixels (``X`` float32 (1797, 64) in [0, 1])
  and their digit labels (``y`` int64). It needs scikit-learn, which ships the data (no download).
* ``read_idx(path)`` reads one IDX file (the format MNIST is distributed in), gzipped or not, into a NumPy array;
  ``write_idx(path, array)`` writes one.
* ``MNIST(root, train=True)`` is a ``TensorDataset`` of the 60000 training (or 10000 test) images, read from the
  four IDX files in ``root``. minigrad downloads nothing: see ``MNIST_FILES`` and the error message for where to get
  them.

>>> from minigrad.datasets import load_digits
>>> X, y = load_digits()
>>> X.shape, X.dtype, y[:5]
((1797, 64), dtype('float32'), array([0, 1, 2, 3, 4]))
"""

import gzip
import os
import zlib

import numpy as np

from .autograd.tensor import Tensor
from .utils.data.dataset import TensorDataset

__all__ = ["load_digits", "read_idx", "write_idx", "MNIST", "MNIST_FILES", "MNIST_URL"]


def load_digits():
    """The UCI handwritten digits bundled with scikit-learn, scaled for training.

    Returns ``(X, y)``: ``X`` float32 of shape (1797, 64), each row an 8x8 image flattened row by row with pixel
    intensities divided by 16 so they lie in [0, 1]; ``y`` int64 of shape (1797,) with the digits 0-9.
    """
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError:
        raise ImportError(
            "load_digits() needs scikit-learn, which ships the digits data: "
            "pip install scikit-learn  (or pip install minigrad[examples])"
        ) from None
    digits = sklearn_load_digits()
    return (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int64)


# IDX type codes -> big-endian NumPy dtypes (the format stores multi-byte numbers most significant byte first)
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path):
    """Read an IDX file (``.gz`` or raw) into a NumPy array of native byte order.

    The IDX layout: two zero bytes, a type code byte (0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64), a byte giving the number of dimensions, then each dimension as a big-endian
    uint32, then the values in C order. MNIST's image files start with the magic number 0x00000803 (ubyte, 3 dims:
    count, rows, cols) and its label files with 0x00000801 (ubyte, 1 dim).

    Raises ``ValueError`` naming the file when the header is not IDX, the payload is shorter or longer than the
    dimensions say, or a ``.gz`` file is corrupt.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":  # the gzip magic: decide by content, not by the file name
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            raise ValueError(f"{path}: corrupt gzip data ({error})") from None
    if len(raw) < 4:
        raise ValueError(f"{path}: too short to be an IDX file ({len(raw)} bytes)")
    magic = int.from_bytes(raw[:4], "big")
    if raw[:2] != b"\x00\x00" or raw[2] not in _IDX_DTYPES or raw[3] == 0:
        raise ValueError(
            f"{path}: not an IDX file (magic number {magic:#010x}; expected 0x000008NN for unsigned "
            "bytes, e.g. 0x00000803 for images or 0x00000801 for labels)"
        )
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes, {ndim} dimensions need {header})")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{path}: IDX payload has {len(raw) - header} bytes but dimensions {shape} of "
            f"{dtype.name} need {expected}: the file is truncated or corrupt"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path, array):
    """Write ``array`` (uint8, int8, int16, int32, float32 or float64) as an IDX file; gzipped if ``path`` ends in .gz.

    The inverse of ``read_idx``: e.g. ``write_idx("train-labels-idx1-ubyte", labels.astype(np.uint8))``.
    """
    array = np.asarray(array)
    codes = {dtype.newbyteorder("="): code for code, dtype in _IDX_DTYPES.items()}
    if array.dtype not in codes or not 1 <= array.ndim <= 255:
        raise ValueError(
            f"IDX holds 1 to 255 dimensions of uint8, int8, int16, int32, float32 or float64; got "
            f"{array.ndim} dimensions of {array.dtype}"
        )
    header = bytes([0, 0, codes[array.dtype], array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    raw = header + array.astype(_IDX_DTYPES[codes[array.dtype]]).tobytes()
    path = os.fspath(path)
    with open(path, "wb") as f:
        f.write(gzip.compress(raw) if path.endswith(".gz") else raw)


MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
MNIST_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _find_idx(root, name):
    """``root/name`` or ``root/name.gz``, also under ``root/MNIST/raw`` (where torchvision puts them)."""
    for folder in (root, os.path.join(root, "MNIST", "raw")):
        for candidate in (name, name + ".gz"):
            path = os.path.join(folder, candidate)
            if os.path.isfile(path):
                return path
    return None


class MNIST(TensorDataset):
    """The MNIST digits from the IDX files in ``root``, as a ``TensorDataset`` of ``(image, label)`` pairs.

    ``train=True`` reads ``train-images-idx3-ubyte`` / ``train-labels-idx1-ubyte`` (60000 images), ``train=False``
    the ``t10k-*`` pair (10000 images); each may be gzipped (``.gz``) and may sit in ``root`` or ``root/MNIST/raw``.

    Attributes (Tensors): ``data`` float32 of shape (N, 784) — each 28x28 image flattened row by row, pixels divided
    by 255 so they lie in [0, 1] — ready for an MLP (use ``data.reshape(-1, 1, 28, 28)`` for image-shaped input);
    ``targets`` int64 of shape (N,). ``dataset[i]`` is ``(data[i], targets[i])``.
    """

    def __init__(self, root, train=True):
        root = os.fspath(root)
        names = MNIST_FILES[bool(train)]
        paths = [_find_idx(root, name) for name in names]
        if None in paths:
            missing = [name for name, path in zip(names, paths) if path is None]
            raise FileNotFoundError(
                f"MNIST {'training' if train else 'test'} files not found in {root!r}: missing "
                f"{', '.join(missing)} (each may also be .gz, in {root!r} or {os.path.join(root, 'MNIST', 'raw')!r}). "
                f"Download the MNIST files ({', '.join(n + '.gz' for pair in MNIST_FILES.values() for n in pair)}) "
                f"from {MNIST_URL} into that folder (torchvision.datasets.MNIST(root, download=True) fetches the "
                "same files into root/MNIST/raw)."
            )
        images, labels = (read_idx(path) for path in paths)
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
            raise ValueError(
                f"{paths[0]}: expected unsigned-byte images of shape (N, 28, 28), got {images.dtype} {images.shape}"
            )
        if labels.dtype != np.uint8 or labels.ndim != 1 or len(labels) != len(images):
            raise ValueError(
                f"{paths[1]}: expected {len(images)} unsigned-byte labels to match the images, got "
                f"{labels.dtype} {labels.shape}"
            )
        if labels.size and labels.max() > 9:
            raise ValueError(f"{paths[1]}: labels must be digits 0-9, found {labels.max()}")
        self.train = bool(train)
        self.data = Tensor._wrap(images.reshape(len(images), 784).astype(np.float32) / np.float32(255))
        self.targets = Tensor._wrap(labels.astype(np.int64))
        super().__init__(self.data, self.targets)
