"""``minigrad.backends``: torch's backend switches that scripts set or query (``cudnn.benchmark = True``,
``mps.is_available()``), as importable modules (``import torch.backends.cudnn as cudnn``); none of them changes
what minigrad computes on the CPU."""

from . import cuda, cudnn, mps

__all__ = ["cudnn", "mps", "cuda"]
