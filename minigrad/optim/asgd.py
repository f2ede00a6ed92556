"""ASGD: averaged stochastic gradient descent (torch's formulas)."""

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

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """ASGD, updating each parameter ``p`` with gradient ``g`` at step ``t`` as torch.optim.ASGD does::

        g ← -g (maximize);  g ← g + weight_decay · p
        p ← p · (1 - λ η) - η g
        a ← a + μ (p - a)   if μ ≠ 1, else  a ← p          (the running average of the iterates)
        η ← lr / (1 + λ lr t)^α;   μ ← 1 / max(1, t - t0)

    ``state[p]``: ``step``, ``eta`` (η, starts at lr), ``mu`` (μ, starts at 1) — 0-d float32 tensors, so η and μ
    are rounded to float32 as torch's are — and ``ax`` (a, the averaged parameters).

    >>> optimizer = ASGD(model.parameters(), lr=1e-2, t0=100)
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        lambd=1e-4,
        alpha=0.75,
        t0=1e6,
        weight_decay=0,
        foreach=None,
        maximize=False,
        differentiable=False,
        capturable=False,
    ):
        check_options(lr, 0.0, weight_decay, None, differentiable)
        super().__init__(
            params,
            {
                "lr": lr,
                "lambd": lambd,
                "alpha": alpha,
                "t0": t0,
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
            lr, lambd, alpha, t0 = (float(group[key]) for key in ("lr", "lambd", "alpha", "t0"))
            for p in with_gradients(group):
                state = self.state[p]
                if not state:
                    state.update(step=step_tensor(), eta=step_tensor(lr), mu=step_tensor(1.0), **zero_buffers(p, "ax"))
                step = advance_step(state)
                grad = decayed_gradient(p, group["maximize"], float(group["weight_decay"]))
                eta, mu, ax = state["eta"]._data, state["mu"]._data, state["ax"]._data
                p._data *= 1 - lambd * float(eta)
                p._data += -float(eta) * grad
                if float(mu) != 1:
                    ax += (p._data - ax) * mu
                else:
                    ax[...] = p._data
                # torch makes the new values float32 tensors first, whatever the state's dtype
                eta[()] = np.float32(lr / (1 + lambd * lr * step) ** alpha)
                mu[()] = np.float32(1 / max(1, step - t0))
                bump_version(p)
        return loss
