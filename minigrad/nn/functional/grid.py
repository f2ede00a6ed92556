"""``grid_sample`` and ``affine_grid``: sampling an input at the normalised coordinates of a grid, and the grid
of an affine map.

``grid_sample(x, grid)`` reads, for each output position ``p``, the input at the point ``grid[n, p]`` (``x, y``
or ``x, y, z`` in ``[-1, 1]``; -1 and 1 are the corner pixels' centres with ``align_corners``, their outer edges
without). The point becomes input coordinates (``unnormalize``), those are folded in by the padding mode
(``padding_mode``), and the output is a weighted sum over taps (the 2^d corners around the point for bilinear,
the nearest pixel, or a 4x4 cubic neighbourhood):

    out[n, c, p] = Σ_taps weight(grid[n, p]) · x[n, c, tap position]     (taps outside the input: 0)

The tap positions are integers computed in NumPy (constants of the graph); the weights are Tensor functions of
the grid, so the gradient reaches the grid through them, and the input gradient is the transpose of the gather
(``TapGather`` / ``TapScatter``, a ``np.bincount`` scatter). Everything else is recorded Tensor ops, so double
backward comes for free, as in torch.
"""

import numpy as np

from ...autograd import tracing
from ...autograd.function import Function
from ...ops._util import wrap
from ...ops.shape import stack

__all__ = ["grid_sample", "affine_grid"]

_CUBIC_A = -0.75


class TapGather(Function):
    """``apply(x, index=)``: ``out[n, c, t] = x[n, c].flat[index[n, t]]`` for ``x`` ``(N, C, *spatial)`` and
    ``index`` int64 ``(N, T)``. Gradient: ``TapScatter``."""

    keeps_inputs = False

    def forward(self, x, *, index):
        self.in_shape = x.shape
        planes = x.reshape(x.shape[0], x.shape[1], -1)
        return np.take_along_axis(planes, index[:, None, :], axis=2)

    def backward(self, grad):
        return TapScatter.apply(grad, index=self.options["index"], shape=self.in_shape)


class TapScatter(Function):
    """``apply(g, index=, shape=)``: zeros of ``shape`` ``(N, C, *spatial)`` with each ``g[n, c, t]`` added at
    ``[n, c].flat[index[n, t]]`` (one ``np.bincount``). Gradient: ``TapGather``."""

    keeps_inputs = False

    def forward(self, grad, *, index, shape):
        batch, channels = shape[:2]
        plane = int(np.prod(shape[2:], dtype=np.int64))
        rows = (np.arange(batch * channels).reshape(batch, channels, 1) * plane + index[:, None, :]).reshape(-1)
        sums = np.bincount(rows, weights=grad.reshape(-1), minlength=batch * channels * plane)
        return sums.astype(grad.dtype, copy=False).reshape(shape)

    def backward(self, grad):
        return TapGather.apply(grad, index=self.options["index"])


def _unnormalize(coord, size, align_corners):
    """Grid coordinate in [-1, 1] -> input pixel coordinate (a Tensor op)."""
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return (coord + 1) * (size / 2) - 0.5


def _reflection(data, size, align_corners):
    """torch's reflect_coordinates as an affine map per element, ``reflected = sign·x + offset``: fold at
    ``low`` and ``high`` (``0``/``size-1`` with aligned corners, ``-0.5``/``size-0.5`` without) until inside.
    With ``d = |x - low|``, ``f = floor(d / span)`` and ``e = d - f·span``: ``low + e`` for even ``f``, else
    ``high - e``."""
    low, high = (0.0, size - 1.0) if align_corners else (-0.5, size - 0.5)
    span = high - low
    if span <= 0:
        return np.zeros_like(data), np.zeros_like(data)
    mirror = np.where(data < low, -1.0, 1.0)  # d = mirror·(x - low)
    flips = np.floor(mirror * (data - low) / span)
    odd = np.mod(flips, 2) == 1
    sign = np.where(odd, -mirror, mirror)
    offset = np.where(odd, high + mirror * low + flips * span, low - mirror * low - flips * span)
    return sign, offset


def _padded(ix, size, padding_mode, align_corners):
    """``padding_mode`` applied to a coordinate Tensor: border clamps into the input, reflection folds back into
    it (then clamps, as torch does), zeros leaves it (out-of-range taps read 0)."""
    if padding_mode == "reflection":
        dtype = ix._data.dtype
        sign, offset = _reflection(ix._data, size, align_corners)
        ix = ix * wrap(sign.astype(dtype)) + wrap(offset.astype(dtype))
    if padding_mode != "zeros":
        ix = ix.clamp(0, size - 1)
    return ix


def _padded_positions(positions, size, padding_mode, align_corners):
    """An integer tap position array folded by ``padding_mode`` (bicubic pads each tap, not the point)."""
    if padding_mode == "zeros":
        return positions
    if padding_mode == "reflection":
        sign, offset = _reflection(positions.astype(np.float64), size, align_corners)
        positions = sign * positions + offset
    return np.clip(positions, 0, size - 1).astype(np.int64)


def _cubic_weights(t):
    """The four cubic-convolution weights (A = -0.75) of the taps at distances ``t+1, t, 1-t, 2-t``."""
    a = _CUBIC_A

    def near(x):
        return ((x * (a + 2) - (a + 3)) * x) * x + 1

    def far(x):
        return ((x * a - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far((1 - t) + 1)]


def _axis_taps(ix, size, mode, padding_mode, align_corners, vectorised):
    """The taps of one axis: a list of (position array, valid mask, weight Tensor or None) for the coordinate
    Tensor ``ix`` (unnormalised, not padded). ``vectorised``: round the bilinear weights as torch's 2-D kernel
    does (its 3-D kernel computes them another way)."""
    if mode == "bicubic":
        base = np.floor(ix._data)
        t = ix - wrap(base)
        positions = [
            _padded_positions(base.astype(np.int64) - 1 + k, size, padding_mode, align_corners) for k in range(4)
        ]
        return [(p, (p >= 0) & (p < size), w) for p, w in zip(positions, _cubic_weights(t))]
    ix = _padded(ix, size, padding_mode, align_corners)
    data = ix._data
    if mode == "nearest":
        position = np.rint(np.nan_to_num(data, nan=-1.0, posinf=-1.0, neginf=-1.0)).astype(np.int64)
        return [(position, (position >= 0) & (position < size), None)]
    base = np.floor(np.nan_to_num(data, nan=-1.0, posinf=-1.0, neginf=-1.0))
    low = base.astype(np.int64)
    if vectorised:  # torch's 2-D CPU kernel: w = x - floor(x), weights 1 - w and w
        fraction = ix - wrap(base.astype(data.dtype))
        low_weight, high_weight = 1 - fraction, fraction
    else:  # its 3-D kernel: distances to the two neighbours
        low_weight, high_weight = wrap((base + 1).astype(data.dtype)) - ix, ix - wrap(base.astype(data.dtype))
    return [
        (low, (low >= 0) & (low < size), low_weight),
        (low + 1, (low + 1 >= 0) & (low + 1 < size), high_weight),
    ]


def _check_grid_sample(input, grid, mode, padding_mode):  # noqa: A002 - torch's argument name
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: '{mode}'"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', "
            f"but got: '{padding_mode}'"
        )
    shapes = (
        f"input with sizes [{', '.join(map(str, input.shape))}] and grid with sizes [{', '.join(map(str, grid.shape))}]"
    )
    if input._data.dtype != grid._data.dtype:
        names = {"float32": "Float", "float64": "Double", "float16": "Half"}
        raise RuntimeError(
            f"expected scalar type {names.get(input._data.dtype.name, input._data.dtype.name)} but found "
            f"{names.get(grid._data.dtype.name, grid._data.dtype.name)}"
        )
    if input.ndim >= 1 and grid.ndim >= 1 and input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got {shapes}")
    if grid.shape[-1] != input.ndim - 2:
        raise RuntimeError(
            f"grid_sampler(): expected grid to have size {input.ndim - 2} in last dimension, but got grid with "
            f"sizes [{', '.join(map(str, grid.shape))}]"
        )
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError(
            f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but got {shapes}"
        )
    for dim in range(2, input.ndim):
        if input.shape[dim] == 0:
            raise RuntimeError(
                "grid_sampler(): expected input to have non-empty spatial dimensions, but input has sizes "
                f"[{', '.join(map(str, input.shape))}] with dimension {dim} being empty"
            )
    if mode == "bicubic" and input.ndim != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"grid_sampler_2d_cpu not implemented for '{input._data.dtype.name}'")


@tracing.unit("grid_sample")
def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):  # noqa: A002
    """Sample ``input`` ``(N, C, H, W)`` (or ``(N, C, D, H, W)``) at the points of ``grid`` ``(N, Ho, Wo, 2)``
    (``(N, Do, Ho, Wo, 3)``), whose last dim holds normalised ``(x, y[, z])`` in [-1, 1]; returns
    ``(N, C, Ho, Wo)`` (``(N, C, Do, Ho, Wo)``).

    ``mode``: 'bilinear' (trilinear in 5-D), 'nearest' (round half to even) or 'bicubic' (4-D only, A = -0.75);
    ``padding_mode``: 'zeros' (outside reads 0), 'border' (clamp) or 'reflection' (mirror at the edges);
    ``align_corners`` (default False): whether -1 and 1 are the corner pixels' centres (True) or outer edges.

    Gradients reach ``input`` (the transpose of the gather) and ``grid`` (through the tap weights: zero for
    'nearest'); twice differentiable. See the module docstring.

    >>> image = minigrad.arange(4.0).reshape(1, 1, 2, 2)
    >>> theta = minigrad.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])  # the identity map
    >>> F.grid_sample(image, F.affine_grid(theta, (1, 1, 2, 2), align_corners=False), align_corners=False)
    tensor([[[[0., 1.],
              [2., 3.]]]])
    """
    _check_grid_sample(input, grid, mode, padding_mode)
    align_corners = bool(align_corners)
    batch, dims = input.shape[0], input.ndim - 2
    spatial, out_spatial = input.shape[2:], grid.shape[1:-1]
    points = grid.reshape(batch, -1, dims)
    per_axis = []
    for axis, size in enumerate(spatial):  # grid's last dim lists x (the last axis) first
        ix = _unnormalize(points[:, :, dims - 1 - axis], size, align_corners)
        per_axis.append(_axis_taps(ix, size, mode, padding_mode, align_corners, vectorised=dims == 2))
    strides = [int(np.prod(spatial[axis + 1 :], dtype=np.int64)) for axis in range(dims)]
    indices, masks = [], []
    for combination in _product(per_axis):  # the last axis varies fastest, as torch's corner order
        valid = np.logical_and.reduce([tap[1] for tap in combination])
        indices.append(sum(np.where(valid, tap[0], 0) * stride for tap, stride in zip(combination, strides)))
        masks.append(valid)
    channels = input.shape[1]
    values = TapGather.apply(input, index=np.concatenate(indices, axis=1)).reshape(batch, channels, len(indices), -1)
    mask = wrap(np.stack(masks, 1)[:, None].astype(values._data.dtype))
    if mode == "bicubic":  # torch's order: each row of 4 along x, then the 4 rows along y
        rows = (values * mask).reshape(batch, channels, 4, 4, -1)
        across = (rows * stack([tap[2] for tap in per_axis[1]], 1)[:, None, None]).sum(3)
        out = (across * stack([tap[2] for tap in per_axis[0]], 1)[:, None]).sum(2)
    else:
        out = (values * (_corner_weights(per_axis, points) * mask)).sum(2)
    return out.reshape(batch, channels, *out_spatial)


def _corner_weights(per_axis, points):
    """The weight of each corner ``(N, 1, taps, P)``: the product of its per-axis weights in torch's order
    (y·x in 2-D, x·y·z in 3-D); nearest taps weigh 1 (a function of the grid with zero gradient)."""
    weights = []
    for combination in _product(per_axis):
        factors = [tap[2] for tap in (combination if len(combination) == 2 else reversed(combination))]
        factors = [f for f in factors if f is not None]
        weight = factors[0] if factors else points[:, :, 0] * 0 + 1
        for factor in factors[1:]:
            weight = weight * factor
        weights.append(weight)
    return stack(weights, 1).unsqueeze(1)


def _product(lists):
    """itertools.product over per-axis tap lists (the last list varies fastest)."""
    combos = [()]
    for options in lists:
        combos = [combo + (option,) for combo in combos for option in options]
    return combos


def _linspace(steps, align_corners, dtype):
    """torch's base-grid coordinates of one axis: ``steps`` points over [-1, 1], shrunk by ``(steps-1)/steps``
    without aligned corners (pixel centres); a single point is 0."""
    if steps <= 1:
        return np.zeros(steps, dtype)
    points = np.linspace(-1, 1, steps, dtype=np.float64)
    if not align_corners:
        points = points * (steps - 1) / steps
    return points.astype(dtype)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of a batch of affine maps: ``theta`` ``(N, 2, 3)`` and ``size = (N, C, H, W)`` give
    ``(N, H, W, 2)`` with ``grid[n, h, w] = theta[n] @ (x_w, y_h, 1)``; ``(N, 3, 4)`` and ``(N, C, D, H, W)`` give
    ``(N, D, H, W, 3)``. ``x_w``, ``y_h``, ``z_d`` are the normalised pixel centres (``align_corners``: the
    corners at ±1; default False). Gradient: w.r.t. ``theta`` (a matrix product with a constant base grid).

    >>> F.affine_grid(minigrad.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]), (1, 1, 2, 2), align_corners=False)
    tensor([[[[-0.5000, -0.5000],
              [ 0.5000, -0.5000]],
    <BLANKLINE>
             [[-0.5000,  0.5000],
              [ 0.5000,  0.5000]]]])
    """
    if theta._data.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {_torch_dtype(theta._data.dtype)}")
    size = [int(s) for s in size]
    if len(size) == 4:
        if theta.ndim != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(
                f"Expected a batch of 2D affine matrices of shape Nx2x3 for size torch.Size({size}). Got "
                f"torch.Size({list(theta.shape)})."
            )
    elif len(size) == 5:
        if theta.ndim != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(
                f"Expected a batch of 3D affine matrices of shape Nx3x4 for size torch.Size({size}). Got "
                f"torch.Size({list(theta.shape)})."
            )
    else:
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. Got "
            f"size torch.Size({size})."
        )
    spatial = size[2:]
    if min(spatial) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got torch.Size({size})")
    dtype = theta._data.dtype
    axes = [_linspace(n, bool(align_corners), dtype) for n in reversed(spatial)]  # x (last axis) first
    mesh = np.meshgrid(*reversed(axes), indexing="ij")  # (D,) H, W grids, first spatial axis first
    base = np.stack([m for m in reversed(mesh)] + [np.ones(spatial, dtype)], axis=-1).reshape(1, -1, len(spatial) + 1)
    grid = wrap(base).matmul(theta.transpose(1, 2))
    return grid.reshape(size[0], *spatial, len(spatial))


def _torch_dtype(dtype):
    return f"torch.{np.dtype(dtype).name}"


_INTERPOLATION_MODES = ("bilinear", "nearest", "bicubic")
_PADDING_MODES = ("zeros", "border", "reflection")


def _grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners, dims):  # noqa: A002
    if input.ndim != dims + 2:
        raise RuntimeError(
            f"grid_sampler(): expected {dims + 2}D input and grid with same number of dimensions, but "
            f"got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
        )
    if not (0 <= interpolation_mode < 3 and 0 <= padding_mode < 3):
        raise RuntimeError(
            f"grid_sampler(): unknown interpolation mode {interpolation_mode} or padding mode {padding_mode}"
        )
    return grid_sample(
        input, grid, _INTERPOLATION_MODES[interpolation_mode], _PADDING_MODES[padding_mode], bool(align_corners)
    )


def grid_sampler_2d(input, grid, interpolation_mode, padding_mode, align_corners):  # noqa: A002
    """``torch.grid_sampler_2d``: ``grid_sample`` on ``(N, C, H, W)`` with torch's integer codes,
    ``interpolation_mode`` 0 bilinear, 1 nearest, 2 bicubic and ``padding_mode`` 0 zeros, 1 border, 2 reflection.
    Gradient: ``grid_sample``'s.

    >>> minigrad.grid_sampler_2d(minigrad.ones(1, 1, 2, 2), minigrad.zeros(1, 1, 1, 2), 0, 0, False)
    tensor([[[[1.]]]])
    """
    return _grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners, 2)


def grid_sampler_3d(input, grid, interpolation_mode, padding_mode, align_corners):  # noqa: A002
    """``torch.grid_sampler_3d``: ``grid_sample`` on ``(N, C, D, H, W)`` with torch's integer codes (see
    ``grid_sampler_2d``; bicubic is 2-D only). Gradient: ``grid_sample``'s.

    >>> minigrad.grid_sampler_3d(minigrad.ones(1, 1, 2, 2, 2), minigrad.zeros(1, 1, 1, 1, 3), 0, 0, False)
    tensor([[[[[1.]]]]])
    """
    return _grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners, 3)
