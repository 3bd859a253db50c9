/* `ctorch predict`: one input in, its class out. The input is a PNG (or any image stb_image
 * reads), a row of an IDX file (--index), or a row of a CSV file of numbers (a leading label
 * column is recognised by the row's length). */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if defined(__has_include)
#if __has_include(<stb/stb_image.h>)
#define HAVE_STB_IMAGE 1
#endif
#endif
#ifdef HAVE_STB_IMAGE
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_HDR
#include <stb/stb_image.h>
#pragma GCC diagnostic pop
#endif


static bool ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* An image file as (C, H, W) float in [0, 1], resized (bilinear) to the model's size. */
static ct_tensor *load_image(const char *path, const int64_t *chw) {
#ifdef HAVE_STB_IMAGE
  int w, h, c;
  unsigned char *px = stbi_load(path, &w, &h, &c, (int)chw[0]);
  if (!px) {
    ct_set_error("cannot read the image %s: %s", path, stbi_failure_reason());
    return NULL;
  }
  int64_t hwc[3] = {h, w, chw[0]};
  ct_tensor *t = ct_tensor_from(px, CT_UINT8, 3, hwc);
  stbi_image_free(px);
  t = ct_div_scalar(ct_to(ct_permute(t, CT_SHAPE(2, 0, 1)), CT_FLOAT32), 255.0);
  if (t && (h != chw[1] || w != chw[2]))
    t = ct_squeeze_dim(ct_interpolate(ct_unsqueeze(t, 0), .size = CT_INTS(chw[1], chw[2]), .mode = CT_INTERP_BILINEAR,
                                      .align_corners = 0), 0);
  return t;
#else
  (void)chw;
  ct_set_error("cannot read %s: ctorch was built without stb_image (apt-get install libstb-dev)", path);
  return NULL;
#endif
}

/* Row index of an IDX file of images (N, H, W) or vectors (N, D), scaled to [0, 1] if uint8. */
static ct_tensor *load_idx_row(const char *path, int64_t index) {
  ct_tensor *all = ct_idx_load(path);
  if (!all) return NULL;
  if (index < 0 || index >= ct_size(all, 0)) {
    ct_set_error("--index %lld is out of range: %s holds %lld rows", (long long)index, path, (long long)ct_size(all, 0));
    return NULL;
  }
  ct_tensor *row = ct_to(ct_select(all, 0, index), CT_FLOAT32);
  return ct_dtype_of(all) == CT_UINT8 ? ct_div_scalar(row, 255.0) : row;
}

/* Row index of a CSV of numbers (a header line without numbers is skipped); *label receives a
 * leading label column when the row has one value more than the model takes. */
static ct_tensor *load_csv_row(const char *path, int64_t index, int64_t want, int64_t *label) {
  FILE *f = fopen(path, "r");
  if (!f) {
    ct_set_error("cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16;
  char *line = malloc(cap);
  int64_t row = -1, lineno = 0;
  ct_tensor *t = NULL;
  while (line && fgets(line, (int)cap, f)) {
    lineno++;
    char *end;
    strtod(line, &end);
    if (end == line) continue; /* header */
    if (++row != index) continue;
    double *v = malloc((size_t)(want + 1) * sizeof *v);
    int64_t n = 0;
    for (char *p = line; v && *p && *p != '\n' && *p != '\r';) {
      double x = strtod(p, &end);
      if (end == p || n > want) {
        ct_set_error("%s line %lld: %s", path, (long long)lineno,
                     n > want ? "more values than the model takes" : "not a number");
        n = -1;
        break;
      }
      v[n++] = x;
      p = *end == ',' ? end + 1 : end;
    }
    if (n == want + 1) *label = (int64_t)v[0];
    if (n == want || n == want + 1) {
      double mx = 0;
      for (int64_t i = 0; i < want; i++) mx = fmax(mx, v[n - want + i]);
      t = ct_tensor_from(v + (n - want), CT_FLOAT64, 1, &want);
      t = ct_to(mx > 1 ? ct_div_scalar(t, 255.0) : t, CT_FLOAT32);
    } else if (n >= 0) {
      ct_set_error("%s line %lld: %lld values, the model takes %lld", path, (long long)lineno, (long long)n,
                   (long long)want);
    }
    free(v);
    break;
  }
  if (!t && row < index && !ct_last_error())
    ct_set_error("%s has no row %lld (rows counted from 0)", path, (long long)index);
  free(line);
  fclose(f);
  return t;
}

int cmd_predict(int argc, char **argv) {
  const char *model_path = NULL, *weights = NULL, *input = NULL, *size = "1,28,28", *classes = "fashion-mnist", *pos[1];
  int64_t index = 0;
  const cli_opt opts[] = {
      {"--model", OPT_STR, &model_path, "the model, JSON"},
      {"--weights", OPT_STR, &weights, "its trained weights (run/model.safetensors)"},
      {"--input", OPT_STR, &input, "a PNG/JPEG image, an IDX file or a CSV file"},
      {"--index", OPT_INT, &index, "which row of an IDX or CSV file (0)"},
      {"--input-size", OPT_STR, &size, "the model's input, C,H,W (1,28,28)"},
      {"--classes", OPT_STR, &classes, "class names: fashion-mnist (default) or mnist"},
      {0}};
  int n_pos, rc = cli_parse("predict", "--model M.json --weights run/model.safetensors --input image.png", opts, argc,
                            argv, pos, 1, &n_pos);
  if (rc) return rc < 0 ? 0 : rc;
  if (n_pos && !input) input = pos[0];
  if (!input) return cli_fail("predict", "no input given; type --input image.png (or an IDX / CSV file with --index N)");
  if (!weights) return cli_fail("predict", "no weights given; type --weights run/model.safetensors");
  int64_t dims[CT_MAX_DIMS];
  int nd = cli_parse_shape(size, dims, CT_MAX_DIMS);
  if (nd < 0 || nd > 3) return cli_fail("predict", "--input-size %s: expected sizes like 1,28,28", size);
  int64_t want = 1;
  for (int i = 0; i < nd; i++) want *= dims[i];
  ct_module *model = cli_load_model("predict", model_path);
  if (!model) return EXIT_RUN;
  if ((rc = cli_load_weights("predict", model, weights, model_path))) {
    ct_module_free(model);
    return rc;
  }
  bool fashion = strcasecmp(classes, "mnist") != 0;
  int64_t label = -1;
  ct_scope_begin();
  ct_tensor *x = ends_with(input, ".csv")                               ? load_csv_row(input, index, want, &label)
                 : ends_with(input, "ubyte") || ends_with(input, ".gz") || ends_with(input, ".idx")
                     ? load_idx_row(input, index)
                     : (nd == 3 ? load_image(input, dims) : (ct_set_error("an image needs --input-size C,H,W"), NULL));
  if (x && ct_numel(x) != want) {
    ct_set_error("%s gives %lld values, the model takes %lld (--input-size %s)", input, (long long)ct_numel(x),
                 (long long)want, size);
    x = NULL;
  }
  ct_tensor *probs = NULL;
  ct_module_eval(model);
  if (x) CT_NO_GRAD { probs = ct_softmax(ct_forward(model, ct_reshape(x, nd + 1, (int64_t[]){1, dims[0], dims[1], dims[2]})), 1); }
  if (!probs) {
    rc = cli_fail_ct("predict", "cannot classify the input");
  } else {
    static const char *const fashion_names[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                  "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    int64_t nc = ct_numel(probs);
    double p[1024];
    nc = ct_to_doubles(probs, p, 1024) < 0 ? 0 : nc;
    int best[3] = {-1, -1, -1};
    for (int k = 0; k < 3; k++)
      for (int c = 0; c < nc; c++) {
        bool used = false;
        for (int j = 0; j < k; j++) used |= best[j] == c;
        if (!used && (best[k] < 0 || p[c] > p[best[k]])) best[k] = c;
      }
    for (int k = 0; k < 3 && best[k] >= 0; k++) {
      const char *name = fashion && nc == 10 ? fashion_names[best[k]] : "";
      if (k == 0) printf("class %d %s%s%s(probability %.4f)\n", best[k], *name ? "(" : "", name, *name ? ") " : "", p[best[k]]);
      else printf("  then %d %s%s%s(%.4f)\n", best[k], *name ? "(" : "", name, *name ? ") " : "", p[best[k]]);
    }
    if (label >= 0) printf("label in the file: %lld\n", (long long)label);
  }
  ct_scope_end();
  ct_module_free(model);
  return rc;
}
