"""``Linear`` (an affine map with learnable weight and bias) and ``Identity``."""

import math
from typing import Any

import numpy as np

from ... import _dtype
from ...autograd.tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Identity", "Linear"]


class Identity(Module):
    """``y = x``: returns its input unchanged (constructor arguments are accepted and ignored, like torch's).

    Input ``(*)``, output the same tensor.

    >>> nn.Identity()(minigrad.tensor([1.0]))
    tensor([1.])
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):  # noqa: A002 - torch's argument name
        return input


class Linear(Module):
    """``y = x Wᵀ + b`` with ``W`` of shape ``(out_features, in_features)`` and ``b`` of shape ``(out_features,)``.

    Input ``(*, in_features)``, output ``(*, out_features)``. Initialised like torch: ``W ~ U(-1/√in, 1/√in)``
    (``kaiming_uniform_`` with ``a = √5``) and ``b ~ U(-1/√in, 1/√in)``. Runs as one fused autograd node;
    gradients ``∂L/∂x = g W``, ``∂L/∂W = gᵀ x``, ``∂L/∂b = Σ g`` over the leading dims.

    >>> layer = nn.Linear(4, 2)
    >>> layer(minigrad.zeros(3, 4)).shape
    (3, 2)
    >>> layer.weight.shape
    (2, 4)
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        if device is not None and not str(device).startswith("cpu"):
            raise RuntimeError(f"minigrad runs on the CPU only; got device {device!r}")
        np_dtype = _dtype.as_numpy_dtype(dtype) if dtype is not None else _dtype.get_default_dtype().numpy
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(np.empty((out_features, in_features), dtype=np_dtype))
        if bias:
            self.bias = Parameter(np.empty((out_features,), dtype=np_dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw ``weight`` and ``bias`` again from the initial distributions above."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
