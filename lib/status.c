/* status.c: status codes, their descriptions and the error-detail helper, all
 * generated from the one list in IMGCOLOR_STATUS_MAP. */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

const char *imgcolor_version(void)
{
    return IMGCOLOR_VERSION_STRING;
}

const char *imgcolor_strerror(imgcolor_status status)
{
    switch (status) {
#define IMGCOLOR_STATUS_TEXT_(name, value, text) \
    case IMGCOLOR_##name:                        \
        return text;
        IMGCOLOR_STATUS_MAP(IMGCOLOR_STATUS_TEXT_)
#undef IMGCOLOR_STATUS_TEXT_
    }
    return "unknown status";
}

const char *imgcolor_status_name(imgcolor_status status)
{
    switch (status) {
#define IMGCOLOR_STATUS_NAME_(name, value, text) \
    case IMGCOLOR_##name:                        \
        return #name;
        IMGCOLOR_STATUS_MAP(IMGCOLOR_STATUS_NAME_)
#undef IMGCOLOR_STATUS_NAME_
    }
    return "UNKNOWN";
}

imgcolor_status imgcolor__fail(imgcolor_error *err, imgcolor_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->status = status;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}
