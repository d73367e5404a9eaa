/* experiment.c - an experiment as data: the JSON spec (parse, defaults, canonical text), its
 * rows generated from the seed, and running it over images into additive tallies. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "experiment.h"
#include "json.h"
#include "forward.h" /* unr_image_range, unr_tally_add */
#include "model.h"
#include "strbuf.h"

#define MAX_SEED 9007199254740991.0 /* 2^53 - 1: exact in a JavaScript number */

static const char *const kind_names[] = {"eval", "delete-one", "delete-k", "reorder", "drop",
                                         "ensemble"};

const char *unr_experiment_kind_name(unr_experiment_kind kind)
{
    return (unsigned)kind < 6 ? kind_names[kind] : "unknown";
}

void unr_spec_defaults(unr_experiment_kind kind, unr_spec *s)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->trials = 10;
    s->seed = 1;
    s->rule = UNR_DROP_UNIFORM;
    if (kind == UNR_REORDER) s->swaps_min = 1, s->swaps_max = 10;
    if (kind == UNR_DROP) s->num_probs = 1, s->probs[0] = 0.5;
    if (kind == UNR_ENSEMBLE) {
        s->prob = 0.2;
        s->num_sizes = 6;
        for (int i = 0; i < 6; i++) s->sizes[i] = 1 << i;
    }
}

/* ---- parsing ------------------------------------------------------------------------------ */

typedef struct reader {
    const unr_json_doc *doc;
    const char *name;
    unr_error *err;
} reader;

__attribute__((format(printf, 3, 4))) static unr_status bad(const reader *r, const char *field,
                                                           const char *fmt, ...)
{
    char why[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return unr_fail(r->err, UNR_ERR_ARGUMENT, "%s: %s: %s", r->name, field, why);
}

/* Only the listed keys may appear in an object: a misspelt field must not be ignored. */
static unr_status only_keys(const reader *r, const unr_json_value *obj, const char *where,
                            const char *const *keys, int n)
{
    for (const unr_json_value *v = unr_json_child(r->doc, obj); v; v = unr_json_next(r->doc, v)) {
        int known = 0;
        for (int i = 0; i < n; i++) known |= !strcmp(v->key, keys[i]);
        if (!known) {
            char list[200] = "";
            for (int i = 0; i < n; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                         keys[i]);
            return bad(r, where, "unknown field '%s' (expected: %s)", v->key, list);
        }
    }
    return UNR_OK;
}

static unr_status get_int(const reader *r, const unr_json_value *v, const char *field,
                          long long lo, long long hi, int *out)
{
    if (!v || v->type != UNR_JSON_NUMBER || !v->is_int || v->i < lo || v->i > hi)
        return bad(r, field, "must be an integer from %lld to %lld", lo, hi);
    *out = (int)v->i;
    return UNR_OK;
}

static unr_status get_prob(const reader *r, const unr_json_value *v, const char *field,
                           double *out)
{
    if (!v || v->type != UNR_JSON_NUMBER || !(v->d >= 0 && v->d <= 1))
        return bad(r, field, "must be a probability from 0 to 1");
    *out = v->d;
    return UNR_OK;
}

static unr_status get_sha(const reader *r, const unr_json_value *v, const char *field, char *out)
{
    int ok = v && v->type == UNR_JSON_STRING && v->str_len == 64;
    for (size_t i = 0; ok && i < 64; i++)
        ok = (v->str[i] >= '0' && v->str[i] <= '9') || (v->str[i] >= 'a' && v->str[i] <= 'f');
    if (!ok) return bad(r, field, "must be a SHA-256 as 64 lowercase hex digits");
    memcpy(out, v->str, 65);
    return UNR_OK;
}

/* [lo, hi] with lo <= hi, each in [min, max]. */
static unr_status get_range(const reader *r, const unr_json_value *v, const char *field, int min,
                            int max, int *lo, int *hi)
{
    const unr_json_value *a = v && v->type == UNR_JSON_ARRAY && v->count == 2 ? unr_json_child(r->doc, v) : NULL;
    const unr_json_value *b = a ? unr_json_next(r->doc, a) : NULL;
    if (!a || a->type != UNR_JSON_NUMBER || !a->is_int || b->type != UNR_JSON_NUMBER || !b->is_int ||
        a->i < min || b->i > max || a->i > b->i)
        return bad(r, field, "must be [min, max], integers with %d <= min <= max <= %d", min, max);
    *lo = (int)a->i;
    *hi = (int)b->i;
    return UNR_OK;
}

/* Block numbers (1-based in JSON) into 0-based out; range checks wait for the model. */
static unr_status get_blocks(const reader *r, const unr_json_value *v, const char *field,
                             int *out, int *count)
{
    if (!v || v->type != UNR_JSON_ARRAY || v->count > UNR_MAX_BLOCKS)
        return bad(r, field, "must be an array of at most %d block numbers", UNR_MAX_BLOCKS);
    int n = 0;
    for (const unr_json_value *e = unr_json_child(r->doc, v); e; e = unr_json_next(r->doc, e)) {
        if (e->type != UNR_JSON_NUMBER || !e->is_int || e->i < 1 || e->i > UNR_MAX_BLOCKS)
            return bad(r, field, "element %d is not a block number 1..%d", n + 1, UNR_MAX_BLOCKS);
        out[n++] = (int)e->i - 1;
    }
    *count = n;
    return UNR_OK;
}

static unr_status get_rule(const reader *r, const unr_json_value *v, unr_drop_rule *rule)
{
    if (!v) return UNR_OK;
    if (v->type == UNR_JSON_STRING && !strcmp(v->str, "uniform")) *rule = UNR_DROP_UNIFORM;
    else if (v->type == UNR_JSON_STRING && !strcmp(v->str, "linear")) *rule = UNR_DROP_LINEAR;
    else return bad(r, "params.rule", "must be \"uniform\" or \"linear\"");
    return UNR_OK;
}

static unr_status parse_params(const reader *r, const unr_json_value *p, unr_spec *s)
{
    const unr_json_doc *d = r->doc;
    const unr_json_value *v;
    unr_status st = UNR_OK;
#define TRY(call) do { if ((st = (call)) != UNR_OK) return st; } while (0)
#define KEYS(...) do { static const char *const k_[] = {__VA_ARGS__}; \
        TRY(only_keys(r, p, "params", k_, (int)(sizeof k_ / sizeof *k_))); } while (0)
    switch (s->kind) {
    case UNR_EVAL:
        KEYS("deleted", "order");
        if ((v = unr_json_get(d, p, "deleted")))
            TRY(get_blocks(r, v, "params.deleted", s->deleted, &s->num_deleted));
        if ((v = unr_json_get(d, p, "order"))) {
            TRY(get_blocks(r, v, "params.order", s->order, &s->num_order));
            if (s->num_order == 0) return bad(r, "params.order", "must not be empty");
        }
        break;
    case UNR_DELETE_ONE:
        if (p->count) return bad(r, "params", "delete-one takes no parameters (got '%s')",
                                 unr_json_child(d, p)->key);
        break;
    case UNR_DELETE_K:
        KEYS("k", "trials", "eligible");
        if ((v = unr_json_get(d, p, "k")))
            TRY(get_range(r, v, "params.k", 1, 1 << 20, &s->k_min, &s->k_max));
        if ((v = unr_json_get(d, p, "eligible"))) {
            if (v->type == UNR_JSON_STRING && !strcmp(v->str, "paper")) s->eligible_all = 0;
            else if (v->type == UNR_JSON_STRING && !strcmp(v->str, "all")) s->eligible_all = 1;
            else return bad(r, "params.eligible", "must be \"paper\" or \"all\"");
        }
        break;
    case UNR_REORDER:
        KEYS("swaps", "trials");
        if ((v = unr_json_get(d, p, "swaps")))
            TRY(get_range(r, v, "params.swaps", 0, 1 << 20, &s->swaps_min, &s->swaps_max));
        break;
    case UNR_DROP:
        KEYS("probs", "rule", "trials");
        TRY(get_rule(r, unr_json_get(d, p, "rule"), &s->rule));
        if ((v = unr_json_get(d, p, "probs"))) {
            if (v->type != UNR_JSON_ARRAY || v->count < 1 || v->count > UNR_SPEC_MAX_LIST)
                return bad(r, "params.probs", "must be an array of 1 to %d probabilities",
                           UNR_SPEC_MAX_LIST);
            s->num_probs = 0;
            for (const unr_json_value *e = unr_json_child(d, v); e; e = unr_json_next(d, e))
                TRY(get_prob(r, e, "params.probs", &s->probs[s->num_probs++]));
        }
        break;
    case UNR_ENSEMBLE:
        KEYS("prob", "rule", "sizes", "trials");
        TRY(get_rule(r, unr_json_get(d, p, "rule"), &s->rule));
        if ((v = unr_json_get(d, p, "prob"))) TRY(get_prob(r, v, "params.prob", &s->prob));
        if ((v = unr_json_get(d, p, "sizes"))) {
            if (v->type != UNR_JSON_ARRAY || v->count < 1 || v->count > UNR_SPEC_MAX_LIST)
                return bad(r, "params.sizes", "must be an array of 1 to %d ensemble sizes",
                           UNR_SPEC_MAX_LIST);
            s->num_sizes = 0;
            for (const unr_json_value *e = unr_json_child(d, v); e; e = unr_json_next(d, e)) {
                int size = 0;
                TRY(get_int(r, e, "params.sizes", 1, 1024, &size));
                if (s->num_sizes && size <= s->sizes[s->num_sizes - 1])
                    return bad(r, "params.sizes", "must increase (%d follows %d)", size,
                               s->sizes[s->num_sizes - 1]);
                s->sizes[s->num_sizes++] = size;
            }
        }
        break;
    }
    if ((v = unr_json_get(d, p, "trials")))
        TRY(get_int(r, v, "params.trials", 1, 1000000, &s->trials));
    return UNR_OK;
#undef KEYS
#undef TRY
}

unr_status unr_spec_parse(const char *json, size_t len, const char *name, unr_spec *out,
                          unr_error *err)
{
    if (!json || !out) return unr_fail(err, UNR_ERR_ARGUMENT, "unr_spec_parse: no text or output");
    name = name ? name : "spec";
    unr_json_doc doc;
    unr_json_result jr = unr_json_parse(json, len, &doc);
    if (jr == UNR_JSON_NOMEM) return unr_fail(err, UNR_ERR_NOMEM, "%s: out of memory", name);
    if (jr != UNR_JSON_OK)
        return unr_fail(err, UNR_ERR_ARGUMENT, "%s: not valid JSON at byte %zu: %s", name,
                        doc.error_offset, doc.error);
    reader r = {&doc, name, err};
    unr_status st = UNR_OK;
    const unr_json_value *root = &doc.values[0], *v, *model, *kind;
    static const char *const top[] = {"model", "kind", "params", "seed", "images", "data_sha256"};
    static const char *const model_keys[] = {"name", "sha256"};
    if (root->type != UNR_JSON_OBJECT) {
        st = bad(&r, "spec", "must be a JSON object");
        goto done;
    }
    if ((st = only_keys(&r, root, "spec", top, 6))) goto done;
    kind = unr_json_get(&doc, root, "kind");
    int k = -1;
    for (int i = 0; kind && kind->type == UNR_JSON_STRING && i < 6; i++)
        if (!strcmp(kind->str, kind_names[i])) k = i;
    if (k < 0) {
        st = bad(&r, "kind", "must be one of eval, delete-one, delete-k, reorder, drop, ensemble");
        goto done;
    }
    unr_spec_defaults((unr_experiment_kind)k, out);
    model = unr_json_get(&doc, root, "model");
    if (!model || model->type != UNR_JSON_OBJECT) {
        st = bad(&r, "model", "must be an object {\"name\", \"sha256\"}");
        goto done;
    }
    if ((st = only_keys(&r, model, "model", model_keys, 2))) goto done;
    v = unr_json_get(&doc, model, "name");
    if (!v || v->type != UNR_JSON_STRING || v->str_len == 0 || v->str_len >= sizeof out->model_name ||
        strlen(v->str) != v->str_len) {
        st = bad(&r, "model.name", "must be a non-empty string of at most %zu bytes",
                 sizeof out->model_name - 1);
        goto done;
    }
    memcpy(out->model_name, v->str, v->str_len + 1);
    /* The name is printed and becomes a file name: no control characters (terminal escapes). */
    for (const unsigned char *c = (const unsigned char *)out->model_name; *c; c++)
        if (*c < 0x20 || *c == 0x7F || (c[0] == 0xC2 && c[1] >= 0x80 && c[1] < 0xA0)) {
            st = bad(&r, "model.name", "holds a control character");
            goto done;
        }
    if ((st = get_sha(&r, unr_json_get(&doc, model, "sha256"), "model.sha256", out->model_sha256)))
        goto done;
    if ((st = get_sha(&r, unr_json_get(&doc, root, "data_sha256"), "data_sha256", out->data_sha256)))
        goto done;
    if ((st = get_int(&r, unr_json_get(&doc, root, "images"), "images", 1, 1 << 30, &out->images)))
        goto done;
    if ((v = unr_json_get(&doc, root, "seed"))) {
        if (v->type != UNR_JSON_NUMBER || !v->is_int || v->i < 0 || (double)v->i > MAX_SEED) {
            st = bad(&r, "seed", "must be an integer from 0 to 2^53 - 1");
            goto done;
        }
        out->seed = (uint64_t)v->i;
    }
    v = unr_json_get(&doc, root, "params");
    if (v && v->type != UNR_JSON_OBJECT) {
        st = bad(&r, "params", "must be an object");
        goto done;
    }
    if (v) st = parse_params(&r, v, out);
    if (!st) unr_ok(err);
done:
    unr_json_free(&doc);
    return st;
}

/* ---- canonical text ---------------------------------------------------------------------- */

static int uses_trials(unr_experiment_kind kind) { return kind >= UNR_DELETE_K; }

void unr_spec_write(unr_strbuf *b, const unr_spec *s)
{
    unr_buf_printf(b, "{\"model\":{\"name\":");
    unr_buf_string(b, s->model_name);
    unr_buf_printf(b, ",\"sha256\":\"%s\"},\"kind\":\"%s\",\"params\":{", s->model_sha256,
                   unr_experiment_kind_name(s->kind));
    const char *rule = s->rule == UNR_DROP_LINEAR ? "linear" : "uniform";
    switch (s->kind) {
    case UNR_EVAL:
        unr_buf_printf(b, "\"deleted\":");
        unr_buf_blocks(b, s->deleted, s->num_deleted);
        if (s->num_order) {
            unr_buf_printf(b, ",\"order\":");
            unr_buf_blocks(b, s->order, s->num_order);
        }
        break;
    case UNR_DELETE_ONE: break;
    case UNR_DELETE_K:
        if (s->k_min) unr_buf_printf(b, "\"k\":[%d,%d],", s->k_min, s->k_max);
        unr_buf_printf(b, "\"eligible\":\"%s\"", s->eligible_all ? "all" : "paper");
        break;
    case UNR_REORDER: unr_buf_printf(b, "\"swaps\":[%d,%d]", s->swaps_min, s->swaps_max); break;
    case UNR_DROP:
        unr_buf_printf(b, "\"probs\":[");
        for (int i = 0; i < s->num_probs; i++) {
            if (i) unr_buf_printf(b, ",");
            unr_buf_number(b, s->probs[i]);
        }
        unr_buf_printf(b, "],\"rule\":\"%s\"", rule);
        break;
    case UNR_ENSEMBLE:
        unr_buf_printf(b, "\"prob\":");
        unr_buf_number(b, s->prob);
        unr_buf_printf(b, ",\"rule\":\"%s\",\"sizes\":[", rule);
        for (int i = 0; i < s->num_sizes; i++) unr_buf_printf(b, i ? ",%d" : "%d", s->sizes[i]);
        unr_buf_printf(b, "]");
        break;
    }
    if (uses_trials(s->kind)) unr_buf_printf(b, ",\"trials\":%d", s->trials);
    unr_buf_printf(b, "}");
    if (uses_trials(s->kind)) unr_buf_printf(b, ",\"seed\":%llu", (unsigned long long)s->seed);
    unr_buf_printf(b, ",\"images\":%d,\"data_sha256\":\"%s\"}", s->images, s->data_sha256);
}

unr_status unr_buf_finish(unr_strbuf *b, char **out, unr_error *err)
{
    if (b->failed || !b->text) {
        free(b->text);
        *out = NULL;
        return unr_fail(err, UNR_ERR_NOMEM, "out of memory writing JSON");
    }
    *out = b->text;
    return unr_ok(err);
}

unr_status unr_spec_json(const unr_spec *spec, char **json, unr_error *err)
{
    if (!spec || !json) return unr_fail(err, UNR_ERR_ARGUMENT, "unr_spec_json: no spec or output");
    unr_strbuf b = {0};
    unr_spec_write(&b, spec);
    return unr_buf_finish(&b, json, err);
}

/* ---- against a model ------------------------------------------------------------------- */

static int paper_eligible(const unr_model *m, int b) { return b != 0 && !m->blocks[b].downsample; }

static int group_count(const unr_spec *s)
{
    switch (s->kind) {
    case UNR_DELETE_K: return s->k_max - s->k_min + 1;
    case UNR_REORDER: return s->swaps_max - s->swaps_min + 1;
    case UNR_DROP: return s->num_probs;
    case UNR_ENSEMBLE: return s->num_sizes;
    default: return 1;
    }
}

static unr_status check_spec(const unr_model *m, unr_spec *s, long long *rows, long long *plans,
                             unr_error *err)
{
    int L = m->info.num_blocks;
    const char *name = s->model_name;
    if (s->kind == UNR_EVAL) {
        unsigned char seen[UNR_MAX_BLOCKS] = {0};
        for (int i = 0; i < s->num_deleted; i++) {
            int b = s->deleted[i];
            if (b >= L)
                return unr_fail(err, UNR_ERR_ARGUMENT, "params.deleted: block %d is outside 1..%d of %s",
                                b + 1, L, name);
            if (seen[b]++)
                return unr_fail(err, UNR_ERR_ARGUMENT, "params.deleted: block %d appears twice", b + 1);
        }
        if (s->num_order && s->num_order != L)
            return unr_fail(err, UNR_ERR_ARGUMENT, "params.order: gives %d blocks, %s has %d",
                            s->num_order, name, L);
    }
    if (s->kind == UNR_DELETE_K) {
        int eligible = 0;
        for (int b = 0; b < L; b++) eligible += s->eligible_all || paper_eligible(m, b);
        if (!s->k_min) {
            s->k_min = 1;
            s->k_max = eligible - 1 < 20 ? (eligible > 1 ? eligible - 1 : 1) : 20;
        }
        if (s->k_max > eligible)
            return unr_fail(err, UNR_ERR_ARGUMENT,
                            "params.k: %d exceeds the %d blocks %s may delete (eligible: %s)",
                            s->k_max, eligible, name, s->eligible_all ? "all" : "paper");
    }
    *rows = s->kind == UNR_EVAL ? 1 : s->kind == UNR_DELETE_ONE ? L
                                   : (long long)group_count(s) * s->trials;
    *plans = s->kind == UNR_ENSEMBLE ? (long long)s->trials * s->sizes[s->num_sizes - 1] : *rows;
    const char *kind = unr_experiment_kind_name(s->kind);
    char what[120] = "";
    switch (s->kind) {
    case UNR_DELETE_K: snprintf(what, sizeof what, "k %d-%d (%d values) x trials %d", s->k_min, s->k_max, group_count(s), s->trials); break;
    case UNR_REORDER: snprintf(what, sizeof what, "swaps %d-%d (%d values) x trials %d", s->swaps_min, s->swaps_max, group_count(s), s->trials); break;
    case UNR_DROP: snprintf(what, sizeof what, "%d probabilities x trials %d", s->num_probs, s->trials); break;
    case UNR_ENSEMBLE: snprintf(what, sizeof what, "trials %d x %d members", s->trials, s->sizes[s->num_sizes - 1]); break;
    default: snprintf(what, sizeof what, "%lld networks", *plans);
    }
    if (*rows > UNR_EXPERIMENT_MAX_ROWS || *plans > UNR_EXPERIMENT_MAX_ROWS)
        return unr_fail(err, UNR_ERR_ARGUMENT, "%s: %s = %lld networks; at most %d", kind, what,
                        *plans > *rows ? *plans : *rows, UNR_EXPERIMENT_MAX_ROWS);
    if (s->kind == UNR_REORDER) { /* drawing the swaps costs time too, before any image */
        double draws = 0.5 * ((double)s->swaps_min + s->swaps_max) * group_count(s) * s->trials;
        if (draws > UNR_EXPERIMENT_MAX_SWAPS)
            return unr_fail(err, UNR_ERR_ARGUMENT,
                            "%s: %s draws %.3g random swaps; at most %.0e (a few times %d x "
                            "log(%d) swaps already shuffle every stage)",
                            kind, what, draws, UNR_EXPERIMENT_MAX_SWAPS, L, L);
    }
    double work = (double)(*plans + 1) * s->images * L;
    if (work > UNR_EXPERIMENT_MAX_WORK)
        return unr_fail(err, UNR_ERR_ARGUMENT,
                        "%s: %s on %d images of %d blocks is %.3g block evaluations; at most %.0e "
                        "(use fewer images, trials or values)",
                        kind, what, s->images, L, work, UNR_EXPERIMENT_MAX_WORK);
    return UNR_OK;
}

static unr_status generate(const unr_model *m, const unr_experiment *e, unr_error *err)
{
    const unr_spec *s = &e->spec;
    unr_plan *out = e->plans;
    int L = m->info.num_blocks;
    switch (s->kind) {
    case UNR_EVAL: {
        unr_plan_identity(m, out);
        for (int i = 0; i < s->num_deleted; i++) out->keep[s->deleted[i]] = 0;
        if (s->num_order) memcpy(out->order, s->order, sizeof(int) * (size_t)L);
        unr_status st = unr_plan_validate(m, out, err);
        if (st) {
            char why[sizeof err->message];
            memcpy(why, err->message, sizeof why);
            return unr_fail(err, UNR_ERR_ARGUMENT, "params.order: %s", why);
        }
        return UNR_OK;
    }
    case UNR_DELETE_ONE: return unr_plans_delete_one(m, out, err);
    case UNR_DELETE_K: {
        unsigned char eligible[UNR_MAX_BLOCKS];
        for (int b = 0; b < L; b++) eligible[b] = (unsigned char)(s->eligible_all || paper_eligible(m, b));
        return unr_plans_delete_k_from(m, eligible, s->k_min, s->k_max, s->trials, s->seed, out, err);
    }
    case UNR_REORDER:
        return unr_plans_reorder(m, s->swaps_min, s->swaps_max, s->trials, s->seed, out, err);
    case UNR_DROP:
        return unr_plans_drop(m, s->probs, s->num_probs, s->rule, s->trials, s->seed, out, err);
    case UNR_ENSEMBLE:
        return unr_plans_drop(m, &s->prob, 1, s->rule, e->num_plans, s->seed, out, err);
    }
    return unr_fail(err, UNR_ERR_ARGUMENT, "unknown experiment kind %d", (int)s->kind);
}

unr_status unr_experiment_new(const unr_model *model, const unr_spec *spec, unr_experiment **out,
                              unr_error *err)
{
    if (!model || !spec || !out)
        return unr_fail(err, UNR_ERR_ARGUMENT, "unr_experiment_new: missing model, spec or output");
    *out = NULL;
    if ((unsigned)spec->kind > UNR_ENSEMBLE)
        return unr_fail(err, UNR_ERR_ARGUMENT, "kind: unknown experiment kind %d", (int)spec->kind);
    unr_experiment *e = calloc(1, sizeof *e);
    if (!e) return unr_fail(err, UNR_ERR_NOMEM, "out of memory");
    /* Through the canonical text and back: a spec built in C gets every check a parsed one does. */
    char *text = NULL;
    unr_status st = unr_spec_json(spec, &text, err);
    if (!st) st = unr_spec_parse(text, strlen(text), "spec", &e->spec, err);
    free(text);
    long long rows = 0, plans = 0;
    if (!st) st = check_spec(model, &e->spec, &rows, &plans, err);
    if (!st) {
        e->rows = (int)rows;
        e->num_plans = (int)plans;
        e->num_blocks = model->info.num_blocks;
        e->plans = malloc((size_t)plans * sizeof *e->plans);
        if (!e->plans) st = unr_fail(err, UNR_ERR_NOMEM, "out of memory for %lld plans", plans);
    }
    if (!st) st = generate(model, e, err);
    if (!st) {
        e->tau = calloc((size_t)e->num_plans, sizeof *e->tau);
        if (!e->tau) st = unr_fail(err, UNR_ERR_NOMEM, "out of memory");
        for (int i = 0; !st && i < e->num_plans; i++) e->tau[i] = unr_plan_kendall_tau(&e->plans[i]);
    }
    if (st) {
        unr_experiment_free(e);
        return st;
    }
    *out = e;
    return unr_ok(err);
}

void unr_experiment_free(unr_experiment *e)
{
    if (!e) return;
    free(e->plans);
    free(e->tau);
    free(e);
}

const unr_spec *unr_experiment_spec(const unr_experiment *e) { return &e->spec; }
int unr_experiment_rows(const unr_experiment *e) { return e->rows; }
int unr_experiment_num_plans(const unr_experiment *e) { return e->num_plans; }
const unr_plan *unr_experiment_plans(const unr_experiment *e) { return e->plans; }

/* ---- rows ------------------------------------------------------------------------------ */

static void write_deleted(unr_strbuf *b, const unr_plan *p)
{
    int del[UNR_MAX_BLOCKS], n = 0;
    for (int i = 0; i < p->num_blocks; i++)
        if (!p->keep[i]) del[n++] = i;
    unr_buf_blocks(b, del, n);
}

void unr_experiment_write_row(unr_strbuf *b, const unr_experiment *e, int row)
{
    const unr_spec *s = &e->spec;
    int T = s->trials, g = row / T, t = row % T;
    if (s->kind == UNR_ENSEMBLE) {
        int size = s->sizes[g], M = s->sizes[s->num_sizes - 1];
        unr_buf_printf(b, "{\"size\":%d,\"trial\":%d,\"prob\":", size, t);
        unr_buf_number(b, s->prob);
        unr_buf_printf(b, ",\"members\":[");
        for (int m = 0; m < size; m++) {
            if (m) unr_buf_printf(b, ",");
            write_deleted(b, &e->plans[t * M + m]);
        }
        unr_buf_printf(b, "]");
        return;
    }
    const unr_plan *p = &e->plans[row];
    unr_buf_printf(b, "{\"deleted\":");
    write_deleted(b, p);
    if (s->kind == UNR_REORDER || (s->kind == UNR_EVAL && s->num_order)) {
        unr_buf_printf(b, ",\"order\":");
        unr_buf_blocks(b, p->order, p->num_blocks);
        unr_buf_printf(b, ",\"tau\":");
        unr_buf_number(b, e->tau[row]);
    }
    if (s->kind == UNR_DELETE_K) unr_buf_printf(b, ",\"k\":%d", s->k_min + g);
    if (s->kind == UNR_REORDER) unr_buf_printf(b, ",\"swaps\":%d", s->swaps_min + g);
    if (s->kind == UNR_DROP) {
        unr_buf_printf(b, ",\"prob\":");
        unr_buf_number(b, s->probs[g]);
    }
    if (uses_trials(s->kind)) unr_buf_printf(b, ",\"trial\":%d", t);
}

unr_status unr_experiment_rows_json(const unr_experiment *e, char **json, unr_error *err)
{
    if (!e || !json) return unr_fail(err, UNR_ERR_ARGUMENT, "unr_experiment_rows_json: no experiment or output");
    unr_strbuf b = {0};
    unr_buf_printf(&b, "[");
    for (int r = 0; r < e->rows; r++) {
        if (r) unr_buf_printf(&b, ",");
        unr_experiment_write_row(&b, e, r);
        unr_buf_printf(&b, "}");
    }
    unr_buf_printf(&b, "]");
    return unr_buf_finish(&b, json, err);
}

/* ---- running ------------------------------------------------------------------------------ */

typedef struct offset_progress {
    const unr_run_options *outer;
    int offset, total;
} offset_progress;

/* Progress of one ensemble piece as progress over the caller's whole range. */
static int piece_progress(void *user, int done, int total)
{
    (void)total;
    offset_progress *p = user;
    return p->outer->progress(p->outer->user, p->offset + done, p->total);
}

enum { ENSEMBLE_FLOATS = 1 << 22 }; /* 16 MB of member probabilities per piece of images */

/* Members' softmax outputs for a piece of images at a time, averaged per trial. */
static unr_status run_ensemble(const unr_model *m, const unr_experiment *e, const unr_dataset *data,
                               const unr_run_options *o, int first, int count, unr_tally *tallies,
                               unr_error *err)
{
    const unr_spec *s = &e->spec;
    int P = e->num_plans, T = s->trials, M = s->sizes[s->num_sizes - 1];
    size_t per_image = (size_t)(1 + P) * UNR_CLASSES;
    int piece = (int)(ENSEMBLE_FLOATS / per_image);
    piece = piece < 8 ? 8 : piece > count ? (count > 0 ? count : 1) : piece;
    float *probs = malloc(per_image * (size_t)piece * sizeof *probs);
    int *preds = malloc((size_t)(1 + P) * (size_t)piece * sizeof *preds);
    unr_tally *member_tallies = malloc((size_t)P * sizeof *member_tallies);
    int size_index[1025];
    for (int i = 0; i <= M; i++) size_index[i] = -1;
    for (int i = 0; i < s->num_sizes; i++) size_index[s->sizes[i]] = i;
    unr_status st = UNR_OK;
    if (!probs || !preds || !member_tallies) st = unr_fail(err, UNR_ERR_NOMEM, "out of memory for ensemble members");
    for (int start = 0; !st && start < count; start += piece) {
        int n = count - start < piece ? count - start : piece;
        offset_progress op = {o, start, count};
        unr_run_options sub = *o;
        sub.first = first + start;
        sub.count = n;
        sub.predictions = preds;
        sub.probabilities = probs;
        sub.progress = o->progress ? piece_progress : NULL;
        sub.user = &op;
        unr_tally base;
        st = unr_run_plans(m, e->plans, P, data, &sub, &base, member_tallies, err);
        if (st) break;
        for (int i = 0; i < n; i++) {
            int label = data->records[(size_t)(first + start + i) * UNR_CIFAR_RECORD];
            unr_tally_add(&tallies[0], label, preds[i]);
            if (o->predictions) o->predictions[start + i] = preds[i];
            for (int t = 0; t < T; t++) {
                double sum[UNR_CLASSES] = {0};
                for (int k = 0; k < M; k++) {
                    int plan = t * M + k;
                    const float *p = probs + ((size_t)(1 + plan) * n + i) * UNR_CLASSES;
                    for (int c = 0; c < UNR_CLASSES; c++) sum[c] += p[c];
                    int g = size_index[k + 1];
                    if (g < 0) continue;
                    /* One member is its own prediction (argmax of logits, as the drop sweep). */
                    int pred = preds[(size_t)(1 + plan) * n + i];
                    if (k > 0) {
                        pred = 0;
                        for (int c = 1; c < UNR_CLASSES; c++) pred = sum[c] > sum[pred] ? c : pred;
                    }
                    int row = g * T + t;
                    unr_tally_add(&tallies[1 + row], label, pred);
                    if (o->predictions) o->predictions[(size_t)(1 + row) * count + start + i] = pred;
                }
            }
        }
    }
    free(probs);
    free(preds);
    free(member_tallies);
    return st;
}

unr_status unr_experiment_run(const unr_model *model, const unr_experiment *e,
                              const unr_dataset *data, const unr_run_options *options,
                              unr_tally *tallies, unr_error *err)
{
    unr_run_options defaults = unr_run_defaults();
    const unr_run_options *o = options ? options : &defaults;
    if (!model || !e || !data || !tallies)
        return unr_fail(err, UNR_ERR_ARGUMENT, "unr_experiment_run: missing model, experiment, data or tallies");
    if (model->info.num_blocks != e->num_blocks)
        return unr_fail(err, UNR_ERR_ARGUMENT, "the experiment is for a model of %d blocks, this one has %d",
                        e->num_blocks, model->info.num_blocks);
    int first = 0, count = 0;
    unr_status range = unr_image_range(data, o, &first, &count, err);
    if (range) return range;
    if (count > e->spec.images)
        return unr_fail(err, UNR_ERR_ARGUMENT, "%d images asked for; the spec has %d", count,
                        e->spec.images);
    if (e->spec.kind != UNR_ENSEMBLE) {
        unr_run_options plain = *o;
        plain.probabilities = NULL;
        return unr_run_plans(model, e->plans, e->num_plans, data, &plain, &tallies[0], &tallies[1], err);
    }
    memset(tallies, 0, (size_t)(1 + e->rows) * sizeof *tallies);
    unr_status st = run_ensemble(model, e, data, o, first, count, tallies, err);
    return st ? st : unr_ok(err);
}
