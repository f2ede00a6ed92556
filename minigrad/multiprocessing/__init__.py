"""``minigrad.multiprocessing``: torch's drop-in for the standard ``multiprocessing`` module.

Every name of ``multiprocessing`` is here (``Process``, ``Queue``, ``Pool``, ``set_start_method``, ...). What torch's
module adds is that tensors in shared memory cross process boundaries as the same memory: here that is
``Tensor.share_memory_()`` / ``Module.share_memory()`` with the pickling in ``minigrad._shared``, which works with
any start method (``spawn``, ``fork``, ``forkserver``). A tensor that was not shared is copied, as in torch.
"""

import multiprocessing
from multiprocessing import *  # noqa: F401,F403 - the standard module's names, as torch.multiprocessing re-exports

__all__ = list(multiprocessing.__all__)
