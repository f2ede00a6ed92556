"""tools/check_prange.py: a prange body that passes the address of a scalar it never assigns shares that scalar
between the threads (Cython privatises only assigned variables). The check must flag that shape, pass the fixed
ones, and find nothing in the package's kernels."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("check_prange", ROOT / "tools" / "check_prange.py")
check_prange = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_prange)

SHARED = """
def stats(const double[:, ::1] x, double[::1] out):
    cdef Py_ssize_t r
    cdef double total, squares
    for r in prange(x.shape[0], nogil=True):
        _sums(&x[r, 0], x.shape[1], &total, &squares)
        out[r] = total + squares
"""

ASSIGNED = """
def stats(const double[:, ::1] x, double[::1] out):
    cdef Py_ssize_t r
    cdef double total, squares
    for r in prange(x.shape[0], nogil=True):
        total = 0
        squares = 0
        _sums(&x[r, 0], x.shape[1], &total, &squares)
        out[r] = total + squares
"""

STRUCT_BY_VALUE = """
def stats(const double[:, ::1] x, double[::1] out):
    cdef Py_ssize_t r
    cdef Sums sums
    cdef Blocks b
    for r in prange(x.shape[0], nogil=True):
        sums = _sums(&x[r, 0], x.shape[1], &b)
        out[r] = sums.first + sums.second
"""


def _findings(tmp_path, source):
    path = tmp_path / "kernel.pyx"
    path.write_text(source)
    return check_prange.findings(path)


def test_a_shared_scalar_written_by_address_is_flagged(tmp_path):
    assert [name for _, name in _findings(tmp_path, SHARED)] == ["squares", "total"]


def test_assigned_scalars_and_structs_are_not_flagged(tmp_path):
    assert _findings(tmp_path, ASSIGNED) == []
    assert _findings(tmp_path, STRUCT_BY_VALUE) == []


def test_the_kernels_have_no_shared_scalars():
    assert check_prange.main([]) == 0
