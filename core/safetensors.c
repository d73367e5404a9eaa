/* safetensors.c - checked safetensors parsing and float32 conversion (see safetensors.h). */
#include "safetensors.h"

#include "json.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Limits (stated in models/FORMAT.md) sized from what a real model needs: the largest network
 * the engine loads (3 x 128 blocks, option B) has a header of about 350 KB, 3,862 tensors and
 * 10 metadata keys, the longest value (its residual scales) under 8 KB. They bound what a hostile
 * header can make the parser allocate (a few tens of bytes per header byte) before any check. */
#define UNR_ST_MAX_HEADER (1u << 20)
#define UNR_ST_MAX_TENSORS 8192
#define UNR_ST_MAX_META 32
#define UNR_ST_MAX_META_VALUE (64u * 1024u)

static const char *dtype_name(unr_dtype d)
{
    return d == UNR_F32 ? "F32" : d == UNR_F16 ? "F16" : "BF16";
}

static size_t dtype_size(unr_dtype d)
{
    return d == UNR_F32 ? 4 : 2;
}

/* Dtypes of the safetensors format that the engine does not read. */
static int known_unsupported(const char *s)
{
    static const char *const names[] = {"F64", "I64", "I32", "I16", "I8", "U64", "U32", "U16",
                                        "U8", "BOOL", "F8_E4M3", "F8_E5M2", "C64", "F4",
                                        "F6_E2M3", "F6_E3M2", "F8_E8M0", "E8M0"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(s, names[i]) == 0) return 1;
    return 0;
}

/* "[16, 16, 3, 3]" into buf. */
static void format_shape(const unr_st_tensor *t, char *buf, size_t cap)
{
    size_t n = (size_t)snprintf(buf, cap, "[");
    for (int d = 0; d < t->ndim && n < cap; d++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%lld", d ? ", " : "", t->shape[d]);
    if (n < cap) snprintf(buf + n, cap - n, "]");
}

static int cmp_by_name(const void *a, const void *b)
{
    return strcmp(((const unr_st_tensor *)a)->name, ((const unr_st_tensor *)b)->name);
}

static int cmp_by_begin(const void *a, const void *b)
{
    const unr_st_tensor *x = *(const unr_st_tensor *const *)a;
    const unr_st_tensor *y = *(const unr_st_tensor *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

static unr_status parse_metadata(const unr_json_doc *doc, const unr_json_value *m,
                                 const char *name, unr_st_file *out, unr_error *err)
{
    if (m->type != UNR_JSON_OBJECT)
        return unr_fail(err, UNR_ERR_HEADER_JSON, "%s: __metadata__ is not an object", name);
    if (m->count > UNR_ST_MAX_META)
        return unr_fail(err, UNR_ERR_HEADER_JSON, "%s: __metadata__ has %d keys (at most %d)", name,
                        m->count, UNR_ST_MAX_META);
    /* Check every entry first, then copy the values into one block of the exact size. */
    size_t text = 0;
    for (const unr_json_value *v = unr_json_child(doc, m); v; v = unr_json_next(doc, v)) {
        if (v->type != UNR_JSON_STRING)
            return unr_fail(err, UNR_ERR_HEADER_JSON,
                            "%s: __metadata__ value of '%.64s' is not a string", name, v->key);
        if (v->key_len >= sizeof out->meta->key || strlen(v->key) != v->key_len)
            return unr_fail(err, UNR_ERR_HEADER_JSON,
                            "%s: __metadata__ key '%.64s...' is longer than %zu bytes or holds NUL",
                            name, v->key, sizeof out->meta->key - 1);
        if (v->str_len > UNR_ST_MAX_META_VALUE || strlen(v->str) != v->str_len)
            return unr_fail(err, UNR_ERR_HEADER_JSON,
                            "%s: __metadata__ value of '%s' is longer than %u bytes or holds NUL",
                            name, v->key, UNR_ST_MAX_META_VALUE);
        text += v->str_len + 1;
    }
    out->meta = calloc(m->count ? (size_t)m->count : 1, sizeof *out->meta);
    out->meta_text = malloc(text ? text : 1);
    if (!out->meta || !out->meta_text)
        return unr_fail(err, UNR_ERR_NOMEM, "%s: out of memory for metadata", name);
    char *at = out->meta_text;
    for (const unr_json_value *v = unr_json_child(doc, m); v; v = unr_json_next(doc, v)) {
        unr_st_meta *e = &out->meta[out->num_meta++];
        memcpy(e->key, v->key, v->key_len + 1);
        memcpy(at, v->str, v->str_len + 1);
        e->value = at;
        at += v->str_len + 1;
    }
    return UNR_OK;
}

/* A non-negative JSON integer, or -1. */
static long long nonneg_int(const unr_json_value *v)
{
    if (!v || v->type != UNR_JSON_NUMBER || !v->is_int || v->i < 0) return -1;
    return v->i;
}

static unr_status parse_tensor(const unr_json_doc *doc, const unr_json_value *v, const char *name,
                               size_t data_len, unr_st_tensor *t, unr_error *err)
{
    const char *tn = v->key;
    if (v->key_len >= sizeof t->name || strlen(tn) != v->key_len)
        return unr_fail(err, UNR_ERR_HEADER_JSON,
                        "%s: tensor name '%.60s...' is longer than %zu bytes or holds NUL", name, tn,
                        sizeof t->name - 1);
    memcpy(t->name, tn, v->key_len + 1);
    if (v->type != UNR_JSON_OBJECT)
        return unr_fail(err, UNR_ERR_HEADER_JSON, "%s: tensor '%s': entry is not an object", name, tn);

    for (const unr_json_value *f = unr_json_child(doc, v); f; f = unr_json_next(doc, f))
        if (strcmp(f->key, "dtype") && strcmp(f->key, "shape") && strcmp(f->key, "data_offsets"))
            return unr_fail(err, UNR_ERR_HEADER_JSON, "%s: tensor '%s': unknown field '%.40s'",
                            name, tn, f->key);

    const unr_json_value *dt = unr_json_get(doc, v, "dtype");
    const unr_json_value *sh = unr_json_get(doc, v, "shape");
    const unr_json_value *off = unr_json_get(doc, v, "data_offsets");
    if (!dt || dt->type != UNR_JSON_STRING)
        return unr_fail(err, UNR_ERR_HEADER_JSON, "%s: tensor '%s': dtype %s", name, tn,
                        dt ? "is not a string" : "is missing");
    if (!sh || sh->type != UNR_JSON_ARRAY)
        return unr_fail(err, UNR_ERR_HEADER_JSON, "%s: tensor '%s': shape %s", name, tn,
                        sh ? "is not an array" : "is missing");
    if (!off || off->type != UNR_JSON_ARRAY)
        return unr_fail(err, UNR_ERR_HEADER_JSON, "%s: tensor '%s': data_offsets %s", name, tn,
                        off ? "is not an array" : "is missing");

    if (strcmp(dt->str, "F32") == 0) t->dtype = UNR_F32;
    else if (strcmp(dt->str, "F16") == 0) t->dtype = UNR_F16;
    else if (strcmp(dt->str, "BF16") == 0) t->dtype = UNR_BF16;
    else
        return unr_fail(err, UNR_ERR_DTYPE, "%s: tensor '%s': %s dtype '%.20s' (the engine reads F32, F16, BF16)",
                        name, tn, known_unsupported(dt->str) ? "unsupported" : "unknown", dt->str);

    if (sh->count > UNR_ST_MAX_DIMS)
        return unr_fail(err, UNR_ERR_HEADER_JSON, "%s: tensor '%s': shape has %d dimensions (at most %d)",
                        name, tn, sh->count, UNR_ST_MAX_DIMS);
    /* Element count with an overflow check: a shape too large for memory cannot fit the file. */
    int overflow = 0;
    unsigned long long elements = 1;
    t->ndim = 0;
    for (const unr_json_value *d = unr_json_child(doc, sh); d; d = unr_json_next(doc, d)) {
        long long n = nonneg_int(d);
        if (n < 0)
            return unr_fail(err, UNR_ERR_HEADER_JSON,
                            "%s: tensor '%s': shape entry %d is not a non-negative integer", name, tn,
                            t->ndim);
        t->shape[t->ndim++] = n;
        if (n != 0 && elements > (unsigned long long)LLONG_MAX / (unsigned long long)n) overflow = 1;
        else elements *= (unsigned long long)n;
    }
    if (!overflow && elements > SIZE_MAX / dtype_size(t->dtype)) overflow = 1;
    /* A zero dimension makes the tensor empty whatever the others say. */
    for (int d = 0; d < t->ndim; d++)
        if (t->shape[d] == 0) { overflow = 0; elements = 0; }

    long long b = off->count == 2 ? nonneg_int(unr_json_child(doc, off)) : -1;
    long long e = off->count == 2 ? nonneg_int(unr_json_next(doc, unr_json_child(doc, off))) : -1;
    if (b < 0 || e < 0 || b > e)
        return unr_fail(err, UNR_ERR_HEADER_JSON,
                        "%s: tensor '%s': data_offsets is not [begin, end] with 0 <= begin <= end",
                        name, tn);
    char shape[160];
    format_shape(t, shape, sizeof shape);
    if ((unsigned long long)e > data_len)
        return unr_fail(err, UNR_ERR_OFFSETS,
                        "%s: tensor '%s': data_offsets [%lld, %lld] end beyond the %zu-byte data section",
                        name, tn, b, e, data_len);
    if (overflow)
        return unr_fail(err, UNR_ERR_OFFSETS, "%s: tensor '%s': shape %s is too large", name, tn, shape);
    size_t need = (size_t)elements * dtype_size(t->dtype);
    if ((size_t)(e - b) != need)
        return unr_fail(err, UNR_ERR_OFFSETS,
                        "%s: tensor '%s': data_offsets [%lld, %lld] need %zu bytes for %s %s", name,
                        tn, b, e, need, dtype_name(t->dtype), shape);
    t->begin = (size_t)b;
    t->end = (size_t)e;
    t->elements = (long long)elements;
    return UNR_OK;
}

static unr_status check_overlap(unr_st_file *out, const char *name, unr_error *err)
{
    if (out->num_tensors < 2) return UNR_OK;
    const unr_st_tensor **by_begin = malloc((size_t)out->num_tensors * sizeof *by_begin);
    if (!by_begin) return unr_fail(err, UNR_ERR_NOMEM, "%s: out of memory", name);
    int n = 0;
    for (int i = 0; i < out->num_tensors; i++)
        if (out->tensors[i].end > out->tensors[i].begin) by_begin[n++] = &out->tensors[i];
    qsort(by_begin, (size_t)n, sizeof *by_begin, cmp_by_begin);
    unr_status st = UNR_OK;
    /* Sorted by begin, any overlap shows between a tensor and the furthest-reaching one before. */
    const unr_st_tensor *reach = n ? by_begin[0] : NULL;
    for (int i = 1; i < n; i++) {
        if (by_begin[i]->begin < reach->end) {
            st = unr_fail(err, UNR_ERR_OVERLAP,
                          "%s: tensors '%s' [%zu, %zu] and '%s' [%zu, %zu] share bytes", name,
                          reach->name, reach->begin, reach->end, by_begin[i]->name,
                          by_begin[i]->begin, by_begin[i]->end);
            break;
        }
        if (by_begin[i]->end > reach->end) reach = by_begin[i];
    }
    free(by_begin);
    return st;
}

unr_status unr_st_parse(const void *bytes, size_t len, const char *name, unr_st_file *out,
                        unr_error *err)
{
    if (!name) name = "model";
    if (!out) return unr_fail(err, UNR_ERR_ARGUMENT, "%s: unr_st_parse: out is NULL", name);
    memset(out, 0, sizeof *out);
    if (!bytes && len) return unr_fail(err, UNR_ERR_ARGUMENT, "%s: bytes is NULL", name);
    const unsigned char *p = bytes;
    if (len < 8)
        return unr_fail(err, UNR_ERR_HEADER_SIZE,
                        "%s: file is %zu bytes, too short for the 8-byte header length", name, len);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = (n << 8) | p[i];
    if (n == 0) return unr_fail(err, UNR_ERR_HEADER_SIZE, "%s: header length is 0", name);
    if (n > len - 8)
        return unr_fail(err, UNR_ERR_HEADER_SIZE,
                        "%s: header length %llu exceeds the %zu bytes after the length field (truncated?)",
                        name, (unsigned long long)n, len - 8);
    if (n > UNR_ST_MAX_HEADER)
        return unr_fail(err, UNR_ERR_HEADER_SIZE,
                        "%s: header length %llu is over the %u-byte limit (real models need under 400 KB)",
                        name, (unsigned long long)n, UNR_ST_MAX_HEADER);

    unr_json_doc doc;
    unr_json_result jr = unr_json_parse((const char *)p + 8, (size_t)n, &doc);
    if (jr == UNR_JSON_NOMEM)
        return unr_fail(err, UNR_ERR_NOMEM, "%s: out of memory parsing the header", name);
    if (jr != UNR_JSON_OK)
        return unr_fail(err, UNR_ERR_HEADER_JSON, "%s: header JSON: %s at byte %zu", name,
                        doc.error, doc.error_offset);
    const unr_json_value *root = &doc.values[0];
    unr_status st = UNR_OK;
    out->data = p + 8 + n;
    out->data_len = len - 8 - (size_t)n;
    if (root->type != UNR_JSON_OBJECT) {
        st = unr_fail(err, UNR_ERR_HEADER_JSON, "%s: header is not a JSON object", name);
        goto done;
    }
    int tensors = root->count - (unr_json_get(&doc, root, "__metadata__") != NULL);
    if (tensors > UNR_ST_MAX_TENSORS) {
        st = unr_fail(err, UNR_ERR_HEADER_JSON, "%s: header lists %d tensors (at most %d)", name,
                      tensors, UNR_ST_MAX_TENSORS);
        goto done;
    }
    out->tensors = calloc(root->count ? (size_t)root->count : 1, sizeof *out->tensors);
    if (!out->tensors) {
        st = unr_fail(err, UNR_ERR_NOMEM, "%s: out of memory for %d tensors", name, root->count);
        goto done;
    }
    for (const unr_json_value *v = unr_json_child(&doc, root); v; v = unr_json_next(&doc, v)) {
        if (strcmp(v->key, "__metadata__") == 0 && v->key_len == 12) {
            st = parse_metadata(&doc, v, name, out, err);
        } else {
            st = parse_tensor(&doc, v, name, out->data_len, &out->tensors[out->num_tensors], err);
            if (st == UNR_OK) out->num_tensors++;
        }
        if (st != UNR_OK) goto done;
    }
    /* Sorted by name so that lookups are binary searches (the JSON parser refused duplicates). */
    qsort(out->tensors, (size_t)out->num_tensors, sizeof *out->tensors, cmp_by_name);
    st = check_overlap(out, name, err);
done:
    unr_json_free(&doc);
    if (st != UNR_OK) {
        unr_st_free(out);
        return st;
    }
    return unr_ok(err);
}

void unr_st_free(unr_st_file *file)
{
    if (!file) return;
    free(file->tensors);
    free(file->meta);
    free(file->meta_text);
    memset(file, 0, sizeof *file);
}

const unr_st_tensor *unr_st_find(const unr_st_file *file, const char *tensor)
{
    if (!file || !tensor || file->num_tensors == 0) return NULL;
    unr_st_tensor key;
    size_t n = strlen(tensor);
    if (n >= sizeof key.name) return NULL;
    memcpy(key.name, tensor, n + 1);
    return bsearch(&key, file->tensors, (size_t)file->num_tensors, sizeof key, cmp_by_name);
}

const char *unr_st_meta_get(const unr_st_file *file, const char *key)
{
    if (!file || !key) return NULL;
    for (int i = 0; i < file->num_meta; i++)
        if (strcmp(file->meta[i].key, key) == 0) return file->meta[i].value;
    return NULL;
}

/* IEEE half to float, exactly (every half is a float). Non-finite halves are caught before. */
static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
    uint32_t bits;
    if (exp == 0) {
        /* Zero or subnormal: mant * 2^-24 is exact in float. */
        float f = (float)mant * (1.0f / 16777216.0f);
        return sign ? -f : f;
    }
    bits = sign | ((exp + 112) << 23) | (mant << 13);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

unr_status unr_st_read_f32(const unr_st_file *file, const unr_st_tensor *tensor, float *dst,
                           const char *name, unr_error *err)
{
    if (!name) name = "model";
    if (!file || !tensor || (!dst && tensor->elements > 0))
        return unr_fail(err, UNR_ERR_ARGUMENT, "%s: unr_st_read_f32: NULL argument", name);
    size_t size = dtype_size(tensor->dtype);
    if (tensor->end > file->data_len || tensor->begin > tensor->end ||
        (size_t)(tensor->end - tensor->begin) / size != (size_t)tensor->elements)
        return unr_fail(err, UNR_ERR_ARGUMENT, "%s: tensor '%s' does not belong to this file", name,
                        tensor->name);
    const unsigned char *src = file->data + tensor->begin;
    size_t n = (size_t)tensor->elements;
    /* memcpy for every load: data offsets need not be aligned. Hosts are little-endian
     * (x86-64, WebAssembly), as the file is. */
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        if (tensor->dtype == UNR_F32) memcpy(&bits, src + 4 * i, 4);
        else if (tensor->dtype == UNR_BF16) bits = (uint32_t)(src[2 * i] | (src[2 * i + 1] << 8)) << 16;
        else {
            uint16_t h = (uint16_t)(src[2 * i] | (src[2 * i + 1] << 8));
            if ((h & 0x7C00u) == 0x7C00u) {
                return unr_fail(err, UNR_ERR_NONFINITE, "%s: tensor '%s': element %zu is %s", name,
                                tensor->name, i, (h & 0x3FFu) ? "NaN" : "infinite");
            }
            dst[i] = half_to_float(h);
            continue;
        }
        if ((bits & 0x7F800000u) == 0x7F800000u)
            return unr_fail(err, UNR_ERR_NONFINITE, "%s: tensor '%s': element %zu is %s", name,
                            tensor->name, i, (bits & 0x007FFFFFu) ? "NaN" : "infinite");
        memcpy(&dst[i], &bits, 4);
    }
    return unr_ok(err);
}
