/* test_plans.c - plan semantics: deletion, reordering, resumption from the cache, seeded sweeps,
 * threads, path statistics. Usage: test_plans MODEL.safetensors (a residual model without
 * residual_scale metadata; tests/golden holds them). */
#include <math.h>

#include "forward.h"
#include "safetensors.h"
#include "testutil.h"
#include "unravel.h"

static unsigned char *model_bytes;
static size_t model_len;

static unr_model *load(const unsigned char *bytes, size_t len)
{
    unr_model *m = NULL;
    unr_error err;
    if (unr_model_load(bytes, len, "test model", &m, &err)) fprintf(stderr, "%s\n", err.message);
    return m;
}

/* The same file with unravel.residual_scale set: scale 0 removes a residual branch by arithmetic
 * rather than by the plan's skipping, an independent route to the same network. */
static unr_model *load_with_scales(const float *scales, int L)
{
    uint64_t hlen = 0;
    for (int i = 0; i < 8; i++) hlen |= (uint64_t)model_bytes[i] << (8 * i);
    const char *header = (const char *)model_bytes + 8;
    const char *key = "\"__metadata__\"";
    const char *at = NULL;
    for (size_t i = 0; i + strlen(key) <= hlen; i++)
        if (!memcmp(header + i, key, strlen(key))) at = header + i;
    if (!at) return NULL;
    const char *brace = memchr(at, '{', hlen - (size_t)(at - header));
    size_t pre = (size_t)(brace + 1 - header);
    char insert[8192];
    size_t n = (size_t)snprintf(insert, sizeof insert, "\"unravel.residual_scale\":\"");
    for (int b = 0; b < L; b++) n += (size_t)snprintf(insert + n, sizeof insert - n, b ? ",%g" : "%g", (double)scales[b]);
    n += (size_t)snprintf(insert + n, sizeof insert - n, "\",");
    size_t new_hlen = hlen + n, data_len = model_len - 8 - hlen;
    unsigned char *out = malloc(8 + new_hlen + data_len);
    for (int i = 0; i < 8; i++) out[i] = (unsigned char)(new_hlen >> (8 * i));
    memcpy(out + 8, header, pre);
    memcpy(out + 8 + pre, insert, n);
    memcpy(out + 8 + pre + n, header + pre, hlen - pre);
    memcpy(out + 8 + new_hlen, model_bytes + 8 + hlen, data_len);
    unr_model *m = load(out, 8 + new_hlen + data_len);
    free(out);
    return m;
}

static void random_images(float *img, int n, unsigned seed)
{
    unr_rng r;
    unr_rng_seed(&r, seed);
    for (int i = 0; i < n * 3072; i++) img[i] = (float)(unr_rng_uniform(&r) * 4.0 - 2.0);
}

static unsigned char *random_records(int n, unsigned seed)
{
    unsigned char *rec = malloc((size_t)n * UNR_CIFAR_RECORD);
    unr_rng r;
    unr_rng_seed(&r, seed);
    for (size_t i = 0; i < (size_t)n * UNR_CIFAR_RECORD; i++) rec[i] = (unsigned char)unr_rng_below(&r, 256);
    for (int i = 0; i < n; i++) rec[(size_t)i * UNR_CIFAR_RECORD] %= 10;
    return rec;
}

static float max_diff(const float *a, const float *b, int n)
{
    float d = 0;
    for (int i = 0; i < n; i++) d = fmaxf(d, fabsf(a[i] - b[i]));
    return d;
}

enum { N_IMG = 3 };

/* Deleting block b equals the network whose block b has residual scale 0; deleting all blocks
 * equals all scales 0. */
static void test_delete_equals_zero_scale(const unr_model *m)
{
    int L = unr_model_get_info(m)->num_blocks;
    float img[N_IMG * 3072], a[N_IMG * 10], b[N_IMG * 10], scales[UNR_MAX_BLOCKS];
    random_images(img, N_IMG, 11);
    unr_error err;
    for (int del = -1; del < L; del++) { /* -1: delete every block */
        unr_plan plan;
        unr_plan_identity(m, &plan);
        for (int i = 0; i < L; i++) {
            scales[i] = (del < 0 || i == del) ? 0.0f : 1.0f;
            if (del < 0 || i == del) plan.keep[i] = 0;
        }
        unr_model *zero = load_with_scales(scales, L);
        CHECK(zero != NULL, "model with residual_scale did not load");
        if (!zero) return;
        CHECK(unr_forward(m, &plan, img, N_IMG, a, &err) == UNR_OK, "%s", err.message);
        CHECK(unr_forward(zero, NULL, img, N_IMG, b, &err) == UNR_OK, "%s", err.message);
        CHECK(max_diff(a, b, N_IMG * 10) <= 1e-6f, "deleting block %d differs from scale 0 by %g",
              del + 1, (double)max_diff(a, b, N_IMG * 10));
        unr_model_free(zero);
    }
}

/* A plan resumed from the cached activations gives exactly the logits of running it from the
 * image, for deletions and reorderings. */
static void test_resume_equals_scratch(const unr_model *m)
{
    int L = unr_model_get_info(m)->num_blocks;
    unr_plan plans[UNR_MAX_BLOCKS + 8];
    unr_error err;
    unr_plans_delete_one(m, plans, &err);
    int n = L;
    if (unr_model_get_info(m)->blocks_per_stage >= 3) {
        CHECK(unr_plans_reorder(m, 1, 2, 2, 5, plans + n, &err) == UNR_OK, "%s", err.message);
        n += 4;
    }
    CHECK(unr_plans_delete_k(m, 2, 2, 2, 9, plans + n, &err) == UNR_OK, "%s", err.message);
    n += 2;
    unr_workspace *cached = unr_workspace_new(m, 1), *plain = unr_workspace_new(m, 0);
    float img[3072], base[10], a[10], b[10], ref[10];
    random_images(img, 1, 3);
    unr_load_float(m, cached, img);
    unr_load_float(m, plain, img);
    unr_forward_base(m, cached, base);
    unr_forward_base(m, plain, ref);
    CHECK(max_diff(base, ref, 10) == 0, "baseline with and without cache differ");
    for (int p = 0; p < n; p++) {
        int start = unr_plan_first_change(&plans[p]);
        if (start == L) continue; /* two swaps can undo each other */
        unr_forward_plan(m, cached, &plans[p], start, a);
        unr_forward_plan(m, plain, &plans[p], 0, b);
        CHECK(max_diff(a, b, 10) == 0, "plan %d resumed at %d differs by %g", p, start,
              (double)max_diff(a, b, 10));
    }
    unr_workspace_free(cached);
    unr_workspace_free(plain);
}

/* unr_run_plans on records: predictions equal unr_forward on the same images normalised as
 * FORMAT.md says, and do not depend on the number of threads. */
static void test_run_plans(const unr_model *m)
{
    const unr_model_info *in = unr_model_get_info(m);
    int L = in->num_blocks, n = 37;
    unsigned char *rec = random_records(n, 21);
    unr_dataset set;
    unr_error err;
    CHECK(unr_cifar_view(rec, (size_t)n * UNR_CIFAR_RECORD, "random", &set, &err) == UNR_OK, "%s", err.message);
    unr_plan *plans = malloc(sizeof *plans * (size_t)L);
    unr_plans_delete_one(m, plans, &err);
    int *pred1 = malloc(sizeof(int) * (size_t)(L + 1) * n), *pred2 = malloc(sizeof(int) * (size_t)(L + 1) * n);
    unr_tally base1, base2, *t1 = malloc(sizeof *t1 * (size_t)L), *t2 = malloc(sizeof *t2 * (size_t)L);
    unr_run_options o = unr_run_defaults();
    o.predictions = pred1;
    CHECK(unr_run_plans(m, plans, L, &set, &o, &base1, t1, &err) == UNR_OK, "%s", err.message);
    o.predictions = pred2;
    o.threads = 2;
    CHECK(unr_run_plans(m, plans, L, &set, &o, &base2, t2, &err) == UNR_OK, "%s", err.message);
    CHECK(!memcmp(pred1, pred2, sizeof(int) * (size_t)(L + 1) * n), "1 and 2 threads predict differently");
    CHECK(!memcmp(&base1, &base2, sizeof base1) && !memcmp(t1, t2, sizeof *t1 * (size_t)L), "tallies differ with threads");
    CHECK(base1.images == n, "baseline counted %d images", base1.images);

    float *img = malloc(sizeof(float) * 3072 * (size_t)n), *logits = malloc(sizeof(float) * 10 * (size_t)n);
    for (int i = 0; i < n; i++)
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < 1024; p++)
                img[(size_t)i * 3072 + c * 1024 + p] =
                    ((float)rec[(size_t)i * UNR_CIFAR_RECORD + 1 + c * 1024 + p] / 255.0f - in->mean[c]) / in->std[c];
    for (int p = -1; p < L; p++) {
        CHECK(unr_forward(m, p < 0 ? NULL : &plans[p], img, n, logits, &err) == UNR_OK, "%s", err.message);
        int correct = 0;
        for (int i = 0; i < n; i++) {
            int pr = unr_argmax(logits + 10 * i);
            CHECK(pred1[(size_t)(p + 1) * n + i] == pr, "plan %d image %d: run_plans %d, forward %d", p, i,
                  pred1[(size_t)(p + 1) * n + i], pr);
            correct += pr == rec[(size_t)i * UNR_CIFAR_RECORD];
        }
        CHECK((p < 0 ? base1.correct : t1[p].correct) == correct, "plan %d tally", p);
    }

    /* Image ranges: the second half alone gives the second half's predictions. */
    o = unr_run_defaults();
    o.first = 20;
    o.count = n - 20;
    o.predictions = pred2;
    CHECK(unr_run_plans(m, plans, 1, &set, &o, &base2, t2, &err) == UNR_OK, "%s", err.message);
    CHECK(!memcmp(pred2, pred1 + 20, sizeof(int) * (size_t)(n - 20)), "image range predictions");
    o.count = n;
    CHECK(unr_run_plans(m, plans, 1, &set, &o, &base2, t2, &err) == UNR_ERR_ARGUMENT, "range past the end accepted");

    /* Drop with p = 0 is the baseline; p = 1 deletes everything. */
    double probs[2] = {0.0, 1.0};
    unr_plan drop[4];
    CHECK(unr_plans_drop(m, probs, 2, UNR_DROP_UNIFORM, 2, 4, drop, &err) == UNR_OK, "%s", err.message);
    CHECK(unr_plan_is_identity(&drop[0]) && unr_plan_is_identity(&drop[1]), "p = 0 dropped a block");
    o = unr_run_defaults();
    unr_tally td[4];
    CHECK(unr_run_plans(m, drop, 4, &set, &o, &base2, td, &err) == UNR_OK, "%s", err.message);
    CHECK(td[0].correct == base1.correct && td[1].correct == base1.correct, "p = 0 differs from the baseline");
    for (int b = 0; b < L; b++) CHECK(!drop[2].keep[b] && !drop[3].keep[b], "p = 1 kept block %d", b + 1);

    /* Cancellation stops the run with its own status. */
    free(rec);
    free(plans);
    free(pred1);
    free(pred2);
    free(t1);
    free(t2);
    free(img);
    free(logits);
}

static int cancel_now(void *user, int done, int total)
{
    (void)user, (void)total;
    return done > 0;
}

static void test_cancel(const unr_model *m)
{
    int n = 40;
    unsigned char *rec = random_records(n, 5);
    unr_dataset set = {rec, n};
    unr_run_options o = unr_run_defaults();
    o.progress = cancel_now;
    unr_tally base;
    unr_error err;
    CHECK(unr_run_plans(m, NULL, 0, &set, &o, &base, NULL, &err) == UNR_ERR_CANCELLED, "not cancelled");
    CHECK(base.images < n, "cancelled run evaluated all %d images", base.images);
    free(rec);
}

static void test_seeds(const unr_model *m)
{
    int L = unr_model_get_info(m)->num_blocks;
    unr_plan a[12], b[12];
    unr_error err;
    CHECK(unr_plans_delete_k(m, 1, 3, 4, 42, a, &err) == UNR_OK, "%s", err.message);
    CHECK(unr_plans_delete_k(m, 1, 3, 4, 42, b, &err) == UNR_OK, "%s", err.message);
    CHECK(!memcmp(a, b, sizeof a), "delete-k: same seed, different plans");
    for (int i = 0; i < 12; i++) {
        int deleted = 0;
        for (int k = 0; k < L; k++) deleted += !a[i].keep[k];
        CHECK(deleted == 1 + i / 4, "delete-k plan %d deletes %d blocks", i, deleted);
    }
    CHECK(unr_plans_delete_k(m, 1, 3, 4, 43, b, &err) == UNR_OK, "%s", err.message);
    CHECK(memcmp(a, b, sizeof a) != 0, "delete-k: different seeds, same plans");
    /* Each k draws from its own stream: k = 2's plans are the same asked alone. */
    CHECK(unr_plans_delete_k(m, 2, 2, 4, 42, b, &err) == UNR_OK, "%s", err.message);
    CHECK(!memcmp(a + 4, b, 4 * sizeof *a), "delete-k: k = 2 alone draws other plans than in 1-3");
    if (unr_model_get_info(m)->blocks_per_stage >= 3) {
        CHECK(unr_plans_reorder(m, 1, 3, 4, 7, a, &err) == UNR_OK, "%s", err.message);
        CHECK(unr_plans_reorder(m, 1, 3, 4, 7, b, &err) == UNR_OK, "%s", err.message);
        CHECK(!memcmp(a, b, sizeof a), "reorder: same seed, different plans");
        for (int i = 0; i < 12; i++) {
            CHECK(unr_plan_validate(m, &a[i], &err) == UNR_OK, "reorder made an invalid plan: %s", err.message);
            CHECK(unr_plan_kendall_tau(&a[i]) <= 1.0, "tau");
        }
    }
    double p[1] = {0.5};
    CHECK(unr_plans_drop(m, p, 1, UNR_DROP_LINEAR, 12, 3, a, &err) == UNR_OK, "%s", err.message);
    CHECK(unr_plans_drop(m, p, 1, UNR_DROP_LINEAR, 12, 3, b, &err) == UNR_OK, "%s", err.message);
    CHECK(!memcmp(a, b, sizeof a), "drop: same seed, different plans");
    CHECK(unr_plans_delete_k(m, 2, 1, 1, 1, a, &err) == UNR_ERR_ARGUMENT, "k range 2-1 accepted");
    CHECK(unr_plans_delete_k(m, 1, L + 1, 1, 1, NULL, &err) == UNR_ERR_ARGUMENT, "k beyond L accepted");
    CHECK(unr_plans_drop(m, (double[]){1.5}, 1, UNR_DROP_UNIFORM, 1, 1, a, &err) == UNR_ERR_ARGUMENT, "p 1.5 accepted");
}

/* SplitMix64 known answers (seed 1234567), and the derived draws stay in range. */
static void test_rng(void)
{
    static const uint64_t expect[3] = {6457827717110365317ull, 3203168211198807973ull,
                                       9817491932198370423ull};
    unr_rng r;
    unr_rng_seed(&r, 1234567);
    for (int i = 0; i < 3; i++) {
        uint64_t v = unr_rng_next(&r);
        CHECK(v == expect[i], "splitmix64 output %d is %llu", i, (unsigned long long)v);
    }
    /* Stream 3 of the seed: state = seed ^ splitmix64(3) (known answer from a Python model). */
    unr_rng s;
    unr_rng_seed_stream(&s, 1234567, 3);
    uint64_t first = unr_rng_next(&s);
    CHECK(first == 9199157415878859133ull, "stream 3 of seed 1234567 starts %llu",
          (unsigned long long)first);
    int hist[5] = {0};
    for (int i = 0; i < 50000; i++) {
        uint32_t v = unr_rng_below(&r, 5);
        CHECK(v < 5, "below(5) gave %u", v);
        if (v < 5) hist[v]++;
        double u = unr_rng_uniform(&r);
        CHECK(u >= 0 && u < 1, "uniform gave %g", u);
    }
    for (int i = 0; i < 5; i++) CHECK(abs(hist[i] - 10000) < 500, "below(5) bucket %d has %d", i, hist[i]);
}

static void test_invalid_orders(const unr_model *m)
{
    const unr_model_info *in = unr_model_get_info(m);
    int L = in->num_blocks, n = in->blocks_per_stage;
    unr_plan p;
    unr_error err;
    unr_plan_identity(m, &p);
    CHECK(unr_plan_validate(m, &p, &err) == UNR_OK, "identity refused: %s", err.message);
    CHECK(unr_plan_kendall_tau(&p) == 1.0, "identity tau %g", unr_plan_kendall_tau(&p));
    p.order[1] = 0; /* duplicate */
    CHECK(unr_plan_validate(m, &p, &err) == UNR_ERR_PLAN && strstr(err.message, "twice"), "duplicate: %s", err.message);
    unr_plan_identity(m, &p);
    p.order[0] = L; /* out of range */
    CHECK(unr_plan_validate(m, &p, &err) == UNR_ERR_PLAN && strstr(err.message, "outside"), "range: %s", err.message);
    unr_plan_identity(m, &p);
    p.order[n] = n + 1, p.order[n + 1] = n; /* moves the downsampling block n+1 */
    CHECK(unr_plan_validate(m, &p, &err) == UNR_ERR_PLAN && strstr(err.message, "downsamples"), "downsampling: %s", err.message);
    if (n >= 2) {
        unr_plan_identity(m, &p);
        p.order[n - 1] = 2 * n - 1, p.order[2 * n - 1] = n - 1; /* last of stage 1 <-> last of stage 2 */
        CHECK(unr_plan_validate(m, &p, &err) == UNR_ERR_PLAN && strstr(err.message, "shapes differ"), "stages: %s", err.message);
    }
    if (n >= 3) {
        unr_plan_identity(m, &p);
        p.order[1] = 2, p.order[2] = 1; /* one adjacent swap: legal, tau = 1 - 2 / C(L,2) */
        CHECK(unr_plan_validate(m, &p, &err) == UNR_OK, "legal swap refused: %s", err.message);
        double expect = 1.0 - 2.0 / (L * (L - 1) / 2.0);
        CHECK(fabs(unr_plan_kendall_tau(&p) - expect) < 1e-12, "tau %g, expected %g", unr_plan_kendall_tau(&p), expect);
    }
    unr_plan_identity(m, &p);
    p.num_blocks = L - 1;
    CHECK(unr_plan_validate(m, &p, &err) == UNR_ERR_PLAN, "wrong block count accepted");
    float img[3072], lg[10];
    random_images(img, 1, 1);
    CHECK(unr_forward(m, &p, img, 1, lg, &err) == UNR_ERR_PLAN, "forward ran an invalid plan");
}

static void test_paths(void)
{
    double c[55], f[55];
    unr_paths_length_counts(54, c);
    double sum = 0;
    for (int k = 0; k <= 54; k++) sum += c[k];
    CHECK(sum == unr_paths_total(54), "C(54,k) sum %g", sum);
    CHECK(c[27] == 1946939425648112.0, "C(54,27) = %.17g", c[27]);
    CHECK(c[1] == 54 && c[53] == 54 && c[0] == 1, "edges");
    unr_paths_remaining(4, 1, f);
    CHECK(f[0] == 1 && f[1] == 0.75 && f[2] == 0.5 && f[3] == 0.25 && f[4] == 0, "n=4 d=1: %g %g %g %g %g", f[0], f[1], f[2], f[3], f[4]);
    unr_paths_remaining(54, 10, f);
    /* C(44,20)/C(54,20) */
    double num = 1, den = 1;
    for (int i = 0; i < 20; i++) num *= (44.0 - i) / (20 - i), den *= (54.0 - i) / (20 - i);
    CHECK(fabs(f[20] - num / den) < 1e-12 * (num / den), "n=54 d=10 x=20: %g vs %g", f[20], num / den);
    CHECK(f[45] == 0, "length 45 survives 10 deletions of 54");

    /* The JSON the CLI and the page show: the same numbers, shortest round-trip text. */
    char *json = NULL;
    unr_error err;
    CHECK(unr_paths_json(4, 0, 1, &json, &err) == UNR_OK, "paths JSON: %s", err.message);
    const char *want = "{\"num_blocks\":4,\"paths\":16,\"length_counts\":[1,4,6,4,1],\"remaining\":["
                       "{\"deleted\":0,\"fraction\":[1,1,1,1,1]},{\"deleted\":1,\"fraction\":[1,0.75,0.5,0.25,0]}]}";
    CHECK(json && !strcmp(json, want), "paths JSON:\n  %s\n  want %s", json ? json : "(null)", want);
    free(json);
    const int bad[][3] = {{-1, 0, 0}, {UNR_MAX_BLOCKS + 1, 0, 0}, {4, -1, 0}, {4, 2, 1}, {4, 0, 5}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json = (char *)"untouched";
        CHECK(unr_paths_json(bad[i][0], bad[i][1], bad[i][2], &json, &err) == UNR_ERR_ARGUMENT && !json && err.message[0],
              "paths JSON of %d blocks, deletions %d..%d is refused", bad[i][0], bad[i][1], bad[i][2]);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_plans MODEL.safetensors\n");
        return 2;
    }
    model_bytes = test_read_file(argv[1], &model_len);
    unr_model *m = model_bytes ? load(model_bytes, model_len) : NULL;
    if (!m) return 1;
    test_rng();
    test_paths();
    test_invalid_orders(m);
    test_seeds(m);
    test_delete_equals_zero_scale(m);
    test_resume_equals_scratch(m);
    test_run_plans(m);
    test_cancel(m);
    unr_model_free(m);
    free(model_bytes);
    return test_summary("plans");
}
