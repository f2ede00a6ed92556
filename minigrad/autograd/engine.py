"""The backward engine: reverse-mode differentiation over the recorded graph, on one screen.

A graph node is a ``Function`` (an op's record), an ``AccumulateGrad`` (a leaf's) or an ``Output`` (output ``i``
of a multi-output ``Function``). Each has ``next_edges``, the nodes its inputs' gradients go to (None for an input
that needs none), ``pre_hooks`` (hooks run on the gradient it receives), ``backward_step(grad, create_graph)`` (the
gradients of its inputs, one per edge) and ``release()``. An ``Output`` sends its node a list (its gradient at
``i``, None elsewhere); lists meeting at a node are merged entry by entry, so a multi-output node runs its backward
once, on the list of its outputs' gradients.

``run`` orders every node reachable from the roots so that each comes before every node that fed it (an explicit
stack: a chain of 100k ops cannot overflow Python's recursion limit), then visits them in that order: a node gets
the sum of the gradients its consumers sent it, and sends on the gradients of its own inputs. With
``create_graph=True`` the backward formulas run with grad mode on, so the gradients form a graph of their own.
"""

import numpy as np

from .grad_mode import _off as _grad_off
from .grad_mode import _state as _grad_state
from .hooks import call_gradient_hooks
from .node import _Node  # (compiled, engine.pxd cimports it: the names typed _Node below are C struct pointers)

try:  # NumPy 2's error state, set without np.errstate's Python layer (0.8 -> 0.2 µs, paid by every backward)
    from numpy._core._ufunc_config import _extobj_contextvar  # type: ignore[attr-defined]
    from numpy._core.umath import _make_extobj

    _IGNORE_ALL = _make_extobj(all="ignore")
except ImportError:  # NumPy 1.x (or a later reorganisation): the public context manager
    _extobj_contextvar = None

__all__ = ["run", "topological_order"]


def topological_order(roots):
    """Nodes reachable from ``roots``, each before every node that feeds it."""
    order, visited = [], set()
    found: _Node
    for root in roots:
        if root in visited:
            continue
        visited.add(root)
        found = root
        stack = [(root, iter(found.next_edges))]
        while stack:
            node, edges = stack[-1]
            for edge in edges:
                if edge is not None and edge not in visited:
                    visited.add(edge)
                    found = edge
                    if not found.next_edges:  # a leaf's node is done as soon as it is found: no stack entry
                        order.append(edge)
                        continue
                    stack.append((edge, iter(found.next_edges)))
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def _leading_to(order, targets):
    """The nodes of ``order`` from which some node of ``targets`` can be reached (the targets included)."""
    needed = set(targets)
    for node in reversed(order):  # inputs first, so a node's edges are decided before the node
        if any(edge in needed for edge in node.next_edges):
            needed.add(node)
    return needed


def run(roots, seeds, retain_graph=False, create_graph=False, capture=None):
    """Send ``seeds`` (one gradient Tensor per root node) backward through the graph.

    Without ``capture``, gradients reaching leaves are accumulated into their ``.grad``. With ``capture`` (a dict
    whose keys are nodes, for ``autograd.grad``), only the nodes leading to those keys run, no ``.grad`` is touched,
    and each key's entry is set to the gradient its node received.
    """
    pending = {}
    for i in range(len(roots)):  # (indexed, not zipped: making a zip costs ~1k instructions, more than the
        node, seed = roots[i], seeds[i]  # loop's one to three items)
        pending[node] = pending[node] + seed if node in pending else seed
    order = topological_order(list(pending))
    needed = None if capture is None else _leading_to(order, capture)
    # grad mode switched and restored by hand: set_grad_enabled's context manager costs a few calls per backward
    # (grad_mode._set_enabled, inlined: a call into the interpreted module costs more than the switch itself)
    previous = _grad_state.enabled if _grad_off else True
    switched_off = previous and not create_graph
    if switched_off:  # (switched on by create_graph, the thread keeps its entry: an entry too many is only slower)
        _grad_off.append(None)
    _grad_state.enabled = create_graph
    try:  # torch's backward never warns: NumPy's floating-point errors are ignored while it runs
        if _extobj_contextvar is None:
            with np.errstate(all="ignore"):
                _visit(order, pending, needed, capture, retain_graph, create_graph)
        else:
            token = _extobj_contextvar.set(_IGNORE_ALL)
            try:
                _visit(order, pending, needed, capture, retain_graph, create_graph)
            finally:
                _extobj_contextvar.reset(token)
    finally:
        if switched_off:
            _grad_off.pop()
        _grad_state.enabled = previous


def _visit(order, pending, needed, capture, retain_graph, create_graph):
    """``run``'s loop: each node of ``order`` takes the gradient summed in ``pending`` and sends its inputs' on."""
    node: _Node
    for node in order:
        grad = pending.pop(node, None)
        if grad is None:
            continue
        if node.pre_hooks:
            grad = call_gradient_hooks(node.pre_hooks, grad)
        if needed is not None:
            if node in capture:
                capture[node] = grad
            if not any(edge in needed for edge in node.next_edges):
                continue
        edges = node.next_edges
        if not edges:  # a leaf's AccumulateGrad: nothing to send on, nothing saved to release
            node.backward_step(grad, create_graph)
            continue
        input_grads = node.backward_step(grad, create_graph)  # (as many as edges: backward_step checks)
        for i in range(len(edges)):
            edge, input_grad = edges[i], input_grads[i]
            if edge is not None and input_grad is not None:
                summed = pending.get(edge)
                pending[edge] = input_grad if summed is None else _add(summed, input_grad, create_graph)
        if not retain_graph:
            node.release()


def _add(a, b, create_graph):
    """Two gradients of one tensor summed: as arrays for a first-order backward when shapes and dtypes agree (an
    autograd Add under no_grad costs ~5x more), else as a Tensor op (recorded when ``create_graph``). Two lists
    (what a multi-output node's outputs send it: one gradient or None per output) are merged entry by entry."""
    if type(a) is list:
        return [q if p is None else p if q is None else _add(p, q, create_graph) for p, q in zip(a, b)]
    x, y = a._data, b._data
    if create_graph or x.shape != y.shape or x.dtype != y.dtype:
        return a + b
    return a._wrap(np.asarray(x + y))  # (np.asarray: NumPy turns the sum of two 0-d arrays into a scalar)
