/* test_kernels.c - every kernel variant against the scalar reference (ggml-style driver).
 *
 *   test_kernels [test]   random shapes and data; exits nonzero on the first mismatch
 *   test_kernels perf     GFLOP/s of each variant on the ResNet shapes (thread CPU time; run it
 *                         pinned to one core, e.g. taskset -c 1)
 *
 * The scalar variant is itself checked against a double-precision convolution written here, so
 * the specification is tested too. Tolerance: |got - want| <= tol * (sum of |terms|), where the
 * terms are |scale| * (|bias| + sum |in * w|) and |residual|; this is the natural bound for a
 * float sum evaluated in a different order (FMA, other blocking).
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include "kernels.h"
#include "unravel.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- helpers ------------------------------------------------------------------------------ */

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;

static uint32_t rnd_u32(void)
{
    /* SplitMix64: deterministic, independent of the engine's generator. */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static int rnd_int(int lo, int hi) { return lo + (int)(rnd_u32() % (uint32_t)(hi - lo + 1)); }

/* Uniform in +-[0.1, 1]: never zero, so a dropped term always shows. */
static float rnd_val(void)
{
    const float m = 0.1f + 0.9f * (float)(rnd_u32() >> 8) / 16777216.0f;
    return (rnd_u32() & 1) ? m : -m;
}

static float *alloc_floats(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    if (!p) {
        fprintf(stderr, "test_kernels: out of memory\n");
        exit(2);
    }
    return p;
}

/* A padded map: zero border, random interior. */
static float *random_map(int h, int w, int c)
{
    float *m = alloc_floats(unr_map_len(h, w, c));
    memset(m, 0, unr_map_len(h, w, c) * sizeof *m);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < c; k++) m[((size_t)(y + 1) * (w + 2) + x + 1) * c + k] = rnd_val();
    return m;
}

static int is_border(int y, int x, int h, int w) { return y == 0 || x == 0 || y == h + 1 || x == w + 1; }

/* Zero border, garbage interior: a kernel that skips a pixel or writes the border is caught. */
static void fill_out(float *m, int h, int w, int c)
{
    for (int y = 0; y < h + 2; y++)
        for (int x = 0; x < w + 2; x++)
            for (int k = 0; k < c; k++)
                m[((size_t)y * (w + 2) + x) * c + k] = is_border(y, x, h, w) ? 0.0f : 1.0e30f;
}

static int variant_count;
static const unr_kernels *variants[4];
/* Largest |got - want| / (sum of |terms|) seen per variant, unpacked [0] and packed [1]. */
static double worst_ratio[4][2];

static void collect_variants(void)
{
    const unr_kernels *all[4] = {unr_kernels_scalar(), unr_kernels_avx2(), unr_kernels_avx512(),
                                 unr_kernels_wasmsimd()};
    for (int i = 0; i < 4; i++)
        if (all[i]) variants[variant_count++] = all[i];
}

/* Tolerance relative to the sum of |terms|, per variant. Scalar is compared with a double
 * reference; SIMD variants reorder the sums and use FMA. */
static double tolerance(const char *name)
{
    if (!strcmp(name, "scalar")) return 1e-5;
    if (!strcmp(name, "wasmsimd")) return 2e-5; /* no FMA: one more rounding per term */
    return 2e-5;                                /* avx2, avx512: FMA, blocked order */
}

/* ---- conv test ---------------------------------------------------------------------------- */

typedef struct shape {
    int h, w, cin, cout, k, s, residual, relu;
    float scale;
} shape;

static void describe(const shape *sh, char *buf, size_t n)
{
    snprintf(buf, n, "%dx%dx%d -> cout %d, k%d s%d, residual %d, relu %d, scale %g", sh->h, sh->w,
             sh->cin, sh->cout, sh->k, sh->s, sh->residual, sh->relu, (double)sh->scale);
}

/* Double-precision value and |terms| sum of output (oy, ox, co). */
static void conv_ref(const unr_conv_args *a, int oy, int ox, int co, double *val, double *mag)
{
    const int k = a->ksize, pad = k / 2, ow = unr_conv_out_size(a->in_w, k, a->stride);
    double sum = a->bias[co], abs_sum = fabs(a->bias[co]);
    for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++) {
            const int iy = oy * a->stride + ky - pad + 1, ix = ox * a->stride + kx - pad + 1;
            for (int ci = 0; ci < a->cin; ci++) {
                const double t = (double)a->in[((size_t)iy * (a->in_w + 2) + ix) * a->cin + ci] *
                                 a->weight[((size_t)(ky * k + kx) * a->cin + ci) * a->cout + co];
                sum += t;
                abs_sum += fabs(t);
            }
        }
    double v = a->scale * sum, m = fabs(a->scale) * abs_sum;
    if (a->residual) {
        const double r = a->residual[((size_t)(oy + 1) * (ow + 2) + ox + 1) * a->cout + co];
        v += r;
        m += fabs(r);
    }
    if (a->relu && v < 0) v = 0;
    *val = v;
    *mag = m;
}

/* Runs every variant on one shape; returns 0 or prints the first mismatch and returns 1. */
static int check_conv(const shape *sh)
{
    const int oh = unr_conv_out_size(sh->h, sh->k, sh->s), ow = unr_conv_out_size(sh->w, sh->k, sh->s);
    float *in = random_map(sh->h, sh->w, sh->cin);
    float *res = sh->residual ? random_map(oh, ow, sh->cout) : NULL;
    const size_t nw = (size_t)sh->k * sh->k * sh->cin * sh->cout, olen = unr_map_len(oh, ow, sh->cout);
    float *weight = alloc_floats(nw), *bias = alloc_floats((size_t)sh->cout), *out = alloc_floats(olen);
    for (size_t i = 0; i < nw; i++) weight[i] = rnd_val();
    for (int i = 0; i < sh->cout; i++) bias[i] = rnd_val();
    double *want = malloc(olen * sizeof *want), *mag = malloc(olen * sizeof *mag);
    if (!want || !mag) {
        fprintf(stderr, "test_kernels: out of memory\n");
        exit(2);
    }
    unr_conv_args a = {in, sh->h, sh->w, sh->cin, out, sh->cout, sh->k, sh->s, weight, bias,
                       sh->scale, res, sh->relu, NULL};
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++)
            for (int c = 0; c < sh->cout; c++) {
                const size_t at = ((size_t)(y + 1) * (ow + 2) + x + 1) * sh->cout + c;
                conv_ref(&a, y, x, c, &want[at], &mag[at]);
            }

    int bad = 0;
    for (int run = 0; run < 2 * variant_count && !bad; run++) {
        /* Each variant with its packed weights (where it packs) and without. */
        const int v = run / 2, use_pack = run % 2;
        const size_t np = unr_conv_pack_size(variants[v], &a);
        if (use_pack && !np) continue;
        float *packed = use_pack ? alloc_floats(np) : NULL;
        if (packed) variants[v]->conv_pack(&a, packed);
        a.packed = packed;
        const double tol = tolerance(variants[v]->name);
        fill_out(out, oh, ow, sh->cout);
        variants[v]->conv(&a);
        a.packed = NULL;
        free(packed);
        for (int y = 0; y < oh + 2 && !bad; y++)
            for (int x = 0; x < ow + 2 && !bad; x++)
                for (int c = 0; c < sh->cout && !bad; c++) {
                    const size_t at = ((size_t)y * (ow + 2) + x) * sh->cout + c;
                    const double got = out[at];
                    char d[160];
                    if (is_border(y, x, oh, ow)) {
                        if (got != 0.0) {
                            describe(sh, d, sizeof d);
                            fprintf(stderr, "FAIL conv %s%s [%s]: border (%d,%d,%d) written: %g\n",
                                    variants[v]->name, use_pack ? " packed" : "", d, y, x, c, got);
                            bad = 1;
                        }
                    } else if (mag[at] > 0 && fabs(got - want[at]) / mag[at] > worst_ratio[v][use_pack]) {
                        worst_ratio[v][use_pack] = fabs(got - want[at]) / mag[at];
                    }
                    if (!bad && !is_border(y, x, oh, ow) && !(fabs(got - want[at]) <= tol * mag[at] + 1e-30)) {
                        describe(sh, d, sizeof d);
                        fprintf(stderr, "FAIL conv %s%s [%s]: out (%d,%d,%d) = %.9g, want %.9g (tol %g)\n",
                                variants[v]->name, use_pack ? " packed" : "", d, y - 1, x - 1, c,
                                got, want[at], tol * mag[at]);
                        bad = 1;
                    }
                }
    }
    free(in);
    free(res);
    free(weight);
    free(bias);
    free(out);
    free(want);
    free(mag);
    return bad;
}

/* Residual == out (in-place accumulate onto the shortcut) must give the same result. */
static int check_conv_inplace_residual(void)
{
    const shape sh = {16, 16, 32, 32, 3, 1, 1, 1, 0.75f};
    const size_t olen = unr_map_len(16, 16, 32), nw = 9 * 32 * 32;
    float *in = random_map(16, 16, 32), *res = random_map(16, 16, 32);
    float *w = alloc_floats(nw), *bias = alloc_floats(32), *ref = alloc_floats(olen),
          *out = alloc_floats(olen);
    for (size_t i = 0; i < nw; i++) w[i] = rnd_val();
    for (int i = 0; i < 32; i++) bias[i] = rnd_val();
    int bad = 0;
    for (int v = 0; v < variant_count && !bad; v++) {
        unr_conv_args a = {in, 16, 16, 32, ref, 32, 3, 1, w, bias, sh.scale, res, 1, NULL};
        const size_t np = unr_conv_pack_size(variants[v], &a);
        float *packed = np ? alloc_floats(np) : NULL;
        if (packed) variants[v]->conv_pack(&a, packed);
        a.packed = packed;
        memset(ref, 0, olen * sizeof *ref);
        variants[v]->conv(&a);
        memcpy(out, res, olen * sizeof *out);
        a.out = out;
        a.residual = out;
        variants[v]->conv(&a);
        if (memcmp(out, ref, olen * sizeof *out)) {
            fprintf(stderr, "FAIL conv %s: residual == out differs from a separate residual\n",
                    variants[v]->name);
            bad = 1;
        }
        free(packed);
    }
    free(in);
    free(res);
    free(w);
    free(bias);
    free(ref);
    free(out);
    return bad;
}

/* ---- affine_relu test --------------------------------------------------------------------- */

static int check_affine(int h, int w, int c, int in_place)
{
    float *in = random_map(h, w, c), *out = alloc_floats(unr_map_len(h, w, c));
    float *mul = alloc_floats((size_t)c), *add = alloc_floats((size_t)c);
    for (int i = 0; i < c; i++) {
        mul[i] = rnd_val();
        add[i] = rnd_val() * 0.5f;
    }
    int bad = 0;
    for (int v = 0; v < variant_count && !bad; v++) {
        const double tol = tolerance(variants[v]->name);
        float *dst = out;
        if (in_place) {
            memcpy(out, in, unr_map_len(h, w, c) * sizeof *out);
            variants[v]->affine_relu(out, out, h, w, c, mul, add);
        } else {
            fill_out(out, h, w, c);
            variants[v]->affine_relu(in, dst, h, w, c, mul, add);
        }
        for (int y = 0; y < h + 2 && !bad; y++)
            for (int x = 0; x < w + 2 && !bad; x++)
                for (int k = 0; k < c && !bad; k++) {
                    const size_t at = ((size_t)y * (w + 2) + x) * c + k;
                    double want = 0, m = 0;
                    if (!is_border(y, x, h, w)) {
                        want = (double)in[at] * mul[k] + add[k];
                        m = fabs((double)in[at] * mul[k]) + fabs(add[k]);
                        if (want < 0) want = 0;
                    }
                    if (!(fabs(out[at] - want) <= tol * m)) {
                        fprintf(stderr,
                                "FAIL affine_relu %s [%dx%dx%d%s]: (%d,%d,%d) = %.9g, want %.9g\n",
                                variants[v]->name, h, w, c, in_place ? ", in place" : "", y - 1,
                                x - 1, k, out[at], want);
                        bad = 1;
                    }
                }
    }
    free(in);
    free(out);
    free(mul);
    free(add);
    return bad;
}

/* ---- selection test ----------------------------------------------------------------------- */

static int check_active(void)
{
    const unr_kernels *k = unr_kernels_active();
    const char *want = getenv("UNRAVEL_KERNELS");
    if (!k || k != unr_kernels_active() || strcmp(unr_kernels_name(), k->name)) {
        fprintf(stderr, "FAIL unr_kernels_active: not stable or name mismatch\n");
        return 1;
    }
    /* Without a (valid) override the best variant must win: the last of those collected that is
     * native (wasmsimd is never beside avx2). */
    if (!want || !*want) {
        if (k != variants[variant_count - 1]) {
            fprintf(stderr, "FAIL unr_kernels_active: chose %s, best available is %s\n", k->name,
                    variants[variant_count - 1]->name);
            return 1;
        }
    } else {
        for (int v = 0; v < variant_count; v++)
            if (!strcmp(variants[v]->name, want) && k != variants[v]) {
                fprintf(stderr, "FAIL unr_kernels_active: UNRAVEL_KERNELS=%s gave %s\n", want,
                        k->name);
                return 1;
            }
    }
    return 0;
}

static int run_tests(void)
{
    static const int cins[] = {1, 3, 5, 8, 16, 17, 32, 64};
    static const int couts[] = {8, 16, 24, 32, 48, 64, 10};
    /* The ResNet shapes exactly, then random ones. */
    static const shape fixed[] = {
        {32, 32, 16, 16, 3, 1, 1, 1, 1.0f},  {32, 32, 16, 16, 3, 1, 0, 1, 1.0f},
        {16, 16, 32, 32, 3, 1, 1, 0, 0.5f},  {16, 16, 32, 32, 3, 1, 0, 1, 1.0f},
        {8, 8, 64, 64, 3, 1, 1, 1, 0.9f},    {8, 8, 64, 64, 3, 1, 0, 0, 1.0f},
        {32, 32, 16, 32, 3, 2, 0, 1, 1.0f},  {16, 16, 32, 64, 3, 2, 0, 1, 1.0f},
        {32, 32, 16, 32, 1, 2, 0, 0, 1.0f},  {16, 16, 32, 64, 1, 2, 1, 0, 1.0f},
        {32, 32, 3, 16, 3, 1, 0, 1, 1.0f},   {32, 32, 3, 16, 3, 1, 0, 0, 1.0f},
    };
    int cases = 0, failed = 0;
    printf("variants:");
    for (int v = 0; v < variant_count; v++) printf(" %s", variants[v]->name);
    printf(" (active: %s)\n", unr_kernels_name());
    failed |= check_active();

    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0] && !failed; i++, cases++)
        failed |= check_conv(&fixed[i]);
    for (int k = 1; k <= 3 && !failed; k += 2)
        for (int s = 1; s <= 2 && !failed; s++)
            for (size_t ci = 0; ci < sizeof cins / sizeof cins[0] && !failed; ci++)
                for (size_t co = 0; co < sizeof couts / sizeof couts[0] && !failed; co++)
                    for (int rep = 0; rep < 2 && !failed; rep++, cases++) {
                        shape sh;
                        /* One square size from the full range, one odd/non-square small one. */
                        sh.h = rep ? rnd_int(1, 12) : rnd_int(1, 33);
                        sh.w = rep ? rnd_int(1, 12) | 1 : sh.h;
                        sh.cin = cins[ci];
                        sh.cout = couts[co];
                        sh.k = k;
                        sh.s = s;
                        sh.residual = rnd_int(0, 1);
                        sh.relu = rnd_int(0, 1);
                        sh.scale = rnd_int(0, 1) ? 1.0f : 0.25f + 1.5f * (float)rnd_int(0, 100) / 100.0f;
                        failed |= check_conv(&sh);
                    }
    /* Every size 1..33 once on a hot channel count, to cover all tile remainders. */
    for (int hw = 1; hw <= 33 && !failed; hw++, cases++) {
        const shape sh = {hw, hw, 16, 32, 3, 1 + (hw & 1), hw & 2 ? 1 : 0, 1, 0.7f};
        failed |= check_conv(&sh);
    }
    for (int hw = 1; hw <= 17 && !failed; hw += 3, cases++) {
        const shape sh = {hw + 1, hw, 64, 64, 3, 1, 1, 0, 1.3f};
        failed |= check_conv(&sh);
    }
    if (!failed) failed |= check_conv_inplace_residual();
    for (int c = 1; c <= 64 && !failed; c = c < 8 ? c + 3 : c * 2)
        failed |= check_affine(rnd_int(1, 20), rnd_int(1, 20), c, 0) ||
                  check_affine(rnd_int(1, 20), rnd_int(1, 20), c, 1);
    if (failed) return 1;
    for (int v = 0; v < variant_count; v++)
        printf("%-8s tolerance %.0e; worst error / sum|terms|: %.2e direct, %.2e packed\n",
               variants[v]->name, tolerance(variants[v]->name), worst_ratio[v][0], worst_ratio[v][1]);
    printf("ok: %d conv shapes and affine_relu, %d variants\n", cases, variant_count);
    return 0;
}

/* ---- perf mode ---------------------------------------------------------------------------- */

/* CPU time of this thread where the system has it, so that time slices lost to other processes
 * on a shared machine do not count; wall time otherwise. */
static double now_s(void)
{
    struct timespec t;
#if defined(CLOCK_THREAD_CPUTIME_ID) && !defined(__EMSCRIPTEN__) /* emscripten: thread CPU time reads 0 */
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
#else
    timespec_get(&t, TIME_UTC);
#endif
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Layers timed in turn, each with its own weights: a network streams a layer's weights from
 * cache or memory on every call, and the kernels are measured that way (17 layers of 64 channels
 * are 2.5 MB of direct weights, 10 MB of F(4x4) Winograd weights). */
#define PERF_LAYERS 17

/* Seconds per call of one variant on one shape (best of many timed runs); use_pack: with the
 * variant's packed weights, as the engine runs it. */
static double time_conv(const unr_kernels *kern, int use_pack, const shape *sh, double *flops)
{
    const int oh = unr_conv_out_size(sh->h, sh->k, sh->s), ow = unr_conv_out_size(sh->w, sh->k, sh->s);
    float *in = random_map(sh->h, sh->w, sh->cin), *res = sh->residual ? random_map(oh, ow, sh->cout) : NULL;
    const size_t nw = (size_t)sh->k * sh->k * sh->cin * sh->cout;
    float *w[PERF_LAYERS], *packed[PERF_LAYERS];
    float *bias = alloc_floats((size_t)sh->cout), *out = alloc_floats(unr_map_len(oh, ow, sh->cout));
    for (int i = 0; i < sh->cout; i++) bias[i] = rnd_val();
    fill_out(out, oh, ow, sh->cout);
    unr_conv_args a = {in, sh->h, sh->w, sh->cin, out, sh->cout, sh->k, sh->s, NULL, bias, sh->scale, res, sh->relu, NULL};
    const size_t np = use_pack ? unr_conv_pack_size(kern, &a) : 0;
    for (int l = 0; l < PERF_LAYERS; l++) {
        w[l] = alloc_floats(nw);
        for (size_t i = 0; i < nw; i++) w[l][i] = rnd_val();
        a.weight = w[l];
        packed[l] = np ? alloc_floats(np) : NULL;
        if (np) kern->conv_pack(&a, packed[l]);
    }
    *flops = 2.0 * oh * ow * sh->cout * sh->cin * sh->k * sh->k;
    /* Many short trials, best kept: on a loaded machine some run undisturbed. */
    int reps = (int)(5e7 / (*flops * PERF_LAYERS)) + 1;
    if (!strcmp(kern->name, "scalar")) reps = reps / 10 + 1;
    double best = 1e30;
    for (int trial = 0; trial < 40; trial++) {
        const double t0 = now_s();
        for (int r = 0; r < reps; r++)
            for (int l = 0; l < PERF_LAYERS; l++) {
                a.weight = w[l];
                a.packed = packed[l];
                kern->conv(&a);
            }
        const double t = (now_s() - t0) / reps / PERF_LAYERS;
        if (t < best) best = t;
    }
    for (int l = 0; l < PERF_LAYERS; l++) {
        free(w[l]);
        free(packed[l]);
    }
    free(in);
    free(res);
    free(bias);
    free(out);
    return best;
}

static int run_perf(void)
{
    /* ResNet-56 (n = 9) per image: count of each convolution. */
    static const struct {
        const char *what;
        shape sh;
        int per_resnet56;
    } cases[] = {
        {"stem 32x32x3->16", {32, 32, 3, 16, 3, 1, 0, 0, 1.0f}, 1},
        {"32x32x16 s1", {32, 32, 16, 16, 3, 1, 1, 1, 1.0f}, 18},
        {"32x32x16->32 s2", {32, 32, 16, 32, 3, 2, 0, 1, 1.0f}, 1},
        {"16x16x32 s1", {16, 16, 32, 32, 3, 1, 1, 1, 1.0f}, 17},
        {"16x16x32->64 s2", {16, 16, 32, 64, 3, 2, 0, 1, 1.0f}, 1},
        {"8x8x64 s1", {8, 8, 64, 64, 3, 1, 1, 1, 1.0f}, 17},
        {"1x1 32x32x16->32 s2", {32, 32, 16, 32, 1, 2, 0, 0, 1.0f}, 0},
        {"1x1 16x16x32->64 s2", {16, 16, 32, 64, 1, 2, 0, 0, 1.0f}, 0},
    };
    /* Columns: each variant as the engine runs it (packed weights), and the SIMD variants also
     * without packing (direct convolution only). */
    int col_v[8], col_pack[8], ncol = 0;
    for (int v = 0; v < variant_count; v++) {
        col_v[ncol] = v;
        col_pack[ncol++] = 1;
        if (strcmp(variants[v]->name, "scalar")) {
            col_v[ncol] = v;
            col_pack[ncol++] = 0;
        }
    }
    printf("%-22s", "GFLOP/s");
    for (int c = 0; c < ncol; c++) {
        char name[32];
        snprintf(name, sizeof name, "%s%s", variants[col_v[c]]->name, col_pack[c] ? "" : "-direct");
        printf(" %13s", name);
    }
    printf("\n");
    double net_time[8] = {0}, net_flops = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        printf("%-22s", cases[i].what);
        double flops = 0;
        for (int c = 0; c < ncol; c++) {
            const double t = time_conv(variants[col_v[c]], col_pack[c], &cases[i].sh, &flops);
            net_time[c] += t * cases[i].per_resnet56;
            printf(" %13.1f", flops / t * 1e-9);
        }
        net_flops += flops * cases[i].per_resnet56;
        printf("\n");
    }
    printf("%-22s", "ResNet-56 convs img/s");
    for (int c = 0; c < ncol; c++) printf(" %13.0f", 1.0 / net_time[c]);
    printf("\n%-22s", "  (GFLOP/s overall)");
    for (int c = 0; c < ncol; c++) printf(" %13.1f", net_flops / net_time[c] * 1e-9);
    printf("\n");
    return 0;
}

int main(int argc, char **argv)
{
    collect_variants();
    const char *mode = argc > 1 ? argv[1] : "test";
    if (!strcmp(mode, "test")) return run_tests();
    if (!strcmp(mode, "perf")) return run_perf();
    fprintf(stderr, "usage: test_kernels [test|perf]\n");
    return 2;
}
