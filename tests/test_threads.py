"""Threads: the kernels release the GIL, give bit-identical results when called from several Python threads at
once, and the autograd state that threads share (grad mode, gradients of shared parameters) stays correct.
"""

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F


def workloads(rng):
    """Kernel-backed losses, forward and backward, sized so that calls overlap and some split across threads."""
    logits = rng.standard_normal((256, 300)).astype(np.float32)
    classes = rng.integers(0, 300, 256)
    spatial = rng.standard_normal((4, 21, 16, 16)).astype(np.float32)
    spatial_target = rng.integers(0, 21, (4, 16, 16))
    log_probs = rng.standard_normal((80, 16, 20)).astype(np.float32)
    ctc_targets = rng.integers(1, 20, (16, 25))
    ctc_lengths = rng.integers(0, 26, 16)
    scores = rng.standard_normal((256, 100)).astype(np.float64)
    labels = np.where(rng.random((256, 100)) < 0.05, rng.integers(0, 100, (256, 100)), -1)
    triplet = [rng.standard_normal((512, 64)).astype(np.float32) for _ in range(3)]
    pairs = [rng.standard_normal(20000).astype(np.float32) for _ in range(2)]
    return {
        "ctc_loss": (
            lambda lp: F.ctc_loss(
                F.log_softmax(lp, 2),
                minigrad.tensor(ctc_targets),
                [80] * 16,
                minigrad.tensor(ctc_lengths),
                reduction="sum",
            ),
            log_probs,
        ),
        "cross_entropy": (lambda x: F.cross_entropy(x, minigrad.tensor(classes), label_smoothing=0.05), logits),
        "cross_entropy K-dim": (lambda x: F.cross_entropy(x, minigrad.tensor(spatial_target)), spatial),
        "nll_loss": (lambda x: F.nll_loss(F.log_softmax(x, 1), minigrad.tensor(classes)), logits),
        "multi_margin_loss": (lambda x: F.multi_margin_loss(x, minigrad.tensor(classes % 100), p=2), scores),
        "multilabel_margin_loss": (lambda x: F.multilabel_margin_loss(x, minigrad.tensor(labels)), scores),
        "triplet_margin_loss": (
            lambda a: F.triplet_margin_loss(a, minigrad.tensor(triplet[1]), minigrad.tensor(triplet[2]), swap=True),
            triplet[0],
        ),
        "margin_ranking_loss": (
            lambda x: F.margin_ranking_loss(x, minigrad.tensor(pairs[1]), minigrad.tensor(np.sign(pairs[1]))),
            pairs[0],
        ),
        "binary_cross_entropy_with_logits": (
            lambda x: F.binary_cross_entropy_with_logits(x, minigrad.tensor((pairs[1] > 0).astype(np.float32))),
            pairs[0],
        ),
        "huber_loss": (lambda x: F.huber_loss(x, minigrad.tensor(pairs[1])), pairs[0]),
    }


def run(workload):
    """(loss bytes, gradient bytes) of one forward + backward."""
    make_loss, data = workload
    x = minigrad.tensor(data, requires_grad=True)
    loss = make_loss(x)
    loss.backward()
    return loss._data.tobytes(), x.grad._data.tobytes()


@pytest.mark.parametrize("kernel_threads", [1, 2])
def test_concurrent_calls_match_serial_bit_for_bit(kernel_threads, rng):
    cases = workloads(rng)
    previous = minigrad.get_num_threads()
    minigrad.set_num_threads(kernel_threads)
    try:
        expected = {name: run(workload) for name, workload in cases.items()}
        jobs = [name for _ in range(20) for name in cases]  # every workload next to every other, repeatedly
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda name: (name, run(cases[name])), jobs))
    finally:
        minigrad.set_num_threads(previous)
    for name, (loss, grad) in results:
        assert loss == expected[name][0], f"{name}: a concurrent call's loss differs from the serial one"
        assert grad == expected[name][1], f"{name}: a concurrent call's gradient differs from the serial one"


def kernel_calls(rng):
    """Direct calls of each kernel entry point (about a millisecond or more each, on one thread), with inputs
    prepared in advance so that nothing but the kernel runs during the call."""
    from minigrad._kernels import cross_entropy, ctc, elementwise_losses, margin, softmax

    T, N, C, S = 600, 64, 30, 60
    log_probs = np.log(rng.dirichlet(np.ones(C), (T, N))).astype(np.float32)
    targets = rng.integers(1, C, N * S)
    lengths = np.full(N, S, dtype=np.int64)
    x = rng.standard_normal((2048, 1000)).astype(np.float32)
    target = rng.integers(0, 1000, 2048)
    losses, grad = np.empty(2048, np.float32), np.empty_like(x)
    nll, ctc_grad = np.empty(N, np.float32), np.empty_like(log_probs)
    flat = x.reshape(-1)
    return {
        "ctc": lambda: ctc.ctc_loss(
            log_probs,
            targets,
            np.arange(N, dtype=np.int64) * S,
            np.full(N, T, dtype=np.int64),
            lengths,
            0,
            False,
            np.ones(N),
            nll,
            ctc_grad,
            1,
        ),
        "cross_entropy": lambda: cross_entropy.cross_entropy_index(
            x, target, None, -100, 0.1, 1 / 2048, losses, grad, 1
        ),
        "multi_margin": lambda: margin.multi_margin(x, target, np.ones(1000, np.float32), 2, 1.0, 1.0, losses, grad, 1),
        "log_softmax": lambda: softmax.log_softmax_rows(x, grad, 1),
        "mse": lambda: elementwise_losses.mse(flat, flat[::-1].copy(), 1.0, None, grad.reshape(-1), 1),
    }


@pytest.mark.parametrize("name", ["ctc", "cross_entropy", "multi_margin", "log_softmax", "mse"])
def test_kernels_release_the_gil(name, rng):
    """With a 10 s switch interval the interpreter never takes the GIL from the calling thread: another thread
    runs Python code during the call only if the kernel itself releases the GIL."""
    call = kernel_calls(rng)[name]
    call()  # warm-up
    count, stop = [0], threading.Event()

    def spin():
        while not stop.is_set():
            count[0] += 1
            time.sleep(0)  # lets the caller have the GIL back at once when the kernel returns

    interval = sys.getswitchinterval()
    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        while count[0] == 0:  # the spinner is running
            pass
        sys.setswitchinterval(10.0)
        ran = 0
        for _ in range(200):  # until the OS has given the spinner a core during one of the calls
            before = count[0]
            call()
            ran += count[0] - before
            if ran:
                break
    finally:
        sys.setswitchinterval(interval)
        stop.set()
        spinner.join()
    assert ran > 0, f"no other Python thread ran while the {name} kernel ran: it holds the GIL"


def test_grad_mode_is_per_thread(rng):
    """A no_grad block in one thread (evaluation) does not stop another thread's training from recording."""
    model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 3))
    x = minigrad.tensor(rng.standard_normal((32, 8)).astype(np.float32))
    y = minigrad.tensor(rng.integers(0, 3, 32))
    stop = threading.Event()

    def evaluate():
        while not stop.is_set():
            with minigrad.no_grad():
                assert not model(x).requires_grad

    evaluator = threading.Thread(target=evaluate)
    evaluator.start()
    try:
        for _ in range(300):
            loss = F.cross_entropy(model(x), y)
            assert loss.requires_grad
            loss.backward()
    finally:
        stop.set()
        evaluator.join()
    assert all(p.grad is not None and np.isfinite(p.grad._data).all() for p in model.parameters())


def test_concurrent_backward_into_shared_parameters_loses_nothing(rng):
    """Four threads back-propagating into the same parameters (Hogwild style): every contribution arrives."""
    weight = minigrad.tensor(rng.standard_normal((400, 300)), requires_grad=True)
    x = minigrad.tensor(rng.standard_normal((8, 400)))

    def step(_):
        (x @ weight).tanh().sum().backward()

    step(None)
    single = weight.grad._data.copy()
    weight.grad = None
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(step, range(200)))
    np.testing.assert_allclose(weight.grad._data, 200 * single, rtol=1e-12)
