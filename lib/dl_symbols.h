/* dl_symbols.h: a library opened at run time and the functions of it a decoder calls
 * (dl_symbols.c), for the formats whose libraries are loaded only when a file of theirs
 * is decoded (heif_loader.c, tiff_loader.c). */
#ifndef IMGCOLOR_DL_SYMBOLS_H
#define IMGCOLOR_DL_SYMBOLS_H

#include <stddef.h>

/*
 * Opens soname and resolves names[i] into the function pointer at slots[i]. Returns the
 * handle, or NULL with *missing set to the function not found (NULL when the library
 * itself could not be loaded). RTLD_LOCAL keeps the library's symbols out of the
 * process's namespace; RTLD_NODELETE keeps it mapped after dlclose(), so that what it
 * builds as it loads is built once.
 */
void *imgcolor__dl_open_symbols(const char *soname, const char *const *names,
                                void *const *slots, size_t n, const char **missing);

/* A member of the same name and type as the library's function f, for the X-macro
 * lists of heif_loader.h and tiff_loader.h. */
#define IMGCOLOR__API_MEMBER(f) __typeof__(f) *f;
#define IMGCOLOR__API_NAME(f) #f,
#define IMGCOLOR__API_SLOT(f) (void *)&api->f,

#endif
