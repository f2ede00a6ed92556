"""torch's legacy tensor types: ``minigrad.FloatTensor``, ``LongTensor``, ... one per dtype.

Old scripts build tensors with them (``torch.LongTensor(labels)``, ``torch.FloatTensor(3, 4)``), test tensors
against them (``isinstance(x, torch.FloatTensor)``: a Tensor of that dtype) and convert with them
(``x.type(torch.DoubleTensor)``). Each is a class whose call follows ``minigrad.Tensor``'s legacy constructor in its
own dtype, and which refuses a Tensor of another dtype (TypeError, as torch).
"""

import numpy as np

from . import _dtype
from .autograd.tensor import Tensor, legacy_array

__all__ = [
    "tensortype",
    "FloatTensor",
    "DoubleTensor",
    "HalfTensor",
    "LongTensor",
    "IntTensor",
    "ShortTensor",
    "CharTensor",
    "ByteTensor",
    "BoolTensor",
]


class tensortype(type):
    """The metaclass of the legacy types (torch's ``torch.tensortype``): ``dtype`` names what a call makes and
    what ``isinstance`` accepts."""

    dtype: _dtype.dtype
    is_cuda = False
    is_sparse = False

    def __call__(cls, *args, device=None):
        if len(args) == 1 and isinstance(args[0], Tensor):
            if args[0].dtype != cls.dtype:
                raise TypeError(f"expected {cls.dtype} (got {args[0].dtype}) to build a {cls.__name__}")
            return args[0]
        return Tensor._new(legacy_array(args, cls.dtype))

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __repr__(cls):
        return f"<class 'minigrad.{cls.__name__}'>"


def _legacy_type(numpy_name):
    name = _dtype.torch_name(numpy_name) + "Tensor"
    doc = (
        f"torch's legacy ``{name}``: ``{name}(data)`` or ``{name}(*sizes)`` makes a {numpy_name} tensor, and "
        f"``isinstance(x, {name})`` holds for a Tensor of that dtype.\n\n"
        f">>> minigrad.{name}(2, 3).shape, isinstance(minigrad.{name}([1]), minigrad.{name})\n((2, 3), True)"
    )
    return tensortype(name, (), {"dtype": _dtype.from_numpy_dtype(np.dtype(numpy_name)), "__doc__": doc})


FloatTensor = _legacy_type("float32")
DoubleTensor = _legacy_type("float64")
HalfTensor = _legacy_type("float16")
LongTensor = _legacy_type("int64")
IntTensor = _legacy_type("int32")
ShortTensor = _legacy_type("int16")
CharTensor = _legacy_type("int8")
ByteTensor = _legacy_type("uint8")
BoolTensor = _legacy_type("bool")
