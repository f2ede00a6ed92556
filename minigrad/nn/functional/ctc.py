"""Connectionist Temporal Classification loss (``torch.nn.functional.ctc_loss``; spec/losses.md §5).

For each sample ``b`` the loss is the negative log-likelihood of its target ``l`` under all alignments ``π`` of
length ``T_b`` that collapse to ``l`` (merge repeats, drop blanks)::

    nll_b = -log Σ_{π : collapse(π) = l} Π_{t < T_b} exp(log_probs[t, b, π_t])

and the reductions are ``'none'`` (the N values), ``'sum'``, and ``'mean'`` = ``mean_b(nll_b / max(tl_b, 1))``.

The work happens in one compiled call (``minigrad._kernels.ctc``) that returns the losses *and* the gradient;
the autograd node (a ``_fused.FirstOrderOnly`` loss: there is no composite, so differentiating the gradient again
raises) only scales that cached gradient in the backward. Its gradient w.r.t. ``log_probs`` is the true
derivative ``-γ`` (γ = posterior occupancy of each class at each step); PyTorch returns ``exp(log_probs) - γ``,
which agrees once ``log_softmax`` is in the graph (spec §12.1).

Unlike PyTorch, every input is validated before the kernel runs: a target equal to ``blank`` or outside
``[0, C)``, negative lengths, lengths beyond the tensors, and lengths of the wrong size raise (spec §12.2).
"""

import operator

import numpy as np

from ..._kernels import ctc as _kernel
from ...autograd.tensor import Tensor
from ._fused import FirstOrderOnly
from ._reduction import check_reduction, torch_dtype_name

__all__ = ["ctc_loss"]


def _lengths(lengths, name):
    """An integer Tensor / array (any shape, flattened) or a list/tuple of ints, as an int64 vector."""
    if isinstance(lengths, Tensor):
        array = lengths._data
    elif isinstance(lengths, np.ndarray):
        array = lengths
    elif isinstance(lengths, (list, tuple)):
        try:
            return np.array([operator.index(value) for value in lengths], dtype=np.int64)
        except TypeError:
            raise TypeError(
                f"ctc_loss(): argument '{name}' must be a Tensor or a tuple of ints, but got "
                f"{type(lengths).__name__} of {[type(v).__name__ for v in lengths]}"
            ) from None
    else:
        raise TypeError(
            f"ctc_loss(): argument '{name}' must be a Tensor or a tuple of ints, not {type(lengths).__name__}"
        )
    if array.dtype.kind not in "biu":
        raise RuntimeError(f"{name} must be integral")
    return np.ascontiguousarray(array, dtype=np.int64).reshape(-1)


def _targets(targets):
    """The targets as an int64 array (torch casts any dtype, truncating floats)."""
    if isinstance(targets, Tensor):
        array = targets._data
    elif isinstance(targets, np.ndarray):
        array = targets
    else:
        raise TypeError(f"ctc_loss(): argument 'targets' must be Tensor, not {type(targets).__name__}")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"ctc_loss(): targets must be a real tensor of class indices, got dtype {array.dtype}")
    if array.dtype != np.int64:
        with np.errstate(invalid="ignore"):  # nan / inf targets become out-of-range values, rejected below
            array = array.astype(np.int64)
    return array


def _check_target_values(values, locate, num_classes, blank):
    """Every target inside its length must be a class in [0, C) other than blank (spec §12.2). ``locate(i)`` gives
    (sample, position) of ``values[i]`` for the message."""
    bad = (values < 0) | (values >= num_classes) | (values == blank)
    if not bad.any():
        return
    i = int(np.argmax(bad))
    value, where = int(values[i]), "(sample {}, position {})".format(*locate(i))
    if value == blank:
        raise RuntimeError(f"ctc_loss: targets must not contain the blank label {blank}, but got {value} {where}")
    raise RuntimeError(f"ctc_loss: targets must be class indices in [0, {num_classes}), but got {value} {where}")


def _prepare(log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
    """Validate everything (torch's checks and messages, plus spec §12.2) and bring the targets into the kernel's
    form: concatenated-or-padded int64 targets with per-sample offsets, int64 lengths. Returns the keyword options
    of ``CtcLoss.apply``."""
    if not isinstance(log_probs, Tensor):
        raise TypeError(f"ctc_loss(): argument 'log_probs' must be Tensor, not {type(log_probs).__name__}")
    targets = _targets(targets)
    if isinstance(blank, (bool, np.bool_)) or not hasattr(blank, "__index__"):
        raise TypeError(f"ctc_loss(): argument 'blank' must be int, not {type(blank).__name__}")
    blank = operator.index(blank)
    if not isinstance(zero_infinity, (bool, np.bool_)):
        raise TypeError(f"ctc_loss(): argument 'zero_infinity' must be bool, not {type(zero_infinity).__name__}")
    input_lengths = _lengths(input_lengths, "input_lengths")
    target_lengths = _lengths(target_lengths, "target_lengths")

    data = log_probs._data
    if data.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for '{torch_dtype_name(data.dtype)}'")
    unbatched = data.ndim == 2
    if data.ndim not in (2, 3):
        raise RuntimeError(
            f"Expected 3-dimensional (T, N, C) or 2-dimensional unbatched (T, C) tensor, but got "
            f"{data.ndim}-dimensional tensor for argument #1 'log_probs'"
        )
    if data.size == 0:
        raise RuntimeError("log_probs tensor must not be empty")
    if unbatched:
        data = data[:, None, :]
    T, N, C = data.shape
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    if input_lengths.size != N:
        raise RuntimeError("input_lengths must be of size batch_size")
    if target_lengths.size != N:
        raise RuntimeError("target_lengths must be of size batch_size")
    if targets.ndim not in (1, 2):
        raise RuntimeError(
            f"Expected 1 to 2 dimensions, but got {targets.ndim}-dimensional tensor for argument #2 'targets'"
        )
    for name, lengths in (("target_lengths", target_lengths), ("input_lengths", input_lengths)):
        if lengths.min() < 0:
            raise RuntimeError(f"Expected {name} to have value at least 0, but got value {lengths.min()}")
    if input_lengths.max() > T:
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value {input_lengths.max()}")

    if targets.ndim == 2:  # padded (N, S): sample b starts at b * S; entries past its length are never read
        if targets.shape[0] != N:
            raise RuntimeError(
                f"Expected tensor to have size {N} at dimension 0, but got size {targets.shape[0]} "
                f"for argument #2 'targets'"
            )
        S = targets.shape[1]
        if target_lengths.max() > S:
            raise RuntimeError(
                f"Expected tensor to have size at least {target_lengths.max()} at dimension 1, but "
                f"got size {S} for argument #2 'targets'"
            )
        inside = np.arange(S)[None, :] < target_lengths[:, None]
        _check_target_values(targets[inside], lambda i: [int(k[i]) for k in np.nonzero(inside)], C, blank)
        offsets = np.arange(N, dtype=np.int64) * S
        targets = np.ascontiguousarray(targets).reshape(-1)
    else:  # concatenated: sample b's target follows sample b-1's
        total = sum(int(n) for n in target_lengths)  # Python ints: an int64 sum could wrap to a plausible size
        if targets.shape[0] != total:
            raise RuntimeError(
                f"Expected tensor to have size {total} at dimension 0, but got size "
                f"{targets.shape[0]} for argument #2 'targets'"
            )
        ends = np.cumsum(target_lengths)
        offsets = ends - target_lengths

        def locate(i):
            sample = int(np.searchsorted(ends, i, side="right"))
            return sample, i - int(offsets[sample])

        _check_target_values(targets, locate, C, blank)
        targets = np.ascontiguousarray(targets)
    return dict(
        targets=targets,
        offsets=offsets,
        input_lengths=input_lengths,
        target_lengths=target_lengths,
        blank=blank,
        zero_infinity=bool(zero_infinity),
    )


class CtcLoss(FirstOrderOnly):
    """``apply(log_probs, reduction=, targets=, offsets=, input_lengths=, target_lengths=, blank=, zero_infinity=)``
    with the options from ``_prepare``. The kernel scales sample b's gradient by its share of the reduction:
    1 ('none', 'sum') or ``1 / (N max(tl_b, 1))`` ('mean')."""

    kernel = _kernel.ctc_loss

    def prepare(self, log_probs, *, targets, offsets, input_lengths, target_lengths, blank, zero_infinity):
        data = np.ascontiguousarray(log_probs[:, None, :] if log_probs.ndim == 2 else log_probs)
        N = data.shape[1]
        self.operands = (data, targets, offsets, input_lengths, target_lengths, blank, zero_infinity)
        self.loss_shape = () if log_probs.ndim == 2 else (N,)
        self.loss_size, self.grad_shapes, self.result_dtype = N, (data.shape,), data.dtype
        self.grad_homes = (log_probs.shape,)
        self.weights = 1.0 / (N * np.maximum(target_lengths, 1))

    def scale(self):
        return self.weights if self.reduction == "mean" else np.ones(self.loss_size)

    def mean(self, loss, total):
        return float((loss.astype(np.float64) * self.weights).sum())

    def upstream_shape(self, gradient_shape):
        """Sample b's upstream value scales its (T, C) slice."""
        return (1, self.loss_size, 1) if len(gradient_shape) == 3 else (1,) * len(gradient_shape)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """The Connectionist Temporal Classification loss.

    Parameters
    ----------
    log_probs : Tensor (T, N, C) or unbatched (T, C), float32 or float64
        Log-probabilities, time-major (usually ``log_softmax(..., dim=-1)`` of a network's output).
    targets : Tensor
        Padded (N, S) class indices (entries past ``target_lengths[b]`` are ignored), or all targets concatenated
        into one 1-D tensor of length ``sum(target_lengths)``. Any dtype; cast to int64. Must not contain
        ``blank`` and must lie in ``[0, C)``.
    input_lengths, target_lengths : Tensor or list/tuple of ints, N values (one for unbatched input)
        ``0 <= input_lengths[b] <= T``; ``target_lengths[b] >= 0``.
    blank : int, the blank class, ``0 <= blank < C``.
    reduction : 'none' | 'mean' | 'sum'
        'none': the N losses (0-dim for unbatched input); 'sum': their sum; 'mean': ``mean_b(nll_b / max(tl_b, 1))``.
    zero_infinity : bool
        Replace the +inf loss of an infeasible sample (one with no alignment, e.g. ``T_b < L + repeats``) by 0 and
        its gradient by 0. Without it such a sample's loss is inf and its gradient rows are nan, like PyTorch.

    Returns
    -------
    Tensor of log_probs' dtype. Its gradient w.r.t. ``log_probs`` is ``-γ`` (the true derivative; PyTorch gives
    ``exp(log_probs) - γ``), zero for ``t >= input_lengths[b]``.

    >>> uniform = minigrad.zeros(2, 1, 2).log_softmax(-1)  # T=2 steps, blank 0 and class 1 equally likely
    >>> F.ctc_loss(uniform, minigrad.tensor([[1]]), [2], [1])  # -log(3/4): paths 11, 01, 10
    tensor(0.2877)
    """
    reduction = check_reduction(reduction)
    prepared = _prepare(log_probs, targets, input_lengths, target_lengths, blank, zero_infinity)
    return CtcLoss.apply(log_probs, reduction=reduction, **prepared)
