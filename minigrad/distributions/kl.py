"""``kl_divergence(p, q)``: KL(p ‖ q) = E_p[log p(x) - log q(x)], by closed forms registered per pair of types
(torch.distributions.kl)."""

import warnings
from typing import Callable

import numpy as np

from ..ops.activation import softplus
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .independent import Independent
from .linalg import solve_triangular
from .multivariate_normal import MultivariateNormal, _half_log_det, _mahalanobis
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .uniform import Uniform
from .utils import sum_rightmost

__all__ = ["kl_divergence", "register_kl"]

_KL_REGISTRY: "dict[tuple[type, type], Callable]" = {}  # (type_p, type_q) -> function(p, q)
# the dispatch result per concrete pair; cleared on every registration
_KL_MEMOIZE: "dict[tuple[type, type], Callable]" = {}


def register_kl(type_p, type_q):
    """Decorator registering ``fn(p, q)`` as KL(p ‖ q) for ``p`` an instance of ``type_p`` and ``q`` of ``type_q``
    (subclasses included: the most specific registered pair wins, as in torch).

    >>> class Unit(minigrad.distributions.Normal):
    ...     pass
    >>> def _kl_unit(p, q):
    ...     return ((p.loc - q.loc) ** 2) / 2  # both of scale 1
    >>> minigrad.distributions.kl_divergence(Unit(0.0, 1.0), Unit(2.0, 1.0))
    tensor(2.)
    """
    if not isinstance(type_p, type) or not issubclass(type_p, Distribution):
        raise TypeError(f"Expected type_p to be a Distribution subclass but got {type_p}")
    if not isinstance(type_q, type) or not issubclass(type_q, Distribution):
        raise TypeError(f"Expected type_q to be a Distribution subclass but got {type_q}")

    def decorator(fn):
        """Register ``fn`` and return it unchanged."""
        _KL_REGISTRY[type_p, type_q] = fn
        _KL_MEMOIZE.clear()
        return fn

    return decorator


def _dispatch_kl(type_p, type_q):
    """The registered function for the closest pair of base classes (distance along each type's MRO); when ordering
    by p first and by q first disagree, warn as torch does and take the p-first one."""
    matches = [
        (type_p.__mro__.index(p), type_q.__mro__.index(q), p, q)
        for p, q in _KL_REGISTRY
        if issubclass(type_p, p) and issubclass(type_q, q)
    ]
    if not matches:
        return NotImplemented
    _, _, left_p, left_q = min(matches, key=lambda m: (m[0], m[1]))
    _, _, right_p, right_q = min(matches, key=lambda m: (m[1], m[0]))
    if _KL_REGISTRY[left_p, left_q] is not _KL_REGISTRY[right_p, right_q]:
        warnings.warn(
            f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). Please register_kl"
            f"({left_p.__name__}, {right_q.__name__})",
            RuntimeWarning,
            stacklevel=3,
        )
    return _KL_REGISTRY[left_p, left_q]


def kl_divergence(p, q):
    """KL(p ‖ q) = ∫ p(x) log(p(x) / q(x)) dx, one value per batch element (batch shapes broadcast).

    Raises ``NotImplementedError`` when no closed form is registered for the pair.

    >>> from minigrad.distributions import Normal, kl_divergence
    >>> kl_divergence(Normal(0.0, 1.0), Normal(0.0, 1.0))
    tensor(0.)
    """
    key = type(p), type(q)
    if key not in _KL_MEMOIZE:
        _KL_MEMOIZE[key] = _dispatch_kl(*key)
    fn = _KL_MEMOIZE[key]
    if fn is NotImplemented:
        raise NotImplementedError(
            f"No KL(p || q) is implemented for p type {p.__class__.__name__} and q type {q.__class__.__name__}"
        )
    return fn(p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    """``(r + ((μp - μq) / σq)² - 1 - log r) / 2`` with ``r = (σp / σq)²``."""
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    """``pp log(pp / pq) + (1 - pp) log((1 - pp) / (1 - pq))`` via softplus of the logits; ``inf`` where q gives
    zero probability to an outcome p can produce, ``0 log 0 = 0``."""
    t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    t1 = t1.masked_fill(q.probs == 0, float("inf")).masked_fill(p.probs == 0, 0.0)
    t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    t2 = t2.masked_fill(q.probs == 1, float("inf")).masked_fill(p.probs == 1, 0.0)
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    """``Σ_k p_k (log p_k - log q_k)``; ``inf`` where ``q_k = 0 < p_k``, terms with ``p_k = 0`` are 0."""
    t = p.probs * (p.logits - q.logits)
    t = t.masked_fill((q.probs == 0).expand(t.shape), float("inf"))
    return t.masked_fill((p.probs == 0).expand(t.shape), 0.0).sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p, q):
    """The categorical KL of the underlying categories."""
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    """``log((hq - lq) / (hp - lp))``, ``inf`` unless ``[lp, hp] ⊆ [lq, hq]``."""
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return result.masked_fill((q.low > p.low) | (q.high < p.high), float("inf"))


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariatenormal_multivariatenormal(p, q):
    """``(tr(Σq⁻¹ Σp) + (μq - μp)ᵀ Σq⁻¹ (μq - μp) - n) / 2 + log(|Σq| / |Σp|) / 2``, with
    ``tr(Σq⁻¹ Σp) = ‖Lq⁻¹ Lp‖²_F``."""
    if p.event_shape != q.event_shape:
        raise ValueError(
            "KL-divergence between two Multivariate Normals with different event shapes cannot be computed"
        )
    p_tril, q_tril = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    half_term1 = _half_log_det(q_tril) - _half_log_det(p_tril)
    n = p.event_shape[0]
    batch = np.broadcast_shapes(q_tril.shape[:-2], p_tril.shape[:-2])
    term2 = solve_triangular(q_tril.expand(batch + (n, n)), p_tril.expand(batch + (n, n)), upper=False)
    term2 = term2.pow(2).sum((-2, -1))
    term3 = _mahalanobis(q_tril, q.loc - p.loc)
    return half_term1 + 0.5 * (term2 + term3 - n)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    """The base distributions' KL summed over the reinterpreted dimensions (which must agree)."""
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)
