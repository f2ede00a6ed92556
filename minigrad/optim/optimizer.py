"""``Optimizer``: the base class holding parameter groups and per-parameter state, with torch's API.

* ``param_groups``: a list of dicts, each with ``"params"`` (a list of Tensors) and one value per option
  (``lr``, ...); options a group does not set are filled from the optimizer's defaults.
* ``state``: a dict ``parameter -> dict`` (e.g. Adam's moment estimates), filled lazily by ``step``.
* ``state_dict()`` / ``load_state_dict()`` use torch's layout, with parameters replaced by their position::

      {"state": {0: {"step": tensor(3.), "exp_avg": ..., ...}, ...},
       "param_groups": [{"lr": 0.001, ..., "params": [0, 1, 2, 3]}]}

Subclasses implement ``step``, which updates ``p._data`` in place from ``p.grad._data`` (plain NumPy: an optimizer
step is not part of any graph).

>>> optimizer = SGD(model.parameters(), lr=0.1)
>>> optimizer.zero_grad(); loss_fn(model(x), y).backward(); optimizer.step()
"""

import warnings
from collections import defaultdict
from copy import deepcopy
from itertools import chain
from typing import Any, Callable, Optional

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..autograd.tensor import Tensor
from ..nn.utils.clip_grad import _zero_grads

__all__ = ["Optimizer", "required"]

# dtype objects, not the scalar types: ``dtype in (np.float32, np.float64)`` converts each type to a dtype per call
_KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def kernel_operands(p, state, names, kind):
    """``p``'s array (made C-contiguous), its gradient as a C-contiguous array of ``p``'s dtype, and the state
    arrays ``names``, all flat, for a compiled kernel that updates them in place as arrays of one length and dtype.

    Raises TypeError for a dtype other than float32/float64, and RuntimeError when a state array no longer matches
    its parameter (a parameter replaced after the optimizer stepped must not make a kernel write past an end).
    """
    if p._data.dtype not in _KERNEL_DTYPES:
        raise TypeError(f"{kind} supports float32 and float64 parameters, got {p.dtype}")
    if not p._data.flags.c_contiguous:  # (np.ascontiguousarray would make a 0-d array 1-d)
        p._data = p._data.copy(order="C")
    grad = np.ascontiguousarray(gradient_of(p), dtype=p._data.dtype)
    arrays = [state[name]._data for name in names]
    for name, array in zip(names, arrays):
        if array.shape != p._data.shape or array.dtype != p._data.dtype or not array.flags.c_contiguous:
            raise RuntimeError(
                f"{kind}'s state {name!r} ({array.dtype}, shape {list(array.shape)}) does not match "
                f"its parameter ({p._data.dtype}, shape {list(p._data.shape)}); was the parameter "
                "replaced after the optimizer stepped?"
            )
    return [a.reshape(-1) for a in (p._data, grad, *arrays)]


def decayed_gradient(p, maximize, weight_decay):
    """``p``'s gradient as torch's optimizers first transform it: negated when ``maximize``, then plus
    ``weight_decay · p`` (L2 penalty). A new array whenever it differs from ``p.grad``, which is never modified."""
    grad = gradient_of(p)
    if maximize:
        grad = -grad
    if weight_decay != 0:
        grad = grad + weight_decay * p._data
    return grad


def with_gradients(group):
    """The parameters of ``group`` that have a gradient (the others are skipped by every optimizer)."""
    return [p for p in group["params"] if p.grad is not None]


def bump_version(p):
    """Count an in-place update of ``p``, as torch's optimizers do (they write under no_grad): a graph that saved
    the old value then refuses to backward instead of silently using the new one."""
    p._shared_version_counter()[0] += 1


def step_tensor(value=0.0):
    """A 0-d float32 tensor: torch keeps ``step`` (and NAdam's ``mu_product``, ASGD's ``eta``/``mu``) in this form,
    and their float32 rounding is part of the update."""
    return Tensor._wrap(np.array(value, dtype=np.float32))


def zero_buffers(p, *names):
    """``{name: zeros like p}`` for each name: the per-element state an optimizer starts from."""
    return {name: Tensor._wrap(np.zeros_like(p._data)) for name in names}


def advance_step(state):
    """Add 1 to ``state["step"]`` and return the new count as a Python float."""
    array = state["step"]._data
    array[()] = float(array) + 1  # (an in-place ufunc on a 0-d array is 20x slower)
    return float(array)


def check_not_differentiable(differentiable):
    """``differentiable=False`` is accepted for torch compatibility; a step recorded in a graph is not supported."""
    if differentiable:
        raise NotImplementedError("minigrad's optimizers are not differentiable")


def check_options(lr=0.0, eps=0.0, weight_decay=0.0, betas=None, differentiable=False, **others):
    """Raise torch's ValueError for a negative ``lr``/``eps``/``weight_decay`` or for each of ``others`` (torch
    names them in its message: ``momentum``, ``alpha``, ...), and for a β outside [0, 1)."""
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    for name, value in others.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {name} value: {value}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
    if betas is not None:
        for index, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
    check_not_differentiable(differentiable)


def lerp_(start, end, weight):
    """``start ← start + weight · (end - start)`` in place, computed as torch.lerp does (from ``end`` when
    ``weight ≥ 0.5``), so results round the same way."""
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)


def gradient_of(p):
    """``p.grad``'s array, which must have ``p``'s shape: torch refuses such a ``.grad`` when it is assigned, and
    here a wrongly shaped one would be broadcast into the update, or read past its end by a fused kernel."""
    grad = p.grad._data
    if grad.shape != p._data.shape:
        raise RuntimeError(f"a parameter of shape {list(p._data.shape)} has a gradient of shape {list(grad.shape)}")
    return grad


class _RequiredParameter:
    """Marks a default that every parameter group must set itself."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(value):
    kind = type(value)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


class Optimizer:
    """Base class of all optimizers. ``params`` is an iterable of Tensors, of ``(name, Tensor)`` pairs, or of
    dicts defining parameter groups; ``defaults`` maps each option to its default value.

    >>> class PlainSGD(minigrad.optim.Optimizer):
    ...     def __init__(self, params, lr):
    ...         super().__init__(params, {'lr': lr})
    ...     def step(self, closure=None):
    ...         for group in self.param_groups:
    ...             for p in group['params']:
    ...                 if p.grad is not None:
    ...                     p.data.sub_(group['lr'] * p.grad)
    >>> w = minigrad.ones(2, requires_grad=True)
    >>> opt = PlainSGD([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([0.8000, 0.8000], requires_grad=True)
    """

    # Each state entry holds arrays of its parameter's shape (LBFGS keeps flat vectors of all parameters instead)
    _state_shaped_like_params = True

    def __init__(self, params: Any, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but "
                "got " + _typename(params)
            )
        self.state: "defaultdict[Tensor, dict[str, Any]]" = defaultdict(dict)
        self.param_groups: "list[dict[str, Any]]" = []
        param_groups = list(params)
        if not param_groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``"params"`` and optional per-group options)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of "
                "tensors in sets will change between runs. Please use a list instead."
            )
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(param))
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will cause "
                "an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        for group in self.param_groups:
            if ("param_names" in param_group) != ("param_names" in group):
                kind = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {kind} to the optimizer"
                )
        existing = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized parameters: to None (the default), or to zeros."""
        _zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Optional[Callable[[], Any]] = None) -> Any:
        """Update the parameters from their gradients; ``closure`` re-evaluates the model and returns the loss."""
        raise NotImplementedError

    @staticmethod
    def _evaluate(closure):
        """The loss from ``closure`` (computed with grad mode on), or None without one."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ------------------------------------------------------------------------------------------ state dict
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state and options, with parameters replaced by their index (in group order).

        Like torch, the state values are the live tensors (not copies).
        """
        index_of: "dict[int, int]" = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index_of[id(key)] if isinstance(key, Tensor) else key): value for key, value in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict()`` returned; the groups must have the same sizes as this optimizer's.

        Floating state tensors are copied and cast to their parameter's dtype (``step`` is kept as it is).
        """
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(self.param_groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
            )
        param_of = dict(
            zip(
                chain.from_iterable(s["params"] for s in saved_groups),
                chain.from_iterable(g["params"] for g in self.param_groups),
            )
        )
        state: "defaultdict[Tensor, dict[str, Any]]" = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in param_of:
                param = param_of[key]
                state[param] = {
                    name: _cast_state(param, name, item, self._state_shaped_like_params) for name, item in value.items()
                }
            else:
                state[key] = value
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.state = state
        self.param_groups = saved_groups

    def __repr__(self):
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _cast_state(param, name, value, check_shape):
    """A copy of one saved state entry, floating arrays cast to ``param``'s dtype (as torch does, 0-d ones such as
    NAdam's ``mu_product`` included), ``step`` as a float32 tensor; lists and tuples (LBFGS's history) item by
    item."""
    if name == "step":
        return Tensor._wrap(np.array(value._data if isinstance(value, Tensor) else value, dtype=np.float32))
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, name, item, check_shape) for item in value)
    if isinstance(value, (Tensor, np.ndarray)):
        array = value._data if isinstance(value, Tensor) else value
        if check_shape and array.dtype.kind == "f" and array.ndim and array.shape != param._data.shape:
            # e.g. a state_dict of another model
            raise ValueError(
                f"loaded state {name!r} has shape {list(array.shape)}, but its parameter has shape "
                f"{list(param._data.shape)}"
            )
        dtype = param._data.dtype if array.dtype.kind == "f" else array.dtype
        return Tensor._wrap(np.array(array, dtype=dtype))
    return deepcopy(value)
