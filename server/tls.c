/* tls.c: HTTPS set-up for civetweb's context, and the start-up self-check that refuses
 * a TLS port which completes handshakes but cannot serve a request (civetweb 1.15 built
 * for OpenSSL 1.1 running against OpenSSL 3, as on Debian 12). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
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
