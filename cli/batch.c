/* batch.c: runs one piece of work per input on a pool of threads and writes each result
 * in input order, whatever finishes first, with a bounded window of results waiting;
 * progress and a one-line summary go to standard error. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* The result of one input, computed but perhaps not yet written. */
typedef struct slot {
    int ready;
    int failed;
    cli_buf out, err;
} slot;

typedef struct batch_run {
    const cli_batch *b;
    pthread_mutex_t lock;
    pthread_cond_t claimable; /* a slot in the window came free, or stop */
    pthread_cond_t finished;  /* a result is ready */
    size_t next;              /* next input to claim */
    size_t written;           /* results written, in order */
    size_t computed;          /* results ready, in any order */
    size_t window;            /* slots: inputs claimed but not yet written */
    slot *slots;
    int stop;
} batch_run;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Claims inputs in order, never more than the window ahead of the writer, and leaves
 * each result in its slot. */
static void *worker(void *arg)
{
    batch_run *r = arg;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (!r->stop && r->next < r->b->count && r->next >= r->written + r->window)
            pthread_cond_wait(&r->claimable, &r->lock);
        if (r->stop || r->next >= r->b->count)
            break;
        size_t i = r->next++;
        pthread_mutex_unlock(&r->lock);
        slot done = {1, 0, {0}, {0}};
        done.failed = r->b->work(r->b->ctx, i, &done.out, &done.err) != CLI_OK;
        pthread_mutex_lock(&r->lock);
        r->slots[i % r->window] = done;
        r->computed++;
        pthread_cond_signal(&r->finished);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static void format_eta(double seconds, char *out, size_t size)
{
    if (!(seconds < 360000))
        snprintf(out, size, "--:--");
    else if (seconds >= 3600)
        snprintf(out, size, "%d:%02d:%02d", (int)seconds / 3600, (int)seconds / 60 % 60,
                 (int)seconds % 60);
    else
        snprintf(out, size, "%d:%02d", (int)seconds / 60, (int)seconds % 60);
}

/* "12/400 files, 31.5 images/s, ETA 0:12" over the current line of standard error. */
static void draw_progress(size_t done, size_t total, double elapsed)
{
    double rate = elapsed > 0 ? (double)done / elapsed : 0;
    char eta[32];
    format_eta(rate > 0 ? (double)(total - done) / rate : 1e9, eta, sizeof eta);
    fprintf(stderr, "\r\x1b[K%zu/%zu files, %.1f images/s, ETA %s", done, total, rate, eta);
}

static void clear_progress(int shown)
{
    if (shown)
        fputs("\r\x1b[K", stderr);
}

/* Writes one result: its output, then its messages. -1 when standard output failed. */
static int write_result(slot *s, int progress)
{
    int rc = 0;
    if (s->out.failed || s->err.failed) {
        s->failed = 1;
        cli_error("out of memory");
    }
    if (s->out.len) {
        fwrite(s->out.data, 1, s->out.len, stdout);
        rc = cli_flush_stdout();
    }
    if (s->err.len) {
        clear_progress(progress);
        fwrite(s->err.data, 1, s->err.len, stderr);
    }
    cli_buf_free(&s->out);
    cli_buf_free(&s->err);
    return rc;
}

/* The writer: takes the results in order as they become ready. */
static void write_in_order(batch_run *r, size_t *failed, double start)
{
    const cli_batch *b = r->b;
    double drawn = 0;
    pthread_mutex_lock(&r->lock);
    while (r->written < b->count && !r->stop) {
        slot *s = &r->slots[r->written % r->window];
        if (!s->ready) {
            if (!b->progress) {
                pthread_cond_wait(&r->finished, &r->lock);
                continue;
            }
            /* CLOCK_REALTIME is what pthread_cond_timedwait() measures by default. */
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 250000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&r->finished, &r->lock, &until);
        } else {
            slot taken = *s;
            *s = (slot){0};
            r->written++;
            pthread_cond_broadcast(&r->claimable);
            pthread_mutex_unlock(&r->lock);
            int lost = write_result(&taken, b->progress);
            /* An input whose output was lost failed too. */
            *failed += (size_t)(taken.failed || lost);
            pthread_mutex_lock(&r->lock);
            if (lost)
                r->stop = 1;
        }
        if (b->progress && now() - drawn >= 0.2) {
            drawn = now();
            draw_progress(r->written, b->count, drawn - start);
        }
    }
    r->stop = 1;
    pthread_cond_broadcast(&r->claimable);
    pthread_mutex_unlock(&r->lock);
    if (b->progress)
        draw_progress(r->written, b->count, now() - start);
}

static void summarise(const cli_batch *b, size_t written, size_t failed, double seconds)
{
    clear_progress(b->progress);
    if (!b->summary)
        return;
    char skipped[64] = "";
    if (b->skipped)
        snprintf(skipped, sizeof skipped, ", %zu skipped", b->skipped);
    fprintf(stderr, "imgcolor: %zu files: %zu done, %zu failed%s, %.2f s (%.1f images/s)%s\n",
            b->count + b->failed, written - failed, failed + b->failed, skipped, seconds,
            seconds > 0 ? (double)written / seconds : 0.0,
            written < b->count ? "; stopped, output could not be written" : "");
}

int cli_batch_run(const cli_batch *b)
{
    batch_run r = {.b = b};
    int jobs = b->jobs < 1 ? 1 : b->jobs, started = 0, rc = CLI_BAD_INPUT;
    size_t failed = 0;
    double start = now();
    /* Enough slots that a slow input holds up the writer, not the workers, for a while;
     * few enough that memory stays bounded whatever the number of inputs. */
    r.window = 4 * (size_t)jobs + 4;
    pthread_t *threads = calloc((size_t)jobs, sizeof *threads);
    r.slots = calloc(r.window, sizeof *r.slots);
    if (!threads || !r.slots) {
        cli_error("out of memory");
        goto done;
    }
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.claimable, NULL);
    pthread_cond_init(&r.finished, NULL);
    for (; started < jobs; started++)
        if ((errno = pthread_create(&threads[started], NULL, worker, &r)) != 0)
            break;
    if (started == 0) {
        cli_error("cannot start a thread: %s", strerror(errno));
    } else {
        write_in_order(&r, &failed, start);
        rc = failed || b->failed || r.written < b->count ? CLI_BAD_INPUT : CLI_OK;
    }
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    summarise(b, r.written, failed, now() - start);
    for (size_t i = 0; i < r.window; i++) {
        cli_buf_free(&r.slots[i].out);
        cli_buf_free(&r.slots[i].err);
    }
    pthread_cond_destroy(&r.finished);
    pthread_cond_destroy(&r.claimable);
    pthread_mutex_destroy(&r.lock);
done:
    free(r.slots);
    free(threads);
    return rc;
}
