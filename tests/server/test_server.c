/* test_server.c: imgcolor-server over real HTTP. Each test starts the real binary on a
 * free port, talks to it with libcurl (or a raw socket, for requests curl will not
 * send), compares answers with the CLI's for the same image and k, and stops it. */
#define _GNU_SOURCE
#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

/* ------------------------------------------------------------------------------------ */
/* Starting and stopping the server                                                      */

typedef struct server {
    pid_t pid;
    int port;
    int metrics_port; /* with --metrics-listen: the second line of the port file */
    char *dir;
    char log[600];
} server;

/* Every server started, so that one a failed test left running is killed at exit
 * rather than holding the test's output pipe open. */
static pid_t started[64];
static size_t nstarted;

static void kill_leftovers(void)
{
    for (size_t i = 0; i < nstarted; i++)
        if (started[i] > 0 && waitpid(started[i], NULL, WNOHANG) == 0) {
            kill(started[i], SIGKILL);
            waitpid(started[i], NULL, 0);
        }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Starts the server with extra arguments (space-separated) and waits for its port. */
static server *server_start(const char *extra)
{
    server *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->dir = test_tmpdir();
    char portfile[600];
    snprintf(portfile, sizeof portfile, "%s/port", s->dir);
    snprintf(s->log, sizeof s->log, "%s/server.log", s->dir);

    /* IMGCOLOR_TEST_SERVER_WRAP runs the server under a tool: "valgrind -q ..." */
    const char *wrap = getenv("IMGCOLOR_TEST_SERVER_WRAP");
    char args[2048];
    snprintf(args, sizeof args, "%s %s --port 0 --port-file %s %s", wrap ? wrap : "",
             IMGCOLOR_SERVER_PATH, portfile, extra ? extra : "");
    char *argv[64];
    int argc = 0;
    for (char *tok = strtok(args, " "); tok && argc < 62; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    argv[argc] = NULL;

    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        FILE *log = freopen(s->log, "w", stderr);
        FILE *out = freopen("/dev/null", "w", stdout);
        (void)log;
        (void)out;
        execvp(argv[0], argv);
        _exit(127);
    }
    if (nstarted < sizeof started / sizeof started[0])
        started[nstarted++] = s->pid;
    for (int i = 0; i < 3000; i++) { /* up to 60 s, for valgrind */
        FILE *f = fopen(portfile, "r");
        if (f) {
            int ok = fscanf(f, "%d", &s->port) == 1;
            if (ok && fscanf(f, "%d", &s->metrics_port) != 1)
                s->metrics_port = 0;
            fclose(f);
            if (ok && s->port > 0)
                return s;
        }
        sleep_ms(20);
    }
    kill(s->pid, SIGKILL);
    fail_msg("server did not start; see %s", s->log);
    return NULL;
}

/* Waits up to ms for the process to exit; returns its exit status or -1. */
static int wait_exit(pid_t pid, long ms)
{
    for (long waited = 0; waited <= ms; waited += 10) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        sleep_ms(10);
    }
    return -1;
}

/* Stops the server with SIGTERM and checks it exits 0. */
static void server_stop(server *s)
{
    kill(s->pid, SIGTERM);
    int rc = wait_exit(s->pid, 20000);
    if (rc < 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    assert_int_equal(rc, 0);
    test_rmdir_r(s->dir);
    free(s->dir);
    free(s);
}

/* ------------------------------------------------------------------------------------ */
/* HTTP with libcurl                                                                     */

typedef struct resp {
    long status;
    char *body;
    size_t len;
    char *head; /* all header lines, as received */
    size_t hlen;
    char ctype[128];
    int curl_error;
} resp;

static size_t on_data(char *p, size_t size, size_t n, void *user)
{
    char **buf = user;
    size_t *len = (size_t *)(buf + 1);
    char *nb = realloc(*buf, *len + size * n + 1);
    if (!nb)
        return 0;
    memcpy(nb + *len, p, size * n);
    *len += size * n;
    nb[*len] = '\0';
    *buf = nb;
    return size * n;
}

typedef struct sink {
    char *buf;
    size_t len;
} sink;

/* One request to port (the server's if 0) with an extra header line (or NULL). body/len
 * for a raw body with content type ctype, or mime for multipart. */
static resp http_ex(const server *s, int port, const char *method, const char *path,
                    const char *ctype, const char *extra_header, const void *body, size_t len,
                    curl_mime *mime, CURL *reuse)
{
    resp r = {0};
    sink data = {0}, head = {0};
    CURL *c = reuse ? reuse : curl_easy_init();
    assert_non_null(c);
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port ? port : s->port, path);
    struct curl_slist *hdrs = NULL;
    char ct[160];
    if (ctype) {
        snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
        hdrs = curl_slist_append(hdrs, ct);
    }
    if (extra_header)
        hdrs = curl_slist_append(hdrs, extra_header);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (mime)
        curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    else if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &data);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &head);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    r.curl_error = rc != CURLE_OK ? (int)rc : 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    char *t = NULL;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &t);
    if (t)
        snprintf(r.ctype, sizeof r.ctype, "%s", t);
    curl_slist_free_all(hdrs);
    if (!reuse)
        curl_easy_cleanup(c);
    else {
        curl_easy_setopt(c, CURLOPT_MIMEPOST, NULL);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    }
    r.body = data.buf ? data.buf : calloc(1, 1);
    r.len = data.len;
    r.head = head.buf ? head.buf : calloc(1, 1);
    r.hlen = head.len;
    return r;
}

static resp http(const server *s, const char *method, const char *path, const char *ctype,
                 const void *body, size_t len, curl_mime *mime, CURL *reuse)
{
    return http_ex(s, 0, method, path, ctype, NULL, body, len, mime, reuse);
}

static void resp_free(resp *r)
{
    free(r->body);
    free(r->head);
}

/* The value of header name in the last response of r->head, or NULL (static buffer). */
static const char *header(const resp *r, const char *name)
{
    static __thread char value[256];
    const char *last = r->head, *p;
    while ((p = strstr(last + 1, "HTTP/1.1 ")) != NULL) /* after a 100 Continue */
        last = p;
    size_t n = strlen(name);
    for (const char *line = last; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r\n");
            snprintf(value, sizeof value, "%.*s", (int)len, v);
            return value;
        }
    }
    return NULL;
}

static curl_mime *form_image(CURL *c, const char *image_path, const char *k)
{
    curl_mime *mime = curl_mime_init(c);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "image");
    curl_mime_filedata(part, image_path);
    if (k) {
        part = curl_mime_addpart(mime);
        curl_mime_name(part, "k");
        curl_mime_data(part, k, CURL_ZERO_TERMINATED);
    }
    return mime;
}

/* Checks the headers every response carries. */
static void assert_common_headers(const resp *r)
{
    const char *v;
    assert_non_null(v = header(r, "X-Content-Type-Options"));
    assert_string_equal(v, "nosniff");
    assert_non_null(v = header(r, "Cache-Control"));
    assert_string_equal(v, "no-store");
    assert_non_null(v = header(r, "Content-Security-Policy"));
    assert_string_equal(v, "default-src 'none'; frame-ancestors 'none'");
    assert_null(header(r, "Server"));
    assert_null(header(r, "X-Powered-By"));
}

/* Checks r is an RFC 9457 problem document with the given status. */
static void assert_problem(const resp *r, long status)
{
    if (r->status != status)
        fail_msg("expected %ld, got %ld: %s", status, r->status, r->body);
    assert_string_equal(r->ctype, "application/problem+json");
    assert_common_headers(r);
    cJSON *doc = cJSON_Parse(r->body);
    assert_non_null(doc);
    assert_true(cJSON_IsString(cJSON_GetObjectItem(doc, "type")));
    assert_true(cJSON_IsString(cJSON_GetObjectItem(doc, "title")));
    assert_true(cJSON_IsString(cJSON_GetObjectItem(doc, "detail")));
    cJSON *st = cJSON_GetObjectItem(doc, "status");
    assert_true(cJSON_IsNumber(st));
    assert_int_equal(st->valueint, status);
    cJSON_Delete(doc);
}

static void assert_alive(const server *s)
{
    resp r = http(s, "GET", "/healthz", NULL, NULL, 0, NULL, NULL);
    assert_int_equal(r.status, 200);
    resp_free(&r);
}

/* ------------------------------------------------------------------------------------ */
/* Raw HTTP, for requests curl will not send                                            */

/* A new connection to the server, whose reads give up after 10 s. */
static int connect_to(const server *s)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* Sends req (len bytes) on a new connection and returns everything read until the
 * server closes or 10 s pass. *status gets the status of the first response. */
static char *raw(const server *s, const void *req, size_t len, int *status, int pause_ms)
{
    int fd = connect_to(s);
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(fd, (const char *)req + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    if (pause_ms)
        sleep_ms(pause_ms);
    size_t cap = 65536, got = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        ssize_t n = recv(fd, buf + got, cap - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        if (got == cap)
            break;
    }
    buf[got] = '\0';
    close(fd);
    *status = 0;
    sscanf(buf, "HTTP/1.%*d %d", status);
    return buf;
}

/* The JSON body of a raw response (after the blank line), or NULL. */
static cJSON *raw_json(const char *text)
{
    const char *b = strstr(text, "\r\n\r\n");
    return b ? cJSON_Parse(b + 4) : NULL;
}

/* ------------------------------------------------------------------------------------ */
/* The CLI's answer                                                                      */

/* `imgcolor prominent IMG -k K --format json`, without its "file" member. */
static cJSON *cli_result(const char *image, int k)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' prominent '%s' -k %d --format json", IMGCOLOR_CLI_PATH,
             image, k);
    test_run r = test_run_cmd(cmd, NULL, 0);
    if (r.status != 0)
        fail_msg("%s: %s", cmd, r.err);
    cJSON *doc = cJSON_Parse(r.out);
    assert_non_null(doc);
    cJSON_DeleteItemFromObject(doc, "file");
    test_run_free(&r);
    return doc;
}

/* Checks a /prominent-colors answer against the CLI's document. */
static void assert_seed_matches_cli(const char *body, const cJSON *cli)
{
    cJSON *doc = cJSON_Parse(body);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetArraySize(doc), 2);
    cJSON *colors = cJSON_GetArrayItem(doc, 0), *freqs = cJSON_GetArrayItem(doc, 1);
    cJSON *expect = cJSON_GetObjectItem(cli, "colors");
    int n = cJSON_GetArraySize(expect);
    assert_int_equal(cJSON_GetArraySize(colors), n);
    assert_int_equal(cJSON_GetArraySize(freqs), n);
    for (int i = 0; i < n; i++) {
        cJSON *e = cJSON_GetArrayItem(expect, i);
        assert_true(cJSON_Compare(cJSON_GetArrayItem(colors, i), cJSON_GetObjectItem(e, "rgb"), 1));
        char label[16];
        snprintf(label, sizeof label, "%d", i);
        cJSON *count = cJSON_GetObjectItem(freqs, label);
        assert_non_null(count);
        assert_true(count->valuedouble == cJSON_GetObjectItem(e, "count")->valuedouble);
    }
    cJSON_Delete(doc);
}

static char *example(const char *name)
{
    static __thread char path[512];
    snprintf(path, sizeof path, "%s/%s", IMGCOLOR_EXAMPLES, name);
    return path;
}

/* ------------------------------------------------------------------------------------ */
/* Tests                                                                                 */

static int setup(void **state)
{
    *state = server_start("--threads 24 --rate-limit 0");
    return 0;
}

static int teardown(void **state)
{
    server_stop(*state);
    return 0;
}

static void test_seed_endpoints(void **state)
{
    server *s = *state;
    CURL *c = curl_easy_init();
    static const struct { const char *img; int k; } cases[] = {{"1.jpg", 6}, {"3.jpg", 4}};
    for (size_t i = 0; i < 2; i++) {
        char k[8];
        snprintf(k, sizeof k, "%d", cases[i].k);
        curl_mime *mime = form_image(c, example(cases[i].img), k);
        resp r = http(s, "POST", "/prominent-colors", NULL, NULL, 0, mime, c);
        curl_mime_free(mime);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.ctype, "application/json");
        assert_common_headers(&r);
        cJSON *cli = cli_result(example(cases[i].img), cases[i].k);
        assert_seed_matches_cli(r.body, cli);

        /* /rgb2hex with the colours, as the lesson does, url-encoded */
        cJSON *doc = cJSON_Parse(r.body);
        char *rgbs = cJSON_PrintUnformatted(cJSON_GetArrayItem(doc, 0));
        char *enc = curl_easy_escape(c, rgbs, 0);
        char form[4096];
        snprintf(form, sizeof form, "rgbs=%s", enc);
        resp h = http(s, "POST", "/rgb2hex", "application/x-www-form-urlencoded", form,
                      strlen(form), NULL, c);
        assert_int_equal(h.status, 200);
        assert_string_equal(h.ctype, "application/json");
        cJSON *hex = cJSON_Parse(h.body);
        cJSON *expect = cJSON_GetObjectItem(cli, "colors");
        assert_int_equal(cJSON_GetArraySize(hex), cJSON_GetArraySize(expect));
        for (int j = 0; j < cJSON_GetArraySize(hex); j++)
            assert_string_equal(cJSON_GetArrayItem(hex, j)->valuestring,
                                cJSON_GetObjectItem(cJSON_GetArrayItem(expect, j), "hex")->valuestring);

        /* /centroids with those hex codes and the counts */
        char *colors = curl_easy_escape(c, h.body, (int)h.len);
        char counts[512] = "[";
        for (int j = 0; j < cJSON_GetArraySize(expect); j++)
            snprintf(counts + strlen(counts), sizeof counts - strlen(counts), "%s%.0f",
                     j ? ", " : "",
                     cJSON_GetObjectItem(cJSON_GetArrayItem(expect, j), "count")->valuedouble);
        strcat(counts, "]");
        char *cnt = curl_easy_escape(c, counts, 0);
        snprintf(form, sizeof form, "colors=%s&counts=%s", colors, cnt);
        resp p = http(s, "POST", "/centroids", "application/x-www-form-urlencoded", form,
                      strlen(form), NULL, c);
        assert_int_equal(p.status, 200);
        assert_string_equal(p.ctype, "image/png");
        assert_common_headers(&p);
        assert_true(p.len > 1000);
        assert_memory_equal(p.body, "\x89PNG\r\n\x1a\n", 8);

        curl_free(cnt);
        curl_free(colors);
        curl_free(enc);
        cJSON_free(rgbs);
        cJSON_Delete(hex);
        cJSON_Delete(doc);
        cJSON_Delete(cli);
        resp_free(&p);
        resp_free(&h);
        resp_free(&r);
    }
    curl_easy_cleanup(c);
}

static void test_seed_multipart_fields_and_defaults(void **state)
{
    server *s = *state;
    CURL *c = curl_easy_init();
    /* k omitted: 6, as the lesson's default */
    curl_mime *mime = form_image(c, example("1.jpg"), NULL);
    resp r = http(s, "POST", "/prominent-colors", NULL, NULL, 0, mime, c);
    curl_mime_free(mime);
    assert_int_equal(r.status, 200);
    cJSON *cli = cli_result(example("1.jpg"), 6);
    assert_seed_matches_cli(r.body, cli);
    cJSON_Delete(cli);
    resp_free(&r);

    /* rgbs as a multipart field; and missing rgbs means [] */
    mime = curl_mime_init(c);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "rgbs");
    curl_mime_data(part, "[[255, 0, 0], [0, 128, 255]]", CURL_ZERO_TERMINATED);
    r = http(s, "POST", "/rgb2hex", NULL, NULL, 0, mime, c);
    curl_mime_free(mime);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "[\"#ff0000\",\"#0080ff\"]\n");
    resp_free(&r);
    r = http(s, "POST", "/rgb2hex", NULL, "", 0, NULL, c);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "[]\n");
    resp_free(&r);
    curl_easy_cleanup(c);
}

/* fast=1 gives the CLI's --fast document, sampled; fast=0 the exact one. */
static void test_v1_fast(void **state)
{
    server *s = *state;
    CURL *c = curl_easy_init();
    const char *photo = example("../tests/data/photos/retina.jpg");
    size_t size;
    uint8_t *img = test_read_file(photo, &size);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' prominent '%s' -k 5 --fast --format json",
             IMGCOLOR_CLI_PATH, photo);
    test_run run = test_run_cmd(cmd, NULL, 0);
    assert_int_equal(run.status, 0);
    cJSON *fast = cJSON_Parse(run.out);
    assert_non_null(fast);
    cJSON_DeleteItemFromObject(fast, "file");
    test_run_free(&run);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(fast, "sampled")));
    const char *paths[] = {"/v1/prominent-colors?k=5&fast=1",
                           "/v1/prominent-colors?k=5&fast=true"};
    for (int i = 0; i < 2; i++) {
        resp r = http(s, "POST", paths[i], "image/jpeg", img, size, NULL, c);
        assert_int_equal(r.status, 200);
        cJSON *doc = cJSON_Parse(r.body);
        assert_true(cJSON_Compare(doc, fast, 1));
        cJSON_Delete(doc);
        resp_free(&r);
    }
    cJSON *exact = cli_result(photo, 5);
    resp r = http(s, "POST", "/v1/prominent-colors?k=5&fast=0", "image/jpeg", img, size, NULL, c);
    assert_int_equal(r.status, 200);
    cJSON *doc = cJSON_Parse(r.body);
    assert_true(cJSON_Compare(doc, exact, 1));
    assert_null(cJSON_GetObjectItem(doc, "sampled"));
    cJSON_Delete(doc);
    resp_free(&r);
    cJSON_Delete(exact);
    cJSON_Delete(fast);
    free(img);
    curl_easy_cleanup(c);
}

/* where=1 gives the CLI's --where document; a bad value is a problem document; the
 * lesson's endpoint keeps its shape whatever the form says. */
static void test_v1_where(void **state)
{
    server *s = *state;
    CURL *c = curl_easy_init();
    const char *photo = example("1.jpg");
    size_t size;
    uint8_t *img = test_read_file(photo, &size);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' prominent '%s' -k 4 --where --format json",
             IMGCOLOR_CLI_PATH, photo);
    test_run run = test_run_cmd(cmd, NULL, 0);
    assert_int_equal(run.status, 0);
    cJSON *want = cJSON_Parse(run.out);
    assert_non_null(want);
    cJSON_DeleteItemFromObject(want, "file");
    test_run_free(&run);
    resp r = http(s, "POST", "/v1/prominent-colors?k=4&where=true", "image/jpeg", img, size,
                  NULL, c);
    assert_int_equal(r.status, 200);
    cJSON *doc = cJSON_Parse(r.body);
    assert_true(cJSON_Compare(doc, want, 1));
    cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "colors"), 0);
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(first, "where"), "box"));
    cJSON_Delete(doc);
    resp_free(&r);
    r = http(s, "POST", "/v1/prominent-colors?k=4&where=0", "image/jpeg", img, size, NULL, c);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, "\"where\""));
    resp_free(&r);
    r = http(s, "POST", "/v1/prominent-colors?k=4&where=2", "image/jpeg", img, size, NULL, c);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "where must be"));
    resp_free(&r);
    curl_mime *mime = form_image(c, photo, "4");
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "where");
    curl_mime_data(part, "1", CURL_ZERO_TERMINATED);
    r = http(s, "POST", "/prominent-colors", NULL, NULL, 0, mime, c);
    curl_mime_free(mime);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, "where"));
    assert_true(r.body[0] == '[');
    resp_free(&r);
    cJSON_Delete(want);
    free(img);
    curl_easy_cleanup(c);
}

/* background, bg_tolerance and region give the CLI's document with the same flags; the
 * legacy endpoint ignores them. */
static void test_v1_subject(void **state)
{
    server *s = *state;
    CURL *c = curl_easy_init();
    const char *photo = example("../tests/data/photos/coffee.png");
    size_t size;
    uint8_t *img = test_read_file(photo, &size);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "'%s' prominent '%s' -k 4 --background '#ffffff' --bg-tolerance 0.1 "
             "--region 10%%,0,50%%,300 --format json",
             IMGCOLOR_CLI_PATH, photo);
    test_run run = test_run_cmd(cmd, NULL, 0);
    assert_int_equal(run.status, 0);
    cJSON *want = cJSON_Parse(run.out);
    assert_non_null(want);
    cJSON_DeleteItemFromObject(want, "file");
    test_run_free(&run);
    assert_non_null(cJSON_GetObjectItem(want, "region"));
    assert_non_null(cJSON_GetObjectItem(want, "background"));
    resp r = http(s, "POST",
                  "/v1/prominent-colors?k=4&background=%23ffffff&bg_tolerance=0.1"
                  "&region=10%25,0,50%25,300",
                  "image/png", img, size, NULL, c);
    assert_int_equal(r.status, 200);
    cJSON *doc = cJSON_Parse(r.body);
    assert_true(cJSON_Compare(doc, want, 1));
    cJSON_Delete(doc);
    resp_free(&r);
    /* Outside the image: the library's E_RANGE, as a problem document. */
    r = http(s, "POST", "/v1/prominent-colors?region=600,0,5,5", "image/png", img, size, NULL,
             c);
    assert_problem(&r, 400);
    assert_non_null(strstr(r.body, "has no pixel in the 600x400 image"));
    resp_free(&r);
    cJSON_Delete(want);
    free(img);
    curl_easy_cleanup(c);
}

/* /v1/map answers the PNG `imgcolor map` writes, with the same options; bad ones are
 * problem documents. */
static void test_v1_map(void **state)
{
    server *s = *state;
    CURL *c = curl_easy_init();
    const char *photo = example("1.jpg");
    size_t size;
    uint8_t *img = test_read_file(photo, &size);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' map '%s' -k 4 --space oklab --size 100 -o -",
             IMGCOLOR_CLI_PATH, photo);
    test_run run = test_run_cmd(cmd, NULL, 0);
    assert_int_equal(run.status, 0);
    resp r = http(s, "POST", "/v1/map?k=4&space=oklab&size=100", "image/jpeg", img, size, NULL,
                  c);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "image/png");
    assert_int_equal(r.len, run.out_len);
    assert_memory_equal(r.body, run.out, r.len);
    resp_free(&r);
    test_run_free(&run);
    /* As a form, the options as fields. */
    curl_mime *mime = form_image(c, photo, "4");
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "size");
    curl_mime_data(part, "50", CURL_ZERO_TERMINATED);
    r = http(s, "POST", "/v1/map", NULL, NULL, 0, mime, c);
    curl_mime_free(mime);
    assert_int_equal(r.status, 200);
    assert_true(r.len > 8 && memcmp(r.body, "\x89PNG", 4) == 0);
    resp_free(&r);
    const char *bad[] = {"/v1/map?size=0", "/v1/map?size=70000", "/v1/map?k=0",
                         "/v1/map?space=hsv"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = http(s, "POST", bad[i], "image/jpeg", img, size, NULL, c);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(r.ctype, "problem+json"));
        resp_free(&r);
    }
    r = http(s, "POST", "/v1/map", "image/jpeg", "not an image", 12, NULL, c);
    assert_true(r.status >= 400 && r.status < 500);
    resp_free(&r);
    free(img);
    curl_easy_cleanup(c);
}

static void test_v1_endpoints(void **state)
{
    server *s = *state;
    CURL *c = curl_easy_init();
    size_t size;
    uint8_t *img = test_read_file(example("3.jpg"), &size);
    cJSON *cli = cli_result(example("3.jpg"), 5);

    /* raw body, options in the query string */
    resp r = http(s, "POST", "/v1/prominent-colors?k=5", "image/jpeg", img, size, NULL, c);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "application/json");
    cJSON *doc = cJSON_Parse(r.body);
    assert_non_null(doc);
    assert_true(cJSON_Compare(doc, cli, 1));
    cJSON_Delete(doc);
    resp_free(&r);

    /* a body of any format the library reads may say so: the bytes are sniffed */
    size_t webp_size;
    uint8_t *webp = test_read_file(example("../tests/fuzz/corpus/decode/webp-lossy.webp"),
                                   &webp_size);
    r = http(s, "POST", "/v1/prominent-colors?k=2", "image/webp", webp, webp_size, NULL, c);
    assert_true(r.status == 200 || (r.status == 422 && strstr(r.body, "not built")));
    resp_free(&r);
    free(webp);

    /* multipart, options as fields */
    curl_mime *mime = form_image(c, example("3.jpg"), "5");
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "n_init");
    curl_mime_data(part, "10", CURL_ZERO_TERMINATED);
    part = curl_mime_addpart(mime);
    curl_mime_name(part, "seed");
    curl_mime_data(part, "0", CURL_ZERO_TERMINATED);
    r = http(s, "POST", "/v1/prominent-colors", NULL, NULL, 0, mime, c);
    curl_mime_free(mime);
    assert_int_equal(r.status, 200);
    doc = cJSON_Parse(r.body);
    assert_true(cJSON_Compare(doc, cli, 1));
    cJSON_Delete(doc);
    resp_free(&r);

    const char *rgb = "{\"rgbs\": [[1, 2, 3], [255, 255, 255]]}";
    r = http(s, "POST", "/v1/rgb2hex", "application/json", rgb, strlen(rgb), NULL, c);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"hex\":[\"#010203\",\"#ffffff\"]}\n");
    resp_free(&r);

    const char *pie = "{\"colors\": [\"#a03a18\", \"#fff\"], \"counts\": [3, 1], "
                      "\"width\": 200, \"height\": 100, \"percent\": true}";
    r = http(s, "POST", "/v1/centroids", "application/json", pie, strlen(pie), NULL, c);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "image/png");
    assert_common_headers(&r);
    assert_memory_equal(r.body, "\x89PNG\r\n\x1a\n", 8);
    /* width and height from the IHDR chunk */
    assert_int_equal(((uint8_t)r.body[18] << 8) | (uint8_t)r.body[19], 200);
    assert_int_equal(((uint8_t)r.body[22] << 8) | (uint8_t)r.body[23], 100);
    resp_free(&r);

    const char *svg = "{\"colors\": [\"#a03a18\"], \"counts\": [1], \"format\": \"svg\"}";
    r = http(s, "POST", "/v1/centroids", "application/json", svg, strlen(svg), NULL, c);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "image/svg+xml");
    assert_non_null(strstr(r.body, "<svg"));
    assert_common_headers(&r);
    resp_free(&r);

    cJSON_Delete(cli);
    free(img);
    curl_easy_cleanup(c);
}

/* What `imgcolor swatch IMAGE ARGS -o -` writes; free with test_run_free(). */
static test_run cli_swatch(const char *image, const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' swatch '%s' %s -o -", IMGCOLOR_CLI_PATH, image, args);
    test_run r = test_run_cmd(cmd, NULL, 0);
    if (r.status != 0)
        fail_msg("%s: %s", cmd, r.err);
    return r;
}

static void assert_body_equals(const resp *r, const test_run *want)
{
    assert_int_equal(r->len, want->out_len);
    assert_memory_equal(r->body, want->out, want->out_len);
}

/* /v1/swatch takes /v1/prominent-colors' request and answers the CLI's strip. */
static void test_v1_swatch(void **state)
{
    server *s = *state;
    CURL *c = curl_easy_init();
    size_t size;
    const char *path = example("3.jpg");
    uint8_t *img = test_read_file(path, &size);

    resp r = http(s, "POST", "/v1/swatch?k=5", "image/jpeg", img, size, NULL, c);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "image/png");
    assert_common_headers(&r);
    test_run want = cli_swatch(path, "-k 5");
    assert_body_equals(&r, &want);
    test_run_free(&want);
    resp_free(&r);

    r = http(s, "POST", "/v1/swatch?k=4&format=svg&width=300&height=60&labels=false",
             "image/jpeg", img, size, NULL, c);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "image/svg+xml");
    want = cli_swatch(path, "-k 4 --svg --width 300 --height 60 --no-labels");
    assert_body_equals(&r, &want);
    test_run_free(&want);
    resp_free(&r);

    /* multipart, the drawing fields beside the clustering ones */
    curl_mime *mime = form_image(c, path, "3");
    static const char *const fields[][2] = {{"format", "png"}, {"width", "200"},
                                            {"seed", "9"}, {"labels", "1"}};
    for (size_t i = 0; i < 4; i++) {
        curl_mimepart *part = curl_mime_addpart(mime);
        curl_mime_name(part, fields[i][0]);
        curl_mime_data(part, fields[i][1], CURL_ZERO_TERMINATED);
    }
    r = http(s, "POST", "/v1/swatch", NULL, NULL, 0, mime, c);
    curl_mime_free(mime);
    assert_int_equal(r.status, 200);
    want = cli_swatch(path, "-k 3 --width 200 --seed 9");
    assert_body_equals(&r, &want);
    test_run_free(&want);
    resp_free(&r);

    /* every bad field is a problem document, before any clustering */
    static const struct {
        const char *path, *detail;
        long status;
    } bad[] = {
        {"/v1/swatch?format=gif", "format must be png or svg", 400},
        {"/v1/swatch?format=", "format must be png or svg", 400},
        {"/v1/swatch?width=31", "width must be an integer in 32..2048", 400},
        {"/v1/swatch?width=4096", "width must be an integer in 32..2048", 400},
        {"/v1/swatch?height=15", "height must be an integer in 16..2048", 400},
        {"/v1/swatch?height=abc", "height must be an integer", 400},
        {"/v1/swatch?labels=2", "labels must be 0, 1, false or true", 400},
        {"/v1/swatch?k=0", "k must be", 400},
        {"/v1/swatch?space=hsv", "space must be", 400},
        {"/v1/swatch?k=3&k=4", "", 400},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = http(s, "POST", bad[i].path, "image/jpeg", img, size, NULL, c);
        assert_problem(&r, bad[i].status);
        if (!strstr(r.body, bad[i].detail))
            fail_msg("%s: %s", bad[i].path, r.body);
        resp_free(&r);
    }
    r = http(s, "POST", "/v1/swatch", "image/jpeg", "\xff\xd8\xff\xe0 truncated", 13, NULL, c);
    assert_problem(&r, 422);
    resp_free(&r);
    r = http(s, "POST", "/v1/swatch", "text/plain", "x", 1, NULL, c);
    assert_problem(&r, 415);
    resp_free(&r);
    free(img);
    curl_easy_cleanup(c);
}

static void test_operations(void **state)
{
    server *s = *state;
    resp r = http(s, "GET", "/healthz", NULL, NULL, 0, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_common_headers(&r);
    resp_free(&r);
    r = http(s, "GET", "/readyz", NULL, NULL, 0, NULL, NULL);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    r = http(s, "HEAD", "/healthz", NULL, NULL, 0, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 0);
    resp_free(&r);

    /* a request to count, then the metrics */
    r = http(s, "GET", "/nowhere", NULL, NULL, 0, NULL, NULL);
    resp_free(&r);
    static const char *const series[] = {
        "imgcolor_http_requests_total{route=\"/healthz\",status=\"200\"}",
        "imgcolor_http_requests_total{route=\"unmatched\",status=\"404\"}",
        "imgcolor_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"}",
        "imgcolor_http_request_duration_seconds_sum{route=\"/healthz\"}",
        "imgcolor_http_request_body_bytes_total{route=\"/prominent-colors\"}",
        "imgcolor_http_response_bytes_total{route=\"/healthz\"}",
        "imgcolor_http_requests_in_flight ",
        "imgcolor_http_rejections_total{reason=\"body_too_large\"}",
        "# TYPE imgcolor_http_request_duration_seconds histogram",
    };
    /* A request is counted just after its response is written, so the 404 may reach
     * the metrics a moment after its client saw it (slow under valgrind): poll. */
    const char *missing = NULL;
    for (int attempt = 0; attempt < 100; attempt++) {
        r = http(s, "GET", "/metrics", NULL, NULL, 0, NULL, NULL);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.ctype, "text/plain"));
        missing = NULL;
        for (size_t i = 0; i < sizeof series / sizeof series[0] && !missing; i++)
            if (!strstr(r.body, series[i]))
                missing = series[i];
        resp_free(&r);
        if (!missing)
            break;
        sleep_ms(50);
    }
    if (missing)
        fail_msg("metrics lack %s", missing);
}

/* The OpenAPI document lists exactly the routes the server serves, with their methods:
 * compared with --list-routes (the dispatch table itself) and with live requests. */
static void test_openapi_matches_routes(void **state)
{
    server *s = *state;
    resp r = http(s, "GET", "/openapi.json", NULL, NULL, 0, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "application/json");
    cJSON *doc = cJSON_Parse(r.body);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "openapi")->valuestring, "3.1.0");
    cJSON *paths = cJSON_GetObjectItem(doc, "paths");

    char cmd[600];
    snprintf(cmd, sizeof cmd, "'%s' --list-routes", IMGCOLOR_SERVER_PATH);
    test_run lr = test_run_cmd(cmd, NULL, 0);
    assert_int_equal(lr.status, 0);
    int served = 0;
    for (char *line = strtok(lr.out, "\n"); line; line = strtok(NULL, "\n")) {
        char *path = strrchr(line, ' ') + 1;
        path[-1] = '\0';
        served++;
        cJSON *item = cJSON_GetObjectItem(paths, path);
        if (!item)
            fail_msg("%s is served but not in openapi.json", path);
        /* the methods documented are those served, HEAD going with GET */
        int ndoc = 0;
        for (cJSON *m = item->child; m; m = m->next) {
            char upper[16];
            size_t k = 0;
            for (; m->string[k] && k < 15; k++)
                upper[k] = (char)(m->string[k] - 'a' + 'A');
            upper[k] = '\0';
            if (!strstr(line, upper))
                fail_msg("%s %s documented but not served", upper, path);
            ndoc++;
        }
        assert_int_equal(ndoc, 1);
        /* a live request with the documented method is neither 404 nor 405 */
        resp live = http(s, strncmp(line, "GET", 3) == 0 ? "GET" : "POST", path, NULL, NULL,
                         0, NULL, NULL);
        assert_true(live.status != 404 && live.status != 405 && live.status < 500);
        resp_free(&live);
        /* and another method is 405 with an Allow header naming those served */
        resp wrong = http(s, "PUT", path, NULL, NULL, 0, NULL, NULL);
        assert_problem(&wrong, 405);
        assert_string_equal(header(&wrong, "Allow"), line);
        resp_free(&wrong);
    }
    assert_int_equal(served, cJSON_GetArraySize(paths));
    test_run_free(&lr);
    cJSON_Delete(doc);
    resp_free(&r);
}

/* A PNG whose header claims w x h pixels: the library refuses it before decoding. */
static size_t png_header_only(uint8_t *out, uint32_t w, uint32_t h)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    uint8_t ihdr[17] = {'I', 'H', 'D', 'R', (uint8_t)(w >> 24), (uint8_t)(w >> 16),
                        (uint8_t)(w >> 8), (uint8_t)w, (uint8_t)(h >> 24), (uint8_t)(h >> 16),
                        (uint8_t)(h >> 8), (uint8_t)h, 8, 2, 0, 0, 0};
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < sizeof ihdr; i++) {
        crc ^= ihdr[i];
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    crc ^= 0xffffffffu;
    memcpy(out, sig, 8);
    memcpy(out + 8, "\0\0\0\x0d", 4);
    memcpy(out + 12, ihdr, sizeof ihdr);
    out[29] = (uint8_t)(crc >> 24);
    out[30] = (uint8_t)(crc >> 16);
    out[31] = (uint8_t)(crc >> 8);
    out[32] = (uint8_t)crc;
    /* an IDAT that will never be read, and IEND */
    memcpy(out + 33, "\0\0\0\0IDAT\x35\xaf\x06\x1e\0\0\0\0IEND\xae\x42\x60\x82", 24);
    return 57;
}

static void test_client_errors(void **state)
{
    server *s = *state;
    CURL *c = curl_easy_init();
    const char *form = "application/x-www-form-urlencoded";
    struct {
        const char *method, *path, *ctype, *body;
        long status;
    } cases[] = {
        {"GET", "/no/such/path", NULL, NULL, 404},
        {"POST", "/prominent-colors/", NULL, NULL, 404},
        {"GET", "/prominent-colors", NULL, NULL, 405},
        {"DELETE", "/metrics", NULL, NULL, 405},
        {"POST", "/rgb2hex", form, "rgbs=%5B%5B1%2C2%5D%5D", 400},        /* [[1,2]] */
        {"POST", "/rgb2hex", form, "rgbs=%5B%5B1%2C2%2C300%5D%5D", 400},  /* 300 */
        {"POST", "/rgb2hex", form, "rgbs=not-json", 400},
        {"POST", "/rgb2hex", form, "rgbs=%ZZ", 400},
        {"POST", "/rgb2hex", form, "rgbs=[]&rgbs=[]", 400},
        {"POST", "/rgb2hex", "text/plain", "rgbs=[]", 415},
        {"POST", "/rgb2hex", "application/json", "[]", 415},
        {"POST", "/centroids", form, "colors=%5B%22%23fff%22%5D", 400},   /* no counts */
        {"POST", "/centroids", form, "colors=%5B%22%23fff%22%5D&counts=%5B1%2C2%5D", 400},
        {"POST", "/centroids", form, "colors=%5B%22red%22%5D&counts=%5B1%5D", 400},
        {"POST", "/centroids", form, "colors=%5B%22%23fff%22%5D&counts=%5B-1%5D", 400},
        {"POST", "/centroids", form, "colors=%5B%5D&counts=%5B%5D", 400},
        {"POST", "/prominent-colors", form, "k=6", 400},                 /* no image */
        {"POST", "/prominent-colors", form, "image=abc&k=0", 400},
        {"POST", "/prominent-colors", form, "image=abc&k=65", 400},
        {"POST", "/prominent-colors", form, "image=abc&k=six", 400},
        {"POST", "/prominent-colors", form, "image=not-an-image", 422},
        {"POST", "/prominent-colors", form, "image=%89PNG%0D%0A%1A%0Agarbage", 422},
        {"POST", "/prominent-colors", "image/png", "x", 415},
        {"POST", "/v1/rgb2hex", "application/json", "{\"rgbs\": [[1,2,3]", 400},
        {"POST", "/v1/rgb2hex", "application/json", "{\"rgb\": []}", 400},
        {"POST", "/v1/rgb2hex", "application/json", "[]", 400},
        {"POST", "/v1/rgb2hex", "application/json", "{\"rgbs\": []} x", 400},
        {"POST", "/v1/rgb2hex", form, "rgbs=[]", 415},
        {"POST", "/v1/centroids", "application/json", "{\"colors\": [\"#fff\"], \"counts\": [1], \"format\": \"gif\"}", 400},
        {"POST", "/v1/centroids", "application/json", "{\"colors\": [\"#fff\"], \"counts\": [1], \"width\": 5}", 400},
        {"POST", "/v1/centroids", "application/json", "{\"colors\": [\"#fff\"], \"counts\": [1], \"labels\": 1}", 400},
        {"POST", "/v1/prominent-colors?k=0", "image/jpeg", "x", 400},
        {"POST", "/v1/prominent-colors?k=3&k=4", "image/jpeg", "x", 400},
        {"POST", "/v1/prominent-colors?seed=-1", "image/jpeg", "\xff\xd8\xff", 400},
        {"POST", "/v1/prominent-colors?fast=2", "image/jpeg", "\xff\xd8\xff", 400},
        {"POST", "/v1/prominent-colors?fast=yes", "image/jpeg", "\xff\xd8\xff", 400},
        {"POST", "/v1/prominent-colors", "image/jpeg", "\xff\xd8\xff\xe0 truncated", 422},
        {"POST", "/v1/prominent-colors", "text/plain", "x", 415},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        resp r = http(s, cases[i].method, cases[i].path, cases[i].ctype, cases[i].body,
                      cases[i].body ? strlen(cases[i].body) : 0, NULL, c);
        if (r.status != cases[i].status)
            fail_msg("case %zu (%s %s %s): expected %ld, got %ld: %s", i, cases[i].method,
                     cases[i].path, cases[i].body ? cases[i].body : "", cases[i].status,
                     r.status, r.body);
        assert_problem(&r, cases[i].status);
        if (cases[i].status == 405)
            assert_non_null(header(&r, "Allow"));
        if (cases[i].status == 415)
            assert_non_null(header(&r, "Accept-Post"));
        resp_free(&r);
        assert_alive(s);
    }

    /* over the pixel limit (40 MP by default): 422, refused from the header */
    uint8_t png[64];
    size_t n = png_header_only(png, 10000, 5000);
    resp r = http(s, "POST", "/v1/prominent-colors", "image/png", png, n, NULL, c);
    assert_problem(&r, 422);
    assert_non_null(strstr(r.body, "image-too-large"));
    resp_free(&r);

    /* a list over --max-list: 413 */
    size_t big = 1100 * 10 + 16;
    char *list = malloc(big);
    strcpy(list, "rgbs=[");
    for (int i = 0; i < 1100; i++)
        strcat(list, i ? ",[1,2,3]" : "[1,2,3]");
    strcat(list, "]");
    r = http(s, "POST", "/rgb2hex", form, list, strlen(list), NULL, c);
    assert_problem(&r, 413);
    resp_free(&r);
    free(list);

    /* a body over --max-body-bytes (20 MiB): 413 before the body is read */
    size_t huge = 21u << 20;
    char *body = malloc(huge);
    memset(body, 'x', huge);
    r = http(s, "POST", "/v1/prominent-colors", "image/png", body, huge, NULL, c);
    assert_problem(&r, 413);
    resp_free(&r);
    free(body);
    assert_alive(s);
    curl_easy_cleanup(c);
}

/* Requests curl will not send: no length, chunked, NUL bytes, broken HTTP. */
/* An answer given before the body is read (unknown route, wrong method) does not cut
 * the client off while it is still sending: the server reads the rest of a modest body
 * before closing. Closing with unread bytes would reset the connection, and a client in
 * the middle of its upload (curl, requests) then reports the reset, not the answer. */
static void test_early_answer_lets_upload_finish(void **state)
{
    server *s = *state;
    static const char *const heads[] = {
        "POST /no-such-endpoint HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
        "Content-Length: 300000\r\nConnection: close\r\n\r\n",
        "PUT /prominent-colors HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
        "Content-Length: 300000\r\nConnection: close\r\n\r\n",
    };
    const int want[] = {404, 405};
    static char body[300000];
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        int fd = connect_to(s);
        size_t hl = strlen(heads[i]);
        assert_int_equal(send(fd, heads[i], hl, MSG_NOSIGNAL), (ssize_t)hl);
        assert_int_equal(send(fd, body, 1000, MSG_NOSIGNAL), 1000);
        sleep_ms(300); /* the answer is out; the upload goes on, a piece at a time */
        for (size_t off = 1000; off < sizeof body;) {
            size_t piece = sizeof body - off < 30000 ? sizeof body - off : 30000;
            ssize_t n = send(fd, body + off, piece, MSG_NOSIGNAL);
            if (n <= 0)
                fail_msg("upload cut off after %zu bytes: %s", off, strerror(errno));
            off += (size_t)n;
            sleep_ms(10);
        }
        char out[4096];
        size_t got = 0;
        for (ssize_t n; got < sizeof out - 1 && (n = recv(fd, out + got, sizeof out - 1 - got, 0)) > 0;)
            got += (size_t)n;
        out[got] = '\0';
        close(fd);
        int status = 0;
        sscanf(out, "HTTP/1.%*d %d", &status);
        if (status != want[i])
            fail_msg("expected %d, got %d: %s", want[i], status, out);
        assert_non_null(strstr(out, "Connection: close"));
    }
    assert_alive(s);
}

static void test_raw_errors(void **state)
{
    server *s = *state;
    struct {
        const char *req;
        size_t len;
        int status;
    } cases[] = {
#define REQ(text, status) {text, sizeof text - 1, status}
        REQ("POST /rgb2hex HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Connection: close\r\n\r\n", 411),
        REQ("POST /rgb2hex HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 9\r\nConnection: close\r\n\r\nrgbs=[\0]x", 400),
        REQ("POST /rgb2hex HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 12\r\nConnection: close\r\n\r\nrgbs=%5B%00]", 400),
        REQ("POST /rgb2hex HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            "5\r\nrgbs=\r\n9\r\n[[1,2,3]]\r\n0\r\n\r\n", 200),
        REQ("POST /prominent-colors HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: multipart/form-data; boundary=XXXXXXXX\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n", 400),
        REQ("POST /prominent-colors HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: multipart/form-data; boundary=XXXXXXXX\r\n"
            "Content-Length: 28\r\nConnection: close\r\n\r\n--XXXXXXXX\r\nbroken multipart", 400),
        REQ("POST /prominent-colors HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: multipart/form-data\r\n"
            "Content-Length: 4\r\nConnection: close\r\n\r\nabcd", 400),
        REQ("POST /v1/rgb2hex HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 99999999999\r\nConnection: close\r\n\r\n{", 413),
        REQ("POST /v1/rgb2hex HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 14\r\nConnection: close\r\n\r\n{\"rgbs\":[\0]}  ", 400),
        REQ("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400),
        REQ("BLAH\r\n\r\n", 400),
        REQ("GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", 400),
        REQ("GET /%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400),
        REQ("GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400),
#undef REQ
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int status;
        char *out = raw(s, cases[i].req, cases[i].len, &status, 0);
        if (status != cases[i].status)
            fail_msg("raw case %zu: expected %d, got %d:\n%s", i, cases[i].status, status, out);
        if (status >= 400) {
            assert_non_null(strstr(out, "Content-Type: application/problem+json"));
            assert_non_null(strstr(out, "X-Content-Type-Options: nosniff"));
            cJSON *doc = raw_json(out);
            assert_non_null(doc);
            assert_int_equal(cJSON_GetObjectItem(doc, "status")->valueint, status);
            cJSON_Delete(doc);
        }
        assert_null(strstr(out, "<html"));
        free(out);
        assert_alive(s);
    }
}

/* A body that trickles in slower than --request-timeout-ms allows: 408. */
static void test_timeout(void **state)
{
    (void)state;
    server *s = server_start("--request-timeout-ms 300");
    const char req[] = "POST /v1/rgb2hex HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Content-Length: 100\r\n\r\n{\"rgbs\": ";
    int status;
    char *out = raw(s, req, sizeof req - 1, &status, 0);
    assert_int_equal(status, 408);
    assert_non_null(strstr(out, "application/problem+json"));
    free(out);
    assert_alive(s);
    server_stop(s);
}

/* Limits set by flags and by the environment, each checked before its work. */
static void test_configured_limits(void **state)
{
    (void)state;
    setenv("IMGCOLOR_MAX_K", "3", 1);
    server *s = server_start("--max-json-bytes 100 --max-body-bytes 150000 --max-pixels 1000 "
                             "--max-list 4");
    unsetenv("IMGCOLOR_MAX_K");
    CURL *c = curl_easy_init();

    /* k over the limit from the environment */
    curl_mime *mime = form_image(c, example("1.jpg"), "4");
    resp r = http(s, "POST", "/prominent-colors", NULL, NULL, 0, mime, c);
    curl_mime_free(mime);
    assert_problem(&r, 400);
    assert_non_null(strstr(r.body, "1..3"));
    resp_free(&r);

    /* 1.jpg (640x427) over 1000 pixels: 422 */
    mime = form_image(c, example("1.jpg"), "3");
    r = http(s, "POST", "/prominent-colors", NULL, NULL, 0, mime, c);
    curl_mime_free(mime);
    assert_problem(&r, 422);
    resp_free(&r);

    /* a body over 150000 bytes, declared: 413 before reading */
    size_t n = 200000;
    char *big = calloc(1, n);
    r = http(s, "POST", "/v1/prominent-colors", "image/jpeg", big, n, NULL, c);
    assert_problem(&r, 413);
    resp_free(&r);
    free(big);

    /* a list of five where four are allowed */
    const char *five = "{\"rgbs\": [[1,1,1],[2,2,2],[3,3,3],[4,4,4],[5,5,5]]}";
    r = http(s, "POST", "/v1/rgb2hex", "application/json", five, strlen(five), NULL, c);
    assert_problem(&r, 413);
    resp_free(&r);
    curl_easy_cleanup(c);

    /* a chunked body that grows past 100 bytes: 413 while it arrives */
    char req[1024];
    snprintf(req, sizeof req,
             "POST /rgb2hex HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
             "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
             "40\r\nrgbs=%%5B%%5B1%%2C1%%2C1%%5D%%2C%%5B1%%2C1%%2C1%%5D%%2C%%5B1%%2C1%%2C1%%5D%%5D__\r\n"
             "40\r\n________________________________________________________________\r\n0\r\n\r\n");
    int status;
    char *out = raw(s, req, strlen(req), &status, 0);
    assert_int_equal(status, 413);
    free(out);

    /* and the rejections are counted */
    r = http(s, "GET", "/metrics", NULL, NULL, 0, NULL, NULL);
    assert_non_null(strstr(r.body, "imgcolor_http_rejections_total{reason=\"body_too_large\"} 2"));
    assert_non_null(strstr(r.body, "imgcolor_http_rejections_total{reason=\"k_out_of_range\"} 1"));
    assert_non_null(strstr(r.body, "imgcolor_http_rejections_total{reason=\"too_many_pixels\"} 1"));
    assert_non_null(strstr(r.body, "imgcolor_http_rejections_total{reason=\"list_too_long\"} 1"));
    resp_free(&r);
    assert_alive(s);
    server_stop(s);
}

/* ------------------------------------------------------------------------------------ */
/* Concurrency and shutdown                                                              */

typedef struct job {
    const server *s;
    const char *image;
    int k;
    char *answer; /* body of the 200, or NULL */
    long status;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    CURL *c = curl_easy_init();
    char k[8];
    snprintf(k, sizeof k, "%d", j->k);
    curl_mime *mime = form_image(c, j->image, k);
    resp r = http(j->s, "POST", "/prominent-colors", NULL, NULL, 0, mime, c);
    curl_mime_free(mime);
    curl_easy_cleanup(c);
    j->answer = strdup(r.body ? r.body : "");
    j->status = r.status;
    resp_free(&r);
    return NULL;
}

static void test_concurrent_equals_serial(void **state)
{
    server *s = *state;
    enum { N = 16 };
    job serial[N], parallel[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        serial[i] = (job){s, example(i % 2 ? "1.jpg" : "3.jpg"), 2 + i % 7, NULL, 0};
        serial[i].image = strdup(serial[i].image);
        parallel[i] = serial[i];
        run_job(&serial[i]);
        assert_non_null(serial[i].answer);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < N; i++)
        assert_int_equal(pthread_create(&th[i], NULL, run_job, &parallel[i]), 0);
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (int i = 0; i < N; i++) {
        assert_non_null(parallel[i].answer);
        assert_string_equal(parallel[i].answer, serial[i].answer);
        free(serial[i].answer);
        free(parallel[i].answer);
        free((char *)serial[i].image);
    }
    print_message("16 concurrent /prominent-colors: %.0f ms, all equal to serial\n",
                  (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
}

typedef struct loader {
    const server *s;
    const char *expect; /* the answer every 200 must equal */
    atomic_int *stop;
    atomic_int *signalled; /* SIGTERM has been sent */
    int ok, refused, lost, late, wrong;
} loader;

/* Sends requests on one keep-alive connection until the server turns it away. */
static void *load(void *arg)
{
    loader *l = arg;
    CURL *c = curl_easy_init();
    while (!atomic_load(l->stop)) {
        curl_mime *mime = form_image(c, example("3.jpg"), "4");
        int after_signal = atomic_load(l->signalled);
        resp r = http(l->s, "POST", "/prominent-colors", NULL, NULL, 0, mime, c);
        curl_mime_free(mime);
        if (r.status == 200 && strcmp(r.body, l->expect) == 0)
            l->ok++;
        else if (r.status == 200)
            l->wrong++;
        else if (r.status == 503 || r.curl_error == CURLE_COULDNT_CONNECT)
            l->refused++; /* told to come back, or nobody listening: never processed */
        else if (after_signal)
            l->late++;    /* sent after SIGTERM, cut as the server stopped: not taken */
        else
            l->lost++;    /* sent before SIGTERM and left unanswered */
        resp_free(&r);
        if (r.status != 200)
            break;
    }
    curl_easy_cleanup(c);
    return NULL;
}

static void test_shutdown_under_load(void **state)
{
    (void)state;
    server *s = server_start("--threads 24 --rate-limit 0");
    job ref = {s, example("3.jpg"), 4, NULL, 0};
    run_job(&ref);
    assert_non_null(ref.answer);

    enum { N = 16 };
    atomic_int stop = 0, signalled = 0;
    loader l[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        l[i] = (loader){s, ref.answer, &stop, &signalled, 0, 0, 0, 0, 0};
        pthread_create(&th[i], NULL, load, &l[i]);
    }
    sleep_ms(1500);
    atomic_store(&signalled, 1);
    kill(s->pid, SIGTERM);
    int rc = wait_exit(s->pid, 30000);
    atomic_store(&stop, 1);
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    int ok = 0, refused = 0, lost = 0, late = 0, wrong = 0;
    for (int i = 0; i < N; i++) {
        ok += l[i].ok;
        refused += l[i].refused;
        lost += l[i].lost;
        late += l[i].late;
        wrong += l[i].wrong;
    }
    print_message("shutdown under load: %d answered, %d refused, %d cut after the signal, "
                  "%d lost, %d wrong; exit %d\n", ok, refused, late, lost, wrong, rc);
    assert_int_equal(rc, 0);
    assert_int_equal(lost, 0);
    assert_int_equal(wrong, 0);
    assert_true(ok >= N);
    free(ref.answer);
    test_rmdir_r(s->dir);
    free(s->dir);
    free(s);
}

/* The access log: one JSON line per request, no bodies or query strings. */
static void test_access_log(void **state)
{
    (void)state;
    server *s = server_start(NULL);
    resp r = http(s, "POST", "/rgb2hex?token=secret", "application/x-www-form-urlencoded",
                  "rgbs=%5B%5B9%2C9%2C9%5D%5D", 26, NULL, NULL);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    char log[600];
    snprintf(log, sizeof log, "%s", s->log);
    char *dir = strdup(s->dir);
    kill(s->pid, SIGTERM);
    assert_int_equal(wait_exit(s->pid, 20000), 0);
    size_t n;
    char *text = (char *)test_read_file(log, &n);
    text = realloc(text, n + 1);
    text[n] = '\0';
    assert_null(strstr(text, "secret"));
    assert_null(strstr(text, "[[9,9,9]]"));
    int requests = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *doc = cJSON_Parse(line);
        if (!doc)
            fail_msg("log line is not JSON: %s", line);
        if (cJSON_GetObjectItem(doc, "path")) {
            requests++;
            assert_string_equal(cJSON_GetObjectItem(doc, "path")->valuestring, "/rgb2hex");
            assert_string_equal(cJSON_GetObjectItem(doc, "method")->valuestring, "POST");
            assert_int_equal(cJSON_GetObjectItem(doc, "status")->valueint, 200);
            assert_string_equal(cJSON_GetObjectItem(doc, "client")->valuestring, "127.0.0.1");
            assert_non_null(cJSON_GetObjectItem(doc, "duration_ms"));
            assert_non_null(cJSON_GetObjectItem(doc, "bytes"));
            assert_non_null(cJSON_GetObjectItem(doc, "time"));
        }
        cJSON_Delete(doc);
    }
    assert_int_equal(requests, 1);
    free(text);
    test_rmdir_r(dir);
    free(dir);
    free(s->dir);
    free(s);
}

static void test_help_and_bad_flags(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "'%s' --help", IMGCOLOR_SERVER_PATH);
    test_run r = test_run_cmd(cmd, NULL, 0);
    assert_int_equal(r.status, 0);
    static const char *const flags[] = {"--host", "--port", "--threads", "--max-body-bytes",
                                        "--max-pixels", "--max-k", "--max-list",
                                        "--request-timeout-ms", "--log-format",
                                        "IMGCOLOR_MAX_BODY_BYTES", "default 20971520"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (!strstr(r.out, flags[i]))
            fail_msg("--help lacks %s", flags[i]);
    test_run_free(&r);
    snprintf(cmd, sizeof cmd, "'%s' --max-k 0", IMGCOLOR_SERVER_PATH);
    r = test_run_cmd(cmd, NULL, 0);
    assert_int_equal(r.status, 2);
    test_run_free(&r);
    snprintf(cmd, sizeof cmd, "IMGCOLOR_LOG_FORMAT=xml '%s'", IMGCOLOR_SERVER_PATH);
    r = test_run_cmd(cmd, NULL, 0);
    assert_int_equal(r.status, 2);
    test_run_free(&r);
}

/* ------------------------------------------------------------------------------------ */
/* API keys, rate limit, concurrency gate, CORS                                          */

/* `imgcolor-server new-key LABEL`: the key into key, the keys-file line into line. */
static void new_key(const char *label, char *key, size_t ksize, char *line, size_t lsize)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "'%s' new-key %s", IMGCOLOR_SERVER_PATH, label);
    test_run r = test_run_cmd(cmd, NULL, 0);
    assert_int_equal(r.status, 0);
    assert_int_equal(sscanf(r.out, "%127s", key), 1);
    const char *second = strchr(r.out, '\n');
    assert_non_null(second);
    snprintf(line, lsize, "%.*s", (int)strcspn(second + 1, "\n"), second + 1);
    assert_true(strlen(key) > 40 && strlen(key) < ksize);
    assert_null(strstr(line, key));
    test_run_free(&r);
}

static long status_with(const server *s, const char *method, const char *path,
                        const char *header_line)
{
    const char *form = "application/x-www-form-urlencoded";
    int post = strcmp(method, "POST") == 0;
    resp r = http_ex(s, 0, method, path, post ? form : NULL, header_line,
                     post ? "rgbs=%5B%5D" : NULL, post ? 11 : 0, NULL, NULL);
    long status = r.status;
    if (status >= 400)
        assert_problem(&r, status);
    else
        assert_common_headers(&r);
    resp_free(&r);
    return status;
}

static void test_api_keys(void **state)
{
    (void)state;
    char key[128], line[256], key2[128], line2[256], hdr[300];
    new_key("ci-client", key, sizeof key, line, sizeof line);
    new_key("ci-rotated", key2, sizeof key2, line2, sizeof line2);
    char *dir = test_tmpdir();
    char keys[600], text[600];
    snprintf(keys, sizeof keys, "%s/keys", dir);
    snprintf(text, sizeof text, "# test keys\n%s\n", line);
    test_write_file(keys, text, strlen(text));
    char args[800];
    snprintf(args, sizeof args, "--api-keys %s --metrics-listen 127.0.0.1:0 --rate-limit 0",
             keys);
    server *s = server_start(args);
    assert_true(s->metrics_port > 0);

    /* health stays open; everything else needs the key */
    assert_int_equal(status_with(s, "GET", "/healthz", NULL), 200);
    assert_int_equal(status_with(s, "GET", "/readyz", NULL), 200);
    resp r = http(s, "POST", "/rgb2hex", "application/x-www-form-urlencoded", "rgbs=[]", 7,
                  NULL, NULL);
    assert_problem(&r, 401);
    assert_string_equal(header(&r, "WWW-Authenticate"), "Bearer realm=\"imgcolor\"");
    resp_free(&r);
    assert_int_equal(status_with(s, "GET", "/openapi.json", NULL), 401);
    r = http_ex(s, 0, "GET", "/openapi.json", NULL, "Authorization: Bearer imgc_wrong", NULL,
                0, NULL, NULL);
    assert_problem(&r, 401);
    assert_non_null(strstr(header(&r, "WWW-Authenticate"), "error=\"invalid_token\""));
    resp_free(&r);

    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", key);
    assert_int_equal(status_with(s, "POST", "/rgb2hex", hdr), 200);
    snprintf(hdr, sizeof hdr, "authorization: bearer   %s", key);
    assert_int_equal(status_with(s, "POST", "/rgb2hex", hdr), 200);
    snprintf(hdr, sizeof hdr, "X-API-Key: %s", key);
    assert_int_equal(status_with(s, "POST", "/rgb2hex", hdr), 200);
    assert_int_equal(status_with(s, "GET", "/openapi.json", hdr), 200);
    snprintf(hdr, sizeof hdr, "Authorization: Basic %s", key);
    assert_int_equal(status_with(s, "POST", "/rgb2hex", hdr), 401);
    snprintf(hdr, sizeof hdr, "X-API-Key: %.20s", key); /* a prefix of the key */
    assert_int_equal(status_with(s, "POST", "/rgb2hex", hdr), 401);
    /* never from the URL */
    char path[300];
    snprintf(path, sizeof path, "/rgb2hex?api_key=%s", key);
    assert_int_equal(status_with(s, "POST", path, NULL), 401);

    /* /metrics only on its own listener, and open there; nothing else is */
    snprintf(hdr, sizeof hdr, "X-API-Key: %s", key);
    assert_int_equal(status_with(s, "GET", "/metrics", hdr), 404);
    r = http_ex(s, s->metrics_port, "GET", "/metrics", NULL, NULL, NULL, 0, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "imgcolor_http_rejections_total{reason=\"unauthorized\"} 6"));
    resp_free(&r);
    r = http_ex(s, s->metrics_port, "POST", "/rgb2hex", "application/x-www-form-urlencoded",
                hdr, "rgbs=[]", 7, NULL, NULL);
    assert_problem(&r, 404);
    resp_free(&r);

    /* rotation: the new key in, the old key out, SIGHUP; a broken file changes nothing */
    snprintf(text, sizeof text, "%s\n", line2);
    test_write_file(keys, text, strlen(text));
    kill(s->pid, SIGHUP);
    char old_hdr[300], new_hdr[300];
    snprintf(old_hdr, sizeof old_hdr, "X-API-Key: %s", key);
    snprintf(new_hdr, sizeof new_hdr, "X-API-Key: %s", key2);
    long old_status = 0;
    for (int i = 0; i < 100 && (old_status = status_with(s, "POST", "/rgb2hex", old_hdr)) != 401;
         i++)
        sleep_ms(20);
    assert_int_equal(old_status, 401);
    assert_int_equal(status_with(s, "POST", "/rgb2hex", new_hdr), 200);
    test_write_file(keys, "garbage\n", 8);
    kill(s->pid, SIGHUP);
    sleep_ms(300);
    assert_int_equal(status_with(s, "POST", "/rgb2hex", new_hdr), 200);

    /* the log names labels, never keys */
    char log[600];
    snprintf(log, sizeof log, "%s", s->log);
    char *sdir = strdup(s->dir);
    kill(s->pid, SIGTERM);
    assert_int_equal(wait_exit(s->pid, 20000), 0);
    size_t n;
    char *logtext = (char *)test_read_file(log, &n);
    logtext = realloc(logtext, n + 1);
    logtext[n] = '\0';
    assert_null(strstr(logtext, key));
    assert_null(strstr(logtext, key2));
    assert_non_null(strstr(logtext, "\"key\":\"ci-client\""));
    assert_non_null(strstr(logtext, "\"key\":\"ci-rotated\""));
    assert_non_null(strstr(logtext, "keys not reloaded"));
    free(logtext);
    test_rmdir_r(sdir);
    free(sdir);
    free(s->dir);
    free(s);

    /* a keys file that is missing, empty or holds a key itself: refuse to start */
    static const char *const broken[] = {"", "imgc_plainkey ci\n", "sha256:00 ci\n"};
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        test_write_file(keys, broken[i], strlen(broken[i]));
        char cmd[900];
        snprintf(cmd, sizeof cmd, "'%s' --port 0 --api-keys %s", IMGCOLOR_SERVER_PATH, keys);
        test_run run = test_run_cmd(cmd, NULL, 0);
        assert_int_equal(run.status, 1);
        assert_non_null(strstr(run.err, "--api-keys"));
        test_run_free(&run);
    }
    test_rmdir_r(dir);
    free(dir);
}

static void test_rate_limit(void **state)
{
    (void)state;
    server *s = server_start("--rate-limit 2 --rate-burst 5");
    int ok = 0, limited = 0;
    for (int i = 0; i < 8; i++) {
        resp r = http(s, "POST", "/rgb2hex", "application/x-www-form-urlencoded", "rgbs=[]", 7,
                      NULL, NULL);
        if (r.status == 200)
            ok++;
        else {
            assert_problem(&r, 429);
            const char *retry = header(&r, "Retry-After");
            assert_non_null(retry);
            assert_true(atoi(retry) >= 1 && atoi(retry) <= 2);
            limited++;
        }
        resp_free(&r);
        /* probes are never limited */
        assert_alive(s);
    }
    assert_true(ok >= 5 && ok <= 6); /* the burst, and at most one token refilled */
    assert_true(limited >= 2);
    sleep_ms(1100); /* two tokens back */
    assert_int_equal(status_with(s, "POST", "/rgb2hex", NULL), 200);
    resp r = http(s, "GET", "/metrics", NULL, NULL, 0, NULL, NULL);
    assert_non_null(strstr(r.body, "imgcolor_http_rejections_total{reason=\"rate_limited\"}"));
    resp_free(&r);
    /* X-Real-IP means nothing from a peer that is not the trusted proxy */
    assert_int_equal(status_with(s, "POST", "/rgb2hex", "X-Real-IP: 10.9.9.9"), 429);
    server_stop(s);

    /* behind the proxy: each client its own bucket, by X-Real-IP */
    s = server_start("--rate-limit 1 --rate-burst 2 --trusted-proxy 127.0.0.1");
    assert_int_equal(status_with(s, "POST", "/rgb2hex", "X-Real-IP: 10.0.0.1"), 200);
    assert_int_equal(status_with(s, "POST", "/rgb2hex", "X-Real-IP: 10.0.0.1"), 200);
    assert_int_equal(status_with(s, "POST", "/rgb2hex", "X-Real-IP: 10.0.0.1"), 429);
    assert_int_equal(status_with(s, "POST", "/rgb2hex", "X-Real-IP: 10.0.0.2"), 200);
    assert_int_equal(status_with(s, "POST", "/rgb2hex", "X-Real-IP: not an address"), 200);
    server_stop(s);
}

/* Opens a connection and sends a request head whose body never comes. */
static int hold_request(const server *s, const char *path)
{
    int fd = connect_to(s);
    char req[300];
    int n = snprintf(req, sizeof req,
                     "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                     "Content-Length: 100000\r\n\r\n\x89PNG", path);
    assert_int_equal(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
    return fd;
}

/* Waits until the server handles no request but the /metrics one asking: a worker
 * leaves the gate only after its answer is written, so a client may be ahead of it. */
static void wait_idle(const server *s)
{
    for (int i = 0; i < 500; i++) {
        resp r = http(s, "GET", "/metrics", NULL, NULL, 0, NULL, NULL);
        int idle = r.body && strstr(r.body, "\nimgcolor_http_requests_in_flight 1\n") != NULL;
        resp_free(&r);
        if (idle)
            return;
        sleep_ms(10);
    }
    fail_msg("the server never became idle");
}

static void test_concurrency_gate(void **state)
{
    (void)state;
    server *s = server_start("--max-concurrent 1 --max-queue 1 --rate-limit 0");
    /* Requests whose bodies are still on their way hold no place at the gate: the front
     * passes a request on only once it is complete. */
    int a = hold_request(s, "/v1/prominent-colors");
    int b = hold_request(s, "/v1/prominent-colors?k=2");
    sleep_ms(300);
    CURL *c = curl_easy_init();
    curl_mime *mime = form_image(c, example("1.jpg"), "3");
    resp r = http(s, "POST", "/prominent-colors", NULL, NULL, 0, mime, c);
    curl_mime_free(mime);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    curl_easy_cleanup(c);
    close(a);
    close(b);
    wait_idle(s);
    /* Complete ones do: of 12 at once, one computes, one waits, the rest are refused. */
    enum { N = 12 };
    job jobs[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        jobs[i] = (job){s, example("1.jpg"), 8, NULL, 0};
        assert_int_equal(pthread_create(&th[i], NULL, run_job, &jobs[i]), 0);
    }
    int served = 0, refused = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        served += jobs[i].status == 200;
        refused += jobs[i].status == 503;
        if (jobs[i].status != 200)
            print_message("  %ld: %.160s\n", jobs[i].status, jobs[i].answer);
        free(jobs[i].answer);
    }
    print_message("12 heavy requests at once, 1 computing and 1 waiting: %d served, %d "
                  "refused with 503\n", served, refused);
    assert_int_equal(served + refused, N);
    assert_true(served >= 2 && refused >= 1);
    /* light routes and probes are not behind the gate */
    assert_int_equal(status_with(s, "POST", "/rgb2hex", NULL), 200);
    assert_alive(s);
    r = http(s, "GET", "/metrics", NULL, NULL, 0, NULL, NULL);
    assert_non_null(strstr(r.body, "imgcolor_http_rejections_total{reason=\"queue_full\"} "));
    assert_null(strstr(r.body, "imgcolor_http_rejections_total{reason=\"queue_full\"} 0\n"));
    resp_free(&r);
    server_stop(s);
}

static void test_cors(void **state)
{
    (void)state;
    /* off by default: no CORS header, and civetweb's own preflight answer is off too */
    server *s = server_start(NULL);
    resp r = http_ex(s, 0, "OPTIONS", "/rgb2hex", NULL,
                     "Origin: https://a.example\r\nAccess-Control-Request-Method: POST", NULL, 0,
                     NULL, NULL);
    assert_null(header(&r, "Access-Control-Allow-Origin"));
    assert_true(r.status >= 400);
    resp_free(&r);
    server_stop(s);

    s = server_start("--cors-origins https://a.example,https://b.example");
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, "Origin: https://a.example");
    h = curl_slist_append(h, "Access-Control-Request-Method: POST");
    h = curl_slist_append(h, "Access-Control-Request-Headers: authorization");
    char url[200];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/rgb2hex", s->port);
    sink head = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "OPTIONS");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &head);
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    assert_int_equal(code, 204);
    resp pre = {.head = head.buf};
    assert_string_equal(header(&pre, "Access-Control-Allow-Origin"), "https://a.example");
    assert_string_equal(header(&pre, "Access-Control-Allow-Methods"), "POST");
    assert_non_null(strstr(header(&pre, "Access-Control-Allow-Headers"), "Authorization"));
    assert_string_equal(header(&pre, "Vary"), "Origin");
    assert_common_headers(&pre);
    free(head.buf);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);

    r = http_ex(s, 0, "OPTIONS", "/rgb2hex", NULL,
                "Origin: https://evil.example\r\nAccess-Control-Request-Method: POST", NULL, 0,
                NULL, NULL);
    assert_problem(&r, 403);
    assert_null(header(&r, "Access-Control-Allow-Origin"));
    resp_free(&r);
    r = http_ex(s, 0, "POST", "/rgb2hex", "application/x-www-form-urlencoded",
                "Origin: https://b.example", "rgbs=[]", 7, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Access-Control-Allow-Origin"), "https://b.example");
    resp_free(&r);
    r = http_ex(s, 0, "POST", "/rgb2hex", "application/x-www-form-urlencoded",
                "Origin: https://b.example.evil", "rgbs=[]", 7, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_null(header(&r, "Access-Control-Allow-Origin"));
    resp_free(&r);
    server_stop(s);
}

/* Caps on the work one request may ask for. */
static void test_work_caps(void **state)
{
    (void)state;
    server *s = server_start("--max-n-init 5 --max-pie-side 512 --rate-limit 0");
    CURL *c = curl_easy_init();
    curl_mime *mime = form_image(c, example("1.jpg"), "3");
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "n_init");
    curl_mime_data(part, "6", CURL_ZERO_TERMINATED);
    resp r = http(s, "POST", "/v1/prominent-colors", NULL, NULL, 0, mime, c);
    curl_mime_free(mime);
    assert_problem(&r, 400);
    assert_non_null(strstr(r.body, "1..5"));
    resp_free(&r);
    const char *big = "{\"colors\":[\"#fff\"],\"counts\":[1],\"width\":513}";
    r = http(s, "POST", "/v1/centroids", "application/json", big, strlen(big), NULL, c);
    assert_problem(&r, 400);
    resp_free(&r);
    const char *fine = "{\"colors\":[\"#fff\"],\"counts\":[1],\"width\":512,\"height\":512}";
    r = http(s, "POST", "/v1/centroids", "application/json", fine, strlen(fine), NULL, c);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    r = http(s, "GET", "/metrics", NULL, NULL, 0, NULL, NULL);
    assert_non_null(strstr(r.body, "reason=\"n_init_out_of_range\"} 1"));
    assert_non_null(strstr(r.body, "reason=\"pie_too_large\"} 1"));
    resp_free(&r);
    curl_easy_cleanup(c);
    server_stop(s);
}

/* --tls-cert: HTTPS only if it really works here; otherwise exit 1 with the reason and
 * the way out, never a port that resets every request. */
static void test_tls_refused_or_working(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s/key.pem' "
             "-out '%s/cert.pem' -days 1 -subj /CN=localhost 2>&1", dir, dir);
    test_run gen = test_run_cmd(cmd, NULL, 0);
    if (gen.status != 0) {
        test_run_free(&gen);
        test_rmdir_r(dir);
        free(dir);
        skip();
    }
    test_run_free(&gen);
    /* start in the background, so that a working HTTPS server can be stopped */
    snprintf(cmd, sizeof cmd,
             "'%s' --port 0 --port-file '%s/port' --tls-cert '%s/cert.pem' "
             "--tls-key '%s/key.pem' 2>'%s/err' & pid=$!; "
             "for i in $(seq 100); do [ -s '%s/port' ] && break; "
             "kill -0 $pid 2>/dev/null || break; sleep 0.1; done; "
             "if [ -s '%s/port' ]; then curl -sk -o /dev/null -w '%%{http_code}' "
             "https://127.0.0.1:$(head -1 '%s/port')/healthz; kill $pid; wait $pid; "
             "echo \" stopped $?\"; else wait $pid; echo \"exit $?\"; fi",
             IMGCOLOR_SERVER_PATH, dir, dir, dir, dir, dir, dir, dir);
    test_run r = test_run_cmd(cmd, NULL, 0);
    char errpath[600];
    snprintf(errpath, sizeof errpath, "%s/err", dir);
    size_t n;
    char *err = (char *)test_read_file(errpath, &n);
    err = realloc(err, n + 1);
    err[n] = '\0';
    if (strstr(r.out, "exit")) {
        print_message("--tls-cert refused, as expected with this civetweb: %s", r.out);
        assert_non_null(strstr(r.out, "exit 1"));
        assert_non_null(strstr(err, "OpenSSL 1.1"));
        assert_non_null(strstr(err, "deploy/nginx"));
    } else {
        print_message("HTTPS works with this civetweb: %s\n", r.out);
        assert_non_null(strstr(r.out, "200 stopped 0"));
    }
    free(err);
    test_run_free(&r);
    test_rmdir_r(dir);
    free(dir);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    atexit(kill_leftovers);
    const struct CMUnitTest shared[] = {
        cmocka_unit_test(test_seed_endpoints),
        cmocka_unit_test(test_seed_multipart_fields_and_defaults),
        cmocka_unit_test(test_v1_endpoints),
        cmocka_unit_test(test_v1_fast),
        cmocka_unit_test(test_v1_swatch),
        cmocka_unit_test(test_v1_where),
        cmocka_unit_test(test_v1_subject),
        cmocka_unit_test(test_v1_map),
        cmocka_unit_test(test_operations),
        cmocka_unit_test(test_openapi_matches_routes),
        cmocka_unit_test(test_client_errors),
        cmocka_unit_test(test_raw_errors),
        cmocka_unit_test(test_early_answer_lets_upload_finish),
        cmocka_unit_test(test_concurrent_equals_serial),
    };
    const struct CMUnitTest own[] = {
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_configured_limits),
        cmocka_unit_test(test_access_log),
        cmocka_unit_test(test_help_and_bad_flags),
        cmocka_unit_test(test_shutdown_under_load),
    };
    const struct CMUnitTest security[] = {
        cmocka_unit_test(test_api_keys),        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_concurrency_gate), cmocka_unit_test(test_cors),
        cmocka_unit_test(test_work_caps),       cmocka_unit_test(test_tls_refused_or_working),
    };
    int failed = cmocka_run_group_tests_name("server", shared, setup, teardown);
    failed += cmocka_run_group_tests_name("server_lifecycle", own, NULL, NULL);
    failed += cmocka_run_group_tests_name("server_security", security, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
