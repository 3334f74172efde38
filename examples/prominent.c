/* prominent.c: the smallest useful program on libimgcolor: the prominent colours of an
 * image file, one "#rrggbb count" line each.
 *
 *     cc prominent.c $(pkg-config --cflags --libs imgcolor) -o prominent
 *     ./prominent photo.jpg 6
 */
#include <stdio.h>
#include <stdlib.h>

#include <imgcolor.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s IMAGE [K]\n", argv[0]);
        return 2;
    }
    imgcolor_options *opt = NULL;
    imgcolor_result *res = NULL;
    imgcolor_error err;
    int rc = 1;
    if (imgcolor_options_new(&opt) != IMGCOLOR_OK)
        return 1;
    if (argc > 2 && imgcolor_options_set_k(opt, atoi(argv[2])) != IMGCOLOR_OK) {
        fprintf(stderr, "k must be from 1 to %d\n", IMGCOLOR_K_MAX);
        goto done;
    }
    if (imgcolor_prominent_file(argv[1], opt, &res, &err) != IMGCOLOR_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], err.message);
        goto done;
    }
    for (size_t i = 0; i < imgcolor_result_count(res); i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        printf("%s %llu\n", c->hex, (unsigned long long)c->count);
    }
    rc = 0;
done:
    imgcolor_result_free(res);
    imgcolor_options_free(opt);
    return rc;
}
