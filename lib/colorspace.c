/* colorspace.c: colour-space maths: the sRGB transfer function, Oklab and OKLCH, CIELAB
 * with the D65 white, and CSS Color 4's gamut mapping from Oklab back into sRGB. */
#include <math.h>

#include "colorspace.h"

#define PI 3.14159265358979323846

double imgcolor__srgb_to_linear(double v)
{
    double a = fabs(v);
    double r = a <= 0.04045 ? a / 12.92 : pow((a + 0.055) / 1.055, 2.4);
    return v < 0 ? -r : r;
}

double imgcolor__linear_to_srgb(double v)
{
    double a = fabs(v);
    double r = a <= 0.0031308 ? 12.92 * a : 1.055 * pow(a, 1 / 2.4) - 0.055;
    return v < 0 ? -r : r;
}

/* Matrix times vector, in one fixed order of operations. */
static void mul3(const double m[3][3], const double v[3], double out[3])
{
    for (int i = 0; i < 3; i++)
        out[i] = m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2];
}

/* CSS Color 4, section 18.4 (sample code): linear sRGB to LMS, LMS' to Oklab, and the
 * inverses, as published. */
static const double srgb_to_lms[3][3] = {
    {0.4122214708, 0.5363325363, 0.0514459929},
    {0.2119034982, 0.6806995451, 0.1073969566},
    {0.0883024619, 0.2817188376, 0.6299787005}};
static const double lms_to_oklab[3][3] = {
    {0.2104542553, 0.7936177850, -0.0040720468},
    {1.9779984951, -2.4285922050, 0.4505937099},
    {0.0259040371, 0.7827717662, -0.8086757660}};
static const double oklab_to_lms[3][3] = {
    {1.0, 0.3963377774, 0.2158037573},
    {1.0, -0.1055613458, -0.0638541728},
    {1.0, -0.0894841775, -1.2914855480}};
static const double lms_to_srgb[3][3] = {
    {4.0767416621, -3.3077115913, 0.2309699292},
    {-1.2684380046, 2.6097574011, -0.3413193965},
    {-0.0041960863, -0.7034186147, 1.7076147010}};

void imgcolor__linear_to_oklab(const double rgb[3], double lab[3])
{
    double lms[3];
    mul3(srgb_to_lms, rgb, lms);
    for (int i = 0; i < 3; i++)
        lms[i] = cbrt(lms[i]);
    mul3(lms_to_oklab, lms, lab);
}

void imgcolor__oklab_to_linear(const double lab[3], double rgb[3])
{
    double lms[3];
    mul3(oklab_to_lms, lab, lms);
    for (int i = 0; i < 3; i++)
        lms[i] = lms[i] * lms[i] * lms[i];
    mul3(lms_to_srgb, lms, rgb);
}

void imgcolor__rgb8_to_oklab(imgcolor_rgb c, double lab[3])
{
    const double rgb[3] = {imgcolor__srgb_to_linear(c.r / 255.0),
                           imgcolor__srgb_to_linear(c.g / 255.0),
                           imgcolor__srgb_to_linear(c.b / 255.0)};
    imgcolor__linear_to_oklab(rgb, lab);
}

void imgcolor__oklab_to_oklch(const double lab[3], double lch[3])
{
    lch[0] = lab[0];
    lch[1] = hypot(lab[1], lab[2]);
    /* Below this chroma the hue is noise from rounding: greys have none. */
    double h = lch[1] < 1e-6 ? 0 : atan2(lab[2], lab[1]) * (180 / PI);
    lch[2] = h < 0 ? h + 360 : h >= 360 ? h - 360 : h;
}

/* IEC 61966-2-1's sRGB to XYZ (D65), and its inverse; the D65 white as CSS Color 4 has it. */
static const double srgb_to_xyz[3][3] = {
    {0.41239079926595934, 0.357584339383878, 0.1804807884018343},
    {0.21263900587151027, 0.715168678767756, 0.07219231536073371},
    {0.01933081871559182, 0.11919477979462598, 0.9505321522496606}};
static const double xyz_to_srgb[3][3] = {
    {3.2409699419045226, -1.537383177570094, -0.4986107602930034},
    {-0.9692436362808796, 1.8759675015077202, 0.04155505740717559},
    {0.05563007969699366, -0.20397695888897652, 1.0569715142428786}};
static const double d65[3] = {0.3127 / 0.3290, 1.0, (1.0 - 0.3127 - 0.3290) / 0.3290};

/* CIE 15's f() and its inverse, with the exact rational constants. */
#define LAB_EPSILON (216.0 / 24389.0)
#define LAB_KAPPA (24389.0 / 27.0)

static double lab_f(double t)
{
    return t > LAB_EPSILON ? cbrt(t) : (LAB_KAPPA * t + 16) / 116;
}

static double lab_f_inverse(double f)
{
    return f * f * f > LAB_EPSILON ? f * f * f : (116 * f - 16) / LAB_KAPPA;
}

void imgcolor__linear_to_cielab(const double rgb[3], double lab[3])
{
    double xyz[3], f[3];
    mul3(srgb_to_xyz, rgb, xyz);
    for (int i = 0; i < 3; i++)
        f[i] = lab_f(xyz[i] / d65[i]);
    lab[0] = 116 * f[1] - 16;
    lab[1] = 500 * (f[0] - f[1]);
    lab[2] = 200 * (f[1] - f[2]);
}

void imgcolor__cielab_to_linear(const double lab[3], double rgb[3])
{
    double fy = (lab[0] + 16) / 116;
    const double f[3] = {fy + lab[1] / 500, fy, fy - lab[2] / 200};
    double xyz[3];
    for (int i = 0; i < 3; i++)
        xyz[i] = lab_f_inverse(f[i]) * d65[i];
    mul3(xyz_to_srgb, xyz, rgb);
}

static int in_gamut(const double rgb[3])
{
    /* Within rounding of the matrices: 8-bit results cannot tell the difference. */
    const double eps = 1e-7;
    for (int i = 0; i < 3; i++)
        if (rgb[i] < -eps || rgb[i] > 1 + eps)
            return 0;
    return 1;
}

static void clip(double rgb[3])
{
    for (int i = 0; i < 3; i++)
        rgb[i] = rgb[i] < 0 ? 0 : rgb[i] > 1 ? 1 : rgb[i];
}

static double delta_ok(const double a[3], const double b[3])
{
    return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                (a[2] - b[2]) * (a[2] - b[2]));
}

static uint8_t to_byte(double linear)
{
    double r = rint(255 * imgcolor__linear_to_srgb(linear));
    return (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
}

/* CSS Color 4, section 13.2.2: binary search on chroma, accepting a clipped colour once
 * it is within the JND of the unclipped one. */
static void map_gamut(const double lab[3], double rgb[3])
{
    const double jnd = 0.02, epsilon = 0.0001;
    if (lab[0] >= 1) {
        rgb[0] = rgb[1] = rgb[2] = 1;
        return;
    }
    if (lab[0] <= 0) {
        rgb[0] = rgb[1] = rgb[2] = 0;
        return;
    }
    double lch[3];
    imgcolor__oklab_to_oklch(lab, lch);
    double hue = lch[2] * (PI / 180), lo = 0, hi = lch[1];
    double cur[3] = {lab[0], lab[1], lab[2]}, clipped[3], clipped_lab[3];
    imgcolor__oklab_to_linear(cur, clipped);
    clip(clipped);
    imgcolor__linear_to_oklab(clipped, clipped_lab);
    if (delta_ok(clipped_lab, cur) < jnd) {
        for (int i = 0; i < 3; i++)
            rgb[i] = clipped[i];
        return;
    }
    int min_in_gamut = 1;
    while (hi - lo > epsilon) {
        double c = (lo + hi) / 2;
        cur[1] = c * cos(hue);
        cur[2] = c * sin(hue);
        double lin[3];
        imgcolor__oklab_to_linear(cur, lin);
        if (min_in_gamut && in_gamut(lin)) {
            lo = c;
            continue;
        }
        for (int i = 0; i < 3; i++)
            clipped[i] = lin[i];
        clip(clipped);
        imgcolor__linear_to_oklab(clipped, clipped_lab);
        double e = delta_ok(clipped_lab, cur);
        if (e < jnd) {
            if (jnd - e < epsilon)
                break;
            min_in_gamut = 0;
            lo = c;
        } else {
            hi = c;
        }
    }
    for (int i = 0; i < 3; i++)
        rgb[i] = clipped[i];
}

imgcolor_rgb imgcolor__oklab_to_rgb8(const double lab[3])
{
    double rgb[3];
    imgcolor__oklab_to_linear(lab, rgb);
    if (!in_gamut(rgb))
        map_gamut(lab, rgb);
    return (imgcolor_rgb){to_byte(rgb[0]), to_byte(rgb[1]), to_byte(rgb[2])};
}

double imgcolor__luminance(imgcolor_rgb c)
{
    /* WCAG 2.x writes 0.03928 for sRGB's 0.04045; no 8-bit value lies between. */
    return 0.2126 * imgcolor__srgb_to_linear(c.r / 255.0) +
           0.7152 * imgcolor__srgb_to_linear(c.g / 255.0) +
           0.0722 * imgcolor__srgb_to_linear(c.b / 255.0);
}

double imgcolor__contrast(imgcolor_rgb a, imgcolor_rgb b)
{
    double la = imgcolor__luminance(a), lb = imgcolor__luminance(b);
    return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}
