"""``BatchNorm1d/2d/3d`` and ``InstanceNorm1d/2d/3d``: batch normalisation (statistics over the batch and the
spatial dims) and instance normalisation (over the spatial dims of each sample), with learnable per-channel scale and
shift and running statistics kept as buffers (see ``minigrad.ops.normalization.batch_norm`` and
``minigrad.nn.functional.normalization.instance_norm`` for the formulas). They share torch's ``_NormBase`` state,
so their state-dict keys are torch's."""

import warnings

import numpy as np

from ...autograd.tensor import Tensor
from ...ops.normalization import count_batch
from .. import functional as F
from ._factory import parameter_dtype, register_affine, reset_affine
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _NormBase(Module):
    """Shared state of the batch- and instance-norm layers.

    Parameters ``weight`` (ones) and ``bias`` (zeros), shape ``(num_features,)``, when ``affine`` (no bias with
    ``bias=False``). Buffers, when
    ``track_running_stats``: ``running_mean`` (zeros), ``running_var`` (ones), ``num_batches_tracked`` (int64 0).
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

    def extra_repr(self):
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_NormBase):
    """Batch norm's forward: in training the batch statistics normalise and the running ones are updated with
    ``momentum`` (None: the cumulative average, factor ``1 / num_batches_tracked``); in eval mode the running ones
    normalise (or the batch's, when the layer tracks none)."""

    def forward(self, input):  # noqa: A002 - torch's argument name
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            count_batch(self.num_batches_tracked)
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


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``(N, C)`` or ``(N, C, L)`` over N (and L) per channel.

    Gradient: with ``x̂`` the standardised input and ``ĝ = g · weight``, ``(ĝ - mean ĝ - x̂ · mean(ĝ x̂)) / σ`` to ``x``
    (means over N and the spatial dims of each channel, in training; ``ĝ / √(running_var + eps)`` in eval mode); ``Σ g
    x̂`` to ``weight`` and ``Σ g`` to ``bias``.

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

    Gradient: with ``x̂`` the standardised input and ``ĝ = g · weight``, ``(ĝ - mean ĝ - x̂ · mean(ĝ x̂)) / σ`` to ``x``
    (means over N and the spatial dims of each channel, in training; ``ĝ / √(running_var + eps)`` in eval mode); ``Σ g
    x̂`` to ``weight`` and ``Σ g`` to ``bias``.

    >>> nn.BatchNorm2d(3)(minigrad.randn(2, 3, 4, 4)).shape
    (2, 3, 4, 4)
    """

    def _check_input_dim(self, input):  # noqa: A002
        if input.ndim != 4:
            raise ValueError(f"expected 4D input (got {input.ndim}D input)")


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of ``(N, C, D, H, W)`` over N, D, H and W per channel.

    Gradient: with ``x̂`` the standardised input and ``ĝ = g · weight``, ``(ĝ - mean ĝ - x̂ · mean(ĝ x̂)) / σ`` to ``x``
    (means over N and the spatial dims of each channel, in training; ``ĝ / √(running_var + eps)`` in eval mode); ``Σ g
    x̂`` to ``weight`` and ``Σ g`` to ``bias``.

    >>> nn.BatchNorm3d(3)(minigrad.randn(2, 3, 2, 2, 2)).shape
    (2, 3, 2, 2, 2)
    """

    def _check_input_dim(self, input):  # noqa: A002
        if input.ndim != 5:
            raise ValueError(f"expected 5D input (got {input.ndim}D input)")


class _InstanceNorm(_NormBase):
    """Instance norm's forward: each sample's channels standardised over their own spatial dims (in training, or
    always when no running statistics are tracked; else with the running ones). ``affine`` and
    ``track_running_stats`` default to False; ``momentum=None`` means 0 here (torch's rule). An unbatched input
    (one dim less) is a batch of one."""

    _spatial_dims: int  # set by each subclass

    def __init__(
        self,
        num_features,
        eps=1e-5,
        momentum=0.1,
        affine=False,
        track_running_stats=False,
        device=None,
        dtype=None,
        *,
        bias=True,
    ):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input):  # noqa: A002
        unbatched = self._spatial_dims + 1
        if input.ndim not in (unbatched, unbatched + 1):
            raise ValueError(f"expected {unbatched}D or {unbatched + 1}D input (got {input.ndim}D input)")
        feature_dim = input.ndim - unbatched
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={feature_dim} to match num_features ({self.num_features}), "
                    f"but got: {input.shape[feature_dim]}."
                )
            warnings.warn(
                f"input's size at dim={feature_dim} does not match num_features. You can silence this warning by "
                "not passing in num_features, which is not used because affine=False",
                stacklevel=2,
            )
        if input.ndim == unbatched:
            return self._normalize(input.unsqueeze(0)).squeeze(0)
        return self._normalize(input)

    def _normalize(self, input):  # noqa: A002
        return F.instance_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            0.0 if self.momentum is None else self.momentum,
            self.eps,
        )


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of ``(N, C, L)`` or ``(C, L)`` over L, per sample and channel.

    Gradient: with ``x̂`` the standardised input and ``ĝ = g · weight``, ``(ĝ - mean ĝ - x̂ · mean(ĝ x̂)) / σ`` to ``x``
    (means over each ``(n, c)`` plane); ``Σ g x̂`` to ``weight`` and ``Σ g`` to ``bias``.

    >>> nn.InstanceNorm1d(1)(minigrad.tensor([[[1.0, 3.0]]]))
    tensor([[[-1.0000,  1.0000]]])
    """

    _spatial_dims = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of ``(N, C, H, W)`` or ``(C, H, W)`` over H and W, per sample and channel.

    Gradient: with ``x̂`` the standardised input and ``ĝ = g · weight``, ``(ĝ - mean ĝ - x̂ · mean(ĝ x̂)) / σ`` to ``x``
    (means over each ``(n, c)`` plane); ``Σ g x̂`` to ``weight`` and ``Σ g`` to ``bias``.

    >>> nn.InstanceNorm2d(3)(minigrad.randn(2, 3, 4, 4)).shape
    (2, 3, 4, 4)
    """

    _spatial_dims = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` over D, H and W, per sample and channel.

    Gradient: with ``x̂`` the standardised input and ``ĝ = g · weight``, ``(ĝ - mean ĝ - x̂ · mean(ĝ x̂)) / σ`` to ``x``
    (means over each ``(n, c)`` plane); ``Σ g x̂`` to ``weight`` and ``Σ g`` to ``bias``.

    >>> nn.InstanceNorm3d(3)(minigrad.randn(2, 3, 2, 4, 4)).shape
    (2, 3, 2, 4, 4)
    """

    _spatial_dims = 3
