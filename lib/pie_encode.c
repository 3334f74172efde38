/* pie_encode.c: a pie chart as the bytes a front end sends or saves: SVG text, or the
 * raster encoded as PNG. The one step both the CLI and the server take. */
#include "pie_internal.h"

imgcolor_status imgcolor_pie_encode(const imgcolor_pie_wedge *wedges, size_t n,
                                    const imgcolor_pie_options *opt, imgcolor_pie_format format,
                                    void **out, size_t *out_len, imgcolor_error *err)
{
    imgcolor_image *img = NULL;
    imgcolor_status st = IMGCOLOR_E_INVALID;
    if (!out || !out_len)
        return imgcolor__fail(err, st, "invalid argument to pie encoding");
    *out = NULL;
    *out_len = 0;
    if (format == IMGCOLOR_PIE_SVG) {
        char *text = NULL;
        st = imgcolor_pie_svg(wedges, n, opt, &text, out_len, err);
        *out = text;
    } else if (format == IMGCOLOR_PIE_PNG) {
        st = imgcolor_pie_render(wedges, n, opt, &img, err);
        if (st == IMGCOLOR_OK)
            st = imgcolor_png_encode(img, out, out_len, err);
    } else {
        st = imgcolor__fail(err, st, "unknown pie format %d", (int)format);
    }
    imgcolor_image_free(img);
    if (st != IMGCOLOR_OK) {
        imgcolor_free(*out);
        *out = NULL;
        *out_len = 0;
    }
    return st;
}
