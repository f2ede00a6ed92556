# The C layout of a graph node's fields, for Cython (see tensor.pxd): function.py stays the one source of the code.
# Keep the fields in step with ``_FunctionBase.__slots__``.

from minigrad.autograd.node cimport _Node
from minigrad.autograd.tensor cimport _TensorBase, _wrap_array


cdef class _FunctionBase(_Node):
    cdef public object inputs
    cdef public object options
    cdef public object needs_input_grad
    cdef public bint freed
    cdef public object _versions
    cdef public object _output
