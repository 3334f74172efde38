/* result_json.c: the one JSON rendering of a prominent-colours result, shared by the CLI
 * and the server so that both print the same document. */
#include <cJSON.h>
#include <math.h>
#include <stdlib.h>

#include "internal.h"

static int add_number(cJSON *obj, const char *name, double v)
{
    return cJSON_AddNumberToObject(obj, name, v) != NULL;
}

/* v rounded to `places` decimals: the document shows what is meaningful, not every bit. */
static double rounded(double v, int places)
{
    double scale = pow(10, places);
    return round(v * scale) / scale;
}

static int add_triple(cJSON *obj, const char *name, const double v[3], const int places[3])
{
    const double r[3] = {rounded(v[0], places[0]), rounded(v[1], places[1]),
                         rounded(v[2], places[2])};
    cJSON *arr = cJSON_CreateDoubleArray(r, 3);
    if (!arr || !cJSON_AddItemToObject(obj, name, arr)) {
        cJSON_Delete(arr);
        return 0;
    }
    return 1;
}

/* What the colour is, for a person: OKLCH, the centre in the space clustered when that
 * is not rgb, the nearest CSS name and the text to put on it. */
static imgcolor_status add_person(cJSON *item, const imgcolor_cluster *c, imgcolor_space space)
{
    static const int lch_places[3] = {5, 5, 2}, oklab_places[3] = {5, 5, 5},
                     lab_places[3] = {3, 3, 3};
    char text[8];
    imgcolor_rgb_to_hex(c->text, text);
    if ((space == IMGCOLOR_SPACE_OKLAB && !add_triple(item, "oklab", c->space_centroid,
                                                      oklab_places)) ||
        (space == IMGCOLOR_SPACE_LAB && !add_triple(item, "lab", c->space_centroid,
                                                    lab_places)))
        return IMGCOLOR_E_NOMEM;
    if (!add_triple(item, "oklch", c->oklch, lch_places) ||
        !cJSON_AddStringToObject(item, "name", c->name) ||
        !add_number(item, "name_distance", rounded(c->name_distance, 5)) ||
        !cJSON_AddStringToObject(item, "text", text) ||
        !add_number(item, "text_contrast", rounded(c->text_contrast, 2)))
        return IMGCOLOR_E_NOMEM;
    return IMGCOLOR_OK;
}

/* "where" of a cluster placed by the where pass: {"x","y","box":[x0,y0,x1,y1],"spread"},
 * with "pixels" (those measured) when the result is a sample's. */
static imgcolor_status add_where(cJSON *item, const imgcolor_cluster *c, int sampled)
{
    if (!c->has_where)
        return IMGCOLOR_OK;
    const imgcolor_where *w = &c->where;
    cJSON *obj = cJSON_AddObjectToObject(item, "where");
    cJSON *arr = NULL;
    if (!obj || !add_number(obj, "x", rounded(w->x, 5)) ||
        !add_number(obj, "y", rounded(w->y, 5)))
        return IMGCOLOR_E_NOMEM;
    /* Box sides are below 2^32: numbers, as doubles hold them exactly. */
    const double sides[4] = {w->box[0], w->box[1], w->box[2], w->box[3]};
    if (!(arr = cJSON_CreateDoubleArray(sides, 4)) || !cJSON_AddItemToObject(obj, "box", arr)) {
        cJSON_Delete(arr);
        return IMGCOLOR_E_NOMEM;
    }
    if (!add_number(obj, "spread", rounded(w->spread, 5)) ||
        (sampled && !add_number(obj, "pixels", (double)w->pixels)))
        return IMGCOLOR_E_NOMEM;
    return IMGCOLOR_OK;
}

/* "space" when it is not rgb, "profile" when the pixels were converted from one,
 * "warnings" when there are any: all absent in the common case, so that the document
 * stays as it was. */
static imgcolor_status add_color_management(cJSON *root, const imgcolor_result *res)
{
    imgcolor_space space = imgcolor_result_space(res);
    if (space != IMGCOLOR_SPACE_RGB &&
        !cJSON_AddStringToObject(root, "space", imgcolor_space_name(space)))
        return IMGCOLOR_E_NOMEM;
    const char *profile = imgcolor_result_profile(res);
    if (profile && !cJSON_AddStringToObject(root, "profile", profile))
        return IMGCOLOR_E_NOMEM;
    size_t n = imgcolor_result_warning_count(res);
    if (n == 0)
        return IMGCOLOR_OK;
    cJSON *list = cJSON_AddArrayToObject(root, "warnings");
    if (!list)
        return IMGCOLOR_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        cJSON *w = cJSON_CreateString(imgcolor_result_warning(res, i));
        if (!w || !cJSON_AddItemToArray(list, w)) {
            cJSON_Delete(w);
            return IMGCOLOR_E_NOMEM;
        }
    }
    return IMGCOLOR_OK;
}

/* "region" when one was set, and "background" (null when none was found) when it was
 * looked for: absent otherwise, so that the document stays as it was. */
static imgcolor_status add_region_background(cJSON *root, const imgcolor_result *res)
{
    const imgcolor_region *r = imgcolor_result_region(res);
    if (r) {
        cJSON *obj = cJSON_AddObjectToObject(root, "region");
        if (!obj || !add_number(obj, "x", r->x) || !add_number(obj, "y", r->y) ||
            !add_number(obj, "w", r->w) || !add_number(obj, "h", r->h))
            return IMGCOLOR_E_NOMEM;
    }
    if (imgcolor_result_background_mode(res) == IMGCOLOR_BACKGROUND_KEEP)
        return IMGCOLOR_OK;
    const imgcolor_background *bg = imgcolor_result_background(res);
    if (!bg)
        return cJSON_AddNullToObject(root, "background") ? IMGCOLOR_OK : IMGCOLOR_E_NOMEM;
    cJSON *obj = cJSON_AddObjectToObject(root, "background");
    const int rgb[3] = {bg->rgb.r, bg->rgb.g, bg->rgb.b};
    cJSON *arr = obj ? cJSON_CreateIntArray(rgb, 3) : NULL;
    if (!arr || !cJSON_AddItemToObject(obj, "rgb", arr)) {
        cJSON_Delete(arr);
        return IMGCOLOR_E_NOMEM;
    }
    if (!cJSON_AddStringToObject(obj, "hex", bg->hex) ||
        !add_number(obj, "count", (double)bg->count) || !add_number(obj, "fraction", bg->fraction))
        return IMGCOLOR_E_NOMEM;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor_result_to_json(const imgcolor_result *res, const char *file, char **out)
{
    if (!res || !out)
        return IMGCOLOR_E_INVALID;
    *out = NULL;
    imgcolor_status st = IMGCOLOR_E_NOMEM;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return st;
    if (file && !cJSON_AddStringToObject(root, "file", file))
        goto done;
    if (!add_number(root, "width", imgcolor_result_width(res)) ||
        !add_number(root, "height", imgcolor_result_height(res)) ||
        !add_number(root, "pixels", (double)imgcolor_result_pixels(res)) ||
        !add_number(root, "transparent", (double)imgcolor_result_transparent(res)) ||
        !add_number(root, "distinct", (double)imgcolor_result_distinct(res)) ||
        !add_number(root, "k", imgcolor_result_k(res)) ||
        !add_number(root, "inertia", imgcolor_result_inertia(res)) ||
        !add_number(root, "iterations", imgcolor_result_iterations(res)))
        goto done;
    if (imgcolor_result_sampled(res) &&
        (!cJSON_AddTrueToObject(root, "sampled") ||
         !add_number(root, "sample_scale", imgcolor_result_sample_scale(res)) ||
         !add_number(root, "sample_step", imgcolor_result_sample_step(res)) ||
         !add_number(root, "sample_band_rows", imgcolor_result_sample_band_rows(res)) ||
         !add_number(root, "sample_band_step", imgcolor_result_sample_band_step(res)) ||
         !add_number(root, "sample_pixels", (double)imgcolor_result_sample_pixels(res))))
        goto done;
    if (add_region_background(root, res) != IMGCOLOR_OK)
        goto done;
    cJSON *colors = cJSON_AddArrayToObject(root, "colors");
    if (!colors)
        goto done;
    for (size_t i = 0; i < imgcolor_result_count(res); i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        const int rgb[3] = {c->rgb.r, c->rgb.g, c->rgb.b};
        cJSON *item = cJSON_CreateObject();
        cJSON *arr = cJSON_CreateIntArray(rgb, 3);
        if (!item || !arr || !cJSON_AddItemToArray(colors, item)) {
            cJSON_Delete(item);
            cJSON_Delete(arr);
            goto done;
        }
        if (!cJSON_AddItemToObject(item, "rgb", arr)) {
            cJSON_Delete(arr);
            goto done;
        }
        if (!cJSON_AddStringToObject(item, "hex", c->hex) ||
            !add_number(item, "count", (double)c->count) ||
            !add_number(item, "fraction", c->fraction))
            goto done;
        if (add_person(item, c, imgcolor_result_space(res)) != IMGCOLOR_OK ||
            add_where(item, c, imgcolor_result_sampled(res)) != IMGCOLOR_OK)
            goto done;
    }
    if (add_color_management(root, res) != IMGCOLOR_OK)
        goto done;
    /* cJSON allocates with malloc by default: imgcolor_free() releases it. */
    *out = cJSON_PrintUnformatted(root);
    st = *out ? IMGCOLOR_OK : IMGCOLOR_E_NOMEM;
done:
    cJSON_Delete(root);
    return st;
}
