/* kernels.h - the engine's compute kernels, one table of function pointers per instruction set.
 *
 * Activation layout (one image): NHWC with a one-pixel zero border. Element (y, x, c) of an
 * H x W x C map lives at map[((y + 1) * (W + 2) + (x + 1)) * C + c]. The border is zero and no
 * kernel ever writes it, so 3x3 convolutions need no bounds checks.
 *
 * The scalar variant is the specification: every other variant is tested against it
 * (tests/test_kernels.c) on random shapes and data.
 */
#ifndef UNR_KERNELS_H
#define UNR_KERNELS_H

#include <stddef.h>

/* out = relu?(scale * (conv(in, weight) + bias) + residual?) on the interior of out. */
typedef struct unr_conv_args {
    const float *in;       /* padded input map, in_h x in_w x cin */
    int in_h, in_w, cin;
    float *out;            /* padded output map, out_h x out_w x cout (see unr_conv_out_size) */
    int cout;
    int ksize;             /* 3 (padding 1) or 1 (padding 0) */
    int stride;            /* 1 or 2 */
    const float *weight;   /* [ksize][ksize][cin][cout] */
    const float *bias;     /* [cout] */
    float scale;           /* multiplies conv + bias (the stochastic-depth residual scale) */
    const float *residual; /* NULL, or a padded map shaped like out, added after scaling */
    int relu;              /* 1: max(0, .) applied last */
    const float *packed;   /* NULL, or what this variant's conv_pack made of weight for this shape */
} unr_conv_args;

/* Output height/width: (in + 2*pad - ksize) / stride + 1 with pad = ksize / 2. */
static inline int unr_conv_out_size(int in, int ksize, int stride)
{
    return (in + 2 * (ksize / 2) - ksize) / stride + 1;
}

/* Elements of a padded h x w x c map (border included). */
static inline size_t unr_map_len(int h, int w, int c) { return (size_t)(h + 2) * (w + 2) * c; }

typedef struct unr_kernels {
    const char *name;
    /* The convolution with its fused epilogue (see unr_conv_args). */
    void (*conv)(const unr_conv_args *a);
    /* Optional weight preparation (e.g. Winograd-transformed weights), done once at model load
     * for each convolution layer; only weight and the shape fields of a are read. conv_pack_size
     * gives the floats conv_pack writes for this shape, 0 where the variant uses the weights as
     * they are; both may be NULL (no packing; see unr_conv_pack_size). conv reads a->packed when
     * set and also works with packed NULL (on a slower path). A packed buffer belongs to the
     * variant that made it, for that layer's shape. */
    size_t (*conv_pack_size)(const unr_conv_args *a);
    void (*conv_pack)(const unr_conv_args *a, float *packed);
    /* out = max(0, in * mul[c] + add[c]) on the interior of padded h x w x c maps (the
     * pre-activation BatchNorm + ReLU); in and out may be the same map. */
    void (*affine_relu)(const float *in, float *out, int h, int w, int c, const float *mul,
                        const float *add);
} unr_kernels;

/* Floats k wants packed for the layer a (0: none, pass packed = NULL). */
static inline size_t unr_conv_pack_size(const unr_kernels *k, const unr_conv_args *a)
{
    return k->conv_pack_size && k->conv_pack ? k->conv_pack_size(a) : 0;
}

/* Each variant exists in every build; a variant the compiler or CPU cannot run returns NULL. */
const unr_kernels *unr_kernels_scalar(void);
const unr_kernels *unr_kernels_avx2(void);
const unr_kernels *unr_kernels_avx512(void);
const unr_kernels *unr_kernels_wasmsimd(void);

/* The one place that decides which variant runs: the best the CPU supports, unless the
 * environment variable UNRAVEL_KERNELS names one ("scalar", "avx2", "avx512"). Chosen once.
 * NULL when UNRAVEL_KERNELS names an unknown variant or one this CPU cannot run (models then
 * fail to load with unr_kernels_problem() as the reason). */
const unr_kernels *unr_kernels_active(void);
const char *unr_kernels_problem(void);

#endif
