"""minigrad's dtypes and PyTorch's type-promotion rules.

A :class:`dtype` names a NumPy dtype the way torch does (``minigrad.float32`` prints as ``minigrad.float32``).
Promotion follows torch, not NumPy, in the two places they differ:

* a Python scalar never widens a tensor of its own category (``float32_tensor * 2.5`` stays float32) and a
  float scalar turns an integer tensor into the *default* float dtype, float32 (NumPy would give float64);
* a 0-d tensor only decides the result when its category (bool < integer < floating) is higher than that of
  every dimensioned operand (``float32 (3,) + float64 0-d`` is float32).
"""

import builtins

import numpy as np

__all__ = [
    "dtype",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "half",
    "float",
    "double",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "long",
    "int",
    "short",
    "bool",
    "get_default_dtype",
    "as_numpy_dtype",
    "from_numpy_dtype",
    "result_type",
]


class dtype:
    """A tensor element type; ``.numpy`` is the matching ``numpy.dtype``.

    >>> minigrad.float32.numpy
    dtype('float32')
    >>> minigrad.tensor([1.0]).dtype == minigrad.float32
    True
    """

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize")

    def __init__(self, name):
        self.name = name
        self.numpy = np.dtype(name)
        self.is_floating_point = self.numpy.kind == "f"
        self.is_signed = self.numpy.kind in "fi"
        self.itemsize = self.numpy.itemsize

    def __repr__(self):
        return f"minigrad.{self.name}"

    def __reduce__(self):  # dtypes are singletons, also across copy/pickle
        return (_by_name, (self.name,))


def _by_name(name):
    return _DTYPES[np.dtype(name)]


float16 = half = dtype("float16")
float32 = float = dtype("float32")
float64 = double = dtype("float64")
int8 = dtype("int8")
int16 = short = dtype("int16")
int32 = int = dtype("int32")
int64 = long = dtype("int64")
uint8 = dtype("uint8")
bool = dtype("bool")

_DTYPES = {d.numpy: d for d in (float16, float32, float64, int8, int16, int32, int64, uint8, bool)}


class _NameOnly(dtype):
    """A torch dtype that minigrad names but cannot store, because NumPy has no such type (``bfloat16``).

    Scripts name it in tables and tests (nanoGPT: ``{'float32': torch.float32, 'bfloat16': torch.bfloat16}[dtype]``);
    making or converting a tensor with it raises TypeError."""

    __slots__ = ()

    def __init__(self, name, itemsize):
        self.name, self.numpy, self.itemsize = name, None, itemsize
        self.is_floating_point = self.is_signed = True

    def __reduce__(self):  # the module attribute of the same name: a singleton across pickling
        return self.name


bfloat16 = _NameOnly("bfloat16", 2)


_default_float = [float32]  # one slot, changed by set_default_dtype


def get_default_dtype():
    """The dtype of floating tensors made without one (from Python floats, ``zeros``, ``Linear``...): float32
    unless ``set_default_dtype`` changed it.

    >>> minigrad.get_default_dtype()
    minigrad.float32
    """
    return _default_float[0]


def set_default_dtype(d):
    """Make ``d`` (float16, float32 or float64) the default floating dtype, as torch's.

    >>> minigrad.set_default_dtype(minigrad.float64)
    >>> minigrad.tensor([1.0]).dtype
    minigrad.float64
    >>> minigrad.set_default_dtype(minigrad.float32)
    """
    d = d if isinstance(d, dtype) else from_numpy_dtype(np.dtype(d))
    if np.dtype(as_numpy_dtype(d)).kind != "f":
        raise TypeError("only floating-point types are supported as the default type")
    _default_float[0] = d


def from_numpy_dtype(np_dtype):
    """Return the minigrad dtype for a NumPy dtype, or raise TypeError for one minigrad does not support."""
    try:
        return _DTYPES[np_dtype]
    except KeyError:
        raise TypeError(
            f"minigrad does not support arrays of dtype {np_dtype}; supported: "
            f"{', '.join(sorted(d.name for d in _DTYPES.values()))}"
        ) from None


def as_numpy_dtype(d):
    """Turn a minigrad dtype, NumPy dtype, dtype name or Python type (float, int, bool) into a ``numpy.dtype``."""
    if isinstance(d, dtype):
        if d.numpy is None:
            raise TypeError(f"minigrad has no {d.name} tensors (NumPy has no {d.name} type): use float32 or float16")
        return d.numpy
    if d is builtins.float:
        return float32.numpy
    if d is builtins.int:
        return int64.numpy
    if d is builtins.bool:
        return bool.numpy
    try:
        np_dtype = np.dtype(d)
    except TypeError:
        raise TypeError(f"dtype must be a minigrad dtype, got {d!r}") from None
    return from_numpy_dtype(np_dtype).numpy


def _category(np_dtype):
    """0 for bool, 1 for integers, 2 for floating point."""
    return {"b": 0, "u": 1, "i": 1, "f": 2}[np_dtype.kind]


def can_cast(source, target):
    """torch's rule for writing a result into an existing tensor: never to a lower category (a float result
    into an integer tensor, an integer one into a bool tensor); within a category any width goes."""
    return _category(source) <= _category(target)


_TORCH_NAMES = {
    "float16": "Half",
    "float32": "Float",
    "float64": "Double",
    "int8": "Char",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "uint8": "Byte",
    "bool": "Bool",
}


def torch_name(np_dtype):
    """The name torch's error messages give a dtype (``int64`` -> ``'Long'``)."""
    return _TORCH_NAMES.get(np.dtype(np_dtype).name, np.dtype(np_dtype).name)


_SCALAR_CATEGORY_DEFAULT = {0: np.dtype(np.bool_), 1: np.dtype(np.int64), 2: np.dtype(np.float32)}


def _scalar_category(value):
    if isinstance(value, (builtins.bool, np.bool_)):
        return 0
    if isinstance(value, (builtins.int, np.integer)):
        return 1
    if isinstance(value, (builtins.float, np.floating)):
        return 2
    raise TypeError(f"unsupported operand of type {type(value).__name__}")


def result_type(*operands):
    """The NumPy dtype torch gives an operation on ``operands`` (arrays standing for tensors, or Python scalars).

    Dimensioned arrays decide first; 0-d arrays, then Python scalars, only take over when their category is
    higher (see the module docstring).
    """
    dimensioned = [op.dtype for op in operands if isinstance(op, np.ndarray) and op.ndim]
    zero_dim = [op.dtype for op in operands if isinstance(op, np.ndarray) and not op.ndim]
    scalars = [op for op in operands if not isinstance(op, np.ndarray)]
    result = None
    for tier in (dimensioned, zero_dim):
        if tier:
            top = builtins.max(_category(d) for d in tier)  # float32 + int64 is float32 in torch
            candidate = np.result_type(*[d for d in tier if _category(d) == top])
            if result is None or _category(candidate) > _category(result):
                result = candidate
    for value in scalars:
        category = _scalar_category(value)
        if result is None or category > _category(result):
            result = _SCALAR_CATEGORY_DEFAULT[category]
    return result
