/* main.c - the `unravel` command line: info, eval, sweep, paths, bench.
 * Exit status: 0 success, 1 a file or data could not be used (message names it), 2 wrong usage. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, isatty, sysconf */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "data.h"
#include "data_cmd.h"
#include "unravel.h"

static const char *const help_text =
    "unravel - lesion experiments on CIFAR-10 ResNets (Veit et al. 2016)\n"
    "\n"
    "  unravel info MODEL                       architecture, blocks, parameters\n"
    "  unravel eval MODEL [--delete 3,7] [--order 1,3,2,...]\n"
    "  unravel sweep delete-one MODEL           every block deleted in turn\n"
    "  unravel sweep delete-k MODEL [--k 1-20] [--trials T] [--seed S]   (k of all blocks)\n"
    "  unravel sweep reorder MODEL [--swaps 1-30] [--trials T] [--seed S]\n"
    "  unravel sweep drop MODEL [--prob 0.1,0.2] [--rule uniform|linear] [--trials T] [--seed S]\n"
    "  unravel paths MODEL [--k 0-10]           path-length distribution, paths left after k deletions\n"
    "  unravel bench MODEL [--batch B] [--threads T] [--seconds S]\n"
    "  unravel data [--data PATH] [--limit N] --out FILE   first N test records, checked, as a .bin\n"
    "\n"
    "  --data PATH    CIFAR-10: cifar-10-binary.tar.gz, its folder or a .bin (default $UNRAVEL_DATA)\n"
    "  --limit N      first N test images      --threads T   worker threads (default: all CPUs)\n"
    "  --json         one JSON object on stdout\n"
    "Blocks are numbered 1..3n as in the paper. Drop --prob is the drop probability of every block\n"
    "(uniform) or of the last block, falling linearly to 0 at the first (linear: 1 - p_l).\n";

/* ---- loading ----------------------------------------------------------------------------- */

static int read_file(const char *path, unsigned char **bytes, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t cap = 1 << 20, n = 0;
    unsigned char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            unsigned char *bigger = realloc(buf, cap *= 2);
            if (!bigger) free(buf);
            buf = bigger;
        }
    }
    int ok = buf && !ferror(f);
    fclose(f);
    if (!ok) {
        free(buf);
        return 0;
    }
    *bytes = buf;
    *len = n;
    return 1;
}

static unr_model *load_model(const char *path)
{
    unsigned char *bytes;
    size_t len;
    if (!read_file(path, &bytes, &len)) {
        fprintf(stderr, "unravel: %s: cannot read model file\n", path);
        exit(1);
    }
    unr_model *m;
    unr_error err;
    unr_status st = unr_model_load(bytes, len, path, &m, &err);
    free(bytes);
    if (st) {
        fprintf(stderr, "unravel: %s\n", err.message);
        exit(1);
    }
    return m;
}

typedef struct test_data {
    unsigned char *bytes;
    unr_dataset set;
} test_data;

static test_data load_test_data(const args *a)
{
    const char *path = a->data ? a->data : unr_data_default_path();
    if (!path) {
        fprintf(stderr, "unravel: no CIFAR-10 data: pass --data PATH or set UNRAVEL_DATA\n");
        exit(2);
    }
    test_data d;
    size_t len;
    unr_error err;
    if (unr_data_load(path, "test", &d.bytes, &len, &err) ||
        unr_cifar_view(d.bytes, len, path, &d.set, &err)) {
        fprintf(stderr, "unravel: %s\n", err.message);
        exit(1);
    }
    if (a->limit > 0 && a->limit < d.set.count) d.set.count = a->limit;
    return d;
}

static int cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* Wrong usage: one line on stderr, exit status 2. */
__attribute__((format(printf, 1, 2), noreturn)) static void usage_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "unravel: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* ---- output ------------------------------------------------------------------------------ */

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static double accuracy(const unr_tally *t) { return t->images ? (double)t->correct / t->images : 0; }

static void json_blocks(const char *key, const int *blocks, int n)
{
    printf(",\"%s\":[", key);
    for (int i = 0; i < n; i++) printf(i ? ",%d" : "%d", blocks[i] + 1);
    putchar(']');
}

static int deleted_list(const unr_plan *p, int *out)
{
    int n = 0;
    for (int b = 0; b < p->num_blocks; b++)
        if (!p->keep[b]) out[n++] = b;
    return n;
}

/* ---- commands ---------------------------------------------------------------------------- */

static const char *block_kind_name(const unr_model_info *in)
{
    return in->block == UNR_PREACT ? "pre-activation" : "post-activation";
}

static int cmd_info(const args *a)
{
    unr_model *m = load_model(a->model);
    const unr_model_info *in = unr_model_get_info(m);
    if (a->json) {
        printf("{\"model\":");
        json_string(a->model);
        printf(",\"block\":\"%s\",\"shortcut\":\"%c\",\"skip\":%s,\"blocks_per_stage\":%d,"
               "\"blocks\":%d,\"widths\":[%d,%d,%d],\"params\":%lld,\"flops\":%.0f,"
               "\"downsampling\":[",
               in->block == UNR_PREACT ? "preact" : "postact", in->shortcut,
               in->skip ? "true" : "false", in->blocks_per_stage, in->num_blocks, in->widths[0],
               in->widths[1], in->widths[2], in->params, in->flops);
        for (int b = 0, n = 0; b < in->num_blocks; b++)
            if (unr_block_downsamples(m, b)) printf(n++ ? ",%d" : "%d", b + 1);
        printf("],\"residual_scale\":[");
        for (int b = 0; b < in->num_blocks; b++) printf(b ? ",%g" : "%g", (double)unr_block_scale(m, b));
        printf("],\"classes\":[");
        for (int c = 0; c < UNR_CLASSES; c++) {
            if (c) putchar(',');
            json_string(in->classes[c]);
        }
        printf("],\"kernels\":\"%s\"}\n", unr_kernels_name());
    } else {
        printf("%s: %s %s network, shortcut %c, %d blocks (%d per stage), widths %d/%d/%d\n",
               a->model, block_kind_name(in), in->skip ? "residual" : "plain", in->shortcut,
               in->num_blocks, in->blocks_per_stage, in->widths[0], in->widths[1], in->widths[2]);
        printf("parameters %lld, %.1f MFLOP per image, kernels %s\n", in->params, in->flops / 1e6,
               unr_kernels_name());
        printf("downsampling blocks:");
        for (int b = 0; b < in->num_blocks; b++)
            if (unr_block_downsamples(m, b)) printf(" %d", b + 1);
        printf("\npaths: 2^%d = %.6g\n", in->num_blocks, unr_paths_total(in->num_blocks));
    }
    unr_model_free(m);
    return 0;
}

static void build_plan(const args *a, const unr_model *m, unr_plan *plan)
{
    int L = unr_model_get_info(m)->num_blocks;
    unr_plan_identity(m, plan);
    for (int i = 0; i < a->num_delete; i++) {
        if (a->delete_blocks[i] > L)
            usage_fail("--delete: block %d is outside 1..%d", a->delete_blocks[i], L);
        plan->keep[a->delete_blocks[i] - 1] = 0;
    }
    if (a->num_order) {
        if (a->num_order != L)
            usage_fail("--order: gives %d blocks, the model has %d", a->num_order, L);
        for (int i = 0; i < L; i++) plan->order[i] = a->order[i] - 1;
        unr_error err;
        if (unr_plan_validate(m, plan, &err)) usage_fail("--order: %s", err.message);
    }
}

typedef struct progress_state {
    int enabled;
    time_t last;
} progress_state;

/* Progress on stderr for people; silent under --json or when stderr is not a terminal. */
static int show_progress(void *user, int done, int total)
{
    progress_state *p = user;
    time_t now = time(NULL);
    if (p->enabled && (now != p->last || done == total)) {
        fprintf(stderr, "\r%d/%d images", done, total);
        if (done == total) fputc('\n', stderr);
        p->last = now;
    }
    return 0;
}

static void run_or_die(const unr_model *m, const unr_plan *plans, int n, const test_data *d,
                       const args *a, unr_tally *base, unr_tally *tallies)
{
    progress_state ps = {.enabled = !a->json && isatty(2), .last = 0};
    unr_run_options o = unr_run_defaults();
    o.threads = a->threads ? a->threads : cpu_count();
    o.progress = show_progress;
    o.user = &ps;
    unr_error err;
    if (unr_run_plans(m, plans, n, &d->set, &o, base, tallies, &err)) {
        fprintf(stderr, "unravel: %s\n", err.message);
        exit(1);
    }
}

static int cmd_eval(const args *a)
{
    unr_model *m = load_model(a->model);
    unr_plan plan;
    build_plan(a, m, &plan);
    test_data d = load_test_data(a);
    unr_tally base, t;
    int lesioned = !unr_plan_is_identity(&plan);
    run_or_die(m, &plan, lesioned, &d, a, &base, &t);
    const unr_tally *r = lesioned ? &t : &base;
    const unr_model_info *in = unr_model_get_info(m);
    if (a->json) {
        printf("{\"model\":");
        json_string(a->model);
        printf(",\"images\":%d,\"accuracy\":%.6f,\"per_class\":[", r->images, accuracy(r));
        for (int c = 0; c < UNR_CLASSES; c++)
            printf(c ? ",%.6f" : "%.6f",
                   r->class_total[c] ? (double)r->class_correct[c] / r->class_total[c] : 0.0);
        printf("]");
        int del[UNR_MAX_BLOCKS], nd = deleted_list(&plan, del);
        if (nd) json_blocks("deleted", del, nd);
        if (a->num_order) json_blocks("order", plan.order, plan.num_blocks);
        printf("}\n");
    } else {
        printf("%s on %d test images: accuracy %.2f%% (error %.2f%%)\n", a->model, r->images,
               100 * accuracy(r), 100 * (1 - accuracy(r)));
        if (lesioned)
            printf("unmodified network: %.2f%%\n", 100 * accuracy(&base));
        for (int c = 0; c < UNR_CLASSES; c++)
            printf("  %-12s %6.2f%%  (%d images)\n", in->classes[c],
                   r->class_total[c] ? 100.0 * r->class_correct[c] / r->class_total[c] : 0.0,
                   r->class_total[c]);
    }
    free(d.bytes);
    unr_model_free(m);
    return 0;
}

typedef enum { SWEEP_DELETE_ONE, SWEEP_DELETE_K, SWEEP_REORDER, SWEEP_DROP } sweep_kind;

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* Quartile by linear interpolation of the sorted values (as numpy's default). */
static double quantile(const double *sorted, int n, double q)
{
    double pos = q * (n - 1);
    int i = (int)pos;
    return i + 1 < n ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[n - 1];
}

static void print_group_summary(const char *label, double value, const unr_tally *t, int n)
{
    double err[4096];
    int m = n < 4096 ? n : 4096;
    for (int i = 0; i < m; i++) err[i] = 100 * (1 - accuracy(&t[i]));
    qsort(err, (size_t)m, sizeof *err, cmp_double);
    printf("  %s %-6g  error median %6.2f%%  quartiles %6.2f%% %6.2f%%  range %6.2f%%..%6.2f%%\n",
           label, value, quantile(err, m, 0.5), quantile(err, m, 0.25), quantile(err, m, 0.75),
           err[0], err[m - 1]);
}

static int cmd_sweep(const args *a)
{
    unr_model *m = load_model(a->model);
    const unr_model_info *in = unr_model_get_info(m);
    int L = in->num_blocks;
    sweep_kind kind = !strcmp(a->sweep, "delete-one") ? SWEEP_DELETE_ONE
                      : !strcmp(a->sweep, "delete-k") ? SWEEP_DELETE_K
                      : !strcmp(a->sweep, "reorder")  ? SWEEP_REORDER
                                                      : SWEEP_DROP;
    if (kind == SWEEP_DELETE_K && a->k_max > L)
        usage_fail("--k: upper end %d exceeds the model's %d blocks", a->k_max, L);
    long long groups = kind == SWEEP_DELETE_ONE ? 1
                       : kind == SWEEP_DELETE_K ? a->k_max - a->k_min + 1
                       : kind == SWEEP_REORDER  ? a->swaps_max - a->swaps_min + 1
                                                : a->num_probs;
    long long n = kind == SWEEP_DELETE_ONE ? L : groups * a->trials;
    if (n > 100000) usage_fail("the sweep asks for %lld networks; at most 100000", n);
    unr_plan *plans = malloc((size_t)n * sizeof *plans);
    unr_tally *tallies = malloc((size_t)n * sizeof *tallies);
    if (!plans || !tallies) {
        fprintf(stderr, "unravel: out of memory for %lld plans\n", n);
        return 1;
    }
    unr_error err;
    unr_status st = kind == SWEEP_DELETE_ONE ? unr_plans_delete_one(m, plans, &err)
                    : kind == SWEEP_DELETE_K
                        ? unr_plans_delete_k(m, a->k_min, a->k_max, a->trials, a->seed, plans, &err)
                    : kind == SWEEP_REORDER
                        ? unr_plans_reorder(m, a->swaps_min, a->swaps_max, a->trials, a->seed,
                                            plans, &err)
                        : unr_plans_drop(m, a->probs, a->num_probs,
                                         strcmp(a->rule, "linear") ? UNR_DROP_UNIFORM
                                                                   : UNR_DROP_LINEAR,
                                         a->trials, a->seed, plans, &err);
    if (st) usage_fail("%s", err.message);
    test_data d = load_test_data(a);
    unr_tally base;
    run_or_die(m, plans, (int)n, &d, a, &base, tallies);

    int del[UNR_MAX_BLOCKS];
    if (a->json) {
        printf("{\"model\":");
        json_string(a->model);
        printf(",\"sweep\":\"%s\",\"images\":%d,\"baseline\":%.6f,", a->sweep, base.images,
               accuracy(&base));
        if (kind != SWEEP_DELETE_ONE) printf("\"seed\":%llu,\"trials\":%d,", (unsigned long long)a->seed, a->trials);
        if (kind == SWEEP_DROP) printf("\"rule\":\"%s\",", a->rule);
        printf("\"results\":[");
        for (long long i = 0; i < n; i++) {
            const unr_plan *p = &plans[i];
            long long g = kind == SWEEP_DELETE_ONE ? 0 : i / a->trials;
            printf(i ? ",{" : "{");
            if (kind == SWEEP_DELETE_K) printf("\"k\":%lld,", a->k_min + g);
            if (kind == SWEEP_REORDER) printf("\"swaps\":%lld,", a->swaps_min + g);
            if (kind == SWEEP_DROP) printf("\"prob\":%g,", a->probs[g]);
            printf("\"accuracy\":%.6f", accuracy(&tallies[i]));
            if (kind == SWEEP_REORDER) {
                json_blocks("order", p->order, L);
                printf(",\"tau\":%.6f", unr_plan_kendall_tau(p));
            } else {
                json_blocks("deleted", del, deleted_list(p, del));
            }
            putchar('}');
        }
        printf("]}\n");
    } else {
        printf("%s, %s sweep on %d test images; unmodified accuracy %.2f%% (error %.2f%%)\n",
               a->model, a->sweep, base.images, 100 * accuracy(&base), 100 * (1 - accuracy(&base)));
        if (kind == SWEEP_DELETE_ONE) {
            printf("  block  stage         error   change\n");
            for (int b = 0; b < L; b++) {
                double e = 100 * (1 - accuracy(&tallies[b]));
                printf("  %5d  %5d%s  %6.2f%%  %+6.2f\n", b + 1, unr_block_stage(m, b) + 1,
                       unr_block_downsamples(m, b) ? " (down)" : "       ", e,
                       e - 100 * (1 - accuracy(&base)));
            }
        } else {
            for (long long g = 0; g < groups; g++) {
                const unr_tally *t = &tallies[g * a->trials];
                if (kind == SWEEP_DELETE_K) print_group_summary("k", (double)(a->k_min + g), t, a->trials);
                else if (kind == SWEEP_DROP) print_group_summary("p", a->probs[g], t, a->trials);
                else {
                    double tau = 0;
                    for (int i = 0; i < a->trials; i++)
                        tau += unr_plan_kendall_tau(&plans[g * a->trials + i]);
                    printf("  mean tau %.3f:", tau / a->trials);
                    print_group_summary("swaps", (double)(a->swaps_min + g), t, a->trials);
                }
            }
        }
    }
    free(d.bytes);
    free(plans);
    free(tallies);
    unr_model_free(m);
    return 0;
}

static int cmd_paths(const args *a)
{
    unr_model *m = load_model(a->model);
    int L = unr_model_get_info(m)->num_blocks;
    int k_lo = a->have_k ? a->k_min : 0, k_hi = a->have_k ? a->k_max : 0;
    if (k_hi > L) usage_fail("--k: upper end %d exceeds the model's %d blocks", k_hi, L);
    double *counts = malloc(sizeof(double) * (size_t)(L + 1));
    double *frac = malloc(sizeof(double) * (size_t)(L + 1));
    if (!counts || !frac) return 1;
    unr_paths_length_counts(L, counts);
    if (a->json) {
        printf("{\"model\":");
        json_string(a->model);
        printf(",\"blocks\":%d,\"paths\":%.17g,\"length_counts\":[", L, unr_paths_total(L));
        for (int x = 0; x <= L; x++) printf(x ? ",%.17g" : "%.17g", counts[x]);
        printf("],\"remaining\":[");
        for (int k = k_lo; k <= k_hi; k++) {
            unr_paths_remaining(L, k, frac);
            printf(k > k_lo ? ",{\"deleted\":%d,\"fraction\":[" : "{\"deleted\":%d,\"fraction\":[", k);
            for (int x = 0; x <= L; x++) printf(x ? ",%.17g" : "%.17g", frac[x]);
            printf("]}");
        }
        printf("]}\n");
    } else {
        printf("%s: %d blocks, 2^%d = %.6g paths; lengths follow Binomial(%d, 1/2)\n", a->model, L,
               L, unr_paths_total(L), L);
        printf("  length        paths   share");
        for (int k = k_lo; k <= k_hi; k++) printf("  left@%-3d", k);
        printf("\n");
        for (int x = 0; x <= L; x++) {
            printf("  %6d  %11.6g  %6.3f%%", x, counts[x], 100 * counts[x] / unr_paths_total(L));
            for (int k = k_lo; k <= k_hi; k++) {
                unr_paths_remaining(L, k, frac);
                printf("  %7.4f", frac[x]);
            }
            printf("\n");
        }
    }
    free(counts);
    free(frac);
    unr_model_free(m);
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Forward passes on random images in batches of B (a batch is split over the threads). */
static int cmd_bench(const args *a)
{
    unr_model *m = load_model(a->model);
    int threads = a->threads ? a->threads : 1;
    size_t len = (size_t)a->batch * UNR_CIFAR_RECORD;
    unsigned char *records = malloc(len);
    if (!records) return 1;
    unr_rng rng;
    unr_rng_seed(&rng, 7);
    for (size_t i = 0; i < len; i++) records[i] = (unsigned char)unr_rng_below(&rng, 256);
    for (int i = 0; i < a->batch; i++) records[(size_t)i * UNR_CIFAR_RECORD] %= UNR_CLASSES;
    unr_dataset set = {.records = records, .count = a->batch};
    unr_run_options o = unr_run_defaults();
    o.threads = threads;
    unr_tally base;
    unr_error err;
    /* Warm up (caches, page faults, CPU clocks) before timing. */
    double warm_end = now_seconds() + 0.5;
    while (now_seconds() < warm_end)
        if (unr_run_plans(m, NULL, 0, &set, &o, &base, NULL, &err)) {
            fprintf(stderr, "unravel: %s\n", err.message);
            return 1;
        }
    long long images = 0;
    double start = now_seconds(), t;
    do {
        unr_run_plans(m, NULL, 0, &set, &o, &base, NULL, &err);
        images += a->batch;
    } while ((t = now_seconds() - start) < a->seconds);
    double ips = images / t, gflops = ips * unr_model_get_info(m)->flops / 1e9;
    if (a->json) {
        printf("{\"model\":");
        json_string(a->model);
        printf(",\"batch\":%d,\"threads\":%d,\"images_per_s\":%.1f,\"gflops\":%.1f,"
               "\"kernels\":\"%s\"}\n",
               a->batch, threads, ips, gflops, unr_kernels_name());
    } else {
        printf("%s: %.1f images/s, %.1f GFLOP/s (batch %d, %d thread%s, kernels %s, %.1f MFLOP per image)\n",
               a->model, ips, gflops, a->batch, threads, threads > 1 ? "s" : "", unr_kernels_name(),
               unr_model_get_info(m)->flops / 1e6);
    }
    free(records);
    unr_model_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
        fputs(help_text, stdout);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "data")) return unr_cmd_data(argc, argv);
    args a;
    char msg[512];
    if (!args_parse(argc, argv, &a, msg, sizeof msg)) {
        fprintf(stderr, "unravel: %s\n", msg);
        return 2;
    }
    if (!strcmp(a.command, "info")) return cmd_info(&a);
    if (!strcmp(a.command, "eval")) return cmd_eval(&a);
    if (!strcmp(a.command, "sweep")) return cmd_sweep(&a);
    if (!strcmp(a.command, "paths")) return cmd_paths(&a);
    return cmd_bench(&a);
}
