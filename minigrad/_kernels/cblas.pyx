"""NumPy's own BLAS for the kernels: ``sgemm``/``dgemm`` callable from ``nogil`` Cython code.

A kernel that runs many small matrix products inside one OpenMP region (a recurrence's time steps, a Winograd
convolution's tile blocks) cannot go back to Python for each one. minigrad links no BLAS of its own: NumPy's wheel
ships OpenBLAS, which exports the C interface under a prefixed name (``scipy_cblas_sgemm64_``: 64-bit integers).
``minigrad._blas.cblas_ready()`` finds that library among the ones the process has loaded and hands the two
function addresses to ``bind``, once; from then on ``sgemm``/``dgemm`` here call it directly.

Where no such library is found (NumPy built against Accelerate, MKL or another BLAS), nothing is bound and
``cblas_ready()`` is False: every kernel that uses this module has a NumPy path for that case. (Called unbound,
``sgemm``/``dgemm`` leave C as it is rather than jump to a null address.)

    C (m, n) = alpha · op(A) (m, k) · op(B) (k, n) + beta · C        (row-major, op = identity or transpose)
"""
from libc.stdint cimport int64_t

ctypedef void (*sgemm64_t)(int, int, int, int64_t, int64_t, int64_t, float, const float *, int64_t,
                           const float *, int64_t, float, float *, int64_t) noexcept nogil
ctypedef void (*dgemm64_t)(int, int, int, int64_t, int64_t, int64_t, double, const double *, int64_t,
                           const double *, int64_t, double, double *, int64_t) noexcept nogil
ctypedef void (*sgemm32_t)(int, int, int, int, int, int, float, const float *, int,
                           const float *, int, float, float *, int) noexcept nogil
ctypedef void (*dgemm32_t)(int, int, int, int, int, int, double, const double *, int,
                           const double *, int, double, double *, int) noexcept nogil

# The CBLAS enumeration values (CblasRowMajor, CblasNoTrans, CblasTrans).
cdef enum:
    ROW_MAJOR = 101
    NO_TRANS = 111
    TRANS = 112

cdef sgemm64_t _sgemm64 = NULL
cdef dgemm64_t _dgemm64 = NULL
cdef sgemm32_t _sgemm32 = NULL
cdef dgemm32_t _dgemm32 = NULL


def bind(size_t sgemm_address, size_t dgemm_address, bint ilp64):
    """Use the ``cblas_sgemm``/``cblas_dgemm`` at these addresses; ``ilp64``: their integers are 64-bit."""
    global _sgemm64, _dgemm64, _sgemm32, _dgemm32
    _sgemm64, _dgemm64, _sgemm32, _dgemm32 = NULL, NULL, NULL, NULL
    if ilp64:
        _sgemm64, _dgemm64 = <sgemm64_t>sgemm_address, <dgemm64_t>dgemm_address
    else:
        _sgemm32, _dgemm32 = <sgemm32_t>sgemm_address, <dgemm32_t>dgemm_address


def bound():
    """Whether ``bind`` has been given a BLAS."""
    return _sgemm64 != NULL or _sgemm32 != NULL


cdef void sgemm(bint trans_a, bint trans_b, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, float alpha,
                const float *a, Py_ssize_t lda, const float *b, Py_ssize_t ldb, float beta,
                float *c, Py_ssize_t ldc) noexcept nogil:
    cdef int ta = TRANS if trans_a else NO_TRANS
    cdef int tb = TRANS if trans_b else NO_TRANS
    if _sgemm64 != NULL:
        _sgemm64(ROW_MAJOR, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    elif _sgemm32 != NULL:
        _sgemm32(ROW_MAJOR, ta, tb, <int>m, <int>n, <int>k, alpha, a, <int>lda, b, <int>ldb, beta, c, <int>ldc)


cdef void dgemm(bint trans_a, bint trans_b, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, double alpha,
                const double *a, Py_ssize_t lda, const double *b, Py_ssize_t ldb, double beta,
                double *c, Py_ssize_t ldc) noexcept nogil:
    cdef int ta = TRANS if trans_a else NO_TRANS
    cdef int tb = TRANS if trans_b else NO_TRANS
    if _dgemm64 != NULL:
        _dgemm64(ROW_MAJOR, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    elif _dgemm32 != NULL:
        _dgemm32(ROW_MAJOR, ta, tb, <int>m, <int>n, <int>k, alpha, a, <int>lda, b, <int>ldb, beta, c, <int>ldc)


def matmul_into(floating[:, ::1] a, floating[:, ::1] b, floating[:, ::1] c, bint trans_a=False,
                bint trans_b=False, double alpha=1.0, double beta=0.0):
    """``c = alpha · op(a) @ op(b) + beta · c`` through the bound BLAS, for tests of the binding itself (the
    kernels call ``gemm`` from C). The caller checks shapes and that ``bound()``."""
    cdef Py_ssize_t m = c.shape[0], n = c.shape[1]
    cdef Py_ssize_t k = a.shape[0] if trans_a else a.shape[1]
    with nogil:
        gemm(trans_a, trans_b, m, n, k, <floating>alpha, &a[0, 0], a.shape[1], &b[0, 0], b.shape[1],
             <floating>beta, &c[0, 0], c.shape[1])
