/* decode_gif.c: GIF to RGBA8 with giflib: palettes, the transparent index, interlacing;
 * an animation composited frame by frame on its canvas, as a browser shows it. */
#include "internal.h"

#if IMGCOLOR_WITH_GIF
#include <stdlib.h>
#include <string.h>

#include <gif_lib.h>

typedef struct gif_src {
    const uint8_t *data;
    size_t size, pos;
} gif_src;

static int read_fn(GifFileType *gif, GifByteType *out, int len)
{
    gif_src *s = gif->UserData;
    size_t n = len < 0 ? 0 : (size_t)len;
    if (n > s->size - s->pos)
        n = s->size - s->pos;
    memcpy(out, s->data + s->pos, n);
    s->pos += n;
    return (int)n;
}

static imgcolor_status fail_gif(int code, imgcolor_error *err)
{
    if (code == D_GIF_ERR_NOT_ENOUGH_MEM)
        return imgcolor__fail(err, IMGCOLOR_E_NOMEM, "GIF: out of memory");
    const char *msg = GifErrorString(code);
    return imgcolor__fail(err, IMGCOLOR_E_DECODE, "GIF: %s", msg ? msg : "corrupt file");
}

/* What a Graphic Control Extension says about the next frame. */
typedef struct frame_ctl {
    int disposal;    /* 2: clear to transparent after; 3: restore what was there before */
    int transparent; /* palette index not drawn, or -1 */
} frame_ctl;

/* Reads an extension; a Graphic Control one sets *ctl. */
static int read_extension(GifFileType *gif, frame_ctl *ctl)
{
    int code;
    GifByteType *ext;
    if (DGifGetExtension(gif, &code, &ext) != GIF_OK)
        return GIF_ERROR;
    if (code == GRAPHICS_EXT_FUNC_CODE && ext && ext[0] >= 4) {
        ctl->disposal = (ext[1] >> 2) & 7;
        ctl->transparent = ext[1] & 1 ? ext[4] : -1;
    }
    while (ext)
        if (DGifGetExtensionNext(gif, &ext) != GIF_OK)
            return GIF_ERROR;
    return GIF_OK;
}

/* Skips a frame's compressed data, block by block: the cost of counting frames is the
 * cost of reading the bytes. */
static int skip_image(GifFileType *gif)
{
    int code_size;
    GifByteType *block;
    if (DGifGetCode(gif, &code_size, &block) != GIF_OK)
        return GIF_ERROR;
    while (block)
        if (DGifGetCodeNext(gif, &block) != GIF_OK)
            return GIF_ERROR;
    return GIF_OK;
}

/* The number of frames, read without decoding any, each frame's size checked (a frame
 * may be larger than the canvas, and decoding it costs its own size); stops at
 * stop_at frames. */
static imgcolor_status count_frames(GifFileType *gif, uint64_t stop_at, const imgcolor_options *opt,
                                    uint64_t *frames, imgcolor_error *err)
{
    frame_ctl ctl;
    GifRecordType type;
    *frames = 0;
    do {
        if (DGifGetRecordType(gif, &type) != GIF_OK)
            return fail_gif(gif->Error, err);
        if (type == EXTENSION_RECORD_TYPE && read_extension(gif, &ctl) != GIF_OK)
            return fail_gif(gif->Error, err);
        if (type == IMAGE_DESC_RECORD_TYPE) {
            if (DGifGetImageDesc(gif) != GIF_OK)
                return fail_gif(gif->Error, err);
            imgcolor_status st = imgcolor__check_dimensions(
                (uint32_t)gif->Image.Width, (uint32_t)gif->Image.Height, opt, err);
            if (st != IMGCOLOR_OK)
                return st;
            if (skip_image(gif) != GIF_OK)
                return fail_gif(gif->Error, err);
            if (++*frames >= stop_at)
                return IMGCOLOR_OK;
        }
    } while (type != TERMINATE_RECORD_TYPE);
    if (*frames == 0)
        return imgcolor__fail(err, IMGCOLOR_E_DECODE, "GIF: no image in file");
    return IMGCOLOR_OK;
}

/* Where a frame lies on the canvas, clipped to it. */
typedef struct rect {
    uint32_t x0, y0, x1, y1;
} rect;

static rect clip(const GifImageDesc *d, uint32_t w, uint32_t h)
{
    rect r = {(uint32_t)d->Left, (uint32_t)d->Top, (uint32_t)d->Left + (uint32_t)d->Width,
              (uint32_t)d->Top + (uint32_t)d->Height};
    r.x0 = r.x0 < w ? r.x0 : w;
    r.x1 = r.x1 < w ? r.x1 : w;
    r.y0 = r.y0 < h ? r.y0 : h;
    r.y1 = r.y1 < h ? r.y1 : h;
    return r;
}

/* Copies rectangle r between two canvases of width w. */
static void copy_rect(uint8_t *dst, const uint8_t *src, rect r, uint32_t w)
{
    for (uint32_t y = r.y0; y < r.y1; y++)
        memcpy(dst + ((size_t)y * w + r.x0) * 4, src + ((size_t)y * w + r.x0) * 4,
               (size_t)(r.x1 - r.x0) * 4);
}

/* Decodes the current frame onto the canvas (w x h RGBA), rows in file order (the four
 * passes of an interlaced frame mapped to their rows); line holds one frame row. */
static int draw_frame(GifFileType *gif, const frame_ctl *ctl, uint8_t *canvas, uint32_t w,
                      uint32_t h, GifPixelType *line)
{
    static const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    const GifImageDesc *d = &gif->Image;
    const ColorMapObject *map = d->ColorMap ? d->ColorMap : gif->SColorMap;
    if (!map) {
        gif->Error = D_GIF_ERR_NO_COLOR_MAP;
        return GIF_ERROR;
    }
    rect r = clip(d, w, h);
    int passes = d->Interlace ? 4 : 1;
    for (int p = 0; p < passes; p++) {
        for (int fy = d->Interlace ? start[p] : 0; fy < d->Height;
             fy += d->Interlace ? step[p] : 1) {
            if (DGifGetLine(gif, line, d->Width) != GIF_OK)
                return GIF_ERROR;
            uint32_t y = (uint32_t)d->Top + (uint32_t)fy;
            if (y < r.y0 || y >= r.y1)
                continue;
            uint8_t *px = canvas + ((size_t)y * w + r.x0) * 4;
            for (uint32_t x = r.x0; x < r.x1; x++, px += 4) {
                int i = line[x - (uint32_t)d->Left];
                /* Indices past the palette are drawn as nothing, like the transparent one. */
                if (i == ctl->transparent || i >= map->ColorCount)
                    continue;
                px[0] = map->Colors[i].Red;
                px[1] = map->Colors[i].Green;
                px[2] = map->Colors[i].Blue;
                px[3] = 255;
            }
        }
    }
    return GIF_OK;
}

typedef struct gif_state {
    uint8_t *canvas, *saved;
    GifPixelType *line;
} gif_state;

/* Decodes `frames` frames and hands each composited canvas to the sink. */
static imgcolor_status decode_frames(GifFileType *gif, uint32_t frames,
                                     const imgcolor__sink *sink, gif_state *s,
                                     imgcolor_error *err)
{
    uint32_t w = (uint32_t)gif->SWidth, h = (uint32_t)gif->SHeight;
    size_t bytes = (size_t)w * h * 4;
    if (!(s->canvas = calloc(1, bytes)) || !(s->saved = malloc(bytes)) ||
        !(s->line = malloc(65536)))
        return imgcolor__fail(err, IMGCOLOR_E_NOMEM, "GIF: out of memory");
    frame_ctl ctl = {0, -1};
    GifRecordType type;
    for (uint32_t done = 0; done < frames;) {
        if (DGifGetRecordType(gif, &type) != GIF_OK)
            return fail_gif(gif->Error, err);
        if (type == TERMINATE_RECORD_TYPE)
            return imgcolor__fail(err, IMGCOLOR_E_DECODE, "GIF: frame %u missing", done + 1);
        if (type == EXTENSION_RECORD_TYPE && read_extension(gif, &ctl) != GIF_OK)
            return fail_gif(gif->Error, err);
        if (type != IMAGE_DESC_RECORD_TYPE)
            continue;
        if (DGifGetImageDesc(gif) != GIF_OK)
            return fail_gif(gif->Error, err);
        imgcolor_status st;
        rect r = clip(&gif->Image, w, h);
        if (ctl.disposal == 3)
            copy_rect(s->saved, s->canvas, r, w);
        if (draw_frame(gif, &ctl, s->canvas, w, h, s->line) != GIF_OK)
            return fail_gif(gif->Error, err);
        if ((st = imgcolor__sink_frame(sink, s->canvas, w, h, done * h)) != IMGCOLOR_OK)
            return st;
        if (ctl.disposal == 2)
            for (uint32_t y = r.y0; y < r.y1; y++)
                memset(s->canvas + ((size_t)y * w + r.x0) * 4, 0, (size_t)(r.x1 - r.x0) * 4);
        else if (ctl.disposal == 3)
            copy_rect(s->canvas, s->saved, r, w);
        ctl = (frame_ctl){0, -1};
        done++;
    }
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor__decode_gif(const uint8_t *data, size_t size, const imgcolor_options *opt,
                                     const imgcolor__sink *sink, imgcolor_error *err)
{
    gif_src src = {data, size, 0};
    gif_state s = {NULL, NULL, NULL};
    int code = 0;
    imgcolor_status st = IMGCOLOR_OK;
    GifFileType *gif = DGifOpen(&src, read_fn, &code);
    if (!gif)
        return fail_gif(code, err);
    uint32_t w = (uint32_t)gif->SWidth, h = (uint32_t)gif->SHeight;
    if ((st = imgcolor__check_dimensions(w, h, opt, err)) != IMGCOLOR_OK)
        goto done;
    /* Frames are counted and measured first, so that every limit is checked before any
     * pixel is decoded; then the file is read again. */
    uint64_t frames;
    uint64_t stop_at = opt->all_frames ? (uint64_t)opt->max_frames + 1 : 1;
    if ((st = count_frames(gif, stop_at, opt, &frames, err)) != IMGCOLOR_OK)
        goto done;
    if (opt->all_frames &&
        (st = imgcolor__check_frames("GIF", w, h, frames, size, opt, err)) != IMGCOLOR_OK)
        goto done;
    DGifCloseFile(gif, &code);
    src.pos = 0;
    if (!(gif = DGifOpen(&src, read_fn, &code))) {
        st = fail_gif(code, err);
        goto done;
    }
    if (frames > 1 && sink->frames && (st = sink->frames(sink->user, h, frames)) != IMGCOLOR_OK)
        goto done;
    if ((st = sink->begin(sink->user, w, h * (uint32_t)frames)) != IMGCOLOR_OK)
        goto done;
    st = decode_frames(gif, (uint32_t)frames, sink, &s, err);
done:
    if (gif)
        DGifCloseFile(gif, &code);
    free(s.canvas);
    free(s.saved);
    free(s.line);
    return st;
}
#endif
