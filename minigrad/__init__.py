"""minigrad: reverse-mode autodiff on NumPy with PyTorch's API, PyTorch's losses, and Cython kernels.

>>> import minigrad
>>> x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4., 6.])
"""

from . import _device, _dtype, _malloc, _openmp  # _openmp first: it loads the kernels' OpenMP runtime
from ._dtype import (
    bool,
    double,
    float,
    bfloat16,
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
from ._tensor_str import set_printoptions
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
from .ops.scalar_first import add, addcdiv, addcmul, sub
from .ops.elementwise import (
    abs,
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
    square,
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
from .ops.elementary_special import logit, sinc
from .ops.gamma import digamma, igamma, igammac, lgamma, mvlgamma, polygamma
from .ops.reduce import all, amax, amin, any, argmax, argmin, logsumexp, max, mean, min, std, sum, var
from .ops.logic import (
    bitwise_and,
    bitwise_left_shift,
    bitwise_not,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    eq,
    gcd,
    ge,
    greater,
    greater_equal,
    gt,
    heaviside,
    isin,
    isneginf,
    isposinf,
    lcm,
    le,
    less,
    less_equal,
    logical_and,
    logical_or,
    logical_xor,
    lt,
    ne,
    not_equal,
    signbit,
)
from .ops.pointwise import (
    copysign,
    deg2rad,
    fill,
    float_power,
    fmax,
    fmin,
    frexp,
    hypot,
    ldexp,
    logaddexp,
    logaddexp2,
    nan_to_num,
    nextafter,
    positive,
    rad2deg,
    reciprocal,
    renorm,
    rsub,
    sgn,
)
from .ops.inplace import zero_
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
    swapaxes,
    t,
    transpose,
    unsqueeze,
)

from .ops.arrange import (
    atleast_3d,
    block_diag,
    broadcast_shapes,
    broadcast_tensors,
    cartesian_prod,
    column_stack,
    combinations,
    dsplit,
    dstack,
    fliplr,
    flipud,
    hsplit,
    meshgrid,
    ravel,
    rot90,
    split_with_sizes,
    tensor_split,
    tile,
    unflatten,
    unsafe_chunk,
    unsafe_split,
    vsplit,
)
from .ops.indexing import (
    index_add,
    index_fill,
    index_put,
    index_reduce,
    masked_scatter,
    nonzero_static,
    put,
    scatter,
    scatter_add,
    scatter_reduce,
    take,
    unravel_index,
)
from .creation import empty_permuted, empty_strided, logspace, scalar_tensor
from .tensor_types import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from .ops.inplace import resize_as_
from .ops.out import supports_out as _supports_out
from .ops.padding import constant_pad_nd
from .ops.sampling import bernoulli, normal
from .ops.strided import (
    as_strided,
    as_strided_scatter,
    diag,
    diag_embed,
    diagflat,
    diagonal_scatter,
    select_scatter,
    slice_scatter,
    tril_indices,
    triu_indices,
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
arccos, arcsin, arctan, arccosh, arcsinh, arctanh = acos, asin, atan, acosh, asinh, atanh
mm = matmul
swapdims = transpose


def set_default_device(device_):
    """Accepted for torch's API: the CPU (or None) is the only device; any other raises.

    >>> minigrad.set_default_device('cpu')
    >>> minigrad.zeros(1).device
    device(type='cpu')
    """
    _device.check(device_)


def get_default_device():
    """The device new tensors are created on: always ``device(type='cpu')``.

    >>> minigrad.get_default_device()
    device(type='cpu')
    """
    return _device.CPU


def is_tensor(obj):
    """Whether ``obj`` is a minigrad ``Tensor``.

    >>> minigrad.is_tensor(minigrad.zeros(1)), minigrad.is_tensor(1.0)
    (True, False)
    """
    return isinstance(obj, Tensor)


def numel(t):
    """The number of elements of ``t`` (the product of its shape).

    >>> minigrad.numel(minigrad.zeros(2, 3))
    6
    """
    return t.numel()


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

# torch's linear algebra at the top level (api-linalg)
from .ops.covariance import corrcoef, cov  # noqa: E402
from .ops.distances import cdist, dist, pdist  # noqa: E402
from .ops.linalg import dot  # noqa: E402
from .ops.products import addbmm, addmv, addr, baddbmm, inner, kron, tensordot, vdot  # noqa: E402
from .linalg.householder import geqrf, ormqr  # noqa: E402
from .linalg.legacy import (  # noqa: E402
    cholesky,
    cholesky_inverse,
    cholesky_solve,
    cross,
    logdet,
    lu,
    lu_solve,
    norm,
    pinverse,
    qr,
    svd,
    triangular_solve,
)
from .linalg import det, inv as inverse, matrix_power, householder_product as orgqr  # noqa: E402
from .linalg.lowrank import pca_lowrank, svd_lowrank  # noqa: E402
from .linalg.lu import lu_unpack  # noqa: E402
from .linalg.matrix_exp import matrix_exp  # noqa: E402
from .nn.functional.grid import grid_sampler_2d, grid_sampler_3d  # noqa: E402
from .serialization import load, save  # noqa: E402
from .safetensors_io import load_safetensors, save_safetensors  # noqa: E402
from . import onnx  # noqa: E402
from . import distributed  # noqa: E402
from .nn import parallel  # noqa: E402,F401  (binds minigrad.nn.parallel, as torch.nn.parallel)
from . import accelerator, amp, backends, cuda, multiprocessing, special, utils  # noqa: E402

# torch's out= on the torch.* forms of everyday ops (its tutorials write torch.matmul(a, b, out=c)). The Tensor
# methods and operators are bound from the ops modules, not from here, so they keep their direct call. cat, where
# and sigmoid take out= themselves (ops.out.write_into): they are in benchmarks/bench_small_ops.py, where the
# wrapper's call would count.
_OUT_FORMS = """add sub mul div pow remainder fmod maximum minimum lerp addcmul matmul bmm mv dot outer addmm baddbmm
kron exp log sqrt rsqrt square abs neg sin cos tanh floor ceil round sign reciprocal expm1 log1p clamp
sum mean prod cumsum std var logsumexp amax amin stack index_select gather tril triu diag
zeros ones full arange linspace rand randn mm multiply subtract divide true_divide negative absolute clip""".split()
for _name in _OUT_FORMS:
    globals()[_name] = _supports_out(globals()[_name])

_malloc.tune()  # freed array memory stays in the process (see minigrad/_malloc.py)
