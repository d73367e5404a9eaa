/* test_experiment.c - experiments as data: SHA-256 vectors, spec parsing (an error per field),
 * canonical round trip, plans equal to the generators', paper eligibility, work bound, ensemble
 * of one = drop, additive tallies over chunks and the summary's statistics by hand. */
#include <math.h>

#include "json.h"
#include "testutil.h"
#include "unravel.h"

static const char *const SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static unr_model *model;

static void test_sha256(void)
{
    char hex[65];
    unr_sha256_hex("abc", 3, hex);
    CHECK(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), "abc: %s", hex);
    unr_sha256_hex("", 0, hex);
    CHECK(!strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), "empty: %s", hex);
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 bytes: two tail blocks */
    unr_sha256_hex(two, strlen(two), hex);
    CHECK(!strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"), "448 bits: %s", hex);
    char *million = malloc(1000000);
    memset(million, 'a', 1000000);
    unr_sha256_hex(million, 1000000, hex);
    CHECK(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"), "million a: %s", hex);
    free(million);
}

/* A spec text with the usual model, images and data around kind and params. */
static char *spec_text(const char *kind_and_params)
{
    static char text[4096];
    snprintf(text, sizeof text,
             "{\"model\":{\"name\":\"preact_a\",\"sha256\":\"%s\"},%s,\"images\":20,\"data_sha256\":\"%s\"}",
             SHA, kind_and_params, SHA);
    return text;
}

static unr_status parse(const char *text, unr_spec *s, unr_error *err)
{
    return unr_spec_parse(text, strlen(text), "t.json", s, err);
}

/* Parsing text fails with a message holding want. */
static void expect_parse_error(const char *text, const char *want)
{
    unr_spec s;
    unr_error err;
    unr_status st = parse(text, &s, &err);
    CHECK(st == UNR_ERR_ARGUMENT && strstr(err.message, want) && !strncmp(err.message, "t.json: ", 8),
          "%s: got status %d '%s', want '%s'", text, st, err.message, want);
}

/* Parsing and checking against the model fails with a message holding want. */
static void expect_model_error(const char *text, const char *want)
{
    unr_spec s;
    unr_error err;
    unr_experiment *e = NULL;
    unr_status st = parse(text, &s, &err);
    CHECK(st == UNR_OK, "%s: %s", text, err.message);
    if (st) return;
    st = unr_experiment_new(model, &s, &e, &err);
    CHECK(st == UNR_ERR_ARGUMENT && e == NULL && strstr(err.message, want), "%s: got '%s', want '%s'",
          text, err.message, want);
    unr_experiment_free(e);
}

static void test_parse_errors(void)
{
    char text[1024];
    expect_parse_error("{\"model\":", "not valid JSON");
    expect_parse_error("[1]", "spec: must be a JSON object");
    expect_parse_error(spec_text("\"kind\":\"delete-one\",\"colour\":1"), "unknown field 'colour'");
    expect_parse_error(spec_text("\"kind\":\"sideways\""), "kind: must be one of");
    expect_parse_error(spec_text("\"params\":{}"), "kind: must be one of");
    snprintf(text, sizeof text, "{\"model\":\"resnet20\",\"kind\":\"eval\",\"images\":1,\"data_sha256\":\"%s\"}", SHA);
    expect_parse_error(text, "model: must be an object");
    snprintf(text, sizeof text, "{\"model\":{\"name\":\"\",\"sha256\":\"%s\"},\"kind\":\"eval\",\"images\":1,\"data_sha256\":\"%s\"}", SHA, SHA);
    expect_parse_error(text, "model.name: must be a non-empty string");
    snprintf(text, sizeof text, "{\"model\":{\"name\":\"a\",\"sha256\":\"%s\",\"x\":1},\"kind\":\"eval\",\"images\":1,\"data_sha256\":\"%s\"}", SHA, SHA);
    expect_parse_error(text, "model: unknown field 'x'");
    snprintf(text, sizeof text, "{\"model\":{\"name\":\"a\",\"sha256\":\"ABC\"},\"kind\":\"eval\",\"images\":1,\"data_sha256\":\"%s\"}", SHA);
    expect_parse_error(text, "model.sha256: must be a SHA-256");
    snprintf(text, sizeof text, "{\"model\":{\"name\":\"a\",\"sha256\":\"%s\"},\"kind\":\"eval\",\"images\":1}", SHA);
    expect_parse_error(text, "data_sha256: must be a SHA-256");
    snprintf(text, sizeof text, "{\"model\":{\"name\":\"a\",\"sha256\":\"%s\"},\"kind\":\"eval\",\"images\":0,\"data_sha256\":\"%s\"}", SHA, SHA);
    expect_parse_error(text, "images: must be an integer from 1");
    snprintf(text, sizeof text, "{\"model\":{\"name\":\"a\",\"sha256\":\"%s\"},\"kind\":\"eval\",\"data_sha256\":\"%s\"}", SHA, SHA);
    expect_parse_error(text, "images: must be an integer");
    expect_parse_error(spec_text("\"kind\":\"delete-k\",\"seed\":-1"), "seed: must be an integer from 0 to 2^53 - 1");
    expect_parse_error(spec_text("\"kind\":\"delete-k\",\"seed\":9007199254740992"), "seed: must be");
    expect_parse_error(spec_text("\"kind\":\"delete-k\",\"seed\":1.5"), "seed: must be");
    expect_parse_error(spec_text("\"kind\":\"delete-k\",\"params\":[]"), "params: must be an object");
    expect_parse_error(spec_text("\"kind\":\"eval\",\"params\":{\"deleted\":[0]}"), "params.deleted: element 1 is not a block number");
    expect_parse_error(spec_text("\"kind\":\"eval\",\"params\":{\"deleted\":3}"), "params.deleted: must be an array");
    expect_parse_error(spec_text("\"kind\":\"eval\",\"params\":{\"order\":[]}"), "params.order: must not be empty");
    expect_parse_error(spec_text("\"kind\":\"eval\",\"params\":{\"k\":[1,2]}"), "params: unknown field 'k' (expected: deleted, order)");
    expect_parse_error(spec_text("\"kind\":\"delete-one\",\"params\":{\"trials\":3}"), "delete-one takes no parameters (got 'trials')");
    expect_parse_error(spec_text("\"kind\":\"delete-k\",\"params\":{\"k\":[3,2]}"), "params.k: must be [min, max]");
    expect_parse_error(spec_text("\"kind\":\"delete-k\",\"params\":{\"k\":[0,2]}"), "params.k: must be [min, max]");
    expect_parse_error(spec_text("\"kind\":\"delete-k\",\"params\":{\"k\":3}"), "params.k: must be [min, max]");
    expect_parse_error(spec_text("\"kind\":\"delete-k\",\"params\":{\"trials\":0}"), "params.trials: must be an integer from 1");
    expect_parse_error(spec_text("\"kind\":\"delete-k\",\"params\":{\"eligible\":\"some\"}"), "params.eligible: must be \"paper\" or \"all\"");
    expect_parse_error(spec_text("\"kind\":\"reorder\",\"params\":{\"swaps\":[-1,2]}"), "params.swaps: must be [min, max]");
    expect_parse_error(spec_text("\"kind\":\"drop\",\"params\":{\"probs\":[0.5,1.5]}"), "params.probs: must be a probability");
    expect_parse_error(spec_text("\"kind\":\"drop\",\"params\":{\"probs\":[]}"), "params.probs: must be an array of 1 to");
    expect_parse_error(spec_text("\"kind\":\"drop\",\"params\":{\"rule\":\"steep\"}"), "params.rule: must be \"uniform\" or \"linear\"");
    expect_parse_error(spec_text("\"kind\":\"ensemble\",\"params\":{\"prob\":-0.1}"), "params.prob: must be a probability");
    expect_parse_error(spec_text("\"kind\":\"ensemble\",\"params\":{\"sizes\":[1,4,2]}"), "params.sizes: must increase (2 follows 4)");
    expect_parse_error(spec_text("\"kind\":\"ensemble\",\"params\":{\"sizes\":[0]}"), "params.sizes: must be an integer from 1");
}

static void test_model_errors(void)
{
    expect_model_error(spec_text("\"kind\":\"eval\",\"params\":{\"deleted\":[10]}"), "params.deleted: block 10 is outside 1..9");
    expect_model_error(spec_text("\"kind\":\"eval\",\"params\":{\"deleted\":[2,2]}"), "params.deleted: block 2 appears twice");
    expect_model_error(spec_text("\"kind\":\"eval\",\"params\":{\"order\":[2,1]}"), "params.order: gives 2 blocks");
    expect_model_error(spec_text("\"kind\":\"eval\",\"params\":{\"order\":[1,2,4,3,5,6,7,8,9]}"), "params.order: order: block 4 downsamples");
    expect_model_error(spec_text("\"kind\":\"eval\",\"params\":{\"order\":[1,1,3,4,5,6,7,8,9]}"), "appears twice");
    /* paper: 6 of the 9 blocks (not 1, 4, 7) */
    expect_model_error(spec_text("\"kind\":\"delete-k\",\"params\":{\"k\":[1,7]}"), "params.k: 7 exceeds the 6 blocks preact_a may delete (eligible: paper)");
    expect_model_error(spec_text("\"kind\":\"delete-k\",\"params\":{\"k\":[1,10],\"eligible\":\"all\"}"), "exceeds the 9 blocks");
    expect_model_error(spec_text("\"kind\":\"reorder\",\"params\":{\"swaps\":[1,1048576],\"trials\":100000}"),
                       "reorder: swaps 1-1048576 (1048576 values) x trials 100000 = 104857600000 networks; at most 20000");
    /* few networks, but each drawn with a million swaps: refused before any work */
    expect_model_error(spec_text("\"kind\":\"reorder\",\"params\":{\"swaps\":[1048576,1048576],\"trials\":20000}"),
                       "reorder: swaps 1048576-1048576 (1 values) x trials 20000 draws 2.1e+10 random swaps; at most 1e+07");
    expect_model_error(spec_text("\"kind\":\"ensemble\",\"params\":{\"sizes\":[1,1000],\"trials\":100}"), "trials 100 x 1000 members = 100000 networks");
    char text[1024];
    snprintf(text, sizeof text, "{\"model\":{\"name\":\"preact_a\",\"sha256\":\"%s\"},\"kind\":\"delete-k\",\"params\":{\"k\":[1,6],\"trials\":1000},\"images\":1000000,\"data_sha256\":\"%s\"}", SHA, SHA);
    expect_model_error(text, "delete-k: k 1-6 (6 values) x trials 1000 on 1000000 images of 9 blocks is 5.4e+10 block evaluations; at most 1e+10");
}

static void test_round_trip(void)
{
    const char *specs[] = {
        "\"kind\":\"eval\",\"params\":{\"deleted\":[3,7],\"order\":[1,3,2,4,5,6,7,8,9]}",
        "\"kind\":\"eval\"",
        "\"kind\":\"delete-one\",\"params\":{}",
        "\"kind\":\"delete-k\",\"params\":{\"k\":[2,4],\"trials\":7,\"eligible\":\"all\"},\"seed\":9007199254740991",
        "\"kind\":\"delete-k\"",
        "\"kind\":\"reorder\",\"params\":{\"swaps\":[0,3],\"trials\":2},\"seed\":4",
        "\"kind\":\"drop\",\"params\":{\"probs\":[0.1,0.30000000000000004,1e-7],\"rule\":\"linear\",\"trials\":3}",
        "\"kind\":\"ensemble\",\"params\":{\"prob\":0.25,\"rule\":\"uniform\",\"sizes\":[1,3],\"trials\":2},\"seed\":0",
    };
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
        unr_spec a, b;
        unr_error err;
        char *t1 = NULL, *t2 = NULL;
        CHECK(parse(spec_text(specs[i]), &a, &err) == UNR_OK, "%s: %s", specs[i], err.message);
        CHECK(unr_spec_json(&a, &t1, &err) == UNR_OK, "%s", err.message);
        CHECK(t1 && unr_spec_parse(t1, strlen(t1), "again", &b, &err) == UNR_OK, "%s: %s", t1, err.message);
        CHECK(unr_spec_json(&b, &t2, &err) == UNR_OK && t1 && t2 && !strcmp(t1, t2), "%s vs %s", t1, t2);
        CHECK(!memcmp(&a.probs, &b.probs, sizeof a.probs) && a.seed == b.seed && a.kind == b.kind &&
                  a.num_order == b.num_order && a.trials == b.trials,
              "fields differ after %s", t1);
        free(t1);
        free(t2);
    }
    /* canonical: fixed key order, defaults written out, irrelevant seed left out */
    unr_spec s;
    unr_error err;
    char *t = NULL;
    parse("{\"images\":5,\"data_sha256\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
          "\"seed\":3,\"kind\":\"delete-one\",\"model\":{\"sha256\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"name\":\"r\\\"20\"}}",
          &s, &err);
    unr_spec_json(&s, &t, &err);
    char want[512];
    snprintf(want, sizeof want, "{\"model\":{\"name\":\"r\\\"20\",\"sha256\":\"%s\"},\"kind\":\"delete-one\",\"params\":{},\"images\":5,\"data_sha256\":\"%s\"}", SHA, SHA);
    CHECK(t && !strcmp(t, want), "canonical %s\n want %s", t, want);
    free(t);
}

static unr_experiment *make(const char *kind_and_params)
{
    unr_spec s;
    unr_error err;
    unr_experiment *e = NULL;
    if (parse(spec_text(kind_and_params), &s, &err) || unr_experiment_new(model, &s, &e, &err))
        fprintf(stderr, "%s: %s\n", kind_and_params, err.message);
    return e;
}

static int same_plans(const unr_plan *a, const unr_plan *b, int n)
{
    for (int i = 0; i < n; i++)
        if (memcmp(a[i].order, b[i].order, sizeof(int) * (size_t)a[i].num_blocks) ||
            memcmp(a[i].keep, b[i].keep, (size_t)a[i].num_blocks))
            return 0;
    return 1;
}

static void test_plans_from_spec(void)
{
    unr_plan want[200];
    unr_error err;
    unr_experiment *e = make("\"kind\":\"delete-k\",\"params\":{\"k\":[2,5],\"trials\":6,\"eligible\":\"all\"},\"seed\":77");
    unr_plans_delete_k(model, 2, 5, 6, 77, want, &err);
    CHECK(e && unr_experiment_rows(e) == 24 && same_plans(unr_experiment_plans(e), want, 24), "delete-k all");
    unr_experiment_free(e);
    e = make("\"kind\":\"reorder\",\"params\":{\"swaps\":[1,3],\"trials\":5},\"seed\":123");
    unr_plans_reorder(model, 1, 3, 5, 123, want, &err);
    CHECK(e && unr_experiment_rows(e) == 15 && same_plans(unr_experiment_plans(e), want, 15), "reorder");
    unr_experiment_free(e);
    double probs[] = {0.1, 0.7};
    e = make("\"kind\":\"drop\",\"params\":{\"probs\":[0.1,0.7],\"rule\":\"linear\",\"trials\":4},\"seed\":5");
    unr_plans_drop(model, probs, 2, UNR_DROP_LINEAR, 4, 5, want, &err);
    CHECK(e && unr_experiment_rows(e) == 8 && same_plans(unr_experiment_plans(e), want, 8), "drop");
    unr_experiment_free(e);
    e = make("\"kind\":\"delete-one\"");
    unr_plans_delete_one(model, want, &err);
    CHECK(e && unr_experiment_rows(e) == 9 && same_plans(unr_experiment_plans(e), want, 9), "delete-one");
    unr_experiment_free(e);
    /* ensemble members: trial-major drop draws with trials * max(size) networks */
    e = make("\"kind\":\"ensemble\",\"params\":{\"prob\":0.3,\"sizes\":[1,2,4],\"trials\":3},\"seed\":8");
    unr_plans_drop(model, (double[]){0.3}, 1, UNR_DROP_UNIFORM, 12, 8, want, &err);
    CHECK(e && unr_experiment_rows(e) == 9 && unr_experiment_num_plans(e) == 12 &&
              same_plans(unr_experiment_plans(e), want, 12), "ensemble members");
    unr_experiment_free(e);

    /* paper eligibility: never block 1 or a downsampling block, and every eligible block drawn */
    e = make("\"kind\":\"delete-k\",\"params\":{\"k\":[1,6],\"trials\":50},\"seed\":3");
    int drawn[UNR_MAX_BLOCKS] = {0}, sizes_ok = 1;
    for (int i = 0; e && i < unr_experiment_rows(e); i++) {
        const unr_plan *p = &unr_experiment_plans(e)[i];
        int deleted = 0;
        for (int b = 0; b < 9; b++) drawn[b] += !p->keep[b], deleted += !p->keep[b];
        sizes_ok &= deleted == 1 + i / 50;
    }
    CHECK(sizes_ok && drawn[0] == 0 && drawn[3] == 0 && drawn[6] == 0, "paper drew block 1: %d, 4: %d, 7: %d", drawn[0], drawn[3], drawn[6]);
    CHECK(drawn[1] && drawn[2] && drawn[4] && drawn[5] && drawn[7] && drawn[8], "an eligible block was never drawn");
    /* default k: 1..min(20, eligible - 1) */
    CHECK(e && unr_experiment_spec(e)->k_min == 1, "k_min");
    unr_experiment_free(e);
    e = make("\"kind\":\"delete-k\"");
    CHECK(e && unr_experiment_spec(e)->k_min == 1 && unr_experiment_spec(e)->k_max == 5 && unr_experiment_rows(e) == 50,
          "default k %d-%d", e ? unr_experiment_spec(e)->k_min : -1, e ? unr_experiment_spec(e)->k_max : -1);
    unr_experiment_free(e);
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

enum { IMAGES = 20 };

static int run(const unr_experiment *e, const unr_dataset *d, int first, int count, int threads,
               unr_tally *t, int *predictions)
{
    unr_run_options o = unr_run_defaults();
    o.first = first;
    o.count = count;
    o.threads = threads;
    o.predictions = predictions;
    unr_error err;
    unr_status st = unr_experiment_run(model, e, d, &o, t, &err);
    if (st) fprintf(stderr, "run: %s\n", err.message);
    return st;
}

static void test_runs(void)
{
    unsigned char *records = random_records(IMAGES, 99);
    unr_dataset d = {records, IMAGES};
    /* ensemble of one member = that member in the drop sweep with trials x max(size) */
    unr_experiment *ens = make("\"kind\":\"ensemble\",\"params\":{\"prob\":0.4,\"sizes\":[1,2,3],\"trials\":4},\"seed\":11");
    unr_experiment *drop = make("\"kind\":\"drop\",\"params\":{\"probs\":[0.4],\"trials\":12},\"seed\":11");
    unr_tally te[1 + 12], td[1 + 12], chunks[1 + 12];
    int pe[(1 + 12) * IMAGES], pd[(1 + 12) * IMAGES];
    CHECK(ens && drop && !run(ens, &d, 0, IMAGES, 2, te, pe) && !run(drop, &d, 0, IMAGES, 1, td, pd), "runs");
    for (int t = 0; ens && drop && t < 4; t++) {
        CHECK(te[1 + t].correct == td[1 + 3 * t].correct && te[1 + t].images == IMAGES,
              "ensemble size 1 trial %d: %d vs drop member %d: %d", t, te[1 + t].correct, 3 * t, td[1 + 3 * t].correct);
        CHECK(!memcmp(pe + (1 + t) * IMAGES, pd + (1 + 3 * t) * IMAGES, sizeof(int) * IMAGES), "size-1 predictions of trial %d", t);
    }
    CHECK(te[0].correct == td[0].correct && !memcmp(pe, pd, sizeof(int) * IMAGES), "baselines");
    /* a size-2 prediction is the argmax of the mean of the two members' softmax outputs */
    {
        const unr_plan *members = unr_experiment_plans(ens);
        int i = 5, t = 1;
        float img[3072], l0[10], l1[10];
        const unsigned char *rec = records + (size_t)i * UNR_CIFAR_RECORD + 1;
        const unr_model_info *info = unr_model_get_info(model);
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < 1024; p++)
                img[c * 1024 + p] = (rec[c * 1024 + p] / 255.0f - info->mean[c]) / info->std[c];
        unr_error err;
        unr_forward(model, &members[3 * t], img, 1, l0, &err);
        unr_forward(model, &members[3 * t + 1], img, 1, l1, &err);
        double sum[10], m0 = l0[0], m1 = l1[0], s0 = 0, s1 = 0;
        for (int c = 0; c < 10; c++) m0 = fmax(m0, l0[c]), m1 = fmax(m1, l1[c]);
        for (int c = 0; c < 10; c++) s0 += exp(l0[c] - m0), s1 += exp(l1[c] - m1);
        int best = 0;
        for (int c = 0; c < 10; c++) {
            sum[c] = exp(l0[c] - m0) / s0 + exp(l1[c] - m1) / s1;
            if (sum[c] > sum[best]) best = c;
        }
        CHECK(pe[(1 + 4 + t) * IMAGES + i] == best, "size-2 ensemble predicts %d, the mean softmax %d", pe[(1 + 4 + t) * IMAGES + i], best);
    }
    /* tallies over two chunks add up to one run, for an ensemble and a sweep */
    unr_experiment *exps[] = {ens, make("\"kind\":\"delete-k\",\"params\":{\"k\":[1,3],\"trials\":3},\"seed\":2")};
    for (int x = 0; x < 2; x++) {
        unr_experiment *e = exps[x];
        if (!e) continue;
        int rows = unr_experiment_rows(e);
        unr_tally whole[1 + 12], a[1 + 12], b[1 + 12];
        run(e, &d, 0, IMAGES, 1, whole, NULL);
        run(e, &d, 0, 7, 2, a, NULL);
        run(e, &d, 7, IMAGES - 7, 1, b, NULL);
        int same = 1;
        for (int r = 0; r <= rows; r++) {
            chunks[r] = a[r];
            chunks[r].images += b[r].images;
            chunks[r].correct += b[r].correct;
            for (int c = 0; c < 10; c++) {
                chunks[r].class_total[c] += b[r].class_total[c];
                chunks[r].class_correct[c] += b[r].class_correct[c];
            }
            same &= !memcmp(&chunks[r], &whole[r], sizeof whole[r]);
        }
        CHECK(same, "experiment %d: two chunks differ from one run", x);
        char *s1 = NULL, *s2 = NULL;
        unr_error err;
        unr_experiment_summary_json(e, whole, &s1, &err);
        unr_experiment_summary_json(e, chunks, &s2, &err);
        CHECK(s1 && s2 && !strcmp(s1, s2), "summaries of chunks and whole differ");
        free(s1);
        free(s2);
    }
    unr_experiment_free(exps[1]);
    /* images beyond the spec's, or beyond the data, are refused */
    unr_error err;
    unr_run_options o = unr_run_defaults();
    o.count = IMAGES + 1;
    CHECK(unr_experiment_run(model, drop, &d, &o, td, &err) == UNR_ERR_ARGUMENT && strstr(err.message, "outside the dataset"), "%s", err.message);
    /* ranges whose end overflows int (UBSan would flag first + count) */
    const int hostile[][2] = {{1, 2147483647}, {2147483647, 1}, {-1, 5}};
    for (int i = 0; i < 3; i++) {
        o.first = hostile[i][0];
        o.count = hostile[i][1];
        CHECK(unr_experiment_run(model, drop, &d, &o, td, &err) == UNR_ERR_ARGUMENT && strstr(err.message, "outside the dataset"),
              "images from %d, %d of them: %s", o.first, o.count, err.message);
    }
    unr_experiment_free(ens);
    unr_experiment_free(drop);
    free(records);
}

/* A number in the summary, by path of keys/indices ("groups", 1, "error", "median"). */
static double num_at(const unr_json_doc *doc, const char *path)
{
    const unr_json_value *v = &doc->values[0];
    char buf[200];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "."); tok && v; tok = strtok(NULL, ".")) {
        if (tok[0] >= '0' && tok[0] <= '9') {
            v = unr_json_child(doc, v);
            for (int i = atoi(tok); v && i > 0; i--) v = unr_json_next(doc, v);
        } else {
            v = unr_json_get(doc, v, tok);
        }
    }
    return v && v->type == UNR_JSON_NUMBER ? v->d : NAN;
}

static void test_summary_json(void)
{
    /* delete-k k 1-2, 4 trials on 20 images: corrects 20,18,15,10 (errors 0, .1, .25, .5) and 2,4,6,8 */
    unr_experiment *e = make("\"kind\":\"delete-k\",\"params\":{\"k\":[1,2],\"trials\":4}");
    unr_tally t[9];
    memset(t, 0, sizeof t);
    int correct[9] = {17, 20, 18, 15, 10, 2, 4, 6, 8};
    for (int i = 0; i < 9; i++) t[i].images = 20, t[i].correct = correct[i];
    char *json = NULL;
    unr_error err;
    CHECK(e && unr_experiment_summary_json(e, t, &json, &err) == UNR_OK, "summary");
    unr_json_doc doc;
    if (!json || unr_json_parse(json, strlen(json), &doc)) {
        CHECK(0, "summary is not JSON: %s", json ? json : "(none)");
        free(json);
        unr_experiment_free(e);
        return;
    }
    const double eps = 1e-12;
    CHECK(num_at(&doc, "baseline.accuracy") == 0.85 && num_at(&doc, "baseline.correct") == 17, "baseline");
    /* Wilson 95% for 17/20: centre (0.85 + z^2/40)/(1 + z^2/20), half-width by hand */
    double z = 1.959963984540054, n = 20, p = 0.85;
    double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
    double half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n);
    CHECK(fabs(num_at(&doc, "baseline.wilson95.0") - (centre - half)) < eps &&
              fabs(num_at(&doc, "baseline.wilson95.1") - (centre + half)) < eps,
          "wilson %g %g", num_at(&doc, "baseline.wilson95.0"), num_at(&doc, "baseline.wilson95.1"));
    CHECK(fabs(centre - half - 0.6396) < 1e-4 && fabs(centre + half - 0.9476) < 1e-4, "wilson reference values");
    CHECK(num_at(&doc, "rows.0.accuracy") == 1 && num_at(&doc, "rows.3.accuracy") == 0.5 &&
              num_at(&doc, "rows.3.k") == 1 && num_at(&doc, "rows.4.k") == 2 && num_at(&doc, "rows.4.trial") == 0,
          "rows");
    /* group k=1 errors {0, .1, .25, .5}: mean .2125, sd sqrt(sum sq dev / 3), median .175,
       q1 = .075 (0 + .75*.1), q3 = .3125 (.25 + .25*.25) */
    double errs[] = {0, 0.1, 0.25, 0.5}, mean = 0.2125, ss = 0;
    for (int i = 0; i < 4; i++) ss += (errs[i] - mean) * (errs[i] - mean);
    CHECK(num_at(&doc, "groups.0.k") == 1 && num_at(&doc, "groups.0.n") == 4, "group key");
    CHECK(fabs(num_at(&doc, "groups.0.error.mean") - mean) < eps, "mean %g", num_at(&doc, "groups.0.error.mean"));
    CHECK(fabs(num_at(&doc, "groups.0.error.sd") - sqrt(ss / 3)) < eps, "sd %g", num_at(&doc, "groups.0.error.sd"));
    CHECK(fabs(num_at(&doc, "groups.0.error.median") - 0.175) < eps, "median %g", num_at(&doc, "groups.0.error.median"));
    CHECK(fabs(num_at(&doc, "groups.0.error.q1") - 0.075) < eps, "q1 %g", num_at(&doc, "groups.0.error.q1"));
    CHECK(fabs(num_at(&doc, "groups.0.error.q3") - 0.3125) < eps, "q3 %g", num_at(&doc, "groups.0.error.q3"));
    CHECK(num_at(&doc, "groups.0.error.min") == 0 && num_at(&doc, "groups.0.error.max") == 0.5, "min max");
    /* group k=2 errors {.9, .8, .7, .6} in draw order: sorted before the quartiles */
    CHECK(fabs(num_at(&doc, "groups.1.error.median") - 0.75) < eps && fabs(num_at(&doc, "groups.1.error.min") - 0.6) < eps &&
              fabs(num_at(&doc, "groups.1.error.q1") - 0.675) < eps,
          "group 2");
    unr_json_free(&doc);
    free(json);
    /* before any image: accuracies and errors are null */
    memset(t, 0, sizeof t);
    unr_experiment_summary_json(e, t, &json, &err);
    CHECK(json && strstr(json, "\"accuracy\":null,\"wilson95\":[0,1]") && strstr(json, "\"error\":null"), "%s", json);
    free(json);
    unr_experiment_free(e);
    /* reorder groups carry the mean tau of their draws */
    e = make("\"kind\":\"reorder\",\"params\":{\"swaps\":[1,1],\"trials\":2}");
    memset(t, 0, sizeof t);
    if (e && !unr_experiment_summary_json(e, t, &json, &err) && !unr_json_parse(json, strlen(json), &doc)) {
        double tau = (unr_plan_kendall_tau(&unr_experiment_plans(e)[0]) + unr_plan_kendall_tau(&unr_experiment_plans(e)[1])) / 2;
        CHECK(fabs(num_at(&doc, "groups.0.tau_mean") - tau) < eps && num_at(&doc, "rows.1.swaps") == 1, "tau_mean");
        unr_json_free(&doc);
    }
    free(json);
    unr_experiment_free(e);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : test_source_path("tests/golden/preact_a.safetensors");
    size_t len;
    unsigned char *bytes = test_read_file(path, &len);
    unr_error err;
    if (!bytes || unr_model_load(bytes, len, path, &model, &err)) {
        fprintf(stderr, "cannot load %s\n", path);
        return 1;
    }
    free(bytes);
    test_sha256();
    test_parse_errors();
    test_model_errors();
    test_round_trip();
    test_plans_from_spec();
    test_runs();
    test_summary_json();
    unr_model_free(model);
    return test_summary("experiment");
}
