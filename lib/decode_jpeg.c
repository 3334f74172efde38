/* decode_jpeg.c: JPEG to RGBA8 rows with libjpeg-turbo, streamed a few scanlines at a
 * time; baseline, progressive, greyscale, RGB, CMYK and YCCK. */
#include <limits.h>
#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE and size_t first */
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "icc.h"

/* Progressive files with absurd numbers of scans are a known way to burn CPU
 * (libjpeg-turbo's own tools stop at 500 with -maxscans). */
#define JPEG_MAX_SCANS 500
/*
 * Each scan of a progressive file is decoded over every block of the components it
 * covers, so a file of empty scans costs the whole image per scan for a few bytes each.
 * The blocks decoded, summed over the scans, may be at most this many times the image's
 * blocks (the usual progressive scripts decode each block 4 to 6 times) plus this many
 * per byte of input: no small file costs more than a large honest photo.
 */
#define JPEG_SCAN_BLOCKS_PER_BLOCK 12u
#define JPEG_SCAN_BLOCKS_PER_BYTE 64u
/* Scanlines per batch: enough to amortise the library call and the sink call. */
#define JPEG_BATCH_BYTES (128u << 10)
#define JPEG_BATCH_ROWS_MAX 32u

typedef struct jpeg_ctx {
    struct jpeg_error_mgr pub; /* first, so that cinfo->err leads back here */
    struct jpeg_progress_mgr progress;
    jmp_buf jmp;
    const imgcolor_options *opt; /* never NULL */
    imgcolor_error *err;
    imgcolor_status status;
    int scan_seen;        /* the last scan charged */
    uint64_t scan_blocks; /* blocks the scans so far decode */
    uint64_t scan_budget; /* the most scan_blocks may reach */
    size_t size;          /* of the input */
} jpeg_ctx;

static void error_exit(j_common_ptr cinfo)
{
    jpeg_ctx *c = (jpeg_ctx *)cinfo->err;
    char msg[JMSG_LENGTH_MAX];
    switch (cinfo->err->msg_code) {
    case JERR_OUT_OF_MEMORY:
        c->status = IMGCOLOR_E_NOMEM;
        imgcolor__fail(c->err, c->status, "JPEG: out of memory");
        break;
    case JERR_NO_BACKING_STORE: /* over mem->max_memory_to_use */
        c->status = IMGCOLOR_E_TOO_LARGE;
        imgcolor__fail(c->err, c->status, "JPEG: needs more than %ld bytes of working memory",
                       cinfo->mem->max_memory_to_use);
        break;
    default:
        cinfo->err->format_message(cinfo, msg);
        c->status = IMGCOLOR_E_DECODE;
        imgcolor__fail(c->err, c->status, "JPEG: %s", msg);
        break;
    }
    longjmp(c->jmp, 1);
}

/*
 * libjpeg reports damaged data, including a file that ends early, as warnings and
 * carries on with grey or repeated blocks. Colours of made-up pixels are wrong answers,
 * so every warning is fatal except those about metadata that does not touch pixels.
 */
static void emit_message(j_common_ptr cinfo, int msg_level)
{
    if (msg_level >= 0)
        return; /* trace messages */
    switch (cinfo->err->msg_code) {
    case JWRN_JFIF_MAJOR:
    case JWRN_ADOBE_XFORM:
    case JWRN_BOGUS_ICC:
        return;
    default:
        error_exit(cinfo);
    }
}

/* The default prints to stderr; a library must not. */
static void output_message(j_common_ptr cinfo)
{
    (void)cinfo;
}

static void progress_monitor(j_common_ptr cinfo)
{
    if (!cinfo->is_decompressor)
        return;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    jpeg_ctx *c = (jpeg_ctx *)cinfo->err;
    if (d->input_scan_number > JPEG_MAX_SCANS) {
        c->status = imgcolor__fail(c->err, IMGCOLOR_E_DECODE, "JPEG: more than %d scans",
                                   JPEG_MAX_SCANS);
        longjmp(c->jmp, 1);
    }
    /* Charged as a scan begins, before its blocks are decoded. */
    if (d->input_scan_number != c->scan_seen) {
        c->scan_seen = d->input_scan_number;
        for (int i = 0; i < d->comps_in_scan; i++)
            c->scan_blocks += (uint64_t)d->cur_comp_info[i]->width_in_blocks *
                              d->cur_comp_info[i]->height_in_blocks;
        if (c->scan_blocks > c->scan_budget) {
            c->status = imgcolor__fail(c->err, IMGCOLOR_E_DECODE,
                                       "JPEG: %d scans decode more than %llu blocks, the bound "
                                       "for %ux%u from %zu bytes",
                                       d->input_scan_number,
                                       (unsigned long long)c->scan_budget, d->image_width,
                                       d->image_height, c->size);
            longjmp(c->jmp, 1);
        }
    }
}

/* The bound on blocks decoded over all scans, from the header (see
 * JPEG_SCAN_BLOCKS_PER_BLOCK). */
static uint64_t scan_budget(j_decompress_ptr d, size_t size)
{
    uint64_t blocks = 0;
    for (int i = 0; i < d->num_components; i++)
        blocks += (uint64_t)d->comp_info[i].width_in_blocks * d->comp_info[i].height_in_blocks;
    return blocks * JPEG_SCAN_BLOCKS_PER_BLOCK + (uint64_t)size * JPEG_SCAN_BLOCKS_PER_BYTE;
}

/* x / 255 rounded to nearest, exact for 0 <= x <= 255 * 255. */
static uint8_t div255(unsigned x)
{
    x += 128;
    return (uint8_t)((x + (x >> 8)) >> 8);
}

/*
 * CMYK to RGB in place. Adobe applications write CMYK JPEGs inverted (0 = full ink)
 * and mark them with an APP14 "Adobe" segment; files without it store plain CMYK.
 */
static void cmyk_to_rgba(uint8_t *p, size_t pixels, int inverted)
{
    for (size_t i = 0; i < pixels; i++, p += 4) {
        unsigned c = p[0], m = p[1], y = p[2], k = p[3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        p[0] = div255(c * k);
        p[1] = div255(m * k);
        p[2] = div255(y * k);
        p[3] = 255;
    }
}

/*
 * The image's ICC profile, from its APP2 ICC_PROFILE chunks (libjpeg-turbo checks their
 * numbering and joins them): an RGB or grey image hands it to the sink; a CMYK image
 * converts through it here, every pixel, into *cmyk_icc. A CMYK profile that cannot be
 * used is a warning, and the naive formula of cmyk_to_rgba() applies.
 */
static imgcolor_status send_profile(j_decompress_ptr cinfo, const imgcolor__sink *sink, int cmyk,
                                    int inverted, imgcolor__icc **cmyk_icc)
{
    JOCTET *icc = NULL;
    unsigned int len = 0;
    if (!jpeg_read_icc_profile(cinfo, &icc, &len))
        return IMGCOLOR_OK;
    imgcolor_status st = cmyk ? imgcolor__cmyk_profile(sink, icc, len, inverted, cmyk_icc)
                              : imgcolor__sink_profile(sink, icc, len);
    free(icc);
    return st;
}

/*
 * Row bands the sink does not want (see imgcolor__sink.bands) are skipped with
 * jpeg_skip_scanlines(): for whole iMCU rows of a single-scan file it only
 * entropy-decodes them (which no reader can skip) and leaves out the IDCT, upsampling and
 * colour conversion; in a multi-scan file, read in full by jpeg_start_decompress(), it
 * leaves out the IDCT. rows: decoded rows of a band, one iMCU row; step: one band in
 * step is wanted (1: every row); last: the first row of the last iMCU row, never skipped.
 */
typedef struct jpeg_bands {
    JDIMENSION rows, step, last;
} jpeg_bands;

/* Asks the sink which bands it wants, once the output size is known. */
static imgcolor_status ask_bands(j_decompress_ptr cinfo, const imgcolor__sink *sink,
                                 jpeg_bands *b)
{
    b->rows = 0;
    b->step = 1;
    b->last = 0;
    if (!sink->bands)
        return IMGCOLOR_OK;
    jpeg_calc_output_dimensions(cinfo);
#if JPEG_LIB_VERSION >= 70
    int block_rows = cinfo->min_DCT_v_scaled_size;
#else
    int block_rows = cinfo->min_DCT_scaled_size;
#endif
    b->rows = (JDIMENSION)(cinfo->max_v_samp_factor * block_rows);
    uint32_t step = 1;
    imgcolor_status st =
        sink->bands(sink->user, cinfo->output_width, cinfo->output_height, b->rows, &step);
    b->step = step > 1 ? step : 1;
    b->last = (cinfo->output_height - 1) / b->rows * b->rows;
    /* Interpolated chroma needs the rows around a band: libjpeg would decode the iMCU row
     * before each kept band in full. Replicated chroma needs none. */
    if (b->step > 1)
        cinfo->do_fancy_upsampling = FALSE;
    return st;
}

/*
 * From an unwanted band, skips on to the next wanted one: returns the rows skipped (0 in
 * a wanted band). It stops short of the last iMCU row, which is decoded whatever the
 * sink wants: skipping into it would end decoding without reading the data left, and a
 * file cut short there would pass as whole.
 */
static JDIMENSION skip_bands(j_decompress_ptr cinfo, const jpeg_bands *b)
{
    JDIMENSION y = cinfo->output_scanline;
    if (b->step <= 1 || y >= b->last || (y / b->rows) % b->step == 0)
        return 0;
    JDIMENSION next = (y / b->rows / b->step + 1) * b->step * b->rows;
    if (next > b->last)
        next = b->last;
    return jpeg_skip_scanlines(cinfo, next - y);
}

/* At most n rows from y, ending where y's band does when bands are skipped. */
static uint32_t band_batch(const jpeg_bands *b, uint32_t y, uint32_t n)
{
    if (b->step <= 1)
        return n;
    uint32_t left = b->rows - y % b->rows;
    return n < left ? n : left;
}

/*
 * A crop (x, y, w, h of the output) smaller than the image: libjpeg-turbo decodes only
 * the iMCU columns that cover it (it widens the crop to their edges) and skips the rows
 * above y without the IDCT. Fancy upsampling reads a chroma sample beyond each edge of
 * what it decodes, and repeats the edge one instead, so a pixel more is asked for on
 * either side: the pixels kept then equal those of a full decode. Returns the first
 * column libjpeg will deliver.
 */
static uint32_t start_crop(j_decompress_ptr cinfo, const uint32_t crop[4])
{
    JDIMENSION x = crop[0] > 0 ? crop[0] - 1 : 0;
    JDIMENSION end = crop[0] + crop[2] < cinfo->output_width ? crop[0] + crop[2] + 1
                                                              : cinfo->output_width;
    JDIMENSION w = end - x;
    if (w != cinfo->output_width)
        jpeg_crop_scanline(cinfo, &x, &w);
    if (crop[1] > 0)
        jpeg_skip_scanlines(cinfo, crop[1]);
    return x;
}

/* The rows below a crop: skipped but for the last, which is read, so that libjpeg still
 * reads the data to its end (a skip to the very end would not) and a damaged or cut
 * file fails as it does without a crop. */
static void finish_crop(j_decompress_ptr cinfo, JSAMPROW row)
{
    JDIMENSION left = cinfo->output_height - cinfo->output_scanline;
    if (left > 1)
        jpeg_skip_scanlines(cinfo, left - 1);
    jpeg_read_scanlines(cinfo, &row, 1);
}

imgcolor_status imgcolor__decode_jpeg(const uint8_t *data, size_t size, const imgcolor_options *opt,
                                      const imgcolor__sink *sink, imgcolor_error *err)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_ctx ctx;
    memset(&cinfo, 0, sizeof cinfo);
    memset(&ctx, 0, sizeof ctx);
    cinfo.err = jpeg_std_error(&ctx.pub);
    ctx.pub.error_exit = error_exit;
    ctx.pub.emit_message = emit_message;
    ctx.pub.output_message = output_message;
    ctx.progress.progress_monitor = progress_monitor;
    ctx.opt = opt;
    ctx.err = err;
    ctx.status = IMGCOLOR_E_DECODE;

    /* Written after setjmp and read after a longjmp, hence volatile. */
    volatile imgcolor_status st = IMGCOLOR_OK;
    uint8_t *volatile buf = NULL;
    imgcolor__icc *volatile cmyk_icc = NULL;

    if (setjmp(ctx.jmp)) {
        st = ctx.status;
        goto done;
    }
    jpeg_create_decompress(&cinfo);
    cinfo.progress = &ctx.progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    if (ctx.opt->color_management)
        jpeg_save_markers(&cinfo, JPEG_APP0 + 2, 0xFFFF); /* ICC_PROFILE chunks */
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
        st = imgcolor__fail(err, IMGCOLOR_E_DECODE, "JPEG: no image in file");
        goto done;
    }
    st = imgcolor__check_dimensions(cinfo.image_width, cinfo.image_height, ctx.opt, err);
    if (st != IMGCOLOR_OK)
        goto done;
    ctx.size = size;
    ctx.scan_budget = scan_budget(&cinfo, size);

    /* libjpeg converts YCCK to CMYK; CMYK to RGB is ours. Everything else goes straight
     * to RGBA, alpha filled with 0xff, with libjpeg's default IDCT and upsampling. */
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    int inverted = cmyk && cinfo.saw_Adobe_marker;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_RGBA;
    if (ctx.opt->color_management) {
        imgcolor__icc *x = NULL;
        st = send_profile(&cinfo, sink, cmyk, inverted, &x);
        cmyk_icc = x;
        if (st != IMGCOLOR_OK)
            goto done;
    }

    /* Progressive files keep every DCT coefficient, 2 bytes a sample; four full-size
     * components (plus MCU padding) is the most a legitimate image of this size needs.
     * Past it libjpeg fails with "no backing store" instead of growing without bound. */
    uint64_t mem = ((uint64_t)cinfo.image_width + 64) * ((uint64_t)cinfo.image_height + 64) * 8 +
                   (32u << 20);
    cinfo.mem->max_memory_to_use = mem < LONG_MAX ? (long)mem : LONG_MAX;

    /* A sink that samples may ask for the image at 1/2, 1/4 or 1/8 of its size, which
     * the DCT gives for less work than decoding in full. */
    uint32_t denom = 1;
    if (sink->scale &&
        (st = sink->scale(sink->user, cinfo.image_width, cinfo.image_height, &denom)) !=
            IMGCOLOR_OK)
        goto done;
    if (denom != 1 && denom != 2 && denom != 4 && denom != 8) {
        st = imgcolor__fail(err, IMGCOLOR_E_INTERNAL, "JPEG: no scale 1/%u", denom);
        goto done;
    }
    cinfo.scale_num = 1;
    cinfo.scale_denom = denom;
    JDIMENSION out_w = (cinfo.image_width + denom - 1) / denom;
    JDIMENSION out_h = (cinfo.image_height + denom - 1) / denom;
    uint32_t crop[4] = {0, 0, out_w, out_h}; /* x, y, w, h delivered */
    if (sink->crop && (st = sink->crop(sink->user, out_w, out_h, &crop[0], &crop[1], &crop[2],
                                       &crop[3])) != IMGCOLOR_OK)
        goto done;
    if (crop[2] == 0 || crop[3] == 0 || crop[2] > out_w || crop[3] > out_h ||
        crop[0] > out_w - crop[2] || crop[1] > out_h - crop[3]) {
        st = imgcolor__fail(err, IMGCOLOR_E_INTERNAL, "JPEG: crop outside the image");
        goto done;
    }
    /* Bands are asked for only of the whole image: the sinks that crop sample none. */
    jpeg_bands bands = {0, 1, 0};
    if (crop[2] == out_w && crop[3] == out_h &&
        (st = ask_bands(&cinfo, sink, &bands)) != IMGCOLOR_OK)
        goto done;
    st = sink->begin(sink->user, crop[2], crop[3]);
    if (st != IMGCOLOR_OK)
        goto done;
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_components != 4 || cinfo.output_width != out_w ||
        cinfo.output_height != out_h) {
        st = imgcolor__fail(err, IMGCOLOR_E_INTERNAL, "JPEG: unexpected output layout");
        goto done;
    }
    /* Rows come out of libjpeg from crop_x0, which may be left of the crop, and are
     * moved left when they do not start at the crop or are wider. */
    uint32_t crop_x0 = start_crop(&cinfo, crop);
    int narrowed = crop_x0 != crop[0] || cinfo.output_width != crop[2];
    imgcolor__sink direct = *sink;
    if (narrowed)
        direct.buffer = NULL; /* its room is for crop[2] columns only */

    size_t stride = (size_t)cinfo.output_width * 4;
    size_t fit = JPEG_BATCH_BYTES / stride;
    uint32_t batch = fit > JPEG_BATCH_ROWS_MAX ? JPEG_BATCH_ROWS_MAX : (uint32_t)fit;
    if (batch < (uint32_t)cinfo.rec_outbuf_height)
        batch = (uint32_t)cinfo.rec_outbuf_height;
    if (batch < 1)
        batch = 1;
    if (batch > cinfo.output_height)
        batch = cinfo.output_height;
    if (batch > JPEG_BATCH_ROWS_MAX)
        batch = JPEG_BATCH_ROWS_MAX;
    JSAMPROW rows[JPEG_BATCH_ROWS_MAX];
    while (cinfo.output_scanline < crop[1] + crop[3]) {
        if (skip_bands(&cinfo, &bands) > 0)
            continue;
        uint32_t y = cinfo.output_scanline;
        uint32_t n = crop[1] + crop[3] - y < batch ? crop[1] + crop[3] - y : batch;
        n = band_batch(&bands, y, n);
        uint8_t *own = buf, *out;
        st = imgcolor__sink_buffer(&direct, y - crop[1], n, stride, batch, &own, &out);
        buf = own;
        if (st != IMGCOLOR_OK)
            goto done; /* imgcolor__decode_stream() words the error */
        for (uint32_t i = 0; i < n; i++)
            rows[i] = out + stride * i;
        for (uint32_t got = 0; got < n;) {
            JDIMENSION r = jpeg_read_scanlines(&cinfo, rows + got, n - got);
            if (r == 0) { /* only a suspending source does this; ours never should */
                st = imgcolor__fail(err, IMGCOLOR_E_INTERNAL, "JPEG: decoder stalled");
                goto done;
            }
            got += r;
        }
        if (cmyk_icc)
            imgcolor__icc_cmyk_rows(cmyk_icc, out, (size_t)cinfo.output_width * n);
        else if (cmyk)
            cmyk_to_rgba(out, (size_t)cinfo.output_width * n, inverted);
        for (uint32_t i = 0; narrowed && i < n; i++)
            memmove(out + (size_t)crop[2] * 4 * i,
                    out + stride * i + (size_t)(crop[0] - crop_x0) * 4, (size_t)crop[2] * 4);
        st = sink->rows(sink->user, out, y - crop[1], n);
        if (st != IMGCOLOR_OK)
            goto done;
    }
    if (cinfo.output_scanline < cinfo.output_height) {
        direct.buffer = NULL; /* a row of our own, the sink's may still be in use */
        uint8_t *own = buf, *row;
        st = imgcolor__sink_buffer(&direct, 0, 1, stride, batch, &own, &row);
        buf = own;
        if (st != IMGCOLOR_OK)
            goto done;
        finish_crop(&cinfo, row);
    }
    /* Reads on to EOI, so a file cut after its last scanline still counts as truncated. */
    jpeg_finish_decompress(&cinfo);

done:
    jpeg_destroy_decompress(&cinfo);
    free(buf);
    imgcolor__icc_free(cmyk_icc);
    return st;
}
