"""The backward engine: reverse-mode differentiation over the recorded graph.

Starting from the output's node, order every reachable node so that a node comes before all the nodes that
produced its inputs (a reverse topological order, found with an explicit stack so a chain of 100k operations
cannot overflow Python's recursion limit). Then visit the nodes in that order: each one receives the sum of the
gradients sent to it by its consumers, turns it into gradients for its own inputs with its ``backward``, and sends
those on — to another node, or into a leaf's ``.grad``.

With ``create_graph=True`` the backward formulas run with grad mode on, so the gradients are themselves part of a
graph and can be differentiated again. Without ``retain_graph`` each node releases its saved values once used.
"""
import threading

import numpy as np

from . import grad_mode
from .function import Function
from .. import _tensor as _tensor_module

__all__ = ["run_backward", "grad"]

_FREED_MESSAGE = ("Trying to backward through the graph a second time (or directly access saved tensors after they "
                  "have already been freed). Saved intermediate values of the graph are freed when you call "
                  ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                  "graph a second time or if you need to access saved tensors after calling backward.")


def _topological_order(roots):
    """Nodes reachable from ``roots``, each before every node that feeds it."""
    order, visited = [], set()
    for root in roots:
        if root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root.next_edges))]
        while stack:
            node, edges = stack[-1]
            for edge in edges:
                if isinstance(edge, Function) and edge not in visited:
                    visited.add(edge)
                    stack.append((edge, iter(edge.next_edges)))
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def _call_hooks(hooks, grad):
    for hook in hooks or ():
        replaced = hook(grad)
        if replaced is not None:
            grad = replaced
    return grad


# Backward passes running in several threads may reach the same leaves (shared parameters): without the lock,
# two of them adding to one .grad lose one of the two contributions (NumPy releases the GIL inside the addition).
_ACCUMULATION_LOCK = threading.Lock()


class _LeafSink:
    """Where gradients reaching a leaf go: accumulated into ``.grad``, or captured for ``autograd.grad``."""

    def __init__(self, capture, create_graph):
        self.capture = capture          # dict id(leaf) -> gradient, or None to accumulate into .grad
        self.create_graph = create_graph
        self.handed_out = set()         # ids of arrays already stored in some .grad (they must not be shared)

    def send(self, leaf, grad):
        grad = _call_hooks(leaf._hooks, grad)
        if self.capture is not None:
            key = id(leaf)
            if key in self.capture:
                previous = self.capture[key]
                self.capture[key] = grad if previous is None else previous + grad
            return
        with _ACCUMULATION_LOCK:  # .grad is read, added to and replaced: one thread at a time, as in torch
            if self.create_graph:
                leaf.grad = grad if leaf.grad is None else leaf.grad + grad
                return
            if leaf.grad is not None:  # (np.asarray: NumPy turns the sum of two 0-d arrays into a scalar)
                leaf.grad.data = np.asarray(leaf.grad.data + grad.data)
                return
            array = grad.data
            if not array.flags.owndata or not array.flags.writeable or id(array) in self.handed_out:
                array = array.copy()  # a view or shared array would tie this .grad to other tensors
            self.handed_out.add(id(array))
            leaf.grad = _tensor_module.Tensor._wrap(array)


def _as_gradient_tensor(tensor, gradient):
    Tensor = _tensor_module.Tensor
    if gradient is None:
        if tensor.data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        return Tensor._wrap(np.ones(tensor.shape, dtype=tensor.data.dtype))
    if not isinstance(gradient, Tensor):
        gradient = Tensor(np.asarray(gradient, dtype=tensor.data.dtype))
    if gradient.shape != tensor.shape:
        raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {gradient.shape} and output[0] has "
                           f"a shape of {tensor.shape}.")
    return gradient


def run_backward(tensors, gradients, retain_graph=False, create_graph=False, inputs=None):
    """Backpropagate from ``tensors`` (seeded with ``gradients``, None meaning ones for a scalar).

    Without ``inputs``, gradients reaching leaves are accumulated into their ``.grad``. With ``inputs`` (for
    ``autograd.grad``) no ``.grad`` is touched: the gradient of each of ``inputs`` (leaf or not) is returned in
    a list, None for an input the tensors do not depend on.
    """
    capture = None if inputs is None else {id(t): None for t in inputs}
    sink = _LeafSink(capture, create_graph)
    pending = {}  # node -> the gradient of its output summed so far
    for i, (tensor, gradient) in enumerate(zip(tensors, gradients)):
        if not tensor.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        gradient = _as_gradient_tensor(tensor, gradient)
        if tensor.grad_fn is None:
            sink.handed_out.add(id(gradient.data))
            sink.send(tensor, gradient)
        else:
            node = tensor.grad_fn
            pending[node] = pending[node] + gradient if node in pending else gradient
    captured_nodes = {t.grad_fn: id(t) for t in inputs or () if t.grad_fn is not None}

    with grad_mode.set_grad_enabled(create_graph), np.errstate(all="ignore"):  # torch's backward never warns
        for node in _topological_order(list(pending)):
            gradient = pending.pop(node, None)
            if gradient is None:
                continue
            if node.freed:
                raise RuntimeError(_FREED_MESSAGE)
            gradient = _call_hooks(node.output_hooks, gradient)
            if node in captured_nodes:
                capture[captured_nodes[node]] = gradient
            input_grads = node.backward(gradient)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            for edge, needed, input_grad in zip(node.next_edges, node.needs_input_grad, input_grads):
                if not needed or input_grad is None:
                    continue
                if not isinstance(edge, Function):
                    sink.send(edge, input_grad)
                elif edge in pending:
                    pending[edge] = pending[edge] + input_grad
                else:
                    pending[edge] = input_grad
            if not retain_graph:
                node.release()
    if inputs is not None:
        return [capture[id(t)] for t in inputs]


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Return the gradients of ``outputs`` w.r.t. ``inputs`` without touching any ``.grad``, like torch's.

    ``outputs`` and ``inputs`` are Tensors or sequences of them; ``grad_outputs`` seeds the backward (None means
    ones for scalar outputs). ``retain_graph`` defaults to ``create_graph``. An input the outputs do not depend on
    raises unless ``allow_unused=True``, in which case its gradient is None.
    """
    Tensor = _tensor_module.Tensor
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single_input = isinstance(inputs, Tensor)
    inputs = [inputs] if single_input else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad requires one grad_output per output: got {len(grad_outputs)} for "
                           f"{len(outputs)} outputs")
    for i, tensor in enumerate(inputs):
        if not tensor.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require grad")
    results = run_backward(outputs, grad_outputs, create_graph=create_graph, inputs=inputs,
                           retain_graph=create_graph if retain_graph is None else retain_graph)
    for i, result in enumerate(results):
        if result is None and not allow_unused:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) appears to not have been used in the "
                               "graph. Set allow_unused=True if this is the desired behavior.")
    return tuple(results)
