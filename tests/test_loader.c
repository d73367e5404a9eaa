/* test_loader.c - hostile and broken model files against unr_model_load, and hostile arguments
 * to unr_run_plans: every defect found by attacking the engine (issue 11) has a case here.
 * Runs natively, under the sanitizers, and as 32-bit WebAssembly under node, where size_t is
 * 32 bits (wasm/CMakeLists.txt).
 *   test_loader                      all cases
 *   test_loader --invalid-kernels    UNRAVEL_KERNELS names no variant: loading must fail */
#include <limits.h>
#include <math.h>

#include "model_builder.h"
#include "testutil.h"
#include "unravel.h"

#define NAME "hostile.safetensors"

/* Load bytes; expect status and a message naming the file and holding want1 and want2. */
static unr_model *expect_load(unsigned char *bytes, size_t len, unr_status want, const char *want1,
                              const char *want2, int line)
{
    unr_model *m = NULL;
    unr_error err;
    unr_status st = unr_model_load(bytes, len, NAME, &m, &err);
    free(bytes);
    CHECK(st == want, "line %d: status '%s', expected '%s' (%s)", line, unr_status_str(st),
          unr_status_str(want), err.message);
    if (st != UNR_OK) {
        CHECK(m == NULL, "line %d: a model despite the error", line);
        CHECK(strstr(err.message, NAME) != NULL, "line %d: '%s' does not name the file", line,
              err.message);
        if (want1) CHECK(strstr(err.message, want1) != NULL, "line %d: '%s' lacks '%s'", line, err.message, want1);
        if (want2) CHECK(strstr(err.message, want2) != NULL, "line %d: '%s' lacks '%s'", line, err.message, want2);
    }
    if (st == UNR_OK && want != UNR_OK) unr_model_free(m), m = NULL;
    return m;
}
#define EXPECT_SPEC(spec, st, w1, w2)                                                          \
    do {                                                                                       \
        size_t len_;                                                                           \
        unsigned char *b_ = mb_build(&(spec), &len_);                                          \
        unr_model_free(expect_load(b_, len_, (st), (w1), (w2), __LINE__));                     \
    } while (0)

/* ---- valid files ------------------------------------------------------------------------- */

static void test_valid(void)
{
    for (int v = 0; v < MB_VARIANTS; v++) {
        char name[32];
        mb_spec s = mb_variant(v, name);
        size_t len;
        unsigned char *b = mb_build(&s, &len);
        unr_model *m = expect_load(b, len, UNR_OK, NULL, NULL, __LINE__);
        if (!m) continue;
        float images[2 * 3072], logits[20];
        for (int i = 0; i < 2 * 3072; i++) images[i] = (float)((i * 37) % 101) / 50.0f - 1.0f;
        unr_error err;
        CHECK(unr_forward(m, NULL, images, 2, logits, &err) == UNR_OK, "%s", err.message);
        for (int i = 0; i < 20; i++) CHECK(isfinite(logits[i]), "%s logit %d", name, i);
        unr_model_free(m);
    }
}

/* ---- sizes from metadata are checked against the file before any allocation ------------- */

static int only_stem(const char *name, void *user)
{
    (void)user;
    return !strcmp(name, "conv1.weight");
}
static int no_tensors(const char *name, void *user)
{
    (void)name, (void)user;
    return 0;
}

static void test_sizes_from_metadata(void)
{
    /* The 95 KB file: n = 87, widths 880,984,1000 and only the stem's weights. In 32-bit
     * builds the parameter count (4,294,967,354 floats) wrapped to 58 and folding the stem wrote
     * 95 KB past a 232-byte allocation. */
    mb_spec s = mb_small("postact", 'A');
    s.n = 87;
    s.widths[0] = 880, s.widths[1] = 984, s.widths[2] = 1000;
    s.keep = only_stem;
    EXPECT_SPEC(s, UNR_ERR_MISSING_TENSOR, "'bn1.weight'", NULL);
    /* Maximal metadata and no tensors at all: was a 17 GB calloc ("out of memory"). */
    mb_spec big = mb_small("preact", 'B');
    big.n = 128;
    big.widths[0] = big.widths[1] = big.widths[2] = 1024;
    big.keep = no_tensors;
    EXPECT_SPEC(big, UNR_ERR_MISSING_TENSOR, "'conv1.weight'", NULL);
    /* Metadata that promises more channels than the tensors hold: refused by shape, before
     * the network's arrays exist. */
    mb_spec liar = mb_small("postact", 'B');
    liar.widths_text = "\"4,6,1000\"";
    EXPECT_SPEC(liar, UNR_ERR_SHAPE, "'layer3.0.conv1.weight'", "expected [1000, 6, 3, 3]");
}

/* ---- values that are finite in the file but not after folding --------------------------- */

typedef struct poke {
    const char *tensor;
    int index;
    float value;
    const char *tensor2;
    int index2;
    float value2;
} poke;

static void apply_poke(const char *name, float *v, long long count, void *user)
{
    const poke *p = user;
    if (!strcmp(name, p->tensor) && p->index < count) v[p->index] = p->value;
    if (p->tensor2 && !strcmp(name, p->tensor2) && p->index2 < count) v[p->index2] = p->value2;
}

static void test_nonfinite_after_folding(void)
{
    /* gamma 3e38 over a zero variance: 3e38 / sqrt(1e-5) overflows float32 */
    poke gamma = {"bn1.weight", 2, 3e38f, "bn1.running_var", 2, 0.0f};
    mb_spec s = mb_small("postact", 'A');
    s.tweak = apply_poke, s.user = &gamma;
    EXPECT_SPEC(s, UNR_ERR_NONFINITE, "BatchNorm 'bn1' channel 2", "non-finite scale");
    /* the same in a pre-activation block's own BatchNorm (kept as multiply-add, not folded) */
    poke pre = {"layer2.0.bn1.weight", 1, 3e38f, "layer2.0.bn1.running_var", 1, 0.0f};
    mb_spec sp = mb_small("preact", 'B');
    sp.tweak = apply_poke, sp.user = &pre;
    EXPECT_SPEC(sp, UNR_ERR_NONFINITE, "BatchNorm 'layer2.0.bn1' channel 1", NULL);
    /* a shift that overflows: mean * gamma / sqrt(var) */
    poke shift = {"layer1.0.bn2.running_mean", 0, 3e38f, "layer1.0.bn2.running_var", 0, 1e-30f};
    s.user = &shift;
    EXPECT_SPEC(s, UNR_ERR_NONFINITE, "BatchNorm 'layer1.0.bn2' channel 0", "non-finite shift");
    /* a large weight times a large BatchNorm scale */
    poke weight = {"layer1.0.conv1.weight", 5, 3e38f, "layer1.0.bn1.running_var", 0, 0.0f};
    s.user = &weight;
    EXPECT_SPEC(s, UNR_ERR_NONFINITE, "tensor 'layer1.0.conv1.weight' element 5", "not a finite float32");
    /* a residual scale of 1e300 made every logit NaN */
    mb_spec r = mb_small("preact", 'A');
    r.meta[0][0] = "unravel.residual_scale", r.meta[0][1] = "\"1,1e300,1\"";
    EXPECT_SPEC(r, UNR_ERR_METADATA, "residual_scale of block 2", "float32");
    r.meta[0][1] = "\"1,0.5,0.25\"";
    EXPECT_SPEC(r, UNR_OK, NULL, NULL);
    /* a std that becomes 0.0f (or a denormal) divides pixels to infinity */
    mb_spec d = mb_small("postact", 'A');
    d.meta[0][0] = "unravel.std", d.meta[0][1] = "\"0.25,1e-300,0.25\"";
    EXPECT_SPEC(d, UNR_ERR_METADATA, "unravel.std", "positive");
    d.meta[0][1] = "\"0.25,1e-40,0.25\"";
    EXPECT_SPEC(d, UNR_ERR_METADATA, "unravel.std", NULL);
    d.meta[0][0] = "unravel.mean", d.meta[0][1] = "\"0,1e39,0\"";
    EXPECT_SPEC(d, UNR_ERR_METADATA, "unravel.mean", "float32");
}

/* ---- text from the file reaches terminals and pages ------------------------------------- */

static int printable(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7F || (p[0] == 0xC2 && p[1] >= 0x80 && p[1] < 0xA0)) return 0;
    return 1;
}

static void test_text(void)
{
    /* an escape sequence in metadata that is quoted in the error message */
    mb_spec s = mb_small("postact", 'A');
    s.meta[0][0] = "unravel.arch", s.meta[0][1] = "\"\\u001b]0;owned\\u0007\\u001b[2J\\u009b31m\"";
    size_t len;
    unsigned char *b = mb_build(&s, &len);
    unr_model *m = NULL;
    unr_error err;
    CHECK(unr_model_load(b, len, NAME, &m, &err) == UNR_ERR_METADATA, "escape in arch");
    CHECK(printable(err.message), "message holds control characters: %s", err.message);
    CHECK(strstr(err.message, "\\x1b]0;owned\\x07\\x1b[2J\\xc2\\x9b31m") != NULL, "escaped: %s", err.message);
    free(b);
    /* class names with control characters are refused; quotes and backslashes are names */
    s.meta[0][0] = "unravel.classes";
    s.meta[0][1] = "\"a,b,c,d,e,f,g,h,i,j\\u001b[31m\"";
    EXPECT_SPEC(s, UNR_ERR_METADATA, "class 10 holds a control character", NULL);
    s.meta[0][1] = "\"a,b,c,d,e,\\u0085f,g,h,i,j\"";
    EXPECT_SPEC(s, UNR_ERR_METADATA, "class 6 holds a control character", NULL);
    s.meta[0][1] = "\"a\\\"quote,b\\\\slash,c</script>,d,e,f,g,h,i,\\u00e9t\\u00e9\"";
    b = mb_build(&s, &len);
    m = expect_load(b, len, UNR_OK, NULL, NULL, __LINE__);
    if (m) {
        const unr_model_info *in = unr_model_get_info(m);
        CHECK(!strcmp(in->classes[0], "a\"quote") && !strcmp(in->classes[1], "b\\slash") &&
                  !strcmp(in->classes[9], "\xc3\xa9t\xc3\xa9"), "class names kept as written");
        unr_model_free(m);
    }
}

/* ---- unr_run_plans: image ranges and hand-made datasets ---------------------------------- */

static void test_run_ranges(void)
{
    mb_spec s = mb_small("preact", 'A');
    size_t len;
    unsigned char *b = mb_build(&s, &len);
    unr_model *m = expect_load(b, len, UNR_OK, NULL, NULL, __LINE__);
    if (!m) return;
    enum { N = 5 };
    unsigned char *records = calloc(N, UNR_CIFAR_RECORD);
    for (int i = 0; i < N; i++) records[(size_t)i * UNR_CIFAR_RECORD] = (unsigned char)(i % 10);
    unr_dataset data = {records, N};
    unr_tally base;
    unr_error err;
    struct { int first, count; unr_status want; } cases[] = {
        {1, INT_MAX, UNR_ERR_ARGUMENT}, /* first + count overflowed int */
        {INT_MAX, 1, UNR_ERR_ARGUMENT},   {INT_MAX, -1, UNR_ERR_ARGUMENT},
        {-1, 2, UNR_ERR_ARGUMENT},        {INT_MIN, -1, UNR_ERR_ARGUMENT},
        {N, 1, UNR_ERR_ARGUMENT},         {2, 4, UNR_ERR_ARGUMENT},
        {0, -1, UNR_OK},                  {2, 3, UNR_OK},
        {N, 0, UNR_OK},                   {N, -1, UNR_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        unr_run_options o = unr_run_defaults();
        o.first = cases[i].first, o.count = cases[i].count;
        memset(&base, 0, sizeof base);
        unr_status st = unr_run_plans(m, NULL, 0, &data, &o, &base, NULL, &err);
        CHECK(st == cases[i].want, "range (%d, %d): '%s' (%s)", cases[i].first, cases[i].count,
              unr_status_str(st), err.message);
        if (st == UNR_OK) {
            int want = cases[i].count < 0 ? N - cases[i].first : cases[i].count;
            CHECK(base.images == want, "range (%d, %d): %d images", cases[i].first, cases[i].count, base.images);
        }
    }
    /* a label out of range in a dataset filled in by hand (unr_cifar_view would refuse it) */
    records[3 * UNR_CIFAR_RECORD] = 200;
    unr_run_options o = unr_run_defaults();
    CHECK(unr_run_plans(m, NULL, 0, &data, &o, &base, NULL, &err) == UNR_ERR_DATA &&
              strstr(err.message, "record 3 has label 200"), "bad label: %s", err.message);
    o.count = 3; /* records 0..2 are fine */
    CHECK(unr_run_plans(m, NULL, 0, &data, &o, &base, NULL, &err) == UNR_OK, "%s", err.message);
    unr_dataset negative = {records, -4};
    CHECK(unr_run_plans(m, NULL, 0, &negative, &o, &base, NULL, &err) == UNR_ERR_ARGUMENT, "negative count");
    free(records);
    unr_model_free(m);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--invalid-kernels")) {
        /* CTest sets UNRAVEL_KERNELS to a name no build has: nothing may silently fall back */
        mb_spec s = mb_small("postact", 'B');
        size_t len;
        unsigned char *b = mb_build(&s, &len);
        unr_model_free(expect_load(b, len, UNR_ERR_ARGUMENT, "UNRAVEL_KERNELS is '", "not one of", __LINE__));
        CHECK(strstr(unr_kernels_name(), "none") != NULL, "kernels name '%s'", unr_kernels_name());
        return test_summary("loader (invalid UNRAVEL_KERNELS)");
    }
    test_valid();
    test_sizes_from_metadata();
    test_nonfinite_after_folding();
    test_text();
    test_run_ranges();
    return test_summary("loader");
}
