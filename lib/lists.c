/* lists.c: strict, bounded parsers for the flat JSON lists the front ends accept
 * (RGB triples, colour strings, numbers), and the hex-list encoder. A purpose-built
 * scanner rather than a general JSON tree: it allocates only the output, cannot recurse,
 * and reports the byte offset of the first error. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct scanner {
    const char *p;
    const char *start;
    const char *end;
    imgcolor_error *err;
} scanner;

static imgcolor_status scan_fail(scanner *s, imgcolor_status status, const char *what)
{
    return imgcolor__fail(s->err, status, "JSON at byte %zu: %s", (size_t)(s->p - s->start),
                          what);
}

static void skip_ws(scanner *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* Consumes c (after white space) or fails. */
static imgcolor_status expect(scanner *s, char c, const char *what)
{
    skip_ws(s);
    if (s->p >= s->end || *s->p != c)
        return scan_fail(s, IMGCOLOR_E_PARSE, what);
    s->p++;
    return IMGCOLOR_OK;
}

/* Parses one JSON number into *out; the grammar is checked before strtod sees it, so
 * strtod only ever converts a well-formed, short, C-locale-safe number. */
static imgcolor_status scan_number(scanner *s, double *out)
{
    skip_ws(s);
    const char *q = s->p;
    if (q < s->end && *q == '-')
        q++;
    if (q >= s->end || *q < '0' || *q > '9')
        return scan_fail(s, IMGCOLOR_E_PARSE, "expected a number");
    if (*q == '0')
        q++;
    else
        while (q < s->end && *q >= '0' && *q <= '9')
            q++;
    if (q < s->end && *q == '.') {
        q++;
        if (q >= s->end || *q < '0' || *q > '9')
            return scan_fail(s, IMGCOLOR_E_PARSE, "expected digits after '.'");
        while (q < s->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < s->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < s->end && (*q == '+' || *q == '-'))
            q++;
        if (q >= s->end || *q < '0' || *q > '9')
            return scan_fail(s, IMGCOLOR_E_PARSE, "expected digits in exponent");
        while (q < s->end && *q >= '0' && *q <= '9')
            q++;
    }
    char buf[64];
    size_t n = (size_t)(q - s->p);
    if (n >= sizeof buf)
        return scan_fail(s, IMGCOLOR_E_PARSE, "number too long");
    memcpy(buf, s->p, n);
    buf[n] = '\0';
    double v = strtod(buf, NULL);
    if (!isfinite(v))
        return scan_fail(s, IMGCOLOR_E_RANGE, "number out of range");
    *out = v;
    s->p = q;
    return IMGCOLOR_OK;
}

/* Parses a JSON string holding at most cap - 1 bytes into buf (NUL-terminated). Escapes
 * are decoded; control characters, invalid escapes and non-ASCII text are errors (no
 * colour string needs them). */
static imgcolor_status scan_string(scanner *s, char *buf, size_t cap, size_t *len)
{
    imgcolor_status st = expect(s, '"', "expected a string");
    if (st != IMGCOLOR_OK)
        return st;
    size_t n = 0;
    for (;;) {
        if (s->p >= s->end)
            return scan_fail(s, IMGCOLOR_E_PARSE, "unterminated string");
        unsigned char c = (unsigned char)*s->p;
        if (c == '"') {
            s->p++;
            break;
        }
        if (c < 0x20 || c >= 0x80)
            return scan_fail(s, IMGCOLOR_E_PARSE, "unexpected character in string");
        if (c == '\\') {
            if (s->end - s->p < 2)
                return scan_fail(s, IMGCOLOR_E_PARSE, "unterminated escape");
            char e = s->p[1];
            const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
            const char *hit = e ? strchr(from, e) : NULL;
            if (hit) {
                c = (unsigned char)to[hit - from];
                s->p += 2;
            } else if (e == 'u') {
                unsigned v = 0;
                if (s->end - s->p < 6)
                    return scan_fail(s, IMGCOLOR_E_PARSE, "short \\u escape");
                for (int i = 2; i < 6; i++) {
                    char h = s->p[i];
                    unsigned d = (h >= '0' && h <= '9')   ? (unsigned)(h - '0')
                                 : (h >= 'a' && h <= 'f') ? (unsigned)(h - 'a' + 10)
                                 : (h >= 'A' && h <= 'F') ? (unsigned)(h - 'A' + 10)
                                                          : 16u;
                    if (d == 16)
                        return scan_fail(s, IMGCOLOR_E_PARSE, "bad \\u escape");
                    v = v << 4 | d;
                }
                if (v == 0 || v >= 0x80)
                    return scan_fail(s, IMGCOLOR_E_PARSE, "unexpected character in string");
                c = (unsigned char)v;
                s->p += 6;
            } else {
                return scan_fail(s, IMGCOLOR_E_PARSE, "bad escape");
            }
        } else {
            s->p++;
        }
        if (n + 1 >= cap)
            return scan_fail(s, IMGCOLOR_E_PARSE, "string too long");
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    *len = n;
    return IMGCOLOR_OK;
}

/* Reads one element into slot `index` of the output array. */
typedef imgcolor_status (*element_fn)(scanner *s, void *array, size_t index);

/*
 * The list skeleton shared by every parser: '[' element (',' element)* ']' or '[]',
 * white space anywhere, nothing after the closing bracket. The output grows
 * geometrically but never past max_items elements of elem_size bytes.
 */
static imgcolor_status parse_list(const char *json, size_t len, size_t max_items,
                                  size_t elem_size, element_fn read_element, void **out,
                                  size_t *n, imgcolor_error *err)
{
    if (!json || !out || !n)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "NULL argument");
    *out = NULL;
    *n = 0;
    scanner s = {json, json, json + len, err};
    void *array = NULL;
    size_t count = 0, cap = 0;
    imgcolor_status st = expect(&s, '[', "expected '['");
    if (st != IMGCOLOR_OK)
        goto done;
    skip_ws(&s);
    if (s.p < s.end && *s.p == ']') {
        s.p++;
    } else {
        for (;;) {
            if (count == max_items) {
                st = scan_fail(&s, IMGCOLOR_E_TOO_LARGE, "list has too many elements");
                goto done;
            }
            if (count == cap) {
                size_t next = cap ? cap * 2 : 16;
                if (next > max_items)
                    next = max_items;
                void *grown = realloc(array, next * elem_size);
                if (!grown) {
                    st = imgcolor__fail(err, IMGCOLOR_E_NOMEM, "out of memory");
                    goto done;
                }
                array = grown;
                cap = next;
            }
            if ((st = read_element(&s, array, count)) != IMGCOLOR_OK)
                goto done;
            count++;
            skip_ws(&s);
            if (s.p < s.end && *s.p == ',') {
                s.p++;
                continue;
            }
            if ((st = expect(&s, ']', "expected ',' or ']'")) != IMGCOLOR_OK)
                goto done;
            break;
        }
    }
    skip_ws(&s);
    if (s.p != s.end) {
        st = scan_fail(&s, IMGCOLOR_E_PARSE, "unexpected text after the list");
        goto done;
    }
    st = IMGCOLOR_OK;
done:
    if (st != IMGCOLOR_OK || count == 0) {
        free(array);
        array = NULL;
        count = 0;
    }
    *out = array;
    *n = count;
    return st;
}

static imgcolor_status read_channel(scanner *s, uint8_t *out)
{
    double v;
    imgcolor_status st = scan_number(s, &v);
    if (st != IMGCOLOR_OK)
        return st;
    if (v != floor(v) || v < 0 || v > 255)
        return scan_fail(s, IMGCOLOR_E_RANGE, "channel is not an integer in 0..255");
    *out = (uint8_t)v;
    return IMGCOLOR_OK;
}

static imgcolor_status read_triple(scanner *s, void *array, size_t index)
{
    imgcolor_rgb *rgb = (imgcolor_rgb *)array + index;
    imgcolor_status st;
    if ((st = expect(s, '[', "expected '[' starting an [r, g, b] triple")) != IMGCOLOR_OK ||
        (st = read_channel(s, &rgb->r)) != IMGCOLOR_OK ||
        (st = expect(s, ',', "expected ',' in an [r, g, b] triple")) != IMGCOLOR_OK ||
        (st = read_channel(s, &rgb->g)) != IMGCOLOR_OK ||
        (st = expect(s, ',', "expected ',' in an [r, g, b] triple")) != IMGCOLOR_OK ||
        (st = read_channel(s, &rgb->b)) != IMGCOLOR_OK ||
        (st = expect(s, ']', "expected ']' ending an [r, g, b] triple")) != IMGCOLOR_OK)
        return st;
    return IMGCOLOR_OK;
}

static imgcolor_status read_color(scanner *s, void *array, size_t index)
{
    char buf[16];
    size_t len = 0;
    imgcolor_status st = scan_string(s, buf, sizeof buf, &len);
    if (st != IMGCOLOR_OK)
        return st;
    if (imgcolor_hex_parse(buf, len, (imgcolor_rgb *)array + index) != IMGCOLOR_OK)
        return scan_fail(s, IMGCOLOR_E_PARSE, "colour is not \"#rgb\" or \"#rrggbb\"");
    return IMGCOLOR_OK;
}

static imgcolor_status read_number(scanner *s, void *array, size_t index)
{
    return scan_number(s, (double *)array + index);
}

imgcolor_status imgcolor_rgb_list_parse(const char *json, size_t len, size_t max_items,
                                        imgcolor_rgb **out, size_t *n, imgcolor_error *err)
{
    return parse_list(json, len, max_items, sizeof **out, read_triple, (void **)out, n, err);
}

imgcolor_status imgcolor_color_list_parse(const char *json, size_t len, size_t max_items,
                                          imgcolor_rgb **out, size_t *n, imgcolor_error *err)
{
    return parse_list(json, len, max_items, sizeof **out, read_color, (void **)out, n, err);
}

imgcolor_status imgcolor_number_list_parse(const char *json, size_t len, size_t max_items,
                                           double **out, size_t *n, imgcolor_error *err)
{
    return parse_list(json, len, max_items, sizeof **out, read_number, (void **)out, n, err);
}

imgcolor_status imgcolor_hex_list_to_json(const imgcolor_rgb *colors, size_t n, char **out)
{
    if (!out || (n && !colors))
        return IMGCOLOR_E_INVALID;
    /* '[' + n * "\"#rrggbb\"" + (n - 1) ',' + ']' + NUL, compact as Flask's jsonify */
    if (n > (SIZE_MAX - 3) / 10)
        return IMGCOLOR_E_TOO_LARGE;
    char *buf = malloc(n * 10 + 3);
    if (!buf)
        return IMGCOLOR_E_NOMEM;
    char *p = buf;
    *p++ = '[';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        imgcolor_rgb_to_hex(colors[i], p);
        p += 7;
        *p++ = '"';
    }
    *p++ = ']';
    *p = '\0';
    *out = buf;
    return IMGCOLOR_OK;
}
