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
    CHECK(models >= 9, "MANIFEST lists %d models", models);
    free(manifest);
    return test_summary("golden");
}
