"""minigrad._blas (single-threaded BLAS inside ``run_parts``, ``matmul``), minigrad._openmp (libgomp's spin count)
and minigrad._malloc: the helpers that keep the ops' threads from fighting over the cores."""

import os

import numpy as np
import pytest

from minigrad import _blas, _malloc, _openmp


def test_run_parts_covers_the_range_in_contiguous_parts_in_order():
    seen = []

    def work(start, stop, threads):
        seen.append(threads)
        return list(range(start, stop))

    results = _blas.run_parts(work, 10, 3)
    assert sum(results, []) == list(range(10))
    if _blas._thread_functions() is not None:  # three parts, one kernel thread each
        assert len(results) == 3 and seen == [1, 1, 1]


def test_run_parts_is_serial_with_all_threads_for_one_part():
    assert _blas.run_parts(lambda start, stop, threads: (start, stop, threads), 1, 4) == [(0, 1, 4)]
    assert _blas.run_parts(lambda start, stop, threads: (start, stop, threads), 0, 4) == [(0, 0, 4)]


def test_run_parts_reraises_a_part_error_and_restores_blas_threads():
    functions = _blas._thread_functions()
    before = functions[0]() if functions else None

    def work(start, stop, threads):
        if start > 0:
            raise ValueError("part failed")
        return start

    with pytest.raises(ValueError, match="part failed"):
        _blas.run_parts(work, 4, 2)
    if functions:
        assert functions[0]() == before


def test_single_threaded_sets_one_thread_and_restores_on_exit():
    functions = _blas._thread_functions()
    if functions is None:
        pytest.skip("NumPy's BLAS is not an OpenBLAS this process can reach")
    before = functions[0]()
    with _blas.single_threaded() as ok:
        assert ok and functions[0]() == 1
        with _blas.single_threaded():  # nested: still one, and the outer block restores
            assert functions[0]() == 1
        assert functions[0]() == 1
        np.ones((64, 64)) @ np.ones((64, 64))
    assert functions[0]() == before


def test_threads_for_small_steps_is_one_thread_with_single_threaded_blas(monkeypatch):
    functions = _blas._thread_functions()
    if functions is None:
        pytest.skip("NumPy's BLAS is not an OpenBLAS this process can reach")
    monkeypatch.setattr(_blas, "get_num_threads", lambda: 2)
    before = functions[0]()
    with _blas.threads_for(_blas.THREADED_MIN_MACS - 1) as threads:
        assert threads == 1 and functions[0]() == 1
    assert functions[0]() == before
    with _blas.threads_for(_blas.THREADED_MIN_MACS) as threads:  # big steps keep every thread, BLAS's own too
        assert threads == 2 and functions[0]() == before


def test_malloc_tuning_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("MINIGRAD_MALLOC_TUNING", "0")
    assert _malloc.tune() is False
    monkeypatch.delenv("MINIGRAD_MALLOC_TUNING")
    assert isinstance(_malloc.tune(), bool)


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [
        ((3, 4), (4, 5)),
        ((64, 400), (400, 120)),
        ((257, 300), (300, 260)),
        ((40, 300), (300, 900)),  # wider than twice its height: split by columns
        ((2, 64, 70), (70, 80)),
        ((300,), (300, 80)),
    ],
)
def test_matmul_matches_numpy_on_small_split_and_batched_products(a_shape, b_shape, monkeypatch):
    monkeypatch.setattr(_blas, "THREADED_MIN_MACS", 1 << 20)  # the 257x300x260 product is split over threads
    monkeypatch.setattr(_blas, "get_num_threads", lambda: 2)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape).astype(np.float32)
    functions = _blas._thread_functions()
    before = functions[0]() if functions else None
    np.testing.assert_allclose(_blas.matmul(a, b), np.matmul(a, b), rtol=1e-12)
    assert _blas.matmul(a, b).dtype == np.matmul(a, b).dtype
    if functions:
        assert functions[0]() == before


@pytest.mark.parametrize(
    "a_shape, b_shape", [((3, 4), (4, 5)), ((257, 300), (300, 260)), ((40, 300), (300, 900)), ((2, 64, 70), (70, 80))]
)
def test_matmul_adds_a_bias_in_every_path(a_shape, b_shape, monkeypatch):
    monkeypatch.setattr(_blas, "THREADED_MIN_MACS", 1 << 20)  # the 257x300x260 product: each row part adds its bias
    monkeypatch.setattr(_blas, "get_num_threads", lambda: 2)
    rng = np.random.default_rng(1)
    a, b, bias = rng.standard_normal(a_shape), rng.standard_normal(b_shape), rng.standard_normal(b_shape[-1])
    np.testing.assert_array_equal(_blas.matmul(a, b, bias), _blas.matmul(a, b) + bias)


@pytest.mark.parametrize("shape", [(7, 5), (700, 2000), (3, 500_000)])
def test_column_sums_match_numpy_bit_for_bit(shape, monkeypatch):
    monkeypatch.setattr(_blas, "get_num_threads", lambda: 2)  # the large ones split their columns over 2 threads
    rows = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    np.testing.assert_array_equal(_blas.column_sums(rows), rows.sum(0))
    np.testing.assert_array_equal(_blas.column_sums(rows[::2, 1:]), rows[::2, 1:].sum(0))  # any strides


def test_short_spin_sets_the_spin_count_only_while_loading_and_only_when_the_user_chose_nothing(monkeypatch):
    for name in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "MINIGRAD_THREAD_TUNING"):
        monkeypatch.delenv(name, raising=False)
    with _openmp.short_spin() as applied:
        assert applied and os.environ["GOMP_SPINCOUNT"] == _openmp.SPIN_COUNT
    assert "GOMP_SPINCOUNT" not in os.environ
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    with _openmp.short_spin() as applied:
        assert not applied and "GOMP_SPINCOUNT" not in os.environ
    monkeypatch.delenv("OMP_WAIT_POLICY")
    monkeypatch.setenv("MINIGRAD_THREAD_TUNING", "0")
    with _openmp.short_spin() as applied:
        assert not applied and "GOMP_SPINCOUNT" not in os.environ


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("g_shape, x_shape", [((300, 70), (300, 40)), ((300, 40), (300, 70)), ((5, 3), (5, 2))])
def test_product_and_sums_gives_the_weight_product_and_numpys_column_sum_bits(
    threads, dtype, g_shape, x_shape, monkeypatch
):
    monkeypatch.setattr(_blas, "THREADED_MIN_MACS", 1 << 10)  # the larger ones run in bands over the threads
    monkeypatch.setattr(_blas, "get_num_threads", lambda: threads)
    rng = np.random.default_rng(3)
    g, x = rng.standard_normal(g_shape).astype(dtype), rng.standard_normal(x_shape).astype(dtype)
    product, sums = _blas.product_and_sums(g, x)
    np.testing.assert_allclose(product, g.T @ x, rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_array_equal(sums, g.sum(0))


def test_blas_layout_copies_only_what_blas_cannot_read():
    x = np.arange(12.0).reshape(3, 4)
    assert _blas.blas_layout(x) is x
    transposed = x.T
    assert _blas.blas_layout(transposed) is transposed  # a transpose is read as stored
    broadcast = np.broadcast_to(np.float32(1), (5, 3))
    copied = _blas.blas_layout(broadcast)
    assert copied.flags.c_contiguous and np.array_equal(copied, broadcast)
