"""Calls that real PyTorch scripts make, found by running them on minigrad with only their imports changed
(docs/porting.md, "Scripts tried"); each test names the script that needed it and checks torch's behaviour."""

import pytest

import minigrad


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((0, 10, (4,)), {}),
        ((10, (4,)), {}),
        ((10,), {"size": (1,)}),  # pytorch/examples mnist_forward_forward: randint(len(x), size=(1,))
        ((), {"high": 7, "size": (2, 3)}),
        ((), {"low": 2, "high": 7, "size": (3,)}),
    ],
)
def test_randint_call_forms_match_torch(args, kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = minigrad.randint(*args, **kwargs), torch.randint(*args, **kwargs)
    assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype).replace(
        "torch", "minigrad"
    )
    low = kwargs.get("low", args[0] if len(args) == 3 else 0)
    high = kwargs.get("high", args[1] if len(args) == 3 else args[0] if args else None)
    assert low <= ours.min().item() and ours.max().item() < high


def test_randint_without_size_raises_type_error_like_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        torch.randint(5)
    with pytest.raises(TypeError, match="size"):
        minigrad.randint(5)
    with pytest.raises(TypeError, match="high"):
        minigrad.randint(size=(2,))
