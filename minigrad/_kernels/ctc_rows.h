/* The row loops of the scaled CTC recursions (used by ctc.pyx), written so that compilers vectorise them.
 *
 * Why C: each loop sums the row it writes. Without -ffast-math a compiler may not reorder a floating-point sum, so
 * a plain loop runs at one addition per FP-add latency (about 4 cycles per cell). Keeping MG_LANES independent
 * partial sums, combined in a fixed order (mg_sum_lanes), lets GCC and Clang vectorise and gives the same bits on
 * every ISA. Each function is compiled for AVX-512, AVX2 and the baseline ISA and the best one is picked at load
 * time (MG_CLONES), and the exponentials use simd_exp.h's vectorisable exp.
 *
 * Rows are indexed by state s of the extended label sequence l' (length S = 2L + 1) and only the band
 * [lo, hi) is touched. Every row pointer must stay valid two cells either side of the band (the callers keep
 * padded rows), because the recursions read s-2 .. s+2.
 */
#ifndef MINIGRAD_CTC_ROWS_H
#define MINIGRAD_CTC_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "simd_exp.h"

/* As in simd_exp.h: let GCC turn the exp's clamps into vector blends (nothing reads floating-point flags). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math")
#endif

/* The emission probabilities of one time step, y[s] = exp(lp_row[l'_s]) for s in [lo, hi), in double whatever
 * the input type. The blank states all share one exp; the label states (odd s = 2i + 1) are gathered into
 * label[i] first and exponentiated there, because a contiguous exp loop vectorises and a gather inside it would
 * not. Then both are interleaved into y (which may also be written at lo - 1, a cell outside the band). */
#define CTC_DEFINE_EMISSIONS(T, SUF)                                                                      \
MG_CLONES MG_ROW void ctc_emissions_##SUF(const T *restrict lp_row, const int64_t *restrict lab,          \
                                          double *restrict label, double *restrict y, ptrdiff_t lo,       \
                                          ptrdiff_t hi)                                                   \
{                                                                                                         \
    ptrdiff_t first = lo / 2, end = hi / 2; /* labels i with lo <= 2i + 1 < hi */                         \
    for (ptrdiff_t i = first; i < end; i++) label[i] = (double)lp_row[lab[2 * i + 1]];                    \
    for (ptrdiff_t i = first; i < end; i++) label[i] = mg_exp(label[i]);                                  \
    double blank = mg_exp((double)lp_row[lab[0]]);                                                        \
    for (ptrdiff_t i = first; i < end; i++) {                                                             \
        y[2 * i] = blank;                                                                                 \
        y[2 * i + 1] = label[i];                                                                          \
    }                                                                                                     \
    if (2 * end < hi) y[2 * end] = blank;                                                                 \
}

CTC_DEFINE_EMISSIONS(float, f32)
CTC_DEFINE_EMISSIONS(double, f64)

/* Forward step: cur[s] = (prev[s] + prev[s-1] + skip[s]·prev[s-2]) · scale · y[s] for s in [lo, hi), where
 * scale = 1 / Σ prev normalises the previous row. Returns Σ cur[lo:hi]. */
MG_CLONES MG_ROW double ctc_alpha_row(const double *restrict prev, double *restrict cur, const double *restrict y,
                                      const double *restrict skip, double scale, ptrdiff_t lo, ptrdiff_t hi)
{
    double acc[MG_LANES] = {0};
    ptrdiff_t s = lo;
    for (; s + MG_LANES <= hi; s += MG_LANES)
        for (int j = 0; j < MG_LANES; j++) {
            ptrdiff_t k = s + j;
            double v = (prev[k] + prev[k - 1] + skip[k] * prev[k - 2]) * scale * y[k];
            cur[k] = v;
            acc[j] += v;
        }
    double tail = 0.0;
    for (; s < hi; s++) {
        double v = (prev[s] + prev[s - 1] + skip[s] * prev[s - 2]) * scale * y[s];
        cur[s] = v;
        tail += v;
    }
    return mg_sum_lanes(acc) + tail;
}

/* Backward step, for s in [lo, hi):
 *     β(s)   = (next[s] + next[s+1] + skip[s+2]·next[s+2]) · scale      (next = β_{t+1}·y_{t+1}, scale = 1/Σ next)
 *     occ[s] = occ[s] · β(s)        (occ holds α_t on entry: the occupancy α·β, unnormalised, on exit)
 *     cur[s] = β(s) · y[s]          (the next step's "next")
 * totals[0] = Σ occ[lo:hi], totals[1] = Σ cur[lo:hi]. */
MG_CLONES MG_ROW void ctc_beta_row(const double *restrict next, double *restrict cur, double *restrict occ,
                                   const double *restrict y, const double *restrict skip, double scale,
                                   ptrdiff_t lo, ptrdiff_t hi, double *totals)
{
    double acc_occ[MG_LANES] = {0}, acc_cur[MG_LANES] = {0};
    ptrdiff_t s = lo;
    for (; s + MG_LANES <= hi; s += MG_LANES)
        for (int j = 0; j < MG_LANES; j++) {
            ptrdiff_t k = s + j;
            double beta = (next[k] + next[k + 1] + skip[k + 2] * next[k + 2]) * scale;
            double o = occ[k] * beta, e = beta * y[k];
            occ[k] = o;
            cur[k] = e;
            acc_occ[j] += o;
            acc_cur[j] += e;
        }
    double tail_occ = 0.0, tail_cur = 0.0;
    for (; s < hi; s++) {
        double beta = (next[s] + next[s + 1] + skip[s + 2] * next[s + 2]) * scale;
        double o = occ[s] * beta, e = beta * y[s];
        occ[s] = o;
        cur[s] = e;
        tail_occ += o;
        tail_cur += e;
    }
    totals[0] = mg_sum_lanes(acc_occ) + tail_occ;
    totals[1] = mg_sum_lanes(acc_cur) + tail_cur;
}

/* γ into the class accumulator: acc[lab[s]] -= occ[s] for the label states (odd s) and
 * acc[blank] -= Σ occ over the blank states (even s), for s in [lo, hi). */
static inline void ctc_scatter(const double *restrict occ, const int64_t *restrict lab, double *restrict acc,
                               int64_t blank, ptrdiff_t lo, ptrdiff_t hi)
{
    double blanks[4] = {0.0, 0.0, 0.0, 0.0};
    ptrdiff_t s = lo + (lo & 1); /* first even state */
    for (; s + 6 < hi; s += 8) {
        blanks[0] += occ[s];
        blanks[1] += occ[s + 2];
        blanks[2] += occ[s + 4];
        blanks[3] += occ[s + 6];
    }
    for (; s < hi; s += 2) blanks[0] += occ[s];
    for (s = lo | 1; s < hi; s += 2) acc[lab[s]] -= occ[s];
    acc[blank] -= (blanks[0] + blanks[1]) + (blanks[2] + blanks[3]);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

#endif /* MINIGRAD_CTC_ROWS_H */
