"""Reverse-mode automatic differentiation: the Tensor, the Function node, the engine, grad mode, gradcheck.

Inside, each module imports only those before it: grad_mode, hooks < engine < tensor < functional < function <
gradcheck.
"""
from .function import Function
from .functional import backward, grad
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .tensor import Tensor

__all__ = ["Function", "Tensor", "grad", "backward", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "gradcheck", "gradgradcheck", "GradcheckError"]
