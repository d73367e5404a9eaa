/* paths.c - exact path statistics of the unraveled view (Veit et al., Sec. 3 and Fig. 6a, 7). */
#include "unravel.h"

#include <math.h>

double unr_paths_total(int n) { return ldexp(1.0, n); }

/* C(n, k) for every k by Pascal's rule: exact in doubles up to n = 56 or so, and
 * well-conditioned (no cancellation) beyond. */
void unr_paths_length_counts(int n, double *counts)
{
    if (n < 0) return;
    counts[0] = 1.0;
    for (int i = 1; i <= n; i++) {
        counts[i] = 1.0;
        for (int k = i - 1; k > 0; k--) counts[k] += counts[k - 1];
    }
}

void unr_paths_remaining(int n, int d, double *fraction)
{
    if (n < 0) return;
    if (d < 0) d = 0;
    if (d > n) d = n;
    /* C(n-d,x)/C(n,x) = prod_{i=0}^{d-1} (n-x-i)/(n-i): a product of ratios avoids huge numbers. */
    for (int x = 0; x <= n; x++) {
        double f = 1.0;
        for (int i = 0; i < d; i++) f *= (double)(n - x - i) / (double)(n - i);
        fraction[x] = x > n - d ? 0.0 : f;
    }
}
