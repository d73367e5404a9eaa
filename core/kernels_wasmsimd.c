/* kernels_wasmsimd.c - WebAssembly SIMD128 kernels (built with -msimd128 under Emscripten).
 *
 * conv picks one of three paths:
 *  - 3x3 stride 1, cin and cout multiples of 4, weights packed by conv_pack: Winograd F(4x4, 3x3)
 *    (Lavin & Gray 2016), 4x fewer multiplies than direct convolution, which SIMD128 without FMA
 *    needs to keep up. Any map size: tiles hanging over the bottom/right edge are zero-filled.
 *  - other shapes with cout a multiple of 4 (and unpacked weights): register-blocked direct
 *    convolution.
 *  - anything else: the scalar reference.
 * Every path vectorises over channels, which NHWC keeps contiguous: no transposes. Register
 * tiles stay within the 15 xmm registers V8 allocates on x64 (no FMA: a temporary per product).
 */
#include "kernels.h"

#ifdef __wasm_simd128__
#include <stdlib.h>
#include <string.h>
#include <wasm_simd128.h>

#define INLINE static inline __attribute__((always_inline))

typedef v128_t vf;
#define VLOAD(p) wasm_v128_load(p)
#define VSTORE(p, v) wasm_v128_store((p), (v))
#define VSPLAT(p) wasm_v128_load32_splat(p)
#define VADD wasm_f32x4_add
#define VSUB wasm_f32x4_sub
#define VMUL wasm_f32x4_mul
#define VK(x) wasm_f32x4_splat(x)

/* relu?(scale * (acc + bias) + residual?), the epilogue every path shares. NaN maps to 0 like the
 * scalar reference's !(v > 0). */
INLINE vf epilogue(vf acc, vf bias, vf scale, const float *res, int relu)
{
    vf v = VMUL(VADD(acc, bias), scale);
    if (res) v = VADD(v, VLOAD(res));
    if (relu) v = wasm_f32x4_pmax(wasm_f32x4_splat(0.0f), v);
    return v;
}

/* ---- direct convolution ------------------------------------------------------------------ */

/* P output pixels of one row times V vectors (4V channels) of cout, accumulated in registers.
 * ip: top-left tap of the first pixel in the padded input; op, rp: first pixel's output and
 * residual (rp NULL if none); co: first output channel. */
INLINE void direct_tile(const unr_conv_args *a, const float *ip, float *op, const float *rp,
                        int co, const int P, const int V)
{
    const int cin = a->cin, cout = a->cout, k = a->ksize, s = a->stride;
    const size_t in_row = (size_t)(a->in_w + 2) * cin;
    vf acc[8][4];
    for (int p = 0; p < P; p++)
        for (int v = 0; v < V; v++) acc[p][v] = VK(0.0f);
    /* The k taps of one kernel row times cin are contiguous in both the input row and the
     * weights, so each kernel row is a single loop of k * cin steps. */
    const int row_len = k * cin;
    for (int ky = 0; ky < k; ky++) {
        const float *x = ip + ky * in_row;
        const float *w = a->weight + (size_t)ky * row_len * cout + co;
        for (int j = 0; j < row_len; j++, w += cout) {
            vf wv[4];
            for (int v = 0; v < V; v++) wv[v] = VLOAD(w + 4 * v);
            for (int p = 0; p < P; p++) {
                const vf xv = VSPLAT(x + (size_t)p * s * cin + j);
                for (int v = 0; v < V; v++) acc[p][v] = VADD(acc[p][v], VMUL(xv, wv[v]));
            }
        }
    }
    const vf scale = VK(a->scale);
    for (int v = 0; v < V; v++) {
        const vf bias = VLOAD(a->bias + co + 4 * v);
        for (int p = 0; p < P; p++) {
            const size_t at = (size_t)p * cout + 4 * v;
            VSTORE(op + at, epilogue(acc[p][v], bias, scale, rp ? rp + at : 0, a->relu));
        }
    }
}

/* One output row, pixels in blocks of P, channels in blocks of 8 then 4. */
INLINE void direct_row(const unr_conv_args *a, int oy, int ow, const int P)
{
    const int cin = a->cin, cout = a->cout, s = a->stride;
    const int off = 1 - a->ksize / 2; /* 1x1 has no padding: its tap is the interior pixel */
    const size_t in_pw = (size_t)a->in_w + 2;
    const float *in_row = a->in + ((size_t)oy * s + off) * in_pw * cin;
    const size_t out_at = ((size_t)(oy + 1) * (ow + 2) + 1) * cout;
    float *out_row = a->out + out_at;
    const float *res_row = a->residual ? a->residual + out_at : 0;
    int ox = 0;
    for (; ox + P <= ow; ox += P) {
        const float *ip = in_row + ((size_t)ox * s + off) * cin;
        float *op = out_row + (size_t)ox * cout;
        const float *rp = res_row ? res_row + (size_t)ox * cout : 0;
        int co = 0;
        for (; co + 8 <= cout; co += 8) direct_tile(a, ip, op + co, rp ? rp + co : 0, co, P, 2);
        if (co < cout) direct_tile(a, ip, op + co, rp ? rp + co : 0, co, P, 1);
    }
    for (; ox < ow; ox++) {
        const float *ip = in_row + ((size_t)ox * s + off) * cin;
        float *op = out_row + (size_t)ox * cout;
        const float *rp = res_row ? res_row + (size_t)ox * cout : 0;
        int co = 0;
        for (; co + 16 <= cout; co += 16) direct_tile(a, ip, op + co, rp ? rp + co : 0, co, 1, 4);
        for (; co < cout; co += 4) direct_tile(a, ip, op + co, rp ? rp + co : 0, co, 1, 1);
    }
}

static void conv_direct(const unr_conv_args *a)
{
    const int oh = unr_conv_out_size(a->in_h, a->ksize, a->stride);
    const int ow = unr_conv_out_size(a->in_w, a->ksize, a->stride);
    for (int oy = 0; oy < oh; oy++) direct_row(a, oy, ow, 4);
}

/* ---- Winograd F(4x4, 3x3) ---------------------------------------------------------------- */
/* Y = A^T [(G g G^T) . (B^T d B)] A on 6x6 input tiles giving 4x4 output tiles. Per chunk of
 * tiles: input transforms into U[pos][tile][cin], 36 GEMMs M[pos] = U[pos] V[pos], output
 * transforms with the epilogue. */

#define WT 6    /* input tile side */
#define WPOS 36 /* transformed positions per tile */
#ifndef CHUNK
#define CHUNK 8 /* tiles per chunk: U and M stay near L1 */
#endif
/* GEMM register tile: GEMM_MR rows (tiles) x GEMM_NR columns (channels), 8 accumulators plus
 * two weight vectors, a broadcast and a product: 12 of V8's 15 xmm registers. GEMM_NR is fixed
 * (gemm handles one 4-wide tail block); GEMM_MR may be 1 to 6. */
#define GEMM_NR 8
#ifndef GEMM_MR
#define GEMM_MR 4
#endif

static int wino_applies(const unr_conv_args *a)
{
    return a->ksize == 3 && a->stride == 1 && a->cin % 4 == 0 && a->cout % 4 == 0;
}

/* Each position's [cin][cout] weight matrix is packed in column blocks of GEMM_NR channels
 * (then one of 4 if cout % 8 == 4), each block [cin][width], so the GEMM streams it linearly.
 * Block b starts at b * GEMM_NR * cin: column co's block starts at (co rounded down) * cin. */
static size_t packed_at(int ci, int co, int cin, int cout)
{
    const int full = cout - cout % GEMM_NR, c0 = co < full ? co - co % GEMM_NR : full;
    const int width = co < full ? GEMM_NR : cout - full;
    return (size_t)c0 * cin + (size_t)ci * width + (co - c0);
}

static size_t conv_pack_size__wasmsimd(const unr_conv_args *a)
{
    return wino_applies(a) ? (size_t)WPOS * a->cin * a->cout : 0;
}

/* V[pos] = (G g G^T)[pos] for every (ci, co), packed as above; in double, rounded once. */
static void conv_pack__wasmsimd(const unr_conv_args *a, float *packed)
{
    static const double G[6][3] = {{1.0 / 4, 0, 0},
                                   {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                   {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                   {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                   {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                   {0, 0, 1}};
    const int cin = a->cin, cout = a->cout;
    const size_t plane = (size_t)cin * cout;
    for (int ci = 0; ci < cin; ci++) {
        for (int co = 0; co < cout; co++) {
            double g[3][3], t[6][3];
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++)
                    g[ky][kx] = a->weight[(size_t)(ky * 3 + kx) * plane + (size_t)ci * cout + co];
            for (int i = 0; i < 6; i++)
                for (int kx = 0; kx < 3; kx++)
                    t[i][kx] = G[i][0] * g[0][kx] + G[i][1] * g[1][kx] + G[i][2] * g[2][kx];
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 6; j++)
                    packed[(size_t)(i * 6 + j) * plane + packed_at(ci, co, cin, cout)] =
                        (float)(t[i][0] * G[j][0] + t[i][1] * G[j][1] + t[i][2] * G[j][2]);
        }
    }
}

/* B^T applied to six vectors d0..d5 (a column or row of the tile), in place into r. */
INLINE void bt6(const vf d[6], vf r[6])
{
    const vf k4 = VK(4.0f), k5 = VK(5.0f), k2 = VK(2.0f);
    const vf t1 = VSUB(d[4], VMUL(k4, d[2])), t2 = VSUB(d[3], VMUL(k4, d[1]));
    const vf t3 = VSUB(d[4], d[2]), t4 = VMUL(k2, VSUB(d[3], d[1]));
    r[0] = VADD(VSUB(VMUL(k4, d[0]), VMUL(k5, d[2])), d[4]);
    r[1] = VADD(t1, t2);
    r[2] = VSUB(t1, t2);
    r[3] = VADD(t3, t4);
    r[4] = VSUB(t3, t4);
    r[5] = VADD(VSUB(VMUL(k4, d[1]), VMUL(k5, d[3])), d[5]);
}

/* A^T applied to six vectors, giving four. */
INLINE void at6(const vf m[6], vf o[4])
{
    const vf s12 = VADD(m[1], m[2]), d12 = VSUB(m[1], m[2]);
    const vf s34 = VADD(m[3], m[4]), d34 = VSUB(m[3], m[4]);
    o[0] = VADD(VADD(m[0], s12), s34);
    o[1] = VADD(d12, VMUL(VK(2.0f), d34));
    o[2] = VADD(s12, VMUL(VK(4.0f), s34));
    o[3] = VADD(VADD(d12, VMUL(VK(8.0f), d34)), m[5]);
}

/* Workspace: U and M for one chunk, and a zero-filled tile copy for tiles that hang over the
 * bottom or right edge. Grown on demand, never shrunk; a static is safe because a WASM instance
 * runs one thread. */
static float *work;
static size_t work_len;

static float *wino_workspace(size_t n)
{
    if (n > work_len) {
        float *w = realloc(work, n * sizeof(float));
        if (!w) return 0;
        work = w;
        work_len = n;
    }
    return work;
}

/* U for one tile: d is the tile's top-left in a map with the given row and column strides
 * (floats); channels ci..ci+3 of all 36 positions go to u + pos * ustride. */
INLINE void wino_input_tile(const float *d, size_t row_stride, size_t col_stride, int cin,
                            float *u, size_t ustride)
{
    for (int ci = 0; ci < cin; ci += 4) {
        vf t[6][6];
        for (int x = 0; x < 6; x++) { /* columns: B^T d */
            vf col[6], r[6];
            for (int y = 0; y < 6; y++) col[y] = VLOAD(d + y * row_stride + x * col_stride + ci);
            bt6(col, r);
            for (int y = 0; y < 6; y++) t[y][x] = r[y];
        }
        for (int y = 0; y < 6; y++) { /* rows: (B^T d) B */
            vf r[6];
            bt6(t[y], r);
            for (int x = 0; x < 6; x++) VSTORE(u + (size_t)(y * 6 + x) * ustride + ci, r[x]);
        }
    }
}

/* C[T x cout] = A[T x cin] B[cin x cout] for P rows at r and V vectors of columns; b is the
 * packed column block (4V wide). */
INLINE void gemm_tile(const float *A, const float *b, float *C, int cin, int cout, int r, int co,
                      const int P, const int V)
{
    vf acc[8][4];
    for (int p = 0; p < P; p++)
        for (int v = 0; v < V; v++) acc[p][v] = VK(0.0f);
    const float *arow = A + (size_t)r * cin;
    for (int ci = 0; ci < cin; ci++, b += 4 * V) {
        vf bv[4];
        for (int v = 0; v < V; v++) bv[v] = VLOAD(b + 4 * v);
        for (int p = 0; p < P; p++) {
            const vf av = VSPLAT(arow + (size_t)p * cin + ci);
            for (int v = 0; v < V; v++) acc[p][v] = VADD(acc[p][v], VMUL(av, bv[v]));
        }
    }
    for (int p = 0; p < P; p++)
        for (int v = 0; v < V; v++) VSTORE(C + (size_t)(r + p) * cout + co + 4 * v, acc[p][v]);
}

INLINE void gemm_columns(const float *A, const float *b, float *C, int T, int cin, int cout,
                         int co, const int V)
{
    int r = 0;
    for (; r + GEMM_MR <= T; r += GEMM_MR) gemm_tile(A, b, C, cin, cout, r, co, GEMM_MR, V);
    switch (T - r) {
    case 1: gemm_tile(A, b, C, cin, cout, r, co, 1, V); break;
    case 2: gemm_tile(A, b, C, cin, cout, r, co, 2, V); break;
    case 3: gemm_tile(A, b, C, cin, cout, r, co, 3, V); break;
    case 4: gemm_tile(A, b, C, cin, cout, r, co, 4, V); break;
    case 5: gemm_tile(A, b, C, cin, cout, r, co, 5, V); break;
    default: break;
    }
}

/* C = A B with B packed (see packed_at). */
static void gemm(const float *A, const float *B, float *C, int T, int cin, int cout)
{
    int co = 0;
    for (; co + GEMM_NR <= cout; co += GEMM_NR)
        gemm_columns(A, B + (size_t)co * cin, C, T, cin, cout, co, GEMM_NR / 4);
    if (co < cout) gemm_columns(A, B + (size_t)co * cin, C, T, cin, cout, co, 1);
}

/* Output tile: A^T M A + bias, epilogue, stored for the rows/cols inside the map. */
static void wino_output_tile(const unr_conv_args *a, const float *m, size_t mstride, int oy,
                             int ox, int oh, int ow)
{
    const int cout = a->cout;
    const size_t out_pw = (size_t)ow + 2;
    const int ny = oh - oy < 4 ? oh - oy : 4, nx = ow - ox < 4 ? ow - ox : 4;
    const vf scale = VK(a->scale);
    for (int co = 0; co < cout; co += 4) {
        vf t[4][6];
        for (int x = 0; x < 6; x++) { /* columns: A^T M */
            vf col[6], r[4];
            for (int y = 0; y < 6; y++) col[y] = VLOAD(m + (size_t)(y * 6 + x) * mstride + co);
            at6(col, r);
            for (int y = 0; y < 4; y++) t[y][x] = r[y];
        }
        const vf bias = VLOAD(a->bias + co);
        for (int y = 0; y < ny; y++) { /* rows: (A^T M) A */
            vf r[4];
            at6(t[y], r);
            const size_t at = ((size_t)(oy + y + 1) * out_pw + ox + 1) * cout + co;
            for (int x = 0; x < nx; x++) {
                const size_t px = at + (size_t)x * cout;
                VSTORE(a->out + px,
                       epilogue(r[x], bias, scale, a->residual ? a->residual + px : 0, a->relu));
            }
        }
    }
}

/* Needs wino_applies(a) and a->packed; returns 0 (nothing written) if the workspace could not
 * be allocated. */
static int conv_winograd(const unr_conv_args *a)
{
    const int cin = a->cin, cout = a->cout, oh = a->in_h, ow = a->in_w;
    const int tw = (ow + 3) / 4, th = (oh + 3) / 4, tiles = tw * th;
    const size_t in_pw = (size_t)a->in_w + 2;
    const float *V = a->packed;
    const size_t ulen = (size_t)WPOS * CHUNK * cin, mlen = (size_t)WPOS * CHUNK * cout;
    float *ws = wino_workspace(ulen + mlen + (size_t)WPOS * cin);
    if (!ws) return 0;
    float *U = ws, *M = ws + ulen, *edge = ws + ulen + mlen;
    for (int t0 = 0; t0 < tiles; t0 += CHUNK) {
        const int T = tiles - t0 < CHUNK ? tiles - t0 : CHUNK;
        for (int t = 0; t < T; t++) {
            const int ty = (t0 + t) / tw, tx = (t0 + t) % tw;
            const int py = 4 * ty, px = 4 * tx; /* tile's top-left in padded coordinates */
            const float *d = a->in + ((size_t)py * in_pw + px) * cin;
            if (py + WT <= a->in_h + 2 && px + WT <= a->in_w + 2) {
                wino_input_tile(d, in_pw * cin, cin, cin, U + (size_t)t * cin, (size_t)CHUNK * cin);
            } else { /* past the border: copy what exists, zero the rest */
                const int ny = a->in_h + 2 - py < WT ? a->in_h + 2 - py : WT;
                const int nx = a->in_w + 2 - px < WT ? a->in_w + 2 - px : WT;
                memset(edge, 0, (size_t)WPOS * cin * sizeof(float));
                for (int y = 0; y < ny; y++)
                    memcpy(edge + (size_t)y * WT * cin, d + y * in_pw * cin,
                           (size_t)nx * cin * sizeof(float));
                wino_input_tile(edge, (size_t)WT * cin, cin, cin, U + (size_t)t * cin,
                                (size_t)CHUNK * cin);
            }
        }
        for (int pos = 0; pos < WPOS; pos++)
            gemm(U + (size_t)pos * CHUNK * cin, V + (size_t)pos * cin * cout,
                 M + (size_t)pos * CHUNK * cout, T, cin, cout);
        for (int t = 0; t < T; t++) {
            const int ty = (t0 + t) / tw, tx = (t0 + t) % tw;
            wino_output_tile(a, M + (size_t)t * cout, (size_t)CHUNK * cout, 4 * ty, 4 * tx, oh, ow);
        }
    }
    return 1;
}

/* ---- entry points ------------------------------------------------------------------------ */

static void conv__wasmsimd(const unr_conv_args *a)
{
    if (a->cout % 4 != 0) {
        unr_kernels_scalar()->conv(a);
        return;
    }
    if (a->packed && wino_applies(a) && conv_winograd(a)) return;
    conv_direct(a);
}

static void affine_relu__wasmsimd(const float *in, float *out, int h, int w, int c,
                                  const float *mul, const float *add)
{
    if (c % 4 != 0) {
        unr_kernels_scalar()->affine_relu(in, out, h, w, c, mul, add);
        return;
    }
    const vf zero = VK(0.0f);
    for (int y = 0; y < h; y++) {
        const size_t row = ((size_t)(y + 1) * (w + 2) + 1) * c;
        for (int x = 0; x < w; x++) {
            const size_t at = row + (size_t)x * c;
            for (int ch = 0; ch < c; ch += 4) {
                const vf v = VADD(VMUL(VLOAD(in + at + ch), VLOAD(mul + ch)), VLOAD(add + ch));
                VSTORE(out + at + ch, wasm_f32x4_pmax(zero, v));
            }
        }
    }
}

static const unr_kernels wasmsimd_kernels = {
    .name = "wasmsimd",
    .conv = conv__wasmsimd,
    .conv_pack_size = conv_pack_size__wasmsimd,
    .conv_pack = conv_pack__wasmsimd,
    .affine_relu = affine_relu__wasmsimd,
};

const unr_kernels *unr_kernels_wasmsimd(void) { return &wasmsimd_kernels; }

#else

const unr_kernels *unr_kernels_wasmsimd(void) { return 0; }

#endif
