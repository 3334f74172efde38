/* httpparse.c: a strict HTTP/1.1 request parser for the front, run on the raw bytes
 * before civetweb sees anything. Where RFC 9112 allows a server to guess (obs-fold, a
 * list of lengths, a bare LF), this one refuses, so that no request means one thing to a
 * proxy in front and another to the server. */
#include <string.h>
#include <strings.h>

#include "front.h"

/* The empty lines (CRLF pairs' bytes) that may precede a request line. */
static size_t leading_crlf(const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
        i++;
    return i;
}

/* RFC 9110 5.6.2 tchar */
static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* RFC 3986 pchar without pct-encoded: unreserved, sub-delims, ':' and '@'. */
static int is_pchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("-._~!$&'()*+,;=:@", c));
}

int srv_http_scan_head(const char *buf, size_t len, size_t *pos, const char **why)
{
    size_t i = *pos;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\n') {
            if (i == 0 || buf[i - 1] != '\r') {
                *why = "a line ends in a bare LF";
                return 400;
            }
            /* blank line: the end, unless it is one of the empty lines RFC 9112 2.2
             * lets a server ignore before the request line */
            if (i >= 3 && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
                size_t lead = leading_crlf(buf, i + 1);
                if (lead < i + 1) {
                    *pos = i + 1;
                    return 1;
                }
            }
        } else if (c == '\r') {
            if (i + 1 < len && buf[i + 1] != '\n') {
                *why = "a CR not followed by LF";
                return 400;
            }
        } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
            *why = "a control byte in the request head";
            return 400;
        }
        if (i + 1 >= SRV_HTTP_HEAD_MAX) {
            *pos = i + 1;
            if (!memchr(buf, '\n', i + 1)) {
                *why = "the request line is over 16 KiB";
                return 414;
            }
            *why = "the request head is over 16 KiB";
            return 431;
        }
    }
    /* a CR last in the buffer is checked again once its successor arrives */
    *pos = (i > 0 && buf[i - 1] == '\r') ? i - 1 : i;
    return 0;
}

int srv_http_field_is(const char *buf, const srv_http_field *f, const char *name)
{
    return strlen(name) == f->name_len && strncasecmp(buf + f->name, name, f->name_len) == 0;
}

const char *srv_http_check_path(const char *p, size_t len)
{
    if (len == 0 || p[0] != '/')
        return "the path must start with /";
    size_t seg = 1;     /* start of the current segment */
    int dots = 0, other = 0; /* decoded content of the segment so far */
    for (size_t i = 1; i <= len; i++) {
        if (i == len || p[i] == '/') {
            if (!other && (dots == 1 || dots == 2) && i > seg)
                return "a dot-segment in the path";
            seg = i + 1;
            dots = other = 0;
            continue;
        }
        unsigned char c = (unsigned char)p[i];
        if (c == '%') {
            int hi = i + 2 < len ? srv_hex_digit(p[i + 1]) : -1;
            int lo = i + 2 < len ? srv_hex_digit(p[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return "bad percent-encoding in the path";
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
            if (c == 0)
                return "%00 in the path";
            if (c < 0x20 || c == 0x7f)
                return "an encoded control byte in the path";
            if (c == '/' || c == '\\')
                return "an encoded slash in the path";
        } else if (!is_pchar(c)) {
            return "a character not allowed in a path";
        }
        if (c == '.')
            dots++;
        else
            other = 1;
    }
    return NULL;
}

/* The request line: method SP target SP version, exactly. */
static int parse_request_line(const char *buf, size_t len, srv_http_head *h, const char **why)
{
    size_t i = 0, m = 0;
    while (i < len && is_tchar((unsigned char)buf[i]))
        i++;
    m = i;
    if (m == 0 || m >= sizeof h->method || i >= len || buf[i] != ' ') {
        *why = "a malformed request line";
        return 400;
    }
    memcpy(h->method, buf, m);
    h->method[m] = '\0';
    size_t t = ++i;
    while (i < len && (unsigned char)buf[i] > 0x20 && (unsigned char)buf[i] < 0x7f)
        i++;
    size_t tlen = i - t;
    if (tlen == 0 || i >= len || buf[i] != ' ') {
        *why = "a malformed request target";
        return 400;
    }
    const char *v = buf + i + 1;
    size_t vlen = len - i - 1;
    if (vlen == 8 && memcmp(v, "HTTP/1.1", 8) == 0)
        h->version = 11;
    else if (vlen == 8 && memcmp(v, "HTTP/1.0", 8) == 0)
        h->version = 10;
    else {
        *why = "only HTTP/1.0 and HTTP/1.1 are served";
        return 400;
    }

    const char *tg = buf + t;
    size_t skip = 0;
    if (tlen == 1 && tg[0] == '*') {
        if (strcmp(h->method, "OPTIONS") != 0) {
            *why = "the asterisk target is for OPTIONS only";
            return 400;
        }
        h->target = SRV_TARGET_ASTERISK;
        h->path = (uint16_t)t;
        h->path_len = 1;
        return 0;
    }
    if (tg[0] == '/') {
        h->target = SRV_TARGET_ORIGIN;
    } else if ((tlen > 7 && strncasecmp(tg, "http://", 7) == 0) ||
               (tlen > 8 && strncasecmp(tg, "https://", 8) == 0)) {
        /* absolute-form (RFC 9112 3.2.2): the authority is skipped, the path served */
        h->target = SRV_TARGET_ABSOLUTE;
        skip = tg[4] == ':' ? 7 : 8;
        size_t a = skip;
        while (a < tlen && tg[a] != '/' && tg[a] != '?')
            if (tg[a++] == '@') {
                *why = "user information in the request target";
                return 400;
            }
        if (a == skip) {
            *why = "an absolute target without a host";
            return 400;
        }
        skip = a;
    } else {
        *why = "the request target must be a path or an absolute URI";
        return 400;
    }
    size_t q = skip;
    while (q < tlen && tg[q] != '?')
        q++;
    h->path = (uint16_t)(t + skip);
    h->path_len = (uint16_t)(q - skip);
    h->query = (uint16_t)(t + q);
    h->query_len = (uint16_t)(tlen - q);
    if (memchr(tg, '#', tlen)) {
        *why = "a fragment in the request target";
        return 400;
    }
    if (h->path_len == 0) /* "http://host" or "http://host?q": the path is "/" */
        return 0;
    const char *bad = srv_http_check_path(buf + h->path, h->path_len);
    if (bad) {
        *why = bad;
        return 400;
    }
    return 0;
}

/* Whether the comma-separated list value[0..len) has the token (case-insensitive). */
static int has_token(const char *value, size_t len, const char *token)
{
    size_t tl = strlen(token), i = 0;
    while (i < len) {
        while (i < len && (value[i] == ',' || value[i] == ' ' || value[i] == '\t'))
            i++;
        size_t s = i;
        while (i < len && value[i] != ',' && value[i] != ' ' && value[i] != '\t')
            i++;
        if (i - s == tl && strncasecmp(value + s, token, tl) == 0)
            return 1;
    }
    return 0;
}

/* The fields that decide framing, authority and connection handling. */
static int semantic_field(const char *buf, const srv_http_field *f, srv_http_head *h,
                          int counts[3], const char **why)
{
    const char *v = buf + f->value;
    size_t vl = f->value_len;
    if (srv_http_field_is(buf, f, "Content-Length")) {
        counts[0]++;
        size_t d = 0;
        while (d < vl && v[d] >= '0' && v[d] <= '9')
            d++;
        if (d == 0 || d != vl || d > 15) {
            *why = "Content-Length must be a decimal number";
            return 400;
        }
        int64_t n = 0;
        for (size_t i = 0; i < d; i++)
            n = n * 10 + (v[i] - '0');
        h->content_length = n;
    } else if (srv_http_field_is(buf, f, "Transfer-Encoding")) {
        counts[1]++;
        if (vl != 7 || strncasecmp(v, "chunked", 7) != 0) {
            *why = "the only transfer coding accepted is \"chunked\"";
            return 400;
        }
        h->chunked = 1;
    } else if (srv_http_field_is(buf, f, "Host")) {
        counts[2]++;
    } else if (srv_http_field_is(buf, f, "Connection")) {
        h->conn_close |= has_token(v, vl, "close");
        h->conn_keep_alive |= has_token(v, vl, "keep-alive");
    } else if (srv_http_field_is(buf, f, "Expect")) {
        if (vl != 12 || strncasecmp(v, "100-continue", 12) != 0) {
            *why = "the only expectation met is 100-continue";
            return 417;
        }
        h->expect_continue = 1;
    }
    return 0;
}

/* One header line buf[s..e) (without its CRLF) into h->fields. */
static int parse_field(const char *buf, size_t s, size_t e, srv_http_head *h, const char **why)
{
    if (buf[s] == ' ' || buf[s] == '\t') {
        *why = "a folded header line (obs-fold)";
        return 400;
    }
    size_t i = s;
    while (i < e && is_tchar((unsigned char)buf[i]))
        i++;
    if (i == s || i >= e || buf[i] != ':') {
        *why = i < e && (buf[i] == ' ' || buf[i] == '\t') ? "whitespace before a header's colon"
                                                           : "a malformed header line";
        return 400;
    }
    size_t v = i + 1, ve = e;
    while (v < ve && (buf[v] == ' ' || buf[v] == '\t'))
        v++;
    while (ve > v && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
        ve--;
    if (h->n_fields >= SRV_HTTP_FIELDS_MAX) {
        *why = "more than 60 header fields";
        return 431;
    }
    srv_http_field *f = &h->fields[h->n_fields++];
    f->name = (uint16_t)s;
    f->name_len = (uint16_t)(i - s);
    f->value = (uint16_t)v;
    f->value_len = (uint16_t)(ve - v);
    return 0;
}

int srv_http_parse_head(const char *buf, size_t len, srv_http_head *h, const char **why)
{
    memset(h, 0, sizeof *h);
    h->content_length = -1;
    h->head_len = len;
    if (len > SRV_HTTP_HEAD_MAX || len < 4) {
        *why = "the request head is over 16 KiB";
        return 431;
    }
    size_t pos = leading_crlf(buf, len); /* empty lines before the request line */
    const char *eol = pos < len ? memchr(buf + pos, '\r', len - pos) : NULL;
    if (!eol) {
        *why = "a malformed request line";
        return 400;
    }
    int rc = parse_request_line(buf + pos, (size_t)(eol - (buf + pos)), h, why);
    if (rc)
        return rc;
    /* the request line's offsets are relative to its start */
    h->path = (uint16_t)(h->path + pos);
    h->query = (uint16_t)(h->query + pos);
    pos = (size_t)(eol - buf) + 2;
    while (pos + 2 <= len && !(buf[pos] == '\r' && buf[pos + 1] == '\n')) {
        const char *e = memchr(buf + pos, '\r', len - pos);
        if (!e || (size_t)(e - buf) + 1 >= len || e[1] != '\n') {
            *why = "a malformed header line";
            return 400;
        }
        if ((rc = parse_field(buf, pos, (size_t)(e - buf), h, why)))
            return rc;
        pos = (size_t)(e - buf) + 2;
    }
    int counts[3] = {0, 0, 0}; /* Content-Length, Transfer-Encoding, Host */
    for (int i = 0; i < h->n_fields; i++)
        if ((rc = semantic_field(buf, &h->fields[i], h, counts, why)))
            return rc;
    *why = counts[0] > 1 ? "Content-Length appears more than once"
           : counts[1] > 1 ? "Transfer-Encoding appears more than once"
           : counts[0] && counts[1] ? "Content-Length and Transfer-Encoding together"
           : counts[1] && h->version == 10 ? "Transfer-Encoding in an HTTP/1.0 request"
           : counts[2] > 1 ? "Host appears more than once"
           : !counts[2] && h->version == 11 ? "an HTTP/1.1 request without Host"
                                            : NULL;
    return *why ? 400 : 0;
}

/* ------------------------------------------------------------------------------------ */
/* Chunked bodies (RFC 9112 7.1)                                                         */

enum { CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_TRAILER,
       CH_TRAILER_LINE, CH_TRAILER_LF, CH_END_LF };

/* One byte of the framing around the data; returns 0 or a status. */
static srv_chunk_status chunk_byte(srv_chunked *c, unsigned char b, const char **why)
{
    switch (c->state) {
    case CH_SIZE: {
        int d = srv_hex_digit((char)b);
        if (d >= 0) {
            if (++c->digits > 15) {
                *why = "a chunk size of more than 15 hex digits";
                return SRV_CHUNK_MALFORMED;
            }
            c->left = c->left * 16 + (uint64_t)d;
            if (c->left > c->limit - c->total) {
                *why = "the chunked body is over the limit";
                return SRV_CHUNK_TOO_LARGE;
            }
        } else if (c->digits && (b == ';' || b == ' ' || b == '\t')) {
            c->state = CH_EXT;
        } else if (c->digits && b == '\r') {
            c->state = CH_SIZE_LF;
        } else {
            *why = "a malformed chunk size";
            return SRV_CHUNK_MALFORMED;
        }
        break;
    }
    case CH_EXT: /* chunk extensions are read and ignored */
        if (b == '\r')
            c->state = CH_SIZE_LF;
        else if (b < 0x20 && b != '\t') {
            *why = "a control byte in a chunk extension";
            return SRV_CHUNK_MALFORMED;
        }
        break;
    case CH_SIZE_LF:
    case CH_DATA_LF:
    case CH_TRAILER_LF:
    case CH_END_LF:
        if (b != '\n') {
            *why = "a CR not followed by LF in chunked framing";
            return SRV_CHUNK_MALFORMED;
        }
        if (c->state == CH_SIZE_LF)
            c->state = c->left ? CH_DATA : CH_TRAILER;
        else if (c->state == CH_DATA_LF)
            c->state = CH_SIZE;
        else if (c->state == CH_TRAILER_LF)
            c->state = CH_TRAILER;
        else
            c->done = 1;
        if (c->state == CH_SIZE || c->state == CH_DATA) {
            c->line = 0;
            c->digits = 0;
        }
        break;
    case CH_DATA_CR:
        if (b != '\r') {
            *why = "chunk data longer than its size";
            return SRV_CHUNK_MALFORMED;
        }
        c->state = CH_DATA_LF;
        break;
    case CH_TRAILER:
        if (b == '\r') {
            c->state = CH_END_LF;
            break;
        }
        if (b == ' ' || b == '\t') {
            *why = "a folded trailer line";
            return SRV_CHUNK_MALFORMED;
        }
        c->state = CH_TRAILER_LINE;
        /* fall through */
    case CH_TRAILER_LINE:
        if (b == '\r')
            c->state = CH_TRAILER_LF;
        else if ((b < 0x20 && b != '\t') || b == 0x7f) {
            *why = "a control byte in a trailer";
            return SRV_CHUNK_MALFORMED;
        }
        break;
    }
    return SRV_CHUNK_OK;
}

srv_chunk_status srv_chunked_decode(srv_chunked *c, const char *in, size_t len, size_t *used,
                                    char *out, size_t *out_len, const char **why)
{
    size_t i = 0;
    srv_chunk_status st = SRV_CHUNK_OK;
    while (i < len && !c->done) {
        if (c->state == CH_DATA) {
            size_t n = len - i < c->left ? len - i : (size_t)c->left;
            memmove(out + *out_len, in + i, n);
            *out_len += n;
            c->total += n;
            c->left -= n;
            i += n;
            if (!c->left)
                c->state = CH_DATA_CR;
            continue;
        }
        /* size lines with extensions, and trailers, are bounded like a head */
        size_t cap = c->state >= CH_TRAILER ? SRV_HTTP_TRAILER_MAX : 1024;
        if (++c->line > cap) {
            *why = "a chunk size line or trailer section over its limit";
            st = SRV_CHUNK_MALFORMED;
            break;
        }
        if ((st = chunk_byte(c, (unsigned char)in[i], why)) != SRV_CHUNK_OK)
            break;
        i++;
    }
    *used = i;
    return st;
}
