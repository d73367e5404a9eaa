/* forward.h - one image through the network, resuming from cached activations (internal). */
#ifndef UNR_FORWARD_H
#define UNR_FORWARD_H

#include "model.h"

/* Working memory of one thread: every map has a fixed shape for its lifetime, so borders that
 * start zero stay zero. With a cache it also holds the unmodified network's input of every
 * block position, which plans resume from. */
typedef struct unr_workspace unr_workspace;

unr_workspace *unr_workspace_new(const unr_model *m, int with_cache);
void unr_workspace_free(unr_workspace *ws);

/* The normalised-input map of the workspace: fill it with unr_load_record or unr_load_float. */
void unr_load_record(const unr_model *m, unr_workspace *ws, const unsigned char *record);
void unr_load_float(const unr_model *m, unr_workspace *ws, const float *chw);

/* The unmodified network on the loaded input; with a cache, remembers every block's input. */
void unr_forward_base(const unr_model *m, unr_workspace *ws, float *logits);

/* A plan's logits. Resumes from position `start` of the cache (unr_forward_base must have run on
 * this image) or, without a cache, runs from the loaded input (start is then ignored). */
void unr_forward_plan(const unr_model *m, unr_workspace *ws, const unr_plan *plan, int start,
                      float *logits);

/* The cached input of position i (0..num_blocks; num_blocks: the last block's output) after
 * unr_forward_base on a workspace made with a cache. */
const float *unr_workspace_position(const unr_workspace *ws, int i);

/* First position at which a plan differs from the unmodified network (num_blocks if none). */
int unr_plan_first_change(const unr_plan *plan);

int unr_argmax(const float *logits);

/* Count one image of class label, predicted as predicted, in t. */
void unr_tally_add(unr_tally *t, int label, int predicted);

/* The images [*first, *first + *count) that options ask of data (count < 0: to the end), or
 * UNR_ERR_ARGUMENT naming the range when they are not all in it (checked without overflow). */
unr_status unr_image_range(const unr_dataset *data, const unr_run_options *o, int *first,
                           int *count, unr_error *err);

#endif
