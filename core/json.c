/* json.c - strict, non-recursive JSON parser (see json.h). */
#include "json.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const unsigned char *s;
    size_t len, pos;
    unr_json_doc *doc;
    int capacity;              /* values the pre-scan allows */
    char *strings;             /* decoded-string arena, len + 1 bytes */
    size_t strings_used;
    const unr_json_value **scratch; /* capacity entries, for the duplicate-key check */
} parser;

static int fail(parser *p, size_t offset, const char *what)
{
    snprintf(p->doc->error, sizeof p->doc->error, "%s", what);
    p->doc->error_offset = offset;
    return 0;
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static int hex4(parser *p, size_t at, unsigned *out)
{
    unsigned v = 0;
    if (p->len - at < 4) return 0;
    for (int k = 0; k < 4; k++) {
        unsigned char c = p->s[at + k];
        unsigned d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return 0;
        v = v * 16 + d;
    }
    *out = v;
    return 1;
}

static size_t put_utf8(char *dst, unsigned cp)
{
    if (cp < 0x80) { dst[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        dst[0] = (char)(0xC0 | (cp >> 6));
        dst[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xE0 | (cp >> 12));
        dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (char)(0xF0 | (cp >> 18));
    dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    dst[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Length of the valid UTF-8 sequence starting at s[at] (a byte >= 0x80), or 0. */
static size_t utf8_seq(const parser *p, size_t at)
{
    const unsigned char *s = p->s + at;
    size_t left = p->len - at;
    unsigned char c = s[0];
    size_t n;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
    else return 0;
    if (left < n) return 0;
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[k] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    return n;
}

/* Parse the string at p->pos (which is '"') into the arena. */
static int parse_string(parser *p, const char **out, size_t *out_len)
{
    size_t start = p->pos;
    char *dst = p->strings + p->strings_used;
    size_t n = 0;
    p->pos++;
    for (;;) {
        if (p->pos >= p->len) return fail(p, start, "unterminated string");
        unsigned char c = p->s[p->pos];
        if (c == '"') { p->pos++; break; }
        if (c < 0x20) return fail(p, p->pos, "control character in string");
        if (c >= 0x80) {
            size_t k = utf8_seq(p, p->pos);
            if (!k) return fail(p, p->pos, "invalid UTF-8 in string");
            memcpy(dst + n, p->s + p->pos, k);
            n += k;
            p->pos += k;
            continue;
        }
        if (c != '\\') { dst[n++] = (char)c; p->pos++; continue; }
        if (p->pos + 1 >= p->len) return fail(p, start, "unterminated string");
        unsigned char e = p->s[p->pos + 1];
        size_t esc = p->pos;
        p->pos += 2;
        switch (e) {
        case '"': dst[n++] = '"'; break;
        case '\\': dst[n++] = '\\'; break;
        case '/': dst[n++] = '/'; break;
        case 'b': dst[n++] = '\b'; break;
        case 'f': dst[n++] = '\f'; break;
        case 'n': dst[n++] = '\n'; break;
        case 'r': dst[n++] = '\r'; break;
        case 't': dst[n++] = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (!hex4(p, p->pos, &cp)) return fail(p, esc, "bad \\u escape (need 4 hex digits)");
            p->pos += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(p, esc, "unpaired low surrogate escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (p->len - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u' ||
                    !hex4(p, p->pos + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    return fail(p, esc, "unpaired high surrogate escape");
                p->pos += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            n += put_utf8(dst + n, cp);
            break;
        }
        default: return fail(p, esc, "bad escape in string");
        }
    }
    /* Decoded text is never longer than its quoted source, so the arena cannot overflow. */
    dst[n] = '\0';
    p->strings_used += n + 1;
    *out = dst;
    *out_len = n;
    return 1;
}

static int parse_number(parser *p, unr_json_value *v)
{
    size_t start = p->pos, i = p->pos;
    int integer = 1;
    if (i < p->len && p->s[i] == '-') i++;
    if (i >= p->len || p->s[i] < '0' || p->s[i] > '9') return fail(p, start, "bad number");
    if (p->s[i] == '0') {
        i++;
        if (i < p->len && p->s[i] >= '0' && p->s[i] <= '9')
            return fail(p, start, "number with a leading zero");
    } else {
        while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') i++;
    }
    if (i < p->len && p->s[i] == '.') {
        integer = 0;
        i++;
        if (i >= p->len || p->s[i] < '0' || p->s[i] > '9') return fail(p, start, "bad number");
        while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') i++;
    }
    if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
        integer = 0;
        i++;
        if (i < p->len && (p->s[i] == '+' || p->s[i] == '-')) i++;
        if (i >= p->len || p->s[i] < '0' || p->s[i] > '9') return fail(p, start, "bad number");
        while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') i++;
    }
    if (i - start > UNR_JSON_MAX_NUMBER) return fail(p, start, "number literal too long");
    char buf[UNR_JSON_MAX_NUMBER + 1];
    memcpy(buf, p->s + start, i - start);
    buf[i - start] = '\0';
    v->type = UNR_JSON_NUMBER;
    v->d = strtod(buf, NULL);
    if (integer) {
        /* Exact integer value: accumulate the magnitude with an overflow check. */
        int neg = buf[0] == '-';
        unsigned long long mag = 0, limit = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
        int fits = 1;
        for (const char *c = buf + neg; *c; c++) {
            unsigned d = (unsigned)(*c - '0');
            if (mag > (limit - d) / 10) { fits = 0; break; }
            mag = mag * 10 + d;
        }
        if (fits) {
            v->is_int = 1;
            v->i = neg ? (mag == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)mag)
                       : (long long)mag;
        }
    }
    p->pos = i;
    return 1;
}

static int literal(parser *p, const char *word, unr_json_type type, unr_json_value *v)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return fail(p, p->pos, "unexpected characters (not a JSON value)");
    p->pos += n;
    v->type = type;
    return 1;
}

static int cmp_keys(const void *a, const void *b)
{
    const unr_json_value *x = *(const unr_json_value *const *)a;
    const unr_json_value *y = *(const unr_json_value *const *)b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c) return c;
    return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

static int check_duplicates(parser *p, const unr_json_value *object)
{
    int n = 0;
    for (int i = object->first; i >= 0; i = p->doc->values[i].next) p->scratch[n++] = &p->doc->values[i];
    if (n < 2) return 1;
    qsort(p->scratch, (size_t)n, sizeof *p->scratch, cmp_keys);
    for (int i = 1; i < n; i++) {
        if (cmp_keys(&p->scratch[i - 1], &p->scratch[i]) == 0) {
            const unr_json_value *dup = p->scratch[i]->offset > p->scratch[i - 1]->offset
                                            ? p->scratch[i] : p->scratch[i - 1];
            snprintf(p->doc->error, sizeof p->doc->error, "duplicate key '%.100s'", dup->key);
            p->doc->error_offset = dup->offset;
            return 0;
        }
    }
    return 1;
}

/* Key, whitespace and ':' of an object member; p->pos is at the key's quote (or not). */
static int parse_key(parser *p, const char **key, size_t *key_len)
{
    if (p->pos >= p->len) return fail(p, p->pos, "unexpected end of input");
    if (p->s[p->pos] != '"') return fail(p, p->pos, "expected a string key");
    if (!parse_string(p, key, key_len)) return 0;
    skip_ws(p);
    if (p->pos >= p->len || p->s[p->pos] != ':') return fail(p, p->pos, "expected ':' after key");
    p->pos++;
    return 1;
}

static int parse_all(parser *p)
{
    unr_json_doc *doc = p->doc;
    int stack[UNR_JSON_MAX_DEPTH], last[UNR_JSON_MAX_DEPTH];
    int depth = 0;
    const char *key = NULL;
    size_t key_len = 0;

    for (;;) {
        /* A value is expected here. */
        skip_ws(p);
        if (p->pos >= p->len) return fail(p, p->pos, "unexpected end of input");
        if (doc->num_values >= p->capacity) return fail(p, p->pos, "internal: value bound");
        int idx = doc->num_values++;
        unr_json_value *v = &doc->values[idx];
        memset(v, 0, sizeof *v);
        v->first = v->next = -1;
        v->offset = p->pos;
        v->key = key;
        v->key_len = key_len;
        key = NULL;
        key_len = 0;
        if (depth > 0) {
            unr_json_value *parent = &doc->values[stack[depth - 1]];
            if (last[depth - 1] < 0) parent->first = idx;
            else doc->values[last[depth - 1]].next = idx;
            last[depth - 1] = idx;
            parent->count++;
        }
        unsigned char c = p->s[p->pos];
        int opened = 0;
        if (c == '{' || c == '[') {
            if (depth == UNR_JSON_MAX_DEPTH) return fail(p, p->pos, "nesting too deep");
            v->type = c == '{' ? UNR_JSON_OBJECT : UNR_JSON_ARRAY;
            stack[depth] = idx;
            last[depth] = -1;
            depth++;
            p->pos++;
            skip_ws(p);
            if (p->pos < p->len && p->s[p->pos] == (c == '{' ? '}' : ']')) {
                p->pos++;
                depth--;
            } else if (c == '{') {
                if (!parse_key(p, &key, &key_len)) return 0;
                opened = 1;
            } else {
                opened = 1;
            }
        } else if (c == '"') {
            v->type = UNR_JSON_STRING;
            if (!parse_string(p, &v->str, &v->str_len)) return 0;
        } else if (c == 't') {
            if (!literal(p, "true", UNR_JSON_TRUE, v)) return 0;
        } else if (c == 'f') {
            if (!literal(p, "false", UNR_JSON_FALSE, v)) return 0;
        } else if (c == 'n') {
            if (!literal(p, "null", UNR_JSON_NULL, v)) return 0;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            if (!parse_number(p, v)) return 0;
        } else {
            return fail(p, p->pos, "unexpected character (not a JSON value)");
        }
        if (opened) continue;

        /* After a value: close containers or move to the next element. */
        for (;;) {
            skip_ws(p);
            if (depth == 0) {
                if (p->pos != p->len) return fail(p, p->pos, "trailing characters after the JSON value");
                return 1;
            }
            if (p->pos >= p->len) return fail(p, p->pos, "unexpected end of input");
            const unr_json_value *top = &doc->values[stack[depth - 1]];
            unsigned char d = p->s[p->pos];
            if (top->type == UNR_JSON_OBJECT) {
                if (d == ',') {
                    p->pos++;
                    skip_ws(p);
                    if (!parse_key(p, &key, &key_len)) return 0;
                    break;
                }
                if (d != '}') return fail(p, p->pos, "expected ',' or '}' in object");
                if (!check_duplicates(p, top)) return 0;
            } else {
                if (d == ',') { p->pos++; break; }
                if (d != ']') return fail(p, p->pos, "expected ',' or ']' in array");
            }
            p->pos++;
            depth--;
        }
    }
}

unr_json_result unr_json_parse(const char *text, size_t len, unr_json_doc *doc)
{
    memset(doc, 0, sizeof *doc);
    /* Every value is the root, a container's first element or follows a comma. */
    size_t bound = 1;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        bound += c == ',' || c == '[' || c == '{';
    }
    if (bound > INT_MAX / 2 || len > SIZE_MAX / 4) {
        snprintf(doc->error, sizeof doc->error, "input too large");
        return UNR_JSON_NOMEM;
    }
    /* size_t is 32 bits in WebAssembly: check the sum before allocating it. */
    size_t per_value = sizeof(unr_json_value) + sizeof(unr_json_value *);
    if (bound > (SIZE_MAX - len - 1) / per_value) {
        snprintf(doc->error, sizeof doc->error, "out of memory");
        return UNR_JSON_NOMEM;
    }
    size_t values_bytes = bound * sizeof(unr_json_value);
    size_t scratch_bytes = bound * sizeof(unr_json_value *);
    unsigned char *block = malloc(values_bytes + scratch_bytes + len + 1);
    if (!block) {
        snprintf(doc->error, sizeof doc->error, "out of memory");
        return UNR_JSON_NOMEM;
    }
    parser p = {
        .s = (const unsigned char *)text,
        .len = len,
        .doc = doc,
        .capacity = (int)bound,
        .scratch = (const unr_json_value **)(void *)(block + values_bytes),
        .strings = (char *)block + values_bytes + scratch_bytes,
    };
    doc->values = (unr_json_value *)(void *)block;
    doc->block = block;
    if (!parse_all(&p)) {
        free(block);
        doc->values = NULL;
        doc->block = NULL;
        doc->num_values = 0;
        return UNR_JSON_SYNTAX;
    }
    return UNR_JSON_OK;
}

void unr_json_free(unr_json_doc *doc)
{
    if (!doc) return;
    free(doc->block);
    doc->block = NULL;
    doc->values = NULL;
    doc->num_values = 0;
}

const unr_json_value *unr_json_get(const unr_json_doc *doc, const unr_json_value *object,
                                   const char *key)
{
    if (!object || object->type != UNR_JSON_OBJECT) return NULL;
    size_t n = strlen(key);
    for (int i = object->first; i >= 0; i = doc->values[i].next) {
        const unr_json_value *m = &doc->values[i];
        if (m->key_len == n && memcmp(m->key, key, n) == 0) return m;
    }
    return NULL;
}

const unr_json_value *unr_json_child(const unr_json_doc *doc, const unr_json_value *v)
{
    if (!v || (v->type != UNR_JSON_ARRAY && v->type != UNR_JSON_OBJECT) || v->first < 0) return NULL;
    return &doc->values[v->first];
}

const unr_json_value *unr_json_next(const unr_json_doc *doc, const unr_json_value *v)
{
    if (!v || v->next < 0) return NULL;
    return &doc->values[v->next];
}
