"""Loss modules with torch.nn's names and constructor signatures, plus the distance modules and ``FocalLoss``.

A loss module is thin: its constructor stores the arguments (in torch's positional order, spec/losses.md 0.3),
maps the deprecated ``size_average``/``reduce`` flags to ``reduction`` once, and registers ``weight`` /
``pos_weight`` as buffers so they follow ``.to()`` and are saved in ``state_dict``; ``forward`` calls the
functional. Argument checks happen where torch does them: a few in the constructor (HuberLoss ``delta``,
MultiMarginLoss ``p``/``weight``, the triplet losses' ``margin``), everything else in the functional.

>>> import minigrad
>>> criterion = BCEWithLogitsLoss(pos_weight=minigrad.tensor([2.0]))
>>> criterion(minigrad.tensor([0.0]), minigrad.tensor([1.0]))            # 2 · log 2
tensor(1.3863)
>>> L1Loss(reduce=False).reduction                                       # legacy flags win (with a warning)
'none'
"""
import warnings

from .functional._reduction import legacy_reduction
from .functional.classification import cross_entropy, nll_loss
from .functional.ctc import ctc_loss
from .functional.distance import cosine_similarity, pairwise_distance
from .functional.margin import (cosine_embedding_loss, hinge_embedding_loss, margin_ranking_loss, multi_margin_loss,
                                multilabel_margin_loss, triplet_margin_loss, triplet_margin_with_distance_loss)
from .functional.probabilistic import (binary_cross_entropy, binary_cross_entropy_with_logits, gaussian_nll_loss,
                                       kl_div, multilabel_soft_margin_loss, poisson_nll_loss, sigmoid_focal_loss,
                                       soft_margin_loss)
from .functional.regression import huber_loss, l1_loss, mse_loss, smooth_l1_loss
from .module import Module

__all__ = ["L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "NLLLoss", "NLLLoss2d", "CrossEntropyLoss", "BCELoss",
           "BCEWithLogitsLoss", "KLDivLoss", "PoissonNLLLoss", "GaussianNLLLoss", "HingeEmbeddingLoss",
           "SoftMarginLoss", "MultiLabelSoftMarginLoss", "MultiLabelMarginLoss", "MultiMarginLoss",
           "CosineEmbeddingLoss", "MarginRankingLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss", "CTCLoss",
           "FocalLoss", "PairwiseDistance", "CosineSimilarity"]


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
    """Mean absolute error ``|x - y|``; see :func:`~minigrad.nn.functional.l1_loss`."""

    def forward(self, input, target):  # noqa: A002 - torch's argument names
        return l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``(x - y)²``; see :func:`~minigrad.nn.functional.mse_loss`."""

    def forward(self, input, target):  # noqa: A002
        return mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Quadratic below ``beta``, linear above; see :func:`~minigrad.nn.functional.smooth_l1_loss`."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):  # noqa: A002
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber loss with threshold ``delta`` (a float or int); see :func:`~minigrad.nn.functional.huber_loss`."""

    def __init__(self, reduction="mean", delta=1.0):
        if not isinstance(delta, (float, int)):
            raise TypeError(f"delta must be a float or int, got: {type(delta)}")
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):  # noqa: A002
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)


# -------------------------------------------------------------------------------------------- classification
class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices given log-probabilities; see
    :func:`~minigrad.nn.functional.nll_loss`."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):  # noqa: A002
        return nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class NLLLoss2d(NLLLoss):
    """Deprecated alias of :class:`NLLLoss` (any shape NLLLoss accepts); constructing it emits a FutureWarning."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in replacement.",
                      FutureWarning, stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits against class indices or class probabilities; see
    :func:`~minigrad.nn.functional.cross_entropy`."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                 label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):  # noqa: A002
        return cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                             reduction=self.reduction, label_smoothing=self.label_smoothing)


# ----------------------------------------------------------------------------------------- probabilistic
class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities; see :func:`~minigrad.nn.functional.binary_cross_entropy`."""

    def forward(self, input, target):  # noqa: A002
        return binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits, with optional ``weight`` and ``pos_weight`` buffers; see
    :func:`~minigrad.nn.functional.binary_cross_entropy_with_logits`."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):  # noqa: A002
        return binary_cross_entropy_with_logits(input, target, self.weight, pos_weight=self.pos_weight,
                                                reduction=self.reduction)


class KLDivLoss(_Loss):
    """Pointwise KL divergence (``reduction='batchmean'`` for the true KL); see
    :func:`~minigrad.nn.functional.kl_div`."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):  # noqa: A002
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood; see :func:`~minigrad.nn.functional.poisson_nll_loss`."""

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input, target):
        return poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
                                reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood (keyword-only arguments); see
    :func:`~minigrad.nn.functional.gaussian_nll_loss`."""

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input, target, var):  # noqa: A002
        return gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-y x))``; see :func:`~minigrad.nn.functional.soft_margin_loss`."""

    def forward(self, input, target):  # noqa: A002
        return soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Multi-label one-versus-all logistic loss; see
    :func:`~minigrad.nn.functional.multilabel_soft_margin_loss`."""

    def forward(self, input, target):  # noqa: A002
        return multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


# ------------------------------------------------------------------------------------------------ margin
class HingeEmbeddingLoss(_Loss):
    """Hinge embedding loss; see :func:`~minigrad.nn.functional.hinge_embedding_loss`."""

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):  # noqa: A002
        return hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss over class-index targets; see
    :func:`~minigrad.nn.functional.multilabel_margin_loss`."""

    def forward(self, input, target):  # noqa: A002
        return multilabel_margin_loss(input, target, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss (``p`` is 1 or 2, ``weight`` 1-D); see
    :func:`~minigrad.nn.functional.multi_margin_loss`."""

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        if p != 1 and p != 2:
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.dim()}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input, target):  # noqa: A002
        return multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                 reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """Cosine embedding loss; see :func:`~minigrad.nn.functional.cosine_embedding_loss`."""

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """Margin ranking loss ``max(0, -y (x1 - x2) + margin)``; see
    :func:`~minigrad.nn.functional.margin_ranking_loss`."""

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """Triplet loss with the p-norm distance (``margin > 0``); see
    :func:`~minigrad.nn.functional.triplet_margin_loss`."""

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                   swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet loss with any distance function (keyword-only; default :class:`PairwiseDistance`); see
    :func:`~minigrad.nn.functional.triplet_margin_with_distance_loss`."""

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        super().__init__(size_average=None, reduce=None, reduction=reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} "
                             "instead")
        self.distance_function = distance_function if distance_function is not None else PairwiseDistance()
        self.margin = margin
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=self.distance_function,
                                                 margin=self.margin, swap=self.swap, reduction=self.reduction)


# --------------------------------------------------------------------------------------------- sequence / detection
class CTCLoss(_Loss):
    """Connectionist temporal classification loss; see :func:`~minigrad.nn.functional.ctc_loss`."""

    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                        self.zero_infinity)


class FocalLoss(_Loss):
    """Sigmoid focal loss as a module (torch.nn has none; this wraps torchvision's
    :func:`~minigrad.nn.functional.sigmoid_focal_loss` with its defaults, including ``reduction='none'``)."""

    def __init__(self, alpha=0.25, gamma=2.0, reduction="none"):
        super().__init__(reduction=reduction)
        self.alpha = alpha
        self.gamma = gamma

    def forward(self, input, target):  # noqa: A002
        return sigmoid_focal_loss(input, target, alpha=self.alpha, gamma=self.gamma, reduction=self.reduction)


# ---------------------------------------------------------------------------------------------- distances
class PairwiseDistance(Module):
    """``‖x1 - x2 + eps‖_p`` over the last dim; see :func:`~minigrad.nn.functional.pairwise_distance`.
    (torch stores ``p`` as the attribute ``norm``.)"""

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1, x2):
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """Cosine similarity along ``dim``; see :func:`~minigrad.nn.functional.cosine_similarity`."""

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1, x2):
        return cosine_similarity(x1, x2, self.dim, self.eps)
