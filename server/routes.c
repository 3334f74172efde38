/* routes.c: the route table and the single place every request passes through. Between
 * finding the route and calling its handler sit the checks that cover every endpoint at
 * once, in this order: the metrics listener, shutdown, CORS preflight, the API key, the
 * per-client rate limit, and admission to the concurrency gate for heavy routes. */
#include <stdio.h>
#include <string.h>

#include "front.h"

/* Heavy routes decode images, cluster or render: they pass the concurrency gate. */
static int heavy(srv_route_id id)
{
    return id == SRV_ROUTE_PROMINENT || id == SRV_ROUTE_V1_PROMINENT ||
           id == SRV_ROUTE_CENTROIDS || id == SRV_ROUTE_V1_CENTROIDS ||
           id == SRV_ROUTE_V1_SWATCH || id == SRV_ROUTE_V1_MAP;
}

/* Health checks stay open to probes: no key, no rate limit. */
static int open_route(srv_route_id id)
{
    return id == SRV_ROUTE_HEALTHZ || id == SRV_ROUTE_READYZ;
}

static const srv_route routes[] = {
    {SRV_ROUTE_PROMINENT, "/prominent-colors", "POST", srv_handle_prominent},
    {SRV_ROUTE_RGB2HEX, "/rgb2hex", "POST", srv_handle_rgb2hex},
    {SRV_ROUTE_CENTROIDS, "/centroids", "POST", srv_handle_centroids},
    {SRV_ROUTE_V1_PROMINENT, "/v1/prominent-colors", "POST", srv_handle_v1_prominent},
    {SRV_ROUTE_V1_RGB2HEX, "/v1/rgb2hex", "POST", srv_handle_v1_rgb2hex},
    {SRV_ROUTE_V1_CENTROIDS, "/v1/centroids", "POST", srv_handle_v1_centroids},
    {SRV_ROUTE_V1_SWATCH, "/v1/swatch", "POST", srv_handle_v1_swatch},
    {SRV_ROUTE_V1_MAP, "/v1/map", "POST", srv_handle_v1_map},
    {SRV_ROUTE_HEALTHZ, "/healthz", "GET, HEAD", srv_handle_healthz},
    {SRV_ROUTE_READYZ, "/readyz", "GET, HEAD", srv_handle_readyz},
    {SRV_ROUTE_METRICS, "/metrics", "GET, HEAD", srv_handle_metrics},
    {SRV_ROUTE_OPENAPI, "/openapi.json", "GET, HEAD", srv_handle_openapi},
    {SRV_ROUTE_PAGE, "/", "GET, HEAD", srv_handle_page},
    {SRV_ROUTE_APP_JS, "/app.js", "GET, HEAD", srv_handle_app_js},
    {SRV_ROUTE_APP_CSS, "/app.css", "GET, HEAD", srv_handle_app_css},
};

const srv_route *srv_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}

int srv_route_heavy_path(const char *path, size_t len)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (heavy(routes[i].id) && strlen(routes[i].path) == len &&
            memcmp(routes[i].path, path, len) == 0)
            return 1;
    return 0;
}

const char *srv_route_label(srv_route_id id)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (routes[i].id == id)
            return routes[i].path;
    return "unmatched";
}

/* Whether method is one of the comma-separated tokens in allow. */
static int method_allowed(const char *allow, const char *method)
{
    size_t mlen = strlen(method);
    const char *p = allow;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len == mlen && memcmp(p, method, mlen) == 0)
            return 1;
        p += len;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return 0;
}

static int admit(srv_req *r, const srv_route *route);
static int cors(srv_req *r, const srv_route *route, const char *method);
static int authenticate(srv_req *r);

/* Message framing civetweb lets through but a proxy in front may read differently
 * (request smuggling): Content-Length must be digits only and appear once, and may not
 * come with Transfer-Encoding, which must be "chunked" alone. Returns 0 if sound. */
static int framing_problem(srv_req *r)
{
    int lengths = 0, encodings = 0;
    const char *why = NULL;
    for (int i = 0; i < r->ri->num_headers && !why; i++) {
        const char *name = r->ri->http_headers[i].name;
        const char *value = r->ri->http_headers[i].value ? r->ri->http_headers[i].value : "";
        if (mg_strcasecmp(name, "Content-Length") == 0) {
            lengths++;
            size_t n = strspn(value, "0123456789");
            if (n == 0 || value[n] != '\0' || n > 15)
                why = "Content-Length must be a decimal number";
        } else if (mg_strcasecmp(name, "Transfer-Encoding") == 0) {
            encodings++;
            if (mg_strcasecmp(value, "chunked") != 0)
                why = "the only transfer coding accepted is \"chunked\"";
        }
    }
    if (!why && lengths > 1)
        why = "Content-Length appears more than once";
    if (!why && encodings > 1)
        why = "Transfer-Encoding appears more than once";
    if (!why && lengths && encodings)
        why = "Content-Length and Transfer-Encoding together";
    if (!why)
        return 0;
    r->must_close = 1;
    return srv_problem(r, 400, "bad-framing", NULL, "%s", why);
}

static int route_request(srv_req *r)
{
    int rc = framing_problem(r);
    if (rc)
        return rc;
    const srv_route *route = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(routes[i].path, r->path) == 0)
            route = &routes[i];
    /* With --metrics-listen, /metrics lives on its own port (open, for the scraper on a
     * private network) and that port serves nothing but it and the health checks. */
    int on_metrics_port = r->st->front_secret[0] ? r->on_metrics_listener
                                                 : r->ri->server_port == r->st->metrics_port;
    if (route && r->st->metrics_port) {
        int metrics_route = route->id == SRV_ROUTE_METRICS;
        if (on_metrics_port ? !(metrics_route || open_route(route->id)) : metrics_route)
            route = NULL;
    }
    const char *method = r->ri->request_method ? r->ri->request_method : "";
    if (route) {
        r->route = route->id;
        if ((rc = cors(r, route, method)))
            return rc;
    }
    /* With keys on, a path that is not open answers 401 without a valid key, whether it
     * exists or not, so that the routes cannot be told apart without a key. */
    int open = route ? open_route(route->id) || srv_page_route(route->id) ||
                           (r->st->metrics_port && route->id == SRV_ROUTE_METRICS)
                     : on_metrics_port;
    if (r->st->auth_on && !open && (rc = authenticate(r)))
        return rc;
    if (!route)
        return srv_problem(r, 404, "not-found", NULL, "no such endpoint; see /openapi.json");
    if (!method_allowed(route->methods, method)) {
        char allow[64];
        snprintf(allow, sizeof allow, "Allow: %s\r\n", route->methods);
        return srv_problem(r, 405, "method-not-allowed", allow, "%s takes %s", route->path,
                           route->methods);
    }

    /* A server that is shutting down finishes what it started and refuses the rest,
     * except liveness, which stays true until the process exits. */
    if (atomic_load(&r->st->draining) && !open_route(route->id)) {
        srv_metrics_reject(r->st, SRV_REJECT_SHUTTING_DOWN);
        r->must_close = 1;
        return srv_problem(r, 503, "shutting-down", "Retry-After: 1\r\n",
                           "the server is shutting down");
    }
    rc = admit(r, route);
    return rc ? rc : route->handler(r);
}

int srv_cors_allowed(const char *list, const char *origin, size_t origin_len)
{
    const char *p = list;
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t len = strcspn(p, ", ");
        if (len && len == origin_len && memcmp(p, origin, len) == 0)
            return 1;
        p += len;
    }
    return 0;
}

/* Sets the CORS headers for an allowed Origin; answers a preflight (OPTIONS with
 * Access-Control-Request-Method). Returns the status sent, or 0 to go on. */
static int cors(srv_req *r, const srv_route *route, const char *method)
{
    const char *origin = mg_get_header(r->conn, "Origin");
    int allowed = origin && r->st->cfg.cors_origins[0] &&
                  srv_cors_allowed(r->st->cfg.cors_origins, origin, strlen(origin));
    if (allowed)
        snprintf(r->cors, sizeof r->cors,
                 "Access-Control-Allow-Origin: %.200s\r\nVary: Origin\r\n", origin);
    else if (r->st->cfg.cors_origins[0])
        snprintf(r->cors, sizeof r->cors, "Vary: Origin\r\n");
    if (strcmp(method, "OPTIONS") != 0 ||
        !mg_get_header(r->conn, "Access-Control-Request-Method"))
        return 0;
    if (!allowed)
        return srv_problem(r, 403, "cors-origin-not-allowed", NULL,
                           "cross-origin requests from this origin are not allowed");
    char extra[320];
    snprintf(extra, sizeof extra,
             "Access-Control-Allow-Methods: %s\r\n"
             "Access-Control-Allow-Headers: Authorization, X-API-Key, Content-Type\r\n"
             "Access-Control-Max-Age: 600\r\n",
             route->methods);
    return srv_send(r, 204, "text/plain", "", 0, extra);
}

static int rate_limited(srv_req *r, int retry)
{
    char extra[48];
    snprintf(extra, sizeof extra, "Retry-After: %d\r\n", retry);
    srv_metrics_reject(r->st, SRV_REJECT_RATE_LIMITED);
    r->must_close = !r->body_done;
    return srv_problem(r, 429, "rate-limited", extra, "too many requests; retry in %d s", retry);
}

/* What a wrong or missing key costs the address on the cost meter, in worker
 * milliseconds: with the default burst, some 300 guesses, then 10 a second. */
#define SRV_BAD_KEY_COST_MS 100

/* The cost meter: a client whose bucket is in debt gets 429; one let in is charged its
 * worker time when it ends (charge_cost). */
static int meter_in(srv_req *r, const char *who)
{
    int retry;
    uint64_t now = srv_now_ns();
    if (!srv_ratelimit_allow(&r->st->cost, who, now, &retry))
        return rate_limited(r, retry);
    r->metered_ns = now;
    return 0;
}

/* The worker time a metered request held, from its admission to now, less its wait for
 * a running slot (that wait is others' work, and the queue bounds it). */
static void charge_cost(srv_req *r)
{
    srv_state *st = r->st;
    uint64_t now = srv_now_ns();
    uint64_t held = now > r->metered_ns ? now - r->metered_ns : 0;
    held = held > r->gate_wait_ns ? held - r->gate_wait_ns : 0;
    srv_ratelimit_charge(&st->cost, st->auth_on ? r->key_label : r->client, now,
                         (double)held / 1e6);
}

/* The API key: 0 when the route is open, auth is off, or the key matches (its label is
 * then in r->key_label); otherwise the 401 has been sent, or a 429 when the address has
 * used up its rate of attempts. */
static int authenticate(srv_req *r)
{
    srv_state *st = r->st;
    const char *key;
    size_t len;
    srv_cred cred = srv_auth_credential(mg_get_header(r->conn, "Authorization"),
                                        mg_get_header(r->conn, "X-API-Key"), &key, &len);
    if (cred == SRV_CRED_PRESENT) {
        pthread_rwlock_rdlock(&st->keys_lock);
        const char *label = srv_keyring_match(&st->keys, key, len);
        if (label)
            snprintf(r->key_label, sizeof r->key_label, "%s", label);
        pthread_rwlock_unlock(&st->keys_lock);
        if (label)
            return 0;
    }
    /* Wrong keys cost the address tokens: guessing is rate-limited like any request. */
    int retry;
    uint64_t now = srv_now_ns();
    if (!srv_ratelimit_take(&st->rate, r->client, now, &retry) ||
        !srv_ratelimit_allow(&st->cost, r->client, now, &retry))
        return rate_limited(r, retry);
    srv_ratelimit_charge(&st->cost, r->client, now, SRV_BAD_KEY_COST_MS);
    srv_metrics_reject(st, SRV_REJECT_UNAUTHORIZED);
    r->must_close = !r->body_done;
    if (cred == SRV_CRED_NONE)
        return srv_problem(r, 401, "unauthorized",
                           "WWW-Authenticate: Bearer realm=\"imgcolor\"\r\n",
                           "send an API key as \"Authorization: Bearer KEY\" or "
                           "\"X-API-Key: KEY\"");
    return srv_problem(r, 401, "unauthorized",
                       "WWW-Authenticate: Bearer realm=\"imgcolor\", error=\"invalid_token\"\r\n",
                       "the API key is not valid");
}

/* Everything between routing and the handler. Returns 0 to run the handler. */
static int admit(srv_req *r, const srv_route *route)
{
    srv_state *st = r->st;
    int rc;
    if (open_route(route->id) || srv_page_route(route->id) ||
        (st->metrics_port && route->id == SRV_ROUTE_METRICS))
        return 0;
    /* One bucket per key when keys are on, else per address. */
    int retry;
    const char *who = st->auth_on ? r->key_label : r->client;
    if (!srv_ratelimit_take(&st->rate, who, srv_now_ns(), &retry))
        return rate_limited(r, retry);
    if ((rc = meter_in(r, who)))
        return rc;
    if (heavy(route->id)) {
        if (srv_gate_admit(&st->gate) != SRV_GATE_OK) {
            srv_metrics_reject(st, SRV_REJECT_QUEUE_FULL);
            r->must_close = !r->body_done;
            return srv_problem(r, 503, "server-busy", "Retry-After: 1\r\n",
                               "every worker is busy and the queue is full; try again");
        }
        r->admitted = 1;
    }
    return 0;
}

int srv_work_begin(srv_req *r)
{
    if (!r->admitted || r->running)
        return 0;
    uint64_t asked = srv_now_ns();
    uint64_t deadline = asked + (uint64_t)r->st->cfg.queue_timeout_ms * 1000000u;
    srv_gate_status gs = srv_gate_run(&r->st->gate, deadline);
    r->gate_wait_ns = srv_now_ns() - asked;
    if (gs == SRV_GATE_OK) {
        r->running = 1;
        return 0;
    }
    srv_metrics_reject(r->st, SRV_REJECT_QUEUE_TIMEOUT);
    return srv_problem(r, 503, "server-busy", "Retry-After: 1\r\n",
                       "no worker became free within %d ms; try again",
                       r->st->cfg.queue_timeout_ms);
}

int srv_dispatch(struct mg_connection *conn, void *cbdata)
{
    srv_state *st = cbdata;
    srv_req r;
    srv_req_init(&r, conn, st);
    atomic_fetch_add_explicit(&st->metrics.in_flight, 1, memory_order_relaxed);
    if (st->front_secret[0] && !r.via_front) {
        /* civetweb's port is private to the front: whatever reaches it directly has
         * bypassed the checks there, and is refused */
        r.must_close = 1;
        srv_problem(&r, 403, "forbidden", NULL, "this port serves the front only");
    } else {
        route_request(&r);
    }
    if (r.metered_ns)
        charge_cost(&r);
    if (r.admitted)
        srv_gate_leave(&st->gate, r.running);
    if (!r.status) /* a handler that forgot to answer is a bug, not a hung client */
        srv_problem(&r, 500, "internal-error", NULL, "no response was produced");
    srv_metrics_record(st, &r);
    srv_access_log(&r);
    atomic_fetch_sub_explicit(&st->metrics.in_flight, 1, memory_order_relaxed);
    return r.status ? r.status : 500;
}
