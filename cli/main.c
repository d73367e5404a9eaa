/* main.c - the `unravel` command line: info, eval, sweep, paths, bench.
 * Exit status: 0 success, 1 a file or data could not be used (message names it), 2 wrong usage. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, isatty, sysconf */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "data.h"
#include "output.h"
#include "gradients.h"
#include "json.h"
#include "data_cmd.h"
#include "unravel.h"

static const char *const help_text =
    "unravel - lesion experiments on CIFAR-10 ResNets (Veit et al. 2016)\n"
    "\n"
    "  unravel info MODEL                       architecture, blocks, parameters\n"
    "  unravel eval MODEL [--delete 3,7] [--order 1,3,2,...] [--predictions]\n"
    "  unravel sweep delete-one MODEL           every block deleted in turn\n"
    "  unravel sweep delete-k MODEL [--k 1-20] [--eligible paper|all] [--trials T] [--seed S]\n"
    "  unravel sweep reorder MODEL [--swaps 1-10] [--trials T] [--seed S]\n"
    "  unravel sweep drop MODEL [--prob 0.1,0.2] [--rule uniform|linear] [--trials T] [--seed S]\n"
    "  unravel sweep ensemble MODEL [--prob P] [--rule uniform|linear] [--sizes 1,2,4,8,16,32]\n"
    "                                           [--trials T] [--seed S]\n"
    "  unravel run SPEC.json [--models DIR] [--data PATH] [--any-data]   an experiment spec\n"
    "  unravel paths MODEL [--k 0-10]           path-length distribution, paths left after k deletions\n"
    "  unravel bench MODEL [--batch B] [--threads T] [--seconds S]\n"
    "  unravel gradients MODEL [--split train|test] [--samples 1000] [--batch 16] [--lengths 0-54]\n"
    "                    [--seed S]                gradient per path length (Figs. 6b, 6c)\n"
    "  unravel --version\n"
    "  unravel data [--data PATH] [--limit N] --out FILE   first N test records, checked, as a .bin\n"
    "\n"
    "  --data PATH    CIFAR-10: cifar-10-binary.tar.gz, its folder or a .bin (default $UNRAVEL_DATA)\n"
    "  --limit N      first N test images      --threads T   worker threads (default: all CPUs)\n"
    "  --json         one JSON object on stdout (sweeps and run: the summary the page shows)\n"
    "Blocks are numbered 1..3n as in the paper. delete-k draws k distinct blocks from the\n"
    "'paper' blocks (default: all but block 1 and the downsampling blocks) or from 'all';\n"
    "k defaults to 1..min(20, eligible - 1); trials default to 10, the seed to 1.\n"
    "Drop --prob is the drop probability of every block (uniform) or of the last block, falling\n"
    "linearly to 0 at the first (linear: 1 - p_l); default 0.5. An ensemble averages the softmax\n"
    "of the first s of T dropped networks per trial (default --prob 0.2).\n"
    "eval --predictions adds every image's predicted class (intact and lesioned) to the JSON.\n"
    "run reads MODEL.safetensors by the spec's model name from --models (default: this source\n"
    "tree's models/), refuses a file or data whose SHA-256 differs from the spec's (--any-data:\n"
    "runs on other data and names its SHA-256 in the output).\n";

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

/* Load a model; sha (if not NULL) receives the file's SHA-256 in hex. */
static unr_model *load_model_sha(const char *path, char *sha)
{
    unsigned char *bytes;
    size_t len;
    if (!read_file(path, &bytes, &len)) {
        fprintf(stderr, "unravel: %s: cannot read model file\n", path);
        exit(1);
    }
    if (sha) unr_sha256_hex(bytes, len, sha);
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

static unr_model *load_model(const char *path) { return load_model_sha(path, NULL); }

typedef struct test_data {
    unsigned char *bytes;
    unr_dataset set;
    const char *path;
    char sha256[65]; /* of all the test records (before --limit) */
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
    d.path = path;
    unr_sha256_hex(d.set.records, (size_t)d.set.count * UNR_CIFAR_RECORD, d.sha256);
    if (a->limit > 0 && a->limit < d.set.count) d.set.count = a->limit;
    return d;
}

/* ---- output ------------------------------------------------------------------------------ */

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
        cli_json_string(a->model);
        printf(",\"block\":\"%s\",\"shortcut\":\"%c\",\"shortcut_bn\":%s,\"skip\":%s,\"blocks_per_stage\":%d,"
               "\"num_blocks\":%d,\"widths\":[%d,%d,%d],\"params\":%lld,\"flops\":%.0f,"
               "\"downsampling\":[",
               in->block == UNR_PREACT ? "preact" : "postact", in->shortcut,
               in->shortcut_bn ? "true" : "false", in->skip ? "true" : "false", in->blocks_per_stage, in->num_blocks, in->widths[0],
               in->widths[1], in->widths[2], in->params, in->flops);
        for (int b = 0, n = 0; b < in->num_blocks; b++)
            if (unr_block_downsamples(m, b)) printf(n++ ? ",%d" : "%d", b + 1);
        printf("],\"residual_scale\":[");
        for (int b = 0; b < in->num_blocks; b++) printf(b ? ",%g" : "%g", (double)unr_block_scale(m, b));
        printf("],\"classes\":[");
        for (int c = 0; c < UNR_CLASSES; c++) {
            if (c) putchar(',');
            cli_json_string(in->classes[c]);
        }
        printf("],\"kernels\":\"%s\"}\n", unr_kernels_name());
    } else {
        printf("%s: %s %s network, shortcut %c%s, %d blocks (%d per stage), widths %d/%d/%d\n",
               a->model, block_kind_name(in), in->skip ? "residual" : "plain", in->shortcut,
               in->shortcut != 'B' ? "" : in->shortcut_bn ? " (projection + BN)" : " (projection, no BN)",
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

/* ---- experiments: every sweep, eval and `run` go through one spec ------------------------- */

/* The model's name in a spec: the file name without folder and .safetensors. */
static void model_name(const char *path, char *out, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 12 && !strcmp(base + n - 12, ".safetensors")) n -= 12;
    if (n >= size) n = size - 1;
    memcpy(out, base, n);
    out[n] = '\0';
}

static unr_experiment *prepare_or_die(const unr_model *m, const unr_spec *spec, int status)
{
    unr_experiment *e;
    unr_error err;
    if (unr_experiment_new(m, spec, &e, &err)) {
        fprintf(stderr, "unravel: %s\n", err.message);
        exit(status);
    }
    return e;
}

static void run_experiment_or_die(const unr_model *m, const unr_experiment *e, const test_data *d,
                                  const args *a, unr_tally *tallies, int *predictions)
{
    progress_state ps = {.enabled = !a->json && isatty(2), .last = 0};
    unr_run_options o = unr_run_defaults();
    o.threads = a->threads ? a->threads : cli_cpu_count();
    o.count = unr_experiment_spec(e)->images;
    o.progress = show_progress;
    o.user = &ps;
    o.predictions = predictions;
    unr_error err;
    if (unr_experiment_run(m, e, &d->set, &o, tallies, &err)) {
        fprintf(stderr, "unravel: %s\n", err.message);
        exit(1);
    }
}

static char *summary_or_die(const unr_experiment *e, const unr_tally *tallies)
{
    char *json;
    unr_error err;
    if (unr_experiment_summary_json(e, tallies, &json, &err)) {
        fprintf(stderr, "unravel: %s\n", err.message);
        exit(1);
    }
    return json;
}

static int cmd_eval(const args *a)
{
    char model_sha[65];
    unr_model *m = load_model_sha(a->model, model_sha);
    test_data d = load_test_data(a);
    unr_spec spec;
    unr_spec_defaults(UNR_EVAL, &spec);
    model_name(a->model, spec.model_name, sizeof spec.model_name);
    memcpy(spec.model_sha256, model_sha, 65);
    memcpy(spec.data_sha256, d.sha256, 65);
    spec.images = d.set.count;
    int L = unr_model_get_info(m)->num_blocks;
    for (int i = 0; i < a->num_delete; i++) {
        if (a->delete_blocks[i] > L)
            cli_usage_fail("--delete: block %d is outside 1..%d", a->delete_blocks[i], L);
        spec.deleted[spec.num_deleted++] = a->delete_blocks[i] - 1;
    }
    if (a->num_order && a->num_order != L)
        cli_usage_fail("--order: gives %d blocks, the model has %d", a->num_order, L);
    for (int i = 0; i < a->num_order; i++) spec.order[spec.num_order++] = a->order[i] - 1;
    unr_experiment *e = prepare_or_die(m, &spec, 2);
    unr_tally t[2];
    int *predictions = NULL;
    if (a->predictions && !(predictions = malloc(sizeof(int) * 2 * (size_t)d.set.count))) {
        fprintf(stderr, "unravel: out of memory for predictions\n");
        exit(1);
    }
    run_experiment_or_die(m, e, &d, a, t, predictions);
    const unr_plan *plan = unr_experiment_plans(e);
    int lesioned = !unr_plan_is_identity(plan);
    const unr_tally *r = &t[1], *base = &t[0];
    const unr_model_info *in = unr_model_get_info(m);
    if (a->json) {
        printf("{\"model\":");
        cli_json_string(a->model);
        printf(",\"images\":%d,\"accuracy\":%.6f,\"per_class\":[", r->images, accuracy(r));
        for (int c = 0; c < UNR_CLASSES; c++)
            printf(c ? ",%.6f" : "%.6f",
                   r->class_total[c] ? (double)r->class_correct[c] / r->class_total[c] : 0.0);
        printf("]");
        int del[UNR_MAX_BLOCKS], nd = deleted_list(plan, del);
        if (nd) json_blocks("deleted", del, nd);
        if (a->num_order) json_blocks("order", plan->order, plan->num_blocks);
        if (predictions) {
            /* intact first, then the lesioned network, as the run lays them out */
            for (int p = 0; p < 2; p++) {
                printf(p ? "],\"lesioned\":[" : ",\"predictions\":{\"intact\":[");
                for (int i = 0; i < d.set.count; i++)
                    printf(i ? ",%d" : "%d", predictions[(size_t)p * d.set.count + i]);
            }
            printf("]}");
        }
        printf("}\n");
    } else {
        printf("%s on %d test images: accuracy %.2f%% (error %.2f%%)\n", a->model, r->images,
               100 * accuracy(r), 100 * (1 - accuracy(r)));
        if (lesioned)
            printf("unmodified network: %.2f%%\n", 100 * accuracy(base));
        for (int c = 0; c < UNR_CLASSES; c++)
            printf("  %-12s %6.2f%%  (%d images)\n", in->classes[c],
                   r->class_total[c] ? 100.0 * r->class_correct[c] / r->class_total[c] : 0.0,
                   r->class_total[c]);
    }
    free(predictions);
    unr_experiment_free(e);
    free(d.bytes);
    unr_model_free(m);
    return 0;
}

/* ---- the summary as text: read back from the core's JSON, so the numbers are the same ---- */

static const unr_json_value *at(const unr_json_doc *doc, const unr_json_value *obj, const char *key)
{
    const unr_json_value *v = obj ? unr_json_get(doc, obj, key) : NULL;
    return v;
}

static double num(const unr_json_doc *doc, const unr_json_value *obj, const char *key)
{
    const unr_json_value *v = at(doc, obj, key);
    return v && v->type == UNR_JSON_NUMBER ? v->d : NAN;
}

static void print_summary_text(const char *model_path, const unr_model *m, const char *json)
{
    unr_json_doc doc;
    if (unr_json_parse(json, strlen(json), &doc)) {
        fprintf(stderr, "unravel: the summary is not JSON (%s)\n", doc.error);
        exit(1);
    }
    const unr_json_value *root = &doc.values[0];
    const unr_json_value *spec = at(&doc, root, "spec"), *params = at(&doc, spec, "params");
    const unr_json_value *base = at(&doc, root, "baseline");
    const char *kind = at(&doc, spec, "kind")->str;
    double base_acc = num(&doc, base, "accuracy");
    printf("%s, %s on %d test images", model_path, kind, (int)num(&doc, base, "images"));
    const unr_json_value *v;
    if ((v = at(&doc, params, "k")))
        printf(", k %d-%d of the %s blocks", (int)unr_json_child(&doc, v)->d,
               (int)unr_json_next(&doc, unr_json_child(&doc, v))->d, at(&doc, params, "eligible")->str);
    if ((v = at(&doc, params, "swaps")))
        printf(", swaps %d-%d", (int)unr_json_child(&doc, v)->d, (int)unr_json_next(&doc, unr_json_child(&doc, v))->d);
    if ((v = at(&doc, params, "prob"))) printf(", drop probability %g", v->d);
    if ((v = at(&doc, params, "rule"))) printf(" (%s)", v->str);
    if ((v = at(&doc, params, "trials"))) printf(", %d trials, seed %.0f", (int)v->d, num(&doc, spec, "seed"));
    printf("\n  unmodified network: accuracy %.2f%% (error %.2f%%)\n", 100 * base_acc, 100 * (1 - base_acc));
    const unr_json_value *rows = at(&doc, root, "rows"), *groups = at(&doc, root, "groups");
    if (!strcmp(kind, "delete-one")) {
        printf("  block  stage         error   change   (95%% interval of the error)\n");
        int b = 0;
        for (const unr_json_value *r = unr_json_child(&doc, rows); r; r = unr_json_next(&doc, r), b++) {
            double e = 1 - num(&doc, r, "accuracy");
            const unr_json_value *w = at(&doc, r, "wilson95");
            printf("  %5d  %5d%s  %6.2f%%  %+6.2f   %.2f%%..%.2f%%\n", b + 1, unr_block_stage(m, b) + 1,
                   unr_block_downsamples(m, b) ? " (down)" : "       ", 100 * e,
                   100 * (e - (1 - base_acc)), 100 * (1 - unr_json_next(&doc, unr_json_child(&doc, w))->d),
                   100 * (1 - unr_json_child(&doc, w)->d));
        }
    } else if (!strcmp(kind, "eval")) {
        const unr_json_value *r = unr_json_child(&doc, rows);
        printf("  lesioned network: accuracy %.2f%% (error %.2f%%)\n", 100 * num(&doc, r, "accuracy"),
               100 * (1 - num(&doc, r, "accuracy")));
    } else {
        const char *key = !strcmp(kind, "delete-k") ? "k" : !strcmp(kind, "reorder") ? "swaps"
                          : !strcmp(kind, "drop") ? "prob" : "size";
        for (const unr_json_value *g = unr_json_child(&doc, groups); g; g = unr_json_next(&doc, g)) {
            const unr_json_value *e = at(&doc, g, "error");
            printf("  %-5s %-6g error median %6.2f%%  quartiles %6.2f%% %6.2f%%  range %6.2f%%..%6.2f%%  "
                   "mean %6.2f%% sd %5.2f",
                   key, num(&doc, g, key), 100 * num(&doc, e, "median"), 100 * num(&doc, e, "q1"),
                   100 * num(&doc, e, "q3"), 100 * num(&doc, e, "min"), 100 * num(&doc, e, "max"),
                   100 * num(&doc, e, "mean"), 100 * num(&doc, e, "sd"));
            if ((v = at(&doc, g, "tau_mean"))) printf("  mean tau %.3f", v->d);
            printf("\n");
        }
    }
    unr_json_free(&doc);
}

static void print_summary(const args *a, const unr_model *m, const unr_experiment *e,
                          const unr_tally *tallies)
{
    char *json = summary_or_die(e, tallies);
    if (a->json) printf("%s\n", json);
    else print_summary_text(a->model, m, json);
    free(json);
}

static int cmd_sweep(const args *a)
{
    char model_sha[65];
    unr_model *m = load_model_sha(a->model, model_sha);
    unr_experiment_kind kind = !strcmp(a->sweep, "delete-one") ? UNR_DELETE_ONE
                               : !strcmp(a->sweep, "delete-k") ? UNR_DELETE_K
                               : !strcmp(a->sweep, "reorder")  ? UNR_REORDER
                               : !strcmp(a->sweep, "drop")     ? UNR_DROP
                                                               : UNR_ENSEMBLE;
    unr_spec spec;
    unr_spec_defaults(kind, &spec);
    model_name(a->model, spec.model_name, sizeof spec.model_name);
    memcpy(spec.model_sha256, model_sha, 65);
    spec.trials = a->trials;
    spec.seed = a->seed;
    if (a->have_k) spec.k_min = a->k_min, spec.k_max = a->k_max;
    if (a->have_k && a->k_min < 1) cli_usage_fail("--k: k starts at 1 (got %d)", a->k_min);
    spec.eligible_all = a->eligible && !strcmp(a->eligible, "all");
    if (a->have_swaps) spec.swaps_min = a->swaps_min, spec.swaps_max = a->swaps_max;
    spec.rule = a->rule && !strcmp(a->rule, "linear") ? UNR_DROP_LINEAR : UNR_DROP_UNIFORM;
    if (kind == UNR_DROP && a->num_probs) {
        if (a->num_probs > UNR_SPEC_MAX_LIST) cli_usage_fail("--prob: at most %d probabilities", UNR_SPEC_MAX_LIST);
        spec.num_probs = a->num_probs;
        memcpy(spec.probs, a->probs, sizeof(double) * (size_t)a->num_probs);
    }
    if (kind == UNR_ENSEMBLE && a->num_probs) spec.prob = a->probs[0];
    if (a->num_sizes) {
        if (a->num_sizes > UNR_SPEC_MAX_LIST) cli_usage_fail("--sizes: at most %d sizes", UNR_SPEC_MAX_LIST);
        spec.num_sizes = a->num_sizes;
        memcpy(spec.sizes, a->sizes, sizeof(int) * (size_t)a->num_sizes);
    }
    /* Checked against the model before the data is read: a wrong flag fails at once. */
    spec.images = 1;
    memcpy(spec.data_sha256, model_sha, 65);
    unr_experiment_free(prepare_or_die(m, &spec, 2));
    test_data d = load_test_data(a);
    spec.images = d.set.count;
    memcpy(spec.data_sha256, d.sha256, 65);
    unr_experiment *e = prepare_or_die(m, &spec, 2);
    unr_tally *tallies = malloc(sizeof *tallies * (size_t)(1 + unr_experiment_rows(e)));
    if (!tallies) {
        fprintf(stderr, "unravel: out of memory\n");
        exit(1);
    }
    run_experiment_or_die(m, e, &d, a, tallies, NULL);
    print_summary(a, m, e, tallies);
    free(tallies);
    unr_experiment_free(e);
    free(d.bytes);
    unr_model_free(m);
    return 0;
}

/* unravel run SPEC.json: the model by name from the models folder, checked by its SHA-256,
 * on data with the spec's SHA-256 (or any data with --any-data, which the output then names). */
static int cmd_run(const args *a)
{
    unsigned char *text;
    size_t len;
    if (!read_file(a->model, &text, &len)) {
        fprintf(stderr, "unravel: %s: cannot read the spec file\n", a->model);
        return 1;
    }
    unr_spec spec;
    unr_error err;
    unr_status st = unr_spec_parse((const char *)text, len, a->model, &spec, &err);
    free(text);
    if (st) {
        fprintf(stderr, "unravel: %s\n", err.message);
        return 1;
    }
    if (strchr(spec.model_name, '/') || spec.model_name[0] == '.') {
        fprintf(stderr, "unravel: %s: model.name '%s' must be a plain file name\n", a->model, spec.model_name);
        return 1;
    }
    char path[4096], sha[65];
    snprintf(path, sizeof path, "%s/%s.safetensors", a->models ? a->models : UNRAVEL_MODELS_DIR,
             spec.model_name);
    unr_model *m = load_model_sha(path, sha);
    if (strcmp(sha, spec.model_sha256)) {
        fprintf(stderr, "unravel: %s: SHA-256 %s differs from the spec's %s (another model file)\n",
                path, sha, spec.model_sha256);
        exit(1);
    }
    test_data d = load_test_data(a);
    if (strcmp(d.sha256, spec.data_sha256)) {
        if (!a->any_data) {
            fprintf(stderr, "unravel: %s: test data SHA-256 %s differs from the spec's %s (--any-data runs it anyway)\n",
                    d.path, d.sha256, spec.data_sha256);
            exit(1);
        }
        memcpy(spec.data_sha256, d.sha256, 65); /* say which data the numbers come from */
    }
    if (spec.images > d.set.count) {
        fprintf(stderr, "unravel: %s: the spec asks for %d images, %s has %d\n", a->model, spec.images,
                d.path, d.set.count);
        exit(1);
    }
    unr_experiment *e = prepare_or_die(m, &spec, 1);
    unr_tally *tallies = malloc(sizeof *tallies * (size_t)(1 + unr_experiment_rows(e)));
    if (!tallies) {
        fprintf(stderr, "unravel: out of memory\n");
        exit(1);
    }
    run_experiment_or_die(m, e, &d, a, tallies, NULL);
    args shown = *a;
    shown.model = path;
    print_summary(&shown, m, e, tallies);
    free(tallies);
    unr_experiment_free(e);
    free(d.bytes);
    unr_model_free(m);
    return 0;
}

static int cmd_paths(const args *a)
{
    unr_model *m = load_model(a->model);
    int L = unr_model_get_info(m)->num_blocks;
    int k_lo = a->have_k ? a->k_min : 0, k_hi = a->have_k ? a->k_max : 0;
    if (k_hi > L) cli_usage_fail("--k: upper end %d exceeds the model's %d blocks", k_hi, L);
    if (a->json) { /* the core's JSON (as the page's paths chart gets it), after the model */
        char *text;
        unr_error err;
        if (unr_paths_json(L, k_lo, k_hi, &text, &err)) {
            fprintf(stderr, "unravel: %s\n", err.message);
            return 1;
        }
        printf("{\"model\":");
        cli_json_string(a->model);
        printf(",%s\n", text + 1);
        free(text);
        unr_model_free(m);
        return 0;
    }
    double *counts = malloc(sizeof(double) * (size_t)(L + 1));
    double *frac = malloc(sizeof(double) * (size_t)(L + 1));
    if (!counts || !frac) return 1;
    unr_paths_length_counts(L, counts);
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
        cli_json_string(a->model);
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
    /* --help after a command too (`unravel eval --help`): what a user types to learn the flags. */
    int help = argc >= 2 && !strcmp(argv[1], "help");
    for (int i = 1; i < argc; i++) help |= !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
    if (help) {
        fputs(help_text, stdout);
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "--version")) {
        printf("unravel %s\n", unr_version());
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "gradients")) return cmd_gradients(argc, argv);
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
    if (!strcmp(a.command, "run")) return cmd_run(&a);
    if (!strcmp(a.command, "paths")) return cmd_paths(&a);
    return cmd_bench(&a);
}
