/* Vectorisable row loops for the recurrence kernels (used by recurrence.pyx): one sequence's gates and state
 * update for one time step (forward), and their derivatives (backward).
 *
 * Why C: with libm's scalar expf/tanhf the gate nonlinearities cost several times the step's hidden matrix product.
 * Here sigmoid and tanh are written with simd_exp.h's branch-free exp (σ(x) = 1 / (1 + e^-x),
 * tanh(x) = 2σ(2x) - 1), which GCC and Clang auto-vectorise; each function is compiled for AVX-512, AVX2 and the
 * baseline ISA and the best one is picked at load time (MG_CLONES). Saturation is exact: e^-x overflows to inf
 * and σ to 0, never to nan. tanh near 0 has an absolute (not relative) error of about one unit in the last place
 * of 1.
 *
 * Layout (one row, H = hidden size): gx, gh, gates hold the G·H pre-activations / activations gate after gate
 * (LSTM: i, f, g, o; GRU: r, z, n); bias is b_hh (G·H,). See recurrence.pyx for the formulas.
 */
#ifndef MINIGRAD_RECURRENCE_ROWS_H
#define MINIGRAD_RECURRENCE_ROWS_H

#include <stddef.h>

#include "simd_exp.h" /* mg_expf, mg_exp, MG_CLONES, restrict for MSVC */

/* no-trapping-math lets GCC if-convert the exp's clamps (see margin_rows.h); it changes no arithmetic. */
#if defined(__GNUC__) && !defined(__clang__)
#define MGR_KERNEL MG_CLONES static __attribute__((unused, optimize("no-trapping-math")))
#else
#define MGR_KERNEL MG_CLONES static
#endif

#define MGR_DEFINE(T, SUF, EXP)                                                                       \
MG_INLINE T mgr_sigmoid_##SUF(T x) { return (T)1 / ((T)1 + EXP(-x)); }                                \
MG_INLINE T mgr_tanh_##SUF(T x) { return (T)2 / ((T)1 + EXP(-2 * x)) - (T)1; }                        \
                                                                                                      \
MGR_KERNEL void mgr_lstm_forward_##SUF(const T *restrict gx, const T *restrict gh, const T *restrict b, \
                                       const T *restrict c_prev, T *restrict gates, T *restrict c,    \
                                       T *restrict h, ptrdiff_t n)                                    \
{                                                                                                     \
    for (ptrdiff_t k = 0; k < n; k++) {                                                               \
        T i = mgr_sigmoid_##SUF(gx[k] + gh[k] + b[k]);                                                \
        T f = mgr_sigmoid_##SUF(gx[n + k] + gh[n + k] + b[n + k]);                                    \
        T g = mgr_tanh_##SUF(gx[2 * n + k] + gh[2 * n + k] + b[2 * n + k]);                           \
        T o = mgr_sigmoid_##SUF(gx[3 * n + k] + gh[3 * n + k] + b[3 * n + k]);                        \
        T cell = f * c_prev[k] + i * g;                                                               \
        gates[k] = i;                                                                                 \
        gates[n + k] = f;                                                                             \
        gates[2 * n + k] = g;                                                                         \
        gates[3 * n + k] = o;                                                                         \
        c[k] = cell;                                                                                  \
        h[k] = o * mgr_tanh_##SUF(cell);                                                              \
    }                                                                                                 \
}                                                                                                     \
                                                                                                      \
MGR_KERNEL void mgr_lstm_backward_##SUF(const T *restrict dh, T *restrict dc, const T *restrict gates,  \
                                        const T *restrict c, const T *restrict c_prev,                \
                                        T *restrict dgates, ptrdiff_t n)                              \
{                                                                                                     \
    for (ptrdiff_t k = 0; k < n; k++) {                                                               \
        T i = gates[k], f = gates[n + k], g = gates[2 * n + k], o = gates[3 * n + k];                 \
        T t = mgr_tanh_##SUF(c[k]);                                                                   \
        T dcell = dc[k] + dh[k] * o * (1 - t * t);                                                    \
        dgates[k] = dcell * g * i * (1 - i);                                                          \
        dgates[n + k] = dcell * c_prev[k] * f * (1 - f);                                              \
        dgates[2 * n + k] = dcell * i * (1 - g * g);                                                  \
        dgates[3 * n + k] = dh[k] * t * o * (1 - o);                                                  \
        dc[k] = dcell * f;                                                                            \
    }                                                                                                 \
}                                                                                                     \
                                                                                                      \
MGR_KERNEL void mgr_gru_forward_##SUF(const T *restrict gx, const T *restrict gh, const T *restrict b,  \
                                      const T *restrict h_prev, T *restrict gates, T *restrict hn,     \
                                      T *restrict h, ptrdiff_t n)                                     \
{                                                                                                     \
    for (ptrdiff_t k = 0; k < n; k++) {                                                               \
        T r = mgr_sigmoid_##SUF(gx[k] + gh[k] + b[k]);                                                \
        T z = mgr_sigmoid_##SUF(gx[n + k] + gh[n + k] + b[n + k]);                                    \
        T hidden = gh[2 * n + k] + b[2 * n + k];                                                      \
        T cand = mgr_tanh_##SUF(gx[2 * n + k] + r * hidden);                                          \
        gates[k] = r;                                                                                 \
        gates[n + k] = z;                                                                             \
        gates[2 * n + k] = cand;                                                                      \
        hn[k] = hidden;                                                                               \
        h[k] = (1 - z) * cand + z * h_prev[k];                                                        \
    }                                                                                                 \
}                                                                                                     \
                                                                                                      \
MGR_KERNEL void mgr_gru_backward_##SUF(const T *restrict dh, const T *restrict gates,                 \
                                       const T *restrict hn, const T *restrict h_prev,                \
                                       T *restrict dgx, T *restrict dgh, T *restrict direct,          \
                                       ptrdiff_t n)                                                   \
{                                                                                                     \
    for (ptrdiff_t k = 0; k < n; k++) {                                                               \
        T r = gates[k], z = gates[n + k], cand = gates[2 * n + k], d = dh[k];                         \
        T dpre = d * (1 - z) * (1 - cand * cand);                                                     \
        T dr = dpre * hn[k] * r * (1 - r);                                                            \
        T dz = d * (h_prev[k] - cand) * z * (1 - z);                                                  \
        dgx[k] = dr;                                                                                  \
        dgx[n + k] = dz;                                                                              \
        dgx[2 * n + k] = dpre;                                                                        \
        dgh[k] = dr;                                                                                  \
        dgh[n + k] = dz;                                                                              \
        dgh[2 * n + k] = dpre * r;                                                                    \
        direct[k] = d * z;                                                                            \
    }                                                                                                 \
}                                                                                                     \
                                                                                                      \
MGR_KERNEL void mgr_rnn_forward_##SUF(const T *restrict gx, const T *restrict gh, const T *restrict b,  \
                                      int relu, T *restrict h, ptrdiff_t n)                           \
{                                                                                                     \
    if (relu)                                                                                         \
        for (ptrdiff_t k = 0; k < n; k++) {                                                           \
            T a = gx[k] + gh[k] + b[k];                                                               \
            h[k] = a > 0 ? a : (a == a ? 0 : a);                                                      \
        }                                                                                             \
    else                                                                                              \
        for (ptrdiff_t k = 0; k < n; k++) h[k] = mgr_tanh_##SUF(gx[k] + gh[k] + b[k]);                \
}                                                                                                     \
                                                                                                      \
MGR_KERNEL void mgr_rnn_backward_##SUF(const T *restrict dh, const T *restrict h, int relu,           \
                                       T *restrict dpre, ptrdiff_t n)                                 \
{                                                                                                     \
    if (relu)                                                                                         \
        for (ptrdiff_t k = 0; k < n; k++) dpre[k] = h[k] > 0 ? dh[k] : 0;                             \
    else                                                                                              \
        for (ptrdiff_t k = 0; k < n; k++) dpre[k] = dh[k] * (1 - h[k] * h[k]);                        \
}

MGR_DEFINE(float, f32, mg_expf)
MGR_DEFINE(double, f64, mg_exp)

#endif /* MINIGRAD_RECURRENCE_ROWS_H */
