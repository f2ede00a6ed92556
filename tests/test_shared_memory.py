"""Tensors in shared memory across processes (``Tensor.share_memory_``, ``Module.share_memory``,
``minigrad.multiprocessing``): pytorch/examples' mnist_hogwild trains one shared model from spawned workers."""

import pickle

import numpy as np
import pytest

import minigrad
import minigrad.multiprocessing as mp


def _sgd_step(model, steps):
    # a worker: plain SGD on the model it was handed (pickled across the process boundary)
    optimizer = minigrad.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(steps):
        optimizer.zero_grad()
        model(minigrad.ones(1, 2)).sum().backward()
        optimizer.step()


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_workers_train_the_parents_model(method):
    model = minigrad.nn.Linear(2, 1).share_memory()
    before = model.bias.detach().numpy().copy()
    context = mp.get_context(method)
    workers = [context.Process(target=_sgd_step, args=(model, 3)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    # d(sum)/d(bias) = 1: six steps of lr 0.5 from two processes, all on the parent's memory
    np.testing.assert_allclose(model.bias.detach().numpy(), before - 3.0, rtol=1e-6)


def test_share_memory_is_idempotent_and_pickles_as_the_same_memory():
    x = minigrad.arange(6.0).view(2, 3)
    assert not x.is_shared()
    assert x.share_memory_() is x and x.is_shared() and x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    data = x._data
    x.share_memory_()
    assert x._data is data  # a second call moves nothing
    y = pickle.loads(pickle.dumps(x))
    y.add_(1)  # in this process too the unpickled tensor is the same block
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    p = minigrad.nn.Parameter(minigrad.zeros(2)).share_memory_()
    q = pickle.loads(pickle.dumps(p))
    assert isinstance(q, minigrad.nn.Parameter) and q.requires_grad and q.is_shared()
    assert minigrad.zeros(0).share_memory_().shape == (0,)


def test_module_share_memory_covers_parameters_and_buffers():
    model = minigrad.nn.Sequential(minigrad.nn.Linear(3, 2), minigrad.nn.BatchNorm1d(2))
    assert model.share_memory() is model
    assert all(t.is_shared() for t in (*model.parameters(), *model.buffers()))
    assert set(mp.__all__) >= {"Process", "Queue", "set_start_method", "get_context"}
