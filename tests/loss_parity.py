"""Helpers shared by the loss tests: run one loss through minigrad and torch on the same arrays and compare the
values and the gradients of the chosen arguments; gradcheck a loss in float64.

Arguments are given as NumPy arrays (they become tensors in each library, keeping their dtype) or plain values
(passed through). ``grad`` names the arguments that require grad: positional indices and/or keyword names.
"""

import numpy as np

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck

try:
    import torch
except ImportError:  # torch is only an oracle
    torch = None

TOLERANCES = {
    np.dtype(np.float16): (2e-3, 2e-3),
    np.dtype(np.float32): (1e-4, 1e-6),
    np.dtype(np.float64): (1e-6, 1e-10),
}


def _build(library, args, kwargs, grad):
    leaves = {}

    def convert(key, value):
        if not isinstance(value, np.ndarray):
            return value
        if library == "torch":
            tensor = torch.tensor(value, requires_grad=key in grad)
        else:
            tensor = minigrad.tensor(value, requires_grad=key in grad)
        if key in grad:
            leaves[key] = tensor
        return tensor

    built_args = [convert(i, value) for i, value in enumerate(args)]
    built_kwargs = {name: convert(name, value) for name, value in kwargs.items()}
    return built_args, built_kwargs, leaves


def _close(actual, expected, dtype, what, rtol=None, atol=None):
    default_rtol, default_atol = TOLERANCES.get(np.dtype(dtype), (1e-6, 1e-10))
    np.testing.assert_allclose(
        actual, expected, rtol=rtol or default_rtol, atol=atol or default_atol, equal_nan=True, err_msg=what
    )


def compare_with_torch(ours, theirs, args, kwargs=None, grad=(), seed=0, rtol=None, atol=None, check_dtype=True):
    """Call ``ours`` (minigrad) and ``theirs`` (torch) on the same arguments; assert equal values, shapes, dtypes,
    and equal gradients after back-propagating one random upstream gradient. Returns minigrad's output."""
    kwargs = kwargs or {}
    grad = set(grad)
    mg_args, mg_kwargs, mg_leaves = _build("minigrad", args, kwargs, grad)
    th_args, th_kwargs, th_leaves = _build("torch", args, kwargs, grad)
    out = ours(*mg_args, **mg_kwargs)
    expected = theirs(*th_args, **th_kwargs)
    expected_array = expected.detach().numpy()
    assert out.shape == tuple(expected.shape), f"shape {out.shape} != torch {tuple(expected.shape)}"
    if check_dtype:
        assert out._data.dtype == expected_array.dtype, f"dtype {out._data.dtype} != torch {expected_array.dtype}"
    _close(out.detach().numpy(), expected_array, expected_array.dtype, "loss value", rtol, atol)
    if grad:
        upstream = np.random.default_rng(seed).standard_normal(expected.shape).astype(expected_array.dtype)
        out.backward(minigrad.tensor(upstream))
        expected.backward(torch.tensor(upstream))
        for key in sorted(grad, key=str):
            assert mg_leaves[key].grad is not None, f"no gradient for argument {key!r}"
            theirs_grad = th_leaves[key].grad.numpy()
            _close(
                mg_leaves[key].grad.numpy(), theirs_grad, theirs_grad.dtype, f"gradient of argument {key!r}", rtol, atol
            )
    return out


def check_gradients(loss, args, kwargs=None, grad=(0,), second_order=True):
    """gradcheck (and gradgradcheck) ``loss`` in float64 w.r.t. the arguments named in ``grad``."""
    kwargs = kwargs or {}
    _, _, leaves = _build("minigrad", args, kwargs, set(grad))
    names = sorted(leaves, key=str)
    fixed_args, fixed_kwargs, _ = _build("minigrad", args, kwargs, set())

    def call(*tensors):
        by_name = dict(zip(names, tensors))
        call_args = [by_name.get(i, value) for i, value in enumerate(fixed_args)]
        call_kwargs = {name: by_name.get(name, value) for name, value in fixed_kwargs.items()}
        return loss(*call_args, **call_kwargs)

    inputs = tuple(leaves[name] for name in names)
    assert gradcheck(call, inputs)
    if second_order:
        assert gradgradcheck(call, inputs)
