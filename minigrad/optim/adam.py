"""Adam and AdamW (torch's formulas, bias corrections and placement of eps)."""
import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer

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

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
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
        if differentiable:
            raise NotImplementedError("minigrad's optimizers are not differentiable")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss when given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            # Python floats: a NumPy float64 scalar would make NumPy compute float32 parameters in float64
            lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = (float(beta) for beta in group["betas"])
            amsgrad, maximize, decoupled = group["amsgrad"], group["maximize"], group["decoupled_weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                param, grad = p.data, p.grad.data
                state = self.state[p]
                if not state:
                    state["step"] = Tensor._wrap(np.zeros((), dtype=np.float32))
                    state["exp_avg"] = Tensor._wrap(np.zeros_like(param))
                    state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(param))
                    if amsgrad:
                        state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(param))
                step_array = state["step"].data
                step_array[()] = float(step_array) + 1  # (an in-place ufunc on a 0-d array is 20x slower)
                step = float(step_array)
                if maximize:
                    grad = -grad
                if weight_decay != 0:
                    if decoupled:
                        param *= 1 - lr * weight_decay
                    else:
                        decayed = param * weight_decay
                        decayed += grad
                        grad = decayed
                exp_avg, exp_avg_sq = state["exp_avg"].data, state["exp_avg_sq"].data

                # m.lerp_(g, 1 - β₁), with torch's two-sided formula (exact at both ends)
                scratch = grad - exp_avg
                weight = param.dtype.type(1 - beta1)
                if weight < 0.5:
                    scratch *= weight
                    exp_avg += scratch
                else:
                    scratch *= 1 - weight
                    np.subtract(grad, scratch, out=exp_avg)

                # v ← β₂ v + ((1 - β₂) g) g
                exp_avg_sq *= beta2
                np.multiply(grad, 1 - beta2, out=scratch)
                scratch *= grad
                exp_avg_sq += scratch

                if amsgrad:
                    second_moment = state["max_exp_avg_sq"].data
                    np.maximum(second_moment, exp_avg_sq, out=second_moment)
                else:
                    second_moment = exp_avg_sq
                denominator = np.sqrt(second_moment, out=scratch)
                denominator /= (1 - beta2 ** step) ** 0.5
                denominator += eps
                update = exp_avg * (-lr / (1 - beta1 ** step))
                update /= denominator
                param += update
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): ``p ← p · (1 - lr · weight_decay)`` before the
    Adam update, instead of adding ``weight_decay · p`` to the gradient. Default ``weight_decay=1e-2``.

    >>> optimizer = AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # an AdamW always decouples, whatever the saved groups say
            group["decoupled_weight_decay"] = True
