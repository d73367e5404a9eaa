/* summary.c - one summary of an experiment's tallies (groups, medians, quartiles, Wilson
 * intervals), written as JSON here so that the CLI and the page print the same numbers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "experiment.h"

void unr_wilson95(int correct, int n, double *lo, double *hi)
{
    if (n <= 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    const double z = 1.959963984540054, z2 = z * z;
    double p = (double)correct / n;
    double denom = 1 + z2 / n;
    double centre = (p + z2 / (2.0 * n)) / denom;
    double half = z * sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denom;
    *lo = centre - half < 0 ? 0 : centre - half;
    *hi = centre + half > 1 ? 1 : centre + half;
}

static void write_tally(unr_strbuf *b, const unr_tally *t)
{
    double lo, hi;
    unr_wilson95(t->correct, t->images, &lo, &hi);
    unr_buf_printf(b, "\"images\":%d,\"correct\":%d,\"accuracy\":", t->images, t->correct);
    if (t->images) unr_buf_number(b, (double)t->correct / t->images);
    else unr_buf_printf(b, "null");
    unr_buf_printf(b, ",\"wilson95\":[");
    unr_buf_number(b, lo);
    unr_buf_printf(b, ",");
    unr_buf_number(b, hi);
    unr_buf_printf(b, "]");
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* Quantile by linear interpolation between sorted values (numpy's default). */
static double quantile(const double *sorted, int n, double q)
{
    double pos = q * (n - 1);
    int i = (int)pos;
    return i + 1 < n ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[n - 1];
}

/* n, mean, sd (n - 1; 0 for one value), median, quartiles, min and max of errors[0..n). */
static void write_stats(unr_strbuf *b, double *errors, int n)
{
    double mean = 0, ss = 0;
    for (int i = 0; i < n; i++) mean += errors[i];
    mean /= n;
    for (int i = 0; i < n; i++) ss += (errors[i] - mean) * (errors[i] - mean);
    double sd = n > 1 ? sqrt(ss / (n - 1)) : 0;
    qsort(errors, (size_t)n, sizeof *errors, cmp_double);
    const char *names[] = {"mean", "sd", "median", "q1", "q3", "min", "max"};
    double values[] = {mean, sd, quantile(errors, n, 0.5), quantile(errors, n, 0.25),
                       quantile(errors, n, 0.75), errors[0], errors[n - 1]};
    unr_buf_printf(b, "{");
    for (int i = 0; i < 7; i++) {
        unr_buf_printf(b, "%s\"%s\":", i ? "," : "", names[i]);
        unr_buf_number(b, values[i]);
    }
    unr_buf_printf(b, "}");
}

unr_status unr_experiment_summary_json(const unr_experiment *e, const unr_tally *tallies,
                                       char **json, unr_error *err)
{
    if (!e || !tallies || !json)
        return unr_fail(err, UNR_ERR_ARGUMENT, "unr_experiment_summary_json: missing experiment, tallies or output");
    const unr_spec *s = &e->spec;
    unr_strbuf b = {0};
    unr_buf_printf(&b, "{\"spec\":");
    unr_spec_write(&b, s);
    unr_buf_printf(&b, ",\"baseline\":{");
    write_tally(&b, &tallies[0]);
    unr_buf_printf(&b, "},\"rows\":[");
    for (int r = 0; r < e->rows; r++) {
        if (r) unr_buf_printf(&b, ",");
        unr_experiment_write_row(&b, e, r);
        unr_buf_printf(&b, ",");
        write_tally(&b, &tallies[1 + r]);
        unr_buf_printf(&b, "}");
    }
    unr_buf_printf(&b, "],\"groups\":[");
    if (s->kind >= UNR_DELETE_K) {
        int T = s->trials, groups = e->rows / T;
        double *errors = malloc((size_t)T * sizeof *errors);
        if (!errors) b.failed = 1;
        for (int g = 0; errors && g < groups; g++) {
            if (g) unr_buf_printf(&b, ",");
            switch (s->kind) {
            case UNR_DELETE_K: unr_buf_printf(&b, "{\"k\":%d", s->k_min + g); break;
            case UNR_REORDER: unr_buf_printf(&b, "{\"swaps\":%d", s->swaps_min + g); break;
            case UNR_DROP:
                unr_buf_printf(&b, "{\"prob\":");
                unr_buf_number(&b, s->probs[g]);
                break;
            default: unr_buf_printf(&b, "{\"size\":%d", s->sizes[g]); break;
            }
            int measured = 1;
            for (int t = 0; t < T; t++) {
                const unr_tally *x = &tallies[1 + g * T + t];
                measured &= x->images > 0;
                errors[t] = x->images ? 1.0 - (double)x->correct / x->images : 0;
            }
            unr_buf_printf(&b, ",\"n\":%d,\"error\":", T);
            if (measured) write_stats(&b, errors, T);
            else unr_buf_printf(&b, "null");
            if (s->kind == UNR_REORDER) {
                double tau = 0;
                for (int t = 0; t < T; t++) tau += e->tau[g * T + t];
                unr_buf_printf(&b, ",\"tau_mean\":");
                unr_buf_number(&b, tau / T);
            }
            unr_buf_printf(&b, "}");
        }
        free(errors);
    }
    unr_buf_printf(&b, "]}");
    return unr_buf_finish(&b, json, err);
}
