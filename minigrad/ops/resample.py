"""Resampling along one axis: the separable building block of ``F.interpolate`` (every mode is a product of
per-axis linear maps).

Along an axis of input length ``n_in``, output position ``o`` reads ``K`` taps::

    out[..., o, ...] = Σ_k weight[k, o] · x[..., index[k, o], ...]

with ``index`` and ``weight`` of shape ``(K, n_out)`` (``Taps``; nearest modes: one tap, no weights). The taps
follow torch's source-index rules exactly (``nearest_taps``, ``linear_taps``, ``cubic_taps``, ``area_taps``, and
``antialias_taps``, torch's antialiased bilinear and bicubic taps, whose filter widens with the shrink factor),
computed in the input's floating dtype as torch computes them. Every mode's ``index[k]`` is non-decreasing in ``o``,
so the adjoint (the backward) is a segment sum: ``np.add.reduceat`` over the runs of equal indices, then one
unique-index add per tap. ``Resample`` and ``ResampleAdjoint`` are each other's backward, so double backward
needs no formula.
"""

import numpy as np

from ..autograd.function import Function

__all__ = [
    "Taps",
    "Resample",
    "ResampleAdjoint",
    "nearest_taps",
    "linear_taps",
    "cubic_taps",
    "area_taps",
    "antialias_taps",
    "resample_uint8",
]

CUBIC_A = -0.75  # torch's bicubic convolution constant
ANTIALIAS_CUBIC_A = -0.5  # Keys' constant, which torch's antialiased bicubic filter uses


class Taps:
    """The taps of one axis: ``index`` int64 ``(K, n_out)``, ``weight`` ``(K, n_out)`` or None (weight 1),
    ``mask`` ``(K, n_out)`` bool or None (taps that count; area windows shorter than ``K``) and the input
    length ``size``. Also, per tap, the run starts of its index and the index of each run (for the adjoint)."""

    def __init__(self, index, size, weight=None, mask=None):
        self.index, self.size, self.weight, self.mask = index, size, weight, mask
        self.runs = []
        for row in index:
            starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]]) if row.size else row[:0]
            self.runs.append((starts, row[starts]))

    @property
    def out_size(self):
        return self.index.shape[1]

    def shaped(self, row, ndim, axis, dtype):
        """Tap row ``row`` of the weights as an array broadcasting along ``axis`` of an ``ndim``-dim array."""
        return self.weight[row].astype(dtype, copy=False).reshape((-1,) + (1,) * (ndim - 1 - axis))

    def shaped_mask(self, row, ndim, axis):
        return self.mask[row].reshape((-1,) + (1,) * (ndim - 1 - axis))


class Resample(Function):
    """``apply(x, axis=, taps=)``: ``x`` resampled along ``axis`` (see the module docstring). Linear in ``x``;
    gradient: ``ResampleAdjoint``."""

    keeps_inputs = False

    def forward(self, x, *, axis, taps):
        self.in_shape = x.shape
        if taps.weight is None:
            return np.take(x, taps.index[0], axis=axis)
        out = None
        for k in range(taps.index.shape[0]):
            term = np.take(x, taps.index[k], axis=axis)
            term *= taps.shaped(k, x.ndim, axis, x.dtype)
            if taps.mask is not None:  # a window shorter than K: its padding taps add nothing (not even 0 * inf)
                term = np.where(taps.shaped_mask(k, x.ndim, axis), term, 0)
            out = term if out is None else np.add(out, term, out=out)
        return out

    def backward(self, grad):
        return ResampleAdjoint.apply(grad, axis=self.options["axis"], taps=self.options["taps"], shape=self.in_shape)


class ResampleAdjoint(Function):
    """``apply(g, axis=, taps=, shape=)``: the transpose of ``Resample``: each ``g[..., o, ...]`` times its tap
    weight, added into zeros of ``shape`` at the tap's input position. Gradient: ``Resample``."""

    keeps_inputs = False

    def forward(self, grad, *, axis, taps, shape):
        out = np.zeros(shape, dtype=grad.dtype)
        prefix = (slice(None),) * axis
        for k, (starts, targets) in enumerate(taps.runs):
            term = grad if taps.weight is None else grad * taps.shaped(k, grad.ndim, axis, grad.dtype)
            if taps.mask is not None:
                term = np.where(taps.shaped_mask(k, grad.ndim, axis), term, 0)
            if starts.size:
                out[prefix + (targets,)] += np.add.reduceat(term, starts, axis=axis)
        return out

    def backward(self, grad):
        return Resample.apply(grad, axis=self.options["axis"], taps=self.options["taps"])


# ----------------------------------------------------------------------------------------------------------------
# torch's source-index rules (aten/src/ATen/native/UpSample.h), per axis. ``scale`` is the user's scale factor
# (None when the output size was given or recomputed); ``dtype`` the input's floating dtype, in which torch
# computes the source coordinates (float32 inputs: float32 arithmetic, with the C promotions noted below).


def _ratio(size, out, align_corners, scale, dtype):
    """torch's ``area_pixel_compute_scale``: input steps per output step."""
    if align_corners:
        return dtype.type(size - 1) / dtype.type(out - 1) if out > 1 else dtype.type(0)
    return _scale_value(size, out, scale, dtype)


def _scale_value(size, out, scale, dtype):
    """``1 / scale`` rounded to ``dtype`` when a positive scale was given, else ``size / out`` in ``dtype``."""
    if scale is not None and scale > 0:
        return dtype.type(1.0 / scale)
    return dtype.type(size) / dtype.type(out)


def _source(ratio, out, align_corners, dtype, cubic=False):
    """torch's ``area_pixel_compute_source_index`` for every output position: ``ratio·o`` with aligned corners,
    else ``ratio·(o + 0.5) - 0.5`` (evaluated in double, then rounded to ``dtype``), clamped at 0 except for
    cubic."""
    o = np.arange(out)
    if align_corners:
        return ratio * o.astype(dtype)
    source = (np.float64(ratio) * (o + 0.5) - 0.5).astype(dtype)
    return source if cubic else np.maximum(source, dtype.type(0))


def _floor_index(source, size):
    """``min(floorf(source), size - 1)`` as int64 (C's floorf: rounded to float32 first) and the clamped
    fraction ``min(max(source - index, 0), 1)``."""
    index = np.minimum(np.floor(source.astype(np.float32)).astype(np.int64), size - 1)
    fraction = np.clip(source - index.astype(source.dtype), 0, 1).astype(source.dtype)
    return index, fraction


def nearest_taps(size, out, scale, exact):
    """'nearest': ``min(floor(o · s), size - 1)`` (identity when the sizes agree, ``o >> 1`` when doubling);
    'nearest-exact': ``min(floor((o + 0.5) · s), size - 1)``; ``s`` a float32 ``1/scale`` or ``size/out``."""
    o = np.arange(out)
    ratio = _scale_value(size, out, scale, np.dtype(np.float32))
    if exact:
        index = np.floor(((o + 0.5) * np.float64(ratio)).astype(np.float32)).astype(np.int64)
    elif out == size:
        index = o
    elif out == 2 * size:
        index = o >> 1
    else:
        index = np.floor(o.astype(np.float32) * ratio).astype(np.int64)
    return Taps(np.minimum(index, size - 1)[None], size)


def linear_taps(size, out, align_corners, scale, dtype):
    """Linear interpolation: taps ``i0 = min(floor(src), size-1)`` and ``i0 + 1`` (``i0`` at the last input),
    weights ``1 - λ`` and ``λ``, ``λ`` the clamped fraction; torch's identity when the sizes agree without
    aligned corners (weights 1 and 0 on the same position)."""
    if out == size and not align_corners:
        index = np.arange(out)
        return Taps(np.stack([index, index]), size, np.stack([np.ones(out, dtype), np.zeros(out, dtype)]))
    ratio = _ratio(size, out, align_corners, scale, dtype)
    index, fraction = _floor_index(_source(ratio, out, align_corners, dtype), size)
    upper = index + (index < size - 1)
    return Taps(np.stack([index, upper]), size, np.stack([dtype.type(1) - fraction, fraction]))


def cubic_taps(size, out, align_corners, scale, dtype):
    """Bicubic (per axis): taps ``i0 - 1 .. i0 + 2`` clamped to the input, weights the cubic convolution
    kernel (A = -0.75) at distances ``t + 1, t, 1 - t, 2 - t`` from the unclamped source coordinate."""
    ratio = _ratio(size, out, align_corners, scale, dtype)
    index, t = _floor_index(_source(ratio, out, align_corners, dtype, cubic=True), size)
    a, one = dtype.type(CUBIC_A), dtype.type(1)
    weights = np.stack(
        [_cubic_far(t + one, a), _cubic_near(t, a), _cubic_near(one - t, a), _cubic_far((one - t) + one, a)]
    )
    taps = np.clip(index[None] + np.arange(-1, 3)[:, None], 0, size - 1)
    return Taps(taps, size, weights.astype(dtype))


def _cubic_near(x, a):
    """The cubic convolution kernel for ``|x| <= 1``: ``((a + 2)|x| - (a + 3)) x² + 1``."""
    return ((a + 2) * x - (a + 3)) * x * x + x.dtype.type(1)


def _cubic_far(x, a):
    """The cubic convolution kernel for ``1 < |x| < 2``: ``((a|x| - 5a)|x| + 8a)|x| - 4a``."""
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


def _antialias_filter(x, cubic):
    """torch's antialias filters at ``x`` (in ``x``'s dtype): the triangle ``max(1 - |x|, 0)``, or the cubic
    convolution kernel with A = -0.5 (0 from ``|x| = 2``)."""
    x = np.abs(x)
    zero = x.dtype.type(0)
    if not cubic:
        return np.where(x < 1, x.dtype.type(1) - x, zero)
    a = x.dtype.type(ANTIALIAS_CUBIC_A)
    return np.where(x < 1, _cubic_near(x, a), np.where(x < 2, _cubic_far(x, a), zero))


def antialias_taps(size, out, align_corners, scale, dtype, cubic):
    """torch's antialiased bilinear (``cubic`` False) or bicubic taps (UpSampleKernel.cpp, ``_compute_weights_aa``),
    in ``dtype`` with torch's C promotions. With ``s`` the input steps per output step (``_ratio``), output ``o`` is
    centred at ``c = s (o + 0.5)``; the filter (triangle, or cubic with A = -0.5) has half-width ``r = 1`` or ``2``,
    stretched to ``r s`` when shrinking (``s >= 1``, where it is also evaluated at distances divided by ``s``).
    The taps are the inputs ``i`` in ``[trunc(c - r s + 0.5), trunc(c + r s + 0.5))`` within ``[0, size)``, at most
    ``2 ceil(r s) + 1``, weighted ``filter((i - c + 0.5) / s)`` and normalised to sum 1 (kept as they are if they
    sum to 0); shorter windows are padded with masked taps."""
    ratio = _ratio(size, out, align_corners, scale, dtype)
    half_width = 2 if cubic else 1
    stretching = ratio >= 1
    support = dtype.type(half_width * np.float64(ratio) if stretching else half_width)
    width = 2 * int(np.ceil(support)) + 1
    center = (np.float64(ratio) * (np.arange(out) + 0.5)).astype(dtype)
    inverse = dtype.type(1.0 / np.float64(ratio)) if stretching else dtype.type(1)
    # (a float32 difference plus the double 0.5 is a double in C: the sums below are in float64)
    first = np.maximum(np.trunc((center - support).astype(np.float64) + 0.5), 0).astype(np.int64)
    stop = np.minimum(np.trunc((center + support).astype(np.float64) + 0.5).astype(np.int64), size)
    count = np.clip(stop - first, 0, width)
    tap = np.arange(width)[:, None]
    distance = (((first + tap).astype(dtype) - center).astype(np.float64) + 0.5) * np.float64(inverse)
    inside = tap < count
    weight = np.where(inside, _antialias_filter(distance.astype(dtype), cubic), dtype.type(0))
    total = weight[0].copy()
    for row in weight[1:]:  # summed tap by tap, in torch's order
        total += row
    weight = np.where(total != 0, weight / np.where(total != 0, total, 1), weight).astype(dtype)
    index = np.clip(np.minimum(first + tap, first + np.maximum(count, 1) - 1), 0, size - 1)
    return Taps(index, size, weight, None if inside.all() else inside)


def area_taps(size, out, dtype):
    """'area' (adaptive average pooling): output ``o`` averages inputs ``floor(o·size/out)`` up to
    ``ceil((o+1)·size/out)`` (exclusive); windows shorter than the longest are padded with masked taps."""
    o = np.arange(out)
    start, stop = o * size // out, -((-(o + 1) * size) // out)
    count = stop - start
    k = np.arange(count.max() if out else 1)[:, None]
    index = np.minimum(start[None] + k, stop[None] - 1)
    weight = np.broadcast_to((dtype.type(1) / count.astype(dtype)).astype(dtype), index.shape)
    mask = None if (count == count.max()).all() else k < count[None]
    return Taps(index, size, np.ascontiguousarray(weight), mask)


def resample_uint8(x, axis, taps):
    """``x`` (uint8) resampled along ``axis`` in torch's fixed point: each output's float64 weights (summed where
    two taps read the same input) scaled by ``2^p`` and rounded half away from zero to integers, ``p`` the largest
    precision below 22 at which the axis's largest weight still fits int16; the integer sum plus ``2^(p-1)``
    shifted down by ``p`` and clamped to [0, 255], so each axis rounds once, as torch's separable uint8 passes do."""
    weight = np.zeros((taps.index.shape[0], taps.out_size))
    for k in range(taps.index.shape[0]):  # merge repeated taps (border inputs read twice) before rounding
        first = np.argmax(taps.index == taps.index[k], axis=0)
        np.add.at(weight, (first, np.arange(taps.out_size)), taps.weight[k])
    largest = weight.max()
    precision = 0
    while precision < 22 and int(0.5 + largest * (1 << (precision + 1))) < (1 << 15):
        precision += 1
    scaled = weight * (1 << precision)
    fixed = np.trunc(scaled + np.where(scaled < 0, -0.5, 0.5)).astype(np.int64)
    total = np.full(np.take(x, taps.index[0], axis=axis).shape, 1 << (precision - 1), np.int64)
    shape = (-1,) + (1,) * (x.ndim - 1 - axis)
    for k in range(taps.index.shape[0]):
        total += np.take(x, taps.index[k], axis=axis).astype(np.int64) * fixed[k].reshape(shape)
    return np.clip(total >> precision, 0, 255).astype(np.uint8)
