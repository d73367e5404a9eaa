/* paths.c - exact path statistics of the unraveled view (Veit et al., Sec. 3 and Fig. 6a, 7). */
#include "unravel.h"

#include <math.h>
#include <stdlib.h>

#include "error.h"
#include "experiment.h" /* unr_buf_finish */
#include "strbuf.h"

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

unr_status unr_paths_json(int n, int d_lo, int d_hi, char **json, unr_error *err)
{
    if (!json) return unr_fail(err, UNR_ERR_ARGUMENT, "unr_paths_json: no output");
    *json = NULL;
    if (n < 0 || n > UNR_MAX_BLOCKS)
        return unr_fail(err, UNR_ERR_ARGUMENT, "unr_paths_json: %d blocks is not in 0..%d", n, UNR_MAX_BLOCKS);
    if (d_lo < 0 || d_lo > d_hi || d_hi > n)
        return unr_fail(err, UNR_ERR_ARGUMENT, "unr_paths_json: deletions %d..%d are not within 0..%d", d_lo,
                        d_hi, n);
    double *row = malloc(sizeof *row * (size_t)(n + 1));
    if (!row) return unr_fail(err, UNR_ERR_NOMEM, "unr_paths_json: out of memory");
    unr_strbuf b = {0};
    unr_buf_printf(&b, "{\"num_blocks\":%d,\"paths\":", n);
    unr_buf_number(&b, unr_paths_total(n));
    unr_buf_printf(&b, ",\"length_counts\":[");
    unr_paths_length_counts(n, row);
    for (int x = 0; x <= n; x++) {
        if (x) unr_buf_printf(&b, ",");
        unr_buf_number(&b, row[x]);
    }
    unr_buf_printf(&b, "],\"remaining\":[");
    for (int d = d_lo; d <= d_hi; d++) {
        unr_paths_remaining(n, d, row);
        unr_buf_printf(&b, "%s{\"deleted\":%d,\"fraction\":[", d > d_lo ? "," : "", d);
        for (int x = 0; x <= n; x++) {
            if (x) unr_buf_printf(&b, ",");
            unr_buf_number(&b, row[x]);
        }
        unr_buf_printf(&b, "]}");
    }
    unr_buf_printf(&b, "]}");
    free(row);
    return unr_buf_finish(&b, json, err);
}
