"""The distance layers: ``PairwiseDistance`` and ``CosineSimilarity`` (torch's ``nn/modules/distance.py``)."""

from .. import functional as F
from .module import Module

__all__ = ["PairwiseDistance", "CosineSimilarity"]


class PairwiseDistance(Module):
    """``d = ‖x1 - x2 + eps‖_p`` over the last dim; see :func:`~minigrad.nn.functional.pairwise_distance`.

    Inputs ``(N, D)`` or ``(D)`` (broadcastable to each other), output ``(N)`` or ``()`` (``(N, 1)`` / ``(1)``
    with ``keepdim``). Gradient for p = 2: ``g (x1 - x2 + eps) / d``. torch stores ``p`` as the attribute ``norm``.

    >>> nn.PairwiseDistance()(minigrad.tensor([[0.0, 0.0]]), minigrad.tensor([[3.0, 4.0]]))
    tensor([5.0000])
    """

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """``Σ x1 x2 / (max(‖x1‖, eps) · max(‖x2‖, eps))`` along ``dim``; see
    :func:`~minigrad.nn.functional.cosine_similarity`.

    Inputs ``(*1, D, *2)`` (broadcastable to each other, ``D`` at ``dim``), output ``(*1, *2)``.

    Gradient: ``g (x̂2 - s x̂1) / ‖x1‖`` to ``x1``, with ``x̂ = x / ‖x‖`` and ``s`` the similarity, and likewise to
    ``x2``.

    >>> nn.CosineSimilarity(dim=1)(minigrad.tensor([[1.0, 0.0]]), minigrad.tensor([[1.0, 1.0]]))
    tensor([0.7071])
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
