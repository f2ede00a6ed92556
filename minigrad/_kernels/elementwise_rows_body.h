/* The loops of elementwise_rows.h, written once for the element type T (with EXP, LOG and LOG1P of that type);
 * FN(name) appends _f32 or _f64. Included only from elementwise_rows.h (no include guard: instantiated twice).
 *
 * Every function has the same shape. For the n elements of a block it computes the loss l[k] and returns their
 * sum (in double); it writes l[k] to loss[k] when loss != NULL, g[k] = scale * dl/dx[k] when g != NULL and
 * gy[k] = scale * dl/dy[k] when gy != NULL (a NULL output is not computed). w and pw are per-element weights,
 * both NULL (all ones) or both given; param is the loss's scalar parameter (beta, delta, margin).
 *
 * Values are computed unconditionally and then selected, so the loops are branch-free. The optional arrays are
 * resolved outside the loops: STEP(k, l, W, G, GY) is expanded once per combination with W, G and GY the
 * constants 0 or 1, so a missing array costs nothing inside the loop (GCC will not unswitch loops this large
 * itself). The loss is summed in MG_LANES double partial sums, combined in a fixed order. */

#define ELEMENTWISE_LOOP(STEP, W, G, GY)                                                          \
    {                                                                                             \
        double acc[MG_LANES] = {0};                                                               \
        ptrdiff_t i_ = 0;                                                                         \
        if (loss != NULL) {                                                                       \
            for (; i_ + MG_LANES <= n; i_ += MG_LANES)                                            \
                for (int j_ = 0; j_ < MG_LANES; j_++) {                                           \
                    T l_;                                                                         \
                    STEP(i_ + j_, l_, W, G, GY);                                                  \
                    loss[i_ + j_] = l_;                                                           \
                    acc[j_] += (double)l_;                                                        \
                }                                                                                 \
        } else {                                                                                  \
            for (; i_ + MG_LANES <= n; i_ += MG_LANES)                                            \
                for (int j_ = 0; j_ < MG_LANES; j_++) {                                           \
                    T l_;                                                                         \
                    STEP(i_ + j_, l_, W, G, GY);                                                  \
                    acc[j_] += (double)l_;                                                        \
                }                                                                                 \
        }                                                                                         \
        for (; i_ < n; i_++) {                                                                    \
            T l_;                                                                                 \
            STEP(i_, l_, W, G, GY);                                                               \
            if (loss != NULL) loss[i_] = l_;                                                      \
            acc[i_ % MG_LANES] += (double)l_;                                                     \
        }                                                                                         \
        return mg_sum_lanes(acc);                                                                 \
    }

/* The loop for a gradient wanted or not (G), for losses without weights or a target gradient. */
#define ELEMENTWISE_DISPATCH_G(STEP)                                                              \
    if (g != NULL) ELEMENTWISE_LOOP(STEP, 0, 1, 0)                                                \
    else ELEMENTWISE_LOOP(STEP, 0, 0, 0)

/* The loop for each combination of weights given (W), gradient (G) and target gradient (GY) wanted. */
#define ELEMENTWISE_DISPATCH_GY(STEP, W)                                                          \
    if (g != NULL) {                                                                              \
        if (gy != NULL) ELEMENTWISE_LOOP(STEP, W, 1, 1)                                           \
        else ELEMENTWISE_LOOP(STEP, W, 1, 0)                                                      \
    } else {                                                                                      \
        if (gy != NULL) ELEMENTWISE_LOOP(STEP, W, 0, 1)                                           \
        else ELEMENTWISE_LOOP(STEP, W, 0, 0)                                                      \
    }
#define ELEMENTWISE_DISPATCH(STEP)                                                                \
    if (w != NULL) { ELEMENTWISE_DISPATCH_GY(STEP, 1) }                                           \
    else { ELEMENTWISE_DISPATCH_GY(STEP, 0) }

#define SIGNATURE(name)                                                                           \
    MGE_KERNEL double FN(name)(const T *restrict x, const T *restrict y, const T *restrict w,   \
                                     const T *restrict pw, T param, T scale, T *restrict loss,    \
                                     T *restrict g, T *restrict gy, ptrdiff_t n)

/* MSE: l = d^2 with d = x - y; dl/dx = 2d (dl/dy = -dl/dx: left to the caller). */
SIGNATURE(mge_mse)
{
    (void)w; (void)pw; (void)param; (void)gy;
#define STEP(k, l, W, G, GY)                                                                   \
    {                                                                                             \
        T d = x[k] - y[k];                                                                        \
        l = d * d;                                                                                \
        if (G) g[k] = (2 * scale) * d;                                                         \
    }
    ELEMENTWISE_DISPATCH_G(STEP)
#undef STEP
}

/* Smooth L1 (param = beta > 0): l = 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta;
 * dl/dx = d / beta inside, sign(d) outside (the two agree at |d| = beta). */
SIGNATURE(mge_smooth_l1)
{
    (void)w; (void)pw; (void)gy;
#define STEP(k, l, W, G, GY)                                                                   \
    {                                                                                             \
        T d = x[k] - y[k];                                                                        \
        T z = d < 0 ? -d : d;                                                                     \
        T inside = (T)0.5 * z * z / param, outside = z - (T)0.5 * param;                          \
        l = z < param ? inside : outside;                                                         \
        T slope = d / param;                                                                      \
        slope = d > param ? (T)1 : slope;                                                         \
        slope = d < -param ? (T)-1 : slope;                                                       \
        if (G) g[k] = scale * slope;                                                           \
    }
    ELEMENTWISE_DISPATCH_G(STEP)
#undef STEP
}

/* Huber (param = delta > 0): l = 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta); dl/dx = d clamped to
 * [-delta, delta]. */
SIGNATURE(mge_huber)
{
    (void)w; (void)pw; (void)gy;
#define STEP(k, l, W, G, GY)                                                                   \
    {                                                                                             \
        T d = x[k] - y[k];                                                                        \
        T z = d < 0 ? -d : d;                                                                     \
        T inside = (T)0.5 * z * z, outside = param * (z - (T)0.5 * param);                        \
        l = z < param ? inside : outside;                                                         \
        T slope = d > param ? param : d;                                                          \
        slope = d < -param ? -param : slope;                                                      \
        if (G) g[k] = scale * slope;                                                           \
    }
    ELEMENTWISE_DISPATCH_G(STEP)
#undef STEP
}

/* Binary cross-entropy on probabilities, torch's formula: l = w [(y - 1) max(log1p(-x), -100) - y max(log x, -100)];
 * dl/dx = w (x - y) / max(x (1 - x), 1e-12) (the clamps do not enter the gradient; torch's 1e-12 is a float
 * constant, 9.99999996e-13, in float64 too);
 * dl/dy = w (log1p(-x) - log x), unclamped. */
SIGNATURE(mge_bce)
{
    (void)pw; (void)param;
#define STEP(k, l, W, G, GY)                                                                   \
    {                                                                                             \
        T xk = x[k], yk = y[k], wk = W ? w[k] : (T)1;                                     \
        T log_x = LOG(xk), log_1mx = LOG1P(-xk);                                                  \
        T clamped_x = log_x > (T)-100 ? log_x : (T)-100;                                          \
        T clamped_1mx = log_1mx > (T)-100 ? log_1mx : (T)-100;                                    \
        l = wk * ((yk - 1) * clamped_1mx - yk * clamped_x);                                       \
        T denominator = xk * (1 - xk);                                                            \
        denominator = denominator > (T)1e-12f ? denominator : (T)1e-12f; /* torch's float EPSILON */ \
        if (G) g[k] = scale * wk * (xk - yk) / denominator;                                    \
        if (GY) gy[k] = scale * wk * (log_1mx - log_x);                                   \
    }
    ELEMENTWISE_DISPATCH(STEP)
#undef STEP
}

/* Binary cross-entropy on logits, with pw the positive-class weight p and c = 1 + (p - 1) y:
 * l = w [(1 - y) x - c log_sigmoid(x)], computed without cancellation as
 * w [((1 - y) x if x >= 0 else -p y x) + c log1p(exp(-|x|))] (so x = -20, y = 0 gives 2.06e-9 in float32, where
 * torch's float32 gives 0; spec section 12.4);
 * dl/dx = w [(1 - y) sigmoid(x) - p y sigmoid(-x)] (= w [(p y + 1 - y) sigmoid(x) - p y], without its
 * cancellation); dl/dy = w [-x - (p - 1) log_sigmoid(x)]. */
SIGNATURE(mge_bce_with_logits)
{
    (void)param;
#define STEP(k, l, W, G, GY)                                                                   \
    {                                                                                             \
        T xk = x[k], yk = y[k], wk = W ? w[k] : (T)1, pk = W ? pw[k] : (T)1;                      \
        T e = EXP(-(xk < 0 ? -xk : xk));                                                          \
        T softplus_tail = LOG1P_UNIT(e);                                                          \
        T c = 1 + (pk - 1) * yk;                                                                  \
        T linear = xk >= 0 ? (1 - yk) * xk : -pk * yk * xk;                                       \
        l = wk * (linear + c * softplus_tail);                                                    \
        T big = 1 / (1 + e), small = e / (1 + e);                                                 \
        T sigmoid = xk >= 0 ? big : small, sigmoid_minus = xk >= 0 ? small : big;                 \
        if (G) g[k] = scale * wk * ((1 - yk) * sigmoid - pk * yk * sigmoid_minus);             \
        if (GY) {                                                                                 \
            T log_sigmoid = (xk < 0 ? xk : (T)0) - softplus_tail;                                 \
            gy[k] = scale * wk * (-xk - (pk - 1) * log_sigmoid);                                  \
        }                                                                                         \
    }
    ELEMENTWISE_DISPATCH(STEP)
#undef STEP
}

/* Soft margin: l = softplus(-y x) = max(m, 0) + log1p(exp(-|m|)) with m = -y x (finite where torch's
 * log1p(exp(m)) overflows); dl/dx = -y sigmoid(m). */
SIGNATURE(mge_soft_margin)
{
    (void)w; (void)pw; (void)param; (void)gy;
#define STEP(k, l, W, G, GY)                                                                   \
    {                                                                                             \
        T m = -y[k] * x[k];                                                                       \
        T e = EXP(-(m < 0 ? -m : m));                                                             \
        l = (m > 0 ? m : (T)0) + LOG1P_UNIT(e);                                                \
        T sigmoid = (m >= 0 ? (T)1 : e) / (1 + e);                                                \
        if (G) g[k] = scale * -y[k] * sigmoid;                                                 \
    }
    ELEMENTWISE_DISPATCH_G(STEP)
#undef STEP
}

/* Hinge embedding (param = margin): y == 1 gives x, y == -1 gives clamp_min(margin - x, 0), any other y both
 * terms; dl/dx = -[y != 1 and margin - x >= 0] + [y != -1] (clamp_min passes the gradient at 0, nan passes
 * none but keeps a nan value). */
SIGNATURE(mge_hinge_embedding)
{
    (void)w; (void)pw; (void)gy;
#define STEP(k, l, W, G, GY)                                                                      \
    {                                                                                             \
        T z = param - x[k];                                                                       \
        int hinge = y[k] != 1, linear = y[k] != -1;                                               \
        l = (hinge ? (z < 0 ? 0 : z) : 0) + (linear ? x[k] : 0);                                  \
        if (G) g[k] = scale * (T)((hinge & (z >= 0) ? -1 : 0) + linear);                          \
    }
    ELEMENTWISE_DISPATCH_G(STEP)
#undef STEP
}

/* Margin ranking of x1 over x2 with labels y (param = margin): l = clamp_min(-y (x1 - x2) + margin, 0). Where
 * z >= 0: dl/dx1 = -y and dl/dy = -(x1 - x2); 0 elsewhere, as a product with the 0/1 mask like torch's autograd,
 * so an infinite y or x1 - x2 gives nan there as in torch. (dl/dx2 = -dl/dx1: left to the caller.) */
MGE_KERNEL double FN(mge_margin_ranking)(const T *restrict x1, const T *restrict x2, const T *restrict y,
                                         T param, T scale, T *restrict loss, T *restrict g, T *restrict gy,
                                         ptrdiff_t n)
{
#define STEP(k, l, W, G, GY)                                                                      \
    {                                                                                             \
        T diff = x1[k] - x2[k];                                                                   \
        T z = -y[k] * diff + param;                                                               \
        T on = (T)(z >= 0);                                                                       \
        l = z < 0 ? 0 : z;                                                                        \
        if (G) g[k] = -scale * y[k] * on;                                                         \
        if (GY) gy[k] = -scale * diff * on;                                                       \
    }
    ELEMENTWISE_DISPATCH_GY(STEP, 0)
#undef STEP
}

#undef SIGNATURE
#undef ELEMENTWISE_DISPATCH
#undef ELEMENTWISE_DISPATCH_GY
#undef ELEMENTWISE_DISPATCH_G
#undef ELEMENTWISE_LOOP
