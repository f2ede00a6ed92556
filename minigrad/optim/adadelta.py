"""Adadelta (torch's formulas)."""

import numpy as np

from .._kernels.optim import adadelta_steps
from .._threads import get_num_threads
from .optimizer import (
    Optimizer,
    advance_step,
    bump_version,
    check_options,
    kernel_operands,
    step_tensor,
    with_gradients,
    zero_buffers,
)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta, updating each parameter ``p`` with gradient ``g`` as torch.optim.Adadelta does::

        g ← -g (maximize);  g ← g + weight_decay · p
        v ← ρ v + (1 - ρ) g²
        Δ = √(u + eps) / √(v + eps) · g
        u ← ρ u + (1 - ρ) Δ²
        p ← p - lr · Δ

    ``state[p]``: ``step``, ``square_avg`` (v), ``acc_delta`` (u).

    >>> optimizer = Adadelta(model.parameters(), lr=1.0, rho=0.9)
    """

    def __init__(
        self,
        params,
        lr=1.0,
        rho=0.9,
        eps=1e-6,
        weight_decay=0,
        foreach=None,
        *,
        capturable=False,
        maximize=False,
        differentiable=False,
    ):
        check_options(lr, eps, weight_decay, None, differentiable)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        super().__init__(
            params,
            {
                "lr": lr,
                "rho": rho,
                "eps": eps,
                "weight_decay": weight_decay,
                "maximize": maximize,
                "capturable": capturable,
                "foreach": foreach,
                "differentiable": differentiable,
            },
        )

    def step(self, closure=None):
        """One update of every parameter that has a gradient (all of a group in one compiled, multi-threaded pass);
        returns ``closure()``'s loss when given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            operands = {np.float32: [], np.float64: []}
            for p in with_gradients(group):
                state = self.state[p]
                if not state:
                    state.update(step=step_tensor(), **zero_buffers(p, "square_avg", "acc_delta"))
                advance_step(state)
                param, grad, square_avg, acc_delta = kernel_operands(p, state, ["square_avg", "acc_delta"], "Adadelta")
                operands[param.dtype.type].append((param, grad, square_avg, acc_delta))
            for rows in operands.values():
                if rows:
                    adadelta_steps(
                        *map(list, zip(*rows)),
                        float(group["lr"]),
                        float(group["rho"]),
                        float(group["eps"]),
                        float(group["weight_decay"]),
                        group["maximize"],
                        get_num_threads(),
                    )
            for p in with_gradients(group):
                bump_version(p)
        return loss
