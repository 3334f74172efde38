/* fuzz.h: what the fuzz targets share: the entry point's prototype and an invariant
 * check that aborts, so that libFuzzer and the replay driver both report it as a crash. */
#ifndef IMGCOLOR_FUZZ_H
#define IMGCOLOR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

#endif
