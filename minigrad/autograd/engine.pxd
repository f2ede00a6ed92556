# For Cython (see tensor.pxd): the engine reads every node's next_edges and pre_hooks as C struct members, and run
# calls its two helpers as C functions (a Python-level call of a module function costs ~0.5k instructions).

from minigrad.autograd.node cimport _Node

cpdef list topological_order(roots)
cdef _visit(list order, dict pending, needed, capture, retain_graph, create_graph)
