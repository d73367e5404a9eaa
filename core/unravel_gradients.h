/* unravel_gradients.h - gradient flow by path length (Veit et al. 2016, Sec. 4.3, Figs. 6b, 6c).
 * Part of the engine's public API (included by unravel.h); blocks are 0-based here.
 *
 *   unr_gradient_options o = unr_gradient_defaults(model);   // 1000 samples, batch 16, k 0..n
 *   o.seed = 1;
 *   int lengths = o.kmax - o.kmin + 1;
 *   double *log10_norms = malloc(sizeof(double) * o.samples * lengths);
 *   unr_gradient_sample(model, &train, &o, log10_norms, &err);
 *   char *json;                                               // lengths, bands, decay
 *   unr_gradient_summary_json(L, o.kmin, o.kmax, log10_norms, o.samples, &json, &err);
 *
 * The measured quantity. For a batch of images with true labels, the L2 norm over the whole
 * batch tensor of d(mean cross-entropy)/d(input of block 1): the stem's output, where every path
 * starts. The gradient flows back through the head (bn_final + ReLU of pre-activation nets, the
 * pooling, the linear layer) and through every block, each routed one way:
 *   UNR_ROUTE_BOTH      both branches (the ordinary gradient),
 *   UNR_ROUTE_RESIDUAL  the residual branch only,
 *   UNR_ROUTE_SKIP      the shortcut only: the identity, or the downsampling shortcut (option A's
 *                       subsample-and-pad, option B's projection), whose Jacobian is then used.
 * This is PyTorch's gradient with detach: skip-only y = x + F(x).detach(), residual-only
 * y = x.detach() + F(x), and the same with S(x) for downsampling shortcuts; post-activation
 * blocks keep their final ReLU's mask either way. A plain network has no shortcut, so its
 * skip-only route carries no gradient. BatchNorm is in inference mode (folded at load, as in
 * every other experiment) and every ReLU mask is that of the intact network's forward pass.
 *
 * Routing a path. A path of length k routes k blocks through their residual branch and the
 * other n - k through their shortcut; the paper samples the k blocks uniformly.
 *
 * Underflow. The norm falls by close to a decade per residual block traversed, so float32 would
 * hit 0 beyond about 25 blocks. The backward pass therefore carries a power-of-two exponent per
 * image beside its float map: after each block that did arithmetic, when the map's largest
 * magnitude leaves [2^-20, 2^20] it is multiplied by a power of two (exact) that brings it back
 * near 1, and the exponent absorbs the factor. Sums of squares are taken in double with the
 * exponent applied in the log domain, so every length reports a finite log10 of its norm.
 *
 * Memory. Images are independent in inference mode, so the forward cache is per image: each
 * thread holds one image's intact forward pass (the input of every block, every block's first
 * convolution's activation and, for pre-activation nets, every block's input ReLU mask times its
 * BatchNorm multiplier) and one gradient map per block (a path tree keeps every branch point's
 * gradient), about 4 L padded maps: 10.3 MB for ResNet-110 (L = 54), 5.2 MB for ResNet-56, the
 * same for any batch size or number of samples. The transposed weights are made once per call
 * and shared by the threads (ResNet-110: 6.9 MB, plus 15.7 MB packed for AVX2's Winograd).
 *
 * Speed. The 3x3 stride-1 convolutions' input gradient is the same convolution with the kernels
 * rotated by 180 degrees and the channel axes swapped, run by the forward kernels (Winograd
 * included) on weights packed a second time; the two stride-2 convolutions, option B's 1x1
 * projections and option A run as scalar scatters that skip ReLU-masked zeros (6% of the time on
 * ResNet-110, measured with perf: not worth SIMD yet). One forward pass of an image serves every
 * path of its round, and nested paths share suffix gradients (see unr_gradient_draw).
 */
#ifndef UNRAVEL_GRADIENTS_H
#define UNRAVEL_GRADIENTS_H

#include "unravel.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum unr_route {
    UNR_ROUTE_BOTH = 0,
    UNR_ROUTE_RESIDUAL = 1,
    UNR_ROUTE_SKIP = 2
} unr_route;

/* The gradient of the mean cross-entropy over the n images (normalised NCHW [n][3][32][32],
 * labels [n] in 0..9) with respect to block 1's input, with block b routed routes[b] (NULL: all
 * UNR_ROUTE_BOTH, the ordinary gradient). log10_norm (may be NULL) receives log10 of its L2 norm
 * over the batch (-infinity when it is exactly zero); grad (may be NULL) receives it as
 * [n][widths[0]][32][32] (NCHW, as PyTorch lays it out), in float32: values under 1e-38 flush. */
unr_status unr_gradient(const unr_model *model, const float *images, const int *labels, int n,
                        const unsigned char *routes, double *log10_norm, float *grad,
                        unr_error *err);

/* The paper's protocol. Round r (first .. first + samples - 1) draws a batch of `batch` distinct
 * images and, for every length k = kmin..kmax, one path: k blocks drawn uniformly (nested across
 * the round's lengths, see unr_gradient_draw). One forward pass per image serves all of its
 * round's paths. Draws come from SplitMix64 seeded per round
 * (unr_gradient_draw), so the same seed gives the same batches and paths on every machine, in
 * any split of the rounds, with any number of threads. */
typedef struct unr_gradient_options {
    int samples;      /* rounds, i.e. measurements per length (the paper: 1000) */
    int batch;        /* images per batch (default 16) */
    int kmin, kmax;   /* path lengths, 0 <= kmin <= kmax <= num_blocks */
    uint64_t seed;
    int first;        /* first round: runs split over workers give the same draws */
    int threads;      /* worker threads (1 where threads are unavailable) */
    unr_progress_fn progress; /* progress(user, rounds done, rounds); nonzero cancels */
    void *user;
} unr_gradient_options;

/* samples 1000, batch 16, lengths 0..num_blocks, seed 0, first 0, 1 thread. */
unr_gradient_options unr_gradient_defaults(const unr_model *model);

/* Runs rounds first .. first + samples - 1 on data (needs at least `batch` images); log10_norms
 * is [samples][kmax - kmin + 1]: the log10 of the batch's gradient norm for each round and
 * length. Plain networks are refused (no shortcut, so no paths). */
unr_status unr_gradient_sample(const unr_model *model, const unr_dataset *data,
                               const unr_gradient_options *options, double *log10_norms,
                               unr_error *err);

/* The draws of round `round`: images[batch], distinct indices into a dataset of num_images, and
 * order[num_blocks] (may be NULL), a uniformly random order of the blocks: the path of length k
 * routes blocks order[0..k-1] through their residual branch and the rest through their skip.
 * routes (may be NULL) receives those paths, routes[(k - kmin) * num_blocks + b] for
 * k = kmin..kmax (UNR_ROUTE_RESIDUAL or UNR_ROUTE_SKIP). Each length's path is thus a uniformly
 * drawn set of k blocks, as in the paper, and a round's paths are nested (each adds one block to
 * the one before): every per-length statistic has the distribution of independent draws, while
 * the backward pass shares the gradient of every suffix that paths have in common (about half
 * the work). Order of draws: the round's generator is SplitMix64 seeded with output number
 * `round` (0-based) of SplitMix64 seeded with seed; it draws the batch (redrawing repeats),
 * then the order by a Fisher-Yates shuffle of 0..num_blocks-1. */
unr_status unr_gradient_draw(int num_images, int num_blocks, int batch, int kmin, int kmax,
                             uint64_t seed, int round, int *images, int *order,
                             unsigned char *routes, unr_error *err);

/* Statistics of one length over its samples. */
typedef struct unr_gradient_length {
    int length, samples;
    double mean, sd;   /* of the norm (linear, sample standard deviation) */
    double log10_mean; /* log10(mean): finite where mean underflows double */
    double log10_paths;/* log10 C(n, k) */
    double total;      /* C(n, k) * mean, normalised so that the lengths measured sum to 1 */
} unr_gradient_length;

/* The shortest range of lengths lo..hi holding at least `mass` of the total (ties: the range
 * holding more), and the fraction of all 2^n paths whose length lies in it. */
typedef struct unr_gradient_band {
    double mass;         /* asked for, e.g. 0.90 */
    int lo, hi;
    double held;         /* the total it holds */
    double path_fraction;
} unr_gradient_band;

/* per[kmax - kmin + 1] from log10_norms [samples][kmax - kmin + 1] (as unr_gradient_sample
 * writes); bands for each of num_bands masses (0 < mass <= 1). */
unr_status unr_gradient_summarize(int num_blocks, int kmin, int kmax, const double *log10_norms,
                                  int samples, unr_gradient_length *per, const double *masses,
                                  int num_bands, unr_gradient_band *bands, unr_error *err);

/* Decay of the mean norm with path length: the least-squares slope of log10_mean over lengths
 * lo..hi (within kmin..kmax of per), in decades per block (negative when it falls). */
double unr_gradient_decay(const unr_gradient_length *per, int kmin, int kmax, int lo, int hi);

/* The summary every front end shows, as one JSON object (malloc'd text for the caller to free):
 * {"num_blocks", "samples", "lengths": [{"length", "samples", "mean", "sd", "log10_mean",
 *  "log10_paths", "total"}], "bands": [{"mass", "lo", "hi", "held", "path_fraction"}] for the
 * masses below, "decay": {"lo", "hi", "decades_per_block"}}: the paper's bands are 90% and 97%
 * (Fig. 6c: 7-16 and 5-17), and its Fig. 6b is digitised for lengths 0..7, where decay is fitted.
 * Numbers print in their shortest round-trip form, so every build writes the same text. */
#define UNR_GRADIENT_BANDS 2
extern const double unr_gradient_band_masses[UNR_GRADIENT_BANDS]; /* 0.90, 0.97 */
#define UNR_GRADIENT_DECAY_LO 0
#define UNR_GRADIENT_DECAY_HI 7
unr_status unr_gradient_summary_json(int num_blocks, int kmin, int kmax, const double *log10_norms,
                                     int samples, char **json, unr_error *err);

#ifdef __cplusplus
}
#endif
#endif
