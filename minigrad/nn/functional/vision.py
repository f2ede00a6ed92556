"""Rearranging layers of image tensors: ``pixel_shuffle``, ``pixel_unshuffle`` and ``channel_shuffle``.

Each is a reshape, a permutation and a reshape (views and one copy), so the gradient is the inverse rearrangement
and the double backward comes for free:

* ``pixel_shuffle(x, r)``: ``(*, C·r², H, W) -> (*, C, H·r, W·r)``, ``out[c, h·r + i, w·r + j] = x[c·r² + i·r + j,
  h, w]``;
* ``pixel_unshuffle(x, r)``: its inverse;
* ``channel_shuffle(x, g)``: ``(N, C, *)``, the channels read as a ``(g, C/g)`` grid and transposed.
"""

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle"]


def _check_factor(name, what, factor, input):  # noqa: A002
    if input.ndim < 3:
        raise RuntimeError(
            f"{name} expects input to have at least 3 dimensions, but got input with {input.ndim} dimension(s)"
        )
    if factor <= 0:
        raise RuntimeError(f"{name} expects a positive {what}, but got {factor}")


def pixel_shuffle(input, upscale_factor):  # noqa: A002 - torch's argument name
    """``(*, C·r², H, W) -> (*, C, H·r, W·r)`` with ``r = upscale_factor``.

    Gradient: ``g`` rearranged back (its ``pixel_unshuffle``).

    >>> F.pixel_shuffle(minigrad.zeros(1, 8, 3, 3), 2).shape
    (1, 2, 6, 6)
    """
    r = upscale_factor
    _check_factor("pixel_shuffle", "upscale_factor", r, input)
    *batch, channels, height, width = input.shape
    if channels % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, "
            f"but input.size(-3)={channels} is not divisible by {r * r}"
        )
    lead = len(batch)
    grid = input.reshape(*batch, channels // (r * r), r, r, height, width)
    order = tuple(range(lead)) + tuple(lead + d for d in (0, 3, 1, 4, 2))
    return grid.permute(*order).reshape(*batch, channels // (r * r), height * r, width * r)


def pixel_unshuffle(input, downscale_factor):  # noqa: A002
    """``(*, C, H·r, W·r) -> (*, C·r², H, W)`` with ``r = downscale_factor``: the inverse of ``pixel_shuffle``.

    Gradient: ``g`` rearranged back (its ``pixel_shuffle``).

    >>> F.pixel_unshuffle(minigrad.zeros(1, 2, 6, 6), 2).shape
    (1, 8, 3, 3)
    """
    r = downscale_factor
    _check_factor("pixel_unshuffle", "downscale_factor", r, input)
    *batch, channels, height, width = input.shape
    for name, dim, size in (("height", -2, height), ("width", -1, width)):
        if size % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but input.size({dim})={size} "
                f"is not divisible by {r}"
            )
    lead = len(batch)
    grid = input.reshape(*batch, channels, height // r, r, width // r, r)
    order = tuple(range(lead)) + tuple(lead + d for d in (0, 2, 4, 1, 3))
    return grid.permute(*order).reshape(*batch, channels * r * r, height // r, width // r)


def channel_shuffle(input, groups):  # noqa: A002
    """``(N, C, *)``: channel ``g·(C/G) + k`` moves to ``k·G + g`` (ShuffleNet's interleaving of ``G`` groups).

    Gradient: ``g`` with the channels moved back.

    >>> F.channel_shuffle(minigrad.arange(4.0).reshape(1, 4, 1), 2).flatten()
    tensor([0., 2., 1., 3.])
    """
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    batch, channels, *rest = input.shape
    if channels % groups:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {channels} channels and {groups} groups."
        )
    grid = input.reshape(batch, groups, channels // groups, *rest)
    return grid.transpose(1, 2).reshape(input.shape)
