/* kmeans_seed.h: greedy k-means++ seeding on the k-d tree, with state a thread allocates
 * once and reuses for each of its runs. */
#ifndef IMGCOLOR_KMEANS_SEED_H
#define IMGCOLOR_KMEANS_SEED_H

#include "budget.h"
#include "kmeans_tree.h"
#include "rng.h"

typedef struct imgcolor__seeding imgcolor__seeding;

/* State for seeding on d, freed with imgcolor__seeding_free() (which accepts NULL). */
imgcolor_status imgcolor__seeding_new(const imgcolor__kmeans_data *d, imgcolor__seeding **out);
void imgcolor__seeding_free(imgcolor__seeding *sd);

/* Greedy k-means++ as scikit-learn's _kmeans_plusplus: k <= d->n centres drawn with r.
 * meter is checked before each centre after the first; over budget, the centres are
 * unfinished and the result is IMGCOLOR_E_LIMIT. */
imgcolor_status imgcolor__seeding_plusplus(imgcolor__seeding *sd, int k, imgcolor__rng *r,
                                           imgcolor__meter *meter, double (*centres)[3]);

#endif
