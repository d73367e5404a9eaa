/* kernels_scalar.c - the reference kernels: plain C, obviously correct, the specification every
 * other variant is tested against (tests/test_kernels.c). Also the fallback for shapes a SIMD
 * variant does not cover. */
#include "kernels.h"

/* Output channels accumulated per pass; a local block (rather than accumulating in out) lets the
 * residual be the output map itself. */
#define CO_BLOCK 64

/* Accumulates bias + conv for output pixel (oy, ox), channels co0 .. co0+n-1, into acc. */
static void conv_pixel(const unr_conv_args *a, int oy, int ox, int co0, int n, float *acc)
{
    const int k = a->ksize, pad = k / 2, in_pw = a->in_w + 2;
    for (int c = 0; c < n; c++) acc[c] = a->bias[co0 + c];
    for (int ky = 0; ky < k; ky++) {
        for (int kx = 0; kx < k; kx++) {
            /* Padded coordinates: interior pixel (y, x) sits at (y + 1, x + 1). */
            const int iy = oy * a->stride + ky - pad + 1, ix = ox * a->stride + kx - pad + 1;
            const float *px = a->in + ((size_t)iy * in_pw + ix) * a->cin;
            const float *w = a->weight + (size_t)(ky * k + kx) * a->cin * a->cout + co0;
            for (int ci = 0; ci < a->cin; ci++, w += a->cout) {
                const float v = px[ci];
                for (int c = 0; c < n; c++) acc[c] += v * w[c];
            }
        }
    }
}

static void conv__scalar(const unr_conv_args *a)
{
    const int oh = unr_conv_out_size(a->in_h, a->ksize, a->stride);
    const int ow = unr_conv_out_size(a->in_w, a->ksize, a->stride);
    float acc[CO_BLOCK];
    for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
            const size_t at = ((size_t)(oy + 1) * (ow + 2) + (ox + 1)) * a->cout;
            for (int co0 = 0; co0 < a->cout; co0 += CO_BLOCK) {
                const int n = a->cout - co0 < CO_BLOCK ? a->cout - co0 : CO_BLOCK;
                conv_pixel(a, oy, ox, co0, n, acc);
                for (int c = 0; c < n; c++) {
                    float v = a->scale * acc[c];
                    if (a->residual) v += a->residual[at + co0 + c];
                    if (a->relu && !(v > 0.0f)) v = 0.0f;
                    a->out[at + co0 + c] = v;
                }
            }
        }
    }
}

static void affine_relu__scalar(const float *in, float *out, int h, int w, int c, const float *mul,
                                const float *add)
{
    for (int y = 0; y < h; y++) {
        const size_t row = ((size_t)(y + 1) * (w + 2) + 1) * c;
        for (size_t i = 0; i < (size_t)w * c; i++) {
            const float v = in[row + i] * mul[i % c] + add[i % c];
            out[row + i] = v > 0.0f ? v : 0.0f;
        }
    }
}

/* The reference reads the weights as they are. */
static size_t conv_pack_size__scalar(const unr_conv_args *a)
{
    (void)a;
    return 0;
}

static void conv_pack__scalar(const unr_conv_args *a, float *packed)
{
    (void)a;
    (void)packed;
}

static const unr_kernels scalar_kernels = {
    .name = "scalar",
    .conv = conv__scalar,
    .conv_pack_size = conv_pack_size__scalar,
    .conv_pack = conv_pack__scalar,
    .affine_relu = affine_relu__scalar,
};

const unr_kernels *unr_kernels_scalar(void) { return &scalar_kernels; }
