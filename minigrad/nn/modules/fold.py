"""``Unfold`` and ``Fold``: sliding local blocks to columns (im2col) and back (col2im), as Modules."""

from .. import functional as F
from .module import Module

__all__ = ["Fold", "Unfold"]


class Unfold(Module):
    """``F.unfold`` with fixed arguments: ``(N, C, H, W) -> (N, C·prod(kernel_size), L)``, one column per block
    position; no parameters.

    Gradient: ``F.fold`` of ``g`` (each block's gradient added back where the block was read).

    >>> nn.Unfold(kernel_size=2)(minigrad.zeros(1, 3, 4, 4)).shape
    (1, 12, 9)
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input):  # noqa: A002 - torch's argument name
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, stride={self.stride}"


class Fold(Module):
    """``F.fold`` with fixed arguments: ``(N, C·prod(kernel_size), L) -> (N, C, *output_size)``, overlapping blocks
    summed; no parameters.

    Gradient: ``F.unfold`` of ``g`` (fold sums the blocks, so each block reads its own part of ``g``).

    >>> nn.Fold(output_size=(3, 3), kernel_size=2)(minigrad.ones(1, 4, 4)).shape
    (1, 1, 3, 3)
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input):  # noqa: A002
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )
