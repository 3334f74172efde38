/* front.c: the event-driven front of imgcolor-server. One thread with epoll owns the
 * public sockets; each connection is a few hundred bytes of state and non-blocking I/O.
 * It reads a request head and body under one deadline and byte limits, checks them
 * strictly (httpparse.c), answers what is malformed, slow or too large itself, and only
 * then relays the complete request to civetweb on a private loopback port, with the
 * per-process secret and the client's address, and relays the answer back under a
 * write deadline with bounded buffering. civetweb's workers thus only ever serve
 * complete requests from a fast local peer, and no peer's timing can hold one. */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "front.h"
#include "front_conn.h"

#define EV_CLIENT 0u
#define EV_BACKEND 1u
#define EV_LISTENER 2u
#define EV_WAKE 3u
#define EV_TAG(kind, idx) (((uint64_t)(idx) << 2) | (kind))

static uint64_t ms_ns(int ms)
{
    return (uint64_t)ms * 1000000u;
}

/* ------------------------------------------------------------------------------------ */
/* Listening                                                                             */

/* Splits "ADDR:PORT" or "[V6]:PORT" into host and port; returns 0 or -1. */
static int split_host_port(const char *text, char *host, size_t size, int *port)
{
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text)
        return -1;
    size_t hl = (size_t)(colon - text);
    const char *h = text;
    if (text[0] == '[') {
        if (hl < 3 || text[hl - 1] != ']')
            return -1;
        h++;
        hl -= 2;
    }
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (hl == 0 || hl >= size || *end || end == colon + 1 || p < 0 || p > 65535)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (int)p;
    return 0;
}

/* Binds every address host resolves to on port (0: one free port, the same for all).
 * IPv6 sockets serve IPv6 only when the name also gave IPv4 addresses; "::" alone
 * serves both. Returns the number of sockets added, or -1 with why. */
static int bind_all(srv_front *f, const char *host, int port, int metrics, int *bound,
                    char *why, size_t size)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0) {
        snprintf(why, size, "cannot resolve \"%s\": %s", host, gai_strerror(rc));
        return -1;
    }
    int have4 = 0, added = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next)
        have4 |= a->ai_family == AF_INET;
    *bound = port;
    for (struct addrinfo *a = res; a && rc == 0; a = a->ai_next) {
        if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) ||
            f->n_listeners >= FRONT_LISTENERS_MAX)
            continue;
        struct sockaddr_storage ss;
        memcpy(&ss, a->ai_addr, a->ai_addrlen);
        if (a->ai_family == AF_INET)
            ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)*bound);
        else
            ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)*bound);
        int fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1, v6only = have4;
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
            (a->ai_family == AF_INET6 &&
             setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) != 0) ||
            bind(fd, (struct sockaddr *)&ss, a->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
            snprintf(why, size, "cannot listen on %s port %d: %s", host, *bound,
                     strerror(errno));
            if (fd >= 0)
                close(fd);
            rc = -1;
            break;
        }
        if (*bound == 0) {
            socklen_t sl = sizeof ss;
            getsockname(fd, (struct sockaddr *)&ss, &sl);
            *bound = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                                   : ((struct sockaddr_in6 *)&ss)->sin6_port);
        }
        f->listeners[f->n_listeners].fd = fd;
        f->listeners[f->n_listeners].metrics = metrics;
        f->n_listeners++;
        added++;
    }
    freeaddrinfo(res);
    if (rc == 0 && added == 0) {
        snprintf(why, size, "\"%s\" gave no IPv4 or IPv6 address", host);
        rc = -1;
    }
    return rc ? -1 : added;
}

/* The connection limits: never past the descriptor limit (raised to its hard maximum
 * first), less what civetweb's workers and the relays to them need, and no more than a
 * quarter of memory at FRONT_CONN_COST each. */
static int size_limits(srv_front *f, const srv_config *cfg, char *why, size_t size)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max > (1u << 20) ? (1u << 20) : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    long nofile = rl.rlim_cur == RLIM_INFINITY ? (1L << 20) : (long)rl.rlim_cur;
    f->fd_limit = nofile;
    /* each relay: the front's socket and civetweb's; then civetweb's own and spares */
    long by_fd = nofile - 2L * cfg->threads - FRONT_FD_RESERVE;
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    uint64_t mem = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize : 1u << 30;
    long by_mem = (long)(mem / 4 / FRONT_CONN_COST);
    long n = by_fd < by_mem ? by_fd : by_mem;
    if (cfg->max_connections > 0 && cfg->max_connections < n)
        n = cfg->max_connections;
    f->max_conns = (int)n;
    f->per_addr = cfg->max_connections_per_address;
    f->body_budget = mem / 4;
    f->backend_max = cfg->threads;
    /* heavy requests wait for the gate inside civetweb, holding a worker each: some
     * workers are kept for health checks and light requests whatever heavy ones do */
    f->heavy_max = cfg->threads > 2 * FRONT_LIGHT_RESERVE ? cfg->threads - FRONT_LIGHT_RESERVE
                                                          : (cfg->threads + 1) / 2;
    if (n < 16) {
        snprintf(why, size, "the descriptor limit (%ld) leaves room for %ld connections with "
                 "--threads %d; raise ulimit -n or lower --threads", nofile, n, cfg->threads);
        return -1;
    }
    return 0;
}

/* 256 bits from getrandom(), as 64 hex digits. Returns 0 or -1. */
static int make_secret(char out[65])
{
    uint8_t b[32];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
        return -1;
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}

int srv_front_open(srv_front **out, srv_state *st, char *why, size_t size)
{
    *out = NULL;
    srv_front *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(why, size, "out of memory");
        return -1;
    }
    f->st = st;
    f->epfd = f->wakefd = -1;
    const srv_config *cfg = &st->cfg;
    int rc = bind_all(f, cfg->host, cfg->port, 0, &f->port, why, size);
    if (rc > 0 && cfg->metrics_listen[0]) {
        char host[96];
        int mport;
        if (split_host_port(cfg->metrics_listen, host, sizeof host, &mport) != 0) {
            snprintf(why, size, "--metrics-listen: expected ADDR:PORT");
            rc = -1;
        } else {
            rc = bind_all(f, host, mport, 1, &f->metrics_port, why, size);
        }
    }
    if (rc > 0 && size_limits(f, cfg, why, size) != 0)
        rc = -1;
    if (rc > 0)
        rc = srv_front_conns_init(f);
    if (rc >= 0 && make_secret(st->front_secret) != 0) {
        snprintf(why, size, "no randomness available for the front's secret");
        rc = -1;
    }
    if (rc < 0) {
        if (!why[0])
            snprintf(why, size, "out of memory");
        srv_front_free(f);
        return -1;
    }
    if (cfg->max_connections > f->max_conns)
        srv_log(st, "warn", "--max-connections %d is past what the descriptor limit (%ld) "
                "allows: %d", cfg->max_connections, f->fd_limit, f->max_conns);
    *out = f;
    return 0;
}

int srv_front_port(const srv_front *f)
{
    return f->port;
}

int srv_front_metrics_port(const srv_front *f)
{
    return f->metrics_port;
}

int srv_front_max_connections(const srv_front *f)
{
    return f->max_conns;
}

int srv_front_busy(const srv_front *f)
{
    return atomic_load(&f->busy);
}

/* Listeners on or off: off while every connection slot is taken, or for a moment after
 * the process ran out of descriptors, so that accept never spins. */
static void listeners_enable(srv_front *f, int on)
{
    if (f->listening == on)
        return;
    for (int i = 0; i < f->n_listeners; i++) {
        struct epoll_event ev = {.events = on ? EPOLLIN : 0,
                                 .data.u64 = EV_TAG(EV_LISTENER, i)};
        epoll_ctl(f->epfd, EPOLL_CTL_MOD, f->listeners[i].fd, &ev);
    }
    f->listening = on;
}

static void accept_some(srv_front *f, int li)
{
    for (int k = 0; k < 64; k++) {
        if (f->n_conns >= f->max_conns) {
            listeners_enable(f, 0);
            return;
        }
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(f->listeners[li].fd, (struct sockaddr *)&ss, &sl,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                listeners_enable(f, 0);
                f->relisten_ns = srv_now_ns() + ms_ns(100);
                if (!f->emfile_logged++)
                    srv_log(f->st, "warn", "out of descriptors: not accepting for 100 ms");
            }
            return;
        }
        srv_front_conn_accept(f, fd, &ss, f->listeners[li].metrics);
    }
}

/* ------------------------------------------------------------------------------------ */
/* The loop                                                                              */

static void *front_main(void *arg)
{
    srv_front *f = arg;
    struct epoll_event evs[256];
    uint64_t next_sweep = 0;
    while (!atomic_load(&f->stopping)) {
        int n = epoll_wait(f->epfd, evs, 256, FRONT_SWEEP_MS);
        for (int i = 0; i < n; i++) {
            uint64_t tag = evs[i].data.u64;
            uint32_t idx = (uint32_t)(tag >> 2);
            switch (tag & 3u) {
            case EV_LISTENER: accept_some(f, (int)idx); break;
            case EV_CLIENT: srv_front_client_event(f, idx, evs[i].events); break;
            case EV_BACKEND: srv_front_backend_event(f, idx, evs[i].events); break;
            default: {
                uint64_t v;
                if (read(f->wakefd, &v, sizeof v) < 0)
                    v = 0;
            }
            }
        }
        uint64_t now = srv_now_ns();
        if (now >= next_sweep) {
            next_sweep = now + ms_ns(FRONT_SWEEP_MS);
            /* On shutdown the front goes on relaying: civetweb answers new requests 503
             * (shutting down) and every answer closes its connection, so a request on its
             * way when the signal came is answered, never reset. */
            srv_front_sweep(f, now);
            if (!f->listening && f->n_conns < f->max_conns && now >= f->relisten_ns)
                listeners_enable(f, 1);
        }
    }
    return NULL;
}

int srv_front_start(srv_front *f, int backend_port)
{
    f->backend_port = backend_port;
    f->epfd = epoll_create1(EPOLL_CLOEXEC);
    f->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (f->epfd < 0 || f->wakefd < 0)
        return -1;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = EV_TAG(EV_WAKE, 0)};
    if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, f->wakefd, &ev) != 0)
        return -1;
    for (int i = 0; i < f->n_listeners; i++) {
        ev.events = EPOLLIN;
        ev.data.u64 = EV_TAG(EV_LISTENER, i);
        if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, f->listeners[i].fd, &ev) != 0)
            return -1;
    }
    f->listening = 1;
    if (pthread_create(&f->thread, NULL, front_main, f) != 0)
        return -1;
    f->started = 1;
    return 0;
}

void srv_front_free(srv_front *f)
{
    if (!f)
        return;
    if (f->started) {
        atomic_store(&f->stopping, 1);
        uint64_t one = 1;
        if (write(f->wakefd, &one, sizeof one) < 0)
            one = 0;
        pthread_join(f->thread, NULL);
    }
    srv_front_conns_free(f);
    for (int i = 0; i < f->n_listeners; i++)
        close(f->listeners[i].fd);
    if (f->epfd >= 0)
        close(f->epfd);
    if (f->wakefd >= 0)
        close(f->wakefd);
    free(f);
}
