"""Run under ``mpiexec -n 2``: one case of tests/test_distributed.py per invocation (its name is argv[1]).
A case prints ``OK`` on every rank that passes; an assertion or error ends the job with a non-zero status."""

import datetime
import doctest
import importlib
import sys
import time

import numpy as np

import minigrad
import minigrad.distributed as dist
import minigrad.nn as nn
import minigrad.nn.functional as F


def collectives():
    rank, size = dist.get_rank(), dist.get_world_size()
    assert size == 2 and dist.is_initialized() and dist.get_backend() == "mpi"
    for op, expected in (
        (dist.ReduceOp.SUM, [3.0, 3.0]),
        (dist.ReduceOp.AVG, [1.5, 1.5]),
        (dist.ReduceOp.MAX, [2.0, 2.0]),
        (dist.ReduceOp.MIN, [1.0, 1.0]),
        (dist.ReduceOp.PRODUCT, [2.0, 2.0]),
    ):
        t = minigrad.full((2,), rank + 1.0)
        dist.all_reduce(t, op=op)
        assert t.tolist() == expected, (op, t)
    t = minigrad.tensor([rank * 10.0, 1.0])
    dist.broadcast(t, src=1)
    assert t.tolist() == [10.0, 1.0]
    parts = [minigrad.zeros(2) for _ in range(size)]
    dist.all_gather(parts, minigrad.full((2,), float(rank)))
    assert [p.tolist() for p in parts] == [[0.0, 0.0], [1.0, 1.0]]
    out = minigrad.zeros(4, dtype=minigrad.int64)
    dist.all_gather_into_tensor(out, minigrad.full((2,), rank + 5, dtype=minigrad.int64))
    assert out.tolist() == [5, 5, 6, 6]
    piece = minigrad.zeros(2)
    dist.reduce_scatter_tensor(piece, minigrad.arange(4.0) * (rank + 1))
    assert piece.tolist() == ([0.0, 3.0] if rank == 0 else [6.0, 9.0])
    t = minigrad.full((1,), rank + 1.0)
    dist.reduce(t, dst=0)
    assert t.tolist() == ([3.0] if rank == 0 else [2.0])
    gathered = [minigrad.zeros(1), minigrad.zeros(1)] if rank == 0 else None
    dist.gather(minigrad.full((1,), rank + 7.0), gathered, dst=0)
    assert rank == 1 or [g.item() for g in gathered] == [7.0, 8.0]
    mine = minigrad.zeros(2)
    dist.scatter(mine, [minigrad.ones(2), minigrad.full((2,), 2.0)] if rank == 0 else None, src=0)
    assert mine.tolist() == [float(rank + 1)] * 2
    if rank == 0:
        dist.send(minigrad.tensor([42.0]), dst=1)
    else:
        box = minigrad.zeros(1)
        assert dist.recv(box) == 0 and box.item() == 42.0
    work = dist.all_reduce(minigrad.ones(3), async_op=True)
    assert work.wait()
    objects = [None, None]
    dist.all_gather_object(objects, {"rank": rank})
    assert objects == [{"rank": 0}, {"rank": 1}]
    shared = ["hello" if rank == 0 else None]
    dist.broadcast_object_list(shared, src=0)
    assert shared == ["hello"]
    group = dist.new_group([0, 1])
    t = minigrad.ones(1)
    dist.all_reduce(t, group=group)
    assert t.item() == 2.0
    try:
        dist.all_reduce(minigrad.ones(2 + rank))
    except RuntimeError as error:
        assert "different shapes or dtypes" in str(error)
    else:
        raise AssertionError("a shape mismatch across ranks was not caught")
    dist.barrier()


def _model():
    minigrad.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))


def ddp(**options):
    """Two ranks on halves of each batch end with the parameters of one process on the whole batch."""
    rank = dist.get_rank()
    rng = np.random.default_rng(0)
    x, y = minigrad.tensor(rng.standard_normal((40, 6)).astype(np.float32)), minigrad.tensor(rng.integers(0, 3, 40))
    reference = _model()
    model = dist.DistributedDataParallel(_model(), bucket_cap_mb=0.0005, **options)  # several buckets
    assert len(model._buckets) > 1
    ours = minigrad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    theirs = minigrad.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    for step in range(5):
        batch = slice(step * 8, step * 8 + 8)
        shard = slice(step * 8 + rank * 4, step * 8 + rank * 4 + 4)
        ours.zero_grad(set_to_none=step % 2 == 0)  # (both: .grad from backward, and .grad zeroed in place)
        F.cross_entropy(model(x[shard]), y[shard]).backward()
        ours.step()
        theirs.zero_grad()
        F.cross_entropy(reference(x[batch]), y[batch]).backward()
        theirs.step()
    for a, b in zip(model.module.parameters(), reference.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    buffers = [bucket.buffer for bucket in model._buckets]
    as_views = [any(np.shares_memory(p.grad.numpy(), b) for b in buffers) for p in model.parameters()]
    assert all(as_views) if options.get("gradient_as_bucket_view") else not any(as_views)
    with model.no_sync():  # accumulation: local gradients only
        model.module.zero_grad()
        F.cross_entropy(model(x[:4]), y[:4]).backward()
    assert all(p.grad is not None for p in model.parameters())


def ddp_bucket_view():
    """``gradient_as_bucket_view=True``: the same parameters, and each ``.grad`` is a view of its bucket."""
    ddp(gradient_as_bucket_view=True)


def checkpoint():
    """Save on rank 0 mid-training, load on every rank, resume: the same parameters as an uninterrupted run."""
    rank, directory = dist.get_rank(), sys.argv[2]
    rng = np.random.default_rng(1)
    x, y = minigrad.tensor(rng.standard_normal((32, 6)).astype(np.float32)), minigrad.tensor(rng.integers(0, 3, 32))

    def train(model, optimizer, steps):
        for step in steps:
            shard = slice(step * 8 + rank * 4, step * 8 + rank * 4 + 4)
            optimizer.zero_grad()
            F.cross_entropy(model(x[shard]), y[shard]).backward()
            optimizer.step()

    straight = dist.DistributedDataParallel(_model())
    straight_optimizer = minigrad.optim.SGD(straight.parameters(), lr=0.1, momentum=0.9)
    train(straight, straight_optimizer, range(4))
    first = dist.DistributedDataParallel(_model())
    first_optimizer = minigrad.optim.SGD(first.parameters(), lr=0.1, momentum=0.9)
    train(first, first_optimizer, range(2))
    path = f"{directory}/checkpoint"
    if rank == 0:
        minigrad.save({"model": first.module.state_dict(), "optimizer": first_optimizer.state_dict()}, path)
    dist.barrier()
    state = minigrad.load(path)
    resumed_model = _model()
    resumed_model.load_state_dict(state["model"])
    resumed = dist.DistributedDataParallel(resumed_model)
    resumed_optimizer = minigrad.optim.SGD(resumed.parameters(), lr=0.1, momentum=0.9)
    resumed_optimizer.load_state_dict(state["optimizer"])
    train(resumed, resumed_optimizer, range(2, 4))
    for a, b in zip(resumed.module.parameters(), straight.module.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-7)


def ddp_unused():
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.used, self.unused = nn.Linear(3, 2), nn.Linear(3, 2)

        def forward(self, x):
            return self.used(x)

    model = dist.DistributedDataParallel(TwoHeads(), find_unused_parameters=True)
    for _ in range(2):
        model(minigrad.ones(2, 3) * (dist.get_rank() + 1)).sum().backward()
    assert model.module.used.weight.grad is not None


def doctests():
    """The docstring examples of minigrad.distributed, written for two ranks (pytest's doctest run leaves their
    modules out: conftest.py). Every rank runs them, so the collectives match; rank 0's output is the documented
    one, so only rank 0 reports and counts mismatches."""
    rank = dist.get_rank()
    names = dict(minigrad=minigrad, dist=dist, nn=nn, F=F, np=np)
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(verbose=False)
    for module in map(importlib.import_module, ("minigrad.distributed.collectives", "minigrad.distributed.ddp")):
        for test in finder.find(module, extraglobs=names):
            runner.run(test, out=None if rank == 0 else lambda text: None)
    failed, tried = runner.failures, runner.tries
    assert tried > 25 and (rank != 0 or failed == 0), f"{failed} of {tried} examples failed"


def fault():
    """Rank 1 raises: the whole job must end (not hang) with a non-zero status."""
    if dist.get_rank() == 1:
        raise ValueError("rank 1 fails on purpose")
    dist.all_reduce(minigrad.ones(1))  # rank 0 would wait here forever without the abort
    time.sleep(60)


def timeout():
    """Rank 1 never reaches the collective: rank 0's wait must time out, not hang."""
    if dist.get_rank() == 0:
        dist.barrier()
    time.sleep(30)


if __name__ == "__main__":
    case = sys.argv[1]
    dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=3 if case == "timeout" else 60))
    globals()[case]()
    print("OK", flush=True)
    dist.destroy_process_group()
