"""im2col and col2im: the sliding windows of a convolution as the columns of a matrix, and back; and the
depthwise convolution (one filter per channel), computed straight from the windows.

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
A depthwise convolution has one tiny GEMM per channel (K taps by L positions), which BLAS runs far below its peak,
so ``depthwise`` and its two gradients walk the same windows directly: per (image, channel) and tap, a
multiply-add of a shifted input row into the output row (``y[j] = b + Σ_tap w[tap] x[window tap of j]``), its
adjoint for the input gradient, and for the weight gradient one sum of products per (channel, tap), accumulated
in per-column lanes so that the loop vectorises.

Along the innermost (W) axis the positions that fall in the padding are computed once per row, leaving a
branch-free copy in between. On a 1-D or 2-D input (most convolutions) each tap's inside rows are found once,
not checked row by row, and when input and output rows are equally long ('same' padding) im2col copies
the tap's whole block at once and zeroes the padding columns after. Short output rows (small images, strided
layers) instead go through a zero-padded copy of the plane, one per (image, channel), from which every tap's row
is a plain loop with no bounds (``_short_rows``).
"""
from cython cimport floating
from cython.parallel cimport parallel, prange
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

# Below this many column entries a single thread is faster than starting a team.
cdef enum:
    PARALLEL_MIN_ENTRIES = 1 << 15
    # Output rows narrower than this go through a padded copy of the plane (``_short_rows``).
    SHORT_ROW = 32


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


cdef struct Tap:
    # one kernel tap (a, b, e): its offsets into the input, and the output x range [lo, hi) that reads inside it
    Py_ssize_t z0, y0, x0, lo, hi


cdef inline void _tap(const Geometry *g, Py_ssize_t tap, Tap *out) noexcept nogil:
    cdef Py_ssize_t e = tap % g.k[2], b = (tap // g.k[2]) % g.k[1], a = tap // (g.k[2] * g.k[1])
    out.z0 = a * g.d[0] - g.p[0]
    out.y0 = b * g.d[1] - g.p[1]
    out.x0 = e * g.d[2] - g.p[2]
    out.lo = _first_inside(out.x0, g.t[2], g.o[2])
    out.hi = _end_inside(out.x0, g.t[2], g.n[2], g.o[2])
    if out.hi < out.lo:
        out.hi = out.lo


cdef inline bint _plane(const Geometry *g) noexcept nogil:
    """Whether the windows stay in one input plane (a 1-D or 2-D convolution): then the output rows that read
    inside the input are one range ``[y_lo, y_hi)`` per tap, and the loops need no bounds check per row. (A 3-D
    input one plane deep whose kernel or padding reaches past that plane is not one: its taps off the plane read
    zeros.)"""
    return g.n[0] == 1 and g.o[0] == 1 and g.k[0] == 1 and g.p[0] == 0


cdef inline bint _short_rows(const Geometry *g, bint adjoint) noexcept nogil:
    """A plane (``_plane``) whose output rows are short: im2col (``adjoint``: col2im) then goes through a
    zero-padded copy of the plane (``_im2col_padded``), where each tap and output row costs a short branch-free
    loop instead of a memcpy call and the padding bookkeeping. Measured on one thread against the row by row
    loops: im2col 1.3-2.1x faster below 32 values a row (LeNet-5's layers, 28 and 10 wide; the VAE's 8- and
    4-wide ones), col2im 1.1-1.5x below 16 but 10% slower at 26-28 (its plane's extra zeroing and copying out)."""
    return _plane(g) and g.o[2] < (SHORT_ROW // 2 if adjoint else SHORT_ROW)


cdef inline bint _unit_stride_plane(const Geometry *g) noexcept nogil:
    """A plane (``_plane``) walked with stride 1 along H and W: each tap reads a plain shifted window of it."""
    return _plane(g) and g.t[1] == 1 and g.t[2] == 1


cdef void _im2col_tap_plane(const floating *src, floating *out, const Geometry *g, const Tap *s) noexcept nogil:
    """One tap's row of cols on a plane (``_plane``): output row ``y`` in ``[y_lo, y_hi)`` reads input row
    ``y t_H + s.y0`` from column ``s.x0``; the rows outside, and each row's ``lo`` first and ``ow - hi`` last
    entries, are padding (zero). With unit strides and input and output rows equally long (a 'same'-padded
    convolution) the inside rows are one contiguous block, copied at once (half the time of a copy per row), and
    the entries it took from the neighbouring input rows are zeroed after."""
    cdef Py_ssize_t y, x, ow = g.o[2], oh = g.o[1], iw = g.n[2], th = g.t[1], tw = g.t[2]
    cdef Py_ssize_t y_lo = _first_inside(s.y0, th, oh), y_hi = _end_inside(s.y0, th, g.n[1], oh)
    cdef floating *row
    cdef const floating *line
    if y_hi <= y_lo or s.hi <= s.lo:
        memset(out, 0, oh * ow * sizeof(floating))
        return
    memset(out, 0, y_lo * ow * sizeof(floating))
    memset(out + y_hi * ow, 0, (oh - y_hi) * ow * sizeof(floating))
    if ow == iw and th == 1 and tw == 1:
        out += y_lo * ow
        memcpy(out + s.lo, src + (y_lo + s.y0) * ow + s.x0 + s.lo,
               ((y_hi - y_lo) * ow - s.lo - (ow - s.hi)) * sizeof(floating))
        for y in range(y_hi - y_lo):
            for x in range(s.lo):
                out[y * ow + x] = 0
            for x in range(s.hi, ow):
                out[y * ow + x] = 0
        return
    for y in range(y_lo, y_hi):
        row = out + y * ow
        line = src + (y * th + s.y0) * iw + s.x0
        for x in range(s.lo):
            row[x] = 0
        if tw == 1:
            memcpy(row + s.lo, line + s.lo, (s.hi - s.lo) * sizeof(floating))
        else:
            for x in range(s.lo, s.hi):
                row[x] = line[x * tw]
        for x in range(s.hi, ow):
            row[x] = 0


cdef void _col2im_tap_plane(const floating *part, floating *dst, const Geometry *g, const Tap *s) noexcept nogil:
    """The adjoint of ``_im2col_tap_plane``: add one tap's row of cols onto the plane ``dst``, output row ``y`` in
    ``[y_lo, y_hi)`` onto input row ``y t_H + s.y0`` from column ``s.x0``."""
    cdef Py_ssize_t y, x, ow = g.o[2], iw = g.n[2], th = g.t[1], tw = g.t[2]
    cdef Py_ssize_t y_lo = _first_inside(s.y0, th, g.o[1]), y_hi = _end_inside(s.y0, th, g.n[1], g.o[1])
    cdef const floating *row
    cdef floating *line
    for y in range(y_lo, y_hi):
        row = part + y * ow
        line = dst + (y * th + s.y0) * iw + s.x0
        if tw == 1:
            for x in range(s.lo, s.hi):
                line[x] += row[x]
        else:
            for x in range(s.lo, s.hi):
                line[x * tw] += row[x]


cdef void _im2col_channel(const floating *src, floating *dst, const Geometry *g) noexcept nogil:
    """The K rows of one (image, channel): ``src`` is x[n, c] (D*H*W values), ``dst`` is cols[c K, n] and the
    next row starts ``g.row_step`` values further."""
    cdef Py_ssize_t tap, z, y, x, iz, iy, ow = g.o[2], tw = g.t[2]
    cdef Tap s
    cdef floating *out
    cdef const floating *line
    cdef bint plane = _plane(g)
    for tap in range(g.taps):
        _tap(g, tap, &s)
        if plane:
            _im2col_tap_plane(src, dst + tap * g.row_step, g, &s)
            continue
        for z in range(g.o[0]):
            iz = z * g.t[0] + s.z0
            for y in range(g.o[1]):
                out = dst + tap * g.row_step + (z * g.o[1] + y) * ow
                iy = y * g.t[1] + s.y0
                if iz < 0 or iz >= g.n[0] or iy < 0 or iy >= g.n[1]:
                    for x in range(ow):
                        out[x] = 0
                    continue
                line = src + (iz * g.n[1] + iy) * g.n[2] + s.x0
                # plain loops, not memset/memcpy: rows are short (tens of values), where a call costs more than
                # the copy; the compiler vectorises the stride-1 loop
                for x in range(s.lo):
                    out[x] = 0
                if tw == 1:
                    for x in range(s.lo, s.hi):
                        out[x] = line[x]
                else:
                    for x in range(s.lo, s.hi):
                        out[x] = line[x * tw]
                for x in range(s.hi, ow):
                    out[x] = 0


cdef void _col2im_channel(const floating *src, floating *dst, const Geometry *g) noexcept nogil:
    """Add the K rows of one (image, channel) of ``cols`` (``src``, rows ``g.row_step`` apart) onto x[n, c]
    (``dst``, zeroed here first): the adjoint of ``_im2col_channel``."""
    cdef Py_ssize_t tap, z, y, x, iz, iy, ow = g.o[2], tw = g.t[2]
    cdef Tap s
    cdef const floating *part
    cdef floating *line
    cdef bint plane = _plane(g)
    memset(dst, 0, g.n[0] * g.n[1] * g.n[2] * sizeof(floating))
    for tap in range(g.taps):
        _tap(g, tap, &s)
        if plane:
            _col2im_tap_plane(src + tap * g.row_step, dst, g, &s)
            continue
        for z in range(g.o[0]):
            iz = z * g.t[0] + s.z0
            if iz < 0 or iz >= g.n[0]:
                continue
            for y in range(g.o[1]):
                iy = y * g.t[1] + s.y0
                if iy < 0 or iy >= g.n[1]:
                    continue
                part = src + tap * g.row_step + (z * g.o[1] + y) * ow
                line = dst + (iz * g.n[1] + iy) * g.n[2] + s.x0
                if tw == 1:
                    for x in range(s.lo, s.hi):
                        line[x] += part[x]
                else:
                    for x in range(s.lo, s.hi):
                        line[x * tw] += part[x]


cdef inline bint _input_row(const Geometry *g, const Tap *s, Py_ssize_t z, Py_ssize_t y,
                            Py_ssize_t *offset) noexcept nogil:
    """For output row (z, y) and tap ``s``: whether its window row lies inside the input, and then ``offset``, the
    input position (within one plane) that output column 0 reads (``s.x0`` included)."""
    cdef Py_ssize_t iz = z * g.t[0] + s.z0, iy = y * g.t[1] + s.y0
    if iz < 0 or iz >= g.n[0] or iy < 0 or iy >= g.n[1]:
        return False
    offset[0] = (iz * g.n[1] + iy) * g.n[2] + s.x0
    return True


cdef struct Padded:
    # A unit-stride plane copied into zeros ``wp`` wide, so that each tap of a depthwise convolution reads one
    # contiguous span: padded position (y + p_H, x + p_W) holds input (y, x), and output (y, x) is computed at
    # y wp + x of an ``span = o_H wp`` array whose last ``wp - o_W`` columns are never kept (or zero, for a gradient).
    Py_ssize_t wp, hp, span, size


cdef inline void _padded_layout(const Geometry *g, Padded *q) noexcept nogil:
    # the part of the padded plane the windows reach: (o - 1) t + d (k - 1) + 1 along each axis
    q.wp = (g.o[2] - 1) * g.t[2] + g.d[2] * (g.k[2] - 1) + 1
    q.hp = (g.o[1] - 1) * g.t[1] + g.d[1] * (g.k[1] - 1) + 1
    q.span = g.o[1] * q.wp
    q.size = q.hp * q.wp + g.d[2] * (g.k[2] - 1)  # the last tap's span runs that far past the padded rows


cdef inline Py_ssize_t _tap_shift(const Geometry *g, const Padded *q, Py_ssize_t tap) noexcept nogil:
    """Where tap (b, e) of output position 0 sits in the padded plane (the taps of a plane have a = 0)."""
    return (tap // g.k[2]) * g.d[1] * q.wp + (tap % g.k[2]) * g.d[2]


cdef void _pad_plane(const floating *src, floating *pad, const Geometry *g, const Padded *q) noexcept nogil:
    """Copy the input plane into the zeroed padded one (the rows and columns no window reads are left out)."""
    cdef Py_ssize_t y, rows = min(g.n[1], q.hp - g.p[1]), columns = min(g.n[2], q.wp - g.p[2])
    memset(pad, 0, q.size * sizeof(floating))
    for y in range(max(rows, 0) if columns > 0 else 0):
        memcpy(pad + (y + g.p[1]) * q.wp + g.p[2], src + y * g.n[2], columns * sizeof(floating))


cdef void _pad_grad(const floating *grad, floating *out, const Geometry *g, const Padded *q) noexcept nogil:
    """The output gradient at padded width: row y at y wp, its last ``wp - o_W`` columns zero."""
    cdef Py_ssize_t y, x
    for y in range(g.o[1]):
        memcpy(out + y * q.wp, grad + y * g.o[2], g.o[2] * sizeof(floating))
        for x in range(g.o[2], q.wp):
            out[y * q.wp + x] = 0


cdef void _unpad_plane(const floating *pad, floating *dst, const Geometry *g, const Padded *q) noexcept nogil:
    """Copy the input positions of the padded plane out to ``dst`` (the positions no window reads get zero): the
    adjoint of ``_pad_plane``."""
    cdef Py_ssize_t y, rows = min(g.n[1], q.hp - g.p[1]), columns = min(g.n[2], q.wp - g.p[2])
    memset(dst, 0, g.n[1] * g.n[2] * sizeof(floating))
    for y in range(max(rows, 0) if columns > 0 else 0):
        memcpy(dst + y * g.n[2], pad + (y + g.p[1]) * q.wp + g.p[2], columns * sizeof(floating))


cdef void _padded_taps(floating *pad, floating *cols, const Geometry *g, const Padded *q,
                       bint adjoint) noexcept nogil:
    """Each tap's row of ``cols`` (rows ``g.row_step`` apart) against the padded plane ``pad``: output row ``y`` is
    ``o_W`` values ``t_W`` apart from padded row ``y t_H`` shifted by the tap, with no bounds to check. Copied
    into ``cols`` (im2col), or with ``adjoint`` added onto ``pad`` (col2im)."""
    cdef Py_ssize_t tap, y, x, ow = g.o[2], th = g.t[1], tw = g.t[2]
    cdef floating *row
    cdef floating *line
    for tap in range(g.taps):
        for y in range(g.o[1]):
            row = cols + tap * g.row_step + y * ow
            line = pad + _tap_shift(g, q, tap) + y * th * q.wp
            if adjoint:
                for x in range(ow):
                    line[x * tw] += row[x]
            elif tw == 1:
                for x in range(ow):
                    row[x] = line[x]
            else:
                for x in range(ow):
                    row[x] = line[x * tw]


cdef void _im2col_padded(const floating *src, floating *dst, const Geometry *g, const Padded *q,
                         floating *pad) noexcept nogil:
    """``_im2col_channel`` on a plane with short rows (``_short_rows``): the plane copied into zeros once
    (``pad``: scratch of ``q.size`` values), then every tap's rows read from it."""
    _pad_plane(src, pad, g, q)
    _padded_taps(pad, dst, g, q, False)


cdef void _col2im_padded(const floating *src, floating *dst, const Geometry *g, const Padded *q,
                         floating *pad) noexcept nogil:
    """The adjoint of ``_im2col_padded``: every tap's rows added onto the zeroed padded plane (``pad``), whose
    input positions are then copied out to ``dst``."""
    memset(pad, 0, q.size * sizeof(floating))
    _padded_taps(pad, <floating *>src, g, q, True)  # (src is only read)
    _unpad_plane(pad, dst, g, q)


cdef void _depthwise_padded(const floating *src, floating *dst, const floating *w, floating bias, const Geometry *g,
                            const Padded *q, floating *pad, floating *acc) noexcept nogil:
    """``_depthwise_plane`` on a unit-stride plane: one contiguous multiply-add per tap (``pad``, ``acc``: scratch
    of ``q.size`` and ``q.span`` values)."""
    cdef Py_ssize_t tap, i, y
    cdef floating weight
    cdef const floating *shifted
    _pad_plane(src, pad, g, q)
    for i in range(q.span):
        acc[i] = bias
    for tap in range(g.taps):
        weight = w[tap]
        shifted = pad + _tap_shift(g, q, tap)
        for i in range(q.span):
            acc[i] += weight * shifted[i]
    for y in range(g.o[1]):
        memcpy(dst + y * g.o[2], acc + y * q.wp, g.o[2] * sizeof(floating))


cdef void _depthwise_padded_input_grad(const floating *grad, floating *dst, const floating *w, const Geometry *g,
                                       const Padded *q, floating *pad, floating *spread) noexcept nogil:
    """``_depthwise_plane_input_grad`` on a unit-stride plane: the gradient at padded width (``spread``), each tap
    one contiguous multiply-add into the padded plane (``pad``), whose input positions are then copied out."""
    cdef Py_ssize_t tap, i
    cdef floating weight
    cdef floating *shifted
    _pad_grad(grad, spread, g, q)
    memset(pad, 0, q.size * sizeof(floating))
    for tap in range(g.taps):
        weight = w[tap]
        shifted = pad + _tap_shift(g, q, tap)
        for i in range(q.span):
            shifted[i] += weight * spread[i]
    _unpad_plane(pad, dst, g, q)


cdef void _depthwise_padded_weight_grad(const floating *x, const floating *grad, floating *dw, Py_ssize_t images,
                                        Py_ssize_t x_step, Py_ssize_t grad_step, const Geometry *g,
                                        const Padded *q, floating *pad, floating *spread,
                                        floating *lanes) noexcept nogil:
    """``_depthwise_channel_weight_grad`` on unit-stride planes: per image and tap one contiguous product of the
    padded-width gradient (``spread``) with the shifted padded input, summed into that tap's ``q.span`` lanes."""
    cdef Py_ssize_t tap, n, i
    cdef floating *tap_lanes
    cdef const floating *shifted
    cdef double total
    memset(lanes, 0, g.taps * q.span * sizeof(floating))
    for n in range(images):
        _pad_plane(x + n * x_step, pad, g, q)
        _pad_grad(grad + n * grad_step, spread, g, q)
        for tap in range(g.taps):
            tap_lanes = lanes + tap * q.span
            shifted = pad + _tap_shift(g, q, tap)
            for i in range(q.span):
                tap_lanes[i] += spread[i] * shifted[i]
    for tap in range(g.taps):
        total = 0
        for i in range(q.span):
            total += lanes[tap * q.span + i]
        dw[tap] = <floating>total


cdef void _depthwise_rows(floating *plane, floating *outputs, const floating *w, const Geometry *g,
                          bint adjoint) noexcept nogil:
    """The row loops of one (image, channel) of a depthwise convolution, tap by tap over the output rows whose
    window row is inside the input plane: ``outputs[j] += w[tap] plane[window tap of j]``, or with ``adjoint``
    ``plane[window tap of j] += w[tap] outputs[j]`` (the input gradient). Padding contributes nothing."""
    cdef Py_ssize_t tap, z, y, x, offset, ow = g.o[2], tw = g.t[2]
    cdef Tap s
    cdef floating weight
    cdef floating *out
    cdef floating *line
    for tap in range(g.taps):
        _tap(g, tap, &s)
        weight = w[tap]
        for z in range(g.o[0]):
            for y in range(g.o[1]):
                if not _input_row(g, &s, z, y, &offset):
                    continue
                out = outputs + (z * g.o[1] + y) * ow
                line = plane + offset
                if adjoint:
                    for x in range(s.lo, s.hi):
                        line[x * tw] += weight * out[x]
                elif tw == 1:
                    for x in range(s.lo, s.hi):
                        out[x] += weight * line[x]
                else:
                    for x in range(s.lo, s.hi):
                        out[x] += weight * line[x * tw]


cdef void _depthwise_plane(const floating *src, floating *dst, const floating *w, floating bias,
                           const Geometry *g) noexcept nogil:
    """One (image, channel) of a depthwise convolution: ``dst[j] = bias + Σ_tap w[tap] src[window tap of j]``."""
    cdef Py_ssize_t x
    for x in range(g.o[0] * g.o[1] * g.o[2]):
        dst[x] = bias
    _depthwise_rows(<floating *>src, dst, w, g, False)  # (src is only read)


cdef void _depthwise_plane_input_grad(const floating *grad, floating *dst, const floating *w,
                                      const Geometry *g) noexcept nogil:
    """The adjoint of ``_depthwise_plane`` in its input: ``dst[p] = Σ w[tap] grad[j]`` over the (tap, j) pairs
    whose window reads position ``p`` (``dst`` zeroed here first)."""
    memset(dst, 0, g.n[0] * g.n[1] * g.n[2] * sizeof(floating))
    _depthwise_rows(dst, <floating *>grad, w, g, True)  # (grad is only read)


cdef void _depthwise_channel_weight_grad(const floating *x, const floating *grad, floating *dw, floating *lanes,
                                         Py_ssize_t images, Py_ssize_t x_step, Py_ssize_t grad_step,
                                         const Geometry *g) noexcept nogil:
    """``dw[tap] = Σ_n Σ_j grad[n, j] x[n, window tap of j]`` for one channel (``x_step``, ``grad_step``: values
    from one image's plane to the next). The products are summed per output column into ``lanes`` (``o_W``
    values), a loop the compiler vectorises, and the lanes are added at the end of each tap."""
    cdef Py_ssize_t tap, n, z, y, i, offset, ow = g.o[2], tw = g.t[2]
    cdef Tap s
    cdef const floating *part
    cdef const floating *line
    cdef double total
    for tap in range(g.taps):
        _tap(g, tap, &s)
        memset(lanes, 0, ow * sizeof(floating))
        for n in range(images):
            for z in range(g.o[0]):
                for y in range(g.o[1]):
                    if not _input_row(g, &s, z, y, &offset):
                        continue
                    part = grad + n * grad_step + (z * g.o[1] + y) * ow
                    line = x + n * x_step + offset
                    if tw == 1:
                        for i in range(s.lo, s.hi):
                            lanes[i] += part[i] * line[i]
                    else:
                        for i in range(s.lo, s.hi):
                            lanes[i] += part[i] * line[i * tw]
        total = 0
        for i in range(ow):
            total += lanes[i]
        dw[tap] = <floating>total


cdef void _geometry(Geometry *g, tuple spatial, tuple kernel, tuple stride, tuple padding, tuple dilation,
                    tuple out_size, Py_ssize_t row_step, Py_ssize_t last_step, Py_ssize_t itemsize) except *:
    """Fill ``g`` from the (D, H, W) triples (``spatial``: x's sizes); check that cols' last axis is contiguous."""
    cdef int i
    if last_step != itemsize:
        raise ValueError("cols must be contiguous along its last axis")
    for i in range(3):
        g.k[i], g.t[i], g.p[i] = kernel[i], stride[i], padding[i]
        g.d[i], g.o[i], g.n[i] = dilation[i], out_size[i], spatial[i]
    g.taps = g.k[0] * g.k[1] * g.k[2]
    g.row_step = row_step // itemsize


cdef inline void _channel_columns(floating *plane, floating *part, const Geometry *g, const Padded *q,
                                  floating *scratch, bint adjoint) noexcept nogil:
    """im2col (``adjoint``: col2im) of one (image, channel): through the padded plane when there is ``scratch``
    (short rows, ``_short_rows``), else tap by tap."""
    if adjoint and scratch != NULL:
        _col2im_padded(part, plane, g, q, scratch)
    elif adjoint:
        _col2im_channel(part, plane, g)
    elif scratch != NULL:
        _im2col_padded(plane, part, g, q, scratch)
    else:
        _im2col_channel(plane, part, g)


cdef Py_ssize_t image_scratch(const Geometry *g) noexcept nogil:
    """Values of scratch ``image_columns`` needs (the padded plane of short rows, for im2col or col2im)."""
    cdef Padded q
    _padded_layout(g, &q)
    return q.size if _short_rows(g, False) or _short_rows(g, True) else 0


cdef void image_columns(floating *planes, floating *cols, Py_ssize_t channels, const Geometry *g, floating *scratch,
                        bint adjoint) noexcept nogil:
    """im2col (``adjoint``: col2im) of one image on the calling thread: ``planes`` holds its C input planes,
    ``cols`` its ``(C K, L)`` columns (rows ``g.row_step`` apart); ``scratch``: ``image_scratch(g)`` values."""
    cdef Py_ssize_t c, plane_size = g.n[0] * g.n[1] * g.n[2]
    cdef Padded q
    cdef floating *pad = scratch if _short_rows(g, adjoint) else NULL
    _padded_layout(g, &q)
    for c in range(channels):
        _channel_columns(planes + c * plane_size, cols + c * g.taps * g.row_step, g, &q, pad, adjoint)


cdef void _columns_run(floating *planes, floating *cols, Py_ssize_t image_step, Py_ssize_t tasks,
                       Py_ssize_t channels, const Geometry *g, int threads, bint adjoint) noexcept nogil:
    """Every (image, channel) of im2col (``adjoint``: of col2im) on ``threads`` threads: ``planes`` holds the
    (N, C) input planes, ``cols`` the ``(C K, N, L)`` columns (``image_step`` values from one image's to the
    next). Short rows take the padded-plane path, with scratch per thread; without it (or off that path) the
    tap by tap loops need none."""
    cdef Py_ssize_t task, plane_size = g.n[0] * g.n[1] * g.n[2]
    cdef Padded q
    cdef bint padded = _short_rows(g, adjoint)
    cdef floating *scratch = NULL
    _padded_layout(g, &q)
    with parallel(num_threads=threads):
        scratch = <floating *>malloc(q.size * sizeof(floating)) if padded else NULL
        for task in prange(tasks, schedule="static"):
            _channel_columns(planes + task * plane_size,
                             cols + (task % channels) * g.taps * g.row_step + (task // channels) * image_step, g, &q,
                             scratch, adjoint)
        free(scratch)


def im2col(const floating[:, :, :, :, ::1] x, floating[:, :, :] cols, tuple kernel, tuple stride,
           tuple padding, tuple dilation, tuple out_size, int num_threads):
    """Write the windows of ``x (N, C, D, H, W)`` into ``cols (C K, N, L)`` (see the module docstring).

    ``kernel``, ``stride``, ``padding`` (leading zeros), ``dilation`` and ``out_size`` are (D, H, W) triples of
    ints, with ``L = prod(out_size)``; the caller checks the shapes.
    """
    cdef Geometry g
    cdef Py_ssize_t C = x.shape[1], tasks = x.shape[0] * x.shape[1]
    _geometry(&g, (x.shape[2], x.shape[3], x.shape[4]), kernel, stride, padding, dilation, out_size, cols.strides[0],
              cols.strides[2] if cols.shape[2] > 1 else sizeof(floating), sizeof(floating))
    if tasks == 0 or cols.shape[2] == 0:
        return
    cdef int threads = _threads(tasks, cols.shape[0] * cols.shape[1] * cols.shape[2], num_threads)
    cdef Py_ssize_t image_step = cols.strides[1] // sizeof(floating)
    with nogil:
        _columns_run(<floating *>&x[0, 0, 0, 0, 0], &cols[0, 0, 0], image_step, tasks, C, &g, threads, False)


def col2im(const floating[:, :, :] cols, floating[:, :, :, :, ::1] x, tuple kernel, tuple stride,
           tuple padding, tuple dilation, tuple out_size, int num_threads):
    """Overwrite ``x (N, C, D, H, W)`` with the sum of the window entries of ``cols (C K, N, L)`` that were read
    from each position: the adjoint of ``im2col`` (same arguments)."""
    cdef Geometry g
    cdef Py_ssize_t C = x.shape[1], tasks = x.shape[0] * x.shape[1]
    _geometry(&g, (x.shape[2], x.shape[3], x.shape[4]), kernel, stride, padding, dilation, out_size, cols.strides[0],
              cols.strides[2] if cols.shape[2] > 1 else sizeof(floating), sizeof(floating))
    if tasks == 0 or x.shape[2] * x.shape[3] * x.shape[4] == 0:
        return
    if cols.shape[2] == 0:
        x[...] = 0
        return
    cdef int threads = _threads(tasks, cols.shape[0] * cols.shape[1] * cols.shape[2], num_threads)
    cdef Py_ssize_t image_step = cols.strides[1] // sizeof(floating)
    with nogil:
        _columns_run(&x[0, 0, 0, 0, 0], <floating *>&cols[0, 0, 0], image_step, tasks, C, &g, threads, True)


cdef void _depthwise_run(floating *planes, floating *outputs, const floating *w, const floating *bias,
                         Py_ssize_t tasks, Py_ssize_t channels, const Geometry *g, int threads,
                         bint adjoint) noexcept nogil:
    """Every (image, channel) of a depthwise convolution (``adjoint``: of its input gradient) on ``threads``
    threads: ``planes`` holds the (N, C) input planes, ``outputs`` the (N, C) output rows, ``w`` the (C, K) taps,
    ``bias`` the (C,) biases (unused by the adjoint). Unit-stride planes take the padded-plane path, with scratch
    per thread; when that cannot be had, or off that path, the row by row loops need none."""
    cdef Py_ssize_t task, c, plane_size = g.n[0] * g.n[1] * g.n[2], positions = g.o[0] * g.o[1] * g.o[2]
    cdef Padded q
    cdef bint padded = _unit_stride_plane(g)
    cdef floating *scratch = NULL
    _padded_layout(g, &q)
    with parallel(num_threads=threads):
        scratch = <floating *>malloc((q.size + q.span) * sizeof(floating)) if padded else NULL
        for task in prange(tasks, schedule="static"):
            c = task % channels
            if adjoint and scratch != NULL:
                _depthwise_padded_input_grad(outputs + task * positions, planes + task * plane_size,
                                             w + c * g.taps, g, &q, scratch, scratch + q.size)
            elif adjoint:
                _depthwise_plane_input_grad(outputs + task * positions, planes + task * plane_size, w + c * g.taps,
                                            g)
            elif scratch != NULL:
                _depthwise_padded(planes + task * plane_size, outputs + task * positions, w + c * g.taps, bias[c], g,
                                  &q, scratch, scratch + q.size)
            else:
                _depthwise_plane(planes + task * plane_size, outputs + task * positions, w + c * g.taps, bias[c], g)
        free(scratch)


def depthwise(const floating[:, :, :, :, ::1] x, const floating[:, ::1] weight, const floating[::1] bias,
              floating[:, :, ::1] out, tuple kernel, tuple stride, tuple padding, tuple dilation, tuple out_size,
              int num_threads):
    """Depthwise convolution (one filter per channel): ``out[n, c, j] = bias[c] + Σ_tap weight[c, tap]
    x[n, c, window tap of j]`` with ``x (N, C, D, H, W)``, ``weight (C, K)``, ``bias (C,)``, ``out (N, C, L)``;
    geometry arguments as ``im2col``'s."""
    cdef Geometry g
    cdef Py_ssize_t tasks = x.shape[0] * x.shape[1]
    _geometry(&g, (x.shape[2], x.shape[3], x.shape[4]), kernel, stride, padding, dilation, out_size, 0,
              sizeof(floating), sizeof(floating))
    if tasks == 0 or out.shape[2] == 0:
        return
    cdef int threads = _threads(tasks, tasks * out.shape[2] * g.taps, num_threads)
    with nogil:
        _depthwise_run(<floating *>&x[0, 0, 0, 0, 0], &out[0, 0, 0], &weight[0, 0], &bias[0], tasks, x.shape[1], &g,
                       threads, False)  # (x is only read)


def depthwise_input_grad(const floating[:, :, ::1] grad, const floating[:, ::1] weight,
                         floating[:, :, :, :, ::1] x_grad, tuple kernel, tuple stride, tuple padding,
                         tuple dilation, tuple out_size, int num_threads):
    """Overwrite ``x_grad (N, C, D, H, W)`` with the depthwise convolution's input gradient for ``grad
    (N, C, L)``: every ``weight[c, tap] grad[n, c, j]`` added where its window read (same geometry arguments)."""
    cdef Geometry g
    cdef Py_ssize_t tasks = x_grad.shape[0] * x_grad.shape[1]
    _geometry(&g, (x_grad.shape[2], x_grad.shape[3], x_grad.shape[4]), kernel, stride, padding, dilation,
              out_size, 0, sizeof(floating), sizeof(floating))
    if tasks == 0 or x_grad.shape[2] * x_grad.shape[3] * x_grad.shape[4] == 0:
        return
    if grad.shape[2] == 0:
        x_grad[...] = 0
        return
    cdef int threads = _threads(tasks, tasks * grad.shape[2] * g.taps, num_threads)
    with nogil:
        _depthwise_run(&x_grad[0, 0, 0, 0, 0], <floating *>&grad[0, 0, 0], &weight[0, 0], NULL, tasks,
                       x_grad.shape[1], &g, threads, True)  # (grad is only read)


def depthwise_weight_grad(const floating[:, :, :, :, ::1] x, const floating[:, :, ::1] grad,
                          floating[:, ::1] weight_grad, tuple kernel, tuple stride, tuple padding, tuple dilation,
                          tuple out_size, int num_threads):
    """Overwrite ``weight_grad (C, K)`` with ``Σ_n Σ_j grad[n, c, j] x[n, c, window tap of j]``, one channel per
    task (same geometry arguments)."""
    cdef Geometry g
    cdef Py_ssize_t c, channels = x.shape[1], images = x.shape[0], lane_count = grad.shape[2]
    cdef Py_ssize_t x_step = x.shape[1] * x.shape[2] * x.shape[3] * x.shape[4]
    cdef Py_ssize_t grad_step = grad.shape[1] * grad.shape[2]
    _geometry(&g, (x.shape[2], x.shape[3], x.shape[4]), kernel, stride, padding, dilation, out_size, 0,
              sizeof(floating), sizeof(floating))
    if channels == 0:
        return
    if images == 0 or lane_count == 0:
        weight_grad[...] = 0
        return
    cdef int threads = _threads(channels, images * channels * lane_count * g.taps, num_threads)
    cdef Padded q
    cdef bint plane = _unit_stride_plane(&g)
    cdef floating *scratch = NULL
    cdef int[1] out_of_memory
    out_of_memory[0] = 0
    _padded_layout(&g, &q)
    with nogil, parallel(num_threads=threads):
        # per thread: the padded plane, the padded-width gradient and one span of lanes per tap; or, off the
        # unit-stride path, one row of lanes
        scratch = <floating *>malloc(((q.size + q.span + g.taps * q.span) if plane else g.o[2]) * sizeof(floating))
        if scratch == NULL:
            out_of_memory[0] = 1
        for c in prange(channels, schedule="static"):
            if scratch == NULL:
                continue
            if plane:
                _depthwise_padded_weight_grad(&x[0, c, 0, 0, 0], &grad[0, c, 0], &weight_grad[c, 0], images, x_step,
                                              grad_step, &g, &q, scratch, scratch + q.size,
                                              scratch + q.size + q.span)
            else:
                _depthwise_channel_weight_grad(&x[0, c, 0, 0, 0], &grad[0, c, 0], &weight_grad[c, 0], scratch,
                                               images, x_step, grad_step, &g)
        free(scratch)
    if out_of_memory[0]:
        raise MemoryError("depthwise_weight_grad: no memory for the per-thread scratch")
