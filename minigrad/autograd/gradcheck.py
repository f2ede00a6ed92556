"""Check analytical gradients against central finite differences, in float64.

``gradcheck(func, inputs)`` compares, for every input that requires grad, the Jacobian autograd computes with
the numerical one, ``(f(x + eps) - f(x - eps)) / 2 eps`` for each input element.
``gradgradcheck`` does the same for the gradients themselves, which tests ``create_graph=True``.
"""

import numpy as np

from . import functional
from .tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """The analytical and numerical Jacobians differ.

    >>> class Wrong(minigrad.autograd.Function):
    ...     def forward(self, x):
    ...         return x * x
    ...     def backward(self, grad):
    ...         return grad  # should be 2 x g
    >>> x = minigrad.tensor([1.5], dtype=minigrad.float64, requires_grad=True)
    >>> try:
    ...     minigrad.autograd.gradcheck(Wrong.apply, (x,))
    ... except minigrad.autograd.GradcheckError:
    ...     print('the Jacobians differ')
    the Jacobians differ
    """


def _as_tuple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _differentiable_outputs(outputs):
    return [o for o in outputs if isinstance(o, Tensor) and o.requires_grad]


def _numerical_jacobians(func, inputs, output_sizes, eps):
    """One (output size × input size) matrix per (input, output) pair, by central differences."""
    jacobians = []
    for tensor in inputs:
        flat = tensor._data.reshape(-1)  # a view: perturbing it perturbs the input
        columns = [np.zeros((size, flat.size)) for size in output_sizes]
        for i in range(flat.size):
            original = flat[i]
            values = []
            for delta in (eps, -eps):
                flat[i] = original + delta
                # grad mode stays on: func may itself differentiate (as gradgradcheck's does)
                values.append(
                    [
                        o._data.reshape(-1).astype(np.float64)
                        for o in _as_tuple(func(*inputs))
                        if isinstance(o, Tensor) and o.requires_grad
                    ]
                )
            flat[i] = original
            for k, (plus, minus) in enumerate(zip(*values)):
                with np.errstate(invalid="ignore"):
                    columns[k][:, i] = (plus - minus) / (2 * eps)
        jacobians.append(columns)
    return jacobians


def _analytical_jacobians(outputs, inputs):
    jacobians = [[np.zeros((o._data.size, t._data.size)) for o in outputs] for t in inputs]
    for k, output in enumerate(outputs):
        for j in range(output._data.size):
            seed = np.zeros(output._data.size, dtype=output._data.dtype)
            seed[j] = 1
            grads = functional.grad(
                [output], inputs, [Tensor._wrap(seed.reshape(output.shape))], retain_graph=True, allow_unused=True
            )
            for i, grad in enumerate(grads):
                if grad is not None:
                    jacobians[i][k][j, :] = grad._data.reshape(-1)
    return jacobians


def gradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0):
    """True if ``func``'s gradients w.r.t. every input that requires grad match finite differences.

    ``inputs`` is a Tensor or a tuple of them (and other arguments); checked inputs should be float64.
    On a mismatch, raises ``GradcheckError`` naming the input and output (or returns False when
    ``raise_exception=False``).

    >>> x = minigrad.randn(3, dtype=minigrad.float64, requires_grad=True)
    >>> minigrad.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
    True
    """
    inputs = _as_tuple(inputs)
    checked = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    for t in checked:
        if t._data.dtype != np.float64:
            raise ValueError(f"gradcheck needs float64 inputs for accurate finite differences, got {t.dtype}")
    outputs = _differentiable_outputs(_as_tuple(func(*inputs)))
    analytical = _analytical_jacobians(outputs, checked)
    numerical = _numerical_jacobians(func, inputs, [o._data.size for o in outputs], eps)
    for i, (a_cols, n_cols) in enumerate(zip(analytical, numerical)):
        for k, (a, n) in enumerate(zip(a_cols, n_cols)):
            if not np.allclose(a, n, rtol=rtol, atol=atol, equal_nan=True):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {k} with respect to input {i},\nnumerical:\n{n}\nanalytical:\n{a}\n"
                )
    return True


def gradgradcheck(func, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """Check second derivatives: gradcheck of ``inputs -> autograd.grad(func(inputs), inputs, create_graph=True)``.

    ``grad_outputs`` (random when None) seed the first backward and are themselves checked too.

    >>> x = minigrad.randn(3, dtype=minigrad.float64, requires_grad=True)
    >>> minigrad.autograd.gradgradcheck(lambda t: (t ** 3).sum(), (x,))
    True
    """
    inputs = _as_tuple(inputs)
    outputs = _differentiable_outputs(_as_tuple(func(*inputs)))
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = [Tensor._new(rng.standard_normal(o.shape), requires_grad=True) for o in outputs]
    grad_outputs = list(_as_tuple(grad_outputs))
    count = len(inputs)

    def first_derivatives(*args):
        outs = _differentiable_outputs(_as_tuple(func(*args[:count])))
        wrt = [t for t in args[:count] if isinstance(t, Tensor) and t.requires_grad]
        grads = functional.grad(outs, wrt, args[count:], create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(
        first_derivatives,
        tuple(inputs) + tuple(grad_outputs),
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
    )
