"""``BatchNorm1d`` and ``BatchNorm2d``: batch normalisation with learnable per-channel scale and shift and running
statistics kept as buffers (see ``minigrad.ops.normalization.batch_norm`` for the formulas)."""

import numpy as np

from ...autograd.tensor import Tensor
from .. import functional as F
from ._factory import parameter_dtype, register_affine, reset_affine
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d"]


class _BatchNorm(Module):
    """Shared state and forward of the batch-norm layers.

    Parameters ``weight`` (ones) and ``bias`` (zeros), shape ``(num_features,)``, when ``affine`` (no bias with
    ``bias=False``). Buffers, when
    ``track_running_stats``: ``running_mean`` (zeros), ``running_var`` (ones), ``num_batches_tracked`` (int64 0).
    In training the batch statistics normalise and the running ones are updated with ``momentum`` (None: the
    cumulative average, factor ``1 / num_batches_tracked``); in eval mode the running ones normalise (or the
    batch's, when the layer tracks none).
    """

    def __init__(
        self,
        num_features,
        eps=1e-5,
        momentum=0.1,
        affine=True,
        track_running_stats=True,
        device=None,
        dtype=None,
        *,
        bias=True,
    ):
        super().__init__()
        np_dtype = parameter_dtype(device, dtype)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        register_affine(self, (num_features,), np_dtype, affine, bias)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor._wrap(np.zeros(num_features, dtype=np_dtype)))
            self.register_buffer("running_var", Tensor._wrap(np.ones(num_features, dtype=np_dtype)))
            self.register_buffer("num_batches_tracked", Tensor._wrap(np.zeros((), dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        """Running mean 0, running variance 1, no batch seen."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        """Reset the running statistics, weight to ones and bias to zeros."""
        self.reset_running_stats()
        reset_affine(self)

    def forward(self, input):  # noqa: A002 - torch's argument name
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats  # buffers updated or read
        return F.batch_norm(
            input,
            self.running_mean if keep else None,
            self.running_var if keep else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )

    def extra_repr(self):
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``(N, C)`` or ``(N, C, L)`` over N (and L) per channel.

    >>> bn = nn.BatchNorm1d(3)
    >>> bn(minigrad.randn(8, 3)).shape
    (8, 3)
    >>> bn.running_mean.shape
    (3,)
    """

    def _check_input_dim(self, input):  # noqa: A002
        if input.ndim not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.ndim}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of ``(N, C, H, W)`` over N, H and W per channel.

    >>> nn.BatchNorm2d(3)(minigrad.randn(2, 3, 4, 4)).shape
    (2, 3, 4, 4)
    """

    def _check_input_dim(self, input):  # noqa: A002
        if input.ndim != 4:
            raise ValueError(f"expected 4D input (got {input.ndim}D input)")
