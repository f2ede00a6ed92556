"""Datasets: anything with ``__getitem__(i)`` and ``__len__``, as in ``torch.utils.data``.

* ``Dataset`` is the base class to subclass for your own data; ``IterableDataset`` the one for streams (define
  ``__iter__``; with worker processes each worker iterates its own copy, so shard it with ``get_worker_info``).
* ``TensorDataset(x, y)`` pairs tensors (or NumPy arrays) along their first dimension: item ``i`` is ``(x[i], y[i])``.
* ``ConcatDataset`` and ``StackDataset`` join datasets end to end or side by side; ``ChainDataset`` chains streams.
* ``Subset(dataset, indices)`` is a view of some items of another dataset, and ``random_split`` cuts a dataset into
  non-overlapping random subsets (given lengths, or fractions that sum to 1).

>>> import minigrad
>>> from minigrad.utils.data import TensorDataset, random_split
>>> ds = TensorDataset(minigrad.arange(10).float(), minigrad.arange(10))
>>> ds[3]
(tensor(3.), tensor(3))
>>> train, test = random_split(ds, [0.8, 0.2], generator=minigrad.Generator(0))
>>> len(train), len(test)
(8, 2)
"""

import bisect
import itertools
import math
import typing
import warnings

import numpy as np

from ... import random as _random
from ...autograd.tensor import Tensor

__all__ = [
    "Dataset",
    "IterableDataset",
    "TensorDataset",
    "ConcatDataset",
    "ChainDataset",
    "StackDataset",
    "Subset",
    "random_split",
]


_Sample = typing.TypeVar("_Sample", covariant=True)


class Dataset(typing.Generic[_Sample]):
    """Base class of map-style datasets: subclasses define ``__getitem__(index)`` and ``__len__()``.

    ``a + b`` is ``ConcatDataset([a, b])``. Generic like torch's, so ``class Pairs(Dataset[tuple])`` works.

    >>> class Squares(minigrad.utils.data.Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return i * i
    >>> both = Squares() + Squares()  # a ConcatDataset
    >>> len(both), both[5]
    (8, 1)
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of stream datasets: subclasses define ``__iter__`` (and ``__len__`` if the length is known).

    A ``DataLoader`` with ``num_workers=k`` gives each worker process its own copy and iterates all of them, so an
    unsharded stream comes out ``k`` times; ``__iter__`` shards it by reading ``get_worker_info()`` (``None`` in the
    main process, else the worker's ``id`` and ``num_workers``). ``a + b`` is ``ChainDataset([a, b])``.

    >>> class Count(minigrad.utils.data.IterableDataset):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(range(self.n))
    >>> list(minigrad.utils.data.DataLoader(Count(5), batch_size=2))
    [tensor([0, 1]), tensor([2, 3]), tensor([4])]
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples made by indexing each of ``tensors`` along its first dimension.

    ``tensors`` are minigrad Tensors or NumPy arrays (arrays are wrapped without copying) with the same first
    dimension; ``dataset[i]`` is the tuple ``(t[i] for t in tensors)``. A ``DataLoader`` over a TensorDataset takes a
    whole batch with one indexing per tensor instead of gathering items one by one.

    >>> from minigrad.utils.data import TensorDataset
    >>> data = TensorDataset(minigrad.zeros(4, 2), minigrad.arange(4))
    >>> len(data), data[1][1]
    (4, tensor(1))
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        tensors = tuple(t if isinstance(t, Tensor) else Tensor._wrap(_as_array(t)) for t in tensors)
        if any(t.ndim == 0 for t in tensors):
            raise ValueError("TensorDataset needs tensors with at least one dimension (0-d tensors have no items)")
        if any(tensors[0].shape[0] != t.shape[0] for t in tensors):
            # torch raises AssertionError here; raised explicitly so that ``python -O`` keeps the check
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


def _as_array(value):
    if not isinstance(value, np.ndarray):
        raise TypeError(f"TensorDataset expects Tensors or NumPy arrays, got {type(value).__name__}")
    return value


class ConcatDataset(Dataset):
    """The items of ``datasets`` one after the other: item ``i`` is found by bisecting ``cumulative_sizes``.

    >>> from minigrad.utils.data import ConcatDataset
    >>> data = ConcatDataset([range(3), range(10, 12)])
    >>> len(data), data[3]
    (5, 10)
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """The streams of ``datasets`` (IterableDatasets) one after the other, chained lazily.

    >>> class Count(minigrad.utils.data.IterableDataset):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(range(self.n))
    >>> list(minigrad.utils.data.ChainDataset([Count(2), Count(3)]))
    [0, 1, 0, 1, 2]
    """

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for dataset in self.datasets:
            if not isinstance(dataset, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from dataset

    def __len__(self):
        return sum(len(dataset) for dataset in self.datasets)


class StackDataset(Dataset):
    """Datasets of equal length side by side: item ``i`` is ``(d[i] for d in args)`` or ``{k: d[i]}`` for
    ``kwargs``.

    >>> minigrad.utils.data.StackDataset([1, 2], ['a', 'b'])[1]
    (2, 'b')
    """

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError(
                "Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                "input/output, but both types are given."
            )
        datasets = args or kwargs
        lengths = {len(d) for d in (args or kwargs.values())}
        if not lengths:
            raise ValueError("At least one dataset should be passed")
        if len(lengths) > 1:
            raise ValueError("Size mismatch between datasets")
        self.datasets = datasets
        self._length = lengths.pop()

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {key: dataset[index] for key, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    def __len__(self):
        return self._length


class Subset(Dataset):
    """The items of ``dataset`` at ``indices`` (a sequence of ints), in that order.

    >>> from minigrad.utils.data import Subset
    >>> list(Subset(range(10), [2, 5]))
    [2, 5]
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random ``Subset``\\ s of the given ``lengths``.

    ``lengths`` are item counts summing to ``len(dataset)``, or fractions summing to 1: each split then gets
    ``floor(fraction * len(dataset))`` items and the remainder is dealt out one item at a time, round robin, from
    the first split (torch's rule). The permutation is drawn from ``generator`` (a ``minigrad.Generator``; default:
    the module generator seeded by ``minigrad.manual_seed``).

    >>> from minigrad.utils.data import random_split
    >>> [len(part) for part in random_split(range(10), [7, 3])]
    [7, 3]
    """
    lengths = list(lengths)
    total = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, fraction in enumerate(lengths):
            if fraction < 0 or fraction > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            counts.append(math.floor(total * fraction))
        for i in range(total - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.", stacklevel=2
                )
        lengths = counts
    if any(isinstance(n, float) and not n.is_integer() for n in lengths) or any(n < 0 for n in lengths):
        raise ValueError(f"lengths must be non-negative item counts or fractions summing to 1, got {lengths}")
    lengths = [int(n) for n in lengths]
    if sum(lengths) != total:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = _random.generator(generator).permutation(total).tolist()
    return [Subset(dataset, order[end - n : end]) for end, n in zip(itertools.accumulate(lengths), lengths)]
