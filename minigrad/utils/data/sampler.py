"""Samplers: what order a ``DataLoader`` visits a dataset's indices in, as ``torch.utils.data``'s samplers.

A sampler is an iterable of indices (``BatchSampler``: of lists of indices) with a ``__len__``. The random ones
draw from a ``minigrad.Generator`` (default: the module generator that ``minigrad.manual_seed`` seeds). They draw
lazily, a permutation of the dataset or a chunk of 32 indices at a time, so that ``num_samples=10**12`` costs no
memory up front.

Same as torch: the index sequences of ``SequentialSampler`` and ``BatchSampler`` and every length, error and
argument. Different from torch: the random streams (ours come from NumPy's PCG64, torch's from its own Mersenne
Twister), so a random sampler seeded alike draws other indices with the same distribution.

>>> import minigrad
>>> from minigrad.utils.data import BatchSampler, SequentialSampler
>>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
[[0, 1], [2, 3], [4]]
"""

import itertools
import typing

import numpy as np

from ... import random as _random

__all__ = [
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
]

_CHUNK = 32  # indices drawn per call when sampling with replacement (torch's chunk size)


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value}")


_Index = typing.TypeVar("_Index", covariant=True)


class Sampler(typing.Generic[_Index]):
    """Base class of samplers: subclasses define ``__iter__`` (the indices) and usually ``__len__``.

    Generic like torch's, so ``class MySampler(Sampler[int])`` works.

    >>> class Backwards(minigrad.utils.data.Sampler):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(range(self.n - 1, -1, -1))
    ...     def __len__(self):
    ...         return self.n
    >>> list(minigrad.utils.data.DataLoader([10, 20, 30], sampler=Backwards(3)))
    [tensor([30]), tensor([20]), tensor([10])]
    """

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``.

    >>> from minigrad.utils.data import SequentialSampler
    >>> list(SequentialSampler(range(3)))
    [0, 1, 2]
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices into ``data_source``.

    Without replacement: a fresh random permutation per pass (``num_samples`` larger than the dataset chains
    several permutations, the last one cut short). With replacement: ``num_samples`` independent uniform draws in
    ``[0, len(data_source))``, made 32 at a time. ``num_samples`` defaults to ``len(data_source)``.

    With ``generator=None`` each pass seeds a private generator from one draw of the module generator (as torch),
    so that other random calls made while iterating (data augmentation in ``__getitem__``) don't change the order.

    >>> from minigrad.utils.data import RandomSampler
    >>> sorted(RandomSampler(range(4)))
    [0, 1, 2, 3]
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        _check_positive_int("num_samples", self.num_samples)

    @property
    def num_samples(self):
        """Indices per pass: the ``num_samples`` given, else the dataset's length (read at each use)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, wanted = len(self.data_source), self.num_samples
        if self.generator is None:
            rng = np.random.Generator(np.random.PCG64(int(_random.generator().integers(2**63))))
        else:
            rng = _random.generator(self.generator)
        if self.replacement:
            for _ in range(wanted // _CHUNK):
                yield from rng.integers(0, n, _CHUNK).tolist()
            yield from rng.integers(0, n, wanted % _CHUNK).tolist()
            return
        for _ in range(wanted // n):
            yield from rng.permutation(n).tolist()
        yield from rng.permutation(n)[: wanted % n].tolist()

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The elements of ``indices`` in a fresh random order each pass.

    >>> from minigrad.utils.data import SubsetRandomSampler
    >>> sorted(SubsetRandomSampler([1, 4, 7]))
    [1, 4, 7]
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for position in _random.generator(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[position]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in ``[0, len(weights))``, index ``i`` drawn with probability ``weights[i] / sum``.

    ``weights`` need not sum to one. Without replacement an index is drawn at most once (then ``num_samples`` may
    not exceed the number of non-zero weights).

    >>> from minigrad.utils.data import WeightedRandomSampler
    >>> list(WeightedRandomSampler([0.0, 1.0], num_samples=3))
    [1, 1, 1]
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        _check_positive_int("num_samples", num_samples)
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights, dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {weights.shape}")
        self.weights = weights
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        if not self.replacement and self.num_samples > np.count_nonzero(self.weights):
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        rng = _random.generator(self.generator)
        drawn = rng.choice(
            len(self.weights), self.num_samples, replace=self.replacement, p=self.weights / self.weights.sum()
        )
        yield from drawn.tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter unless ``drop_last``).

    >>> from minigrad.utils.data import BatchSampler, SequentialSampler
    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        _check_positive_int("batch_size", batch_size)
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        indices = iter(self.sampler)
        while True:
            batch = list(itertools.islice(indices, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
