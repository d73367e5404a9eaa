/* error.c - the version, status names and message formatting. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *unr_version(void) { return UNRAVEL_VERSION; }

const char *unr_status_str(unr_status status)
{
    static const char *const names[UNR_STATUS_COUNT] = {
        [UNR_OK] = "ok",
        [UNR_ERR_NOMEM] = "out of memory",
        [UNR_ERR_ARGUMENT] = "invalid argument",
        [UNR_ERR_IO] = "cannot read file",
        [UNR_ERR_HEADER_SIZE] = "bad header size",
        [UNR_ERR_HEADER_JSON] = "bad header JSON",
        [UNR_ERR_OFFSETS] = "tensor data out of bounds",
        [UNR_ERR_OVERLAP] = "tensors overlap",
        [UNR_ERR_DTYPE] = "unsupported dtype",
        [UNR_ERR_SHAPE] = "wrong tensor shape",
        [UNR_ERR_MISSING_TENSOR] = "missing tensor",
        [UNR_ERR_UNEXPECTED_TENSOR] = "unexpected tensor",
        [UNR_ERR_NONFINITE] = "non-finite value",
        [UNR_ERR_METADATA] = "bad metadata",
        [UNR_ERR_PLAN] = "invalid plan",
        [UNR_ERR_DATA] = "malformed dataset",
        [UNR_ERR_CANCELLED] = "cancelled",
    };
    if ((unsigned)status >= UNR_STATUS_COUNT) return "unknown status";
    return names[status];
}

/* Length of the valid UTF-8 sequence at s (first byte >= 0x80) that is not a C1 control
 * (U+0080..U+009F), or 0. */
static size_t printable_utf8(const unsigned char *s)
{
    size_t n = s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
             : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
    for (size_t k = 1; k < n; k++)
        if ((s[k] & 0xC0) != 0x80) return 0;
    if (n == 2 && s[0] == 0xC2 && s[1] < 0xA0) return 0;
    if (n == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0))) return 0;
    if (n == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))) return 0;
    return n;
}

/* Messages quote file contents (metadata, names, tar members) and end up on terminals and
 * pages: control bytes and invalid UTF-8 are written as \xNN, so a file cannot send escape
 * sequences. */
static void copy_printable(char *dst, size_t cap, const char *src)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t at = 0;
    while (*s) {
        size_t n = *s >= 0x20 && *s < 0x7F ? 1 : *s >= 0x80 ? printable_utf8(s) : 0;
        if (n) {
            if (at + n >= cap) break;
            memcpy(dst + at, s, n);
            at += n;
            s += n;
        } else {
            if (at + 4 >= cap) break;
            snprintf(dst + at, cap - at, "\\x%02x", *s);
            at += 4;
            s++;
        }
    }
    dst[at] = '\0';
}

unr_status unr_fail(unr_error *err, unr_status status, const char *fmt, ...)
{
    if (err) {
        /* The raw text may be longer than the message: escapes make it grow. */
        char raw[sizeof err->message];
        va_list ap;
        va_start(ap, fmt);
        err->status = status;
        vsnprintf(raw, sizeof raw, fmt, ap);
        va_end(ap);
        copy_printable(err->message, sizeof err->message, raw);
    }
    return status;
}

unr_status unr_ok(unr_error *err)
{
    if (err) {
        err->status = UNR_OK;
        err->message[0] = '\0';
    }
    return UNR_OK;
}
