/* decode_image.c: imgcolor_decode(), whole-image decoding: a sink that collects the
 * decoder's rows into one RGBA buffer for the caller. */
#include <stdlib.h>
#include <string.h>

#include "manage.h"

/* The whole image in one buffer, allocated only once the decoder has checked the
 * limits and called begin(). */
static imgcolor_status image_begin(void *user, uint32_t width, uint32_t height)
{
    imgcolor_image *img = user;
    img->rgba = imgcolor__alloc_large((size_t)width * height * 4);
    if (!img->rgba)
        return IMGCOLOR_E_NOMEM;
    img->width = width;
    img->height = height;
    return IMGCOLOR_OK;
}

/* Rows are decoded straight into the image... */
static imgcolor_status image_buffer(void *user, uint32_t y, uint32_t count, uint8_t **out)
{
    imgcolor_image *img = user;
    if (!img->rgba || y > img->height || count > img->height - y)
        return IMGCOLOR_E_INTERNAL;
    *out = img->rgba + (size_t)img->width * 4 * y;
    return IMGCOLOR_OK;
}

/* ...so that only rows from elsewhere need a copy. */
static imgcolor_status image_rows(void *user, const uint8_t *rgba, uint32_t y, uint32_t count)
{
    imgcolor_image *img = user;
    if (!img->rgba || y > img->height || count > img->height - y)
        return IMGCOLOR_E_INTERNAL;
    size_t stride = (size_t)img->width * 4;
    if (rgba != img->rgba + stride * y)
        memcpy(img->rgba + stride * y, rgba, stride * count);
    return IMGCOLOR_OK;
}

/* The image and what its fields point to, in one allocation: img first, so that the
 * caller's pointer is the box's. */
typedef struct image_box {
    imgcolor_image img;
    imgcolor__warnings warnings;
    const char *warning_text[IMGCOLOR__WARNINGS_MAX];
    char profile[64];
} image_box;

/* Keeps what colour management said in the image. */
static void keep_notes(image_box *box, const imgcolor__managed *m)
{
    box->warnings = m->warnings;
    for (int i = 0; i < box->warnings.count; i++)
        box->warning_text[i] = box->warnings.text[i];
    box->img.warning_count = (size_t)box->warnings.count;
    box->img.warnings = box->warnings.count ? box->warning_text : NULL;
    memcpy(box->profile, m->profile, sizeof box->profile);
    box->img.profile = box->profile[0] ? box->profile : NULL;
}

imgcolor_status imgcolor_decode(const void *data, size_t size, const imgcolor_options *opt,
                                imgcolor_image **out, imgcolor_error *err)
{
    imgcolor_options storage;
    opt = imgcolor__options_or_default(opt, &storage);
    if (!out)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "invalid argument to decode");
    *out = NULL;
    image_box *box = calloc(1, sizeof *box);
    if (!box)
        return imgcolor__fail(err, IMGCOLOR_E_NOMEM, "out of memory");
    imgcolor_image *img = &box->img;
    imgcolor__sink inner = {.begin = image_begin, .rows = image_rows, .user = img,
                            .buffer = image_buffer};
    imgcolor__managed m;
    imgcolor__sink sink = imgcolor__managed_sink(&m, inner, opt);
    imgcolor_status st = imgcolor__decode_stream(data, size, opt, &sink, err);
    if (st == IMGCOLOR_OK && !img->rgba)
        st = imgcolor__fail(err, IMGCOLOR_E_INTERNAL, "decoder delivered no image");
    if (st == IMGCOLOR_OK)
        st = imgcolor__managed_convert_rgba(&m, img->rgba, (size_t)img->width * img->height);
    keep_notes(box, &m);
    imgcolor__managed_free(&m);
    if (st != IMGCOLOR_OK) {
        imgcolor_image_free(img);
        return st;
    }
    *out = img;
    return IMGCOLOR_OK;
}

void imgcolor_image_free(imgcolor_image *img)
{
    if (!img)
        return;
    free(img->rgba);
    free(img); /* the image_box it begins */
}
