"""NAdam: Adam with Nesterov momentum and momentum decay (torch's formulas)."""

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

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam, updating each parameter ``p`` with gradient ``g`` at step ``t`` as torch.optim.NAdam does::

        g ← -g (maximize)
        p ← p · (1 - lr · weight_decay)     if decoupled_weight_decay, else  g ← g + weight_decay · p
        μₜ = β₁ (1 - ½ · 0.96^(t · momentum_decay)),  Πₜ = μ₁ ⋯ μₜ  (kept as a float32 ``mu_product``)
        m ← lerp(m, g, 1 - β₁);   v ← β₂ v + (1 - β₂) g²;   d = √(v / (1 - β₂ᵗ)) + eps
        p ← p - lr (1 - μₜ) / (1 - Πₜ) · g / d - lr μₜ₊₁ / (1 - Πₜ μₜ₊₁) · m / d

    ``state[p]``: ``step``, ``mu_product`` (float32 0-d tensors), ``exp_avg`` (m), ``exp_avg_sq`` (v).

    >>> optimizer = NAdam(model.parameters(), lr=2e-3, decoupled_weight_decay=True, weight_decay=1e-2)
    """

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        momentum_decay=4e-3,
        decoupled_weight_decay=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
    ):
        check_options(lr, eps, weight_decay, betas, differentiable, momentum_decay=momentum_decay)
        super().__init__(
            params,
            {
                "lr": lr,
                "betas": betas,
                "eps": eps,
                "weight_decay": weight_decay,
                "momentum_decay": momentum_decay,
                "decoupled_weight_decay": decoupled_weight_decay,
                "maximize": maximize,
                "foreach": foreach,
                "capturable": capturable,
                "differentiable": differentiable,
            },
        )

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss when given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, eps = float(group["lr"]), float(group["eps"])
            beta1, beta2 = map(float, group["betas"])
            weight_decay, decay = float(group["weight_decay"]), float(group["momentum_decay"])
            decoupled = group["decoupled_weight_decay"]
            for p in with_gradients(group):
                state = self.state[p]
                if not state:
                    state.update(
                        step=step_tensor(), mu_product=step_tensor(1.0), **zero_buffers(p, "exp_avg", "exp_avg_sq")
                    )
                step = advance_step(state)
                if decoupled and weight_decay != 0:
                    p._data *= 1 - lr * weight_decay
                grad = decayed_gradient(p, group["maximize"], 0.0 if decoupled else weight_decay)
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * decay))
                mu_product = state["mu_product"]._data
                mu_product *= mu  # rounded to the state's dtype, as torch's 0-d tensor is
                exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
                lerp_(exp_avg, grad, 1 - beta1)
                exp_avg_sq *= beta2
                exp_avg_sq += (1 - beta2) * grad * grad
                denom = np.sqrt(exp_avg_sq / (1 - beta2**step))
                denom += eps
                product = float(mu_product)
                p._data += (-lr * (1.0 - mu) / (1.0 - product)) * (grad / denom)
                p._data += (-lr * mu_next / (1.0 - product * mu_next)) * (exp_avg / denom)
                bump_version(p)
        return loss
