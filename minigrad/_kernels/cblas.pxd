# The matrix product kernels call without the GIL: NumPy's own BLAS, bound at run time (see cblas.pyx).
# Row-major, C `cblas_?gemm` semantics: C = alpha op(A) op(B) + beta C, with op(A) (m, k), op(B) (k, n), C (m, n);
# lda, ldb, ldc are the row strides in elements. Call only after `minigrad._blas.cblas_ready()` returned True.
from cython cimport floating

cdef void sgemm(bint trans_a, bint trans_b, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, float alpha,
                const float *a, Py_ssize_t lda, const float *b, Py_ssize_t ldb, float beta,
                float *c, Py_ssize_t ldc) noexcept nogil
cdef void dgemm(bint trans_a, bint trans_b, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, double alpha,
                const double *a, Py_ssize_t lda, const double *b, Py_ssize_t ldb, double beta,
                double *c, Py_ssize_t ldc) noexcept nogil


# One name for both precisions, so a kernel over `floating` is written once.
cdef inline void gemm(bint trans_a, bint trans_b, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, floating alpha,
                      const floating *a, Py_ssize_t lda, const floating *b, Py_ssize_t ldb, floating beta,
                      floating *c, Py_ssize_t ldc) noexcept nogil:
    if floating is float:
        sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    else:
        dgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
