/* body.c: request bodies, read with every limit checked before the work it bounds:
 * declared length against the cap before reading, bytes counted as they arrive (chunked
 * bodies too), a deadline for the whole body. url-encoded forms are parsed here, never by
 * civetweb (its parser spins forever on a NUL byte and has no size limit); multipart
 * goes through mg_handle_form_request only once Content-Length is known to be in bounds. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

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

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..len) in place ('+' is a space); returns the new length or -1. */
static long url_decode(char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '+') {
            s[o++] = ' ';
        } else if (s[i] == '%') {
            int hi = i + 2 < len ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < len ? hexval(s[i + 2]) : -1;
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

/* Multipart through civetweb's form API. Every field is taken (never skipped, since
 * skipped bytes would pass uncounted), and the callbacks stop the parse as soon as a
 * limit is crossed. Values arrive in chunks of ~8 KiB; only the first carries the name. */
typedef struct form_ctx {
    srv_req *r;
    srv_form *form;
    srv_field *current;
    int aborted;
    uint64_t deadline;
    int timed_out;
} form_ctx;

static int on_field_found(const char *key, const char *filename, char *path, size_t pathlen,
                          void *user)
{
    (void)filename;
    (void)path;
    (void)pathlen;
    form_ctx *c = user;
    if (c->aborted)
        return MG_FORM_FIELD_STORAGE_GET; /* field_get will abort at once */
    c->current = srv_form_add(c->form, key, strlen(key));
    if (!c->current || strlen(key) == 0)
        c->aborted = 1;
    return MG_FORM_FIELD_STORAGE_GET;
}

static int on_field_get(const char *key, const char *value, size_t len, void *user)
{
    (void)key;
    form_ctx *c = user;
    if (!c->aborted && srv_now_ns() > c->deadline) {
        c->timed_out = 1;
        c->aborted = 1;
    }
    if (c->aborted || !c->current)
        return MG_FORM_FIELD_HANDLE_ABORT;
    if (srv_form_append(c->form, c->current, value, len) != 0) {
        c->aborted = 1;
        return MG_FORM_FIELD_HANDLE_ABORT;
    }
    return MG_FORM_FIELD_HANDLE_GET;
}

static int on_field_store(const char *path, long long size, void *user)
{
    (void)path;
    (void)size;
    (void)user;
    return MG_FORM_FIELD_HANDLE_ABORT; /* never asked to store files */
}

srv_body_status srv_form_read(srv_req *r, int multipart, uint64_t limit, srv_form *form)
{
    memset(form, 0, sizeof *form);
    form->max = (size_t)r->st->cfg.max_fields;
    form->limit = limit;
    if (!multipart) {
        char *body;
        size_t len;
        srv_body_status st = srv_body_read(r, limit, &body, &len);
        if (st != SRV_BODY_OK)
            return st;
        st = srv_form_parse_urlencoded(body, len, form);
        free(body);
        return st;
    }

    /* The form parser reads through mg_read, which stops at Content-Length; a chunked
     * multipart body would be unbounded where it skips, so a length is required. */
    if (r->chunked || r->ri->content_length < 0)
        return SRV_BODY_NO_LENGTH;
    srv_body_status st = check_length(r, limit);
    if (st != SRV_BODY_OK)
        return st;
    send_continue(r);
    form_ctx c = {.r = r,
                  .form = form,
                  .deadline = r->start_ns + (uint64_t)r->st->cfg.request_timeout_ms * 1000000u};
    struct mg_form_data_handler fdh = {on_field_found, on_field_get, on_field_store, &c};
    int n = mg_handle_form_request(r->conn, &fdh);
    /* Bytes as framed on the wire: mg_read never passes Content-Length. */
    r->bytes_in = (uint64_t)r->ri->content_length;
    if (form->nomem)
        return SRV_BODY_NOMEM;
    if (form->overflow)
        return SRV_BODY_TOO_LARGE;
    if (form->too_many)
        return SRV_BODY_TOO_MANY;
    if (c.timed_out)
        return SRV_BODY_TIMEOUT;
    if (n < 0 || c.aborted)
        return SRV_BODY_MALFORMED;
    /* The parser stops at the closing boundary; an epilogue may follow. Reading it is
     * bounded by Content-Length, already checked, and lets the connection be reused. */
    char rest[4096];
    int m;
    while ((m = mg_read(r->conn, rest, sizeof rest)) > 0)
        ;
    r->body_done = m == 0;
    return SRV_BODY_OK;
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
