/* kernels_avx512.c - AVX-512F kernels (16 floats per vector, 32 registers): the direct
 * convolution of kernels_conv_simd.h with tiles of up to 24 accumulators; the broadcasts fold
 * into the FMAs as {1to16} memory operands. Channel counts that are not a multiple of 16 go to
 * the AVX2 kernels (every AVX-512 CPU has AVX2). Built with -mavx512f...; elsewhere it compiles to
 * a getter that returns NULL. */
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

static void conv__avx512(const unr_conv_args *a)
{
    if (a->packed && wino_form(a)) conv_winograd(a);
    else if (a->cout % VL == 0) conv_direct(a);
    else unr_kernels_avx2()->conv(a);
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
    .conv_pack_size = wino_pack_size,
    .conv_pack = wino_pack,
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
