"""MultiheadAttention and the Transformer modules driven by torch's own ``module_db``: for each ModuleInfo, every
``module_inputs_func`` case (constructor and forward arguments) in training and eval mode, built in both libraries
with torch's state_dict loaded into ours, compared on the output and the gradients of the inputs and parameters
(float64). Cases with dropout in training draw different masks in the two libraries: their outputs are only
compared in eval mode. Each (module, mode) runs a fixed-seed sample of ``CASES_PER_MODULE`` of its cases (there are
40-70, and each builds modules in both libraries); ``MINIGRAD_FULL_PARITY=1`` runs them all."""

import os
import random

import numpy as np
import pytest

import minigrad

FULL = os.environ.get("MINIGRAD_FULL_PARITY") == "1"
CASES_PER_MODULE = 4
NAMES = [
    "MultiheadAttention",
    "TransformerEncoderLayer",
    "TransformerDecoderLayer",
    "Transformer",
    "TransformerEncoder",
]


def _module_infos():
    torch = pytest.importorskip("torch")
    common_modules = pytest.importorskip("torch.testing._internal.common_modules")
    return torch, {
        info.module_cls.__name__: info for info in common_modules.module_db if info.module_cls.__name__ in NAMES
    }


def _ours(value, torch):
    """A torch argument as minigrad's: tensors through NumPy (keeping requires_grad), modules by their class
    name and state, containers element-wise."""
    if isinstance(value, torch.Tensor):
        return minigrad.tensor(value.detach().numpy().copy(), requires_grad=value.requires_grad)
    if isinstance(value, torch.nn.Module):
        return _twin(value, torch)
    if isinstance(value, (tuple, list)):
        return type(value)(_ours(v, torch) for v in value)
    if isinstance(value, dict):
        return {k: _ours(v, torch) for k, v in value.items()}
    return (
        getattr(minigrad.nn.functional, value.__name__)
        if callable(value) and hasattr(value, "__name__") and value.__module__.startswith("torch")
        else value
    )


def _twin(module, torch):
    """A minigrad module built like ``module`` (a layer passed to a stack's constructor)."""
    kind = type(module).__name__
    if kind == "LayerNorm":
        return minigrad.nn.LayerNorm(
            module.normalized_shape, eps=module.eps, elementwise_affine=module.elementwise_affine
        )
    attention = module.self_attn
    options = dict(
        dim_feedforward=module.linear1.out_features,
        dropout=module.dropout.p,
        batch_first=attention.batch_first,
        norm_first=module.norm_first,
        layer_norm_eps=module.norm1.eps,
        bias=module.linear1.bias is not None,
        activation=_ours(module.activation, torch),
    )
    return getattr(minigrad.nn, kind)(attention.embed_dim, attention.num_heads, **options)


def _dropout_active(module, training):
    return training and any(
        getattr(m, "p", 0) > 0 or getattr(m, "dropout", 0) > 0
        for m in module.modules()
        if type(m).__name__ in ("Dropout", "MultiheadAttention")
    )


def _first(output):
    return output[0] if isinstance(output, tuple) else output


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name", NAMES)
def test_module_inputs_match_torch(name, training):
    torch, infos = _module_infos()
    info = infos[name]
    cases = info.module_inputs_func(info, device="cpu", dtype=torch.float64, requires_grad=True, training=training)
    cases = list(cases)
    if not FULL:
        cases = random.Random(f"{name}-{training}").sample(cases, min(CASES_PER_MODULE, len(cases)))
    compared = 0
    for case in cases:
        constructor, forward = case.constructor_input, case.forward_input
        torch.manual_seed(0)
        theirs = info.module_cls(*constructor.args, **constructor.kwargs).to(torch.float64).train(training)
        if _dropout_active(theirs, training):
            continue
        ours = getattr(minigrad.nn, name)(*_ours(constructor.args, torch), **_ours(constructor.kwargs, torch))
        ours = ours.double().train(training)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        ours.load_state_dict({k: minigrad.tensor(v.numpy().copy()) for k, v in theirs.state_dict().items()})
        ours_args, ours_kwargs = _ours(forward.args, torch), _ours(forward.kwargs, torch)
        their_out, our_out = _first(theirs(*forward.args, **forward.kwargs)), _first(ours(*ours_args, **ours_kwargs))
        where = f"{name} {case.desc or ''}: {constructor.args} {constructor.kwargs} {forward.kwargs}"
        np.testing.assert_allclose(
            our_out.detach().numpy(), their_out.detach().numpy(), rtol=1e-8, atol=1e-9, err_msg=where
        )
        compared += 1
        upstream = np.random.default_rng(0).standard_normal(tuple(their_out.shape))
        their_out.backward(torch.tensor(upstream))
        our_out.backward(minigrad.tensor(upstream))
        for theirs_x, ours_x in zip(forward.args, ours_args):
            if isinstance(theirs_x, torch.Tensor) and theirs_x.is_leaf and theirs_x.requires_grad:
                np.testing.assert_allclose(
                    ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-7, atol=1e-9, err_msg=f"{where}: input gradient"
                )
        for key, parameter in theirs.named_parameters():
            if parameter.grad is not None:
                np.testing.assert_allclose(
                    dict(ours.named_parameters())[key].grad.numpy(),
                    parameter.grad.numpy(),
                    rtol=1e-7,
                    atol=1e-9,
                    err_msg=f"{where}: gradient of {key}",
                )
    if not compared:
        pytest.skip("every case has dropout active in training")
