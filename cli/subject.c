/* subject.c: the clustering options that choose which pixels count (the
 * background left out, a region), and the lines that report them. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_set_background(imgcolor_options *opt, const char *name, const char *value)
{
    imgcolor_background_mode mode;
    imgcolor_rgb colour;
    if (imgcolor_background_parse(value, strlen(value), &mode, &colour) != IMGCOLOR_OK ||
        imgcolor_options_set_background(opt, mode, colour) != IMGCOLOR_OK) {
        cli_error("%s: expected keep, exclude or a colour #rrggbb, got '%s'", name, value);
        return -1;
    }
    return 0;
}

int cli_set_bg_tolerance(imgcolor_options *opt, const char *name, const char *value)
{
    char *end = NULL;
    double v = strtod(value, &end);
    if (end != value && !*end && imgcolor_options_set_bg_tolerance(opt, v) == IMGCOLOR_OK)
        return 0;
    cli_error("%s: expected a distance in deltaE OK from 0 to %g, got '%s'", name,
              IMGCOLOR_BG_TOLERANCE_MAX, value);
    return -1;
}

int cli_set_region(imgcolor_options *opt, const char *name, const char *value)
{
    imgcolor_region_spec spec;
    imgcolor_error err = {IMGCOLOR_OK, ""};
    if (imgcolor_region_parse(value, strlen(value), &spec, &err) == IMGCOLOR_OK &&
        imgcolor_options_set_region(opt, &spec) == IMGCOLOR_OK)
        return 0;
    const char *why = err.message;
    if (strncmp(why, "region: ", 8) == 0) /* the option's name says it */
        why += 8;
    cli_error("%s: %s, got '%s'", name, why, value);
    return -1;
}

void cli_print_region_text(cli_buf *out, const imgcolor_result *res)
{
    const imgcolor_region *r = imgcolor_result_region(res);
    if (r)
        cli_buf_printf(out, "region %u,%u,%u,%u of %ux%u\n", r->x, r->y, r->w, r->h,
                       imgcolor_result_width(res), imgcolor_result_height(res));
}

void cli_print_background_text(cli_buf *out, const imgcolor_result *res, int swatch)
{
    if (imgcolor_result_background_mode(res) == IMGCOLOR_BACKGROUND_KEEP)
        return;
    const imgcolor_background *bg = imgcolor_result_background(res);
    if (!bg) {
        cli_buf_printf(out, "background: none found\n");
        return;
    }
    if (swatch)
        cli_buf_printf(out, "\x1b[48;2;%d;%d;%dm    \x1b[0m ", bg->rgb.r, bg->rgb.g, bg->rgb.b);
    cli_buf_printf(out, "%s  rgb(%3d, %3d, %3d)  %10llu  %6.2f%%  background (left out)\n",
                   bg->hex, bg->rgb.r, bg->rgb.g, bg->rgb.b, (unsigned long long)bg->count,
                   100.0 * bg->fraction);
}

void cli_print_background_csv(cli_buf *out, const imgcolor_result *res)
{
    const imgcolor_background *bg = imgcolor_result_background(res);
    if (bg)
        cli_buf_printf(out, ",background,%s,%d,%d,%d,%llu,%.6f,,,,,,,\n", bg->hex, bg->rgb.r,
                       bg->rgb.g, bg->rgb.b, (unsigned long long)bg->count, bg->fraction);
}
