/* handlers.c: one function per endpoint. Each parses its request, calls the library
 * the way the CLI does, and formats the answer; limits are checked before the work they
 * bound. The seed's three endpoints answer exactly as the lesson's Flask app did. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "server.h"

#define FORM_TYPES "multipart/form-data, application/x-www-form-urlencoded"

/* ------------------------------------------------------------------------------------ */
/* Request parsing helpers                                                               */

/* The media types of a body that is the image itself: every format the library may
 * read (the bytes are sniffed whatever the type says), and octet-stream. */
#define IMAGE_TYPES                                                                        \
    "image/png, image/jpeg, image/webp, image/gif, image/tiff, image/heic, image/heif, "   \
    "image/avif, application/octet-stream"

static int is_image_type(const char *ct)
{
    static const char *const types[] = {"image/png",  "image/jpeg", "image/webp",
                                        "image/gif",  "image/tiff", "image/heic",
                                        "image/heif", "image/avif", "application/octet-stream"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(ct, types[i]) == 0)
            return 1;
    return 0;
}

static int unsupported_type(srv_req *r, const char *accepted)
{
    char accept[256];
    snprintf(accept, sizeof accept, "Accept-Post: %s\r\n", accepted);
    srv_metrics_reject(r->st, SRV_REJECT_MEDIA_TYPE);
    r->must_close = !r->body_done;
    return srv_problem(r, 415, "unsupported-media-type", accept, "send the body as %s",
                       accepted);
}

/* Every field of form but the image is text, and a NUL byte in text could end it early
 * for one reader and not another ("k=4%00junk" read as 4): 400, naming the field. The
 * image is binary and may hold any byte. Returns 0 or the status of the problem sent. */
static int text_fields_clean(srv_req *r, const srv_form *form, const char *what)
{
    for (size_t i = 0; i < form->n; i++) {
        const srv_field *f = &form->fields[i];
        if (strcmp(f->name, "image") != 0 && memchr(f->value, '\0', f->len))
            return srv_problem(r, 400, "invalid-field", NULL,
                               "%s field \"%.40s\" contains a NUL byte", what, f->name);
    }
    return 0;
}

/* Reads the body as a form; on failure the problem has been sent and the status is
 * returned, otherwise 0. An empty body without Content-Type is an empty form, as Flask
 * treats it (requests sends one for data={}). */
static int read_form(srv_req *r, uint64_t limit, srv_form *form)
{
    memset(form, 0, sizeof *form);
    if (!r->chunked && r->ri->content_length < 0)
        return srv_body_problem(r, SRV_BODY_NO_LENGTH, limit);
    char ct[128];
    srv_content_type(r, ct, sizeof ct);
    int multipart;
    if (strcmp(ct, "multipart/form-data") == 0)
        multipart = 1;
    else if (strcmp(ct, "application/x-www-form-urlencoded") == 0)
        multipart = 0;
    else if (ct[0] == '\0' && r->body_done)
        return 0;
    else
        return unsupported_type(r, FORM_TYPES);
    srv_body_status st = srv_form_read(r, multipart, limit, form);
    int rc = st == SRV_BODY_OK ? text_fields_clean(r, form, "form") : 0;
    if (st != SRV_BODY_OK)
        rc = srv_body_problem(r, st, limit);
    if (rc)
        srv_form_free(form);
    return rc;
}

#define SRV_JSON_MAX_DEPTH 16

/* Whether the escape at text[i] (just after a backslash) is \u0000, which cJSON decodes
 * into a NUL that ends its C string early: a member "rgbs\u0000x" would read as "rgbs". */
static int nul_escape(const char *text, size_t len, size_t i)
{
    return text[i] == 'u' && len - i > 4 && memcmp(text + i + 1, "0000", 4) == 0;
}

/* The deepest nesting of arrays and objects in text, strings skipped (stops counting
 * past the limit), and whether a string, name or value, holds an escaped NUL. */
static size_t json_scan(const char *text, size_t len, int *nul)
{
    size_t depth = 0, max = 0;
    int in_string = 0, escaped = 0;
    *nul = 0;
    for (size_t i = 0; i < len && max <= SRV_JSON_MAX_DEPTH && !*nul; i++) {
        char c = text[i];
        if (in_string) {
            if (escaped) {
                escaped = 0;
                *nul = nul_escape(text, len, i);
            } else if (c == '\\') {
                escaped = 1;
            } else if (c == '"') {
                in_string = 0;
            }
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > max)
                max = depth;
        } else if ((c == ']' || c == '}') && depth) {
            depth--;
        }
    }
    return max;
}

/* Reads a JSON body (Content-Type application/json) and parses it into an object. */
static int read_json_object(srv_req *r, cJSON **out)
{
    *out = NULL;
    uint64_t limit = r->st->cfg.max_json_bytes;
    if (!r->chunked && r->ri->content_length < 0)
        return srv_body_problem(r, SRV_BODY_NO_LENGTH, limit);
    char ct[128];
    if (strcmp(srv_content_type(r, ct, sizeof ct), "application/json") != 0)
        return unsupported_type(r, "application/json");
    char *body;
    size_t len;
    srv_body_status st = srv_body_read(r, limit, &body, &len);
    if (st != SRV_BODY_OK)
        return srv_body_problem(r, st, limit);
    /* JSON allows no raw control bytes, but cJSON skips them all as white space. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)body[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            free(body);
            return srv_problem(r, 400, "invalid-json", NULL,
                               "control byte 0x%02x at byte %zu", c, i);
        }
    }
    /* cJSON recurses once per nesting level up to 1000 levels, which overflows a
     * civetweb worker's stack (a request of 100 000 '[' crashed the server). No
     * document here nests deeper than three, so the depth is checked first. */
    int nul;
    size_t depth = json_scan(body, len, &nul);
    if (depth > SRV_JSON_MAX_DEPTH || nul) {
        free(body);
        if (nul)
            return srv_problem(r, 400, "invalid-json", NULL,
                               "a string holds \\u0000: NUL is not accepted in names or "
                               "values");
        return srv_problem(r, 400, "invalid-json", NULL,
                           "the body nests deeper than %d levels", SRV_JSON_MAX_DEPTH);
    }
    /* cJSON_ParseWithLengthOpts with an end pointer: the error position is ours, not
     * cJSON's process-wide one, which threads must not read. cJSON still writes that
     * one on every parse, so parses take turns. */
    const char *end = NULL;
    pthread_mutex_lock(&r->st->json_lock);
    cJSON *doc = cJSON_ParseWithLengthOpts(body, len, &end, 0);
    pthread_mutex_unlock(&r->st->json_lock);
    size_t at = end ? (size_t)(end - body) : 0;
    while (doc && at < len && (body[at] == ' ' || body[at] == '\t' || body[at] == '\n' ||
                               body[at] == '\r'))
        at++;
    free(body);
    if (!doc || at != len) {
        cJSON_Delete(doc);
        return srv_problem(r, 400, "invalid-json", NULL,
                           "the body is not one JSON value (error near byte %zu)", at);
    }
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        return srv_problem(r, 400, "invalid-json", NULL, "the body must be a JSON object");
    }
    *out = doc;
    return 0;
}

/* Rejects members of obj not named in allowed (a NULL-terminated list of at most 32),
 * and repeated members, which parsers disagree on (cJSON takes the first, others the
 * last), so a check in front of the server could have read another value. */
static int check_members(srv_req *r, const cJSON *obj, const char *const *allowed)
{
    uint32_t seen = 0;
    for (const cJSON *m = obj->child; m; m = m->next) {
        size_t i = 0;
        while (allowed[i] && !(m->string && strcmp(m->string, allowed[i]) == 0))
            i++;
        if (!allowed[i])
            return srv_problem(r, 400, "invalid-field", NULL, "unknown member \"%.40s\"",
                               m->string ? m->string : "");
        if (seen & (UINT32_C(1) << i))
            return srv_problem(r, 400, "invalid-field", NULL, "member \"%s\" repeated",
                               allowed[i]);
        seen |= UINT32_C(1) << i;
    }
    return 0;
}

typedef enum { INT_OK, INT_SYNTAX, INT_RANGE } int_status;

/* A decimal integer with optional sign and surrounding blanks, as Python's int(). */
static int_status parse_int(const char *s, size_t len, long long min, long long max,
                            long long *out)
{
    size_t i = 0, end = len;
    while (i < end && (s[i] == ' ' || s[i] == '\t'))
        i++;
    while (end > i && (s[end - 1] == ' ' || s[end - 1] == '\t'))
        end--;
    char buf[32];
    if (end == i || end - i >= sizeof buf)
        return end == i ? INT_SYNTAX : INT_RANGE;
    memcpy(buf, s + i, end - i);
    buf[end - i] = '\0';
    size_t d = (buf[0] == '+' || buf[0] == '-') ? 1 : 0;
    if (!buf[d])
        return INT_SYNTAX;
    for (size_t j = d; buf[j]; j++)
        if (buf[j] < '0' || buf[j] > '9')
            return INT_SYNTAX;
    errno = 0;
    long long v = strtoll(buf, NULL, 10);
    if (errno == ERANGE || v < min || v > max)
        return INT_RANGE;
    *out = v;
    return INT_OK;
}

static int_status parse_u64(const char *s, size_t len, uint64_t *out)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return len ? INT_RANGE : INT_SYNTAX;
    memcpy(buf, s, len);
    buf[len] = '\0';
    for (size_t j = 0; j < len; j++)
        if (buf[j] < '0' || buf[j] > '9')
            return INT_SYNTAX;
    errno = 0;
    unsigned long long v = strtoull(buf, NULL, 10);
    if (errno == ERANGE)
        return INT_RANGE;
    *out = v;
    return INT_OK;
}

/* An integer option from a form field: 0 when absent or valid, else the problem sent. */
int srv_int_field(srv_req *r, const srv_field *f, const char *name, long long min,
                  long long max, srv_reject why, long long *out)
{
    if (!f)
        return 0;
    int_status st = parse_int(f->value, f->len, min, max, out);
    if (st == INT_OK)
        return 0;
    if (st == INT_RANGE && why != SRV_REJECT_COUNT)
        srv_metrics_reject(r->st, why);
    return srv_problem(r, 400, "invalid-field", NULL, "%s must be an integer in %lld..%lld",
                       name, min, max);
}

/* Maps a list parser's failure: too many items is a limit (413), the rest bad input. */
static int list_problem(srv_req *r, const char *name, imgcolor_status st,
                        const imgcolor_error *err)
{
    if (st == IMGCOLOR_E_TOO_LARGE) {
        srv_metrics_reject(r->st, SRV_REJECT_LIST_LENGTH);
        return srv_problem(r, 413, "list-too-long", NULL, "%s has more than %d items", name,
                           r->st->cfg.max_list);
    }
    if (st == IMGCOLOR_E_NOMEM)
        return srv_library_problem(r, st, err);
    return srv_problem(r, 400, "invalid-field", NULL, "%s: %s", name,
                       err->status == st ? err->message : imgcolor_strerror(st));
}

/* ------------------------------------------------------------------------------------ */
/* Prominent colours                                                                     */

typedef struct prominent_params {
    long long k, n_init, min_alpha;
    uint64_t seed;
    int has_n_init, has_seed, has_min_alpha;
    long long color_management;
    int has_color_management, has_space;
    imgcolor_space space;
    long long fast, where;
    int has_fast, has_where;
    int has_background, has_bg_tolerance, has_region;
    imgcolor_background_mode background;
    imgcolor_rgb background_color;
    double bg_tolerance;
    imgcolor_region_spec region;
} prominent_params;

/* The library options of a request's clustering fields; on failure the problem is sent. */
static int prominent_library_options(srv_req *r, const prominent_params *p,
                                     imgcolor_options **out)
{
    imgcolor_options *opt = NULL;
    imgcolor_status st = imgcolor_options_copy(r->st->defaults, &opt);
    if (st == IMGCOLOR_OK)
        st = imgcolor_options_set_k(opt, (int)p->k);
    if (st == IMGCOLOR_OK && p->has_n_init)
        st = imgcolor_options_set_n_init(opt, (int)p->n_init);
    if (st == IMGCOLOR_OK && p->has_seed)
        st = imgcolor_options_set_seed(opt, p->seed);
    if (st == IMGCOLOR_OK && p->has_min_alpha)
        st = imgcolor_options_set_min_alpha(opt, (int)p->min_alpha);
    if (st == IMGCOLOR_OK && p->has_color_management)
        st = imgcolor_options_set_color_management(opt, (int)p->color_management);
    if (st == IMGCOLOR_OK && p->has_fast)
        st = imgcolor_options_set_fast(opt, (int)p->fast);
    if (st == IMGCOLOR_OK && p->has_where)
        st = imgcolor_options_set_where(opt, (int)p->where);
    if (st == IMGCOLOR_OK && p->has_background)
        st = imgcolor_options_set_background(opt, p->background, p->background_color);
    if (st == IMGCOLOR_OK && p->has_bg_tolerance)
        st = imgcolor_options_set_bg_tolerance(opt, p->bg_tolerance);
    if (st == IMGCOLOR_OK && p->has_region)
        st = imgcolor_options_set_region(opt, &p->region);
    if (st == IMGCOLOR_OK && p->has_space &&
        imgcolor_options_set_space(opt, p->space) != IMGCOLOR_OK) {
        imgcolor_options_free(opt);
        return srv_problem(r, 400, "invalid-field", NULL, "space %s is not available",
                           imgcolor_space_name(p->space));
    }
    if (st != IMGCOLOR_OK) {
        imgcolor_options_free(opt);
        return srv_library_problem(r, st, NULL);
    }
    *out = opt;
    return 0;
}

/* The problem for a failure st of the library on an image; it is sent. */
static int image_problem(srv_req *r, imgcolor_status st, const imgcolor_error *err)
{
    if (st == IMGCOLOR_E_LIMIT) { /* the image costs more than --time-limit-ms allows */
        srv_metrics_reject(r->st, SRV_REJECT_TIME_LIMIT);
        return srv_problem(r, 422, "time-limit", NULL, "%s",
                           err->status == st ? err->message : imgcolor_strerror(st));
    }
    return srv_library_problem(r, st, err);
}

/* Runs the library on an encoded image, inside the gate; on failure the problem is sent. */
static int cluster_image(srv_req *r, const char *data, size_t len, const imgcolor_options *opt,
                         imgcolor_result **res)
{
    imgcolor_error err = {0};
    int rc = srv_work_begin(r);
    if (rc)
        return rc;
    imgcolor_status st = imgcolor_prominent(data, len, opt, res, &err);
    return st == IMGCOLOR_OK ? 0 : image_problem(r, st, &err);
}

/* Both steps at once; on failure the problem is sent. */
static int run_prominent(srv_req *r, const char *data, size_t len, const prominent_params *p,
                         imgcolor_result **res)
{
    imgcolor_options *opt = NULL;
    int rc = prominent_library_options(r, p, &opt);
    if (!rc)
        rc = cluster_image(r, data, len, opt, res);
    imgcolor_options_free(opt);
    return rc;
}

/* A flag given as 0, 1, false or true: 0 and *out set, or -1. */
int srv_parse_flag(const srv_field *f, long long *out)
{
    if (f->len == 4 && memcmp(f->value, "true", 4) == 0)
        *out = 1;
    else if (f->len == 5 && memcmp(f->value, "false", 5) == 0)
        *out = 0;
    else if (parse_int(f->value, f->len, 0, 1, out) != INT_OK)
        return -1;
    return 0;
}

/* color_management (0 or 1, false or true) and space ("rgb", "oklab", "lab"), when given. */
static int color_options(srv_req *r, const srv_field *cm, const srv_field *space,
                         prominent_params *p)
{
    if (cm) {
        p->has_color_management = 1;
        if (srv_parse_flag(cm, &p->color_management) < 0)
            return srv_problem(r, 400, "invalid-field", NULL,
                               "color_management must be 0, 1, false or true");
    }
    if (space) {
        char name[8] = "";
        if (space->len < sizeof name)
            memcpy(name, space->value, space->len);
        if (space->len >= sizeof name || memchr(name, '\0', space->len) ||
            imgcolor_space_parse(name, &p->space) != IMGCOLOR_OK)
            return srv_problem(r, 400, "invalid-field", NULL,
                               "space must be rgb, oklab or lab");
        p->has_space = 1;
    }
    return 0;
}

/* background ("keep", "exclude" or "#rrggbb"), bg_tolerance (a number, 0..1) and region
 * ("x,y,w,h", pixels or percent), when given, each parsed by the library. */
static int subject_options(srv_req *r, const srv_field *bg, const srv_field *tol,
                           const srv_field *region, prominent_params *p)
{
    if (bg) {
        if (imgcolor_background_parse(bg->value, bg->len, &p->background,
                                      &p->background_color) != IMGCOLOR_OK)
            return srv_problem(r, 400, "invalid-field", NULL,
                               "background must be keep, exclude or a colour #rrggbb");
        p->has_background = 1;
    }
    if (tol) {
        char text[32] = "";
        char *end = NULL;
        if (tol->len > 0 && tol->len < sizeof text && !memchr(tol->value, '\0', tol->len))
            memcpy(text, tol->value, tol->len);
        p->bg_tolerance = strtod(text, &end);
        imgcolor_options *probe = NULL;
        int ok = text[0] && end && !*end && imgcolor_options_new(&probe) == IMGCOLOR_OK &&
                 imgcolor_options_set_bg_tolerance(probe, p->bg_tolerance) == IMGCOLOR_OK;
        imgcolor_options_free(probe);
        if (!ok)
            return srv_problem(r, 400, "invalid-field", NULL,
                               "bg_tolerance must be a number from 0 to %g (deltaE OK)",
                               IMGCOLOR_BG_TOLERANCE_MAX);
        p->has_bg_tolerance = 1;
    }
    if (region) {
        imgcolor_error err = {0};
        if (imgcolor_region_parse(region->value, region->len, &p->region, &err) != IMGCOLOR_OK)
            return srv_problem(r, 400, "invalid-field", NULL, "%s", err.message);
        p->has_region = 1;
    }
    return 0;
}

/* Reads k, n_init, seed, min_alpha from the form, then from the query string. */
static int prominent_options(srv_req *r, const srv_form *form, const srv_form *query,
                             int full, prominent_params *p)
{
    const srv_config *cfg = &r->st->cfg;
    memset(p, 0, sizeof *p);
    p->k = 6;
    const srv_field *f;
#define PARAM(name) ((f = srv_form_get(form, name)) ? f : srv_form_get(query, name))
    int rc = srv_int_field(r, PARAM("k"), "k", 1, cfg->max_k, SRV_REJECT_K, &p->k);
    if (rc || !full)
        return rc;
    if ((f = PARAM("n_init"))) {
        if ((rc = srv_int_field(r, f, "n_init", 1, cfg->max_n_init, SRV_REJECT_N_INIT,
                            &p->n_init)))
            return rc;
        p->has_n_init = 1;
    }
    if ((f = PARAM("min_alpha"))) {
        if ((rc = srv_int_field(r, f, "min_alpha", 0, 255, SRV_REJECT_COUNT, &p->min_alpha)))
            return rc;
        p->has_min_alpha = 1;
    }
    if ((f = PARAM("seed"))) {
        if (parse_u64(f->value, f->len, &p->seed) != INT_OK)
            return srv_problem(r, 400, "invalid-field", NULL,
                               "seed must be an integer in 0..18446744073709551615");
        p->has_seed = 1;
    }
    const srv_field *cm = PARAM("color_management");
    if ((rc = color_options(r, cm, PARAM("space"), p)))
        return rc;
    if ((f = PARAM("fast"))) {
        p->has_fast = 1;
        if (srv_parse_flag(f, &p->fast) < 0)
            return srv_problem(r, 400, "invalid-field", NULL, "fast must be 0, 1, false or true");
    }
    if ((f = PARAM("where"))) {
        p->has_where = 1;
        if (srv_parse_flag(f, &p->where) < 0)
            return srv_problem(r, 400, "invalid-field", NULL,
                               "where must be 0, 1, false or true");
    }
    const srv_field *bg = PARAM("background"), *tol = PARAM("bg_tolerance");
    if ((rc = subject_options(r, bg, tol, PARAM("region"), p)))
        return rc;
#undef PARAM
    return 0;
}

int srv_handle_prominent(srv_req *r)
{
    srv_form form;
    int rc = read_form(r, r->st->cfg.max_body_bytes, &form);
    if (rc)
        return rc;
    srv_form none = {0};
    prominent_params p;
    imgcolor_result *res = NULL;
    char *out = NULL;
    const srv_field *image = srv_form_get(&form, "image");
    if ((rc = prominent_options(r, &form, &none, 0, &p)))
        goto done;
    if (!image) {
        rc = srv_problem(r, 400, "missing-field", NULL, "the form has no \"image\" field");
        goto done;
    }
    if ((rc = run_prominent(r, image->value, image->len, &p, &res)))
        goto done;

    /* [[[r,g,b],...],{"0":n0,...}]: colours in label order, counts keyed by label as
     * Flask's jsonify writes them; label 0 is the largest cluster. */
    size_t n = imgcolor_result_count(res);
    size_t cap = 16 + n * 64, o = 0;
    out = malloc(cap);
    if (!out) {
        rc = srv_library_problem(r, IMGCOLOR_E_NOMEM, NULL);
        goto done;
    }
    o += (size_t)snprintf(out + o, cap - o, "[[");
    for (size_t i = 0; i < n; i++) {
        const imgcolor_cluster *c = imgcolor_result_color(res, i);
        o += (size_t)snprintf(out + o, cap - o, "%s[%u,%u,%u]", i ? "," : "", c->rgb.r,
                              c->rgb.g, c->rgb.b);
    }
    o += (size_t)snprintf(out + o, cap - o, "],{");
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s\"%zu\":%llu", i ? "," : "", i,
                              (unsigned long long)imgcolor_result_color(res, i)->count);
    o += (size_t)snprintf(out + o, cap - o, "}]\n");
    rc = srv_send(r, 200, "application/json", out, o, NULL);
done:
    free(out);
    imgcolor_result_free(res);
    srv_form_free(&form);
    return rc;
}

int srv_image_request_read(srv_req *r, srv_image_request *q)
{
    const srv_config *cfg = &r->st->cfg;
    memset(q, 0, sizeof *q);
    const char *qs = r->ri->query_string;
    q->query.max = (size_t)cfg->max_fields;
    q->query.limit = 4096;
    if (qs && srv_form_parse_urlencoded(qs, strlen(qs), &q->query) != SRV_BODY_OK)
        return srv_problem(r, 400, "invalid-query", NULL,
                           "the query string is malformed, repeats a name or is too long");
    int rc = text_fields_clean(r, &q->query, "query");
    if (rc)
        return rc;

    /* An image comes as a form field "image", or as the whole body. */
    char ct[128];
    srv_content_type(r, ct, sizeof ct);
    if (is_image_type(ct)) {
        if (!r->chunked && r->ri->content_length < 0)
            return srv_body_problem(r, SRV_BODY_NO_LENGTH, cfg->max_body_bytes);
        srv_body_status bs = srv_body_read(r, cfg->max_body_bytes, &q->raw, &q->len);
        if (bs != SRV_BODY_OK)
            return srv_body_problem(r, bs, cfg->max_body_bytes);
        q->data = q->raw;
    } else if (strcmp(ct, "multipart/form-data") == 0 ||
               strcmp(ct, "application/x-www-form-urlencoded") == 0) {
        if ((rc = read_form(r, cfg->max_body_bytes, &q->form)))
            return rc;
        const srv_field *image = srv_form_get(&q->form, "image");
        if (!image)
            return srv_problem(r, 400, "missing-field", NULL, "the form has no \"image\" field");
        q->data = image->value;
        q->len = image->len;
    } else {
        return unsupported_type(r, FORM_TYPES ", " IMAGE_TYPES);
    }
    prominent_params p;
    if ((rc = prominent_options(r, &q->form, &q->query, 1, &p)))
        return rc;
    return prominent_library_options(r, &p, &q->opt);
}

const srv_field *srv_image_request_field(const srv_image_request *q, const char *name)
{
    const srv_field *f = srv_form_get(&q->form, name);
    return f ? f : srv_form_get(&q->query, name);
}

int srv_image_request_run(srv_req *r, const srv_image_request *q, imgcolor_result **res)
{
    return cluster_image(r, q->data, q->len, q->opt, res);
}

void srv_image_request_free(srv_image_request *q)
{
    imgcolor_options_free(q->opt);
    free(q->raw);
    srv_form_free(&q->form);
    srv_form_free(&q->query);
    memset(q, 0, sizeof *q);
}

int srv_handle_v1_prominent(srv_req *r)
{
    srv_image_request q;
    imgcolor_result *res = NULL;
    char *json = NULL;
    int rc = srv_image_request_read(r, &q);
    if (!rc)
        rc = srv_image_request_run(r, &q, &res);
    if (rc)
        goto done;
    imgcolor_status st = imgcolor_result_to_json(res, NULL, &json);
    rc = st == IMGCOLOR_OK ? srv_send(r, 200, "application/json", json, strlen(json), NULL)
                           : srv_library_problem(r, st, NULL);
done:
    imgcolor_free(json);
    imgcolor_result_free(res);
    srv_image_request_free(&q);
    return rc;
}

/* The longest side a label map may be asked to fit. */
#define MAP_SIZE_MAX 65535

/* The label map as PNG: the request of /v1/prominent-colors, and size, the longest side. */
int srv_handle_v1_map(srv_req *r)
{
    srv_image_request q;
    long long size = 0;
    imgcolor_image *map = NULL;
    void *png = NULL;
    size_t png_len = 0;
    imgcolor_error err = {0};
    int rc;
    if ((rc = srv_image_request_read(r, &q)) ||
        (rc = srv_int_field(r, srv_image_request_field(&q, "size"), "size", 1, MAP_SIZE_MAX,
                            SRV_REJECT_COUNT, &size)) ||
        (rc = srv_work_begin(r)))
        goto done;
    imgcolor_status st = imgcolor_label_map(q.data, q.len, q.opt, (uint32_t)size, &map, NULL,
                                            &err);
    if (st != IMGCOLOR_OK) {
        rc = image_problem(r, st, &err);
        goto done;
    }
    if ((st = imgcolor_png_encode(map, &png, &png_len, &err)) != IMGCOLOR_OK) {
        rc = srv_library_problem(r, st, &err);
        goto done;
    }
    rc = srv_send(r, 200, "image/png", png, png_len, NULL);
done:
    imgcolor_free(png);
    imgcolor_image_free(map);
    srv_image_request_free(&q);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Hex codes                                                                             */

/* Converts a JSON list of [r, g, b] into the JSON list of "#rrggbb"; wrap_key, when not
 * NULL, puts it in an object under that key. */
static int rgb2hex_answer(srv_req *r, const char *list, size_t len, const char *wrap_key)
{
    imgcolor_rgb *rgbs = NULL;
    size_t n = 0;
    char *hex = NULL, *out = NULL;
    imgcolor_error err = {0};
    int rc;
    imgcolor_status st =
        imgcolor_rgb_list_parse(list, len, (size_t)r->st->cfg.max_list, &rgbs, &n, &err);
    if (st != IMGCOLOR_OK) {
        rc = list_problem(r, "rgbs", st, &err);
        goto done;
    }
    if ((st = imgcolor_hex_list_to_json(rgbs, n, &hex)) != IMGCOLOR_OK) {
        rc = srv_library_problem(r, st, NULL);
        goto done;
    }
    size_t hlen = strlen(hex);
    out = malloc(hlen + 32);
    if (!out) {
        rc = srv_library_problem(r, IMGCOLOR_E_NOMEM, NULL);
        goto done;
    }
    int olen = wrap_key ? snprintf(out, hlen + 32, "{\"%s\":%s}\n", wrap_key, hex)
                        : snprintf(out, hlen + 32, "%s\n", hex);
    rc = srv_send(r, 200, "application/json", out, (size_t)olen, NULL);
done:
    free(out);
    imgcolor_free(hex);
    imgcolor_free(rgbs);
    return rc;
}

int srv_handle_rgb2hex(srv_req *r)
{
    srv_form form;
    int rc = read_form(r, r->st->cfg.max_json_bytes, &form);
    if (rc)
        return rc;
    const srv_field *f = srv_form_get(&form, "rgbs");
    rc = f ? rgb2hex_answer(r, f->value, f->len, NULL) : rgb2hex_answer(r, "[]", 2, NULL);
    srv_form_free(&form);
    return rc;
}

/* The text of a member of a JSON object, printed back for the library's strict list
 * parsers, which then judge it the same way they judge form fields. */
static char *member_text(const cJSON *obj, const char *name)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);
    return m ? cJSON_PrintUnformatted(m) : NULL;
}

int srv_handle_v1_rgb2hex(srv_req *r)
{
    cJSON *doc;
    int rc = read_json_object(r, &doc);
    if (rc)
        return rc;
    static const char *const allowed[] = {"rgbs", NULL};
    char *list = NULL;
    if ((rc = check_members(r, doc, allowed)))
        goto done;
    if (!cJSON_GetObjectItemCaseSensitive(doc, "rgbs")) {
        rc = srv_problem(r, 400, "missing-field", NULL, "the object has no \"rgbs\" member");
        goto done;
    }
    if (!(list = member_text(doc, "rgbs"))) {
        rc = srv_library_problem(r, IMGCOLOR_E_NOMEM, NULL);
        goto done;
    }
    rc = rgb2hex_answer(r, list, strlen(list), "hex");
done:
    cJSON_free(list);
    cJSON_Delete(doc);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Pie charts                                                                            */

typedef struct pie_request {
    imgcolor_rgb *colors;
    double *counts;
    size_t n;
} pie_request;

static void pie_request_free(pie_request *p)
{
    imgcolor_free(p->colors);
    imgcolor_free(p->counts);
}

/* Parses the colours and counts lists; on failure the problem is sent. */
static int pie_lists(srv_req *r, const char *colors, size_t clen, const char *counts,
                     size_t nlen, pie_request *p)
{
    imgcolor_error err = {0};
    size_t nc = 0, nn = 0;
    size_t max = (size_t)r->st->cfg.max_list;
    imgcolor_status st = imgcolor_color_list_parse(colors, clen, max, &p->colors, &nc, &err);
    if (st != IMGCOLOR_OK)
        return list_problem(r, "colors", st, &err);
    st = imgcolor_number_list_parse(counts, nlen, max, &p->counts, &nn, &err);
    if (st != IMGCOLOR_OK)
        return list_problem(r, "counts", st, &err);
    if (nc != nn)
        return srv_problem(r, 400, "invalid-field", NULL,
                           "colors has %zu items but counts has %zu", nc, nn);
    if (nc == 0)
        return srv_problem(r, 400, "invalid-field", NULL, "colors and counts are empty");
    p->n = nc;
    return 0;
}

/* Renders the pie as PNG (or SVG) and sends it. */
static int pie_answer(srv_req *r, const pie_request *p, const imgcolor_pie_options *opt,
                      int svg)
{
    imgcolor_pie_wedge *wedges = calloc(p->n, sizeof *wedges);
    void *out = NULL;
    size_t out_len = 0;
    imgcolor_error err = {0};
    imgcolor_status st = IMGCOLOR_E_NOMEM;
    int rc = srv_work_begin(r);
    if (rc) {
        free(wedges);
        return rc;
    }
    if (wedges) {
        for (size_t i = 0; i < p->n; i++)
            wedges[i] = (imgcolor_pie_wedge){p->colors[i], p->counts[i], NULL};
        st = imgcolor_pie_encode(wedges, p->n, opt, svg ? IMGCOLOR_PIE_SVG : IMGCOLOR_PIE_PNG,
                                 &out, &out_len, &err);
    }
    if (st == IMGCOLOR_OK)
        rc = srv_send(r, 200, svg ? "image/svg+xml" : "image/png", out, out_len, NULL);
    else
        rc = srv_library_problem(r, st, &err);
    imgcolor_free(out);
    free(wedges);
    return rc;
}

int srv_handle_centroids(srv_req *r)
{
    srv_form form;
    int rc = read_form(r, r->st->cfg.max_json_bytes, &form);
    if (rc)
        return rc;
    pie_request p = {0};
    imgcolor_pie_options *opt = NULL;
    const srv_field *colors = srv_form_get(&form, "colors");
    const srv_field *counts = srv_form_get(&form, "counts");
    if (!colors || !counts) {
        rc = srv_problem(r, 400, "missing-field", NULL, "the form needs \"%s\"",
                         colors ? "counts" : "colors");
        goto done;
    }
    if ((rc = pie_lists(r, colors->value, colors->len, counts->value, counts->len, &p)))
        goto done;
    imgcolor_status st = imgcolor_pie_options_new(&opt);
    rc = st == IMGCOLOR_OK ? pie_answer(r, &p, opt, 0) : srv_library_problem(r, st, NULL);
done:
    imgcolor_pie_options_free(opt);
    pie_request_free(&p);
    srv_form_free(&form);
    return rc;
}

/* A JSON member that must be a boolean; 0 when absent or set, else the problem sent. */
static int bool_member(srv_req *r, const cJSON *doc, const char *name, int *out, int *has)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, name);
    *has = 0;
    if (!m)
        return 0;
    if (!cJSON_IsBool(m))
        return srv_problem(r, 400, "invalid-field", NULL, "%s must be true or false", name);
    *out = cJSON_IsTrue(m);
    *has = 1;
    return 0;
}

static int number_member(srv_req *r, const cJSON *doc, const char *name, double min,
                         double max, double *out, int *has)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, name);
    *has = 0;
    if (!m)
        return 0;
    if (!cJSON_IsNumber(m) || !(m->valuedouble >= min && m->valuedouble <= max))
        return srv_problem(r, 400, "invalid-field", NULL, "%s must be a number in %g..%g",
                           name, min, max);
    *out = m->valuedouble;
    *has = 1;
    return 0;
}

int srv_handle_v1_centroids(srv_req *r)
{
    cJSON *doc;
    int rc = read_json_object(r, &doc);
    if (rc)
        return rc;
    static const char *const allowed[] = {"colors",    "counts",      "width",
                                          "height",    "labels",      "percent",
                                          "transparent", "start_angle", "clockwise",
                                          "format",    NULL};
    pie_request p = {0};
    imgcolor_pie_options *opt = NULL;
    char *colors = NULL, *counts = NULL;
    if ((rc = check_members(r, doc, allowed)))
        goto done;
    if (!cJSON_GetObjectItemCaseSensitive(doc, "colors") ||
        !cJSON_GetObjectItemCaseSensitive(doc, "counts")) {
        rc = srv_problem(r, 400, "missing-field", NULL,
                         "the object needs \"colors\" and \"counts\"");
        goto done;
    }
    colors = member_text(doc, "colors");
    counts = member_text(doc, "counts");
    imgcolor_status st = imgcolor_pie_options_new(&opt);
    if (!colors || !counts || st != IMGCOLOR_OK) {
        rc = srv_library_problem(r, IMGCOLOR_E_NOMEM, NULL);
        goto done;
    }
    if ((rc = pie_lists(r, colors, strlen(colors), counts, strlen(counts), &p)))
        goto done;

    int svg = 0;
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(doc, "format");
    if (format) {
        if (cJSON_IsString(format) && strcmp(format->valuestring, "svg") == 0)
            svg = 1;
        else if (!cJSON_IsString(format) || strcmp(format->valuestring, "png") != 0) {
            rc = srv_problem(r, 400, "invalid-field", NULL, "format must be \"png\" or \"svg\"");
            goto done;
        }
    }
    double w = 480, h = 360, angle = 0, side = r->st->cfg.max_pie_side;
    int has_w, has_h, has_angle, flag, has;
    const cJSON *wm = cJSON_GetObjectItemCaseSensitive(doc, "width");
    const cJSON *hm = cJSON_GetObjectItemCaseSensitive(doc, "height");
    if ((cJSON_IsNumber(wm) && wm->valuedouble > side) ||
        (cJSON_IsNumber(hm) && hm->valuedouble > side))
        srv_metrics_reject(r->st, SRV_REJECT_PIE_SIZE);
    if ((rc = number_member(r, doc, "width", 16, side, &w, &has_w)) ||
        (rc = number_member(r, doc, "height", 16, side, &h, &has_h)) ||
        (rc = number_member(r, doc, "start_angle", -36000, 36000, &angle, &has_angle)))
        goto done;
    if ((has_w || has_h) && (w != (double)(uint32_t)w || h != (double)(uint32_t)h)) {
        rc = srv_problem(r, 400, "invalid-field", NULL, "width and height must be integers");
        goto done;
    }
    st = IMGCOLOR_OK;
    if (has_w || has_h)
        st = imgcolor_pie_options_set_size(opt, (uint32_t)w, (uint32_t)h);
    if (st == IMGCOLOR_OK && has_angle)
        st = imgcolor_pie_options_set_start_angle(opt, angle);
    static const struct {
        const char *name;
        imgcolor_status (*set)(imgcolor_pie_options *, int);
    } flags[] = {{"labels", imgcolor_pie_options_set_labels},
                 {"percent", imgcolor_pie_options_set_percent},
                 {"transparent", imgcolor_pie_options_set_transparent},
                 {"clockwise", imgcolor_pie_options_set_clockwise}};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0] && st == IMGCOLOR_OK; i++) {
        if ((rc = bool_member(r, doc, flags[i].name, &flag, &has)))
            goto done;
        if (has)
            st = flags[i].set(opt, flag);
    }
    rc = st == IMGCOLOR_OK ? pie_answer(r, &p, opt, svg) : srv_library_problem(r, st, NULL);
done:
    cJSON_free(colors);
    cJSON_free(counts);
    imgcolor_pie_options_free(opt);
    pie_request_free(&p);
    cJSON_Delete(doc);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Operations                                                                            */

int srv_handle_healthz(srv_req *r)
{
    static const char body[] = "{\"status\":\"ok\"}\n";
    return srv_send(r, 200, "application/json", body, sizeof body - 1, NULL);
}

int srv_handle_readyz(srv_req *r)
{
    if (atomic_load(&r->st->draining))
        return srv_problem(r, 503, "shutting-down", "Retry-After: 1\r\n",
                           "the server is shutting down");
    static const char body[] = "{\"status\":\"ready\"}\n";
    return srv_send(r, 200, "application/json", body, sizeof body - 1, NULL);
}

int srv_handle_metrics(srv_req *r)
{
    size_t len = 0;
    char *text = srv_metrics_render(r->st, &len);
    if (!text)
        return srv_library_problem(r, IMGCOLOR_E_NOMEM, NULL);
    int rc = srv_send(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len, NULL);
    free(text);
    return rc;
}

int srv_handle_openapi(srv_req *r)
{
    return srv_send(r, 200, "application/json", srv_openapi_json, srv_openapi_json_len, NULL);
}
