/* RMSprop's, Adagrad's and Adadelta's element-wise updates, one vectorisable pass each (see optim.pyx for the formulas).
 *
 * As in adam_update.h, the flags are constants of always-inlined bodies, so each combination compiles to its own
 * branch-free loop, and the arithmetic follows torch's order in the parameter's own type. */
#ifndef MINIGRAD_OPTIM_UPDATE_H
#define MINIGRAD_OPTIM_UPDATE_H
#include <math.h>
#include <stddef.h>

#define MINIGRAD_DEFINE_RMSPROP(NAME, T, SQRT)                                                                \
static inline __attribute__((always_inline)) void NAME##_body(                                               \
        T *restrict p, const T *restrict grad, T *restrict sq, T *restrict gavg, T *restrict buf,             \
        ptrdiff_t n, T sign, T decay, T alpha, T one_minus_alpha, T w, T w_rest, T eps, T lr, T momentum,     \
        const int l2, const int centered, const int small_weight, const int use_momentum) {                    \
    for (ptrdiff_t i = 0; i < n; i++) {                                                                       \
        T g = sign * grad[i];                                                                                  \
        if (l2) g = g + decay * p[i];                                                                          \
        T s = sq[i] * alpha + one_minus_alpha * g * g;                                                         \
        sq[i] = s;                                                                                             \
        T avg;                                                                                                 \
        if (centered) {                                                                                        \
            T a = small_weight ? gavg[i] + w * (g - gavg[i]) : g - (g - gavg[i]) * w_rest;                     \
            gavg[i] = a;                                                                                       \
            avg = SQRT(s - a * a) + eps;                                                                       \
        } else {                                                                                               \
            avg = SQRT(s) + eps;                                                                               \
        }                                                                                                      \
        if (use_momentum) {                                                                                    \
            T b = buf[i] * momentum + g / avg;                                                                 \
            buf[i] = b;                                                                                        \
            p[i] = p[i] + -lr * b;                                                                             \
        } else {                                                                                               \
            p[i] = p[i] + -lr * (g / avg);                                                                     \
        }                                                                                                      \
    }                                                                                                          \
}                                                                                                              \
static void NAME(T *p, const T *grad, T *sq, T *gavg, T *buf, ptrdiff_t n, T sign, T decay, T alpha,           \
                 T one_minus_alpha, T w, T w_rest, T eps, T lr, T momentum, int l2, int centered,              \
                 int small_weight, int use_momentum) {                                                         \
    if (centered) {                                                                                            \
        if (use_momentum) NAME##_body(p, grad, sq, gavg, buf, n, sign, decay, alpha, one_minus_alpha, w,       \
                                      w_rest, eps, lr, momentum, l2, 1, small_weight, 1);                      \
        else NAME##_body(p, grad, sq, gavg, buf, n, sign, decay, alpha, one_minus_alpha, w, w_rest, eps, lr,  \
                         momentum, l2, 1, small_weight, 0);                                                    \
    } else if (use_momentum) {                                                                                 \
        NAME##_body(p, grad, sq, gavg, buf, n, sign, decay, alpha, one_minus_alpha, w, w_rest, eps, lr,       \
                    momentum, l2, 0, 0, 1);                                                                    \
    } else if (l2) {                                                                                           \
        NAME##_body(p, grad, sq, gavg, buf, n, sign, decay, alpha, one_minus_alpha, w, w_rest, eps, lr,       \
                    momentum, 1, 0, 0, 0);                                                                     \
    } else {                                                                                                   \
        NAME##_body(p, grad, sq, gavg, buf, n, sign, decay, alpha, one_minus_alpha, w, w_rest, eps, lr,       \
                    momentum, 0, 0, 0, 0);                                                                     \
    }                                                                                                          \
}

#define MINIGRAD_DEFINE_ADAGRAD(NAME, T, SQRT)                                                                \
static void NAME(T *restrict p, const T *restrict grad, T *restrict sum, ptrdiff_t n, T sign, T decay,         \
                 T eps, T step_size) {                                                                         \
    for (ptrdiff_t i = 0; i < n; i++) {                                                                       \
        T g = sign * grad[i];                                                                                  \
        if (decay != 0) g = g + decay * p[i];                                                                  \
        T s = sum[i] + g * g;                                                                                  \
        sum[i] = s;                                                                                            \
        p[i] = p[i] + step_size * (g / (SQRT(s) + eps));                                                       \
    }                                                                                                          \
}

#define MINIGRAD_DEFINE_ADADELTA(NAME, T, SQRT)                                                               \
static void NAME(T *restrict p, const T *restrict grad, T *restrict sq, T *restrict acc, ptrdiff_t n, T sign,  \
                 T decay, T rho, T one_minus_rho, T eps, T lr) {                                               \
    for (ptrdiff_t i = 0; i < n; i++) {                                                                       \
        T g = sign * grad[i];                                                                                  \
        if (decay != 0) g = g + decay * p[i];                                                                  \
        T s = sq[i] * rho + one_minus_rho * g * g;                                                             \
        sq[i] = s;                                                                                             \
        T delta = SQRT(acc[i] + eps) / SQRT(s + eps) * g;                                                      \
        acc[i] = acc[i] * rho + one_minus_rho * delta * delta;                                                 \
        p[i] = p[i] + -lr * delta;                                                                             \
    }                                                                                                          \
}

MINIGRAD_DEFINE_RMSPROP(minigrad_rmsprop_float, float, sqrtf)
MINIGRAD_DEFINE_RMSPROP(minigrad_rmsprop_double, double, sqrt)
MINIGRAD_DEFINE_ADAGRAD(minigrad_adagrad_float, float, sqrtf)
MINIGRAD_DEFINE_ADAGRAD(minigrad_adagrad_double, double, sqrt)
MINIGRAD_DEFINE_ADADELTA(minigrad_adadelta_float, float, sqrtf)
MINIGRAD_DEFINE_ADADELTA(minigrad_adadelta_double, double, sqrt)

#endif
