"""``Parameter``: a Tensor that a Module registers as one of its learnable weights.

Assigning a Parameter to a Module attribute (``self.weight = Parameter(...)``) adds it to the Module's
``parameters()``, ``state_dict()`` and everything an optimizer is given. Apart from that it is an ordinary leaf
Tensor that requires grad; operations on it return plain Tensors.

>>> w = Parameter(minigrad.zeros(2))
>>> w
Parameter containing:
tensor([0., 0.], requires_grad=True)
"""

import numpy as np

from .. import _shared
from ..autograd.tensor import Tensor, _infer_array

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A leaf Tensor registered as a learnable weight when assigned to a Module attribute.

    ``data`` is a Tensor (whose memory is shared, like torch), an array or anything ``minigrad.tensor`` accepts;
    None gives an empty float32 tensor.

    >>> p = nn.Parameter(minigrad.zeros(2))
    >>> p.requires_grad
    True
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            array = np.empty((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            array = data._data  # shared, as torch.nn.Parameter(t) shares t's storage
        else:
            array = _infer_array(data, None)
        self._init(array)
        if isinstance(data, Tensor):
            self._version_counter = data._shared_version_counter()
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        name = _shared.name_of(self._data)
        if name is not None:  # a shared parameter is the same memory in the process that unpickles it
            return (_rebuild_shared, (name, self._data.shape, self._data.dtype.str, self.requires_grad))
        return (Parameter, (self._data, self.requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = Parameter(self._data.copy(), self.requires_grad)
        memo[id(self)] = result
        return result


def _rebuild_shared(name, shape, dtype, requires_grad):
    """Unpickling a shared parameter: a Parameter over the same shared block, attached in this process."""
    return Parameter(Tensor._wrap(_shared.attach(name, shape, dtype)), requires_grad)
