/* bindings.c - the thin C layer the WebAssembly module exports to JavaScript (wasm/engine.js).
 *
 * JavaScript can only pass numbers, so this layer keeps per-instance state (one module instance
 * per worker): the last error, the dataset bytes and a JSON buffer. Every call
 * that can fail returns an unr_status and leaves the core's message in unrw_error_message().
 * Blocks are 0-based here as in core/unravel.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emscripten/emscripten.h>

#include "unravel.h"

#define EXPORT EMSCRIPTEN_KEEPALIVE

static unr_error last_error;

static unsigned char *data_bytes; /* CIFAR records owned by this instance */
static size_t data_capacity;
static unr_dataset dataset;

static char *json_text;
static size_t json_capacity;

static unr_status fail(unr_status status, const char *message)
{
    last_error.status = status;
    snprintf(last_error.message, sizeof last_error.message, "%s", message);
    return status;
}

EXPORT const char *unrw_error_message(void) { return last_error.message; }
EXPORT int unrw_error_status(void) { return (int)last_error.status; }
EXPORT const char *unrw_status_name(int status) { return unr_status_str((unr_status)status); }
EXPORT const char *unrw_kernels_name(void) { return unr_kernels_name(); }
EXPORT const char *unrw_version(void) { return unr_version(); }

/* ---- model ----------------------------------------------------------------------------- */

/* bytes may be freed by the caller after the call (the core copies and folds the weights). */
EXPORT unr_model *unrw_model_load(const void *bytes, size_t len, const char *name)
{
    unr_model *model = NULL;
    if (unr_model_load(bytes, len, name, &model, &last_error) != UNR_OK) return NULL;
    return model;
}

EXPORT void unrw_model_free(unr_model *model) { unr_model_free(model); }

/* Append printf output to json_text, growing it; returns 0 when out of memory. */
__attribute__((format(printf, 2, 3))) static int json_printf(size_t *used, const char *fmt, ...)
{
    for (;;) {
        size_t room = json_capacity - *used;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(json_text ? json_text + *used : NULL, json_text ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) return 0;
        if ((size_t)n < room) {
            *used += (size_t)n;
            return 1;
        }
        size_t grown = json_capacity ? json_capacity * 2 : 4096;
        while (grown - *used <= (size_t)n) grown *= 2;
        char *bigger = realloc(json_text, grown);
        if (!bigger) return 0;
        json_text = bigger;
        json_capacity = grown;
    }
}

/* A JSON string literal of s (which comes from the model file): quotes, backslashes and
 * control characters escaped. */
static int json_quoted(size_t *used, const char *s)
{
    int ok = json_printf(used, "\"");
    for (; ok && *s; s++) {
        unsigned char c = (unsigned char)*s;
        ok = c == '"' || c == '\\' ? json_printf(used, "\\%c", c)
             : c < 0x20 || c == 0x7F ? json_printf(used, "\\u%04x", c)
                                     : json_printf(used, "%c", c);
    }
    return ok && json_printf(used, "\"");
}

/* Everything the page needs to draw the network, as one JSON object (valid until the next
 * call); "paths" is the core's path statistics for 0..num_blocks deletions (the CLI's
 * `paths --json`). */
EXPORT const char *unrw_model_info_json(const unr_model *model)
{
    if (!model) {
        fail(UNR_ERR_ARGUMENT, "unrw_model_info_json: no model");
        return NULL;
    }
    const unr_model_info *info = unr_model_get_info(model);
    size_t used = 0;
    /* mean and std with 17 digits: JavaScript then holds the core's float32 values exactly. */
    int ok = json_printf(&used,
                         "{\"block\":\"%s\",\"shortcut\":\"%c\",\"shortcut_bn\":%s,\"skip\":%s,"
                         "\"blocks_per_stage\":%d,\"num_blocks\":%d,\"widths\":[%d,%d,%d],"
                         "\"mean\":[%.17g,%.17g,%.17g],\"std\":[%.17g,%.17g,%.17g],"
                         "\"params\":%lld,\"flops\":%.17g,\"kernels\":\"%s\",\"classes\":[",
                         info->block == UNR_PREACT ? "preact" : "postact", info->shortcut,
                         info->shortcut_bn ? "true" : "false", info->skip ? "true" : "false", info->blocks_per_stage, info->num_blocks,
                         info->widths[0], info->widths[1], info->widths[2],
                         (double)info->mean[0], (double)info->mean[1], (double)info->mean[2],
                         (double)info->std[0], (double)info->std[1], (double)info->std[2], info->params,
                         info->flops, unr_kernels_name());
    for (int c = 0; ok && c < UNR_CLASSES; c++)
        ok = (!c || json_printf(&used, ",")) && json_quoted(&used, info->classes[c]);
    ok = ok && json_printf(&used, "],\"blocks\":[");
    for (int b = 0; ok && b < info->num_blocks; b++)
        ok = json_printf(&used, "%s{\"stage\":%d,\"downsamples\":%s,\"scale\":%.9g}", b ? "," : "",
                         unr_block_stage(model, b),
                         unr_block_downsamples(model, b) ? "true" : "false",
                         (double)unr_block_scale(model, b));
    char *paths = NULL;
    ok = ok && unr_paths_json(info->num_blocks, 0, info->num_blocks, &paths, &last_error) == UNR_OK &&
         json_printf(&used, "],\"paths\":%s}", paths);
    free(paths);
    if (!ok) {
        fail(UNR_ERR_NOMEM, "unrw_model_info_json: out of memory");
        return NULL;
    }
    return json_text;
}

/* ---- data ------------------------------------------------------------------------------ */

/* Room for len bytes of CIFAR records; JavaScript writes them, then calls unrw_dataset_commit.
 * The buffer is reused between calls so that workers can take one chunk after another. */
EXPORT unsigned char *unrw_dataset_buffer(size_t len)
{
    dataset.records = NULL;
    dataset.count = 0;
    if (len == 0) len = 1; /* always hand back a real pointer */
    if (len > data_capacity) {
        unsigned char *bigger = realloc(data_bytes, len);
        if (!bigger) {
            fail(UNR_ERR_NOMEM, "unrw_dataset_buffer: out of memory");
            return NULL;
        }
        data_bytes = bigger;
        data_capacity = len;
    }
    return data_bytes;
}

/* Check the len bytes written into the buffer as CIFAR-10 records; returns the image count or
 * -1 (see unrw_error_message). */
EXPORT int unrw_dataset_commit(size_t len, const char *name)
{
    if (len > data_capacity) {
        fail(UNR_ERR_ARGUMENT, "unrw_dataset_commit: more bytes than unrw_dataset_buffer made room for");
        return -1;
    }
    if (unr_cifar_view(data_bytes, len, name, &dataset, &last_error) != UNR_OK) {
        dataset.records = NULL;
        dataset.count = 0;
        return -1;
    }
    return dataset.count;
}

EXPORT int unrw_dataset_count(void) { return dataset.count; }

/* ---- running --------------------------------------------------------------------------- */

EXPORT int unrw_tally_ints(void) { return (int)(sizeof(unr_tally) / sizeof(int)); }

/* Logits [n][10] for normalised images [n][3][32][32]: of the unmodified network when keep is
 * NULL, else of the plan keep[num_blocks] (1 = runs) with order[num_blocks] (NULL: the usual
 * order), which the core validates. */
EXPORT int unrw_forward(const unr_model *model, const unsigned char *keep, const int *order,
                        const float *images, int n, float *logits)
{
    if (!keep) return (int)unr_forward(model, NULL, images, n, logits, &last_error);
    if (!model) return fail(UNR_ERR_ARGUMENT, "unrw_forward: no model");
    unr_plan plan;
    unr_plan_identity(model, &plan);
    for (int b = 0; b < plan.num_blocks; b++) {
        plan.keep[b] = keep[b] ? 1 : 0;
        if (order) plan.order[b] = order[b];
    }
    return (int)unr_forward(model, &plan, images, n, logits, &last_error);
}

/* Seeds arrive as two 32-bit halves because JavaScript numbers cannot carry 64 bits. */
static uint64_t seed64(unsigned lo, unsigned hi) { return ((uint64_t)hi << 32) | lo; }

/* ---- experiments (a JSON spec; see core/unravel.h) ---------------------------------------- */

static char *core_text; /* the last JSON text core wrote for JavaScript (valid until the next) */

static const char *hand_over(unr_status status, char *text)
{
    free(core_text);
    core_text = status == UNR_OK ? text : NULL;
    return core_text;
}

/* Parse a spec and check it against the model; NULL on a bad spec (see unrw_error_message). */
EXPORT unr_experiment *unrw_experiment_new(const unr_model *model, const char *json, size_t len)
{
    if (!model) {
        fail(UNR_ERR_ARGUMENT, "unrw_experiment_new: no model");
        return NULL;
    }
    unr_spec spec;
    unr_experiment *exp = NULL;
    if (unr_spec_parse(json, len, "spec", &spec, &last_error) != UNR_OK) return NULL;
    if (unr_experiment_new(model, &spec, &exp, &last_error) != UNR_OK) return NULL;
    return exp;
}

EXPORT void unrw_experiment_free(unr_experiment *exp) { unr_experiment_free(exp); }
EXPORT int unrw_experiment_rows(const unr_experiment *exp) { return unr_experiment_rows(exp); }

EXPORT const char *unrw_experiment_spec_json(const unr_experiment *exp)
{
    char *text = NULL;
    unr_status st = unr_spec_json(unr_experiment_spec(exp), &text, &last_error);
    return hand_over(st, text);
}

EXPORT const char *unrw_experiment_rows_json(const unr_experiment *exp)
{
    char *text = NULL;
    unr_status st = unr_experiment_rows_json(exp, &text, &last_error);
    return hand_over(st, text);
}

/* Run on images [first, first + count) of the dataset (count < 0: to the end): tallies gets
 * (1 + rows) records, predictions (may be NULL) (1 + rows) * count classes. */
EXPORT int unrw_experiment_run(const unr_model *model, const unr_experiment *exp, int first,
                               int count, unr_tally *tallies, int *predictions)
{
    if (!tallies) return fail(UNR_ERR_ARGUMENT, "unrw_experiment_run: no tally buffer");
    unr_run_options options = unr_run_defaults();
    options.first = first;
    options.count = count;
    options.predictions = predictions;
    return (int)unr_experiment_run(model, exp, &dataset, &options, tallies, &last_error);
}

EXPORT const char *unrw_experiment_summary_json(const unr_experiment *exp, const unr_tally *tallies)
{
    char *text = NULL;
    unr_status st = unr_experiment_summary_json(exp, tallies, &text, &last_error);
    return hand_over(st, text);
}

EXPORT const char *unrw_sha256_hex(const void *bytes, size_t len)
{
    static char hex[65];
    unr_sha256_hex(bytes, len, hex);
    return hex;
}

/* ---- gradient flow by path length (core/unravel_gradients.h) ------------------------------ */

/* Rounds first .. first + samples - 1 of the paper's protocol on this instance's dataset (one
 * thread); log10_norms receives [samples][kmax - kmin + 1]. Workers split the rounds: the draws
 * depend only on the seed and the round. */
EXPORT int unrw_gradient_sample(const unr_model *model, int samples, int batch, int kmin, int kmax,
                                unsigned seed_lo, unsigned seed_hi, int first, double *log10_norms)
{
    if (!model) return fail(UNR_ERR_ARGUMENT, "unrw_gradient_sample: no model");
    unr_gradient_options o = unr_gradient_defaults(model);
    o.samples = samples;
    o.batch = batch;
    o.kmin = kmin;
    o.kmax = kmax;
    o.seed = seed64(seed_lo, seed_hi);
    o.first = first;
    return (int)unr_gradient_sample(model, &dataset, &o, log10_norms, &last_error);
}

/* The core's summary (the CLI's --json fields) of log10 norms [samples][kmax - kmin + 1]. */
EXPORT const char *unrw_gradient_summary_json(int num_blocks, int kmin, int kmax,
                                              const double *log10_norms, int samples)
{
    char *text = NULL;
    unr_status st = unr_gradient_summary_json(num_blocks, kmin, kmax, log10_norms, samples, &text,
                                              &last_error);
    return hand_over(st, text);
}

/* Round `round`'s draws: images[batch] and the block order[num_blocks] (see unravel_gradients.h). */
EXPORT int unrw_gradient_draw(int num_images, int num_blocks, int batch, unsigned seed_lo,
                              unsigned seed_hi, int round, int *images, int *order)
{
    return (int)unr_gradient_draw(num_images, num_blocks, batch, 0, 0, seed64(seed_lo, seed_hi),
                                  round, images, order, NULL, &last_error);
}
