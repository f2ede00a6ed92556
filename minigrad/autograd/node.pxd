# For Cython (see tensor.pxd): every graph node's fields the engine reads, as C struct members. node.py stays the
# one source of the code; keep the fields in step with ``_Node.__slots__``.

cdef class _Node:
    cdef public object next_edges
    cdef public object pre_hooks
