"""``minigrad.distributed``: data-parallel training across processes and machines on MPI, shaped like
``torch.distributed`` (``init_process_group``, the collectives, ``DistributedDataParallel``) with the launcher
``python -m minigrad.distributed.run`` in place of ``torchrun``. mpi4py and an MPI runtime (``pip install mpi4py
mpich``) are an optional extra, imported only by ``init_process_group``.
"""

from .collectives import (
    ProcessGroup,
    ReduceOp,
    Work,
    all_gather,
    all_gather_into_tensor,
    all_gather_object,
    all_reduce,
    barrier,
    broadcast,
    broadcast_object_list,
    destroy_process_group,
    gather,
    get_backend,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
    new_group,
    recv,
    reduce,
    reduce_scatter,
    reduce_scatter_tensor,
    scatter,
    send,
)
from .ddp import DistributedDataParallel

__all__ = [
    "ProcessGroup",
    "ReduceOp",
    "Work",
    "DistributedDataParallel",
    "init_process_group",
    "destroy_process_group",
    "is_available",
    "is_initialized",
    "get_rank",
    "get_world_size",
    "get_backend",
    "new_group",
    "barrier",
    "all_reduce",
    "broadcast",
    "reduce",
    "all_gather",
    "all_gather_into_tensor",
    "reduce_scatter",
    "reduce_scatter_tensor",
    "gather",
    "scatter",
    "send",
    "recv",
    "all_gather_object",
    "broadcast_object_list",
]
