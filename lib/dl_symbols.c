/* dl_symbols.c: opens a library at run time and resolves the functions a decoder calls.
 * Nothing is kept between calls: the caller holds what it opened. */
#include "internal.h"

#if IMGCOLOR_WITH_HEIF || IMGCOLOR_WITH_TIFF
#include <dlfcn.h>
#include <string.h>

#include "dl_symbols.h"

/* ISO C has no conversion from dlsym()'s void * to a function pointer; POSIX makes them
 * the same size, so the bytes are copied. */
void *imgcolor__dl_open_symbols(const char *soname, const char *const *names,
                                void *const *slots, size_t n, const char **missing)
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
#endif
