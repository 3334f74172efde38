/* palettes.c: the prominent colours of an image clustered in each space given, drawn as
 * swatch strips one above the other (widths by share of pixels) into a PNG, with the
 * library's own encoder. Usage: example_palettes IMAGE OUT.png K SPACE... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <imgcolor.h>

#define WIDTH 480
#define STRIP 48
#define GAP 6

/* Paints one strip at row y0: each cluster a run of columns, largest first. */
static void paint(imgcolor_image *img, uint32_t y0, const imgcolor_result *res)
{
    double start = 0;
    for (size_t i = 0; i < imgcolor_result_count(res); i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        uint32_t x0 = (uint32_t)(start * WIDTH + 0.5);
        start += c->fraction;
        uint32_t x1 = i + 1 == imgcolor_result_count(res) ? WIDTH : (uint32_t)(start * WIDTH + 0.5);
        for (uint32_t y = y0; y < y0 + STRIP; y++)
            for (uint32_t x = x0; x < x1; x++) {
                uint8_t *p = img->rgba + 4 * ((size_t)y * WIDTH + x);
                p[0] = c->rgb.r;
                p[1] = c->rgb.g;
                p[2] = c->rgb.b;
                p[3] = 255;
            }
    }
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s IMAGE OUT.png K SPACE...\n", argv[0]);
        return 2;
    }
    int strips = argc - 4, rc = 1;
    imgcolor_image img = {.width = WIDTH,
                             .height = (uint32_t)(strips * STRIP + (strips - 1) * GAP),
                             .rgba = NULL};
    img.rgba = calloc((size_t)img.width * img.height, 4); /* gaps transparent */
    imgcolor_options *opt = NULL;
    void *png = NULL;
    size_t len = 0;
    if (!img.rgba || imgcolor_options_new(&opt) != IMGCOLOR_OK ||
        imgcolor_options_set_k(opt, atoi(argv[3])) != IMGCOLOR_OK)
        goto done;
    for (int s = 0; s < strips; s++) {
        imgcolor_space space;
        imgcolor_result *res = NULL;
        imgcolor_error err;
        if (imgcolor_space_parse(argv[4 + s], &space) != IMGCOLOR_OK ||
            imgcolor_options_set_space(opt, space) != IMGCOLOR_OK) {
            fprintf(stderr, "%s: not a space\n", argv[4 + s]);
            goto done;
        }
        if (imgcolor_prominent_file(argv[1], opt, &res, &err) != IMGCOLOR_OK) {
            fprintf(stderr, "%s: %s\n", argv[1], err.message);
            goto done;
        }
        paint(&img, (uint32_t)s * (STRIP + GAP), res);
        imgcolor_result_free(res);
    }
    FILE *f = NULL;
    if (imgcolor_png_encode(&img, &png, &len, NULL) == IMGCOLOR_OK && (f = fopen(argv[2], "wb")) &&
        fwrite(png, 1, len, f) == len)
        rc = 0;
    if (f && fclose(f) != 0)
        rc = 1;
done:
    imgcolor_free(png);
    imgcolor_options_free(opt);
    free(img.rgba);
    return rc;
}
