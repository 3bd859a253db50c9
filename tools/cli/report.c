/* Reports: the loss and accuracy curves as CSV and as a PNG (a line plot drawn into a pixel
 * buffer, written with stb_image_write from libstb-dev). */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int cli_write_curves_csv(const char *path, const cli_history *h, bool val) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fprintf(f, "epoch,train_loss,test_loss,test_accuracy%s,seconds\n", val ? ",val_loss,val_accuracy" : "");
  for (int i = 0; i < h->n; i++) {
    fprintf(f, "%d,%.6f,%.6f,%.6f", i + 1, h->train_loss[i], h->test_loss[i], h->test_acc[i]);
    if (val) fprintf(f, ",%.6f,%.6f", h->val_loss[i], h->val_acc[i]);
    fprintf(f, ",%.3f\n", h->secs[i]);
  }
  return fclose(f);
}

#if defined(__has_include)
#if __has_include(<stb/stb_image_write.h>)
#define HAVE_STB_WRITE 1
#endif
#endif

#ifdef HAVE_STB_WRITE
/* stb's implementation is third-party code: compiled here once, its warnings not ours */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb/stb_image_write.h>
#include <stb/stb_easy_font.h>
#pragma GCC diagnostic pop

enum { PW = 400, PH = 300, MARGIN = 40, IW = 2 * PW, IH = PH };
typedef struct { unsigned char px[IH][IW][3]; } image;

static void dot(image *im, int x, int y, const unsigned char c[3]) {
  for (int dy = -1; dy <= 1; dy++)
    for (int dx = -1; dx <= 1; dx++)
      if (x + dx >= 0 && x + dx < IW && y + dy >= 0 && y + dy < IH) memcpy(im->px[y + dy][x + dx], c, 3);
}

/* Text at (x, y): stb_easy_font's quads are axis-aligned rectangles, filled here. */
static void text(image *im, int x, int y, const char *s, const unsigned char c[3]) {
  static float quads[4 * 4 * 600];
  int nq = stb_easy_font_print((float)x, (float)y, (char *)s, NULL, quads, sizeof quads);
  for (int q = 0; q < nq; q++) {
    const float *v = quads + q * 16; /* 4 vertices of x, y, z, color */
    for (int py = (int)v[1]; py < (int)v[9]; py++)
      for (int px = (int)v[0]; px < (int)v[4]; px++)
        if (px >= 0 && px < IW && py >= 0 && py < IH) memcpy(im->px[py][px], c, 3);
  }
}

/* A straight line, thick enough to see. */
static void line(image *im, int x0, int y0, int x1, int y1, const unsigned char c[3]) {
  int steps = abs(x1 - x0) > abs(y1 - y0) ? abs(x1 - x0) : abs(y1 - y0);
  if (steps == 0) steps = 1;
  for (int s = 0; s <= steps; s++) dot(im, x0 + (x1 - x0) * s / steps, y0 + (y1 - y0) * s / steps, c);
}

/* One panel at x offset ox: up to two series over epochs, y from lo to hi, with a frame and
 * a light grid of 5 rows. */
static void panel(image *im, int ox, const char *title, const double *a, const double *b, int n, double lo,
                  double hi, const unsigned char ca[3], const unsigned char cb[3]) {
  static const unsigned char frame[3] = {0, 0, 0}, grid[3] = {220, 220, 220};
  int x0 = ox + MARGIN, x1 = ox + PW - 10, y0 = PH - 20, y1 = 20;
  char label[32];
  text(im, x0, 6, title, frame);
  snprintf(label, sizeof label, "%.3g", hi);
  text(im, ox + 2, y1, label, frame);
  snprintf(label, sizeof label, "%.3g", lo);
  text(im, ox + 2, y0 - 8, label, frame);
  text(im, x0, y0 + 6, "epoch 1", frame);
  snprintf(label, sizeof label, "epoch %d", n);
  text(im, x1 - 42, y0 + 6, label, frame);
  for (int g = 1; g < 5; g++) {
    int y = y0 + (y1 - y0) * g / 5;
    for (int x = x0; x <= x1; x++) memcpy(im->px[y][x], grid, 3);
  }
  for (int x = x0; x <= x1; x++) memcpy(im->px[y0][x], frame, 3), memcpy(im->px[y1][x], frame, 3);
  for (int y = y1; y <= y0; y++) memcpy(im->px[y][x0], frame, 3), memcpy(im->px[y][x1], frame, 3);
  if (hi <= lo) hi = lo + 1;
  const double *series[2] = {a, b};
  const unsigned char *colors[2] = {ca, cb};
  for (int s = 0; s < 2; s++) {
    if (!series[s]) continue;
    int px = 0, py = 0;
    for (int i = 0; i < n; i++) {
      int x = n > 1 ? x0 + (x1 - x0) * i / (n - 1) : (x0 + x1) / 2;
      int y = y0 - (int)((series[s][i] - lo) / (hi - lo) * (y0 - y1));
      if (i) line(im, px, py, x, y, colors[s]);
      else dot(im, x, y, colors[s]);
      px = x, py = y;
    }
  }
}

static void range(const double *a, const double *b, int n, double *lo, double *hi) {
  *lo = INFINITY, *hi = -INFINITY;
  for (int i = 0; i < n; i++) {
    double v[2] = {a[i], b ? b[i] : a[i]};
    for (int k = 0; k < 2; k++)
      if (isfinite(v[k])) *lo = fmin(*lo, v[k]), *hi = fmax(*hi, v[k]);
  }
  if (!isfinite(*lo)) *lo = 0, *hi = 1;
  double pad = 0.05 * (*hi - *lo) + 1e-6;
  *lo -= pad, *hi += pad;
}

/* Left: train loss (blue) and test loss (orange); right: test accuracy (green) and, with a
 * validation split, validation accuracy (orange). */
int cli_write_curves_png(const char *path, const cli_history *h, bool val) {
  static const unsigned char blue[3] = {31, 119, 180}, orange[3] = {255, 127, 14}, green[3] = {44, 160, 44};
  image *im = malloc(sizeof *im);
  if (!im) return -1;
  memset(im, 255, sizeof *im);
  double lo, hi;
  range(h->train_loss, h->test_loss, h->n, &lo, &hi);
  panel(im, 0, "loss: train (blue), test (orange)", h->train_loss, h->test_loss, h->n, lo, hi, blue, orange);
  range(h->test_acc, val ? h->val_acc : NULL, h->n, &lo, &hi);
  panel(im, PW, val ? "accuracy: test (green), validation (orange)" : "test accuracy", h->test_acc, val ? h->val_acc : NULL, h->n, lo, hi, green, orange);
  int ok = stbi_write_png(path, IW, IH, 3, im, IW * 3);
  free(im);
  return ok ? 0 : -1;
}
#else
int cli_write_curves_png(const char *path, const cli_history *h, bool val) {
  (void)path, (void)h, (void)val;
  return -1;
}
#endif
