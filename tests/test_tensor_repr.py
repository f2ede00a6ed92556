"""A tensor prints as PyTorch's does (number format, alignment, wrapping, summarizing, suffixes), and
``set_printoptions`` changes it as torch's does. Tutorials print tensors and show torch's output in their comments
(MorvanZhou/PyTorch-Tutorial 202_variable: ``tensor(7.5000)``), so ported scripts should print the same."""

import pytest

import minigrad

torch = pytest.importorskip("torch")

CASES = {
    "scalar": lambda T: T.tensor(7.5),
    "fixed": lambda T: T.tensor([0.5, 1.0, 1.5, 2.0]),
    "aligned": lambda T: T.tensor([1.23456789, 100.0]),
    "sci_small": lambda T: T.tensor([1e-5, 1.0]),
    "sci_ratio": lambda T: T.tensor([1e-3, 2.0, 3.0]),
    "sci_large": lambda T: T.tensor([1e9, 2e9]),
    "sci_scalar": lambda T: T.tensor(1e-5),
    "whole": lambda T: T.tensor([1.0, 2.0]),
    "whole_sci": lambda T: T.tensor([1e10, 1.0]),
    "zeros": lambda T: T.tensor([0.0, 0.0]),
    "negative_zero": lambda T: T.tensor([-0.0, 5.0]),
    "nonfinite_whole": lambda T: T.tensor([float("nan"), 1.0, float("inf")]),
    "nonfinite": lambda T: T.tensor([float("nan"), 1.5]),
    "bool": lambda T: T.tensor([True, False]),
    "int": lambda T: T.tensor([1, -200, 3]),
    "int_scalar": lambda T: T.tensor(3),
    "float64_matrix": lambda T: T.tensor([[1.5, -2.25], [3.0, 4.125]], dtype=T.float64),
    "requires_grad": lambda T: T.tensor([[1.0, 2.0]], requires_grad=True),
    "summarized_int": lambda T: T.arange(2000).reshape(40, 50),
    "summarized_wrapped": lambda T: T.arange(3000.0).reshape(10, 300) / 7,
    "summarized_sci": lambda T: T.arange(1200.0) * 1e5,
    "three_dims": lambda T: T.arange(24.0).reshape(2, 3, 4) / 3,
    "wrapped": lambda T: T.linspace(0, 1, 30),
    "empty": lambda T: T.zeros(0),
    "empty_2d": lambda T: T.zeros(0, 3),
    "empty_int": lambda T: T.zeros(0, dtype=T.int64),
    "empty_float64": lambda T: T.tensor([], dtype=T.float64),
    "int32": lambda T: T.ones(2, 3, dtype=T.int32),
    "uint8": lambda T: T.tensor([1, 2], dtype=T.uint8),
    "float16": lambda T: T.tensor([[1.0, 2.0, 3.0]], dtype=T.float16),
    "mixed_magnitudes": lambda T: T.tensor([123456.789, 1.5]),
}


def _ours(text):
    return text.replace("minigrad.", "torch.")


@pytest.mark.parametrize("name", sorted(CASES))
def test_repr_matches_torch(name):
    assert _ours(repr(CASES[name](minigrad))) == repr(CASES[name](torch))


def test_parameter_and_grad_fn_suffix_like_torch():
    ours = minigrad.nn.Parameter(minigrad.tensor([0.25, -1.0]))
    theirs = torch.nn.Parameter(torch.tensor([0.25, -1.0]))
    assert repr(ours) == repr(theirs)
    assert repr(ours * 2).startswith("tensor([ 0.5000, -2.0000], grad_fn=<")


def test_a_long_suffix_moves_to_its_own_line_like_torch():
    values = [0.125 * i for i in range(8)]
    ours = repr(minigrad.tensor(values, dtype=minigrad.float64, requires_grad=True))
    assert _ours(ours) == repr(torch.tensor(values, dtype=torch.float64, requires_grad=True))


@pytest.mark.parametrize(
    "options",
    [
        {"precision": 2},
        {"sci_mode": True},
        {"sci_mode": False},
        {"profile": "short"},
        {"profile": "full"},
        {"threshold": 5, "edgeitems": 1},
        {"linewidth": 40},
    ],
)
def test_set_printoptions_like_torch(options):
    values = [[0.00012345 * 10**i for i in range(9)], [float(i) / 3 for i in range(9)]]
    try:
        minigrad.set_printoptions(**options)
        torch.set_printoptions(**options)
        for make in (lambda T: T.tensor(values), lambda T: T.arange(1100), lambda T: T.tensor([1.12345, 2.0])):
            assert _ours(repr(make(minigrad))) == repr(make(torch))
    finally:
        minigrad.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


def test_each_set_printoptions_call_resets_sci_mode_like_torch():
    try:
        minigrad.set_printoptions(sci_mode=True)
        minigrad.set_printoptions(precision=4)
        assert repr(minigrad.tensor([1.5])) == "tensor([1.5000])"
    finally:
        minigrad.set_printoptions(profile="default")


def test_set_printoptions_refuses_an_unknown_profile():
    with pytest.raises(ValueError, match="profile"):
        minigrad.set_printoptions(profile="long")
