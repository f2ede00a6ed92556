"""``linear_cross_entropy``: ``cross_entropy(linear(input, W, b), target)`` computed in chunks of tokens, so the
``(N, C)`` logits are never held whole (torch 2.13's ``F.linear_cross_entropy``), and
``LinearCrossEntropyOptions``, torch's chunking options.

For a chunk of rows ``x_c`` (``chunk`` tokens), ``z_c = x_c Wᵀ + b`` is one GEMM; the fused cross-entropy kernel
(``minigrad._kernels.cross_entropy``) turns it into the chunk's losses and, when gradients are wanted, the
scaled logit gradient ``G_c = s·w'_n (softmax(z_c) - onehot(y))`` (plus the label-smoothing term). Then

    grad_input[c] = G_c W,      grad_W += G_cᵀ x_c,      grad_b += Σ_rows G_c

so the peak extra memory is one ``(chunk, C)`` buffer (the logits, overwritten by their gradient), the kernel's
``(32, C)`` gradient buffer per thread and 16 MB of blocks of the ``grad_W`` update, instead of ``N·C`` logits.
Each chunk's rows (logits, loss kernel, input gradient), then its classes (the ``grad_W`` update), are split
over minigrad's threads, each calling single-threaded BLAS: on a shared machine a BLAS team that starts and
joins per GEMM, alternating with the kernels' OpenMP team, loses whole time slices. As in
torch's chunked op, the gradients of a 'mean'/'sum' loss are computed during the forward (the upstream
gradient of a scalar only rescales them); 'none' recomputes each chunk in the backward with its rows scaled by
the upstream gradient. The double backward is that of the
reference formula (``composite``: the linear layer then ``cross_entropy``), as torch's reference path has it.

Cases the chunked path does not take (probability targets, K-dimensional weights, uint8 targets, a class
weight that requires grad) run the reference formula, which also raises torch's errors for bad arguments.
"""

import dataclasses
import functools
import math
import warnings
from typing import Optional

import numpy as np

from ..._blas import run_parts
from ..._kernels import cross_entropy as _kernel
from ..._threads import get_num_threads
from ...autograd.function import Function
from ...ops._util import wrap
from ...ops.linalg import linear
from ._fused import kernel_dtype
from ._reduction import check_reduction, torch_dtype_name
from .classification import cross_entropy

__all__ = ["LinearCrossEntropyOptions", "linear_cross_entropy"]

_ACC_POLICIES = ("auto", "accurate", "balanced", "compact")
_GRAD_W_BLOCK_VALUES = (
    1 << 22
)  # values per block of the grad_W update (16 MB in float32; smaller blocks run the GEMM slower)
_KERNEL_ROWS = 32  # rows per cross-entropy kernel call (its gradient buffer)
_DEFAULT_CHUNKS = 16  # without options: a chunk is 1/16 of the rows (at least 256 rows)
_DEFAULT_MIN_CHUNK = 256


@dataclasses.dataclass(frozen=True)
class LinearCrossEntropyOptions:
    """torch's chunking options of ``linear_cross_entropy`` (same fields and validation).

    ``batch_chunk_size``: rows per chunk (None: from ``chunking_method``); ``chunking_method``: 'auto' (=
    'aspect_ratio:2'), 'aspect_ratio[:k]' (a chunk's logits as large as the input, divided by ``k``: the next power
    of two of ``ceil(N / ceil(C / H))``, over ``k``) or None (use ``batch_chunk_size``); ``acc_policy`` and
    ``acc_dtype`` choose torch's mixed-precision accumulation (minigrad accumulates in the input's dtype: they are
    validated and otherwise have no effect); ``allow_retain_graph`` is accepted (minigrad's backward may always
    run twice).

    >>> minigrad.nn.LinearCrossEntropyOptions(batch_chunk_size=64).batch_chunk_size
    64
    """

    allow_retain_graph: bool = False
    batch_chunk_size: Optional[int] = None
    chunking_method: Optional[str] = "auto"
    acc_policy: str = "auto"
    acc_dtype: object = None

    def __post_init__(self):
        if self.acc_policy not in _ACC_POLICIES:
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r}")
        if self.chunking_method is not None and self.chunking_method != "auto":
            name, sep, factor = self.chunking_method.partition(":")
            factor = factor if sep else "1"
            if not (name == "aspect_ratio" and factor.isdigit() and int(factor) > 0):
                raise ValueError(f"invalid chunking_method: {self.chunking_method!r}")
        size = self.batch_chunk_size
        if not (size is None or (isinstance(size, int) and not isinstance(size, bool) and size > 0)):
            raise ValueError(f"batch_chunk_size must be positive int or None, got {size!r}")

    def chunk_size(self, rows, in_features, num_classes):
        """The rows per chunk for ``rows`` tokens (torch's ``_adjust``); ValueError when ``batch_chunk_size``
        and ``chunking_method`` disagree."""
        method = self.chunking_method
        if method == "auto":
            method = None if self.batch_chunk_size is not None else "aspect_ratio:2"
        size = rows if self.batch_chunk_size is None else min(self.batch_chunk_size, rows)
        if method is not None:
            size = aspect_ratio_chunk(rows, in_features, num_classes, int(method.partition(":")[2] or 1))
            if self.batch_chunk_size is not None and self.batch_chunk_size != size:
                raise ValueError(
                    f"batch_chunk_size (={self.batch_chunk_size}) and chunking_method ('{method}') give different "
                    f"chunk sizes ({self.batch_chunk_size} vs {size}); pass only one."
                )
        return max(1, size)


def aspect_ratio_chunk(rows, in_features, num_classes, factor):
    """A chunk whose ``(chunk, C)`` logits hold about as many values as the ``(N, H)`` input, over ``factor``:
    ``next_pow2(ceil(N / ceil(C / H))) // factor``, at most ``N``."""
    per_row = -(-num_classes // max(in_features, 1))
    target = -(-rows // max(per_row, 1))
    return min((1 << max(target - 1, 0).bit_length()) // factor, rows)


class _Sweep:
    """One pass over the chunks: losses per row and, optionally, the three gradients (see the module
    docstring), for fixed targets and options."""

    def __init__(self, target, weight, ignore_index, label_smoothing, scale, chunk):
        self.target, self.weight, self.ignore_index = target, weight, ignore_index
        self.label_smoothing, self.scale, self.chunk = label_smoothing, scale, chunk

    def run(self, x, w, b, want, row_scale=None):
        """Losses ``(N,)`` and ``[grad_x, grad_w, grad_b]`` (None where ``want``, the (input, weight, bias)
        flags, is False); ``row_scale`` multiplies each row's logit gradient (the upstream gradient of
        'none').

        Per chunk two stages, each split over minigrad's threads with single-threaded BLAS (``run_parts``): the
        chunk's rows (logits, the loss kernel, ``G_c W``), then the classes (``grad_W += G_cᵀ x_c``)."""
        rows, classes = x.shape[0], w.shape[0]
        dtype = x.dtype
        losses = np.empty(rows, dtype)
        shapes = (x.shape, w.shape, (classes,))
        grads = [np.zeros(shape, dtype) if need else None for need, shape in zip(want, shapes)]
        chunk = min(self.chunk, max(rows, 1))
        logits = np.empty((chunk, classes), dtype)
        threads = get_num_threads()
        for start in range(0, rows, chunk):
            stop = min(start + chunk, rows)
            z = logits[: stop - start]
            rows_part = functools.partial(self._rows, x, w, b, z, start, losses, grads[0], row_scale, any(want))
            run_parts(rows_part, stop - start, threads)
            if not any(want):
                continue
            if want[1]:
                parts = min(threads, classes)
                block = max(1, _GRAD_W_BLOCK_VALUES // max(x.shape[1] * parts, 1))
                run_parts(functools.partial(_add_weight_gradient, grads[1], z, x[start:stop], block), classes, threads)
            if want[2]:
                grads[2] += z.sum(axis=0)
        return losses, grads

    def _rows(self, x, w, b, z, start, losses, grad_x, row_scale, want_grad, lo, hi, threads):
        """Rows ``[lo, hi)`` of the chunk starting at ``start``: their logits into ``z``, their losses, and (with
        ``want_grad``) their logit gradients over the logits and their input gradient."""
        z = z[lo:hi]
        first = start + lo
        np.matmul(x[first : start + hi], w.T, out=z)
        if b is not None:
            z += b
        # the kernel's gradient goes through a few-row buffer and back into the logits, which the chunk no longer
        # needs: one (chunk, C) array instead of two
        band = min(_KERNEL_ROWS, max(hi - lo, 1))
        logit_grad = np.empty((band, z.shape[1]), z.dtype) if want_grad else None
        for r0 in range(0, hi - lo, band):
            r1 = min(r0 + band, hi - lo)
            g = None if logit_grad is None else logit_grad[: r1 - r0]
            _kernel.cross_entropy_index(
                z[r0:r1], self.target[first + r0 : first + r1], self.weight, self.ignore_index,
                self.label_smoothing, self.scale, losses[first + r0 : first + r1], g, threads,
            )  # fmt: skip
            if g is not None:
                z[r0:r1] = g
        if want_grad and row_scale is not None:
            z *= row_scale[first : start + hi, None]
        if grad_x is not None:
            np.matmul(z, w, out=grad_x[first : start + hi])


def _add_weight_gradient(grad_w, g, x, block, c0, c1, threads):
    """``grad_w[c0:c1] += g[:, c0:c1]ᵀ x``, ``block`` classes at a time (a whole ``gᵀ x`` would be as large as
    ``grad_w``); ``threads`` (``run_parts``'s) goes unused: BLAS sets its own."""
    scratch = np.empty((min(block, c1 - c0), x.shape[1]), grad_w.dtype)
    for lo in range(c0, c1, block):
        hi = min(lo + block, c1)
        part = scratch[: hi - lo]
        np.matmul(g[:, lo:hi].T, x, out=part)
        grad_w[lo:hi] += part


def _operands(x, w, b, weight=None):
    """The arrays in the kernel's dtype, C-contiguous."""
    dtype = kernel_dtype(x.dtype)
    return [None if a is None else np.ascontiguousarray(a, dtype) for a in (x, w, b, weight)]


class LinearCrossEntropy(Function):
    """``apply(input (N, H), W (C, H), bias (C,) or None, target=int64 (N,), weight=(C,) array or None,
    ignore_index=, label_smoothing=, reduction=, chunk=)``: the chunked loss (module docstring)."""

    def forward(self, x, w, b, *, target, weight, ignore_index, label_smoothing, reduction, chunk):
        x, w, b, weight = _operands(x, w, b, weight)
        weight_sum = _kernel.valid_weight_sum(target, w.shape[0], weight, ignore_index)
        with np.errstate(divide="ignore"):  # no valid target: an infinite scale and nan, as torch
            scale = 1.0 / np.float64(weight_sum) if reduction == "mean" else 1.0
        self.sweep = _Sweep(target, weight, ignore_index, label_smoothing, scale, chunk)
        want = (False, False, False) if reduction == "none" else self._wanted()
        losses, self.grads = self.sweep.run(x, w, b, want)
        if reduction == "none":
            return losses
        total = losses.sum(dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):  # 'mean' of nothing: nan, as torch
            return np.asarray(total if reduction == "sum" else total / np.float64(weight_sum), dtype=x.dtype)

    def _wanted(self):
        return tuple(self.needs_input_grad)  # a bias of None never needs one

    def backward_arrays(self, grad):
        """Scalar losses: the forward's gradients times ``grad`` (recomputed if a retained graph runs the
        backward again); 'none': one more sweep with each row's gradient scaled by ``grad``."""
        x, w, b = (None if t is None else t._data for t in self.inputs[:3])
        if self.options["reduction"] == "none":
            _, grads = self.sweep.run(*_operands(x, w, b)[:3], self._wanted(), row_scale=grad.reshape(-1))
        else:
            grads, self.grads = self.grads, None
            if grads is None or not any(g is not None for g in grads):
                grads = self.sweep.run(*_operands(x, w, b)[:3], self._wanted())[1]
            factor = grad.reshape(())
            if factor != 1:
                for g in grads:
                    if g is not None:
                        g *= g.dtype.type(factor)
        return tuple(None if g is None else g.astype(a.dtype, copy=False) for g, a in zip(grads, (x, w, b)))

    def composite(self, x, w, b, *, target, weight, ignore_index, label_smoothing, reduction, chunk):
        """The reference formula: ``cross_entropy(linear(x, w, b), target, ...)``."""
        return cross_entropy(
            linear(x, w, b),
            wrap(target),
            weight=None if weight is None else wrap(weight),
            ignore_index=ignore_index,
            reduction=reduction,
            label_smoothing=label_smoothing,
        )


def _reference(
    input, linear_weight, target, linear_bias, weight, reduction, ignore_index, label_smoothing, logits_shape
):  # noqa: A002
    """torch's reference path: the whole logits, then cross_entropy."""
    classes = math.prod(logits_shape[input.ndim - 1 :])
    w = linear_weight.reshape(classes, input.shape[-1]) if linear_weight.ndim > 2 else linear_weight
    b = linear_bias.reshape(classes) if linear_bias is not None and linear_bias.ndim > 1 else linear_bias
    logits = linear(input, w, b).reshape(*logits_shape)
    return cross_entropy(
        logits, target, weight=weight, reduction=reduction, ignore_index=ignore_index, label_smoothing=label_smoothing
    )


def _check(input, linear_weight, linear_bias):  # noqa: A002
    if input.ndim < 1 or input.ndim > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.ndim}")
    if linear_weight.ndim < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.ndim}")
    if input.shape[-1] != linear_weight.shape[-1]:
        raise RuntimeError(
            "expected equal input and linear_weight last dimensions (in_features), "
            f"got {input.shape[-1]} and {linear_weight.shape[-1]}, respectively"
        )
    classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(classes, *out_features)}, got {tuple(linear_bias.shape)}")
    if out_features and input.ndim == 1:
        raise RuntimeError(
            f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} requires batched input, "
            f"(N, {input.shape[-1]}), got unbatched input with shape {tuple(input.shape)}"
        )
    return classes, out_features


def _chunkable(input, linear_weight, target, linear_bias, weight, out_features):  # noqa: A002
    """Whether the chunked path takes these arguments (else the reference formula does, and raises torch's
    errors for bad ones)."""
    arrays = [input, linear_weight] + [t for t in (linear_bias, weight) if t is not None]
    dtype = input._data.dtype
    return (
        not out_features
        and dtype.kind == "f"
        and all(t._data.dtype == dtype for t in arrays)
        and target._data.dtype == np.int64
        and tuple(target.shape) == tuple(input.shape[:-1])
        and (weight is None or (tuple(weight.shape) == (linear_weight.shape[0],) and not weight.requires_grad))
    )


def linear_cross_entropy(
    input,  # noqa: A002 - torch's argument name
    linear_weight,
    target,
    *,
    linear_bias=None,
    weight=None,
    reduction="mean",
    ignore_index=None,
    label_smoothing=0.0,
    options=None,
):
    """``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)`` without the whole logits.

    Parameters
    ----------
    input : Tensor (N, H) or (H,).
    linear_weight : Tensor (C, H), or (C, d1, ..., dK, H) for a K-dimensional loss (batched input only).
    target : class indices (N,) / () (int64; or (N, d1, ..., dK)), or probabilities of the logits' shape.
    linear_bias : Tensor (C,) or (C, d1, ..., dK), optional.
    weight, reduction, label_smoothing : as ``cross_entropy``.
    ignore_index : int or None (None: -100; must be None for probability targets).
    options : ``LinearCrossEntropyOptions`` or None: the chunk size. None (where torch computes the whole
        logits) chunks as well: ``max(256, N/16)`` rows, so the logits held are at most 1/16 of the whole for
        ``N >= 4096`` (fewer, larger chunks run faster: each chunk reads and writes all of ``grad_W``).

    Index targets with a (C, H) weight run in chunks of rows (module docstring): peak extra memory one
    ``(chunk, C)`` buffer, a ``(32, C)`` kernel buffer and a 16 MB block of the ``grad_W`` update.
    Gradients: ``G_c W`` for the input, ``Σ G_cᵀ x_c`` for the weight, ``Σ G_c`` for the bias,
    ``G = dL/dlogits`` (see ``cross_entropy``); twice differentiable (through the reference formula).

    >>> x, w, t = minigrad.randn(4, 3), minigrad.randn(5, 3), minigrad.tensor([0, 1, 2, 3])
    >>> bool((F.linear_cross_entropy(x, w, t) - F.cross_entropy(F.linear(x, w), t)).abs() < 1e-6)
    True
    """
    classes, out_features = _check(input, linear_weight, linear_bias)
    logits_shape = (*input.shape[:-1], classes, *out_features)
    probabilities = tuple(target.shape) == logits_shape
    if probabilities and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    ignore_index = -100 if ignore_index is None else ignore_index
    if options is not None and not isinstance(options, LinearCrossEntropyOptions):
        raise TypeError(f"options must be a LinearCrossEntropyOptions or None, got {type(options).__name__}")
    chunked = not probabilities and _chunkable(input, linear_weight, target, linear_bias, weight, out_features)
    if not chunked:
        if options is not None:
            warnings.warn(
                "linear_cross_entropy: ``options`` ignored; the chunked path needs class-index targets (int64) and "
                f"out_features == (). Got target.dtype={torch_dtype_name(target._data.dtype)}, "
                f"out_features={out_features}.",
                stacklevel=2,
            )
        return _reference(
            input, linear_weight, target, linear_bias, weight, reduction, ignore_index, label_smoothing, logits_shape
        )
    reduction = check_reduction(reduction)
    eps = float(label_smoothing)
    if eps > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")
    unbatched = input.ndim == 1
    rows = 1 if unbatched else input.shape[0]
    if options is None:
        chunk = max(1, min(rows, max(_DEFAULT_MIN_CHUNK, -(-rows // _DEFAULT_CHUNKS))))
    else:
        chunk = options.chunk_size(rows, input.shape[-1], classes)
    result = LinearCrossEntropy.apply(
        input.reshape(1, -1) if unbatched else input,
        linear_weight,
        linear_bias,
        target=np.ascontiguousarray(target._data, dtype=np.int64).reshape(-1),
        weight=None if weight is None else np.ascontiguousarray(weight._data).reshape(-1),
        ignore_index=int(ignore_index),
        label_smoothing=max(eps, 0.0),
        reduction=reduction,
        chunk=chunk,
    )
    return result.reshape(()) if unbatched and reduction == "none" else result
