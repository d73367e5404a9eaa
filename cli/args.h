/* args.h - the CLI's flag parsing: strict, with one-line usage errors (exit status 2). */
#ifndef UNR_ARGS_H
#define UNR_ARGS_H

#include <stdint.h>

#define ARGS_MAX_LIST 512

typedef struct args {
    const char *command;   /* info, eval, sweep, run, paths, bench */
    const char *sweep;     /* delete-one, delete-k, reorder, drop, ensemble */
    const char *model;     /* run: the spec file */
    const char *models;    /* run: folder of the model files */
    int any_data;          /* run: accept data other than the spec's */
    int predictions;       /* eval: per-image predictions in the JSON */
    const char *data;
    int limit;             /* -1: all images */
    int json;
    int threads;           /* 0: one per CPU */
    int num_delete, delete_blocks[ARGS_MAX_LIST];  /* 1-based */
    int num_order, order[ARGS_MAX_LIST];           /* 1-based */
    int k_min, k_max, have_k;
    int swaps_min, swaps_max, have_swaps;
    int num_probs;
    double probs[ARGS_MAX_LIST];
    const char *rule;      /* uniform | linear */
    int num_sizes, sizes[ARGS_MAX_LIST];           /* ensemble */
    const char *eligible;  /* delete-k: paper | all (NULL: paper) */
    int trials;
    uint64_t seed;
    int batch;
    double seconds;
} args;

/* Parse argv; on a usage error writes a one-line message into msg and returns 0. */
int args_parse(int argc, char **argv, args *a, char *msg, int msg_len);

/* The parsers behind the flags, for commands that parse their own (cli/gradients.c):
 * an integer in [lo, hi]; "a-b" or "a" with lo_limit <= a <= b. Return 0 when malformed. */
int args_parse_int(const char *s, long long lo, long long hi, long long *out);
int args_parse_range(const char *s, int lo_limit, int *lo, int *hi);

#endif
