/* palette.c: the palette formats of `imgcolor prominent`: a GIMP palette, CSS custom
 * properties and bare hex codes, for other programs to read. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_palette_kind(const char *name)
{
    if (strcmp(name, "gpl") == 0)
        return CLI_PALETTE_GPL;
    if (strcmp(name, "css") == 0)
        return CLI_PALETTE_CSS;
    if (strcmp(name, "hex") == 0)
        return CLI_PALETTE_HEX;
    return -1;
}

/* A prefix that makes `--PREFIX-1` a valid CSS custom property name and needs no
 * escaping: letters, digits, '-' and '_', 1..64 of them. */
int cli_css_prefix_ok(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > 64)
        return 0;
    return strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

/* The file's name without its directories, for the palette's name. */
static const char *base_name(const char *file)
{
    const char *slash = strrchr(file, '/');
    return slash ? slash + 1 : file;
}

/* GIMP's .gpl: "R G B<tab>name", the name here the hex code, share and CSS name. A
 * control character in the file's name would end the header line early: replaced. */
static void print_gpl(const char *file, const imgcolor_result *res)
{
    printf("GIMP Palette\nName: ");
    for (const char *s = base_name(file); *s; s++)
        putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
    printf("\nColumns: %zu\n#\n", imgcolor_result_count(res));
    for (size_t i = 0; i < imgcolor_result_count(res); i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        printf("%3d %3d %3d\t%s %.2f%% %s\n", c->rgb.r, c->rgb.g, c->rgb.b, c->hex,
               100.0 * c->fraction, c->name);
    }
}

/* CSS custom properties, largest cluster first: --PREFIX-1 and so on. The file's name
 * goes into a comment only when it cannot end it. */
static void print_css(const char *file, const imgcolor_result *res, const char *prefix)
{
    if (!strstr(file, "*/") && !strpbrk(file, "\r\n"))
        printf("/* %s */\n", file);
    printf(":root {\n");
    for (size_t i = 0; i < imgcolor_result_count(res); i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        printf("  --%s-%zu: %s; /* %s, %.2f%% */\n", prefix, i + 1, c->hex, c->name,
               100.0 * c->fraction);
    }
    printf("}\n");
}

void cli_print_palette(int kind, const char *file, const imgcolor_result *res,
                       const char *prefix)
{
    if (kind == CLI_PALETTE_GPL) {
        print_gpl(file, res);
    } else if (kind == CLI_PALETTE_CSS) {
        print_css(file, res, prefix);
    } else {
        for (size_t i = 0; i < imgcolor_result_count(res); i++)
            puts(imgcolor_result_color(res, i)->hex);
    }
}
