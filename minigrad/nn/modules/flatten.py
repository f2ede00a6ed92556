"""``Flatten`` and ``Unflatten``: merge a range of dims into one, or split one dim, as layers (for ``Sequential``)."""

from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flatten dims ``start_dim..end_dim`` into one.

    Input ``(*, S_start, ..., S_end, *)``, output ``(*, S_start · ... · S_end, *)``: ``(N, C, H, W) -> (N, C·H·W)``
    with the defaults. A view of the input, so the gradient is ``g`` reshaped back.

    Gradient: ``g`` reshaped back.

    >>> nn.Flatten()(minigrad.zeros(2, 3, 4)).shape
    (2, 12)
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):  # noqa: A002 - torch's argument name
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (a tuple of ints, one may be -1): the inverse of ``Flatten``.
    ``(*, S, *) -> (*, U_1, ..., U_k, *)`` with ``U_1 · ... · U_k = S``; a view, gradient ``g`` reshaped back.

    >>> nn.Unflatten(1, (2, 3))(minigrad.zeros(4, 6)).shape
    (4, 2, 3)
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)) or not all(isinstance(s, int) for s in unflattened_size):
            found = type(unflattened_size).__name__
            raise TypeError(f"unflattened_size must be a tuple of ints, but found type {found}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):  # noqa: A002
        dim = self.dim % input.ndim if input.ndim else 0
        return input.reshape(*input.shape[:dim], *self.unflattened_size, *input.shape[dim + 1 :])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
