/* server.h: the pieces of imgcolor-server shared between its files: configuration,
 * server state (reached through civetweb's cbdata), the per-request context, and the
 * functions each file offers the others. Nothing here is installed or public. */
#ifndef IMGCOLOR_SERVER_H
#define IMGCOLOR_SERVER_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <civetweb.h>
#include <imgcolor.h>

/* ------------------------------------------------------------------------------------ */
/* Configuration                                                                         */

typedef enum srv_log_format { SRV_LOG_JSON, SRV_LOG_TEXT } srv_log_format;

typedef struct srv_config {
    char host[64];               /* listen address */
    int port;                    /* 0: any free port, reported on stderr and in port_file */
    int threads;                 /* civetweb worker threads = concurrent connections */
    uint64_t max_body_bytes;     /* request body, any content type */
    uint64_t max_json_bytes;     /* bodies that are not images (JSON, url-encoded forms) */
    uint64_t max_pixels;         /* decoded image size */
    int max_k;                   /* clusters per request */
    int max_list;                /* items in rgbs / colors / counts */
    int max_fields;              /* form fields per request */
    int request_timeout_ms;      /* whole body must arrive within this; also per network op */
    int keep_alive_timeout_ms;   /* idle keep-alive connections are closed after this */
    int shutdown_timeout_ms;     /* how long SIGTERM waits for in-flight requests */
    int kmeans_threads;          /* imgcolor threads per request (0: automatic) */
    srv_log_format log_format;
    char port_file[512];         /* when set, the bound port is written there */
} srv_config;

/* ------------------------------------------------------------------------------------ */
/* Routes and metrics                                                                    */

/* Every route the server answers; the table in routes.c gives path, methods, handler. */
typedef enum srv_route_id {
    SRV_ROUTE_PROMINENT,
    SRV_ROUTE_RGB2HEX,
    SRV_ROUTE_CENTROIDS,
    SRV_ROUTE_V1_PROMINENT,
    SRV_ROUTE_V1_RGB2HEX,
    SRV_ROUTE_V1_CENTROIDS,
    SRV_ROUTE_HEALTHZ,
    SRV_ROUTE_READYZ,
    SRV_ROUTE_METRICS,
    SRV_ROUTE_OPENAPI,
    SRV_ROUTE_NONE, /* unknown path, or an error civetweb raised before routing */
    SRV_ROUTE_COUNT
} srv_route_id;

/* Why a request was turned away by a limit or by the server's state. */
typedef enum srv_reject {
    SRV_REJECT_BODY_TOO_LARGE,
    SRV_REJECT_LENGTH_REQUIRED,
    SRV_REJECT_MEDIA_TYPE,
    SRV_REJECT_PIXELS,
    SRV_REJECT_K,
    SRV_REJECT_LIST_LENGTH,
    SRV_REJECT_FIELDS,
    SRV_REJECT_TIMEOUT,
    SRV_REJECT_SHUTTING_DOWN,
    SRV_REJECT_NO_MEMORY,
    SRV_REJECT_COUNT
} srv_reject;

#define SRV_HIST_BUCKETS 12 /* finite upper bounds; +Inf is one more */
#define SRV_STATUS_MIN 100
#define SRV_STATUS_SLOTS 500 /* 100..599 */

typedef struct srv_metrics {
    _Atomic uint64_t requests[SRV_ROUTE_COUNT][SRV_STATUS_SLOTS];
    _Atomic uint64_t duration_bucket[SRV_ROUTE_COUNT][SRV_HIST_BUCKETS + 1];
    _Atomic uint64_t duration_us_sum[SRV_ROUTE_COUNT];
    _Atomic uint64_t bytes_in[SRV_ROUTE_COUNT];
    _Atomic uint64_t bytes_out[SRV_ROUTE_COUNT];
    _Atomic uint64_t rejections[SRV_REJECT_COUNT];
    _Atomic int64_t in_flight;
    _Atomic int64_t connections; /* held by a worker, from accept to close */
} srv_metrics;

/* ------------------------------------------------------------------------------------ */
/* Server state: one per process, handed to civetweb as cbdata and user_data.            */

typedef struct srv_state {
    srv_config cfg;
    imgcolor_options *defaults; /* k, n_init, limits as configured; copied per request */
    srv_metrics metrics;
    atomic_int draining;        /* set on SIGTERM: refuse new work, finish what runs */
    uint64_t started_ns;
} srv_state;

/* ------------------------------------------------------------------------------------ */
/* One request                                                                           */

typedef struct srv_req {
    struct mg_connection *conn;
    srv_state *st;
    const struct mg_request_info *ri;
    const char *path;           /* decoded path, without the query string */
    srv_route_id route;
    uint64_t start_ns;
    int status;                 /* of the response sent, 0 until then */
    uint64_t bytes_in;          /* body bytes read */
    uint64_t bytes_out;         /* response bytes written, headers included */
    int chunked;                /* Transfer-Encoding: chunked */
    int body_done;              /* body read to its end (or there was none) */
    int must_close;             /* answer with Connection: close */
    int continue_sent;          /* "100 Continue" already written */
} srv_req;

/* ------------------------------------------------------------------------------------ */
/* http.c: responses, problem documents, access log                                     */

uint64_t srv_now_ns(void);
void srv_req_init(srv_req *r, struct mg_connection *conn, srv_state *st);

/* Writes a complete response: status line, the security headers every response carries,
 * Content-Type and Content-Length, extra (CRLF-terminated header lines, or NULL), body.
 * Returns the status, the value civetweb's handlers return. */
int srv_send(srv_req *r, int status, const char *content_type, const void *body, size_t len,
             const char *extra);

/* An RFC 9457 application/problem+json response. type is a short slug, the problem's
 * identity ("body-too-large"); detail is printf-formatted and never echoes the body. */
int srv_problem(srv_req *r, int status, const char *type, const char *extra, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));

/* The problem response for a failed library call: 400, 422, 503 or 500 by status. */
int srv_library_problem(srv_req *r, imgcolor_status status, const imgcolor_error *err);

/* One access-log line on stderr for a finished request. */
void srv_access_log(const srv_req *r);

/* A diagnostic line on stderr (not about a request) in the configured format. */
void srv_log(const srv_state *st, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* civetweb's http_error callback: errors civetweb raises itself (malformed request
 * line, oversized headers) become problem documents too. */
int srv_civetweb_error(struct mg_connection *conn, int status, const char *msg);

/* ------------------------------------------------------------------------------------ */
/* body.c: request bodies                                                               */

typedef enum srv_body_status {
    SRV_BODY_OK,
    SRV_BODY_TOO_LARGE,   /* 413 */
    SRV_BODY_NO_LENGTH,   /* 411 */
    SRV_BODY_TIMEOUT,     /* 408 */
    SRV_BODY_INCOMPLETE,  /* 400: connection ended early or malformed framing */
    SRV_BODY_MALFORMED,   /* 400: bad url-encoding, bad multipart, control bytes */
    SRV_BODY_TOO_MANY,    /* 400: more form fields than allowed */
    SRV_BODY_NOMEM        /* 503 */
} srv_body_status;

typedef struct srv_field {
    char name[64];
    char *value;          /* NUL-terminated for convenience; may contain NUL bytes */
    size_t len;
    size_t cap;
} srv_field;

typedef struct srv_form {
    srv_field *fields;
    size_t n;
    size_t max;
    uint64_t total;       /* bytes of all values */
    uint64_t limit;       /* on total */
    int duplicate;        /* a field name appeared twice */
    int too_many;
    int nomem;
    int overflow;         /* total went past limit */
} srv_form;

/* The media type of the request without parameters, lowercased into buf ("" if none). */
const char *srv_content_type(const srv_req *r, char *buf, size_t size);

/* Reads the whole body, at most limit bytes, within the request timeout. */
srv_body_status srv_body_read(srv_req *r, uint64_t limit, char **out, size_t *len);

/* Reads an url-encoded or multipart/form-data body into form (limit: bytes of values). */
srv_body_status srv_form_read(srv_req *r, int multipart, uint64_t limit, srv_form *form);

/* Parses application/x-www-form-urlencoded text (also a query string) into form. */
srv_body_status srv_form_parse_urlencoded(const char *text, size_t len, srv_form *form);

const srv_field *srv_form_get(const srv_form *form, const char *name);
void srv_form_free(srv_form *form);

/* Sends the problem response for a body status other than SRV_BODY_OK. */
int srv_body_problem(srv_req *r, srv_body_status status, uint64_t limit);

/* ------------------------------------------------------------------------------------ */
/* routes.c / handlers.c / metrics.c / openapi                                          */

typedef int (*srv_handler)(srv_req *r);

typedef struct srv_route {
    srv_route_id id;
    const char *path;
    const char *methods;  /* the Allow header value: "POST" or "GET, HEAD" */
    srv_handler handler;
} srv_route;

/* The one civetweb request handler: every request passes through here. */
int srv_dispatch(struct mg_connection *conn, void *cbdata);
const srv_route *srv_routes(size_t *n);
const char *srv_route_label(srv_route_id id);

int srv_handle_prominent(srv_req *r);
int srv_handle_rgb2hex(srv_req *r);
int srv_handle_centroids(srv_req *r);
int srv_handle_v1_prominent(srv_req *r);
int srv_handle_v1_rgb2hex(srv_req *r);
int srv_handle_v1_centroids(srv_req *r);
int srv_handle_healthz(srv_req *r);
int srv_handle_readyz(srv_req *r);
int srv_handle_metrics(srv_req *r);
int srv_handle_openapi(srv_req *r);

void srv_metrics_record(srv_state *st, const srv_req *r);
void srv_metrics_reject(srv_state *st, srv_reject why);
/* The Prometheus text exposition; free with free(). */
char *srv_metrics_render(srv_state *st, size_t *len);

extern const char srv_openapi_json[];
extern const size_t srv_openapi_json_len;

#endif
