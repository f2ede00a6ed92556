"""Constraints: the sets a distribution's parameters and samples live in (torch.distributions.constraints, minimal).

A constraint's ``check(value)`` returns a bool Tensor of shape ``value.shape[:value.ndim - event_dim]``: one verdict
per event, so a ``simplex`` (``event_dim == 1``) checks whole rows. Checks read the values only (they are never
differentiated), so they run in NumPy. The reprs are torch's, since they appear in the validation errors.
"""

import numpy as np

from ..autograd.tensor import Tensor

__all__ = [
    "Constraint",
    "boolean",
    "dependent",
    "dependent_property",
    "greater_than",
    "independent",
    "integer_interval",
    "interval",
    "is_dependent",
    "less_than",
    "lower_cholesky",
    "one_hot",
    "positive",
    "positive_definite",
    "real",
    "real_vector",
    "simplex",
    "unit_interval",
]


def _array(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)


class Constraint:
    """A region of the reals. ``is_discrete``: whether it holds integers only; ``event_dim``: how many rightmost
    dimensions form one event (checked together)."""

    is_discrete = False
    event_dim = 0

    def check(self, value):
        """A bool Tensor: whether each event of ``value`` satisfies the constraint."""
        return Tensor._wrap(np.asarray(self._holds(_array(value))))

    def _holds(self, array):
        raise NotImplementedError

    def __repr__(self):
        return type(self).__name__[1:] + "()"


class _Dependent(Constraint):
    """A placeholder for a region that depends on other parameters (``Uniform``'s support, say): it cannot be
    checked."""

    def __init__(self, *, is_discrete=False, event_dim=0):
        self.is_discrete, self.event_dim = is_discrete, event_dim

    def __call__(self, *, is_discrete=False, event_dim=0):
        return _Dependent(is_discrete=is_discrete, event_dim=event_dim)

    def check(self, value):
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint):
    """Whether ``constraint`` is a ``dependent`` placeholder (validation skips those)."""
    return isinstance(constraint, _Dependent)


class dependent_property(property, _Dependent):  # noqa: N801 - torch's name
    """A ``property`` that is also a ``dependent`` constraint, for ``support``/``arg_constraints`` computed from the
    parameters (the class attribute is the placeholder, the instance attribute the real constraint)."""

    def __init__(self, fn=None, *, is_discrete=False, event_dim=0):
        property.__init__(self, fn)
        _Dependent.__init__(self, is_discrete=is_discrete, event_dim=event_dim)

    def __call__(self, fn):
        """``@dependent_property(is_discrete=..., event_dim=...)``: the decorator form with arguments."""
        return dependent_property(fn, is_discrete=self.is_discrete, event_dim=self.event_dim)


class _IndependentConstraint(Constraint):
    """``base`` with ``reinterpreted_batch_ndims`` more dimensions folded into the event: all must hold."""

    def __init__(self, base_constraint, reinterpreted_batch_ndims):
        self.base_constraint, self.reinterpreted_batch_ndims = base_constraint, reinterpreted_batch_ndims
        self.is_discrete = base_constraint.is_discrete
        self.event_dim = base_constraint.event_dim + reinterpreted_batch_ndims

    def _holds(self, array):
        result = np.asarray(self.base_constraint._holds(array))
        n = self.reinterpreted_batch_ndims
        return result.all(axis=tuple(range(-n, 0))) if n else result

    def __repr__(self):
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


independent = _IndependentConstraint


class _Real(Constraint):
    """The extended reals without NaN."""

    def _holds(self, array):
        return array == array


class _Boolean(Constraint):
    """``{0, 1}``."""

    is_discrete = True

    def _holds(self, array):
        return (array == 0) | (array == 1)


class _GreaterThan(Constraint):
    """``(lower_bound, inf]``."""

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def _holds(self, array):
        return _array(self.lower_bound) < array

    def __repr__(self):
        return f"GreaterThan(lower_bound={self.lower_bound})"


class _LessThan(Constraint):
    """``[-inf, upper_bound)``."""

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def _holds(self, array):
        return array < _array(self.upper_bound)

    def __repr__(self):
        return f"LessThan(upper_bound={self.upper_bound})"


class _Interval(Constraint):
    """``[lower_bound, upper_bound]``."""

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def _holds(self, array):
        return (_array(self.lower_bound) <= array) & (array <= _array(self.upper_bound))

    def __repr__(self):
        return f"{type(self).__name__[1:]}(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerInterval(_Interval):
    """The integers in ``[lower_bound, upper_bound]``."""

    is_discrete = True

    def _holds(self, array):
        return (array % 1 == 0) & super()._holds(array)


class _Simplex(Constraint):
    """Non-negative vectors summing to 1 (to 1e-6) over the last dimension."""

    event_dim = 1

    def _holds(self, array):
        return (array >= 0).all(axis=-1) & (np.abs(array.sum(axis=-1) - 1) < 1e-6)


class _OneHot(Constraint):
    """Vectors of 0s with a single 1."""

    is_discrete = True
    event_dim = 1

    def _holds(self, array):
        return ((array == 0) | (array == 1)).all(axis=-1) & (array.sum(axis=-1) == 1)


class _LowerCholesky(Constraint):
    """Lower-triangular square matrices with a positive diagonal."""

    event_dim = 2

    def _holds(self, array):
        lower = (np.tril(array) == array).all(axis=(-2, -1))
        return lower & (np.diagonal(array, axis1=-2, axis2=-1) > 0).all(axis=-1)


class _PositiveDefinite(Constraint):
    """Symmetric matrices with positive eigenvalues."""

    event_dim = 2

    def _holds(self, array):
        symmetric = np.isclose(array, np.swapaxes(array, -1, -2), atol=1e-6).all(axis=(-2, -1))
        eigenvalues = np.linalg.eigvalsh(array)  # reads one triangle: meaningful only where symmetric
        return symmetric & (eigenvalues > 0).all(axis=-1)


dependent = _Dependent()
real = _Real()
real_vector = independent(real, 1)
boolean = _Boolean()
positive = _GreaterThan(0.0)
greater_than = _GreaterThan
less_than = _LessThan
interval = _Interval
integer_interval = _IntegerInterval
unit_interval = _Interval(0.0, 1.0)
simplex = _Simplex()
one_hot = _OneHot()
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
