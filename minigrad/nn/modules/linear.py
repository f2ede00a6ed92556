"""``Linear`` (an affine map with learnable weight and bias), ``Bilinear`` and ``Identity``."""

import math
from typing import Any

import numpy as np

from ...autograd.tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ._factory import parameter_dtype
from .module import Module

__all__ = ["Identity", "Linear", "NonDynamicallyQuantizableLinear", "Bilinear"]


class Identity(Module):
    """``y = x``: returns its input unchanged (constructor arguments are accepted and ignored, like torch's).

    Input ``(*)``, output the same tensor.

    Gradient: ``g``.

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
        np_dtype = parameter_dtype(device, dtype)
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


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` under the name torch gives ``MultiheadAttention.out_proj`` (its marker for the quantisation
    tools, which minigrad does not have): the same layer, so scripts that name the class (a ``safe_globals`` list
    for ``torch.load``) and printed models match torch."""


class Bilinear(Module):
    """``y_k = x1ᵀ W_k x2 + b_k`` with ``weight`` ``(out_features, in1_features, in2_features)`` and ``bias``
    ``(out_features,)``, both drawn from ``U(-1/√in1, 1/√in1)`` as torch does.

    Inputs ``(*, in1_features)`` and ``(*, in2_features)``, output ``(*, out_features)``; gradients in
    ``minigrad.ops.linalg.bilinear``.

    >>> nn.Bilinear(2, 3, 4)(minigrad.ones(5, 2), minigrad.ones(5, 3)).shape
    (5, 4)
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        np_dtype = parameter_dtype(device, dtype)
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(np.empty((out_features, in1_features, in2_features), dtype=np_dtype))
        if bias:
            self.bias = Parameter(np.empty((out_features,), dtype=np_dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """``weight`` and ``bias`` from ``U(-1/√in1, 1/√in1)``."""
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
