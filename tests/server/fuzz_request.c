/* fuzz_request.c: the server's request parsing as far as it goes without a socket:
 * url-encoded forms, multipart boundaries and bodies with the field assembly behind
 * them, the Authorization / X-API-Key headers, the keys file and the CORS allow-list.
 * The first byte picks the parser and its limits; the rest is the input. Invariants
 * (limits kept, names unique, keys inside the header) abort on failure. */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "server.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t opt = data[0];
    data++;
    size--;
    switch (opt % 5) {
    case 0: fuzz_urlencoded(opt, data, size); break;
    case 1: fuzz_multipart(opt, data, size); break;
    case 2: fuzz_auth(data, size); break;
    case 3: fuzz_keys_file(data, size); break;
    default: fuzz_cors(data, size); break;
    }
    return 0;
}
