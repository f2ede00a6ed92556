"""minigrad._blas (single-threaded BLAS inside ``run_parts``) and minigrad._malloc: the helpers the GEMM-based ops
use to split their work over minigrad's threads."""

import numpy as np
import pytest

from minigrad import _blas, _malloc


def test_run_parts_covers_the_range_in_contiguous_parts_in_order():
    seen = []

    def work(start, stop, threads):
        seen.append(threads)
        return list(range(start, stop))

    results = _blas.run_parts(work, 10, 3)
    assert sum(results, []) == list(range(10))
    if _blas._loaded_openblas() is not None:  # three parts, one kernel thread each
        assert len(results) == 3 and seen == [1, 1, 1]


def test_run_parts_is_serial_with_all_threads_for_one_part():
    assert _blas.run_parts(lambda start, stop, threads: (start, stop, threads), 1, 4) == [(0, 1, 4)]
    assert _blas.run_parts(lambda start, stop, threads: (start, stop, threads), 0, 4) == [(0, 0, 4)]


def test_run_parts_reraises_a_part_error_and_restores_blas_threads():
    functions = _blas._loaded_openblas()
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
    functions = _blas._loaded_openblas()
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


def test_malloc_tuning_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("MINIGRAD_MALLOC_TUNING", "0")
    assert _malloc.tune() is False
    monkeypatch.delenv("MINIGRAD_MALLOC_TUNING")
    assert isinstance(_malloc.tune(), bool)
