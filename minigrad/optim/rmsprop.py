"""RMSprop, plain, centered and with momentum (torch's formulas)."""

import numpy as np

from .._kernels.optim import rmsprop_steps
from .._threads import get_num_threads
from .optimizer import (
    Optimizer,
    advance_step,
    bump_version,
    check_options,
    kernel_operands,
    step_tensor,
    with_gradients,
    zero_buffers,
)

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

    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0,
        momentum=0,
        centered=False,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ):
        check_options(lr, eps, weight_decay, None, differentiable, momentum=momentum)
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        super().__init__(
            params,
            {
                "lr": lr,
                "momentum": momentum,
                "alpha": alpha,
                "eps": eps,
                "centered": centered,
                "weight_decay": weight_decay,
                "capturable": capturable,
                "foreach": foreach,
                "maximize": maximize,
                "differentiable": differentiable,
            },
        )

    def step(self, closure=None):
        """One update of every parameter that has a gradient (all of a group in one compiled, multi-threaded pass);
        returns ``closure()``'s loss when given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            momentum, centered = float(group["momentum"]), group["centered"]
            names = ["square_avg"] + (["momentum_buffer"] if momentum > 0 else []) + (["grad_avg"] if centered else [])
            operands = {np.float32: [], np.float64: []}
            for p in with_gradients(group):
                state = self.state[p]
                if not state:
                    state.update(step=step_tensor(), **zero_buffers(p, *names))
                advance_step(state)
                param, grad, square_avg, *others = kernel_operands(p, state, names, "RMSprop")
                buffer = others.pop(0) if momentum > 0 else None
                operands[param.dtype.type].append((param, grad, square_avg, others[0] if centered else None, buffer))
            for rows in operands.values():
                if rows:
                    rmsprop_steps(
                        *map(list, zip(*rows)),
                        float(group["lr"]),
                        float(group["alpha"]),
                        float(group["eps"]),
                        float(group["weight_decay"]),
                        momentum,
                        centered,
                        group["maximize"],
                        get_num_threads(),
                    )
            for p in with_gradients(group):
                bump_version(p)
        return loss
