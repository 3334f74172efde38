/* swatch.c: POST /v1/swatch: the prominent colours of an image as a palette strip, PNG or
 * SVG. The request is /v1/prominent-colors' (srv_image_request), plus how to draw. */
#include <string.h>

#include "server.h"

/* The drawing fields: format, width, height, labels. 0, or the problem sent. */
static int swatch_fields(srv_req *r, const srv_image_request *q, imgcolor_swatch_options *opt,
                         int *svg)
{
    const srv_field *f = srv_image_request_field(q, "format");
    *svg = 0;
    if (f) {
        if (f->len == 3 && memcmp(f->value, "svg", 3) == 0)
            *svg = 1;
        else if (f->len != 3 || memcmp(f->value, "png", 3) != 0)
            return srv_problem(r, 400, "invalid-field", NULL, "format must be png or svg");
    }
    /* Each side within the library's range and the configured chart size. */
    uint32_t w = 0, h = 0;
    long long side[2];
    static const char *const names[2] = {"width", "height"};
    if (imgcolor_swatch_options_get_size(opt, &w, &h) != IMGCOLOR_OK)
        return srv_library_problem(r, IMGCOLOR_E_INTERNAL, NULL);
    side[0] = w;
    side[1] = h;
    for (int i = 0; i < 2; i++) {
        double lo = 0, hi = 0;
        if (imgcolor_swatch_options_range(names[i], &lo, &hi) != IMGCOLOR_OK)
            return srv_library_problem(r, IMGCOLOR_E_INTERNAL, NULL);
        long long max = (long long)hi < r->st->cfg.max_pie_side ? (long long)hi
                                                                 : r->st->cfg.max_pie_side;
        int rc = srv_int_field(r, srv_image_request_field(q, names[i]), names[i], (long long)lo,
                               max, SRV_REJECT_PIE_SIZE, &side[i]);
        if (rc)
            return rc;
    }
    imgcolor_status st = imgcolor_swatch_options_set_size(opt, (uint32_t)side[0],
                                                          (uint32_t)side[1]);
    long long labels = 1;
    if ((f = srv_image_request_field(q, "labels")) && srv_parse_flag(f, &labels) < 0)
        return srv_problem(r, 400, "invalid-field", NULL, "labels must be 0, 1, false or true");
    if (st == IMGCOLOR_OK)
        st = imgcolor_swatch_options_set_labels(opt, (int)labels);
    return st == IMGCOLOR_OK ? 0 : srv_library_problem(r, st, NULL);
}

int srv_handle_v1_swatch(srv_req *r)
{
    srv_image_request q;
    imgcolor_swatch_options *opt = NULL;
    imgcolor_result *res = NULL;
    void *out = NULL;
    size_t out_len = 0;
    int svg = 0;
    imgcolor_error err = {0};
    int rc = srv_image_request_read(r, &q);
    if (rc)
        goto done;
    imgcolor_status st = imgcolor_swatch_options_new(&opt);
    if (st != IMGCOLOR_OK) {
        rc = srv_library_problem(r, st, NULL);
        goto done;
    }
    if ((rc = swatch_fields(r, &q, opt, &svg)) || (rc = srv_image_request_run(r, &q, &res)))
        goto done;
    st = imgcolor_result_swatch_encode(res, imgcolor_result_background(res), opt,
                                       svg ? IMGCOLOR_PIE_SVG : IMGCOLOR_PIE_PNG, &out, &out_len,
                                       &err);
    rc = st == IMGCOLOR_OK
             ? srv_send(r, 200, svg ? "image/svg+xml" : "image/png", out, out_len, NULL)
             : srv_library_problem(r, st, &err);
done:
    imgcolor_free(out);
    imgcolor_result_free(res);
    imgcolor_swatch_options_free(opt);
    srv_image_request_free(&q);
    return rc;
}
