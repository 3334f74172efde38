/* tiff_loader.h: libtiff, opened with dlopen() when a TIFF file is decoded
 * (tiff_loader.c), so that a process that never decodes one does not load it and the
 * libraries it needs (libLerc, and with it libstdc++; libjbig, libzstd, liblzma,
 * libdeflate): `imgcolor --version` started in 2.2 ms with them, 1.3 ms without. */
#ifndef IMGCOLOR_TIFF_LOADER_H
#define IMGCOLOR_TIFF_LOADER_H

#include "dl_symbols.h"
#include "internal.h"

#include <tiffio.h>

/* The soname of the Debian 12 package libtiff6. */
#define IMGCOLOR__TIFF_SONAME "libtiff.so.6"

/* The functions decode_tiff.c calls, each a member of the same name and type as in
 * tiffio.h. */
#define IMGCOLOR__TIFF_FUNCTIONS(X)                                                              \
    X(TIFFOpenOptionsAlloc)                                                                     \
    X(TIFFOpenOptionsFree)                                                                      \
    X(TIFFOpenOptionsSetErrorHandlerExtR)                                                       \
    X(TIFFOpenOptionsSetWarningHandlerExtR)                                                     \
    X(TIFFOpenOptionsSetMaxSingleMemAlloc)                                                      \
    X(TIFFClientOpenExt)                                                                        \
    X(TIFFClose)                                                                                \
    X(TIFFGetField)                                                                             \
    X(TIFFGetFieldDefaulted)                                                                    \
    X(TIFFSetField)                                                                             \
    X(TIFFIsCODECConfigured)                                                                    \
    X(TIFFIsTiled)                                                                              \
    X(TIFFScanlineSize)                                                                         \
    X(TIFFTileRowSize)                                                                          \
    X(TIFFComputeStrip)                                                                         \
    X(TIFFComputeTile)                                                                          \
    X(TIFFReadEncodedStrip)                                                                     \
    X(TIFFReadEncodedTile)

/* One opened libtiff: valid between imgcolor__tiff_open() and imgcolor__tiff_close(). */
typedef struct imgcolor__tiff_api {
    void *lib;
    IMGCOLOR__TIFF_FUNCTIONS(IMGCOLOR__API_MEMBER)
} imgcolor__tiff_api;

/* Opens soname (IMGCOLOR__TIFF_SONAME but in tests) into api; E_FORMAT, with a message,
 * when it cannot be loaded or lacks a function. */
imgcolor_status imgcolor__tiff_open(imgcolor__tiff_api *api, const char *soname,
                                    imgcolor_error *err);
/* Closes what was opened (harmless after a failed open); the library stays mapped. */
void imgcolor__tiff_close(imgcolor__tiff_api *api);

#endif
