/* gate.c: the concurrency limit for heavy requests (decoding, clustering, rendering).
 * Admission is decided at once when the request is routed: at most max_running may
 * compute and max_queue more may wait, the rest are refused with 503 before their body
 * is read. An admitted request waits for a running slot only when its work begins, and
 * no longer than its deadline. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "server.h"

int srv_gate_init(srv_gate *g, int max_running, int max_queue)
{
    memset(g, 0, sizeof *g);
    g->max_running = max_running < 1 ? 1 : max_running;
    g->max_admitted = g->max_running + (max_queue < 0 ? 0 : max_queue);
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return -1;
    int rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(&g->freed, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0)
        return -1;
    if (pthread_mutex_init(&g->lock, NULL) != 0) {
        pthread_cond_destroy(&g->freed);
        return -1;
    }
    return 0;
}

void srv_gate_free(srv_gate *g)
{
    pthread_cond_destroy(&g->freed);
    pthread_mutex_destroy(&g->lock);
}

srv_gate_status srv_gate_admit(srv_gate *g)
{
    pthread_mutex_lock(&g->lock);
    int ok = g->admitted < g->max_admitted;
    if (ok)
        g->admitted++;
    pthread_mutex_unlock(&g->lock);
    return ok ? SRV_GATE_OK : SRV_GATE_FULL;
}

srv_gate_status srv_gate_run(srv_gate *g, uint64_t deadline_ns)
{
    struct timespec until = {(time_t)(deadline_ns / 1000000000u),
                             (long)(deadline_ns % 1000000000u)};
    srv_gate_status st = SRV_GATE_OK;
    pthread_mutex_lock(&g->lock);
    while (g->running >= g->max_running) {
        int rc = pthread_cond_timedwait(&g->freed, &g->lock, &until);
        if (rc == ETIMEDOUT && g->running >= g->max_running) {
            st = SRV_GATE_TIMEOUT;
            break;
        }
    }
    if (st == SRV_GATE_OK)
        g->running++;
    pthread_mutex_unlock(&g->lock);
    return st;
}

void srv_gate_leave(srv_gate *g, int ran)
{
    pthread_mutex_lock(&g->lock);
    g->admitted--;
    if (ran) {
        g->running--;
        pthread_cond_signal(&g->freed);
    }
    pthread_mutex_unlock(&g->lock);
}
