/* main.c: imgcolor-server's command line (flags, IMGCOLOR_* environment variables,
 * --help, the new-key subcommand), the server state, the listener (civetweb started on
 * the configured ports, stopped at the end), key reloads on SIGHUP, and the shutdown
 * sequence: on SIGINT/SIGTERM stop taking work, let in-flight requests finish, then
 * stop the listener and exit 0. main() runs these steps in order, with one exit. */
#include <errno.h>
#include <malloc.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "front.h"

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
     "address to listen on: IPv4 or IPv6 literal (:: for all), or a name (every address "
     "it resolves to)"},
    {"port", "IMGCOLOR_PORT", OPT_INT, 0, 65535, CFG(port), "5000",
     "port to listen on; 0 picks a free one and reports it"},
    {"threads", "IMGCOLOR_THREADS", OPT_INT, 2, 1024, CFG(threads), "64",
     "civetweb worker threads: complete requests handled at once (slow and idle clients "
     "are held by the front, not by a worker)"},
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
     CFG(request_timeout_ms), "10000",
     "a request's head and body together must arrive within this of its first byte (of "
     "the connection, for the first), and its answer be read within it; else 408 or cut off"},
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
     "write the bound port (and the metrics port, if any) to this file once listening"},
    {"max-n-init", "IMGCOLOR_MAX_N_INIT", OPT_INT, 1, 1000, CFG(max_n_init), "20",
     "most k-means restarts (n_init) a request may ask for"},
    {"max-pie-side", "IMGCOLOR_MAX_PIE_SIDE", OPT_INT, 16, 8192, CFG(max_pie_side), "2048",
     "largest pie chart or swatch strip width or height"},
    {"max-concurrent", "IMGCOLOR_MAX_CONCURRENT", OPT_INT, 0, 1024, CFG(max_concurrent), "0",
     "heavy requests (images, pie charts) computing at once; 0: one per core"},
    {"max-queue", "IMGCOLOR_MAX_QUEUE", OPT_INT, 0, 100000, CFG(max_queue), "32",
     "heavy requests waiting for a slot; beyond it 503 with Retry-After"},
    {"queue-timeout-ms", "IMGCOLOR_QUEUE_TIMEOUT_MS", OPT_INT, 1, 3600000,
     CFG(queue_timeout_ms), "10000", "longest wait for a slot before 503"},
    {"rate-limit", "IMGCOLOR_RATE_LIMIT", OPT_INT, 0, 1000000, CFG(rate_limit), "0",
     "requests a second per client (API key, else address); 0: no limit; beyond it 429"},
    {"rate-burst", "IMGCOLOR_RATE_BURST", OPT_INT, 1, 1000000, CFG(rate_burst), "40",
     "requests a client may send at once before the rate applies"},
    {"cost-rate-ms", "IMGCOLOR_COST_RATE_MS", OPT_INT, 0, 1000000, CFG(cost_rate_ms), "1000",
     "worker milliseconds a second per client (API key, else address), charged as "
     "requests end; in debt: 429; 1000 or more never refuses one request at a time; "
     "0: no limit"},
    {"cost-burst-ms", "IMGCOLOR_COST_BURST_MS", OPT_INT, 1, 3600000, CFG(cost_burst_ms),
     "30000", "worker time a client may use at once before the cost rate applies"},
    {"time-limit-ms", "IMGCOLOR_TIME_LIMIT_MS", OPT_INT, 0, 86400000, CFG(time_limit_ms),
     "10000", "CPU time an image may cost (decoding and clustering, all its threads); "
     "beyond it 422; 0: no limit"},
    {"api-keys", "IMGCOLOR_API_KEYS", OPT_STR, 0, 0, CFG(api_keys), "",
     "file of SHA-256 key hashes (see new-key); every route but /healthz and /readyz then "
     "needs a key; re-read on SIGHUP"},
    {"metrics-listen", "IMGCOLOR_METRICS_LISTEN", OPT_STR, 0, 0, CFG(metrics_listen), "",
     "ADDR:PORT serving /metrics (open) apart from the API port, which then has none"},
    {"cors-origins", "IMGCOLOR_CORS_ORIGINS", OPT_STR, 0, 0, CFG(cors_origins), "",
     "comma-separated origins allowed cross-origin requests; none by default"},
    {"tls-cert", "IMGCOLOR_TLS_CERT", OPT_STR, 0, 0, CFG(tls_cert), "",
     "PEM certificate chain: serve HTTPS (checked at start; see docs/SECURITY.md)"},
    {"tls-key", "IMGCOLOR_TLS_KEY", OPT_STR, 0, 0, CFG(tls_key), "",
     "PEM private key for --tls-cert"},
    {"trusted-proxy", "IMGCOLOR_TRUSTED_PROXY", OPT_STR, 0, 0, CFG(trusted_proxy), "",
     "address of the TLS proxy in front: its X-Real-IP header names the client"},
    {"max-connections", "IMGCOLOR_MAX_CONNECTIONS", OPT_INT, 0, 1 << 20, CFG(max_connections),
     "0", "client connections held at once; 0: as many as the descriptor limit and a "
     "quarter of memory allow (never more)"},
    {"max-connections-per-address", "IMGCOLOR_MAX_CONNECTIONS_PER_ADDRESS", OPT_INT, 0,
     1 << 20, CFG(max_connections_per_address), "128",
     "of them from one address (IPv6: one /64); beyond it 503; 0: no limit"},
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
    fprintf(f, "Usage: imgcolor-server new-key LABEL\n"
               "  prints a new random API key on the first line and, on the second, the\n"
               "  line to append to the --api-keys file (its SHA-256 hash and LABEL).\n\n");
    fprintf(f, "Endpoints: POST /prominent-colors, /rgb2hex, /centroids (the lesson's),\n"
               "POST /v1/prominent-colors, /v1/rgb2hex, /v1/centroids, /v1/map, GET /healthz,\n"
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

/* The defaults, then the environment over them. Returns 0 or 2 on error. */
static int configure_defaults(srv_config *cfg)
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
    return 0;
}

/* The flags over the environment. Returns 0 to run, 1 to exit 0, 2 on error. */
static int configure_flags(srv_config *cfg, int argc, char **argv, int *list_routes)
{
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
    return 0;
}

/* The checks that span settings, and the defaults that depend on the machine. Returns
 * 0 or 2 on error. */
static int configure_check(srv_config *cfg)
{
    /* civetweb listens itself only for TLS, and takes IPv4 literals there */
    if (strpbrk(cfg->host, ", \t[]") || !cfg->host[0] ||
        (cfg->tls_cert[0] && strchr(cfg->host, ':'))) {
        fprintf(stderr, "imgcolor-server: --host: expected an address or a host name%s\n",
                cfg->tls_cert[0] ? " (IPv4 with --tls-cert)" : "");
        return 2;
    }
    if (cfg->metrics_listen[0] && (!strchr(cfg->metrics_listen, ':') ||
                                   strpbrk(cfg->metrics_listen, ", \t") ||
                                   cfg->metrics_listen[0] == ':')) {
        fprintf(stderr, "imgcolor-server: --metrics-listen: expected ADDR:PORT\n");
        return 2;
    }
    if (!cfg->tls_cert[0] != !cfg->tls_key[0]) {
        fprintf(stderr, "imgcolor-server: --tls-cert and --tls-key go together\n");
        return 2;
    }
    if (cfg->max_concurrent == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->max_concurrent = cores > 0 && cores < 1024 ? (int)cores : 1;
    }
    return 0;
}

/* Defaults, then the environment, then flags. Returns 0 to run, 1 to exit 0, 2 on error. */
static int configure(srv_config *cfg, int argc, char **argv, int *list_routes)
{
    int rc = configure_defaults(cfg);
    if (rc == 0)
        rc = configure_flags(cfg, argc, argv, list_routes);
    return rc ? rc : configure_check(cfg);
}

/* `imgcolor-server new-key LABEL`: the key on stdout's first line (shown once, never
 * stored), the keys-file line on the second. */
static int new_key(int argc, char **argv)
{
    if (argc != 3 || !srv_key_label_valid(argv[2])) {
        fprintf(stderr, "usage: imgcolor-server new-key LABEL\n"
                        "  LABEL: 1-63 characters of A-Z a-z 0-9 - _ . @, names the key in "
                        "the access log\n");
        return 2;
    }
    char key[128], line[256];
    if (srv_key_generate(argv[2], key, sizeof key, line, sizeof line) != 0) {
        fprintf(stderr, "imgcolor-server: no randomness available for a key\n");
        return 1;
    }
    printf("%s\n%s\n", key, line);
    memset(key, 0, sizeof key);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* Re-reads the keys file; on any error the keys in use stay. */
static void reload_keys(srv_state *st)
{
    srv_keyring ring;
    char why[512];
    if (srv_keyring_load(st->cfg.api_keys, &ring, why, sizeof why) != 0) {
        srv_log(st, "error", "SIGHUP: keys not reloaded, the old ones stay: %s", why);
        return;
    }
    pthread_rwlock_wrlock(&st->keys_lock);
    srv_keyring old = st->keys;
    st->keys = ring;
    pthread_rwlock_unlock(&st->keys_lock);
    srv_keyring_free(&old);
    srv_log(st, "info", "SIGHUP: %zu API keys loaded", ring.n);
}

/* The state's locks, limiter, gate, keys and library defaults; returns 0 or -1 with a
 * message printed. state_free undoes any part of it. */
static int state_init(srv_state *st)
{
    const srv_config *cfg = &st->cfg;
    if (pthread_rwlock_init(&st->keys_lock, NULL) != 0 ||
        pthread_mutex_init(&st->json_lock, NULL) != 0 ||
        srv_ratelimit_init(&st->rate, cfg->rate_limit, cfg->rate_burst) != 0 ||
        srv_ratelimit_init(&st->cost, cfg->cost_rate_ms, cfg->cost_burst_ms) != 0 ||
        srv_gate_init(&st->gate, cfg->max_concurrent, cfg->max_queue) != 0) {
        fprintf(stderr, "imgcolor-server: out of memory\n");
        return -1;
    }
    if (cfg->api_keys[0]) {
        char why[512];
        if (srv_keyring_load(cfg->api_keys, &st->keys, why, sizeof why) != 0) {
            fprintf(stderr, "imgcolor-server: --api-keys: %s\n", why);
            return -1;
        }
        st->auth_on = 1;
    }
    if (imgcolor_options_new(&st->defaults) != IMGCOLOR_OK ||
        imgcolor_options_set_max_pixels(st->defaults, cfg->max_pixels) != IMGCOLOR_OK ||
        /* an animation's frames together are bounded as one image is */
        imgcolor_options_set_max_total_pixels(st->defaults, cfg->max_pixels) != IMGCOLOR_OK ||
        imgcolor_options_set_max_bytes(st->defaults, cfg->max_body_bytes) != IMGCOLOR_OK ||
        imgcolor_options_set_threads(st->defaults, cfg->kmeans_threads) != IMGCOLOR_OK ||
        imgcolor_options_set_time_limit_ms(st->defaults, (uint64_t)cfg->time_limit_ms) !=
            IMGCOLOR_OK) {
        fprintf(stderr, "imgcolor-server: cannot set up the library options\n");
        return -1;
    }
    st->started_ns = srv_now_ns();
    return 0;
}

static void state_free(srv_state *st)
{
    imgcolor_options_free(st->defaults);
    srv_keyring_free(&st->keys);
    srv_ratelimit_free(&st->rate);
    srv_ratelimit_free(&st->cost);
    srv_gate_free(&st->gate);
    pthread_rwlock_destroy(&st->keys_lock);
    pthread_mutex_destroy(&st->json_lock);
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
static void drain(srv_state *st, const srv_front *front)
{
    atomic_store(&st->draining, 1);
    uint64_t deadline = srv_now_ns() + (uint64_t)st->cfg.shutdown_timeout_ms * 1000000u;
    int quiet = 0;
    while (quiet < 5 && srv_now_ns() < deadline) {
        sleep_ms(20);
        int idle = atomic_load(&st->metrics.in_flight) == 0 &&
                   atomic_load(&st->metrics.connections) == 0 &&
                   (!front || srv_front_busy(front) == 0);
        quiet = idle ? quiet + 1 : 0;
    }
    int64_t left = atomic_load(&st->metrics.in_flight);
    if (left)
        srv_log(st, "warn", "shutdown timeout: %lld requests still in flight", (long long)left);
}

/* ------------------------------------------------------------------------------------ */
/* The listener: civetweb serving the API port (and the metrics port, if any)           */

typedef struct listener {
    struct mg_context *ctx;
    int library;                 /* mg_init_library was called */
    int tls;
    int port;                    /* the API port bound */
    char ports[200], threads[16], timeout[16], keepalive[16];
    const char *options[27];     /* civetweb's name/value pairs, NULL-terminated */
} listener;

/* civetweb's options for cfg, into l->options; their texts live in l too. */
static void listener_options(listener *l, const srv_config *cfg, int behind_front)
{
    /* Behind the front, civetweb listens on a free loopback port only the front uses */
    if (behind_front)
        snprintf(l->ports, sizeof l->ports, "127.0.0.1:0");
    else
        snprintf(l->ports, sizeof l->ports, "%s:%d%s%s%s", cfg->host, cfg->port,
                 l->tls ? "s" : "", cfg->metrics_listen[0] ? "," : "", cfg->metrics_listen);
    snprintf(l->threads, sizeof l->threads, "%d", cfg->threads);
    snprintf(l->timeout, sizeof l->timeout, "%d", cfg->request_timeout_ms);
    snprintf(l->keepalive, sizeof l->keepalive, "%d", cfg->keep_alive_timeout_ms);
    /* No document_root: civetweb serves no files. Queue and backlog absorb bursts while
     * every worker is busy; request_timeout_ms bounds the request head as a whole and
     * each read and write, so a stalled client cannot hold a worker for long. */
    const char *o[] = {"listening_ports", l->ports,
                       "num_threads", l->threads,
                       "request_timeout_ms", l->timeout,
                       "enable_keep_alive", "yes",
                       "keep_alive_timeout_ms", l->keepalive,
                       "linger_timeout_ms", "1000",
                       "connection_queue", "64",
                       "listen_backlog", "128",
                       "decode_url", "yes",
                       "tcp_nodelay", "1",
                       /* CORS is the dispatcher's: civetweb's own preflight
                        * answer would allow every origin */
                       "access_control_allow_origin", "",
                       "access_control_allow_methods", "",
                       "access_control_allow_headers", "",
                       NULL};
    _Static_assert(sizeof o == sizeof l->options, "listener options: one slot each");
    memcpy(l->options, o, sizeof o);
}

/* Starts civetweb on the configured ports. The state is complete (the metrics port
 * known) before the dispatcher is installed, so no request sees it change. With TLS the
 * bound port must pass the self-check. Returns 0, or -1 with the reason logged;
 * listener_stop undoes any part of it. */
static int listener_start(srv_state *st, listener *l, int behind_front)
{
    const srv_config *cfg = &st->cfg;
    l->tls = cfg->tls_cert[0] != '\0';
    listener_options(l, cfg, behind_front);
    struct mg_callbacks callbacks;
    memset(&callbacks, 0, sizeof callbacks);
    callbacks.http_error = srv_civetweb_error;
    callbacks.log_message = civetweb_log;
    callbacks.init_connection = on_connection_open;
    callbacks.connection_close = on_connection_close;
    if (l->tls)
        callbacks.init_ssl = srv_tls_init_ssl;

    mg_init_library(l->tls ? 2 : 0);
    l->library = 1;
    l->ctx = mg_start(&callbacks, st, l->options);
    if (!l->ctx) {
        if (l->tls)
            srv_log(st, "error", "cannot serve HTTPS on %s: civetweb could not set up TLS "
                    "with %s and %s. Terminate TLS in a proxy instead (deploy/nginx/)",
                    l->ports, cfg->tls_cert, cfg->tls_key);
        else
            srv_log(st, "error", "cannot listen on %s", l->ports);
        return -1;
    }
    struct mg_server_port bound[2];
    int n = mg_get_server_ports(l->ctx, 2, bound);
    l->port = n >= 1 ? bound[0].port : cfg->port;
    if (cfg->metrics_listen[0] && n == 2 && !behind_front)
        st->metrics_port = bound[1].port;
    /* Every request, whatever its path, goes to the one dispatcher. */
    mg_set_request_handler(l->ctx, "**", srv_dispatch, st);
    return l->tls ? srv_tls_check_port(st, l->port) : 0;
}

static void listener_stop(listener *l)
{
    if (l->ctx)
        mg_stop(l->ctx);
    if (l->library)
        mg_exit_library();
    l->ctx = NULL;
    l->library = 0;
}

/* ------------------------------------------------------------------------------------ */
/* Running                                                                               */

/* SIGINT, SIGTERM and SIGHUP are blocked in every thread (civetweb's threads inherit the
 * mask, so this comes before mg_start) and taken by the main loop with sigtimedwait: no
 * handler runs on a worker's stack, and no flag is shared between threads. */
static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, set, NULL);
}

/* --port-file: the bound port, and the metrics port if any, written whole (through a
 * rename) so that a reader never sees half of it. */
static void write_port_file(const srv_state *st, int port)
{
    const srv_config *cfg = &st->cfg;
    if (!cfg->port_file[0])
        return;
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", cfg->port_file);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%d\n", port) < 0 ||
        (st->metrics_port && fprintf(f, "%d\n", st->metrics_port) < 0) || fclose(f) != 0 ||
        rename(tmp, cfg->port_file) != 0)
        srv_log(st, "error", "cannot write %s", cfg->port_file);
}

static void announce(const srv_state *st, const listener *l, const srv_front *front)
{
    const srv_config *cfg = &st->cfg;
    int v6 = strchr(cfg->host, ':') != NULL;
    srv_log(st, "info", "imgcolor-server %s listening on %s://%s%s%s:%d (%d threads, %d computing, "
            "queue %d, API keys %s)", imgcolor_version(), l->tls ? "https" : "http",
            v6 ? "[" : "", cfg->host, v6 ? "]" : "", front ? srv_front_port(front) : l->port,
            cfg->threads, st->gate.max_running, cfg->max_queue,
            st->auth_on ? "required" : "off");
    if (front)
        srv_log(st, "info", "front: at most %d connections, %d per address",
                srv_front_max_connections(front), cfg->max_connections_per_address);
    if (st->metrics_port)
        srv_log(st, "info", "metrics on http://%.*s:%d/metrics",
                (int)strcspn(cfg->metrics_listen, ":"), cfg->metrics_listen, st->metrics_port);
}

/* Memory for requests. glibc left to itself raises its mmap threshold to the largest
 * block freed (up to 32 MiB), so after the first image every decode buffer comes from
 * arenas, one per thread, that never shrink: four floods of 64 clients posting a 14-MP
 * JPEG left 7.5 MB -> 419 -> 593 MB resident. Blocks of 4 MiB and more (a large image's
 * pixels, counters and trees) get their own mappings, handed back on free. Smaller ones
 * (all of a small photo's) come from one arena, where the next request finds them
 * resident instead of faulting in fresh pages (examples/1.jpg: 7.6 instead of 8.0-8.5 ms
 * of CPU a request, more where fresh pages are dear). One arena, the main one: civetweb
 * gives successive requests to different threads, and glibc deletes a thread arena's
 * extra heap as soon as it is empty. What it holds is handed back once no request is in
 * flight (trim_when_idle). docs/SECURITY.md and docs/BENCHMARKS.md have the figures;
 * tests/server/server_limits.py --case flood checks them. */
static void tune_malloc(void)
{
    mallopt(M_ARENA_MAX, 1);
    if (!mallopt(M_MMAP_THRESHOLD, 4 << 20)) /* a 32-bit glibc's largest is 512 KiB */
        mallopt(M_MMAP_THRESHOLD, 512 << 10);
    mallopt(M_TRIM_THRESHOLD, 32 << 20);
}

/* What small blocks the arenas still hold once no request has been in flight for half
 * a second (five ticks of the main loop) is trimmed too, once per busy spell. */
static void trim_when_idle(srv_state *st, int *idle_ticks, int *dirty)
{
    if (atomic_load(&st->metrics.in_flight) > 0) {
        *idle_ticks = 0;
        *dirty = 1;
    } else if (*dirty && ++*idle_ticks >= 5) {
        malloc_trim(0);
        *dirty = 0;
    }
}

/* Serves until SIGINT or SIGTERM, re-reading the keys on SIGHUP. */
static void wait_for_stop(srv_state *st, const sigset_t *set)
{
    int idle_ticks = 0, dirty = 0, sig = 0;
    const struct timespec tick = {0, 100 * 1000000L};
    while (sig != SIGINT && sig != SIGTERM) {
        sig = sigtimedwait(set, NULL, &tick);
        trim_when_idle(st, &idle_ticks, &dirty);
        if (sig == SIGHUP && st->auth_on)
            reload_keys(st);
    }
    srv_log(st, "info", "signal %d: finishing in-flight requests", sig);
}

static int print_routes(void)
{
    size_t n;
    const srv_route *routes = srv_routes(&n);
    for (size_t i = 0; i < n; i++)
        printf("%s %s\n", routes[i].methods, routes[i].path);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "new-key") == 0)
        return new_key(argc, argv);
    tune_malloc();
    int rc = 1, list_routes = 0, have_state = 0;
    srv_front *front = NULL;
    listener l;
    memset(&l, 0, sizeof l);
    srv_state *st = calloc(1, sizeof *st); /* reached by handlers only through cbdata */
    if (!st)
        goto done;
    int conf = configure(&st->cfg, argc, argv, &list_routes);
    if (conf || list_routes) {
        rc = conf == 0 ? print_routes() : conf == 1 ? 0 : 2;
        goto done;
    }
    if (st->cfg.tls_cert[0] && !mg_check_feature(2)) {
        fprintf(stderr, "imgcolor-server: --tls-cert: this civetweb was built without TLS; "
                        "terminate TLS in a proxy instead (deploy/nginx/)\n");
        goto done;
    }
    have_state = 1;
    if (state_init(st) != 0 || (st->cfg.tls_cert[0] && srv_tls_probe(st, civetweb_log) != 0))
        goto done;
    sigset_t signals;
    block_signals(&signals); /* before any thread starts, so that all inherit the mask */
    /* Without TLS the front owns the public sockets (bound first, so a port in use is
     * reported before civetweb starts) and civetweb serves it alone */
    if (!st->cfg.tls_cert[0]) {
        char why[300] = "";
        if (srv_front_open(&front, st, why, sizeof why) != 0) {
            srv_log(st, "error", "%s", why);
            goto done;
        }
        st->metrics_port = srv_front_metrics_port(front);
    }
    if (listener_start(st, &l, front != NULL) != 0)
        goto done;
    if (front && srv_front_start(front, l.port) != 0) {
        srv_log(st, "error", "cannot start the front's thread");
        goto done;
    }
    write_port_file(st, front ? srv_front_port(front) : l.port);
    announce(st, &l, front);
    wait_for_stop(st, &signals);
    drain(st, front);
    rc = 0;
done:
    srv_front_free(front);
    listener_stop(&l);
    if (rc == 0 && have_state)
        srv_log(st, "info", "stopped");
    if (have_state)
        state_free(st);
    free(st);
    return rc;
}
