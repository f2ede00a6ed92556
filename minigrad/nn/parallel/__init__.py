"""``minigrad.nn.parallel``: torch's home of ``DistributedDataParallel`` (the implementation lives in
``minigrad.distributed``, above ``nn``; ``import minigrad`` makes this module available as ``minigrad.nn.parallel``)."""

from ...distributed.ddp import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
