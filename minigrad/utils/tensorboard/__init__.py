"""``minigrad.utils.tensorboard``: torch's ``SummaryWriter`` (see ``writer``), on the tensorboardX package.

As ``torch.utils.tensorboard`` needs the tensorboard package, this needs tensorboardX:
``pip install "minigrad[tensorboard]"``.
"""

try:
    import tensorboardX as _tensorboardx  # noqa: F401 - only checked for here
except ImportError as error:  # torch raises ImportError on import too when its writer's package is missing
    raise ImportError(
        'minigrad.utils.tensorboard needs the tensorboardX package: pip install "minigrad[tensorboard]"'
    ) from error

from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
