/* kernels_avx2.c - AVX2 + FMA kernels (8 floats per vector, 16 registers): the direct
 * convolution of kernels_conv_simd.h with up to 12 accumulators per tile, and the Winograd
 * convolutions of kernels_winograd_simd.h (stride-1 3x3 layers, with packed weights) with GEMM
 * register tiles of 6 tiles x 2 vectors. Output channels not a multiple of 8 go to the scalar
 * kernels. Built with -mavx2 -mfma; elsewhere the getter returns NULL. */
#include "kernels.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#define V __m256
#define VL 8
#define V_ZERO() _mm256_setzero_ps()
#define V_LOAD(p) _mm256_loadu_ps(p)
#define V_STORE(p, v) _mm256_storeu_ps(p, v)
#define V_BCAST(p) _mm256_broadcast_ss(p)
#define V_SET1(x) _mm256_set1_ps(x)
#define V_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define V_MUL(a, b) _mm256_mul_ps(a, b)
#define V_ADD(a, b) _mm256_add_ps(a, b)
#define V_SUB(a, b) _mm256_sub_ps(a, b)
#define V_MAX(a, b) _mm256_max_ps(a, b)
#define TILE_ACC 12
#define TILE_RX 6
#include "kernels_conv_simd.h"
#define WINO_TB 6
#define WINO_TB_64 4 /* 16 tiles of an 8x8 map in whole register tiles */
#include "kernels_winograd_simd.h"

static void conv__avx2(const unr_conv_args *a)
{
    if (a->packed && wino_form(a)) conv_winograd(a);
    else if (a->cout % VL == 0) conv_direct(a);
    else unr_kernels_scalar()->conv(a);
}

static void affine_relu__avx2(const float *in, float *out, int h, int w, int c, const float *mul,
                              const float *add)
{
    if (c % VL) {
        unr_kernels_scalar()->affine_relu(in, out, h, w, c, mul, add);
        return;
    }
    const __m256 zero = _mm256_setzero_ps();
    for (int y = 0; y < h; y++) {
        const size_t row = ((size_t)(y + 1) * (w + 2) + 1) * c;
        for (int x = 0; x < w; x++) {
            const size_t at = row + (size_t)x * c;
            for (int k = 0; k < c; k += VL) {
                const __m256 v = _mm256_fmadd_ps(_mm256_loadu_ps(in + at + k),
                                                 _mm256_loadu_ps(mul + k), _mm256_loadu_ps(add + k));
                _mm256_storeu_ps(out + at + k, _mm256_max_ps(v, zero));
            }
        }
    }
}

static const unr_kernels avx2_kernels = {
    .name = "avx2",
    .conv = conv__avx2,
    .conv_pack_size = wino_pack_size,
    .conv_pack = wino_pack,
    .affine_relu = affine_relu__avx2,
};

const unr_kernels *unr_kernels_avx2(void)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0;
    return &avx2_kernels;
}

#else
const unr_kernels *unr_kernels_avx2(void) { return 0; }
#endif
