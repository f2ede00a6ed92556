"""Adam and AdamW (torch's formulas, bias corrections and placement of eps)."""
import numpy as np

from .._kernels.optim import adam_step
from ..autograd.tensor import Tensor
from .optimizer import Optimizer, advance_step, bump_version, check_not_differentiable, gradient_of, step_tensor

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
        check_not_differentiable(differentiable)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss when given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = (float(beta) for beta in group["betas"])
            amsgrad, maximize, decoupled = group["amsgrad"], group["maximize"], group["decoupled_weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    if p._data.dtype not in (np.float32, np.float64):
                        raise TypeError(f"Adam supports float32 and float64 parameters, got {p.dtype}")
                    p._data = _c_contiguous(p._data)  # the fused kernel updates it in place as a flat view
                    state["step"] = step_tensor()
                    state["exp_avg"] = Tensor._wrap(np.zeros_like(p._data))
                    state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
                    if amsgrad:
                        state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
                grad = np.ascontiguousarray(gradient_of(p), dtype=p._data.dtype)
                moments = _moments(p, state, amsgrad)
                step = advance_step(state)
                adam_step(p._data.reshape(-1), grad.reshape(-1), *(m.reshape(-1) for m in moments), lr, beta1, beta2,
                          eps, weight_decay, step, amsgrad, maximize, decoupled)
                bump_version(p)
        return loss


def _c_contiguous(array):
    """``array`` itself, or a C-contiguous copy of the same shape (``np.ascontiguousarray`` makes 0-d arrays 1-d)."""
    return array if array.flags.c_contiguous else array.copy(order="C")


def _moments(p, state, amsgrad):
    """exp_avg, exp_avg_sq and max_exp_avg_sq (exp_avg_sq again without amsgrad), checked for the kernel, which
    updates them and ``p._data`` in place as flat arrays of one length and dtype: a parameter whose data was
    replaced since (another size or dtype, or a non-contiguous view) must not make it write past an array's end."""
    p._data = _c_contiguous(p._data)
    names = ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if amsgrad else [])
    for name in names:
        array = state[name]._data
        if array.shape != p._data.shape or array.dtype != p._data.dtype or not array.flags.c_contiguous:
            raise RuntimeError(f"Adam's state {name!r} ({array.dtype}, shape {list(array.shape)}) does not match its "
                               f"parameter ({p._data.dtype}, shape {list(p._data.shape)}); was the parameter replaced "
                               "after the optimizer stepped?")
    moments = [state[name]._data for name in names]
    return moments if amsgrad else moments + moments[1:]


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
