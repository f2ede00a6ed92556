"""The multivariate normal distribution N(loc, Σ) (torch.distributions.MultivariateNormal)."""

import math

import numpy as np

from ..creation import eye
from . import constraints
from .distribution import Distribution
from .linalg import cholesky, solve_triangular
from .utils import lazy_property, standard_normal

__all__ = ["MultivariateNormal"]


def _mahalanobis(scale_tril, x):
    """``xᵀ Σ⁻¹ x = |L⁻¹ x|²`` for ``Σ = L Lᵀ``, batched: ``L`` is ``(*, n, n)``, ``x`` is ``(*, n)`` (broadcast)."""
    return solve_triangular(scale_tril, x.unsqueeze(-1), upper=False).squeeze(-1).pow(2).sum(-1)


def _half_log_det(scale_tril):
    """``log |Σ| / 2 = Σ_i log L_ii``."""
    return scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)


def _precision_to_scale_tril(precision):
    """The lower Cholesky factor ``L`` of ``Σ = P⁻¹`` without inverting ``P`` (torch's trick): with ``J`` the
    reversal permutation, ``J P J = Lf Lfᵀ`` gives ``P = U Uᵀ`` for the upper-triangular ``U = J Lf J``, so
    ``Σ = U⁻ᵀ U⁻¹`` and ``L = (Uᵀ)⁻¹``, one triangular solve."""
    flipped = cholesky(precision.flip((-2, -1)))
    inverse = flipped.flip((-2, -1)).mT
    n = precision.shape[-1]
    return solve_triangular(inverse, eye(n, dtype=precision.dtype), upper=False)


class MultivariateNormal(Distribution):
    """MultivariateNormal(loc, covariance_matrix=Σ | precision_matrix=P | scale_tril=L) (exactly one of the three).

    Density ``exp(-(x - μ)ᵀ Σ⁻¹ (x - μ) / 2) / √((2π)ⁿ |Σ|)``; everything is computed from the lower Cholesky
    factor ``L`` (``Σ = L Lᵀ``): ``log_prob = -(n log 2π + |L⁻¹(x - μ)|²)/2 - Σ log L_ii`` and ``rsample = μ + L ε``
    with ``ε ~ N(0, I)``, differentiable in ``loc`` and in whichever matrix was given (through local
    ``cholesky``/``solve_triangular`` Functions). Event shape ``(n,)``; batch shape the broadcast of ``loc.shape[:-1]``
    and the matrix's leading dimensions.

    >>> from minigrad.distributions import MultivariateNormal
    >>> MultivariateNormal(minigrad.zeros(2), minigrad.eye(2)).sample().shape
    (2,)
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = {"covariance_matrix": covariance_matrix, "precision_matrix": precision_matrix, "scale_tril": scale_tril}
        given = {name: matrix for name, matrix in given.items() if matrix is not None}
        if len(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        ((name, matrix),) = given.items()
        if matrix.dim() < 2:
            label = "scale_tril matrix" if name == "scale_tril" else name  # torch's wording, which varies
            raise ValueError(f"{label} must be at least two-dimensional, with optional leading batch dimensions")
        batch_shape = np.broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        setattr(self, name, matrix.expand(batch_shape + (-1, -1)))
        self.loc = loc.expand(batch_shape + (-1,))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def expand(self, batch_shape, _instance=None):
        """A MultivariateNormal with ``loc`` and the given matrix expanded (views) to ``batch_shape``."""
        batch_shape = tuple(batch_shape)
        matrix_shape = batch_shape + self._event_shape + self._event_shape
        matrices = {
            name: self.__dict__[name].expand(matrix_shape)
            for name in ("covariance_matrix", "precision_matrix", "scale_tril")
            if name in self.__dict__
        }
        return self._expanded(
            MultivariateNormal,
            batch_shape,
            _instance,
            loc=self.loc.expand(batch_shape + self._event_shape),
            _unbroadcasted_scale_tril=self._unbroadcasted_scale_tril,
            **matrices,
        )

    @lazy_property
    def scale_tril(self):
        """``L``, expanded to ``batch_shape + (n, n)``."""
        return self._unbroadcasted_scale_tril.expand(self._batch_shape + self._event_shape + self._event_shape)

    @lazy_property
    def covariance_matrix(self):
        """``Σ = L Lᵀ``."""
        lower = self._unbroadcasted_scale_tril
        return lower.matmul(lower.mT).expand(self._batch_shape + self._event_shape + self._event_shape)

    @lazy_property
    def precision_matrix(self):
        """``P = Σ⁻¹ = L⁻ᵀ L⁻¹``."""
        lower = self._unbroadcasted_scale_tril
        inverse = solve_triangular(lower, eye(lower.shape[-1], dtype=lower.dtype), upper=False)
        return inverse.mT.matmul(inverse).expand(self._batch_shape + self._event_shape + self._event_shape)

    @property
    def mean(self):
        """``loc`` (also the mode)."""
        return self.loc

    mode = mean  # a Gaussian peaks at its mean

    @property
    def variance(self):
        """The diagonal of ``Σ``: the row sums of ``L²``."""
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(self._batch_shape + self._event_shape)

    def rsample(self, sample_shape=()):
        """``μ + L ε``, ``ε ~ N(0, I)``."""
        eps = standard_normal(self._extended_shape(sample_shape), self.loc.dtype)
        return self.loc + self._unbroadcasted_scale_tril.matmul(eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value):
        """``-(n log 2π + |L⁻¹(x - μ)|²) / 2 - Σ_i log L_ii``."""
        if self._validate_args:
            self._validate_sample(value)
        distance = _mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + distance) - _half_log_det(
            self._unbroadcasted_scale_tril
        )

    def entropy(self):
        """``n (1 + log 2π) / 2 + Σ_i log L_ii``."""
        entropy = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + _half_log_det(
            self._unbroadcasted_scale_tril
        )
        return entropy.expand(self._batch_shape) if self._batch_shape else entropy
