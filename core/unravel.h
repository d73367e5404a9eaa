/* unravel.h - CIFAR-10 ResNet engine for the lesion experiments of Veit et al. (NeurIPS 2016).
 *
 * The caller owns all bytes (model file, dataset); the library never reads files, prints or exits.
 * Every call that can fail returns a status and fills an unr_error whose message names the file,
 * tensor or argument and what was wrong.
 *
 *   unr_error err;
 *   unr_model *model;
 *   if (unr_model_load(bytes, len, "resnet20.safetensors", &model, &err) != UNR_OK)
 *       fprintf(stderr, "%s\n", err.message);
 *   unr_dataset test;
 *   unr_cifar_view(batch_bytes, batch_len, "test_batch.bin", &test, &err);
 *   unr_plan plan;
 *   unr_plan_identity(model, &plan);
 *   plan.keep[4] = 0;                         // delete block 5 (0-based index 4)
 *   unr_tally base, lesioned;
 *   unr_run_options opt = unr_run_defaults();
 *   unr_run_plans(model, &plan, 1, &test, &opt, &base, &lesioned, &err);
 *
 *   unr_spec spec;                            // or an experiment as JSON: unr_spec_parse
 *   unr_experiment *exp;
 *   unr_spec_parse(json, strlen(json), "spec.json", &spec, &err);
 *   unr_experiment_new(model, &spec, &exp, &err);
 *   unr_tally *tallies = calloc(1 + unr_experiment_rows(exp), sizeof *tallies);
 *   unr_experiment_run(model, exp, &test, &opt, tallies, &err);
 *   char *summary;                            // the JSON the CLI and the page print
 *   unr_experiment_summary_json(exp, tallies, &summary, &err);
 *   unr_model_free(model);
 *
 * Blocks are 0-based in this API (block b of the paper is index b-1); the CLI speaks 1-based.
 * The model file format and tensor conventions are documented in models/FORMAT.md.
 */
#ifndef UNRAVEL_H
#define UNRAVEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- version --------------------------------------------------------------------------- */

/* The engine's version: the one constant the CLI (--version), the CMake project, the
 * WebAssembly module and the page's exports all read. */
#define UNRAVEL_VERSION "0.1.0"
const char *unr_version(void); /* UNRAVEL_VERSION, as compiled into the library */

/* ---- status ---------------------------------------------------------------------------- */

typedef enum unr_status {
    UNR_OK = 0,
    UNR_ERR_NOMEM,             /* an allocation failed */
    UNR_ERR_ARGUMENT,          /* a bad argument to a call (NULL, out of range) */
    UNR_ERR_IO,                /* a file could not be read (native helpers only) */
    UNR_ERR_HEADER_SIZE,       /* safetensors: header length missing or beyond the file */
    UNR_ERR_HEADER_JSON,       /* safetensors: header is not the expected JSON */
    UNR_ERR_OFFSETS,           /* safetensors: tensor data outside the data section or wrong size */
    UNR_ERR_OVERLAP,           /* safetensors: two tensors share bytes */
    UNR_ERR_DTYPE,             /* a tensor has a dtype the engine does not read */
    UNR_ERR_SHAPE,             /* a tensor has the wrong shape */
    UNR_ERR_MISSING_TENSOR,    /* an expected tensor is absent */
    UNR_ERR_UNEXPECTED_TENSOR, /* a tensor the architecture does not use */
    UNR_ERR_NONFINITE,         /* a tensor holds NaN or infinity */
    UNR_ERR_METADATA,          /* a __metadata__ key is missing or invalid */
    UNR_ERR_PLAN,              /* a plan is invalid (not a permutation, illegal move) */
    UNR_ERR_DATA,              /* a dataset is truncated or malformed */
    UNR_ERR_CANCELLED,         /* the progress callback asked to stop */
    UNR_STATUS_COUNT
} unr_status;

typedef struct unr_error {
    unr_status status;
    char message[400];
} unr_error;

/* A short constant name for a status, e.g. "missing tensor". */
const char *unr_status_str(unr_status status);

/* ---- model ----------------------------------------------------------------------------- */

#define UNR_MAX_BLOCKS 384 /* 3 stages of at most 128 blocks */
#define UNR_CLASSES 10

typedef enum unr_block_kind { UNR_POSTACT = 0, UNR_PREACT = 1 } unr_block_kind;

typedef struct unr_model_info {
    unr_block_kind block;
    char shortcut;           /* 'A' (subsample + zero channels) or 'B' (1x1 stride-2 conv) */
    int shortcut_bn;         /* B only: 1 if the projection has its own BatchNorm */
    int skip;                /* 0: plain network, no shortcuts at all */
    int blocks_per_stage;    /* n: ResNet-20/56/110 have 3/9/18 */
    int num_blocks;          /* 3n */
    int widths[3];           /* channels of the three stages, e.g. 16,32,64 */
    float mean[3], std[3];   /* input normalisation on pixels scaled to [0,1] */
    char classes[UNR_CLASSES][32];
    long long params;        /* parameters as stored (before BatchNorm folding) */
    double flops;            /* floating-point operations of one image's forward pass (2 per MAC) */
} unr_model_info;

typedef struct unr_model unr_model;

/* Parse and check a .safetensors model; name is used in error messages only. The bytes are
 * copied (weights are folded), so the caller may free them after the call. */
unr_status unr_model_load(const void *bytes, size_t len, const char *name, unr_model **out,
                          unr_error *err);
void unr_model_free(unr_model *model);
const unr_model_info *unr_model_get_info(const unr_model *model);

int unr_block_stage(const unr_model *model, int block);      /* 0, 1 or 2 */
int unr_block_downsamples(const unr_model *model, int block); /* first block of stages 2 and 3 */
float unr_block_scale(const unr_model *model, int block);     /* residual scale p_l, 1 if absent */

/* ---- plans ----------------------------------------------------------------------------- */

/* Which blocks run and in which order. Deleting a block keeps its shortcut (identity, or the
 * downsampling shortcut). order[i] is the block run at position i; keep[b] is 1 if block b runs. */
typedef struct unr_plan {
    int num_blocks;
    int order[UNR_MAX_BLOCKS];
    unsigned char keep[UNR_MAX_BLOCKS];
} unr_plan;

void unr_plan_identity(const unr_model *model, unr_plan *plan);
/* An order must be a permutation that only swaps blocks of equal shape within a stage and
 * never moves a downsampling block. */
unr_status unr_plan_validate(const unr_model *model, const unr_plan *plan, unr_error *err);
int unr_plan_is_identity(const unr_plan *plan);
/* Kendall tau between the identity order and plan->order: (concordant - discordant) / C(L,2). */
double unr_plan_kendall_tau(const unr_plan *plan);

/* Sweep generators fill out[] with plans; the same seed gives the same plans everywhere.
 * Counts: delete_one L; delete_k (kmax-kmin+1)*trials, k-major; reorder (smax-smin+1)*trials;
 * drop num_probs*trials. delete-k draws each k from its own stream of the seed
 * (unr_rng_seed_stream), so its plans for k are the same in any range that holds k. */
unr_status unr_plans_delete_one(const unr_model *model, unr_plan *out, unr_error *err);
unr_status unr_plans_delete_k(const unr_model *model, int kmin, int kmax, int trials,
                              uint64_t seed, unr_plan *out, unr_error *err);
/* The same draws from the blocks with eligible[b] != 0 only (NULL: every block, as above). */
unr_status unr_plans_delete_k_from(const unr_model *model, const unsigned char *eligible,
                                   int kmin, int kmax, int trials, uint64_t seed, unr_plan *out,
                                   unr_error *err);
unr_status unr_plans_reorder(const unr_model *model, int swaps_min, int swaps_max, int trials,
                             uint64_t seed, unr_plan *out, unr_error *err);
typedef enum unr_drop_rule {
    UNR_DROP_UNIFORM = 0, /* every block dropped with probability prob */
    UNR_DROP_LINEAR = 1   /* block l (1-based) dropped with probability (l/L)*prob = 1 - p_l */
} unr_drop_rule;
unr_status unr_plans_drop(const unr_model *model, const double *probs, int num_probs,
                          unr_drop_rule rule, int trials, uint64_t seed, unr_plan *out,
                          unr_error *err);

/* ---- data ------------------------------------------------------------------------------ */

#define UNR_CIFAR_RECORD 3073 /* label byte, then 1024 R, 1024 G, 1024 B */

/* A view over CIFAR-10 binary records held by the caller. */
typedef struct unr_dataset {
    const unsigned char *records;
    int count;
} unr_dataset;

/* Check a .bin batch (a whole number of records, labels 0-9) and view it. */
unr_status unr_cifar_view(const void *bytes, size_t len, const char *name, unr_dataset *out,
                          unr_error *err);

/* ---- running --------------------------------------------------------------------------- */

/* Called from the calling thread as images finish; return nonzero to cancel. */
typedef int (*unr_progress_fn)(void *user, int images_done, int images_total);

typedef struct unr_run_options {
    int threads;           /* worker threads (1 where threads are unavailable) */
    int first, count;      /* image range; count < 0 means to the end */
    unr_progress_fn progress;
    void *user;
    int *predictions;      /* optional [(1 + num_plans) * count]: baseline first, then each plan */
    float *probabilities;  /* optional [(1 + num_plans) * count * UNR_CLASSES]: softmax outputs,
                              laid out as predictions (unr_run_plans only) */
} unr_run_options;

unr_run_options unr_run_defaults(void);

typedef struct unr_tally {
    int images;
    int correct;
    int class_total[UNR_CLASSES];
    int class_correct[UNR_CLASSES];
} unr_tally;

/* Evaluate the unmodified network and every plan on the images. Each plan resumes from the
 * unmodified network's cached input of its first changed position, so a delete-one sweep costs
 * about half of computing every lesioned network from the image. Memory is per thread and per
 * image: it does not grow with the number of images. */
unr_status unr_run_plans(const unr_model *model, const unr_plan *plans, int num_plans,
                         const unr_dataset *data, const unr_run_options *options,
                         unr_tally *baseline, unr_tally *tallies, unr_error *err);

/* Logits of a plan (NULL: unmodified) for normalised float images [n][3][32][32] (NCHW, as
 * PyTorch feeds them). logits is [n][10]. */
unr_status unr_forward(const unr_model *model, const unr_plan *plan, const float *images, int n,
                       float *logits, unr_error *err);

/* ---- experiments ---------------------------------------------------------------------- */

/* An experiment is plain data, a JSON spec (blocks 1-based, as in the paper):
 *   {"model": {"name": "resnet20", "sha256": "<64 hex>"}, "kind": "delete-k",
 *    "params": {"k": [1, 8], "trials": 20, "eligible": "paper"}, "seed": 1, "images": 1000,
 *    "data_sha256": "<64 hex of test_batch.bin>"}
 * kinds and params (all optional, defaults in brackets):
 *   eval        {"deleted": [3, 7], "order": [1, 3, 2, ...]}          [intact network]
 *   delete-one  {}
 *   delete-k    {"k": [kmin, kmax], "trials": T, "eligible": "paper" | "all"}
 *               [k 1..min(20, eligible - 1), trials 10, paper: all but block 1 and the
 *               downsampling blocks]
 *   reorder     {"swaps": [smin, smax], "trials": T}                   [1..10, 10]
 *   drop        {"probs": [p, ...], "rule": "uniform" | "linear", "trials": T}   [[0.5], uniform, 10]
 *   ensemble    {"prob": p, "rule": ..., "sizes": [1, 2, 4, ...], "trials": T}
 *               [0.2, uniform, [1,2,4,8,16,32], 10]: trial t draws max(sizes) dropped networks;
 *               row (size s, trial t) is the accuracy of the mean softmax of its first s.
 * Rows come group-major (k, swaps, prob or size), trials inner. seed [1] is an integer below
 * 2^53 (exact in JavaScript too). A run gives one tally for the intact network and one per row;
 * tallies of disjoint image ranges add up. */
#define UNR_SPEC_MAX_LIST 64
#define UNR_EXPERIMENT_MAX_ROWS 20000   /* networks too (ensemble members) */
#define UNR_EXPERIMENT_MAX_WORK 1e10    /* networks x images x blocks */
#define UNR_EXPERIMENT_MAX_SWAPS 1e7    /* reorder: random swaps drawn, over all rows */

typedef enum unr_experiment_kind {
    UNR_EVAL = 0, UNR_DELETE_ONE, UNR_DELETE_K, UNR_REORDER, UNR_DROP, UNR_ENSEMBLE
} unr_experiment_kind;

typedef struct unr_spec {
    char model_name[128];
    char model_sha256[65];
    unr_experiment_kind kind;
    int num_deleted, deleted[UNR_MAX_BLOCKS]; /* eval, 0-based */
    int num_order, order[UNR_MAX_BLOCKS];     /* eval, 0-based; 0: the usual order */
    int k_min, k_max;                         /* delete-k; 0: the default */
    int eligible_all;                         /* delete-k: 0 paper, 1 all */
    int swaps_min, swaps_max;                 /* reorder */
    int num_probs;
    double probs[UNR_SPEC_MAX_LIST];          /* drop */
    unr_drop_rule rule;                       /* drop, ensemble */
    double prob;                              /* ensemble */
    int num_sizes, sizes[UNR_SPEC_MAX_LIST];  /* ensemble, increasing */
    int trials;
    uint64_t seed;
    int images;
    char data_sha256[65];
} unr_spec;

const char *unr_experiment_kind_name(unr_experiment_kind kind); /* "delete-k", ... */

/* Parse a JSON spec; name is used in messages, which name the field ("params.k: ..."). Fields
 * the model decides (block numbers, default k) are checked by unr_experiment_new. */
unr_status unr_spec_parse(const char *json, size_t len, const char *name, unr_spec *out,
                          unr_error *err);
/* A spec with every default filled for a kind (model fields, images, data empty). */
void unr_spec_defaults(unr_experiment_kind kind, unr_spec *out);
/* The canonical JSON text of a spec (fixed key order, no spaces); free() it. */
unr_status unr_spec_json(const unr_spec *spec, char **json, unr_error *err);

typedef struct unr_experiment unr_experiment;

/* Check a spec against a model (block numbers, permutation, k range, work bound), fill the
 * model's defaults and generate its networks from the seed. */
unr_status unr_experiment_new(const unr_model *model, const unr_spec *spec, unr_experiment **out,
                              unr_error *err);
void unr_experiment_free(unr_experiment *exp);
const unr_spec *unr_experiment_spec(const unr_experiment *exp); /* defaults filled */
int unr_experiment_rows(const unr_experiment *exp);
/* The networks run on every image: a row's plan, or for an ensemble every member (trial-major). */
int unr_experiment_num_plans(const unr_experiment *exp);
const unr_plan *unr_experiment_plans(const unr_experiment *exp);
/* The rows as a JSON array of {"deleted", "order", "tau", "k"|"swaps"|"prob"|"size", "trial",
 * "members" (ensemble: the first size members' deleted blocks)}; free() it. */
unr_status unr_experiment_rows_json(const unr_experiment *exp, char **json, unr_error *err);

/* Run on images [options->first, +count) of data. tallies is [1 + rows], the intact network
 * first; options->predictions, if set, [(1 + rows) * count] (options->probabilities unused).
 * Memory stays bounded however many images. */
unr_status unr_experiment_run(const unr_model *model, const unr_experiment *exp,
                              const unr_dataset *data, const unr_run_options *options,
                              unr_tally *tallies, unr_error *err);

/* The summary of (merged) tallies [1 + rows] as JSON: the canonical spec, the baseline, every
 * row with its accuracy and Wilson 95% interval, and groups with n, mean, sd (n - 1), median,
 * quartiles (linear interpolation), min and max of the error, plus tau_mean for reorder.
 * Accuracies and errors are fractions; free() it. */
unr_status unr_experiment_summary_json(const unr_experiment *exp, const unr_tally *tallies,
                                       char **json, unr_error *err);

/* Wilson score interval at 95% for correct out of n (n = 0: [0, 1]). */
void unr_wilson95(int correct, int n, double *lo, double *hi);

/* ---- hashing --------------------------------------------------------------------------- */

/* SHA-256 of bytes (FIPS 180-4), as 32 bytes or 64 lowercase hex digits + NUL. */
void unr_sha256(const void *bytes, size_t len, unsigned char digest[32]);
void unr_sha256_hex(const void *bytes, size_t len, char hex[65]);

/* ---- paths (exact, no sampling) -------------------------------------------------------- */

/* A network of n blocks has 2^n paths; C(n,k) of them have length k. counts is [n+1]. */
double unr_paths_total(int n);
void unr_paths_length_counts(int n, double *counts);
/* After deleting d blocks, the fraction of paths of each length x that remain:
 * C(n-d,x)/C(n,x) (0 where x > n-d). fraction is [n+1]. */
void unr_paths_remaining(int n, int d, double *fraction);
/* Both as JSON, the CLI's `paths --json` and the page's paths chart: {"num_blocks": n, "paths",
 * "length_counts": [n+1], "remaining": [{"deleted": d, "fraction": [n+1]}, d = d_lo..d_hi]};
 * 0 <= d_lo <= d_hi <= n <= UNR_MAX_BLOCKS. free() it. */
unr_status unr_paths_json(int n, int d_lo, int d_hi, char **json, unr_error *err);

/* ---- randomness ------------------------------------------------------------------------ */

/* SplitMix64 (Steele, Lea, Flood 2014): the only generator the engine uses, so every build
 * draws the same numbers. */
typedef struct unr_rng { uint64_t state; } unr_rng;
void unr_rng_seed(unr_rng *rng, uint64_t seed);
/* Stream number `stream` of a seed: its own sequence, so that a group of draws (delete-k's draws
 * for one k) does not depend on which other groups a sweep asks for. */
void unr_rng_seed_stream(unr_rng *rng, uint64_t seed, uint64_t stream);
uint64_t unr_rng_next(unr_rng *rng);
uint32_t unr_rng_below(unr_rng *rng, uint32_t n); /* uniform in [0,n), unbiased (rejection) */
double unr_rng_uniform(unr_rng *rng);              /* uniform in [0,1), 53 bits */

/* ---- kernels --------------------------------------------------------------------------- */

/* Name of the kernel variant in use ("scalar", "avx2", "avx512", "wasmsimd"). UNRAVEL_KERNELS
 * in the environment forces one (native builds); naming one this build or CPU cannot run makes
 * unr_model_load fail with UNR_ERR_ARGUMENT (and this name start with "none"). */
const char *unr_kernels_name(void);

#ifdef __cplusplus
}
#endif

/* Gradient flow by path length (Figs. 6b, 6c): unravel_gradients.h. */
#include "unravel_gradients.h"
#endif
