"""Adadelta (torch's formulas)."""

import numpy as np

from .optimizer import (
    Optimizer,
    advance_step,
    bump_version,
    check_options,
    decayed_gradient,
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
        """One update of every parameter that has a gradient; returns ``closure()``'s loss when given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
            for p in with_gradients(group):
                state = self.state[p]
                if not state:
                    state.update(step=step_tensor(), **zero_buffers(p, "square_avg", "acc_delta"))
                advance_step(state)
                grad = decayed_gradient(p, group["maximize"], float(group["weight_decay"]))
                square_avg, acc_delta = state["square_avg"]._data, state["acc_delta"]._data
                square_avg *= rho
                square_avg += (1 - rho) * grad * grad
                delta = np.sqrt(acc_delta + eps)
                delta /= np.sqrt(square_avg + eps)
                delta *= grad
                acc_delta *= rho
                acc_delta += (1 - rho) * delta * delta
                p._data += -lr * delta
                bump_version(p)
        return loss
