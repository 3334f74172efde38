/* budget.h: the time budget of one call (imgcolor_options_set_time_limit_ms()), shared
 * by the threads working for it, each of which reports its CPU time through a meter. */
#ifndef IMGCOLOR_BUDGET_H
#define IMGCOLOR_BUDGET_H

#include <stdatomic.h>

#include "internal.h"

/* One call's allowance and what its threads have reported spending. */
typedef struct imgcolor__budget {
    uint64_t limit_ns;                 /* 0: no limit */
    atomic_uint_least64_t spent_ns;    /* CPU time reported by the call's threads */
} imgcolor__budget;

/* One thread's view of a budget: its own CPU clock when it last reported. */
typedef struct imgcolor__meter {
    imgcolor__budget *budget; /* NULL: nothing to check, at no cost */
    uint64_t cpu_ns;
    uint64_t wall_ns;
} imgcolor__meter;

/* A budget of limit_ms milliseconds of CPU time; 0 is none. */
void imgcolor__budget_init(imgcolor__budget *b, uint64_t limit_ms);

/* Starts metering the calling thread against b (which may be NULL). */
void imgcolor__meter_start(imgcolor__meter *m, imgcolor__budget *b);

imgcolor_status imgcolor__meter_check_clock(imgcolor__meter *m);

/*
 * IMGCOLOR_E_LIMIT once the call's threads have reported more CPU time than the budget
 * allows, else IMGCOLOR_OK. Cheap enough for every batch of rows or Lloyd pass: nothing
 * without a budget, a read of the monotonic clock with one, and the thread's CPU clock
 * (a system call) at most once a millisecond.
 */
static inline imgcolor_status imgcolor__meter_check(imgcolor__meter *m)
{
    return m->budget ? imgcolor__meter_check_clock(m) : IMGCOLOR_OK;
}

/* Words the failure of a call over budget b (NULL: none known): the limit and the CPU
 * time reported so far. Returns IMGCOLOR_E_LIMIT. */
imgcolor_status imgcolor__budget_fail(imgcolor__budget *b, imgcolor_error *err);

#endif
