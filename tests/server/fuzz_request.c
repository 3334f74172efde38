/* fuzz_request.c: the server's request parsing as far as it goes without a socket:
 * url-encoded forms, multipart boundaries and bodies with the field assembly behind
 * them, the Authorization / X-API-Key headers, the keys file and the CORS allow-list,
 * and the front's strict HTTP parser (request heads, chunked bodies, paths).
 * The first byte picks the parser and its limits; the rest is the input. Invariants
 * (limits kept, names unique, keys inside the header, pieces parse as the whole) abort
 * on failure. */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "front.h"

/* Copies data[0..len) to a NUL-terminated heap string (the harness's headers are C
 * strings, as civetweb gives them). */
static char *cstr(const uint8_t *data, size_t len)
{
    char *s = malloc(len + 1);
    if (!s)
        abort();
    memcpy(s, data, len);
    s[len] = '\0';
    return s;
}

/* The form's invariants after any parse; a failed parse may leave its last field
 * without a value (the form is then only freed, never read). */
static void check_form(const srv_form *form, int ok)
{
    uint64_t total = 0;
    FUZZ_CHECK(form->n <= form->max);
    FUZZ_CHECK(form->total <= form->limit);
    for (size_t i = 0; i < form->n; i++) {
        const srv_field *f = &form->fields[i];
        size_t nlen = strlen(f->name);
        FUZZ_CHECK(nlen > 0 && nlen < sizeof f->name);
        if (!ok && !f->value && i + 1 == form->n)
            continue;
        FUZZ_CHECK(f->value && f->len < f->cap && f->value[f->len] == '\0');
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(strcmp(form->fields[j].name, f->name) != 0);
        FUZZ_CHECK(srv_form_get(form, f->name) == f);
        total += f->len;
    }
    FUZZ_CHECK(total == form->total);
}

static void fuzz_urlencoded(uint8_t opt, const uint8_t *data, size_t size)
{
    srv_form form = {0};
    form.max = (size_t)(opt % 20) + 1;
    form.limit = (opt & 0x80) ? 64 : 1 << 20;
    srv_body_status st = srv_form_parse_urlencoded((const char *)data, size, &form);
    FUZZ_CHECK(st == SRV_BODY_OK || st == SRV_BODY_MALFORMED || st == SRV_BODY_TOO_MANY ||
               st == SRV_BODY_TOO_LARGE);
    /* raw control bytes are always refused (civetweb's parser spins on NUL) */
    if (memchr(data, '\0', size) || memchr(data, '\x7f', size))
        FUZZ_CHECK(st == SRV_BODY_MALFORMED);
    check_form(&form, st == SRV_BODY_OK);
    srv_form_free(&form);
}

/* Input: the Content-Type header value, a newline, then the body. */
static void fuzz_multipart(uint8_t opt, const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t hlen = nl ? (size_t)(nl - data) : size;
    char *ctype = cstr(data, hlen);
    const uint8_t *body = nl ? nl + 1 : data + size;
    size_t blen = nl ? size - hlen - 1 : 0;
    char boundary[80];
    if (srv_multipart_boundary(ctype, boundary, sizeof boundary) == 0) {
        size_t b = strlen(boundary);
        FUZZ_CHECK(b >= 1 && b <= 70);
        srv_form form = {0};
        form.max = (size_t)(opt % 20) + 1;
        form.limit = (opt & 0x80) ? 64 : 1 << 20;
        /* an exact-size copy: a read past the body is a sanitizer report */
        char *copy = malloc(blen ? blen : 1);
        if (!copy)
            abort();
        memcpy(copy, body, blen);
        srv_body_status st = srv_multipart_parse(copy, blen, boundary, &form);
        FUZZ_CHECK(st == SRV_BODY_OK || st == SRV_BODY_MALFORMED || st == SRV_BODY_TOO_MANY ||
                   st == SRV_BODY_TOO_LARGE);
        check_form(&form, st == SRV_BODY_OK);
        srv_form_free(&form);
        free(copy);
    }
    free(ctype);
}

/* Input: the Authorization value, a newline, the X-API-Key value; an empty or missing
 * part is an absent header. */
static void fuzz_auth(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t alen = nl ? (size_t)(nl - data) : size;
    char *auth = alen ? cstr(data, alen) : NULL;
    char *xkey = nl && size > alen + 1 ? cstr(nl + 1, size - alen - 1) : NULL;
    const char *key;
    size_t len;
    srv_cred cred = srv_auth_credential(auth, xkey, &key, &len);
    if (cred == SRV_CRED_PRESENT) {
        const char *from = auth ? auth : xkey;
        FUZZ_CHECK(key >= from && key + len <= from + strlen(from));
        FUZZ_CHECK(len >= 1 && len <= SRV_KEY_MAX_LEN);
        FUZZ_CHECK(!memchr(key, ' ', len) && !memchr(key, '\t', len));
        /* the hash of "abc": only that key may match */
        static const char keys[] =
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad fuzz\n";
        srv_keyring ring;
        char why[256];
        FUZZ_CHECK(srv_keyring_parse(keys, sizeof keys - 1, &ring, why, sizeof why) == 0);
        const char *label = srv_keyring_match(&ring, key, len);
        FUZZ_CHECK(!label == !(len == 3 && memcmp(key, "abc", 3) == 0));
        srv_keyring_free(&ring);
    } else {
        FUZZ_CHECK(key == NULL && len == 0);
        FUZZ_CHECK((cred == SRV_CRED_NONE) == (!auth && !xkey));
    }
    free(auth);
    free(xkey);
}

static void fuzz_keys_file(const uint8_t *data, size_t size)
{
    srv_keyring ring;
    char why[256] = "";
    if (srv_keyring_parse((const char *)data, size, &ring, why, sizeof why) == 0) {
        FUZZ_CHECK(ring.n >= 1);
        for (size_t i = 0; i < ring.n; i++) {
            FUZZ_CHECK(srv_key_label_valid(ring.keys[i].label));
            for (size_t j = 0; j < i; j++)
                FUZZ_CHECK(memcmp(ring.keys[i].hash, ring.keys[j].hash, 32) != 0);
        }
        srv_keyring_free(&ring);
    } else {
        FUZZ_CHECK(why[0] != '\0' && ring.keys == NULL && ring.n == 0);
    }
}

/* Input: the allow-list, a newline, the Origin. */
static void fuzz_cors(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t llen = nl ? (size_t)(nl - data) : size;
    char *list = cstr(data, llen);
    const char *origin = nl ? (const char *)nl + 1 : "";
    size_t olen = nl ? size - llen - 1 : 0;
    if (srv_cors_allowed(list, origin, olen)) {
        /* allowed means: one entry of the list, byte for byte */
        FUZZ_CHECK(olen > 0 && !memchr(origin, ',', olen) && !memchr(origin, ' ', olen));
        FUZZ_CHECK(memmem(list, llen, origin, olen) != NULL);
    }
    free(list);
}

/* A request head fed in pieces of 1..16 bytes (from opt) must scan as it does whole;
 * a whole head must parse into fields that lie inside it, with sound framing. */
static void fuzz_head(uint8_t opt, const uint8_t *data, size_t size)
{
    char *buf = cstr(data, size);
    const char *why = "";
    size_t whole_pos = 0, pos = 0, step = (size_t)(opt & 0x0f) + 1;
    int whole = srv_http_scan_head(buf, size, &whole_pos, &why);
    int rc = 0;
    for (size_t have = 0; have < size && rc == 0;) {
        have = have + step < size ? have + step : size;
        rc = srv_http_scan_head(buf, have, &pos, &why);
    }
    FUZZ_CHECK(rc == whole);
    FUZZ_CHECK(rc == 0 || rc == 1 || rc == 400 || rc == 414 || rc == 431);
    if (rc == 1) {
        FUZZ_CHECK(pos == whole_pos && pos <= size && pos <= SRV_HTTP_HEAD_MAX);
        FUZZ_CHECK(memcmp(buf + pos - 4, "\r\n\r\n", 4) == 0);
        srv_http_head h;
        int st = srv_http_parse_head(buf, pos, &h, &why);
        FUZZ_CHECK(st == 0 || st == 400 || st == 417 || st == 431);
        if (st == 0) {
            FUZZ_CHECK(h.version == 10 || h.version == 11);
            FUZZ_CHECK(!(h.chunked && h.content_length >= 0));
            FUZZ_CHECK(!(h.chunked && h.version == 10));
            FUZZ_CHECK(h.content_length < 1000000000000000LL);
            FUZZ_CHECK(h.n_fields >= 0 && h.n_fields <= SRV_HTTP_FIELDS_MAX);
            for (int i = 0; i < h.n_fields; i++) {
                const srv_http_field *f = &h.fields[i];
                FUZZ_CHECK(f->name_len > 0 && (size_t)f->name + f->name_len <= pos);
                FUZZ_CHECK((size_t)f->value + f->value_len <= pos);
                FUZZ_CHECK(!memchr(buf + f->value, '\r', f->value_len));
                FUZZ_CHECK(!memchr(buf + f->value, '\0', f->value_len));
            }
            FUZZ_CHECK((size_t)h.path + h.path_len <= pos);
            if (h.target != SRV_TARGET_ASTERISK && h.path_len)
                FUZZ_CHECK(srv_http_check_path(buf + h.path, h.path_len) == NULL);
        }
    }
    free(buf);
}

/* A chunked body decoded in pieces must give what it gives whole, within its limit. */
static void fuzz_chunked(uint8_t opt, const uint8_t *data, size_t size)
{
    uint64_t limit = (opt & 0x08) ? 64 : 1 << 20;
    size_t step = (size_t)(opt & 0x07) * 3 + 1;
    char *whole = malloc(size + 1), *piece = malloc(size + 1), *in = malloc(size + 1);
    if (!whole || !piece || !in)
        abort();
    memcpy(in, data, size);
    const char *why = "";
    srv_chunked a = {0}, b = {0};
    a.limit = b.limit = limit;
    size_t used_a = 0, len_a = 0, len_b = 0, off = 0;
    srv_chunk_status sa = srv_chunked_decode(&a, (const char *)data, size, &used_a, whole,
                                             &len_a, &why);
    srv_chunk_status sb = SRV_CHUNK_OK;
    while (off < size && sb == SRV_CHUNK_OK && !b.done) {
        size_t n = size - off < step ? size - off : step, used = 0;
        sb = srv_chunked_decode(&b, in + off, n, &used, piece, &len_b, &why);
        FUZZ_CHECK(used <= n);
        off += used;
        if (used < n && sb == SRV_CHUNK_OK)
            FUZZ_CHECK(b.done);
    }
    FUZZ_CHECK(sa == sb && a.done == b.done);
    if (sa == SRV_CHUNK_OK) {
        FUZZ_CHECK(len_a == len_b && memcmp(whole, piece, len_a) == 0 && used_a == off);
        FUZZ_CHECK(len_a <= used_a && a.total == len_a && len_a <= limit);
    }
    free(whole);
    free(piece);
    free(in);
}

/* A path the server routes has no %00, no encoded slash and no dot-segment. */
static void fuzz_path(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    if (srv_http_check_path(p, size) != NULL)
        return;
    FUZZ_CHECK(size >= 1 && p[0] == '/');
    size_t seg = 1;
    for (size_t i = 1; i <= size; i++) {
        if (i < size && p[i] == '%') {
            FUZZ_CHECK(i + 2 < size);
            int v = srv_hex_digit(p[i + 1]) * 16 + srv_hex_digit(p[i + 2]);
            FUZZ_CHECK(v >= 0x20 && v != 0x7f && v != '/' && v != '\\');
        } else if (i < size) {
            FUZZ_CHECK((unsigned char)p[i] > 0x20 && (unsigned char)p[i] < 0x7f);
        }
        if (i == size || p[i] == '/') {
            size_t n = i - seg;
            FUZZ_CHECK(!(n == 1 && p[seg] == '.') && !(n == 2 && !memcmp(p + seg, "..", 2)));
            FUZZ_CHECK(!(n == 3 && (!strncasecmp(p + seg, "%2e", 3))));
            FUZZ_CHECK(!(n == 4 && (!strncasecmp(p + seg, ".%2e", 4) ||
                                    !strncasecmp(p + seg, "%2e.", 4))));
            FUZZ_CHECK(!(n == 6 && !strncasecmp(p + seg, "%2e%2e", 6)));
            seg = i + 1;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t opt = data[0];
    data++;
    size--;
    if ((opt & 0xf0) == 0xe0 || (opt & 0xf0) == 0xd0) { /* the front's parser */
        if ((opt & 0xf0) == 0xd0)
            fuzz_head(opt, data, size);
        else if (opt & 0x01)
            fuzz_chunked(opt, data, size);
        else
            fuzz_path(data, size);
        return 0;
    }
    switch (opt % 5) {
    case 0: fuzz_urlencoded(opt, data, size); break;
    case 1: fuzz_multipart(opt, data, size); break;
    case 2: fuzz_auth(data, size); break;
    case 3: fuzz_keys_file(data, size); break;
    default: fuzz_cors(data, size); break;
    }
    return 0;
}
