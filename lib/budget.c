/* budget.c: the per-call CPU-time budget. Each thread working for a call adds its own
 * CPU time to the call's total as it goes, and stops at a check once the total is over. */
#include <time.h>

#include "budget.h"

/* A thread reads its CPU clock, a system call, at most this often by the monotonic
 * clock, which is cheap: CPU time is never more than the time that passed. */
#define REPORT_EVERY_NS 1000000u

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* This thread's CPU time, or where the system has no per-thread clock the time that
 * passed, which is never less. */
static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return clock_ns(CLOCK_MONOTONIC);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void imgcolor__budget_init(imgcolor__budget *b, uint64_t limit_ms)
{
    b->limit_ns = limit_ms * 1000000u;
    atomic_init(&b->spent_ns, 0);
}

void imgcolor__meter_start(imgcolor__meter *m, imgcolor__budget *b)
{
    m->budget = b && b->limit_ns ? b : NULL;
    m->cpu_ns = m->budget ? thread_cpu_ns() : 0;
    m->wall_ns = m->budget ? clock_ns(CLOCK_MONOTONIC) : 0;
}

imgcolor_status imgcolor__meter_check_clock(imgcolor__meter *m)
{
    imgcolor__budget *b = m->budget;
    uint64_t wall = clock_ns(CLOCK_MONOTONIC);
    if (wall - m->wall_ns >= REPORT_EVERY_NS) {
        uint64_t cpu = thread_cpu_ns();
        if (cpu > m->cpu_ns)
            atomic_fetch_add_explicit(&b->spent_ns, cpu - m->cpu_ns, memory_order_relaxed);
        m->cpu_ns = cpu;
        m->wall_ns = wall;
    }
    uint64_t spent = atomic_load_explicit(&b->spent_ns, memory_order_relaxed);
    return spent > b->limit_ns ? IMGCOLOR_E_LIMIT : IMGCOLOR_OK;
}

imgcolor_status imgcolor__budget_fail(imgcolor__budget *b, imgcolor_error *err)
{
    if (!b)
        return imgcolor__fail(err, IMGCOLOR_E_LIMIT, "%s", imgcolor_strerror(IMGCOLOR_E_LIMIT));
    uint64_t spent = atomic_load_explicit(&b->spent_ns, memory_order_relaxed);
    return imgcolor__fail(err, IMGCOLOR_E_LIMIT,
                          "over the time limit of %llu ms of CPU time (%llu ms used)",
                          (unsigned long long)(b->limit_ns / 1000000u),
                          (unsigned long long)(spent / 1000000u));
}
