# Cython view of simd_exp.h: the vectorised row primitives, plus one inline wrapper per primitive that
# picks the float or double version from the fused type, so the kernels are written once; and the
# rule for how many threads a row-parallel kernel uses.
# Everything here is an extern declaration or an inline function: there is no module to import at run time.
from cython cimport floating

cdef extern from "simd_exp.h" nogil:
    float mg_max_f32(const float *x, Py_ssize_t n)
    double mg_max_f64(const double *x, Py_ssize_t n)
    double mg_exp_shift_sum_f32(const float *x, float shift, float *out, Py_ssize_t n)
    double mg_exp_shift_sum_f64(const double *x, double shift, double *out, Py_ssize_t n)
    void mg_sub2_f32(const float *x, float a, float b, float *out, Py_ssize_t n)
    void mg_sub2_f64(const double *x, double a, double b, double *out, Py_ssize_t n)
    void mg_scale_f32(float *x, float a, Py_ssize_t n)
    void mg_scale_f64(double *x, double a, Py_ssize_t n)
    void mg_axpb_f32(float *g, const float *w, float a, float b, Py_ssize_t n)
    void mg_axpb_f64(double *g, const double *w, double a, double b, Py_ssize_t n)
    double mg_dot_f32(const float *w, const float *x, Py_ssize_t n)
    double mg_dot_f64(const double *w, const double *x, Py_ssize_t n)
    void mg_col_max_f32(float *m, const float *x, Py_ssize_t n)
    void mg_col_max_f64(double *m, const double *x, Py_ssize_t n)
    void mg_col_exp_acc_f32(const float *x, const float *m, float *out, double *acc, Py_ssize_t n)
    void mg_col_exp_acc_f64(const double *x, const double *m, double *out, double *acc, Py_ssize_t n)
    void mg_col_dot_acc_f32(double *acc, double w, const float *x, Py_ssize_t n)
    void mg_col_dot_acc_f64(double *acc, double w, const double *x, Py_ssize_t n)
    void mg_col_scale_sub_f32(float *g, const float *a, float w, const float *b, Py_ssize_t n)
    void mg_col_scale_sub_f64(double *g, const double *a, double w, const double *b, Py_ssize_t n)


cdef inline floating row_max(const floating *x, Py_ssize_t n) noexcept nogil:
    """max of the non-nan entries of x[:n] (-inf if none)."""
    if floating is float:
        return mg_max_f32(x, n)
    else:
        return mg_max_f64(x, n)


cdef inline double row_exp_shift_sum(const floating *x, floating shift, floating *out,
                                     Py_ssize_t n) noexcept nogil:
    """out[:n] = exp(x[:n] - shift); returns their sum, accumulated in double."""
    if floating is float:
        return mg_exp_shift_sum_f32(x, shift, out, n)
    else:
        return mg_exp_shift_sum_f64(x, shift, out, n)


cdef inline void row_sub2(const floating *x, floating a, floating b, floating *out,
                          Py_ssize_t n) noexcept nogil:
    """out[:n] = (x[:n] - a) - b."""
    if floating is float:
        mg_sub2_f32(x, a, b, out, n)
    else:
        mg_sub2_f64(x, a, b, out, n)


cdef inline void row_scale(floating *x, floating a, Py_ssize_t n) noexcept nogil:
    """x[:n] *= a."""
    if floating is float:
        mg_scale_f32(x, a, n)
    else:
        mg_scale_f64(x, a, n)


cdef inline void row_axpb(floating *g, const floating *w, floating a, floating b,
                          Py_ssize_t n) noexcept nogil:
    """g[:n] = a * g[:n] - b * w[:n]; w == NULL stands for all ones."""
    if floating is float:
        mg_axpb_f32(g, w, a, b, n)
    else:
        mg_axpb_f64(g, w, a, b, n)


cdef inline double row_dot(const floating *w, const floating *x, Py_ssize_t n) noexcept nogil:
    """sum(w[:n] * x[:n]), accumulated in double; w == NULL stands for all ones."""
    if floating is float:
        return mg_dot_f32(w, x, n)
    else:
        return mg_dot_f64(w, x, n)


cdef inline void col_max(floating *m, const floating *x, Py_ssize_t n) noexcept nogil:
    """m[:n] = max(m[:n], x[:n]) elementwise."""
    if floating is float:
        mg_col_max_f32(m, x, n)
    else:
        mg_col_max_f64(m, x, n)


cdef inline void col_exp_acc(const floating *x, const floating *m, floating *out, double *acc,
                             Py_ssize_t n) noexcept nogil:
    """out[:n] = exp(x[:n] - m[:n]); acc[:n] += out[:n]."""
    if floating is float:
        mg_col_exp_acc_f32(x, m, out, acc, n)
    else:
        mg_col_exp_acc_f64(x, m, out, acc, n)


cdef inline void col_dot_acc(double *acc, double w, const floating *x, Py_ssize_t n) noexcept nogil:
    """acc[:n] += w * x[:n]."""
    if floating is float:
        mg_col_dot_acc_f32(acc, w, x, n)
    else:
        mg_col_dot_acc_f64(acc, w, x, n)


cdef inline void col_scale_sub(floating *g, const floating *a, floating w, const floating *b,
                               Py_ssize_t n) noexcept nogil:
    """g[:n] = a[:n] * g[:n] - w * b[:n]."""
    if floating is float:
        mg_col_scale_sub_f32(g, a, w, b, n)
    else:
        mg_col_scale_sub_f64(g, a, w, b, n)


# Below this many elements one thread is faster: starting a parallel region costs microseconds.
cdef enum:
    PARALLEL_MIN_ELEMENTS = 32768


cdef inline int threads_for(Py_ssize_t rows, Py_ssize_t cols, int num_threads) noexcept nogil:
    """How many threads to split `rows` rows of `cols` elements over (1 for small work)."""
    if rows < 2 or rows * cols < PARALLEL_MIN_ELEMENTS:
        return 1
    return num_threads if num_threads < rows else <int>rows


cdef inline double ordered_sum(const floating[::1] values) noexcept:
    """The sum of a kernel's loss_out, in double and in order (so it does not depend on the thread count)."""
    cdef double total = 0
    cdef Py_ssize_t i
    for i in range(values.shape[0]):
        total += values[i]
    return total
