"""RNN, LSTM, GRU and their cells driven by torch's own ``module_db``: every ``module_inputs_func`` case
(constructor and forward arguments: unbatched and batched inputs, initial states, proj_size, bidirectional,
batch_first, bias) built in both libraries with torch's state_dict loaded into ours, compared on every output
(the output and the final states) and on the gradients of the inputs and parameters (float64). Their error inputs
run in tests/test_module_db_layers.py."""

import numpy as np
import pytest

import minigrad
from tests.test_module_db_layers import RECURRENT, _module_infos, _ours


def _flat(output):
    """Every tensor of a recurrent layer's result, ``(out, h)``, ``(out, (h, c))`` or a cell's."""
    if isinstance(output, (tuple, list)):
        return [t for item in output for t in _flat(item)]
    return [output]


def _leaves(args, torch):
    return [t for t in _flat(list(args)) if isinstance(t, (torch.Tensor, minigrad.Tensor)) and t.requires_grad]


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name", RECURRENT)
def test_module_inputs_match_torch(name, training):
    torch, infos = _module_infos()
    info = infos[name]
    cases = info.module_inputs_func(info, device="cpu", dtype=torch.float64, requires_grad=True, training=training)
    rng = np.random.default_rng(0)
    for case in cases:
        constructor, forward = case.constructor_input, case.forward_input
        theirs = info.module_cls(*constructor.args, **constructor.kwargs).to(torch.float64).train(training)
        ours = getattr(minigrad.nn, name)(*_ours(constructor.args, torch), **_ours(constructor.kwargs, torch))
        ours = ours.double().train(training)
        ours.load_state_dict({k: minigrad.tensor(v.numpy().copy()) for k, v in theirs.state_dict().items()})
        ours_args = _ours(forward.args, torch)
        their_out, our_out = _flat(theirs(*forward.args)), _flat(ours(*ours_args))
        where = f"{name} {constructor.args} {constructor.kwargs}"
        assert len(our_out) == len(their_out), where
        upstream = [rng.standard_normal(tuple(t.shape)) for t in their_out]
        for a, b in zip(our_out, their_out):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-10, err_msg=where)
        sum((t * torch.tensor(u)).sum() for t, u in zip(their_out, upstream)).backward()
        minigrad.stack([(t * minigrad.tensor(u)).sum() for t, u in zip(our_out, upstream)]).sum().backward()
        for a, b in zip(_leaves(ours_args, torch), _leaves(forward.args, torch)):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=where)
        for key, parameter in theirs.named_parameters():
            np.testing.assert_allclose(
                dict(ours.named_parameters())[key].grad.numpy(),
                parameter.grad.numpy(),
                rtol=1e-8,
                atol=1e-10,
                err_msg=f"{where}: gradient of {key}",
            )
