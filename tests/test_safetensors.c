/* test_safetensors.c - the JSON parser and the safetensors reader: valid files round-trip, and
 * every corrupt or truncated input gets its own status and a message naming file and tensor. */
#include "json.h"
#include "safetensors.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define FILE_NAME "t.safetensors"

/* ---- building files ---------------------------------------------------------------------- */

typedef struct blob {
    unsigned char *bytes;
    size_t len;
} blob;

/* 8-byte little-endian length of header, header, data. Allocated to the exact size so that
 * AddressSanitizer catches any read past the end. */
static blob make_file_len(uint64_t stated_len, const char *header, size_t header_len,
                          const void *data, size_t data_len)
{
    blob b;
    b.len = 8 + header_len + data_len;
    b.bytes = malloc(b.len ? b.len : 1);
    for (int i = 0; i < 8; i++) b.bytes[i] = (unsigned char)(stated_len >> (8 * i));
    memcpy(b.bytes + 8, header, header_len);
    if (data_len) memcpy(b.bytes + 8 + header_len, data, data_len);
    return b;
}

static blob make_file(const char *header, const void *data, size_t data_len)
{
    return make_file_len(strlen(header), header, strlen(header), data, data_len);
}

static unsigned char zeros[4096];

/* Parse b, expect status; the message must name the file and contain each of want[]. */
static void expect(blob b, unr_status status, const char *want1, const char *want2, int line)
{
    unr_st_file f;
    unr_error err;
    memset(&f, 0x5a, sizeof f);
    unr_status st = unr_st_parse(b.bytes, b.len, FILE_NAME, &f, &err);
    test_checks++;
    if (st != status) {
        test_failures++;
        fprintf(stderr, "line %d: status %s, expected %s (%s)\n", line, unr_status_str(st),
                unr_status_str(status), err.message);
    } else if (status != UNR_OK) {
        CHECK(err.status == status, "line %d: err.status", line);
        CHECK(strstr(err.message, FILE_NAME) != NULL, "line %d: message '%s' lacks the file", line,
              err.message);
        if (want1)
            CHECK(strstr(err.message, want1) != NULL, "line %d: message '%s' lacks '%s'", line,
                  err.message, want1);
        if (want2)
            CHECK(strstr(err.message, want2) != NULL, "line %d: message '%s' lacks '%s'", line,
                  err.message, want2);
        CHECK(f.tensors == NULL && f.meta == NULL && f.num_tensors == 0, "line %d: out not empty", line);
    }
    unr_st_free(&f);
    free(b.bytes);
}
#define EXPECT(b, st, w1, w2) expect((b), (st), (w1), (w2), __LINE__)
#define EXPECT_HDR(hdr, st, w1, w2) expect(make_file((hdr), zeros, sizeof zeros), (st), (w1), (w2), __LINE__)

/* ---- references ------------------------------------------------------------------------- */

/* IEEE half by definition, for comparison with the reader's bit manipulation. */
static double half_reference(uint16_t h)
{
    int sign = h >> 15, exp = (h >> 10) & 31, mant = h & 1023;
    double v = exp == 0 ? ldexp(mant, -24) : ldexp(1024 + mant, exp - 25);
    return sign ? -v : v;
}

static void put16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void putf32(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(u >> (8 * i));
}

/* ---- JSON ------------------------------------------------------------------------------ */

/* Parse exactly len bytes from an exact-size copy (no NUL after it). */
static unr_json_result json_parse_exact(const char *text, size_t len, unr_json_doc *doc)
{
    char *copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    unr_json_result r = unr_json_parse(copy, len, doc);
    /* values point into the doc's own block, never into the input, so the copy can go */
    free(copy);
    return r;
}

static void json_bad(const char *text, const char *why, int line)
{
    unr_json_doc doc;
    unr_json_result r = json_parse_exact(text, strlen(text), &doc);
    test_checks++;
    if (r != UNR_JSON_SYNTAX) {
        test_failures++;
        fprintf(stderr, "line %d: '%s' parsed\n", line, text);
        unr_json_free(&doc);
        return;
    }
    CHECK(strstr(doc.error, why) != NULL, "line %d: error '%s' lacks '%s'", line, doc.error, why);
    CHECK(doc.values == NULL, "line %d: failed parse holds memory", line);
}
#define JSON_BAD(text, why) json_bad((text), (why), __LINE__)

static void test_json(void)
{
    unr_json_doc doc;
    const char *t = "{\"a\": [1, -2, 9223372036854775807, -9223372036854775808, 9223372036854775808,"
                    " 1.5e3, 0, -0, 2E-1], \"s\": \"x\\u00e9\\ud83d\\ude00\\n\\\"\\\\\\/\\t\", "
                    "\"t\": true, \"f\": false, \"n\": null, \"o\": {}, \"e\": [], \"k\\u0031\": 7}  \n";
    CHECK(json_parse_exact(t, strlen(t), &doc) == UNR_JSON_OK, "valid JSON: %s", doc.error);
    const unr_json_value *root = &doc.values[0];
    CHECK(root->type == UNR_JSON_OBJECT && root->count == 8, "root");
    const unr_json_value *a = unr_json_get(&doc, root, "a");
    CHECK(a && a->type == UNR_JSON_ARRAY && a->count == 9, "array");
    const unr_json_value *v = unr_json_child(&doc, a);
    long long ints[] = {1, -2, INT64_MAX, INT64_MIN};
    for (int i = 0; i < 4; i++, v = unr_json_next(&doc, v))
        CHECK(v->is_int && v->i == ints[i], "integer %d: %lld", i, v->i);
    CHECK(!v->is_int && v->d == 9223372036854775808.0, "2^63 is not a long long");
    v = unr_json_next(&doc, v);
    CHECK(!v->is_int && v->d == 1500.0, "1.5e3");
    v = unr_json_next(&doc, v);
    CHECK(v->is_int && v->i == 0, "0");
    v = unr_json_next(&doc, v);
    CHECK(v->is_int && v->i == 0, "-0");
    v = unr_json_next(&doc, v);
    CHECK(!v->is_int && fabs(v->d - 0.2) < 1e-15, "2E-1");
    CHECK(unr_json_next(&doc, v) == NULL, "end of array");
    const unr_json_value *s = unr_json_get(&doc, root, "s");
    const char want[] = "x\xc3\xa9\xf0\x9f\x98\x80\n\"\\/\t";
    CHECK(s && s->type == UNR_JSON_STRING && s->str_len == strlen(want) && strcmp(s->str, want) == 0,
          "escapes decode to UTF-8");
    CHECK(unr_json_get(&doc, root, "t")->type == UNR_JSON_TRUE, "true");
    CHECK(unr_json_get(&doc, root, "f")->type == UNR_JSON_FALSE, "false");
    CHECK(unr_json_get(&doc, root, "n")->type == UNR_JSON_NULL, "null");
    CHECK(unr_json_get(&doc, root, "o")->count == 0 && unr_json_get(&doc, root, "e")->count == 0, "empty");
    CHECK(unr_json_get(&doc, root, "k1") && unr_json_get(&doc, root, "k1")->i == 7, "escaped key");
    CHECK(unr_json_get(&doc, root, "zz") == NULL, "absent key");
    unr_json_free(&doc);

    /* nesting: 64 levels parse, 65 do not; 100000 fail without recursion */
    char deep[200001];
    for (int depth = 64; depth <= 65; depth++) {
        for (int i = 0; i < depth; i++) deep[i] = '[', deep[depth + i] = ']';
        unr_json_result r = json_parse_exact(deep, 2 * (size_t)depth, &doc);
        CHECK((r == UNR_JSON_OK) == (depth == 64), "depth %d: %d", depth, r);
        if (r == UNR_JSON_OK) unr_json_free(&doc);
    }
    memset(deep, '[', 100000);
    memset(deep + 100000, ']', 100000);
    CHECK(json_parse_exact(deep, 200000, &doc) == UNR_JSON_SYNTAX && strstr(doc.error, "deep"), "deep");

    JSON_BAD("", "end of input");
    JSON_BAD("   ", "end of input");
    JSON_BAD("{\"a\": \"abc", "unterminated string");
    JSON_BAD("\"abc\\", "unterminated string");
    JSON_BAD("{\"a\": 1} x", "trailing");
    JSON_BAD("{\"a\": 1}}", "trailing");
    JSON_BAD("{\"a\": 1", "end of input");
    JSON_BAD("[1, 2", "end of input");
    JSON_BAD("[1, 2,]", "unexpected character");
    JSON_BAD("{\"a\": 1,}", "string key");
    JSON_BAD("{\"a\" 1}", "':'");
    JSON_BAD("{a: 1}", "string key");
    JSON_BAD("[1 2]", "expected ','");
    JSON_BAD("\"\\x\"", "bad escape");
    JSON_BAD("\"\\u12G4\"", "\\u escape");
    JSON_BAD("\"\\u12", "\\u escape");
    JSON_BAD("\"\\ud83d\"", "high surrogate");
    JSON_BAD("\"\\ud83d\\u0041\"", "high surrogate");
    JSON_BAD("\"\\ude00\"", "low surrogate");
    JSON_BAD("\"a\x01\"", "control character");
    JSON_BAD("\"\xff\"", "UTF-8");
    JSON_BAD("\"\xc0\xaf\"", "UTF-8");         /* overlong '/' */
    JSON_BAD("\"\xed\xa0\x80\"", "UTF-8");     /* encoded surrogate */
    JSON_BAD("\"\xe2\x82\"", "UTF-8");         /* cut-off sequence */
    JSON_BAD("01", "leading zero");
    JSON_BAD("-", "bad number");
    JSON_BAD("1.", "bad number");
    JSON_BAD("1e", "bad number");
    JSON_BAD("+1", "unexpected character");
    JSON_BAD("tru", "unexpected characters");
    JSON_BAD("nul", "unexpected characters");
    JSON_BAD("NaN", "unexpected character");
    JSON_BAD("{\"a\": 1, \"b\": 2, \"a\": 3}", "duplicate key 'a'");
    JSON_BAD("{\"x\": {\"k\": 1, \"\\u006b\": 2}}", "duplicate key 'k'");
    char longnum[100];
    memset(longnum, '1', 99);
    longnum[99] = '\0';
    JSON_BAD(longnum, "too long");
    /* a number running to the very end of the input must not read beyond it */
    CHECK(json_parse_exact("12", 2, &doc) == UNR_JSON_OK && doc.values[0].i == 12, "number at end");
    unr_json_free(&doc);
}

/* ---- valid files ----------------------------------------------------------------------- */

static void test_valid(void)
{
    /* F32 [2,3] at 0..24, F16 [4] at 24..32, BF16 [3] at 32..38; then a 1-byte gap and an
     * F32 [2] at the odd offset 39 (and the data section itself starts at an odd address). */
    float f32[6] = {1.0f, -2.5f, 3.4028235e38f, 1e-45f, -0.0f, 0.1f};
    uint16_t f16[4] = {0x3C00, 0x0001, 0x83FF, 0x7BFF};
    float f16_want[4] = {1.0f, 5.9604645e-8f, -6.09755516e-5f, 65504.0f};
    uint16_t bf16[3] = {0x3F80, 0xC040, 0x0001};
    float bf16_want[3] = {1.0f, -3.0f, 9.18354962e-41f};
    unsigned char data[47];
    memset(data, 0xEE, sizeof data);
    for (int i = 0; i < 6; i++) putf32(data + 4 * i, f32[i]);
    for (int i = 0; i < 4; i++) put16(data + 24 + 2 * i, f16[i]);
    for (int i = 0; i < 3; i++) put16(data + 32 + 2 * i, bf16[i]);
    putf32(data + 39, 7.25f);
    putf32(data + 43, -1e10f);
    /* one trailing space pads the header to an odd length, as writers pad to alignment */
    const char *good = "{\"__metadata__\": {\"format\": \"pt\", \"unravel.arch\": \"cifar-resnet\", "
                       "\"\\u00e9t\\u00e9\": \"summer\"},"
                       "\"w\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 24]},"
                       "\"h\": {\"dtype\": \"F16\", \"shape\": [4], \"data_offsets\": [24, 32]},"
                       "\"b\": {\"dtype\": \"BF16\", \"shape\": [3], \"data_offsets\": [32, 38]},"
                       "\"odd\": {\"shape\": [2], \"dtype\": \"F32\", \"data_offsets\": [39, 47]},"
                       "\"empty\": {\"dtype\": \"F32\", \"shape\": [0, 5], \"data_offsets\": [47, 47]},"
                       "\"scalar\": {\"dtype\": \"F16\", \"shape\": [], \"data_offsets\": [38, 38]}} ";
    /* "scalar" claims [38, 38] with shape [] (1 element, 2 bytes): that is an offsets error */
    blob bad = make_file(good, data, sizeof data);
    EXPECT(bad, UNR_ERR_OFFSETS, "'scalar'", "need 2 bytes for F16 []");

    char fixed[2048];
    snprintf(fixed, sizeof fixed, "%s", good);
    char *sc = strstr(fixed, "[38, 38]");
    memcpy(sc, "[37, 39]", 8);
    /* now scalar overlaps odd? no: odd starts at 39; scalar covers 37..39 which overlaps b (32..38) */
    blob ov = make_file(fixed, data, sizeof data);
    EXPECT(ov, UNR_ERR_OVERLAP, "'b'", "'scalar'");
    memcpy(sc, "[38, 40]", 8);
    blob ov2 = make_file(fixed, data, sizeof data);
    EXPECT(ov2, UNR_ERR_OVERLAP, "'odd'", "'scalar'");

    /* the valid file: drop the scalar entry */
    snprintf(fixed, sizeof fixed, "%s", good);
    char *cut = strstr(fixed, ",\"scalar\"");
    snprintf(cut, sizeof fixed - (size_t)(cut - fixed), "}  ");
    blob b = make_file(fixed, data, sizeof data);
    CHECK((8 + strlen(fixed)) % 2 == 1, "odd data start");
    unr_st_file f;
    unr_error err;
    unr_status st = unr_st_parse(b.bytes, b.len, FILE_NAME, &f, &err);
    CHECK(st == UNR_OK, "valid file: %s", err.message);
    if (st == UNR_OK) {
        CHECK(f.num_tensors == 5 && f.num_meta == 3, "counts %d %d", f.num_tensors, f.num_meta);
        CHECK(f.data == b.bytes + 8 + strlen(fixed) && f.data_len == sizeof data, "data section");
        CHECK(unr_st_meta_get(&f, "unravel.arch") && strcmp(unr_st_meta_get(&f, "unravel.arch"), "cifar-resnet") == 0, "meta");
        CHECK(unr_st_meta_get(&f, "\xc3\xa9t\xc3\xa9") && strcmp(unr_st_meta_get(&f, "\xc3\xa9t\xc3\xa9"), "summer") == 0, "unicode meta key");
        CHECK(unr_st_meta_get(&f, "unravel.block") == NULL, "absent meta");
        CHECK(unr_st_find(&f, "nope") == NULL, "absent tensor");
        const unr_st_tensor *w = unr_st_find(&f, "w"), *h = unr_st_find(&f, "h"),
                            *bt = unr_st_find(&f, "b"), *odd = unr_st_find(&f, "odd"),
                            *em = unr_st_find(&f, "empty");
        CHECK(w && h && bt && odd && em, "find all");
        if (w && h && bt && odd && em) {
            CHECK(w->dtype == UNR_F32 && w->ndim == 2 && w->shape[0] == 2 && w->shape[1] == 3 &&
                      w->elements == 6 && w->begin == 0 && w->end == 24, "w fields");
            CHECK(em->elements == 0 && em->ndim == 2, "empty tensor");
            float out[8];
            CHECK(unr_st_read_f32(&f, w, out, FILE_NAME, &err) == UNR_OK, "%s", err.message);
            CHECK(memcmp(out, f32, sizeof f32) == 0, "F32 round-trip (bitwise, incl. -0 and denormal)");
            CHECK(unr_st_read_f32(&f, h, out, FILE_NAME, &err) == UNR_OK, "%s", err.message);
            for (int i = 0; i < 4; i++) CHECK(out[i] == f16_want[i], "F16 %d: %g", i, out[i]);
            CHECK(unr_st_read_f32(&f, bt, out, FILE_NAME, &err) == UNR_OK, "%s", err.message);
            for (int i = 0; i < 3; i++) CHECK(out[i] == bf16_want[i], "BF16 %d: %g", i, out[i]);
            CHECK(unr_st_read_f32(&f, odd, out, FILE_NAME, &err) == UNR_OK, "%s", err.message);
            CHECK(out[0] == 7.25f && out[1] == -1e10f, "unaligned F32");
            CHECK(unr_st_read_f32(&f, em, out, FILE_NAME, &err) == UNR_OK, "empty read");
            /* a tensor from elsewhere is refused, not read out of bounds */
            unr_st_tensor alien = *w;
            alien.end = f.data_len + 4;
            CHECK(unr_st_read_f32(&f, &alien, out, FILE_NAME, &err) == UNR_ERR_ARGUMENT, "alien");
        }
        unr_st_free(&f);
        CHECK(f.tensors == NULL && f.num_tensors == 0, "free clears");
        unr_st_free(&f); /* twice is harmless */
    }
    /* truncating the data section by one byte breaks the last tensor's offsets */
    blob tr = make_file(fixed, data, sizeof data - 1);
    EXPECT(tr, UNR_ERR_OFFSETS, "'odd'", "data section");
    free(b.bytes);

    /* a file with no tensors at all is valid */
    EXPECT(make_file("{}", NULL, 0), UNR_OK, NULL, NULL);
    EXPECT(make_file("{\"__metadata__\": {}}", NULL, 0), UNR_OK, NULL, NULL);
}

/* Every finite half converts exactly; every non-finite one is refused with its index. */
static void test_f16_exhaustive(void)
{
    enum { N = 65536 };
    unsigned char *data = malloc(2 * N);
    for (int i = 0; i < N; i++) put16(data + 2 * i, (uint16_t)i);
    /* one tensor per half would be slow: read the finite ones as one tensor of 31744 values
     * (0x0000-0x7BFF) and the negatives (0x8000-0xFBFF) as another */
    const char *hdr = "{\"pos\": {\"dtype\": \"F16\", \"shape\": [31744], \"data_offsets\": [0, 63488]},"
                      "\"neg\": {\"dtype\": \"F16\", \"shape\": [31744], \"data_offsets\": [65536, 129024]},"
                      "\"all\": {\"dtype\": \"F16\", \"shape\": [1024], \"data_offsets\": [63488, 65536]}}";
    blob b = make_file(hdr, data, 2 * N);
    unr_st_file f;
    unr_error err;
    CHECK(unr_st_parse(b.bytes, b.len, FILE_NAME, &f, &err) == UNR_OK, "%s", err.message);
    float *out = malloc(sizeof(float) * 31744);
    int bad = 0;
    CHECK(unr_st_read_f32(&f, unr_st_find(&f, "pos"), out, FILE_NAME, &err) == UNR_OK, "%s", err.message);
    for (int i = 0; i < 31744; i++) bad += (double)out[i] != half_reference((uint16_t)i);
    CHECK(unr_st_read_f32(&f, unr_st_find(&f, "neg"), out, FILE_NAME, &err) == UNR_OK, "%s", err.message);
    for (int i = 0; i < 31744; i++) {
        bad += (double)out[i] != half_reference((uint16_t)(0x8000 + i));
        bad += !signbit(out[i]);
    }
    CHECK(bad == 0, "%d halves converted wrongly", bad);
    /* 0x7C00 is +inf: element 0 of "all" */
    CHECK(unr_st_read_f32(&f, unr_st_find(&f, "all"), out, FILE_NAME, &err) == UNR_ERR_NONFINITE &&
              strstr(err.message, "'all'") && strstr(err.message, "element 0 is infinite") &&
              strstr(err.message, FILE_NAME), "F16 inf: %s", err.message);
    unr_st_free(&f);
    free(b.bytes);
    /* NaN payloads and -inf in F16, at a later index */
    unsigned char d2[8];
    uint16_t vals[4][4] = {{0x3C00, 0x3C00, 0x7C01, 0}, {0, 0, 0, 0xFC00}, {0, 0x7E00, 0, 0}, {0, 0, 0xFE00, 0}};
    const char *wants[4] = {"element 2 is NaN", "element 3 is infinite", "element 1 is NaN", "element 2 is NaN"};
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i < 4; i++) put16(d2 + 2 * i, vals[k][i]);
        blob c = make_file("{\"bn1.weight\": {\"dtype\": \"F16\", \"shape\": [4], \"data_offsets\": [0, 8]}}", d2, 8);
        CHECK(unr_st_parse(c.bytes, c.len, FILE_NAME, &f, &err) == UNR_OK, "%s", err.message);
        CHECK(unr_st_read_f32(&f, &f.tensors[0], out, FILE_NAME, &err) == UNR_ERR_NONFINITE &&
                  strstr(err.message, "'bn1.weight'") && strstr(err.message, wants[k]),
              "F16 case %d: %s", k, err.message);
        unr_st_free(&f);
        free(c.bytes);
    }
    free(out);
    free(data);
}

static void test_nonfinite(void)
{
    struct { const char *dtype; int size; uint32_t bits; const char *want; } cases[] = {
        {"F32", 4, 0x7FC00000u, "element 2 is NaN"},
        {"F32", 4, 0xFF800000u, "element 2 is infinite"},
        {"F32", 4, 0x7F800001u, "element 2 is NaN"},
        {"BF16", 2, 0x7F80u, "element 2 is infinite"},
        {"BF16", 2, 0xFFC1u, "element 2 is NaN"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        unsigned char d[16] = {0};
        int wide = cases[k].size == 4;
        for (int b = 0; b < (wide ? 4 : 2); b++) d[(wide ? 8 : 4) + b] = (unsigned char)(cases[k].bits >> (8 * b));
        char hdr[256];
        snprintf(hdr, sizeof hdr, "{\"layer1.0.bn2.bias\": {\"dtype\": \"%s\", \"shape\": [4], \"data_offsets\": [0, %d]}}",
                 cases[k].dtype, 4 * cases[k].size);
        blob b = make_file(hdr, d, (size_t)(4 * cases[k].size));
        unr_st_file f;
        unr_error err;
        float out[4];
        CHECK(unr_st_parse(b.bytes, b.len, FILE_NAME, &f, &err) == UNR_OK, "%s", err.message);
        unr_status st = unr_st_read_f32(&f, &f.tensors[0], out, FILE_NAME, &err);
        CHECK(st == UNR_ERR_NONFINITE && strstr(err.message, "'layer1.0.bn2.bias'") &&
                  strstr(err.message, FILE_NAME) && strstr(err.message, cases[k].want),
              "case %zu: %s", k, err.message);
        unr_st_free(&f);
        free(b.bytes);
    }
}

/* ---- corrupt files --------------------------------------------------------------------- */

static void test_header_size(void)
{
    EXPECT(make_file_len(0, "", 0, NULL, 0), UNR_ERR_HEADER_SIZE, "length is 0", NULL); /* 8 zero bytes */
    blob empty = {malloc(1), 0};
    EXPECT(empty, UNR_ERR_HEADER_SIZE, "0 bytes", "too short");
    blob seven = {calloc(7, 1), 7};
    EXPECT(seven, UNR_ERR_HEADER_SIZE, "7 bytes", NULL);
    EXPECT(make_file_len(0, "{}", 2, NULL, 0), UNR_ERR_HEADER_SIZE, "length is 0", NULL);
    EXPECT(make_file_len(3, "{}", 2, NULL, 0), UNR_ERR_HEADER_SIZE, "header length 3 exceeds the 2 bytes", NULL);
    EXPECT(make_file_len(UINT64_MAX, "{}", 2, NULL, 0), UNR_ERR_HEADER_SIZE, "exceeds", NULL);
    EXPECT(make_file_len((uint64_t)1 << 63, "{}", 2, NULL, 0), UNR_ERR_HEADER_SIZE, "exceeds", NULL);
    /* a header length within the file but over the cap (the file is mostly untouched zero pages) */
    size_t big = 100u * 1024u * 1024u + 16;
    blob huge = {calloc(big, 1), big};
    uint64_t n = big - 8;
    for (int i = 0; i < 8; i++) huge.bytes[i] = (unsigned char)(n >> (8 * i));
    EXPECT(huge, UNR_ERR_HEADER_SIZE, "limit", NULL);
    /* a valid file cut inside its header */
    const char *h = "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}";
    EXPECT(make_file_len(strlen(h), h, strlen(h) - 5, NULL, 0), UNR_ERR_HEADER_SIZE, "truncated", NULL);
}

static void test_header_json(void)
{
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]", UNR_ERR_HEADER_JSON, "end of input", NULL);
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32, \"shape\": [1], \"data_offsets\": [0, 4]}}", UNR_ERR_HEADER_JSON, "header JSON", NULL);
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32}", UNR_ERR_HEADER_JSON, "unterminated string", NULL);
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}xyz", UNR_ERR_HEADER_JSON, "trailing", NULL);
    EXPECT_HDR("{\"w\": {\"dtype\": \"F\\q32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", UNR_ERR_HEADER_JSON, "bad escape", NULL);
    EXPECT_HDR("{\"w\\ud800\": {}}", UNR_ERR_HEADER_JSON, "surrogate", NULL);
    char deep[300];
    memset(deep, '[', 150);
    memset(deep + 150, ']', 150);
    memcpy(deep, "{\"x\": ", 6);
    deep[298] = '}';
    deep[299] = '\0';
    EXPECT_HDR(deep, UNR_ERR_HEADER_JSON, "too deep", NULL);
    EXPECT_HDR("[]", UNR_ERR_HEADER_JSON, "not a JSON object", NULL);
    EXPECT_HDR("\"x\"", UNR_ERR_HEADER_JSON, "not a JSON object", NULL);
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
               " \"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", UNR_ERR_HEADER_JSON, "duplicate key 'w'", NULL);
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"dtype\": \"F16\", \"shape\": [1], \"data_offsets\": [0, 4]}}", UNR_ERR_HEADER_JSON, "duplicate key 'dtype'", NULL);
    EXPECT_HDR("{\"w\": [1]}", UNR_ERR_HEADER_JSON, "'w'", "not an object");
    EXPECT_HDR("{\"w\": {\"dtype\": 32, \"shape\": [1], \"data_offsets\": [0, 4]}}", UNR_ERR_HEADER_JSON, "'w'", "dtype is not a string");
    EXPECT_HDR("{\"w\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", UNR_ERR_HEADER_JSON, "'w'", "dtype is missing");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": 1, \"data_offsets\": [0, 4]}}", UNR_ERR_HEADER_JSON, "'w'", "shape is not an array");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", UNR_ERR_HEADER_JSON, "'w'", "shape is missing");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", UNR_ERR_HEADER_JSON, "'w'", "shape entry 0");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [1, 1.0], \"data_offsets\": [0, 4]}}", UNR_ERR_HEADER_JSON, "'w'", "shape entry 1");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [1, \"2\"], \"data_offsets\": [0, 8]}}", UNR_ERR_HEADER_JSON, "'w'", "shape entry 1");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [99999999999999999999], \"data_offsets\": [0, 4]}}", UNR_ERR_HEADER_JSON, "'w'", "shape entry 0");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [1,1,1,1,1,1,1,1,1], \"data_offsets\": [0, 4]}}", UNR_ERR_HEADER_JSON, "'w'", "9 dimensions");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", UNR_ERR_HEADER_JSON, "'w'", "[begin, end]");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4, 8]}}", UNR_ERR_HEADER_JSON, "'w'", "[begin, end]");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}}", UNR_ERR_HEADER_JSON, "'w'", "begin <= end");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]}}", UNR_ERR_HEADER_JSON, "'w'", "[begin, end]");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": \"0,4\"}}", UNR_ERR_HEADER_JSON, "'w'", "data_offsets is not an array");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [1]}}", UNR_ERR_HEADER_JSON, "'w'", "data_offsets is missing");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4], \"extra\": 1}}", UNR_ERR_HEADER_JSON, "'w'", "unknown field 'extra'");
    char longname[400];
    memset(longname, 'n', sizeof longname);
    snprintf(longname, sizeof longname, "{\"%0200d\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 7);
    EXPECT_HDR(longname, UNR_ERR_HEADER_JSON, "tensor name", "longer than 127");
    EXPECT_HDR("{\"a\\u0000b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", UNR_ERR_HEADER_JSON, "NUL", NULL);
    EXPECT_HDR("{\"__metadata__\": {\"a\": 1}}", UNR_ERR_HEADER_JSON, "__metadata__ value of 'a' is not a string", NULL);
    EXPECT_HDR("{\"__metadata__\": {\"a\": [\"x\"]}}", UNR_ERR_HEADER_JSON, "'a' is not a string", NULL);
    EXPECT_HDR("{\"__metadata__\": [\"a\"]}", UNR_ERR_HEADER_JSON, "__metadata__ is not an object", NULL);
    char longmeta[1200];
    snprintf(longmeta, sizeof longmeta, "{\"__metadata__\": {\"%070d\": \"v\"}}", 1);
    EXPECT_HDR(longmeta, UNR_ERR_HEADER_JSON, "key", "longer than 63");
    /* a name just inside the limit is fine, and a unicode-escaped name is decoded */
    char okname[400];
    snprintf(okname, sizeof okname, "{\"%0127d\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 7);
    EXPECT_HDR(okname, UNR_OK, NULL, NULL);
}

/* The header limits of models/FORMAT.md: 1 MiB of header, 32 metadata keys, 64 KiB per value,
 * 8192 tensors; each exactly at the limit is accepted, one over is refused. */
static void test_limits(void)
{
    enum { VALUE = 64 * 1024 };
    char *h = malloc(2u << 20);
    for (int over = 0; over < 2; over++) {
        int n = snprintf(h, 64, "{\"__metadata__\": {\"k\": \"");
        memset(h + n, 'v', VALUE + over);
        snprintf(h + n + VALUE + over, 16, "\"}}");
        EXPECT_HDR(h, over ? UNR_ERR_HEADER_JSON : UNR_OK, over ? "'k'" : NULL, over ? "longer than 65536" : NULL);

        n = snprintf(h, 64, "{\"__metadata__\": {");
        for (int k = 0; k < 32 + over; k++) n += snprintf(h + n, 64, "%s\"key%d\": \"v\"", k ? ", " : "", k);
        snprintf(h + n, 8, "}}");
        EXPECT_HDR(h, over ? UNR_ERR_HEADER_JSON : UNR_OK, over ? "33 keys (at most 32)" : NULL, NULL);

        /* a valid header padded with spaces to exactly 1 MiB (+1) */
        size_t len = (1u << 20) + (size_t)over;
        memset(h, ' ', len);
        memcpy(h, "{}", 2);
        EXPECT(make_file_len(len, h, len, NULL, 0), over ? UNR_ERR_HEADER_SIZE : UNR_OK,
               over ? "over the 1048576-byte limit" : NULL, NULL);

        n = snprintf(h, 8, "{");
        for (int t = 0; t < 8192 + over; t++)
            n += snprintf(h + n, 96, "%s\"t%d\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [0, 0]}",
                          t ? "," : "", t);
        snprintf(h + n, 8, "}");
        EXPECT_HDR(h, over ? UNR_ERR_HEADER_JSON : UNR_OK, over ? "8193 tensors (at most 8192)" : NULL, NULL);
    }
    free(h);
}

static void test_dtype_offsets_overlap(void)
{
    EXPECT_HDR("{\"w\": {\"dtype\": \"I64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", UNR_ERR_DTYPE, "'w'", "'I64'");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", UNR_ERR_DTYPE, "'w'", "unsupported dtype 'F64'");
    EXPECT_HDR("{\"w\": {\"dtype\": \"Q7\", \"shape\": [1], \"data_offsets\": [0, 8]}}", UNR_ERR_DTYPE, "'w'", "unknown dtype 'Q7'");
    EXPECT_HDR("{\"w\": {\"dtype\": \"f32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", UNR_ERR_DTYPE, "'w'", "'f32'");

    EXPECT_HDR("{\"layer1.0.conv1.weight\": {\"dtype\": \"F32\", \"shape\": [16, 16, 3, 3], \"data_offsets\": [0, 100]}}",
               UNR_ERR_OFFSETS, "tensor 'layer1.0.conv1.weight': data_offsets [0, 100] need 9216 bytes for F32 [16, 16, 3, 3]", NULL);
    EXPECT_HDR("{\"w\": {\"dtype\": \"BF16\", \"shape\": [3], \"data_offsets\": [0, 4]}}", UNR_ERR_OFFSETS, "'w'", "need 6 bytes for BF16 [3]");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4096, 4100]}}", UNR_ERR_OFFSETS, "'w'", "4096-byte data section");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 9223372036854775807]}}", UNR_ERR_OFFSETS, "'w'", "beyond");
    /* shape products that overflow 64 bits must not wrap around to a plausible size */
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 16], \"data_offsets\": [0, 0]}}", UNR_ERR_OFFSETS, "'w'", "too large");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904], \"data_offsets\": [0, 0]}}", UNR_ERR_OFFSETS, "'w'", "too large");
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 0], \"data_offsets\": [0, 0]}}", UNR_OK, NULL, NULL);
    EXPECT_HDR("{\"w\": {\"dtype\": \"F32\", \"shape\": [0, 3], \"data_offsets\": [0, 4]}}", UNR_ERR_OFFSETS, "'w'", "need 0 bytes");

    const char *t2 = "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                     " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}";
    EXPECT_HDR(t2, UNR_ERR_OVERLAP, "'a' [0, 8]", "'b' [4, 12]");
    const char *same = "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                       " \"b\": {\"dtype\": \"F16\", \"shape\": [4], \"data_offsets\": [0, 8]}}";
    EXPECT_HDR(same, UNR_ERR_OVERLAP, "'a'", "'b'");
    /* a long tensor hiding a short one two places later */
    const char *far = "{\"big\": {\"dtype\": \"F32\", \"shape\": [25], \"data_offsets\": [0, 100]},"
                      " \"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [100, 104]},"
                      " \"in1\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 12]},"
                      " \"in2\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [40, 44]}}";
    EXPECT_HDR(far, UNR_ERR_OVERLAP, "'big'", "'in1'");
    /* touching tensors and empty tensors inside others do not share bytes */
    const char *ok = "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                     " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]},"
                     " \"e\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [4, 4]},"
                     " \"e2\": {\"dtype\": \"F16\", \"shape\": [2, 0], \"data_offsets\": [4, 4]}}";
    EXPECT_HDR(ok, UNR_OK, NULL, NULL);
}

/* ---- fuzz smoke test ------------------------------------------------------------------- */

static uint64_t fuzz_state = 0x9E3779B97F4A7C15ull;
static uint64_t fuzz_next(void)
{
    /* SplitMix64, local to the test */
    uint64_t z = (fuzz_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void test_fuzz(void)
{
    const char *hdr = "{\"__metadata__\": {\"unravel.arch\": \"cifar-resnet\", \"k\": \"v\\u00e9\"},"
                      "\"conv1.weight\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 24]},"
                      "\"bn1.bias\": {\"dtype\": \"F16\", \"shape\": [4], \"data_offsets\": [24, 32]},"
                      "\"linear.weight\": {\"dtype\": \"BF16\", \"shape\": [2, 2], \"data_offsets\": [32, 40]}}";
    unsigned char data[40];
    for (int i = 0; i < 40; i++) data[i] = (unsigned char)(i * 7 % 64);
    blob base = make_file(hdr, data, sizeof data);
    const char specials[] = "{}[]\",:\\u0123456789-.eE \x00\xff";
    int parsed = 0, runs = 20000;
    for (int it = 0; it < runs; it++) {
        size_t len = base.len;
        unsigned char *m = malloc(len + 64);
        memcpy(m, base.bytes, len);
        int edits = 1 + (int)(fuzz_next() % 4);
        for (int e = 0; e < edits; e++) {
            uint64_t r = fuzz_next();
            size_t at = (size_t)(fuzz_next() % len);
            switch (r % 5) {
            case 0: m[at] ^= (unsigned char)(1u << (r >> 8 & 7)); break;
            case 1: m[at] = (unsigned char)specials[(r >> 8) % (sizeof specials - 1)]; break;
            case 2: len = at; break; /* truncate */
            case 3: if (at < 8) m[at] = (unsigned char)(r >> 16); break; /* header length */
            default: /* delete a byte */
                memmove(m + at, m + at + 1, len - at - 1);
                len--;
                break;
            }
            if (len == 0) break;
        }
        /* exact-size copy so that any overread is caught by the sanitizer */
        unsigned char *exact = malloc(len ? len : 1);
        memcpy(exact, m, len);
        free(m);
        unr_st_file f;
        unr_error err;
        unr_status st = unr_st_parse(exact, len, FILE_NAME, &f, &err);
        if (st == UNR_OK) {
            parsed++;
            for (int t = 0; t < f.num_tensors; t++) {
                const unr_st_tensor *tt = &f.tensors[t];
                size_t size = tt->dtype == UNR_F32 ? 4 : 2;
                CHECK(tt->end <= f.data_len && tt->end - tt->begin == (size_t)tt->elements * size,
                      "fuzz %d: tensor %s out of bounds", it, tt->name);
                float *out = malloc(sizeof(float) * (size_t)(tt->elements + 1));
                unr_status rs = unr_st_read_f32(&f, tt, out, FILE_NAME, &err);
                CHECK(rs == UNR_OK || rs == UNR_ERR_NONFINITE, "fuzz %d: read %s", it, err.message);
                free(out);
            }
            unr_st_free(&f);
        } else {
            CHECK(st > UNR_OK && st < UNR_STATUS_COUNT && strstr(err.message, FILE_NAME),
                  "fuzz %d: status %d message '%s'", it, st, err.message);
        }
        free(exact);
    }
    CHECK(parsed > 0 && parsed < runs, "fuzz: %d of %d mutants parsed", parsed, runs);
    printf("fuzz: %d of %d mutants parsed, the rest refused\n", parsed, runs);
    free(base.bytes);
}

int main(void)
{
    test_json();
    test_valid();
    test_f16_exhaustive();
    test_nonfinite();
    test_header_size();
    test_header_json();
    test_limits();
    test_dtype_offsets_overlap();
    test_fuzz();
    return test_summary("test_safetensors");
}
