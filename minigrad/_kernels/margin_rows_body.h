/* The row loops of margin_rows.h, written once for the element type T; FN(name) appends _f32 or _f64.
 * Included only from margin_rows.h (no include guard: it is instantiated twice).
 *
 * Every value is computed unconditionally and then selected, so the loops are branch-free and vectorise. Outputs
 * never alias inputs (restrict). */

/* One segment of a multi-margin row (the classes before, or after, the target): z = c + x[k] with
 * c = margin - x[target]. Active terms (z > 0) add z (p = 1) or z^2 (p = 2) to the returned sum and their slope
 * (1, or 2z) to *slope_sum, and set g[k] = scale * slope; inactive ones set g[k] = 0. */
MGM_KERNEL double FN(mgm_multi_margin_p1)(const T *restrict x, T c, T scale, T *restrict g, ptrdiff_t n,
                                                double *slope_sum)
{
    double acc[MG_LANES] = {0}, slopes[MG_LANES] = {0};
#define STEP(k, lane)                                                                             \
    {                                                                                             \
        T z = c + x[k];                                                                           \
        double zd = (double)z;                                                                    \
        int on = z > 0;                                                                           \
        acc[lane] += on ? zd : 0.0;                                                               \
        slopes[lane] += on ? 1.0 : 0.0;                                                           \
        g[k] = on ? scale : 0;                                                                    \
    }
    MGM_FOR_LANES(n, STEP);
#undef STEP
    *slope_sum = mg_sum_lanes(slopes);
    return mg_sum_lanes(acc);
}

MGM_KERNEL double FN(mgm_multi_margin_p2)(const T *restrict x, T c, T scale, T *restrict g, ptrdiff_t n,
                                                double *slope_sum)
{
    double acc[MG_LANES] = {0}, slopes[MG_LANES] = {0};
#define STEP(k, lane)                                                                             \
    {                                                                                             \
        T z = c + x[k];                                                                           \
        double zd = (double)z, term = (double)(z * z);                                            \
        T h = scale * (2 * z);                                                                    \
        int on = z > 0;                                                                           \
        acc[lane] += on ? term : 0.0;                                                             \
        slopes[lane] += on ? 2.0 * zd : 0.0;                                                      \
        g[k] = on ? h : 0;                                                                        \
    }
    MGM_FOR_LANES(n, STEP);
#undef STEP
    *slope_sum = mg_sum_lanes(slopes);
    return mg_sum_lanes(acc);
}

/* Multilabel margin, one listed target with c = 1 - x[target], over the row's scores s with every target class
 * set to -inf (so targets never count: -inf + c is -inf, or nan for c = +inf, and neither is > 0): z = c + s[k]
 * counts when z > 0. Adds scale to g[k] for every active k and returns the sum of the active z; *count gets how
 * many were active (the target's own gradient is -scale * count). A byte mask instead of the -inf scores would
 * mix 1-byte and 4/8-byte lanes in one loop, which GCC then leaves scalar. */
MGM_KERNEL double FN(mgm_multilabel_target)(const T *restrict s, T c, T scale, T *restrict g, ptrdiff_t n,
                                                  double *count)
{
    double acc[MG_LANES] = {0}, counts[MG_LANES] = {0};
#define STEP(k, lane)                                                                             \
    {                                                                                             \
        T z = c + s[k];                                                                           \
        double zd = (double)z;                                                                    \
        int on = z > 0;                                                                           \
        acc[lane] += on ? zd : 0.0;                                                               \
        counts[lane] += on ? 1.0 : 0.0;                                                           \
        g[k] += on ? scale : 0;                                                                   \
    }
    MGM_FOR_LANES(n, STEP);
#undef STEP
    *count = mg_sum_lanes(counts);
    return mg_sum_lanes(acc);
}

/* Triplet distances over one row: the sum of (u - v + eps)^2 (for p = 2) or of |u - v + eps| (p = 1), with the
 * difference rounded in T as torch computes it. */
MGM_KERNEL double FN(mgm_dist_l2sq)(const T *restrict u, const T *restrict v, T eps, ptrdiff_t n)
{
    double acc[MG_LANES] = {0};
#define STEP(k, lane) { double d = (double)((u[k] - v[k]) + eps); acc[lane] += d * d; }
    MGM_FOR_LANES(n, STEP);
#undef STEP
    return mg_sum_lanes(acc);
}

MGM_KERNEL double FN(mgm_dist_l1)(const T *restrict u, const T *restrict v, T eps, ptrdiff_t n)
{
    double acc[MG_LANES] = {0};
#define STEP(k, lane) { double d = (double)((u[k] - v[k]) + eps); acc[lane] += d < 0 ? -d : d; }
    MGM_FOR_LANES(n, STEP);
#undef STEP
    return mg_sum_lanes(acc);
}

/* Triplet gradient rows. With phi the gradient of the norm at u - v + eps divided by its coefficient (the
 * difference itself for p = 2, its sign for p = 1) and k_ap, k_an, k_pn the coefficients (scale, swap weight
 * and 1/norm folded in):  ga = k_ap phi_ap - k_an phi_an,  gp = -k_ap phi_ap - k_pn phi_pn,
 * gn = k_an phi_an + k_pn phi_pn. k_pn == 0 (no swap, or d(a, n) chosen) skips the third difference. */
#define TRIPLET_GRAD(name, PHI)                                                                   \
MGM_KERNEL void FN(name)(const T *restrict a, const T *restrict p, const T *restrict n, T eps,       \
                         T k_ap, T k_an, T k_pn, T *restrict ga, T *restrict gp, T *restrict gn,   \
                         ptrdiff_t dim)                                                           \
{                                                                                                 \
    if (k_pn == 0) {                                                                              \
        for (ptrdiff_t i = 0; i < dim; i++) {                                                     \
            T f_ap = PHI((a[i] - p[i]) + eps), f_an = PHI((a[i] - n[i]) + eps);                   \
            ga[i] = k_ap * f_ap - k_an * f_an;                                                    \
            gp[i] = -k_ap * f_ap;                                                                 \
            gn[i] = k_an * f_an;                                                                  \
        }                                                                                         \
    } else {                                                                                      \
        for (ptrdiff_t i = 0; i < dim; i++) {                                                     \
            T f_ap = PHI((a[i] - p[i]) + eps), f_an = PHI((a[i] - n[i]) + eps);                   \
            T f_pn = PHI((p[i] - n[i]) + eps);                                                    \
            ga[i] = k_ap * f_ap - k_an * f_an;                                                    \
            gp[i] = -k_ap * f_ap - k_pn * f_pn;                                                   \
            gn[i] = k_an * f_an + k_pn * f_pn;                                                    \
        }                                                                                         \
    }                                                                                             \
}
#define PHI_L2(d) (d)
#define PHI_L1(d) ((T)(((d) > 0) - ((d) < 0)))
TRIPLET_GRAD(mgm_triplet_grad_l2, PHI_L2)
TRIPLET_GRAD(mgm_triplet_grad_l1, PHI_L1)
#undef PHI_L2
#undef PHI_L1
#undef TRIPLET_GRAD
