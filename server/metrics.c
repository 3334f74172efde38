/* metrics.c: request counters kept with relaxed atomics (no lock on the request path)
 * and their Prometheus text exposition for GET /metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static const double bucket_le[SRV_HIST_BUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                   0.5,   1,    2.5,   5,    10,  30};

static const char *const reject_names[SRV_REJECT_COUNT] = {
    [SRV_REJECT_BODY_TOO_LARGE] = "body_too_large",
    [SRV_REJECT_LENGTH_REQUIRED] = "length_required",
    [SRV_REJECT_MEDIA_TYPE] = "unsupported_media_type",
    [SRV_REJECT_PIXELS] = "too_many_pixels",
    [SRV_REJECT_K] = "k_out_of_range",
    [SRV_REJECT_LIST_LENGTH] = "list_too_long",
    [SRV_REJECT_FIELDS] = "too_many_fields",
    [SRV_REJECT_TIMEOUT] = "timeout",
    [SRV_REJECT_SHUTTING_DOWN] = "shutting_down",
    [SRV_REJECT_NO_MEMORY] = "out_of_memory",
    [SRV_REJECT_UNAUTHORIZED] = "unauthorized",
    [SRV_REJECT_RATE_LIMITED] = "rate_limited",
    [SRV_REJECT_QUEUE_FULL] = "queue_full",
    [SRV_REJECT_QUEUE_TIMEOUT] = "queue_timeout",
    [SRV_REJECT_N_INIT] = "n_init_out_of_range",
    [SRV_REJECT_PIE_SIZE] = "pie_too_large",
    [SRV_REJECT_TIME_LIMIT] = "time_limit",
    [SRV_REJECT_ADDRESS_CONNECTIONS] = "address_connections",
};

#define RELAXED memory_order_relaxed

void srv_metrics_record(srv_state *st, const srv_req *r)
{
    srv_metrics *m = &st->metrics;
    int route = r->route;
    if (r->status >= SRV_STATUS_MIN && r->status < SRV_STATUS_MIN + SRV_STATUS_SLOTS)
        atomic_fetch_add_explicit(&m->requests[route][r->status - SRV_STATUS_MIN], 1, RELAXED);
    uint64_t ns = srv_now_ns() - r->start_ns;
    double s = (double)ns / 1e9;
    size_t b = 0;
    while (b < SRV_HIST_BUCKETS && s > bucket_le[b])
        b++;
    atomic_fetch_add_explicit(&m->duration_bucket[route][b], 1, RELAXED);
    atomic_fetch_add_explicit(&m->duration_us_sum[route], ns / 1000, RELAXED);
    atomic_fetch_add_explicit(&m->bytes_in[route], r->bytes_in, RELAXED);
    atomic_fetch_add_explicit(&m->bytes_out[route], r->bytes_out, RELAXED);
}

void srv_metrics_reject(srv_state *st, srv_reject why)
{
    atomic_fetch_add_explicit(&st->metrics.rejections[why], 1, RELAXED);
}

typedef struct text {
    char *buf;
    size_t len, cap;
    int failed;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = 1;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t ncap = t->cap * 2 + (size_t)n;
        char *nb = realloc(t->buf, ncap);
        if (!nb) {
            t->failed = 1;
            return;
        }
        t->buf = nb;
        t->cap = ncap;
    }
}

char *srv_metrics_render(srv_state *st, size_t *len)
{
    srv_metrics *m = &st->metrics;
    text t = {malloc(16384), 0, 16384, 0};
    if (!t.buf)
        return NULL;
    t.buf[0] = '\0';

    put(&t, "# HELP imgcolor_http_requests_total Requests answered, by route and status.\n"
            "# TYPE imgcolor_http_requests_total counter\n");
    for (int r = 0; r < SRV_ROUTE_COUNT; r++)
        for (int s = 0; s < SRV_STATUS_SLOTS; s++) {
            uint64_t v = atomic_load_explicit(&m->requests[r][s], RELAXED);
            if (v)
                put(&t, "imgcolor_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                    srv_route_label((srv_route_id)r), s + SRV_STATUS_MIN,
                    (unsigned long long)v);
        }

    put(&t, "# HELP imgcolor_http_request_duration_seconds Time from routing to the last "
            "byte written.\n# TYPE imgcolor_http_request_duration_seconds histogram\n");
    for (int r = 0; r < SRV_ROUTE_COUNT; r++) {
        uint64_t cum = 0;
        const char *label = srv_route_label((srv_route_id)r);
        for (int b = 0; b <= SRV_HIST_BUCKETS; b++) {
            cum += atomic_load_explicit(&m->duration_bucket[r][b], RELAXED);
            if (b < SRV_HIST_BUCKETS)
                put(&t, "imgcolor_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} "
                        "%llu\n", label, bucket_le[b], (unsigned long long)cum);
            else
                put(&t, "imgcolor_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"}"
                        " %llu\n", label, (unsigned long long)cum);
        }
        put(&t, "imgcolor_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", label,
            (double)atomic_load_explicit(&m->duration_us_sum[r], RELAXED) / 1e6);
        put(&t, "imgcolor_http_request_duration_seconds_count{route=\"%s\"} %llu\n", label,
            (unsigned long long)cum);
    }

    put(&t, "# HELP imgcolor_http_request_body_bytes_total Request body bytes read.\n"
            "# TYPE imgcolor_http_request_body_bytes_total counter\n");
    for (int r = 0; r < SRV_ROUTE_COUNT; r++)
        put(&t, "imgcolor_http_request_body_bytes_total{route=\"%s\"} %llu\n",
            srv_route_label((srv_route_id)r),
            (unsigned long long)atomic_load_explicit(&m->bytes_in[r], RELAXED));
    put(&t, "# HELP imgcolor_http_response_bytes_total Response bytes written, headers "
            "included.\n# TYPE imgcolor_http_response_bytes_total counter\n");
    for (int r = 0; r < SRV_ROUTE_COUNT; r++)
        put(&t, "imgcolor_http_response_bytes_total{route=\"%s\"} %llu\n",
            srv_route_label((srv_route_id)r),
            (unsigned long long)atomic_load_explicit(&m->bytes_out[r], RELAXED));

    put(&t, "# HELP imgcolor_http_requests_in_flight Requests being handled now.\n"
            "# TYPE imgcolor_http_requests_in_flight gauge\n"
            "imgcolor_http_requests_in_flight %lld\n",
        (long long)atomic_load_explicit(&m->in_flight, RELAXED));
    put(&t, "# HELP imgcolor_http_connections_open Connections held by a worker thread.\n"
            "# TYPE imgcolor_http_connections_open gauge\nimgcolor_http_connections_open %lld\n",
        (long long)atomic_load_explicit(&m->connections, RELAXED));
    put(&t, "# HELP imgcolor_http_rejections_total Requests refused by a limit or by "
            "shutdown, by reason.\n# TYPE imgcolor_http_rejections_total counter\n");
    for (int i = 0; i < SRV_REJECT_COUNT; i++)
        put(&t, "imgcolor_http_rejections_total{reason=\"%s\"} %llu\n", reject_names[i],
            (unsigned long long)atomic_load_explicit(&m->rejections[i], RELAXED));
    put(&t, "# HELP imgcolor_server_threads Worker threads (concurrent connections).\n"
            "# TYPE imgcolor_server_threads gauge\nimgcolor_server_threads %d\n",
        st->cfg.threads);
    pthread_mutex_lock(&st->gate.lock);
    int running = st->gate.running, waiting = st->gate.admitted - st->gate.running;
    pthread_mutex_unlock(&st->gate.lock);
    put(&t, "# HELP imgcolor_work_running Heavy requests computing now.\n"
            "# TYPE imgcolor_work_running gauge\nimgcolor_work_running %d\n"
            "# HELP imgcolor_work_queued Heavy requests admitted and not yet computing.\n"
            "# TYPE imgcolor_work_queued gauge\nimgcolor_work_queued %d\n"
            "# HELP imgcolor_work_slots Heavy requests that may compute at once.\n"
            "# TYPE imgcolor_work_slots gauge\nimgcolor_work_slots %d\n",
        running, waiting, st->gate.max_running);
    put(&t, "# HELP imgcolor_server_uptime_seconds Seconds since the server started.\n"
            "# TYPE imgcolor_server_uptime_seconds gauge\nimgcolor_server_uptime_seconds %.3f\n",
        (double)(srv_now_ns() - st->started_ns) / 1e9);

    if (t.failed) {
        free(t.buf);
        return NULL;
    }
    *len = t.len;
    return t.buf;
}
