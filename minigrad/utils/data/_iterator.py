"""One pass over a DataLoader: the state shared by both ways of loading, and loading in the calling process.

Every pass draws a base seed from the loader's generator first (used by worker processes to seed themselves), as
torch does with or without workers: a generator therefore advances alike for any ``num_workers``, and a seeded
loader yields the same batches whatever ``num_workers`` is.
"""

from ... import random as _random
from ._fetch import make_fetcher

__all__ = ["BaseIter", "SingleProcessIter"]


class BaseIter:
    """Iterator over one epoch of ``loader``: subclasses define ``_next_data``."""

    def __init__(self, loader):
        self._dataset = loader.dataset
        self._index_sampler = loader._index_sampler
        self._auto_collation = loader._auto_collation
        self._collate_fn = loader.collate_fn
        self._drop_last = loader.drop_last
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = int(_random.generator(loader.generator).integers(2**63))

    def __iter__(self):
        return self

    def __next__(self):
        return self._next_data()

    def __len__(self):
        return len(self._index_sampler)

    def _reset(self, loader):
        """Start a new epoch (persistent workers reuse their iterator)."""
        self._sampler_iter = iter(self._index_sampler)


class SingleProcessIter(BaseIter):
    """Loads each batch in the calling process when it is asked for."""

    def __init__(self, loader):
        super().__init__(loader)
        self._fetcher = make_fetcher(self._dataset, self._auto_collation, self._collate_fn, self._drop_last)

    def _next_data(self):
        return self._fetcher.fetch(next(self._sampler_iter))
