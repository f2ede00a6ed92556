"""The padding layers: ``ZeroPad``, ``ConstantPad``, ``ReflectionPad``, ``ReplicationPad`` and ``CircularPad``, each
in 1d/2d/3d, as ``F.pad`` over the last 1, 2 or 3 dims (see ``minigrad.ops.padding`` for the modes).

``padding``: an int (the same amount on every side) or ``(left, right[, top, bottom[, front, back]])``; a padded
dim of size ``n`` becomes ``before + n + after``. The 1d layers take ``(C, W)`` or ``(N, C, W)``, the 2d ones
``(C, H, W)`` or ``(N, C, H, W)``, the 3d ones ``(C, D, H, W)`` or ``(N, C, D, H, W)``.
"""

from .. import functional as F
from .module import Module

__all__ = [
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
]


def _amounts(padding, dims):
    """``padding`` as the ``2·dims`` amounts ``F.pad`` takes (an int repeats)."""
    return (padding,) * (2 * dims) if isinstance(padding, int) else tuple(padding)


class _PadNd(Module):
    """``F.pad(input, padding, mode)`` over the last ``_dims`` dims."""

    _mode: str  # set by each subclass
    _dims = None

    def __init__(self, padding):
        super().__init__()
        self.padding = _amounts(padding, self._dims)

    def forward(self, input):  # noqa: A002 - torch's argument name
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    """Fills the border with ``value``."""

    _mode = "constant"

    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):  # noqa: A002
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class _CircularPadNd(_PadNd):
    """Wraps around; checks the input's dims first, as torch's layer does."""

    _mode = "circular"

    def forward(self, input):  # noqa: A002
        if input.ndim not in (self._dims + 1, self._dims + 2):
            raise ValueError(f"expected {self._dims + 1}D or {self._dims + 2}D input (got {input.ndim}D input)")
        return super().forward(input)


def _layers(base, mode, name):
    """The 1d, 2d and 3d layer classes of one padding mode."""
    return tuple(
        type(
            f"{name}{dims}d",
            (base,),
            {
                "_mode": mode,
                "_dims": dims,
                "__doc__": f"Pads the last {dims} dim(s) of the input ({mode} mode); see the module docstring. "
                "Gradient: each input element gets the sum of ``g`` over the output positions that hold it.\n\n"
                f">>> nn.{name}{dims}d({'1, 0.5' if name == 'ConstantPad' else '1'})"
                f"(minigrad.ones(1, 2{', 3' * dims})).shape\n(1, 2{', 5' * dims})",
                "__module__": __name__,
            },
        )
        for dims in (1, 2, 3)
    )


ConstantPad1d, ConstantPad2d, ConstantPad3d = _layers(_ConstantPadNd, "constant", "ConstantPad")
ReflectionPad1d, ReflectionPad2d, ReflectionPad3d = _layers(_PadNd, "reflect", "ReflectionPad")
ReplicationPad1d, ReplicationPad2d, ReplicationPad3d = _layers(_PadNd, "replicate", "ReplicationPad")
CircularPad1d, CircularPad2d, CircularPad3d = _layers(_CircularPadNd, "circular", "CircularPad")


class _ZeroPadNd(_ConstantPadNd):
    """Fills the border with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


ZeroPad1d, ZeroPad2d, ZeroPad3d = _layers(_ZeroPadNd, "constant", "ZeroPad")
