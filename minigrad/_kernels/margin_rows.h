/* Vectorisable row loops for the margin losses (used by margin.pyx).
 *
 * Why C: each loop sums in double while it writes a gradient. Without -ffast-math a compiler may not reorder a
 * floating-point sum, so a plain loop runs at one addition per FP-add latency (about 4 cycles per element).
 * Keeping MG_LANES independent partial sums, combined in a fixed order, lets GCC and Clang vectorise the loops
 * and gives the same bits on every ISA. Each function is compiled for AVX-512, AVX2 and the baseline ISA and the
 * best one is picked once at load time (simd_exp.h's MG_CLONES), so a build without -march=native still uses
 * wide vectors.
 *
 * The functions are written once, in margin_rows_body.h, and instantiated here for T = float (names ending in
 * _f32) and T = double (_f64).
 *
 * Kink conventions (spec/losses.md §0.4): the multi-margin and multilabel-margin loops count a term only when
 * z > 0; a nan z never counts and never passes a gradient. (The elementwise margin losses, hinge embedding and
 * margin ranking, are in elementwise_rows_body.h.)
 */
#ifndef MINIGRAD_MARGIN_ROWS_H
#define MINIGRAD_MARGIN_ROWS_H

#include <stddef.h>

#include "simd_exp.h"  /* MG_CLONES (the ISA clones), MG_LANES, mg_sum_lanes, restrict for MSVC */

/* MGM_KERNEL marks every row function. Besides the ISA clones it turns off GCC's -ftrapping-math for them: under
 * that default GCC will not if-convert a select such as `z > 0 ? zd : 0.0` (the comparison might raise an FP
 * exception), which leaves the loops scalar. Nothing here reads the FP exception flags, and the results are the
 * same bits either way (unlike -ffast-math, this changes no arithmetic). It is an attribute on each function
 * because `#pragma GCC optimize` does not reach target_clones functions (measured: the loops stayed scalar). */
#if defined(__GNUC__) && !defined(__clang__)
#define MGM_KERNEL MG_CLONES static __attribute__((optimize("no-trapping-math")))
#else
#define MGM_KERNEL MG_CLONES static
#endif

/* Runs STEP(k, lane) for k in [0, n): full blocks of MG_LANES first (the vectorised part), then the tail. */
#define MGM_FOR_LANES(n, STEP)                                                                    \
    do {                                                                                          \
        ptrdiff_t i_ = 0;                                                                         \
        for (; i_ + MG_LANES <= (n); i_ += MG_LANES)                                              \
            for (int j_ = 0; j_ < MG_LANES; j_++) STEP(i_ + j_, j_);                              \
        for (; i_ < (n); i_++) STEP(i_, i_ % MG_LANES);                                           \
    } while (0)

#define MGM_CAT_(a, b) a##b
#define MGM_CAT(a, b) MGM_CAT_(a, b)
#define FN(name) MGM_CAT(name, MGM_SUFFIX)

#define T float
#define MGM_SUFFIX _f32
#include "margin_rows_body.h"
#undef T
#undef MGM_SUFFIX

#define T double
#define MGM_SUFFIX _f64
#include "margin_rows_body.h"
#undef T
#undef MGM_SUFFIX

#undef FN
#endif /* MINIGRAD_MARGIN_ROWS_H */
