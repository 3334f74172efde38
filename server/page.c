/* page.c: the page a person tries the API with: GET / (HTML), /app.js and /app.css, all
 * three compiled into the binary from server/web/ by embed.cmake, so nothing is fetched
 * from anywhere else. The page's own Content-Security-Policy allows exactly its script,
 * its style, images it makes from the API's answers (blob:) and calls to this origin;
 * every other response keeps the policy that allows nothing (http.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

extern const char srv_web_index_html[];
extern const size_t srv_web_index_html_len;
extern const char srv_web_app_js[];
extern const size_t srv_web_app_js_len;
extern const char srv_web_app_css[];
extern const size_t srv_web_app_css_len;

/* Scripts and styles only from this origin (so no inline script or style attribute can
 * run), images from the API's answers, fetch() only to this origin, no plugins, no
 * <base>, no form posting elsewhere, no framing. */
#define PAGE_CSP                                                                        \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "   \
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/* The page's response: the headers of every response (http.c) but for the policy. The
 * connection is closed after it, which spares this file the keep-alive rules: a page
 * load is one HTML document; its script and style come through srv_send. */
static int send_page(srv_req *r)
{
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\n"
                     "Date: %s\r\n"
                     "Content-Type: text/html; charset=utf-8\r\n"
                     "Content-Length: %zu\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "Cache-Control: no-store\r\n"
                     "Content-Security-Policy: " PAGE_CSP "\r\n"
                     "Referrer-Policy: no-referrer\r\n"
                     "Connection: close\r\n\r\n",
                     date, srv_web_index_html_len);
    if (n < 0 || (size_t)n >= sizeof head)
        return srv_problem(r, 500, "internal-error", NULL, "the page header did not fit");
    r->must_close = 1;
    mg_disable_connection_keep_alive(r->conn);
    int is_head = r->ri->request_method && strcmp(r->ri->request_method, "HEAD") == 0;
    size_t len = (size_t)n + (is_head ? 0 : srv_web_index_html_len);
    char *one = malloc(len); /* one write: head and page in one segment */
    if (!one)
        return srv_problem(r, 503, "out-of-memory", "Retry-After: 1\r\n",
                           "the server is short of memory; try again");
    memcpy(one, head, (size_t)n);
    if (!is_head)
        memcpy(one + n, srv_web_index_html, srv_web_index_html_len);
    r->status = 200;
    if (mg_write(r->conn, one, len) > 0)
        r->bytes_out += len;
    free(one);
    return 200;
}

int srv_handle_page(srv_req *r)
{
    return send_page(r);
}

int srv_handle_app_js(srv_req *r)
{
    return srv_send(r, 200, "text/javascript; charset=utf-8", srv_web_app_js,
                    srv_web_app_js_len, NULL);
}

int srv_handle_app_css(srv_req *r)
{
    return srv_send(r, 200, "text/css; charset=utf-8", srv_web_app_css, srv_web_app_css_len,
                    NULL);
}

int srv_page_route(srv_route_id id)
{
    return id == SRV_ROUTE_PAGE || id == SRV_ROUTE_APP_JS || id == SRV_ROUTE_APP_CSS;
}
