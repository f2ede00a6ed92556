"""Fetchers: turn what the DataLoader's index sampler yields into a batch, in whichever process loads it.

A map-style fetcher gets a list of indices (or one index without auto-batching) and reads those items; an
iterable-style fetcher gets a list of ``None`` placeholders (their count is the batch size) and takes that many
items from its own iterator over the dataset. Both apply the collate function.
"""

import numpy as np

from .collate import default_collate
from .dataset import IterableDataset, Subset, TensorDataset

__all__ = ["make_fetcher"]


def _tensor_batch_reader(dataset):
    """``read(indices) -> [field batches]`` for a TensorDataset reached through plain Subsets, else None.

    It gives what ``default_collate`` of the items would, with one fancy-indexing per tensor instead of fetching
    and stacking ``batch_size`` items one at a time. Subclasses that override ``__getitem__`` may return something
    else per item, so they take the generic path.
    """
    maps = []
    while type(dataset).__getitem__ is Subset.__getitem__ and isinstance(dataset, Subset):
        maps.append(np.asarray(dataset.indices, dtype=np.int64))
        dataset = dataset.dataset
    if not (isinstance(dataset, TensorDataset) and type(dataset).__getitem__ is TensorDataset.__getitem__):
        return None
    tensors = dataset.tensors

    def read(indices):
        indices = np.asarray(indices, dtype=np.int64)
        for mapping in maps:
            indices = mapping[indices]
        return [t[indices] for t in tensors]

    return read


class _MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.read_batch = _tensor_batch_reader(dataset) if auto_collation and collate_fn is default_collate else None

    def fetch(self, index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self.read_batch is not None:
            return self.read_batch(index)
        getitems = getattr(self.dataset, "__getitems__", None)  # torch's hook for datasets that read batches
        return self.collate_fn(getitems(index) if getitems else [self.dataset[i] for i in index])


class _IterableFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.iterator = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, placeholders):
        """The next batch of ``len(placeholders)`` items (the last one may be short); StopIteration at the end."""
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        items = []
        for _ in placeholders:
            try:
                items.append(next(self.iterator))
            except StopIteration:
                self.ended = True
                break
        if not items or (self.drop_last and len(items) < len(placeholders)):
            raise StopIteration
        return self.collate_fn(items)


def make_fetcher(dataset, auto_collation, collate_fn, drop_last):
    """The fetcher for ``dataset``; an iterable one starts a fresh iteration over it."""
    if isinstance(dataset, IterableDataset):
        return _IterableFetcher(dataset, auto_collation, collate_fn, drop_last)
    return _MapFetcher(dataset, auto_collation, collate_fn)
