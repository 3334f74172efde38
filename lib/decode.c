/* decode.c: the front door of the image decoders: the input size limit, the format
 * sniffed from magic bytes, and the hand-over to that format's decoder. */
#include <string.h>

#include "internal.h"

/* True when data (size bytes) begins with, or is a beginning of, magic. */
static int has_prefix(const uint8_t *data, size_t size, const char *magic, size_t len)
{
    return memcmp(data, magic, size < len ? size : len) == 0;
}

/* An ISO base media file (HEIF, AVIF, MP4...) starts with an ftyp box: size, "ftyp",
 * major brand, minor version, compatible brands. True when a brand names a HEIF image. */
static int heif_brand(const uint8_t *d, size_t n)
{
    static const char brands[][4] = {{'h', 'e', 'i', 'c'}, {'h', 'e', 'i', 'x'},
                                     {'h', 'e', 'i', 'm'}, {'h', 'e', 'i', 's'},
                                     {'m', 'i', 'f', '1'}, {'a', 'v', 'i', 'f'}};
    if (n < 16 || memcmp(d + 4, "ftyp", 4) != 0)
        return 0;
    size_t box = (size_t)d[0] << 24 | (size_t)d[1] << 16 | (size_t)d[2] << 8 | d[3];
    if (box < 16 || box > n)
        box = n < 256 ? n : 256;
    for (size_t at = 8; at + 4 <= box; at += at == 8 ? 8 : 4)
        for (size_t i = 0; i < sizeof brands / sizeof brands[0]; i++)
            if (memcmp(d + at, brands[i], 4) == 0)
                return 1;
    return 0;
}

typedef imgcolor_status (*decoder_fn)(const uint8_t *data, size_t size,
                                      const imgcolor_options *opt, const imgcolor__sink *sink,
                                      imgcolor_error *err);

/* The formats this build reads, in the order --version lists them. magic is matched
 * at offset 0, and a file no longer than min_size that matches it is truncated. */
typedef struct format {
    const char *name;
    const char *magic;
    size_t magic_len;
    size_t min_size;
    decoder_fn decode; /* NULL: recognised, but not built in */
} format;

#if IMGCOLOR_WITH_WEBP
#define WEBP_DECODER_ imgcolor__decode_webp
#else
#define WEBP_DECODER_ NULL
#endif
#if IMGCOLOR_WITH_GIF
#define GIF_DECODER_ imgcolor__decode_gif
#else
#define GIF_DECODER_ NULL
#endif
#if IMGCOLOR_WITH_TIFF
#define TIFF_DECODER_ imgcolor__decode_tiff
#else
#define TIFF_DECODER_ NULL
#endif

static const format formats[] = {
    {"PNG", "\x89PNG\r\n\x1a\n", 8, 8, imgcolor__decode_png},
    {"JPEG", "\xff\xd8\xff", 3, 3, imgcolor__decode_jpeg},
    {"WebP", "RIFF", 4, 12, WEBP_DECODER_},
    {"GIF", "GIF8", 4, 6, GIF_DECODER_},
    {"TIFF", "II*\0", 4, 8, TIFF_DECODER_},
    {"TIFF", "MM\0*", 4, 8, TIFF_DECODER_},
    {"TIFF", "II+\0", 4, 16, TIFF_DECODER_},
    {"TIFF", "MM\0+", 4, 16, TIFF_DECODER_},
};

const char *imgcolor_formats(void)
{
    return "PNG JPEG"
#if IMGCOLOR_WITH_WEBP
           " WebP"
#endif
#if IMGCOLOR_WITH_GIF
           " GIF"
#endif
#if IMGCOLOR_WITH_TIFF
           " TIFF"
#endif
#if IMGCOLOR_WITH_HEIF
           " HEIC AVIF"
#endif
        ;
}

/* Names a few formats people commonly hand us by mistake, so that the error says what
 * was seen rather than only what was expected. */
static const char *foreign_format(const uint8_t *d, size_t n)
{
    if (n >= 12 && memcmp(d + 4, "ftyp", 4) == 0)
        return "MP4 or another ISO media file";
    if (n >= 4 && memcmp(d, "RIFF", 4) == 0)
        return "RIFF (not WebP)";
    if (n >= 2 && memcmp(d, "BM", 2) == 0)
        return "BMP";
    if (n >= 4 && memcmp(d, "\0\0\1\0", 4) == 0)
        return "ICO";
    if (n >= 4 && memcmp(d, "%PDF", 4) == 0)
        return "PDF";
    if (n >= 2 && d[0] == 'P' && d[1] >= '1' && d[1] <= '7')
        return "PNM";
    return NULL;
}

static imgcolor_status unknown_format(const uint8_t *d, size_t n, imgcolor_error *err)
{
    const char *name = foreign_format(d, n);
    if (name)
        return imgcolor__fail(err, IMGCOLOR_E_FORMAT,
                              "not an image format this build reads (%s; looks like %s)",
                              imgcolor_formats(), name);
    char hex[4 * 3 + 1] = "";
    size_t shown = n < 4 ? n : 4;
    for (size_t i = 0; i < shown; i++) {
        static const char digits[] = "0123456789abcdef";
        hex[3 * i] = digits[d[i] >> 4];
        hex[3 * i + 1] = digits[d[i] & 15];
        hex[3 * i + 2] = ' ';
    }
    hex[3 * shown - 1] = '\0';
    return imgcolor__fail(err, IMGCOLOR_E_FORMAT,
                          "not an image format this build reads (%s; starts with %s)",
                          imgcolor_formats(), hex);
}

static imgcolor_status not_built(const char *name, imgcolor_error *err)
{
    return imgcolor__fail(err, IMGCOLOR_E_FORMAT, "%s: not built into this library (it reads %s)",
                          name, imgcolor_formats());
}

static imgcolor_status sniff_and_decode(const uint8_t *d, size_t size, const imgcolor_options *opt,
                                        const imgcolor__sink *sink, imgcolor_error *err)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        const format *f = &formats[i];
        if (!has_prefix(d, size, f->magic, f->magic_len))
            continue;
        /* RIFF is a container of many things; only RIFF....WEBP is ours. */
        if (f->magic[0] == 'R' && size >= 12 && memcmp(d + 8, "WEBP", 4) != 0)
            break;
        /* A short prefix of a known signature is a truncated file, not a foreign format. */
        if (size <= f->min_size)
            return imgcolor__fail(err, IMGCOLOR_E_DECODE, "%s: truncated after %zu bytes",
                                  f->name, size);
        if (!f->decode)
            return not_built(f->name, err);
        return f->decode(d, size, opt, sink, err);
    }
    if (heif_brand(d, size)) {
#if IMGCOLOR_WITH_HEIF
        return imgcolor__decode_heif(d, size, opt, sink, err);
#else
        return not_built("HEIF", err);
#endif
    }
    return unknown_format(d, size, err);
}

imgcolor_status imgcolor__decode_stream(const void *data, size_t size, const imgcolor_options *opt,
                                        const imgcolor__sink *sink, imgcolor_error *err)
{
    if ((!data && size > 0) || !sink || !sink->begin || !sink->rows)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "invalid argument to decode");
    if (size > opt->max_bytes)
        return imgcolor__fail(err, IMGCOLOR_E_TOO_LARGE,
                              "input is %llu bytes, over the limit of %llu",
                              (unsigned long long)size, (unsigned long long)opt->max_bytes);
    if (size == 0)
        return imgcolor__fail(err, IMGCOLOR_E_FORMAT,
                              "not an image format this build reads (%s; empty input)",
                              imgcolor_formats());

    /* Decoders fill err for their own failures; a sink's refusal arrives as a bare
     * status, and is described here unless the sink wrote its own message. */
    if (err) {
        err->status = IMGCOLOR_OK;
        err->message[0] = '\0';
    }
    imgcolor_status st = sniff_and_decode(data, size, opt, sink, err);
    if (st != IMGCOLOR_OK && err && err->status != st)
        imgcolor__fail(err, st, "%s", imgcolor_strerror(st));
    return st;
}
