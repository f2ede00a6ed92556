"""Arrays in shared memory, so tensors cross process boundaries as views of one block (torch's ``share_memory_``).

``share(array)`` copies ``array`` into a new ``multiprocessing.shared_memory`` block and returns the array over it;
``name_of(array)`` is that block's name (None for an ordinary array); ``attach(name, shape, dtype)`` is the same
array in another process. A pickled shared tensor is its block's name, shape and dtype, so a ``spawn``-ed worker
writes into the parent's memory (pytorch/examples' mnist_hogwild trains one model from several processes this way).

The creating process owns each block and unlinks it at exit; attaching processes only map it. (Workers started by
``multiprocessing`` share their parent's resource tracker, so attaching registers nothing new there.)
"""

import atexit
from multiprocessing import shared_memory

import numpy as np

__all__ = ["share", "name_of", "attach"]

# id(array over a block) -> (block, array, created here): keeps both alive, finds the name for pickling, and says
# which blocks this process unlinks at exit
_BLOCKS: dict = {}


def share(array):
    """A C-contiguous copy of ``array`` in a new shared-memory block (at least one byte, as the OS requires)."""
    block = shared_memory.SharedMemory(create=True, size=max(array.nbytes, 1))
    shared = np.ndarray(array.shape, dtype=array.dtype, buffer=block.buf)
    shared[...] = array
    _BLOCKS[id(shared)] = (block, shared, True)
    return shared


def name_of(array):
    """The shared block ``array`` spans, or None when it is an ordinary array."""
    entry = _BLOCKS.get(id(array))
    return entry[0].name if entry is not None and entry[1] is array else None


def attach(name, shape, dtype):
    """The array of shape ``shape`` over the existing block ``name`` (in a process that did not create it)."""
    block = shared_memory.SharedMemory(name=name)
    array = np.ndarray(shape, dtype=np.dtype(dtype), buffer=block.buf)
    _BLOCKS[id(array)] = (block, array, False)
    return array


@atexit.register
def _release():
    for block, _, created in list(_BLOCKS.values()):
        if created:  # the mapping itself goes with the process; only the name needs removing
            try:
                block.unlink()
            except FileNotFoundError:
                pass
    _BLOCKS.clear()
