"""The fused-loss base (minigrad/nn/functional/_fused.py): for every FusedLoss, the kernel's gradient (the
first-order backward) equals the gradient of the loss's composite (its definition in Tensor ops, which
``create_graph=True`` differentiates), in float64, for every reduction and with a per-element upstream gradient;
a loss without a composite refuses a double backward with the one shared error."""

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad.nn.functional import _fused
from minigrad.nn.functional.classification import CrossEntropyLoss
from minigrad.nn.functional.ctc import CtcLoss

REDUCTIONS = ["none", "mean", "sum"]


def _cases(rng):
    """name -> (loss(*leaves, reduction), leaf arrays): each exercises one FusedLoss subclass."""
    x, y = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    p, t = rng.uniform(0.05, 0.95, (4, 5)), rng.uniform(0, 1, (4, 5))
    sign = rng.choice([-1.0, 1.0], (4, 5))
    classes, labels = rng.integers(0, 5, 4), np.array([[3, 0, -1, 1, 2]] * 4)
    image, image_target = rng.normal(size=(2, 3, 2, 2)), rng.integers(0, 3, (2, 2, 2))
    image_target[0, 0, 0] = -100
    weight = rng.uniform(0.5, 2, 5)

    def tensor(a):
        return minigrad.tensor(a)

    return {
        "mse": (lambda a, b, r: F.mse_loss(a, b, reduction=r), [x, y[:1]]),
        "smooth_l1": (lambda a, b, r: F.smooth_l1_loss(a, b, reduction=r, beta=0.7), [x, y]),
        "huber": (lambda a, b, r: F.huber_loss(a, b, reduction=r, delta=0.6), [x, y]),
        "bce": (lambda a, b, r: F.binary_cross_entropy(a, b, tensor(weight), reduction=r), [p, t]),
        "bce_with_logits": (
            lambda a, b, r: F.binary_cross_entropy_with_logits(
                a, b, tensor(weight), reduction=r, pos_weight=tensor(weight[::-1].copy())
            ),
            [x, t],
        ),
        "soft_margin": (lambda a, r: F.soft_margin_loss(a, tensor(sign), reduction=r), [x]),
        "hinge": (lambda a, r: F.hinge_embedding_loss(a, tensor(sign), margin=0.5, reduction=r), [x]),
        "ranking": (lambda a, b, c, r: F.margin_ranking_loss(a, b, c, margin=0.2, reduction=r), [x, y, sign]),
        "multi_margin p=1": (lambda a, r: F.multi_margin_loss(a, tensor(classes), reduction=r), [x]),
        "multi_margin p=2": (
            lambda a, r: F.multi_margin_loss(a, tensor(classes), p=2, weight=tensor(weight), reduction=r),
            [x],
        ),
        "multilabel": (lambda a, r: F.multilabel_margin_loss(a, tensor(labels), reduction=r), [x]),
        "triplet p=2 swap": (
            lambda a, b, c, r: F.triplet_margin_loss(a, b, c, margin=2.0, swap=True, reduction=r),
            [x, y, rng.normal(size=(1, 5))],
        ),
        "triplet p=3": (
            lambda a, b, c, r: F.triplet_margin_loss(a, b, c, margin=2.0, p=3, reduction=r),
            [x, y, rng.normal(size=(4, 5))],
        ),
        "cross_entropy": (
            lambda a, r: F.cross_entropy(a, tensor(classes), tensor(weight), reduction=r, label_smoothing=0.2),
            [x],
        ),
        "cross_entropy columns": (lambda a, r: F.cross_entropy(a, tensor(image_target), reduction=r), [image]),
        "cross_entropy probs": (
            lambda a, b, r: F.cross_entropy(a, b, reduction=r, label_smoothing=0.1),
            [x, t / t.sum(1, keepdims=True)],
        ),
        "nll": (lambda a, r: F.nll_loss(a, tensor(classes), tensor(weight), reduction=r), [x]),
    }


CASE_NAMES = list(_cases(np.random.default_rng(0)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", CASE_NAMES)
def test_kernel_gradient_is_the_composites(name, reduction):
    loss_fn, arrays = _cases(np.random.default_rng(1))[name]
    leaves = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    loss = loss_fn(*leaves, reduction)
    upstream = minigrad.tensor(np.random.default_rng(2).uniform(0.5, 2, loss.shape))
    fused = minigrad.autograd.grad(loss, leaves, upstream, retain_graph=True)
    composite = minigrad.autograd.grad(loss, leaves, upstream, create_graph=True)
    for ours, theirs in zip(fused, composite):
        np.testing.assert_allclose(ours._data, theirs._data, rtol=1e-9, atol=1e-12)


def test_every_fused_loss_has_a_composite_or_is_first_order_only():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    concrete = [cls for cls in subclasses(_fused.FusedLoss) if not cls.__name__.startswith("_")]
    assert CrossEntropyLoss in concrete and CtcLoss in concrete
    for cls in concrete:
        assert (cls.composite is not None) != issubclass(cls, _fused.FirstOrderOnly), cls.__name__


def test_a_retained_graph_gives_the_same_gradient_twice():
    """backward_arrays hands its arrays over; a second backward runs the kernel again."""
    x = minigrad.tensor(np.random.default_rng(3).normal(size=(3, 4)), requires_grad=True)
    loss = F.cross_entropy(x, minigrad.tensor(np.array([0, 1, 3])))
    loss.backward(retain_graph=True)
    first = x.grad._data.copy()
    loss.backward()
    np.testing.assert_allclose(x.grad._data, 2 * first)


def test_first_order_only_loss_refuses_a_double_backward():
    rng = np.random.default_rng(4)
    log_probs = minigrad.tensor(np.log(rng.dirichlet(np.ones(4), (6, 2))), requires_grad=True)
    loss = F.ctc_loss(log_probs, minigrad.tensor(np.array([[1, 2], [3, 1]])), [6, 5], [2, 2])
    (grad,) = minigrad.autograd.grad(loss, [log_probs], create_graph=True)
    with pytest.raises(_fused.FirstOrderOnlyError, match="CtcLoss's gradient"):
        grad.sum().backward()
