"""``Upsample`` and its fixed-mode forms ``UpsamplingNearest2d`` / ``UpsamplingBilinear2d``: ``F.interpolate``
as a layer."""

from ..functional.upsampling import interpolate
from .module import Module

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Upsample(Module):
    """``interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor)`` on
    ``(N, C, d1[, d2[, d3]])`` inputs; see ``minigrad.nn.functional.interpolate`` for the modes. A scale factor is
    kept as a float (or a tuple of floats), as torch keeps it.

    Gradient: ``interpolate``'s: each output's ``g`` goes back to the inputs it read, times their interpolation weights.

    >>> nn.Upsample(scale_factor=2)(minigrad.tensor([[[1.0, 2.0]]]))
    tensor([[[1., 1., 2., 2.]]])
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):  # noqa: A002 - torch's argument name
        return interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self):
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode='nearest')`` for ``(N, C, H, W)`` inputs.

    Gradient: ``interpolate``'s: each output's ``g`` goes back to the inputs it read, times their interpolation weights.

    >>> nn.UpsamplingNearest2d(scale_factor=2)(minigrad.ones(1, 1, 2, 2)).shape
    (1, 1, 4, 4)
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode='bilinear', align_corners=True)`` for ``(N, C, H, W)`` inputs.

    Gradient: ``interpolate``'s: each output's ``g`` goes back to the inputs it read, times their interpolation weights.

    >>> nn.UpsamplingBilinear2d(size=(1, 3))(minigrad.tensor([[[[0.0, 1.0]]]]))
    tensor([[[[0.0000, 0.5000, 1.0000]]]])
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
