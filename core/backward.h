/* backward.h - the ResNet backward pass to block 1's input, one image at a time, with every
 * block routed both / residual only / skip only (internal; the API is unravel_gradients.h). */
#ifndef UNR_BACKWARD_H
#define UNR_BACKWARD_H

#include "forward.h"
#include "unravel_gradients.h"

/* The transposed convolutions of a model, read-only, shared by threads. Stride-1 3x3: weights
 * rotated 180 degrees with the channel axes swapped, packed for the active kernels. Stride-2 3x3
 * and 1x1 projections: [k][k][cout][cin] (unrotated) for the scalar scatter. */
typedef struct unr_bw_weights unr_bw_weights;

unr_bw_weights *unr_bw_weights_new(const unr_model *m);
void unr_bw_weights_free(unr_bw_weights *w);

/* One image's intact forward pass and the gradient maps: per thread. */
typedef struct unr_bw_image unr_bw_image;

unr_bw_image *unr_bw_image_new(const unr_model *m, const unr_bw_weights *w);
void unr_bw_image_free(unr_bw_image *im);

/* The input map to fill (unr_load_record / unr_load_float), as for the forward pass. */
unr_workspace *unr_bw_image_workspace(unr_bw_image *im);

/* Forward pass of the loaded image with everything the backward pass needs cached, and the
 * head's gradient of cross-entropy(label) / batch (one image's share of the batch mean). */
void unr_bw_image_forward(unr_bw_image *im, int label, int batch);

/* Backward pass with block b routed routes[b]. Returns log2 of the sum of squares of the gradient
 * at block 1's input (-infinity when zero). grad (may be NULL) receives it as NCHW
 * [widths[0]][32][32] floats. */
double unr_bw_image_backward(unr_bw_image *im, const unsigned char *routes, float *grad);

/* The nested paths of one round: path k routes the blocks of rank < k (rank[b]: block b's place
 * in the round's random order) through their residual branch, the others through the skip.
 * log2_sumsq[k - kmin] for k = kmin..kmax as unr_bw_image_backward returns it. Paths share
 * every gradient computed above the highest block where they differ: walking the tree of
 * splits costs about L^2 / 4 block backward passes for all L + 1 lengths instead of L^2 / 2. */
void unr_bw_image_nested(unr_bw_image *im, const int *rank, int kmin, int kmax, double *log2_sumsq);

#endif
