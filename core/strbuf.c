/* strbuf.c - a growing text buffer for the JSON core writes. */
#include "strbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void unr_buf_printf(unr_strbuf *b, const char *fmt, ...)
{
    if (b->failed) return;
    for (;;) {
        size_t room = b->cap - b->len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->text ? b->text + b->len : NULL, b->text ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if (b->text && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap - b->len <= (size_t)n) cap *= 2;
        char *bigger = realloc(b->text, cap);
        if (!bigger) {
            b->failed = 1;
            return;
        }
        b->text = bigger;
        b->cap = cap;
    }
}

void unr_buf_string(unr_strbuf *b, const char *s)
{
    unr_buf_printf(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') unr_buf_printf(b, "\\%c", c);
        else if (c < 0x20) unr_buf_printf(b, "\\u%04x", c);
        else unr_buf_printf(b, "%c", c);
    }
    unr_buf_printf(b, "\"");
}

void unr_buf_number(unr_strbuf *b, double v)
{
    if (!isfinite(v)) {
        unr_buf_printf(b, "null");
        return;
    }
    char text[40];
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, v);
        if (strtod(text, NULL) == v) break;
    }
    unr_buf_printf(b, "%s", text);
}

void unr_buf_blocks(unr_strbuf *b, const int *blocks, int n)
{
    unr_buf_printf(b, "[");
    for (int i = 0; i < n; i++) unr_buf_printf(b, i ? ",%d" : "%d", blocks[i] + 1);
    unr_buf_printf(b, "]");
}
