/* Adam's element-wise update in one vectorisable pass (see optim.pyx for the formula).
 *
 * The flags are passed as constants to an always-inlined body, so the compiler emits one branch-free, SIMD loop
 * per combination instead of testing them per element. The arithmetic is done in the parameter's own type in
 * torch's order, so float32 results round like torch's single-tensor Adam. */
#ifndef MINIGRAD_ADAM_UPDATE_H
#define MINIGRAD_ADAM_UPDATE_H
#include <math.h>
#include <stddef.h>

#define MINIGRAD_DEFINE_ADAM(NAME, T, SQRT)                                                                   \
static inline __attribute__((always_inline)) void NAME##_body(                                               \
        T *restrict p, const T *restrict grad, T *restrict m, T *restrict v, T *restrict vmax, ptrdiff_t n,   \
        T sign, T shrink, T decay, T w, T w_rest, T b2, T one_minus_b2, T c2, T eps, T step_size,             \
        const int l2, const int small_weight, const int amsgrad) {                                             \
    for (ptrdiff_t i = 0; i < n; i++) {                                                                       \
        T pi = p[i] * shrink;                                                                                  \
        T g = sign * grad[i];                                                                                  \
        if (l2) g = g + decay * pi;                                                                            \
        T mi = small_weight ? m[i] + w * (g - m[i]) : g - (g - m[i]) * w_rest;                                 \
        m[i] = mi;                                                                                             \
        T vi = v[i] * b2 + one_minus_b2 * g * g;                                                               \
        v[i] = vi;                                                                                             \
        if (amsgrad) { T mx = vmax[i]; vi = (mx > vi || mx != mx) ? mx : vi; vmax[i] = vi; }                   \
        p[i] = pi + step_size * (mi / (SQRT(vi) / c2 + eps));                                                \
    }                                                                                                          \
}                                                                                                              \
static void NAME(T *p, const T *grad, T *m, T *v, T *vmax, ptrdiff_t n, T sign, T shrink, T decay, T w,       \
                 T w_rest, T b2, T one_minus_b2, T c2, T eps, T step_size, int l2, int small_weight,          \
                 int amsgrad) {                                                                                \
    if (amsgrad) { NAME##_body(p, grad, m, v, vmax, n, sign, shrink, decay, w, w_rest, b2, one_minus_b2, c2,  \
                               eps, step_size, l2, small_weight, 1); return; }                               \
    if (l2) {                                                                                                  \
        if (small_weight) NAME##_body(p, grad, m, v, vmax, n, sign, shrink, decay, w, w_rest, b2,             \
                                      one_minus_b2, c2, eps, step_size, 1, 1, 0);                             \
        else NAME##_body(p, grad, m, v, vmax, n, sign, shrink, decay, w, w_rest, b2, one_minus_b2, c2, eps,  \
                         step_size, 1, 0, 0);                                                                 \
    } else {                                                                                                   \
        if (small_weight) NAME##_body(p, grad, m, v, vmax, n, sign, shrink, decay, w, w_rest, b2,             \
                                      one_minus_b2, c2, eps, step_size, 0, 1, 0);                             \
        else NAME##_body(p, grad, m, v, vmax, n, sign, shrink, decay, w, w_rest, b2, one_minus_b2, c2, eps,  \
                         step_size, 0, 0, 0);                                                                 \
    }                                                                                                          \
}

MINIGRAD_DEFINE_ADAM(minigrad_adam_float, float, sqrtf)
MINIGRAD_DEFINE_ADAM(minigrad_adam_double, double, sqrt)

#endif
