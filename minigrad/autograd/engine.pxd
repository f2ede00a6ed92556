# For Cython (see tensor.pxd): the engine reads every node's next_edges and pre_hooks as C struct members.

from minigrad.autograd.node cimport _Node
