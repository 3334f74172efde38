/* heif_loader.c: opens libheif and libaom at run time and resolves the functions the
 * HEIF decoder calls. Nothing is kept between calls: the caller holds what it opened. */
#include "internal.h"

#if IMGCOLOR_WITH_HEIF
#include <dlfcn.h>
#include <string.h>

#include "heif_loader.h"

/*
 * Opens soname and resolves names[i] into the function pointer at slots[i] (ISO C has
 * no conversion from dlsym()'s void * to a function pointer; POSIX makes them the same
 * size, so the bytes are copied). Returns the handle, or NULL with *missing set to the
 * function not found (NULL when the library itself could not be loaded).
 * RTLD_LOCAL keeps the libraries' symbols out of the process's namespace; RTLD_NODELETE
 * keeps them mapped after dlclose(), so that libde265's tables are built once.
 */
static void *open_symbols(const char *soname, const char *const *names, void *const *slots,
                          size_t n, const char **missing)
{
    *missing = NULL;
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!lib)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        void *sym = dlsym(lib, names[i]);
        if (!sym) {
            *missing = names[i];
            dlclose(lib);
            return NULL;
        }
        memcpy(slots[i], &sym, sizeof sym);
    }
    return lib;
}

#define NAME(f) #f,
#define SLOT(f) (void *)&api->f,

imgcolor_status imgcolor__heif_open(imgcolor__heif_api *api, const char *soname,
                                    const char *format, imgcolor_error *err)
{
    static const char *const names[] = {IMGCOLOR__HEIF_FUNCTIONS(NAME)};
    void *const slots[] = {IMGCOLOR__HEIF_FUNCTIONS(SLOT)};
    const char *missing;
    memset(api, 0, sizeof *api);
    api->lib = open_symbols(soname, names, slots, sizeof names / sizeof *names, &missing);
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
    api->lib = open_symbols(soname, names, slots, sizeof names / sizeof *names, &missing);
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
