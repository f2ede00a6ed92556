"""Winograd F(m×m, 3×3) convolution (m = 2 or 4): 3×3 stride-1 correlations with (m + 2)² multiplies per m×m
outputs instead of 9 m² (16 instead of 36, or 36 instead of 144).

(Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2015.) The output is cut into m×m tiles; tile
``t`` of image ``n`` reads the (m + 2)² input patch ``d`` starting ``pad`` before its first output. For m = 2

    Bᵀ = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]    Aᵀ = [[1, 1, 1, 0], [0, 1, -1, -1]]
    G  = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]

(m = 4: winograd4_tiles.h), one tile's output is ``Y = Aᵀ [(G w Gᵀ) ⊙ (Bᵀ d B)] A``. Summed over input
channels, each of the (m + 2)² entries ``e = (ξ, ν)`` of the transformed tiles is a matrix product over all tiles
at once:

    V[e, c, t] = (Bᵀ d[n, c] B)[e]              input transform (``_input``)
    M[e, k, t] = Σ_c U[e, k, c] V[e, c, t]      (m + 2)² GEMMs, K×C by C×T (U = G w Gᵀ, transformed by the caller)
    y[n, k, tile t] = (Aᵀ M[:, k, t] A) + b[k]  output transform (``_output``), clipped at the edges

The weight gradient runs the same tiles backwards: ``dM[e, k, t] = (A g Aᵀ)[e]`` from the m×m output gradient
of each tile (``_gradient``), ``dU[e] += dM[e] V[e]ᵀ`` (K×T by T×C), and the caller maps ``dU`` back with
``dw = Gᵀ dU G``. The input gradient is itself a 3×3 stride-1 correlation (of the output gradient with the
flipped, transposed kernel, ``pad = 2 - p``), so it is ``correlate`` again.

Tiles are walked in ``blocks`` blocks of consecutive tile rows (over images and tile rows: whole images, or equal
parts of one, see ``_first_row``) so that a block's ``V`` and ``M`` (``(m + 2)² (C + K)`` numbers a tile, in the
caller's ``scratch`` row of the thread) stay in cache from transform to GEMM to inverse transform; the blocks are
split over OpenMP threads, each calling single-threaded BLAS (the caller holds ``_blas.single_threaded()``); the
convolution's two gradients go through each block in one pass (``backward``). The GEMMs go through ``cblas``;
the transforms are C (winograd_dispatch.h picks the tile's); the arithmetic of one tile is spelled out in NumPy in
``tests/reference/winograd.py``.
"""
from cython cimport floating
from cython.parallel cimport parallel, prange, threadid

from minigrad._kernels.cblas cimport gemm


cdef extern from "winograd_dispatch.h" nogil:
    Py_ssize_t mgwd_work_size(int tile, Py_ssize_t rows, Py_ssize_t tiles_w)
    void mgwd_input_rows_f32(int tile, const float *x, Py_ssize_t channels, Py_ssize_t height, Py_ssize_t width,
                             Py_ssize_t tiles_h, Py_ssize_t tiles_w, Py_ssize_t pad_h, Py_ssize_t pad_w,
                             Py_ssize_t first_row, Py_ssize_t rows, Py_ssize_t stride, float *v, float *work)
    void mgwd_input_rows_f64(int tile, const double *x, Py_ssize_t channels, Py_ssize_t height, Py_ssize_t width,
                             Py_ssize_t tiles_h, Py_ssize_t tiles_w, Py_ssize_t pad_h, Py_ssize_t pad_w,
                             Py_ssize_t first_row, Py_ssize_t rows, Py_ssize_t stride, double *v, double *work)
    void mgwd_output_rows_f32(int tile, const float *m, Py_ssize_t kernels, Py_ssize_t out_h, Py_ssize_t out_w,
                              Py_ssize_t tiles_h, Py_ssize_t tiles_w, Py_ssize_t first_row, Py_ssize_t rows,
                              Py_ssize_t stride, const float *shift, float *y, float *work)
    void mgwd_output_rows_f64(int tile, const double *m, Py_ssize_t kernels, Py_ssize_t out_h, Py_ssize_t out_w,
                              Py_ssize_t tiles_h, Py_ssize_t tiles_w, Py_ssize_t first_row, Py_ssize_t rows,
                              Py_ssize_t stride, const double *shift, double *y, double *work)
    void mgwd_gradient_rows_f32(int tile, const float *g, Py_ssize_t kernels, Py_ssize_t out_h, Py_ssize_t out_w,
                                Py_ssize_t tiles_h, Py_ssize_t tiles_w, Py_ssize_t first_row, Py_ssize_t rows,
                                Py_ssize_t stride, float *dm, float *work)
    void mgwd_gradient_rows_f64(int tile, const double *g, Py_ssize_t kernels, Py_ssize_t out_h, Py_ssize_t out_w,
                                Py_ssize_t tiles_h, Py_ssize_t tiles_w, Py_ssize_t first_row, Py_ssize_t rows,
                                Py_ssize_t stride, double *dm, double *work)


cdef inline Py_ssize_t _padded(Py_ssize_t size) noexcept nogil:
    """The distance between the matrices of a block: ``size`` plus 16 numbers, so that the streams a tile
    transform reads or writes do not fall on one L1 set (a power-of-two distance made the block 2.5x slower)."""
    return size + 16


cdef struct Blocks:
    # a call's walk for tiles of `tile` x `tile` outputs (2 or 4) over `images` images of `tiles_h` tile rows:
    # `blocks` blocks of at most `rows` tile rows, each row of `columns` tiles (F(2x2) keeps a spare one, see
    # winograd_tiles.h), so at most `count` tiles a block; the `entries` matrices of a block's V and M lie
    # `v_stride` and `m_stride` apart
    Py_ssize_t tile, entries, images, tiles_h, tiles_w, columns, rows, blocks, count, v_stride, m_stride


cdef inline Blocks _blocks(Py_ssize_t tile, Py_ssize_t images, Py_ssize_t channels, Py_ssize_t kernels,
                           Py_ssize_t out_h, Py_ssize_t out_w, Py_ssize_t blocks) noexcept nogil:
    cdef Blocks b
    b.tile, b.entries, b.images, b.blocks = tile, (tile + 2) * (tile + 2), images, blocks
    b.tiles_h, b.tiles_w = (out_h + tile - 1) // tile, (out_w + tile - 1) // tile
    _lay_out(&b, block_rows(images, b.tiles_h, blocks), channels, kernels)
    return b


cdef inline void _lay_out(Blocks *b, Py_ssize_t rows, Py_ssize_t channels, Py_ssize_t kernels) noexcept nogil:
    """A block's scratch for at most ``rows`` tile rows of ``b.tiles_w`` tiles of ``b.tile``."""
    b.rows, b.columns = rows, b.tiles_w + 1 if b.tile == 2 else b.tiles_w
    b.count = rows * b.columns
    b.v_stride, b.m_stride = _padded(channels * b.count), _padded(kernels * b.count)


cpdef bint fits(Py_ssize_t images, Py_ssize_t tiles_h, Py_ssize_t blocks) noexcept nogil:
    """Whether ``blocks`` blocks can cut ``images`` images of ``tiles_h`` tile rows along image boundaries: whole
    images in each (at most ``images`` blocks), or each image in as many parts of at least a row (a multiple of
    ``images``, at most ``tiles_h`` parts)."""
    if blocks <= 0 or images <= 0 or tiles_h <= 0:
        return False
    return blocks <= images or (blocks % images == 0 and blocks // images <= tiles_h)


cpdef Py_ssize_t block_rows(Py_ssize_t images, Py_ssize_t tiles_h, Py_ssize_t blocks) noexcept nogil:
    """The most tile rows a block has when ``blocks`` blocks cut ``images`` images of ``tiles_h`` tile rows (as
    ``fits`` allows; 0 where it allows nothing)."""
    if not fits(images, tiles_h, blocks):
        return 0
    if blocks <= images:
        return (images + blocks - 1) // blocks * tiles_h
    return (tiles_h * images + blocks - 1) // blocks


cdef inline Py_ssize_t _first_row(const Blocks *b, Py_ssize_t i) noexcept nogil:
    """Block ``i``'s first tile row. Blocks hold whole images (``⌊i N / blocks⌋`` on, so their sizes differ by an
    image at most) or equal parts of one: a block that starts or ends within an image made the issue-14 layer's
    passes 5-10% slower than one image a block, and blocks of one size keep threads that take equally many at
    equal work."""
    cdef Py_ssize_t parts
    if b.blocks <= b.images:
        return i * b.images // b.blocks * b.tiles_h
    parts = b.blocks // b.images
    return i // parts * b.tiles_h + i % parts * b.tiles_h // parts


cdef int _check(const Blocks *b) except -1:
    """ValueError unless the walk's blocks follow its images (``fits``), before any work."""
    if not fits(b.images, b.tiles_h, b.blocks):
        raise ValueError(f"winograd: {b.blocks} blocks do not cut {b.images} images of {b.tiles_h} tile rows")
    return 0


def scratch_size(Py_ssize_t tile, Py_ssize_t channels, Py_ssize_t kernels, Py_ssize_t rows, Py_ssize_t tiles_w):
    """Numbers of scratch one thread needs for F(tile×tile, 3×3) (``tile`` 2 or 4) in blocks of at most ``rows``
    tile rows (``block_rows``) of ``tiles_w`` tiles: the block's ``V`` and ``M`` and the transforms' work rows (see
    the headers)."""
    cdef Blocks b
    b.tile, b.entries, b.tiles_w = tile, (tile + 2) * (tile + 2), tiles_w
    _lay_out(&b, rows, channels, kernels)
    return b.entries * (b.v_stride + b.m_stride) + mgwd_work_size(tile, rows, tiles_w)


cdef inline void _input(const floating *x, Py_ssize_t channels, Py_ssize_t height, Py_ssize_t width,
                        const Blocks *b, Py_ssize_t first_row, Py_ssize_t rows, Py_ssize_t pad_h, Py_ssize_t pad_w,
                        floating *v, floating *work) noexcept nogil:
    if floating is float:
        mgwd_input_rows_f32(b.tile, x, channels, height, width, b.tiles_h, b.tiles_w, pad_h, pad_w, first_row, rows,
                            b.v_stride, v, work)
    else:
        mgwd_input_rows_f64(b.tile, x, channels, height, width, b.tiles_h, b.tiles_w, pad_h, pad_w, first_row, rows,
                            b.v_stride, v, work)


cdef inline void _output(const floating *m, Py_ssize_t kernels, Py_ssize_t out_h, Py_ssize_t out_w,
                         const Blocks *b, Py_ssize_t first_row, Py_ssize_t rows, const floating *shift,
                         floating *y, floating *work) noexcept nogil:
    if floating is float:
        mgwd_output_rows_f32(b.tile, m, kernels, out_h, out_w, b.tiles_h, b.tiles_w, first_row, rows, b.m_stride,
                             shift, y, work)
    else:
        mgwd_output_rows_f64(b.tile, m, kernels, out_h, out_w, b.tiles_h, b.tiles_w, first_row, rows, b.m_stride,
                             shift, y, work)


cdef inline void _gradient(const floating *g, Py_ssize_t kernels, Py_ssize_t out_h, Py_ssize_t out_w,
                           const Blocks *b, Py_ssize_t first_row, Py_ssize_t rows, floating *dm,
                           floating *work) noexcept nogil:
    if floating is float:
        mgwd_gradient_rows_f32(b.tile, g, kernels, out_h, out_w, b.tiles_h, b.tiles_w, first_row, rows, b.m_stride,
                               dm, work)
    else:
        mgwd_gradient_rows_f64(b.tile, g, kernels, out_h, out_w, b.tiles_h, b.tiles_w, first_row, rows, b.m_stride,
                               dm, work)


cdef inline double _sum(const floating *row, Py_ssize_t n) noexcept nogil:
    """``Σ row[:n]`` in float64, in four running sums (one would wait on each addition's latency: 5% of a weight
    gradient)."""
    cdef double s0 = 0, s1 = 0, s2 = 0, s3 = 0
    cdef Py_ssize_t t = 0
    while t + 4 <= n:
        s0 += row[t]
        s1 += row[t + 1]
        s2 += row[t + 2]
        s3 += row[t + 3]
        t += 4
    while t < n:
        s0 += row[t]
        t += 1
    return (s0 + s1) + (s2 + s3)


cdef inline void _correlate_block(const floating *x, Py_ssize_t channels, Py_ssize_t height, Py_ssize_t width,
                                  const floating *u, Py_ssize_t kernels, Py_ssize_t out_h, Py_ssize_t out_w,
                                  const Blocks *b, Py_ssize_t i, Py_ssize_t pad_h, Py_ssize_t pad_w,
                                  const floating *shift, floating *y, floating *v) noexcept nogil:
    """Block ``i`` of ``correlate``: its tiles of ``y`` from ``x`` through ``u``, in the thread's scratch ``v``."""
    cdef floating *m = v + b.entries * b.v_stride
    cdef floating *work = m + b.entries * b.m_stride
    cdef Py_ssize_t e, first = _first_row(b, i), here = _first_row(b, i + 1) - first
    cdef Py_ssize_t tiles = here * b.columns
    _input(x, channels, height, width, b, first, here, pad_h, pad_w, v, work)
    for e in range(b.entries):
        gemm(False, False, kernels, tiles, channels, 1, u + e * kernels * channels, channels, v + e * b.v_stride,
             tiles, 0, m + e * b.m_stride, tiles)
    _output(m, kernels, out_h, out_w, b, first, here, shift, y, work)


cdef inline void _weight_grad_block(const floating *x, Py_ssize_t channels, Py_ssize_t height, Py_ssize_t width,
                                    const floating *g, Py_ssize_t kernels, Py_ssize_t out_h, Py_ssize_t out_w,
                                    const Blocks *b, Py_ssize_t i, Py_ssize_t pad_h, Py_ssize_t pad_w,
                                    floating *du, double *db, floating *v) noexcept nogil:
    """Block ``i`` of ``weight_grad``: its tiles' ``dM Vᵀ`` added to the thread's ``du`` and their gradient sums
    to its ``db``, in the thread's scratch ``v``."""
    cdef floating *dm = v + b.entries * b.v_stride
    cdef floating *work = dm + b.entries * b.m_stride
    cdef Py_ssize_t e, k, first = _first_row(b, i), here = _first_row(b, i + 1) - first
    cdef Py_ssize_t tiles = here * b.columns, sum_entry = b.tile + 3  # (1, 1) of the (tile + 2)² entries
    _input(x, channels, height, width, b, first, here, pad_h, pad_w, v, work)
    _gradient(g, kernels, out_h, out_w, b, first, here, dm, work)
    for e in range(b.entries):
        gemm(False, True, kernels, channels, tiles, 1, dm + e * b.m_stride, tiles, v + e * b.v_stride, tiles, 1,
             du + e * kernels * channels, channels)
    for k in range(kernels):
        db[k] += _sum(dm + sum_entry * b.m_stride + k * tiles, tiles)


def correlate(const floating[:, :, :, ::1] x, const floating[:, :, ::1] u, const floating[::1] bias,
              floating[:, :, :, ::1] y, Py_ssize_t pad_h, Py_ssize_t pad_w, Py_ssize_t blocks,
              floating[:, ::1] scratch, int num_threads):
    """``y[n, k, i, j] = bias[k] + Σ_c Σ_{a, b < 3} w[k, c, a, b] x[n, c, i - pad_h + a, j - pad_w + b]`` (zero
    outside ``x``) through the transformed kernel ``u ((m + 2)², K, C)`` of F(m×m, 3×3) (``m`` 2 or 4, from
    ``u``'s length), in ``blocks`` blocks of tile rows along images (``fits``); ``bias`` empty for none;
    ``scratch`` has a ``scratch_size`` row per thread. ``x``, ``u`` and ``y`` non-empty."""
    cdef Py_ssize_t channels = x.shape[1], height = x.shape[2], width = x.shape[3]
    cdef Py_ssize_t kernels = y.shape[1], out_h = y.shape[2], out_w = y.shape[3]
    cdef Blocks b = _blocks(2 if u.shape[0] == 16 else 4, x.shape[0], channels, kernels, out_h, out_w, blocks)
    cdef const floating *shift = &bias[0] if bias.shape[0] > 0 else NULL
    cdef Py_ssize_t i
    _check(&b)
    with nogil, parallel(num_threads=num_threads):
        for i in prange(blocks, schedule="dynamic"):
            _correlate_block(&x[0, 0, 0, 0], channels, height, width, &u[0, 0, 0], kernels, out_h, out_w, &b, i,
                             pad_h, pad_w, shift, &y[0, 0, 0, 0], &scratch[threadid(), 0])


def weight_grad(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] g, floating[:, :, :, ::1] du,
                double[:, ::1] db, Py_ssize_t pad_h, Py_ssize_t pad_w, Py_ssize_t blocks, floating[:, ::1] scratch,
                int num_threads):
    """``du[thread, e] += Σ_t dM[e, :, t] V[e, :, t]ᵀ`` (``((m + 2)², K, C)`` per thread, F(m×m, 3×3) with ``m``
    2 or 4 from ``du``'s length) and ``db[thread, k] += Σ g[:, k]`` (``Σ_t dM[e₁₁, k, t]``: entry (1, 1) of ``A g
    Aᵀ`` is the sum of the tile's gradient; in float64, being one long running sum), zeroed by the caller, for the
    convolution of ``x (N, C, H, W)`` whose output gradient is ``g (N, K, out_h, out_w)``; the caller sums the
    threads' rows and maps ``dU`` back with ``dw = Gᵀ dU G``. Arguments as ``correlate``'s."""
    cdef Py_ssize_t channels = x.shape[1], height = x.shape[2], width = x.shape[3]
    cdef Py_ssize_t kernels = g.shape[1], out_h = g.shape[2], out_w = g.shape[3]
    cdef Blocks b = _blocks(2 if du.shape[1] == 16 else 4, x.shape[0], channels, kernels, out_h, out_w, blocks)
    cdef Py_ssize_t i
    _check(&b)
    with nogil, parallel(num_threads=num_threads):
        for i in prange(blocks, schedule="dynamic"):
            _weight_grad_block(&x[0, 0, 0, 0], channels, height, width, &g[0, 0, 0, 0], kernels, out_h, out_w, &b,
                               i, pad_h, pad_w, &du[threadid(), 0, 0, 0], &db[threadid(), 0],
                               &scratch[threadid(), 0])


def backward(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] g, const floating[:, :, ::1] u,
             floating[:, :, :, ::1] dx, floating[:, :, :, ::1] du, double[:, ::1] db, Py_ssize_t pad_h,
             Py_ssize_t pad_w, Py_ssize_t blocks, floating[:, ::1] scratch, int num_threads):
    """Both gradients of the convolution of ``x (N, C, H, W)`` whose output gradient is ``g (N, K, out_h,
    out_w)``, in one pass: ``dx = correlate(g, u)`` padded ``2 - pad`` (``u`` the transform of the flipped,
    transposed kernel) and ``weight_grad(x, g, du, db)``, block ``i`` of each in the same step, so that the rows
    of ``g`` the first reads are still in cache for the second (one parallel pass instead of two). ``blocks`` follow
    the images of both (``fits``); ``scratch`` has a row per thread of the larger of their ``scratch_size``."""
    cdef Py_ssize_t channels = x.shape[1], height = x.shape[2], width = x.shape[3]
    cdef Py_ssize_t kernels = g.shape[1], out_h = g.shape[2], out_w = g.shape[3]
    cdef Blocks bx = _blocks(2 if u.shape[0] == 16 else 4, x.shape[0], kernels, channels, height, width, blocks)
    cdef Blocks bw = _blocks(2 if du.shape[1] == 16 else 4, x.shape[0], channels, kernels, out_h, out_w, blocks)
    cdef Py_ssize_t i
    _check(&bx)
    _check(&bw)
    with nogil, parallel(num_threads=num_threads):
        for i in prange(blocks, schedule="dynamic"):
            _correlate_block(&g[0, 0, 0, 0], kernels, out_h, out_w, &u[0, 0, 0], channels, height, width, &bx, i,
                             2 - pad_h, 2 - pad_w, NULL, &dx[0, 0, 0, 0], &scratch[threadid(), 0])
            _weight_grad_block(&x[0, 0, 0, 0], channels, height, width, &g[0, 0, 0, 0], kernels, out_h, out_w, &bw,
                               i, pad_h, pad_w, &du[threadid(), 0, 0, 0], &db[threadid(), 0],
                               &scratch[threadid(), 0])
