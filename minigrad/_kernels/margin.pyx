# cython: freethreading_compatible = True
"""Fused loss + gradient kernels for the row-wise margin losses (spec/losses.md §4, spec/kernels.md "Margin
losses"): multi-margin, multilabel-margin and triplet-margin.

Each kernel makes one pass over its rows and computes the loss *and* its gradient, so the autograd backward only
has to scale the cached gradient by the upstream one. Calling convention (every kernel of minigrad._kernels)::

    kernel(inputs..., options..., double scale, loss_out, grad_out..., int num_threads) -> double

The caller allocates the outputs: ``loss_out`` (N,) in the inputs' dtype receives each row's loss (required: the
returned sum adds it in row order, so it does not depend on the thread count); each ``grad_out``, shaped like its
input, receives ``scale`` times the gradient of the row losses, or is None and is not computed. (The elementwise
margin losses, hinge embedding and margin ranking, are in elementwise_losses.pyx.)

Arrays in, arrays out: the kernels trust their inputs. The Python wrappers in minigrad/nn/functional/margin.py
check shapes, dtypes and target ranges first, and pass C-contiguous float32 or float64 arrays (one dtype for all
float arguments of a call) and int64 targets.

The inner loops live in margin_rows.h (vectorised double-precision sums); this file holds the per-row logic,
the parallel loops over rows and the Python interface.
"""
from cython cimport floating
from cython.parallel cimport parallel, prange, threadid
from libc.math cimport INFINITY, fabs, isinf, isnan, log2, pow, sqrt
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc, qsort
from libc.string cimport memcpy, memset

from minigrad._kernels.simd_exp cimport ordered_sum

import numpy as np

__all__ = ["multi_margin", "multilabel_margin", "triplet_margin"]

cdef extern from "margin_rows.h" nogil:
    double mgm_multi_margin_p1_f32(const float *x, float c, float scale, float *g, Py_ssize_t n, double *slope_sum)
    double mgm_multi_margin_p1_f64(const double *x, double c, double scale, double *g, Py_ssize_t n,
                                   double *slope_sum)
    double mgm_multi_margin_p2_f32(const float *x, float c, float scale, float *g, Py_ssize_t n, double *slope_sum)
    double mgm_multi_margin_p2_f64(const double *x, double c, double scale, double *g, Py_ssize_t n,
                                   double *slope_sum)
    double mgm_multilabel_target_f32(const float *s, float c, float scale, float *g, Py_ssize_t n, double *count)
    double mgm_multilabel_target_f64(const double *s, double c, double scale, double *g, Py_ssize_t n,
                                     double *count)
    double mgm_dist_l2sq_f32(const float *u, const float *v, float eps, Py_ssize_t n)
    double mgm_dist_l2sq_f64(const double *u, const double *v, double eps, Py_ssize_t n)
    double mgm_dist_l1_f32(const float *u, const float *v, float eps, Py_ssize_t n)
    double mgm_dist_l1_f64(const double *u, const double *v, double eps, Py_ssize_t n)
    void mgm_triplet_grad_l2_f32(const float *a, const float *p, const float *n, float eps, float k_ap,
                                 float k_an, float k_pn, float *ga, float *gp, float *gn, Py_ssize_t dim)
    void mgm_triplet_grad_l2_f64(const double *a, const double *p, const double *n, double eps, double k_ap,
                                 double k_an, double k_pn, double *ga, double *gp, double *gn, Py_ssize_t dim)
    void mgm_triplet_grad_l1_f32(const float *a, const float *p, const float *n, float eps, float k_ap,
                                 float k_an, float k_pn, float *ga, float *gp, float *gn, Py_ssize_t dim)
    void mgm_triplet_grad_l1_f64(const double *a, const double *p, const double *n, double eps, double k_ap,
                                 double k_an, double k_pn, double *ga, double *gp, double *gn, Py_ssize_t dim)
    double mgm_hinge_f32(const float *x, const float *y, float margin, float scale, float *loss, float *g,
                         Py_ssize_t n)
    double mgm_hinge_f64(const double *x, const double *y, double margin, double scale, double *loss,
                         double *g, Py_ssize_t n)
    double mgm_ranking_f32(const float *x1, const float *x2, const float *y, float margin, float scale,
                           float *loss, float *g1, float *gy, Py_ssize_t n)
    double mgm_ranking_f64(const double *x1, const double *x2, const double *y, double margin, double scale,
                           double *loss, double *g1, double *gy, Py_ssize_t n)

cdef enum:
    # Below this much work (elements touched) a call runs on one thread: waking a second one costs more.
    PARALLEL_MIN_WORK = 32768


cdef inline int _threads_for(Py_ssize_t work, int num_threads) noexcept nogil:
    return num_threads if work >= PARALLEL_MIN_WORK and num_threads > 1 else 1


cdef double _no_rows(floating[::1] loss_out):
    """A row kernel's result for no rows or no classes: every (if any) row's loss is 0."""
    loss_out[:] = 0
    return 0.0


cdef _given_or_empty(grad_out, bint wanted, Py_ssize_t rows, Py_ssize_t cols, floating[::1] like):
    """grad_out, or (when it is None but the loop writes gradients anyway) uninitialised scratch (rows, cols):
    one row per thread for the row losses, the full shape for triplet's three gradients."""
    if grad_out is not None or not wanted:
        return grad_out
    return np.empty((rows, cols), dtype=np.float32 if floating is float else np.float64)


# ----------------------------------------------------------------------------------------------------------------
# MultiMarginLoss
# ----------------------------------------------------------------------------------------------------------------

cdef inline double _multi_margin_segment(const floating *x, floating c, floating scale, floating *g, Py_ssize_t n,
                                         int p, double *slope_sum) noexcept nogil:
    if floating is float:
        if p == 1:
            return mgm_multi_margin_p1_f32(x, c, scale, g, n, slope_sum)
        return mgm_multi_margin_p2_f32(x, c, scale, g, n, slope_sum)
    else:
        if p == 1:
            return mgm_multi_margin_p1_f64(x, c, scale, g, n, slope_sum)
        return mgm_multi_margin_p2_f64(x, c, scale, g, n, slope_sum)


cdef inline double _multi_margin_row(const floating *x, Py_ssize_t y, Py_ssize_t C, int p, floating margin,
                                     floating w, double grad_scale, floating *g) noexcept nogil:
    """Loss of one row; writes the row's gradient. The target class is skipped by splitting the row around it."""
    cdef floating c = margin - x[y]   # rounded like torch's scalar_t arithmetic, so the kinks agree
    cdef floating scale = <floating>(w * grad_scale / C)
    cdef double slopes_before, slopes_after
    cdef double total = (_multi_margin_segment(x, c, scale, g, y, p, &slopes_before)
                         + _multi_margin_segment(x + y + 1, c, scale, g + y + 1, C - y - 1, p, &slopes_after))
    g[y] = <floating>(-scale * (slopes_before + slopes_after))
    return w * total / C


def multi_margin(const floating[:, ::1] x, const int64_t[::1] target, const floating[::1] weight, int p,
                 double margin, double scale, floating[::1] loss_out, floating[:, ::1] grad_out, int num_threads):
    """MultiMarginLoss per row, with its gradient.

    ``loss_out[n] = sum_{i != y} w[y] * max(0, margin - x[n, y] + x[n, i])**p / C`` for x (N, C), target (N,) in
    [0, C), weight (C,) (ones for no weight), p in {1, 2}. Only ``z > 0`` counts (strict, as torch's loop).
    ``grad_out`` (N, C) or None: ``scale * w[y] * (1 or 2 z_i) / C`` at each active class i and minus their sum
    at y. Returns the sum of the row losses.
    """
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], n
    if N == 0 or C == 0:
        return _no_rows(loss_out)
    cdef int nt = _threads_for(N * C, num_threads), tid = 0
    cdef floating[:, ::1] rows = _given_or_empty(grad_out, True, nt, C, loss_out)
    cdef bint want_grad = grad_out is not None
    cdef const floating *xp = &x[0, 0]
    cdef floating *gp = &rows[0, 0]
    cdef floating m = <floating>margin
    with nogil, parallel(num_threads=nt):
        tid = threadid()
        for n in prange(N, schedule="static"):
            loss_out[n] = <floating>_multi_margin_row(xp + n * C, target[n], C, p, m, weight[target[n]], scale,
                                                      gp + (n if want_grad else tid) * C)
    return ordered_sum(loss_out)


# ----------------------------------------------------------------------------------------------------------------
# MultiLabelMarginLoss
# ----------------------------------------------------------------------------------------------------------------

cdef struct ScoredTarget:
    double c            # 1 - x[target], rounded in the input's dtype (exact in double)
    Py_ssize_t cls      # the target class


cdef int _by_c_descending(const void *a, const void *b) noexcept nogil:
    cdef double ca = (<const ScoredTarget *>a).c, cb = (<const ScoredTarget *>b).c
    return (ca < cb) - (ca > cb)


cdef inline double _multilabel_direct(const floating *x, const int64_t *targets, Py_ssize_t K, Py_ssize_t C,
                                      const floating *scores, floating scale, floating *g) noexcept nogil:
    """O(K C): one vectorised pass over the row per listed target. scores is x with -inf at the targets."""
    cdef double total = 0.0, count
    cdef floating c
    cdef Py_ssize_t j
    for j in range(K):
        c = 1 - x[targets[j]]
        if floating is float:
            total += mgm_multilabel_target_f32(scores, c, scale, g, C, &count)
        else:
            total += mgm_multilabel_target_f64(scores, c, scale, g, C, &count)
        g[targets[j]] -= <floating>(scale * count)
    return total


cdef inline double _multilabel_sorted(const floating *x, const int64_t *targets, Py_ssize_t K, Py_ssize_t C,
                                      const floating *scores, floating scale, floating *g, ScoredTarget *order,
                                      double *prefix, Py_ssize_t *hits) noexcept nogil:
    """O((K + C) log K), for rows listing many targets. scores is x with -inf at the targets.

    Sort the targets by c_j = 1 - x[y_j], largest first. For a non-target class i the active targets
    (c_j + x[i] > 0, evaluated in the input's dtype exactly as the direct loop does, which is monotone in c_j)
    are then a prefix of that order, found by binary search: with cnt_i of them, class i contributes
    ``cnt_i x[i] + prefix[cnt_i]`` to the loss and ``cnt_i`` to its gradient, and the target at sorted position
    k is active for every class with cnt_i > k.
    """
    cdef Py_ssize_t m = 0, j, i, k, lo, length, half, active
    cdef floating c, xi
    cdef bint on
    cdef double total = 0.0
    for j in range(K):
        c = 1 - x[targets[j]]
        if not isnan(c):  # a nan score is never active (z = nan is not > 0)
            order[m].c = c
            order[m].cls = targets[j]
            m += 1
    qsort(order, m, sizeof(ScoredTarget), _by_c_descending)
    prefix[0] = 0.0
    for k in range(m):
        prefix[k + 1] = prefix[k] + order[k].c
        hits[k] = 0
    hits[m] = 0
    for i in range(C):
        xi = scores[i]
        if xi == -INFINITY:  # a target, or a score that is never active: gradient 0
            continue
        # Branch-free lower bound: lo = the number of targets with c_j + xi > 0.
        lo = 0
        length = m
        while length > 0:
            half = length >> 1
            on = <floating>(<floating>order[lo + half].c + xi) > 0
            lo = lo + on * (half + 1)
            length = half + on * (length - 2 * half - 1)
        g[i] = scale * lo
        if lo > 0:  # (0 * inf would be nan)
            total += lo * <double>xi + prefix[lo]
            hits[lo] += 1
    active = 0
    for k in range(m - 1, -1, -1):
        active = active + hits[k + 1]
        g[order[k].cls] -= <floating>(scale * active)
    return total


cdef inline bint _sorted_is_cheaper(Py_ssize_t K, Py_ssize_t C) noexcept nogil:
    """Cost model (ns per row, measured on this project's 2-core x86-64 machines) of the two multilabel paths.

    Direct: about 30 per target plus 0.3 per target and class (vectorised). Sorted: log2(K) binary-search steps
    of about 4 for each class, plus qsort's roughly 10 K log2(K). The sorted path wins from about K = 100 for
    C = 1000 and never for C = 100.
    """
    return log2(<double>K) * (10.0 * K + 4.0 * C) < K * (30.0 + 0.3 * C)


def multilabel_margin(const floating[:, ::1] x, const int64_t[:, ::1] target, double scale,
                      floating[::1] loss_out, floating[:, ::1] grad_out, int num_threads, *, str path="auto"):
    """MultiLabelMarginLoss per row, with its gradient.

    For x (N, C) and target (N, C) with entries in [-1, C): the row's targets are its entries up to the first -1
    (a class listed twice counts twice). ``loss_out[n] = sum_j sum_{i not a target} max(0, 1 - x[y_j] + x[i]) / C``;
    every pair with ``z > 0`` (strict) adds ``scale / C`` to ``grad_out[n, i]`` and subtracts it from
    ``grad_out[n, y_j]`` (grad_out (N, C) or None). Returns the sum of the row losses.

    Instead of torch's N x C float target mask, each thread keeps one scratch row: the scores with -inf at the
    target classes, which no pair can activate. Rows with few targets run the vectorised O(K C) loop, rows with
    many a sorted-threshold O((K + C) log K) search, chosen per row by a cost model; ``path="direct"`` or
    ``"sorted"`` forces one (for tests and benchmarks).
    """
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], n, K
    if N == 0 or C == 0:
        return _no_rows(loss_out)
    cdef int nt = _threads_for(N * C, num_threads), tid = 0
    cdef bint want_grad = grad_out is not None
    cdef floating[:, ::1] rows = _given_or_empty(grad_out, True, nt, C, loss_out)
    cdef const floating *xp = &x[0, 0]
    cdef const int64_t *tp = &target[0, 0]
    cdef floating *gp = &rows[0, 0]
    cdef floating *g_row = NULL
    cdef floating pair_scale = <floating>(scale / C)
    cdef int forced = {"auto": 0, "direct": 1, "sorted": 2}[path]
    # Per-thread scratch, indexed by threadid(): the masked scores, and the sorted path's buffers.
    cdef floating *all_scores = <floating *>malloc(nt * C * sizeof(floating))
    cdef ScoredTarget *orders = <ScoredTarget *>malloc(nt * C * sizeof(ScoredTarget))
    cdef double *prefixes = <double *>malloc(nt * (C + 1) * sizeof(double))
    cdef Py_ssize_t *hits = <Py_ssize_t *>malloc(nt * (C + 1) * sizeof(Py_ssize_t))
    cdef floating *scores = NULL
    try:
        if all_scores == NULL or orders == NULL or prefixes == NULL or hits == NULL:
            raise MemoryError()
        with nogil, parallel(num_threads=nt):
            tid = threadid()
            scores = all_scores + tid * C
            for n in prange(N, schedule="static"):
                g_row = gp + (n if want_grad else tid) * C
                memset(g_row, 0, C * sizeof(floating))  # the loops add to it
                memcpy(scores, xp + n * C, C * sizeof(floating))
                K = 0
                while K < C and tp[n * C + K] >= 0:
                    scores[tp[n * C + K]] = -INFINITY
                    K = K + 1
                if forced == 1 or (forced == 0 and (K < 2 or not _sorted_is_cheaper(K, C))):
                    loss_out[n] = <floating>(_multilabel_direct(xp + n * C, tp + n * C, K, C, scores, pair_scale,
                                                                g_row) / C)
                else:
                    loss_out[n] = <floating>(_multilabel_sorted(xp + n * C, tp + n * C, K, C, scores, pair_scale,
                                                                g_row, orders + tid * C, prefixes + tid * (C + 1),
                                                                hits + tid * (C + 1)) / C)
    finally:
        free(all_scores)
        free(orders)
        free(prefixes)
        free(hits)
    return ordered_sum(loss_out)


# ----------------------------------------------------------------------------------------------------------------
# TripletMarginLoss
# ----------------------------------------------------------------------------------------------------------------

cdef inline double _sign(double v) noexcept nogil:
    return (v > 0) - (v < 0)


cdef double _pnorm(const floating *u, const floating *v, floating eps, Py_ssize_t D, double p,
                   double *phi) noexcept nogil:
    """``||u - v + eps||_p`` for any p, and its gradient w.r.t. the difference into phi (torch's norm_backward).

    p = 0 counts the non-zeros (gradient 0); p = +-inf takes the largest / smallest |d| and shares the gradient
    among the entries reaching it (and nan entries); p < 1 gives 0 where d = 0; other p give 0 where the norm is 0.
    """
    cdef Py_ssize_t i, ties = 0
    cdef double d, a, norm = 0.0, coef
    for i in range(D):
        phi[i] = <double>((u[i] - v[i]) + eps)
    if p == 0:
        for i in range(D):
            norm += phi[i] != 0
            phi[i] = 0.0
        return norm
    if isinf(p):
        norm = fabs(phi[0]) if D > 0 else 0.0
        for i in range(1, D):
            a = fabs(phi[i])
            if (a > norm) if p > 0 else (a < norm):
                norm = a
            elif isnan(a):
                norm = a
        for i in range(D):
            a = fabs(phi[i])
            ties += (a == norm) or isnan(a)
        for i in range(D):
            a = fabs(phi[i])
            phi[i] = _sign(phi[i]) / ties if (a == norm or isnan(a)) else 0.0
        return norm
    for i in range(D):
        norm += pow(fabs(phi[i]), p)
    norm = pow(norm, 1.0 / p)
    if p < 1:
        coef = pow(norm, 1.0 - p)
        for i in range(D):
            d = phi[i]
            phi[i] = 0.0 if d == 0 else _sign(d) * pow(fabs(d), p - 1.0) * coef
    else:
        coef = 0.0 if norm == 0 else 1.0 / pow(norm, p - 1.0)
        for i in range(D):
            d = phi[i]
            phi[i] = _sign(d) * pow(fabs(d), p - 1.0) * coef
    return norm


cdef inline double _fast_dist(const floating *u, const floating *v, floating eps, Py_ssize_t D,
                              int p) noexcept nogil:
    """The p = 1 / p = 2 distance, rounded to the input's dtype like torch's norm output."""
    if floating is float:
        return <float>(mgm_dist_l1_f32(u, v, eps, D) if p == 1 else sqrt(mgm_dist_l2sq_f32(u, v, eps, D)))
    else:
        return mgm_dist_l1_f64(u, v, eps, D) if p == 1 else sqrt(mgm_dist_l2sq_f64(u, v, eps, D))


cdef inline void _fast_triplet_grad(const floating *a, const floating *p, const floating *n, floating eps,
                                    floating k_ap, floating k_an, floating k_pn, floating *ga, floating *gp,
                                    floating *gn, Py_ssize_t D, int norm_p) noexcept nogil:
    if floating is float:
        if norm_p == 1:
            mgm_triplet_grad_l1_f32(a, p, n, eps, k_ap, k_an, k_pn, ga, gp, gn, D)
        else:
            mgm_triplet_grad_l2_f32(a, p, n, eps, k_ap, k_an, k_pn, ga, gp, gn, D)
    else:
        if norm_p == 1:
            mgm_triplet_grad_l1_f64(a, p, n, eps, k_ap, k_an, k_pn, ga, gp, gn, D)
        else:
            mgm_triplet_grad_l2_f64(a, p, n, eps, k_ap, k_an, k_pn, ga, gp, gn, D)


cdef inline double _inverse_or_zero(double d) noexcept nogil:
    return 0.0 if d == 0 else 1.0 / d


cdef double _triplet_row(const floating *a, const floating *p, const floating *n, Py_ssize_t D, double margin,
                         double norm_p, floating eps, bint swap, double scale, bint want_grad, floating *ga,
                         floating *gp, floating *gn, double *phi) noexcept nogil:
    """Loss of one triplet row; with want_grad writes the three gradient rows. phi: 3 D doubles of scratch."""
    cdef bint fast = norm_p == 1 or norm_p == 2
    cdef double d_ap, d_an, d_pn = INFINITY, d_neg, z, w_an = 1.0, w_pn = 0.0
    cdef Py_ssize_t i
    if fast:
        d_ap = _fast_dist(a, p, eps, D, <int>norm_p)
        d_an = _fast_dist(a, n, eps, D, <int>norm_p)
        if swap:
            d_pn = _fast_dist(p, n, eps, D, <int>norm_p)
    else:
        d_ap = _pnorm(a, p, eps, D, norm_p, phi)
        d_an = _pnorm(a, n, eps, D, norm_p, phi + D)
        if swap:
            d_pn = _pnorm(p, n, eps, D, norm_p, phi + 2 * D)
        if floating is float:  # torch's norm returns the input's dtype
            d_ap = <float>d_ap
            d_an = <float>d_an
            d_pn = <float>d_pn
    d_neg = d_an
    if swap:
        # minimum(d_an, d_pn): the gradient goes to the smaller one, half to each on a tie.
        if d_pn < d_an:
            d_neg, w_an, w_pn = d_pn, 0.0, 1.0
        elif d_pn == d_an:
            w_an = w_pn = 0.5
    z = margin + d_ap - d_neg
    if not want_grad:
        return z if not z < 0 else 0.0
    if not z >= 0:  # clamp_min passes the gradient at z == 0; nan passes none
        memset(ga, 0, D * sizeof(floating))
        memset(gp, 0, D * sizeof(floating))
        memset(gn, 0, D * sizeof(floating))
        return z if isnan(z) else 0.0
    if fast:
        if norm_p == 2:  # phi = diff / norm (0 when the norm is 0)
            _fast_triplet_grad(a, p, n, eps, <floating>(scale * _inverse_or_zero(d_ap)),
                               <floating>(scale * w_an * _inverse_or_zero(d_an)),
                               <floating>(scale * w_pn * _inverse_or_zero(d_pn)), ga, gp, gn, D, 2)
        else:  # phi = sign(diff)
            _fast_triplet_grad(a, p, n, eps, <floating>scale, <floating>(scale * w_an), <floating>(scale * w_pn),
                               ga, gp, gn, D, 1)
    else:
        for i in range(D):
            ga[i] = <floating>(scale * (phi[i] - w_an * phi[D + i]))
            gp[i] = <floating>(scale * (-phi[i] - (w_pn * phi[2 * D + i] if w_pn != 0 else 0.0)))
            gn[i] = <floating>(scale * (w_an * phi[D + i] + (w_pn * phi[2 * D + i] if w_pn != 0 else 0.0)))
    return z


def triplet_margin(const floating[:, ::1] anchor, const floating[:, ::1] positive,
                   const floating[:, ::1] negative, double margin, double p, double eps, bint swap, double scale,
                   floating[::1] loss_out, floating[:, ::1] grad_anchor_out, floating[:, ::1] grad_positive_out,
                   floating[:, ::1] grad_negative_out, int num_threads):
    """TripletMarginLoss per row, with the gradients of all three inputs.

    For (M, D) inputs: ``d(u, v) = ||u - v + eps||_p`` over the last axis (eps added to every component, in the
    inputs' dtype), ``d_neg = d(a, n)`` or with ``swap`` ``min(d(a, n), d(p, n))``, and
    ``loss_out[m] = clamp_min(margin + d(a, p) - d_neg, 0)``. Rows with ``margin + d(a, p) - d_neg >= 0`` pass the
    gradient (clamp_min); a tie in the swap sends half of it each way. Fast paths for p = 1 and p = 2; any other
    p (including 0 and +-inf) follows torch's norm gradient. The three ``grad_*_out`` (M, D) receive ``scale``
    times the gradients; they are computed together, so a None one among given ones is written to scratch.
    Returns the sum of the row losses.
    """
    cdef Py_ssize_t M = anchor.shape[0], D = anchor.shape[1], m
    cdef bint want_grad = (grad_anchor_out is not None or grad_positive_out is not None
                           or grad_negative_out is not None)
    if M == 0 or D == 0:  # every distance of an empty vector is 0
        loss_out[:] = max(margin, 0.0)
        return ordered_sum(loss_out)
    cdef floating[:, ::1] ga = _given_or_empty(grad_anchor_out, want_grad, M, D, loss_out)
    cdef floating[:, ::1] gp = _given_or_empty(grad_positive_out, want_grad, M, D, loss_out)
    cdef floating[:, ::1] gn = _given_or_empty(grad_negative_out, want_grad, M, D, loss_out)
    cdef bint fast = p == 1 or p == 2
    # Scratch for general p: phi of the three distances, per thread.
    cdef int nt = _threads_for(M * D, num_threads), tid = 0
    cdef double[:, ::1] phi = np.empty((1 if fast else nt, 1 if fast else 3 * D), dtype=np.float64)
    cdef const floating *ap = &anchor[0, 0]
    cdef const floating *pp = &positive[0, 0]
    cdef const floating *np_ = &negative[0, 0]
    cdef floating *gap = &ga[0, 0] if want_grad else NULL
    cdef floating *gpp = &gp[0, 0] if want_grad else NULL
    cdef floating *gnp = &gn[0, 0] if want_grad else NULL
    cdef floating eps_t = <floating>eps
    with nogil, parallel(num_threads=nt):
        tid = threadid()
        for m in prange(M, schedule="static"):
            loss_out[m] = <floating>_triplet_row(ap + m * D, pp + m * D, np_ + m * D, D, margin, p, eps_t, swap,
                                                 scale, want_grad, gap + m * D if want_grad else NULL,
                                                 gpp + m * D if want_grad else NULL,
                                                 gnp + m * D if want_grad else NULL, &phi[0 if fast else tid, 0])
    return ordered_sum(loss_out)
