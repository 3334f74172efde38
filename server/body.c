/* body.c: request bodies, read with every limit checked before the work it bounds:
 * declared length against the cap before reading, bytes counted as they arrive (chunked
 * bodies too), a deadline for the whole body. Forms, url-encoded and multipart, are
 * parsed here from the bounded body, never by civetweb (its parser spins forever on a
 * NUL byte, has no size limit, and loses multipart bodies that arrive in pieces). */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"

const char *srv_content_type(const srv_req *r, char *buf, size_t size)
{
    const char *ct = mg_get_header(r->conn, "Content-Type");
    size_t n = 0;
    if (ct) {
        while (*ct == ' ' || *ct == '\t')
            ct++;
        while (ct[n] && ct[n] != ';' && ct[n] != ' ' && ct[n] != '\t' && n + 1 < size) {
            buf[n] = (char)tolower((unsigned char)ct[n]);
            n++;
        }
    }
    buf[n] = '\0';
    return buf;
}

/* Answers "Expect: 100-continue" once the request passed its header checks, so a
 * client that waits for it sends the body; civetweb 1.15 does not do this for handlers. */
static void send_continue(srv_req *r)
{
    const char *expect = mg_get_header(r->conn, "Expect");
    if (!r->continue_sent && expect && mg_strcasecmp(expect, "100-continue") == 0) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        mg_write(r->conn, cont, sizeof cont - 1);
        r->continue_sent = 1;
    }
}

/* Checks the declared length against limit before anything is read. */
static srv_body_status check_length(const srv_req *r, uint64_t limit)
{
    if (r->chunked)
        return SRV_BODY_OK;
    if (r->ri->content_length < 0)
        return SRV_BODY_NO_LENGTH;
    if ((uint64_t)r->ri->content_length > limit)
        return SRV_BODY_TOO_LARGE;
    return SRV_BODY_OK;
}

srv_body_status srv_body_read(srv_req *r, uint64_t limit, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    srv_body_status st = check_length(r, limit);
    if (st != SRV_BODY_OK)
        return st;
    send_continue(r);

    uint64_t deadline = r->start_ns + (uint64_t)r->st->cfg.request_timeout_ms * 1000000u;
    size_t expected = r->chunked ? 0 : (size_t)r->ri->content_length;
    size_t cap = r->chunked ? (limit < 65536 ? (size_t)limit : 65536) : expected;
    char *buf = malloc(cap + 1);
    if (!buf)
        return SRV_BODY_NOMEM;
    size_t got = 0;
    for (;;) {
        if (!r->chunked && got == expected)
            break;
        if (srv_now_ns() > deadline) {
            st = SRV_BODY_TIMEOUT;
            goto fail;
        }
        if (r->chunked && got == cap) {
            if (got >= limit) {
                /* one byte more than the limit tells "too large" from "exactly full" */
                char probe;
                int m = mg_read(r->conn, &probe, 1);
                if (m > 0) {
                    r->bytes_in += 1;
                    st = SRV_BODY_TOO_LARGE;
                    goto fail;
                }
                if (m < 0) {
                    st = SRV_BODY_INCOMPLETE;
                    goto fail;
                }
                r->body_done = 1;
                break;
            }
            size_t ncap = cap * 2 > limit ? (size_t)limit : cap * 2;
            char *nbuf = realloc(buf, ncap + 1);
            if (!nbuf) {
                st = SRV_BODY_NOMEM;
                goto fail;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t want = cap - got;
        if (want > 65536)
            want = 65536;
        int m = mg_read(r->conn, buf + got, want);
        if (m < 0 || (m == 0 && !r->chunked)) {
            /* civetweb returns 0 early when its own per-read timeout expires */
            st = srv_now_ns() > deadline ? SRV_BODY_TIMEOUT : SRV_BODY_INCOMPLETE;
            goto fail;
        }
        if (m == 0) { /* end of the chunked body */
            r->body_done = 1;
            break;
        }
        got += (size_t)m;
        r->bytes_in += (uint64_t)m;
    }
    if (!r->chunked)
        r->body_done = 1;
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return SRV_BODY_OK;
fail:
    free(buf);
    return st;
}

/* ------------------------------------------------------------------------------------ */
/* Forms                                                                                 */

srv_field *srv_form_add(srv_form *form, const char *name, size_t name_len)
{
    /* A name that would be cut short or hides a NUL could stand for another field. */
    if (name_len == 0 || name_len >= sizeof form->fields[0].name ||
        memchr(name, '\0', name_len))
        return NULL;
    for (size_t i = 0; i < form->n; i++)
        if (strlen(form->fields[i].name) == name_len &&
            memcmp(form->fields[i].name, name, name_len) == 0) {
            form->duplicate = 1;
            return NULL;
        }
    if (form->n >= form->max) {
        form->too_many = 1;
        return NULL;
    }
    if (!form->fields) {
        form->fields = calloc(form->max, sizeof *form->fields);
        if (!form->fields) {
            form->nomem = 1;
            return NULL;
        }
    }
    srv_field *f = &form->fields[form->n++];
    memset(f, 0, sizeof *f);
    size_t n = name_len < sizeof f->name - 1 ? name_len : sizeof f->name - 1;
    memcpy(f->name, name, n);
    f->name[n] = '\0';
    return f;
}

int srv_form_append(srv_form *form, srv_field *f, const char *data, size_t len)
{
    if (len > form->limit - form->total) {
        form->overflow = 1;
        return -1;
    }
    if (f->len + len + 1 > f->cap) {
        size_t ncap = f->cap ? f->cap : 256;
        while (ncap < f->len + len + 1)
            ncap *= 2;
        char *nv = realloc(f->value, ncap);
        if (!nv) {
            form->nomem = 1;
            return -1;
        }
        f->value = nv;
        f->cap = ncap;
    }
    memcpy(f->value + f->len, data, len);
    f->len += len;
    f->value[f->len] = '\0';
    form->total += len;
    return 0;
}

/* Percent-decodes s[0..len) in place ('+' is a space); returns the new length or -1. */
static long url_decode(char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '+') {
            s[o++] = ' ';
        } else if (s[i] == '%') {
            int hi = i + 2 < len ? srv_hex_digit(s[i + 1]) : -1;
            int lo = i + 2 < len ? srv_hex_digit(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return -1;
            s[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            s[o++] = s[i];
        }
    }
    return (long)o;
}

srv_body_status srv_form_parse_urlencoded(const char *text, size_t len, srv_form *form)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f)
            return SRV_BODY_MALFORMED;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return SRV_BODY_NOMEM;
    memcpy(copy, text, len);
    srv_body_status st = SRV_BODY_OK;
    size_t pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && copy[end] != '&')
            end++;
        if (end > pos) {
            size_t eq = pos;
            while (eq < end && copy[eq] != '=')
                eq++;
            long nlen = url_decode(copy + pos, eq - pos);
            long vlen = eq < end ? url_decode(copy + eq + 1, end - eq - 1) : 0;
            if (nlen < 0 || vlen < 0 || nlen == 0) {
                st = SRV_BODY_MALFORMED;
                break;
            }
            srv_field *f = srv_form_add(form, copy + pos, (size_t)nlen);
            if (!f ||
                srv_form_append(form, f, eq < end ? copy + eq + 1 : "", (size_t)vlen) != 0) {
                st = form->nomem ? SRV_BODY_NOMEM
                     : form->overflow ? SRV_BODY_TOO_LARGE
                     : form->too_many ? SRV_BODY_TOO_MANY
                                      : SRV_BODY_MALFORMED;
                break;
            }
        }
        pos = end + 1;
    }
    free(copy);
    return st;
}

/* ------------------------------------------------------------------------------------ */
/* multipart/form-data (RFC 7578), parsed here from the whole body                       */

int srv_multipart_boundary(const char *content_type, char *out, size_t size)
{
    /* the boundary parameter, quoted or not, 1..70 characters (RFC 2046 5.1.1) */
    const char *p = content_type ? strchr(content_type, ';') : NULL;
    while (p) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "boundary=", 9) == 0) {
            p += 9;
            size_t n;
            if (*p == '"') {
                p++;
                n = strcspn(p, "\"");
                if (p[n] != '"')
                    return -1;
            } else {
                n = strcspn(p, "; \t");
            }
            if (n == 0 || n > 70 || n + 1 > size)
                return -1;
            for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)p[i];
                if (c < 0x20 || c >= 0x7f)
                    return -1;
            }
            memcpy(out, p, n);
            out[n] = '\0';
            return 0;
        }
        p = strchr(p, ';');
    }
    return -1;
}

/* The name parameter of a part's Content-Disposition: form-data header, found in the
 * part's header block hdr[0..len). Returns its length (copied to name) or -1. */
static long part_name(const char *hdr, size_t len, char *name, size_t size)
{
    size_t pos = 0;
    while (pos < len) {
        const char *line = hdr + pos;
        const char *eol = memchr(line, '\n', len - pos);
        size_t llen = eol ? (size_t)(eol - line) : len - pos;
        pos += llen + 1;
        if (llen && line[llen - 1] == '\r')
            llen--;
        static const char cd[] = "content-disposition:";
        if (llen < sizeof cd - 1 || strncasecmp(line, cd, sizeof cd - 1) != 0)
            continue;
        size_t i = sizeof cd - 1;
        while (i < llen && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (llen - i < 9 || strncasecmp(line + i, "form-data", 9) != 0)
            return -1;
        i += 9;
        while (i < llen) { /* parameters: ; name="x"; filename="y" */
            while (i < llen && (line[i] == ';' || line[i] == ' ' || line[i] == '\t'))
                i++;
            size_t key = i;
            while (i < llen && line[i] != '=' && line[i] != ';')
                i++;
            size_t key_len = i - key;
            if (i >= llen || line[i] != '=')
                continue;
            i++;
            size_t v = i, vlen;
            if (i < llen && line[i] == '"') {
                v = ++i;
                while (i < llen && line[i] != '"')
                    i++;
                if (i >= llen)
                    return -1; /* unterminated quoted string */
                vlen = i - v;
                i++;
            } else {
                while (i < llen && line[i] != ';' && line[i] != ' ' && line[i] != '\t')
                    i++;
                vlen = i - v;
            }
            if (key_len == 4 && strncasecmp(line + key, "name", 4) == 0) {
                if (vlen == 0 || vlen >= size)
                    return -1;
                memcpy(name, line + v, vlen);
                name[vlen] = '\0';
                return (long)vlen;
            }
        }
        return -1;
    }
    return -1;
}

srv_body_status srv_multipart_parse(const char *body, size_t len, const char *boundary,
                                    srv_form *form)
{
    char delim[80]; /* CRLF "--" boundary */
    size_t blen = strlen(boundary);
    if (blen == 0 || blen > 70)
        return SRV_BODY_MALFORMED;
    int dlen = snprintf(delim, sizeof delim, "\r\n--%s", boundary);
    /* The first delimiter may start the body without its CRLF; a preamble may precede. */
    size_t pos;
    if (len >= blen + 2 && memcmp(body, delim + 2, blen + 2) == 0) {
        pos = blen + 2;
    } else {
        const char *d = memmem(body, len, delim, (size_t)dlen);
        if (!d)
            return SRV_BODY_MALFORMED;
        pos = (size_t)(d - body) + (size_t)dlen;
    }
    for (;;) {
        /* after a delimiter: "--" closes, else transport padding and CRLF open a part */
        if (len - pos >= 2 && body[pos] == '-' && body[pos + 1] == '-')
            return SRV_BODY_OK; /* the epilogue is ignored */
        while (pos < len && (body[pos] == ' ' || body[pos] == '\t'))
            pos++;
        if (len - pos < 2 || body[pos] != '\r' || body[pos + 1] != '\n')
            return SRV_BODY_MALFORMED;
        pos += 2;
        if (len - pos >= 2 && body[pos] == '\r' && body[pos + 1] == '\n')
            return SRV_BODY_MALFORMED; /* no headers at all: not a form field */
        const char *hend = memmem(body + pos, len - pos, "\r\n\r\n", 4);
        size_t hlen = hend ? (size_t)(hend - (body + pos)) : 0;
        if (!hend || hlen > 8192)
            return SRV_BODY_MALFORMED;
        char name[64];
        long nlen = part_name(body + pos, hlen, name, sizeof name);
        if (nlen <= 0)
            return SRV_BODY_MALFORMED;
        pos += hlen + 4;
        const char *next = memmem(body + pos, len - pos, delim, (size_t)dlen);
        if (!next)
            return SRV_BODY_MALFORMED; /* the body ended inside a part */
        size_t vlen = (size_t)(next - (body + pos));
        srv_field *f = srv_form_add(form, name, (size_t)nlen);
        if (!f || srv_form_append(form, f, body + pos, vlen) != 0)
            return form->nomem      ? SRV_BODY_NOMEM
                   : form->overflow ? SRV_BODY_TOO_LARGE
                   : form->too_many ? SRV_BODY_TOO_MANY
                                    : SRV_BODY_MALFORMED;
        pos = (size_t)(next - body) + (size_t)dlen;
    }
}

srv_body_status srv_form_read(srv_req *r, int multipart, uint64_t limit, srv_form *form)
{
    memset(form, 0, sizeof *form);
    form->max = (size_t)r->st->cfg.max_fields;
    form->limit = limit;
    char boundary[80];
    if (multipart &&
        srv_multipart_boundary(mg_get_header(r->conn, "Content-Type"), boundary,
                               sizeof boundary) != 0)
        return SRV_BODY_MALFORMED; /* decided before a byte of the body is read */
    /* Both kinds are read whole, with the limit, the deadline and byte counting of
     * srv_body_read, and parsed here: civetweb's form parser spins on NUL bytes in
     * url-encoded bodies and fails multipart bodies whose part header arrives in more
     * than one read. */
    char *body;
    size_t len;
    srv_body_status st = srv_body_read(r, limit, &body, &len);
    if (st != SRV_BODY_OK)
        return st;
    st = multipart ? srv_multipart_parse(body, len, boundary, form)
                   : srv_form_parse_urlencoded(body, len, form);
    free(body);
    return st;
}

const srv_field *srv_form_get(const srv_form *form, const char *name)
{
    for (size_t i = 0; i < form->n; i++)
        if (strcmp(form->fields[i].name, name) == 0)
            return &form->fields[i];
    return NULL;
}

void srv_form_free(srv_form *form)
{
    for (size_t i = 0; i < form->n; i++)
        free(form->fields[i].value);
    free(form->fields);
    memset(form, 0, sizeof *form);
}

int srv_body_problem(srv_req *r, srv_body_status status, uint64_t limit)
{
    switch (status) {
    case SRV_BODY_TOO_LARGE:
        srv_metrics_reject(r->st, SRV_REJECT_BODY_TOO_LARGE);
        r->must_close = 1;
        return srv_problem(r, 413, "body-too-large", NULL,
                           "the request body is over the limit of %llu bytes",
                           (unsigned long long)limit);
    case SRV_BODY_NO_LENGTH:
        srv_metrics_reject(r->st, SRV_REJECT_LENGTH_REQUIRED);
        r->must_close = 1;
        return srv_problem(r, 411, "length-required", NULL,
                           "send the body with Content-Length%s",
                           r->chunked ? " (chunked multipart bodies are not accepted)" : "");
    case SRV_BODY_TIMEOUT:
        srv_metrics_reject(r->st, SRV_REJECT_TIMEOUT);
        r->must_close = 1;
        return srv_problem(r, 408, "request-timeout", NULL,
                           "the body did not arrive within %d ms",
                           r->st->cfg.request_timeout_ms);
    case SRV_BODY_INCOMPLETE:
        r->must_close = 1;
        return srv_problem(r, 400, "incomplete-body", NULL,
                           "the body ended before its declared length");
    case SRV_BODY_MALFORMED:
        r->must_close = 1;
        return srv_problem(r, 400, "malformed-body", NULL,
                           "the form body is malformed (bad encoding, control bytes, "
                           "empty or repeated field name, or broken multipart framing)");
    case SRV_BODY_TOO_MANY:
        srv_metrics_reject(r->st, SRV_REJECT_FIELDS);
        r->must_close = 1;
        return srv_problem(r, 400, "too-many-fields", NULL, "more than %d form fields",
                           r->st->cfg.max_fields);
    case SRV_BODY_NOMEM:
        srv_metrics_reject(r->st, SRV_REJECT_NO_MEMORY);
        r->must_close = 1;
        return srv_problem(r, 503, "out-of-memory", "Retry-After: 1\r\n",
                           "the server is short of memory; try again");
    case SRV_BODY_OK:
        break;
    }
    return srv_problem(r, 500, "internal-error", NULL, "unexpected body state");
}
