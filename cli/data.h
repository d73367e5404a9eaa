/* data.h - find and read CIFAR-10 binary batches on disk (native builds; uses zlib).
 *
 * A path may be a .bin batch, the cifar-10-batches-bin folder, a folder holding that folder or
 * the tarball, or the official cifar-10-binary.tar.gz itself (read in one streaming pass; a plain
 * .tar works too). Batches with an official name must hold exactly 10000 records. Every batch is
 * checked with unr_cifar_view, so the bytes returned are whole records with labels 0-9.
 */
#ifndef UNR_DATA_H
#define UNR_DATA_H

#include <stddef.h>

#include "unravel.h"

#define UNR_DATA_BATCH_RECORDS 10000
#define UNR_DATA_BATCH_BYTES ((size_t)UNR_DATA_BATCH_RECORDS * UNR_CIFAR_RECORD)

/* Load a split: "test" (test_batch.bin) or "train" (data_batch_1..5.bin, in that order); NULL
 * means "test". A single .bin path is loaded as it is, whatever the split. On success *records
 * is a malloc'd buffer of *len bytes for the caller to free(). */
unr_status unr_data_load(const char *path, const char *split, unsigned char **records,
                         size_t *len, unr_error *err);

/* The UNRAVEL_DATA environment variable, or NULL when unset or empty. */
const char *unr_data_default_path(void);

/* The 10 class names from batches.meta.txt beside the batches (in the folder or the tarball;
 * beside a .bin file). UNR_ERR_IO when there is no such file. */
unr_status unr_data_class_names(const char *path, char names[UNR_CLASSES][32], unr_error *err);

#endif
