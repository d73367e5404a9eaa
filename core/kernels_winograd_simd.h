/* kernels_winograd_simd.h - Winograd F(4x4, 3x3) and F(2x2, 3x3) for stride-1 3x3 convolutions,
 * written once over the SIMD vocabulary of kernels_conv_simd.h. Include that first, and define
 * WINO_TB, the tiles per block (at most TILE_RX and 12): the GEMM register tile is WINO_TB tiles
 * by 2 vectors of output channels.
 *
 * Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks" (2016): an MxM output tile
 * is A^T [ (G g G^T) . (B^T d B) ] A over its (M+2)x(M+2) input patch d. F(4x4, 3x3) needs 36
 * products per tile where direct convolution needs 144, F(2x2, 3x3) 16 instead of 36; for all
 * tiles and channels the products are (M+2)^2 small GEMMs, blocked so that a tile's input
 * transform, GEMMs and output transform (with the fused epilogue) all run while the block is in
 * L1. The weight transform U = G g G^T is done once at model load (wino_pack); without packed
 * weights the caller uses the direct kernel. F(4x4)'s transforms multiply by up to 5 and 8, so
 * it loses a few bits against the direct sum: about 2e-6 of sum |terms| at worst on the test's
 * random data (direct: 2.5e-7), well inside what a float CNN tolerates.
 *
 * Gets: wino_form(a) (0: not handled), wino_pack_size / wino_pack, and conv_winograd(a).
 */

/* Each transform buffer holds 16384 floats (64 KB of stack): at least 36 positions x WINO_TB
 * tiles x 32 channels for F(4x4), 16 x WINO_TB x 64 for F(2x2); all 16 tiles of an 8x8 map. */
#define WINO_BUF 16384
#if WINO_TB > 12
#error "WINO_TB too large for the transform buffers"
#endif

/* Which form a layer gets: 4 for F(4x4, 3x3) where the map divides into 4x4 tiles and channels
 * are at most 32; 2 for F(2x2, 3x3) where it divides into 2x2 tiles and channels are at most 64;
 * 0 for none (direct convolution). F(4x4) has the fewest products, but its weights are 36 floats
 * per channel pair, each used once per tile: for 64 channels on an 8x8 map (4 tiles) that is
 * 590 KB streamed per call for little work, and F(2x2) (262 KB, 16 tiles) is faster. */
static int wino_form(const unr_conv_args *a)
{
    if (a->ksize != 3 || a->stride != 1 || a->cin % VL || a->cout % VL) return 0;
    if (a->in_h % 4 == 0 && a->in_w % 4 == 0 && a->cin <= 32 && a->cout <= 32) return 4;
    if (a->in_h % 2 == 0 && a->in_w % 2 == 0 && a->cin <= 64 && a->cout <= 64) return 2;
    return 0;
}

static size_t wino_pack_size(const unr_conv_args *a)
{
    const int m = wino_form(a);
    return m ? (size_t)(m + 2) * (m + 2) * a->cin * a->cout : 0;
}

/* Where U[xi][ci][co] is stored: each position's [cin][cout] matrix is split into column blocks of
 * 2 VL channels (the GEMM register tile's width; a last block of VL where cout / VL is odd), each
 * block [cin][width], so that a GEMM tile streams its weights contiguously. */
static size_t wino_packed_at(int xi, int ci, int co, int cin, int cout)
{
    const int full = cout - cout % (2 * VL);
    const int c0 = co < full ? co - co % (2 * VL) : full, width = co < full ? 2 * VL : cout - full;
    return (size_t)xi * cin * cout + (size_t)c0 * cin + (size_t)ci * width + (co - c0);
}

/* U = G g G^T per position, computed in double and rounded once. */
static void wino_pack(const unr_conv_args *a, float *packed)
{
    static const double g2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
    static const double g4[6][3] = {{1.0 / 4, 0, 0},
                                    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                    {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                    {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                    {0, 0, 1}};
    const int m = wino_form(a), n = m + 2, cin = a->cin, cout = a->cout;
    const double(*G)[3] = m == 4 ? g4 : g2;
    for (int ci = 0; ci < cin; ci++)
        for (int co = 0; co < cout; co++) {
            double g[3][3], s[6][3];
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++)
                    g[ky][kx] = a->weight[((size_t)(ky * 3 + kx) * cin + ci) * cout + co];
            for (int i = 0; i < n; i++)
                for (int kx = 0; kx < 3; kx++)
                    s[i][kx] = G[i][0] * g[0][kx] + G[i][1] * g[1][kx] + G[i][2] * g[2][kx];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    packed[wino_packed_at(i * n + j, ci, co, cin, cout)] =
                        (float)(s[i][0] * G[j][0] + s[i][1] * G[j][1] + s[i][2] * G[j][2]);
        }
}

/* B^T d B for one channel vector of a 4x4 patch; v gets the 16 transformed vectors, each
 * vstride floats apart. B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. */
CONV_INLINE void wino_in_tile(const float *p, int prow, int ppix, float *v, size_t vstride)
{
    V t[4][4];
    for (int j = 0; j < 4; j++) {
        const V d0 = V_LOAD(p + j * ppix), d1 = V_LOAD(p + prow + j * ppix),
                d2 = V_LOAD(p + 2 * prow + j * ppix), d3 = V_LOAD(p + 3 * prow + j * ppix);
        t[0][j] = V_SUB(d0, d2);
        t[1][j] = V_ADD(d1, d2);
        t[2][j] = V_SUB(d2, d1);
        t[3][j] = V_SUB(d1, d3);
    }
    for (int i = 0; i < 4; i++) {
        V_STORE(v + (size_t)(i * 4 + 0) * vstride, V_SUB(t[i][0], t[i][2]));
        V_STORE(v + (size_t)(i * 4 + 1) * vstride, V_ADD(t[i][1], t[i][2]));
        V_STORE(v + (size_t)(i * 4 + 2) * vstride, V_SUB(t[i][2], t[i][1]));
        V_STORE(v + (size_t)(i * 4 + 3) * vstride, V_SUB(t[i][1], t[i][3]));
    }
}

/* B^T d B for F(4x4, 3x3), 6x6 patch; B^T rows: [4 0 -5 0 1 0], [0 -4 -4 1 1 0], [0 4 -4 -1 1 0],
 * [0 -2 -1 2 1 0], [0 2 -1 -2 1 0], [0 4 0 -5 0 1], factored to share the partial sums. */
CONV_INLINE void wino4_cols(const V d[6], V t[6])
{
    const V four = V_SET1(4.0f), mfour = V_SET1(-4.0f), mfive = V_SET1(-5.0f), two = V_SET1(2.0f);
    const V a = V_FMA(mfour, d[2], d[4]), b = V_FMA(mfour, d[1], d[3]);
    const V c = V_SUB(d[4], d[2]), e = V_SUB(d[3], d[1]);
    t[0] = V_FMA(four, d[0], V_FMA(mfive, d[2], d[4]));
    t[1] = V_ADD(a, b);
    t[2] = V_SUB(a, b);
    t[3] = V_FMA(two, e, c);
    t[4] = V_FMA(V_SET1(-2.0f), e, c);
    t[5] = V_FMA(four, d[1], V_FMA(mfive, d[3], d[5]));
}

CONV_INLINE void wino4_in_tile(const float *p, int prow, int ppix, float *v, size_t vstride)
{
    V t[6][6];
    for (int j = 0; j < 6; j++) {
        V d[6], c[6];
        for (int i = 0; i < 6; i++) d[i] = V_LOAD(p + i * prow + j * ppix);
        wino4_cols(d, c);
        for (int i = 0; i < 6; i++) t[i][j] = c[i];
    }
    for (int i = 0; i < 6; i++) {
        V r[6];
        wino4_cols(t[i], r);
        for (int j = 0; j < 6; j++) V_STORE(v + (size_t)(i * 6 + j) * vstride, r[j]);
    }
}

/* A^T rows: [1 1 1 1 1 0], [0 1 -1 2 -2 0], [0 1 1 4 4 0], [0 1 -1 8 -8 1]. */
CONV_INLINE void wino4_out_cols(const V m[6], V y[4])
{
    const V p = V_ADD(m[1], m[2]), q = V_SUB(m[1], m[2]), r = V_ADD(m[3], m[4]),
            s = V_SUB(m[3], m[4]);
    y[0] = V_ADD(V_ADD(m[0], p), r);
    y[1] = V_FMA(V_SET1(2.0f), s, q);
    y[2] = V_FMA(V_SET1(4.0f), r, p);
    y[3] = V_ADD(V_FMA(V_SET1(8.0f), s, q), m[5]);
}

CONV_INLINE void wino4_out_tile(const float *m, size_t mstride, const float *bias, V vs,
                                const float *r, float *o, int orow, int opix, int relu)
{
    V q[4][6];
    for (int j = 0; j < 6; j++) {
        V c[6], y[4];
        for (int i = 0; i < 6; i++) c[i] = V_LOAD(m + (size_t)(i * 6 + j) * mstride);
        wino4_out_cols(c, y);
        for (int i = 0; i < 4; i++) q[i][j] = y[i];
    }
    const V b = V_LOAD(bias), zero = V_ZERO();
    for (int i = 0; i < 4; i++) {
        V y[4];
        wino4_out_cols(q[i], y);
        for (int j = 0; j < 4; j++) {
            const size_t at = (size_t)i * orow + (size_t)j * opix;
            const V z = V_ADD(y[j], b);
            V v = r ? V_FMA(z, vs, V_LOAD(r + at)) : V_MUL(z, vs);
            if (relu) v = V_MAX(v, zero);
            V_STORE(o + at, v);
        }
    }
}

/* One GEMM register tile: M[t][c] = sum_ci Vx[t][ci] * U[ci][c] for TB tiles and CB vectors;
 * ub: the tile's weight block, [cin][CB * VL]. */
CONV_INLINE void wino_gemm_tile(const float *vx, const float *ub, float *mx, int cin, int cout,
                                const int TB, const int CB)
{
    V acc[TILE_RX][2];
    CONV_UNROLL for (int t = 0; t < TB; t++)
        CONV_UNROLL for (int c = 0; c < CB; c++) acc[t][c] = V_ZERO();
    for (int ci = 0; ci < cin; ci++, ub += CB * VL) {
        V w[2];
        /* The next weight block, one step ahead: per image every layer's weights come from L3
         * (ResNet-56 has 7.7 MB of them), and these short streams defeat the prefetcher. */
        CONV_PREFETCH(ub + (size_t)CB * VL * cin);
        CONV_UNROLL for (int c = 0; c < CB; c++) w[c] = V_LOAD(ub + c * VL);
        CONV_UNROLL for (int t = 0; t < TB; t++) {
            const V b = V_BCAST(vx + t * cin + ci);
            CONV_UNROLL for (int c = 0; c < CB; c++) acc[t][c] = V_FMA(b, w[c], acc[t][c]);
        }
    }
    CONV_UNROLL for (int t = 0; t < TB; t++)
        CONV_UNROLL for (int c = 0; c < CB; c++) V_STORE(mx + t * cout + c * VL, acc[t][c]);
}

/* A^T m A plus the epilogue for one channel vector of one tile; m holds 16 vectors mstride apart.
 * A^T = [1 1 1 0; 0 1 -1 -1]. o/r: output/residual at the tile's top-left pixel. */
CONV_INLINE void wino_out_tile(const float *m, size_t mstride, const float *bias, V vs,
                               const float *r, float *o, int orow, int opix, int relu)
{
    V q[2][4];
    for (int j = 0; j < 4; j++) {
        const V m0 = V_LOAD(m + (size_t)(0 + j) * mstride), m1 = V_LOAD(m + (size_t)(4 + j) * mstride),
                m2 = V_LOAD(m + (size_t)(8 + j) * mstride), m3 = V_LOAD(m + (size_t)(12 + j) * mstride);
        q[0][j] = V_ADD(V_ADD(m0, m1), m2);
        q[1][j] = V_SUB(V_SUB(m1, m2), m3);
    }
    const V b = V_LOAD(bias), zero = V_ZERO();
    for (int i = 0; i < 2; i++) {
        const V y[2] = {V_ADD(V_ADD(V_ADD(q[i][0], q[i][1]), q[i][2]), b),
                        V_ADD(V_SUB(V_SUB(q[i][1], q[i][2]), q[i][3]), b)};
        for (int j = 0; j < 2; j++) {
            const size_t at = (size_t)i * orow + (size_t)j * opix;
            V v = r ? V_FMA(y[j], vs, V_LOAD(r + at)) : V_MUL(y[j], vs);
            if (relu) v = V_MAX(v, zero);
            V_STORE(o + at, v);
        }
    }
}

/* The NXI GEMMs of one block of tiles. Kept out of line (one copy per specialisation): inlined
 * beside the transforms, their hoisted constants would push accumulators out of registers. */
CONV_INLINE void wino_gemms(const float *vbuf, const float *packed, float *mbuf, int cin, int cout,
                            int nxi, const int TB, int sb, int used)
{
    /* Weight block outermost: it is read from memory once per super-block and then stays in L1
     * for its used / TB register tiles. sb: the tiles the buffers are laid out for. */
    const size_t vst = (size_t)sb * cin, mst = (size_t)sb * cout;
    for (int x = 0; x < nxi; x++) {
        const float *vx = vbuf + x * vst, *ux = packed + (size_t)x * cin * cout;
        float *mx = mbuf + x * mst;
        int co = 0;
        for (; co + 2 * VL <= cout; co += 2 * VL)
            for (int t = 0; t < used; t += TB)
                wino_gemm_tile(vx + t * cin, ux + (size_t)co * cin, mx + t * cout + co, cin, cout, TB, 2);
        if (co < cout)
            for (int t = 0; t < used; t += TB)
                wino_gemm_tile(vx + t * cin, ux + (size_t)co * cin, mx + t * cout + co, cin, cout, TB, 1);
    }
}

typedef void (*wino_gemms_fn)(const float *vbuf, const float *packed, float *mbuf, int cin,
                              int cout, int sb, int used);

/* M: output tile size, 2 or 4; TB: tiles per register tile, at most WINO_TB (both constants, so
 * each form is its own code). Tiles go in super-blocks of sb (a multiple of TB, as many as the
 * buffers hold): transform their inputs, multiply, transform their outputs. */
CONV_INLINE void wino_run(const unr_conv_args *a, int cin, int cout, int h, int w, const int M,
                          const int TB, wino_gemms_fn gemms)
{
    /* Transform buffers for one super-block: vbuf[xi][t][ci], mbuf[xi][t][co]. */
    float vbuf[WINO_BUF], mbuf[WINO_BUF];
    const int N = M + 2, NXI = N * N;
    const int tw = w / M, ntiles = (h / M) * tw;
    const int irow = (w + 2) * cin, orow = (w + 2) * cout;
    const float *packed = a->packed;
    const V vs = V_SET1(a->scale);
    int sb = WINO_BUF / (NXI * (cin > cout ? cin : cout)) / TB * TB;
    if (sb > (ntiles + TB - 1) / TB * TB) sb = (ntiles + TB - 1) / TB * TB;
    const size_t vst = (size_t)sb * cin, mst = (size_t)sb * cout;
    for (int t0 = 0; t0 < ntiles; t0 += sb) {
        const int nt = ntiles - t0 < sb ? ntiles - t0 : sb;
        for (int t = 0; t < nt; t++) {
            const int ty = (t0 + t) / tw, tx = (t0 + t) % tw;
            /* Tile (ty, tx) reads padded rows M*ty .. M*ty+N-1, and the same columns. */
            const float *p = a->in + (size_t)(M * ty) * irow + (size_t)(M * tx) * cin;
            for (int c = 0; c < cin; c += VL) {
                if (M == 4) wino4_in_tile(p + c, irow, cin, vbuf + t * cin + c, vst);
                else wino_in_tile(p + c, irow, cin, vbuf + t * cin + c, vst);
            }
        }
        const int used = (nt + TB - 1) / TB * TB;
        for (int t = nt; t < used; t++) /* idle rows of the last register tile: keep them finite */
            for (int x = 0; x < NXI; x++)
                for (int c = 0; c < cin; c += VL) V_STORE(vbuf + x * vst + t * cin + c, V_ZERO());
        gemms(vbuf, packed, mbuf, cin, cout, sb, used);
        for (int t = 0; t < nt; t++) {
            const int ty = (t0 + t) / tw, tx = (t0 + t) % tw;
            const size_t at = ((size_t)(M * ty + 1) * (w + 2) + M * tx + 1) * cout;
            for (int c = 0; c < cout; c += VL) {
                const float *r = a->residual ? a->residual + at + c : 0;
                if (M == 4) wino4_out_tile(mbuf + t * cout + c, mst, a->bias + c, vs, r, a->out + at + c, orow, cout, a->relu);
                else wino_out_tile(mbuf + t * cout + c, mst, a->bias + c, vs, r, a->out + at + c, orow, cout, a->relu);
            }
        }
    }
}

#define WINO_SPECIAL(name, cin, cout, hw, m, tb)                                                \
    CONV_NOINLINE void name##_gemms(const float *v, const float *p, float *o, int ci, int co,   \
                                    int sb, int used)                                            \
    {                                                                                            \
        (void)ci, (void)co;                                                                      \
        wino_gemms(v, p, o, cin, cout, (m + 2) * (m + 2), tb, sb, used);                        \
    }                                                                                            \
    CONV_NOINLINE void name(const unr_conv_args *a)                                              \
    {                                                                                            \
        wino_run(a, cin, cout, hw, hw, m, tb, name##_gemms);                                     \
    }

WINO_SPECIAL(wino_16_16_32, 16, 16, 32, 4, WINO_TB)
WINO_SPECIAL(wino_32_32_16, 32, 32, 16, 4, WINO_TB)
WINO_SPECIAL(wino_64_64_8, 64, 64, 8, 2, WINO_TB_64)

/* The other shapes. */
#define WINO_GENERIC(name, m)                                                                    \
    CONV_NOINLINE void name##_gemms(const float *v, const float *p, float *o, int ci, int co,   \
                                    int sb, int used)                                            \
    {                                                                                            \
        wino_gemms(v, p, o, ci, co, (m + 2) * (m + 2), WINO_TB, sb, used);                      \
    }                                                                                            \
    CONV_NOINLINE void name(const unr_conv_args *a)                                              \
    {                                                                                            \
        wino_run(a, a->cin, a->cout, a->in_h, a->in_w, m, WINO_TB, name##_gemms);                \
    }
WINO_GENERIC(wino2_generic, 2)
WINO_GENERIC(wino4_generic, 4)

/* Requires wino_form(a) != 0 and a->packed from wino_pack. */
static void conv_winograd(const unr_conv_args *a)
{
    const int ci = a->cin, co = a->cout, sq = a->in_h == a->in_w ? a->in_w : -1;
    const int m = wino_form(a);
    if (ci == 16 && co == 16 && sq == 32 && m == 4) wino_16_16_32(a);
    else if (ci == 32 && co == 32 && sq == 16 && m == 4) wino_32_32_16(a);
    else if (ci == 64 && co == 64 && sq == 8 && m == 2) wino_64_64_8(a);
    else if (m == 4) wino4_generic(a);
    else wino2_generic(a);
}
