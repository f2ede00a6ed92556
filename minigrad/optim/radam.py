"""RAdam: Adam with the variance of the adaptive learning rate rectified (torch's formulas)."""

import math

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

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam, updating each parameter ``p`` with gradient ``g`` at step ``t`` as torch.optim.RAdam does::

        g ← -g (maximize)
        p ← p · (1 - lr · weight_decay)     if decoupled_weight_decay, else  g ← g + weight_decay · p
        m ← lerp(m, g, 1 - β₁);   v ← β₂ v + (1 - β₂) g²
        ρ∞ = 2 / (1 - β₂) - 1;    ρₜ = ρ∞ - 2 t β₂ᵗ / (1 - β₂ᵗ)
        if ρₜ > 5:  p ← p - lr · m / (1 - β₁ᵗ) · √(1 - β₂ᵗ) / (√v + eps) · √((ρₜ-4)(ρₜ-2)ρ∞ / ((ρ∞-4)(ρ∞-2)ρₜ))
        else:       p ← p - lr · m / (1 - β₁ᵗ)

    ``state[p]``: ``step`` (float32 0-d tensor), ``exp_avg`` (m), ``exp_avg_sq`` (v).

    >>> optimizer = RAdam(model.parameters(), lr=1e-3)
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        decoupled_weight_decay=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
    ):
        check_options(lr, eps, weight_decay, betas, differentiable)
        super().__init__(
            params,
            {
                "lr": lr,
                "betas": betas,
                "eps": eps,
                "weight_decay": weight_decay,
                "maximize": maximize,
                "foreach": foreach,
                "capturable": capturable,
                "decoupled_weight_decay": decoupled_weight_decay,
                "differentiable": differentiable,
            },
        )

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss when given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, eps = float(group["lr"]), float(group["eps"])
            beta1, beta2 = map(float, group["betas"])
            weight_decay, decoupled = float(group["weight_decay"]), group["decoupled_weight_decay"]
            for p in with_gradients(group):
                state = self.state[p]
                if not state:
                    state.update(step=step_tensor(), **zero_buffers(p, "exp_avg", "exp_avg_sq"))
                step = advance_step(state)
                if decoupled and weight_decay != 0:
                    p._data *= 1 - lr * weight_decay
                grad = decayed_gradient(p, group["maximize"], 0.0 if decoupled else weight_decay)
                exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
                lerp_(exp_avg, grad, 1 - beta1)
                exp_avg_sq *= beta2
                exp_avg_sq += (1 - beta2) * grad * grad
                bias_correction2 = 1 - beta2**step
                corrected = exp_avg / (1 - beta1**step)
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * beta2**step / bias_correction2
                if rho_t > 5.0:
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    adaptive = bias_correction2**0.5 / (np.sqrt(exp_avg_sq) + eps)
                    p._data -= corrected * lr * adaptive * rect
                else:
                    p._data -= corrected * lr
                bump_version(p)
        return loss
