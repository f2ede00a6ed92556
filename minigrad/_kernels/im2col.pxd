# What other kernels take from im2col.pyx: the window geometry and one image's columns, for kernels that run
# im2col and col2im image by image between their own matrix products (conv_gemm.pyx).
from cython cimport floating

cdef struct Geometry:
    # per spatial dim (D, H, W): kernel, stride, leading padding, dilation, output size, input size
    Py_ssize_t k[3]
    Py_ssize_t t[3]
    Py_ssize_t p[3]
    Py_ssize_t d[3]
    Py_ssize_t o[3]
    Py_ssize_t n[3]
    Py_ssize_t taps        # K
    Py_ssize_t row_step    # values from one row of cols to the next

cdef void _geometry(Geometry *g, tuple spatial, tuple kernel, tuple stride, tuple padding, tuple dilation,
                    tuple out_size, Py_ssize_t row_step, Py_ssize_t last_step, Py_ssize_t itemsize) except *
cdef Py_ssize_t image_scratch(const Geometry *g) noexcept nogil
cdef void image_columns(floating *planes, floating *cols, Py_ssize_t channels, const Geometry *g, floating *scratch,
                        bint adjoint) noexcept nogil
