/* Image files through stb_image (Debian's libstb): decoded to 8-bit RGB, then, for one
 * channel, reduced to luma with PIL's convert('L') weights, so a grayscale model sees what
 * torchvision's Grayscale / convert('L') would give. stb's own gray conversion rounds
 * differently, hence RGB first. stb keeps its failure reason per thread, so DataLoader workers
 * may decode at once. */
#include "io_common.h"
#include "ctorch/data.h"

#include <errno.h>
#if __has_include(<stb_image.h>) /* CMake's -I of the stb folder */
#include <stb_image.h>
#else /* Debian's layout on the default path (tools that preprocess without CMake's flags) */
#include <stb/stb_image.h>
#endif

/* PIL.Image.MAX_IMAGE_PIXELS * 2: above it PIL raises DecompressionBombError. */
#define CT_MAX_IMAGE_PIXELS 178956970LL

/* (H, W, 3) RGB -> (H, W) luma in place: PIL's L24 fixed-point weights. */
static void rgb_to_l(unsigned char *p, int64_t pixels) {
  for (int64_t i = 0; i < pixels; i++) {
    const unsigned char *s = p + 3 * i;
    p[i] = (unsigned char)((s[0] * 19595u + s[1] * 38470u + s[2] * 7471u + 0x8000u) >> 16);
  }
}

/* The decoded pixels of the open file f, checked against the pixel limit first so a hostile
 * header cannot ask for gigabytes; NULL + an error naming path. */
static unsigned char *decode(FILE *f, const char *path, int *w, int *h) {
  int comp;
  if (!stbi_info_from_file(f, w, h, &comp))
    return ct__err("cannot identify image file '%s' (stb_image: %s)", path, stbi_failure_reason());
  if ((int64_t)*w * *h > CT_MAX_IMAGE_PIXELS)
    return ct__err("%s: Image size (%lld pixels) exceeds limit of %lld pixels, could be "
                   "decompression bomb DOS attack.", path, (long long)*w * *h, CT_MAX_IMAGE_PIXELS);
  unsigned char *px = stbi_load_from_file(f, w, h, &comp, 3);
  if (!px) return ct__err("%s: cannot decode the image (stb_image: %s)", path, stbi_failure_reason());
  return px;
}

ct_tensor *ct_image_load(const char *path, int channels) {
  if (!path) return ct__err("ct_image_load: path is NULL");
  if (channels != 1 && channels != 3)
    return ct__err("ct_image_load: channels must be 1 (convert('L')) or 3 (convert('RGB')), got %d", channels);
  errno = 0;
  FILE *f = fopen(path, "rb");
  if (!f) {
    ct__errno_err(path);
    return NULL;
  }
  int w = 0, h = 0;
  unsigned char *px = decode(f, path, &w, &h);
  fclose(f);
  if (!px) return NULL;
  if (channels == 1) rgb_to_l(px, (int64_t)w * h);
  ct_tensor *t = ct__empty(CT_UINT8, 3, (int64_t[]){h, w, channels});
  if (t) memcpy(ct__ptr(t), px, (size_t)w * (size_t)h * (size_t)channels);
  stbi_image_free(px);
  return t;
}
