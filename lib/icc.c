/* icc.c: colour management with Little CMS: transforms from an image's embedded ICC
 * profile (or PNG's gAMA/cHRM) to sRGB, relative colorimetric, each with its own context. */
#include <lcms2.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icc.h"
#include "icc_shaper.h"

/* Profiles larger than this are refused before Little CMS parses them (the largest
 * real camera and printer profiles are a few megabytes). */
#define ICC_MAX_BYTES (16u << 20)

struct imgcolor__icc {
    cmsContext ctx;
    cmsHTRANSFORM xform;
    imgcolor__icc_input input;
    char lcms_error[128]; /* Little CMS's last complaint, for the warning */
    char description[64];
    int shaped; /* RGB matrix/TRC: colours go through shaper, not xform */
    imgcolor__shaper shaper;
};

/* Little CMS reports through a per-context handler; keep the first message and never
 * print it. */
static void log_error(cmsContext ctx, cmsUInt32Number code, const char *text)
{
    (void)code;
    imgcolor__icc *x = cmsGetContextUserData(ctx);
    if (x && !x->lcms_error[0] && text)
        snprintf(x->lcms_error, sizeof x->lcms_error, "%s", text);
}

static const char *space_name(cmsColorSpaceSignature s)
{
    switch (s) {
    case cmsSigRgbData: return "for RGB";
    case cmsSigGrayData: return "for grey";
    case cmsSigCmykData: return "for CMYK";
    case cmsSigLabData: return "for Lab";
    case cmsSigXYZData: return "for XYZ";
    default: return "for another colour space";
    }
}

static cmsUInt32Number input_format(imgcolor__icc_input input)
{
    switch (input) {
    case IMGCOLOR__ICC_RGB: return TYPE_RGB_8;
    /* Grey images arrive as R = G = B: read the first of three bytes. */
    case IMGCOLOR__ICC_GREY: return COLORSPACE_SH(PT_GRAY) | CHANNELS_SH(1) | BYTES_SH(1) |
                                    EXTRA_SH(2);
    case IMGCOLOR__ICC_CMYK: return TYPE_CMYK_8;
    case IMGCOLOR__ICC_CMYK_INVERTED: return TYPE_CMYK_8_REV;
    }
    return 0;
}

/* The kind of pixels a profile of colour space s describes, or -1. */
static int input_of(cmsColorSpaceSignature s, int inverted)
{
    if (s == cmsSigRgbData)
        return IMGCOLOR__ICC_RGB;
    if (s == cmsSigGrayData)
        return IMGCOLOR__ICC_GREY;
    if (s == cmsSigCmykData)
        return inverted ? IMGCOLOR__ICC_CMYK_INVERTED : IMGCOLOR__ICC_CMYK;
    return -1;
}

/* Fills why with the reason a profile cannot be used and returns E_DECODE. */
static imgcolor_status refuse(char *why, size_t why_size, const char *what, const char *detail)
{
    if (why && why_size)
        snprintf(why, why_size, "colour profile %s (%s); pixels used as sRGB", what, detail);
    return IMGCOLOR_E_DECODE;
}

/* Profile classes whose A-to-B direction describes the colours of an image. */
static int usable_class(cmsProfileClassSignature c)
{
    return c == cmsSigInputClass || c == cmsSigDisplayClass || c == cmsSigColorSpaceClass ||
           c == cmsSigOutputClass;
}

/* Opens the profile and checks that it describes pixels of the kind given: the part of
 * imgcolor__icc_new() before any transform exists. */
static imgcolor_status open_profile(imgcolor__icc *x, const uint8_t *icc, size_t size,
                                    int want_cmyk, int inverted, cmsHPROFILE *out, char *why,
                                    size_t why_size)
{
    *out = NULL;
    if (size > ICC_MAX_BYTES)
        return refuse(why, why_size, "ignored", "more than 16 MiB");
    cmsHPROFILE p = cmsOpenProfileFromMemTHR(x->ctx, icc, (cmsUInt32Number)size);
    if (!p)
        return refuse(why, why_size, "unreadable",
                      x->lcms_error[0] ? x->lcms_error : "not an ICC profile");
    cmsColorSpaceSignature s = cmsGetColorSpace(p);
    int input = input_of(s, inverted);
    const char *what = NULL;
    if (!usable_class(cmsGetDeviceClass(p)) || input < 0)
        what = "not supported";
    else if ((input >= IMGCOLOR__ICC_CMYK) != want_cmyk)
        what = "does not fit this image";
    if (what) {
        cmsCloseProfile(p);
        return refuse(why, why_size, what, space_name(s));
    }
    x->input = (imgcolor__icc_input)input;
    cmsGetProfileInfoASCII(p, cmsInfoDescription, "en", "US", x->description,
                           sizeof x->description);
    *out = p;
    return IMGCOLOR_OK;
}

imgcolor_status imgcolor__icc_new(const uint8_t *icc, size_t size, int cmyk, int inverted,
                                  imgcolor__icc **out, char *why, size_t why_size)
{
    *out = NULL;
    if (why && why_size)
        why[0] = '\0';
    imgcolor__icc *x = calloc(1, sizeof *x);
    if (!x)
        return IMGCOLOR_E_NOMEM;
    imgcolor_status st = IMGCOLOR_E_NOMEM;
    cmsHPROFILE src = NULL, srgb = NULL;
    if (!(x->ctx = cmsCreateContext(NULL, x)))
        goto done;
    cmsSetLogErrorHandlerTHR(x->ctx, log_error);
    if ((st = open_profile(x, icc, size, cmyk, inverted, &src, why, why_size)) != IMGCOLOR_OK)
        goto done;
    st = IMGCOLOR_E_NOMEM;
    if (!(srgb = cmsCreate_sRGBProfileTHR(x->ctx)))
        goto done;
    /* RGB and grey convert the distinct colours once each, in floating point, so that
     * rounding is ours and exact; an RGB matrix/TRC profile, the common kind, needs no
     * Little CMS transform at all. CMYK converts every pixel, through Little CMS's
     * 8-bit tables. The transforms keep no cache, so threads may share them. */
    int per_colour = x->input < IMGCOLOR__ICC_CMYK;
    if (x->input == IMGCOLOR__ICC_RGB && imgcolor__shaper_init(&x->shaper, src, srgb))
        x->shaped = 1;
    else
        x->xform = cmsCreateTransformTHR(x->ctx, src, input_format(x->input), srgb,
                                         per_colour ? TYPE_RGB_DBL : TYPE_RGBA_8,
                                         INTENT_RELATIVE_COLORIMETRIC, cmsFLAGS_NOCACHE);
    if (!x->shaped && !x->xform) {
        st = refuse(why, why_size, "unusable",
                    x->lcms_error[0] ? x->lcms_error : "no transform to sRGB");
        goto done;
    }
    st = IMGCOLOR_OK;
    *out = x;
    x = NULL;
done:
    if (src)
        cmsCloseProfile(src);
    if (srgb)
        cmsCloseProfile(srgb);
    imgcolor__icc_free(x);
    return st;
}

imgcolor__icc_input imgcolor__icc_kind(const imgcolor__icc *x)
{
    return x->input;
}

const char *imgcolor__icc_description(const imgcolor__icc *x)
{
    return x->description;
}

static uint8_t to_byte(double v)
{
    /* Relative colorimetric clips what lies outside sRGB. */
    double r = rint(v * 255.0);
    return (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
}

/* The batch of colours converted at once: bounds the double buffer on the stack. */
#define ICC_BATCH 1024

void imgcolor__icc_colors(const imgcolor__icc *x, const uint8_t *rgb, uint8_t *out, size_t n)
{
    if (x->shaped) {
        imgcolor__shaper_colors(&x->shaper, rgb, out, n);
        return;
    }
    double buf[ICC_BATCH * 3];
    for (size_t i = 0; i < n; i += ICC_BATCH) {
        size_t m = n - i < ICC_BATCH ? n - i : ICC_BATCH;
        cmsDoTransform(x->xform, rgb + 3 * i, buf, (cmsUInt32Number)m);
        for (size_t j = 0; j < 3 * m; j++)
            out[3 * i + j] = to_byte(buf[j]);
    }
}

void imgcolor__icc_cmyk_rows(const imgcolor__icc *x, uint8_t *cmyk, size_t pixels)
{
    /* Same size in and out, and Little CMS reads each pixel before writing it; the
     * output's fourth byte is left as it was (K), so alpha is set here. */
    cmsDoTransform(x->xform, cmyk, cmyk, (cmsUInt32Number)pixels);
    for (size_t i = 0; i < pixels; i++)
        cmyk[4 * i + 3] = 255;
}

void imgcolor__icc_free(imgcolor__icc *x)
{
    if (!x)
        return;
    if (x->xform)
        cmsDeleteTransform(x->xform);
    if (x->ctx)
        cmsDeleteContext(x->ctx);
    free(x);
}

/* PNG's gAMA is the encoding exponent times 100000; cHRM the white point and primaries
 * as x, y pairs times 100000. Values outside these ranges describe no display. */
static int plausible(double v, double lo, double hi)
{
    return isfinite(v) && v >= lo && v <= hi;
}

imgcolor_status imgcolor__icc_from_png(double gamma, const double *chrm, uint8_t **icc,
                                       size_t *size)
{
    *icc = NULL;
    *size = 0;
    if (!plausible(gamma, 0.05, 5.0))
        return IMGCOLOR_E_DECODE;
    /* sRGB's primaries and D65 white when the file gives none. */
    cmsCIExyY white = {0.3127, 0.3290, 1.0};
    cmsCIExyYTRIPLE prim = {{0.64, 0.33, 1.0}, {0.30, 0.60, 1.0}, {0.15, 0.06, 1.0}};
    if (chrm) {
        for (int i = 0; i < 8; i++)
            if (!plausible(chrm[i], 0.0, 1.0) || (i % 2 == 1 && chrm[i] < 0.001))
                return IMGCOLOR_E_DECODE;
        white = (cmsCIExyY){chrm[0], chrm[1], 1.0};
        prim = (cmsCIExyYTRIPLE){{chrm[2], chrm[3], 1.0}, {chrm[4], chrm[5], 1.0},
                                 {chrm[6], chrm[7], 1.0}};
    }
    imgcolor_status st = IMGCOLOR_E_DECODE;
    cmsContext ctx = cmsCreateContext(NULL, NULL);
    cmsToneCurve *curve = ctx ? cmsBuildGamma(ctx, 1.0 / gamma) : NULL;
    cmsToneCurve *curves[3] = {curve, curve, curve};
    cmsHPROFILE p = curve ? cmsCreateRGBProfileTHR(ctx, &white, &prim, curves) : NULL;
    cmsUInt32Number need = 0;
    if (p && cmsSaveProfileToMem(p, NULL, &need) && need > 0 && (*icc = malloc(need)) &&
        cmsSaveProfileToMem(p, *icc, &need)) {
        *size = need;
        st = IMGCOLOR_OK;
    } else {
        free(*icc);
        *icc = NULL;
    }
    if (p)
        cmsCloseProfile(p);
    if (curve)
        cmsFreeToneCurve(curve);
    if (ctx)
        cmsDeleteContext(ctx);
    return st;
}
