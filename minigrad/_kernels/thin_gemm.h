/* C (m, n) = A (m, k) · B (k, n) (+ C) for thin A — a recurrence's per-step products, a few dozen rows of state
 * times a fixed weight — with B packed once and reused for every step. AVX-512 only; elsewhere (or without it at
 * run time: mg_thin_gemm_available) the caller uses BLAS.
 *
 * Why: OpenBLAS runs these shapes (32x256 by 256x1024, 20x800 by 800x200) at 60-100 GFLOP/s on one core, about
 * two thirds of what the same core does on large products, because it repacks B on every call and its kernels
 * are tuned for large m. Packed once per sequence, B streams from L2 in panels and a block of up to 12 rows by 32
 * columns of C lives in vector registers (two loads of B feed up to 24 fused multiply-adds): 105-185 GFLOP/s on
 * those shapes.
 *
 * Layout: B is packed into ceil(n / NR) panels, each k rows of NR contiguous values (the last panel zero-padded);
 * NR = 32 floats or 16 doubles (two 512-bit registers). Rows of A and C are C-contiguous with strides lda, ldc.
 * Results differ from BLAS's only in the order of the k additions (each row's sum runs k = 0, 1, ..., in order).
 */
#ifndef MINIGRAD_THIN_GEMM_H
#define MINIGRAD_THIN_GEMM_H

#include <stddef.h>
#include <string.h>

#define MG_THIN_NR_F32 32
#define MG_THIN_NR_F64 16

/* packed size in elements for a (k, n) B */
static inline ptrdiff_t mg_thin_packed_size_f32(ptrdiff_t k, ptrdiff_t n)
{
    return (n + MG_THIN_NR_F32 - 1) / MG_THIN_NR_F32 * MG_THIN_NR_F32 * k;
}
static inline ptrdiff_t mg_thin_packed_size_f64(ptrdiff_t k, ptrdiff_t n)
{
    return (n + MG_THIN_NR_F64 - 1) / MG_THIN_NR_F64 * MG_THIN_NR_F64 * k;
}

#define MG_THIN_PACK(T, SUF, NR)                                                                            \
static inline void mg_thin_pack_##SUF(const T *b, ptrdiff_t ldb, ptrdiff_t k, ptrdiff_t n, T *packed)      \
{                                                                                                           \
    for (ptrdiff_t p = 0; p < n; p += NR) {                                                                 \
        ptrdiff_t width = n - p < NR ? n - p : NR;                                                          \
        T *panel = packed + p * k;                                                                          \
        for (ptrdiff_t r = 0; r < k; r++) {                                                                 \
            memcpy(panel + r * NR, b + r * ldb + p, (size_t)width * sizeof(T));                            \
            memset(panel + r * NR + width, 0, (size_t)(NR - width) * sizeof(T));                           \
        }                                                                                                   \
    }                                                                                                       \
}
MG_THIN_PACK(float, f32, MG_THIN_NR_F32)
MG_THIN_PACK(double, f64, MG_THIN_NR_F64)

#if defined(__x86_64__) && ((defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8) || \
                            (defined(__clang__) && __clang_major__ >= 8))
#include <immintrin.h>
#define MG_THIN_AVX512 __attribute__((target("avx512f")))

static inline int mg_thin_gemm_available(void) { return __builtin_cpu_supports("avx512f"); }

/* One block of MR rows of C by one panel (at most NR columns: `live` masks the rest). VEC is the 512-bit type,
 * L its lanes; the MR accumulator pairs are independent chains, enough to hide the FMA latency from MR = 4. */
#define MG_THIN_BLOCK(T, SUF, VEC, L, PRE, MR)                                                              \
MG_THIN_AVX512 static inline void mg_thin_block##MR##_##SUF(const T *a, ptrdiff_t lda, const T *panel,     \
                                                            ptrdiff_t k, T *c, ptrdiff_t ldc,               \
                                                            __mmask16 live0, __mmask16 live1, int accumulate) \
{                                                                                                           \
    VEC lo[MR], hi[MR];                                                                                     \
    for (int i = 0; i < MR; i++)                                                                            \
        lo[i] = hi[i] = _mm512_setzero_##PRE();                                                             \
    for (ptrdiff_t r = 0; r < k; r++) {                                                                     \
        VEC b0 = _mm512_loadu_##PRE(panel + r * 2 * L), b1 = _mm512_loadu_##PRE(panel + r * 2 * L + L);   \
        for (int i = 0; i < MR; i++) {                                                                      \
            VEC s = _mm512_set1_##PRE(a[i * lda + r]);                                                      \
            lo[i] = _mm512_fmadd_##PRE(s, b0, lo[i]);                                                       \
            hi[i] = _mm512_fmadd_##PRE(s, b1, hi[i]);                                                       \
        }                                                                                                   \
    }                                                                                                       \
    for (int i = 0; i < MR; i++) {                                                                          \
        T *row = c + i * ldc;                                                                               \
        if (accumulate) {                                                                                   \
            lo[i] = _mm512_add_##PRE(lo[i], _mm512_maskz_loadu_##PRE(live0, row));                          \
            hi[i] = _mm512_add_##PRE(hi[i], _mm512_maskz_loadu_##PRE(live1, row + L));                      \
        }                                                                                                   \
        _mm512_mask_storeu_##PRE(row, live0, lo[i]);                                                        \
        _mm512_mask_storeu_##PRE(row + L, live1, hi[i]);                                                    \
    }                                                                                                       \
}

/* Up to MG_THIN_MR rows at once: 12 rows take 24 accumulators, two panel vectors and a broadcast (27 of the 32
 * registers). A block of any height up to 12 streams the panel once, so m rows cost ceil(m / 12) passes over B:
 * one for a 2-thread share of 10 rows (8 + 2 took two, the 2-row pass as slow as 4 rows: its loads of B
 * outnumber its multiply-adds), two for 20 rows (8 + 8 + 4 took three). */
#define MG_THIN_MR 12
#define MG_THIN_BLOCKS(T, SUF, VEC, L, PRE)                                                                 \
MG_THIN_BLOCK(T, SUF, VEC, L, PRE, 1) MG_THIN_BLOCK(T, SUF, VEC, L, PRE, 2)                                 \
MG_THIN_BLOCK(T, SUF, VEC, L, PRE, 3) MG_THIN_BLOCK(T, SUF, VEC, L, PRE, 4)                                 \
MG_THIN_BLOCK(T, SUF, VEC, L, PRE, 5) MG_THIN_BLOCK(T, SUF, VEC, L, PRE, 6)                                 \
MG_THIN_BLOCK(T, SUF, VEC, L, PRE, 7) MG_THIN_BLOCK(T, SUF, VEC, L, PRE, 8)                                 \
MG_THIN_BLOCK(T, SUF, VEC, L, PRE, 9) MG_THIN_BLOCK(T, SUF, VEC, L, PRE, 10)                                \
MG_THIN_BLOCK(T, SUF, VEC, L, PRE, 11) MG_THIN_BLOCK(T, SUF, VEC, L, PRE, 12)                               \
typedef void (*mg_thin_block_##SUF)(const T *, ptrdiff_t, const T *, ptrdiff_t, T *, ptrdiff_t, __mmask16,     \
                                    __mmask16, int);                                                        \
static const mg_thin_block_##SUF mg_thin_blocks_##SUF[MG_THIN_MR + 1] = {                                   \
    NULL, mg_thin_block1_##SUF, mg_thin_block2_##SUF, mg_thin_block3_##SUF, mg_thin_block4_##SUF,           \
    mg_thin_block5_##SUF, mg_thin_block6_##SUF, mg_thin_block7_##SUF, mg_thin_block8_##SUF,                 \
    mg_thin_block9_##SUF, mg_thin_block10_##SUF, mg_thin_block11_##SUF, mg_thin_block12_##SUF};

/* The rows go in ceil(m / 12) blocks of near-equal height (20 rows: 10 + 10), each over every panel. */
#define MG_THIN_GEMM(T, SUF, VEC, L, PRE)                                                                   \
MG_THIN_BLOCKS(T, SUF, VEC, L, PRE)                                                                         \
MG_THIN_AVX512 static void mg_thin_gemm_##SUF(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const T *a, ptrdiff_t lda, \
                                              const T *packed, T *c, ptrdiff_t ldc, int accumulate)         \
{                                                                                                           \
    ptrdiff_t blocks = (m + MG_THIN_MR - 1) / MG_THIN_MR;                                                   \
    for (ptrdiff_t p = 0; p < n; p += 2 * L) {                                                              \
        ptrdiff_t width = n - p < 2 * L ? n - p : 2 * L;                                                    \
        __mmask16 live0 = (__mmask16)(width >= L ? (1u << L) - 1 : (1u << width) - 1);                     \
        __mmask16 live1 = (__mmask16)(width <= L ? 0 : width == 2 * L ? (1u << L) - 1 : (1u << (width - L)) - 1); \
        const T *panel = packed + p * k;                                                                    \
        for (ptrdiff_t block = 0; block < blocks; block++) {                                                \
            ptrdiff_t i = m * block / blocks, rows = m * (block + 1) / blocks - i;                          \
            mg_thin_blocks_##SUF[rows](a + i * lda, lda, panel, k, c + i * ldc + p, ldc, live0, live1, accumulate); \
        }                                                                                                   \
    }                                                                                                       \
}
MG_THIN_GEMM(float, f32, __m512, 16, ps)
MG_THIN_GEMM(double, f64, __m512d, 8, pd)

#else
static inline int mg_thin_gemm_available(void) { return 0; }
#define MG_THIN_NO_KERNEL(T, SUF)                                                                           \
static inline void mg_thin_gemm_##SUF(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const T *a, ptrdiff_t lda,     \
                                      const T *packed, T *c, ptrdiff_t ldc, int accumulate)                 \
{                                                                                                           \
    (void)m, (void)n, (void)k, (void)a, (void)lda, (void)packed, (void)c, (void)ldc, (void)accumulate;      \
}
MG_THIN_NO_KERNEL(float, f32)
MG_THIN_NO_KERNEL(double, f64)
#endif

#endif /* MINIGRAD_THIN_GEMM_H */
