/* fuzz_model.c - libFuzzer target: a model file's bytes into unr_model_load, as the browser
 * passes them; a model that loads is also described and run on one image, with and without a
 * deleted block. Any crash, sanitizer report or leak is a finding. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unravel.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The scalar kernels: the ones built with the sanitizers in the fuzz build (fuzz/CMakeLists.txt). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    setenv("UNRAVEL_KERNELS", "scalar", 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unr_model *m = NULL;
    unr_error err;
    if (unr_model_load(data, size, "fuzz.safetensors", &m, &err) != UNR_OK) {
        /* every refusal names the file */
        if (!strstr(err.message, "fuzz.safetensors")) __builtin_trap();
        return 0;
    }
    const unr_model_info *info = unr_model_get_info(m);
    static float image[3 * 32 * 32];
    for (int i = 0; i < 3 * 32 * 32; i++) image[i] = (float)(i % 17) / 8.0f - 1.0f;
    float logits[UNR_CLASSES];
    unr_plan plan;
    unr_plan_identity(m, &plan);
    if (unr_forward(m, NULL, image, 1, logits, &err) != UNR_OK) __builtin_trap();
    plan.keep[info->num_blocks - 1] = 0;
    if (unr_forward(m, &plan, image, 1, logits, &err) != UNR_OK) __builtin_trap();
    unr_model_free(m);
    return 0;
}
