/* tiff_loader.c: opens libtiff at run time and resolves the functions the TIFF decoder
 * calls. Nothing is kept between calls: the caller holds what it opened. */
#include "internal.h"

#if IMGCOLOR_WITH_TIFF
#include <dlfcn.h>
#include <string.h>

#include "tiff_loader.h"

imgcolor_status imgcolor__tiff_open(imgcolor__tiff_api *api, const char *soname,
                                    imgcolor_error *err)
{
    static const char *const names[] = {IMGCOLOR__TIFF_FUNCTIONS(IMGCOLOR__API_NAME)};
    void *const slots[] = {IMGCOLOR__TIFF_FUNCTIONS(IMGCOLOR__API_SLOT)};
    const char *missing;
    memset(api, 0, sizeof *api);
    api->lib = imgcolor__dl_open_symbols(soname, names, slots, sizeof names / sizeof *names,
                                         &missing);
    if (api->lib)
        return IMGCOLOR_OK;
    memset(api, 0, sizeof *api);
    if (missing)
        return imgcolor__fail(err, IMGCOLOR_E_FORMAT, "TIFF support not available: %s lacks %s",
                              soname, missing);
    return imgcolor__fail(err, IMGCOLOR_E_FORMAT,
                          "TIFF support not available: %s could not be loaded", soname);
}

void imgcolor__tiff_close(imgcolor__tiff_api *api)
{
    if (api->lib)
        dlclose(api->lib);
    memset(api, 0, sizeof *api);
}
#endif
