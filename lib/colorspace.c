/* colorspace.c: colour-space maths: the sRGB transfer function, Oklab and OKLCH, CIELAB
 * with the D65 white, and CSS Color 4's gamut mapping from Oklab back into sRGB. */
#include <math.h>
#include <stdint.h>
#include <string.h>

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

/*
 * The cube root, as the C library's cbrt() computes it in glibc (sysdeps/ieee754/dbl-64
 * s_cbrt.c: a polynomial guess on the mantissa, one Halley step, the exponent's third),
 * the same operations in the same order, so the same bits (the tests compare them over
 * every 8-bit colour's LMS), but inline and scaling by a power of two built from its
 * bits: frexp() and ldexp() calls were most of cbrt()'s cost, and clustering in Oklab
 * converts every distinct colour of an image. Zero, subnormals, infinities and NaN go
 * to cbrt().
 */
static double cube_root(double x)
{
    static const double factor[5] = {1.0 / 1.5874010519681994748, 1.0 / 1.2599210498948731648,
                                     1.0, 1.2599210498948731648, 1.5874010519681994748};
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int biased = (int)(bits >> 52 & 0x7FF);
    if (biased == 0 || biased == 0x7FF)
        return cbrt(x);
    int xe = biased - 1022; /* |x| = xm * 2^xe, xm in [0.5, 1) */
    uint64_t mbits = (bits & 0x000FFFFFFFFFFFFFu) | (uint64_t)1022 << 52;
    double xm;
    memcpy(&xm, &mbits, sizeof xm);
    double u = 0.354895765043919860 +
               (1.50819193781584896 +
                (-2.11499494167371287 +
                 (2.44693122563534430 +
                  (-1.83469277483613086 + (0.784932344976639262 - 0.145263899385486377 * xm) * xm) *
                      xm) *
                     xm) *
                    xm) *
                   xm;
    double t2 = u * u * u;
    double ym = u * (t2 + 2.0 * xm) / (2.0 * t2 + xm) * factor[2 + xe % 3];
    uint64_t sbits = (uint64_t)(xe / 3 + 1023) << 52; /* 2^(xe / 3), |xe / 3| < 342 */
    double scale;
    memcpy(&scale, &sbits, sizeof scale);
    return (x > 0.0 ? ym : -ym) * scale;
}

void imgcolor__linear_to_oklab(const double rgb[3], double lab[3])
{
    double lms[3];
    mul3(srgb_to_lms, rgb, lms);
    for (int i = 0; i < 3; i++)
        lms[i] = cube_root(lms[i]);
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

/* imgcolor__srgb_to_linear(v / 255.0) for every 8-bit v, to the last bit (the tests
 * compare them). */
static const double linear8[256] = {
    0, 0.00030352698354883752, 0.00060705396709767503, 0.00091058095064651249,
    0.0012141079341953501, 0.0015176349177441874, 0.001821161901293025, 0.0021246888848418626,
    0.0024282158683907001, 0.0027317428519395373, 0.0030352698354883748, 0.0033465357638991608,
    0.0036765073240474359, 0.0040247170184963066, 0.0043914420374102934, 0.0047769534806937292,
    0.005181516702338386, 0.0056053916242027229, 0.0060488330228570539, 0.0065120907925944752,
    0.0069954101872653869, 0.0074990320432261753, 0.0080231929853849943, 0.0085681256180693069,
    0.0091340587022207872, 0.0097212173202378491, 0.010329823029626936, 0.010960094006488246,
    0.011612245179743885, 0.012286488356915872, 0.012983032342173012, 0.013702083047289686,
    0.014443843596092545, 0.015208514422912709, 0.015996293365509631, 0.016807375752887384,
    0.017641954488384078, 0.018500220128379697, 0.019382360956935723, 0.020288563056652401,
    0.021219010376003555, 0.022173884793387381, 0.02315336617811041, 0.024157632448504756,
    0.02518685962736163, 0.026241221894849898, 0.027320891639074894, 0.028426039504420793,
    0.0295568344378088, 0.030713443732993635, 0.031896033073011532, 0.033104766570885055,
    0.03433980680868217, 0.035601314875020343, 0.036889450401100039, 0.038204371595346502,
    0.039546235276732837, 0.040915196906853191, 0.042311410620809675, 0.043735029256973465,
    0.045186204385675541, 0.046665086336880095, 0.048171824226889419, 0.049706565984127232,
    0.051269458374043238, 0.052860647023180246, 0.054480276442442369, 0.056128490049600091,
    0.057805430191067229, 0.059511238162981199, 0.061246054231617608, 0.063010017653167674,
    0.064803266692905773, 0.066625938643772892, 0.068478169844400166, 0.070360095696595876,
    0.072271850682317479, 0.074213568380149628, 0.076185381481307851, 0.078187421805186327,
    0.080219820314468324, 0.082282707129814794, 0.084376211544148816, 0.086500462036549763,
    0.088655586285772942, 0.090841711183407683, 0.093058962846687451, 0.095307466630964705,
    0.097587347141862457, 0.099898728247113891, 0.10224173308810132, 0.10461648409110419,
    0.10702310297826761, 0.10946171077829933, 0.1119324278369056, 0.11443537382697373,
    0.11697066775851084, 0.11953842798834562, 0.12213877222960187, 0.12477181756095049,
    0.12743768043564743, 0.13013647669036429, 0.13286832155381798, 0.13563332965520566,
    0.13843161503245183, 0.14126329114027164, 0.14412847085805777, 0.14702726649759498,
    0.14995978981060856, 0.15292615199615017, 0.1559264637078274, 0.15896083506088041,
    0.16202937563911099, 0.16513219450166761, 0.16826940018969075, 0.17144110073282259,
    0.17464740365558504, 0.17788841598362912, 0.18116424424986022, 0.184474994500441,
    0.18782077230067787, 0.19120168274079138, 0.1946178304415758, 0.19806931955994886,
    0.20155625379439707, 0.20507873639031693, 0.20863687014525575, 0.21223075741405523,
    0.21586050011389926, 0.21952619972926921, 0.2232279573168085, 0.22696587351009836,
    0.23074004852434915, 0.23455058216100522, 0.238397573812271, 0.24228112246555486,
    0.24620132670783548, 0.25015828472995344, 0.25415209433082675, 0.25818285292159582,
    0.26225065752969623, 0.26635560480286247, 0.27049779101306581, 0.27467731206038465,
    0.2788942634768104, 0.28314874042999211, 0.28744083772691748, 0.29177064981753587,
    0.29613827079832111, 0.3005437944157765, 0.30498731406988627, 0.30946892281750854,
    0.31398871337571754, 0.31854677812509186, 0.32314320911295075, 0.32777809805654218,
    0.33245153634617935, 0.33716361504833037, 0.34191442490866092, 0.3467040563550296,
    0.35153259950043936, 0.35640014414594351, 0.3613067797835095, 0.36625259559883949,
    0.37123768047414912, 0.3762621229909065, 0.38132601143253014, 0.38642943378704903,
    0.39157247774972326, 0.39675523072562685, 0.40197777983219579, 0.4072402119017367,
    0.41254261348390375, 0.41788507084813747, 0.42326766998607168, 0.42869049661390662,
    0.43415363617474895, 0.43965717384091879, 0.44520119451622786, 0.45078578283822346,
    0.45641102318040466, 0.46207699965440707, 0.46778379611215898, 0.47353149614800955,
    0.4793201831008268, 0.48514994005607037, 0.49102084984783562, 0.49693299506087041,
    0.50288645803256871, 0.50888132085493376, 0.51491766537652139, 0.5209955732043543,
    0.52711512570581309, 0.53327640401050524, 0.53947948901210718, 0.5457244613701866,
    0.55201140151200012, 0.55834038963426791, 0.56471150570492923, 0.57112482946487308,
    0.57758044042965062, 0.5840784178911641, 0.59061884091933692, 0.59720178836376336,
    0.60382733885533779, 0.61049557080786476, 0.61720656241965111, 0.62396039167507611,
    0.63075713634614683, 0.63759687399403264, 0.64447968197058214, 0.65140563741982416,
    0.65837481727944847, 0.66538729828227205, 0.67244315695768753, 0.67954246963309384,
    0.6866853124353135, 0.69387176129198991, 0.70110189193297312, 0.70837577989168676,
    0.71569350050648073, 0.72305512892196933, 0.73046074009035367, 0.73791040877273084,
    0.74540420954038744, 0.75294221677607787, 0.76052450467529242, 0.76815114724750699,
    0.7758222183174236, 0.78353779152619352, 0.79129794033263023, 0.79910273801440901,
    0.8069522576692516, 0.81484657221610124, 0.82278575439628354, 0.83076987677465464,
    0.83879901174074001, 0.84687323150985805, 0.85499260812423383, 0.86315721345410235,
    0.87136711919879717, 0.87962239688783173, 0.88792311788196632, 0.89626935337426639,
    0.90466117439114957, 0.9130986517934192, 0.92158185627729461, 0.93011085837542373,
    0.938685728457888, 0.94730653673319987, 0.95597335324928612, 0.96468624789446511,
    0.97344529039841254, 0.98225055033311715, 0.99110209711382979, 1
};

void imgcolor__rgb8_to_linear(imgcolor_rgb c, double lin[3])
{
    lin[0] = linear8[c.r];
    lin[1] = linear8[c.g];
    lin[2] = linear8[c.b];
}

const imgcolor__oklab_tables *imgcolor__oklab_tables_get(void)
{
    static const imgcolor__oklab_tables tables = {linear8, srgb_to_lms, lms_to_oklab};
    return &tables;
}

void imgcolor__rgb8_to_oklab(imgcolor_rgb c, double lab[3])
{
    double rgb[3];
    imgcolor__rgb8_to_linear(c, rgb);
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

imgcolor_rgb imgcolor__readable_text(imgcolor_rgb c, double *contrast)
{
    const imgcolor_rgb black = {0, 0, 0}, white = {255, 255, 255};
    double on_black = imgcolor__contrast(c, black), on_white = imgcolor__contrast(c, white);
    if (contrast)
        *contrast = on_black >= on_white ? on_black : on_white;
    return on_black >= on_white ? black : white;
}
