/* color.c: conversions between RGB triples and "#rrggbb" text. Out-of-range input is
 * an error, never wrapped or clamped. */
#include "internal.h"

static const char hex_digits[] = "0123456789abcdef";

void imgcolor_rgb_to_hex(imgcolor_rgb rgb, char out[8])
{
    const uint8_t ch[3] = {rgb.r, rgb.g, rgb.b};
    out[0] = '#';
    for (int i = 0; i < 3; i++) {
        out[1 + 2 * i] = hex_digits[ch[i] >> 4];
        out[2 + 2 * i] = hex_digits[ch[i] & 15];
    }
    out[7] = '\0';
}

imgcolor_status imgcolor_hex_from_ints(long long r, long long g, long long b, char out[8])
{
    if (!out)
        return IMGCOLOR_E_INVALID;
    if (r < 0 || r > 255 || g < 0 || g > 255 || b < 0 || b > 255)
        return IMGCOLOR_E_RANGE;
    imgcolor_rgb_to_hex((imgcolor_rgb){(uint8_t)r, (uint8_t)g, (uint8_t)b}, out);
    return IMGCOLOR_OK;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

imgcolor_status imgcolor_hex_parse(const char *text, size_t len, imgcolor_rgb *out)
{
    if (!text || !out)
        return IMGCOLOR_E_INVALID;
    if ((len != 4 && len != 7) || text[0] != '#')
        return IMGCOLOR_E_PARSE;
    int v[6];
    for (size_t i = 1; i < len; i++)
        if ((v[i - 1] = hex_value(text[i])) < 0)
            return IMGCOLOR_E_PARSE;
    if (len == 4) {
        /* "#abc" means "#aabbcc", as in CSS. */
        out->r = (uint8_t)(v[0] * 17);
        out->g = (uint8_t)(v[1] * 17);
        out->b = (uint8_t)(v[2] * 17);
    } else {
        out->r = (uint8_t)(v[0] << 4 | v[1]);
        out->g = (uint8_t)(v[2] << 4 | v[3]);
        out->b = (uint8_t)(v[4] << 4 | v[5]);
    }
    return IMGCOLOR_OK;
}
