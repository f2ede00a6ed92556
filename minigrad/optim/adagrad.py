"""Adagrad, with learning-rate decay and an initial accumulator value (torch's formulas)."""

import numpy as np

from .._kernels.optim import adagrad_steps
from .._threads import get_num_threads
from ..autograd.tensor import Tensor
from .optimizer import (
    Optimizer,
    advance_step,
    bump_version,
    check_options,
    kernel_operands,
    step_tensor,
    with_gradients,
)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, updating each parameter ``p`` with gradient ``g`` at step ``t`` as torch.optim.Adagrad does::

        g ← -g (maximize);  g ← g + weight_decay · p
        s ← s + g²                                   (s starts at initial_accumulator_value)
        p ← p - lr / (1 + (t - 1) · lr_decay) · g / (√s + eps)

    Like torch, ``state[p]`` (``step``, ``sum``) is created for every parameter when the optimizer is.

    >>> optimizer = Adagrad(model.parameters(), lr=1e-2, lr_decay=1e-4)
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0,
        weight_decay=0,
        initial_accumulator_value=0,
        eps=1e-10,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        fused=None,
    ):
        check_options(
            lr,
            eps,
            weight_decay,
            None,
            differentiable,
            lr_decay=lr_decay,
            initial_accumulator_value=initial_accumulator_value,
        )
        super().__init__(
            params,
            {
                "lr": lr,
                "lr_decay": lr_decay,
                "eps": eps,
                "weight_decay": weight_decay,
                "initial_accumulator_value": initial_accumulator_value,
                "foreach": foreach,
                "maximize": maximize,
                "differentiable": differentiable,
                "fused": fused,
            },
        )
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p, group):
        self.state[p].update(
            step=step_tensor(), sum=Tensor._wrap(np.full_like(p._data, group["initial_accumulator_value"]))
        )

    def step(self, closure=None):
        """One update of every parameter that has a gradient (all of a group in one compiled, multi-threaded pass);
        returns ``closure()``'s loss when given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, lr_decay = float(group["lr"]), float(group["lr_decay"])
            operands = {np.float32: [], np.float64: []}
            for p in with_gradients(group):
                state = self.state[p]
                if not state:  # a parameter added by add_param_group
                    self._init_state(p, group)
                step = advance_step(state)
                param, grad, total = kernel_operands(p, state, ["sum"], "Adagrad")
                operands[param.dtype.type].append((param, grad, total, -(lr / (1 + (step - 1) * lr_decay))))
            for rows in operands.values():
                if rows:
                    params, grads, sums, step_sizes = map(list, zip(*rows))
                    adagrad_steps(
                        params,
                        grads,
                        sums,
                        np.array(step_sizes),
                        float(group["eps"]),
                        float(group["weight_decay"]),
                        group["maximize"],
                        get_num_threads(),
                    )
            for p in with_gradients(group):
                bump_version(p)
        return loss
