"""Activation functionals with torch.nn.functional's signatures (``dropout`` is in ``dropout.py``).

The differentiable ops live in ``minigrad.ops``; the wrappers here only adapt torch's argument lists
(``inplace`` flags, softmax's ``_stacklevel``). ``inplace=True`` changes the input in place, recorded as torch
records it (``minigrad.ops.inplace``).
"""

from ...ops import activation as _activation
from ...ops import inplace as _inplace
from ...ops import pointwise_activation as _pointwise
from ...ops.pointwise_activation import glu, hardshrink, prelu, softshrink, softsign, tanhshrink

__all__ = [
    "relu",
    "relu_",
    "leaky_relu",
    "leaky_relu_",
    "softmax",
    "softmin",
    "log_softmax",
    "elu",
    "elu_",
    "selu",
    "selu_",
    "celu",
    "celu_",
    "silu",
    "mish",
    "hardswish",
    "hardsigmoid",
    "hardtanh",
    "hardtanh_",
    "relu6",
    "threshold",
    "threshold_",
    "rrelu",
    "rrelu_",
    "glu",
    "prelu",
    "softsign",
    "softshrink",
    "hardshrink",
    "tanhshrink",
]


def _applied(operation, input, inplace, *args):  # noqa: A002
    """``operation(input, *args)``, written into ``input`` when ``inplace`` (recorded as torch records it)."""
    return _inplace.apply_inplace(input, operation, *args) if inplace else operation(input, *args)


def relu(input, inplace=False):  # noqa: A002 - torch's argument name
    """``max(x, 0)``; gradient ``[x > 0]`` (0 at the kink, like torch).

    >>> F.relu(minigrad.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return _inplace.relu_(input) if inplace else _activation.relu(input)


def relu_(input):  # noqa: A002
    """``relu`` in place.

    Gradient: ``g · [x > 0]``, ``x`` the values the tensor held before.

    >>> F.relu_(minigrad.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return relu(input, inplace=True)


def leaky_relu(input, negative_slope=0.01, inplace=False):  # noqa: A002
    """``x`` for x > 0 and ``negative_slope · x`` otherwise.

    Gradient: ``g`` for x > 0, ``negative_slope · g`` otherwise.

    >>> F.leaky_relu(minigrad.tensor([-1.0, 2.0]), 0.1)
    tensor([-0.1000,  2.0000])
    """
    return _applied(_activation.leaky_relu, input, inplace, negative_slope)


def leaky_relu_(input, negative_slope=0.01):  # noqa: A002
    """``leaky_relu`` in place.

    Gradient: ``leaky_relu``'s, at the values the tensor held before.

    >>> F.leaky_relu_(minigrad.tensor([-1.0, 2.0]), 0.1)
    tensor([-0.1000,  2.0000])
    """
    return leaky_relu(input, negative_slope, inplace=True)


def elu(input, alpha=1.0, inplace=False):  # noqa: A002
    """``x`` for x > 0, ``α(eˣ - 1)`` otherwise; gradient 1 or ``α eˣ``.

    >>> F.elu(minigrad.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.0000])
    """
    return _applied(_pointwise.elu, input, inplace, alpha)


def elu_(input, alpha=1.0):  # noqa: A002
    """``elu`` in place.

    Gradient: ``elu``'s, at the values the tensor held before.

    >>> F.elu_(minigrad.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.0000])
    """
    return elu(input, alpha, inplace=True)


def selu(input, inplace=False):  # noqa: A002
    """``1.0507 · elu(x, 1.6733)`` (torch's self-normalising constants).

    Gradient: ``1.0507 g`` for x > 0, ``1.0507 · 1.6733 eˣ g`` otherwise.

    >>> F.selu(minigrad.tensor([-1.0, 2.0]))
    tensor([-1.1113,  2.1014])
    """
    return _applied(_pointwise.selu, input, inplace)


def selu_(input):  # noqa: A002
    """``selu`` in place.

    Gradient: ``selu``'s, at the values the tensor held before.

    >>> F.selu_(minigrad.tensor([-1.0, 2.0]))
    tensor([-1.1113,  2.1014])
    """
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):  # noqa: A002
    """``max(0, x) + min(0, α(e^(x/α) - 1))``.

    Gradient: ``g`` for x > 0, ``g e^(x/α)`` otherwise.

    >>> F.celu(minigrad.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.0000])
    """
    return _applied(_pointwise.celu, input, inplace, alpha)


def celu_(input, alpha=1.0):  # noqa: A002
    """``celu`` in place.

    Gradient: ``celu``'s, at the values the tensor held before.

    >>> F.celu_(minigrad.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.0000])
    """
    return celu(input, alpha, inplace=True)


def silu(input, inplace=False):  # noqa: A002
    """``x σ(x)``.

    Gradient: ``g σ(x) (1 + x (1 - σ(x)))``.

    >>> F.silu(minigrad.tensor([-1.0, 2.0]))
    tensor([-0.2689,  1.7616])
    """
    return _applied(_pointwise.silu, input, inplace)


def mish(input, inplace=False):  # noqa: A002
    """``x tanh(softplus(x))``.

    Gradient: ``g (tanh(s) + x σ(x) (1 - tanh²(s)))`` with ``s = softplus(x)``.

    >>> F.mish(minigrad.tensor([-1.0, 2.0]))
    tensor([-0.3034,  1.9440])
    """
    return _applied(_pointwise.mish, input, inplace)


def hardswish(input, inplace=False):  # noqa: A002
    """``x · relu6(x + 3) / 6``.

    Gradient: 0 below -3, ``g (x/3 + 1/2)`` in between, ``g`` above 3.

    >>> F.hardswish(minigrad.tensor([-4.0, 0.0, 1.5, 4.0]))
    tensor([0.0000, 0.0000, 1.1250, 4.0000])
    """
    return _applied(_pointwise.hardswish, input, inplace)


def hardsigmoid(input, inplace=False):  # noqa: A002
    """``relu6(x + 3) / 6``; gradient 1/6 strictly inside (-3, 3).

    >>> F.hardsigmoid(minigrad.tensor([-4.0, 0.0, 1.5]))
    tensor([0.0000, 0.5000, 0.7500])
    """
    return _applied(_pointwise.hardsigmoid, input, inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):  # noqa: A002
    """``x`` clamped to ``[min_val, max_val]``; gradient 1 strictly inside.

    >>> F.hardtanh(minigrad.tensor([-2.0, 0.5, 3.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    return _applied(_pointwise.hardtanh, input, inplace, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):  # noqa: A002
    """``hardtanh`` in place.

    Gradient: ``hardtanh``'s, at the values the tensor held before.

    >>> F.hardtanh_(minigrad.tensor([-2.0, 0.5, 3.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):  # noqa: A002
    """``min(max(x, 0), 6)``; gradient 1 strictly inside (0, 6).

    >>> F.relu6(minigrad.tensor([-1.0, 3.0, 8.0]))
    tensor([0., 3., 6.])
    """
    return _applied(_pointwise.relu6, input, inplace)


def threshold(input, threshold, value, inplace=False):  # noqa: A002
    """``x`` where ``x > threshold``, else ``value``.

    Gradient: ``g · [x > threshold]``.

    >>> F.threshold(minigrad.tensor([0.5, 2.0]), 1.0, -1.0)
    tensor([-1.,  2.])
    """
    return _applied(_pointwise.threshold, input, inplace, threshold, value)


def threshold_(input, threshold, value):  # noqa: A002
    """``threshold`` in place.

    Gradient: ``threshold``'s, at the values the tensor held before.

    >>> F.threshold_(minigrad.tensor([0.5, 2.0]), 1.0, -1.0)
    tensor([-1.,  2.])
    """
    return _applied(_pointwise.threshold, input, True, threshold, value)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):  # noqa: A002
    """Randomised leaky ReLU: slope ~ U(lower, upper) per element when ``training``, ``(lower + upper)/2`` else.

    Gradient: ``g`` for x > 0, ``slope · g`` otherwise (the drawn slope in training).

    >>> F.rrelu(minigrad.tensor([-1.0, 2.0]))  # eval: the slope is (1/8 + 1/3) / 2
    tensor([-0.2292,  2.0000])
    """
    return _applied(_pointwise.rrelu, input, inplace, lower, upper, training)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):  # noqa: A002
    """``rrelu`` in place.

    Gradient: ``rrelu``'s, at the values the tensor held before.

    >>> F.rrelu_(minigrad.tensor([-1.0, 2.0]))
    tensor([-0.2292,  2.0000])
    """
    return rrelu(input, lower, upper, training, inplace=True)


def softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """``exp(x) / Σ exp(x)`` along ``dim`` (computed in ``dtype`` when given).

    Gradient: ``s (g - Σ g s)``, ``s`` the output and the sum along ``dim``.

    >>> F.softmax(minigrad.tensor([[1.0, 1.0]]), dim=1)
    tensor([[0.5000, 0.5000]])
    """
    return _activation.softmax(input, dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """``softmax(-x)`` along ``dim`` (computed in ``dtype`` when given).

    Gradient: ``-s (g - Σ g s)``, ``s`` the output and the sum along ``dim``.

    >>> F.softmin(minigrad.tensor([[0.0, 1.0]]), dim=1)
    tensor([[0.7311, 0.2689]])
    """
    return _pointwise.softmin(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """``x - logsumexp(x)`` along ``dim`` (computed in ``dtype`` when given).

    Gradient: ``g - softmax(x) Σ g`` (the sum along ``dim``).

    >>> F.log_softmax(minigrad.tensor([[0.0, 0.0]]), dim=1).exp()
    tensor([[0.5000, 0.5000]])
    """
    return _activation.log_softmax(input, dim, dtype)
