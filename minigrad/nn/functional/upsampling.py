"""``interpolate`` and its older spellings (``upsample``, ``upsample_nearest``, ``upsample_bilinear``): torch's
argument handling and checks, then one ``Resample`` per spatial axis (``minigrad.ops.resample``).

Every mode is separable: an output value is a weighted sum over a product of per-axis taps, so resizing a
``(N, C, d1, ..., dk)`` input is ``k`` one-axis resamplings, applied from the last axis to the first. That is
the order torch's CPU kernels nest their sums in (the last axis innermost), so linear, bilinear, trilinear and
bicubic round like torch's. 'area' is adaptive average pooling (separable as well).
"""

import math
import numbers

import numpy as np

from ...autograd import tracing
from ...autograd.tensor import Tensor
from ...ops.resample import Resample, antialias_taps, area_taps, cubic_taps, linear_taps, nearest_taps, resample_uint8
from ._reduction import torch_dtype_name

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

# mode -> the input rank it needs (None: any of 3, 4, 5)
_MODE_RANK = {
    "nearest": None,
    "nearest-exact": None,
    "area": None,
    "linear": 3,
    "bilinear": 4,
    "bicubic": 4,
    "trilinear": 5,
}
_RANK_MODE = {3: "linear", 4: "bilinear", 5: "trilinear"}
# the CPU kernel torch's NotImplementedError names for a dtype it lacks, per mode
_KERNEL_NAME = {
    "nearest": "compute_indices_weights_nearest",
    "nearest-exact": "compute_indices_weights_nearest",
    "linear": "compute_indices_weights_linear",
    "trilinear": "compute_indices_weights_linear",
    "bilinear": "upsample_bilinear2d_channels_last",
    "bicubic": "compute_indices_weights_cubic",
}


def _sizes_and_scales(input, size, scale_factor, recompute_scale_factor, mode):  # noqa: A002 - torch's name
    """torch's resolution of ``size`` / ``scale_factor``: the output sizes and the scales the kernels see (None
    entries where the size was given or the scale recomputed)."""
    dim = input.ndim - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        output = _per_axis(size, dim, spatial, ("output", "output size of", "output size", "o"))
        if isinstance(size, (list, tuple)) and not all(isinstance(s, numbers.Integral) for s in size):
            raise TypeError(
                "expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, int], "
                f"but got size with types {[type(s) for s in size]}"
            )
        output = [int(s) for s in output]
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        return output, [None] * dim
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = [
        float(s)
        for s in _per_axis(scale_factor, dim, spatial, ("scale_factor", "scale_factor of shape", "scale_factor", "s"))
    ]
    output = [math.floor(n * s) for n, s in zip(spatial, scales)]
    if recompute_scale_factor or mode == "area":
        scales = [None] * dim
    return output, scales


def _per_axis(value, dim, spatial, words):
    """``value`` as one entry per spatial dim (a scalar repeated); torch's ValueError when a sequence has the wrong
    length. ``words``: how torch's message names the argument."""
    if not isinstance(value, (list, tuple)):
        return [value] * dim
    if len(value) != dim:
        name, described, layout, letter = words
        raise ValueError(
            f"Input and {name} must have the same number of spatial dimensions, but got input with spatial "
            f"dimensions of {spatial} and {described} {value}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
            f"format and {layout} in ({letter}1, {letter}2, ...,{letter}K) format."
        )
    return list(value)


def _check_sizes(input, output):  # noqa: A002
    spatial = input.shape[2:]
    names = ("D", "H", "W")[-len(spatial) :]
    if min(spatial) <= 0 or min(output) <= 0:
        given = ", ".join(f"{n}: {s}" for n, s in zip(names, spatial))
        wanted = ", ".join(f"{n}: {s}" for n, s in zip(names, output))
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input ({given}) and output ({wanted})"
        )
    if input._data.size == 0:
        raise RuntimeError(
            f"Non-empty {input.ndim}D data tensor expected but got a tensor with sizes "
            f"[{', '.join(map(str, input.shape))}]"
        )


def _check_mode(input, mode, antialias):  # noqa: A002
    rank = input.ndim
    if antialias and not (mode in ("bilinear", "bicubic") and rank == 4):
        raise ValueError(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D tensor as input"
        )
    needed = _MODE_RANK.get(mode, -1)
    if needed == -1 or rank not in (3, 4, 5) or (mode == "bicubic" and rank != 4):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {rank}D) for the modes: nearest | "
            f"linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact (got {mode})"
        )
    if needed is not None and needed != rank:
        raise NotImplementedError(f"Got {rank}D input, but {mode} mode needs {needed}D input")


def _check_dtype(dtype, mode, rank):
    """Floating inputs in every mode; uint8 in the nearest modes, which copy values, and in 'bilinear' and
    'bicubic', in torch's fixed point (its CPU kernels take uint8 there too)."""
    if dtype.kind == "f" or (dtype == np.uint8 and mode in ("nearest", "nearest-exact", "bilinear", "bicubic")):
        return
    kernel = _KERNEL_NAME.get(mode, "adaptive_avg_pool3d_cpu" if rank == 5 else "adaptive_avg_pool2d")
    raise NotImplementedError(f"\"{kernel}\" not implemented for '{torch_dtype_name(dtype)}'")


def _taps(mode, size, out, align_corners, scale, dtype, antialias=False):
    if antialias:
        return antialias_taps(size, out, align_corners, scale, dtype, cubic=mode == "bicubic")
    if mode in ("nearest", "nearest-exact"):
        return nearest_taps(size, out, scale, exact=mode == "nearest-exact")
    if mode == "area":
        return area_taps(size, out, dtype)
    if mode == "bicubic":
        return cubic_taps(size, out, align_corners, scale, dtype)
    return linear_taps(size, out, align_corners, scale, dtype)


@tracing.unit("interpolate")
def interpolate(
    input,  # noqa: A002
    size=None,
    scale_factor=None,
    mode="nearest",
    align_corners=None,
    recompute_scale_factor=None,
    antialias=False,
):
    """Resize the spatial dims of ``input`` ``(N, C, d1[, d2[, d3]])`` to ``size`` or ``floor(d · scale_factor)``.

    Modes (torch's source-index rules, ``s`` = ``1/scale_factor`` when a scale is given and not recomputed,
    else ``in/out``; ``align_corners`` maps the corner pixels' centres onto each other, ``s = (in-1)/(out-1)``):

    * 'nearest': ``x[min(floor(o·s), in-1)]``; 'nearest-exact': ``x[min(floor((o+0.5)·s), in-1)]``;
    * 'linear' (3-D), 'bilinear' (4-D), 'trilinear' (5-D): per axis ``(1-λ) x[i0] + λ x[i0+1]`` at the source
      ``s·(o+0.5) - 0.5`` (clamped at 0; ``s·o`` with aligned corners);
    * 'bicubic' (4-D): the cubic convolution kernel (A = -0.75) over 4 taps per axis, clamped at the borders;
    * 'area': adaptive average pooling to the output size;
    * ``antialias=True`` (bilinear, bicubic): when shrinking by ``s = in/out``, the triangle (or the cubic kernel
      with A = -0.5) is widened by ``s``, so each output averages every input under it (``antialias_taps``).

    Gradient: the transpose of each per-axis map (the output
    gradient added back onto the taps, times their weights); twice differentiable.

    >>> F.interpolate(minigrad.tensor([[[1.0, 2.0]]]), scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
    >>> F.interpolate(minigrad.tensor([[[1.0, 2.0]]]), size=3, mode='linear', align_corners=True)
    tensor([[[1.0000, 1.5000, 2.0000]]])
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | "
                "trilinear"
            )
    elif align_corners is None:
        align_corners = False
    if input.ndim < 3:
        _check_mode(input, mode, antialias)
    output, scales = _sizes_and_scales(input, size, scale_factor, recompute_scale_factor, mode)
    _check_mode(input, mode, antialias)
    _check_sizes(input, output)
    dtype = np.dtype(input._data.dtype)
    _check_dtype(dtype, mode, input.ndim)
    if dtype == np.uint8 and mode in ("bilinear", "bicubic"):
        return _uint8_fixed_point(input, output, mode, align_corners, scales, antialias)
    result = input
    for axis in range(input.ndim - 1, 1, -1):
        size_in, size_out = input.shape[axis], output[axis - 2]
        if (mode == "nearest" or antialias) and size_in == size_out:
            continue  # torch's identity shortcut: the same values
        taps = _taps(mode, size_in, size_out, align_corners, scales[axis - 2], dtype, antialias)
        result = Resample.apply(result, axis=axis, taps=taps)
    return result if result is not input else input.clone()


def _uint8_fixed_point(input, output, mode, align_corners, scales, antialias):  # noqa: A002
    """torch's uint8 bilinear and bicubic resize (antialiased or not): the width, then the height, each with the
    float64 taps of the mode in fixed point and rounded to uint8 (``resample_uint8``); an axis whose size does not
    change is skipped. Not differentiable (integers)."""
    result = input._data
    for axis in (3, 2):
        size_in, size_out = input.shape[axis], output[axis - 2]
        if size_in != size_out:
            taps = _taps(mode, size_in, size_out, align_corners, scales[axis - 2], np.dtype(np.float64), antialias)
            result = resample_uint8(result, axis, taps)
    return Tensor._wrap(np.array(result, copy=True))


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):  # noqa: A002
    """Deprecated alias of ``interpolate`` (torch's ``F.upsample``).

    Gradient: ``interpolate``'s: each output's ``g`` goes back to the inputs it read, times their interpolation weights.

    >>> F.upsample(minigrad.tensor([[[1.0, 2.0]]]), scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):  # noqa: A002
    """Deprecated: ``interpolate(input, size, scale_factor, mode='nearest')``.

    Gradient: ``interpolate``'s: each output's ``g`` goes back to the inputs it read, times their interpolation weights.

    >>> F.upsample_nearest(minigrad.tensor([[[1.0, 2.0]]]), scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
    """
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):  # noqa: A002
    """Deprecated: ``interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)``.

    Gradient: ``interpolate``'s: each output's ``g`` goes back to the inputs it read, times their interpolation weights.

    >>> F.upsample_bilinear(minigrad.tensor([[[[0.0, 1.0]]]]), size=(1, 3))
    tensor([[[[0.0000, 0.5000, 1.0000]]]])
    """
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
