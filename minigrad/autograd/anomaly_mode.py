"""Anomaly detection: which forward op produced the backward that returned nan.

Inside ``detect_anomaly()`` every recorded node keeps the stack of the forward call that made it; when a node's
backward returns a gradient with nan in it, the engine stops with torch's error naming that node, and the forward's
stack is printed, so the culprit line of the model is found without bisecting. It slows everything down, so it is a
debugging (and teaching) tool, off by default.
"""

import threading
import traceback
import warnings

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "forward_stack", "check_gradients"]


class _AnomalyState(threading.local):
    enabled = False
    check_nan = True


_state = _AnomalyState()
# One entry for each thread with anomaly detection on: while it is empty, the per-op path skips the thread-local read
# (see grad_mode._off, the same scheme).
_on: list[None] = []


def _set(enabled, check_nan):
    """Set this thread's mode (keeping ``_on`` in step) and return the previous ``(enabled, check_nan)``."""
    previous = (_state.enabled, _state.check_nan)
    if enabled and not previous[0]:
        _on.append(None)
    elif previous[0] and not enabled:
        _on.pop()
    _state.enabled, _state.check_nan = enabled, check_nan
    return previous


def is_anomaly_enabled():
    """Whether anomaly detection (``detect_anomaly``) is on in this thread.

    >>> minigrad.autograd.is_anomaly_enabled()
    False
    """
    return bool(_on) and _state.enabled


class set_detect_anomaly:
    """Turn anomaly detection on or off (at once, and for a ``with`` block).

    >>> with minigrad.autograd.set_detect_anomaly(True):
    ...     print(minigrad.autograd.is_anomaly_enabled())
    True
    >>> minigrad.autograd.is_anomaly_enabled()
    False
    """

    def __init__(self, mode, check_nan=True):
        self._previous = _set(bool(mode), check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        _set(*self._previous)
        return False


class detect_anomaly:
    """A context manager and decorator that turns anomaly detection on for its block.

    >>> with minigrad.autograd.detect_anomaly():
    ...     print(minigrad.autograd.is_anomaly_enabled())
    True
    >>> minigrad.autograd.is_anomaly_enabled()
    False
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
            "enabled for debugging.",
            stacklevel=2,
        )
        self._previous = _set(True, self.check_nan)
        return self

    def __exit__(self, *exc_info):
        _set(*self._previous)
        return False

    def __call__(self, func):
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return func(*args, **kwargs)

        wrapper.__name__, wrapper.__doc__ = func.__name__, func.__doc__
        return wrapper


def forward_stack():
    """The current call stack as text (kept on each node while anomaly detection is on)."""
    return "".join(traceback.format_stack()[:-2])


def check_gradients(node, grads, stack):
    """Raise torch's error if a gradient that ``node``'s backward returned has a nan, after printing the stack of
    the forward call that made ``node``."""
    if not _state.check_nan:
        return
    for i, grad in enumerate(grads):
        if grad is not None and grad._data.dtype.kind == "f" and (grad._data != grad._data).any():
            warnings.warn(
                f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n{stack}",
                stacklevel=3,
            )
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
