/* fuzz_cifar.c - libFuzzer target: the CIFAR-10 reader (cli/data.c) on a file of the fuzzer's
 * bytes. The reader sniffs the content (gzip magic, a ustar header, else a .bin batch), so one
 * target covers .bin, .tar and .tar.gz; the class-name reader runs on the same file. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) snprintf(path, sizeof path, "/tmp/unravel_fuzz_cifar_%ld.bin", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    if (size && fwrite(data, 1, size, f) != size) {
        fclose(f);
        return 0;
    }
    fclose(f);
    unsigned char *records = NULL;
    size_t len = 0;
    unr_error err;
    if (unr_data_load(path, "test", &records, &len, &err) == UNR_OK) {
        unr_dataset set;
        /* what the reader returns is whole records with labels 0-9 */
        if (unr_cifar_view(records, len, path, &set, &err) != UNR_OK) __builtin_trap();
        free(records);
    } else if (records || !strstr(err.message, path)) {
        __builtin_trap();
    }
    char names[UNR_CLASSES][32];
    unr_data_class_names(path, names, &err);
    /* the core's view over the raw bytes, as the page hands them over */
    unr_dataset set;
    unr_cifar_view(data, size, "fuzz.bin", &set, &err);
    return 0;
}
