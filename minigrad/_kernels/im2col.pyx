"""im2col and col2im: the sliding windows of a convolution as the columns of a matrix, and back.

Every input is seen as 3-D spatial, ``x (N, C, D, H, W)`` (a 1-D or 2-D convolution passes size-1 dims with
kernel 1), and the window geometry per spatial dim ``s`` is: kernel ``k_s``, stride ``t_s``, leading zero padding
``p_s``, dilation ``d_s``, output size ``o_s`` (the caller computes it, so asymmetric padding such as 'same' with an
even kernel needs nothing more). With ``K = k_D k_H k_W`` and ``L = o_D o_H o_W``:

    cols[(c, a, b, e), n, (z, y, x)] = x[n, c, z t_D - p_D + a d_D, y t_H - p_H + b d_H, x t_W - p_W + e d_W]

(zero where the position falls in the padding), i.e. ``cols`` is ``(C K, N, L)`` with the row index
``c K + (a k_H + b) k_W + e``. ``col2im`` is its adjoint: it adds every column entry back onto the input position
it was read from (overlapping windows accumulate), into a zeroed ``x``.

``cols`` only needs its last axis contiguous: a C-contiguous ``(C K, N, L)`` array gives the GEMM-friendly
``(C K, N L)`` matrix a convolution multiplies by its weight, and the transpose of an ``(N, C K, L)`` array gives
torch's ``unfold`` layout, both written by the same loop. Work is split over the (image, channel) pairs with
OpenMP; each pair owns its own slice of ``cols`` and (for col2im) of ``x``, so no two threads write one place.
Along the innermost (W) axis the positions that fall in the padding are computed once per row, leaving a
branch-free copy in between.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.string cimport memset

# Below this many column entries a single thread is faster than starting a team.
cdef enum:
    PARALLEL_MIN_ENTRIES = 1 << 15


cdef inline Py_ssize_t _first_inside(Py_ssize_t offset, Py_ssize_t stride, Py_ssize_t out) noexcept nogil:
    """The first output index o (clamped to [0, out]) whose input position o*stride + offset is >= 0."""
    cdef Py_ssize_t o
    if offset >= 0:
        return 0
    o = (-offset + stride - 1) // stride
    return o if o < out else out


cdef inline Py_ssize_t _end_inside(Py_ssize_t offset, Py_ssize_t stride, Py_ssize_t size,
                                   Py_ssize_t out) noexcept nogil:
    """One past the last output index o (clamped to [0, out]) whose input position o*stride + offset is < size."""
    cdef Py_ssize_t o
    if offset >= size:
        return 0
    o = (size - 1 - offset) // stride + 1
    return o if o < out else out


cdef inline int _threads(Py_ssize_t tasks, Py_ssize_t entries, int num_threads) noexcept nogil:
    if tasks < 2 or entries < PARALLEL_MIN_ENTRIES:
        return 1
    return num_threads if num_threads < tasks else <int>tasks


cdef void _im2col_channel(const floating *src, floating *dst, Py_ssize_t image_stride,
                          Py_ssize_t D, Py_ssize_t H, Py_ssize_t W, const Py_ssize_t *g) noexcept nogil:
    """The K rows of one (image, channel): ``src`` is x[n, c] (D*H*W values), ``dst`` is cols[c K, n] and the
    next row starts ``image_stride`` values further. ``g`` holds the geometry (see ``_geometry``)."""
    cdef Py_ssize_t kd = g[0], kh = g[1], kw = g[2], td = g[3], th = g[4], tw = g[5]
    cdef Py_ssize_t pd = g[6], ph = g[7], pw = g[8], dd = g[9], dh = g[10], dw = g[11]
    cdef Py_ssize_t od = g[12], oh = g[13], ow = g[14]
    cdef Py_ssize_t a, b, e, z, y, x, iz, iy, x0, lo, hi
    cdef floating *row
    cdef floating *out
    cdef const floating *line
    for a in range(kd):
        for b in range(kh):
            for e in range(kw):
                row = dst
                dst += image_stride
                x0 = e * dw - pw
                lo = _first_inside(x0, tw, ow)
                hi = _end_inside(x0, tw, W, ow)
                if hi < lo:
                    hi = lo
                for z in range(od):
                    iz = z * td - pd + a * dd
                    for y in range(oh):
                        out = row + (z * oh + y) * ow
                        iy = y * th - ph + b * dh
                        if iz < 0 or iz >= D or iy < 0 or iy >= H:
                            for x in range(ow):
                                out[x] = 0
                            continue
                        line = src + (iz * H + iy) * W + x0
                        # plain loops, not memset/memcpy: rows are short (tens of values), where a call costs
                        # more than the copy; the compiler vectorises the stride-1 loop
                        for x in range(lo):
                            out[x] = 0
                        if tw == 1:
                            for x in range(lo, hi):
                                out[x] = line[x]
                        else:
                            for x in range(lo, hi):
                                out[x] = line[x * tw]
                        for x in range(hi, ow):
                            out[x] = 0


cdef void _col2im_channel(const floating *src, floating *dst, Py_ssize_t image_stride,
                          Py_ssize_t D, Py_ssize_t H, Py_ssize_t W, const Py_ssize_t *g) noexcept nogil:
    """Add the K rows of one (image, channel) of ``cols`` (``src``, rows ``image_stride`` apart) onto x[n, c]
    (``dst``, zeroed here first): the adjoint of ``_im2col_channel``."""
    cdef Py_ssize_t kd = g[0], kh = g[1], kw = g[2], td = g[3], th = g[4], tw = g[5]
    cdef Py_ssize_t pd = g[6], ph = g[7], pw = g[8], dd = g[9], dh = g[10], dw = g[11]
    cdef Py_ssize_t od = g[12], oh = g[13], ow = g[14]
    cdef Py_ssize_t a, b, e, z, y, x, iz, iy, x0, lo, hi
    cdef const floating *row
    cdef const floating *part
    cdef floating *line
    memset(dst, 0, D * H * W * sizeof(floating))
    for a in range(kd):
        for b in range(kh):
            for e in range(kw):
                row = src
                src += image_stride
                x0 = e * dw - pw
                lo = _first_inside(x0, tw, ow)
                hi = _end_inside(x0, tw, W, ow)
                for z in range(od):
                    iz = z * td - pd + a * dd
                    if iz < 0 or iz >= D:
                        continue
                    for y in range(oh):
                        iy = y * th - ph + b * dh
                        if iy < 0 or iy >= H:
                            continue
                        part = row + (z * oh + y) * ow
                        line = dst + (iz * H + iy) * W + x0
                        if tw == 1:
                            for x in range(lo, hi):
                                line[x] += part[x]
                        else:
                            for x in range(lo, hi):
                                line[x * tw] += part[x]


cdef void _geometry(Py_ssize_t *g, tuple kernel, tuple stride, tuple padding, tuple dilation, tuple out_size):
    """Pack the per-dim (D, H, W) window parameters into ``g``: kernel, stride, padding, dilation, output size."""
    cdef int i
    for i in range(3):
        g[i] = kernel[i]
        g[3 + i] = stride[i]
        g[6 + i] = padding[i]
        g[9 + i] = dilation[i]
        g[12 + i] = out_size[i]


cdef void _check_rows(Py_ssize_t step, Py_ssize_t itemsize) except *:
    if step != itemsize:
        raise ValueError("cols must be contiguous along its last axis")


def im2col(const floating[:, :, :, :, ::1] x, floating[:, :, :] cols, tuple kernel, tuple stride,
           tuple padding, tuple dilation, tuple out_size, int num_threads):
    """Write the windows of ``x (N, C, D, H, W)`` into ``cols (C K, N, L)`` (see the module docstring).

    ``kernel``, ``stride``, ``padding`` (leading zeros), ``dilation`` and ``out_size`` are (D, H, W) triples of
    ints, with ``L = prod(out_size)``; the caller checks the shapes.
    """
    cdef Py_ssize_t g[15]
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], D = x.shape[2], H = x.shape[3], W = x.shape[4]
    cdef Py_ssize_t K, task, n, c, image_stride = cols.strides[0] // sizeof(floating)
    cdef int nt
    _check_rows(cols.strides[2] if cols.shape[2] > 1 else sizeof(floating), sizeof(floating))
    _geometry(g, kernel, stride, padding, dilation, out_size)
    K = g[0] * g[1] * g[2]
    nt = _threads(N * C, cols.shape[0] * cols.shape[1] * cols.shape[2], num_threads)
    if N * C == 0 or cols.shape[2] == 0:
        return
    for task in prange(N * C, nogil=True, num_threads=nt, schedule="static"):
        n = task // C
        c = task % C
        _im2col_channel(&x[n, c, 0, 0, 0], &cols[c * K, n, 0], image_stride, D, H, W, g)


def col2im(const floating[:, :, :] cols, floating[:, :, :, :, ::1] x, tuple kernel, tuple stride,
           tuple padding, tuple dilation, tuple out_size, int num_threads):
    """Overwrite ``x (N, C, D, H, W)`` with the sum of the window entries of ``cols (C K, N, L)`` that were read
    from each position: the adjoint of ``im2col`` (same arguments)."""
    cdef Py_ssize_t g[15]
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], D = x.shape[2], H = x.shape[3], W = x.shape[4]
    cdef Py_ssize_t K, task, n, c, image_stride = cols.strides[0] // sizeof(floating)
    cdef int nt
    _check_rows(cols.strides[2] if cols.shape[2] > 1 else sizeof(floating), sizeof(floating))
    _geometry(g, kernel, stride, padding, dilation, out_size)
    K = g[0] * g[1] * g[2]
    nt = _threads(N * C, cols.shape[0] * cols.shape[1] * cols.shape[2], num_threads)
    if N * C == 0 or D * H * W == 0:
        return
    if cols.shape[2] == 0:
        x[...] = 0
        return
    for task in prange(N * C, nogil=True, num_threads=nt, schedule="static"):
        n = task // C
        c = task % C
        _col2im_channel(&cols[c * K, n, 0], &x[n, c, 0, 0, 0], image_stride, D, H, W, g)
