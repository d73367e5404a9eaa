/* gradients.c - gradient flow by path length: the batch gradient, the paper's sampling protocol
 * on worker threads, its draws and its summary (unravel_gradients.h). */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "backward.h"
#include "error.h"
#include "experiment.h" /* unr_buf_finish */
#include "strbuf.h"

#if defined(UNR_THREADS)
#include <pthread.h>
#define UNR_MAX_THREADS 64
#else
#define UNR_MAX_THREADS 1
#endif

#define LOG2_10 3.32192809488736234787

/* log2(sum 2^v[i]) over n values (-infinity terms allowed). */
static double log2_sum_exp2(const double *v, int n)
{
    double top = -INFINITY, sum = 0;
    for (int i = 0; i < n; i++) top = fmax(top, v[i]);
    if (top == -INFINITY) return -INFINITY;
    for (int i = 0; i < n; i++) sum += exp2(v[i] - top);
    return top + log2(sum);
}

static unr_status check_routes(const unr_model *m, const unsigned char *routes, unr_error *err)
{
    for (int b = 0; routes && b < m->info.num_blocks; b++)
        if (routes[b] > UNR_ROUTE_SKIP)
            return unr_fail(err, UNR_ERR_ARGUMENT,
                            "routes: block %d has route %d; expected 0 (both), 1 (residual) or "
                            "2 (skip)",
                            b, routes[b]);
    return UNR_OK;
}

unr_status unr_gradient(const unr_model *model, const float *images, const int *labels, int n,
                        const unsigned char *routes, double *log10_norm, float *grad,
                        unr_error *err)
{
    if (!model || n < 1 || !images || !labels)
        return unr_fail(err, UNR_ERR_ARGUMENT, "unr_gradient: needs a model, images and labels");
    for (int i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= UNR_CLASSES)
            return unr_fail(err, UNR_ERR_ARGUMENT, "unr_gradient: label %d of image %d is outside 0..9",
                            labels[i], i);
    unr_status st = check_routes(model, routes, err);
    if (st) return st;
    unr_bw_weights *w = unr_bw_weights_new(model);
    unr_bw_image *im = w ? unr_bw_image_new(model, w) : NULL;
    double *parts = malloc(sizeof(double) * (size_t)n);
    if (!w || !im || !parts) {
        st = unr_fail(err, UNR_ERR_NOMEM, "unr_gradient: out of memory");
    } else {
        const size_t per = (size_t)model->info.widths[0] * 32 * 32;
        for (int i = 0; i < n; i++) {
            unr_load_float(model, unr_bw_image_workspace(im), images + (size_t)i * 3 * 32 * 32);
            unr_bw_image_forward(im, labels[i], n);
            parts[i] = unr_bw_image_backward(im, routes, grad ? grad + i * per : NULL);
        }
        if (log10_norm) *log10_norm = 0.5 * log2_sum_exp2(parts, n) / LOG2_10;
        st = unr_ok(err);
    }
    free(parts);
    unr_bw_image_free(im);
    unr_bw_weights_free(w);
    return st;
}

/* ---- draws --------------------------------------------------------------------------------- */

unr_gradient_options unr_gradient_defaults(const unr_model *model)
{
    unr_gradient_options o;
    memset(&o, 0, sizeof o);
    o.samples = 1000;
    o.batch = 16;
    o.kmax = model ? model->info.num_blocks : 0;
    o.threads = 1;
    return o;
}

unr_status unr_gradient_draw(int num_images, int num_blocks, int batch, int kmin, int kmax,
                             uint64_t seed, int round, int *images, int *order,
                             unsigned char *routes, unr_error *err)
{
    if (num_blocks < 1 || num_blocks > UNR_MAX_BLOCKS || batch < 1 || batch > num_images ||
        kmin < 0 || kmax < kmin || kmax > num_blocks || round < 0 || !images)
        return unr_fail(err, UNR_ERR_ARGUMENT,
                        "gradient draws: need 1 <= batch (%d) <= images (%d) and 0 <= kmin (%d) "
                        "<= kmax (%d) <= blocks (%d)",
                        batch, num_images, kmin, kmax, num_blocks);
    /* Output number `round` of SplitMix64 seeded with seed: state seed + (round + 1) * gamma. */
    unr_rng rng;
    unr_rng_seed(&rng, seed + (uint64_t)round * 0x9E3779B97F4A7C15ull);
    unr_rng_seed(&rng, unr_rng_next(&rng));
    for (int i = 0; i < batch; i++) {
        int again;
        do {
            images[i] = (int)unr_rng_below(&rng, (uint32_t)num_images);
            again = 0;
            for (int j = 0; j < i; j++) again |= images[j] == images[i];
        } while (again);
    }
    int perm[UNR_MAX_BLOCKS], rank[UNR_MAX_BLOCKS];
    for (int b = 0; b < num_blocks; b++) perm[b] = b;
    for (int i = 0; i + 1 < num_blocks; i++) { /* Fisher-Yates */
        int j = i + (int)unr_rng_below(&rng, (uint32_t)(num_blocks - i));
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (int i = 0; i < num_blocks; i++) rank[perm[i]] = i;
    if (order) memcpy(order, perm, sizeof(int) * (size_t)num_blocks);
    for (int k = kmin; routes && k <= kmax; k++)
        for (int b = 0; b < num_blocks; b++)
            routes[(size_t)(k - kmin) * num_blocks + b] =
                rank[b] < k ? UNR_ROUTE_RESIDUAL : UNR_ROUTE_SKIP;
    return unr_ok(err);
}

/* ---- the protocol on worker threads ----------------------------------------------------------- */

typedef struct grad_job {
    const unr_model *model;
    const unr_bw_weights *weights;
    const unr_dataset *data;
    const unr_gradient_options *o;
    int lengths;
    const int *images;           /* [samples][batch] */
    const int *ranks;            /* [samples][L]: each block's place in the round's order */
    double *parts;               /* [samples][lengths][batch]: log2 sum of squares per image */
    atomic_int next, done, cancelled;
} grad_job;

typedef struct grad_worker {
    grad_job *job;
    unr_bw_image *im;
    int is_caller;
} grad_worker;

/* A unit is one image of one round: its forward pass, then every length's path. */
static void *grad_work(void *arg)
{
    grad_worker *w = arg;
    grad_job *j = w->job;
    const unr_gradient_options *o = j->o;
    const int L = j->model->info.num_blocks, units = o->samples * o->batch;
    double part[UNR_MAX_BLOCKS + 1];
    for (;;) {
        if (atomic_load(&j->cancelled)) break;
        int u = atomic_fetch_add(&j->next, 1);
        if (u >= units) break;
        int r = u / o->batch, i = u % o->batch;
        const unsigned char *record =
            j->data->records + (size_t)j->images[u] * UNR_CIFAR_RECORD;
        unr_load_record(j->model, unr_bw_image_workspace(w->im), record);
        unr_bw_image_forward(w->im, record[0], o->batch);
        unr_bw_image_nested(w->im, j->ranks + (size_t)r * L, o->kmin, o->kmax, part);
        for (int k = 0; k < j->lengths; k++)
            j->parts[((size_t)r * j->lengths + k) * o->batch + i] = part[k];
        int done = atomic_fetch_add(&j->done, 1) + 1;
        if (w->is_caller && o->progress && o->progress(o->user, done / o->batch, o->samples))
            atomic_store(&j->cancelled, 1);
    }
    return NULL;
}

unr_status unr_gradient_sample(const unr_model *model, const unr_dataset *data,
                               const unr_gradient_options *options, double *log10_norms,
                               unr_error *err)
{
    if (!model || !data || !options || !log10_norms)
        return unr_fail(err, UNR_ERR_ARGUMENT, "unr_gradient_sample: missing model, data, options or output");
    const unr_gradient_options *o = options;
    const int L = model->info.num_blocks;
    if (!model->info.skip)
        return unr_fail(err, UNR_ERR_ARGUMENT,
                        "a plain network has no shortcuts, so no paths to measure gradients along");
    if (o->samples < 1 || o->first < 0)
        return unr_fail(err, UNR_ERR_ARGUMENT, "samples (%d) must be at least 1, first round (%d) at least 0",
                        o->samples, o->first);
    const int lengths = o->kmax - o->kmin + 1;
    const size_t units = (size_t)o->samples * o->batch;
    int *images = malloc(sizeof(int) * (units ? units : 1));
    int *ranks = malloc(sizeof(int) * (size_t)o->samples * L);
    double *parts = malloc(sizeof(double) * units * (lengths > 0 ? lengths : 1));
    int threads = o->threads < 1 ? 1 : o->threads > UNR_MAX_THREADS ? UNR_MAX_THREADS : o->threads;
    if ((size_t)threads > units) threads = (int)units;
    grad_worker *workers = calloc((size_t)threads, sizeof *workers);
    unr_bw_weights *weights = NULL;
    unr_status st = UNR_OK;
    if (!images || !ranks || !parts || !workers)
        st = unr_fail(err, UNR_ERR_NOMEM, "unr_gradient_sample: out of memory for %d samples", o->samples);
    for (int r = 0; !st && r < o->samples; r++) {
        int order[UNR_MAX_BLOCKS];
        st = unr_gradient_draw(data->count, L, o->batch, o->kmin, o->kmax, o->seed, o->first + r,
                               images + (size_t)r * o->batch, order, NULL, err);
        for (int i = 0; !st && i < L; i++) ranks[(size_t)r * L + order[i]] = i;
    }
    if (!st && !(weights = unr_bw_weights_new(model)))
        st = unr_fail(err, UNR_ERR_NOMEM, "unr_gradient_sample: out of memory for weights");
    grad_job j = {.model = model, .weights = weights, .data = data, .o = o, .lengths = lengths,
                  .images = images, .ranks = ranks, .parts = parts};
    atomic_init(&j.next, 0);
    atomic_init(&j.done, 0);
    atomic_init(&j.cancelled, 0);
    for (int t = 0; !st && t < threads; t++) {
        workers[t] = (grad_worker){.job = &j, .is_caller = t == 0};
        if (!(workers[t].im = unr_bw_image_new(model, weights)))
            st = unr_fail(err, UNR_ERR_NOMEM, "unr_gradient_sample: out of memory for activations");
    }
    if (!st) {
#if defined(UNR_THREADS)
        pthread_t ids[UNR_MAX_THREADS];
        int started = 1;
        for (; started < threads; started++)
            if (pthread_create(&ids[started], NULL, grad_work, &workers[started]) != 0) break;
        grad_work(&workers[0]); /* claims units until none are left */
        for (int t = 1; t < started; t++) pthread_join(ids[t], NULL);
#else
        grad_work(&workers[0]);
#endif
        if (atomic_load(&j.cancelled)) {
            st = unr_fail(err, UNR_ERR_CANCELLED, "cancelled after %d of %d samples",
                          atomic_load(&j.done) / o->batch, o->samples);
        } else {
            for (size_t rk = 0; rk < (size_t)o->samples * lengths; rk++)
                log10_norms[rk] = 0.5 * log2_sum_exp2(parts + rk * o->batch, o->batch) / LOG2_10;
            st = unr_ok(err);
        }
    }
    for (int t = 0; workers && t < threads; t++) unr_bw_image_free(workers[t].im);
    unr_bw_weights_free(weights);
    free(workers);
    free(images);
    free(ranks);
    free(parts);
    return st;
}

/* ---- summary -------------------------------------------------------------------------------- */

static double log10_choose(int n, int k) { return (lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0)) / log(10.0); }

unr_status unr_gradient_summarize(int num_blocks, int kmin, int kmax, const double *log10_norms,
                                  int samples, unr_gradient_length *per, const double *masses,
                                  int num_bands, unr_gradient_band *bands, unr_error *err)
{
    if (num_blocks < 1 || kmin < 0 || kmax < kmin || kmax > num_blocks || samples < 1 ||
        !log10_norms || !per || num_bands < 0 || (num_bands && (!masses || !bands)))
        return unr_fail(err, UNR_ERR_ARGUMENT, "unr_gradient_summarize: bad arguments");
    const int lengths = kmax - kmin + 1;
    double log10_total[UNR_MAX_BLOCKS + 1];
    for (int i = 0; i < lengths; i++) {
        /* Mean and sd of 10^v relative to the largest sample, so that tiny norms stay exact. */
        double top = -INFINITY, s1 = 0, s2 = 0;
        for (int r = 0; r < samples; r++) top = fmax(top, log10_norms[(size_t)r * lengths + i]);
        for (int r = 0; top > -INFINITY && r < samples; r++) {
            double v = pow(10.0, log10_norms[(size_t)r * lengths + i] - top);
            s1 += v;
            s2 += v * v;
        }
        unr_gradient_length *p = &per[i];
        p->length = kmin + i;
        p->samples = samples;
        double mean = s1 / samples;
        double var = samples > 1 ? fmax(0.0, (s2 - samples * mean * mean) / (samples - 1)) : 0;
        p->log10_mean = top > -INFINITY ? top + log10(mean) : -INFINITY;
        p->mean = pow(10.0, p->log10_mean);
        p->sd = top > -INFINITY ? sqrt(var) * pow(10.0, top) : 0;
        p->log10_paths = log10_choose(num_blocks, p->length);
        log10_total[i] = p->log10_paths + p->log10_mean;
    }
    double top = -INFINITY, sum = 0;
    for (int i = 0; i < lengths; i++) top = fmax(top, log10_total[i]);
    for (int i = 0; i < lengths; i++) sum += top > -INFINITY ? pow(10.0, log10_total[i] - top) : 0;
    for (int i = 0; i < lengths; i++)
        per[i].total = sum > 0 ? pow(10.0, log10_total[i] - top) / sum : 0;

    for (int bi = 0; bi < num_bands; bi++) {
        unr_gradient_band *band = &bands[bi];
        band->mass = masses[bi];
        band->lo = band->hi = -1;
        band->held = band->path_fraction = 0;
        /* Shortest window first; among equal widths the one holding more. */
        for (int width = 1; width <= lengths && band->lo < 0; width++)
            for (int a = 0; a + width <= lengths; a++) {
                double held = 0;
                for (int i = a; i < a + width; i++) held += per[i].total;
                if (held >= masses[bi] - 1e-12 && held > band->held) {
                    band->lo = kmin + a;
                    band->hi = kmin + a + width - 1;
                    band->held = held;
                }
            }
        for (int k = band->lo; band->lo >= 0 && k <= band->hi; k++)
            band->path_fraction += pow(10.0, log10_choose(num_blocks, k) - num_blocks * log10(2.0));
    }
    return unr_ok(err);
}

double unr_gradient_decay(const unr_gradient_length *per, int kmin, int kmax, int lo, int hi)
{
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int k = lo < kmin ? kmin : lo; k <= hi && k <= kmax; k++) {
        double y = per[k - kmin].log10_mean;
        if (!isfinite(y)) continue;
        n++, sx += k, sy += y, sxx += (double)k * k, sxy += k * y;
    }
    return n >= 2 ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : NAN;
}

/* ---- the summary as JSON (the CLI's --json and the page read the same text) ------------- */

const double unr_gradient_band_masses[UNR_GRADIENT_BANDS] = {0.90, 0.97};

unr_status unr_gradient_summary_json(int num_blocks, int kmin, int kmax, const double *log10_norms,
                                     int samples, char **json, unr_error *err)
{
    if (!json) return unr_fail(err, UNR_ERR_ARGUMENT, "unr_gradient_summary_json: no output");
    *json = NULL;
    unr_gradient_length *per = malloc(sizeof *per * (size_t)(kmax - kmin + 1 > 0 ? kmax - kmin + 1 : 1));
    unr_gradient_band bands[UNR_GRADIENT_BANDS];
    if (!per) return unr_fail(err, UNR_ERR_NOMEM, "unr_gradient_summary_json: out of memory");
    unr_status st = unr_gradient_summarize(num_blocks, kmin, kmax, log10_norms, samples, per,
                                           unr_gradient_band_masses, UNR_GRADIENT_BANDS, bands, err);
    if (st) {
        free(per);
        return st;
    }
    unr_strbuf b = {0};
    unr_buf_printf(&b, "{\"num_blocks\":%d,\"samples\":%d,\"lengths\":[", num_blocks, samples);
    for (int i = 0; i <= kmax - kmin; i++) {
        const unr_gradient_length *p = &per[i];
        unr_buf_printf(&b, "%s{\"length\":%d,\"samples\":%d,\"mean\":", i ? "," : "", p->length, p->samples);
        unr_buf_number(&b, p->mean);
        unr_buf_printf(&b, ",\"sd\":");
        unr_buf_number(&b, p->sd);
        unr_buf_printf(&b, ",\"log10_mean\":");
        unr_buf_number(&b, p->log10_mean);
        unr_buf_printf(&b, ",\"log10_paths\":");
        unr_buf_number(&b, p->log10_paths);
        unr_buf_printf(&b, ",\"total\":");
        unr_buf_number(&b, p->total);
        unr_buf_printf(&b, "}");
    }
    unr_buf_printf(&b, "],\"bands\":[");
    for (int i = 0; i < UNR_GRADIENT_BANDS; i++) {
        unr_buf_printf(&b, "%s{\"mass\":", i ? "," : "");
        unr_buf_number(&b, bands[i].mass);
        unr_buf_printf(&b, ",\"lo\":%d,\"hi\":%d,\"held\":", bands[i].lo, bands[i].hi);
        unr_buf_number(&b, bands[i].held);
        unr_buf_printf(&b, ",\"path_fraction\":");
        unr_buf_number(&b, bands[i].path_fraction);
        unr_buf_printf(&b, "}");
    }
    unr_buf_printf(&b, "],\"decay\":{\"lo\":%d,\"hi\":%d,\"decades_per_block\":", UNR_GRADIENT_DECAY_LO,
                   UNR_GRADIENT_DECAY_HI);
    unr_buf_number(&b, unr_gradient_decay(per, kmin, kmax, UNR_GRADIENT_DECAY_LO, UNR_GRADIENT_DECAY_HI));
    unr_buf_printf(&b, "}}");
    free(per);
    return unr_buf_finish(&b, json, err);
}
