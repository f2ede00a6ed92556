"""``PixelShuffle``, ``PixelUnshuffle`` and ``ChannelShuffle`` as layers (formulas in
``minigrad.nn.functional.vision``)."""

from .. import functional as F
from .module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle", "ChannelShuffle"]


class PixelShuffle(Module):
    """``(*, C·r², H, W) -> (*, C, H·r, W·r)``, ``r = upscale_factor`` (sub-pixel convolution's last step).

    Gradient: ``g`` rearranged back (its ``pixel_unshuffle``).

    >>> nn.PixelShuffle(2)(minigrad.zeros(1, 8, 3, 3)).shape
    (1, 2, 6, 6)
    """

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):  # noqa: A002 - torch's argument name
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``(*, C, H·r, W·r) -> (*, C·r², H, W)``, ``r = downscale_factor``: the inverse of ``PixelShuffle``.

    Gradient: ``g`` rearranged back (its ``pixel_shuffle``).

    >>> nn.PixelUnshuffle(2)(minigrad.zeros(1, 2, 6, 6)).shape
    (1, 8, 3, 3)
    """

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):  # noqa: A002
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave the channels of ``(N, C, *)`` from ``groups`` groups (ShuffleNet).

    Gradient: ``g`` with the channels moved back.

    >>> nn.ChannelShuffle(2)(minigrad.arange(4.0).reshape(1, 4, 1)).flatten()
    tensor([0., 2., 1., 3.])
    """

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):  # noqa: A002
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
