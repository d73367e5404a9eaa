/* kernels_select.c - the one place that decides which kernel variant runs.
 *
 * The choice is made once, on the first call, and cached in a static. The engine calls
 * unr_kernels_active() while loading a model, from the loading thread, before any worker thread
 * runs kernels; later calls only read the cached pointer. */
#include "kernels.h"
#include "unravel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The best variant this CPU runs, most capable first. */
static const unr_kernels *kernels_best(void)
{
    const unr_kernels *k;
    if ((k = unr_kernels_avx512())) return k;
    if ((k = unr_kernels_avx2())) return k;
    if ((k = unr_kernels_wasmsimd())) return k;
    return unr_kernels_scalar();
}

/* Why UNRAVEL_KERNELS cannot be honoured, or "" when it can (or is unset). */
static char problem[160];

#if !defined(__EMSCRIPTEN__)
/* The variant UNRAVEL_KERNELS names; NULL (and problem set) when it names none or one this CPU
 * cannot run: a forced choice that silently fell back would let a test check the wrong kernels. */
static const unr_kernels *kernels_forced(int *forced)
{
    const char *want = getenv("UNRAVEL_KERNELS");
    *forced = want && *want;
    if (!*forced) return 0;
    const unr_kernels *k = 0;
    if (!strcmp(want, "scalar")) k = unr_kernels_scalar();
    else if (!strcmp(want, "avx2")) k = unr_kernels_avx2();
    else if (!strcmp(want, "avx512")) k = unr_kernels_avx512();
    else {
        snprintf(problem, sizeof problem,
                 "UNRAVEL_KERNELS is '%.40s', not one of scalar, avx2, avx512", want);
        return 0;
    }
    if (!k)
        snprintf(problem, sizeof problem, "UNRAVEL_KERNELS is '%s', which this CPU or build cannot run",
                 want);
    return k;
}
#endif

const unr_kernels *unr_kernels_active(void)
{
    static const unr_kernels *active;
    static int decided;
    if (!decided) {
        int forced = 0;
#if !defined(__EMSCRIPTEN__)
        active = kernels_forced(&forced);
#endif
        if (!forced) active = kernels_best();
        decided = 1;
    }
    return active;
}

const char *unr_kernels_problem(void)
{
    unr_kernels_active();
    return problem;
}

const char *unr_kernels_name(void)
{
    const unr_kernels *k = unr_kernels_active();
    return k ? k->name : "none (UNRAVEL_KERNELS is invalid)";
}
