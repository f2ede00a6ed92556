"""L-BFGS, with a fixed step or the strong-Wolfe line search (torch's algorithm, step by step).

The line search (``line_search_fn="strong_wolfe"``) follows torch's, itself after minFunc: bracket a step
satisfying the strong Wolfe conditions, then zoom in by safeguarded cubic interpolation. Scalars are NumPy scalars
of the parameters' dtype where torch has 0-d tensors, so the arithmetic rounds alike.
"""

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import Optimizer, bump_version

__all__ = ["LBFGS"]


class LBFGS(Optimizer):
    """Limited-memory BFGS over all parameters as one flat vector, as torch.optim.LBFGS computes it.

    ``step(closure)`` runs up to ``max_iter`` iterations (at most ``max_eval`` closure calls, default
    ``max_iter · 5 // 4``): the direction is ``-H·g`` from the two-loop recursion over the last ``history_size``
    pairs (s = step, y = change of gradient; a pair is kept only when ``y·s > 1e-10``), with ``H₀ = y·s / y·y``;
    the step length is ``lr`` (the first iteration ever: ``min(1, 1 / Σ|g|) · lr``), or found by the strong-Wolfe
    line search with ``line_search_fn="strong_wolfe"``. It stops when ``max |g| ≤ tolerance_grad``, or the step or
    the loss change is below ``tolerance_change``. The closure must re-evaluate the loss, set the gradients (call
    ``backward``) and return the loss. One parameter group only; the state lives under the first parameter.

    >>> optimizer = LBFGS(model.parameters(), line_search_fn="strong_wolfe")
    >>> def closure():
    ...     optimizer.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); return loss
    >>> loss = optimizer.step(closure)
    """

    _state_shaped_like_params = False

    def __init__(
        self,
        params,
        lr=1,
        max_iter=20,
        max_eval=None,
        tolerance_grad=1e-7,
        tolerance_change=1e-9,
        history_size=100,
        line_search_fn=None,
    ):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(
            params,
            {
                "lr": lr,
                "max_iter": max_iter,
                "max_eval": max_eval,
                "tolerance_grad": tolerance_grad,
                "tolerance_change": tolerance_change,
                "history_size": history_size,
                "line_search_fn": line_search_fn,
            },
        )
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")

    @property
    def _params(self):
        return self.param_groups[0]["params"]

    def _flat_grad(self):
        return np.concatenate(
            [
                np.zeros(p._data.size, p._data.dtype) if p.grad is None else p.grad._data.reshape(-1)
                for p in self._params
            ]
        )

    def _add(self, step_size, direction):
        """p ← p + step_size · direction, ``direction`` cut into the parameters' shapes."""
        offset = 0
        for p in self._params:
            size = p._data.size
            p._data += step_size * direction[offset : offset + size].reshape(p._data.shape)
            offset += size
            bump_version(p)

    def _set(self, arrays):
        for p, array in zip(self._params, arrays):
            p._data[...] = array
            bump_version(p)

    def _evaluate_along(self, closure, start, direction, t):
        """The loss and flat gradient at ``start + t · direction``; the parameters are then reset to ``start``."""
        self._add(t, direction)
        loss = float(self._evaluate(closure))
        grad = self._flat_grad()
        self._set(start)
        return loss, grad

    def step(self, closure):
        """Run the iterations (see the class docstring); returns the loss ``closure()`` gave first."""
        group = self.param_groups[0]
        lr, max_iter, max_eval = float(group["lr"]), group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise RuntimeError("only 'strong_wolfe' is supported")
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        first_loss = self._evaluate(closure)
        loss = float(first_loss)
        evaluations = 1
        state["func_evals"] += 1
        grad = self._flat_grad()
        if np.abs(grad).max() <= tolerance_grad:
            return first_loss
        memory = _unwrap({key: state.get(key) for key in _SAVED})
        d, t, prev_grad = memory["d"], memory["t"], memory["prev_flat_grad"]
        iteration = 0
        while iteration < max_iter:
            iteration += 1
            state["n_iter"] += 1
            d = self._direction(state, memory, grad, d, t, prev_grad, group["history_size"])
            prev_grad = grad.copy()
            memory["prev_loss"] = loss
            t = min(1.0, 1.0 / np.abs(grad).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = grad.dot(d)
            if gtd > -tolerance_change:
                break
            spent = 0
            if group["line_search_fn"] is not None:
                start = [p._data.copy() for p in self._params]
                loss, grad, t, spent = strong_wolfe(
                    lambda step, start=start, d=d: self._evaluate_along(closure, start, d, step),
                    t,
                    d,
                    loss,
                    grad,
                    gtd,
                    max_ls=max_eval - evaluations,
                )
                self._add(t, d)
                converged = np.abs(grad).max() <= tolerance_grad
            else:
                self._add(t, d)
                converged = False
                if iteration != max_iter:
                    loss = float(self._evaluate(closure))
                    grad = self._flat_grad()
                    converged = np.abs(grad).max() <= tolerance_grad
                    spent = 1
            evaluations += spent
            state["func_evals"] += spent
            if (
                iteration == max_iter
                or evaluations >= max_eval
                or converged
                or np.abs(d * t).max() <= tolerance_change
                or abs(loss - memory["prev_loss"]) < tolerance_change
            ):
                break
        memory.update(d=d, t=t, prev_flat_grad=prev_grad)
        state.update(_wrap(memory))
        return first_loss

    @staticmethod
    def _direction(state, memory, grad, d, t, prev_grad, history_size):
        """The search direction ``-H·g``: the two-loop recursion after recording the last step's (s, y) pair."""
        if state["n_iter"] == 1:
            memory.update(old_dirs=[], old_stps=[], ro=[], H_diag=1)
            return -grad
        dirs, steps, ro = memory["old_dirs"], memory["old_stps"], memory["ro"]
        y = grad - prev_grad
        s = d * t
        ys = y.dot(s)
        if ys > 1e-10:
            if len(dirs) == history_size:
                del dirs[0], steps[0], ro[0]
            dirs.append(y)
            steps.append(s)
            ro.append(1.0 / ys)
            memory["H_diag"] = ys / y.dot(y)
        if memory.get("al") is None:
            memory["al"] = [None] * history_size
            state["al"] = None  # (filled at the end of step; created now, as torch does, for the same key order)
        al = memory["al"]
        q = -grad
        for i in range(len(dirs) - 1, -1, -1):
            al[i] = steps[i].dot(q) * ro[i]
            q += -al[i] * dirs[i]
        r = q * memory["H_diag"]
        for i in range(len(dirs)):
            be_i = dirs[i].dot(r) * ro[i]
            r += (al[i] - be_i) * steps[i]
        return r


# What LBFGS keeps between steps, under torch's names
_SAVED = ("d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss", "al")


def _unwrap(value):
    """State as NumPy: Tensors to arrays (0-d ones to NumPy scalars), through dicts and lists."""
    if isinstance(value, dict):
        return {key: _unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unwrap(item) for item in value]
    if isinstance(value, Tensor):
        return value._data[()] if value._data.ndim == 0 else value._data
    return value


def _wrap(value):
    """State as torch keeps it: arrays and NumPy scalars as Tensors, through dicts and lists."""
    if isinstance(value, dict):
        return {key: _wrap(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_wrap(item) for item in value]
    if isinstance(value, (np.ndarray, np.generic)):
        return Tensor._wrap(np.asarray(value))
    return value


# ------------------------------------------------------------------------------------- the line search
def cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser, clamped to ``bounds`` (default: between x1 and x2), of the cubic through (x1, f1) and
    (x2, f2) with slopes g1 and g2; the middle of the bounds when that cubic has no minimum."""
    low, high = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square < 0:
        return (low + high) / 2.0
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        position = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        position = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(position, low), high)


class _Point:
    """A step length with the loss, flat gradient and directional derivative there."""

    def __init__(self, t, f, g, gtd):
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Search along ``d`` from the point with loss ``f``, gradient ``g`` and slope ``gtd = g·d`` (< 0).

    ``evaluate(t)`` returns (loss, flat gradient) at step ``t``. Returns ``(loss, gradient, t, evaluations)``.
    """
    d_norm = np.abs(d).max()
    start = _Point(0, f, g.copy(), gtd)
    previous = start
    new = _point(evaluate, t, d)
    evaluations, iteration, done = 1, 0, False
    bracket = None
    while iteration < max_ls:  # phase 1: find an interval that contains a suitable step
        if new.f > f + c1 * new.t * gtd or (iteration > 1 and new.f >= previous.f):
            bracket = [previous, new]
            break
        if abs(new.gtd) <= -c2 * gtd:
            bracket, done = [new], True
            break
        if new.gtd >= 0:
            bracket = [previous, new]
            break
        guess = cubic_minimum(
            previous.t,
            previous.f,
            previous.gtd,
            new.t,
            new.f,
            new.gtd,
            bounds=(new.t + 0.01 * (new.t - previous.t), new.t * 10),
        )
        previous, new = new, _point(evaluate, guess, d)
        evaluations += 1
        iteration += 1
    if iteration == max_ls:
        bracket = [_Point(0, f, g, None), new]
    low, high = (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)
    insufficient_progress = False
    while not done and iteration < max_ls:  # phase 2: zoom into the bracket
        a, b = bracket
        if abs(b.t - a.t) * d_norm < tolerance_change:
            break
        t = cubic_minimum(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        t, insufficient_progress = _keep_away_from_ends(t, max(a.t, b.t), min(a.t, b.t), insufficient_progress)
        new = _point(evaluate, t, d)
        evaluations += 1
        iteration += 1
        if new.f > f + c1 * t * gtd or new.f >= bracket[low].f:
            bracket[high] = new
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
        else:
            if abs(new.gtd) <= -c2 * gtd:
                done = True
            elif new.gtd * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = new
    best = bracket[low]
    return best.f, best.g, best.t, evaluations


def _point(evaluate, t, d):
    loss, grad = evaluate(t)
    return _Point(t, loss, grad, grad.dot(d))


def _keep_away_from_ends(t, top, bottom, insufficient_progress):
    """Move an interpolated step that lands within 10% of the bracket's ends back inside, unless progress was
    sufficient last time (torch's safeguard); returns the step and the new progress flag."""
    margin = 0.1 * (top - bottom)
    if min(top - t, t - bottom) >= margin:
        return t, False
    if insufficient_progress or t >= top or t <= bottom:
        return (top - margin if abs(t - top) < abs(t - bottom) else bottom + margin), False
    return t, True
