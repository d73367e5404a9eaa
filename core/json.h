/* json.h - a small strict JSON parser for safetensors headers (internal to core).
 *
 * The input need not be NUL-terminated and is never read past len. The parse builds a flat
 * tree in one allocation sized from a pre-scan, with an explicit stack (no recursion) bounded
 * by UNR_JSON_MAX_DEPTH. Strings are decoded (escapes, \uXXXX and surrogate pairs to UTF-8)
 * into a second allocation. Duplicate keys in any object are an error: a reader cannot know
 * which one the writer meant.
 */
#ifndef UNR_JSON_H
#define UNR_JSON_H

#include <stddef.h>

#define UNR_JSON_MAX_DEPTH 64
#define UNR_JSON_MAX_NUMBER 64 /* longest number literal accepted, in characters */

typedef enum unr_json_type {
    UNR_JSON_NULL = 0,
    UNR_JSON_FALSE,
    UNR_JSON_TRUE,
    UNR_JSON_NUMBER,
    UNR_JSON_STRING,
    UNR_JSON_ARRAY,
    UNR_JSON_OBJECT
} unr_json_type;

typedef struct unr_json_value {
    unr_json_type type;
    int first;          /* first child (arrays, objects) or -1 */
    int next;           /* next sibling or -1 */
    int count;          /* number of children */
    const char *key;    /* decoded, NUL-terminated key when this is an object member, else NULL */
    size_t key_len;
    const char *str;    /* decoded, NUL-terminated string (STRING) */
    size_t str_len;     /* may differ from strlen(str) if the string holds \u0000 */
    int is_int;         /* NUMBER written without fraction or exponent, fitting long long */
    long long i;
    double d;
    size_t offset;      /* byte offset of the value in the input, for messages */
} unr_json_value;

typedef struct unr_json_doc {
    unr_json_value *values; /* values[0] is the root */
    int num_values;
    void *block;            /* the one allocation behind values and strings */
    /* On failure: what went wrong and where. */
    char error[160];
    size_t error_offset;
} unr_json_doc;

typedef enum unr_json_result { UNR_JSON_OK = 0, UNR_JSON_SYNTAX, UNR_JSON_NOMEM } unr_json_result;

/* Parse text[0..len) as one JSON value with optional surrounding whitespace. On failure doc
 * holds no memory and error/error_offset say why. */
unr_json_result unr_json_parse(const char *text, size_t len, unr_json_doc *doc);
void unr_json_free(unr_json_doc *doc);

/* Member of an object by decoded key, or NULL. */
const unr_json_value *unr_json_get(const unr_json_doc *doc, const unr_json_value *object,
                                   const char *key);
/* First child of an array or object, and the sibling after a value; NULL at the end. */
const unr_json_value *unr_json_child(const unr_json_doc *doc, const unr_json_value *v);
const unr_json_value *unr_json_next(const unr_json_doc *doc, const unr_json_value *v);

#endif
