/* alloc.c: memory for large arrays that are written front to back. */
#define _DEFAULT_SOURCE /* madvise() and MADV_HUGEPAGE, beside POSIX */
#include <stdlib.h>

#include "internal.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

#define HUGE_PAGE ((size_t)2 << 20)
#define HUGE_FROM ((size_t)4 << 20)

void *imgcolor__alloc_large(size_t size)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    /* Each 4 KiB page of a fresh allocation costs a page fault when first written, a few
     * microseconds each on a virtual machine: 8 ms for a 7.5 MB file. In 2 MiB pages,
     * where the system has them, the same memory takes a handful of faults. Blocks
     * under 4 MiB are left to malloc(): a long-running program's allocator hands them
     * out again already resident (imgcolor-server keeps such blocks), and 2 MiB-aligned
     * huge-page blocks inside its heap made a small photo's request slower, not faster
     * (105 against 125 requests a second). */
    if (size >= HUGE_FROM && size <= SIZE_MAX - HUGE_PAGE) {
        size_t rounded = (size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
        void *p = aligned_alloc(HUGE_PAGE, rounded);
        if (p)
            (void)madvise(p, rounded, MADV_HUGEPAGE); /* a hint: failure changes nothing */
        return p;
    }
#endif
    return malloc(size ? size : 1);
}
