"""``Function``: one differentiable operation, and the node it leaves in the graph.

A subclass defines

* ``forward(self, *args)``: receives the arguments given to ``apply`` (Tensors stay Tensors, so read
  ``x.data`` for the NumPy array) and returns the result as a NumPy array. It may keep what the backward needs,
  with ``self.save_for_backward(*tensors)`` or as plain attributes.
* ``backward(self, grad)``: receives the gradient of the loss w.r.t. the output (a Tensor of the output's shape)
  and returns one gradient per positional argument of ``forward`` (a Tensor, or None where there is none).
  Backward formulas are written with Tensor operations, so when the engine runs with ``create_graph=True``
  they are recorded too and can be differentiated again.

``Function.apply(*args)`` runs ``forward`` and, when grad mode is on and some Tensor argument requires grad,
makes the result's ``grad_fn`` this node. The node remembers, per argument, where its gradient goes next
(``next_edges``): the argument's own ``grad_fn``, or the argument itself when it is a leaf that requires grad.
It does not keep its output alive, so a graph disappears as soon as the last Tensor referring to it does.
"""
import numpy as np

from .grad_mode import _state as _grad_state
from .. import _tensor as _tensor_module

__all__ = ["Function"]


class Function:
    """Base class of every differentiable operation; see the module docstring."""

    __slots__ = ("next_edges", "needs_input_grad", "freed", "output_hooks", "__dict__", "__weakref__")

    def forward(self, *args):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args):
        Tensor = _tensor_module.Tensor
        node = cls.__new__(cls)
        result = node.forward(*args)
        if type(result) is not np.ndarray:
            result = np.asarray(result)
        output = Tensor._wrap(result)
        if _grad_state.enabled:
            needs = [isinstance(a, Tensor) and a.requires_grad for a in args]
            if True in needs and result.dtype.kind in "fc":  # integer results never require grad
                node.needs_input_grad = needs
                node.next_edges = [(a.grad_fn or a) if need else None for a, need in zip(args, needs)]
                node.freed = False
                node.output_hooks = None
                output.requires_grad = True
                output.grad_fn = node
        return output

    def save_for_backward(self, *tensors):
        """Keep ``tensors`` for the backward; they are released after it unless ``retain_graph=True``."""
        self.saved = tensors

    @property
    def saved_tensors(self):
        return self.saved

    def release(self):
        """Drop everything the backward needed (called after a backward without ``retain_graph``)."""
        self.__dict__.clear()
        self.freed = True

    def name(self):
        """The node's name as torch spells it, e.g. ``MulBackward``."""
        return type(self).__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"
