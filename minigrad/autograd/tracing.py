"""Tracing: watching every op a computation applies, for exporters (``minigrad.onnx``) and tools.

Inside ``with record(callback):`` every ``Function.apply`` calls ``callback(op_class, inputs, options, output)``
after its forward, in execution order: the whole computation as a list of ops on tensors, whether or not grad
mode records a graph. Outside such a block the cost is one attribute check per op.
"""

import threading

__all__ = ["record", "recorder"]


class _TracingState(threading.local):
    recorder = None


_state = _TracingState()


def recorder():
    """The active callback (None when nothing is traced)."""
    return _state.recorder


class record:
    """A context manager that sends every op applied in its block (in this thread) to ``callback``."""

    def __init__(self, callback):
        self.callback = callback

    def __enter__(self):
        if _state.recorder is not None:
            raise RuntimeError("a trace is already being recorded in this thread")
        _state.recorder = self.callback
        return self

    def __exit__(self, *exc_info):
        _state.recorder = None
        return False
