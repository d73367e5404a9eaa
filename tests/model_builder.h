/* model_builder.h - write Unravel model files in memory for the loader tests and the fuzz
 * seeds: every tensor FORMAT.md names, F32, deterministic values, with hooks to change metadata,
 * drop tensors or overwrite values. Header-only (static functions), used by tests/ and fuzz/. */
#ifndef UNR_MODEL_BUILDER_H
#define UNR_MODEL_BUILDER_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mb_spec {
    const char *block;     /* "postact" or "preact" */
    char shortcut;         /* 'A' or 'B' */
    int skip;              /* 0: plain network */
    int n;                 /* blocks per stage */
    int widths[3];
    /* Metadata: extra or replacing entries as "key", "raw JSON string literal" pairs; a NULL
     * value removes the key. */
    const char *meta[16][2];
    /* Called for every tensor before its values exist; returning 0 leaves the tensor out. */
    int (*keep)(const char *name, void *user);
    /* Called for every tensor kept (may change its values). */
    void (*tweak)(const char *name, float *values, long long count, void *user);
    void *user;
    /* Used instead of the computed metadata for these keys when set (JSON string literal). */
    const char *blocks_per_stage, *widths_text;
} mb_spec;

typedef struct mb_buf {
    char *s;
    size_t len, cap;
} mb_buf;

static void mb_put(mb_buf *b, const void *bytes, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, bytes, n);
    b->len += n;
    b->s[b->len] = '\0';
}

__attribute__((format(printf, 2, 3))) static void mb_printf(mb_buf *b, const char *fmt, ...)
{
    char tmp[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    mb_put(b, tmp, (size_t)n);
}

typedef struct mb_state {
    const mb_spec *spec;
    mb_buf header, data;
    uint32_t seed;
} mb_state;

static void mb_tensor(mb_state *st, const char *name, int ndim, const long long *shape, int is_var)
{
    if (st->spec->keep && !st->spec->keep(name, st->spec->user)) return;
    long long count = 1;
    for (int d = 0; d < ndim; d++) count *= shape[d];
    float *v = malloc(sizeof(float) * (size_t)(count ? count : 1));
    for (long long i = 0; i < count; i++) {
        st->seed = st->seed * 1664525u + 1013904223u;
        float r = (float)(st->seed >> 8) / 16777216.0f; /* [0, 1) */
        v[i] = is_var ? 0.5f + r : (r - 0.5f) * 0.4f;
    }
    if (st->spec->tweak) st->spec->tweak(name, v, count, st->spec->user);
    size_t begin = st->data.len;
    mb_put(&st->data, v, sizeof(float) * (size_t)count);
    mb_printf(&st->header, ",\"%s\":{\"dtype\":\"F32\",\"shape\":[", name);
    for (int d = 0; d < ndim; d++) mb_printf(&st->header, d ? ",%lld" : "%lld", shape[d]);
    mb_printf(&st->header, "],\"data_offsets\":[%zu,%zu]}", begin, st->data.len);
    free(v);
}

static void mb_conv(mb_state *st, const char *name, int cout, int cin, int k)
{
    long long shape[4] = {cout, cin, k, k};
    mb_tensor(st, name, 4, shape, 0);
}

static void mb_bn(mb_state *st, const char *prefix, int c)
{
    static const char *const parts[4] = {"weight", "bias", "running_mean", "running_var"};
    long long shape[1] = {c};
    char name[320];
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "%s.%s", prefix, parts[i]);
        mb_tensor(st, name, 1, shape, i == 3);
    }
}

/* The whole file: 8-byte length, header, data. *len receives its size; free() the result. */
static unsigned char *mb_build(const mb_spec *spec, size_t *len)
{
    mb_state st = {.spec = spec, .seed = 12345};
    static const char *const keys[] = {"unravel.arch", "unravel.block", "unravel.shortcut",
                                       "unravel.skip", "unravel.blocks_per_stage",
                                       "unravel.widths", "unravel.mean", "unravel.std",
                                       "unravel.classes"};
    char values[9][128];
    snprintf(values[0], 128, "\"cifar-resnet\"");
    snprintf(values[1], 128, "\"%s\"", spec->block);
    snprintf(values[2], 128, "\"%c\"", spec->shortcut);
    snprintf(values[3], 128, "\"%s\"", spec->skip ? "true" : "false");
    snprintf(values[4], 128, "%s", spec->blocks_per_stage ? spec->blocks_per_stage : "");
    if (!spec->blocks_per_stage) snprintf(values[4], 128, "\"%d\"", spec->n);
    if (spec->widths_text) snprintf(values[5], 128, "%s", spec->widths_text);
    else snprintf(values[5], 128, "\"%d,%d,%d\"", spec->widths[0], spec->widths[1], spec->widths[2]);
    snprintf(values[6], 128, "\"0.49,0.48,0.45\"");
    snprintf(values[7], 128, "\"0.25,0.24,0.26\"");
    snprintf(values[8], 128, "\"airplane,automobile,bird,cat,deer,dog,frog,horse,ship,truck\"");
    mb_printf(&st.header, "{\"__metadata__\":{\"format\":\"pt\"");
    for (int k = 0; k < 9; k++) {
        int overridden = 0;
        for (int i = 0; i < 16 && spec->meta[i][0]; i++)
            if (!strcmp(spec->meta[i][0], keys[k])) overridden = 1;
        if (!overridden) mb_printf(&st.header, ",\"%s\":%s", keys[k], values[k]);
    }
    /* Shortcut B states whether its projection has a BatchNorm (the builder writes one). */
    int bn_stated = 0;
    for (int i = 0; i < 16 && spec->meta[i][0]; i++)
        if (!strcmp(spec->meta[i][0], "unravel.shortcut_bn")) bn_stated = 1;
    if (spec->shortcut == 'B' && !bn_stated) mb_printf(&st.header, ",\"unravel.shortcut_bn\":\"true\"");
    for (int i = 0; i < 16 && spec->meta[i][0]; i++)
        if (spec->meta[i][1]) {
            mb_printf(&st.header, ",\"%s\":", spec->meta[i][0]);
            mb_put(&st.header, spec->meta[i][1], strlen(spec->meta[i][1]));
        }
    mb_printf(&st.header, "}");

    int pre = !strcmp(spec->block, "preact"), n = spec->n;
    mb_conv(&st, "conv1.weight", spec->widths[0], 3, 3);
    if (!pre) mb_bn(&st, "bn1", spec->widths[0]);
    int cin = spec->widths[0];
    char p[64], name[256];
    for (int b = 0; b < 3 * n; b++) {
        int stage = b / n, first = b % n == 0 && stage > 0, cout = spec->widths[stage];
        snprintf(p, sizeof p, "layer%d.%d", stage + 1, b % n);
        snprintf(name, sizeof name, "%s.conv1.weight", p);
        mb_conv(&st, name, cout, cin, 3);
        snprintf(name, sizeof name, "%s.bn1", p);
        mb_bn(&st, name, pre ? cin : cout);
        snprintf(name, sizeof name, "%s.conv2.weight", p);
        mb_conv(&st, name, cout, cout, 3);
        snprintf(name, sizeof name, "%s.bn2", p);
        mb_bn(&st, name, cout);
        if (first && spec->shortcut == 'B' && spec->skip) {
            snprintf(name, sizeof name, "%s.shortcut.conv.weight", p);
            mb_conv(&st, name, cout, cin, 1);
            snprintf(name, sizeof name, "%s.shortcut.bn", p);
            mb_bn(&st, name, cout);
        }
        cin = cout;
    }
    if (pre) mb_bn(&st, "bn_final", spec->widths[2]);
    long long lw[2] = {10, spec->widths[2]}, lb[1] = {10};
    mb_tensor(&st, "linear.weight", 2, lw, 0);
    mb_tensor(&st, "linear.bias", 1, lb, 0);
    mb_printf(&st.header, "}");

    *len = 8 + st.header.len + st.data.len;
    unsigned char *out = malloc(*len);
    for (int i = 0; i < 8; i++) out[i] = (unsigned char)((uint64_t)st.header.len >> (8 * i));
    memcpy(out + 8, st.header.s, st.header.len);
    if (st.data.len) memcpy(out + 8 + st.header.len, st.data.s, st.data.len);
    free(st.header.s);
    free(st.data.s);
    return out;
}

/* A small valid residual network: n = 1, widths 4,6,8. (inline: not every includer uses it, and
 * the fuzz build's clang -Werror would flag an unused static function) */
static inline mb_spec mb_small(const char *block, char shortcut)
{
    mb_spec s;
    memset(&s, 0, sizeof s);
    s.block = block;
    s.shortcut = shortcut;
    s.skip = 1;
    s.n = 1;
    s.widths[0] = 4, s.widths[1] = 6, s.widths[2] = 8;
    return s;
}

/* The MB_VARIANTS small valid networks, i = 0..7: post- or pre-activation x shortcut A or B x
 * residual or plain; name (at least 32 bytes) receives e.g. "preact_B_res". */
#define MB_VARIANTS 8
static inline mb_spec mb_variant(int i, char *name)
{
    const char *block = i & 4 ? "preact" : "postact";
    char shortcut = i & 2 ? 'B' : 'A';
    mb_spec s = mb_small(block, shortcut);
    s.skip = i & 1;
    snprintf(name, 32, "%s_%c_%s", block, shortcut, s.skip ? "res" : "plain");
    return s;
}

#endif
