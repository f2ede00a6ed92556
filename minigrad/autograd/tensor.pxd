# The C layout of the core's hot classes, for Cython: tensor.py is compiled with this file (pure-Python mode), and
# function.py and engine.py cimport it to read these fields as struct members. tensor.py stays the one source of
# the code; this file only declares types. Keep the fields in step with the classes' ``__slots__`` (the docstrings
# below are those slots' docstrings: tests/test_package.py checks that they agree).

from minigrad.autograd.node cimport _Node


cdef class _TensorBase:
    cdef public object _data
    cdef public object grad
    """The gradient ``backward`` accumulated into this leaf (a Tensor of its shape), None until then.

>>> w = minigrad.tensor([1.0, 2.0], requires_grad=True)
>>> print(w.grad)
None
>>> (3 * w).sum().backward()
>>> w.grad
tensor([3., 3.])"""
    cdef public bint requires_grad
    """Whether autograd records the ops applied to this tensor (set on leaves with ``requires_grad_``).

>>> w = minigrad.tensor([1.0], requires_grad=True)
>>> w.requires_grad, (w * 2).requires_grad, minigrad.zeros(1).requires_grad
(True, True, False)"""
    cdef public object grad_fn
    """The graph node (a ``Function``) that computed this tensor; None for leaves.

>>> w = minigrad.tensor([1.0], requires_grad=True)
>>> print(w.grad_fn)
None
>>> type((w * 2).grad_fn).__name__
'Mul'"""
    cdef public object _hooks
    cdef public object _version_counter
    cdef public object _base
    cdef public object _view_ops
    cdef public object _views
    cdef public object _accumulator
    cdef object __weakref__


cdef class AccumulateGrad(_Node):
    cdef public object _variable
    cdef public object post_hooks
    cdef object __weakref__

    cpdef backward_step(self, grad, create_graph)


cpdef _TensorBase _wrap_array(object array)
