/* fuzz_decode.c: arbitrary bytes through imgcolor_decode() and imgcolor_prominent(),
 * under limits small enough that each input runs in milliseconds, checking that the
 * two agree and that a result is self-consistent. */
#include <math.h>
#include <string.h>

#include <imgcolor.h>

#include "fuzz.h"

#define FUZZ_MAX_PIXELS (4u << 20)
#define FUZZ_MAX_ITER 20
#define FUZZ_MAX_FRAMES 64

/* The pixels imgcolor_prominent() should count: those with alpha >= min_alpha. */
static uint64_t opaque_pixels(const imgcolor_image *img, int min_alpha)
{
    uint64_t n = 0;
    size_t total = (size_t)img->width * img->height;
    for (size_t i = 0; i < total; i++)
        n += img->rgba[4 * i + 3] >= min_alpha;
    return n;
}

static void check_result(const imgcolor_result *res, const imgcolor_image *img, int k,
                         int min_alpha)
{
    FUZZ_CHECK(imgcolor_result_width(res) == img->width);
    FUZZ_CHECK(imgcolor_result_height(res) == img->height);
    uint64_t pixels = imgcolor_result_pixels(res);
    FUZZ_CHECK(pixels == opaque_pixels(img, min_alpha));
    FUZZ_CHECK(pixels + imgcolor_result_transparent(res) == (uint64_t)img->width * img->height);
    size_t count = imgcolor_result_count(res);
    FUZZ_CHECK(count >= 1 && count <= (size_t)k);
    FUZZ_CHECK(count <= imgcolor_result_distinct(res));
    FUZZ_CHECK(imgcolor_result_distinct(res) <= pixels);
    FUZZ_CHECK(isfinite(imgcolor_result_inertia(res)) && imgcolor_result_inertia(res) >= 0);
    uint64_t sum = 0;
    for (size_t i = 0; i < count; i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        FUZZ_CHECK(c != NULL && c->count > 0);
        FUZZ_CHECK(i == 0 || c->count <= imgcolor_result_color(res, i - 1)->count);
        for (int j = 0; j < 3; j++)
            FUZZ_CHECK(c->centroid[j] >= 0 && c->centroid[j] <= 255);
        char hex[8];
        imgcolor_rgb_to_hex(c->rgb, hex);
        FUZZ_CHECK(strcmp(hex, c->hex) == 0);
        sum += c->count;
    }
    FUZZ_CHECK(sum == pixels);
    FUZZ_CHECK(imgcolor_result_color(res, count) == NULL);

    char *json = NULL;
    FUZZ_CHECK(imgcolor_result_to_json(res, "fuzz", &json) == IMGCOLOR_OK);
    FUZZ_CHECK(json != NULL && json[0] == '{');
    imgcolor_free(json);
}

/* With the background left out and (region) the middle quarter only, the foreground,
 * background and transparent pixels add up to the region, which lies in the image; an
 * animation of several frames is refused. */
static void check_subject(const uint8_t *data, size_t size, imgcolor_options *opt,
                          const imgcolor_image *img, int region)
{
    imgcolor_region_spec spec;
    FUZZ_CHECK(imgcolor_options_set_fast(opt, 0) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_options_set_background(opt, IMGCOLOR_BACKGROUND_EXCLUDE,
                                               (imgcolor_rgb){0, 0, 0}) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_region_parse("25%,25%,50%,50%", 15, &spec, NULL) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_options_set_region(opt, region ? &spec : NULL) == IMGCOLOR_OK);
    imgcolor_result *res = NULL;
    imgcolor_error err;
    imgcolor_status st = imgcolor_prominent(data, size, opt, &res, &err);
    if (st != IMGCOLOR_OK) {
        FUZZ_CHECK(res == NULL && err.status == st && err.message[0] != '\0');
        return;
    }
    FUZZ_CHECK(img && imgcolor_result_width(res) == img->width);
    const imgcolor_region whole = {0, 0, img->width, img->height};
    const imgcolor_region *r = imgcolor_result_region(res);
    FUZZ_CHECK((r != NULL) == (region != 0));
    if (!r)
        r = &whole;
    FUZZ_CHECK(r->w > 0 && r->h > 0 && r->x + (uint64_t)r->w <= img->width);
    const imgcolor_background *bg = imgcolor_result_background(res);
    uint64_t counted = imgcolor_result_pixels(res) + imgcolor_result_transparent(res) +
                       (bg ? bg->count : 0);
    FUZZ_CHECK(counted == (uint64_t)r->w * r->h);
    FUZZ_CHECK(!bg || (bg->count > 0 && bg->fraction > 0 && bg->fraction <= 1));
    uint64_t sum = 0;
    for (size_t i = 0; i < imgcolor_result_count(res); i++)
        sum += imgcolor_result_color(res, i)->count;
    FUZZ_CHECK(sum == imgcolor_result_pixels(res));
    char *json = NULL;
    FUZZ_CHECK(imgcolor_result_to_json(res, NULL, &json) == IMGCOLOR_OK);
    imgcolor_free(json);
    imgcolor_result_free(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The last byte varies the options; it is the end of a PNG's IEND CRC, a JPEG's
     * EOI marker or a GIF's trailer, so valid seeds stay valid. */
    uint8_t knob = size ? data[size - 1] : 0;
    int k = 1 + knob % 8;
    int min_alpha = knob & 0x80 ? 0 : 128;
    int all_frames = !(knob & 0x40);

    imgcolor_options *opt = NULL;
    if (imgcolor_options_new(&opt) != IMGCOLOR_OK)
        return 0;
    FUZZ_CHECK(imgcolor_options_set_max_pixels(opt, FUZZ_MAX_PIXELS) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_options_set_k(opt, k) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_options_set_n_init(opt, 1) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_options_set_max_iter(opt, FUZZ_MAX_ITER) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_options_set_threads(opt, 1) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_options_set_min_alpha(opt, min_alpha) == IMGCOLOR_OK);
    /* Animations: all frames or the first, within the same pixel budget as one image. */
    FUZZ_CHECK(imgcolor_options_set_all_frames(opt, all_frames) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_options_set_max_total_pixels(opt, FUZZ_MAX_PIXELS) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_options_set_max_frames(opt, FUZZ_MAX_FRAMES) == IMGCOLOR_OK);

    imgcolor_image *img = NULL;
    imgcolor_error derr;
    imgcolor_status dst = imgcolor_decode(data, size, opt, &img, &derr);
    if (dst == IMGCOLOR_OK) {
        FUZZ_CHECK(img != NULL && img->rgba != NULL);
        FUZZ_CHECK(img->width > 0 && img->height > 0);
        FUZZ_CHECK((uint64_t)img->width * img->height <= FUZZ_MAX_PIXELS);
    } else {
        FUZZ_CHECK(img == NULL);
        FUZZ_CHECK(derr.status == dst);
        FUZZ_CHECK(derr.message[0] != '\0');
        FUZZ_CHECK(memchr(derr.message, '\0', sizeof derr.message) != NULL);
    }

    imgcolor_result *res = NULL;
    imgcolor_error perr;
    imgcolor_status pst = imgcolor_prominent(data, size, opt, &res, &perr);
    if (pst == IMGCOLOR_OK) {
        /* The same decoder behind both: what prominent accepts, decode accepted. */
        FUZZ_CHECK(dst == IMGCOLOR_OK);
        FUZZ_CHECK(res != NULL);
        check_result(res, img, k, min_alpha);
    } else {
        FUZZ_CHECK(res == NULL);
        FUZZ_CHECK(perr.status == pst);
        FUZZ_CHECK(perr.message[0] != '\0');
        /* A decodable image fails to cluster only for want of opaque pixels (or memory). */
        if (dst == IMGCOLOR_OK)
            FUZZ_CHECK(pst == IMGCOLOR_E_NO_PIXELS || pst == IMGCOLOR_E_NOMEM);
        else
            FUZZ_CHECK(pst == dst || pst == IMGCOLOR_E_NOMEM || dst == IMGCOLOR_E_NOMEM);
    }
    imgcolor_result_free(res);
    res = NULL;

    /* Fast mode, sampling from the smallest minimum: the counts still add up to the
     * whole image, and what the exact mode clusters the fast one clusters too. */
    FUZZ_CHECK(imgcolor_options_set_fast(opt, 1) == IMGCOLOR_OK);
    FUZZ_CHECK(imgcolor_options_set_fast_min_pixels(opt, 1024) == IMGCOLOR_OK);
    imgcolor_status fst = imgcolor_prominent(data, size, opt, &res, &perr);
    if (fst == IMGCOLOR_OK) {
        uint64_t whole = (uint64_t)imgcolor_result_width(res) * imgcolor_result_height(res);
        uint64_t sum = 0;
        for (size_t i = 0; i < imgcolor_result_count(res); i++)
            sum += imgcolor_result_color(res, i)->count;
        FUZZ_CHECK(sum == imgcolor_result_pixels(res));
        FUZZ_CHECK(imgcolor_result_pixels(res) + imgcolor_result_transparent(res) == whole);
        FUZZ_CHECK(imgcolor_result_sample_pixels(res) <= whole);
        FUZZ_CHECK(dst == IMGCOLOR_OK && img->width == imgcolor_result_width(res) &&
                   img->height == imgcolor_result_height(res));
    } else {
        FUZZ_CHECK(res == NULL && perr.status == fst);
        if (pst == IMGCOLOR_OK)
            FUZZ_CHECK(fst == IMGCOLOR_E_NO_PIXELS || fst == IMGCOLOR_E_NOMEM);
    }
    imgcolor_result_free(res);
    if (knob & 0x30)
        check_subject(data, size, opt, img, knob & 0x10);
    imgcolor_image_free(img);
    imgcolor_options_free(opt);
    return 0;
}
