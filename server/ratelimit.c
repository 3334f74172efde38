/* ratelimit.c: a token bucket per client (an API key's label, or an address), in a
 * fixed table so that memory stays bounded however many clients appear. A bucket fills
 * at `rate` tokens a second up to `burst`. Used two ways: counting requests (each takes
 * one token on arrival), and metering cost (a request is let in while the bucket is not
 * in debt, and charged what it cost once done). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

int srv_ratelimit_init(srv_ratelimit *rl, double rate, double burst)
{
    memset(rl, 0, sizeof *rl);
    rl->rate = rate;
    rl->burst = burst < 1 ? 1 : burst;
    if (rate <= 0)
        return 0; /* no limit: no table */
    rl->slots = calloc(SRV_RL_SLOTS, sizeof *rl->slots);
    if (!rl->slots)
        return -1;
    if (pthread_mutex_init(&rl->lock, NULL) != 0) {
        free(rl->slots);
        rl->slots = NULL;
        return -1;
    }
    return 0;
}

void srv_ratelimit_free(srv_ratelimit *rl)
{
    if (rl->slots) {
        pthread_mutex_destroy(&rl->lock);
        free(rl->slots);
    }
    memset(rl, 0, sizeof *rl);
}

/* FNV-1a, never 0 (0 marks a free slot). */
static uint64_t hash_key(const char *key)
{
    uint64_t h = 14695981039346656037u;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return h ? h : 1;
}

/* The bucket of key: found among SRV_RL_PROBE slots from its hash, else a free one, else
 * the one idle longest, which is taken over. An evicted client starts again with a full
 * bucket, so the table's size is what bounds an attacker cycling through addresses. */
static srv_bucket *bucket_for(srv_ratelimit *rl, const char *key, uint64_t now_ns)
{
    uint64_t h = hash_key(key);
    srv_bucket *spare = NULL;
    for (size_t i = 0; i < SRV_RL_PROBE; i++) {
        srv_bucket *b = &rl->slots[(h + i) % SRV_RL_SLOTS];
        if (b->hash == h && strcmp(b->key, key) == 0)
            return b;
        if (!spare || (spare->hash != 0 && (b->hash == 0 || b->last_ns < spare->last_ns)))
            spare = b;
    }
    spare->hash = h;
    size_t n = strlen(key);
    if (n >= sizeof spare->key)
        n = sizeof spare->key - 1;
    memcpy(spare->key, key, n);
    spare->key[n] = '\0';
    spare->tokens = rl->burst;
    spare->last_ns = now_ns;
    return spare;
}

/* The bucket of key, refilled up to now_ns; the caller holds the lock. */
static srv_bucket *refilled(srv_ratelimit *rl, const char *key, uint64_t now_ns)
{
    srv_bucket *b = bucket_for(rl, key, now_ns);
    if (now_ns > b->last_ns) {
        b->tokens += (double)(now_ns - b->last_ns) / 1e9 * rl->rate;
        if (b->tokens > rl->burst)
            b->tokens = rl->burst;
        b->last_ns = now_ns;
    }
    return b;
}

/* Whole seconds until a bucket holding tokens has `need` again, at least 1. */
static int retry_after(const srv_ratelimit *rl, double tokens, double need)
{
    int s = (int)ceil((need - tokens) / rl->rate);
    return s < 1 ? 1 : s;
}

int srv_ratelimit_allow(srv_ratelimit *rl, const char *key, uint64_t now_ns, int *retry_s)
{
    *retry_s = 0;
    if (rl->rate <= 0 || !rl->slots)
        return 1;
    pthread_mutex_lock(&rl->lock);
    srv_bucket *b = refilled(rl, key, now_ns);
    int ok = b->tokens >= -1e-6; /* rounding: refill and charge of one interval */
    if (!ok)
        *retry_s = retry_after(rl, b->tokens, 0);
    pthread_mutex_unlock(&rl->lock);
    return ok;
}

void srv_ratelimit_charge(srv_ratelimit *rl, const char *key, uint64_t now_ns, double cost)
{
    if (rl->rate <= 0 || !rl->slots || !(cost > 0))
        return;
    pthread_mutex_lock(&rl->lock);
    srv_bucket *b = refilled(rl, key, now_ns);
    b->tokens -= cost < rl->burst ? cost : rl->burst;
    if (b->tokens < -rl->burst)
        b->tokens = -rl->burst;
    pthread_mutex_unlock(&rl->lock);
}

int srv_ratelimit_take(srv_ratelimit *rl, const char *key, uint64_t now_ns, int *retry_s)
{
    *retry_s = 0;
    if (rl->rate <= 0 || !rl->slots)
        return 1;
    pthread_mutex_lock(&rl->lock);
    srv_bucket *b = refilled(rl, key, now_ns);
    int ok = b->tokens >= 1;
    if (ok)
        b->tokens -= 1;
    else
        *retry_s = retry_after(rl, b->tokens, 1);
    pthread_mutex_unlock(&rl->lock);
    return ok;
}
