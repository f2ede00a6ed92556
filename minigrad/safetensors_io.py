"""safetensors files (the Hugging Face weights format) through the ``safetensors`` package, an optional extra
(``pip install "minigrad[safetensors]"``): flat ``{name: tensor}`` dicts such as a ``state_dict``, with optional
string metadata, interchangeable with ``safetensors.torch`` (the bytes are the same format; tensors shared in
memory are written once each, as safetensors requires distinct tensors).

>>> import tempfile, os, minigrad
>>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
>>> minigrad.save_safetensors({"w": minigrad.ones(2)}, path, metadata={"step": "3"})  # doctest: +SKIP
>>> minigrad.load_safetensors(path)  # doctest: +SKIP
{'w': tensor([1., 1.])}
"""

import numpy as np

from .autograd.tensor import Tensor

__all__ = ["save_safetensors", "load_safetensors", "safetensors_metadata"]


def _numpy_backend():
    """``safetensors.numpy``, imported on first use (an optional dependency: ``import minigrad`` stays light)."""
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            "safetensors files need the safetensors package: pip install safetensors (or minigrad[safetensors])"
        ) from None
    return safetensors.numpy


def save_safetensors(tensors, path, metadata=None):
    """Write ``{name: tensor}`` (e.g. ``model.state_dict()``) to ``path``; ``metadata`` maps strings to strings.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, 'weights.safetensors')
    ...     minigrad.save_safetensors({'w': minigrad.ones(2)}, path, metadata={'step': '10'})
    ...     print(minigrad.load_safetensors(path))
    {'w': tensor([1., 1.])}
    """
    if not isinstance(tensors, dict) or not all(isinstance(k, str) for k in tensors):
        raise TypeError("save_safetensors expects a dict of str -> Tensor")
    arrays = {}
    for name, value in tensors.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"save_safetensors: {name!r} is a {type(value).__name__}, not a Tensor")
        arrays[name] = np.ascontiguousarray(value._data)
    _numpy_backend().save_file(arrays, str(path), metadata=metadata)


def load_safetensors(path):
    """The ``{name: tensor}`` dict stored in the safetensors file at ``path``.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, 'weights.safetensors')
    ...     minigrad.save_safetensors({'w': minigrad.zeros(2, 2)}, path)
    ...     print(minigrad.load_safetensors(path)['w'].shape)
    (2, 2)
    """
    return {name: Tensor._wrap(np.array(array)) for name, array in _numpy_backend().load_file(str(path)).items()}


def safetensors_metadata(path):
    """The string metadata stored in the header of the safetensors file at ``path`` (an empty dict if none)."""
    backend = _numpy_backend()
    with backend.safe_open(str(path), framework="np") as file:
        return dict(file.metadata() or {})
