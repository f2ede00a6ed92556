"""What runs inside a DataLoader worker process, and what it sends back.

Each worker owns an index queue: it takes ``(task_id, index)`` messages, fetches and collates the batch, and puts
``(task_id, batch)`` on the result queue shared by all workers. An exception becomes an ``ExceptionWrapper`` (its
traceback rendered as text, since tracebacks cannot be pickled) that the main process re-raises. ``None`` on the
index queue means "exit"; the worker also exits when its parent dies, so it never outlives the program.

Seeding (torch's scheme): worker ``i`` seeds minigrad's module generator and Python's ``random`` with
``base_seed + i``, and NumPy's legacy global generator from a hash of ``(i, base_seed)``; the main process draws
``base_seed`` from the loader's generator once per epoch. So random augmentation differs between workers and
epochs, and a seeded loader reproduces it.
"""

import os
import queue
import random
import sys
import traceback

import numpy as np

from ... import random as _random
from ..._threads import set_num_threads
from ._fetch import make_fetcher
from .dataset import IterableDataset

__all__ = ["WorkerInfo", "get_worker_info", "ExceptionWrapper", "worker_loop", "STATUS_CHECK_INTERVAL"]

STATUS_CHECK_INTERVAL = 5.0  # seconds between checks that the other side is still alive while waiting on a queue

_worker_info = None


class WorkerInfo:
    """Read-only facts about the current worker: ``id``, ``num_workers``, ``seed`` and its copy of ``dataset``.

    >>> minigrad.utils.data.WorkerInfo(id=0, num_workers=2, seed=1, dataset=None).num_workers
    2
    """

    def __init__(self, **facts):
        for name, value in facts.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")

    def __repr__(self):
        facts = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({facts})"


def get_worker_info():
    """In a DataLoader worker process, its ``WorkerInfo``; ``None`` in the main process.

    An ``IterableDataset`` uses it to shard its stream, and a ``worker_init_fn`` to configure the worker's copy of
    the dataset (``get_worker_info().dataset``).

    >>> print(minigrad.utils.data.get_worker_info())  # the main process
    None
    """
    return _worker_info


class _KeyErrorMessage(str):
    """KeyError shows ``repr`` of its message, which would print the traceback's newlines as ``\\n``."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process as its type and its traceback text."""

    def __init__(self, where):
        exc_type, exc, tb = sys.exc_info()
        self.exc_type = exc_type
        self.traceback_text = "".join(traceback.format_exception(exc_type, exc, tb))
        self.where = where

    def reraise(self):
        """Raise an exception of the original type whose message holds the worker's traceback."""
        message = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.traceback_text}"
        if self.exc_type is KeyError:
            message = _KeyErrorMessage(message)
        try:
            exception = self.exc_type(message)
        except Exception:  # exception types whose constructor wants other arguments
            raise RuntimeError(message) from None
        raise exception


class IterableStopped:
    """Sent by a worker whose copy of an IterableDataset is exhausted: it takes no more tasks this epoch."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


class ResumeIteration:
    """Sent to persistent workers at the start of a new epoch: restart the dataset's iteration, then echo back."""


def _seed_worker(base_seed, worker_id):
    seed = base_seed + worker_id
    _random.manual_seed(seed)
    random.seed(seed)
    np.random.seed(np.random.SeedSequence([worker_id, base_seed]).generate_state(4))
    return seed


def worker_loop(
    dataset,
    index_queue,
    result_queue,
    done_event,
    auto_collation,
    collate_fn,
    drop_last,
    base_seed,
    init_fn,
    worker_id,
    num_workers,
):
    """The body of worker process ``worker_id``: serve the index queue until told to exit or orphaned."""
    global _worker_info
    parent = os.getppid()
    try:
        set_num_threads(1)  # num_workers processes share the cores; threads inside each would oversubscribe them
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"
        init_error = fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(where)  # reported with every task: there is nothing to fetch with
        iteration_end = False
        while os.getppid() == parent:
            try:
                message = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
            except queue.Empty:
                continue
            if message is None:
                break
            if isinstance(message, ResumeIteration):
                if init_error is None:
                    fetcher = make_fetcher(dataset, auto_collation, collate_fn, drop_last)
                iteration_end = False
                result_queue.put((message, None))
                continue
            if done_event.is_set() or iteration_end:
                continue  # shutting down, or this worker's stream is over: drain without answering
            task_id, index = message
            if init_error is not None:
                batch = init_error
            else:
                try:
                    batch = fetcher.fetch(index)
                except StopIteration:
                    if not isinstance(dataset, IterableDataset):
                        batch = ExceptionWrapper(where)
                    else:
                        batch, iteration_end = IterableStopped(worker_id), True
                except Exception:
                    batch = ExceptionWrapper(where)
            result_queue.put((task_id, batch))
            del batch, index, message  # don't keep the last batch alive while waiting for the next task
    except KeyboardInterrupt:  # the main process handles Ctrl-C; the worker just goes away
        pass
    if done_event.is_set():
        # results nobody will read must not keep this process waiting at exit for its queue's feeder thread
        result_queue.cancel_join_thread()
        result_queue.close()
