/* Image files through stb_image (Debian's libstb): decoded to 8-bit RGB, then, for one
 * channel, reduced to luma with PIL's convert('L') weights, so a grayscale model sees what
 * torchvision's Grayscale / convert('L') would give. stb's own gray conversion rounds
 * differently, hence RGB first. stb keeps its failure reason per thread, so DataLoader workers
 * may decode at once. */
#include "io_common.h"
#include "ctorch/data.h"

#include <ctype.h>
#include <errno.h>
#if __has_include(<stb_image.h>) /* CMake's -I of the stb folder */
#include <stb_image.h>
#else /* Debian's layout on the default path (tools that preprocess without CMake's flags) */
#include <stb/stb_image.h>
#endif

/* PIL.Image.MAX_IMAGE_PIXELS * 2: above it PIL raises DecompressionBombError. */
#define CT_MAX_IMAGE_PIXELS 178956970LL

/* (H, W, comp) pixels as stb decoded them -> (H, W, channels): gray repeated and alpha
 * dropped for RGB, as PIL's convert('RGB') does; for one channel the RGB reduced to luma with
 * PIL's L24 fixed-point weights (gray stays itself: the weights sum to 65536). */
static void to_channels(unsigned char *dst, const unsigned char *src, int64_t pixels, int comp, int channels) {
  for (int64_t i = 0; i < pixels; i++) {
    const unsigned char *s = src + comp * i;
    unsigned char r = s[0], g = comp <= 2 ? s[0] : s[1], b = comp <= 2 ? s[0] : s[2];
    if (channels == 1) {
      dst[i] = (unsigned char)((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
    } else {
      dst[3 * i] = r;
      dst[3 * i + 1] = g;
      dst[3 * i + 2] = b;
    }
  }
}

/* Whether head starts with the signature of a format this reader takes: PNG, JPEG, BMP, GIF,
 * binary PGM / PPM, the formats of torchvision's IMG_EXTENSIONS that stb decodes. stb's other
 * decoders (TGA, which has no signature and accepts much, PSD, HDR, PIC) are kept away from
 * untrusted bytes. */
static int known_signature(const unsigned char *h, size_t n) {
  return (n >= 8 && !memcmp(h, "\x89PNG\r\n\x1a\n", 8)) || (n >= 3 && h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF) ||
         (n >= 2 && !memcmp(h, "BM", 2)) || (n >= 6 && (!memcmp(h, "GIF87a", 6) || !memcmp(h, "GIF89a", 6))) ||
         (n >= 2 && h[0] == 'P' && (h[1] == '5' || h[1] == '6'));
}

/* A binary PGM / PPM (P5 / P6, the ones stb reads) whose maxval is not 255: stb keeps a
 * smaller maxval's values unscaled where PIL stretches them to 0..255, and reads 16-bit samples
 * (maxval > 255) in the wrong byte order, so both are refused rather than decoded wrong.
 * Nonzero + an error naming path for those; f is left at its start. */
static int pnm_maxval_unsupported(const char *head, size_t n, const char *path) {
  if (n < 2 || head[0] != 'P' || (head[1] != '5' && head[1] != '6')) return 0;
  size_t i = 2;
  long field[3] = {0, 0, 0}; /* width, height, maxval */
  for (int k = 0; k < 3; k++) {
    while (i < n && (isspace((unsigned char)head[i]) || head[i] == '#')) {
      if (head[i] == '#')
        while (i < n && head[i] != '\n' && head[i] != '\r') i++;
      else i++;
    }
    if (i >= n || !isdigit((unsigned char)head[i])) return 0; /* stb's own error follows */
    while (i < n && isdigit((unsigned char)head[i]) && field[k] < 1000000) field[k] = field[k] * 10 + (head[i++] - '0');
  }
  if (field[2] == 255) return 0;
  ct__err("%s: PNM images with maxval %ld are not supported (only 255)", path, field[2]);
  return 1;
}

/* The decoded pixels of the open file f in its own channel count (*comp), checked against the
 * pixel limit first so a hostile header cannot ask for gigabytes; NULL + an error naming path.
 * Not converted by stb: this stb (Debian 12's, 2022-09) converts a 16-bit PGM's channels with
 * its 8-bit routine when asked for 3, then reads twice the buffer it made (a fuzzer's SEGV). */
static unsigned char *decode(FILE *f, const char *path, int *w, int *h, int *comp) {
  char head[256];
  size_t n = fread(head, 1, sizeof head - 1, f);
  rewind(f);
  head[n] = 0;
  if (!known_signature((const unsigned char *)head, n))
    return ct__err("cannot identify image file '%s' (not PNG, JPEG, BMP, GIF, PGM or PPM)", path);
  if (pnm_maxval_unsupported(head, n, path)) return NULL;
  if (!stbi_info_from_file(f, w, h, comp))
    return ct__err("cannot identify image file '%s' (stb_image: %s)", path, stbi_failure_reason());
  if ((int64_t)*w * *h > CT_MAX_IMAGE_PIXELS)
    return ct__err("%s: Image size (%lld pixels) exceeds limit of %lld pixels, could be "
                   "decompression bomb DOS attack.", path, (long long)*w * *h, CT_MAX_IMAGE_PIXELS);
  unsigned char *px = stbi_load_from_file(f, w, h, comp, 0);
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
  int w = 0, h = 0, comp = 0;
  unsigned char *px = decode(f, path, &w, &h, &comp);
  fclose(f);
  if (!px) return NULL;
  ct_tensor *t = ct__empty(CT_UINT8, 3, (int64_t[]){h, w, channels});
  if (t) to_channels((unsigned char *)ct__ptr(t), px, (int64_t)w * h, comp, channels);
  stbi_image_free(px);
  return t;
}
