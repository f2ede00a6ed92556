"""Argument checks shared by the loss functions, worded as torch words them."""

from ...autograd import grad_mode
from ...autograd.tensor import Tensor


def require_tensor(value, name, position, function):
    """Raise torch's TypeError unless ``value`` (argument ``name`` at ``position`` of ``function``) is a Tensor."""
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{function}(): argument '{name}' (position {position}) must be Tensor, not {type(value).__name__}"
        )


def not_differentiable(tensor, argument, function_name):
    """torch refuses (while recording) an argument its loss has no derivative for, rather than ignoring it."""
    if tensor.requires_grad and grad_mode.is_grad_enabled():
        raise RuntimeError(
            f"The function '{function_name}' is not differentiable with respect to argument "
            f"'{argument}'. This input cannot have requires_grad True."
        )
