/* fuzz_spec.c - libFuzzer target: experiment specs (JSON, as the page's URLs and the CLI's `run`
 * carry them) into unr_spec_parse. A spec that parses must survive the round trip through its
 * canonical text unchanged, and is then checked against a small model (unr_experiment_new), whose
 * rows are described. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model_builder.h"
#include "unravel.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unr_model *model;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    setenv("UNRAVEL_KERNELS", "scalar", 1);
    mb_spec s = mb_small("preact", 'B');
    s.n = 3; /* 9 blocks: room for reorders */
    size_t len;
    unsigned char *bytes = mb_build(&s, &len);
    unr_error err;
    if (unr_model_load(bytes, len, "fuzz model", &model, &err) != UNR_OK) __builtin_trap();
    free(bytes);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unr_spec spec, again;
    unr_error err;
    if (unr_spec_parse((const char *)data, size, "fuzz.json", &spec, &err) != UNR_OK) {
        if (!strstr(err.message, "fuzz.json")) __builtin_trap();
        return 0;
    }
    char *text = NULL, *text2 = NULL;
    if (unr_spec_json(&spec, &text, &err) != UNR_OK) __builtin_trap();
    if (unr_spec_parse(text, strlen(text), "canonical", &again, &err) != UNR_OK) __builtin_trap();
    if (unr_spec_json(&again, &text2, &err) != UNR_OK || strcmp(text, text2) != 0) __builtin_trap();
    free(text);
    free(text2);
    unr_experiment *exp = NULL;
    if (unr_experiment_new(model, &spec, &exp, &err) == UNR_OK) {
        char *rows = NULL;
        if (unr_experiment_rows_json(exp, &rows, &err) != UNR_OK) __builtin_trap();
        free(rows);
        unr_experiment_free(exp);
    }
    return 0;
}
