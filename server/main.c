/* main.c: imgcolor-server's command line (flags, IMGCOLOR_* environment variables,
 * --help), civetweb start-up, and the shutdown sequence: on SIGINT/SIGTERM stop taking
 * work, let in-flight requests finish, then stop civetweb and exit 0. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

/* The one global: set by the signal handler, read by the main loop. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

/* One row per setting: the flag, its environment variable, default and meaning. The
 * same table drives parsing, the environment and --help, so they cannot disagree. */
typedef enum opt_kind { OPT_INT, OPT_U64, OPT_STR, OPT_LOG } opt_kind;

typedef struct opt_row {
    const char *flag;
    const char *env;
    opt_kind kind;
    long long min, max;
    size_t offset; /* into srv_config */
    size_t size;   /* for strings */
    const char *def;
    const char *help;
} opt_row;

#define CFG(field) offsetof(srv_config, field), sizeof(((srv_config *)0)->field)

static const opt_row opts[] = {
    {"host", "IMGCOLOR_HOST", OPT_STR, 0, 0, CFG(host), "127.0.0.1",
     "address to listen on (IPv4 literal)"},
    {"port", "IMGCOLOR_PORT", OPT_INT, 0, 65535, CFG(port), "5000",
     "port to listen on; 0 picks a free one and reports it"},
    {"threads", "IMGCOLOR_THREADS", OPT_INT, 2, 1024, CFG(threads), "32",
     "worker threads: the most connections served at once (an idle keep-alive connection "
     "holds one)"},
    {"max-body-bytes", "IMGCOLOR_MAX_BODY_BYTES", OPT_U64, 1, 1LL << 40, CFG(max_body_bytes),
     "20971520", "largest request body (20 MiB), checked before reading"},
    {"max-json-bytes", "IMGCOLOR_MAX_JSON_BYTES", OPT_U64, 1, 1LL << 40, CFG(max_json_bytes),
     "1048576", "largest body that is not an image (JSON, url-encoded forms)"},
    {"max-pixels", "IMGCOLOR_MAX_PIXELS", OPT_U64, 1, 1LL << 40, CFG(max_pixels), "40000000",
     "largest image, width x height, checked from its header before decoding"},
    {"max-k", "IMGCOLOR_MAX_K", OPT_INT, 1, IMGCOLOR_K_MAX, CFG(max_k), "64",
     "largest number of clusters a request may ask for"},
    {"max-list", "IMGCOLOR_MAX_LIST", OPT_INT, 1, 1000000, CFG(max_list), "1024",
     "most items in rgbs, colors and counts lists"},
    {"max-fields", "IMGCOLOR_MAX_FIELDS", OPT_INT, 1, 1000, CFG(max_fields), "16",
     "most form fields (or query parameters) in a request"},
    {"request-timeout-ms", "IMGCOLOR_REQUEST_TIMEOUT_MS", OPT_INT, 100, 3600000,
     CFG(request_timeout_ms), "30000",
     "a request's body must arrive within this; also bounds each network read and write"},
    {"keep-alive-timeout-ms", "IMGCOLOR_KEEP_ALIVE_TIMEOUT_MS", OPT_INT, 0, 3600000,
     CFG(keep_alive_timeout_ms), "5000", "idle keep-alive connections close after this"},
    {"shutdown-timeout-ms", "IMGCOLOR_SHUTDOWN_TIMEOUT_MS", OPT_INT, 0, 3600000,
     CFG(shutdown_timeout_ms), "30000",
     "on SIGTERM/SIGINT, how long in-flight requests may take to finish"},
    {"kmeans-threads", "IMGCOLOR_KMEANS_THREADS", OPT_INT, 0, 64, CFG(kmeans_threads), "1",
     "library threads per request (0: one per core); requests already run in parallel"},
    {"log-format", "IMGCOLOR_LOG_FORMAT", OPT_LOG, 0, 0, CFG(log_format), "json",
     "access log on stderr: json (JSON Lines) or text"},
    {"port-file", "IMGCOLOR_PORT_FILE", OPT_STR, 0, 0, CFG(port_file), "",
     "write the bound port to this file once listening"},
};
#define NOPTS (sizeof opts / sizeof opts[0])

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: imgcolor-server [OPTIONS]\n"
            "\n"
            "HTTP front end of libimgcolor %s: the prominent colours of images, their hex\n"
            "codes and pie charts, compatible with the Flask lesson's client code.\n"
            "Each option can also be set by the environment variable shown; a flag wins.\n"
            "\n",
            imgcolor_version());
    for (size_t i = 0; i < NOPTS; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s=%s", opts[i].flag,
                 opts[i].kind == OPT_STR ? "TEXT" : opts[i].kind == OPT_LOG ? "FMT" : "N");
        fprintf(f, "  %-28s %s\n  %-28s [env %s, default %s]\n", left, opts[i].help, "",
                opts[i].env, opts[i].def[0] ? opts[i].def : "none");
    }
    fprintf(f, "  %-28s %s\n  %-28s %s\n  %-28s %s\n\n", "--list-routes",
            "print the routes served (method and path) and exit", "--version",
            "print the version and exit", "--help", "print this help and exit");
    fprintf(f, "Endpoints: POST /prominent-colors, /rgb2hex, /centroids (the lesson's),\n"
               "POST /v1/prominent-colors, /v1/rgb2hex, /v1/centroids, GET /healthz,\n"
               "/readyz, /metrics, /openapi.json. See docs/SERVER.md.\n");
}

/* Stores text into the field of row; returns 0, or -1 with a message. */
static int set_option(srv_config *cfg, const opt_row *row, const char *text, const char *from)
{
    char *base = (char *)cfg + row->offset;
    char *end = NULL;
    switch (row->kind) {
    case OPT_STR:
        if (strlen(text) >= row->size) {
            fprintf(stderr, "imgcolor-server: %s: value too long\n", from);
            return -1;
        }
        memcpy(base, text, strlen(text) + 1);
        return 0;
    case OPT_LOG:
        if (strcmp(text, "json") == 0)
            *(srv_log_format *)(void *)base = SRV_LOG_JSON;
        else if (strcmp(text, "text") == 0)
            *(srv_log_format *)(void *)base = SRV_LOG_TEXT;
        else {
            fprintf(stderr, "imgcolor-server: %s: expected json or text, got \"%s\"\n", from,
                    text);
            return -1;
        }
        return 0;
    case OPT_INT:
    case OPT_U64: {
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (errno || end == text || *end || v < row->min || v > row->max) {
            fprintf(stderr, "imgcolor-server: %s: expected an integer in %lld..%lld, got \"%s\"\n",
                    from, row->min, row->max, text);
            return -1;
        }
        if (row->kind == OPT_INT)
            *(int *)(void *)base = (int)v;
        else
            *(uint64_t *)(void *)base = (uint64_t)v;
        return 0;
    }
    }
    return -1;
}

/* Defaults, then the environment, then flags. Returns 0 to run, 1 to exit 0, 2 on error. */
static int configure(srv_config *cfg, int argc, char **argv, int *list_routes)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NOPTS; i++)
        if (set_option(cfg, &opts[i], opts[i].def, opts[i].flag) != 0)
            return 2;
    for (size_t i = 0; i < NOPTS; i++) {
        const char *v = getenv(opts[i].env);
        if (v && set_option(cfg, &opts[i], v, opts[i].env) != 0)
            return 2;
    }

    struct option longopts[NOPTS + 4];
    for (size_t i = 0; i < NOPTS; i++)
        longopts[i] = (struct option){opts[i].flag, required_argument, NULL, (int)(256 + i)};
    longopts[NOPTS] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[NOPTS + 1] = (struct option){"version", no_argument, NULL, 'V'};
    longopts[NOPTS + 2] = (struct option){"list-routes", no_argument, NULL, 'L'};
    longopts[NOPTS + 3] = (struct option){NULL, 0, NULL, 0};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 1;
        } else if (c == 'V') {
            printf("imgcolor-server %s (civetweb %s)\n", imgcolor_version(), mg_version());
            return 1;
        } else if (c == 'L') {
            *list_routes = 1;
        } else if (c >= 256 && (size_t)(c - 256) < NOPTS) {
            char from[64];
            snprintf(from, sizeof from, "--%s", opts[c - 256].flag);
            if (set_option(cfg, &opts[c - 256], optarg, from) != 0)
                return 2;
        } else {
            fprintf(stderr, "imgcolor-server: unknown or incomplete option \"%s\"; see --help\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "imgcolor-server: unexpected argument \"%s\"; see --help\n", argv[optind]);
        return 2;
    }
    if (strchr(cfg->host, ':') || strchr(cfg->host, ',') || !cfg->host[0]) {
        fprintf(stderr, "imgcolor-server: --host: expected an IPv4 address\n");
        return 2;
    }
    return 0;
}

static int civetweb_log(const struct mg_connection *conn, const char *message)
{
    srv_log(mg_get_user_data(mg_get_context(conn)), "error", "civetweb: %s", message);
    return 1;
}

/* Connections a worker holds, idle keep-alive ones included: shutdown waits for them,
 * since a request may be on its way on any of them. */
static int on_connection_open(const struct mg_connection *conn, void **conn_data)
{
    srv_state *st = mg_get_user_data(mg_get_context(conn));
    atomic_fetch_add(&st->metrics.connections, 1);
    *conn_data = NULL;
    return 0;
}

static void on_connection_close(const struct mg_connection *conn)
{
    srv_state *st = mg_get_user_data(mg_get_context(conn));
    atomic_fetch_sub(&st->metrics.connections, 1);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Finishes in-flight requests before civetweb stops: mg_stop() cuts any response still
 * being written, so first refuse new work (503 + Connection: close; every response now
 * closes its connection) and wait until no request is in flight and no worker holds a
 * connection for a short quiet period, or the timeout has passed. An idle keep-alive
 * connection can hold this up to --keep-alive-timeout-ms. */
static void drain(srv_state *st)
{
    atomic_store(&st->draining, 1);
    uint64_t deadline = srv_now_ns() + (uint64_t)st->cfg.shutdown_timeout_ms * 1000000u;
    int quiet = 0;
    while (quiet < 5 && srv_now_ns() < deadline) {
        sleep_ms(20);
        int idle = atomic_load(&st->metrics.in_flight) == 0 &&
                   atomic_load(&st->metrics.connections) == 0;
        quiet = idle ? quiet + 1 : 0;
    }
    int64_t left = atomic_load(&st->metrics.in_flight);
    if (left)
        srv_log(st, "warn", "shutdown timeout: %lld requests still in flight", (long long)left);
}

int main(int argc, char **argv)
{
    srv_state *st = calloc(1, sizeof *st); /* reached by handlers only through cbdata */
    if (!st)
        return 1;
    int list_routes = 0;
    int rc = configure(&st->cfg, argc, argv, &list_routes);
    if (rc) {
        free(st);
        return rc == 1 ? 0 : 2;
    }
    if (list_routes) {
        size_t n;
        const srv_route *routes = srv_routes(&n);
        for (size_t i = 0; i < n; i++)
            printf("%s %s\n", routes[i].methods, routes[i].path);
        free(st);
        return 0;
    }

    const srv_config *cfg = &st->cfg;
    if (imgcolor_options_new(&st->defaults) != IMGCOLOR_OK ||
        imgcolor_options_set_max_pixels(st->defaults, cfg->max_pixels) != IMGCOLOR_OK ||
        imgcolor_options_set_max_bytes(st->defaults, cfg->max_body_bytes) != IMGCOLOR_OK ||
        imgcolor_options_set_threads(st->defaults, cfg->kmeans_threads) != IMGCOLOR_OK) {
        fprintf(stderr, "imgcolor-server: cannot set up the library options\n");
        imgcolor_options_free(st->defaults);
        free(st);
        return 1;
    }
    st->started_ns = srv_now_ns();

    char ports[96], threads[16], timeout[16], keepalive[16], linger[16];
    snprintf(ports, sizeof ports, "%s:%d", cfg->host, cfg->port);
    snprintf(threads, sizeof threads, "%d", cfg->threads);
    snprintf(timeout, sizeof timeout, "%d", cfg->request_timeout_ms);
    snprintf(keepalive, sizeof keepalive, "%d", cfg->keep_alive_timeout_ms);
    snprintf(linger, sizeof linger, "%d", 1000);
    /* No document_root: civetweb serves no files. Queue and backlog absorb bursts while
     * every worker is busy; request_timeout_ms bounds each read and write so a stalled
     * client cannot hold a worker for long. */
    const char *options[] = {"listening_ports", ports,
                             "num_threads", threads,
                             "request_timeout_ms", timeout,
                             "enable_keep_alive", "yes",
                             "keep_alive_timeout_ms", keepalive,
                             "linger_timeout_ms", linger,
                             "connection_queue", "64",
                             "listen_backlog", "128",
                             "decode_url", "yes",
                             "tcp_nodelay", "1",
                             NULL};
    struct mg_callbacks callbacks;
    memset(&callbacks, 0, sizeof callbacks);
    callbacks.http_error = srv_civetweb_error;
    callbacks.log_message = civetweb_log;
    callbacks.init_connection = on_connection_open;
    callbacks.connection_close = on_connection_close;

    mg_init_library(0);
    struct mg_context *ctx = mg_start(&callbacks, st, options);
    if (!ctx) {
        srv_log(st, "error", "cannot listen on %s", ports);
        imgcolor_options_free(st->defaults);
        mg_exit_library();
        free(st);
        return 1;
    }
    /* Every request, whatever its path, goes to the one dispatcher. */
    mg_set_request_handler(ctx, "**", srv_dispatch, st);

    /* mg_start ignores SIGPIPE; handlers installed after it, as civetweb asks. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct mg_server_port port;
    int bound = mg_get_server_ports(ctx, 1, &port) == 1 ? port.port : cfg->port;
    if (cfg->port_file[0]) {
        char tmp[600];
        snprintf(tmp, sizeof tmp, "%s.tmp", cfg->port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%d\n", bound) < 0 || fclose(f) != 0 ||
            rename(tmp, cfg->port_file) != 0)
            srv_log(st, "error", "cannot write %s", cfg->port_file);
    }
    srv_log(st, "info", "imgcolor-server %s listening on http://%s:%d (%d threads)",
            imgcolor_version(), cfg->host, bound, cfg->threads);

    while (!stop_signal)
        sleep_ms(100);
    srv_log(st, "info", "signal %d: finishing in-flight requests", (int)stop_signal);
    drain(st);
    mg_stop(ctx);
    mg_exit_library();
    imgcolor_options_free(st->defaults);
    srv_log(st, "info", "stopped");
    free(st);
    return 0;
}
