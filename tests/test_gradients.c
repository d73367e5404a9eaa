/* test_gradients.c - the backward pass (core/backward.c) against central finite differences of
 * a double-precision reference forward pass written here from the folded weights, on the tiny
 * models of tests/golden: every block kind, shortcut and route, so that every backward piece
 * (head, ReLU masks, rotated and strided convolutions, option A and B shortcuts, residual scale)
 * is exercised. Detached branches are held at their intact values, as PyTorch's detach does.
 * Also: the gradient draws (same seed, same draws in any split of rounds), the summary (bands,
 * totals) on known inputs, the protocol's error paths, and threads giving identical results. */
#include <math.h>
#include <stdint.h>

#include "model.h"
#include "testutil.h"
#include "unravel.h"

/* ---- double-precision reference (unpadded NHWC) --------------------------------------------- */

static void dconv(const unr_conv *cv, const double *in, int is, double *out)
{
    const int k = cv->ksize, s = cv->stride, pad = k / 2, os = unr_conv_out_size(is, k, s);
    for (int oy = 0; oy < os; oy++)
        for (int ox = 0; ox < os; ox++)
            for (int co = 0; co < cv->cout; co++) {
                double sum = cv->bias[co];
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        const int iy = oy * s + ky - pad, ix = ox * s + kx - pad;
                        if (iy < 0 || ix < 0 || iy >= is || ix >= is) continue;
                        for (int ci = 0; ci < cv->cin; ci++)
                            sum += in[((size_t)iy * is + ix) * cv->cin + ci] *
                                   cv->weight[((size_t)(ky * k + kx) * cv->cin + ci) * cv->cout + co];
                    }
                out[((size_t)oy * os + ox) * cv->cout + co] = sum;
            }
}

static void drelu(double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) v[i] = v[i] > 0 ? v[i] : 0;
}

#define MAXLEN (32 * 32 * 64)

/* Block b on x; branch F and shortcut S are returned in f and sh (before the sum). Detached
 * parts come from f_fixed / s_fixed (the intact forward's) when the route excludes them. */
static void dblock(const unr_model *m, int b, int route, const double *x, double *y, double *f,
                   double *sh, const double *f_fixed, const double *s_fixed)
{
    const unr_block *bl = &m->blocks[b];
    const int pre = m->info.block == UNR_PREACT, skip = m->info.skip;
    static double a[MAXLEN], t[MAXLEN];
    const size_t nin = (size_t)bl->in_size * bl->in_size * bl->cin;
    const size_t nout = (size_t)bl->out_size * bl->out_size * bl->cout;
    const double *act = x;
    if (pre) {
        for (size_t i = 0; i < nin; i++) {
            const int c = (int)(i % bl->cin);
            a[i] = x[i] * bl->pre.mul[c] + bl->pre.add[c];
        }
        drelu(a, nin);
        act = a;
    }
    dconv(&bl->conv1, act, bl->in_size, t);
    drelu(t, nout);
    dconv(&bl->conv2, t, bl->out_size, f);
    const double p = skip ? bl->scale : 1.0;
    for (size_t i = 0; i < nout; i++) f[i] *= p;
    if (!skip) {
        for (size_t i = 0; i < nout; i++) sh[i] = 0;
    } else if (!bl->downsample) {
        for (size_t i = 0; i < nout; i++) sh[i] = x[i];
    } else if (bl->has_proj) {
        dconv(&bl->proj, act, bl->in_size, sh);
    } else { /* option A */
        const int pad = (bl->cout - bl->cin) / 2;
        for (int yy = 0; yy < bl->out_size; yy++)
            for (int xx = 0; xx < bl->out_size; xx++)
                for (int c = 0; c < bl->cout; c++) {
                    const int ci = c - pad;
                    sh[((size_t)yy * bl->out_size + xx) * bl->cout + c] =
                        ci < 0 || ci >= bl->cin ? 0
                                                : act[((size_t)(2 * yy) * bl->in_size + 2 * xx) * bl->cin + ci];
                }
    }
    const double *fr = route == UNR_ROUTE_SKIP && f_fixed ? f_fixed : f;
    const double *sr = route == UNR_ROUTE_RESIDUAL && s_fixed ? s_fixed : sh;
    for (size_t i = 0; i < nout; i++) y[i] = fr[i] + sr[i];
    if (!pre) drelu(y, nout);
}

/* Cross-entropy of the network from block 1's input x0 (label), routing with fixed parts. */
static double dloss(const unr_model *m, const double *x0, int label, const unsigned char *routes,
                    double **f_fixed, double **s_fixed, int record)
{
    static double xa[MAXLEN], xb[MAXLEN], f[MAXLEN], sh[MAXLEN];
    const int L = m->info.num_blocks;
    memcpy(xa, x0, sizeof(double) * 32 * 32 * m->info.widths[0]);
    double *x = xa, *y = xb;
    for (int b = 0; b < L; b++) {
        dblock(m, b, routes ? routes[b] : UNR_ROUTE_BOTH, x, y, record ? f_fixed[b] : f,
               record ? s_fixed[b] : sh, record ? NULL : f_fixed[b], record ? NULL : s_fixed[b]);
        double *tmp = x;
        x = y;
        y = tmp;
    }
    const int c = m->info.widths[2];
    double pooled[1024] = {0};
    for (int i = 0; i < 64; i++)
        for (int k = 0; k < c; k++) {
            double v = x[i * c + k];
            if (m->info.block == UNR_PREACT) {
                v = v * m->final.mul[k] + m->final.add[k];
                v = v > 0 ? v : 0;
            }
            pooled[k] += v / 64;
        }
    double logit[UNR_CLASSES], top = -INFINITY, sum = 0;
    for (int j = 0; j < UNR_CLASSES; j++) {
        logit[j] = m->linear_bias[j];
        for (int k = 0; k < c; k++) logit[j] += m->linear_weight[j * c + k] * pooled[k];
        top = fmax(top, logit[j]);
    }
    for (int j = 0; j < UNR_CLASSES; j++) sum += exp(logit[j] - top);
    return -(logit[label] - top - log(sum));
}

/* The stem in double: block 1's input for a normalised NCHW image. */
static void dstem(const unr_model *m, const float *image, double *x0)
{
    static double in[32 * 32 * 3];
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 1024; i++) in[i * 3 + c] = image[c * 1024 + i];
    dconv(&m->stem, in, 32, x0);
    if (m->info.block == UNR_POSTACT) drelu(x0, (size_t)32 * 32 * m->info.widths[0]);
}

/* ---- finite differences ------------------------------------------------------------------- */

static void check_fd(const char *name, const unr_model *m, const float *image, int label,
                     const unsigned char *routes, const char *route_name, unr_rng *rng)
{
    const int L = m->info.num_blocks, w0 = m->info.widths[0];
    static double x0[MAXLEN], xp[MAXLEN];
    double *f_fixed[UNR_MAX_BLOCKS], *s_fixed[UNR_MAX_BLOCKS];
    for (int b = 0; b < L; b++) {
        f_fixed[b] = malloc(sizeof(double) * MAXLEN);
        s_fixed[b] = malloc(sizeof(double) * MAXLEN);
    }
    dstem(m, image, x0);
    dloss(m, x0, label, NULL, f_fixed, s_fixed, 1); /* intact branch values for detach */

    float *grad = malloc(sizeof(float) * (size_t)w0 * 1024);
    double log10_norm;
    unr_error err;
    CHECK(unr_gradient(m, image, &label, 1, routes, &log10_norm, grad, &err) == UNR_OK, "%s", err.message);
    double sumsq = 0, big = 0;
    for (int i = 0; i < w0 * 1024; i++) sumsq += (double)grad[i] * grad[i], big = fmax(big, fabs(grad[i]));
    CHECK(sumsq == 0 ? log10_norm == -INFINITY : fabs(0.5 * log10(sumsq) - log10_norm) < 1e-6,
          "%s %s: log10 norm %g, sum of squares says %g", name, route_name, log10_norm, 0.5 * log10(sumsq));

    const double h = 1e-5;
    double worst = 0;
    for (int t = 0; t < 24; t++) {
        /* Half the probes where the gradient is largest would be biased; pick uniformly. */
        const int k = (int)unr_rng_below(rng, (uint32_t)w0), y = (int)unr_rng_below(rng, 32),
                  x = (int)unr_rng_below(rng, 32);
        const size_t at = ((size_t)y * 32 + x) * w0 + k;
        memcpy(xp, x0, sizeof(double) * 1024 * w0);
        xp[at] = x0[at] + h;
        const double up = dloss(m, xp, label, routes, f_fixed, s_fixed, 0);
        xp[at] = x0[at] - h;
        const double down = dloss(m, xp, label, routes, f_fixed, s_fixed, 0);
        const double fd = (up - down) / (2 * h), got = grad[((size_t)k * 32 + y) * 32 + x];
        const double diff = fabs(fd - got) / (big + 1e-30);
        worst = fmax(worst, diff);
        CHECK(fabs(fd - got) <= 2e-4 * big + 1e-4 * fabs(fd) + 1e-12,
              "%s %s: d loss / d x0[c%d y%d x%d]: engine %.8g, finite difference %.8g (largest %.3g)",
              name, route_name, k, y, x, got, fd, big);
    }
    printf("  %-16s %-22s |grad| max %.3e, worst |engine - fd| / max %.2e\n", name, route_name, big, worst);
    free(grad);
    for (int b = 0; b < L; b++) free(f_fixed[b]), free(s_fixed[b]);
}

static void fd_model(const char *name)
{
    char path[512];
    size_t len;
    snprintf(path, sizeof path, "tests/golden/%s.safetensors", name);
    unsigned char *bytes = test_read_file(test_source_path(path), &len);
    CHECK(bytes != NULL, "%s missing", path);
    if (!bytes) return;
    unr_model *m;
    unr_error err;
    if (unr_model_load(bytes, len, name, &m, &err)) {
        CHECK(0, "%s", err.message);
        free(bytes);
        return;
    }
    free(bytes);
    const int L = m->info.num_blocks;
    unr_rng rng;
    unr_rng_seed(&rng, 42);
    float image[3 * 1024];
    for (int i = 0; i < 3 * 1024; i++) image[i] = (float)(2 * unr_rng_uniform(&rng) - 1);
    const int label = (int)unr_rng_below(&rng, 10);
    unsigned char routes[UNR_MAX_BLOCKS];

    check_fd(name, m, image, label, NULL, "ordinary gradient", &rng);
    memset(routes, UNR_ROUTE_RESIDUAL, (size_t)L);
    check_fd(name, m, image, label, routes, "residual only", &rng);
    if (m->info.skip) {
        memset(routes, UNR_ROUTE_SKIP, (size_t)L);
        check_fd(name, m, image, label, routes, "skip only", &rng);
    }
    for (int trial = 0; trial < 2; trial++) {
        for (int b = 0; b < L; b++)
            routes[b] = (unsigned char)(m->info.skip ? unr_rng_below(&rng, 3) : unr_rng_below(&rng, 2));
        check_fd(name, m, image, label, routes, trial ? "mixed routes 2" : "mixed routes 1", &rng);
    }
    unr_model_free(m);
}

/* ---- golden gradients from PyTorch (tests/golden/NAME.grad, layout in make_golden.py) ----- */

static uint32_t u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static double f64(const unsigned char *p)
{
    double v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void check_golden(const char *name)
{
    char path[512];
    size_t mlen = 0, glen = 0, dlen = 0;
    snprintf(path, sizeof path, "tests/golden/%s.safetensors", name);
    unsigned char *mbytes = test_read_file(test_source_path(path), &mlen);
    snprintf(path, sizeof path, "tests/golden/%s.golden", name);
    unsigned char *g = test_read_file(test_source_path(path), &glen);
    snprintf(path, sizeof path, "tests/golden/%s.grad", name);
    unsigned char *d = test_read_file(test_source_path(path), &dlen);
    unr_model *m = NULL;
    unr_error err;
    CHECK(mbytes && g && d, "%s: golden files missing", name);
    if (!mbytes || !g || !d) goto done;
    CHECK(dlen >= 24 && !memcmp(d, "UNRD", 4) && u32(d + 4) == 1, "%s.grad: not a version-1 gradient file", name);
    const uint32_t N = u32(d + 8), W = u32(d + 12), L = u32(d + 16), R = u32(d + 20);
    const size_t per = 4 * (size_t)L + 8 + 8 * N + 2048 * (size_t)N;
    CHECK(dlen == 24 + 4 * (size_t)N + R * per && N == u32(g + 8) && N <= 16, "%s.grad: %zu bytes, layout says %zu",
          name, dlen, 24 + 4 * (size_t)N + R * per);
    if (dlen != 24 + 4 * (size_t)N + R * per || N != u32(g + 8) || N > 16) goto done;
    if (unr_model_load(mbytes, mlen, name, &m, &err)) {
        CHECK(0, "%s", err.message);
        goto done;
    }
    CHECK((uint32_t)m->info.num_blocks == L && (uint32_t)m->info.widths[0] == W, "%s: shape differs from the .grad file", name);
    const float *images_at = (const float *)(g + 24); /* little-endian float32, 4-aligned offset */
    float *images = malloc(sizeof(float) * N * 3072), *grad = malloc(sizeof(float) * N * W * 1024);
    memcpy(images, images_at, sizeof(float) * N * 3072);
    int labels[16];
    for (uint32_t i = 0; i < N; i++) labels[i] = (int)u32(d + 24 + 4 * i);
    double worst_log = 0, worst_el = 0;
    const unsigned char *at = d + 24 + 4 * (size_t)N;
    for (uint32_t r = 0; r < R; r++, at += per) {
        unsigned char routes[UNR_MAX_BLOCKS];
        for (uint32_t b = 0; b < L; b++) routes[b] = (unsigned char)u32(at + 4 * b);
        const double want = f64(at + 4 * L);
        double got;
        CHECK(unr_gradient(m, images, labels, (int)N, routes, &got, grad, &err) == UNR_OK, "%s", err.message);
        if (isinf(want)) {
            CHECK(got == want, "%s routing %u: log10 norm %g, PyTorch %g", name, r, got, want);
        } else {
            worst_log = fmax(worst_log, fabs(got - want));
            CHECK(fabs(got - want) <= 1e-4, "%s routing %u: log10 norm %.7f, PyTorch %.7f", name, r, got, want);
        }
        for (uint32_t i = 0; i < N; i++) {
            /* Each image's own norm: the batch mean's 1/N included, as in PyTorch's grad. */
            const double want_i = f64(at + 4 * L + 8 + 8 * i);
            double got_i;
            unr_gradient(m, images + (size_t)i * 3072, &labels[i], 1, routes, &got_i, NULL, &err);
            got_i -= log10((double)N);
            if (isinf(want_i)) CHECK(isinf(got_i), "%s routing %u image %u: norm should be 0", name, r, i);
            else CHECK(fabs(got_i - want_i) <= 1e-4, "%s routing %u image %u: log10 norm %.7f, PyTorch %.7f", name, r, i, got_i, want_i);
            const float *sample = (const float *)(at + 4 * L + 8 + 8 * N) + (size_t)i * 512;
            float ref[512], big = 0;
            memcpy(ref, sample, sizeof ref);
            for (int j = 0; j < 512; j++) big = fmaxf(big, fabsf(ref[j]));
            for (int j = 0; j < 512; j++) {
                const float e = grad[(size_t)i * W * 1024 + (size_t)j * 2 * W];
                const double diff = fabs((double)e - ref[j]);
                if (big > 0) worst_el = fmax(worst_el, diff / big);
                CHECK(diff <= 1e-4 * big + 1e-40, "%s routing %u image %u element %d: %.8g, PyTorch %.8g", name, r,
                      i, j * 2 * (int)W, (double)e, (double)ref[j]);
            }
        }
    }
    printf("  %-20s %u routings: worst |log10 norm - PyTorch| %.1e, element / largest %.1e\n", name, R,
           worst_log, worst_el);
    free(images);
    free(grad);
done:
    unr_model_free(m);
    free(mbytes);
    free(g);
    free(d);
}

/* ---- draws, summary, protocol ------------------------------------------------------------ */

static void check_draws(void)
{
    int img[16], img2[16];
    unsigned char routes[11 * 10], routes2[11 * 10];
    unr_error err;
    CHECK(unr_gradient_draw(100, 10, 16, 0, 10, 7, 3, img, NULL, routes, &err) == UNR_OK, "%s", err.message);
    CHECK(unr_gradient_draw(100, 10, 16, 0, 10, 7, 3, img2, NULL, routes2, &err) == UNR_OK, "%s", err.message);
    CHECK(!memcmp(img, img2, sizeof img) && !memcmp(routes, routes2, sizeof routes), "same seed, same draws");
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < i; j++) CHECK(img[i] != img[j], "batch images are distinct");
    for (int k = 0; k <= 10; k++) {
        int n = 0, nested = 1;
        for (int b = 0; b < 10; b++) {
            n += routes[k * 10 + b] == UNR_ROUTE_RESIDUAL;
            if (k && routes[(k - 1) * 10 + b] == UNR_ROUTE_RESIDUAL) nested &= routes[k * 10 + b] == UNR_ROUTE_RESIDUAL;
        }
        CHECK(n == k, "path of length %d routes %d blocks through the residual branch", k, n);
        CHECK(nested, "path of length %d holds the path of length %d", k, k - 1);
    }
    int order[10];
    CHECK(unr_gradient_draw(100, 10, 16, 2, 5, 7, 3, img2, order, routes2, &err) == UNR_OK, "%s", err.message);
    CHECK(!memcmp(img, img2, sizeof img) && !memcmp(routes2, routes + 20, 40), "a range of lengths draws the same round");
    for (int i = 0; i < 5; i++) CHECK(routes[5 * 10 + order[i]] == UNR_ROUTE_RESIDUAL, "order[%d] is in the path of length 5", i);
    CHECK(unr_gradient_draw(100, 10, 16, 0, 10, 7, 4, img2, NULL, routes2, &err) == UNR_OK, "%s", err.message);
    CHECK(memcmp(img, img2, sizeof img) != 0, "another round, another batch");
    CHECK(unr_gradient_draw(10, 10, 16, 0, 10, 7, 0, img, NULL, routes, &err) == UNR_ERR_ARGUMENT,
          "a batch larger than the data is refused");
    CHECK(unr_gradient_draw(100, 10, 4, 0, 11, 7, 0, img, NULL, routes, &err) == UNR_ERR_ARGUMENT,
          "a length beyond the blocks is refused");
    /* Every block equally likely over many draws (length 3 of 10: 0.3 each). */
    int hits[10] = {0};
    unsigned char r1[10];
    for (int round = 0; round < 4000; round++) {
        unr_gradient_draw(100, 10, 1, 3, 3, 1, round, img, NULL, r1, &err);
        for (int b = 0; b < 10; b++) hits[b] += r1[b] == UNR_ROUTE_RESIDUAL;
    }
    for (int b = 0; b < 10; b++)
        CHECK(fabs(hits[b] / 4000.0 - 0.3) < 0.03, "block %d drawn in %.3f of length-3 paths", b, hits[b] / 4000.0);
}

static void check_summary(void)
{
    /* n = 4 blocks, lengths 0..4, two samples each; norms 10^-k and 3 * 10^-k. */
    double v[2 * 5];
    for (int k = 0; k <= 4; k++) v[k] = -k, v[5 + k] = log10(3.0) - k;
    unr_gradient_length per[5];
    unr_gradient_band bands[2];
    const double masses[2] = {0.9, 0.5};
    unr_error err;
    CHECK(unr_gradient_summarize(4, 0, 4, v, 2, per, masses, 2, bands, &err) == UNR_OK, "%s", err.message);
    double total[5], sum = 0;
    const double paths[5] = {1, 4, 6, 4, 1};
    for (int k = 0; k <= 4; k++) {
        const double mean = 2 * pow(10, -k);
        CHECK(fabs(per[k].mean / mean - 1) < 1e-12, "length %d mean %g, want %g", k, per[k].mean, mean);
        CHECK(fabs(per[k].sd / (sqrt(2.0) * pow(10, -k)) - 1) < 1e-12, "length %d sd %g", k, per[k].sd);
        CHECK(fabs(per[k].log10_mean - log10(mean)) < 1e-12, "length %d log10 mean", k);
        total[k] = paths[k] * mean;
        sum += total[k];
    }
    for (int k = 0; k <= 4; k++)
        CHECK(fabs(per[k].total - total[k] / sum) < 1e-12, "length %d total %g, want %g", k, per[k].total, total[k] / sum);
    /* totals 2, .8, .12, .008, .0002 (/2.9282): 0..1 holds 95.6% >= 90%; 0 alone holds 68% >= 50%. */
    CHECK(bands[0].lo == 0 && bands[0].hi == 1, "90%% band %d..%d, want 0..1", bands[0].lo, bands[0].hi);
    CHECK(fabs(bands[0].path_fraction - 5.0 / 16) < 1e-12, "90%% band holds 5 of 16 paths (%g)", bands[0].path_fraction);
    CHECK(bands[1].lo == 0 && bands[1].hi == 0, "50%% band %d..%d, want 0..0", bands[1].lo, bands[1].hi);
    CHECK(fabs(unr_gradient_decay(per, 0, 4, 0, 4) + 1) < 1e-12, "decay -1 decade per block (%g)",
          unr_gradient_decay(per, 0, 4, 0, 4));
}

static void check_protocol(const char *name)
{
    char path[512];
    size_t len;
    snprintf(path, sizeof path, "tests/golden/%s.safetensors", name);
    unsigned char *bytes = test_read_file(test_source_path(path), &len);
    unr_model *m;
    unr_error err;
    if (!bytes || unr_model_load(bytes, len, name, &m, &err)) {
        CHECK(0, "%s: cannot load", name);
        free(bytes);
        return;
    }
    free(bytes);
    const int L = m->info.num_blocks, N = 40;
    unsigned char *records = malloc((size_t)N * UNR_CIFAR_RECORD);
    unr_rng rng;
    unr_rng_seed(&rng, 5);
    for (size_t i = 0; i < (size_t)N * UNR_CIFAR_RECORD; i++) records[i] = (unsigned char)unr_rng_below(&rng, 256);
    for (int i = 0; i < N; i++) records[(size_t)i * UNR_CIFAR_RECORD] %= 10;
    unr_dataset data = {records, N};
    unr_gradient_options o = unr_gradient_defaults(m);
    o.samples = 6;
    o.batch = 4;
    o.seed = 11;
    const int lengths = L + 1;
    double *one = malloc(sizeof(double) * 6 * lengths), *two = malloc(sizeof(double) * 6 * lengths);
    CHECK(unr_gradient_sample(m, &data, &o, one, &err) == UNR_OK, "%s", err.message);
    o.threads = 2;
    CHECK(unr_gradient_sample(m, &data, &o, two, &err) == UNR_OK, "%s", err.message);
    CHECK(!memcmp(one, two, sizeof(double) * 6 * lengths), "%s: 1 and 2 threads give identical norms", name);
    /* Rounds 3..5 alone equal rows 3..5 of the whole run. */
    o.first = 3;
    o.samples = 3;
    CHECK(unr_gradient_sample(m, &data, &o, two, &err) == UNR_OK, "%s", err.message);
    CHECK(!memcmp(one + 3 * lengths, two, sizeof(double) * 3 * lengths), "%s: a split run gives the same rounds", name);
    /* Each sample is the batch norm of its drawn images and path. */
    int img[4];
    unsigned char *routes = malloc((size_t)lengths * L);
    unr_gradient_draw(N, L, 4, 0, L, 11, 1, img, NULL, routes, &err);
    float *images = malloc(sizeof(float) * 4 * 3072);
    int labels[4];
    for (int i = 0; i < 4; i++) {
        const unsigned char *rec = records + (size_t)img[i] * UNR_CIFAR_RECORD;
        labels[i] = rec[0];
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < 1024; p++)
                images[i * 3072 + c * 1024 + p] = ((float)rec[1 + c * 1024 + p] / 255.0f - m->info.mean[c]) / m->info.std[c];
    }
    for (int k = 0; k <= L; k++) {
        double want;
        unr_gradient(m, images, labels, 4, routes + (size_t)k * L, &want, NULL, &err);
        CHECK(fabs(one[lengths + k] - want) < 1e-9, "%s round 1 length %d: %g, unr_gradient says %g", name, k,
              one[lengths + k], want);
    }
    o = unr_gradient_defaults(m);
    o.batch = N + 1;
    CHECK(unr_gradient_sample(m, &data, &o, one, &err) == UNR_ERR_ARGUMENT, "a batch larger than the data is refused");
    free(routes);
    free(images);
    free(one);
    free(two);
    free(records);
    unr_model_free(m);
}

int main(void)
{
    const char *models[] = {"postact_a", "postact_b", "preact_a", "preact_b", "plain_post", "plain_pre",
                            "preact_a_scaled"};
    printf("kernels %s\n", unr_kernels_name());
    for (size_t i = 0; i < sizeof models / sizeof *models; i++) fd_model(models[i]);
    size_t mlen;
    unsigned char *bytes = test_read_file(test_source_path("tests/golden/MANIFEST"), &mlen);
    CHECK(bytes != NULL, "tests/golden/MANIFEST missing");
    char *manifest = bytes ? calloc(mlen + 1, 1) : NULL; /* NUL-terminated for strtok */
    if (manifest) memcpy(manifest, bytes, mlen);
    free(bytes);
    for (char *name = manifest ? strtok(manifest, "\n") : NULL; name; name = strtok(NULL, "\n"))
        if (*name) check_golden(name);
    free(manifest);
    check_draws();
    check_summary();
    check_protocol("preact_a");
    check_protocol("postact_b");
    return test_summary("test_gradients");
}
