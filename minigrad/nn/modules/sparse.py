"""``Embedding`` (a lookup table of learnable vectors) and ``EmbeddingBag`` (sums, means or maxima of bags of them);
see ``minigrad.ops.embedding`` for the gradients."""

import numpy as np

from .. import functional as F
from .. import init
from ..parameter import Parameter
from ._factory import parameter_dtype
from .module import Module

__all__ = ["Embedding", "EmbeddingBag"]


class _LookupTable(Module):
    """The state an ``Embedding`` and an ``EmbeddingBag`` share: ``weight`` ``(num_embeddings, embedding_dim)`` from
    N(0, 1) with the ``padding_idx`` row zeroed (or ``_weight``, frozen with ``_freeze``), and the lookup options."""

    _padding_message = "Padding_idx must be within num_embeddings"

    def __init__(  # torch's Embedding signature, which Embedding inherits
        self,
        num_embeddings,
        embedding_dim,
        padding_idx=None,
        max_norm=None,
        norm_type=2.0,
        scale_grad_by_freq=False,
        sparse=False,
        _weight=None,
        _freeze=False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        np_dtype = parameter_dtype(device, dtype)
        if num_embeddings < 0 or embedding_dim < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension "
                f"{min(num_embeddings, embedding_dim)}: [{num_embeddings}, {embedding_dim}]"
            )
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError(self._padding_message)
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(
                np.empty((num_embeddings, embedding_dim), dtype=np_dtype), requires_grad=not _freeze
            )
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise AssertionError("Shape of weight does not match num_embeddings and embedding_dim")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self):
        """Weight from N(0, 1), the padding row zeroed."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    @classmethod
    def _pretrained(cls, embeddings, freeze, **options):
        if embeddings.ndim != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(rows, cols, _weight=embeddings, _freeze=freeze, **options)


class Embedding(_LookupTable):
    """``y = W[input]`` with ``weight`` ``(num_embeddings, embedding_dim)`` drawn from N(0, 1) (the ``padding_idx``
    row zeroed, and it gets no gradient). Input: integer indices of any shape; output ``input.shape +
    (embedding_dim,)``. ``max_norm`` rescales the rows read to at most that ``norm_type``-norm, in place.

    Gradient: each position's ``g`` row added into the row of ``weight`` it read (none to ``padding_idx``'s row); none
    to the indices.

    >>> emb = nn.Embedding(10, 3)
    >>> emb(minigrad.tensor([[1, 2], [3, 4]])).shape
    (2, 2, 3)
    """

    def forward(self, input):  # noqa: A002 - torch's argument name
        return F.embedding(
            input, self.weight, self.padding_idx, self.max_norm, self.norm_type, self.scale_grad_by_freq, self.sparse
        )

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        if self.sparse:
            text += ", sparse=True"
        return text

    @classmethod
    def from_pretrained(
        cls,
        embeddings,
        freeze=True,
        padding_idx=None,
        max_norm=None,
        norm_type=2.0,
        scale_grad_by_freq=False,
        sparse=False,
    ):
        """An Embedding whose weight is ``embeddings`` (2-D; frozen unless ``freeze=False``)."""
        return cls._pretrained(
            embeddings,
            freeze,
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
        )


class EmbeddingBag(_LookupTable):
    """``y_b = mode({W[i] : i in bag b})`` with ``mode`` 'sum', 'mean' (default) or 'max' and ``weight``
    ``(num_embeddings, embedding_dim)`` drawn from N(0, 1) (the ``padding_idx`` row zeroed; its positions are left
    out of the bags). ``forward(input, offsets=None, per_sample_weights=None)``: ``input`` 1-D with ``offsets``
    (bag starts) or 2-D ``(B, L)``; output ``(B, embedding_dim)``.

    Gradient: each bag's ``g`` added into the rows of ``weight`` it read: divided by the bag's size for 'mean', times
    ``per_sample_weights`` for 'sum', to the row holding each dim's maximum for 'max'.

    >>> bags = nn.EmbeddingBag(10, 3, mode='sum')
    >>> bags(minigrad.tensor([1, 2, 4, 5, 4]), minigrad.tensor([0, 2])).shape  # two bags: [1, 2] and [4, 5, 4]
    (2, 3)
    """

    _padding_message = "padding_idx must be within num_embeddings"

    def __init__(
        self,
        num_embeddings,
        embedding_dim,
        max_norm=None,
        norm_type=2.0,
        scale_grad_by_freq=False,
        mode="mean",
        sparse=False,
        _weight=None,
        include_last_offset=False,
        padding_idx=None,
        device=None,
        dtype=None,
        *,
        _freeze=False,
    ):
        super().__init__(
            num_embeddings,
            embedding_dim,
            padding_idx,
            max_norm,
            norm_type,
            scale_grad_by_freq,
            sparse,
            _weight,
            _freeze,
            device,
            dtype,
        )
        self.mode = mode
        self.include_last_offset = include_last_offset

    def forward(self, input, offsets=None, per_sample_weights=None):  # noqa: A002 - torch's argument names
        return F.embedding_bag(
            input,
            self.weight,
            offsets,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.mode,
            self.sparse,
            per_sample_weights,
            self.include_last_offset,
            self.padding_idx,
        )

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        text += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text

    @classmethod
    def from_pretrained(
        cls,
        embeddings,
        freeze=True,
        max_norm=None,
        norm_type=2.0,
        scale_grad_by_freq=False,
        mode="mean",
        sparse=False,
        include_last_offset=False,
        padding_idx=None,
    ):
        """An EmbeddingBag whose weight is ``embeddings`` (2-D; frozen unless ``freeze=False``)."""
        return cls._pretrained(
            embeddings,
            freeze,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            mode=mode,
            sparse=sparse,
            include_last_offset=include_last_offset,
            padding_idx=padding_idx,
        )
