"""Plain NumPy references for minigrad's Cython kernels (one module per kernel file).

Each module keeps readable functions written from the formulas of spec/losses.md, and for every kernel a twin with
the kernel's own signature (spec/kernels.md, core-v2 §3.6)::

    twin(inputs..., options..., scale, loss_out, grad_out..., num_threads) -> sum of the losses

made by :func:`kernel_convention` from a readable ``f(inputs..., options...) -> (loss, grad...)``, so that a test
can call a kernel and its twin the same way and compare what they wrote.
"""

import functools

import numpy as np


def kernel_convention(grads):
    """Decorator: turn ``readable(*inputs_and_options) -> (loss, grad_1, .., grad_grads)`` (unscaled, any float
    dtype) into a function with the kernel convention. The outputs are the caller's arrays (None: not computed);
    ``loss_out`` receives the loss, each ``grad_out`` ``scale`` times its gradient; the result is the loss's sum
    (in float64). ``num_threads`` is accepted and ignored."""

    def decorate(readable):
        @functools.wraps(readable)
        def twin(*args):
            head, (scale, loss_out), grad_outs = (
                args[: -grads - 3],
                args[-grads - 3 : -grads - 1],
                args[-grads - 1 : -1],
            )
            loss, *gradients = readable(*head)
            loss = np.asarray(loss, dtype=np.float64)
            if loss_out is not None:
                loss_out[...] = loss.reshape(loss_out.shape)
            for out, gradient in zip(grad_outs, gradients):
                if out is not None:
                    out[...] = (scale * np.asarray(gradient, dtype=np.float64)).reshape(out.shape)
            return float(loss.sum())

        twin.readable = readable
        return twin

    return decorate
