"""Neural-network building blocks with torch.nn's names: Module and the layers (``nn.modules``), Parameter, init,
functional, utils."""

from . import functional, init, utils
from .modules import *  # noqa: F401,F403 - as torch.nn: every Module class at the top level (modules.__all__)
from .parameter import Parameter
