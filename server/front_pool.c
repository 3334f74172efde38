/* front_pool.c: the front's connection slots and its count of connections per address
 * (IPv4 addresses, IPv6 /64 prefixes: one host usually holds a whole /64), both fixed
 * in size when the server starts, so memory is bounded whatever the peers do. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "front_conn.h"

int srv_front_conns_init(srv_front *f)
{
    size_t n = (size_t)f->max_conns;
    uint32_t size = 64;
    while (size < 2 * n)
        size *= 2;
    f->conns = calloc(n, sizeof *f->conns);
    f->free_list = calloc(n, sizeof *f->free_list);
    f->live = calloc(n, sizeof *f->live);
    f->addrs = calloc(size, sizeof *f->addrs);
    if (!f->conns || !f->free_list || !f->live || !f->addrs)
        return -1;
    f->addr_mask = size - 1;
    for (size_t i = 0; i < n; i++) {
        f->conns[i].fd = f->conns[i].bfd = -1;
        f->free_list[i] = (int)(n - 1 - i);
    }
    f->n_free = (int)n;
    f->waiting[0].head = f->waiting[0].tail = f->waiting[1].head = f->waiting[1].tail = -1;
    return 0;
}

/* The key of an address (family byte, then 4 bytes of IPv4 or 8 of IPv6) and its text. */
void srv_front_addr_key(const struct sockaddr_storage *ss, uint8_t key[17], char *text,
                        size_t size)
{
    memset(key, 0, 17);
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)ss;
        const uint8_t *b = a6->sin6_addr.s6_addr;
        if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr)) { /* IPv4 on a dual-stack socket */
            key[0] = 4;
            memcpy(key + 1, b + 12, 4);
            inet_ntop(AF_INET, b + 12, text, (socklen_t)size);
            return;
        }
        key[0] = 6;
        memcpy(key + 1, b, 8);
        inet_ntop(AF_INET6, b, text, (socklen_t)size);
        return;
    }
    const struct sockaddr_in *a4 = (const struct sockaddr_in *)ss;
    key[0] = 4;
    memcpy(key + 1, &a4->sin_addr, 4);
    inet_ntop(AF_INET, &a4->sin_addr, text, (socklen_t)size);
}

static uint32_t addr_hash(const uint8_t key[17])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 17; i++)
        h = (h ^ key[i]) * 16777619u;
    return h;
}

/* Counts one more connection from key: 0, or -1 when the address is at its limit. */
int srv_front_addr_take(srv_front *f, const uint8_t key[17])
{
    uint32_t i = addr_hash(key) & f->addr_mask;
    while (f->addrs[i].count && memcmp(f->addrs[i].key, key, 17) != 0)
        i = (i + 1) & f->addr_mask;
    front_addr *a = &f->addrs[i];
    if (a->count && f->per_addr > 0 && a->count >= (uint32_t)f->per_addr)
        return -1;
    if (!a->count)
        memcpy(a->key, key, 17);
    a->count++;
    return 0;
}

/* One connection from key fewer; an entry that drops to zero is removed with linear
 * probing's backward shift, so that no probe chain outlives its addresses. */
void srv_front_addr_give(srv_front *f, const uint8_t key[17])
{
    uint32_t i = addr_hash(key) & f->addr_mask;
    while (f->addrs[i].count && memcmp(f->addrs[i].key, key, 17) != 0)
        i = (i + 1) & f->addr_mask;
    if (!f->addrs[i].count || --f->addrs[i].count)
        return;
    uint32_t hole = i;
    for (uint32_t j = (i + 1) & f->addr_mask; f->addrs[j].count; j = (j + 1) & f->addr_mask) {
        uint32_t home = addr_hash(f->addrs[j].key) & f->addr_mask;
        /* j's entry may fill the hole if its home is not cyclically in (hole, j] */
        int between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!between) {
            f->addrs[hole] = f->addrs[j];
            f->addrs[j].count = 0;
            hole = j;
        }
    }
}

front_conn *srv_front_conn_new(srv_front *f, int *idx)
{
    if (!f->n_free)
        return NULL;
    *idx = f->free_list[--f->n_free];
    front_conn *c = &f->conns[*idx];
    memset(c, 0, sizeof *c);
    c->fd = c->bfd = -1;
    c->next_wait = -1;
    c->active = f->n_conns;
    f->live[f->n_conns++] = *idx;
    return c;
}

void srv_front_conn_release(srv_front *f, front_conn *c)
{
    int idx = (int)(c - f->conns);
    int last = f->live[--f->n_conns];
    f->live[c->active] = last;
    f->conns[last].active = c->active;
    f->free_list[f->n_free++] = idx;
    c->state = FC_FREE;
}

void srv_front_conns_free(srv_front *f)
{
    for (int i = 0; f->live && i < f->n_conns; i++) {
        front_conn *c = &f->conns[f->live[i]];
        if (c->fd >= 0)
            close(c->fd);
        if (c->bfd >= 0)
            close(c->bfd);
        free(c->in);
        free(c->head);
        free(c->body);
        free(c->fwd);
        free(c->out);
    }
    free(f->conns);
    free(f->free_list);
    free(f->live);
    free(f->addrs);
}
