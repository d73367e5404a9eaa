/* error.h - how core fills an unr_error (internal to core). */
#ifndef UNR_ERROR_H
#define UNR_ERROR_H

#include "unravel.h"

/* Set err (if not NULL) to status and a printf-formatted message; returns status. */
unr_status unr_fail(unr_error *err, unr_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Clear err to UNR_OK with an empty message; returns UNR_OK. */
unr_status unr_ok(unr_error *err);

#endif
