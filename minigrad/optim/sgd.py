"""Stochastic gradient descent with momentum, dampening, weight decay and Nesterov momentum (torch's formulas)."""

from typing import Any

import numpy as np

from .._kernels.optim import sgd_step
from .._threads import get_num_threads
from ..autograd.tensor import Tensor
from .optimizer import Optimizer, bump_version, check_not_differentiable, gradient_of

__all__ = ["SGD"]


class SGD(Optimizer):
    """SGD, updating each parameter ``p`` with gradient ``g`` exactly as torch.optim.SGD does::

        g ← -g                                  if maximize
        g ← g + weight_decay · p                if weight_decay ≠ 0
        if momentum ≠ 0:
            b ← g  (first step)   or   b ← momentum · b + (1 - dampening) · g
            g ← g + momentum · b  if nesterov, else  g ← b
        p ← p - lr · g

    The momentum buffer ``b`` is ``state[p]["momentum_buffer"]``. Parameters without a gradient are skipped.
    ``foreach``, ``fused`` and ``differentiable=False`` are accepted for torch compatibility.

    >>> optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach=None,
        differentiable=False,
        fused=None,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss when given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            # Python floats: a NumPy float64 scalar would make NumPy compute float32 parameters in float64
            lr, momentum, dampening = float(group["lr"]), float(group["momentum"]), float(group["dampening"])
            weight_decay, nesterov, maximize = float(group["weight_decay"]), group["nesterov"], group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                param, grad = p._data, gradient_of(p)
                if weight_decay != 0:  # a fresh array: p.grad itself is never modified
                    decayed = param * weight_decay
                    if maximize:
                        decayed -= grad
                    else:
                        decayed += grad
                    grad = decayed
                elif maximize:
                    grad = -grad
                if momentum != 0:
                    state = self.state[p]
                    buffer = state.get("momentum_buffer")
                    if buffer is None:
                        state["momentum_buffer"] = Tensor._wrap(np.array(grad, copy=True))
                        buf = grad
                    else:
                        buf = buffer._data
                        buf *= momentum
                        buf += grad if dampening == 0 else grad * (1 - dampening)
                    if nesterov:
                        ahead = buf * momentum
                        ahead += grad
                        grad = ahead
                    else:
                        grad = buf
                _descend(param, grad, lr)
                bump_version(p)
        return loss


def _descend(param, grad, lr):
    """``param -= lr·grad`` in place: one fused pass (``sgd_step``) where both are C-contiguous of one float
    dtype, else NumPy."""
    if (
        param.dtype == grad.dtype
        and param.dtype.kind == "f"
        and param.dtype.itemsize in (4, 8)
        and param.flags.c_contiguous
        and grad.flags.c_contiguous
    ):
        sgd_step(param.reshape(-1), grad.reshape(-1), lr, get_num_threads())
    else:
        param -= grad * lr
