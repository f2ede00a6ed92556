"""Tracing: watching every op a computation applies, for exporters (``minigrad.onnx``) and tools.

Inside ``with record(callback):`` every ``Function.apply`` calls ``callback(op_class, inputs, options, output)``
after its forward, in execution order: the whole computation as a list of ops on tensors, whether or not grad
mode records a graph. Outside such a block the cost is one attribute check per op.

A function built from many ops that an exporter should see as one (a pooling, a batch norm, an embedding lookup,
a recurrent layer's forward) is decorated with ``@unit("name")``: while tracing, its inner ops are not reported;
instead the callback gets ``op = "name"`` (a string, where a Function reports its class), ``inputs`` = the values
of all its arguments in signature order and ``options`` = the same values by parameter name (defaults filled in).
"""

import functools
import inspect
import threading

__all__ = ["record", "recorder", "unit"]


class _TracingState(threading.local):
    recorder = None


_state = _TracingState()
# One entry for each thread with a callback set: while it is empty, the per-op path skips the thread-local read (see
# grad_mode._off, the same scheme).
_on: list[None] = []


def _set(callback):
    """Set this thread's callback (keeping ``_on`` in step)."""
    if callback is not None and _state.recorder is None:
        _on.append(None)
    elif callback is None and _state.recorder is not None:
        _on.pop()
    _state.recorder = callback


def recorder():
    """The active callback (None when nothing is traced)."""
    return _state.recorder if _on else None


class record:
    """A context manager that sends every op applied in its block (in this thread) to ``callback``."""

    def __init__(self, callback):
        self.callback = callback

    def __enter__(self):
        if _state.recorder is not None:
            raise RuntimeError("a trace is already being recorded in this thread")
        _set(self.callback)
        return self

    def __exit__(self, *exc_info):
        _set(None)
        return False


def unit(name):
    """Decorator: while a trace is recorded, report each call of the function as one op named ``name`` (see the
    module docstring) instead of the ops it applies. Untraced calls pay one attribute check."""

    def decorate(function):
        signature = inspect.signature(function)

        @functools.wraps(function)
        def traced(*args, **kwargs):
            callback = _state.recorder if _on else None
            if callback is None:
                return function(*args, **kwargs)
            _set(None)  # the unit's own ops are its converter's business
            try:
                output = function(*args, **kwargs)
            finally:
                _set(callback)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            callback(name, tuple(bound.arguments.values()), dict(bound.arguments), output)
            return output

        return traced

    return decorate
