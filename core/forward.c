/* forward.c - the ResNet forward pass written out: stem, blocks, head (models/FORMAT.md). */
#include "forward.h"

#include <stdlib.h>
#include <string.h>

enum { MAP_X0, MAP_X1, MAP_A, MAP_T, MAP_S, MAPS_PER_STAGE };

struct unr_workspace {
    float *input;                       /* padded 32x32x3 normalised image */
    float *maps[3][MAPS_PER_STAGE];     /* per stage, each of that stage's shape */
    float **cache;                      /* [num_blocks + 1] or NULL: input of each position */
    float *memory;
};

static int stage_size(int s) { return 32 >> s; }

/* The stage whose shape the input of position i has: block i's input (the previous stage's for
 * a downsampling block); position num_blocks holds the last block's output. */
static int position_stage(const unr_model *m, int i)
{
    if (i == m->info.num_blocks) return 2;
    return m->blocks[i].downsample ? m->blocks[i].stage - 1 : m->blocks[i].stage;
}

unr_workspace *unr_workspace_new(const unr_model *m, int with_cache)
{
    const unr_model_info *in = &m->info;
    int L = in->num_blocks;
    size_t stage_len[3], total = unr_map_len(32, 32, 3);
    for (int s = 0; s < 3; s++) {
        stage_len[s] = unr_map_len(stage_size(s), stage_size(s), in->widths[s]);
        total += MAPS_PER_STAGE * stage_len[s];
    }
    if (with_cache)
        for (int i = 0; i <= L; i++) total += stage_len[position_stage(m, i)];
    unr_workspace *ws = calloc(1, sizeof *ws);
    if (!ws) return NULL;
    ws->memory = calloc(total, sizeof(float)); /* zero: every border starts and stays zero */
    ws->cache = with_cache ? calloc((size_t)L + 1, sizeof *ws->cache) : NULL;
    if (!ws->memory || (with_cache && !ws->cache)) {
        unr_workspace_free(ws);
        return NULL;
    }
    float *p = ws->memory;
    ws->input = p;
    p += unr_map_len(32, 32, 3);
    for (int s = 0; s < 3; s++)
        for (int k = 0; k < MAPS_PER_STAGE; k++, p += stage_len[s]) ws->maps[s][k] = p;
    if (with_cache)
        for (int i = 0; i <= L; i++) {
            ws->cache[i] = p;
            p += stage_len[position_stage(m, i)];
        }
    return ws;
}

void unr_workspace_free(unr_workspace *ws)
{
    if (!ws) return;
    free(ws->memory);
    free(ws->cache);
    free(ws);
}

const float *unr_workspace_position(const unr_workspace *ws, int i) { return ws->cache[i]; }

void unr_load_record(const unr_model *m, unr_workspace *ws, const unsigned char *record)
{
    const unsigned char *px = record + 1;
    for (int c = 0; c < 3; c++) {
        float mean = m->info.mean[c], std = m->info.std[c];
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++)
                ws->input[((y + 1) * 34 + x + 1) * 3 + c] =
                    ((float)px[(c * 32 + y) * 32 + x] / 255.0f - mean) / std;
    }
}

void unr_load_float(const unr_model *m, unr_workspace *ws, const float *chw)
{
    (void)m;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++)
                ws->input[((y + 1) * 34 + x + 1) * 3 + c] = chw[(c * 32 + y) * 32 + x];
}

static void conv(const unr_model *m, const unr_conv *cv, const float *in, float *out, float scale,
                 const float *residual, int relu)
{
    unr_conv_args a = {.in = in, .in_h = cv->in_size, .in_w = cv->in_size, .cin = cv->cin, .out = out,
                       .cout = cv->cout, .ksize = cv->ksize, .stride = cv->stride,
                       .weight = cv->weight, .bias = cv->bias, .scale = scale,
                       .residual = residual, .relu = relu, .packed = cv->packed};
    m->kernels->conv(&a);
}

/* Option A: x[::2, ::2] with (cout - cin) / 2 zero channels on each side. */
static void subsample_pad(const float *in, int in_size, int cin, float *out, int cout)
{
    int out_size = (in_size + 1) / 2, pad = (cout - cin) / 2;
    for (int y = 0; y < out_size; y++)
        for (int x = 0; x < out_size; x++) {
            float *o = out + ((size_t)(y + 1) * (out_size + 2) + x + 1) * cout;
            const float *i = in + ((size_t)(2 * y + 1) * (in_size + 2) + 2 * x + 1) * cin;
            memset(o, 0, (size_t)cout * sizeof *o);
            memcpy(o + pad, i, (size_t)cin * sizeof *o);
        }
}

/* The shortcut S of a downsampling block applied to `in` (x for post-, a for pre-activation). */
static void downsample_shortcut(const unr_model *m, const unr_block *bl, const float *in,
                                float *out, int relu)
{
    if (bl->has_proj) conv(m, &bl->proj, in, out, 1.0f, NULL, relu);
    else subsample_pad(in, bl->in_size, bl->cin, out, bl->cout);
}

/* One block on map x; returns the map holding its output (x itself when a deleted block is
 * the identity, else out). */
static const float *run_block(const unr_model *m, unr_workspace *ws, const unr_block *bl,
                              int keep, const float *x, float *out)
{
    float **maps = ws->maps[bl->stage];
    int in_stage = position_stage(m, (int)(bl - m->blocks));
    int skip = m->info.skip, pre = m->info.block == UNR_PREACT;

    if (!keep && !bl->downsample) return x;
    if (!keep && !skip) { /* a plain network has no shortcut: keep shapes with option A */
        subsample_pad(x, bl->in_size, bl->cin, out, bl->cout);
        return out;
    }
    const float *act = x; /* the branch's input: x, or a = relu(bn1(x)) */
    if (pre) {
        float *a = ws->maps[in_stage][MAP_A];
        m->kernels->affine_relu(x, a, bl->in_size, bl->in_size, bl->cin, bl->pre.mul, bl->pre.add);
        act = a;
    }
    if (!keep) { /* a deleted downsampling block keeps its shortcut */
        downsample_shortcut(m, bl, act, out, !pre);
        return out;
    }
    const float *residual = NULL;
    if (skip && bl->downsample) {
        downsample_shortcut(m, bl, act, maps[MAP_S], 0);
        residual = maps[MAP_S];
    } else if (skip) {
        residual = x;
    }
    conv(m, &bl->conv1, act, maps[MAP_T], 1.0f, NULL, 1);
    conv(m, &bl->conv2, maps[MAP_T], out, skip ? bl->scale : 1.0f, residual, !pre);
    return out;
}

static void stem(const unr_model *m, unr_workspace *ws, float *out)
{
    conv(m, &m->stem, ws->input, out, 1.0f, NULL, m->info.block == UNR_POSTACT);
}

static void head(const unr_model *m, unr_workspace *ws, const float *x, float *logits)
{
    int c = m->info.widths[2], size = stage_size(2);
    if (m->info.block == UNR_PREACT) {
        float *a = ws->maps[2][MAP_A];
        m->kernels->affine_relu(x, a, size, size, c, m->final.mul, m->final.add);
        x = a;
    }
    float pooled[1024] = {0};
    for (int y = 0; y < size; y++)
        for (int xx = 0; xx < size; xx++) {
            const float *v = x + ((size_t)(y + 1) * (size + 2) + xx + 1) * c;
            for (int k = 0; k < c; k++) pooled[k] += v[k];
        }
    for (int k = 0; k < c; k++) pooled[k] /= (float)(size * size);
    for (int j = 0; j < UNR_CLASSES; j++) {
        float s = m->linear_bias[j];
        for (int k = 0; k < c; k++) s += m->linear_weight[j * c + k] * pooled[k];
        logits[j] = s;
    }
}

/* The spare ping-pong map of x's stage that is not x. */
static float *other_map(unr_workspace *ws, int stage, const float *x)
{
    return x == ws->maps[stage][MAP_X0] ? ws->maps[stage][MAP_X1] : ws->maps[stage][MAP_X0];
}

void unr_forward_base(const unr_model *m, unr_workspace *ws, float *logits)
{
    int L = m->info.num_blocks;
    const float *x;
    if (ws->cache) {
        stem(m, ws, ws->cache[0]);
        for (int i = 0; i < L; i++) run_block(m, ws, &m->blocks[i], 1, ws->cache[i], ws->cache[i + 1]);
        x = ws->cache[L];
    } else {
        float *out = ws->maps[0][MAP_X0];
        stem(m, ws, out);
        x = out;
        for (int i = 0; i < L; i++) {
            const unr_block *bl = &m->blocks[i];
            x = run_block(m, ws, bl, 1, x, other_map(ws, bl->stage, x));
        }
    }
    head(m, ws, x, logits);
}

void unr_forward_plan(const unr_model *m, unr_workspace *ws, const unr_plan *plan, int start,
                      float *logits)
{
    int L = m->info.num_blocks;
    const float *x;
    if (ws->cache) {
        x = ws->cache[start];
    } else {
        float *out = ws->maps[0][MAP_X0];
        stem(m, ws, out);
        x = out;
        start = 0;
    }
    for (int i = start; i < L; i++) {
        int b = plan->order[i];
        const unr_block *bl = &m->blocks[b];
        x = run_block(m, ws, bl, plan->keep[b], x, other_map(ws, bl->stage, x));
    }
    head(m, ws, x, logits);
}

int unr_argmax(const float *logits)
{
    int best = 0;
    for (int j = 1; j < UNR_CLASSES; j++)
        if (logits[j] > logits[best]) best = j;
    return best;
}
