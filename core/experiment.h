/* experiment.h - the prepared experiment, shared by experiment.c and summary.c (internal). */
#ifndef UNR_EXPERIMENT_H
#define UNR_EXPERIMENT_H

#include "strbuf.h"
#include "unravel.h"

struct unr_experiment {
    unr_spec spec;   /* defaults filled */
    int num_blocks;
    int rows;
    int num_plans;
    unr_plan *plans; /* [num_plans] */
    double *tau;     /* Kendall tau of each plan */
};

void unr_spec_write(unr_strbuf *b, const unr_spec *s);
/* Row r's description, an object left open so that the summary can add the tally. */
void unr_experiment_write_row(unr_strbuf *b, const unr_experiment *e, int row);
/* Hand the text to the caller, or fail if an allocation failed on the way. */
unr_status unr_buf_finish(unr_strbuf *b, char **out, unr_error *err);

#endif
