"""Normalisation: batch_norm, layer_norm, group_norm and normalize.

Each normalisation standardises ``x`` over some dims, ``x̂ = (x - mean) / √(var + eps)`` with the biased variance,
then applies a per-feature affine map ``y = x̂·w + b``:

* ``batch_norm``: over every dim but the channels (dim 1), with the batch statistics in training (and the running
  averages updated in place) or the running statistics in evaluation. One ``BatchNorm`` node on the compiled
  kernels (``minigrad._kernels.normalization``): a one-pass forward and backward;
* ``layer_norm``: over the last ``len(normalized_shape)`` dims (``LayerNorm``, on the compiled row kernels);
* ``group_norm``: over each group of ``C / G`` channels and the spatial dims (a ``LayerNorm`` without affine map
  over the reshaped input, then the per-channel affine map).

The backwards are ``backward_arrays`` fast paths; each node's ``composite`` spells the op in primitive Tensor ops,
so its vector-Jacobian product is the double backward (and the tests' oracle). The first-order gradients, with
``ĝ = g·w`` and means over the normalised dims: ``∂x = (ĝ - mean(ĝ) - x̂·mean(ĝ·x̂)) / √(var + eps)`` (fixed
statistics: ``ĝ / √(var + eps)``), ``∂w = Σ g·x̂``, ``∂b = Σ g`` over the other dims.
"""

import math

import numpy as np

from .._kernels import normalization as _kernel
from .._threads import get_num_threads
from ..autograd import tracing
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ._util import wrap

__all__ = ["batch_norm", "layer_norm", "group_norm", "normalize"]


def _standardized(x, dims, eps):
    """``(x - mean) / √(var + eps)`` over ``dims`` in primitive ops (biased variance)."""
    centered = x - x.mean(dims, keepdim=True)
    return centered / ((centered * centered).mean(dims, keepdim=True) + eps).sqrt()


def _affine(x, weight, bias, shape):
    """``x·w + b`` with ``w``, ``b`` (either may be None) viewed as ``shape`` to broadcast against ``x``."""
    if weight is not None:
        x = x * weight.reshape(shape)
    return x if bias is None else x + bias.reshape(shape)


def _channels_last_dims(x):
    """``x`` as C-contiguous ``(N, C, S)``: the kernels' layout."""
    return np.ascontiguousarray(x).reshape(x.shape[0], x.shape[1], math.prod(x.shape[2:]))


def _rows(x, size):
    """``x`` as C-contiguous rows of ``size`` values (layer norm's layout)."""
    return np.ascontiguousarray(x).reshape(-1, size)


def _flat(value, dtype, size, fill):
    """A layer-norm weight or bias as the kernels take it: flat, C-contiguous, of the input's dtype (``fill``s when
    None)."""
    return np.full(size, fill, dtype) if value is None else np.ascontiguousarray(value, dtype=dtype).reshape(-1)


def _as_double(value, size):
    return np.ones(size) if value is None else value.astype(np.float64)


class BatchNorm(Function):
    """``y = (x - mean_c)·invstd_c·w_c + b_c`` over ``(N, C, *)``, where ``mean`` and ``invstd`` are ``(C,)`` float64
    arrays the caller computed: the batch statistics of ``x`` when ``training`` (then they depend on ``x``, and
    the gradient of ``x`` says so), or the running statistics. Gradients: see the module docstring."""

    def forward(self, x, weight, bias, *, mean, invstd, training, eps):
        channels = x.shape[1]
        scale = _as_double(weight, channels) * invstd
        shift = (0 if bias is None else bias.astype(np.float64)) - mean * scale
        planes = _channels_last_dims(x)
        out = np.empty(x.shape, x.dtype)  # returned as allocated: an array that owns its memory
        _kernel.channel_affine(
            planes, scale, np.ascontiguousarray(shift, dtype=np.float64), out.reshape(planes.shape), get_num_threads()
        )
        return out

    def backward_arrays(self, grad):
        x, weight, _ = (None if t is None else t._data for t in self.inputs)
        need_x, need_w, need_b = self.needs_input_grad
        options, channels = self.options, x.shape[1]
        planes = _channels_last_dims(x)
        sum_g, sum_gx = np.empty(channels), np.empty(channels)
        # allocated in x's shape and returned as is: a gradient that owns its memory becomes a leaf's .grad
        # without a copy
        grad_x = np.empty(x.shape, x.dtype) if need_x else None
        _kernel.batch_norm_backward(
            _channels_last_dims(grad),
            planes,
            options["mean"],
            options["invstd"],
            _as_double(weight, channels),
            options["training"],
            sum_g,
            sum_gx,
            None if grad_x is None else grad_x.reshape(planes.shape),
            get_num_threads(),
        )
        return (
            grad_x,
            sum_gx.astype(x.dtype) if need_w else None,
            sum_g.astype(x.dtype) if need_b else None,
        )

    def composite(self, x, weight, bias, *, mean, invstd, training, eps):
        shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        if training:
            normalized = _standardized(x, (0,) + tuple(range(2, x.ndim)), eps)
        else:
            normalized = (x - wrap(mean.reshape(shape).astype(x._data.dtype))) * wrap(
                invstd.reshape(shape).astype(x._data.dtype)
            )
        return _affine(normalized, weight, bias, shape)


def _parameter_grad(partial_sums, parameter):
    """The per-thread rows of a layer-norm weight or bias gradient added up, in the parameter's shape and dtype
    (an array of its own: no copy when it becomes the parameter's ``.grad``)."""
    total = np.empty(parameter.shape, parameter.dtype)
    np.add.reduce(partial_sums, axis=0, dtype=np.float64, out=total.reshape(-1))  # summed in double, then cast
    return total


class LayerNorm(Function):
    """``y = x̂·w + b`` with ``x̂`` standardised over the last ``dims`` dims and ``w``, ``b`` of those dims' shape
    (either may be None). Gradients: see the module docstring."""

    def forward(self, x, weight, bias, *, dims, eps):
        self.row_size = int(np.prod(x.shape[x.ndim - dims :], dtype=np.int64))
        rows = _rows(x, self.row_size)
        out = np.empty(x.shape, x.dtype)  # returned as allocated: an array that owns its memory
        self.mean, self.invstd = np.empty(rows.shape[0]), np.empty(rows.shape[0])
        _kernel.layer_norm_forward(
            rows,
            _flat(weight, x.dtype, self.row_size, 1),
            _flat(bias, x.dtype, self.row_size, 0),
            eps,
            out.reshape(rows.shape),
            self.mean,
            self.invstd,
            get_num_threads(),
        )
        return out

    def backward_arrays(self, grad):
        x, weight, bias = (None if t is None else t._data for t in self.inputs)
        need_x = self.needs_input_grad[0]
        threads = get_num_threads()
        sum_gx, sum_g = np.zeros((threads, self.row_size)), np.zeros((threads, self.row_size))
        rows = _rows(grad, self.row_size)
        # allocated in x's shape and returned as is: a gradient that owns its memory becomes a leaf's .grad
        # without a copy
        grad_x = np.empty(x.shape, x.dtype) if need_x else None
        # a group of one element standardises to 0 whatever x is: its gradient is exactly 0, which the kernel's
        # fused a·g·w + b·x + c would leave as float32 rounding noise magnified by 1/√eps
        single = self.row_size == 1
        if single and need_x:
            grad_x.fill(0)
        _kernel.layer_norm_backward(
            rows,
            _rows(x, self.row_size),
            self.mean,
            self.invstd,
            _flat(weight, x.dtype, self.row_size, 1),
            None if grad_x is None or single else grad_x.reshape(rows.shape),
            sum_gx,
            sum_g,
            threads,
        )
        return (
            grad_x,
            _parameter_grad(sum_gx, weight) if self.needs_input_grad[1] else None,
            _parameter_grad(sum_g, bias) if self.needs_input_grad[2] else None,
        )

    def composite(self, x, weight, bias, *, dims, eps):
        return _affine(
            _standardized(x, tuple(range(x.ndim - dims, x.ndim)), eps), weight, bias, x.shape[x.ndim - dims :]
        )


# ------------------------------------------------------------------------------------------------ functions
def _check_channel_vector(name, value, channels):
    if value is not None and value.numel() != channels:
        raise RuntimeError(f"{name} should contain {channels} elements not {value.numel()}")


@tracing.unit("batch_norm")
def batch_norm(
    input,
    running_mean,
    running_var,
    weight=None,
    bias=None,
    training=False,  # noqa: A002
    momentum=0.1,
    eps=1e-5,
):
    """Batch normalisation of ``(N, C, *)`` per channel. In training, the statistics are the batch's (over N and
    the spatial dims, ``M`` values per channel) and the running buffers, when given, are updated in place:
    ``running_mean ← (1 - momentum)·running_mean + momentum·mean``, ``running_var`` likewise with the unbiased
    variance ``var·M/(M-1)``. In evaluation the running statistics are used (and must be given).

    Gradient: in training, with ``x̂`` the standardised input and ``ĝ = g · weight``, ``(ĝ - mean ĝ - x̂ · mean(ĝ x̂)) /
    σ`` to ``x`` (means over N and the spatial dims of each channel); in eval mode ``ĝ / √(running_var + eps)``; ``Σ g
    x̂`` to ``weight`` and ``Σ g`` to ``bias``.

    >>> x = minigrad.tensor([[1.0], [3.0]])
    >>> F.batch_norm(x, minigrad.zeros(1), minigrad.ones(1), training=True)
    tensor([[-1.0000],
            [ 1.0000]])
    """
    if input.ndim < 2:  # torch reads such an input as having no channels: only an empty one passes
        for name, value in (("running_mean", running_mean), ("running_var", running_var)):
            _check_channel_vector(name, value, 0)
        if input.numel() == 0:
            return input.clone()
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-max(input.ndim, 1)}, "
            f"{max(input.ndim, 1) - 1}], but got 1)"
        )
    channels = input.shape[1]
    for name, value in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        _check_channel_vector(name, value, channels)
    count = input.numel() // channels
    if training:
        if eps <= 0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
        if count == 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size torch.Size({list(input.shape)})"
            )
        if count == 0:  # an empty batch: an empty result, running statistics untouched (as torch)
            return BatchNorm.apply(
                input, weight, bias, mean=np.zeros(channels), invstd=np.ones(channels), training=False, eps=eps
            )
        mean, var = np.empty(channels), np.empty(channels)
        _kernel.channel_stats(_channels_last_dims(input._data), mean, var, get_num_threads())
        if running_mean is not None:
            _update_running(running_mean, mean, momentum)
        if running_var is not None:
            _update_running(running_var, var * (count / (count - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                f"{'running_mean' if running_mean is None else 'running_var'} must be defined in evaluation mode"
            )
        mean, var = running_mean._data.astype(np.float64), running_var._data.astype(np.float64)
    return BatchNorm.apply(
        input, weight, bias, mean=mean, invstd=1 / np.sqrt(var + eps), training=bool(training), eps=eps
    )


def _update_running(buffer, batch_value, momentum):
    """``buffer ← (1 - momentum)·buffer + momentum·batch_value`` in place. A plain buffer (no grad, no views, the
    usual case) is updated on its array with its version bumped, as the optimizers update parameters: the two
    in-place Tensor ops cost more than the rest of a small layer's forward."""
    update = (momentum * batch_value).astype(buffer._data.dtype)
    if not _plain(buffer):
        with no_grad():
            buffer.mul_(1 - momentum).add_(wrap(update))
        return
    np.multiply(buffer._data, 1 - momentum, out=buffer._data)
    buffer._data += update
    buffer._shared_version_counter()[0] += 2  # mul_ and add_


def count_batch(counter):
    """``counter += 1`` in place (batch norm's ``num_batches_tracked``), on the array of a plain buffer as in
    ``_update_running`` (the in-place Tensor op took a fifth of a small BatchNorm2d step)."""
    if not _plain(counter):
        with no_grad():
            counter.add_(1)
        return
    counter._data += 1
    counter._shared_version_counter()[0] += 1


def _plain(buffer):
    """Whether a buffer can be updated on its array: no grad, not a view, no views of it."""
    return not (buffer.requires_grad or buffer._base is not None or buffer._views)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Standardise over the last ``len(normalized_shape)`` dims, then ``·weight + bias`` (both of
    ``normalized_shape``, either may be None).

    Gradient: with ``x̂`` the standardised input and ``ĝ = g · weight``, ``(ĝ - mean ĝ - x̂ · mean(ĝ x̂)) / σ`` to ``x``
    (means over the normalised dims); ``Σ g x̂`` to ``weight`` and ``Σ g`` to ``bias`` over the leading dims.

    >>> F.layer_norm(minigrad.tensor([[1.0, 3.0]]), (2,))
    tensor([[-1.0000,  1.0000]])
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if input.shape[input.ndim - len(shape) :] != shape or len(shape) > input.ndim:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}"
        )
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and value.shape != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                f"{list(value.shape)} and normalized_shape = {list(shape)}"
            )
    return LayerNorm.apply(input, weight, bias, dims=len(shape), eps=eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Split the C channels of ``(N, C, *)`` into ``num_groups`` groups, standardise each sample's group over its
    channels and spatial dims, then ``·weight + bias`` per channel (``(C,)`` each, either may be None).

    Gradient: with ``x̂`` the standardised input and ``ĝ = g · weight``, ``(ĝ - mean ĝ - x̂ · mean(ĝ x̂)) / σ`` to ``x``
    (means over each sample's group); ``Σ g x̂`` to ``weight`` and ``Σ g`` to ``bias``.

    >>> F.group_norm(minigrad.tensor([[1.0, 3.0]]), 1)
    tensor([[-1.0000,  1.0000]])
    """
    channels = input.shape[1] if input.ndim > 1 else 0
    if input.ndim < 2 or channels % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of "
            f"shape {list(input.shape)} and num_groups={num_groups}"
        )
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and value.shape != (channels,):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in input, "
                f"but got {name} of shape {list(value.shape)} and input of shape {list(input.shape)}"
            )
    per_group = (channels // num_groups) * int(np.prod(input.shape[2:], dtype=np.int64))  # -1 fails when N = 0
    grouped = LayerNorm.apply(input.reshape(input.shape[0], num_groups, per_group), None, None, dims=1, eps=eps)
    return _affine(grouped.reshape(input.shape), weight, bias, (1, channels) + (1,) * (input.ndim - 2))


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):  # noqa: A002
    """``x / max(‖x‖_p, eps)`` with the norm taken along ``dim`` (``out`` is not supported).

    Gradient (p = 2): ``(g - y Σ g y) / ‖x‖`` along ``dim`` with ``y`` the output, and ``g / eps`` where the norm is
    below ``eps``; other ``p`` through the norm's gradient.

    >>> F.normalize(minigrad.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
    """
    if out is not None:
        raise NotImplementedError("normalize(out=...) is not supported")
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps)
