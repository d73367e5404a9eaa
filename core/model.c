/* model.c - build a network from a checked safetensors file (conventions: models/FORMAT.md). */
#include "model.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "safetensors.h"

#define BN_EPS 1e-5

/* ---- metadata ---------------------------------------------------------------------------- */

static const char *need_meta(const unr_st_file *f, const char *name, const char *key,
                             unr_error *err)
{
    const char *v = unr_st_meta_get(f, key);
    if (!v) unr_fail(err, UNR_ERR_METADATA, "%s: metadata key '%s' is missing", name, key);
    return v;
}

/* Parse exactly `count` comma-separated numbers (count < 0: any number up to max, returned). */
static int parse_numbers(const char *s, double *out, int count, int max)
{
    int n = 0;
    const char *p = s;
    for (;;) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno == ERANGE || !isfinite(v) || n >= max) return -1;
        out[n++] = v;
        while (*end == ' ') end++;
        if (*end == '\0') break;
        if (*end != ',') return -1;
        p = end + 1;
    }
    return (count >= 0 && n != count) ? -1 : n;
}

static unr_status read_metadata(const unr_st_file *f, const char *name, unr_model_info *info,
                                float *scales, unr_error *err)
{
    const char *v;
    double num[UNR_MAX_BLOCKS];

    if (!(v = need_meta(f, name, "unravel.arch", err))) return UNR_ERR_METADATA;
    if (strcmp(v, "cifar-resnet") != 0)
        return unr_fail(err, UNR_ERR_METADATA, "%s: unravel.arch is '%s', expected 'cifar-resnet'",
                        name, v);

    if (!(v = need_meta(f, name, "unravel.block", err))) return UNR_ERR_METADATA;
    if (strcmp(v, "postact") == 0) info->block = UNR_POSTACT;
    else if (strcmp(v, "preact") == 0) info->block = UNR_PREACT;
    else
        return unr_fail(err, UNR_ERR_METADATA,
                        "%s: unravel.block is '%s', expected 'postact' or 'preact'", name, v);

    if (!(v = need_meta(f, name, "unravel.shortcut", err))) return UNR_ERR_METADATA;
    if ((v[0] != 'A' && v[0] != 'B') || v[1] != '\0')
        return unr_fail(err, UNR_ERR_METADATA, "%s: unravel.shortcut is '%s', expected 'A' or 'B'",
                        name, v);
    info->shortcut = v[0];

    /* Whether a projection carries its own BatchNorm is stated, never guessed from the tensors:
     * a missing shortcut.bn must read as an error, not as "no BN". */
    v = unr_st_meta_get(f, "unravel.shortcut_bn");
    info->shortcut_bn = 0;
    if (info->shortcut == 'B') {
        if (!v)
            return unr_fail(err, UNR_ERR_METADATA,
                            "%s: unravel.shortcut_bn is missing (shortcut B must say 'true' or "
                            "'false': whether the projection has its own BatchNorm)",
                            name);
        if (strcmp(v, "true") == 0) info->shortcut_bn = 1;
        else if (strcmp(v, "false") != 0)
            return unr_fail(err, UNR_ERR_METADATA,
                            "%s: unravel.shortcut_bn is '%s', expected 'true' or 'false'", name, v);
    } else if (v) {
        return unr_fail(err, UNR_ERR_METADATA,
                        "%s: unravel.shortcut_bn is set but the shortcut is A (no projection)",
                        name);
    }

    if (!(v = need_meta(f, name, "unravel.skip", err))) return UNR_ERR_METADATA;
    if (strcmp(v, "true") == 0) info->skip = 1;
    else if (strcmp(v, "false") == 0) info->skip = 0;
    else
        return unr_fail(err, UNR_ERR_METADATA, "%s: unravel.skip is '%s', expected 'true' or 'false'",
                        name, v);

    if (!(v = need_meta(f, name, "unravel.blocks_per_stage", err))) return UNR_ERR_METADATA;
    if (parse_numbers(v, num, 1, 1) != 1 || num[0] != floor(num[0]) || num[0] < 1 ||
        num[0] > UNR_MAX_BLOCKS / 3)
        return unr_fail(err, UNR_ERR_METADATA,
                        "%s: unravel.blocks_per_stage is '%s', expected an integer 1..%d", name, v,
                        UNR_MAX_BLOCKS / 3);
    info->blocks_per_stage = (int)num[0];
    info->num_blocks = 3 * info->blocks_per_stage;

    if (!(v = need_meta(f, name, "unravel.widths", err))) return UNR_ERR_METADATA;
    if (parse_numbers(v, num, 3, 3) != 3)
        return unr_fail(err, UNR_ERR_METADATA, "%s: unravel.widths is '%s', expected 3 integers",
                        name, v);
    for (int s = 0; s < 3; s++) {
        if (num[s] != floor(num[s]) || num[s] < 1 || num[s] > 1024 ||
            (s > 0 && (num[s] < num[s - 1] || ((int)num[s] - (int)num[s - 1]) % 2 != 0)))
            return unr_fail(err, UNR_ERR_METADATA,
                            "%s: unravel.widths is '%s': widths must be integers 1..1024 that "
                            "grow by an even number of channels",
                            name, v);
        info->widths[s] = (int)num[s];
    }

    static const char *const norm_keys[2] = {"unravel.mean", "unravel.std"};
    for (int k = 0; k < 2; k++) {
        if (!(v = need_meta(f, name, norm_keys[k], err))) return UNR_ERR_METADATA;
        if (parse_numbers(v, num, 3, 3) != 3)
            return unr_fail(err, UNR_ERR_METADATA, "%s: %s is '%s', expected 3 numbers", name,
                            norm_keys[k], v);
        for (int c = 0; c < 3; c++) {
            /* As float32: a std that rounds to 0 (or a denormal) would divide pixels to infinity. */
            if (k == 1 && !(num[c] >= FLT_MIN && num[c] <= FLT_MAX))
                return unr_fail(err, UNR_ERR_METADATA,
                                "%s: unravel.std is '%s': must be positive and at least %g", name,
                                v, (double)FLT_MIN);
            if (k == 0 && fabs(num[c]) > FLT_MAX)
                return unr_fail(err, UNR_ERR_METADATA,
                                "%s: unravel.mean is '%s': beyond the float32 range", name, v);
            (k == 0 ? info->mean : info->std)[c] = (float)num[c];
        }
    }

    if (!(v = need_meta(f, name, "unravel.classes", err))) return UNR_ERR_METADATA;
    int cls = 0;
    for (const char *p = v;; cls++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (cls >= UNR_CLASSES || len == 0 || len >= sizeof info->classes[0])
            return unr_fail(err, UNR_ERR_METADATA,
                            "%s: unravel.classes must be %d non-empty names under 32 characters",
                            name, UNR_CLASSES);
        /* Names are shown in tables and pages: no control characters (terminal escapes). */
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)p[i];
            if (c < 0x20 || c == 0x7F || (c == 0xC2 && i + 1 < len && (unsigned char)p[i + 1] < 0xA0))
                return unr_fail(err, UNR_ERR_METADATA,
                                "%s: unravel.classes: class %d holds a control character", name,
                                cls + 1);
        }
        memcpy(info->classes[cls], p, len);
        info->classes[cls][len] = '\0';
        if (!comma) break;
        p = comma + 1;
    }
    if (cls + 1 != UNR_CLASSES)
        return unr_fail(err, UNR_ERR_METADATA, "%s: unravel.classes has %d names, expected %d",
                        name, cls + 1, UNR_CLASSES);

    for (int b = 0; b < info->num_blocks; b++) scales[b] = 1.0f;
    if ((v = unr_st_meta_get(f, "unravel.residual_scale"))) {
        if (parse_numbers(v, num, info->num_blocks, UNR_MAX_BLOCKS) != info->num_blocks)
            return unr_fail(err, UNR_ERR_METADATA,
                            "%s: unravel.residual_scale must hold %d numbers, one per block", name,
                            info->num_blocks);
        for (int b = 0; b < info->num_blocks; b++) {
            if (fabs(num[b]) > FLT_MAX)
                return unr_fail(err, UNR_ERR_METADATA,
                                "%s: unravel.residual_scale of block %d (%g) is beyond the float32 range",
                                name, b + 1, num[b]);
            scales[b] = (float)num[b];
        }
    }
    return UNR_OK;
}

/* ---- tensors ----------------------------------------------------------------------------- */

typedef struct loader {
    const unr_st_file *file;
    const char *name;
    unsigned char *used; /* per tensor of the file: 1 once read */
    float *raw;          /* scratch: a tensor as stored (largest tensor of the file) */
    float *bn;           /* scratch: BatchNorm's four vectors [4][widest] */
    float *fold;         /* scratch: multiply and add of a folded BatchNorm [2][widest] */
    int check_only;      /* names and shapes only: the pass before anything is allocated */
    unr_error *err;
} loader;

static void format_shape(char *buf, size_t cap, int ndim, const long long *shape)
{
    size_t at = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < ndim && at < cap; i++)
        at += (size_t)snprintf(buf + at, cap - at, i ? ", %lld" : "%lld", shape[i]);
    if (at < cap) snprintf(buf + at, cap - at, "]");
}

/* Read tensor `tname` of the given shape into dst (as float32). */
static unr_status take(loader *L, const char *tname, int ndim, const long long *shape, float *dst)
{
    const unr_st_tensor *t = unr_st_find(L->file, tname);
    if (!t)
        return unr_fail(L->err, UNR_ERR_MISSING_TENSOR, "%s: tensor '%s' is missing", L->name,
                        tname);
    int same = t->ndim == ndim;
    for (int i = 0; same && i < ndim; i++) same = t->shape[i] == shape[i];
    if (!same) {
        char got[96], want[96];
        format_shape(got, sizeof got, t->ndim, t->shape);
        format_shape(want, sizeof want, ndim, shape);
        return unr_fail(L->err, UNR_ERR_SHAPE, "%s: tensor '%s' has shape %s, expected %s",
                        L->name, tname, got, want);
    }
    L->used[t - L->file->tensors] = 1;
    if (L->check_only) return UNR_OK;
    return unr_st_read_f32(L->file, t, dst, L->name, L->err);
}

/* Read BatchNorm `prefix` and turn it into y = x * mul + add. */
static unr_status take_bn(loader *L, const char *prefix, int c, float *mul, float *add)
{
    static const char *const parts[4] = {"weight", "bias", "running_mean", "running_var"};
    long long shape[1] = {c};
    char tname[160];
    for (int i = 0; i < 4; i++) {
        snprintf(tname, sizeof tname, "%s.%s", prefix, parts[i]);
        unr_status st = take(L, tname, 1, shape, L->check_only ? NULL : L->bn + i * c);
        if (st) return st;
    }
    if (L->check_only) return UNR_OK;
    const float *g = L->bn, *beta = L->bn + c, *mean = L->bn + 2 * c, *var = L->bn + 3 * c;
    for (int i = 0; i < c; i++) {
        if (var[i] < 0)
            return unr_fail(L->err, UNR_ERR_NONFINITE,
                            "%s: tensor '%s.running_var' element %d is negative (%g)", L->name,
                            prefix, i, (double)var[i]);
        double inv = 1.0 / sqrt((double)var[i] + BN_EPS);
        mul[i] = (float)(g[i] * inv);
        add[i] = (float)(beta[i] - mean[i] * g[i] * inv);
        /* Finite inputs can still fold to infinity (a huge weight over a zero variance). */
        if (!isfinite(mul[i]) || !isfinite(add[i]))
            return unr_fail(L->err, UNR_ERR_NONFINITE,
                            "%s: BatchNorm '%s' channel %d folds to a non-finite %s (weight %g, "
                            "bias %g, running_mean %g, running_var %g)",
                            L->name, prefix, i, isfinite(mul[i]) ? "shift" : "scale", (double)g[i],
                            (double)beta[i], (double)mean[i], (double)var[i]);
    }
    return UNR_OK;
}

/* Read a PyTorch conv weight [cout][cin][k][k] into the kernels' [k][k][cin][cout], folding
 * BatchNorm `bn` into it (NULL: no BatchNorm, bias 0). */
static unr_status take_conv(loader *L, const char *wname, const char *bn, unr_conv *cv)
{
    int k = cv->ksize, ci = cv->cin, co = cv->cout;
    long long shape[4] = {co, ci, k, k};
    float *mul = L->fold, *add = L->check_only ? NULL : L->fold + co; /* no scratch yet */
    unr_status st = take(L, wname, 4, shape, L->raw);
    if (st) return st;
    if (bn) {
        if ((st = take_bn(L, bn, co, mul, add))) return st;
    } else if (!L->check_only) {
        for (int o = 0; o < co; o++) mul[o] = 1.0f, add[o] = 0.0f;
    }
    if (L->check_only) return UNR_OK;
    for (int o = 0; o < co; o++)
        for (int i = 0; i < ci; i++)
            for (int y = 0; y < k; y++)
                for (int x = 0; x < k; x++) {
                    size_t from = (((size_t)o * ci + i) * k + y) * k + x;
                    float w = L->raw[from] * mul[o];
                    if (!isfinite(w))
                        return unr_fail(L->err, UNR_ERR_NONFINITE,
                                        "%s: tensor '%s' element %zu (%g) times BatchNorm '%s' "
                                        "scale %g is not a finite float32",
                                        L->name, wname, from, (double)L->raw[from], bn,
                                        (double)mul[o]);
                    cv->weight[((size_t)(y * k + x) * ci + i) * co + o] = w;
                }
    memcpy(cv->bias, add, (size_t)co * sizeof *add);
    return UNR_OK;
}

/* ---- layout ------------------------------------------------------------------------------ */

/* Describe every layer's shape, then carve all arrays from one allocation. With params == NULL
 * only counts the floats needed, in 64 bits: size_t is 32 bits in WebAssembly, and the count
 * comes from metadata that nothing has checked against the file yet. */
static uint64_t layout(unr_model *m, float *params)
{
    uint64_t used = 0;
#define CARVE(ptr, count)                                  \
    do {                                                   \
        if (params) (ptr) = params + used;                 \
        used += (uint64_t)(count);                         \
    } while (0)
    const unr_model_info *in = &m->info;
    int n = in->blocks_per_stage;
    m->stem = (unr_conv){.cin = 3, .cout = in->widths[0], .ksize = 3, .stride = 1, .in_size = 32};
    CARVE(m->stem.weight, 27 * in->widths[0]);
    CARVE(m->stem.bias, in->widths[0]);
    int size = 32, cin = in->widths[0];
    for (int b = 0; b < in->num_blocks; b++) {
        unr_block *bl = &m->blocks[b];
        int stage = b / n, first = b % n == 0 && stage > 0;
        int cout = in->widths[stage];
        *bl = (unr_block){.stage = stage, .downsample = first, .cin = cin, .cout = cout,
                          .in_size = size, .out_size = first ? (size + 1) / 2 : size};
        bl->conv1 = (unr_conv){.cin = cin, .cout = cout, .ksize = 3, .stride = first ? 2 : 1,
                               .in_size = size};
        bl->conv2 = (unr_conv){.cin = cout, .cout = cout, .ksize = 3, .stride = 1,
                               .in_size = bl->out_size};
        CARVE(bl->conv1.weight, 9 * cin * cout);
        CARVE(bl->conv1.bias, cout);
        CARVE(bl->conv2.weight, 9 * cout * cout);
        CARVE(bl->conv2.bias, cout);
        if (in->block == UNR_PREACT) {
            bl->pre.c = cin;
            CARVE(bl->pre.mul, cin);
            CARVE(bl->pre.add, cin);
        }
        bl->has_proj = first && in->shortcut == 'B' && in->skip;
        if (bl->has_proj) {
            bl->proj = (unr_conv){.cin = cin, .cout = cout, .ksize = 1, .stride = 2, .in_size = size};
            CARVE(bl->proj.weight, cin * cout);
            CARVE(bl->proj.bias, cout);
        }
        size = bl->out_size;
        cin = cout;
    }
    int w3 = in->widths[2];
    if (in->block == UNR_PREACT) {
        m->final.c = w3;
        CARVE(m->final.mul, w3);
        CARVE(m->final.add, w3);
    }
    CARVE(m->linear_weight, UNR_CLASSES * w3);
    CARVE(m->linear_bias, UNR_CLASSES);
#undef CARVE
    return used;
}

static unr_status load_tensors(unr_model *m, loader *L)
{
    const unr_model_info *in = &m->info;
    int n = in->blocks_per_stage, pre = in->block == UNR_PREACT;
    unr_status st;
    char w[160], bn[160];

    if ((st = take_conv(L, "conv1.weight", pre ? NULL : "bn1", &m->stem))) return st;
    for (int b = 0; b < in->num_blocks; b++) {
        unr_block *bl = &m->blocks[b];
        char p[48];
        snprintf(p, sizeof p, "layer%d.%d", b / n + 1, b % n);
        snprintf(w, sizeof w, "%s.conv1.weight", p);
        snprintf(bn, sizeof bn, "%s.%s", p, pre ? "bn2" : "bn1");
        if ((st = take_conv(L, w, bn, &bl->conv1))) return st;
        snprintf(w, sizeof w, "%s.conv2.weight", p);
        snprintf(bn, sizeof bn, "%s.bn2", p);
        if ((st = take_conv(L, w, pre ? NULL : bn, &bl->conv2))) return st;
        if (pre) {
            snprintf(bn, sizeof bn, "%s.bn1", p);
            if ((st = take_bn(L, bn, bl->cin, bl->pre.mul, bl->pre.add))) return st;
        }
        if (bl->has_proj) {
            snprintf(w, sizeof w, "%s.shortcut.conv.weight", p);
            snprintf(bn, sizeof bn, "%s.shortcut.bn", p);
            if ((st = take_conv(L, w, in->shortcut_bn ? bn : NULL, &bl->proj))) return st;
        }
    }
    int w3 = in->widths[2];
    if (pre && (st = take_bn(L, "bn_final", w3, m->final.mul, m->final.add))) return st;
    long long lw[2] = {UNR_CLASSES, w3}, lb[1] = {UNR_CLASSES};
    if ((st = take(L, "linear.weight", 2, lw, m->linear_weight))) return st;
    if ((st = take(L, "linear.bias", 1, lb, m->linear_bias))) return st;

    for (int t = 0; t < L->file->num_tensors; t++)
        if (!L->used[t])
            return unr_fail(L->err, UNR_ERR_UNEXPECTED_TENSOR,
                            "%s: tensor '%s' is not part of a %s %s network with %d blocks per "
                            "stage, shortcut %c%s",
                            L->name, L->file->tensors[t].name,
                            pre ? "pre-activation" : "post-activation",
                            in->skip ? "residual" : "plain", n, in->shortcut,
                            in->skip ? "" : " (no shortcuts)");
    return UNR_OK;
}

/* The i-th convolution of the network (stem, then each block's conv1, conv2, projection), or
 * NULL past the last: for passes over all of them. */
static unr_conv *nth_conv(unr_model *m, int i)
{
    if (i == 0) return &m->stem;
    for (int b = 0; b < m->info.num_blocks; b++) {
        unr_block *bl = &m->blocks[b];
        if (--i < 2) return i == 0 ? &bl->conv1 : &bl->conv2;
        i--;
        if (bl->has_proj && i-- == 0) return &bl->proj;
    }
    return NULL;
}

static unr_conv_args pack_args(const unr_conv *c)
{
    return (unr_conv_args){.in_h = c->in_size, .in_w = c->in_size, .cin = c->cin,
                           .cout = c->cout, .ksize = c->ksize, .stride = c->stride,
                           .weight = c->weight, .bias = c->bias, .scale = 1.0f};
}

/* Let the active kernels prepare each layer's weights once (e.g. Winograd transforms). */
static unr_status pack_weights(unr_model *m, const char *name, unr_error *err)
{
    uint64_t total = 0;
    unr_conv *c;
    for (int i = 0; (c = nth_conv(m, i)); i++) {
        unr_conv_args a = pack_args(c);
        total += unr_conv_pack_size(m->kernels, &a);
    }
    if (!total) return UNR_OK;
    if (total > SIZE_MAX / sizeof(float))
        return unr_fail(err, UNR_ERR_NOMEM, "%s: %llu packed weights do not fit this build's memory",
                        name, (unsigned long long)total);
    m->packed = malloc((size_t)total * sizeof(float));
    if (!m->packed) return unr_fail(err, UNR_ERR_NOMEM, "%s: out of memory", name);
    float *p = m->packed;
    for (int i = 0; (c = nth_conv(m, i)); i++) {
        unr_conv_args a = pack_args(c);
        size_t size = unr_conv_pack_size(m->kernels, &a);
        if (!size) continue;
        m->kernels->conv_pack(&a, p);
        c->packed = p;
        p += size;
    }
    return UNR_OK;
}

static long long count_params(const unr_st_file *f)
{
    long long total = 0;
    for (int t = 0; t < f->num_tensors; t++)
        if (!strstr(f->tensors[t].name, "running_")) total += f->tensors[t].elements;
    return total;
}

static double count_flops(const unr_model *m)
{
    double macs = 27.0 * m->stem.cout * 32 * 32;
    for (int b = 0; b < m->info.num_blocks; b++) {
        const unr_block *bl = &m->blocks[b];
        double px = (double)bl->out_size * bl->out_size;
        macs += px * 9.0 * bl->cin * bl->cout + px * 9.0 * bl->cout * bl->cout;
        if (bl->has_proj) macs += px * bl->cin * bl->cout;
    }
    macs += (double)UNR_CLASSES * m->info.widths[2];
    return 2.0 * macs;
}

unr_status unr_model_load(const void *bytes, size_t len, const char *name, unr_model **out,
                          unr_error *err)
{
    if (!name) name = "model";
    if (!out || (!bytes && len))
        return unr_fail(err, UNR_ERR_ARGUMENT, "%s: unr_model_load needs bytes and an output",
                        name);
    *out = NULL;
    unr_st_file f;
    unr_status st = unr_st_parse(bytes, len, name, &f, err);
    if (st) return st;

    unr_model *m = calloc(1, sizeof *m);
    float scales[UNR_MAX_BLOCKS];
    unsigned char *used = NULL;
    float *tmp = NULL;
    if (!m) {
        st = unr_fail(err, UNR_ERR_NOMEM, "%s: out of memory", name);
        goto done;
    }
    if ((st = read_metadata(&f, name, &m->info, scales, err))) goto done;
    m->kernels = unr_kernels_active();
    if (!m->kernels) {
        st = unr_fail(err, UNR_ERR_ARGUMENT, "%s: %s", name, unr_kernels_problem());
        goto done;
    }
    /* Every expected tensor's name and shape is checked against the file before the network's
     * arrays are allocated: their sizes come from metadata, and a file must not be able to ask
     * for more memory than its own tensors justify. */
    m->blocks = calloc((size_t)m->info.num_blocks, sizeof *m->blocks);
    used = calloc((size_t)f.num_tensors + 1, 1);
    if (!m->blocks || !used) {
        st = unr_fail(err, UNR_ERR_NOMEM, "%s: out of memory", name);
        goto done;
    }
    uint64_t floats = layout(m, NULL);
    loader L = {.file = &f, .name = name, .used = used, .check_only = 1, .err = err};
    if ((st = load_tensors(m, &L))) goto done;
    /* Scratch sized for the largest tensor in the file and the widest layer. */
    uint64_t raw_len = 1, widest = (uint64_t)m->info.widths[2];
    for (int t = 0; t < f.num_tensors; t++)
        if ((uint64_t)f.tensors[t].elements > raw_len) raw_len = (uint64_t)f.tensors[t].elements;
    uint64_t scratch = raw_len + 6 * widest;
    if (floats > SIZE_MAX / sizeof(float) || scratch > SIZE_MAX / sizeof(float)) {
        st = unr_fail(err, UNR_ERR_NOMEM, "%s: %llu parameters do not fit this build's memory",
                      name, (unsigned long long)floats);
        goto done;
    }
    m->params = calloc((size_t)floats, sizeof(float));
    tmp = malloc((size_t)scratch * sizeof *tmp);
    if (!m->params || !tmp) {
        st = unr_fail(err, UNR_ERR_NOMEM, "%s: out of memory", name);
        goto done;
    }
    layout(m, m->params);
    for (int b = 0; b < m->info.num_blocks; b++) m->blocks[b].scale = scales[b];
    memset(used, 0, (size_t)f.num_tensors + 1);
    L = (loader){.file = &f, .name = name, .used = used, .raw = tmp, .bn = tmp + raw_len,
                 .fold = tmp + raw_len + 4 * widest, .err = err};
    if ((st = load_tensors(m, &L))) goto done;
    m->info.params = count_params(&f);
    m->info.flops = count_flops(m);
    if ((st = pack_weights(m, name, err))) goto done;
    unr_ok(err);
done:
    free(tmp);
    free(used);
    unr_st_free(&f);
    if (st) unr_model_free(m);
    else *out = m;
    return st;
}

void unr_model_free(unr_model *model)
{
    if (!model) return;
    free(model->params);
    free(model->packed);
    free(model->blocks);
    free(model);
}

const unr_model_info *unr_model_get_info(const unr_model *model) { return &model->info; }

static int block_ok(const unr_model *m, int b) { return m && b >= 0 && b < m->info.num_blocks; }

int unr_block_stage(const unr_model *m, int b) { return block_ok(m, b) ? m->blocks[b].stage : -1; }

int unr_block_downsamples(const unr_model *m, int b)
{
    return block_ok(m, b) ? m->blocks[b].downsample : 0;
}

float unr_block_scale(const unr_model *m, int b) { return block_ok(m, b) ? m->blocks[b].scale : 0; }
