"""``DataLoader``: iterate over a dataset in mini-batches, optionally loaded by worker processes, as torch's.

Each pass (each ``iter(loader)``, i.e. each epoch) walks an index sampler — ``SequentialSampler``,
``RandomSampler`` when ``shuffle=True``, or the one given — groups its indices with a ``BatchSampler`` and turns
each group of samples into a batch with ``collate_fn`` (default ``default_collate``, which stacks them). An
``IterableDataset`` is read as a stream instead, ``batch_size`` items at a time.

``num_workers=0`` loads in the calling process. ``num_workers=k`` starts ``k`` worker processes (the platform's
default start method, or ``multiprocessing_context``; "fork" and "spawn" both work, and "spawn" needs a picklable
dataset) that load batches ahead of the training loop; batches still come out in the sampler's order, so with a
seeded ``generator`` they are exactly those of ``num_workers=0``. See ``_multiprocess.py`` for the protocol and
``_worker.py`` for how workers seed themselves.

When the dataset is a ``TensorDataset`` (or a ``Subset`` of one, as ``random_split`` makes) and the default collate
is used, a batch is taken with one fancy-indexing per tensor instead of fetching and stacking items one at a time.

``pin_memory``, ``pin_memory_device`` are accepted so that torch code runs unchanged (there is no device memory to
pin).

>>> import minigrad
>>> from minigrad.utils.data import DataLoader, TensorDataset
>>> loader = DataLoader(TensorDataset(minigrad.arange(5).float(), minigrad.arange(5)), batch_size=2)
>>> [y.tolist() for x, y in loader]
[[0, 1], [2, 3], [4]]
"""

import itertools
import math
import multiprocessing
import multiprocessing.context

from ... import random as _random
from ._iterator import SingleProcessIter
from ._multiprocess import MultiProcessIter
from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader"]

_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class _InfiniteConstantSampler(Sampler):
    """The index sampler of an IterableDataset: endless ``None``\\ s, the stream itself decides where it ends."""

    def __iter__(self):
        return itertools.repeat(None)


def _check_arguments(
    dataset,
    batch_size,
    shuffle,
    sampler,
    batch_sampler,
    num_workers,
    drop_last,
    timeout,
    generator,
    prefetch_factor,
    persistent_workers,
):
    """Raise torch's error for each argument that is invalid or conflicts with another."""
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            "prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 to "
            "enable multiprocessing, otherwise set prefetch_factor to None."
        )
    if prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    if isinstance(dataset, IterableDataset):
        for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
            if value is not None and value is not False:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified {name} option, but got {name}={value}"
                )
    if sampler is not None and shuffle:
        raise ValueError("sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None:
        if batch_size != 1 or shuffle or sampler is not None or drop_last:
            raise ValueError(
                "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
            )
    elif batch_size is None and drop_last:
        raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
    if generator is not None and not isinstance(generator, _random.Generator):
        raise TypeError(f"generator must be a minigrad.Generator, got {type(generator).__name__}")


def _start_method_context(context, num_workers):
    """``multiprocessing_context`` as a context object (None: the platform's default), checked as torch does."""
    if context is None:
        return None
    if num_workers == 0:
        raise ValueError(
            "multiprocessing_context can only be used with multi-process loading (num_workers > 0), "
            f"but got num_workers={num_workers}"
        )
    if isinstance(context, str):
        methods = multiprocessing.get_all_start_methods()
        if context not in methods:
            raise ValueError(
                f"multiprocessing_context option should specify a valid start method in {methods!r}, "
                f"but got multiprocessing_context={context!r}"
            )
        context = multiprocessing.get_context(context)
    if not isinstance(context, multiprocessing.context.BaseContext):
        raise TypeError(
            "multiprocessing_context option should be a valid context object or a string specifying "
            f"the start method, but got multiprocessing_context={context}"
        )
    return context


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Parameters (torch's names and order)
    ------------------------------------
    dataset : a map-style dataset (``__getitem__`` and ``__len__``) or an ``IterableDataset``.
    batch_size : samples per batch (default 1); ``None`` yields single samples, unbatched (through
        ``default_convert``).
    shuffle : a new random order every epoch, from ``generator`` (a ``RandomSampler``).
    sampler : an iterable of indices to use instead of ``0..n-1`` (excludes ``shuffle``).
    batch_sampler : an iterable of lists of indices, one list per batch (excludes ``batch_size``, ``shuffle``,
        ``sampler`` and ``drop_last``).
    num_workers : worker processes loading batches ahead (0: load in the calling process).
    collate_fn : turns a list of samples into a batch (default ``default_collate``).
    pin_memory : accepted, no effect (CPU only).
    drop_last : drop the last batch when it is smaller than ``batch_size``.
    timeout : seconds to wait for a worker's batch before raising (0: forever).
    worker_init_fn : called as ``worker_init_fn(worker_id)`` in each worker after seeding, before loading.
    multiprocessing_context : a start method name ("fork", "spawn", "forkserver") or a multiprocessing context.
    generator : a ``minigrad.Generator`` for the shuffle and the workers' base seed (default: the module one).
    prefetch_factor : batches in flight per worker (default 2 with workers; must stay None without).
    persistent_workers : keep the workers (and their dataset copies) alive from one epoch to the next.
    pin_memory_device : accepted, no effect.
    in_order : ``False`` yields the workers' batches as they come instead of in the sampler's order.

    ``len(loader)`` is the number of batches per epoch.

    >>> from minigrad.utils.data import DataLoader, TensorDataset
    >>> loader = DataLoader(TensorDataset(minigrad.zeros(10, 2)), batch_size=4)
    >>> [batch[0].shape for batch in loader]
    [(4, 2), (4, 2), (2, 2)]
    """

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=None,
        sampler=None,
        batch_sampler=None,
        num_workers=0,
        collate_fn=None,
        pin_memory=False,
        drop_last=False,
        timeout=0,
        worker_init_fn=None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor=None,
        persistent_workers=False,
        pin_memory_device="",
        in_order=True,
    ):
        _check_arguments(
            dataset,
            batch_size,
            shuffle,
            sampler,
            batch_sampler,
            num_workers,
            drop_last,
            timeout,
            generator,
            prefetch_factor,
            persistent_workers,
        )
        if batch_sampler is not None:
            batch_size, drop_last = None, False
        if isinstance(dataset, IterableDataset):
            sampler = _InfiniteConstantSampler()
        elif sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)  # checks batch_size and drop_last
        self.dataset = dataset
        self.batch_size = batch_size
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None else default_convert)
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.drop_last = drop_last
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = _start_method_context(multiprocessing_context, num_workers)
        self.generator = generator
        self.prefetch_factor = 2 if num_workers > 0 and prefetch_factor is None else prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._iterator = None
        self._initialized = True

    def __setattr__(self, name, value):
        if name in _FROZEN and getattr(self, "_initialized", False):
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        """What each fetch receives one item of: lists of indices when batching, else single indices."""
        return self.batch_sampler if self._auto_collation else self.sampler

    def _get_iterator(self):
        return SingleProcessIter(self) if self.num_workers == 0 else MultiProcessIter(self)

    def __iter__(self):
        if not self.persistent_workers:
            return self._get_iterator()
        if self._iterator is None:
            self._iterator = self._get_iterator()
        else:
            self._iterator._reset(self)
        return self._iterator

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            length = len(self.dataset)  # a TypeError for streams of unknown length, as in torch
            if self.batch_size is None:
                return length
            return length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
        return len(self._index_sampler)
