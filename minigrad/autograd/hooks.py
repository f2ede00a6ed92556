"""Hooks: the one ``RemovableHandle`` for tensor and module hooks, and the loop that runs gradient hooks.

A hook registry is a dict ``{handle id: hook}``; registering returns a ``RemovableHandle`` whose ``remove()``
deletes its entry (as ``torch.utils.hooks.RemovableHandle``). Dicts keep insertion order, so hooks run in the
order they were registered.
"""

import itertools

__all__ = ["RemovableHandle", "call_gradient_hooks"]


class RemovableHandle:
    """A registered hook: ``remove()`` (or leaving a ``with`` block) unregisters it; removing twice is harmless."""

    _next_id = itertools.count()

    def __init__(self, hooks):
        self._hooks = hooks
        self.id = next(RemovableHandle._next_id)

    def remove(self):
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()


def call_gradient_hooks(hooks, grad):
    """Run ``hook(grad)`` for each hook in ``hooks`` (a registry or None); a non-None result replaces ``grad``."""
    for hook in tuple(hooks.values()) if hooks else ():
        replaced = hook(grad)
        if replaced is not None:
            grad = replaced
    return grad
