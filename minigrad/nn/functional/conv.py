"""``conv1d``/``conv2d``/``conv3d``, ``unfold``, ``fold`` (and ``pad``, from ``minigrad.ops.padding``) with
torch.nn.functional's signatures and checks.

Each validates its arguments the way torch does (same exception type, same message) before anything runs, turns
them into a ``Window`` (see ``minigrad.ops.conv``) and calls one Function: ``Conv``, ``Unfold`` or ``Fold`` (an
integer convolution: ``conv_integer``, exact, see ``minigrad.ops.integer_conv``).
"""

from ..._dtype import torch_name
from ...autograd.tensor import Tensor
from ...ops.conv import Conv, Fold, Unfold, Window
from ...ops.integer_conv import conv_integer
from ...ops.padding import pad
from ._checks import require_tensor

__all__ = ["conv1d", "conv2d", "conv3d", "unfold", "fold", "pad"]

_SIGNATURE = (
    "(Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, tuple of ints padding = 0,"
    " tuple of ints dilation = 1, int groups = 1)"
)


_C_TYPES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int"}


def _int_tuple(value, size, function, name):
    """``value`` (an int or a sequence of ints) as a tuple of ``size`` ints (an int is repeated)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, tuple, list))
        or (not isinstance(value, int) and not all(isinstance(v, int) and not isinstance(v, bool) for v in value))
    ):
        raise TypeError(
            f"{function}() argument '{name}' must be tuple of ints, but found element of type {type(value).__name__}"
        )
    return (value,) * size if isinstance(value, int) else tuple(value)


def _shape(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


def _padding(padding, dims, kernel, stride, dilation, function):
    """(before, after) zero padding per spatial dim for an int, a tuple, 'valid' or 'same' (torch puts the odd
    unit of an even dilated kernel after)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * dims, (0,) * dims
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        total = tuple(d * (k - 1) for k, d in zip(kernel, dilation))
        return tuple(t // 2 for t in total), tuple(t - t // 2 for t in total)
    before = _int_tuple(padding, dims, function, "padding")
    return before, before


def _check_geometry(dims, stride, padding, dilation):
    """torch's per-argument checks; ``padding`` as given (before padding only; 'same' is always >= 0)."""
    for name, values in (("stride", stride), ("padding", padding), ("dilation", dilation)):
        if len(values) != dims:
            raise RuntimeError(
                f"expected {name} to be a single integer value or a list of {dims} values to match "
                f"the convolution dimensions, but got {name}={list(values)}"
            )
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")


def _check_tensors(input, weight, bias, groups, function, transposed=False):  # noqa: A002 - torch's argument name
    """Dtype, channel, group and bias checks on a batched ``input`` (floating or integer, as torch's CPU takes), in
    torch's order (the bias dtype first); a ``transposed`` weight is ``(C_in, C_out / groups, ...)``."""
    if input._data.dtype.kind not in "fiu":
        raise RuntimeError(f"\"{function}\" not implemented for '{torch_name(input._data.dtype)}'")
    if bias is not None and bias._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"Input type ({_C_TYPES.get(input._data.dtype.name)}) and bias type "
            f"({_C_TYPES.get(bias._data.dtype.name)}) should be the same"
        )
    if weight._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"expected scalar type {torch_name(input._data.dtype)} but found {torch_name(weight._data.dtype)}"
        )
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if weight.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
            f"got weight of size [{_shape(weight.shape)}] instead"
        )
    in_channels = weight.shape[0] if transposed else weight.shape[1] * groups
    out_channels = weight.shape[1] * groups if transposed else weight.shape[0]
    given = "transposed=1" if transposed else f"groups={groups}"
    if in_channels != input.shape[1]:
        raise RuntimeError(
            f"Given {given}, weight of size {_shape(weight.shape)}, expected "
            f"input{_shape(input.shape)} to have {in_channels} channels, but got "
            f"{input.shape[1]} channels instead"
        )
    if bias is not None and bias.shape != (out_channels,):
        raise RuntimeError(
            f"Given {'transposed=1, ' if transposed else ''}weight of size {_shape(weight.shape)}, "
            f"expected bias to be 1-dimensional with {out_channels} elements, but got bias of size "
            f"{_shape(bias.shape)} instead"
        )


def _check_arguments(input, weight, bias, dims, function, signature):  # noqa: A002
    """The first checks of every convolution: tensors where tensors belong, an input of ``dims + 1`` or ``dims +
    2`` dims (``signature`` completes torch's TypeError)."""
    for value in (input, weight):
        if not hasattr(value, "_data"):
            raise TypeError(
                f"{function}() received an invalid combination of arguments - got "
                f"({type(input).__name__}, {type(weight).__name__}), but expected {signature}"
            )
    if bias is not None:
        require_tensor(bias, "bias", 3, function)
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {function}, but got "
            f"input of size: {_shape(input.shape)}"
        )


def _conv(input, weight, bias, stride, padding, dilation, groups, dims, function):  # noqa: A002
    """The shared body of ``conv1d``/``conv2d``/``conv3d`` (``dims`` spatial dims)."""
    _check_arguments(input, weight, bias, dims, function, _SIGNATURE)
    weight_dims = weight.ndim - 2
    stride = _int_tuple(stride, dims, function, "stride")
    dilation = _int_tuple(dilation, dims, function, "dilation")
    kernel = tuple(weight.shape[2:])
    before, after = _padding(padding, dims, kernel, stride, dilation, function)
    _check_geometry(weight_dims, stride, before, dilation)
    unbatched = input.ndim == dims + 1
    batched = input.unsqueeze(0) if unbatched else input
    _check_tensors(batched, weight, bias, groups, function)
    spatial = tuple(batched.shape[2:])
    padded = tuple(n + b + a for n, b, a in zip(spatial, before, after))
    reach = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < r for p, r in zip(padded, reach)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel "
            f"size: ({' x '.join(map(str, reach))}). Kernel size can't be greater than actual input "
            "size"
        )
    out_size = tuple((p - r) // s + 1 for p, r, s in zip(padded, reach, stride))
    window = Window(kernel, stride, before, dilation, spatial, out_size)
    if batched._data.dtype.kind in "iu":  # exact integer arithmetic (no gradient)
        arrays = (None if t is None else t._data for t in (batched, weight, bias))
        result = Tensor._wrap(conv_integer(*arrays, window, groups))
    else:
        result = Conv.apply(batched, weight, bias, window=window, groups=groups)
    return result.squeeze(0) if unbatched else result


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """1-D convolution (cross-correlation): ``input (N, C_in, L)`` or ``(C_in, L)``, ``weight (C_out, C_in /
    groups, k)``, ``bias (C_out,)``; output ``(N, C_out, L_out)`` with ``L_out = ⌊(L + 2p - d(k-1) - 1)/s⌋ + 1``.

    ``y[n, o, j] = b[o] + Σ_{c in o's group} Σ_i W[o, c, i] x[n, c, j s - p + i d]``; ``padding`` is an int, a
    1-tuple, 'valid' (0) or 'same' (output as long as the input; stride 1 only). Gradients through im2col/GEMM
    (see ``minigrad.ops.conv``); double backward through ``Unfold``/``Fold``.

    >>> F.conv1d(minigrad.tensor([[[1.0, 2.0, 3.0]]]), minigrad.tensor([[[1.0, -1.0]]]))
    tensor([[[-1., -1.]]])
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """2-D convolution: ``input (N, C_in, H, W)`` or ``(C_in, H, W)``, ``weight (C_out, C_in / groups, kH, kW)``;
    output ``(N, C_out, H_out, W_out)``, each spatial dim as in ``conv1d``. ``stride``, ``padding``, ``dilation``
    are ints or pairs; ``groups = C_in = C_out`` is a depthwise convolution.

    Gradient: ``g`` convolved back with ``weight`` (the transposed convolution) to ``input``, ``g`` correlated with
    ``input`` to ``weight``, ``Σ g`` over N and the positions to ``bias``.

    >>> F.conv2d(minigrad.ones(1, 1, 3, 3), minigrad.ones(1, 1, 2, 2))
    tensor([[[[4., 4.],
              [4., 4.]]]])
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """3-D convolution: ``input (N, C_in, D, H, W)`` or unbatched, ``weight (C_out, C_in / groups, kD, kH, kW)``;
    each spatial dim as in ``conv1d``.

    Gradient: ``g`` convolved back with ``weight`` (the transposed convolution) to ``input``, ``g`` correlated with
    ``input`` to ``weight``, ``Σ g`` over N and the positions to ``bias``.

    >>> F.conv3d(minigrad.ones(1, 1, 3, 3, 3), minigrad.ones(2, 1, 2, 2, 2)).shape
    (1, 2, 2, 2, 2)
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _unfold_window(spatial, kernel_size, dilation, padding, stride, function):
    """The checked 2-D ``Window`` of ``unfold``/``fold`` (torch's messages name height and width)."""
    kernel, dilation, padding, stride = (
        _int_tuple(v, 2, function, name)
        for v, name in ((kernel_size, "kernel_size"), (dilation, "dilation"), (padding, "padding"), (stride, "stride"))
    )
    for values, name, label, bad in (
        (kernel, "kernel size", "kernel", lambda v: v <= 0),
        (stride, "stride", "stride", lambda v: v <= 0),
        (dilation, "dilation", "dilation", lambda v: v <= 0),
        (padding, "padding", "pad", lambda v: v < 0),
    ):
        if any(bad(v) for v in values):
            rule = "be non-negative" if name == "padding" else "be greater than zero"
            raise RuntimeError(f"{name} should {rule}, but got {label}_height: {values[0]} {label}_width: {values[1]}")
    out_size = tuple(
        (n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, p, d, s in zip(spatial, kernel, padding, dilation, stride)
    )
    return Window(kernel, stride, padding, dilation, tuple(spatial), out_size)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    """Sliding local blocks as columns (im2col): ``(N, C, H, W) -> (N, C·kH·kW, L)`` (or without ``N``), ``L`` the
    number of block positions; ``out[n, c·kH·kW + i·kW + j, l] = x[n, c, y_l s - p + i d, x_l s - p + j d]``
    (zero in the padding). Gradient: ``fold`` of the gradient.

    >>> F.unfold(minigrad.zeros(1, 2, 4, 4), kernel_size=2).shape
    (1, 8, 9)
    """
    if input.ndim not in (3, 4) or any(n == 0 for n in input.shape[-3:]):
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
            f"dimensions for input, but got: {_shape(input.shape)}"
        )
    window = _unfold_window(input.shape[-2:], kernel_size, dilation, padding, stride, "unfold")
    if any(o < 1 for o in window.out_size):
        raise RuntimeError(
            f"Given input with spatial size {tuple(input.shape[-2:])}, kernel_size={window.kernel}, "
            f"dilation={window.dilation}, padding={window.padding}, calculated shape of the array of "
            f"sliding blocks as {window.out_size}, but its components must be at least one."
        )
    unbatched = input.ndim == 3
    result = Unfold.apply(input.unsqueeze(0) if unbatched else input, window=window)
    return result.squeeze(0) if unbatched else result


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    """Sum columns of sliding blocks back into an image (col2im), the adjoint of ``unfold``: ``(N, C·kH·kW, L) ->
    (N, C, *output_size)`` (or without ``N``); overlapping blocks add up. Gradient: ``unfold`` of the gradient.

    >>> F.fold(minigrad.ones(1, 4, 4), output_size=(3, 3), kernel_size=2)
    tensor([[[[1., 2., 1.],
              [2., 4., 2.],
              [1., 2., 1.]]]])
    """
    if input.ndim not in (2, 3) or any(n == 0 for n in input.shape[-2:]):
        raise RuntimeError(
            "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
            f"dimensions for input, but got: {_shape(input.shape)}"
        )
    size = _int_tuple(output_size, 2, "fold", "output_size")
    window = _unfold_window(size, kernel_size, dilation, padding, stride, "fold")
    rows, positions = input.shape[-2:]
    if rows % window.taps:
        raise RuntimeError(
            f"Expected size of input's dimension {input.ndim - 2} to be divisible by the product of "
            f"kernel_size, but got input.size({input.ndim - 2})={rows} and "
            f"kernel_size={window.kernel}."
        )
    if positions != window.positions or any(o < 1 for o in window.out_size):
        raise RuntimeError(
            f"Given output_size={size}, kernel_size={window.kernel}, dilation={window.dilation}, "
            f"padding={window.padding}, stride={window.stride}, expected size of input's dimension "
            f"{input.ndim - 1} to match the calculated number of sliding blocks "
            f"{window.out_size[0]} * {window.out_size[1]} = {window.positions}, but got "
            f"input.size({input.ndim - 1})={positions}."
        )
    unbatched = input.ndim == 2
    result = Fold.apply(input.unsqueeze(0) if unbatched else input, window=window)
    return result.squeeze(0) if unbatched else result
