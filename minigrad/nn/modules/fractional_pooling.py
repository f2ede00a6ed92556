"""The fractional max-pooling layers ``FractionalMaxPool2d`` and ``FractionalMaxPool3d`` (``F.fractional_max_pool2d``
/ ``3d``; see ``minigrad.nn.functional.fractional_pooling``). Neither has parameters; each call draws new windows
unless ``_random_samples`` was given."""

from .. import functional as F
from .module import Module

__all__ = ["FractionalMaxPool2d", "FractionalMaxPool3d"]


class _FractionalMaxPoolNd(Module):
    """torch's constructor checks and attributes: exactly one of ``output_size`` and ``output_ratio`` (each ratio in
    ``(0, 1)``)."""

    _dims = 2

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False, _random_samples=None):
        super().__init__()
        name = type(self).__name__
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if output_ratio is not None:
            ratios = output_ratio if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * self._dims
            if not all(0 < r < 1 for r in ratios):
                raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")
        self.kernel_size = kernel_size
        self.output_size = output_size
        self.output_ratio = output_ratio
        self.return_indices = return_indices
        self._random_samples = _random_samples

    def forward(self, input):  # noqa: A002 - torch's argument name
        pool = F.fractional_max_pool2d if self._dims == 2 else F.fractional_max_pool3d
        return pool(
            input,
            self.kernel_size,
            self.output_size,
            self.output_ratio,
            self.return_indices,
            _random_samples=self._random_samples,
        )


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """``F.fractional_max_pool2d`` over ``(N, C, H, W)`` or ``(C, H, W)``: ``kernel_size`` windows at pseudo-random
    starts giving ``output_size`` or ``⌊(H, W) · output_ratio⌋``.
    Gradient: ``g`` scattered back to each window's maximum.

    >>> nn.FractionalMaxPool2d(2, output_size=3)(minigrad.zeros(1, 3, 8, 8)).shape
    (1, 3, 3, 3)
    """

    _dims = 2


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """``F.fractional_max_pool3d`` over ``(N, C, T, H, W)`` or ``(C, T, H, W)``.
    Gradient: ``g`` scattered back to each window's maximum.

    >>> nn.FractionalMaxPool3d(2, output_ratio=0.5)(minigrad.zeros(1, 1, 4, 4, 4)).shape
    (1, 1, 2, 2, 2)
    """

    _dims = 3
