/* test_docs_pictures.c: the pictures docs/ shows are what the CLI draws today, byte for
 * byte, with the commands README.md gives beside them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

typedef struct picture {
    const char *file;    /* under docs/ */
    const char *command; /* imgcolor's arguments, writing to standard output */
} picture;

static const picture pictures[] = {
    {"swatch-example1.png", "swatch examples/1.jpg -k 6 -o -"},
    {"map-example1.png", "map examples/1.jpg -k 6 --size 320 -o -"},
    {"retina-swatch.png", "swatch tests/data/photos/retina.jpg -k 4 --width 320 --height 64 -o -"},
    {"retina-map.png", "map tests/data/photos/retina.jpg -k 4 --size 320 -o -"},
    {"retina-swatch-bg.png",
     "swatch tests/data/photos/retina.jpg -k 4 --width 320 --height 64 --background exclude "
     "-o -"},
    {"retina-map-bg.png",
     "map tests/data/photos/retina.jpg -k 4 --size 320 --background exclude -o -"},
};

static void test_pictures_are_current(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pictures / sizeof pictures[0]; i++) {
        char cmd[512], path[512];
        snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s", IMGCOLOR_SOURCE_DIR, IMGCOLOR_CLI_PATH,
                 pictures[i].command);
        snprintf(path, sizeof path, "%s/docs/%s", IMGCOLOR_SOURCE_DIR, pictures[i].file);
        test_run r = test_run_cmd(cmd, NULL, 0);
        if (r.status != 0)
            fail_msg("%s: exit %d: %s", pictures[i].command, r.status, r.err);
        size_t len = 0;
        uint8_t *doc = test_read_file(path, &len);
        if (len != r.out_len || memcmp(doc, r.out, len) != 0)
            fail_msg("docs/%s is not what `imgcolor %s` draws now: regenerate it",
                     pictures[i].file, pictures[i].command);
        free(doc);
        test_run_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pictures_are_current),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
