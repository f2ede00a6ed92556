"""Memory: training keeps resident memory flat (graphs are freed), graphs are freed by reference counting alone
(no reference cycles for the garbage collector to find), and the compiled kernels do not leak.

Resident memory is read from /proc/self/statm (Linux; elsewhere these tests skip).
"""

import gc
import os
import weakref

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc/self/statm")

MiB = 2**20


def resident_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def mlp():
    minigrad.manual_seed(0)
    return nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 5))


def batches(count, rng):
    """A pool of (x, y) batches, cycled through (drawing new ones every step would time the RNG)."""
    return [
        (minigrad.tensor(rng.standard_normal((16, 20)).astype(np.float32)), minigrad.tensor(rng.integers(0, 5, 16)))
        for _ in range(count)
    ]


def test_training_keeps_resident_memory_flat(rng):
    """10k Adam steps of Linear-ReLU-Linear on cross_entropy: the resident size after 10k steps is within 2 MiB of
    the size after 1k (a graph kept alive per step, ~10 KB here, would add ~90 MB)."""
    model = mlp()
    optimizer = minigrad.optim.Adam(model.parameters(), lr=1e-3)
    data = batches(50, rng)
    after_warmup = None
    for step in range(1, 10_001):
        x, y = data[step % len(data)]
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        if step == 1000:
            after_warmup = resident_bytes()
    growth = resident_bytes() - after_warmup
    assert growth < 2 * MiB, f"resident memory grew by {growth / MiB:.1f} MiB from step 1k to step 10k"
    assert np.isfinite(loss.item())


@pytest.mark.parametrize("create_graph", [False, True])
def test_graphs_are_freed_without_the_garbage_collector(create_graph, rng):
    """After a training step (also a double backward) no reference cycle is left: the collector finds nothing,
    and every node of the graph died as soon as the last tensor referring to it did."""
    model = mlp()
    optimizer = minigrad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ((x, y),) = batches(1, rng)
    gc.collect()
    gc.disable()
    try:
        optimizer.zero_grad()
        out = model(x)
        loss = F.cross_entropy(out, y) + F.mse_loss(out.log_softmax(1).exp(), minigrad.zeros(16, 5))
        nodes = [weakref.ref(loss.grad_fn)]
        if create_graph:
            grads = minigrad.autograd.grad(loss, list(model.parameters()), create_graph=True)
            penalty = sum((g * g).sum() for g in grads)
            nodes.append(weakref.ref(penalty.grad_fn))
            (loss + penalty).backward()
            del grads, penalty
        else:
            loss.backward()
        optimizer.step()
        del loss
        assert all(node() is None for node in nodes), "a graph node outlived every tensor referring to it"
        assert gc.collect() == 0, "the step left reference cycles behind"
    finally:
        gc.enable()


def kernel_workloads(rng):
    """One forward + backward through each compiled kernel, sized so that a per-call leak of its scratch
    buffers would be visible over a few thousand calls."""
    logits = rng.standard_normal((64, 500)).astype(np.float32)
    classes = rng.integers(0, 500, 64)
    spatial = rng.standard_normal((4, 21, 8, 8)).astype(np.float32)
    spatial_target = rng.integers(0, 21, (4, 8, 8))
    log_probs = rng.standard_normal((50, 8, 20)).astype(np.float32)
    ctc_targets = rng.integers(1, 20, (8, 20))
    scores = rng.standard_normal((64, 100)).astype(np.float32)
    labels = np.where(rng.random((64, 100)) < 0.05, rng.integers(0, 100, (64, 100)), -1)
    anchors = [rng.standard_normal((64, 32)).astype(np.float32) for _ in range(3)]

    def leaf(array):
        return minigrad.tensor(array, requires_grad=True)

    return {
        "cross_entropy": lambda: F.cross_entropy(leaf(logits), minigrad.tensor(classes), label_smoothing=0.1),
        "cross_entropy K-dim": lambda: F.cross_entropy(leaf(spatial), minigrad.tensor(spatial_target)),
        "nll_loss": lambda: F.nll_loss(leaf(logits), minigrad.tensor(classes)),
        "log_softmax": lambda: F.log_softmax(leaf(logits), 1).sum(),
        "ctc_loss": lambda: F.ctc_loss(
            F.log_softmax(leaf(log_probs), 2), minigrad.tensor(ctc_targets), [50] * 8, [20, 15, 10, 5, 20, 1, 0, 12]
        ),
        "multi_margin_loss": lambda: F.multi_margin_loss(leaf(scores), minigrad.tensor(classes % 100), p=2),
        "multilabel_margin_loss": lambda: F.multilabel_margin_loss(leaf(scores), minigrad.tensor(labels)),
        "triplet_margin_loss": lambda: F.triplet_margin_loss(*map(leaf, anchors), swap=True),
        "binary_cross_entropy_with_logits": lambda: F.binary_cross_entropy_with_logits(
            leaf(scores), minigrad.tensor((scores > 0).astype(np.float32))
        ),
        "huber_loss": lambda: F.huber_loss(leaf(scores), minigrad.tensor(scores[::-1].copy())),
    }


@pytest.mark.parametrize("threads", [1, 2])
def test_kernels_do_not_leak(threads, rng):
    workloads = kernel_workloads(rng)
    previous = minigrad.get_num_threads()
    minigrad.set_num_threads(threads)
    try:

        def run(times):
            for _ in range(times):
                for make_loss in workloads.values():
                    make_loss().backward()

        run(100)  # warm-up: allocator pools, lazily built tables
        before = resident_bytes()
        run(1500)
        growth = resident_bytes() - before
    finally:
        minigrad.set_num_threads(previous)
    assert growth < 2 * MiB, f"resident memory grew by {growth / MiB:.1f} MiB over 1500 calls of each kernel"
