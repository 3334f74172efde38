/* front.h: the event-driven front of imgcolor-server (front.c) and the strict HTTP/1.1
 * parser it runs on the raw bytes of every request (httpparse.c). The front owns the
 * public sockets; civetweb only ever sees complete, validated requests from it. */
#ifndef IMGCOLOR_FRONT_H
#define IMGCOLOR_FRONT_H

#include <stddef.h>
#include <stdint.h>

#include "server.h"

/* The headers every response carries: no MIME sniffing, no caching of results, nothing
 * a browser could load or frame, and no Server banner (civetweb 1.15 sends none when
 * the response is written by the handler). */
#define SRV_SECURITY_HEADERS                                                   \
    "X-Content-Type-Options: nosniff\r\n"                                      \
    "Cache-Control: no-store\r\n"                                              \
    "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n" \
    "Referrer-Policy: no-referrer\r\n"

/* ------------------------------------------------------------------------------------ */
/* httpparse.c: request heads, chunked bodies and paths, strictly (RFC 9110, 9112)       */

#define SRV_HTTP_HEAD_MAX 16384 /* request line and headers, through the blank line */
/* Header fields a request may carry. civetweb keeps 64 and drops the rest silently; the
 * front adds at most three of its own (X-Imgcolor-Front, Connection, Content-Length). */
#define SRV_HTTP_FIELDS_MAX 60
#define SRV_HTTP_TRAILER_MAX 8192 /* trailer fields of a chunked body */

typedef enum srv_target_kind { SRV_TARGET_ORIGIN, SRV_TARGET_ABSOLUTE, SRV_TARGET_ASTERISK }
    srv_target_kind;

/* Offsets into the head's bytes (a head is at most 16 KiB). */
typedef struct srv_http_field {
    uint16_t name, name_len, value, value_len;
} srv_http_field;

typedef struct srv_http_head {
    size_t head_len;          /* bytes through the blank line */
    int version;              /* 10 or 11 */
    char method[16];
    srv_target_kind target;
    uint16_t path, path_len;  /* the path (origin-form part of an absolute target) */
    uint16_t query, query_len;/* the query with its '?', or empty */
    int64_t content_length;   /* -1: none */
    int chunked;              /* Transfer-Encoding: chunked */
    int expect_continue;      /* Expect: 100-continue */
    int conn_close, conn_keep_alive; /* Connection tokens */
    int n_fields;
    srv_http_field fields[SRV_HTTP_FIELDS_MAX];
} srv_http_head;

/* Scans buf[*pos..len) for the end of a request head, from where the last call stopped
 * (*pos, 0 at first), so that a head arriving a byte at a time costs linear time.
 * Returns 0 while incomplete and sound so far, 1 when buf[0..*pos) is a whole head, or
 * the status to refuse it with (400 for a control byte or a bare LF, 414 for a request
 * line over the limit, 431 for a head over it), with *why a fixed reason. */
int srv_http_scan_head(const char *buf, size_t len, size_t *pos, const char **why);

/* Parses a whole head buf[0..len) (as found by srv_http_scan_head) into h. Returns 0,
 * or the status to refuse it with (400, 417, 431) and *why. Nothing is guessed:
 * obs-fold, whitespace before a colon, a Content-Length that is not plain digits or
 * appears twice, Transfer-Encoding with Content-Length or in HTTP/1.0 or other than
 * "chunked", a missing or repeated Host in HTTP/1.1, a bad path: all are refused. */
int srv_http_parse_head(const char *buf, size_t len, srv_http_head *h, const char **why);

/* Whether the path p[0..len) is one the server may route: origin-form characters,
 * valid percent-encoding, and no %00 or other control byte, no encoded slash or
 * backslash, and no dot-segment ("." or "..", encoded or not). NULL if fine, else why. */
const char *srv_http_check_path(const char *p, size_t len);

/* Whether field f of h, in buf, has the name (case-insensitive). */
int srv_http_field_is(const char *buf, const srv_http_field *f, const char *name);

typedef struct srv_chunked {
    int state;
    int digits;      /* hex digits of the chunk size so far */
    uint64_t left;   /* bytes of the current chunk still to come */
    uint64_t total;  /* body bytes decoded */
    uint64_t limit;  /* on total */
    size_t line;     /* bytes of the current size line or trailer section */
    int done;        /* the last chunk and its trailers have been read */
} srv_chunked;

typedef enum srv_chunk_status { SRV_CHUNK_OK, SRV_CHUNK_MALFORMED, SRV_CHUNK_TOO_LARGE }
    srv_chunk_status;

/* Decodes chunked bytes in[0..len) into out (which may be in itself: the output is never
 * longer than the input), appending *out_len bytes. Stops at the end of the body (done),
 * so what follows is left for the next request: *used says how much of in was taken. */
srv_chunk_status srv_chunked_decode(srv_chunked *c, const char *in, size_t len, size_t *used,
                                    char *out, size_t *out_len, const char **why);

/* ------------------------------------------------------------------------------------ */
/* front.c                                                                               */

typedef struct srv_front srv_front;

/* Resolves --host (a name or an IPv4/IPv6 literal) and --metrics-listen, binds and
 * listens on every address, raises the descriptor limit to its hard maximum and sizes
 * the connection limits from it and from memory. Returns 0, or -1 with why. */
int srv_front_open(srv_front **out, srv_state *st, char *why, size_t size);
int srv_front_port(const srv_front *f);         /* the API port bound */
int srv_front_metrics_port(const srv_front *f); /* the metrics port, or 0 */
int srv_front_max_connections(const srv_front *f);

/* Starts the front's thread, relaying complete requests to 127.0.0.1:backend_port. */
int srv_front_start(srv_front *f, int backend_port);

/* Requests in progress (read, relayed or being written); idle connections not counted. */
int srv_front_busy(const srv_front *f);

/* Stops the thread, closes every socket and frees f (NULL-safe). */
void srv_front_free(srv_front *f);

/* routes.c: whether path[0..len) is a heavy route's (images, pie charts). */
int srv_route_heavy_path(const char *path, size_t len);

/* The per-process secret the front sends and the dispatcher checks, so that a request
 * reaching civetweb's loopback port without the front is refused. */
#define SRV_FRONT_HEADER "X-Imgcolor-Front"

#endif
