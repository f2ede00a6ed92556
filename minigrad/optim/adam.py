"""Adam and AdamW (torch's formulas, bias corrections and placement of eps)."""

from typing import Any

from .._kernels.optim import adam_step
from .optimizer import (
    Optimizer,
    advance_step,
    bump_version,
    check_not_differentiable,
    kernel_operands,
    step_tensor,
    with_gradients,
    zero_buffers,
)

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam, updating each parameter ``p`` with gradient ``g`` at step ``t`` exactly as torch.optim.Adam does::

        g ← -g                                       if maximize
        p ← p · (1 - lr · weight_decay)              if decoupled_weight_decay (AdamW)
        g ← g + weight_decay · p                     otherwise, if weight_decay ≠ 0
        m ← m + (1 - β₁) (g - m)                     (torch's lerp)
        v ← β₂ v + (1 - β₂) g²
        v̂ ← max(v̂, v), used instead of v below      if amsgrad
        p ← p - lr / (1 - β₁ᵗ) · m / (√v / √(1 - β₂ᵗ) + eps)

    ``state[p]`` holds ``step`` (a float32 0-d tensor), ``exp_avg`` (m), ``exp_avg_sq`` (v) and, with amsgrad,
    ``max_exp_avg_sq``. Parameters without a gradient are skipped. ``foreach``, ``fused``, ``capturable`` and
    ``differentiable=False`` are accepted for torch compatibility.

    >>> optimizer = Adam(model.parameters(), lr=1e-3)
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach=None,
        maximize: bool = False,
        capturable=False,
        differentiable=False,
        fused=None,
        decoupled_weight_decay=False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss when given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = (float(beta) for beta in group["betas"])
            amsgrad, maximize, decoupled = group["amsgrad"], group["maximize"], group["decoupled_weight_decay"]
            names = ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if amsgrad else [])
            for p in with_gradients(group):
                state = self.state[p]
                if not state:
                    state.update(step=step_tensor(), **zero_buffers(p, *names))
                param, grad, exp_avg, exp_avg_sq, *maximum = kernel_operands(p, state, names, "Adam")
                step = advance_step(state)
                adam_step(
                    param,
                    grad,
                    exp_avg,
                    exp_avg_sq,
                    maximum[0] if amsgrad else exp_avg_sq,
                    lr,
                    beta1,
                    beta2,
                    eps,
                    weight_decay,
                    step,
                    amsgrad,
                    maximize,
                    decoupled,
                )
                bump_version(p)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): ``p ← p · (1 - lr · weight_decay)`` before the
    Adam update, instead of adding ``weight_decay · p`` to the gradient. Default ``weight_decay=1e-2``.

    >>> optimizer = AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach=None,
        capturable=False,
        differentiable=False,
        fused=None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # an AdamW always decouples, whatever the saved groups say
            group["decoupled_weight_decay"] = True
