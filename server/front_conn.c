/* front_conn.c: one client connection in the front, as a state machine driven by epoll
 * events and deadlines: read a head, read its body, wait for a civetweb worker, relay
 * the request and the answer, then read the next request or close. Every phase has a
 * deadline the peer cannot move: the head and body together must arrive within
 * --request-timeout-ms of their first byte, an answer must be read within it too. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "front_conn.h"

static uint64_t ms_ns(int ms)
{
    return (uint64_t)ms * 1000000u;
}

static int idx_of(const srv_front *f, const front_conn *c)
{
    return (int)(c - f->conns);
}

static void set_events(srv_front *f, front_conn *c, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.u64 = ((uint64_t)idx_of(f, c) << 2)};
    epoll_ctl(f->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void set_backend_events(srv_front *f, front_conn *c, uint32_t events)
{
    struct epoll_event ev = {.events = events,
                             .data.u64 = ((uint64_t)idx_of(f, c) << 2) | 1u};
    epoll_ctl(f->epfd, EPOLL_CTL_MOD, c->bfd, &ev);
}

/* Grows *buf to at least need bytes (plus a NUL), charging body buffers to the budget
 * when budget is set. Returns 0 or -1. */
static int reserve(srv_front *f, char **buf, size_t *cap, size_t need, size_t max, int budget)
{
    if (need + 1 <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 1024;
    while (ncap < need + 1)
        ncap *= 2;
    if (ncap > max + 1)
        ncap = max + 1;
    if (ncap < need + 1)
        return -1;
    if (budget && f->body_bytes + (ncap - *cap) > f->body_budget)
        return -1;
    char *nb = realloc(*buf, ncap);
    if (!nb)
        return -1;
    if (budget)
        f->body_bytes += ncap - *cap;
    *buf = nb;
    *cap = ncap;
    return 0;
}

static void drop_request(srv_front *f, front_conn *c)
{
    f->body_bytes -= c->body_cap;
    free(c->body);
    free(c->head);
    free(c->fwd);
    c->body = c->fwd = NULL;
    c->head = NULL;
    c->body_len = c->body_cap = c->fwd_len = c->sent = 0;
    memset(&c->chunk, 0, sizeof c->chunk);
}

static void queue_push(srv_front *f, front_queue *q, front_conn *c)
{
    int idx = idx_of(f, c);
    c->next_wait = -1;
    if (q->tail >= 0)
        f->conns[q->tail].next_wait = idx;
    else
        q->head = idx;
    q->tail = idx;
}

static front_conn *queue_pop(srv_front *f, front_queue *q)
{
    if (q->head < 0)
        return NULL;
    front_conn *c = &f->conns[q->head];
    q->head = c->next_wait;
    if (q->head < 0)
        q->tail = -1;
    c->next_wait = -1;
    return c;
}

static void wait_remove(srv_front *f, front_conn *c)
{
    front_queue *q = &f->waiting[c->heavy];
    int idx = idx_of(f, c), prev = -1;
    for (int i = q->head; i >= 0; prev = i, i = f->conns[i].next_wait) {
        if (i != idx)
            continue;
        if (prev < 0)
            q->head = c->next_wait;
        else
            f->conns[prev].next_wait = c->next_wait;
        if (q->tail == idx)
            q->tail = prev;
        break;
    }
    c->next_wait = -1;
}

static int relay_free(const srv_front *f, int heavy)
{
    return f->backend_n < f->backend_max && (!heavy || f->heavy_n < f->heavy_max);
}

static void connect_backend(srv_front *f, front_conn *c);

/* The relay to civetweb is over: its worker is free for the next request waiting,
 * light ones first. */
static void backend_close(srv_front *f, front_conn *c)
{
    if (c->bfd < 0)
        return;
    epoll_ctl(f->epfd, EPOLL_CTL_DEL, c->bfd, NULL);
    close(c->bfd);
    c->bfd = -1;
    f->backend_n--;
    f->heavy_n -= c->heavy;
    for (int heavy = 0; heavy < 2; heavy++) {
        front_conn *w;
        while (relay_free(f, heavy) && (w = queue_pop(f, &f->waiting[heavy])))
            connect_backend(f, w);
    }
}

static void conn_close(srv_front *f, front_conn *c)
{
    if (c->state == FC_WAIT)
        wait_remove(f, c);
    backend_close(f, c);
    if (c->counted)
        atomic_fetch_sub(&f->busy, 1);
    drop_request(f, c);
    free(c->in);
    free(c->out);
    c->in = c->out = NULL;
    epoll_ctl(f->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    srv_front_addr_give(f, c->addr_key);
    srv_front_conn_release(f, c);
}

/* ------------------------------------------------------------------------------------ */
/* Answers of the front's own                                                            */

static const char *reason(int status)
{
    switch (status) {
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    default: return "Service Unavailable";
    }
}

static const char *problem_type(int status)
{
    switch (status) {
    case 408: return "request-timeout";
    case 413: return "body-too-large";
    case 414: return "target-too-long";
    case 417: return "expectation-failed";
    case 431: return "headers-too-large";
    case 503: return "server-busy";
    default: return "bad-request";
    }
}

/* Logs and counts an answer of the front's own, as the dispatcher does its answers. */
static void log_answer(srv_front *f, const front_conn *c, int status, size_t bytes)
{
    srv_req r;
    struct mg_request_info ri;
    memset(&r, 0, sizeof r);
    memset(&ri, 0, sizeof ri);
    ri.request_method = c->head ? c->head->method : "-";
    r.st = f->st;
    r.ri = &ri;
    r.path = c->path[0] ? c->path : "-";
    r.route = SRV_ROUTE_NONE;
    r.start_ns = c->start_ns ? c->start_ns : srv_now_ns();
    r.status = status;
    r.bytes_in = c->body_len;
    r.bytes_out = bytes;
    snprintf(r.client, sizeof r.client, "%s", c->peer);
    if (status == 408)
        srv_metrics_reject(f->st, SRV_REJECT_TIMEOUT);
    else if (status == 413)
        srv_metrics_reject(f->st, SRV_REJECT_BODY_TOO_LARGE);
    srv_metrics_record(f->st, &r);
    srv_access_log(&r);
}

static int flush_out(srv_front *f, front_conn *c);

/* Formats a complete answer of the front's own into text (a problem document unless
 * status is 204). Returns its length. */
static size_t format_answer(char *text, size_t size, int status, const char *detail,
                            const char *extra, int keep)
{
    char date[64], body[700] = "", esc[300];
    size_t e = 0;
    for (const char *p = detail; *p && e + 2 < sizeof esc; p++) {
        if (*p == '"' || *p == '\\')
            esc[e++] = '\\';
        esc[e++] = *p;
    }
    esc[e] = '\0';
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (status != 204)
        snprintf(body, sizeof body,
                 "{\"type\":\"urn:imgcolor:problem:%s\",\"title\":\"%s\",\"status\":%d,"
                 "\"detail\":\"%s\"}",
                 problem_type(status), reason(status), status, esc);
    char framing[96] = "";
    if (status != 204)
        snprintf(framing, sizeof framing,
                 "Content-Type: application/problem+json\r\nContent-Length: %zu\r\n",
                 strlen(body));
    int n = snprintf(text, size,
                     "HTTP/1.1 %d %s\r\nDate: %s\r\n%s" SRV_SECURITY_HEADERS
                     "%sConnection: %s\r\n\r\n%s",
                     status, reason(status), date, framing, extra ? extra : "",
                     keep ? "keep-alive" : "close", body);
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* Answers the request itself. detail is fixed text (never the request's bytes). The
 * connection closes afterwards unless keep is set. */
static void answer(srv_front *f, front_conn *c, int status, const char *detail,
                   const char *extra, int keep)
{
    char text[1600];
    keep = keep && c->keep && !atomic_load(&f->st->draining);
    size_t n = format_answer(text, sizeof text, status, detail, extra, keep);
    backend_close(f, c);
    if (c->state == FC_WAIT)
        wait_remove(f, c);
    if (reserve(f, &c->out, &c->out_cap, c->out_len + n, c->out_len + n, 0) != 0) {
        conn_close(f, c);
        return;
    }
    memcpy(c->out + c->out_len, text, n);
    c->out_len += n;
    log_answer(f, c, status, n);
    c->state = FC_RELAY;
    c->resp_head = c->backend_eof = c->answered = 1;
    c->close_after = !keep;
    c->deadline = srv_now_ns() + ms_ns(f->st->cfg.request_timeout_ms);
    set_events(f, c, 0);
    c->writing = 0; /* so that flush_out asks for EPOLLOUT again if it must wait */
    flush_out(f, c);
}

/* ------------------------------------------------------------------------------------ */
/* Requests                                                                              */

static void process(srv_front *f, front_conn *c);

/* After an answer: the next request on the connection, or a bounded drain and close. */
static void answer_done(srv_front *f, front_conn *c)
{
    if (c->counted) {
        atomic_fetch_sub(&f->busy, 1);
        c->counted = 0;
    }
    drop_request(f, c);
    free(c->out); /* an idle connection keeps no buffers */
    c->out = NULL;
    c->out_len = c->out_sent = c->out_cap = 0;
    if (!c->in_len) {
        free(c->in);
        c->in = NULL;
        c->in_cap = 0;
    }
    c->resp_head = c->backend_eof = c->answered = c->paused = c->writing = 0;
    if (c->close_after) {
        /* Closing with unread bytes would reset the connection and could destroy the
         * answer before the client reads it; so shut down writing and read what comes,
         * for a bounded time and number of bytes. */
        shutdown(c->fd, SHUT_WR);
        c->state = FC_DRAIN;
        c->drained = 0;
        c->in_len = 0;
        c->deadline = srv_now_ns() + ms_ns(FRONT_DRAIN_MS);
        set_events(f, c, EPOLLIN | EPOLLRDHUP);
        return;
    }
    c->state = FC_HEAD;
    c->scan = 0;
    c->start_ns = 0;
    c->idle = 1;
    c->deadline = srv_now_ns() + ms_ns(f->st->cfg.keep_alive_timeout_ms);
    set_events(f, c, EPOLLIN | EPOLLRDHUP);
    if (c->in_len) /* a pipelined request is already here */
        process(f, c);
}

/* Whether a client header is the front's to set, not to pass on. */
static int hop_header(const char *buf, const srv_http_field *fl)
{
    static const char *const names[] = {"Connection", "Keep-Alive", "Transfer-Encoding",
                                        "Content-Length", "Expect", "Upgrade", "TE",
                                        "Proxy-Connection", "Trailer"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (srv_http_field_is(buf, fl, names[i]))
            return 1;
    return fl->name_len >= 11 && strncasecmp(buf + fl->name, "X-Imgcolor-", 11) == 0;
}

/* The head civetweb gets: the request line in origin form, the client's end-to-end
 * headers, the front's secret with the client's address and port kind, and
 * Connection: close (one request per relay); Content-Length is added once known. */
static int build_forward(srv_front *f, front_conn *c)
{
    const srv_http_head *h = c->head;
    size_t cap = h->head_len + 512;
    c->fwd = malloc(cap);
    if (!c->fwd)
        return -1;
    const char *in = c->in;
    int n = snprintf(c->fwd, cap, "%s %.*s%.*s HTTP/1.%d\r\n", h->method,
                     h->path_len ? (int)h->path_len : 1, h->path_len ? in + h->path : "/",
                     (int)h->query_len, in + h->query, h->version == 11 ? 1 : 0);
    size_t len = (size_t)n;
    for (int i = 0; i < h->n_fields; i++) {
        const srv_http_field *fl = &h->fields[i];
        if (hop_header(in, fl))
            continue;
        memcpy(c->fwd + len, in + fl->name, fl->name_len);
        len += fl->name_len;
        memcpy(c->fwd + len, ": ", 2);
        len += 2;
        memcpy(c->fwd + len, in + fl->value, fl->value_len);
        len += fl->value_len;
        memcpy(c->fwd + len, "\r\n", 2);
        len += 2;
    }
    n = snprintf(c->fwd + len, cap - len,
                 SRV_FRONT_HEADER ": %s %s %s\r\nConnection: close\r\n", f->st->front_secret,
                 c->peer, c->metrics ? "metrics" : "api");
    c->fwd_len = len + (size_t)n;
    return 0;
}

static void request_complete(srv_front *f, front_conn *c)
{
    const srv_http_head *h = c->head;
    char tail[48] = "\r\n";
    if (h->content_length >= 0 || h->chunked)
        snprintf(tail, sizeof tail, "Content-Length: %zu\r\n\r\n", c->body_len);
    size_t tl = strlen(tail);
    char *nf = realloc(c->fwd, c->fwd_len + tl);
    if (!nf) {
        answer(f, c, 503, "the server is short of memory; try again", "Retry-After: 1\r\n", 0);
        return;
    }
    c->fwd = nf;
    memcpy(c->fwd + c->fwd_len, tail, tl);
    c->fwd_len += tl;
    set_events(f, c, 0); /* nothing more is read until the answer is out */
    c->state = FC_WAIT;
    /* the client's part is done: from now on the wait for a worker and the handling */
    c->deadline =
        srv_now_ns() + ms_ns(f->st->cfg.queue_timeout_ms) + ms_ns(FRONT_BACKEND_MS);
    if (relay_free(f, c->heavy))
        connect_backend(f, c);
    else
        queue_push(f, &f->waiting[c->heavy], c);
}

/* A complete head in c->in[0..c->scan): checked, then the body is read. */
static void head_complete(srv_front *f, front_conn *c)
{
    const char *why = "";
    c->head = malloc(sizeof *c->head);
    if (!c->head) {
        answer(f, c, 503, "the server is short of memory; try again", "Retry-After: 1\r\n", 0);
        return;
    }
    int rc = srv_http_parse_head(c->in, c->scan, c->head, &why);
    if (rc) {
        answer(f, c, rc, why, NULL, 0);
        return;
    }
    const srv_http_head *h = c->head;
    snprintf(c->path, sizeof c->path, "%.*s", (int)h->path_len, c->in + h->path);
    c->heavy = (uint8_t)srv_route_heavy_path(c->in + h->path, h->path_len);
    c->keep = h->version == 11 ? !h->conn_close : (h->conn_keep_alive && !h->conn_close);
    c->is_head = strcmp(h->method, "HEAD") == 0;
    if (h->target == SRV_TARGET_ASTERISK) { /* OPTIONS *: what the server takes */
        int body = h->content_length > 0 || h->chunked;
        answer(f, c, 204, "", "Allow: GET, HEAD, POST, OPTIONS\r\n", !body);
        return;
    }
    if (h->content_length > 0 && (uint64_t)h->content_length > f->st->cfg.max_body_bytes) {
        char detail[96];
        snprintf(detail, sizeof detail, "the request body is over the limit of %llu bytes",
                 (unsigned long long)f->st->cfg.max_body_bytes);
        answer(f, c, 413, detail, NULL, 0);
        return;
    }
    if (build_forward(f, c) != 0) {
        answer(f, c, 503, "the server is short of memory; try again", "Retry-After: 1\r\n", 0);
        return;
    }
    c->chunk.limit = f->st->cfg.max_body_bytes;
    /* the head's bytes are kept for the log's path until the body is read */
    c->state = FC_BODY;
    if (h->expect_continue && (h->content_length > 0 || h->chunked)) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (reserve(f, &c->out, &c->out_cap, sizeof cont, sizeof cont, 0) == 0) {
            memcpy(c->out, cont, sizeof cont - 1);
            c->out_len = sizeof cont - 1;
            flush_out(f, c);
        }
    }
}

/* Body bytes from c->in past the head into c->body. Returns 1 when the body is
 * complete, 0 for more, -1 when the connection was answered. */
static int take_body(srv_front *f, front_conn *c)
{
    const srv_http_head *h = c->head;
    size_t from = c->scan, avail = c->in_len - from, used = 0;
    if (h->chunked) {
        const char *why = "";
        uint64_t left = c->chunk.limit - c->chunk.total;
        size_t room = avail < left ? avail : (size_t)left;
        if (reserve(f, &c->body, &c->body_cap, c->body_len + room, (size_t)c->chunk.limit, 1)) {
            answer(f, c, 503, "the server is short of memory; try again",
                   "Retry-After: 1\r\n", 0);
            return -1;
        }
        srv_chunk_status cs = srv_chunked_decode(&c->chunk, c->in + from, avail, &used,
                                                 c->body, &c->body_len, &why);
        if (cs != SRV_CHUNK_OK) {
            answer(f, c, cs == SRV_CHUNK_TOO_LARGE ? 413 : 400, why, NULL, 0);
            return -1;
        }
    } else {
        size_t want = h->content_length > 0 ? (size_t)h->content_length : 0;
        used = want - c->body_len < avail ? want - c->body_len : avail;
        if (used && reserve(f, &c->body, &c->body_cap, c->body_len + used, want, 1)) {
            answer(f, c, 503, "the server is short of memory; try again",
                   "Retry-After: 1\r\n", 0);
            return -1;
        }
        if (used) /* a body-less request has no buffer to copy into */
            memcpy(c->body + c->body_len, c->in + from, used);
        c->body_len += used;
    }
    memmove(c->in + from, c->in + from + used, avail - used);
    c->in_len -= used;
    size_t declared = h->content_length > 0 ? (size_t)h->content_length : 0;
    int done = h->chunked ? c->chunk.done : c->body_len == declared;
    if (!done)
        return 0;
    /* the head is no longer needed: what follows is the next request */
    memmove(c->in, c->in + c->scan, c->in_len - c->scan);
    c->in_len -= c->scan;
    c->scan = 0;
    return 1;
}

static void process(srv_front *f, front_conn *c)
{
    if (c->state == FC_HEAD) {
        if (!c->in_len)
            return;
        if (!c->counted) { /* a request's first byte */
            c->counted = 1;
            atomic_fetch_add(&f->busy, 1);
            c->start_ns = srv_now_ns();
            c->path[0] = '\0';
            /* after an idle keep-alive wait the request's deadline starts now; on a new
             * connection it runs from the accept */
            if (c->idle)
                c->deadline = c->start_ns + ms_ns(f->st->cfg.request_timeout_ms);
            c->idle = 0;
        }
        const char *why = "";
        int rc = srv_http_scan_head(c->in, c->in_len, &c->scan, &why);
        if (rc == 0)
            return;
        if (rc != 1) {
            answer(f, c, rc, why, NULL, 0);
            return;
        }
        head_complete(f, c);
        if (c->state != FC_BODY)
            return;
    }
    if (c->state == FC_BODY && take_body(f, c) == 1)
        request_complete(f, c);
}

/* ------------------------------------------------------------------------------------ */
/* Relaying                                                                              */

static void connect_backend(srv_front *f, front_conn *c)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)f->backend_port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fd < 0 ||
        (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS)) {
        if (fd >= 0)
            close(fd);
        answer(f, c, 503, "the server cannot take the request now; try again",
               "Retry-After: 1\r\n", 0);
        return;
    }
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN,
                             .data.u64 = ((uint64_t)idx_of(f, c) << 2) | 1u};
    if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        close(fd);
        answer(f, c, 503, "the server cannot take the request now; try again",
               "Retry-After: 1\r\n", 0);
        return;
    }
    c->bfd = fd;
    f->backend_n++;
    f->heavy_n += c->heavy;
    c->state = FC_RELAY;
    c->sent = 0;
    c->deadline = srv_now_ns() + ms_ns(f->st->cfg.queue_timeout_ms) + ms_ns(FRONT_BACKEND_MS);
}

/* The answer's head, once whole in c->out: its Connection header is the front's. */
static int rewrite_head(srv_front *f, front_conn *c)
{
    char *start = c->out + c->out_sent;
    size_t avail = c->out_len - c->out_sent;
    char *end = memmem(start, avail, "\r\n\r\n", 4);
    if (!end)
        return avail > SRV_HTTP_HEAD_MAX ? -1 : 0;
    size_t hl = (size_t)(end - start) + 2; /* through the last header's CRLF */
    int status = avail > 12 ? atoi(start + 9) : 0;
    int has_length = 0;
    char *nb = malloc(c->out_len - c->out_sent + 64);
    if (!nb)
        return -1;
    size_t o = 0;
    for (size_t p = 0; p < hl;) {
        char *eol = memmem(start + p, hl - p, "\r\n", 2);
        size_t ll = (size_t)(eol - (start + p)) + 2;
        if (strncasecmp(start + p, "Content-Length:", 15) == 0)
            has_length = 1;
        if (strncasecmp(start + p, "Connection:", 11) != 0) {
            memcpy(nb + o, start + p, ll);
            o += ll;
        }
        p += ll;
    }
    int keep = c->keep && !atomic_load(&f->st->draining) &&
               (has_length || c->is_head || status == 204 || status == 304);
    o += (size_t)sprintf(nb + o, "Connection: %s\r\n\r\n", keep ? "keep-alive" : "close");
    size_t rest = avail - hl - 2;
    memcpy(nb + o, end + 4, rest);
    free(c->out);
    c->out = nb;
    c->out_cap = c->out_len - c->out_sent + 64;
    c->out_len = o + rest;
    c->out_sent = 0;
    c->close_after = !keep;
    c->resp_head = 1;
    return 1;
}

/* Writes what is buffered for the client. Returns -1 if the connection was closed. */
static int flush_out(srv_front *f, front_conn *c)
{
    while (c->out_sent < c->out_len) {
        ssize_t n = write(c->fd, c->out + c->out_sent, c->out_len - c->out_sent);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            if (!c->writing) {
                c->writing = 1;
                set_events(f, c, EPOLLOUT | (c->state == FC_BODY || c->state == FC_HEAD
                                                 ? EPOLLIN : 0));
            }
            return 0;
        }
        if (n <= 0) {
            conn_close(f, c);
            return -1;
        }
        c->out_sent += (size_t)n;
    }
    c->out_len = c->out_sent = 0;
    if (c->writing) {
        c->writing = 0;
        set_events(f, c, c->state == FC_BODY || c->state == FC_HEAD ? EPOLLIN | EPOLLRDHUP : 0);
    }
    if (c->state != FC_RELAY)
        return 0; /* a 100 Continue went out */
    if (c->paused && c->bfd >= 0) {
        c->paused = 0;
        set_backend_events(f, c, EPOLLIN);
    }
    if (c->resp_head && c->backend_eof)
        answer_done(f, c);
    return 0;
}

/* Sends the request to civetweb as far as the socket takes it. */
static void backend_write(srv_front *f, front_conn *c)
{
    size_t total = c->fwd_len + c->body_len, budget = FRONT_RELAY_WRITE;
    while (c->sent < total && budget) {
        struct iovec iov[2];
        int n_iov = 0;
        if (c->sent < c->fwd_len)
            iov[n_iov++] = (struct iovec){c->fwd + c->sent, c->fwd_len - c->sent};
        size_t boff = c->sent > c->fwd_len ? c->sent - c->fwd_len : 0;
        if (c->body_len > boff)
            iov[n_iov++] = (struct iovec){c->body + boff, c->body_len - boff};
        if (iov[n_iov - 1].iov_len > budget) /* the head is always small */
            iov[n_iov - 1].iov_len = budget;
        ssize_t n = writev(c->bfd, iov, n_iov);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            c->sent = total; /* civetweb answered early and closed: read its answer */
            break;
        }
        c->sent += (size_t)n;
        budget -= (size_t)n < budget ? (size_t)n : budget;
    }
    if (c->sent == total)
        set_backend_events(f, c, EPOLLIN);
}

void srv_front_backend_event(srv_front *f, uint32_t idx, uint32_t events)
{
    front_conn *c = &f->conns[idx];
    if (c->state != FC_RELAY || c->bfd < 0)
        return;
    if ((events & EPOLLOUT) && c->sent < c->fwd_len + c->body_len)
        backend_write(f, c);
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        return;
    while (!c->paused) {
        if (c->out_len - c->out_sent >= FRONT_RELAY_WINDOW) {
            c->paused = 1; /* a slow reader: civetweb waits, bounded by the deadline */
            set_backend_events(f, c, 0);
            break;
        }
        if (c->out_sent && c->out_sent >= c->out_len / 2) { /* keep the buffer compact */
            memmove(c->out, c->out + c->out_sent, c->out_len - c->out_sent);
            c->out_len -= c->out_sent;
            c->out_sent = 0;
        }
        if (reserve(f, &c->out, &c->out_cap, c->out_len + FRONT_READ,
                    c->out_len + FRONT_READ, 0) != 0) {
            conn_close(f, c);
            return;
        }
        ssize_t n = read(c->bfd, c->out + c->out_len, FRONT_READ);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) {
            c->backend_eof = 1;
            backend_close(f, c);
            break;
        }
        c->out_len += (size_t)n;
        if (c->out_sent == 0 && c->out_len > FRONT_RELAY_WINDOW / 2 && !c->resp_head)
            break;
    }
    if (!c->resp_head) {
        int rc = rewrite_head(f, c);
        if (rc < 0 || (rc == 0 && c->backend_eof)) {
            c->out_len = c->out_sent = 0;
            answer(f, c, 503, "the server could not answer; try again", "Retry-After: 1\r\n",
                   0);
            return;
        }
        if (rc == 0)
            return;
        c->answered = 1;
        c->deadline = srv_now_ns() + ms_ns(f->st->cfg.request_timeout_ms);
    }
    flush_out(f, c);
}

/* ------------------------------------------------------------------------------------ */
/* Client events                                                                         */

static void drain_read(srv_front *f, front_conn *c)
{
    char buf[16384];
    for (;;) {
        ssize_t n = read(c->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0 || (c->drained += (uint64_t)n) > FRONT_DRAIN_BYTES) {
            conn_close(f, c);
            return;
        }
    }
}

/* A body with a Content-Length, once nothing else is pending, is read straight into its
 * buffer in large pieces: one copy fewer, and fewer reads. Returns 1 if it handled the
 * event, 0 to read as for a head. */
static int read_body_direct(srv_front *f, front_conn *c)
{
    const srv_http_head *h = c->head;
    size_t want = h->content_length > 0 ? (size_t)h->content_length : 0;
    if (h->chunked || c->in_len != c->scan || want - c->body_len < FRONT_READ)
        return 0;
    size_t piece = want - c->body_len < FRONT_BODY_READ ? want - c->body_len : FRONT_BODY_READ;
    if (reserve(f, &c->body, &c->body_cap, c->body_len + piece, want, 1) != 0) {
        answer(f, c, 503, "the server is short of memory; try again", "Retry-After: 1\r\n", 0);
        return 1;
    }
    ssize_t n = read(c->fd, c->body + c->body_len, piece);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 1;
    if (n <= 0) {
        conn_close(f, c);
        return 1;
    }
    c->body_len += (size_t)n;
    process(f, c); /* completes the request when the body is whole */
    return 1;
}

void srv_front_client_event(srv_front *f, uint32_t idx, uint32_t events)
{
    front_conn *c = &f->conns[idx];
    if (c->state == FC_FREE)
        return;
    if (events & EPOLLERR) {
        conn_close(f, c);
        return;
    }
    if ((events & EPOLLOUT) && c->writing && flush_out(f, c) < 0)
        return;
    if (c->state == FC_DRAIN) {
        if (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP))
            drain_read(f, c);
        return;
    }
    if (c->state != FC_HEAD && c->state != FC_BODY) {
        if (events & EPOLLHUP) /* gone altogether: nobody to answer */
            conn_close(f, c);
        return;
    }
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)))
        return;
    if (c->state == FC_BODY && read_body_direct(f, c))
        return;
    /* read into the stack, kept by the connection only as it grows: a client trickling a
     * head costs what it sent, not a whole read buffer */
    char buf[FRONT_READ];
    size_t room = SRV_HTTP_HEAD_MAX + FRONT_READ - c->in_len;
    ssize_t n = read(c->fd, buf, room < sizeof buf ? room : sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0 || reserve(f, &c->in, &c->in_cap, c->in_len + (size_t)n,
                          SRV_HTTP_HEAD_MAX + FRONT_READ, 0) != 0) {
        conn_close(f, c); /* gone before its request was whole, or no memory */
        return;
    }
    memcpy(c->in + c->in_len, buf, (size_t)n);
    c->in_len += (size_t)n;
    process(f, c);
}

void srv_front_conn_accept(srv_front *f, int fd, const struct sockaddr_storage *ss,
                           int metrics)
{
    uint8_t key[17];
    char peer[48];
    srv_front_addr_key(ss, key, peer, sizeof peer);
    if (srv_front_addr_take(f, key) != 0) {
        char text[1200], scratch[4096];
        size_t n = format_answer(text, sizeof text, 503,
                                 "too many connections from this address; try again",
                                 "Retry-After: 1\r\n", 0);
        /* what the client already sent is read first, so closing does not reset */
        if (read(fd, scratch, sizeof scratch) < 0)
            scratch[0] = 0;
        if (write(fd, text, n) < 0)
            text[0] = 0;
        shutdown(fd, SHUT_WR);
        close(fd);
        srv_metrics_reject(f->st, SRV_REJECT_ADDRESS_CONNECTIONS);
        return;
    }
    int idx;
    front_conn *c = srv_front_conn_new(f, &idx);
    if (!c) {
        srv_front_addr_give(f, key);
        close(fd);
        return;
    }
    c->fd = fd;
    c->metrics = (uint8_t)metrics;
    memcpy(c->addr_key, key, sizeof key);
    memcpy(c->peer, peer, sizeof peer);
    c->state = FC_HEAD;
    c->keep = 1;
    /* a new connection must send its first request within the request timeout */
    c->deadline = srv_now_ns() + ms_ns(f->st->cfg.request_timeout_ms);
    /* A fixed send buffer: what the kernel holds for a reader that does not read is
     * bounded too (autotuning would let it grow to tcp_wmem's 4 MiB and more) */
    int one = 1, sndbuf = FRONT_SNDBUF;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = ((uint64_t)idx << 2)};
    if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
        conn_close(f, c);
}

/* ------------------------------------------------------------------------------------ */
/* Deadlines                                                                             */

static void expire(srv_front *f, front_conn *c)
{
    switch (c->state) {
    case FC_HEAD:
        if (!c->in_len) { /* idle or silent: nothing to answer */
            conn_close(f, c);
            return;
        }
        /* fall through */
    case FC_BODY:
        answer(f, c, 408, "the request did not arrive in time", NULL, 0);
        return;
    case FC_WAIT:
    case FC_RELAY:
        if (!c->answered)
            answer(f, c, 503, "the request could not be handled in time; try again",
                   "Retry-After: 1\r\n", 0);
        else /* a client that does not read its answer in time is cut off */
            conn_close(f, c);
        return;
    default:
        conn_close(f, c);
    }
}

void srv_front_sweep(srv_front *f, uint64_t now)
{
    for (int i = 0; i < f->n_conns;) {
        front_conn *c = &f->conns[f->live[i]];
        int before = f->n_conns;
        if (c->deadline <= now)
            expire(f, c);
        if (f->n_conns == before)
            i++; /* else the last live connection moved into slot i */
    }
}
