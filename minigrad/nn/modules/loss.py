"""Loss modules with torch.nn's names and constructor signatures, plus ``FocalLoss`` (torchvision's).

A loss module is thin: its constructor stores the arguments (in torch's positional order, spec/losses.md 0.3),
maps the deprecated ``size_average``/``reduce`` flags to ``reduction`` once, and registers ``weight`` /
``pos_weight`` as buffers so they follow ``.to()`` and are saved in ``state_dict``; ``forward`` calls the
functional. ``reduction`` is 'mean' (the default), 'sum' or 'none' (the per-element losses, shaped as
each class says). Argument checks happen where torch does them: a few in the constructor (HuberLoss ``delta``,
MultiMarginLoss ``p``/``weight``, the triplet losses' ``margin``), everything else in the functional.

>>> import minigrad
>>> criterion = BCEWithLogitsLoss(pos_weight=minigrad.tensor([2.0]))
>>> criterion(minigrad.tensor([0.0]), minigrad.tensor([1.0]))            # 2 · log 2
tensor(1.3863)
>>> L1Loss(reduce=False).reduction                                       # legacy flags win (with a warning)
'none'
"""

import math
import warnings

from .. import functional as F
from ..functional._reduction import legacy_reduction
from .distance import PairwiseDistance
from .linear import Linear
from .module import Module

__all__ = [
    "LinearCrossEntropyLoss",
    "L1Loss",
    "MSELoss",
    "SmoothL1Loss",
    "HuberLoss",
    "NLLLoss",
    "NLLLoss2d",
    "CrossEntropyLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "KLDivLoss",
    "PoissonNLLLoss",
    "GaussianNLLLoss",
    "HingeEmbeddingLoss",
    "SoftMarginLoss",
    "MultiLabelSoftMarginLoss",
    "MultiLabelMarginLoss",
    "MultiMarginLoss",
    "CosineEmbeddingLoss",
    "MarginRankingLoss",
    "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
    "CTCLoss",
    "FocalLoss",
]


class _Loss(Module):
    """Holds ``reduction``; the deprecated flags, when either is given, replace it (with torch's warning)."""

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction = legacy_reduction(size_average, reduce)
        else:
            self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with an optional ``weight`` Tensor, kept as a buffer."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


# ------------------------------------------------------------------------------------------------ regression
class L1Loss(_Loss):
    """Mean absolute error: ``l = |x - y|``; gradient ``g · sign(x - y)``.

    Input ``(*)``, target the same shape; output a scalar, or ``(*)`` with ``reduction='none'``. See
    :func:`~minigrad.nn.functional.l1_loss`.

    >>> nn.L1Loss()(minigrad.tensor([1.0, -3.0]), minigrad.tensor([0.0, 0.0]))
    tensor(2.)
    """

    def forward(self, input, target):  # noqa: A002 - torch's argument names
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error: ``l = (x - y)²``; gradient ``2 g (x - y)``.

    Input ``(*)``, target the same shape; output a scalar, or ``(*)`` with ``reduction='none'``. See
    :func:`~minigrad.nn.functional.mse_loss`.

    >>> nn.MSELoss()(minigrad.tensor([1.0, 3.0]), minigrad.tensor([0.0, 0.0]))
    tensor(5.)
    """

    def forward(self, input, target):  # noqa: A002
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """``l = 0.5 (x - y)² / beta`` where ``|x - y| < beta``, else ``|x - y| - 0.5 beta`` (L1 when ``beta = 0``).

    Input ``(*)``, target the same shape; output a scalar, or ``(*)`` with ``reduction='none'``. See
    :func:`~minigrad.nn.functional.smooth_l1_loss`.

    Gradient (before the reduction's ``1/n``): ``g (x - y) / beta`` inside ``beta``, ``g sign(x - y)`` outside (the
    target gets the negation).

    >>> nn.SmoothL1Loss()(minigrad.tensor([0.5, 3.0]), minigrad.tensor([0.0, 0.0]))
    tensor(1.3125)
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):  # noqa: A002
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """``l = 0.5 (x - y)²`` where ``|x - y| < delta``, else ``delta (|x - y| - 0.5 delta)``; ``delta`` is a float or
    int.

    Input ``(*)``, target the same shape; output a scalar, or ``(*)`` with ``reduction='none'``. See
    :func:`~minigrad.nn.functional.huber_loss`.

    Gradient (before the reduction's ``1/n``): ``g (x - y)`` inside ``delta``, ``±g · delta`` outside (the target gets
    the negation).

    >>> nn.HuberLoss()(minigrad.tensor([0.5, 3.0]), minigrad.tensor([0.0, 0.0]))
    tensor(1.3125)
    """

    def __init__(self, reduction="mean", delta=1.0):
        if not isinstance(delta, (float, int)):
            raise TypeError(f"delta must be a float or int, got: {type(delta)}")
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):  # noqa: A002
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


# -------------------------------------------------------------------------------------------- classification
class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices given log-probabilities: ``l_n = -w[y_n] x[n, y_n]``; 'mean' divides
    by ``Σ w[y_n]``, and targets equal to ``ignore_index`` count for nothing.

    Input ``(N, C)``, ``(C)`` or ``(N, C, d1, ..., dK)``; target ``(N)``, ``()`` or ``(N, d1, ..., dK)`` with
    values in ``[0, C)``; ``weight`` ``(C)``. Output a scalar, or the target's shape with ``reduction='none'``.
    See :func:`~minigrad.nn.functional.nll_loss`.

    Gradient: ``-g w[y_n]`` at ``x[n, y_n]`` (divided by ``Σ w[y_n]`` for 'mean'), 0 at the other classes and at ignored
    targets.

    >>> nn.NLLLoss()(minigrad.tensor([[-1.0, -2.0]]), minigrad.tensor([1]))
    tensor(2.)
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):  # noqa: A002
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class NLLLoss2d(NLLLoss):
    """Deprecated alias of :class:`NLLLoss` (same formula and shapes); constructing it emits a FutureWarning.

    Gradient: ``-g w[y_n]`` at ``x[n, y_n]`` (divided by ``Σ w[y_n]`` for 'mean'), 0 at the other classes and at ignored
    targets.

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter('ignore', FutureWarning)
    ...     loss = nn.NLLLoss2d()
    >>> loss(minigrad.tensor([[-0.5, -1.5]]), minigrad.tensor([0]))
    tensor(0.5000)
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        warnings.warn(
            "`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in replacement.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits: ``l_n = -w[y_n] log softmax(x_n)[y_n]`` for class indices, or
    ``l_n = -Σ_c w_c p_c log softmax(x_n)_c`` for class probabilities ``p`` (``label_smoothing`` ε mixes the
    target with the uniform distribution: ``(1 - ε) target + ε / C``).

    Input ``(N, C)``, ``(C)`` or ``(N, C, d1, ..., dK)``; target class indices shaped like the input without the
    class dim, or probabilities of the input's shape; ``weight`` ``(C)``. Output a scalar, or ``(N)`` /
    ``(N, d1, ..., dK)`` / ``()`` with ``reduction='none'``. Gradient ``g (softmax(x) - onehot(y))`` for unweighted
    indices. See :func:`~minigrad.nn.functional.cross_entropy`.

    >>> loss = nn.CrossEntropyLoss()
    >>> loss(minigrad.zeros(2, 4), minigrad.tensor([0, 3]))
    tensor(1.3863)
    """

    def __init__(
        self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean", label_smoothing=0.0
    ):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):  # noqa: A002
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


# ----------------------------------------------------------------------------------------- probabilistic
class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities: ``l = -w [y log x + (1 - y) log(1 - x)]``, each log clamped at -100.

    Input ``(*)`` with values in [0, 1], target the same shape, ``weight`` broadcastable to it; output a scalar,
    or ``(*)`` with ``reduction='none'``. See :func:`~minigrad.nn.functional.binary_cross_entropy`.

    Gradient (before the reduction's ``1/n``): ``g w (x - y) / max(x (1 - x), 1e-12)`` to the input.

    >>> nn.BCELoss()(minigrad.tensor([0.5]), minigrad.tensor([1.0]))
    tensor(0.6931)
    """

    def forward(self, input, target):  # noqa: A002
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits: ``l = -w [p y log σ(x) + (1 - y) log σ(-x)]``, stable for any ``x``;
    ``weight`` (w) and ``pos_weight`` (p) are buffers.

    Input ``(*)``, target the same shape; ``pos_weight`` broadcasts along the class dim (``(C)`` for ``(N, C)``).
    Output a scalar, or ``(*)`` with ``reduction='none'``. Gradient ``g w (σ(x) - y)`` without ``pos_weight``. See
    :func:`~minigrad.nn.functional.binary_cross_entropy_with_logits`.

    >>> nn.BCEWithLogitsLoss()(minigrad.tensor([0.0]), minigrad.tensor([1.0]))
    tensor(0.6931)
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):  # noqa: A002
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, pos_weight=self.pos_weight, reduction=self.reduction
        )


class KLDivLoss(_Loss):
    """Pointwise KL divergence with log-probability input: ``l = y (log y - x)``, or ``exp(y) (y - x)`` when
    ``log_target``; ``reduction='batchmean'`` divides the sum by the batch size, the true KL.

    Input ``(*)``, target the same shape; output a scalar, or ``(*)`` with ``reduction='none'``. See
    :func:`~minigrad.nn.functional.kl_div`.

    Gradient (before the reduction's ``1/n``): ``-g y`` to the input (``-g exp(y)`` with ``log_target``); to the target
    ``g (log y + 1 - x)`` (``g exp(y) (y + 1 - x)``).

    >>> log_q, p = minigrad.tensor([[0.5, 0.5]]).log(), minigrad.tensor([[0.5, 0.5]])
    >>> nn.KLDivLoss(reduction="batchmean")(log_q, p)  # KL(p ‖ q) = 0 when q = p
    tensor(0.)
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):  # noqa: A002
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood: ``l = exp(x) - y x`` when ``log_input``, else ``x - y log(x + eps)``;
    ``full`` adds Stirling's ``y log y - y + 0.5 log(2π y)`` where ``y > 1``.

    Input ``(*)``, target the same shape; output a scalar, or ``(*)`` with ``reduction='none'``. See
    :func:`~minigrad.nn.functional.poisson_nll_loss`.

    Gradient (before the reduction's ``1/n``): ``g (exp(x) - y)`` with ``log_input``, else ``g (1 - y / (x + eps))``.

    >>> nn.PoissonNLLLoss()(minigrad.tensor([0.0]), minigrad.tensor([1.0]))
    tensor(1.)
    """

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(
            log_input, target, log_input=self.log_input, full=self.full, eps=self.eps, reduction=self.reduction
        )


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood: ``l = 0.5 (log v + (x - y)² / v)`` with ``v = max(var, eps)``; ``full``
    adds ``0.5 log 2π``. Keyword-only arguments.

    Input ``(N, *)`` or ``(*)``, target the same shape, ``var`` the same shape or with one dim of size 1 (or the
    last dim dropped); output a scalar, or the input's shape with ``reduction='none'``. See
    :func:`~minigrad.nn.functional.gaussian_nll_loss`.

    Gradient (before the reduction's ``1/n``): ``g (x - y) / v`` to the input, ``-g (x - y) / v`` to the target, ``g (1
    - (x - y)² / v) / (2v)`` to ``var`` (0 where clamped at ``eps``).

    >>> nn.GaussianNLLLoss()(minigrad.tensor([0.0]), minigrad.tensor([0.0]), minigrad.tensor([1.0]))
    tensor(0.)
    """

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input, target, var):  # noqa: A002
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss: ``l = log(1 + exp(-y x))`` with ``y`` in {1, -1}.

    Input ``(*)``, target the same shape; output a scalar, or ``(*)`` with ``reduction='none'``. See
    :func:`~minigrad.nn.functional.soft_margin_loss`.

    Gradient (before the reduction's ``1/n``): ``-g y σ(-y x)``.

    >>> nn.SoftMarginLoss()(minigrad.tensor([0.0]), minigrad.tensor([1.0]))
    tensor(0.6931)
    """

    def forward(self, input, target):  # noqa: A002
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Multi-label one-versus-all logistic loss:
    ``l_n = -Σ_c w_c [y_c log σ(x_c) + (1 - y_c) log σ(-x_c)] / C``.

    Input ``(N, C)`` or ``(C)``, target the same shape (0/1), ``weight`` ``(C)``; output a scalar, or ``(N)``
    / ``()`` with ``reduction='none'``. See :func:`~minigrad.nn.functional.multilabel_soft_margin_loss`.

    Gradient (before the reduction's ``1/n``): ``g w_c (σ(x_c) - y_c) / C``.

    >>> nn.MultiLabelSoftMarginLoss()(minigrad.zeros(1, 2), minigrad.tensor([[1.0, 0.0]]))
    tensor(0.6931)
    """

    def forward(self, input, target):  # noqa: A002
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


# ------------------------------------------------------------------------------------------------ margin
class HingeEmbeddingLoss(_Loss):
    """Hinge embedding loss: ``l = x`` where ``y = 1``, ``max(0, margin - x)`` where ``y = -1``.

    Input ``(*)``, target broadcastable to it; output a scalar, or ``(*)`` with ``reduction='none'``. See
    :func:`~minigrad.nn.functional.hinge_embedding_loss`.

    Gradient (before the reduction's ``1/n``): ``g`` where ``y = 1``, ``-g`` where ``y = -1`` and ``x < margin``, 0
    elsewhere.

    >>> nn.HingeEmbeddingLoss()(minigrad.tensor([0.3, 2.0]), minigrad.tensor([-1.0, 1.0]))
    tensor(1.3500)
    """

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):  # noqa: A002
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss over class-index targets:
    ``l_n = Σ_{j in J_n} Σ_{i not in J_n} max(0, 1 - (x[n, j] - x[n, i])) / C``, ``J_n`` the entries of row n
    before its first -1.

    Input ``(N, C)`` or ``(C)``, target of the input's shape (int64); output a scalar, or ``(N)`` / ``()`` with
    ``reduction='none'``. See :func:`~minigrad.nn.functional.multilabel_margin_loss`.

    Gradient (before the reduction's ``1/n``): every pair ``(j, i)`` with ``1 - x[j] + x[i] > 0`` adds ``g/C`` to
    ``x[i]`` and ``-g/C`` to ``x[j]``.

    >>> nn.MultiLabelMarginLoss()(minigrad.tensor([[0.1, 0.2, 0.4]]), minigrad.tensor([[2, -1, 0]]))
    tensor(0.5000)
    """

    def forward(self, input, target):  # noqa: A002
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss: ``l_n = Σ_{i ≠ y_n} w[y_n] max(0, margin - x[n, y_n] + x[n, i])^p / C``, ``p`` 1 or 2.

    Input ``(N, C)`` or ``(C)``; target ``(N)`` or ``()`` with values in ``[0, C)``; ``weight`` ``(C)``. Output a
    scalar, or ``(N)`` / ``()`` with ``reduction='none'``. See :func:`~minigrad.nn.functional.multi_margin_loss`.

    Gradient (before the reduction's ``1/n``): for the classes with ``z_i = margin - x[y] + x[i] > 0``, ``g w[y] (1 or 2
    z_i) / C`` to ``x[i]`` and the negated sum of those to ``x[y]``.

    >>> nn.MultiMarginLoss()(minigrad.tensor([[0.1, 0.2, 0.4]]), minigrad.tensor([2]))
    tensor(0.5000)
    """

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        if p != 1 and p != 2:
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.dim()}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input, target):  # noqa: A002
        return F.multi_margin_loss(
            input, target, p=self.p, margin=self.margin, weight=self.weight, reduction=self.reduction
        )


class CosineEmbeddingLoss(_Loss):
    """Cosine embedding loss: ``l = 1 - cos(x1, x2)`` where ``y = 1``, ``max(0, cos(x1, x2) - margin)`` where
    ``y = -1``.

    Inputs ``(N, D)`` or ``(D)``, target ``(N)`` or ``()``; output a scalar, or ``(N)`` / ``()`` with
    ``reduction='none'``. See :func:`~minigrad.nn.functional.cosine_embedding_loss`.

    Gradient (before the reduction's ``1/n``): ``-∇cos`` where ``y = 1``, ``∇cos`` where ``y = -1`` and ``cos >
    margin``, 0 elsewhere, with ``∇cos = (x̂2 - cos · x̂1) / ‖x1‖`` for ``x1`` (likewise for ``x2``).

    >>> a, b = minigrad.tensor([[1.0, 0.0]]), minigrad.tensor([[0.0, 1.0]])
    >>> nn.CosineEmbeddingLoss()(a, b, minigrad.tensor([1.0]))  # 1 - cos(a, b) for a similar pair
    tensor(1.)
    """

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """Margin ranking loss: ``l = max(0, -y (x1 - x2) + margin)`` with ``y`` in {1, -1}.

    Inputs ``(N)`` or ``()``, target the same shape; output a scalar, or ``(N)`` / ``()`` with
    ``reduction='none'``. See :func:`~minigrad.nn.functional.margin_ranking_loss`.

    Gradient (before the reduction's ``1/n``): where ``-y (x1 - x2) + margin > 0``, ``-g y`` to ``x1`` and ``g y`` to
    ``x2``; 0 elsewhere.

    >>> nn.MarginRankingLoss(margin=0.5)(minigrad.tensor([1.0]), minigrad.tensor([2.0]), minigrad.tensor([1.0]))
    tensor(1.5000)
    """

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """Triplet loss: ``l = max(0, margin + d(a, p) - d(a, n))`` with ``d(u, v) = ‖u - v + eps‖_p`` (``swap`` uses
    ``min(d(a, n), d(p, n))``); ``margin > 0``.

    Anchor, positive, negative ``(N, D)`` or ``(D)``; output a scalar, or ``(N)`` / ``()`` with
    ``reduction='none'``. See :func:`~minigrad.nn.functional.triplet_margin_loss`.

    Gradient (before the reduction's ``1/n``): where the hinge is active, ``g`` times ``∇d(a, p) - ∇d(a, n)``, with
    ``∇d(u, v) = sign(w) |w|^(p-1) / d^(p-1)`` for ``w = u - v + eps`` (``-∇`` to ``v``); 0 elsewhere.

    >>> a, p, n = minigrad.zeros(1, 2), minigrad.zeros(1, 2), minigrad.ones(1, 2)
    >>> nn.TripletMarginLoss(margin=1.0)(a, p, n)
    tensor(0.)
    """

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(
            anchor,
            positive,
            negative,
            margin=self.margin,
            p=self.p,
            eps=self.eps,
            swap=self.swap,
            reduction=self.reduction,
        )


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet loss with any distance: ``l = max(0, margin + d(a, p) - d(a, n))``, ``d`` the
    ``distance_function`` (default :class:`PairwiseDistance`); keyword-only arguments, ``margin > 0``.

    Anchor, positive, negative ``(N, D)`` or ``(D)`` (whatever ``d`` accepts); output a scalar, or ``(N)`` /
    ``()`` with ``reduction='none'``. See :func:`~minigrad.nn.functional.triplet_margin_with_distance_loss`.

    Gradient: where the hinge is active, ``g`` times ``∇D(a, p) - ∇D(a, n)`` (each distance's own gradient), 0 where it
    is not.

    >>> loss = nn.TripletMarginWithDistanceLoss(margin=1.0)
    >>> loss(minigrad.zeros(1, 2), minigrad.zeros(1, 2), minigrad.ones(1, 2))
    tensor(0.)
    """

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        super().__init__(size_average=None, reduce=None, reduction=reduction)
        if margin <= 0:
            raise ValueError(
                f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} instead"
            )
        self.distance_function = distance_function if distance_function is not None else PairwiseDistance()
        self.margin = margin
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_with_distance_loss(
            anchor,
            positive,
            negative,
            distance_function=self.distance_function,
            margin=self.margin,
            swap=self.swap,
            reduction=self.reduction,
        )


# --------------------------------------------------------------------------------------------- sequence / detection
class CTCLoss(_Loss):
    """Connectionist temporal classification: ``l_n = -log Σ_{alignments π of target n} Π_t p_t(π_t)``, the
    alignments inserting ``blank`` and repeats; ``zero_infinity`` turns impossible alignments' ``inf`` into 0.

    ``log_probs`` ``(T, N, C)`` or ``(T, C)``; targets ``(N, S)`` padded or concatenated
    ``(Σ target_lengths)``; ``input_lengths`` and ``target_lengths`` ``(N)``. Output a scalar ('mean' divides
    each loss by its target length, then averages), or ``(N)`` with ``reduction='none'``. See
    :func:`~minigrad.nn.functional.ctc_loss`.

    Gradient: ``-γ`` to ``log_probs``, ``γ`` each class's posterior occupancy of each step from the forward-backward
    recursions (times ``g``, divided by the target lengths for 'mean').

    >>> log_probs = minigrad.randn(5, 1, 3).log_softmax(2)
    >>> nn.CTCLoss()(log_probs, minigrad.tensor([[1, 2]]), minigrad.tensor([5]), minigrad.tensor([2])).shape
    ()
    """

    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return F.ctc_loss(
            log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction, self.zero_infinity
        )


class FocalLoss(_Loss):
    """Sigmoid focal loss: ``l = α_t (1 - p_t)^γ · bce_with_logits(x, y)`` with ``p = σ(x)``,
    ``p_t = p y + (1 - p)(1 - y)``, ``α_t = α y + (1 - α)(1 - y)``.

    torch.nn has none: this wraps torchvision's :func:`~minigrad.nn.functional.sigmoid_focal_loss` with its
    defaults, including ``reduction='none'``. Input ``(*)``, target the same shape; output ``(*)``, or a scalar
    with 'mean'/'sum'.

    Gradient: through the composition ``α_t (1 - p_t)^γ · bce_with_logits(x, y)`` (product and chain rules; the target
    gets none).

    >>> nn.FocalLoss()(minigrad.tensor([0.0]), minigrad.tensor([1.0]))
    tensor([0.0433])
    """

    def __init__(self, alpha=0.25, gamma=2.0, reduction="none"):
        super().__init__(reduction=reduction)
        self.alpha = alpha
        self.gamma = gamma

    def forward(self, input, target):  # noqa: A002
        return F.sigmoid_focal_loss(input, target, alpha=self.alpha, gamma=self.gamma, reduction=self.reduction)


# ----------------------------------------------------------------------------------------- fused linear + loss
class LinearCrossEntropyLoss(_WeightedLoss):
    """A linear layer to ``num_classes`` logits and the cross-entropy of those logits, computed in chunks of rows so
    the whole logits never exist (see :func:`~minigrad.nn.functional.linear_cross_entropy`).

    ``self.linear`` is a ``Linear(in_features, num_classes · prod(out_features), bias=bias)`` (torch's flat
    storage; reshaped to ``(C, *out_features, in_features)`` in ``forward``). Input ``(N, in_features)`` or
    ``(in_features,)``; target class indices ``(N,)`` / ``()`` (``(N, *out_features)`` for a K-dimensional loss) or
    probabilities of the logits' shape; ``weight`` ``(C,)``. Output as ``CrossEntropyLoss``'s.

    Gradient: the cross-entropy's ``softmax(z) - onehot(y)`` on each chunk's logits ``z``, taken back through the linear
    layer (``· W`` to the input, ``ᵀ · x`` to the weight, summed to the bias), chunk by chunk.

    >>> loss = nn.LinearCrossEntropyLoss(4, 3)
    >>> loss(minigrad.randn(2, 4), minigrad.tensor([0, 2])).shape
    ()
    """

    def __init__(
        self,
        in_features,
        num_classes,
        *,
        out_features=(),
        bias=False,
        device=None,
        dtype=None,
        reduction="mean",
        weight=None,
        ignore_index=None,
        label_smoothing=0.0,
        options=None,
    ):
        if weight is not None and tuple(weight.shape) != (num_classes,):
            raise RuntimeError(f"expected weight shape to be {(num_classes,)}, got {tuple(weight.shape)}")
        if label_smoothing < 0 or label_smoothing > 1.0:
            raise RuntimeError(f"expected label_smoothing to be in range [0, 1], got {label_smoothing}")
        super().__init__(weight=weight, reduction=reduction)
        self.num_classes = num_classes
        self.out_features = out_features
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.linear = Linear(
            in_features, math.prod(out_features, start=num_classes), bias=bias, device=device, dtype=dtype
        )
        self.options = options

    def forward(self, input, target):  # noqa: A002
        linear_weight = self.linear.weight.reshape(self.num_classes, *self.out_features, self.linear.in_features)
        linear_bias = (
            self.linear.bias.reshape(self.num_classes, *self.out_features) if self.linear.bias is not None else None
        )
        return F.linear_cross_entropy(
            input,
            linear_weight,
            target,
            linear_bias=linear_bias,
            weight=self.weight,
            reduction=self.reduction,
            ignore_index=self.ignore_index,
            label_smoothing=self.label_smoothing,
            options=self.options,
        )

    def extra_repr(self):
        return (
            f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
            f"out_features={self.out_features}, bias={self.linear.bias is not None}, reduction={self.reduction}, "
            f"ignore_index={self.ignore_index}, label_smoothing={self.label_smoothing}, options={self.options}"
        )
