/* pipeline.c: the chain of sinks every pass over an image's pixels goes through, from
 * the decoder to the histogram or to the pass that places the colours. */
#include "pipeline.h"

imgcolor__sink imgcolor__pipeline_sink(imgcolor__pipeline *p, imgcolor__sink last,
                                       const imgcolor_options *opt, int first)
{
    imgcolor__sink managed = imgcolor__managed_sink(&p->managed, last, opt);
    if (!first)
        managed.profile = NULL;
    return imgcolor__sampler_sink(&p->sampler, managed, opt->fast ? opt->fast_min_pixels : 0);
}

void imgcolor__pipeline_free(imgcolor__pipeline *p)
{
    imgcolor__sampler_free(&p->sampler);
    imgcolor__managed_free(&p->managed);
}
