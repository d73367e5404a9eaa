/* cifar.c - checked view over CIFAR-10 binary records. */
#include "error.h"

#include <limits.h>

unr_status unr_cifar_view(const void *bytes, size_t len, const char *name, unr_dataset *out,
                          unr_error *err)
{
    if (!name) name = "dataset";
    if (!out) return unr_fail(err, UNR_ERR_ARGUMENT, "%s: unr_cifar_view: out is NULL", name);
    out->records = NULL;
    out->count = 0;
    if (len == 0) return unr_fail(err, UNR_ERR_DATA, "%s: no records (0 bytes)", name);
    if (!bytes) return unr_fail(err, UNR_ERR_ARGUMENT, "%s: unr_cifar_view: bytes is NULL", name);
    if (len % UNR_CIFAR_RECORD != 0)
        return unr_fail(err, UNR_ERR_DATA,
                        "%s: %zu bytes is not a whole number of %d-byte records (truncated?)", name,
                        len, UNR_CIFAR_RECORD);
    if (len / UNR_CIFAR_RECORD > INT_MAX)
        return unr_fail(err, UNR_ERR_DATA, "%s: %zu records are too many", name,
                        len / UNR_CIFAR_RECORD);
    const unsigned char *r = bytes;
    int count = (int)(len / UNR_CIFAR_RECORD);
    for (int i = 0; i < count; i++) {
        unsigned label = r[(size_t)i * UNR_CIFAR_RECORD];
        if (label >= UNR_CLASSES)
            return unr_fail(err, UNR_ERR_DATA,
                            "%s: record %d (byte %zu) has label %u, not 0-9 (not a CIFAR-10 batch?)",
                            name, i, (size_t)i * UNR_CIFAR_RECORD, label);
    }
    out->records = r;
    out->count = count;
    return unr_ok(err);
}
