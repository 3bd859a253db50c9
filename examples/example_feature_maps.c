/* Seed 004, section 3.2.4: what the first convolution of BasicCNN sees. A forward hook on
 * model.features[0] captures its output; the first 16 of its 32 feature maps are written as
 * one 4x4 PNG grid (each map min-max scaled, viridis colours, 4x enlarged) with
 * stb_image_write (Debian: libstb-dev), where the seed draws them with matplotlib.
 *
 *   features = []
 *   def hook(module, input, output):
 *       features.append(output.detach())
 *   handle = model.features[0].register_forward_hook(hook)
 *   model.eval()
 *   with torch.no_grad():
 *       _ = model(image.unsqueeze(0))
 *   handle.remove()
 *   feature_maps = features[0][0]
 *   for i in range(min(16, feature_maps.size(0))): plt.subplot(4, 4, i + 1); plt.imshow(...)
 *
 * Usage: example_feature_maps [out.png]   (default feature_maps.png) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<stb/stb_image_write.h>)
#define HAVE_STB 1
#endif
#endif

#ifdef HAVE_STB
#include "ctorch.h"
#include "example_basic_cnn.h"

/* stb's implementation is third-party code: compiled here once, its warnings not ours */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

enum { GRID = 4, SCALE = 4, GAP = 4, MAPS = GRID * GRID };

/* def hook(module, input, output): features.append(output.detach()). The call's own scope
 * ends before the module returns: a tensor kept beyond it is retained (ct_release later). */
static int capture(ct_module *m, const ct_values *inputs, ct_values *outputs, void *user) {
  (void)m, (void)inputs;
  *(ct_tensor **)user = ct_retain(ct_detach(ct_values_tensor(outputs, 0)));
  return 0;
}

/* A 3x32x32 test picture with edges in every direction: a red disc, a green square and blue
 * diagonal stripes on a dark background, values in [0, 1]. */
static ct_tensor *test_image(int64_t size) {
  ct_tensor *img = ct_zeros(CT_SHAPE(3, size, size));
  float *p = ct_data_ptr(img);
  for (int64_t y = 0; y < size; y++)
    for (int64_t x = 0; x < size; x++) {
      float dx = (float)x - 10.5f, dy = (float)y - 10.5f;
      float *r = p + y * size + x, *g = r + size * size, *b = g + size * size;
      if (dx * dx + dy * dy < 49) *r = 1.0f;
      if (x >= 16 && x < 28 && y >= 18 && y < 28) *g = 0.9f;
      if ((x + y) / 4 % 2 == 0) *b = 0.6f;
    }
  return img;
}

/* matplotlib's viridis, from 9 samples: t in [0, 1] -> RGB */
static void viridis(float t, unsigned char rgb[3]) {
  static const unsigned char lut[9][3] = {{68, 1, 84},    {72, 36, 117},  {59, 82, 139},
                                          {44, 114, 142}, {33, 145, 140}, {40, 174, 128},
                                          {94, 201, 98},  {170, 220, 50}, {253, 231, 37}};
  float f = (t < 0 ? 0 : t > 1 ? 1 : t) * 8;
  int i = f >= 8 ? 7 : (int)f;
  for (int c = 0; c < 3; c++) rgb[c] = (unsigned char)(lut[i][c] + (f - (float)i) * (lut[i + 1][c] - lut[i][c]) + 0.5f);
}

/* The first 16 maps of maps (C, H, W) as a GRIDxGRID picture: map i at row i / GRID, column
 * i % GRID, each scaled to [0, 1] by its own min and max, GAP white pixels around tiles. */
static int write_grid(const ct_tensor *maps, const char *path, int *width, int *height) {
  int h = (int)ct_size(maps, 1), w = (int)ct_size(maps, 2);
  int tw = w * SCALE, th = h * SCALE;
  *width = GRID * tw + (GRID + 1) * GAP;
  *height = GRID * th + (GRID + 1) * GAP;
  unsigned char *px = malloc((size_t)*width * (size_t)*height * 3);
  if (!px) return -1;
  memset(px, 255, (size_t)*width * (size_t)*height * 3);
  const float *data = ct_data_ptr(ct_contiguous(maps));
  for (int i = 0; i < MAPS && i < ct_size(maps, 0); i++) {
    const float *m = data + (size_t)i * h * w;
    float lo = m[0], hi = m[0];
    for (int k = 1; k < h * w; k++) lo = m[k] < lo ? m[k] : lo, hi = m[k] > hi ? m[k] : hi;
    int x0 = GAP + (i % GRID) * (tw + GAP), y0 = GAP + (i / GRID) * (th + GAP);
    for (int y = 0; y < th; y++)
      for (int x = 0; x < tw; x++)
        viridis(hi > lo ? (m[(y / SCALE) * w + x / SCALE] - lo) / (hi - lo) : 0,
                px + ((size_t)(y0 + y) * *width + (size_t)(x0 + x)) * 3);
  }
  int ok = stbi_write_png(path, *width, *height, 3, px, *width * 3);
  free(px);
  return ok ? 0 : -1;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "feature_maps.png";
  ct_set_error_mode(CT_ERRORS_ABORT); /* a script: stop at the first error, as Python would */
  ct_manual_seed(0);
  ct_module *model = basic_cnn(3, 10);
  ct_scope_begin();
  ct_tensor *image = test_image(32);

  ct_tensor *features = NULL;
  ct_module *target_layer = ct_module_get_submodule(model, "features.0"); /* the first conv */
  ct_hook_handle handle = ct_module_register_forward_hook(target_layer, capture, &features);
  ct_module_eval(model);
  CT_NO_GRAD { ct_forward(model, ct_unsqueeze(image, 0)); }
  ct_hook_remove(&handle);

  ct_tensor *feature_maps = ct_select(features, 0, 0); /* the first sample's maps */
  printf("features[0]: ");
  ct_module_print(target_layer);
  printf("captured: torch.Size([%lld, %lld, %lld, %lld])\n", (long long)ct_size(features, 0),
         (long long)ct_size(features, 1), (long long)ct_size(features, 2), (long long)ct_size(features, 3));
  int width = 0, height = 0;
  if (write_grid(feature_maps, path, &width, &height) != 0) {
    fprintf(stderr, "could not write %s\n", path);
    return 1;
  }
  printf("wrote %s: %dx%d, %d feature maps in a %dx%d grid\n", path, width, height, MAPS, GRID, GRID);
  ct_scope_end();
  ct_release(features);
  ct_module_free(model);
  return 0;
}
#else
int main(void) {
  fprintf(stderr, "example_feature_maps needs stb_image_write.h (apt-get install libstb-dev)\n");
  return 77; /* the test's "skipped" */
}
#endif
