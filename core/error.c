/* error.c - status names and message formatting. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

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

unr_status unr_fail(unr_error *err, unr_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->status = status;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
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
