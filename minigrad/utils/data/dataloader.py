"""``DataLoader``: iterate over a dataset in (optionally shuffled) mini-batches, as ``torch.utils.data.DataLoader``.

Each pass (each ``iter(loader)``, i.e. each epoch) orders the indices — ``0..n-1``, or a fresh random permutation
when ``shuffle=True`` — cuts them into batches of ``batch_size`` and turns each batch of samples into tensors with
``collate_fn`` (default: ``default_collate``, which stacks them).

When the dataset is a ``TensorDataset`` (or a ``Subset`` of one, as ``random_split`` makes) and the default collate
is used, a batch is taken with one fancy-indexing per tensor (``x[batch_indices]``) instead of fetching and stacking
``batch_size`` items one at a time: same result, far less Python work.

Loading always happens in the calling process: ``num_workers``, ``pin_memory`` and the other multiprocessing
arguments are accepted so that torch code runs unchanged, and ignored.

>>> import minigrad
>>> from minigrad.utils.data import DataLoader, TensorDataset
>>> loader = DataLoader(TensorDataset(minigrad.arange(5).float(), minigrad.arange(5)), batch_size=2)
>>> [y.tolist() for x, y in loader]
[[0, 1], [2, 3], [4]]
"""
import collections.abc
import math
import numbers

import numpy as np

from ... import random as _random
from ...ops.shape import stack
from ...autograd.tensor import Tensor
from .dataset import Subset, TensorDataset

__all__ = ["DataLoader", "default_collate", "default_convert"]


def default_collate(batch):
    """Merge a list of samples into a batch, the way torch's ``default_collate`` does.

    * Tensors are stacked along a new first dimension (they must have equal shapes); NumPy arrays and NumPy
      scalars become Tensors first (keeping their dtype);
    * Python floats give a float64 tensor, ints an int64 tensor, bools a bool tensor;
    * strings are returned as they are (a sequence of strings);
    * dicts are collated per key, namedtuples per field, tuples and lists per position (tuples give a list, like
      torch: ``for x, y in loader`` unpacks either).
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, (np.ndarray, np.generic)) and elem.dtype.kind not in "OSUV":
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
    raise TypeError("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(elem)}")


def default_convert(sample):
    """What ``batch_size=None`` yields: the sample with its NumPy arrays turned into Tensors (nothing stacked)."""
    if isinstance(sample, np.ndarray) and sample.dtype.kind not in "OSUV":
        return Tensor._wrap(sample)
    if isinstance(sample, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(default_convert(value) for value in sample))
    if isinstance(sample, (list, tuple)):
        return [default_convert(value) for value in sample]
    return sample


def _batch_fetcher(dataset):
    """``fetch(indices) -> [field batches]`` for a TensorDataset reached through plain Subsets, else None.

    Subclasses that override ``__getitem__`` may return something else per item, so they take the generic path.
    """
    maps = []
    while type(dataset).__getitem__ is Subset.__getitem__ and isinstance(dataset, Subset):
        maps.append(np.asarray(dataset.indices, dtype=np.int64))
        dataset = dataset.dataset
    if not (isinstance(dataset, TensorDataset) and type(dataset).__getitem__ is TensorDataset.__getitem__):
        return None
    tensors = dataset.tensors

    def fetch(indices):
        for mapping in maps:
            indices = mapping[indices]
        return [t[indices] for t in tensors]
    return fetch


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Parameters (torch's names and order)
    ------------------------------------
    dataset : a map-style dataset (``__getitem__`` and ``__len__``).
    batch_size : samples per batch (default 1); ``None`` yields single samples, unbatched.
    shuffle : draw a new random order every epoch, from ``generator`` (default: the module generator, so
        ``minigrad.manual_seed`` makes it reproducible).
    sampler : an iterable of indices to use instead of ``0..n-1`` (excludes ``shuffle``).
    batch_sampler : an iterable of lists of indices, one list per batch (excludes ``batch_size``, ``shuffle``,
        ``sampler`` and ``drop_last``).
    collate_fn : turns a list of samples into a batch (default ``default_collate``).
    drop_last : drop the last batch when it is smaller than ``batch_size``.
    generator : a ``minigrad.Generator`` for the shuffle.

    ``len(loader)`` is the number of batches per epoch.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size = None
        elif batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                         or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        if generator is not None and not isinstance(generator, _random.Generator):
            raise TypeError(f"generator must be a minigrad.Generator, got {type(generator).__name__}")
        if batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.generator = generator
        self._fetch = _batch_fetcher(dataset) if collate_fn is None else None

    def _indices(self):
        """The sample order for one epoch."""
        if self.sampler is not None:
            return list(self.sampler)
        n = len(self.dataset)
        if self.shuffle:
            return _random.generator(self.generator).permutation(n)
        return np.arange(n)

    def _batches(self):
        if self.batch_sampler is not None:
            return iter(self.batch_sampler)
        indices = self._indices()
        size = self.batch_size
        stop = len(indices) - len(indices) % size if self.drop_last else len(indices)
        return (indices[start:start + size] for start in range(0, stop, size))

    def __iter__(self):
        if self.batch_size is None and self.batch_sampler is None:
            convert = self.collate_fn or default_convert
            for index in self._indices():
                yield convert(self.dataset[int(index)])
            return
        for batch in self._batches():
            if self._fetch is not None:
                yield self._fetch(np.asarray(batch, dtype=np.int64))
            else:
                yield (self.collate_fn or default_collate)([self.dataset[int(i)] for i in batch])

    def __len__(self):
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
