"""``LayerNorm``, ``GroupNorm``, ``RMSNorm`` and ``LocalResponseNorm`` (see ``minigrad.ops.normalization`` and
``minigrad.nn.functional.normalization`` for the formulas and gradients)."""

import numpy as np

from .. import functional as F
from .. import init
from ..parameter import Parameter
from ._factory import parameter_dtype, register_affine, reset_affine
from .module import Module

__all__ = ["LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm"]


class LayerNorm(Module):
    """Standardise over the last ``len(normalized_shape)`` dims, then ``·weight + bias`` (parameters of shape
    ``normalized_shape``, ones and zeros, when ``elementwise_affine``; ``bias=False`` drops the shift).

    Gradient: with ``x̂`` the standardised input and ``ĝ = g · weight``, ``(ĝ - mean ĝ - x̂ · mean(ĝ x̂)) / σ`` to ``x``
    (means over the normalised dims); ``Σ g x̂`` to ``weight`` and ``Σ g`` to ``bias``.

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

    Gradient: with ``x̂`` the standardised input and ``ĝ = g · weight``, ``(ĝ - mean ĝ - x̂ · mean(ĝ x̂)) / σ`` to ``x``
    (means over each sample's group); ``Σ g x̂`` to ``weight`` and ``Σ g`` to ``bias``.

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


class RMSNorm(Module):
    """``x / √(mean(x²) + eps) · weight`` over the last ``len(normalized_shape)`` dims; ``weight`` of shape
    ``normalized_shape`` (ones) when ``elementwise_affine``; ``eps=None`` is the input dtype's machine epsilon.

    Gradient: with ``r = √(mean(x²) + eps)`` and ``ĝ = g · weight``, ``ĝ / r - x · mean(ĝ x) / r³`` to ``x``; ``Σ g x /
    r`` to ``weight``.

    >>> nn.RMSNorm(2)(minigrad.tensor([[3.0, 4.0]]))
    tensor([[0.8485, 1.1314]], grad_fn=<MulBackward>)
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        np_dtype = parameter_dtype(device, dtype)
        self.normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        weight = Parameter(np.empty(self.normalized_shape, dtype=np_dtype)) if elementwise_affine else None
        self.register_parameter("weight", weight)
        self.reset_parameters()

    def reset_parameters(self):
        """Weight to ones."""
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input):  # noqa: A002
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """``x_c / (k + α/size · Σ x_{c'}²)^β`` over ``size`` neighbouring channels of ``(N, C, *)``.

    Gradient: with ``d_c = k + α/size · Σ x_{c'}²``, ``g_c d_c^(-β) - (2αβ/size) x_c Σ_{c'} g_{c'} x_{c'}
    d_{c'}^(-β-1)``, the sum over the channels whose window holds ``c``.

    >>> nn.LocalResponseNorm(2)(minigrad.ones(1, 3, 1))
    tensor([[[1.0000],
             [0.9999],
             [0.9999]]])
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):  # noqa: A002
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
