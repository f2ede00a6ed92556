# cython: language_level=3
"""CTC loss and its gradient in one fused pass.

For every sample ``b`` with input length ``T_b`` and target ``l = (l_1 .. l_L)`` the kernel computes

    nll_b = -log Σ_{alignments π of l} Π_t exp(log_probs[t, b, π_t])

and the true derivative ``grad[t, b, c] = d nll_b / d log_probs[t, b, c] = -γ_t(c)``, where ``γ_t(c)`` is the
posterior probability that an alignment emits class ``c`` at time ``t``. Rows ``t >= T_b`` get 0.

How (spec/kernels.md, "CTC"):

* **Scaled probability space** (Rabiner's scaling). With the extended labels ``l'`` (blank, l_1, blank, ..., l_L,
  blank; ``S = 2L + 1`` states) and ``y_t(s) = exp(log_probs[t, b, l'_s])`` gathered once per sample into a compact
  ``T_b × S`` table, the forward recursion is

      α_t(s) = (α̂_{t-1}(s) + α̂_{t-1}(s-1) + skip_s · α̂_{t-1}(s-2)) · y_t(s),   c_t = Σ_s α_t(s),   α̂_t = α_t / c_t

  (``skip_s`` = 1 when ``l'_s`` is a label different from ``l'_{s-2}``), and ``nll = -Σ_t log c_t``. One exp per
  label and time step, one log per time step, none per cell. The division by ``c_t`` is folded into the next step.
* **Band pruning**: at time ``t`` only states ``max(0, S - 2(T_b - t)) <= s < min(S, 2t + 2)`` can both be reached
  from the start and still reach the end; the others are never touched.
* **Backward** with a rolling pair of β rows, rescaled every step. The occupancies ``α_t(s)·β_t(s)``, normalised
  per time step, are ``γ`` directly (no ``log Z`` needed); they are scattered into a zeroed length-C row.
* The row loops (emissions with a vectorised exp, the α and β steps with their sums, the γ scatter) are in
  ``ctc_rows.h``; this file holds the algorithm around them.
* **Fallback**: if a scaled step underflows or is not finite (``c_t`` or the γ normaliser is 0, tiny, inf or nan), the
  sample is redone in log space (logsumexp recursions, the textbook algorithm of spec/losses.md §5.2).
* **Infeasible samples** (``L + repeats > T_b``) are decided before any recursion: nll = +inf and the gradient rows
  ``t < T_b`` are nan (what PyTorch gives), or nll = 0 and a zero gradient with ``zero_infinity``.
* Samples run in parallel (OpenMP ``prange``, dynamic schedule, longest first); each thread allocates one workspace
  per call, sized for the largest sample: O(T·S) per thread, never O(N·T·S).
"""
import numpy as np

from cython cimport floating
from cython.parallel cimport parallel, prange
from libc.math cimport INFINITY, NAN, exp, log, log1p
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc


cdef extern from "ctc_rows.h" nogil:
    void ctc_emissions_f32(const float* lp_row, const int64_t* lab, double* label, double* y, Py_ssize_t lo,
                           Py_ssize_t hi)
    void ctc_emissions_f64(const double* lp_row, const int64_t* lab, double* label, double* y, Py_ssize_t lo,
                           Py_ssize_t hi)
    double ctc_alpha_row(const double* prev, double* cur, const double* y, const double* skip, double scale,
                         Py_ssize_t lo, Py_ssize_t hi)
    void ctc_beta_row(const double* next, double* cur, double* occ, const double* y, const double* skip,
                      double scale, Py_ssize_t lo, Py_ssize_t hi, double* totals)
    void ctc_scatter(const double* occ, const int64_t* lab, double* acc, int64_t blank, Py_ssize_t lo,
                     Py_ssize_t hi)

__all__ = ["ctc_loss", "PATH_SCALED", "PATH_LOG_SPACE", "PATH_INFEASIBLE", "PATH_EMPTY"]

# How a sample was computed (written to ``paths`` when asked; the tests use it to prove each path runs).
cdef enum:
    SCALED = 0          # scaled probability space
    LOG_SPACE = 1       # log-space fallback (or forced)
    INFEASIBLE = 2      # L + repeats > T_b, decided before the recursion
    EMPTY = 3           # T_b == 0

PATH_SCALED, PATH_LOG_SPACE, PATH_INFEASIBLE, PATH_EMPTY = SCALED, LOG_SPACE, INFEASIBLE, EMPTY

# Below this a scaling factor is treated as an underflow: products of such numbers may already be denormal and
# have lost precision, so the sample is redone in log space.
cdef double TINY = 1e-280

# Each thread gets at least this many cells (Σ T_b·S_b) of work: measured here, a second thread starts to pay off
# around 8k cells (≈ 80 µs on one thread); below that starting it costs more than it saves.
cdef Py_ssize_t MIN_CELLS_PER_THREAD = 8192


cdef inline double _logaddexp(double a, double b) noexcept nogil:
    """log(exp(a) + exp(b)) with the max trick; -inf when both are -inf, nan when either is nan."""
    cdef double hi = a if a > b else b
    cdef double lo = b if a > b else a
    if lo == -INFINITY:
        return hi
    return hi + log1p(exp(lo - hi))


cdef inline Py_ssize_t _band_lo(Py_ssize_t t, Py_ssize_t S, Py_ssize_t T_b) noexcept nogil:
    """First state at time t from which the end is still reachable in the T_b - 1 - t steps left."""
    cdef Py_ssize_t lo = S - 2 * (T_b - t)
    return lo if lo > 0 else 0


cdef inline Py_ssize_t _band_hi(Py_ssize_t t, Py_ssize_t S) noexcept nogil:
    """One past the last state reachable from the start after t + 1 emissions."""
    cdef Py_ssize_t hi = 2 * t + 2
    return hi if hi < S else S


cdef inline void _write_row(floating* grad_row, double* acc, double scale, Py_ssize_t C) noexcept nogil:
    """grad_row = acc * scale, then clear acc for the next time step."""
    cdef Py_ssize_t c
    for c in range(C):
        grad_row[c] = <floating>(acc[c] * scale)
        acc[c] = 0.0


cdef inline void _fill_rows(floating* grad, Py_ssize_t b, Py_ssize_t N, Py_ssize_t C,
                            Py_ssize_t t_begin, Py_ssize_t t_end, floating value) noexcept nogil:
    cdef Py_ssize_t t, c
    cdef floating* row
    for t in range(t_begin, t_end):
        row = grad + (t * N + b) * C
        for c in range(C):
            row[c] = value


cdef int _scaled_sample(const floating* lp, floating* grad, Py_ssize_t b, Py_ssize_t N, Py_ssize_t C,
                        Py_ssize_t T_b, Py_ssize_t S, const int64_t* lab, const double* skip, bint want_grad,
                        double grad_scale, double* alpha, double* y, double* beta_rows, double* label_scratch,
                        double* acc, double* nll) noexcept nogil:
    """Scaled-space forward and backward (the gradient times grad_scale) for one sample. Returns 0 on success, 1 if
    it must be redone in log space.

    ``alpha`` is a T_b × (S + 4) table whose rows are addressed from offset 2, so that indices -2..S+1 are valid and
    the cells just outside the band can hold the zeros the recursions read. ``y`` is T_b × S. ``beta_rows`` holds
    two rows laid out like alpha's: β_{t+1}·y_{t+1} (read) and β_t·y_t (written), swapped every step. ``skip`` has
    S + 2 entries (zeros past the end). ``label_scratch`` holds L + 1 values.
    """
    cdef Py_ssize_t W = S + 4
    cdef Py_ssize_t t, s, lo, hi
    cdef double* cur
    cdef double* yt
    cdef double* beta_next
    cdef double* beta_here
    cdef double* swap
    cdef double total, emitted, scale = 1.0, log_z = 0.0
    cdef double[2] totals

    # Forward: α_t = (α_{t-1} sums) · scale · y_t with scale = 1 / Σ α_{t-1}; log Z = Σ_t log Σ α_t.
    for t in range(T_b):
        lo = _band_lo(t, S, T_b)
        hi = _band_hi(t, S)
        yt = y + t * S
        if floating is float:
            ctc_emissions_f32(lp + (t * N + b) * C, lab, label_scratch, yt, lo, hi)
        else:
            ctc_emissions_f64(lp + (t * N + b) * C, lab, label_scratch, yt, lo, hi)
        cur = alpha + t * W + 2
        if t == 0:
            total = 0.0
            for s in range(lo, hi):
                cur[s] = yt[s]
                total += yt[s]
        else:
            total = ctc_alpha_row(cur - W, cur, yt, skip, scale, lo, hi)
        # The next row reads up to two cells either side of this band.
        cur[lo - 2] = 0.0
        cur[lo - 1] = 0.0
        cur[hi] = 0.0
        cur[hi + 1] = 0.0
        if not (total > TINY and total < INFINITY):
            return 1
        log_z += log(total)
        scale = 1.0 / total
    # The last band holds only the two end states, so Π c_t is the whole probability.
    nll[0] = -log_z
    if not want_grad:
        return 0

    # Backward: β_t(s) = Σ_{s' in {s, s+1, s+2 if skip}} β_{t+1}(s')·y_{t+1}(s'), rescaled every step;
    # γ_t(s) ∝ α_t(s)·β_t(s), normalised per step (so no log Z is needed).
    for s in range(2 * W):
        beta_rows[s] = 0.0
    beta_next = beta_rows + 2
    beta_here = beta_rows + W + 2
    for t in range(T_b - 1, -1, -1):
        lo = _band_lo(t, S, T_b)
        hi = _band_hi(t, S)
        cur = alpha + t * W + 2
        yt = y + t * S
        if t == T_b - 1:  # β = 1 on the end states
            total = 0.0
            emitted = 0.0
            for s in range(lo, hi):
                total += cur[s]
                beta_here[s] = yt[s]
                emitted += yt[s]
        else:
            ctc_beta_row(beta_next, beta_here, cur, yt, skip, scale, lo, hi, totals)
            total = totals[0]
            emitted = totals[1]
        if not (total > TINY and total < INFINITY and emitted > TINY and emitted < INFINITY):
            return 1
        scale = 1.0 / emitted
        ctc_scatter(cur, lab, acc, lab[0], lo, hi)
        _write_row(grad + (t * N + b) * C, acc, grad_scale / total, C)
        swap = beta_next
        beta_next = beta_here
        beta_here = swap
    return 0


cdef void _log_space_sample(const floating* lp, floating* grad, Py_ssize_t b, Py_ssize_t N, Py_ssize_t C,
                            Py_ssize_t T_b, Py_ssize_t S, const int64_t* lab, const double* skip, bint want_grad,
                            double grad_scale, double* alpha, double* bn, double* acc, double* nll) noexcept nogil:
    """The textbook log-space recursions (spec/losses.md §5.2) for one sample, same band and layout as the scaled
    version. Used when the scaled recursion underflows. Writes nll (inf when no alignment has non-zero probability,
    nan for nan input) and the gradient rows t < T_b times grad_scale (nan rows when nll is not finite)."""
    cdef Py_ssize_t W = S + 4
    cdef Py_ssize_t t, s, lo, hi
    cdef const floating* lp_row
    cdef double* cur
    cdef double* prev
    cdef double value, log_z, beta, norm, high

    for t in range(T_b):
        lo = _band_lo(t, S, T_b)
        hi = _band_hi(t, S)
        lp_row = lp + (t * N + b) * C
        cur = alpha + t * W + 2
        for s in range(lo, hi):
            if t == 0:
                value = 0.0
            else:
                prev = cur - W
                value = _logaddexp(prev[s], prev[s - 1])
                if skip[s] != 0.0:
                    value = _logaddexp(value, prev[s - 2])
            cur[s] = value + <double>lp_row[lab[s]]
        cur[lo - 2] = -INFINITY
        cur[lo - 1] = -INFINITY
        cur[hi] = -INFINITY
        cur[hi + 1] = -INFINITY
    cur = alpha + (T_b - 1) * W + 2
    lo = _band_lo(T_b - 1, S, T_b)
    hi = _band_hi(T_b - 1, S)
    log_z = -INFINITY
    for s in range(lo, hi):
        log_z = _logaddexp(log_z, cur[s])
    nll[0] = -log_z
    if not want_grad:
        return
    if not (-INFINITY < log_z < INFINITY):
        _fill_rows(grad, b, N, C, 0, T_b, <floating>NAN)
        return

    # bn[s] holds log β_{t+1}(s) + log y_{t+1}(s).
    for s in range(-2, S + 2):
        bn[s] = -INFINITY
    for t in range(T_b - 1, -1, -1):
        lo = _band_lo(t, S, T_b)
        hi = _band_hi(t, S)
        lp_row = lp + (t * N + b) * C
        cur = alpha + t * W + 2
        high = -INFINITY
        for s in range(lo, hi):
            if t == T_b - 1:
                beta = 0.0
            else:
                beta = _logaddexp(bn[s], bn[s + 1])
                if skip[s + 2] != 0.0:
                    beta = _logaddexp(beta, bn[s + 2])
            cur[s] = cur[s] + beta
            if cur[s] > high:
                high = cur[s]
            bn[s] = beta + <double>lp_row[lab[s]]
        bn[hi] = -INFINITY
        bn[hi + 1] = -INFINITY
        # Normalise by this step's own total (≈ log Z) so that γ sums to exactly 1 over the step.
        norm = 0.0
        for s in range(lo, hi):
            norm += exp(cur[s] - high)
        norm = high + log(norm)
        for s in range(lo, hi):
            acc[lab[s]] -= exp(cur[s] - norm)
        _write_row(grad + (t * N + b) * C, acc, grad_scale, C)


cdef int _ctc_batch(const floating[:, :, ::1] log_probs, floating* g, double[::1] nll, signed char[::1] paths,
                    const int64_t[::1] targets, const int64_t[::1] target_offsets, const int64_t[::1] input_lengths,
                    const int64_t[::1] target_lengths, const double[::1] scale, const int64_t[::1] order,
                    Py_ssize_t blank, bint zero_infinity, bint force_log_space, int num_threads,
                    Py_ssize_t max_table, Py_ssize_t max_states) except -1:
    """Run every sample; returns 0, or raises MemoryError if a thread could not get its workspace.

    ``g`` points to the (T, N, C) gradient, or is NULL when no gradient is wanted (then only nll is computed).
    """
    cdef Py_ssize_t T = log_probs.shape[0], N = log_probs.shape[1], C = log_probs.shape[2]
    cdef const floating* lp = &log_probs[0, 0, 0]
    cdef bint want_grad = g != NULL
    cdef Py_ssize_t i, b, s, T_b, L, S, repeats
    cdef Py_ssize_t c = 0
    cdef const int64_t* labels
    # Initialised so that OpenMP's firstprivate copies of these per-thread pointers start defined.
    cdef double* workspace = NULL
    cdef int64_t* lab = NULL
    cdef double* skip = NULL
    cdef double* alpha = NULL
    cdef double* y = NULL
    cdef double* beta_rows = NULL
    cdef double* label_scratch = NULL
    cdef double* acc = NULL
    cdef signed char path
    cdef int[1] out_of_memory
    out_of_memory[0] = 0

    with nogil, parallel(num_threads=num_threads):
        # One workspace per thread: α and y tables, two β rows, skip flags, label scratch, the class accumulator;
        # and the extended labels.
        workspace = <double*>malloc(sizeof(double) * (max_table * 2 + (max_states + 4) * 4 + C))
        lab = <int64_t*>malloc(sizeof(int64_t) * (max_states + 4))
        if workspace == NULL or lab == NULL:
            out_of_memory[0] = 1
        else:
            alpha = workspace
            y = alpha + max_table
            beta_rows = y + max_table
            skip = beta_rows + 2 * (max_states + 4)
            label_scratch = skip + max_states + 4
            acc = label_scratch + max_states + 4
            for c in range(C):
                acc[c] = 0.0
            for i in prange(N, schedule="dynamic"):
                b = order[i]
                T_b = input_lengths[b]
                L = target_lengths[b]
                S = 2 * L + 1
                labels = &targets[0] + target_offsets[b] if L > 0 else NULL
                # Extended labels, skip flags (zero past the end) and the repeats that each cost one extra step.
                repeats = 0
                for s in range(S + 2):
                    skip[s] = 0.0
                for s in range(S):
                    if (s & 1) == 0:
                        lab[s] = blank
                    else:
                        lab[s] = labels[s // 2]
                        if s >= 3:
                            if lab[s] != lab[s - 2]:
                                skip[s] = 1.0
                            else:
                                repeats = repeats + 1
                if T_b == 0:
                    nll[b] = 0.0 if L == 0 else INFINITY
                    path = EMPTY
                elif L + repeats > T_b:
                    nll[b] = INFINITY
                    if want_grad:
                        _fill_rows(g, b, N, C, 0, T_b, <floating>NAN)
                    path = INFEASIBLE
                elif force_log_space or _scaled_sample(lp, g, b, N, C, T_b, S, lab, skip, want_grad, scale[b],
                                                       alpha, y, beta_rows, label_scratch, acc, &nll[b]) != 0:
                    _log_space_sample(lp, g, b, N, C, T_b, S, lab, skip, want_grad, scale[b], alpha,
                                      beta_rows + 2, acc, &nll[b])
                    path = LOG_SPACE
                else:
                    path = SCALED
                if zero_infinity and nll[b] == INFINITY:
                    nll[b] = 0.0
                    if want_grad:
                        _fill_rows(g, b, N, C, 0, T_b, <floating>0.0)
                if want_grad:
                    _fill_rows(g, b, N, C, T_b, T, <floating>0.0)
                paths[b] = path
        free(workspace)
        free(lab)
    if out_of_memory[0]:
        raise MemoryError("ctc_loss: could not allocate the per-thread workspace")
    return 0


def ctc_loss(const floating[:, :, ::1] log_probs, const int64_t[::1] targets, const int64_t[::1] target_offsets,
             const int64_t[::1] input_lengths, const int64_t[::1] target_lengths, Py_ssize_t blank,
             bint zero_infinity, const double[::1] scale, floating[::1] loss_out, floating[:, :, ::1] grad_out,
             int num_threads, *, bint force_log_space=False, paths=None):
    """Per-sample CTC negative log-likelihood and its gradient with respect to ``log_probs``, in one pass.

    The calling convention of every kernel of minigrad._kernels, except that ``scale`` has one value per sample:
    torch's 'mean' divides each sample's loss by its own target length.

    Parameters
    ----------
    log_probs : (T, N, C), float32 or float64, C-contiguous (read-only is fine)
    targets : int64 — the targets, sample b's at ``targets[target_offsets[b]:][:target_lengths[b]]``
        (concatenated targets, or padded (N, S) targets flattened with offsets ``b * S``; other entries are never
        read)
    target_offsets : int64 (N,) — where sample b's target starts in ``targets``
    input_lengths, target_lengths : int64 (N,)
    blank : the blank class
    zero_infinity : infeasible samples get nll 0 and a zero gradient instead of inf and nan rows
    scale : float64 (N,) — sample b's gradient is multiplied by scale[b]
    loss_out : (N,), the dtype of log_probs — receives nll_b
    grad_out : (T, N, C) like log_probs, or None (not computed: the backward recursion is skipped) — receives
        scale[b] * d nll_b / d log_probs[t, b, :] = -scale[b] γ_t for t < T_b, 0 after
    num_threads : >= 1 — upper bound; small batches run on one thread
    force_log_space : skip the scaled recursion (for tests)
    paths : optional int8 (N,) — receives how each sample was computed (PATH_* constants)

    Returns the sum of loss_out (in sample order).

    The caller (``minigrad.nn.functional.ctc_loss``) validates: 0 <= input_lengths <= T, target_lengths >= 0,
    every target in [0, C) and != blank, 0 <= blank < C, offsets + lengths inside ``targets``. This function trusts
    those and checks only array kinds and sizes.
    """
    cdef Py_ssize_t T = log_probs.shape[0], N = log_probs.shape[1], C = log_probs.shape[2], b
    for name, size in (("target_offsets", target_offsets.shape[0]), ("input_lengths", input_lengths.shape[0]),
                       ("target_lengths", target_lengths.shape[0]), ("scale", scale.shape[0]),
                       ("loss_out", loss_out.shape[0])):
        if size != N:
            raise ValueError(f"{name} must have shape ({N},), got ({size},)")
    nll_array = np.empty(N, dtype=np.float64)
    cdef double[::1] nll = nll_array
    if paths is None:
        paths = np.empty(N, dtype=np.int8)
    cdef floating* g = &grad_out[0, 0, 0] if grad_out is not None and grad_out.size else NULL
    if T * N * C == 0:  # nothing to run: every input length is 0
        if grad_out is not None:
            grad_out[...] = 0
        for b in range(N):
            nll[b] = 0.0 if target_lengths[b] == 0 else INFINITY
    else:
        states = 2 * np.asarray(target_lengths) + 1
        cells = np.asarray(input_lengths) * states
        # Longest samples first: with a dynamic schedule the short ones fill in the gaps at the end.
        order = np.argsort(-cells, kind="stable").astype(np.int64)
        threads = max(1, min(num_threads, N, int(cells.sum()) // MIN_CELLS_PER_THREAD))
        _ctc_batch[floating](log_probs, g, nll, paths, targets, target_offsets, input_lengths, target_lengths,
                             scale, order, blank, zero_infinity, force_log_space, threads,
                             int((np.asarray(input_lengths) * (states + 4)).max()), int(states.max()))
    cdef double total = 0
    for b in range(N):
        loss_out[b] = <floating>nll[b]
        total += loss_out[b]
    return total
