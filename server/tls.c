/* tls.c: HTTPS set-up for civetweb's context, and the start-up checks that refuse a TLS
 * port which completes handshakes but cannot serve a request (civetweb 1.15 built for
 * OpenSSL 1.1 running against OpenSSL 3, as on Debian 12): a probe in a child process
 * before the server listens, and a self-check of the bound port after. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "server.h"

int srv_tls_configure(void *ssl_ctx, const char *cert, const char *key)
{
    SSL_CTX *ctx = ssl_ctx;
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1 ||
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
        return -1;
    return 0;
}

int srv_tls_init_ssl(void *ssl_ctx, void *user_data)
{
    const srv_state *st = user_data;
    return srv_tls_configure(ssl_ctx, st->cfg.tls_cert, st->cfg.tls_key) == 0 ? 1 : -1;
}

static void tls_error(char *why, size_t size, const char *what)
{
    unsigned long e = ERR_get_error();
    char text[160] = "";
    if (e)
        ERR_error_string_n(e, text, sizeof text);
    snprintf(why, size, "%s%s%s", what, e ? ": " : "", text);
    ERR_clear_error();
}

int srv_tls_selfcheck(int port, int timeout_ms, char *why, size_t size)
{
    int rc = -1;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = NULL;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (!ctx || fd < 0) {
        snprintf(why, size, "cannot set up a TLS client");
        goto done;
    }
    /* Only the transport is under test here: the certificate may name another host. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        snprintf(why, size, "cannot connect to 127.0.0.1:%d", port);
        goto done;
    }
    ssl = SSL_new(ctx);
    if (!ssl || SSL_set_fd(ssl, fd) != 1) {
        tls_error(why, size, "cannot set up a TLS client");
        goto done;
    }
    if (SSL_connect(ssl) != 1) {
        tls_error(why, size, "the TLS handshake failed");
        goto done;
    }
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n"
                              "Connection: close\r\n\r\n";
    if (SSL_write(ssl, req, (int)sizeof req - 1) != (int)sizeof req - 1) {
        tls_error(why, size, "the handshake completed but the request could not be sent");
        goto done;
    }
    char buf[512];
    int got = 0;
    while (got < (int)sizeof buf - 1) {
        int n = SSL_read(ssl, buf + got, (int)sizeof buf - 1 - got);
        if (n <= 0)
            break;
        got += n;
    }
    buf[got] = '\0';
    if (strncmp(buf, "HTTP/1.1 200", 12) != 0) {
        if (got == 0)
            tls_error(why, size, "the handshake completed but the request got no answer "
                                 "(connection reset)");
        else
            snprintf(why, size, "unexpected answer to GET /healthz: %.40s", buf);
        goto done;
    }
    rc = 0;
done:
    if (ssl) {
        SSL_shutdown(ssl);
        SSL_free(ssl);
    }
    if (fd >= 0)
        close(fd);
    SSL_CTX_free(ctx);
    return rc;
}

#define TLS_ADVICE                                                                          \
    "Debian 12's civetweb 1.15 loads libssl at run time and expects OpenSSL 1.1 symbols; "   \
    "with Debian 12's OpenSSL 3 it crashes or resets every request. Refusing to start. "     \
    "Terminate TLS in nginx in front of a plain-HTTP loopback port instead (deploy/nginx/, " \
    "docs/SECURITY.md)"

/* The probe's child: serves 127.0.0.1:0 over TLS and runs the self-check against
 * itself. Its exit status says how far it got; it never returns. */
static void probe_child(srv_state *st, srv_mg_log log_message)
{
    alarm(15); /* a probe that hangs dies */
    const char *options[] = {"listening_ports", "127.0.0.1:0s", "num_threads", "2",
                             "request_timeout_ms", "5000", NULL};
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.init_ssl = srv_tls_init_ssl;
    cb.log_message = log_message;
    mg_init_library(2);
    struct mg_context *ctx = mg_start(&cb, st, options);
    if (!ctx) {
        srv_log(st, "error", "TLS probe: civetweb could not set up TLS with %s and %s",
                st->cfg.tls_cert, st->cfg.tls_key);
        _exit(3);
    }
    mg_set_request_handler(ctx, "**", srv_dispatch, st);
    struct mg_server_port port;
    char reason[256] = "no port bound";
    if (mg_get_server_ports(ctx, 1, &port) != 1 ||
        srv_tls_selfcheck(port.port, 5000, reason, sizeof reason) != 0) {
        srv_log(st, "error", "TLS probe: %s", reason);
        _exit(4);
    }
    _exit(0); /* without mg_stop: nothing of the probe needs to be tidy */
}

/* Waits up to 20 s for the probe's child; returns 0 if it served HTTPS, else -1 with
 * why. A child that does not finish is killed. */
static int probe_wait(pid_t pid, char *why, size_t size)
{
    int status = 0;
    for (int waited = 0; waited < 2000; waited++) { /* 20 s */
        if (waitpid(pid, &status, WNOHANG) == pid) {
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
            if (WIFSIGNALED(status))
                snprintf(why, size, "the TLS probe crashed (signal %d) serving HTTPS",
                         WTERMSIG(status));
            else if (WEXITSTATUS(status) == 3)
                snprintf(why, size, "civetweb could not set up TLS with the certificate "
                                    "and key given");
            else
                snprintf(why, size, "HTTPS did not answer a request (the probe exited %d)",
                         WEXITSTATUS(status));
            return -1;
        }
        nanosleep(&(struct timespec){0, 10000000L}, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    snprintf(why, size, "the TLS probe did not finish within 20 s");
    return -1;
}

/* civetweb on a mismatched OpenSSL can crash a worker thread (a NULL function pointer
 * where an OpenSSL 1.1 symbol is missing), and that must not be the server's own
 * process: HTTPS is tried in a child first. */
int srv_tls_probe(srv_state *st, srv_mg_log log_message)
{
    char why[256];
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0)
        probe_child(st, log_message);
    if (pid < 0)
        snprintf(why, sizeof why, "cannot fork the TLS probe");
    if (pid < 0 || probe_wait(pid, why, sizeof why) != 0) {
        srv_log(st, "error", "--tls-cert: HTTPS does not work with the civetweb linked "
                "here (%s): %s. " TLS_ADVICE, mg_version(), why);
        return -1;
    }
    return 0;
}

/* Debian 12's civetweb 1.15 loads libssl at run time and expects OpenSSL 1.1: with
 * OpenSSL 3 the handshake completes and every request is then reset. A port that
 * resets every request is worse than none, so HTTPS must prove itself first. */
int srv_tls_check_port(const srv_state *st, int port)
{
    char why[256];
    if (srv_tls_selfcheck(port, 5000, why, sizeof why) == 0)
        return 0;
    srv_log(st, "error", "HTTPS self-check failed on port %d: %s. " TLS_ADVICE, port, why);
    return -1;
}
