"""The pooling, normalisation and embedding modules driven by torch's own ``module_db``: for each ModuleInfo, every
``module_inputs_func`` case (constructor and forward arguments) in training and eval mode, built in both libraries
with torch's state_dict loaded into ours, compared on the output and the gradients of the inputs and parameters
(float64); and every ``module_error_inputs_func`` case raising torch's exception type and message."""

import numpy as np
import pytest

import minigrad

NAMES = [
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "BatchNorm1d",
    "BatchNorm2d",
    "LayerNorm",
    "GroupNorm",
    "Embedding",
    "BatchNorm3d",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "RMSNorm",
    "LocalResponseNorm",
    "Bilinear",
    *(
        f"{kind}Pad{dims}d"
        for kind in ("Zero", "Constant", "Reflection", "Replication", "Circular")
        for dims in (1, 2, 3)
    ),
    "ELU",
    "SELU",
    "CELU",
    "SiLU",
    "Mish",
    "Hardswish",
    "Hardshrink",
    "Hardtanh",
    "ReLU6",
    "PReLU",
    "GLU",
    "Softsign",
    "Softshrink",
    "Tanhshrink",
    "Threshold",
    "Softmin",
    "Softmax2d",
    "LogSigmoid",
]
# Only their error inputs here: their forward cases return tuples (tests/test_rnn_module_db.py compares those)
RECURRENT = ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]


def _module_infos():
    torch = pytest.importorskip("torch")
    common_modules = pytest.importorskip("torch.testing._internal.common_modules")
    return torch, {
        info.module_cls.__name__: info
        for info in common_modules.module_db
        if info.module_cls.__name__ in NAMES + RECURRENT
    }


def _ours(value, torch):
    """A torch argument as minigrad's: tensors through NumPy (keeping requires_grad), containers element-wise."""
    if isinstance(value, torch.Tensor):
        return minigrad.tensor(value.detach().numpy().copy(), requires_grad=value.requires_grad)
    if isinstance(value, (tuple, list)):
        return type(value)(_ours(v, torch) for v in value)
    if isinstance(value, torch.dtype):
        return getattr(minigrad, str(value).rsplit(".", 1)[-1])
    if isinstance(value, dict):
        return {k: _ours(v, torch) for k, v in value.items()}
    return value


def _first(output):
    return output[0] if isinstance(output, tuple) else output


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name", NAMES)
def test_module_inputs_match_torch(name, training):
    torch, infos = _module_infos()
    info = infos[name]
    cases = info.module_inputs_func(info, device="cpu", dtype=torch.float64, requires_grad=True, training=training)
    for case in cases:
        constructor, forward = case.constructor_input, case.forward_input
        theirs = info.module_cls(*constructor.args, **constructor.kwargs).to(torch.float64).train(training)
        ours = getattr(minigrad.nn, name)(*_ours(constructor.args, torch), **_ours(constructor.kwargs, torch))
        ours = ours.double().train(training)
        ours.load_state_dict({k: minigrad.tensor(v.numpy().copy()) for k, v in theirs.state_dict().items()})
        ours_args, ours_kwargs = _ours(forward.args, torch), _ours(forward.kwargs, torch)
        their_out, our_out = _first(theirs(*forward.args, **forward.kwargs)), _first(ours(*ours_args, **ours_kwargs))
        where = f"{name} {case.desc or ''}: {constructor.args} {constructor.kwargs}"
        np.testing.assert_allclose(
            our_out.detach().numpy(), their_out.detach().numpy(), rtol=1e-9, atol=1e-10, err_msg=where
        )
        for key, value in theirs.state_dict().items():  # running statistics after the step
            np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-9, err_msg=key)
        if not their_out.requires_grad:
            continue
        upstream = np.random.default_rng(0).standard_normal(tuple(their_out.shape))
        their_out.backward(torch.tensor(upstream))
        our_out.backward(minigrad.tensor(upstream))
        for theirs_x, ours_x in zip(forward.args, ours_args):
            if isinstance(theirs_x, torch.Tensor) and theirs_x.requires_grad:
                np.testing.assert_allclose(
                    ours_x.grad.numpy(),
                    theirs_x.grad.numpy(),
                    rtol=1e-8,
                    atol=1e-10,
                    err_msg=f"{where}: input gradient",
                )
        for key, parameter in theirs.named_parameters():
            np.testing.assert_allclose(
                dict(ours.named_parameters())[key].grad.numpy(),
                parameter.grad.numpy(),
                rtol=1e-8,
                atol=1e-10,
                err_msg=f"{where}: gradient of {key}",
            )


@pytest.mark.parametrize("name", NAMES + RECURRENT)
def test_module_error_inputs_raise_torchs_type(name):
    torch, infos = _module_infos()
    info = infos[name]
    if info.module_error_inputs_func is None:
        pytest.skip(f"module_db has no error inputs for {name}")
    errors = info.module_error_inputs_func(info, device="cpu", dtype=torch.float64, requires_grad=True, training=True)
    for error in errors:
        case = error.module_error_input
        constructor, forward = case.constructor_input, case.forward_input
        with pytest.raises(error.error_type, match=error.error_regex):
            module = getattr(minigrad.nn, name)(*_ours(constructor.args, torch), **_ours(constructor.kwargs, torch))
            module.double()(*_ours(forward.args, torch), **_ours(forward.kwargs, torch))
