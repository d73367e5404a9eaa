/* gradients.c - `unravel gradients`: gradient flow by path length (Veit et al. 2016, Figs. 6b, 6c)
 * with the paper's protocol: per sample a random training batch, one forward pass, and one
 * sampled path of every length in the backward pass. The numbers come from core
 * (unr_gradient_sample / unr_gradient_summarize), the same code the page runs. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, isatty, sysconf */
#include "gradients.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "data.h"
#include "output.h"
#include "unravel.h"

typedef struct grad_args {
    const char *model, *data, *split;
    int samples, batch, kmin, kmax, have_lengths, threads, json;
    uint64_t seed;
} grad_args;

__attribute__((noreturn)) static void fail(const char *message)
{
    fprintf(stderr, "unravel: %s\n", message);
    exit(1);
}

static grad_args parse(int argc, char **argv)
{
    grad_args a = {.split = "train", .samples = 1000, .batch = 16, .seed = 1};
    for (int i = 2; i < argc; i++) {
        const char *f = argv[i];
        if (strncmp(f, "--", 2) != 0) {
            if (a.model) cli_usage_fail("unexpected argument '%s' (the model is '%s')", f, a.model);
            a.model = f;
            continue;
        }
        if (!strcmp(f, "--json")) {
            a.json = 1;
            continue;
        }
        static const char *const known[] = {"--data", "--split", "--samples", "--batch",
                                            "--lengths", "--seed", "--threads"};
        int ok = 0;
        for (size_t k = 0; k < sizeof known / sizeof *known; k++) ok |= !strcmp(f, known[k]);
        if (!ok) cli_usage_fail("gradients does not take %s", f);
        if (i + 1 >= argc) cli_usage_fail("%s needs a value", f);
        const char *v = argv[++i];
        long long n;
        if (!strcmp(f, "--data")) {
            a.data = v;
        } else if (!strcmp(f, "--split")) {
            if (strcmp(v, "train") && strcmp(v, "test"))
                cli_usage_fail("--split: '%s' is not 'train' or 'test'", v);
            a.split = v;
        } else if (!strcmp(f, "--samples")) {
            if (!args_parse_int(v, 1, 1000000, &n)) cli_usage_fail("--samples: '%s' is not an integer 1..1000000", v);
            a.samples = (int)n;
        } else if (!strcmp(f, "--batch")) {
            if (!args_parse_int(v, 1, 4096, &n)) cli_usage_fail("--batch: '%s' is not an integer 1..4096", v);
            a.batch = (int)n;
        } else if (!strcmp(f, "--lengths")) {
            if (!args_parse_range(v, 0, &a.kmin, &a.kmax))
                cli_usage_fail("--lengths: '%s' is not a length or range like 0-54", v);
            a.have_lengths = 1;
        } else if (!strcmp(f, "--seed")) {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (end == v || *end || errno == ERANGE || v[0] == '-')
                cli_usage_fail("--seed: '%s' is not a non-negative integer", v);
            a.seed = s;
        } else if (!strcmp(f, "--threads")) {
            if (!args_parse_int(v, 1, 64, &n)) cli_usage_fail("--threads: '%s' is not an integer 1..64", v);
            a.threads = (int)n;
        }
    }
    if (!a.model) cli_usage_fail("gradients needs a MODEL file (.safetensors)");
    return a;
}

static unr_model *load_model(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *bytes = NULL;
    size_t len = 0, cap = 0, got;
    if (!f) {
        fprintf(stderr, "unravel: %s: cannot read model file\n", path);
        exit(1);
    }
    do {
        if (len == cap) {
            unsigned char *bigger = realloc(bytes, cap = cap ? 2 * cap : 1 << 20);
            if (!bigger) fail("out of memory reading the model");
            bytes = bigger;
        }
        got = fread(bytes + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "unravel: %s: cannot read model file\n", path);
        exit(1);
    }
    unr_model *m;
    unr_error err;
    unr_status st = unr_model_load(bytes, len, path, &m, &err);
    free(bytes);
    if (st) fail(err.message);
    return m;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct progress {
    int tty, last_tenth;
    double start, last;
} progress;

/* On a terminal one line rewritten in place; otherwise a line per tenth (logs stay short). */
static int show_progress(void *user, int done, int total)
{
    progress *p = user;
    double t = now_seconds();
    int tenth = (int)(10LL * done / total);
    if (p->tty ? (t - p->last >= 1 || done == total) : tenth > p->last_tenth) {
        double left = done ? (t - p->start) * (total - done) / done : 0;
        fprintf(stderr, "%s%d/%d samples, %.0f s, about %.0f s left%s", p->tty ? "\r" : "", done,
                total, t - p->start, left, p->tty && done < total ? "   " : "\n");
        p->last = t;
        p->last_tenth = tenth;
    }
    return 0;
}

int cmd_gradients(int argc, char **argv)
{
    grad_args a = parse(argc, argv);
    unr_model *m = load_model(a.model);
    const unr_model_info *info = unr_model_get_info(m);
    const int L = info->num_blocks;
    if (!info->skip) cli_usage_fail("%s is a plain network: without shortcuts it has no paths to measure", a.model);
    if (!a.have_lengths) a.kmin = 0, a.kmax = L;
    if (a.kmax > L) cli_usage_fail("--lengths: upper end %d exceeds the model's %d blocks", a.kmax, L);

    const char *path = a.data ? a.data : unr_data_default_path();
    if (!path) cli_usage_fail("no CIFAR-10 data: pass --data PATH or set UNRAVEL_DATA");
    unsigned char *records;
    size_t len;
    unr_dataset set;
    unr_error err;
    if (unr_data_load(path, a.split, &records, &len, &err) ||
        unr_cifar_view(records, len, path, &set, &err))
        fail(err.message);
    if (a.batch > set.count) cli_usage_fail("--batch %d is larger than the %d images of %s", a.batch, set.count, path);

    const int lengths = a.kmax - a.kmin + 1;
    double *norms = malloc(sizeof(double) * (size_t)a.samples * lengths);
    unr_gradient_length *per = malloc(sizeof *per * (size_t)lengths);
    if (!norms || !per) fail("out of memory for the samples");
    unr_gradient_options o = unr_gradient_defaults(m);
    o.samples = a.samples;
    o.batch = a.batch;
    o.kmin = a.kmin;
    o.kmax = a.kmax;
    o.seed = a.seed;
    o.threads = a.threads ? a.threads : cli_cpu_count();
    progress ps = {.tty = isatty(2), .last_tenth = 0, .start = now_seconds()};
    o.progress = show_progress;
    o.user = &ps;
    if (unr_gradient_sample(m, &set, &o, norms, &err)) fail(err.message);
    /* Threads may finish their last samples together, so the core's final report can be for
     * fewer than all: the log always ends with the whole count. */
    if (ps.last_tenth < 10) show_progress(&ps, a.samples, a.samples);
    const double seconds = now_seconds() - ps.start;
    if (a.json) { /* the core's summary (as the page gets it), after what only the CLI knows */
        char *summary;
        if (unr_gradient_summary_json(L, a.kmin, a.kmax, norms, a.samples, &summary, &err))
            fail(err.message);
        printf("{\"model\":");
        cli_json_string(a.model);
        printf(",\"split\":\"%s\",\"images\":%d,\"batch\":%d,\"seed\":%llu,\"threads\":%d,"
               "\"kernels\":\"%s\",\"seconds\":%.1f,%s\n",
               a.split, set.count, a.batch, (unsigned long long)a.seed, o.threads,
               unr_kernels_name(), seconds, summary + 1);
        free(summary);
    } else {
        unr_gradient_band bands[UNR_GRADIENT_BANDS];
        if (unr_gradient_summarize(L, a.kmin, a.kmax, norms, a.samples, per, unr_gradient_band_masses,
                                   UNR_GRADIENT_BANDS, bands, &err))
            fail(err.message);
        const double decay =
            unr_gradient_decay(per, a.kmin, a.kmax, UNR_GRADIENT_DECAY_LO, UNR_GRADIENT_DECAY_HI);
        printf("%s: gradient flow by path length, %d blocks, %d samples per length, batch %d from "
               "the %s split (%d images), seed %llu; %.1f s on %d thread%s, kernels %s\n",
               a.model, L, a.samples, a.batch, a.split, set.count, (unsigned long long)a.seed,
               seconds, o.threads, o.threads > 1 ? "s" : "", unr_kernels_name());
        printf("  length  samples   mean |grad|         sd  log10(mean)  log10 C(n,k)  total share\n");
        for (int i = 0; i < lengths; i++) {
            const unr_gradient_length *p = &per[i];
            printf("  %6d  %7d  %12.4e  %9.3e  %11.3f  %12.3f  %10.4f%%\n", p->length, p->samples,
                   p->mean, p->sd, p->log10_mean, p->log10_paths, 100 * p->total);
        }
        for (int b = 0; b < UNR_GRADIENT_BANDS; b++)
            printf("effective paths, %.0f%% of the total gradient: lengths %d-%d (hold %.1f%%; "
                   "%.3g%% of all paths)\n",
                   100 * bands[b].mass, bands[b].lo, bands[b].hi, 100 * bands[b].held,
                   100 * bands[b].path_fraction);
        if (isfinite(decay))
            printf("decay of the mean gradient: %.3f decades per block (lengths %d-%d; the paper's "
                   "Fig. 6b: -0.6)\n",
                   decay, UNR_GRADIENT_DECAY_LO, UNR_GRADIENT_DECAY_HI);
        printf("the paper (ResNet-110, 54 blocks): 97%% from lengths 5-17, 90%% from 7-16\n");
    }
    free(norms);
    free(per);
    free(records);
    unr_model_free(m);
    return 0;
}
