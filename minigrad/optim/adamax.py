"""Adamax: Adam with the infinity norm in place of the second moment (torch's formulas)."""

import numpy as np

from .optimizer import (
    Optimizer,
    advance_step,
    bump_version,
    check_options,
    decayed_gradient,
    lerp_,
    step_tensor,
    with_gradients,
    zero_buffers,
)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax, updating each parameter ``p`` with gradient ``g`` at step ``t`` as torch.optim.Adamax does::

        g ← -g (maximize);  g ← g + weight_decay · p
        m ← lerp(m, g, 1 - β₁)
        u ← max(β₂ · u, |g| + eps)
        p ← p - lr / (1 - β₁ᵗ) · m / u

    ``state[p]``: ``step`` (float32 0-d tensor), ``exp_avg`` (m), ``exp_inf`` (u).

    >>> optimizer = Adamax(model.parameters(), lr=2e-3)
    """

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        capturable=False,
    ):
        check_options(lr, eps, weight_decay, betas, differentiable)
        super().__init__(
            params,
            {
                "lr": lr,
                "betas": betas,
                "eps": eps,
                "weight_decay": weight_decay,
                "foreach": foreach,
                "maximize": maximize,
                "differentiable": differentiable,
                "capturable": capturable,
            },
        )

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss when given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, eps = float(group["lr"]), float(group["eps"])
            beta1, beta2 = map(float, group["betas"])
            for p in with_gradients(group):
                state = self.state[p]
                if not state:
                    state.update(step=step_tensor(), **zero_buffers(p, "exp_avg", "exp_inf"))
                step = advance_step(state)
                grad = decayed_gradient(p, group["maximize"], float(group["weight_decay"]))
                exp_avg, exp_inf = state["exp_avg"]._data, state["exp_inf"]._data
                lerp_(exp_avg, grad, 1 - beta1)
                exp_inf *= beta2
                np.maximum(exp_inf, np.abs(grad) + eps, out=exp_inf)
                p._data += -(lr / (1 - beta1**step)) * (exp_avg / exp_inf)
                bump_version(p)
        return loss
