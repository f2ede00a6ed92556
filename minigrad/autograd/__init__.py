"""Reverse-mode automatic differentiation: the Tensor, the Function node, the engine, grad mode, gradcheck.

Inside, each module imports only those before it: grad_mode, hooks, anomaly_mode < engine < tensor < functional <
function < gradcheck.
"""

from . import functional
from .anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .function import Function, once_differentiable
from .functional import backward, grad
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .tensor import Tensor
from .variable import Variable

__all__ = [
    "Function",
    "Tensor",
    "Variable",
    "grad",
    "backward",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "inference_mode",
    "is_inference_mode_enabled",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "once_differentiable",
    "functional",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
]
