/* plans.c - which blocks run in which order: checks and the seeded sweep generators. */
#include <string.h>

#include "error.h"
#include "forward.h"

void unr_plan_identity(const unr_model *model, unr_plan *plan)
{
    int L = model->info.num_blocks;
    memset(plan, 0, sizeof *plan);
    plan->num_blocks = L;
    for (int i = 0; i < L; i++) {
        plan->order[i] = i;
        plan->keep[i] = 1;
    }
}

int unr_plan_first_change(const unr_plan *plan)
{
    for (int i = 0; i < plan->num_blocks; i++)
        if (plan->order[i] != i || !plan->keep[i]) return i;
    return plan->num_blocks;
}

int unr_plan_is_identity(const unr_plan *plan)
{
    return unr_plan_first_change(plan) == plan->num_blocks;
}

/* Messages speak the paper's 1-based block numbers. */
unr_status unr_plan_validate(const unr_model *model, const unr_plan *plan, unr_error *err)
{
    int L = model->info.num_blocks;
    if (!plan || plan->num_blocks != L)
        return unr_fail(err, UNR_ERR_PLAN, "plan has %d blocks, the model has %d",
                        plan ? plan->num_blocks : 0, L);
    unsigned char seen[UNR_MAX_BLOCKS] = {0};
    for (int i = 0; i < L; i++) {
        int b = plan->order[i];
        if (b < 0 || b >= L)
            return unr_fail(err, UNR_ERR_PLAN, "order: position %d names block %d, outside 1..%d",
                            i + 1, b + 1, L);
        if (seen[b])
            return unr_fail(err, UNR_ERR_PLAN, "order: block %d appears twice", b + 1);
        seen[b] = 1;
        if (plan->keep[b] > 1)
            return unr_fail(err, UNR_ERR_PLAN, "keep flag of block %d is %d, not 0 or 1", b + 1,
                            plan->keep[b]);
    }
    for (int i = 0; i < L; i++) {
        int b = plan->order[i];
        if (b == i) continue;
        if (model->blocks[i].downsample || model->blocks[b].downsample)
            return unr_fail(err, UNR_ERR_PLAN,
                            "order: block %d downsamples and cannot move (position %d holds "
                            "block %d)",
                            model->blocks[i].downsample ? i + 1 : b + 1, i + 1, b + 1);
        if (model->blocks[i].stage != model->blocks[b].stage)
            return unr_fail(err, UNR_ERR_PLAN,
                            "order: block %d of stage %d cannot move to position %d in stage %d "
                            "(shapes differ)",
                            b + 1, model->blocks[b].stage + 1, i + 1, model->blocks[i].stage + 1);
    }
    return unr_ok(err);
}

double unr_plan_kendall_tau(const unr_plan *plan)
{
    int L = plan->num_blocks;
    if (L < 2) return 1.0;
    long long concordant = 0, discordant = 0;
    for (int i = 0; i < L; i++)
        for (int j = i + 1; j < L; j++) {
            if (plan->order[i] < plan->order[j]) concordant++;
            else discordant++;
        }
    return (double)(concordant - discordant) / ((double)L * (L - 1) / 2.0);
}

unr_status unr_plans_delete_one(const unr_model *model, unr_plan *out, unr_error *err)
{
    for (int b = 0; b < model->info.num_blocks; b++) {
        unr_plan_identity(model, &out[b]);
        out[b].keep[b] = 0;
    }
    return unr_ok(err);
}

static unr_status check_range(const char *what, int lo, int hi, int max, int trials,
                              unr_error *err)
{
    if (lo < 0 || lo > hi || hi > max)
        return unr_fail(err, UNR_ERR_ARGUMENT, "%s range %d-%d must lie within 0-%d", what, lo,
                        hi, max);
    if (trials < 1)
        return unr_fail(err, UNR_ERR_ARGUMENT, "trials must be at least 1 (got %d)", trials);
    return UNR_OK;
}

unr_status unr_plans_delete_k(const unr_model *model, int kmin, int kmax, int trials,
                              uint64_t seed, unr_plan *out, unr_error *err)
{
    return unr_plans_delete_k_from(model, NULL, kmin, kmax, trials, seed, out, err);
}

unr_status unr_plans_delete_k_from(const unr_model *model, const unsigned char *eligible,
                                   int kmin, int kmax, int trials, uint64_t seed, unr_plan *out,
                                   unr_error *err)
{
    int L = model->info.num_blocks;
    int candidates[UNR_MAX_BLOCKS], n = 0;
    for (int b = 0; b < L; b++)
        if (!eligible || eligible[b]) candidates[n++] = b;
    unr_status st = check_range("k", kmin, kmax, n, trials, err);
    if (st) return st;
    unr_rng rng;
    int pool[UNR_MAX_BLOCKS];
    for (int k = kmin; k <= kmax; k++) {
        /* Each k its own stream: k's draws are the same whatever range is asked for, so a long
         * table can be measured one k at a time (models/zoo_report.py) and a narrower sweep on
         * the page repeats the wider one's draws. */
        unr_rng_seed_stream(&rng, seed, (uint64_t)k);
        for (int t = 0; t < trials; t++, out++) {
            unr_plan_identity(model, out);
            /* k distinct blocks: the first k steps of a Fisher-Yates shuffle. */
            memcpy(pool, candidates, sizeof(int) * (size_t)n);
            for (int i = 0; i < k; i++) {
                int j = i + (int)unr_rng_below(&rng, (uint32_t)(n - i));
                int tmp = pool[i];
                pool[i] = pool[j];
                pool[j] = tmp;
                out->keep[pool[i]] = 0;
            }
        }
    }
    return unr_ok(err);
}

unr_status unr_plans_reorder(const unr_model *model, int swaps_min, int swaps_max, int trials,
                             uint64_t seed, unr_plan *out, unr_error *err)
{
    int L = model->info.num_blocks;
    unr_status st = check_range("swaps", swaps_min, swaps_max, 1 << 20, trials, err);
    if (st) return st;
    /* Movable positions: every block that does not downsample, grouped by stage. */
    int movable[UNR_MAX_BLOCKS], count = 0;
    for (int i = 0; i < L; i++)
        if (!model->blocks[i].downsample) movable[count++] = i;
    int per_stage[3] = {0};
    for (int i = 0; i < count; i++) per_stage[model->blocks[movable[i]].stage]++;
    if (swaps_max > 0 && per_stage[0] < 2 && per_stage[1] < 2 && per_stage[2] < 2)
        return unr_fail(err, UNR_ERR_ARGUMENT,
                        "no stage has two blocks of equal shape to swap (%d blocks per stage)",
                        model->info.blocks_per_stage);
    unr_rng rng;
    unr_rng_seed(&rng, seed);
    for (int s = swaps_min; s <= swaps_max; s++)
        for (int t = 0; t < trials; t++, out++) {
            unr_plan_identity(model, out);
            for (int k = 0; k < s; k++) {
                /* A uniformly random movable position, then a different one of its stage. */
                int i, stage;
                do {
                    i = movable[unr_rng_below(&rng, (uint32_t)count)];
                    stage = model->blocks[i].stage;
                } while (per_stage[stage] < 2);
                int first = 0;
                while (model->blocks[movable[first]].stage != stage) first++;
                int j;
                do j = movable[first + (int)unr_rng_below(&rng, (uint32_t)per_stage[stage])];
                while (j == i);
                int tmp = out->order[i];
                out->order[i] = out->order[j];
                out->order[j] = tmp;
            }
        }
    return unr_ok(err);
}

unr_status unr_plans_drop(const unr_model *model, const double *probs, int num_probs,
                          unr_drop_rule rule, int trials, uint64_t seed, unr_plan *out,
                          unr_error *err)
{
    int L = model->info.num_blocks;
    if (num_probs < 1 || !probs)
        return unr_fail(err, UNR_ERR_ARGUMENT, "drop needs at least one probability");
    if (trials < 1)
        return unr_fail(err, UNR_ERR_ARGUMENT, "trials must be at least 1 (got %d)", trials);
    if (rule != UNR_DROP_UNIFORM && rule != UNR_DROP_LINEAR)
        return unr_fail(err, UNR_ERR_ARGUMENT, "unknown drop rule %d", (int)rule);
    for (int p = 0; p < num_probs; p++)
        if (!(probs[p] >= 0.0 && probs[p] <= 1.0))
            return unr_fail(err, UNR_ERR_ARGUMENT, "drop probability %g is outside [0, 1]",
                            probs[p]);
    unr_rng rng;
    unr_rng_seed(&rng, seed);
    for (int p = 0; p < num_probs; p++)
        for (int t = 0; t < trials; t++, out++) {
            unr_plan_identity(model, out);
            for (int b = 0; b < L; b++) {
                double drop = rule == UNR_DROP_LINEAR ? probs[p] * (b + 1) / L : probs[p];
                if (unr_rng_uniform(&rng) < drop) out->keep[b] = 0;
            }
        }
    return unr_ok(err);
}
