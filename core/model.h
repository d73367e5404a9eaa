/* model.h - the loaded network, with BatchNorm folded (internal to core). */
#ifndef UNR_MODEL_H
#define UNR_MODEL_H

#include "kernels.h"
#include "unravel.h"

typedef struct unr_conv {
    int cin, cout, ksize, stride;
    float *weight; /* [ksize][ksize][cin][cout] */
    float *bias;   /* [cout] */
    int in_size;   /* square input map size (the shape the kernels may pack for) */
    float *packed; /* the active kernels' prepared weights, or NULL */
} unr_conv;

typedef struct unr_affine {
    int c;
    float *mul, *add; /* inference BatchNorm as y = x * mul + add */
} unr_affine;

typedef struct unr_block {
    int stage, downsample;
    int cin, cout, in_size, out_size; /* channels and square map sizes */
    unr_affine pre;  /* pre-activation bn1 (unused in post-activation blocks) */
    unr_conv conv1;  /* post: bn1 folded in; pre: bn2 folded in */
    unr_conv conv2;  /* post: bn2 folded in; pre: no BN, bias 0 */
    int has_proj;
    unr_conv proj;   /* option B shortcut with its BN folded in */
    float scale;     /* residual scale p_l */
} unr_block;

struct unr_model {
    unr_model_info info;
    unr_conv stem;        /* post: bn1 folded in, ReLU after; pre: plain conv */
    unr_block *blocks;    /* [info.num_blocks] */
    unr_affine final;     /* pre-activation bn_final */
    float *linear_weight; /* [10][widths[2]] */
    float *linear_bias;   /* [10] */
    float *params;        /* the one allocation holding every array above */
    float *packed;        /* the one allocation holding every conv's packed weights */
    const unr_kernels *kernels;
};

#endif
