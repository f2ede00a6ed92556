"""RMSprop, plain, centered and with momentum (torch's formulas)."""
import numpy as np

from .optimizer import (
    Optimizer, advance_step, bump_version, check_options, decayed_gradient, lerp_, step_tensor, with_gradients,
    zero_buffers)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop, updating each parameter ``p`` with gradient ``g`` as torch.optim.RMSprop does::

        g ← -g (maximize);  g ← g + weight_decay · p
        v ← α v + (1 - α) g²
        centered:  ḡ ← lerp(ḡ, g, 1 - α);  d = √(v - ḡ²) + eps      otherwise  d = √v + eps
        momentum > 0:  b ← momentum · b + g / d;  p ← p - lr · b     otherwise  p ← p - lr · g / d

    ``state[p]``: ``step``, ``square_avg`` (v), ``momentum_buffer`` (b, with momentum), ``grad_avg`` (ḡ, centered).

    >>> optimizer = RMSprop(model.parameters(), lr=1e-2, momentum=0.9, centered=True)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_options(lr, eps, weight_decay, None, differentiable, momentum=momentum)
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        super().__init__(params, {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                                  "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                                  "maximize": maximize, "differentiable": differentiable})

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss when given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, alpha, eps, momentum = (float(group[key]) for key in ("lr", "alpha", "eps", "momentum"))
            for p in with_gradients(group):
                state = self.state[p]
                if not state:
                    state.update(step=step_tensor(), **zero_buffers(p, "square_avg"))
                    if momentum > 0:
                        state.update(zero_buffers(p, "momentum_buffer"))
                    if group["centered"]:
                        state.update(zero_buffers(p, "grad_avg"))
                advance_step(state)
                grad = decayed_gradient(p, group["maximize"], float(group["weight_decay"]))
                square_avg = state["square_avg"]._data
                square_avg *= alpha
                square_avg += (1 - alpha) * grad * grad
                if group["centered"]:
                    grad_avg = state["grad_avg"]._data
                    lerp_(grad_avg, grad, 1 - alpha)
                    avg = np.sqrt(square_avg - grad_avg * grad_avg)
                else:
                    avg = np.sqrt(square_avg)
                avg += eps
                if momentum > 0:
                    buf = state["momentum_buffer"]._data
                    buf *= momentum
                    buf += grad / avg
                    p._data += -lr * buf
                else:
                    p._data += -lr * (grad / avg)
                bump_version(p)
        return loss
