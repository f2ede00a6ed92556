"""The process group and its collectives, shaped like ``torch.distributed``, over MPI (mpi4py).

Every rank runs the same program; ``init_process_group("mpi")`` joins ``MPI.COMM_WORLD``. Collectives work in place
on a tensor's memory (``all_reduce(t)`` leaves the reduced values in ``t``), like torch's. Three safety rules torch
leaves to the user are built in:

* an uncaught exception on one rank aborts the whole job (``MPI.Abort``), instead of leaving the others blocked in
  a collective forever;
* every blocking wait polls with the group's ``timeout`` and raises ``RuntimeError`` when it passes;
* the user-facing collectives first compare the tensors' shapes and dtypes across ranks (a few bytes, one
  round trip) and raise a clear error on a mismatch, where MPI would read garbage.

The examples in the docstrings here and in ``ddp`` run on two ranks (``python -m minigrad.distributed.run -n 2``),
after ``init_process_group("mpi")`` and with ``dist`` being ``minigrad.distributed``; they show rank 0's output
(``tests/test_distributed.py`` runs them so).
"""

import datetime
import importlib.util
import os
import sys
import time

import numpy as np

__all__ = [
    "ReduceOp",
    "Work",
    "ProcessGroup",
    "is_available",
    "is_initialized",
    "init_process_group",
    "destroy_process_group",
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

_NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."
_BACKENDS = ("mpi", "gloo")  # gloo is accepted for torch's CPU scripts and runs on MPI too
_ABORT_GRACE_SECONDS = 0.5  # how long a failing rank waits, after printing its traceback, before the Abort


def _mpi():
    """``mpi4py.MPI``, imported on first use (an optional dependency: ``pip install minigrad[distributed]``)."""
    try:
        from mpi4py import MPI
    except ImportError:
        raise RuntimeError(
            "minigrad.distributed needs mpi4py and an MPI runtime: pip install mpi4py mpich (or minigrad[distributed])"
        ) from None
    return MPI


class ReduceOp:
    """The reductions ``all_reduce``, ``reduce`` and ``reduce_scatter`` take (``AVG`` divides the sum).

    >>> t = minigrad.tensor([dist.get_rank() + 1.0])  # 1 on rank 0, 2 on rank 1
    >>> dist.all_reduce(t, op=dist.ReduceOp.MAX)
    >>> t
    tensor([2.])
    """

    SUM, AVG, PRODUCT, MIN, MAX = "sum", "avg", "product", "min", "max"


class Work:
    """A started non-blocking collective (``async_op=True``): ``wait()`` finishes it.

    >>> t = minigrad.ones(2)
    >>> work = dist.all_reduce(t, async_op=True)  # returns at once
    >>> work.wait()
    True
    >>> t
    tensor([2., 2.])
    """

    def __init__(self, group, request, finish=None):
        self.group, self.request, self.finish = group, request, finish

    def is_completed(self):
        return self.request is None or self.request.Test()

    def wait(self, timeout=None):
        if self.request is not None:
            self.group.wait_for(self.request, timeout)
            self.request = None
            if self.finish is not None:
                self.finish()
        return True


class ProcessGroup:
    """A communicator and the timeout its waits use.

    >>> group = dist.new_group([0, 1])
    >>> type(group).__name__, group.rank(), group.size()
    ('ProcessGroup', 0, 2)
    """

    def __init__(self, comm, timeout, backend):
        self.comm, self.timeout, self.backend = comm, timeout, backend

    def rank(self):
        return self.comm.Get_rank()

    def size(self):
        return self.comm.Get_size()

    def wait_for(self, request, timeout=None):
        """Wait for an MPI request until ``timeout`` (the group's by default) passes: spin on ``Test`` for the
        first moments (a collective on shared memory finishes in microseconds; sleeping costs ~60 µs a call), then
        poll with growing pauses."""
        limit = (timeout or self.timeout).total_seconds()
        start = time.monotonic()
        pause = 0.0
        while not request.Test():
            elapsed = time.monotonic() - start
            if elapsed > limit:
                raise RuntimeError(
                    f"a collective timed out after {limit:g} s on rank {self.rank()}: another rank "
                    "never reached it (or called a different collective)"
                )
            if elapsed > 2e-4:
                pause = min(max(pause * 2, 1e-5), 2e-4)
                time.sleep(pause)


_default = None


def _group(group):
    if group is not None:
        return group
    if _default is None:
        raise ValueError(_NOT_INITIALIZED)
    return _default


def is_available():
    """True when mpi4py can be imported (without importing it).

    >>> dist.is_available()
    True
    """
    return importlib.util.find_spec("mpi4py") is not None


def is_initialized():
    """Whether ``init_process_group`` has been called (and the group not destroyed).

    >>> dist.is_initialized()
    True
    """
    return _default is not None


def _abort_on_uncaught_exception(comm):
    """Make an exception that ends one rank end the whole job (the others would wait in a collective forever)."""
    previous = sys.excepthook

    def hook(kind, value, traceback):
        previous(kind, value, traceback)
        sys.stderr.flush()
        # let mpiexec's proxy forward the traceback first: an Abort right after the write lost it in 1 run of 3
        time.sleep(_ABORT_GRACE_SECONDS)
        comm.Abort(1)

    sys.excepthook = hook


def init_process_group(
    backend="mpi",
    init_method=None,
    timeout=None,
    world_size=-1,
    rank=-1,
    store=None,
    group_name="",
    pg_options=None,
    device_id=None,
):
    """Join the job's processes (every rank of ``mpiexec``/``python -m minigrad.distributed.run``) into the
    default group. ``backend`` is ``"mpi"`` (``"gloo"`` is accepted and runs on MPI); ``world_size`` and ``rank``,
    when given (or set as torch's ``WORLD_SIZE``/``RANK`` variables), must agree with MPI's; ``timeout`` (default
    30 minutes, as torch) bounds every wait.

    >>> dist.is_initialized()  # after init_process_group('mpi') on every rank
    True
    """
    global _default
    if _default is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    if backend not in _BACKENDS:
        raise ValueError(
            f"minigrad.distributed runs on MPI (backend 'mpi', or 'gloo' as its CPU alias); got "
            f"backend {backend!r} (nccl needs GPUs)"
        )
    comm = _mpi().COMM_WORLD
    for name, given, actual in (("world_size", world_size, comm.Get_size()), ("rank", rank, comm.Get_rank())):
        from_environment = os.environ.get(name.upper(), "")  # torchrun's WORLD_SIZE and RANK
        for value in (given, int(from_environment) if from_environment.isdigit() else -1):
            if value not in (-1, None) and value != actual:
                raise ValueError(f"{name}={value} does not match the MPI job's {name} ({actual})")
    _default = ProcessGroup(comm, timeout or datetime.timedelta(minutes=30), backend)
    _abort_on_uncaught_exception(comm)


def destroy_process_group(group=None):
    """Leave the default process group (``group=None``) and release its resources; afterwards
    ``is_initialized()`` is False.

    >>> dist.destroy_process_group(dist.new_group([0, 1]))  # a subgroup: the default one stays
    >>> dist.is_initialized()
    True
    """
    global _default
    _group(group)
    if group is None or group is _default:
        _default = None


def get_rank(group=None):
    """This process's rank in ``group`` (the default group): ``0 .. world_size - 1``.

    >>> dist.get_rank()
    0
    """
    return _group(group).rank()


def get_world_size(group=None):
    """The number of processes in ``group`` (the default group).

    >>> dist.get_world_size()
    2
    """
    return _group(group).size()


def get_backend(group=None):
    """The name of ``group``'s backend (the default group's), as given to ``init_process_group``.

    >>> dist.get_backend()
    'mpi'
    """
    return _group(group).backend


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False):
    """A group of ``ranks`` (all ranks when None); every rank must call it, as in torch. Ranks outside the group
    get None.

    >>> group = dist.new_group([0, 1])
    >>> t = minigrad.ones(1)
    >>> dist.all_reduce(t, group=group)
    >>> t
    tensor([2.])
    """
    parent = _group(None)
    ranks = list(range(parent.size())) if ranks is None else sorted(ranks)
    comm = parent.comm.Create_group(parent.comm.Get_group().Incl(ranks))
    return None if comm == _mpi().COMM_NULL else ProcessGroup(comm, timeout or parent.timeout, parent.backend)


# ----------------------------------------------------------------------------------------------- helpers
def _array(tensor, what="tensor"):
    array = tensor._data
    if not array.flags.c_contiguous:
        raise ValueError(f"{what} must be contiguous for a collective (call .contiguous())")
    return array


def _check_same(group, array, what):
    """Raise if ``array``'s shape or dtype differs across the group's ranks."""
    signature = f"{array.dtype.str}{tuple(array.shape)}"
    signatures = group.comm.allgather(signature)
    if len(set(signatures)) > 1:
        raise RuntimeError(
            f"{what}: the ranks passed tensors of different shapes or dtypes: "
            + ", ".join(f"rank {r}: {s}" for r, s in enumerate(signatures))
        )


def _op(op):
    MPI = _mpi()
    if op in (ReduceOp.SUM, ReduceOp.AVG):
        return MPI.SUM
    if op == ReduceOp.PRODUCT:
        return MPI.PROD
    if op in (ReduceOp.MIN, ReduceOp.MAX):
        return MPI.MIN if op == ReduceOp.MIN else MPI.MAX
    raise ValueError(f"unsupported reduce op {op!r}")


def _finish(group, request, async_op, finish=None):
    work = Work(group, request, finish)
    if async_op:
        return work
    work.wait()
    return None


def _averaged(array, op, group):
    if op != ReduceOp.AVG:
        return None
    if array.dtype.kind != "f":
        raise RuntimeError("ReduceOp.AVG needs a floating tensor")
    return lambda: np.divide(array, group.size(), out=array)


# --------------------------------------------------------------------------------------------- collectives
def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every rank of the group reaches this point.

    >>> dist.barrier()  # returns once every rank has called it
    >>> dist.get_world_size()
    2
    """
    group = _group(group)
    return _finish(group, group.comm.Ibarrier(), async_op)


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` across ranks, in place, on every rank.

    >>> t = minigrad.tensor([dist.get_rank() + 1.0])  # 1 on rank 0, 2 on rank 1
    >>> dist.all_reduce(t)
    >>> t
    tensor([3.])
    """
    group = _group(group)
    array = _array(tensor)
    _check_same(group, array, "all_reduce")
    return all_reduce_unchecked(array, op, group, async_op)


def all_reduce_unchecked(array, op, group, async_op):
    """``all_reduce`` on an array the caller knows matches across ranks (DistributedDataParallel's buckets)."""
    request = group.comm.Iallreduce(_mpi().IN_PLACE, array, op=_op(op))
    return _finish(group, request, async_op, _averaged(array, op, group))


def broadcast(tensor, src, group=None, async_op=False):
    """Copy ``src``'s tensor into every rank's, in place.

    >>> t = minigrad.tensor([10.0 * dist.get_rank()])
    >>> dist.broadcast(t, src=1)
    >>> t
    tensor([10.])
    """
    group = _group(group)
    array = _array(tensor)
    _check_same(group, array, "broadcast")
    return _finish(group, group.comm.Ibcast(array, root=src), async_op)


def reduce(tensor, dst, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` across ranks into ``dst``'s tensor (the others' are left as they were).

    >>> t = minigrad.tensor([dist.get_rank() + 1.0])
    >>> dist.reduce(t, dst=0)
    >>> t  # rank 1's is left as it was
    tensor([3.])
    """
    group = _group(group)
    array = _array(tensor)
    _check_same(group, array, "reduce")
    MPI = _mpi()
    send = MPI.IN_PLACE if group.rank() == dst else array
    request = group.comm.Ireduce(send, array if group.rank() == dst else None, op=_op(op), root=dst)
    finish = _averaged(array, op, group) if group.rank() == dst else None
    return _finish(group, request, async_op, finish)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Every rank's ``input_tensor`` concatenated along dim 0 into ``output_tensor``.

    >>> out = minigrad.zeros(4)
    >>> dist.all_gather_into_tensor(out, minigrad.full((2,), dist.get_rank() + 1.0))
    >>> out
    tensor([1., 1., 2., 2.])
    """
    group = _group(group)
    source, target = _array(input_tensor, "input_tensor"), _array(output_tensor, "output_tensor")
    _check_same(group, source, "all_gather_into_tensor")
    if target.size != source.size * group.size() or target.dtype != source.dtype:
        raise ValueError("output tensor size must be equal to world_size times input tensor size")
    return _finish(group, group.comm.Iallgather(source, target), async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Every rank's ``tensor`` into ``tensor_list[rank]``.

    >>> parts = [minigrad.zeros(1), minigrad.zeros(1)]
    >>> dist.all_gather(parts, minigrad.tensor([10.0 * dist.get_rank()]))
    >>> parts
    [tensor([0.]), tensor([10.])]
    """
    group = _group(group)
    source = _array(tensor)
    if len(tensor_list) != group.size():
        raise ValueError(f"tensor_list must have {group.size()} tensors, one per rank")
    _check_same(group, source, "all_gather")
    gathered = np.empty((group.size(),) + source.shape, source.dtype)

    def unpack():
        for target, part in zip(tensor_list, gathered):
            target._data[...] = part

    return _finish(group, group.comm.Iallgather(source, gathered), async_op, unpack)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):  # noqa: A002
    """Reduce ``input`` across ranks and give rank ``r`` its ``r``-th equal part along dim 0, into ``output``.

    >>> piece = minigrad.zeros(2)
    >>> dist.reduce_scatter_tensor(piece, minigrad.arange(4.0))
    >>> piece  # the first half of the sum (rank 1: the second half, [4., 6.])
    tensor([0., 2.])
    """
    group = _group(group)
    source, target = _array(input, "input"), _array(output, "output")
    _check_same(group, source, "reduce_scatter_tensor")
    if source.size != target.size * group.size():
        raise ValueError("input tensor must be world_size times the size of the output tensor")
    request = group.comm.Ireduce_scatter_block(source, target, op=_op(op))
    return _finish(group, request, async_op, _averaged(target, op, group))


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input_list`` elementwise across ranks; rank ``r`` gets the ``r``-th reduced tensor in ``output``.

    >>> out = minigrad.zeros(1)
    >>> dist.reduce_scatter(out, [minigrad.tensor([1.0]), minigrad.tensor([10.0])])
    >>> out  # the sum of every rank's first piece (rank 1 gets the second pieces': 20)
    tensor([2.])
    """
    group = _group(group)
    stacked = np.ascontiguousarray(np.stack([_array(t, "input_list") for t in input_list]))
    wrapper = type(output)._wrap(stacked)
    return reduce_scatter_tensor(output, wrapper, op, group, async_op)


def gather(tensor, gather_list=None, dst=0, group=None, async_op=False):
    """Every rank's ``tensor`` into ``dst``'s ``gather_list``.

    >>> gathered = [minigrad.zeros(1), minigrad.zeros(1)] if dist.get_rank() == 0 else None
    >>> dist.gather(minigrad.tensor([dist.get_rank() + 1.0]), gathered, dst=0)
    >>> gathered
    [tensor([1.]), tensor([2.])]
    """
    group = _group(group)
    source = _array(tensor)
    _check_same(group, source, "gather")
    is_root = group.rank() == dst
    gathered = np.empty((group.size(),) + source.shape, source.dtype) if is_root else None

    def unpack():
        for target, part in zip(gather_list or (), gathered if is_root else ()):
            target._data[...] = part

    return _finish(group, group.comm.Igather(source, gathered, root=dst), async_op, unpack)


def scatter(tensor, scatter_list=None, src=0, group=None, async_op=False):
    """``src``'s ``scatter_list[r]`` into rank ``r``'s ``tensor``.

    >>> t = minigrad.zeros(1)
    >>> pieces = [minigrad.tensor([5.0]), minigrad.tensor([6.0])] if dist.get_rank() == 0 else None
    >>> dist.scatter(t, pieces, src=0)
    >>> t  # rank 1 gets pieces[1]
    tensor([5.])
    """
    group = _group(group)
    target = _array(tensor)
    _check_same(group, target, "scatter")
    parts = np.ascontiguousarray(np.stack([t._data for t in scatter_list])) if group.rank() == src else None
    return _finish(group, group.comm.Iscatter(parts, target, root=src), async_op)


def send(tensor, dst, group=None, tag=0):
    """Send ``tensor`` to rank ``dst`` (blocking until it is received or buffered).

    >>> t = minigrad.zeros(2)
    >>> if dist.get_rank() == 1:
    ...     dist.send(minigrad.tensor([4.0, 2.0]), dst=0)
    ... else:
    ...     print(dist.recv(t, src=1), t)
    1 tensor([4., 2.])
    """
    group = _group(group)
    group.wait_for(group.comm.Isend(_array(tensor), dest=dst, tag=tag))


def recv(tensor, src=None, group=None, tag=0):
    """Receive into ``tensor`` from ``src`` (any rank when None); returns the sender's rank.

    >>> t = minigrad.zeros(2)
    >>> if dist.get_rank() == 0:
    ...     print(dist.recv(t), t)  # the sender's rank, and what it sent
    ... else:
    ...     dist.send(minigrad.tensor([4.0, 2.0]), dst=0)
    1 tensor([4., 2.])
    """
    group = _group(group)
    MPI = _mpi()
    status = MPI.Status()
    request = group.comm.Irecv(_array(tensor), source=MPI.ANY_SOURCE if src is None else src, tag=tag)
    limit = group.timeout.total_seconds()
    deadline = time.monotonic() + limit
    while not request.Test(status):
        if time.monotonic() > deadline:
            raise RuntimeError(f"recv timed out after {limit:g} s on rank {group.rank()}")
        time.sleep(1e-4)
    return status.Get_source()


def all_gather_object(object_list, obj, group=None):
    """Every rank's picklable ``obj`` into ``object_list[rank]`` (pickled: only for trusted peers, as torch).

    >>> objects = [None, None]
    >>> dist.all_gather_object(objects, {'rank': dist.get_rank()})
    >>> objects
    [{'rank': 0}, {'rank': 1}]
    """
    object_list[:] = _group(group).comm.allgather(obj)


def broadcast_object_list(object_list, src=0, group=None, device=None):
    """``src``'s ``object_list`` contents into every rank's ``object_list`` (pickled, as torch).

    >>> objects = ['config of rank 0', 42] if dist.get_rank() == 0 else [None, None]
    >>> dist.broadcast_object_list(objects, src=0)
    >>> objects
    ['config of rank 0', 42]
    """
    object_list[:] = _group(group).comm.bcast(list(object_list), root=src)
