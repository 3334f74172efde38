/* front_conn.h: the front's internal state, shared by front.c (listening, the loop, the
 * limits) and front_conn.c (one connection's requests, relayed). Not used elsewhere. */
#ifndef IMGCOLOR_FRONT_CONN_H
#define IMGCOLOR_FRONT_CONN_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "front.h"

#define FRONT_LISTENERS_MAX 8
#define FRONT_FD_RESERVE 64         /* civetweb's own descriptors, logs, key reloads */
#define FRONT_CONN_COST (64u << 10) /* memory a connection may cost, kernel buffers too */
#define FRONT_SWEEP_MS 50           /* how often deadlines are checked */
#define FRONT_READ 16384            /* bytes read from a client at a time */
#define FRONT_BODY_READ (64u << 10) /* the same, straight into a body's buffer */
#define FRONT_RELAY_WRITE (256u << 10) /* request bytes written to civetweb an event: one
                                         * large upload never holds up the loop for long */
#define FRONT_LIGHT_RESERVE 16      /* relays heavy requests leave to light ones */
#define FRONT_RELAY_WINDOW (1u << 20) /* response bytes buffered ahead of a slow reader */
#define FRONT_DRAIN_MS 2000         /* after an early answer: reading what the peer still */
#define FRONT_DRAIN_BYTES (1u << 20) /* sends, before closing, at most this long and much */
#define FRONT_BACKEND_MS 120000     /* handling, past the queue timeout */
#define FRONT_SNDBUF (256 << 10)    /* a client socket's send buffer (the kernel doubles it) */

typedef enum front_state {
    FC_FREE,
    FC_HEAD,    /* reading a request head (or idle between requests) */
    FC_BODY,    /* reading its body */
    FC_WAIT,    /* complete, waiting for a free civetweb worker */
    FC_RELAY,   /* sent to civetweb, its answer on the way back */
    FC_DRAIN    /* answered and shut down for writing; reading until the peer closes */
} front_state;

typedef struct front_conn {
    int fd, bfd;               /* the client's socket, the one to civetweb (-1: none) */
    uint8_t state;
    uint8_t metrics;           /* accepted on the --metrics-listen port */
    uint8_t keep;              /* the client may send another request afterwards */
    uint8_t is_head;           /* HEAD request: the answer has no body */
    uint8_t resp_head;         /* the answer's head has been seen and rewritten */
    uint8_t backend_eof;       /* civetweb closed: the answer is complete */
    uint8_t close_after;       /* close once the answer is written */
    uint8_t writing;           /* EPOLLOUT wanted on the client */
    int active;                /* index in the front's list of live connections */
    int next_wait;             /* next in the queue for a worker, -1: last */
    uint8_t counted;           /* a request is in progress (counted in busy) */
    uint8_t answered;          /* the answer's first byte is on its way */
    uint8_t heavy;             /* for a heavy route: relayed within heavy_max */
    uint8_t idle;              /* waiting for another request on a kept-alive connection */
    uint8_t paused;            /* reading from civetweb paused: the window is full */
    uint8_t addr_key[17];      /* the address's key in the per-address table */
    uint64_t deadline;         /* of the phase the connection is in */
    uint64_t start_ns;         /* the request's first byte, for the log */
    char peer[48];
    char path[64];             /* the request's path, for the log */
    char *in;                  /* bytes read from the client, not yet consumed */
    size_t in_len, in_cap, scan;
    srv_http_head *head;       /* the request being read */
    char *body;                /* its body, de-chunked */
    size_t body_len, body_cap;
    srv_chunked chunk;
    char *fwd;                 /* the head sent to civetweb */
    size_t fwd_len, sent;      /* bytes of fwd + body sent */
    char *out;                 /* the answer, on its way to the client */
    size_t out_len, out_cap, out_sent;
    uint64_t drained;
} front_conn;

/* Complete requests waiting for a relay, first come first served (linked by next_wait). */
typedef struct front_queue {
    int head, tail;
} front_queue;

/* Connections per address (IPv4, or the /64 of IPv6), in an open-addressing table. */
typedef struct front_addr {
    uint8_t key[17];           /* family byte, then the address bytes that count */
    uint32_t count;            /* 0: free */
} front_addr;

struct srv_front {
    srv_state *st;
    pthread_t thread;
    int started;
    atomic_int stopping;
    atomic_int busy;           /* requests in progress */
    int epfd, wakefd;
    struct {
        int fd;
        int metrics;
    } listeners[FRONT_LISTENERS_MAX];
    int n_listeners, listening;
    int port, metrics_port, backend_port;
    uint64_t relisten_ns;
    int emfile_logged;
    long fd_limit;
    int max_conns, per_addr;   /* connection limits */
    uint64_t body_budget, body_bytes; /* bytes of bodies buffered at once */
    int backend_max, backend_n; /* relays to civetweb at once */
    int heavy_max, heavy_n;    /* of them for heavy routes (images, pie charts) */
    front_queue waiting[2];    /* complete requests waiting for a relay: light, heavy */
    front_conn *conns;         /* max_conns of them */
    int *free_list, n_free;
    int *live, n_conns;        /* indices of live connections */
    front_addr *addrs;
    uint32_t addr_mask;
};

/* front_pool.c */
int srv_front_conns_init(srv_front *f);
front_conn *srv_front_conn_new(srv_front *f, int *idx);
void srv_front_conn_release(srv_front *f, front_conn *c);
void srv_front_addr_key(const struct sockaddr_storage *ss, uint8_t key[17], char *text,
                        size_t size);
int srv_front_addr_take(srv_front *f, const uint8_t key[17]);
void srv_front_addr_give(srv_front *f, const uint8_t key[17]);

/* front_conn.c */
void srv_front_conns_free(srv_front *f);
/* A new client connection; refused (503) past its address's limit. */
void srv_front_conn_accept(srv_front *f, int fd, const struct sockaddr_storage *ss,
                           int metrics);
void srv_front_client_event(srv_front *f, uint32_t idx, uint32_t events);
void srv_front_backend_event(srv_front *f, uint32_t idx, uint32_t events);
/* Acts on every deadline that has passed. */
void srv_front_sweep(srv_front *f, uint64_t now);

#endif
