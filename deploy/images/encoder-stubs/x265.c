/* Stands in for libx265.so.199 in the photos and all-in-one images. Debian's libheif links the
 * x265 HEVC *encoder* (16 MB) though Hearth only ever decodes (libde265 does that), so the
 * images carry this instead (ADR 0073): libheif asks for the encoder's API only when asked to
 * encode, and gets none. */
#include <stddef.h>

const void *x265_api_get_199(int bit_depth)
{
    (void)bit_depth;
    return NULL;
}
