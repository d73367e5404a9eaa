/* kernels_conv_simd.h - register-blocked direct convolution written once over a small SIMD
 * vocabulary; each ISA file defines the vocabulary and includes this (XNNPACK/ggml style).
 *
 * The includer defines, before including:
 *   V                  the vector type, VL floats wide
 *   V_ZERO()           all zeros
 *   V_LOAD(p)          load VL floats (p 4-byte aligned only)
 *   V_STORE(p, v)      store VL floats
 *   V_BCAST(p)         broadcast the float *p
 *   V_SET1(x)          broadcast the float x
 *   V_FMA(a, b, c)     a * b + c
 *   V_MUL(a, b)        a * b
 *   V_ADD(a, b), V_SUB(a, b)   (used by kernels_winograd_simd.h)
 *   V_MAX(a, b)        lane-wise max, returning b where a is NaN
 *   TILE_ACC           accumulator registers a tile may hold (rows * cols * vectors)
 *   TILE_RX            most pixels in a one-row tile (at most 12); tiles hold 1 or 2 channel
 *                      vectors per pixel
 * and gets  static void conv_direct(const unr_conv_args *a)  for cout a multiple of VL.
 *
 * Blocking: a tile is RY x RX output pixels by CB vectors of output channels, all accumulated in
 * registers; per (tap, input channel) it loads CB weight vectors once and reuses them for the
 * RY * RX broadcast input values. Output-channel blocks are the outer loop so that the block's
 * weights stay in L1 while the rows of the map stream past. The ResNet shapes get their own
 * copies with every size constant (conv_direct), so addresses become fixed offsets.
 */
#include "kernels.h"

#if defined(__GNUC__)
#define CONV_INLINE static inline __attribute__((always_inline))
#define CONV_NOINLINE static __attribute__((noinline))
#else
#define CONV_INLINE static inline
#define CONV_NOINLINE static
#endif

#if defined(__GNUC__)
#define CONV_PREFETCH(p) __builtin_prefetch(p)
#else
#define CONV_PREFETCH(p) ((void)0)
#endif

#if defined(__clang__)
#define CONV_UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__)
#define CONV_UNROLL _Pragma("GCC unroll 16")
#else
#define CONV_UNROLL
#endif

/* What a tile needs to know about the layer. The geometry fields are compile-time constants in
 * the specialised paths (the whole struct is built from constants and inlined) and run-time values
 * in the generic one. */
typedef struct conv_geom {
    int k;      /* kernel size: 3 or 1 */
    int cin;
    int ps;     /* input floats between horizontally adjacent output pixels: stride * cin */
    int irow;   /* input floats between padded input rows: (in_w + 2) * cin */
    int iys;    /* input floats between vertically adjacent output pixels: stride * irow */
    int cout;
    int orow;   /* output floats between padded output rows: (out_w + 2) * cout */
} conv_geom;

/* One tile: RY x RX output pixels, CB channel vectors. ip: input at tap (0, 0) of the tile's top-left
 * pixel; w, bias: at the block's first output channel; op/res: output/residual at the tile's
 * top-left pixel and first channel of the block. */
CONV_INLINE void conv_tile(const conv_geom g, const float *ip, const float *w, const float *bias,
                           float scale, const float *res, float *op, int relu, const int RY,
                           const int RX, const int CB)
{
    V acc[2][TILE_RX][2]; /* bounds; only [RY][RX][CB] is used, and lives in registers */
    CONV_UNROLL for (int y = 0; y < RY; y++)
        CONV_UNROLL for (int x = 0; x < RX; x++)
            CONV_UNROLL for (int c = 0; c < CB; c++) acc[y][x][c] = V_LOAD(bias + c * VL);

    for (int ky = 0; ky < g.k; ky++) {
        for (int kx = 0; kx < g.k; kx++) {
            const float *it = ip + ky * g.irow + kx * g.cin;
            const float *wt = w + (size_t)(ky * g.k + kx) * g.cin * g.cout;
            for (int ci = 0; ci < g.cin; ci++, it++, wt += g.cout) {
                V wv[2];
                CONV_UNROLL for (int c = 0; c < CB; c++) wv[c] = V_LOAD(wt + c * VL);
                CONV_UNROLL for (int y = 0; y < RY; y++)
                    CONV_UNROLL for (int x = 0; x < RX; x++) {
                        const V b = V_BCAST(it + y * g.iys + x * g.ps);
                        CONV_UNROLL for (int c = 0; c < CB; c++)
                            acc[y][x][c] = V_FMA(b, wv[c], acc[y][x][c]);
                    }
            }
        }
    }

    const V vs = V_SET1(scale), zero = V_ZERO();
    CONV_UNROLL for (int y = 0; y < RY; y++)
        CONV_UNROLL for (int x = 0; x < RX; x++)
            CONV_UNROLL for (int c = 0; c < CB; c++) {
                const size_t at = (size_t)y * g.orow + (size_t)x * g.cout + (size_t)c * VL;
                V v = res ? V_FMA(acc[y][x][c], vs, V_LOAD(res + at)) : V_MUL(acc[y][x][c], vs);
                if (relu) v = V_MAX(v, zero);
                V_STORE(op + at, v);
            }
}

#define CONV_T(ry, rx, cb) conv_tile(g, ip, w, bias, scale, res, op, relu, ry, rx, cb)
#define CONV_CASE(ry, rx, cb) case rx: CONV_T(ry, rx, cb); break;
#if TILE_RX > 6
#define CONV_CASES_HI(ry, cb) CONV_CASE(ry, 7, cb) CONV_CASE(ry, 8, cb) CONV_CASE(ry, 9, cb) \
    CONV_CASE(ry, 10, cb) CONV_CASE(ry, 11, cb) CONV_CASE(ry, 12, cb)
#else
#define CONV_CASES_HI(ry, cb)
#endif
#define CONV_SWITCH(ry, cb) switch (rx) { CONV_CASE(ry, 1, cb) CONV_CASE(ry, 2, cb) \
    CONV_CASE(ry, 3, cb) CONV_CASE(ry, 4, cb) CONV_CASE(ry, 5, cb) CONV_CASE(ry, 6, cb) \
    CONV_CASES_HI(ry, cb) default: break; }

/* A tile whose shape is known only at run time (constant-folded in the specialised paths). */
CONV_INLINE void conv_tile_any(const conv_geom g, const float *ip, const float *w,
                               const float *bias, float scale, const float *res, float *op,
                               int relu, int ry, int rx, int cb)
{
    if (cb == 2) {
        if (ry == 2) { CONV_SWITCH(2, 2) } else { CONV_SWITCH(1, 2) }
    } else {
        if (ry == 2) { CONV_SWITCH(2, 1) } else { CONV_SWITCH(1, 1) }
    }
}

/* All tiles of one block of cb channel vectors starting at channel co0. Each row is covered by
 * tiles of rxm pixels; the leftover columns of two rows share one tile when it fits, so that
 * short rows (8x8 maps) still keep enough accumulators busy. */
CONV_INLINE void conv_block(const conv_geom g, const unr_conv_args *a, int oh, int ow, int s,
                            int co0, int cb)
{
    const int rxm = TILE_ACC / cb < TILE_RX ? TILE_ACC / cb : TILE_RX;
    const int nfull = ow / rxm, rem = ow % rxm;
    const int pair = rem > 0 && 2 * rem * cb <= TILE_ACC;
    const int off = 1 - g.k / 2; /* padded input coordinate of tap 0 is oy * s + off */
    const float *w = a->weight + co0, *bias = a->bias + co0;
    for (int oy = 0; oy < oh; oy++) {
        const float *irow = a->in + (size_t)(oy * s + off) * g.irow + (size_t)off * g.cin;
        const size_t orow = (size_t)(oy + 1) * g.orow + g.cout + co0;
        float *orp = a->out + orow;
        const float *rrp = a->residual ? a->residual + orow : 0;
        for (int t = 0; t < nfull; t++) {
            const int ox = t * rxm;
            const float *ip = irow + (size_t)ox * g.ps;
            float *op = orp + (size_t)ox * g.cout;
            const float *res = rrp ? rrp + (size_t)ox * g.cout : 0;
            conv_tile_any(g, ip, w, bias, a->scale, res, op, a->relu, 1, rxm, cb);
        }
        if (rem) {
            const int ry = pair && oy + 1 < oh ? 2 : 1;
            if (pair && (oy & 1)) continue; /* done with the row above */
            const int ox = nfull * rxm;
            const float *ip = irow + (size_t)ox * g.ps;
            float *op = orp + (size_t)ox * g.cout;
            const float *res = rrp ? rrp + (size_t)ox * g.cout : 0;
            conv_tile_any(g, ip, w, bias, a->scale, res, op, a->relu, ry, rem, cb);
        }
    }
}

/* The whole convolution; with constant arguments this becomes one specialised kernel. */
CONV_INLINE void conv_run(const unr_conv_args *a, int k, int cin, int cout, int in_h, int in_w,
                          int s)
{
    const int oh = unr_conv_out_size(in_h, k, s), ow = unr_conv_out_size(in_w, k, s);
    conv_geom g;
    g.k = k;
    g.cin = cin;
    g.ps = s * cin;
    g.irow = (in_w + 2) * cin;
    g.iys = s * g.irow;
    g.cout = cout;
    g.orow = (ow + 2) * cout;
    const int nvec = cout / VL;
    for (int b = 0; b + 2 <= nvec; b += 2) conv_block(g, a, oh, ow, s, b * VL, 2);
    if (nvec & 1) conv_block(g, a, oh, ow, s, (nvec - 1) * VL, 1);
}

#define CONV_SPECIAL(name, k, cin, cout, hw, s) \
    CONV_NOINLINE void name(const unr_conv_args *a) { conv_run(a, k, cin, cout, hw, hw, s); }

/* The ResNet shapes: stage convolutions, the two downsampling convolutions, option B, stem. */
CONV_SPECIAL(conv_16_16_32, 3, 16, 16, 32, 1)
CONV_SPECIAL(conv_32_32_16, 3, 32, 32, 16, 1)
CONV_SPECIAL(conv_64_64_8, 3, 64, 64, 8, 1)
CONV_SPECIAL(conv_16_32_32s2, 3, 16, 32, 32, 2)
CONV_SPECIAL(conv_32_64_16s2, 3, 32, 64, 16, 2)
CONV_SPECIAL(conv_3_16_32, 3, 3, 16, 32, 1)

CONV_NOINLINE void conv_generic(const unr_conv_args *a)
{
    conv_run(a, a->ksize, a->cin, a->cout, a->in_h, a->in_w, a->stride);
}

/* cout must be a multiple of VL. */
static void conv_direct(const unr_conv_args *a)
{
    const int k = a->ksize, s = a->stride, ci = a->cin, co = a->cout;
    const int sq = a->in_h == a->in_w ? a->in_w : -1;
    if (k == 3 && s == 1 && ci == 16 && co == 16 && sq == 32) conv_16_16_32(a);
    else if (k == 3 && s == 1 && ci == 32 && co == 32 && sq == 16) conv_32_32_16(a);
    else if (k == 3 && s == 1 && ci == 64 && co == 64 && sq == 8) conv_64_64_8(a);
    else if (k == 3 && s == 2 && ci == 16 && co == 32 && sq == 32) conv_16_32_32s2(a);
    else if (k == 3 && s == 2 && ci == 32 && co == 64 && sq == 16) conv_32_64_16s2(a);
    else if (k == 3 && s == 1 && ci == 3 && co == 16 && sq == 32) conv_3_16_32(a);
    else conv_generic(a);
}
