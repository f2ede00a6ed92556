"""``DistributedDataParallel``: data-parallel training, each rank on its share of the batch, gradients averaged.

At construction rank 0's parameters and buffers are broadcast, so every rank starts from the same model. The
parameters are grouped into buckets of about ``bucket_cap_mb`` (in reverse registration order: the order backward
produces their gradients). During backward, each parameter's post-accumulate hook marks it ready; when a bucket's
parameters are all ready, their gradients are copied into the bucket's flat buffer and a non-blocking all-reduce
starts, so communication overlaps the rest of the backward. When the last bucket has started, every all-reduce is
waited for and the averages are written back into ``.grad`` (or, with ``gradient_as_bucket_view=True``, ``.grad``
becomes a view of the bucket, which saves a copy of every gradient per step). ``no_sync()`` skips all of this (gradient
accumulation); ``find_unused_parameters=True`` marks the parameters the forward did not reach as ready (with zero
gradients) so their buckets still complete.
"""

import contextlib

import numpy as np

from ..autograd.engine import topological_order
from ..autograd.tensor import AccumulateGrad, Tensor
from ..nn.modules.module import Module
from . import collectives

__all__ = ["DistributedDataParallel"]

_DEFAULT_BUCKET_MB = 4.0  # measured here: small buckets overlap backward better than torch's 25 MB


class _Bucket:
    """Parameters whose gradients are reduced together through one flat buffer.

    ``start`` writes each gradient divided by the world size into the buffer (one pass: copy and scale) and
    starts a summing all-reduce, so the buffer ends as the average without a pass of its own (torch's reducer
    divides first too). ``finish`` hands the averages back: copied into ``.grad``, or, with
    ``gradient_as_bucket_view``, as ``.grad`` tensors that are views of the buffer (no copy back, no allocation;
    the next all-reduce overwrites them, as in torch)."""

    def __init__(self, parameters, as_view):
        self.parameters = parameters
        self.buffer = np.zeros(sum(p._data.size for p in parameters), parameters[0]._data.dtype)
        self.views = []
        offset = 0
        for p in parameters:
            self.views.append(self.buffer[offset : offset + p._data.size].reshape(p.shape))
            offset += p._data.size
        self.as_view = as_view
        self.ready = set()
        self.work = None

    def start(self, group):
        scale = self.buffer.dtype.type(1 / group.size())
        for p, view in zip(self.parameters, self.views):
            if p.grad is None:
                view.fill(0)
            elif p.grad._data is view:  # accumulated in place into last step's bucket view
                view *= scale
            else:
                np.multiply(p.grad._data, scale, out=view)
        self.work = collectives.all_reduce_unchecked(self.buffer, collectives.ReduceOp.SUM, group, async_op=True)

    def finish(self):
        self.work.wait()
        self.work = None
        for p, view in zip(self.parameters, self.views):
            if self.as_view:
                if p.grad is None or p.grad._data is not view:
                    p.grad = Tensor._wrap(view)
            elif p.grad is None:
                p.grad = Tensor._wrap(view.copy())
            else:
                p.grad._data[...] = view
        self.ready.clear()


class DistributedDataParallel(Module):
    """Wraps ``module``; its ``forward`` is ``module``'s, and its backward averages gradients across ranks.

    >>> _ = minigrad.manual_seed(dist.get_rank())  # other initial weights on each rank...
    >>> model = dist.DistributedDataParallel(nn.Linear(2, 1))  # ...rank 0's are broadcast
    >>> model(minigrad.ones(1, 2) * (dist.get_rank() + 1)).sum().backward()
    >>> model.module.weight.grad  # the average of the ranks' gradients [[1, 1]] and [[2, 2]]
    tensor([[1.5000, 1.5000]])
    """

    def __init__(
        self,
        module,
        device_ids=None,
        output_device=None,
        dim=0,
        broadcast_buffers=True,
        process_group=None,
        bucket_cap_mb=None,
        find_unused_parameters=False,
        check_reduction=False,
        gradient_as_bucket_view=False,
        static_graph=False,
    ):
        super().__init__()
        self.module = module
        self.process_group = collectives._group(process_group)
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        for tensor in list(module.parameters()) + list(module.buffers()):
            collectives.broadcast(tensor, 0, self.process_group)
        parameters = [p for p in module.parameters() if p.requires_grad]
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self._buckets = self._make_buckets(parameters[::-1], (bucket_cap_mb or _DEFAULT_BUCKET_MB) * 2**20)
        self._bucket_of = {id(p): bucket for bucket in self._buckets for p in bucket.parameters}
        self._started = 0
        self._expecting = False
        for p in parameters:
            p.register_post_accumulate_grad_hook(self._on_gradient)

    def _make_buckets(self, parameters, capacity):
        buckets, current, size = [], [], 0
        for p in parameters:
            if current and (size + p._data.nbytes > capacity or p._data.dtype != current[0]._data.dtype):
                buckets.append(_Bucket(current, self.gradient_as_bucket_view))
                current, size = [], 0
            current.append(p)
            size += p._data.nbytes
        return buckets + ([_Bucket(current, self.gradient_as_bucket_view)] if current else [])

    def forward(self, *inputs, **kwargs):
        if self._expecting and self._started:
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one. "
                "This error indicates that your module has parameters that were not used in producing "
                "loss. You can enable unused parameter detection by passing the keyword argument "
                "`find_unused_parameters=True` to `torch.nn.parallel.DistributedDataParallel`."
            )
        output = self.module(*inputs, **kwargs)
        self._expecting = self.require_backward_grad_sync
        if self._expecting and self.find_unused_parameters:
            self._mark_unused(output)
        return output

    def _mark_unused(self, output):
        """Mark the parameters the graph of ``output`` does not reach as ready now."""
        outputs = output if isinstance(output, (tuple, list)) else (output,)
        roots = [t.grad_fn for t in outputs if isinstance(t, Tensor) and t.grad_fn is not None]
        reached = {id(node.variable) for node in topological_order(roots) if isinstance(node, AccumulateGrad)}
        for bucket in self._buckets:
            for p in bucket.parameters:
                if id(p) not in reached:
                    self._mark_ready(p)

    def _on_gradient(self, parameter):
        if self._expecting:
            self._mark_ready(parameter)

    def _mark_ready(self, parameter):
        for started in self._buckets[: self._started]:  # MPI advances a non-blocking collective only inside MPI
            if started.work is not None:  # calls: poke the running ones while backward goes on
                started.work.is_completed()
        bucket = self._bucket_of[id(parameter)]
        bucket.ready.add(id(parameter))
        if len(bucket.ready) == len(bucket.parameters):
            bucket.start(self.process_group)
            self._started += 1
            if self._started == len(self._buckets):
                for each in self._buckets:
                    each.finish()
                self._started = 0
                self._expecting = False

    @contextlib.contextmanager
    def no_sync(self):
        """Inside this block, backward only accumulates local gradients (for gradient accumulation)."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous
