"""One pass over a DataLoader whose batches are loaded by ``num_workers`` worker processes.

The main process hands batch indices round-robin to the workers, each through the worker's own index queue, and
keeps ``prefetch_factor * num_workers`` tasks in flight: each batch it takes out sends the next indices. Results come
back on one shared queue in whatever order the workers finish; they are buffered and yielded in the sampler's order
(``in_order=False`` yields them as they arrive). A worker's exception is re-raised here with the worker's traceback
as its message, and the pass goes on if the caller catches it.

Workers are daemonic, and they are shut down — told to exit, joined with a timeout, terminated if still alive — when
the pass ends, when the iterator is garbage-collected (an early ``break``) or at interpreter exit; with
``persistent_workers=True`` the loader keeps its iterator, and so the workers, for the next epoch. A worker that
dies without a word is noticed within ``STATUS_CHECK_INTERVAL`` seconds.
"""

import itertools
import multiprocessing
import queue
import weakref

from ._iterator import BaseIter
from ._worker import STATUS_CHECK_INTERVAL, ExceptionWrapper, IterableStopped, ResumeIteration, worker_loop

__all__ = ["MultiProcessIter"]


class MultiProcessIter(BaseIter):
    """Starts the workers and serves their batches in order; ``_reset`` starts another epoch on the same workers."""

    def __init__(self, loader):
        super().__init__(loader)
        self._num_workers = loader.num_workers
        self._prefetch_factor = loader.prefetch_factor
        self._persistent = loader.persistent_workers
        self._timeout = loader.timeout
        self._in_order = loader.in_order
        context = loader.multiprocessing_context or multiprocessing.get_context()
        self._result_queue = context.Queue()
        self._done_event = context.Event()
        self._index_queues, self._workers = [], []
        # A finalizer rather than __del__: it holds the queues and processes itself, so when the iterator dies in a
        # reference cycle (an exception's traceback) the garbage collector cannot close a queue's pipe before the
        # shutdown message goes through it. It also runs at interpreter exit.
        self._shutdown_workers = weakref.finalize(
            self, _shutdown, self._workers, self._index_queues, self._result_queue, self._done_event
        )
        for worker_id in range(self._num_workers):
            index_queue = context.Queue()
            # indices a worker never reads must not keep the main process waiting at exit
            index_queue.cancel_join_thread()
            worker = context.Process(
                target=worker_loop,
                daemon=True,
                args=(
                    self._dataset,
                    index_queue,
                    self._result_queue,
                    self._done_event,
                    self._auto_collation,
                    self._collate_fn,
                    self._drop_last,
                    self._base_seed,
                    loader.worker_init_fn,
                    worker_id,
                    self._num_workers,
                ),
            )
            worker.start()
            self._index_queues.append(index_queue)
            self._workers.append(worker)
        self._start_epoch()

    def _start_epoch(self):
        self._send_idx = 0  # id of the next task to send
        self._rcvd_idx = 0  # id of the next task to yield
        self._task_info = {}  # task id -> (worker id,) while pending, (worker id, batch) once it came early
        self._workers_active = [True] * self._num_workers  # False once a worker's IterableDataset copy is exhausted
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _reset(self, loader):
        """New epoch on persistent workers: restart their iterations, dropping the results of an unfinished one."""
        super()._reset(loader)
        for index_queue in self._index_queues:
            index_queue.put(ResumeIteration())
        pending = self._num_workers
        while pending:  # each worker answers its earlier tasks before the echo, so stale results all come first
            task_id, _ = self._get_data()
            pending -= isinstance(task_id, ResumeIteration)
        self._start_epoch()

    def _try_put_index(self):
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_cycle)
            if self._workers_active[worker_id]:
                break
        else:
            return  # every worker's stream has ended
        self._index_queues[worker_id].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_id,)
        self._send_idx += 1

    def _next_data(self):
        while True:
            # skip tasks already yielded out of order, or that a worker whose stream ended will never answer
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is not None and (len(info) == 2 or self._workers_active[info[0]]):
                    break
                self._task_info.pop(self._rcvd_idx, None)
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:
                return self._process(self._rcvd_idx, self._task_info[self._rcvd_idx][1])
            task_id, batch = self._get_data()
            if isinstance(batch, IterableStopped):
                self._workers_active[batch.worker_id] = False
                self._try_put_index()
            elif task_id == self._rcvd_idx or not self._in_order:
                return self._process(task_id, batch)
            else:
                self._task_info[task_id] += (batch,)

    def _process(self, task_id, batch):
        del self._task_info[task_id]
        if task_id == self._rcvd_idx:
            self._rcvd_idx += 1
        self._try_put_index()
        if isinstance(batch, ExceptionWrapper):
            batch.reraise()
        return batch

    def _get_data(self):
        """The next ``(task id, batch)`` from any worker; raises if it takes over ``timeout`` or a worker died."""
        if self._timeout > 0:
            try:
                return self._result_queue.get(timeout=self._timeout)
            except queue.Empty:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds") from None
        while True:
            try:
                return self._result_queue.get(timeout=STATUS_CHECK_INTERVAL)
            except queue.Empty:
                dead = [str(worker.pid) for worker in self._workers if not worker.is_alive()]
                if dead:
                    self._shutdown_workers()
                    raise RuntimeError(f"DataLoader worker (pid(s) {', '.join(dead)}) exited unexpectedly") from None


def _shutdown(workers, index_queues, result_queue, done_event):
    """Tell every worker to exit, wait a little for each, and terminate any that is still there."""
    try:
        done_event.set()
        for index_queue in index_queues:
            index_queue.put(None)
        for worker in workers:
            worker.join(timeout=STATUS_CHECK_INTERVAL)
        for index_queue in index_queues:
            index_queue.close()
        result_queue.cancel_join_thread()
        result_queue.close()
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
                worker.join()
