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

``matmul_parts`` is one large product shared out over an OpenMP team: each thread computes its own band of C's
rows (or columns) with a one-thread GEMM. The team is the kernels' own, which stays alive between calls, where
Python threads started per product each paid a thread start and OpenBLAS's first-call buffer set-up (a
(1024, 256) by (256, 768) product took 1.76 ms on two threads against 2.43 on one).
"""
from cython cimport floating
from cython.parallel cimport prange
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


# Bands of C split at multiples of this many rows (or columns): OpenBLAS's float kernels work in blocks of 16.
cdef enum:
    BAND_ALIGN = 16


cdef inline Py_ssize_t _band(Py_ssize_t size, Py_ssize_t part, Py_ssize_t parts) noexcept nogil:
    """Where band ``part`` of ``parts`` starts along a dim of ``size`` (bands aligned to BAND_ALIGN)."""
    cdef Py_ssize_t edge = (size * part // parts + BAND_ALIGN // 2) // BAND_ALIGN * BAND_ALIGN
    return size if part == parts or edge > size else edge


cdef void _row_sums(const floating *a, Py_ssize_t lda, bint trans_a, Py_ssize_t r0, Py_ssize_t r1, Py_ssize_t k,
                    floating *sums) noexcept nogil:
    """``sums[r] = Σ_j op(a)[r, j]`` for rows ``r0:r1``, added in order of ``j`` (with ``trans_a``, a's stored
    rows one after another: NumPy's ``a.sum(0)`` bits)."""
    cdef Py_ssize_t r, j
    for r in range(r0, r1):
        sums[r] = 0
    if trans_a:
        for j in range(k):
            for r in range(r0, r1):
                sums[r] += a[j * lda + r]
    else:
        for r in range(r0, r1):
            for j in range(k):
                sums[r] += a[r * lda + j]


def matmul_parts(const floating[:, :] a, bint trans_a, const floating[:, :] b, bint trans_b, floating[:, ::1] c,
                 const floating[::1] bias=None, int num_threads=1, floating[::1] row_sums=None):
    """``c = op(a) @ op(b) (+ bias on every row)`` with the bands of ``c`` over ``num_threads`` OpenMP threads.
    ``a`` and ``b`` are given as stored, each with a contiguous last dim (``trans_a``: ``a`` holds op(a)ᵀ);
    ``c`` (m, n) C-contiguous; ``bias`` (n,) or None. The rows of ``c`` are split, or its columns when it has
    fewer rows than columns. ``row_sums`` (m,), when given, receives ``op(a).sum(1)`` from the same threads (a
    Linear's bias gradient next to its weight gradient ``gᵀ x``: no serial pass over ``g`` of its own). The
    caller checks the shapes (none empty), ``bound()``, and keeps BLAS to one thread per call
    (``_blas.single_threaded``)."""
    cdef Py_ssize_t m = c.shape[0], n = c.shape[1], k = a.shape[0] if trans_a else a.shape[1]
    cdef Py_ssize_t lda = a.strides[0] // sizeof(floating), ldb = b.strides[0] // sizeof(floating)
    cdef Py_ssize_t by_rows = m >= n, parts = num_threads, part, r0, r1, r, j
    cdef const floating *ap = &a[0, 0]
    cdef const floating *bp = &b[0, 0]
    cdef floating *cp = &c[0, 0]
    cdef const floating *biasp = NULL
    cdef floating *sums = NULL
    if bias is not None:
        biasp = &bias[0]
    if row_sums is not None:
        sums = &row_sums[0]
    if (m if by_rows else n) < 2 * BAND_ALIGN:
        parts = 1
    for part in prange(parts, nogil=True, schedule="static", num_threads=parts):
        if sums != NULL:  # each thread sums the rows of op(a) it multiplies (by rows) or an even share of them
            _row_sums(ap, lda, trans_a, _band(m, part, parts), _band(m, part + 1, parts), k, sums)
        r0 = _band(m if by_rows else n, part, parts)
        r1 = _band(m if by_rows else n, part + 1, parts)
        if r1 > r0 and by_rows:
            gemm(trans_a, trans_b, r1 - r0, n, k, 1, ap + (r0 if trans_a else r0 * lda), lda, bp, ldb, 0,
                 cp + r0 * n, n)
            if biasp != NULL:  # (after the product, while the band is in cache: NumPy's ``a @ b + bias`` bits)
                for r in range(r0, r1):
                    for j in range(n):
                        cp[r * n + j] += biasp[j]
        elif r1 > r0:
            gemm(trans_a, trans_b, m, r1 - r0, k, 1, ap, lda, bp + (r0 * ldb if trans_b else r0), ldb, 0,
                 cp + r0, n)
            if biasp != NULL:
                for r in range(m):
                    for j in range(r0, r1):
                        cp[r * n + j] += biasp[j]
