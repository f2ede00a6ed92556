"""``default_collate`` and ``default_convert``: how a ``DataLoader`` turns samples into batches, as torch's.

>>> from minigrad.utils.data import default_collate
>>> default_collate([(1, 0.5), (2, 1.5)])
[tensor([1, 2]), tensor([0.5000, 1.5000], dtype=minigrad.float64)]
"""

import collections.abc
import numbers

import numpy as np

from ...autograd.tensor import Tensor
from ...ops.shape import stack

__all__ = ["default_collate", "default_convert"]


def _is_numeric_numpy(value):
    """NumPy arrays and scalars that hold numbers (strings and objects have no tensor form)."""
    return isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind not in "OSUV"


def default_collate(batch):
    """Merge a list of samples into a batch, the way torch's ``default_collate`` does.

    * Tensors are stacked along a new first dimension (they must have equal shapes); NumPy arrays and NumPy
      scalars become Tensors first (keeping their dtype);
    * Python floats give a float64 tensor, ints an int64 tensor, bools a bool tensor;
    * strings are returned as they are (a sequence of strings);
    * dicts are collated per key, namedtuples per field, tuples and lists per position (tuples give a list, like
      torch: ``for x, y in loader`` unpacks either).

    >>> from minigrad.utils.data import default_collate
    >>> default_collate([(minigrad.zeros(2), 1), (minigrad.ones(2), 0)])
    [tensor([[0., 0.],
            [1., 1.]]), tensor([1, 0])]
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if _is_numeric_numpy(elem):
        return stack([Tensor._wrap(np.asarray(b)) for b in batch], 0)
    if isinstance(elem, bool):
        return Tensor._wrap(np.array(batch, dtype=np.bool_))
    if isinstance(elem, numbers.Integral):
        return Tensor._wrap(np.array(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return Tensor._wrap(np.array(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([sample[key] for sample in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:  # mappings whose constructor takes other arguments (defaultdict, ...)
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(field) for field in zip(*batch)]
    raise TypeError(
        f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {type(elem)}"
    )


def default_convert(sample):
    """What ``batch_size=None`` yields: the sample with its NumPy arrays and scalars turned into Tensors (nothing
    stacked); containers are converted element by element, tuples becoming lists as in torch.

    >>> minigrad.utils.data.default_convert({'x': np.array([1, 2]), 'label': 3})
    {'x': tensor([1, 2]), 'label': 3}
    """
    if _is_numeric_numpy(sample):
        return Tensor._wrap(np.asarray(sample))
    if isinstance(sample, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(default_convert(value) for value in sample))
    if isinstance(sample, (list, tuple)):
        return [default_convert(value) for value in sample]
    return sample
