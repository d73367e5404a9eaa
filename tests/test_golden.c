/* test_golden.c - the forward pass against PyTorch's logits for the tiny random models in
 * tests/golden (made by tests/golden/make_golden.py; file layout documented there), for the
 * unmodified network and every lesioned or reordered plan stored with it. */
#include <math.h>
#include <stdint.h>

#include "forward.h"
#include "testutil.h"
#include "unravel.h"

static uint32_t u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void check_model(const char *name)
{
    char path[512];
    size_t mlen, glen;
    snprintf(path, sizeof path, "tests/golden/%s.safetensors", name);
    unsigned char *mbytes = test_read_file(test_source_path(path), &mlen);
    snprintf(path, sizeof path, "tests/golden/%s.golden", name);
    unsigned char *g = test_read_file(test_source_path(path), &glen);
    CHECK(mbytes && g, "%s: files missing", name);
    if (!mbytes || !g) goto done;
    CHECK(glen >= 24 && !memcmp(g, "UNRG", 4) && u32(g + 4) == 1, "%s: not a version-1 golden file", name);
    uint32_t N = u32(g + 8), C = u32(g + 12), L = u32(g + 16), P = u32(g + 20);
    size_t want = 24 + (size_t)N * 3072 * 5 + (size_t)P * (8 * L + 4 * N * C);
    CHECK(glen == want && C == 10, "%s: golden file is %zu bytes, layout says %zu", name, glen, want);
    if (glen != want || C != 10) goto done;

    unr_model *m;
    unr_error err;
    if (unr_model_load(mbytes, mlen, name, &m, &err)) {
        CHECK(0, "%s", err.message);
        goto done;
    }
    CHECK(unr_model_get_info(m)->num_blocks == (int)L, "%s: %u blocks in the golden file", name, L);
    float *images = malloc(sizeof(float) * N * 3072), *logits = malloc(sizeof(float) * N * 10);
    memcpy(images, g + 24, sizeof(float) * N * 3072);
    const unsigned char *pixels = g + 24 + (size_t)N * 3072 * 4;
    unsigned char *records = malloc((size_t)N * UNR_CIFAR_RECORD);
    for (uint32_t i = 0; i < N; i++) {
        records[(size_t)i * UNR_CIFAR_RECORD] = 0;
        memcpy(records + (size_t)i * UNR_CIFAR_RECORD + 1, pixels + (size_t)i * 3072, 3072);
    }
    const unsigned char *at = pixels + (size_t)N * 3072;
    float worst = 0;
    for (uint32_t p = 0; p < P; p++, at += 8 * L + 4 * N * C) {
        unr_plan plan;
        unr_plan_identity(m, &plan);
        for (uint32_t b = 0; b < L; b++) {
            plan.keep[b] = (unsigned char)u32(at + 4 * b);
            plan.order[b] = (int)u32(at + 4 * (L + b));
        }
        float ref[64 * 10];
        memcpy(ref, at + 8 * L, sizeof(float) * N * C);
        CHECK(unr_forward(m, &plan, images, (int)N, logits, &err) == UNR_OK, "%s plan %u: %s", name, p, err.message);
        for (uint32_t i = 0; i < N * C; i++) {
            float d = fabsf(logits[i] - ref[i]) / (1.0f + fabsf(ref[i]));
            if (d > worst) worst = d;
            CHECK(d <= 1e-4f, "%s plan %u logit %u: engine %.7g, PyTorch %.7g", name, p, i,
                  (double)logits[i], (double)ref[i]);
        }
        /* The pixel path (normalisation inside the engine, plans resumed from the cache)
         * predicts what PyTorch's logits say, wherever the top two are not a near tie. */
        unr_dataset set = {records, (int)N};
        unr_run_options o = unr_run_defaults();
        int pred[2 * 64];
        o.predictions = pred;
        unr_tally base, t;
        int lesioned = !unr_plan_is_identity(&plan);
        CHECK(unr_run_plans(m, &plan, lesioned, &set, &o, &base, &t, &err) == UNR_OK, "%s: %s", name, err.message);
        for (uint32_t i = 0; i < N; i++) {
            const float *r = ref + 10 * i;
            int best = unr_argmax(r);
            float second = -INFINITY;
            for (int c = 0; c < 10; c++)
                if (c != best && r[c] > second) second = r[c];
            if (r[best] - second > 1e-3f)
                CHECK(pred[lesioned ? N + i : i] == best, "%s plan %u image %u: predicted %d, PyTorch %d",
                      name, p, i, pred[lesioned ? N + i : i], best);
        }
    }
    printf("%-18s %u plans, kernels %s, worst |diff|/(1+|logit|) = %.2g\n", name, P, unr_kernels_name(), (double)worst);
    free(images);
    free(logits);
    free(records);
    unr_model_free(m);
done:
    free(mbytes);
    free(g);
}

/* file with the first occurrence of `from` in its header replaced by `to` (header length
 * updated; data offsets are relative to the data section, so they stay valid). */
static unsigned char *edit_header(const unsigned char *file, size_t len, const char *from,
                                  const char *to, size_t *out_len)
{
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = n << 8 | file[i];
    char *header = malloc(n + 1);
    memcpy(header, file + 8, n);
    header[n] = '\0';
    char *at = strstr(header, from);
    CHECK(at != NULL, "'%s' not in the header", from);
    if (!at) {
        free(header);
        return NULL;
    }
    size_t fl = strlen(from), tl = strlen(to), m = n - fl + tl;
    unsigned char *out = malloc(8 + m + (len - 8 - n));
    for (int i = 0; i < 8; i++) out[i] = (unsigned char)((uint64_t)m >> (8 * i));
    memcpy(out + 8, header, (size_t)(at - header));
    memcpy(out + 8 + (at - header), to, tl);
    memcpy(out + 8 + (at - header) + tl, at + fl, n - (size_t)(at - header) - fl);
    memcpy(out + 8 + m, file + 8 + n, len - 8 - n);
    *out_len = 8 + m + (len - 8 - n);
    free(header);
    return out;
}

static void expect_load_error(const char *model, const char *from, const char *to,
                              unr_status want, const char *needle)
{
    char path[256];
    size_t len, elen;
    snprintf(path, sizeof path, "tests/golden/%s.safetensors", model);
    unsigned char *bytes = test_read_file(test_source_path(path), &len);
    unsigned char *edited = bytes ? edit_header(bytes, len, from, to, &elen) : NULL;
    if (edited) {
        unr_model *m = NULL;
        unr_error err;
        unr_status st = unr_model_load(edited, elen, model, &m, &err);
        CHECK(st == want && strstr(err.message, needle), "%s with %s: status %d, '%s'", model, to,
              (int)st, st ? err.message : "loaded");
        unr_model_free(m);
    }
    free(bytes);
    free(edited);
}

/* Whether a projection has its own BatchNorm is read from unravel.shortcut_bn, never inferred
 * from the tensors: a wrong or missing statement is an error, not a silent guess. */
static void check_shortcut_bn_metadata(void)
{
    expect_load_error("preact_b", ",\"unravel.shortcut_bn\":\"true\"", "", UNR_ERR_METADATA,
                      "unravel.shortcut_bn is missing");
    expect_load_error("preact_b", "\"unravel.shortcut_bn\":\"true\"", "\"unravel.shortcut_bn\":\"yes\"",
                      UNR_ERR_METADATA, "expected 'true' or 'false'");
    expect_load_error("preact_b", "\"unravel.shortcut_bn\":\"true\"", "\"unravel.shortcut_bn\":\"false\"",
                      UNR_ERR_UNEXPECTED_TENSOR, "shortcut.bn");
    expect_load_error("preact_b_nobn", "\"unravel.shortcut_bn\":\"false\"",
                      "\"unravel.shortcut_bn\":\"true\"", UNR_ERR_MISSING_TENSOR, "shortcut.bn");
    expect_load_error("preact_a", "\"unravel.skip\"", "\"unravel.shortcut_bn\":\"true\",\"unravel.skip\"",
                      UNR_ERR_METADATA, "shortcut is A");
}

/* test_golden [--kernels NAME]: with --kernels, also check that NAME's kernels ran (so that a
 * misspelt UNRAVEL_KERNELS cannot quietly test the default ones). */
int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--kernels"))
        CHECK(!strcmp(unr_kernels_name(), argv[2]), "kernels '%s' ran, expected '%s'",
              unr_kernels_name(), argv[2]);
    else if (argc != 1) {
        fprintf(stderr, "usage: test_golden [--kernels NAME]\n");
        return 2;
    }
    check_shortcut_bn_metadata();
    size_t len;
    unsigned char *manifest = test_read_file(test_source_path("tests/golden/MANIFEST"), &len);
    if (!manifest) return 1;
    char name[128];
    int models = 0;
    for (size_t i = 0, n = 0; i <= len; i++) {
        if (i == len || manifest[i] == '\n') {
            name[n] = '\0';
            if (n) check_model(name), models++;
            n = 0;
        } else if (n + 1 < sizeof name) {
            name[n++] = (char)manifest[i];
        }
    }
    CHECK(models >= 11, "MANIFEST lists %d models", models);
    free(manifest);
    return test_summary("golden");
}
