/* kernels_select.c - the one place that decides which kernel variant runs.
 *
 * The choice is made once, on the first call, and cached in a static. The engine calls
 * unr_kernels_active() while loading a model, from the loading thread, before any worker thread
 * runs kernels; later calls only read the cached pointer. */
#include "kernels.h"
#include "unravel.h"

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

#if !defined(__EMSCRIPTEN__)
/* The variant UNRAVEL_KERNELS names, or NULL when it names none or one this CPU cannot run. */
static const unr_kernels *kernels_forced(void)
{
    const char *want = getenv("UNRAVEL_KERNELS");
    if (!want || !*want) return 0;
    if (!strcmp(want, "scalar")) return unr_kernels_scalar();
    if (!strcmp(want, "avx2")) return unr_kernels_avx2();
    if (!strcmp(want, "avx512")) return unr_kernels_avx512();
    return 0;
}
#endif

const unr_kernels *unr_kernels_active(void)
{
    static const unr_kernels *active;
    if (!active) {
        const unr_kernels *k = 0;
#if !defined(__EMSCRIPTEN__)
        k = kernels_forced(); /* an unknown or unsupported name falls back to the best */
#endif
        active = k ? k : kernels_best();
    }
    return active;
}

const char *unr_kernels_name(void) { return unr_kernels_active()->name; }
