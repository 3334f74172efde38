/* heif_loader.c: opens libheif and libaom at run time and resolves the functions the
 * HEIF decoder calls. Nothing is kept between calls: the caller holds what it opened. */
#include "internal.h"

#if IMGCOLOR_WITH_HEIF
#include <dlfcn.h>
#include <string.h>

#include "dl_symbols.h"
#include "heif_loader.h"

#define NAME IMGCOLOR__API_NAME
#define SLOT IMGCOLOR__API_SLOT

imgcolor_status imgcolor__heif_open(imgcolor__heif_api *api, const char *soname,
                                    const char *format, imgcolor_error *err)
{
    static const char *const names[] = {IMGCOLOR__HEIF_FUNCTIONS(NAME)};
    void *const slots[] = {IMGCOLOR__HEIF_FUNCTIONS(SLOT)};
    const char *missing;
    memset(api, 0, sizeof *api);
    api->lib = imgcolor__dl_open_symbols(soname, names, slots, sizeof names / sizeof *names, &missing);
    if (api->lib)
        return IMGCOLOR_OK;
    memset(api, 0, sizeof *api);
    if (missing)
        return imgcolor__fail(err, IMGCOLOR_E_FORMAT, "%s support not available: %s lacks %s",
                              format, soname, missing);
    return imgcolor__fail(err, IMGCOLOR_E_FORMAT,
                          "%s support not available: %s could not be loaded", format, soname);
}

void imgcolor__heif_close(imgcolor__heif_api *api)
{
    if (api->lib)
        dlclose(api->lib);
    memset(api, 0, sizeof *api);
}

int imgcolor__aom_open(imgcolor__aom_api *api, const char *soname)
{
    static const char *const names[] = {IMGCOLOR__AOM_FUNCTIONS(NAME)};
    void *const slots[] = {IMGCOLOR__AOM_FUNCTIONS(SLOT)};
    const char *missing;
    memset(api, 0, sizeof *api);
    api->lib = imgcolor__dl_open_symbols(soname, names, slots, sizeof names / sizeof *names, &missing);
    if (api->lib)
        return 0;
    memset(api, 0, sizeof *api);
    return -1;
}

void imgcolor__aom_close(imgcolor__aom_api *api)
{
    if (api->lib)
        dlclose(api->lib);
    memset(api, 0, sizeof *api);
}
#endif
