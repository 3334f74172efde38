/* collect.c: feeds decoded rows into the colour histogram. For large images a second
 * thread counts while the decoder decodes the next rows, through a few reusable buffers,
 * so the two costs overlap instead of adding up. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"

#define PIPE_MIN_PIXELS (1u << 20)
#define PIPE_BUFFERS 4

typedef struct batch {
    uint8_t *data;
    size_t cap, pixels;
} batch;

struct imgcolor__collector {
    imgcolor__histogram *hist;
    int threads;
    imgcolor__meter *meter; /* the decoding thread's */
    uint32_t width, height;

    /* Pipelined mode: buffers cycle decoder -> counter -> decoder, in order. */
    int piped;
    pthread_t counter;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    batch buf[PIPE_BUFFERS];
    size_t filled; /* batches handed to the counter so far */
    size_t counted; /* batches the counter has finished */
    int done;
    imgcolor_status status; /* first counting error */
};

static void *count_rows(void *arg)
{
    imgcolor__collector *c = arg;
    imgcolor__meter meter;
    imgcolor__meter_start(&meter, c->meter->budget);
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (c->counted == c->filled && !c->done)
            pthread_cond_wait(&c->changed, &c->lock);
        if (c->counted == c->filled)
            break;
        batch *b = &c->buf[c->counted % PIPE_BUFFERS];
        pthread_mutex_unlock(&c->lock);
        imgcolor_status st = c->status == IMGCOLOR_OK
                                 ? imgcolor__histogram_add(c->hist, b->data, b->pixels, 4)
                                 : c->status;
        if (st == IMGCOLOR_OK)
            st = imgcolor__meter_check(&meter);
        pthread_mutex_lock(&c->lock);
        if (st != IMGCOLOR_OK && c->status == IMGCOLOR_OK)
            c->status = st;
        c->counted++;
        pthread_cond_broadcast(&c->changed);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

static imgcolor_status collect_begin(void *user, uint32_t width, uint32_t height)
{
    imgcolor__collector *c = user;
    c->width = width;
    c->height = height;
    imgcolor__histogram_expect(c->hist, (uint64_t)width * height);
    if (c->threads == 1 || (uint64_t)width * height < PIPE_MIN_PIXELS)
        return IMGCOLOR_OK;
    if (pthread_mutex_init(&c->lock, NULL) != 0)
        return IMGCOLOR_OK;
    if (pthread_cond_init(&c->changed, NULL) != 0) {
        pthread_mutex_destroy(&c->lock);
        return IMGCOLOR_OK;
    }
    if (pthread_create(&c->counter, NULL, count_rows, c) != 0) {
        /* No thread: count inline, as for small images. */
        pthread_cond_destroy(&c->changed);
        pthread_mutex_destroy(&c->lock);
        return IMGCOLOR_OK;
    }
    c->piped = 1;
    return IMGCOLOR_OK;
}

/* The next free buffer of the pipe, with room for `pixels`: waits for the counter to be
 * done with it. */
static imgcolor_status next_batch(imgcolor__collector *c, size_t pixels, batch **out)
{
    pthread_mutex_lock(&c->lock);
    while (c->filled - c->counted == PIPE_BUFFERS && c->status == IMGCOLOR_OK)
        pthread_cond_wait(&c->changed, &c->lock);
    imgcolor_status st = c->status;
    pthread_mutex_unlock(&c->lock);
    if (st != IMGCOLOR_OK)
        return st;
    batch *b = &c->buf[c->filled % PIPE_BUFFERS];
    if (b->cap < pixels * 4) {
        uint8_t *grown = realloc(b->data, pixels * 4);
        if (!grown)
            return IMGCOLOR_E_NOMEM;
        b->data = grown;
        b->cap = pixels * 4;
    }
    *out = b;
    return IMGCOLOR_OK;
}

/* Piped, the decoder writes into the pipe's next buffer; otherwise into its own, which
 * stays in cache from one batch to the next. */
static imgcolor_status collect_buffer(void *user, uint32_t y, uint32_t count, uint8_t **out)
{
    imgcolor__collector *c = user;
    (void)y;
    *out = NULL;
    if (!c->piped)
        return IMGCOLOR_OK;
    batch *b;
    imgcolor_status st = next_batch(c, (size_t)c->width * count, &b);
    if (st == IMGCOLOR_OK)
        *out = b->data;
    return st;
}

static imgcolor_status collect_rows(void *user, const uint8_t *rgba, uint32_t y, uint32_t count)
{
    imgcolor__collector *c = user;
    (void)y;
    imgcolor_status st = imgcolor__meter_check(c->meter);
    if (st != IMGCOLOR_OK)
        return st;
    size_t pixels = (size_t)c->width * count;
    if (!c->piped)
        return imgcolor__histogram_add(c->hist, rgba, pixels, 4);
    batch *b = &c->buf[c->filled % PIPE_BUFFERS];
    if (rgba != b->data) { /* rows from the decoder's own buffer */
        st = next_batch(c, pixels, &b);
        if (st != IMGCOLOR_OK)
            return st;
        memcpy(b->data, rgba, pixels * 4);
    }
    b->pixels = pixels;
    pthread_mutex_lock(&c->lock);
    c->filled++;
    pthread_cond_broadcast(&c->changed);
    pthread_mutex_unlock(&c->lock);
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor__collector_new(imgcolor__histogram *hist, int threads,
                                        imgcolor__meter *meter, imgcolor__collector **out)
{
    imgcolor__collector *c = calloc(1, sizeof *c);
    if (!c)
        return IMGCOLOR_E_NOMEM;
    c->hist = hist;
    c->threads = threads;
    c->meter = meter;
    c->status = IMGCOLOR_OK;
    *out = c;
    return IMGCOLOR_OK;
}

imgcolor__sink imgcolor__collector_sink(imgcolor__collector *c)
{
    return (imgcolor__sink){.begin = collect_begin, .rows = collect_rows, .user = c,
                            .buffer = collect_buffer};
}

imgcolor_status imgcolor__collector_finish(imgcolor__collector *c, uint32_t *width,
                                           uint32_t *height)
{
    imgcolor_status st = IMGCOLOR_OK;
    if (c->piped) {
        pthread_mutex_lock(&c->lock);
        c->done = 1;
        pthread_cond_broadcast(&c->changed);
        pthread_mutex_unlock(&c->lock);
        pthread_join(c->counter, NULL);
        pthread_cond_destroy(&c->changed);
        pthread_mutex_destroy(&c->lock);
        c->piped = 0;
        st = c->status;
    }
    *width = c->width;
    *height = c->height;
    return st;
}

void imgcolor__collector_free(imgcolor__collector *c)
{
    if (!c)
        return;
    for (int i = 0; i < PIPE_BUFFERS; i++)
        free(c->buf[i].data);
    free(c);
}
