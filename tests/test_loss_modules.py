"""The loss modules (and PairwiseDistance, CosineSimilarity, FocalLoss): torch's constructor signatures and
positional order (spec/losses.md 0.3), the legacy size_average/reduce mapping, weight/pos_weight as buffers,
constructor-time validation, and forward values and gradients equal to torch's modules."""

import inspect
import math
import warnings

import numpy as np
import pytest

import minigrad
from loss_parity import compare_with_torch, torch
from minigrad import nn as L
from minigrad.nn.functional.probabilistic import sigmoid_focal_loss
from minigrad.nn.modules import distance, loss

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")
TORCH_MODULES = [name for name in loss.__all__ + distance.__all__ if name != "FocalLoss"]


def rng(seed):
    return np.random.default_rng(seed)


def probabilities(shape, seed):
    return rng(seed).uniform(0.05, 0.95, shape)


def log_probabilities(shape, seed):
    logits = rng(seed).normal(0, 1, shape)
    return logits - np.log(np.exp(logits).sum(1, keepdims=True))


WEIGHT3 = np.array([0.5, 1.0, 2.0])

# name, constructor args (positional), constructor kwargs, forward arguments, arguments that require grad
CASES = [
    ("L1Loss", (), {}, [rng(0).normal(size=(3, 4)), rng(1).normal(size=(3, 4))], (0, 1)),
    ("MSELoss", (None, None, "sum"), {}, [rng(0).normal(size=(3, 4)), rng(1).normal(size=(3, 4))], (0, 1)),
    ("SmoothL1Loss", (None, None, "mean", 0.5), {}, [rng(0).normal(size=(5,)), rng(1).normal(size=(5,))], (0, 1)),
    ("HuberLoss", ("sum", 0.7), {}, [rng(0).normal(size=(5,)), rng(1).normal(size=(5,))], (0, 1)),
    ("NLLLoss", (WEIGHT3, None, 1, None, "mean"), {}, [log_probabilities((4, 3), 2), np.array([0, 1, 2, 2])], (0,)),
    (
        "NLLLoss",
        (None, None, -100, None, "none"),
        {},
        [log_probabilities((2, 3, 4), 2), np.array([[0, 1, 2, 2], [1, 1, 0, 2]])],
        (0,),
    ),
    (
        "CrossEntropyLoss",
        (WEIGHT3, None, -100, None, "mean", 0.1),
        {},
        [rng(3).normal(size=(4, 3)), np.array([0, 1, 2, 2])],
        (0,),
    ),
    ("CrossEntropyLoss", (), {}, [rng(3).normal(size=(4, 3)), probabilities((4, 3), 4)], (0, 1)),
    ("BCELoss", (np.array([1.0, 2.0, 0.5, 1.0]),), {}, [probabilities((3, 4), 5), probabilities((3, 4), 6)], (0, 1)),
    (
        "BCEWithLogitsLoss",
        (np.array([1.0, 2.0, 0.5, 1.0]), None, None, "sum", np.array([3.0, 1.0, 0.5, 2.0])),
        {},
        [rng(7).normal(size=(3, 4)), probabilities((3, 4), 8)],
        (0, 1),
    ),
    (
        "KLDivLoss",
        (None, None, "batchmean", True),
        {},
        [log_probabilities((3, 4), 9), log_probabilities((3, 4), 10)],
        (0, 1),
    ),
    (
        "PoissonNLLLoss",
        (False, True, None, 1e-6, None, "sum"),
        {},
        [probabilities((6,), 11) * 3, np.array([0.0, 1, 2, 3, 4, 5])],
        (0,),
    ),
    (
        "GaussianNLLLoss",
        (),
        {"full": True, "eps": 1e-3, "reduction": "sum"},
        [rng(12).normal(size=(3, 4)), rng(13).normal(size=(3, 4)), probabilities((3, 1), 14)],
        (0, 1, 2),
    ),
    (
        "HingeEmbeddingLoss",
        (0.5, None, None, "sum"),
        {},
        [rng(15).normal(size=(6,)), np.array([1.0, -1, 1, -1, -1, 1])],
        (0,),
    ),
    ("SoftMarginLoss", (None, None, "none"), {}, [rng(16).normal(size=(5,)), np.array([1.0, -1, 1, -1, 1])], (0,)),
    (
        "MultiLabelSoftMarginLoss",
        (WEIGHT3,),
        {},
        [rng(17).normal(size=(4, 3)), probabilities((4, 3), 18).round()],
        (0, 1),
    ),
    ("MultiLabelMarginLoss", (), {}, [rng(19).normal(size=(2, 4)), np.array([[3, 0, -1, 1], [1, 2, 3, -1]])], (0,)),
    ("MultiMarginLoss", (2, 0.7, WEIGHT3), {}, [rng(20).normal(size=(4, 3)), np.array([0, 2, 1, 2])], (0,)),
    (
        "CosineEmbeddingLoss",
        (0.2,),
        {},
        [rng(21).normal(size=(4, 3)), rng(22).normal(size=(4, 3)), np.array([1.0, -1, -1, 1])],
        (0, 1),
    ),
    (
        "MarginRankingLoss",
        (0.1,),
        {},
        [rng(23).normal(size=(5,)), rng(24).normal(size=(5,)), np.array([1.0, -1, 1, -1, 1])],
        (0, 1),
    ),
    ("TripletMarginLoss", (0.5, 1.0, 1e-6, True), {}, [rng(s).normal(size=(4, 3)) for s in (25, 26, 27)], (0, 1, 2)),
    (
        "TripletMarginWithDistanceLoss",
        (),
        {"margin": 2.0, "swap": True},
        [rng(s).normal(size=(4, 3)) for s in (28, 29, 30)],
        (0, 1, 2),
    ),
    ("PairwiseDistance", (1.0, 1e-6, True), {}, [rng(31).normal(size=(4, 3)), rng(32).normal(size=(4, 3))], (0, 1)),
    ("CosineSimilarity", (0, 1e-8), {}, [rng(33).normal(size=(4, 3)), rng(34).normal(size=(4, 3))], (0, 1)),
]


def build(library, value):
    if isinstance(value, np.ndarray):
        return torch.tensor(value) if library == "torch" else minigrad.tensor(value)
    return value


@needs_torch
@pytest.mark.parametrize("name, args, kwargs, inputs, grad", CASES, ids=[c[0] for c in CASES])
def test_module_matches_torch(name, args, kwargs, inputs, grad):
    ours = getattr(L, name)(*[build("minigrad", a) for a in args], **kwargs)
    theirs = getattr(torch.nn, name)(*[build("torch", a) for a in args], **kwargs)
    compare_with_torch(ours, theirs, inputs, grad=grad)


@needs_torch
def test_ctc_module_matches_torch():
    logits = rng(35).normal(size=(6, 2, 4))
    targets, input_lengths, target_lengths = np.array([[1, 2, 2], [3, 1, 0]]), np.array([6, 5]), np.array([3, 2])
    for args in [(), (0, "sum", True), (3, "none")]:
        ours, theirs = L.CTCLoss(*args), torch.nn.CTCLoss(*args)
        targets_for_blank = np.where(targets == args[0], 0, targets) if args and args[0] == 3 else targets
        compare_with_torch(
            lambda x, *rest: ours(x.log_softmax(2), *rest),  # spec 12.1: compare through log_softmax
            lambda x, *rest: theirs(x.log_softmax(2), *rest),
            [logits, targets_for_blank, input_lengths, target_lengths],
            grad=(0,),
        )


def test_focal_loss_module_wraps_the_functional():
    x, y = minigrad.tensor(rng(36).normal(size=(3, 4))), minigrad.tensor(probabilities((3, 4), 37).round())
    module = L.FocalLoss(0.5, 1.5)
    assert module.reduction == "none"
    np.testing.assert_array_equal(module(x, y)._data, sigmoid_focal_loss(x, y, 0.5, 1.5)._data)
    assert L.FocalLoss(reduction="sum")(x, y).item() == pytest.approx(sigmoid_focal_loss(x, y).sum().item())


# -------------------------------------------------------------------------------------------- signatures
@needs_torch
@pytest.mark.parametrize("name", TORCH_MODULES)
def test_constructor_signature_is_torchs(name):
    def described(cls):
        return [(p.name, p.kind, p.default) for p in inspect.signature(cls.__init__).parameters.values()]

    assert described(getattr(L, name)) == described(getattr(torch.nn, name))


@needs_torch
@pytest.mark.parametrize("name", TORCH_MODULES)
def test_forward_signature_is_torchs(name):
    def names(cls):
        return list(inspect.signature(cls.forward).parameters)

    assert names(getattr(L, name)) == names(getattr(torch.nn, name))


def test_keyword_only_constructors():
    with pytest.raises(TypeError):
        L.GaussianNLLLoss(True)
    with pytest.raises(TypeError):
        L.TripletMarginWithDistanceLoss(None)


# ------------------------------------------------------------------------------------------ legacy flags
@pytest.mark.parametrize(
    "cls", [L.L1Loss, L.MSELoss, L.SoftMarginLoss, L.MultiLabelMarginLoss, L.KLDivLoss, L.SmoothL1Loss]
)
def test_legacy_flags_replace_reduction(cls):
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert cls(None, False, "sum").reduction == "none"
    with pytest.warns(UserWarning):
        assert cls(False, None, "mean").reduction == "sum"
    with pytest.warns(UserWarning):
        assert cls(None, True, "sum").reduction == "mean"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cls(reduction="sum").reduction == "sum"


def test_legacy_flags_in_weighted_and_margin_modules():
    with pytest.warns(UserWarning):
        assert L.NLLLoss(None, False).reduction == "sum"
    with pytest.warns(UserWarning):
        assert L.CrossEntropyLoss(reduce=False, reduction="sum").reduction == "none"
    with pytest.warns(UserWarning):
        assert L.PoissonNLLLoss(True, False, False).reduction == "sum"
    with pytest.warns(UserWarning):
        assert L.TripletMarginLoss(1.0, 2.0, 1e-6, False, None, False).reduction == "none"


def test_reduction_is_validated_by_forward_not_constructor():
    module = L.L1Loss(reduction="foo")
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        module(minigrad.ones(2), minigrad.ones(2))


# ----------------------------------------------------------------------------------------------- buffers
def test_weights_are_buffers():
    weight, pos_weight = minigrad.tensor([1.0, 2.0]), minigrad.tensor([3.0, 4.0])
    module = L.BCEWithLogitsLoss(weight, pos_weight=pos_weight)
    assert module.weight is weight and module.pos_weight is pos_weight
    assert set(module.state_dict()) == {"weight", "pos_weight"}
    assert [name for name, _ in module.named_buffers()] == ["weight", "pos_weight"]
    module.to(minigrad.float64)
    assert module.weight.dtype == minigrad.float64 and module.pos_weight.dtype == minigrad.float64
    for cls in (L.NLLLoss, L.CrossEntropyLoss, L.BCELoss, L.MultiLabelSoftMarginLoss, L.MultiMarginLoss):
        assert list(cls(weight=minigrad.tensor([1.0, 2.0, 3.0])).state_dict()) == ["weight"]
        assert cls().weight is None and list(cls().state_dict()) == []
    assert list(L.L1Loss().state_dict()) == [] and list(L.L1Loss().parameters()) == []


def test_buffers_round_trip_through_state_dict():
    module = L.CrossEntropyLoss(minigrad.tensor([1.0, 2.0, 3.0]))
    fresh = L.CrossEntropyLoss(minigrad.zeros(3))
    fresh.load_state_dict(module.state_dict())
    np.testing.assert_array_equal(fresh.weight._data, [1.0, 2.0, 3.0])


# ---------------------------------------------------------------------------------- constructor validation
def test_constructor_validation():
    with pytest.raises(TypeError, match="delta must be a float or int, got: "):
        L.HuberLoss(delta=minigrad.tensor(1.0))
    assert L.HuberLoss(delta=2).delta == 2
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        L.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="MultiMarginLoss: expected weight to be None or 1D tensor, got 2D instead"):
        L.MultiMarginLoss(weight=minigrad.ones(2, 2))
    with pytest.raises(ValueError, match="TripletMarginLoss: expected margin to be greater than 0, got 0.0 instead"):
        L.TripletMarginLoss(margin=0.0)
    with pytest.raises(ValueError, match="TripletMarginWithDistanceLoss: expected margin to be greater than 0"):
        L.TripletMarginWithDistanceLoss(margin=-1.0)


def test_nll_loss_2d_is_deprecated_nll_loss():
    with pytest.warns(FutureWarning, match="`NLLLoss2d` has been deprecated"):
        module = L.NLLLoss2d(None, None, 1)
    assert isinstance(module, L.NLLLoss) and module.ignore_index == 1


def test_module_attributes_and_repr():
    distance = L.TripletMarginWithDistanceLoss()
    assert isinstance(distance.distance_function, L.PairwiseDistance)
    assert L.PairwiseDistance(3.0).norm == 3.0 and L.CosineSimilarity().dim == 1
    assert repr(L.L1Loss()) == "L1Loss()"
    custom = L.TripletMarginWithDistanceLoss(distance_function=lambda u, v: (u - v).abs().sum(-1))
    a, p, n = minigrad.zeros(1, 2), minigrad.ones(1, 2), minigrad.full((1, 2), 2.0)
    assert custom(a, p, n).item() == pytest.approx(max(0.0, 1.0 + 2.0 - 4.0))
    assert L.CTCLoss(3, "sum", True).blank == 3 and L.PoissonNLLLoss().eps == 1e-8
    assert not math.isnan(L.KLDivLoss(reduction="batchmean")(minigrad.zeros(2, 2), minigrad.ones(2, 2)).item())
