"""Rprop: resilient backpropagation, per-element step sizes driven by the gradient's sign (torch's formulas)."""

import numpy as np

from ..autograd.tensor import Tensor
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

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop, updating each parameter ``p`` with gradient ``g`` as torch.optim.Rprop does, element by element::

        g ← -g (maximize)
        s = sign(g · g_prev)
        η ← η · (etaplus if s > 0, etaminus if s < 0, 1 if s = 0), clamped to [step_sizes[0], step_sizes[1]]
        g ← 0 where s < 0            (a sign change: no move this step, and no sign change next step)
        p ← p - sign(g) · η;   g_prev ← g

    ``state[p]``: ``step``, ``prev`` (g_prev, starts at 0), ``step_size`` (η, starts at lr).

    >>> optimizer = Rprop(model.parameters(), lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50))
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        etas=(0.5, 1.2),
        step_sizes=(1e-6, 50),
        *,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ):
        check_options(lr, 0.0, 0.0, None, differentiable)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(
            params,
            {
                "lr": lr,
                "etas": etas,
                "step_sizes": step_sizes,
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
            etaminus, etaplus = (float(eta) for eta in group["etas"])
            smallest, largest = (float(size) for size in group["step_sizes"])
            for p in with_gradients(group):
                state = self.state[p]
                if not state:
                    state.update(
                        step=step_tensor(),
                        **zero_buffers(p, "prev"),
                        step_size=Tensor._wrap(np.full_like(p._data, float(group["lr"]))),
                    )
                advance_step(state)
                grad = np.array(decayed_gradient(p, group["maximize"], 0.0), copy=True)
                prev, step_size = state["prev"]._data, state["step_size"]._data
                sign = np.sign(grad * prev)
                flipped = sign < 0
                factor = np.where(sign > 0, etaplus, np.where(flipped, etaminus, 1.0)).astype(step_size.dtype)
                step_size *= factor
                np.clip(step_size, smallest, largest, out=step_size)
                grad[flipped] = 0
                p._data += -1 * (np.sign(grad) * step_size)
                prev[...] = grad
                bump_version(p)
        return loss
