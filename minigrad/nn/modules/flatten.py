"""``Flatten``: merge a range of dims into one, as a layer (for ``Sequential``)."""

from .module import Module

__all__ = ["Flatten"]


class Flatten(Module):
    """Flatten dims ``start_dim..end_dim`` into one.

    Input ``(*, S_start, ..., S_end, *)``, output ``(*, S_start · ... · S_end, *)``: ``(N, C, H, W) -> (N, C·H·W)``
    with the defaults. A view of the input, so the gradient is ``g`` reshaped back.

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
