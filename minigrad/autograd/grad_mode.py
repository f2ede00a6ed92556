"""Grad mode: whether operations record the graph that ``backward`` walks.

``no_grad``, ``enable_grad`` and ``set_grad_enabled`` work as context managers and as decorators, like torch's.
The flag is thread-local, so a ``no_grad`` block in one thread does not switch recording off in another.
"""

import functools
import threading

__all__ = ["is_grad_enabled", "no_grad", "enable_grad", "set_grad_enabled"]


class _GradState(threading.local):
    enabled = True  # every thread starts with recording on


_state = _GradState()
# One entry for each thread whose grad mode is off. While it is empty, grad mode is on in every thread, and the
# per-op path knows it without reading the thread-local (~500 instructions a read, ~5% of a small op's step); a
# thread reads its own flag only while some thread has switched recording off. A list because append and pop are
# atomic under the GIL, compiled or not. (A thread that ends with recording off leaves its entry: only the fast
# path is lost.)
_off: list[None] = []


def is_grad_enabled():
    """True when new operations are recorded for autograd (the default).

    >>> minigrad.is_grad_enabled()
    True
    """
    return not _off or _state.enabled


def _set_enabled(mode):
    """Set this thread's grad mode (keeping ``_off`` in step) and return the previous one."""
    previous = _state.enabled if _off else True
    if previous and not mode:
        _off.append(None)
    elif mode and not previous:
        _off.pop()
    _state.enabled = mode
    return previous


class _GradModeContext:
    """Base for context managers that set grad mode on entry and restore the previous mode on exit."""

    mode = True

    def __enter__(self):
        self._previous = _set_enabled(self.mode)

    def __exit__(self, *exc_info):
        _set_enabled(self._previous)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._arguments()):
                return func(*args, **kwargs)

        return wrapper

    def _arguments(self):
        return ()


class no_grad(_GradModeContext):
    """Do not record operations: results have ``requires_grad=False``. Use for evaluation and optimizer steps.

    >>> w = minigrad.ones(2, requires_grad=True)
    >>> with minigrad.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradModeContext):
    """Record operations again inside a ``no_grad`` block.

    >>> w = minigrad.ones(1, requires_grad=True)
    >>> with minigrad.no_grad():
    ...     with minigrad.enable_grad():
    ...         y = w * 2
    >>> y.requires_grad
    True
    """

    mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode``. Takes effect at once (like torch), and also works as a context manager.

    >>> w = minigrad.ones(1, requires_grad=True)
    >>> with minigrad.set_grad_enabled(False):
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    def __init__(self, mode):
        self.mode = bool(mode)
        self._previous = _set_enabled(self.mode)

    def __enter__(self):
        pass  # already set in __init__; __exit__ restores the mode from before construction

    def _arguments(self):
        return (self.mode,)


class inference_mode(_GradModeContext):
    """``torch.inference_mode``: run without recording (minigrad has no separate inference tensors, so this is
    ``no_grad`` under torch's name; ``inference_mode(False)`` records again). A context manager and a decorator.

    >>> with minigrad.inference_mode():
    ...     y = minigrad.ones(1, requires_grad=True) * 2
    >>> y.requires_grad
    False
    """

    def __init__(self, mode=True):
        self.mode = not mode

    def _arguments(self):
        return (not self.mode,)


def is_inference_mode_enabled():
    """True inside ``inference_mode()`` (that is, while recording is off).

    >>> with minigrad.inference_mode():
    ...     print(minigrad.is_inference_mode_enabled())
    True
    >>> minigrad.is_inference_mode_enabled()
    False
    """
    return not is_grad_enabled()
