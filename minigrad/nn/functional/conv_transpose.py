"""``conv_transpose1d``/``2d``/``3d`` with torch.nn.functional's signatures and checks.

A transposed convolution is the adjoint of the convolution with the same geometry, so each call validates its
arguments the way torch does (same exception type and message), builds the ``Window`` of that convolution (its
input size is this op's output size ``(n - 1) s - 2 p + d (k - 1) + output_padding + 1``, its output size this
op's input size) and calls ``ConvTranspose`` (see ``minigrad.ops.conv``), or for integer tensors
``conv_transpose_integer`` (exact, ``minigrad.ops.integer_conv``).
"""

from ...autograd.tensor import Tensor
from ...ops.conv import ConvTranspose, Window
from ...ops.integer_conv import conv_transpose_integer
from .conv import _check_arguments, _check_geometry, _check_tensors, _int_tuple

__all__ = ["conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]

_SIGNATURE = (
    "(Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, tuple of ints padding = 0,"
    " tuple of ints output_padding = 0, int groups = 1, tuple of ints dilation = 1)"
)


def transposed_size(size, kernel, stride, padding, dilation, output_padding=0):
    """The output length of a transposed convolution along one dim: ``(n - 1) s - 2 p + d (k - 1) + op + 1``."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def _named(label, values, dims, sep):
    """torch's ``label_depth: v<sep>label_height: v<sep>label_width: v`` (1-D named as 2-D with height first)."""
    names = ("depth", "height", "width")[3 - max(dims, 2) :]
    return sep.join(f"{label}_{name}: {value}" for name, value in zip(names, values))


def _check_transposed(spatial, kernel, stride, padding, output_padding, dilation, dims):
    """The slow kernel's checks in torch's order: dilation, output padding, output size; ``spatial`` etc. are
    seen as at least 2-D (a 1-D op is a 2-D one with a unit height), as torch reports them."""
    lifted = [(1,) * (2 - dims) + tuple(v) for v in (spatial, kernel, stride, padding, output_padding, dilation)]
    spatial, kernel, stride, padding, output_padding, dilation = lifted
    if dims == 1:
        padding, output_padding = (0,) + padding[1:], (0,) + output_padding[1:]
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {_named('dilation', dilation, dims, ', ')}")
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            + " ".join(
                _named(label, v, dims, " ")
                for label, v in (("output_padding", output_padding), ("stride", stride), ("dilation", dilation))
            )
        )
    sizes = tuple(map(transposed_size, spatial, kernel, stride, padding, dilation, output_padding))
    if any(size < 1 for size in sizes):
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, spatial))}). Calculated output size per "
            f"channel: ({' x '.join(map(str, sizes))}). Output size is too small"
        )
    return sizes[2 - dims :] if dims == 1 else sizes


def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, dims, function):  # noqa: A002
    """The shared body of ``conv_transpose1d``/``2d``/``3d`` (``dims`` spatial dims)."""
    _check_arguments(input, weight, bias, dims, function, _SIGNATURE)
    if weight.ndim < 3:
        raise RuntimeError("weight should have at least three dimensions")
    stride, padding, output_padding, dilation = (
        _int_tuple(value, dims, function, name)
        for value, name in (
            (stride, "stride"),
            (padding, "padding"),
            (output_padding, "output_padding"),
            (dilation, "dilation"),
        )
    )
    _check_geometry(weight.ndim - 2, stride, padding, (1,) * dims)
    if any(op < 0 for op in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    unbatched = input.ndim == dims + 1
    batched = input.unsqueeze(0) if unbatched else input
    _check_tensors(batched, weight, bias, groups, function, transposed=True)
    spatial, kernel = tuple(batched.shape[2:]), tuple(weight.shape[2:])
    out_size = _check_transposed(spatial, kernel, stride, padding, output_padding, dilation, dims)
    window = Window(kernel, stride, padding, dilation, out_size, spatial)
    if batched._data.dtype.kind in "iu":  # exact integer arithmetic (no gradient)
        arrays = (None if t is None else t._data for t in (batched, weight, bias))
        result = Tensor._wrap(conv_transpose_integer(*arrays, window, groups))
    else:
        result = ConvTranspose.apply(batched, weight, bias, window=window, groups=groups)
    return result.squeeze(0) if unbatched else result


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):  # noqa: A002
    """1-D transposed convolution ("deconvolution"), the adjoint of ``conv1d`` in its input: ``input (N, C_in,
    L)`` or ``(C_in, L)``, ``weight (C_in, C_out / groups, k)``, ``bias (C_out,)``; output ``(N, C_out, L_out)``
    with ``L_out = (L - 1) s - 2 p + d (k - 1) + output_padding + 1``.

    ``y[n, o, j s - p + i d] += Σ_{c in o's group} W[c, o', i] x[n, c, j]`` (``o'`` = ``o`` within its group), plus
    ``b[o]``; ``output_padding`` (< stride or dilation) only lengthens the output. Gradients: ``dx = conv1d(g,
    W)``, ``dW`` the convolution's weight gradient of ``g`` against ``x``, ``db = Σ g``; double backward too.

    >>> F.conv_transpose1d(minigrad.ones(1, 1, 3), minigrad.ones(1, 1, 2))
    tensor([[[1., 2., 2., 1.]]])
    """
    return _conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, 1, "conv_transpose1d"
    )


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):  # noqa: A002
    """2-D transposed convolution: ``input (N, C_in, H, W)`` or ``(C_in, H, W)``, ``weight (C_in, C_out / groups,
    kH, kW)``; each spatial dim as in ``conv_transpose1d`` (ints or pairs).

    Gradient: the convolution of ``g`` with ``weight`` to ``input`` (this op is that convolution's adjoint), ``input``
    correlated with ``g`` to ``weight``, ``Σ g`` over N and the positions to ``bias``.

    >>> F.conv_transpose2d(minigrad.ones(1, 2, 3, 3), minigrad.ones(2, 4, 3, 3), stride=2).shape
    (1, 4, 7, 7)
    """
    return _conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, 2, "conv_transpose2d"
    )


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):  # noqa: A002
    """3-D transposed convolution: ``input (N, C_in, D, H, W)`` or unbatched, ``weight (C_in, C_out / groups, kD,
    kH, kW)``; each spatial dim as in ``conv_transpose1d``.

    Gradient: the convolution of ``g`` with ``weight`` to ``input`` (this op is that convolution's adjoint), ``input``
    correlated with ``g`` to ``weight``, ``Σ g`` over N and the positions to ``bias``.

    >>> F.conv_transpose3d(minigrad.ones(1, 1, 2, 2, 2), minigrad.ones(1, 1, 2, 2, 2)).shape
    (1, 1, 3, 3, 3)
    """
    return _conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, 3, "conv_transpose3d"
    )
