"""minigrad: reverse-mode autodiff on NumPy with PyTorch's API, PyTorch's losses, and Cython kernels.

>>> import minigrad
>>> x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4., 6.])
"""

from . import _device, _dtype
from ._dtype import (
    bool,
    double,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from ._device import device
from ._dtype import dtype
from ._threads import get_num_threads, set_num_threads
from .autograd.tensor import Tensor, tensor
from . import autograd
from .ops import methods  # binds Tensor's operators and methods
from .autograd import enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad, set_grad_enabled
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_dlpack,
    from_numpy,
    full,
    full_like,
    linspace,
    multinomial,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    zeros,
    zeros_like,
)
from .random import Generator, initial_seed, manual_seed, seed
from .ops.activation import log_softmax, relu, sigmoid, softmax, tanh
from .ops.elementwise import (
    abs,
    add,
    addcdiv,
    addcmul,
    ceil,
    clamp,
    clone,
    cos,
    div,
    exp,
    expm1,
    floor,
    isfinite,
    isinf,
    isnan,
    lerp,
    log,
    log1p,
    masked_fill,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    round,
    sign,
    sin,
    sqrt,
    sub,
    where,
)
from .ops.elementwise import allclose, equal, floor_divide, fmod, frac, isclose, logical_not, remainder, trunc
from .ops.linalg import addmm, bmm, einsum, matmul, mv, outer
from .ops.reduce import count_nonzero, cumsum, prod, std_mean, var_mean
from .ops.slicing import (
    argwhere,
    atleast_1d,
    atleast_2d,
    chunk,
    flip,
    hstack,
    index_select,
    masked_select,
    movedim,
    nonzero,
    repeat_interleave,
    roll,
    scatter,
    scatter_add,
    split,
    take_along_dim,
    tril,
    triu,
    unbind,
    vstack,
)
from .ops.sorting import argsort, kthvalue, sort, topk
from .ops.calculus import cumulative_trapezoid, diff, gradient, trapezoid, trapz
from .ops.histogram import bincount, histc, histogram, histogramdd
from .ops.nan_reduce import nanmean, nansum
from .ops.order_statistics import aminmax, median, mode, nanmedian, nanquantile, quantile
from .ops.reduce import trace
from .ops.scan import cummax, cummin, cumprod, logcumsumexp
from .ops.search import bucketize, searchsorted, unique, unique_consecutive
from .ops.sorting import msort
from .ops.activation import erf
from .ops.elementwise import xlogy
from .ops.special import erfc, erfinv, i0
from .ops.transcendental import (
    acos,
    acosh,
    arctan2,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    cosh,
    exp2,
    log2,
    log10,
    rsqrt,
    sinh,
    tan,
)
from .ops.reduce import all, amax, amin, any, argmax, argmin, logsumexp, max, mean, min, norm, std, sum, var
from .ops.shape import (
    broadcast_to,
    cat,
    diagonal,
    flatten,
    gather,
    narrow,
    permute,
    reshape,
    select,
    squeeze,
    stack,
    t,
    transpose,
    unsqueeze,
)

clip = clamp
moveaxis = movedim
fix = trunc
concat = concatenate = cat
multiply = mul
subtract = sub
divide = true_divide = div
negative = neg
absolute = abs
mm = matmul


def set_default_device(device_):
    """Accepted for torch's API: the CPU (or None) is the only device; any other raises."""
    _device.check(device_)


def get_default_device():
    """The device new tensors are created on: always ``device(type='cpu')``."""
    return _device.CPU


def is_tensor(obj):
    """Whether ``obj`` is a minigrad ``Tensor``.

    >>> minigrad.is_tensor(minigrad.zeros(1)), minigrad.is_tensor(1.0)
    (True, False)
    """
    return isinstance(obj, Tensor)


def numel(t):
    """The number of elements of ``t`` (the product of its shape)."""
    return t.numel()


def square(t):
    """``t · t`` elementwise. Gradient: ``2 t g``.

    >>> minigrad.square(minigrad.tensor([3.0]))
    tensor([9.])
    """
    return t * t


def clamp_min(t, min):  # noqa: A002
    """``max(t, min)`` elementwise. Gradient: ``g`` where ``t ≥ min``, else zero.

    >>> minigrad.clamp_min(minigrad.tensor([-2.0, 3.0]), 0.0)
    tensor([0., 3.])
    """
    return clamp(t, min, None)


def clamp_max(t, max):  # noqa: A002
    """``min(t, max)`` elementwise. Gradient: ``g`` where ``t ≤ max``, else zero.

    >>> minigrad.clamp_max(minigrad.tensor([-2.0, 3.0]), 0.0)
    tensor([-2.,  0.])
    """
    return clamp(t, None, max)


__version__ = "0.1.0"

from . import nn, optim  # noqa: E402  (nn and optim build on everything above)
from . import distributions  # noqa: E402
from . import linalg  # noqa: E402
from .serialization import load, save  # noqa: E402
from .safetensors_io import load_safetensors, save_safetensors  # noqa: E402
from . import onnx  # noqa: E402
from . import distributed  # noqa: E402
from .nn import parallel  # noqa: E402,F401  (binds minigrad.nn.parallel, as torch.nn.parallel)
from . import accelerator, backends, cuda, special, utils  # noqa: E402
