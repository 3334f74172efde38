/* http.c: everything imgcolor-server writes on the wire or the log: complete responses
 * with the security headers every one of them carries, RFC 9457 problem documents, and
 * the access log. Responses are written whole here, never by civetweb's helpers, so no
 * path can miss a header or add a version banner. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "front.h"


/* RFC 9110's reason phrases for the statuses this server sends; civetweb 1.15 has some
 * older names and a misspelt 422 ("Unproccessable entity"). */
static const char *status_text(const struct mg_connection *conn, int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return mg_get_response_code_text(conn, status);
    }
}

uint64_t srv_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The front's header, "SECRET ADDRESS api|metrics": whether the secret matches (compared
 * in constant time), and then the client's address into peer. */
static int front_header(const srv_state *st, const char *h, char *peer, size_t size,
                        int *metrics)
{
    size_t n = strlen(st->front_secret);
    if (!h || !n || strlen(h) <= n || h[n] != ' ' || CRYPTO_memcmp(h, st->front_secret, n))
        return 0;
    const char *a = h + n + 1;
    size_t al = strcspn(a, " ");
    if (al == 0 || al >= size || a[al] != ' ')
        return 0;
    memcpy(peer, a, al);
    peer[al] = '\0';
    *metrics = strcmp(a + al + 1, "metrics") == 0;
    return 1;
}

void srv_req_init(srv_req *r, struct mg_connection *conn, srv_state *st)
{
    memset(r, 0, sizeof *r);
    r->conn = conn;
    r->st = st;
    r->ri = mg_get_request_info(conn);
    r->start_ns = srv_now_ns();
    r->route = SRV_ROUTE_NONE;
    r->path = (r->ri && r->ri->local_uri) ? r->ri->local_uri : "";
    /* Behind the TLS proxy every peer is the proxy: its X-Real-IP names the client,
     * for the rate limit and the log. Anyone else's X-Real-IP is ignored. */
    char front_peer[48];
    r->via_front = front_header(st, mg_get_header(conn, SRV_FRONT_HEADER), front_peer,
                                sizeof front_peer, &r->on_metrics_listener);
    const char *peer = r->via_front ? front_peer : r->ri ? r->ri->remote_addr : "-";
    const char *real = st->cfg.trusted_proxy[0] && strcmp(peer, st->cfg.trusted_proxy) == 0
                           ? mg_get_header(conn, "X-Real-IP")
                           : NULL;
    if (real && (strlen(real) >= sizeof r->client || !real[0] ||
                 real[strspn(real, "0123456789abcdefABCDEF.:")] != '\0'))
        real = NULL;
    snprintf(r->client, sizeof r->client, "%s", real ? real : peer);
    const char *te = mg_get_header(conn, "Transfer-Encoding");
    r->chunked = te && mg_strcasecmp(te, "identity") != 0;
    /* Without Content-Length or chunking a request has no body (RFC 9112 6.3). */
    r->body_done = !r->chunked && r->ri && r->ri->content_length <= 0;
}

/* Whether the connection may serve another request after this response. */
static int keep_alive(const srv_req *r)
{
    if (r->must_close || !r->body_done || atomic_load(&r->st->draining))
        return 0;
    const char *h = mg_get_header(r->conn, "Connection");
    if (h) {
        if (strstr(h, "close") || strstr(h, "Close"))
            return 0;
        if (strstr(h, "keep-alive") || strstr(h, "Keep-Alive"))
            return 1;
    }
    return r->ri && r->ri->http_version && strcmp(r->ri->http_version, "1.1") == 0;
}

/* An answer sent before the request body was read closes the connection, and closing a
 * socket with unread bytes in it makes the kernel reset the connection, which can
 * destroy the answer before the client reads it (RFC 9112 9.6); civetweb only drains
 * on Windows. So the rest of a body of at most DRAIN_MAX bytes is read and dropped
 * first, for at most DRAIN_MS (checked between reads: a client that stops sending is
 * bounded by the request timeout, as any read). Larger bodies are not worth the wait. */
#define DRAIN_MAX (4u << 20)
#define DRAIN_MS 2000u

static void drain_body(srv_req *r)
{
    if (r->body_done || !r->ri || (!r->chunked && r->ri->content_length > (long long)DRAIN_MAX))
        return;
    uint64_t deadline = srv_now_ns() + (uint64_t)DRAIN_MS * 1000000u;
    char buf[16384];
    size_t total = 0;
    while (total < DRAIN_MAX && srv_now_ns() < deadline) {
        int n = mg_read(r->conn, buf, sizeof buf);
        if (n <= 0)
            break;
        total += (size_t)n;
    }
    r->body_done = 1;
}

int srv_send(srv_req *r, int status, const char *content_type, const void *body, size_t len,
             const char *extra)
{
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);

    int keep = keep_alive(r);
    if (!keep)
        mg_disable_connection_keep_alive(r->conn); /* the unread body is drained below */

    /* RFC 9110 8.6: no Content-Length (nor content) in a 204 */
    char framing[192] = "";
    if (status != 204)
        snprintf(framing, sizeof framing, "Content-Type: %s\r\nContent-Length: %zu\r\n",
                 content_type, len);
    char head[1536];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\n"
                     "Date: %s\r\n"
                     "%s" SRV_SECURITY_HEADERS "%s%s"
                     "Connection: %s\r\n\r\n",
                     status, status_text(r->conn, status), date, framing, r->cors,
                     extra ? extra : "", keep ? "keep-alive" : "close");
    if (n < 0 || (size_t)n >= sizeof head)
        n = 0; /* cannot happen: extra headers are short and ours */
    r->status = status;
    int is_head = r->ri && r->ri->request_method && strcmp(r->ri->request_method, "HEAD") == 0;
    if (is_head || status == 204)
        len = 0;
    /* Head and body in one write where it is cheap: two small writes would meet Nagle's
     * algorithm and the client's delayed ACK, costing ~40 ms a response. */
    char *one = len <= 262144 ? malloc((size_t)n + len) : NULL;
    if (one) {
        memcpy(one, head, (size_t)n);
        if (len)
            memcpy(one + n, body, len);
        if (mg_write(r->conn, one, (size_t)n + len) > 0)
            r->bytes_out += (uint64_t)n + len;
        free(one);
    } else {
        if (mg_write(r->conn, head, (size_t)n) > 0)
            r->bytes_out += (uint64_t)n;
        if (len && mg_write(r->conn, body, len) > 0)
            r->bytes_out += len;
    }
    if (!keep)
        drain_body(r);
    return status;
}

int srv_problem(srv_req *r, int status, const char *type, const char *extra, const char *fmt,
                ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    /* A detail may quote the request (a member name, a library message); only printable
     * ASCII goes out, so the document is valid UTF-8 whatever bytes came in. */
    for (char *p = detail; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = '?';

    char type_uri[128];
    snprintf(type_uri, sizeof type_uri, "urn:imgcolor:problem:%s", type);
    char *text = NULL;
    cJSON *doc = cJSON_CreateObject();
    if (doc && cJSON_AddStringToObject(doc, "type", type_uri) &&
        cJSON_AddStringToObject(doc, "title", status_text(r->conn, status)) &&
        cJSON_AddNumberToObject(doc, "status", status) &&
        cJSON_AddStringToObject(doc, "detail", detail))
        text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (!text) {
        static const char fallback[] = "{\"type\":\"urn:imgcolor:problem:out-of-memory\","
                                       "\"title\":\"Service Unavailable\",\"status\":503}";
        return srv_send(r, 503, "application/problem+json", fallback, sizeof fallback - 1,
                        "Retry-After: 1\r\n");
    }
    srv_send(r, status, "application/problem+json", text, strlen(text), extra);
    cJSON_free(text);
    return status;
}

int srv_library_problem(srv_req *r, imgcolor_status status, const imgcolor_error *err)
{
    const char *msg = (err && err->status == status && err->message[0])
                          ? err->message
                          : imgcolor_strerror(status);
    switch (status) {
    case IMGCOLOR_E_PARSE:
    case IMGCOLOR_E_RANGE:
    case IMGCOLOR_E_INVALID:
        return srv_problem(r, 400, "invalid-field", NULL, "%s", msg);
    case IMGCOLOR_E_TOO_LARGE:
        srv_metrics_reject(r->st, SRV_REJECT_PIXELS);
        return srv_problem(r, 422, "image-too-large", NULL, "%s", msg);
    case IMGCOLOR_E_FORMAT:
    case IMGCOLOR_E_DECODE:
        return srv_problem(r, 422, "undecodable-image", NULL, "%s", msg);
    case IMGCOLOR_E_NO_PIXELS:
        return srv_problem(r, 422, "no-opaque-pixels", NULL, "%s", msg);
    case IMGCOLOR_E_NOMEM:
        srv_metrics_reject(r->st, SRV_REJECT_NO_MEMORY);
        return srv_problem(r, 503, "out-of-memory", "Retry-After: 1\r\n",
                           "the server is short of memory; try again");
    default:
        return srv_problem(r, 500, "internal-error", NULL, "%s (%s)", msg,
                           imgcolor_status_name(status));
    }
}

/* Appends s as a JSON string body (without quotes) to out, at most max input bytes;
 * control bytes and non-ASCII are escaped so the log line stays one valid line. */
static size_t json_escape(char *out, size_t size, const char *s, size_t max)
{
    size_t o = 0;
    for (size_t i = 0; s[i] && i < max && o + 7 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            o += (size_t)snprintf(out + o, size - o, "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return o;
}

static void utc_now(char *buf, size_t size)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char base[24];
    if (strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        base[0] = '\0';
    snprintf(buf, size, "%.19s.%03dZ", base, (int)(ts.tv_nsec / 1000000) % 1000);
}

/* Logs method, path (never the query string, which may one day carry credentials),
 * status, sizes, duration, client address and the label of the API key used (never the
 * key). Bodies are never logged. */
void srv_access_log(const srv_req *r)
{
    char when[40], path[600], method[40];
    utc_now(when, sizeof when);
    json_escape(path, sizeof path, r->path, 256);
    json_escape(method, sizeof method,
                (r->ri && r->ri->request_method) ? r->ri->request_method : "-", 16);
    const char *addr = r->client;
    double ms = (double)(srv_now_ns() - r->start_ns) / 1e6;
    char line[1024];
    if (r->st->cfg.log_format == SRV_LOG_TEXT)
        snprintf(line, sizeof line, "%s %s %s %s %s %d %llu %llu %.3fms\n", when, addr,
                 r->key_label[0] ? r->key_label : "-", method, path, r->status,
                 (unsigned long long)r->bytes_in, (unsigned long long)r->bytes_out, ms);
    else
        snprintf(line, sizeof line,
                 "{\"time\":\"%s\",\"method\":\"%s\",\"path\":\"%s\",\"status\":%d,"
                 "\"bytes_in\":%llu,\"bytes\":%llu,\"duration_ms\":%.3f,\"client\":\"%s\","
                 "\"key\":%s%s%s}\n",
                 when, method, path, r->status, (unsigned long long)r->bytes_in,
                 (unsigned long long)r->bytes_out, ms, addr, r->key_label[0] ? "\"" : "",
                 r->key_label[0] ? r->key_label : "null", r->key_label[0] ? "\"" : "");
    fputs(line, stderr); /* one call: stdio's lock keeps concurrent lines whole */
}

void srv_log(const srv_state *st, const char *level, const char *fmt, ...)
{
    char msg[512], esc[1100], when[40], line[1300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    utc_now(when, sizeof when);
    if (st && st->cfg.log_format == SRV_LOG_TEXT) {
        snprintf(line, sizeof line, "%s %s %s\n", when, level, msg);
    } else {
        json_escape(esc, sizeof esc, msg, sizeof msg);
        snprintf(line, sizeof line, "{\"time\":\"%s\",\"level\":\"%s\",\"message\":\"%s\"}\n",
                 when, level, esc);
    }
    fputs(line, stderr);
}

int srv_civetweb_error(struct mg_connection *conn, int status, const char *msg)
{
    srv_state *st = mg_get_user_data(mg_get_context(conn));
    srv_req r;
    srv_req_init(&r, conn, st);
    r.must_close = 1;
    (void)msg; /* civetweb's text may quote the request; the status says enough */
    if (status < 400 || status > 599)
        return 1; /* not an error page: let civetweb handle it */
    /* An unsupported HTTP version is the client's mistake: 400, never a 5xx. */
    if (status == 505)
        status = 400;
    srv_problem(&r, status, status >= 500 ? "server-error" : "bad-request", NULL,
                "the request could not be parsed as HTTP/1.0 or HTTP/1.1");
    srv_metrics_record(st, &r);
    srv_access_log(&r);
    return 0;
}
