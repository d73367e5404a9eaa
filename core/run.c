/* run.c - evaluate the unmodified network and a list of plans over images, on worker threads. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "forward.h"

#if defined(UNR_THREADS)
#include <pthread.h>
#define UNR_MAX_THREADS 64
#else
#define UNR_MAX_THREADS 1
#endif

enum { CHUNK = 4 }; /* images a thread claims at a time */

typedef struct job {
    const unr_model *model;
    const unr_plan *plans;
    const int *starts; /* first changed position of each plan */
    int num_plans;
    const unr_dataset *data;
    int first, count;
    int *predictions;
    float *probabilities;
    atomic_int next;      /* next image (relative to first) to claim */
    atomic_int done;      /* images finished */
    atomic_int cancelled;
} job;

typedef struct worker {
    job *job;
    unr_workspace *ws;
    unr_tally *tallies; /* [1 + num_plans]: baseline first */
    int is_caller;      /* the calling thread reports progress */
    const unr_run_options *options;
} worker;

void unr_tally_add(unr_tally *t, int label, int predicted)
{
    t->images++;
    t->class_total[label]++;
    if (predicted == label) {
        t->correct++;
        t->class_correct[label]++;
    }
}

/* Softmax of logits into out, without allocating (called per image and plan). */
static void softmax(const float *logits, float *out)
{
    float top = logits[0];
    for (int c = 1; c < UNR_CLASSES; c++) top = logits[c] > top ? logits[c] : top;
    float sum = 0;
    for (int c = 0; c < UNR_CLASSES; c++) sum += out[c] = expf(logits[c] - top);
    for (int c = 0; c < UNR_CLASSES; c++) out[c] /= sum;
}

static void *work(void *arg)
{
    worker *w = arg;
    job *j = w->job;
    const unr_model *m = j->model;
    float logits[UNR_CLASSES];
    for (;;) {
        if (atomic_load(&j->cancelled)) break;
        int begin = atomic_fetch_add(&j->next, CHUNK);
        if (begin >= j->count) break;
        int end = begin + CHUNK < j->count ? begin + CHUNK : j->count;
        for (int i = begin; i < end; i++) {
            const unsigned char *record =
                j->data->records + (size_t)(j->first + i) * UNR_CIFAR_RECORD;
            int label = record[0];
            unr_load_record(m, w->ws, record);
            unr_forward_base(m, w->ws, logits);
            int base = unr_argmax(logits);
            unr_tally_add(&w->tallies[0], label, base);
            if (j->predictions) j->predictions[i] = base;
            float *probs = j->probabilities;
            float base_probs[UNR_CLASSES];
            if (probs) {
                softmax(logits, base_probs);
                memcpy(probs + (size_t)i * UNR_CLASSES, base_probs, sizeof base_probs);
            }
            for (int p = 0; p < j->num_plans; p++) {
                int pred = base;
                float *out = probs ? probs + ((size_t)(1 + p) * j->count + i) * UNR_CLASSES : NULL;
                if (j->starts[p] < m->info.num_blocks) {
                    unr_forward_plan(m, w->ws, &j->plans[p], j->starts[p], logits);
                    pred = unr_argmax(logits);
                    if (out) softmax(logits, out);
                } else if (out) {
                    memcpy(out, base_probs, sizeof base_probs);
                }
                unr_tally_add(&w->tallies[1 + p], label, pred);
                if (j->predictions) j->predictions[(size_t)(1 + p) * j->count + i] = pred;
            }
        }
        int done = atomic_fetch_add(&j->done, end - begin) + (end - begin);
        const unr_run_options *o = w->options;
        if (w->is_caller && o->progress && o->progress(o->user, done, j->count))
            atomic_store(&j->cancelled, 1);
    }
    return NULL;
}

unr_run_options unr_run_defaults(void)
{
    unr_run_options o;
    memset(&o, 0, sizeof o);
    o.threads = 1;
    o.count = -1;
    return o;
}

unr_status unr_image_range(const unr_dataset *data, const unr_run_options *o, int *first,
                           int *count, unr_error *err)
{
    /* Compared without forming first + count, which overflows int for hostile ranges. */
    *first = o->first;
    if (*first < 0 || *first > data->count || (o->count >= 0 && o->count > data->count - *first))
        return unr_fail(err, UNR_ERR_ARGUMENT,
                        "images %lld..%lld are outside the dataset's %d images", (long long)*first + 1,
                        o->count < 0 ? (long long)data->count : (long long)*first + o->count,
                        data->count);
    *count = o->count < 0 ? data->count - *first : o->count;
    return UNR_OK;
}

unr_status unr_run_plans(const unr_model *model, const unr_plan *plans, int num_plans,
                         const unr_dataset *data, const unr_run_options *options,
                         unr_tally *baseline, unr_tally *tallies, unr_error *err)
{
    unr_run_options defaults = unr_run_defaults();
    const unr_run_options *o = options ? options : &defaults;
    if (!model || !data || !baseline || num_plans < 0 || (num_plans > 0 && (!plans || !tallies)))
        return unr_fail(err, UNR_ERR_ARGUMENT, "unr_run_plans: missing model, data or outputs");
    if (data->count < 0 || (data->count > 0 && !data->records))
        return unr_fail(err, UNR_ERR_ARGUMENT, "unr_run_plans: the dataset has no records");
    int first = 0, count = 0;
    unr_status range = unr_image_range(data, o, &first, &count, err);
    if (range) return range;
    /* unr_cifar_view checked the labels, but a dataset may be filled in by hand: a label indexes
     * the tallies. */
    for (int i = first; i < first + count; i++)
        if (data->records[(size_t)i * UNR_CIFAR_RECORD] >= UNR_CLASSES)
            return unr_fail(err, UNR_ERR_DATA, "record %d has label %u, not 0-9", i,
                            data->records[(size_t)i * UNR_CIFAR_RECORD]);
    for (int p = 0; p < num_plans; p++) {
        unr_status st = unr_plan_validate(model, &plans[p], err);
        if (st) {
            char why[sizeof err->message];
            memcpy(why, err->message, sizeof why);
            return unr_fail(err, st, "plan %d: %s", p + 1, why);
        }
    }
    int threads = o->threads < 1 ? 1 : o->threads;
    if (threads > UNR_MAX_THREADS) threads = UNR_MAX_THREADS;
    if (threads > (count + CHUNK - 1) / CHUNK) threads = count > 0 ? (count + CHUNK - 1) / CHUNK : 1;

    int *starts = calloc((size_t)num_plans + 1, sizeof *starts);
    worker *workers = calloc((size_t)threads, sizeof *workers);
    unr_tally *all = calloc((size_t)threads * (1 + num_plans), sizeof *all);
    job j = {.model = model, .plans = plans, .starts = starts, .num_plans = num_plans,
             .data = data, .first = first, .count = count, .predictions = o->predictions,
             .probabilities = o->probabilities};
    atomic_init(&j.next, 0);
    atomic_init(&j.done, 0);
    atomic_init(&j.cancelled, 0);
    unr_status st = UNR_OK;
    if (!starts || !workers || !all) st = unr_fail(err, UNR_ERR_NOMEM, "out of memory");
    for (int p = 0; !st && p < num_plans; p++) starts[p] = unr_plan_first_change(&plans[p]);
    for (int t = 0; !st && t < threads; t++) {
        workers[t] = (worker){.job = &j, .tallies = all + (size_t)t * (1 + num_plans),
                              .is_caller = t == 0, .options = o};
        workers[t].ws = unr_workspace_new(model, num_plans > 0);
        if (!workers[t].ws) st = unr_fail(err, UNR_ERR_NOMEM, "out of memory for activations");
    }
    if (!st) {
#if defined(UNR_THREADS)
        pthread_t ids[UNR_MAX_THREADS];
        int started = 1;
        for (; started < threads; started++)
            if (pthread_create(&ids[started], NULL, work, &workers[started]) != 0) break;
        work(&workers[0]); /* claims images until none are left, so a thread that failed to
                              start leaves nothing undone */
        for (int t = 1; t < started; t++) pthread_join(ids[t], NULL);
#else
        work(&workers[0]);
#endif
        memset(baseline, 0, sizeof *baseline);
        if (num_plans) memset(tallies, 0, (size_t)num_plans * sizeof *tallies);
        for (int t = 0; t < threads; t++)
            for (int p = 0; p <= num_plans; p++) {
                unr_tally *dst = p == 0 ? baseline : &tallies[p - 1];
                const unr_tally *src = &workers[t].tallies[p];
                dst->images += src->images;
                dst->correct += src->correct;
                for (int c = 0; c < UNR_CLASSES; c++) {
                    dst->class_total[c] += src->class_total[c];
                    dst->class_correct[c] += src->class_correct[c];
                }
            }
        if (atomic_load(&j.cancelled))
            st = unr_fail(err, UNR_ERR_CANCELLED, "cancelled after %d of %d images",
                          atomic_load(&j.done), count);
        else unr_ok(err);
    }
    for (int t = 0; workers && t < threads; t++) unr_workspace_free(workers[t].ws);
    free(workers);
    free(all);
    free(starts);
    return st;
}

unr_status unr_forward(const unr_model *model, const unr_plan *plan, const float *images, int n,
                       float *logits, unr_error *err)
{
    if (!model || (!images && n) || (!logits && n) || n < 0)
        return unr_fail(err, UNR_ERR_ARGUMENT, "unr_forward: missing model, images or logits");
    if (plan) {
        unr_status st = unr_plan_validate(model, plan, err);
        if (st) return st;
    }
    unr_workspace *ws = unr_workspace_new(model, 0);
    if (!ws) return unr_fail(err, UNR_ERR_NOMEM, "out of memory for activations");
    for (int i = 0; i < n; i++) {
        unr_load_float(model, ws, images + (size_t)i * 3 * 32 * 32);
        if (plan) unr_forward_plan(model, ws, plan, 0, logits + (size_t)i * UNR_CLASSES);
        else unr_forward_base(model, ws, logits + (size_t)i * UNR_CLASSES);
    }
    unr_workspace_free(ws);
    return unr_ok(err);
}
