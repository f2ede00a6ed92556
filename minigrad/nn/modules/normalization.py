"""``LayerNorm`` and ``GroupNorm`` (see ``minigrad.ops.normalization`` for the formulas and gradients)."""

from .. import functional as F
from ._factory import parameter_dtype, register_affine, reset_affine
from .module import Module

__all__ = ["LayerNorm", "GroupNorm"]


class LayerNorm(Module):
    """Standardise over the last ``len(normalized_shape)`` dims, then ``·weight + bias`` (parameters of shape
    ``normalized_shape``, ones and zeros, when ``elementwise_affine``; ``bias=False`` drops the shift).

    >>> nn.LayerNorm(4)(minigrad.tensor([[1.0, 2.0, 3.0, 4.0]])).mean().abs().item() < 1e-6
    True
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        np_dtype = parameter_dtype(device, dtype)
        self.normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        register_affine(self, self.normalized_shape, np_dtype, elementwise_affine, bias)
        self.reset_parameters()

    def reset_parameters(self):
        """Weight to ones, bias to zeros."""
        reset_affine(self)

    def forward(self, input):  # noqa: A002 - torch's argument name
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Standardise each sample over groups of ``num_channels / num_groups`` channels (and the spatial dims), then
    ``·weight + bias`` per channel (``(num_channels,)``, ones and zeros, when ``affine``; ``bias=False`` drops the
    shift).

    >>> nn.GroupNorm(2, 4)(minigrad.randn(2, 4, 3)).shape
    (2, 4, 3)
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        np_dtype = parameter_dtype(device, dtype)
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        register_affine(self, (num_channels,), np_dtype, affine, bias)
        self.reset_parameters()

    def reset_parameters(self):
        """Weight to ones, bias to zeros."""
        reset_affine(self)

    def forward(self, input):  # noqa: A002
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )
