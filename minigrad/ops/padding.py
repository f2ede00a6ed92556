"""``pad``: torch.nn.functional.pad's constant, reflect, replicate and circular padding.

``pad`` lists (before, after) amounts from the last dim backwards: ``(left, right, top, bottom, ...)``; a negative
amount crops. Constant padding is one node (``ConstantPad``: the values written into a filled array; gradient: the
middle of ``g``). The other modes read every output position from an input position along each padded dim,

* reflect:   ``i -> -i`` before the start and ``2(n-1) - i`` past the end (the edge is not repeated),
* replicate: ``i -> clamp(i, 0, n-1)``,
* circular:  ``i -> i mod n`` (over the part left after cropping, where an amount is negative),

so they are integer-array indexing along one dim at a time (``Index``), whose gradient adds back where positions
repeat.
"""

import numpy as np

from ..autograd.function import Function
from .shape import Index

__all__ = ["ConstantPad", "constant_pad_nd", "pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


class ConstantPad(Function):
    """``x`` inside an array filled with ``value``, ``widths`` ((before, after) per dim, all >= 0) around it.
    Gradient: the part of ``g`` where ``x`` sits."""

    keeps_inputs = False

    def forward(self, x, *, widths, value):
        return np.pad(x, widths, mode="constant", constant_values=value)

    def backward(self, grad):
        return grad[
            tuple(slice(before, size - after) for (before, after), size in zip(self.options["widths"], grad.shape))
        ]


def _source_positions(size, before, after, mode):
    """For one dim of ``size``: the input position each of the ``before + size + after`` output positions reads."""
    positions = np.arange(-before, size + after)
    if mode == "reflect":
        positions = np.abs(positions)
        return np.where(positions >= size, 2 * (size - 1) - positions, positions)
    if mode == "replicate":
        return np.clip(positions, 0, size - 1)
    start, stop = max(-before, 0), size - max(-after, 0)  # circular wraps around what a negative amount leaves
    return start + np.arange(-max(before, 0), stop - start + max(after, 0)) % (stop - start)


def _check(input, pad, mode, value):  # noqa: A002 - torch's argument name
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(pad)} and input of dimension {input.ndim}"
        )
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode == "constant":
        return
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    dims = len(pad) // 2
    if dims not in (1, 2, 3) or input.ndim not in (dims + 1, dims + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    if any(n == 0 for n in input.shape[-dims - 1 :]):
        raise RuntimeError(
            f"Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with possibly 0 batch size and "
            f"other non-zero dimensions for input, but got: [{', '.join(map(str, input.shape))}]"
        )
    for axis in range(dims):
        dim = input.ndim - 1 - axis
        before, after = pad[2 * axis], pad[2 * axis + 1]
        size = input.shape[dim]
        if mode == "reflect" and (before >= size or after >= size):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input dimension, "
                f"but got: padding ({before}, {after}) at dimension {dim} of input "
                f"[{', '.join(map(str, input.shape))}]"
            )
        if mode == "circular" and (before > size or after > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")


def pad(input, pad, mode="constant", value=None):  # noqa: A002
    """Pad (or, with negative amounts, crop) the last ``len(pad) // 2`` dims of ``input``; ``pad`` is
    ``(left, right, top, bottom, front, back)`` from the last dim backwards. ``mode`` 'constant' fills with
    ``value`` (0 by default) and works on any dims; 'reflect', 'replicate' and 'circular' pad the last 1-3 dims of a
    batched or unbatched input (see the module docstring).

    Gradient: each input element gets the sum of ``g`` over the output positions that hold it (constant mode: ``g``
    cropped back; reflect, replicate and circular add the copies' gradients in).

    >>> F.pad(minigrad.ones(2), (1, 2))
    tensor([0., 1., 1., 0., 0.])
    """
    pad = tuple(int(p) for p in pad)
    _check(input, pad, mode, value)
    widths = [(0, 0)] * input.ndim
    for axis in range(len(pad) // 2):
        widths[input.ndim - 1 - axis] = (pad[2 * axis], pad[2 * axis + 1])
    if mode == "constant":
        crop = tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(widths, input.shape))
        if any(b < 0 or a < 0 for b, a in widths):
            input = input[crop]
        grow = tuple((max(b, 0), max(a, 0)) for b, a in widths)
        if not any(b or a for b, a in grow):
            return input
        return ConstantPad.apply(input, widths=grow, value=0.0 if value is None else value)
    result = input
    for dim, (before, after) in enumerate(widths):
        if before or after:
            index = (slice(None),) * dim + (_source_positions(input.shape[dim], before, after, mode),)
            result = Index.apply(result, index=index, advanced=True)
    return result


_pad = pad  # constant_pad_nd's argument ``pad`` (torch's name) hides the function


def constant_pad_nd(input, pad, value=0):  # noqa: A002
    """``pad`` in constant mode (torch's underlying op): the last ``len(pad) // 2`` dims padded with ``value``, or
    cropped by negative amounts. Gradient: the part of ``g`` where ``input`` sits.

    >>> minigrad.constant_pad_nd(minigrad.ones(1), (1, 1), 2.0)
    tensor([2., 1., 2.])
    """
    return _pad(input, pad, "constant", value)
