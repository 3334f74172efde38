/* auth.c: API keys. The server keeps only SHA-256 hashes of keys (a stolen keys file
 * lets nobody in), compares a presented key's hash with every stored one in constant
 * time, and makes new keys from getrandom() for the `new-key` subcommand. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "server.h"

#define KEY_PREFIX "imgc_"
#define KEYS_FILE_MAX (1u << 20)

int srv_key_label_valid(const char *label)
{
    size_t n = strlen(label);
    if (n == 0 || n >= SRV_KEY_LABEL_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = label[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '@'))
            return 0;
    }
    return 1;
}

static int sha256(const void *data, size_t len, uint8_t out[32])
{
    unsigned int n = 0;
    return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32 ? 0 : -1;
}

/* One line, without its newline: blank, a comment, or "sha256:HEX LABEL". Returns 1 for
 * a key (in *k), 0 for nothing, -1 for a malformed line. */
static int parse_line(const char *s, size_t len, srv_key *k)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
        i++;
    while (len > i && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    if (i == len || s[i] == '#')
        return 0;
    static const char tag[] = "sha256:";
    if (len - i < sizeof tag - 1 + 64 || memcmp(s + i, tag, sizeof tag - 1) != 0)
        return -1;
    i += sizeof tag - 1;
    for (size_t j = 0; j < 32; j++) {
        int hi = srv_hex_digit(s[i + 2 * j]), lo = srv_hex_digit(s[i + 2 * j + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        k->hash[j] = (uint8_t)(hi * 16 + lo);
    }
    i += 64;
    if (i == len || (s[i] != ' ' && s[i] != '\t'))
        return -1;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (len - i >= SRV_KEY_LABEL_MAX)
        return -1;
    memcpy(k->label, s + i, len - i);
    k->label[len - i] = '\0';
    return srv_key_label_valid(k->label) ? 1 : -1;
}

int srv_keyring_parse(const char *text, size_t len, srv_keyring *ring, char *why, size_t size)
{
    memset(ring, 0, sizeof *ring);
    size_t cap = 0, pos = 0;
    int line = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        line++;
        if (memchr(text + pos, '\0', end - pos)) {
            snprintf(why, size, "line %d: NUL byte", line);
            goto fail;
        }
        srv_key k;
        memset(&k, 0, sizeof k);
        int got = parse_line(text + pos, end - pos, &k);
        if (got < 0) {
            snprintf(why, size,
                     "line %d: expected \"sha256:<64 hex digits> <label>\" (label: 1-63 of "
                     "A-Z a-z 0-9 - _ . @)", line);
            goto fail;
        }
        if (got > 0) {
            for (size_t i = 0; i < ring->n; i++)
                if (memcmp(ring->keys[i].hash, k.hash, 32) == 0 ||
                    strcmp(ring->keys[i].label, k.label) == 0) {
                    snprintf(why, size, "line %d: repeats the key or label of an earlier line",
                             line);
                    goto fail;
                }
            if (ring->n == cap) {
                cap = cap ? cap * 2 : 8;
                srv_key *grown = realloc(ring->keys, cap * sizeof *grown);
                if (!grown) {
                    snprintf(why, size, "out of memory");
                    goto fail;
                }
                ring->keys = grown;
            }
            ring->keys[ring->n++] = k;
        }
        pos = end + 1;
    }
    if (ring->n == 0) {
        snprintf(why, size, "no keys (every request would be refused)");
        goto fail;
    }
    return 0;
fail:
    srv_keyring_free(ring);
    return -1;
}

int srv_keyring_load(const char *path, srv_keyring *ring, char *why, size_t size)
{
    memset(ring, 0, sizeof *ring);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, size, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *text = malloc(KEYS_FILE_MAX + 1);
    size_t len = text ? fread(text, 1, KEYS_FILE_MAX + 1, f) : 0;
    int bad = !text || ferror(f) || len > KEYS_FILE_MAX;
    fclose(f);
    int rc = -1;
    if (bad)
        snprintf(why, size, "%s: unreadable or over 1 MiB", path);
    else if (srv_keyring_parse(text, len, ring, why, size) == 0)
        rc = 0;
    else {
        char detail[256];
        snprintf(detail, sizeof detail, "%s", why);
        snprintf(why, size, "%s: %s", path, detail);
    }
    free(text);
    return rc;
}

void srv_keyring_free(srv_keyring *ring)
{
    free(ring->keys);
    memset(ring, 0, sizeof *ring);
}

static int is_token_char(unsigned char c)
{
    /* RFC 6750 b64token; keys from new-key are base64url with a prefix */
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

static int valid_token(const char *s, size_t len)
{
    if (len == 0 || len > SRV_KEY_MAX_LEN)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!is_token_char((unsigned char)s[i]))
            return 0;
    return 1;
}

/* The key in s, blanks around it dropped, if it is a well-formed token. */
static srv_cred credential_token(const char *s, const char **key, size_t *len)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (!valid_token(s, n))
        return SRV_CRED_MALFORMED;
    *key = s;
    *len = n;
    return SRV_CRED_PRESENT;
}

srv_cred srv_auth_credential(const char *authorization, const char *x_api_key,
                             const char **key, size_t *len)
{
    *key = NULL;
    *len = 0;
    if (!authorization && !x_api_key)
        return SRV_CRED_NONE;
    if (authorization && x_api_key)
        return SRV_CRED_MALFORMED; /* two keys: which one counts would be a guess */
    if (x_api_key)
        return credential_token(x_api_key, key, len);
    const char *s = authorization;
    while (*s == ' ' || *s == '\t')
        s++;
    static const char scheme[] = "bearer";
    for (size_t i = 0; i < sizeof scheme - 1; i++)
        if (s[i] == '\0' || (s[i] | 0x20) != scheme[i])
            return SRV_CRED_MALFORMED;
    s += sizeof scheme - 1;
    if (*s != ' ' && *s != '\t')
        return SRV_CRED_MALFORMED;
    return credential_token(s, key, len);
}

const char *srv_keyring_match(const srv_keyring *ring, const char *key, size_t len)
{
    uint8_t h[32];
    if (len > SRV_KEY_MAX_LEN || sha256(key, len, h) != 0)
        return NULL;
    /* Every entry is compared, with no early exit, so the time taken says nothing about
     * which entry matched or how much of a hash did. */
    size_t found = ring->n;
    for (size_t i = 0; i < ring->n; i++) {
        int same = CRYPTO_memcmp(h, ring->keys[i].hash, 32) == 0;
        size_t mask = (size_t)0 - (size_t)same;
        found = (found & ~mask) | (i & mask);
    }
    return found < ring->n ? ring->keys[found].label : NULL;
}

int srv_key_generate(const char *label, char *key, size_t key_size, char *line,
                     size_t line_size)
{
    static const char b64url[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint8_t raw[33]; /* 264 bits: 44 base64 characters with no padding */
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    size_t need = sizeof KEY_PREFIX - 1 + 44 + 1;
    if (key_size < need || line_size < 7 + 64 + 1 + strlen(label) + 1)
        return -1;
    size_t o = 0;
    memcpy(key, KEY_PREFIX, sizeof KEY_PREFIX - 1);
    o = sizeof KEY_PREFIX - 1;
    for (size_t i = 0; i < sizeof raw; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        key[o++] = b64url[(v >> 18) & 63];
        key[o++] = b64url[(v >> 12) & 63];
        key[o++] = b64url[(v >> 6) & 63];
        key[o++] = b64url[v & 63];
    }
    key[o] = '\0';
    memset(raw, 0, sizeof raw);
    uint8_t h[32];
    if (sha256(key, o, h) != 0)
        return -1;
    char hex[65];
    for (size_t i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    snprintf(line, line_size, "sha256:%s %s", hex, label);
    return 0;
}
