"""``minigrad.utils.tensorboard``: torch's ``SummaryWriter`` for scalar logging, writing TensorBoard event files
without TensorBoard installed (see ``writer``)."""

from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
