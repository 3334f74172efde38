/* server.h: the pieces of imgcolor-server shared between its files: configuration,
 * server state (reached through civetweb's cbdata), the per-request context, and the
 * functions each file offers the others. Nothing here is installed or public. */
#ifndef IMGCOLOR_SERVER_H
#define IMGCOLOR_SERVER_H

#include <pthread.h>
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
    int max_n_init;              /* k-means restarts per request */
    int max_pie_side;            /* pie chart width and height */
    int max_concurrent;          /* heavy requests computing at once (0: one per core) */
    int max_queue;               /* heavy requests waiting for a slot; more get 503 */
    int queue_timeout_ms;        /* longest wait for a slot before 503 */
    int rate_limit;              /* requests per second per client (0: no limit) */
    int rate_burst;              /* bucket size: requests a client may send at once */
    char api_keys[512];          /* file of key hashes; empty: no authentication */
    char metrics_listen[96];     /* separate address:port for /metrics, or empty */
    char cors_origins[1024];     /* comma-separated allowed origins, or empty: no CORS */
    char tls_cert[512];          /* PEM certificate chain for HTTPS */
    char tls_key[512];           /* PEM private key for HTTPS */
    char trusted_proxy[48];      /* peer whose X-Real-IP names the client, or empty */
    int max_connections;         /* client connections held at once (0: from the limits) */
    int max_connections_per_address; /* of them from one address (IPv6: one /64) */
    int cost_rate_ms;            /* worker milliseconds a second per client (0: no limit) */
    int cost_burst_ms;           /* worker milliseconds a client may use at once */
    int time_limit_ms;           /* CPU time per image request (0: none) */
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
    SRV_ROUTE_V1_SWATCH,
    SRV_ROUTE_V1_MAP,
    SRV_ROUTE_HEALTHZ,
    SRV_ROUTE_READYZ,
    SRV_ROUTE_METRICS,
    SRV_ROUTE_OPENAPI,
    SRV_ROUTE_PAGE,    /* GET /: the page to try the API with (page.c) */
    SRV_ROUTE_APP_JS,
    SRV_ROUTE_APP_CSS,
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
    SRV_REJECT_UNAUTHORIZED,
    SRV_REJECT_RATE_LIMITED,
    SRV_REJECT_QUEUE_FULL,
    SRV_REJECT_QUEUE_TIMEOUT,
    SRV_REJECT_N_INIT,
    SRV_REJECT_PIE_SIZE,
    SRV_REJECT_TIME_LIMIT,
    SRV_REJECT_ADDRESS_CONNECTIONS,
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
/* auth.c: API keys, stored as SHA-256 hashes                                            */

#define SRV_KEY_LABEL_MAX 64
#define SRV_KEY_MAX_LEN 256 /* longer presented keys are refused unhashed */

typedef struct srv_key {
    uint8_t hash[32];
    char label[SRV_KEY_LABEL_MAX];
} srv_key;

typedef struct srv_keyring {
    srv_key *keys;
    size_t n;
} srv_keyring;

/* Parses a keys file's text: one "sha256:<64 hex digits> <label>" per line, blank lines
 * and '#' comments ignored. Returns 0, or -1 with a message naming the line in why. */
int srv_keyring_parse(const char *text, size_t len, srv_keyring *ring, char *why, size_t size);
int srv_keyring_load(const char *path, srv_keyring *ring, char *why, size_t size);
void srv_keyring_free(srv_keyring *ring);

/* The key a request presents: "Authorization: Bearer KEY" or "X-API-Key: KEY". */
typedef enum srv_cred {
    SRV_CRED_NONE,      /* neither header */
    SRV_CRED_MALFORMED, /* another scheme, an empty or overlong key, or both headers */
    SRV_CRED_PRESENT
} srv_cred;
srv_cred srv_auth_credential(const char *authorization, const char *x_api_key,
                             const char **key, size_t *len);

/* Compares the key's SHA-256 with every stored hash in constant time (per key count);
 * returns the matching entry's label or NULL. */
const char *srv_keyring_match(const srv_keyring *ring, const char *key, size_t len);

/* A new random key (getrandom) in key (at least 64 bytes) and its keys-file line in
 * line. Returns 0, or -1 if the system has no randomness to give. */
int srv_key_generate(const char *label, char *key, size_t key_size, char *line,
                     size_t line_size);
int srv_key_label_valid(const char *label);

/* ------------------------------------------------------------------------------------ */
/* ratelimit.c: a token bucket per client                                                */

#define SRV_RL_SLOTS 4096
#define SRV_RL_PROBE 8

typedef struct srv_bucket {
    uint64_t hash;     /* 0: free slot */
    char key[SRV_KEY_LABEL_MAX];
    double tokens;
    uint64_t last_ns;
} srv_bucket;

typedef struct srv_ratelimit {
    pthread_mutex_t lock;
    double rate;       /* tokens per second; 0: no limit */
    double burst;      /* bucket size */
    srv_bucket *slots; /* SRV_RL_SLOTS of them */
} srv_ratelimit;

int srv_ratelimit_init(srv_ratelimit *rl, double rate, double burst);
void srv_ratelimit_free(srv_ratelimit *rl);
/* Takes one token from key's bucket at time now_ns. Returns 1 if the request may go on;
 * 0 if the bucket is empty, with *retry_s the whole seconds until a token is back. */
int srv_ratelimit_take(srv_ratelimit *rl, const char *key, uint64_t now_ns, int *retry_s);
/* Metering: whether key's bucket is out of debt at now_ns (1), else 0 with *retry_s the
 * whole seconds until it is. Takes nothing: the cost is charged when known. */
int srv_ratelimit_allow(srv_ratelimit *rl, const char *key, uint64_t now_ns, int *retry_s);
/* Takes cost tokens (at most one burst's worth) from key's bucket, which may go into
 * debt, down to minus one burst. A client whose costs never exceed the time they take
 * to run, one request at a time, is then never refused when rate >= 1 token per unit of
 * that time: the bucket refills while the request runs by what it is then charged. */
void srv_ratelimit_charge(srv_ratelimit *rl, const char *key, uint64_t now_ns, double cost);

/* ------------------------------------------------------------------------------------ */
/* gate.c: the concurrency limit with a bounded queue for heavy requests                 */

typedef struct srv_gate {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    int running, admitted;         /* admitted counts running and waiting requests */
    int max_running, max_admitted; /* max_admitted = max_running + queue length */
} srv_gate;

typedef enum srv_gate_status { SRV_GATE_OK, SRV_GATE_FULL, SRV_GATE_TIMEOUT } srv_gate_status;

int srv_gate_init(srv_gate *g, int max_running, int max_queue);
void srv_gate_free(srv_gate *g);
/* Admission, without waiting: OK, or FULL when running + waiting is at its bound. */
srv_gate_status srv_gate_admit(srv_gate *g);
/* For an admitted request: waits (until deadline_ns, CLOCK_MONOTONIC) for a slot to run. */
srv_gate_status srv_gate_run(srv_gate *g, uint64_t deadline_ns);
/* Ends an admitted request; ran says whether srv_gate_run gave it a slot. */
void srv_gate_leave(srv_gate *g, int ran);

/* ------------------------------------------------------------------------------------ */
/* Server state: one per process, handed to civetweb as cbdata and user_data.            */

typedef struct srv_state {
    srv_config cfg;
    imgcolor_options *defaults; /* k, n_init, limits as configured; copied per request */
    srv_metrics metrics;
    atomic_int draining;        /* set on SIGTERM: refuse new work, finish what runs */
    uint64_t started_ns;
    int auth_on;                /* --api-keys given: every route but health needs a key */
    pthread_rwlock_t keys_lock; /* guards keys: requests read, SIGHUP's reload writes */
    pthread_mutex_t json_lock;  /* cJSON writes a process-wide error record on every
                                 * parse: parses take turns */
    srv_keyring keys;
    srv_ratelimit rate;
    srv_gate gate;
    int metrics_port;           /* the --metrics-listen port once bound, else 0 */
    char front_secret[65];      /* sent by the front with every request it relays; empty
                                 * when civetweb listens itself (TLS) */
    srv_ratelimit cost;         /* worker time per client, charged as requests end */
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
    char key_label[SRV_KEY_LABEL_MAX]; /* the API key's label, for the log; "" if none */
    char client[48];            /* the client's address: the peer's, or X-Real-IP from
                                 * --trusted-proxy */
    char cors[400];             /* CORS response headers for an allowed Origin, or "" */
    int admitted;               /* holds an admission ticket of the gate */
    int running;                /* holds a running slot of the gate */
    int via_front;              /* relayed by the front (its secret matched) */
    int on_metrics_listener;    /* the front accepted it on the --metrics-listen port */
    uint64_t metered_ns;        /* when the cost meter let it in (0: not metered) */
    uint64_t gate_wait_ns;      /* time spent waiting for a running slot */
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

/* The value of a hexadecimal digit, either case, or -1: for percent-decoding and for the
 * keys file's hashes. */
static inline int srv_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads the whole body, at most limit bytes, within the request timeout. */
srv_body_status srv_body_read(srv_req *r, uint64_t limit, char **out, size_t *len);

/* Reads an url-encoded or multipart/form-data body into form (limit: bytes of values). */
srv_body_status srv_form_read(srv_req *r, int multipart, uint64_t limit, srv_form *form);

/* Parses application/x-www-form-urlencoded text (also a query string) into form. */
srv_body_status srv_form_parse_urlencoded(const char *text, size_t len, srv_form *form);

const srv_field *srv_form_get(const srv_form *form, const char *name);
void srv_form_free(srv_form *form);

/* The boundary parameter of a multipart Content-Type (1..70 characters) into out;
 * returns 0 or -1. */
int srv_multipart_boundary(const char *content_type, char *out, size_t size);

/* Parses a multipart/form-data body into form: every part a field with a name; a
 * repeated name, a part without Content-Disposition: form-data, or broken framing is
 * SRV_BODY_MALFORMED. */
srv_body_status srv_multipart_parse(const char *body, size_t len, const char *boundary,
                                    srv_form *form);

/* The field assembly the multipart parser drives: a new field (NULL when the name
 * repeats or there are too many), and bytes appended to it (-1 past the limit). */
srv_field *srv_form_add(srv_form *form, const char *name, size_t name_len);
int srv_form_append(srv_form *form, srv_field *f, const char *data, size_t len);

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

/* Whether origin is one of the comma-separated origins in list (exact match). */
int srv_cors_allowed(const char *list, const char *origin, size_t origin_len);

/* For heavy work inside a handler: waits for a running slot of the gate. Returns 0, or
 * the status of the 503 problem sent when the wait timed out. */
int srv_work_begin(srv_req *r);

/* handlers.c: the request of an endpoint that clusters one image, as
 * /v1/prominent-colors takes it: the image as the body or a form's "image" field, the
 * clustering fields (k, n_init, seed, ...) from the form or the query string. */
typedef struct srv_image_request {
    srv_form form, query;
    char *raw;               /* the body, when it is the image */
    const char *data;        /* the image */
    size_t len;
    imgcolor_options *opt;   /* the clustering the fields ask for */
} srv_image_request;

/* Reads and checks the request into q (always free it after); 0, or the status of the
 * problem sent. Nothing is clustered yet, so an endpoint can check its own fields first. */
int srv_image_request_read(srv_req *r, srv_image_request *q);
/* A field of the form, else of the query string; NULL when neither has it. */
const srv_field *srv_image_request_field(const srv_image_request *q, const char *name);
/* Clusters the image inside the concurrency gate; 0, or the status of the problem sent. */
int srv_image_request_run(srv_req *r, const srv_image_request *q, imgcolor_result **res);
void srv_image_request_free(srv_image_request *q);

/* An integer field in min..max: 0 when absent or valid, else the problem sent (a value
 * out of range counted as why, unless why is SRV_REJECT_COUNT). */
int srv_int_field(srv_req *r, const srv_field *f, const char *name, long long min,
                  long long max, srv_reject why, long long *out);
/* A flag field given as 0, 1, false or true: 0 and *out set, or -1. */
int srv_parse_flag(const srv_field *f, long long *out);

int srv_handle_prominent(srv_req *r);
int srv_handle_rgb2hex(srv_req *r);
int srv_handle_centroids(srv_req *r);
int srv_handle_v1_prominent(srv_req *r);
int srv_handle_v1_rgb2hex(srv_req *r);
int srv_handle_v1_centroids(srv_req *r);
int srv_handle_v1_swatch(srv_req *r);
int srv_handle_v1_map(srv_req *r);
int srv_handle_healthz(srv_req *r);
int srv_handle_readyz(srv_req *r);
int srv_handle_metrics(srv_req *r);
int srv_handle_openapi(srv_req *r);
int srv_handle_page(srv_req *r);
int srv_handle_app_js(srv_req *r);
int srv_handle_app_css(srv_req *r);
/* The page's routes: static bytes, open like the health checks (no key, no rate). */
int srv_page_route(srv_route_id id);

void srv_metrics_record(srv_state *st, const srv_req *r);
void srv_metrics_reject(srv_state *st, srv_reject why);
/* The Prometheus text exposition; free with free(). */
char *srv_metrics_render(srv_state *st, size_t *len);

/* tls.c: whether the HTTPS port really serves: a handshake and GET /healthz against
 * 127.0.0.1:port. Returns 0, or -1 with the reason in why. */
int srv_tls_selfcheck(int port, int timeout_ms, char *why, size_t size);
/* Loads the certificate chain and key into civetweb's SSL_CTX and sets TLS 1.2 as the
 * lowest version. Returns 0 or -1. */
int srv_tls_configure(void *ssl_ctx, const char *cert, const char *key);
/* civetweb's init_ssl callback (user_data is the srv_state): srv_tls_configure with the
 * configured --tls-cert and --tls-key. Returns 1 (done) or -1 (fail). */
int srv_tls_init_ssl(void *ssl_ctx, void *user_data);

/* civetweb's log_message callback, as the server installs it. */
typedef int (*srv_mg_log)(const struct mg_connection *conn, const char *message);
/* Before the server listens: serves HTTPS in a child process and checks it answers, so
 * a civetweb that crashes on this OpenSSL crashes there. Returns 0, or -1 with the
 * reason logged. */
int srv_tls_probe(srv_state *st, srv_mg_log log_message);
/* After: srv_tls_selfcheck on the bound port. Returns 0, or -1 with the reason logged. */
int srv_tls_check_port(const srv_state *st, int port);

extern const char srv_openapi_json[];
extern const size_t srv_openapi_json_len;

#endif
