/* native_ref.c - what the native engine computes, printed as JSON, for the WebAssembly tests
 * (the .test.mjs files beside it) to compare against:
 *   native_ref logits MODEL GOLDEN    logits of every plan in a tests/golden .golden file
 *   native_ref predict MODEL DATA     baseline predictions of every record of a CIFAR .bin
 *   native_ref load MODEL             the loader's status and message (for the error tests)
 *   native_ref data DATA              the dataset checker's status and message
 *   native_ref gradient-draws IMAGES BLOCKS BATCH SEED ROUND   a gradient round's draws
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unravel.h"

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            cap = cap ? 2 * cap : 1 << 16;
            unsigned char *bigger = realloc(buf, cap);
            if (!bigger) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = bigger;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}

static void print_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20) printf("\\u%04x", *s);
        else putchar(*s);
    }
    putchar('"');
}

static int print_status(unr_status status, const unr_error *err)
{
    printf("{\"status\":");
    print_string(unr_status_str(status));
    printf(",\"message\":");
    print_string(status == UNR_OK ? "" : err->message);
    printf("}\n");
    return 0;
}

static unr_model *load(const char *path)
{
    size_t len;
    unsigned char *bytes = read_file(path, &len);
    if (!bytes) {
        fprintf(stderr, "native_ref: cannot read %s\n", path);
        exit(1);
    }
    unr_model *model;
    unr_error err;
    unr_status st = unr_model_load(bytes, len, path, &model, &err);
    free(bytes);
    if (st != UNR_OK) {
        fprintf(stderr, "native_ref: %s\n", err.message);
        exit(1);
    }
    return model;
}

static uint32_t u32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static int logits(const char *model_path, const char *golden_path)
{
    unr_model *model = load(model_path);
    size_t len;
    unsigned char *g = read_file(golden_path, &len);
    if (!g || len < 24 || memcmp(g, "UNRG", 4) != 0) {
        fprintf(stderr, "native_ref: %s is not a golden file\n", golden_path);
        return 1;
    }
    uint32_t n = u32(g + 8), classes = u32(g + 12), num_blocks = u32(g + 16), plans = u32(g + 20);
    size_t expect = 24 + (size_t)n * 3072 * 5 + (size_t)plans * (8 * num_blocks + 4 * n * classes);
    if (len != expect || classes != UNR_CLASSES || (int)num_blocks != unr_model_get_info(model)->num_blocks) {
        fprintf(stderr, "native_ref: %s has the wrong size or shape\n", golden_path);
        return 1;
    }
    float *images = malloc((size_t)n * 3072 * sizeof *images);
    float *out = malloc((size_t)n * UNR_CLASSES * sizeof *out);
    memcpy(images, g + 24, (size_t)n * 3072 * sizeof *images);
    const unsigned char *p = g + 24 + (size_t)n * 3072 * 5;
    printf("{\"plans\":[");
    for (uint32_t i = 0; i < plans; i++) {
        unr_plan plan;
        unr_plan_identity(model, &plan);
        for (uint32_t b = 0; b < num_blocks; b++) {
            plan.keep[b] = (unsigned char)u32(p + 4 * b);
            plan.order[b] = (int)u32(p + 4 * (num_blocks + b));
        }
        p += 8 * num_blocks + 4 * n * classes;
        unr_error err;
        if (unr_forward(model, &plan, images, (int)n, out, &err) != UNR_OK) {
            fprintf(stderr, "native_ref: %s\n", err.message);
            return 1;
        }
        printf("%s[", i ? "," : "");
        for (uint32_t k = 0; k < n * UNR_CLASSES; k++) printf("%s%.9g", k ? "," : "", (double)out[k]);
        printf("]");
    }
    printf("]}\n");
    free(images);
    free(out);
    free(g);
    unr_model_free(model);
    return 0;
}

static int predict(const char *model_path, const char *data_path)
{
    unr_model *model = load(model_path);
    size_t len;
    unsigned char *bytes = read_file(data_path, &len);
    unr_dataset data;
    unr_error err;
    if (!bytes || unr_cifar_view(bytes, len, data_path, &data, &err) != UNR_OK) {
        fprintf(stderr, "native_ref: cannot use %s as CIFAR records\n", data_path);
        return 1;
    }
    int *predictions = malloc((size_t)data.count * sizeof *predictions);
    unr_run_options options = unr_run_defaults();
    options.threads = 1;
    options.predictions = predictions;
    unr_tally baseline;
    if (unr_run_plans(model, NULL, 0, &data, &options, &baseline, NULL, &err) != UNR_OK) {
        fprintf(stderr, "native_ref: %s\n", err.message);
        return 1;
    }
    printf("{\"correct\":%d,\"predictions\":[", baseline.correct);
    for (int i = 0; i < data.count; i++) printf("%s%d", i ? "," : "", predictions[i]);
    printf("]}\n");
    free(predictions);
    free(bytes);
    unr_model_free(model);
    return 0;
}

static int gradient_draws(char **argv)
{
    int images[4096], order[UNR_MAX_BLOCKS], batch = atoi(argv[4]), num_blocks = atoi(argv[3]);
    unr_error err;
    if (batch < 1 || batch > 4096 || num_blocks < 1 || num_blocks > UNR_MAX_BLOCKS ||
        unr_gradient_draw(atoi(argv[2]), num_blocks, batch, 0, 0, strtoull(argv[5], NULL, 10),
                          atoi(argv[6]), images, order, NULL, &err) != UNR_OK) {
        fprintf(stderr, "native_ref: bad gradient draw arguments\n");
        return 1;
    }
    printf("{\"images\":[");
    for (int i = 0; i < batch; i++) printf("%s%d", i ? "," : "", images[i]);
    printf("],\"order\":[");
    for (int i = 0; i < num_blocks; i++) printf("%s%d", i ? "," : "", order[i]);
    printf("]}\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 7 && strcmp(argv[1], "gradient-draws") == 0) return gradient_draws(argv);
    if (argc == 4 && strcmp(argv[1], "logits") == 0) return logits(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "predict") == 0) return predict(argv[2], argv[3]);
    if (argc == 3 && (strcmp(argv[1], "load") == 0 || strcmp(argv[1], "data") == 0)) {
        size_t len;
        unsigned char *bytes = read_file(argv[2], &len);
        if (!bytes) {
            fprintf(stderr, "native_ref: cannot read %s\n", argv[2]);
            return 1;
        }
        unr_error err;
        unr_status st;
        if (argv[1][0] == 'l') {
            unr_model *model = NULL;
            st = unr_model_load(bytes, len, argv[2], &model, &err);
            unr_model_free(model);
        } else {
            unr_dataset data;
            st = unr_cifar_view(bytes, len, argv[2], &data, &err);
        }
        free(bytes);
        return print_status(st, &err);
    }
    fprintf(stderr, "usage: native_ref logits MODEL GOLDEN | predict MODEL DATA | load MODEL | data DATA\n");
    return 2;
}
