/* Stands in for libaom.so.3 in the photos and all-in-one images. Debian's libheif links libaom
 * (5 MB), the AV1 encoder and a second AV1 decoder, beside dav1d, the decoder libheif prefers
 * for AVIF. Hearth only ever decodes, so the images carry this instead (ADR 0073): every call
 * fails as libaom fails, with AOM_CODEC_ERROR or no result, and libheif falls back to dav1d. */
#include <stddef.h>

enum { AOM_CODEC_ERROR = 1 };

const void *aom_codec_av1_cx(void) { return NULL; }
const void *aom_codec_av1_dx(void) { return NULL; }
int aom_codec_version(void) { return 0; }
const char *aom_codec_version_str(void) { return "unavailable in Hearth's image"; }
const char *aom_codec_iface_name(const void *iface) { (void)iface; return "unavailable"; }
const char *aom_codec_err_to_string(int err) { (void)err; return "libaom is not in Hearth's image"; }
int aom_codec_dec_init_ver(void *ctx, const void *iface, const void *cfg, long flags, int ver)
{
    (void)ctx; (void)iface; (void)cfg; (void)flags; (void)ver;
    return AOM_CODEC_ERROR;
}
int aom_codec_enc_init_ver(void *ctx, const void *iface, const void *cfg, long flags, int ver)
{
    (void)ctx; (void)iface; (void)cfg; (void)flags; (void)ver;
    return AOM_CODEC_ERROR;
}
int aom_codec_enc_config_default(const void *iface, void *cfg, unsigned usage)
{
    (void)iface; (void)cfg; (void)usage;
    return AOM_CODEC_ERROR;
}
int aom_codec_control(void *ctx, int id, ...) { (void)ctx; (void)id; return AOM_CODEC_ERROR; }
int aom_codec_set_option(void *ctx, const char *name, const char *value)
{
    (void)ctx; (void)name; (void)value;
    return AOM_CODEC_ERROR;
}
int aom_codec_decode(void *ctx, const void *data, size_t size, void *user)
{
    (void)ctx; (void)data; (void)size; (void)user;
    return AOM_CODEC_ERROR;
}
int aom_codec_encode(void *ctx, const void *img, long pts, unsigned long duration, long flags)
{
    (void)ctx; (void)img; (void)pts; (void)duration; (void)flags;
    return AOM_CODEC_ERROR;
}
int aom_codec_destroy(void *ctx) { (void)ctx; return 0; }
const void *aom_codec_get_frame(void *ctx, void *iter) { (void)ctx; (void)iter; return NULL; }
const void *aom_codec_get_cx_data(void *ctx, void *iter) { (void)ctx; (void)iter; return NULL; }
void *aom_img_alloc(void *img, int fmt, unsigned w, unsigned h, unsigned align)
{
    (void)img; (void)fmt; (void)w; (void)h; (void)align;
    return NULL;
}
void aom_img_free(void *img) { (void)img; }
