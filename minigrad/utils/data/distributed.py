"""``DistributedSampler``: each of ``num_replicas`` processes loads its own share of a dataset, as torch's.

The dataset's indices (shuffled per epoch from ``seed + epoch`` when ``shuffle``) are made divisible by
``num_replicas`` — padded by repeating the first indices, or with ``drop_last`` cut to a multiple — and replica
``rank`` takes every ``num_replicas``-th one starting at ``rank``. All replicas compute the same permutation, so
their shares are disjoint (apart from the padding) and cover the dataset. Call ``set_epoch(e)`` before each epoch to
get a new order.

``num_replicas`` and ``rank`` default to the default process group's world size and rank (``minigrad.distributed``;
as torch, that raises when no group was initialized). Without shuffling the indices are torch's exactly; with
shuffling they are a different (NumPy PCG64) permutation with the same properties.

>>> from minigrad.utils.data import DistributedSampler
>>> list(DistributedSampler(range(10), num_replicas=3, rank=1, shuffle=False))
[1, 4, 7, 0]
"""

import math

import numpy as np

from ...distributed import collectives
from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """Indices of ``dataset`` for replica ``rank`` of ``num_replicas``: ``len`` is ``num_samples`` per replica.

    >>> list(minigrad.utils.data.DistributedSampler(range(10), num_replicas=2, rank=1, shuffle=False))
    [1, 3, 5, 7, 9]
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        num_replicas = collectives.get_world_size() if num_replicas is None else num_replicas
        rank = collectives.get_rank() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        self.shuffle = shuffle
        self.seed = seed
        if drop_last and len(dataset) % num_replicas != 0:
            # the smallest per-replica count whose total does not exceed the dataset
            self.num_samples = math.ceil((len(dataset) - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(len(dataset) / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            indices = np.random.Generator(np.random.PCG64(self.seed + self.epoch)).permutation(n).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[: self.total_size]
        else:
            padding = self.total_size - n
            indices += (indices * math.ceil(padding / max(n, 1)))[:padding]
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Use ``epoch`` in the shuffle's seed, so that each epoch has a new order shared by all replicas."""
        self.epoch = epoch
