"""Flattening parameters to one vector and back, as torch.nn.utils.convert_parameters has it."""

from ...autograd.tensor import Tensor
from ...ops.shape import cat

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """All ``parameters`` flattened and concatenated into one 1-d tensor (a graph node: gradients flow back).

    >>> parameters_to_vector(nn.Linear(3, 2).parameters()).shape
    (8,)
    """
    return cat([param.reshape(-1) for param in parameters])


def vector_to_parameters(vec, parameters):
    """Make each of ``parameters``, in order, a view of its slice of the 1-d ``vec`` (as torch's
    ``param.data = ...``: the values change, the graph and version are untouched, and ``vec``'s memory is shared).
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for param in parameters:
        size = param._data.size
        param._data = vec._data[pointer : pointer + size].reshape(param._data.shape)
        pointer += size
