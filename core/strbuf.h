/* strbuf.h - a growing text buffer for the JSON core writes (internal to core). */
#ifndef UNR_STRBUF_H
#define UNR_STRBUF_H

#include <stddef.h>

typedef struct unr_strbuf {
    char *text;  /* NUL-terminated while ok */
    size_t len, cap;
    int failed;  /* an allocation failed: the text is incomplete */
} unr_strbuf;

void unr_buf_printf(unr_strbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A JSON string literal with escapes. */
void unr_buf_string(unr_strbuf *b, const char *s);
/* The shortest decimal form that reads back as the same double ("null" if not finite), so
 * that the same numbers print the same text in every build. */
void unr_buf_number(unr_strbuf *b, double v);
/* Blocks as a JSON array, 1-based. */
void unr_buf_blocks(unr_strbuf *b, const int *blocks, int n);

#endif
