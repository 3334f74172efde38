/* routes.c: the route table and the single place every request passes through. An
 * authentication check or a concurrency limit goes in srv_dispatch, between finding the
 * route and calling its handler, and then covers every endpoint at once. */
#include <stdio.h>
#include <string.h>

#include "server.h"

static const srv_route routes[] = {
    {SRV_ROUTE_PROMINENT, "/prominent-colors", "POST", srv_handle_prominent},
    {SRV_ROUTE_RGB2HEX, "/rgb2hex", "POST", srv_handle_rgb2hex},
    {SRV_ROUTE_CENTROIDS, "/centroids", "POST", srv_handle_centroids},
    {SRV_ROUTE_V1_PROMINENT, "/v1/prominent-colors", "POST", srv_handle_v1_prominent},
    {SRV_ROUTE_V1_RGB2HEX, "/v1/rgb2hex", "POST", srv_handle_v1_rgb2hex},
    {SRV_ROUTE_V1_CENTROIDS, "/v1/centroids", "POST", srv_handle_v1_centroids},
    {SRV_ROUTE_HEALTHZ, "/healthz", "GET, HEAD", srv_handle_healthz},
    {SRV_ROUTE_READYZ, "/readyz", "GET, HEAD", srv_handle_readyz},
    {SRV_ROUTE_METRICS, "/metrics", "GET, HEAD", srv_handle_metrics},
    {SRV_ROUTE_OPENAPI, "/openapi.json", "GET, HEAD", srv_handle_openapi},
};

const srv_route *srv_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
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

static int route_request(srv_req *r)
{
    const srv_route *route = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(routes[i].path, r->path) == 0)
            route = &routes[i];
    if (!route)
        return srv_problem(r, 404, "not-found", NULL, "no such endpoint; see /openapi.json");
    r->route = route->id;

    const char *method = r->ri->request_method ? r->ri->request_method : "";
    if (!method_allowed(route->methods, method)) {
        char allow[64];
        snprintf(allow, sizeof allow, "Allow: %s\r\n", route->methods);
        return srv_problem(r, 405, "method-not-allowed", allow, "%s takes %s", route->path,
                           route->methods);
    }

    /* A server that is shutting down finishes what it started and refuses the rest,
     * except liveness, which stays true until the process exits. */
    if (atomic_load(&r->st->draining) && route->id != SRV_ROUTE_HEALTHZ &&
        route->id != SRV_ROUTE_READYZ) {
        srv_metrics_reject(r->st, SRV_REJECT_SHUTTING_DOWN);
        r->must_close = 1;
        return srv_problem(r, 503, "shutting-down", "Retry-After: 1\r\n",
                           "the server is shutting down");
    }

    /* Authentication and admission control belong here, before any handler runs. */
    return route->handler(r);
}

int srv_dispatch(struct mg_connection *conn, void *cbdata)
{
    srv_state *st = cbdata;
    srv_req r;
    srv_req_init(&r, conn, st);
    atomic_fetch_add_explicit(&st->metrics.in_flight, 1, memory_order_relaxed);
    route_request(&r);
    if (!r.status) /* a handler that forgot to answer is a bug, not a hung client */
        srv_problem(&r, 500, "internal-error", NULL, "no response was produced");
    srv_metrics_record(st, &r);
    srv_access_log(&r);
    atomic_fetch_sub_explicit(&st->metrics.in_flight, 1, memory_order_relaxed);
    return r.status ? r.status : 500;
}
