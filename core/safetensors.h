/* safetensors.h - a checked reader of the safetensors container (internal to core).
 *
 * File layout: 8-byte little-endian header length N, N bytes of JSON header, then the data
 * section. The header maps tensor names to {"dtype", "shape", "data_offsets": [begin, end]}
 * (offsets relative to the data section) and may hold "__metadata__": {string: string}.
 * Parsing checks the header size and JSON, that every tensor lies inside the data section with
 * exactly shape x dtype-size bytes, and that no two tensors overlap.
 */
#ifndef UNR_SAFETENSORS_H
#define UNR_SAFETENSORS_H

#include "error.h"

#define UNR_ST_MAX_DIMS 8

typedef enum unr_dtype { UNR_F32 = 0, UNR_F16 = 1, UNR_BF16 = 2 } unr_dtype;

typedef struct unr_st_tensor {
    char name[128];
    unr_dtype dtype;
    int ndim;
    long long shape[UNR_ST_MAX_DIMS];
    size_t begin, end;     /* byte range in the data section */
    long long elements;
} unr_st_tensor;

typedef struct unr_st_meta {
    char key[64];
    const char *value; /* NUL-terminated, in the file's meta_text */
} unr_st_meta;

typedef struct unr_st_file {
    const unsigned char *data; /* start of the data section (points into the caller's bytes) */
    size_t data_len;
    int num_tensors;
    unr_st_tensor *tensors;
    int num_meta;
    unr_st_meta *meta;
    char *meta_text;           /* the one allocation behind every meta value */
} unr_st_file;

/* name is the file's name for messages. On failure *out is left empty (nothing to free). */
unr_status unr_st_parse(const void *bytes, size_t len, const char *name, unr_st_file *out,
                        unr_error *err);
void unr_st_free(unr_st_file *file);

const unr_st_tensor *unr_st_find(const unr_st_file *file, const char *tensor);
const char *unr_st_meta_get(const unr_st_file *file, const char *key); /* NULL if absent */

/* Convert a tensor to float32 (F32, F16, BF16 read little-endian) into dst[elements]; fails
 * with UNR_ERR_NONFINITE naming the file and tensor if any value is NaN or infinite. */
unr_status unr_st_read_f32(const unr_st_file *file, const unr_st_tensor *tensor, float *dst,
                           const char *name, unr_error *err);

#endif
