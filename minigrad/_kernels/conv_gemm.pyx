"""A convolution's forward and gradients image by image in one call: im2col, the GEMMs and col2im of each image
on one OpenMP thread, the images shared out over the team.

With ``x (N, C, D, H, W)``, ``G`` groups of ``O / G`` filters over ``C / G`` channels, an image's columns ``cols``
(im2col.pyx's ``(C K, L)``; group ``g``'s rows are ``[g, g + 1) · C K / G``) and ``y``, ``dy`` as ``(N, O, L)``,
per image ``n`` and group ``g``:

    y[n, g]  = W[g] cols + b[g]               (O / G, L)
    dW[g]ᵀ  += cols dy[n, g]ᵀ                  (C K / G, O / G), summed over the images
    dcols[g] = W[g]ᵀ dy[n, g]                  (C K / G, L), then col2im into dx[n]

**Row slices.** A 2-D kernel with unit stride down the rows reads, for kernel row ``a``, the same input rows as
for row 0 moved down by ``a d_H``. So the caller may pass the columns of the kernel's *width only* (a ``1 × k_W``
window over every row the kernel reaches: ``(C k_W, H' o_W)`` with ``H' = o_H + d_H (k_H - 1)``) and ``S = k_H``
slices: slice ``a``'s columns are those columns from column ``a d_H o_W`` on (``shift`` apart), a plain strided
matrix, and the products above become sums over the slices of ``W_a`` (the weight's kernel row ``a``, ``(O,
C k_W / G)`` per slice, ``weight (S, O, C k_W / G)``) times them; ``dcols`` is summed into the shared columns the
same way. im2col then writes ``k_H`` times fewer values (LeNet-5's 6 -> 16 layer: 4 200 instead of 15 000 an
image) for the same multiply-adds. With ``S = 1`` and the full window it is the plain product above.

One image's columns stay in the thread's cache between the im2col that writes them and the GEMMs that read them,
where building a batch's columns first sends them through memory; and a call costs one OpenMP team instead of
Python threads and a GEMM call per chunk. The GEMMs are NumPy's OpenBLAS called without the GIL (``cblas.pxd``),
single-threaded: the caller holds ``_blas.single_threaded()`` and calls only after ``_blas.cblas_ready()``. Each
thread sums its own ``dWᵀ`` (``weight_grad_parts[t]``); the caller adds them up.
"""
from cython cimport floating
from cython.parallel cimport parallel, prange, threadid
from libc.stdlib cimport free, malloc
from libc.string cimport memset

from minigrad._kernels.cblas cimport gemm
from minigrad._kernels.im2col cimport Geometry, _geometry, image_columns, image_scratch


cdef struct Shape:
    # images, input channels, filters, groups; S slices and the columns' shift from one slice to the next;
    # rows and width of one image's columns, output positions L, values of one input plane
    Py_ssize_t images, channels, filters, groups, slices, shift, rows, width, positions, plane
    Py_ssize_t depth, per_group  # rows of a group's columns (C k / G), filters per group
    Py_ssize_t ones  # 1 when a row of ones follows the columns (the bias), else 0


cdef void _shape(Shape *s, Geometry *g, Py_ssize_t *sizes, const Py_ssize_t *weight_sizes, Py_ssize_t groups,
                 Py_ssize_t shift, Py_ssize_t positions, tuple kernel, tuple stride, tuple padding, tuple dilation,
                 tuple out_size, Py_ssize_t itemsize) except *:
    """Fill ``s`` and ``g`` (the columns' geometry; rows as wide as its output) from ``x``'s ``sizes`` and the
    weight's ``(S, O, C k / G + ones)``, and check that they agree."""
    s.images, s.channels, s.groups, s.shift, s.positions = sizes[0], sizes[1], groups, shift, positions
    s.slices, s.filters = weight_sizes[0], weight_sizes[1]
    s.width = out_size[0] * out_size[1] * out_size[2]
    _geometry(g, (sizes[2], sizes[3], sizes[4]), kernel, stride, padding, dilation, out_size, s.width * itemsize,
              itemsize, itemsize)
    s.rows = s.channels * g.taps
    s.plane = g.n[0] * g.n[1] * g.n[2]
    if groups < 1 or s.channels % groups or s.filters % groups:
        raise ValueError(f"groups={groups} must divide the {s.channels} channels and {s.filters} filters")
    s.depth, s.per_group = s.rows // groups, s.filters // groups
    s.ones = weight_sizes[2] - s.depth
    if s.ones not in (0, 1) or (s.ones and groups > 1) or (s.slices - 1) * shift + positions > s.width:
        raise ValueError("the weight's slices and the columns' geometry disagree")
    if s.slices < 1:
        raise ValueError("the weight needs a slice")


cdef floating *_scratch(const Shape *s, const Geometry *g, floating dtype) noexcept nogil:
    """One thread's columns (and their row of ones, set here) and im2col scratch (NULL when out of memory)."""
    cdef Py_ssize_t j
    cdef floating *cols = <floating *>malloc(((s.rows + s.ones) * s.width + image_scratch(g)) * sizeof(floating))
    if cols != NULL and s.ones:
        for j in range(s.width):
            cols[s.rows * s.width + j] = 1
    return cols


cdef void _forward_image(const floating *x, const floating *w, const floating *b, floating *y, floating *cols,
                         const Shape *s, const Geometry *g) noexcept nogil:
    """One image: ``y (O, L) = Σ_a W_a cols_a + b`` group by group; the bias rides in slice 0's product as a
    last weight column times the row of ones when there is one, else it is written first and the products added
    onto it (``b``)."""
    cdef Py_ssize_t a, grp, o, j, lda = s.depth + s.ones
    image_columns(<floating *>x, cols, s.channels, g, cols + (s.rows + s.ones) * s.width, False)  # (x: only read)
    if b != NULL:
        for o in range(s.filters):
            for j in range(s.positions):
                y[o * s.positions + j] = b[o]
    for a in range(s.slices):
        for grp in range(s.groups):
            gemm(False, False, s.per_group, s.positions, s.depth + (s.ones if a == 0 else 0), 1,
                 w + (a * s.filters + grp * s.per_group) * lda, lda,
                 cols + grp * s.depth * s.width + a * s.shift, s.width, 1 if b != NULL or a > 0 else 0,
                 y + grp * s.per_group * s.positions, s.positions)


cdef void _backward_image(const floating *x, const floating *w, const floating *dy, floating *dx, floating *dw,
                          floating *cols, const Shape *s, const Geometry *g) noexcept nogil:
    """One image: ``dWᵀ_a += cols_a dyᵀ`` into ``dw (S, G, C k / G + ones, O / G)`` with ``x`` (slice 0's last
    row, from the row of ones, sums the bias gradient), and ``dx`` (col2im of ``Σ_a W_aᵀ dy`` in the shifted
    columns) into ``dx`` when not NULL."""
    cdef Py_ssize_t a, grp, lda = s.depth + s.ones
    cdef floating *scratch = cols + (s.rows + s.ones) * s.width
    if x != NULL:
        image_columns(<floating *>x, cols, s.channels, g, scratch, False)  # (x is only read)
        for a in range(s.slices):
            for grp in range(s.groups):  # dWᵀ: the small side of the product last runs faster
                gemm(False, True, s.depth + (s.ones if a == 0 else 0), s.per_group, s.positions, 1,
                     cols + grp * s.depth * s.width + a * s.shift, s.width, dy + grp * s.per_group * s.positions,
                     s.positions, 1, dw + (a * s.groups + grp) * lda * s.per_group, s.per_group)
    if dx == NULL:
        return
    if s.slices > 1 or s.width > s.positions:  # the slices overlap (or leave columns unwritten): sum onto zeros
        memset(cols, 0, s.rows * s.width * sizeof(floating))
    for a in range(s.slices):
        for grp in range(s.groups):
            gemm(True, False, s.depth, s.positions, s.per_group, 1, w + (a * s.filters + grp * s.per_group) * lda,
                 lda, dy + grp * s.per_group * s.positions, s.positions, 1 if s.slices > 1 else 0,
                 cols + grp * s.depth * s.width + a * s.shift, s.width)
    image_columns(dx, cols, s.channels, g, scratch, True)


cdef int _images(const floating *xs, const floating *w, const floating *b, const floating *dys, floating *ys,
                 floating *dxs, floating *dws, const Shape *s, const Geometry *g, int threads,
                 bint adjoint) noexcept nogil:
    """Every image's forward (``adjoint``: backward) on ``threads`` threads, each with its own columns and, in
    the backward, its own part of ``dws``; NULL pointers are the arrays not there. Returns 1 when a thread had
    no memory for its columns, else 0."""
    cdef Py_ssize_t n, image = s.channels * s.plane, output = s.filters * s.positions
    cdef floating *cols = NULL
    cdef floating *dw = NULL
    cdef floating dtype = 0
    cdef int[1] failed  # (an array: shared by the threads, where a scalar assigned in the block is private)
    failed[0] = 0
    with parallel(num_threads=threads):
        cols = _scratch(s, g, dtype)
        if cols == NULL:
            failed[0] = 1
        dw = dws + threadid() * s.slices * s.filters * (s.depth + s.ones) if dws != NULL else NULL
        for n in prange(s.images, schedule="static"):
            if cols == NULL:
                continue
            if adjoint:
                _backward_image(xs + n * image if xs != NULL else NULL, w, dys + n * output,
                                dxs + n * image if dxs != NULL else NULL, dw, cols, s, g)
            else:
                _forward_image(xs + n * image, w, b, ys + n * output, cols, s, g)
        free(cols)
    return failed[0]


def forward(const floating[:, :, :, :, ::1] x, const floating[:, :, ::1] weight, const floating[::1] bias,
            floating[:, :, ::1] out, Py_ssize_t groups, Py_ssize_t shift, tuple kernel, tuple stride, tuple padding,
            tuple dilation, tuple out_size, int num_threads):
    """``out[n] = Σ_a W_a cols_a(x[n]) + b`` per group (module docstring): ``x (N, C, D, H, W)``, ``weight (S, O,
    C k / G + ones)``, ``bias (O,)`` or None, ``out (N, O, L)``; the geometry arguments (as ``im2col``'s) are the
    columns' (the full window with ``S = 1``; a row slice's otherwise), ``shift`` the columns from one slice's
    to the next's. Without groups the weight may carry one more column (``ones``), the bias in slice 0 (zeros in
    the others), multiplied by a row of ones below the columns; ``bias`` is then None."""
    cdef Geometry g
    cdef Shape s
    _shape(&s, &g, &x.shape[0], &weight.shape[0], groups, shift, out.shape[2], kernel, stride, padding, dilation,
           out_size, sizeof(floating))
    if out.shape[0] != s.images or out.shape[1] != s.filters:
        raise ValueError("out must be (N, O, L)")
    if s.images == 0 or s.positions == 0 or s.filters == 0:
        return
    cdef const floating *b = NULL
    if bias is not None:
        b = &bias[0]
    cdef int failed
    with nogil:
        failed = _images(&x[0, 0, 0, 0, 0], &weight[0, 0, 0], b, NULL, &out[0, 0, 0], NULL, NULL, &s, &g,
                         num_threads, False)
    if failed:
        raise MemoryError("conv_gemm.forward: no memory for the per-thread columns")


def backward(const floating[:, :, ::1] weight, const floating[:, :, ::1] grad, const floating[:, :, :, :, ::1] x,
             floating[:, :, :, :, ::1] grad_x, floating[:, :, :, :, ::1] weight_grad_parts, Py_ssize_t groups,
             Py_ssize_t shift, tuple kernel, tuple stride, tuple padding, tuple dilation, tuple out_size,
             int num_threads):
    """The input gradient into ``grad_x (N, C, D, H, W)`` (overwritten) and, with ``x``, the weight gradient's
    per-thread sums of ``dWᵀ`` added into ``weight_grad_parts (T, S, G, C k / G + ones, O / G)`` (``T >=
    num_threads``, zeroed by the caller; thread ``t`` adds its images' into part ``t``; with ``ones`` slice 0's
    last row is the bias gradient), for ``grad (N, O, L)``; ``x`` with
    ``weight_grad_parts``, or ``grad_x``, may be None (not needed; the weight comes first, as the argument that
    picks the dtype). Other arguments as ``forward``'s."""
    cdef Geometry g
    cdef Shape s
    cdef bint need_w = x is not None and weight_grad_parts is not None, need_x = grad_x is not None
    cdef Py_ssize_t *sizes = &grad_x.shape[0]
    if x is not None:
        sizes = &x.shape[0]
    _shape(&s, &g, sizes, &weight.shape[0], groups, shift, grad.shape[2], kernel, stride, padding, dilation,
           out_size, sizeof(floating))
    if grad.shape[0] != s.images or grad.shape[1] != s.filters:
        raise ValueError("grad must be (N, O, L)")
    if need_w and weight_grad_parts.shape[0] < num_threads:
        raise ValueError("weight_grad_parts needs a part per thread")
    if s.images == 0 or s.plane == 0 or s.filters == 0 or not (need_w or need_x):
        return
    if s.positions == 0:
        if need_x:
            grad_x[...] = 0
        return
    cdef const floating *xs = NULL
    if need_w:
        xs = &x[0, 0, 0, 0, 0]
    cdef floating *dxs = NULL if grad_x is None else &grad_x[0, 0, 0, 0, 0]
    cdef floating *dws = NULL if not need_w else &weight_grad_parts[0, 0, 0, 0, 0]
    cdef int failed
    with nogil:
        failed = _images(xs, &weight[0, 0, 0], NULL, &grad[0, 0, 0], NULL, dxs, dws, &s, &g, num_threads, True)
    if failed:
        raise MemoryError("conv_gemm.backward: no memory for the per-thread columns")
