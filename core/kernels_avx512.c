/* kernels_avx512.c - AVX-512F kernels (16 floats per vector, 32 registers): the direct
 * convolution of kernels_conv_simd.h with up to 24 accumulators per tile, and the Winograd
 * convolutions of kernels_winograd_simd.h with GEMM register tiles of 12 tiles x 2 vectors.
 * Layers whose output channels are not a multiple of 16 go to the AVX2 kernels (every AVX-512
 * CPU has AVX2). Built with -mavx512f etc.; elsewhere the getter returns NULL. */
#include "kernels.h"

#if defined(__AVX512F__) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#define V __m512
#define VL 16
#define V_ZERO() _mm512_setzero_ps()
#define V_LOAD(p) _mm512_loadu_ps(p)
#define V_STORE(p, v) _mm512_storeu_ps(p, v)
#define V_BCAST(p) _mm512_set1_ps(*(p))
#define V_SET1(x) _mm512_set1_ps(x)
#define V_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define V_MUL(a, b) _mm512_mul_ps(a, b)
#define V_ADD(a, b) _mm512_add_ps(a, b)
#define V_SUB(a, b) _mm512_sub_ps(a, b)
#define V_MAX(a, b) _mm512_max_ps(a, b)
#define TILE_ACC 24
#define TILE_RX 12
#include "kernels_conv_simd.h"
#define WINO_TB 12
#define WINO_TB_64 8 /* 16 tiles of an 8x8 map in whole register tiles */
#include "kernels_winograd_simd.h"

/* A layer whose cout is not a multiple of 16 is the AVX2 kernels' whole (packing included). */
static void conv__avx512(const unr_conv_args *a)
{
    if (a->cout % VL) unr_kernels_avx2()->conv(a);
    else if (a->packed && wino_form(a)) conv_winograd(a);
    else conv_direct(a);
}

static size_t conv_pack_size__avx512(const unr_conv_args *a)
{
    return a->cout % VL ? unr_conv_pack_size(unr_kernels_avx2(), a) : wino_pack_size(a);
}

static void conv_pack__avx512(const unr_conv_args *a, float *packed)
{
    if (a->cout % VL) unr_kernels_avx2()->conv_pack(a, packed);
    else wino_pack(a, packed);
}

static void affine_relu__avx512(const float *in, float *out, int h, int w, int c, const float *mul,
                                const float *add)
{
    if (c % VL) {
        unr_kernels_avx2()->affine_relu(in, out, h, w, c, mul, add);
        return;
    }
    const __m512 zero = _mm512_setzero_ps();
    for (int y = 0; y < h; y++) {
        const size_t row = ((size_t)(y + 1) * (w + 2) + 1) * c;
        for (int x = 0; x < w; x++) {
            const size_t at = row + (size_t)x * c;
            for (int k = 0; k < c; k += VL) {
                const __m512 v = _mm512_fmadd_ps(_mm512_loadu_ps(in + at + k),
                                                 _mm512_loadu_ps(mul + k), _mm512_loadu_ps(add + k));
                _mm512_storeu_ps(out + at + k, _mm512_max_ps(v, zero));
            }
        }
    }
}

static const unr_kernels avx512_kernels = {
    .name = "avx512",
    .conv = conv__avx512,
    .conv_pack_size = conv_pack_size__avx512,
    .conv_pack = conv_pack__avx512,
    .affine_relu = affine_relu__avx512,
};

const unr_kernels *unr_kernels_avx512(void)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f") || !unr_kernels_avx2()) return 0;
    return &avx512_kernels;
}

#else
const unr_kernels *unr_kernels_avx512(void) { return 0; }
#endif
