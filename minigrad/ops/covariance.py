"""``cov`` and ``corrcoef``: the (weighted) covariance and correlation matrices of the rows of a tensor.

Both are compositions of ``mean``, ``matmul`` and elementwise ops, so their gradients are those ops'.
"""

from .. import _dtype
from .linalg import matmul


def _weights(weights, observations, name, integral):
    """A 1-D weight tensor checked as torch checks it."""
    if weights.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {weights.ndim} dimensions")
    if weights.numel() != observations:
        raise RuntimeError(
            f"cov(): expected {name} to have the same numel as there are observations in the input but got "
            f"{weights.numel()} != {observations}"
        )
    if (weights._data.dtype.kind in "iu") != integral:
        kind = "integral" if integral else "floating point"
        got = _dtype.torch_name(weights._data.dtype).capitalize()
        raise RuntimeError(f"cov(): expected {name} to have {kind} dtype but got {got}")
    if (weights._data < 0).any():
        raise RuntimeError(f"cov(): {name} cannot have negative values")
    return weights.reshape(-1)


def cov(input, *, correction=1, fweights=None, aweights=None):  # noqa: A002 - torch's argument name
    """The covariance matrix of the variables in the rows of ``input (V, N)`` (a 1-D input is one variable, giving
    a 0-d result), observations in the columns: with weights ``w = fweights · aweights`` (ones if absent),
    ``x̄ = Σ w x / Σ w`` and ``C = (x - x̄) diag(w) (x - x̄)ᵀ / (Σ w - correction · Σ w·aweights / Σ w)``
    (``Σ w - correction`` without ``aweights``). Integer inputs become float. Gradient: that of the composition.

    >>> minigrad.cov(minigrad.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    if input.ndim > 2:
        raise RuntimeError(
            f"cov(): expected input to have two or fewer dimensions but got an input with {input.ndim} dimensions"
        )
    x = input.reshape(1, -1) if input.ndim < 2 else input
    if x._data.dtype.kind != "f":
        x = x.to(_dtype.get_default_dtype()) if x._data.dtype.kind in "biu" else x
    observations = x.shape[1]
    w = None
    if fweights is not None:
        w = _weights(fweights, observations, "fweights", True)
    if aweights is not None:
        a = _weights(aweights, observations, "aweights", False)
        w = a if w is None else w * a
    if w is None:
        total = observations
        mean = x.sum(1, keepdim=True) / total
        normaliser = max(total - correction, 0)
    else:  # the weights' sums in their own dtype, as torch
        total = w.sum()
        mean = (x * w).sum(1, keepdim=True) / total
        if aweights is not None and correction != 0:
            normaliser = total - correction * (w * aweights.reshape(-1)).sum() / total
        else:
            normaliser = total - correction
        if normaliser._data <= 0:  # torch zeroes a non-positive normaliser (inf / nan follow)
            normaliser = normaliser * 0
    centred = x - mean
    return (matmul(centred, (centred if w is None else centred * w).mT) / normaliser).squeeze()


def corrcoef(input):  # noqa: A002
    """The Pearson correlation coefficients ``C_ij / √(C_ii C_jj)`` of ``C = cov(input)``, clipped to ``[-1, 1]``
    (as NumPy and torch). Gradient: that of the composition (the clip passes it inside the interval).

    >>> minigrad.corrcoef(minigrad.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    c = cov(input)
    if c.ndim == 0:
        return c / c
    stddev = c.diagonal(0, -2, -1).sqrt()
    c = c / stddev.unsqueeze(-1) / stddev.unsqueeze(-2)
    return c.clamp(-1, 1)
