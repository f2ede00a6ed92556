"""Golden parity: every loss in minigrad.nn.functional against values recorded from PyTorch 2.13.

The fixtures (``tests/golden/losses.{npz,json}``) are produced by ``tools/make_golden.py``; see its docstring for
the manifest format.  Each case calls ``F.<fn>(*args, **kwargs)`` on float64 tensors, back-propagates the stored
upstream gradient (or calls ``out.backward()`` for a 0-dim output) and compares the value and the gradient of every
argument that requires grad.  Where minigrad deliberately differs from PyTorch (spec/losses.md section 12) the
fixture already holds minigrad's value; CTC cases feed ``log_softmax(logits)`` so the gradients are comparable.

This test never imports torch.
"""

import json
import pathlib

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F

GOLDEN = pathlib.Path(__file__).resolve().parent / "golden"
RTOL, ATOL = 1e-6, 1e-9

with open(GOLDEN / "losses.json") as fh:
    CASES = json.load(fh)  # p=inf is stored as the JSON literal Infinity, which json.load accepts
with np.load(GOLDEN / "losses.npz", allow_pickle=False) as archive:
    ARRAYS = {key: archive[key] for key in archive.files}


def _assert_close(actual, expected, what):
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, expected {expected.shape}"
    assert actual.dtype == np.float64, f"{what}: dtype {actual.dtype}, expected float64"
    # equal_nan: nan must match nan; +-inf must match the same infinity (assert_allclose checks inf positions)
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, equal_nan=True, err_msg=what)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_loss_matches_pytorch(case):
    wanted = {str(name) for name in case["requires_grad"]}  # positional indices as strings, kwarg names
    leaves = {}

    def build(name, spec):
        if "value" in spec:
            return spec["value"]
        array = ARRAYS[spec["array"]].copy()  # arrays are shared between cases; never hand out the originals
        if name not in wanted:
            return minigrad.tensor(array)
        leaf = minigrad.tensor(array, requires_grad=True)
        leaves[name] = leaf
        if name == "0" and case.get("pre") == "log_softmax":
            return F.log_softmax(leaf, case["pre_dim"])  # CTC: the leaf is the logits (spec 12.1)
        return leaf

    args = [build(str(i), spec) for i, spec in enumerate(case["args"])]
    kwargs = {name: build(name, spec) for name, spec in case["kwargs"].items()}
    assert set(leaves) == wanted == set(case["grads"]), "malformed case"

    out = getattr(F, case["fn"])(*args, **kwargs)
    _assert_close(out.detach().numpy(), ARRAYS[case["out"]], "loss value")

    if case["upstream"] is None:
        out.backward()
    else:
        out.backward(minigrad.tensor(ARRAYS[case["upstream"]].copy()))
    for name, key in case["grads"].items():
        leaf = leaves[name]
        label = f"arg {name}" if name.isdigit() else f"kwarg {name!r}"
        assert leaf.grad is not None, f"no gradient for {label}"
        _assert_close(leaf.grad.numpy(), ARRAYS[key], f"gradient of {label}")
