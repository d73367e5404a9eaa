/* backward.c - the ResNet backward pass written out beside the forward pass (forward.c): head,
 * blocks (each routed both / residual only / skip only), convolutions, shortcuts, ReLU masks.
 * Gradients are with respect to the input of block 1; BatchNorm is folded (inference mode), so
 * its backward is part of each convolution's or multiply-add's. Maps are padded NHWC with a zero
 * border, as in kernels.h; every elementwise pass below runs over the whole padded map, which
 * keeps the border zero because each of them maps 0 to 0. */
#include "backward.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- transposed weights ------------------------------------------------------------------- */

/* The input gradient of one forward convolution (geometry as in the forward pass). */
typedef struct bw_conv {
    int cin, cout, ksize, stride, in_size, out_size;
    float *weight; /* stride 1, 3x3: rotated, [3][3][cout][cin]; otherwise [k][k][cout][cin] */
    float *packed; /* stride 1, 3x3: the active kernels' packing of weight, or NULL */
} bw_conv;

typedef struct bw_block {
    bw_conv conv1, conv2, proj; /* conv2 carries the residual scale p */
} bw_block;

struct unr_bw_weights {
    bw_block *blocks;
    float *zeros; /* a zero bias, widest layer */
    float *memory, *packed;
};

static bw_conv bw_geometry(const unr_conv *c)
{
    return (bw_conv){.cin = c->cin, .cout = c->cout, .ksize = c->ksize, .stride = c->stride,
                     .in_size = c->in_size,
                     .out_size = unr_conv_out_size(c->in_size, c->ksize, c->stride)};
}

static int bw_rotated(const bw_conv *c) { return c->ksize == 3 && c->stride == 1; }

/* The kernels' view of a rotated transposed convolution: gradient of the output in, gradient of
 * the input out (same map size at stride 1). */
static unr_conv_args bw_args(const bw_conv *c, const float *zeros)
{
    return (unr_conv_args){.in_h = c->out_size, .in_w = c->out_size, .cin = c->cout,
                           .cout = c->cin, .ksize = 3, .stride = 1, .weight = c->weight,
                           .bias = zeros, .scale = 1.0f, .packed = c->packed};
}

/* Fill c->weight from the forward weights [k][k][cin][cout], times factor. */
static void bw_transpose(const unr_conv *f, bw_conv *c, float factor)
{
    const int k = c->ksize, ci = c->cin, co = c->cout, rot = bw_rotated(c);
    for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++) {
            const int sy = rot ? k - 1 - ky : ky, sx = rot ? k - 1 - kx : kx;
            for (int o = 0; o < co; o++)
                for (int i = 0; i < ci; i++)
                    c->weight[((size_t)(ky * k + kx) * co + o) * ci + i] =
                        f->weight[((size_t)(sy * k + sx) * ci + i) * co + o] * factor;
        }
}

/* The transposed convolutions of block b's layers, in a fixed order (for counting and filling). */
static int bw_layers(const unr_model *m, bw_block *wb, int b, const unr_conv **fwd, bw_conv **out)
{
    const unr_block *bl = &m->blocks[b];
    int n = 0;
    fwd[n] = &bl->conv1, out[n++] = &wb->conv1;
    fwd[n] = &bl->conv2, out[n++] = &wb->conv2;
    if (bl->has_proj) fwd[n] = &bl->proj, out[n++] = &wb->proj;
    return n;
}

unr_bw_weights *unr_bw_weights_new(const unr_model *m)
{
    const int L = m->info.num_blocks;
    unr_bw_weights *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->blocks = calloc((size_t)L, sizeof *w->blocks);
    w->zeros = calloc((size_t)m->info.widths[2], sizeof(float));
    if (!w->blocks || !w->zeros) goto fail;
    size_t floats = 0, packed = 0;
    for (int pass = 0; pass < 2; pass++) {
        float *wp = w->memory, *pp = w->packed;
        for (int b = 0; b < L; b++) {
            const unr_conv *fwd[3];
            bw_conv *out[3];
            int n = bw_layers(m, &w->blocks[b], b, fwd, out);
            for (int i = 0; i < n; i++) {
                bw_conv *c = out[i];
                *c = bw_geometry(fwd[i]);
                size_t len = (size_t)c->ksize * c->ksize * c->cin * c->cout;
                unr_conv_args a = bw_args(c, w->zeros);
                size_t plen = bw_rotated(c) ? unr_conv_pack_size(m->kernels, &a) : 0;
                if (pass == 0) {
                    floats += len;
                    packed += plen;
                    continue;
                }
                c->weight = wp;
                wp += len;
                /* The residual scale of a residual network multiplies F (forward.c), so its
                 * gradient too; plain networks ignore it. */
                float factor = fwd[i] == &m->blocks[b].conv2 && m->info.skip ? m->blocks[b].scale : 1;
                bw_transpose(fwd[i], c, factor);
                if (plen) {
                    a.weight = c->weight;
                    m->kernels->conv_pack(&a, pp);
                    c->packed = pp;
                    pp += plen;
                }
            }
        }
        if (pass == 0) {
            w->memory = malloc((floats ? floats : 1) * sizeof(float));
            w->packed = packed ? malloc(packed * sizeof(float)) : NULL;
            if (!w->memory || (packed && !w->packed)) goto fail;
        }
    }
    return w;
fail:
    unr_bw_weights_free(w);
    return NULL;
}

void unr_bw_weights_free(unr_bw_weights *w)
{
    if (!w) return;
    free(w->blocks);
    free(w->zeros);
    free(w->memory);
    free(w->packed);
    free(w);
}

/* ---- one image ---------------------------------------------------------------------------- */

enum { G_T, G_Z, G_C, G_COUNT }; /* scratch gradient maps per stage */

struct unr_bw_image {
    const unr_model *m;
    const unr_bw_weights *w;
    unr_workspace *ws;  /* the forward pass, caching every block's input */
    float **act;        /* [L] relu(conv1) of each block (its mask is the ReLU's Jacobian) */
    float **inmul;      /* [L] pre-activation: [bn1(x) > 0] * bn1's multiplier, else NULL */
    float *final_mul;   /* pre-activation head: [bn_final(x) > 0] * its multiplier */
    float *head;        /* gradient at the last block's output, times 2^-head_exp */
    int head_exp;
    float **level;      /* [L] gradient at block b's input, one map per block so that a path
                           tree keeps every branch point's gradient while it explores below */
    float *g[3][G_COUNT];
    float *memory;
};

static int stage_size(int s) { return 32 >> s; }

/* The stage whose shape block b's input has (the previous stage's for a downsampling block). */
static int in_stage(const unr_model *m, int b)
{
    return m->blocks[b].downsample ? m->blocks[b].stage - 1 : m->blocks[b].stage;
}

static size_t stage_len(const unr_model *m, int s)
{
    return unr_map_len(stage_size(s), stage_size(s), m->info.widths[s]);
}

unr_bw_image *unr_bw_image_new(const unr_model *m, const unr_bw_weights *w)
{
    const int L = m->info.num_blocks, pre = m->info.block == UNR_PREACT;
    unr_bw_image *im = calloc(1, sizeof *im);
    if (!im) return NULL;
    im->m = m;
    im->w = w;
    im->ws = unr_workspace_new(m, 1);
    im->act = calloc((size_t)L, sizeof *im->act);
    im->inmul = calloc((size_t)L, sizeof *im->inmul);
    im->level = calloc((size_t)L, sizeof *im->level);
    size_t total = 2 * stage_len(m, 2);
    for (int s = 0; s < 3; s++) total += G_COUNT * stage_len(m, s);
    for (int b = 0; b < L; b++)
        total += stage_len(m, m->blocks[b].stage) + (pre ? 2 : 1) * stage_len(m, in_stage(m, b));
    im->memory = calloc(total, sizeof(float)); /* zero: every border starts and stays zero */
    if (!im->ws || !im->act || !im->inmul || !im->level || !im->memory) {
        unr_bw_image_free(im);
        return NULL;
    }
    float *p = im->memory;
    im->head = p, p += stage_len(m, 2);
    im->final_mul = p, p += stage_len(m, 2);
    for (int s = 0; s < 3; s++)
        for (int k = 0; k < G_COUNT; k++) im->g[s][k] = p, p += stage_len(m, s);
    for (int b = 0; b < L; b++) {
        im->act[b] = p, p += stage_len(m, m->blocks[b].stage);
        im->level[b] = p, p += stage_len(m, in_stage(m, b));
        if (pre) im->inmul[b] = p, p += stage_len(m, in_stage(m, b));
    }
    return im;
}

void unr_bw_image_free(unr_bw_image *im)
{
    if (!im) return;
    unr_workspace_free(im->ws);
    free(im->act);
    free(im->inmul);
    free(im->level);
    free(im->memory);
    free(im);
}

unr_workspace *unr_bw_image_workspace(unr_bw_image *im) { return im->ws; }

/* ---- elementwise pieces --------------------------------------------------------------------- */

/* Forward: out = max(0, x * mul + add) (pre-activation BatchNorm + ReLU). Backward needs only
 * [x * mul + add > 0] * mul per element, stored as a multiplier map. */
static void affine_relu_mask(const float *x, float *mask, int size, int c, const float *mul,
                             const float *add)
{
    for (int y = 0; y < size; y++)
        for (int xx = 0; xx < size; xx++) {
            const size_t at = ((size_t)(y + 1) * (size + 2) + xx + 1) * c;
            for (int k = 0; k < c; k++) mask[at + k] = x[at + k] * mul[k] + add[k] > 0 ? mul[k] : 0;
        }
}

/* ReLU backward: out = g where the forward output was positive, else 0. */
static void relu_backward(const float *g, const float *y, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = y[i] > 0 ? g[i] : 0.0f;
}

/* out = base + g * mul (base may be NULL: out = g * mul). */
static void mul_add(const float *base, const float *g, const float *mul, float *out, size_t n)
{
    if (base)
        for (size_t i = 0; i < n; i++) out[i] = base[i] + g[i] * mul[i];
    else
        for (size_t i = 0; i < n; i++) out[i] = g[i] * mul[i];
}

/* Keep the largest magnitude near 1: multiply by a power of two (exact) when it leaves
 * [2^-20, 2^20], adding the factor's exponent to *e (the true map is map * 2^*e). */
static void renorm(float *map, size_t n, int *e)
{
    /* The largest |x| as the largest bit pattern without the sign (integer max vectorises). */
    uint32_t top = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &map[i], sizeof u);
        u &= 0x7fffffffu;
        top = u > top ? u : top;
    }
    float big;
    memcpy(&big, &top, sizeof big);
    if (big == 0 || (big >= 0x1p-20f && big <= 0x1p20f)) return;
    int k;
    frexpf(big, &k);
    const float f = ldexpf(1.0f, -k);
    for (size_t i = 0; i < n; i++) map[i] *= f;
    *e += k;
}

/* ---- convolutions ---------------------------------------------------------------------------- */

/* Stride-1 3x3: d in = conv(d out, rotated transposed weights), + residual if given. */
static void conv_backward(const unr_bw_image *im, const bw_conv *c, const float *dout, float *din,
                          const float *residual)
{
    unr_conv_args a = bw_args(c, im->w->zeros);
    a.in = dout;
    a.out = din;
    a.residual = residual;
    im->m->kernels->conv(&a);
}

/* Strided convolutions (3x3 stride 2, 1x1 projection): scatter every output pixel's gradient
 * back to the input pixels its taps read; adds to din. Zero gradients (ReLU-masked) are skipped. */
static void conv_strided_backward(const bw_conv *c, const float *dout, float *din)
{
    const int k = c->ksize, s = c->stride, pad = k / 2, os = c->out_size, is = c->in_size;
    const int ci = c->cin, co = c->cout;
    for (int oy = 0; oy < os; oy++)
        for (int ox = 0; ox < os; ox++) {
            const float *g = dout + ((size_t)(oy + 1) * (os + 2) + ox + 1) * co;
            for (int ky = 0; ky < k; ky++) {
                const int iy = oy * s + ky - pad;
                if (iy < 0 || iy >= is) continue;
                for (int kx = 0; kx < k; kx++) {
                    const int ix = ox * s + kx - pad;
                    if (ix < 0 || ix >= is) continue;
                    float *d = din + ((size_t)(iy + 1) * (is + 2) + ix + 1) * ci;
                    const float *wt = c->weight + (size_t)(ky * k + kx) * co * ci;
                    for (int o = 0; o < co; o++) {
                        const float v = g[o];
                        if (v == 0) continue;
                        const float *wr = wt + (size_t)o * ci;
                        for (int i = 0; i < ci; i++) d[i] += v * wr[i];
                    }
                }
            }
        }
}

/* ---- shortcuts ------------------------------------------------------------------------------- */

/* Option A forward: x[::2, ::2], channel c to c + pad. Backward: the reverse selection, zero at
 * the pixels and channels it dropped. Writes all of din's interior. */
static void subsample_pad_backward(const float *dout, int out_size, int cout, float *din,
                                   int in_size, int cin)
{
    const int pad = (cout - cin) / 2;
    for (int y = 0; y < in_size; y++)
        for (int x = 0; x < in_size; x++) {
            float *d = din + ((size_t)(y + 1) * (in_size + 2) + x + 1) * cin;
            if (y % 2 || x % 2) {
                memset(d, 0, (size_t)cin * sizeof *d);
                continue;
            }
            const float *g = dout + ((size_t)(y / 2 + 1) * (out_size + 2) + x / 2 + 1) * cout;
            memcpy(d, g + pad, (size_t)cin * sizeof *d);
        }
}

/* A downsampling shortcut's Jacobian (transposed) applied to dout: writes all of din. */
static void downsample_shortcut_backward(const unr_bw_image *im, int b, const float *dout,
                                         float *din)
{
    const unr_block *bl = &im->m->blocks[b];
    if (bl->has_proj) {
        memset(din, 0, unr_map_len(bl->in_size, bl->in_size, bl->cin) * sizeof *din);
        conv_strided_backward(&im->w->blocks[b].proj, dout, din);
    } else {
        subsample_pad_backward(dout, bl->out_size, bl->cout, din, bl->in_size, bl->cin);
    }
}

/* ---- forward with cache, head, blocks ------------------------------------------------------- */

void unr_bw_image_forward(unr_bw_image *im, int label, int batch)
{
    const unr_model *m = im->m;
    const int L = m->info.num_blocks, pre = m->info.block == UNR_PREACT;
    float logits[UNR_CLASSES];
    unr_forward_base(m, im->ws, logits);

    /* What the forward pass did not keep: each block's conv1 activation (recomputed from its
     * cached input) and the pre-activation ReLU masks. */
    for (int b = 0; b < L; b++) {
        const unr_block *bl = &m->blocks[b];
        const float *x = unr_workspace_position(im->ws, b), *act_in = x;
        if (pre) {
            float *a = im->g[in_stage(m, b)][G_C];
            m->kernels->affine_relu(x, a, bl->in_size, bl->in_size, bl->cin, bl->pre.mul, bl->pre.add);
            affine_relu_mask(x, im->inmul[b], bl->in_size, bl->cin, bl->pre.mul, bl->pre.add);
            act_in = a;
        }
        unr_conv_args a = {.in = act_in, .in_h = bl->in_size, .in_w = bl->in_size,
                           .cin = bl->cin, .out = im->act[b], .cout = bl->cout, .ksize = 3,
                           .stride = bl->conv1.stride, .weight = bl->conv1.weight,
                           .bias = bl->conv1.bias, .scale = 1.0f, .relu = 1,
                           .packed = bl->conv1.packed};
        m->kernels->conv(&a);
    }

    /* Head: logits = W avgpool(h) + bias, h = x (post) or relu(bn_final(x)) (pre). The loss is
     * this image's share of the batch mean: cross-entropy / batch. */
    const int c = m->info.widths[2], size = stage_size(2);
    const float *x = unr_workspace_position(im->ws, L);
    double top = logits[0], sum = 0, dlogit[UNR_CLASSES];
    for (int j = 1; j < UNR_CLASSES; j++) top = fmax(top, logits[j]);
    for (int j = 0; j < UNR_CLASSES; j++) sum += exp(logits[j] - top);
    for (int j = 0; j < UNR_CLASSES; j++)
        dlogit[j] = (exp(logits[j] - top) / sum - (j == label)) / batch;
    if (pre) affine_relu_mask(x, im->final_mul, size, c, m->final.mul, m->final.add);
    for (int k = 0; k < c; k++) {
        double dpool = 0;
        for (int j = 0; j < UNR_CLASSES; j++) dpool += m->linear_weight[j * c + k] * dlogit[j];
        const float v = (float)(dpool / (size * size));
        for (int y = 0; y < size; y++)
            for (int xx = 0; xx < size; xx++) {
                const size_t at = ((size_t)(y + 1) * (size + 2) + xx + 1) * c + k;
                im->head[at] = pre ? v * im->final_mul[at] : v;
            }
    }
    im->head_exp = 0;
    renorm(im->head, stage_len(m, 2), &im->head_exp);
}

/* Block b's backward pass: gy is the gradient at its output; returns the map holding the
 * gradient at its input: level[b], or gy itself where the block is an identity for this route. */
static const float *block_backward(unr_bw_image *im, int b, int route, const float *gy, int *e)
{
    const unr_model *m = im->m;
    const unr_block *bl = &m->blocks[b];
    const bw_block *wb = &im->w->blocks[b];
    const int pre = m->info.block == UNR_PREACT, s = bl->stage, si = in_stage(m, b);
    const int res = route != UNR_ROUTE_SKIP, sk = m->info.skip && route != UNR_ROUTE_RESIDUAL;
    const size_t nin = unr_map_len(bl->in_size, bl->in_size, bl->cin);
    const size_t nout = unr_map_len(bl->out_size, bl->out_size, bl->cout);
    float *out = im->level[b];

    if (!res && !sk) { /* a plain network's skip route: no shortcut, no gradient */
        memset(out, 0, nin * sizeof *out);
        return out;
    }
    if (pre && !bl->downsample && !res) return gy; /* y = x + F(x).detach() */
    const float *z = gy; /* gradient before the block's last ReLU (post-activation) */
    if (!pre) {
        const float *y = unr_workspace_position(im->ws, b + 1);
        if (!bl->downsample && !res) { /* y = relu(x + F(x).detach()) */
            relu_backward(gy, y, out, nout);
            return out;
        }
        relu_backward(gy, y, im->g[s][G_Z], nout);
        z = im->g[s][G_Z];
    }
    float *dt = im->g[s][G_T];
    if (res) { /* F = conv2(relu(conv1(.))), BatchNorm folded, p folded into conv2's gradient */
        conv_backward(im, &wb->conv2, z, dt, NULL);
        relu_backward(dt, im->act[b], dt, nout);
    }
    if (!bl->downsample) {
        if (pre) { /* x -> a = relu(bn1(x)) -> F(a), + x */
            float *da = im->g[si][G_C];
            conv_backward(im, &wb->conv1, dt, da, NULL);
            mul_add(sk ? gy : NULL, da, im->inmul[b], out, nin);
        } else { /* relu(F(x) + x) */
            conv_backward(im, &wb->conv1, dt, out, sk ? z : NULL);
        }
    } else { /* F(a) + S(a) (pre) or relu(F(x) + S(x)) (post): conv1 has stride 2 */
        float *acc = pre ? im->g[si][G_C] : out;
        if (sk) downsample_shortcut_backward(im, b, z, acc);
        else memset(acc, 0, nin * sizeof *acc);
        if (res) conv_strided_backward(&wb->conv1, dt, acc);
        if (pre) mul_add(NULL, acc, im->inmul[b], out, nin);
    }
    /* Every fourth block is often enough: no four blocks move a gradient 2^80 (24 decades). */
    if (b % 4 == 0 || bl->downsample) renorm(out, nin, e);
    return out;
}

/* log2 of the sum of squares of the gradient at block 1's input, map g times 2^e. */
static double log2_sum_squares(const unr_model *m, const float *g, int e)
{
    double sum = 0;
    for (size_t i = 0, n = stage_len(m, 0); i < n; i++) sum += (double)g[i] * g[i];
    return sum > 0 ? log2(sum) + 2.0 * e : -INFINITY;
}

double unr_bw_image_backward(unr_bw_image *im, const unsigned char *routes, float *grad)
{
    const unr_model *m = im->m;
    const int L = m->info.num_blocks;
    int e = im->head_exp;
    const float *g = im->head;
    for (int b = L - 1; b >= 0; b--)
        g = block_backward(im, b, routes ? routes[b] : UNR_ROUTE_BOTH, g, &e);
    const int c = m->info.widths[0];
    if (grad)
        for (int k = 0; k < c; k++)
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++)
                    grad[((size_t)k * 32 + y) * 32 + x] =
                        ldexpf(g[((size_t)(y + 1) * 34 + x + 1) * c + k], e);
    return log2_sum_squares(m, g, e);
}

/* Paths lo..hi share the gradient g * 2^e at block b's output; block b is in the paths of
 * length rank[b] + 1 and longer. Each side of that split goes on down with its own gradient. */
static void nested_walk(unr_bw_image *im, const int *rank, int b, int lo, int hi, const float *g,
                        int e, double *out)
{
    if (b < 0) {
        const double v = log2_sum_squares(im->m, g, e);
        for (int k = lo; k <= hi; k++) out[k] = v;
        return;
    }
    const int t = rank[b] + 1;
    if (lo < t) {
        int es = e;
        const float *gs = block_backward(im, b, UNR_ROUTE_SKIP, g, &es);
        nested_walk(im, rank, b - 1, lo, hi < t - 1 ? hi : t - 1, gs, es, out);
    }
    if (hi >= t) { /* the skip side's maps (levels below b + 1) are no longer needed */
        int er = e;
        const float *gr = block_backward(im, b, UNR_ROUTE_RESIDUAL, g, &er);
        nested_walk(im, rank, b - 1, lo > t ? lo : t, hi, gr, er, out);
    }
}

void unr_bw_image_nested(unr_bw_image *im, const int *rank, int kmin, int kmax, double *log2_sumsq)
{
    nested_walk(im, rank, im->m->info.num_blocks - 1, kmin, kmax, im->head, im->head_exp,
                log2_sumsq - kmin);
}
